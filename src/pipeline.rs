//! The whole run: ingest -> normalize -> block -> compare -> cluster -> merge -> write.
//! Each stage takes the previous stage's output and nothing else.

use std::fmt;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::audit::{self, overrides::Overrides};
use crate::block;
use crate::cluster::{self, Link};
use std::collections::BTreeSet;

use crate::compare::{MatchDecision, ScoredPair};
use crate::error::{Error, Warning};
use crate::ingest::{self, table::Format};
use crate::merge;
use crate::model::{self, Model, PageScorer};
use crate::normalize;
use crate::output;
use crate::record::Record;
use crate::rules::Rules;
use crate::score::{self, Scorer};

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
    /// Read every input in this format (None: by each file's extension).
    pub format: Option<Format>,
    /// A trained model file to score with instead of training one.
    pub model: Option<PathBuf>,
}

/// The figures a run prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input files read.
    pub files: usize,
    /// Input files that could not be used.
    pub failed_files: usize,
    /// Malformed table rows skipped (each reported with its file and line).
    pub skipped_rows: usize,
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
    pub fn rows(&self) -> [(&'static str, usize); 18] {
        [
            ("files read", self.files),
            ("files failed", self.failed_files),
            ("malformed rows skipped", self.skipped_rows),
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
    let threads = opts.threads.map(|n| {
        let (n, note) = capped_threads(n, std::thread::available_parallelism().map_or(1, |p| p.get()));
        if let Some(note) = note {
            eprintln!("note: {note}");
        }
        n
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Input {
            file: "--threads".into(),
            message: e.to_string(),
        })?;
    pool.install(|| run_in_pool(opts))
}

/// Threads per core at most: more only cost time (20,000 threads take minutes to start and
/// stop) and, outputs being identical for any thread count, cannot change a result.
const MAX_THREADS_PER_CORE: usize = 4;

/// The worker threads to start for `--threads requested` on `cores` cores, and a note when
/// the request was capped.
fn capped_threads(requested: usize, cores: usize) -> (usize, Option<String>) {
    let cap = cores.max(1) * MAX_THREADS_PER_CORE;
    if requested <= cap {
        return (requested, None);
    }
    let note =
        format!("--threads {requested} capped at {cap} ({MAX_THREADS_PER_CORE} per core, {cores} cores available)");
    (cap, Some(note))
}

/// Prints each stage's wall-clock time to stderr when `CONCORD_TIMINGS` is set (for
/// profiling; see BENCHMARKS.md).
struct Stages {
    on: bool,
    start: std::time::Instant,
    last: std::time::Instant,
}

impl Stages {
    fn new() -> Stages {
        let now = std::time::Instant::now();
        Stages {
            on: std::env::var_os("CONCORD_TIMINGS").is_some(),
            start: now,
            last: now,
        }
    }

    fn done(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        if self.on {
            // Resident and peak memory so far, as Linux reports them (absent elsewhere).
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let mem = |key: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map_or(String::new(), |v| v.trim().to_string())
            };
            eprintln!(
                "timing: {stage:<10} {:>8.2} s (total {:>6.2} s) rss {:>12} peak {:>12}",
                (now - self.last).as_secs_f64(),
                (now - self.start).as_secs_f64(),
                mem("VmRSS:"),
                mem("VmHWM:")
            );
        }
        self.last = now;
    }
}

fn run_in_pool(opts: &RunOptions) -> Result<RunReport, Error> {
    let mut stages = Stages::new();
    let page_rules = opts.rules.compile_pages()?;
    // Held to the end of the run: no other run writes into this folder meanwhile.
    let _lock = preflight(opts)?;

    // ingest
    let (files, mut errors, walk_warnings) = ingest::discover(&opts.inputs);
    let table = table_mapping(&files, opts)?;
    let progress = bar(opts.progress, files.len() as u64, "reading");
    let outcomes: Vec<ingest::FileOutcome> = files
        .par_iter()
        .map(|f| {
            let max_bytes = opts.rules.input.max_file_bytes;
            let o = ingest::read_as(f, format_of(f, opts), &page_rules, table, max_bytes);
            if let Some(b) = &progress {
                b.inc(1);
            }
            o
        })
        .collect();
    if let Some(b) = progress {
        b.finish_and_clear();
    }
    let mut ingested = ingest::Ingested {
        warnings: walk_warnings,
        ..Default::default()
    };
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
    let mut warnings = std::mem::take(&mut ingested.warnings);
    if ingested.records.is_empty() {
        return Err(nothing_read(opts, &errors, &warnings));
    }
    ingest::table::settle_ids(&mut ingested.records, &mut warnings);

    stages.done("ingest");

    // normalize
    let typed_pages = opts.rules.model.page_scorer == PageScorer::FellegiSunter;
    let mut records = normalize_all(ingested.records, page_of_record, table, typed_pages, &mut warnings);
    stages.done("normalize");
    normalize::mark_shared_titles(&mut records, opts.rules.comparison.title_only_max_expected_others);
    if table.is_some() {
        // A table row is its own "page": constraints name it by its id.
        page_names = records.iter().map(|r| r.id()).collect();
    }

    stages.done("titles tf");

    // block
    let blocking = match table {
        None => block::block(&records, &opts.rules.blocking),
        Some(t) => block::block_table(&records, t, &opts.rules.blocking),
    };

    stages.done("block");

    // compare
    let progress = bar(opts.progress, blocking.pairs.len() as u64, "comparing");
    let fs = table.is_some() || opts.rules.model.page_scorer == PageScorer::FellegiSunter;
    if !fs && let Some(path) = &opts.model {
        return Err(Error::Input {
            file: path.display().to_string(),
            message: "--model scores tables, or pages when model.page_scorer = \"fellegi-sunter\"; these pages are scored by the weighted scorer".into(),
        });
    }
    // The scorer in force: every later stage takes its bands and evidence from it.
    let mut scorer: Box<dyn Scorer> = if fs {
        Box::new(fs_scorer(opts, &records, &blocking, table)?)
    } else {
        Box::new(score::Weighted::new(&opts.rules.comparison))
    };
    let mut scored = scorer.score_all(&blocking.pairs, &records, progress.as_ref());
    let scorer = &*scorer;
    let model = scorer.model();
    if let Some(b) = progress {
        b.finish_and_clear();
    }
    // Every scored pair carries its candidate pair: the list itself is no longer needed. (Not
    // `Blocking { pairs: Vec::new(), ..blocking }`: that leaves the old list alive, partly
    // moved, until the end of the run.)
    let mut blocking = blocking;
    drop(std::mem::take(&mut blocking.pairs));

    stages.done("compare");

    // overrides: must-links and cannot-links that beat any score
    let applied = audit::overrides::apply(&opts.overrides, &records, &mut scored, scorer);

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
    let clustering = cluster_records(&records, &scored, &links, &applied.apart, &page_names, &opts.rules);
    annotate(&mut scored, &clustering.cut, None);
    annotate(&mut scored, &clustering.ambiguous, Some(MatchDecision::Review));

    stages.done("cluster");

    // merge
    let canonical = match table {
        None => merge::merge(&records, &clustering.clusters),
        Some(t) => merge::merge_table(&records, &clustering.clusters, t),
    };

    stages.done("merge");

    // write
    warnings.extend(blocking.warnings);
    warnings.extend(applied.warnings.iter().cloned());
    warnings.extend(opts.overrides.damaged_tail.clone());
    warnings.extend(audit::unhonoured_overrides(&clustering, &records));
    warnings.sort();
    let summary = Summary {
        files: ingested.files_read,
        failed_files: errors.len(),
        skipped_rows: ingested.skipped_rows,
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
    // Every file is staged first and renamed at the end: a run killed while writing leaves
    // the previous outputs as they were. The files are independent: written in parallel.
    let batch = output::Batch::new(&opts.out, &opts.rules.output);
    let audit = audit::RunAudit {
        records: &records,
        scored: &scored,
        marks: &applied.marks,
        clustering: &clustering,
        canonical: &canonical,
        summary: &summary,
        warnings: &warnings,
        scorer,
        table,
    };
    type Writer<'a> = Box<dyn Fn() -> Result<(), Error> + Send + Sync + 'a>;
    let writers: Vec<Writer> = vec![
        Box::new(|| output::write_decisions(&batch, &scored, &applied.marks, &blocking.stats, &records, model)),
        Box::new(|| match table {
            None => output::write_provenance(&batch, &canonical, &records),
            Some(t) => output::write_provenance_table(&batch, &canonical, &records, t),
        }),
        Box::new(|| match table {
            None => output::write_canonical(&batch, &canonical, &records),
            Some(t) => output::write_canonical_table(&batch, &canonical, &records, t),
        }),
        Box::new(|| audit::write_all(&batch, &audit)),
        Box::new(|| output::write_warnings(&batch, &warnings)),
        Box::new(|| output::write_blocks(&batch, &blocking.stats)),
        Box::new(|| model.map_or(Ok(()), |m| m.stage(&batch))),
    ];
    // The first error in this order is reported, whichever writer finished first.
    let results: Vec<Result<(), Error>> = writers.par_iter().with_max_len(1).map(|w| w()).collect();
    drop(writers);
    results.into_iter().collect::<Result<Vec<()>, Error>>()?;
    stages.done("write");
    let written = batch.commit()?;
    stages.done("commit");
    Ok(RunReport {
        summary,
        warnings,
        errors,
        written,
    })
}

/// Before anything is written: every input named exists (a mistyped path must not replace
/// good outputs with empty ones), then the output folder is made and locked for this run.
fn preflight(opts: &RunOptions) -> Result<output::OutLock, Error> {
    let missing: Vec<(String, std::io::Error)> = opts
        .inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).err().map(|e| (p.display().to_string(), e)))
        .collect();
    if let Some((file, e)) = missing.first() {
        let others: Vec<String> = missing[1..].iter().map(|(f, e)| format!("{f}: {e}")).collect();
        let others = match others.is_empty() {
            true => String::new(),
            false => format!(" (nor: {})", others.join("; ")),
        };
        return Err(Error::Input {
            file: file.clone(),
            message: format!("{e}{others}; nothing was written (is the path mistyped?)"),
        });
    }
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::Io {
        path: opts.out.clone(),
        source: e,
    })?;
    output::OutLock::acquire(&opts.out)
}

