//! The `concord` binary: parses arguments and hands them to the library.
//!
//! Exit codes: 0 success; 1 the run finished but some input could not be used (each is
//! reported on stderr with file and line); 2 nothing was written (bad arguments, invalid
//! rules, a missing input, no record read, an output folder that cannot be written or that
//! another run is writing to, outputs that could not all be replaced).

#[macro_use]
mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Turns overlapping scrapes of archive result pages into one canonical CSV, and shows its work.
#[derive(Debug, Parser)]
#[command(name = "concord", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read pages, find duplicates, write canonical.csv, provenance.csv, decisions.csv.
    Run(cmd::run::Args),
    /// Score a run's merges against a truth file (record_id,entity_id).
    Eval(cmd::eval::Args),
    /// Count the pairs each blocking rule would make, before a run.
    Plan(cmd::plan::Args),
    /// Write synthetic result pages with known truth (pages/ and truth.csv).
    Synth(cmd::synth::Args),
    /// Explain a canonical record (members, evidence, nearest non-merged), or two records.
    Explain(cmd::explain::Args),
    /// Label review-band pairs in the terminal; answers go to the overrides file.
    Review(cmd::review::Args),
    /// Show how pages are read: layout and why, every line's role, records, warnings.
    Inspect(cmd::inspect::Args),
    /// What changed between two runs' outputs: documents created, merged, split, changed, removed.
    Diff(cmd::diff::Args),
    /// The audit in the browser: overview, documents, review by keyboard, re-run (local only).
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => {
            keep_freed_memory();
            cmd::run::run(args)
        }
        Command::Eval(args) => cmd::eval::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Synth(args) => cmd::synth::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(code) => code,
        // A reader that stopped early (`| head`) is no failure: end quietly, as ripgrep does.
        Err(e) if e.chain().any(cmd::is_broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("concord: {}", chain(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `a: b: c`. A cause whose text the message before already ends
/// with is left out: an error that shows its source in its own message (`Error::Io` is
/// `PATH: OS MESSAGE` and gives the OS error as its source) would print it twice otherwise.
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// A run frees and allocates hundreds of megabytes stage after stage. mimalloc by default
/// hands freed memory back to the system after 10 ms, and the next stage takes it again,
/// every page zeroed by the kernel anew: at 1M records a fifth of the reading stage was the
/// kernel clearing pages. A run is a batch that ends soon: it keeps what it freed (peak
/// memory unchanged, measured in BENCHMARKS.md). `concord serve`, which lives long, does not.
fn keep_freed_memory() {
    #[cfg(feature = "mimalloc")]
    {
        // `mi_option_purge_delay` (15 in mimalloc 2 and 3: the -sys crate names only some
        // options); -1: never purge.
        const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        // SAFETY: sets an option's value; mimalloc reads it when it next considers purging.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    }
}

// mimalloc: fewer, faster allocations than glibc's malloc across rayon's threads, and less
// memory held back by per-thread arenas (measured in BENCHMARKS.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
