//! The in-memory stages of a run, one method each, chained by [`Run::link`].

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{Input, Linkage, Run, Summary, bar};
use crate::audit::{self, overrides::Applied};
use crate::error::{Error, Warning};
use crate::linkage::block::{self, BlockStat, Blocking, CandidatePair};
use crate::linkage::cluster::{self, Clustering, Link};
use crate::linkage::compare::{MatchDecision, ScoredPair};
use crate::linkage::merge::{self, CanonicalRecord};
use crate::linkage::model::{self, Model, PageScorer};
use crate::linkage::partition::{self, Partitioning};
use crate::linkage::score::{self, Scorer};
use crate::normalize;
use crate::record::Record;
use crate::schema::{LinkType, TableRules};

/// The normalize stage's value: records ready to block and compare.
#[derive(Debug)]
pub struct Normalized<'r> {
    /// Records, in input order.
    pub records: Vec<Record>,
    /// The name of each page, by [`Record::page`] (for table rows: each row's id).
    pub page_names: Vec<String>,
    /// The `[table]` mapping of table rows (None: pages).
    pub table: Option<&'r TableRules>,
    /// Warnings met reading and normalizing.
    pub warnings: Vec<Warning>,
}

/// The score stage's value: every candidate pair scored, in the order of the pairs, and the
/// scorer that did it (every later stage takes its bands and evidence from it).
pub struct Scored {
    /// Scored pairs, sorted by (a, b).
    pub pairs: Vec<ScoredPair>,
    /// The scorer in force: the weighted scorer or the Fellegi-Sunter model.
    pub scorer: Box<dyn Scorer>,
}

/// The overrides stage's value: the scored pairs with a reviewer's decisions applied.
#[derive(Debug)]
pub struct Decided {
    /// Pairs, sorted by (a, b); pairs an override forced are added.
    pub pairs: Vec<ScoredPair>,
    /// What the overrides did (one mark per pair, the constraints "different").
    pub applied: Applied,
}

/// The error of table rows read without a `[table]` mapping.
pub(super) fn no_mapping() -> Error {
    Error::Rules {
        file: "rules".into(),
        message: "CSV and JSON Lines inputs need a [table] mapping: pass --rules FILE (see rules/person.toml)".into(),
    }
}

impl<'a> Run<'a> {
    /// Every in-memory stage, in order: the records linked, nothing written.
    pub fn link(&self, input: Input) -> Result<Linkage, Error> {
        let (files, failed_files, skipped_rows) = (input.files_read, input.failed_files, input.skipped_rows);
        let normalized = self.normalize(input)?;
        let (blocking, scored) = self.block_and_score(&normalized)?;
        let Blocking {
            stats,
            warnings: block_warnings,
            blocks,
            largest_block,
            same_page_skipped,
            ..
        } = blocking;
        self.stages.done("compare");
        let Scored { pairs: scored, scorer } = scored;
        self.stages.begin("cluster");
        let decided = self.overrides(&normalized, scored, &*scorer);
        let clustering = self.cluster(&normalized, &decided);
        self.stages.done("cluster");
        let mut canonical = self.merge(&normalized, &clustering);
        let Identified {
            ids,
            changes,
            warnings: removed,
        } = self.identify(&normalized.records, &mut canonical, normalized.table);
        let Normalized {
            records,
            table,
            mut warnings,
            ..
        } = normalized;
        warnings.extend(block_warnings);
        warnings.extend(removed);
        warnings.extend(self.override_warnings(&decided.applied, &clustering, &records));
        let completeness = match table {
            None => crate::completeness::assess(&records, &self.rules.input.paging_parameters),
            Some(_) => Vec::new(),
        };
        warnings.sort();
        // The figures later stages no longer hold.
        let known = Summary {
            files,
            failed_files,
            skipped_rows,
            blocks,
            largest_block,
            same_page_pairs_skipped: same_page_skipped,
            overrides_applied: decided.applied.applied,
            overrides_stale: decided.applied.stale,
            queries: completeness.len(),
            incomplete_queries: completeness.iter().filter(|q| q.complete() == Some(false)).count(),
            ..Summary::default()
        };
        let linkage = Linkage {
            records,
            table: table.cloned(),
            pairs: decided.pairs,
            marks: decided.applied.marks,
            blocks: stats,
            clustering,
            canonical,
            ids,
            changes,
            scorer,
            warnings,
            completeness,
            summary: known,
        };
        Ok(linkage.summed())
    }

