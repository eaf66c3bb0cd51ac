//! `report.html`: one self-contained page (no scripts, no network) for sharing: contents, the
//! run's figures, the pair scores stacked by decision, charts of the documents and pages, the
//! merged clusters riskiest first, cut links, overrides, the review queue with both records'
//! fields and the words that differ, and the warnings. Every cluster, pair and cut link has an
//! anchor, and each names the others by link. It is built with `maud`, which escapes every
//! interpolated string: scraped text can never become markup.

pub mod charts;

use std::collections::{BTreeMap, HashMap, HashSet};

use maud::{DOCTYPE, Markup, html};

use super::words::{self, Word};
use super::{RunAudit, outcome_word, review_queue};
use crate::error::Error;
use crate::linkage::cluster::Outcome;
use crate::linkage::compare::{FsDetail, MatchDecision};
use crate::linkage::merge::CanonicalRecord;
use crate::linkage::model::Model;
use crate::linkage::score;
use crate::output::{Batch, fixed};
use crate::record::Record;

/// Rows shown per table; the CSV files hold everything.
const MAX_ROWS: usize = 500;
/// Up to this many merged clusters, their details are shown open.
const OPEN_CLUSTERS: usize = 30;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}\
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}\
.match{color:#1a7f37}.review{color:#9a6700}.no-match{color:#666}.cut{color:#cf222e}\
details{margin:.4em 0;border:1px solid #e5e5e5;padding:.3em .6em}summary{cursor:pointer}\
.muted{color:#666}code{font-size:.95em}mark{background:#fff1a8}nav ul{columns:2}\
.badge{font-size:.85em;border:1px solid #d0d7de;border-radius:3px;padding:0 .3em;margin-left:.3em}";

/// Writes `report.html` into `dir`.
pub fn write(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let page = render(a);
    batch.stage("report.html", |w| w.write_all(page.into_string().as_bytes()))
}

fn render(a: &RunAudit) -> Markup {
    let view = View::new(a);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "concord report" }
                style { (STYLE) }
            }
            body {
                h1 { "concord report" }
                (contents(a))
                h2 #figures { "Figures" }
                (figures(a))
                h2 #run { "Run" }
                (run(a))
                (identity(a))
                h2 #scores { "Pair scores" }
                (charts::scores(a.pairs.pairs().iter().enumerate().map(|(i, s)| (s.score, a.pairs.decision(i))), &a.scorer.bands()))
                h2 #documents { "Documents and pages" }
                (documents(a))
                @if a.table.is_none() {
                    h2 #completeness { "Completeness" }
                    (completeness(a))
                }
                h2 #clusters { "Merged clusters" }
                (clusters(a, &view))
                (cut_links(a, &view))
                h2 #review { "Review queue" }
                (review(a, &view))
                h2 #warnings { "Warnings" }
                (warnings(a))
            }
        }
    }
}

/// The sections, linked.
fn contents(a: &RunAudit) -> Markup {
    let mut sections = vec![("figures", "Figures"), ("run", "Run")];
    if a.ids.run >= 2 {
        sections.push(("identity", "Identity"));
    }
    sections.extend([("scores", "Pair scores"), ("documents", "Documents and pages")]);
    if a.table.is_none() {
        sections.push(("completeness", "Completeness"));
    }
    sections.extend([
        ("clusters", "Merged clusters"),
        ("cut-links", "Links cut by constraints"),
        ("overrides", "Overrides"),
        ("review", "Review queue"),
        ("warnings", "Warnings"),
    ]);
    html! {
        nav aria-label="contents" {
            ul { @for (id, name) in sections { li { a href=(format!("#{id}")) { (name) } } } }
        }
    }
}

/// What the run was asked to do, from `run.json`: the version, the command that does it
/// again, the inputs, and the rules and overrides files with their digests.
fn run(a: &RunAudit) -> Markup {
    let Some(json) = a
        .invocation
        .and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok())
    else {
        return html! { p.muted { "No run.json: these outputs were written through the library, which was not told the command." } };
    };
    invocation(&json)
}

