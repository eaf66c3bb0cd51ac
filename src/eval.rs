//! Evaluation against ground truth: how good were a run's merges?
//!
//! It owns the measures only. A run's provenance (CSV or Parquet) says which canonical record each input
//! record went into (the predicted clusters); a truth file says which true entity each record
//! shows. From the two: pairwise precision, recall and F1 (over pairs of records put
//! together), B-cubed precision and recall (per record, averaged), the canonical count
//! against the true entity count, and the errors themselves: false merges (one canonical
//! record holding two true entities) and missed duplicates (one entity split over two
//! canonical records), each with both records' text and, when the run compared them, its
//! decision from its decisions; worst first (most wrong pairs).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::Error;
use crate::output::rows::{DecisionRow, ProvenanceRow, Row};
use crate::output::{Format, TableReader};

/// Pairwise measures: a pair is "predicted" when both records share a canonical record and
/// "true" when both show one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairwise {
    /// Correct pairs / predicted pairs (1 when nothing was merged).
    pub precision: f64,
    /// Correct pairs / true pairs (1 when there is nothing to merge).
    pub recall: f64,
    /// Harmonic mean of both.
    pub f1: f64,
    /// Pairs inside canonical records.
    pub predicted_pairs: u64,
    /// Pairs inside true entities.
    pub true_pairs: u64,
    /// Pairs in both.
    pub correct_pairs: u64,
}

/// B-cubed measures: per record, the share of its cluster that is its entity (precision) and
/// the share of its entity that is in its cluster (recall), averaged over records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BCubed {
    /// Mean per-record precision.
    pub precision: f64,
    /// Mean per-record recall.
    pub recall: f64,
    /// Harmonic mean of both.
    pub f1: f64,
}

/// A record's text as the page wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordText {
    /// `FILE#POSITION`.
    pub record_id: String,
    /// Canonical record it went into.
    pub canonical_id: String,
    /// True entity it shows.
    pub entity_id: String,
    /// Date as written.
    pub date: String,
    /// Title as written.
    pub title: String,
    /// Description as written.
    pub description: String,
}

/// What the run decided for a pair, from `decisions.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairDecision {
    /// Combined score.
    pub score: f64,
    /// `match`, `review` or `no-match`.
    pub decision: String,
    /// The reason in words.
    pub reason: String,
}

/// One error: two groups of records that are together and should not be (false merge), or
/// apart and should not be (missed duplicate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorCase {
    /// Wrong pairs this error accounts for (size of one group times the other).
    pub pairs: u64,
    /// A record of the first group.
    pub a: RecordText,
    /// A record of the second group: the pair the run scored highest, when it compared any.
    pub b: RecordText,
    /// The run's decision on that pair; None when it never compared the two groups.
    pub decision: Option<PairDecision>,
}

/// The evaluation of one run against one truth file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Records in `provenance.csv`.
    pub records: usize,
    /// Distinct true entities among them.
    pub true_entities: usize,
    /// Canonical records.
    pub canonical_records: usize,
    /// Pairwise measures.
    pub pairwise: Pairwise,
    /// B-cubed measures.
    pub bcubed: BCubed,
    /// Records with no line in the truth file (each counted as an entity of its own).
    pub records_without_truth: Vec<String>,
    /// Truth lines naming a record the run does not have.
    pub truth_without_record: Vec<String>,
    /// Number of false merges, and the wrong pairs they make.
    pub false_merge_count: usize,
    /// Pairs wrongly put together.
    pub false_merge_pairs: u64,
    /// Number of missed duplicates, and the pairs they miss.
    pub missed_duplicate_count: usize,
    /// Pairs wrongly kept apart.
    pub missed_duplicate_pairs: u64,
    /// False merges, worst first (at most the limit asked for).
    pub false_merges: Vec<ErrorCase>,
    /// Missed duplicates, worst first (at most the limit asked for).
    pub missed_duplicates: Vec<ErrorCase>,
}

impl Evaluation {
    /// True when the truth file and the run cover the same records.
    pub fn covers_all(&self) -> bool {
        self.records_without_truth.is_empty() && self.truth_without_record.is_empty()
    }
}

