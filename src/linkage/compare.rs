//! Comparison: each candidate pair gets per-field similarities, a score and a decision
//! (match, review or no-match) with the reason in words. Pairs are scored in parallel.

use rayon::prelude::*;

use crate::linkage::block::CandidatePair;
pub use crate::linkage::similarity::{DescriptionMode, similarity};
use crate::linkage::similarity::{char_count, prefix_similarity_at_least, text_similarity};
use crate::normalize::date::Precision;
use crate::record::Record;
use crate::rules::ComparisonRules;

/// What was decided for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchDecision {
    /// The same document.
    Match,
    /// Uncertain: a person should look.
    Review,
    /// Different documents.
    NoMatch,
}

impl MatchDecision {
    /// The word written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchDecision::Match => "match",
            MatchDecision::Review => "review",
            MatchDecision::NoMatch => "no-match",
        }
    }

    /// The decision a word of the outputs names ([`MatchDecision::as_str`]).
    pub fn parse(word: &str) -> Option<MatchDecision> {
        [MatchDecision::Match, MatchDecision::Review, MatchDecision::NoMatch]
            .into_iter()
            .find(|d| d.as_str() == word)
    }
}

/// A compared pair.
#[derive(Debug, Clone)]
pub struct ScoredPair {
    /// The pair and the block that produced it.
    pub pair: CandidatePair,
    /// Title similarity in [0, 1].
    pub title: f64,
    /// Description similarity in [0, 1], when both have one.
    pub description: Option<f64>,
    /// How the descriptions were compared.
    pub description_mode: DescriptionMode,
    /// Combined score in [0, 1].
    pub score: f64,
    /// The decision.
    pub decision: MatchDecision,
    /// Why, as data: [`ScoredPair::reason`] says it in words.
    pub why: Reason,
    /// The evidence says these are different documents (their descriptions or the numbers in
    /// their titles disagree), not merely that it is too thin to match: clustering keeps
    /// them apart (cannot-link).
    pub distinct: bool,
    /// The Fellegi-Sunter detail, when that scorer decided the pair (then `score` is the
    /// match probability).
    pub fs: Option<Box<FsDetail>>,
}

/// Why a pair was decided as it was. The commonest reasons, a similarity under its minimum,
/// are kept as data and put in words when read: most pairs of a large run are such
/// non-matches, and a sentence held for each would weigh more than the rest of the pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The title similarity is under `minimum`; `review`: the score is in the review band.
    TitleBelow {
        /// `min_title_similarity`.
        minimum: f64,
        /// The score reached the review threshold.
        review: bool,
    },
    /// The description similarity is under `minimum`; `review` as above.
    DescriptionBelow {
        /// `min_description_similarity`.
        minimum: f64,
        /// The score reached the review threshold.
        review: bool,
    },
    /// The score against the thresholds, on `evidence` (the reason of every match and of
    /// most review pairs), and the thin evidence that sent a match to review, if any.
    Threshold {
        /// `match_threshold`.
        match_at: f64,
        /// `review_threshold`.
        review_at: f64,
        /// What the score rests on.
        evidence: Evidence,
        /// Why a match was left for review instead.
        thin: Option<Thin>,
    },
    /// Any other reason, in words (boxed: no spare capacity held).
    Text(Box<str>),
}

/// What a weighted score rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Both titles and both descriptions.
    TitleAndDescription,
    /// The titles only: a description is missing (or too short a copy to count).
    TitleOnly,
    /// The descriptions only: a title is missing (a title-less listing), and a missing title
    /// is no evidence.
    DescriptionOnly,
}

impl Evidence {
    fn words(self) -> &'static str {
        match self {
            Evidence::TitleAndDescription => "title and description",
            Evidence::TitleOnly => "title only (a description is missing)",
            Evidence::DescriptionOnly => "description alone (a title is missing)",
        }
    }
}

/// Why evidence that reached the match threshold is too thin to act on alone (see
/// `thin_evidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thin {
    /// A title alone, titles not near-identical.
    TitlesNotNearIdentical,
    /// A title alone, dates not the same as written.
    TitleAloneDatesDiffer,
    /// A title alone that other documents of the run carry too.
    TitleShared,
    /// A truncated description, dates not the same.
    TruncatedDatesDiffer,
    /// A truncated description with no title to compare.
    TruncatedWithoutTitle,
    /// One record has no date, and the titles or the descriptions are not near-identical.
    UndatedNotNearIdentical,
}

impl Thin {
    fn words(self) -> &'static str {
        match self {
            Thin::TitlesNotNearIdentical => "on title alone with titles not near-identical",
            Thin::TitleAloneDatesDiffer => "on title alone with dates not the same",
            Thin::TitleShared => "on title alone, and other documents carry this title",
            Thin::TruncatedDatesDiffer => "on a truncated description with dates not the same",
            Thin::TruncatedWithoutTitle => "on a truncated description alone, with no title to compare",
            Thin::UndatedNotNearIdentical => "with one record undated and titles or descriptions not near-identical",
        }
    }
}

/// Scores and thresholds in reasons, as `{:.4}` and `{:.2}` write them (without the float
/// formatter's slow path: a reason is put in words for every pair written).
fn f4(x: f64) -> crate::linkage::score::Decimals<4> {
    crate::linkage::score::Decimals(x)
}
fn f2(x: f64) -> crate::linkage::score::Decimals<2> {
    crate::linkage::score::Decimals(x)
}

/// The words of [`Reason::Threshold`] for `score`.
fn threshold_words(score: f64, match_at: f64, review_at: f64, evidence: Evidence, thin: Option<Thin>) -> String {
    let evidence = evidence.words();
    let text = if score >= match_at {
        format!("score {} >= match threshold {} on {evidence}", f4(score), f2(match_at))
    } else if score >= review_at {
        format!(
            "score {} between review {} and match {} thresholds on {evidence}",
            f4(score),
            f2(review_at),
            f2(match_at)
        )
    } else {
        format!("score {} < review threshold {}", f4(score), f2(review_at))
    };
    match thin {
        Some(t) => format!("{text}, but {}: left for review", t.words()),
        None => text,
    }
}

