//! `concord explain`: why records were merged or kept apart, in words, from an output folder.
//! For a canonical record: its members with provenance, the links that joined them (with the
//! per-field similarities, score, thresholds and the rule, constraint or override that
//! decided), links cut by a constraint, then the nearest records not merged and why. For two
//! record ids: their comparison, or why blocking never paired them.

use std::fmt::Write;

use super::read::{DecisionRow, OutputDir, ProvRow, Waterfall};
use crate::error::Error;
use crate::output::Fixed;

/// How many non-members `explain` lists as "nearest not merged".
const NEAREST: usize = 5;

/// Explains `ids` (one canonical id or record id, or two record ids) from `out`.
pub fn explain(out: &OutputDir, ids: &[String]) -> Result<String, Error> {
    let not_found = |id: &str| Error::Input {
        file: id.to_string(),
        message: format!(
            "no canonical record or record id {id:?} in {} (see canonical.csv and provenance.csv)",
            out.dir.display()
        ),
    };
    match ids {
        [id] => {
            let id = full_id(out, id)?;
            let (canonical, history) = match out.record(id) {
                Some(r) => (r.canonical_id.as_str(), String::new()),
                None => resolve(out, id)?,
            };
            let c = out
                .canonical
                .iter()
                .find(|c| c.canonical_id == canonical)
                .ok_or_else(|| not_found(id))?;
            Ok(history + &cluster(out, &c.canonical_id))
        }
        [x, y] => {
            let rx = out.record(x).ok_or_else(|| not_found(x))?;
            let ry = out.record(y).ok_or_else(|| not_found(y))?;
            Ok(pair(out, rx, ry))
        }
        _ => Err(Error::Input {
            file: "explain".into(),
            message: "give one canonical id (or record id), or two record ids".into(),
        }),
    }
}

/// Candidates listed when an id prefix is ambiguous.
const CANDIDATES: usize = 5;

/// The whole id `id` is the start of, when it is not an id itself: the one canonical id
/// (current, or retired in `ids.csv`) it begins; an error naming a few when it begins
/// several. A record id is never completed (its page and position are typed whole).
fn full_id<'o>(out: &'o OutputDir, id: &'o str) -> Result<&'o str, Error> {
    let known = out.record(id).is_some()
        || out.canonical.iter().any(|c| c.canonical_id == id)
        || out.ids.iter().any(|r| r.id == id);
    if known || id.is_empty() {
        return Ok(id);
    }
    let mut matches: Vec<&str> = (out.canonical.iter().map(|c| c.canonical_id.as_str()))
        .chain(out.ids.iter().map(|r| r.id.as_str()))
        .filter(|c| c.starts_with(id))
        .collect();
    matches.sort_unstable();
    matches.dedup();
    match matches.as_slice() {
        [] => Ok(id),
        [one] => Ok(one),
        many => {
            let shown: Vec<&str> = many.iter().take(CANDIDATES).copied().collect();
            let more = many.len().saturating_sub(CANDIDATES);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Err(Error::Input {
                file: id.to_string(),
                message: format!(
                    "{id:?} begins {} canonical ids: {}{more}; give more of it",
                    many.len(),
                    shown.join(", ")
                ),
            })
        }
    }
}

/// The current canonical id `id` stands for (itself, or the id a retired one resolves to
/// by `ids.csv`), with a line saying what became of it; an error for an id removed.
fn resolve<'o>(out: &'o OutputDir, id: &'o str) -> Result<(&'o str, String), Error> {
    let Some(row) = out.ids.iter().find(|r| r.id == id) else {
        return Ok((id, String::new()));
    };
    let run = row.retired_in.map_or(String::new(), |n| format!(" in run {n}"));
    match row.status.as_str() {
        "merged" => Ok((
            row.resolves_to.as_str(),
            format!("{id} was merged into {}{run}; it resolves to it:\n", row.resolves_to),
        )),
        "removed" => Err(Error::Input {
            file: id.to_string(),
            message: format!(
                "{id} was removed{run}: none of its records is in the run in {} (ids.csv)",
                out.dir.display()
            ),
        }),
        _ => Ok((id, String::new())),
    }
}

/// What `ids.csv` says of a current document: the run that issued it, and the retired ids
/// that resolve to it.
fn id_history(out: &OutputDir, id: &str) -> String {
    let Some(row) = out.ids.iter().find(|r| r.id == id) else {
        return String::new();
    };
    let mut s = format!("issued in run {}", row.issued_in);
    let merged: Vec<String> = out
        .ids
        .iter()
        .filter(|r| r.status == "merged" && r.resolves_to == id)
        .map(|r| format!("{} (run {})", r.id, r.retired_in.map_or("?".into(), |n| n.to_string())))
        .collect();
    if !merged.is_empty() {
        let _ = write!(s, "; merged into it: {}", merged.join(", "));
    }
    // What this run changed, when it had a run before it (in a first run every document is
    // created, and saying so of each is noise).
    let after_another = out.changes.iter().any(|c| c.change != "created");
    if let Some(c) = out
        .changes
        .iter()
        .find(|c| c.canonical_id == id)
        .filter(|_| after_another)
    {
        let _ = write!(s, "; in this run: {}", c.change);
        if !c.content.is_empty() {
            let _ = write!(s, " ({})", c.content);
        }
    }
    s + "\n"
}