/// run.json's record as a table: the version, the command (its `--out` shown as this
/// folder), the inputs, and the rules and overrides files with their digests. Shared with
/// `concord serve`'s overview.
pub fn invocation(json: &serde_json::Value) -> Markup {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let list =
        |v: &serde_json::Value| -> Vec<String> { v.as_array().map_or(Vec::new(), |a| a.iter().map(text).collect()) };
    let file = |v: &serde_json::Value, none: &str| match v.is_null() {
        true => none.to_string(),
        false => format!("{} (SHA-256 {})", text(&v["file"]), text(&v["sha256"])),
    };
    // Without its `--out`: a run's outputs do not depend on where they were written (they
    // are compared byte for byte); the report is in that folder.
    let mut command: Vec<String> = Vec::new();
    let mut args = list(&json["command"]).into_iter();
    while let Some(arg) = args.next() {
        match arg == "--out" {
            true => {
                args.next();
                command.push("--out <this folder>".into());
            }
            false => command.push(shell_word(&arg)),
        }
    }
    html! {
        table {
            tr { th { "concord" } td { (text(&json["concord"])) } }
            tr { th { "command" } td { code { (command.join(" ")) } } }
            tr { th { "inputs" } td { (list(&json["inputs"]).join(", ")) } }
            tr { th { "rules" } td { (file(&json["rules"], "the built-in rules")) } }
            tr { th { "overrides" } td { (file(&json["overrides"], "none")) } }
        }
        p.muted { "run.json holds this record; the command, run again where it was run, does the run again." }
    }
}

/// An argument as a shell reads it back: as it is when it holds nothing a shell would take
/// apart, else in single quotes.
pub fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_alphanumeric() || "-_./=:,+@%".contains(c));
    match plain {
        true => arg.to_string(),
        false => format!("'{}'", arg.replace('\'', "'\\''")),
    }
}

/// An anchor for `key` under `prefix`: letters, digits, `-`, `_` and `.` kept, every other
/// byte written `~XX`, so that a record id's `/` and `#` or a scraped id's spaces and quotes
/// make a fragment every browser follows.
fn anchor(prefix: &str, key: &str) -> String {
    let mut out = format!("{prefix}-");
    for b in key.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("~{b:02X}")),
        }
    }
    out
}

/// What the sections link through: the merged clusters riskiest first, those shown, and each
/// record's cluster.
struct View {
    /// Merged clusters (indices into `canonical`), riskiest first ([`Risk`]).
    merged: Vec<(usize, Risk)>,
    /// The clusters shown (the first [`MAX_ROWS`] of `merged`).
    shown: HashSet<usize>,
    /// Each record's cluster (index into `canonical`).
    cluster_of: Vec<u32>,
    /// Each merged cluster's links (indices into the clustering log).
    links: HashMap<usize, Vec<usize>>,
}

/// How much a merged cluster is worth checking: its weakest link (the lowest score among the
/// links that joined it), whether a link that joined it rests on the title alone (no
/// description on one side), and how many sources it merges. Riskiest first: weakest link,
/// then thin evidence, then most sources.
#[derive(Debug, Clone, Copy)]
struct Risk {
    weakest: f64,
    thin: bool,
    sources: usize,
}

impl View {
    fn new(a: &RunAudit) -> View {
        let mut cluster_of = vec![u32::MAX; a.records.len()];
        for (c, canonical) in a.canonical.iter().enumerate() {
            for &m in &canonical.members {
                cluster_of[m as usize] = c as u32;
            }
        }
        // Each link goes to its cluster once, by one pass over the log (not one per cluster).
        let mut links: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, (l, _)) in a.clustering.log.iter().enumerate() {
            let (x, y) = (cluster_of[l.a as usize], cluster_of[l.b as usize]);
            if x == y && x != u32::MAX {
                links.entry(x as usize).or_default().push(i);
            }
        }
        let mut merged: Vec<(usize, Risk)> = (0..a.canonical.len())
            .filter(|&c| a.canonical[c].members.len() > 1)
            .map(|c| (c, risk(a, c, links.get(&c).map_or(&[][..], Vec::as_slice))))
            .collect();
        merged.sort_by(|(x, rx), (y, ry)| {
            (rx.weakest.total_cmp(&ry.weakest))
                .then(ry.thin.cmp(&rx.thin))
                .then(ry.sources.cmp(&rx.sources))
                .then(a.canonical[*x].id.cmp(&a.canonical[*y].id))
        });
        let shown = merged.iter().take(MAX_ROWS).map(|(c, _)| *c).collect();
        View {
            merged,
            shown,
            cluster_of,
            links,
        }
    }

    /// A record's id, linked to its cluster when the report shows that cluster.
    fn record(&self, a: &RunAudit, r: u32) -> Markup {
        let id = a.records[r as usize].id();
        let c = self.cluster_of[r as usize] as usize;
        html! {
            @if self.shown.contains(&c) {
                a href=(format!("#{}", anchor("c", &a.canonical[c].id))) { code { (id) } }
            } @else {
                code { (id) }
            }
        }
    }
}

