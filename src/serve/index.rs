//! What `concord serve` reads from an output folder, and the indexes its pages look things up
//! by: each document's members and links, each pair's decision, and the merged documents
//! riskiest first. Built once per run read (and again after a re-run), never per request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::audit::overrides::Overrides;
use crate::audit::read::{CanonRow, DecisionRow, LinkRow, OutputDir, ProvRow};
use rayon::prelude::*;

use crate::error::Error;
use crate::linkage::score::Bands;
use crate::normalize::match_key;
use crate::output::read_all;
use crate::output::rows::WarningRow;

/// How much a merged document is worth checking, as the report ranks it: its weakest joining
/// link first, then thin evidence (a link on the title alone), then the most sources.
#[derive(Debug, Clone, Copy, Default)]
pub struct Risk {
    /// The lowest score among the links that joined it (1 for a document of one record).
    pub weakest: f64,
    /// A joining link rests on the title alone (no description on one side).
    pub title_only: bool,
    /// A joining link compared a cut description with a whole one.
    pub cut_description: bool,
    /// A link touching it was cut by a constraint.
    pub cut_link: bool,
    /// An override (a reviewer's answer) decided a link touching it.
    pub override_: bool,
}

/// A run's output folder with its indexes.
#[derive(Debug)]
pub struct Index {
    /// The folder as read.
    pub out: OutputDir,
    /// warnings rows.
    pub warnings: Vec<WarningRow>,
    /// completeness rows (none for a table run, or a folder written before them).
    pub completeness: Vec<crate::output::rows::CompletenessRow>,
    /// run.json, when the folder has one.
    pub run: Option<serde_json::Value>,
    /// The thresholds the run decided by (from summary).
    pub bands: Bands,
    /// Each document's provenance rows (indices into `out.records`), in provenance order.
    pub members: Vec<Vec<usize>>,
    /// Each document's links (indices into `out.links`): the links with a member on either side.
    pub links: Vec<Vec<usize>>,
    /// Each document's risk.
    pub risk: Vec<Risk>,
    /// Documents (indices into `out.canonical`): merged ones riskiest first, then the others
    /// in file order.
    pub by_risk: Vec<usize>,
    /// Each document's searchable text: the matching keys of its title and description and
    /// of its members' titles.
    search: Vec<String>,
    by_id: HashMap<String, usize>,
    pairs: HashMap<(String, String), usize>,
}

