//! Tables: CSV and JSON Lines files read into raw records, one per row, with the cells of
//! the fields the `[table]` mapping names.
//!
//! A malformed row (a wrong number of fields, a line that is not a JSON object, invalid UTF-8
//! in a table read as UTF-8: one in another encoding is decoded before, see
//! [`super::encoding`]) is reported with its file and line, counted, and skipped; the rest of
//! the file is read. Cells are kept as written: typing them (and warning about an unparseable
//! date) is the normalize stage's job.

use crate::error::{Error, Warning};
use crate::record::{Provenance, RawRecord, SourceKind};
use crate::schema::TableRules;

/// The formats concord reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A saved result page, as text.
    Page,
    /// A saved result page, as HTML (a browser's "Save page as", a crawler's file).
    Html,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file's extension implies (`.csv`; `.jsonl`, `.ndjson`; `.html`, `.htm`;
    /// anything else is a text page).
    pub fn from_name(name: &str) -> Format {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Format::Csv,
            "jsonl" | "ndjson" => Format::Jsonl,
            "html" | "htm" | "xhtml" => Format::Html,
            _ => Format::Page,
        }
    }

    /// The name written to provenance's `layout` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Page => "page",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

impl Format {
    /// A result page (text or HTML), not a table.
    pub fn is_page(self) -> bool {
        matches!(self, Format::Page | Format::Html)
    }
}

/// A table's rows as page records (`[table.pages]`): each row's title, date and
/// description cells, its provenance and id kept, and its other fields as the record's own
/// fields (`record_fields.csv`). A row without a title is skipped with a warning naming its
/// line and quoting it (a page record is its title).
pub fn as_pages(
    rows: Vec<RawRecord>,
    mut warnings: Vec<Warning>,
    mapping: &TableRules,
    roles: &crate::schema::PageRoles,
) -> (Vec<RawRecord>, Vec<Warning>) {
    let cell = |r: &RawRecord, name: Option<&str>| {
        let i = mapping.field_index(name?)?;
        r.fields.get(i)?.clone().filter(|c| !c.trim().is_empty())
    };
    let [date, title, description] = roles.fields();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(t) = cell(&r, title) else {
            let cells: Vec<&str> = r.fields.iter().map(|c| c.as_deref().unwrap_or("")).collect();
            let why = format!(
                "row {} has no {:?} (the title of [table.pages]); it was skipped: {:?}",
                r.id(),
                roles.title,
                cells.join(",")
            );
            warnings.push(Warning::at(&r.provenance.file, Some(r.provenance.line), why));
            continue;
        };
        let (d, desc) = (cell(&r, date), cell(&r, description));
        let roles = roles.fields();
        let extra: Vec<(std::sync::Arc<str>, String)> = (mapping.fields.iter())
            .filter(|f| !roles.contains(&Some(f.name.as_str())))
            .filter_map(|f| Some((f.name.as_str().into(), cell(&r, Some(&f.name))?)))
            .collect();
        out.push(RawRecord {
            key: r.key.clone(),
            layout_fields: (!extra.is_empty()).then(|| Box::new(crate::record::LayoutFields { date: None, extra })),
            ..RawRecord::page(r.provenance, d, t, desc)
        });
    }
    (out, warnings)
}

/// What reading one table gave.
#[derive(Debug, Default)]
pub struct ParsedTable {
    /// One record per well-formed row.
    pub records: Vec<RawRecord>,
    /// Malformed rows, each with its file and line.
    pub warnings: Vec<Warning>,
    /// Rows skipped because they were malformed.
    pub skipped_rows: usize,
}

impl ParsedTable {
    fn skip(&mut self, file: &str, line: usize, why: impl Into<String>) {
        self.skipped_rows += 1;
        self.warnings.push(Warning::at(
            file,
            Some(line),
            format!("malformed row skipped: {}", why.into()),
        ));
    }

    fn push(&mut self, file: &str, line: usize, format: Format, cells: Vec<Option<String>>, key: Option<String>) {
        let position = self.records.len() + self.skipped_rows + 1;
        self.records.push(RawRecord {
            layout_fields: None,
            provenance: Provenance {
                file: file.into(),
                position,
                line,
                layout: format.as_str().into(),
                page: None,
            },
            fields: cells.into_boxed_slice(),
            key,
            partial: false,
            source: SourceKind::Table,
        });
    }
}

