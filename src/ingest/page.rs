//! Saved result pages: text as a browser copies it, in any layout that `rules/` describes.
//!
//! A page is read in three steps: each line is classified (blank, furniture, marker, range
//! header, content); the region that holds records is found (after the last start marker, or
//! from the first date or record marker; up to an end marker); that region is cut into
//! records as the page's layout says.

use crate::date;
use crate::error::Warning;
use crate::record::{Provenance, RawRecord};
use crate::rules::{CompiledLayout, CompiledPageRules};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Furniture,
    Start,
    End,
    Content,
}

struct Line<'a> {
    number: usize,
    text: &'a str,
    kind: Kind,
}

/// Parses the text of one page. `file` is the name written to provenance.
pub fn parse(file: &str, text: &str, rules: &CompiledPageRules) -> ParsedPage {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut range = None;
    // Lines end with LF or CRLF; a file saved with CR alone (old Mac) ends them with CR.
    let separator = if !text.contains('\n') && text.contains('\r') {
        '\r'
    } else {
        '\n'
    };
    let lines: Vec<Line> = text
        .split(separator)
        .enumerate()
        .map(|(i, raw)| {
            let t = raw.trim_end_matches('\r').trim();
            let kind = if t.is_empty() {
                Kind::Blank
            } else if let Some(c) = rules.range_header.captures(t) {
                let num = |n: &str| {
                    c.name(n)
                        .and_then(|m| m.as_str().replace(',', "").parse::<usize>().ok())
                };
                if range.is_none() {
                    range = num("first")
                        .zip(num("last"))
                        .zip(num("total"))
                        .map(|((a, b), c)| (a, b, c));
                }
                Kind::Start
            } else if rules.start_markers.iter().any(|r| r.is_match(t)) {
                Kind::Start
            } else if rules.end_markers.iter().any(|r| r.is_match(t)) {
                Kind::End
            } else if rules.furniture.iter().any(|r| r.is_match(t)) {
                Kind::Furniture
            } else {
                Kind::Content
            };
            Line {
                number: i + 1,
                text: t,
                kind,
            }
        })
        .collect();

    let layout = choose_layout(&lines, rules);
    let is_marker = |t: &str| layout.record_marker.as_ref().is_some_and(|r| r.is_match(t));
    let is_separator = |t: &str| layout.record_separator.as_ref().is_some_and(|r| r.is_match(t));
    let starts_record = |l: &Line| l.kind == Kind::Content && (is_marker(l.text) || date::parse(l.text).is_some());

    // Where records begin: after the last start marker that precedes the first record, or at
    // the first record itself. Everything before is header.
    let first_record = lines.iter().position(starts_record);
    let begin = match first_record {
        Some(f) => lines[..f]
            .iter()
            .rposition(|l| l.kind == Kind::Start)
            .map_or(f, |s| s + 1),
        None => lines
            .iter()
            .rposition(|l| l.kind == Kind::Start)
            .map_or(lines.len(), |s| s + 1),
    };
    let end = lines[begin..]
        .iter()
        .position(|l| l.kind == Kind::End)
        .map_or(lines.len(), |e| begin + e);
    let closed_by_marker = end < lines.len();
    let header_lines = lines[..begin].iter().filter(|l| l.kind == Kind::Content).count();

    // Cut the region into chunks of content lines, one or more records each.
    let mut chunks: Vec<Vec<(usize, &str)>> = Vec::new();
    let mut current: Vec<(usize, &str)> = Vec::new();
    let mut skipped_before_marker = 0;
    for l in &lines[begin..end] {
        if l.kind != Kind::Content {
            continue;
        }
        if is_separator(l.text) {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(marker) = layout.record_marker.as_ref().and_then(|r| r.find(l.text)) {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
            let rest = l.text[marker.end()..].trim();
            // A bare marker line still begins a record; its content follows.
            current.push((l.number, rest));
            continue;
        }
        if layout.record_marker.is_some() && current.is_empty() && chunks.is_empty() {
            // Text between a start marker and the first list item is header too.
            skipped_before_marker += 1;
            continue;
        }
        // A date line begins a record in every layout: a page that lost a marker or a
        // separator still splits where its dates are.
        if date::parse(l.text).is_some() && current.iter().any(|(_, t)| !t.is_empty()) {
            chunks.push(std::mem::take(&mut current));
        }
        current.push((l.number, l.text));
    }
    if !current.is_empty() {
        chunks.push(current);
    }

    let mut warnings = Vec::new();
    let mut records = Vec::new();
    let last_line = lines.iter().rev().find(|l| l.kind != Kind::Blank).map(|l| l.number);
    let chunk_count = chunks.len();
    for (i, chunk) in chunks.into_iter().enumerate() {
        let is_last = i + 1 == chunk_count && !closed_by_marker;
        split_chunk(&chunk, layout, is_last, last_line, &mut records);
    }
    let (shared_file, shared_layout): (std::sync::Arc<str>, std::sync::Arc<str>) =
        (file.into(), layout.name.as_str().into());
    for (i, r) in records.iter_mut().enumerate() {
        r.provenance = Provenance {
            file: shared_file.clone(),
            position: i + 1,
            line: r.provenance.line,
            layout: shared_layout.clone(),
        };
        if r.title.is_empty() && !r.partial {
            warnings.push(Warning::at(
                file,
                Some(r.provenance.line),
                "record has a date but no title; kept with an empty title",
            ));
        }
    }
    if let Some(last) = records.last().filter(|r| r.partial) {
        warnings.push(Warning::at(
            file,
            Some(last.provenance.line),
            "the page ends inside this record; it is kept and marked partial",
        ));
    }
    if let Some((first, last, total)) = range {
        let shown = last.saturating_sub(first) + 1;
        if shown != records.len() {
            warnings.push(Warning::at(
                file,
                None,
                format!(
                    "the page says it shows {shown} records ({first} - {last} of {total}) but {} were found",
                    records.len()
                ),
            ));
        }
    }
    if records.is_empty() {
        warnings.push(Warning::at(file, None, "no records found on this page"));
    }
    ParsedPage {
        records,
        layout: layout.name.clone(),
        range,
        header_lines: header_lines + skipped_before_marker,
        warnings,
    }
}

fn choose_layout<'r>(lines: &[Line], rules: &'r CompiledPageRules) -> &'r CompiledLayout {
    rules
        .layouts
        .iter()
        .find(|layout| match &layout.detect {
            Some(re) => lines.iter().any(|l| l.kind == Kind::Content && re.is_match(l.text)),
            None => true,
        })
        .unwrap_or_else(|| rules.layouts.last().expect("rules validated: at least one layout"))
}

