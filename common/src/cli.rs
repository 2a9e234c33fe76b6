//! What every tool binary shares: how an error ends the process.

use std::process::ExitCode;

use crate::error::Result;

/// Runs a tool body: on error, one line `tool: message` on stderr and exit status 2;
/// a closed downstream pipe (`tool | head`) is a normal end.
pub fn run(tool: &str, body: impl FnOnce() -> Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{tool}: {e}");
            ExitCode::from(2)
        }
    }
}
