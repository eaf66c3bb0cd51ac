//! The scorer seam: the weighted scorer ([`crate::linkage::compare`]) and the Fellegi-Sunter model
//! ([`crate::linkage::model`]) behind one trait. A scorer scores a pair, names its comparison columns,
//! and owns its bands (the match and review thresholds, and what they are thresholds of).
//! Everything downstream of the compare stage (overrides, the review queue, `summary.csv`,
//! `report.html`) asks the scorer in force, never the `[comparison]` section directly: a
//! table run decided at match probability 0.95 must not be reported at score 0.90.

use rayon::prelude::*;

use crate::linkage::block::CandidatePair;
use crate::linkage::compare::{self, FsScorer, ScoredPair};
use crate::linkage::model::{Comparison, Model, TermFrequencies};
use crate::record::Record;
use crate::rules::ComparisonRules;

/// A similarity or score as written: four decimals, so outputs are byte-stable. Here, with
/// the scorer that writes its evidence, so that the scorer imports nothing of the writers.
pub fn fixed(x: f64) -> String {
    FixedText::default().format(x).to_string()
}

/// `{:.4}` of a float, written without the float formatter on the common path: millions of
/// scores are written per run, and `{:.4}` formats each from the float's exact decimal
/// expansion (core's `format_exact`, a big-number loop). The text is byte-identical to
/// `format!("{x:.4}")`: see [`FixedText::format`].
#[derive(Default)]
pub struct FixedText {
    buf: [u8; 32],
    len: usize,
    /// A value the buffer cannot hold (above 10^15, or not finite), as the formatter wrote it.
    spill: String,
}

impl FixedText {
    /// `x` to four decimals, as `format!("{x:.4}")` writes it.
    pub fn format(&mut self, x: f64) -> &str {
        self.decimals(x, 4)
    }

    /// `x` to `d` decimals (at most 6), as `format!("{x:.d$}")` writes it. `x * 10^d` is
    /// within an ulp of the exact product, so away from a tie (a fractional part within 1e-6
    /// of one half) rounding it to an integer gives the digits that rounding the exact
    /// expansion gives; ties, huge values and non-finite ones go to the formatter.
    pub fn decimals(&mut self, x: f64, d: usize) -> &str {
        let d = d.min(6);
        let scale = 10u64.pow(d as u32);
        let y = (x * scale as f64).abs();
        let near_tie = (y - y.floor() - 0.5).abs() < 1e-6;
        if !x.is_finite() || y >= 1e15 || near_tie {
            self.spill = format!("{x:.d$}");
            return &self.spill;
        }
        let n = y.round() as u64;
        let sign = if x.is_sign_negative() { "-" } else { "" };
        let mut w = &mut self.buf[..];
        // At most 1 + 15 + 1 + 6 bytes: it fits.
        let _ = match d {
            0 => std::io::Write::write_fmt(&mut w, format_args!("{sign}{n}")),
            _ => std::io::Write::write_fmt(&mut w, format_args!("{sign}{}.{:0d$}", n / scale, n % scale)),
        };
        self.len = 32 - w.len();
        // Only a sign, digits and a point were written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// A float shown as `{:.N}` shows it (N = `D`), through [`FixedText`]: for reasons put in
/// words per pair.
pub struct Decimals<const D: usize>(pub f64);

impl<const D: usize> std::fmt::Display for Decimals<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(FixedText::default().decimals(self.0, D))
    }
}

/// The match and review thresholds of a scorer, on its own measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    /// What the thresholds are thresholds of, in words: "score", "match probability".
    pub measure: &'static str,
    /// A pair matches at or above this.
    pub match_at: f64,
    /// A pair that does not match goes to review at or above this.
    pub review_at: f64,
}

impl Bands {
    /// The middle of the review band: a review pair's uncertainty is its distance from it.
    pub fn centre(&self) -> f64 {
        (self.review_at + self.match_at) / 2.0
    }

    /// The band a value falls in: "match", "review" or "no-match".
    pub fn class(&self, x: f64) -> &'static str {
        if x >= self.match_at {
            "match"
        } else if x >= self.review_at {
            "review"
        } else {
            "no-match"
        }
    }
}

/// Scores candidate pairs and says how. Implemented by [`Weighted`] and [`FellegiSunter`].
pub trait Scorer: Sync {
    /// The scorer's name, as written in `summary.csv` (`scorer`).
    fn name(&self) -> &'static str;

    /// Scores one pair (`x`, `y` are its records).
    fn score(&self, pair: &CandidatePair, x: &Record, y: &Record) -> ScoredPair;

    /// Scores every blocked pair of the run, in parallel, in the order of `pairs`.
    fn score_all(
        &mut self,
        pairs: &[CandidatePair],
        records: &[Record],
        progress: Option<&indicatif::ProgressBar>,
    ) -> Vec<ScoredPair> {
        let this = &*self;
        pairs
            .par_iter()
            .map(|p| {
                let s = this.score(p, &records[p.a as usize], &records[p.b as usize]);
                if let Some(bar) = progress {
                    bar.inc(1);
                }
                s
            })
            .collect()
    }

