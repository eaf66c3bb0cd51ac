//! Output files. Each is written to a temporary file in the output folder and renamed into
//! place, so a run killed halfway leaves the previous outputs whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::compare::ScoredPair;
use crate::error::{Error, Warning};
use crate::merge::CanonicalRecord;
use crate::model::Model;
use crate::record::Record;
use crate::schema::TableRules;

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
    write_decisions_with(dir, scored, marks, records, None)
}

/// `decisions.csv`, with the Fellegi-Sunter columns when `model` scored the pairs:
/// `match_weight`, `match_probability`, `weight_prior`, then `level_<comparison>` and
/// `weight_<comparison>` for each comparison (the weight is the prior's plus the others).
pub fn write_decisions_with(
    dir: &Path,
    scored: &[ScoredPair],
    marks: &[Option<crate::audit::overrides::Mark>],
    records: &[Record],
    model: Option<&Model>,
) -> Result<PathBuf, Error> {
    write_atomic(dir, "decisions.csv", |w| {
        let mut c = csv_writer(w);
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
        c.write_record(&header).map_err(csv_err)?;
        for (s, mark) in scored.iter().zip(marks) {
            // A pair only an override made has no blocking rule.
            let forced = mark.as_ref().is_some_and(|m| m.forced);
            let mut row: Vec<String> = vec![
                records[s.pair.a as usize].id.clone(),
                records[s.pair.b as usize].id.clone(),
                if forced {
                    "override".into()
                } else {
                    s.pair.rule.as_str().to_string()
                },
                s.pair.key.clone(),
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
                s.reason.clone(),
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
            c.write_record(&row).map_err(csv_err)?;
        }
        c.flush()
    })
}

/// Members' ids of each canonical record.
fn member_ids(r: &CanonicalRecord, records: &[Record]) -> String {
    let ids: Vec<&str> = r.members.iter().map(|&i| records[i as usize].id.as_str()).collect();
    ids.join(";")
}

/// A table's `canonical.csv`: `canonical_id`, the canonical fields, `source_count`,
/// `record_ids`.
pub fn write_canonical_table(
    dir: &Path,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: &TableRules,
) -> Result<PathBuf, Error> {
    write_atomic(dir, "canonical.csv", |w| {
        let mut c = csv_writer(w);
        let mut header = vec!["canonical_id".to_string()];
        header.extend(table.canonical_fields().iter().map(|&f| table.fields[f].name.clone()));
        header.extend(["source_count".to_string(), "record_ids".to_string()]);
        c.write_record(&header).map_err(csv_err)?;
        for r in canon {
            let mut row = vec![r.id.clone()];
            row.extend(r.fields.iter().map(|v| v.clone().unwrap_or_default()));
            row.extend([r.members.len().to_string(), member_ids(r, records)]);
            c.write_record(&row).map_err(csv_err)?;
        }
        c.flush()
    })
}

/// A table's `provenance.csv`: one row per input row: `canonical_id`, `record_id`,
/// `fingerprint`, `file`, `row`, `line`, `format`, then every field as written.
pub fn write_provenance_table(
    dir: &Path,
    canon: &[CanonicalRecord],
    records: &[Record],
    table: &TableRules,
) -> Result<PathBuf, Error> {
    let mut canonical_of = vec![""; records.len()];
    for c in canon {
        for &m in &c.members {
            canonical_of[m as usize] = c.id.as_str();
        }
    }
    write_atomic(dir, "provenance.csv", |w| {
        let mut c = csv_writer(w);
        let mut header: Vec<String> = [
            "canonical_id",
            "record_id",
            "fingerprint",
            "file",
            "row",
            "line",
            "format",
        ]
        .map(String::from)
        .to_vec();
        header.extend(table.fields.iter().map(|f| f.name.clone()));
        c.write_record(&header).map_err(csv_err)?;
        for (i, r) in records.iter().enumerate() {
            let p = &r.raw.provenance;
            let mut row = vec![
                canonical_of[i].to_string(),
                r.id.clone(),
                r.fingerprint.clone(),
                p.file.clone(),
                p.position.to_string(),
                p.line.to_string(),
                p.layout.clone(),
            ];
            row.extend(r.raw.fields.iter().map(|v| v.clone().unwrap_or_default()));
            c.write_record(&row).map_err(csv_err)?;
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
