//! Overrides: a reviewer's corrections, kept in a TOML file under `rules/` (default
//! `rules/overrides.toml`), that beat any score. "same" is a must-link, "different" a
//! cannot-link.
//!
//! Key choice: each side of an override is a record *fingerprint* (provenance.csv), a hash of
//! the record's normalized date, title and description. It does not shift when a file is
//! renamed, pages are re-ordered or a page is added, unlike `FILE#POSITION` ids. Its limit:
//! byte-identical records (after normalization) on different pages share a fingerprint, so an
//! override on a fingerprint pair covers every copy; and a record whose text changes (a page
//! re-scraped with a corrected title) no longer matches its override, which is then reported
//! as naming a record not present, never silently dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Warning};
use crate::linkage::block::CandidatePair;
use crate::linkage::cluster::{Apart, NO_CLASS};
use crate::linkage::compare::{MatchDecision, ScoredPair};
use crate::linkage::score::Scorer;
use crate::record::Record;

/// Where `concord run` and `concord review` look when no `--overrides` is given.
pub const DEFAULT_PATH: &str = "rules/overrides.toml";

/// What a reviewer said about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The same document: must-link.
    Same,
    /// Different documents: cannot-link.
    Different,
}

impl Verdict {
    /// The word written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    #[serde(default, rename = "override")]
    overrides: Vec<EntryForm>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryForm {
    a: toml::Spanned<String>,
    b: String,
    decision: Verdict,
    note: Option<String>,
    a_was: Option<String>,
    b_was: Option<String>,
}

/// One override, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Fingerprint of one record.
    pub a: String,
    /// Fingerprint of the other.
    pub b: String,
    /// Same or different.
    pub verdict: Verdict,
    /// The reviewer's note.
    pub note: Option<String>,
    /// What the records were when the override was written (informative: id and title).
    pub a_was: Option<String>,
    /// Likewise for `b`.
    pub b_was: Option<String>,
    /// 1-based line of the entry's `a = ...` in the file.
    pub line: usize,
}

/// The overrides in force for a run.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The file they came from (as given), for messages.
    pub file: String,
    /// Entries in file order.
    pub entries: Vec<Override>,
    /// The file's last entry was damaged (a write cut short by a full disk or a kill) and
    /// left out; this says where. The other entries apply.
    pub damaged_tail: Option<Warning>,
}

impl Overrides {
    /// Reads an overrides file. A missing file is an error here; callers decide whether a
    /// missing default file just means "no overrides".
    pub fn load(path: &Path) -> Result<Overrides, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Overrides::parse(&path.display().to_string(), &text)
    }

    /// Parses the text of an overrides file named `file`. A damaged last entry (what a write
    /// cut short leaves) is left out and reported in `damaged_tail`; damage anywhere else is an
    /// error naming the file and line.
    pub fn parse(file: &str, text: &str) -> Result<Overrides, Error> {
        let err = |e: Damage| match e {
            Damage::Toml(e) => Error::Rules {
                file: file.to_string(),
                message: e.to_string(),
            },
            Damage::Fingerprint(message) => Error::Rules {
                file: file.to_string(),
                message,
            },
        };
        let e = match Overrides::parse_strict(file, text) {
            Ok(o) => return Ok(o),
            Err(Damage::Toml(e)) => e,
            Err(other) => return Err(err(other)),
        };
        // Only the last entry can be cut short by an append: if the file reads without it,
        // the damage is in it (everything after its header belongs to it).
        let Some(tail) = last_entry_start(text) else {
            return Err(err(Damage::Toml(e)));
        };
        let Ok(mut o) = Overrides::parse_strict(file, &text[..tail]) else {
            return Err(err(Damage::Toml(e)));
        };
        let at = |offset: usize| text[..offset].matches('\n').count() + 1;
        let what = match e.span() {
            Some(span) => format!("line {}: {}", at(span.start), e.message().trim()),
            None => e.message().trim().to_string(),
        };
        o.damaged_tail = Some(Warning::at(
            file,
            Some(at(tail)),
            format!(
                "the last override is damaged ({what}), as a write cut short leaves it; it was left out and the {} other(s) apply: complete or delete it",
                o.entries.len()
            ),
        ));
        Ok(o)
    }

    fn parse_strict(file: &str, text: &str) -> Result<Overrides, Damage> {
        let form: FileForm = toml::from_str(text).map_err(Damage::Toml)?;
        let mut entries = Vec::new();
        for e in form.overrides {
            let line = text[..e.a.span().start].matches('\n').count() + 1;
            for fp in [e.a.get_ref(), &e.b] {
                if fp.len() != 16 || !fp.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Damage::Fingerprint(format!(
                        "line {line}: {fp:?} is not a record fingerprint (16 hex digits, see provenance.csv)"
                    )));
                }
            }
            entries.push(Override {
                a: e.a.into_inner().to_ascii_lowercase(),
                b: e.b.to_ascii_lowercase(),
                verdict: e.decision,
                note: e.note.filter(|n| !n.is_empty()),
                a_was: e.a_was,
                b_was: e.b_was,
                line,
            });
        }
        Ok(Overrides {
            file: file.to_string(),
            entries,
            damaged_tail: None,
        })
    }

    /// The entries that count: for each unordered fingerprint pair, the last one written.
    /// Superseded entries are reported.
    fn effective(&self, warnings: &mut Vec<Warning>) -> Vec<&Override> {
        let mut last: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (i, o) in self.entries.iter().enumerate() {
            let key = if o.a <= o.b { (&*o.a, &*o.b) } else { (&*o.b, &*o.a) };
            if let Some(prev) = last.insert(key, i) {
                warnings.push(Warning::at(
                    &self.file,
                    Some(self.entries[prev].line),
                    format!("override superseded by the one at line {} on the same pair", o.line),
                ));
            }
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        keep.into_iter().map(|i| &self.entries[i]).collect()
    }
}

