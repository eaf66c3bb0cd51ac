//! Normalization for matching: the text a comparison sees, never the text an output shows.
//!
//! `fold` applies the policy: Unicode NFKC, case folding, diacritics removed (Säypiddin ~
//! Saypiddin), curly and straight quotes alike, `[ ]` and `( )` alike, dashes alike,
//! whitespace collapsed, invisible characters (see [`is_invisible`]) dropped. `match_key` goes one step further for similarity: only letters and
//! digits survive, as space-separated tokens, so punctuation variants cannot move a score.
//! [`date`] reads partial dates.

pub mod date;

use unicode_normalization::UnicodeNormalization;

use crate::error::Warning;
use crate::normalize::date::{PartialDate, Precision};
use crate::record::{RawRecord, Record, Text, Value};
use crate::schema::{FieldKind, Role, Schema, TableRules};
use unicode_normalization::char::is_combining_mark;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A character a reader does not see and that is not a space: a control character (`Cc`:
/// BEL, ESC, ...) or a format character (`Cf`: zero-width space and joiners, word joiner,
/// byte-order mark, soft hyphen, bidi marks). Scraped text carries them at random (a soft
/// hyphen where a page broke a word, a zero-width space a site inserted), so folding drops
/// them: "Tal\u{ad}ks" is "Talks". Whitespace controls (tab, line breaks) are spaces instead.
pub fn is_invisible(c: char) -> bool {
    // ASCII first: most text is, and its only invisible characters are controls.
    if c.is_ascii() {
        return c.is_ascii_control() && !c.is_whitespace();
    }
    !c.is_whitespace() && matches!(c.general_category(), GeneralCategory::Control | GeneralCategory::Format)
}

/// True when `text` holds an invisible character: such a form is never chosen into a
/// canonical field while a member offers a clean one.
pub fn has_invisible(text: &str) -> bool {
    text.chars().any(is_invisible)
}

/// Letters that neither NFKC nor NFD decompose but that a reader takes for plain Latin ones.
fn fold_letter(c: char, out: &mut String) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'þ' => out.push_str("th"),
        'ı' => out.push('i'),
        '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' | 'ʼ' | 'ʻ' => out.push('\''),
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => out.push('"'),
        '[' | '{' => out.push('('),
        ']' | '}' => out.push(')'),
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => out.push('-'),
        c => out.push(c),
    }
}

/// The normalized form of `text` (see the module docs). Idempotent.
pub fn fold(text: &str) -> String {
    // ASCII text is its own NFKC, NFD and NFC: skip the three Unicode passes (most of the
    // normalize stage's time) and fold the letters alone. Same result, byte for byte.
    if text.is_ascii() {
        return fold_ascii(text);
    }
    // Otherwise word by word, the Unicode passes only for words that need them. Exact: an
    // ASCII space is a starter that composes with nothing, so normalization never crosses it,
    // and folding collapses whitespace runs into single spaces anyway.
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_ascii_whitespace()) {
        let folded = if word.is_ascii() {
            fold_ascii(word)
        } else {
            fold_unicode(word)
        };
        if folded.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&folded);
    }
    out
}

fn fold_ascii(text: &str) -> String {
    fold_chars(text.chars().map(|c| c.to_ascii_lowercase()))
}

/// The full path: NFKC, lower case, NFD without combining marks, folded, NFC.
fn fold_unicode(text: &str) -> String {
    let lowered: String = text.nfkc().flat_map(char::to_lowercase).collect();
    // Recompose so that the result is stable under another pass of NFKC.
    fold_chars(lowered.nfd().filter(|c| !is_combining_mark(*c)))
        .nfc()
        .collect()
}

/// Whitespace collapsed and letters folded (`fold_letter`), over already lowered characters.
fn fold_chars(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        fold_letter(c, &mut out);
    }
    out
}

/// Letters and digits of `fold(text)` as space-separated tokens.
pub fn match_key(text: &str) -> String {
    if text.is_ascii() {
        return ascii_match_key(text);
    }
    tokens_of_folded(&fold(text)).collect::<Vec<_>>().join(" ")
}

/// [`match_key`] of ASCII text in one pass, without folding into a string first: letters and
/// digits lowered, every other character a separator except the invisible ones, which
/// folding drops (so "Tal\x07ks" is one word). Most scraped text is ASCII, and this is most
/// of the normalize stage.
fn ascii_match_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else if !is_invisible(c) {
            gap = true;
        }
    }
    out
}

/// Tokens (runs of letters and digits) of already folded text.
pub fn tokens_of_folded(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty())
}

