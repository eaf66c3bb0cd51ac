//! Training without labels, as Splink does it: u probabilities from random pairs (almost all
//! of which are non-matches), then m probabilities by expectation-maximisation over the
//! blocked pairs with u held fixed.
//!
//! Blocking biases the pairs it makes: every pair of a rule on `surname` agrees on surname,
//! match or not. So each blocking rule is a training session of its own, with its own share
//! of matches (lambda), and a comparison on a field of the rule is left out of that rule's
//! session; m estimates are pooled over the sessions that could see them.

use std::collections::BTreeMap;

/// A blocked pair as training sees it: the blocking rules it satisfies (a bit per rule) and
/// its comparison levels (`None`: null level).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Observation {
    /// Bit `r` set when blocking rule `r` would have made the pair.
    pub rules: u64,
    /// Level of each comparison.
    pub levels: Vec<Option<u8>>,
}

/// The settings of one EM run.
#[derive(Debug, Clone)]
pub struct EmSettings {
    /// Stop after this many iterations.
    pub max_iterations: usize,
    /// Stop when no parameter moves by more than this.
    pub tolerance: f64,
    /// `excluded[r]`: comparisons left out of rule r's session.
    pub excluded: Vec<Vec<usize>>,
}

/// What EM found.
#[derive(Debug, Clone)]
pub struct EmResult {
    /// `m[k][l]`: probability of level l of comparison k among matches. A comparison that no
    /// session could estimate keeps its starting values (see `estimated`).
    pub m: Vec<Vec<f64>>,
    /// Whether each comparison's m was estimated.
    pub estimated: Vec<bool>,
    /// Share of matches among the pairs of each rule.
    pub lambda: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

/// u probabilities from level counts over random pairs, with add-one smoothing so that a
/// level never seen among random pairs (exact agreement on a rare id) has a small, finite
/// u rather than an infinite weight.
pub fn u_from_counts(counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    counts
        .iter()
        .map(|c| {
            let total: u64 = c.iter().sum();
            c.iter()
                .map(|&n| (n as f64 + 1.0) / (total as f64 + c.len() as f64))
                .collect()
        })
        .collect()
}

/// Starting m: most matches agree exactly, fewer at each fuzzier level.
pub fn initial_m(levels: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..levels).map(|l| 0.5f64.powi(l as i32 * 2 + 1)).collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|x| x / sum).collect()
}

fn sigmoid_log2(w: f64) -> f64 {
    1.0 / (1.0 + (-w).exp2())
}

/// Log2 Bayes factor of an observation in session `rule`.
fn weight(obs: &[Option<u8>], m: &[Vec<f64>], u: &[Vec<f64>], skip: &[bool]) -> f64 {
    obs.iter()
        .enumerate()
        .filter(|(k, _)| !skip[*k])
        .filter_map(|(k, l)| l.map(|l| (m[k][l as usize] / u[k][l as usize]).log2()))
        .sum()
}