impl ScoredPair {
    /// Why, in words.
    pub fn reason(&self) -> std::borrow::Cow<'_, str> {
        let below = |what: &str, similarity: f64, minimum: f64, review: bool| {
            let band = if review {
                format!("; score {} is in the review band", f4(self.score))
            } else {
                String::new()
            };
            format!("{what} similarity {} < minimum {}{band}", f4(similarity), f2(minimum)).into()
        };
        match &self.why {
            Reason::Text(t) => (**t).into(),
            Reason::Threshold {
                match_at,
                review_at,
                evidence,
                thin,
            } => threshold_words(self.score, *match_at, *review_at, *evidence, *thin).into(),
            Reason::TitleBelow { minimum, review } => below("title", self.title, *minimum, *review),
            Reason::DescriptionBelow { minimum, review } => {
                below("description", self.description.unwrap_or(0.0), *minimum, *review)
            }
        }
    }

    /// Replaces the reason with `text`.
    pub fn set_reason(&mut self, text: String) {
        self.why = Reason::Text(text.into_boxed_str());
    }
}

/// A pair as the Fellegi-Sunter model scored it: the waterfall of its match weight.
#[derive(Debug, Clone, PartialEq)]
pub struct FsDetail {
    /// Match weight: the prior's weight plus every contribution.
    pub match_weight: f64,
    /// The prior's weight, log2 of the odds that two random records match.
    pub prior_weight: f64,
    /// Level of each comparison (`None`: a value is missing).
    pub levels: Vec<Option<u8>>,
    /// Contribution of each comparison, log2 of its Bayes factor (0 when null).
    pub weights: Vec<f64>,
}

/// Scores one pair.
pub fn compare(pair: &CandidatePair, x: &Record, y: &Record, rules: &ComparisonRules) -> ScoredPair {
    let mut out = compare_texts(pair, x, y, rules);
    if let Some(differ) = layout_fields_differ(x, y, rules) {
        out.decision = MatchDecision::NoMatch;
        out.distinct = true;
        out.why = Reason::Text(differ.into());
    }
    out
}

/// When two records show a field of `fields_must_agree` (a layout's own, such as "kind")
/// with values that differ once normalized: what differs, for the reason.
pub fn layout_fields_differ(x: &Record, y: &Record, rules: &ComparisonRules) -> Option<String> {
    fn value<'r>(r: &'r Record, name: &str) -> Option<&'r str> {
        let fields = r.raw.extra_fields();
        fields.iter().find(|(n, _)| &**n == name).map(|(_, v)| v.as_str())
    }
    rules.fields_must_agree.iter().find_map(|name| {
        let (a, b) = (value(x, name)?, value(y, name)?);
        (crate::normalize::match_key(a) != crate::normalize::match_key(b))
            .then(|| format!("{name} differs ({a} / {b})"))
    })
}

/// The comparison of a pair's texts (title, description), before the fields of a layout's
/// own are checked.
fn compare_texts(pair: &CandidatePair, x: &Record, y: &Record, rules: &ComparisonRules) -> ScoredPair {
    if x.title_key().is_empty() || y.title_key().is_empty() {
        return compare_untitled(pair, x, y, rules);
    }
    let title_prefix = title_prefix_chars(x, y, rules);
    let (title, title_mode) = text_similarity(x.title_key(), y.title_key(), title_prefix, rules);
    let (description, description_mode) = descriptions(x, y, rules);
    let score = match description {
        Some(d) => {
            (rules.title_weight * title + rules.description_weight * d)
                / (rules.title_weight + rules.description_weight)
        }
        None => title,
    };
    let (mut decision, mut why) = decide(x, y, title, description, score, rules);
    let mut numbers_in_descriptions = false;
    if decision == MatchDecision::Match {
        if let Some(n) = description_numbers_differ(x, y, description, description_mode) {
            decision = MatchDecision::NoMatch;
            numbers_in_descriptions = true;
            why = Reason::Text(format!("descriptions name different numbers ({n})").into());
        } else if let Some(cut) = cut_title_unsettled(x, y, title_mode, rules) {
            decision = MatchDecision::Review;
            why = Reason::Text(format!("{}, but {cut}: left for review", threshold_reason(&why, score)).into());
        } else if let Some(thin) = thin_evidence(x, y, (title, description), description_mode, rules) {
            decision = MatchDecision::Review;
            if let Reason::Threshold { thin: t, .. } = &mut why {
                *t = Some(thin);
            }
        }
    }
    let numbers_differ = numbers_differ(x, y, rules);
    let distinct = decision == MatchDecision::NoMatch
        && (numbers_differ
            || numbers_in_descriptions
            || description.is_some_and(|d| d < rules.min_description_similarity));
    ScoredPair {
        distinct,
        pair: *pair,
        title,
        description,
        description_mode,
        score,
        decision,
        why,
        fs: None,
    }
}

/// The descriptions' similarity and how they were compared: whole, or as a prefix (a
/// truncated copy at least `min_prefix_chars` long); None when one is missing or too short a
/// truncated copy to count for or against (no evidence).
fn descriptions(x: &Record, y: &Record, rules: &ComparisonRules) -> (Option<f64>, DescriptionMode) {
    match (x.description_key(), y.description_key()) {
        (Some(a), Some(b)) => {
            let (s, mode) = text_similarity(a, b, Some(rules.min_prefix_chars), rules);
            if s < rules.min_description_similarity && is_short_prefix(a, b, rules) {
                (None, DescriptionMode::ShortPrefix)
            } else {
                (Some(s), mode)
            }
        }
        _ => (None, DescriptionMode::Missing),
    }
}

