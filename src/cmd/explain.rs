//! `concord explain`: why a canonical record holds its members, or how two records compared.

use std::path::PathBuf;
use std::process::ExitCode;

use concord::audit::{explain, read::OutputDir};

/// Arguments of `concord explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of a `concord run`.
    out: PathBuf,
    /// A canonical id (`doc-...`) or a record id (`FILE#POSITION`); or two record ids.
    #[arg(required = true, num_args = 1..=2)]
    ids: Vec<String>,
}

/// Prints the explanation.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let out = OutputDir::open(&args.out)?;
    out!("{}", explain::explain(&out, &args.ids)?)?;
    Ok(ExitCode::SUCCESS)
}
