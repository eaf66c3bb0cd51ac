//! Comparisons with ordered levels, in Splink's sense: each comparison looks at one field of
//! two records and puts the pair in one of its levels, best first (exact, then fuzzier
//! agreement, then "else"). A pair where either value is missing is at the null level
//! (`None`): no evidence either way, weight 0.

use serde::{Deserialize, Serialize};

use crate::linkage::similarity::text_similarity;
use crate::record::Value;
use crate::rules::ComparisonRules;
use crate::schema::FieldKind;

/// One comparison: a field, its kind and its fuzzy thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Name (the field's), used in output columns: `level_<name>`, `weight_<name>`.
    pub name: String,
    /// Position of the field in its schema (and in a record's `values`).
    pub field: usize,
    /// How values are compared.
    pub kind: FieldKind,
    /// Similarity thresholds of the fuzzy levels, highest first.
    pub thresholds: Vec<f64>,
    /// Exact agreement weighted by the value's frequency.
    pub term_frequency: bool,
}

/// Similarity of two numbers in [0, 1]: 1 minus their relative difference.
fn number_similarity(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs());
    if scale == 0.0 {
        1.0
    } else {
        (1.0 - (a - b).abs() / scale).max(0.0)
    }
}

impl Comparison {
    /// The levels' labels, best first; the last is "else".
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec!["exact".to_string()];
        match self.kind {
            FieldKind::Date => out.extend(["compatible".to_string(), "one-edit".to_string()]),
            FieldKind::Code => out.push("one-edit".to_string()),
            FieldKind::Name => out.extend(self.thresholds.iter().map(|t| format!("jaro-winkler>={t:.2}"))),
            FieldKind::Text | FieldKind::Number => {
                out.extend(self.thresholds.iter().map(|t| format!("similarity>={t:.2}")))
            }
        }
        out.push("else".to_string());
        out
    }

    /// Number of levels (null excluded).
    pub fn level_count(&self) -> usize {
        self.labels().len()
    }

    /// The level of a pair of values, `None` when either is missing.
    pub fn level(&self, a: Option<&Value>, b: Option<&Value>, rules: &ComparisonRules) -> Option<u8> {
        let (a, b) = (a?, b?);
        if a == b {
            return Some(0);
        }
        let last = (self.level_count() - 1) as u8;
        let fuzzy = |sim: f64| {
            self.thresholds
                .iter()
                .position(|t| sim >= *t)
                .map_or(last, |i| i as u8 + 1)
        };
        Some(match (self.kind, a, b) {
            (FieldKind::Date, Value::Date(x), Value::Date(y)) => {
                if x.compatible(y) {
                    1
                } else if strsim::damerau_levenshtein(&x.to_string(), &y.to_string()) <= 1 {
                    2
                } else {
                    last
                }
            }
            (FieldKind::Code, Value::Text(x), Value::Text(y)) => {
                if strsim::damerau_levenshtein(&x.key, &y.key) <= 1 {
                    1
                } else {
                    last
                }
            }
            (FieldKind::Name, Value::Text(x), Value::Text(y)) => fuzzy(strsim::jaro_winkler(&x.key, &y.key)),
            (FieldKind::Text, Value::Text(x), Value::Text(y)) => {
                fuzzy(text_similarity(&x.key, &y.key, Some(rules.min_prefix_chars), rules).0)
            }
            (FieldKind::Number, Value::Number(x), Value::Number(y)) => fuzzy(number_similarity(*x, *y)),
            _ => last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::parse_cell;

    fn cmp(kind: FieldKind) -> Comparison {
        Comparison {
            name: "f".into(),
            field: 0,
            kind,
            thresholds: vec![0.92, 0.80],
            term_frequency: false,
        }
    }

    fn level(kind: FieldKind, a: &str, b: &str) -> Option<u8> {
        let rules = crate::rules::Rules::builtin().comparison;
        let (x, y) = (parse_cell(kind, a).unwrap(), parse_cell(kind, b).unwrap());
        cmp(kind).level(x.as_ref(), y.as_ref(), &rules)
    }

    #[test]
    fn levels_are_ordered_best_first_and_missing_is_null() {
        assert_eq!(level(FieldKind::Name, "Jonathan", "jonathan"), Some(0));
        assert_eq!(level(FieldKind::Name, "jonathan", "jonathon"), Some(1));
        assert_eq!(level(FieldKind::Name, "jonathan", "john"), Some(2));
        assert_eq!(level(FieldKind::Name, "jonathan", "mary"), Some(3));
        assert_eq!(level(FieldKind::Name, "jonathan", ""), None);
        assert_eq!(level(FieldKind::Date, "1952-09-06", "1952-09"), Some(1));
        assert_eq!(level(FieldKind::Date, "19520906", "19520907"), Some(2));
        assert_eq!(level(FieldKind::Date, "19520906", "19610101"), Some(3));
        assert_eq!(level(FieldKind::Code, "2600", "2060"), Some(1));
        assert_eq!(level(FieldKind::Code, "2600", "3700"), Some(2));
        assert_eq!(level(FieldKind::Number, "100", "99"), Some(1));
        assert_eq!(cmp(FieldKind::Date).labels().len(), 4);
    }
}
