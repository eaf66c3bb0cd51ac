//! The spine: saved result pages in, canonical CSV with provenance out (issue "The spine").

use std::collections::{BTreeMap, BTreeSet};

use crate::workdir::{Workdir, fixture, read_csv, root, stderr};

type Row = BTreeMap<String, String>;

fn find<'a>(rows: &'a [Row], file_prefix: &str, date: &str, title: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["file"].starts_with(file_prefix) && r["raw_date"] == date && r["title"] == title)
        .unwrap_or_else(|| panic!("no record {file_prefix} {date} {title}"))
}

fn seeds_run() -> (Workdir, Vec<Row>, Vec<Row>) {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let canon = w.csv("out/canonical.csv");
    (w, prov, canon)
}

#[test]
fn seeds_parse_into_67_exact_records() {
    let (_w, prov, _) = seeds_run();
    assert_eq!(prov.len(), 67);
    let per_file: BTreeMap<&str, usize> = prov.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(&r["file"][..3]).or_default() += 1;
        m
    });
    assert_eq!(per_file.values().copied().collect::<Vec<_>>(), vec![10, 20, 10, 20, 7]);

    // Plain layout: the first record of the first page.
    let r = find(
        &prov,
        "000",
        "September 6, 1952",
        "Letter, Zhou Enlai to Comrade Molotov",
    );
    assert_eq!(
        r["description"],
        "Zhou Enlai seeks technical support from the Soviet Union."
    );
    assert_eq!(
        (r["position"].as_str(), r["line"].as_str(), r["layout"].as_str()),
        ("1", "7", "plain")
    );
    assert_eq!(r["date"], "1952-09-06");

    // Bulleted layout: the zero-padded form, as written.
    let r = find(
        &prov,
        "003",
        "September 06, 1952",
        "Letter, Zhou Enlai to Comrade Molotov",
    );
    assert_eq!(
        (r["position"].as_str(), r["line"].as_str(), r["layout"].as_str()),
        ("9", "56", "bulleted")
    );
    assert_eq!(r["date"], "1952-09-06");

    // The record with no description.
    let r = find(
        &prov,
        "000",
        "July 31, 1958",
        "Record of the First Conversation between Chairman Mao and Khrushchev",
    );
    assert_eq!(r["description"], "");
    assert_eq!(r["position"], "3");

    // A month-only date keeps its precision.
    let r = find(
        &prov,
        "003",
        "February, 1950",
        "Note from Andrey Vyshinsky to Zhou Enlai, February 1950",
    );
    assert_eq!(r["date"], "1950-02");

    // Diacritics kept intact in the output.
    let r = prov
        .iter()
        .find(|r| r["title"].contains("Säypiddin Äzizi"))
        .expect("Säypiddin Äzizi intact");
    assert_eq!(r["raw_date"], "April 27, 1962");

    // Nothing is partial on complete pages.
    assert!(prov.iter().all(|r| r["partial"] == "false"));
}