    /// The `[table]` mapping the input's rows are read by (None: pages).
    fn mapping(&self, input: &Input) -> Result<Option<&'a TableRules>, Error> {
        match input.table {
            false => Ok(None),
            true => self.rules.table.as_ref().map(Some).ok_or_else(no_mapping),
        }
    }

    /// The normalize stage: table ids made unique, then pages by [`normalize::prepare`],
    /// table rows by [`normalize::prepare_row`] (whose unreadable cells add one warning per
    /// field, [`normalize::unreadable_warnings`]): one `Record` shape, values by the source's
    /// schema.
    pub fn normalize(&self, input: Input) -> Result<Normalized<'a>, Error> {
        self.stages.begin("normalize");
        let table = self.mapping(&input)?;
        let Input {
            mut records,
            page_of,
            mut page_names,
            mut warnings,
            ..
        } = input;
        crate::source::table::settle_ids(&mut records, &mut warnings);
        let records = match table {
            None => records
                .into_par_iter()
                .zip(page_of.into_par_iter())
                .map(|(raw, page)| normalize::prepare(raw, page))
                .collect(),
            Some(t) => {
                let (pages, names) = table_pages(&records, t);
                if let Some(names) = names {
                    page_names = names;
                }
                let (records, found): (Vec<Record>, Vec<Vec<normalize::Unreadable>>) = records
                    .into_par_iter()
                    .zip(pages)
                    .map(|(raw, page)| normalize::prepare_row(raw, page, t))
                    .unzip();
                warnings.extend(normalize::unreadable_warnings(t, found.into_iter().flatten()));
                records
            }
        };
        self.stages.done("normalize");
        // The shared-title signal reads the page roles (title, date, description): a table's
        // schema has none.
        let records = match table {
            None => self.titles(records),
            Some(_) => records,
        };
        if table.is_some_and(|t| t.link_type != LinkType::Link) {
            // Constraints name a row by its id.
            page_names = records.iter().map(|r| r.id()).collect();
        }
        Ok(Normalized {
            records,
            page_names,
            table,
            warnings,
        })
    }

    /// The shared-title signal ([`normalize::mark_shared_titles`]), a term-frequency pass over
    /// all records.
    pub fn titles(&self, mut records: Vec<Record>) -> Vec<Record> {
        self.stages.begin("titles tf");
        let max_others = self.rules.comparison.title_only_max_expected_others;
        normalize::mark_shared_titles(&mut records, max_others);
        normalize::mark_cut_titles(&mut records, &self.rules.comparison);
        normalize::mark_alike_descriptions(&mut records);
        self.stages.done("titles tf");
        records
    }

    /// The block stage: candidate pairs by the blocking rules of pages, or of the table
    /// (part by part, merged: the same pairs and blocks either way).
    pub fn block(&self, n: &Normalized) -> Blocking {
        self.stages.begin("block");
        let blocking = match (self.partitioning, n.table) {
            (Partitioning::Whole, None) => block::block(&n.records, &self.rules.blocking),
            (Partitioning::Whole, Some(t)) => block::block_table(&n.records, t, &self.rules.blocking),
            (Partitioning::Parts { .. }, _) => {
                let (mut blocking, mut pairs) =
                    self.over_parts(n, |pairs, out| out.extend_from_slice(pairs), |p| &mut p.block);
                pairs.par_sort_unstable();
                blocking.pairs = pairs;
                blocking
            }
        };
        self.stages.done("block");
        blocking
    }

    /// Blocking and scoring, the pairs' list left out of the blocking (every scored pair
    /// carries its candidate pair). The parts are blocked and their candidate pairs
    /// (12 bytes each) merged, then every pair is scored at once into a list of its exact
    /// size: scoring part by part into one growing list would hold up to twice the scored
    /// pairs (a hundred bytes each) while it doubles.
    pub fn block_and_score(&self, n: &Normalized) -> Result<(Blocking, Scored), Error> {
        let mut blocking = self.block(n);
        let scored = self.score(n, &blocking)?;
        blocking.pairs = Vec::new();
        Ok((blocking, scored))
    }

    /// Every part blocked ([`partition::parts`], in parallel), its pairs handed to `each` in
    /// part order, which appends its values (one per pair) to the list; returns the merged blocking (without pairs) and the
    /// values, in part order, each one's block (`block_of`) renamed to the merged blocking's.
    fn over_parts<T: Send>(
        &self,
        n: &Normalized,
        mut each: impl FnMut(&[CandidatePair], &mut Vec<T>),
        block_of: impl Fn(&mut T) -> &mut u32 + Sync,
    ) -> (Blocking, Vec<T>) {
        let budget = match self.partitioning {
            Partitioning::Parts { records } => records,
            Partitioning::Whole => usize::MAX,
        };
        // The parts are blocked in parallel, as one pass over every record blocks its
        // blocks: in turn, a year's few large blocks kept one thread busy while the other
        // waited (1M records: blocking 5.8 s in one pass, 9.5 s part by part in turn). Their
        // candidate pairs (12 bytes each) are then taken into one list of their exact size.
        let parts = partition::parts(&n.records, n.table, budget);
        let mut blockings: Vec<Blocking> = parts
            .par_iter()
            .map(|part| part.block(&n.records, n.table, &self.rules.blocking))
            .collect();
        let mut out: Vec<T> = Vec::with_capacity(blockings.iter().map(|b| b.pairs.len()).sum());
        let mut ranges = Vec::new();
        for b in &mut blockings {
            let pairs = std::mem::take(&mut b.pairs);
            let start = out.len();
            each(&pairs, &mut out);
            ranges.push(start..out.len());
        }
        let resolved = match n.table {
            None => block::page_rules(&self.rules.blocking),
            Some(t) => block::table_rules(t),
        };
        let merged = partition::merge(blockings, &self.rules.blocking, &resolved);
        for (range, renames) in ranges.into_iter().zip(&merged.renames) {
            out[range].par_iter_mut().for_each(|t| {
                let b = block_of(t);
                *b = partition::rename(*b, renames);
            });
        }
        (merged.blocking, out)
    }

    /// True when the Fellegi-Sunter model scores these records (tables, or pages when
    /// `model.page_scorer` says so); a `--model` for pages the weighted scorer scores is an
    /// error.
    fn fellegi_sunter(&self, n: &Normalized) -> Result<bool, Error> {
        let fs = n.table.is_some() || self.rules.model.page_scorer == PageScorer::FellegiSunter;
        if !fs && let Some(path) = self.model {
            return Err(Error::Input {
                file: path.display().to_string(),
                message: "--model scores tables, or pages when model.page_scorer = \"fellegi-sunter\"; these pages are scored by the weighted scorer".into(),
            });
        }
        Ok(fs)
    }

    /// The score stage: every candidate pair by the scorer in force, the weighted scorer or
    /// the Fellegi-Sunter model (tables, or pages when `model.page_scorer` says so).
    pub fn score(&self, n: &Normalized, blocking: &Blocking) -> Result<Scored, Error> {
        let fs = self.fellegi_sunter(n)?;
        let progress = bar(self.progress, blocking.pairs.len() as u64, "compare");
        let mut scorer: Box<dyn Scorer> = if fs {
            Box::new(self.fs_scorer(n, blocking)?)
        } else {
            Box::new(score::Weighted::new(&self.rules.comparison))
        };
        let pairs = scorer.score_all(&blocking.pairs, &n.records, progress.as_ref());
        if let Some(b) = progress {
            b.finish_and_clear();
        }
        Ok(Scored { pairs, scorer })
    }

    /// The Fellegi-Sunter scorer: the levels of every blocked pair and the model (trained on
    /// this run's records, or read from `--model`); it scores the pairs from those levels.
    fn fs_scorer(&self, n: &Normalized, blocking: &Blocking) -> Result<score::FellegiSunter, Error> {
        let rules = self.rules;
        let comparisons = match n.table {
            Some(t) => model::table_comparisons(t, &rules.model),
            None => model::page_comparisons(&rules.model),
        };
        let levels: Vec<Vec<Option<u8>>> = blocking
            .pairs
            .par_iter()
            .map(|p| {
                model::levels_of(
                    &comparisons,
                    &n.records[p.a as usize],
                    &n.records[p.b as usize],
                    &rules.comparison,
                )
            })
            .collect();
        let model = match self.model {
            Some(path) => Model::load(path, &comparisons)?,
            None => train(n, blocking, &comparisons, &levels, rules),
        };
        let tf = model::TermFrequencies::new(&n.records, &comparisons);
        Ok(score::FellegiSunter::new(score::FsParts {
            model,
            tf,
            comparisons,
            rules: rules.comparison.clone(),
            thresholds: (rules.model.match_probability, rules.model.review_probability),
            pages: n.table.is_none(),
            levels,
        }))
    }

    /// The overrides stage: must-links and cannot-links that beat any score.
    pub fn overrides(&self, n: &Normalized, mut pairs: Vec<ScoredPair>, scorer: &dyn Scorer) -> Decided {
        if let Some(t) = n.table {
            crate::linkage::must_link::apply(t, &n.records, &mut pairs, scorer);
        }
        let applied = audit::overrides::apply(self.overrides, &n.records, &mut pairs, scorer);
        Decided { pairs, applied }
    }

    /// The cluster stage: matched links joined under the constraints.
    pub fn cluster(&self, n: &Normalized, d: &Decided) -> Clustering {
        let links: Vec<Link> = d
            .pairs
            .iter()
            .zip(&d.applied.marks)
            .filter(|(s, _)| s.decision == MatchDecision::Match)
            .map(|(s, mark)| Link {
                a: s.pair.a,
                b: s.pair.b,
                score: s.score,
                must: mark.is_some(),
            })
            .collect();
        cluster_records(
            n,
            &d.pairs,
            &links,
            &d.applied.apart,
            self.rules.clustering.ambiguity_margin,
            self.partitioning,
        )
    }

    /// The merge stage: one canonical record per cluster.
    pub fn merge(&self, n: &Normalized, clustering: &Clustering) -> Vec<CanonicalRecord> {
        self.stages.begin("merge");
        let canonical = match n.table {
            None => merge::merge(&n.records, &clustering.clusters),
            Some(t) => merge::merge_table(&n.records, &clustering.clusters, t),
        };
        self.stages.done("merge");
        canonical
    }

    /// Canonical ids: carried over from the previous run by members, when there is one, or
    /// the content ids of merge ([`crate::identity`]); the records re-sorted, as merge sorts
    /// them, when an id changed. With what became of each previous document (`changes.csv`)
    /// and a warning for each record of a page read again that is gone from it.
    pub fn identify(
        &self,
        records: &[Record],
        canonical: &mut [CanonicalRecord],
        table: Option<&TableRules>,
    ) -> Identified {
        use crate::identity::{NewDoc, carry, first_run};
        self.stages.begin("identify");
        let docs: Vec<NewDoc> = canonical
            .iter()
            .map(|c| NewDoc {
                content_id: c.id.clone(),
                members: c.members.iter().map(|&m| records[m as usize].id()).collect(),
            })
            .collect();
        // A page read again may hold its records at other positions: old members are
        // followed by content to their new ids first.
        let renames = self.previous.map(|p| p.renames(records, &self.reread));
        let ids = match (self.previous, &renames) {
            (Some(p), Some((renames, _))) => carry(&p.identity.renamed(renames), &docs),
            _ => first_run(&docs),
        };
        for (c, id) in canonical.iter_mut().zip(&ids.ids) {
            c.id.clone_from(id);
        }
        // Pages are written by date and title, then id: an id carried over may move a record.
        // A table's canonical rows stand in the order of their first member, ids aside.
        if self.previous.is_some() && table.is_none() {
            merge::sort_for_output(canonical, records);
        }
        // Without a previous run every document is created: nothing to compare.
        let (changes, mut removed) = match (self.previous, &renames) {
            (Some(p), Some((renames, _))) => {
                let now = lineage_documents(records, canonical, table);
                match crate::lineage::diff(&p.documents_renamed(renames), &now) {
                    Ok(l) => (Some(l), Vec::new()),
                    Err(e) => {
                        let why = format!("what changed since the previous run could not be told: {e}");
                        (None, vec![Warning::at("changes.csv", None, why)])
                    }
                }
            }
            _ => (None, Vec::new()),
        };
        removed.extend(renames.map(|r| r.1).unwrap_or_default());
        self.stages.done("identify");
        Identified {
            ids,
            changes,
            warnings: removed,
        }
    }

    /// Warnings of the overrides: stale or superseded ones, a damaged file's tail, and "same"
    /// overrides clustering could not honour.
    fn override_warnings(&self, applied: &Applied, clustering: &Clustering, records: &[Record]) -> Vec<Warning> {
        let mut warnings = applied.warnings.clone();
        warnings.extend(self.overrides.damaged_tail.clone());
        warnings.extend(audit::unhonoured_overrides(clustering, records));
        warnings
    }
}

