//! The whole run: ingest -> normalize -> block -> compare -> cluster -> merge -> write.
//! Each stage takes the previous stage's output and nothing else.

use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::audit::{self, overrides::Overrides};
use crate::block;
use crate::cluster::{self, Link};
use std::collections::{BTreeMap, BTreeSet};

use crate::compare::{self, MatchDecision, ScoredPair};
use crate::error::{Error, Warning};
use crate::ingest;
use crate::merge;
use crate::normalize;
use crate::output;
use crate::record::Record;
use crate::rules::Rules;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    pub out: PathBuf,
    /// Rules in force.
    pub rules: Rules,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
    /// Show progress bars on stderr.
    pub progress: bool,
    /// A reviewer's overrides (empty: none).
    pub overrides: Overrides,
}

/// The figures a run prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input files read.
    pub files: usize,
    /// Input files that could not be used.
    pub failed_files: usize,
    /// Records ingested.
    pub records: usize,
    /// Blocks with at least two records.
    pub blocks: usize,
    /// Largest block.
    pub largest_block: usize,
    /// Pairs compared.
    pub pairs_compared: usize,
    /// Pairs not compared because both records are on one page.
    pub same_page_pairs_skipped: usize,
    /// Pairs decided match.
    pub match_pairs: usize,
    /// Pairs sent to review.
    pub review_pairs: usize,
    /// Overrides that named records of this run.
    pub overrides_applied: usize,
    /// Overrides naming a record not in this run (reported as warnings, kept in the file).
    pub overrides_stale: usize,
    /// Matched links cut by a constraint.
    pub cut_links: usize,
    /// Matched links left for review because the record matched two documents equally.
    pub ambiguous_links: usize,
    /// Clusters.
    pub clusters: usize,
    /// Canonical records written.
    pub canonical_records: usize,
    /// Clusters of more than one record.
    pub merged_clusters: usize,
    /// Warnings.
    pub warnings: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.rows() {
            writeln!(f, "{name:<25} {value}")?;
        }
        Ok(())
    }
}

impl Summary {
    /// The figures as (name, value), in display order.
    pub fn rows(&self) -> [(&'static str, usize); 17] {
        [
            ("files read", self.files),
            ("files failed", self.failed_files),
            ("records", self.records),
            ("blocks", self.blocks),
            ("largest block", self.largest_block),
            ("pairs compared", self.pairs_compared),
            ("same-page pairs skipped", self.same_page_pairs_skipped),
            ("match pairs", self.match_pairs),
            ("review pairs", self.review_pairs),
            ("overrides applied", self.overrides_applied),
            ("overrides not found", self.overrides_stale),
            ("links cut by constraints", self.cut_links),
            ("ambiguous links", self.ambiguous_links),
            ("clusters", self.clusters),
            ("merged clusters", self.merged_clusters),
            ("canonical records", self.canonical_records),
            ("warnings", self.warnings),
        ]
    }
}

/// What a run produced, besides its files.
#[derive(Debug)]
pub struct RunReport {
    /// The figures.
    pub summary: Summary,
    /// Warnings, sorted.
    pub warnings: Vec<Warning>,
    /// Inputs that could not be used.
    pub errors: Vec<Error>,
    /// Files written.
    pub written: Vec<PathBuf>,
}

fn bar(show: bool, len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    show.then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(what.to_string());
        b
    })
}

/// Runs the pipeline. Errors that stop the run (rules, output folder) are returned as `Err`;
/// inputs that could not be read are listed in the report and the rest is processed.
pub fn run(opts: &RunOptions) -> Result<RunReport, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Input {
            file: "--threads".into(),
            message: e.to_string(),
        })?;
    pool.install(|| run_in_pool(opts))
}

