//! Survivorship of a table's canonical fields: which member of a cluster supplies each field.
//! Every policy returns the supplying member (a record index), so that the value written and
//! the member named in `canonical_sources.csv` are one choice. Only members holding a value
//! are candidates; a form with an invisible character is chosen only when no member has a
//! clean one (as for pages).
//!
//! The default, `medoid`, takes the value closest to all the others (the smallest sum of
//! distances to the members' values, compared as the field's kind compares). With three
//! members or more, a copy with a typo loses to the value the others share or resemble.
//! With two members that disagree the sums are equal: the distance is symmetric, so the
//! tie is broken by the members themselves. The member that is most complete (values in the
//! most fields), then whose values read most like the rest of their columns, is trusted
//! (see [`Forms`]): corrupted copies lose values and carry typos, and a typo makes letter
//! pairs the column rarely has. Its values are taken in every field where distance cannot
//! decide, so one whole record survives rather than a field-by-field coin toss.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::linkage::similarity::{head, similarity};
use crate::normalize::has_invisible;
use crate::record::{Record, Value};
use crate::schema::{FieldKind, FieldRule, Survivorship, TableRules};

/// Characters of a text compared by the medoid: Levenshtein is quadratic, and a survivorship
/// decision needs no more than a line's worth.
const MAX_COMPARED_CHARS: usize = 1000;

/// Distinct values of a field a medoid weighs at most: the commonest ones. The medoid costs
/// the square of the number of values, and a cluster of thousands of distinct forms is a
/// blocking accident whose canonical row no one can trust anyway.
const MAX_MEDOID_VALUES: usize = 256;

/// Marks the beginning and the end of a value in its letter pairs (controls are never in a
/// normalized key).
const START: char = '\u{2}';
const END: char = '\u{3}';

/// How the values of each field of a table are written: counts of letter pairs (a character
/// bigram model per column, the beginning and end of the value included). A value's
/// typicality is the mean log-probability of its pairs under its column's model, add-one
/// smoothed, with the value's own pairs left out (a value does not vouch for itself). A typo
/// ("wilikns", "ban skia") makes pairs that other values of the column seldom have, so the
/// original usually reads as more typical than its corrupted copy, even when both occur once
/// in the table. This is the prior of a noisy-channel spelling corrector, estimated from the
/// column itself: no dictionary is needed.
pub struct Forms {
    /// Per field: (pair counts, counts of pairs by first character, alphabet size).
    columns: Vec<Column>,
}

#[derive(Default)]
struct Column {
    pairs: HashMap<(char, char), u32>,
    firsts: HashMap<char, u32>,
    /// Distinct second characters, plus one: the add-one smoothing's denominator.
    alphabet: u32,
}

/// The letter pairs of `key`, the beginning and end marked.
fn pairs(key: &str) -> impl Iterator<Item = (char, char)> + '_ {
    let chars = std::iter::once(START).chain(key.chars()).chain(std::iter::once(END));
    chars.clone().zip(chars.skip(1))
}

/// The comparison key of field `f` of `r` (None: missing or unreadable).
fn key_of(r: &Record, f: usize) -> Option<Cow<'_, str>> {
    r.value(f).map(Value::key_str)
}

impl Forms {
    /// The models of every field of `records` (`fields` fields each).
    pub fn of(records: &[Record], fields: usize) -> Forms {
        let columns = (0..fields)
            .into_par_iter()
            .map(|f| {
                let mut c = Column::default();
                for key in records.iter().filter_map(|r| key_of(r, f)) {
                    for (a, b) in pairs(&key) {
                        *c.pairs.entry((a, b)).or_default() += 1;
                        *c.firsts.entry(a).or_default() += 1;
                    }
                }
                let seconds: std::collections::HashSet<char> = c.pairs.keys().map(|&(_, b)| b).collect();
                c.alphabet = seconds.len() as u32 + 1;
                c
            })
            .collect();
        Forms { columns }
    }

