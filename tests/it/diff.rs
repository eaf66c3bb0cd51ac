//! `concord diff OLD_OUT NEW_OUT`: runs on parts of the seed pages, on the whole, with and
//! without an override, and on a page fixed between runs, each diffed. What the diff must say
//! is worked out here from the two runs' provenance.csv (and canonical.csv) alone, with set
//! arithmetic of its own, never by the library's lineage code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::workdir::{Workdir, fixture, read_csv, root, stderr, stdout};

/// The seed pages, in name order.
fn seed_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(fixture("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages
}

/// Copies seed pages number `which` into folder `rel` (same file names, hence same record ids).
fn some_pages(w: &Workdir, rel: &str, which: &[usize]) -> PathBuf {
    let dest = w.path(rel);
    std::fs::create_dir_all(&dest).unwrap();
    let pages = seed_pages();
    for &i in which {
        std::fs::copy(&pages[i], dest.join(pages[i].file_name().unwrap())).unwrap();
    }
    dest
}

/// One run's documents as provenance.csv has them: canonical id -> record ids.
struct Run {
    docs: BTreeMap<String, BTreeSet<String>>,
    owner: BTreeMap<String, String>,
}

fn read_run(w: &Workdir, out: &str) -> Run {
    let mut run = Run {
        docs: BTreeMap::new(),
        owner: BTreeMap::new(),
    };
    for row in w.csv(&format!("{out}/provenance.csv")) {
        let (doc, record) = (row["canonical_id"].clone(), row["record_id"].clone());
        run.docs.entry(doc.clone()).or_default().insert(record.clone());
        run.owner.insert(record, doc);
    }
    run
}

impl Run {
    /// The documents of this run holding a record of `records`.
    fn docs_of<'a>(&self, records: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
        records.into_iter().filter_map(|r| self.owner.get(r).cloned()).collect()
    }

    fn records(&self) -> BTreeSet<String> {
        self.owner.keys().cloned().collect()
    }
}

