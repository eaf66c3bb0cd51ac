//! Fuzz target: the page round trip. The input steers a generator of records whose text looks
//! like furniture, markers, dates, range headers and footers; they are rendered in one of the
//! site's layouts with one of the line endings, parsed, and must come back exactly (the last
//! record of a page cut off by its end: as a prefix). The generator and the check are the
//! property `pages_round_trip` of the test suite (`tests/it/roundtrip_model.rs`).
#![no_main]

use std::sync::OnceLock;

use concord::Rules;
use concord::rules::CompiledPageRules;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/roundtrip_model.rs"]
mod roundtrip_model;

fn rules() -> &'static CompiledPageRules {
    static R: OnceLock<CompiledPageRules> = OnceLock::new();
    R.get_or_init(|| Rules::builtin().compile_pages().expect("built-in rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let page = roundtrip_model::draw(&mut roundtrip_model::Choices::new(data), rules());
    if let Err(why) = roundtrip_model::check(&page, rules()) {
        panic!("{why}");
    }
});