fn input_err(path: &Path, line: Option<u64>, message: impl fmt::Display) -> Error {
    let file = match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    };
    Error::Input {
        file,
        message: message.to_string(),
    }
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(csv::ReaderBuilder::new().flexible(false).from_reader(f))
}

/// Column positions of `names` in a CSV header, or an error naming the missing one.
fn columns<const N: usize>(
    path: &Path,
    r: &mut csv::Reader<std::fs::File>,
    names: [&str; N],
) -> Result<[usize; N], Error> {
    let headers = r.headers().map_err(|e| input_err(path, Some(1), e))?.clone();
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| input_err(path, Some(1), format!("no column `{name}` in the header")))?;
    }
    Ok(out)
}

fn line_of(rec: &csv::StringRecord) -> Option<u64> {
    rec.position().map(|p| p.line())
}

/// Reads `record_id,entity_id` lines (a header line is required).
pub fn read_truth(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let mut r = reader(path)?;
    let [rid, eid] = columns(path, &mut r, ["record_id", "entity_id"])?;
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| input_err(path, e.position().map(|p| p.line()), e))?;
        let (record, entity) = (rec[rid].trim(), rec[eid].trim());
        if record.is_empty() || entity.is_empty() {
            return Err(input_err(path, line_of(&rec), "empty record_id or entity_id"));
        }
        if let Some(before) = seen.insert(record.to_string(), entity.to_string()) {
            if before != entity {
                return Err(input_err(
                    path,
                    line_of(&rec),
                    format!("record {record} is given two entities ({before} and {entity})"),
                ));
            }
            continue;
        }
        out.push((record.to_string(), entity.to_string()));
    }
    Ok(out)
}

struct Run {
    records: Vec<RecordText>,
}

/// The run's records from its provenance: a page record's date, title and description as
/// written; a table row's fields joined as its title.
fn read_provenance(out_dir: &Path, format: Format) -> Result<Run, Error> {
    let rows: Vec<ProvenanceRow> = TableReader::open(out_dir, ProvenanceRow::FILE, format)?.rows()?;
    let text = |c: &Option<String>| c.clone().unwrap_or_default();
    let records = rows
        .into_iter()
        .map(|r| RecordText {
            title: match r.fields.is_empty() {
                true => text(&r.title),
                false => r
                    .fields
                    .0
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            },
            date: text(&r.raw_date),
            description: text(&r.description),
            record_id: r.record_id,
            canonical_id: r.canonical_id,
            entity_id: String::new(),
        })
        .collect();
    Ok(Run { records })
}

/// Dense ids for strings, in first-seen order.
fn intern<'a>(values: impl Iterator<Item = &'a str>) -> (Vec<u32>, usize) {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let out = values
        .map(|v| {
            let n = ids.len() as u32;
            *ids.entry(v).or_insert(n)
        })
        .collect();
    (out, ids.len())
}

fn pairs_in(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 1.0 } else { num as f64 / den as f64 }
}

