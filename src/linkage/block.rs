//! Blocking: which pairs of records are worth comparing, by the source's blocking rules
//! (pages: `[[blocking.rules]]` of the rules, by default `date` and `title_token`; a table:
//! `[table] blocking`), each of a [`BlockingKind`] over fields of the schema:
//!
//! - `compatible_dates`: records whose dates are compatible (equal, or one inside the other:
//!   a month-only date is compared with every full date of that month);
//! - `rare_tokens`: a record with no usable date is compared with the records sharing one of
//!   its rarest tokens of the field;
//! - exact (a table's rules): records whose values of the rule's fields are present and equal.
//!
//! Two records from one page are never paired (cannot-link). A block larger than
//! `max_block_size` is not compared all-pairs: each record meets its `window` nearest
//! neighbours in title order (a table row's values), and a warning says so.

use std::borrow::Cow;
use std::collections::BTreeMap;

// aHash: hash maps of title tokens are built over every record of a run; SipHash (std's
// default) was a visible share of blocking, and aHash keeps a random key (scraped text
// cannot be crafted to collide).
use ahash::AHashMap as HashMap;
use std::sync::Arc;

use crate::error::Warning;
use crate::linkage::key::{Key, rule_key};
use crate::normalize::date::{PartialDate, Precision};
use crate::record::Record;
use crate::rules::{BlockingKind, BlockingRules};
use crate::schema::key::KeyPart;
use crate::schema::{Role, Schema, TableRules};
use rayon::prelude::*;

/// The blocking rule that produced a pair: its position among the run's rules (a bit of a
/// training mask) and its name (written in outputs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockRule {
    /// Position among the run's blocking rules.
    pub index: u16,
    /// Name written in outputs.
    pub name: String,
}

impl BlockRule {
    /// The name written in outputs.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Index of the rule among the run's blocking rules (a bit of a training mask).
    pub fn index(&self) -> usize {
        self.index as usize
    }
}

/// A blocking rule resolved against a schema: its kind and the positions of its fields.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Name written in outputs.
    pub name: String,
    /// How it groups records.
    pub kind: BlockingKind,
    /// Its fields: the fields that must agree (exact), the date field (compatible dates),
    /// or the token field (rare tokens).
    pub fields: Vec<usize>,
    /// For rare tokens: the date field whose absence makes a record "undated".
    pub undated: Option<usize>,
    /// For rare tokens on a field of a layout's own ("number"): its name (`fields` is then
    /// empty: the page schema has no such field).
    pub layout_field: Option<std::sync::Arc<str>>,
    /// For an exact rule: the key expressions whose values must agree (a table's rule may
    /// take a part of a field, see [`crate::schema::key`]).
    pub keys: Vec<Key>,
}

impl Rule {
    /// Fields a pair of this rule agrees on, wholly or in part, by construction: training
    /// leaves their comparisons out of the rule's EM session (as Splink does: a pair that
    /// shares a surname's first letters agrees on the surname more often than a match
    /// would by itself). Sharing one rare token is no agreement of the field, so a
    /// rare-token rule leaves nothing out.
    pub fn agreeing_fields(&self) -> &[usize] {
        match self.kind {
            BlockingKind::RareTokens => &[],
            BlockingKind::Exact | BlockingKind::CompatibleDates => &self.fields,
        }
    }
}

/// The page blocking rules (`[[blocking.rules]]`), resolved against the page schema. The
/// rules were validated when read: a rule that does not resolve is left out.
pub fn page_rules(rules: &BlockingRules) -> Vec<Rule> {
    let page = Schema::page();
    rules
        .rules
        .iter()
        .filter_map(|spec| {
            let (kind, _) = BlockingKind::page_kind(&spec.kind)?;
            let field = page.index(&spec.field);
            Some(Rule {
                name: spec.name.clone(),
                kind,
                fields: field.into_iter().collect(),
                undated: page.role(Role::Date),
                layout_field: field.is_none().then(|| spec.field.as_str().into()),
                keys: field
                    .map(|field| Key {
                        field,
                        part: KeyPart::Whole,
                    })
                    .into_iter()
                    .collect(),
            })
        })
        .collect()
}

/// A table's blocking rules (`[table] blocking`): exact agreement on their keys.
pub fn table_rules(table: &TableRules) -> Vec<Rule> {
    table
        .blocking
        .iter()
        .map(|rule| {
            let keys: Vec<Key> = rule.keys().iter().filter_map(|e| Key::resolve(e, table)).collect();
            let mut fields: Vec<usize> = keys.iter().map(|k| k.field).collect();
            fields.sort_unstable();
            fields.dedup();
            Rule {
                name: rule.name.clone(),
                kind: BlockingKind::Exact,
                fields,
                undated: None,
                layout_field: None,
                keys,
            }
        })
        .collect()
}

/// A pair to compare: indices into the record list, `a < b`, and the block that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CandidatePair {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// The block it came from: an index into [`Blocking::stats`] (rule and key), or
    /// [`NO_BLOCK`] for a pair no blocking rule made (a reviewer's override).
    pub block: u32,
}

