//! Partitioned linkage: the records cut into parts that no candidate pair crosses, blocked
//! and scored part by part, and the parts' outcomes merged in a fixed order, so that the run
//! gives the same outputs, byte for byte, as one pass over every record.
//!
//! The parts:
//! - pages: a part per year of the dated records (two dates of different years are never
//!   compatible, so rule `date` never pairs across years), then one undated pass, rule
//!   `title_token`, which pairs each record without a usable date with any record (a pair of
//!   it always holds an undated record, so it is never a date pair too);
//! - tables: connected components of the blocking graph (records sharing a key of any rule
//!   are joined), packed in order of their first record. A table pair may be made by several
//!   rules at once, and its block is the first rule's: a part must be closed under every
//!   rule, which one rule's key alone is not (two records of different `surname` blocks can
//!   share a `postcode` block).
//!
//! Clustering is then done per connected component of the match links
//! ([`crate::linkage::cluster::cluster_by_component`]).

use std::collections::BTreeMap;

use crate::linkage::block::{self, Blocking, NO_BLOCK, Pass};
use crate::normalize::date::Precision;
use crate::record::Record;
use crate::rules::BlockingKind;
use crate::rules::BlockingRules;
use crate::schema::TableRules;

/// How a run executes blocking, scoring and clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioning {
    /// Part by part (years, the undated pass, table components; clustering per component of
    /// the links): memory follows the largest part.
    Parts {
        /// Whole components (of a table's blocking graph, of the match links) are packed
        /// into a part up to this many records, so that the many small components do not
        /// cost a pass each; a larger component is a part of its own.
        records: usize,
    },
    /// One pass over every record (kept to test that both give the same outputs).
    Whole,
}

impl Default for Partitioning {
    fn default() -> Partitioning {
        Partitioning::Parts { records: PART_RECORDS }
    }
}

/// [`Partitioning::Parts`]'s records per part by default: small enough that a part's
/// transient structures stay a small share of a large run's memory, large enough that a
/// pass's fixed costs do not show.
pub const PART_RECORDS: usize = 1 << 14;

/// One part of the run's records: no candidate pair has one record in it and one outside.
#[derive(Debug, Clone)]
pub enum Part {
    /// The dated page records of one year, sorted.
    Year(Vec<u32>),
    /// The undated pass: page records without a usable date with whichever records share a
    /// rare title token.
    Undated,
    /// Table rows, sorted, closed under every blocking rule.
    Table(Vec<u32>),
}

impl Part {
    /// Blocks this part: its candidate pairs (naming blocks by index in its own `stats`).
    pub fn block(&self, records: &[Record], table: Option<&TableRules>, rules: &BlockingRules) -> Blocking {
        match (self, table) {
            (Part::Year(members), _) => block::block_pages(records, rules, Pass::Members(members)),
            (Part::Undated, _) => block::block_pages(records, rules, Pass::RareTokens),
            (Part::Table(members), Some(t)) => block::block_table_pass(records, t, rules, Pass::Members(members)),
            (Part::Table(members), None) => {
                debug_assert!(false, "table parts come from a table mapping");
                block::block_pages(records, rules, Pass::Members(members))
            }
        }
    }
}

/// The parts of a run, in a fixed order (years ascending then the undated pass; table parts
/// by their first record).
/// Table parts hold whole components up to `budget` records each.
pub fn parts(records: &[Record], table: Option<&TableRules>, budget: usize) -> Vec<Part> {
    match table {
        None => page_parts(records),
        Some(t) => table_parts(records, t, budget),
    }
}

fn page_parts(records: &[Record]) -> Vec<Part> {
    let mut years: BTreeMap<u16, Vec<u32>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(d) = r.date() {
            years
                .entry(d.truncate(Precision::Year).year)
                .or_default()
                .push(i as u32);
        }
    }
    let mut parts: Vec<Part> = years.into_values().map(Part::Year).collect();
    parts.push(Part::Undated);
    parts
}