/// The error of a run that read no record at all: outputs are not replaced by empty ones.
/// It carries the reasons each input gave nothing, which would otherwise go unsaid.
fn nothing_read(opts: &RunOptions, errors: &[Error], warnings: &[Warning]) -> Error {
    let mut message = format!(
        "no record was read; nothing was written (the outputs in {} are as they were)",
        opts.out.display()
    );
    for e in errors {
        message.push_str(&format!("\n  error: {e}"));
    }
    for w in warnings {
        message.push_str(&format!("\n  warning: {w}"));
    }
    let inputs: Vec<String> = opts.inputs.iter().map(|p| p.display().to_string()).collect();
    Error::Input {
        file: inputs.join(", "),
        message,
    }
}

/// Clusters under the constraints: same page, incompatible dates, and pairs the comparison
/// found distinct, and overrides "different" (`apart`, which even a must-link respects).
/// Only pairs whose two records both have a match can ever matter.
fn cluster_records(
    records: &[Record],
    scored: &[ScoredPair],
    links: &[Link],
    apart: &cluster::Apart,
    page_names: &[String],
    rules: &Rules,
) -> cluster::Clustering {
    let mut linked = vec![false; records.len()];
    for l in links {
        linked[l.a as usize] = true;
        linked[l.b as usize] = true;
    }
    let cannot_link: BTreeSet<(u32, u32)> = scored
        .iter()
        .filter(|s| s.distinct && linked[s.pair.a as usize] && linked[s.pair.b as usize])
        .map(|s| (s.pair.a, s.pair.b))
        .collect();
    // Reasons are put in words only for the links they cut (`scored` is sorted by pair).
    let why_cannot = |a: u32, b: u32| {
        scored
            .binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(a, b)))
            .map_or_else(|_| String::new(), |i| scored[i].reason().into_owned())
    };
    let pages: Vec<u32> = records.iter().map(|r| r.page).collect();
    let dates: Vec<_> = records.iter().map(|r| r.date).collect();
    let page_name = |p: u32| page_names[p as usize].clone();
    let record_name = |r: u32| records[r as usize].id();
    let constraints = cluster::Constraints {
        page_of: &pages,
        date_of: &dates,
        cannot_link: &cannot_link,
        why_cannot: &why_cannot,
        apart,
        page_name: &page_name,
        record_name: &record_name,
    };
    cluster::cluster(&constraints, links, rules.clustering.ambiguity_margin)
}