/// [`CandidatePair::block`] of a pair no blocking rule made.
pub const NO_BLOCK: u32 = u32::MAX;

/// What blocking produced.
#[derive(Debug, Default)]
pub struct Blocking {
    /// Pairs to compare, sorted by (a, b), each once.
    pub pairs: Vec<CandidatePair>,
    /// Number of blocks with at least two records.
    pub blocks: usize,
    /// Size of the largest block.
    pub largest_block: usize,
    /// Pairs not made because both records are on one page.
    pub same_page_skipped: usize,
    /// Oversized blocks and records left without candidates.
    pub warnings: Vec<Warning>,
    /// Every block of two records or more, in rule then key order.
    pub stats: Vec<BlockStat>,
    /// Oversized blocks paired by shared title tokens.
    pub token_paired_blocks: usize,
}

/// The size of one block and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockStat {
    /// The rule.
    pub rule: BlockRule,
    /// The block key.
    pub key: String,
    /// Records in the block.
    pub records: usize,
    /// Pairs made from it (before removing pairs already made by another block).
    pub pairs: usize,
    /// True when the block was over the size limit and not compared all-pairs.
    pub windowed: bool,
    /// How it was paired: `all-pairs`, `window` or `title_tokens`.
    pub mode: &'static str,
}

/// A block: `left` records are paired with each other and with every `right` record.
struct Block<'a> {
    /// Index of its entry in `Blocking::stats` (set when it holds two records or more).
    stat: u32,
    rule: BlockRule,
    key: Arc<str>,
    left: &'a [u32],
    right: &'a [u32],
}

/// Runs the page blocking rules over page `records`.
pub fn block(records: &[Record], rules: &BlockingRules) -> Blocking {
    block_pages(records, rules, Pass::All)
}

/// Runs the page blocking rules the pass covers.
pub fn block_pages(records: &[Record], rules: &BlockingRules, pass: Pass) -> Blocking {
    block_by(records, &page_rules(rules), rules, true, pass)
}

/// The records and rules one blocking pass covers (partitioned linkage runs a pass per part;
/// see `pipeline::partition`). A rule of compatible dates never pairs two years, an exact
/// rule never two of its keys, so each runs over a part's records alone; a rule of rare
/// tokens pairs an undated record with any record, so it runs in a pass of its own.
#[derive(Debug, Clone, Copy)]
pub enum Pass<'m> {
    /// Every rule over every record.
    All,
    /// Every rule but those of rare tokens, over these records only (sorted).
    Members(&'m [u32]),
    /// The rules of rare tokens only, over every record (their rarity counted over all).
    RareTokens,
}

impl Pass<'_> {
    /// The pass runs rules of this kind.
    fn runs(&self, kind: BlockingKind) -> bool {
        match self {
            Pass::All => true,
            Pass::Members(_) => kind != BlockingKind::RareTokens,
            Pass::RareTokens => kind == BlockingKind::RareTokens,
        }
    }
}

/// Runs the pass's `rules` over `records`: every rule's blocks, in rule order then key order,
/// paired; a rule's index is its position in `rules` whichever rules the pass runs.
/// `titled`: the records have titles (pages), which order a windowed block and feed the
/// title-word filter.
pub fn block_by(records: &[Record], rules: &[Rule], params: &BlockingRules, titled: bool, pass: Pass) -> Blocking {
    let mut out = Blocking::default();
    let all: Vec<u32>;
    let members: &[u32] = match pass {
        Pass::Members(m) => m,
        Pass::All | Pass::RareTokens => {
            all = (0..records.len() as u32).collect();
            &all
        }
    };
    let keyed: Vec<Option<Keyed>> = rules
        .iter()
        .map(|rule| {
            pass.runs(rule.kind).then(|| match rule.kind {
                BlockingKind::CompatibleDates => Keyed::Dates(DateIndex::new(records, members, rule.fields[0])),
                BlockingKind::RareTokens => Keyed::Tokens(title_token_blocks(records, rule, params, &mut out.warnings)),
                BlockingKind::Exact => Keyed::Exact(exact_blocks(records, members, &rule.keys)),
            })
        })
        .collect();
    let blocks: Vec<Block> = rules
        .iter()
        .zip(&keyed)
        .enumerate()
        .filter_map(|(i, (rule, keyed))| Some((i, rule, keyed.as_ref()?)))
        .flat_map(|(i, rule, keyed)| {
            let rule = BlockRule {
                index: i as u16,
                name: rule.name.clone(),
            };
            keyed.blocks(rule)
        })
        .collect();
    pair_blocks(blocks, records, params, out, titled)
}

/// One rule's blocks by key, before pairing (the blocks borrow their member lists here).
enum Keyed {
    Dates(DateIndex),
    Tokens(BTreeMap<String, (Vec<u32>, Vec<u32>)>),
    Exact(BTreeMap<String, Vec<u32>>),
}

