//! Ingest: find the input files, read them, and turn each into raw records with provenance.
//!
//! Each file is read by its format: a saved result page, or a CSV or JSON Lines table (by
//! its extension, or as `--format` says).
//!
//! A file that cannot be used (unreadable, not a regular file, larger than
//! `input.max_file_bytes`, a page not UTF-8 nor UTF-16 or UTF-32 with a byte-order mark nor
//! in the encoding `--encoding` chose, binary) is reported with its name and, where there is
//! one, its line; the other files are still read. A table that is not UTF-8 is read in the
//! encoding chosen, or as windows-1252 with a warning ([`encoding`]).

pub mod encoding;
pub mod html;
pub mod manifest;
pub mod page;
pub mod table;
mod walk;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use walk::discover;

use crate::error::Error;
use crate::rules::CompiledPageRules;

/// One input file and the name it goes by in provenance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// Path relative to its input root, `/`-separated (for a file given directly, its name).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// What reading one file gave.
#[derive(Debug)]
pub struct FileOutcome {
    /// The file.
    pub file: InputFile,
    /// Its records, or why there are none.
    pub result: Result<page::ParsedPage, Error>,
    /// Malformed table rows skipped (each also a warning with its line).
    pub skipped_rows: usize,
    /// A table read as pages (`[table.pages]`): each row is a page of its own.
    pub rows_are_pages: bool,
}

/// Reads and parses one input file as a saved result page.
/// `max_bytes` is `input.max_file_bytes` of the rules.
pub fn read(file: &InputFile, rules: &CompiledPageRules, max_bytes: u64) -> FileOutcome {
    read_as(file, table::Format::Page, rules, None, max_bytes)
}

/// The text of one input file read as a saved result page, as [`read`] reads it (size cap,
/// byte-order mark, encoding checks), for a caller that parses it itself (`concord inspect`).
/// An HTML page (by its name) is read in the charset it declares when it is not UTF-8, and
/// given as the text a browser would show.
pub fn read_page_text(file: &InputFile, max_bytes: u64) -> Result<String, Error> {
    let html = table::Format::from_name(&file.name) == table::Format::Html;
    let bytes = read_capped(file, max_bytes).and_then(|b| transcode(&file.name, b))?;
    let bytes = encoding::page_utf8(&file.name, &bytes, None, html)
        .0
        .map_or(bytes, String::into_bytes);
    let text = decode(&file.name, bytes)?;
    Ok(match html {
        true => html::Page::parse(&text).text(),
        false => text,
    })
}

/// A page's text (an HTML page's as a browser shows it) parsed, its records sharing what the
/// page says of itself: its address (an HTML page's own) and its range header.
fn parse_page(file: &InputFile, text: &str, as_html: bool, rules: &CompiledPageRules) -> page::ParsedPage {
    let (text, url, picked) = match as_html {
        true => {
            let doc = html::Page::parse(text);
            let text = doc.text();
            let picked = by_selectors(file, &doc, &text, rules);
            (std::borrow::Cow::Owned(text), doc.address(), picked)
        }
        false => (std::borrow::Cow::Borrowed(text), None, None),
    };
    let mut parsed = picked.unwrap_or_else(|| page::parse(&file.name, &text, rules));
    let meta = std::sync::Arc::new(crate::record::PageMeta {
        url,
        range: parsed.range,
        ..Default::default()
    });
    for r in &mut parsed.records {
        r.provenance.page = Some(meta.clone());
    }
    parsed
}

/// An HTML page read by the first layout whose CSS selectors (`html = {...}`) pick a record
/// in it; None when no layout's do (the page is read by its text). Such records have no
/// line of their own (`line` 0): the selectors, not the lines, found them.
fn by_selectors(file: &InputFile, doc: &html::Page, text: &str, rules: &CompiledPageRules) -> Option<page::ParsedPage> {
    let (layout, picked) =
        (rules.layouts.iter()).find_map(|l| l.html.as_ref().and_then(|s| doc.records(s)).map(|p| (l, p)))?;
    let (name, layout_name): (std::sync::Arc<str>, std::sync::Arc<str>) =
        (file.name.as_str().into(), layout.name.as_str().into());
    let records = (picked.into_iter().enumerate())
        .map(|(i, p)| {
            let provenance = crate::record::Provenance {
                file: name.clone(),
                position: i + 1,
                line: 0,
                layout: layout_name.clone(),
                page: None,
            };
            crate::record::RawRecord::page(provenance, p.date, p.title, p.description)
        })
        .collect();
    Some(page::ParsedPage {
        records,
        layout: layout.name.clone(),
        range: page::range_in(text, rules),
        header_lines: 0,
        warnings: Vec::new(),
    })
}

