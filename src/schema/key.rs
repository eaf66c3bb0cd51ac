//! Key expressions of a table's blocking rules: what part of a field two records must share to
//! be compared. A rule lists one or more; a record's key under the rule is their values
//! joined, and records with equal keys share a block (Splink's blocking rules, written as
//! data rather than SQL).
//!
//! | expression | the key |
//! |---|---|
//! | `surname` | the whole value, as compared (folded, words only; a date as written ISO) |
//! | `prefix(surname, 3)` / `suffix(postcode, 2)` | its first / last n characters |
//! | `substr(phone, 4, 3)` | n characters from a 1-based position |
//! | `first_words(title, 2)` / `word(name, -1)` | its first n words / its i-th word (1-based, negative from the end) |
//! | `sorted_words(name)` | its words in sorted order ("smith john" = "john smith") |
//! | `split(email, "@", 2)` | the i-th part of the cell split at a separator (1-based, negative from the end), lower case |
//! | `year(dob)` / `month(dob)` | the year / year and month of a date (a date field) |
//! | `metaphone(surname)` / `soundex(surname)` | a phonetic code: Double Metaphone (primary) or Soundex |
//!
//! A key that comes out empty (a missing value, a date without a month, a word that is not
//! there) makes no block: the record is not paired by that rule.
//!
//! The expressions are parsed here, by hand: they are a name and a few arguments, and a
//! parser crate would cost more than the thirty lines it would save.

use serde::{Deserialize, Serialize};

/// What part of a field a key takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyPart {
    /// The whole value.
    Whole,
    /// The first n characters.
    Prefix(usize),
    /// The last n characters.
    Suffix(usize),
    /// n characters from a 1-based position.
    Substr(usize, usize),
    /// The first n words.
    FirstWords(usize),
    /// The i-th word, 1-based; negative counts from the end.
    Word(i64),
    /// The words in sorted order.
    SortedWords,
    /// The i-th part of the folded cell split at a separator (1-based; negative from the end).
    Split(String, i64),
    /// The year of a date.
    Year,
    /// The year and month of a date.
    Month,
    /// Double Metaphone's primary code.
    Metaphone,
    /// Soundex.
    Soundex,
}

/// A key expression: a part of a named field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyExpr {
    /// The field.
    pub field: String,
    /// What part of it.
    pub part: KeyPart,
}

impl KeyExpr {
    /// Parses `field` or `function(field, args...)`.
    pub fn parse(text: &str) -> Result<KeyExpr, String> {
        let text = text.trim();
        let Some(open) = text.find('(') else {
            return match is_name(text) {
                true => Ok(KeyExpr {
                    field: text.to_string(),
                    part: KeyPart::Whole,
                }),
                false => Err(format!(
                    "{text:?} is neither a field name nor a key expression such as prefix(field, 3)"
                )),
            };
        };
        let inner = text[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| format!("{text:?}: missing the closing parenthesis"))?;
        let function = text[..open].trim();
        let args = split_args(inner).map_err(|e| format!("{text:?}: {e}"))?;
        let (field, rest) = args
            .split_first()
            .filter(|(f, _)| is_name(f))
            .ok_or_else(|| format!("{text:?}: the first argument must be a field name"))?;
        let part = part(function, rest).map_err(|e| format!("{text:?}: {e}"))?;
        Ok(KeyExpr {
            field: field.clone(),
            part,
        })
    }

    /// True when the key is the whole value: records sharing it agree on the field.
    pub fn is_whole(&self) -> bool {
        self.part == KeyPart::Whole
    }

    /// True when the key reads a date (a date field is needed).
    pub fn needs_date(&self) -> bool {
        matches!(self.part, KeyPart::Year | KeyPart::Month)
    }
}

impl std::fmt::Display for KeyExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = &self.field;
        match &self.part {
            KeyPart::Whole => write!(f, "{field}"),
            KeyPart::Prefix(n) => write!(f, "prefix({field}, {n})"),
            KeyPart::Suffix(n) => write!(f, "suffix({field}, {n})"),
            KeyPart::Substr(s, n) => write!(f, "substr({field}, {s}, {n})"),
            KeyPart::FirstWords(n) => write!(f, "first_words({field}, {n})"),
            KeyPart::Word(i) => write!(f, "word({field}, {i})"),
            KeyPart::SortedWords => write!(f, "sorted_words({field})"),
            KeyPart::Split(sep, i) => write!(f, "split({field}, {sep:?}, {i})"),
            KeyPart::Year => write!(f, "year({field})"),
            KeyPart::Month => write!(f, "month({field})"),
            KeyPart::Metaphone => write!(f, "metaphone({field})"),
            KeyPart::Soundex => write!(f, "soundex({field})"),
        }
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && !text.contains(['(', ')', ',', '"'])
}

