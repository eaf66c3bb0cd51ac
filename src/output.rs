//! Output files. Each is written to a temporary file in the output folder; the temporary
//! files of a run are renamed into place together at the end, so a run killed halfway leaves
//! the previous outputs whole (a kill inside the final renames, microseconds long, can leave
//! some files of the new run beside some of the old: each file is always whole). Optionally,
//! cells a spreadsheet would run as a formula are neutralised (`rules.output`).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::compare::ScoredPair;
use crate::error::{Error, Warning};
use crate::merge::CanonicalRecord;
use crate::model::Model;
use crate::record::Record;
use crate::rules::OutputRules;
use crate::schema::TableRules;

/// Writes `name` in `dir` atomically with `fill`.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf, Error> {
    let batch = Batch::new(dir, &OutputRules::default());
    batch.stage(name, fill)?;
    Ok(batch.commit()?.remove(0))
}

/// Output files of one run: staged as temporary files, renamed into place by `commit`.
/// Dropped without `commit`, it removes its temporary files and leaves the folder as it was.
pub struct Batch {
    dir: PathBuf,
    rules: OutputRules,
    /// (temporary file, target), filled by writers that may run in parallel.
    staged: std::sync::Mutex<Vec<(PathBuf, PathBuf)>>,
}

impl Batch {
    /// A batch writing into `dir` under `rules`.
    pub fn new(dir: &Path, rules: &OutputRules) -> Batch {
        Batch {
            dir: dir.to_path_buf(),
            rules: rules.clone(),
            staged: Default::default(),
        }
    }

    /// Writes `name` to a temporary file with `fill`.
    pub fn stage(&self, name: &str, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
        let target = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut w = BufWriter::new(File::create(&tmp)?);
            fill(&mut w)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            if self.rules.neutralise_formulas && name.ends_with(".csv") {
                neutralise_file(&tmp)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Io {
                path: target,
                source: e,
            });
        }
        self.staged().push((tmp, target));
        Ok(())
    }

    fn staged(&self) -> std::sync::MutexGuard<'_, Vec<(PathBuf, PathBuf)>> {
        // A writer that panicked cannot have left the list half-changed: one push.
        self.staged.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Renames every staged file into place; returns the files written.
    pub fn commit(self) -> Result<Vec<PathBuf>, Error> {
        let mut written = Vec::new();
        let mut staged = std::mem::take(&mut *self.staged());
        // Writers may have run in parallel: rename in name order.
        staged.sort();
        for (tmp, target) in staged {
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::remove_file(&tmp);
                return Err(Error::Io {
                    path: target,
                    source: e,
                });
            }
            written.push(target);
        }
        Ok(written)
    }
}

fn csv_out(w: &mut dyn Write) -> CsvOut<'_> {
    CsvOut {
        inner: csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(w),
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        for (tmp, _) in self.staged().iter() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A CSV writer whose errors are I/O errors.
struct CsvOut<'w> {
    inner: csv::Writer<&'w mut dyn Write>,
}

impl CsvOut<'_> {
    fn write_record<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> std::io::Result<()> {
        self.inner.write_record(cells).map_err(std::io::Error::other)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Rewrites the CSV file at `path` with every cell [`neutralise`]d. A pass over the finished
/// file, so that it covers every CSV written through a [`Batch`], whoever wrote it.
fn neutralise_file(path: &Path) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".neutral");
    let tmp = PathBuf::from(tmp);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)?;
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(BufWriter::new(File::create(&tmp)?));
    for rec in reader.records() {
        let rec = rec.map_err(std::io::Error::other)?;
        w.write_record(rec.iter().map(|c| neutralise(c, true).into_owned()))
            .map_err(std::io::Error::other)?;
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    std::fs::rename(&tmp, path)
}

/// `cell`, with a single quote in front when `on` and a spreadsheet would read it as a formula
/// (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's list).
pub fn neutralise(cell: &str, on: bool) -> Cow<'_, str> {
    if on && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A similarity or score as written: four decimals, so outputs are byte-stable.
pub fn fixed(x: f64) -> String {
    format!("{x:.4}")
}

