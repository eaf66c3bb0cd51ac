//! Partial dates: the dates archive pages show, at the precision they show them.
//!
//! "September 6, 1952", "September 06, 1952", "6 September 1952" and "1952-09-06" are day
//! dates; "February, 1950", "August 1949" and "1950-02" are month dates; "1948" is a year.
//! A month-only date is not the first of the month: it keeps its precision, and blocking
//! compares it with every day inside it.

use std::fmt;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

impl Precision {
    /// The word written in output columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// A date known to the day, the month or the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// The year, 1-2999: written with four digits, zero-padded before 1000 ("0850").
    pub year: u16,
    /// 1-12, when known.
    pub month: Option<u8>,
    /// 1-31, when known (only with a month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// The precision this date is known to.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// This date cut down to `precision` (no-op when it is already coarser).
    pub fn truncate(&self, precision: Precision) -> PartialDate {
        match precision {
            Precision::Year => PartialDate {
                year: self.year,
                month: None,
                day: None,
            },
            Precision::Month => PartialDate { day: None, ..*self },
            Precision::Day => *self,
        }
    }

    /// The first day this date may be, as an ISO date (`1952-09` -> `1952-09-01`): a column
    /// that sorts and filters as a date in any tool.
    pub fn start(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1)
        )
    }

    /// The last day this date may be, as an ISO date (`1952-02` -> `1952-02-29`).
    pub fn end(&self) -> String {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        format!("{:04}-{month:02}-{day:02}", self.year)
    }

    /// True when one date lies inside the other: equal dates, or a coarser date that
    /// contains the finer one (1952-09 contains 1952-09-06; 1952 contains both).
    pub fn compatible(&self, other: &PartialDate) -> bool {
        let p = self.precision().min(other.precision());
        self.truncate(p) == other.truncate(p)
    }

    /// Days between the two dates' spans (0 when they overlap): 1952-09-30 and 1952-10 are
    /// 1 day apart, 1952-09 and 1952-09-06 none.
    pub fn days_apart(&self, other: &PartialDate) -> i64 {
        let (a0, a1) = self.day_span();
        let (b0, b1) = other.day_span();
        (b0 - a1).max(a0 - b1).max(0)
    }

    /// The first and last day this date may be, as day numbers (days since 1970-01-01).
    fn day_span(&self) -> (i64, i64) {
        let month = self.month.unwrap_or(12);
        let last = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        (
            day_number(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1)),
            day_number(self.year, month, last),
        )
    }
}

/// Days since 1970-01-01 of a calendar date (Howard Hinnant's `days_from_civil`).
fn day_number(year: u16, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = i64::from(year) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => write!(f, "{:04}-{:02}", self.year, m),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

/// The months as archive pages write them.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// True when `word` (lower case) begins `month`, whatever the month's case.
fn begins(month: &str, word: &str) -> bool {
    month.len() >= word.len() && month.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// Month number for a full English month name or a common abbreviation ("Sep", "Sept.").
fn month_number(word: &str) -> Option<u8> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTH_NAMES
        .iter()
        .position(|m| m.eq_ignore_ascii_case(&w) || (w.len() <= 4 && begins(m, &w)))
        .map(|i| i as u8 + 1)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

/// A line's date parts as written, before they are checked against the calendar: four
/// year digits, a month number (from a name, or two ISO digits: maybe 13) and day digits.
/// Telling the shape apart from the validity lets "February 30, 1952" be a page's date line
/// (it begins a record) that reads as no date, instead of a title.
struct Shape<'a> {
    year: &'a str,
    month: Option<u8>,
    day: Option<&'a str>,
}

fn digits(token: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&token.len()) && token.bytes().all(|b| b.is_ascii_digit())
}

impl Shape<'_> {
    /// The date these parts name, when the calendar has it and its year is one of `years`.
    fn date(&self, years: Years) -> Option<PartialDate> {
        let year: u16 = self.year.parse().ok()?;
        let day = match self.day {
            Some(d) => Some(d.parse().ok()?),
            None => None,
        };
        PartialDate::checked_in(years, year, self.month, day)
    }
}

type Years = std::ops::RangeInclusive<u16>;

/// The years a page's date may have. A page's lines are asked whether they are dates, and
/// "0850" or "May 0999" on one is more likely a number than a year of the archive's.
const PAGE_YEARS: Years = 1000..=2999;

/// The years a table cell's date may have: the field says it is a date, and a year before
/// 1000 in it is written with four digits on purpose ("0850-03-01"). Year 0 is none: the
/// Gregorian calendar goes from 1 BC to AD 1.
const TABLE_YEARS: Years = 1..=2999;

impl PartialDate {
    /// The date of these parts when the calendar has it: a year of four digits (1000-2999),
    /// a month 1-12, a day of that month (only with a month).
    pub fn checked(year: u16, month: Option<u8>, day: Option<u8>) -> Option<PartialDate> {
        PartialDate::checked_in(PAGE_YEARS, year, month, day)
    }

