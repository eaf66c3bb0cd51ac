//! Saved result pages: text as a browser copies it, in any layout that `rules/` describes.
//!
//! A page is read in steps: each line is classified (blank, furniture, marker, range
//! header, content); the run of records is found; that run is cut into chunks (at date lines,
//! markers, separators); the page is judged a title-less listing or not (`page.title_less`:
//! most records one line of prose, which is then the description); the chunks are cut into
//! records as the layout says. In a layout that tells dateless records by their shape, a line
//! that goes on with a sentence (it begins in lower case, or the line before stops at a comma,
//! colon, semicolon or dash, or the description so far has no sentence end) belongs to the
//! description. A page that finds more records than its range header states is read again
//! with every line after a title as description, and that read is kept when it gives the
//! stated count (with a warning).
//!
//! Furniture and markers are told by position as well as by pattern: scraped text can read
//! like furniture ("Next", "Copyright 1952 ...", "Show Trials: ..."). They count only where a
//! page's furniture stands: before the first record (the header), and after the last record's
//! title (its footer). From the first record to the last date line, record marker or
//! separator, every line is record text.

use crate::error::Warning;
use crate::normalize::date;
use crate::record::{Provenance, RawRecord};
use crate::rules::{CompiledLayout, CompiledPageRules, FieldName, FieldSpec, TitleLessRules};
use regex::Regex;

pub mod trace;
use trace::{LayoutChoice, LineRole, PageTrace, Reread, Role, TitleLessFigures};

/// What one page gave.
#[derive(Debug, Clone)]
pub struct ParsedPage {
    /// Records in page order.
    pub records: Vec<RawRecord>,
    /// The layout the page was read as.
    pub layout: String,
    /// The range header's first, last and total, if the page had one.
    pub range: Option<(usize, usize, usize)>,
    /// Content lines before the records (a collection's introduction, say).
    pub header_lines: usize,
    /// Things worth telling the user.
    pub warnings: Vec<Warning>,
}

/// What a line's text matches, before its position is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Furniture,
    Start,
    Range,
    End,
    Content,
}

struct Line<'a> {
    number: usize,
    text: &'a str,
    kind: Kind,
}

/// The lines of a page. LF and CRLF end a line (CRLF once, so that line numbers agree with
/// an editor's). A CR alone ends one too when the file uses it at least as often as LF (an old
/// Mac file, maybe with a stray LF or CRLF pasted in: every break counts); in a file that
/// mostly uses LF a lone CR is a character of its line, kept as scraped.
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    if lone_cr == 0 || lone_cr < lf {
        return text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    }
    let mut after_cr = false;
    text.split_inclusive(['\r', '\n'])
        .filter_map(|piece| {
            let lf_of_crlf = after_cr && piece == "\n";
            after_cr = piece.ends_with('\r');
            (!lf_of_crlf).then(|| piece.trim_end_matches(['\r', '\n']))
        })
        .collect()
}

/// What a line's text matches: the lists of `[page]`, and those of the page's layout once
/// it is chosen (a layout's own lists apply only to the pages it reads).
fn classify(t: &str, rules: &CompiledPageRules, layout: Option<&CompiledLayout>) -> Kind {
    let any = |global: &[Regex], own: fn(&CompiledLayout) -> &[Regex]| {
        global.iter().chain(layout.map_or(&[][..], own)).any(|r| r.is_match(t))
    };
    if t.is_empty() {
        Kind::Blank
    } else if rules.range_header.is_match(t) {
        Kind::Range
    } else if any(&rules.start_markers, |l| &l.start_markers) {
        Kind::Start
    } else if any(&rules.end_markers, |l| &l.end_markers) {
        Kind::End
    } else if any(&rules.furniture, |l| &l.furniture) {
        Kind::Furniture
    } else {
        Kind::Content
    }
}

/// The first range header among the lines of `text` (a page read by CSS selectors, whose
/// records are not found by lines).
pub fn range_in(text: &str, rules: &CompiledPageRules) -> Option<(usize, usize, usize)> {
    text.lines().find_map(|l| range_of(l.trim(), rules))
}

/// The range header's first, last and total.
fn range_of(t: &str, rules: &CompiledPageRules) -> Option<(usize, usize, usize)> {
    let c = rules.range_header.captures(t)?;
    let num = |n: &str| {
        c.name(n)
            .and_then(|m| m.as_str().replace(',', "").parse::<usize>().ok())
    };
    Some((num("first")?, num("last")?, num("total")?))
}

/// How the chosen layout delimits records, and which lines are date lines.
struct Delimiters<'r> {
    layout: &'r CompiledLayout,
    /// Date lines that say a record has none (`page.no_date_lines`).
    no_date: &'r [Regex],
}

impl<'r> Delimiters<'r> {
    /// A record's date line: shaped like a date (valid or not), or a line saying the record
    /// has no date ("Date unknown"), which begins a record as a date line does.
    fn date_line(&self, t: &str) -> bool {
        date::shaped_like_date(t) || self.says_no_date(t) || self.layout.dates.read(t).is_some()
    }
    /// The date a date line names: the layout's own `date_formats` first, then the built-in
    /// forms. `Some(None)`: shaped like a date the calendar does not have.
    fn read_date(&self, t: &str) -> Option<Option<date::PartialDate>> {
        let by_layout = self.layout.dates.read(t);
        match (by_layout, date::shaped_like_date(t)) {
            (Some(Some(d)), _) => Some(Some(d)),
            // A format of the layout's matched but named no date: the built-in forms may.
            (_, true) => Some(date::parse(t)),
            (by_layout, false) => by_layout,
        }
    }
    /// The date the layout's own `date_formats` read (kept with the record: the built-in
    /// forms read the others again when the record is normalized).
    fn layout_date(&self, t: &str) -> Option<date::PartialDate> {
        self.layout.dates.read(t).flatten()
    }
    /// A line of `page.no_date_lines`.
    fn says_no_date(&self, t: &str) -> bool {
        self.no_date.iter().any(|r| r.is_match(t))
    }
    fn marker(&self, t: &str) -> bool {
        self.layout.record_marker.as_ref().is_some_and(|r| r.is_match(t))
    }
    fn separator(&self, t: &str) -> bool {
        self.layout.record_separator.as_ref().is_some_and(|r| r.is_match(t))
    }
    /// A line that begins a record: a record marker or a line shaped like a date.
    fn starts_record(&self, l: &Line) -> bool {
        l.kind == Kind::Content && (self.marker(l.text) || self.date_line(l.text))
    }
    /// A line after which the next line is a record's first field (its date or its title).
    fn boundary(&self, l: &Line) -> bool {
        self.starts_record(l) || (l.kind == Kind::Content && self.separator(l.text))
    }
    /// The text after a record marker, if the line begins with one.
    fn after_marker<'t>(&self, t: &'t str) -> Option<&'t str> {
        let m = self.layout.record_marker.as_ref()?.find(t)?;
        Some(t[m.end()..].trim())
    }
    /// A line that holds a date line: shaped like a date, alone or after a record marker.
    fn dated(&self, l: &Line) -> bool {
        l.kind == Kind::Content
            && (self.date_line(self.after_marker(l.text).unwrap_or(l.text)) || self.start_dates(l.text))
    }
    /// True when a record start's named captures give the line's record its date.
    fn start_dates(&self, t: &str) -> bool {
        let Some(re) = &self.layout.record_marker else {
            return false;
        };
        re.captures(t).is_some_and(|c| c.name("date").is_some())
    }
    /// True when a boundary line already holds the record's title (a marker and a title on
    /// one line: "• Cable, Zhou Enlai to Wang Zhen").
    fn holds_title(&self, t: &str) -> bool {
        if self.layout.explicit() {
            return !self.needs_line_after(t);
        }
        self.after_marker(t)
            .is_some_and(|rest| !rest.is_empty() && !self.date_line(rest))
    }
    /// In a layout that states its fields: true when the record begun (or dated) by line `t`
    /// still needs a line after it: a required field after the date that neither the start
    /// line's captures nor its rest give.
    fn needs_line_after(&self, t: &str) -> bool {
        let captured: Vec<FieldName> = self.captures(t).into_iter().flatten().map(|(f, _)| f).collect();
        let rest = self
            .after_marker(t)
            .is_some_and(|r| !r.is_empty() && !self.date_line(r));
        let fields = self.fields();
        let after_date = fields
            .iter()
            .position(|f| f.name == FieldName::Date)
            .map_or(0, |i| i + 1);
        let required = fields[after_date..]
            .iter()
            .filter(|f| !f.optional && !captured.contains(&f.name))
            .count();
        required > usize::from(rest)
    }
    /// The fields a record start gives on line `t`, by name, those it leaves empty aside;
    /// None when `t` does not begin with a record start.
    fn captures<'t>(&self, t: &'t str) -> Option<Vec<(FieldName, &'t str)>> {
        let c = self.layout.record_marker.as_ref()?.captures(t)?;
        let given = |f: FieldName| {
            let value = c.name(f.as_str())?.as_str().trim();
            (!value.is_empty()).then_some((f, value))
        };
        Some(self.layout.start_captures().filter_map(given).collect())
    }
    /// The fields a record's lines give, in order (the site's own when the layout names none).
    fn fields(&self) -> &'r [FieldSpec] {
        self.layout.fields.as_deref().unwrap_or(DEFAULT_FIELDS.as_slice())
    }
}

