//! `concord eval`: scores a run's merges against a truth file.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `concord eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The output folder of a run (its provenance.csv, and decisions.csv when present).
    out_dir: PathBuf,
    /// Truth file: CSV with a header and columns `record_id,entity_id`.
    #[arg(long)]
    truth: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// List at most this many false merges and missed duplicates each (0: all).
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

/// Evaluates and prints. Exit 1 when the truth file and the run disagree on which records
/// exist (the figures are still printed).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let e = concord::eval::evaluate(&args.out_dir, &args.truth, args.limit)?;
    let text = match args.json {
        true => format!("{}\n", serde_json::to_string_pretty(&e)?),
        false => e.to_string(),
    };
    // A reader that stops early (`| head`) is not an error: the exit status still tells.
    super::unless_closed(out!("{text}"))?;
    if e.covers_all() {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(r) = e.records_without_truth.first() {
        errln!(
            "warning: {} record(s) have no line in {} (first: {r}); each was scored as an entity of its own",
            e.records_without_truth.len(),
            args.truth.display()
        );
    }
    if let Some(r) = e.truth_without_record.first() {
        errln!(
            "warning: {} line(s) of {} name records the run does not have (first: {r})",
            e.truth_without_record.len(),
            args.truth.display()
        );
    }
    Ok(ExitCode::from(1))
}
