//! Three invented archives read by the layout language (issue 20), each with its own rules
//! file and nothing else: `fixtures/archives/<name>/` holds `rules.toml`, two `pages/` and
//! `expected.csv`, every record the pages must give (file, position, raw_date, date, title,
//! description, kind). "ledger" writes the date after the title and opens each page with a
//! paragraph of its own; "briefings" begins each record with its date and kind on one line,
//! and one of its pages is a title-less digest; "registre" writes a record as labelled lines
//! in any order, its dates in numbers or with French month names. One or two documents of
//! each archive stand on both of its pages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::workdir::{Workdir, fixture, read_csv, stderr};

type Row = BTreeMap<String, String>;

/// An archive of `fixtures/archives/`, and what its pages must give beyond `expected.csv`.
struct Archive {
    name: &'static str,
    /// The layout each page is read as.
    layouts: &'static [(&'static str, &'static str)],
    /// The documents that stand on both pages: the two records of each.
    overlaps: &'static [(&'static str, &'static str)],
}

const LEDGER: Archive = Archive {
    name: "ledger",
    layouts: &[("page1.txt", "ledger"), ("page2.txt", "ledger")],
    overlaps: &[("page1.txt#4", "page2.txt#1"), ("page1.txt#5", "page2.txt#2")],
};

const BRIEFINGS: Archive = Archive {
    name: "briefings",
    layouts: &[("page1.txt", "briefings"), ("page2.txt", "briefings-digest")],
    // Both untitled (a one-line posting, and the digest), and titled against untitled.
    overlaps: &[("page1.txt#1", "page2.txt#2"), ("page1.txt#3", "page2.txt#3")],
};

const REGISTRE: Archive = Archive {
    name: "registre",
    layouts: &[("page1.txt", "registre"), ("page2.txt", "registre")],
    // Each copy's date written otherwise: "23.10.1962" / "23 octobre 1962".
    overlaps: &[("page1.txt#1", "page2.txt#2"), ("page1.txt#2", "page2.txt#1")],
};

/// Copies the archive's pages and rules into the work folder, as `<name>/pages/` and
/// `<name>/rules.toml`. Gives both paths, relative to the work folder (where concord runs).
fn setup(w: &Workdir, a: &Archive) -> (PathBuf, String) {
    w.copy_fixtures(&format!("archives/{}/pages", a.name), &format!("{}/pages", a.name));
    let rules = format!("{}/rules.toml", a.name);
    std::fs::copy(fixture(&format!("archives/{}/rules.toml", a.name)), w.path(&rules)).unwrap();
    (PathBuf::from(format!("{}/pages", a.name)), rules)
}

fn expected(a: &Archive) -> Vec<Row> {
    read_csv(&fixture(&format!("archives/{}/expected.csv", a.name)))
}

fn record_id(row: &Row) -> String {
    format!("{}#{}", row["file"], row["position"])
}

/// The named columns of each row, in row order.
fn columns(rows: &[Row], names: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| names.iter().map(|n| r.get(*n).cloned().unwrap_or_default()).collect())
        .collect()
}

/// The warnings of a run, as "file: message".
fn warnings(w: &Workdir, out: &str) -> Vec<String> {
    let path = w.path(&format!("{out}/warnings.csv"));
    match path.exists() {
        true => read_csv(&path)
            .into_iter()
            .map(|r| format!("{}: {}", r["file"], r["message"]))
            .collect(),
        false => Vec::new(),
    }
}