/// The line where a record whose date line is `date` begins: `lead` content lines before it
/// (its fields before the date: a title above its date line), or the date line itself.
fn lead_start(lines: &[Line], date: usize, lead: usize) -> usize {
    let mut start = date;
    for _ in 0..lead {
        match lines[..start].iter().rposition(|l| l.kind == Kind::Content) {
            Some(i) => start = i,
            None => break,
        }
    }
    start
}

/// The fields of a record when a layout that states its fields by labels or captures names
/// no `fields`: the site's own order.
const DEFAULT_FIELDS: [FieldSpec; 3] = [
    FieldSpec {
        name: FieldName::Date,
        optional: true,
    },
    FieldSpec {
        name: FieldName::Title,
        optional: false,
    },
    FieldSpec {
        name: FieldName::Description,
        optional: true,
    },
];

/// True when the first line of `rest` that is not blank begins another record.
fn next_is_boundary(rest: &[Line], d: &Delimiters) -> bool {
    rest.iter()
        .find(|l| l.kind != Kind::Blank)
        .is_some_and(|l| d.boundary(l))
}

/// Where a page's records stand, and which lines around them are furniture.
struct Region {
    /// Records begin here (after the last start marker or range header before the first
    /// record, or at the first record).
    begin: usize,
    /// The page's footer begins here (the page's length when it has none).
    footer: usize,
    /// Lines that are furniture by pattern and by position: not record text.
    furniture: Vec<bool>,
    /// Furniture quoted to the user: its line, the message, and whether it stands where the
    /// last record's description would (after that record's title).
    warnings: Vec<(usize, String, bool)>,
}

impl Region {
    fn find(lines: &[Line], d: &Delimiters) -> Region {
        let first_record = lines
            .iter()
            .position(|l| d.starts_record(l))
            .map(|f| lead_start(lines, f, d.layout.lead()));
        let before_first = &lines[..first_record.unwrap_or(lines.len())];
        let begin = before_first
            .iter()
            .rposition(|l| matches!(l.kind, Kind::Start | Kind::Range))
            .map_or(first_record.unwrap_or(lines.len()), |s| s + 1);
        let mut furniture: Vec<bool> = lines.iter().map(|l| l.kind != Kind::Content).collect();
        // From the first record to the last date line every line is record text. (Record
        // markers and separators after it do not extend the run: a footer's navigation may
        // be a list too.)
        let last = lines.iter().rposition(|l| d.dated(l)).or(first_record);
        if let (Some(f), Some(l)) = (first_record, last) {
            furniture[f..=l].fill(false);
        }
        let mut region = Region {
            begin,
            footer: lines.len(),
            furniture,
            warnings: Vec::new(),
        };
        region.find_footer(lines, last, d);
        region
    }

    /// Walks the records after the last date line: a record's title is text whatever it
    /// reads like; after it, an end marker begins the footer and other furniture is skipped.
    /// Furniture where a description would stand, or followed by more record text, is quoted
    /// in a warning: it may be that text.
    fn find_footer(&mut self, lines: &[Line], last: Option<usize>, d: &Delimiters) {
        let from = last.map_or(self.begin, |l| l + 1);
        // A page without a date line or record marker is read by pattern alone: nothing
        // tells its records from its furniture.
        let mut needs_title = last.is_some_and(|l| !d.holds_title(lines[l].text));
        // (A layout that states its fields says whether a record has a description: furniture
        // after its lines is not where one would stand.)
        let mut has_description = last.is_none() || d.layout.explicit();
        // Furniture skipped after a description: quoted if record text follows it.
        let mut pending: Vec<usize> = Vec::new();
        for (i, l) in lines.iter().enumerate().skip(from) {
            if l.kind == Kind::Blank {
                continue;
            }
            let boundary = last.is_some() && d.boundary(l);
            if boundary || l.kind == Kind::Content {
                for p in pending.drain(..) {
                    let message = format!(
                        "{:?} reads as page furniture and is skipped, but record text follows it: it may belong to the record above",
                        lines[p].text
                    );
                    self.warnings.push((p, message, false));
                }
            }
            if boundary {
                // A record marker or separator before the footer: another (dateless) record.
                needs_title = !d.holds_title(l.text);
                has_description = d.layout.explicit();
            } else if needs_title {
                self.furniture[i] = false;
                needs_title = false;
            } else if l.kind == Kind::Content {
                has_description = true;
            } else if !has_description && last.is_some() && next_is_boundary(&lines[i + 1..], d) {
                // Where a description stands, with another record right after it: the
                // record's text, not a footer (a footer does not go on with records).
                self.furniture[i] = false;
                has_description = true;
            } else if !has_description {
                self.warnings.push((i, self.quote(l), true));
            } else if last.is_some() && l.kind != Kind::End {
                pending.push(i);
            }
            if l.kind == Kind::End && self.furniture[i] {
                self.footer = i;
                return;
            }
        }
    }

    fn quote(&self, l: &Line) -> String {
        let what = match l.kind {
            Kind::End => "an end marker: the page's footer begins here, and nothing after it is read as a record",
            Kind::Start | Kind::Range => "a start marker or range header: it is skipped",
            _ => "page furniture: it is skipped",
        };
        format!(
            "{:?} stands where the record above would have its description, but reads as {what}",
            l.text
        )
    }
}

/// The lines of a page, each with its number and kind by `[page]`'s lists.
fn classify_lines<'t>(text: &'t str, rules: &CompiledPageRules) -> Vec<Line<'t>> {
    split_lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let t = raw.trim();
            Line {
                number: i + 1,
                text: t,
                kind: classify(t, rules, None),
            }
        })
        .collect()
}

/// Classifies the lines again with the chosen layout's own lists, when it has any.
fn classify_for_layout(lines: &mut [Line], rules: &CompiledPageRules, layout: &CompiledLayout) {
    if layout.furniture.is_empty() && layout.start_markers.is_empty() && layout.end_markers.is_empty() {
        return;
    }
    for l in lines {
        l.kind = classify(l.text, rules, Some(layout));
    }
}

/// Parses the text of one page. `file` is the name written to provenance.
pub fn parse(file: &str, text: &str, rules: &CompiledPageRules) -> ParsedPage {
    read(file, text, rules, false).0
}

/// Parses the text of one page as [`parse`] does, and tells how: every line's role, the
/// layout's choice, the title-less verdict, the re-read.
pub fn parse_traced(file: &str, text: &str, rules: &CompiledPageRules) -> (ParsedPage, PageTrace) {
    read(file, text, rules, true)
}

/// The one reading of a page; with `trace`, the roles of its lines are kept as each step
/// decides them (otherwise `PageTrace::lines` is empty, and nothing is spent on it).
fn read(file: &str, text: &str, rules: &CompiledPageRules, trace: bool) -> (ParsedPage, PageTrace) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = classify_lines(text, rules);
    let (layout, choice) = choose_layout(&lines, rules);
    classify_for_layout(&mut lines, rules, layout);
    let d = Delimiters {
        layout,
        no_date: &rules.no_date_lines,
    };
    let region = Region::find(&lines, &d);
    // The range header is page metadata only where furniture stands (a title may read
    // "1 - 3 of 3").
    let range = lines
        .iter()
        .enumerate()
        .find(|(i, l)| l.kind == Kind::Range && region.furniture[*i])
        .and_then(|(_, l)| range_of(l.text, rules));
    let header_lines = lines[..region.begin].iter().filter(|l| l.kind == Kind::Content).count();

    let Chunks {
        chunks,
        read,
        skipped_before_marker,
        roles: chunk_roles,
        markers,
    } = Chunks::cut(&lines, &region, &d, trace);

    let page = PageText {
        d: &d,
        file,
        lines: &lines,
        last_line: lines.iter().rev().find(|l| l.kind != Kind::Blank).map(|l| l.number),
        // A page closed by an end marker is not cut off inside its last record.
        may_end_inside_record: region.footer == lines.len(),
        ends_mid_line: !text.trim_end_matches([' ', '\t']).ends_with(['\n', '\r']),
        prose_words: rules.title_less.prose_words,
        trace,
    };
    // A layout that states its fields says which lines are titles: nothing to judge.
    let figures = match layout.explicit() {
        true => TitleLessFigures::layout_says(chunks.len()),
        false => judge_title_less(&chunks, &page, &rules.title_less),
    };
    let reading = Reading {
        title_less: figures.title_less,
        dateless_by_shape: layout.dateless_by_shape,
    };
    let first_read = Cut::run(page, reading, &chunks);
    let (mut cut, reread, reread_outcome) = match range {
        Some(range) => reread_to_range(first_read, &chunks, range),
        None => (first_read, None, Reread::NotTried),
    };
    let line_roles = match trace {
        true => trace_lines(&lines, &region, chunk_roles, &markers, std::mem::take(&mut cut.roles)),
        false => Vec::new(),
    };
    let (mut records, mut warnings) = records_and_warnings(cut, &layout.name, &region, &lines, range, reread, &read);
    if region.footer == lines.len() {
        warnings.extend(cut_by_range(file, &mut records, range));
    }
    if choice == LayoutChoice::Fallback {
        // Only when every layout has a `detect` (a rules file replaced the layouts, the
        // built-in catch-all among them): the page is still read, by the last layout.
        warnings.push(Warning::at(
            file,
            None,
            format!(
                "no layout's detect pattern matched a line of this page; read as the last layout, {:?} ({} records): a last layout without detect would take such pages",
                layout.name,
                records.len()
            ),
        ));
    }
    let page = ParsedPage {
        records,
        layout: layout.name.clone(),
        range,
        header_lines: header_lines + skipped_before_marker,
        warnings,
    };
    let trace = PageTrace {
        lines: line_roles,
        layout: choice,
        title_less: figures,
        reread: reread_outcome,
    };
    (page, trace)
}