/// Why an overrides file does not read.
enum Damage {
    /// Not TOML, or not the shape of an overrides file.
    Toml(toml::de::Error),
    /// A side that is not a fingerprint.
    Fingerprint(String),
}

/// Byte offset of the line where the file's last entry begins: the last line that starts a
/// table (`[`, so that a header cut short counts too). None: no entry.
fn last_entry_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut last = None;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            last = Some(offset);
        }
        offset += line.len();
    }
    last
}

/// A new entry to append.
#[derive(Debug, Clone)]
pub struct NewOverride<'a> {
    /// Fingerprint of one record.
    pub a: &'a str,
    /// Fingerprint of the other.
    pub b: &'a str,
    /// Same or different.
    pub verdict: Verdict,
    /// Optional note.
    pub note: Option<&'a str>,
    /// Informative: the record as seen (id and title).
    pub a_was: &'a str,
    /// Informative: the other record as seen.
    pub b_was: &'a str,
}

const HEADER: &str = "# concord overrides: a reviewer's corrections, applied by `concord run` before clustering.\n\
# Each [[override]] names two records by fingerprint (provenance.csv) and says they are the\n\
# \"same\" document (must-link) or \"different\" (cannot-link); `note` is optional, `a_was` and\n\
# `b_was` are informative only. The last entry on a pair wins.\n";

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Appends one entry to the overrides file (created with a header if missing) and flushes it
/// to disk at once. Returns the file length before and after, so the caller can undo. An
/// append that fails (a full disk) is rolled back: the file is cut back to its old length
/// (which needs no space), or removed if this call created it, so no half-written entry stays.
pub fn append(path: &Path, o: &NewOverride) -> std::io::Result<(u64, u64)> {
    append_all(path, std::slice::from_ref(o))
}

/// Appends `entries` as [`append`] does one: in one write, under an exclusive lock of the
/// file (so that `concord review` and `concord serve` answering at once cannot interleave),
/// all of them or, if the write fails, none.
pub fn append_all(path: &Path, entries: &[NewOverride]) -> std::io::Result<(u64, u64)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let existed = path.exists();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.lock()?;
    let before = f.metadata()?.len();
    let text: String = (entries.iter().enumerate())
        .map(|(i, o)| entry_text(o, before == 0 && i == 0))
        .collect();
    if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
        let undone = match existed {
            true => f.set_len(before).and_then(|()| f.sync_all()),
            false => std::fs::remove_file(path),
        };
        let message = match undone {
            Ok(()) => format!("{e}; the answer was not written and the file is as it was"),
            Err(u) => format!("{e}; the half-written answer could not be removed ({u}): delete the last entry by hand"),
        };
        return Err(std::io::Error::new(e.kind(), message));
    }
    Ok((before, before + text.len() as u64))
}

/// The text of one entry, after the file's header when `first`.
fn entry_text(o: &NewOverride, first: bool) -> String {
    let mut text = String::new();
    if first {
        text.push_str(HEADER);
    }
    text.push_str(&format!(
        "\n[[override]]\na = {}\nb = {}\ndecision = {}\n",
        quoted(o.a),
        quoted(o.b),
        quoted(o.verdict.as_str())
    ));
    if let Some(n) = o.note.filter(|n| !n.is_empty()) {
        text.push_str(&format!("note = {}\n", quoted(n)));
    }
    text.push_str(&format!("a_was = {}\nb_was = {}\n", quoted(o.a_was), quoted(o.b_was)));
    text
}