/// Runs the archive's pages with its rules, and checks every output the layout language
/// decides: the records read, their dates, their extra fields, the documents on both pages
/// merged, and no page or layout left unmatched.
fn reads_as_expected(a: &Archive) {
    let w = Workdir::new();
    let (pages, rules) = setup(&w, a);
    let o = w.run_ok(&[pages.as_path()], "out", &["-q", "--rules", &rules]);
    let name = a.name;
    let want = expected(a);
    let got = w.csv("out/provenance.csv");

    // The records, as read, in page order.
    let read = ["file", "position", "raw_date", "title", "description"];
    assert_eq!(
        columns(&got, &read),
        columns(&want, &read),
        "{name}: provenance.csv (file, position, raw_date, title, description) against expected.csv"
    );
    // Each page was read by the archive's layout for it.
    let layouts: BTreeMap<&str, &str> = a.layouts.iter().copied().collect();
    for r in &got {
        assert_eq!(
            Some(r["layout"].as_str()),
            layouts.get(r["file"].as_str()).copied(),
            "{name}: the layout of {}",
            r["record_id"]
        );
    }

    // Each record's date: as the record itself reads it (provenance), and as its canonical
    // record has it (the copies of a document give the same date on both pages).
    assert_eq!(
        columns(&got, &["record_id", "date"]),
        want.iter()
            .map(|r| vec![record_id(r), r["date"].clone()])
            .collect::<Vec<_>>(),
        "{name}: provenance.csv date against expected.csv"
    );
    let canonical: BTreeMap<String, String> = w
        .csv("out/canonical.csv")
        .into_iter()
        .map(|r| (r["canonical_id"].clone(), r["date"].clone()))
        .collect();
    for (g, e) in got.iter().zip(&want) {
        let date = canonical.get(&g["canonical_id"]);
        assert_eq!(
            date,
            Some(&e["date"]),
            "{name}: the canonical date of {} ({})",
            g["record_id"],
            g["canonical_id"]
        );
    }

    // The extra field `kind`: one row of record_fields.csv per record that has one (every run
    // writes the file: its header alone when no record has such a field).
    let mut kinds: Vec<Vec<String>> = want
        .iter()
        .filter(|r| !r["kind"].is_empty())
        .map(|r| vec![record_id(r), "kind".to_string(), r["kind"].clone()])
        .collect();
    kinds.sort();
    let fields = w.path("out/record_fields.csv");
    assert!(fields.exists(), "{name}: no record_fields.csv");
    let mut written = columns(&read_csv(&fields), &["record_id", "field", "value"]);
    written.sort();
    assert_eq!(written, kinds, "{name}: record_fields.csv");

    // The documents on both pages are one canonical record each, and no other records merged.
    let canonical_of: BTreeMap<String, String> = got
        .iter()
        .map(|r| (r["record_id"].clone(), r["canonical_id"].clone()))
        .collect();
    for (x, y) in a.overlaps {
        assert_eq!(
            canonical_of.get(*x),
            canonical_of.get(*y),
            "{name}: {x} and {y} are one document"
        );
        assert!(canonical_of.contains_key(*x), "{name}: no record {x}");
    }
    assert_eq!(
        canonical.len(),
        want.len() - a.overlaps.len(),
        "{name}: canonical records (provenance: {canonical_of:?})"
    );

    // Every page found its layout, and every layout of the file read a page.
    let warned = warnings(&w, "out");
    let unmatched: Vec<_> = warned
        .iter()
        .filter(|m| m.contains("no layout's detect pattern matched") || m.contains("never matched any page"))
        .collect();
    assert!(
        unmatched.is_empty(),
        "{name}: {unmatched:?} (all warnings: {warned:?}; stderr: {})",
        stderr(&o)
    );
}

#[test]
fn ledger_reads_a_date_after_its_title_under_a_header_of_each_page() {
    reads_as_expected(&LEDGER);
}

#[test]
fn briefings_reads_date_and_kind_on_one_line_and_a_title_less_digest() {
    reads_as_expected(&BRIEFINGS);
}

#[test]
fn registre_reads_labelled_lines_in_any_order_and_french_dates() {
    reads_as_expected(&REGISTRE);
}

/// A page of the site's catch-all layout ("plain") made of the archives' own lines: their
/// dates ("octobre 1962", "16.10.1962") as titles, their furniture and end markers at the
/// end, where the site's own would be skipped or end the page. Read as the site reads it,
/// whatever rules of the archives are given.
const SITE_PAGE: &str = "Skip to content
May 15, 1949
Telegram, Shtykov to Vyshinsky
Shtykov recounts a meeting.
June 1, 1950
octobre 1962
The title above is a month written in French.
July 5, 1950
16.10.1962
The title above is a date written in numbers.
August 2, 1950
Note on the talks
A note.
Menu
Print this page
Subscribe to the weekly digest
Haut de page
Page 1 of 2
Suivant »
Older posts ›
";