/// A cell as the mapping sees it: surrounding space removed, empty is missing.
fn cell(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads a CSV file with a header row. An error means the whole file could not be used (no
/// header, a column the mapping needs is absent).
///
/// Line numbers are counted from byte offsets, not taken from the CSV reader, which counts a
/// CRLF line break only when it reads the next record (one line too low on CRLF files).
/// A quote that opens a cell and does not close where the row should end would take in the
/// rest of the file as one row: that row is skipped with a warning that says where the quote
/// opened and how many lines it took, and the lines after the quote's line are read again.
pub fn parse_csv(file: &str, bytes: &[u8], rules: &TableRules) -> Result<ParsedTable, Error> {
    let input_err = |message: String| Error::Input {
        file: file.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| input_err(format!("line 1: cannot read the header row: {e}")))?
        .clone();
    let body = reader.position().byte() as usize;
    let mut lines = Lines::new(bytes);
    if let Some(open) = Quotes::scan(&bytes[..body]).runaway(true) {
        let (at, last) = (lines.at(open), lines.at(last_byte(bytes, 0, body)));
        return Err(input_err(format!(
            "line {at}: a quote in the header row never closes (it takes in lines {at}-{last}); close it or remove it"
        )));
    }
    let headers: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| input_err(format!("line 1: no column {name:?} (the [table] mapping needs it)")))
    };
    let columns = Columns {
        headers: &headers,
        fields: rules
            .fields
            .iter()
            .map(|f| column(f.column()))
            .collect::<Result<_, _>>()?,
        id: rules.id.as_deref().map(column).transpose()?,
    };
    let mut out = ParsedTable::default();
    let mut from = Some(body);
    while let Some(start) = from {
        from = read_rows(file, bytes, start, &mut lines, &columns, &mut out);
    }
    Ok(out)
}

/// The columns of a CSV file the mapping reads.
struct Columns<'h> {
    headers: &'h [String],
    fields: Vec<usize>,
    id: Option<usize>,
}

/// Reads the rows of `bytes` from offset `from` into `out`. Returns where to read again when
/// a quote ran away with the rows after it (see [`parse_csv`]), None at the end.
fn read_rows(
    file: &str,
    bytes: &[u8],
    from: usize,
    lines: &mut Lines,
    columns: &Columns,
    out: &mut ParsedTable,
) -> Option<usize> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(&bytes[from..]);
    let mut row = csv::ByteRecord::new();
    loop {
        let before = from + reader.position().byte() as usize;
        let read = reader.read_byte_record(&mut row);
        let end = from + reader.position().byte() as usize;
        // The record's first byte: the reader may start it at the LF of a CRLF.
        let start = row.position().map_or(before, |p| from + p.byte() as usize).max(before);
        let start = start
            + bytes[start..end]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let line = lines.at(start);
        match read {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                out.skip(file, line, format!("unreadable CSV: {e}"));
                // A reader that cannot move past the error would report it forever.
                if end == before {
                    return None;
                }
                continue;
            }
        }
        let runaway = Quotes::scan(&bytes[start..end]).runaway(row.len() != columns.headers.len());
        if let Some(open) = runaway {
            // Peeked, not counted: the lines after the quote's are read again.
            let (at, last) = (lines.peek(start + open), lines.peek(last_byte(bytes, start, end)));
            out.skip(
                file,
                at,
                format!(
                    "a quote opened on this line does not close where the row ends: it takes in {} lines (to line {last}); the row is skipped and the lines after it are read again",
                    last - at + 1
                ),
            );
            let eol = bytes[start + open..].iter().position(|b| *b == b'\n');
            return eol.map(|n| start + open + n + 1);
        }
        push_row(file, line, &row, columns, out);
    }
}

/// The offset of the last byte of `bytes[start..end]` that is not a line break.
fn last_byte(bytes: &[u8], start: usize, end: usize) -> usize {
    let trailing = bytes[start..end]
        .iter()
        .rev()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    (end - trailing).saturating_sub(1).max(start)
}

