//! `concord synth`: writes synthetic result pages with known truth.

use std::path::PathBuf;
use std::process::ExitCode;

use concord::synth::{self, SynthOptions};

/// Arguments of `concord synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Records to generate in total (appearances on pages, duplicates included).
    #[arg(long)]
    records: usize,
    /// Seed: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder: pages/ and truth.csv are written in it (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Also write records.csv: every record as its page writes it.
    #[arg(long)]
    csv: bool,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Generates the pages and prints what was written.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.records == 0 {
        anyhow::bail!("--records must be at least 1");
    }
    let opts = SynthOptions {
        records: args.records,
        seed: args.seed,
        csv: args.csv,
    };
    let s = synth::generate(&opts, &args.out)?;
    if !args.quiet {
        outln!("{:<18} {}", "records", s.records)?;
        outln!("{:<18} {}", "entities", s.entities)?;
        outln!("{:<18} {}", "pages", s.pages)?;
        outln!("{:<18} {}", "pages cut off", s.cut_pages)?;
        outln!("{:<18} {}", "pages", args.out.join("pages").display())?;
        outln!("{:<18} {}", "truth", args.out.join("truth.csv").display())?;
    }
    Ok(ExitCode::SUCCESS)
}
