//! Clustering: matched pairs join records into clusters, strongest link first, under
//! cannot-link constraints. A link whose two clusters hold records that may not be together
//! is cut instead of taken, so a chain A~B~C with A and C kept apart splits at its weakest
//! link.
//!
//! Two records may not share a cluster when:
//! - they come from one page (a result page lists each document once);
//! - both have dates and the dates are incompatible (one title on two dates is two documents);
//! - their comparison said they differ (a constraint from the compare stage, or an override).
//!
//! A must-link (a reviewer's override "same") is taken before any scored link, and beats the
//! inferred constraints (dates, the compare stage's "distinct"); only the same-page rule and an
//! override "different" stop it. Every link considered is logged with its outcome, so that
//! `explain` and `links.csv` can say which link joined what and which was cut, and why.
//!
//! A record that matches two records which may not be together, about equally well (within
//! `ambiguity_margin`), could be either: neither link is taken and both go to review, rather
//! than guessing. This is what keeps a record with thin evidence (no description, no date, cut
//! off) from bridging two distinct documents.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::normalize::date::PartialDate;

/// A matched pair, as clustering sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match score: stronger links are taken first.
    pub score: f64,
    /// A must-link (override "same"): taken before any scored link.
    pub must: bool,
}

/// [`Apart::class_of`] of a record no override "different" names.
pub const NO_CLASS: u32 = u32::MAX;

/// Classes of records that may not share a cluster with an enemy class (a reviewer's override
/// "different" on two fingerprints: every record of one apart from every record of the other;
/// a class its own enemy keeps each of its records apart from the others). Kept per class, so
/// an override on a fingerprint of n copies costs n, not the n squared pairs it stands for.
#[derive(Debug, Clone, Default)]
pub struct Apart {
    /// Each record's class, or [`NO_CLASS`] (empty: no record has one).
    pub class_of: Vec<u32>,
    /// Per class: its enemy classes and why, sorted by enemy.
    pub enemies: Vec<Vec<(u32, String)>>,
}

impl Apart {
    /// Makes classes `a` and `b` enemies (both ways).
    pub fn add(&mut self, a: u32, b: u32, why: String) {
        let n = (a.max(b) + 1) as usize;
        if self.enemies.len() < n {
            self.enemies.resize(n, Vec::new());
        }
        for (x, y) in [(a, b), (b, a)] {
            let list = &mut self.enemies[x as usize];
            if let Err(i) = list.binary_search_by_key(&y, |e| e.0) {
                list.insert(i, (y, why.clone()));
            }
        }
    }

    /// The class of record `r`, if any.
    fn class(&self, r: u32) -> Option<u32> {
        self.class_of.get(r as usize).copied().filter(|&c| c != NO_CLASS)
    }

    /// Why classes `a` and `b` may not share a cluster, if they may not.
    fn why(&self, a: u32, b: u32) -> Option<&str> {
        let list = self.enemies.get(a as usize)?;
        list.binary_search_by_key(&b, |e| e.0).ok().map(|i| list[i].1.as_str())
    }

    /// Why records `x` and `y` may not share a cluster, if an override says so.
    pub fn differ(&self, x: u32, y: u32) -> Option<&str> {
        self.why(self.class(x)?, self.class(y)?)
    }
}

/// A link that was not taken, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CutLink {
    /// The link.
    pub link: Link,
    /// Why it was not taken.
    pub reason: String,
}

/// What clustering must respect.
pub struct Constraints<'a> {
    /// Each record's page.
    pub page_of: &'a [u32],
    /// Each record's date, when usable.
    pub date_of: &'a [Option<PartialDate>],
    /// Pairs (a < b) that may not share a cluster, with the reason.
    pub cannot_link: &'a BTreeSet<(u32, u32)>,
    /// Why a pair of `cannot_link` differs (asked only when a link is cut for it).
    pub why_cannot: &'a (dyn Fn(u32, u32) -> String + Sync),
    /// Overrides "different", by fingerprint class: even a must-link respects them.
    pub apart: &'a Apart,
    /// Names a page in reasons.
    pub page_name: &'a (dyn Fn(u32) -> String + Sync),
    /// Names a record in reasons.
    pub record_name: &'a (dyn Fn(u32) -> String + Sync),
}