    /// The match and review thresholds.
    fn bands(&self) -> Bands;

    /// The names of the comparison columns shown beside a pair's score (the report's review
    /// queue): what one pair's [`Scorer::evidence`] holds.
    fn columns(&self) -> Vec<String>;

    /// One pair's evidence, a value per [`Scorer::columns`] entry.
    fn evidence(&self, s: &ScoredPair) -> Vec<String>;

    /// The settings written to `summary.csv` after the run's figures, as (name, value).
    fn settings(&self) -> Vec<(String, String)>;

    /// The rest of the sentence "Thresholds: match at ..., review from ..." in the report:
    /// the scorer's other limits.
    fn limits(&self) -> String;

    /// The trained model, when the scorer is one.
    fn model(&self) -> Option<&Model> {
        None
    }
}

/// The weighted mean of title and description similarity, under `[comparison]`.
pub struct Weighted {
    rules: ComparisonRules,
}

impl Weighted {
    /// The weighted scorer under `rules`.
    pub fn new(rules: &ComparisonRules) -> Weighted {
        Weighted { rules: rules.clone() }
    }
}

impl Scorer for Weighted {
    fn name(&self) -> &'static str {
        "weighted"
    }

    fn score(&self, pair: &CandidatePair, x: &Record, y: &Record) -> ScoredPair {
        compare::compare(pair, x, y, &self.rules)
    }

    fn bands(&self) -> Bands {
        Bands {
            measure: "score",
            match_at: self.rules.match_threshold,
            review_at: self.rules.review_threshold,
        }
    }

    fn columns(&self) -> Vec<String> {
        vec!["title".into(), "description".into()]
    }

    fn evidence(&self, s: &ScoredPair) -> Vec<String> {
        vec![fixed(s.title), s.description.map(fixed).unwrap_or_default()]
    }

    fn settings(&self) -> Vec<(String, String)> {
        let r = &self.rules;
        // No `scorer` row: a folder without one was scored by this scorer (older runs too).
        [
            ("match_threshold", r.match_threshold),
            ("review_threshold", r.review_threshold),
            ("min_title_similarity", r.min_title_similarity),
            ("min_description_similarity", r.min_description_similarity),
            ("title_weight", r.title_weight),
            ("description_weight", r.description_weight),
        ]
        .map(|(n, v)| (n.to_string(), fixed(v)))
        .to_vec()
    }

    fn limits(&self) -> String {
        format!(
            "; minimum title similarity {}, minimum description similarity {}",
            fixed(self.rules.min_title_similarity),
            fixed(self.rules.min_description_similarity)
        )
    }
}

/// The Fellegi-Sunter model: a pair's match probability against `[model]`'s thresholds.
pub struct FellegiSunter {
    model: Model,
    tf: TermFrequencies,
    comparisons: Vec<Comparison>,
    rules: ComparisonRules,
    bands: Bands,
    pages: bool,
    /// The levels of the run's blocked pairs, computed once for training and handed to
    /// [`Scorer::score_all`] (then freed): computing them again would double the cost.
    levels: Vec<Vec<Option<u8>>>,
}

/// What the Fellegi-Sunter scorer is built from.
pub struct FsParts {
    /// The trained (or loaded) model.
    pub model: Model,
    /// Term frequencies of the run's values.
    pub tf: TermFrequencies,
    /// The model's comparisons, with the rules' field indices.
    pub comparisons: Vec<Comparison>,
    /// Comparison rules (text similarity, and the page policy when `pages`).
    pub rules: ComparisonRules,
    /// Match and review probabilities.
    pub thresholds: (f64, f64),
    /// Page records: the title and description similarities are kept, and different numbers
    /// in titles are different documents.
    pub pages: bool,
    /// Levels of the blocked pairs (in their order), if computed already.
    pub levels: Vec<Vec<Option<u8>>>,
}

impl FellegiSunter {
    /// The scorer of `parts`.
    pub fn new(parts: FsParts) -> FellegiSunter {
        let (match_at, review_at) = parts.thresholds;
        FellegiSunter {
            model: parts.model,
            tf: parts.tf,
            comparisons: parts.comparisons,
            rules: parts.rules,
            bands: Bands {
                measure: "match probability",
                match_at,
                review_at,
            },
            pages: parts.pages,
            levels: parts.levels,
        }
    }

    fn view(&self) -> FsScorer<'_> {
        FsScorer {
            model: &self.model,
            tf: &self.tf,
            comparisons: &self.comparisons,
            rules: &self.rules,
            thresholds: (self.bands.match_at, self.bands.review_at),
            pages: self.pages,
        }
    }
}

