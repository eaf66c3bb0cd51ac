//! Ingest: find the input files, read them, and turn each into raw records with provenance.
//!
//! Each file is read by its format: a saved result page, or a CSV or JSON Lines table (by
//! its extension, or as `--format` says).
//!
//! A file that cannot be used (unreadable, not UTF-8, binary) is reported with its name and,
//! where there is one, its line; the other files are still read.

pub mod page;
pub mod table;

use std::path::{Path, PathBuf};

use crate::error::{Error, Warning};
use crate::record::RawRecord;
use crate::rules::CompiledPageRules;

/// One input file and the name it goes by in provenance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// Path relative to its input root, `/`-separated (for a file given directly, its name).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// Expands files and directories into input files, sorted by name so that the order the
/// inputs were given in cannot change any output.
pub fn discover(inputs: &[PathBuf]) -> (Vec<InputFile>, Vec<Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => {
                let before = files.len();
                walk(input, input, &mut files, &mut errors);
                // An empty folder is almost always a wrong path: say so rather than succeed
                // quietly with nothing.
                if files.len() == before
                    && !errors
                        .iter()
                        .any(|e| matches!(e, Error::Io { path, .. } if path.starts_with(input)))
                {
                    errors.push(Error::Input {
                        file: input.display().to_string(),
                        message: "no pages found in this folder (hidden files are skipped)".to_string(),
                    });
                }
            }
            Ok(_) => {
                let name = input
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push(InputFile {
                    name,
                    path: input.clone(),
                });
            }
            Err(e) => errors.push(Error::Io {
                path: input.clone(),
                source: e,
            }),
        }
    }
    files.sort();
    // The same file named twice (directly and through its directory, say) is read once.
    files.dedup_by(|a, b| a.name == b.name && same_file(&a.path, &b.path));
    let mut seen = std::collections::BTreeMap::new();
    for f in &files {
        if let Some(prev) = seen.insert(f.name.clone(), f.path.clone()) {
            errors.push(Error::Input {
                file: f.name.clone(),
                message: format!(
                    "two inputs share this name ({} and {}); give their parent directory instead so that names stay unique",
                    prev.display(),
                    f.path.display()
                ),
            });
        }
    }
    let duplicated: std::collections::BTreeSet<String> = errors
        .iter()
        .filter_map(|e| match e {
            Error::Input { file, .. } => Some(file.clone()),
            _ => None,
        })
        .collect();
    files.retain(|f| !duplicated.contains(&f.name));
    (files, errors)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<InputFile>, errors: &mut Vec<Error>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Error::Io {
                path: dir.to_path_buf(),
                source: e,
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, files, errors);
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push(InputFile { name, path });
        }
    }
}

/// What reading one file gave.
#[derive(Debug)]
pub struct FileOutcome {
    /// The file.
    pub file: InputFile,
    /// Its records, or why there are none.
    pub result: Result<page::ParsedPage, Error>,
    /// Malformed table rows skipped (each also a warning with its line).
    pub skipped_rows: usize,
}

/// Reads and parses one input file as a saved result page.
pub fn read(file: &InputFile, rules: &CompiledPageRules) -> FileOutcome {
    read_as(file, table::Format::Page, rules, None)
}

/// Reads and parses one input file in `format`. A table without a mapping is an error.
pub fn read_as(
    file: &InputFile,
    format: table::Format,
    rules: &CompiledPageRules,
    mapping: Option<&crate::schema::TableRules>,
) -> FileOutcome {
    let bytes = std::fs::read(&file.path).map_err(|e| Error::Io {
        path: file.path.clone(),
        source: e,
    });
    let mut skipped_rows = 0;
    let as_page = |parsed: table::ParsedTable| page::ParsedPage {
        records: parsed.records,
        layout: format.as_str().to_string(),
        range: None,
        header_lines: 0,
        warnings: parsed.warnings,
    };
    let result = bytes.and_then(|bytes| match (format, mapping) {
        (table::Format::Page, _) => decode(&file.name, bytes).map(|text| page::parse(&file.name, &text, rules)),
        (_, None) => Err(Error::Input {
            file: file.name.clone(),
            message: format!(
                "a {} table needs a [table] mapping in the rules (--rules FILE; see rules/person.toml)",
                format.as_str()
            ),
        }),
        (table::Format::Csv, Some(m)) => table::parse_csv(&file.name, &bytes, m).map(|t| {
            skipped_rows = t.skipped_rows;
            as_page(t)
        }),
        (table::Format::Jsonl, Some(m)) => {
            let t = table::parse_jsonl(&file.name, &bytes, m);
            skipped_rows = t.skipped_rows;
            Ok(as_page(t))
        }
    });
    FileOutcome {
        file: file.clone(),
        result,
        skipped_rows,
    }
}

/// The file's text, or an error naming the line of the first invalid byte.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    if bytes.contains(&0) {
        let line = bytes[..bytes.iter().position(|b| *b == 0).unwrap_or(0)]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(Error::Input {
            file: name.to_string(),
            message: format!("line {line}: binary data (a NUL byte); the file was skipped"),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        Error::Encoding {
            file: name.to_string(),
            line,
            offset,
        }
    })
}

/// Every record of every file that could be read, in file then page order, with the
/// warnings and the errors met on the way.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Records in (file, position) order.
    pub records: Vec<RawRecord>,
    /// Files read.
    pub files_read: usize,
    /// Warnings from the pages.
    pub warnings: Vec<Warning>,
    /// Files that could not be used.
    pub errors: Vec<Error>,
    /// Malformed table rows skipped.
    pub skipped_rows: usize,
}

impl Ingested {
    /// Adds one file's outcome.
    pub fn push(&mut self, outcome: FileOutcome) {
        self.skipped_rows += outcome.skipped_rows;
        match outcome.result {
            Ok(page) => {
                self.files_read += 1;
                self.records.extend(page.records);
                self.warnings.extend(page.warnings);
            }
            Err(e) => self.errors.push(e),
        }
    }
}