fn table_parts(records: &[Record], table: &TableRules, budget: usize) -> Vec<Part> {
    let n = records.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let p = parent[x as usize];
            parent[x as usize] = parent[p as usize];
            x = p;
        }
        x
    }
    let mut shared = vec![false; n];
    for keys in block::table_keys(records, table) {
        let mut first: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            let Some(key) = key else { continue };
            let i = i as u32;
            let f = *first.entry(key.as_str()).or_insert(i);
            if f != i {
                shared[i as usize] = true;
                shared[f as usize] = true;
                let (p, q) = (find(&mut parent, f), find(&mut parent, i));
                parent[p.max(q) as usize] = p.min(q);
            }
        }
    }
    // A component's root is its first record: components come in its order. A record that
    // shares no key is in no block of two records: it makes no pair and needs no part.
    let mut part_of = vec![u32::MAX; n];
    let mut members: Vec<Vec<u32>> = Vec::new();
    for i in 0..n as u32 {
        if !shared[i as usize] {
            continue;
        }
        let r = find(&mut parent, i);
        if r == i && members.last().is_none_or(|m| m.len() >= budget) {
            members.push(Vec::new());
        }
        let part = match r == i {
            true => (members.len() - 1) as u32,
            false => part_of[r as usize],
        };
        part_of[i as usize] = part;
        members[part as usize].push(i);
    }
    members.into_iter().map(Part::Table).collect()
}

/// Where a block goes in the whole run's `stats`: by rule, then (rule `date`) days before
/// months before years, then key. Keys sort as the whole run writes them (dates zero-padded),
/// and a (rule, key) is one block of the run.
fn stat_order<'s>(stat: &'s block::BlockStat, rules: &[block::Rule]) -> (usize, usize, &'s str) {
    let dates = rules
        .get(stat.rule.index())
        .is_some_and(|r| r.kind == BlockingKind::CompatibleDates);
    // "1952-01-05" (a day) comes before "1952-01" (a month), before "1952".
    let tier = match dates {
        true => 2 - stat.key.matches('-').count().min(2),
        false => 0,
    };
    (stat.rule.index(), tier, stat.key.as_str())
}

/// The parts' blockings merged into the whole run's: block stats in the order one pass makes
/// them, each part's pairs renamed to those blocks (`renames[part][local] = global`).
pub struct Merged {
    /// The merged blocking, without pairs.
    pub blocking: Blocking,
    /// Per part, the global index of each of its blocks.
    pub renames: Vec<Vec<u32>>,
}

/// Merges the parts' blockings, pairs left out (each part's are taken before: see
/// [`rename`]).
pub fn merge(parts: Vec<Blocking>, rules: &BlockingRules, resolved: &[block::Rule]) -> Merged {
    let mut all: Vec<(usize, usize, block::BlockStat)> = Vec::new();
    let mut out = Blocking::default();
    let mut renames: Vec<Vec<u32>> = Vec::with_capacity(parts.len());
    for (p, mut b) in parts.into_iter().enumerate() {
        out.blocks += b.blocks;
        out.largest_block = out.largest_block.max(b.largest_block);
        out.same_page_skipped += b.same_page_skipped;
        out.token_paired_blocks += b.token_paired_blocks;
        if b.token_paired_blocks > 0 {
            // The part's own count of title-word-paired blocks: the run's replaces it.
            b.warnings.pop();
        }
        out.warnings.append(&mut b.warnings);
        renames.push(vec![NO_BLOCK; b.stats.len()]);
        all.extend(b.stats.into_iter().enumerate().map(|(j, s)| (p, j, s)));
    }
    if out.token_paired_blocks > 0 {
        out.warnings
            .push(block::token_paired_warning(out.token_paired_blocks, rules));
    }
    all.sort_by(|x, y| stat_order(&x.2, resolved).cmp(&stat_order(&y.2, resolved)));
    for (g, (p, j, s)) in all.into_iter().enumerate() {
        renames[p][j] = g as u32;
        out.stats.push(s);
    }
    Merged { blocking: out, renames }
}

/// A part's block index renamed to the whole run's.
pub fn rename(block: u32, renames: &[u32]) -> u32 {
    match block {
        NO_BLOCK => NO_BLOCK,
        b => renames[b as usize],
    }
}
