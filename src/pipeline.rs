//! The whole run, as a library: ingest -> normalize -> block -> score -> overrides ->
//! cluster -> merge -> write.
//!
//! A [`Run`] holds what every stage reads (the rules, the overrides, an optional trained
//! model) and has one method per stage, each taking earlier stages' values and returning its
//! own typed value ([`Input`] -> [`Normalized`] -> [`crate::linkage::block::Blocking`] -> [`Scored`] ->
//! [`Decided`] -> [`Clustering`] -> canonical records -> files). [`Run::link`]
//! chains the in-memory stages into a [`Linkage`]; [`link`] is the same for a caller with
//! records already read. `concord run` is [`Run::ingest`] + [`Run::link`] + [`Run::write`],
//! so the CLI, the fuzz targets, the benches and the tests all go through one engine.

pub mod plan;
pub mod previous;
mod read;
mod stages;
mod write;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::audit::Settled;
use crate::audit::overrides::{Mark, Overrides};
use crate::error::{Error, Warning};
use crate::linkage::block::BlockStat;
use crate::linkage::cluster::Clustering;
use crate::linkage::compare::ScoredPair;
use crate::linkage::merge::CanonicalRecord;
use crate::linkage::model::Model;
use crate::linkage::score::Scorer;
use crate::record::{RawRecord, Record};
use crate::rules::Rules;
use crate::schema::TableRules;
use crate::source::table::Format;

pub use crate::linkage::partition::Partitioning;
pub use crate::summary::Summary;
pub use stages::{Decided, Normalized, Scored};

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
    /// Read every input in this encoding (None: UTF-8, or as a byte-order mark says; a table
    /// that is not UTF-8 as windows-1252, with a warning; see [`crate::source::encoding`]).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// A trained model file to score with instead of training one.
    pub model: Option<PathBuf>,
    /// An earlier run's output folder whose canonical ids this run carries over
    /// ([`crate::identity`]).
    pub previous: Option<PathBuf>,
    /// What the run was asked to do, as `run.json` records it beside the outputs (the CLI's
    /// command, inputs, rules and options; None: no `run.json`).
    pub invocation: Option<String>,
    /// A scrape manifest (`file,url[,query][,scraped_at]`) naming each page's address and
    /// query ([`crate::source::manifest`]).
    pub manifest: Option<PathBuf>,
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

/// The ingest stage's value: raw records, the page each is on, and what reading met. Build
/// one from files read ([`Input::add`], [`Input::add_page`]) or from records in memory
/// ([`Input::pages`], [`Input::table`]).
#[derive(Debug, Default)]
pub struct Input {
    /// Records in (file, position) order.
    pub records: Vec<RawRecord>,
    /// Index into `page_names` of each record's page (the same-page constraint). Unused for
    /// table rows: a row is its own "page".
    pub page_of: Vec<u32>,
    /// The name of each page (its file), as reasons write it.
    pub page_names: Vec<String>,
    /// The records are rows of a table, read by the rules' `[table]` mapping.
    pub table: bool,
    /// Warnings met while reading (they go into `warnings.csv`).
    pub warnings: Vec<Warning>,
    /// Files read.
    pub files_read: usize,
    /// Files that could not be used.
    pub failed_files: usize,
    /// Malformed table rows skipped.
    pub skipped_rows: usize,
    /// The files that could not be used (their pages are empty).
    pub unreadable: Vec<String>,
}

impl Input {
    /// Page records in memory: one page per file their provenance names, in order of first
    /// appearance (each counted as a file read).
    pub fn pages(records: Vec<RawRecord>) -> Input {
        let mut input = Input::default();
        let mut index = std::collections::HashMap::new();
        for r in &records {
            let next = input.page_names.len() as u32;
            let page = *index.entry(r.provenance.file.clone()).or_insert_with(|| {
                input.page_names.push(r.provenance.file.to_string());
                next
            });
            input.page_of.push(page);
        }
        input.files_read = input.page_names.len();
        input.records = records;
        input
    }

