//! Fuzz target: the page parser, then the shipped engine ([`concord::pipeline::link`]) in
//! memory on what it found (slower per input than `page`, which fuzzes the parser alone).
//!
//! Bytes are read as the ingest stage reads a file (not UTF-8 or holding NUL: rejected, as
//! `source::read` does); the text is parsed as a page, and its records are linked as
//! `concord run` links them: normalize, shared titles, block, score, overrides, constraints,
//! cluster, merge. Besides "no panic", it checks the invariants a user relies on: positions
//! 1..=n in order, lines inside the page, no two records of one page in one cluster, every
//! record in exactly one canonical record.
#![no_main]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use concord::audit::overrides::Overrides;
use concord::pipeline::{Input, link};
use concord::rules::CompiledPageRules;
use concord::{Rules, source};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static (Rules, CompiledPageRules) {
    static R: OnceLock<(Rules, CompiledPageRules)> = OnceLock::new();
    R.get_or_init(|| {
        let r = Rules::builtin();
        let c = r.compile_pages().expect("built-in rules compile");
        (r, c)
    })
}

fuzz_target!(|data: &[u8]| {
    if data.contains(&0) {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (rules, page_rules) = rules();
    let page = source::page::parse("fuzz.txt", text, page_rules);
    // At most this many lines: the parser breaks at LF and CRLF, and at a lone CR too in a
    // file that uses it as often as LF (as the `page` target counts them).
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count();
    for (i, r) in page.records.iter().enumerate() {
        assert_eq!(r.provenance.position, i + 1);
        assert!(r.provenance.line >= 1 && r.provenance.line <= lines, "line out of the page");
    }
    // Two copies of the page as two pages: exercises blocking across pages and the
    // same-page constraint on the same records.
    let mut input = Input::default();
    for name in ["a.txt", "b.txt"] {
        let mut copy = page.clone();
        for raw in &mut copy.records {
            raw.provenance.file = name.into();
        }
        input.add_page(name, copy);
    }
    let linkage = link(input, rules, &Overrides::default()).expect("the built-in rules link any records");
    let pages: Vec<u32> = linkage.records.iter().map(|r| r.page).collect();
    for members in &linkage.clustering.clusters {
        let on: BTreeSet<u32> = members.iter().map(|&m| pages[m as usize]).collect();
        assert_eq!(on.len(), members.len(), "two records of one page in one cluster");
    }
    let mut seen = vec![0u32; linkage.records.len()];
    for cr in &linkage.canonical {
        for &m in &cr.members {
            seen[m as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "a record is not in exactly one canonical record");
});