    /// The typicality of `key`, a value of field `f` counted once in the model: the mean
    /// log-probability of its letter pairs (0 is certain; lower is rarer).
    pub fn typicality(&self, f: usize, key: &str) -> f64 {
        let Some(c) = self.columns.get(f) else { return 0.0 };
        let mut own: HashMap<(char, char), u32> = HashMap::new();
        let mut own_firsts: HashMap<char, u32> = HashMap::new();
        for (a, b) in pairs(key) {
            *own.entry((a, b)).or_default() += 1;
            *own_firsts.entry(a).or_default() += 1;
        }
        let (mut sum, mut n) = (0.0, 0u32);
        for (a, b) in pairs(key) {
            let pair = c.pairs.get(&(a, b)).copied().unwrap_or(0).saturating_sub(own[&(a, b)]);
            let first = c.firsts.get(&a).copied().unwrap_or(0).saturating_sub(own_firsts[&a]);
            sum += ((pair + 1) as f64 / (first + c.alphabet) as f64).ln();
            n += 1;
        }
        sum / n as f64
    }
}

/// How far a member is to be trusted where distance cannot decide: (fields with a value,
/// summed typicality of those values). Compared in that order: completeness first.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Trust(usize, f64);

impl Trust {
    fn rank(&self, other: &Trust) -> Ordering {
        self.0.cmp(&other.0).then(self.1.total_cmp(&other.1))
    }
}

/// One cluster, as survivorship reads it.
pub struct Cluster<'a> {
    records: &'a [Record],
    /// Member record indices, ascending: the run's record order.
    members: &'a [u32],
    table: &'a TableRules,
    forms: Option<&'a Forms>,
    /// Each member's [`Trust`], computed when a medoid first needs it.
    trust: OnceCell<BTreeMap<u32, Trust>>,
}

impl<'a> Cluster<'a> {
    /// The cluster of `members`; `forms` are needed by `medoid` and `preferred-source`.
    pub fn new(records: &'a [Record], members: &'a [u32], table: &'a TableRules, forms: Option<&'a Forms>) -> Self {
        Cluster {
            records,
            members,
            table,
            forms,
            trust: OnceCell::new(),
        }
    }

    /// The member that supplies field `f` under its policy (None: no member has a value).
    pub fn pick(&self, f: usize) -> Option<u32> {
        let rule = &self.table.fields[f];
        let cands = self.candidates(f);
        if cands.len() <= 1 {
            return cands.first().copied();
        }
        match rule.survivorship {
            Survivorship::Medoid => self.medoid(f, &cands),
            Survivorship::MostCommon => self.most_common(f, &cands),
            Survivorship::MostRecent => self.most_recent(f, rule, &cands),
            Survivorship::PreferredSource => self.preferred_source(f, rule, &cands),
            Survivorship::Longest => self.longest(f, &cands),
            Survivorship::FirstNonEmpty => cands.first().copied(),
        }
    }

