//! Fuzz target: the page parser alone (fast, so it explores the parser deeply; `pipeline`
//! runs the later stages too). Bytes are taken as ingest takes a file: not UTF-8 or holding
//! NUL is rejected before parsing, as `source::read` does. Besides "no panic" it checks what
//! provenance promises: positions 1..=n in order, lines inside the page and in page order,
//! no field holding a line break, only the last record marked partial.
#![no_main]

use std::sync::OnceLock;

use concord::Rules;
use concord::source::page;
use concord::rules::CompiledPageRules;
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static CompiledPageRules {
    static R: OnceLock<CompiledPageRules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().compile_pages().expect("built-in rules compile"))
}

fuzz_target!(|data: &[u8]| {
    if data.contains(&0) {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = page::parse("fuzz.txt", text, rules());
    // At most this many lines: the parser breaks at LF and CRLF, and at a lone CR too in a
    // file that uses it at least as often as LF (a lone CR is a character otherwise).
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count();
    let mut last_line = 0;
    for (i, r) in parsed.records.iter().enumerate() {
        assert_eq!(r.provenance.position, i + 1);
        assert!(r.provenance.line >= 1 && r.provenance.line <= lines, "line out of the page");
        assert!(r.provenance.line >= last_line, "records out of page order");
        last_line = r.provenance.line;
        for field in [Some(r.title()), r.date(), r.description()].into_iter().flatten() {
            assert!(!field.contains('\n'), "a field holds a line break: {field:?}");
        }
        assert!(!r.partial || i + 1 == parsed.records.len(), "a record other than the last is partial");
    }
});
