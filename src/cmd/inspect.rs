//! `concord inspect`: how each page was read. For every page: the layout chosen and why,
//! whether it was read as a title-less listing (and the figures that decided it), whether it
//! was read again to the count of its range header, every line's role, the records read (as
//! provenance.csv has them) and the page's warnings (as `concord run` gives them).
//!
//! Roles come from the reader's own decisions (`page::parse_traced`), not from a second
//! reading: what inspect shows is what `concord run` reads.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use concord::Rules;
use concord::rules::{CompiledPageRules, TitleLessRules};
use concord::source::page::trace::{LayoutChoice, LineRole, Reread, Role, TitleLessFigures};
use concord::source::page::{self, ParsedPage};
use concord::source::{self, InputFile};
use serde::Serialize;

/// Arguments of `concord inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Saved result pages: files, or directories read recursively (hidden files skipped), found
    /// and named as `concord run` finds and names them. Each is read as a page.
    #[arg(required = true)]
    pages: Vec<PathBuf>,
    /// Rules file laid over the built-in rules/default.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Print one JSON document ({"pages": [...]}) instead of text.
    #[arg(long)]
    json: bool,
}

/// The JSON document.
#[derive(Serialize)]
struct Report {
    pages: Vec<PageReport>,
}

/// How one page was read.
#[derive(Serialize)]
struct PageReport {
    file: String,
    layout: String,
    why: String,
    layout_choice: LayoutChoice,
    title_less: bool,
    title_less_why: String,
    title_less_figures: TitleLessFigures,
    range: Option<Range>,
    reread: Reread,
    reread_why: String,
    header_lines: usize,
    lines: Vec<LineRole>,
    records: Vec<RecordReport>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct Range {
    first: usize,
    last: usize,
    total: usize,
}

/// A record as provenance.csv writes it.
#[derive(Serialize)]
struct RecordReport {
    id: String,
    line: usize,
    raw_date: Option<String>,
    date: Option<String>,
    title: String,
    description: Option<String>,
    /// The layout's own fields ("kind"), by name.
    fields: std::collections::BTreeMap<String, String>,
    partial: bool,
}

/// Reads and prints every page. Exit 1 when a page could not be read (each such file is
/// reported on stderr, the others are still shown); 2 when an input is missing or no page
/// was found.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = match &args.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::builtin(),
    };
    let compiled = rules.compile_pages()?;
    let (files, errors, walk_warnings) = source::discover(&args.pages);
    if let Some(e) = errors.first() {
        for other in &errors[1..] {
            errln!("error: {other}");
        }
        anyhow::bail!("{e}");
    }
    if files.is_empty() {
        anyhow::bail!("no page found in the inputs");
    }
    for w in &walk_warnings {
        errln!("warning: {w}");
    }
    let mut failed = false;
    let mut pages = Vec::new();
    for file in &files {
        match source::read_page_text(file, rules.input.max_file_bytes) {
            Ok(text) => pages.push(inspect(file, &text, &compiled)),
            Err(e) => {
                errln!("error: {e}");
                failed = true;
            }
        }
    }
    match args.json {
        true => out!("{}\n", serde_json::to_string_pretty(&Report { pages })?)?,
        false => {
            for p in &pages {
                out!("{}", render(p))?;
            }
        }
    }
    Ok(ExitCode::from(u8::from(failed)))
}

/// Reads one page with its trace.
fn inspect(file: &InputFile, text: &str, rules: &CompiledPageRules) -> PageReport {
    let (parsed, trace) = page::parse_traced(&file.name, text, rules);
    PageReport {
        file: file.name.clone(),
        layout: parsed.layout.clone(),
        why: layout_why(trace.layout, &parsed.layout, rules),
        layout_choice: trace.layout,
        title_less: trace.title_less.title_less,
        title_less_why: title_less_why(&trace.title_less, &rules.title_less),
        title_less_figures: trace.title_less,
        range: parsed.range.map(|(first, last, total)| Range { first, last, total }),
        reread: trace.reread,
        reread_why: reread_why(trace.reread, &parsed),
        header_lines: parsed.header_lines,
        lines: trace.lines,
        records: parsed.records.iter().map(record_report).collect(),
        warnings: parsed.warnings.iter().map(ToString::to_string).collect(),
    }
}

fn record_report(r: &concord::record::RawRecord) -> RecordReport {
    RecordReport {
        id: r.id(),
        line: r.provenance.line,
        raw_date: r.date().map(str::to_string),
        // As the normalize stage reads a page's date line.
        date: concord::normalize::page_date(r).map(|d| d.to_string()),
        title: r.title().to_string(),
        description: r.description().map(str::to_string),
        fields: r
            .extra_fields()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        partial: r.partial,
    }
}

