//! The write stage of a run: every output of a [`Linkage`], staged and committed together.
//! The domain values become the typed rows of [`crate::output::rows`] here (and the audit's
//! in [`crate::audit`]): the output layer knows rows and sinks, nothing of records or pairs.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Linkage, Run};
use crate::audit::overrides::Mark;
use crate::audit::{self, Settled};
use crate::error::{Error, Warning};
use crate::linkage::block::BlockStat;
use crate::linkage::compare::{MatchDecision, ScoredPair};
use crate::linkage::merge::CanonicalRecord;
use crate::linkage::model::Model;
use crate::output::rows::{
    BlockRow, CanonicalRow, CanonicalSourceRow, ChangeRow, CompletenessRow, DecisionRow, Fields, IdRow, ModelCells,
    ProvenanceRow, RecordFieldRow, Step, WarningRow,
};
use crate::output::{Batch, DecisionScope, Fixed};
use crate::record::Record;
use crate::schema::TableRules;

impl Run<'_> {
    /// The write stage: every output file into `out` (created if missing). Every file is
    /// staged first and renamed at the end: a run killed while writing leaves the previous
    /// outputs as they were. (The lock that keeps other runs out of `out` is the caller's:
    /// `concord run` holds it from before reading.)
    pub fn write(&self, linkage: &Linkage, out: &Path) -> Result<Vec<PathBuf>, Error> {
        std::fs::create_dir_all(out).map_err(|e| Error::Io {
            path: out.to_path_buf(),
            source: e,
        })?;
        self.stages.begin("write");
        let batch = Batch::new(out, &self.rules.output);
        self.stage(linkage, &batch)?;
        self.stages.done("write");
        self.stages.begin("commit");
        let written = batch.commit()?;
        self.stages.done("commit");
        Ok(written)
    }

    /// Stages every output file in `batch`. The files are independent: written in parallel.
    pub fn stage(&self, l: &Linkage, batch: &Batch) -> Result<(), Error> {
        // Every file reads a pair's final decision and reason through this one join.
        let settled = l.settled();
        let audit = audit::RunAudit {
            records: &l.records,
            pairs: &settled,
            marks: &l.marks,
            clustering: &l.clustering,
            canonical: &l.canonical,
            summary: &l.summary,
            warnings: &l.warnings,
            scorer: &*l.scorer,
            table: l.table.as_ref(),
            ids: &l.ids,
            invocation: self.invocation,
            completeness: &l.completeness,
        };
        let table = l.table.as_ref();
        type Writer<'a> = Box<dyn Fn() -> Result<(), Error> + Send + Sync + 'a>;
        let writers: Vec<Writer> = vec![
            Box::new(|| {
                let scope = self.rules.output.decisions;
                write_decisions(batch, &settled, &l.marks, &l.blocks, &l.records, l.model(), scope)
            }),
            Box::new(|| write_provenance(batch, &l.canonical, &l.records, table)),
            Box::new(|| write_canonical(batch, &l.canonical, &l.records, table)),
            Box::new(|| match table {
                Some(t) => write_canonical_sources(batch, &l.canonical, &l.records, t),
                None => Ok(()),
            }),
            Box::new(|| audit::write_all(batch, &audit)),
            Box::new(|| write_warnings(batch, &l.warnings)),
            Box::new(|| write_record_fields(batch, &l.records)),
            Box::new(|| batch.table("ids", &IdRow::columns(), l.ids.store.iter().cloned())),
            Box::new(|| write_changes(batch, l.changes.as_ref(), &l.canonical, l.ids.run)),
            Box::new(|| write_blocks(batch, &l.blocks)),
            Box::new(|| match table {
                None => write_completeness(batch, &l.completeness),
                Some(_) => Ok(()),
            }),
            Box::new(|| l.model().map_or(Ok(()), |m| m.stage(batch))),
            Box::new(|| {
                self.invocation
                    .map_or(Ok(()), |i| batch.stage("run.json", |w| w.write_all(i.as_bytes())))
            }),
        ];
        // The first error in this order is reported, whichever writer finished first.
        let results: Vec<Result<(), Error>> = writers.par_iter().with_max_len(1).map(|w| w()).collect();
        results.into_iter().collect()
    }
}

/// The names of a table's fields (all of them), or of its canonical fields.
fn field_names(table: &TableRules, canonical: bool) -> Vec<String> {
    if canonical {
        table
            .canonical_fields()
            .iter()
            .map(|&f| table.fields[f].name.clone())
            .collect()
    } else {
        table.fields.iter().map(|f| f.name.clone()).collect()
    }
}