    /// [`PartialDate::checked`] with the years `years`.
    fn checked_in(years: Years, year: u16, month: Option<u8>, day: Option<u8>) -> Option<PartialDate> {
        if !years.contains(&year) {
            return None;
        }
        let month = match month {
            Some(m) if (1..=12).contains(&m) => Some(m),
            Some(_) => return None,
            None => None,
        };
        let day = match (day, month) {
            (Some(d), Some(m)) => Some(Some(d).filter(|d| (1..=days_in_month(year, m)).contains(d))?),
            (Some(_), None) => return None,
            (None, _) => None,
        };
        Some(PartialDate { year, month, day })
    }
}

/// Parses a whole line as a date, or returns `None` when the line is anything else,
/// including a line shaped like a date that the calendar does not have ("April 31, 1952").
///
/// The whole line must be the date: "October 1959 conversation between ..." is not one.
pub fn parse(line: &str) -> Option<PartialDate> {
    shape(line.trim())?.date(PAGE_YEARS)
}

/// Parses a table cell of a date field as [`parse`] does a page's line, and takes years
/// before 1000 written with four digits too ("0850-03-01", "March 0850", "0850"; not "850").
pub fn parse_cell(text: &str) -> Option<PartialDate> {
    shape(text.trim())?.date(TABLE_YEARS)
}

/// True when the whole line has a date's shape ("September 6, 1952", "1952-09", "1948"),
/// whether or not the date exists: "February 30, 1952", "1952-13-01" and "0000" are shaped
/// like dates.
pub fn shaped_like_date(line: &str) -> bool {
    shape(line.trim()).is_some()
}

fn shape(text: &str) -> Option<Shape<'_>> {
    if let Some(s) = shape_iso(text) {
        return Some(s);
    }
    // Every line of every page is asked: a date has at most three words, so longer lines are
    // turned away without collecting their words.
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty());
    let mut tokens: [&str; 3] = [""; 3];
    let mut n = 0;
    for w in words.by_ref().take(3) {
        tokens[n] = w;
        n += 1;
    }
    if words.next().is_some() {
        return None;
    }
    let year = |y: &str| digits(y, 4..=4).then_some(());
    let day = |d| digits(d, 1..=2).then_some(d);
    let shaped = |year, month, day| Some(Shape { year, month, day });
    match &tokens[..n] {
        [y] => shaped(year(y).map(|_| *y)?, None, None),
        [m, y] => shaped(year(y).map(|_| *y)?, Some(month_number(m)?), None),
        [a, b, y] => {
            year(y)?;
            match month_number(a) {
                Some(m) => shaped(y, Some(m), Some(day(b)?)),
                None => shaped(y, Some(month_number(b)?), Some(day(a)?)),
            }
        }
        _ => None,
    }
    // Commas are only allowed where dates put them: "September 6, 1952", "February, 1950".
    .filter(|_| text.matches(',').count() <= 1 && !text.starts_with(',') && !text.ends_with(','))
}

/// "1952-09-06" or "1952-09" (two-digit month and day).
fn shape_iso(text: &str) -> Option<Shape<'_>> {
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() < 2 || parts.len() > 3 || !digits(parts[0], 4..=4) || !parts[1..].iter().all(|p| digits(p, 2..=2)) {
        return None;
    }
    Some(Shape {
        year: parts[0],
        month: parts[1].parse().ok(),
        day: parts.get(2).copied(),
    })
}