/// Undoes an [`append`]: cuts the file back to `before`, but only if nobody wrote to it since
/// (its length is still `after`).
pub fn undo(path: &Path, before: u64, after: u64) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().write(true).open(path)?;
    // The lock appends take: an answer being written now is not cut.
    f.lock()?;
    let len = f.metadata()?.len();
    if len != after {
        return Err(std::io::Error::other(format!(
            "{} changed since the answer was written; not undone",
            path.display()
        )));
    }
    f.set_len(before)?;
    f.sync_all()
}

/// How an override decided a pair of `decisions.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Same or different.
    pub verdict: Verdict,
    /// Where it was written, `FILE:LINE`.
    pub at: String,
    /// The pair was never made by a blocking rule: the override added it.
    pub forced: bool,
}

/// What applying the overrides did.
#[derive(Debug, Default)]
pub struct Applied {
    /// One per scored pair (same order): the override that decided it, if any.
    pub marks: Vec<Option<Box<Mark>>>,
    /// Overrides "different", by fingerprint, for clustering.
    pub apart: Apart,
    /// Overrides that named records of this run.
    pub applied: usize,
    /// Overrides naming a record not present (each also a warning).
    pub stale: usize,
    /// Stale, superseded or unusable overrides.
    pub warnings: Vec<Warning>,
}

/// The overrides of a run by fingerprint class: every fingerprint an applied override names is
/// a class, and an override decides the pairs of its two classes. Kept per class, not per
/// record pair, so that an override on a fingerprint of n copies costs n, not n squared.
struct Classes<'o> {
    /// The class of each named fingerprint.
    of_fp: HashMap<&'o str, u32>,
    /// Each record's class, or [`NO_CLASS`].
    of_record: Vec<u32>,
    /// The override in force on each (smaller, larger) class pair (equal for `a = b`).
    named: HashMap<(u32, u32), &'o Override>,
}

impl<'o> Classes<'o> {
    fn class(&mut self, fp: &'o str, records: &[u32]) -> u32 {
        let next = self.of_fp.len() as u32;
        let c = *self.of_fp.entry(fp).or_insert(next);
        for &r in records {
            self.of_record[r as usize] = c;
        }
        c
    }

    /// The override that names the pair of records `a` and `b`, if any.
    fn decides(&self, a: u32, b: u32) -> Option<&'o Override> {
        if self.named.is_empty() {
            return None;
        }
        let (x, y) = (self.of_record[a as usize], self.of_record[b as usize]);
        if x == NO_CLASS || y == NO_CLASS {
            return None;
        }
        self.named.get(&(x.min(y), x.max(y))).copied()
    }
}

/// Applies `overrides` to the scored pairs: a pair an override names gets the override's
/// decision (its similarities and score are kept as evidence). An override "different" becomes
/// a constraint on its two fingerprints for clustering ([`Apart`]). An override "same" links
/// the copies of its fingerprints by a star: the first record of `a` meets every record of
/// `b`, the first of `b` every record of `a` (for `a = b`: the first copy meets every other),
/// and such a pair that blocking never made is compared now and added. So an override adds at
/// most one pair per copy. `scored` stays sorted by (a, b).
pub fn apply(overrides: &Overrides, records: &[Record], scored: &mut Vec<ScoredPair>, scorer: &dyn Scorer) -> Applied {
    let mut out = Applied::default();
    let effective = overrides.effective(&mut out.warnings);
    let mut by_fp: HashMap<String, Vec<u32>> = HashMap::new();
    // Only a run with overrides needs to find records by fingerprint.
    for (i, r) in records.iter().enumerate().filter(|_| !effective.is_empty()) {
        by_fp.entry(r.fingerprint.to_string()).or_default().push(i as u32);
    }
    let mut classes = Classes {
        of_fp: HashMap::new(),
        of_record: vec![NO_CLASS; if effective.is_empty() { 0 } else { records.len() }],
        named: HashMap::new(),
    };
    let mut star: BTreeMap<(u32, u32), &Override> = BTreeMap::new();
    for o in effective {
        let (Some(xs), Some(ys)) = (by_fp.get(o.a.as_str()), by_fp.get(o.b.as_str())) else {
            out.stale += 1;
            out.warnings.push(stale_warning(overrides, o, &by_fp));
            continue;
        };
        out.applied += 1;
        let (ca, cb) = (classes.class(&o.a, xs), classes.class(&o.b, ys));
        classes.named.insert((ca.min(cb), ca.max(cb)), o);
        if o.verdict == Verdict::Different {
            out.apart
                .add(ca, cb, format!("override different at {}:{}", overrides.file, o.line));
            continue;
        }
        for (a, b) in star_pairs(xs, ys) {
            if records[a as usize].page == records[b as usize].page {
                out.warnings.push(Warning::at(
                    &overrides.file,
                    Some(o.line),
                    format!(
                        "override same names {} and {}, two records of one page; a page lists each document once, so it was not applied",
                        records[a as usize].id(),
                        records[b as usize].id()
                    ),
                ));
                continue;
            }
            star.insert((a, b), o);
        }
    }
    // Pairs blocking made that an override names get its decision.
    for s in scored.iter_mut() {
        if let Some(o) = classes.decides(s.pair.a, s.pair.b) {
            decide(s, o.verdict, o, &format!("{}:{}", overrides.file, o.line));
        }
    }
    let forced = add_star_pairs(&star, overrides, records, scored, scorer);
    out.marks = scored
        .iter()
        .map(|s| {
            // Boxed: one pointer per pair, most of them None.
            let (a, b) = (s.pair.a, s.pair.b);
            classes.decides(a, b).map(|o| {
                Box::new(Mark {
                    verdict: o.verdict,
                    at: format!("{}:{}", overrides.file, o.line),
                    forced: forced.contains(&(a, b)),
                })
            })
        })
        .collect();
    out.apart.class_of = classes.of_record;
    out
}

