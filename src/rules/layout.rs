//! The layout language: how a `[[layouts]]` entry says what a page of an archive is. A
//! layout names the lines that begin a record (`record_start`, with named captures that are
//! fields), the fields a record's lines give in order (`fields`, `?` for one that may be
//! missing), lines labelled with their field (`labels`), the dates the archive writes
//! (`date_formats`, `month_names`) and its own furniture and markers. A layout that states
//! no `fields` is read as this site's pages are: a date line, a title, a description, with
//! the reader's shape judgements (title-less pages, dateless records by shape).

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;

use crate::error::Error;
use crate::normalize::date::{MONTH_NAMES, PartialDate};

/// One layout as a rules file writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutRules {
    /// Name written to provenance.
    pub name: String,
    /// A page is in this layout when a line matches (none: the fallback layout).
    pub detect: Option<String>,
    /// A line beginning with a match begins a record; its named captures are fields and the
    /// rest of the line is the record's next line. `record_marker` is its older name.
    #[serde(alias = "record_start")]
    pub record_marker: Option<String>,
    /// A line matching this separates records.
    pub record_separator: Option<String>,
    /// Records are delimited by date lines only, so a dateless record is told by its shape:
    /// after a description, a line that reads as a sentence continues it, any other line
    /// begins a dateless record.
    #[serde(default)]
    pub dateless_by_shape: bool,
    /// The record's fields in the order its lines give them (`"title?"`: may be missing).
    pub fields: Option<Vec<String>>,
    /// Field -> pattern with one capture: a record line it matches is that field.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Patterns with named groups `year`, `month`, `day`, for dates the built-in forms miss.
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// The twelve month names of `date_formats`, January first, alternatives split by `|`.
    pub month_names: Option<Vec<String>>,
    /// This layout's furniture, added to `[page]`'s on the pages it reads.
    #[serde(default)]
    pub furniture: Vec<String>,
    /// This layout's start markers, added to `[page]`'s on the pages it reads.
    #[serde(default)]
    pub start_markers: Vec<String>,
    /// This layout's end markers, added to `[page]`'s on the pages it reads.
    #[serde(default)]
    pub end_markers: Vec<String>,
    /// CSS selectors for a saved HTML page whose markup says more than its text: `record`
    /// picks each record's element, `date`, `title` and `description` a field within it.
    pub html: Option<HtmlSelectors>,
    /// The rules file that gave this layout (None: built in), named when it never matches.
    #[serde(skip)]
    pub from: Option<String>,
}

/// A layout's CSS selectors for HTML pages (`html = { record = "li.hit", title = "h3" }`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectors {
    /// Each record's element.
    pub record: String,
    /// The date within it (none: records have no date).
    pub date: Option<String>,
    /// The title within it.
    pub title: Option<String>,
    /// The description within it.
    pub description: Option<String>,
}

/// A field of a page record, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldName {
    /// The date line.
    Date,
    /// The title.
    Title,
    /// The description.
    Description,
    /// A field of the layout's own ("kind"), kept in provenance.
    Extra(Arc<str>),
}

impl FieldName {
    fn of(name: &str) -> FieldName {
        match name {
            "date" => FieldName::Date,
            "title" => FieldName::Title,
            "description" => FieldName::Description,
            other => FieldName::Extra(other.into()),
        }
    }

    /// The field's name as a rules file writes it.
    pub fn as_str(&self) -> &str {
        match self {
            FieldName::Date => "date",
            FieldName::Title => "title",
            FieldName::Description => "description",
            FieldName::Extra(name) => name,
        }
    }
}

/// One entry of `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Which field.
    pub name: FieldName,
    /// Written with a trailing `?`: a record may lack it.
    pub optional: bool,
}

/// A layout's own date forms: patterns with named groups, and the month names they use.
#[derive(Debug, Default)]
pub struct DateFormats {
    formats: Vec<Regex>,
    /// Lower-cased names per month (January first); empty: English.
    months: Vec<Vec<String>>,
}

