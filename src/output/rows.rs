//! One typed row per output file. The writers build these rows and every reader (`explain`,
//! `review`, `eval`, the tests) reads them back, whatever the format: the row type is the only
//! thing that ties a column to its meaning.
//!
//! A row is written as its cells in field order (see [`cells`]); the file's header is its
//! `columns()`, whose names and order match the fields (a written row of the wrong width is
//! an error, never a shifted file). It is read back by header name through serde (the same
//! for CSV and Parquet: [`super::table::TableReader`] hands both over as text cells), and
//! the columns serde cannot name in advance (a table's fields, the model's comparisons) by
//! [`Row::finish`].

use std::fmt;

use csv::StringRecord;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a column holds: Parquet stores each as its own type; CSV writes them all as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (UTF-8 in Parquet).
    Text,
    /// A count, a rank, a line or a position (64-bit integer in Parquet; empty = null).
    Int,
    /// A similarity, score or weight written with four decimals (double in Parquet, rounded to
    /// the four decimals the CSV shows; empty = null).
    Fixed,
    /// `true` or `false` (boolean in Parquet).
    Bool,
}

/// A column of an output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Header name.
    pub name: String,
    /// What it holds.
    pub kind: Kind,
}

fn cols(list: &[(&str, Kind)]) -> Vec<Column> {
    list.iter()
        .map(|&(name, kind)| Column {
            name: name.to_string(),
            kind,
        })
        .collect()
}

fn text_cols<'a>(names: impl IntoIterator<Item = &'a String>) -> impl Iterator<Item = Column> {
    names.into_iter().map(|n| Column {
        name: n.clone(),
        kind: Kind::Text,
    })
}

/// A typed row of one output file.
pub trait Row: Serialize + DeserializeOwned {
    /// The file's name without its extension (`decisions`).
    const FILE: &'static str;

    /// Fills, from the header and the row's cells, the fields serde cannot name in advance.
    fn finish(&mut self, _headers: &StringRecord, _row: &StringRecord) -> Result<(), String> {
        Ok(())
    }
}

/// A similarity, score or weight: written with four decimals, so outputs are byte-stable.
/// Read back, it holds the value as written (rounded to four decimals).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fixed(pub f64);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::linkage::score::FixedText::default().format(self.0))
    }
}

impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = crate::linkage::score::FixedText::default();
        s.serialize_str(text.format(self.0))
    }
}

impl Fixed {
    /// Parses a cell as written; a single quote in front (a neutralised `-0.5`, see
    /// `output::neutralise`) is dropped.
    pub fn parse(cell: &str) -> Result<Fixed, String> {
        let text = cell.strip_prefix('\'').unwrap_or(cell);
        text.parse().map(Fixed).map_err(|_| format!("not a number: {cell:?}"))
    }

    /// An optional cell: empty is None.
    fn parse_opt(cell: &str) -> Result<Option<Fixed>, String> {
        if cell.is_empty() {
            Ok(None)
        } else {
            Fixed::parse(cell).map(Some)
        }
    }
}

impl<'de> Deserialize<'de> for Fixed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fixed, D::Error> {
        let cell = String::deserialize(d)?;
        Fixed::parse(&cell).map_err(serde::de::Error::custom)
    }
}

/// Columns named by the data, (column, value) in column order: a table's fields. Written as
/// its values; read back by [`Row::finish`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(_, v)| v))
    }
}

