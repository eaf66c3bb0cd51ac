//! Encodings: tables that are not UTF-8 are read whole (issue 16), `--encoding` chooses.

use crate::tables::MAPPING;
use crate::workdir::{Workdir, fixture, stderr};

/// The Latin-1 fixture: 8 rows, "Müller" on lines 2 and 3, other accents on lines 4 to 8,
/// ASCII alone on line 9.
fn latin1() -> std::path::PathBuf {
    let path = fixture("tables/latin1.csv");
    // An editor that saved it as UTF-8 would make every test here pass for nothing.
    let bytes = std::fs::read(&path).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err() && bytes.windows(2).any(|w| w == b"M\xfc"));
    path
}

/// The warnings of a run that are about its encoding.
fn encoding_warnings(w: &Workdir, out: &str) -> Vec<String> {
    (w.warnings(out).lines())
        .filter(|l| l.contains("UTF-8") || l.contains("encoding"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_latin1_table_is_read_whole_with_one_warning_naming_the_file() {
    let w = Workdir::new();
    let rules = w.write("map.toml", MAPPING);
    let o = w.run_ok(&[&latin1()], "out", &["--rules", rules.to_str().unwrap()]);
    let prov = w.csv("out/provenance.csv");
    let ids: Vec<&str> = prov.iter().map(|r| r["record_id"].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    let canonical = std::fs::read_to_string(w.path("out/canonical.csv")).unwrap();
    for name in [
        "Hans Müller",
        "Zoë Adams",
        "François Dupont",
        "José Núñez",
        "Søren Kierkegaard",
    ] {
        assert!(canonical.contains(name), "{name} in {canonical}");
    }
    assert_eq!(
        encoding_warnings(&w, "out"),
        [
            "warning: latin1.csv:2: the file is not UTF-8 (first at line 2); it is read as windows-1252: pass --encoding to choose another"
        ]
    );
    let err = stderr(&o);
    assert_eq!(err.matches("not UTF-8").count(), 1, "{err}");
    assert!(err.contains("latin1.csv:2:"), "{err}");
}

#[test]
fn an_encoding_chosen_is_used_and_recorded() {
    let w = Workdir::new();
    let rules = w.write("map.toml", MAPPING);
    let args = ["--rules", rules.to_str().unwrap(), "--encoding", "latin1"];
    w.run_ok(&[&latin1()], "out", &args);
    assert!(encoding_warnings(&w, "out").is_empty(), "{}", w.warnings("out"));
    let canonical = std::fs::read_to_string(w.path("out/canonical.csv")).unwrap();
    assert!(canonical.contains("Hans Müller"), "{canonical}");
    // run.json's command runs again as it ran: latin1 is windows-1252 by its name.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/run.json")).unwrap()).unwrap();
    let command: Vec<&str> = (run["command"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        command.windows(2).any(|a| a == ["--encoding", "windows-1252"]),
        "{command:?}"
    );
    assert_eq!(run["encoding"], "windows-1252");
}

#[test]
fn utf8_chosen_skips_the_rows_that_are_not_with_their_file_and_line() {
    let w = Workdir::new();
    let rules = w.write("map.toml", MAPPING);
    let input = latin1();
    let o = w.concord([
        "run",
        input.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--encoding",
        "utf-8",
        "--out",
        "out",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let warnings = w.csv("out/warnings.csv");
    let skipped: Vec<(&str, &str)> = (warnings.iter())
        .filter(|r| r["message"] == "malformed row skipped: column \"name\" is not valid UTF-8")
        .map(|r| (r["file"].as_str(), r["line"].as_str()))
        .collect();
    let lines = ["2", "3", "4", "5", "6", "7", "8"];
    assert_eq!(skipped, lines.map(|l| ("latin1.csv", l)), "{warnings:?}");
    assert!(encoding_warnings(&w, "out").iter().all(|l| l.contains("malformed row")));
    assert_eq!(w.csv("out/provenance.csv").len(), 1);
}

#[test]
fn a_utf16le_table_with_a_byte_order_mark_is_read() {
    let w = Workdir::new();
    let rules = w.write("map.toml", MAPPING);
    let text = "id,name,born,zip\r\n1,Hans Müller,1952-09-06,2600\r\n2,Zoë Adams,1950-02-01,2601\r\n";
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let input = w.write("people.csv", bytes);
    // The mark wins over an encoding chosen for all files.
    w.run_ok(
        &[&input],
        "out",
        &["--rules", rules.to_str().unwrap(), "--encoding", "latin1"],
    );
    assert!(encoding_warnings(&w, "out").is_empty(), "{}", w.warnings("out"));
    let prov = w.csv("out/provenance.csv");
    let names: Vec<(&str, &str)> = (prov.iter())
        .map(|r| (r["name"].as_str(), r["line"].as_str()))
        .collect();
    assert_eq!(names, [("Hans Müller", "2"), ("Zoë Adams", "3")]);
}

#[test]
fn an_unknown_encoding_is_an_error_naming_it() {
    let w = Workdir::new();
    let input = latin1();
    let o = w.concord(["run", input.to_str().unwrap(), "--encoding", "klingon", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown encoding \"klingon\""), "{}", stderr(&o));
    assert!(!w.path("out").exists());
}

#[test]
fn a_page_is_read_in_the_encoding_chosen() {
    let w = Workdir::new();
    let page = b"SEARCH RESULTS\n\nSeptember 6, 1952\n\nLetter from M\xfcller to Molotov\n\nOn trade.\n";
    let input = w.write("page.txt", page);
    // Not UTF-8, and no encoding chosen: refused, as before.
    let o = w.concord(["run", input.to_str().unwrap(), "--out", "refused"]);
    assert!(stderr(&o).contains("page.txt:5: not valid UTF-8"), "{}", stderr(&o));
    w.run_ok(&[&input], "out", &["--encoding", "windows-1252"]);
    let canonical = std::fs::read_to_string(w.path("out/canonical.csv")).unwrap();
    assert!(canonical.contains("Letter from Müller to Molotov"), "{canonical}");
}

#[test]
fn an_html_page_in_windows_1252_is_read_in_the_charset_it_declares() {
    let w = Workdir::new();
    let utf8 = std::fs::read_to_string(fixture("html/plain.html")).unwrap();
    assert!(
        utf8.contains('\u{2019}') && utf8.contains('ä'),
        "the fixture's non-ASCII"
    );
    let declared = utf8.replace("<meta charset=\"utf-8\">", "<meta charset=\"windows-1252\">");
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&declared);
    assert!(!lossy && std::str::from_utf8(&bytes).is_err());
    let input = w.write("plain.html", &bytes);
    w.run_ok(&[&fixture("html/plain.html")], "utf8", &[]);
    w.run_ok(&[&input], "cp1252", &[]);
    let read = |out: &str| {
        (w.csv(&format!("{out}/provenance.csv")).into_iter())
            .map(|r| (r["raw_date"].clone(), r["title"].clone(), r["description"].clone()))
            .collect::<Vec<_>>()
    };
    let records = read("utf8");
    assert!(
        records
            .iter()
            .any(|r| r.1.contains('\u{2019}') || r.2.contains('\u{2019}'))
    );
    assert_eq!(read("cp1252"), records);
    assert!(encoding_warnings(&w, "cp1252").is_empty(), "{}", w.warnings("cp1252"));
}
