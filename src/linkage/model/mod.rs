//! The Fellegi-Sunter model, in Splink's vocabulary: comparisons with ordered levels, each
//! level with an m probability (among matches) and a u probability (among non-matches);
//! a pair's match weight is the prior's log2 odds plus each comparison's log2(m/u), its match
//! probability follows from the weight, and thresholds from the rules turn it into a decision.
//!
//! This module owns the policy section `[model]`, the comparisons of a table or of pages,
//! training (u from random pairs, m by EM, see [`train`]), term-frequency adjustment, and the
//! model file (`model.json` in the output folder, reusable with `--model`).

pub mod comparison;
pub mod train;

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::record::Record;
use crate::rules::ComparisonRules;
use crate::schema::{Schema, TableRules, Within};
pub use comparison::Comparison;
// The `[model]` section is policy, parsed with the rest of the rules (rules.rs imports nothing
// of the model); its old paths stay.
pub use crate::rules::{ModelRules, PageScorer};
use train::{EmSettings, Observation};

/// The comparisons of a source: one per compared field of its schema, found by position in
/// the schema (records hold their values in that order).
pub fn comparisons(schema: &Schema, rules: &ModelRules) -> Vec<Comparison> {
    schema
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.compare)
        .map(|(i, f)| Comparison {
            within: (f.within.iter().flatten())
                .filter_map(|w| Within::parse(w, f.kind).ok())
                .collect(),
            similarity: f.similarity,
            ..Comparison::new(
                &f.name,
                i,
                f.kind,
                f.levels
                    .clone()
                    .unwrap_or_else(|| rules.default_levels(f.kind, f.similarity)),
                f.term_frequency,
            )
        })
        .collect()
}

/// The comparisons of a table: one per compared field.
pub fn table_comparisons(table: &TableRules, rules: &ModelRules) -> Vec<Comparison> {
    comparisons(&Schema::of_table(table), rules)
}

/// The comparisons of page records: date, title and description of the page schema.
pub fn page_comparisons(rules: &ModelRules) -> Vec<Comparison> {
    comparisons(Schema::page(), rules)
}

fn field(r: &Record, f: usize) -> Option<&crate::record::Value> {
    r.value(f)
}

/// The level of every comparison for one pair.
pub fn levels_of(comparisons: &[Comparison], x: &Record, y: &Record, rules: &ComparisonRules) -> Vec<Option<u8>> {
    comparisons
        .iter()
        .map(|c| c.level(field(x, c.field), field(y, c.field), rules))
        .collect()
}

/// Level counts of comparison `c` over the pairs `pairs` of `records`, summed in parallel
/// (integer sums: the same whatever the thread count).
fn level_counts(records: &[Record], c: &Comparison, pairs: &[(u32, u32)], cmp: &ComparisonRules) -> Vec<u64> {
    let zero = || vec![0u64; c.level_count()];
    pairs
        .par_iter()
        .fold(zero, |mut counts, &(a, b)| {
            let (x, y) = (&records[a as usize], &records[b as usize]);
            if let Some(l) = c.level(field(x, c.field), field(y, c.field), cmp) {
                counts[l as usize] += 1;
            }
            counts
        })
        .reduce(zero, |mut x, y| {
            x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
            x
        })
}

/// Each comparison's u, and the random pairs each took. A table of few records has all
/// its pairs counted. Otherwise, comparison by comparison as Splink does: exact agreement is
/// counted from the values' frequencies (the share of pairs of records with a value that
/// hold the same one: exact, and the level a sample sees least for a field of rare values),
/// and the other levels from random pairs drawn in doubling batches (10,000, then as many
/// again) until every one of them has been seen `u_min_count` times or `u_sample_pairs` are
/// drawn. A comparison whose levels are common stops early; one with a rare level (one edit
/// between two ids) draws them all, at the cost of its own comparisons only.
fn estimate_u(
    records: &[Record],
    comps: &[Comparison],
    rules: &ModelRules,
    cmp: &ComparisonRules,
) -> (Vec<Vec<f64>>, Vec<usize>) {
    let n = records.len();
    let all = n.saturating_mul(n.saturating_sub(1)) / 2;
    if all <= rules.u_sample_pairs {
        let pairs = train::random_pairs(n, rules.u_sample_pairs, rules.seed);
        let counts: Vec<Vec<u64>> = comps.iter().map(|c| level_counts(records, c, &pairs, cmp)).collect();
        return (train::u_from_counts(&counts), vec![pairs.len(); comps.len()]);
    }
    comps
        .iter()
        .map(|c| {
            let (counts, drawn) = sample_until_seen(records, c, rules, cmp);
            let exact = exact_share(records, c.field);
            let rest = train::u_from_counts(&[counts[1..].to_vec()]).remove(0);
            let u = std::iter::once(exact).chain(rest.into_iter().map(|u| u * (1.0 - exact)));
            (u.collect(), drawn)
        })
        .unzip()
}