/// One CSV row checked (its number of fields, its UTF-8) and kept, or skipped with a warning.
fn push_row(file: &str, line: usize, row: &csv::ByteRecord, columns: &Columns, out: &mut ParsedTable) {
    let headers = columns.headers;
    if row.len() != headers.len() {
        out.skip(
            file,
            line,
            format!("{} fields where the header has {}", row.len(), headers.len()),
        );
        return;
    }
    let text: Result<Vec<&str>, usize> = row
        .iter()
        .enumerate()
        .map(|(i, c)| std::str::from_utf8(c).map_err(|_| i))
        .collect();
    let text = match text {
        Ok(t) => t,
        Err(i) => {
            out.skip(file, line, format!("column {:?} is not valid UTF-8", headers[i]));
            return;
        }
    };
    let cells = columns.fields.iter().map(|&i| cell(text[i])).collect();
    let key = columns.id.and_then(|i| cell(text[i]));
    out.push(file, line, Format::Csv, cells, key);
}

/// 1-based line numbers of byte offsets, counted forward from the last offset asked (offsets
/// come in order, so a file is counted once).
struct Lines<'b> {
    bytes: &'b [u8],
    offset: usize,
    line: usize,
}

impl<'b> Lines<'b> {
    fn new(bytes: &'b [u8]) -> Lines<'b> {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the byte at `offset`, counted on from there next time.
    fn at(&mut self, offset: usize) -> usize {
        self.line = self.peek(offset);
        self.offset = offset.clamp(self.offset, self.bytes.len());
        self.line
    }

    /// The line of the byte at `offset`, which must not be before the last one asked.
    fn peek(&self, offset: usize) -> usize {
        let offset = offset.clamp(self.offset, self.bytes.len());
        self.line + self.bytes[self.offset..offset].iter().filter(|b| **b == b'\n').count()
    }
}

/// Where the quoted cells of one CSV record open, as the CSV reader reads them (a quote
/// opens a cell only at its start; `""` inside is a quote; after the closing quote the cell
/// goes on unquoted). Hand-written: the csv crate does not say where a quote opened.
#[derive(Debug, Default)]
struct Quotes {
    /// The opening quote of the first quoted cell that holds a line break.
    first_multiline: Option<usize>,
    /// The opening quote of a cell still open at the record's end.
    unclosed: Option<usize>,
}

impl Quotes {
    fn scan(record: &[u8]) -> Quotes {
        enum State {
            Start,
            Unquoted,
            Quoted(usize),
            QuoteInQuoted(usize),
        }
        let mut state = State::Start;
        let mut q = Quotes::default();
        for (i, &b) in record.iter().enumerate() {
            state = match (state, b) {
                (State::Start, b'"') => State::Quoted(i),
                (State::Quoted(open), b'"') => State::QuoteInQuoted(open),
                (State::Quoted(open), b'\n') => {
                    q.first_multiline.get_or_insert(open);
                    State::Quoted(open)
                }
                (State::Quoted(open), _) => State::Quoted(open),
                (State::QuoteInQuoted(open), b'"') => State::Quoted(open),
                (_, b',' | b'\n' | b'\r') => State::Start,
                _ => State::Unquoted,
            };
        }
        if let State::Quoted(open) = state {
            q.unclosed = Some(open);
        }
        q
    }

    /// The quote that ran away with the lines after it: one still open at the record's end
    /// (the file ended inside it), or a cell across lines in a record that is malformed.
    fn runaway(&self, malformed: bool) -> Option<usize> {
        self.unclosed.or(self.first_multiline.filter(|_| malformed))
    }
}

/// A JSON value as a cell: strings as they are, numbers and booleans as written, null as
/// missing.
fn json_cell(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => cell(s),
        other => cell(&other.to_string()),
    }
}

/// Reads a JSON Lines file: one object per line; blank lines are skipped. A key the mapping
/// needs that a row lacks is a missing value.
pub fn parse_jsonl(file: &str, bytes: &[u8], rules: &TableRules) -> ParsedTable {
    let mut out = ParsedTable::default();
    for (n, raw_line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = n + 1;
        let Ok(text) = std::str::from_utf8(raw_line) else {
            out.skip(file, line, "not valid UTF-8");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                out.skip(file, line, "not a JSON object");
                continue;
            }
            Err(e) => {
                out.skip(file, line, format!("not JSON: {e}"));
                continue;
            }
        };
        let get = |name: &str| object.get(name).and_then(json_cell);
        let cells = rules.fields.iter().map(|f| get(f.column())).collect();
        let key = rules.id.as_deref().and_then(get);
        out.push(file, line, Format::Jsonl, cells, key);
    }
    out
}