/// Scores a pair in which a title is missing (a title-less listing reads its records as a
/// date and a description). A missing title is no evidence, like a missing description: two
/// missing titles do not agree. The pair rests on its descriptions alone, which must agree to
/// `description_only_min_similarity` (stricter than a description beside a title); the
/// dates were made compatible by blocking. Descriptions compared whole that name different
/// numbers are different documents; a truncated description goes to review unless it
/// identifies one document within the pair's date (the archive's descriptions begin alike:
/// measured on generated pages, such matches were often two documents); without two
/// descriptions to compare there is no evidence at all: no match.
fn compare_untitled(pair: &CandidatePair, x: &Record, y: &Record, rules: &ComparisonRules) -> ScoredPair {
    let (description, description_mode) = descriptions(x, y, rules);
    let mut out = ScoredPair {
        pair: *pair,
        title: 0.0,
        description,
        description_mode,
        score: description.unwrap_or(0.0),
        decision: MatchDecision::NoMatch,
        why: Reason::Text("a title is missing and there are no descriptions to compare: no evidence".into()),
        distinct: false,
        fs: None,
    };
    let Some(d) = description else { return out };
    let review = d >= rules.review_threshold;
    out.decision = if review {
        MatchDecision::Review
    } else {
        MatchDecision::NoMatch
    };
    if d < rules.min_description_similarity {
        let minimum = rules.min_description_similarity;
        out.why = Reason::DescriptionBelow { minimum, review };
        out.distinct = !review;
        return out;
    }
    let mut thin = None;
    if d >= rules.description_only_min_similarity {
        out.decision = MatchDecision::Match;
        if let Some(n) = description_numbers_differ(x, y, description, description_mode) {
            out.decision = MatchDecision::NoMatch;
            out.distinct = true;
            out.why = Reason::Text(format!("descriptions name different numbers ({n})").into());
            return out;
        }
        // Without a title, a truncated description is its first sentence or two, and the
        // archive's descriptions begin alike ("The document also mentions ..."): acted on
        // only when the copy begins the other exactly and no other document of the date
        // begins so (one word apart, "in Moscow" / "in Lushun", is another document).
        if description_mode == DescriptionMode::Prefix && (d < 1.0 || !truncated_description_identifies(x, y)) {
            out.decision = MatchDecision::Review;
            thin = Some(Thin::TruncatedWithoutTitle);
        }
    }
    out.why = Reason::Threshold {
        match_at: rules.description_only_min_similarity,
        review_at: rules.review_threshold,
        evidence: Evidence::DescriptionOnly,
        thin,
    };
    out
}

/// The shortest title compared as a prefix of the other: none unless a record was cut off by
/// the end of its page; a title of any length when the shorter title is the cut record's (a
/// page cut inside it after a few characters: "Polish M"), which links only when its
/// beginning identifies one document ([`cut_title_unsettled`]); else
/// `min_title_prefix_chars`.
fn title_prefix_chars(x: &Record, y: &Record, rules: &ComparisonRules) -> Option<usize> {
    if !x.raw.partial && !y.raw.partial {
        return None;
    }
    let (nx, ny) = (char_count(x.title_key()), char_count(y.title_key()));
    let shorter_cut = (nx <= ny && x.raw.partial) || (ny <= nx && y.raw.partial);
    Some(if shorter_cut { 1 } else { rules.min_title_prefix_chars })
}

/// Why a title match on a cut title is not acted on, in words, if it is not. A cut title
/// (of any length: "Polish M", "Minutes of C") links only when, within its compatible dates,
/// exactly one document on other pages begins that way, and the beginning is rare in its
/// year ([`crate::normalize::mark_cut_titles`] counted both); and not to a whole title that
/// does not identify one document (the whole record's
/// [`crate::normalize::TitleSignal::shared`]): what was cut off could be any of them.
fn cut_title_unsettled(x: &Record, y: &Record, title_mode: DescriptionMode, rules: &ComparisonRules) -> Option<String> {
    if title_mode != DescriptionMode::Prefix {
        return None;
    }
    let (cut, full) = if char_count(x.title_key()) <= char_count(y.title_key()) {
        (x, y)
    } else {
        (y, x)
    };
    let n = char_count(cut.title_key());
    if crate::normalize::is_cut_title(cut, rules.min_title_prefix_chars)
        && let Some(why) = cut_title_documents_unsettled(cut, n)
    {
        return Some(why);
    }
    // Documents are counted by their titles: two documents of one title (siblings of a day)
    // count once, and the other record's own signal tells them apart.
    full.title_signal.shared.then(|| {
        format!("on a title cut to {n} characters whose whole title other documents of a compatible date carry")
    })
}

/// Why a title cut to `n` characters does not identify one document, if it does not.
fn cut_title_documents_unsettled(cut: &Record, n: usize) -> Option<String> {
    let documents = cut.cut_title_documents;
    if documents != 1 {
        let many = if documents == u16::MAX {
            format!("{documents} or more")
        } else {
            documents.to_string()
        };
        return Some(format!(
            "on a title cut to {n} characters that {many} documents of a compatible date on other pages begin with"
        ));
    }
    cut.cut_title_common.then(|| {
        format!(
            "on a title cut to {n} characters that one document of a compatible date begins with, but so many of its year do that another is expected within the date"
        )
    })
}

/// The words of a threshold reason (`why`) for `score`, without its thin evidence.
fn threshold_reason(why: &Reason, score: f64) -> String {
    match why {
        Reason::Threshold {
            match_at,
            review_at,
            evidence,
            ..
        } => threshold_words(score, *match_at, *review_at, *evidence, None),
        _ => format!("score {score:.4}"),
    }
}

/// The differing numbers when two descriptions compared whole name different numbers ("557
/// machine tools" / "7842 machine tools"): two documents, however alike the rest. A truncated
/// copy (prefix mode, or a record cut off by the end of its page) may have lost its numbers,
/// so it is not judged this way.
fn description_numbers_differ(x: &Record, y: &Record, d: Option<f64>, mode: DescriptionMode) -> Option<String> {
    if mode != DescriptionMode::Full || d.is_none_or(|d| d >= 1.0) || x.raw.partial || y.raw.partial {
        return None;
    }
    let (a, b) = (x.description_key()?, y.description_key()?);
    let (na, nb) = (crate::normalize::numbers(a), crate::normalize::numbers(b));
    (na != nb).then(|| format!("{} / {}", na.join(" "), nb.join(" ")))
}

