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
    /// A table row's fields as written, (name, value) in the mapping's order (empty for a
    /// page record).
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
}

impl ProvRow {
    /// The record in a line: its title, or a table row's field values.
    pub fn label(&self) -> String {
        if self.fields.is_empty() {
            return self.title.clone();
        }
        let values: Vec<&str> = self
            .fields
            .iter()
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .collect();
        values.join(" ")
    }
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
    /// A table's canonical fields, (name, value) (empty for pages).
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
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
    /// The Fellegi-Sunter columns, when that model scored the run.
    #[serde(skip)]
    pub fs: Option<Waterfall>,
}

/// A pair's match weight as the Fellegi-Sunter model built it, from decisions.csv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waterfall {
    /// `match_weight`.
    pub match_weight: String,
    /// `match_probability`.
    pub match_probability: String,
    /// `weight_prior`.
    pub weight_prior: String,
    /// (comparison, `level_<comparison>`, `weight_<comparison>`), in column order.
    pub steps: Vec<(String, String, String)>,
}

impl Waterfall {
    /// The Fellegi-Sunter columns of a decisions.csv row (None: the run had none, or an
    /// override alone made the pair and it was never scored).
    fn of(headers: &csv::StringRecord, row: &csv::StringRecord) -> Option<Waterfall> {
        let at = |name: &str| headers.iter().position(|h| h == name).and_then(|i| row.get(i));
        let match_weight = at("match_weight").filter(|w| !w.is_empty())?.to_string();
        // Each level column is followed by its weight column (see output::write_decisions).
        let steps = headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let name = h.strip_prefix("level_")?;
                if headers.get(i + 1) != Some(format!("weight_{name}").as_str()) {
                    return None;
                }
                Some((name.to_string(), row.get(i)?.to_string(), row.get(i + 1)?.to_string()))
            })
            .collect();
        Some(Waterfall {
            match_weight,
            match_probability: at("match_probability").unwrap_or("").to_string(),
            weight_prior: at("weight_prior").unwrap_or("").to_string(),
            steps,
        })
    }
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
    /// The run read tables (its records have fields, not a date, title and description).
    pub table: bool,
    by_id: HashMap<String, usize>,
}

fn read_rows<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<T>, Error> {
    read_rows_with(dir, name, |_, _, _| {})
}

/// [`read_rows`], with `extra` filling what serde cannot name in advance (a table's field
/// columns, the model's comparison columns) from the header and the row.
fn read_rows_with<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    extra: impl Fn(&csv::StringRecord, &csv::StringRecord, &mut T),
) -> Result<Vec<T>, Error> {
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
    let headers = r.headers().map_err(|e| err(e.to_string()))?.clone();
    r.records()
        .enumerate()
        .map(|(n, row)| {
            let at = |e: csv::Error| err(format!("row {}: {e}", n + 2));
            let row = row.map_err(at)?;
            let mut value: T = row.deserialize(Some(&headers)).map_err(at)?;
            extra(&headers, &row, &mut value);
            Ok(value)
        })
        .collect()
}

/// The columns of `row` not named in `fixed`, as (header, value): a table's fields.
fn fields_but(fixed: &[&str], headers: &csv::StringRecord, row: &csv::StringRecord) -> Vec<(String, String)> {
    headers
        .iter()
        .zip(row.iter())
        .filter(|(h, _)| !fixed.contains(h))
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

/// True when a provenance.csv header is a table run's: its fixed columns are
/// [`crate::schema::PROVENANCE_COLUMNS`] (a page run's name `position` and `layout` there), and
/// a field can never take one of their names.
fn is_table(headers: &csv::StringRecord) -> bool {
    let fixed = crate::schema::PROVENANCE_COLUMNS;
    headers.len() >= fixed.len() && headers.iter().zip(fixed).all(|(h, f)| h == f)
}

#[derive(Deserialize)]
struct SummaryRow {
    name: String,
    value: String,
}

impl OutputDir {
    /// Reads every file `explain` and `review` use.
    pub fn open(dir: &Path) -> Result<OutputDir, Error> {
        let table = std::sync::atomic::AtomicBool::new(false);
        let records: Vec<ProvRow> = read_rows_with(dir, "provenance.csv", |h, row, r: &mut ProvRow| {
            if is_table(h) {
                table.store(true, std::sync::atomic::Ordering::Relaxed);
                r.fields = fields_but(&crate::schema::PROVENANCE_COLUMNS, h, row);
            }
        })?;
        let table = table.into_inner();
        let mut canonical_fixed = vec!["canonical_id"];
        canonical_fixed.extend(crate::schema::CANONICAL_TAIL_COLUMNS);
        let by_id = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.record_id.clone(), i))
            .collect();
        let summary: Vec<SummaryRow> = read_rows(dir, "summary.csv")?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            canonical: read_rows_with(dir, "canonical.csv", |h, row, c: &mut CanonRow| {
                if table {
                    c.fields = fields_but(&canonical_fixed, h, row);
                }
            })?,
            decisions: read_rows_with(dir, "decisions.csv", |h, row, d: &mut DecisionRow| {
                d.fs = Waterfall::of(h, row);
            })?,
            table,
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

    /// The scorer that decided the run, as summary.csv names it (a folder without a `scorer`
    /// row was scored by the weighted scorer).
    pub fn scorer(&self) -> &str {
        self.summary.get("scorer").map_or("weighted", String::as_str)
    }
}