/// The seed pages read with the archive's rules give the provenance.csv they give alone
/// (the archive's layouts, furniture, markers and date formats do not reach the site's
/// pages), and so does a site page made of the archives' lines; read in one run with the
/// archive's pages, the seeds are still read so, and the archive's pages as expected.
fn leaves_the_seed_pages_alone(a: &Archive) {
    let w = Workdir::new();
    let (pages, rules) = setup(&w, a);
    let seeds = w.copy_fixtures("pages", "seeds");
    let name = a.name;
    let same = |inputs: &[&Path], what: &str| {
        let (alone, with) = (format!("{what}-alone"), format!("{what}-with"));
        w.run_ok(inputs, &alone, &["-q"]);
        w.run_ok(inputs, &with, &["-q", "--rules", &rules]);
        let alone = std::fs::read_to_string(w.path(&format!("{alone}/provenance.csv"))).unwrap();
        let with = std::fs::read_to_string(w.path(&format!("{with}/provenance.csv"))).unwrap();
        assert!(
            alone == with,
            "{name}: the {what} pages read otherwise with its rules:\n--- alone\n{alone}\n--- with {rules}\n{with}"
        );
    };
    same(&[seeds.as_path()], "seed");
    let site = w.write("site/site.txt", SITE_PAGE);
    same(&[site.as_path()], "site");

    w.run_ok(
        &[seeds.as_path(), pages.as_path()],
        "together",
        &["-q", "--rules", &rules],
    );
    let together = w.csv("together/provenance.csv");
    let is_archive = |r: &&Row| a.layouts.iter().any(|(f, _)| r["file"] == *f);
    // Everything the reader decides (the canonical id depends on the other records).
    let read = [
        "record_id",
        "fingerprint",
        "file",
        "position",
        "line",
        "layout",
        "raw_date",
        "date",
        "title",
        "description",
        "partial",
    ];
    let seed_rows: Vec<Row> = together.iter().filter(|r| !is_archive(r)).cloned().collect();
    assert_eq!(
        columns(&seed_rows, &read),
        columns(&w.csv("seed-alone/provenance.csv"), &read),
        "{name}: the seed pages read beside the archive's"
    );
    let archive_rows: Vec<Row> = together.iter().filter(is_archive).cloned().collect();
    let fields = ["file", "position", "raw_date", "date", "title", "description"];
    assert_eq!(
        columns(&archive_rows, &fields),
        columns(&expected(a), &fields),
        "{name}: the archive's pages read beside the seeds"
    );
}

#[test]
fn ledger_rules_leave_the_seed_pages_alone() {
    leaves_the_seed_pages_alone(&LEDGER);
}

#[test]
fn briefings_rules_leave_the_seed_pages_alone() {
    leaves_the_seed_pages_alone(&BRIEFINGS);
}

#[test]
fn registre_rules_leave_the_seed_pages_alone() {
    leaves_the_seed_pages_alone(&REGISTRE);
}

use crate::inspect::role_of;