impl Fields {
    /// The cells of `row` whose header is not one of `fixed`.
    fn but(fixed: &[&str], headers: &StringRecord, row: &StringRecord) -> Fields {
        Fields(
            headers
                .iter()
                .zip(row.iter())
                .filter(|(h, _)| !fixed.contains(h))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// True for a page record (no fields).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

// The fixed columns of a table run's `provenance` (before the mapped fields) and `canonical`
// (after the canonical fields): the schema's lists, which keep field names off them.
pub use crate::schema::{CANONICAL_TAIL_COLUMNS as CANONICAL_TAIL, PROVENANCE_COLUMNS as TABLE_PROVENANCE};

/// A row of `provenance`: one per input record. A page record has its date, title,
/// description and `partial`; a table row its fields (and `row`, `format` name the page's
/// `position`, `layout`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceRow {
    /// Canonical record it went into.
    pub canonical_id: String,
    /// `FILE#POSITION`.
    pub record_id: String,
    /// Content fingerprint (the overrides key).
    pub fingerprint: String,
    /// Input file.
    pub file: String,
    /// Position in the file (a table's `row`).
    #[serde(alias = "row")]
    pub position: u64,
    /// Line where the record begins.
    pub line: u64,
    /// Page layout (a table's `format`).
    #[serde(alias = "format")]
    pub layout: String,
    /// A table row's source (its `source` field, or its file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_dataset: Option<String>,
    /// Date as written (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_date: Option<String>,
    /// Parsed date, ISO (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The first day the date may be, ISO (pages; empty without a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_start: Option<String>,
    /// The last day the date may be, ISO (pages; empty without a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_end: Option<String>,
    /// Title as written (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description as written (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True when the page was cut off inside it (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<bool>,
    /// The page's address (pages; from the page itself or the scrape manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The query the page is a page of (pages; from the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// When the page was taken (pages; from the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scraped_at: Option<String>,
    /// The page's range header: first, last and total (pages; empty without a header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_first: Option<String>,
    /// See `range_first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_last: Option<String>,
    /// See `range_first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_total: Option<String>,
    /// A table row's fields as written, in the mapping's order (empty for a page record).
    #[serde(skip_deserializing)]
    pub fields: Fields,
}

impl Row for ProvenanceRow {
    const FILE: &'static str = "provenance";

    fn finish(&mut self, headers: &StringRecord, row: &StringRecord) -> Result<(), String> {
        if is_table(headers) {
            self.fields = Fields::but(&TABLE_PROVENANCE, headers, row);
        }
        Ok(())
    }
}

/// True when a provenance header is a table run's: its fixed columns are [`TABLE_PROVENANCE`]
/// (a page run's name `position` and `layout` there), and no field can take their names.
pub fn is_table(headers: &StringRecord) -> bool {
    // The first seven: outputs of versions before `source_dataset` lack it.
    let fixed = &TABLE_PROVENANCE[..7];
    headers.len() >= fixed.len() && headers.iter().zip(fixed).all(|(h, f)| h == *f)
}

impl ProvenanceRow {
    /// The columns of a page run's provenance (`fields` None) or a table run's.
    pub fn columns(fields: Option<&[String]>) -> Vec<Column> {
        use Kind::*;
        let kinds = [Text, Text, Text, Text, Int, Int, Text, Text];
        match fields {
            None => cols(&[
                ("canonical_id", Text),
                ("record_id", Text),
                ("fingerprint", Text),
                ("file", Text),
                ("position", Int),
                ("line", Int),
                ("layout", Text),
                ("raw_date", Text),
                ("date", Text),
                ("date_start", Text),
                ("date_end", Text),
                ("title", Text),
                ("description", Text),
                ("partial", Bool),
                ("url", Text),
                ("query", Text),
                ("scraped_at", Text),
                ("range_first", Int),
                ("range_last", Int),
                ("range_total", Int),
            ]),
            Some(f) => {
                let fixed: Vec<(&str, Kind)> = TABLE_PROVENANCE.into_iter().zip(kinds).collect();
                let mut c = cols(&fixed);
                c.extend(text_cols(f));
                c
            }
        }
    }

    /// The record in a line: its title, or a table row's non-empty field values.
    pub fn label(&self) -> String {
        if self.fields.is_empty() {
            return self.title.clone().unwrap_or_default();
        }
        let values: Vec<&str> = self
            .fields
            .0
            .iter()
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .collect();
        values.join(" ")
    }
}

/// A row of `canonical`: one per document. A page run's has a date, title and description; a
/// table run's the canonical fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalRow {
    /// `doc-...` or `rec-...`.
    pub canonical_id: String,
    /// ISO date (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `day`, `month` or `year` (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_precision: Option<String>,
    /// The first day the date may be, ISO (pages; empty without a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_start: Option<String>,
    /// The last day the date may be, ISO (pages; empty without a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_end: Option<String>,
    /// Title (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description (pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A table's canonical fields (empty for pages).
    #[serde(skip_deserializing)]
    pub fields: Fields,
    /// Records merged into it.
    pub source_count: u64,
    /// `;`-separated member ids.
    pub record_ids: String,
}

impl Row for CanonicalRow {
    const FILE: &'static str = "canonical";

