//! Output files. Each is written to a temporary file in the output folder (a random name,
//! created exclusively, so that no other run and no planted symlink can share it); the
//! temporary files of a run are renamed into place together at the end, all or nothing: each
//! file a rename would replace is first kept aside (a hard link), and if any rename fails the
//! ones done are undone, so a failed commit leaves the previous outputs as they were. A run
//! killed halfway leaves the previous outputs whole (a kill inside the final renames,
//! microseconds long, can leave some files of the new run beside some of the old: each file is
//! always whole). One run at a time writes into a folder: see [`OutLock`]. Optionally, cells a
//! spreadsheet would run as a formula are neutralised (`rules.output`).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempPath};

use crate::compare::ScoredPair;
use crate::error::{Error, Warning};
use crate::merge::CanonicalRecord;
use crate::model::Model;
use crate::record::Record;
use crate::rules::OutputRules;
use crate::schema::TableRules;

/// The lock file of an output folder.
pub const LOCK_FILE: &str = ".concord.lock";

/// An output folder held by one run: an advisory lock on `DIR/.concord.lock`, released when
/// dropped (or when the process ends, however it ends). A second run into the same folder
/// fails at once instead of mixing its files with the first one's. The lock file itself is
/// left in place: removing it would let a third run lock a new file while the second still
/// holds the old one.
#[derive(Debug)]
pub struct OutLock {
    _file: File,
}

impl OutLock {
    /// Locks `dir` (which must exist) for this run, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<OutLock, Error> {
        let path = dir.join(LOCK_FILE);
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        // Opening follows symlinks: one planted at the lock's name is refused, not used.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(io(std::io::Error::other(
                "not a regular file; remove it (concord keeps its lock there)",
            )));
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Input {
                    file: dir.display().to_string(),
                    message: format!(
                        "another concord run is writing to this folder (lock file {}); wait for it to finish, or give another --out",
                        path.display()
                    ),
                });
            }
            // A file system without locks (some network mounts): run unlocked, as before.
            Err(std::fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        Ok(OutLock { _file: file })
    }
}

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

/// A new empty file in `dir` named `.{name}.{what}-RANDOM`, created exclusively (`O_EXCL`: it
/// never opens a file or a symlink already there) and removed when dropped.
fn temp_in(dir: &Path, name: &str, what: &str) -> std::io::Result<NamedTempFile> {
    let prefix = format!(".{name}.{what}-");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).rand_bytes(12);
    // Outputs are read by others as any file the user writes: the umask decides, not the
    // owner-only mode tempfile uses by default.
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    b.tempfile_in(dir)
}

/// Output files of one run: staged as temporary files, renamed into place by `commit`.
/// Dropped without `commit`, it removes its temporary files and leaves the folder as it was.
pub struct Batch {
    dir: PathBuf,
    rules: OutputRules,
    /// (temporary file, target), filled by writers that may run in parallel. A temporary file
    /// is removed when its `TempPath` drops, whatever ends the run.
    staged: std::sync::Mutex<Vec<(TempPath, PathBuf)>>,
}

// The model stages its file through this, without importing the writers.
impl crate::model::StageFile for Batch {
    fn stage_file(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        self.stage(name, |w| w.write_all(bytes))
    }
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

    /// Writes `name` to a temporary file with `fill`. On failure (a full disk, say) nothing of
    /// it is left in the folder.
    pub fn stage(&self, name: &str, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
        let target = self.dir.join(name);
        let written = (|| {
            let mut w = BufWriter::new(temp_in(&self.dir, name, "tmp")?);
            fill(&mut w)?;
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.as_file().sync_all()?;
            let tmp = f.into_temp_path();
            if self.rules.neutralise_formulas && name.ends_with(".csv") {
                return neutralise_file(&self.dir, name, tmp);
            }
            Ok(tmp)
        })();
        let tmp = written.map_err(|e| Error::Io {
            path: target.clone(),
            source: e,
        })?;
        self.staged().push((tmp, target));
        Ok(())
    }