/// `concord inspect --json --rules RULES PAGE` on one page of the archive, `spec` giving
/// every line of the page (its text, trimmed) and its role; `detected` the line the layout's
/// `detect` matched first. Checks the layout, the roles, and the records against
/// expected.csv (their first line being the first line of their role).
fn inspects_as(a: &Archive, file: &str, detected: usize, spec: &[(&str, &str)]) {
    let w = Workdir::new();
    let (pages, rules) = setup(&w, a);
    let page = pages.join(file);
    let args: [&std::ffi::OsStr; 5] = [
        "inspect".as_ref(),
        "--json".as_ref(),
        "--rules".as_ref(),
        rules.as_ref(),
        page.as_os_str(),
    ];
    let o = w.concord(args);
    assert!(o.status.success(), "inspect failed: {}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("inspect --json prints one JSON document");
    let p = &report["pages"][0];
    let name = format!("{}/{file}", a.name);

    let layout = a.layouts.iter().find(|(f, _)| *f == file).unwrap().1;
    assert_eq!(p["layout"], layout, "{name}: {}", p["why"]);
    assert_eq!(
        p["layout_choice"],
        serde_json::json!({"by": "detected", "line": detected}),
        "{name}"
    );

    // Every line: its text and its role. The newline ending the page begins one more, empty,
    // line.
    let lines = p["lines"].as_array().unwrap();
    let got: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l["text"].as_str().unwrap_or("?").to_string(), role_of(l)))
        .collect();
    let mut want: Vec<(String, String)> = spec.iter().map(|(t, r)| (t.to_string(), r.to_string())).collect();
    want.push((String::new(), "blank".to_string()));
    for (i, (g, e)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, e, "{name}: line {} (text, role)", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{name}: lines");

    // The records: as expected.csv has them, each beginning at its first line.
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let records = p["records"].as_array().unwrap();
    let rows: Vec<Row> = expected(a).into_iter().filter(|r| r["file"] == file).collect();
    assert_eq!(records.len(), rows.len(), "{name}: records {records:?}");
    for (k, (r, e)) in records.iter().zip(&rows).enumerate() {
        let tag = format!(" #{}", k + 1);
        let first = spec.iter().position(|(_, role)| role.ends_with(&tag)).map(|i| i + 1);
        let kind = match e["kind"].as_str() {
            "" => Value::Null,
            kind => Value::from(kind),
        };
        assert_eq!(
            (
                text(&r["id"]),
                r["line"].as_u64().map(|l| l as usize),
                text(&r["raw_date"]),
                text(&r["date"]),
                text(&r["title"]),
                text(&r["description"]),
                r["fields"]["kind"].clone(),
            ),
            (
                record_id(e),
                first,
                e["raw_date"].clone(),
                e["date"].clone(),
                e["title"].clone(),
                e["description"].clone(),
                kind,
            ),
            "{name}: record {}",
            k + 1
        );
    }
    assert_eq!(p["warnings"], serde_json::json!([]), "{name}");
}

#[test]
fn inspect_shows_a_ledger_page_title_date_and_description() {
    inspects_as(
        &LEDGER,
        "page1.txt",
        2,
        &[
            ("Harrow County Record Office", "furniture"),
            ("Catalogue › Lindqvist estate papers › Search results", "header"),
            ("", "blank"),
            ("Estate papers of the Lindqvist family of Beckside", "header"),
            (
                "Deposited by the family in 1974, together with the steward's ledger",
                "header",
            ),
            (
                "from which these descriptions are copied. Items are listed as the",
                "header",
            ),
            ("steward entered them.", "header"),
            ("", "blank"),
            ("Conveyance of the mill field to Thomas Ashworth", "title #1"),
            ("12 March 1962", "date #1"),
            (
                "Deed of sale of the mill field, with a plan of the boundaries",
                "description #1",
            ),
            ("drawn by the county surveyor.", "description_continuation #1"),
            ("", "blank"),
            ("Letter from the steward to Mrs Lindqvist about the harvest", "title #2"),
            ("4 September 1962", "date #2"),
            (
                "The steward reports a poor harvest on the upper farms and asks",
                "description #2",
            ),
            ("leave to lower the rents for the year.", "description_continuation #2"),
            ("", "blank"),
            ("Inventory of the contents of Beckside House", "title #3"),
            ("June 1963", "date #3"),
            ("", "blank"),
            ("Plan of the new drainage of the lower meadows", "title #4"),
            ("21 November 1963", "date #4"),
            (
                "Drawn on linen, with a note of the costs in the steward's hand.",
                "description #4",
            ),
            ("", "blank"),
            ("Account of wages paid to the farm labourers", "title #5"),
            ("3 January 1964", "date #5"),
            (
                "Weekly wages for the quarter ending at Christmas, with the names",
                "description #5",
            ),
            (
                "of eleven labourers and the sums advanced to two of them against",
                "description_continuation #5",
            ),
            ("the spring hiring.", "description_continuation #5"),
            ("", "blank"),
            ("Print this page", "furniture"),
            ("Page 1 of 2", "end_marker"),
            ("‹ Previous · Next ›", "footer"),
        ],
    );
}

