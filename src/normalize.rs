//! Normalization for matching: the text a comparison sees, never the text an output shows.
//!
//! `fold` applies the policy: Unicode NFKC, case folding, diacritics removed (Säypiddin ~
//! Saypiddin), curly and straight quotes alike, `[ ]` and `( )` alike, dashes alike,
//! whitespace collapsed. `match_key` goes one step further for similarity: only letters and
//! digits survive, as space-separated tokens, so punctuation variants cannot move a score.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Letters that neither NFKC nor NFD decompose but that a reader takes for plain Latin ones.
fn fold_letter(c: char, out: &mut String) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'þ' => out.push_str("th"),
        'ı' => out.push('i'),
        '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' | 'ʼ' | 'ʻ' => out.push('\''),
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => out.push('"'),
        '[' | '{' => out.push('('),
        ']' | '}' => out.push(')'),
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => out.push('-'),
        c => out.push(c),
    }
}

/// The normalized form of `text` (see the module docs). Idempotent.
pub fn fold(text: &str) -> String {
    // ASCII text is its own NFKC, NFD and NFC: skip the three Unicode passes (most of the
    // normalize stage's time) and fold the letters alone. Same result, byte for byte.
    if text.is_ascii() {
        return fold_ascii(text);
    }
    // Otherwise word by word, the Unicode passes only for words that need them. Exact: an
    // ASCII space is a starter that composes with nothing, so normalization never crosses it,
    // and folding collapses whitespace runs into single spaces anyway.
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_ascii_whitespace()) {
        let folded = if word.is_ascii() {
            fold_ascii(word)
        } else {
            fold_unicode(word)
        };
        if folded.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&folded);
    }
    out
}

fn fold_ascii(text: &str) -> String {
    fold_chars(text.chars().map(|c| c.to_ascii_lowercase()))
}

/// The full path: NFKC, lower case, NFD without combining marks, folded, NFC.
fn fold_unicode(text: &str) -> String {
    let lowered: String = text.nfkc().flat_map(char::to_lowercase).collect();
    // Recompose so that the result is stable under another pass of NFKC.
    fold_chars(lowered.nfd().filter(|c| !is_combining_mark(*c)))
        .nfc()
        .collect()
}

/// Whitespace collapsed and letters folded (`fold_letter`), over already lowered characters.
fn fold_chars(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        fold_letter(c, &mut out);
    }
    out
}

/// Letters and digits of `fold(text)` as space-separated tokens.
pub fn match_key(text: &str) -> String {
    tokens_of_folded(&fold(text)).collect::<Vec<_>>().join(" ")
}

/// Tokens (runs of letters and digits) of already folded text.
pub fn tokens_of_folded(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty())
}

/// The numbers written in a text ("Telegram No. 25553" -> ["25553"]), sorted and unique:
/// two titles that name different numbers are different documents.
pub fn numbers(key: &str) -> Vec<String> {
    let mut out: Vec<String> = key
        .split(' ')
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| t.trim_start_matches('0').to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The normalize stage: a raw record becomes a record ready for blocking and comparison.
/// `page` is the index of its page in the run.
pub fn prepare(raw: crate::record::RawRecord, page: u32) -> crate::record::Record {
    use sha2::{Digest, Sha256};
    let date = raw.date.as_deref().and_then(crate::date::parse);
    let title_key = match_key(&raw.title);
    let description_key = raw.description.as_deref().map(match_key).filter(|k| !k.is_empty());
    let title_numbers = numbers(&title_key);
    let mut hasher = Sha256::new();
    for part in [
        date.map(|d| d.to_string()).unwrap_or_default().as_str(),
        &title_key,
        description_key.as_deref().unwrap_or(""),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let fingerprint = hex(&hasher.finalize()[..8]);
    crate::record::Record {
        id: raw.id(),
        raw,
        date,
        title_key,
        description_key,
        title_numbers,
        fingerprint,
        page,
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_case_and_width() {
        assert_eq!(fold("Säypiddin Äzizi"), "saypiddin azizi");
        assert_eq!(fold("Ürümchi"), "urumchi");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("Lüshun"), "lushun");
    }

    #[test]
    fn quotes_brackets_and_spacing_alike() {
        assert_eq!(fold("Mao Zedong’s"), fold("Mao Zedong's"));
        assert_eq!(fold("“new stage”"), fold("\"new stage\""));
        assert_eq!(fold("Filippov [Stalin]"), fold("Filippov (Stalin)"));
        assert_eq!(fold("  a \t b\u{a0} c  "), "a b c");
    }

    #[test]
    fn match_key_keeps_only_words() {
        assert_eq!(match_key("Semenov [Stalin] to Mao"), "semenov stalin to mao");
        assert_eq!(match_key("'Note on Visit'"), "note on visit");
    }

    proptest::proptest! {
        #[test]
        fn word_by_word_folds_like_the_whole_text(s in "(\\PC|\\s|[\u{300}-\u{36f}\u{a8}\u{a0}\u{3000}\u{1100}-\u{1112}\u{1161}-\u{1175}]){0,24}") {
            proptest::prop_assert_eq!(fold(&s), fold_unicode(&s));
        }
    }

    #[test]
    fn the_ascii_shortcut_folds_like_the_unicode_path() {
        for s in [
            "Cable, Mao  Zedong to Filippov [Stalin]",
            " 'Note' `on` {Visit}\t\n",
            "ABC-def",
            "",
        ] {
            let unicode: String = s.nfkc().flat_map(char::to_lowercase).collect();
            let slow: String = fold_chars(unicode.nfd().filter(|c| !is_combining_mark(*c)))
                .nfc()
                .collect();
            assert_eq!(fold(s), slow, "{s:?}");
        }
    }

    #[test]
    fn fold_is_idempotent_on_samples() {
        for s in ["Säypiddin", "ﬁ ligature", "Ǆ", "İstanbul", "ß", "a\u{301}"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s:?}");
        }
    }

    #[test]
    fn numbers_in_titles() {
        assert_eq!(
            numbers(&match_key("Ciphered Telegram No. 25553, Roshchin")),
            vec!["25553"]
        );
        assert!(numbers(&match_key("Cable, Mao Zedong to Filippov")).is_empty());
    }
}
