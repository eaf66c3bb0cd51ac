//! Lineage: what became of each document between two runs.
//!
//! Documents are matched across runs by their members (record ids), never by canonical id: a
//! canonical id is a hash of the content, so it changes when a fuller description arrives,
//! while a document's records are what makes it the same document. The core is pure functions
//! on plain values ([`Doc`] in, [`Lineage`] out, no I/O), so that `concord diff` can feed it
//! two output folders ([`read`]) and `run --previous` its previous and current documents.
//!
//! Terms. A new document's *sources* are the old documents that held one of its records; an
//! old document's *heirs* are the new documents that hold one of its records. An old document
//! goes to its *principal heir*, the heir holding the most of its records (ties: the smallest
//! new id). A new document *continues*, of the old documents that go to it, the one that had
//! the most records (ties: the smallest old id): the rule by which an id survives a merge or a
//! split (issue 13), so the diff compares content where `run --previous` keeps an id. That
//! pair's content is compared (a field that differs is a content change). Records gone from
//! the run are charged to their old document's principal heir (its lost sources), so each is
//! reported once.
//!
//! Per new document (several may hold at once, hence flags and lists, not one enum):
//! `created` (no source), `merged` (two sources or more), `split` (a source has two heirs or
//! more), `gained` (records new to the run joined a document that has a source), `lost`
//! (records gone from the run were charged to it), `content_changed` (a field of the document
//! it continues differs), `unchanged` (none of these: same members, same content). Per old
//! document without heirs: `removed`.

pub mod read;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rayon::prelude::*;
use serde::Serialize;

/// A document of one run: its canonical id, its records and its content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Canonical id (`doc-...`, `rec-...`).
    pub id: String,
    /// Its records' ids, in any order.
    pub members: Vec<String>,
    /// Its content as (field, value), in the run's column order: a page run's date, title and
    /// description, a table run's canonical fields.
    pub fields: Vec<(String, String)>,
}

/// What happened to a document; a [`Change`] may carry several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// None of its records was in the old run.
    Created,
    /// Its records come from two or more old documents.
    Merged,
    /// It holds part of an old document whose records now lie in two or more new ones.
    Split,
    /// Records new to the run joined it.
    Gained,
    /// Records of the old document gone from the run.
    Lost,
    /// A field of the old document it continues differs.
    ContentChanged,
    /// An old document none of whose records is in the new run.
    Removed,
    /// Same records, same content.
    Unchanged,
}

impl Kind {
    /// Every kind, in the order they are counted and listed.
    pub const ALL: [Kind; 8] = [
        Kind::Created,
        Kind::Merged,
        Kind::Split,
        Kind::Gained,
        Kind::Lost,
        Kind::ContentChanged,
        Kind::Removed,
        Kind::Unchanged,
    ];

    /// The kind in words, as `concord diff` prints it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Created => "created",
            Kind::Merged => "merged",
            Kind::Split => "split",
            Kind::Gained => "gained sources",
            Kind::Lost => "lost sources",
            Kind::ContentChanged => "content changed",
            Kind::Removed => "removed",
            Kind::Unchanged => "unchanged",
        }
    }
}

/// The records a new document took from one old document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The old document.
    pub old_id: String,
    /// The records both hold, sorted.
    pub records: Vec<String>,
}

/// An old document that split, seen from one of its heirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    /// The old document.
    pub old_id: String,
    /// Its other heirs, sorted.
    pub siblings: Vec<String>,
}

/// A field whose value differs between a document and the one it continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field (`title`; a table's column).
    pub field: String,
    /// Its old value (empty when the old run has no such field).
    pub old: String,
    /// Its new value (empty when the new run has no such field).
    pub new: String,
}

/// What happened to one document: a new one, or an old one that was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The new document; None for a removed old one.
    pub new_id: Option<String>,
    /// The old documents its records were in, sorted (a removed one: itself).
    pub old_ids: Vec<String>,
    /// The old document it continues (see the module docs), if any.
    pub continues: Option<String>,
    /// What happened, in [`Kind::ALL`] order; never empty.
    pub kinds: Vec<Kind>,
    /// Its records, sorted (a removed document: its old records).
    pub records: Vec<String>,
    /// Per source, the records taken from it (by old id).
    pub from: Vec<Part>,
    /// The sources that split, by old id.
    pub split: Vec<Split>,
    /// Its records new to the run (empty for a created document: all of them are).
    pub gained: Vec<String>,
    /// Records gone from the run charged to it, sorted.
    pub lost: Vec<String>,
    /// The fields that differ from the document it continues, in the new run's column order
    /// (then fields only the old run had).
    pub content: Vec<FieldChange>,
}

