//! The text encoding of input files, for `--encoding` and for tables that are not UTF-8.
//!
//! A file is decoded to UTF-8 whole, before it is parsed: the CSV reader, the line counts and
//! the cells then see one encoding, and a line break is a line break in any encoding. A file
//! that is UTF-8 is not copied.
//!
//! The rule, in order: a byte-order mark says the encoding (UTF-16 and UTF-32 marks are read
//! before this, by [`super::transcode`]; here the UTF-8 one); else the encoding chosen with
//! `--encoding`; else a table that is valid UTF-8 is UTF-8, and one that is not is read as
//! windows-1252, with one warning for the file; an HTML page that is not UTF-8 is read in
//! the charset its `<meta>` declares, and any other page is UTF-8 (or refused).

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, UTF_8, WINDOWS_1252};

use crate::error::Warning;

/// What a table that is not UTF-8 is read as when no encoding was chosen. Browsers do the
/// same: windows-1252 holds every printable Latin-1 character, and it maps every byte to a
/// character, so that a wrong guess garbles a few letters and never loses a row.
pub const FALLBACK: &Encoding = WINDOWS_1252;

/// The encoding a WHATWG label names (`utf-8`, `latin1`, `windows-1252`, `utf-16le`, ...).
/// The labels that name the "replacement" encoding (which turns a whole file into one
/// U+FFFD) are refused with the unknown ones.
pub fn by_label(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label_no_replacement(label.trim().as_bytes()).ok_or_else(|| {
        format!(
            "unknown encoding {label:?} (a WHATWG label is expected: utf-8, windows-1252, latin1, iso-8859-15, utf-16le, utf-16be, shift_jis, gb18030, ...)"
        )
    })
}

/// The bytes of a table as UTF-8, and the warning its encoding calls for (a guess made, or
/// bytes not valid in the encoding chosen). `chosen` is `--encoding`'s. A UTF-8 table, chosen
/// or found, is given as it is: a row that is not valid UTF-8 is the table reader's to skip.
pub fn table_utf8<'b>(
    file: &str,
    bytes: &'b [u8],
    chosen: Option<&'static Encoding>,
) -> (Cow<'b, [u8]>, Option<Warning>) {
    let (encoding, body) = by_bom(bytes, chosen);
    if let Some(encoding) = encoding {
        return match decode_as(file, body, encoding) {
            (Some(text), warning) => (Cow::Owned(text.into_bytes()), warning),
            (None, warning) => (Cow::Borrowed(body), warning),
        };
    }
    let Err(e) = std::str::from_utf8(body) else {
        return (Cow::Borrowed(body), None);
    };
    let line = line_at(body, e.valid_up_to());
    let (text, _) = decode_as(file, body, FALLBACK);
    let warning = Warning::at(
        file,
        Some(line),
        format!(
            "the file is not UTF-8 (first at line {line}); it is read as {}: pass --encoding to choose another",
            FALLBACK.name()
        ),
    );
    let text = text.map_or(Cow::Borrowed(body), |t| Cow::Owned(t.into_bytes()));
    (text, Some(warning))
}

/// The bytes of a page as UTF-8 when `chosen` is not UTF-8 (None: the bytes are read as
/// they are, and a page that is not UTF-8 is refused as before), and the warning for bytes
/// not valid in it. An HTML page (`html`) that is not UTF-8 is read in the charset its
/// `<meta>` declares, when no encoding was chosen.
pub fn page_utf8(
    file: &str,
    bytes: &[u8],
    chosen: Option<&'static Encoding>,
    html: bool,
) -> (Option<String>, Option<Warning>) {
    let declared = || match html && std::str::from_utf8(bytes).is_err() {
        true => meta_charset(bytes),
        false => None,
    };
    match by_bom(bytes, chosen.or_else(declared)) {
        (Some(encoding), body) => decode_as(file, body, encoding),
        (None, _) => (None, None),
    }
}

/// How far into an HTML page its charset declaration is looked for: as far as browsers look.
const META_SCAN: usize = 1024;

/// The charset an HTML page's `<meta charset=...>` or `<meta http-equiv="Content-Type"
/// content="...; charset=...">` declares, within its first [`META_SCAN`] bytes. A page saved
/// by a browser keeps the declaration of its server's bytes: a page that is not UTF-8 is most
/// often in the charset it declares.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    static META: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(?i-u)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)"#).ok()
    });
    let head = &bytes[..bytes.len().min(META_SCAN)];
    let label = META.as_ref()?.captures(head)?.get(1)?;
    Encoding::for_label_no_replacement(label.as_bytes())
}

/// The encoding a byte-order mark says, else the one chosen; and the bytes after the mark.
/// The mark wins over `--encoding`, as in browsers: a file that starts with one says what
/// it is better than an option given for many files.
fn by_bom<'b>(bytes: &'b [u8], chosen: Option<&'static Encoding>) -> (Option<&'static Encoding>, &'b [u8]) {
    match Encoding::for_bom(bytes) {
        Some((encoding, len)) => (Some(encoding), &bytes[len..]),
        None => (chosen, bytes),
    }
}