/// A page without a footer whose range header states more records than it shows was cut off
/// after its last record shown: that record is partial (unless already so), with a warning
/// naming the evidence.
fn cut_by_range(file: &str, records: &mut [RawRecord], range: Option<(usize, usize, usize)>) -> Option<Warning> {
    let (first, last, _) = range?;
    let stated = last.max(first) - last.min(first) + 1;
    let shown = records.len();
    let record = records.last_mut().filter(|r| !r.partial && stated > shown)?;
    record.partial = true;
    Some(Warning::at(
        file,
        Some(record.provenance.line),
        format!(
            "the page ends inside this record (its range header states {stated} records, the page shows {shown}); it is kept and marked partial"
        ),
    ))
}

/// The kept cut's records and the page's warnings in order: the cut's and the region's
/// (`Cut::finish`), then the re-read's or the range mismatch, then a page without records.
fn records_and_warnings(
    cut: Cut,
    layout: &str,
    region: &Region,
    lines: &[Line],
    range: Option<(usize, usize, usize)>,
    reread: Option<Warning>,
    read: &[bool],
) -> (Vec<RawRecord>, Vec<Warning>) {
    let file = cut.page.file;
    // On a title-less listing the line the footer walk took for the last record's title is
    // its description: furniture after it does not stand where a description would.
    let described = cut.reading.title_less && cut.records.last().is_some_and(|r| r.title().is_empty());
    let region_warnings = region
        .warnings
        .iter()
        .filter(|(_, _, where_description)| !(described && *where_description))
        .map(|(i, m, _)| Warning::at(file, Some(lines[*i].number), m.as_str()));
    let (records, mut warnings) = cut.finish(layout, region_warnings);
    match reread {
        Some(w) => warnings.push(w),
        None => warnings.extend(range.and_then(|r| range_mismatch(file, r, records.len(), lines, read))),
    }
    if records.is_empty() {
        warnings.push(Warning::at(file, None, "no records found on this page"));
    }
    (records, warnings)
}

/// The role of every line: where the region puts it (blank, header, markers, furniture,
/// footer), then what cutting the chunks made of a delimiter or a header line, then the
/// fields the kept cut read. A line none of them claims stays `Other`.
fn trace_lines(
    lines: &[Line],
    region: &Region,
    chunk_roles: Vec<(usize, Role)>,
    markers: &[usize],
    cut_roles: Vec<(usize, Role, Option<usize>)>,
) -> Vec<LineRole> {
    let mut out: Vec<LineRole> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRole {
            line: l.number,
            role: region_role(i, l, region),
            record: None,
            marker: false,
            text: l.text.to_string(),
        })
        .collect();
    let by_number = |n: usize| n.checked_sub(1).filter(|&i| i < lines.len());
    for (n, role) in chunk_roles {
        if let Some(i) = by_number(n) {
            out[i].role = role;
        }
    }
    for &n in markers {
        if let Some(i) = by_number(n) {
            out[i].marker = true;
        }
    }
    for (n, role, record) in cut_roles {
        if let Some(i) = by_number(n) {
            out[i].role = role;
            out[i].record = record;
        }
    }
    out
}

/// A line's role by where the region puts it; record text is `Other` until a cut claims it.
fn region_role(i: usize, l: &Line, region: &Region) -> Role {
    match l.kind {
        Kind::Blank => Role::Blank,
        _ if i > region.footer => Role::Footer,
        _ if i == region.footer => Role::EndMarker,
        _ if i >= region.begin && !region.furniture[i] => Role::Other,
        Kind::Content => Role::Header,
        Kind::Range => Role::RangeHeader,
        Kind::Start if i < region.begin => Role::StartMarker,
        _ => Role::Furniture,
    }
}

/// A page that finds more records than its range header states ("1 - 10 of 47" shows 10),
/// in a layout that tells dateless records by their shape, may have read a description that
/// breaks (two paragraphs, a line cut mid-sentence) as dateless records. It is read again
/// with every line after a record's title as its description: no dateless record by shape.
/// When that gives the stated count it is kept, with a warning naming the lines joined;
/// otherwise the first read stands, and the range mismatch warning tells.
fn reread_to_range<'a>(
    first: Cut<'a>,
    chunks: &[Vec<(usize, &str)>],
    (from, to, total): (usize, usize, usize),
) -> (Cut<'a>, Option<Warning>, Reread) {
    let shown = to.saturating_sub(from) + 1;
    let found = first.records.len();
    if !first.reading.dateless_by_shape || found <= shown {
        return (first, None, Reread::NotTried);
    }
    let reading = Reading {
        dateless_by_shape: false,
        ..first.reading
    };
    let again = Cut::run(first.page, reading, chunks);
    if again.records.len() != shown {
        let rejected = Reread::Rejected {
            shown,
            first: found,
            again: again.records.len(),
        };
        return (first, None, rejected);
    }
    let starts: std::collections::HashSet<usize> = again.records.iter().map(|r| r.provenance.line).collect();
    let joined: Vec<String> = first
        .records
        .iter()
        .filter(|r| !starts.contains(&r.provenance.line))
        .map(|r| {
            let text = if r.title().is_empty() {
                r.description().unwrap_or_default()
            } else {
                r.title()
            };
            format!("line {} ({text:?})", r.provenance.line)
        })
        .collect();
    let warning = Warning::at(
        first.page.file,
        None,
        format!(
            "the page says it shows {shown} records ({from} - {to} of {total}) but {found} were found when dateless records are told by their shape; read again with every line after a record's title as its description, it shows {shown}: joined to the description above them: {}",
            joined.join(", ")
        ),
    );
    (again, Some(warning), Reread::Kept { shown, first: found })
}

/// A page's record text cut into chunks, one or more records each.
struct Chunks<'a> {
    chunks: Vec<Vec<(usize, &'a str)>>,
    /// Lines read into a record (or delimiting one): the others are reported when the page
    /// shows fewer records than its range header says.
    read: Vec<bool>,
    /// Text lines between a start marker and the first list item (header too).
    skipped_before_marker: usize,
    /// When tracing: separators and header lines by line number (the cut gives the rest).
    roles: Vec<(usize, Role)>,
    /// When tracing: the numbers of the lines that begin with a record marker.
    markers: Vec<usize>,
}

impl<'a> Chunks<'a> {
    fn cut(lines: &[Line<'a>], region: &Region, d: &Delimiters, trace: bool) -> Chunks<'a> {
        let mut c = Chunks {
            chunks: Vec::new(),
            read: vec![false; lines.len()],
            skipped_before_marker: 0,
            roles: Vec::new(),
            markers: Vec::new(),
        };
        let mut current: Vec<(usize, &str)> = Vec::new();
        for (i, l) in lines.iter().enumerate().take(region.footer).skip(region.begin) {
            if l.kind == Kind::Blank || region.furniture[i] {
                continue;
            }
            if d.separator(l.text) {
                c.read[i] = true;
                c.note(trace, l.number, Role::Separator);
                if !current.is_empty() {
                    c.chunks.push(std::mem::take(&mut current));
                }
                continue;
            }
            if let Some(marker) = d.layout.record_marker.as_ref().and_then(|r| r.find(l.text)) {
                c.read[i] = true;
                if trace {
                    c.markers.push(l.number);
                }
                if !current.is_empty() {
                    c.chunks.push(std::mem::take(&mut current));
                }
                let rest = l.text[marker.end()..].trim();
                // A bare marker line still begins a record; its content follows.
                current.push((l.number, rest));
                continue;
            }
            if d.layout.record_marker.is_some() && current.is_empty() && c.chunks.is_empty() {
                // Text between a start marker and the first list item is header too.
                c.skipped_before_marker += 1;
                c.note(trace, l.number, Role::Header);
                continue;
            }
            // A date line begins a record in every layout: a page that lost a marker or a
            // separator still splits where its dates are.
            // (With fields before the date, the record began `lead` lines above it.)
            if d.date_line(l.text) && current.iter().any(|(_, t)| !t.is_empty()) {
                let next = current.split_off(current.len().saturating_sub(d.layout.lead()));
                if !current.is_empty() {
                    c.chunks.push(std::mem::replace(&mut current, next));
                } else {
                    current = next;
                }
            }
            c.read[i] = true;
            current.push((l.number, l.text));
        }
        if !current.is_empty() {
            c.chunks.push(current);
        }
        c
    }

    fn note(&mut self, trace: bool, line: usize, role: Role) {
        if trace {
            self.roles.push((line, role));
        }
    }
}

/// A warning when a page shows another number of records than its range header says; it
/// names the lines not read into any record, so that a lost record can be found.
fn range_mismatch(
    file: &str,
    (first, last, total): (usize, usize, usize),
    found: usize,
    lines: &[Line],
    read: &[bool],
) -> Option<Warning> {
    let shown = last.saturating_sub(first) + 1;
    if shown == found {
        return None;
    }
    let skipped = line_ranges(
        lines
            .iter()
            .zip(read)
            .filter(|(l, r)| l.kind != Kind::Blank && !**r)
            .map(|(l, _)| l.number),
    );
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped lines {skipped} (not read into any record)")
    };
    Some(Warning::at(
        file,
        None,
        format!("the page says it shows {shown} records ({first} - {last} of {total}) but {found} were found{skipped}"),
    ))
}

/// Ascending line numbers written as ranges: "1-3, 7, 10-12" (at most 20 ranges, then how
/// many more lines).
fn line_ranges(numbers: impl Iterator<Item = usize>) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for n in numbers {
        match ranges.last_mut() {
            Some((_, hi)) if *hi + 1 == n => *hi = n,
            _ => ranges.push((n, n)),
        }
    }
    const SHOWN: usize = 20;
    let mut parts: Vec<String> = ranges
        .iter()
        .take(SHOWN)
        .map(|&(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") })
        .collect();
    let more: usize = ranges.iter().skip(SHOWN).map(|(lo, hi)| hi - lo + 1).sum();
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    parts.join(", ")
}

/// The first layout whose `detect` matches a content line (or that has none), and why.
fn choose_layout<'r>(lines: &[Line], rules: &'r CompiledPageRules) -> (&'r CompiledLayout, LayoutChoice) {
    // A layout of CSS selectors alone reads HTML pages by their markup, not text by lines.
    for layout in rules.layouts.iter().filter(|l| l.html.is_none() || l.detect.is_some()) {
        let Some(re) = &layout.detect else {
            return (layout, LayoutChoice::NoDetect);
        };
        if let Some(l) = lines.iter().find(|l| l.kind == Kind::Content && re.is_match(l.text)) {
            return (layout, LayoutChoice::Detected { line: l.number });
        }
    }
    let last = rules.layouts.last().expect("rules validated: at least one layout");
    (last, LayoutChoice::Fallback)
}

/// True when a line reads like the end of a sentence: a description, not a title.
fn ends_like_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    t.ends_with(['.', '!', '?', '…'])
}

