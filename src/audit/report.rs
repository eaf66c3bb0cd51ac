//! `report.html`: one self-contained page (no scripts, no network) with the run's figures, a
//! histogram of pair scores over the match / review / no-match bands, the merged clusters
//! with their members and evidence, cut links, overrides, the review queue and the warnings.
//! It is built with `maud`, which escapes every interpolated string: scraped text can never
//! become markup.

use maud::{DOCTYPE, Markup, html};

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
/// Histogram bins over [0, 1].
const BINS: usize = 20;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}\
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}\
.match{color:#1a7f37}.review{color:#9a6700}.no-match{color:#666}.cut{color:#cf222e}\
details{margin:.4em 0;border:1px solid #e5e5e5;padding:.3em .6em}summary{cursor:pointer}\
.muted{color:#666}code{font-size:.95em}";

/// Writes `report.html` into `dir`.
pub fn write(batch: &Batch, a: &RunAudit) -> Result<(), Error> {
    let page = render(a);
    batch.stage("report.html", |w| w.write_all(page.into_string().as_bytes()))
}

fn render(a: &RunAudit) -> Markup {
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
                (figures(a))
                (identity(a))
                h2 { "Pair scores" }
                (histogram(a))
                h2 { "Merged clusters" }
                (clusters(a))
                (cut_links(a))
                h2 { "Review queue" }
                (review(a))
                h2 { "Warnings" }
                (warnings(a))
            }
        }
    }
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

/// An inline SVG histogram of all pair scores, bars coloured by band, heights on a log scale
/// (no-match pairs outnumber matches by orders of magnitude), counts written on each bar.
fn histogram(a: &RunAudit) -> Markup {
    let bands = a.scorer.bands();
    let mut counts = [0usize; BINS];
    for s in a.pairs.pairs() {
        counts[((s.score * BINS as f64) as usize).min(BINS - 1)] += 1;
    }
    let (w, h, left, bottom) = (900.0, 260.0, 40.0, 30.0);
    let bar_w = (w - left) / BINS as f64;
    let top = counts
        .iter()
        .map(|&c| ((c + 1) as f64).log10())
        .fold(0.0, f64::max)
        .max(1.0);
    let x_of = |score: f64| left + score * (w - left);
    let colour = |class: &str| match class {
        "match" => "#2da44e",
        "review" => "#d4a72c",
        _ => "#9ea7b3",
    };
    let (review_x, match_x) = (x_of(bands.review_at), x_of(bands.match_at));
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w + 20.0) height=(h + bottom) role="img"
            aria-label="histogram of pair scores" {
            @for (i, &c) in counts.iter().enumerate() {
                @let bh = ((c + 1) as f64).log10() / top * (h - 20.0);
                @let x = left + i as f64 * bar_w;
                @let mid = (i as f64 + 0.5) / BINS as f64;
                rect x=(x + 1.0) y=(h - bh) width=(bar_w - 2.0) height=(bh) fill=(colour(bands.class(mid))) {
                    title { (format!("{:.2}-{:.2}: {c} pairs", i as f64 / BINS as f64, (i + 1) as f64 / BINS as f64)) }
                }
                @if c > 0 {
                    text x=(x + bar_w / 2.0) y=(h - bh - 4.0) font-size="11" text-anchor="middle" { (c) }
                }
            }
            line x1=(left) y1=(h) x2=(w) y2=(h) stroke="#333" {}
            @for t in 0..=10 {
                @let x = x_of(t as f64 / 10.0);
                text x=(x) y=(h + 16.0) font-size="11" text-anchor="middle" { (format!("{:.1}", t as f64 / 10.0)) }
            }
            line x1=(review_x) y1="0" x2=(review_x) y2=(h) stroke="#9a6700" stroke-dasharray="4 3" {}
            line x1=(match_x) y1="0" x2=(match_x) y2=(h) stroke="#1a7f37" stroke-dasharray="4 3" {}
            text x=(review_x - 4.0) y="12" font-size="11" text-anchor="end" fill="#9a6700" { "review " (fixed(bands.review_at)) }
            text x=(match_x + 4.0) y="12" font-size="11" fill="#1a7f37" { "match " (fixed(bands.match_at)) }
        }
        p.muted {
            (a.pairs.len()) " pairs compared; bars: "
            span.no-match { "no-match" } ", " span.review { "review" } ", " span.match { "match" }
            " band (by the bar's middle score), heights on a log scale."
        }
    }
}

fn record_row(a: &RunAudit, r: &Record) -> Markup {
    html! {
        tr {
            td { code { (r.id()) } }
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

/// A record in a line: its title, or a table row's fields.
fn record_label(a: &RunAudit, r: &Record) -> String {
    match a.table {
        Some(_) => r
            .raw
            .fields
            .iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        None => r.raw.title().to_string(),
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
        h2 { "Identity" }
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

fn clusters(a: &RunAudit) -> Markup {
    let merged: Vec<_> = a.canonical.iter().filter(|c| c.members.len() > 1).collect();
    html! {
        p.muted { (merged.len()) " of " (a.canonical.len()) " canonical records merge more than one source record." }
        @for c in merged.iter().take(MAX_ROWS) {
            // Open when there are few enough to read on one page.
            details open[merged.len() <= OPEN_CLUSTERS] {
                summary {
                    code { (c.id) } " " (canonical_label(a, c)) " (" (c.members.len()) " sources)"
                }
                table {
                    (record_header(a))
                    @for &m in &c.members { (record_row(a, &a.records[m as usize])) }
                }
                ul {
                    @for (link, outcome) in a.clustering.log.iter()
                        .filter(|(l, _)| c.members.contains(&l.a) && c.members.contains(&l.b)) {
                        li {
                            code { (a.records[link.a as usize].id()) } " ~ " code { (a.records[link.b as usize].id()) }
                            ": " (outcome_word(outcome)) (if link.must { " (override)" } else { "" }) "; "
                            @if let Some(i) = find_pair(a, link.a, link.b) { (evidence(a, i)) }
                        }
                    }
                }
            }
        }
        @if merged.len() > MAX_ROWS { p.muted { "First " (MAX_ROWS) " shown; canonical.csv and links.csv hold all." } }
    }
}

fn cut_links(a: &RunAudit) -> Markup {
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
        h2 { "Links cut by constraints" }
        @if cut.is_empty() { p.muted { "None." } }
        ul {
            @for (l, reason) in cut.iter().take(MAX_ROWS) {
                li.cut {
                    code { (a.records[l.a as usize].id()) } " ~ " code { (a.records[l.b as usize].id()) }
                    " (score " (fixed(l.score)) "): " (reason)
                }
            }
        }
        h2 { "Overrides" }
        @if overridden.is_empty() { p.muted { "No pair was decided by an override." } }
        ul {
            @for &i in overridden.iter().take(MAX_ROWS) {
                @let s = &a.pairs.pairs()[i];
                li {
                    code { (a.records[s.pair.a as usize].id()) } " ~ " code { (a.records[s.pair.b as usize].id()) } ": "
                    (evidence(a, i))
                }
            }
        }
    }
}

fn review(a: &RunAudit) -> Markup {
    let bands = a.scorer.bands();
    let q = review_queue(a.pairs, &bands);
    let mid = bands.centre();
    html! {
        p.muted {
            (q.len()) " pairs in the review band, most uncertain first (closest to " (bands.measure) " " (fixed(mid))
            "). Label them with " code { "concord review OUT_DIR" } "."
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
                    tr {
                        td.num { (rank + 1) }
                        td { code { (x.id()) } br; (record_label(a, x)) }
                        td { code { (y.id()) } br; (record_label(a, y)) }
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