/// Reads and parses one input file in `format`. A table without a mapping is an error, and
/// so is a file of more than `max_bytes` (`input.max_file_bytes`).
pub fn read_as(
    file: &InputFile,
    format: table::Format,
    rules: &CompiledPageRules,
    mapping: Option<&crate::schema::TableRules>,
    max_bytes: u64,
) -> FileOutcome {
    read_encoded(file, format, rules, mapping, max_bytes, None)
}

/// [`read_as`], in the encoding `--encoding` chose (None: as [`encoding`] finds it).
pub fn read_encoded(
    file: &InputFile,
    format: table::Format,
    rules: &CompiledPageRules,
    mapping: Option<&crate::schema::TableRules>,
    max_bytes: u64,
    chosen: Option<&'static encoding_rs::Encoding>,
) -> FileOutcome {
    let bytes = read_capped(file, max_bytes).and_then(|b| {
        // Once a UTF-16 or UTF-32 mark is decoded, the mark is gone: the text is UTF-8 by the
        // mark's word, and --encoding must not decode it again.
        let chosen = match unicode_mark(&b) {
            Some(_) => Some(encoding_rs::UTF_8),
            None => chosen,
        };
        transcode(&file.name, b).map(|b| (b, chosen))
    });
    let mut skipped_rows = 0;
    let mut rows_are_pages = false;
    let result = bytes.and_then(|(bytes, chosen)| match (format, mapping) {
        (table::Format::Page | table::Format::Html, _) => read_page(file, bytes, format, rules, chosen),
        (_, None) => Err(Error::Input {
            file: file.name.clone(),
            message: format!(
                "a {} table needs a [table] mapping in the rules (--rules FILE; see rules/person.toml)",
                format.as_str()
            ),
        }),
        (_, Some(m)) => read_table(&file.name, &bytes, format, m, chosen).map(|t| {
            skipped_rows = t.skipped_rows;
            let (records, warnings) = match &m.pages {
                Some(roles) => table::as_pages(t.records, t.warnings, m, roles),
                None => (t.records, t.warnings),
            };
            rows_are_pages = m.pages.is_some();
            page::ParsedPage {
                records,
                layout: format.as_str().to_string(),
                range: None,
                header_lines: 0,
                warnings,
            }
        }),
    });
    FileOutcome {
        file: file.clone(),
        result,
        skipped_rows,
        rows_are_pages,
    }
}

/// A page's bytes read as text in the encoding chosen (or as UTF-8, or an HTML page that is
/// not in the charset it declares), then parsed.
fn read_page(
    file: &InputFile,
    bytes: Vec<u8>,
    format: table::Format,
    rules: &CompiledPageRules,
    chosen: Option<&'static encoding_rs::Encoding>,
) -> Result<page::ParsedPage, Error> {
    let html = format == table::Format::Html;
    let (decoded, warning) = encoding::page_utf8(&file.name, &bytes, chosen, html);
    let bytes = decoded.map_or(bytes, String::into_bytes);
    let text = decode(&file.name, bytes)?;
    let mut parsed = parse_page(file, &text, html, rules);
    parsed.warnings.extend(warning);
    Ok(parsed)
}

/// A table's bytes decoded to UTF-8 (see [`encoding`]), then its rows read. The encoding's
/// warning comes first: it may explain the rows' own.
fn read_table(
    name: &str,
    bytes: &[u8],
    format: table::Format,
    mapping: &crate::schema::TableRules,
    chosen: Option<&'static encoding_rs::Encoding>,
) -> Result<table::ParsedTable, Error> {
    let (text, warning) = encoding::table_utf8(name, bytes, chosen);
    let mut parsed = match format {
        table::Format::Jsonl => table::parse_jsonl(name, &text, mapping),
        _ => table::parse_csv(name, &text, mapping)?,
    };
    if let Some(w) = warning {
        parsed.warnings.insert(0, w);
    }
    Ok(parsed)
}