impl Index {
    /// Reads the output folder `dir`.
    pub fn open(dir: &Path) -> Result<Index, Error> {
        let out = OutputDir::open(dir)?;
        let warnings = read_all(dir, out.format)?;
        let completeness = match dir.join(out.file("completeness")).exists() {
            true => read_all(dir, out.format)?,
            false => Vec::new(),
        };
        let run = match std::fs::read_to_string(dir.join("run.json")) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| Error::Input {
                file: dir.join("run.json").display().to_string(),
                message: e.to_string(),
            })?),
            Err(_) => None,
        };
        let threshold = |name: &str, default: f64| out.figure(name).parse().unwrap_or(default);
        let bands = Bands {
            measure: "score",
            match_at: threshold("match_threshold", 0.9),
            review_at: threshold("review_threshold", 0.7),
        };
        let by_id: HashMap<String, usize> = (out.canonical.iter().enumerate())
            .map(|(i, c)| (c.canonical_id.clone(), i))
            .collect();
        let mut members = vec![Vec::new(); out.canonical.len()];
        for (i, r) in out.records.iter().enumerate() {
            if let Some(&d) = by_id.get(&r.canonical_id) {
                members[d].push(i);
            }
        }
        let mut links = vec![Vec::new(); out.canonical.len()];
        for (i, l) in out.links.iter().enumerate() {
            for c in [&l.canonical_a, &l.canonical_b] {
                if let Some(&d) = by_id.get(c)
                    && links[d].last() != Some(&i)
                {
                    links[d].push(i);
                }
            }
        }
        let pairs = (out.decisions.iter().enumerate())
            .map(|(i, d)| (ordered(&d.record_a, &d.record_b), i))
            .collect();
        let search = (out.canonical.par_iter().enumerate())
            .map(|(d, c)| {
                let mut text = [&c.title, &c.description].map(|t| t.as_deref().unwrap_or("")).join(" ");
                for &m in &members[d] {
                    text.push(' ');
                    text.push_str(&out.records[m].label());
                }
                match_key(&text)
            })
            .collect();
        let mut index = Index {
            search,
            out,
            warnings,
            completeness,
            run,
            bands,
            members,
            links,
            risk: Vec::new(),
            by_risk: Vec::new(),
            by_id,
            pairs,
        };
        index.rank();
        Ok(index)
    }

    /// Computes every document's risk and the order of `by_risk`.
    fn rank(&mut self) {
        self.risk = (0..self.out.canonical.len()).map(|d| self.risk_of(d)).collect();
        let mut order: Vec<usize> = (0..self.out.canonical.len()).collect();
        let size = |d: usize| self.members[d].len();
        order.sort_by(|&x, &y| {
            let (rx, ry) = (&self.risk[x], &self.risk[y]);
            (size(y) > 1)
                .cmp(&(size(x) > 1))
                .then(rx.weakest.total_cmp(&ry.weakest))
                .then(ry.title_only.cmp(&rx.title_only))
                .then(size(y).cmp(&size(x)))
                .then(x.cmp(&y))
        });
        self.by_risk = order;
    }

    fn risk_of(&self, d: usize) -> Risk {
        let mut r = Risk {
            weakest: 1.0,
            ..Risk::default()
        };
        for &i in &self.links[d] {
            let l = &self.out.links[i];
            r.override_ |= l.link == "override";
            r.cut_link |= l.outcome == "cut";
            if l.outcome != "joined" {
                continue;
            }
            r.weakest = r.weakest.min(l.score.0);
            if let Some(dec) = self.decision(&l.record_a, &l.record_b) {
                r.title_only |= !self.out.table && dec.description_mode == "missing";
                r.cut_description |= dec.description_mode == "prefix";
                r.override_ |= !dec.override_.is_empty();
            }
        }
        r
    }

    /// Whether every one of `words` (matching keys) is in document `d`'s text.
    pub fn text_has(&self, d: usize, words: &[String]) -> bool {
        words.iter().all(|w| self.search[d].contains(w.as_str()))
    }

    /// The document of canonical id `id`.
    pub fn document(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Canonical row `d`.
    pub fn canonical(&self, d: usize) -> &CanonRow {
        &self.out.canonical[d]
    }

    /// The provenance rows of document `d`.
    pub fn member_rows(&self, d: usize) -> impl Iterator<Item = &ProvRow> {
        self.members[d].iter().map(|&i| &self.out.records[i])
    }

    /// The link rows of document `d`.
    pub fn link_rows(&self, d: usize) -> impl Iterator<Item = &LinkRow> {
        self.links[d].iter().map(|&i| &self.out.links[i])
    }

    /// The decisions row of a pair, in either order.
    pub fn decision(&self, x: &str, y: &str) -> Option<&DecisionRow> {
        self.pairs.get(&ordered(x, y)).map(|&i| &self.out.decisions[i])
    }

    /// The compared pairs with exactly one record in document `d`, closest first: the
    /// records it nearly took in.
    pub fn nearest(&self, d: usize, n: usize) -> Vec<&DecisionRow> {
        let id = self.out.canonical[d].canonical_id.as_str();
        let inside = |r: &str| self.out.record(r).is_some_and(|p| p.canonical_id == id);
        let member_ids: std::collections::HashSet<&str> = self.member_rows(d).map(|r| r.record_id.as_str()).collect();
        let mut near: Vec<&DecisionRow> = (self.out.decisions.iter())
            .filter(|x| member_ids.contains(x.record_a.as_str()) || member_ids.contains(x.record_b.as_str()))
            .filter(|x| inside(&x.record_a) != inside(&x.record_b))
            .collect();
        near.sort_by(|x, y| y.score.0.total_cmp(&x.score.0));
        // Each outside record once, by its closest pair with a member.
        let mut seen = std::collections::HashSet::new();
        near.retain(|x| seen.insert(if inside(&x.record_a) { &x.record_b } else { &x.record_a }));
        near.truncate(n);
        near
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.out.dir
    }

    /// The overrides file answers go to: the one the run read (run.json), else the default,
    /// resolved against the folder the run was started in.
    pub fn overrides_file(&self, explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        let recorded = (self.run.as_ref())
            .and_then(|r| r["overrides"]["file"].as_str())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(crate::audit::overrides::DEFAULT_PATH));
        self.run_directory().join(recorded)
    }

    /// The folder the run was started in (run.json's `directory`), else the current one.
    pub fn run_directory(&self) -> PathBuf {
        (self.run.as_ref())
            .and_then(|r| r["directory"].as_str())
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default())
    }

    /// The answers saved so far in `file` (none when it does not exist).
    pub fn answers(file: &Path) -> Result<Overrides, Error> {
        match file.is_file() {
            true => Overrides::load(file),
            false => Ok(Overrides::default()),
        }
    }
}

/// A pair's key, in either order.
fn ordered(x: &str, y: &str) -> (String, String) {
    match x <= y {
        true => (x.to_string(), y.to_string()),
        false => (y.to_string(), x.to_string()),
    }
}
