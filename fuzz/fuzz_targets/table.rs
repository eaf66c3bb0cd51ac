//! Fuzz target: the CSV and JSON Lines readers, then each row through the mapping of
//! `rules/person.toml` (dates, names, codes, numbers). Besides "no panic" it checks what a
//! table run promises: every kept row has one cell per mapped field, positions rise, and
//! every skipped row is reported (one warning each, with its line).
#![no_main]

use std::sync::OnceLock;

use concord::Rules;
use concord::source::table;
use concord::schema::TableRules;
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static TableRules {
    static R: OnceLock<TableRules> = OnceLock::new();
    R.get_or_init(|| {
        let person = include_str!("../../rules/person.toml");
        let rules = Rules::from_layers(&[("default", concord::rules::DEFAULT_RULES), ("person", person)])
            .expect("person rules load");
        rules.table.expect("person rules map a table")
    })
}

fn check(parsed: &table::ParsedTable) {
    let t = rules();
    let mut last = 0;
    for (i, r) in parsed.records.iter().enumerate() {
        assert_eq!(r.fields.len(), t.fields.len(), "a row without one cell per field");
        assert!(r.provenance.position > last, "positions do not rise");
        last = r.provenance.position;
        let _ = concord::normalize::prepare_row(r.clone(), i as u32, t);
    }
    assert_eq!(parsed.warnings.len(), parsed.skipped_rows, "a skipped row without its warning");
    assert!(parsed.warnings.iter().all(|w| w.line.is_some()), "a skipped row without its line");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = table::parse_csv("fuzz.csv", data, rules()) {
        check(&parsed);
    }
    check(&table::parse_jsonl("fuzz.jsonl", data, rules()));
});
