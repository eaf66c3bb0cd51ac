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
    documents_and_provenance(dir).map(|(docs, _)| docs)
}

/// The documents of the run in `dir`, and its provenance rows in their order (read once for
/// both: at a million records, reading the file again took seconds).
pub fn documents_and_provenance(dir: &Path) -> Result<(Vec<Doc>, Vec<ProvenanceRow>), Error> {
    if !dir.is_dir() {
        return Err(Error::Input {
            file: dir.display().to_string(),
            message: "no such folder (the output folder of a `concord run` is expected)".into(),
        });
    }
    let format = Format::detect(dir)?;
    let mut docs = Docs::read(dir, format)?;
    let provenance = docs.add_members(dir, format)?;
    docs.check_counts()?;
    Ok((docs.docs.into_iter().map(|(doc, _)| doc).collect(), provenance))
}

/// Where a row was read: a line (CSV: a quoted cell may span lines, this is the row's
/// first) or a row number (Parquet). Kept as a number and written out only for an error: a
/// string per row cost a million allocations at a million records.
#[derive(Debug, Clone, Copy)]
enum Place {
    Line(u64),
    Row(usize),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// The rows of one output file, with where each was read.
struct Rows<R> {
    file: String,
    rows: Vec<(R, Place)>,
}

impl<R: Row> Rows<R> {
    /// Every row of output `R` in `dir`.
    fn read(dir: &Path, format: Format) -> Result<Rows<R>, Error> {
        let mut reader = TableReader::open(dir, R::FILE, format)?;
        let file = reader.path().display().to_string();
        let mut rec = StringRecord::new();
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row::<R>(&mut rec) {
            let place = match rec.position() {
                Some(p) => Place::Line(p.line()),
                None => Place::Row(rows.len() + 1),
            };
            rows.push((row?, place));
        }
        Ok(Rows { file, rows })
    }
}

/// An error at `place` of `file`: `FILE: line N: message` (or `row N`).
fn error_at(file: &str, place: Place, message: impl std::fmt::Display) -> Error {
    Error::Input {
        file: file.to_string(),
        message: format!("{place}: {message}"),
    }
}

/// The documents read from `canonical`, with each row's `source_count` and place.
struct Docs {
    file: String,
    docs: Vec<(Doc, (u64, Place))>,
    by_id: HashMap<String, usize>,
}

impl Docs {
    fn read(dir: &Path, format: Format) -> Result<Docs, Error> {
        let Rows { file, rows } = Rows::<CanonicalRow>::read(dir, format)?;
        let mut docs = Docs {
            file,
            docs: Vec::with_capacity(rows.len()),
            by_id: HashMap::with_capacity(rows.len()),
        };
        for (row, place) in rows {
            if docs.by_id.insert(row.canonical_id.clone(), docs.docs.len()).is_some() {
                let message = format!("canonical id {:?} appears twice", row.canonical_id);
                return Err(error_at(&docs.file, place, message));
            }
            docs.docs.push((doc_of(&row), (row.source_count, place)));
        }
        Ok(docs)
    }

    /// Each provenance row's record, added to its document's members; the rows given back.
    fn add_members(&mut self, dir: &Path, format: Format) -> Result<Vec<ProvenanceRow>, Error> {
        let Rows { file, rows } = Rows::<ProvenanceRow>::read(dir, format)?;
        // record id -> where it was first read.
        let mut seen: HashMap<&str, Place> = HashMap::with_capacity(rows.len());
        for (row, place) in &rows {
            let Some(&i) = self.by_id.get(&row.canonical_id) else {
                let canonical = format.file(CanonicalRow::FILE);
                let message = format!("canonical id {:?} is not in {canonical}", row.canonical_id);
                return Err(error_at(&file, *place, message));
            };
            if let Some(first) = seen.insert(&row.record_id, *place) {
                let message = format!("record id {:?} appears twice (first at {first})", row.record_id);
                return Err(error_at(&file, *place, message));
            }
            self.docs[i].0.members.push(row.record_id.clone());
        }
        Ok(rows.into_iter().map(|(row, _)| row).collect())
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
                return Err(error_at(&self.file, *at, message));
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
