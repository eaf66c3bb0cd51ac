//! Tables: CSV and JSON Lines files read into raw records, one per row, with the cells of
//! the fields the `[table]` mapping names.
//!
//! A malformed row (a wrong number of fields, invalid UTF-8, a line that is not a JSON
//! object) is reported with its file and line, counted, and skipped; the rest of the file is
//! read. Cells are kept as written: typing them (and warning about an unparseable date) is the
//! normalize stage's job.

use crate::error::{Error, Warning};
use crate::record::{Provenance, RawRecord};
use crate::schema::TableRules;

/// The formats concord reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A saved result page.
    Page,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file's extension implies (`.csv`; `.jsonl`, `.ndjson`; anything else is
    /// a page).
    pub fn from_name(name: &str) -> Format {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Format::Csv,
            "jsonl" | "ndjson" => Format::Jsonl,
            _ => Format::Page,
        }
    }

    /// The name written to provenance's `layout` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Page => "page",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// What reading one table gave.
#[derive(Debug, Default)]
pub struct ParsedTable {
    /// One record per well-formed row.
    pub records: Vec<RawRecord>,
    /// Malformed rows, each with its file and line.
    pub warnings: Vec<Warning>,
    /// Rows skipped because they were malformed.
    pub skipped_rows: usize,
}

impl ParsedTable {
    fn skip(&mut self, file: &str, line: usize, why: impl Into<String>) {
        self.skipped_rows += 1;
        self.warnings.push(Warning::at(
            file,
            Some(line),
            format!("malformed row skipped: {}", why.into()),
        ));
    }

    fn push(&mut self, file: &str, line: usize, format: Format, cells: Vec<Option<String>>, key: Option<String>) {
        let position = self.records.len() + self.skipped_rows + 1;
        self.records.push(RawRecord {
            provenance: Provenance {
                file: file.into(),
                position,
                line,
                layout: format.as_str().into(),
            },
            date: None,
            title: String::new(),
            description: None,
            partial: false,
            fields: cells,
            key,
        });
    }
}

/// A cell as the mapping sees it: surrounding space removed, empty is missing.
fn cell(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads a CSV file with a header row. An error means the whole file could not be used (no
/// header, a column the mapping needs is absent).
pub fn parse_csv(file: &str, bytes: &[u8], rules: &TableRules) -> Result<ParsedTable, Error> {
    let input_err = |message: String| Error::Input {
        file: file.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| input_err(format!("line 1: cannot read the header row: {e}")))?
        .clone();
    let headers: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| input_err(format!("line 1: no column {name:?} (the [table] mapping needs it)")))
    };
    let field_columns: Vec<usize> = rules
        .fields
        .iter()
        .map(|f| column(f.column()))
        .collect::<Result<_, _>>()?;
    let id_column = rules.id.as_deref().map(column).transpose()?;

    let mut out = ParsedTable::default();
    let mut row = csv::ByteRecord::new();
    loop {
        let (line, byte) = (reader.position().line() as usize, reader.position().byte());
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.skip(file, line, format!("unreadable CSV: {e}"));
                // A reader that cannot move past the error would report it forever.
                if reader.position().byte() == byte {
                    break;
                }
                continue;
            }
        }
        let line = row.position().map_or(line, |p| p.line() as usize);
        if row.len() != headers.len() {
            out.skip(
                file,
                line,
                format!("{} fields where the header has {}", row.len(), headers.len()),
            );
            continue;
        }
        let text: Result<Vec<&str>, usize> = row
            .iter()
            .enumerate()
            .map(|(i, c)| std::str::from_utf8(c).map_err(|_| i))
            .collect();
        let text = match text {
            Ok(t) => t,
            Err(i) => {
                out.skip(file, line, format!("column {:?} is not valid UTF-8", headers[i]));
                continue;
            }
        };
        let cells = field_columns.iter().map(|&i| cell(text[i])).collect();
        let key = id_column.and_then(|i| cell(text[i]));
        out.push(file, line, Format::Csv, cells, key);
    }
    Ok(out)
}

/// A JSON value as a cell: strings as they are, numbers and booleans as written, null as
/// missing.
fn json_cell(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => cell(s),
        other => cell(&other.to_string()),
    }
}

/// Reads a JSON Lines file: one object per line; blank lines are skipped. A key the mapping
/// needs that a row lacks is a missing value.
pub fn parse_jsonl(file: &str, bytes: &[u8], rules: &TableRules) -> ParsedTable {
    let mut out = ParsedTable::default();
    for (n, raw_line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = n + 1;
        let Ok(text) = std::str::from_utf8(raw_line) else {
            out.skip(file, line, "not valid UTF-8");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                out.skip(file, line, "not a JSON object");
                continue;
            }
            Err(e) => {
                out.skip(file, line, format!("not JSON: {e}"));
                continue;
            }
        };
        let get = |name: &str| object.get(name).and_then(json_cell);
        let cells = rules.fields.iter().map(|f| get(f.column())).collect();
        let key = rules.id.as_deref().and_then(get);
        out.push(file, line, Format::Jsonl, cells, key);
    }
    out
}

/// Ids must be unique in a run: a row whose id column is empty or repeats an earlier id
/// goes by `FILE#ROW` instead, with a warning.
pub fn settle_ids(records: &mut [RawRecord], warnings: &mut Vec<Warning>) {
    let mut seen = std::collections::HashSet::new();
    for r in records.iter_mut() {
        if let Some(k) = &r.key
            && !seen.insert(k.clone())
        {
            warnings.push(Warning::at(
                &r.provenance.file,
                Some(r.provenance.line),
                format!("id {k:?} repeats an earlier row's; this row is named by its file and row instead"),
            ));
            r.key = None;
        }
        seen.insert(r.id());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TableRules {
        toml::from_str(
            r#"
            id = "id"
            blocking = [{ name = "n", fields = ["name"] }]
            [[fields]]
            name = "name"
            kind = "name"
            [[fields]]
            name = "born"
            column = "dob"
            kind = "date"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn csv_rows_become_records_and_malformed_rows_are_reported() {
        let data = b"id,name,dob\n1,Ann Lee,19520906\n2,Bob\n3,\xff,1950\n4, ,\n";
        let t = parse_csv("t.csv", data, &rules()).unwrap();
        assert_eq!(t.records.len(), 2);
        assert_eq!(
            t.records[0].fields,
            vec![Some("Ann Lee".into()), Some("19520906".into())]
        );
        assert_eq!(t.records[1].fields, vec![None, None]);
        assert_eq!((t.records[1].provenance.position, t.records[1].provenance.line), (4, 5));
        assert_eq!(t.skipped_rows, 2);
        let lines: Vec<Option<usize>> = t.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(3), Some(4)]);
    }

    #[test]
    fn a_missing_column_is_a_file_error() {
        let err = parse_csv("t.csv", b"id,name\n1,x\n", &rules()).unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("dob"), "{err}");
    }

    #[test]
    fn jsonl_rows_become_records() {
        let data = b"{\"id\":1,\"name\":\"Ann\",\"dob\":null}\n\n[1]\n{\"id\":\"2\"}\n{oops\n";
        let t = parse_jsonl("t.jsonl", data, &rules());
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.records[0].key.as_deref(), Some("1"));
        assert_eq!(t.records[0].fields, vec![Some("Ann".into()), None]);
        assert_eq!(t.records[1].provenance.line, 4);
        assert_eq!(t.skipped_rows, 2);
        assert_eq!(t.warnings[1].line, Some(5));
    }
}