/// Level counts of `c` over random pairs drawn (from the rules' seed: every comparison sees
/// the same pairs, in the same order) until each level but exact has been seen
/// `u_min_count` times, or `u_sample_pairs` are drawn; and how many were.
fn sample_until_seen(
    records: &[Record],
    c: &Comparison,
    rules: &ModelRules,
    cmp: &ComparisonRules,
) -> (Vec<u64>, usize) {
    let mut rng = train::SplitMix64(rules.seed);
    let mut counts = vec![0u64; c.level_count()];
    let mut drawn = 0;
    let mut batch = 10_000.min(rules.u_sample_pairs);
    loop {
        let pairs = train::draw_pairs(&mut rng, records.len(), batch);
        let add = level_counts(records, c, &pairs, cmp);
        counts.iter_mut().zip(add).for_each(|(t, a)| *t += a);
        drawn += batch;
        if counts[1..].iter().all(|&k| k >= rules.u_min_count) || drawn >= rules.u_sample_pairs {
            return (counts, drawn);
        }
        batch = drawn.min(rules.u_sample_pairs - drawn);
    }
}

/// The share of pairs of records with a value in field `f` that hold the same value, at
/// least one pair in all pairs (a field of unique values still agrees now and then).
fn exact_share(records: &[Record], f: usize) -> f64 {
    let mut freq: HashMap<std::borrow::Cow<'_, str>, u64> = HashMap::new();
    for r in records {
        if let Some(v) = r.value(f) {
            *freq.entry(v.key_str()).or_default() += 1;
        }
    }
    let with_value: u64 = freq.values().sum();
    let pairs = |k: u64| k * k.saturating_sub(1) / 2;
    let all = pairs(with_value).max(1);
    (freq.values().map(|&k| pairs(k)).sum::<u64>().max(1) as f64 / all as f64).min(0.5)
}

/// One level of a trained comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelModel {
    /// "exact", "jaro-winkler>=0.92", ..., "else".
    pub label: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
}

/// A trained comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonModel {
    /// The comparison.
    pub comparison: Comparison,
    /// Its levels, best first.
    pub levels: Vec<LevelModel>,
    /// Whether EM estimated m (false: every blocking rule holds this field, so m kept its
    /// starting values).
    pub m_estimated: bool,
    /// Random pairs its u was estimated from (absent from a hand-written model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u_pairs: Option<usize>,
}

/// How the model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// Random pairs u was estimated from (the most any comparison drew).
    pub random_pairs: usize,
    /// Blocked pairs m was estimated from.
    pub blocked_pairs: usize,
    /// EM iterations.
    pub iterations: usize,
    /// Whether EM reached its tolerance.
    pub converged: bool,
    /// Share of matches among each blocking rule's pairs, as EM found it.
    pub lambda: Vec<(String, f64)>,
}

/// A trained Fellegi-Sunter model: what `model.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Probability that two records drawn at random match.
    pub prior: f64,
    /// The comparisons with their m and u.
    pub comparisons: Vec<ComparisonModel>,
    /// How it was trained (absent from a hand-written model).
    pub training: Option<Training>,
}

/// What training needs besides the records.
pub struct TrainingSet<'a> {
    /// The comparisons.
    pub comparisons: &'a [Comparison],
    /// Levels of every blocked pair.
    pub levels: &'a [Vec<Option<u8>>],
    /// Rules each blocked pair satisfies (a bit per rule).
    pub masks: &'a [u64],
    /// Blocking rule names.
    pub rule_names: &'a [String],
    /// Comparisons on the fields of each rule, left out of its EM session.
    pub excluded: Vec<Vec<usize>>,
}

