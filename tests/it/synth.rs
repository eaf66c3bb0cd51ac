//! `concord synth`: seeded synthetic scrapes with known truth (issue "Measure it").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::workdir::{Workdir, read_csv, stderr, stdout};

/// Every file below `dir`, as relative path -> bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn synth(w: &Workdir, out: &str, records: &str, seed: &str) {
    let o = w.concord(["synth", "--records", records, "--seed", seed, "--out", out, "--csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("records            {records}")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn output_is_byte_identical_for_a_seed_and_differs_for_another() {
    let w = Workdir::new();
    synth(&w, "a", "600", "42");
    synth(&w, "b", "600", "42");
    synth(&w, "c", "600", "43");
    let (a, b, c) = (tree(&w.path("a")), tree(&w.path("b")), tree(&w.path("c")));
    assert!(a.len() > 30, "{} files", a.len());
    assert_eq!(a, b);
    assert_ne!(a.get("truth.csv"), c.get("truth.csv"));
    assert_ne!(a, c);
}

#[test]
fn truth_names_every_record_concord_reads_and_nothing_else() {
    let w = Workdir::new();
    synth(&w, "s", "2000", "7");
    w.run_ok(&[&w.path("s/pages")], "out", &["-q"]);
    let truth = read_csv(&w.path("s/truth.csv"));
    let prov = w.csv("out/provenance.csv");
    assert_eq!(truth.len(), 2000);
    let t: BTreeSet<&str> = truth.iter().map(|r| r["record_id"].as_str()).collect();
    let p: BTreeSet<&str> = prov.iter().map(|r| r["record_id"].as_str()).collect();
    assert_eq!(t, p);
    // records.csv holds what each page shows: concord reads the same dates and titles back.
    let shown: BTreeMap<String, (String, String)> = read_csv(&w.path("s/records.csv"))
        .into_iter()
        .map(|r| {
            (
                r["record_id"].clone(),
                (r["date"].clone(), r["title"].trim().to_string()),
            )
        })
        .collect();
    for r in &prov {
        let (date, title) = &shown[&r["record_id"]];
        assert_eq!(
            (date.as_str(), title.as_str()),
            (r["raw_date"].as_str(), r["title"].trim())
        );
    }
    // Pages are well formed: range headers agree; the only warnings are cut-off pages and
    // busy dates.
    w.run_ok(&[&w.path("s/pages")], "out2", &["-q"]);
    let warnings = w.warnings("out2");
    assert!(
        warnings
            .lines()
            .all(|l| l.contains("the page ends inside this record") || l.contains("blocks held more than")),
        "{warnings}"
    );
}

#[test]
fn scrapes_hold_duplicates_hard_negatives_and_every_layout() {
    let w = Workdir::new();
    synth(&w, "s", "3000", "11");
    let truth = read_csv(&w.path("s/truth.csv"));
    let mut per_entity: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &truth {
        let page = r["record_id"].split('#').next().unwrap();
        assert!(
            per_entity.entry(&r["entity_id"]).or_default().insert(page),
            "a page lists {} twice",
            r["entity_id"]
        );
    }
    let repeated = per_entity.values().filter(|p| p.len() > 1).count();
    assert!(repeated * 3 > per_entity.len(), "{repeated} of {}", per_entity.len());
    assert!(per_entity.keys().any(|e| e.starts_with('s')), "no same-date siblings");
    assert!(per_entity.keys().any(|e| e.starts_with('r')), "no shared titles");

    w.run_ok(&[&w.path("s/pages")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let layouts: BTreeSet<&str> = prov.iter().map(|r| r["layout"].as_str()).collect();
    assert_eq!(layouts, BTreeSet::from(["bulleted", "plain", "separated"]));
    let dates: Vec<&str> = prov.iter().map(|r| r["date"].as_str()).collect();
    assert!(
        dates
            .iter()
            .all(|d| (1945..=1991).contains(&d[..4].parse::<u16>().unwrap()))
    );
    assert!(dates.iter().any(|d| d.len() == 7) && dates.iter().any(|d| d.len() == 4));
    assert!(dates.iter().filter(|d| d.len() == 10).count() * 10 > dates.len() * 7);
    let raw: Vec<&str> = prov.iter().map(|r| r["title"].as_str()).collect();
    assert!(raw.iter().any(|t| t.contains('’')) && raw.iter().any(|t| t.contains('(')));
    assert!(prov.iter().any(|r| r["description"].is_empty()));
    assert!(prov.iter().any(|r| r["partial"] == "true"));

    // Hard negatives: one title on several dates, shown by different entities.
    let mut entities_of_title: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (t, p) in truth.iter().zip(&prov) {
        assert_eq!(t["record_id"], p["record_id"]);
        if t["entity_id"].starts_with('r') {
            entities_of_title
                .entry(&p["title"])
                .or_default()
                .insert(&t["entity_id"]);
        }
    }
    assert!(entities_of_title.values().any(|e| e.len() >= 3));
}

#[test]
fn a_synthetic_scrape_is_deduplicated_well() {
    let w = Workdir::new();
    synth(&w, "s", "3000", "5");
    w.run_ok(&[&w.path("s/pages")], "out", &["-q"]);
    let o = w.concord(["eval", "out", "--truth", "s/truth.csv", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // A floor, not a tuned figure: BENCHMARKS.md has the measured ones.
    assert!(v["pairwise"]["f1"].as_f64().unwrap() > 0.95, "{v}");
    assert!(v["bcubed"]["f1"].as_f64().unwrap() > 0.95, "{v}");
}