#[test]
fn seeds_give_62_canonical_records_with_exactly_five_merges() {
    let (_w, prov, canon) = seeds_run();
    assert_eq!(canon.len(), 62);
    let merged: BTreeSet<(String, String)> = canon
        .iter()
        .filter(|c| c["source_count"] != "1")
        .map(|c| {
            assert_eq!(c["source_count"], "2");
            let files: BTreeSet<&str> = c["record_ids"]
                .split(';')
                .map(|id| id.split('#').next().unwrap())
                .collect();
            assert_eq!(files.len(), 2, "each merge joins two pages: {c:?}");
            (c["date"].clone(), c["title"].clone())
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("1952-09-06", "Letter, Zhou Enlai to Comrade Molotov"),
        ("1952-09-17", "Hand-delivered letter, Filippov (Stalin) to Mao Zedong"),
        ("1952-12-17", "Ciphered Telegram from Mao Zedong to Semenov [Stalin]"),
        ("1953-01-29", "Ciphered Telegram from Mao Zedong to Semenov [Stalin]"),
        (
            "1954-11-14",
            "Jawaharlal Nehru, 'Note on Visit to China and Indo-China'",
        ),
    ]
    .iter()
    .map(|(d, t)| (d.to_string(), t.to_string()))
    .collect();
    assert_eq!(merged, expected);

    // Not merged: one title on different dates, different documents on one date.
    let canonical_of = |file: &str, date: &str, title: &str| find(&prov, file, date, title)["canonical_id"].clone();
    let apart = [
        (
            (
                "003",
                "January 15, 1953",
                "Ciphered Telegram from Semenov [Stalin] to Mao Zedong",
            ),
            (
                "003",
                "January 28, 1953",
                "Ciphered Telegram from Semenov [Stalin] to Mao Zedong",
            ),
        ),
        (
            (
                "004",
                "August 20, 1952",
                "Minutes of Conversation between I.V. Stalin and Zhou Enlai",
            ),
            (
                "004",
                "September 19, 1952",
                "Minutes of Conversation between I.V. Stalin and Zhou Enlai",
            ),
        ),
        (
            (
                "003",
                "August 22, 1952",
                "Report, Zhou Enlai to Chairman Mao [Zedong] and the Central Committee",
            ),
            (
                "003",
                "September 06, 1952",
                "Report, Zhou Enlai to Chairman Mao [Zedong] and the Central Committee",
            ),
        ),
        (
            ("000", "September 6, 1952", "Letter, Zhou Enlai to Comrade Molotov"),
            (
                "003",
                "September 06, 1952",
                "Report, Zhou Enlai to Chairman Mao [Zedong] and the Central Committee",
            ),
        ),
        (
            (
                "003",
                "September 16, 1952",
                "Report, Zhou Enlai to the Chairman [Mao Zedong] and the Central Committee",
            ),
            (
                "004",
                "September 16, 1952",
                "Hand delivered note, Zhou Enlai to Stalin, conveying telegram From Mao Zedong to Zhou Enlai",
            ),
        ),
        (
            ("000", "January 22, 1950", "Cable, Liu Shaoqi to Chairman Mao [Zedong]"),
            (
                "003",
                "January 22, 1950",
                "Record of Talks between I.V. Stalin and Chairman of the Central People's Government of the People’s Republic of China Mao Zedong",
            ),
        ),
    ];
    for (a, b) in apart {
        assert_ne!(
            canonical_of(a.0, a.1, a.2),
            canonical_of(b.0, b.1, b.2),
            "{a:?} and {b:?} must stay apart"
        );
    }
}

#[test]
fn provenance_holds_every_input_record_exactly_once() {
    let (_w, prov, canon) = seeds_run();
    let ids: BTreeSet<&str> = prov.iter().map(|r| r["record_id"].as_str()).collect();
    assert_eq!(ids.len(), 67);
    let canon_ids: BTreeSet<&str> = canon.iter().map(|c| c["canonical_id"].as_str()).collect();
    let mut linked = Vec::new();
    for c in &canon {
        linked.extend(c["record_ids"].split(';'));
    }
    linked.sort();
    let unique: BTreeSet<&str> = linked.iter().copied().collect();
    assert_eq!(linked.len(), unique.len(), "a record linked twice");
    assert_eq!(unique, ids);
    assert!(prov.iter().all(|r| canon_ids.contains(r["canonical_id"].as_str())));
}

/// The seed run's outputs, reviewed by hand and checked in. Regenerate with
/// `CONCORD_BLESS=1 cargo test` and review the diff before committing it.
#[test]
fn seed_outputs_match_the_reviewed_snapshot() {
    let (w, _, _) = seeds_run();
    for name in ["canonical.csv", "provenance.csv", "decisions.csv"] {
        let got = std::fs::read_to_string(w.path("out").join(name)).unwrap();
        let expected_path = root().join("fixtures/expected/pages").join(name);
        if std::env::var_os("CONCORD_BLESS").is_some() {
            std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(got == expected, "{name} differs from fixtures/expected/pages/{name}");
    }
}

#[test]
fn outputs_are_byte_identical_across_threads_and_input_order() {
    let w = Workdir::new();
    let pages = fixture("pages");
    let mut files: Vec<_> = std::fs::read_dir(&pages).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let forward: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let backward: Vec<&std::path::Path> = files.iter().rev().map(|p| p.as_path()).collect();
    w.run_ok(&forward, "t1", &["-q", "--threads", "1"]);
    w.run_ok(&forward, "t4", &["-q", "--threads", "4"]);
    w.run_ok(&backward, "rev", &["-q", "--threads", "3"]);
    w.run_ok(&[&pages], "dir", &["-q"]);
    for name in [
        "canonical.csv",
        "provenance.csv",
        "decisions.csv",
        "blocks.csv",
        "warnings.csv",
    ] {
        let base = std::fs::read(w.path("t1").join(name)).unwrap();
        for other in ["t4", "rev", "dir"] {
            assert!(
                base == std::fs::read(w.path(other).join(name)).unwrap(),
                "{other}/{name} differs"
            );
        }
    }
}

#[test]
fn other_layouts_and_date_forms() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("edge")], "out", &["-q"]);
    let err = w.warnings("out");
    let prov = w.csv("out/provenance.csv");

    // Third layout: "-" separated, a dateless first record after SEARCH RESULTS.
    let sep: Vec<&Row> = prov.iter().filter(|r| r["file"] == "separated.txt").collect();
    assert_eq!(sep.len(), 4);
    assert!(sep.iter().all(|r| r["layout"] == "separated"));
    assert_eq!(
        (sep[0]["raw_date"].as_str(), sep[0]["title"].as_str()),
        ("", "Cable, Zhou Enlai to Wang Zhen")
    );
    assert_eq!(
        (sep[1]["raw_date"].as_str(), sep[1]["date"].as_str()),
        ("August 1949", "1949-08")
    );
    assert_eq!((sep[2]["raw_date"].as_str(), sep[2]["date"].as_str()), ("1948", "1948"));

    // A collection page: the introduction is header, not a record.
    let coll: Vec<&Row> = prov.iter().filter(|r| r["file"] == "collection.txt").collect();
    assert_eq!(coll.len(), 3);
    assert_eq!(
        coll[0]["title"],
        "Memorandum of Conversation between Liu Shaoqi and Stalin"
    );
    assert!(prov.iter().all(|r| !r["title"].contains("This collection gathers")));

    // A page cut off inside its last record: kept, marked partial, warned about.
    let cut = find(
        &prov,
        "cut_off",
        "September 06, 1952",
        "Letter, Zhou Enlai to Comrade Molotov",
    );
    assert_eq!(
        (cut["partial"].as_str(), cut["description"].as_str()),
        ("true", "Zhou Enlai seeks technical sup")
    );
    assert!(
        err.contains("cut_off.txt:21: the page ends inside this record"),
        "{err}"
    );
    let stub = prov
        .iter()
        .find(|r| r["file"] == "cut_date.txt" && r["position"] == "2")
        .unwrap();
    assert_eq!(
        (
            stub["raw_date"].as_str(),
            stub["date"].as_str(),
            stub["partial"].as_str()
        ),
        ("Septem", "", "true")
    );

    // Range header that disagrees; empty file; file without records.
    assert!(
        err.contains("range_mismatch.txt: the page says it shows 10 records (1 - 10 of 30) but 2 were found"),
        "{err}"
    );
    assert!(err.contains("empty.txt: no records found"), "{err}");
    assert!(err.contains("no_records.txt: no records found"), "{err}");
    assert!(
        !err.contains("cut_off.txt: the page says"),
        "a page whose count agrees is not warned about: {err}"
    );
    let warnings = w.csv("out/warnings.csv");
    assert!(warnings.iter().any(|r| r["file"] == "range_mismatch.txt"));
}

