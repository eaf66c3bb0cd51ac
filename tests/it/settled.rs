//! No stage writes back into an earlier stage's values: after `link()` the linkage's pairs are
//! as the overrides stage decided them, and clustering's cut and ambiguous links are joined
//! only when read (`Linkage::settled`), as decisions.csv, review.csv, report.html and the
//! summary show them.

use std::path::Path;

use concord::Rules;
use concord::audit::Settled;
use concord::audit::overrides::Overrides;
use concord::linkage::cluster::{Clustering, CutLink};
use concord::linkage::compare::MatchDecision;
use concord::pipeline::{Linkage, Run, link};

use crate::workdir::{Workdir, page_input, read_csv};

const JOINED: &str = "; not joined in clustering: ";

/// The pages of folder `dir` linked through the library and written into `out`.
fn link_folder(dir: &Path, out: &Path) -> Linkage {
    let rules = Rules::builtin();
    let input = page_input(dir, &rules);
    let overrides = Overrides::default();
    let linkage = link(input, &rules, &overrides).expect("link");
    Run::new(&rules, &overrides).write(&linkage, out).expect("write");
    linkage
}

/// The index in `linkage.pairs` of the pair of records `a` and `b` (either order).
fn pair_index(linkage: &Linkage, a: u32, b: u32) -> usize {
    let (a, b) = (a.min(b), a.max(b));
    linkage
        .pairs
        .iter()
        .position(|s| (s.pair.a, s.pair.b) == (a, b))
        .unwrap_or_else(|| panic!("no pair {a} / {b}"))
}

/// The row of `rows` for records `x` and `y`.
fn row<'a>(
    rows: &'a [std::collections::BTreeMap<String, String>],
    x: &str,
    y: &str,
) -> &'a std::collections::BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["record_a"] == x && r["record_b"] == y)
        .unwrap_or_else(|| panic!("no row for {x} / {y}"))
}

/// Text as maud escapes it into report.html.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const DESC: &str = "Mao and Yudin discuss the situation in the Taiwan Strait, the coming Geneva conference, Soviet aid to the first five-year plan";
const TITLE: &str = "Memorandum of Conversation between Mao Zedong and Pavel Yudin";

/// A and C on one page, B (another page) matching both, A better: clustering cuts the weaker
/// link (B ~ C).
fn chain(w: &Workdir) -> std::path::PathBuf {
    let other = "Memorandum of Conversation between Mao Zedong and P. Yudin";
    w.write(
        "chain/p1.txt",
        format!(
            "SEARCH RESULTS\nMarch 3, 1955\n{TITLE}\n{DESC}.\n-\nMarch 3, 1955\n{other}\n{DESC}, and Korean reconstruction.\n"
        ),
    );
    w.write(
        "chain/p2.txt",
        format!("SEARCH RESULTS\nMarch 3, 1955\n{TITLE}\n{DESC}, and Korea.\n"),
    );
    w.path("chain")
}

/// A and C, the same text on one page, and B (another page) matching both equally:
/// clustering leaves both links ambiguous.
fn ambiguous_pages(w: &Workdir) -> std::path::PathBuf {
    let record = format!("March 3, 1955\n{TITLE}\n{DESC}.\n");
    w.write("twice/p1.txt", format!("SEARCH RESULTS\n{record}-\n{record}"));
    w.write("twice/p2.txt", format!("SEARCH RESULTS\n{record}"));
    w.path("twice")
}

#[test]
fn a_cut_link_keeps_its_compare_reason_in_the_pairs_and_the_outputs_join_why() {
    let w = Workdir::new();
    let linkage = link_folder(&chain(&w), &w.path("out"));
    assert_eq!(linkage.clustering.cut.len(), 1, "{:?}", linkage.clustering.cut);
    let cut = &linkage.clustering.cut[0];
    let i = pair_index(&linkage, cut.link.a, cut.link.b);
    let decided = &linkage.pairs[i];
    // The decided pair is the overrides stage's: a match, its reason the comparison's.
    assert_eq!(decided.decision, MatchDecision::Match);
    assert!(!decided.reason().contains("not joined"), "{}", decided.reason());
    // The join: the reason with clustering's, the decision unchanged.
    let joined = format!("{}{JOINED}{}", decided.reason(), cut.reason);
    assert!(cut.reason.starts_with("cannot-link"), "{}", cut.reason);
    let settled = linkage.settled();
    assert_eq!(settled.reason(i), joined);
    assert_eq!(settled.decision(i), MatchDecision::Match);
    // decisions.csv and the report write the joined outcome.
    let (x, y) = (
        linkage.records[decided.pair.a as usize].id(),
        linkage.records[decided.pair.b as usize].id(),
    );
    let decisions = read_csv(&w.path("out/decisions.csv"));
    let r = row(&decisions, &x, &y);
    assert_eq!(
        (r["decision"].as_str(), r["reason"].as_str()),
        ("match", joined.as_str())
    );
}

