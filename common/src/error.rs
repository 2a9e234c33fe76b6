//! One error type for the library. Every message is a single line; input errors
//! name the file, the line and the column so that a user can go straight to the cell.

use std::fmt;

/// Where in an input a problem was found. `line` is 1-based and counts the header
/// as line 1, as an editor does; `column` is the header name (and its 1-based index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<(usize, String)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some((index, name)) = &self.column {
            write!(f, ": column {} ({name})", index + 1)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad content of an input: a cell, a header, a row.
    #[error("{at}: {msg}")]
    Input { at: Location, msg: String },
    /// Reading or writing a file failed.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Arguments or settings that cannot work together (k too large for a class, a
    /// model trained on other features, ...).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub fn input(at: Location, msg: impl Into<String>) -> Self {
        Error::Input {
            at,
            msg: msg.into(),
        }
    }

    pub fn file(file: &str, msg: impl Into<String>) -> Self {
        Error::Input {
            at: Location {
                file: file.to_string(),
                line: None,
                column: None,
            },
            msg: msg.into(),
        }
    }

    pub fn io(file: &str, source: std::io::Error) -> Self {
        Error::Io {
            file: file.to_string(),
            source,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    /// True when the error is a closed downstream pipe (`tool | head`), which a
    /// Unix tool treats as a normal end, not as a failure.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