fn layout_why(choice: LayoutChoice, layout: &str, rules: &CompiledPageRules) -> String {
    let chosen = rules.layouts.iter().position(|l| l.name == layout).unwrap_or(0);
    let before: Vec<&str> = rules.layouts[..chosen].iter().map(|l| l.name.as_str()).collect();
    let none_before = match before.is_empty() {
        true => String::new(),
        false => format!(" (no line matched the detect of {})", before.join(", ")),
    };
    match choice {
        LayoutChoice::Detected { line } => {
            let pattern = rules.layouts[chosen].detect.as_ref().map_or("", |r| r.as_str());
            format!("its detect {pattern:?} matched line {line}{none_before}")
        }
        LayoutChoice::NoDetect => format!("it has no detect and takes any page{none_before}"),
        LayoutChoice::Fallback => "no layout's detect matched a line: the last layout is used".to_string(),
    }
}

/// The verdict in words: the first test that failed, or the figures that passed them all.
fn title_less_why(f: &TitleLessFigures, policy: &TitleLessRules) -> String {
    if f.layout_says {
        return "not judged: the layout states its fields".to_string();
    }
    let median = f.median_words.unwrap_or(0);
    let left_out = match f.last_left_out {
        true => " (the last, which the page may have cut, not judged)",
        false => "",
    };
    if f.records < policy.min_records {
        return format!(
            "no: {} records, fewer than page.title_less.min_records ({})",
            f.records, policy.min_records
        );
    }
    if (f.one_line as f64) < policy.one_line_share * f.records as f64 {
        return format!(
            "no: {} of {} records are one line, under page.title_less.one_line_share ({})",
            f.one_line, f.records, policy.one_line_share
        );
    }
    let figures = format!(
        "{} of {} records are one line; of the {} judged{left_out}, {} end like a sentence, median {} words",
        f.one_line, f.records, f.judged, f.sentences, median
    );
    let verdict = match () {
        _ if f.median_words.is_none() => "no: no line to judge".to_string(),
        _ if (f.sentences as f64) < policy.sentence_share * f.judged as f64 => {
            format!("no: under page.title_less.sentence_share ({})", policy.sentence_share)
        }
        _ if median < policy.prose_words => format!("no: under page.title_less.prose_words ({})", policy.prose_words),
        _ => "yes".to_string(),
    };
    format!("{verdict}: {figures}")
}

fn reread_why(reread: Reread, parsed: &ParsedPage) -> String {
    match (reread, parsed.range) {
        (Reread::NotTried, None) => "not read again: no range header".to_string(),
        (Reread::NotTried, Some((first, last, _))) => format!(
            "not read again: the range header states {} records, {} found (a page is read again only when a layout that tells dateless records by their shape finds more)",
            last.saturating_sub(first) + 1,
            parsed.records.len()
        ),
        (Reread::Kept { shown, first }, _) => format!(
            "read again with every line after a title as description: {first} records became the {shown} stated, and that read is kept"
        ),
        (Reread::Rejected { shown, first, again }, _) => format!(
            "read again with every line after a title as description: {again} records, not the {shown} stated; the first read ({first}) stands"
        ),
    }
}

/// Scraped text as it is safe to print to a terminal: control characters escaped.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// The text output of one page.
fn render(p: &PageReport) -> String {
    let mut s = String::new();
    let range = p.range.as_ref().map_or("none".to_string(), |r| {
        format!("{} - {} of {}", r.first, r.last, r.total)
    });
    // Writing to a String cannot fail.
    let _ = writeln!(s, "page {}", shown(&p.file));
    let _ = writeln!(s, "  layout      {}: {}", shown(&p.layout), shown(&p.why));
    let _ = writeln!(s, "  title-less  {}", p.title_less_why);
    let _ = writeln!(s, "  range       {range}: {}", p.reread_why);
    let _ = writeln!(s, "  lines");
    for l in &p.lines {
        let role = match l.marker && l.role != Role::RecordMarker {
            true => format!("record_marker+{}", l.role.as_str()),
            false => l.role.as_str().to_string(),
        };
        let record = l.record.map_or(String::new(), |k| format!("#{k}"));
        let line = format!("    {:>5}  {role:<26} {record:>5}  {}", l.line, shown(&l.text));
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(s, "  records");
    for r in &p.records {
        render_record(&mut s, r);
    }
    let _ = writeln!(s, "  warnings");
    for w in &p.warnings {
        let _ = writeln!(s, "    warning: {}", shown(w));
    }
    s
}

fn render_record(s: &mut String, r: &RecordReport) {
    let partial = if r.partial { "  partial" } else { "" };
    let _ = writeln!(s, "    {}  line {}{partial}", shown(&r.id), r.line);
    if let Some(raw) = &r.raw_date {
        let parsed = r.date.as_deref().unwrap_or("no date");
        let _ = writeln!(s, "      date         {raw:?} -> {parsed}");
    }
    // Debug quoting escapes control characters: scraped text cannot drive the terminal.
    let _ = writeln!(s, "      title        {:?}", r.title);
    if let Some(d) = &r.description {
        let _ = writeln!(s, "      description  {d:?}");
    }
    for (name, value) in &r.fields {
        let _ = writeln!(s, "      {:<12} {value:?}", shown(name));
    }
}
