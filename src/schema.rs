//! Tables: how the columns of a CSV or JSON Lines file map to typed fields (the `[table]`
//! section of a rules file), and how a cell becomes a typed value.
//!
//! A field has a kind that says how it is read and compared: `date` (partial dates, see
//! [`crate::date`]), `text` (free text), `name` (personal names), `code` (postcodes, ids:
//! exact strings) or `number`. An empty cell is a missing value, never an empty string that
//! agrees with another empty string.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::date::PartialDate;
use crate::error::Warning;
use crate::normalize::{fold, match_key};
use crate::record::{RawRecord, Record};

/// The `[table]` section: the mapping of a table's columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRules {
    /// Column holding a record id; without one a record is `FILE#ROW`.
    pub id: Option<String>,
    /// The fields read from each row, in order.
    pub fields: Vec<FieldRule>,
    /// Blocking rules: records agreeing exactly on every field of a rule are compared.
    /// The pairs of all rules are unioned; each pair records the first rule that made it.
    pub blocking: Vec<TableBlockingRule>,
    /// Fields written to `canonical.csv`, in order (default: every field).
    pub canonical: Option<Vec<String>>,
}

/// One field: the column it is read from and how it is compared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Field name (names the comparison and its output columns).
    pub name: String,
    /// Column header (default: the field name).
    pub column: Option<String>,
    /// How the field is read and compared.
    pub kind: FieldKind,
    /// Similarity thresholds of the fuzzy levels, highest first (default from `[model]`).
    pub levels: Option<Vec<f64>>,
    /// Adjust exact agreement by the value's frequency (a common surname agrees by chance
    /// more often than a rare one).
    #[serde(default)]
    pub term_frequency: bool,
    /// Whether the field is a comparison of the model (false: read and kept only).
    #[serde(default = "yes")]
    pub compare: bool,
}

fn yes() -> bool {
    true
}

impl FieldRule {
    /// The column this field is read from.
    pub fn column(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.name)
    }
}

/// One blocking rule of a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableBlockingRule {
    /// Name written to `decisions.csv` and `blocks.csv`.
    pub name: String,
    /// Fields that must all be present and agree exactly.
    pub fields: Vec<String>,
}

/// How a field is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// A partial date.
    Date,
    /// Free text (normalized Levenshtein similarity).
    Text,
    /// A personal name (Jaro-Winkler similarity).
    Name,
    /// An exact code: postcode, id, street number.
    Code,
    /// A number.
    Number,
}

/// A typed, normalized value, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A date.
    Date(PartialDate),
    /// Normalized text, a name or a code.
    Str(String),
    /// A number.
    Number(f64),
}

impl Value {
    /// The value as a key for blocking, term frequencies and fingerprints.
    pub fn key(&self) -> String {
        match self {
            Value::Date(d) => d.to_string(),
            Value::Str(s) => s.clone(),
            Value::Number(n) => format!("{n}"),
        }
    }
}

/// Reads one cell as `kind`. `Ok(None)` is a missing value; `Err` says why the cell could not
/// be read (the caller keeps the record with the value missing, and warns).
pub fn parse_cell(kind: FieldKind, raw: &str) -> Result<Option<Value>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value = match kind {
        FieldKind::Date => Value::Date(parse_date(text).ok_or_else(|| format!("unparseable date {text:?}"))?),
        FieldKind::Text | FieldKind::Name => Value::Str(match_key(text)),
        // Codes keep only letters and digits: "2 600" and "2600" are one postcode.
        FieldKind::Code => Value::Str(fold(text).chars().filter(|c| c.is_alphanumeric()).collect()),
        FieldKind::Number => Value::Number(
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("not a number {text:?}"))?,
        ),
    };
    Ok(match &value {
        Value::Str(s) if s.is_empty() => None,
        _ => Some(value),
    })
}

/// A table date: what [`crate::date::parse`] reads, and the compact `YYYYMMDD` / `YYYYMM`
/// forms that exports use.
fn parse_date(text: &str) -> Option<PartialDate> {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    match text.len() {
        8 if digits => crate::date::parse(&format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..])),
        6 if digits => crate::date::parse(&format!("{}-{}", &text[..4], &text[4..])),
        _ => crate::date::parse(text),
    }
}

/// The normalize stage for a table row: each cell read as its field's kind. A cell that
/// cannot be read (an unparseable date) becomes a missing value, with a warning naming the
/// file and line; the record is kept.
pub fn prepare_row(raw: RawRecord, page: u32, table: &TableRules) -> (Record, Vec<Warning>) {
    let mut warnings = Vec::new();
    let fields: Vec<Option<Value>> = table
        .fields
        .iter()
        .zip(&raw.fields)
        .map(|(f, cell)| {
            let cell = cell.as_deref()?;
            parse_cell(f.kind, cell).unwrap_or_else(|why| {
                warnings.push(Warning::at(
                    &raw.provenance.file,
                    Some(raw.provenance.line),
                    format!("field {:?}: {why}; the value is treated as missing", f.name),
                ));
                None
            })
        })
        .collect();
    let keys: Vec<String> = fields
        .iter()
        .map(|v| v.as_ref().map(Value::key).unwrap_or_default())
        .collect();
    let record = Record {
        raw,
        date: None,
        // Sorts an oversized block's records for its window.
        title_key: keys.join(" "),
        description_key: None,
        title_numbers: Vec::new(),
        fingerprint: crate::record::Fingerprint::of(&keys),
        page,
        title_shared: false,
        fields,
    };
    (record, warnings)
}