    fn finish(&mut self, headers: &StringRecord, row: &StringRecord) -> Result<(), String> {
        // A table's canonical fields can take any name but the fixed ones: a page run's header
        // is exactly the page columns.
        // A folder written before `date_start` and `date_end` existed is a page run too.
        let range = ["date_start", "date_end"];
        let page = (headers.iter().filter(|h| !range.contains(h))).eq(CanonicalRow::columns(None)
            .iter()
            .map(|c| c.name.as_str())
            .filter(|h| !range.contains(h)));
        if !page {
            let mut fixed = vec!["canonical_id"];
            fixed.extend(CANONICAL_TAIL);
            self.fields = Fields::but(&fixed, headers, row);
        }
        Ok(())
    }
}

impl CanonicalRow {
    /// The columns of a page run's canonical (`fields` None) or a table run's.
    pub fn columns(fields: Option<&[String]>) -> Vec<Column> {
        use Kind::*;
        let mut c = cols(&[("canonical_id", Text)]);
        match fields {
            None => c.extend(cols(&[
                ("date", Text),
                ("date_precision", Text),
                ("date_start", Text),
                ("date_end", Text),
                ("title", Text),
                ("description", Text),
            ])),
            Some(f) => c.extend(text_cols(f)),
        }
        c.extend(cols(&[("source_count", Int), ("record_ids", Text)]));
        c
    }
}

/// A row of `canonical_sources` (table runs): which member supplied one canonical field, one
/// row per canonical field of each canonical record, in canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalSourceRow {
    /// The canonical record.
    pub canonical_id: String,
    /// The canonical field.
    pub field: String,
    /// Its value, as in `canonical` (empty: no member had one).
    pub value: String,
    /// The member that supplied it (empty: no member had a value).
    pub record_id: String,
    /// The field's survivorship policy (`medoid`, `most-common`, ...).
    pub policy: String,
}

impl Row for CanonicalSourceRow {
    const FILE: &'static str = "canonical_sources";
}

impl CanonicalSourceRow {
    /// The columns of canonical_sources.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("canonical_id", Text),
            ("field", Text),
            ("value", Text),
            ("record_id", Text),
            ("policy", Text),
        ])
    }
}

/// A row of `decisions`: every compared pair, and every pair an override decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// The blocking rule that paired them, or `override`.
    pub block_rule: String,
    /// Block key (empty for an override).
    pub block_key: String,
    /// Title similarity (None for a table pair).
    pub title_similarity: Option<Fixed>,
    /// Description similarity (None when missing, or a table pair).
    pub description_similarity: Option<Fixed>,
    /// `full`, `prefix` or `missing` (empty for a table pair).
    pub description_mode: String,
    /// Score (the match probability under the Fellegi-Sunter model).
    pub score: Fixed,
    /// `match`, `review` or `no-match`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// `same`, `different` or empty.
    #[serde(rename = "override", default)]
    pub override_: String,
    /// The Fellegi-Sunter columns, when that model scored the run.
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelCells>,
}

/// A pair's match weight as the Fellegi-Sunter model built it: the decisions columns
/// `match_weight`, `match_probability`, `weight_prior`, then `level_<comparison>` and
/// `weight_<comparison>` per comparison (all empty for a pair only an override made).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelCells {
    /// Total match weight.
    pub match_weight: Option<Fixed>,
    /// Match probability.
    pub match_probability: Option<Fixed>,
    /// The prior's weight.
    pub weight_prior: Option<Fixed>,
    /// One per comparison, in column order.
    pub steps: Vec<Step>,
}

/// One comparison of a pair under the Fellegi-Sunter model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Step {
    /// Comparison name (in the header, not the cells).
    #[serde(skip)]
    pub comparison: String,
    /// Level label (`null` when a value was missing; empty when never scored).
    pub level: String,
    /// Its weight.
    pub weight: Option<Fixed>,
}

impl ModelCells {
    /// The Fellegi-Sunter cells of a decisions row (None: the run had none).
    fn of(headers: &StringRecord, row: &StringRecord) -> Result<Option<ModelCells>, String> {
        let Some(at) = headers.iter().position(|h| h == "match_weight") else {
            return Ok(None);
        };
        let cell = |i: usize| row.get(i).unwrap_or("");
        let named = |name: &str| headers.iter().position(|h| h == name).map_or("", cell);
        let mut steps = Vec::new();
        // Each level column is followed by its weight column.
        for (i, h) in headers.iter().enumerate().skip(at) {
            let Some(name) = h.strip_prefix("level_") else { continue };
            if headers.get(i + 1) != Some(format!("weight_{name}").as_str()) {
                continue;
            }
            steps.push(Step {
                comparison: name.to_string(),
                level: cell(i).to_string(),
                weight: Fixed::parse_opt(cell(i + 1))?,
            });
        }
        Ok(Some(ModelCells {
            match_weight: Fixed::parse_opt(cell(at))?,
            match_probability: Fixed::parse_opt(named("match_probability"))?,
            weight_prior: Fixed::parse_opt(named("weight_prior"))?,
            steps,
        }))
    }
}

