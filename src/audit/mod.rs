//! Audit: everything that lets a person see why concord merged records, what it almost merged,
//! and correct it for good. During `run` it writes `review.csv`, `links.csv`, `summary.csv` and
//! `report.html` beside the core outputs; afterwards `explain` and `review` read the output
//! folder back ([`read`]), so they need nothing but that folder.

pub mod effect;
pub mod explain;
pub mod overrides;
pub mod read;
pub mod report;
pub mod review;
pub mod settled;
pub mod words;

use crate::error::{Error, Warning};
use crate::linkage::cluster::{Clustering, Outcome};
use crate::linkage::compare::MatchDecision;
use crate::linkage::merge::CanonicalRecord;
use crate::linkage::score::{Bands, Scorer};
use crate::output::rows::{LinkRow, ReviewRow, SummaryRow};
use crate::output::{Batch, Fixed};
use crate::record::Record;
use crate::schema::TableRules;
use crate::summary::Summary;
pub use settled::Settled;

/// What a run hands to the audit writers.
pub struct RunAudit<'a> {
    /// Records, in input order.
    pub records: &'a [Record],
    /// The decided pairs, sorted by (a, b), with clustering's outcomes joined: every
    /// decision and reason the audit writes is read through it.
    pub pairs: &'a Settled<'a>,
    /// The override that decided each scored pair, if any.
    pub marks: &'a [Option<Box<overrides::Mark>>],
    /// Clusters and the log of links considered.
    pub clustering: &'a Clustering,
    /// Canonical records.
    pub canonical: &'a [CanonicalRecord],
    /// The run's figures.
    pub summary: &'a Summary,
    /// Warnings, sorted.
    pub warnings: &'a [Warning],
    /// The scorer in force: its bands and evidence.
    pub scorer: &'a dyn Scorer,
    /// The table mapping of a table run (None: pages): names the records' fields.
    pub table: Option<&'a TableRules>,
    /// The canonical ids this run issued, carried over and retired ([`crate::identity`]).
    pub ids: &'a crate::identity::Carried,
    /// What the run was asked to do (`run.json`), when the caller said.
    pub invocation: Option<&'a str>,
    /// The queries the pages are pages of (empty for tables).
    pub completeness: &'a [crate::completeness::Query],
}

impl RunAudit<'_> {
    /// The size of each record's document.
    fn size_of(&self) -> Vec<usize> {
        let mut size = vec![1; self.records.len()];
        for c in self.canonical {
            for &m in &c.members {
                size[m as usize] = c.members.len();
            }
        }
        size
    }

    /// Canonical id of each record.
    fn canonical_of(&self) -> Vec<&str> {
        let mut of = vec![""; self.records.len()];
        for c in self.canonical {
            for &m in &c.members {
                of[m as usize] = c.id.as_str();
            }
        }
        of
    }
}

/// Writes `review.csv`, `links.csv`, `summary.csv` and `report.html` into `dir`.
pub fn write_all(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    write_review(batch, a)?;
    write_links(batch, a)?;
    write_summary(batch, a)?;
    report::write(batch, a)
}

/// Indices of the pairs finally decided review (ambiguous links included), the most
/// informative first:
/// 1. pairs the scorer scored a match that a rule held back (thin evidence, a cut title, an
///    ambiguous link): scorer and rules disagree, and that is where the missed duplicates
///    are (on synthetic scrapes with truth, every duplicate left in review was one of them;
///    BENCHMARKS.md, "The review queue");
/// 2. then the others, most uncertain first (closest to the middle of the scorer's review
///    band, [`Bands::centre`]).
///
/// Within each, the answer's effect on the clusters comes before uncertainty: the pair whose
/// answer would move more records (the smaller of its two documents, `size_of` giving each
/// record's document size) first. Ties in pair order, so the queue is deterministic.
pub fn review_queue(pairs: &Settled, bands: &Bands, size_of: impl Fn(u32) -> usize) -> Vec<usize> {
    let mid = bands.centre();
    let scored = pairs.pairs();
    let key = |i: usize| {
        let s = &scored[i];
        let held = s.score >= bands.match_at;
        let moved = size_of(s.pair.a).min(size_of(s.pair.b));
        // Effect weighs within the held group; the band's pairs go by uncertainty first.
        let effect = if held { moved } else { 0 };
        (
            !held,
            std::cmp::Reverse(effect),
            (s.score - mid).abs(),
            std::cmp::Reverse(moved),
            i,
        )
    };
    let mut q: Vec<usize> = (0..pairs.len())
        .filter(|&i| pairs.decision(i) == MatchDecision::Review)
        .collect();
    q.sort_by(|&x, &y| {
        let (kx, ky) = (key(x), key(y));
        (kx.0, kx.1)
            .cmp(&(ky.0, ky.1))
            .then(kx.2.total_cmp(&ky.2))
            .then((kx.3, kx.4).cmp(&(ky.3, ky.4)))
    });
    q
}