impl DateFormats {
    /// True when the layout has formats of its own.
    pub fn any(&self) -> bool {
        !self.formats.is_empty()
    }

    /// The date the first format matching all of `text` names, with the precision of the
    /// groups that matched. `Some(None)`: a format matched but the calendar lacks the date
    /// (a date line that reads as no date); `None`: no format matched.
    pub fn read(&self, text: &str) -> Option<Option<PartialDate>> {
        let caps = self.formats.iter().find_map(|f| f.captures(text))?;
        let number = |g: &str| caps.name(g).map(|m| m.as_str().parse::<u16>().ok());
        let Some(Some(year)) = number("year") else {
            return Some(None);
        };
        let month = match caps.name("month") {
            None => None,
            Some(m) => match self.month(m.as_str()) {
                Some(m) => Some(m),
                None => return Some(None),
            },
        };
        let day = number("day").map(|d| d.and_then(|d| u8::try_from(d).ok()));
        let date = match day {
            Some(None) => None,
            Some(Some(d)) => month.and_then(|m| PartialDate::checked(year, Some(m), Some(d))),
            None => PartialDate::checked(year, month, None),
        };
        Some(date)
    }

    /// A month written as digits, a name of `month_names`, or (English by default) a name or
    /// its first three letters.
    fn month(&self, text: &str) -> Option<u8> {
        if let Ok(n) = text.parse::<u8>() {
            return Some(n);
        }
        let word = text.trim_end_matches('.').to_lowercase();
        let found = match self.months.is_empty() {
            true => MONTH_NAMES.iter().position(|m| {
                let m = m.to_lowercase();
                m == word || (word.chars().count() >= 3 && m.starts_with(&word))
            }),
            false => self.months.iter().position(|names| names.contains(&word)),
        };
        found.map(|i| i as u8 + 1)
    }
}

/// One layout with its regular expressions compiled.
#[derive(Debug)]
pub struct CompiledLayout {
    /// Layout name.
    pub name: String,
    /// Detection pattern.
    pub detect: Option<Regex>,
    /// Record start (a prefix, maybe with named captures).
    pub record_marker: Option<Regex>,
    /// Record separator.
    pub record_separator: Option<Regex>,
    /// Tell dateless records by their shape.
    pub dateless_by_shape: bool,
    /// The fields the record's lines give, in order; None: the site's own reading.
    pub fields: Option<Vec<FieldSpec>>,
    /// Labelled lines, in the order of their field names.
    pub labels: Vec<(FieldName, Regex)>,
    /// The layout's own date forms.
    pub dates: DateFormats,
    /// Furniture of this layout's pages.
    pub furniture: Vec<Regex>,
    /// Start markers of this layout's pages.
    pub start_markers: Vec<Regex>,
    /// End markers of this layout's pages.
    pub end_markers: Vec<Regex>,
    /// CSS selectors for HTML pages, checked.
    pub html: Option<HtmlSelectors>,
}

impl CompiledLayout {
    /// True when the layout says what each line is (`fields`, `labels` or a start with named
    /// captures): the reader makes no shape judgement of its own.
    pub fn explicit(&self) -> bool {
        self.fields.is_some() || !self.labels.is_empty() || self.start_captures().next().is_some()
    }

    /// The fields the record start captures, by name.
    pub fn start_captures(&self) -> impl Iterator<Item = FieldName> + '_ {
        self.record_marker
            .iter()
            .flat_map(|r| r.capture_names().flatten().map(FieldName::of))
    }

    /// Lines of a record that come before its date line (its `fields` name some before
    /// `date`, and the start line captures none): the record begins that many lines earlier.
    pub fn lead(&self) -> usize {
        if self.start_captures().any(|f| f == FieldName::Date) || self.record_marker.is_some() {
            return 0;
        }
        self.fields
            .as_ref()
            .and_then(|fs| fs.iter().position(|f| f.name == FieldName::Date))
            .unwrap_or(0)
    }
}

