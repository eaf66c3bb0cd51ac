//! The final decision and reason of each pair: the decided pairs (as the overrides stage left
//! them) with clustering's outcomes joined when they are read, never written back.
//!
//! Clustering cuts a few matched links (a constraint forbade them) and leaves a few others
//! ambiguous (a record matched two documents about equally): a few thousand at a million
//! records, against millions of pairs. Rewriting the pairs after clustering would make a
//! later stage change an earlier stage's value; copying them would double the largest list
//! of the run. So [`Settled`] borrows the pairs and keeps only the list of pairs clustering
//! touched (sorted by pair index), and every reader of a final decision or reason
//! (`decisions`, `review`, `report.html`, the summary's counts) asks it.
//!
//! It lives in the audit, not in the pipeline: the audit's writers read it, and the pipeline
//! imports the audit (not the other way round), so both reach it without a cycle.

use std::borrow::Cow;

use crate::linkage::cluster::{Clustering, CutLink};
use crate::linkage::compare::{MatchDecision, ScoredPair};

/// What clustering did with one pair's link.
#[derive(Debug, Clone, Copy)]
struct Joined<'a> {
    /// Index of the pair in the pairs.
    pair: usize,
    /// The link and why clustering did not join it.
    link: &'a CutLink,
    /// Left ambiguous: the pair is decided review (a cut link keeps its decision).
    review: bool,
}

/// The decided pairs with clustering's cut and ambiguous links joined: a pair clustering cut
/// reads "{reason}; not joined in clustering: {why}", decision unchanged; an ambiguous one
/// the same, decided review. Built once per reading, in O(k log n) for k such links; each
/// look-up is a binary search among the k (no allocation unless the reason is joined).
#[derive(Debug, Clone)]
pub struct Settled<'a> {
    pairs: &'a [ScoredPair],
    /// Sorted by pair index; for one pair, cut before ambiguous (the order the reasons are
    /// appended in).
    joined: Vec<Joined<'a>>,
}

impl<'a> Settled<'a> {
    /// The pairs (sorted by (a, b)) with the outcomes of `clustering` joined. A link not
    /// among the pairs is ignored (every link clustering takes comes from them).
    pub fn new(pairs: &'a [ScoredPair], clustering: &'a Clustering) -> Settled<'a> {
        let index = |link: &CutLink| {
            pairs
                .binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(link.link.a, link.link.b)))
                .ok()
        };
        let cut = clustering.cut.iter().map(|c| (c, false));
        let ambiguous = clustering.ambiguous.iter().map(|c| (c, true));
        let mut joined: Vec<Joined> = cut
            .chain(ambiguous)
            .filter_map(|(link, review)| index(link).map(|pair| Joined { pair, link, review }))
            .collect();
        // Stable: a pair both cut and ambiguous keeps the cut's reason first.
        joined.sort_by_key(|j| j.pair);
        Settled { pairs, joined }
    }

    /// The decided pairs, as the overrides stage left them (scores, evidence, the pair).
    pub fn pairs(&self) -> &'a [ScoredPair] {
        self.pairs
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there is no pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// What clustering did with pair `i`'s link (empty for most pairs).
    fn outcomes(&self, i: usize) -> &[Joined<'a>] {
        let start = self.joined.partition_point(|j| j.pair < i);
        let end = start + self.joined[start..].partition_point(|j| j.pair == i);
        &self.joined[start..end]
    }

    /// The final decision of pair `i`: review if clustering left its link ambiguous, else
    /// the decided one.
    pub fn decision(&self, i: usize) -> MatchDecision {
        match self.outcomes(i).iter().any(|j| j.review) {
            true => MatchDecision::Review,
            false => self.pairs[i].decision,
        }
    }

    /// The final reason of pair `i`: the decided one, with why clustering did not join its
    /// link appended (borrowed from the pair when clustering did nothing with it).
    pub fn reason(&self, i: usize) -> Cow<'a, str> {
        let pairs: &'a [ScoredPair] = self.pairs;
        let reason = pairs[i].reason();
        let outcomes = self.outcomes(i);
        if outcomes.is_empty() {
            return reason;
        }
        let mut text = reason.into_owned();
        for j in outcomes {
            text.push_str("; not joined in clustering: ");
            text.push_str(&j.link.reason);
        }
        Cow::Owned(text)
    }

    /// How many pairs are finally decided `d`: the decided count, corrected by the few pairs
    /// clustering sent to review (no look-up per pair).
    pub fn count(&self, d: MatchDecision) -> usize {
        let decided = self.pairs.iter().filter(|s| s.decision == d).count();
        let mut moved: Vec<usize> = self.joined.iter().filter(|j| j.review).map(|j| j.pair).collect();
        moved.dedup();
        let moved = moved.into_iter().map(|i| self.pairs[i].decision);
        let (left, came) = match d {
            MatchDecision::Review => (0, moved.filter(|&was| was != MatchDecision::Review).count()),
            _ => (moved.filter(|&was| was == d).count(), 0),
        };
        decided - left + came
    }
}
