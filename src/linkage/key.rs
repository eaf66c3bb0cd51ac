//! Blocking keys of a record: the key expressions of a table's blocking rules
//! ([`crate::schema::key`]) evaluated on a record's values.

use rphonetic::{DoubleMetaphone, Encoder, Soundex};

use crate::normalize::date::Precision;
use crate::normalize::fold;
use crate::record::{Record, Value};
use crate::schema::TableRules;
use crate::schema::key::{KeyExpr, KeyPart};

/// A key expression resolved against a schema: the field's position and the part taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Position of the field in the schema.
    pub field: usize,
    /// What part of it.
    pub part: KeyPart,
}

impl Key {
    /// Resolves `expr` against a table's fields (None: no such field; validation said so).
    pub fn resolve(expr: &KeyExpr, table: &TableRules) -> Option<Key> {
        Some(Key {
            field: table.field_index(&expr.field)?,
            part: expr.part.clone(),
        })
    }

    /// The record's key, None when it has none (a missing value, a part that is not there).
    pub fn of(&self, r: &Record) -> Option<String> {
        let value = r.value(self.field)?;
        let key = match &self.part {
            KeyPart::Whole => value.key(),
            KeyPart::Year => date_part(value, Precision::Year)?,
            KeyPart::Month => date_part(value, Precision::Month)?,
            KeyPart::Split(sep, i) => {
                let cell = fold(r.raw.fields.get(self.field)?.as_deref()?);
                let parts: Vec<&str> = cell.split(sep.as_str()).map(str::trim).collect();
                nth(parts.into_iter(), *i)?.to_string()
            }
            part => text_part(part, &value.key_str())?,
        };
        (!key.is_empty()).then_some(key)
    }
}

/// The year or month of a date value, None when the date is coarser (a year has no month).
fn date_part(value: &Value, precision: Precision) -> Option<String> {
    let d = value.as_date()?;
    (d.precision() >= precision).then(|| d.truncate(precision).to_string())
}

/// The i-th item, 1-based, negative from the end.
fn nth<'a>(items: impl DoubleEndedIterator<Item = &'a str>, i: i64) -> Option<&'a str> {
    let skip = (i.unsigned_abs() - 1) as usize;
    match i > 0 {
        true => items.into_iter().nth(skip),
        false => items.into_iter().rev().nth(skip),
    }
}

/// A part of a value's compared text.
fn text_part(part: &KeyPart, key: &str) -> Option<String> {
    let chars = || key.chars();
    Some(match part {
        KeyPart::Prefix(n) => chars().take(*n).collect(),
        KeyPart::Suffix(n) => {
            let len = chars().count();
            chars().skip(len.saturating_sub(*n)).collect()
        }
        KeyPart::Substr(start, n) => chars().skip(start - 1).take(*n).collect(),
        KeyPart::FirstWords(n) => key.split(' ').take(*n).collect::<Vec<_>>().join(" "),
        KeyPart::Word(i) => nth(key.split(' '), *i)?.to_string(),
        KeyPart::SortedWords => {
            let mut words: Vec<&str> = key.split(' ').collect();
            words.sort_unstable();
            words.join(" ")
        }
        // Phonetic codes read letters; the compared text is already folded to ASCII where
        // it can be (accents dropped), so "Müller" codes as "muller".
        KeyPart::Metaphone => DoubleMetaphone::default().encode(key),
        KeyPart::Soundex => Soundex::default().encode(key),
        KeyPart::Whole | KeyPart::Year | KeyPart::Month | KeyPart::Split(..) => return None,
    })
}

/// A record's key under a rule of several key expressions: their keys joined, None when one
/// is missing.
pub fn rule_key(r: &Record, keys: &[Key]) -> Option<String> {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        out.push_str(&k.of(r)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::prepare_row;
    use crate::record::RawRecord;

    fn table() -> TableRules {
        toml::from_str(
            r#"
            blocking = [{ name = "b", fields = ["name"] }]
            [[fields]]
            name = "name"
            kind = "name"
            [[fields]]
            name = "dob"
            kind = "date"
            [[fields]]
            name = "email"
            kind = "text"
            "#,
        )
        .unwrap()
    }

    fn record(name: &str, dob: &str, email: &str) -> Record {
        prepare_row(RawRecord::row_for_test(&[name, dob, email]), 0, &table()).0
    }

    fn key(expr: &str, r: &Record) -> Option<String> {
        Key::resolve(&KeyExpr::parse(expr).unwrap(), &table()).unwrap().of(r)
    }

    #[test]
    fn every_key_expression_takes_its_part() {
        let r = record("  Jean-Paul  Müller ", "1971-06-24", "Robert.Alan@Smith.NET");
        let cases = [
            ("name", Some("jean paul muller")),
            ("prefix(name, 4)", Some("jean")),
            ("suffix(name, 3)", Some("ler")),
            ("substr(name, 6, 4)", Some("paul")),
            ("substr(name, 99, 4)", None),
            ("first_words(name, 2)", Some("jean paul")),
            ("word(name, 1)", Some("jean")),
            ("word(name, -1)", Some("muller")),
            ("word(name, 4)", None),
            ("sorted_words(name)", Some("jean muller paul")),
            ("split(email, \"@\", 2)", Some("smith.net")),
            ("split(email, \"@\", -1)", Some("smith.net")),
            ("split(email, \"@\", 1)", Some("robert.alan")),
            ("split(email, \"#\", 2)", None),
            ("year(dob)", Some("1971")),
            ("month(dob)", Some("1971-06")),
            ("year(name)", None),
            ("metaphone(name)", Some("JNPL")),
            ("soundex(word(name, -1))", None),
        ];
        for (expr, want) in cases {
            if expr.starts_with("soundex(word") {
                // Nesting is not part of the language: refused when parsed.
                assert!(KeyExpr::parse(expr).is_err());
                continue;
            }
            assert_eq!(key(expr, &r).as_deref(), want, "{expr}");
        }
        let smith = record("Smith", "1971", "");
        let smyth = record("Smyth", "", "");
        assert_eq!(key("soundex(name)", &smith), key("soundex(name)", &smyth));
        assert_eq!(key("soundex(name)", &smith).as_deref(), Some("S530"));
        assert_eq!(key("metaphone(name)", &smith), key("metaphone(name)", &smyth));
        // A year-only date has no month; a missing value has no key.
        assert_eq!(key("month(dob)", &smith), None);
        assert_eq!(key("year(dob)", &smith).as_deref(), Some("1971"));
        assert_eq!(key("email", &smith), None);
    }

    #[test]
    fn a_rule_key_joins_its_parts_and_needs_all_of_them() {
        let r = record("Ann Lee", "1971-06-24", "");
        let keys: Vec<Key> = ["word(name, -1)", "year(dob)"]
            .iter()
            .map(|e| Key::resolve(&KeyExpr::parse(e).unwrap(), &table()).unwrap())
            .collect();
        assert_eq!(rule_key(&r, &keys).as_deref(), Some("lee|1971"));
        let no_email = Key::resolve(&KeyExpr::parse("email").unwrap(), &table()).unwrap();
        assert_eq!(rule_key(&r, &[keys[0].clone(), no_email]), None);
    }
}
