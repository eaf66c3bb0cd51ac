//! Reading an output folder back: what `explain` and `review` need from a finished run, in
//! either format (told by which files the folder holds, [`Format::detect`]). Every file is
//! read into its typed row ([`crate::output::rows`]), by header name, so added columns do not
//! break it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::output::Format;
use crate::output::read_all;
use crate::output::rows::SummaryRow;

pub use crate::output::rows::{
    BlockRow, CanonicalRow as CanonRow, DecisionRow, LinkRow, ModelCells as Waterfall, ProvenanceRow as ProvRow,
    ReviewRow,
};

/// A finished run's output folder.
#[derive(Debug)]
pub struct OutputDir {
    /// The folder.
    pub dir: PathBuf,
    /// The format its tables are in.
    pub format: Format,
    /// provenance rows.
    pub records: Vec<ProvRow>,
    /// canonical rows.
    pub canonical: Vec<CanonRow>,
    /// decisions rows.
    pub decisions: Vec<DecisionRow>,
    /// links rows.
    pub links: Vec<LinkRow>,
    /// blocks rows.
    pub blocks: Vec<BlockRow>,
    /// review rows.
    pub review: Vec<ReviewRow>,
    /// summary as name -> value.
    pub summary: BTreeMap<String, String>,
    /// The run read tables (its records have fields, not a date, title and description).
    pub table: bool,
    /// ids rows: every canonical id ever issued (empty for a folder written before them).
    pub ids: Vec<crate::output::rows::IdRow>,
    /// changes rows: what became of each document since the previous run (empty for a
    /// folder written before them).
    pub changes: Vec<crate::output::rows::ChangeRow>,
    by_id: HashMap<String, usize>,
}

impl OutputDir {
    /// Reads every file `explain` and `review` use.
    pub fn open(dir: &Path) -> Result<OutputDir, Error> {
        let format = Format::detect(dir)?;
        let records: Vec<ProvRow> = read_all(dir, format)?;
        let table = records.first().is_some_and(|r| !r.fields.is_empty());
        let by_id = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.record_id.clone(), i))
            .collect();
        let summary: Vec<SummaryRow> = read_all(dir, format)?;
        let has = |stem: &str| dir.join(format.file(stem)).exists();
        Ok(OutputDir {
            ids: match has("ids") {
                true => read_all(dir, format)?,
                false => Vec::new(),
            },
            changes: match has("changes") {
                true => read_all(dir, format)?,
                false => Vec::new(),
            },
            dir: dir.to_path_buf(),
            format,
            canonical: read_all(dir, format)?,
            decisions: read_all(dir, format)?,
            table,
            links: read_all(dir, format)?,
            blocks: read_all(dir, format)?,
            review: read_all(dir, format)?,
            summary: summary.into_iter().map(|r| (r.name, r.value)).collect(),
            records,
            by_id,
        })
    }

    /// The name of output `stem` (`review`) in this folder's format.
    pub fn file(&self, stem: &str) -> String {
        self.format.file(stem)
    }

    /// The provenance row of a record id.
    pub fn record(&self, id: &str) -> Option<&ProvRow> {
        self.by_id.get(id).map(|&i| &self.records[i])
    }

    /// The decisions row of a pair, in either order.
    pub fn decision(&self, x: &str, y: &str) -> Option<&DecisionRow> {
        self.decisions
            .iter()
            .find(|d| (d.record_a == x && d.record_b == y) || (d.record_a == y && d.record_b == x))
    }

    /// The links row of a pair, in either order.
    pub fn link(&self, x: &str, y: &str) -> Option<&LinkRow> {
        self.links
            .iter()
            .find(|d| (d.record_a == x && d.record_b == y) || (d.record_a == y && d.record_b == x))
    }

    /// A threshold or figure from summary.
    pub fn figure(&self, name: &str) -> &str {
        self.summary.get(name).map_or("?", String::as_str)
    }

    /// The scorer that decided the run, as summary names it (a folder without a `scorer`
    /// row was scored by the weighted scorer).
    pub fn scorer(&self) -> &str {
        self.summary.get("scorer").map_or("weighted", String::as_str)
    }
}
