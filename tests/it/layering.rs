//! A user's rules file laid over the built-in rules: lists of `[page]` and `[[layouts]]` add
//! to the built-in ones unless the file says `replace`, a user's layouts are tried first, a
//! layout of a built-in name replaces it in place, and a layout that never read a page (or a
//! page no layout took) is warned.

use std::collections::BTreeMap;

use crate::workdir::{Workdir, fixture, stderr};

type Row = BTreeMap<String, String>;

/// A page of another archive: records separated by numbered rules, headed by the archive's
/// name (furniture only to a user who says so).
const ACME: &str = "Acme Records Office\n\
=== 1 ===\n\
March 3, 1961\n\
Memorandum on the harbour works of the eastern district\n\
The engineer reports on the state of the harbour works after the winter storms.\n\
=== 2 ===\n\
April 9, 1961\n\
Letter from the mayor to the council about the new bridge\n\
The mayor asks the council to fund a new bridge over the river before the summer.\n";

const ACME_LAYOUT: &str = "[[layouts]]\n\
name = \"acme\"\n\
detect = '^=== \\d+ ===$'\n\
record_separator = '^=== \\d+ ===$'\n";

/// The seed pages and the Acme page in one folder.
fn seeds_and_acme(w: &Workdir) -> std::path::PathBuf {
    let dir = w.copy_fixtures("pages", "in");
    w.write("in/acme.txt", ACME);
    dir
}

fn provenance(w: &Workdir, out: &str) -> Vec<Row> {
    w.csv(&format!("{out}/provenance.csv"))
}

/// The layout each file was read as.
fn layouts(rows: &[Row]) -> BTreeMap<String, String> {
    rows.iter().map(|r| (r["file"].clone(), r["layout"].clone())).collect()
}

/// What a record was read as, without what depends on the other records of the run.
fn read_as(rows: &[Row], file: &str) -> Vec<(String, String, String, String)> {
    rows.iter()
        .filter(|r| r["file"] == file)
        .map(|r| {
            (
                r["position"].clone(),
                r["raw_date"].clone(),
                r["title"].clone(),
                r["description"].clone(),
            )
        })
        .collect()
}

fn warnings(w: &Workdir, out: &str) -> Vec<String> {
    w.csv(&format!("{out}/warnings.csv"))
        .into_iter()
        .map(|r| format!("{}: {}", r["file"], r["message"]))
        .collect()
}

/// The description of the last record read from `file`.
fn last_description(w: &Workdir, out: &str, file: &str) -> String {
    let rows = provenance(w, out);
    let last = rows
        .iter()
        .filter(|r| r["file"] == file)
        .max_by_key(|r| r["position"].parse::<usize>().unwrap_or(0));
    last.map(|r| r["description"].clone())
        .unwrap_or_else(|| panic!("no record read from {file}"))
}

fn page_ending_with(tail: &str) -> String {
    format!(
        "March 3, 1961\n\nMemorandum on the harbour works\n\nThe engineer reports on the harbour works.\n\n\
         April 9, 1961\n\nLetter from the mayor to the council\n\n{tail}\n"
    )
}

#[test]
fn a_users_furniture_adds_to_the_builtin_furniture_unless_it_says_replace() {
    let w = Workdir::new();
    // After a record's title a line that is not furniture is its description: which lines are
    // furniture shows in the last record of each page.
    w.write("in/builtin.txt", page_ending_with("Skip to content"));
    w.write("in/mine.txt", page_ending_with("Acme Records Office"));
    let input = w.path("in");
    w.write("add.toml", "[page]\nfurniture = ['^Acme Records Office$']\n");
    w.write(
        "replace.toml",
        "[page]\nreplace = true\nfurniture = ['^Acme Records Office$']\n",
    );

    w.run_ok(&[&input], "none", &["-q"]);
    assert_eq!(last_description(&w, "none", "builtin.txt"), "");
    assert_eq!(last_description(&w, "none", "mine.txt"), "Acme Records Office");

    w.run_ok(&[&input], "add", &["-q", "--rules", "add.toml"]);
    assert_eq!(last_description(&w, "add", "builtin.txt"), "");
    assert_eq!(last_description(&w, "add", "mine.txt"), "");

    w.run_ok(&[&input], "replace", &["-q", "--rules", "replace.toml"]);
    assert_eq!(last_description(&w, "replace", "builtin.txt"), "Skip to content");
    assert_eq!(last_description(&w, "replace", "mine.txt"), "");
}