/// Writes what clustering did with a matched link into its decision.
fn annotate(scored: &mut [ScoredPair], links: &[cluster::CutLink], decision: Option<MatchDecision>) {
    for cut in links {
        if let Ok(i) = scored.binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(cut.link.a, cut.link.b))) {
            let reason = format!("{}; not joined in clustering: {}", scored[i].reason(), cut.reason);
            scored[i].set_reason(reason);
            if let Some(d) = decision {
                scored[i].decision = d;
            }
        }
    }
}

/// The format of an input: `--format`, or its extension.
fn format_of(f: &ingest::InputFile, opts: &RunOptions) -> Format {
    opts.format.unwrap_or_else(|| Format::from_name(&f.name))
}

/// The `[table]` mapping when the inputs are tables (None for pages). Tables and pages cannot
/// be mixed, and a table cannot be read without a mapping.
fn table_mapping<'a>(
    files: &[ingest::InputFile],
    opts: &'a RunOptions,
) -> Result<Option<&'a crate::schema::TableRules>, Error> {
    let tables = files.iter().filter(|f| format_of(f, opts) != Format::Page).count();
    if tables == 0 {
        return Ok(None);
    }
    if tables < files.len() {
        return Err(Error::Input {
            file: "inputs".into(),
            message: "tables (.csv, .jsonl) and result pages cannot be mixed in one run".into(),
        });
    }
    let missing = || Error::Rules {
        file: "rules".into(),
        message: "CSV and JSON Lines inputs need a [table] mapping: pass --rules FILE (see rules/person.toml)".into(),
    };
    opts.rules.table.as_ref().map(Some).ok_or_else(missing)
}