/// A pattern of `what`, compiled.
pub fn compile(file: &str, pattern: &str, what: &str) -> Result<Regex, Error> {
    Regex::new(pattern).map_err(|e| Error::Rules {
        file: file.to_string(),
        message: format!("{what}: invalid regular expression {pattern:?}: {e}"),
    })
}

/// Patterns of `what`, compiled.
pub fn compile_all(file: &str, patterns: &[String], what: &str) -> Result<Vec<Regex>, Error> {
    patterns.iter().map(|p| compile(file, p, what)).collect()
}

impl LayoutRules {
    /// The fields of its own the layout names (in `fields`, `labels` or the record start's
    /// captures), besides date, title and description.
    pub fn field_names(&self) -> Vec<String> {
        let written = self
            .fields
            .iter()
            .flatten()
            .map(|f| f.trim_end_matches('?').to_string());
        let labelled = self.labels.keys().cloned();
        let captured = self
            .record_marker
            .as_deref()
            .and_then(|p| Regex::new(p).ok())
            .map(|r| r.capture_names().flatten().map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default();
        written
            .chain(labelled)
            .chain(captured)
            .filter(|n| matches!(FieldName::of(n), FieldName::Extra(_)))
            .collect()
    }

    /// Compiles the layout, or says what is wrong with it, naming the key.
    pub fn compile(&self, file: &str) -> Result<CompiledLayout, Error> {
        let c = KeyCompiler {
            file,
            layout: &self.name,
        };
        let fields = self
            .fields
            .as_ref()
            .map(|fs| fields(fs))
            .transpose()
            .map_err(|m| c.wrong("fields", m))?;
        // Matched at the start of a line, as documented, whether or not the pattern says `^`.
        let start = self.record_marker.as_ref().map(|p| format!("^(?:{p})"));
        let layout = CompiledLayout {
            name: self.name.clone(),
            detect: c.optional(&self.detect, "detect")?,
            record_marker: c.line_pattern(&start, "record_start")?,
            record_separator: c.line_pattern(&self.record_separator, "record_separator")?,
            dateless_by_shape: self.dateless_by_shape,
            fields,
            labels: c.labels(&self.labels)?,
            dates: DateFormats {
                formats: c.date_formats(&self.date_formats)?,
                months: c.month_names(self.month_names.as_deref())?,
            },
            furniture: c.all(&self.furniture, "furniture")?,
            start_markers: c.all(&self.start_markers, "start_markers")?,
            end_markers: c.all(&self.end_markers, "end_markers")?,
            html: self.html.as_ref().map(|h| c.selectors(h)).transpose()?,
        };
        if let Some(fs) = &layout.fields
            && fs[..layout.lead()].iter().any(|f| f.optional)
        {
            let why =
                "the fields before \"date\" may not be optional: a record begins that many lines before its date line";
            return Err(c.wrong("fields", why));
        }
        Ok(layout)
    }
}

/// Compiles the keys of one layout, each error naming the file, the layout and the key.
struct KeyCompiler<'a> {
    file: &'a str,
    layout: &'a str,
}

impl KeyCompiler<'_> {
    /// The selectors of `html`, each checked to parse as CSS.
    fn selectors(&self, h: &HtmlSelectors) -> Result<HtmlSelectors, Error> {
        let all = [
            ("record", Some(&h.record)),
            ("date", h.date.as_ref()),
            ("title", h.title.as_ref()),
            ("description", h.description.as_ref()),
        ];
        for (key, css) in all {
            if let Some(css) = css
                && let Err(e) = scraper::Selector::parse(css)
            {
                return Err(self.wrong(&format!("html.{key}"), format!("invalid CSS selector {css:?}: {e}")));
            }
        }
        Ok(h.clone())
    }
}