/// True when `line` looks like the beginning of a date that was cut off ("Septem",
/// "September 6, 19"): used only on the last line of a page that ends mid-record.
pub fn looks_like_cut_date(line: &str) -> bool {
    let text = line.trim();
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty());
    let Some(first) = words.next() else { return false };
    let first_lc = first.trim_end_matches('.').to_lowercase();
    let month_prefix = first_lc.len() >= 3 && MONTH_NAMES.iter().any(|m| begins(m, &first_lc));
    let digits_only = |w: &str| w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit());
    let rest: Vec<&str> = words.collect();
    if month_prefix {
        rest.len() <= 2 && rest.iter().all(|w| digits_only(w))
    } else {
        // "19" or "1 Sept": a day or a partial year with nothing else.
        digits_only(first) && first.len() < 4 && rest.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_date_spans_from_its_first_day_to_its_last() {
        let span = |s: &str| parse(s).map(|d| (d.start(), d.end()));
        let owned = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(span("September 6, 1952"), owned("1952-09-06", "1952-09-06"));
        assert_eq!(span("February, 1952"), owned("1952-02-01", "1952-02-29"));
        assert_eq!(span("February, 1950"), owned("1950-02-01", "1950-02-28"));
        assert_eq!(span("1948"), owned("1948-01-01", "1948-12-31"));
        assert_eq!(span("November 1956"), owned("1956-11-01", "1956-11-30"));
    }

    fn iso(s: &str) -> Option<String> {
        parse(s).map(|d| d.to_string())
    }

    #[test]
    fn forms_seen_on_the_site() {
        assert_eq!(iso("September 6, 1952").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("September 06, 1952").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("February, 1950").as_deref(), Some("1950-02"));
        assert_eq!(iso("August 1949").as_deref(), Some("1949-08"));
        assert_eq!(iso("1948").as_deref(), Some("1948"));
    }

    #[test]
    fn other_common_forms() {
        assert_eq!(iso("6 September 1952").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("Sept. 6, 1952").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("Sep 6, 1952").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("1952-09-06").as_deref(), Some("1952-09-06"));
        assert_eq!(iso("1952-09").as_deref(), Some("1952-09"));
        assert_eq!(iso("  May 15, 1949 ").as_deref(), Some("1949-05-15"));
    }

    #[test]
    fn not_dates() {
        for s in [
            "",
            "October 1959 conversation between Mao Zedong and S.F. Antonov",
            "Note from Andrey Vyshinsky to Zhou Enlai, February 1950",
            "February 30, 1952",
            "Septembre 6, 1952",
            "May",
            "1 - 10 of 47",
            "12345",
            "Ma 6, 1952",
            "September 6,, 1952",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn shaped_like_dates_but_not_in_the_calendar() {
        for s in [
            "February 30, 1952",
            "April 31, 1952",
            "February 29, 1951",
            "31 April 1952",
            "May 32, 1952",
            "1952-13-01",
            "1952-02-30",
            "1952-00",
            "0000",
            "May 0999",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
            assert!(shaped_like_date(s), "{s:?}");
        }
        assert_eq!(iso("February 29, 1952").as_deref(), Some("1952-02-29"));
        for s in [
            "Septembre 6, 1952",
            "September 6, 19",
            "12345",
            "1 - 10 of 47",
            "September 6,, 1952",
            "Report on 1952",
            "1952-9-6",
            "May",
        ] {
            assert!(!shaped_like_date(s), "{s:?}");
        }
    }

    #[test]
    fn a_table_cell_may_have_a_year_before_1000_written_with_four_digits() {
        let cell = |s: &str| parse_cell(s).map(|d| (d.to_string(), d.start(), d.end()));
        let owned = |a: &str, b: &str, c: &str| Some((a.into(), b.into(), c.into()));
        assert_eq!(cell("0850-03-01"), owned("0850-03-01", "0850-03-01", "0850-03-01"));
        assert_eq!(cell("0850-02"), owned("0850-02", "0850-02-01", "0850-02-28"));
        assert_eq!(cell("0800-02"), owned("0800-02", "0800-02-01", "0800-02-29"));
        assert_eq!(cell("0850"), owned("0850", "0850-01-01", "0850-12-31"));
        assert_eq!(cell("March 1, 0850"), owned("0850-03-01", "0850-03-01", "0850-03-01"));
        assert_eq!(cell("0001-01-01").map(|d| d.0), Some("0001-01-01".into()));
        assert_eq!(cell("1952-09-06").map(|d| d.0), Some("1952-09-06".into()));
        for s in [
            "850",
            "850-03-01",
            "0000",
            "0000-01-01",
            "0850-13-01",
            "0850-02-29",
            "3000",
        ] {
            assert_eq!(parse_cell(s), None, "{s:?}");
        }
        // A page's lines are not cells: a year before 1000 there is a number.
        for s in ["0850-03-01", "0850", "May 0999"] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn precision_and_compatibility() {
        let day = parse("September 6, 1952").unwrap();
        let month = parse("September 1952").unwrap();
        let year = parse("1952").unwrap();
        let other_month = parse("August 1952").unwrap();
        assert_eq!(day.precision(), Precision::Day);
        assert_eq!(month.precision(), Precision::Month);
        assert_eq!(year.precision(), Precision::Year);
        assert!(day.compatible(&month) && month.compatible(&day));
        assert!(day.compatible(&year) && year.compatible(&month));
        assert!(!day.compatible(&other_month));
        assert!(!day.compatible(&parse("September 7, 1952").unwrap()));
    }

    #[test]
    fn days_apart_counts_the_gap_between_spans() {
        let d = |t: &str| parse(t).unwrap();
        assert_eq!(d("1952-09-06").days_apart(&d("1952-09-06")), 0);
        assert_eq!(d("1952-09-06").days_apart(&d("1952-09-16")), 10);
        assert_eq!(d("1952-09-16").days_apart(&d("1952-09-06")), 10);
        assert_eq!(d("1952-09").days_apart(&d("1952-09-06")), 0);
        assert_eq!(d("1952-09-30").days_apart(&d("1952-10")), 1);
        assert_eq!(d("1952-02-28").days_apart(&d("1952-03-01")), 2);
        assert_eq!(d("1951-12-31").days_apart(&d("1953-01-01")), 367);
        assert_eq!(d("1970-01-01").day_span(), (0, 0));
    }

    #[test]
    fn cut_dates() {
        assert!(looks_like_cut_date("Septem"));
        assert!(looks_like_cut_date("September 6, 19"));
        assert!(looks_like_cut_date("September"));
        assert!(!looks_like_cut_date("Letter, Zhou Enlai to Comrade Molotov"));
        assert!(!looks_like_cut_date("Se"));
    }
}
