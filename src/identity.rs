//! Persistent identity: canonical ids that survive re-scrapes. A run given the output of an
//! earlier one (`run --previous OLD_OUT`) carries that run's ids over to its own documents by
//! their members (record ids), whatever else changed in their content:
//!
//! - each old document's id goes to the new document that holds most of its members (ties:
//!   the new document whose content id sorts first); an old document none of whose members is
//!   left is removed;
//! - a new document that receives several old ids (clusters merged) keeps the id of the old
//!   document that had the most members (ties: the id that sorts first); the others are
//!   retired and resolve to it;
//! - a new document that receives none (a new document, or the smaller part of a split) gets
//!   its content id (`doc-` and a hash of its date, title and description), numbered `-2`,
//!   `-3`, ... past every id ever issued, so that no id is issued twice.
//!
//! The store is `ids.csv` beside the outputs: every id ever issued, what it resolves to now,
//! and the runs that issued and retired it. Runs are numbered from 1 (a run without
//! `--previous`). A retired id keeps resolving through later merges: its row is rewritten to
//! point at the current id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

pub use crate::output::rows::IdRow;

/// A document of an earlier run: its id and its members' record ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldDoc {
    /// Its canonical id in that run.
    pub id: String,
    /// Its members' record ids.
    pub members: Vec<String>,
}

/// What an earlier run left: its documents and its id store.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Its documents.
    pub docs: Vec<OldDoc>,
    /// Its `ids.csv` (empty for a run written before the store existed: its current ids are
    /// then taken as issued in run 1).
    pub ids: Vec<IdRow>,
}

impl Previous {
    /// The same run with its members' record ids renamed: a page scraped again may hold its
    /// records at other positions (`renamed` maps an old id to its new one; an id it maps to
    /// None is gone; one it does not name is unchanged).
    pub fn renamed(&self, renamed: &HashMap<String, Option<String>>) -> Previous {
        let docs = self
            .docs
            .par_iter()
            .map(|d| OldDoc {
                id: d.id.clone(),
                members: d
                    .members
                    .iter()
                    .filter_map(|m| match renamed.get(m) {
                        Some(to) => to.clone(),
                        None => Some(m.clone()),
                    })
                    .collect(),
            })
            .collect();
        Previous {
            docs,
            ids: self.ids.clone(),
        }
    }
}

impl Previous {
    /// The number of the run that follows this one.
    pub fn next_run(&self) -> u32 {
        let last = self
            .ids
            .iter()
            .map(|r| r.issued_in.max(r.retired_in.unwrap_or(0)))
            .max();
        last.unwrap_or(1) + 1
    }
}

/// A document of this run: its content id (from merge) and its members' record ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDoc {
    /// Its content id, as merge gave it.
    pub content_id: String,
    /// Its members' record ids.
    pub members: Vec<String>,
}

/// Ids for this run's documents, in their order, and the id store after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The id of each new document.
    pub ids: Vec<String>,
    /// Every id ever issued, sorted by id.
    pub store: Vec<IdRow>,
    /// This run's number.
    pub run: u32,
}

/// The ids of a first run: each document's content id, issued in run 1.
pub fn first_run(docs: &[NewDoc]) -> Carried {
    let ids: Vec<String> = docs.iter().map(|d| d.content_id.clone()).collect();
    let mut store: Vec<IdRow> = ids.iter().map(|id| current(id, 1)).collect();
    store.sort_by(|a, b| a.id.cmp(&b.id));
    Carried { ids, store, run: 1 }
}

fn current(id: &str, issued_in: u32) -> IdRow {
    IdRow {
        id: id.to_string(),
        resolves_to: id.to_string(),
        status: "current".into(),
        issued_in,
        retired_in: None,
    }
}

