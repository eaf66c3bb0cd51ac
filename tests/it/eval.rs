//! `concord eval` on a hand-made truth file over the seed pages (issue "Measure it").
//!
//! `fixtures/eval/pages_truth.csv` names one entity per reviewed canonical record of
//! `fixtures/expected/pages`, except three deliberate changes:
//! - the two Nehru records (001#20, 003/#17), which the run merges, are claimed different:
//!   one false merge of one pair;
//! - "Cable, Liu Shaoqi to Chairman Mao" (000#9) and "Record of Talks between I.V. Stalin
//!   and ..." (003#1), both of January 22, 1950, compared and kept apart, are claimed one
//!   document: one missed duplicate the run scored;
//! - records 3 and 4 of page 000, never compared (one page), are claimed one document: a
//!   missed duplicate the run never compared.
//!
//! By hand: 67 records, 61 true entities, 62 canonical records. Predicted pairs 5, true pairs
//! 4 + 1 + 1 = 6, correct 4: precision 4/5, recall 4/6, F1 8/11. B-cubed precision: the two
//! Nehru records score 1/2 each, the rest 1: 66/67. B-cubed recall: the four records of the
//! claimed pairs score 1/2 each: 65/67.

use crate::workdir::{Workdir, fixture, stderr, stdout};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn seeds_evaluated(extra: &[&str]) -> (Workdir, std::process::Output) {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let mut args = vec!["eval".to_string(), w.path("out").display().to_string()];
    args.extend(["--truth".into(), fixture("eval/pages_truth.csv").display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = w.concord(&args);
    (w, o)
}

#[test]
fn figures_match_the_hand_computed_answers() {
    let (_w, o) = seeds_evaluated(&["--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["records"], 67);
    assert_eq!(v["true_entities"], 61);
    assert_eq!(v["canonical_records"], 62);
    let p = &v["pairwise"];
    assert_eq!(
        (p["predicted_pairs"].as_u64(), p["true_pairs"].as_u64()),
        (Some(5), Some(6))
    );
    assert_eq!(p["correct_pairs"], 4);
    assert!(close(p["precision"].as_f64().unwrap(), 0.8));
    assert!(close(p["recall"].as_f64().unwrap(), 4.0 / 6.0));
    assert!(close(p["f1"].as_f64().unwrap(), 8.0 / 11.0));
    let b = &v["bcubed"];
    assert!(close(b["precision"].as_f64().unwrap(), 66.0 / 67.0));
    assert!(close(b["recall"].as_f64().unwrap(), 65.0 / 67.0));
    assert_eq!(
        (v["false_merge_count"].as_u64(), v["missed_duplicate_count"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn errors_show_both_records_and_the_decision_worst_first() {
    let (_w, o) = seeds_evaluated(&["--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let merge = &v["false_merges"][0];
    let ids = [merge["a"]["record_id"].as_str(), merge["b"]["record_id"].as_str()];
    assert_eq!(
        ids,
        [Some("001_44fdf12786d4394e.txt#20"), Some("003_2fa1fff422d2efeb.txt#17")]
    );
    assert_eq!(
        merge["a"]["title"],
        "Jawaharlal Nehru, 'Note on Visit to China and Indo-China'"
    );
    assert_eq!(merge["decision"]["decision"], "match");

    // Both misses cost one pair; the one the run scored comes first, then the one it never saw.
    let misses = v["missed_duplicates"].as_array().unwrap();
    assert_eq!(misses.len(), 2);
    assert_eq!(misses[0]["a"]["record_id"], "000_254b8f254631d6fa.txt#9");
    assert_eq!(
        misses[0]["b"]["title"],
        "Record of Talks between I.V. Stalin and Chairman of the Central People's Government of the People’s Republic of China Mao Zedong"
    );
    assert_eq!(misses[0]["decision"]["decision"], "no-match");
    assert!(close(misses[0]["decision"]["score"].as_f64().unwrap(), 0.2488));
    assert_eq!(misses[1]["a"]["record_id"], "000_254b8f254631d6fa.txt#3");
    assert_eq!(misses[1]["b"]["record_id"], "000_254b8f254631d6fa.txt#4");
    assert!(misses[1]["decision"].is_null());
}

#[test]
fn text_report_names_the_figures_and_the_records() {
    let (_w, o) = seeds_evaluated(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("pairwise precision     0.8000 (4 of 5 merged pairs are right)"),
        "{out}"
    );
    assert!(out.contains("pairwise F1            0.7273"), "{out}");
    assert!(out.contains("B-cubed recall         0.9701"), "{out}");
    assert!(
        out.contains("Zhou Enlai responds") || out.contains("Nehru gives a detailed report"),
        "{out}"
    );
    assert!(out.contains("the run never compared these groups"), "{out}");
}

#[test]
fn a_truth_file_that_misses_records_is_scored_and_flagged() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let full = std::fs::read_to_string(fixture("eval/pages_truth.csv")).unwrap();
    let mut lines: Vec<&str> = full.lines().collect();
    lines.truncate(60); // header + 59 records: 8 records have no truth
    lines.push("nowhere.txt#1,ghost");
    w.write("truth.csv", lines.join("\n"));
    let o = w.concord(["eval", "out", "--truth", "truth.csv", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["records_without_truth"].as_array().unwrap().len(), 8);
    assert_eq!(v["truth_without_record"][0], "nowhere.txt#1");
    assert!(stderr(&o).contains("8 record(s) have no line in truth.csv"));
}

#[test]
fn bad_truth_files_are_refused_with_file_and_line() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    w.write("two.csv", "record_id,entity_id\na.txt#1,x\na.txt#1,y\n");
    let o = w.concord(["eval", "out", "--truth", "two.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("two.csv:3"), "{}", stderr(&o));
    w.write("header.csv", "record,entity\na.txt#1,x\n");
    let o = w.concord(["eval", "out", "--truth", "header.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no column `record_id`"), "{}", stderr(&o));
    let o = w.concord(["eval", "missing-dir", "--truth", "two.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("provenance.csv"), "{}", stderr(&o));
}

#[test]
fn a_table_run_is_evaluated_too() {
    // A table's provenance has its own columns (the mapped fields, no page text): eval reads
    // the ids it needs and shows the fields as the records' text.
    let w = Workdir::new();
    w.run_ok(
        &[&fixture("febrl/febrl1_sample.csv")],
        "out",
        &[
            "-q",
            "--rules",
            &crate::workdir::root().join("rules/person.toml").display().to_string(),
        ],
    );
    let o = w.concord([
        "eval".to_string(),
        w.path("out").display().to_string(),
        "--truth".into(),
        fixture("febrl/febrl1_sample_truth.csv").display().to_string(),
        "--json".into(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["records"], 120);
    assert_eq!(v["true_entities"], 60);
    assert!(v["pairwise"]["f1"].as_f64().unwrap() >= 0.99, "{v}");
}