impl Scorer for FellegiSunter {
    fn name(&self) -> &'static str {
        "fellegi-sunter"
    }

    fn score(&self, pair: &CandidatePair, x: &Record, y: &Record) -> ScoredPair {
        let levels = crate::linkage::model::levels_of(&self.comparisons, x, y, &self.rules);
        compare::compare_fs(pair, x, y, &levels, &self.view())
    }

    fn score_all(
        &mut self,
        pairs: &[CandidatePair],
        records: &[Record],
        progress: Option<&indicatif::ProgressBar>,
    ) -> Vec<ScoredPair> {
        let levels = std::mem::take(&mut self.levels);
        if levels.len() != pairs.len() {
            // Not the pairs the levels were computed for: score each from scratch.
            let this = &*self;
            return pairs
                .par_iter()
                .map(|p| this.score(p, &records[p.a as usize], &records[p.b as usize]))
                .collect();
        }
        let scored = compare::compare_all_fs(pairs, &levels, records, &self.view());
        if let Some(bar) = progress {
            bar.inc(pairs.len() as u64);
        }
        scored
    }

    fn bands(&self) -> Bands {
        self.bands
    }

    fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.pages {
            out.extend(["title".to_string(), "description".to_string()]);
        }
        out.push("match weight".into());
        out
    }

    fn evidence(&self, s: &ScoredPair) -> Vec<String> {
        let mut out = Vec::new();
        if self.pages {
            out.extend([fixed(s.title), s.description.map(fixed).unwrap_or_default()]);
        }
        // Every pair this scorer scored has a weight; a pair without one shows none.
        out.push(s.fs.as_ref().map(|f| fixed(f.match_weight)).unwrap_or_default());
        out
    }

    fn settings(&self) -> Vec<(String, String)> {
        vec![
            ("scorer".into(), self.name().into()),
            ("match_threshold".into(), fixed(self.bands.match_at)),
            ("review_threshold".into(), fixed(self.bands.review_at)),
            ("weight_prior".into(), fixed(self.model.prior_weight())),
        ]
    }

    fn limits(&self) -> String {
        let names: Vec<&str> = self
            .model
            .comparisons
            .iter()
            .map(|c| c.comparison.name.as_str())
            .collect();
        format!(
            " (Fellegi-Sunter model: prior weight {}; comparisons {})",
            fixed(self.model.prior_weight()),
            names.join(", ")
        )
    }

    fn model(&self) -> Option<&Model> {
        Some(&self.model)
    }
}

/// One step of a match weight's waterfall: a comparison, the level the pair is at, and its
/// contribution log2(m/u).
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    /// The comparison's name.
    pub name: &'a str,
    /// The level's label ("null": a value is missing).
    pub level: &'a str,
    /// The contribution.
    pub weight: f64,
}

/// The steps of a pair's match weight after the prior, one per comparison.
pub fn waterfall<'a>(model: &'a Model, fs: &'a compare::FsDetail) -> Vec<Step<'a>> {
    model
        .comparisons
        .iter()
        .zip(&fs.levels)
        .zip(&fs.weights)
        .map(|((c, l), w)| Step {
            name: &c.comparison.name,
            level: l.map_or("null", |l| c.levels[l as usize].label.as_str()),
            weight: *w,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_text_is_the_formatters_four_decimals() {
        let mut f = FixedText::default();
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.12345,
            0.99995,
            1e14,
            1e15,
            1e300,
            -1e-9,
            f64::NAN,
        ];
        values.extend([f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE, 123_456.789_05]);
        // Every tie and near-tie of four decimals in [0, 3), and a spread of others.
        values.extend((0..60_000).map(|k| k as f64 / 20_000.0));
        values.extend((0..60_000).map(|k| -(k as f64) / 20_000.0 + 1e-12));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x >> 2) % 1e6);
            values.push((x % 100_000_000) as f64 / 1e7 - 5.0);
        }
        for v in values {
            assert_eq!(f.format(v), format!("{v:.4}"), "{v:e}");
            assert_eq!(f.decimals(v, 2), format!("{v:.2}"), "{v:e}");
            assert_eq!(f.decimals(v, 0), format!("{v:.0}"), "{v:e}");
            assert_eq!(Decimals::<6>(v).to_string(), format!("{v:.6}"), "{v:e}");
        }
    }

    #[test]
    fn each_scorer_owns_its_bands() {
        let rules = crate::rules::Rules::builtin();
        let weighted = Weighted::new(&rules.comparison).bands();
        assert_eq!(
            (weighted.measure, weighted.match_at, weighted.review_at),
            ("score", 0.9, 0.7)
        );
        assert!((weighted.centre() - 0.8).abs() < 1e-12);
        let fs = Bands {
            measure: "match probability",
            match_at: rules.model.match_probability,
            review_at: rules.model.review_probability,
        };
        assert!((fs.centre() - 0.725).abs() < 1e-12);
        assert_eq!(
            [fs.class(0.95), fs.class(0.5), fs.class(0.49)],
            ["match", "review", "no-match"]
        );
    }
}
