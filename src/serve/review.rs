//! The review queue in the browser: the pairs of review.csv not yet answered, most
//! informative first, each with both records in full, both documents, and what "same" and
//! "different" would move, answered by keyboard (s, d, k, u) or button, with a note. Answers go
//! to the same overrides file as `concord review`'s, appended atomically. A whole kind of pair
//! (review reasons of one shape) can be answered at once, after a preview.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::html::{self as ui, Flash, Tab, doc_link, marked, query_value};
use super::{Index, Shared};
use crate::audit::effect::{self, Context, Effect, Side};
use crate::audit::overrides::{self, NewOverride, Overrides, Verdict};
use crate::audit::read::ProvRow;
use crate::audit::review::{Item, pending};
use crate::audit::words;
use crate::error::shape;

/// Pairs listed on a kind's preview; the rest are counted.
const PREVIEW_ROWS: usize = 200;

/// The answers saved so far, or the page saying why they cannot be read.
fn answers(app: &Shared) -> Result<Overrides, Response> {
    let file = app.overrides_file();
    Index::answers(&file).map_err(|e| ui::problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

/// The run as read now and the answers saved so far (the queue is the one less the other).
fn run_and_answers(app: &Shared) -> Result<(std::sync::Arc<Index>, Overrides), Response> {
    Ok((app.index(), answers(app)?))
}

/// Which pair to show.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct At {
    /// The review rank to start from (the first unanswered pair at or after it).
    rank: Option<u64>,
}

/// `GET /review`.
pub async fn page(State(app): State<Shared>, Query(at): Query<At>) -> Response {
    let (index, answered) = match run_and_answers(&app) {
        Ok(both) => both,
        Err(page) => return page,
    };
    let items = pending(&index.out, &answered);
    let file = app.overrides_file();
    let from = at.rank.unwrap_or(1);
    let Some(n) = (items.iter().position(|i| i.row.rank >= from)).or((!items.is_empty()).then_some(0)) else {
        let body = html! {
            h1 { "Review" }
            p #nothing { "Nothing to review: every pair of review.csv is answered in " code { (file.display()) } "." }
            (undo_form())
            p { a href="/rerun" { "Re-run to apply the answers" } }
        };
        return ui::page("Review", Tab::Review, app.flash(), body).into_response();
    };
    let item = &items[n];
    let context = effect::context(&index.out, item.a, item.b);
    let damaged = answered
        .damaged_tail
        .as_ref()
        .map(|w| format!("{w}; fix it before answering: an answer written after it would leave it inside the file"));
    let body = html! {
        @if let Some(d) = &damaged { p.problem { (d) } }
        h1 { "Review: pair " (n + 1) " of " (items.len()) " unanswered" }
        p.muted {
            "Review rank " (item.row.rank) " of " (index.out.review.len()) ". Answers go to " code { (file.display()) }
            ". " a href="/review/kinds" { "Answer a kind of pair at once" } "."
        }
        p { "score " b { (item.row.score) } " - why in review: " (item.row.reason) }
        (pair(item))
        (documents(&context, item))
        (answer_form(item, &context))
    };
    ui::page("Review", Tab::Review, app.flash(), body).into_response()
}

/// Both records, field by field, the words that differ marked.
fn pair(item: &Item) -> Markup {
    let side = |r: &ProvRow, other: &ProvRow, left: bool| {
        let diff = |x: &Option<String>, y: &Option<String>| {
            let (a, b) = words::diff(x.as_deref().unwrap_or(""), y.as_deref().unwrap_or(""));
            let mine = if left { &a } else { &b };
            html! { @if mine.is_empty() { span.muted { "(none)" } } @else { (marked(mine)) } }
        };
        let (x, y) = if left { (r, other) } else { (other, r) };
        html! {
            section.record {
                h2 { code { (r.record_id) } }
                table {
                    @if r.fields.is_empty() {
                        tr { th { "date" } td { (diff(&x.raw_date, &y.raw_date)) } }
                        tr { th { "title" } td { (diff(&x.title, &y.title)) } }
                        tr { th { "description" } td { (diff(&x.description, &y.description)) } }
                    } @else {
                        @for ((name, xv), (_, yv)) in x.fields.0.iter().zip(&y.fields.0) {
                            @let (a, b) = words::diff(xv, yv);
                            tr { th { (name) } td { (marked(if left { &a } else { &b })) } }
                        }
                    }
                    tr { th { "page" } td { (r.file) ", line " (r.line) @if r.partial == Some(true) { span.badge { "partial" } } } }
                }
            }
        }
    };
    html! { div.pair { (side(item.a, item.b, true)) (side(item.b, item.a, false)) } }
}

/// Each record's document, its members listed.
fn documents(c: &Context, item: &Item) -> Markup {
    let side = |s: &Side, r: &ProvRow| {
        html! {
            section {
                "in " (doc_link(s.id)) " (" (s.members.len()) " record(s))"
                ul {
                    @for m in &s.members {
                        li class=[(m.record_id == r.record_id).then_some("this")] {
                            code { (m.record_id) } " " (m.label())
                            @if m.record_id == r.record_id { " " span.muted { "(this record)" } }
                        }
                    }
                }
            }
        }
    };
    html! { div.pair { (side(&c.a, item.a)) (side(&c.b, item.b)) } }
}

/// What each answer would move, and the buttons.
fn answer_form(item: &Item, c: &Context) -> Markup {
    let warn = |e: &Effect| html! { @if e.cuts_matches > 0 { " " span.warning { "(cuts " (e.cuts_matches) " link(s) at or above the match threshold)" } } };
    html! {
        dl.effect {
            dt { "If same" } dd #if-same { (c.if_same.says) (warn(&c.if_same)) }
            dt { "If different" } dd #if-different { (c.if_different.says) (warn(&c.if_different)) }
        }
        form.answers method="post" action="/review/answer" {
            input type="hidden" name="rank" value=(item.row.rank);
            input type="hidden" name="fa" value=(item.row.fingerprint_a);
            input type="hidden" name="fb" value=(item.row.fingerprint_b);
            // The form's default button, disabled: Enter in the note field answers nothing.
            button type="submit" disabled hidden aria-hidden="true" {}
            button type="submit" name="answer" value="same" data-key="s" { "Same " kbd { "s" } }
            button type="submit" name="answer" value="different" data-key="d" { "Different " kbd { "d" } }
            button type="submit" name="answer" value="skip" data-key="k" { "Skip " kbd { "k" } }
            input type="text" name="note" placeholder="note (optional)" aria-label="note";
        }
        (undo_form())
    }
}

fn undo_form() -> Markup {
    html! {
        form method="post" action="/review/undo" {
            button type="submit" data-key="u" { "Undo the last answer " kbd { "u" } }
        }
    }
}

/// An answer, as the form posts it.
#[derive(Debug, Deserialize)]
pub struct Answer {
    rank: u64,
    fa: String,
    fb: String,
    answer: String,
    #[serde(default)]
    note: String,
}

/// `POST /review/answer`.
pub async fn answer(State(app): State<Shared>, axum::Form(form): axum::Form<Answer>) -> Response {
    let index = app.index();
    let row = index.out.review.iter().find(|r| r.rank == form.rank);
    let Some(row) = row.filter(|r| r.fingerprint_a == form.fa && r.fingerprint_b == form.fb) else {
        return ui::problem(
            StatusCode::CONFLICT,
            "That pair is not in this run's review queue any more (the run was re-run?): reload the review page.",
        );
    };
    let next = Redirect::to(&format!("/review?rank={}", row.rank + 1)).into_response();
    let answered = match answers(&app) {
        Ok(a) => a,
        Err(page) => return page,
    };
    if !pending(&index.out, &answered).iter().any(|i| i.row.rank == row.rank) {
        return ui::problem(
            StatusCode::CONFLICT,
            "That pair is answered already (a second press of the key?): nothing was written.",
        );
    }
    let verdict = match form.answer.as_str() {
        "same" => Verdict::Same,
        "different" => Verdict::Different,
        "skip" => {
            app.session().undo.push((row.rank, None));
            return next;
        }
        other => {
            return ui::problem(
                StatusCode::BAD_REQUEST,
                &format!("No answer {other:?}: same, different or skip."),
            );
        }
    };
    let (Some(a), Some(b)) = (index.out.record(&row.record_a), index.out.record(&row.record_b)) else {
        return ui::problem(StatusCode::CONFLICT, "The pair's records are not in provenance.");
    };
    let written = save(
        &app,
        &[(a, b, row.fingerprint_a.as_str(), row.fingerprint_b.as_str())],
        verdict,
        &form.note,
    );
    let (before, after) = match written {
        Ok(span) => span,
        Err(page) => return page,
    };
    let context = effect::context(&index.out, a, b);
    let effect = match verdict {
        Verdict::Same => &context.if_same,
        Verdict::Different => &context.if_different,
    };
    let file = app.overrides_file();
    let mut session = app.session();
    session.undo.push((row.rank, Some((before, after))));
    session.flash = Some(Flash {
        says: format!(
            "recorded: {} for {} ~ {} (in {}); re-run to apply it",
            verdict.as_str(),
            row.record_a,
            row.record_b,
            file.display()
        ),
        warning: (effect.cuts_matches > 0).then(|| {
            format!(
                "this answer cuts {} link(s) scoring at or above the match threshold: {}",
                effect.cuts_matches, effect.says
            )
        }),
    });
    next
}

/// Appends one answer per pair (records, fingerprints) to the overrides file in one write.
fn save(
    app: &Shared,
    pairs: &[(&ProvRow, &ProvRow, &str, &str)],
    verdict: Verdict,
    note: &str,
) -> Result<(u64, u64), Response> {
    let file = app.overrides_file();
    let answered = answers(app)?;
    if let Some(w) = &answered.damaged_tail {
        // An answer appended after it would leave the damage inside the file.
        return Err(ui::problem(
            StatusCode::CONFLICT,
            &format!("{w}; fix it before reviewing, so that new answers are not written after it"),
        ));
    }
    let was = |r: &ProvRow| format!("{}: {}", r.record_id, r.label());
    let texts: Vec<(String, String)> = pairs.iter().map(|(a, b, _, _)| (was(a), was(b))).collect();
    let entries: Vec<NewOverride> = (pairs.iter().zip(&texts))
        .map(|((_, _, fa, fb), (a_was, b_was))| NewOverride {
            a: fa,
            b: fb,
            verdict,
            note: Some(note.trim()),
            a_was,
            b_was,
        })
        .collect();
    overrides::append_all(&file, &entries).map_err(|e| {
        ui::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("writing {}: {e}", file.display()),
        )
    })
}