/// Trains the Fellegi-Sunter model on this run's pairs. Each blocking rule's own fields are
/// left out of its EM session (see model::train).
fn train(
    n: &Normalized,
    blocking: &Blocking,
    comparisons: &[model::Comparison],
    levels: &[Vec<Option<u8>>],
    rules: &crate::rules::Rules,
) -> Model {
    // The run's blocking rules, resolved against its schema (the same the block stage ran).
    let rules_run = match n.table {
        Some(t) => block::table_rules(t),
        None => block::page_rules(&rules.blocking),
    };
    let rule_names: Vec<String> = rules_run.iter().map(|r| r.name.clone()).collect();
    let excluded = rules_run
        .iter()
        .map(|rule| {
            (0..comparisons.len())
                .filter(|&k| rule.agreeing_fields().contains(&comparisons[k].field))
                .collect()
        })
        .collect();
    let masks: Vec<u64> = blocking
        .pairs
        .par_iter()
        .map(|p| rule_mask(n, p, &blocking.stats, &rules_run))
        .collect();
    let set = model::TrainingSet {
        comparisons,
        levels,
        masks: &masks,
        rule_names: &rule_names,
        excluded,
    };
    Model::train(&n.records, &set, &rules.model, &rules.comparison)
}

/// Each table row's "page", the group of records never compared with each other (blocking)
/// nor merged (clustering), and the groups' names when they are not the rows. A row is its
/// own page, so that rows of one table may match each other; linking sources (`link`), a
/// source is one page: its records are never compared with each other.
fn table_pages(records: &[crate::record::RawRecord], t: &TableRules) -> (Vec<u32>, Option<Vec<String>>) {
    if t.link_type != LinkType::Link {
        return ((0..records.len() as u32).collect(), None);
    }
    let field = t.source_field();
    let names: Vec<String> = records
        .iter()
        .map(|r| r.source_name(field))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(str::to_string)
        .collect();
    let pages = records
        .iter()
        .map(|r| {
            names
                .binary_search_by(|n| n.as_str().cmp(r.source_name(field)))
                .unwrap_or(0) as u32
        })
        .collect();
    (pages, Some(names))
}