impl KeyCompiler<'_> {
    fn key(&self, k: &str) -> String {
        format!("layouts ({:?}).{k}", self.layout)
    }

    fn wrong(&self, k: &str, message: impl std::fmt::Display) -> Error {
        Error::Rules {
            file: self.file.to_string(),
            message: format!("{}: {message}", self.key(k)),
        }
    }

    fn optional(&self, p: &Option<String>, k: &str) -> Result<Option<Regex>, Error> {
        p.as_deref().map(|p| compile(self.file, p, &self.key(k))).transpose()
    }

    fn all(&self, ps: &[String], k: &str) -> Result<Vec<Regex>, Error> {
        compile_all(self.file, ps, &self.key(k))
    }

    /// A pattern that tells lines apart: one that matches an empty text would match every
    /// line (every line a record, a separator or a field), and is refused.
    fn refuse_empty(&self, re: Regex, k: &str) -> Result<Regex, Error> {
        match re.is_match("") {
            true => Err(self.wrong(
                k,
                format!("{:?} matches an empty text, so it would match every line", re.as_str()),
            )),
            false => Ok(re),
        }
    }

    fn line_pattern(&self, p: &Option<String>, k: &str) -> Result<Option<Regex>, Error> {
        self.optional(p, k)?.map(|re| self.refuse_empty(re, k)).transpose()
    }

    /// Each label's pattern, with the capture group its value is.
    fn labels(&self, labels: &BTreeMap<String, String>) -> Result<Vec<(FieldName, Regex)>, Error> {
        labels
            .iter()
            .map(|(name, p)| {
                let k = format!("labels.{name}");
                let re = self.refuse_empty(compile(self.file, p, &self.key(&k))?, &k)?;
                match re.captures_len() > 1 {
                    true => Ok((FieldName::of(name), re)),
                    false => Err(self.wrong(&k, "the pattern needs a capture group: the field's value")),
                }
            })
            .collect()
    }

    /// Date formats, each with a group named year, matched against a whole date (anchored
    /// here whether or not the pattern says `^` and `$`: a format must not find a year inside
    /// a title).
    fn date_formats(&self, formats: &[String]) -> Result<Vec<Regex>, Error> {
        let whole: Vec<String> = formats.iter().map(|f| format!("^(?:{f})$")).collect();
        let formats = self.all(&whole, "date_formats")?;
        for f in &formats {
            if !f.capture_names().flatten().any(|n| n == "year") {
                return Err(self.wrong("date_formats", format!("{:?} has no group named year", f.as_str())));
            }
        }
        formats
            .into_iter()
            .map(|f| self.refuse_empty(f, "date_formats"))
            .collect()
    }

    /// Twelve months, each its names in lower case.
    fn month_names(&self, names: Option<&[String]>) -> Result<Vec<Vec<String>>, Error> {
        let Some(names) = names else { return Ok(Vec::new()) };
        if names.len() != 12 {
            return Err(self.wrong("month_names", format!("12 months are needed, {} given", names.len())));
        }
        let month = |n: &String| {
            n.split('|')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Ok(names.iter().map(month).collect())
    }
}

