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

    /// What kind of thing happened, without its particulars: the message with every number
    /// written `N` and every quoted text `"…"` ("record 12 of "x" is cut" and "record 3 of
    /// "y" is cut" are one kind). Warnings carry no kind of their own: the message's shape
    /// is the kind, so that a new warning needs no entry in a list to be counted.
    pub fn kind(&self) -> String {
        shape(&self.message)
    }
}

/// A message without its particulars: every number written `N` and every quoted text `"…"`.
/// Messages of one shape are one kind of thing ([`Warning::kind`], and the kinds of review
/// pair `concord serve` answers at once).
pub fn shape(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut kind = String::with_capacity(message.len());
    let mut closing: Option<char> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match (closing, c) {
            (Some(close), c) if c == close => {
                closing = None;
                kind.push(c);
            }
            (Some(_), _) => {}
            (None, '"' | '“' | '«') => {
                closing = Some(match c {
                    '“' => '”',
                    '«' => '»',
                    _ => '"',
                });
                kind.push(c);
                kind.push('…');
            }
            (None, c) if c.is_ascii_digit() => {
                // 3,842 and 0.93 are one number each; the full stop after "in 1952." is not.
                while digit(i) || (matches!(chars.get(i), Some(',' | '.')) && digit(i + 1)) {
                    i += 1;
                }
                kind.push('N');
            }
            (None, c) => kind.push(c),
        }
    }
    kind
}

/// Warnings grouped by [`Warning::kind`]: the most frequent kind first (ties: by kind),
/// each group's warnings in the order given.
pub fn by_kind(warnings: &[Warning]) -> Vec<(String, Vec<&Warning>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<&Warning>> = std::collections::BTreeMap::new();
    for w in warnings {
        groups.entry(w.kind()).or_default().push(w);
    }
    let mut groups: Vec<(String, Vec<&Warning>)> = groups.into_iter().collect();
    // Stable: kinds of one count stay in the map's (alphabetical) order.
    groups.sort_by_key(|(_, ws)| std::cmp::Reverse(ws.len()));
    groups
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_leaves_out_numbers_and_quoted_text_but_keeps_the_sentence() {
        let w = Warning::general("record 12 of \"Letter, 1952\" is cut at 3,842 bytes in 1952.");
        assert_eq!(w.kind(), "record N of \"…\" is cut at N bytes in N.");
        let curly = Warning::general("title “Zhou Enlai” read 2 times");
        assert_eq!(curly.kind(), "title “…” read N times");
    }

    #[test]
    fn warnings_group_by_kind_most_frequent_first_in_their_order() {
        let ws = [
            Warning::at("a.txt", Some(3), "no date on line 3"),
            Warning::at("b.txt", None, "no records found on this page"),
            Warning::at("c.txt", Some(9), "no date on line 9"),
        ];
        let groups = by_kind(&ws);
        let shape: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|(k, g)| (k.as_str(), g.iter().map(|w| w.file.as_deref().unwrap_or("")).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                ("no date on line N", vec!["a.txt", "c.txt"]),
                ("no records found on this page", vec!["b.txt"]),
            ]
        );
    }
}