/// `concord diff OLD NEW` as text and as JSON; both exit 0, and their counts agree.
fn diff(w: &Workdir, old: &str, new: &str) -> (String, Value) {
    let (old, new) = (w.path(old), w.path(new));
    let text = w.concord([Path::new("diff"), &old, &new]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let json = w.concord([Path::new("diff"), &old, &new, Path::new("--json")]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let json: Value = serde_json::from_slice(&json.stdout).expect("diff --json prints JSON");
    let text = stdout(&text);
    assert_eq!(text_counts(&text), json_counts(&json), "{text}");
    (text, json)
}

/// The text's counts, by the JSON's names.
fn text_counts(text: &str) -> BTreeMap<String, u64> {
    let names = [
        ("documents created", "created"),
        ("documents merged", "merged"),
        ("documents split", "split"),
        ("gained sources", "gained"),
        ("lost sources", "lost"),
        ("content changed", "content_changed"),
        ("documents removed", "removed"),
        ("documents unchanged", "unchanged"),
        ("records added", "records_added"),
        ("records removed", "records_removed"),
    ];
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        for (label, name) in names {
            let Some(rest) = line.strip_prefix(label) else { continue };
            if let Ok(n) = rest.trim().parse() {
                counts.insert(name.to_string(), n);
            }
        }
    }
    assert_eq!(counts.len(), names.len(), "every count printed: {text}");
    counts
}

fn json_counts(json: &Value) -> BTreeMap<String, u64> {
    let all = json["counts"].as_object().expect("counts");
    let kept = all
        .iter()
        .filter(|(k, _)| !k.starts_with("old_") && !k.starts_with("new_"));
    kept.map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

/// A JSON list of strings.
fn strings(v: &Value) -> BTreeSet<String> {
    let list = v.as_array().unwrap_or_else(|| panic!("not a list: {v}"));
    list.iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// The JSON changes carrying `kind`, by their id (the new one; a removed document's old one).
fn changes<'a>(json: &'a Value, kind: &str) -> BTreeMap<String, &'a Value> {
    let list = json["changes"].as_array().expect("changes");
    let with = list
        .iter()
        .filter(|c| c["kinds"].as_array().unwrap().iter().any(|k| k == kind));
    with.map(|c| {
        let id = c["new_id"].as_str().or(c["old_ids"][0].as_str()).unwrap();
        (id.to_string(), c)
    })
    .collect()
}

fn count(json: &Value, name: &str) -> u64 {
    json["counts"][name].as_u64().unwrap()
}

#[test]
fn three_pages_then_five_lists_the_documents_the_two_pages_created_and_joined() {
    let w = Workdir::new();
    w.run_ok(&[&some_pages(&w, "part", &[0, 1, 2])], "old", &[]);
    w.run_ok(&[&fixture("pages")], "new", &[]);
    let (old, new) = (read_run(&w, "old"), read_run(&w, "new"));
    let added: BTreeSet<String> = new.records().difference(&old.records()).cloned().collect();
    // Adding pages only adds records: every old document lies whole in one new document.
    for members in old.docs.values() {
        assert_eq!(new.docs_of(members).len(), 1);
    }
    let mut created = BTreeSet::new();
    let mut gained = BTreeMap::new();
    for (id, members) in &new.docs {
        let fresh: BTreeSet<String> = members.intersection(&added).cloned().collect();
        match (old.docs_of(members).len(), fresh.is_empty()) {
            (0, _) => drop(created.insert(id.clone())),
            (1, false) => drop(gained.insert(id.clone(), fresh)),
            (1, true) => {}
            (n, _) => panic!("{id} joins {n} old documents"),
        }
    }
    assert!(!created.is_empty() && !gained.is_empty(), "the split shows both");

    let (text, json) = diff(&w, "old", "new");
    let listed: BTreeSet<String> = changes(&json, "created").into_keys().collect();
    assert_eq!(listed, created);
    let listed: BTreeMap<String, BTreeSet<String>> = (changes(&json, "gained").into_iter())
        .map(|(id, c)| (id, strings(&c["gained"])))
        .collect();
    assert_eq!(listed, gained);
    assert_eq!(strings(&json["records_added"]), added);
    assert!(strings(&json["records_removed"]).is_empty());
    let others = ["merged", "split", "lost", "removed"];
    assert!(others.iter().all(|k| count(&json, k) == 0), "{text}");
    // The seed pages' copies agree on their content: joining changed none.
    assert_eq!(count(&json, "content_changed"), 0);
    let unchanged = new.docs.len() - created.len() - gained.len();
    assert_eq!(count(&json, "unchanged"), unchanged as u64);
    assert_eq!(json["changes"].as_array().unwrap().len(), created.len() + gained.len());
    // The text names each change with its records.
    for (id, records) in &gained {
        let block = text.split(&format!("\n{id}  ")).nth(1).expect("a block per change");
        assert!(block.starts_with("gained sources\n"), "{block}");
        assert!(records.iter().all(|r| block.contains(r.as_str())), "{block}");
    }
    assert!(created.iter().all(|id| text.contains(&format!("\n{id}  created\n"))));
}

#[test]
fn five_pages_then_three_lists_removed_documents_and_lost_sources() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "old", &[]);
    w.run_ok(&[&some_pages(&w, "part", &[0, 1, 2])], "new", &[]);
    let (old, new) = (read_run(&w, "old"), read_run(&w, "new"));
    let gone: BTreeSet<String> = old.records().difference(&new.records()).cloned().collect();
    let mut removed = BTreeMap::new();
    let mut lost = BTreeMap::new();
    for (id, members) in &old.docs {
        let left = new.docs_of(members);
        let missing: BTreeSet<String> = members.intersection(&gone).cloned().collect();
        match left.len() {
            0 => drop(removed.insert(id.clone(), members.clone())),
            1 if !missing.is_empty() => drop(lost.insert(left.into_iter().next().unwrap(), missing)),
            1 => {}
            n => panic!("{id} now lies in {n} documents"),
        }
    }
    assert!(!removed.is_empty() && !lost.is_empty(), "the split shows both");

    let (text, json) = diff(&w, "old", "new");
    let listed: BTreeMap<String, BTreeSet<String>> = (changes(&json, "removed").into_iter())
        .map(|(id, c)| (id, strings(&c["records"])))
        .collect();
    assert_eq!(listed, removed);
    let listed: BTreeMap<String, BTreeSet<String>> = (changes(&json, "lost").into_iter())
        .map(|(id, c)| (id, strings(&c["lost"])))
        .collect();
    assert_eq!(listed, lost);
    assert_eq!(strings(&json["records_removed"]), gone);
    let others = ["created", "merged", "split", "gained", "content_changed"];
    assert!(others.iter().all(|k| count(&json, k) == 0), "{text}");
    assert!(
        removed.keys().all(|id| text.contains(&format!("\n{id}  removed\n"))),
        "{text}"
    );
}