/// The bytes of a regular file of at most `max` bytes. The file is checked as it is opened
/// (found a regular file, it may have been swapped since), and read with `take(max + 1)`:
/// a file that grows while it is read, or that the system gives as smaller than it reads
/// (as /proc does), cannot take more than `max + 1` bytes of memory.
fn read_capped(file: &InputFile, max: u64) -> Result<Vec<u8>, Error> {
    let io = |e| Error::Io {
        path: file.path.clone(),
        source: e,
    };
    let f = open_without_blocking(&file.path).map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(Error::Input {
            file: file.name.clone(),
            message: "not a regular file; skipped: only regular files are read".to_string(),
        });
    }
    let too_big = || Error::Input {
        file: file.name.clone(),
        message: format!("larger than input.max_file_bytes ({max} bytes); skipped (a rules file may raise the limit)"),
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Opens for reading. On Unix with O_NONBLOCK: opening a FIFO for reading otherwise waits
/// for a writer, forever; for a regular file the flag changes nothing.
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// A file that starts with a UTF-16 or UTF-32 byte-order mark, as UTF-8 (without the mark),
/// so that pages and tables alike read it as they read UTF-8; any other file unchanged.
/// The mark alone tells these encodings: without one, UTF-16 is not told from binary data.
fn transcode(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    let Some((encoding, unit, big_endian)) = unicode_mark(&bytes) else {
        return Ok(bytes);
    };
    let body = &bytes[unit..];
    let decoded = if unit == 2 {
        decode_utf16(body, big_endian)
    } else {
        decode_utf32(body, big_endian)
    };
    decoded.map(String::into_bytes).map_err(|(text, at)| {
        let line = text.matches('\n').count() + 1;
        Error::Input {
            file: name.to_string(),
            message: format!(
                "line {line}: not valid {encoding} (byte offset {}); the file was skipped",
                at + unit
            ),
        }
    })
}

/// The UTF-16 or UTF-32 encoding a file's byte-order mark names: its name, the length of
/// its units (and of the mark), big-endian or not.
fn unicode_mark(bytes: &[u8]) -> Option<(&'static str, usize, bool)> {
    // UTF-32LE's mark begins with UTF-16LE's: asked first.
    match bytes {
        [0xff, 0xfe, 0, 0, ..] => Some(("UTF-32LE", 4, false)),
        [0, 0, 0xfe, 0xff, ..] => Some(("UTF-32BE", 4, true)),
        [0xff, 0xfe, ..] => Some(("UTF-16LE", 2, false)),
        [0xfe, 0xff, ..] => Some(("UTF-16BE", 2, true)),
        _ => None,
    }
}

/// UTF-16 by the standard library's `char::decode_utf16`, which gives the place of an
/// unpaired surrogate (encoding_rs would only say that one is there). An error gives the
/// text decoded so far and the byte offset (after the mark) of the bad unit.
fn decode_utf16(body: &[u8], big_endian: bool) -> Result<String, (String, usize)> {
    let units = body.chunks(2).map(|c| match (c, big_endian) {
        ([a, b], true) => u16::from_be_bytes([*a, *b]),
        ([a, b], false) => u16::from_le_bytes([*a, *b]),
        // An odd last byte: a lone surrogate stands in for it, so that it is reported.
        _ => 0xdc00,
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut at = 0;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                at += c.len_utf16() * 2;
                text.push(c);
            }
            Err(_) => return Err((text, at)),
        }
    }
    Ok(text)
}

/// UTF-32 by hand: neither the standard library nor encoding_rs (which follows the WHATWG
/// Encoding Standard, where UTF-32 is absent) decodes it, and each unit is one `char`.
fn decode_utf32(body: &[u8], big_endian: bool) -> Result<String, (String, usize)> {
    let mut text = String::with_capacity(body.len() / 4);
    for (i, c) in body.chunks(4).enumerate() {
        let unit = match (c, big_endian) {
            ([a, b, c, d], true) => Some(u32::from_be_bytes([*a, *b, *c, *d])),
            ([a, b, c, d], false) => Some(u32::from_le_bytes([*a, *b, *c, *d])),
            _ => None,
        };
        match unit.and_then(char::from_u32) {
            Some(c) => text.push(c),
            None => return Err((text, i * 4)),
        }
    }
    Ok(text)
}

/// The file's text, or an error naming the line of the first invalid byte.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    if bytes.contains(&0) {
        let line = bytes[..bytes.iter().position(|b| *b == 0).unwrap_or(0)]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(Error::Input {
            file: name.to_string(),
            message: format!(
                "line {line}: binary data (a NUL byte; a UTF-16 or UTF-32 file needs a byte-order mark); the file was skipped"
            ),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        Error::Encoding {
            file: name.to_string(),
            line,
            offset,
        }
    })
}
