//! Merge: each cluster becomes one canonical record with a stable, content-derived id.
//!
//! Survivorship: the most precise date (the commonest among equally precise ones); the title
//! form most sources agree on; the fullest description. Text from a record cut off by the
//! end of its page is used only when no complete record has that field.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::date::PartialDate;
use crate::normalize::{hex, match_key};
use crate::record::Record;

/// One deduplicated document.
#[derive(Debug, Clone)]
pub struct CanonicalRecord {
    /// `doc-` and 12 hex digits of a hash of the canonical date, title and description
    /// (normalized): it does not depend on file names or row order.
    pub id: String,
    /// The most precise date, if any member had a usable one.
    pub date: Option<PartialDate>,
    /// The title form most members agree on.
    pub title: String,
    /// The fullest description.
    pub description: Option<String>,
    /// Member record indices, ascending.
    pub members: Vec<u32>,
}

fn pick_date(members: &[&Record]) -> Option<PartialDate> {
    let mut counts: BTreeMap<PartialDate, usize> = BTreeMap::new();
    for r in members {
        if let Some(d) = r.date {
            *counts.entry(d).or_default() += 1;
        }
    }
    // Most precise, then most common, then earliest.
    counts
        .into_iter()
        .max_by(|(d1, n1), (d2, n2)| d1.precision().cmp(&d2.precision()).then(n1.cmp(n2)).then(d2.cmp(d1)))
        .map(|(d, _)| d)
}

/// Members whose text is complete, or all members when none is.
fn complete<'a>(members: &[&'a Record]) -> Vec<&'a Record> {
    let whole: Vec<&Record> = members.iter().copied().filter(|r| !r.raw.partial).collect();
    if whole.is_empty() { members.to_vec() } else { whole }
}

fn pick_title(members: &[&Record]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in complete(members) {
        if !r.raw.title.is_empty() {
            *counts.entry(r.raw.title.as_str()).or_default() += 1;
        }
    }
    // Most sources, then longest, then first in byte order.
    counts
        .into_iter()
        .max_by(|(t1, n1), (t2, n2)| {
            n1.cmp(n2)
                .then(t1.chars().count().cmp(&t2.chars().count()))
                .then(t2.cmp(t1))
        })
        .map(|(t, _)| t.to_string())
        .unwrap_or_default()
}

fn pick_description(members: &[&Record]) -> Option<String> {
    let mut with: Vec<&str> = members
        .iter()
        .filter(|r| !r.raw.partial)
        .filter_map(|r| r.raw.description.as_deref())
        .collect();
    if with.is_empty() {
        with = members.iter().filter_map(|r| r.raw.description.as_deref()).collect();
    }
    with.into_iter()
        .max_by(|a, b| a.chars().count().cmp(&b.chars().count()).then(b.cmp(a)))
        .map(str::to_string)
}

/// Merges every cluster. `clusters` hold indices into `records`.
pub fn merge(records: &[Record], clusters: &[Vec<u32>]) -> Vec<CanonicalRecord> {
    let mut out: Vec<CanonicalRecord> = clusters
        .iter()
        .map(|members| {
            let rs: Vec<&Record> = members.iter().map(|&i| &records[i as usize]).collect();
            let date = pick_date(&rs);
            let title = pick_title(&rs);
            let description = pick_description(&rs);
            let mut h = Sha256::new();
            for part in [
                date.map(|d| d.to_string()).unwrap_or_default(),
                match_key(&title),
                description.as_deref().map(match_key).unwrap_or_default(),
            ] {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            let id = format!("doc-{}", hex(&h.finalize()[..6]));
            CanonicalRecord {
                id,
                date,
                title,
                description,
                members: members.clone(),
            }
        })
        .collect();
    // Identical content kept apart by a constraint: number the later ones, in member order.
    out.sort_by(|a, b| a.id.cmp(&b.id).then(a.members.cmp(&b.members)));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in &mut out {
        let n = seen.entry(c.id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            c.id = format!("{}-{}", c.id, n);
        }
    }
    // Written in date order (dateless last), as a reader of an archive expects.
    out.sort_by(|a, b| (a.date.is_none(), a.date, &a.title, &a.id).cmp(&(b.date.is_none(), b.date, &b.title, &b.id)));
    out
}