/// Why a document is what it is, in one plain sentence, from the links that joined its
/// `members` records: "merged 2 records: same title, same day; descriptions alike (lowest
/// similarity 0.9412)"; "not merged: no other record matched it".
fn in_a_sentence(out: &OutputDir, members: usize, joined: &[&DecisionRow]) -> String {
    if members < 2 {
        return "not merged: no other record matched it".into();
    }
    let overrides = joined.iter().filter(|d| !d.override_.is_empty()).count();
    let mut parts: Vec<String> = Vec::new();
    if overrides == joined.len() && overrides > 0 {
        parts.push("joined by a reviewer's override".into());
    } else if out.table {
        let lowest = joined.iter().map(|d| d.score.0).fold(1.0, f64::min);
        parts.push(format!(
            "every link a match (lowest match probability {})",
            Fixed(lowest)
        ));
    } else {
        parts.push(format!("{}, {}", titles(joined), dates(joined)));
        parts.push(descriptions(joined));
        if overrides > 0 {
            parts.push(format!("{overrides} link(s) by a reviewer's override"));
        }
    }
    format!("merged {members} records: {}", parts.join("; "))
}

/// The titles' agreement over the joining links.
fn titles(joined: &[&DecisionRow]) -> String {
    let lowest = joined
        .iter()
        .filter_map(|d| d.title_similarity)
        .map(|f| f.0)
        .fold(1.0, f64::min);
    match lowest >= 1.0 {
        true => "same title".into(),
        false => format!("titles alike (lowest similarity {})", Fixed(lowest)),
    }
}

/// The finest date every joining link agreed on, from its block: a day, a month, a year, or
/// no date (the undated pass pairs by title words).
fn dates(joined: &[&DecisionRow]) -> &'static str {
    let level = |d: &DecisionRow| match (d.block_rule.as_str(), d.block_key.matches('-').count()) {
        ("date", 2) => 3,
        ("date", 1) => 2,
        ("date", _) => 1,
        _ => 0,
    };
    match joined.iter().map(|d| level(d)).min().unwrap_or(0) {
        3 => "same day",
        2 => "same month",
        1 => "same year",
        _ => "no date to compare",
    }
}

/// The descriptions' agreement over the joining links.
fn descriptions(joined: &[&DecisionRow]) -> String {
    let compared: Vec<f64> = joined
        .iter()
        .filter_map(|d| d.description_similarity)
        .map(|f| f.0)
        .collect();
    let lowest = compared.iter().copied().fold(1.0, f64::min);
    match (compared.len(), joined.len()) {
        (0, _) => "none has a description to compare".into(),
        (n, all) if n < all => format!(
            "{} of {all} links had no description to compare, the others alike (lowest {})",
            all - n,
            Fixed(lowest)
        ),
        _ if lowest >= 1.0 => "same description".into(),
        _ => format!("descriptions alike (lowest similarity {})", Fixed(lowest)),
    }
}

fn thresholds(out: &OutputDir) -> String {
    if out.scorer() == "fellegi-sunter" {
        return format!(
            "thresholds: match probability >= {}, review >= {} (Fellegi-Sunter model, prior weight {})\n",
            out.figure("match_threshold"),
            out.figure("review_threshold"),
            out.figure("weight_prior")
        );
    }
    format!(
        "thresholds: match >= {}, review >= {}, minimum title similarity {}, minimum description similarity {}\n",
        out.figure("match_threshold"),
        out.figure("review_threshold"),
        out.figure("min_title_similarity"),
        out.figure("min_description_similarity")
    )
}

fn record_lines(s: &mut String, r: &ProvRow) {
    if !r.fields.is_empty() {
        return table_record_lines(s, r);
    }
    let _ = writeln!(
        s,
        "  {}  (page {}, line {}, fingerprint {}{})",
        r.record_id,
        r.file,
        r.line,
        r.fingerprint,
        if r.partial == Some(true) { ", cut off" } else { "" }
    );
    let _ = writeln!(
        s,
        "      date:        {:?} -> {}",
        text(&r.raw_date),
        or_none(text(&r.date))
    );
    let _ = writeln!(s, "      title:       {:?}", text(&r.title));
    let _ = writeln!(s, "      description: {:?}", text(&r.description));
}