fn run_in_pool(opts: &RunOptions) -> Result<RunReport, Error> {
    let page_rules = opts.rules.compile_pages()?;
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::Io {
        path: opts.out.clone(),
        source: e,
    })?;

    // ingest
    let (files, mut errors) = ingest::discover(&opts.inputs);
    let progress = bar(opts.progress, files.len() as u64, "reading");
    let outcomes: Vec<ingest::FileOutcome> = files
        .par_iter()
        .map(|f| {
            let o = ingest::read(f, &page_rules);
            if let Some(b) = &progress {
                b.inc(1);
            }
            o
        })
        .collect();
    if let Some(b) = progress {
        b.finish_and_clear();
    }
    let mut ingested = ingest::Ingested::default();
    let mut page_names = Vec::new();
    let mut page_of_record = Vec::new();
    for o in outcomes {
        let page = page_names.len() as u32;
        page_names.push(o.file.name.clone());
        let before = ingested.records.len();
        ingested.push(o);
        page_of_record.extend(std::iter::repeat_n(page, ingested.records.len() - before));
    }
    errors.append(&mut ingested.errors);

    // normalize
    let records: Vec<_> = ingested
        .records
        .into_par_iter()
        .zip(page_of_record.into_par_iter())
        .map(|(raw, page)| normalize::prepare(raw, page))
        .collect();

    // block
    let blocking = block::block(&records, &opts.rules.blocking);

    // compare
    let progress = bar(opts.progress, blocking.pairs.len() as u64, "comparing");
    let mut scored = compare::compare_all(&blocking.pairs, &records, &opts.rules.comparison, progress.as_ref());
    if let Some(b) = progress {
        b.finish_and_clear();
    }

    // overrides: must-links and cannot-links that beat any score
    let applied = audit::overrides::apply(&opts.overrides, &records, &mut scored, &opts.rules.comparison);

    // cluster
    let links: Vec<Link> = scored
        .iter()
        .zip(&applied.marks)
        .filter(|(s, _)| s.decision == MatchDecision::Match)
        .map(|(s, mark)| Link {
            a: s.pair.a,
            b: s.pair.b,
            score: s.score,
            must: mark.is_some(),
        })
        .collect();
    let clustering = cluster_records(&records, &scored, &links, &applied.cannot, &page_names, &opts.rules);
    annotate(&mut scored, &clustering.cut, None);
    annotate(&mut scored, &clustering.ambiguous, Some(MatchDecision::Review));

    // merge
    let canonical = merge::merge(&records, &clustering.clusters);

    // write
    let mut warnings = ingested.warnings;
    warnings.extend(blocking.warnings);
    warnings.extend(applied.warnings.iter().cloned());
    warnings.extend(audit::unhonoured_overrides(&clustering, &records));
    warnings.sort();
    // Every file is staged first and renamed at the end: a run killed while writing leaves
    // the previous outputs as they were.
    let mut batch = output::Batch::new(&opts.out, &opts.rules.output);
    output::write_canonical(&mut batch, &canonical, &records)?;
    output::write_provenance(&mut batch, &canonical, &records)?;
    output::write_decisions(&mut batch, &scored, &applied.marks, &records)?;
    output::write_warnings(&mut batch, &warnings)?;
    output::write_blocks(&mut batch, &blocking.stats)?;

    let summary = Summary {
        files: ingested.files_read,
        failed_files: errors.len(),
        records: records.len(),
        blocks: blocking.blocks,
        largest_block: blocking.largest_block,
        pairs_compared: scored.len(),
        same_page_pairs_skipped: blocking.same_page_skipped,
        match_pairs: scored.iter().filter(|s| s.decision == MatchDecision::Match).count(),
        review_pairs: scored.iter().filter(|s| s.decision == MatchDecision::Review).count(),
        overrides_applied: applied.applied,
        overrides_stale: applied.stale,
        cut_links: clustering.cut.len(),
        ambiguous_links: clustering.ambiguous.len(),
        clusters: clustering.clusters.len(),
        canonical_records: canonical.len(),
        merged_clusters: clustering.clusters.iter().filter(|c| c.len() > 1).count(),
        warnings: warnings.len(),
    };
    audit::write_all(
        &mut batch,
        &audit::RunAudit {
            records: &records,
            scored: &scored,
            marks: &applied.marks,
            clustering: &clustering,
            canonical: &canonical,
            summary: &summary,
            warnings: &warnings,
            rules: &opts.rules.comparison,
        },
    )?;
    let written = batch.commit()?;
    Ok(RunReport {
        summary,
        warnings,
        errors,
        written,
    })
}

/// Clusters under the constraints: same page, incompatible dates, and pairs the comparison
/// found distinct, and overrides "different" (`overridden`, which even a must-link respects).
/// Only pairs whose two records both have a match can ever matter.
fn cluster_records(
    records: &[Record],
    scored: &[ScoredPair],
    links: &[Link],
    overridden: &BTreeMap<(u32, u32), String>,
    page_names: &[String],
    rules: &Rules,
) -> cluster::Clustering {
    let mut linked = vec![false; records.len()];
    for l in links {
        linked[l.a as usize] = true;
        linked[l.b as usize] = true;
    }
    let mut cannot_link: BTreeMap<(u32, u32), String> = scored
        .iter()
        .filter(|s| s.distinct && linked[s.pair.a as usize] && linked[s.pair.b as usize])
        .map(|s| ((s.pair.a, s.pair.b), s.reason.clone()))
        .collect();
    cannot_link.extend(overridden.iter().map(|(k, v)| (*k, v.clone())));
    let overridden: BTreeSet<(u32, u32)> = overridden.keys().copied().collect();
    let pages: Vec<u32> = records.iter().map(|r| r.page).collect();
    let dates: Vec<_> = records.iter().map(|r| r.date).collect();
    let page_name = |p: u32| page_names[p as usize].clone();
    let record_name = |r: u32| records[r as usize].id.clone();
    let constraints = cluster::Constraints {
        page_of: &pages,
        date_of: &dates,
        cannot_link: &cannot_link,
        overridden: &overridden,
        page_name: &page_name,
        record_name: &record_name,
    };
    cluster::cluster(&constraints, links, rules.clustering.ambiguity_margin)
}

/// Writes what clustering did with a matched link into its decision.
fn annotate(scored: &mut [ScoredPair], links: &[cluster::CutLink], decision: Option<MatchDecision>) {
    for cut in links {
        if let Ok(i) = scored.binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(cut.link.a, cut.link.b))) {
            scored[i]
                .reason
                .push_str(&format!("; not joined in clustering: {}", cut.reason));
            if let Some(d) = decision {
                scored[i].decision = d;
            }
        }
    }
}

/// Convenience for tests and callers: run with the built-in rules.
pub fn run_default(inputs: &[&Path], out: &Path) -> Result<RunReport, Error> {
    run(&RunOptions {
        inputs: inputs.iter().map(|p| p.to_path_buf()).collect(),
        out: out.to_path_buf(),
        rules: Rules::builtin(),
        threads: None,
        progress: false,
        overrides: Overrides::default(),
    })
}