/// True when a line begins in lower case (its first letter or digit): it goes on with the
/// sentence of the line before it (a description cut mid-word or mid-sentence by a line
/// break). A title, or a new paragraph, begins otherwise.
fn starts_lower(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
}

/// True when a line stops inside a sentence by its punctuation (a comma, semicolon, colon or
/// dash): the next line goes on with it. A title does not end so.
fn stops_mid_sentence(text: &str) -> bool {
    text.ends_with([',', ';', ':', '-', '–', '—'])
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The number of lines of the sentence that begins `lines`: its first line and each line
/// that goes on with it (one that begins in lower case, or follows a line that stops at a
/// comma, semicolon, colon or dash).
fn sentence_run(lines: &[(usize, &str)]) -> usize {
    let mut n = lines.len().min(1);
    while n < lines.len() && (starts_lower(lines[n].1) || stops_mid_sentence(lines[n - 1].1)) {
        n += 1;
    }
    n
}

/// True when the last line of the sentence that begins `lines` ends like a sentence.
fn run_ends_like_sentence(lines: &[(usize, &str)]) -> bool {
    lines[..sentence_run(lines)]
        .last()
        .is_some_and(|(_, t)| ends_like_sentence(t))
}

/// In a layout that tells dateless records by their shape: true when `rest` begins a
/// dateless record, a title and then its description: a line that no line goes on with,
/// that neither ends like a sentence nor begins in lower case, followed by a sentence that
/// ends like one. (A line followed by one in lower case is the first half of a sentence.)
fn begins_dateless_record(rest: &[(usize, &str)]) -> bool {
    match rest {
        [(_, title), more @ ..] if !more.is_empty() => {
            sentence_run(rest) == 1
                && !ends_like_sentence(title)
                && !starts_lower(title)
                && run_ends_like_sentence(more)
        }
        _ => false,
    }
}

/// In a layout that tells dateless records by their shape: how many of the lines after a
/// record's title are its description. The first sentence is (its line and the lines that
/// go on with it), unless it begins a dateless record. After it, a sentence goes on with the
/// description when it ends like a sentence, or when the description so far does not (it
/// stopped mid-sentence), unless it begins a dateless record; any other line begins a
/// dateless record.
fn description_len(rest: &[(usize, &str)]) -> usize {
    if rest.is_empty() || begins_dateless_record(rest) {
        return 0;
    }
    let mut n = sentence_run(rest);
    while n < rest.len() && !begins_dateless_record(&rest[n..]) {
        let next = n + sentence_run(&rest[n..]);
        if !ends_like_sentence(rest[next - 1].1) && ends_like_sentence(rest[n - 1].1) {
            break;
        }
        n = next;
    }
    n
}

/// A chunk whose text after its date line is one line, or one sentence broken over lines
/// (`sentence_run`): whether it ends like a sentence, and how many words it has.
fn one_line(chunk: &[(usize, &str)], d: &Delimiters) -> Option<(bool, usize)> {
    let mut text: Vec<(usize, &str)> = chunk.iter().copied().filter(|(_, t)| !t.is_empty()).collect();
    if text.first().is_some_and(|(_, t)| d.date_line(t)) {
        text.remove(0);
    }
    if text.is_empty() || sentence_run(&text) != text.len() {
        return None;
    }
    let words = text.iter().map(|(_, t)| word_count(t)).sum();
    Some((run_ends_like_sentence(&text), words))
}

/// Whether a page is a title-less listing (`page.title_less`), with the figures that
/// decided it: enough records, most of them one text line, and those lines read as prose
/// (enough of them end like a sentence, and their lower median is long enough, in words).
/// The last record of a page that may end inside it is not judged by a line without a
/// sentence end (the page may have cut it).
fn judge_title_less(chunks: &[Vec<(usize, &str)>], page: &PageText, policy: &TitleLessRules) -> TitleLessFigures {
    let mut lines: Vec<(bool, usize)> = chunks.iter().filter_map(|c| one_line(c, page.d)).collect();
    let one_line_records = lines.len();
    let last_left_out = page.may_end_inside_record
        && chunks
            .last()
            .and_then(|c| one_line(c, page.d))
            .is_some_and(|(sentence, _)| !sentence);
    if last_left_out {
        lines.pop();
    }
    let mut words: Vec<usize> = lines.iter().map(|l| l.1).collect();
    words.sort_unstable();
    let median_words = words.get(words.len().saturating_sub(1) / 2).copied();
    let sentences = lines.iter().filter(|l| l.0).count();
    let prose = median_words
        .is_some_and(|m| sentences as f64 >= policy.sentence_share * lines.len() as f64 && m >= policy.prose_words);
    TitleLessFigures {
        layout_says: false,
        title_less: chunks.len() >= policy.min_records
            && one_line_records as f64 >= policy.one_line_share * chunks.len() as f64
            && prose,
        records: chunks.len(),
        one_line: one_line_records,
        last_left_out,
        judged: lines.len(),
        sentences,
        median_words,
    }
}

/// What the cutting of a page's chunks needs to know of the page.
#[derive(Clone, Copy)]
struct PageText<'a> {
    d: &'a Delimiters<'a>,
    file: &'a str,
    /// The page's lines (a record start's captures are read from its whole line).
    lines: &'a [Line<'a>],
    /// The page's last non-blank line.
    last_line: Option<usize>,
    /// No end marker closes the page: its last record may be cut off by the page's end.
    may_end_inside_record: bool,
    /// The text stops without a final line break (a download cut short; a saved page ends
    /// its last line).
    ends_mid_line: bool,
    /// `page.title_less.prose_words`.
    prose_words: usize,
    /// Keep the role of each line the cut reads (`Cut::roles`).
    trace: bool,
}

/// How a page's chunks are cut into fields, decided per page.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// The page is a title-less listing: a record whose text begins with prose has no title,
    /// and that text is its description.
    title_less: bool,
    /// Dateless records are told by their shape (the layout's `dateless_by_shape`; off when
    /// the page is read again to the count its range header states).
    dateless_by_shape: bool,
}

/// Cuts chunks of a page into records.
struct Cut<'a> {
    page: PageText<'a>,
    reading: Reading,
    records: Vec<RawRecord>,
    warnings: Vec<Warning>,
    /// Records read without a title on a title-less listing.
    title_less_records: usize,
    /// When tracing: each line read, its role and its record's position.
    roles: Vec<(usize, Role, Option<usize>)>,
    /// Why the last record was judged cut off by the end of the page.
    cut_evidence: Option<String>,
}

/// A title of at most this many characters, with no description after it, at the end of a
/// page without a footer, is taken for a title the page stops in (measured on `concord synth`
/// scrapes, BENCHMARKS.md "Partial pages": real titles this short are rare).
const SHORT_CUT_TITLE: usize = 12;