/// Records by date, at each precision: a day block is its day's records; a month block its
/// month-only records with every day of the month; a year block its year-only records with
/// every finer date of the year.
#[derive(Default)]
struct DateIndex {
    by_day: BTreeMap<PartialDate, Vec<u32>>,
    by_month: BTreeMap<PartialDate, Vec<u32>>,
    by_year: BTreeMap<PartialDate, Vec<u32>>,
    days_of_month: HashMap<PartialDate, Vec<u32>>,
    finer_in_year: HashMap<PartialDate, Vec<u32>>,
}

impl DateIndex {
    fn new(records: &[Record], members: &[u32], field: usize) -> DateIndex {
        let mut ix = DateIndex::default();
        for &i in members {
            let Some(d) = records[i as usize].value(field).and_then(|v| v.as_date()) else {
                continue;
            };
            let month = d.truncate(Precision::Month);
            let year = d.truncate(Precision::Year);
            match d.precision() {
                Precision::Day => {
                    ix.by_day.entry(d).or_default().push(i);
                    ix.days_of_month.entry(month).or_default().push(i);
                    ix.finer_in_year.entry(year).or_default().push(i);
                }
                Precision::Month => {
                    ix.by_month.entry(month).or_default().push(i);
                    ix.finer_in_year.entry(year).or_default().push(i);
                }
                Precision::Year => ix.by_year.entry(year).or_default().push(i),
            }
        }
        ix
    }
}

const EMPTY: &[u32] = &[];

impl Keyed {
    /// The blocks of one rule, in key order.
    fn blocks(&self, rule: BlockRule) -> Vec<Block<'_>> {
        let make = |key: Arc<str>, left, right| Block {
            stat: NO_BLOCK,
            rule: rule.clone(),
            key,
            left,
            right,
        };
        match self {
            // Keys sort as their written forms do ("1952" < "1952-01" < "1952-01-05").
            Keyed::Dates(ix) => {
                fn get<'m>(m: &'m HashMap<PartialDate, Vec<u32>>, k: &PartialDate) -> &'m [u32] {
                    m.get(k).map_or(EMPTY, Vec::as_slice)
                }
                let days = ix
                    .by_day
                    .iter()
                    .map(|(k, l)| make(k.to_string().into(), l.as_slice(), EMPTY));
                let months =
                    (ix.by_month.iter()).map(|(k, l)| make(k.to_string().into(), l, get(&ix.days_of_month, k)));
                let years = (ix.by_year.iter()).map(|(k, l)| make(k.to_string().into(), l, get(&ix.finer_in_year, k)));
                days.chain(months).chain(years).collect()
            }
            Keyed::Tokens(t) => t.iter().map(|(k, (l, r))| make(k.as_str().into(), l, r)).collect(),
            Keyed::Exact(e) => e.iter().map(|(k, l)| make(k.as_str().into(), l, EMPTY)).collect(),
        }
    }
}

/// What pairing one block produced.
#[derive(Default)]
struct BlockPairs {
    pairs: Vec<CandidatePair>,
    mode: &'static str,
    same_page_skipped: usize,
    token_paired: bool,
    warning: Option<Warning>,
}

/// Pairs every block (in parallel), then keeps one comparison per pair: the first rule and
/// key win.
fn pair_blocks(
    mut blocks: Vec<Block>,
    records: &[Record],
    rules: &BlockingRules,
    mut out: Blocking,
    titled: bool,
) -> Blocking {
    // Blocks of two records or more get their stats entry, in block order: a pair names its
    // block by that index.
    let mut next = 0;
    for b in &mut blocks {
        if b.left.len() + b.right.len() >= 2 {
            b.stat = next;
            next += 1;
        }
    }
    let paired: Vec<BlockPairs> = blocks
        .par_iter()
        .map(|b| pair_block(b, records, rules, titled))
        .collect();
    let mut pairs = Vec::with_capacity(paired.iter().map(|p| p.pairs.len()).sum());
    for (b, p) in blocks.iter().zip(paired) {
        let size = b.left.len() + b.right.len();
        out.same_page_skipped += p.same_page_skipped;
        out.token_paired_blocks += usize::from(p.token_paired);
        out.warnings.extend(p.warning);
        if size >= 2 {
            out.blocks += 1;
            out.largest_block = out.largest_block.max(size);
            out.stats.push(BlockStat {
                rule: b.rule.clone(),
                key: b.key.to_string(),
                records: size,
                pairs: p.pairs.len(),
                windowed: p.mode != "all-pairs",
                mode: p.mode,
            });
        }
        pairs.extend(p.pairs);
    }
    if out.token_paired_blocks > 0 {
        out.warnings.push(token_paired_warning(out.token_paired_blocks, rules));
    }
    // One comparison per pair: the first block wins (blocks come in rule order, then key
    // order: date before title_token). Pairs equal in all three are one comparison, so an
    // unstable sort is deterministic.
    pairs.par_sort_unstable();
    pairs.dedup_by(|later, first| later.a == first.a && later.b == first.b);
    pairs.shrink_to_fit();
    out.pairs = pairs;
    out
}

