//! `concord review`: label the pairs left for review in the terminal, in review.csv's order
//! (the most informative first, [`concord::audit::review_queue`]). Each
//! answer is appended to the overrides file at once, so nothing is lost if interrupted.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use concord::audit::effect::{self, Context as PairContext};
use concord::audit::overrides::{self, NewOverride, Overrides, Verdict};
use concord::audit::read::OutputDir;
use concord::audit::review::{Item, Style, pending, side_by_side};

/// Arguments of `concord review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of a `concord run`.
    out: PathBuf,
    /// Overrides file the answers are appended to (created if missing).
    #[arg(long, default_value = overrides::DEFAULT_PATH)]
    overrides: PathBuf,
}

const HELP: &str =
    "answers: s = same, d = different (add a note after it: `d two drafts`), k or Enter = skip, u = undo, q = quit";

/// What an answer did, so that `undo` can take it back.
enum Step {
    Skipped,
    Written { before: u64, after: u64 },
}

/// Runs the interactive loop.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() {
        let review = concord::output::Format::detect(&args.out)
            .unwrap_or_default()
            .file("review");
        bail!(
            "review is interactive and stdin is not a terminal; run it in a terminal, or read {} and write overrides in {} by hand",
            args.out.join(review).display(),
            args.overrides.display()
        );
    }
    let out = OutputDir::open(&args.out)?;
    let answered = if args.overrides.is_file() {
        Overrides::load(&args.overrides)?
    } else {
        Overrides::default()
    };
    if let Some(w) = &answered.damaged_tail {
        // An answer appended after it would leave the damage inside the file, where it is
        // an error for every run: the reviewer repairs it first.
        bail!("{w}; fix it before reviewing, so that new answers are not written after it");
    }
    let items = pending(&out, &answered);
    if items.is_empty() {
        outln!(
            "Nothing to review: {} holds no unanswered pair.",
            args.out.join(out.file("review")).display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Style {
        colour: std::env::var_os("NO_COLOR").is_none(),
    };
    let written = walk(&out, &items, &args.overrides, style)?;
    outln!(
        "{written} answer(s) in {}. Run `concord run` again to apply them.",
        args.overrides.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn show(item: &Item, context: &PairContext, n: usize, total: usize, style: Style) -> std::io::Result<()> {
    let r = item.row;
    outln!("\n=== pair {} of {total} (review rank {}) ===", n + 1, r.rank)?;
    if item.a.fields.is_empty() {
        outln!(
            "score {}  title {}  description {}",
            r.score,
            r.title_similarity.map(|x| x.to_string()).unwrap_or_default(),
            r.description_similarity.map_or("-".to_string(), |x| x.to_string())
        )?;
    } else {
        // A table pair: the model's probability (its waterfall is in the reason).
        outln!("match probability {}", r.score)?;
    }
    outln!("why in review: {}", r.reason)?;
    out!("{}", side_by_side(item.a, item.b, width(), style))?;
    show_context(item, context)
}

/// Each side's document, and what each answer would move.
fn show_context(item: &Item, c: &PairContext) -> std::io::Result<()> {
    for (which, side, record) in [("a", &c.a, item.a), ("b", &c.b, item.b)] {
        let others: Vec<&str> = (side.members.iter())
            .filter(|m| m.record_id != record.record_id)
            .map(|m| m.record_id.as_str())
            .collect();
        let with = match others.len() {
            0 => "alone".to_string(),
            n if n <= 3 => format!("with {}", others.join(", ")),
            n => format!("with {} and {} more", others[..3].join(", "), n - 3),
        };
        outln!("{which} is in {} ({with})", side.id)?;
    }
    outln!("if same:      {}", c.if_same.says)?;
    outln!("if different: {}", c.if_different.says)
}

/// The terminal's width (80 when it cannot be told): the side-by-side view fits it.
fn width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map_or(80, |(_, cols)| usize::from(cols))
}

/// Walks the queue; returns how many answers are in the file at the end.
fn walk(out: &OutputDir, items: &[Item], path: &Path, style: Style) -> anyhow::Result<usize> {
    outln!("{} pairs to review. {HELP}", items.len())?;
    let stdin = std::io::stdin();
    let mut history: Vec<Step> = Vec::new();
    while history.len() < items.len() {
        let n = history.len();
        let item = &items[n];
        let context = effect::context(out, item.a, item.b);
        show(item, &context, n, items.len(), style)?;
        out!("same / different / skip / undo / quit [s/d/k/u/q]> ")?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            outln!()?;
            break; // end of input: like quit, every answer is already on disk
        }
        let line = line.trim();
        let (word, note) = line.split_once(' ').unwrap_or((line, ""));
        let verdict = match word {
            "s" | "same" => Verdict::Same,
            "d" | "different" => Verdict::Different,
            "" | "k" | "skip" => {
                history.push(Step::Skipped);
                continue;
            }
            "u" | "undo" => {
                undo(&mut history, path)?;
                continue;
            }
            "q" | "quit" => break,
            _ => {
                outln!("{HELP}")?;
                continue;
            }
        };
        let was = |r: &concord::audit::read::ProvRow| format!("{}: {}", r.record_id, r.label());
        let (before, after) = overrides::append(
            path,
            &NewOverride {
                a: &item.row.fingerprint_a,
                b: &item.row.fingerprint_b,
                verdict,
                note: Some(note.trim()),
                a_was: &was(item.a),
                b_was: &was(item.b),
            },
        )
        .with_context(|| format!("writing {}", path.display()))?;
        outln!("recorded: {} (in {})", verdict.as_str(), path.display())?;
        let effect = match verdict {
            Verdict::Same => &context.if_same,
            Verdict::Different => &context.if_different,
        };
        if effect.cuts_matches > 0 {
            outln!(
                "warning: this answer cuts {} link(s) scoring at or above the match threshold: {}",
                effect.cuts_matches,
                effect.says
            )?;
        }
        history.push(Step::Written { before, after });
    }
    Ok(history.iter().filter(|s| matches!(s, Step::Written { .. })).count())
}

fn undo(history: &mut Vec<Step>, path: &Path) -> anyhow::Result<()> {
    match history.pop() {
        None => outln!("nothing to undo")?,
        Some(Step::Skipped) => outln!("undone: skip")?,
        Some(Step::Written { before, after }) => {
            overrides::undo(path, before, after).with_context(|| format!("undoing in {}", path.display()))?;
            outln!("undone: the answer was removed from {}", path.display())?;
        }
    }
    Ok(())
}
