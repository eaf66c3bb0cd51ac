//! Bounded work on hostile shapes (issue 10, points 14-16): a block's pairs stay within a
//! linear budget, overrides on one fingerprint stay linear in its copies, and a huge
//! `--threads` is capped. Work is measured by counting pairs and rows, never by timing.

use crate::hostile::{PageRecord, separated_page};
use crate::workdir::{Workdir, fixture, stderr};

/// A figure of summary.csv (columns `name`, `value`).
fn figure(w: &Workdir, out: &str, name: &str) -> usize {
    w.csv(&format!("{out}/summary.csv"))
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in summary.csv"))["value"]
        .parse()
        .unwrap()
}

/// `pages` pages of `per_page` records each, all on one date, whose titles differ by one word.
fn one_date_one_word_apart(w: &Workdir, dir: &str, pages: usize, per_page: usize) {
    for p in 0..pages {
        let recs: Vec<PageRecord> = (0..per_page)
            .map(|i| PageRecord {
                date: Some("June 25, 1950".into()),
                title: format!("Report on the situation at the front, sector s{p}x{i}"),
                description: format!("Sheet {i} of part {p}."),
            })
            .collect();
        w.write(&format!("{dir}/part{p}.txt"), separated_page(&recs));
    }
}

#[test]
fn a_block_of_titles_one_word_apart_stays_within_the_pair_budget() {
    // 2,000 records of one date, every pair sharing all title words but one: the title-word
    // filter passes ~1.9 million pairs. The budget (25 per record) sends it to the window.
    let w = Workdir::new();
    one_date_one_word_apart(&w, "in", 20, 100);
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let n = 2000;
    let pairs = figure(&w, "out", "pairs compared");
    assert!(pairs <= n * 25, "{pairs} pairs compared");
    assert!(pairs > 0);
    assert_eq!(w.csv("out/decisions.csv").len(), pairs);
    let blocks = w.csv("out/blocks.csv");
    assert_eq!(blocks.len(), 1);
    assert_eq!(
        (blocks[0]["records"].as_str(), blocks[0]["mode"].as_str()),
        ("2000", "window")
    );
    assert!(
        w.warnings("out").contains("block date=1950-06-25 holds 2000 records whose titles share all words but one in more than 50000 pairs (max_pairs_per_record 25)"),
        "{}",
        w.warnings("out")
    );
    assert_eq!(w.csv("out/provenance.csv").len(), n);
}