/// The warning of a run whose `blocks` oversized blocks were paired by title words (the last
/// warning of a [`Blocking`] whose `token_paired_blocks` is not 0).
pub fn token_paired_warning(blocks: usize, rules: &BlockingRules) -> Warning {
    Warning::general(format!(
        "{} blocks held more than {} records: in each, a record was compared only with the records whose title shares all its words but one (blocks.csv, mode title_tokens)",
        blocks, rules.title_filter_above
    ))
}

/// Runs a table's blocking rules: records whose values of every field of a rule are present
/// and equal share a block. Pairs of all rules are unioned; a pair keeps the first rule (in
/// the mapping's order) that made it.
pub fn block_table(records: &[Record], table: &TableRules, rules: &BlockingRules) -> Blocking {
    block_table_pass(records, table, rules, Pass::All)
}

/// [`block_table`] over the records the pass covers. Over the members of a union of
/// connected components of the blocking graph (no record outside shares a key with one
/// inside), these are exactly the blocks and pairs [`block_table`] makes of them.
pub fn block_table_pass(records: &[Record], table: &TableRules, rules: &BlockingRules, pass: Pass) -> Blocking {
    // The title-word filter is a mechanism for page titles; a table's block is compared
    // all-pairs up to max_block_size (then by window over its values, with a warning).
    let rules = BlockingRules {
        title_filter_above: 0,
        ..rules.clone()
    };
    block_by(records, &table_rules(table), &rules, false, pass)
}

/// An exact rule's blocks: records by their key under the rule's key expressions.
fn exact_blocks(records: &[Record], members: &[u32], keys: &[Key]) -> BTreeMap<String, Vec<u32>> {
    let mut blocks: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &i in members {
        if let Some(key) = rule_key(&records[i as usize], keys) {
            blocks.entry(key).or_default().push(i);
        }
    }
    blocks
}

/// Each record's key under each of a table's blocking rules (None: a key is missing), by
/// rule then record: records sharing a key share a block.
pub fn table_keys(records: &[Record], table: &TableRules) -> Vec<Vec<Option<String>>> {
    table_rules(table)
        .iter()
        .map(|rule| records.par_iter().map(|rec| rule_key(rec, &rule.keys)).collect())
        .collect()
}

/// The table blocking rules a pair satisfies, a bit per rule (training needs every rule a
/// pair belongs to, not only the first that made it).
pub fn table_rule_mask(x: &Record, y: &Record, rules: &[Rule]) -> u64 {
    rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            let kx = rule_key(x, &rule.keys);
            kx.is_some() && kx == rule_key(y, &rule.keys)
        })
        .fold(0, |mask, (r, _)| mask | 1 << r)
}

/// For each record without a usable date, its rarest title tokens; returns token blocks as
/// (dateless records holding the token, dated records holding it).
fn title_token_blocks(
    records: &[Record],
    rule: &Rule,
    rules: &BlockingRules,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, (Vec<u32>, Vec<u32>)> {
    let mut blocks: BTreeMap<String, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
    let undated = |r: &Record| rule.undated.is_none_or(|d| r.value(d).is_none());
    if !records.iter().any(undated) || rules.title_tokens == 0 {
        return blocks;
    }
    // Each record's text once (borrowed, unless a layout field is normalized here), in
    // parallel; its tokens are borrowed from it.
    let keys: Vec<Cow<str>> = records.par_iter().map(|r| field_key(r, rule)).collect();
    let tokens_of = |i: usize| -> Vec<&str> {
        let mut t: Vec<&str> = keys[i].split(' ').filter(|t| t.chars().count() >= 3).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let mut postings: HashMap<&str, Vec<u32>> = HashMap::new();
    for i in 0..records.len() {
        for t in tokens_of(i) {
            postings.entry(t).or_default().push(i as u32);
        }
    }
    let mut chosen: BTreeMap<&str, ()> = BTreeMap::new();
    for (i, r) in records.iter().enumerate().filter(|(_, r)| undated(r)) {
        let mut tokens: Vec<(usize, &str)> = tokens_of(i)
            .into_iter()
            .map(|t| (postings.get(t).map_or(0, Vec::len), t))
            .filter(|(n, _)| *n <= rules.max_block_size)
            .collect();
        tokens.sort();
        tokens.truncate(rules.title_tokens);
        if tokens.is_empty() && !keys[i].is_empty() {
            warnings.push(Warning::at(
                &r.raw.provenance.file,
                Some(r.raw.provenance.line),
                "record has no usable date and no title token rare enough to block on; it was compared with nothing",
            ));
        }
        for (_, t) in tokens {
            chosen.insert(t, ());
        }
    }
    for token in chosen.into_keys() {
        let mut dateless = Vec::new();
        let mut dated = Vec::new();
        for &i in &postings[token] {
            if undated(&records[i as usize]) {
                dateless.push(i)
            } else {
                dated.push(i)
            }
        }
        blocks.insert(token.to_string(), (dateless, dated));
    }
    let is_title = rule.layout_field.is_none() && Schema::page().role(Role::Title) == rule.fields.first().copied();
    if is_title && rules.untitled_by_description {
        description_token_blocks(records, &undated, rules, warnings, &mut blocks);
    }
    blocks
}

/// The normalized text of a rare-tokens rule's field: a page field's key, or a layout's own
/// field normalized here (it is not among the record's values).
fn field_key<'r>(r: &'r Record, rule: &Rule) -> Cow<'r, str> {
    match &rule.layout_field {
        Some(name) => {
            let value = r
                .raw
                .extra_fields()
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str());
            value.map_or(Cow::Borrowed(""), |v| Cow::Owned(crate::normalize::match_key(v)))
        }
        None => r
            .text(rule.fields[0])
            .map_or(Cow::Borrowed(""), |t| Cow::Borrowed(&*t.key)),
    }
}