/// The normalize stage: pages by [`normalize::prepare`], table rows by
/// [`crate::schema::prepare_row`] (whose unreadable cells add warnings).
fn normalize_all(
    raws: Vec<crate::record::RawRecord>,
    page_of_record: Vec<u32>,
    table: Option<&crate::schema::TableRules>,
    typed_pages: bool,
    warnings: &mut Vec<Warning>,
) -> Vec<Record> {
    match table {
        None => raws
            .into_par_iter()
            .zip(page_of_record.into_par_iter())
            .map(|(raw, page)| {
                // Only the Fellegi-Sunter scorer reads a page record's typed fields.
                normalize::prepare_with(raw, page, typed_pages)
            })
            .collect(),
        Some(t) => {
            // A table row is its own "page": rows of one table may match each other.
            let (records, found): (Vec<Record>, Vec<Vec<Warning>>) = raws
                .into_par_iter()
                .enumerate()
                .map(|(i, raw)| crate::schema::prepare_row(raw, i as u32, t))
                .unzip();
            warnings.extend(found.into_iter().flatten());
            records
        }
    }
}

/// The Fellegi-Sunter scorer: the levels of every blocked pair, the model (trained on this
/// run's records, or read from `--model`); the scorer keeps the levels to score the pairs.
fn fs_scorer(
    opts: &RunOptions,
    records: &[Record],
    blocking: &block::Blocking,
    table: Option<&crate::schema::TableRules>,
) -> Result<score::FellegiSunter, Error> {
    let rules = &opts.rules;
    let comparisons = match table {
        Some(t) => model::table_comparisons(t, &rules.model),
        None => model::page_comparisons(&rules.model),
    };
    let pairs = &blocking.pairs;
    let levels: Vec<Vec<Option<u8>>> = pairs
        .par_iter()
        .map(|p| {
            model::levels_of(
                &comparisons,
                &records[p.a as usize],
                &records[p.b as usize],
                &rules.comparison,
            )
        })
        .collect();
    let model = match &opts.model {
        Some(path) => Model::load(path, &comparisons)?,
        None => {
            // Each rule's own fields are left out of its EM session (see model::train).
            let (rule_names, rule_fields): (Vec<String>, Vec<Vec<usize>>) = match table {
                Some(t) => (0..t.blocking.len())
                    .map(|r| (t.blocking[r].name.clone(), block::rule_fields(t, r)))
                    .unzip(),
                None => (vec!["date".into(), "title_token".into()], vec![vec![0], Vec::new()]),
            };
            let excluded = rule_fields
                .iter()
                .map(|fields| {
                    (0..comparisons.len())
                        .filter(|&k| fields.contains(&comparisons[k].field))
                        .collect()
                })
                .collect();
            let masks: Vec<u64> = pairs
                .par_iter()
                .map(|p| match table {
                    Some(_) => block::table_rule_mask(&records[p.a as usize], &records[p.b as usize], &rule_fields),
                    None => 1 << blocking.stats[p.block as usize].rule.index(),
                })
                .collect();
            let set = model::TrainingSet {
                comparisons: &comparisons,
                levels: &levels,
                masks: &masks,
                rule_names: &rule_names,
                excluded,
            };
            Model::train(records, &set, &rules.model, &rules.comparison)
        }
    };
    let tf = model::TermFrequencies::new(records, &comparisons);
    Ok(score::FellegiSunter::new(score::FsParts {
        model,
        tf,
        comparisons,
        rules: rules.comparison.clone(),
        thresholds: (rules.model.match_probability, rules.model.review_probability),
        pages: table.is_none(),
        levels,
    }))
}
