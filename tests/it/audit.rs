//! Audit (issue 3): explain, the review queue, overrides that persist, `concord review`
//! through a real pseudo-terminal, report.html, and constraint-safe clusters.

use std::collections::BTreeMap;

use crate::workdir::{Workdir, fixture, stderr, stdout};

type Row = BTreeMap<String, String>;

/// A saved page in the "separated" layout holding `records` as (date, title, description).
fn page(records: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("SEARCH RESULTS\n");
    for (i, (date, title, description)) in records.iter().enumerate() {
        if i > 0 {
            s.push_str("-\n");
        }
        s.push_str(&format!("{date}\n{title}\n{description}\n"));
    }
    s
}

fn prov_row<'a>(prov: &'a [Row], id: &str) -> &'a Row {
    prov.iter()
        .find(|r| r["record_id"] == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

fn pair_row<'a>(rows: &'a [Row], x: &str, y: &str) -> &'a Row {
    rows.iter()
        .find(|r| (r["record_a"] == x && r["record_b"] == y) || (r["record_a"] == y && r["record_b"] == x))
        .unwrap_or_else(|| panic!("no row for {x} / {y}"))
}

const MOLOTOV_A: &str = "000_254b8f254631d6fa.txt#1";
const MOLOTOV_B: &str = "003_2fa1fff422d2efeb.txt#9";
/// Two different documents of the seeds: Zhou's cable to Wang Zhen (1949) and Stalin's
/// conversation with Zhou (1952).
const WANG_ZHEN: &str = "000_254b8f254631d6fa.txt#2";
const STALIN_ZHOU: &str = "004_4916f40db4ed2831.txt#3";

fn overrides_toml(entries: &[(&str, &str, &str)]) -> String {
    entries
        .iter()
        .map(|(a, b, d)| {
            format!("[[override]]\na = \"{a}\"\nb = \"{b}\"\ndecision = \"{d}\"\nnote = \"by a test\"\n\n")
        })
        .collect()
}

#[test]
fn explain_shows_the_molotov_letters_sources_similarities_and_decision() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let canonical = &prov_row(&prov, MOLOTOV_A)["canonical_id"];
    let o = w.concord(["explain", "out", canonical.as_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        MOLOTOV_A,
        MOLOTOV_B,
        "\"September 6, 1952\"",
        "\"September 06, 1952\"",
        "title similarity 1.0000, description similarity 1.0000 (full), score 1.0000",
        "block date=1952-09-06",
        "decision match: score 1.0000 >= match threshold 0.90",
        "thresholds: match >= 0.9000, review >= 0.7000",
        "nearest records not merged:",
        // The other Sep 6 1952 record, compared and rejected.
        "003_2fa1fff422d2efeb.txt#10",
        "title similarity 0.3788 < minimum 0.80",
    ] {
        assert!(text.contains(needle), "explain lacks {needle:?}:\n{text}");
    }
    // The same explanation from a member's record id.
    let by_record = w.concord(["explain", "out", MOLOTOV_A]);
    assert_eq!(stdout(&by_record), text);
}

#[test]
fn explain_opens_with_a_sentence_and_takes_an_unambiguous_id_prefix() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    let canonical = prov_row(&prov, MOLOTOV_A)["canonical_id"].clone();
    let whole = stdout(&w.concord(["explain", "out", canonical.as_str()]));
    assert_eq!(
        whole.lines().next(),
        Some("merged 2 records: same title, same day; same description"),
        "{whole}"
    );
    // The shortest prefix that begins no other id gives the same explanation.
    let ids: Vec<String> = w
        .csv("out/canonical.csv")
        .iter()
        .map(|c| c["canonical_id"].clone())
        .collect();
    let unique = (5..canonical.len())
        .map(|n| &canonical[..n])
        .find(|p| ids.iter().filter(|i| i.starts_with(p)).count() == 1)
        .unwrap();
    assert_eq!(stdout(&w.concord(["explain", "out", unique])), whole);
    // A prefix several ids begin: an error naming them, nothing explained.
    let shared = &canonical[..unique.len() - 1];
    let o = w.concord(["explain", "out", shared]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{shared:?} begins ")) && stderr(&o).contains(&canonical),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // A document of one record says so first.
    let single = prov_row(&prov, WANG_ZHEN)["canonical_id"].clone();
    let text = stdout(&w.concord(["explain", "out", single.as_str()]));
    assert!(text.starts_with("not merged: no other record matched it\n"), "{text}");
}