#[test]
fn the_pair_budget_is_a_rule_and_bounds_all_pairs_blocks_too() {
    // With the title filter off, a 300-record block would be compared all-pairs (~40,000
    // pairs after same-page pairs); a budget of 5 per record bounds it at 1,500.
    let w = Workdir::new();
    one_date_one_word_apart(&w, "in", 3, 100);
    w.write(
        "tight.toml",
        "[blocking]\ntitle_filter_above = 0\nmax_pairs_per_record = 5\nwindow = 5\n",
    );
    w.run_ok(&[&w.path("in")], "out", &["-q", "--rules", "tight.toml"]);
    let pairs = figure(&w, "out", "pairs compared");
    assert!(pairs > 0 && pairs <= 300 * 5, "{pairs} pairs compared");
    assert!(
        w.warnings("out")
            .contains("block date=1950-06-25 holds 300 records, 44850 pairs, more than 1500 (max_pairs_per_record 5)"),
        "{}",
        w.warnings("out")
    );
    // A window wider than the budget would break the bound: refused, naming the file.
    w.write("wide.toml", "[blocking]\nwindow = 30\n");
    let o = w.concord(["run", "in", "--out", "out2", "--rules", "wide.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("blocking.window (30) must not exceed blocking.max_pairs_per_record (25)"));
}

#[test]
fn twenty_thousand_threads_are_capped_with_a_note_and_change_nothing() {
    let w = Workdir::new();
    let pages = fixture("pages");
    let o = w.run_ok(&[&pages], "many", &["-q", "--threads", "20000"]);
    let cores = std::thread::available_parallelism().map_or(1, |p| p.get());
    let note = format!("note: --threads 20000 capped at {} ", cores * 4);
    assert!(stderr(&o).contains(&note), "{}", stderr(&o));
    // A request the machine can use is taken as it is, without a note.
    let o = w.run_ok(&[&pages], "one", &["-q", "--threads", "1"]);
    assert!(!stderr(&o).contains("capped"), "{}", stderr(&o));
    for name in ["canonical.csv", "decisions.csv", "provenance.csv"] {
        let read = |dir: &str| std::fs::read(w.path(dir).join(name)).unwrap();
        assert!(read("many") == read("one"), "{name} differs");
    }
}

/// `n` identical copies of one record, each on a page of its own: one fingerprint.
fn identical_copies(w: &Workdir, dir: &str, n: usize) -> String {
    let copy = PageRecord {
        date: Some("September 6, 1952".into()),
        title: "Letter from Zhou Enlai to Comrade Molotov".into(),
        description: "Zhou asks Molotov to discuss the Port Arthur question.".into(),
    };
    for p in 0..n {
        w.write(
            &format!("{dir}/p{p:05}.txt"),
            separated_page(std::slice::from_ref(&copy)),
        );
    }
    w.run_ok(&[&w.path(dir)], "before", &["-q"]);
    let prov = w.csv("before/provenance.csv");
    assert_eq!(prov.len(), n);
    assert!(prov.iter().all(|r| r["fingerprint"] == prov[0]["fingerprint"]));
    prov[0]["fingerprint"].clone()
}

fn self_override(w: &Workdir, fp: &str, decision: &str) {
    w.write(
        "rules/overrides.toml",
        format!("[[override]]\na = \"{fp}\"\nb = \"{fp}\"\ndecision = \"{decision}\"\n"),
    );
}

#[test]
fn override_different_on_one_fingerprint_keeps_1500_copies_apart_in_linear_rows() {
    let n = 1500;
    let w = Workdir::new();
    let fp = identical_copies(&w, "in", n);
    self_override(&w, &fp, "different");
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    // Every copy its own canonical record.
    assert_eq!(w.csv("out/canonical.csv").len(), n);
    // The rows are the pairs blocking made (within its budget), each decided by the override.
    let decisions = w.csv("out/decisions.csv");
    assert!(
        !decisions.is_empty() && decisions.len() <= n * 25,
        "{} rows",
        decisions.len()
    );
    assert!(
        decisions
            .iter()
            .all(|r| r["override"] == "different" && r["decision"] == "no-match"),
        "{:?}",
        decisions[0]
    );
}

#[test]
fn override_same_on_one_fingerprint_joins_1500_copies_with_one_row_per_copy() {
    // Blocking compares each copy with one neighbour only: the rows the override adds show.
    let n = 1500;
    let w = Workdir::new();
    let fp = identical_copies(&w, "in", n);
    self_override(&w, &fp, "same");
    w.write("narrow.toml", "[blocking]\nmax_block_size = 2\nwindow = 1\n");
    w.run_ok(&[&w.path("in")], "out", &["-q", "--rules", "narrow.toml"]);
    assert_eq!(w.csv("out/canonical.csv").len(), 1);
    let decisions = w.csv("out/decisions.csv");
    // At most one row per copy from blocking, one per copy from the override.
    assert!(decisions.len() < 2 * n, "{} rows", decisions.len());
    assert!(
        decisions
            .iter()
            .all(|r| r["override"] == "same" && r["decision"] == "match")
    );
    let added = decisions.iter().filter(|r| r["block_rule"] == "override").count();
    assert!(added > 0 && added < n, "{added} rows added by the override");
    // Every copy is in a row: each is explained by a pair that links it.
    let linked: std::collections::BTreeSet<&str> = decisions
        .iter()
        .flat_map(|r| [r["record_a"].as_str(), r["record_b"].as_str()])
        .collect();
    assert_eq!(linked.len(), n);
}