impl Change {
    /// True when it carries `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// How many documents carry each kind, and the sizes of both runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Documents of the old run.
    pub old_documents: usize,
    /// Documents of the new run.
    pub new_documents: usize,
    /// Records of the old run.
    pub old_records: usize,
    /// Records of the new run.
    pub new_records: usize,
    /// New documents created.
    pub created: usize,
    /// New documents merged from two or more old ones.
    pub merged: usize,
    /// New documents holding part of an old one that split.
    pub split: usize,
    /// New documents that gained records new to the run.
    pub gained: usize,
    /// New documents charged with records gone from the run.
    pub lost: usize,
    /// New documents whose content differs from the one they continue.
    pub content_changed: usize,
    /// Old documents removed.
    pub removed: usize,
    /// New documents unchanged.
    pub unchanged: usize,
    /// Records in the new run only.
    pub records_added: usize,
    /// Records in the old run only.
    pub records_removed: usize,
}

impl Counts {
    /// The count of `kind`.
    pub fn of(&self, kind: Kind) -> usize {
        // A copy of a dozen integers lets one match serve both reading and counting.
        let mut copy = *self;
        *copy.slot(kind)
    }

    fn slot(&mut self, kind: Kind) -> &mut usize {
        match kind {
            Kind::Created => &mut self.created,
            Kind::Merged => &mut self.merged,
            Kind::Split => &mut self.split,
            Kind::Gained => &mut self.gained,
            Kind::Lost => &mut self.lost,
            Kind::ContentChanged => &mut self.content_changed,
            Kind::Removed => &mut self.removed,
            Kind::Unchanged => &mut self.unchanged,
        }
    }
}

/// What changed between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// The counts.
    pub counts: Counts,
    /// One per new document (unchanged ones included), by new id; then the removed old
    /// documents, by old id.
    pub changes: Vec<Change>,
    /// Record ids in the new run only, sorted.
    pub records_added: Vec<String>,
    /// Record ids in the old run only, sorted.
    pub records_removed: Vec<String>,
}

impl Lineage {
    /// The changes that are changes (every one but the unchanged documents), in order.
    pub fn changed(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !c.is(Kind::Unchanged))
    }
}

/// Which run a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The earlier run.
    Old,
    /// The later run.
    New,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Old => "old",
            Side::New => "new",
        })
    }
}

/// Documents that cannot be one run's: a run's ids are unique and each record is in one
/// document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// Two documents share an id.
    #[error("{side} run: two documents have the id {id:?}")]
    DuplicateId {
        /// The run.
        side: Side,
        /// The id.
        id: String,
    },
    /// A record is in two documents.
    #[error("{side} run: record {record:?} is in two documents, {first:?} and {second:?}")]
    SharedRecord {
        /// The run.
        side: Side,
        /// The record.
        record: String,
        /// One document (the smaller id).
        first: String,
        /// The other.
        second: String,
    },
    /// A document lists a record twice.
    #[error("{side} run: document {id:?} lists record {record:?} twice")]
    RepeatedRecord {
        /// The run.
        side: Side,
        /// The document.
        id: String,
        /// The record.
        record: String,
    },
}

/// What became of each document of `old` in `new`, matched by records. The result does not
/// depend on the order of the documents or of their members.
pub fn diff(old: &[Doc], new: &[Doc]) -> Result<Lineage, Invalid> {
    // Independent halves, each a few seconds at a million records: built side by side.
    let (old, new) = rayon::join(|| Index::new(old, Side::Old), || Index::new(new, Side::New));
    let between = Between::new(old?, new?);
    let docs: Vec<&Doc> = between.new.docs.values().copied().collect();
    let mut changes: Vec<Change> = docs.par_iter().map(|d| between.change(d)).collect();
    changes.extend(between.removed());
    let records_added = only_in(&between.new, &between.old);
    let records_removed = only_in(&between.old, &between.new);
    let mut counts = Counts {
        old_documents: between.old.docs.len(),
        new_documents: between.new.docs.len(),
        old_records: between.old.owner.len(),
        new_records: between.new.owner.len(),
        records_added: records_added.len(),
        records_removed: records_removed.len(),
        ..Counts::default()
    };
    for kind in changes.iter().flat_map(|c| &c.kinds) {
        *counts.slot(*kind) += 1;
    }
    Ok(Lineage {
        counts,
        changes,
        records_added,
        records_removed,
    })
}