/// Values as (column, value): empty for a missing value, as written.
fn fields(names: &[String], values: &[Option<String>]) -> Fields {
    Fields(
        names
            .iter()
            .cloned()
            .zip(values.iter().map(|v| v.clone().unwrap_or_default()))
            .collect(),
    )
}

/// The canonical id of each of `n` records.
fn canonical_of(canon: &[CanonicalRecord], n: usize) -> Vec<&str> {
    let mut out = vec![""; n];
    for c in canon {
        for &m in &c.members {
            out[m as usize] = c.id.as_str();
        }
    }
    out
}

/// The provenance row of record `r` (the one place its raw fields are read for output).
fn provenance_row(canonical_id: &str, r: &Record, names: Option<&[String]>, source: Option<usize>) -> ProvenanceRow {
    let p = &r.raw.provenance;
    let page = names.is_none();
    let page_text = |s: &str| page.then(|| s.to_string());
    let meta = p.page.as_deref();
    let range = |part: fn((usize, usize, usize)) -> usize| {
        meta.and_then(|m| m.range)
            .map(|r| part(r).to_string())
            .unwrap_or_default()
    };
    ProvenanceRow {
        canonical_id: canonical_id.to_string(),
        record_id: r.id(),
        fingerprint: r.fingerprint.to_string(),
        file: p.file.to_string(),
        position: p.position as u64,
        line: p.line as u64,
        layout: p.layout.to_string(),
        source_dataset: (!page).then(|| r.raw.source_name(source).to_string()),
        raw_date: page_text(r.raw.date().unwrap_or("")),
        date: page_text(&r.date().map(|d| d.to_string()).unwrap_or_default()),
        date_start: page_text(&r.date().map(|d| d.start()).unwrap_or_default()),
        date_end: page_text(&r.date().map(|d| d.end()).unwrap_or_default()),
        title: page_text(r.raw.title()),
        description: page_text(r.raw.description().unwrap_or("")),
        partial: page.then_some(r.raw.partial),
        url: page_text(meta.and_then(|m| m.url.as_deref()).unwrap_or("")),
        query: page_text(meta.and_then(|m| m.query.as_deref()).unwrap_or("")),
        scraped_at: page_text(meta.and_then(|m| m.scraped_at.as_deref()).unwrap_or("")),
        range_first: page_text(&range(|(first, _, _)| first)),
        range_last: page_text(&range(|(_, last, _)| last)),
        range_total: page_text(&range(|(_, _, total)| total)),
        fields: names.map(|n| fields(n, &r.raw.fields)).unwrap_or_default(),
    }
}

/// `provenance`: one row per input record, with the canonical record it went into; a page
/// record's date, title and description, or a table row's fields, as written.
fn write_provenance(
    batch: &Batch,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: Option<&TableRules>,
) -> Result<(), Error> {
    let canonical_of = canonical_of(canon, records.len());
    let names = table.map(|t| field_names(t, false));
    let rows = records.iter().enumerate().map(|(i, r)| {
        provenance_row(
            canonical_of[i],
            r,
            names.as_deref(),
            table.and_then(|t| t.source_field()),
        )
    });
    batch.table("provenance", &ProvenanceRow::columns(names.as_deref()), rows)
}

/// `canonical`: one row per document (a table's: its canonical fields).
fn write_canonical(
    batch: &Batch,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: Option<&TableRules>,
) -> Result<(), Error> {
    let names = table.map(|t| field_names(t, true));
    let page = |s: &str| names.is_none().then(|| s.to_string());
    let rows = canon.iter().map(|r| {
        let ids: Vec<String> = r.members.iter().map(|&i| records[i as usize].id()).collect();
        CanonicalRow {
            canonical_id: r.id.clone(),
            date: page(&r.date.map(|d| d.to_string()).unwrap_or_default()),
            date_precision: page(r.date.map(|d| d.precision().as_str()).unwrap_or("")),
            date_start: page(&r.date.map(|d| d.start()).unwrap_or_default()),
            date_end: page(&r.date.map(|d| d.end()).unwrap_or_default()),
            title: names.is_none().then(|| r.title(records).to_string()),
            description: page(r.description(records).unwrap_or("")),
            fields: names.as_deref().map(|n| fields(n, &r.fields)).unwrap_or_default(),
            source_count: r.members.len() as u64,
            record_ids: ids.join(";"),
        }
    });
    batch.table("canonical", &CanonicalRow::columns(names.as_deref()), rows)
}