/// Why a match rests on evidence too thin to act on alone, if it does. A person decides:
/// - a title alone (a description is missing or too short a copy) that is not near-identical
///   (`title_only_min_similarity`): "Speech by Lê Duẩn at ..." / "Speech by I.V. Stalin at ...";
/// - a title alone, with dates not the same as written (one known only to the month or year,
///   or missing): another document of that title may fit the coarser date as well, unless
///   the pair is a coarse copy (see [`coarse_copy`]) whose title is rare in the run;
/// - a title alone that other documents of the run carry too: it does not identify one;
/// - a truncated description (prefix mode) with dates not the same: the copy's lost text
///   and the coarse date could both hide a different document, unless the pair is a coarse
///   copy and no other document of the title within the coarser date begins its description
///   alike;
/// - one record undated and the other dated, titles or descriptions not near-identical: the
///   date that would have told two documents of like titles and descriptions apart is missing.
fn thin_evidence(
    x: &Record,
    y: &Record,
    (title, description): (f64, Option<f64>),
    mode: DescriptionMode,
    rules: &ComparisonRules,
) -> Option<Thin> {
    let same_dates = matches!((x.date(), y.date()), (Some(a), Some(b)) if a == b);
    let title_only = matches!(mode, DescriptionMode::Missing | DescriptionMode::ShortPrefix);
    let undescribed = x.description_key().is_none() && y.description_key().is_none();
    if title_only && title < rules.title_only_min_similarity {
        Some(Thin::TitlesNotNearIdentical)
    } else if title_only && same_dates {
        let shared = |r: &Record| match undescribed {
            true => r.title_signal.undescribed.shared,
            false => r.title_signal.shared,
        };
        (shared(x) || shared(y)).then_some(Thin::TitleShared)
    } else if title_only {
        let known = coarse_copy(x, y, rules.coarse_copy_precision)
            .is_some_and(|(coarse, fine)| coarse.title_signal.rare && !fine.title_signal.shared)
            || (undescribed && undescribed_coarse_copy(x, y, rules.coarse_undescribed_copy_precision));
        (!known).then_some(Thin::TitleAloneDatesDiffer)
    } else if mode == DescriptionMode::Prefix && !same_dates {
        let known = coarse_copy(x, y, rules.coarse_truncated_copy_precision)
            .is_some_and(|(coarse, fine)| truncated_copy_alike(coarse, fine));
        (!known).then_some(Thin::TruncatedDatesDiffer)
    } else if (x.date().is_none() != y.date().is_none())
        && (title < rules.title_only_min_similarity || description.is_some_and(|d| d < rules.title_only_min_similarity))
    {
        Some(Thin::UndatedNotNearIdentical)
    } else {
        None
    }
}

/// The pair as (coarser, finer) when it may be one document shown at two precisions: one
/// date inside the other, the coarser known at least to `finest` ("May 1964" and "May 14,
/// 1964"); or both undated (two copies of a document the archive has no date for: the
/// coarser date is then the whole run).
fn coarse_copy<'r>(x: &'r Record, y: &'r Record, finest: Precision) -> Option<(&'r Record, &'r Record)> {
    match (x.date(), y.date()) {
        (None, None) => Some((x, y)),
        (Some(a), Some(b)) => {
            let (coarse, fine, date) = if a.precision() <= b.precision() {
                (x, y, a)
            } else {
                (y, x, b)
            };
            (a.compatible(&b) && date.precision() >= finest).then_some((coarse, fine))
        }
        _ => None,
    }
}

/// True when a pair without a title to compare, on a truncated description, is one
/// document by what the run holds: the dates the same (two undated copies: the run), and
/// within that date no other document begins its description with the truncated one. A copy
/// at two precisions is not enough: measured on generated pages, a month copy of a short
/// truncated opening ("A summary of the Vietnamese revolution") was another document.
fn truncated_description_identifies(x: &Record, y: &Record) -> bool {
    let scope = match (x.date(), y.date()) {
        (Some(a), Some(b)) if a == b => Some(a.precision()),
        (None, None) => None,
        _ => return false,
    };
    truncated_of(x, y).description_alike.within(scope)
}

/// The record of the pair with the shorter description: the truncated copy.
fn truncated_of<'r>(x: &'r Record, y: &'r Record) -> &'r Record {
    let len = |r: &Record| r.description_key().map_or(0, str::len);
    if len(x) <= len(y) { x } else { y }
}

/// True when, within the coarser date of a coarse copy, no other document of the title
/// begins its description with the shorter of the two descriptions (the truncated one).
fn truncated_copy_alike(coarse: &Record, fine: &Record) -> bool {
    let scope = coarse.date().map(|d| d.precision());
    truncated_of(coarse, fine).title_signal.alike.within(scope)
}

/// True when two dated records, neither showing a description, are a copy at two
/// precisions (the coarser known at least to `finest`) whose title both records' signals
/// call rare within the coarser date, among documents without a description (see
/// [`crate::normalize::Undescribed`]). Both are asked: a misspelt title is a group of its own.
fn undescribed_coarse_copy(x: &Record, y: &Record, finest: Precision) -> bool {
    let Some((coarse, fine)) = coarse_copy(x, y, finest) else {
        return false;
    };
    let Some(precision) = coarse.date().map(|d| d.precision()) else {
        return false;
    };
    coarse.title_signal.undescribed_rare_in(precision) && fine.title_signal.undescribed_rare_in(precision)
}

/// True when the shorter text is shorter than `min_prefix_chars` yet begins the longer one.
fn is_short_prefix(a: &str, b: &str, rules: &ComparisonRules) -> bool {
    let (na, nb) = (char_count(a), char_count(b));
    let (short, n, long) = if na <= nb { (a, na, b) } else { (b, nb, a) };
    n > 0 && n < rules.min_prefix_chars && prefix_similarity_at_least(short, n, long, rules.prefix_similarity).is_some()
}

fn numbers_differ(x: &Record, y: &Record, rules: &ComparisonRules) -> bool {
    // A record cut off by the end of its page may have lost the end of its numbers.
    rules.numbers_must_agree
        && !x.raw.partial
        && !y.raw.partial
        && !x.title_numbers().is_empty()
        && !y.title_numbers().is_empty()
        && x.title_numbers() != y.title_numbers()
}

fn decide(
    x: &Record,
    y: &Record,
    title: f64,
    description: Option<f64>,
    score: f64,
    rules: &ComparisonRules,
) -> (MatchDecision, Reason) {
    let review = score >= rules.review_threshold;
    let decision = if review {
        MatchDecision::Review
    } else {
        MatchDecision::NoMatch
    };
    if numbers_differ(x, y, rules) {
        return (
            MatchDecision::NoMatch,
            Reason::Text(
                format!(
                    "titles name different numbers ({} / {})",
                    x.title_numbers().join(" "),
                    y.title_numbers().join(" ")
                )
                .into(),
            ),
        );
    }
    if title < rules.min_title_similarity {
        let minimum = rules.min_title_similarity;
        return (decision, Reason::TitleBelow { minimum, review });
    }
    if description.is_some_and(|d| d < rules.min_description_similarity) {
        let minimum = rules.min_description_similarity;
        return (decision, Reason::DescriptionBelow { minimum, review });
    }
    let evidence = match description {
        Some(_) => Evidence::TitleAndDescription,
        None => Evidence::TitleOnly,
    };
    let decision = if score >= rules.match_threshold {
        MatchDecision::Match
    } else {
        decision
    };
    let why = Reason::Threshold {
        match_at: rules.match_threshold,
        review_at: rules.review_threshold,
        evidence,
        thin: None,
    };
    (decision, why)
}