#[test]
fn explain_says_why_two_records_were_never_compared() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let same_page = stdout(&w.concord(["explain", "out", MOLOTOV_A, WANG_ZHEN]));
    assert!(
        same_page.contains("never compared: both are on page 000_254b8f254631d6fa.txt"),
        "{same_page}"
    );
    let other_dates = stdout(&w.concord(["explain", "out", MOLOTOV_A, STALIN_ZHOU]));
    assert!(
        other_dates.contains("never compared: different date blocks (1952-09-06 and 1952-08-20)"),
        "{other_dates}"
    );
    let compared = stdout(&w.concord(["explain", "out", MOLOTOV_B, MOLOTOV_A]));
    assert!(
        compared.contains("compared:") && compared.contains("result: both are in doc-"),
        "{compared}"
    );
    let missing = w.concord(["explain", "out", "doc-000000000000"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no canonical record or record id"),
        "{}",
        stderr(&missing)
    );
}

/// Runs the seeds with `entries` as rules/overrides.toml (picked up by default).
fn seeds_with_overrides(entries: &[(&str, &str, &str)]) -> (Workdir, Vec<Row>) {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "plain", &["-q"]);
    let prov = w.csv("plain/provenance.csv");
    let fp = |id: &str| prov_row(&prov, id)["fingerprint"].clone();
    let named: Vec<(String, String, &str)> = entries.iter().map(|(a, b, d)| (fp(a), fp(b), *d)).collect();
    let refs: Vec<(&str, &str, &str)> = named.iter().map(|(a, b, d)| (a.as_str(), b.as_str(), *d)).collect();
    w.write("rules/overrides.toml", overrides_toml(&refs));
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    (w, prov)
}

#[test]
fn override_different_on_the_molotov_pair_gives_63_records() {
    let (w, _) = seeds_with_overrides(&[(MOLOTOV_A, MOLOTOV_B, "different")]);
    assert_eq!(w.csv("out/canonical.csv").len(), 63);
    let decisions = w.csv("out/decisions.csv");
    let d = pair_row(&decisions, MOLOTOV_A, MOLOTOV_B);
    assert_eq!(d["decision"], "no-match");
    assert_eq!(d["override"], "different");
    assert!(
        d["reason"].starts_with("override different at rules/overrides.toml:2 (by a test)"),
        "{d:?}"
    );
    // The evidence is kept.
    assert_eq!(d["score"], "1.0000");
    // Every other pair is decided by score.
    assert_eq!(decisions.iter().filter(|r| !r["override"].is_empty()).count(), 1);
}

#[test]
fn override_same_on_two_different_documents_gives_61_records() {
    let (w, _) = seeds_with_overrides(&[(WANG_ZHEN, STALIN_ZHOU, "same")]);
    let canonical = w.csv("out/canonical.csv");
    assert_eq!(canonical.len(), 61);
    let decisions = w.csv("out/decisions.csv");
    // Blocking never paired them (different dates): the override added the pair.
    let d = pair_row(&decisions, WANG_ZHEN, STALIN_ZHOU);
    assert_eq!((d["decision"].as_str(), d["override"].as_str()), ("match", "same"));
    assert_eq!(d["block_rule"], "override");
    assert!(d["reason"].contains("by score alone: no-match"), "{d:?}");
    let merged = canonical
        .iter()
        .find(|c| c["record_ids"].contains(WANG_ZHEN))
        .expect("merged row");
    assert_eq!(merged["source_count"], "2");
    assert!(merged["record_ids"].contains(STALIN_ZHOU));
    // explain shows the override as the evidence.
    let text = stdout(&w.concord(["explain", "out", WANG_ZHEN]));
    assert!(
        text.contains("joined (link #1 by override)") && text.contains("[override same]"),
        "{text}"
    );
}