/// `canonical.csv`: one row per document.
pub fn write_canonical(batch: &Batch, canon: &[CanonicalRecord], records: &[Record]) -> Result<(), Error> {
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        c.write_record([
            "canonical_id",
            "date",
            "date_precision",
            "title",
            "description",
            "source_count",
            "record_ids",
        ])?;
        for r in canon {
            let ids: Vec<String> = r.members.iter().map(|&i| records[i as usize].id()).collect();
            c.write_record([
                r.id.as_str(),
                &r.date.map(|d| d.to_string()).unwrap_or_default(),
                r.date.map(|d| d.precision().as_str()).unwrap_or(""),
                r.title(records),
                r.description(records).unwrap_or(""),
                &r.members.len().to_string(),
                &ids.join(";"),
            ])?;
        }
        c.flush()
    };
    batch.stage("canonical.csv", csv)
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

/// `provenance.csv`: one row per input record, with the canonical record it went into.
pub fn write_provenance(batch: &Batch, canon: &[CanonicalRecord], records: &[Record]) -> Result<(), Error> {
    let canonical_of = canonical_of(canon, records.len());
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        c.write_record([
            "canonical_id",
            "record_id",
            "fingerprint",
            "file",
            "position",
            "line",
            "layout",
            "raw_date",
            "date",
            "title",
            "description",
            "partial",
        ])?;
        for (i, r) in records.iter().enumerate() {
            let p = &r.raw.provenance;
            c.write_record([
                canonical_of[i],
                &r.id(),
                &r.fingerprint.to_string(),
                &p.file,
                &p.position.to_string(),
                &p.line.to_string(),
                &p.layout,
                r.raw.date.as_deref().unwrap_or(""),
                &r.date.map(|d| d.to_string()).unwrap_or_default(),
                &r.raw.title,
                r.raw.description.as_deref().unwrap_or(""),
                if r.raw.partial { "true" } else { "false" },
            ])?;
        }
        c.flush()
    };
    batch.stage("provenance.csv", csv)
}

/// `decisions.csv`: every compared pair, and every pair an override decided (`marks`, one per
/// scored pair). With the Fellegi-Sunter columns when `model` scored the pairs:
/// `match_weight`, `match_probability`, `weight_prior`, then `level_<comparison>` and
/// `weight_<comparison>` for each comparison (the weight is the prior's plus the others).
pub fn write_decisions(
    batch: &Batch,
    scored: &[ScoredPair],
    marks: &[Option<Box<crate::audit::overrides::Mark>>],
    blocks: &[crate::block::BlockStat],
    records: &[Record],
    model: Option<&Model>,
) -> Result<(), Error> {
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        let mut header: Vec<String> = [
            "record_a",
            "record_b",
            "block_rule",
            "block_key",
            "title_similarity",
            "description_similarity",
            "description_mode",
            "score",
            "decision",
            "reason",
            "override",
        ]
        .map(String::from)
        .to_vec();
        if let Some(m) = model {
            header.extend(["match_weight", "match_probability", "weight_prior"].map(String::from));
            for cm in &m.comparisons {
                header.push(format!("level_{}", cm.comparison.name));
                header.push(format!("weight_{}", cm.comparison.name));
            }
        }
        c.write_record(header.iter().map(String::as_str))?;
        for (s, mark) in scored.iter().zip(marks) {
            // A pair only an override made has no blocking rule.
            let forced = mark.as_ref().is_some_and(|m| m.forced);
            let mut row: Vec<String> = vec![
                records[s.pair.a as usize].id(),
                records[s.pair.b as usize].id(),
                match blocks.get(s.pair.block as usize) {
                    Some(b) if !forced => b.rule.as_str().to_string(),
                    _ => "override".into(),
                },
                match blocks.get(s.pair.block as usize) {
                    Some(b) if !forced => b.key.clone(),
                    _ => String::new(),
                },
            ];
            // A table pair has no title or description similarity: those columns stay empty.
            if records[s.pair.a as usize].raw.fields.is_empty() {
                row.extend([
                    fixed(s.title),
                    s.description.map(fixed).unwrap_or_default(),
                    s.description_mode.as_str().to_string(),
                ]);
            } else {
                row.extend([String::new(), String::new(), String::new()]);
            }
            row.extend([
                fixed(s.score),
                s.decision.as_str().to_string(),
                s.reason().into_owned(),
                mark.as_ref().map_or(String::new(), |m| m.verdict.as_str().to_string()),
            ]);
            if let Some(m) = model {
                match &s.fs {
                    Some(fs) => {
                        row.extend([fixed(fs.match_weight), fixed(s.score), fixed(fs.prior_weight)]);
                        for ((cm, l), w) in m.comparisons.iter().zip(&fs.levels).zip(&fs.weights) {
                            row.push(l.map_or("null".to_string(), |l| cm.levels[l as usize].label.clone()));
                            row.push(fixed(*w));
                        }
                    }
                    // A pair only an override made was never scored.
                    None => row.extend(std::iter::repeat_n(String::new(), 3 + 2 * m.comparisons.len())),
                }
            }
            c.write_record(row.iter().map(String::as_str))?;
        }
        c.flush()
    };
    batch.stage("decisions.csv", csv)
}