/// `POST /review/undo`: takes back the session's last answer (or skip).
pub async fn undo(State(app): State<Shared>) -> Response {
    let file = app.overrides_file();
    let last = app.session().undo.pop();
    let (rank, flash) = match last {
        None => (1, "nothing to undo".to_string()),
        Some((rank, None)) => (rank, "undone: skip".to_string()),
        Some((rank, Some((before, after)))) => match overrides::undo(&file, before, after) {
            Ok(()) => (rank, format!("undone: the answer was removed from {}", file.display())),
            Err(e) => (rank, format!("not undone: {e}")),
        },
    };
    app.say(Flash {
        says: flash,
        warning: None,
    });
    Redirect::to(&format!("/review?rank={rank}")).into_response()
}

/// The unanswered pairs grouped by kind (their review reason without its figures), the most
/// frequent first.
fn by_kind<'a>(items: &[Item<'a>]) -> Vec<(String, Vec<Item<'a>>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<Item>> = std::collections::BTreeMap::new();
    for item in items {
        groups.entry(shape(&item.row.reason)).or_default().push(item.clone());
    }
    let mut groups: Vec<(String, Vec<Item>)> = groups.into_iter().collect();
    groups.sort_by_key(|(_, items)| std::cmp::Reverse(items.len()));
    groups
}