/// The fixed columns of a table run's `provenance.csv`, before the mapped fields.
pub const PROVENANCE_COLUMNS: [&str; 7] = [
    "canonical_id",
    "record_id",
    "fingerprint",
    "file",
    "row",
    "line",
    "format",
];

/// The fixed columns of a table run's `canonical.csv` after the canonical fields.
pub const CANONICAL_TAIL_COLUMNS: [&str; 2] = ["source_count", "record_ids"];

/// True when a field name would collide with a fixed output column.
fn reserved(name: &str) -> bool {
    PROVENANCE_COLUMNS.contains(&name) || CANONICAL_TAIL_COLUMNS.contains(&name)
}

impl TableRules {
    /// Index of the field called `name`.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Indices of the canonical fields.
    pub fn canonical_fields(&self) -> Vec<usize> {
        match &self.canonical {
            Some(names) => names.iter().filter_map(|n| self.field_index(n)).collect(),
            None => (0..self.fields.len()).collect(),
        }
    }

    /// Problems with the mapping, in words (empty when it is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for f in &self.fields {
            if reserved(&f.name) {
                problems.push(format!(
                    "table.fields: {:?} is an output column of its own; name the field otherwise (column = {:?} keeps the header)",
                    f.name, f.name
                ));
            }
            if !seen.insert(f.name.as_str()) {
                problems.push(format!("table.fields: {:?} is named twice", f.name));
            }
            if f.levels.is_some() && matches!(f.kind, FieldKind::Date | FieldKind::Code) {
                problems.push(format!(
                    "table.fields {:?}: a {:?} field has fixed levels; `levels` applies to name, text and number fields",
                    f.name, f.kind
                ));
            }
            if let Some(levels) = &f.levels
                && (levels.windows(2).any(|w| w[0] <= w[1]) || levels.iter().any(|l| !(0.0..=1.0).contains(l)))
            {
                problems.push(format!(
                    "table.fields {:?}: levels must be decreasing thresholds in [0, 1]",
                    f.name
                ));
            }
        }
        if self.fields.iter().all(|f| !f.compare) {
            problems.push("table.fields: at least one field must be compared".into());
        }
        if self.blocking.is_empty() {
            problems.push("table.blocking: at least one blocking rule is needed".into());
        }
        // Training keeps the rules a pair satisfies as the bits of a u64.
        if self.blocking.len() > 64 {
            problems.push("table.blocking: at most 64 blocking rules".into());
        }
        let names: Vec<&String> = self
            .blocking
            .iter()
            .flat_map(|b| &b.fields)
            .chain(self.canonical.iter().flatten())
            .collect();
        for name in names {
            if self.field_index(name).is_none() {
                problems.push(format!("table: {name:?} is not a field of table.fields"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_typed_values_and_blanks_are_missing() {
        assert_eq!(parse_cell(FieldKind::Name, "  "), Ok(None));
        assert_eq!(parse_cell(FieldKind::Name, "--"), Ok(None));
        assert_eq!(
            parse_cell(FieldKind::Name, "José  O'Neil"),
            Ok(Some(Value::Str("jose o neil".into())))
        );
        assert_eq!(
            parse_cell(FieldKind::Code, "2 600"),
            Ok(Some(Value::Str("2600".into())))
        );
        assert_eq!(
            parse_cell(FieldKind::Date, "19520906").map(|v| v.map(|v| v.key())),
            Ok(Some("1952-09-06".into()))
        );
        assert_eq!(
            parse_cell(FieldKind::Date, "February 1950").map(|v| v.map(|v| v.key())),
            Ok(Some("1950-02".into()))
        );
        assert!(parse_cell(FieldKind::Date, "19521306").is_err());
        assert!(parse_cell(FieldKind::Number, "twelve").is_err());
        assert_eq!(parse_cell(FieldKind::Number, " 12.5"), Ok(Some(Value::Number(12.5))));
        assert!(parse_cell(FieldKind::Number, "NaN").is_err());
    }

    #[test]
    fn a_mapping_with_mistakes_is_refused_with_every_problem_named() {
        let rules: TableRules = toml::from_str(
            r#"
            canonical = ["nope"]
            blocking = [{ name = "b", fields = ["born", "missing"] }]
            [[fields]]
            name = "born"
            kind = "date"
            levels = [0.9]
            [[fields]]
            name = "file"
            kind = "name"
            levels = [0.8, 0.9]
            "#,
        )
        .unwrap();
        let problems = rules.problems().join("\n");
        for needle in [
            "fixed levels",
            "\"file\" is an output column",
            "decreasing",
            "\"missing\"",
            "\"nope\"",
        ] {
            assert!(problems.contains(needle), "{needle}: {problems}");
        }
    }
}
