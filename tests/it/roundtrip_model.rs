//! The page round trip, shared by the fuzz target `roundtrip` (`fuzz/fuzz_targets/`) and the
//! property `properties::pages_round_trip` (this crate): records whose text is drawn to look
//! like furniture, markers, dates, range headers and footers are rendered in each of the
//! site's layouts, with each line ending, then parsed; every record must come back exactly
//! (the last record of a page cut off by its end: as a prefix).
//!
//! The choices are read from a byte string (a fuzzer's input, or random bytes), so that a
//! coverage-guided fuzzer can steer them. What a reader cannot tell apart is never drawn: a
//! title or description that is a whole date line (it is one, by definition), a leading
//! bullet or a lone `-` (they are the layouts' record markers), and a page whose last line
//! reads as its footer (a last record titled "Back to top" with nothing after it).

use concord::rules::CompiledPageRules;
use concord::source::page;

/// Choices read from bytes: each draw consumes one or two bytes; past the end, zeros.
pub struct Choices<'a> {
    bytes: &'a [u8],
}

impl<'a> Choices<'a> {
    pub fn new(bytes: &'a [u8]) -> Choices<'a> {
        Choices { bytes }
    }

    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((b, rest)) => {
                self.bytes = rest;
                *b
            }
            None => 0,
        }
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let x = (self.byte() as usize) << 8 | self.byte() as usize;
        x % n
    }

    fn pick<'t>(&mut self, from: &[&'t str]) -> &'t str {
        from[self.below(from.len())]
    }
}

/// One record as written on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub date: Option<String>,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Plain,
    Bulleted,
    Separated,
}

/// Whole lines that a page's furniture, markers and footers also use.
const FURNITURE_LIKE: &[&str] = &[
    "Next",
    "Previous",
    "Back to top",
    "Pagination",
    "Load more",
    "Documents",
    "Results:",
    "SEARCH RESULTS",
    "Search Results",
    "Skip to content",
    "Search in",
    "Digital Archive",
    "Popular Documents",
    "Copyright 1952 Reuters",
    "© Tass 1953",
    "Show Trials: the Slansky case",
    "Sort of an agreement: notes on the talks",
    "Sort by date: newest first",
];

/// Text that begins like a range header, a date or a footer, or holds one.
const PREFIXES: &[&str] = &[
    "1 - 10 of 47",
    "Showing 11 - 20 of 300 results",
    "Copyright",
    "©",
    "Next",
    "Back to top",
    "May 1952",
    "1948",
    "September 6, 1952",
    "February 30, 1952",
    "Documents",
    "Pagination",
    "Show",
    "Sort",
    "No. 25553",
    "Results:",
];

const WORDS: &[&str] = &[
    "Memorandum",
    "Telegram",
    "Letter",
    "from",
    "Zhou",
    "Enlai",
    "to",
    "Molotov",
    "on",
    "the",
    "talks",
    "Säypiddin",
    "“Korea”",
    "[Excerpt]",
    "(1952)",
    "of",
    "and",
    "Next",
    "top",
    "Documents",
    "1952",
    "-",
    "•",
    ":",
    "No.",
    "47",
    "zero\u{200b}width",
];

const DATES: &[&str] = &[
    "September 6, 1952",
    "September 06, 1952",
    "6 September 1952",
    "Sept. 6, 1952",
    "1952-09-06",
    "February, 1950",
    "August 1949",
    "1950-02",
    "1948",
    // Shaped like dates but not valid ones: date lines all the same, read as missing dates.
    "February 30, 1952",
    "April 31, 1952",
    "February 29, 1951",
    "1952-13-01",
];

fn words(c: &mut Choices, min: usize) -> String {
    let n = min + c.below(6);
    let mut out: Vec<&str> = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(c.pick(WORDS));
    }
    out.join(" ")
}

/// A title or a description: ordinary words, a furniture-like whole line, or text that
/// begins like one.
fn text(c: &mut Choices, sentence: bool) -> String {
    let mut t = match c.below(6) {
        0 => c.pick(FURNITURE_LIKE).to_string(),
        1 | 2 => format!("{} {}", c.pick(PREFIXES), words(c, 1)),
        _ => words(c, 2),
    };
    if sentence && c.below(3) > 0 {
        t.push('.');
    }
    t
}

