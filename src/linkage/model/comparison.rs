//! Comparisons with ordered levels, in Splink's sense: each comparison looks at one field of
//! two records and puts the pair in one of its levels, best first (exact, then fuzzier
//! agreement, then "else"). A pair where either value is missing is at the null level
//! (`None`): no evidence either way, weight 0.

use serde::{Deserialize, Serialize};

use crate::linkage::similarity::{similarity, text_similarity};
use crate::record::Value;
use crate::rules::ComparisonRules;
use crate::schema::{FieldKind, Similarity, Within};

/// One comparison: a field, its kind, and its levels: exact, the similarity's fuzzy levels
/// (at `thresholds`), the distance levels (`within`), else.
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
    /// The similarity of the fuzzy levels (None: the kind's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<Similarity>,
    /// Distance levels after the fuzzy ones, nearest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<Within>,
}

/// What a comparison measures between exact and its distance levels.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    /// Dates: compatible (one inside the other), then one edit apart as written.
    Date,
    /// A similarity in [0, 1] at the comparison's thresholds.
    Fuzzy(Similarity),
    /// At most one Damerau-Levenshtein edit (a code without thresholds).
    OneEdit,
    /// Numbers: 1 minus their relative difference, at the thresholds.
    Number,
    /// Postcode sector, district, area.
    Postcode,
    /// No level between exact and the distance levels.
    Exact,
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

/// Jaccard similarity of two texts' sets of words.
pub fn token_set_similarity(a: &str, b: &str) -> f64 {
    fn set(t: &str) -> std::collections::BTreeSet<&str> {
        t.split(' ').filter(|w| !w.is_empty()).collect()
    }
    let (x, y) = (set(a), set(b));
    let union = x.union(&y).count();
    match union {
        0 => 1.0,
        n => x.intersection(&y).count() as f64 / n as f64,
    }
}

/// Damerau-Levenshtein (optimal string alignment is not enough: strsim's unrestricted
/// distance) over the longer length, in characters.
fn damerau_similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_damerau_levenshtein(a, b)
}

/// The postcode level of two codes (letters and digits only, lower case): 1 same sector,
/// 2 same district, 3 same area; None: none shared.
fn postcode_level(a: &str, b: &str) -> Option<u8> {
    let parts = |c: &str| -> Option<[String; 3]> {
        let chars: Vec<char> = c.chars().collect();
        let n = chars.len();
        if n >= 5 && chars[n - 3].is_ascii_digit() && chars[n - 2..].iter().all(|c| c.is_alphabetic()) {
            // UK: outward code, then inward (digit and two letters).
            let outward: String = chars[..n - 3].iter().collect();
            let area: String = outward.chars().take_while(|c| c.is_alphabetic()).collect();
            return Some([format!("{outward}{}", chars[n - 3]), outward, area]);
        }
        if n >= 3 && chars.iter().all(char::is_ascii_digit) {
            let head = |k: usize| chars[..k].iter().collect::<String>();
            return Some([head(n - 1), head(n - 2), head((n - 3).max(1))]);
        }
        None
    };
    let (x, y) = (parts(a)?, parts(b)?);
    (0..3).find(|&i| !x[i].is_empty() && x[i] == y[i]).map(|i| i as u8 + 1)
}

impl Comparison {
    /// A comparison of `kind` with the kind's similarity and no distance levels.
    pub fn new(name: &str, field: usize, kind: FieldKind, thresholds: Vec<f64>, term_frequency: bool) -> Comparison {
        Comparison {
            name: name.to_string(),
            field,
            kind,
            thresholds,
            term_frequency,
            similarity: None,
            within: Vec::new(),
        }
    }