/// Tokens (3 characters or more) of a record's normalized description, sorted and unique.
fn description_tokens(r: &Record) -> Vec<&str> {
    let mut t: Vec<&str> = (r.description_key().unwrap_or(""))
        .split(' ')
        .filter(|t| t.chars().count() >= 3)
        .collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// Rare-token blocks of the records without a usable date and without a title (a title-less
/// listing): their title has no token, so each meets the records sharing one of its
/// `title_tokens` rarest description tokens, keyed `description:TOKEN` in `blocks` as
/// (such records holding the token, every other record holding it). Built only when the run
/// holds such a record.
fn description_token_blocks(
    records: &[Record],
    undated: &dyn Fn(&Record) -> bool,
    rules: &BlockingRules,
    warnings: &mut Vec<Warning>,
    blocks: &mut BTreeMap<String, (Vec<u32>, Vec<u32>)>,
) {
    let untitled = |r: &Record| undated(r) && r.title_key().is_empty() && r.description_key().is_some();
    if !records.iter().any(untitled) {
        return;
    }
    let mut postings: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        for t in description_tokens(r) {
            postings.entry(t).or_default().push(i as u32);
        }
    }
    let mut chosen: BTreeMap<&str, ()> = BTreeMap::new();
    for r in records.iter().filter(|r| untitled(r)) {
        let mut tokens: Vec<(usize, &str)> = description_tokens(r)
            .into_iter()
            .map(|t| (postings[t].len(), t))
            .filter(|(n, _)| *n <= rules.max_block_size)
            .collect();
        tokens.sort_unstable();
        tokens.truncate(rules.title_tokens);
        if tokens.is_empty() {
            warnings.push(Warning::at(
                &r.raw.provenance.file,
                Some(r.raw.provenance.line),
                "record has no usable date, no title and no description token rare enough to block on; it was compared with nothing",
            ));
        }
        for (_, t) in tokens {
            chosen.insert(t, ());
        }
    }
    for token in chosen.into_keys() {
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for &i in &postings[token] {
            if untitled(&records[i as usize]) {
                left.push(i)
            } else {
                right.push(i)
            }
        }
        blocks.insert(format!("description:{token}"), (left, right));
    }
}

/// Pairs of one block: all pairs up to `title_filter_above` records; then, up to
/// `max_block_size`, the pairs whose titles share all words but one; beyond, a
/// sorted-neighbourhood window over the title order. Whatever the mode, a block of n records
/// makes at most n * `max_pairs_per_record` pairs: a block whose all-pairs or title-word pairs
/// would exceed that is compared by window too. Says which mode it used (as `blocks.csv`
/// writes it).
fn pair_block(b: &Block, records: &[Record], rules: &BlockingRules, titled: bool) -> BlockPairs {
    let size = b.left.len() + b.right.len();
    let budget = size.saturating_mul(rules.max_pairs_per_record);
    let all_pairs = b.left.len() * b.left.len().saturating_sub(1) / 2 + b.left.len() * b.right.len();
    let filtered = rules.title_filter_above > 0 && size > rules.title_filter_above;
    if size <= rules.max_block_size && !filtered && all_pairs <= budget {
        let mut out = BlockPairs::default();
        for (n, &x) in b.left.iter().enumerate() {
            for &y in &b.left[n + 1..] {
                push_pair(&mut out, b, records, x, y);
            }
            for &y in b.right {
                push_pair(&mut out, b, records, x, y);
            }
        }
        out.mode = "all-pairs";
        return out;
    }
    let why = if size > rules.max_block_size {
        format!("holds {size} records (limit {})", rules.max_block_size)
    } else if rules.title_filter_above > 0 {
        match token_pairs(b, records, rules, budget) {
            Some(pairs) => {
                let mut out = BlockPairs::default();
                for (x, y) in pairs {
                    push_pair(&mut out, b, records, x, y);
                }
                out.token_paired = true;
                out.mode = "title_tokens";
                return out;
            }
            None => format!(
                "holds {size} records whose titles share all words but one in more than {budget} pairs (max_pairs_per_record {})",
                rules.max_pairs_per_record
            ),
        }
    } else {
        format!(
            "holds {size} records, {all_pairs} pairs, more than {budget} (max_pairs_per_record {})",
            rules.max_pairs_per_record
        )
    };
    let mut out = window_pairs(b, records, rules.window, titled);
    out.warning = Some(Warning::general(format!(
        "block {}={} {why}: compared each record with its {} nearest neighbours by title instead of all {all_pairs} pairs",
        b.rule.as_str(),
        b.key,
        rules.window
    )));
    out
}

