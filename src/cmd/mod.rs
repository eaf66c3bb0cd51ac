//! One file per subcommand, each with its arguments and its `run`.
//!
//! Output goes through [`out!`] and [`outln!`], never `print!`: those panic when stdout is a
//! pipe its reader has closed (`concord explain OUT ID | head -1`), these return the error,
//! and `main` ends quietly on a broken pipe. Messages go through [`errln!`], which ignores a
//! closed stderr: there is nowhere left to report to.

/// `print!` that returns an `io::Result` instead of panicking (see the module docs).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cmd::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that returns an `io::Result` instead of panicking (see the module docs).
macro_rules! outln {
    () => {
        $crate::cmd::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cmd::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that never panics (see the module docs).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cmd::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub mod diff;
pub mod eval;
pub mod explain;
pub mod inspect;
pub mod plan;
pub mod review;
pub mod run;
pub mod serve;
pub mod synth;

use std::io::Write;

/// Writes to stdout and flushes, so that a closed pipe is seen here and not at exit.
pub fn write_stdout(args: std::fmt::Arguments) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.flush()
}

/// Writes to stderr; a failure is dropped (a closed stderr leaves nowhere to report it).
pub fn write_stderr(args: std::fmt::Arguments) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// True when `e` is a write to a pipe whose reader has gone.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// `result`, with a closed stdout counted as success: for a command whose exit status says
/// more than its printout (`run`, `eval`), a reader that stops early changes neither.
pub fn unless_closed(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