    fn method(&self) -> Method {
        match (self.similarity, self.kind) {
            (Some(Similarity::Exact), _) => Method::Exact,
            (Some(Similarity::Postcode), _) => Method::Postcode,
            (Some(Similarity::Damerau), FieldKind::Code) if self.thresholds.is_empty() => Method::OneEdit,
            (Some(s), _) => Method::Fuzzy(s),
            (None, FieldKind::Date) => Method::Date,
            (None, FieldKind::Code) => Method::OneEdit,
            (None, FieldKind::Name) => Method::Fuzzy(Similarity::JaroWinkler),
            (None, FieldKind::Text) => Method::Fuzzy(Similarity::Levenshtein),
            (None, FieldKind::Number) => Method::Number,
        }
    }

    /// The levels' labels, best first; the last is "else".
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec!["exact".to_string()];
        let at = |name: &'static str| self.thresholds.iter().map(move |t| format!("{name}>={t:.2}"));
        match self.method() {
            Method::Date => out.extend(["compatible".to_string(), "one-edit".to_string()]),
            Method::OneEdit => out.push("one-edit".to_string()),
            Method::Fuzzy(s) => out.extend(at(s.as_str())),
            Method::Number => out.extend(at("similarity")),
            Method::Postcode => out.extend(["sector", "district", "area"].map(String::from)),
            Method::Exact => {}
        }
        out.extend(self.within.iter().map(|w| w.to_string()));
        out.push("else".to_string());
        out
    }

    /// Number of levels (null excluded): exact, the method's, the distance levels, else.
    /// Counted without the labels: every pair compared asks.
    pub fn level_count(&self) -> usize {
        2 + self.method_levels() + self.within.len()
    }

    /// Levels of the method, after exact and before the distance levels.
    fn method_levels(&self) -> usize {
        match self.method() {
            Method::Date => 2,
            Method::OneEdit => 1,
            Method::Fuzzy(_) | Method::Number => self.thresholds.len(),
            Method::Postcode => 3,
            Method::Exact => 0,
        }
    }

    /// The level of a pair of values, `None` when either is missing.
    pub fn level(&self, a: Option<&Value>, b: Option<&Value>, rules: &ComparisonRules) -> Option<u8> {
        let (a, b) = (a?, b?);
        if a == b {
            return Some(0);
        }
        if let Some(l) = self.method_level(a, b, rules) {
            return Some(l + 1);
        }
        let first_within = 1 + self.method_levels();
        let within = self.within_level(a, b).map(|i| (first_within + i) as u8);
        Some(within.unwrap_or((self.level_count() - 1) as u8))
    }

    /// The method's level (0 its first) when the pair reaches one.
    fn method_level(&self, a: &Value, b: &Value, rules: &ComparisonRules) -> Option<u8> {
        let fuzzy = |sim: f64| self.thresholds.iter().position(|t| sim >= *t).map(|i| i as u8);
        match (self.method(), a, b) {
            (Method::Date, Value::Date(x), Value::Date(y)) => {
                if x.compatible(y) {
                    Some(0)
                } else {
                    (strsim::damerau_levenshtein(&x.to_string(), &y.to_string()) <= 1).then_some(1)
                }
            }
            (Method::OneEdit, Value::Text(x), Value::Text(y)) => {
                (strsim::damerau_levenshtein(&x.key, &y.key) <= 1).then_some(0)
            }
            (Method::Fuzzy(s), Value::Text(x), Value::Text(y)) => fuzzy(match s {
                Similarity::JaroWinkler => strsim::jaro_winkler(&x.key, &y.key),
                // Free text may be a truncated copy: compared as a prefix too.
                Similarity::Levenshtein if self.kind == FieldKind::Text => {
                    text_similarity(&x.key, &y.key, Some(rules.min_prefix_chars), rules).0
                }
                Similarity::Levenshtein => similarity(&x.key, &y.key),
                Similarity::Damerau => damerau_similarity(&x.key, &y.key),
                Similarity::TokenSet => token_set_similarity(&x.key, &y.key),
                Similarity::Exact | Similarity::Postcode => return None,
            }),
            (Method::Number, Value::Number(x), Value::Number(y)) => fuzzy(number_similarity(*x, *y)),
            (Method::Postcode, Value::Text(x), Value::Text(y)) => postcode_level(&x.key, &y.key).map(|l| l - 1),
            _ => None,
        }
    }

    /// The first distance level the pair is within (0 the nearest).
    fn within_level(&self, a: &Value, b: &Value) -> Option<usize> {
        self.within.iter().position(|w| match (w, a, b) {
            (Within::Date { .. }, Value::Date(x), Value::Date(y)) => x.days_apart(y) as f64 <= w.limit(),
            (Within::Absolute(d), Value::Number(x), Value::Number(y)) => (x - y).abs() <= *d,
            (Within::Relative(pct), Value::Number(x), Value::Number(y)) => {
                (x - y).abs() <= pct / 100.0 * x.abs().max(y.abs())
            }
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::parse_cell;

    fn cmp(kind: FieldKind) -> Comparison {
        Comparison::new("f", 0, kind, vec![0.92, 0.80], false)
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

    /// The label of the level a pair of cells reaches under a comparison of `kind` with
    /// `similarity`, `thresholds` and `within`.
    fn label(
        kind: FieldKind,
        similarity: Option<Similarity>,
        thresholds: &[f64],
        within: &[&str],
        a: &str,
        b: &str,
    ) -> String {
        let rules = crate::rules::Rules::builtin().comparison;
        let c = Comparison {
            similarity,
            within: within.iter().map(|w| Within::parse(w, kind).unwrap()).collect(),
            ..Comparison::new("f", 0, kind, thresholds.to_vec(), false)
        };
        let (x, y) = (parse_cell(kind, a).unwrap(), parse_cell(kind, b).unwrap());
        match c.level(x.as_ref(), y.as_ref(), &rules) {
            Some(l) => c.labels()[l as usize].clone(),
            None => "null".into(),
        }
    }

    #[test]
    fn every_similarity_puts_pairs_at_its_levels() {
        use FieldKind::*;
        use Similarity::*;
        let t = [0.9, 0.7];
        let cases: &[(FieldKind, Similarity, &str, &str, &str)] = &[
            // Jaro-Winkler forgives a late typo more than Levenshtein does.
            (Name, JaroWinkler, "martha", "marhta", "jaro-winkler>=0.90"),
            (Name, Levenshtein, "martha", "marhta", "else"),
            // A swap of neighbours is one Damerau edit, two Levenshtein edits.
            (Name, Damerau, "martha", "marhta", "damerau>=0.70"),
            (Name, Damerau, "abcdefghij", "abcdefghji", "damerau>=0.90"),
            (Name, Levenshtein, "abcdefghij", "abcdefghji", "levenshtein>=0.70"),
            // Token sets ignore order and repeats.
            (
                Text,
                TokenSet,
                "Smith, J.; Jones, K.",
                "Jones K; Smith J",
                "token-set>=0.90",
            ),
            (Text, TokenSet, "smith jones", "jones smith", "token-set>=0.90"),
            (Text, TokenSet, "smith jones brown", "jones smith", "else"),
            (
                Text,
                TokenSet,
                "a b c d e f g h i j",
                "a b c d e f g h i",
                "token-set>=0.90",
            ),
            (Text, TokenSet, "a b c d", "a b c e", "else"),
            (Name, Exact, "martha", "marhta", "else"),
            (Name, Exact, "Martha", "MARTHA", "exact"),
            (Code, Postcode, "SW1A 1AA", "SW1A 1AB", "sector"),
            (Code, Postcode, "SW1A 1AA", "SW1A 2AA", "district"),
            (Code, Postcode, "SW1A 1AA", "SW9 1AA", "area"),
            (Code, Postcode, "SW1A 1AA", "N1 9GU", "else"),
            (Code, Postcode, "2600", "2601", "sector"),
            (Code, Postcode, "2600", "2611", "district"),
            (Code, Postcode, "2600", "2711", "area"),
            (Code, Postcode, "2600", "3600", "else"),
        ];
        for &(kind, sim, a, b, want) in cases {
            let th: &[f64] = if sim.has_thresholds() { &t } else { &[] };
            assert_eq!(label(kind, Some(sim), th, &[], a, b), want, "{sim:?} {a} {b}");
        }
        // A code compares at one edit by default, or exactly when asked.
        assert_eq!(label(Code, None, &[], &[], "1234567", "1234576"), "one-edit");
        assert_eq!(label(Code, Some(Exact), &[], &[], "1234567", "1234576"), "else");
        assert_eq!(label(Name, None, &[], &[], "x", ""), "null");
    }

    #[test]
    fn the_level_count_is_the_labels_count() {
        let rules = |kind| {
            [
                None,
                Some(Similarity::Exact),
                Some(Similarity::Postcode),
                Some(Similarity::TokenSet),
            ]
            .map(move |s| {
                let within = match kind {
                    FieldKind::Date => vec![Within::parse("1 year", kind).unwrap()],
                    _ => Vec::new(),
                };
                Comparison {
                    similarity: s,
                    within,
                    ..cmp(kind)
                }
            })
        };
        for kind in [
            FieldKind::Date,
            FieldKind::Name,
            FieldKind::Code,
            FieldKind::Text,
            FieldKind::Number,
        ] {
            for c in rules(kind) {
                assert_eq!(c.level_count(), c.labels().len(), "{c:?}");
            }
        }
    }

    #[test]
    fn distance_levels_follow_the_similarity_levels() {
        use FieldKind::*;
        let within = ["10 days", "1 month", "2 years"];
        let date = |a, b| label(Date, None, &[], &within, a, b);
        assert_eq!(date("1952-09-06", "1952-09-06"), "exact");
        assert_eq!(date("1952-09-06", "1952-09"), "compatible");
        assert_eq!(date("1952-09-06", "1952-09-07"), "one-edit");
        assert_eq!(date("1952-09-06", "1952-09-15"), "within 10 days");
        assert_eq!(date("1952-09-06", "1952-10-01"), "within 1 month");
        assert_eq!(date("1952-09-06", "1954-01-01"), "within 2 years");
        assert_eq!(date("1952-09-06", "1955-01-01"), "else");
        let exact_date = |a, b| label(Date, Some(Similarity::Exact), &[], &["1 year"], a, b);
        assert_eq!(exact_date("1952-09-06", "1952-09-07"), "within 1 year");
        let number = |a, b| label(Number, None, &[0.99], &["2", "10%"], a, b);
        assert_eq!(number("100", "100"), "exact");
        assert_eq!(number("100", "99.5"), "similarity>=0.99");
        assert_eq!(number("30", "28"), "within 2");
        assert_eq!(number("100", "85"), "else");
        let relative = |a, b| label(Number, Some(Similarity::Exact), &[], &["2", "10%"], a, b);
        assert_eq!(relative("100", "91"), "within 10%");
        assert_eq!(relative("100", "89"), "else");
    }

    #[test]
    fn within_entries_are_read_or_refused_with_the_reason() {
        assert_eq!(Within::parse("3 days", FieldKind::Date).unwrap().limit(), 3.0);
        assert_eq!(Within::parse("1 year", FieldKind::Date).unwrap().limit(), 365.25);
        assert_eq!(Within::parse("10%", FieldKind::Number).unwrap(), Within::Relative(10.0));
        assert!(
            Within::parse("3 fortnights", FieldKind::Date)
                .unwrap_err()
                .contains("not a unit")
        );
        assert!(Within::parse("soon", FieldKind::Date).is_err());
        assert!(Within::parse("-1", FieldKind::Number).is_err());
        assert!(
            Within::parse("1 day", FieldKind::Name)
                .unwrap_err()
                .contains("date and number")
        );
    }
}