    fn staged(&self) -> std::sync::MutexGuard<'_, Vec<(TempPath, PathBuf)>> {
        // A writer that panicked cannot have left the list half-changed: one push.
        self.staged.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Renames every staged file into place, all or nothing; returns the files written. On
    /// failure the previous files are back in place and no temporary file or backup is left.
    pub fn commit(self) -> Result<Vec<PathBuf>, Error> {
        let mut staged = std::mem::take(&mut *self.staged());
        // Writers may have run in parallel: rename in name order.
        staged.sort_by(|x, y| x.1.cmp(&y.1));
        // Nothing has changed yet if this fails.
        let mut backups = staged
            .iter()
            .map(|(_, target)| self.back_up(target))
            .collect::<Result<Vec<_>, Error>>()?;
        let mut written = Vec::new();
        for (tmp, target) in staged {
            // On error the temporary file is removed (dropped with the error), the files not
            // yet renamed with the rest of `staged`, the backups after they were put back.
            if let Err(e) = tmp.persist(&target) {
                let restored = roll_back(&written, &mut backups);
                return Err(Error::Io {
                    path: target,
                    source: with_context(e.error, restored),
                });
            }
            written.push(target);
        }
        Ok(written)
    }

    /// Keeps the file at `target` (if any) aside as a hard link `.NAME.bak-RANDOM` beside it,
    /// removed when dropped; a copy where the file system has no hard links.
    fn back_up(&self, target: &Path) -> Result<Option<TempPath>, Error> {
        let io = |source| Error::Io {
            path: target.to_path_buf(),
            source,
        };
        match std::fs::symlink_metadata(target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
            Ok(m) if m.is_dir() => {
                return Err(io(std::io::Error::other(
                    "a folder has an output's name; nothing was written (move the folder away and run again)",
                )));
            }
            Ok(_) => {}
        }
        let name = target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let prefix = format!(".{name}.bak-");
        let backup = tempfile::Builder::new()
            .prefix(&prefix)
            .rand_bytes(12)
            .make_in(&self.dir, |path| {
                std::fs::hard_link(target, path).or_else(|_| std::fs::copy(target, path).map(drop))
            })
            .map_err(io)?;
        Ok(Some(backup.into_temp_path()))
    }
}

/// Undoes the renames of a failed commit: each of `written` gets its backup back (a rename,
/// atomic) or, if it had none, is removed. Returns what could not be undone, in words.
fn roll_back(written: &[PathBuf], backups: &mut [Option<TempPath>]) -> Vec<String> {
    let mut failed = Vec::new();
    for (target, backup) in written.iter().zip(backups.iter_mut()) {
        let undone = match backup.take() {
            // A backup that cannot be put back is kept, never removed: it is the only copy.
            Some(b) => b.persist(target).map_err(|e| match e.path.keep() {
                Ok(kept) => format!("{}; the previous file is kept as {}", e.error, kept.display()),
                Err(k) => format!("{}; {k}", e.error),
            }),
            None => std::fs::remove_file(target).map_err(|e| e.to_string()),
        };
        if let Err(e) = undone {
            failed.push(format!("{} could not be restored: {e}", target.display()));
        }
    }
    failed
}

/// `e`, with what a roll back could not undo appended.
fn with_context(e: std::io::Error, failed: Vec<String>) -> std::io::Error {
    if failed.is_empty() {
        return e;
    }
    std::io::Error::new(e.kind(), format!("{e}; {}", failed.join("; ")))
}

fn csv_out(w: &mut dyn Write) -> CsvOut<'_> {
    CsvOut {
        inner: csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(w),
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

/// The CSV file `raw` (staged for `name` in `dir`) rewritten with every cell [`neutralise`]d,
/// as a new temporary file; `raw` is removed. A pass over the finished file, so that it covers
/// every CSV written through a [`Batch`], whoever wrote it. On failure neither file is left.
fn neutralise_file(dir: &Path, name: &str, raw: TempPath) -> std::io::Result<TempPath> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&raw)?;
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(BufWriter::new(temp_in(dir, name, "tmp")?));
    for rec in reader.records() {
        let rec = rec.map_err(std::io::Error::other)?;
        w.write_record(rec.iter().map(|c| neutralise(c, true).into_owned()))
            .map_err(std::io::Error::other)?;
    }
    let f = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .into_inner()
        .map_err(|e| e.into_error())?;
    f.as_file().sync_all()?;
    Ok(f.into_temp_path())
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

// Written by the scorer, which formats its own evidence (kept here under its old path).
pub use crate::score::fixed;

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
                r.raw.date().unwrap_or(""),
                &r.date().map(|d| d.to_string()).unwrap_or_default(),
                r.raw.title(),
                r.raw.description().unwrap_or(""),
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
            if records[s.pair.a as usize].raw.is_page() {
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