/// A line that a reader must take for something other than a title or a description.
fn ambiguous(line: &str, rules: &CompiledPageRules) -> bool {
    let t = line.trim();
    t.is_empty()
        || t == "-"
        || t.starts_with(['•', '·', '▪', '●', '◦', '‣'])
        || concord::normalize::date::parse(t).is_some()
        || concord::normalize::date::shaped_like_date(t)
        || concord::normalize::date::looks_like_cut_date(t)
        || (rules.range_header.is_match(t))
}

/// True when a line begins in lower case (its first letter or digit): the reader takes it
/// for the sentence of the line above going on (README, "Pages concord reads"), so a
/// description that begins so is not this model's to draw.
fn starts_lower(line: &str) -> bool {
    line.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
}

/// A title as the reader promises to read it back: it does not end like a sentence (a page
/// of such one-line records reads as a title-less listing of descriptions) nor stop at a
/// comma, semicolon, colon or dash (the next line would go on with it).
fn reads_as_title(line: &str) -> bool {
    let t = line.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    !t.ends_with(['.', '!', '?', '…']) && !line.ends_with([',', ';', ':', '-', '–', '—'])
}

/// A line that a reader may take for the page's footer when nothing follows it.
fn footer_like(line: &str, rules: &CompiledPageRules) -> bool {
    let t = line.trim();
    [&rules.end_markers, &rules.furniture, &rules.start_markers]
        .into_iter()
        .flatten()
        .any(|r| r.is_match(t))
}

fn record(c: &mut Choices, layout: Layout, first: bool, rules: &CompiledPageRules) -> Shown {
    // Records without a date are told apart by a marker or a separator; the plain layout
    // tells them by shape, which is not this test's subject. Without a marker, text before
    // the first date line is the page's header (a collection's introduction).
    let dated = layout == Layout::Plain || (first && layout != Layout::Bulleted) || c.below(5) > 0;
    let mut title = text(c, false);
    while ambiguous(&title, rules) || !reads_as_title(&title) {
        title = words(c, 2);
    }
    let mut description = (c.below(5) > 0).then(|| text(c, true));
    while description
        .as_deref()
        .is_some_and(|d| ambiguous(d, rules) || starts_lower(d))
    {
        description = Some(format!("{}.", words(c, 2)));
    }
    Shown {
        date: dated.then(|| c.pick(DATES).to_string()),
        title,
        description,
    }
}

/// A page: its records, its text, and whether it was cut off inside its last record.
pub struct Page {
    pub layout: Layout,
    pub records: Vec<Shown>,
    pub text: String,
    pub cut: bool,
}

/// Draws a page from `c` and renders it.
pub fn draw(c: &mut Choices, rules: &CompiledPageRules) -> Page {
    let layout = [Layout::Plain, Layout::Bulleted, Layout::Separated][c.below(3)];
    let n = 1 + c.below(8);
    let mut records: Vec<Shown> = (0..n).map(|i| record(c, layout, i == 0, rules)).collect();
    let footer = c.below(2) == 0;
    // The last line of the records must not read as the page's footer.
    if let Some(last) = records.last_mut() {
        let tail = last.description.as_deref().unwrap_or(&last.title).to_string();
        if footer_like(&tail, rules) {
            let mut plain = format!("{}.", words(c, 2));
            while ambiguous(&plain, rules) {
                plain = format!("{}.", words(c, 2));
            }
            last.description = Some(plain);
        }
    }
    let mut lines = render(c, layout, &records, footer);
    let cut = !footer && c.below(3) == 0 && cut_last_record(c, &mut lines, rules);
    let ending = ["\n", "\r\n", "\r"][c.below(3)];
    let mut text = lines.join(ending);
    text.push_str(ending);
    if ending == "\r" && c.below(2) == 0 {
        // One stray LF in a page whose lines end with CR.
        if let Some(at) = text.find('\r') {
            text.replace_range(at..at + 1, "\n");
        }
    }
    Page {
        layout,
        records,
        text,
        cut,
    }
}