/// What clustering produced.
#[derive(Debug, Clone, Default)]
pub struct Clustering {
    /// Clusters as sorted member lists, ordered by their first member.
    pub clusters: Vec<Vec<u32>>,
    /// Cluster index of each record.
    pub cluster_of: Vec<u32>,
    /// Links not taken because a constraint forbade them.
    pub cut: Vec<CutLink>,
    /// Links not taken because the record matched two incompatible records about equally.
    pub ambiguous: Vec<CutLink>,
    /// Every link in the order it was considered, with its outcome (ambiguous links are not
    /// considered).
    pub log: Vec<(Link, Outcome)>,
}

/// What happened to a link clustering considered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It joined two clusters.
    Joined,
    /// Its records were already in one cluster (through stronger links).
    AlreadyJoined,
    /// A constraint cut it; the reason says which.
    Cut(String),
}

/// Per-cluster state kept at its root.
#[derive(Default)]
struct Group {
    pages: Vec<u32>,
    dates: Vec<PartialDate>,
    /// (record, member): a record that this member may not be clustered with.
    enemies: Vec<(u32, u32)>,
    /// (class, member): the [`Apart`] classes of the members, one member each, by class.
    classes: Vec<(u32, u32)>,
}

/// The records one clustering pass works on: all of them, or one connected component of the
/// match links. Its union-find and groups are indexed by position among `members`, so a
/// component's pass allocates for its own records only.
#[derive(Clone, Copy)]
struct Scope<'s> {
    /// The records, sorted (global indices); None: every record, position = index.
    members: Option<&'s [u32]>,
    /// Each record's position among the members of its component (read only for members).
    slot: &'s [u32],
    /// Number of records in scope.
    len: usize,
}

impl Scope<'_> {
    /// Position of record `r` in the scope.
    fn local(&self, r: u32) -> u32 {
        match self.members {
            None => r,
            Some(_) => self.slot[r as usize],
        }
    }

    /// The record at position `i`.
    fn global(&self, i: u32) -> u32 {
        self.members.map_or(i, |m| m[i as usize])
    }
}

struct Forest<'c> {
    /// Parent of each position (positions, not record indices: see [`Scope`]).
    parent: Vec<u32>,
    /// Per root, filled when a link first reaches it (most records of a large run never
    /// meet a link): one pointer per record until then.
    groups: Vec<Option<Box<Group>>>,
    c: &'c Constraints<'c>,
    scope: Scope<'c>,
}

