//! What every page of `concord serve` shares: the frame with its navigation, the style sheet
//! and the keyboard script (served from this server: the Content-Security-Policy allows no
//! inline script), messages, error pages, and small pieces (a record's link, marked words).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::audit::read::DecisionRow;
use crate::audit::words::Word;

const STYLE: &str = include_str!("static/style.css");
const SCRIPT: &str = include_str!("static/app.js");

/// The style sheet.
pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// The keyboard script of the review page.
pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

/// A message shown once, on the page after a redirect.
#[derive(Debug, Clone)]
pub struct Flash {
    /// What happened.
    pub says: String,
    /// Shown as a warning.
    pub warning: Option<String>,
}

/// The sections, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Clusters,
    Review,
    Rerun,
}

/// A whole page: `title`, the navigation with `tab` current, a message if one is left, and
/// `body`.
pub fn page(title: &str, tab: Tab, flash: Option<Flash>, body: Markup) -> Html<String> {
    let tabs = [
        (Tab::Overview, "/", "Overview"),
        (Tab::Clusters, "/clusters", "Clusters"),
        (Tab::Review, "/review", "Review"),
        (Tab::Rerun, "/rerun", "Re-run"),
    ];
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - concord" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                nav.top {
                    span.brand { "concord" }
                    @for (t, href, name) in tabs {
                        a href=(href) class=[(t == tab).then_some("current")] { (name) }
                    }
                    a href="/files/report.html" { "report.html" }
                }
                main {
                    @if let Some(f) = flash {
                        div.flash role="status" {
                            (f.says)
                            @if let Some(w) = f.warning { div.warning { "warning: " (w) } }
                        }
                    }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string())
}

/// An error page with `status`.
pub fn problem(status: StatusCode, says: &str) -> Response {
    let body = html! { h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } p.problem { (says) } };
    (status, page("Problem", Tab::Overview, None, body)).into_response()
}

/// `text` as a URL query value.
pub fn query_value(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => s.push(b as char),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// A link to document `id`'s page.
pub fn doc_link(id: &str) -> Markup {
    html! { a href=(format!("/cluster/{}", query_value(id))) { code { (id) } } }
}

/// Words, those marked in `<mark>`.
pub fn marked(words: &[Word]) -> Markup {
    html! {
        @for (i, (word, differs)) in words.iter().enumerate() {
            @if i > 0 { " " }
            @if *differs { mark { (word) } } @else { (word) }
        }
    }
}

/// A pair's evidence as decisions.csv has it, in one line.
pub fn evidence(d: &DecisionRow, table: bool) -> Markup {
    let num = |x: Option<crate::output::Fixed>| x.map_or("-".to_string(), |x| x.to_string());
    html! {
        @if !table {
            "title " (num(d.title_similarity)) ", description " (num(d.description_similarity))
            " (" (d.description_mode) "), "
        }
        "score " b { (d.score) } ": " span class=(d.decision.as_str()) { (d.decision) }
        @if !d.override_.is_empty() { " (override " (d.override_) ")" }
        " - " span.muted { (d.reason) }
    }
}