fn render(c: &mut Choices, layout: Layout, records: &[Shown], footer: bool) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let n = records.len();
    match layout {
        Layout::Plain => {
            lines.extend(["Skip to content".into(), String::new()]);
            if c.below(2) == 0 {
                lines.extend([format!("1 - {n} of {}", n + c.below(50)), String::new()]);
            }
            if c.below(2) == 0 {
                lines.extend(["Documents".into(), String::new()]);
            }
            for r in records {
                for field in [r.date.as_ref(), Some(&r.title), r.description.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    lines.extend([field.clone(), String::new()]);
                }
            }
        }
        Layout::Bulleted => {
            lines.extend(["Search in".into(), String::new()]);
            lines.extend([
                "Digital Archive International History Declassified".into(),
                String::new(),
            ]);
            for r in records {
                let mut first = true;
                for field in [r.date.as_ref(), Some(&r.title), r.description.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    lines.push(if first {
                        format!("  • {field}")
                    } else {
                        format!("    {field}")
                    });
                    lines.push(String::new());
                    first = false;
                }
            }
        }
        Layout::Separated => {
            lines.push("SEARCH RESULTS".into());
            for (i, r) in records.iter().enumerate() {
                if i > 0 {
                    lines.push("-".into());
                }
                for field in [r.date.as_ref(), Some(&r.title), r.description.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    lines.push(field.clone());
                }
            }
        }
    }
    if footer {
        lines.extend([
            String::new(),
            "Pagination".into(),
            "Back to top".into(),
            "© 2026 Wilson Center".into(),
        ]);
    }
    lines
}

/// Cuts the page inside the text of its last line (which holds the last record's last field),
/// keeping a prefix that cannot be read as anything but that field. False when no such cut
/// exists (the page is left whole).
fn cut_last_record(c: &mut Choices, lines: &mut Vec<String>, rules: &CompiledPageRules) -> bool {
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let Some(last) = lines.last_mut() else { return false };
    let cuts: Vec<usize> = last.char_indices().map(|(i, _)| i).skip(1).collect();
    if cuts.is_empty() {
        return false;
    }
    let at = cuts[c.below(cuts.len())];
    let kept = last[..at].trim_end().to_string();
    let bare = kept.trim().trim_start_matches(['•', ' ']).trim();
    if bare.is_empty() || ambiguous(bare, rules) || footer_like(bare, rules) || bare == "-" {
        return false;
    }
    *last = kept;
    true
}

/// (date, title, description) of a record as parsed or as shown.
fn fields(date: Option<&str>, title: &str, description: Option<&str>) -> [String; 3] {
    [
        date.unwrap_or_default().to_string(),
        title.to_string(),
        description.unwrap_or_default().to_string(),
    ]
}

/// Parses `page` and says what did not come back, if anything.
pub fn check(page: &Page, rules: &CompiledPageRules) -> Result<(), String> {
    let parsed = page::parse("roundtrip.txt", &page.text, rules);
    let got: Vec<[String; 3]> = parsed
        .records
        .iter()
        .map(|r| fields(r.date(), r.title(), r.description()))
        .collect();
    let want: Vec<[String; 3]> = page
        .records
        .iter()
        .map(|r| fields(r.date.as_deref(), &r.title, r.description.as_deref()))
        .collect();
    let fail = |why: &str| {
        Err(format!(
            "{why}\nlayout {:?}, cut {}\npage: {:?}\nwant: {want:#?}\ngot: {got:#?}\nwarnings: {:#?}",
            page.layout, page.cut, page.text, parsed.warnings
        ))
    };
    if got.len() != want.len() {
        return fail("a record was lost or invented");
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let last_cut = page.cut && i + 1 == want.len();
        let ok = if last_cut {
            g.iter().zip(w).all(|(g, w)| w.starts_with(g.as_str()))
        } else {
            g == w
        };
        if !ok {
            return fail(&format!("record {} came back changed", i + 1));
        }
    }
    Ok(())
}
