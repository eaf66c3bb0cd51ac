//! Persistent identity (`run --previous`): ids carried over by members across runs, and
//! `ids.csv`, the store of every id issued.

use std::collections::{BTreeMap, BTreeSet};

use crate::workdir::{Workdir, fixture};

type Row = BTreeMap<String, String>;

/// Canonical id -> its member record ids.
fn clusters(w: &Workdir, out: &str) -> BTreeMap<String, BTreeSet<String>> {
    w.csv(&format!("{out}/canonical.csv"))
        .into_iter()
        .map(|r| {
            (
                r["canonical_id"].clone(),
                r["record_ids"].split(';').map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The member sets alone, whatever their ids.
fn partition(c: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<BTreeSet<String>> {
    c.values().cloned().collect()
}

/// changes.csv by canonical id.
fn changes(w: &Workdir, out: &str) -> BTreeMap<String, Row> {
    w.csv(&format!("{out}/changes.csv"))
        .into_iter()
        .map(|r| (r["canonical_id"].clone(), r))
        .collect()
}

fn ids(w: &Workdir, out: &str) -> BTreeMap<String, Row> {
    w.csv(&format!("{out}/ids.csv"))
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect()
}

/// The id of the document holding `record`.
fn id_of(c: &BTreeMap<String, BTreeSet<String>>, record: &str) -> String {
    c.iter()
        .find(|(_, m)| m.contains(record))
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("{record} in no document"))
}

fn page(records: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("Skip to content\n");
    for (date, title, description) in records {
        s.push_str(&format!("{date}\n{title}\n{description}\n"));
    }
    s
}

const LETTER: (&str, &str, &str) = (
    "September 6, 1952",
    "Letter from Zhou Enlai to Molotov",
    "Zhou Enlai asks Molotov about the talks in Moscow.",
);
const CABLE: (&str, &str, &str) = (
    "October 1, 1952",
    "Cable from Mao Zedong to Stalin",
    "Mao Zedong reports on the celebrations of the first of October.",
);

#[test]
fn the_seed_pages_in_two_halves_cluster_as_one_run_and_every_first_id_still_resolves() {
    let w = Workdir::new();
    let all = w.copy_fixtures("pages", "all");
    let names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(&all)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    // Each split: the first k pages, then all of them.
    for k in [1, 3] {
        let half = w.path(&format!("half{k}"));
        std::fs::create_dir_all(&half).unwrap();
        for n in &names[..k] {
            std::fs::copy(all.join(n), half.join(n)).unwrap();
        }
        let out = format!("out{k}");
        w.run_ok(&[&half], &out, &["-q"]);
        let first = clusters(&w, &out);
        let prev = w.path(&out);
        w.run_ok(&[&all], &out, &["-q", "--previous", prev.to_str().unwrap()]);
        let second = clusters(&w, &out);
        w.run_ok(&[&all], "whole", &["-q"]);
        assert_eq!(partition(&second), partition(&clusters(&w, "whole")), "split at {k}");
        let store = ids(&w, &out);
        for (id, members) in &first {
            let row = &store[id];
            assert!(
                second.contains_key(&row["resolves_to"]),
                "{id} resolves to {:?}",
                row["resolves_to"]
            );
            // The seed pages only add records: a document keeps its id when its members stay
            // together.
            let heir = id_of(&second, members.iter().next().unwrap());
            if members.iter().all(|m| second[&heir].contains(m)) && row["status"] == "current" {
                assert_eq!(&heir, id, "split at {k}");
            }
        }
        assert!(store.values().any(|r| r["issued_in"] == "2") || first.len() == second.len());
    }
}

#[test]
fn a_document_keeps_its_id_when_its_content_changes() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER, CABLE]));
    w.write("in/b.txt", page(&[LETTER]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let before = clusters(&w, "out");
    // Re-scraped: the letter's description is fuller on one page now.
    let fuller = (
        LETTER.0,
        LETTER.1,
        "Zhou Enlai asks Molotov about the talks in Moscow and the treaty.",
    );
    w.write("in/b.txt", page(&[fuller]));
    let prev = w.path("out");
    w.run_ok(&[&w.path("in")], "out", &["-q", "--previous", prev.to_str().unwrap()]);
    let after = clusters(&w, "out");
    assert_eq!(id_of(&after, "a.txt#1"), id_of(&before, "a.txt#1"));
    let canonical = w.csv("out/canonical.csv");
    let letter = canonical.iter().find(|r| r["record_ids"].contains("a.txt#1")).unwrap();
    assert!(letter["description"].contains("the treaty"), "{letter:?}");
    let letter = id_of(&after, "a.txt#1");
    let o = w.concord(["explain", w.path("out").to_str().unwrap(), letter.as_str()]);
    let said = crate::workdir::stdout(&o);
    assert!(
        said.contains("issued in run 1; in this run: content changed (description: "),
        "{said}"
    );
    let change = &changes(&w, "out")[&id_of(&after, "a.txt#1")];
    assert_eq!(change["change"], "content changed");
    assert_eq!(
        change["content"],
        format!("description: {:?} -> {:?}", LETTER.2, fuller.2)
    );
    assert_eq!(changes(&w, "out")[&id_of(&after, "a.txt#2")]["change"], "unchanged");
    let warnings = w.csv("out/warnings.csv");
    assert!(
        !warnings.iter().any(|r| r["message"].contains("removed")),
        "a record edited where it stands is not removed: {warnings:?}"
    );
    let store = ids(&w, "out");
    assert_eq!(store.len(), 2, "{store:?}");
    assert!(
        store
            .values()
            .all(|r| r["status"] == "current" && r["issued_in"] == "1")
    );
}

/// Runs the pages of `in` again into `out`, carrying its ids, with a reviewer's overrides.
fn rerun_with_overrides(w: &Workdir, overrides: &std::path::Path) {
    let prev = w.path("out");
    let args = [
        "-q",
        "--previous",
        prev.to_str().unwrap(),
        "--overrides",
        overrides.to_str().unwrap(),
    ];
    w.run_ok(&[&w.path("in")], "out", &args);
}

/// The fingerprints of the records of `out`, by record id.
fn fingerprints(w: &Workdir, out: &str) -> BTreeMap<String, String> {
    w.csv(&format!("{out}/provenance.csv"))
        .into_iter()
        .map(|r| (r["record_id"].clone(), r["fingerprint"].clone()))
        .collect()
}

#[test]
fn a_merge_keeps_the_larger_id_and_retires_the_other_to_it() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER]));
    w.write("in/b.txt", page(&[LETTER]));
    w.write("in/c.txt", page(&[CABLE]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let before = clusters(&w, "out");
    let (letter, cable) = (id_of(&before, "a.txt#1"), id_of(&before, "c.txt#1"));
    assert_ne!(letter, cable);
    let fp = fingerprints(&w, "out");
    // A reviewer says the cable and the letter are one document.
    let overrides = w.write(
        "overrides.toml",
        format!(
            "[[override]]\na = \"{}\"\nb = \"{}\"\ndecision = \"same\"\n",
            fp["b.txt#1"], fp["c.txt#1"]
        ),
    );
    rerun_with_overrides(&w, &overrides);
    let after = clusters(&w, "out");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        id_of(&after, "c.txt#1"),
        letter,
        "the letter had two records, the cable one"
    );
    // explain takes the retired id to the document it resolves to, and says so.
    let o = w.concord(["explain", w.path("out").to_str().unwrap(), cable.as_str()]);
    let said = crate::workdir::stdout(&o);
    assert!(o.status.success(), "{}", crate::workdir::stderr(&o));
    assert!(
        said.starts_with(&format!("{cable} was merged into {letter} in run 2")),
        "{said}"
    );
    assert!(said.contains(&format!("merged into it: {cable} (run 2)")), "{said}");
    let merged = &changes(&w, "out")[&letter];
    // (The cable's longer description is the fullest now: the content changed too.)
    assert_eq!(merged["change"], "merged; content changed");
    let mut both = [letter.as_str(), cable.as_str()];
    both.sort_unstable();
    assert_eq!(merged["old_ids"], both.join(";"));
    assert_eq!(merged["continues"], letter);
    let report = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    assert!(
        report.contains("<h2 id=\"identity\">Identity</h2>"),
        "the report says what became of the ids"
    );
    assert!(
        report.contains(&format!(
            "<td><code>{cable}</code></td><td>merged into <code>{letter}</code>"
        )),
        "{report}"
    );
    let store = ids(&w, "out");
    let retired = &store[&cable];
    assert_eq!(
        (
            retired["resolves_to"].as_str(),
            retired["status"].as_str(),
            retired["retired_in"].as_str()
        ),
        (letter.as_str(), "merged", "2")
    );
}