    /// Rows of a table in memory, read by the rules' `[table]` mapping.
    pub fn table(records: Vec<RawRecord>) -> Input {
        Input {
            page_of: vec![0; records.len()],
            records,
            table: true,
            ..Input::default()
        }
    }

    /// Adds a table read as pages: each row a page of its own (a catalogue's rows may match
    /// each other), named by its record id.
    fn add_rows_as_pages(&mut self, page: crate::source::page::ParsedPage) {
        self.files_read += 1;
        for r in page.records {
            self.page_of.push(self.page_names.len() as u32);
            self.page_names.push(r.id());
            self.records.push(r);
        }
        self.warnings.extend(page.warnings);
    }

    /// Adds one file read as a page (or a table): its records are one page.
    pub fn add_page(&mut self, name: &str, page: crate::source::page::ParsedPage) {
        let index = self.page_names.len() as u32;
        self.page_names.push(name.to_string());
        self.files_read += 1;
        self.page_of.extend(std::iter::repeat_n(index, page.records.len()));
        self.records.extend(page.records);
        self.warnings.extend(page.warnings);
    }

    /// The union with an earlier run's records (`--previous`): the records of the files this
    /// run did not read come back, each file a page again, and every page stands in file-name
    /// order, as a run reading all the files would hold them. A page read again with no
    /// record left replaces its earlier records all the same; a file that could not be read
    /// this time keeps them. Also returns the files read again. The previous run's records
    /// of the other files move into the union: it keeps only those of the files read again.
    pub fn with_previous(self, previous: &mut previous::PreviousRun) -> (Input, HashSet<String>) {
        let mut pages: BTreeMap<String, Vec<RawRecord>> = BTreeMap::new();
        for name in &self.page_names {
            pages.entry(name.clone()).or_default();
        }
        let read: HashSet<String> = self
            .page_names
            .iter()
            .filter(|n| !self.unreadable.contains(n))
            .cloned()
            .collect();
        for (r, &page) in self.records.into_iter().zip(&self.page_of) {
            pages.entry(self.page_names[page as usize].clone()).or_default().push(r);
        }
        let read_names: HashSet<&str> = read.iter().map(String::as_str).collect();
        let named: HashSet<&str> = self.page_names.iter().map(String::as_str).collect();
        let mut new_files: HashSet<std::sync::Arc<str>> = HashSet::new();
        for r in previous.take_kept(&read_names) {
            if !named.contains(&*r.provenance.file) && !new_files.contains(&r.provenance.file) {
                new_files.insert(r.provenance.file.clone());
            }
            // Looked up before inserting: a key is made once per page, not once per record.
            match pages.get_mut(&*r.provenance.file) {
                Some(page) => page.push(r),
                None => {
                    pages.insert(r.provenance.file.to_string(), vec![r]);
                }
            }
        }
        let mut input = Input {
            table: self.table,
            warnings: self.warnings,
            files_read: self.files_read + new_files.len(),
            failed_files: self.failed_files,
            skipped_rows: self.skipped_rows,
            unreadable: self.unreadable,
            ..Input::default()
        };
        for (name, records) in pages {
            let index = input.page_names.len() as u32;
            input.page_names.push(name);
            input.page_of.extend(std::iter::repeat_n(index, records.len()));
            input.records.extend(records);
        }
        (input, read)
    }

    /// Adds what reading one file gave; the error of a file that could not be used is given
    /// back (counted in `failed_files`, its page left empty).
    pub fn add(&mut self, outcome: crate::source::FileOutcome) -> Option<Error> {
        self.skipped_rows += outcome.skipped_rows;
        match outcome.result {
            Ok(page) if outcome.rows_are_pages => {
                self.add_rows_as_pages(page);
                None
            }
            Ok(page) => {
                self.add_page(&outcome.file.name, page);
                None
            }
            Err(e) => {
                self.unreadable.push(outcome.file.name.clone());
                self.page_names.push(outcome.file.name);
                self.failed_files += 1;
                Some(e)
            }
        }
    }
}

