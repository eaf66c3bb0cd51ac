//! Hostile page text (issue "Nothing lost, for real", points 1-3): scraped text that looks like
//! furniture or an end marker, date lines that are not valid dates, and line endings of every
//! kind. Each case runs the real binary and checks provenance.csv, canonical.csv and
//! warnings.csv.

use std::collections::BTreeMap;

use crate::workdir::{Workdir, stderr};

type Row = BTreeMap<String, String>;

/// Runs concord on the folder `in` and returns (provenance rows, warning rows).
fn run(w: &Workdir) -> (Vec<Row>, Vec<Row>) {
    let o = w.concord(["run", "in", "--out", "out", "-q"]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    (w.csv("out/provenance.csv"), w.csv("out/warnings.csv"))
}

/// (line, raw_date, title, description, partial) of each record, in file order.
fn records(rows: &[Row]) -> Vec<(String, String, String, String, String)> {
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by_key(|r| r["position"].parse::<usize>().unwrap());
    rows.iter()
        .map(|r| {
            (
                r["line"].clone(),
                r["raw_date"].clone(),
                r["title"].clone(),
                r["description"].clone(),
                r["partial"].clone(),
            )
        })
        .collect()
}

fn rec(line: usize, date: &str, title: &str, description: &str) -> (String, String, String, String, String) {
    (
        line.to_string(),
        date.into(),
        title.into(),
        description.into(),
        "false".into(),
    )
}

/// Warnings about `file` as "LINE: MESSAGE".
fn warnings_of(rows: &[Row], file: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| r["file"] == file)
        .map(|r| format!("{}: {}", r["line"], r["message"]))
        .collect()
}

/// Titles and descriptions that look like furniture, end markers or start markers stay in
/// their records, and the records after them are read.
#[test]
fn text_that_looks_like_furniture_stays_in_its_record() {
    let w = Workdir::new();
    let page = "Skip to content\n\n1 - 6 of 6\n\n\
        May 15, 1949\n\nNext\n\nShtykov recounts a meeting.\n\n\
        June 1, 1950\n\nTelegram on talks\n\nCopyright 1952 by the agency, reprinted here.\n\n\
        July 2, 1951\n\nShow Trials: the Prague case\n\nSort of an agreement: the sides meet.\n\n\
        August 3, 1952\n\nBack to top\n\nA memo about the summit.\n\n\
        September 4, 1953\n\nDocuments\n\n© Reuters, a wire report.\n\n\
        October 5, 1954\n\nMemorandum on trade\n\nTrade is discussed.\n\n\
        Back to top\n\n© 2026 Wilson Center\n";
    w.write("in/p.txt", page);
    let (prov, warnings) = run(&w);
    assert_eq!(
        records(&prov),
        vec![
            rec(5, "May 15, 1949", "Next", "Shtykov recounts a meeting."),
            rec(
                11,
                "June 1, 1950",
                "Telegram on talks",
                "Copyright 1952 by the agency, reprinted here."
            ),
            rec(
                17,
                "July 2, 1951",
                "Show Trials: the Prague case",
                "Sort of an agreement: the sides meet."
            ),
            rec(23, "August 3, 1952", "Back to top", "A memo about the summit."),
            rec(29, "September 4, 1953", "Documents", "© Reuters, a wire report."),
            rec(35, "October 5, 1954", "Memorandum on trade", "Trade is discussed."),
        ]
    );
    assert_eq!(warnings_of(&warnings, "p.txt"), Vec::<String>::new());
}