#[test]
fn a_split_by_an_override_keeps_the_id_on_one_part_and_issues_a_new_one() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER, CABLE]));
    w.write("in/b.txt", page(&[LETTER]));
    w.write("in/c.txt", page(&[LETTER]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let before = clusters(&w, "out");
    let letter = id_of(&before, "a.txt#1");
    assert_eq!(before[&letter].len(), 3);
    let fp = fingerprints(&w, "out");
    // Identical records share a fingerprint: a = b keeps every copy apart.
    let overrides = w.write(
        "overrides.toml",
        format!(
            "[[override]]\na = \"{0}\"\nb = \"{0}\"\ndecision = \"different\"\n",
            fp["a.txt#1"]
        ),
    );
    rerun_with_overrides(&w, &overrides);
    let after = clusters(&w, "out");
    let parts: Vec<String> = ["a.txt#1", "b.txt#1", "c.txt#1"]
        .iter()
        .map(|r| id_of(&after, r))
        .collect();
    let distinct: BTreeSet<&String> = parts.iter().collect();
    assert_eq!(distinct.len(), 3, "{after:?}");
    assert_eq!(
        parts.iter().filter(|p| **p == letter).count(),
        1,
        "one part keeps {letter}: {parts:?}"
    );
    let store = ids(&w, "out");
    for p in parts.iter().filter(|p| **p != letter) {
        assert_eq!(store[p]["issued_in"], "2", "{p}");
        assert!(p.starts_with(&letter), "a new id of the same content is numbered: {p}");
    }
    assert_eq!(store[&letter]["status"], "current");
    let rows = changes(&w, "out");
    assert_eq!(
        rows[&letter]["continues"], letter,
        "changes.csv follows the id ids.csv kept"
    );
    for p in &parts {
        assert!(rows[p]["change"].contains("split"), "{:?}", rows[p]);
        assert!(
            rows[p]["split_from"].starts_with(&format!("{letter} (also in: ")),
            "{:?}",
            rows[p]
        );
    }
}

#[test]
fn a_document_whose_records_are_gone_is_removed_and_its_id_never_reissued() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER, CABLE]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let cable = id_of(&clusters(&w, "out"), "a.txt#2");
    // Re-scraped without the cable.
    w.write("in/a.txt", page(&[LETTER]));
    let prev = w.path("out");
    w.run_ok(&[&w.path("in")], "out", &["-q", "--previous", prev.to_str().unwrap()]);
    let store = ids(&w, "out");
    assert_eq!(
        (store[&cable]["status"].as_str(), store[&cable]["resolves_to"].as_str()),
        ("removed", "")
    );
    let o = w.concord(["explain", prev.to_str().unwrap(), cable.as_str()]);
    assert!(
        crate::workdir::stderr(&o).contains("was removed in run 2"),
        "{}",
        crate::workdir::stderr(&o)
    );
    // The cable comes back on a page of its own: its content id is taken, so it is numbered.
    w.write("in/z.txt", page(&[CABLE]));
    let prev = w.path("out");
    w.run_ok(&[&w.path("in")], "out", &["-q", "--previous", prev.to_str().unwrap()]);
    let back = id_of(&clusters(&w, "out"), "z.txt#1");
    assert_eq!(back, format!("{cable}-2"));
    let store = ids(&w, "out");
    assert_eq!(store[&back]["issued_in"], "3");
    assert_eq!(store[&cable]["retired_in"], "2");
}