impl Model {
    /// Trains on `records`: u from random pairs, m by EM over the blocked pairs, and the
    /// prior from the expected number of matches among the blocked pairs.
    pub fn train(records: &[Record], set: &TrainingSet, rules: &ModelRules, cmp: &ComparisonRules) -> Model {
        let comps = set.comparisons;
        let (u, u_pairs) = estimate_u(records, comps, rules, cmp);
        let observations: Vec<Observation> = set
            .levels
            .iter()
            .zip(set.masks)
            .map(|(levels, &rules)| Observation {
                rules,
                levels: levels.clone(),
            })
            .collect();
        let settings = EmSettings {
            max_iterations: rules.max_iterations,
            tolerance: rules.tolerance,
            excluded: set.excluded.clone(),
        };
        let em = train::em(&observations, &u, set.rule_names.len(), &settings);
        let expected: f64 = observations
            .iter()
            .map(|o| train::posterior(o, &em.m, &u, &em.lambda, &settings))
            .sum();
        let n = records.len() as f64;
        let all_pairs = (n * (n - 1.0) / 2.0).max(1.0);
        let comparisons = comps
            .iter()
            .enumerate()
            .map(|(k, c)| ComparisonModel {
                comparison: c.clone(),
                levels: c
                    .labels()
                    .into_iter()
                    .enumerate()
                    .map(|(l, label)| LevelModel {
                        label,
                        m: em.m[k][l],
                        u: u[k][l],
                    })
                    .collect(),
                m_estimated: em.estimated[k],
                u_pairs: Some(u_pairs[k]),
            })
            .collect();
        Model {
            prior: (expected / all_pairs).clamp(1e-12, 0.5),
            comparisons,
            training: Some(Training {
                random_pairs: u_pairs.iter().copied().max().unwrap_or(0),
                blocked_pairs: observations.len(),
                iterations: em.iterations,
                converged: em.converged,
                lambda: set.rule_names.iter().cloned().zip(em.lambda).collect(),
            }),
        }
    }

    /// The prior's contribution to every pair's weight: log2 of its odds.
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Each comparison's contribution (log2 Bayes factor) for a pair at `levels`; `tf[k]` is
    /// the frequency of the agreed value when comparison k agrees exactly and adjusts for it.
    pub fn contributions(&self, levels: &[Option<u8>], tf: &[Option<f64>]) -> Vec<f64> {
        self.comparisons
            .iter()
            .zip(levels)
            .zip(tf)
            .map(|((c, l), tf)| match l {
                None => 0.0,
                Some(l) => {
                    let level = &c.levels[*l as usize];
                    // Term frequency: exact agreement on a value held by a share f of records
                    // happens between two random records with probability f, not u.
                    let u = match (*l, tf) {
                        (0, Some(f)) => *f,
                        _ => level.u,
                    };
                    (level.m / u).log2()
                }
            })
            .collect()
    }

    /// The model file's name in the output folder.
    pub const FILE: &'static str = "model.json";

    /// Stages the model file in a run's output batch (written with the run's other outputs).
    pub fn stage(&self, batch: &impl StageFile) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Input {
            file: Model::FILE.into(),
            message: e.to_string(),
        })?;
        batch.stage_file(Model::FILE, format!("{text}\n").as_bytes())
    }

    /// Reads a model file and checks that it fits `comparisons` (same names, kinds, levels).
    pub fn load(path: &Path, comparisons: &[Comparison]) -> Result<Model, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let bad = |message: String| Error::Rules {
            file: path.display().to_string(),
            message,
        };
        let model: Model = serde_json::from_str(&text).map_err(|e| bad(format!("not a concord model: {e}")))?;
        let theirs: Vec<(&str, Vec<&str>)> = model
            .comparisons
            .iter()
            .map(|c| {
                (
                    c.comparison.name.as_str(),
                    c.levels.iter().map(|l| l.label.as_str()).collect(),
                )
            })
            .collect();
        let labels: Vec<Vec<String>> = comparisons.iter().map(Comparison::labels).collect();
        let ours: Vec<(&str, Vec<&str>)> = comparisons
            .iter()
            .zip(&labels)
            .map(|(c, l)| (c.name.as_str(), l.iter().map(String::as_str).collect()))
            .collect();
        if theirs != ours {
            return Err(bad(format!(
                "the model's comparisons {theirs:?} do not fit the rules' comparisons {ours:?}"
            )));
        }
        let probabilities_ok = model
            .comparisons
            .iter()
            .flat_map(|c| &c.levels)
            .all(|l| l.m > 0.0 && l.u > 0.0 && l.m <= 1.0 && l.u <= 1.0)
            && model.prior > 0.0
            && model.prior < 1.0;
        if !probabilities_ok {
            return Err(bad("probabilities must lie in (0, 1]".into()));
        }
        let mut model = model;
        // The field indices follow the rules in force, not the file.
        for (c, ours) in model.comparisons.iter_mut().zip(comparisons) {
            c.comparison = ours.clone();
        }
        Ok(model)
    }
}

/// Where the model file is staged: the run's output batch implements it (in `output.rs`), so
/// that the model depends on no writer and the writers may depend on the model.
pub trait StageFile {
    /// Stages the file `name` holding `bytes`.
    fn stage_file(&self, name: &str, bytes: &[u8]) -> Result<(), Error>;
}

/// Term frequencies of the values of comparisons that adjust for them: the share of records
/// (with a value) that hold each value. Taken from the records of the run, not from the model
/// file: frequencies belong to the data.
#[derive(Debug, Default)]
pub struct TermFrequencies {
    tables: Vec<Option<HashMap<String, f64>>>,
}

