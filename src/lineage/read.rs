//! The documents of a run's output folder, in either format: members from `provenance` (one
//! row per record, so a record id holding a `;` is read whole, as the `record_ids` cell of
//! `canonical` could not be), content from `canonical` (a page run's date, title and
//! description; a table run's canonical fields). The two must agree: a faulty folder is an
//! error naming the file and the line (CSV) or row (Parquet).

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;

use super::Doc;
use crate::error::Error;
use crate::output::rows::{CanonicalRow, ProvenanceRow, Row};
use crate::output::{Format, TableReader};

/// The documents of the run in `dir`.
pub fn documents(dir: &Path) -> Result<Vec<Doc>, Error> {
    if !dir.is_dir() {
        return Err(Error::Input {
            file: dir.display().to_string(),
            message: "no such folder (the output folder of a `concord run` is expected)".into(),
        });
    }
    let format = Format::detect(dir)?;
    let mut docs = Docs::read(dir, format)?;
    docs.add_members(dir, format)?;
    docs.check_counts()?;
    Ok(docs.docs.into_iter().map(|(doc, _)| doc).collect())
}

/// Where a row was read: `FILE: line N` (CSV) or `FILE: row N` (Parquet).
#[derive(Debug, Clone)]
struct At {
    file: String,
    place: String,
}

impl At {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Input {
            file: self.file.clone(),
            message: format!("{}: {message}", self.place),
        }
    }
}

/// Every row of output `R` in `dir`, with where it was read.
fn rows_at<R: Row>(dir: &Path, format: Format) -> Result<Vec<(R, At)>, Error> {
    let mut reader = TableReader::open(dir, R::FILE, format)?;
    let file = reader.path().display().to_string();
    let mut rec = StringRecord::new();
    let mut out = Vec::new();
    while let Some(row) = reader.next_row::<R>(&mut rec) {
        // The CSV reader gives the record's first line (a quoted cell may span lines); a
        // Parquet row has only its number.
        let place = match rec.position() {
            Some(p) => format!("line {}", p.line()),
            None => format!("row {}", out.len() + 1),
        };
        let at = At {
            file: file.clone(),
            place,
        };
        out.push((row?, at));
    }
    Ok(out)
}

/// The documents read from `canonical`, with each row's `source_count` and place.
struct Docs {
    docs: Vec<(Doc, (u64, At))>,
    by_id: HashMap<String, usize>,
}

impl Docs {
    fn read(dir: &Path, format: Format) -> Result<Docs, Error> {
        let rows: Vec<(CanonicalRow, At)> = rows_at(dir, format)?;
        let mut docs = Docs {
            docs: Vec::with_capacity(rows.len()),
            by_id: HashMap::with_capacity(rows.len()),
        };
        for (row, at) in rows {
            if docs.by_id.insert(row.canonical_id.clone(), docs.docs.len()).is_some() {
                return Err(at.error(format!("canonical id {:?} appears twice", row.canonical_id)));
            }
            docs.docs.push((doc_of(&row), (row.source_count, at)));
        }
        Ok(docs)
    }

    /// Each provenance row's record, added to its document's members.
    fn add_members(&mut self, dir: &Path, format: Format) -> Result<(), Error> {
        // record id -> where it was first read.
        let mut seen: HashMap<String, String> = HashMap::new();
        for (row, at) in rows_at::<ProvenanceRow>(dir, format)? {
            let Some(&i) = self.by_id.get(&row.canonical_id) else {
                let canonical = format.file(CanonicalRow::FILE);
                return Err(at.error(format!("canonical id {:?} is not in {canonical}", row.canonical_id)));
            };
            if let Some(first) = seen.get(&row.record_id) {
                let message = format!("record id {:?} appears twice (first at {})", row.record_id, first);
                return Err(at.error(message));
            }
            seen.insert(row.record_id.clone(), at.place);
            self.docs[i].0.members.push(row.record_id);
        }
        Ok(())
    }

    /// Every document has as many records in provenance as its `source_count` says.
    fn check_counts(&self) -> Result<(), Error> {
        for (doc, (count, at)) in &self.docs {
            if doc.members.len() as u64 != *count {
                let message = format!(
                    "{:?} has source_count {count} but {} record(s) in provenance",
                    doc.id,
                    doc.members.len()
                );
                return Err(at.error(message));
            }
        }
        Ok(())
    }
}

/// A canonical row's document, without its members: a page run's date, title and
/// description as written, or a table run's canonical fields.
fn doc_of(row: &CanonicalRow) -> Doc {
    let fields = match row.fields.is_empty() {
        false => row.fields.0.clone(),
        true => [
            ("date", &row.date),
            ("title", &row.title),
            ("description", &row.description),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.clone().unwrap_or_default()))
        .collect(),
    };
    Doc {
        id: row.canonical_id.clone(),
        members: Vec::new(),
        fields,
    }
}