impl<'a> Cut<'a> {
    /// Cuts every chunk of a page into records.
    fn run(page: PageText<'a>, reading: Reading, chunks: &[Vec<(usize, &str)>]) -> Cut<'a> {
        let mut cut = Cut {
            page,
            reading,
            records: Vec::new(),
            warnings: Vec::new(),
            title_less_records: 0,
            roles: Vec::new(),
            cut_evidence: None,
        };
        for (i, chunk) in chunks.iter().enumerate() {
            cut.split_chunk(chunk, i + 1 == chunks.len() && page.may_end_inside_record);
        }
        cut
    }

    /// Turns one chunk of lines into records: usually one, more when a layout that tells
    /// dateless records by their shape shows some after it.
    fn split_chunk(&mut self, chunk: &[(usize, &str)], is_last: bool) {
        if self.page.d.layout.explicit() {
            return self.read_fields(chunk, is_last);
        }
        // A bare record marker has no text of its own: its fields follow on the next lines.
        let marker_line = chunk.first().map(|c| c.0);
        let kept: Vec<(usize, &str)> = chunk.iter().copied().filter(|(_, t)| !t.is_empty()).collect();
        if let Some(&(line, "")) = chunk.first() {
            let record = (!kept.is_empty()).then(|| self.records.len() + 1);
            self.note(line, Role::RecordMarker, record);
        }
        let mut rest = kept.as_slice();
        let mut first = true;
        while !rest.is_empty() {
            let line = if first {
                marker_line.unwrap_or(rest[0].0)
            } else {
                rest[0].0
            };
            let mut record = record_at(line);
            rest = self.take_date(rest, first, is_last, &mut record);
            first = false;
            rest = self.take_title(rest, is_last, &mut record);
            rest = self.take_description(rest, &mut record);
            if is_last && rest.is_empty() && !record.partial {
                self.cut_evidence = self.cut_evidence(&record);
                record.partial = self.cut_evidence.is_some();
            }
            self.records.push(record);
        }
    }

    /// Reads one chunk as a layout that states its fields says (`fields`, `labels`, a record
    /// start's captures): one record, no shape judgement. The start line's captures come
    /// first; the lines before the first labelled line give `fields` in order (anchored on the
    /// date line when fields stand before it); each labelled line gives its field, with the
    /// lines after it that no label claims.
    fn read_fields(&mut self, chunk: &[(usize, &str)], is_last: bool) {
        let layout = self.page.d.layout;
        let Some(&(first_line, _)) = chunk.first() else { return };
        let mut record = record_at(first_line);
        let mut read = FieldsRead::default();
        self.read_start_line(first_line, &mut record, &mut read);
        let lines: Vec<(usize, &str)> = chunk.iter().copied().filter(|(_, t)| !t.is_empty()).collect();
        let first_label = lines
            .iter()
            .position(|(_, t)| label_of(layout, t).is_some())
            .unwrap_or(lines.len());
        let (head, labelled) = lines.split_at(first_label);
        self.read_in_order(head, &mut record, &mut read);
        self.read_labelled(labelled, &mut record, &mut read);
        self.finish_fields(&mut record, read, is_last);
        self.records.push(record);
    }

    /// The record start's captures, its first fields; the line's role is its first field's
    /// ("date" when it gives the date).
    fn read_start_line(&mut self, line: usize, record: &mut RawRecord, read: &mut FieldsRead) {
        let Some(captures) = self.start_captures(line) else {
            return;
        };
        let role = match captures.iter().map(|(f, _)| f).min() {
            Some(FieldName::Date) => Role::Date,
            Some(FieldName::Title) => Role::Title,
            Some(FieldName::Description) => Role::Description,
            Some(FieldName::Extra(_)) => Role::Field,
            None => Role::RecordMarker,
        };
        self.note_here(line, role);
        read.start_line = Some(line);
        for (name, value) in captures {
            read.set(self, record, name, &[(line, value)]);
        }
    }

    /// The lines before the first labelled one, to the layout's `fields` not given yet.
    fn read_in_order(&mut self, head: &[(usize, &str)], record: &mut RawRecord, read: &mut FieldsRead) {
        let fields: Vec<FieldSpec> = self.fields().iter().filter(|f| !read.has(&f.name)).cloned().collect();
        let assigned = self.assign(&fields, head);
        let taken_lines: usize = assigned.iter().map(|(_, t)| t.len()).sum();
        if taken_lines < head.len() {
            self.skipped_lines(head, &assigned);
        }
        for (spec, taken) in assigned {
            read.set(self, record, spec.name, &taken);
        }
    }

    /// Each labelled line with the lines after it that no label claims: its field.
    fn read_labelled(&mut self, labelled: &[(usize, &str)], record: &mut RawRecord, read: &mut FieldsRead) {
        let layout = self.page.d.layout;
        let mut i = 0;
        while i < labelled.len() {
            let (line, text) = labelled[i];
            let Some((name, value)) = label_of(layout, text) else {
                break;
            };
            let more = labelled[i + 1..]
                .iter()
                .take_while(|(_, t)| label_of(layout, t).is_none())
                .count();
            let mut taken = vec![(line, value.trim())];
            taken.extend_from_slice(&labelled[i + 1..i + 1 + more]);
            read.set(self, record, name, &taken);
            i += 1 + more;
        }
    }

    /// The fields the layout reads a record's lines as.
    fn fields(&self) -> &'a [FieldSpec] {
        self.page.d.fields()
    }

    /// A record lacking a required field: partial when it ends a page that may cut it off
    /// (or its description stops mid-sentence there), else warned; what the layout read
    /// beyond the page schema kept with it.
    fn finish_fields(&mut self, record: &mut RawRecord, read: FieldsRead, is_last: bool) {
        let missing: Vec<&str> = self
            .fields()
            .iter()
            .filter(|f| !f.optional && !read.has(&f.name))
            .map(|f| f.name.as_str())
            .collect();
        let ends_page = is_last && self.page.may_end_inside_record;
        if ends_page && (!missing.is_empty() || record.description().is_some_and(|d| !ends_like_sentence(d))) {
            record.partial = true;
            self.cut_evidence = Some(match missing.is_empty() {
                true => "its description stops mid-sentence".into(),
                false => format!("it lacks its {} line", missing.join(", ")),
            });
        } else if !missing.is_empty() {
            self.warnings.push(Warning::at(
                self.page.file,
                Some(record.provenance.line),
                format!(
                    "record lacks its {} line (the layout's fields say it has one); kept without it",
                    missing.join(", ")
                ),
            ));
        }
        if !read.extra.is_empty() || read.date.is_some() {
            record.layout_fields = Some(Box::new(crate::record::LayoutFields {
                date: read.date,
                extra: read.extra,
            }));
        }
    }

    /// Warns of each line of a record that no field took (every field it could give was
    /// already given), quoting it: nothing is dropped unsaid.
    fn skipped_lines(&mut self, lines: &[(usize, &str)], assigned: &[(FieldSpec, Vec<(usize, &str)>)]) {
        let taken: std::collections::HashSet<usize> =
            assigned.iter().flat_map(|(_, t)| t.iter().map(|l| l.0)).collect();
        for &(line, text) in lines.iter().filter(|(l, _)| !taken.contains(l)) {
            self.warnings.push(Warning::at(
                self.page.file,
                Some(line),
                format!("{text:?} stands in a record, but no field of the layout is left to take it; skipped"),
            ));
        }
    }

    /// A record start's named captures, by field, when `line` begins with one.
    fn start_captures(&self, line: usize) -> Option<Vec<(FieldName, &'a str)>> {
        let text = self.page.lines.get(line.checked_sub(1)?)?.text;
        self.page.d.captures(text)
    }

