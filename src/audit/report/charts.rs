//! The report's charts, as inline SVG (no script, no network): the pair scores stacked by
//! final decision, and plain bar charts of counts (documents per year, cluster sizes, records
//! per page).

use maud::{Markup, html};

use crate::linkage::compare::MatchDecision;
use crate::linkage::score::Bands;
use crate::output::fixed;

/// Histogram bins over [0, 1].
const BINS: usize = 20;
/// The decisions in the order they are stacked, bottom up, and their colours.
const STACK: [(MatchDecision, &str); 3] = [
    (MatchDecision::Match, "#2da44e"),
    (MatchDecision::Review, "#d4a72c"),
    (MatchDecision::NoMatch, "#9ea7b3"),
];

/// Every pair's score in 20 bins, each bar stacked by the pairs' final decision (a bar's
/// colour says what became of its pairs, not which band its middle falls in: a review pair
/// scored 1.0 shows as review). Heights on a log scale (no-match pairs outnumber matches by
/// orders of magnitude), each decision's share of a bar as its share of the pairs. `pairs`
/// gives each pair's score and final decision; `bands` places the threshold lines.
pub fn scores(pairs: impl IntoIterator<Item = (f64, MatchDecision)>, bands: &Bands) -> Markup {
    let mut counts = [[0usize; 3]; BINS];
    let mut n = 0;
    for (score, decision) in pairs {
        let bin = ((score.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1);
        let slot = STACK.iter().position(|(d, _)| *d == decision).unwrap_or(2);
        counts[bin][slot] += 1;
        n += 1;
    }
    let (w, h, left, bottom) = (900.0, 260.0, 40.0, 30.0);
    let bar_w = (w - left) / BINS as f64;
    let height = |c: usize| ((c + 1) as f64).log10();
    let top = counts
        .iter()
        .map(|c| height(c.iter().sum()))
        .fold(0.0, f64::max)
        .max(1.0);
    let x_of = |score: f64| left + score * (w - left);
    let (review_x, match_x) = (x_of(bands.review_at), x_of(bands.match_at));
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w + 20.0) height=(h + bottom)
            viewBox=(format!("0 0 {} {}", w + 20.0, h + bottom)) role="img"
            aria-label="histogram of pair scores by decision" {
            @for (i, bin) in counts.iter().enumerate() {
                @let total: usize = bin.iter().sum();
                @let bh = height(total) / top * (h - 34.0);
                @let x = left + i as f64 * bar_w;
                @let range = format!("{:.2}-{:.2}", i as f64 / BINS as f64, (i + 1) as f64 / BINS as f64);
                @for (slot, (decision, colour)) in STACK.iter().enumerate() {
                    @let below: usize = bin[..slot].iter().sum();
                    @let part = |n: usize| if total == 0 { 0.0 } else { bh * n as f64 / total as f64 };
                    @if bin[slot] > 0 {
                        rect x=(x + 1.0) y=(h - part(below) - part(bin[slot])) width=(bar_w - 2.0)
                            height=(part(bin[slot])) fill=(colour) {
                            title { (range) ": " (bin[slot]) " " (decision.as_str()) " of " (total) " pairs" }
                        }
                    }
                }
                @if total > 0 {
                    text x=(x + bar_w / 2.0) y=(h - bh - 4.0) font-size="11" text-anchor="middle" { (total) }
                }
            }
            line x1=(left) y1=(h) x2=(w) y2=(h) stroke="#333" {}
            @for t in 0..=10 {
                text x=(x_of(t as f64 / 10.0)) y=(h + 16.0) font-size="11" text-anchor="middle" { (format!("{:.1}", t as f64 / 10.0)) }
            }
            line x1=(review_x) y1="0" x2=(review_x) y2=(h) stroke="#9a6700" stroke-dasharray="4 3" {}
            line x1=(match_x) y1="0" x2=(match_x) y2=(h) stroke="#1a7f37" stroke-dasharray="4 3" {}
            text x=(review_x - 4.0) y="12" font-size="11" text-anchor="end" fill="#9a6700" { "review " (fixed(bands.review_at)) }
            text x=(match_x + 4.0) y="12" font-size="11" fill="#1a7f37" { "match " (fixed(bands.match_at)) }
        }
        p.muted {
            (n) " pairs compared. Each bar is stacked by the pairs' final decision: "
            span.match { "match" } ", " span.review { "review" } ", " span.no-match { "no-match" }
            "; heights on a log scale; the dashed lines are the thresholds."
        }
    }
}

/// A bar chart of `bars` (label, count), in their order, heights on a linear scale. Labels
/// are written under the bars when there is room, else every n-th.
pub fn bars(label: &str, bars: &[(String, usize)]) -> Markup {
    if bars.is_empty() {
        return html! { p.muted { "None." } };
    }
    // A margin on each side, for the first and last labels.
    let (w, h, bottom, left) = (880.0, 160.0, 30.0, 20.0);
    let bar_w = w / bars.len() as f64;
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64;
    // About one label per 45 pixels.
    let every = ((45.0 / bar_w).ceil() as usize).max(1);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w + 2.0 * left) height=(h + bottom)
            viewBox=(format!("0 0 {} {}", w + 2.0 * left, h + bottom)) role="img" aria-label=(label) {
            @for (i, (name, count)) in bars.iter().enumerate() {
                @let bh = *count as f64 / top * (h - 16.0);
                @let x = left + i as f64 * bar_w;
                rect x=(x + 0.5) y=(h - bh) width=((bar_w - 1.0).max(0.5)) height=(bh) fill="#57606a" {
                    title { (name) ": " (count) }
                }
                @if i % every == 0 {
                    text x=(x + bar_w / 2.0) y=(h + 16.0) font-size="11" text-anchor="middle" { (name) }
                }
            }
            line x1=(left) y1=(h) x2=(left + w) y2=(h) stroke="#333" {}
            text x=(left) y="12" font-size="11" { "max " (top as usize) }
        }
    }
}
