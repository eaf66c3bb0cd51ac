//! The overview: the run's figures, its charts (pair scores by decision, documents per year,
//! cluster sizes, records and warnings per page), and what the run was asked to do.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Html;
use maud::{Markup, html};

use super::html::{self as ui, Tab};
use super::{Index, Shared};
use crate::audit::report::{charts, invocation};
use crate::linkage::compare::MatchDecision;

/// `GET /`.
pub async fn page(State(app): State<Shared>) -> Html<String> {
    let index = app.index();
    let flash = app.flash();
    let body = html! {
        h1 { "Run in " code { (index.dir().display()) } }
        (figures(&index))
        h2 { "Pair scores" }
        (charts::scores(
            index.out.decisions.iter().map(|d| (d.score.0, MatchDecision::parse(&d.decision).unwrap_or(MatchDecision::NoMatch))),
            &index.bands,
        ))
        div.charts { (documents(&index)) }
        (completeness(&index))
        h2 { "What the run was asked to do" }
        @match &index.run {
            Some(json) => (invocation(json)),
            None => p.muted { "This folder has no run.json (written by an older concord): its inputs and rules are not known, and it cannot be re-run from here." },
        }
        h2 { "Files" }
        p { "The outputs, as written: " (files(&index)) }
    };
    ui::page("Overview", Tab::Overview, flash, body)
}

/// The summary's figures, the review queue's size first.
fn figures(index: &Index) -> Markup {
    let review = index.out.review.len();
    html! {
        p {
            b { (index.out.records.len()) } " records in " b { (index.out.canonical.len()) } " documents; "
            a href="/review" { b { (review) } " pair(s) wait for review" } "; "
            a href="/clusters?size=2" { "merged documents, riskiest first" } "."
        }
        details {
            summary { "Every figure of summary.csv" }
            table {
                @for (name, value) in &index.out.summary { tr { th { (name) } td.num { (value) } } }
            }
        }
    }
}

/// Documents per year, cluster sizes, records per page and warnings per page.
fn documents(index: &Index) -> Markup {
    let out = &index.out;
    let mut years: BTreeMap<String, usize> = BTreeMap::new();
    let mut sizes: BTreeMap<u64, usize> = BTreeMap::new();
    for c in &out.canonical {
        if let Some(year) = c.date_start.as_deref().and_then(|d| d.get(..4)) {
            *years.entry(year.to_string()).or_default() += 1;
        }
        *sizes.entry(c.source_count.min(10)).or_default() += 1;
    }
    let sizes: Vec<(String, usize)> = (sizes.into_iter())
        .map(|(s, n)| (if s == 10 { "10+".into() } else { s.to_string() }, n))
        .collect();
    let mut per_page: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &out.records {
        *per_page.entry(&r.file).or_default() += 1;
    }
    let histogram = |counts: &mut dyn Iterator<Item = usize>| {
        let mut h: BTreeMap<usize, usize> = BTreeMap::new();
        for n in counts {
            *h.entry(n).or_default() += 1;
        }
        h.into_iter().map(|(k, n)| (k.to_string(), n)).collect::<Vec<_>>()
    };
    let mut warned: BTreeMap<&str, usize> = BTreeMap::new();
    for w in index.warnings.iter().filter(|w| !w.file.is_empty()) {
        *warned.entry(&w.file).or_default() += 1;
    }
    let mut most_warned: Vec<(&str, usize)> = warned.iter().map(|(f, n)| (*f, *n)).collect();
    most_warned.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let years: Vec<(String, usize)> = years.into_iter().collect();
    html! {
        @if !out.table {
            section { h2 { "Documents per year" } (charts::bars("documents per year", &years)) }
        }
        section { h2 { "Cluster sizes" } (charts::bars("documents by number of sources", &sizes))
            p.muted { "Documents by the number of source records they merge." } }
        section { h2 { "Records per page" } (charts::bars("pages by number of records", &histogram(&mut per_page.values().copied())))
            p.muted { (per_page.len()) " files by the number of records read from each." } }
        section {
            h2 { "Warnings per page" }
            (charts::bars("files by number of warnings", &histogram(&mut warned.values().copied())))
            p.muted { (index.warnings.len()) " warnings; " (warned.len()) " files have one or more." }
            @if !most_warned.is_empty() {
                table {
                    tr { th { "file" } th.num { "warnings" } }
                    @for (file, n) in most_warned.iter().take(10) { tr { td { (file) } td.num { (n) } } }
                }
            }
        }
    }
}

/// The queries and what each is missing, from completeness.csv.
fn completeness(index: &Index) -> Markup {
    let rows = &index.completeness;
    let incomplete = rows.iter().filter(|q| q.complete == Some(false)).count();
    html! {
        @if !rows.is_empty() {
            h2 #completeness { "Completeness" }
            p { (rows.len()) " queries; " b { (incomplete) } " incomplete. " a href="/files/completeness.csv" { "completeness.csv" } }
            table {
                tr { th { "query" } th { "by" } th.num { "pages" } th.num { "total" } th { "seen" } th { "missing" } }
                @for q in rows.iter().filter(|q| q.complete == Some(false)).chain(rows.iter().filter(|q| q.complete != Some(false))).take(50) {
                    tr {
                        td { (q.query) } td { (q.grouped_by) } td.num { (q.pages) }
                        td.num { (q.total.map(|t| t.to_string()).unwrap_or_default()) }
                        td { (q.ranges_seen) } td.cut { (q.missing) }
                    }
                }
            }
        }
    }
}

/// Links to the output files.
fn files(index: &Index) -> Markup {
    let mut names: Vec<String> = std::fs::read_dir(index.dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    html! {
        @for (i, n) in names.iter().enumerate() {
            @if i > 0 { ", " }
            a href=(format!("/files/{}", ui::query_value(n))) { (n) }
        }
    }
}
