//! `concord inspect`: for every layout the built-in rules know, and the reader's other ways
//! of reading a page (title-less listings, "Date unknown", a description broken over lines,
//! the range-header re-read, furniture, markers and footers), the role `--json` gives each
//! line is the one written here; and the records it shows are the records `concord run`
//! writes to provenance.csv for the same page, with the same warnings.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::workdir::{Workdir, fixture, read_csv, run_args, stderr, stdout};

/// `concord inspect --json PAGES`, which must succeed.
fn inspect_json(w: &Workdir, pages: &[&Path]) -> Value {
    let mut args: Vec<std::ffi::OsString> = vec!["inspect".into(), "--json".into()];
    args.extend(pages.iter().map(|p| p.as_os_str().to_owned()));
    let o = w.concord(&args);
    assert!(o.status.success(), "inspect failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("inspect --json prints one JSON document")
}

/// A line's role as the text output writes it: `role`, `record_marker+role` on a line that
/// begins with a record marker, then ` #K` for a line of record K.
pub fn role_of(line: &Value) -> String {
    let role = line["role"].as_str().unwrap_or("?");
    let mut s = match line["marker"].as_bool() == Some(true) && role != "record_marker" {
        true => format!("record_marker+{role}"),
        false => role.to_string(),
    };
    if let Some(k) = line["record"].as_u64() {
        s += &format!(" #{k}");
    }
    s
}

fn roles(page: &Value) -> Vec<String> {
    page["lines"].as_array().unwrap().iter().map(role_of).collect()
}

/// A page written as (line, expected role) pairs: its text, and the roles.
fn page_of(spec: &[(&str, &str)]) -> (String, Vec<String>) {
    let text: String = spec.iter().map(|(l, _)| format!("{l}\n")).collect();
    // The newline after the last line begins one more, empty, line.
    let mut expected: Vec<String> = spec.iter().map(|(_, r)| r.to_string()).collect();
    expected.push("blank".into());
    (text, expected)
}

/// The records as provenance.csv writes them, by record id.
fn inspect_records(page: &Value) -> BTreeMap<String, Vec<String>> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fields = vec![
                r["line"].to_string(),
                text(&r["raw_date"]),
                text(&r["date"]),
                text(&r["title"]),
                text(&r["description"]),
                r["partial"].to_string(),
            ];
            (text(&r["id"]), fields)
        })
        .collect()
}

fn provenance_records(path: &Path) -> BTreeMap<String, Vec<String>> {
    read_csv(path)
        .into_iter()
        .map(|row| {
            let fields = ["line", "raw_date", "date", "title", "description", "partial"]
                .iter()
                .map(|c| row[*c].clone())
                .collect();
            (row["record_id"].clone(), fields)
        })
        .collect()
}

/// Inspects `page` and runs it: the records are the run's, every warning of inspect is one
/// the run gave. Gives the page's report.
fn inspect_and_run(w: &Workdir, page: &Path) -> Value {
    let report = inspect_json(w, &[page]);
    let p = report["pages"][0].clone();
    let out = w.path("out");
    let o = w.concord(run_args(&[page], &out, &[]));
    assert!(o.status.success(), "run failed: {}", stderr(&o));
    assert_eq!(inspect_records(&p), provenance_records(&out.join("provenance.csv")));
    let run_warnings = w.warnings("out");
    for warning in p["warnings"].as_array().unwrap() {
        let line = format!("warning: {}\n", warning.as_str().unwrap());
        assert!(run_warnings.contains(&line), "{line:?} not in {run_warnings:?}");
    }
    p
}

/// Writes the page of `spec`, and checks its roles line by line and its records against
/// the run's. Gives the page's report.
fn check(name: &str, spec: &[(&str, &str)]) -> Value {
    let w = Workdir::new();
    let (text, expected) = page_of(spec);
    let page = w.write(&format!("pages/{name}"), text);
    let p = inspect_and_run(&w, &page);
    assert_eq!(roles(&p), expected, "{name}");
    p
}

