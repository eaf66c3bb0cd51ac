//! Merge: each cluster becomes one canonical record with a stable, content-derived id.
//!
//! Survivorship: the most precise date (the commonest among equally precise ones); the title
//! form most sources agree on; the fullest description. Text from a record cut off by the
//! end of its page is used only when no complete record has that field. A form holding an
//! invisible character (a zero-width space, a soft hyphen, a control character: see
//! [`crate::normalize::is_invisible`]) is chosen only when no member has a clean one.
//!
//! A table's canonical fields each follow their own survivorship policy (`survivorship` in
//! the mapping, the medoid by default): see [`survivorship`].

use std::collections::BTreeMap;

pub mod survivorship;

use crate::record::content_digest;
use rayon::prelude::*;

use crate::normalize::date::PartialDate;
use crate::normalize::{has_invisible, hex};
use crate::record::Record;

/// One deduplicated document.
#[derive(Debug, Clone)]
pub struct CanonicalRecord {
    /// `doc-` and 12 hex digits of a hash of the canonical date, title and description
    /// (normalized): it does not depend on file names or row order.
    pub id: String,
    /// The most precise date, if any member had a usable one.
    pub date: Option<PartialDate>,
    /// The member whose title is the form most members agree on (None: no member has a
    /// title, or a table). Read with [`CanonicalRecord::title`]: the text is not copied.
    pub title_from: Option<u32>,
    /// The member with the fullest description; read with [`CanonicalRecord::description`].
    pub description_from: Option<u32>,
    /// Member record indices, ascending.
    pub members: Vec<u32>,
    /// A table's canonical fields, as written (empty for pages).
    pub fields: Vec<Option<String>>,
    /// The member (a record index) that supplied each of `fields` (None: no member had a
    /// value).
    pub sources: Vec<Option<u32>>,
}

impl CanonicalRecord {
    /// The canonical title.
    pub fn title<'r>(&self, records: &'r [Record]) -> &'r str {
        self.title_from.map_or("", |i| records[i as usize].raw.title())
    }

    /// The canonical description.
    pub fn description<'r>(&self, records: &'r [Record]) -> Option<&'r str> {
        self.description_from
            .and_then(|i| records[i as usize].raw.description())
    }
}

fn pick_date(members: &[&Record]) -> Option<PartialDate> {
    let mut counts: BTreeMap<PartialDate, usize> = BTreeMap::new();
    for r in members {
        if let Some(d) = r.date() {
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

/// The texts with no invisible character, or all of them when none is clean.
fn clean(texts: Vec<&str>) -> Vec<&str> {
    let (clean, dirty): (Vec<&str>, Vec<&str>) = texts.into_iter().partition(|t| !has_invisible(t));
    if clean.is_empty() { dirty } else { clean }
}

fn pick_title<'r>(members: &[&'r Record]) -> Option<&'r str> {
    let titles = complete(members)
        .into_iter()
        .map(|r| r.raw.title())
        .filter(|t| !t.is_empty())
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in clean(titles) {
        *counts.entry(t).or_default() += 1;
    }
    // Most sources, then longest, then first in byte order.
    counts
        .into_iter()
        .max_by(|(t1, n1), (t2, n2)| {
            n1.cmp(n2)
                .then(t1.chars().count().cmp(&t2.chars().count()))
                .then(t2.cmp(t1))
        })
        .map(|(t, _)| t)
}

fn pick_description<'r>(members: &[&'r Record]) -> Option<&'r str> {
    let mut with: Vec<&str> = members
        .iter()
        .filter(|r| !r.raw.partial)
        .filter_map(|r| r.raw.description())
        .collect();
    if with.is_empty() {
        with = members.iter().filter_map(|r| r.raw.description()).collect();
    }
    clean(with)
        .into_iter()
        .max_by(|a, b| a.chars().count().cmp(&b.chars().count()).then(b.cmp(a)))
}