/// The numbers written in a text ("Telegram No. 25553" -> ["25553"]), sorted and unique:
/// two titles that name different numbers are different documents.
pub fn numbers(key: &str) -> Vec<String> {
    let mut out: Vec<String> = key
        .split(' ')
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| t.trim_start_matches('0').to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The normalize stage for a page record: its fields (by the page schema) become typed
/// values. `page` is the index of its page in the run. An unusable date line is a missing
/// date (the page reader already warned of what it could not read); an empty title or
/// description is a missing value.
pub fn prepare(raw: RawRecord, page: u32) -> Record {
    let schema = Schema::page();
    let date = page_date(&raw);
    let values = schema
        .fields
        .iter()
        .zip(&raw.fields)
        .enumerate()
        .map(|(f, (field, cell))| {
            let cell = cell.as_deref()?;
            match field.kind {
                FieldKind::Date => date.map(Value::Date),
                // Only a title's numbers are compared (numbers_must_agree).
                _ => text_value(cell, schema.role(Role::Title) == Some(f)),
            }
        })
        .collect();
    Record::new(raw, values, page)
}

/// A page record's date: as its layout's own `date_formats` read it, else as a page writes
/// dates (not as a table's cell). None for an unusable date line.
pub fn page_date(raw: &RawRecord) -> Option<crate::normalize::date::PartialDate> {
    raw.layout_fields
        .as_ref()
        .and_then(|l| l.date)
        .or_else(|| crate::normalize::date::parse(raw.date()?))
}

/// The normalize stage for a table row: each cell read as its field's kind. A cell that
/// cannot be read (an unparseable date) becomes a missing value, and is given back with its
/// place: the run warns of such cells once per field ([`unreadable_warnings`]), not once per
/// cell (one table gave 2,987 such lines); the record is kept.
pub fn prepare_row(raw: RawRecord, page: u32, table: &TableRules) -> (Record, Vec<Unreadable>) {
    let mut unreadable = Vec::new();
    let values = table
        .fields
        .iter()
        .zip(&raw.fields)
        .enumerate()
        .map(|(field, (f, cell))| {
            let cell = cell.as_deref()?;
            parse_cell(f.kind, cell).unwrap_or_else(|_| {
                unreadable.push(Unreadable {
                    field,
                    file: raw.provenance.file.clone(),
                    line: raw.provenance.line,
                    cell: cell.to_string(),
                });
                None
            })
        })
        .collect();
    (Record::new(raw, values, page), unreadable)
}

/// A table cell that could not be read as its field's kind (its value is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The field's index in the `[table]` mapping.
    pub field: usize,
    /// The file of the row.
    pub file: std::sync::Arc<str>,
    /// The row's line.
    pub line: usize,
    /// The cell as written.
    pub cell: String,
}

/// Unreadable cells quoted in a field's warning: enough to see what went wrong, and the
/// count says how often.
const UNREADABLE_EXAMPLES: usize = 3;

/// One warning per field of the cells that could not be read (given in row order): their
/// count and the first few, each with its file and line.
pub fn unreadable_warnings(table: &TableRules, cells: impl IntoIterator<Item = Unreadable>) -> Vec<Warning> {
    let mut by_field: std::collections::BTreeMap<usize, Vec<Unreadable>> = Default::default();
    for c in cells {
        by_field.entry(c.field).or_default().push(c);
    }
    (by_field.into_iter())
        .filter_map(|(f, cells)| Some(field_warning(table.fields.get(f)?, &cells)))
        .collect()
}

/// The warning of one field's unreadable cells. Its file is theirs when they are all in one.
fn field_warning(field: &crate::schema::FieldRule, cells: &[Unreadable]) -> Warning {
    let examples: Vec<String> = (cells.iter().take(UNREADABLE_EXAMPLES))
        .map(|c| format!("line {} of {}: {:?}", c.line, c.file, c.cell))
        .collect();
    let (count, those) = match cells.len() {
        1 => ("1 cell".to_string(), "the value is"),
        n => (format!("{} cells", thousands(n)), "those values are"),
    };
    let first = if cells.len() > 1 { "first: " } else { "" };
    let message = format!(
        "field {:?}: {count} could not be read as {} ({first}{}); {those} treated as missing",
        field.name,
        kind_name(field.kind),
        examples.join("; ")
    );
    let file = cells
        .first()
        .map(|c| &c.file)
        .filter(|f| cells.iter().all(|c| c.file == **f));
    match file {
        Some(file) => Warning::at(file, None, message),
        None => Warning::general(message),
    }
}

/// A field kind as the rules file writes it (`date`, `number`): the word a reader of the
/// warning can look up in their mapping.
fn kind_name(kind: FieldKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}").to_lowercase(),
    }
}

/// `n` with its thousands apart (2,987), as counts are written for a reader.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A page text as a value: its match key, with its numbers when `with_numbers`; None when
/// nothing of it survives normalization.
fn text_value(text: &str, with_numbers: bool) -> Option<Value> {
    let key = match_key(text);
    if key.is_empty() {
        return None;
    }
    let numbers = with_numbers
        .then(|| numbers(&key))
        .filter(|n| !n.is_empty())
        .map(Box::new);
    Some(Value::Text(Text {
        key: key.into(),
        numbers,
    }))
}

/// Reads one table cell as `kind`. `Ok(None)` is a missing value; `Err` says why the cell
/// could not be read (the caller keeps the record with the value missing, and warns).
pub fn parse_cell(kind: FieldKind, raw: &str) -> Result<Option<Value>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value = match kind {
        FieldKind::Date => Value::Date(parse_date(text).ok_or_else(|| format!("unparseable date {text:?}"))?),
        FieldKind::Text | FieldKind::Name => Value::text(match_key(text)),
        // Codes keep only letters and digits: "2 600" and "2600" are one postcode.
        FieldKind::Code => Value::text(fold(text).chars().filter(|c| c.is_alphanumeric()).collect()),
        FieldKind::Number => Value::Number(
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("not a number {text:?}"))?,
        ),
    };
    Ok(match &value {
        Value::Text(t) if t.key.is_empty() => None,
        _ => Some(value),
    })
}