#[test]
fn partial_and_dateless_records_find_their_duplicates() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages"), &fixture("edge")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let canonical_of = |file: &str, pos: &str| {
        prov.iter().find(|r| r["file"] == file && r["position"] == pos).unwrap()["canonical_id"].clone()
    };
    // The truncated copy joins the full letter (a prefix of its description).
    assert_eq!(
        canonical_of("cut_off.txt", "3"),
        canonical_of("000_254b8f254631d6fa.txt", "1")
    );
    // The dateless record joins its dated copies through the title-token rule.
    assert_eq!(
        canonical_of("separated.txt", "1"),
        canonical_of("000_254b8f254631d6fa.txt", "2")
    );
    assert_eq!(
        canonical_of("cut_off.txt", "2"),
        canonical_of("000_254b8f254631d6fa.txt", "2")
    );
    // The canonical record keeps the complete description and the day date.
    let canon = w.csv("out/canonical.csv");
    let letter = canon
        .iter()
        .find(|c| c["canonical_id"] == canonical_of("cut_off.txt", "3"))
        .unwrap();
    assert_eq!(
        letter["description"],
        "Zhou Enlai seeks technical support from the Soviet Union."
    );
    assert_eq!(letter["source_count"], "4");
    // A copy cut off inside its title joins it too (a cut title is compared as a prefix).
    assert_eq!(
        canonical_of("separated_cut.txt", "2"),
        canonical_of("000_254b8f254631d6fa.txt", "1")
    );
    // A dateless copy without description matches two documents (Dec 17 1952 and Jan 29 1953)
    // equally: it joins neither and its links go to review.
    let lone = canonical_of("separated_cut.txt", "1");
    assert_eq!(prov.iter().filter(|r| r["canonical_id"] == lone).count(), 1);
    assert_ne!(
        canonical_of("001_44fdf12786d4394e.txt", "2"),
        canonical_of("001_44fdf12786d4394e.txt", "4")
    );
    let cable = canon
        .iter()
        .find(|c| c["canonical_id"] == canonical_of("separated.txt", "1"))
        .unwrap();
    assert_eq!(
        (cable["date"].as_str(), cable["date_precision"].as_str()),
        ("1949-12-07", "day")
    );
    // Decisions record the rule that paired them.
    let decisions = read_csv(&w.path("out/decisions.csv"));
    assert!(
        decisions
            .iter()
            .any(|d| d["block_rule"] == "title_token" && d["decision"] == "match")
    );
    assert!(
        decisions
            .iter()
            .any(|d| d["description_mode"] == "prefix" && d["decision"] == "match")
    );
    // The dateless copy's equal title matches are thin (title only, no date): review.
    let ambiguous: Vec<_> = decisions
        .iter()
        .filter(|d| d["record_b"] == "separated_cut.txt#1" && d["score"] == "1.0000")
        .collect();
    assert_eq!(ambiguous.len(), 4, "{ambiguous:?}");
    assert!(
        ambiguous
            .iter()
            .all(|d| d["reason"].contains("with dates not the same"))
    );
    assert!(
        ambiguous
            .iter()
            .all(|d| d["decision"] == "review" && d["record_b"] == "separated_cut.txt#1")
    );
}

