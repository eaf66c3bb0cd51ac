//! `concord run`: the whole pipeline.

use std::io::IsTerminal;

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

use concord::output::Format as OutputFormat;
use concord::schema::LinkType;
use concord::source::table::Format;
use concord::{Rules, RunOptions};

/// Arguments of `concord run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Saved result pages: files, or directories read recursively (hidden files skipped); `-`
    /// reads one page (or, with --format, a table) from standard input, named `stdin`. One
    /// that does not exist, or no record read at all, stops the run before anything is written.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder; created if missing, its files replaced all together or not at all. One
    /// run at a time: another run writing to it makes this one stop (lock file .concord.lock).
    #[arg(long, default_value = "concord-out")]
    out: PathBuf,
    /// Rules file laid over the built-in rules/default.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Overrides file (same/different pairs that beat any score). Default: rules/overrides.toml
    /// when it exists.
    #[arg(long)]
    overrides: Option<PathBuf>,
    /// Worker threads (default: one per core). Outputs are identical for any value.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress and no summary: errors, and one line counting the warnings (every one is
    /// in warnings.csv).
    #[arg(long, short)]
    quiet: bool,
    /// Read every input as this format (default: by extension: .csv, .jsonl/.ndjson, .html/.htm,
    /// else a text page).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Read every input in this encoding, a WHATWG label: utf-8, windows-1252, latin1,
    /// iso-8859-15, utf-16le, shift_jis, ... Default: UTF-8, or what a byte-order mark says;
    /// a table that is not UTF-8 is read as windows-1252, with a warning naming it. A byte-order
    /// mark wins over this option.
    #[arg(long, value_name = "LABEL", value_parser = concord::source::encoding::by_label)]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// Score with this trained model (a model.json from an earlier run) instead of training.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Prefix CSV cells that begin with = + - @ (a spreadsheet formula) with a single quote.
    #[arg(long)]
    safe_csv: bool,
    /// Format of the tabular outputs: csv, or parquet (NAME.parquet, same columns, numbers as
    /// numbers). report.html and model.json are written as always. Default: csv (or the
    /// rules' [output] format).
    #[arg(long, value_enum)]
    output_format: Option<OutputFormat>,
    /// Which compared pairs decisions.csv holds: all, or linked (match and review, and the
    /// pairs an override decided; no-match pairs left out, a fraction of the size). Default:
    /// all (or the rules' [output] decisions).
    #[arg(long, value_enum, value_name = "SCOPE")]
    decisions: Option<concord::output::DecisionScope>,
    /// An earlier run's output folder (may be --out itself): its canonical ids are carried
    /// over to the documents that keep their members, and ids.csv records every id issued.
    #[arg(long, value_name = "OLD_OUT")]
    previous: Option<PathBuf>,
    /// A scrape manifest: CSV with columns file,url and optionally query,scraped_at, naming
    /// each page's address, the query it is a page of and when it was taken.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Tables: compare pairs within and across sources (dedupe, link-and-dedupe) or across
    /// sources only (link); a record's source is its file or the mapping's `source` field.
    /// Default: the mapping's link_type, else dedupe.
    #[arg(long, value_enum)]
    link_type: Option<LinkType>,
    /// With --link-type link: a cluster holds at most one record of each source.
    #[arg(long)]
    one_to_one: bool,
}