impl<'c> Forest<'c> {
    /// A forest over `scope`, with the cannot-link pairs among its records.
    fn new(c: &'c Constraints<'c>, scope: Scope<'c>, cannot: impl Iterator<Item = (u32, u32)>) -> Forest<'c> {
        let n = scope.len;
        let mut groups: Vec<Option<Box<Group>>> = (0..n).map(|_| None).collect();
        for (a, b) in cannot {
            groups[scope.local(a) as usize]
                .get_or_insert_default()
                .enemies
                .push((b, a));
            groups[scope.local(b) as usize]
                .get_or_insert_default()
                .enemies
                .push((a, b));
        }
        Forest {
            parent: (0..n as u32).collect(),
            groups,
            c,
            scope,
        }
    }

    /// Fills the group of a record that is still alone (`root` is a position).
    fn ensure(&mut self, root: u32) {
        let r = self.scope.global(root);
        let g = self.groups[root as usize].get_or_insert_default();
        if g.pages.is_empty() {
            g.pages.push(self.c.page_of[r as usize]);
            g.dates.extend(self.c.date_of[r as usize]);
            g.classes.extend(self.c.apart.class(r).map(|c| (c, r)));
        }
    }

    /// The root position of record `r`'s cluster.
    fn find(&mut self, r: u32) -> u32 {
        let mut x = self.scope.local(r);
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// The root position of record `r`'s cluster, without path compression (for read-only
    /// checks).
    fn root(&self, r: u32) -> u32 {
        let mut x = self.scope.local(r);
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    /// Why the clusters rooted at `p` and `q` may not be joined, if they may not. A must-link
    /// checks only the same-page rule and overrides "different".
    fn conflict(&self, p: u32, q: u32, must: bool) -> Option<String> {
        let filled = |r: u32| {
            self.groups[r as usize]
                .as_deref()
                .expect("roots are filled before they are compared")
        };
        let (gp, gq) = (filled(p), filled(q));
        if let Some(page) = gp.pages.iter().find(|x| gq.pages.binary_search(x).is_ok()) {
            return Some(format!(
                "cannot-link: it would join two records of page {}",
                (self.c.page_name)(*page)
            ));
        }
        for d1 in gp.dates.iter().filter(|_| !must) {
            if let Some(d2) = gq.dates.iter().find(|d2| !d1.compatible(d2)) {
                return Some(format!("cannot-link: it would join two dates, {d1} and {d2}"));
            }
        }
        if let Some(why) = self.overridden(gp, gq) {
            return Some(why);
        }
        for &(e, m) in gp.enemies.iter().filter(|_| !must) {
            let key = (m.min(e), m.max(e));
            if self.root(e) == q {
                let why = (self.c.why_cannot)(key.0, key.1);
                return Some(format!(
                    "cannot-link: it would join {} and {}, which differ ({why})",
                    (self.c.record_name)(key.0),
                    (self.c.record_name)(key.1)
                ));
            }
        }
        None
    }

    /// Why an override "different" keeps clusters `gp` and `gq` apart, if one does: a class
    /// of one is an enemy of a class of the other.
    fn overridden(&self, gp: &Group, gq: &Group) -> Option<String> {
        for &(c, m) in &gp.classes {
            for (e, why) in self.c.apart.enemies.get(c as usize).into_iter().flatten() {
                if let Ok(i) = gq.classes.binary_search_by_key(e, |x| x.0) {
                    let other = gq.classes[i].1;
                    return Some(format!(
                        "cannot-link: it would join {} and {}, which differ ({why})",
                        (self.c.record_name)(m.min(other)),
                        (self.c.record_name)(m.max(other))
                    ));
                }
            }
        }
        None
    }

    /// Joins the clusters rooted at positions `p` and `q`: the smaller position stays root,
    /// so a cluster's root is its first record (in the whole run as in a component).
    fn union(&mut self, p: u32, q: u32) {
        let (keep, gone) = if p < q { (p, q) } else { (q, p) };
        self.parent[gone as usize] = keep;
        let moved = self.groups[gone as usize].take().unwrap_or_default();
        let g = self.groups[keep as usize].get_or_insert_default();
        g.pages.extend(moved.pages);
        g.pages.sort_unstable();
        g.pages.dedup();
        for d in moved.dates {
            if !g.dates.contains(&d) {
                g.dates.push(d);
            }
        }
        g.enemies.extend(moved.enemies);
        g.classes.extend(moved.classes);
        g.classes.sort_unstable();
        g.classes.dedup_by_key(|x| x.0);
    }
}

/// True when records `x` and `y` may never share a cluster, judged on their own.
fn incompatible(c: &Constraints, x: u32, y: u32) -> bool {
    let (x, y) = (x as usize, y as usize);
    c.page_of[x] == c.page_of[y]
        || matches!((c.date_of[x], c.date_of[y]), (Some(d1), Some(d2)) if !d1.compatible(&d2))
        || c.cannot_link.contains(&(x.min(y) as u32, x.max(y) as u32))
        || c.apart.differ(x as u32, y as u32).is_some()
}

/// Links of records that match two incompatible records about equally well, by their index
/// in `links`.
fn ambiguous_links(c: &Constraints, links: &[Link], margin: f64) -> BTreeMap<usize, String> {
    // (record, partner, score, link), both ways, grouped by record: one flat list (a map of
    // lists would cost a list per record).
    let mut ends: Vec<(u32, u32, f64, usize)> = Vec::with_capacity(2 * links.len());
    // A must-link is a reviewer's decision, never ambiguous.
    for (i, l) in links.iter().enumerate().filter(|(_, l)| !l.must) {
        ends.push((l.a, l.b, l.score, i));
        ends.push((l.b, l.a, l.score, i));
    }
    // By record, then strongest first, then partner.
    ends.sort_unstable_by(|p, q| p.0.cmp(&q.0).then(q.2.total_cmp(&p.2)).then(p.1.cmp(&q.1)));
    let mut flagged: BTreeMap<usize, String> = BTreeMap::new();
    for group in ends.chunk_by(|p, q| p.0 == q.0) {
        let x = group[0].0;
        let partners: Vec<(u32, f64, usize)> = group.iter().map(|&(_, p, s, i)| (p, s, i)).collect();
        let best = partners[0].1;
        let near: Vec<&(u32, f64, usize)> = partners.iter().take_while(|p| best - p.1 < margin).collect();
        let clash = near.iter().enumerate().find_map(|(i, p)| {
            near[i + 1..]
                .iter()
                .find(|q| incompatible(c, p.0, q.0))
                .map(|q| (*p, *q))
        });
        let Some((p, q)) = clash else { continue };
        let why = format!(
            "ambiguous: {} matches {} ({:.4}) and {} ({:.4}) about equally, and they cannot be one document; left for review",
            (c.record_name)(x),
            (c.record_name)(p.0),
            p.1,
            (c.record_name)(q.0),
            q.1
        );
        // None of its links is credible then, the weaker ones least of all.
        for p in &partners {
            flagged.entry(p.2).or_insert_with(|| why.clone());
        }
    }
    flagged
}

/// The order links are considered in: must-links first, then strongest; ties in a fixed
/// order so that thread count and input order cannot matter.
fn considered_first(x: &Link, y: &Link) -> std::cmp::Ordering {
    y.must
        .cmp(&x.must)
        .then(y.score.total_cmp(&x.score))
        .then((x.a, x.b).cmp(&(y.a, y.b)))
}

/// What one clustering pass over a [`Scope`] produced.
struct Pass {
    /// The root record (a cluster's first record) of each position of the scope.
    roots: Vec<u32>,
    /// Links cut, in the order considered.
    cut: Vec<CutLink>,
    /// Links left ambiguous, with their index in the pass's links.
    ambiguous: Vec<(usize, CutLink)>,
    /// Links considered, in order: each one's index in the pass's links, and its outcome.
    /// Kept small (8 bytes a link, not the 48 of the log's entry) because the parts' passes
    /// are all held at once while their logs are merged.
    log: Vec<(u32, Step)>,
}

/// An [`Outcome`] within a pass: a cut by its index in [`Pass::cut`].
#[derive(Clone, Copy)]
enum Step {
    Joined,
    AlreadyJoined,
    Cut(u32),
}

impl Pass {
    /// The log entries of this pass, for its links (`links[i]` is the pass's link `i`).
    fn entries<'p>(&'p self, link: impl Fn(u32) -> Link + 'p) -> impl Iterator<Item = (Link, Outcome)> + 'p {
        self.log.iter().map(move |&(i, step)| {
            let outcome = match step {
                Step::Joined => Outcome::Joined,
                Step::AlreadyJoined => Outcome::AlreadyJoined,
                Step::Cut(k) => Outcome::Cut(self.cut[k as usize].reason.clone()),
            };
            (link(i), outcome)
        })
    }
}

/// Clusters the records of `scope` from their `links` (both ends in scope) under the
/// constraints, with the cannot-link pairs among them (`cannot`).
fn pass<'c>(
    c: &'c Constraints<'c>,
    scope: Scope<'c>,
    links: &[Link],
    cannot: impl Iterator<Item = (u32, u32)>,
    ambiguity_margin: f64,
) -> Pass {
    let flagged = ambiguous_links(c, links, ambiguity_margin);
    let mut order: Vec<u32> = (0..links.len())
        .filter(|i| !flagged.contains_key(i))
        .map(|i| i as u32)
        .collect();
    order.sort_by(|&x, &y| considered_first(&links[x as usize], &links[y as usize]));
    let mut forest = Forest::new(c, scope, cannot);
    let mut cut = Vec::new();
    let mut log = Vec::with_capacity(order.len());
    for i in order {
        let link = &links[i as usize];
        let (p, q) = (forest.find(link.a), forest.find(link.b));
        forest.ensure(p);
        forest.ensure(q);
        let step = if p == q {
            Step::AlreadyJoined
        } else if let Some(reason) = forest.conflict(p, q, link.must) {
            cut.push(CutLink { link: *link, reason });
            Step::Cut(cut.len() as u32 - 1)
        } else {
            forest.union(p, q);
            Step::Joined
        };
        log.push((i, step));
    }
    let roots = (0..scope.len as u32)
        .map(|i| {
            let r = forest.find(scope.global(i));
            scope.global(r)
        })
        .collect();
    let ambiguous = flagged
        .into_iter()
        .map(|(i, reason)| (i, CutLink { link: links[i], reason }))
        .collect();
    Pass {
        roots,
        cut,
        ambiguous,
        log,
    }
}

/// The clustering of `n` records whose cluster roots are `root_of` (a cluster's first
/// record): clusters ordered by their first member.
fn assemble(
    n: usize,
    root_of: &[u32],
    cut: Vec<CutLink>,
    ambiguous: Vec<CutLink>,
    log: Vec<(Link, Outcome)>,
) -> Clustering {
    let mut index_of_root = vec![u32::MAX; n];
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    let mut cluster_of = vec![0; n];
    for i in 0..n as u32 {
        let r = root_of[i as usize] as usize;
        if index_of_root[r] == u32::MAX {
            index_of_root[r] = clusters.len() as u32;
            clusters.push(Vec::new());
        }
        clusters[index_of_root[r] as usize].push(i);
        cluster_of[i as usize] = index_of_root[r];
    }
    Clustering {
        clusters,
        cluster_of,
        cut,
        ambiguous,
        log,
    }
}

/// Clusters the records from their matched `links` under the constraints, in one pass over
/// every record (see [`cluster_by_component`] for the same result, part by part).
pub fn cluster(c: &Constraints, links: &[Link], ambiguity_margin: f64) -> Clustering {
    let n = c.page_of.len();
    let scope = Scope {
        members: None,
        slot: &[],
        len: n,
    };
    let p = pass(c, scope, links, c.cannot_link.iter().copied(), ambiguity_margin);
    let log = p.entries(|i| links[i as usize]).collect();
    let ambiguous = p.ambiguous.into_iter().map(|(_, l)| l).collect();
    assemble(n, &p.roots, p.cut, ambiguous, log)
}

/// [`cluster`], computed per connected component of the links: the same clusters, cut and
/// ambiguous links and log, byte for byte.
///
/// Why it is the same: every constraint is checked between two clusters a link would join,
/// and the ambiguity of a record is judged among its own links' partners, so records that no
/// chain of links connects never meet; a cluster's root is its first record either way; and
/// the outcomes are merged back in the order one pass would have produced them (the log and
/// the cuts in the order links are considered, the ambiguous links in the order of `links`).
/// Whole components are packed into parts of up to `part_records` records (a larger
/// component is a part of its own), so that the many components of two or three records do
/// not cost a pass each. Parts are clustered in parallel, and the union-find and groups of a
/// part are sized to its records, so memory follows the largest part, not the run.
pub fn cluster_by_component(c: &Constraints, links: &[Link], ambiguity_margin: f64, part_records: usize) -> Clustering {
    let n = c.page_of.len();
    let parts = Parts::of(n, links, part_records);
    // Each part's links, in the order of `links`, and cannot-link pairs, in set order.
    let mut links_of: Vec<Vec<usize>> = vec![Vec::new(); parts.members.len()];
    for (i, l) in links.iter().enumerate() {
        links_of[parts.part_of[l.a as usize] as usize].push(i);
    }
    let mut cannot_of: Vec<Vec<(u32, u32)>> = vec![Vec::new(); parts.members.len()];
    for &(a, b) in c.cannot_link {
        let part = parts.part_of[a as usize];
        if part != NO_PART && part == parts.part_of[b as usize] {
            cannot_of[part as usize].push((a, b));
        }
    }
    let passes: Vec<(Pass, Vec<usize>)> = parts
        .members
        .par_iter()
        .zip(links_of.into_par_iter().zip(cannot_of.into_par_iter()))
        .map(|(members, (ids, cannot))| {
            let scope = Scope {
                members: Some(members),
                slot: &parts.slot,
                len: members.len(),
            };
            let own: Vec<Link> = ids.iter().map(|&i| links[i]).collect();
            (pass(c, scope, &own, cannot.into_iter(), ambiguity_margin), ids)
        })
        .collect();
    let mut root_of: Vec<u32> = (0..n as u32).collect();
    let mut log = Vec::with_capacity(passes.iter().map(|(p, _)| p.log.len()).sum());
    let (mut cut, mut ambiguous) = (Vec::new(), Vec::new());
    for ((p, ids), members) in passes.into_iter().zip(&parts.members) {
        for (&m, &r) in members.iter().zip(&p.roots) {
            root_of[m as usize] = r;
        }
        log.extend(p.entries(|i| links[ids[i as usize]]));
        cut.extend(p.cut);
        ambiguous.extend(p.ambiguous.into_iter().map(|(i, l)| (ids[i], l)));
    }
    // Links are unique by (a, b): these orders are total, as in one pass, and an unstable
    // sort (in place, no buffer of the log's size) gives the same order.
    cut.par_sort_unstable_by(|x, y| considered_first(&x.link, &y.link));
    log.par_sort_unstable_by(|x, y| considered_first(&x.0, &y.0));
    ambiguous.par_sort_unstable_by_key(|(i, _)| *i);
    let ambiguous = ambiguous.into_iter().map(|(_, l)| l).collect();
    assemble(n, &root_of, cut, ambiguous, log)
}

/// [`Parts::part_of`] of a record no link reaches.
const NO_PART: u32 = u32::MAX;

/// The records reached by links, in parts closed under the links: whole connected components,
/// packed in order of their first record.
struct Parts {
    /// Each record's part, or [`NO_PART`].
    part_of: Vec<u32>,
    /// Each record's position among its part's members.
    slot: Vec<u32>,
    /// Each part's records, sorted.
    members: Vec<Vec<u32>>,
}

impl Parts {
    fn of(n: usize, links: &[Link], budget: usize) -> Parts {
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let find = |parent: &mut Vec<u32>, mut x: u32| {
            while parent[x as usize] != x {
                let p = parent[x as usize];
                parent[x as usize] = parent[p as usize];
                x = p;
            }
            x
        };
        let mut linked = vec![false; n];
        for l in links {
            linked[l.a as usize] = true;
            linked[l.b as usize] = true;
            let (p, q) = (find(&mut parent, l.a), find(&mut parent, l.b));
            parent[p.max(q) as usize] = p.min(q);
        }
        // A component's root is its first record: components come in order of it.
        let mut part_of = vec![NO_PART; n];
        let mut sizes: Vec<usize> = Vec::new();
        for i in 0..n as u32 {
            if !linked[i as usize] {
                continue;
            }
            let r = find(&mut parent, i);
            if r == i {
                // A new component: it opens a new part when the last one holds `budget`
                // records (so far: its components' later records count as they come).
                if sizes.last().is_none_or(|&s| s >= budget) {
                    sizes.push(0);
                }
                part_of[i as usize] = (sizes.len() - 1) as u32;
            } else {
                part_of[i as usize] = part_of[r as usize];
            }
            sizes[part_of[i as usize] as usize] += 1;
        }
        let mut members: Vec<Vec<u32>> = sizes.iter().map(|&s| Vec::with_capacity(s)).collect();
        let mut slot = vec![0; n];
        for i in 0..n as u32 {
            let part = part_of[i as usize];
            if part != NO_PART {
                slot[i as usize] = members[part as usize].len() as u32;
                members[part as usize].push(i);
            }
        }
        Parts { part_of, slot, members }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_on_one_fingerprint_keeps_every_copy_apart() {
        // Five copies of one fingerprint (class 0, its own enemy) matching in a chain, and a
        // sixth record: copies stay alone, even through a must-link; the sixth joins one.
        let mut f = Fixture::new(&[0, 1, 2, 3, 4, 5]);
        f.apart.class_of = vec![0, 0, 0, 0, 0, NO_CLASS];
        f.apart.add(0, 0, "override".into());
        let links = [
            link(0, 1, 0.99),
            link(1, 2, 0.95),
            link(2, 3, 0.91),
            link(3, 4, 0.87),
            must(0, 2),
            link(4, 5, 0.95),
        ];
        let c = f.run(&links);
        assert_eq!(c.cut.len(), 5);
        assert_eq!(c.clusters, vec![vec![0], vec![1], vec![2], vec![3], vec![4, 5]]);
        assert!(c.cut.iter().all(|l| l.reason.contains("which differ (override)")));
    }

    struct Fixture {
        pages: Vec<u32>,
        dates: Vec<Option<PartialDate>>,
        cannot: BTreeMap<(u32, u32), String>,
        apart: Apart,
    }

    impl Fixture {
        fn new(pages: &[u32]) -> Fixture {
            Fixture {
                pages: pages.to_vec(),
                dates: vec![None; pages.len()],
                cannot: BTreeMap::new(),
                apart: Apart::default(),
            }
        }

        fn run(&self, links: &[Link]) -> Clustering {
            let page_name = |p: u32| format!("p{p}");
            let record_name = |r: u32| format!("r{r}");
            let c = Constraints {
                page_of: &self.pages,
                date_of: &self.dates,
                cannot_link: &self.cannot.keys().copied().collect(),
                why_cannot: &|a, b| self.cannot[&(a, b)].clone(),
                apart: &self.apart,
                page_name: &page_name,
                record_name: &record_name,
            };
            cluster(&c, links, 0.02)
        }
    }

    fn link(a: u32, b: u32, score: f64) -> Link {
        Link {
            a,
            b,
            score,
            must: false,
        }
    }

    fn must(a: u32, b: u32) -> Link {
        Link {
            a,
            b,
            score: 0.1,
            must: true,
        }
    }

    #[test]
    fn must_links_come_first_and_beat_inferred_constraints_only() {
        // r0 and r1 have incompatible dates and were judged distinct; a must-link joins them
        // anyway, and the scored link 1~2 (stronger, but r2 shares r0's page) is then cut.
        let mut f = Fixture::new(&[0, 1, 0]);
        f.dates = vec![
            crate::normalize::date::parse("1950-02-03"),
            crate::normalize::date::parse("1952-01-01"),
            None,
        ];
        f.cannot.insert((0, 1), "descriptions differ".into());
        let c = f.run(&[link(1, 2, 0.99), must(0, 1)]);
        assert_eq!(c.clusters, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.log[0], (must(0, 1), Outcome::Joined));
        assert!(matches!(&c.log[1].1, Outcome::Cut(r) if r.contains("page p0")));
        // An override "different" stops even a must-link.
        f.apart.class_of = vec![0, 1, NO_CLASS];
        f.apart.add(0, 1, "override".into());
        let c = f.run(&[must(0, 1)]);
        assert_eq!(c.clusters.len(), 3);
        assert_eq!(c.cut.len(), 1);
    }

    #[test]
    fn a_chain_through_one_page_splits_at_its_weakest_link() {
        // A (page 0) ~ B (page 1) ~ C (page 0): A and C may not share a cluster.
        let c = Fixture::new(&[0, 1, 0]).run(&[link(0, 1, 0.99), link(1, 2, 0.93)]);
        assert_eq!(c.clusters, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.cut.len(), 1);
        assert_eq!((c.cut[0].link.a, c.cut[0].link.b), (1, 2));
        assert!(c.cut[0].reason.contains("page p0"), "{}", c.cut[0].reason);
    }

    #[test]
    fn unconstrained_links_join_transitively() {
        let c = Fixture::new(&[0, 1, 2, 3]).run(&[link(0, 1, 0.95), link(1, 2, 0.95)]);
        assert_eq!(c.clusters, vec![vec![0, 1, 2], vec![3]]);
        assert_eq!(c.cluster_of, vec![0, 0, 0, 1]);
    }

    #[test]
    fn a_record_matching_two_different_documents_equally_is_left_for_review() {
        // r2 (no description, say) matches r0 and r1 equally; r0 and r1 were judged different.
        let mut f = Fixture::new(&[0, 1, 2]);
        f.cannot.insert((0, 1), "descriptions differ".into());
        let c = f.run(&[link(0, 2, 1.0), link(1, 2, 1.0)]);
        assert_eq!(c.clusters, vec![vec![0], vec![1], vec![2]]);
        assert_eq!(c.ambiguous.len(), 2);
        assert!(c.ambiguous[0].reason.contains("ambiguous"));
    }

    #[test]
    fn a_clearly_better_match_wins_and_the_other_link_is_cut() {
        let mut f = Fixture::new(&[0, 1, 2]);
        f.cannot.insert((0, 1), "descriptions differ".into());
        let c = f.run(&[link(0, 2, 1.0), link(1, 2, 0.92)]);
        assert_eq!(c.clusters, vec![vec![0, 2], vec![1]]);
        assert!(c.cut[0].reason.contains("r0 and r1"), "{}", c.cut[0].reason);
    }

    #[test]
    fn incompatible_dates_never_share_a_cluster() {
        // A month-only record between two different days of that month.
        let mut f = Fixture::new(&[0, 1, 2]);
        f.dates = vec![
            crate::normalize::date::parse("1950-02-03"),
            crate::normalize::date::parse("1950-02-20"),
            crate::normalize::date::parse("1950-02"),
        ];
        let c = f.run(&[link(0, 2, 1.0), link(1, 2, 0.95)]);
        assert_eq!(c.clusters, vec![vec![0, 2], vec![1]]);
        assert!(c.cut[0].reason.contains("1950-02-03") || c.cut[0].reason.contains("1950-02-20"));
    }
}