fn harmonic(p: f64, r: f64) -> f64 {
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// Groups of records that an error case is made of: records sharing `outer`, split by `inner`.
/// Returns (outer, inner_a, inner_b) -> (members of a, members of b) for every outer group
/// holding two inner groups or more.
type Groups = Vec<((u32, u32, u32), Vec<u32>, Vec<u32>)>;

fn split_groups(outer: &[u32], inner: &[u32]) -> Groups {
    let mut order: Vec<u32> = (0..outer.len() as u32).collect();
    order.sort_by_key(|&i| (outer[i as usize], inner[i as usize], i));
    let mut out = Groups::new();
    let mut start = 0;
    while start < order.len() {
        let o = outer[order[start] as usize];
        let end = start + order[start..].iter().take_while(|&&i| outer[i as usize] == o).count();
        // Inner groups within this outer group.
        let mut parts: Vec<(u32, Vec<u32>)> = Vec::new();
        for &i in &order[start..end] {
            match parts.last_mut() {
                Some((k, v)) if *k == inner[i as usize] => v.push(i),
                _ => parts.push((inner[i as usize], vec![i])),
            }
        }
        for x in 0..parts.len() {
            for y in x + 1..parts.len() {
                out.push(((o, parts[x].0, parts[y].0), parts[x].1.clone(), parts[y].1.clone()));
            }
        }
        start = end;
    }
    out
}

/// Per error case, the best-scored compared pair between its two groups and its decision.
type Best = HashMap<usize, (u32, u32, PairDecision)>;

/// The best-scored compared pair between the two groups of each case, from the run's
/// decisions (none when the folder has no decisions file).
fn best_decisions(
    out_dir: &Path,
    format: Format,
    index: &HashMap<&str, u32>,
    pred: &[u32],
    truth: &[u32],
    merges: &HashMap<(u32, u32, u32), usize>,
    misses: &HashMap<(u32, u32, u32), usize>,
) -> Result<[Best; 2], Error> {
    let mut best: [Best; 2] = [HashMap::new(), HashMap::new()];
    if !out_dir.join(format.file(DecisionRow::FILE)).exists() {
        return Ok(best);
    }
    // Streamed: decisions is the largest output (hundreds of MB as CSV at a million pairs).
    let mut r = TableReader::open(out_dir, DecisionRow::FILE, format)?;
    let mut rec = csv::StringRecord::new();
    while let Some(row) = r.next_row::<DecisionRow>(&mut rec) {
        let d = row?;
        let (Some(&a), Some(&b)) = (index.get(d.record_a.as_str()), index.get(d.record_b.as_str())) else {
            continue;
        };
        let (ua, ub) = (a as usize, b as usize);
        let (which, case) = if pred[ua] == pred[ub] && truth[ua] != truth[ub] {
            let k = (pred[ua], truth[ua].min(truth[ub]), truth[ua].max(truth[ub]));
            (0, merges.get(&k))
        } else if truth[ua] == truth[ub] && pred[ua] != pred[ub] {
            let k = (truth[ua], pred[ua].min(pred[ub]), pred[ua].max(pred[ub]));
            (1, misses.get(&k))
        } else {
            continue;
        };
        let Some(&case) = case else { continue };
        let score = d.score.0;
        let better = best[which].get(&case).is_none_or(|(_, _, d)| score > d.score);
        if better {
            let decision = PairDecision {
                score,
                decision: d.decision,
                reason: d.reason,
            };
            best[which].insert(case, (a, b, decision));
        }
    }
    Ok(best)
}

/// Error cases from groups, each with its representative pair, worst first, cut to `limit`
/// (0: all).
fn cases(groups: &Groups, best: &Best, records: &[RecordText], limit: usize) -> Vec<ErrorCase> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    let size = |k: usize| (groups[k].1.len() * groups[k].2.len()) as u64;
    let score = |k: usize| best.get(&k).map_or(-1.0, |(_, _, d)| d.score);
    // Most wrong pairs first; then the most confident decision (the most misleading).
    order.sort_by(|&x, &y| {
        size(y)
            .cmp(&size(x))
            .then(score(y).total_cmp(&score(x)))
            .then(groups[x].1[0].cmp(&groups[y].1[0]))
    });
    if limit > 0 {
        order.truncate(limit);
    }
    order
        .into_iter()
        .map(|k| {
            let (a, b, decision) = match best.get(&k) {
                Some((a, b, d)) => (*a, *b, Some(d.clone())),
                None => (groups[k].1[0], groups[k].2[0], None),
            };
            ErrorCase {
                pairs: size(k),
                a: records[a as usize].clone(),
                b: records[b as usize].clone(),
                decision,
            }
        })
        .collect()
}