/// What the Fellegi-Sunter scorer needs besides the pair.
pub struct FsScorer<'a> {
    /// The trained model.
    pub model: &'a crate::linkage::model::Model,
    /// Term frequencies of the run's values.
    pub tf: &'a crate::linkage::model::TermFrequencies,
    /// The model's comparisons.
    pub comparisons: &'a [crate::linkage::model::Comparison],
    /// Comparison rules (text similarity and the page policy).
    pub rules: &'a ComparisonRules,
    /// Match and review probabilities.
    pub thresholds: (f64, f64),
    /// Page records: keep the title and description similarity columns and the rule that
    /// different numbers in titles are different documents.
    pub pages: bool,
}

/// Scores one pair with the Fellegi-Sunter model; `levels` are its comparison levels.
pub fn compare_fs(pair: &CandidatePair, x: &Record, y: &Record, levels: &[Option<u8>], s: &FsScorer) -> ScoredPair {
    let mut out = if s.pages {
        compare(pair, x, y, s.rules)
    } else {
        ScoredPair {
            pair: *pair,
            title: 0.0,
            description: None,
            description_mode: DescriptionMode::Missing,
            score: 0.0,
            decision: MatchDecision::NoMatch,
            why: Reason::Text("".into()),
            distinct: false,
            fs: None,
        }
    };
    let tf = s.tf.of(s.comparisons, x, levels);
    let weights = s.model.contributions(levels, &tf);
    let prior_weight = s.model.prior_weight();
    let match_weight = prior_weight + weights.iter().sum::<f64>();
    let probability = 1.0 / (1.0 + (-match_weight).exp2());
    let (match_p, review_p) = s.thresholds;
    let waterfall = waterfall(s.model, levels, &weights, prior_weight, match_weight);
    let fields_differ = s.pages.then(|| layout_fields_differ(x, y, s.rules)).flatten();
    let differ = s.pages && (numbers_differ(x, y, s.rules) || fields_differ.is_some());
    let (decision, verdict) = if let Some(f) = fields_differ {
        (MatchDecision::NoMatch, f)
    } else if differ {
        (
            MatchDecision::NoMatch,
            format!(
                "titles name different numbers ({} / {})",
                x.title_numbers().join(" "),
                y.title_numbers().join(" ")
            ),
        )
    } else if probability >= match_p {
        (
            MatchDecision::Match,
            format!("match probability {probability:.4} >= {match_p}"),
        )
    } else if probability >= review_p {
        (
            MatchDecision::Review,
            format!("match probability {probability:.4} between review {review_p} and match {match_p}"),
        )
    } else {
        (
            MatchDecision::NoMatch,
            format!("match probability {probability:.4} < review {review_p}"),
        )
    };
    out.score = probability;
    // Different numbers in titles keep two pages' records apart in clustering too.
    out.distinct = differ;
    out.decision = decision;
    out.why = Reason::Text(format!("{verdict}; {waterfall}").into());
    out.fs = Some(Box::new(FsDetail {
        match_weight,
        prior_weight,
        levels: levels.to_vec(),
        weights,
    }));
    out
}

/// The match weight in words: "weight 12.31 = prior -9.64 + surname exact +8.10 + ...".
fn waterfall(
    model: &crate::linkage::model::Model,
    levels: &[Option<u8>],
    weights: &[f64],
    prior: f64,
    total: f64,
) -> String {
    let mut s = format!("weight {total:.2} = prior {prior:.2}");
    for ((c, l), w) in model.comparisons.iter().zip(levels).zip(weights) {
        let label = l.map_or("null", |l| c.levels[l as usize].label.as_str());
        s.push_str(&format!(
            " {} {} {label} {:.2}",
            if *w < 0.0 { "-" } else { "+" },
            c.comparison.name,
            w.abs()
        ));
    }
    s
}

