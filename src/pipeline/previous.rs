//! `run --previous OLD_OUT`: what an earlier run's output folder holds for this one. Its
//! records come back as raw records (from `provenance.csv` and `record_fields.csv`), so that a
//! run given only new or re-scraped pages links them with every record read before: the
//! records of a file this run reads again are replaced by that file's, the others are kept.
//! Its documents and `ids.csv` carry canonical ids over ([`crate::identity`]).

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Warning};
use crate::identity::{IdRow, OldDoc, Previous};
use crate::normalize::date;
use crate::output::rows::{ProvenanceRow, RecordFieldRow, Row};
use crate::output::{Format, read_all};
use crate::record::{LayoutFields, PageMeta, Provenance, RawRecord, Record, SourceKind};

/// An earlier run, read back.
#[derive(Debug, Default)]
pub struct PreviousRun {
    /// Its documents and id store.
    pub identity: Previous,
    /// Its documents with their content, for `changes.csv`.
    pub documents: Vec<crate::lineage::Doc>,
    /// Its records, as read then, in its order.
    pub records: Vec<OldRecord>,
    /// The folder it was read from (named in errors).
    pub dir: std::path::PathBuf,
    /// A table run's fields, in its mapping's order (None: a page run).
    pub table_fields: Option<Vec<String>>,
}

/// A record of an earlier run.
#[derive(Debug, Clone)]
pub struct OldRecord {
    /// Its record id then.
    pub id: String,
    /// Its content fingerprint (16 hex digits).
    pub fingerprint: String,
    /// The record, as read then.
    pub raw: RawRecord,
}

/// Reads the run in `dir`: its canonical records, provenance, fields and id store.
pub fn read(dir: &Path) -> Result<PreviousRun, Error> {
    let (documents, rows) = crate::lineage::read::documents_and_provenance(dir)?;
    let format = Format::detect(dir)?;
    let docs = documents
        .iter()
        .map(|d| OldDoc {
            id: d.id.clone(),
            members: d.members.clone(),
        })
        .collect();
    let optional = |stem: &str| dir.join(format.file(stem)).exists();
    let ids = match optional(IdRow::FILE) {
        true => read_all::<IdRow>(dir, format)?,
        false => Vec::new(),
    };
    let mut extra: BTreeMap<String, Vec<(Arc<str>, String)>> = BTreeMap::new();
    if optional(RecordFieldRow::FILE) {
        for f in read_all::<RecordFieldRow>(dir, format)? {
            extra.entry(f.record_id).or_default().push((f.field.into(), f.value));
        }
    }
    let table_fields = rows
        .first()
        .filter(|r| !r.fields.0.is_empty())
        .map(|r| r.fields.0.iter().map(|(name, _)| name.clone()).collect());
    let mut pages = HashMap::new();
    let records = rows
        .into_iter()
        .map(|row| old_record(row, &mut extra, &mut pages))
        .collect();
    Ok(PreviousRun {
        identity: Previous { docs, ids },
        documents,
        records,
        dir: dir.to_path_buf(),
        table_fields,
    })
}

/// What a page said of itself, as its provenance row keeps it (None: a table row, or a page
/// of a run written before these columns).
fn page_meta(row: &ProvenanceRow) -> Option<PageMeta> {
    let text = |c: &Option<String>| c.clone().filter(|s| !s.is_empty());
    let number = |c: &Option<String>| c.as_deref().and_then(|s| s.parse::<usize>().ok());
    let range = match (
        number(&row.range_first),
        number(&row.range_last),
        number(&row.range_total),
    ) {
        (Some(a), Some(b), Some(c)) => Some((a, b, c)),
        _ => None,
    };
    let meta = PageMeta {
        url: text(&row.url),
        query: text(&row.query),
        scraped_at: text(&row.scraped_at),
        range,
    };
    (row.fields.0.is_empty() && row.title.is_some()).then_some(meta)
}