/// Ids must be unique in a run. An explicit id (the id column) that repeats an earlier row's
/// gives way: that row goes by `FILE#ROW` instead. A `FILE#ROW` (a row without an id, or one
/// that gave way) that is another row's id already gets a numbered suffix (`FILE#ROW~2`).
/// Each change is a warning naming the row's file and line. Explicit ids are settled first,
/// so that a fallback never takes the id a later row names.
pub fn settle_ids(records: &mut [RawRecord], warnings: &mut Vec<Warning>) {
    if unique_by_place(records) {
        return;
    }
    let mut taken = std::collections::HashSet::new();
    for r in records.iter_mut() {
        if let Some(k) = &r.key
            && !taken.insert(k.clone())
        {
            warnings.push(Warning::at(
                &r.provenance.file,
                Some(r.provenance.line),
                format!("id {k:?} repeats an earlier row's; this row is named by its file and row instead"),
            ));
            r.key = None;
        }
    }
    for r in records.iter_mut().filter(|r| r.key.is_none()) {
        let fallback = r.id();
        if taken.insert(fallback.clone()) {
            continue;
        }
        let unique = (2..)
            .map(|n| format!("{fallback}~{n}"))
            .find(|id| !taken.contains(id))
            .unwrap_or_default(); // the range never ends: always found
        warnings.push(Warning::at(
            &r.provenance.file,
            Some(r.provenance.line),
            format!("this row's id would be {fallback:?} (its file and row), which another row has; it is named {unique:?} instead"),
        ));
        taken.insert(unique.clone());
        r.key = Some(unique);
    }
}