/// A table row: its provenance, then each field as written.
fn table_record_lines(s: &mut String, r: &ProvRow) {
    let _ = writeln!(
        s,
        "  {}  (file {}, line {}, fingerprint {})",
        r.record_id, r.file, r.line, r.fingerprint
    );
    let width = r.fields.0.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0) + 1;
    for (name, value) in &r.fields.0 {
        let _ = writeln!(s, "      {:<width$} {value:?}", format!("{name}:"));
    }
}

/// A page column of a row (empty when the run read tables).
fn text(cell: &Option<String>) -> &str {
    cell.as_deref().unwrap_or("")
}

/// A number as the outputs write it; empty when missing.
fn num(x: &Option<Fixed>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "(none)" } else { s }
}

fn evidence(s: &mut String, d: &DecisionRow) {
    let block = if d.block_rule == "override" {
        "never paired by a blocking rule; compared because of an override".to_string()
    } else {
        format!("block {}={}", d.block_rule, d.block_key)
    };
    if d.title_similarity.is_none() {
        // A table pair: the model's waterfall is its evidence.
        let _ = writeln!(s, "      match probability {}; {block}", d.score);
    } else {
        similarities(s, d, &block);
    }
    if let Some(w) = d.waterfall() {
        waterfall(s, w);
    }
    let by = if d.override_.is_empty() {
        String::new()
    } else {
        format!(" [override {}]", d.override_)
    };
    let _ = writeln!(s, "      decision {}{by}: {}", d.decision, d.reason);
}

/// The weighted scorer's evidence: title and description similarity.
fn similarities(s: &mut String, d: &DecisionRow, block: &str) {
    let desc = match d.description_similarity {
        None => format!("description {}", d.description_mode),
        Some(x) => format!("description similarity {x} ({})", d.description_mode),
    };
    let _ = writeln!(
        s,
        "      title similarity {}, {desc}, score {}; {block}",
        num(&d.title_similarity),
        d.score
    );
}

/// The Fellegi-Sunter waterfall, a line per step: the prior, each comparison's level and its
/// weight log2(m/u), then their sum, the match weight, and the probability it gives.
fn waterfall(s: &mut String, w: &Waterfall) {
    let name_w = w
        .steps
        .iter()
        .map(|st| st.comparison.chars().count())
        .fold("prior".len(), usize::max);
    let level_w = w.steps.iter().map(|st| st.level.chars().count()).max().unwrap_or(0);
    let _ = writeln!(s, "      waterfall (log2 m/u):");
    let _ = writeln!(
        s,
        "          {:<name_w$} {:<level_w$} {:>8}",
        "prior",
        "",
        num(&w.weight_prior)
    );
    for st in &w.steps {
        let (name, level, weight) = (&st.comparison, &st.level, num(&st.weight));
        let _ = writeln!(s, "        + {name:<name_w$} {level:<level_w$} {weight:>8}");
    }
    let _ = writeln!(
        s,
        "        = match weight {} -> match probability {}",
        num(&w.match_weight),
        num(&w.match_probability)
    );
}

fn cluster(out: &OutputDir, id: &str) -> String {
    let members: Vec<&ProvRow> = out.records.iter().filter(|r| r.canonical_id == id).collect();
    let is_member = |rid: &str| members.iter().any(|m| m.record_id == rid);
    let joined: Vec<&DecisionRow> = (out.links.iter())
        .filter(|l| l.outcome == "joined" && is_member(&l.record_a) && is_member(&l.record_b))
        .filter_map(|l| out.decision(&l.record_a, &l.record_b))
        .collect();
    let mut s = in_a_sentence(out, members.len(), &joined) + "\n";
    if let Some(c) = out.canonical.iter().find(|c| c.canonical_id == id) {
        if out.table {
            let values: Vec<String> = c.fields.0.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
            let _ = writeln!(s, "canonical record {id}: {}", values.join(" "));
        } else {
            let _ = writeln!(
                s,
                "canonical record {id}: {} {:?}",
                or_none(text(&c.date)),
                text(&c.title)
            );
        }
        s.push_str(&id_history(out, id));
    }
    s.push_str(&thresholds(out));
    let _ = writeln!(s, "\nmembers ({}):", members.len());
    for m in &members {
        record_lines(&mut s, m);
    }
    let inner: Vec<_> = out
        .links
        .iter()
        .filter(|l| is_member(&l.record_a) && is_member(&l.record_b))
        .collect();
    let _ = writeln!(s, "\nevidence that joined them:");
    if inner.is_empty() {
        let _ = writeln!(s, "  none: no other record matched it");
    }
    for l in &inner {
        let _ = writeln!(
            s,
            "  {} ~ {}: {} (link #{} by {})",
            l.record_a, l.record_b, l.outcome, l.order, l.link
        );
        if let Some(d) = out.decision(&l.record_a, &l.record_b) {
            evidence(&mut s, d);
        }
    }
    let cut: Vec<_> = out
        .links
        .iter()
        .filter(|l| l.outcome == "cut" && (is_member(&l.record_a) || is_member(&l.record_b)))
        .collect();
    if !cut.is_empty() {
        let _ = writeln!(s, "\nlinks cut by a constraint:");
        for l in cut {
            let _ = writeln!(
                s,
                "  {} ~ {} (score {}, link #{}): {}",
                l.record_a, l.record_b, l.score, l.order, l.reason
            );
        }
    }
    nearest(&mut s, out, &is_member);
    s
}