#[test]
fn inspect_shows_a_briefings_page_date_and_kind_line_title_and_teaser() {
    // The start line captures both the date and the kind: its role is the date's, with
    // `marker` true (`record_marker+date`).
    inspects_as(
        &BRIEFINGS,
        "page1.txt",
        6,
        &[
            ("The Security Archive", "furniture"),
            ("Menu", "furniture"),
            ("Briefing Books", "header"),
            ("Showing 1 - 6 of 214 results", "range_header"),
            ("", "blank"),
            ("Nov 2, 2006 | Document Friday", "record_marker+date #1"),
            (
                "A 1983 cable shows how close the Able Archer exercise came to being read in Moscow as cover for a first strike.",
                "description #1",
            ),
            ("", "blank"),
            ("Oct 27, 2006 | Briefing Book", "record_marker+date #2"),
            ("The Cuban Missile Crisis at 44: New Soviet Sources", "title #2"),
            (
                "Transcripts from the Presidium archive show Khrushchev weighing the",
                "description #2",
            ),
            (
                "withdrawal of the missiles days before the public deal.",
                "description_continuation #2",
            ),
            ("", "blank"),
            ("Oct 13, 2006 | Briefing Book", "record_marker+date #3"),
            ("North Korea's Nuclear Test: The Road to October 9", "title #3"),
            (
                "Declassified cables trace how Washington read the warning signs",
                "description #3",
            ),
            (
                "in the weeks before Pyongyang's first test.",
                "description_continuation #3",
            ),
            ("", "blank"),
            ("Sep 29, 2006 | Special Exhibit", "record_marker+date #4"),
            ("Budapest 1956: Photographs from the Street Fighting", "title #4"),
            (
                "Photographs from the 1956 Hungarian uprising, with the legation's",
                "description #4",
            ),
            (
                "reports on the street fighting in Budapest and on the return of",
                "description_continuation #4",
            ),
            ("Soviet armour on November 4.", "description_continuation #4"),
            ("", "blank"),
            ("Sep 8, 2006 | Briefing Book", "record_marker+date #5"),
            ("The Pentagon Papers Index: A Finding Aid", "title #5"),
            (
                "A volume-by-volume guide to the released text of the study.",
                "description #5",
            ),
            ("", "blank"),
            ("Aug 25, 2006 | Document Friday", "record_marker+date #6"),
            ("The Hotline Memorandum of 1963", "title #6"),
            (
                "The memorandum of understanding that set up the direct line between Washington and Moscow,",
                "description #6",
            ),
            ("with its technical annex.", "description_continuation #6"),
            ("", "blank"),
            ("Subscribe to the weekly digest", "furniture"),
            ("‹ Newer posts", "end_marker"),
            ("Older posts ›", "footer"),
        ],
    );
}

#[test]
fn inspect_shows_a_registre_page_labelled_lines_in_any_order() {
    // A line that gives a field of the archive's own (`Type : ...`, the field `kind`) is a
    // `field` line (README, the roles of a line). The `Titre : ...` line is the record start
    // capturing the title: `record_marker+title`.
    inspects_as(
        &REGISTRE,
        "page1.txt",
        6,
        &[
            ("Archives diplomatiques", "furniture"),
            ("Menu", "furniture"),
            (
                "Inventaire des télégrammes et notes, série Amérique, 1962-1963",
                "header",
            ),
            ("Recherche : « Cuba » ; tri par cote", "header"),
            ("", "blank"),
            (
                "Titre : Télégramme de l'ambassadeur à Washington sur la quarantaine",
                "record_marker+title #1",
            ),
            ("Date : 23.10.1962", "date #1"),
            ("Type : Télégramme", "field #1"),
            (
                "Résumé : L'ambassadeur rend compte de l'annonce de la quarantaine par",
                "description #1",
            ),
            (
                "le président Kennedy et des premières réactions au Congrès.",
                "description_continuation #1",
            ),
            ("", "blank"),
            (
                "Titre : Note du service des pactes sur la réunion du Conseil atlantique",
                "record_marker+title #2",
            ),
            ("Type : Note", "field #2"),
            ("Date : 16 octobre 1962", "date #2"),
            (
                "Résumé : Préparation de la réunion extraordinaire du Conseil de",
                "description #2",
            ),
            (
                "l'Atlantique Nord demandée par les États-Unis.",
                "description_continuation #2",
            ),
            ("", "blank"),
            (
                "Titre : Dépêches de l'ambassade à La Havane sur le ravitaillement",
                "record_marker+title #3",
            ),
            ("Date : octobre 1962", "date #3"),
            ("Type : Dépêche", "field #3"),
            (
                "Résumé : Recueil des dépêches du mois sur les pénuries dans l'île.",
                "description #3",
            ),
            ("", "blank"),
            (
                "Titre : Compte rendu de l'entretien du ministre avec l'ambassadeur soviétique",
                "record_marker+title #4",
            ),
            ("Date : 26.10.1962", "date #4"),
            (
                "Résumé : Le ministre rappelle la position de la France et",
                "description #4",
            ),
            (
                "l'ambassadeur expose les conditions d'un retrait.",
                "description_continuation #4",
            ),
            ("Type : Compte rendu", "field #4"),
            ("", "blank"),
            (
                "Titre : Lettre du consul à Santiago de Cuba sur les ressortissants français",
                "record_marker+title #5",
            ),
            ("Date : 1er novembre 1962", "date #5"),
            ("Type : Lettre", "field #5"),
            (
                "Résumé : Le consul dresse la liste des Français demeurés dans la",
                "description #5",
            ),
            (
                "province et demande des instructions pour leur rapatriement.",
                "description_continuation #5",
            ),
            ("Haut de page", "furniture"),
            ("", "blank"),
            ("Suivant »", "end_marker"),
            ("Mentions légales", "footer"),
        ],
    );
}