/// Carries `previous`'s ids over to `docs` (see the module's rules).
pub fn carry(previous: &Previous, docs: &[NewDoc]) -> Carried {
    let run = previous.next_run();
    let heirs = heirs(previous, docs);
    // For each new document, the old documents whose heir it is.
    let mut claims: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (old, heir) in heirs.iter().enumerate() {
        if let Some(new) = heir {
            claims.entry(*new).or_default().push(old);
        }
    }
    let mut store: BTreeMap<String, IdRow> = previous.ids.iter().map(|r| (r.id.clone(), r.clone())).collect();
    for d in &previous.docs {
        store.entry(d.id.clone()).or_insert_with(|| current(&d.id, 1));
    }
    let mut ids: Vec<Option<String>> = vec![None; docs.len()];
    // Retired id -> the id it now resolves to (empty: removed).
    let mut retired: HashMap<String, (String, &'static str)> = HashMap::new();
    for (&new, olds) in &claims {
        let survivor = olds
            .iter()
            .copied()
            .max_by(|&a, &b| {
                let (x, y) = (&previous.docs[a], &previous.docs[b]);
                x.members.len().cmp(&y.members.len()).then(y.id.cmp(&x.id))
            })
            .map(|o| previous.docs[o].id.clone());
        for &o in olds {
            let id = &previous.docs[o].id;
            if Some(id) != survivor.as_ref() {
                retired.insert(id.clone(), (survivor.clone().unwrap_or_default(), "merged"));
            }
        }
        ids[new] = survivor;
    }
    for (o, heir) in heirs.iter().enumerate() {
        if heir.is_none() {
            retired.insert(previous.docs[o].id.clone(), (String::new(), "removed"));
        }
    }
    let issued: BTreeSet<String> = store.keys().cloned().collect();
    let fresh = fresh_ids(docs, &ids, &issued);
    let ids: Vec<String> = ids
        .into_iter()
        .zip(fresh)
        .map(|(carried, f)| carried.or(f).unwrap_or_default())
        .collect();
    for id in &ids {
        store.entry(id.clone()).or_insert_with(|| current(id, run));
    }
    retire(&mut store, &retired, run);
    Carried {
        ids,
        store: store.into_values().collect(),
        run,
    }
}

/// For each old document, the new document holding most of its members (ties: the new
/// document whose content id sorts first, then its index); None when none is left.
fn heirs(previous: &Previous, docs: &[NewDoc]) -> Vec<Option<usize>> {
    let doc_of: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.members.iter().map(move |m| (m.as_str(), i)))
        .collect();
    previous
        .docs
        .par_iter()
        .map(|old| {
            let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
            for m in &old.members {
                if let Some(&new) = doc_of.get(m.as_str()) {
                    *shared.entry(new).or_default() += 1;
                }
            }
            shared
                .into_iter()
                .max_by(|&(a, na), &(b, nb)| {
                    na.cmp(&nb)
                        .then(docs[b].content_id.cmp(&docs[a].content_id))
                        .then(b.cmp(&a))
                })
                .map(|(new, _)| new)
        })
        .collect()
}

/// Content ids for the documents that carried no old id, numbered past every id issued or
/// carried (`-2`, `-3`, ...). Documents are taken in content-id order, then by their smallest
/// member, so the numbering does not depend on the order of the run's files.
fn fresh_ids(docs: &[NewDoc], carried: &[Option<String>], issued: &BTreeSet<String>) -> Vec<Option<String>> {
    let mut taken: BTreeSet<String> = issued.clone();
    taken.extend(carried.iter().flatten().cloned());
    let mut order: Vec<usize> = (0..docs.len()).filter(|&i| carried[i].is_none()).collect();
    let smallest = |i: usize| docs[i].members.iter().min().cloned().unwrap_or_default();
    order.sort_by_key(|&i| (base_of(&docs[i].content_id).to_string(), smallest(i)));
    let mut out = vec![None; docs.len()];
    for i in order {
        let base = base_of(&docs[i].content_id);
        let id = std::iter::once(base.to_string())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(|id| !taken.contains(id))
            .unwrap_or_default();
        taken.insert(id.clone());
        out[i] = Some(id);
    }
    out
}

/// A content id without merge's `-N` numbering of identical documents.
fn base_of(id: &str) -> &str {
    match id.rsplit_once('-') {
        Some((base, n)) if base.contains('-') && n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => base,
        _ => id,
    }
}