    /// Field `f` of member `i` as written.
    fn cell(&self, i: u32, f: usize) -> Option<&'a str> {
        self.records[i as usize].raw.fields.get(f).and_then(Option::as_deref)
    }

    /// The members holding a value of `f`, in record order: the clean ones, or all of them
    /// when none is clean.
    fn candidates(&self, f: usize) -> Vec<u32> {
        let with: Vec<u32> = self
            .members
            .iter()
            .copied()
            .filter(|&i| self.cell(i, f).is_some())
            .collect();
        let clean: Vec<u32> = with
            .iter()
            .copied()
            .filter(|&i| self.cell(i, f).is_some_and(|v| !has_invisible(v)))
            .collect();
        if clean.is_empty() { with } else { clean }
    }

    /// The candidates' distinct values of `f`, each with its holders (in record order).
    fn values(&self, f: usize, cands: &[u32]) -> BTreeMap<&'a str, Vec<u32>> {
        let mut out: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for &i in cands {
            if let Some(v) = self.cell(i, f) {
                out.entry(v).or_default().push(i);
            }
        }
        out
    }

    /// `most-common`: the value most members hold; ties the longest (in bytes), then the
    /// first in byte order. Supplied by its first holder.
    fn most_common(&self, f: usize, cands: &[u32]) -> Option<u32> {
        self.values(f, cands)
            .into_iter()
            .max_by(|(v1, h1), (v2, h2)| h1.len().cmp(&h2.len()).then(v1.len().cmp(&v2.len())).then(v2.cmp(v1)))
            .map(|(_, holders)| holders[0])
    }

    /// `longest`: the value with the most characters; ties the one more members hold, then
    /// the first in byte order.
    fn longest(&self, f: usize, cands: &[u32]) -> Option<u32> {
        self.values(f, cands)
            .into_iter()
            .max_by(|(v1, h1), (v2, h2)| {
                (v1.chars().count(), h1.len())
                    .cmp(&(v2.chars().count(), h2.len()))
                    .then(v2.cmp(v1))
            })
            .map(|(_, holders)| holders[0])
    }

    /// `most-recent`: the value of the member latest by field `survivorship_by` (a date: the
    /// later, then the more precise; a number: the larger). Members without a readable one
    /// are not considered; when none has one, or several are latest, `most-common` decides
    /// among them.
    fn most_recent(&self, f: usize, rule: &FieldRule, cands: &[u32]) -> Option<u32> {
        let by = rule.survivorship_by.as_deref().and_then(|n| self.table.field_index(n));
        let when = |i: u32| by.and_then(|b| self.records[i as usize].value(b));
        let dated: Vec<u32> = cands.iter().copied().filter(|&i| when(i).is_some()).collect();
        let latest = dated.iter().copied().max_by(|&x, &y| later(when(x), when(y)));
        let Some(latest) = latest else {
            return self.most_common(f, cands);
        };
        let tied: Vec<u32> = dated
            .into_iter()
            .filter(|&i| later(when(i), when(latest)) == Ordering::Equal)
            .collect();
        self.most_common(f, &tied)
    }

    /// `preferred-source`: the first member (in record order) from the first source of
    /// `prefer` that has one with a value; `medoid` when no listed source has.
    fn preferred_source(&self, f: usize, rule: &FieldRule, cands: &[u32]) -> Option<u32> {
        rule.prefer
            .iter()
            .find_map(|s| {
                cands
                    .iter()
                    .copied()
                    .find(|&i| names_source(s, source_of(&self.records[i as usize], self.table)))
            })
            .or_else(|| self.medoid(f, cands))
    }

    /// `medoid`: the value with the smallest sum of distances to the candidates' values;
    /// ties the one more members hold, then the one held by the most trusted member (see
    /// the module docs), then the first in byte order. Supplied by its most trusted holder.
    fn medoid(&self, f: usize, cands: &[u32]) -> Option<u32> {
        let kind = self.table.fields[f].kind;
        let mut values: Vec<(&str, Vec<u32>)> = self.values(f, cands).into_iter().collect();
        if values.len() > MAX_MEDOID_VALUES {
            // The commonest, ties in byte order (the sort is stable over byte order).
            values.sort_by_key(|(_, h)| std::cmp::Reverse(h.len()));
            values.truncate(MAX_MEDOID_VALUES);
        }
        let value = |i: u32| self.records[i as usize].value(f);
        let spread: Vec<i64> = values
            .iter()
            .map(|(v, h)| {
                let total: f64 = (values.iter())
                    .map(|(w, g)| g.len() as f64 * distance(kind, (v, value(h[0])), (w, value(g[0]))))
                    .sum();
                // Whole nanounits: sums of the same distances added in another order are equal.
                (total * 1e9).round() as i64
            })
            .collect();
        // The first of the most trusted holders (`max_by` keeps the last of equals).
        let best_holder = |h: &[u32]| -> u32 {
            match h {
                [one] => *one,
                _ => (h.iter().copied().rev())
                    .max_by(|&x, &y| self.trust_of(x).rank(&self.trust_of(y)))
                    .unwrap_or(h[0]),
            }
        };
        let best = (0..values.len()).min_by(|&x, &y| {
            let (vx, hx) = &values[x];
            let (vy, hy) = &values[y];
            spread[x]
                .cmp(&spread[y])
                .then(hy.len().cmp(&hx.len()))
                .then_with(|| self.trust_of(best_holder(hy)).rank(&self.trust_of(best_holder(hx))))
                .then(vx.cmp(vy))
        })?;
        Some(best_holder(&values[best].1))
    }

    /// The trust of member `i`.
    fn trust_of(&self, i: u32) -> Trust {
        self.trust().get(&i).copied().unwrap_or(Trust(0, f64::NEG_INFINITY))
    }

    /// Every member's trust.
    fn trust(&self) -> &BTreeMap<u32, Trust> {
        self.trust.get_or_init(|| {
            let fields = self.table.fields.len();
            (self.members.iter())
                .map(|&i| {
                    let r = &self.records[i as usize];
                    let keys: Vec<(usize, Cow<str>)> =
                        (0..fields).filter_map(|g| key_of(r, g).map(|k| (g, k))).collect();
                    let typical: f64 = match self.forms {
                        Some(forms) => keys.iter().map(|(g, k)| forms.typicality(*g, k)).sum(),
                        None => 0.0,
                    };
                    (i, Trust(keys.len(), typical))
                })
                .collect()
        })
    }
}