/// Members' ids of each canonical record.
fn member_ids(r: &CanonicalRecord, records: &[Record]) -> String {
    let ids: Vec<String> = r.members.iter().map(|&i| records[i as usize].id()).collect();
    ids.join(";")
}

/// A table's `canonical.csv`: `canonical_id`, the canonical fields, `source_count`,
/// `record_ids`.
pub fn write_canonical_table(
    batch: &Batch,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: &TableRules,
) -> Result<(), Error> {
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        let mut header = vec!["canonical_id".to_string()];
        header.extend(table.canonical_fields().iter().map(|&f| table.fields[f].name.clone()));
        header.extend(crate::schema::CANONICAL_TAIL_COLUMNS.map(String::from));
        c.write_record(header.iter().map(String::as_str))?;
        for r in canon {
            let mut row = vec![r.id.clone()];
            row.extend(r.fields.iter().map(|v| v.clone().unwrap_or_default()));
            row.extend([r.members.len().to_string(), member_ids(r, records)]);
            c.write_record(row.iter().map(String::as_str))?;
        }
        c.flush()
    };
    batch.stage("canonical.csv", csv)
}

/// A table's `provenance.csv`: one row per input row: `canonical_id`, `record_id`,
/// `fingerprint`, `file`, `row`, `line`, `format`, then every field as written.
pub fn write_provenance_table(
    batch: &Batch,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: &TableRules,
) -> Result<(), Error> {
    let canonical_of = canonical_of(canon, records.len());
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        let mut header: Vec<String> = crate::schema::PROVENANCE_COLUMNS.map(String::from).to_vec();
        header.extend(table.fields.iter().map(|f| f.name.clone()));
        c.write_record(header.iter().map(String::as_str))?;
        for (i, r) in records.iter().enumerate() {
            let p = &r.raw.provenance;
            let mut row = vec![
                canonical_of[i].to_string(),
                r.id(),
                r.fingerprint.to_string(),
                p.file.to_string(),
                p.position.to_string(),
                p.line.to_string(),
                p.layout.to_string(),
            ];
            row.extend(r.raw.fields.iter().map(|v| v.clone().unwrap_or_default()));
            c.write_record(row.iter().map(String::as_str))?;
        }
        c.flush()
    };
    batch.stage("provenance.csv", csv)
}

/// `warnings.csv`: every warning of the run.
pub fn write_warnings(batch: &Batch, warnings: &[Warning]) -> Result<(), Error> {
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        c.write_record(["file", "line", "message"])?;
        for wa in warnings {
            c.write_record([
                wa.file.as_deref().unwrap_or(""),
                &wa.line.map(|l| l.to_string()).unwrap_or_default(),
                &wa.message,
            ])?;
        }
        c.flush()
    };
    batch.stage("warnings.csv", csv)
}

/// `blocks.csv`: every block of two records or more.
pub fn write_blocks(batch: &Batch, stats: &[crate::block::BlockStat]) -> Result<(), Error> {
    let csv = |w: &mut dyn Write| {
        let mut c = csv_out(w);
        c.write_record(["block_rule", "block_key", "records", "pairs", "mode"])?;
        for b in stats {
            c.write_record([
                b.rule.as_str(),
                &b.key,
                &b.records.to_string(),
                &b.pairs.to_string(),
                b.mode,
            ])?;
        }
        c.flush()
    };
    batch.stage("blocks.csv", csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_only_when_asked() {
        for cell in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell, true), format!("'{cell}"));
            assert_eq!(neutralise(cell, false), cell);
        }
        for cell in ["", "Letter, Zhou Enlai", "1952-09-06", "a=b", "'quoted"] {
            assert_eq!(neutralise(cell, true), cell);
        }
    }
}