/// The same in the other layouts: a bulleted page whose title reads "Load more" and whose dateless item
/// (a bare marker) is titled "Next", a
/// separated page whose record is titled "Previous page".
#[test]
fn furniture_shaped_titles_stay_in_every_layout() {
    let w = Workdir::new();
    w.write(
        "in/b.txt",
        "Search in\n\nSEARCH RESULTS\n\n  • May 15, 1949\n\n    Load more\n\n    Shtykov recounts.\n\n  •\n\n    Next\n\n    A dateless item.\n\n  • June 1, 1950\n\n    Telegram\n\n    The last one.\n\nPagination\n",
    );
    w.write(
        "in/s.txt",
        "SEARCH RESULTS\nMay 15, 1949\nPrevious page\nShtykov recounts.\n-\nJune 1, 1950\nTelegram\nThe last one.\nPagination\nNext ›\n",
    );
    let (prov, warnings) = run(&w);
    let of = |file: &str| {
        let rows: Vec<Row> = prov.iter().filter(|r| r["file"] == file).cloned().collect();
        records(&rows)
    };
    assert_eq!(
        of("b.txt"),
        vec![
            rec(5, "May 15, 1949", "Load more", "Shtykov recounts."),
            rec(11, "", "Next", "A dateless item."),
            rec(17, "June 1, 1950", "Telegram", "The last one."),
        ]
    );
    assert_eq!(
        of("s.txt"),
        vec![
            rec(2, "May 15, 1949", "Previous page", "Shtykov recounts."),
            rec(6, "June 1, 1950", "Telegram", "The last one."),
        ]
    );
    assert_eq!(warnings_of(&warnings, "b.txt"), Vec::<String>::new());
    assert_eq!(warnings_of(&warnings, "s.txt"), Vec::<String>::new());
}

/// An end marker where the last record's description would stand may be that description:
/// it is read as the footer, but a warning quotes it with its line.
#[test]
fn a_footer_where_a_description_could_be_is_quoted_in_a_warning() {
    let w = Workdir::new();
    w.write(
        "in/p.txt",
        "May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nJune 1, 1950\n\nCable on talks\n\nCopyright 1952 Reuters\n",
    );
    let (prov, warnings) = run(&w);
    assert_eq!(records(&prov).len(), 2);
    let warned = warnings_of(&warnings, "p.txt");
    assert!(
        warned
            .iter()
            .any(|m| m.starts_with("11: ") && m.contains("\"Copyright 1952 Reuters\"")),
        "{warned:?}"
    );
}

/// A page that yields fewer records than its range header says names the lines it skipped.
#[test]
fn a_page_short_of_its_range_header_names_the_lines_it_skipped() {
    let w = Workdir::new();
    w.write(
        "in/p.txt",
        "Skip to content\n1 - 3 of 3\nMay 15, 1949\nTelegram\nShtykov recounts.\n\
         June 1, 1950\nCable\nZhou responds.\nPagination\nJuly 2 1951 Letter from Mao\nMao writes.\n",
    );
    let (prov, warnings) = run(&w);
    assert_eq!(records(&prov).len(), 2);
    let warned = warnings_of(&warnings, "p.txt");
    let range = warned
        .iter()
        .find(|m| m.contains("says it shows 3 records"))
        .unwrap_or_else(|| panic!("{warned:?}"));
    // Furniture and range header (1-2), the end marker and what follows it (9-11).
    assert!(range.contains("skipped lines 1-2, 9-11"), "{range}");
}

