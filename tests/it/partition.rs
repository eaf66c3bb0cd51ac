//! Partitioned linkage (issue 11, point 5): blocking, scoring and clustering part by part
//! (years and the undated pass for pages, components of the blocking graph for tables,
//! components of the match links for clustering) write the very files one pass over every
//! record writes.

use std::collections::BTreeMap;
use std::path::Path;

use concord::Rules;
use concord::audit::overrides::Overrides;
use concord::linkage::model::PageScorer;
use concord::pipeline::{Input, Partitioning, Run};
use concord::source;
use proptest::prelude::*;

use crate::hostile::{PageRecord, separated_page};
use crate::properties::{config, pages};
use crate::workdir::{Workdir, fixture, page_input, root, table_input};

/// The partitionings compared with one pass: parts of one component each (every boundary a
/// run can have is crossed), and the default packing.
const PARTITIONINGS: [Partitioning; 2] = [
    Partitioning::Parts { records: 1 },
    Partitioning::Parts { records: 16384 },
];

/// Every file `input()` gives when linked with `partitioning` and written to `out`, by name.
fn linked(
    input: &dyn Fn() -> Input,
    rules: &Rules,
    overrides: &Overrides,
    partitioning: Partitioning,
    out: &Path,
) -> BTreeMap<String, Vec<u8>> {
    let run = Run::new(rules, overrides).with_partitioning(partitioning);
    let linkage = run.link(input()).expect("link");
    run.write(&linkage, out).expect("write");
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The names of the files where each partitioning's outputs differ from one pass's.
fn differing(w: &Workdir, input: &dyn Fn() -> Input, rules: &Rules, overrides: &Overrides) -> Vec<String> {
    let whole = linked(input, rules, overrides, Partitioning::Whole, &w.path("whole"));
    assert!(whole.contains_key("decisions.csv"), "{:?}", whole.keys());
    let mut differ = Vec::new();
    for (i, p) in PARTITIONINGS.into_iter().enumerate() {
        let parts = linked(input, rules, overrides, p, &w.path(&format!("parts{i}")));
        let names: std::collections::BTreeSet<&String> = whole.keys().chain(parts.keys()).collect();
        differ.extend(
            names
                .into_iter()
                .filter(|n| whole.get(*n) != parts.get(*n))
                .map(|n| format!("{p:?}: {n}")),
        );
    }
    differ
}

/// Pages parsed in memory, one page per file.
fn pages_input(pages: &[Vec<PageRecord>], rules: &Rules) -> Input {
    let compiled = rules.compile_pages().unwrap();
    let mut input = Input::default();
    for (i, records) in pages.iter().enumerate() {
        let name = format!("page{i}.txt");
        input.add_page(&name, source::page::parse(&name, &separated_page(records), &compiled));
    }
    input
}

/// Rows of a table: (name, born, zip), each sometimes missing, from small pools so that
/// blocks of both rules collide and chain rows into components.
fn rows() -> impl Strategy<Value = Vec<(Option<&'static str>, Option<&'static str>, Option<&'static str>)>> {
    let name = prop::option::weighted(
        0.85,
        prop::sample::select(&["ann smith", "anne smith", "bob jones", "bob jonas", "carl wu"][..]),
    );
    let born = prop::option::weighted(
        0.7,
        prop::sample::select(&["1950-01-02", "1950-01-03", "1961-05-05"][..]),
    );
    let zip = prop::option::weighted(0.8, prop::sample::select(&["1000", "1001", "2000", "3000"][..]));
    prop::collection::vec((name, born, zip), 1..30)
}

/// The rows as a CSV file read by the mapping.
fn rows_input(w: &Workdir, rows: &[(Option<&str>, Option<&str>, Option<&str>)], rules: &Rules) -> Input {
    let mut csv = String::from("id,name,born,zip\n");
    for (i, (name, born, zip)) in rows.iter().enumerate() {
        let cell = |v: &Option<&str>| v.unwrap_or("").to_string();
        csv.push_str(&format!("r{i},{},{},{}\n", cell(name), cell(born), cell(zip)));
    }
    let path = w.write("rows.csv", &csv);
    table_input("rows.csv", &path, rules)
}

/// The table mapping of the random rows: blocked by name and by zip, so one rule's key alone
/// does not close a part.
fn table_rules(w: &Workdir) -> Rules {
    Rules::load(&w.write("rules.toml", crate::tables::MAPPING)).unwrap()
}

proptest! {
    #![proptest_config(config(24))]

    /// On random pages (dates of two years, undated records, repeats on one page), the
    /// weighted scorer's outputs part by part equal one pass's, byte for byte.
    #[test]
    fn partitioned_pages_write_what_one_pass_writes(pages in pages()) {
        let rules = Rules::builtin();
        prop_assume!(pages.iter().any(|p| !p.is_empty()));
        let w = Workdir::new();
        let differ = differing(&w, &|| pages_input(&pages, &rules), &rules, &Overrides::default());
        prop_assert!(differ.is_empty(), "partitioned and whole runs differ in {:?}", differ);
    }

    /// The same with the Fellegi-Sunter page scorer (trained on every pair either way).
    #[test]
    fn partitioned_pages_scored_by_the_model_write_what_one_pass_writes(pages in pages()) {
        let mut rules = Rules::builtin();
        rules.model.page_scorer = PageScorer::FellegiSunter;
        prop_assume!(pages.iter().any(|p| !p.is_empty()));
        let w = Workdir::new();
        let differ = differing(&w, &|| pages_input(&pages, &rules), &rules, &Overrides::default());
        prop_assert!(differ.is_empty(), "partitioned and whole runs differ in {:?}", differ);
    }

    /// On random table rows blocked by two rules, components of the blocking graph as parts
    /// give one pass's outputs, model.json included.
    #[test]
    fn partitioned_tables_write_what_one_pass_writes(rows in rows()) {
        let w = Workdir::new();
        let rules = table_rules(&w);
        let differ = differing(&w, &|| rows_input(&w, &rows, &rules), &rules, &Overrides::default());
        prop_assert!(differ.is_empty(), "partitioned and whole runs differ in {:?}", differ);
    }
}

/// The FEBRL sample, several blocking rules and the model: part by part equals one pass.
#[test]
fn the_febrl_sample_partitioned_equals_one_pass() {
    let w = Workdir::new();
    let rules = Rules::load(&root().join("rules/person.toml")).unwrap();
    let path = fixture("febrl/febrl1_sample.csv");
    let input = || table_input("febrl1_sample.csv", &path, &rules);
    assert_eq!(
        differing(&w, &input, &rules, &Overrides::default()),
        Vec::<String>::new()
    );
}

/// The seed pages with overrides "same" and "different" (forced pairs, cannot-links by
/// fingerprint class): clustering per component of the links honours them as one pass does.
#[test]
fn the_seeds_with_overrides_partitioned_equal_one_pass() {
    let w = Workdir::new();
    let overrides = "[[override]]\na = \"04885ddadc6a25e0\"\nb = \"7c8a19a8dc6d1765\"\ndecision = \"same\"\n\n\
        [[override]]\na = \"553fe5aee30ba70c\"\nb = \"2327477ceb238b67\"\ndecision = \"different\"\n";
    let overrides = Overrides::load(&w.write("overrides.toml", overrides)).unwrap();
    let rules = Rules::builtin();
    let input = || page_input(&fixture("pages"), &rules);
    assert_eq!(differing(&w, &input, &rules, &overrides), Vec::<String>::new());
    let summary = std::fs::read_to_string(w.path("parts0/summary.csv")).unwrap();
    assert!(summary.contains("overrides applied,2"), "{summary}");
}