/// Adds the pair (x, y) of block `b`, unless both records are on one page.
fn push_pair(out: &mut BlockPairs, b: &Block, records: &[Record], x: u32, y: u32) {
    if records[x as usize].page == records[y as usize].page {
        out.same_page_skipped += 1;
        return;
    }
    out.pairs.push(CandidatePair {
        a: x.min(y),
        b: x.max(y),
        block: b.stat,
    });
}

/// Sorts the block by title and compares each record with its `window` next neighbours: at
/// most `window` pairs per record. A pair is kept only if the full block would have made it
/// (at least one side in `left`).
fn window_pairs(b: &Block, records: &[Record], window: usize, titled: bool) -> BlockPairs {
    let mut out = BlockPairs::default();
    let key = |i: u32| order_key(&records[i as usize], titled);
    let mut members: Vec<(Cow<str>, u32, bool)> = b
        .left
        .iter()
        .map(|&i| (key(i), i, true))
        .chain(b.right.iter().map(|&i| (key(i), i, false)))
        .collect();
    members.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    for (n, &(_, x, x_left)) in members.iter().enumerate() {
        for &(_, y, y_left) in members[n + 1..].iter().take(window) {
            if x_left || y_left {
                push_pair(&mut out, b, records, x, y);
            }
        }
    }
    out.mode = "window";
    out
}

/// What a windowed block is ordered by: a page record's title, a table row's values (their
/// keys joined, a missing one as "").
fn order_key(r: &Record, titled: bool) -> Cow<'_, str> {
    match titled {
        true => Cow::Borrowed(r.title_key()),
        false => {
            let keys: Vec<String> = r
                .values
                .iter()
                .map(|v| v.as_ref().map(|v| v.key()).unwrap_or_default())
                .collect();
            Cow::Owned(keys.join(" "))
        }
    }
}

/// True when sorted token lists `a` and `b` share every token of the shorter one but one.
/// Stops at the second missing token: most candidates are rejected within a few steps.
fn share_all_but_one(a: &[u32], b: &[u32]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (mut j, mut missing) = (0, 0);
    for &t in short {
        while j < long.len() && long[j] < t {
            j += 1;
        }
        if j == long.len() || long[j] != t {
            missing += 1;
            if missing > 1 {
                return false;
            }
        }
    }
    true
}

