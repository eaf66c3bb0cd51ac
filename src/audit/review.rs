//! The review queue as `concord review` walks it: review-band pairs from `review.csv`, most
//! uncertain first, minus the pairs the overrides file already answers; and the side-by-side
//! view of two records with the words that differ highlighted ([`super::words`]).

use std::collections::BTreeSet;

use super::overrides::Overrides;
use super::read::{OutputDir, ProvRow, ReviewRow};
use super::words::{Word, diff as word_diff};

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

/// The pairs still to label, in review.csv order (most uncertain first). Pairs whose
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

/// The words of `text`, none marked.
fn unmarked(text: &str) -> Vec<Word> {
    text.split_whitespace().map(|w| (w.to_string(), false)).collect()
}

/// Wraps words into lines of at most `width` characters (a longer word gets its own line).
fn wrap(words: &[Word], width: usize) -> Vec<Vec<Word>> {
    let mut lines: Vec<Vec<Word>> = vec![Vec::new()];
    let mut len = 0;
    for (w, changed) in words {
        let n = w.chars().count();
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

/// Both records side by side, field by field, in columns `width` wide; words that differ are
/// highlighted.
pub fn side_by_side<'a>(a: &'a ProvRow, b: &'a ProvRow, width: usize, style: Style) -> String {
    let label = 12;
    // Brackets widen a marked word by 2; leave room so columns stay aligned.
    let col = width.saturating_sub(label + 3) / 2;
    let wrap_at = col.saturating_sub(if style.colour { 0 } else { 2 }).max(10);
    let mut out = String::new();
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
    for (field, (name, x, y)) in fields.into_iter().enumerate() {
        // Two records' ids always differ: marking them says nothing.
        let (wx, wy) = match field {
            0 => (unmarked(x), unmarked(y)),
            _ => word_diff(x, y),
        };
        let (lx, ly) = (wrap(&wx, wrap_at), wrap(&wy, wrap_at));
        for i in 0..lx.len().max(ly.len()) {
            let (sx, nx) = lx.get(i).map_or((String::new(), 0), |l| render_line(l, true, style));
            let (sy, _) = ly.get(i).map_or((String::new(), 0), |l| render_line(l, false, style));
            let head = if i == 0 { name } else { "" };
            let pad = " ".repeat(col.saturating_sub(nx));
            out.push_str(format!("{head:<label$} {sx}{pad} | {sy}").trim_end());
            out.push('\n');
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
        let lines = wrap(&words, 7);
        assert_eq!(lines.iter().flatten().count(), 5);
        for l in &lines {
            assert!(render_line(l, true, Style { colour: false }).1 <= 7);
        }
    }
}