/// A table date: what [`crate::normalize::date::parse_cell`] reads (a page's forms, and years
/// before 1000 written with four digits), and the compact `YYYYMMDD` / `YYYYMM` forms that
/// exports use.
fn parse_date(text: &str) -> Option<PartialDate> {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    let parse = crate::normalize::date::parse_cell;
    match text.len() {
        8 if digits => parse(&format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..])),
        6 if digits => parse(&format!("{}-{}", &text[..4], &text[4..])),
        _ => parse(text),
    }
}

/// Characters of a description's normalized key that tell documents apart in
/// [`mark_shared_titles`]: truncated copies shorter than this still agree with the full one.
const DESCRIPTION_HEAD: usize = 24;

/// What the run's other records say of a record's title (a term-frequency signal): the
/// evidence a match on the title alone, or on a truncated description, needs besides the
/// title itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TitleSignal {
    /// The title, at a date that fits the record's own, does not identify one document (see
    /// [`mark_shared_titles`]): a match on it alone is not evidence enough.
    pub shared: bool,
    /// No other document carries the title within the record's own date: records of the
    /// title inside that date begin their descriptions alike (or have none).
    pub alone_within: bool,
    /// Where no other document of the title begins its description with this record's
    /// whole description: a truncated copy's lost text could hide another document only if
    /// another began alike.
    pub alike: Alike,
    /// `alone_within`, and by how many documents carry the title in the whole run, none
    /// other is expected within the record's date: a copy of the title at a finer date
    /// inside it is most likely this document. An undated record's date is the whole run:
    /// its title is rare when no dated record carries it.
    pub rare: bool,
    /// The same signals for a pair neither of whose records shows a description.
    pub undescribed: Undescribed,
}

/// For a record with a description: within the run, and within its date cut to the year,
/// month and day, no other document of its title begins its description with this record's
/// whole description. False where the record's date is coarser than the scope, and for a
/// record without a description.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Alike {
    /// Within the whole run (the scope of an undated pair).
    pub run: bool,
    /// Within the record's year.
    pub year: bool,
    /// Within the record's month.
    pub month: bool,
    /// Within the record's day.
    pub day: bool,
}

impl Alike {
    /// `one` asked of the run (`None`) and of `date` cut to each precision it has.
    fn of(date: Option<PartialDate>, one: impl Fn(Option<PartialDate>) -> bool) -> Alike {
        let at = |p: Precision| {
            date.filter(|d| d.precision() >= p)
                .is_some_and(|d| one(Some(d.truncate(p))))
        };
        Alike {
            run: one(None),
            year: at(Precision::Year),
            month: at(Precision::Month),
            day: at(Precision::Day),
        }
    }

    /// Within `scope`: the run (`None`), or a date of that precision.
    pub fn within(&self, scope: Option<Precision>) -> bool {
        match scope {
            None => self.run,
            Some(Precision::Year) => self.year,
            Some(Precision::Month) => self.month,
            Some(Precision::Day) => self.day,
        }
    }
}

/// The scopes a record of `date` falls in: the run (`None`), then its date cut to each
/// precision it has (year, month, day).
fn date_scopes(date: Option<PartialDate>) -> impl Iterator<Item = Option<PartialDate>> {
    let cut = move |p: Precision| date.filter(|d| d.precision() >= p).map(|d| d.truncate(p));
    std::iter::once(None).chain(
        [Precision::Year, Precision::Month, Precision::Day]
            .into_iter()
            .filter_map(move |p| cut(p).map(Some)),
    )
}

/// True when sorted texts are at most one document: each begins the next (truncated copies
/// of one description stand just before it).
fn at_most_one_document<'a>(mut texts: impl Iterator<Item = &'a str>) -> bool {
    let Some(mut last) = texts.next() else { return true };
    texts.all(|t| {
        let begins = t.starts_with(last);
        last = t;
        begins
    })
}

/// The title signals for a pair of records neither of which shows a description. A
/// document that has a description shows it on most pages, so two copies without one are
/// most likely of a document without a description: the other documents such a pair could
/// be are only those, the run's share of records without a description of all the others.
/// Documents of the title are told apart by their descriptions' beginnings and by their
/// dates (two days are two documents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Undescribed {
    /// For a record dated to the day: the title does not identify one document on that day
    /// (two documents of it begin their descriptions differently there, or by the documents
    /// of the title in the year, another without a description is expected that day). For a
    /// coarser or missing date: [`TitleSignal::shared`].
    pub shared: bool,
    /// No other document carries the title within the record's month and, by the documents
    /// carrying it across the run, no other without a description is expected within it: a
    /// title-alone pair of this record and one known only to the month is one document.
    /// False for a record not known to the month.
    pub rare_in_month: bool,
    /// The same within the record's year.
    pub rare_in_year: bool,
}

impl TitleSignal {
    /// The signal of a title no other record carries.
    const ALONE: TitleSignal = TitleSignal {
        shared: false,
        alone_within: true,
        alike: Alike {
            run: true,
            year: true,
            month: true,
            day: true,
        },
        rare: true,
        undescribed: Undescribed {
            shared: false,
            rare_in_month: true,
            rare_in_year: true,
        },
    };

