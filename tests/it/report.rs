//! `report.html` as a page to read (issue 14, point 2): contents and anchors, every link
//! reaching its target, the merged clusters riskiest first, and a review table that shows
//! both records' fields with the differing words marked. Checked on a synthetic scrape
//! against the run's own CSV outputs.

use std::collections::{BTreeMap, BTreeSet};

use crate::workdir::Workdir;

/// A 1,500-record synthetic scrape run into `out`; the report's text.
fn synth_report(w: &Workdir) -> String {
    let o = w.concord(["synth", "--records", "1500", "--seed", "5", "--out", "s", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    w.run_ok(&[&w.path("s/pages")], "out", &["-q"]);
    std::fs::read_to_string(w.path("out/report.html")).unwrap()
}

/// The values of attribute `name` in `html`, in order (maud writes `name="value"`).
fn attributes<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let needle = format!(" {name}=\"");
    html.split(needle.as_str())
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// Text as maud escapes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn every_link_of_the_report_reaches_an_anchor_in_it() {
    let w = Workdir::new();
    let html = synth_report(&w);
    let ids: BTreeSet<&str> = attributes(&html, "id").into_iter().collect();
    let hrefs = attributes(&html, "href");
    for href in &hrefs {
        let target = href.strip_prefix('#').expect("a link within the report");
        assert!(ids.contains(target), "#{target} is linked but not in the report");
    }
    // The contents reach every section; clusters link to themselves; review and cut-link
    // records link to their clusters.
    for section in [
        "figures",
        "scores",
        "documents",
        "clusters",
        "cut-links",
        "overrides",
        "review",
        "warnings",
    ] {
        assert!(hrefs.contains(&format!("#{section}").as_str()), "no link to #{section}");
        assert!(ids.contains(section), "no section #{section}");
    }
    let review = &html[html.find("<h2 id=\"review\"").unwrap()..];
    assert!(
        attributes(review, "href").iter().any(|h| h.starts_with("#c-")),
        "review rows link no cluster"
    );
    // Every merged cluster (fewer than the 500 shown) has its anchor; every pair of its
    // links too.
    let canonical = w.csv("out/canonical.csv");
    let merged: Vec<&str> = (canonical.iter())
        .filter(|c| c["source_count"] != "1")
        .map(|c| c["canonical_id"].as_str())
        .collect();
    assert!(merged.len() > 50 && merged.len() < 500, "{} merged", merged.len());
    for id in merged {
        assert!(ids.contains(format!("c-{id}").as_str()), "cluster {id} has no anchor");
    }
    assert!(ids.iter().any(|i| i.starts_with("p-")), "no pair anchors");
}

#[test]
fn merged_clusters_come_riskiest_first() {
    let w = Workdir::new();
    let html = synth_report(&w);
    // From the CSVs: each merged cluster's weakest joining link, whether a joining link had
    // no description to compare (title only), and its sources.
    let decisions = w.csv("out/decisions.csv");
    let title_only: BTreeSet<(&str, &str)> = (decisions.iter())
        .filter(|d| d["description_similarity"].is_empty())
        .map(|d| (d["record_a"].as_str(), d["record_b"].as_str()))
        .collect();
    let links = w.csv("out/links.csv");
    let mut risk: BTreeMap<&str, (f64, bool)> = BTreeMap::new();
    for l in links.iter().filter(|l| l["outcome"] == "joined") {
        let r = risk.entry(l["canonical_a"].as_str()).or_insert((1.0, false));
        r.0 = r.0.min(l["score"].parse::<f64>().unwrap());
        r.1 |= title_only.contains(&(l["record_a"].as_str(), l["record_b"].as_str()));
    }
    let canonical = w.csv("out/canonical.csv");
    let sources: BTreeMap<&str, usize> = (canonical.iter())
        .map(|c| (c["canonical_id"].as_str(), c["source_count"].parse().unwrap()))
        .collect();
    let shown: Vec<&str> = (attributes(&html, "id").into_iter())
        .filter_map(|i| i.strip_prefix("c-"))
        .collect();
    assert_eq!(
        shown.len(),
        risk.len().min(500),
        "every merged cluster shown once (500 at most)"
    );
    let keys: Vec<(f64, bool, usize)> = shown.iter().map(|id| (risk[id].0, risk[id].1, sources[id])).collect();
    for (k, pair) in keys.windows(2).enumerate() {
        let ((w0, t0, s0), (w1, t1, s1)) = (pair[0], pair[1]);
        assert!(
            w0 <= w1,
            "cluster {} (weakest {w0}) before {} (weakest {w1})",
            shown[k],
            shown[k + 1]
        );
        // Scores are written with four decimals: the tie-breaks are checked where the
        // written weakest links are equal at 1.0000, which is exact.
        if w0 == 1.0 && w1 == 1.0 {
            assert!(
                t0 >= t1,
                "{} (title only {t0}) before {} ({t1})",
                shown[k],
                shown[k + 1]
            );
            assert!(
                t0 != t1 || s0 >= s1,
                "{} ({s0} sources) before {} ({s1})",
                shown[k],
                shown[k + 1]
            );
        }
    }
    assert!(keys.first().unwrap().0 < 1.0, "the riskiest cluster comes first");
}

#[test]
fn the_review_table_shows_both_records_fields_and_marks_the_words_that_differ() {
    let w = Workdir::new();
    let html = synth_report(&w);
    let review = w.csv("out/review.csv");
    let provenance = w.csv("out/provenance.csv");
    let record = |id: &str| provenance.iter().find(|r| r["record_id"] == id).unwrap().clone();
    assert!(review.len() >= 5, "{} review pairs", review.len());
    for (n, row) in review.iter().enumerate().take(5) {
        let start = html
            .find(&format!("<tr id=\"rv-{}\">", n + 1))
            .expect("review row anchor");
        let tr = &html[start..start + html[start..].find("</tr>").unwrap()];
        for side in ["record_a", "record_b"] {
            let r = record(&row[side]);
            assert!(tr.contains(&escaped(&r["record_id"])), "{tr}");
            for field in ["raw_date", "title", "description"] {
                // Each word as written, whether marked or not.
                for word in r[field].split_whitespace() {
                    assert!(
                        tr.contains(&escaped(word)),
                        "{field} word {word:?} of {} missing: {tr}",
                        r["record_id"]
                    );
                }
            }
        }
        if row["title_a"] != row["title_b"] && row["title_similarity"] != "1.0000" {
            assert!(tr.contains("<mark>"), "titles differ and nothing is marked: {tr}");
        }
    }
}

#[test]
fn the_review_queue_puts_the_pairs_a_rule_held_back_first_where_the_missed_duplicates_are() {
    let w = Workdir::new();
    let o = w.concord([
        "synth",
        "--records",
        "3000",
        "--seed",
        "1",
        "--realistic",
        "--out",
        "s",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    w.run_ok(&[&w.path("s/pages")], "out", &["-q"]);
    let truth: BTreeMap<String, String> = (crate::workdir::read_csv(&w.path("s/truth.csv")).into_iter())
        .map(|r| (r["record_id"].clone(), r["entity_id"].clone()))
        .collect();
    let review = w.csv("out/review.csv");
    let score = |r: &BTreeMap<String, String>| r["score"].parse::<f64>().unwrap();
    // Pairs scored at the match threshold or above come first; then the band, most uncertain
    // first.
    let held = review.iter().take_while(|r| score(r) >= 0.9).count();
    assert!(held > 0 && held < review.len(), "{held} of {}", review.len());
    assert!(
        review[held..].iter().all(|r| score(r) < 0.9),
        "a held pair after the band"
    );
    let distances: Vec<f64> = review[held..]
        .iter()
        .map(|r| r["boundary_distance"].parse().unwrap())
        .collect();
    assert!(distances.windows(2).all(|d| d[0] <= d[1]), "{distances:?}");
    // Those held pairs are where the duplicates left in review are: a reviewer answering the
    // first of the queue finds them, not at its end.
    let same = |r: &BTreeMap<String, String>| truth[&r["record_a"]] == truth[&r["record_b"]];
    let (first, rest) = (
        review[..held].iter().filter(|r| same(r)).count(),
        review[held..].iter().filter(|r| same(r)).count(),
    );
    assert!(
        first > 0 && first > rest,
        "duplicates: {first} among the held pairs, {rest} after"
    );
}