impl Row for DecisionRow {
    const FILE: &'static str = "decisions";

    fn finish(&mut self, headers: &StringRecord, row: &StringRecord) -> Result<(), String> {
        self.model = ModelCells::of(headers, row)?;
        Ok(())
    }
}

impl DecisionRow {
    /// The columns of decisions, with the model's when `comparisons` names them.
    pub fn columns(comparisons: Option<&[String]>) -> Vec<Column> {
        use Kind::*;
        let mut c = cols(&[
            ("record_a", Text),
            ("record_b", Text),
            ("block_rule", Text),
            ("block_key", Text),
            ("title_similarity", Fixed),
            ("description_similarity", Fixed),
            ("description_mode", Text),
            ("score", Fixed),
            ("decision", Text),
            ("reason", Text),
            ("override", Text),
        ]);
        if let Some(names) = comparisons {
            c.extend(cols(&[
                ("match_weight", Fixed),
                ("match_probability", Fixed),
                ("weight_prior", Fixed),
            ]));
            for n in names {
                c.extend([
                    Column {
                        name: format!("level_{n}"),
                        kind: Text,
                    },
                    Column {
                        name: format!("weight_{n}"),
                        kind: Fixed,
                    },
                ]);
            }
        }
        c
    }

    /// The model's waterfall of a scored pair (None: no model, or a pair only an override
    /// made, never scored).
    pub fn waterfall(&self) -> Option<&ModelCells> {
        self.model.as_ref().filter(|m| m.match_weight.is_some())
    }
}

/// A row of `review`: a pair in the review band, most uncertain first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    /// 1 = most uncertain.
    pub rank: u64,
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// Its fingerprint.
    pub fingerprint_a: String,
    /// Its fingerprint.
    pub fingerprint_b: String,
    /// Title similarity (None for a table pair).
    pub title_similarity: Option<Fixed>,
    /// Description similarity (None when missing, or a table pair).
    pub description_similarity: Option<Fixed>,
    /// Score.
    pub score: Fixed,
    /// Distance from the centre of the review band.
    pub boundary_distance: Fixed,
    /// Why it is in review.
    pub reason: String,
    /// First record's title.
    pub title_a: String,
    /// Second record's title.
    pub title_b: String,
}

impl Row for ReviewRow {
    const FILE: &'static str = "review";
}

impl ReviewRow {
    /// The columns of review.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("rank", Int),
            ("record_a", Text),
            ("record_b", Text),
            ("fingerprint_a", Text),
            ("fingerprint_b", Text),
            ("title_similarity", Fixed),
            ("description_similarity", Fixed),
            ("score", Fixed),
            ("boundary_distance", Fixed),
            ("reason", Text),
            ("title_a", Text),
            ("title_b", Text),
        ])
    }
}

/// A row of `links`: a link clustering considered, in order, then the ambiguous ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRow {
    /// Order in which clustering considered it.
    pub order: u64,
    /// First record.
    pub record_a: String,
    /// Second record.
    pub record_b: String,
    /// `score` or `override`.
    pub link: String,
    /// Score.
    pub score: Fixed,
    /// `joined`, `already-joined`, `cut` or `ambiguous`.
    pub outcome: String,
    /// Canonical record of the first.
    pub canonical_a: String,
    /// Canonical record of the second.
    pub canonical_b: String,
    /// Why.
    pub reason: String,
}

impl Row for LinkRow {
    const FILE: &'static str = "links";
}

impl LinkRow {
    /// The columns of links.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("order", Int),
            ("record_a", Text),
            ("record_b", Text),
            ("link", Text),
            ("score", Fixed),
            ("outcome", Text),
            ("canonical_a", Text),
            ("canonical_b", Text),
            ("reason", Text),
        ])
    }
}

/// A row of `blocks`: a block of two records or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockRow {
    /// Rule.
    pub block_rule: String,
    /// Key.
    pub block_key: String,
    /// Records in it.
    pub records: u64,
    /// Pairs it made.
    pub pairs: u64,
    /// `all-pairs` or `window`.
    pub mode: String,
}

impl Row for BlockRow {
    const FILE: &'static str = "blocks";
}