/// Scores every pair with the Fellegi-Sunter model, in parallel, in the order of `pairs`.
pub fn compare_all_fs(
    pairs: &[CandidatePair],
    levels: &[Vec<Option<u8>>],
    records: &[Record],
    scorer: &FsScorer,
) -> Vec<ScoredPair> {
    pairs
        .par_iter()
        .zip(levels.par_iter())
        .map(|(p, l)| compare_fs(p, &records[p.a as usize], &records[p.b as usize], l, scorer))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::similarity::head;

    #[test]
    fn similarity_is_symmetric_bounded_and_reflexive() {
        for (a, b) in [("", ""), ("", "abc"), ("molotov", "molotow"), ("säy", "say")] {
            let s = similarity(a, b);
            assert_eq!(s, similarity(b, a));
            assert!((0.0..=1.0).contains(&s));
            assert_eq!(similarity(a, a), 1.0);
        }
    }

    #[test]
    fn similarity_equals_the_textbook_levenshtein() {
        let words = [
            "mao", "zedong", "zhou", "enlai", "säy", "piddin", "filippov", "stalin", "", "to",
        ];
        let mut texts = Vec::new();
        for (i, a) in words.iter().enumerate() {
            for b in &words[i..] {
                texts.push(format!("{a} {b} {a}"));
                texts.push(format!("{b}{a}"));
            }
        }
        texts.push("x".repeat(130));
        texts.push(format!("{}y{}", "x".repeat(70), "x".repeat(70)));
        for a in &texts {
            for b in &texts {
                assert_eq!(similarity(a, b), strsim::normalized_levenshtein(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_truncated_description_matches_as_a_prefix() {
        let rules = crate::rules::Rules::builtin().comparison;
        let full = "zhou enlai seeks technical support from the soviet union";
        let cut = "zhou enlai seeks technical sup";
        let (s, mode) = text_similarity(cut, full, Some(rules.min_prefix_chars), &rules);
        assert_eq!(mode, DescriptionMode::Prefix);
        assert_eq!(s, 1.0);
        let (s, mode) = text_similarity(cut, full, None, &rules);
        assert_eq!(mode, DescriptionMode::Full);
        assert!(s < 0.6);
    }

    #[test]
    fn only_the_first_max_compared_chars_are_compared() {
        let mut rules = crate::rules::Rules::builtin().comparison;
        rules.max_compared_chars = 5;
        assert_eq!(head("abcdéfgh", 5), "abcdé");
        assert_eq!(head("abc", 5), "abc");
        let (s, _) = text_similarity("abcdefgh", "abcdexyz", None, &rules);
        assert_eq!(s, 1.0);
    }

    fn record(date: &str, title: &str, description: Option<&str>, partial: bool) -> Record {
        crate::normalize::prepare(
            crate::record::RawRecord::for_test("p.txt", date, title, description, partial),
            0,
        )
    }

    fn decide_pair(x: &Record, y: &Record) -> ScoredPair {
        let pair = CandidatePair {
            a: 0,
            b: 1,
            block: crate::linkage::block::NO_BLOCK,
        };
        compare(&pair, x, y, &crate::rules::Rules::builtin().comparison)
    }

    #[test]
    fn a_title_cut_inside_its_numbers_still_matches() {
        let full = record(
            "September 18, 1956",
            "Conversation records between Chairman Mao Zedong and the Soviet Communist Party Delegation, 18 September 1956",
            Some("Mao Zedong and the Soviet Community Party Delegation exchanged views on Korean issues."),
            false,
        );
        let cut = record(
            "September 18, 1956",
            "Conversation records between Chairman Mao Zedong and the Soviet Communist Party Delegation, 18 Sep",
            None,
            true,
        );
        let mut run = vec![full, cut];
        run[1].page = 1;
        crate::normalize::mark_cut_titles(&mut run, &crate::rules::Rules::builtin().comparison);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
    }

    #[test]
    fn a_field_that_must_agree_keeps_two_kinds_apart_and_only_when_both_show_it() {
        let with_kind = |kind: Option<&str>| {
            let mut raw = crate::record::RawRecord::for_test("p.txt", "October 13, 2006", "The Test Ban", None, false);
            raw.layout_fields = kind.map(|k| {
                Box::new(crate::record::LayoutFields {
                    date: None,
                    extra: vec![("kind".into(), k.to_string())],
                })
            });
            crate::normalize::prepare(raw, 0)
        };
        let pair = CandidatePair {
            a: 0,
            b: 1,
            block: crate::linkage::block::NO_BLOCK,
        };
        let mut rules = crate::rules::Rules::builtin().comparison;
        let (cable, memo) = (with_kind(Some("Cable")), with_kind(Some("Memorandum")));
        assert_eq!(
            compare(&pair, &cable, &memo, &rules).decision,
            MatchDecision::Match,
            "off by default"
        );
        rules.fields_must_agree = vec!["kind".into()];
        let s = compare(&pair, &cable, &memo, &rules);
        assert_eq!(s.decision, MatchDecision::NoMatch);
        assert!(
            s.distinct && s.reason().contains("kind differs (Cable / Memorandum)"),
            "{}",
            s.reason()
        );
        let same = compare(&pair, &cable, &with_kind(Some("CABLE")), &rules);
        assert_eq!(
            same.decision,
            MatchDecision::Match,
            "normalized alike: {}",
            same.reason()
        );
        let unknown = compare(&pair, &cable, &with_kind(None), &rules);
        assert_eq!(unknown.decision, MatchDecision::Match, "{}", unknown.reason());
    }

    #[test]
    fn descriptions_naming_different_numbers_are_different_documents() {
        let title = "Record of Conversation between Säypiddin Äzizi and I.V. Stalin";
        let a = record(
            "May 29, 1963",
            title,
            Some("Säypiddin Äzizi requests 557 machine tools from I.V. Stalin for delivery to Warsaw."),
            false,
        );
        let b = record(
            "May 29, 1963",
            title,
            Some("Säypiddin Äzizi requests 7842 machine tools from I.V. Stalin for delivery to Warsaw."),
            false,
        );
        let s = decide_pair(&a, &b);
        assert_eq!(s.decision, MatchDecision::NoMatch, "{}", s.reason());
        assert!(s.distinct && s.reason().contains("557 / 7842"), "{}", s.reason());
    }

    /// `records` after the run-wide title signals are marked, in a run spanning 1945-1991.
    fn in_run(mut records: Vec<Record>) -> Vec<Record> {
        records.push(record("January 1, 1945", "Another document", None, false));
        records.push(record("December 31, 1991", "One more document", None, false));
        crate::normalize::mark_shared_titles(&mut records, 0.01);
        records
    }

    #[test]
    fn a_copy_at_two_precisions_matches_when_the_run_says_one_document() {
        let t = "Cable from Lin Biao to Gao Gang";
        let run = in_run(vec![
            record("April 1963", t, None, false),
            record("April 20, 1963", t, None, false),
            record("1963", t, None, false),
        ]);
        // The title on one day and a month copy, no other document of it: a match.
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
        // A year-only copy on a title alone stays for review (coarse_copy_precision and
        // coarse_undescribed_copy_precision "month").
        let s = decide_pair(&run[2], &run[1]);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(s.reason().contains("dates not the same"), "{}", s.reason());
        // Ten other documents of the title across the run: another may be the month's.
        let mut common: Vec<Record> = (0..10)
            .map(|y| record(&format!("May 3, {}", 1950 + y), t, None, false))
            .collect();
        common.extend([
            record("April 1963", t, None, false),
            record("April 20, 1963", t, None, false),
        ]);
        let common = in_run(common);
        assert_eq!(decide_pair(&common[10], &common[11]).decision, MatchDecision::Review);
    }

    #[test]
    fn copies_without_descriptions_count_only_documents_without_one() {
        let t = "Cable from Lin Biao to Gao Gang";
        let others = |described: bool| -> Vec<Record> {
            (0..10)
                .map(|y| {
                    let d = format!("Lin Biao reports {y}.");
                    record(
                        &format!("May 3, {}", 1950 + y),
                        t,
                        described.then_some(d.as_str()),
                        false,
                    )
                })
                .chain([
                    record("April 1963", t, None, false),
                    record("April 20, 1963", t, None, false),
                ])
                .collect()
        };
        // Eleven documents of the title across the run, one in April 1963, its record with a
        // description: another is expected within a month too often to act on a title alone.
        let mut run = others(true);
        run[11] = record("April 20, 1963", t, Some("Lin Biao reports on the border."), false);
        let run = in_run(run);
        assert_eq!(decide_pair(&run[10], &run[11]).decision, MatchDecision::Review);
        // Neither copy shows a description, and most of the run's records do, as an archive's
        // do: only a document without one could be the month's copy, and none is expected.
        let mut run = in_run(others(false));
        run.extend((0..200).map(|i| record("June 1, 1970", &format!("Note {i}"), Some("A note."), false)));
        crate::normalize::mark_shared_titles(&mut run, 0.01);
        assert_eq!(decide_pair(&run[10], &run[11]).decision, MatchDecision::Match);
        // Another day of the title inside the month: either could be the month's copy.
        run.push(record("April 9, 1963", t, None, false));
        crate::normalize::mark_shared_titles(&mut run, 0.01);
        assert_eq!(decide_pair(&run[10], &run[11]).decision, MatchDecision::Review);
    }

    #[test]
    fn a_common_title_on_one_day_is_one_document_when_neither_copy_has_a_description() {
        let t = "Minutes of the Meeting of the Politburo";
        let mut records: Vec<Record> = (1..=9)
            .map(|m| {
                record(
                    &format!("November {m}, 1963"),
                    t,
                    Some(&format!("Item {m} is discussed by the Politburo.")),
                    false,
                )
            })
            .collect();
        records.extend((0..200).map(|i| record("June 1, 1970", &format!("Note {i}"), Some("A note."), false)));
        records.extend([
            record("November 20, 1963", t, None, false),
            record("November 20, 1963", t, None, false),
            record(
                "November 20, 1963",
                t,
                Some("The Politburo discusses the harvest."),
                false,
            ),
        ]);
        let n = records.len();
        let mut run = records;
        crate::normalize::mark_shared_titles(&mut run, 0.01);
        let s = decide_pair(&run[n - 3], &run[n - 2]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
        // With a description on one side, any of the year's documents of the title may be it.
        let s = decide_pair(&run[n - 3], &run[n - 1]);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(
            s.reason().contains("other documents carry this title"),
            "{}",
            s.reason()
        );
    }

    #[test]
    fn a_truncated_copy_matches_when_no_other_document_of_its_date_begins_alike() {
        let t = "Note, I.V. Stalin to Chen Yi, 'Preparations for the Bandung Conference'";
        let whole =
            "I.V. Stalin criticizes Chen Yi's position on the Cultural Revolution during the meeting of February 15.";
        let cut = "I.V. Stalin criticizes Chen Yi's position on the Cultural Revolution during";
        // Another document of the title in the year, its description another: not the copy.
        let run = in_run(vec![
            record("1989", t, Some(cut), false),
            record("February 24, 1989", t, Some(whole), false),
            record(
                "June 2, 1989",
                t,
                Some("Chen Yi answers a cable on grain shipments."),
                false,
            ),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::Match);
        // Two copies without a date, the title carried by other documents: the same.
        let run = in_run(vec![
            record("n.d.", t, Some(cut), false),
            record("Date unknown", t, Some(whole), false),
            record(
                "June 2, 1989",
                t,
                Some("Chen Yi answers a cable on grain shipments."),
                false,
            ),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::Match);
    }

    /// A record of page `page`.
    fn record_on(page: u32, date: &str, title: &str, description: Option<&str>, partial: bool) -> Record {
        crate::normalize::prepare(
            crate::record::RawRecord::for_test(&format!("{page}.txt"), date, title, description, partial),
            page,
        )
    }

    #[test]
    fn a_cut_title_of_any_length_links_only_to_one_document() {
        let rules = crate::rules::Rules::builtin().comparison;
        let cut = || record_on(0, "April 1956", "Excerpt of Josip", None, true);
        let tito = "Excerpt of Josip Broz Tito's Conversation with the CPSU CC Presidium";
        let marked = |mut run: Vec<Record>| {
            crate::normalize::mark_shared_titles(&mut run, 0.01);
            crate::normalize::mark_cut_titles(&mut run, &rules);
            run
        };
        let run = marked(vec![
            cut(),
            record_on(1, "April 1, 1956", tito, Some("Tito and the Presidium meet."), false),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
        // Two documents of that day begin so: what was cut off could be either.
        let run = marked(vec![
            cut(),
            record_on(1, "April 1, 1956", tito, Some("Tito and the Presidium meet."), false),
            record_on(
                2,
                "April 1, 1956",
                "Excerpt of Josip Broz Tito's Conversation with the Polish Embassy",
                Some("Tito and the Embassy meet."),
                false,
            ),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(s.reason().contains("2 documents"), "{}", s.reason());
        // Two documents of one title that day (siblings): counted once by title, told apart
        // by the whole record's signal.
        let run = marked(vec![
            cut(),
            record_on(1, "April 1, 1956", tito, Some("Tito and the Presidium meet."), false),
            record_on(
                2,
                "April 1, 1956",
                tito,
                Some("A summary of grain shipments for Tito."),
                false,
            ),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(
            s.reason().contains("other documents of a compatible date carry"),
            "{}",
            s.reason()
        );
    }

    #[test]
    fn an_undated_record_needs_near_identical_descriptions() {
        let t = "Minutes of the Meeting of the CPSU CC Presidium";
        let a = record(
            "Undated",
            t,
            Some("Fidel Castro is asked to send a delegation to Urumqi to settle the repatriation of prisoners."),
            false,
        );
        let b = record(
            "November 22, 1981",
            t,
            Some("Stalin is asked to send a delegation to Geneva to settle the repatriation of prisoners."),
            false,
        );
        let s = decide_pair(&a, &b);
        assert!(s.score >= 0.9, "{}", s.reason());
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(s.reason().contains("one record undated"), "{}", s.reason());
    }

    #[test]
    fn a_truncated_copy_at_a_coarser_date_matches_unless_another_document_begins_alike() {
        let t = "Note, I.V. Stalin to Chen Yi, 'Preparations for the Bandung Conference'";
        let whole =
            "I.V. Stalin criticizes Chen Yi's position on the Cultural Revolution during the meeting of February 15.";
        let cut = "I.V. Stalin criticizes Chen Yi's position on the Cultural Revolution during";
        let run = in_run(vec![
            record("1989", t, Some(cut), false),
            record("February 24, 1989", t, Some(whole), false),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
        // Another document of the title in that year begins its description alike: the
        // year copy could be either.
        let run = in_run(vec![
            record("1989", t, Some(cut), false),
            record("February 24, 1989", t, Some(whole), false),
            record(
                "June 2, 1989",
                t,
                Some(
                    "I.V. Stalin criticizes Chen Yi's position on the Cultural Revolution during the talks of June 2.",
                ),
                false,
            ),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
    }

    #[test]
    fn undated_copies_match_on_a_title_no_dated_record_carries() {
        let t = "Minutes of Conversation between Peng Dehuai and the Romanian Workers' Party";
        let run = in_run(vec![
            record("Date unknown", t, None, false),
            record("n.d.", t, None, false),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::Match);
        let run = in_run(vec![
            record("Date unknown", t, None, false),
            record("n.d.", t, None, false),
            record(
                "April 6, 1948",
                t,
                Some("The Romanian Workers' Party is asked to send a delegation."),
                false,
            ),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::Review);
    }

    #[test]
    fn an_undated_record_needs_near_identical_titles() {
        // Titles a name apart, descriptions a place apart: with a date the pair would match.
        let a = record(
            "Date unknown",
            "Minutes of Conversation between Peng Dehuai and the Romanian Workers' Party",
            Some("The Romanian Workers' Party is asked to send a delegation to Prague to settle the Warsaw Pact."),
            false,
        );
        let b = record(
            "April 6, 1948",
            "Minutes of Conversation between A.N. Kosygin and the Romanian Workers' Party",
            Some("The Romanian Workers' Party is asked to send a delegation to Beijing to settle the Warsaw Pact."),
            false,
        );
        let s = decide_pair(&a, &b);
        assert!(s.score >= 0.9, "{}", s.reason());
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(s.reason().contains("one record undated"), "{}", s.reason());
    }

    #[test]
    fn a_truncated_description_without_a_title_goes_to_review() {
        let whole = "The document also mentions the Berlin question, and the question of Taiwan in Warsaw.";
        let a = record("July 15, 1991", "", Some(whole), false);
        let b = record(
            "July 15, 1991",
            "",
            Some("The document also mentions the Berlin question, and"),
            false,
        );
        let s = decide_pair(&a, &b);
        assert_eq!(s.decision, MatchDecision::Review, "{}", s.reason());
        assert!(s.reason().contains("no title to compare"), "{}", s.reason());
        assert_eq!(decide_pair(&a, &a.clone()).decision, MatchDecision::Match);
    }

    #[test]
    fn a_truncated_description_without_a_title_links_when_it_begins_one_document_of_its_date() {
        let whole = "Mao Zedong reports on the Berlin question in Havana, citing 6604 cases since August.";
        let cut = "Mao Zedong reports on the Berlin question in Hav";
        let marked = |mut run: Vec<Record>| {
            crate::normalize::mark_alike_descriptions(&mut run);
            run
        };
        let title = "Cable from Chairman Mao Zedong to Matyas Rakosi";
        let run = marked(vec![
            record_on(0, "June 3, 1965", "", Some(whole), false),
            record_on(1, "June 3, 1965", title, Some(cut), false),
        ]);
        let s = decide_pair(&run[0], &run[1]);
        assert_eq!(s.decision, MatchDecision::Match, "{}", s.reason());
        // Another document of the day begins so: the copy's lost text could be either's.
        let run = marked(vec![
            record_on(0, "June 3, 1965", "", Some(whole), false),
            record_on(1, "June 3, 1965", title, Some(cut), false),
            record_on(
                2,
                "June 3, 1965",
                "",
                Some("Mao Zedong reports on the Berlin question in Havana to the Politburo."),
                false,
            ),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::Review);
        // One word apart is another document; so may a copy at another precision be.
        let run = marked(vec![
            record_on(0, "June 3, 1965", "", Some(whole), false),
            record_on(
                1,
                "June 3, 1965",
                title,
                Some("Mao Zedong reports on the Berlin question in Mos"),
                false,
            ),
            record_on(2, "June 1965", title, Some(cut), false),
        ]);
        assert_eq!(decide_pair(&run[0], &run[1]).decision, MatchDecision::NoMatch);
        assert_eq!(decide_pair(&run[0], &run[2]).decision, MatchDecision::Review);
    }

    #[test]
    fn thin_evidence_goes_to_review() {
        // Title alone, another person's name: not near-identical.
        let a = record(
            "July 21, 1981",
            "Speech by Lê Duẩn at the Moscow Conference of Communist and Workers' Parties",
            None,
            false,
        );
        let b = record(
            "July 21, 1981",
            "Speech by I.V. Stalin at the Moscow Conference of Communist and Workers' Parties",
            None,
            false,
        );
        assert_eq!(decide_pair(&a, &b).decision, MatchDecision::Review);
        // Title alone, the same title, a month-only date against a day.
        let c = record(
            "January 1979",
            "Record of Conversation between Zhu De and Liu Shaoqi",
            None,
            false,
        );
        let d = record(
            "January 30, 1979",
            "Record of Conversation between Zhu De and Liu Shaoqi",
            None,
            false,
        );
        let s = decide_pair(&c, &d);
        assert_eq!(s.decision, MatchDecision::Review);
        assert!(s.reason().contains("dates not the same"), "{}", s.reason());
        // The same title on the same day, no description: a match.
        let e = record(
            "January 30, 1979",
            "Record of Conversation between Zhu De and Liu Shaoqi",
            None,
            false,
        );
        assert_eq!(decide_pair(&d, &e).decision, MatchDecision::Match);
    }

    #[test]
    fn threshold_reasons_kept_as_data_read_as_the_words_outputs_quote() {
        // decisions.csv, review.csv and override notes quote these words: kept as data, they
        // must still read exactly so.
        let rules = crate::rules::Rules::builtin().comparison;
        let title = "Record of Conversation between Zhu De and Liu Shaoqi";
        let day = record("January 30, 1979", title, None, false);
        let month = record("January 1979", title, None, false);
        let s = decide_pair(&month, &day);
        assert!(matches!(
            s.why,
            Reason::Threshold {
                thin: Some(Thin::TitleAloneDatesDiffer),
                ..
            }
        ));
        assert_eq!(
            s.reason(),
            format!(
                "score 1.0000 >= match threshold {:.2} on title only (a description is missing), but on title alone with dates not the same: left for review",
                rules.match_threshold
            )
        );
        let described = |d: &str| record("January 30, 1979", title, Some(d), false);
        let words = "zhou enlai seeks technical support from the soviet union for the plan";
        let s = decide_pair(&described(words), &described(words));
        assert_eq!(s.decision, MatchDecision::Match);
        assert_eq!(
            s.reason(),
            format!(
                "score 1.0000 >= match threshold {:.2} on title and description",
                rules.match_threshold
            )
        );
    }

    #[test]
    fn a_scored_pair_holds_no_text_for_its_threshold_reason() {
        // Most pairs of a large run are matches or non-matches decided by a threshold; a
        // sentence held for each would weigh more than the rest of the pair (70 MB at 1M
        // records).
        let title = "Record of Conversation between Zhu De and Liu Shaoqi";
        let a = record("January 30, 1979", title, None, false);
        let s = decide_pair(&a, &a.clone());
        assert!(matches!(s.why, Reason::Threshold { .. }), "{:?}", s.why);
        assert!(std::mem::size_of::<ScoredPair>() <= 80);
    }
}