/// True when no record has an id of its own and the records stand file by file, positions
/// rising within each file: their ids (file and position) are then unique as they are. Pages
/// as read come so; checking it is one pass without building a million id strings to hash.
fn unique_by_place(records: &[RawRecord]) -> bool {
    if records.iter().any(|r| r.key.is_some()) {
        return false;
    }
    let mut files: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut previous: Option<&RawRecord> = None;
    for r in records {
        let p = &r.provenance;
        match previous {
            Some(q) if q.provenance.file == p.file => {
                if q.provenance.position >= p.position {
                    return false;
                }
            }
            _ => {
                if !files.insert(&p.file) {
                    return false;
                }
            }
        }
        previous = Some(r);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TableRules {
        toml::from_str(
            r#"
            id = "id"
            blocking = [{ name = "n", fields = ["name"] }]
            [[fields]]
            name = "name"
            kind = "name"
            [[fields]]
            name = "born"
            column = "dob"
            kind = "date"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn csv_rows_become_records_and_malformed_rows_are_reported() {
        let data = b"id,name,dob\n1,Ann Lee,19520906\n2,Bob\n3,\xff,1950\n4, ,\n";
        let t = parse_csv("t.csv", data, &rules()).unwrap();
        assert_eq!(t.records.len(), 2);
        assert_eq!(
            *t.records[0].fields,
            vec![Some("Ann Lee".into()), Some("19520906".into())]
        );
        assert_eq!(*t.records[1].fields, vec![None, None]);
        assert_eq!((t.records[1].provenance.position, t.records[1].provenance.line), (4, 5));
        assert_eq!(t.skipped_rows, 2);
        let lines: Vec<Option<usize>> = t.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(3), Some(4)]);
    }

    #[test]
    fn crlf_and_lf_give_the_same_lines() {
        let lf = "id,name,dob\n1,Ann,1952\n\n2,\"Bob\nRay\",1950\n3,Cy\n4,Di,1949\n";
        let crlf = lf.replace('\n', "\r\n");
        for data in [lf.to_string(), crlf] {
            let t = parse_csv("t.csv", data.as_bytes(), &rules()).unwrap();
            let lines: Vec<usize> = t.records.iter().map(|r| r.provenance.line).collect();
            assert_eq!(lines, [2, 4, 7], "{data:?}");
            assert_eq!(t.warnings[0].line, Some(6), "{data:?}");
        }
    }

    #[test]
    fn a_quote_open_at_the_end_of_the_file_is_a_runaway() {
        // No line break at the end, and the right number of fields.
        let t = parse_csv("t.csv", b"id,name,dob\n1,Ann,1952\n2,Bob,\"1950\n3,Cy,1949", &rules()).unwrap();
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.records[1].key.as_deref(), Some("3"));
        assert_eq!(t.skipped_rows, 1);
        assert_eq!(t.warnings[0].line, Some(3));
        assert!(t.warnings[0].message.contains("2 lines"), "{:?}", t.warnings);
    }

    #[test]
    fn ids_are_unique_after_settling() {
        let row = |key: Option<&str>, position: usize| RawRecord {
            layout_fields: None,
            provenance: Provenance {
                file: "t.csv".into(),
                position,
                line: position + 1,
                layout: "csv".into(),
                page: None,
            },
            partial: false,
            fields: Box::default(),
            key: key.map(str::to_string),
            source: SourceKind::Table,
        };
        let mut records = vec![
            row(None, 1),
            row(Some("t.csv#1"), 2),
            row(Some("t.csv#1~2"), 3),
            row(Some("a"), 4),
            row(Some("a"), 5),
            row(Some("t.csv#5"), 6),
        ];
        let mut warnings = Vec::new();
        settle_ids(&mut records, &mut warnings);
        let ids: Vec<String> = records.iter().map(|r| r.id()).collect();
        assert_eq!(ids, ["t.csv#1~3", "t.csv#1", "t.csv#1~2", "a", "t.csv#5~2", "t.csv#5"]);
        let lines: Vec<Option<usize>> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(6), Some(2), Some(6)]);
    }

    #[test]
    fn unkeyed_records_are_unique_by_place_unless_a_place_repeats() {
        let with_position = |file: &str, position: usize| {
            let mut r = RawRecord::for_test(file, "May 1, 1950", "T", None, false);
            r.provenance.position = position;
            r
        };
        let ids = |mut records: Vec<RawRecord>| {
            let mut warnings = Vec::new();
            settle_ids(&mut records, &mut warnings);
            (records.iter().map(|r| r.id()).collect::<Vec<_>>(), warnings.len())
        };
        // File by file, positions rising: nothing to settle.
        let (plain, warned) = ids(vec![
            with_position("a", 1),
            with_position("a", 2),
            with_position("b", 1),
        ]);
        assert_eq!((plain, warned), (vec!["a#1".into(), "a#2".into(), "b#1".into()], 0));
        // A file met again after another, and a place repeated: the full check renames.
        let (again, warned) = ids(vec![
            with_position("a", 1),
            with_position("b", 1),
            with_position("a", 1),
        ]);
        assert_eq!((again, warned), (vec!["a#1".into(), "b#1".into(), "a#1~2".into()], 1));
        let (repeated, warned) = ids(vec![with_position("a", 2), with_position("a", 2)]);
        assert_eq!((repeated, warned), (vec!["a#2".into(), "a#2~2".into()], 1));
    }

    #[test]
    fn a_missing_column_is_a_file_error() {
        let err = parse_csv("t.csv", b"id,name\n1,x\n", &rules()).unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("dob"), "{err}");
    }

    #[test]
    fn jsonl_rows_become_records() {
        let data = b"{\"id\":1,\"name\":\"Ann\",\"dob\":null}\n\n[1]\n{\"id\":\"2\"}\n{oops\n";
        let t = parse_jsonl("t.jsonl", data, &rules());
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.records[0].key.as_deref(), Some("1"));
        assert_eq!(*t.records[0].fields, vec![Some("Ann".into()), None]);
        assert_eq!(t.records[1].provenance.line, 4);
        assert_eq!(t.skipped_rows, 2);
        assert_eq!(t.warnings[1].line, Some(5));
    }
}