    /// Lines to `fields` in order: the date on a date line (fields before it on the lines
    /// above); each other field one line, except the last, which takes the rest; a field
    /// that may be missing takes a line only while enough are left for the required ones
    /// after it.
    fn assign<'l>(
        &self,
        fields: &[FieldSpec],
        lines: &'l [(usize, &'l str)],
    ) -> Vec<(FieldSpec, Vec<(usize, &'l str)>)> {
        let date_at = fields.iter().position(|f| f.name == FieldName::Date);
        let date_line = date_at.and_then(|_| lines.iter().position(|(_, t)| self.page.d.date_line(t)));
        match (date_at, date_line) {
            (Some(k), Some(l)) => {
                let mut out = assign_in_order(&fields[..k], &lines[..l]);
                out.push((fields[k].clone(), vec![lines[l]]));
                out.extend(assign_in_order(&fields[k + 1..], &lines[l + 1..]));
                out
            }
            (Some(k), None) => {
                let others: Vec<FieldSpec> = fields
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != k)
                    .map(|(_, f)| f.clone())
                    .collect();
                assign_in_order(&others, lines)
            }
            (None, _) => assign_in_order(fields, lines),
        }
    }

    /// The record's date line, if the chunk begins with one: a line shaped like a date (valid
    /// or not), or the start of a date cut off by the end of the page. A line shaped like a
    /// date that the calendar does not have is still the date line (kept as written, read as
    /// no date, not as a cut one), with a warning.
    fn take_date<'l>(
        &mut self,
        rest: &'l [(usize, &'l str)],
        first: bool,
        is_last: bool,
        record: &mut RawRecord,
    ) -> &'l [(usize, &'l str)] {
        let (line, head) = rest[0];
        let ends_page = is_last && rest.len() == 1 && Some(line) == self.page.last_line;
        let shaped = self.page.d.date_line(head);
        let is_date_line = (first && shaped) || (ends_page && date::looks_like_cut_date(head));
        if !is_date_line {
            return rest;
        }
        record.partial = !shaped;
        if !shaped {
            self.cut_evidence = Some("its date line stops short".into());
        }
        record.set_date(Some(head.to_string()));
        let role = match self.page.d.says_no_date(head) {
            true => Role::NoDate,
            false => Role::Date,
        };
        self.note_here(line, role);
        let read = self.page.d.read_date(head);
        if let Some(date) = self.page.d.layout_date(head) {
            record.layout_fields = Some(Box::new(crate::record::LayoutFields {
                date: Some(date),
                extra: Vec::new(),
            }));
        }
        if shaped && !self.page.d.says_no_date(head) && !matches!(read, Some(Some(_))) {
            self.warnings.push(Warning::at(
                self.page.file,
                Some(line),
                format!("{head:?} is shaped like a date but is not a valid date; kept as written, the record is read as having no date"),
            ));
        }
        &rest[1..]
    }

    /// The record's title: its first line, unless the page is a title-less listing and the
    /// record's text begins with prose; then it has no title, and the text is its description.
    fn take_title<'l>(
        &mut self,
        rest: &'l [(usize, &'l str)],
        is_last: bool,
        record: &mut RawRecord,
    ) -> &'l [(usize, &'l str)] {
        let Some(&(line, title)) = rest.first() else {
            return rest;
        };
        if self.reading.title_less && self.reads_as_description(rest, is_last) {
            self.title_less_records += 1;
            return rest;
        }
        record.set_title(title.to_string());
        self.note_here(line, Role::Title);
        &rest[1..]
    }

    /// On a title-less listing: true when a record's text begins with prose, a sentence (its
    /// line and the lines that go on with it) that ends like one, or, ending a page that may
    /// be cut off inside it, one of at least `prose_words` words. Another line (a document
    /// without description shows its title) is the title.
    fn reads_as_description(&self, rest: &[(usize, &str)], is_last: bool) -> bool {
        let run = &rest[..sentence_run(rest)];
        let cut_off = is_last && run.len() == rest.len();
        run_ends_like_sentence(rest)
            || (cut_off && run.iter().map(|(_, t)| word_count(t)).sum::<usize>() >= self.page.prose_words)
    }

    /// The record's description: every line left in layouts delimited by markers or
    /// separators; in one that tells dateless records by their shape, the lines that
    /// `description_len` gives (the rest begins dateless records). Lines are joined with one
    /// space, also where a line break cut a word: which breaks are inside a word is not known,
    /// and a space never glues two words.
    fn take_description<'l>(&mut self, rest: &'l [(usize, &'l str)], record: &mut RawRecord) -> &'l [(usize, &'l str)] {
        let n = match self.reading.dateless_by_shape {
            true => description_len(rest),
            false => rest.len(),
        };
        if n > 0 {
            let lines: Vec<&str> = rest[..n].iter().map(|(_, t)| *t).collect();
            record.set_description(Some(lines.join(" ")));
        }
        if self.page.trace {
            for (k, &(line, _)) in rest[..n].iter().enumerate() {
                let role = match k {
                    0 => Role::Description,
                    _ => Role::DescriptionContinuation,
                };
                self.note_here(line, role);
            }
        }
        &rest[n..]
    }

    /// When tracing: `line` was read as `role` of the record being read (not yet pushed).
    fn note_here(&mut self, line: usize, role: Role) {
        self.note(line, role, Some(self.records.len() + 1));
    }

    /// When tracing: `line` was read as `role` of `record`.
    fn note(&mut self, line: usize, role: Role, record: Option<usize>) {
        if self.page.trace {
            self.roles.push((line, role, record));
        }
    }

    /// True when the last record of a page that may end inside it looks cut off: no
    /// description, one without a sentence end, or no title (except on a title-less
    /// listing, where a record has none).
    /// The evidence that the last record of a page without a footer was cut off by the end of
    /// the page (None: it reads whole). A page that simply ends after its last record is not
    /// evidence: most pages do.
    fn cut_evidence(&self, record: &RawRecord) -> Option<String> {
        let title = record.title();
        match record.description() {
            Some(d) if !ends_like_sentence(d) => Some("its description stops mid-sentence".into()),
            Some(_) if title.is_empty() && !self.reading.title_less => Some("it has a description but no title".into()),
            Some(_) => None,
            None if title.is_empty() => Some("nothing follows its date".into()),
            None if self.page.ends_mid_line => {
                Some("the file stops inside its title, without a final line break".into())
            }
            None => {
                let n = title.chars().count();
                (n <= SHORT_CUT_TITLE && !ends_like_sentence(title))
                    .then(|| format!("it stops after a title of {n} characters, with no description"))
            }
        }
    }

    /// The records with their provenance, and the warnings of the page in order: the
    /// title-less reading, the cut's own, `region`'s, then the records'.
    fn finish(self, layout: &str, region: impl Iterator<Item = Warning>) -> (Vec<RawRecord>, Vec<Warning>) {
        let file = self.page.file;
        let mut warnings = Vec::new();
        if self.title_less_records > 0 {
            warnings.push(Warning::at(
                file,
                None,
                format!(
                    "read as a title-less listing: {} records' one line is their description",
                    self.title_less_records
                ),
            ));
        }
        warnings.extend(self.warnings);
        warnings.extend(region);
        let mut records = self.records;
        let (shared_file, shared_layout): (std::sync::Arc<str>, std::sync::Arc<str>) = (file.into(), layout.into());
        for (i, r) in records.iter_mut().enumerate() {
            r.provenance = Provenance {
                file: shared_file.clone(),
                position: i + 1,
                line: r.provenance.line,
                layout: shared_layout.clone(),
                page: None,
            };
            // On a title-less listing a record with a description and no title is expected.
            // A layout that states its fields warns of what it lacks itself.
            let expected = (self.reading.title_less && r.description().is_some()) || self.page.d.layout.explicit();
            if r.title().is_empty() && !r.partial && !expected {
                warnings.push(Warning::at(
                    file,
                    Some(r.provenance.line),
                    "record has a date but no title; kept with an empty title",
                ));
            }
        }
        if let Some(last) = records.last().filter(|r| r.partial) {
            let evidence = self.cut_evidence.as_deref().unwrap_or("the page stops inside it");
            warnings.push(Warning::at(
                file,
                Some(last.provenance.line),
                format!("the page ends inside this record ({evidence}); it is kept and marked partial"),
            ));
        }
        (records, warnings)
    }
}

/// Lines to `fields` in order, without a date to anchor on (see `Cut::assign`).
fn assign_in_order<'l>(fields: &[FieldSpec], lines: &[(usize, &'l str)]) -> Vec<(FieldSpec, Vec<(usize, &'l str)>)> {
    let mut out = Vec::new();
    let mut at = 0;
    for (k, f) in fields.iter().enumerate() {
        let left = lines.len() - at;
        let required_after = fields[k + 1..].iter().filter(|f| !f.optional).count();
        if left == 0 || (f.optional && left <= required_after) {
            continue;
        }
        let n = if k + 1 == fields.len() { left } else { 1 };
        out.push((f.clone(), lines[at..at + n].to_vec()));
        at += n;
    }
    out
}

/// The field a labelled line gives, and its value (the label's first capture).
fn label_of<'t>(layout: &CompiledLayout, t: &'t str) -> Option<(FieldName, &'t str)> {
    layout.labels.iter().find_map(|(name, re)| {
        let value = re.captures(t)?.iter().skip(1).flatten().next()?;
        Some((name.clone(), value.as_str()))
    })
}

/// What a layout that states its fields has read of one record so far.
#[derive(Default)]
struct FieldsRead {
    names: Vec<FieldName>,
    /// The date its `date_formats` read.
    date: Option<date::PartialDate>,
    extra: Vec<(std::sync::Arc<str>, String)>,
    /// The record start line whose captures gave fields (its role is the first field's).
    start_line: Option<usize>,
}

impl FieldsRead {
    fn has(&self, name: &FieldName) -> bool {
        self.names.contains(name)
    }

    /// Sets field `name` of `record` from `lines` (joined with a space), and notes each
    /// line's role. A field given twice keeps its first value.
    fn set(&mut self, cut: &mut Cut, record: &mut RawRecord, name: FieldName, lines: &[(usize, &str)]) {
        if lines.is_empty() {
            return;
        }
        let text = lines.iter().map(|(_, t)| t.trim()).collect::<Vec<_>>().join(" ");
        let first = lines[0].0;
        if self.has(&name) {
            cut.warnings.push(Warning::at(
                cut.page.file,
                Some(first),
                format!(
                    "{text:?} gives the record's {} a second time; the first is kept, this one skipped",
                    name.as_str()
                ),
            ));
            return;
        }
        let role = match &name {
            FieldName::Date => {
                let d = cut.page.d;
                match d.says_no_date(&text) {
                    true => Role::NoDate,
                    false => {
                        match d.read_date(&text) {
                            Some(Some(_)) => self.date = d.layout_date(&text),
                            _ => cut.warnings.push(Warning::at(
                                cut.page.file,
                                Some(first),
                                format!("{text:?} stands as the record's date but is not a date this layout reads; kept as written, the record is read as having no date"),
                            )),
                        }
                        Role::Date
                    }
                }
            }
            FieldName::Title => Role::Title,
            FieldName::Description => Role::Description,
            FieldName::Extra(_) => Role::Field,
        };
        for (k, &(line, _)) in lines.iter().enumerate() {
            let role = match (k, role) {
                (0, r) => r,
                (_, Role::Description) => Role::DescriptionContinuation,
                (_, r) => r,
            };
            if self.start_line != Some(line) {
                cut.note_here(line, role);
            }
        }
        match name.clone() {
            FieldName::Date => record.set_date(Some(text)),
            FieldName::Title => record.set_title(text),
            FieldName::Description => record.set_description(Some(text)),
            FieldName::Extra(n) => self.extra.push((n, text)),
        }
        self.names.push(name);
    }
}