/// The arguments between the parentheses, split at commas outside double quotes; a quoted
/// argument loses its quotes (a separator may be a comma).
fn split_args(inner: &str) -> Result<Vec<String>, String> {
    let mut args = vec![String::new()];
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => args.push(String::new()),
            c if quoted || !c.is_whitespace() => args.last_mut().into_iter().for_each(|a| a.push(c)),
            _ => {}
        }
    }
    if quoted {
        return Err("an unclosed quote".into());
    }
    Ok(args)
}

fn count(arg: Option<&String>, what: &str) -> Result<usize, String> {
    arg.and_then(|a| a.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{what} must be a whole number of at least 1"))
}

fn index(arg: Option<&String>) -> Result<i64, String> {
    arg.and_then(|a| a.parse::<i64>().ok())
        .filter(|i| *i != 0)
        .ok_or_else(|| "the position must be a whole number other than 0 (1 is the first, -1 the last)".into())
}

/// The part a function names, from its arguments after the field.
fn part(function: &str, args: &[String]) -> Result<KeyPart, String> {
    let arity = |n: usize| match args.len() == n {
        true => Ok(()),
        false => Err(format!("{function} takes {} argument(s) after the field", n)),
    };
    let part = match function {
        "prefix" => arity(1).and(count(args.first(), "n").map(KeyPart::Prefix)),
        "suffix" => arity(1).and(count(args.first(), "n").map(KeyPart::Suffix)),
        "substr" => arity(2).and_then(|_| {
            Ok(KeyPart::Substr(
                count(args.first(), "start")?,
                count(args.get(1), "length")?,
            ))
        }),
        "first_words" => arity(1).and(count(args.first(), "n").map(KeyPart::FirstWords)),
        "word" => arity(1).and(index(args.first()).map(KeyPart::Word)),
        "sorted_words" => arity(0).map(|_| KeyPart::SortedWords),
        "split" => arity(2).and_then(|_| {
            let sep = args
                .first()
                .filter(|s| !s.is_empty())
                .ok_or("the separator may not be empty")?;
            Ok(KeyPart::Split(sep.clone(), index(args.get(1))?))
        }),
        "year" => arity(0).map(|_| KeyPart::Year),
        "month" => arity(0).map(|_| KeyPart::Month),
        "metaphone" => arity(0).map(|_| KeyPart::Metaphone),
        "soundex" => arity(0).map(|_| KeyPart::Soundex),
        other => Err(format!(
            "unknown key function {other:?} (prefix, suffix, substr, first_words, word, sorted_words, split, year, month, metaphone, soundex)"
        )),
    }?;
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_and_print_back() {
        for text in [
            "surname",
            "prefix(surname, 3)",
            "suffix(postcode, 2)",
            "substr(phone, 4, 3)",
            "first_words(title, 2)",
            "word(name, -1)",
            "sorted_words(name)",
            "split(email, \"@\", 2)",
            "split(list, \",\", 1)",
            "year(dob)",
            "month(dob)",
            "metaphone(surname)",
            "soundex(surname)",
        ] {
            let e = KeyExpr::parse(text).unwrap();
            assert_eq!(e.to_string(), text);
            assert_eq!(KeyExpr::parse(&e.to_string()).unwrap(), e);
        }
        assert!(KeyExpr::parse("surname").unwrap().is_whole());
        assert!(!KeyExpr::parse("prefix(surname,3)").unwrap().is_whole());
    }

    #[test]
    fn mistakes_are_refused_with_what_is_wrong() {
        for (text, needle) in [
            ("prefix(surname)", "takes 1 argument"),
            ("prefix(surname, 0)", "at least 1"),
            ("prefix(surname, x)", "whole number"),
            ("word(name, 0)", "other than 0"),
            ("split(email, \"@)", "unclosed quote"),
            ("split(email, \"\", 1)", "may not be empty"),
            ("upper(surname)", "unknown key function"),
            ("prefix(surname, 3", "closing parenthesis"),
            ("year()", "field name"),
            ("a,b", "neither a field"),
        ] {
            let e = KeyExpr::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