/// True when a line reads like the end of a sentence: a description, not a title.
fn ends_like_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    t.ends_with(['.', '!', '?', '…'])
}

/// Turns one chunk of lines into records: usually one, more when a layout that tells
/// dateless records by their shape shows some after it.
fn split_chunk(
    chunk: &[(usize, &str)],
    layout: &CompiledLayout,
    is_last: bool,
    last_line: Option<usize>,
    out: &mut Vec<RawRecord>,
) {
    // A bare record marker has no text of its own: its fields follow on the next lines.
    let marker_line = chunk.first().map(|c| c.0);
    let kept: Vec<(usize, &str)> = chunk.iter().copied().filter(|(_, t)| !t.is_empty()).collect();
    let mut rest = kept.as_slice();
    let mut first = true;
    while !rest.is_empty() {
        let (mut line, head) = rest[0];
        if first {
            line = marker_line.unwrap_or(line);
        }
        let mut record = RawRecord {
            provenance: Provenance {
                file: "".into(),
                position: 0,
                line,
                layout: "".into(),
            },
            date: None,
            title: String::new(),
            description: None,
            partial: false,
            fields: Vec::new(),
            key: None,
        };
        let ends_page = is_last && rest.len() == 1 && Some(rest[0].0) == last_line;
        if (first && date::parse(head).is_some()) || (ends_page && date::looks_like_cut_date(head)) {
            record.partial = date::parse(head).is_none();
            record.date = Some(head.to_string());
            rest = &rest[1..];
        }
        first = false;
        if let Some(&(_, title)) = rest.first() {
            record.title = title.to_string();
            rest = &rest[1..];
        }
        let mut description: Vec<&str> = Vec::new();
        if layout.dateless_by_shape {
            // "title, X, Y": X is this record's description unless X reads like a title and
            // Y like a sentence, in which case X begins a dateless record. After the first
            // description line, sentences continue the description; anything else begins a
            // dateless record.
            let x_is_title = rest.len() >= 2 && !ends_like_sentence(rest[0].1) && ends_like_sentence(rest[1].1);
            if !x_is_title && !rest.is_empty() {
                description.push(rest[0].1);
                rest = &rest[1..];
                while let Some(&(_, more)) = rest.first().filter(|(_, t)| ends_like_sentence(t)) {
                    description.push(more);
                    rest = &rest[1..];
                }
            }
        } else {
            description.extend(rest.iter().map(|(_, t)| *t));
            rest = &[];
        }
        if !description.is_empty() {
            record.description = Some(description.join(" "));
        }
        if is_last && rest.is_empty() {
            record.partial |= record.title.is_empty()
                || match &record.description {
                    None => true,
                    Some(d) => !ends_like_sentence(d),
                };
        }
        out.push(record);
    }
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
                    r.date.clone().unwrap_or_default(),
                    r.title.clone(),
                    r.description.clone().unwrap_or_default(),
                    r.partial,
                )
            })
            .collect()
    }

    fn rec(d: &str, t: &str, x: &str, partial: bool) -> (String, String, String, bool) {
        (d.into(), t.into(), x.into(), partial)
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
                rec("July 31, 1958", "Record of the First Conversation", "", true),
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
}