/// An override that keeps the two identical copies of the Sep 6 1952 Molotov letter apart.
const SPLIT_MOLOTOV: &str = r#"
[[override]]
a = "04885ddadc6a25e0"
b = "04885ddadc6a25e0"
decision = "different"
"#;

#[test]
fn an_override_splits_a_document_and_dropping_it_merges_it_again() {
    let w = Workdir::new();
    let overrides = w.write("split.toml", SPLIT_MOLOTOV);
    w.run_ok(&[&fixture("pages")], "whole", &[]);
    w.run_ok(
        &[&fixture("pages")],
        "apart",
        &["--overrides", overrides.to_str().unwrap()],
    );
    let (whole, apart) = (read_run(&w, "whole"), read_run(&w, "apart"));
    // The documents of one run that the other run's documents cut into two or more.
    let cut = |a: &Run, b: &Run| -> BTreeMap<String, BTreeSet<String>> {
        (a.docs.iter())
            .map(|(id, members)| (id.clone(), b.docs_of(members)))
            .filter(|(_, parts)| parts.len() >= 2)
            .collect()
    };
    let split = cut(&whole, &apart);
    assert_eq!(split.len(), 1, "one document split");
    assert!(cut(&apart, &whole).is_empty());
    let (old_id, parts) = split.into_iter().next().unwrap();
    assert_eq!(parts.len(), 2);

    let (text, json) = diff(&w, "whole", "apart");
    let listed = changes(&json, "split");
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), parts);
    for (id, change) in &listed {
        let siblings: BTreeSet<String> = parts.iter().filter(|p| *p != id).cloned().collect();
        assert_eq!(change["split"][0]["old_id"], old_id.as_str());
        assert_eq!(strings(&change["split"][0]["siblings"]), siblings);
        assert_eq!(strings(&change["records"]), apart.docs[id]);
    }
    assert_eq!(json["changes"].as_array().unwrap().len(), 2, "{text}");
    assert_eq!(count(&json, "unchanged"), (apart.docs.len() - 2) as u64);

    // And back: the two parts merge into the one document.
    let (text, json) = diff(&w, "apart", "whole");
    let merged = changes(&json, "merged");
    assert_eq!(merged.keys().collect::<Vec<_>>(), [&old_id]);
    assert_eq!(strings(&merged[&old_id]["old_ids"]), parts);
    assert_eq!(json["changes"].as_array().unwrap().len(), 1, "{text}");
    for part in &parts {
        let records: Vec<&String> = apart.docs[part].iter().collect();
        let from = format!("  from         {part}: {}", records.first().unwrap());
        assert!(text.contains(&from), "{text}");
    }
}