#[test]
fn overrides_survive_renamed_files_and_an_added_page() {
    let (w, _) = seeds_with_overrides(&[(MOLOTOV_A, MOLOTOV_B, "different"), (WANG_ZHEN, STALIN_ZHOU, "same")]);
    // Rename every page and add one: record ids change, fingerprints do not.
    for e in std::fs::read_dir(fixture("pages")).unwrap() {
        let e = e.unwrap();
        let name = format!("renamed-{}", e.file_name().to_string_lossy());
        w.write(&format!("grown/{name}"), std::fs::read(e.path()).unwrap());
    }
    w.write(
        "grown/zz-new.txt",
        std::fs::read(fixture("edge/separated.txt")).unwrap(),
    );
    w.run_ok(&[&w.path("grown")], "grown-out", &["-q"]);
    let decisions = w.csv("grown-out/decisions.csv");
    let overridden: Vec<(&str, &str, &str)> = decisions
        .iter()
        .filter(|r| !r["override"].is_empty())
        .map(|r| (r["record_a"].as_str(), r["record_b"].as_str(), r["override"].as_str()))
        .collect();
    assert_eq!(
        overridden,
        [
            (
                "renamed-000_254b8f254631d6fa.txt#1",
                "renamed-003_2fa1fff422d2efeb.txt#9",
                "different"
            ),
            (
                "renamed-000_254b8f254631d6fa.txt#2",
                "renamed-004_4916f40db4ed2831.txt#3",
                "same"
            ),
        ]
    );
    assert!(
        w.csv("grown-out/warnings.csv")
            .iter()
            .all(|r| !r["message"].contains("override"))
    );
}