/// The pairs (smaller, larger) that link every record of `xs` and `ys` as one: `xs[0]` with
/// each of `ys`, `ys[0]` with each of `xs`. Linear in the copies, where all pairs would be
/// their product.
fn star_pairs(xs: &[u32], ys: &[u32]) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = ys
        .iter()
        .map(|&y| (xs[0], y))
        .chain(xs.iter().map(|&x| (ys[0], x)))
        .filter(|(p, q)| p != q)
        .map(|(p, q)| (p.min(q), p.max(q)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Compares the star pairs of overrides "same" that blocking never made and adds them to
/// `scored` (kept sorted); returns them.
fn add_star_pairs(
    star: &BTreeMap<(u32, u32), &Override>,
    overrides: &Overrides,
    records: &[Record],
    scored: &mut Vec<ScoredPair>,
    scorer: &dyn Scorer,
) -> BTreeSet<(u32, u32)> {
    let mut forced = BTreeSet::new();
    let mut added = Vec::new();
    for (&(a, b), &o) in star {
        if scored.binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(a, b))).is_ok() {
            continue;
        }
        let pair = CandidatePair {
            a,
            b,
            block: crate::linkage::block::NO_BLOCK,
        };
        // Scored by the scorer in force, as a blocked pair would have been.
        let mut s = scorer.score(&pair, &records[a as usize], &records[b as usize]);
        let reason = format!("never paired by a blocking rule; {}", s.reason());
        s.set_reason(reason);
        decide(&mut s, o.verdict, o, &format!("{}:{}", overrides.file, o.line));
        added.push(s);
        forced.insert((a, b));
    }
    // One sort at the end: inserting each pair in place would move the whole list each time.
    if !added.is_empty() {
        scored.extend(added);
        scored.sort_by_key(|s| (s.pair.a, s.pair.b));
    }
    forced
}

/// The warning for an override naming a fingerprint not in this run.
fn stale_warning(overrides: &Overrides, o: &Override, by_fp: &HashMap<String, Vec<u32>>) -> Warning {
    let missing: Vec<String> = [(&o.a, &o.a_was), (&o.b, &o.b_was)]
        .iter()
        .filter(|(fp, _)| !by_fp.contains_key(fp.as_str()))
        .map(|(fp, was)| match was {
            Some(w) => format!("{fp} (was {w})"),
            None => fp.to_string(),
        })
        .collect();
    Warning::at(
        &overrides.file,
        Some(o.line),
        format!(
            "override {} names a record not in this run: {}; kept in the file, not applied",
            o.verdict.as_str(),
            missing.join(", ")
        ),
    )
}

fn decide(s: &mut ScoredPair, verdict: Verdict, o: &Override, at: &str) {
    let was = s.decision.as_str();
    s.decision = match verdict {
        Verdict::Same => MatchDecision::Match,
        Verdict::Different => MatchDecision::NoMatch,
    };
    // The compare stage's "distinct" (a cannot-link) follows the reviewer too.
    s.distinct = verdict == Verdict::Different;
    let note = o.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    let reason = format!(
        "override {} at {at}{note}; by score alone: {was} ({})",
        verdict.as_str(),
        s.reason()
    );
    s.set_reason(reason);
}

/// Resolves the overrides file for a command: the explicit path (which must exist for `run`),
/// else [`DEFAULT_PATH`] when present.
pub fn resolve(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.is_file()),
    }
}
