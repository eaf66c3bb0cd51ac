//! The words two texts do not share, as a reader should see them: words are compared by
//! their matching key ([`crate::normalize::match_key`]), so that what matching ignores (case,
//! accents, curly and straight quotes, punctuation) is never shown as a difference. Shared by
//! `concord review`'s side-by-side view and `report.html`.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// A word as written, and whether the other text lacks it.
pub type Word = (String, bool);

/// The words of `a` and `b` (split at whitespace, as written), each flagged when the other
/// side has no word of the same matching key at that place of the alignment. When one side
/// is empty nothing is flagged: a missing field is not a difference of words (every word of
/// the other side marked would only hide the fields that do differ).
pub fn diff(a: &str, b: &str) -> (Vec<Word>, Vec<Word>) {
    let (wa, wb): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
    if wa.is_empty() || wb.is_empty() {
        return (unmarked(a), unmarked(b));
    }
    let key = |w: &&str| crate::normalize::match_key(w);
    let (ka, kb): (Vec<String>, Vec<String>) = (wa.iter().map(key).collect(), wb.iter().map(key).collect());
    let mut left: Vec<Word> = wa.iter().map(|w| (w.to_string(), false)).collect();
    let mut right: Vec<Word> = wb.iter().map(|w| (w.to_string(), false)).collect();
    for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { old_index, old_len, .. } => mark(&mut left, &ka, old_index, old_len),
            DiffOp::Insert { new_index, new_len, .. } => mark(&mut right, &kb, new_index, new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                mark(&mut left, &ka, old_index, old_len);
                mark(&mut right, &kb, new_index, new_len);
            }
        }
    }
    (left, right)
}

/// The words of `text`, none marked.
pub fn unmarked(text: &str) -> Vec<Word> {
    text.split_whitespace().map(|w| (w.to_string(), false)).collect()
}

/// Flags `len` words from `start`, but not a word that is punctuation alone (its key is
/// empty): matching does not see it, so neither should the reader.
fn mark(words: &mut [Word], keys: &[String], start: usize, len: usize) {
    for i in start..start + len {
        words[i].1 = !keys[i].is_empty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(words: &[Word]) -> Vec<&str> {
        words.iter().filter(|w| w.1).map(|w| w.0.as_str()).collect()
    }

    #[test]
    fn differing_words_are_marked_on_their_side_only() {
        let (l, r) = diff("Letter from Mao to Stalin", "Letter from Zhou to Stalin");
        assert_eq!((marked(&l), marked(&r)), (vec!["Mao"], vec!["Zhou"]));
    }

    #[test]
    fn what_matching_ignores_is_no_difference() {
        let (l, r) = diff("Stalin’s letter to MAO, 1950", "Stalin's Letter to Mao 1950");
        assert_eq!((marked(&l), marked(&r)), (vec![], vec![]));
        let (l, r) = diff("Säypiddin - report", "Saypiddin report");
        assert_eq!((marked(&l), marked(&r)), (vec![], vec![]));
    }

    #[test]
    fn a_missing_field_marks_nothing() {
        let (l, r) = diff("", "A summary of the Berlin question");
        assert_eq!((marked(&l), marked(&r)), (vec![], vec![]));
        assert_eq!(r.len(), 6);
    }

    #[test]
    fn every_word_is_kept_as_written() {
        let (l, r) = diff("a  “quoted”  word", "another word");
        assert_eq!(
            l.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(),
            ["a", "“quoted”", "word"]
        );
        assert_eq!(r.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(), ["another", "word"]);
    }
}
