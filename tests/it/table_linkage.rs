//! Tables as a tuned Splink: blocking keys and `concord plan`, linking two sources, must-link
//! rules (issue "Tables as good as a tuned Splink").

use std::collections::{BTreeMap, BTreeSet};

use crate::tables::pairs;

use crate::workdir::{Workdir, fixture, read_csv, root, stderr, stdout};

fn person_rules() -> String {
    root().join("rules/person.toml").display().to_string()
}

const PEOPLE: &str = "id,name,born,email\n\
1,Ann Lee,1952-09-06,ann@lee.org\n\
2,Anne Lee,1952-09-06,ann@lee.org\n\
3,Ann Leigh,1952-01-01,ann@leigh.org\n\
4,Bo Ray,1960-03-03,bo@ray.net\n\
5,Bob Ray,1961-03-03,\n\
6,Cy Ott,1970-07-07,cy@ott.net\n";

const KEYED: &str = r#"
[table]
id = "id"
[[table.fields]]
name = "name"
kind = "name"
[[table.fields]]
name = "born"
kind = "date"
[[table.fields]]
name = "email"
kind = "text"
[[table.blocking]]
name = "surname_year"
fields = ["word(name, -1)", "year(born)"]
[[table.blocking]]
name = "user"
fields = ["split(email, \"@\", 1)"]
[[table.blocking]]
name = "sound"
fields = ["metaphone(word(name, -1))"]
"#;