/// A provenance row back as the raw record it was read as.
fn old_record(
    row: ProvenanceRow,
    extra: &mut BTreeMap<String, Vec<(Arc<str>, String)>>,
    pages: &mut HashMap<String, Option<Arc<PageMeta>>>,
) -> OldRecord {
    let table = !row.fields.0.is_empty();
    // One page's rows share what it said of itself, as they did when it was read.
    let page = match pages.get(&row.file) {
        Some(meta) => meta.clone(),
        None => {
            let meta = page_meta(&row).map(Arc::new);
            pages.insert(row.file.clone(), meta.clone());
            meta
        }
    };
    let provenance = Provenance {
        file: row.file.as_str().into(),
        position: row.position as usize,
        line: row.line as usize,
        layout: row.layout.as_str().into(),
        page,
    };
    let own_id = format!("{}#{}", row.file, row.position);
    let raw = match table {
        true => RawRecord {
            provenance,
            fields: row
                .fields
                .0
                .iter()
                .map(|(_, v)| (!v.is_empty()).then(|| v.clone()))
                .collect(),
            key: (row.record_id != own_id).then(|| row.record_id.clone()),
            partial: false,
            source: SourceKind::Table,
            layout_fields: None,
        },
        false => page_record(&row, provenance, extra.remove(&row.record_id).unwrap_or_default()),
    };
    OldRecord {
        id: row.record_id,
        fingerprint: row.fingerprint,
        raw,
    }
}

fn page_record(row: &ProvenanceRow, provenance: Provenance, extra: Vec<(Arc<str>, String)>) -> RawRecord {
    let cell = |c: &Option<String>| c.clone().filter(|v| !v.is_empty());
    let mut raw = RawRecord::page(
        provenance,
        cell(&row.raw_date),
        row.title.clone().unwrap_or_default(),
        cell(&row.description),
    );
    raw.partial = row.partial.unwrap_or(false);
    // The date a layout's own formats read is not the built-in reading of the text: it comes
    // back from the date column.
    let read = row.date.as_deref().filter(|d| !d.is_empty()).and_then(date::parse);
    let builtin = raw.date().and_then(date::parse);
    let layout_date = read.filter(|d| Some(*d) != builtin);
    if layout_date.is_some() || !extra.is_empty() {
        raw.layout_fields = Some(Box::new(LayoutFields {
            date: layout_date,
            extra,
        }));
    }
    raw
}

impl PreviousRun {
    /// An error unless its records are of this run's kind: pages for pages, a table of the
    /// same fields for a table (the records come back in this run's schema).
    pub fn fits(&self, input: &crate::pipeline::Input, table: Option<&crate::schema::TableRules>) -> Result<(), Error> {
        let now: Option<Vec<String>> = table
            .filter(|_| input.table)
            .map(|t| t.fields.iter().map(|f| f.name.clone()).collect());
        let describe = |fields: &Option<Vec<String>>| match fields {
            None => "a run of pages".to_string(),
            Some(f) => format!("a table run of fields {}", f.join(", ")),
        };
        match self.table_fields == now || self.records.is_empty() {
            true => Ok(()),
            false => Err(Error::Input {
                file: self.dir.display().to_string(),
                message: format!(
                    "--previous names {}, but this is {}: its records cannot be linked with these",
                    describe(&self.table_fields),
                    describe(&now)
                ),
            }),
        }
    }

    /// Its documents with their members renamed as [`Previous::renamed`] does, except that a
    /// record gone from a page read again stays, as `ID (previous run)`: its id may be another
    /// record's now, and `changes.csv` names it among the records a document lost.
    pub fn documents_renamed(&self, renamed: &HashMap<String, Option<String>>) -> Vec<crate::lineage::Doc> {
        let rename = |m: &String| match renamed.get(m) {
            Some(Some(to)) => to.clone(),
            Some(None) => format!("{m} (previous run)"),
            None => m.clone(),
        };
        self.documents
            .par_iter()
            .map(|d| crate::lineage::Doc {
                members: d.members.iter().map(rename).collect(),
                ..d.clone()
            })
            .collect()
    }

    /// The records of the files this run did not read (`read`: the files it did), to be
    /// linked with this run's: moved out, not copied (a million of them took seconds to
    /// copy). The records of the files read again stay, to be followed by content.
    pub fn take_kept(&mut self, read: &HashSet<&str>) -> Vec<RawRecord> {
        let (stay, kept): (Vec<OldRecord>, Vec<OldRecord>) = std::mem::take(&mut self.records)
            .into_iter()
            .partition(|r| read.contains(&*r.raw.provenance.file));
        self.records = stay;
        kept.into_iter().map(|r| r.raw).collect()
    }