/// Evaluates the run in `out_dir` (its `provenance.csv`, and `decisions.csv` when present)
/// against `truth`. `limit` caps each list of errors (0: all).
pub fn evaluate(out_dir: &Path, truth_path: &Path, limit: usize) -> Result<Evaluation, Error> {
    let format = Format::detect(out_dir)?;
    let provenance = out_dir.join(format.file(ProvenanceRow::FILE));
    let Run { mut records } = read_provenance(out_dir, format)?;
    let truth_lines = read_truth(truth_path)?;
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if index.insert(r.record_id.as_str(), i as u32).is_some() {
            return Err(input_err(
                &provenance,
                None,
                format!("record {} appears twice", r.record_id),
            ));
        }
    }
    let mut entity: Vec<Option<String>> = vec![None; records.len()];
    let mut truth_without_record = Vec::new();
    for (rid, eid) in truth_lines {
        match index.get(rid.as_str()) {
            Some(&i) => entity[i as usize] = Some(eid),
            None => truth_without_record.push(rid),
        }
    }
    let index: HashMap<String, u32> = index.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut records_without_truth = Vec::new();
    for (r, e) in records.iter_mut().zip(entity) {
        r.entity_id = e.unwrap_or_else(|| {
            records_without_truth.push(r.record_id.clone());
            // An entity of its own: a name no truth file can give (ids have no spaces).
            format!("(no truth) {}", r.record_id)
        });
    }
    let (pred, canonical_records) = intern(records.iter().map(|r| r.canonical_id.as_str()));
    let (truth, true_entities) = intern(records.iter().map(|r| r.entity_id.as_str()));

    let mut cells: HashMap<(u32, u32), u64> = HashMap::new();
    let mut pred_size = vec![0u64; canonical_records];
    let mut true_size = vec![0u64; true_entities];
    for (&p, &t) in pred.iter().zip(&truth) {
        *cells.entry((p, t)).or_default() += 1;
        pred_size[p as usize] += 1;
        true_size[t as usize] += 1;
    }
    let predicted_pairs: u64 = pred_size.iter().map(|&n| pairs_in(n)).sum();
    let true_pairs: u64 = true_size.iter().map(|&n| pairs_in(n)).sum();
    let correct_pairs: u64 = cells.values().map(|&n| pairs_in(n)).sum();
    let (p, r) = (ratio(correct_pairs, predicted_pairs), ratio(correct_pairs, true_pairs));
    let pairwise = Pairwise {
        precision: p,
        recall: r,
        f1: harmonic(p, r),
        predicted_pairs,
        true_pairs,
        correct_pairs,
    };
    let n = records.len().max(1) as f64;
    let (mut bp, mut br) = (0.0, 0.0);
    for (&pi, &ti) in pred.iter().zip(&truth) {
        let both = cells[&(pi, ti)] as f64;
        bp += both / pred_size[pi as usize] as f64;
        br += both / true_size[ti as usize] as f64;
    }
    let bcubed = BCubed {
        precision: if records.is_empty() { 1.0 } else { bp / n },
        recall: if records.is_empty() { 1.0 } else { br / n },
        f1: 0.0,
    };
    let bcubed = BCubed {
        f1: harmonic(bcubed.precision, bcubed.recall),
        ..bcubed
    };

    let merge_groups = split_groups(&pred, &truth);
    let miss_groups = split_groups(&truth, &pred);
    let key_index = |g: &Groups| {
        g.iter()
            .enumerate()
            .map(|(i, (k, _, _))| (*k, i))
            .collect::<HashMap<_, _>>()
    };
    let index_ref: HashMap<&str, u32> = index.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let [best_merge, best_miss] = best_decisions(
        out_dir,
        format,
        &index_ref,
        &pred,
        &truth,
        &key_index(&merge_groups),
        &key_index(&miss_groups),
    )?;
    let sum = |g: &Groups| g.iter().map(|(_, a, b)| (a.len() * b.len()) as u64).sum::<u64>();
    Ok(Evaluation {
        records: records.len(),
        true_entities,
        canonical_records,
        pairwise,
        bcubed,
        records_without_truth,
        truth_without_record,
        false_merge_count: merge_groups.len(),
        false_merge_pairs: sum(&merge_groups),
        missed_duplicate_count: miss_groups.len(),
        missed_duplicate_pairs: sum(&miss_groups),
        false_merges: cases(&merge_groups, &best_merge, &records, limit),
        missed_duplicates: cases(&miss_groups, &best_miss, &records, limit),
    })
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.pairwise;
        writeln!(f, "{:<22} {}", "records", self.records)?;
        writeln!(f, "{:<22} {}", "true entities", self.true_entities)?;
        writeln!(f, "{:<22} {}", "canonical records", self.canonical_records)?;
        let correct = p.correct_pairs;
        writeln!(
            f,
            "{:<22} {:.4} ({correct} of {} merged pairs are right)",
            "pairwise precision", p.precision, p.predicted_pairs
        )?;
        writeln!(
            f,
            "{:<22} {:.4} ({correct} of {} true pairs were found)",
            "pairwise recall", p.recall, p.true_pairs
        )?;
        writeln!(f, "{:<22} {:.4}", "pairwise F1", p.f1)?;
        writeln!(f, "{:<22} {:.4}", "B-cubed precision", self.bcubed.precision)?;
        writeln!(f, "{:<22} {:.4}", "B-cubed recall", self.bcubed.recall)?;
        writeln!(f, "{:<22} {:.4}", "B-cubed F1", self.bcubed.f1)?;
        writeln!(
            f,
            "{:<22} {} ({} pairs)",
            "false merges", self.false_merge_count, self.false_merge_pairs
        )?;
        writeln!(
            f,
            "{:<22} {} ({} pairs)",
            "missed duplicates", self.missed_duplicate_count, self.missed_duplicate_pairs
        )?;
        if !self.records_without_truth.is_empty() {
            writeln!(
                f,
                "{:<22} {}",
                "records without truth",
                self.records_without_truth.len()
            )?;
        }
        if !self.truth_without_record.is_empty() {
            writeln!(f, "{:<22} {}", "truth lines unmatched", self.truth_without_record.len())?;
        }
        for (title, list, total) in [
            ("false merges", &self.false_merges, self.false_merge_count),
            (
                "missed duplicates",
                &self.missed_duplicates,
                self.missed_duplicate_count,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            writeln!(f, "\n{title}, worst first ({} of {total}):", list.len())?;
            for (n, c) in list.iter().enumerate() {
                write_case(f, n + 1, c)?;
            }
        }
        Ok(())
    }
}