/// Pairs of an oversized block by shared title tokens: the pairs of the block whose titles
/// share every token (3 characters or more) of the shorter title but one. Normalization makes
/// quotes, brackets, case, diacritics and spacing alike, so copies of one title differ in a
/// token only where a word is misspelt; two misspelt words in one title are missed here.
///
/// Found from postings: such a pair shares one of any two tokens of its shorter title, so
/// each record scans the postings of its two rarest tokens (rarity counted in the block),
/// which finds every such pair from its shorter side and costs the length of two short lists
/// instead of the size of the block. A pair is kept only if the full block would have made it
/// (at least one side in `left`), each once.
///
/// A pair whose shorter title is less than `length_ratio` of the longer one's length (in
/// characters) cannot reach the comparison's minimum title similarity and is not made, unless
/// a record was cut off by its page: in a year block, a short title ("Memorandum of
/// Conversation") would otherwise meet every longer title holding its words.
///
/// None when the block holds more than `budget` such pairs (titles that all differ by one
/// word): it stops there, so a hostile block costs the budget, not the square of its size.
fn token_pairs(b: &Block, records: &[Record], rules: &BlockingRules, budget: usize) -> Option<Vec<(u32, u32)>> {
    let length_ratio = rules.title_filter_length_ratio;
    let members: Vec<(u32, bool)> = b
        .left
        .iter()
        .map(|&i| (i, true))
        .chain(b.right.iter().map(|&i| (i, false)))
        .collect();
    // Members grouped by their title's tokens (dense ids, first-seen order, so that comparing
    // token lists compares integers): copies of one title, and generic titles shared by many
    // documents, are checked against the others once, not once per member.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut title_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut titles: Vec<Title> = Vec::new();
    for (m, &(i, left)) in members.iter().enumerate() {
        let mut t: Vec<u32> = records[i as usize]
            .title_key()
            .split(' ')
            .filter(|t| t.chars().count() >= 3)
            .map(|t| {
                let n = ids.len() as u32;
                *ids.entry(t).or_insert(n)
            })
            .collect();
        t.sort_unstable();
        t.dedup();
        let n = titles.len();
        let k = *title_of.entry(t.clone()).or_insert(n);
        if k == n {
            titles.push(Title {
                tokens: t,
                members: Vec::new(),
                has_left: false,
            });
        }
        titles[k].members.push(m);
        titles[k].has_left |= left;
    }
    // Postings of every title (for a title with a `left` member) and of the titles with a
    // `left` member (the only candidates of a title without one): in a year block, the few
    // year-only records are the left side, so most titles scan short lists.
    let mut postings: Vec<(Vec<u32>, Vec<u32>)> = vec![Default::default(); ids.len()];
    for (k, title) in titles.iter().enumerate() {
        for &t in &title.tokens {
            let p = &mut postings[t as usize];
            p.0.push(k as u32);
            if title.has_left {
                p.1.push(k as u32);
            }
        }
    }
    // Title lengths, or None for a record cut off by its page (no bound).
    let lengths: Vec<Option<f64>> = members
        .iter()
        .map(|&(i, _)| {
            let r = &records[i as usize];
            (!r.raw.partial).then(|| r.title_key().chars().count() as f64)
        })
        .collect();
    let lengths_fit = |m: usize, o: usize| match (lengths[m], lengths[o]) {
        (Some(x), Some(y)) => x.min(y) >= length_ratio * x.max(y),
        _ => true,
    };
    let mut out = Capped::new(budget);
    for (k, title) in titles.iter().enumerate() {
        // Any two tokens of the shorter title find the pair, so each title scans the two
        // shortest of the lists it may scan. Ties by token id, which follows member order:
        // deterministic.
        let scanned = |t: u32| {
            let p = &postings[t as usize];
            if title.has_left { p.0.len() } else { p.1.len() }
        };
        let mut ranked: Vec<(usize, u32)> = title.tokens.iter().map(|&t| (scanned(t), t)).collect();
        ranked.sort_unstable();
        for (_, t) in ranked.into_iter().take(2) {
            let p = &postings[t as usize];
            let candidates = if title.has_left { &p.0 } else { &p.1 };
            for &o in candidates {
                let other = &titles[o as usize];
                if o as usize != k && !share_all_but_one(&title.tokens, &other.tokens) {
                    continue;
                }
                // Member pairs of the two titles (one title with itself when o == k) that
                // the full block would have made: one side in `left`, lengths that can match.
                for &m in &title.members {
                    for &n in &other.members {
                        let (x, y) = (members[m], members[n]);
                        if m != n && (x.1 || y.1) && lengths_fit(m, n) && !out.push((x.0.min(y.0), x.0.max(y.0))) {
                            return None;
                        }
                    }
                }
            }
        }
    }
    if rules.untitled_by_description && !untitled_pairs(&members, records, &mut out) {
        return None;
    }
    out.finish()
}

/// Pairs of an oversized block for its title-less members (a title-less listing), whose
/// titles have no words to share: each meets the members whose description shares every
/// token (3 characters or more) of the shorter description but one, the title filter's idea
/// on descriptions (a truncated copy loses at most its cut last word). Shared tokens are
/// counted from the postings of the title-less member's tokens, so a copy is found whichever
/// of the two descriptions is the shorter. False when the pairs exceed the budget.
fn untitled_pairs(members: &[(u32, bool)], records: &[Record], out: &mut Capped) -> bool {
    let record = |m: usize| &records[members[m].0 as usize];
    let untitled: Vec<usize> = (0..members.len())
        .filter(|&m| record(m).title_key().is_empty() && record(m).description_key().is_some())
        .collect();
    if untitled.is_empty() {
        return true;
    }
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let tokens: Vec<Vec<u32>> = (0..members.len())
        .map(|m| {
            let mut t: Vec<u32> = description_tokens(record(m))
                .into_iter()
                .map(|t| {
                    let n = ids.len() as u32;
                    *ids.entry(t).or_insert(n)
                })
                .collect();
            t.sort_unstable();
            t
        })
        .collect();
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
    for (m, ts) in tokens.iter().enumerate() {
        for &t in ts {
            postings[t as usize].push(m as u32);
        }
    }
    // Two token sets sharing all of the shorter's tokens but one share one of the shorter's
    // two rarest (prefix filtering): only those are indexed and looked up, so the words every
    // description has ("the", "and") cost nothing. Scanning every posting of every token made
    // a block of 10,000 records take half a minute.
    let rarest = |m: usize| -> Vec<u32> {
        let mut ts = tokens[m].clone();
        ts.sort_unstable_by_key(|&t| (postings[t as usize].len(), t));
        ts.truncate(2);
        ts
    };
    let mut by_rarest: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
    for m in 0..members.len() {
        for t in rarest(m) {
            by_rarest[t as usize].push(m as u32);
        }
    }
    for &m in &untitled {
        // Records holding one of m's rarest tokens (m the shorter), and records whose rarest
        // tokens m holds (the other the shorter).
        let mut candidates: Vec<u32> = rarest(m)
            .iter()
            .flat_map(|&t| postings[t as usize].iter().copied())
            .collect();
        candidates.extend(tokens[m].iter().flat_map(|&t| by_rarest[t as usize].iter().copied()));
        candidates.sort_unstable();
        candidates.dedup();
        for o in candidates {
            let o = o as usize;
            let n = shared_count(&tokens[m], &tokens[o]);
            let shorter = tokens[m].len().min(tokens[o].len());
            let (x, y) = (members[m], members[o]);
            if o != m && n >= 1 && n + 1 >= shorter && (x.1 || y.1) && !out.push((x.0.min(y.0), x.0.max(y.0))) {
                return false;
            }
        }
    }
    true
}