    /// For a pair neither of whose records shows a description: the title is rare within
    /// the record's date cut to `precision` (see [`Undescribed`]).
    pub fn undescribed_rare_in(&self, precision: Precision) -> bool {
        match precision {
            Precision::Day => false,
            Precision::Month => self.undescribed.rare_in_month,
            Precision::Year => self.undescribed.rare_in_year,
        }
    }
}

/// Marks each record's [`TitleSignal`].
///
/// Documents are told apart by the beginnings of their descriptions (truncated copies, one
/// head a prefix of the other, count as one). A record's title is shared when, within its
/// date (the day for a record dated to the day, the month, or the year), records carrying it
/// begin their descriptions differently; or when, by the number of documents carrying it in
/// the year, the other documents expected to fall within the record's date (one in 365 per
/// document for a day, one in 12 for a month) reach `max_expected_others`: a common title
/// ("Minutes of the Meeting of the Politburo") is likely to meet another document on the
/// same day, a rare one is not. A record known only to the month or year shares its title
/// too when records carry it at a finer date inside its own: a copy without a description
/// could belong to that document as well as to another shown as coarsely. Records without a
/// date count every year.
///
/// A record's title is rare when no other document carries it within the record's date and,
/// by the documents carrying it across the run (its distinct dates, a coarse date that holds
/// a finer one counting once), the others expected within that date (their number times the
/// date's share of the months the run's dates span) stay under `max_expected_others`. The
/// year is too small a sample for a title a handful of documents carry: the run is not.
pub fn mark_shared_titles(records: &mut [Record], max_expected_others: f64) {
    use rayon::prelude::*;
    // Records grouped by title (sorted, not hashed: titles are long and a million of them
    // hash slowly); each group is judged on its own, in parallel.
    // Sorted as (title, index) pairs: a comparison then reads the two titles only, not each
    // record and its values first (a cache miss each, 20 million times at 1M records).
    // A missing title is no evidence: title-less records are not one group of a shared title.
    let mut order: Vec<(&str, u32)> = records
        .par_iter()
        .enumerate()
        .filter(|(_, r)| !r.title_key().is_empty())
        .map(|(i, r)| (r.title_key(), i as u32))
        .collect();
    order.par_sort_unstable();
    let undescribed = records.par_iter().filter(|r| r.description_key().is_none()).count();
    let scope = TitleScope {
        max_expected_others,
        span_months: span_months(records),
        undescribed_share: undescribed as f64 / records.len().max(1) as f64,
    };
    let groups: Vec<&[(&str, u32)]> = order.chunk_by(|a, b| a.0 == b.0).collect();
    let signals: Vec<(u32, TitleSignal)> = groups
        .par_iter()
        .flat_map_iter(|g| match g {
            // A title one record carries (most titles of a run): nothing shares it, and no
            // other document of it is expected anywhere. No tables, and no list, for it.
            [(_, i)] => rayon::iter::Either::Left(std::iter::once((*i, TitleSignal::ALONE))),
            _ => rayon::iter::Either::Right(signals_in_group(records, g, &scope).into_iter()),
        })
        .collect();
    for (i, signal) in signals {
        records[i as usize].title_signal = signal;
    }
}

/// Months from the run's earliest date to its latest (at least one).
fn span_months(records: &[Record]) -> f64 {
    use rayon::prelude::*;
    let month_index = |d: PartialDate| i64::from(d.year) * 12 + i64::from(d.month.unwrap_or(1)) - 1;
    let last = |d: PartialDate| i64::from(d.year) * 12 + i64::from(d.month.unwrap_or(12)) - 1;
    let (lo, hi) = records
        .par_iter()
        .filter_map(Record::date)
        .map(|d| (month_index(d), last(d)))
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if lo > hi { 1.0 } else { (hi - lo + 1) as f64 }
}

/// The run-wide figures [`signals_in_group`] judges a title by.
struct TitleScope {
    max_expected_others: f64,
    span_months: f64,
    /// The share of the run's records that show no description.
    undescribed_share: f64,
}