/// The in-memory stages' value: everything the outputs are written from. No stage writes
/// back into an earlier stage's value: `pairs` are as the overrides stage decided them, and
/// clustering's outcomes are joined to them when read ([`Linkage::settled`]).
pub struct Linkage {
    /// Records, in input order.
    pub records: Vec<Record>,
    /// The `[table]` mapping the records were read by (None: pages).
    pub table: Option<TableRules>,
    /// Scored pairs, sorted by (a, b), overrides applied: the overrides stage's
    /// [`Decided::pairs`], untouched by clustering. A pair's final decision and reason (a link
    /// clustering cut or left ambiguous says so; an ambiguous one is decided review) are
    /// [`Linkage::settled`]'s, as every output writes them.
    pub pairs: Vec<ScoredPair>,
    /// The override that decided each pair, if any (same order as `pairs`).
    pub marks: Vec<Option<Box<Mark>>>,
    /// Every block of two records or more.
    pub blocks: Vec<BlockStat>,
    /// Clusters and the log of links considered.
    pub clustering: Clustering,
    /// Canonical records.
    pub canonical: Vec<CanonicalRecord>,
    /// Every canonical id ever issued, this run's and its predecessors' (`ids.csv`).
    pub ids: crate::identity::Carried,
    /// What became of each document of the previous run (`changes.csv`).
    pub changes: Option<crate::lineage::Lineage>,
    /// The scorer that scored the pairs: its bands and evidence are the audit's.
    pub scorer: Box<dyn Scorer>,
    /// Warnings, sorted.
    pub warnings: Vec<Warning>,
    /// The queries the pages are pages of, and how complete each is (empty for tables).
    pub completeness: Vec<crate::completeness::Query>,
    /// The figures.
    pub summary: Summary,
}

impl Linkage {
    /// The pairs with clustering's outcomes joined: the final decision and reason of each
    /// pair, as decisions.csv, review.csv, report.html and the summary give them.
    pub fn settled(&self) -> Settled<'_> {
        Settled::new(&self.pairs, &self.clustering)
    }

    /// The Fellegi-Sunter model that scored the pairs, if it did.
    pub fn model(&self) -> Option<&Model> {
        self.scorer.model()
    }
}

impl fmt::Debug for Linkage {
    // The scorer is left out: it holds the model's tables, not the run's outcome.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Linkage")
            .field("records", &self.records.len())
            .field("pairs", &self.pairs.len())
            .field("canonical", &self.canonical.len())
            .field("warnings", &self.warnings)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Links records already read, with the rules and overrides given (the Fellegi-Sunter
/// scorer, where the rules choose it, trains on these records). The same engine as
/// `concord run`: [`Run::write`] writes the same files.
pub fn link(input: Input, rules: &Rules, overrides: &Overrides) -> Result<Linkage, Error> {
    Run::new(rules, overrides).link(input)
}

/// A run: what every stage reads, and one method per stage.
pub struct Run<'a> {
    rules: &'a Rules,
    overrides: &'a Overrides,
    model: Option<&'a Path>,
    invocation: Option<&'a str>,
    encoding: Option<&'static encoding_rs::Encoding>,
    previous: Option<&'a previous::PreviousRun>,
    /// The files of the previous run this run read again (their records are followed by
    /// content; the others' records are the previous run's own).
    reread: HashSet<String>,
    progress: bool,
    partitioning: Partitioning,
    stages: Stages,
}

impl<'a> Run<'a> {
    /// A run with these rules and overrides, training its model where one is needed, without
    /// progress bars.
    pub fn new(rules: &'a Rules, overrides: &'a Overrides) -> Run<'a> {
        Run {
            rules,
            overrides,
            model: None,
            invocation: None,
            encoding: None,
            previous: None,
            reread: HashSet::new(),
            progress: false,
            partitioning: Partitioning::default(),
            stages: Stages::new(),
        }
    }

