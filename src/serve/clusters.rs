//! The documents: a list riskiest first, searched by words of the title or description and
//! filtered by date range, size and evidence; and one document's page, with its members
//! side by side (the words that differ from the merged record marked), every link with its
//! evidence, the links cut, the near misses and the pairs of it waiting for review.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Shared;
use super::html::{self as ui, Tab, doc_link, marked, query_value};
use super::index::{Index, Risk};
use crate::audit::read::ProvRow;
use crate::audit::words;
use crate::normalize::match_key;

/// Documents per page of the list.
const PER_PAGE: usize = 50;
/// Near misses shown on a document's page.
const NEAREST: usize = 10;

/// The list's search and filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Words that must all be in the title or description.
    q: String,
    /// Dated on or after (YYYY, YYYY-MM or YYYY-MM-DD).
    from: String,
    /// Dated on or before.
    to: String,
    /// At least this many sources.
    size: String,
    /// At most this many sources.
    max: String,
    /// Evidence: title-only, cut-description, cut-link, override.
    evidence: String,
    /// The page of results (from 1).
    page: String,
}

impl Filters {
    fn number(s: &str) -> Option<usize> {
        s.trim().parse().ok()
    }

    /// Whether document `d` passes every filter; `words` are the search's matching keys.
    fn pass(&self, index: &Index, d: usize, words: &[String]) -> bool {
        let c = index.canonical(d);
        let n = c.source_count as usize;
        let size_ok =
            Filters::number(&self.size).is_none_or(|m| n >= m) && Filters::number(&self.max).is_none_or(|m| n <= m);
        let (from, to) = (self.from.trim(), self.to.trim());
        let dates_ok = (from.is_empty() && to.is_empty())
            || match (c.date_start.as_deref(), c.date_end.as_deref()) {
                (Some(start), Some(end)) => {
                    (from.is_empty() || end >= padded(from, "-01-01").as_str())
                        && (to.is_empty() || start <= padded(to, "-12-31").as_str())
                }
                _ => false,
            };
        size_ok && dates_ok && evidence_ok(&self.evidence, &index.risk[d]) && index.text_has(d, words)
    }

    /// This search with another page of results.
    fn with_page(&self, page: usize) -> String {
        let pairs = [
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
            ("size", &self.size),
            ("max", &self.max),
            ("evidence", &self.evidence),
        ];
        let mut s: Vec<String> = (pairs.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect();
        s.push(format!("page={page}"));
        format!("/clusters?{}", s.join("&"))
    }
}

/// A partial date as the first (or last) day it may be: "1952" -> "1952-01-01"; a whole date
/// as it is.
fn padded(date: &str, tail: &str) -> String {
    match date.len() {
        4 => format!("{date}{tail}"),
        // A month: its first day, or a day after its last (compared as text, "-31" is never
        // passed by a day of the month).
        7 => format!("{date}{}", &tail[3..]),
        _ => date.to_string(),
    }
}

/// `1952`, `1952-09` or `1952-09-06`.
fn is_date_bound(s: &str) -> bool {
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    }
}

/// The evidence filter's names.
const EVIDENCE: [(&str, &str); 4] = [
    ("title-only", "a link on the title alone"),
    ("cut-description", "a link with a cut description"),
    ("cut-link", "a link cut by a constraint"),
    ("override", "a reviewer's answer"),
];

fn evidence_ok(filter: &str, r: &Risk) -> bool {
    match filter {
        "title-only" => r.title_only,
        "cut-description" => r.cut_description,
        "cut-link" => r.cut_link,
        "override" => r.override_,
        _ => true,
    }
}

/// A document's evidence badges.
fn badges(r: &Risk) -> Markup {
    html! {
        @if r.title_only { span.badge title="a joining link rests on the title alone" { "title only" } }
        @if r.cut_description { span.badge title="a joining link compared a cut description" { "cut description" } }
        @if r.cut_link { span.badge.cut title="a link touching it was cut by a constraint" { "cut link" } }
        @if r.override_ { span.badge title="a reviewer's answer decided a link" { "override" } }
    }
}