/// `GET /review/kinds`.
pub async fn kinds(State(app): State<Shared>) -> Response {
    let (index, answered) = match run_and_answers(&app) {
        Ok(both) => both,
        Err(page) => return page,
    };
    let items = pending(&index.out, &answered);
    let groups = by_kind(&items);
    let body = html! {
        h1 { "Kinds of pair" }
        p {
            (items.len()) " unanswered pairs in " (groups.len()) " kinds (the reason they wait for review, its figures aside). "
            "Choose an answer for a whole kind: the next page shows every pair and what the answer would move, before anything is saved."
        }
        table #kinds {
            tr { th.num { "pairs" } th { "kind" } th { "answer all" } }
            @for (kind, members) in &groups {
                tr {
                    td.num { (members.len()) }
                    td { (kind) br; span.muted { "first: " a href=(format!("/review?rank={}", members[0].row.rank)) { "pair " (members[0].row.rank) } } }
                    td {
                        a href=(format!("/review/kind?answer=same&kind={}", query_value(kind))) { "same..." } " "
                        a href=(format!("/review/kind?answer=different&kind={}", query_value(kind))) { "different..." }
                    }
                }
            }
        }
    };
    ui::page("Kinds of pair", Tab::Review, app.flash(), body).into_response()
}

/// A kind and the answer for all of it.
#[derive(Debug, Deserialize)]
pub struct KindAnswer {
    kind: String,
    answer: String,
    /// The preview's digest of the pairs it showed (on confirmation).
    #[serde(default)]
    digest: String,
    #[serde(default)]
    note: String,
}

fn bad_answer() -> Response {
    ui::problem(StatusCode::BAD_REQUEST, "The answer must be same or different.")
}

impl KindAnswer {
    fn verdict(&self) -> Option<Verdict> {
        match self.answer.as_str() {
            "same" => Some(Verdict::Same),
            "different" => Some(Verdict::Different),
            _ => None,
        }
    }
}