/// One run's documents by id, and the document of each record.
struct Index<'a> {
    docs: BTreeMap<&'a str, &'a Doc>,
    owner: HashMap<&'a str, &'a str>,
}

impl<'a> Index<'a> {
    fn new(docs: &'a [Doc], side: Side) -> Result<Index<'a>, Invalid> {
        // Sorted first, so that which fault is reported does not depend on the input order.
        let mut sorted: Vec<&Doc> = docs.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = sorted.windows(2).find(|w| w[0].id == w[1].id) {
            let id = w[0].id.clone();
            return Err(Invalid::DuplicateId { side, id });
        }
        let mut owner = HashMap::new();
        for &doc in &sorted {
            for record in sorted_members(doc) {
                if let Some(first) = owner.insert(record, doc.id.as_str()) {
                    return Err(fault(side, record, first, &doc.id));
                }
            }
        }
        let docs = sorted.into_iter().map(|d| (d.id.as_str(), d)).collect();
        Ok(Index { docs, owner })
    }
}

fn sorted_members(doc: &Doc) -> Vec<&str> {
    let mut members: Vec<&str> = doc.members.iter().map(String::as_str).collect();
    members.sort_unstable();
    members
}

/// A record found in `first` and again in `second`.
fn fault(side: Side, record: &str, first: &str, second: &str) -> Invalid {
    let record = record.to_string();
    match first == second {
        true => Invalid::RepeatedRecord {
            side,
            id: first.to_string(),
            record,
        },
        false => Invalid::SharedRecord {
            side,
            record,
            first: first.to_string(),
            second: second.to_string(),
        },
    }
}

/// The record ids of `a` that `b` does not have, sorted.
fn only_in(a: &Index, b: &Index) -> Vec<String> {
    let mut ids: Vec<String> = a
        .owner
        .keys()
        .filter(|r| !b.owner.contains_key(*r))
        .map(|r| r.to_string())
        .collect();
    ids.sort_unstable();
    ids
}

/// Two runs and the records each pair of their documents shares, seen from both ends.
struct Between<'a> {
    old: Index<'a>,
    new: Index<'a>,
    /// new id -> old id -> the records both hold (sorted).
    sources: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a str>>>,
    /// old id -> new id -> how many records both hold.
    heirs: BTreeMap<&'a str, BTreeMap<&'a str, usize>>,
    /// new id -> the old document it continues.
    continued: BTreeMap<&'a str, &'a str>,
    /// new id -> the records gone from the run charged to it (sorted).
    lost: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Between<'a> {
    fn new(old: Index<'a>, new: Index<'a>) -> Between<'a> {
        let mut sources: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
        let mut heirs: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for (&new_id, doc) in &new.docs {
            for record in sorted_members(doc) {
                let Some(&old_id) = old.owner.get(record) else { continue };
                sources
                    .entry(new_id)
                    .or_default()
                    .entry(old_id)
                    .or_default()
                    .push(record);
                *heirs.entry(old_id).or_default().entry(new_id).or_default() += 1;
            }
        }
        let mut between = Between {
            old,
            new,
            sources,
            heirs,
            continued: BTreeMap::new(),
            lost: BTreeMap::new(),
        };
        let goes_to = between.principal_heirs();
        between.continued = between.continuations(&goes_to);
        between.lost = between.charge_lost(&goes_to);
        between
    }

    /// old id -> its principal heir, for every old document that has an heir: the heir that
    /// kept its id (a run with `--previous` carried it over by its own rule, which this must
    /// not contradict), else the one holding most of its records.
    fn principal_heirs(&self) -> BTreeMap<&'a str, &'a str> {
        let heir = |old_id: &str, heirs: &BTreeMap<&'a str, usize>| match heirs.get_key_value(old_id) {
            Some((&same, _)) => Some(same),
            None => principal(heirs.iter().map(|(&id, &n)| (id, n))),
        };
        (self.heirs.iter())
            .filter_map(|(&old_id, heirs)| Some((old_id, heir(old_id, heirs)?)))
            .collect()
    }

    /// new id -> the old document it continues: of those that go to it, the one whose id it
    /// kept, else the one that had the most records (ties: the smallest id, the first met in
    /// id order).
    fn continuations(&self, goes_to: &BTreeMap<&'a str, &'a str>) -> BTreeMap<&'a str, &'a str> {
        let mut continued: BTreeMap<&str, &str> = BTreeMap::new();
        for (&old_id, &heir) in goes_to {
            let size = |id: &str| self.old.docs[id].members.len();
            let better = |kept: &str| kept != heir && (old_id == heir || size(old_id) > size(kept));
            if continued.get(heir).is_none_or(|&kept| better(kept)) {
                continued.insert(heir, old_id);
            }
        }
        continued
    }

    /// Each old document's records gone from the run, charged to its principal heir (an old
    /// document without heirs is removed, its records with it).
    fn charge_lost(&self, goes_to: &BTreeMap<&'a str, &'a str>) -> BTreeMap<&'a str, Vec<&'a str>> {
        let mut lost: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (&old_id, &heir) in goes_to {
            let gone = sorted_members(self.old.docs[old_id])
                .into_iter()
                .filter(|r| !self.new.owner.contains_key(r));
            lost.entry(heir).or_default().extend(gone);
        }
        for records in lost.values_mut() {
            records.sort_unstable();
        }
        lost
    }

    /// The sources of `new_id` whose records now lie in two or more new documents.
    fn splits(&self, new_id: &str) -> Vec<Split> {
        let sources = self.sources.get(new_id).into_iter().flat_map(|s| s.keys());
        sources
            .filter(|&&old_id| self.heirs[old_id].len() >= 2)
            .map(|&old_id| Split {
                old_id: old_id.to_string(),
                siblings: strings(self.heirs[old_id].keys().filter(|&&id| id != new_id)),
            })
            .collect()
    }

    /// What happened to new document `doc`.
    fn change(&self, doc: &Doc) -> Change {
        let id = doc.id.as_str();
        let from: Vec<Part> = (self.sources.get(id).into_iter().flatten())
            .map(|(&old_id, records)| Part {
                old_id: old_id.to_string(),
                records: strings(records),
            })
            .collect();
        let continues = self.continued.get(id).copied();
        let members = sorted_members(doc);
        // A created document's records are all new: that is its creation, not a gain.
        let gained = match from.is_empty() {
            true => Vec::new(),
            false => strings(members.iter().filter(|r| !self.old.owner.contains_key(*r))),
        };
        let content = continues.map_or_else(Vec::new, |o| field_changes(&self.old.docs[o].fields, &doc.fields));
        let mut change = Change {
            new_id: Some(doc.id.clone()),
            old_ids: from.iter().map(|p| p.old_id.clone()).collect(),
            continues: continues.map(str::to_string),
            kinds: Vec::new(),
            records: strings(&members),
            split: self.splits(id),
            gained,
            lost: strings(self.lost.get(id).into_iter().flatten()),
            content,
            from,
        };
        change.kinds = kinds(&change);
        change
    }

    /// The old documents none of whose records is in the new run, by old id.
    fn removed(&self) -> impl Iterator<Item = Change> + '_ {
        let gone = self
            .old
            .docs
            .values()
            .filter(|d| !self.heirs.contains_key(d.id.as_str()));
        gone.map(|doc| Change {
            new_id: None,
            old_ids: vec![doc.id.clone()],
            continues: None,
            kinds: vec![Kind::Removed],
            records: strings(sorted_members(doc)),
            from: Vec::new(),
            split: Vec::new(),
            gained: Vec::new(),
            lost: Vec::new(),
            content: Vec::new(),
        })
    }
}