#[test]
fn a_run_without_previous_writes_every_id_as_issued_in_run_one() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let c = clusters(&w, "out");
    let store = ids(&w, "out");
    assert_eq!(store.keys().collect::<BTreeSet<_>>(), c.keys().collect::<BTreeSet<_>>());
    assert!(
        store
            .values()
            .all(|r| r["issued_in"] == "1" && r["retired_in"].is_empty() && r["resolves_to"] == r["id"])
    );
    let rows = changes(&w, "out");
    assert_eq!(rows.keys().collect::<BTreeSet<_>>(), c.keys().collect::<BTreeSet<_>>());
    assert!(
        rows.values().all(|r| r["change"] == "created"),
        "a first run creates every document"
    );
}

/// The canonical rows of `out` with their ids taken out: (members, date, title, description).
fn documents(w: &Workdir, out: &str) -> BTreeSet<(String, String, String, String)> {
    w.csv(&format!("{out}/canonical.csv"))
        .into_iter()
        .map(|r| {
            let mut members: Vec<&str> = r["record_ids"].split(';').collect();
            members.sort_unstable();
            (
                members.join(";"),
                r["date"].clone(),
                r["title"].clone(),
                r["description"].clone(),
            )
        })
        .collect()
}

/// Runs `first` pages, then only `second` pages with `--previous`, and the union at once:
/// the incremental run must give the documents of the full one.
fn incremental_equals_full(w: &Workdir, pages: &std::path::Path, first: &[String], second: &[String]) {
    let copy = |names: &[String], to: &str| {
        let dir = w.path(to);
        std::fs::create_dir_all(&dir).unwrap();
        for n in names {
            let target = dir.join(n);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(pages.join(n), target).unwrap();
        }
        dir
    };
    let (a, b) = (copy(first, "first"), copy(second, "second"));
    w.run_ok(&[&a], "inc", &["-q"]);
    let before = clusters(w, "inc");
    let prev = w.path("inc");
    w.run_ok(&[&b], "inc", &["-q", "--previous", prev.to_str().unwrap()]);
    let mut all: Vec<String> = first.iter().chain(second).cloned().collect();
    all.sort();
    all.dedup();
    let whole = copy(&all, "whole");
    w.run_ok(&[&whole], "full", &["-q"]);
    assert_eq!(
        documents(w, "inc"),
        documents(w, "full"),
        "first {first:?}, second {second:?}"
    );
    let store = ids(w, "inc");
    let now = clusters(w, "inc");
    for id in before.keys() {
        assert!(now.contains_key(&store[id]["resolves_to"]), "{id} no longer resolves");
    }
    for dir in ["first", "second", "whole"] {
        std::fs::remove_dir_all(w.path(dir)).unwrap();
    }
}

fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = walk(dir, dir);
    names.sort();
    names
}

fn walk(root: &std::path::Path, dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            match p.is_dir() {
                true => walk(root, &p),
                false => vec![p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/")],
            }
        })
        .collect()
}

#[test]
fn the_seed_pages_added_in_a_second_run_link_as_one_run_does() {
    let w = Workdir::new();
    let pages = crate::workdir::fixture("pages");
    let names = file_names(&pages);
    incremental_equals_full(&w, &pages, &names[..2], &names[2..]);
    incremental_equals_full(&w, &pages, &names[3..], &names[..3]);
}

#[test]
fn incremental_runs_equal_full_runs_on_random_splits_of_generated_scrapes() {
    use rand::{RngExt, SeedableRng};
    let w = Workdir::new();
    for seed in 1..=3u64 {
        let scrape = w.path(&format!("synth{seed}"));
        let o = w.concord([
            "synth",
            "--records",
            "400",
            "--seed",
            &seed.to_string(),
            "--realistic",
            "--out",
            scrape.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", crate::workdir::stderr(&o));
        let pages = scrape.join("pages");
        let names = file_names(&pages);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for n in names {
            match rng.random_bool(0.5) {
                true => first.push(n),
                false => second.push(n),
            }
        }
        if first.is_empty() || second.is_empty() {
            continue;
        }
        incremental_equals_full(&w, &pages, &first, &second);
    }
}

#[test]
fn a_page_scraped_again_without_a_record_reports_it_removed() {
    let w = Workdir::new();
    let middle = (
        "September 20, 1952",
        "Minutes of a meeting of the Politburo",
        "The Politburo discusses the harvest of the year in detail.",
    );
    w.write("in/a.txt", page(&[LETTER, middle, CABLE]));
    w.write("in/b.txt", page(&[CABLE]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let before = clusters(&w, "out");
    let (minutes, cable) = (id_of(&before, "a.txt#2"), id_of(&before, "a.txt#3"));
    // Only the page scraped again is given: the cable is now its second record.
    w.write("again/a.txt", page(&[LETTER, CABLE]));
    let prev = w.path("out");
    w.run_ok(
        &[&w.path("again")],
        "out",
        &["-q", "--previous", prev.to_str().unwrap()],
    );
    let after = clusters(&w, "out");
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        id_of(&after, "a.txt#2"),
        cable,
        "the cable keeps its id at its new position"
    );
    assert_eq!(
        after[&cable],
        BTreeSet::from(["a.txt#2".to_string(), "b.txt#1".to_string()])
    );
    let store = ids(&w, "out");
    assert_eq!(store[&minutes]["status"], "removed");
    let gone = &changes(&w, "out")[&minutes];
    assert_eq!(
        (gone["change"].as_str(), gone["lost_records"].as_str()),
        ("removed", "a.txt#2 (previous run)")
    );
    assert_eq!(changes(&w, "out")[&cable]["change"], "unchanged", "moved, not changed");
    let warnings = w.csv("out/warnings.csv");
    assert!(
        warnings.iter().any(|r| r["file"] == "a.txt"
            && r["message"].contains("record a.txt#2 of the previous run")
            && r["message"].contains("Minutes of a meeting of the Politburo")
            && r["message"].contains("removed")),
        "{warnings:?}"
    );
}

/// Runs `again` (pages: name -> records) with `--previous out` into `out`.
fn rerun(w: &Workdir, again: &[(&str, String)]) {
    let dir = w.path("again");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in again {
        w.write(&format!("again/{name}"), text);
    }
    let prev = w.path("out");
    w.run_ok(&[&dir], "out", &["-q", "--previous", prev.to_str().unwrap()]);
}

#[test]
fn another_record_in_a_records_place_is_not_an_edit_of_it() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let letter = id_of(&clusters(&w, "out"), "a.txt#1");
    let fisheries = (
        "March 3, 1960",
        "An unrelated memorandum on fisheries",
        "The ministry reports on the catch of the year.",
    );
    rerun(&w, &[("a.txt", page(&[fisheries]))]);
    let after = clusters(&w, "out");
    assert_ne!(
        id_of(&after, "a.txt#1"),
        letter,
        "the memorandum does not take the letter's id"
    );
    assert_eq!(ids(&w, "out")[&letter]["status"], "removed");
    assert_eq!(changes(&w, "out")[&id_of(&after, "a.txt#1")]["change"], "created");
    let warnings = w.csv("out/warnings.csv");
    assert!(
        warnings
            .iter()
            .any(|r| r["message"].contains("Letter from Zhou Enlai to Molotov")),
        "{warnings:?}"
    );
}

#[test]
fn an_edited_record_keeps_its_id_when_a_record_above_it_is_gone() {
    let w = Workdir::new();
    let minutes = (
        "September 20, 1952",
        "Minutes of a meeting of the Politburo",
        "The Politburo discusses the harvest of the year in detail.",
    );
    w.write("in/a.txt", page(&[minutes, LETTER, CABLE]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let cable = id_of(&clusters(&w, "out"), "a.txt#3");
    // The minutes are gone and the cable's title misspelling is fixed: it stands at #2 now.
    let fixed = (CABLE.0, "Cable from Mao Zedong to I.V. Stalin", CABLE.2);
    rerun(&w, &[("a.txt", page(&[LETTER, fixed]))]);
    let after = clusters(&w, "out");
    assert_eq!(id_of(&after, "a.txt#2"), cable);
    let row = &changes(&w, "out")[&cable];
    assert_eq!(row["change"], "content changed", "{row:?}");
    let warnings = w.csv("out/warnings.csv");
    let removed: Vec<&Row> = warnings.iter().filter(|r| r["message"].contains("removed")).collect();
    assert_eq!(removed.len(), 1, "only the minutes are removed: {removed:?}");
    assert!(removed[0]["message"].contains("Minutes of a meeting"));
}

#[test]
fn a_page_scraped_again_with_no_record_left_removes_its_records() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER]));
    w.write("in/b.txt", page(&[CABLE]));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let cable = id_of(&clusters(&w, "out"), "b.txt#1");
    rerun(&w, &[("b.txt", "Skip to content\nNo results\n".to_string())]);
    let after = clusters(&w, "out");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(ids(&w, "out")[&cable]["status"], "removed");
}

