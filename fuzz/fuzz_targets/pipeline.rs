//! Fuzz target: the page parser, then every later stage in memory on what it found (slower
//! per input than `page`, which fuzzes the parser alone).
//!
//! Bytes are read as the ingest stage reads a file (not UTF-8 or holding NUL: rejected, as
//! `ingest::read` does); the text is parsed as a page, and the records go through normalize,
//! block, compare, cluster and merge. Besides "no panic", it checks the invariants a user
//! relies on: positions 1..=n in order, lines inside the page, every record in exactly one
//! canonical record.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use concord::rules::CompiledPageRules;
use concord::{Rules, block, cluster, compare, ingest, merge, normalize};
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
    let page = ingest::page::parse("fuzz.txt", text, page_rules);
    // Lines as the parser counts them: by LF, or by CR in a file that has no LF.
    let separator = if !text.contains('\n') && text.contains('\r') { '\r' } else { '\n' };
    let lines = text.split(separator).count();
    for (i, r) in page.records.iter().enumerate() {
        assert_eq!(r.provenance.position, i + 1);
        assert!(r.provenance.line >= 1 && r.provenance.line <= lines, "line out of the page");
    }
    // Two copies of the page as two pages: exercises blocking across pages and the
    // same-page constraint on the same records.
    let mut records = Vec::new();
    for (p, name) in ["a.txt", "b.txt"].into_iter().enumerate() {
        for raw in &page.records {
            let mut raw = raw.clone();
            raw.provenance.file = name.into();
            records.push(normalize::prepare(raw, p as u32));
        }
    }
    let blocking = block::block(&records, &rules.blocking);
    let scored: Vec<_> = blocking
        .pairs
        .iter()
        .map(|p| compare::compare(p, &records[p.a as usize], &records[p.b as usize], &rules.comparison))
        .collect();
    let links: Vec<cluster::Link> = scored
        .iter()
        .filter(|s| s.decision == compare::MatchDecision::Match)
        .map(|s| cluster::Link { a: s.pair.a, b: s.pair.b, score: s.score, must: false })
        .collect();
    let pages: Vec<u32> = records.iter().map(|r| r.page).collect();
    let dates: Vec<_> = records.iter().map(|r| r.date).collect();
    // The compare stage's "distinct" pairs are cannot-links, as in the pipeline.
    let cannot: BTreeMap<(u32, u32), String> =
        scored.iter().filter(|s| s.distinct).map(|s| ((s.pair.a, s.pair.b), s.reason().into_owned())).collect();
    let cannot_pairs: BTreeSet<(u32, u32)> = cannot.keys().copied().collect();
    let label = |p: u32| p.to_string();
    let constraints = cluster::Constraints {
        page_of: &pages,
        date_of: &dates,
        cannot_link: &cannot_pairs,
        why_cannot: &|a, b| cannot[&(a, b)].clone(),
        apart: &Default::default(),
        page_name: &label,
        record_name: &label,
    };
    let c = cluster::cluster(&constraints, &links, rules.clustering.ambiguity_margin);
    for members in &c.clusters {
        let on: BTreeSet<u32> = members.iter().map(|&m| pages[m as usize]).collect();
        assert_eq!(on.len(), members.len(), "two records of one page in one cluster");
    }
    let canon = merge::merge(&records, &c.clusters);
    let mut seen = vec![0u32; records.len()];
    for cr in &canon {
        for &m in &cr.members {
            seen[m as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "a record is not in exactly one canonical record");
});
