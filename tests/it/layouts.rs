//! The same records written in every layout the site uses, with and without a collection
//! header, parse back to the same fields. This checks the parser on page shapes beyond the
//! five seed pages, using the seeds' own records as content.

use concord::rules::Rules;
use concord::source::page::{self, ParsedPage};

use crate::workdir::fixture;

type Fields = (Option<String>, String, Option<String>);

fn parse(name: &str, text: &str) -> ParsedPage {
    page::parse(name, text, &Rules::builtin().compile_pages().unwrap())
}

fn fields(p: &ParsedPage) -> Vec<Fields> {
    p.records
        .iter()
        .map(|r| {
            (
                r.date().map(str::to_string),
                r.title().to_string(),
                r.description().map(str::to_string),
            )
        })
        .collect()
}

fn seed_records() -> Vec<Vec<Fields>> {
    let mut pages: Vec<_> = std::fs::read_dir(fixture("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| fields(&parse("seed", &std::fs::read_to_string(p).unwrap())))
        .collect()
}

fn plain(records: &[Fields], header: &str) -> String {
    let mut s = format!(
        "Skip to content\n\n{header}Results:\n\n1 - {n} of {n}\n\nDocuments\n\n",
        n = records.len()
    );
    for (d, t, x) in records {
        if let Some(d) = d {
            s += &format!("{d}\n\n");
        }
        s += &format!("{t}\n\n");
        if let Some(x) = x {
            s += &format!("{x}\n\n");
        }
    }
    s + "Pagination"
}

fn bulleted(records: &[Fields], header: &str) -> String {
    let mut s = format!(
        "Search in\nADD SEARCH FILTER CANCEL SEARCH FILTER\n\nDigital Archive International History Declassified\n\n{header}SEARCH RESULTS\n\n"
    );
    for (d, t, x) in records {
        match d {
            Some(d) => s += &format!("  • {d}\n\n    {t}\n\n"),
            None => s += &format!("  • {t}\n\n"),
        }
        if let Some(x) = x {
            s += &format!("    {x}\n\n");
        }
    }
    s
}

fn separated(records: &[Fields], header: &str) -> String {
    let items: Vec<String> = records
        .iter()
        .map(|(d, t, x)| {
            let mut lines: Vec<&str> = Vec::new();
            lines.extend(d.as_deref());
            lines.push(t);
            lines.extend(x.as_deref());
            lines.join("\n")
        })
        .collect();
    format!("{header}SEARCH RESULTS\n{}\n", items.join("\n-\n"))
}

const HEADER: &str = "Sino-Soviet Relations\n\nThis collection gathers documents on the alliance between the two countries, from 1949 to the split.\n\nPopular Documents\n\n";

#[test]
fn seed_records_round_trip_through_every_layout() {
    for (i, records) in seed_records().iter().enumerate() {
        for (layout, render) in [
            ("plain", plain as fn(&[Fields], &str) -> String),
            ("bulleted", bulleted),
            ("separated", separated),
        ] {
            for header in ["", HEADER] {
                let text = render(records, header);
                let p = parse("x", &text);
                assert_eq!(p.layout, layout, "page {i}");
                assert_eq!(
                    &fields(&p),
                    records,
                    "page {i} as {layout} (header: {})",
                    !header.is_empty()
                );
                assert!(p.records.iter().all(|r| !r.partial), "page {i} as {layout}");
            }
        }
    }
}

#[test]
fn dateless_records_survive_every_layout() {
    // Drop the date of every third record, keeping at least one description-less record.
    for records in seed_records() {
        let records: Vec<Fields> = records
            .into_iter()
            .enumerate()
            .map(|(i, (d, t, x))| if i % 3 == 1 { (None, t, x) } else { (d, t, x) })
            .collect();
        for render in [plain as fn(&[Fields], &str) -> String, bulleted, separated] {
            let text = render(&records, HEADER);
            assert_eq!(fields(&parse("x", &text)), records);
        }
    }
}

#[test]
fn date_unknown_lines_are_date_lines_in_every_layout() {
    // Every second record says "Date unknown" (and its kin) where its date stands, the first
    // record of each page among them: each is a record of its own, read as undated, with the
    // line kept as written; none becomes a title, splits its record or is taken for header.
    let phrases = ["Date unknown", "Undated", "n.d.", "No date", "DATE UNKNOWN"];
    for records in seed_records() {
        let records: Vec<Fields> = records
            .into_iter()
            .enumerate()
            .map(|(i, (d, t, x))| match i % 2 {
                0 => (Some(phrases[(i / 2) % phrases.len()].to_string()), t, x),
                _ => (d, t, x),
            })
            .collect();
        for render in [plain as fn(&[Fields], &str) -> String, bulleted, separated] {
            for header in ["", HEADER] {
                let p = parse("x", &render(&records, header));
                assert_eq!(fields(&p), records);
                assert!(p.warnings.is_empty(), "{:?}", p.warnings);
                // Normalized, a "Date unknown" record has no date.
                let mut undated = p.records.iter().step_by(2);
                assert!(undated.all(|r| concord::normalize::prepare(r.clone(), 0).date().is_none()));
            }
        }
    }
}

#[test]
fn a_page_cut_anywhere_in_its_last_record_keeps_every_record() {
    let records = &seed_records()[0];
    let full = plain(records, "").replace("Pagination", "");
    let full = full.trim_end();
    let last_start = full.rfind(records.last().unwrap().0.as_deref().unwrap()).unwrap();
    // Cut at every character of the last record: all earlier records stay exact, the last is
    // kept (as partial) whenever any of its text remains.
    for cut in (last_start + 1..full.len()).filter(|c| full.is_char_boundary(*c)) {
        let p = parse("x", &full[..cut]);
        assert_eq!(
            p.records.len(),
            records.len(),
            "cut at {cut}: {:?}",
            &full[last_start..cut]
        );
        assert_eq!(fields(&p)[..records.len() - 1], records[..records.len() - 1]);
        let last = p.records.last().unwrap();
        let complete = cut == full.len();
        // A page that stops at the end of a whole line after the title shows no sign of the
        // cut: it reads as a record without a description, and is not flagged.
        let no_evidence = full[..cut].ends_with('\n') && last.description().is_none() && !last.title().is_empty();
        assert_eq!(
            last.partial,
            !complete && !no_evidence,
            "cut at {cut}: {:?}",
            &full[last_start..cut]
        );
    }
}

type Render = fn(&[Fields], &str) -> String;
const RENDERS: [(&str, Render); 3] = [("plain", plain), ("bulleted", bulleted), ("separated", separated)];

/// The plain rendering without its range header: the shape rules alone decide.
fn plain_without_range(records: &[Fields], header: &str) -> String {
    let n = records.len();
    plain(records, header).replace(&format!("1 - {n} of {n}\n\n"), "")
}

fn title_less_warnings(p: &ParsedPage) -> Vec<&str> {
    p.warnings
        .iter()
        .filter(|w| w.message.contains("title-less"))
        .map(|w| w.message.as_str())
        .collect()
}

#[test]
fn title_less_pages_read_each_line_as_the_description_in_every_layout() {
    // Each seed record shown as its date and one line: its description, or its title when it
    // has none (a document without description shows its title).
    for (i, records) in seed_records().iter().enumerate() {
        let shown: Vec<Fields> = records
            .iter()
            .map(|(d, t, x)| (d.clone(), x.clone().unwrap_or_else(|| t.clone()), None))
            .collect();
        let expected: Vec<Fields> = records
            .iter()
            .map(|(d, t, x)| match x {
                Some(x) => (d.clone(), String::new(), Some(x.clone())),
                None => (d.clone(), t.clone(), None),
            })
            .collect();
        let described = records.iter().filter(|r| r.2.is_some()).count();
        for (layout, render) in RENDERS {
            for header in ["", HEADER] {
                let p = parse("listing.txt", &render(&shown, header));
                assert_eq!(fields(&p), expected, "page {i} as {layout}");
                assert!(p.records.iter().all(|r| !r.partial), "page {i} as {layout}");
                let message =
                    format!("read as a title-less listing: {described} records' one line is their description");
                assert_eq!(p.warnings.len(), 1, "page {i} as {layout}: {:?}", p.warnings);
                assert_eq!(p.warnings[0].message, message);
                assert_eq!(p.warnings[0].file.as_deref(), Some("listing.txt"));
            }
        }
    }
}

#[test]
fn titled_pages_are_never_read_as_title_less() {
    // The seed pages as saved.
    for entry in std::fs::read_dir(fixture("pages")).unwrap() {
        let p = parse("seed", &std::fs::read_to_string(entry.unwrap().path()).unwrap());
        assert!(title_less_warnings(&p).is_empty(), "{:?}", p.warnings);
    }
    // Every seed record without its description, and every third title ending in a period
    // ("... Vol. 2.", "... etc."): one line each, but titles, not prose.
    for records in seed_records() {
        let records: Vec<Fields> = records
            .into_iter()
            .enumerate()
            .map(|(i, (d, t, _))| (d, if i % 3 == 0 { format!("{t}.") } else { t }, None))
            .collect();
        for (layout, render) in RENDERS {
            let p = parse("x", &render(&records, HEADER));
            assert_eq!(fields(&p), records, "as {layout}");
            assert!(title_less_warnings(&p).is_empty(), "as {layout}: {:?}", p.warnings);
        }
    }
}

#[test]
fn a_page_where_a_few_records_lack_descriptions_reads_titles_as_titles() {
    // Every fourth record has no description, and its title ends in a period: on a titled
    // page it stays the title.
    for records in seed_records() {
        let records: Vec<Fields> = records
            .into_iter()
            .enumerate()
            .map(|(i, (d, t, x))| {
                if i % 4 == 0 {
                    (d, format!("{t}."), None)
                } else {
                    (d, t, x)
                }
            })
            .collect();
        for (layout, render) in RENDERS {
            let p = parse("x", &render(&records, ""));
            assert_eq!(fields(&p), records, "as {layout}");
            assert!(title_less_warnings(&p).is_empty(), "as {layout}");
        }
    }
}

/// Seed records whose descriptions are broken by `split` (the two lines, or None to keep it
/// whole), and the records as they must read: the lines joined with one space.
fn broken(split: fn(&str) -> Option<(String, String)>) -> Vec<(Vec<Fields>, Vec<Fields>)> {
    seed_records()
        .into_iter()
        .map(|records| {
            records
                .into_iter()
                .map(|(d, t, x)| match x.as_deref().and_then(split) {
                    Some((a, b)) => (
                        (d.clone(), t.clone(), Some(format!("{a}\n\n{b}"))),
                        (d, t, Some(format!("{a} {b}"))),
                    ),
                    None => ((d.clone(), t.clone(), x.clone()), (d, t, x)),
                })
                .unzip()
        })
        .collect()
}

/// Cut inside a word near the middle: "technical sup" / "port from the Soviet Union."
fn mid_word(x: &str) -> Option<(String, String)> {
    let chars: Vec<char> = x.chars().collect();
    let at = (chars.len() / 2..chars.len() - 1).find(|&i| chars[i - 1].is_lowercase() && chars[i].is_lowercase())?;
    Some((chars[..at].iter().collect(), chars[at..].iter().collect()))
}

/// Two paragraphs, the first introducing the second with a colon.
fn colon_paragraphs(x: &str) -> Option<(String, String)> {
    let at = x.find(". ")?;
    Some((format!("{}:", &x[..at]), x[at + 2..].to_string()))
}

/// The separated layout has no blank lines: a break is one line break.
fn in_layout(layout: &str, text: String) -> String {
    match layout {
        "separated" => text.replace("\n\n", "\n"),
        _ => text,
    }
}

#[test]
fn broken_descriptions_stay_one_record_in_every_layout() {
    for split in [mid_word as fn(&str) -> Option<(String, String)>, colon_paragraphs] {
        for (shown, expected) in broken(split) {
            assert!(shown != expected, "some description is broken");
            for (layout, render) in [("plain", plain_without_range as Render), RENDERS[1], RENDERS[2]] {
                // Rendered without the range header: the continuation rule alone keeps them.
                let p = parse("x", &in_layout(layout, render(&shown, HEADER)));
                assert_eq!(fields(&p), expected, "as {layout}");
                assert!(p.warnings.is_empty(), "as {layout}: {:?}", p.warnings);
            }
        }
    }
}

/// Broken before a capitalized word, the second line a sentence: "Zhou Enlai seeks technical
/// support from the" / "Soviet Union." reads like a dateless record's title and description.
fn before_capital(x: &str) -> Option<(String, String)> {
    let words: Vec<&str> = x.split(' ').collect();
    let at = (1..words.len())
        .rev()
        .find(|&i| words[i].starts_with(|c: char| c.is_uppercase()) && !words[i - 1].ends_with(['.', ',', ':', ';']))?;
    Some((words[..at].join(" "), words[at..].join(" ")))
}

#[test]
fn a_page_with_more_records_than_its_range_header_is_read_again() {
    let mut reread = 0;
    for (shown, expected) in broken(before_capital) {
        let n = shown.len();
        let p = parse("x", &plain(&shown, ""));
        // The shape rules read the second halves as dateless records; the range header says
        // `n`: read again, every line after a title is description.
        assert_eq!(fields(&p), expected);
        let warnings: Vec<&str> = p.warnings.iter().map(|w| w.message.as_str()).collect();
        if shown != expected {
            reread += 1;
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(
                warnings[0].contains(&format!(
                    "read again with every line after a record's title as its description, it shows {n}"
                )),
                "{warnings:?}"
            );
            assert!(
                warnings[0].contains("joined to the description above them: line "),
                "{warnings:?}"
            );
        } else {
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        // Without the header the first read stands: more records than documents.
        let p = parse("x", &plain_without_range(&shown, ""));
        assert_eq!(p.records.len() > n, shown != expected);
    }
    assert!(reread >= 3, "most seed pages have a description broken so");
}

#[test]
fn a_reread_that_does_not_give_the_stated_count_is_not_kept() {
    // The header says 2, the page shows 3 dated records: reading the broken description
    // whole gives 3, not 2, so the first read (4 records) stands with the mismatch warning.
    let text = "Skip to content\n\n1 - 2 of 40\n\n\
        May 15, 1949\n\nTelegram, Shtykov to Vyshinsky\n\nShtykov recounts a recent meeting between Kim Il and\n\nMao Zedong.\n\n\
        October 8, 1950\n\nTelegram from Mao Zedong to Filippov (Stalin)\n\nMao informs Stalin that the Chinese volunteers could cross into Korea by October 15.\n\n\
        July 5, 1950\n\nTelegram from Flippov [Stalin] to Mao Zedong and Zhou Enlai\n\nStalin informs Mao Zedong.\n\nPagination";
    let p = parse("x", text);
    let titles: Vec<&str> = p.records.iter().map(|r| r.title()).collect();
    assert_eq!(
        titles,
        [
            "Telegram, Shtykov to Vyshinsky",
            "Shtykov recounts a recent meeting between Kim Il and",
            "Telegram from Mao Zedong to Filippov (Stalin)",
            "Telegram from Flippov [Stalin] to Mao Zedong and Zhou Enlai"
        ]
    );
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(
        p.warnings[0]
            .message
            .contains("shows 2 records (1 - 2 of 40) but 4 were found")
    );
    // With the header right, the same page is read again to its 3 records.
    let p = parse("x", &text.replace("1 - 2 of 40", "1 - 3 of 40"));
    assert_eq!(p.records.len(), 3);
    assert_eq!(
        p.records[0].description(),
        Some("Shtykov recounts a recent meeting between Kim Il and Mao Zedong.")
    );
    assert!(
        p.warnings[0]
            .message
            .contains("line 9 (\"Shtykov recounts a recent meeting between Kim Il and\")"),
        "{:?}",
        p.warnings
    );
}