impl BlockRow {
    /// The columns of blocks.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("block_rule", Text),
            ("block_key", Text),
            ("records", Int),
            ("pairs", Int),
            ("mode", Text),
        ])
    }
}

/// A row of `record_fields`: a field of a page record's layout's own ("kind"), one row per
/// field of each record that has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordFieldRow {
    /// The record.
    pub record_id: String,
    /// The field's name, as the layout names it.
    pub field: String,
    /// Its value as written.
    pub value: String,
}

impl Row for RecordFieldRow {
    const FILE: &'static str = "record_fields";
}

impl RecordFieldRow {
    /// The columns of record_fields.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[("record_id", Text), ("field", Text), ("value", Text)])
    }
}

/// A row of `ids.csv`: one id ever issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRow {
    /// The id.
    pub id: String,
    /// The current canonical id it resolves to: itself while current, the id it was merged
    /// into once retired, empty once its document is removed.
    pub resolves_to: String,
    /// `current`, `merged` (into `resolves_to`) or `removed`.
    pub status: String,
    /// The run that issued it.
    pub issued_in: u32,
    /// The run that retired it (empty while current).
    pub retired_in: Option<u32>,
}

impl Row for IdRow {
    const FILE: &'static str = "ids";
}

impl IdRow {
    /// The columns of ids.csv.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("id", Text),
            ("resolves_to", Text),
            ("status", Text),
            ("issued_in", Int),
            ("retired_in", Int),
        ])
    }
}

/// A row of `changes`: what became of one document since the previous run (`--previous`),
/// one row per document of this run and per document of the previous run that was removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// The document's id in this run (a removed document: its id in the previous run).
    pub canonical_id: String,
    /// What happened, `; `-separated: created, merged, split, gained sources, lost sources,
    /// content changed, removed, unchanged.
    pub change: String,
    /// The previous run's documents its records were in, `;`-separated.
    pub old_ids: String,
    /// The previous document it continues (its id was carried over from it, or would be).
    pub continues: String,
    /// Its records new to the dataset, `;`-separated.
    pub gained_records: String,
    /// Records gone from the dataset that were its own, `;`-separated.
    pub lost_records: String,
    /// The previous documents that split, each `OLD_ID (also in: ID, ID)`, `; `-separated.
    pub split_from: String,
    /// The fields that changed, each `FIELD: OLD -> NEW` (texts in double quotes),
    /// ` | `-separated.
    pub content: String,
}

impl Row for ChangeRow {
    const FILE: &'static str = "changes";
}

impl ChangeRow {
    /// The columns of changes.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("canonical_id", Text),
            ("change", Text),
            ("old_ids", Text),
            ("continues", Text),
            ("gained_records", Text),
            ("lost_records", Text),
            ("split_from", Text),
            ("content", Text),
        ])
    }
}

/// A row of `warnings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningRow {
    /// File (empty: the run as a whole).
    pub file: String,
    /// Line, if any.
    pub line: Option<u64>,
    /// What happened.
    pub message: String,
}

impl Row for WarningRow {
    const FILE: &'static str = "warnings";
}

impl WarningRow {
    /// The columns of warnings.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[("file", Text), ("line", Int), ("message", Text)])
    }
}

/// A row of `completeness`: one query the pages are pages of ([`crate::completeness`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletenessRow {
    /// The query: the manifest's name, the address without paging, or `FOLDER (of N)`.
    pub query: String,
    /// How its pages were grouped: `manifest`, `url` or `folder`.
    pub grouped_by: String,
    /// Pages of it read.
    pub pages: u64,
    /// Of them, pages with a range header.
    pub pages_with_range: u64,
    /// The largest total its headers state (empty: no header).
    pub total: Option<u64>,
    /// Every total stated, `;`-separated (more than one: it changed while scraped).
    pub totals_seen: String,
    /// Records read from its pages.
    pub records_read: u64,
    /// Result ranges the headers cover: `1 - 30; 41 - 47`.
    pub ranges_seen: String,
    /// Result ranges not scraped: `31 - 40 of 47`.
    pub missing: String,
    /// How many results those are.
    pub missing_results: u64,
    /// Pages whose ranges overlap: `a.txt ~ b.txt; ...`.
    pub overlapping_pages: String,
    /// Pages whose record count disagrees with their header: `b.txt (header 10, read 9); ...`.
    pub count_mismatches: String,
    /// `true`, `false`, or empty when no page of it has a range header.
    pub complete: Option<bool>,
}