fn write_case(f: &mut fmt::Formatter<'_>, n: usize, c: &ErrorCase) -> fmt::Result {
    writeln!(f, "{n}. {} wrong pair(s)", c.pairs)?;
    for (tag, r) in [("a", &c.a), ("b", &c.b)] {
        writeln!(
            f,
            "   {tag} {}  canonical {}  entity {}",
            r.record_id, r.canonical_id, r.entity_id
        )?;
        writeln!(f, "     {} | {}", r.date, r.title)?;
        if !r.description.is_empty() {
            writeln!(f, "     {}", r.description)?;
        }
    }
    match &c.decision {
        Some(d) => writeln!(f, "   run decided {} (score {:.4}): {}", d.decision, d.score, d.reason),
        None => writeln!(f, "   the run never compared these groups (no shared block)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_pair_up_every_entity_inside_a_cluster() {
        // Cluster 0 holds entities 0, 0, 1, 2; cluster 1 holds entity 1.
        let pred = [0, 0, 0, 0, 1];
        let truth = [0, 0, 1, 2, 1];
        let merges = split_groups(&pred, &truth);
        let sizes: Vec<(usize, usize)> = merges.iter().map(|(_, a, b)| (a.len(), b.len())).collect();
        assert_eq!(sizes, vec![(2, 1), (2, 1), (1, 1)]);
        let misses = split_groups(&truth, &pred);
        assert_eq!(misses.len(), 1);
        assert_eq!((misses[0].1.clone(), misses[0].2.clone()), (vec![2], vec![4]));
    }

    #[test]
    fn conventions_for_empty_sets() {
        assert_eq!(ratio(0, 0), 1.0);
        assert_eq!(harmonic(0.0, 0.0), 0.0);
        assert_eq!(pairs_in(0), 0);
        assert_eq!(pairs_in(4), 6);
    }
}