/// The unanswered pairs of `kind`.
fn of_kind<'a>(items: &[Item<'a>], kind: &str) -> Vec<Item<'a>> {
    items.iter().filter(|i| shape(&i.row.reason) == kind).cloned().collect()
}

/// A digest of the pairs a preview shows: the confirmation applies only to the same pairs.
fn digest(items: &[Item], verdict: Verdict) -> String {
    let mut h = Sha256::new();
    h.update(verdict.as_str());
    for i in items {
        h.update(format!(
            "{} {} {}\n",
            i.row.rank, i.row.fingerprint_a, i.row.fingerprint_b
        ));
    }
    crate::normalize::hex(&h.finalize()[..8])
}

/// `GET /review/kind`: what answering every pair of a kind would do, and the confirmation.
pub async fn preview(State(app): State<Shared>, Query(k): Query<KindAnswer>) -> Response {
    let Some(verdict) = k.verdict() else {
        return bad_answer();
    };
    let (index, answered) = match run_and_answers(&app) {
        Ok(both) => both,
        Err(page) => return page,
    };
    let items = of_kind(&pending(&index.out, &answered), &k.kind);
    // Each effect reads the whole run: only the rows shown are worked out, so that a kind of
    // thousands of pairs does not hold the server.
    let effects: Vec<Effect> = (items.iter().take(PREVIEW_ROWS))
        .map(|i| {
            let c = effect::context(&index.out, i.a, i.b);
            match verdict {
                Verdict::Same => c.if_same,
                Verdict::Different => c.if_different,
            }
        })
        .collect();
    let risky = effects.iter().filter(|e| e.cuts_matches > 0).count();
    let body = html! {
        h1 { "Answer " (verdict.as_str()) " for " (items.len()) " pairs" }
        p { "Kind: " i { (k.kind) } }
        @if risky > 0 {
            p.warning { (risky) " of the answers shown cut links scoring at or above the match threshold (marked below)." }
        }
        form.answers method="post" action="/review/kind" {
            input type="hidden" name="kind" value=(k.kind);
            input type="hidden" name="answer" value=(verdict.as_str());
            input type="hidden" name="digest" value=(digest(&items, verdict));
            input type="text" name="note" placeholder="note for every answer (optional)" aria-label="note";
            button type="submit" #confirm disabled[items.is_empty()] { "Save " (items.len()) " answers: " (verdict.as_str()) }
            a href="/review/kinds" { "cancel" }
        }
        table #preview {
            tr { th.num { "rank" } th { "record a" } th { "record b" } th { "it would" } }
            @for (item, e) in items.iter().zip(&effects).take(PREVIEW_ROWS) {
                tr {
                    td.num { a href=(format!("/review?rank={}", item.row.rank)) { (item.row.rank) } }
                    td { code { (item.a.record_id) } br; (item.a.label()) }
                    td { code { (item.b.record_id) } br; (item.b.label()) }
                    td { (e.says) @if e.cuts_matches > 0 { " " span.warning { "(cuts " (e.cuts_matches) " at or above match)" } } }
                }
            }
        }
        @if items.len() > PREVIEW_ROWS { p.muted { "... and " (items.len() - PREVIEW_ROWS) " more." } }
    };
    ui::page("Answer a kind", Tab::Review, app.flash(), body).into_response()
}

/// `POST /review/kind`: saves the previewed answers, in one write.
pub async fn answer_kind(State(app): State<Shared>, axum::Form(k): axum::Form<KindAnswer>) -> Response {
    let Some(verdict) = k.verdict() else {
        return bad_answer();
    };
    let (index, answered) = match run_and_answers(&app) {
        Ok(both) => both,
        Err(page) => return page,
    };
    let items = of_kind(&pending(&index.out, &answered), &k.kind);
    if items.is_empty() || digest(&items, verdict) != k.digest {
        return ui::problem(
            StatusCode::CONFLICT,
            "The pairs of this kind changed since the preview (answered elsewhere, or the run was re-run): nothing was saved; preview again.",
        );
    }
    let pairs: Vec<_> = (items.iter())
        .map(|i| (i.a, i.b, i.row.fingerprint_a.as_str(), i.row.fingerprint_b.as_str()))
        .collect();
    let (before, after) = match save(&app, &pairs, verdict, &k.note) {
        Ok(span) => span,
        Err(page) => return page,
    };
    let file = app.overrides_file();
    let mut session = app.session();
    session.undo.push((items[0].row.rank, Some((before, after))));
    session.flash = Some(Flash {
        says: format!(
            "recorded: {} for {} pairs (in {}); undo takes all of them back; re-run to apply them",
            verdict.as_str(),
            items.len(),
            file.display()
        ),
        warning: None,
    });
    Redirect::to("/review").into_response()
}
