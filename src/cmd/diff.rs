//! `concord diff`: what changed between two runs' outputs, for a person before they publish:
//! counts first, then one short block per changed document (`--json`: one JSON document with
//! the same information). Documents are matched by their records, not their ids
//! ([`concord::lineage`]); any two output folders will do, in either format.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use concord::lineage::{self, Change, Counts, Kind, Lineage};
use serde::Serialize;

/// Arguments of `concord diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of the earlier run.
    old: PathBuf,
    /// Output folder of the later run.
    new: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The JSON document: the text's information, field for field.
#[derive(Serialize)]
struct Report<'a> {
    old: String,
    new: String,
    counts: &'a Counts,
    /// Every change but the unchanged documents (counted only).
    changes: Vec<&'a Change>,
    records_added: &'a [String],
    records_removed: &'a [String],
}

/// Prints what changed. Exit 0 whatever changed: a diff is a report, not a test.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let old = lineage::read::documents(&args.old)?;
    let new = lineage::read::documents(&args.new)?;
    let l = lineage::diff(&old, &new).with_context(|| format!("{} -> {}", args.old.display(), args.new.display()))?;
    let text = match args.json {
        true => format!("{}\n", serde_json::to_string_pretty(&report(&args, &l))?),
        false => render(&args.old, &args.new, &l),
    };
    out!("{text}")?;
    Ok(ExitCode::SUCCESS)
}

fn report<'a>(args: &Args, l: &'a Lineage) -> Report<'a> {
    Report {
        old: args.old.display().to_string(),
        new: args.new.display().to_string(),
        counts: &l.counts,
        changes: l.changed().collect(),
        records_added: &l.records_added,
        records_removed: &l.records_removed,
    }
}

/// The label of each count, in the order printed.
fn count_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Created => "documents created",
        Kind::Merged => "documents merged",
        Kind::Split => "documents split",
        Kind::Gained => "gained sources",
        Kind::Lost => "lost sources",
        Kind::ContentChanged => "content changed",
        Kind::Removed => "documents removed",
        Kind::Unchanged => "documents unchanged",
    }
}

/// The text: both runs, the counts, the changes, the records added and removed.
fn render(old: &Path, new: &Path, l: &Lineage) -> String {
    let c = &l.counts;
    let mut s = String::new();
    let run = |path: &Path, docs: usize, records: usize| {
        format!(
            "{}: {docs} documents, {records} records",
            plain(&path.display().to_string())
        )
    };
    let _ = writeln!(s, "old  {}", run(old, c.old_documents, c.old_records));
    let _ = writeln!(s, "new  {}\n", run(new, c.new_documents, c.new_records));
    for kind in Kind::ALL {
        let _ = writeln!(s, "{:<20} {:>7}", count_label(kind), c.of(kind));
    }
    let _ = writeln!(s, "{:<20} {:>7}", "records added", c.records_added);
    let _ = writeln!(s, "{:<20} {:>7}", "records removed", c.records_removed);
    let changed: Vec<&Change> = l.changed().collect();
    match changed.is_empty() {
        true => s.push_str("\nno change\n"),
        false => {
            let _ = writeln!(s, "\nchanges ({}):", changed.len());
            changed.iter().for_each(|ch| render_change(&mut s, ch));
        }
    }
    render_records(&mut s, "records added", &l.records_added);
    render_records(&mut s, "records removed", &l.records_removed);
    s
}

/// One change: its id and kinds, then a line per fact.
fn render_change(s: &mut String, c: &Change) {
    // A removed document has no new id: it is named by its old one.
    let id = c.new_id.as_ref().or(c.old_ids.first()).map_or("?", String::as_str);
    let kinds: Vec<&str> = c.kinds.iter().map(|k| k.label()).collect();
    let _ = writeln!(s, "{}  {}", plain(id), kinds.join(", "));
    let mut line = |label: &str, value: String| {
        let _ = writeln!(s, "  {label:<12} {value}");
    };
    if let Some(was) = c.continues.as_ref().filter(|&w| Some(w) != c.new_id.as_ref()) {
        line("was", plain(was));
    }
    if c.is(Kind::Created) || c.is(Kind::Removed) {
        line("records", list(&c.records));
    }
    // Which records came from where matters only when more than one old document is involved.
    if c.is(Kind::Merged) || c.is(Kind::Split) {
        for p in &c.from {
            line("from", format!("{}: {}", plain(&p.old_id), list(&p.records)));
        }
    }
    for split in &c.split {
        line(
            "split",
            format!("{}, also into {}", plain(&split.old_id), list(&split.siblings)),
        );
    }
    if !c.gained.is_empty() {
        line("gained", list(&c.gained));
    }
    if !c.lost.is_empty() {
        line("lost", list(&c.lost));
    }
    // Scraped text in Debug quoting: control characters cannot reach the terminal.
    for f in &c.content {
        line(&plain(&f.field), format!("{:?} -> {:?}", f.old, f.new));
    }
}

/// A titled list of record ids, one a line; nothing when empty.
fn render_records(s: &mut String, title: &str, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n{title} ({}):", ids.len());
    for id in ids {
        let _ = writeln!(s, "  {}", plain(id));
    }
}

/// Ids separated by commas.
fn list(ids: &[String]) -> String {
    ids.iter().map(|id| plain(id)).collect::<Vec<_>>().join(", ")
}

/// An id or a path as it is when nothing in it could mislead (`doc-1a2b`, `001_x.txt#3`);
/// Debug-quoted otherwise: a control character, a space, a quote or a comma (the list
/// separator) in a file name cannot disguise itself.
fn plain(text: &str) -> String {
    let odd = |c: char| c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '\\');
    match text.is_empty() || text.chars().any(odd) {
        true => format!("{text:?}"),
        false => text.to_string(),
    }
}
