//! Re-run: applies the saved answers by running again the command run.json recorded (in the
//! folder it was run in, with `--previous` on this folder so that the documents keep their
//! ids), then shows what changed, as `concord diff` would tell it.

use std::path::PathBuf;
use std::process::Command;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::html::{self as ui, Tab, doc_link};
use super::{Index, Shared};
use crate::audit::report::shell_word;
use crate::lineage::{self, Kind, Lineage};

/// What the last re-run did.
pub struct Outcome {
    /// The command, as a shell would read it.
    command: String,
    /// It succeeded.
    ok: bool,
    /// What it printed (its summary, or its errors).
    printed: String,
    /// What changed between the run before and the run after.
    lineage: Option<Lineage>,
}

/// The recorded command's arguments after `concord`, with `--previous` on the output folder
/// when the command has none; and the folder it runs in.
fn command(index: &Index, overrides: Option<&std::path::Path>) -> Option<(Vec<String>, PathBuf)> {
    let run = index.run.as_ref()?;
    // Its paths are relative to where it ran: a run.json that does not say where cannot be
    // run again from here.
    run["directory"].as_str()?;
    let mut args: Vec<String> = (run["command"].as_array()?.iter())
        .skip(1)
        .map(|a| a.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    if args.first().map(String::as_str) != Some("run") {
        return None;
    }
    if !args.iter().any(|a| a == "--previous") {
        args.extend(["--previous".to_string(), index.dir().display().to_string()]);
    }
    // The answers go to `serve --overrides` when given: the re-run reads them there.
    if let Some(file) = overrides {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        match args.iter().position(|a| a == "--overrides") {
            Some(i) if i + 1 < args.len() => args[i + 1] = file.display().to_string(),
            _ => args.extend(["--overrides".to_string(), file.display().to_string()]),
        }
    }
    Some((args, index.run_directory()))
}

/// Whether the overrides file changed since the run read it.
fn answers_since(index: &Index, file: &std::path::Path) -> Markup {
    let digest = std::fs::read(file).ok().map(|b| {
        use sha2::{Digest, Sha256};
        crate::normalize::hex(&Sha256::digest(&b))
    });
    let recorded = (index.run.as_ref()).and_then(|r| r["overrides"]["sha256"].as_str().map(str::to_string));
    let answers = Index::answers(file);
    html! {
        @if let Err(e) = &answers { p.problem { (e.to_string()) } }
        p {
            "Answers in " code { (file.display()) } ": " b { (answers.as_ref().map_or(0, |o| o.entries.len())) } ". "
            @match (digest, recorded) {
                (None, _) => "The file does not exist yet: nothing to apply.",
                (Some(now), Some(then)) if now == then => "It is as the run read it: a re-run applies nothing new.",
                (Some(_), None) => "The run read no overrides file: a re-run applies every answer.",
                (Some(_), Some(_)) => "It changed since the run read it: a re-run applies the new answers.",
            }
        }
    }
}

/// `GET /rerun`.
pub async fn page(State(app): State<Shared>) -> Response {
    let index = app.index();
    let file = app.overrides_file();
    let session = app.session();
    let body = html! {
        h1 { "Re-run" }
        @match command(&index, app.overrides.as_deref()) {
            None => p.problem { "This folder's run.json does not record a `concord run` command and the folder it ran in (an older concord wrote it): run it again by hand." },
            Some((args, dir)) => {
                (answers_since(&index, &file))
                p { "The command, in " code { (dir.display()) } ":" }
                pre #command { "concord " (args.iter().map(|a| shell_word(a)).collect::<Vec<_>>().join(" ")) }
                form method="post" action="/rerun" {
                    button type="submit" #rerun disabled[session.running] { "Re-run and show what changed" }
                }
            }
        }
        @if let Some(o) = &session.rerun { (outcome(o)) }
    };
    drop(session);
    ui::page("Re-run", Tab::Rerun, app.flash(), body).into_response()
}

/// The last re-run: its result and what changed.
fn outcome(o: &Outcome) -> Markup {
    html! {
        h2 { "Last re-run" }
        p { code { (o.command) } ": " @if o.ok { span.match { "done" } } @else { span.cut { "failed" } } }
        details open[!o.ok] { summary { "What it printed" } pre { (o.printed) } }
        @if let Some(l) = &o.lineage { (changes(l)) }
    }
}

/// The counts of a lineage and each changed document.
fn changes(l: &Lineage) -> Markup {
    let c = &l.counts;
    let changed: Vec<_> = l.changed().collect();
    html! {
        h2 #changed { "What changed" }
        p { (c.old_documents) " documents before, " (c.new_documents) " after." }
        table {
            @for kind in Kind::ALL { tr { th { (kind.label()) } td.num { (c.of(kind)) } } }
        }
        @if changed.is_empty() { p #no-change { "No document changed." } }
        @else {
            table #changes {
                tr { th { "document" } th { "change" } th { "records" } }
                @for ch in changed {
                    tr {
                        td {
                            @match &ch.new_id { Some(id) => (doc_link(id)), None => code { (ch.old_ids.join(", ")) } }
                        }
                        td { (ch.kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ")) }
                        td { (ch.records.join(", ")) }
                    }
                }
            }
        }
    }
}

/// `POST /rerun`: runs the command, reads the new outputs, and shows what changed.
pub async fn start(State(app): State<Shared>) -> Response {
    let index = app.index();
    let Some((args, dir)) = command(&index, app.overrides.as_deref()) else {
        return ui::problem(
            StatusCode::CONFLICT,
            "This folder has no run.json recording a `concord run` command.",
        );
    };
    {
        let mut session = app.session();
        if session.running {
            return ui::problem(StatusCode::CONFLICT, "A re-run is under way.");
        }
        session.running = true;
    }
    // The outcome is kept, and the flag cleared, by the worker itself: a browser that stops
    // waiting (its request dropped) must not leave re-run locked, nor lose the result.
    let worker = app.clone();
    let done = tokio::task::spawn_blocking(move || {
        let outcome = rerun(&worker, args, dir);
        let mut session = worker.session();
        session.running = false;
        session.rerun = Some(outcome);
    })
    .await;
    if let Err(e) = done {
        let mut session = app.session();
        session.running = false;
        session.rerun = Some(Outcome {
            command: String::new(),
            ok: false,
            printed: format!("the re-run stopped: {e}"),
            lineage: None,
        });
    }
    Redirect::to("/rerun#changed").into_response()
}

/// Runs the command and, when it succeeded, reads the folder again.
fn rerun(app: &super::App, args: Vec<String>, dir: PathBuf) -> Outcome {
    let shown = format!(
        "concord {}",
        args.iter().map(|a| shell_word(a)).collect::<Vec<_>>().join(" ")
    );
    let failed = |printed: String| Outcome {
        command: shown.clone(),
        ok: false,
        printed,
        lineage: None,
    };
    let before = match lineage::read::documents(&app.dir) {
        Ok(docs) => docs,
        Err(e) => return failed(format!("reading the outputs before: {e}")),
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed(format!("finding concord: {e}")),
    };
    let output = match Command::new(exe).args(&args).current_dir(&dir).output() {
        Ok(o) => o,
        Err(e) => return failed(format!("starting concord in {}: {e}", dir.display())),
    };
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Exit 1 with outputs written is a run with skipped rows or errors: they are shown.
    let reread = Index::open(&app.dir).and_then(|new| {
        let after = lineage::read::documents(&app.dir)?;
        Ok((new, after))
    });
    match reread {
        Ok((new, after)) => {
            let lineage = lineage::diff(&before, &after).ok();
            *app.index.write().unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(new);
            Outcome {
                command: shown,
                ok: output.status.success(),
                printed,
                lineage,
            }
        }
        Err(e) => failed(format!("{printed}\nreading the outputs after: {e}")),
    }
}