#[test]
fn a_previous_run_of_another_kind_is_refused() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER]));
    w.run_ok(&[&w.path("in")], "pages", &["-q"]);
    let table_rules = crate::workdir::root().join("rules/person.toml");
    let febrl = crate::workdir::fixture("febrl/febrl1_sample.csv");
    w.run_ok(&[&febrl], "table", &["-q", "--rules", table_rules.to_str().unwrap()]);
    let o = w.concord([
        "run",
        w.path("in").to_str().unwrap(),
        "--out",
        w.path("x").to_str().unwrap(),
        "--previous",
        w.path("table").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", crate::workdir::stderr(&o));
    assert!(
        crate::workdir::stderr(&o).contains("--previous names a table run of fields"),
        "{}",
        crate::workdir::stderr(&o)
    );
    let o = w.concord([
        "run",
        febrl.to_str().unwrap(),
        "--rules",
        table_rules.to_str().unwrap(),
        "--out",
        w.path("y").to_str().unwrap(),
        "--previous",
        w.path("pages").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", crate::workdir::stderr(&o));
    assert!(
        crate::workdir::stderr(&o).contains("--previous names a run of pages"),
        "{}",
        crate::workdir::stderr(&o)
    );
}

#[test]
fn a_run_into_a_folder_of_ids_without_previous_says_it_starts_them_afresh() {
    let w = Workdir::new();
    w.write("in/a.txt", page(&[LETTER]));
    let o = w.run_ok(&[&w.path("in")], "out", &["-q"]);
    assert!(!crate::workdir::stderr(&o).contains("afresh"));
    let o = w.run_ok(&[&w.path("in")], "out", &["-q"]);
    assert!(
        crate::workdir::stderr(&o).contains("note:")
            && crate::workdir::stderr(&o).contains("without --previous this run issues its ids afresh"),
        "{}",
        crate::workdir::stderr(&o)
    );
    assert!(w.csv("out/warnings.csv").is_empty(), "a note, not a warning of the run");
    let prev = w.path("out");
    let o = w.run_ok(&[&w.path("in")], "out", &["-q", "--previous", prev.to_str().unwrap()]);
    assert!(!crate::workdir::stderr(&o).contains("afresh"));
}
