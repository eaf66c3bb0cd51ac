//! Reading an output folder back: what `explain`, `review` need from a finished run. Every
//! file is read by its header names, so added columns do not break it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A row of `provenance.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProvRow {
    /// Canonical record it went into.
    pub canonical_id: String,
    /// `FILE#POSITION`.
    pub record_id: String,
    /// Content fingerprint (the overrides key).
    pub fingerprint: String,
    /// Page.
    pub file: String,
    /// Line where the record begins.
    pub line: String,
    /// Date as written. (absent from a table run's provenance).
    #[serde(default)]
    pub raw_date: String,
    /// Parsed date, ISO. (absent from a table run's provenance).
    #[serde(default)]
    pub date: String,
    /// Title as written. (absent from a table run's provenance).
    #[serde(default)]
    pub title: String,
    /// Description as written. (absent from a table run's provenance).
    #[serde(default)]
    pub description: String,
    /// `true` when the page was cut off inside it. (absent from a table run's provenance).
    #[serde(default)]
    pub partial: String,
}

/// A row of `canonical.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct CanonRow {
    /// `doc-...`.
    pub canonical_id: String,
    /// ISO date (absent from a table run's canonical.csv).
    #[serde(default)]
    pub date: String,
    /// Title (absent from a table run's canonical.csv).
    #[serde(default)]
    pub title: String,
    /// `;`-separated member ids.
    pub record_ids: String,
}

/// A row of `decisions.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct DecisionRow {
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// `date`, `title_token` or `override`.
    pub block_rule: String,
    /// Block key.
    pub block_key: String,
    /// Title similarity.
    pub title_similarity: String,
    /// Description similarity (may be empty).
    pub description_similarity: String,
    /// `full`, `prefix` or `missing`.
    pub description_mode: String,
    /// Score.
    pub score: String,
    /// `match`, `review` or `no-match`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// `same`, `different` or empty.
    #[serde(rename = "override", default)]
    pub override_: String,
}

/// A row of `links.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    /// Order in which clustering considered it.
    pub order: String,
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// `score` or `override`.
    pub link: String,
    /// Score.
    pub score: String,
    /// `joined`, `already-joined` or `cut`.
    pub outcome: String,
    /// Why.
    pub reason: String,
}

/// A row of `blocks.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct BlockRow {
    /// Rule.
    pub block_rule: String,
    /// Key.
    pub block_key: String,
    /// `all-pairs` or `window`.
    pub mode: String,
}

/// A row of `review.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReviewRow {
    /// 1 = most uncertain.
    pub rank: String,
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// Its fingerprint.
    pub fingerprint_a: String,
    /// Its fingerprint.
    pub fingerprint_b: String,
    /// Title similarity.
    pub title_similarity: String,
    /// Description similarity.
    pub description_similarity: String,
    /// Score.
    pub score: String,
    /// Why it is in review.
    pub reason: String,
}

/// A finished run's output folder.
#[derive(Debug)]
pub struct OutputDir {
    /// The folder.
    pub dir: PathBuf,
    /// provenance.csv rows.
    pub records: Vec<ProvRow>,
    /// canonical.csv rows.
    pub canonical: Vec<CanonRow>,
    /// decisions.csv rows.
    pub decisions: Vec<DecisionRow>,
    /// links.csv rows.
    pub links: Vec<LinkRow>,
    /// blocks.csv rows.
    pub blocks: Vec<BlockRow>,
    /// review.csv rows.
    pub review: Vec<ReviewRow>,
    /// summary.csv as name -> value.
    pub summary: BTreeMap<String, String>,
    by_id: HashMap<String, usize>,
}

fn read_rows<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<T>, Error> {
    let path = dir.join(name);
    let err = |message: String| Error::Input {
        file: path.display().to_string(),
        message,
    };
    let mut r = csv::Reader::from_path(&path).map_err(|e| {
        err(format!(
            "{e} (is {} the output folder of a `concord run`?)",
            dir.display()
        ))
    })?;
    r.deserialize()
        .enumerate()
        .map(|(n, row)| row.map_err(|e| err(format!("row {}: {e}", n + 2))))
        .collect()
}

#[derive(Deserialize)]
struct SummaryRow {
    name: String,
    value: String,
}

impl OutputDir {
    /// Reads every file `explain` and `review` use.
    pub fn open(dir: &Path) -> Result<OutputDir, Error> {
        let records: Vec<ProvRow> = read_rows(dir, "provenance.csv")?;
        let by_id = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.record_id.clone(), i))
            .collect();
        let summary: Vec<SummaryRow> = read_rows(dir, "summary.csv")?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            canonical: read_rows(dir, "canonical.csv")?,
            decisions: read_rows(dir, "decisions.csv")?,
            links: read_rows(dir, "links.csv")?,
            blocks: read_rows(dir, "blocks.csv")?,
            review: read_rows(dir, "review.csv")?,
            summary: summary.into_iter().map(|r| (r.name, r.value)).collect(),
            records,
            by_id,
        })
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

    /// A threshold or figure from summary.csv.
    pub fn figure(&self, name: &str) -> &str {
        self.summary.get(name).map_or("?", String::as_str)
    }
}