fn write_review(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let bands = a.scorer.bands();
    let mid = bands.centre();
    let size_of = a.size_of();
    let rows = review_queue(a.pairs, &bands, |r| size_of[r as usize])
        .into_iter()
        .enumerate()
        .map(|(rank, i)| {
            let s = &a.pairs.pairs()[i];
            let (x, y) = (&a.records[s.pair.a as usize], &a.records[s.pair.b as usize]);
            // A table pair has no title or description similarity (as in decisions).
            let page = a.table.is_none();
            ReviewRow {
                rank: rank as u64 + 1,
                record_a: x.id(),
                record_b: y.id(),
                fingerprint_a: x.fingerprint.to_string(),
                fingerprint_b: y.fingerprint.to_string(),
                title_similarity: page.then_some(Fixed(s.title)),
                description_similarity: s.description.filter(|_| page).map(Fixed),
                score: Fixed(s.score),
                boundary_distance: Fixed((s.score - mid).abs()),
                reason: a.pairs.reason(i).into_owned(),
                title_a: x.raw.title().to_string(),
                title_b: y.raw.title().to_string(),
            }
        });
    batch.table("review", &ReviewRow::columns(), rows)
}

/// A warning for each override "same" that clustering could not honour because a constraint
/// (same page, or an override "different") forbids it: the reviewer should know.
pub fn unhonoured_overrides(clustering: &Clustering, records: &[Record]) -> Vec<Warning> {
    clustering
        .cut
        .iter()
        .filter(|c| c.link.must)
        .map(|c| {
            Warning::general(format!(
                "override same on {} and {} was not applied: {}",
                records[c.link.a as usize].id(),
                records[c.link.b as usize].id(),
                c.reason
            ))
        })
        .collect()
}

/// The word for a link's outcome in `links.csv`.
pub fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Joined => "joined",
        Outcome::AlreadyJoined => "already-joined",
        Outcome::Cut(_) => "cut",
    }
}

fn write_links(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let canonical_of = a.canonical_of();
    // Links left for review as ambiguous were never considered; they are listed last.
    let ambiguous = a
        .clustering
        .ambiguous
        .iter()
        .map(|c| (&c.link, "ambiguous", c.reason.as_str()));
    let considered = a.clustering.log.iter().map(|(link, outcome)| {
        let reason = match outcome {
            Outcome::Joined => "joined two clusters",
            Outcome::AlreadyJoined => "already in one cluster through stronger links",
            Outcome::Cut(r) => r.as_str(),
        };
        (link, outcome_word(outcome), reason)
    });
    let rows = considered
        .chain(ambiguous)
        .enumerate()
        .map(|(n, (link, outcome, reason))| LinkRow {
            order: n as u64 + 1,
            record_a: a.records[link.a as usize].id(),
            record_b: a.records[link.b as usize].id(),
            link: if link.must { "override" } else { "score" }.to_string(),
            score: Fixed(link.score),
            outcome: outcome.to_string(),
            canonical_a: canonical_of[link.a as usize].to_string(),
            canonical_b: canonical_of[link.b as usize].to_string(),
            reason: reason.to_string(),
        });
    batch.table("links", &LinkRow::columns(), rows)
}

fn write_summary(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let figures = a.summary.rows().into_iter().map(|(name, value)| SummaryRow {
        name: name.to_string(),
        value: value.to_string(),
    });
    // The thresholds and settings of the scorer that decided the pairs.
    let settings = a
        .scorer
        .settings()
        .into_iter()
        .map(|(name, value)| SummaryRow { name, value });
    batch.table("summary", &SummaryRow::columns(), figures.chain(settings))
}