/// The archives' pages are fixtures of their own: the page files a test names are there.
#[test]
fn every_archive_has_its_rules_pages_and_expected_records() {
    for a in [&LEDGER, &BRIEFINGS, &REGISTRE] {
        let dir = fixture(&format!("archives/{}", a.name));
        assert!(dir.join("rules.toml").is_file(), "{}", a.name);
        for (file, _) in a.layouts {
            assert!(dir.join("pages").join(file).is_file(), "{}/{file}", a.name);
        }
        let want = expected(a);
        assert!(want.iter().all(|r| a.layouts.iter().any(|(f, _)| r["file"] == *f)));
        assert_eq!(
            want.iter()
                .map(|r| r["file"].as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            a.layouts.len(),
            "{}",
            a.name
        );
    }
}

/// An archive whose records carry a number of their own: `Memo No. 4711`.
const NUMBERED_RULES: &str = "[[layouts]]
name = \"numbered\"
detect = '^No\\. \\d+ \\| '
record_start = '^No\\. (?P<number>\\d+) \\| (?P<date>.+)$'
fields = [\"title\", \"description?\"]

[[blocking.rules]]
name = \"date\"
kind = \"compatible_dates\"
field = \"date\"

[[blocking.rules]]
name = \"number\"
kind = \"rare_tokens\"
field = \"number\"
";

#[test]
fn a_field_of_the_archive_s_own_blocks_its_undated_records() {
    let w = Workdir::new();
    w.write(
        "in/a.txt",
        "No. 4711 | 12 March 1962\nMemorandum on the harbour works\nThe engineer reports on the harbour.\n\
         No. 5000 | 3 April 1962\nLetter from the mayor\nThe mayor asks for a bridge.\n",
    );
    // The same memorandum, undated on this page, and titled a little differently.
    w.write(
        "in/b.txt",
        "No. 4711 | n.d.\nMemorandum on the harbor works\nThe engineer reports on the harbour.\n",
    );
    let rules = w.write("rules.toml", NUMBERED_RULES);
    w.run_ok(&[&w.path("in")], "out", &["-q", "--rules", rules.to_str().unwrap()]);
    let decisions = w.csv("out/decisions.csv");
    let pair = decisions
        .iter()
        .find(|r| r["record_a"] == "a.txt#1" && r["record_b"] == "b.txt#1")
        .expect("the undated memorandum meets its number's other record");
    assert_eq!(
        (pair["block_rule"].as_str(), pair["decision"].as_str()),
        ("number", "match"),
        "{pair:?}"
    );
    assert!(
        !decisions
            .iter()
            .any(|r| r["record_b"] == "b.txt#1" && r["record_a"] == "a.txt#2"),
        "another number is not paired: {decisions:?}"
    );
    // A rule on a field no layout names is an error naming it.
    let bad = w.write(
        "bad.toml",
        NUMBERED_RULES.replace("field = \"number\"", "field = \"nummer\""),
    );
    let o = w.concord([
        "run",
        w.path("in").to_str().unwrap(),
        "--out",
        w.path("bad").to_str().unwrap(),
        "--rules",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"nummer\" is not a page field") && stderr(&o).contains("nor a field a layout names"),
        "{}",
        stderr(&o)
    );
}