#[test]
fn an_ambiguous_link_stays_a_match_in_the_pairs_and_is_reviewed_in_the_outputs() {
    let w = Workdir::new();
    let linkage = link_folder(&ambiguous_pages(&w), &w.path("out"));
    let ambiguous = &linkage.clustering.ambiguous;
    assert_eq!(ambiguous.len(), 2, "{ambiguous:?}");
    let settled = linkage.settled();
    let decisions = read_csv(&w.path("out/decisions.csv"));
    let review = read_csv(&w.path("out/review.csv"));
    let report = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    for amb in ambiguous {
        let i = pair_index(&linkage, amb.link.a, amb.link.b);
        let decided = &linkage.pairs[i];
        assert_eq!(decided.decision, MatchDecision::Match);
        assert!(!decided.reason().contains("not joined"), "{}", decided.reason());
        let joined = format!("{}{JOINED}{}", decided.reason(), amb.reason);
        assert_eq!(settled.decision(i), MatchDecision::Review);
        assert_eq!(settled.reason(i), joined);
        let (x, y) = (
            linkage.records[decided.pair.a as usize].id(),
            linkage.records[decided.pair.b as usize].id(),
        );
        let d = row(&decisions, &x, &y);
        assert_eq!(
            (d["decision"].as_str(), d["reason"].as_str()),
            ("review", joined.as_str())
        );
        assert_eq!(row(&review, &x, &y)["reason"], joined);
        // The report's review table gives the same reason.
        assert!(report.contains(&format!("<td>{}</td>", html(&joined))), "{joined}");
    }
    // The summary counts the final decisions, as decisions.csv writes them.
    let count = |word: &str| decisions.iter().filter(|d| d["decision"] == word).count();
    let decided = |d: MatchDecision| linkage.pairs.iter().filter(|s| s.decision == d).count();
    assert_eq!(linkage.summary.review_pairs, count("review"));
    assert_eq!(linkage.summary.match_pairs, count("match"));
    assert_eq!(
        linkage.summary.review_pairs,
        decided(MatchDecision::Review) + ambiguous.len()
    );
    assert_eq!(
        linkage.summary.match_pairs,
        decided(MatchDecision::Match) - ambiguous.len()
    );
    assert_eq!(review.len(), count("review"));
}

#[test]
fn a_pair_both_cut_and_ambiguous_reads_the_cut_first_and_is_reviewed() {
    // Clustering never does both to one link (ambiguous links are not considered), but the
    // join keeps the order the reasons were appended in before: cut, then ambiguous.
    let w = Workdir::new();
    let linkage = link_folder(&chain(&w), &w.path("out"));
    let i = linkage
        .pairs
        .iter()
        .position(|s| s.decision == MatchDecision::Match)
        .expect("a matched pair");
    let s = &linkage.pairs[i];
    let link = concord::linkage::cluster::Link {
        a: s.pair.a,
        b: s.pair.b,
        score: s.score,
        must: false,
    };
    // A link that is not among the pairs is ignored.
    let stray = concord::linkage::cluster::Link { a: 900, b: 901, ..link };
    let clustering = Clustering {
        cut: vec![CutLink {
            link,
            reason: "first".into(),
        }],
        ambiguous: vec![
            CutLink {
                link: stray,
                reason: "nowhere".into(),
            },
            CutLink {
                link,
                reason: "second".into(),
            },
        ],
        ..Clustering::default()
    };
    let settled = Settled::new(&linkage.pairs, &clustering);
    assert_eq!(settled.reason(i), format!("{}{JOINED}first{JOINED}second", s.reason()));
    assert_eq!(settled.decision(i), MatchDecision::Review);
    let decided = |d: MatchDecision| linkage.pairs.iter().filter(|s| s.decision == d).count();
    assert_eq!(settled.count(MatchDecision::Review), decided(MatchDecision::Review) + 1);
    assert_eq!(settled.count(MatchDecision::Match), decided(MatchDecision::Match) - 1);
    assert_eq!(settled.count(MatchDecision::NoMatch), decided(MatchDecision::NoMatch));
    // Every other pair reads as decided.
    for (j, p) in linkage.pairs.iter().enumerate().filter(|(j, _)| *j != i) {
        assert_eq!((settled.decision(j), settled.reason(j)), (p.decision, p.reason()));
    }
}