/// Tokens two sorted token lists share.
fn shared_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Distinct pairs collected up to a budget. A pair may be found up to four times (from both
/// titles, through two tokens each), so the list is deduplicated whenever it reaches twice the
/// budget: memory stays within a few times the budget, and the count is exact when it stops.
struct Capped {
    pairs: Vec<(u32, u32)>,
    budget: usize,
    next_check: usize,
}

impl Capped {
    fn new(budget: usize) -> Capped {
        Capped {
            pairs: Vec::new(),
            budget,
            next_check: budget.saturating_mul(2).max(1024),
        }
    }

    /// Adds a pair; false once more than `budget` distinct pairs were seen.
    fn push(&mut self, pair: (u32, u32)) -> bool {
        self.pairs.push(pair);
        if self.pairs.len() < self.next_check {
            return true;
        }
        self.dedup();
        // The next check comes after at least `budget` more pushes: a few sorts in all.
        self.next_check = self.pairs.len() + self.budget.max(1024);
        self.pairs.len() <= self.budget
    }

    fn dedup(&mut self) {
        self.pairs.sort_unstable();
        self.pairs.dedup();
    }

    /// The distinct pairs, sorted; None when they exceed the budget.
    fn finish(mut self) -> Option<Vec<(u32, u32)>> {
        self.dedup();
        (self.pairs.len() <= self.budget).then_some(self.pairs)
    }
}

/// The members of a busy block that share one title's tokens.
struct Title {
    tokens: Vec<u32>,
    members: Vec<usize>,
    has_left: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(date: &str, title: &str, page: u32, partial: bool) -> Record {
        let file = format!("p{page}.txt");
        crate::normalize::prepare(
            crate::record::RawRecord::for_test(&file, date, title, None, partial),
            page,
        )
    }

    #[test]
    fn a_busy_block_skips_titles_too_different_in_length_to_match() {
        // A year block of 30 records: a year-only "Memorandum of Conversation" and longer
        // titles that hold both its words, one of them its own copy.
        let mut records = vec![record("1960", "Memorandum of Conversation", 0, false)];
        records.push(record("March 3, 1960", "Memorandum of Conversation", 1, false));
        for n in 0..28 {
            let title = format!("Memorandum of Conversation with Ambassador Number{n}");
            records.push(record("March 3, 1960", &title, n + 2, false));
        }
        let rules = crate::rules::Rules::builtin().blocking;
        let made: Vec<(u32, u32)> = block(&records, &rules).pairs.iter().map(|p| (p.a, p.b)).collect();
        assert!(made.contains(&(0, 1)));
        assert!(!made.iter().any(|&(a, b)| a == 0 && b > 1), "{made:?}");
        // Without the bound, the short title meets every longer one; a record cut off by its
        // page meets them with the bound too (its title compares as a prefix).
        let unbounded = BlockingRules {
            title_filter_length_ratio: 0.0,
            ..rules.clone()
        };
        assert_eq!(
            block(&records, &unbounded).pairs.iter().filter(|p| p.a == 0).count(),
            29
        );
        records[0] = record("1960", "Memorandum of Conversation", 0, true);
        assert_eq!(block(&records, &rules).pairs.iter().filter(|p| p.a == 0).count(), 29);
    }

    #[test]
    fn titles_meet_when_they_share_all_words_but_one() {
        // "cable mao zedong filippov stalin" against a misspelt copy, a longer title holding
        // it, a reply, and an unrelated title (token ids stand for words).
        let title = [1, 2, 3, 4, 5];
        assert!(share_all_but_one(&title, &[1, 2, 3, 5, 9]));
        assert!(share_all_but_one(&title, &[1, 2, 3, 4, 5, 6, 7]));
        assert!(share_all_but_one(&title, &[1, 2, 3, 4, 5]));
        assert!(!share_all_but_one(&title, &[1, 2, 3, 8, 9]));
        assert!(!share_all_but_one(&title, &[6, 7, 8]));
        assert!(!share_all_but_one(&[1, 2], &[3, 4]));
    }
}
