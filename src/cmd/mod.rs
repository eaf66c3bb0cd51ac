//! One file per subcommand, each with its arguments and its `run`.

pub mod eval;
pub mod explain;
pub mod review;
pub mod run;
pub mod synth;
