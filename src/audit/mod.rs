//! Audit: everything that lets a person see why concord merged records, what it almost merged,
//! and correct it for good. During `run` it writes `review.csv`, `links.csv`, `summary.csv` and
//! `report.html` beside the CSV outputs; afterwards `explain` and `review` read the output
//! folder back ([`read`]), so they need nothing but that folder.

pub mod explain;
pub mod overrides;
pub mod read;
pub mod report;
pub mod review;

use crate::cluster::{Clustering, Outcome};
use crate::compare::{MatchDecision, ScoredPair};
use crate::error::{Error, Warning};
use crate::merge::CanonicalRecord;
use crate::output::{Batch, fixed};
use crate::pipeline::Summary;
use crate::record::Record;
use crate::schema::TableRules;
use crate::score::{Bands, Scorer};

/// What a run hands to the audit writers.
pub struct RunAudit<'a> {
    /// Records, in input order.
    pub records: &'a [Record],
    /// Scored pairs, sorted by (a, b), overrides applied.
    pub scored: &'a [ScoredPair],
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
}

impl RunAudit<'_> {
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

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// Indices of the review pairs, most uncertain first (closest to the middle of the scorer's
/// review band, [`Bands::centre`]); ties in pair order, so the queue is deterministic.
pub fn review_queue(scored: &[ScoredPair], bands: &Bands) -> Vec<usize> {
    let mid = bands.centre();
    let mut q: Vec<usize> = (0..scored.len())
        .filter(|&i| scored[i].decision == MatchDecision::Review)
        .collect();
    q.sort_by(|&x, &y| {
        let (dx, dy) = ((scored[x].score - mid).abs(), (scored[y].score - mid).abs());
        dx.total_cmp(&dy).then(x.cmp(&y))
    });
    q
}

fn write_review(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let bands = a.scorer.bands();
    let mid = bands.centre();
    batch.stage("review.csv", |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record([
            "rank",
            "record_a",
            "record_b",
            "fingerprint_a",
            "fingerprint_b",
            "title_similarity",
            "description_similarity",
            "score",
            "boundary_distance",
            "reason",
            "title_a",
            "title_b",
        ])
        .map_err(csv_err)?;
        for (rank, i) in review_queue(a.scored, &bands).into_iter().enumerate() {
            let s = &a.scored[i];
            let (x, y) = (&a.records[s.pair.a as usize], &a.records[s.pair.b as usize]);
            // A table pair has no title or description similarity (as in decisions.csv).
            let (title, description) = match a.table {
                None => (fixed(s.title), s.description.map(fixed).unwrap_or_default()),
                Some(_) => (String::new(), String::new()),
            };
            c.write_record([
                &(rank + 1).to_string(),
                &x.id(),
                &y.id(),
                &x.fingerprint.to_string(),
                &y.fingerprint.to_string(),
                &title,
                &description,
                &fixed(s.score),
                &fixed((s.score - mid).abs()),
                s.reason().as_ref(),
                x.raw.title(),
                y.raw.title(),
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
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
    batch.stage("links.csv", |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record([
            "order",
            "record_a",
            "record_b",
            "link",
            "score",
            "outcome",
            "canonical_a",
            "canonical_b",
            "reason",
        ])
        .map_err(csv_err)?;
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
        for (n, (link, outcome, reason)) in considered.chain(ambiguous).enumerate() {
            let order = (n + 1).to_string();
            c.write_record([
                order.as_str(),
                a.records[link.a as usize].id().as_str(),
                a.records[link.b as usize].id().as_str(),
                if link.must { "override" } else { "score" },
                fixed(link.score).as_str(),
                outcome,
                canonical_of[link.a as usize],
                canonical_of[link.b as usize],
                reason,
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}

fn write_summary(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    batch.stage("summary.csv", |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(["name", "value"]).map_err(csv_err)?;
        for (name, value) in a.summary.rows() {
            c.write_record([name, &value.to_string()]).map_err(csv_err)?;
        }
        // The thresholds and settings of the scorer that decided the pairs.
        for (name, value) in a.scorer.settings() {
            c.write_record([name, value]).map_err(csv_err)?;
        }
        c.flush()
    })
}