/// Runs EM over `pairs` with `u` fixed. `rule_count` is the number of blocking rules.
pub fn em(pairs: &[Observation], u: &[Vec<f64>], rule_count: usize, settings: &EmSettings) -> EmResult {
    // Distinct observations with their counts: EM cost grows with patterns, not pairs.
    let mut patterns: BTreeMap<&Observation, f64> = BTreeMap::new();
    for p in pairs {
        *patterns.entry(p).or_default() += 1.0;
    }
    let k_count = u.len();
    let mut skip = vec![vec![false; k_count]; rule_count];
    for (r, ex) in settings.excluded.iter().enumerate().take(rule_count) {
        for &k in ex {
            skip[r][k] = true;
        }
    }
    let estimated: Vec<bool> = (0..k_count)
        .map(|k| (0..rule_count).any(|r| !skip[r][k] && patterns.keys().any(|o| o.rules >> r & 1 == 1)))
        .collect();
    let mut m: Vec<Vec<f64>> = u.iter().map(|lv| initial_m(lv.len())).collect();
    let mut lambda: Vec<f64> = vec![0.1; rule_count];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < settings.max_iterations {
        iterations += 1;
        let mut m_num: Vec<Vec<f64>> = u.iter().map(|lv| vec![0.0; lv.len()]).collect();
        let mut lambda_num = vec![0.0; rule_count];
        let mut lambda_den = vec![0.0; rule_count];
        for (obs, &count) in &patterns {
            for r in (0..rule_count).filter(|r| obs.rules >> r & 1 == 1) {
                let prior = (lambda[r] / (1.0 - lambda[r])).log2();
                let p = sigmoid_log2(prior + weight(&obs.levels, &m, u, &skip[r]));
                lambda_num[r] += count * p;
                lambda_den[r] += count;
                for (k, l) in obs.levels.iter().enumerate() {
                    if let Some(l) = l.filter(|_| !skip[r][k]) {
                        m_num[k][l as usize] += count * p;
                    }
                }
            }
        }
        let mut delta: f64 = 0.0;
        for k in (0..k_count).filter(|&k| estimated[k]) {
            let total: f64 = m_num[k].iter().sum();
            if total <= 0.0 {
                continue;
            }
            for (l, num) in m_num[k].iter().enumerate() {
                // A floor keeps a level that no match showed from an infinite negative weight.
                let new = (num / total).max(1e-6);
                delta = delta.max((new - m[k][l]).abs());
                m[k][l] = new;
            }
        }
        for r in 0..rule_count {
            if lambda_den[r] > 0.0 {
                let new = (lambda_num[r] / lambda_den[r]).clamp(1e-9, 1.0 - 1e-9);
                delta = delta.max((new - lambda[r]).abs());
                lambda[r] = new;
            }
        }
        if delta < settings.tolerance {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        estimated,
        lambda,
        iterations,
        converged,
    }
}

/// Posterior match probability of one pair under the session of its first rule.
pub fn posterior(obs: &Observation, m: &[Vec<f64>], u: &[Vec<f64>], lambda: &[f64], settings: &EmSettings) -> f64 {
    let Some(r) = (0..lambda.len()).find(|r| obs.rules >> r & 1 == 1) else {
        return 0.0;
    };
    let mut skip = vec![false; u.len()];
    for &k in settings.excluded.get(r).into_iter().flatten() {
        skip[k] = true;
    }
    let prior = (lambda[r] / (1.0 - lambda[r])).log2();
    sigmoid_log2(prior + weight(&obs.levels, m, u, &skip))
}

/// SplitMix64: a small, fixed generator, so that the random pairs (and so the model) are the
/// same on every run and with every version of every dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for sampling pairs, and exact for n = 1.
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Pairs `(i, j)`, `i < j < n`, to estimate u from: all of them when there are at most
/// `max_pairs`, otherwise `max_pairs` drawn at random (with a fixed seed).
pub fn random_pairs(n: usize, max_pairs: usize, seed: u64) -> Vec<(u32, u32)> {
    let total = n.saturating_mul(n.saturating_sub(1)) / 2;
    if total <= max_pairs {
        return (0..n as u32)
            .flat_map(|i| (i + 1..n as u32).map(move |j| (i, j)))
            .collect();
    }
    draw_pairs(&mut SplitMix64(seed), n, max_pairs)
}

/// `count` pairs of distinct records among `n` (at least 2), drawn from `rng`.
pub fn draw_pairs(rng: &mut SplitMix64, n: usize, count: usize) -> Vec<(u32, u32)> {
    (0..count)
        .map(|_| {
            let i = rng.below(n as u64) as u32;
            let mut j = rng.below(n as u64 - 1) as u32;
            if j >= i {
                j += 1;
            }
            (i.min(j), i.max(j))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws a level from a distribution.
    fn draw(rng: &mut SplitMix64, dist: &[f64]) -> u8 {
        let x = rng.unit();
        let mut acc = 0.0;
        for (l, p) in dist.iter().enumerate() {
            acc += p;
            if x < acc {
                return l as u8;
            }
        }
        (dist.len() - 1) as u8
    }

    /// Generated data with known m and u: u estimated from random pairs (1 match in 1000),
    /// m by EM over "blocked" pairs (30% matches, in two rules that each hide one comparison).
    #[test]
    fn em_recovers_known_m_and_u_within_0_05() {
        let true_m = [
            vec![0.85, 0.10, 0.05],
            vec![0.70, 0.20, 0.10],
            vec![0.90, 0.10],
            vec![0.6, 0.3, 0.1],
        ];
        let true_u = [
            vec![0.02, 0.08, 0.90],
            vec![0.05, 0.15, 0.80],
            vec![0.10, 0.90],
            vec![0.1, 0.2, 0.7],
        ];
        let mut rng = SplitMix64(7);
        let gen_pair = |rng: &mut SplitMix64, is_match: bool| -> Vec<Option<u8>> {
            let dists = if is_match { &true_m } else { &true_u };
            dists.iter().map(|d| Some(draw(rng, d))).collect()
        };
        let mut counts: Vec<Vec<u64>> = true_u.iter().map(|d| vec![0; d.len()]).collect();
        for _ in 0..200_000 {
            let is_match = rng.below(1000) == 0;
            for (k, l) in gen_pair(&mut rng, is_match).into_iter().enumerate() {
                counts[k][l.unwrap() as usize] += 1;
            }
        }
        let u = u_from_counts(&counts);
        let mut pairs = Vec::new();
        for n in 0..40_000 {
            let is_match = rng.unit() < 0.3;
            let mut levels = gen_pair(&mut rng, is_match);
            let rule = n % 2;
            // The rule's own field agrees exactly, as blocking makes it.
            levels[rule] = Some(0);
            pairs.push(Observation {
                rules: 1 << rule,
                levels,
            });
        }
        let settings = EmSettings {
            max_iterations: 500,
            tolerance: 1e-7,
            excluded: vec![vec![0], vec![1]],
        };
        let result = em(&pairs, &u, 2, &settings);
        assert!(
            result.converged,
            "EM did not converge in {} iterations",
            result.iterations
        );
        assert_eq!(result.estimated, vec![true; 4]);
        for k in 0..true_m.len() {
            for l in 0..true_m[k].len() {
                let (m, t) = (result.m[k][l], true_m[k][l]);
                assert!((m - t).abs() < 0.05, "m[{k}][{l}] = {m:.3}, true {t}");
                let (u, t) = (u[k][l], true_u[k][l]);
                assert!((u - t).abs() < 0.05, "u[{k}][{l}] = {u:.3}, true {t}");
            }
        }
        for l in result.lambda {
            assert!((l - 0.3).abs() < 0.05, "lambda {l}");
        }
    }

    #[test]
    fn random_pairs_are_all_pairs_when_few_and_fixed_when_many() {
        assert_eq!(random_pairs(3, 10, 1), vec![(0, 1), (0, 2), (1, 2)]);
        let a = random_pairs(1000, 50, 1);
        assert_eq!(a, random_pairs(1000, 50, 1));
        assert!(a.iter().all(|(i, j)| i < j && *j < 1000));
    }
}