    /// Scores with the trained model in this file (`--model`) instead of training one.
    pub fn with_model(self, model: Option<&'a Path>) -> Run<'a> {
        Run { model, ..self }
    }

    /// Carries the canonical ids of this earlier run over ([`crate::identity`]).
    pub fn with_previous(self, previous: Option<&'a previous::PreviousRun>, reread: HashSet<String>) -> Run<'a> {
        Run {
            previous,
            reread,
            ..self
        }
    }

    /// Shows progress on stderr: a bar or a spinner for every stage, and a line when it ends.
    pub fn with_progress(mut self, progress: bool) -> Run<'a> {
        self.stages.show = progress;
        Run { progress, ..self }
    }

    /// Blocks, scores and clusters part by part (the default) or in one pass over every
    /// record: the outputs are the same, byte for byte; only memory and time differ.
    pub fn with_partitioning(self, partitioning: Partitioning) -> Run<'a> {
        Run { partitioning, ..self }
    }

    /// Reads every input in this encoding (`--encoding`; None: as each file's bytes say).
    pub fn with_encoding(self, encoding: Option<&'static encoding_rs::Encoding>) -> Run<'a> {
        Run { encoding, ..self }
    }

    /// Writes `invocation` as `run.json` with the outputs (what the run was asked to do).
    pub fn with_invocation(self, invocation: Option<&'a str>) -> Run<'a> {
        Run { invocation, ..self }
    }

    /// The run `opts` describes.
    pub fn of(opts: &'a RunOptions) -> Run<'a> {
        Run::new(&opts.rules, &opts.overrides)
            .with_model(opts.model.as_deref())
            .with_progress(opts.progress)
            .with_invocation(opts.invocation.as_deref())
            .with_encoding(opts.encoding)
    }
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

/// `concord run`: ingest, link, write.
fn run_in_pool(opts: &RunOptions) -> Result<RunReport, Error> {
    let page_rules = opts.rules.compile_pages()?;
    let manifest = (opts.manifest.as_deref())
        .map(crate::source::manifest::Manifest::load)
        .transpose()?;
    // Held to the end of the run: no other run writes into this folder meanwhile.
    let _lock = preflight(opts)?;
    // Read before anything is written: `--previous` may name the output folder itself.
    let mut reading = Stages::new();
    reading.show = opts.progress;
    if opts.previous.is_some() {
        reading.begin("read previous");
    }
    let mut previous = opts.previous.as_deref().map(previous::read).transpose()?;
    if previous.is_some() {
        reading.done("read previous");
    }
    let run = Run::of(opts);
    let (mut input, errors) = run.ingest(&opts.inputs, opts.format, &page_rules)?;
    if let Some(m) = &manifest {
        let warnings = m.apply(&mut input.records, &input.page_names);
        input.warnings.extend(warnings);
    }
    let (input, reread) = match &mut previous {
        Some(p) => {
            p.fits(&input, opts.rules.table.as_ref())?;
            run.stages.begin("union");
            let union = input.with_previous(p);
            run.stages.done("union");
            union
        }
        None => (input, HashSet::new()),
    };
    let run = run.with_previous(previous.as_ref(), reread);
    // A note on stderr, not a warning of the run: the outputs depend on the inputs alone,
    // not on what the folder held before.
    if let Some(note) = ids_not_carried(opts) {
        eprintln!("note: {note}");
    }
    if input.records.is_empty() {
        return Err(nothing_read(opts, &errors, &input.warnings));
    }
    let linkage = run.link(input)?;
    let written = run.write(&linkage, &opts.out)?;
    Ok(RunReport {
        summary: linkage.summary,
        warnings: linkage.warnings,
        errors,
        written,
    })
}

/// A note when the output folder holds an earlier run's `ids.csv` and this run was not
/// told to carry it (`--previous`): its ids start afresh, as run 1.
fn ids_not_carried(opts: &RunOptions) -> Option<String> {
    let held = ["ids.csv", "ids.parquet"].iter().any(|f| opts.out.join(f).exists());
    (held && opts.previous.is_none()).then(|| {
        format!(
            "{} holds an earlier run's ids; without --previous this run issues its ids afresh (run 1) and replaces them: pass --previous {} to carry them over",
            opts.out.display(),
            opts.out.display()
        )
    })
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

/// Before anything is written: every input named exists (a mistyped path must not replace
/// good outputs with empty ones), then the output folder is made and locked for this run.
fn preflight(opts: &RunOptions) -> Result<crate::output::OutLock, Error> {
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
    crate::output::OutLock::acquire(&opts.out)
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

/// Width of a stage's name on the progress lines, so that the bars and times line up.
const STAGE_WIDTH: usize = 13;

/// A progress bar on stderr, when `show`: the stage's name, the count done, the time so far
/// and the time left, labelled (a bare "(33m)" in the first frame read as a verdict).
fn bar(show: bool, len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    show.then(|| {
        let b = indicatif::ProgressBar::new(len);
        let template = format!("{{msg:>{STAGE_WIDTH}}} [{{bar:40}}] {{pos}}/{{len}} {{elapsed}}, ETA {{eta}}");
        b.set_style(
            indicatif::ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(what.to_string());
        b
    })
}

/// A spinner on stderr for a stage that has no count to show: its name and the time so far.
fn spinner(stage: &str) -> indicatif::ProgressBar {
    let s = indicatif::ProgressBar::new_spinner();
    let template = format!("{{msg:>{STAGE_WIDTH}}} {{spinner}} {{elapsed}}");
    s.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    s.set_message(stage.to_string());
    s.enable_steady_tick(std::time::Duration::from_millis(120));
    s
}

/// The stages of a run as they pass: with progress shown, a spinner while a stage works
/// ([`Stages::begin`]; the stages that count their work show a [`bar`] instead) and a line
/// when it ends; with `CONCORD_TIMINGS` set, each stage's wall-clock time and memory (for
/// profiling; see BENCHMARKS.md).
struct Stages {
    on: bool,
    show: bool,
    start: std::time::Instant,
    // Mutexes, not cells: a `Run` may be shared between threads.
    last: std::sync::Mutex<std::time::Instant>,
    spinner: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl Stages {
    fn new() -> Stages {
        let now = std::time::Instant::now();
        Stages {
            on: std::env::var_os("CONCORD_TIMINGS").is_some(),
            show: false,
            start: now,
            last: std::sync::Mutex::new(now),
            spinner: std::sync::Mutex::new(None),
        }
    }

    /// A stage without a bar of its own begins: its spinner shows until [`Stages::done`].
    fn begin(&self, stage: &str) {
        if self.show {
            let mut current = self.spinner.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = current.replace(spinner(stage)) {
                s.finish_and_clear();
            }
        }
    }

    /// With `CONCORD_TIMINGS`, the time since the stage began, at a point inside it.
    fn mark(&self, stage: &str, what: &str) {
        if self.on {
            let last = *self.last.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("timing:   {stage} {what}: {:.2} s", last.elapsed().as_secs_f64());
        }
    }

    fn done(&self, stage: &str) {
        let now = std::time::Instant::now();
        // A poisoned lock only means another thread panicked while timing: the time is usable.
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if self.show {
            if let Some(s) = self.spinner.lock().unwrap_or_else(|e| e.into_inner()).take() {
                s.finish_and_clear();
            }
            eprintln!("{stage:>STAGE_WIDTH$} done in {:.1} s", (now - *last).as_secs_f64());
        }
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
                (now - *last).as_secs_f64(),
                (now - self.start).as_secs_f64(),
                mem("VmRSS:"),
                mem("VmHWM:")
            );
        }
        *last = now;
    }
}