#[test]
fn a_users_layout_is_tried_before_the_builtin_ones_which_still_read_their_pages() {
    let w = Workdir::new();
    let input = seeds_and_acme(&w);
    w.write(
        "acme.toml",
        format!("[page]\nfurniture = ['^Acme Records Office$']\n\n{ACME_LAYOUT}"),
    );
    w.run_ok(&[&input], "builtin", &["-q"]);
    let o = w.run_ok(&[&input], "mine", &["-q", "--rules", "acme.toml"]);

    let (builtin, mine) = (provenance(&w, "builtin"), provenance(&w, "mine"));
    // Without the user's layout the built-in catch-all "plain" takes the page.
    assert_eq!(layouts(&builtin)["acme.txt"], "plain");
    let mut expected = layouts(&builtin);
    expected.insert("acme.txt".into(), "acme".into());
    assert_eq!(layouts(&mine), expected);
    assert_eq!(
        read_as(&mine, "acme.txt"),
        [
            (
                "1",
                "March 3, 1961",
                "Memorandum on the harbour works of the eastern district",
                "The engineer reports on the state of the harbour works after the winter storms."
            ),
            (
                "2",
                "April 9, 1961",
                "Letter from the mayor to the council about the new bridge",
                "The mayor asks the council to fund a new bridge over the river before the summer."
            ),
        ]
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    );
    // The seed pages, of both built-in layouts, are read exactly as without the file.
    for seed in layouts(&builtin).keys().filter(|f| *f != "acme.txt") {
        assert_eq!(read_as(&mine, seed), read_as(&builtin, seed), "{seed}");
    }
    assert!(!stderr(&o).contains("never matched"), "{}", stderr(&o));
}

#[test]
fn a_user_layout_of_a_builtin_name_replaces_that_layout_where_it_stands() {
    let w = Workdir::new();
    let input = w.copy_fixtures("pages", "in");
    // A page of "plain" records separated by "~~~": only the user's "plain" cuts it there.
    w.write(
        "in/tilde.txt",
        "~~~\nMarch 3, 1961\nMemorandum on the harbour works\nThe engineer reports.\n~~~\n\
         Letter from the mayor to the council\nThe mayor asks for a bridge.\n",
    );
    w.write(
        "plain.toml",
        "[[layouts]]\nname = \"plain\"\nrecord_separator = '^~~~$'\n",
    );
    w.run_ok(&[&input], "builtin", &["-q"]);
    w.run_ok(&[&input], "mine", &["-q", "--rules", "plain.toml"]);
    let (builtin, mine) = (provenance(&w, "builtin"), provenance(&w, "mine"));

    // Still last: the bulleted seed pages are still bulleted (placed first, a layout without
    // `detect` would have taken every page).
    assert_eq!(layouts(&mine), layouts(&builtin));
    assert!(layouts(&mine).values().any(|l| l == "bulleted"));
    let tilde: Vec<_> = read_as(&mine, "tilde.txt").into_iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(
        tilde,
        [
            (
                "March 3, 1961".to_string(),
                "Memorandum on the harbour works".to_string()
            ),
            ("".to_string(), "Letter from the mayor to the council".to_string()),
        ]
    );
    // The user's "plain" read it, not the built-in one kept beside it.
    assert_ne!(read_as(&builtin, "tilde.txt"), read_as(&mine, "tilde.txt"));
}