/// The [`Risk`] of merged cluster `c`, whose links (indices into the log) are `links`.
fn risk(a: &RunAudit, c: usize, links: &[usize]) -> Risk {
    let joined = links
        .iter()
        .map(|&i| &a.clustering.log[i])
        .filter(|(_, o)| matches!(o, Outcome::Joined));
    let mut r = Risk {
        weakest: 1.0,
        thin: false,
        sources: a.canonical[c].members.len(),
    };
    for (l, _) in joined {
        r.weakest = r.weakest.min(l.score);
        let title_only = find_pair(a, l.a, l.b).is_some_and(|i| a.pairs.pairs()[i].description.is_none());
        r.thin |= a.table.is_none() && title_only;
    }
    r
}

fn figures(a: &RunAudit) -> Markup {
    let bands = a.scorer.bands();
    html! {
        table {
            @for (name, value) in a.summary.rows() {
                tr { th { (name) } td.num { (value) } }
            }
        }
        p {
            "Thresholds: match at a " (bands.measure) " of " b { (fixed(bands.match_at)) } " or more, review from "
            b { (fixed(bands.review_at)) } (a.scorer.limits()) "."
        }
    }
}

/// Documents per year, cluster sizes, records per page, and the pages with most warnings.
fn documents(a: &RunAudit) -> Markup {
    let mut years: BTreeMap<u16, usize> = BTreeMap::new();
    let mut undated = 0;
    for c in a.canonical {
        match c.date {
            Some(d) => *years.entry(d.year).or_default() += 1,
            None => undated += 1,
        }
    }
    let years: Vec<(String, usize)> = years.into_iter().map(|(y, n)| (y.to_string(), n)).collect();
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for c in a.canonical {
        *sizes.entry(c.members.len().min(10)).or_default() += 1;
    }
    let sizes: Vec<(String, usize)> = sizes
        .into_iter()
        .map(|(s, n)| (if s == 10 { "10+".into() } else { s.to_string() }, n))
        .collect();
    let mut per_page: BTreeMap<&str, usize> = BTreeMap::new();
    for r in a.records {
        *per_page.entry(&r.raw.provenance.file).or_default() += 1;
    }
    let mut page_sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for &n in per_page.values() {
        *page_sizes.entry(n).or_default() += 1;
    }
    let page_sizes: Vec<(String, usize)> = page_sizes.into_iter().map(|(s, n)| (s.to_string(), n)).collect();
    html! {
        @if a.table.is_none() {
            h3 { "Documents per year" }
            (charts::bars("documents per year", &years))
            p.muted { (a.canonical.len()) " documents; " (undated) " without a date." }
        }
        h3 { "Cluster sizes" }
        (charts::bars("documents by number of sources", &sizes))
        p.muted { "Documents by the number of source records they merge." }
        @if a.table.is_none() {
            h3 { "Records per page" }
            (charts::bars("pages by number of records", &page_sizes))
            p.muted { (per_page.len()) " pages by the number of records read from each." }
            (warned_pages(a))
        }
    }
}

/// The pages with the most warnings (ten at most).
fn warned_pages(a: &RunAudit) -> Markup {
    let mut per_page: BTreeMap<&str, usize> = BTreeMap::new();
    for w in a.warnings {
        if let Some(f) = &w.file {
            *per_page.entry(f).or_default() += 1;
        }
    }
    let mut pages: Vec<(&str, usize)> = per_page.into_iter().collect();
    pages.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    html! {
        @if !pages.is_empty() {
            h3 { "Files with the most warnings" }
            table {
                tr { th { "file" } th.num { "warnings" } }
                @for (file, n) in pages.iter().take(10) { tr { td { (file) } td.num { (n) } } }
            }
        }
    }
}