#[test]
fn a_bulleted_page_with_bare_markers_and_a_title_on_the_marker_line() {
    let p = check(
        "bulleted.txt",
        &[
            ("Search in", "furniture"),
            ("SEARCH RESULTS", "start_marker"),
            ("A collection of telegrams.", "header"),
            ("", "blank"),
            ("  • May 15, 1949", "record_marker+date #1"),
            ("    Telegram, Shtykov to Vyshinsky", "title #1"),
            ("    Shtykov recounts a meeting.", "description #1"),
            ("  •", "record_marker #2"),
            ("  June 1, 1950", "date #2"),
            ("    Note on the talks", "title #2"),
            ("  • Cable, Zhou Enlai to Wang Zhen", "record_marker+title #3"),
            ("    Zhou Enlai responds to two cables.", "description #3"),
        ],
    );
    assert_eq!(p["layout"], "bulleted");
    assert_eq!(p["layout_choice"], serde_json::json!({"by": "detected", "line": 5}));
    assert!(p["why"].as_str().unwrap().contains("matched line 5"), "{}", p["why"]);
    assert_eq!(p["header_lines"], 1);
    assert_eq!(p["records"].as_array().unwrap().len(), 3);
}

#[test]
fn a_separated_page_with_a_description_of_two_lines() {
    let p = check(
        "separated.txt",
        &[
            ("Skip to content", "furniture"),
            ("SEARCH RESULTS", "start_marker"),
            ("1948", "date #1"),
            ("Report on Manchuria", "title #1"),
            ("An overview.", "description #1"),
            ("-", "separator"),
            ("August 1949", "date #2"),
            ("Memorandum of Conversation", "title #2"),
            ("Liu and Stalin talk.", "description #2"),
            ("They agree on a treaty.", "description_continuation #2"),
            ("-", "separator"),
            ("Undated note on the talks", "title #3"),
            ("A note.", "description #3"),
        ],
    );
    assert_eq!(p["layout"], "separated");
    assert!(
        p["why"]
            .as_str()
            .unwrap()
            .contains("(no line matched the detect of bulleted)")
    );
}

#[test]
fn a_plain_page_with_furniture_start_markers_a_range_header_and_a_footer() {
    let p = check(
        "plain.txt",
        &[
            ("Skip to content", "furniture"),
            ("", "blank"),
            ("Sino-Soviet Relations", "header"),
            ("This collection gathers documents.", "header"),
            ("Results:", "start_marker"),
            ("1 - 2 of 2", "range_header"),
            ("Documents", "start_marker"),
            ("May 15, 1949", "date #1"),
            ("Telegram, Shtykov to Vyshinsky", "title #1"),
            ("Shtykov recounts a meeting.", "description #1"),
            ("June 1, 1950", "date #2"),
            ("Note on the talks", "title #2"),
            ("A note.", "description #2"),
            ("Back to top", "end_marker"),
            ("© 2026 Wilson Center", "footer"),
            ("Next", "footer"),
        ],
    );
    assert_eq!(p["layout"], "plain");
    assert_eq!(p["layout_choice"], serde_json::json!({"by": "no_detect"}));
    assert_eq!(p["range"], serde_json::json!({"first": 1, "last": 2, "total": 2}));
    assert_eq!(p["reread"], serde_json::json!({"outcome": "not_tried"}));
    assert_eq!(p["title_less"], false);
    assert_eq!(p["warnings"], serde_json::json!([]));
}