impl Row for CompletenessRow {
    const FILE: &'static str = "completeness";
}

impl CompletenessRow {
    /// The columns of completeness.
    pub fn columns() -> Vec<Column> {
        use Kind::*;
        cols(&[
            ("query", Text),
            ("grouped_by", Text),
            ("pages", Int),
            ("pages_with_range", Int),
            ("total", Int),
            ("totals_seen", Text),
            ("records_read", Int),
            ("ranges_seen", Text),
            ("missing", Text),
            ("missing_results", Int),
            ("overlapping_pages", Text),
            ("count_mismatches", Text),
            ("complete", Bool),
        ])
    }
}

/// A row of `summary`: a figure of the run or a setting of its scorer (values are text:
/// counts and thresholds share the column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl Row for SummaryRow {
    const FILE: &'static str = "summary";
}

impl SummaryRow {
    /// The columns of summary.
    pub fn columns() -> Vec<Column> {
        cols(&[("name", Kind::Text), ("value", Kind::Text)])
    }
}

/// The cells of `row`, in field order, nested values flattened: what a sink writes. The
/// strings already in `out` are reused (a file of millions of rows writes them in place,
/// without an allocation per cell); `out` ends with exactly the row's cells.
pub fn cells<R: Serialize>(row: &R, out: &mut Vec<String>) -> Result<(), CellError> {
    let mut c = Cells { out, len: 0 };
    row.serialize(&mut c)?;
    let len = c.len;
    out.truncate(len);
    Ok(())
}

/// A row that cannot be written as cells (a map or bytes: no row type has one).
#[derive(Debug)]
pub struct CellError(String);

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CellError {}

impl serde::ser::Error for CellError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CellError(msg.to_string())
    }
}

/// A serde serializer that appends every scalar as a text cell: structs, tuples and sequences
/// are flattened, None is an empty cell.
struct Cells<'a> {
    out: &'a mut Vec<String>,
    /// Cells of this row so far: `out` may hold more, left from a longer row.
    len: usize,
}

impl Cells<'_> {
    /// The next cell, empty, reusing the string left there by an earlier row.
    fn next(&mut self) -> &mut String {
        if self.len == self.out.len() {
            self.out.push(String::new());
        }
        let cell = &mut self.out[self.len];
        self.len += 1;
        cell.clear();
        cell
    }

    fn push(&mut self, cell: &str) -> Result<(), CellError> {
        self.next().push_str(cell);
        Ok(())
    }

    fn display(&mut self, v: impl fmt::Display) -> Result<(), CellError> {
        use std::fmt::Write;
        write!(self.next(), "{v}").map_err(|e| CellError(e.to_string()))
    }
}

macro_rules! scalars {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, v: $t) -> Result<(), CellError> { self.display(v) })*
    };
}

impl<'a, 'b> Serializer for &'b mut Cells<'a> {
    type Ok = ();
    type Error = CellError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = serde::ser::Impossible<(), CellError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    scalars!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<(), CellError> {
        self.push(v)
    }

    fn serialize_bool(self, v: bool) -> Result<(), CellError> {
        self.push(if v { "true" } else { "false" })
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), CellError> {
        Err(CellError("bytes cannot be a cell".into()))
    }
    fn serialize_none(self) -> Result<(), CellError> {
        self.push("")
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), CellError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CellError> {
        self.push("")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CellError> {
        self.push("")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), CellError> {
        self.push(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<(), CellError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), CellError> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, CellError> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, CellError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, CellError> {
        Ok(self)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, CellError> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CellError> {
        Err(CellError("a map cannot be a row".into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, CellError> {
        Ok(self)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, CellError> {
        Ok(self)
    }
}

macro_rules! flatten {
    ($($tr:ident :: $m:ident),*) => {
        $(impl serde::ser::$tr for &mut Cells<'_> {
            type Ok = ();
            type Error = CellError;
            fn $m<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), CellError> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), CellError> {
                Ok(())
            }
        })*
    };
}

flatten!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl serde::ser::SerializeStruct for &mut Cells<'_> {
    type Ok = ();
    type Error = CellError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, v: &T) -> Result<(), CellError> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), CellError> {
        Ok(())
    }
}

impl serde::ser::SerializeStructVariant for &mut Cells<'_> {
    type Ok = ();
    type Error = CellError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, v: &T) -> Result<(), CellError> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), CellError> {
        Ok(())
    }
}