fn record_row(a: &RunAudit, r: &Record) -> Markup {
    let url = r.raw.provenance.page.as_deref().and_then(|m| m.url.as_deref());
    html! {
        tr {
            td { code { (r.id()) } @if let Some(u) = url { br; (page_link(u)) } }
            @if a.table.is_some() {
                // A table row shows its own fields, as written.
                @for v in &r.raw.fields { td { (v.as_deref().unwrap_or("")) } }
            } @else {
                td { (r.raw.date().unwrap_or("")) }
                td { (r.raw.title()) }
                td { (r.raw.description().unwrap_or("")) (if r.raw.partial { " [cut off]" } else { "" }) }
            }
        }
    }
}

/// The header of [`record_row`]'s table.
/// A page's address: a link when it is a web address, text otherwise (a scraped `javascript:`
/// address must not become a link).
pub fn page_link(url: &str) -> Markup {
    let web = url.starts_with("https://") || url.starts_with("http://");
    html! {
        @if web { a.muted href=(url) rel="noreferrer" { "page" } } @else { span.muted { (url) } }
    }
}

/// The queries the pages are pages of, and what each is missing ([`crate::completeness`]).
fn completeness(a: &RunAudit) -> Markup {
    use crate::completeness::ranges_text;
    let incomplete = a.completeness.iter().filter(|q| q.complete() == Some(false)).count();
    html! {
        p {
            (a.completeness.len()) " queries; " b { (incomplete) } " incomplete (results their range headers state were not scraped). "
            "Pages are grouped by the manifest's query, else by their address without paging parameters, else by folder and stated total. "
            "completeness.csv holds every query."
        }
        table {
            tr { th { "query" } th { "by" } th.num { "pages" } th.num { "total" } th { "seen" } th { "missing" } th { "overlapping pages" } th { "count mismatches" } }
            @for q in a.completeness.iter().take(MAX_ROWS) {
                tr {
                    td { (q.key) } td { (q.grouped_by) } td.num { (q.pages) }
                    td.num { (q.totals.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")) }
                    td { (ranges_text(&q.seen)) }
                    td.cut { (q.missing_text()) }
                    td { @for (x, y) in &q.overlapping { (x) " ~ " (y) br; } }
                    td { @for (p, stated, read) in &q.mismatched { (p) " (header " (stated) ", read " (read) ")" br; } }
                }
            }
        }
    }
}

fn record_header(a: &RunAudit) -> Markup {
    html! {
        tr {
            th { "record" }
            @match a.table {
                Some(t) => { @for f in &t.fields { th { (f.name) } } }
                None => { th { "date" } th { "title" } th { "description" } }
            }
        }
    }
}

/// A canonical record in a line: its date and title, or a table's canonical fields.
fn canonical_label(a: &RunAudit, c: &CanonicalRecord) -> Markup {
    html! {
        @if a.table.is_some() {
            b { (c.fields.iter().flatten().map(String::as_str).collect::<Vec<_>>().join(" ")) }
        } @else {
            (c.date.map(|d| d.to_string()).unwrap_or_default()) " " b { (c.title(a.records)) }
        }
    }
}

/// The index of the pair of records `a` and `b`, if they were paired.
fn find_pair(a: &RunAudit, x: u32, y: u32) -> Option<usize> {
    let (x, y) = (x.min(y), x.max(y));
    a.pairs
        .pairs()
        .binary_search_by(|s| (s.pair.a, s.pair.b).cmp(&(x, y)))
        .ok()
}

/// Pair `i`'s evidence and its final decision and reason.
fn evidence(a: &RunAudit, i: usize) -> Markup {
    let s = &a.pairs.pairs()[i];
    let decision = a.pairs.decision(i);
    html! {
        @if a.table.is_none() {
            "title " (fixed(s.title)) ", description "
            (s.description.map(fixed).unwrap_or_else(|| "-".into())) " (" (s.description_mode.as_str()) "), "
        }
        @match (&s.fs, a.scorer.model()) {
            (Some(fs), Some(model)) => { (waterfall(model, fs)) ", match probability " }
            _ => { "score " }
        }
        b { (fixed(s.score)) } ": "
        span class=(decision.as_str()) { (decision.as_str()) } " - " (a.pairs.reason(i).as_ref())
    }
}

/// A match weight as its sum: "match weight 19.7710 = prior -6.8826 + surname exact +5.1927 ...".
fn waterfall(model: &Model, fs: &FsDetail) -> Markup {
    html! {
        "match weight " b { (fixed(fs.match_weight)) } " = prior " (fixed(fs.prior_weight))
        @for step in score::waterfall(model, fs) {
            " + " (step.name) " " i { (step.level) } " " (format!("{:+.4}", step.weight))
        }
    }
}

/// What became of the previous run's ids (a run with `--previous` only): how many were
/// carried over, issued and retired, and each id retired in this run.
fn identity(a: &RunAudit) -> Markup {
    let ids = a.ids;
    if ids.run < 2 {
        return html! {};
    }
    let retired: Vec<_> = ids.store.iter().filter(|r| r.retired_in == Some(ids.run)).collect();
    let issued = ids.store.iter().filter(|r| r.issued_in == ids.run).count();
    let carried = a.canonical.len() - issued;
    html! {
        h2 #identity { "Identity" }
        p {
            "Run " (ids.run) " (ids.csv): " (carried) " canonical ids carried over from the previous run, "
            (issued) " issued, " (retired.len()) " retired."
        }
        @if !retired.is_empty() {
            table {
                tr { th { "id" } th { "what became of it" } }
                @for r in retired.iter().take(MAX_ROWS) {
                    tr {
                        td { code { (r.id) } }
                        td {
                            @if r.status == "merged" { "merged into " code { (r.resolves_to) } }
                            @else { "removed: none of its records is in this run" }
                        }
                    }
                }
            }
            @if retired.len() > MAX_ROWS { p.muted { "First " (MAX_ROWS) " shown; ids.csv holds all." } }
        }
    }
}

fn clusters(a: &RunAudit, view: &View) -> Markup {
    let merged = &view.merged;
    html! {
        p.muted {
            (merged.len()) " of " (a.canonical.len()) " canonical records merge more than one source record. "
            "Riskiest first: the weakest link that joined a cluster, then links on the title alone, then most sources."
        }
        @for (index, risk) in merged.iter().take(MAX_ROWS) {
            @let c = &a.canonical[*index];
            @let links = view.links.get(index).map_or(&[][..], Vec::as_slice);
            // Open when there are few enough to read on one page.
            details id=(anchor("c", &c.id)) open[merged.len() <= OPEN_CLUSTERS] {
                summary {
                    a href=(format!("#{}", anchor("c", &c.id))) { code { (c.id) } } " " (canonical_label(a, c))
                    " (" (c.members.len()) " sources)"
                    span.badge { "weakest link " (fixed(risk.weakest)) }
                    @if risk.thin { span.badge { "title only" } }
                }
                table {
                    (record_header(a))
                    @for &m in &c.members { (record_row(a, &a.records[m as usize])) }
                }
                ul {
                    @for &l in links {
                        @let (link, outcome) = &a.clustering.log[l];
                        @let pair = find_pair(a, link.a, link.b);
                        li id=[pair.map(|i| anchor("p", &i.to_string()))] {
                            code { (a.records[link.a as usize].id()) } " ~ " code { (a.records[link.b as usize].id()) }
                            ": " (outcome_word(outcome)) (if link.must { " (override)" } else { "" }) "; "
                            @if let Some(i) = pair { (evidence(a, i)) }
                        }
                    }
                }
            }
        }
        @if merged.len() > MAX_ROWS { p.muted { "The " (MAX_ROWS) " riskiest shown; canonical.csv and links.csv hold all." } }
    }
}

fn cut_links(a: &RunAudit, view: &View) -> Markup {
    let cut: Vec<_> = a
        .clustering
        .log
        .iter()
        .filter_map(|(l, o)| match o {
            Outcome::Cut(r) => Some((l, r)),
            _ => None,
        })
        .collect();
    let overridden: Vec<usize> = (0..a.marks.len()).filter(|&i| a.marks[i].is_some()).collect();
    html! {
        h2 #cut-links { "Links cut by constraints" }
        @if cut.is_empty() { p.muted { "None." } }
        ul {
            @for (n, (l, reason)) in cut.iter().enumerate().take(MAX_ROWS) {
                li.cut id=(anchor("cut", &(n + 1).to_string())) {
                    (view.record(a, l.a)) " ~ " (view.record(a, l.b))
                    " (score " (fixed(l.score)) "): " (reason)
                }
            }
        }
        @if cut.len() > MAX_ROWS { p.muted { "First " (MAX_ROWS) " shown; links.csv holds all." } }
        h2 #overrides { "Overrides" }
        @if overridden.is_empty() { p.muted { "No pair was decided by an override." } }
        ul {
            @for &i in overridden.iter().take(MAX_ROWS) {
                @let s = &a.pairs.pairs()[i];
                li {
                    (view.record(a, s.pair.a)) " ~ " (view.record(a, s.pair.b)) ": " (evidence(a, i))
                }
            }
        }
    }
}

fn review(a: &RunAudit, view: &View) -> Markup {
    let bands = a.scorer.bands();
    let q = review_queue(a.pairs, &bands, |r| {
        a.canonical[view.cluster_of[r as usize] as usize].members.len()
    });
    let mid = bands.centre();
    html! {
        p.muted {
            (q.len()) " pairs in review. First those scored a match (" (bands.measure) " " (fixed(bands.match_at))
            " or more) that a rule held back, where missed duplicates are, the answer that moves more records first; "
            "then the review band, most uncertain first (closest to " (bands.measure) " " (fixed(mid)) "). Words one side lacks are marked (what matching ignores, such as case, accents and quotes, is not). "
            // The folder by a path that holds wherever it is: a run's outputs do not depend on
            // where they were written (they are compared byte for byte).
            "Label them with " code { "concord review ." } " in a terminal, or in a browser with " code { "concord serve ." } ", run in this report's folder (the run's output folder)."
        }
        @if !q.is_empty() {
            table {
                tr {
                    th { "#" } th { "record a" } th { "record b" }
                    @for name in a.scorer.columns() { th.num { (name) } }
                    th.num { (bands.measure) } th { "why" }
                }
                @for (rank, &i) in q.iter().enumerate().take(MAX_ROWS) {
                    @let s = &a.pairs.pairs()[i];
                    @let (x, y) = (&a.records[s.pair.a as usize], &a.records[s.pair.b as usize]);
                    @let (fx, fy) = side_fields(a, x, y);
                    tr id=(anchor("rv", &(rank + 1).to_string())) {
                        td.num { (rank + 1) }
                        td { (view.record(a, s.pair.a)) (fx) }
                        td { (view.record(a, s.pair.b)) (fy) }
                        @for value in a.scorer.evidence(s) { td.num { (value) } }
                        td.num { (fixed(s.score)) }
                        td { (a.pairs.reason(i).as_ref()) }
                    }
                }
            }
        }
        @if q.len() > MAX_ROWS { p.muted { "First " (MAX_ROWS) " shown; review.csv holds all." } }
        @let reviewed_matches = a.pairs.count(MatchDecision::Match);
        p.muted { (reviewed_matches) " pairs matched (by score or override)." }
    }
}

/// Both records' fields for the review table, field by field, the words the other lacks
/// marked: a page record's date, title and description; a table row's fields.
fn side_fields(a: &RunAudit, x: &Record, y: &Record) -> (Markup, Markup) {
    let fields: Vec<(String, &str, &str)> = match a.table {
        Some(t) => (t.fields.iter().zip(x.raw.fields.iter().zip(&y.raw.fields)))
            .map(|(f, (u, v))| (f.name.clone(), u.as_deref().unwrap_or(""), v.as_deref().unwrap_or("")))
            .collect(),
        None => vec![
            ("date".into(), x.raw.date().unwrap_or(""), y.raw.date().unwrap_or("")),
            ("title".into(), x.raw.title(), y.raw.title()),
            (
                "description".into(),
                x.raw.description().unwrap_or(""),
                y.raw.description().unwrap_or(""),
            ),
        ],
    };
    let side = |left: bool| {
        html! {
            @for (name, u, v) in &fields {
                @let (wu, wv) = words::diff(u, v);
                br; span.muted { (name) ": " } (marked(if left { &wu } else { &wv }))
            }
        }
    };
    (side(true), side(false))
}

/// Words, those marked in `<mark>`.
fn marked(words: &[Word]) -> Markup {
    html! {
        @for (i, (word, differs)) in words.iter().enumerate() {
            @if i > 0 { " " }
            @if *differs { mark { (word) } } @else { (word) }
        }
    }
}

fn warnings(a: &RunAudit) -> Markup {
    html! {
        @if a.warnings.is_empty() { p.muted { "None." } }
        @else {
            table {
                tr { th { "file" } th.num { "line" } th { "message" } }
                @for w in a.warnings.iter().take(MAX_ROWS) {
                    tr {
                        td { (w.file.as_deref().unwrap_or("")) }
                        td.num { (w.line.map(|l| l.to_string()).unwrap_or_default()) }
                        td { (w.message) }
                    }
                }
            }
        }
    }
}
