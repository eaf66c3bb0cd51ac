//! Hostile tables, rules and terminals (issue "Nothing lost, for real", points 6 and 17-22):
//! invisible characters, table ids that collide, CRLF line numbers, a quote that never
//! closes, non-finite rules, I/O errors printed once, and a closed stdout.

use std::collections::BTreeSet;
use std::io::Read;

use crate::hostile::{PageRecord, separated_page};
use crate::workdir::{Workdir, fixture, stderr, stdout};

use crate::tables::MAPPING;

/// Runs `concord run INPUT --rules MAPPING --out out -q` (any exit status).
fn run_table(w: &Workdir, input: &std::path::Path) -> std::process::Output {
    let rules = w.write("map.toml", MAPPING);
    w.concord([
        "run",
        input.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        "out",
        "-q",
    ])
}

#[test]
fn invisible_characters_fold_away_and_the_clean_title_is_canonical() {
    let w = Workdir::new();
    let record = |title: &str, description: &str| PageRecord {
        date: Some("September 6, 1952".into()),
        title: title.into(),
        description: description.into(),
    };
    let description = "Zhou Enlai reports on the talks with the Soviet delegation.";
    let dirty_description = "Zhou Enlai reports on the talks with the So\u{ad}viet dele\u{200b}gation.";
    let clean = "Memorandum on the Talks with Molotov";
    // A zero-width space, a soft hyphen, a word joiner, a bidi mark and a control character.
    let dirty = "Memo\u{200b}randum on the Tal\u{ad}ks with\u{2060} Mol\u{200e}o\u{7}tov";
    // The dirty form is the majority: still never chosen while a clean one exists.
    w.write("in/a.txt", separated_page(&[record(dirty, dirty_description)]));
    w.write("in/b.txt", separated_page(&[record(dirty, dirty_description)]));
    w.write("in/c.txt", separated_page(&[record(clean, description)]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let fingerprints: BTreeSet<&str> = prov.iter().map(|r| r["fingerprint"].as_str()).collect();
    assert_eq!(fingerprints.len(), 1, "{prov:?}");
    let canon = w.csv("out/canonical.csv");
    assert_eq!(canon.len(), 1, "{canon:?}");
    assert_eq!(canon[0]["title"], clean);
    assert_eq!(canon[0]["description"], description);
}

#[test]
fn a_fallback_table_id_never_collides_with_an_explicit_one() {
    let w = Workdir::new();
    // Row 3 has no id, so it falls back to "people.csv#3", which row 1 names explicitly;
    // rows 4 and 5 repeat one explicit id, and row 5's fallback "people.csv#5" is row 2's id.
    let input = w.write(
        "people.csv",
        "id,name,born,zip\n\
         people.csv#3,Ann Lee,1952,2600\n\
         people.csv#5,Bob Ray,1950,2601\n\
         ,Cy Ott,1949,2602\n\
         x,Di Fox,1948,2603\n\
         x,Ed Poe,1947,2604\n",
    );
    let o = run_table(&w, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let prov = w.csv("out/provenance.csv");
    let ids: Vec<&str> = prov.iter().map(|r| r["record_id"].as_str()).collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "ids repeat: {ids:?}");
    let canon = w.csv("out/canonical.csv");
    let canon_ids: BTreeSet<&str> = canon.iter().flat_map(|r| r["record_ids"].split(';')).collect();
    assert_eq!(canon_ids, ids.iter().copied().collect(), "{canon:?}");
    let err = w.warnings("out");
    assert!(err.contains("people.csv:4:") && err.contains("people.csv#3"), "{err}");
    assert!(err.contains("people.csv:6:"), "{err}");
}

/// Line numbers of a CSV's warnings and provenance, for LF and CRLF files alike.
#[test]
fn crlf_csv_line_numbers_are_right() {
    let lf = "id,name,born,zip\n1,Ann Lee,1952,2600\n2,Bob Ray,1950\n3,Cy Ott,sometime,2601\n\n4,Di Fox,1948,2603\n";
    let mut lines = Vec::new();
    for (name, text) in [("lf.csv", lf.to_string()), ("crlf.csv", lf.replace('\n', "\r\n"))] {
        let w = Workdir::new();
        let input = w.write(name, text);
        let o = run_table(&w, &input);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = w.warnings("out");
        assert!(err.contains(&format!("{name}:3: malformed row skipped")), "{err}");
        assert!(
            err.contains(&format!(
                "field \"born\": 1 cell could not be read as date (line 4 of {name}:"
            )),
            "{err}"
        );
        let prov = w.csv("out/provenance.csv");
        let got: Vec<(String, String)> = prov
            .iter()
            .map(|r| (r["record_id"].clone(), r["line"].clone()))
            .collect();
        lines.push(got);
    }
    let want: Vec<(String, String)> = [("1", "2"), ("3", "4"), ("4", "6")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(lines, vec![want.clone(), want]);
}

#[test]
fn the_febrl_sample_crlf_lines_match_the_file() {
    let w = Workdir::new();
    let rules = crate::workdir::root().join("rules/person.toml");
    w.run_ok(
        &[&fixture("febrl/febrl1_sample.csv")],
        "out",
        &["--rules", rules.to_str().unwrap(), "-q"],
    );
    let text = std::fs::read_to_string(fixture("febrl/febrl1_sample.csv")).unwrap();
    let file_lines: Vec<&str> = text.lines().collect();
    for r in w.csv("out/provenance.csv") {
        let line: usize = r["line"].parse().unwrap();
        assert!(
            file_lines[line - 1].starts_with(&format!("{},", r["record_id"])),
            "line {line} is {:?}, not {}",
            file_lines[line - 1],
            r["record_id"]
        );
    }
}

#[test]
fn an_unbalanced_quote_is_reported_where_it_opened_and_the_rows_after_it_are_read() {
    for newline in ["\n", "\r\n"] {
        // Line 3's quote never closes: the reader would take lines 3-6 as one row.
        let text = "id,name,born,zip\n1,Ann Lee,1952,2600\n2,\"Bob Ray,1950,2601\n3,Cy Ott,1949,2602\n4,Di Fox,1948,2603\n5,Ed Poe,1947,2604\n"
            .replace('\n', newline);
        let w = Workdir::new();
        let input = w.write("people.csv", text);
        let o = run_table(&w, &input);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = w.warnings("out");
        assert!(
            err.contains("people.csv:3:") && err.contains("quote") && err.contains("4 lines"),
            "{err}"
        );
        let ids: Vec<String> = w
            .csv("out/provenance.csv")
            .iter()
            .map(|r| format!("{}@{}", r["record_id"], r["line"]))
            .collect();
        assert_eq!(ids, ["1@2", "3@4", "4@5", "5@6"]);
    }
    // A quote in the last column swallows to the end with the right number of fields.
    let w = Workdir::new();
    let input = w.write(
        "people.csv",
        "id,name,born,zip\n1,Ann Lee,1952,\"2600\n2,Bob Ray,1950,2601\n3,Cy Ott,1949,2602\n",
    );
    let o = run_table(&w, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = w.warnings("out");
    assert!(err.contains("people.csv:2:") && err.contains("3 lines"), "{err}");
    let ids: Vec<String> = w
        .csv("out/provenance.csv")
        .iter()
        .map(|r| r["record_id"].clone())
        .collect();
    assert_eq!(ids, ["2", "3"]);
}

#[test]
fn a_legitimate_multi_line_cell_is_one_row() {
    let w = Workdir::new();
    let input = w.write(
        "people.csv",
        "id,name,born,zip\n1,\"Ann\nLee\",1952,2600\n2,Bob Ray,1950,2601\n",
    );
    let o = run_table(&w, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<String> = w
        .csv("out/provenance.csv")
        .iter()
        .map(|r| format!("{}@{}", r["record_id"], r["line"]))
        .collect();
    assert_eq!(lines, ["1@2", "2@4"]);
}

#[test]
fn non_finite_rules_are_refused_with_the_key_and_the_file() {
    let w = Workdir::new();
    w.write("in/p.txt", separated_page(&[]));
    for (key, toml) in [
        ("comparison.match_threshold", "[comparison]\nmatch_threshold = nan\n"),
        ("comparison.title_weight", "[comparison]\ntitle_weight = inf\n"),
        (
            "comparison.description_weight",
            "[comparison]\ndescription_weight = -inf\n",
        ),
    ] {
        let rules = w.write("mine.toml", toml);
        let o = w.concord(["run", "in", "--out", "out", "--rules", rules.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(rules.to_str().unwrap()) && err.contains(key), "{err}");
        assert!(!w.path("out").exists());
    }
}

#[test]
fn an_invalid_rule_names_the_users_rules_file() {
    let w = Workdir::new();
    w.write("in/p.txt", separated_page(&[]));
    let rules = w.write("mine.toml", "[page]\nfurniture = [\"(unclosed\"]\n");
    let o = w.concord(["run", "in", "--out", "out", "--rules", rules.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(rules.to_str().unwrap()) && err.contains("page.furniture"),
        "{err}"
    );
    assert!(!err.contains("rules rules"), "{err}");
}

#[test]
fn an_io_error_is_printed_once() {
    let w = Workdir::new();
    w.write("in/p.txt", separated_page(&[]));
    w.write("out", "a regular file where the output folder should be");
    let o = w.concord(["run", "in", "--out", "out", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.contains("out"), "{err}");
}

/// Runs concord with its stdout a pipe that is closed before it writes anything.
fn closed_stdout(w: &Workdir, args: &[&str]) -> std::process::Output {
    let mut child = w.spawn(args);
    drop(child.stdout.take());
    let mut err = Vec::new();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    let status = child.wait().unwrap();
    std::process::Output {
        status,
        stdout: Vec::new(),
        stderr: err,
    }
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let w = Workdir::new();
    w.copy_fixtures("pages", "in");
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let id = w.csv("out/canonical.csv")[0]["canonical_id"].clone();
    let cases: [&[&str]; 4] = [
        &["explain", "out", &id],
        &["run", "in", "--out", "out2"],
        &["synth", "--records", "20", "--out", "synth"],
        &["eval", "out", "--truth", "truth.csv"],
    ];
    w.write("truth.csv", "record_id,entity_id\n");
    for args in cases {
        let o = closed_stdout(&w, args);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if args[0] != "eval" {
            // eval says that the truth file misses records, and exits 1 for it.
            assert!(o.status.success(), "{args:?}: {err}");
            assert_eq!(err, "", "{args:?}");
        }
    }
    // The explanation, read only in part, is still whole when read in full.
    let o = w.concord(["explain", "out", &id]);
    assert!(stdout(&o).contains(&id));
}