/// The kinds a new document's change carries, in [`Kind::ALL`] order.
fn kinds(c: &Change) -> Vec<Kind> {
    let flags = [
        (Kind::Created, c.from.is_empty()),
        (Kind::Merged, c.from.len() >= 2),
        (Kind::Split, !c.split.is_empty()),
        (Kind::Gained, !c.gained.is_empty()),
        (Kind::Lost, !c.lost.is_empty()),
        (Kind::ContentChanged, !c.content.is_empty()),
    ];
    let kinds: Vec<Kind> = flags.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect();
    match kinds.is_empty() {
        true => vec![Kind::Unchanged],
        false => kinds,
    }
}

/// The id with the most records; ties go to the smallest id (`counts` comes in id order).
fn principal<'a>(counts: impl Iterator<Item = (&'a str, usize)>) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for (id, n) in counts {
        if best.is_none_or(|(_, most)| n > most) {
            best = Some((id, n));
        }
    }
    best.map(|(id, _)| id)
}

/// The fields whose values differ: the new run's fields in order, then those only the old run
/// has. A field one run lacks counts as empty.
fn field_changes(old: &[(String, String)], new: &[(String, String)]) -> Vec<FieldChange> {
    let value = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let old_only = old.iter().filter(|(n, _)| !new.iter().any(|(m, _)| m == n));
    new.iter()
        .chain(old_only)
        .map(|(name, _)| FieldChange {
            field: name.clone(),
            old: value(old, name),
            new: value(new, name),
        })
        .filter(|f| f.old != f.new)
        .collect()
}

