//! Fuzz target: the date parser. Any line must parse or be refused without a panic; a parsed
//! date must be shaped like one, print in ISO form, parse back to itself, and be compatible with itself.
#![no_main]

use concord::normalize::date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = date::looks_like_cut_date(text);
    if let Some(d) = date::parse(text) {
        assert!(date::shaped_like_date(text), "{text:?} parses but is not shaped like a date");
        let iso = d.to_string();
        assert_eq!(date::parse(&iso), Some(d), "{text:?} -> {iso} does not round-trip");
        assert!(d.compatible(&d));
        assert_eq!(d.truncate(d.precision()), d);
    }
});