/// `GET /clusters`.
pub async fn list(State(app): State<Shared>, Query(f): Query<Filters>) -> Response {
    let index = app.index();
    let mut f = f;
    let mut problems = Vec::new();
    for (name, value) in [("from", &mut f.from), ("to", &mut f.to)] {
        if !value.trim().is_empty() && !is_date_bound(value.trim()) {
            problems.push(format!(
                "{name} {value:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD): not used"
            ));
            value.clear();
        }
    }
    let words: Vec<String> = match_key(&f.q).split_whitespace().map(str::to_string).collect();
    let found: Vec<usize> = (index.by_risk.iter().copied())
        .filter(|&d| f.pass(&index, d, &words))
        .collect();
    let pages = found.len().div_ceil(PER_PAGE).max(1);
    let page = Filters::number(&f.page).unwrap_or(1).clamp(1, pages);
    let shown = &found[(page - 1) * PER_PAGE..(page * PER_PAGE).min(found.len())];
    let body = html! {
        h1 { "Documents" }
        (form(&f))
        @for p in &problems { p.problem { (p) } }
        p {
            b { (found.len()) } " of " (index.out.canonical.len()) " documents; merged documents riskiest first "
            "(weakest joining link, then title-only evidence, then most sources), then the others."
        }
        table #clusters {
            tr { th { "document" } th { "date" } th { "title" } th.num { "sources" } th.num { "weakest link" } th { "evidence" } }
            @for &d in shown {
                @let c = index.canonical(d);
                @let r = &index.risk[d];
                tr {
                    td { (doc_link(&c.canonical_id)) }
                    td { (c.date.as_deref().unwrap_or("undated")) }
                    td { (c.title.as_deref().unwrap_or_else(|| c.description.as_deref().unwrap_or(""))) }
                    td.num { (c.source_count) }
                    td.num { @if c.source_count > 1 { (crate::output::fixed(r.weakest)) } }
                    td { (badges(r)) }
                }
            }
        }
        p {
            @if page > 1 { a href=(f.with_page(page - 1)) rel="prev" { "previous" } " " }
            "page " (page) " of " (pages)
            @if page < pages { " " a href=(f.with_page(page + 1)) rel="next" { "next" } }
        }
    };
    ui::page("Documents", Tab::Clusters, app.flash(), body).into_response()
}

/// The search form, filled with `f`.
fn form(f: &Filters) -> Markup {
    html! {
        form.filters method="get" action="/clusters" role="search" {
            label { "words of the title or description" input type="search" name="q" value=(f.q) size="30" autofocus; }
            label { "from (YYYY[-MM[-DD]])" input name="from" value=(f.from) size="10"; }
            label { "to" input name="to" value=(f.to) size="10"; }
            label { "sources at least" input type="number" min="1" name="size" value=(f.size) class="count"; }
            label { "at most" input type="number" min="1" name="max" value=(f.max) class="count"; }
            label { "evidence"
                select name="evidence" {
                    option value="" { "any" }
                    @for (value, name) in EVIDENCE {
                        option value=(value) selected[f.evidence == value] { (name) }
                    }
                }
            }
            button type="submit" { "Search" }
            a href="/clusters" { "clear" }
        }
    }
}

/// `GET /cluster/{id}`.
pub async fn one(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    let index = app.index();
    let Some(d) = index.document(&id) else {
        return ui::problem(StatusCode::NOT_FOUND, &format!("No document {id} in this run."));
    };
    let c = index.canonical(d);
    let body = html! {
        h1 { (c.title.as_deref().unwrap_or("(no title)")) }
        p {
            code { (c.canonical_id) } " - " (c.date.as_deref().unwrap_or("undated"))
            " - " b { (c.source_count) } " source(s)" (badges(&index.risk[d]))
        }
        @if let Some(text) = &c.description { p { (text) } }
        h2 { "Members" }
        (members(&index, d))
        (links(&index, d))
        h2 { "Nearest records not merged" }
        (nearest(&index, d))
        (in_review(&index, d))
        details {
            summary { "As " code { "concord explain" } " tells it" }
            pre { (crate::audit::explain::explain(&index.out, std::slice::from_ref(&c.canonical_id)).unwrap_or_else(|e| e.to_string())) }
        }
    };
    ui::page(&c.canonical_id, Tab::Clusters, app.flash(), body).into_response()
}