/// `canonical_sources` (table runs): for each canonical field of each canonical record, the
/// member that supplied its value and the policy that chose it.
fn write_canonical_sources(
    batch: &Batch,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: &TableRules,
) -> Result<(), Error> {
    let canonical = table.canonical_fields();
    let rows = canon.iter().flat_map(|c| {
        (canonical.iter().zip(&c.fields).zip(&c.sources)).map(|((&f, value), from)| CanonicalSourceRow {
            canonical_id: c.id.clone(),
            field: table.fields[f].name.clone(),
            value: value.clone().unwrap_or_default(),
            record_id: from.map(|i| records[i as usize].id()).unwrap_or_default(),
            policy: table.fields[f].survivorship.as_str().to_string(),
        })
    });
    batch.table("canonical_sources", &CanonicalSourceRow::columns(), rows)
}

/// The Fellegi-Sunter cells of a pair (all empty when an override alone made it).
fn model_cells(m: &Model, s: &ScoredPair) -> ModelCells {
    let Some(fs) = &s.fs else {
        let empty = m.comparisons.iter().map(|_| Step::default()).collect();
        return ModelCells {
            steps: empty,
            ..ModelCells::default()
        };
    };
    let steps = m
        .comparisons
        .iter()
        .zip(&fs.levels)
        .zip(&fs.weights)
        .map(|((cm, l), w)| Step {
            comparison: cm.comparison.name.clone(),
            level: l.map_or("null".to_string(), |l| cm.levels[l as usize].label.clone()),
            weight: Some(Fixed(*w)),
        })
        .collect();
    ModelCells {
        match_weight: Some(Fixed(fs.match_weight)),
        match_probability: Some(Fixed(s.score)),
        weight_prior: Some(Fixed(fs.prior_weight)),
        steps,
    }
}

/// `decisions`: every compared pair (in scope `linked`, those not decided no-match), and
/// every pair an override decided (`marks`, one per scored pair), with its final decision
/// and reason. With the Fellegi-Sunter columns when `model` scored the pairs.
fn write_decisions(
    batch: &Batch,
    settled: &Settled,
    marks: &[Option<Box<Mark>>],
    blocks: &[BlockStat],
    records: &[Record],
    model: Option<&Model>,
    scope: DecisionScope,
) -> Result<(), Error> {
    let comparisons: Option<Vec<String>> =
        model.map(|m| m.comparisons.iter().map(|c| c.comparison.name.clone()).collect());
    let kept = |&((i, _), mark): &((usize, &ScoredPair), &Option<Box<Mark>>)| match scope {
        DecisionScope::All => true,
        DecisionScope::Linked => mark.is_some() || settled.decision(i) != MatchDecision::NoMatch,
    };
    let rows = settled
        .pairs()
        .iter()
        .enumerate()
        .zip(marks)
        .filter(kept)
        .map(|((i, s), mark)| {
            // A pair only an override made has no blocking rule.
            let forced = mark.as_ref().is_some_and(|m| m.forced);
            let block = blocks.get(s.pair.block as usize).filter(|_| !forced);
            // A table pair has no title or description similarity: those columns stay empty.
            let page = records[s.pair.a as usize].raw.is_page();
            DecisionRow {
                record_a: records[s.pair.a as usize].id(),
                record_b: records[s.pair.b as usize].id(),
                block_rule: block.map_or("override".into(), |b| b.rule.as_str().to_string()),
                block_key: block.map_or(String::new(), |b| b.key.clone()),
                title_similarity: page.then_some(Fixed(s.title)),
                description_similarity: s.description.filter(|_| page).map(Fixed),
                description_mode: if page {
                    s.description_mode.as_str().to_string()
                } else {
                    String::new()
                },
                score: Fixed(s.score),
                decision: settled.decision(i).as_str().to_string(),
                reason: settled.reason(i).into_owned(),
                override_: mark.as_ref().map_or(String::new(), |m| m.verdict.as_str().to_string()),
                model: model.map(|m| model_cells(m, s)),
            }
        });
    batch.table("decisions", &DecisionRow::columns(comparisons.as_deref()), rows)
}

