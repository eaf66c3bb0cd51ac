//! A run's blocking, counted before the run (`concord plan`): how many pairs each blocking
//! rule makes, how many of them earlier rules already made, and the pairs to compare in all,
//! as Splink's blocking analysis counts them. The inputs are read, normalized and blocked as
//! `run` would; nothing is compared or written.

use super::{Run, RunOptions};
use crate::error::{Error, Warning};
use crate::linkage::block::NO_BLOCK;

/// One blocking rule's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePlan {
    /// The rule's name.
    pub name: String,
    /// Pairs its blocks make, whichever rule made them first.
    pub pairs: u64,
    /// Of those, pairs an earlier rule already made.
    pub already_made: u64,
    /// Pairs of this and every earlier rule.
    pub cumulative: u64,
    /// Blocks of two records or more.
    pub blocks: usize,
    /// Records in its largest block.
    pub largest_block: usize,
}

/// What `plan` counted.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Records read.
    pub records: usize,
    /// Every pair of records: what comparing without blocking would cost.
    pub all_pairs: u64,
    /// The rules, in order.
    pub rules: Vec<RulePlan>,
    /// Pairs no rule made because both records are on one page (or from one source, when
    /// linking sources).
    pub same_page_skipped: usize,
    /// Warnings of reading and blocking (oversized blocks compared by window, ...).
    pub warnings: Vec<Warning>,
}

impl Plan {
    /// Pairs to compare: every rule's new pairs.
    pub fn to_compare(&self) -> u64 {
        self.rules.last().map_or(0, |r| r.cumulative)
    }
}

/// Reads, normalizes and blocks the inputs of `opts` (its output folder is not touched) and
/// counts the pairs of each blocking rule.
pub fn plan(opts: &RunOptions) -> Result<Plan, Error> {
    let page_rules = opts.rules.compile_pages()?;
    let run = Run::of(opts);
    let (input, _errors) = run.ingest(&opts.inputs, opts.format, &page_rules)?;
    if input.records.is_empty() {
        return Err(Error::Input {
            file: opts.inputs.first().map(|p| p.display().to_string()).unwrap_or_default(),
            message: "no record was read".into(),
        });
    }
    let normalized = run.normalize(input)?;
    let blocking = run.block(&normalized);
    let names = match normalized.table {
        Some(t) => t.blocking.iter().map(|b| b.name.clone()).collect(),
        None => opts
            .rules
            .blocking
            .rules
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>(),
    };
    let mut rules: Vec<RulePlan> = names
        .into_iter()
        .map(|name| RulePlan {
            name,
            pairs: 0,
            already_made: 0,
            cumulative: 0,
            blocks: 0,
            largest_block: 0,
        })
        .collect();
    for s in &blocking.stats {
        if let Some(r) = rules.get_mut(s.rule.index()) {
            r.pairs += s.pairs as u64;
            r.blocks += 1;
            r.largest_block = r.largest_block.max(s.records);
        }
    }
    // A pair keeps the first rule that made it: a rule's new pairs are those it keeps.
    let mut new = vec![0u64; rules.len()];
    for p in blocking.pairs.iter().filter(|p| p.block != NO_BLOCK) {
        if let Some(n) = new.get_mut(blocking.stats[p.block as usize].rule.index()) {
            *n += 1;
        }
    }
    let mut cumulative = 0;
    for (r, n) in rules.iter_mut().zip(new) {
        cumulative += n;
        // A rule of rare tokens may pair two records under two tokens: counted twice in
        // `pairs`, kept once.
        r.already_made = r.pairs.saturating_sub(n);
        r.cumulative = cumulative;
    }
    let n = normalized.records.len() as u64;
    let mut warnings = normalized.warnings;
    warnings.extend(blocking.warnings);
    Ok(Plan {
        records: normalized.records.len(),
        all_pairs: n * n.saturating_sub(1) / 2,
        rules,
        same_page_skipped: blocking.same_page_skipped,
        warnings,
    })
}