/// Merges every cluster. `clusters` hold indices into `records`.
pub fn merge(records: &[Record], clusters: &[Vec<u32>]) -> Vec<CanonicalRecord> {
    let mut out: Vec<CanonicalRecord> = clusters
        .par_iter()
        .map(|members| {
            let rs: Vec<&Record> = members.iter().map(|&i| &records[i as usize]).collect();
            let date = pick_date(&rs);
            let title = pick_title(&rs);
            let description = pick_description(&rs);
            // The first member holding the chosen text (any holds the same).
            let holder = |text: Option<&str>, field: fn(&Record) -> Option<&str>| {
                text.and_then(|t| {
                    members
                        .iter()
                        .copied()
                        .find(|&i| field(&records[i as usize]) == Some(t))
                })
            };
            let title_from = holder(title, |r| Some(r.raw.title()));
            let description_from = holder(description, |r| r.raw.description());
            // The holders' match keys are the chosen texts' (normalize made them): not
            // normalized again.
            let key = |from: Option<u32>, k: fn(&Record) -> Option<&str>| {
                from.and_then(|i| k(&records[i as usize])).unwrap_or("")
            };
            let date_text = date.map(|d| d.to_string()).unwrap_or_default();
            let digest = content_digest([
                date_text.as_str(),
                key(title_from, |r| Some(r.title_key())),
                key(description_from, Record::description_key),
            ]);
            let id = format!("doc-{}", hex(&digest[..6]));
            CanonicalRecord {
                id,
                date,
                title_from,
                description_from,
                members: members.clone(),
                fields: Vec::new(),
                sources: Vec::new(),
            }
        })
        .collect();
    number_repeated_ids(&mut out);
    sort_for_output(&mut out, records);
    out
}

/// Canonical records in the order they are written: by date (dateless last), as a reader of
/// an archive expects, then title and id.
pub fn sort_for_output(out: &mut [CanonicalRecord], records: &[Record]) {
    out.par_sort_by(|a, b| {
        (a.date.is_none(), a.date, a.title(records), &a.id).cmp(&(b.date.is_none(), b.date, b.title(records), &b.id))
    });
}

/// Identical content kept apart by a constraint: number the later ones, in member order.
fn number_repeated_ids(out: &mut [CanonicalRecord]) {
    // Sorted, copies of one id stand together; ids are unique after numbering, so the
    // callers' sorts do not depend on this order.
    out.par_sort_by(|a, b| a.id.cmp(&b.id).then(a.members.cmp(&b.members)));
    let mut run = 1;
    for i in 1..out.len() {
        // Numbered copies keep the original as prefix: compare with the run's first.
        let first = &out[i - run].id;
        if out[i].id == *first {
            run += 1;
            out[i].id = format!("{first}-{run}");
        } else {
            run = 1;
        }
    }
}

/// Merges the clusters of a table: each canonical field takes the value of the member its
/// survivorship policy picks (`survivorship` in the mapping, `medoid` by default: see
/// [`survivorship`]). The id is `rec-` and 12 hex digits of a hash of those values,
/// normalized as compared; rows come in the order of their first member.
pub fn merge_table(
    records: &[Record],
    clusters: &[Vec<u32>],
    table: &crate::schema::TableRules,
) -> Vec<CanonicalRecord> {
    let canonical = table.canonical_fields();
    // The column models only the medoid reads (`preferred-source` falls back on it).
    let needs_forms = canonical.iter().any(|&f| {
        use crate::schema::Survivorship::*;
        matches!(table.fields[f].survivorship, Medoid | PreferredSource)
    });
    let forms = needs_forms.then(|| survivorship::Forms::of(records, table.fields.len()));
    let mut out: Vec<CanonicalRecord> = clusters
        .par_iter()
        .map(|members| {
            let cluster = survivorship::Cluster::new(records, members, table, forms.as_ref());
            let sources: Vec<Option<u32>> = canonical.iter().map(|&f| cluster.pick(f)).collect();
            let fields: Vec<Option<String>> = (canonical.iter().zip(&sources))
                .map(|(&f, from)| from.and_then(|i| records[i as usize].raw.fields.get(f).cloned().flatten()))
                .collect();
            let digest = content_digest(canonical.iter().zip(&fields).map(|(&f, v)| {
                v.as_deref()
                    .and_then(|v| crate::normalize::parse_cell(table.fields[f].kind, v).ok().flatten())
                    .map(|v| v.key())
                    .unwrap_or_default()
            }));
            CanonicalRecord {
                id: format!("rec-{}", hex(&digest[..6])),
                date: None,
                title_from: None,
                description_from: None,
                members: members.clone(),
                fields,
                sources,
            }
        })
        .collect();
    number_repeated_ids(&mut out);
    out.sort_by_key(|c| c.members.first().copied());
    out
}