fn nearest(s: &mut String, out: &OutputDir, is_member: &dyn Fn(&str) -> bool) {
    let mut near: Vec<&DecisionRow> = out
        .decisions
        .iter()
        .filter(|d| is_member(&d.record_a) != is_member(&d.record_b))
        .collect();
    near.sort_by(|x, y| y.score.0.total_cmp(&x.score.0));
    let _ = writeln!(s, "\nnearest records not merged:");
    if near.is_empty() {
        let _ = writeln!(s, "  none: no other record was compared with its members");
    }
    for d in near.into_iter().take(NEAREST) {
        let other = if is_member(&d.record_a) {
            &d.record_b
        } else {
            &d.record_a
        };
        let canonical = out.record(other).map_or("?", |r| r.canonical_id.as_str());
        let label = out.record(other).map_or(String::new(), ProvRow::label);
        let _ = writeln!(s, "  {other} (in {canonical}) {label:?}");
        evidence(s, d);
    }
}

fn pair(out: &OutputDir, x: &ProvRow, y: &ProvRow) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "records {} and {}", x.record_id, y.record_id);
    s.push_str(&thresholds(out));
    s.push('\n');
    record_lines(&mut s, x);
    record_lines(&mut s, y);
    let _ = writeln!(s);
    match out.decision(&x.record_id, &y.record_id) {
        Some(d) => {
            let _ = writeln!(s, "compared:");
            evidence(&mut s, d);
        }
        None => {
            let _ = writeln!(s, "never compared: {}", why_not_compared(out, x, y));
        }
    }
    if let Some(l) = out.link(&x.record_id, &y.record_id) {
        let _ = writeln!(
            s,
            "clustering: link #{} by {}: {}: {}",
            l.order, l.link, l.outcome, l.reason
        );
    }
    if x.canonical_id == y.canonical_id {
        let _ = writeln!(s, "result: both are in {} (merged)", x.canonical_id);
    } else {
        let _ = writeln!(s, "result: kept apart, in {} and {}", x.canonical_id, y.canonical_id);
    }
    s
}

/// Why blocking never paired two records, in words.
pub fn why_not_compared(out: &OutputDir, x: &ProvRow, y: &ProvRow) -> String {
    if out.table {
        return why_table_not_compared(out);
    }
    if x.file == y.file {
        return format!(
            "both are on page {}, and a result page lists each document once (same-page cannot-link)",
            x.file
        );
    }
    match (text(&x.date), text(&y.date)) {
        ("", _) | (_, "") => {
            let dateless = if text(&x.date).is_empty() { x } else { y };
            format!(
                "{} has no usable date, so it is blocked by its rarest title tokens (title_token rule), and the other record shares none of them",
                dateless.record_id
            )
        }
        (dx, dy) => {
            let (coarse, fine) = if dx.len() <= dy.len() { (dx, dy) } else { (dy, dx) };
            let compatible = coarse == fine || fine.starts_with(&format!("{coarse}-"));
            if !compatible {
                return format!(
                    "different date blocks ({dx} and {dy}): blocking rule `date` pairs only compatible dates"
                );
            }
            match out
                .blocks
                .iter()
                .find(|b| b.block_rule == "date" && b.block_key == coarse && b.mode == "window")
            {
                Some(b) => format!(
                    "block date={} was over the size limit and compared by window: these two were not neighbours in title order",
                    b.block_key
                ),
                None => format!("their dates are compatible ({dx}, {dy}) but no blocking rule paired them"),
            }
        }
    }
}

/// Why blocking never paired two table rows: they agree on every field of no blocking rule
/// (rows of one table are compared with each other; there is no same-page constraint).
fn why_table_not_compared(out: &OutputDir) -> String {
    let mut rules: Vec<&str> = Vec::new();
    for b in &out.blocks {
        if !rules.contains(&b.block_rule.as_str()) {
            rules.push(&b.block_rule);
        }
    }
    let rules = match rules.is_empty() {
        true => "none made a block of two records".to_string(),
        false => rules.join(", "),
    };
    format!("no blocking rule paired them: they agree exactly on the fields of no rule (rules with blocks: {rules})")
}