/// The [`TitleSignal`] of each record of `group` (one title) that has any.
fn signals_in_group(records: &[Record], group: &[(&str, u32)], scope: &TitleScope) -> Vec<(u32, TitleSignal)> {
    use std::collections::{HashMap, HashSet};
    let mut heads: HashMap<Option<PartialDate>, Vec<&str>> = HashMap::new();
    // The whole descriptions per date, for the documents a truncated copy could be.
    let mut texts: HashMap<Option<PartialDate>, Vec<&str>> = HashMap::new();
    // Months and years that hold a record of the title at a finer date.
    let mut finer: HashSet<PartialDate> = HashSet::new();
    let mut dates: HashSet<PartialDate> = HashSet::new();
    for &(_, i) in group {
        let r = &records[i as usize];
        let coarser = |date: PartialDate| {
            [Precision::Month, Precision::Year]
                .into_iter()
                .filter(move |&p| date.precision() > p)
                .map(move |p| date.truncate(p))
        };
        if let Some(date) = r.date() {
            finer.extend(coarser(date));
            dates.insert(date);
        }
        let Some(d) = r.description_key() else { continue };
        let end = d.char_indices().nth(DESCRIPTION_HEAD).map_or(d.len(), |(i, _)| i);
        for scope in date_scopes(r.date()) {
            heads.entry(scope).or_default().push(&d[..end]);
            texts.entry(scope).or_default().push(d);
        }
    }
    // Heads and texts per date, sorted: a prefix stands just before the texts it begins.
    for hs in heads.values_mut().chain(texts.values_mut()) {
        hs.sort_unstable();
    }
    let documents = |hs: &[&str]| 1 + hs.windows(2).filter(|w| !w[1].starts_with(w[0])).count();
    let count = |scope| heads.get(&scope).map_or(0, |hs| documents(hs));
    // For each scope a record's date falls in (the run, its year, month, day): no other
    // document there begins its description with the record's whole description, so a
    // truncated copy of it is this document.
    let alike = |r: &Record| {
        let Some(d) = r.description_key() else {
            return Alike::default();
        };
        Alike::of(r.date(), |scope| {
            let Some(ts) = texts.get(&scope) else { return true };
            let start = ts.partition_point(|t| *t < d);
            at_most_one_document(ts[start..].iter().copied().take_while(|t| t.starts_with(d)))
        })
    };
    // Documents of the title across the run: its dates, a coarse one holding a finer counting
    // once (it may be the finer one's copy).
    let in_run = dates.iter().filter(|d| !finer.contains(d)).count();
    let is_shared = |r: &Record| {
        if count(r.date()) > 1 {
            return true;
        }
        let Some(date) = r.date() else { return false };
        if date.precision() < Precision::Day && finer.contains(&date) {
            return true;
        }
        let others = count(Some(date.truncate(Precision::Year))).saturating_sub(1);
        others as f64 * share_of_year(date) >= scope.max_expected_others
    };
    let is_rare = |r: &Record| {
        // Undated, the record's date is the whole run: no dated document may carry the title.
        let Some(date) = r.date() else { return in_run == 0 };
        let months = 12.0 * share_of_year(date);
        in_run.saturating_sub(1) as f64 * months / scope.span_months < scope.max_expected_others
    };
    // Dates no finer date of the title lies inside: one document each, at the least.
    let leaves: Vec<PartialDate> = dates.iter().filter(|d| !finer.contains(d)).copied().collect();
    let documents_within = |window: PartialDate| {
        let p = window.precision();
        let by_date = leaves
            .iter()
            .filter(|d| d.precision() >= p && d.truncate(p) == window)
            .count();
        count(Some(window)).max(by_date)
    };
    let undescribed_rare_in = |r: &Record, p: Precision| {
        let Some(date) = r.date().filter(|d| d.precision() >= p) else {
            return false;
        };
        let months = if p == Precision::Month { 1.0 } else { 12.0 };
        let expected = in_run.saturating_sub(1) as f64 * months / scope.span_months * scope.undescribed_share;
        documents_within(date.truncate(p)) <= 1 && expected < scope.max_expected_others
    };
    let undescribed_shared = |r: &Record| match r.date() {
        Some(date) if date.precision() == Precision::Day => {
            let others = documents_within(date.truncate(Precision::Year)).saturating_sub(1);
            count(Some(date)) > 1
                || others as f64 * share_of_year(date) * scope.undescribed_share >= scope.max_expected_others
        }
        _ => is_shared(r),
    };
    group
        .iter()
        .filter_map(|&(_, i)| {
            let r = &records[i as usize];
            let alone_within = count(r.date()) <= 1;
            let signal = TitleSignal {
                shared: is_shared(r),
                alone_within,
                alike: alike(r),
                rare: alone_within && is_rare(r),
                undescribed: Undescribed {
                    shared: undescribed_shared(r),
                    rare_in_month: undescribed_rare_in(r, Precision::Month),
                    rare_in_year: undescribed_rare_in(r, Precision::Year),
                },
            };
            (signal != TitleSignal::default()).then_some((i, signal))
        })
        .collect()
}

/// The share of a year a date covers: one in 365 for a day, one in 12 for a month.
fn share_of_year(date: PartialDate) -> f64 {
    match date.precision() {
        Precision::Day => 1.0 / 365.0,
        Precision::Month => 1.0 / 12.0,
        Precision::Year => 1.0,
    }
}

/// True for a record cut off by its page inside its title: no description after it, or a
/// title shorter than `min_chars` ("The", "Polish M"). Compared as a prefix, it links only
/// when its beginning identifies one document (see [`mark_cut_titles`]).
pub fn is_cut_title(r: &Record, min_chars: usize) -> bool {
    r.raw.partial
        && !r.title_key().is_empty()
        && (r.description_key().is_none() || r.title_key().chars().count() < min_chars)
}

