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
            eprintln!("{tool}: {}", one_line(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// A message on one line: line breaks that a quoted cell or a parser's text brought
/// in are written as `\n` and `\r`.
pub(crate) fn one_line(msg: &str) -> String {
    msg.trim_end_matches(['\n', '\r'])
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_are_one_line() {
        assert_eq!(
            super::one_line("f:2: not a number: '-60\n78'\n"),
            "f:2: not a number: '-60\\n78'"
        );
        assert_eq!(super::one_line("a\r\nb"), "a\\r\\nb");
    }
}