fn strings<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Vec<String> {
    ids.into_iter().map(|s| s.as_ref().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page document dated 1952 with `title` and the description "d".
    fn doc(id: &str, members: &[&str], title: &str) -> Doc {
        Doc {
            id: id.to_string(),
            members: members.iter().map(|m| m.to_string()).collect(),
            fields: vec![
                ("date".into(), "1952".into()),
                ("title".into(), title.into()),
                ("description".into(), "d".into()),
            ],
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// The change of new document `id`.
    fn of<'l>(l: &'l Lineage, id: &str) -> &'l Change {
        let found = l.changes.iter().find(|c| c.new_id.as_deref() == Some(id));
        found.unwrap_or_else(|| panic!("no change for {id}"))
    }

    fn run(old: &[Doc], new: &[Doc]) -> Lineage {
        diff(old, new).expect("valid runs")
    }

    #[test]
    fn created_when_no_record_was_in_the_old_run() {
        let l = run(
            &[doc("a", &["1"], "t")],
            &[doc("a", &["1"], "t"), doc("b", &["3", "2"], "u")],
        );
        let c = of(&l, "b");
        assert_eq!(c.kinds, [Kind::Created]);
        assert_eq!(c.records, ids(&["2", "3"]));
        assert!(c.old_ids.is_empty() && c.continues.is_none() && c.gained.is_empty());
        assert_eq!(l.records_added, ids(&["2", "3"]));
        assert_eq!(
            (l.counts.created, l.counts.unchanged, l.counts.records_added),
            (1, 1, 2)
        );
    }

    #[test]
    fn unchanged_when_members_and_content_agree_whatever_the_ids() {
        let l = run(&[doc("old", &["1", "2"], "t")], &[doc("new", &["2", "1"], "t")]);
        let c = of(&l, "new");
        assert_eq!(c.kinds, [Kind::Unchanged]);
        assert_eq!(c.continues.as_deref(), Some("old"));
        assert_eq!(l.changed().count(), 0);
        assert_eq!(l.counts.unchanged, 1);
    }

    #[test]
    fn gained_sources_are_records_new_to_the_run() {
        let l = run(&[doc("a", &["1"], "t")], &[doc("a", &["1", "2"], "t")]);
        let c = of(&l, "a");
        assert_eq!(c.kinds, [Kind::Gained]);
        assert_eq!(c.gained, ids(&["2"]));
        assert_eq!(l.counts.gained, 1);
    }

    #[test]
    fn lost_sources_are_records_gone_from_the_run() {
        let l = run(&[doc("a", &["1", "2"], "t")], &[doc("a", &["1"], "t")]);
        assert_eq!(of(&l, "a").kinds, [Kind::Lost]);
        assert_eq!(of(&l, "a").lost, ids(&["2"]));
        assert_eq!(l.records_removed, ids(&["2"]));
    }

    #[test]
    fn content_change_names_the_field_old_and_new() {
        let l = run(&[doc("a", &["1"], "Letter")], &[doc("b", &["1"], "Letter, Zhou")]);
        let c = of(&l, "b");
        assert_eq!(c.kinds, [Kind::ContentChanged]);
        let expected = FieldChange {
            field: "title".into(),
            old: "Letter".into(),
            new: "Letter, Zhou".into(),
        };
        assert_eq!(c.content, [expected]);
        assert_eq!(c.continues.as_deref(), Some("a"));
    }

    #[test]
    fn a_document_may_gain_and_change_at_once() {
        let l = run(&[doc("a", &["1"], "x")], &[doc("b", &["1", "2"], "y")]);
        assert_eq!(of(&l, "b").kinds, [Kind::Gained, Kind::ContentChanged]);
        assert_eq!((l.counts.gained, l.counts.content_changed), (1, 1));
    }

    #[test]
    fn a_field_one_run_lacks_counts_as_empty() {
        let mut new = doc("a", &["1"], "t");
        new.fields.retain(|(n, _)| n != "description");
        new.fields.push(("kind".into(), "memo".into()));
        let c = run(&[doc("a", &["1"], "t")], &[new]).changes.remove(0);
        let fields: Vec<(&str, &str, &str)> = (c.content.iter())
            .map(|f| (f.field.as_str(), f.old.as_str(), f.new.as_str()))
            .collect();
        assert_eq!(fields, [("kind", "", "memo"), ("description", "d", "")]);
    }

    #[test]
    fn merge_of_two_lists_both_old_documents_and_their_records() {
        let old = [doc("a", &["1", "2"], "t"), doc("b", &["3"], "t")];
        let l = run(&old, &[doc("c", &["3", "2", "1"], "t")]);
        let c = of(&l, "c");
        assert_eq!(c.kinds, [Kind::Merged]);
        assert_eq!(c.old_ids, ids(&["a", "b"]));
        let parts: Vec<(&str, Vec<String>)> = c.from.iter().map(|p| (p.old_id.as_str(), p.records.clone())).collect();
        assert_eq!(parts, [("a", ids(&["1", "2"])), ("b", ids(&["3"]))]);
        // It continues the old document that had the most records.
        assert_eq!(c.continues.as_deref(), Some("a"));
        assert_eq!((l.counts.merged, l.counts.removed, l.changes.len()), (1, 0, 1));
    }

    #[test]
    fn split_into_two_lists_the_old_document_and_the_sibling() {
        let l = run(
            &[doc("a", &["1", "2", "3"], "t")],
            &[doc("b", &["1", "2"], "t"), doc("c", &["3"], "u")],
        );
        let (b, c) = (of(&l, "b"), of(&l, "c"));
        assert_eq!(
            (b.kinds.as_slice(), c.kinds.as_slice()),
            ([Kind::Split].as_slice(), [Kind::Split].as_slice())
        );
        let split = |old: &str, sib: &[&str]| Split {
            old_id: old.into(),
            siblings: ids(sib),
        };
        assert_eq!(b.split, [split("a", &["c"])]);
        assert_eq!(c.split, [split("a", &["b"])]);
        // The larger part continues it; the other part's content is not compared with it.
        assert_eq!((b.continues.as_deref(), c.continues.as_deref()), (Some("a"), None));
        assert_eq!(l.counts.split, 2);
    }

    #[test]
    fn records_gone_from_a_split_document_are_charged_to_its_principal_heir_once() {
        let l = run(
            &[doc("a", &["1", "2", "3", "9"], "t")],
            &[doc("c", &["1", "2"], "t"), doc("b", &["3"], "t")],
        );
        assert_eq!(of(&l, "c").lost, ids(&["9"]));
        assert!(of(&l, "b").lost.is_empty());
        assert_eq!(l.counts.lost, 1);
    }

    #[test]
    fn a_merge_continues_the_largest_old_document_that_goes_to_it() {
        // a (4 records) gives 2 to n and 1 each to m and p: it still goes to n. b (3) all to n.
        let old = [doc("a", &["1", "2", "3", "4"], "t"), doc("b", &["5", "6", "7"], "u")];
        let new = [
            doc("n", &["1", "2", "5", "6", "7"], "u"),
            doc("m", &["3"], "t"),
            doc("p", &["4"], "t"),
        ];
        let l = run(&old, &new);
        assert_eq!(of(&l, "n").continues.as_deref(), Some("a"));
        assert_eq!(of(&l, "n").kinds, [Kind::Merged, Kind::Split, Kind::ContentChanged]);
        assert_eq!(
            (of(&l, "m").continues.clone(), of(&l, "p").continues.clone()),
            (None, None)
        );
    }

    #[test]
    fn ties_go_to_the_smallest_id() {
        let l = run(
            &[doc("a", &["1", "2", "9"], "t")],
            &[doc("c", &["2"], "t"), doc("b", &["1"], "t")],
        );
        assert_eq!(of(&l, "b").continues.as_deref(), Some("a"));
        assert_eq!(of(&l, "b").lost, ids(&["9"]));
        assert_eq!(of(&l, "c").continues, None);
    }

    #[test]
    fn removed_when_every_record_is_gone() {
        let l = run(
            &[doc("a", &["1"], "t"), doc("b", &["3", "2"], "u")],
            &[doc("a", &["1"], "t")],
        );
        let removed = l.changes.last().expect("a change");
        assert_eq!(removed.new_id, None);
        assert_eq!(removed.kinds, [Kind::Removed]);
        assert_eq!(
            (removed.old_ids.clone(), removed.records.clone()),
            (ids(&["b"]), ids(&["2", "3"]))
        );
        assert_eq!(l.records_removed, ids(&["2", "3"]));
        assert_eq!((l.counts.removed, l.counts.unchanged, l.counts.lost), (1, 1, 0));
    }

    /// Every kind at once: a merge, a split, a gain, a loss, a content change, a creation and a
    /// removal.
    fn mixed() -> (Vec<Doc>, Vec<Doc>) {
        let old = vec![
            doc("o1", &["1", "2"], "t"),
            doc("o2", &["3"], "t"),
            doc("o3", &["4", "5", "6"], "t"),
            doc("o4", &["7", "8"], "t"),
            doc("o5", &["9"], "t"),
            doc("o6", &["10"], "t"),
        ];
        let new = vec![
            doc("n1", &["1", "2", "3"], "t"),
            doc("n2", &["4", "5"], "t"),
            doc("n3", &["6", "11"], "t"),
            doc("n4", &["7"], "t2"),
            doc("n5", &["12"], "t"),
            doc("n6", &["10"], "t"),
        ];
        (old, new)
    }

    #[test]
    fn every_kind_in_one_diff_in_order() {
        let (old, new) = mixed();
        let l = run(&old, &new);
        let listed: Vec<(Option<&str>, &[Kind])> = (l.changes.iter())
            .map(|c| (c.new_id.as_deref(), c.kinds.as_slice()))
            .collect();
        use Kind::*;
        let expected: [(Option<&str>, &[Kind]); 7] = [
            (Some("n1"), &[Merged]),
            (Some("n2"), &[Split]),
            (Some("n3"), &[Split, Gained]),
            (Some("n4"), &[Lost, ContentChanged]),
            (Some("n5"), &[Created]),
            (Some("n6"), &[Unchanged]),
            (None, &[Removed]),
        ];
        assert_eq!(listed, expected);
        assert_eq!(
            (l.records_added.clone(), l.records_removed.clone()),
            (ids(&["11", "12"]), ids(&["8", "9"]))
        );
        let c = &l.counts;
        let counted = [
            c.created,
            c.merged,
            c.split,
            c.gained,
            c.lost,
            c.content_changed,
            c.removed,
            c.unchanged,
        ];
        assert_eq!(counted, [1, 1, 2, 1, 1, 1, 1, 1]);
        assert!(
            Kind::ALL
                .iter()
                .all(|&k| l.counts.of(k) == l.changes.iter().filter(|c| c.is(k)).count())
        );
    }

    #[test]
    fn input_order_does_not_change_the_output() {
        let (old, new) = mixed();
        let expected = run(&old, &new);
        let reorder = |docs: &[Doc], k: usize| -> Vec<Doc> {
            let mut docs = docs.to_vec();
            let by = k % docs.len();
            docs.rotate_left(by);
            docs.reverse();
            for d in &mut docs {
                d.members.reverse();
            }
            docs
        };
        for k in 0..6 {
            assert_eq!(run(&reorder(&old, k), &reorder(&new, k + 1)), expected, "rotation {k}");
        }
    }

    #[test]
    fn runs_that_cannot_be_are_refused() {
        let twice = [doc("a", &["1"], "t"), doc("a", &["2"], "t")];
        let err = diff(&twice, &[]).unwrap_err();
        assert_eq!(
            err,
            Invalid::DuplicateId {
                side: Side::Old,
                id: "a".into()
            }
        );
        let shared = [doc("b", &["1"], "t"), doc("a", &["1"], "t")];
        let err = diff(&[], &shared).unwrap_err().to_string();
        assert_eq!(err, r#"new run: record "1" is in two documents, "a" and "b""#);
        let repeated = [doc("a", &["1", "1"], "t")];
        let err = diff(&repeated, &[]).unwrap_err().to_string();
        assert_eq!(err, r#"old run: document "a" lists record "1" twice"#);
    }
}
