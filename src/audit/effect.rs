//! What a review answer would move, said before it is saved: each side's document, and for
//! "same" and "different" what clustering will do with the answer. Read from the output
//! folder alone (`links.csv` holds the links that built every document).
//!
//! The forecast follows clustering's rules: an override "same" is a must-link taken before
//! any scored link, but two records of one page may still never share a document, so joining
//! two documents that hold records of one page cuts links to keep them apart; an override
//! "different" keeps its records apart, which cuts, of the links that joined them, the one
//! clustering takes last (the weakest on the path between them; ties: the later link).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::read::{LinkRow, OutputDir, ProvRow};

/// A document a record of the pair is in.
#[derive(Debug)]
pub struct Side<'o> {
    /// Its canonical id.
    pub id: &'o str,
    /// Its members (the record itself among them), in provenance order.
    pub members: Vec<&'o ProvRow>,
}

/// What one answer would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// In words.
    pub says: String,
    /// Links scoring at or above the match threshold it cuts (or puts at risk).
    pub cuts_matches: usize,
}

/// Both sides' documents and what each answer would move.
#[derive(Debug)]
pub struct Context<'o> {
    /// The document of the first record.
    pub a: Side<'o>,
    /// The document of the second record.
    pub b: Side<'o>,
    /// If the answer is "same".
    pub if_same: Effect,
    /// If the answer is "different".
    pub if_different: Effect,
}

/// The context of the pair `a`, `b` in the run `out`.
pub fn context<'o>(out: &'o OutputDir, a: &'o ProvRow, b: &'o ProvRow) -> Context<'o> {
    let side = |r: &'o ProvRow| Side {
        id: &r.canonical_id,
        members: out
            .records
            .iter()
            .filter(|m| m.canonical_id == r.canonical_id)
            .collect(),
    };
    let (sa, sb) = (side(a), side(b));
    let match_at: f64 = out.figure("match_threshold").parse().unwrap_or(f64::INFINITY);
    let joined = |id: &str| -> Vec<&'o LinkRow> {
        (out.links.iter())
            .filter(|l| l.outcome == "joined" && l.canonical_a == id && l.canonical_b == id)
            .collect()
    };
    let (if_same, if_different) = match sa.id == sb.id {
        true => (
            Effect {
                says: format!("nothing moves: both are in {} already", sa.id),
                cuts_matches: 0,
            },
            split(&sa, a, b, &joined(sa.id), match_at),
        ),
        false => {
            let links: Vec<&LinkRow> = joined(sa.id).into_iter().chain(joined(sb.id)).collect();
            let same = join(&sa, &sb, &links, match_at, out.table);
            let apart = Effect {
                says: format!("nothing moves: {} and {} stay apart, as now", sa.id, sb.id),
                cuts_matches: 0,
            };
            (same, apart)
        }
    };
    Context {
        a: sa,
        b: sb,
        if_same,
        if_different,
    }
}

/// "same" on records of two documents: they join, unless records of one page stand on both
/// sides (table rows have no pages).
fn join(a: &Side, b: &Side, links: &[&LinkRow], match_at: f64, table: bool) -> Effect {
    let files: BTreeSet<&str> = a.members.iter().map(|m| m.file.as_str()).collect();
    let clash = b
        .members
        .iter()
        .filter(|m| !table && files.contains(m.file.as_str()))
        .find_map(|m| Some((a.members.iter().find(|x| x.file == m.file)?, m)));
    let joins = format!(
        "joins {} ({}) and {} ({})",
        a.id,
        records(a.members.len()),
        b.id,
        records(b.members.len())
    );
    match clash {
        None => Effect {
            says: joins,
            cuts_matches: 0,
        },
        Some((x, y)) => {
            let at_risk = links.iter().filter(|l| l.score.0 >= match_at).count();
            Effect {
                says: format!(
                    "{joins}, but {} and {} are on one page ({}): clustering keeps them apart and cuts links to do so; {at_risk} link(s) of these documents score at or above the match threshold",
                    x.record_id, y.record_id, x.file
                ),
                cuts_matches: at_risk,
            }
        }
    }
}

