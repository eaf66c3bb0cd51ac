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
        assert_eq!(last.partial, !complete, "cut at {cut}: {:?}", &full[last_start..cut]);
    }
}
