//! One engine (issue 11, point 4): the library's `link()` on records read in memory, written
//! by the library's writer, gives the very files `concord run` writes through the binary.

use std::collections::BTreeMap;
use std::path::Path;

use concord::Rules;
use concord::audit::overrides::Overrides;
use concord::pipeline::{Input, Run, link};
use concord::source;
use proptest::prelude::*;

use crate::hostile::{PageRecord, separated_page};
use crate::properties::{config, pages};
use crate::workdir::{Workdir, fixture, page_input, root, table_input};

/// Every file of an output folder by name, but the lock file (the CLI's, not an output).
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".concord.lock")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Links `input` through the library and writes its outputs into `out`, with the binary's
/// record of what it was asked to do (`run.json` of the folder `bin`), as a caller that has
/// one gives it.
fn library(input: Input, rules: &Rules, overrides: &Overrides, out: &Path, bin: &Path) {
    let invocation = std::fs::read_to_string(bin.join("run.json")).expect("the binary's run.json");
    let linkage = link(input, rules, overrides).expect("link");
    let run = Run::new(rules, overrides).with_invocation(Some(&invocation));
    let written = run.write(&linkage, out).expect("write");
    assert!(!written.is_empty());
}

/// The names of the files that differ between two output folders (or are in one only).
fn differing(a: &Path, b: &Path) -> Vec<String> {
    let (a, b) = (outputs(a), outputs(b));
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names.into_iter().filter(|n| a.get(*n) != b.get(*n)).cloned().collect()
}

/// Pages as the binary reads them from a folder (by name) and as the library is handed them:
/// parsed in memory, one page per file.
fn pages_input(w: &Workdir, pages: &[Vec<PageRecord>], rules: &Rules) -> Input {
    let compiled = rules.compile_pages().unwrap();
    let mut input = Input::default();
    for (i, records) in pages.iter().enumerate() {
        let name = format!("page{i}.txt");
        let text = separated_page(records);
        w.write(&format!("in/{name}"), &text);
        input.add_page(&name, source::page::parse(&name, &text, &compiled));
    }
    input
}

proptest! {
    #![proptest_config(config(12))]

    /// On random pages, every output of `link()` written by the library equals the binary's,
    /// byte for byte: canonical records, provenance, decisions, review, summary, report.
    #[test]
    fn link_through_the_library_writes_what_the_binary_writes(pages in pages()) {
        let w = Workdir::new();
        let rules = Rules::builtin();
        let input = pages_input(&w, &pages, &rules);
        // A run of no record writes nothing (exit 2): there is nothing to compare.
        prop_assume!(!input.records.is_empty());
        w.run_ok(&[&w.path("in")], "bin", &["-q"]);
        library(input, &rules, &Overrides::default(), &w.path("lib"), &w.path("bin"));
        let differ = differing(&w.path("lib"), &w.path("bin"));
        prop_assert!(differ.is_empty(), "library and binary differ in {:?}", differ);
    }
}

/// The seeds with overrides "same" and "different": the library applies them as the binary
/// does (forced pairs, cannot-links, warnings).
#[test]
fn link_with_overrides_equals_the_binary() {
    let w = Workdir::new();
    // Fingerprints of the seeds (provenance.csv): a "same", a "different", and one stale.
    let overrides = "[[override]]\na = \"04885ddadc6a25e0\"\nb = \"7c8a19a8dc6d1765\"\ndecision = \"same\"\n\n\
        [[override]]\na = \"553fe5aee30ba70c\"\nb = \"2327477ceb238b67\"\ndecision = \"different\"\n\n\
        [[override]]\na = \"ffffffffffffffff\"\nb = \"04885ddadc6a25e0\"\ndecision = \"same\"\n";
    let file = w.write("overrides.toml", overrides);
    let rules = Rules::builtin();
    let input = page_input(&fixture("pages"), &rules);
    w.run_ok(
        &[&fixture("pages")],
        "bin",
        &["-q", "--overrides", file.to_str().unwrap()],
    );
    library(
        input,
        &rules,
        &Overrides::load(&file).unwrap(),
        &w.path("lib"),
        &w.path("bin"),
    );
    let summary = std::fs::read_to_string(w.path("lib/summary.csv")).unwrap();
    assert!(summary.contains("overrides applied,2"), "{summary}");
    assert_eq!(differing(&w.path("lib"), &w.path("bin")), Vec::<String>::new());
}

/// A table scored by the Fellegi-Sunter model: the FEBRL sample through the library equals
/// the binary's run, model.json included.
#[test]
fn link_of_a_table_equals_the_binary() {
    let w = Workdir::new();
    let rules = Rules::load(&root().join("rules/person.toml")).unwrap();
    let path = fixture("febrl/febrl1_sample.csv");
    let input = table_input("febrl1_sample.csv", &path, &rules);
    let rules_file = root().join("rules/person.toml");
    w.run_ok(&[&path], "bin", &["-q", "--rules", rules_file.to_str().unwrap()]);
    library(input, &rules, &Overrides::default(), &w.path("lib"), &w.path("bin"));
    assert!(w.path("lib/model.json").exists());
    assert_eq!(differing(&w.path("lib"), &w.path("bin")), Vec::<String>::new());
}