#[test]
fn a_page_fixed_between_runs_is_a_content_change_naming_the_field_escaped() {
    let w = Workdir::new();
    let fixed = w.copy_fixtures("pages", "fixed");
    let page = fixed.join("002_e536606982c4cf5b.txt");
    let text = std::fs::read_to_string(&page).unwrap();
    let title = "Letter from Cde. Mao Zedong to Cde. Filippov [Stalin] via Kovalev";
    // The re-scrape carries a terminal escape: the diff must show it, not send it.
    let new_title = format!("{title} (draft)\u{1b}[31m");
    std::fs::write(
        &page,
        text.replacen(&format!("{title}\n"), &format!("{new_title}\n"), 1),
    )
    .unwrap();
    w.run_ok(&[&fixture("pages")], "old", &[]);
    w.run_ok(&[&fixed], "new", &[]);
    let (old, new) = (read_run(&w, "old"), read_run(&w, "new"));
    // The documents whose records are the same but whose canonical row differs.
    let row = |out: &str, id: &str| {
        let rows = read_csv(&w.path(&format!("{out}/canonical.csv")));
        rows.into_iter().find(|r| r["canonical_id"] == id).unwrap()
    };
    let mut expected = Vec::new();
    for (id, members) in &new.docs {
        let was = old.docs_of(members).into_iter().next().unwrap();
        assert_eq!(&old.docs[&was], members, "only content changed");
        let (before, after) = (row("old", &was), row("new", id));
        for field in ["date", "title", "description"] {
            if before[field] != after[field] {
                expected.push((
                    id.clone(),
                    was.clone(),
                    field,
                    before[field].clone(),
                    after[field].clone(),
                ));
            }
        }
    }
    assert_eq!(expected.len(), 1, "{expected:?}");
    let (id, was, field, before, after) = expected.remove(0);
    assert_eq!(
        (field, before.as_str(), after.as_str()),
        ("title", title, new_title.as_str())
    );

    let (text, json) = diff(&w, "old", "new");
    let listed = changes(&json, "content_changed");
    assert_eq!(listed.keys().collect::<Vec<_>>(), [&id]);
    assert_eq!(listed[&id]["continues"], was.as_str());
    let content = &listed[&id]["content"];
    assert_eq!(content.as_array().unwrap().len(), 1);
    assert_eq!(
        (&content[0]["field"], &content[0]["old"], &content[0]["new"]),
        (&"title".into(), &before.into(), &after.into())
    );
    assert_eq!(json["changes"].as_array().unwrap().len(), 1);
    // Text: the field, old -> new in Debug quoting; no raw escape byte anywhere.
    let line = format!("  title        {title:?} -> {new_title:?}");
    assert!(text.contains(&line) && line.contains(r"\u{1b}[31m"), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains(&format!("  was          {was}\n")), "{text}");
}

#[test]
fn a_folder_diffed_with_itself_has_no_change() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &[]);
    let (text, json) = diff(&w, "out", "out");
    let docs = read_run(&w, "out").docs.len() as u64;
    let counts = json_counts(&json);
    assert!(
        counts
            .iter()
            .all(|(k, &n)| n == if k == "unchanged" { docs } else { 0 }),
        "{counts:?}"
    );
    assert_eq!(json["changes"], Value::Array(Vec::new()));
    assert!(text.contains("\nno change\n"), "{text}");
}

#[test]
fn a_folder_written_before_the_date_range_columns_is_still_a_page_run() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    // The same folder as an earlier version wrote it: no date_start, date_end.
    std::fs::create_dir_all(w.path("old")).unwrap();
    for f in std::fs::read_dir(w.path("out")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, w.path("old").join(f.file_name().unwrap())).unwrap();
    }
    for name in ["canonical.csv", "provenance.csv"] {
        let mut r = csv::Reader::from_path(w.path("out").join(name)).unwrap();
        let headers = r.headers().unwrap().clone();
        let keep: Vec<usize> = (0..headers.len())
            .filter(|&i| !["date_start", "date_end"].contains(&&headers[i]))
            .collect();
        assert_eq!(keep.len(), headers.len() - 2, "{name} has the range");
        let mut out = csv::Writer::from_path(w.path("old").join(name)).unwrap();
        out.write_record(keep.iter().map(|&i| &headers[i])).unwrap();
        for row in r.records() {
            let row = row.unwrap();
            out.write_record(keep.iter().map(|&i| &row[i])).unwrap();
        }
    }
    let (text, _) = diff(&w, "old", "out");
    assert!(text.contains("\nno change\n"), "{text}");
    // A run carrying its ids over reads it as the page run it is.
    w.run_ok(
        &[&fixture("pages")],
        "new",
        &["-q", "--previous", w.path("old").to_str().unwrap()],
    );
    assert!(w.csv("new/changes.csv").iter().all(|c| c["change"] == "unchanged"));
}