/// Lines shaped like dates that are not valid dates are their records' date lines: kept raw,
/// read as a missing (not a cut) date, each with a warning naming its line.
#[test]
fn impossible_dates_are_date_lines_with_a_missing_date() {
    let w = Workdir::new();
    let bad = [
        "February 30, 1952",
        "April 31, 1952",
        "1952-13-01",
        "0000",
        "February 29, 1951",
    ];
    let mut page = String::from("1 - 6 of 6\n\n");
    for (i, d) in bad.iter().enumerate() {
        page.push_str(&format!("{d}\n\nMemorandum number {i}\n\nA memo about item {i}.\n\n"));
    }
    page.push_str("May 15, 1949\n\nTelegram\n\nShtykov recounts.\n");
    w.write("in/p.txt", page);
    let (prov, warnings) = run(&w);
    let mut expected: Vec<_> = bad
        .iter()
        .enumerate()
        .map(|(i, d)| {
            rec(
                3 + 6 * i,
                d,
                &format!("Memorandum number {i}"),
                &format!("A memo about item {i}."),
            )
        })
        .collect();
    expected.push(rec(33, "May 15, 1949", "Telegram", "Shtykov recounts."));
    assert_eq!(records(&prov), expected);
    // Parsed as missing: no date in provenance nor canonical.
    for r in &prov[..] {
        if r["raw_date"] != "May 15, 1949" {
            assert_eq!(r["date"], "", "{r:?}");
        }
    }
    let canon = w.csv("out/canonical.csv");
    assert_eq!(canon.len(), 6);
    assert_eq!(canon.iter().filter(|c| c["date"].is_empty()).count(), 5);
    let warned = warnings_of(&warnings, "p.txt");
    for (i, d) in bad.iter().enumerate() {
        let line = 3 + 6 * i;
        assert!(
            warned
                .iter()
                .any(|m| m.starts_with(&format!("{line}: ")) && m.contains(&format!("\"{d}\""))),
            "{d}: {warned:?}"
        );
    }
    assert!(!warned.iter().any(|m| m.contains("says it shows")), "{warned:?}");
}

/// A page that ends right after an impossible date: the record is cut off (no title), but its
/// date is still missing, not a cut date, and no phantom record appears.
#[test]
fn an_impossible_date_on_the_last_line_is_not_a_phantom_record() {
    let w = Workdir::new();
    w.write(
        "in/p.txt",
        "May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nApril 31, 1952\n",
    );
    let (prov, warnings) = run(&w);
    let got = records(&prov);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[1].0.as_str(), got[1].1.as_str(), got[1].2.as_str()),
        ("7", "April 31, 1952", "")
    );
    assert_eq!(prov.iter().find(|r| r["line"] == "7").unwrap()["date"], "");
    assert!(
        warnings_of(&warnings, "p.txt")
            .iter()
            .any(|m| m.starts_with("7: ") && m.contains("not a valid date"))
    );
}

/// LF, CRLF, CR alone, and a mix (CR lines with one stray LF, one CRLF) give the same records
/// on the same lines.
#[test]
fn every_line_ending_gives_the_same_records_and_lines() {
    let lf = "Skip to content\n\n1 - 3 of 3\n\nMay 15, 1949\n\nTelegram\n\nShtykov recounts.\n\n\
              June 1, 1950\n\nCable\n\nZhou responds.\n\nJuly 2, 1951\n\nLetter\n\nMao writes.\n";
    let crlf = lf.replace('\n', "\r\n");
    let cr = lf.replace('\n', "\r");
    // CR everywhere but one stray LF (line 9's end) and one CRLF (line 14's end).
    let mut mixed = String::new();
    for (i, line) in lf.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches('\n');
        mixed.push_str(body);
        mixed.push_str(match i + 1 {
            9 => "\n",
            14 => "\r\n",
            _ => "\r",
        });
    }
    let w = Workdir::new();
    for (name, text) in [("lf", lf.to_string()), ("crlf", crlf), ("cr", cr), ("mixed", mixed)] {
        w.write(&format!("in/{name}.txt"), text);
    }
    let (prov, warnings) = run(&w);
    let expected = vec![
        rec(5, "May 15, 1949", "Telegram", "Shtykov recounts."),
        rec(11, "June 1, 1950", "Cable", "Zhou responds."),
        rec(17, "July 2, 1951", "Letter", "Mao writes."),
    ];
    for name in ["lf", "crlf", "cr", "mixed"] {
        let file = format!("{name}.txt");
        let rows: Vec<Row> = prov.iter().filter(|r| r["file"] == file).cloned().collect();
        assert_eq!(records(&rows), expected, "{name}");
        assert_eq!(warnings_of(&warnings, &file), Vec::<String>::new(), "{name}");
    }
}