/// The blocking rules that made a pair, as a bit mask (for a table: every rule whose fields
/// the pair agrees on; for pages: the rule of its block).
fn rule_mask(n: &Normalized, p: &CandidatePair, stats: &[BlockStat], rules: &[block::Rule]) -> u64 {
    match n.table {
        Some(_) => block::table_rule_mask(&n.records[p.a as usize], &n.records[p.b as usize], rules),
        None => 1 << stats[p.block as usize].rule.index(),
    }
}

/// Clusters under the constraints: same page, incompatible dates, and pairs the comparison
/// found distinct, and overrides "different" (`apart`, which even a must-link respects).
/// Only pairs whose two records both have a match can ever matter.
fn cluster_records(
    n: &Normalized,
    scored: &[ScoredPair],
    links: &[Link],
    apart: &cluster::Apart,
    ambiguity_margin: f64,
    partitioning: Partitioning,
) -> Clustering {
    let records = &n.records;
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
    // Linking sources without one-to-one, a record may match several of another source:
    // their cluster then holds two records of one source, which were never compared.
    let pages: Vec<u32> = match n.table {
        Some(t) if t.link_type == LinkType::Link && !t.one_to_one => (0..records.len() as u32).collect(),
        _ => records.iter().map(|r| r.page).collect(),
    };
    let dates: Vec<_> = records.iter().map(|r| r.date()).collect();
    let page_name = |p: u32| n.page_names.get(p as usize).cloned().unwrap_or_default();
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
    match partitioning {
        Partitioning::Whole => cluster::cluster(&constraints, links, ambiguity_margin),
        Partitioning::Parts { records } => {
            cluster::cluster_by_component(&constraints, links, ambiguity_margin, records)
        }
    }
}