/// A record beginning at `line`, with no field yet (provenance is completed by `finish`).
fn record_at(line: usize) -> RawRecord {
    let provenance = Provenance {
        file: "".into(),
        position: 0,
        line,
        layout: "".into(),
        page: None,
    };
    RawRecord::page(provenance, None, String::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn parse_text(text: &str) -> ParsedPage {
        parse("t.txt", text, &Rules::builtin().compile_pages().unwrap())
    }

    /// (date, title, description, partial) of each record.
    fn fields(p: &ParsedPage) -> Vec<(String, String, String, bool)> {
        p.records
            .iter()
            .map(|r| {
                (
                    r.date().unwrap_or_default().to_string(),
                    r.title().to_string(),
                    r.description().unwrap_or_default().to_string(),
                    r.partial,
                )
            })
            .collect()
    }

    fn rec(d: &str, t: &str, x: &str, partial: bool) -> (String, String, String, bool) {
        (d.into(), t.into(), x.into(), partial)
    }

    #[test]
    fn the_traced_read_is_the_read() {
        // A page read again to its range header: the trace is the kept read's, and the
        // records and warnings are those of the untraced read.
        let text = "1 - 2 of 2\n\nMay 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nThe second paragraph of it\n\nIt ends here.\n\nJune 1, 1950\n\nNote\n\nA note.\n";
        let rules = Rules::builtin().compile_pages().unwrap();
        let (traced, trace) = parse_traced("t.txt", text, &rules);
        assert_eq!(format!("{traced:?}"), format!("{:?}", parse("t.txt", text, &rules)));
        assert_eq!(trace.reread, Reread::Kept { shown: 2, first: 3 });
        let of = |n: usize| trace.lines.iter().find(|l| l.line == n).map(|l| (l.role, l.record));
        assert_eq!(of(9), Some((Role::DescriptionContinuation, Some(1))));
        assert_eq!(of(13), Some((Role::Date, Some(2))));
        assert_eq!(trace.lines.len(), text.split('\n').count());
    }

    #[test]
    fn plain_layout_with_a_dateless_record_between_dated_ones() {
        let p = parse_text(
            "Skip to content\n\n1 - 3 of 3\n\nMay 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nShtykov recounts a meeting.\n\n\
             Cable, Zhou Enlai to Wang Zhen\n\nZhou Enlai responds to two cables.\n\nJuly 31, 1958\n\nRecord of the First Conversation\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec(
                    "May 15, 1949",
                    "Telegram, Shtykov to Vyshinsky",
                    "Shtykov recounts a meeting.",
                    false
                ),
                rec(
                    "",
                    "Cable, Zhou Enlai to Wang Zhen",
                    "Zhou Enlai responds to two cables.",
                    false
                ),
                rec("July 31, 1958", "Record of the First Conversation", "", false),
            ]
        );
        assert_eq!(p.layout, "plain");
        assert!(p.warnings.iter().all(|w| !w.message.contains("says it shows")));
    }

    #[test]
    fn a_record_without_description_followed_by_a_dateless_record() {
        let p = parse_text(
            "Documents\n\nJuly 31, 1958\n\nRecord of the First Conversation\n\nCable, Zhou Enlai to Wang Zhen\n\n\
             Zhou Enlai responds to two cables.\n\nMay 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nShtykov recounts.\n\nPagination",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec("July 31, 1958", "Record of the First Conversation", "", false),
                rec(
                    "",
                    "Cable, Zhou Enlai to Wang Zhen",
                    "Zhou Enlai responds to two cables.",
                    false
                ),
                rec(
                    "May 15, 1949",
                    "Telegram, Shtykov to Vyshinsky",
                    "Shtykov recounts.",
                    false
                ),
            ]
        );
    }

    #[test]
    fn a_description_of_two_paragraphs_stays_one_description() {
        let p = parse_text("May 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nFirst sentence.\n\nSecond paragraph.\n");
        assert_eq!(
            fields(&p),
            vec![rec(
                "May 15, 1949",
                "Telegram, Shtykov to Vyshinsky",
                "First sentence. Second paragraph.",
                false
            )]
        );
    }

    #[test]
    fn separated_layout_splits_at_dates_even_without_a_separator() {
        let p = parse_text(
            "SEARCH RESULTS\n1948\nReport on Manchuria\nAn overview.\n-\nAugust 1949\nMemorandum\nLiu and Stalin talk.\nMay 15, 1949\nTelegram\nShtykov recounts.\n",
        );
        assert_eq!(p.layout, "separated");
        let dates: Vec<String> = fields(&p).into_iter().map(|f| f.0).collect();
        assert_eq!(dates, vec!["1948", "August 1949", "May 15, 1949"]);
    }

    #[test]
    fn bulleted_layout_with_a_bare_marker_and_a_dateless_item() {
        let p = parse_text(
            "Search in\n\nDigital Archive International History Declassified\n\n  •\n  September 17, 1952\n\n    Hand-delivered letter\n\n    Letter from Stalin.\n\n  • Cable, Zhou Enlai to Wang Zhen\n\n    Zhou Enlai responds.\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec(
                    "September 17, 1952",
                    "Hand-delivered letter",
                    "Letter from Stalin.",
                    false
                ),
                rec("", "Cable, Zhou Enlai to Wang Zhen", "Zhou Enlai responds.", false),
            ]
        );
        assert_eq!(p.records[0].provenance.line, 5);
    }

    #[test]
    fn range_header_forms_and_counts() {
        let p = parse_text("Showing 11 - 13 of 1,234 results\n\nMay 15, 1949\n\nTelegram\n\nShtykov recounts.\n");
        assert_eq!(p.range, Some((11, 13, 1234)));
        assert!(
            p.warnings
                .iter()
                .any(|w| w.message.contains("shows 3 records (11 - 13 of 1234) but 1 were found"))
        );
    }

    #[test]
    fn a_page_cut_inside_a_title_or_a_date() {
        let p = parse_text(
            "1 - 2 of 2\n\nMay 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nShtykov recounts.\n\nSeptember 06, 1952\n\nLetter, Zhou En",
        );
        // The file stops inside the title, without a final line break: evidence of the cut.
        assert_eq!(fields(&p)[1], rec("September 06, 1952", "Letter, Zhou En", "", true));
        let p = parse_text("May 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nShtykov recounts.\n\nSeptember 6, 19");
        assert_eq!(fields(&p)[1], rec("September 6, 19", "", "", true));
    }

    #[test]
    fn cr_only_line_endings_are_lines_too() {
        let p = parse_text("Skip to content\r\rMay 15, 1949\r\rTelegram\r\rShtykov recounts.\r");
        assert_eq!(
            fields(&p),
            vec![rec("May 15, 1949", "Telegram", "Shtykov recounts.", false)]
        );
        assert_eq!(p.records[0].provenance.line, 3);
    }

    #[test]
    fn crlf_and_bom_are_read_like_plain_text() {
        let p = parse_text("\u{feff}Skip to content\r\n\r\nMay 15, 1949\r\n\r\nTelegram\r\n\r\nShtykov recounts.\r\n");
        assert_eq!(
            fields(&p),
            vec![rec("May 15, 1949", "Telegram", "Shtykov recounts.", false)]
        );
    }

    #[test]
    fn a_list_after_the_footer_is_not_records() {
        let p = parse_text(
            "SEARCH RESULTS\n\n• May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nPagination\n\n• About\n\n• Contact\n",
        );
        assert_eq!(
            fields(&p),
            vec![rec("May 15, 1949", "Telegram", "Shtykov recounts.", false)]
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn furniture_between_lines_of_a_record_is_quoted() {
        let p = parse_text("May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nSort: by date\n\nA second paragraph.\n");
        assert_eq!(
            fields(&p),
            vec![rec(
                "May 15, 1949",
                "Telegram",
                "Shtykov recounts. A second paragraph.",
                false
            )]
        );
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(7));
        assert!(p.warnings[0].message.contains("\"Sort: by date\""));
    }

    #[test]
    fn mixed_line_endings_count_each_break_once() {
        assert_eq!(
            split_lines("a\rb\r\nc\nd\r\r\ne\r\rf"),
            vec!["a", "b", "c", "d", "", "e", "", "f"]
        );
        // Mostly LF: a lone CR is a character of its line.
        assert_eq!(split_lines("a\nb\rc\r\nd\n"), vec!["a", "b\rc", "d", ""]);
    }

    #[test]
    fn an_end_marker_as_a_description_before_more_records_is_text() {
        // After the last date line, "Next" where a description stands, with a dateless list
        // item after it: the record's description, and the item a record of its own.
        let p = parse_text(
            "Search in\n\n  • May 15, 1949\n\n    Telegram\n\n    Next\n\n  • Cable, Zhou Enlai\n\n    Zhou responds.\n\nPagination\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec("May 15, 1949", "Telegram", "Next", false),
                rec("", "Cable, Zhou Enlai", "Zhou responds.", false)
            ]
        );
    }

    #[test]
    fn a_title_that_reads_like_a_footer_is_a_title() {
        let p = parse_text("May 15, 1949\n\nBack to top\n\nJune 1, 1950\n\nNext\n");
        assert_eq!(
            fields(&p),
            vec![
                rec("May 15, 1949", "Back to top", "", false),
                rec("June 1, 1950", "Next", "", true)
            ]
        );
    }

    #[test]
    fn footer_lines_end_the_records() {
        let p = parse_text("May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nBack to top\n\n© 2026 Wilson Center\n");
        assert_eq!(
            fields(&p),
            vec![rec("May 15, 1949", "Telegram", "Shtykov recounts.", false)]
        );
    }

    #[test]
    fn a_collection_introduction_is_header_not_records() {
        let p = parse_text(
            "Skip to content\n\nSino-Soviet Relations\n\nThis collection gathers documents.\n\nPopular Documents\n\n\
             May 15, 1949\n\nTelegram\n\nShtykov recounts.\n",
        );
        assert_eq!(p.header_lines, 2);
        assert_eq!(
            fields(&p),
            vec![rec("May 15, 1949", "Telegram", "Shtykov recounts.", false)]
        );
    }

    const LISTING: &str = "Skip to content\n\n1 - 3 of 3\n\nMay 15, 1949\n\nShtykov recounts a recent meeting between Kim Il and Mao Zedong.\n\n\
        October 8, 1950\n\nMao informs Stalin that the Chinese volunteers could cross into Ko\n\nrea by October 15.\n\n\
        July 5, 1950\n\n";

    #[test]
    fn a_title_less_page_cut_inside_its_last_line_reads_it_by_length() {
        // Long enough to be a description: read as one, partial.
        let p = parse_text(&format!(
            "{LISTING}Stalin informs Mao Zedong that Chinese armed forces should be sta"
        ));
        assert_eq!(
            fields(&p),
            vec![
                rec(
                    "May 15, 1949",
                    "",
                    "Shtykov recounts a recent meeting between Kim Il and Mao Zedong.",
                    false
                ),
                // A line break inside a sentence: the description goes on (joined with a space).
                rec(
                    "October 8, 1950",
                    "",
                    "Mao informs Stalin that the Chinese volunteers could cross into Ko rea by October 15.",
                    false
                ),
                rec(
                    "July 5, 1950",
                    "",
                    "Stalin informs Mao Zedong that Chinese armed forces should be sta",
                    true
                ),
            ]
        );
        assert!(
            p.warnings[0]
                .message
                .contains("3 records' one line is their description"),
            "{:?}",
            p.warnings
        );
        assert!(
            !p.warnings.iter().any(|w| w.message.contains("no title")),
            "{:?}",
            p.warnings
        );
        // Too short to tell: the title, as on any page.
        let p = parse_text(&format!("{LISTING}Telegram from Flippov"));
        assert_eq!(fields(&p)[2], rec("July 5, 1950", "Telegram from Flippov", "", true));
        assert!(
            p.warnings[0].message.contains("2 records' one line"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_description_stopping_mid_sentence_goes_on_unless_a_dateless_record_begins() {
        // "... between the" stops mid-sentence: the next line, upper case and without a
        // sentence end, goes on with it.
        let p = parse_text(
            "May 15, 1949\n\nTelegram\n\nShtykov recounts a meeting between the\n\nSoviet and Chinese sides\n\nJune 1, 1950\n\nNote\n\nA note.\n",
        );
        assert_eq!(
            fields(&p)[0],
            rec(
                "May 15, 1949",
                "Telegram",
                "Shtykov recounts a meeting between the Soviet and Chinese sides",
                false
            )
        );
        assert_eq!(p.records.len(), 2);
        // A title followed by its sentence still begins a dateless record.
        let p = parse_text(
            "May 15, 1949\n\nTelegram\n\nShtykov recounts a meeting between the\n\nCable, Zhou Enlai to Wang Zhen\n\nZhou Enlai responds.\n",
        );
        assert_eq!(
            fields(&p)[1],
            rec("", "Cable, Zhou Enlai to Wang Zhen", "Zhou Enlai responds.", false)
        );
    }

    /// A page read with the built-in rules and one layout of a user's file.
    fn parse_with(layout: &str, text: &str) -> ParsedPage {
        let user = format!("[[layouts]]\nname = \"archive\"\n{layout}");
        let rules = Rules::from_layers(&[("default.toml", crate::rules::DEFAULT_RULES), ("user.toml", &user)]).unwrap();
        parse("t.txt", text, &rules.compile_pages().unwrap())
    }

    #[test]
    fn fields_before_the_date_begin_the_record_above_its_date_line() {
        let p = parse_with(
            "detect = '^\\d{1,2} [A-Z][a-z]+ \\d{4}$'\nfields = ['title', 'date', 'description?']\n",
            "Harbour papers\nA paragraph about them, 1961.\nMemorandum on the harbour\n12 March 1962\nThe engineer reports\non the storms.\nLetter from the mayor\n9 April 1962\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec(
                    "12 March 1962",
                    "Memorandum on the harbour",
                    "The engineer reports on the storms.",
                    false
                ),
                rec("9 April 1962", "Letter from the mayor", "", false),
            ]
        );
        assert_eq!(p.header_lines, 2);
        assert_eq!(p.records[0].provenance.line, 3);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn a_record_start_captures_fields_and_optional_fields_yield_to_required_ones() {
        let p = parse_with(
            "detect = ' \\| '\nrecord_start = '^(?P<date>[A-Z][a-z]{2} \\d{1,2}, \\d{4}) \\| (?P<kind>.+)$'\nfields = ['title?', 'description']\n",
            "Oct 13, 2006 | Briefing Book\nThe Test Ban\nA teaser\nover two lines.\nNov 2, 2006 | Cable\nOnly a teaser.\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec("Oct 13, 2006", "The Test Ban", "A teaser over two lines.", false),
                rec("Nov 2, 2006", "", "Only a teaser.", false),
            ]
        );
        let kinds: Vec<_> = p.records.iter().map(|r| r.extra_fields().to_vec()).collect();
        assert_eq!(kinds[1], vec![("kind".into(), "Cable".to_string())]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn labelled_lines_give_their_field_and_a_date_format_reads_the_date() {
        let p = parse_with(
            "detect = '^Titre'\nrecord_start = '^Titre : (?P<title>.+)$'\n\
             date_formats = ['^(?P<day>\\d{1,2})\\.(?P<month>\\d{1,2})\\.(?P<year>\\d{4})$']\n\
             labels = { date = '^Date : (.+)$', kind = '^Type : (.+)$', description = '^Résumé : (.+)$' }\n",
            "Titre : Télégramme\nType : Télégramme\nDate : 16.10.1962\nRésumé : La situation\nà Cuba.\nType : Note\nTitre : Note\nDate : 31.02.1962\n",
        );
        assert_eq!(
            fields(&p),
            vec![
                rec("16.10.1962", "Télégramme", "La situation à Cuba.", false),
                rec("31.02.1962", "Note", "", false),
            ]
        );
        let date = p.records[0].layout_fields.as_ref().and_then(|l| l.date);
        assert_eq!(date.map(|d| d.to_string()), Some("1962-10-16".to_string()));
        let said: Vec<_> = p.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
        assert!(
            said.iter()
                .any(|(l, m)| *l == Some(6) && m.contains("kind a second time")),
            "{said:?}"
        );
        assert!(
            said.iter()
                .any(|(l, m)| *l == Some(8) && m.contains("not a date this layout reads")),
            "{said:?}"
        );
    }

    #[test]
    fn a_line_no_field_takes_is_warned_not_dropped_silently() {
        let p = parse_with(
            "detect = '^Titre'\nrecord_start = '^Titre : (?P<title>.+)$'\nfields = ['date']\n",
            "Titre : Note\n1962\nA stray line\n",
        );
        // A date is one line: the line after it is no field's.
        assert_eq!(fields(&p), vec![rec("1962", "Note", "", false)]);
        assert!(p.warnings.iter().any(|w| w.line == Some(3)), "{:?}", p.warnings);
        let p = parse_with(
            "detect = '^Titre'\nrecord_start = '^Titre : (?P<title>.+)$'\nfields = ['title']\n",
            "Titre : Note\nA stray line\n",
        );
        assert_eq!(fields(&p), vec![rec("", "Note", "", false)]);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.line == Some(2) && w.message.contains("\"A stray line\"")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_date_the_layout_formats_miss_is_read_by_the_built_in_forms_without_a_warning() {
        let p = parse_with(
            "detect = '^Titre'\nrecord_start = '^Titre : (?P<title>.+)$'\n\
             date_formats = ['^(?P<day>\\d{1,2}) (?P<month>\\p{L}+) (?P<year>\\d{4})$']\n\
             month_names = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre']\n\
             labels = { date = '^Date : (.+)$' }\n",
            "Titre : Lettre\nDate : 6 September 1952\nTitre : Note\nDate : 6 septembre 1952\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let dates: Vec<_> = p
            .records
            .iter()
            .map(|r| crate::normalize::page_date(r).map(|d| d.to_string()))
            .collect();
        assert_eq!(
            dates,
            vec![Some("1952-09-06".to_string()), Some("1952-09-06".to_string())]
        );
    }
}