#[test]
fn an_override_naming_a_missing_record_is_reported_and_kept() {
    let w = Workdir::new();
    let text = overrides_toml(&[("00000000deadbeef", "04885ddadc6a25e0", "same")]);
    w.write("mine.toml", &text);
    w.run_ok(&[&fixture("pages")], "out", &["-q", "--overrides", "mine.toml"]);
    assert!(
        w.warnings("out")
            .contains("mine.toml:2: override same names a record not in this run: 00000000deadbeef"),
        "{}",
        w.warnings("out")
    );
    let warnings = w.csv("out/warnings.csv");
    assert!(warnings.iter().any(|r| r["file"] == "mine.toml" && r["line"] == "2"));
    let summary = w.csv("out/summary.csv");
    let figure = |name: &str| summary.iter().find(|r| r["name"] == name).unwrap()["value"].clone();
    assert_eq!(
        (figure("overrides not found"), figure("overrides applied")),
        ("1".into(), "0".into())
    );
    assert_eq!(std::fs::read_to_string(w.path("mine.toml")).unwrap(), text);
    assert_eq!(w.csv("out/canonical.csv").len(), 62);
    // An explicit file that does not exist, or a malformed one, stops the run.
    let o = w.concord(["run", "pages", "--overrides", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    w.write(
        "bad.toml",
        "[[override]]\na = \"x\"\nb = \"04885ddadc6a25e0\"\ndecision = \"same\"\n",
    );
    let o = w.concord(["run", fixture("pages").to_str().unwrap(), "--overrides", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.toml") && stderr(&o).contains("line 2"),
        "{}",
        stderr(&o)
    );
}

const YUDIN_DESC: &str = "Mao and Yudin discuss the situation in the Taiwan Strait, the coming Geneva conference, Soviet aid to the first five-year plan";

#[test]
fn a_chain_through_one_page_splits_and_explain_names_the_cut() {
    // A and C are on one page; B (another page) matches both.
    let w = Workdir::new();
    let title = "Memorandum of Conversation between Mao Zedong and Pavel Yudin";
    w.write(
        "chain/p1.txt",
        page(&[
            ("March 3, 1955", title, &format!("{YUDIN_DESC}.")),
            (
                "March 3, 1955",
                "Memorandum of Conversation between Mao Zedong and P. Yudin",
                &format!("{YUDIN_DESC}, and Korean reconstruction."),
            ),
        ]),
    );
    w.write(
        "chain/p2.txt",
        page(&[("March 3, 1955", title, &format!("{YUDIN_DESC}, and Korea."))]),
    );
    w.run_ok(&[&w.path("chain")], "out", &["-q"]);
    let decisions = w.csv("out/decisions.csv");
    // Both links are matches by score...
    assert!(decisions.iter().all(|r| r["decision"] == "match"), "{decisions:?}");
    // ...but only the stronger is taken.
    let canonical = w.csv("out/canonical.csv");
    assert_eq!(canonical.len(), 2);
    let ids: Vec<&str> = canonical.iter().map(|c| c["record_ids"].as_str()).collect();
    assert!(
        ids.contains(&"p1.txt#1;p2.txt#1") && ids.contains(&"p1.txt#2"),
        "{ids:?}"
    );
    let weak = pair_row(&decisions, "p1.txt#2", "p2.txt#1");
    assert!(
        weak["reason"].contains("not joined in clustering: cannot-link"),
        "{weak:?}"
    );
    let text = stdout(&w.concord(["explain", "out", "p1.txt#2", "p2.txt#1"]));
    assert!(
        text.contains("clustering: link #2 by score: cut: cannot-link: it would join two records of page p1.txt"),
        "{text}"
    );
    let text = stdout(&w.concord(["explain", "out", "p2.txt#1"]));
    assert!(
        text.contains("links cut by a constraint:") && text.contains("p1.txt#2 ~ p2.txt#1"),
        "{text}"
    );
}

#[test]
fn an_override_different_splits_a_chain_at_its_weakest_link() {
    // A, B, C on three pages, all matching (B is closest to A); an override keeps A and C apart.
    let w = Workdir::new();
    let title = "Memorandum of Conversation between Mao Zedong and Pavel Yudin";
    let records = [
        (title, format!("{YUDIN_DESC} and Korea.")),
        (title, format!("{YUDIN_DESC} and Korean.")),
        (
            "Memorandum of Conversation, Mao Zedong and P. Yudin",
            format!("{YUDIN_DESC} and Korean."),
        ),
    ];
    for (i, (t, d)) in records.iter().enumerate() {
        w.write(&format!("three/p{i}.txt"), page(&[("March 3, 1955", t, d)]));
    }
    w.run_ok(&[&w.path("three")], "before", &["-q"]);
    assert_eq!(w.csv("before/canonical.csv").len(), 1);
    let prov = w.csv("before/provenance.csv");
    let (a, c) = (
        &prov_row(&prov, "p0.txt#1")["fingerprint"],
        &prov_row(&prov, "p2.txt#1")["fingerprint"],
    );
    w.write("rules/overrides.toml", overrides_toml(&[(a, c, "different")]));
    w.run_ok(&[&w.path("three")], "out", &["-q"]);
    assert_eq!(w.csv("out/canonical.csv").len(), 2);
    let links = w.csv("out/links.csv");
    let cut: Vec<&Row> = links.iter().filter(|l| l["outcome"] == "cut").collect();
    assert_eq!(cut.len(), 1, "{links:?}");
    assert!(cut[0]["reason"].contains("which differ (override different at rules/overrides.toml:2)"));
    // The cut link is the weakest of the two that would join A and C.
    let joined: Vec<f64> = links
        .iter()
        .filter(|l| l["outcome"] == "joined")
        .map(|l| l["score"].parse().unwrap())
        .collect();
    let cut_score: f64 = cut[0]["score"].parse().unwrap();
    assert!(joined.iter().all(|&s| s >= cut_score), "{links:?}");
}

/// Two pages whose same-day records are close enough to be uncertain.
pub fn review_pages(w: &Workdir) {
    w.write(
        "rev/a.txt",
        page(&[
            (
                "April 1, 1956",
                "Letter, Kim Il Sung to Mao Zedong",
                "Kim thanks Mao for the Chinese volunteers and asks for grain.",
            ),
            (
                "May 2, 1957",
                "Cable, Ambassador Yudin to Moscow",
                "Yudin reports a talk with Mao about the Hundred Flowers campaign.",
            ),
            (
                "June 3, 1958",
                "Minutes, Politburo meeting on the Taiwan Strait",
                "The Politburo discusses the shelling of Jinmen and the American response.",
            ),
            (
                "July 4, 1959",
                "Note, Peng Dehuai to Mao Zedong",
                "Peng criticizes the Great Leap Forward and the backyard furnaces.",
            ),
        ]),
    );
    w.write(
        "rev/b.txt",
        page(&[
            (
                "April 1, 1956",
                "Letter, Kim Il Sung to Mao Zedong",
                "Kim thanks Mao for the volunteers and asks China for more rice.",
            ),
            (
                "May 2, 1957",
                "Cable, Ambassador Yudin to Moscow",
                "Yudin reports a conversation with Mao on the Hundred Flowers.",
            ),
            (
                "June 3, 1958",
                "Minutes, Politburo meeting on the Taiwan Strait crisis",
                "The Politburo discusses the shelling of Jinmen island and the response of the United States.",
            ),
            (
                "July 4, 1959",
                "Note, Peng Dehuai to Chairman Mao",
                "Peng writes a letter criticizing the Great Leap Forward.",
            ),
        ]),
    );
}

#[test]
fn review_csv_holds_the_review_band_most_uncertain_first() {
    let w = Workdir::new();
    review_pages(&w);
    let o = w.run_ok(&[&w.path("rev")], "out", &[]);
    let review = w.csv("out/review.csv");
    let decisions = w.csv("out/decisions.csv");
    let in_band = decisions.iter().filter(|r| r["decision"] == "review").count();
    assert_eq!(review.len(), in_band);
    assert_eq!(in_band, 3);
    assert!(stdout(&o).contains("review pairs              3"), "{}", stdout(&o));
    let distances: Vec<f64> = review.iter().map(|r| r["boundary_distance"].parse().unwrap()).collect();
    assert!(distances.windows(2).all(|d| d[0] <= d[1]), "{distances:?}");
    for r in &review {
        let score: f64 = r["score"].parse().unwrap();
        assert!((0.70..0.90).contains(&score));
        assert!((score - 0.80).abs() - r["boundary_distance"].parse::<f64>().unwrap() < 1e-4);
    }
    // Not input order: the 1957 pair (0.8125) is the least certain.
    assert_eq!(
        (review[0]["record_a"].as_str(), review[0]["record_b"].as_str()),
        ("a.txt#2", "b.txt#2")
    );
}

#[test]
fn review_refuses_without_a_terminal() {
    let w = Workdir::new();
    review_pages(&w);
    w.run_ok(&[&w.path("rev")], "out", &["-q"]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["review", "out"])
        .current_dir(w.path(""))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("stdin is not a terminal"), "{}", stderr(&o));
    assert!(!w.path("rules/overrides.toml").exists());
}

#[test]
fn review_through_a_pseudo_terminal_writes_overrides_the_next_run_honours() {
    let w = Workdir::new();
    review_pages(&w);
    w.run_ok(&[&w.path("rev")], "out", &["-q"]);
    assert_eq!(w.csv("out/canonical.csv").len(), 8);

    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.args(["review", "out"]).current_dir(w.path("")).env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    let prompt = "[s/d/k/u/q]> ";
    // Pair 1: the 1957 cables, side by side, differing words marked.
    let shown = p.exp_string(prompt).unwrap();
    assert!(shown.contains("pair 1 of 3"), "{shown}");
    assert!(shown.contains("a.txt#2") && shown.contains("b.txt#2"), "{shown}");
    assert!(shown.contains("[talk]") && shown.contains("[conversation]"), "{shown}");
    p.send_line("d two different cables").unwrap();
    p.exp_string("recorded: different").unwrap();
    // Pair 2 (the 1956 letters): "same", then undo it, then skip it.
    let shown = p.exp_string(prompt).unwrap();
    assert!(shown.contains("pair 2 of 3") && shown.contains("a.txt#1"), "{shown}");
    p.send_line("s").unwrap();
    p.exp_string("recorded: same").unwrap();
    p.exp_string("pair 3 of 3").unwrap();
    p.exp_string(prompt).unwrap();
    p.send_line("u").unwrap();
    p.exp_string("undone").unwrap();
    p.exp_string("pair 2 of 3").unwrap();
    p.exp_string(prompt).unwrap();
    p.send_line("k").unwrap();
    // Pair 3 (the 1958 minutes): same.
    p.exp_string("pair 3 of 3").unwrap();
    p.exp_string(prompt).unwrap();
    p.send_line("same").unwrap();
    p.exp_string("recorded: same").unwrap();
    p.exp_string("2 answer(s) in rules/overrides.toml").unwrap();
    p.exp_eof().unwrap();

    let text = std::fs::read_to_string(w.path("rules/overrides.toml")).unwrap();
    assert_eq!(text.matches("\n[[override]]\n").count(), 2, "{text}");
    assert!(
        text.contains("decision = \"different\"\nnote = \"two different cables\""),
        "{text}"
    );
    assert!(
        text.contains("a_was = \"a.txt#3: Minutes, Politburo meeting on the Taiwan Strait\""),
        "{text}"
    );

    // The next run (default overrides path) honours both answers.
    w.run_ok(&[&w.path("rev")], "again", &["-q"]);
    let decisions = w.csv("again/decisions.csv");
    let d = pair_row(&decisions, "a.txt#2", "b.txt#2");
    assert_eq!(
        (d["decision"].as_str(), d["override"].as_str()),
        ("no-match", "different")
    );
    let d = pair_row(&decisions, "a.txt#3", "b.txt#3");
    assert_eq!((d["decision"].as_str(), d["override"].as_str()), ("match", "same"));
    assert_eq!(w.csv("again/canonical.csv").len(), 7);
    let review = w.csv("again/review.csv");
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["record_a"], "a.txt#1");
}

#[test]
fn report_html_escapes_scraped_text_and_holds_every_section() {
    let w = Workdir::new();
    let evil = (
        "May 1, 1950",
        "Note <script>alert(1)</script> & \"quotes\"",
        "Text <img src=x onerror=alert(2)> here.",
    );
    w.write("x/a.txt", page(&[evil]));
    w.write("x/b.txt", page(&[evil]));
    review_pages(&w);
    w.write("x/rev-a.txt", std::fs::read(w.path("rev/a.txt")).unwrap());
    w.write("x/rev-b.txt", std::fs::read(w.path("rev/b.txt")).unwrap());
    w.write("x/empty.txt", "SEARCH RESULTS\n");
    w.run_ok(&[&w.path("x")], "out", &["-q"]);
    let html = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    assert!(!html.contains("<script"), "raw <script> in report");
    assert!(!html.contains("<img"), "raw <img> in report");
    assert!(html.contains("Note &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    // Self-contained: no external resources (maud writes attributes as name="..."); its
    // links are to its own anchors.
    for needle in [" src=\"", "@import", "url("] {
        assert!(!html.to_lowercase().contains(needle), "report references {needle}");
    }
    assert!(
        html.split(" href=\"").skip(1).all(|h| h.starts_with('#')),
        "a link leaves the report"
    );
    for section in [
        "<h2 id=\"scores\">Pair scores</h2>",
        "<svg",
        "<h2 id=\"clusters\">Merged clusters</h2>",
        "<h2 id=\"review\">Review queue</h2>",
        "<h2 id=\"warnings\">Warnings</h2>",
        "3 pairs in review.",
        "no records found on this page",
    ] {
        assert!(html.contains(section), "report lacks {section:?}");
    }
}

#[test]
fn audit_outputs_are_byte_identical_across_thread_counts() {
    let (w, _) = seeds_with_overrides(&[(WANG_ZHEN, STALIN_ZHOU, "same"), (MOLOTOV_A, MOLOTOV_B, "different")]);
    review_pages(&w);
    let inputs = [fixture("pages"), w.path("rev")];
    let refs: Vec<&std::path::Path> = inputs.iter().map(|p| p.as_path()).collect();
    w.run_ok(&refs, "t1", &["-q", "--threads", "1"]);
    w.run_ok(&refs, "t4", &["-q", "--threads", "4"]);
    for name in ["decisions.csv", "review.csv", "links.csv", "summary.csv", "report.html"] {
        let one = std::fs::read(w.path("t1").join(name)).unwrap();
        assert!(one == std::fs::read(w.path("t4").join(name)).unwrap(), "{name} differs");
    }
}

#[test]
fn conflicting_overrides_keep_the_cannot_link_and_warn() {
    // same(A, B), same(B, C) and different(A, C) cannot all hold: the cannot-link wins.
    let w = Workdir::new();
    let title = "Memorandum of Conversation between Mao Zedong and Pavel Yudin";
    for (i, d) in ["first", "second", "third"].iter().enumerate() {
        w.write(
            &format!("three/p{i}.txt"),
            page(&[("March 3, 1955", title, &format!("{YUDIN_DESC}, {d}."))]),
        );
    }
    w.run_ok(&[&w.path("three")], "before", &["-q"]);
    let prov = w.csv("before/provenance.csv");
    let fp = |id: &str| prov_row(&prov, id)["fingerprint"].clone();
    let (a, b, c) = (fp("p0.txt#1"), fp("p1.txt#1"), fp("p2.txt#1"));
    w.write(
        "rules/overrides.toml",
        overrides_toml(&[(&a, &b, "same"), (&b, &c, "same"), (&a, &c, "different")]),
    );
    w.run_ok(&[&w.path("three")], "out", &["-q"]);
    assert_eq!(w.csv("out/canonical.csv").len(), 2);
    assert!(
        w.warnings("out").contains("was not applied: cannot-link"),
        "{}",
        w.warnings("out")
    );
}

/// Two versions of one letter on page a (the second as page b has it), and page b's: the
/// pair a#1 ~ b#1 waits for review while a#2 ~ b#1 matched. Answering "same" would join
/// a#1 to the document of a#2, a record of its own page.
fn one_page_twice(w: &Workdir) {
    let kim = |desc: &'static str| ("April 1, 1956", "Letter, Kim Il Sung to Mao Zedong", desc);
    let (ours, theirs) = (
        "Kim thanks Mao for the Chinese volunteers and asks for grain.",
        "Kim thanks Mao for the volunteers and asks China for more rice.",
    );
    w.write("twice/a.txt", page(&[kim(ours), kim(theirs)]));
    w.write("twice/b.txt", page(&[kim(theirs)]));
    w.run_ok(&[&w.path("twice")], "out", &["-q"]);
    assert_eq!(w.csv("out/review.csv").len(), 1, "one pair to review");
}

/// `concord review out` in a pseudo-terminal `columns` wide, without colour.
fn review_in_a_terminal(w: &Workdir, columns: u16) -> rexpect::session::PtySession {
    let mut cmd = std::process::Command::new("sh");
    let bin = env!("CARGO_BIN_EXE_concord");
    cmd.args(["-c", &format!("stty cols {columns} rows 50; exec '{bin}' review out")])
        .current_dir(w.path(""))
        .env("NO_COLOR", "1");
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty")
}

#[test]
fn review_shows_both_documents_and_warns_before_and_after_an_answer_that_cuts_matches() {
    let w = Workdir::new();
    one_page_twice(&w);
    let mut p = review_in_a_terminal(&w, 120);
    let shown = p.exp_string("[s/d/k/u/q]> ").unwrap();
    // Both sides' documents, and what each answer moves, before anything is saved.
    assert!(shown.contains("a is in doc-") && shown.contains("(alone)"), "{shown}");
    assert!(
        shown.contains("b is in doc-") && shown.contains("(with a.txt#2)"),
        "{shown}"
    );
    assert!(
        shown.contains("but a.txt#1 and a.txt#2 are on one page (a.txt)")
            && shown.contains("1 link(s) of these documents score at or above the match threshold"),
        "{shown}"
    );
    assert!(shown.contains("if different: nothing moves"), "{shown}");
    p.send_line("s").unwrap();
    p.exp_string("recorded: same").unwrap();
    let after = p.exp_string("answer(s) in").unwrap();
    assert!(
        after.contains("warning: this answer cuts 1 link(s) scoring at or above the match threshold"),
        "{after}"
    );
    p.exp_eof().unwrap();
}

#[test]
fn review_fits_a_narrow_terminal_one_record_above_the_other() {
    let w = Workdir::new();
    one_page_twice(&w);
    let mut p = review_in_a_terminal(&w, 50);
    let shown = p.exp_string("[s/d/k/u/q]> ").unwrap();
    let pair = &shown[shown.find("=== pair").expect("a pair shown")..];
    // The records' view: from the line after "why in review" to the documents' lines (prose
    // lines are left to the terminal to wrap).
    let start = pair.find("why in review").unwrap();
    let view = &pair[start + pair[start..].find('\n').unwrap() + 1..pair.find("a is in doc-").unwrap()];
    assert!(view.contains("record") && view.contains("description"), "{view}");
    for line in view.lines() {
        // The pty writes \r\n.
        let line = line.trim_end_matches('\r');
        assert!(line.chars().count() <= 50, "{} columns: {line:?}", line.chars().count());
    }
    assert!(pair.contains("\n    a: Letter, Kim Il Sung to Mao Zedong"), "{pair}");
    assert!(pair.contains("\n    b: Letter, Kim Il Sung to Mao Zedong"), "{pair}");
    // The words that differ are marked; the titles, alike, are not.
    assert!(pair.contains("[rice.]") && !pair.contains("[Letter,"), "{pair}");
    p.send_line("q").unwrap();
    p.exp_eof().unwrap();
}