#[test]
fn invalid_utf8_is_reported_and_the_other_files_are_processed() {
    let w = Workdir::new();
    let dir = w.copy_fixtures("pages", "in");
    w.write(
        "in/broken.txt",
        b"Skip to content\n\nSeptember 6, 1952\n\nLetter \xff\xfe to Molotov\n",
    );
    let o = w.concord(["run", "in", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "exit status says something failed");
    let err = stderr(&o);
    assert!(err.contains("broken.txt:5: not valid UTF-8"), "{err}");
    assert_eq!(w.csv("out/provenance.csv").len(), 67);
    assert!(crate::workdir::stdout(&o).contains("files failed              1"));
    drop(dir);
}

#[test]
fn bad_rules_and_missing_inputs_fail_clearly() {
    let w = Workdir::new();
    w.write("bad.toml", "[comparison]\nmatch_treshold = 0.9\n");
    let o = w.concord([
        "run",
        &fixture("pages").display().to_string(),
        "--rules",
        "bad.toml",
        "--out",
        "out",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.toml") && stderr(&o).contains("match_treshold"),
        "{}",
        stderr(&o)
    );

    let o = w.concord(["run", "no/such/dir", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/dir"), "{}", stderr(&o));
}

#[test]
fn a_rules_file_changes_the_policy() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("edge")], "default", &["-q"]);
    // Without the title-token rule the dateless record finds no partner.
    w.write("no_tokens.toml", "[blocking]\ntitle_tokens = 0\n");
    w.run_ok(&[&fixture("edge")], "strict", &["-q", "--rules", "no_tokens.toml"]);
    let count = |dir: &str| w.csv(&format!("{dir}/canonical.csv")).len();
    assert_eq!(count("strict"), count("default") + 1);
    assert!(w.csv("strict/decisions.csv").iter().all(|d| d["block_rule"] == "date"));
}

#[test]
fn an_oversized_block_is_windowed_and_reported() {
    let w = Workdir::new();
    let page = |n: usize, offset: usize| {
        let mut s = String::from("Skip to content\n\n");
        for i in 0..n {
            s += &format!(
                "September 6, 1952\n\nReport number {} on item {}\n\nA distinct description {}.\n\n",
                i + offset,
                i,
                i + offset
            );
        }
        s
    };
    w.write("in/a.txt", page(30, 0));
    w.write("in/b.txt", page(30, 100));
    w.write("small.toml", "[blocking]\nmax_block_size = 10\nwindow = 3\n");
    w.run_ok(&[&w.path("in")], "out", &["-q", "--rules", "small.toml"]);
    let err = w.warnings("out");
    assert!(
        err.contains("block date=1952-09-06 holds 60 records (limit 10): compared each record with its 3 nearest neighbours by title instead of all 1770 pairs"),
        "{err}"
    );
    let blocks = w.csv("out/blocks.csv");
    assert_eq!(blocks.len(), 1);
    assert_eq!(
        (blocks[0]["records"].as_str(), blocks[0]["mode"].as_str()),
        ("60", "window")
    );
    let pairs = w.csv("out/decisions.csv").len();
    assert!(pairs > 0 && pairs <= 60 * 3, "{pairs} pairs");
    assert_eq!(w.csv("out/provenance.csv").len(), 60);
}

#[test]
fn summary_on_stdout_and_no_progress_bars_without_a_terminal() {
    let w = Workdir::new();
    let o = w.run_ok(&[&fixture("pages")], "out", &[]);
    assert_eq!(
        stderr(&o),
        "",
        "nothing but warnings and errors on stderr when it is not a terminal"
    );
    let out = crate::workdir::stdout(&o);
    for line in [
        "files read                5",
        "records                   67",
        "pairs compared            8",
        "match pairs               5",
        "clusters                  62",
        "canonical records         62",
        "warnings                  0",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    let quiet = w.run_ok(&[&fixture("pages")], "q", &["--quiet"]);
    assert_eq!(crate::workdir::stdout(&quiet), "");
}

#[test]
fn a_cut_title_in_a_busy_block_still_finds_its_document() {
    // More than `title_filter_above` records on one date: pairs are made by shared title
    // words. A title cut by the end of its page keeps all its words but the cut one, so it
    // still meets its document.
    let w = Workdir::new();
    let mut full = String::from("Skip to content\n\n");
    for i in 0..24 {
        full += &format!(
            "September 6, 1952\n\nReport number {i} on the talks, section {}\n\nA distinct description {i}.\n\n",
            i * 7
        );
    }
    full += "September 6, 1952\n\nLetter, Zhou Enlai to Comrade Molotov\n\nZhou Enlai seeks technical support from the Soviet Union.\n";
    w.write("in/a.txt", full);
    w.write(
        "in/b.txt",
        "Skip to content\n\nSeptember 06, 1952\n\nLetter, Zhou Enlai to Com",
    );
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let blocks = w.csv("out/blocks.csv");
    assert_eq!(blocks[0]["mode"], "title_tokens", "{blocks:?}");
    let prov = w.csv("out/provenance.csv");
    let id = |file: &str, pos: &str| {
        prov.iter().find(|r| r["file"] == file && r["position"] == pos).unwrap()["canonical_id"].clone()
    };
    assert_eq!(id("b.txt", "1"), id("a.txt", "25"));
}

/// `concord run -` with `bytes` on standard input, in `w`, into `out`.
fn run_stdin(w: &Workdir, out: &str, extra: &[&str], bytes: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["run", "-", "--out", out, "-q"])
        .args(extra)
        .current_dir(w.path(""))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_page_or_a_table_is_read_from_standard_input_as_stdin() {
    let w = Workdir::new();
    let page = std::fs::read(fixture("pages/000_254b8f254631d6fa.txt")).unwrap();
    w.write("p/000.txt", &page);
    w.run_ok(&[&w.path("p")], "from-file", &["-q"]);
    let o = run_stdin(&w, "out", &[], &page);
    assert!(o.status.success(), "{}", stderr(&o));
    // The same records as the file gives, the file named `stdin`.
    let (file, piped) = (w.csv("from-file/provenance.csv"), w.csv("out/provenance.csv"));
    assert_eq!(file.len(), piped.len());
    for (f, p) in file.iter().zip(&piped) {
        assert_eq!(p["file"], "stdin");
        assert_eq!(p["record_id"], f["record_id"].replace("000.txt", "stdin"));
        assert_eq!((&p["title"], &p["line"]), (&f["title"], &f["line"]));
    }
    // A table, with --format.
    let csv = std::fs::read(fixture("febrl/febrl1_sample.csv")).unwrap();
    let rules = root().join("rules/person.toml");
    let o = run_stdin(
        &w,
        "people",
        &["--format", "csv", "--rules", rules.to_str().unwrap()],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(w.csv("people/provenance.csv").len(), 120);
    // Standard input given twice: refused before anything is read.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["run", "-", "-", "--out", "twice"])
        .current_dir(w.path(""))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("may be given once"), "{}", stderr(&o));
    assert!(!w.path("twice").exists());
}

#[test]
fn run_json_records_the_command_inputs_and_rules_whatever_the_threads_or_input_order() {
    let w = Workdir::new();
    w.write(
        "in/a.txt",
        std::fs::read(fixture("pages/000_254b8f254631d6fa.txt")).unwrap(),
    );
    w.write(
        "in/b.txt",
        std::fs::read(fixture("pages/001_44fdf12786d4394e.txt")).unwrap(),
    );
    w.write("mine.toml", "[comparison]\nmatch_threshold = 0.91\n");
    let run = |out: &str, inputs: [&str; 2], threads: &str| {
        let o = w.concord([
            "run",
            inputs[0],
            inputs[1],
            "--out",
            out,
            "--rules",
            "mine.toml",
            "--threads",
            threads,
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(w.path(out).join("run.json")).unwrap()
    };
    let forward = run("out", ["in/a.txt", "in/b.txt"], "1");
    // Another order and thread count: the same record (neither changes the outputs).
    assert_eq!(run("out", ["in/b.txt", "in/a.txt"], "3"), forward);
    let json: serde_json::Value = serde_json::from_str(&forward).unwrap();
    let command: Vec<&str> = json["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        command,
        [
            "concord",
            "run",
            "in/a.txt",
            "in/b.txt",
            "--out",
            "out",
            "--rules",
            "mine.toml"
        ]
    );
    assert_eq!(json["concord"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["rules"]["file"], "mine.toml");
    // The digest of the rules file as it was: a changed file shows.
    use sha2::{Digest, Sha256};
    let digest = concord::normalize::hex(&Sha256::digest(std::fs::read(w.path("mine.toml")).unwrap()));
    assert_eq!(json["rules"]["sha256"], digest.as_str());
    assert_eq!(json["overrides"], serde_json::Value::Null);
    // The report says it too, without the folder it was written to.
    let report = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    assert!(
        report.contains("<code>concord run in/a.txt in/b.txt --out &lt;this folder&gt; --rules mine.toml</code>"),
        "{report}"
    );
    assert!(report.contains(&format!("mine.toml (SHA-256 {digest})")), "{report}");
    // The command, given again, writes the same outputs.
    let again: Vec<&str> = command[1..]
        .iter()
        .map(|c| if *c == "out" { "again" } else { c })
        .collect();
    let o = w.concord(&again);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["canonical.csv", "provenance.csv", "decisions.csv"] {
        assert_eq!(
            std::fs::read(w.path("out").join(name)).unwrap(),
            std::fs::read(w.path("again").join(name)).unwrap()
        );
    }
}