/// `bytes` decoded from `encoding`: None when it is UTF-8 (nothing to decode). Bytes not
/// valid in it become U+FFFD, with a warning naming the line of the first.
fn decode_as(file: &str, bytes: &[u8], encoding: &'static Encoding) -> (Option<String>, Option<Warning>) {
    if encoding == UTF_8 {
        return (None, None);
    }
    let (text, first_bad) = decode_marking(bytes, encoding);
    let warning = first_bad.map(|at| {
        let line = line_at(text.as_bytes(), at);
        Warning::at(
            file,
            Some(line),
            format!(
                "the file is not valid {} (first at line {line}); what is not was read as \u{fffd}",
                encoding.name()
            ),
        )
    });
    (Some(text), warning)
}

/// `bytes` decoded, every malformed sequence a U+FFFD, and the offset in the text of the
/// first (encoding_rs's own replacing decoder does not say where it replaced).
fn decode_marking(bytes: &[u8], encoding: &'static Encoding) -> (String, Option<usize>) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let room = |d: &encoding_rs::Decoder, n: usize| d.max_utf8_buffer_length_without_replacement(n).unwrap_or(n);
    let mut text = String::with_capacity(room(&decoder, bytes.len()));
    let mut first_bad = None;
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = &rest[read..];
        match result {
            DecoderResult::InputEmpty => return (text, first_bad),
            // A U+FFFD (3 bytes) and the next character (at most 4) always fit after this.
            DecoderResult::OutputFull => text.reserve(room(&decoder, rest.len()).max(8)),
            DecoderResult::Malformed(..) => {
                first_bad.get_or_insert(text.len());
                text.push('\u{fffd}');
            }
        }
    }
}

/// The 1-based line of the byte at `offset`.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_that_is_utf8_is_not_copied() {
        let bytes = "id,name\n1,Müller\n".as_bytes();
        let (text, warning) = table_utf8("t.csv", bytes, None);
        assert!(matches!(text, Cow::Borrowed(_)) && warning.is_none());
        assert_eq!(&*text, bytes);
    }

    #[test]
    fn a_table_that_is_not_utf8_is_read_as_windows_1252_with_one_warning() {
        // Latin-1 ü, ë, ç on lines 2 to 4, and windows-1252's euro sign (0x80) on line 4.
        let bytes = b"id,name\n1,M\xfcller\n2,Zo\xeb\n3,Fran\xe7ois \x80\n";
        let (text, warning) = table_utf8("t.csv", bytes, None);
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            "id,name\n1,Müller\n2,Zoë\n3,François €\n"
        );
        let warning = warning.unwrap();
        assert_eq!((warning.file.as_deref(), warning.line), (Some("t.csv"), Some(2)));
        assert!(
            warning.message.contains("windows-1252") && warning.message.contains("line 2"),
            "{warning}"
        );
    }

    #[test]
    fn a_chosen_utf8_leaves_invalid_bytes_to_the_reader() {
        let bytes = b"id,name\n1,M\xfcller\n";
        let (text, warning) = table_utf8("t.csv", bytes, Some(UTF_8));
        assert_eq!(&*text, bytes);
        assert!(warning.is_none());
    }

    #[test]
    fn a_byte_order_mark_wins_over_the_choice() {
        let (text, warning) = table_utf8("t.csv", b"\xef\xbb\xbfid\n\xc3\xa9\n", Some(WINDOWS_1252));
        assert_eq!(&*text, "id\né\n".as_bytes());
        assert!(warning.is_none());
    }

    #[test]
    fn utf16_without_a_mark_is_read_when_chosen_and_a_bad_unit_is_named_by_its_line() {
        let mut bytes: Vec<u8> = "id\nZoë\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            table_utf8("t.csv", &bytes, by_label("UTF-16LE").ok()).0.as_ref(),
            "id\nZoë\n".as_bytes()
        );
        // An odd byte at the end: half a unit.
        bytes.push(b'x');
        let (text, warning) = table_utf8("t.csv", &bytes, by_label("utf-16le").ok());
        assert_eq!(&*text, "id\nZoë\n\u{fffd}".as_bytes());
        assert_eq!(warning.map(|w| w.line), Some(Some(3)));
    }

    #[test]
    fn an_html_page_that_is_not_utf8_is_read_in_the_charset_it_declares() {
        let page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"></head><p>M\xfcller</p>";
        let (text, warning) = page_utf8("p.html", page, None, true);
        assert!(text.unwrap().contains("<p>Müller</p>") && warning.is_none());
        let short = b"<meta charset='windows-1251'><p>\xcc\xee\xeb\xee\xf2\xee\xe2</p>";
        assert!(page_utf8("p.html", short, None, true).0.unwrap().contains("Молотов"));
        // A text page has no declaration; a UTF-8 page is UTF-8 whatever it declares.
        assert_eq!(page_utf8("p.txt", page, None, false).0, None);
        let utf8 = "<meta charset=windows-1252><p>Müller</p>";
        assert_eq!(page_utf8("p.html", utf8.as_bytes(), None, true).0, None);
        // An encoding chosen wins over the declaration.
        let chosen = page_utf8("p.html", short, by_label("koi8-r").ok(), true).0.unwrap();
        assert!(!chosen.contains("Молотов"), "{chosen}");
    }

    #[test]
    fn labels_are_whatwg_labels() {
        assert_eq!(by_label("latin1"), Ok(WINDOWS_1252));
        assert_eq!(by_label(" UTF-8 "), Ok(UTF_8));
        let err = by_label("klingon").unwrap_err();
        assert!(err.contains("\"klingon\""), "{err}");
        assert!(by_label("iso-2022-kr").is_err(), "the replacement encoding");
    }
}