impl Linkage {
    /// The linkage with its summary's figures counted (those of `summary` that earlier
    /// stages gave are kept). The match and review counts are of the final decisions
    /// (ambiguous links counted in review), as decisions.csv writes them.
    fn summed(mut self) -> Linkage {
        let clustering = &self.clustering;
        let settled = self.settled();
        let (match_pairs, review_pairs) = (
            settled.count(MatchDecision::Match),
            settled.count(MatchDecision::Review),
        );
        self.summary = Summary {
            records: self.records.len(),
            pairs_compared: self.pairs.len(),
            match_pairs,
            review_pairs,
            cut_links: clustering.cut.len(),
            ambiguous_links: clustering.ambiguous.len(),
            clusters: clustering.clusters.len(),
            canonical_records: self.canonical.len(),
            merged_clusters: clustering.clusters.iter().filter(|c| c.len() > 1).count(),
            warnings: self.warnings.len(),
            ..self.summary
        };
        self
    }
}

/// What [`Run::identify`] tells of a run's documents besides their records.
pub struct Identified {
    /// Every id issued, and this run's.
    pub ids: crate::identity::Carried,
    /// What became of each document of the previous run; None in a run without one (every
    /// document is created), or when it could not be told (warned).
    pub changes: Option<crate::lineage::Lineage>,
    /// Warnings: records of pages read again that are gone from them, and changes that could
    /// not be told.
    pub warnings: Vec<Warning>,
}

/// The run's documents as [`crate::lineage`] compares them: their record ids, and their
/// content as `canonical.csv` writes it (a page run's date, title and description; a table
/// run's canonical fields).
fn lineage_documents(
    records: &[Record],
    canonical: &[CanonicalRecord],
    table: Option<&TableRules>,
) -> Vec<crate::lineage::Doc> {
    canonical
        .par_iter()
        .map(|c| {
            let fields = match table {
                Some(t) => t
                    .canonical_fields()
                    .iter()
                    .zip(&c.fields)
                    .map(|(&f, v)| (t.fields[f].name.clone(), v.clone().unwrap_or_default()))
                    .collect(),
                None => vec![
                    ("date".to_string(), c.date.map(|d| d.to_string()).unwrap_or_default()),
                    ("title".to_string(), c.title(records).to_string()),
                    (
                        "description".to_string(),
                        c.description(records).unwrap_or_default().to_string(),
                    ),
                ],
            };
            crate::lineage::Doc {
                id: c.id.clone(),
                members: c.members.iter().map(|&m| records[m as usize].id()).collect(),
                fields,
            }
        })
        .collect()
}
