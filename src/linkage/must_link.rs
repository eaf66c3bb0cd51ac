//! Must-link rules of a table (`[[table.must_link]]`): records whose keys agree on every key
//! expression of a rule (a shared id) are one entity, whatever their score. Each group of
//! records sharing a key is joined by pairs from its first record to each other one, decided
//! "match" before clustering; the score each pair would have had is kept beside, in its
//! reason, so `decisions.csv` and `explain` show both. A reviewer's override "different"
//! still wins (overrides come after), and records of one source are not joined when linking
//! sources (the same-page rule).

use std::collections::BTreeMap;

use crate::linkage::block::{CandidatePair, NO_BLOCK};
use crate::linkage::compare::{MatchDecision, ScoredPair};
use crate::linkage::key::{Key, rule_key};
use crate::linkage::score::Scorer;
use crate::record::Record;
use crate::schema::TableRules;

/// Decides the pairs of every must-link rule "match" in `scored` (sorted by pair; pairs no
/// blocking rule made are scored and added). Returns the number of pairs decided.
pub fn apply(table: &TableRules, records: &[Record], scored: &mut Vec<ScoredPair>, scorer: &dyn Scorer) -> usize {
    let mut decided: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for rule in &table.must_link {
        let keys: Vec<Key> = rule.keys().iter().filter_map(|e| Key::resolve(e, table)).collect();
        let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (i, r) in records.iter().enumerate() {
            if let Some(k) = rule_key(r, &keys) {
                groups.entry(k).or_default().push(i as u32);
            }
        }
        for (key, members) in groups.iter().filter(|(_, m)| m.len() > 1) {
            let first = members[0];
            for &other in &members[1..] {
                if records[first as usize].page == records[other as usize].page {
                    continue;
                }
                let why = format!("must-link {:?}: both hold {key:?}", rule.name);
                decided.entry((first, other)).or_insert(why);
            }
        }
    }
    let mut added = Vec::new();
    for ((a, b), why) in &decided {
        match scored.binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(*a, *b))) {
            Ok(i) => decide(&mut scored[i], why),
            Err(_) => {
                let pair = CandidatePair {
                    a: *a,
                    b: *b,
                    block: NO_BLOCK,
                };
                let mut s = scorer.score(&pair, &records[*a as usize], &records[*b as usize]);
                decide(&mut s, &format!("{why}; never paired by a blocking rule"));
                added.push(s);
            }
        }
    }
    if !added.is_empty() {
        scored.extend(added);
        scored.sort_by_key(|s| (s.pair.a, s.pair.b));
    }
    decided.len()
}

fn decide(s: &mut ScoredPair, why: &str) {
    let reason = format!("{why}; by score alone: {} ({})", s.decision.as_str(), s.reason());
    s.decision = MatchDecision::Match;
    s.distinct = false;
    s.set_reason(reason);
}
