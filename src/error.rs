//! Errors of the library. Each names what failed and where (file, line) when there is a where.

use std::path::PathBuf;

/// A library error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An input file is not valid UTF-8.
    #[error("{file}:{line}: not valid UTF-8 (byte offset {offset}); the file was skipped")]
    Encoding {
        /// File, relative to its input root.
        file: String,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// An input could not be used for another reason.
    #[error("{file}: {message}")]
    Input {
        /// The input.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The rules are invalid.
    #[error("rules {file}: {message}")]
    Rules {
        /// The rules file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Something a user should know that did not stop the run: a page whose range header
/// disagrees with what was parsed, a file with no records, an oversized block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// The file it concerns, if any.
    pub file: Option<String>,
    /// The 1-based line, if any.
    pub line: Option<usize>,
    /// What happened and what was done about it.
    pub message: String,
}

impl Warning {
    /// A warning about a place in a file.
    pub fn at(file: &str, line: Option<usize>, message: impl Into<String>) -> Warning {
        Warning {
            file: Some(file.to_string()),
            line,
            message: message.into(),
        }
    }

    /// A warning about the run as a whole.
    pub fn general(message: impl Into<String>) -> Warning {
        Warning {
            file: None,
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: {}", self.message),
            (Some(file), None) => write!(f, "{file}: {}", self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}