#[test]
fn parquet_folders_diff_as_their_csv_twins_do() {
    let w = Workdir::new();
    let part = some_pages(&w, "part", &[0, 1, 3]);
    let parquet = ["--output-format", "parquet"];
    w.run_ok(&[&part], "old_csv", &[]);
    w.run_ok(&[&fixture("pages")], "new_csv", &[]);
    w.run_ok(&[&part], "old_pq", &parquet);
    w.run_ok(&[&fixture("pages")], "new_pq", &parquet);
    assert!(w.path("old_pq/canonical.parquet").is_file() && !w.path("old_pq/canonical.csv").exists());
    // The same diff whatever each folder's format, apart from the folders' names.
    let body = |mut json: Value| {
        let map = json.as_object_mut().unwrap();
        map.remove("old");
        map.remove("new");
        json
    };
    let (_, csv) = diff(&w, "old_csv", "new_csv");
    assert!(count(&csv, "created") > 0 && count(&csv, "gained") > 0);
    let csv = body(csv);
    assert_eq!(body(diff(&w, "old_pq", "new_pq").1), csv);
    assert_eq!(body(diff(&w, "old_csv", "new_pq").1), csv);
    assert_eq!(body(diff(&w, "old_pq", "new_csv").1), csv);
}

#[test]
fn table_runs_diff_by_their_canonical_fields() {
    let w = Workdir::new();
    let header =
        "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id\n";
    let row1 = "a1,flynn,rokobaro,12,herschell circuit,killarney,lawrence,2227,nsw,19720812,1451137\n";
    let row2 = "b1,karli,alderson,144,nulsen circuit,forest hills,bullaburra,5031,vic,19350125,8986356\n";
    let moved = row2.replace("forest hills", "forest\u{7}hills");
    let old = w.write("old.csv", format!("{header}{row1}{row2}"));
    let new = w.write("new.csv", format!("{header}{row1}{moved}"));
    let rules = root().join("rules/person.toml");
    let rules = ["--rules", rules.to_str().unwrap()];
    w.run_ok(&[&old], "old", &rules);
    w.run_ok(&[&new], "new", &rules);
    let (text, json) = diff(&w, "old", "new");
    let listed = changes(&json, "content_changed");
    assert_eq!(listed.len(), 1, "{text}");
    let change = listed.values().next().unwrap();
    assert_eq!(strings(&change["records"]), BTreeSet::from(["b1".to_string()]));
    assert_eq!(change["content"][0]["field"], "address_2");
    assert_eq!(change["content"][0]["new"], "forest\u{7}hills");
    assert!(
        text.contains(r#"  address_2    "forest hills" -> "forest\u{7}hills""#),
        "{text}"
    );
    assert!(!text.contains('\u{7}'));
}

#[test]
fn a_folder_without_outputs_is_refused_naming_it() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &[]);
    std::fs::create_dir_all(w.path("empty")).unwrap();
    for (old, new, named) in [("empty", "out", "empty"), ("out", "missing", "missing")] {
        let o = w.concord([Path::new("diff"), &w.path(old), &w.path(new)]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stdout(&o).is_empty());
        assert!(
            stderr(&o).contains(&w.path(named).display().to_string()),
            "{}",
            stderr(&o)
        );
    }
    // A canonical table that lost its file: the message names it.
    std::fs::remove_file(w.path("out/canonical.csv")).unwrap();
    let o = w.concord([Path::new("diff"), &w.path("out"), &w.path("out")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("canonical.csv"), "{}", stderr(&o));
    let o = w.concord(["diff", "only-one"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_provenance_row_naming_no_document_is_refused_with_its_line() {
    let w = Workdir::new();
    w.run_ok(&[&fixture("pages")], "out", &[]);
    let path = w.path("out/provenance.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let third = text.lines().nth(2).unwrap();
    let broken = third.replacen("doc-", "doc-0", 1);
    std::fs::write(&path, text.replacen(third, &broken, 1)).unwrap();
    let o = w.concord([Path::new("diff"), &w.path("out"), &w.path("out")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("provenance.csv: line 3: canonical id"),
        "{}",
        stderr(&o)
    );
}