/// For each record cut off by its page inside a short title ([`is_cut_title`]),
/// counts the documents its title may begin, a per-run index of titles by year: the
/// documents (distinct titles) on other pages whose date is compatible with its own (or
/// missing: an undated record may be of any date) and whose title begins with its title;
/// and marks it `cut_title_common` when the beginning is common, by the term-frequency
/// estimate of the title-only rule: the other documents of its year beginning so, one in
/// 365 for a record dated to the day, one in 12 for a month, reach `max_expected_others`.
/// A record cut after "The" begins hundreds of titles; one cut after "Polish M" may begin one.
/// Nothing is done (nor indexed) when the run holds no such record.
pub fn mark_cut_titles(records: &mut [Record], rules: &crate::rules::ComparisonRules) {
    use crate::normalize::date::{PartialDate, Precision};
    use rayon::prelude::*;
    let min = rules.min_title_prefix_chars;
    let probes: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| is_cut_title(&records[i as usize], min))
        .collect();
    if probes.is_empty() {
        return;
    }
    // Every other titled record by (year, title): the titles of a year that begin with a
    // text are one range of it. Cut short titles are no documents to count.
    type Entry<'r> = (Option<PartialDate>, &'r str, u32);
    let year = |r: &Record| r.date().map(|d| d.truncate(Precision::Year));
    let mut index: Vec<Entry> = records
        .par_iter()
        .enumerate()
        .filter(|(_, r)| !r.title_key().is_empty() && !is_cut_title(r, min))
        .map(|(i, r)| (year(r), r.title_key(), i as u32))
        .collect();
    index.par_sort_unstable();
    let mut years: Vec<Option<PartialDate>> = index.iter().map(|e| e.0).collect();
    years.dedup();
    let counted: Vec<(u32, u16, bool)> = probes
        .par_iter()
        .map(|&p| {
            let probe = &records[p as usize];
            let prefix = probe.title_key();
            // The years whose titles may be the same document: its own and the undated, or
            // every year for an undated record.
            let scanned: Vec<Option<PartialDate>> = match year(probe) {
                Some(y) => vec![None, Some(y)],
                None => years.clone(),
            };
            let (mut compatible, mut of_year): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
            for y in scanned {
                let start = index.partition_point(|e| (e.0, e.1) < (y, prefix));
                for &(ey, title, i) in index[start..]
                    .iter()
                    .take_while(|e| e.0 == y && e.1.starts_with(prefix))
                {
                    let r = &records[i as usize];
                    let fits = match (probe.date(), r.date()) {
                        (Some(a), Some(b)) => a.compatible(&b),
                        _ => true,
                    };
                    if fits && r.page != probe.page {
                        compatible.push(title);
                    }
                    if ey.is_some() || probe.date().is_none() {
                        of_year.push(title);
                    }
                }
            }
            let documents = |mut titles: Vec<&str>| {
                titles.sort_unstable();
                titles.dedup();
                titles.len()
            };
            let share = match probe.date().map(|d| d.precision()) {
                Some(Precision::Day) => 1.0 / 365.0,
                Some(Precision::Month) => 1.0 / 12.0,
                Some(Precision::Year) | None => 1.0,
            };
            let others = documents(of_year).saturating_sub(1);
            let common = others as f64 * share >= rules.title_only_max_expected_others;
            let count = u16::try_from(documents(compatible)).unwrap_or(u16::MAX);
            (p, count, common)
        })
        .collect();
    drop(index);
    for (i, count, common) in counted {
        let r = &mut records[i as usize];
        r.cut_title_documents = count;
        r.cut_title_common = common;
    }
}