#[test]
fn a_user_layout_that_never_matched_is_warned_once_with_its_name() {
    let w = Workdir::new();
    let input = w.copy_fixtures("pages", "in");
    // Replacing the built-in "bulleted" by a layout that detects nothing sends the bulleted
    // seed pages to "plain", and the user hears of it.
    w.write(
        "mine.toml",
        "[[layouts]]\nname = \"bulleted\"\ndetect = '^NEVER$'\nrecord_marker = '^NEVER'\n\n\
         [[layouts]]\nname = \"memo\"\ndetect = '^MEMO$'\n",
    );
    let o = w.run_ok(&[&input], "out", &["--rules", "mine.toml"]);
    let rows = provenance(&w, "out");
    assert!(rows.iter().all(|r| r["layout"] == "plain"), "{:?}", layouts(&rows));

    let warned = warnings(&w, "out");
    for (name, detect) in [("bulleted", "^NEVER$"), ("memo", "^MEMO$")] {
        let about: Vec<_> = warned
            .iter()
            .filter(|m| m.contains(&format!("layout \"{name}\" never matched any page")))
            .collect();
        assert_eq!(about.len(), 1, "{warned:?}");
        assert!(about[0].starts_with("mine.toml: "), "{about:?}");
        assert!(about[0].contains(&format!("'{detect}'")), "{about:?}");
        let said = stderr(&o).matches(&format!("layout \"{name}\" never matched")).count();
        assert_eq!(said, 1, "{}", stderr(&o));
    }
    // Built-in layouts no page needed ("separated") are not the user's concern.
    assert!(!warned.iter().any(|m| m.contains("\"separated\"")), "{warned:?}");
}

#[test]
fn replaced_layouts_read_every_page_and_a_page_none_takes_is_warned() {
    let w = Workdir::new();
    let input = seeds_and_acme(&w);
    w.write("only.toml", format!("replace_layouts = true\n\n{ACME_LAYOUT}"));
    w.run_ok(&[&input], "builtin", &["-q"]);
    w.run_ok(&[&input], "only", &["-q", "--rules", "only.toml"]);
    let (builtin, only) = (provenance(&w, "builtin"), provenance(&w, "only"));

    // Every page is read by the only layout left, and each page it did not detect says so
    // with what it gave: a bulleted page, read by a layout without its marker, gives nothing
    // (and is warned of twice), never in silence.
    assert!(only.iter().all(|r| r["layout"] == "acme"));
    let warned = warnings(&w, "only");
    for seed in layouts(&builtin).keys().filter(|f| *f != "acme.txt") {
        let about: Vec<_> = warned
            .iter()
            .filter(|m| m.starts_with(&format!("{seed}: no layout's detect pattern matched")))
            .collect();
        assert_eq!(about.len(), 1, "{seed}: {warned:?}");
        let n = only.iter().filter(|r| &r["file"] == seed).count();
        let says = format!("read as the last layout, \"acme\" ({n} records)");
        assert!(about[0].contains(&says), "{about:?}");
        if n == 0 {
            assert!(
                warned.contains(&format!("{seed}: no records found on this page")),
                "{warned:?}"
            );
        }
    }
    assert!(warned.iter().any(|m| m.contains("(0 records)")), "{warned:?}");
    assert_eq!(read_as(&only, "acme.txt").len(), 2);
    assert!(
        !warned.iter().any(|m| m.starts_with("acme.txt: no layout")),
        "{warned:?}"
    );
}

#[test]
fn layering_mistakes_are_errors_naming_the_file() {
    let w = Workdir::new();
    let input = fixture("pages");
    for (file, text, says) in [
        (
            "late.toml",
            "[page]\nreplace_layouts = true\n",
            "replace_layouts is a top-level key",
        ),
        (
            "word.toml",
            "[page]\nreplace = \"yes\"\n",
            "page.replace must be true or false",
        ),
        ("none.toml", "replace_layouts = true\n", "no [[layouts]] entry"),
        (
            "twice.toml",
            "[[layouts]]\nname = \"x\"\ndetect = 'a'\n\n[[layouts]]\nname = \"x\"\ndetect = 'b'\n",
            "two layouts are named \"x\"",
        ),
    ] {
        w.write(file, text);
        let o = w.concord(crate::workdir::run_args(&[&input], &w.path("out"), &["--rules", file]));
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(file) && stderr(&o).contains(says),
            "{file}: {}",
            stderr(&o)
        );
    }
}