/// The source of a record, as `provenance.csv`'s `source_dataset` writes it: the mapping's
/// `source` field, or its input file.
pub fn source_of<'r>(record: &'r Record, table: &TableRules) -> &'r str {
    record.raw.source_name(table.source_field())
}

/// True when `prefer` entry `name` names `source`: the whole source, or a file's name
/// without its folders.
fn names_source(name: &str, source: &str) -> bool {
    name == source || source.rsplit('/').next() == Some(name)
}

/// Which of two `survivorship_by` values is later: dates by day (a more precise date after
/// the vaguer one it falls in), numbers by size; a value of another type first.
fn later(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Date(x)), Some(Value::Date(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.total_cmp(y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// Distance in [0, 1] between two values of a field of `kind`, each given as written and as
/// read: 0 when written alike or read alike; 1 when either cannot be read. Names by
/// Jaro-Winkler, numbers by relative difference, texts, codes and dates (as ISO text) by
/// normalized Levenshtein, as the comparisons of the model see them.
fn distance(kind: FieldKind, a: (&str, Option<&Value>), b: (&str, Option<&Value>)) -> f64 {
    if a.0 == b.0 {
        return 0.0;
    }
    let (Some(x), Some(y)) = (a.1, b.1) else { return 1.0 };
    match (x, y) {
        (Value::Number(x), Value::Number(y)) => {
            let scale = x.abs().max(y.abs());
            if scale == 0.0 {
                0.0
            } else {
                ((x - y).abs() / scale).min(1.0)
            }
        }
        _ => {
            let (x, y) = (x.key_str(), y.key_str());
            let (x, y) = (head(&x, MAX_COMPARED_CHARS), head(&y, MAX_COMPARED_CHARS));
            match kind {
                FieldKind::Name => 1.0 - strsim::jaro_winkler(x, y),
                _ => 1.0 - similarity(x, y),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Provenance, RawRecord, SourceKind};

    /// A table of a `name` field (with `policy`'s keys), a date `seen` and a number `n`.
    fn table(policy: &str) -> TableRules {
        toml::from_str(&format!(
            r#"
            blocking = [{{ name = "b", fields = ["name"] }}]
            [[fields]]
            name = "name"
            kind = "name"
            {policy}
            [[fields]]
            name = "seen"
            kind = "date"
            [[fields]]
            name = "n"
            kind = "number"
            "#
        ))
        .unwrap()
    }

    /// Records of `rows` (file, name, seen, n; "" is empty), read under `table`.
    fn records(table: &TableRules, rows: &[(&str, &str, &str, &str)]) -> Vec<Record> {
        (rows.iter().enumerate())
            .map(|(i, &(file, name, seen, n))| {
                let cell = |c: &str| (!c.is_empty()).then(|| c.to_string());
                let raw = RawRecord {
                    provenance: Provenance {
                        file: file.into(),
                        position: i + 1,
                        line: i + 2,
                        layout: "csv".into(),
                        page: None,
                    },
                    fields: Box::new([cell(name), cell(seen), cell(n)]),
                    key: None,
                    partial: false,
                    source: SourceKind::Table,
                    layout_fields: None,
                };
                crate::normalize::prepare_row(raw, i as u32, table).0
            })
            .collect()
    }

    /// The name the first `members` records give field 0 under `policy`, the whole table
    /// read for the column models.
    fn pick(policy: &str, rows: &[(&str, &str, &str, &str)], members: usize) -> Option<String> {
        let t = table(policy);
        let rs = records(&t, rows);
        let forms = Forms::of(&rs, t.fields.len());
        let members: Vec<u32> = (0..members as u32).collect();
        let c = Cluster::new(&rs, &members, &t, Some(&forms));
        c.pick(0).and_then(|i| rs[i as usize].raw.fields[0].clone())
    }

    fn names<'a>(names: &[&'a str]) -> Vec<(&'static str, &'a str, &'static str, &'static str)> {
        names.iter().map(|&n| ("t.csv", n, "", "")).collect()
    }

    #[test]
    fn the_medoid_is_the_value_closest_to_all_others() {
        // Once each: most-common falls back on the longest, the medoid on what is nearest.
        let rows = names(&["smyth", "smithe", "smith"]);
        assert_eq!(pick("", &rows, 3).as_deref(), Some("smith"));
        assert_eq!(
            pick("survivorship = \"most-common\"", &rows, 3).as_deref(),
            Some("smithe")
        );
        // A typo outvoted by the copies the others share.
        let rows = names(&["jonathan", "jonathon", "jonathan"]);
        assert_eq!(pick("survivorship = \"medoid\"", &rows, 3).as_deref(), Some("jonathan"));
    }

    #[test]
    fn a_two_member_tie_goes_to_the_more_complete_then_more_typical_member() {
        // Equal distances both ways: the member with more values wins, whatever the order.
        let rows = [("t.csv", "wilikns", "", ""), ("t.csv", "wilkins", "1970", "3")];
        assert_eq!(pick("", &rows, 2).as_deref(), Some("wilkins"));
        let rows = [("t.csv", "wilkins", "1970", "3"), ("t.csv", "wilikns", "", "")];
        assert_eq!(pick("", &rows, 2).as_deref(), Some("wilkins"));
        // Equally complete: the form whose letter pairs the column has (other records of
        // the table, not in the cluster) beats the typo, in either order.
        let others = ["wilson", "atkins", "jenkins", "wilkes", "hawkins", "perkins"];
        for pair in [["wilikns", "wilkins"], ["wilkins", "wilikns"]] {
            let mut rows = names(&pair);
            rows.extend(names(&others));
            assert_eq!(pick("", &rows, 2).as_deref(), Some("wilkins"), "{pair:?}");
        }
        // Nothing tells them apart: byte order, the same whichever member comes first.
        assert_eq!(pick("", &names(&["ba", "ab"]), 2), pick("", &names(&["ab", "ba"]), 2));
    }

    #[test]
    fn a_typo_reads_as_less_typical_of_its_column() {
        let t = table("");
        let rows = names(&["wilkins", "wilikns", "atkins", "jenkins", "hawkins", "wilson"]);
        let rs = records(&t, &rows);
        let forms = Forms::of(&rs, t.fields.len());
        assert!(forms.typicality(0, "wilkins") > forms.typicality(0, "wilikns"));
        // Its own occurrence does not count: alone in its column, each of its letter pairs
        // is unseen, 1 / (0 + alphabet) with add-one smoothing over z, q and the end (+1).
        let alone = Forms::of(&records(&t, &names(&["zzq"])), t.fields.len());
        assert!((alone.typicality(0, "zzq") - (1.0f64 / 4.0).ln()).abs() < 1e-12);
        // Met again elsewhere, it reads as more typical.
        let twice = Forms::of(&records(&t, &names(&["zzq", "zzq"])), t.fields.len());
        assert!(twice.typicality(0, "zzq") > alone.typicality(0, "zzq"));
    }

    #[test]
    fn most_common_takes_the_majority_then_the_longest() {
        let p = "survivorship = \"most-common\"";
        assert_eq!(pick(p, &names(&["b", "a", "a"]), 3).as_deref(), Some("a"));
        assert_eq!(pick(p, &names(&["a", "ab"]), 2).as_deref(), Some("ab"));
    }

    #[test]
    fn most_recent_takes_the_latest_member_by_its_field() {
        let p = "survivorship = \"most-recent\"\nsurvivorship_by = \"seen\"";
        let rows = [
            ("t.csv", "new", "2020-03", ""),
            ("t.csv", "old", "2001-01-01", ""),
            ("t.csv", "undated", "", ""),
        ];
        assert_eq!(pick(p, &rows, 3).as_deref(), Some("new"));
        // No member dated: the most common value.
        let rows = [("t.csv", "x", "", ""), ("t.csv", "y", "", ""), ("t.csv", "y", "", "")];
        assert_eq!(pick(p, &rows, 3).as_deref(), Some("y"));
        // By a number: the larger.
        let p = "survivorship = \"most-recent\"\nsurvivorship_by = \"n\"";
        let rows = [("t.csv", "v9", "", "9"), ("t.csv", "v10", "", "10")];
        assert_eq!(pick(p, &rows, 2).as_deref(), Some("v10"));
    }

    #[test]
    fn preferred_source_takes_the_first_listed_source_that_has_a_value() {
        let rows = [
            ("in/a.csv", "from a", "", ""),
            ("in/b.csv", "", "", ""),
            ("in/c.csv", "from c", "", ""),
        ];
        let p = |list: &str| format!("survivorship = \"preferred-source\"\nprefer = {list}");
        assert_eq!(pick(&p("[\"c.csv\", \"a.csv\"]"), &rows, 3).as_deref(), Some("from c"));
        // b.csv has no value: the next source.
        assert_eq!(pick(&p("[\"b.csv\", \"a.csv\"]"), &rows, 3).as_deref(), Some("from a"));
        // No listed source: the medoid.
        let medoid = pick("", &rows, 3);
        assert_eq!(pick(&p("[\"x.csv\"]"), &rows, 3), medoid);
        let t = table("");
        assert_eq!(source_of(&records(&t, &rows)[0], &t), "in/a.csv");
        assert!(names_source("a.csv", "in/a.csv") && !names_source("b.csv", "in/a.csv"));
    }

    #[test]
    fn longest_and_first_non_empty() {
        let rows = names(&["", "ann", "annabel", "anne"]);
        assert_eq!(pick("survivorship = \"longest\"", &rows, 4).as_deref(), Some("annabel"));
        assert_eq!(
            pick("survivorship = \"first-non-empty\"", &rows, 4).as_deref(),
            Some("ann")
        );
        // No member has a value.
        assert_eq!(pick("", &names(&["", ""]), 2), None);
    }

    #[test]
    fn a_form_with_an_invisible_character_is_chosen_only_when_no_clean_one_is_there() {
        for p in ["", "survivorship = \"longest\"", "survivorship = \"first-non-empty\""] {
            let rows = names(&["anna\u{200b}belle", "anna"]);
            assert_eq!(pick(p, &rows, 2).as_deref(), Some("anna"), "{p}");
            let rows = names(&["anna\u{200b}belle"]);
            assert_eq!(pick(p, &rows, 1).as_deref(), Some("anna\u{200b}belle"), "{p}");
        }
    }
}
