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

use crate::error::Error;

mod format;
mod parquet;
pub mod rows;
pub mod sink;

pub use format::{Format, TableReader, read_all};
pub use rows::{Column, Fixed, Kind, Row};
pub use sink::Sink;

/// How output files are written (the rules' `[output]`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRules {
    /// Prefix CSV cells that a spreadsheet would run as a formula with a single quote.
    pub neutralise_formulas: bool,
    /// The format of the tabular outputs (`--output-format`; CSV unless asked).
    #[serde(default)]
    pub format: Format,
    /// Which compared pairs `decisions` holds (`--decisions`; all unless asked).
    #[serde(default)]
    pub decisions: DecisionScope,
}

/// The pairs written to `decisions`: every compared pair is the whole audit, but at a
/// million records it is the largest output by far (a third of what a run writes, most of
/// it pairs that did not match); `linked` keeps what a reviewer acts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DecisionScope {
    /// Every compared pair, and every pair an override decided.
    #[default]
    All,
    /// Pairs decided match or review, and every pair an override decided: no-match pairs
    /// are left out (their count stays in summary.csv).
    Linked,
}

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
    fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
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
impl crate::linkage::model::StageFile for Batch {
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
    pub fn stage(
        &self,
        name: &str,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let target = self.dir.join(name);
        let started = std::time::Instant::now();
        let mut filled = std::time::Duration::ZERO;
        let written = (|| {
            let mut w = BufWriter::new(temp_in(&self.dir, name, "tmp")?);
            fill(&mut w)?;
            let f = w.into_inner().map_err(|e| e.into_error())?;
            filled = started.elapsed();
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
        // Each file's share of the write stage, beside the stages' timings (BENCHMARKS.md).
        if std::env::var_os("CONCORD_TIMINGS").is_some() {
            let (all, fill) = (started.elapsed().as_secs_f64(), filled.as_secs_f64());
            eprintln!(
                "timing:   {name:<22} {all:>6.2} s (written {fill:.2} s, synced {:.2} s)",
                all - fill
            );
        }
        self.staged().push((tmp, target));
        Ok(())
    }

    /// Writes output `stem` (`decisions`) in the batch's format: a header of `columns`, then
    /// `rows`, each written as its cells in field order ([`rows::cells`]). A row whose width is
    /// not the header's is an error: a row type and its columns never drift apart silently.
    pub fn table<R: serde::Serialize>(
        &self,
        stem: &str,
        columns: &[Column],
        rows: impl IntoIterator<Item = R>,
    ) -> Result<(), Error> {
        let format = self.rules.format;
        self.stage(&format.file(stem), |w| {
            let mut rows = rows.into_iter();
            // One row's cells at a time, into the sink's buffer (reused from row to row).
            let mut next = |out: &mut Vec<String>| {
                let row = rows.next()?;
                let filled = rows::cells(&row, out).map_err(std::io::Error::other).and_then(|()| {
                    if out.len() == columns.len() {
                        return Ok(());
                    }
                    Err(std::io::Error::other(format!(
                        "{stem}: a row of {} cells under {} columns",
                        out.len(),
                        columns.len()
                    )))
                });
                Some(filled)
            };
            format.sink().write(w, columns, &mut next)
        })
    }

    /// The format of the tabular outputs.
    pub fn format(&self) -> Format {
        self.rules.format
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
pub use crate::linkage::score::fixed;

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