/// `completeness`: one row per query the pages are pages of.
fn write_completeness(batch: &Batch, queries: &[crate::completeness::Query]) -> Result<(), Error> {
    use crate::completeness::ranges_text;
    let rows = queries.iter().map(|q| {
        let list = |items: Vec<String>| items.join("; ");
        CompletenessRow {
            query: q.key.clone(),
            grouped_by: q.grouped_by.to_string(),
            pages: q.pages as u64,
            pages_with_range: q.pages_with_range as u64,
            total: q.total().map(|t| t as u64),
            totals_seen: list(q.totals.iter().map(usize::to_string).collect()),
            records_read: q.records as u64,
            ranges_seen: ranges_text(&q.seen),
            missing: q.missing_text(),
            missing_results: q.missing_results() as u64,
            overlapping_pages: list(q.overlapping.iter().map(|(a, b)| format!("{a} ~ {b}")).collect()),
            count_mismatches: list(
                (q.mismatched.iter())
                    .map(|(p, stated, read)| format!("{p} (header {stated}, read {read})"))
                    .collect(),
            ),
            complete: q.complete(),
        }
    });
    batch.table("completeness", &CompletenessRow::columns(), rows)
}

/// `warnings`: every warning of the run.
fn write_warnings(batch: &Batch, warnings: &[Warning]) -> Result<(), Error> {
    let rows = warnings.iter().map(|w| WarningRow {
        file: w.file.clone().unwrap_or_default(),
        line: w.line.map(|l| l as u64),
        message: w.message.clone(),
    });
    batch.table("warnings", &WarningRow::columns(), rows)
}

/// `record_fields`: the fields of each page record's layout's own ("kind"), in record order.
/// Written by every run (a header alone when no layout names a field of its own), so that
/// the folder never keeps a previous run's.
fn write_record_fields(batch: &Batch, records: &[Record]) -> Result<(), Error> {
    let rows = records.iter().flat_map(|r| {
        r.raw.extra_fields().iter().map(move |(field, value)| RecordFieldRow {
            record_id: r.id(),
            field: field.to_string(),
            value: value.clone(),
        })
    });
    batch.table("record_fields", &RecordFieldRow::columns(), rows)
}

/// `changes`: what became of each document since the previous run (every document created
/// in a run without one), in [`crate::lineage`]'s order.
fn write_changes(
    batch: &Batch,
    changes: Option<&crate::lineage::Lineage>,
    canonical: &[CanonicalRecord],
    run: u32,
) -> Result<(), Error> {
    let Some(changes) = changes else {
        // No previous run: every document is created (in id order, as the lineage orders).
        // A later run whose changes could not be told (warned) writes none.
        let first = if run == 1 { canonical } else { &[] };
        let mut ids: Vec<&str> = first.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let rows = ids.into_iter().map(|id| ChangeRow {
            canonical_id: id.to_string(),
            change: crate::lineage::Kind::Created.label().to_string(),
            old_ids: String::new(),
            continues: String::new(),
            gained_records: String::new(),
            lost_records: String::new(),
            split_from: String::new(),
            content: String::new(),
        });
        return batch.table("changes", &ChangeRow::columns(), rows);
    };
    let rows = changes.changes.iter().map(|c| {
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.label()).collect();
        let split: Vec<String> = c
            .split
            .iter()
            .map(|s| format!("{} (also in: {})", s.old_id, s.siblings.join(", ")))
            .collect();
        let content: Vec<String> = c
            .content
            .iter()
            .map(|f| format!("{}: {:?} -> {:?}", f.field, f.old, f.new))
            .collect();
        ChangeRow {
            canonical_id: c
                .new_id
                .clone()
                .or_else(|| c.old_ids.first().cloned())
                .unwrap_or_default(),
            change: kinds.join("; "),
            old_ids: c.old_ids.join(";"),
            continues: c.continues.clone().unwrap_or_default(),
            gained_records: c.gained.join(";"),
            // A removed document lost every record it had.
            lost_records: match c.new_id {
                Some(_) => c.lost.join(";"),
                None => c.records.join(";"),
            },
            split_from: split.join("; "),
            content: content.join(" | "),
        }
    });
    batch.table("changes", &ChangeRow::columns(), rows)
}

/// `blocks`: every block of two records or more.
fn write_blocks(batch: &Batch, stats: &[BlockStat]) -> Result<(), Error> {
    let rows = stats.iter().map(|b| BlockRow {
        block_rule: b.rule.as_str().to_string(),
        block_key: b.key.clone(),
        records: b.records as u64,
        pairs: b.pairs as u64,
        mode: b.mode.to_string(),
    });
    batch.table("blocks", &BlockRow::columns(), rows)
}