/// Runs the pipeline and prints the summary.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut rules = match &args.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::builtin(),
    };
    rules.output.neutralise_formulas |= args.safe_csv;
    if let Some(f) = args.output_format {
        rules.output.format = f;
    }
    if let Some(d) = args.decisions {
        rules.output.decisions = d;
    }
    super::plan::link_options(&mut rules, args.link_type, args.one_to_one)?;
    if args.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let overrides = match concord::audit::overrides::resolve(args.overrides.as_deref()) {
        Some(path) => concord::audit::overrides::Overrides::load(&path)?,
        None => Default::default(),
    };
    let invocation = invocation(&args)?;
    let mut inputs = args.inputs;
    // Held to the end of the run: the spooled standard input lives in it.
    let _stdin = spool_stdin(&mut inputs, rules.input.max_file_bytes)?;
    let opts = RunOptions {
        overrides,
        inputs,
        out: args.out,
        rules,
        threads: args.threads,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        format: args.format,
        encoding: args.encoding,
        model: args.model,
        previous: args.previous,
        invocation: Some(invocation),
        manifest: args.manifest,
    };
    let report = concord::run(&opts)?;
    let warnings_file = opts.out.join(opts.rules.output.format.file("warnings"));
    print_warnings(&report.warnings, &warnings_file, args.quiet);
    for e in &report.errors {
        errln!("error: {e}");
    }
    if !args.quiet {
        // The outputs are written: a reader of the summary that stops early changes nothing.
        super::unless_closed(
            out!("{}", report.summary)
                .and_then(|()| outln!("{:<25} {}", "output", opts.out.display()))
                .and_then(|()| outln!("{}", next_step(&opts.out, &report.summary))),
        )?;
    }
    Ok(if report.errors.is_empty() && report.summary.skipped_rows == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Warnings of one kind shown on stderr; the rest are counted (all are in warnings.csv).
const SHOWN_PER_KIND: usize = 3;

/// The run's warnings on stderr: by kind, the first few of each with file and line and a
/// count of the rest (3,842 lines scrolling past helped no one), then where all of them are.
/// `quiet`: the count line alone.
fn print_warnings(warnings: &[concord::Warning], file: &std::path::Path, quiet: bool) {
    if warnings.is_empty() {
        return;
    }
    let all = format!("{} warning(s) in all, every one in {}", warnings.len(), file.display());
    if quiet {
        errln!("{all}");
        return;
    }
    let groups = concord::error::by_kind(warnings);
    for (_, group) in &groups {
        for w in group.iter().take(SHOWN_PER_KIND) {
            errln!("warning: {w}");
        }
        if group.len() > SHOWN_PER_KIND {
            errln!(
                "warning: ... and {} more of this kind ({} in all)",
                group.len() - SHOWN_PER_KIND,
                group.len()
            );
        }
    }
    if groups.iter().any(|(_, g)| g.len() > SHOWN_PER_KIND) {
        errln!("{all}");
    }
}

/// What to do next, once the outputs are written.
fn next_step(out: &std::path::Path, summary: &concord::Summary) -> String {
    let out = out.display();
    let report = format!("next: open {out}/report.html, or browse the run: concord serve {out}");
    let review = match summary.review_pairs {
        0 => format!("{report}; no pair waits for review"),
        n => format!("{report}; {n} pair(s) wait for review: concord review {out}"),
    };
    match summary.incomplete_queries {
        0 => review,
        n => format!(
            "{review}\nscrape: {n} of {} queries have results their range headers state that were not scraped: {out}/completeness.csv",
            summary.queries
        ),
    }
}

/// The name standard input goes by in the outputs (`provenance.csv`'s `file`, record ids).
const STDIN_NAME: &str = "stdin";

/// Replaces the input `-` by a file holding standard input, named `stdin` in a temporary
/// folder (returned: the file lives as long as it). The engine reads files, so standard input
/// goes through the same size cap, encoding checks and naming as any page. At most
/// `max_bytes` + 1 bytes are copied: the read that follows reports a larger input as too big.
fn spool_stdin(inputs: &mut [PathBuf], max_bytes: u64) -> anyhow::Result<Option<tempfile::TempDir>> {
    let dashes = inputs.iter().filter(|p| p.as_os_str() == "-").count();
    if dashes == 0 {
        return Ok(None);
    }
    if dashes > 1 {
        anyhow::bail!("- (standard input) may be given once");
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        anyhow::bail!("- reads standard input, which is a terminal: pipe a page into it (concord run - < page.txt)");
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(STDIN_NAME);
    let mut file = std::fs::File::create(&path)?;
    std::io::copy(
        &mut std::io::Read::take(stdin.lock(), max_bytes.saturating_add(1)),
        &mut file,
    )?;
    for input in inputs.iter_mut().filter(|p| p.as_os_str() == "-") {
        input.clone_from(&path);
    }
    Ok(Some(dir))
}

/// A file the run read its policy from, and the SHA-256 of its bytes then (so that a later
/// look can tell whether it changed since).
#[derive(serde::Serialize)]
struct FileUsed {
    file: PathBuf,
    sha256: String,
}

impl FileUsed {
    fn of(path: &std::path::Path) -> anyhow::Result<FileUsed> {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Ok(FileUsed {
            file: path.to_path_buf(),
            sha256: concord::normalize::hex(&Sha256::digest(&bytes)),
        })
    }
}

/// `run.json`: what the run was asked to do, so that it can be told and done again: the
/// version, the command, the inputs, the rules and overrides files (with their digests) and
/// the options that shape the outputs. Inputs are sorted and the thread count and `--quiet`
/// are left out: they do not change the outputs, and neither may they change this record.
fn invocation(args: &Args) -> anyhow::Result<String> {
    let mut inputs = args.inputs.clone();
    inputs.sort();
    let overrides = concord::audit::overrides::resolve(args.overrides.as_deref());
    let mut command: Vec<String> = vec!["concord".into(), "run".into()];
    command.extend(inputs.iter().map(|p| p.display().to_string()));
    command.extend(["--out".into(), args.out.display().to_string()]);
    let mut option = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            command.extend([name.to_string(), v]);
        }
    };
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    option("--rules", shown(&args.rules));
    option("--overrides", shown(&args.overrides));
    option("--format", args.format.map(|f| f.as_str().to_string()));
    option("--encoding", encoding_name(args.encoding));
    option("--model", shown(&args.model));
    option(
        "--output-format",
        args.output_format.map(|f| output_format_name(f).to_string()),
    );
    option("--previous", shown(&args.previous));
    option("--manifest", shown(&args.manifest));
    option("--link-type", args.link_type.map(|l| l.as_str().to_string()));
    if args.one_to_one {
        command.push("--one-to-one".into());
    }
    if args.safe_csv {
        command.push("--safe-csv".into());
    }
    let record = serde_json::json!({
        "concord": env!("CARGO_PKG_VERSION"),
        "command": command,
        // The command's paths are relative to it: `concord serve` re-runs it there.
        "directory": std::env::current_dir()?,
        "inputs": inputs,
        "rules": args.rules.as_deref().map(FileUsed::of).transpose()?,
        "overrides": overrides.as_deref().map(FileUsed::of).transpose()?,
        "manifest": args.manifest.as_deref().map(FileUsed::of).transpose()?,
        "format": args.format.map(|f| f.as_str()),
        "encoding": encoding_name(args.encoding),
        "model": args.model,
        "previous": args.previous,
        "output_format": args.output_format.map(output_format_name),
        "safe_csv": args.safe_csv,
        "link_type": args.link_type.map(|l| l.as_str()),
        "one_to_one": args.one_to_one,
    });
    Ok(serde_json::to_string_pretty(&record)? + "\n")
}

/// `--encoding`'s value by the encoding's own name (a label too), whatever label chose it:
/// `latin1` and `windows-1252` are one encoding, recorded alike.
fn encoding_name(encoding: Option<&'static encoding_rs::Encoding>) -> Option<String> {
    encoding.map(|e| e.name().to_ascii_lowercase())
}

/// `--output-format`'s value as written on the command line.
fn output_format_name(f: OutputFormat) -> &'static str {
    match f {
        OutputFormat::Csv => "csv",
        OutputFormat::Parquet => "parquet",
    }
}