/// "different" on two records of one document: the link clustering takes last on the path
/// between them is cut, and the document splits there.
fn split<'o>(side: &Side, a: &'o ProvRow, b: &ProvRow, links: &[&'o LinkRow], match_at: f64) -> Effect {
    // Clustering takes links strongest first (ties: in order): the last one taken goes.
    let cut = path(links, &a.record_id, &b.record_id)
        .and_then(|path| (path.into_iter()).min_by(|x, y| x.score.0.total_cmp(&y.score.0).then(y.order.cmp(&x.order))));
    let Some(cut) = cut else {
        return Effect {
            says: format!("takes {} and {} apart within {}", a.record_id, b.record_id, side.id),
            cuts_matches: 0,
        };
    };
    let kept: Vec<&LinkRow> = links.iter().copied().filter(|l| l.order != cut.order).collect();
    let with_a = reach(&kept, &a.record_id).len();
    let with_b = side.members.len() - with_a;
    let strong = cut.score.0 >= match_at;
    let warning = if strong {
        " (at or above the match threshold)"
    } else {
        ""
    };
    Effect {
        says: format!(
            "splits {} ({}): {with_a} stay with {}, {with_b} go with {}; cuts {} ~ {} (score {}){warning}",
            side.id,
            records(side.members.len()),
            a.record_id,
            b.record_id,
            cut.record_a,
            cut.record_b,
            cut.score
        ),
        cuts_matches: usize::from(strong),
    }
}

/// "1 record", "4 records".
fn records(n: usize) -> String {
    match n {
        1 => "1 record".into(),
        n => format!("{n} records"),
    }
}

/// The links on the path from `from` to `to` over `links` (a forest: the links that joined
/// documents), if there is one.
fn path<'l>(links: &[&'l LinkRow], from: &str, to: &str) -> Option<Vec<&'l LinkRow>> {
    let mut next: BTreeMap<&str, Vec<(&str, &'l LinkRow)>> = BTreeMap::new();
    for &l in links {
        next.entry(&l.record_a).or_default().push((&l.record_b, l));
        next.entry(&l.record_b).or_default().push((&l.record_a, l));
    }
    let mut came_by: BTreeMap<&str, Option<(&str, &'l LinkRow)>> = BTreeMap::from([(from, None)]);
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = Vec::new();
            let mut here = to;
            while let Some(Some((prev, l))) = came_by.get(here) {
                path.push(*l);
                here = prev;
            }
            return Some(path);
        }
        for &(n, l) in next.get(at).into_iter().flatten() {
            if !came_by.contains_key(n) {
                came_by.insert(n, Some((at, l)));
                queue.push_back(n);
            }
        }
    }
    None
}

/// The records `from` reaches over `links`, itself among them.
fn reach<'l>(links: &[&'l LinkRow], from: &'l str) -> BTreeSet<&'l str> {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        for l in links {
            let other = match (l.record_a == at, l.record_b == at) {
                (true, _) => l.record_b.as_str(),
                (_, true) => l.record_a.as_str(),
                _ => continue,
            };
            if seen.insert(other) {
                queue.push_back(other);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Fixed;

    fn link(order: u64, a: &str, b: &str, score: f64) -> LinkRow {
        LinkRow {
            order,
            record_a: a.into(),
            record_b: b.into(),
            link: "score".into(),
            score: Fixed(score),
            outcome: "joined".into(),
            canonical_a: "doc-x".into(),
            canonical_b: "doc-x".into(),
            reason: String::new(),
        }
    }

    #[test]
    fn the_path_between_two_records_is_found_over_the_joining_links() {
        let ls = [link(1, "a", "c", 1.0), link(2, "c", "b", 0.95), link(3, "c", "d", 0.92)];
        let refs: Vec<&LinkRow> = ls.iter().collect();
        let p = path(&refs, "a", "b").unwrap();
        let orders: BTreeSet<u64> = p.iter().map(|l| l.order).collect();
        assert_eq!(orders, BTreeSet::from([1, 2]));
        assert!(path(&refs, "a", "z").is_none());
        assert_eq!(reach(&refs[..1], "a"), BTreeSet::from(["a", "c"]));
    }
}