#[test]
fn a_title_less_listing_reads_each_line_as_a_description() {
    let p = check(
        "listing.txt",
        &[
            ("Skip to content", "furniture"),
            ("1 - 3 of 3", "range_header"),
            ("May 15, 1949", "date #1"),
            (
                "Shtykov recounts a recent meeting between Kim Il and Mao Zedong.",
                "description #1",
            ),
            ("October 8, 1950", "date #2"),
            (
                "Mao informs Stalin that the Chinese volunteers could cross into Ko",
                "description #2",
            ),
            ("rea by October 15.", "description_continuation #2"),
            ("July 5, 1950", "date #3"),
            (
                "Stalin informs Mao Zedong that Chinese armed forces should be stationed there.",
                "description #3",
            ),
        ],
    );
    assert_eq!(p["title_less"], true);
    let figures = &p["title_less_figures"];
    assert_eq!(
        (figures["records"].as_u64(), figures["one_line"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(figures["sentences"], 3);
    assert!(
        p["title_less_why"]
            .as_str()
            .unwrap()
            .starts_with("yes: 3 of 3 records are one line")
    );
    let warnings = p["warnings"].to_string();
    assert!(
        warnings.contains("read as a title-less listing: 3 records"),
        "{warnings}"
    );
}

#[test]
fn a_date_unknown_line_is_the_date_line_of_its_record() {
    let p = check(
        "undated.txt",
        &[
            ("Date unknown", "no_date #1"),
            ("Telegram, Shtykov to Vyshinsky", "title #1"),
            ("Shtykov recounts a meeting.", "description #1"),
            ("May 15, 1949", "date #2"),
            ("Note on the talks", "title #2"),
            ("A note.", "description #2"),
        ],
    );
    assert_eq!(p["records"][0]["raw_date"], "Date unknown");
    assert_eq!(p["records"][0]["date"], Value::Null);
}

#[test]
fn a_description_broken_mid_sentence_goes_on_and_a_dateless_record_begins_after_it() {
    check(
        "broken.txt",
        &[
            ("May 15, 1949", "date #1"),
            ("Telegram, Shtykov to Vyshinsky", "title #1"),
            ("Shtykov recounts a meeting between the", "description #1"),
            ("Soviet and Chinese sides", "description_continuation #1"),
            ("Cable, Zhou Enlai to Wang Zhen", "title #2"),
            ("Zhou Enlai responds to two cables.", "description #2"),
        ],
    );
}

#[test]
fn a_page_read_again_to_its_range_header_shows_the_second_read() {
    let p = check(
        "reread.txt",
        &[
            ("1 - 2 of 2", "range_header"),
            ("May 15, 1949", "date #1"),
            ("Telegram, Shtykov to Vyshinsky", "title #1"),
            ("Shtykov recounts a meeting.", "description #1"),
            ("The second paragraph of it", "description_continuation #1"),
            ("It ends here.", "description_continuation #1"),
            ("June 1, 1950", "date #2"),
            ("Note on the talks", "title #2"),
            ("A note.", "description #2"),
        ],
    );
    assert_eq!(
        p["reread"],
        serde_json::json!({"outcome": "kept", "shown": 2, "first": 3})
    );
    assert!(p["warnings"].to_string().contains("read again with every line after"));
}

#[test]
fn the_seed_pages_get_their_layouts_and_every_line_a_role() {
    let w = Workdir::new();
    let layouts = ["plain", "bulleted", "plain", "bulleted", "plain"];
    let mut seeds: Vec<_> = std::fs::read_dir(fixture("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), layouts.len());
    for (seed, layout) in seeds.iter().zip(layouts) {
        let p = inspect_and_run(&w, seed);
        assert_eq!(p["layout"], layout, "{}", seed.display());
        let roles = roles(&p);
        assert!(
            !roles.iter().any(|r| r.starts_with("other")),
            "{}: {roles:?}",
            seed.display()
        );
        // Every record has its date line and its title on the page.
        for k in 1..=p["records"].as_array().unwrap().len() {
            let of = |role: &str| roles.iter().filter(|r| r.ends_with(&format!("{role} #{k}"))).count();
            assert_eq!((of("date"), of("title")), (1, 1), "{} record {k}", seed.display());
        }
    }
    // The first lines of a bulleted seed, line by line.
    let p = inspect_json(&w, &[&seeds[1]]);
    assert_eq!(
        roles(&p["pages"][0])[..10],
        [
            "furniture",
            "blank",
            "furniture",
            "blank",
            "blank",
            "record_marker+date #1",
            "blank",
            "title #1",
            "blank",
            "description #1"
        ]
    );
}

#[test]
fn text_output_lists_roles_records_and_warnings() {
    let w = Workdir::new();
    let page = w.write(
        "p.txt",
        "May 15, 1949\n\nTelegram\n\nShtykov recounts.\n\nSeptember 6, 19",
    );
    let o = w.concord(["inspect".as_ref(), page.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("page p.txt\n"), "{text}");
    assert!(
        text.contains("\n        7  date                          #2  September 6, 19\n"),
        "{text}"
    );
    assert!(text.contains("\n    p.txt#2  line 7  partial\n"), "{text}");
    assert!(
        text.contains("warning: p.txt:7: the page ends inside this record"),
        "{text}"
    );
}

#[test]
fn a_page_that_cannot_be_read_is_an_error_and_the_others_are_shown() {
    let w = Workdir::new();
    let good = w.write("good.txt", "May 15, 1949\n\nTelegram\n\nShtykov recounts.\n");
    let bad = w.write("bad.txt", b"May 15, 1949\n\0binary");
    let o = w.concord(["inspect".as_ref(), "--json".as_ref(), good.as_os_str(), bad.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.txt"), "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["pages"].as_array().unwrap().len(), 1);
    assert_eq!(report["pages"][0]["file"], "good.txt");
    let missing = w.concord(["inspect", "nowhere.txt"]);
    assert_eq!(missing.status.code(), Some(2));
}