    /// For the files this run read again (`reread`; the others' records are the previous
    /// run's own): each old record id -> the id of the record of the
    /// same file and content now (the k-th copy of a content to its k-th copy), or None when
    /// it is gone; with a warning naming each record gone.
    pub fn renames(
        &self,
        records: &[Record],
        reread: &HashSet<String>,
    ) -> (HashMap<String, Option<String>>, Vec<Warning>) {
        let files: HashSet<&str> = reread.iter().map(String::as_str).collect();
        let records_of = |r: &&Record| files.contains(&*r.raw.provenance.file);
        // Each content of a file, its records in page order (popped from the front).
        let mut now: HashMap<(&str, String), std::collections::VecDeque<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate().filter(|(_, r)| records_of(r)) {
            now.entry((&*r.raw.provenance.file, r.fingerprint.to_string()))
                .or_default()
                .push_back(i);
        }
        let mut renames = HashMap::new();
        let mut unmatched = Vec::new();
        for old in self.records.iter().filter(|r| files.contains(&*r.raw.provenance.file)) {
            let key = (&*old.raw.provenance.file, old.fingerprint.clone());
            match now.get_mut(&key).and_then(|q| q.pop_front()) {
                Some(i) => rename(&mut renames, old, Some(records[i].id())),
                None => unmatched.push(old),
            }
        }
        // A record whose text changed (a page fixed, a description completed) is the same
        // record, edited, when a record left unmatched on its page is alike: the first such,
        // in page order. Another record taking its place is not: the old one is removed.
        let mut left: Vec<usize> = now.into_values().flatten().collect();
        left.sort_unstable();
        let mut warnings = Vec::new();
        for old in unmatched {
            let edited = |&i: &usize| {
                let r = &records[i];
                *r.raw.provenance.file == *old.raw.provenance.file && alike(&old.raw, r)
            };
            match left.iter().position(edited) {
                Some(at) => {
                    let i = left.remove(at);
                    rename(&mut renames, old, Some(records[i].id()));
                }
                None => {
                    warnings.push(removed(old));
                    rename(&mut renames, old, None);
                }
            }
        }
        (renames, warnings)
    }
}

/// Notes that `old` is now `to` (None: gone), unless it kept its id.
fn rename(renames: &mut HashMap<String, Option<String>>, old: &OldRecord, to: Option<String>) {
    if to.as_deref() != Some(old.id.as_str()) {
        renames.insert(old.id.clone(), to);
    }
}

/// True when an earlier record and a record now on the same page are one record edited: a
/// page record's titles alike (a misspelling fixed) and its date the same or its
/// descriptions alike; a table row's cells the same in at least half its fields.
fn alike(old: &RawRecord, new: &Record) -> bool {
    use crate::linkage::similarity::similarity;
    if !old.is_page() {
        let same = old.fields.iter().zip(&new.raw.fields).filter(|(a, b)| a == b).count();
        return 2 * same >= old.fields.len().max(1);
    }
    let old = crate::normalize::prepare(old.clone(), 0);
    let descriptions = match (old.description_key(), new.description_key()) {
        (Some(a), Some(b)) => similarity(a, b),
        _ => 0.0,
    };
    similarity(old.title_key(), new.title_key()) >= ALIKE && (old.date() == new.date() || descriptions >= ALIKE)
}

/// The similarity of titles (and descriptions) at which two records of one place on a page
/// are one record edited: the comparison's `min_title_similarity` by default.
const ALIKE: f64 = 0.8;

/// The warning for a record of a file read again that is no longer in it.
fn removed(old: &OldRecord) -> Warning {
    let text = match old.raw.is_page() {
        true => format!("{} {:?}", old.raw.date().unwrap_or(""), old.raw.title()),
        false => old.raw.fields.iter().flatten().cloned().collect::<Vec<_>>().join(" | "),
    };
    Warning::at(
        &old.raw.provenance.file,
        Some(old.raw.provenance.line),
        format!(
            "record {} of the previous run ({}) is no longer in this file: removed",
            old.id,
            text.trim()
        ),
    )
}
