//! Output files. Each is written to a temporary file in the output folder and renamed into
//! place, so a run killed halfway leaves the previous outputs whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::compare::ScoredPair;
use crate::error::{Error, Warning};
use crate::merge::CanonicalRecord;
use crate::record::Record;

/// Writes `name` in `dir` atomically with `fill`.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf, Error> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let io = |e| Error::Io {
        path: target.clone(),
        source: e,
    };
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        fill(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)?;
    Ok(target)
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(w)
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// A similarity or score as written: four decimals, so outputs are byte-stable.
pub fn fixed(x: f64) -> String {
    format!("{x:.4}")
}

/// `canonical.csv`: one row per document.
pub fn write_canonical(dir: &Path, canon: &[CanonicalRecord], records: &[Record]) -> Result<PathBuf, Error> {
    write_atomic(dir, "canonical.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
            "canonical_id",
            "date",
            "date_precision",
            "title",
            "description",
            "source_count",
            "record_ids",
        ])
        .map_err(csv_err)?;
        for r in canon {
            let ids: Vec<&str> = r.members.iter().map(|&i| records[i as usize].id.as_str()).collect();
            c.write_record([
                r.id.as_str(),
                &r.date.map(|d| d.to_string()).unwrap_or_default(),
                r.date.map(|d| d.precision().as_str()).unwrap_or(""),
                &r.title,
                r.description.as_deref().unwrap_or(""),
                &r.members.len().to_string(),
                &ids.join(";"),
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}

/// `provenance.csv`: one row per input record, with the canonical record it went into.
pub fn write_provenance(dir: &Path, canon: &[CanonicalRecord], records: &[Record]) -> Result<PathBuf, Error> {
    let mut canonical_of = vec![""; records.len()];
    for c in canon {
        for &m in &c.members {
            canonical_of[m as usize] = c.id.as_str();
        }
    }
    write_atomic(dir, "provenance.csv", |w| {
        let mut c = csv_writer(w);
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
        ])
        .map_err(csv_err)?;
        for (i, r) in records.iter().enumerate() {
            let p = &r.raw.provenance;
            c.write_record([
                canonical_of[i],
                &r.id,
                &r.fingerprint,
                &p.file,
                &p.position.to_string(),
                &p.line.to_string(),
                &p.layout,
                r.raw.date.as_deref().unwrap_or(""),
                &r.date.map(|d| d.to_string()).unwrap_or_default(),
                &r.raw.title,
                r.raw.description.as_deref().unwrap_or(""),
                if r.raw.partial { "true" } else { "false" },
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}

/// `decisions.csv`: every compared pair, and every pair an override decided (`marks`, one per
/// scored pair).
pub fn write_decisions(
    dir: &Path,
    scored: &[ScoredPair],
    marks: &[Option<crate::audit::overrides::Mark>],
    records: &[Record],
) -> Result<PathBuf, Error> {
    write_atomic(dir, "decisions.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record([
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
        ])
        .map_err(csv_err)?;
        for (s, mark) in scored.iter().zip(marks) {
            // A pair only an override made has no blocking rule.
            let forced = mark.as_ref().is_some_and(|m| m.forced);
            c.write_record([
                records[s.pair.a as usize].id.as_str(),
                &records[s.pair.b as usize].id,
                if forced { "override" } else { s.pair.rule.as_str() },
                &s.pair.key,
                &fixed(s.title),
                &s.description.map(fixed).unwrap_or_default(),
                s.description_mode.as_str(),
                &fixed(s.score),
                s.decision.as_str(),
                &s.reason,
                mark.as_ref().map_or("", |m| m.verdict.as_str()),
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}

/// `warnings.csv`: every warning of the run.
pub fn write_warnings(dir: &Path, warnings: &[Warning]) -> Result<PathBuf, Error> {
    write_atomic(dir, "warnings.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["file", "line", "message"]).map_err(csv_err)?;
        for wa in warnings {
            c.write_record([
                wa.file.as_deref().unwrap_or(""),
                &wa.line.map(|l| l.to_string()).unwrap_or_default(),
                &wa.message,
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}

/// `blocks.csv`: every block of two records or more.
pub fn write_blocks(dir: &Path, stats: &[crate::block::BlockStat]) -> Result<PathBuf, Error> {
    write_atomic(dir, "blocks.csv", |w| {
        let mut c = csv_writer(w);
        c.write_record(["block_rule", "block_key", "records", "pairs", "mode"])
            .map_err(csv_err)?;
        for b in stats {
            c.write_record([
                b.rule.as_str(),
                &b.key,
                &b.records.to_string(),
                &b.pairs.to_string(),
                b.mode,
            ])
            .map_err(csv_err)?;
        }
        c.flush()
    })
}
