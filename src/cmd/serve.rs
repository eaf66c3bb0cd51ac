//! `concord serve`: the audit of an output folder in the browser ([`concord::serve`]).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `concord serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of a `concord run`.
    out: PathBuf,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8484)]
    port: u16,
    /// Address to listen on (default: this machine only). Requests must still name the
    /// server by a loopback name: for a forwarded port, not a network.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Overrides file the answers are appended to. Default: the one the run read (run.json),
    /// else rules/overrides.toml in the folder the run was started in.
    #[arg(long)]
    overrides: Option<PathBuf>,
}

/// Serves until stopped (Ctrl-C).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let opts = concord::serve::Options {
        out: args.out,
        host: args.host,
        port: args.port,
        overrides: args.overrides,
    };
    concord::serve::serve(&opts, |addr| {
        // The first line names the address: scripts and tests read it (with --port 0).
        let _ = outln!("concord serve: http://{addr}/ (Ctrl-C to stop)");
    })?;
    Ok(ExitCode::SUCCESS)
}