/// The members, one row each, the words of each field that the merged record lacks marked.
fn members(index: &Index, d: usize) -> Markup {
    let c = index.canonical(d);
    let text = |x: &Option<String>| x.clone().unwrap_or_default();
    let field = |merged: &Option<String>, mine: &Option<String>| marked(&words::diff(&text(merged), &text(mine)).1);
    html! {
        @if index.out.table {
            table {
                @let names: Vec<&str> = index.member_rows(d).next().map_or(Vec::new(), |r| r.fields.0.iter().map(|(n, _)| n.as_str()).collect());
                tr { th { "record" } @for n in &names { th { (n) } } }
                @for r in index.member_rows(d) {
                    tr { td { code { (r.record_id) } } @for (_, v) in &r.fields.0 { td { (v) } } }
                }
            }
        } @else {
            table #members {
                tr { th { "record" } th { "page, line" } th { "date" } th { "title" } th { "description" } }
                @for r in index.member_rows(d) {
                    tr {
                        td { code { (r.record_id) } (partial(r)) }
                        td { (r.file) ", line " (r.line) }
                        td { (r.raw_date.as_deref().unwrap_or("")) }
                        td { (field(&c.title, &r.title)) }
                        td { (field(&c.description, &r.description)) }
                    }
                }
            }
            p.muted { "Marked: words a member has that the merged record does not (case, accents and punctuation aside, as matching sees them)." }
        }
    }
}

fn partial(r: &ProvRow) -> Markup {
    html! { @if r.partial == Some(true) { span.badge { "partial" } } }
}

/// Every link touching the document, with its evidence; the cut ones flagged.
fn links(index: &Index, d: usize) -> Markup {
    let id = index.canonical(d).canonical_id.as_str();
    let rows: Vec<_> = index.link_rows(d).collect();
    let cut = rows.iter().filter(|l| l.outcome == "cut").count();
    html! {
        h2 { "Links" }
        @if rows.is_empty() { p.muted { "None: no pair of its records scored a match." } }
        @else {
            p.muted { (rows.len()) " link(s) in the order clustering took them; " (cut) " cut by a constraint." }
            table #links {
                tr { th.num { "order" } th { "records" } th { "link" } th.num { "score" } th { "outcome" } th { "evidence" } }
                @for l in &rows {
                    tr class=[(l.outcome == "cut").then_some("cut")] {
                        td.num { (l.order) }
                        td { code { (l.record_a) } (other_doc(&l.canonical_a, id)) br; code { (l.record_b) } (other_doc(&l.canonical_b, id)) }
                        td { (l.link) }
                        td.num { (l.score) }
                        td { (l.outcome) ": " (l.reason) }
                        td { @if let Some(dec) = index.decision(&l.record_a, &l.record_b) { (ui::evidence(dec, index.out.table)) } }
                    }
                }
            }
        }
    }
}

/// " (in doc-...)" with a link, when a link's record is in another document.
fn other_doc(of: &str, this: &str) -> Markup {
    html! { @if of != this { " (in " (doc_link(of)) ")" } }
}

/// The compared pairs that nearly brought another record in.
fn nearest(index: &Index, d: usize) -> Markup {
    let id = index.canonical(d).canonical_id.as_str();
    let near = index.nearest(d, NEAREST);
    html! {
        @if near.is_empty() { p.muted { "None: no other record was compared with its members." } }
        @else {
            table #nearest {
                tr { th { "record" } th { "in" } th { "title" } th { "evidence" } }
                @for dec in near {
                    @let inside = |r: &str| index.out.record(r).is_some_and(|p| p.canonical_id == id);
                    @let other = if inside(&dec.record_a) { &dec.record_b } else { &dec.record_a };
                    @let row = index.out.record(other);
                    tr {
                        td { code { (other) } }
                        td { @if let Some(r) = row { (doc_link(&r.canonical_id)) } }
                        td { (row.map(ProvRow::label).unwrap_or_default()) }
                        td { (ui::evidence(dec, index.out.table)) }
                    }
                }
            }
        }
    }
}

/// The review pairs with a member on either side, linked to the review page.
fn in_review(index: &Index, d: usize) -> Markup {
    let id = index.canonical(d).canonical_id.as_str();
    let of = |r: &str| index.out.record(r).map(|p| p.canonical_id.as_str());
    let rows: Vec<_> = (index.out.review.iter())
        .filter(|r| of(&r.record_a) == Some(id) || of(&r.record_b) == Some(id))
        .collect();
    html! {
        @if !rows.is_empty() {
            h2 { "Waiting for review" }
            ul {
                @for r in rows {
                    li { a href=(format!("/review?rank={}", r.rank)) { "pair " (r.rank) } ": " code { (r.record_a) } " ~ " code { (r.record_b) } " (score " (r.score) ")" }
                }
            }
        }
    }
}