#[test]
fn a_key_expression_that_does_not_parse_is_refused_with_the_rule_named() {
    let w = Workdir::new();
    let rules = w.write("map.toml", KEYED);
    let input = w.write("p.csv", PEOPLE);
    let o = w.concord(["plan", input.to_str().unwrap(), "--rules", rules.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("\"sound\"") && e.contains("first argument must be a field name"),
        "{e}"
    );
}

#[test]
fn plan_counts_each_rules_pairs_and_those_earlier_rules_made() {
    let w = Workdir::new();
    let rules = w.write(
        "map.toml",
        KEYED.replace("metaphone(word(name, -1))", "metaphone(name)"),
    );
    let input = w.write("p.csv", PEOPLE);
    let o = w.concord([
        "plan",
        input.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rule = |i: usize, k: &str| plan["rules"][i][k].as_u64().unwrap();
    // surname_year: lee|1952 holds 1 and 2 (3 is a Leigh), ray|1960 and ray|1961 one each.
    assert_eq!(
        (rule(0, "pairs"), rule(0, "already_made"), rule(0, "cumulative")),
        (1, 0, 1)
    );
    // user: "ann" holds 1, 2 and 3: three pairs, one already made.
    assert_eq!(
        (rule(1, "pairs"), rule(1, "already_made"), rule(1, "cumulative")),
        (3, 1, 3)
    );
    assert_eq!(
        rule(2, "cumulative"),
        rule(1, "cumulative") + rule(2, "pairs") - rule(2, "already_made")
    );
    assert_eq!(plan["records"], 6);
    assert_eq!(plan["all_pairs"], 15);
    assert_eq!(plan["to_compare"], plan["rules"][2]["cumulative"]);
    // The run compares exactly the pairs plan counted.
    w.run_ok(&[&input], "out", &["--rules", rules.to_str().unwrap(), "-q"]);
    assert_eq!(w.csv("out/decisions.csv").len() as u64, rule(2, "cumulative"));
    // The table form says the same.
    let o = w.concord(["plan", input.to_str().unwrap(), "--rules", rules.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(text.contains("surname_year") && text.contains("6 records;"), "{text}");
}

#[test]
fn two_sources_are_linked_across_only_one_to_one() {
    let w = Workdir::new();
    let a = fixture("febrl/febrl4_sample_a.csv");
    let b = fixture("febrl/febrl4_sample_b.csv");
    let rules = person_rules();
    w.run_ok(
        &[&a, &b],
        "out",
        &["--rules", &rules, "--link-type", "link", "--one-to-one", "-q"],
    );
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), 120);
    // Each record says its source; no cluster holds two records of one source.
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for r in &prov {
        assert_eq!(r["source_dataset"], r["file"]);
        assert!(
            seen.insert((r["canonical_id"].as_str(), r["source_dataset"].as_str())),
            "two records of {} in {}",
            r["source_dataset"],
            r["canonical_id"]
        );
    }
    // No pair of one source was compared.
    let d = w.csv("out/decisions.csv");
    let file_of: BTreeMap<&str, &str> = prov
        .iter()
        .map(|r| (r["record_id"].as_str(), r["file"].as_str()))
        .collect();
    assert!(
        d.iter()
            .all(|p| file_of[p["record_a"].as_str()] != file_of[p["record_b"].as_str()])
    );
    // The links are the truth's.
    let mut truth = read_csv(&fixture("febrl/febrl4_sample_a_truth.csv"));
    truth.extend(read_csv(&fixture("febrl/febrl4_sample_b_truth.csv")));
    let want = pairs(truth.iter().map(|r| (r["entity_id"].as_str(), r["record_id"].as_str())));
    let got = pairs(
        prov.iter()
            .map(|r| (r["canonical_id"].as_str(), r["record_id"].as_str())),
    );
    assert_eq!(want.len(), 60);
    let tp = got.intersection(&want).count();
    assert!(tp >= 59 && got.len() == tp, "{tp} true of {} linked", got.len());
}

#[test]
fn linking_without_one_to_one_lets_a_record_match_two_of_the_other_source() {
    let w = Workdir::new();
    // B lists rec-0 twice: linked without one-to-one, both copies join A's record; with
    // one-to-one, never both. A lists rec-1 twice: the two are never compared.
    let copy = |file: &str, id: &str, new_id: &str| {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        let row = text.lines().find(|l| l.starts_with(&format!("{id},"))).unwrap();
        format!("{text}{}\n", row.replacen(id, new_id, 1))
    };
    let a = w.write("a.csv", copy("febrl/febrl4_sample_a.csv", "rec-1-org", "rec-1-again"));
    let b = w.write("b.csv", copy("febrl/febrl4_sample_b.csv", "rec-0-dup-0", "rec-0-dup-9"));
    let rules = person_rules();
    let run = |out: &str, one: bool| {
        let mut extra = vec!["--rules", &rules, "--link-type", "link", "-q"];
        extra.extend(one.then_some("--one-to-one"));
        w.run_ok(&[&a, &b], out, &extra);
        let prov = w.csv(&format!("{out}/provenance.csv"));
        let of = |id: &str| prov.iter().find(|r| r["record_id"] == id).unwrap()["canonical_id"].clone();
        let d = w.csv(&format!("{out}/decisions.csv"));
        assert!(
            !d.iter()
                .any(|p| p["record_a"].starts_with("rec-1-") && p["record_b"].starts_with("rec-1-a"))
        );
        [of("rec-0-org"), of("rec-0-dup-0"), of("rec-0-dup-9")]
    };
    let [org, dup0, dup9] = run("many", false);
    assert!(org == dup0 && org == dup9);
    let [org, dup0, dup9] = run("one", true);
    // Never both; here neither: the two copies match rec-0-org equally well, so which one is
    // its match is left to review (the clustering's ambiguity rule) rather than guessed.
    assert!(org != dup0 && org != dup9, "one-to-one: no copy joins rec-0-org");
    // One-to-one is for linking.
    let o = w.concord([
        "run",
        a.to_str().unwrap(),
        "--rules",
        &rules,
        "--one-to-one",
        "--out",
        "x",
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--link-type link"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_must_link_rule_joins_records_sharing_an_id_whatever_their_score() {
    let w = Workdir::new();
    let rules = w.write(
        "map.toml",
        format!(
            "{}\n[[table.must_link]]\nname = \"same_zip\"\nfields = [\"zip\"]\n",
            crate::tables::MAPPING.replace("[[table.blocking]]\nname = \"by_zip\"\nfields = [\"zip\"]\n", "")
        ),
    );
    // 1 and 2 share nothing but a zip; 3 and 4 share a name but no zip.
    let input = w.write(
        "t.csv",
        "id,name,born,zip\n1,Ann Lee,1952,2600\n2,Zed Oak,1990,2600\n3,Cy Ott,1961,3000\n4,Cy Ott,1961,\n5,Di Fox,1970,4000\n",
    );
    w.run_ok(&[&input], "out", &["--rules", rules.to_str().unwrap(), "-q"]);
    let prov = w.csv("out/provenance.csv");
    let got = pairs(
        prov.iter()
            .map(|r| (r["canonical_id"].as_str(), r["record_id"].as_str())),
    );
    assert!(got.contains(&("1".into(), "2".into())), "{got:?}");
    let d = w.csv("out/decisions.csv");
    let p = d.iter().find(|p| p["record_a"] == "1" && p["record_b"] == "2").unwrap();
    assert_eq!(p["decision"], "match");
    assert!(
        p["reason"].contains("must-link \"same_zip\"") && p["reason"].contains("by score alone"),
        "{p:?}"
    );
}

const CATALOGUE_MAPPING: &str = r#"
[table]
id = "id"
[[table.fields]]
name = "when"
kind = "date"
[[table.fields]]
name = "title"
kind = "text"
[[table.fields]]
name = "summary"
kind = "text"
[[table.fields]]
name = "collection"
kind = "text"
compare = false
[table.pages]
date = "when"
title = "title"
description = "summary"
"#;

#[test]
fn a_scrape_is_linked_against_a_catalogue_read_as_pages() {
    let w = Workdir::new();
    let rules = w.write("map.toml", CATALOGUE_MAPPING);
    // cat-1 is the seed pages' Zhou Enlai letter of September 6, 1952 (on two pages);
    // cat-2 has its title and date but another description: another document.
    let catalogue = w.write(
        "catalogue.csv",
        "id,when,title,summary,collection\n\
         cat-1,1952-09-06,\"Letter, Zhou Enlai to Comrade Molotov\",Zhou Enlai seeks technical support from the Soviet Union.,Russian archives\n\
         cat-2,1952-09-06,\"Letter, Zhou Enlai to Comrade Molotov\",\"A second letter of that day, on another matter.\",Russian archives\n\
         cat-3,1950,,A row without a title,Elsewhere\n",
    );
    let pages = fixture("pages");
    w.run_ok(
        &[&pages, &catalogue],
        "out",
        &["--rules", rules.to_str().unwrap(), "-q"],
    );
    let prov = w.csv("out/provenance.csv");
    let of = |id: &str| {
        prov.iter()
            .find(|r| r["record_id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))["canonical_id"]
            .clone()
    };
    let letter: Vec<&str> = prov
        .iter()
        .filter(|r| r["canonical_id"] == of("cat-1"))
        .map(|r| r["file"].as_str())
        .collect();
    assert_eq!(letter.len(), 3, "{letter:?}");
    assert!(letter.contains(&"catalogue.csv") && letter.iter().filter(|f| f.ends_with(".txt")).count() == 2);
    assert_ne!(of("cat-1"), of("cat-2"));
    // The row without a title is skipped, quoted; its other fields are kept as fields.
    assert!(!prov.iter().any(|r| r["record_id"] == "cat-3"));
    let warnings = w.warnings("out");
    assert!(
        warnings.contains("cat-3") && warnings.contains("A row without a title"),
        "{warnings}"
    );
    let fields = w.csv("out/record_fields.csv");
    assert!(
        fields
            .iter()
            .any(|r| r["record_id"] == "cat-1" && r["value"] == "Russian archives")
    );
    // Without [table.pages], tables and pages still may not be mixed.
    let plain = w.write("plain.toml", crate::tables::MAPPING);
    let o = w.concord([
        "run",
        pages.to_str().unwrap(),
        catalogue.to_str().unwrap(),
        "--rules",
        plain.to_str().unwrap(),
        "--out",
        "x",
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("[table.pages]"),
        "{}",
        stderr(&o)
    );
}