impl TermFrequencies {
    /// Counts the values of every adjusted comparison.
    pub fn new(records: &[Record], comparisons: &[Comparison]) -> TermFrequencies {
        let tables = comparisons
            .iter()
            .map(|c| {
                c.term_frequency.then(|| {
                    let mut counts: HashMap<String, f64> = HashMap::new();
                    let mut total = 0.0;
                    for v in records.iter().filter_map(|r| r.value(c.field)) {
                        *counts.entry(v.key()).or_default() += 1.0;
                        total += 1.0;
                    }
                    counts.values_mut().for_each(|n| *n /= total);
                    counts
                })
            })
            .collect();
        TermFrequencies { tables }
    }

    /// For each comparison, the frequency of `x`'s value when the pair agrees exactly on it
    /// and the comparison is adjusted.
    pub fn of(&self, comparisons: &[Comparison], x: &Record, levels: &[Option<u8>]) -> Vec<Option<f64>> {
        comparisons
            .iter()
            .zip(levels)
            .enumerate()
            .map(|(k, (c, l))| {
                let table = self.tables.get(k)?.as_ref()?;
                let value = x.value(c.field)?;
                (*l == Some(0)).then(|| table.get(&value.key()).copied()).flatten()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RawRecord;
    use crate::record::Value;
    use crate::schema::FieldKind;

    fn record(surname: &str) -> Record {
        let raw = RawRecord {
            key: Some(surname.into()),
            ..RawRecord::row_for_test(&[surname])
        };
        Record::new(raw, Box::new([Some(Value::text(surname.into()))]), 0)
    }

    fn model(term_frequency: bool) -> (Model, Vec<Comparison>) {
        let c = Comparison::new("surname", 0, FieldKind::Name, vec![0.9], term_frequency);
        let level = |label: &str, m, u| LevelModel {
            label: label.into(),
            m,
            u,
        };
        let m = Model {
            prior: 0.01,
            comparisons: vec![ComparisonModel {
                comparison: c.clone(),
                levels: vec![
                    level("exact", 0.9, 0.1),
                    level("jaro-winkler>=0.90", 0.05, 0.1),
                    level("else", 0.05, 0.8),
                ],
                m_estimated: true,
                u_pairs: None,
            }],
            training: None,
        };
        (m, vec![c])
    }

    #[test]
    fn exact_agreement_on_a_common_value_weighs_less_than_on_a_rare_one() {
        let (m, comps) = model(true);
        let records: Vec<Record> = ["smith", "smith", "smith", "smith", "zyx"].map(record).to_vec();
        let tf = TermFrequencies::new(&records, &comps);
        let exact = [Some(0)];
        let common = m.contributions(&exact, &tf.of(&comps, &records[0], &exact))[0];
        let rare = m.contributions(&exact, &tf.of(&comps, &records[4], &exact))[0];
        // m / frequency: 0.9 / 0.8 and 0.9 / 0.2.
        assert!((common - (0.9f64 / 0.8).log2()).abs() < 1e-12, "{common}");
        assert!((rare - (0.9f64 / 0.2).log2()).abs() < 1e-12, "{rare}");
        // Without the adjustment both weigh log2(m/u); a null level weighs nothing.
        let (plain, comps) = model(false);
        let tf = TermFrequencies::new(&records, &comps);
        let w = plain.contributions(&exact, &tf.of(&comps, &records[0], &exact))[0];
        assert!((w - 9f64.log2()).abs() < 1e-12, "{w}");
        assert_eq!(plain.contributions(&[None], &[None])[0], 0.0);
    }

    /// Stages by writing the file at once.
    struct Folder(std::path::PathBuf);

    impl StageFile for Folder {
        fn stage_file(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).map_err(|source| Error::Io { path, source })
        }
    }

    #[test]
    fn a_model_file_round_trips_and_a_bad_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (m, comps) = model(false);
        let folder = Folder(dir.path().to_path_buf());
        m.stage(&folder).unwrap();
        let path = dir.path().join(Model::FILE);
        assert_eq!(Model::load(&path, &comps).unwrap(), m);
        let text = std::fs::read_to_string(&path).unwrap().replace("0.9,", "0.0,");
        std::fs::write(&path, text).unwrap();
        let err = Model::load(&path, &comps).unwrap_err().to_string();
        assert!(err.contains("probabilities"), "{err}");
        let mut other = comps.clone();
        other[0].name = "given_name".into();
        m.stage(&folder).unwrap();
        let err = Model::load(&path, &other).unwrap_err().to_string();
        assert!(err.contains("do not fit"), "{err}");
    }
}