/// `fields` as written, checked: known shapes, each field once.
fn fields(written: &[String]) -> Result<Vec<FieldSpec>, String> {
    let mut specs: Vec<FieldSpec> = Vec::new();
    for w in written {
        let (name, optional) = match w.strip_suffix('?') {
            Some(n) => (n, true),
            None => (w.as_str(), false),
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "{w:?} is not a field name (letters, digits and _, then ? if it may be missing)"
            ));
        }
        let name = FieldName::of(name);
        if specs.iter().any(|s| s.name == name) {
            return Err(format!("{:?} is named twice", name.as_str()));
        }
        specs.push(FieldSpec { name, optional });
    }
    if specs.is_empty() {
        return Err("at least one field is needed".to_string());
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(toml: &str) -> Result<CompiledLayout, Error> {
        let l: LayoutRules = toml::from_str(&format!("name = \"t\"\n{toml}")).map_err(|e| Error::Rules {
            file: "t".into(),
            message: e.to_string(),
        })?;
        l.compile("t")
    }

    #[test]
    fn date_formats_read_numbers_and_month_names_at_their_precision() {
        let l = layout(
            "date_formats = ['^(?P<day>\\d{1,2})\\.(?P<month>\\d{1,2})\\.(?P<year>\\d{4})$', '^(?:(?P<day>\\d{1,2}) )?(?P<month>\\p{L}+) (?P<year>\\d{4})$']\n\
             month_names = ['janvier', 'février|fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août|aout', 'septembre', 'octobre', 'novembre', 'décembre|decembre']\n",
        )
        .unwrap();
        let read = |t: &str| l.dates.read(t).map(|d| d.map(|d| d.to_string()));
        assert_eq!(read("16.10.1962"), Some(Some("1962-10-16".into())));
        assert_eq!(read("16 octobre 1962"), Some(Some("1962-10-16".into())));
        assert_eq!(read("Octobre 1962"), Some(Some("1962-10".into())));
        assert_eq!(read("31.02.1962"), Some(None), "shaped, not in the calendar");
        assert_eq!(read("16 brumaire 1962"), Some(None), "not a month of the list");
        assert_eq!(read("Cable, 1962"), None);
    }

    #[test]
    fn a_date_format_reads_a_whole_date_only() {
        let l = layout("date_formats = ['(?P<year>\\d{4})']\n").unwrap();
        assert_eq!(
            l.dates.read("1962").flatten().map(|d| d.to_string()),
            Some("1962".into())
        );
        assert_eq!(l.dates.read("Report 1962 on the harbour"), None);
    }

    #[test]
    fn english_months_by_default_and_by_three_letters() {
        let l = layout("date_formats = ['^(?P<year>\\d{4})/(?P<month>\\w+)$']\n").unwrap();
        assert_eq!(
            l.dates.read("1962/Oct").flatten().map(|d| d.to_string()),
            Some("1962-10".into())
        );
        assert_eq!(l.dates.read("1962/Oc"), Some(None));
    }

    #[test]
    fn fields_before_the_date_lead_the_record() {
        let l = layout("fields = ['title', 'date', 'description?']\n").unwrap();
        assert_eq!(l.lead(), 1);
        assert!(l.explicit());
        let start =
            layout("record_start = '^(?P<date>\\d{4}) \\| (?P<kind>.+)$'\nfields = ['title?', 'description']\n")
                .unwrap();
        assert_eq!(start.lead(), 0);
        assert!(start.start_captures().any(|f| f == FieldName::Extra("kind".into())));
    }

    #[test]
    fn mistakes_name_their_key() {
        let err = |t: &str| layout(t).unwrap_err().to_string();
        assert!(err("fields = ['title?', 'date']\n").contains("may not be optional"));
        assert!(err("fields = ['title', 'title']\n").contains("named twice"));
        assert!(err("fields = ['ti tle']\n").contains("not a field name"));
        assert!(err("labels = { date = '^Date: .+$' }\n").contains("labels.date"));
        assert!(err("date_formats = ['^(?P<day>\\d+)$']\n").contains("no group named year"));
        assert!(err("month_names = ['a']\n").contains("12 months"));
        assert!(err("record_start = '(?P<kind>x?)'\n").contains("matches an empty text"));
        assert!(err("record_separator = '^-*$'\n").contains("matches an empty text"));
        assert!(err("labels = { kind = '^(.*)$' }\n").contains("matches an empty text"));
        assert!(err("date_formats = ['(?P<year>\\d*)']\n").contains("matches an empty text"));
    }

    #[test]
    fn a_record_start_matches_at_the_start_of_a_line_only() {
        let l = layout("record_start = 'Titre : (?P<title>.+)$'\n").unwrap();
        let start = l.record_marker.unwrap();
        assert!(start.is_match("Titre : Note"));
        assert!(!start.is_match("Résumé : voir la note Titre : B du dossier."));
    }
}