/// Marks this run's retired ids, and points every id that resolved to one of them at what it
/// resolves to now (a chain of merges resolves to its end).
fn retire(store: &mut BTreeMap<String, IdRow>, retired: &HashMap<String, (String, &'static str)>, run: u32) {
    for (id, (to, status)) in retired {
        if let Some(row) = store.get_mut(id) {
            row.resolves_to = to.clone();
            row.status = (*status).to_string();
            row.retired_in = Some(run);
        }
    }
    for row in store.values_mut() {
        if let Some((to, _)) = retired.get(&row.resolves_to).filter(|_| row.status != "current") {
            row.resolves_to = to.clone();
            if to.is_empty() {
                // Merged into a document that is removed now: removed with it.
                row.status = "removed".into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old(id: &str, members: &[&str]) -> OldDoc {
        OldDoc {
            id: id.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    fn new(content_id: &str, members: &[&str]) -> NewDoc {
        NewDoc {
            content_id: content_id.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    fn previous(docs: Vec<OldDoc>) -> Previous {
        let first = first_run(&docs.iter().map(|d| new(&d.id, &[])).collect::<Vec<_>>());
        Previous { docs, ids: first.store }
    }

    fn row<'a>(c: &'a Carried, id: &str) -> &'a IdRow {
        c.store.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn a_document_that_keeps_its_members_keeps_its_id_whatever_its_content() {
        let p = previous(vec![old("doc-a", &["p1#1", "p2#3"])]);
        let c = carry(&p, &[new("doc-changed", &["p1#1", "p2#3", "p3#1"])]);
        assert_eq!(c.ids, vec!["doc-a"]);
        assert_eq!(c.run, 2);
        assert_eq!(c.store, vec![current("doc-a", 1)]);
    }

    #[test]
    fn merged_clusters_keep_the_id_with_most_members_and_the_others_resolve_to_it() {
        let p = previous(vec![
            old("doc-b", &["1", "2"]),
            old("doc-a", &["3"]),
            old("doc-c", &["4", "5"]),
        ]);
        let c = carry(&p, &[new("doc-x", &["1", "2", "3", "4", "5"])]);
        // doc-b and doc-c tie on two members: the id that sorts first wins.
        assert_eq!(c.ids, vec!["doc-b"]);
        for gone in ["doc-a", "doc-c"] {
            let r = row(&c, gone);
            assert_eq!(
                (r.resolves_to.as_str(), r.status.as_str(), r.retired_in),
                ("doc-b", "merged", Some(2))
            );
        }
    }

    #[test]
    fn a_split_keeps_the_id_on_the_larger_part_and_the_other_gets_a_new_one() {
        let p = previous(vec![old("doc-a", &["1", "2", "3"])]);
        let c = carry(&p, &[new("doc-small", &["3"]), new("doc-big", &["1", "2"])]);
        assert_eq!(c.ids, vec!["doc-small", "doc-a"]);
        assert_eq!(row(&c, "doc-small").issued_in, 2);
    }

    #[test]
    fn a_new_id_never_reuses_one_issued_before() {
        let p = previous(vec![old("doc-a", &["1"]), old("doc-n", &["2"])]);
        // doc-n's only record is gone, and a new document has its content id.
        let c = carry(&p, &[new("doc-a", &["1"]), new("doc-n", &["9"])]);
        assert_eq!(c.ids, vec!["doc-a", "doc-n-2"]);
        let r = row(&c, "doc-n");
        assert_eq!((r.resolves_to.as_str(), r.status.as_str()), ("", "removed"));
    }

    #[test]
    fn a_chain_of_merges_resolves_to_its_end() {
        let p = previous(vec![old("doc-a", &["1"]), old("doc-b", &["2"])]);
        let second = carry(&p, &[new("doc-x", &["1", "2"])]);
        let p2 = Previous {
            docs: vec![old(&second.ids[0], &["1", "2"]), old("doc-c", &["3", "4", "5"])],
            ids: {
                let mut s = second.store.clone();
                s.push(current("doc-c", 2));
                s
            },
        };
        let third = carry(&p2, &[new("doc-y", &["1", "2", "3", "4", "5"])]);
        assert_eq!(third.ids, vec!["doc-c"]);
        assert_eq!(third.run, 3);
        assert_eq!(row(&third, "doc-b").resolves_to, "doc-c");
        assert_eq!(row(&third, "doc-a").resolves_to, "doc-c");
    }

    #[test]
    fn new_ids_do_not_depend_on_the_order_of_documents() {
        let p = previous(vec![old("doc-a", &["1"])]);
        let docs = [
            new("doc-a", &["1"]),
            new("doc-z", &["b.txt#1"]),
            new("doc-z-2", &["a.txt#1"]),
        ];
        let forward = carry(&p, &docs);
        let mut reversed = docs.to_vec();
        reversed.reverse();
        let backward = carry(&p, &reversed);
        let by_member = |c: &Carried, d: &[NewDoc]| -> BTreeMap<String, String> {
            d.iter()
                .zip(&c.ids)
                .map(|(d, id)| (d.members[0].clone(), id.clone()))
                .collect()
        };
        assert_eq!(by_member(&forward, &docs), by_member(&backward, &reversed));
        assert_eq!(by_member(&forward, &docs)["a.txt#1"], "doc-z");
        assert_eq!(forward.store, backward.store);
    }
}
