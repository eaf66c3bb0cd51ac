//! The review queue as `concord review` walks it: review-band pairs from `review.csv`, most
//! uncertain first, minus the pairs the overrides file already answers; and the side-by-side
//! view of two records with the words that differ highlighted ([`super::words`]).

use std::collections::BTreeSet;

use super::overrides::Overrides;
use super::read::{OutputDir, ProvRow, ReviewRow};
use super::words::{Word, diff as word_diff, unmarked};

/// One pair to label.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The review.csv row.
    pub row: &'a ReviewRow,
    /// First record.
    pub a: &'a ProvRow,
    /// Second record.
    pub b: &'a ProvRow,
}

/// The pairs still to label, in review.csv order (the most informative first). Pairs whose
/// fingerprints the overrides file already names are left out.
pub fn pending<'a>(out: &'a OutputDir, answered: &Overrides) -> Vec<Item<'a>> {
    let done: BTreeSet<(&str, &str)> = answered
        .entries
        .iter()
        .flat_map(|o| [(o.a.as_str(), o.b.as_str()), (o.b.as_str(), o.a.as_str())])
        .collect();
    out.review
        .iter()
        .filter(|r| !done.contains(&(r.fingerprint_a.as_str(), r.fingerprint_b.as_str())))
        .filter_map(|row| {
            Some(Item {
                row,
                a: out.record(&row.record_a)?,
                b: out.record(&row.record_b)?,
            })
        })
        .collect()
}

/// Wraps words into lines of at most `width` characters as `style` renders them (brackets
/// widen a marked word by 2); a longer word gets its own line.
fn wrap(words: &[Word], width: usize, style: Style) -> Vec<Vec<Word>> {
    let mut lines: Vec<Vec<Word>> = vec![Vec::new()];
    let mut len = 0;
    for (w, changed) in words {
        let n = w.chars().count() + if *changed && !style.colour { 2 } else { 0 };
        let line = lines.last_mut().filter(|l| !l.is_empty() && len + 1 + n > width);
        if line.is_some() {
            lines.push(Vec::new());
            len = 0;
        }
        let current = lines.last_mut().expect("lines is never empty");
        if !current.is_empty() {
            len += 1;
        }
        current.push((w.clone(), *changed));
        len += n;
    }
    lines
}

/// How changed words are marked: ANSI colour in a terminal, brackets without colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use ANSI colours (else `[word]`).
    pub colour: bool,
}

impl Style {
    fn mark(self, w: &str, left: bool) -> (String, usize) {
        let n = w.chars().count();
        match (self.colour, left) {
            (true, true) => (format!("\x1b[1;31m{w}\x1b[0m"), n),
            (true, false) => (format!("\x1b[1;32m{w}\x1b[0m"), n),
            (false, _) => (format!("[{w}]"), n + 2),
        }
    }
}

fn render_line(words: &[Word], left: bool, style: Style) -> (String, usize) {
    let mut s = String::new();
    let mut len = 0;
    for (i, (w, changed)) in words.iter().enumerate() {
        if i > 0 {
            s.push(' ');
            len += 1;
        }
        let (text, n) = if *changed {
            style.mark(w, left)
        } else {
            (w.to_string(), w.chars().count())
        };
        s.push_str(&text);
        len += n;
    }
    (s, len)
}

/// Width of the field names' column.
const LABEL: usize = 12;
/// Narrowest column for two records side by side; below it they are shown one above the
/// other.
const MIN_COLUMN: usize = 24;

/// Both records field by field, fitting `width` columns: side by side when each gets
/// [`MIN_COLUMN`] or more, else one above the other; words that differ are highlighted
/// (record ids are not: they always differ).
pub fn side_by_side<'a>(a: &'a ProvRow, b: &'a ProvRow, width: usize, style: Style) -> String {
    let mut fields: Vec<(&str, &'a str, &'a str)> = vec![("record", &a.record_id, &b.record_id)];
    if a.fields.is_empty() {
        let text = |c: &'a Option<String>| c.as_deref().unwrap_or("");
        fields.extend([
            ("date", text(&a.raw_date), text(&b.raw_date)),
            ("title", text(&a.title), text(&b.title)),
            ("description", text(&a.description), text(&b.description)),
        ]);
    } else {
        // A table row: its own fields, as written (both rows have the same columns).
        for ((name, x), (_, y)) in a.fields.0.iter().zip(&b.fields.0) {
            fields.push((name, x, y));
        }
    }
    let marked: Vec<(&str, Vec<Word>, Vec<Word>)> = (fields.into_iter().enumerate())
        .map(|(i, (name, x, y))| match i {
            0 => (name, unmarked(x), unmarked(y)),
            _ => {
                let (wx, wy) = word_diff(x, y);
                (name, wx, wy)
            }
        })
        .collect();
    let col = width.saturating_sub(LABEL + 3) / 2;
    match col >= MIN_COLUMN {
        true => columns(&marked, col, style),
        false => stacked(&marked, width, style),
    }
}

/// The fields in two columns `col` wide, split by ` | `.
fn columns(fields: &[(&str, Vec<Word>, Vec<Word>)], col: usize, style: Style) -> String {
    let mut out = String::new();
    for (name, wx, wy) in fields {
        let (lx, ly) = (wrap(wx, col, style), wrap(wy, col, style));
        for i in 0..lx.len().max(ly.len()) {
            let (sx, nx) = lx.get(i).map_or((String::new(), 0), |l| render_line(l, true, style));
            let (sy, _) = ly.get(i).map_or((String::new(), 0), |l| render_line(l, false, style));
            let head = if i == 0 { name } else { "" };
            let pad = " ".repeat(col.saturating_sub(nx));
            out.push_str(format!("{head:<LABEL$} {sx}{pad} | {sy}").trim_end());
            out.push('\n');
        }
    }
    out
}

/// The fields one above the other, `a:` then `b:`, within `width` columns.
fn stacked(fields: &[(&str, Vec<Word>, Vec<Word>)], width: usize, style: Style) -> String {
    let indent = 4;
    let wrap_at = width.saturating_sub(indent + 3).max(10);
    let mut out = String::new();
    for (name, wx, wy) in fields {
        out.push_str(name);
        out.push('\n');
        for (side, words, left) in [("a:", wx, true), ("b:", wy, false)] {
            for (i, line) in wrap(words, wrap_at, style).iter().enumerate() {
                let head = if i == 0 { side } else { "" };
                let (text, _) = render_line(line, left, style);
                out.push_str(format!("{:indent$}{head:<3}{text}", "").trim_end());
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let words: Vec<Word> = "a bb ccc dddd eeeee"
            .split(' ')
            .map(|w| (w.to_string(), false))
            .collect();
        let lines = wrap(&words, 7, Style { colour: false });
        assert_eq!(lines.iter().flatten().count(), 5);
        for l in &lines {
            assert!(render_line(l, true, Style { colour: false }).1 <= 7);
        }
    }

    #[test]
    fn a_marked_word_counts_its_brackets_when_wrapping() {
        let words: Vec<Word> = ["aaa", "bbb", "ccc"].iter().map(|w| (w.to_string(), true)).collect();
        let plain = Style { colour: false };
        for l in wrap(&words, 11, plain) {
            assert!(render_line(&l, true, plain).1 <= 11, "{l:?}");
        }
        // In colour the marks take no columns.
        assert_eq!(wrap(&words, 11, Style { colour: true }).len(), 1);
    }
}