/// Marks each record's `description_alike`: where (the run, its year, month, day) no other
/// document begins its description with the record's description, documents told apart by
/// their descriptions (one a prefix of another counts once: truncated copies). A truncated
/// description without a title to compare links only where it identifies one document so.
/// Nothing is done (nor indexed) when the run holds no title-less record with a description.
pub fn mark_alike_descriptions(records: &mut [Record]) {
    use rayon::prelude::*;
    if !records
        .par_iter()
        .any(|r| r.title_key().is_empty() && r.description_key().is_some())
    {
        return;
    }
    // Every description under each date it falls in (sorted: the descriptions a text begins
    // are one range after it). Scopes are the run (None) and the record's date cut to each
    // precision it has: dates of different precisions are different values.
    let mut index: Vec<(Option<PartialDate>, &str)> = records
        .par_iter()
        .filter_map(|r| Some((r.date(), r.description_key()?)))
        .flat_map_iter(|(date, d)| date_scopes(date).map(move |s| (s, d)))
        .collect();
    index.par_sort_unstable();
    let marks: Vec<Alike> = records
        .par_iter()
        .map(|r| {
            let Some(d) = r.description_key() else {
                return Alike::default();
            };
            Alike::of(r.date(), |scope| {
                let start = index.partition_point(|e| *e < (scope, d));
                let texts = index[start..]
                    .iter()
                    .take_while(|e| e.0 == scope && e.1.starts_with(d))
                    .map(|e| e.1);
                at_most_one_document(texts)
            })
        })
        .collect();
    drop(index);
    for (r, m) in records.iter_mut().zip(marks) {
        r.description_alike = m;
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
            Ok(Some(Value::text("jose o neil".into())))
        );
        assert_eq!(
            parse_cell(FieldKind::Code, "2 600"),
            Ok(Some(Value::text("2600".into())))
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
        assert_eq!(
            parse_cell(FieldKind::Date, "08500301").map(|v| v.map(|v| v.key())),
            Ok(Some("0850-03-01".into()))
        );
        assert!(parse_cell(FieldKind::Date, "850").is_err());
        assert!(parse_cell(FieldKind::Number, "twelve").is_err());
        assert_eq!(parse_cell(FieldKind::Number, " 12.5"), Ok(Some(Value::Number(12.5))));
        assert!(parse_cell(FieldKind::Number, "NaN").is_err());
    }

    #[test]
    fn unreadable_cells_are_one_warning_per_field_with_a_count_and_examples() {
        let table: TableRules = toml::from_str(
            r#"
            blocking = []
            [[fields]]
            name = "dob"
            kind = "date"
            [[fields]]
            name = "age"
            kind = "number"
            "#,
        )
        .unwrap();
        let cell = |field, file: &str, line, cell: &str| Unreadable {
            field,
            file: file.into(),
            line,
            cell: cell.into(),
        };
        let mut cells: Vec<Unreadable> = (0..2987)
            .map(|i| cell(0, "people.csv", i + 12, if i == 0 { "31/02/19x" } else { "?" }))
            .collect();
        cells.insert(1, cell(1, "people.csv", 12, "twelve"));
        let warnings = unreadable_warnings(&table, cells);
        let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "field \"dob\": 2,987 cells could not be read as date (first: line 12 of people.csv: \"31/02/19x\"; line 13 of people.csv: \"?\"; line 14 of people.csv: \"?\"); those values are treated as missing",
                "field \"age\": 1 cell could not be read as number (line 12 of people.csv: \"twelve\"); the value is treated as missing",
            ]
        );
        assert_eq!(
            (warnings[0].file.as_deref(), warnings[0].line),
            (Some("people.csv"), None)
        );
        // Cells of several files: the warning is the run's, each example names its file.
        let two = unreadable_warnings(&table, [cell(0, "a.csv", 2, "x"), cell(0, "b.csv", 3, "y")]);
        assert_eq!(two[0].file, None);
        assert!(two[0].message.contains("line 3 of b.csv: \"y\""), "{}", two[0].message);
        assert_eq!(
            [1, 999, 1000, 2987, 1234567].map(thousands),
            ["1", "999", "1,000", "2,987", "1,234,567"]
        );
    }

    #[test]
    fn folds_diacritics_case_and_width() {
        assert_eq!(fold("Säypiddin Äzizi"), "saypiddin azizi");
        assert_eq!(fold("Ürümchi"), "urumchi");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("Lüshun"), "lushun");
    }

    #[test]
    fn quotes_brackets_and_spacing_alike() {
        assert_eq!(fold("Mao Zedong’s"), fold("Mao Zedong's"));
        assert_eq!(fold("“new stage”"), fold("\"new stage\""));
        assert_eq!(fold("Filippov [Stalin]"), fold("Filippov (Stalin)"));
        assert_eq!(fold("  a \t b\u{a0} c  "), "a b c");
    }

    #[test]
    fn invisible_characters_fold_away() {
        let plain = "Memorandum on the Talks";
        for dirty in [
            "Memo\u{200b}randum on the Tal\u{ad}ks",
            "\u{feff}Memorandum\u{2060} on the\u{200d} Talks\u{200e}",
            "Memo\u{7}randum on \u{202a}the\u{202c} Talks\u{1b}",
            "Mémo\u{200c}randum on the Talks",
        ] {
            assert_eq!(match_key(dirty), match_key(plain), "{dirty:?}");
            assert!(has_invisible(dirty));
        }
        assert!(!has_invisible("Memorandum\ton the Talks\n"));
        assert_eq!(fold("a\tb\r\nc"), "a b c");
    }

    #[test]
    fn match_key_of_ascii_is_the_folded_words() {
        let slow = |t: &str| tokens_of_folded(&fold(t)).collect::<Vec<_>>().join(" ");
        let mut texts: Vec<String> = [
            "",
            " ",
            "Tal\x07ks",
            "a\x0bb",
            "A[B]{c}`d´",
            "  x  -- Y\t\nz\r",
            "\x00\x1f",
        ]
        .map(String::from)
        .to_vec();
        // Every pair of ASCII characters between two letters, and random ASCII strings.
        for a in 0u8..128 {
            for b in 0u8..128 {
                texts.push(format!("Ab{}{}Cd", a as char, b as char));
            }
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let text: String = (0..(x % 40))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % 128) as u8 as char
                })
                .collect();
            texts.push(text);
        }
        for t in &texts {
            assert_eq!(match_key(t), slow(t), "{t:?}");
        }
    }

    #[test]
    fn match_key_keeps_only_words() {
        assert_eq!(match_key("Semenov [Stalin] to Mao"), "semenov stalin to mao");
        assert_eq!(match_key("'Note on Visit'"), "note on visit");
    }

    proptest::proptest! {
        #[test]
        fn word_by_word_folds_like_the_whole_text(s in "(\\PC|\\s|[\u{300}-\u{36f}\u{a8}\u{a0}\u{3000}\u{1100}-\u{1112}\u{1161}-\u{1175}]){0,24}") {
            proptest::prop_assert_eq!(fold(&s), fold_unicode(&s));
        }
    }

    #[test]
    fn the_ascii_shortcut_folds_like_the_unicode_path() {
        for s in [
            "Cable, Mao  Zedong to Filippov [Stalin]",
            " 'Note' `on` {Visit}\t\n",
            "ABC-def",
            "",
        ] {
            let unicode: String = s.nfkc().flat_map(char::to_lowercase).collect();
            let slow: String = fold_chars(unicode.nfd().filter(|c| !is_combining_mark(*c)))
                .nfc()
                .collect();
            assert_eq!(fold(s), slow, "{s:?}");
        }
    }

    #[test]
    fn fold_is_idempotent_on_samples() {
        for s in ["Säypiddin", "ﬁ ligature", "Ǆ", "İstanbul", "ß", "a\u{301}"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s:?}");
        }
    }

    fn dated(date: &str, title: &str, description: Option<&str>) -> Record {
        prepare(RawRecord::for_test("p.txt", date, title, description, false), 0)
    }

    fn shared(records: &mut [Record]) -> Vec<bool> {
        mark_shared_titles(records, 0.01);
        records.iter().map(|r| r.title_signal.shared).collect()
    }

    #[test]
    fn a_title_is_shared_within_the_date_it_fits() {
        let t = "Letter from Zhou Enlai to Molotov";
        // Two documents of one title on two days: each day's copies identify their document.
        let mut two_days = [
            dated("September 6, 1952", t, Some("Zhou asks about the talks.")),
            dated("September 6, 1952", t, None),
            dated("October 2, 1952", t, Some("Zhou thanks Molotov for the aid.")),
        ];
        assert_eq!(shared(&mut two_days), [false, false, false]);
        // Two documents of that title on one day: the day's title names neither.
        let mut one_day = [
            dated("September 6, 1952", t, Some("Zhou asks about the talks.")),
            dated("September 6, 1952", t, None),
            dated("September 6, 1952", t, Some("Zhou thanks Molotov for the aid.")),
        ];
        assert_eq!(shared(&mut one_day), [true, true, true]);
        // Known only to the year, both documents fit: shared; a truncated copy is no second
        // document.
        let mut year = [
            dated("1952", t, Some("Zhou asks about the talks.")),
            dated("1952", t, Some("Zhou asks about the")),
            dated("September 6, 1952", t, Some("Zhou thanks Molotov for the aid.")),
        ];
        assert_eq!(shared(&mut year), [true, true, false]);
    }

    #[test]
    fn a_coarse_copy_shares_its_title_with_finer_dates_inside_it() {
        let t = "Record of Conversation between Zhu De and Liu Shaoqi";
        let mut records = [
            dated("January 1979", t, Some("Zhu De reports on the talks.")),
            dated("January 1979", t, None),
            dated("January 30, 1979", t, None),
            dated("February 1979", t, None),
        ];
        assert_eq!(shared(&mut records), [true, true, false, false]);
    }

    fn rare(records: &mut [Record]) -> Vec<bool> {
        mark_shared_titles(records, 0.01);
        records.iter().map(|r| r.title_signal.rare).collect()
    }

    #[test]
    fn a_title_few_documents_carry_across_the_run_is_rare_within_a_month() {
        let t = "Cable from Lin Biao to Gao Gang";
        // A run spanning 1945-1991 (564 months); the title on one day and a month copy of it.
        let span = [
            dated("January 1, 1945", "Another", None),
            dated("December 31, 1991", "Other", None),
        ];
        let mut two = vec![dated("April 20, 1963", t, None), dated("April 1963", t, None)];
        two.extend(span.clone());
        assert_eq!(rare(&mut two)[..2], [true, true]);
        // Known only to the year, the copy's date holds twelve times the chance of another.
        let mut year: Vec<_> = ["March 1, 1950", "April 2, 1960", "May 3, 1970", "June 4, 1980"]
            .iter()
            .map(|d| dated(d, t, None))
            .chain([dated("1963", t, None), dated("April 1963", t, None)])
            .chain(span.clone())
            .collect();
        // Five documents (the year copy holds the month one): 4 / 564 < 0.01 for the month,
        // 4 * 12 / 564 for the year.
        assert_eq!(rare(&mut year)[4..6], [false, true]);
        // Two documents of the title inside the month: not rare, whatever the run says.
        let mut two_docs = vec![
            dated("April 1963", t, None),
            dated("April 20, 1963", t, Some("Lin Biao asks for trucks.")),
            dated("April 22, 1963", t, Some("Gao Gang answers a cable.")),
        ];
        two_docs.extend(span);
        assert!(!rare(&mut two_docs)[0]);
        // Eleven documents of the title across the run: another in a given month is expected
        // 10 / 564 >= 0.01 of the time.
        let mut common: Vec<_> = (0..10)
            .map(|y| dated(&format!("May 3, {}", 1950 + y), t, None))
            .collect();
        common.push(dated("May 1963", t, None));
        assert!(!rare(&mut common)[10]);
    }

    #[test]
    fn a_common_title_is_shared_on_every_day() {
        // Five documents of one title in a year: another on a given day is expected 4/365 >=
        // 0.01 of the time; with three, 2/365 < 0.01.
        let t = "Minutes of the Meeting of the Politburo";
        let days = [
            "March 1, 1960",
            "April 2, 1960",
            "May 3, 1960",
            "June 4, 1960",
            "July 5, 1960",
        ];
        let descriptions = ["One.", "Two.", "Three.", "Four.", "Five."];
        let mut five: Vec<_> = days
            .iter()
            .zip(descriptions)
            .map(|(d, s)| dated(d, t, Some(s)))
            .collect();
        five.push(dated("March 1, 1960", t, None));
        assert!(shared(&mut five).iter().all(|&s| s));
        let mut three: Vec<_> = days[..3]
            .iter()
            .zip(descriptions)
            .map(|(d, s)| dated(d, t, Some(s)))
            .collect();
        three.push(dated("March 1, 1960", t, None));
        assert!(shared(&mut three).iter().all(|&s| !s));
    }

    #[test]
    fn numbers_in_titles() {
        assert_eq!(
            numbers(&match_key("Ciphered Telegram No. 25553, Roshchin")),
            vec!["25553"]
        );
        assert!(numbers(&match_key("Cable, Mao Zedong to Filippov")).is_empty());
    }
}
