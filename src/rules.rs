//! Rules: the policy a user may tune (page layouts, blocking, comparison thresholds), read
//! from TOML. The built-in defaults are `rules/default.toml`; a user's file is laid over them:
//! tables merge key by key, the lists of `[page]` and the `[[layouts]]` add to the built-in
//! ones (unless the file says `replace`), any other list replaces the list it names.

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::error::Error;
use crate::schema::{FieldKind, Schema, Similarity};

mod layout;
pub use layout::{CompiledLayout, DateFormats, FieldName, FieldSpec, HtmlSelectors, LayoutRules};
use layout::{compile, compile_all};

/// The defaults, compiled into the binary so that `concord run` works without a rules file.
pub const DEFAULT_RULES: &str = include_str!("../rules/default.toml");

/// Everything `rules/default.toml` holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// What the input files may be.
    pub input: InputRules,
    /// Lines common to every layout.
    pub page: PageRules,
    /// Page layouts, tried in order.
    pub layouts: Vec<LayoutRules>,
    /// Blocking rules and the giant-block guard.
    pub blocking: BlockingRules,
    /// Similarity weights and decision thresholds.
    pub comparison: ComparisonRules,
    /// Clustering policy.
    pub clustering: ClusteringRules,
    /// The Fellegi-Sunter model: which scorer pages use, levels, training, thresholds.
    pub model: ModelRules,
    /// How a CSV or JSON Lines table maps to fields (absent: only pages can be read).
    #[serde(default)]
    pub table: Option<crate::schema::TableRules>,
    /// How output files are written.
    pub output: OutputRules,
    /// The file these rules were read from (the last layer), named in their errors.
    #[serde(skip)]
    pub source: String,
}

/// Clustering policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusteringRules {
    /// A record that matches two records which cannot be one document, with scores closer
    /// than this, is left for review instead of joining either.
    pub ambiguity_margin: f64,
}

/// Input policy: what a file must be to be read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRules {
    /// The largest file read, in bytes; a larger one (or one that grows past it while it is
    /// read) is an error naming it.
    pub max_file_bytes: u64,
    /// Query-string parameters that page through one query's results (`page=`, `start=`):
    /// pages whose addresses differ only in them are one query ([`crate::completeness`]).
    pub paging_parameters: Vec<String>,
}

impl InputRules {
    fn problems(&self) -> Vec<String> {
        if self.max_file_bytes == 0 {
            vec!["input.max_file_bytes must be at least 1".to_string()]
        } else {
            Vec::new()
        }
    }
}

/// Output policy: defined with the outputs, which depend on nothing above them.
pub use crate::output::OutputRules;

/// Furniture and markers shared by all layouts of a site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRules {
    /// Lines that are never part of a record.
    pub furniture: Vec<String>,
    /// Lines after which records begin.
    pub start_markers: Vec<String>,
    /// Lines from which nothing is a record.
    pub end_markers: Vec<String>,
    /// "1 - 10 of 47", with named groups `first`, `last`, `total`.
    pub range_header: String,
    /// Lines that stand where a record's date line stands and say it has none ("Date
    /// unknown", "n.d."): the record's date line, read as no date.
    #[serde(default)]
    pub no_date_lines: Vec<String>,
    /// When a page is read as a title-less listing (a date line and one line of prose per
    /// record: the line is the description).
    #[serde(default)]
    pub title_less: TitleLessRules,
}

/// When a page is a title-less listing: most of its records are one text line, and those
/// lines read as prose (they end like a sentence and are long).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TitleLessRules {
    /// A page with fewer records is never judged.
    pub min_records: usize,
    /// The share of the page's records that must be one text line.
    pub one_line_share: f64,
    /// The share of those lines that must end like a sentence.
    pub sentence_share: f64,
    /// The median of those lines' word counts must reach this; a last record cut off by the
    /// page is read as a description when its line has this many words.
    pub prose_words: usize,
}

impl Default for TitleLessRules {
    /// The values of rules/default.toml.
    fn default() -> Self {
        TitleLessRules {
            min_records: 3,
            one_line_share: 0.8,
            sentence_share: 0.6,
            prose_words: 8,
        }
    }
}

impl TitleLessRules {
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, share) in [
            ("one_line_share", self.one_line_share),
            ("sentence_share", self.sentence_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                problems.push(format!("page.title_less.{key} must lie in [0, 1]"));
            }
        }
        if self.min_records == 0 {
            problems.push("page.title_less.min_records must be at least 1".to_string());
        }
        problems
    }
}

/// Blocking policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRules {
    /// Largest block compared all-pairs.
    pub max_block_size: usize,
    /// Neighbours compared in an oversized block.
    pub window: usize,
    /// Blocks with more records compare only pairs whose titles share all words but one
    /// (0: never).
    #[serde(default)]
    pub title_filter_above: usize,
    /// In such a block, the shorter title must also be at least this share of the longer's
    /// length (in characters), unless a record was cut off by its page (0: no bound).
    #[serde(default)]
    pub title_filter_length_ratio: f64,
    /// Rarest title tokens used to block records without a usable date.
    pub title_tokens: usize,
    /// A title-less record is blocked by its description's words instead: in a block over
    /// `title_filter_above`, with the records whose description shares all its words but
    /// one; without a usable date, with the records sharing one of its rarest description
    /// tokens.
    #[serde(default = "yes")]
    pub untitled_by_description: bool,
    /// The pair budget: a block of n records makes at most n times this many pairs (else it
    /// is compared by window).
    pub max_pairs_per_record: usize,
    /// The blocking rules of pages, in order (a pair keeps the first rule that made it).
    pub rules: Vec<BlockingRuleSpec>,
}

/// One blocking rule of pages, as `[[blocking.rules]]` writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRuleSpec {
    /// Name written to `decisions.csv` and `blocks.csv`.
    pub name: String,
    /// What makes a block: a [`BlockingKind`] by its name (checked when the rules are read,
    /// so that a mistake is an error naming the rule, not a serde message).
    pub kind: String,
    /// The page field it blocks on.
    pub field: String,
}

/// How a blocking rule groups records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockingKind {
    /// Records whose values of the rule's fields are all present and equal (tables).
    Exact,
    /// Records whose dates are compatible: equal, or one inside the other.
    CompatibleDates,
    /// Records without a usable date, with the records sharing one of their rarest tokens
    /// of the field (`blocking.title_tokens` of them).
    RareTokens,
}

impl BlockingKind {
    /// The kinds a page rule may name, as written.
    pub const PAGE_KINDS: [(&'static str, BlockingKind, FieldKind); 2] = [
        ("compatible_dates", BlockingKind::CompatibleDates, FieldKind::Date),
        ("rare_tokens", BlockingKind::RareTokens, FieldKind::Text),
    ];

    /// The page kind called `name`, with the field kind it needs.
    pub fn page_kind(name: &str) -> Option<(BlockingKind, FieldKind)> {
        Self::PAGE_KINDS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|&(_, kind, field)| (kind, field))
    }
}

impl BlockingRules {
    /// Problems with the page blocking rules, each naming its key.
    fn rule_problems(&self, layout_fields: &[String]) -> Vec<String> {
        let page = Schema::page();
        let mut problems = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let key = format!("blocking.rules[{i}] ({:?})", rule.name);
            let Some((_, needs)) = BlockingKind::page_kind(&rule.kind) else {
                let known: Vec<&str> = BlockingKind::PAGE_KINDS.iter().map(|k| k.0).collect();
                problems.push(format!(
                    "{key}.kind: unknown blocking rule kind {:?} (known: {})",
                    rule.kind,
                    known.join(", ")
                ));
                continue;
            };
            match page.index(&rule.field).map(|f| page.fields[f].kind) {
                // A field of a layout's own ("number") is text, as rare_tokens needs.
                None if needs == FieldKind::Text && layout_fields.contains(&rule.field) => {}
                None => problems.push(format!(
                    "{key}.field: {:?} is not a page field ({}) nor a field a layout names",
                    rule.field,
                    page.names()
                )),
                Some(kind) if kind != needs => problems.push(format!(
                    "{key}.field: a {} rule blocks on a {needs:?} field; {:?} is {kind:?}",
                    rule.kind, rule.field
                )),
                Some(_) => {}
            }
        }
        // Training keeps the rules a pair satisfies as the bits of a u64.
        if self.rules.len() > 64 {
            problems.push("blocking.rules: at most 64 blocking rules".into());
        }
        problems
    }
}

/// Comparison weights and thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonRules {
    /// Weight of the title similarity.
    pub title_weight: f64,
    /// Weight of the description similarity.
    pub description_weight: f64,
    /// Score at or above which a pair matches.
    pub match_threshold: f64,
    /// Score at or above which a non-matching pair goes to review.
    pub review_threshold: f64,
    /// Title similarity below which a pair never matches.
    pub min_title_similarity: f64,
    /// Description similarity below which a pair never matches.
    pub min_description_similarity: f64,
    /// Shortest description that may match as a prefix of another.
    pub min_prefix_chars: usize,
    /// Title similarity a match on the title alone (no description to compare) must reach;
    /// below it the pair goes to review.
    pub title_only_min_similarity: f64,
    /// A title alone is not acted on when, by how many documents carry the title in the
    /// year, this many other documents are expected within the pair's date.
    pub title_only_max_expected_others: f64,
    /// The coarsest date at which a copy shown at a coarser date than its pair ("May 1964" /
    /// "May 14, 1964") may match on a title alone or a truncated description.
    pub coarse_copy_precision: crate::normalize::date::Precision,
    /// The same for a match on a truncated description (whose beginning is evidence too).
    pub coarse_truncated_copy_precision: crate::normalize::date::Precision,
    /// The same for a match on a title alone when neither record shows a description.
    pub coarse_undescribed_copy_precision: crate::normalize::date::Precision,
    /// Shortest title of a cut-off record that may match as a prefix of another on its own;
    /// a shorter one matches as a prefix only when it begins one document of its dates.
    pub min_title_prefix_chars: usize,
    /// Description similarity a match must reach when a title is missing (a title-less
    /// record rests on its description alone).
    #[serde(default = "description_only_min_similarity")]
    pub description_only_min_similarity: f64,
    /// Similarity the overlap of a prefix match must reach.
    pub prefix_similarity: f64,
    /// Different numbers in titles forbid a match.
    pub numbers_must_agree: bool,
    /// Fields of a layout's own ("kind") that two records showing both must agree on (their
    /// normalized values equal): a Cable and a Memorandum of one date and title are two
    /// documents.
    #[serde(default)]
    pub fields_must_agree: Vec<String>,
    /// Only this many characters of a normalized title or description are compared.
    pub max_compared_chars: usize,
}

fn description_only_min_similarity() -> f64 {
    0.95
}

fn yes() -> bool {
    true
}

impl Rules {
    /// The built-in rules.
    pub fn builtin() -> Rules {
        Rules::from_layers(&[("rules/default.toml", DEFAULT_RULES)]).expect("built-in rules/default.toml is valid")
    }

    /// The built-in rules with the file at `path` laid over them.
    pub fn load(path: &Path) -> Result<Rules, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let name = path.display().to_string();
        Rules::from_layers(&[("rules/default.toml", DEFAULT_RULES), (&name, &text)])
    }

    /// Parses TOML texts and lays each over the ones before it (see [`Layering`]). The
    /// first is the base: its layouts count as built in.
    pub fn from_layers(layers: &[(&str, &str)]) -> Result<Rules, Error> {
        let mut layering = Layering::default();
        for (i, (name, text)) in layers.iter().enumerate() {
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Rules {
                file: name.to_string(),
                message: e.to_string(),
            })?;
            refuse_non_finite(name, &table)?;
            layering.lay(table, (i > 0).then_some(*name))?;
        }
        let source = layers.last().map(|l| l.0).unwrap_or_default().to_string();
        let (merged, origins) = layering.finish();
        let mut rules: Rules = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Rules {
                file: source.clone(),
                message: e.to_string(),
            })?;
        for (layout, from) in rules.layouts.iter_mut().zip(origins) {
            layout.from = from;
        }
        rules.source = source;
        rules.validate()?;
        Ok(rules)
    }

    fn validate(&self) -> Result<(), Error> {
        let c = &self.comparison;
        let mut problems = Vec::new();
        if !(0.0..=1.0).contains(&c.review_threshold) || !(0.0..=1.0).contains(&c.match_threshold) {
            problems.push("thresholds must lie in [0, 1]".to_string());
        }
        if c.review_threshold > c.match_threshold {
            problems.push("review_threshold must not exceed match_threshold".to_string());
        }
        if c.title_weight < 0.0 || c.description_weight < 0.0 || c.title_weight + c.description_weight <= 0.0 {
            problems.push("weights must be non-negative and not both zero".to_string());
        }
        if self.blocking.max_block_size < 2 {
            problems.push("blocking.max_block_size must be at least 2".to_string());
        }
        if self.blocking.max_pairs_per_record == 0 {
            problems.push("blocking.max_pairs_per_record must be at least 1".to_string());
        }
        if self.blocking.window > self.blocking.max_pairs_per_record {
            problems.push(format!(
                "blocking.window ({}) must not exceed blocking.max_pairs_per_record ({}): a window makes up to `window` pairs per record",
                self.blocking.window, self.blocking.max_pairs_per_record
            ));
        }
        if self.blocking.title_filter_length_ratio > c.min_title_similarity {
            problems.push(
                "blocking.title_filter_length_ratio must not exceed comparison.min_title_similarity: it would drop pairs that can match".to_string(),
            );
        }
        if c.max_compared_chars == 0 {
            problems.push("comparison.max_compared_chars must be at least 1".to_string());
        }
        if self.layouts.is_empty() {
            problems.push("at least one [[layouts]] entry is needed".to_string());
        }
        // Provenance names the layout a page was read as: two of one name could not be told.
        let mut names: Vec<&str> = self.layouts.iter().map(|l| l.name.as_str()).collect();
        names.sort_unstable();
        for pair in names.windows(2).filter(|w| w[0] == w[1]) {
            problems.push(format!(
                "layouts: two layouts are named {:?} (provenance names the layout a page was read as: give each its own name)",
                pair[0]
            ));
        }
        let layout_fields: Vec<String> = self.layouts.iter().flat_map(LayoutRules::field_names).collect();
        problems.extend(self.blocking.rule_problems(&layout_fields));
        for name in c.fields_must_agree.iter().filter(|n| !layout_fields.contains(n)) {
            problems.push(format!(
                "comparison.fields_must_agree: {name:?} is not a field a layout names (a layout's own field, such as a kind its record_start captures)"
            ));
        }
        problems.extend(self.input.problems());
        problems.extend(self.page.title_less.problems());
        problems.extend(self.model.problems());
        problems.extend(self.table.iter().flat_map(|t| t.problems()));
        if problems.is_empty() {
            // A bad regular expression is found here, where the rules are read, not later.
            self.compile_pages().map(drop)
        } else {
            Err(Error::Rules {
                file: self.source.clone(),
                message: problems.join("; "),
            })
        }
    }
}

/// Refuses a NaN or infinite number anywhere in a rules file, naming its key: every
/// threshold and weight of the rules is a finite number, and a NaN would pass a range check
/// (every comparison with it is false) and turn every score into NaN.
fn refuse_non_finite(file: &str, table: &toml::Table) -> Result<(), Error> {
    fn walk(key: &str, value: &toml::Value, found: &mut Vec<String>) {
        match value {
            toml::Value::Float(f) if !f.is_finite() => found.push(format!("{key} = {f}")),
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| walk(&format!("{key}.{k}"), v, found)),
            toml::Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(&format!("{key}[{i}]"), v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (k, v) in table {
        walk(k, v, &mut found);
    }
    match found.is_empty() {
        true => Ok(()),
        false => Err(Error::Rules {
            file: file.to_string(),
            message: format!("{}: numbers must be finite", found.join(", ")),
        }),
    }
}

/// Lays `over` onto `base`: tables merge recursively, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// Rules files laid one over another. Tables merge key by key and a value replaces the one it
/// names, except where a user extends what is built in:
///
/// - a list of `[page]` (furniture, markers, ...) is added after the list below it, each
///   pattern once, unless that `[page]` says `replace = true` (then each list it names
///   replaces the one below);
/// - a `[[layouts]]` entry whose `name` is a layout's below replaces that layout where it
///   stands; the others are tried before every layout below (in their file's order), so that
///   they can win over a built-in catch-all; a top-level `replace_layouts = true` makes the
///   file's layouts the only ones.
///
/// Other lists (blocking rules, model levels, the `[table]` mapping) are settings, not sets
/// to extend: they replace.
#[derive(Default)]
struct Layering {
    merged: toml::Table,
    layouts: Vec<toml::Value>,
    /// The file each of `layouts` came from (None: the base layer).
    origins: Vec<Option<String>>,
}

impl Layering {
    /// Lays one file over the layers before it; `file` is None for the base layer.
    fn lay(&mut self, mut over: toml::Table, file: Option<&str>) -> Result<(), Error> {
        let name = file.unwrap_or("the built-in rules");
        let err = |message: String| Error::Rules {
            file: name.to_string(),
            message,
        };
        let replace_layouts = take_flag(&mut over, "replace_layouts").map_err(&err)?;
        // A key written after a [table] header belongs to that table: said plainly, rather
        // than as an unknown field of the table.
        for (table, value) in &over {
            if value.as_table().is_some_and(|t| t.contains_key("replace_layouts")) {
                return Err(err(format!(
                    "{table}.replace_layouts: replace_layouts is a top-level key; write it before the first [table] header"
                )));
            }
        }
        let layouts = over.remove("layouts");
        if let Some(toml::Value::Table(page)) = over.get_mut("page") {
            let replace = take_flag(page, "replace").map_err(|m| err(format!("page.{m}")))?;
            let below = self.merged.get("page").and_then(toml::Value::as_table);
            for (key, value) in page.iter_mut() {
                let (toml::Value::Array(mine), Some(toml::Value::Array(theirs))) =
                    (value, below.and_then(|b| b.get(key)))
                else {
                    continue;
                };
                if !replace {
                    let mut joined = theirs.clone();
                    for v in mine.drain(..) {
                        if !joined.contains(&v) {
                            joined.push(v);
                        }
                    }
                    *mine = joined;
                }
            }
        }
        merge(&mut self.merged, over);
        match layouts {
            Some(toml::Value::Array(entries)) if !replace_layouts => self.add_layouts(entries, file),
            Some(toml::Value::Array(entries)) => {
                self.origins = vec![file.map(str::to_string); entries.len()];
                self.layouts = entries;
            }
            // Not a list of layouts: kept as written, for deserializing to say what is wrong.
            Some(other) => {
                self.origins = vec![file.map(str::to_string)];
                self.layouts = vec![other];
            }
            None if replace_layouts => {
                return Err(err(
                    "replace_layouts = true, but the file has no [[layouts]] entry to read pages with".to_string(),
                ));
            }
            None => {}
        }
        Ok(())
    }

    fn add_layouts(&mut self, entries: Vec<toml::Value>, file: Option<&str>) {
        let name_of = |v: &toml::Value| v.get("name").and_then(toml::Value::as_str).map(str::to_string);
        let mut front = Vec::new();
        let mut seen = Vec::new();
        for entry in entries {
            let name = name_of(&entry);
            // A second entry of one name in a file stays apart, for validation to refuse
            // the two: it would otherwise silently replace the first.
            let again = name.as_ref().is_some_and(|n| seen.contains(n));
            seen.extend(name.clone());
            let same = name
                .filter(|_| !again)
                .and_then(|n| self.layouts.iter().position(|l| name_of(l).as_ref() == Some(&n)));
            match same {
                Some(i) => {
                    self.layouts[i] = entry;
                    self.origins[i] = file.map(str::to_string);
                }
                None => front.push(entry),
            }
        }
        let n = front.len();
        self.layouts.splice(0..0, front);
        self.origins.splice(0..0, vec![file.map(str::to_string); n]);
    }

    /// The merged table, with its layouts, and the file each layout came from.
    fn finish(mut self) -> (toml::Table, Vec<Option<String>>) {
        if !self.layouts.is_empty() {
            self.merged.insert("layouts".into(), toml::Value::Array(self.layouts));
        }
        (self.merged, self.origins)
    }
}

/// Removes `key` from `table`: its value, which must be a boolean (absent: false).
fn take_flag(table: &mut toml::Table, key: &str) -> Result<bool, String> {
    match table.remove(key) {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(b),
        Some(v) => Err(format!("{key} must be true or false, not {v}")),
    }
}

/// The `[model]` section of the rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRules {
    /// The scorer of page pairs (tables always use the Fellegi-Sunter model).
    pub page_scorer: PageScorer,
    /// Match probability at or above which a pair matches.
    pub match_probability: f64,
    /// Match probability at or above which a non-matching pair goes to review.
    pub review_probability: f64,
    /// Jaro-Winkler thresholds of the fuzzy levels of `name` fields, highest first.
    pub name_levels: Vec<f64>,
    /// Similarity thresholds of the fuzzy levels of `text` fields, highest first.
    pub text_levels: Vec<f64>,
    /// Similarity (1 - relative difference) thresholds of `number` fields, highest first.
    pub number_levels: Vec<f64>,
    /// At most this many random pairs are drawn to estimate u (all pairs when there are
    /// fewer).
    pub u_sample_pairs: usize,
    /// Random pairs are drawn until every level but exact has been seen this many times
    /// (or `u_sample_pairs` are drawn): its u is then known to about 1/sqrt(count).
    pub u_min_count: u64,
    /// Seed of the random pairs: the same seed gives the same model.
    pub seed: u64,
    /// EM stops after this many iterations...
    pub max_iterations: usize,
    /// ...or when no probability moves by more than this.
    pub tolerance: f64,
}

/// Which scorer decides page pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageScorer {
    /// The weighted mean of title and description similarity (`[comparison]`).
    Weighted,
    /// The Fellegi-Sunter model on date, title and description.
    FellegiSunter,
}

impl ModelRules {
    /// Problems with the section, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let prob = |x: f64| (0.0..=1.0).contains(&x);
        if !prob(self.match_probability) || !prob(self.review_probability) {
            p.push("model: probabilities must lie in [0, 1]".to_string());
        }
        if self.review_probability > self.match_probability {
            p.push("model.review_probability must not exceed model.match_probability".to_string());
        }
        for (name, levels) in [
            ("name_levels", &self.name_levels),
            ("text_levels", &self.text_levels),
            ("number_levels", &self.number_levels),
        ] {
            if levels.windows(2).any(|w| w[0] <= w[1]) || levels.iter().any(|l| !(0.0..=1.0).contains(l)) {
                p.push(format!("model.{name} must be decreasing thresholds in [0, 1]"));
            }
        }
        if self.u_sample_pairs == 0 || self.max_iterations == 0 {
            p.push("model.u_sample_pairs and model.max_iterations must be at least 1".to_string());
        }
        p
    }

    /// The fuzzy thresholds of a field of `kind` that sets none of its own.
    pub fn default_levels(&self, kind: FieldKind, similarity: Option<Similarity>) -> Vec<f64> {
        match (similarity, kind) {
            // A code's default is one edit, whatever similarity names it.
            (_, FieldKind::Code) | (Some(Similarity::Exact | Similarity::Postcode), _) => Vec::new(),
            (Some(Similarity::JaroWinkler), _) | (None, FieldKind::Name) => self.name_levels.clone(),
            (Some(_), _) | (None, FieldKind::Text) => self.text_levels.clone(),
            (None, FieldKind::Number) => self.number_levels.clone(),
            (None, FieldKind::Date) => Vec::new(),
        }
    }
}

/// Page rules with their regular expressions compiled.
#[derive(Debug)]
pub struct CompiledPageRules {
    /// Furniture lines.
    pub furniture: Vec<Regex>,
    /// Start markers.
    pub start_markers: Vec<Regex>,
    /// End markers.
    pub end_markers: Vec<Regex>,
    /// The range header.
    pub range_header: Regex,
    /// Date lines that say a record has no date.
    pub no_date_lines: Vec<Regex>,
    /// When a page is a title-less listing.
    pub title_less: TitleLessRules,
    /// Layouts, in order.
    pub layouts: Vec<CompiledLayout>,
}

impl Rules {
    /// Compiles the page and layout rules.
    pub fn compile_pages(&self) -> Result<CompiledPageRules, Error> {
        let file = self.source.as_str();
        let layouts = self
            .layouts
            .iter()
            .map(|l| l.compile(file))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(CompiledPageRules {
            furniture: compile_all(file, &self.page.furniture, "page.furniture")?,
            start_markers: compile_all(file, &self.page.start_markers, "page.start_markers")?,
            end_markers: compile_all(file, &self.page.end_markers, "page.end_markers")?,
            range_header: compile(file, &self.page.range_header, "page.range_header")?,
            no_date_lines: compile_all(file, &self.page.no_date_lines, "page.no_date_lines")?,
            title_less: self.page.title_less,
            layouts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_compile() {
        let rules = Rules::builtin();
        assert!(rules.compile_pages().is_ok());
        assert_eq!(rules.layouts.len(), 3);
    }

    #[test]
    fn a_user_file_overrides_only_what_it_names() {
        let rules = Rules::from_layers(&[
            ("default", DEFAULT_RULES),
            ("mine.toml", "[comparison]\nmatch_threshold = 0.95\n"),
        ])
        .unwrap();
        assert_eq!(rules.comparison.match_threshold, 0.95);
        assert_eq!(
            rules.comparison.review_threshold,
            Rules::builtin().comparison.review_threshold
        );
    }

    #[test]
    fn typos_and_bad_values_are_reported_with_the_file() {
        let err = Rules::from_layers(&[
            ("default", DEFAULT_RULES),
            ("mine.toml", "[comparison]\nmatch_treshold = 1\n"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("mine.toml") && err.contains("match_treshold"), "{err}");
        let err = Rules::from_layers(&[
            ("default", DEFAULT_RULES),
            ("mine.toml", "[comparison]\nreview_threshold = 0.99\n"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("review_threshold"), "{err}");
    }

    fn over_builtin(text: &str) -> Rules {
        Rules::from_layers(&[("default", DEFAULT_RULES), ("mine.toml", text)]).unwrap()
    }

    #[test]
    fn page_lists_add_each_pattern_once_and_replace_only_what_they_name() {
        let builtin = Rules::builtin();
        let rules =
            over_builtin("[page]\nfurniture = ['^Mine$', '^Skip to (main )?content$']\nend_markers = ['^The end$']\n");
        let mut furniture = builtin.page.furniture.clone();
        furniture.push("^Mine$".into());
        assert_eq!(rules.page.furniture, furniture);
        assert_eq!(rules.page.end_markers.last().map(String::as_str), Some("^The end$"));
        assert_eq!(rules.page.end_markers.len(), builtin.page.end_markers.len() + 1);

        let rules = over_builtin("[page]\nreplace = true\nfurniture = ['^Mine$']\n");
        assert_eq!(rules.page.furniture, ["^Mine$"]);
        assert_eq!(rules.page.start_markers, builtin.page.start_markers);
    }

    #[test]
    fn other_lists_still_replace() {
        let rules = over_builtin(
            "[model]\nname_levels = [0.9]\n\n[[blocking.rules]]\nname = \"date\"\nkind = \"compatible_dates\"\nfield = \"date\"\n",
        );
        assert_eq!(rules.model.name_levels, [0.9]);
        assert_eq!(rules.blocking.rules.len(), 1);
    }

    #[test]
    fn a_users_layouts_come_first_and_one_of_a_builtin_name_takes_its_place() {
        let rules = over_builtin(
            "[[layouts]]\nname = \"a\"\ndetect = 'a'\n\n[[layouts]]\nname = \"separated\"\ndetect = 's'\n\n[[layouts]]\nname = \"b\"\ndetect = 'b'\n",
        );
        let names: Vec<_> = rules.layouts.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "bulleted", "separated", "plain"]);
        let from: Vec<_> = rules.layouts.iter().map(|l| l.from.as_deref()).collect();
        assert_eq!(
            from,
            [Some("mine.toml"), Some("mine.toml"), None, Some("mine.toml"), None]
        );
        assert_eq!(rules.layouts[3].detect.as_deref(), Some("s"));
        assert_eq!(rules.layouts[3].record_separator, None);

        let rules = over_builtin("replace_layouts = true\n\n[[layouts]]\nname = \"a\"\n");
        let names: Vec<_> = rules.layouts.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["a"]);
    }

    #[test]
    fn fields_that_must_agree_are_fields_a_layout_names() {
        let with = |extra: &str| {
            Rules::from_layers(&[
                ("default.toml", DEFAULT_RULES),
                (
                    "u.toml",
                    &format!("[comparison]\nfields_must_agree = [\"kind\"]\n{extra}"),
                ),
            ])
        };
        let err = with("").unwrap_err().to_string();
        assert!(err.contains("\"kind\" is not a field a layout names"), "{err}");
        let named = "[[layouts]]\nname = \"b\"\ndetect = ' \\| '\nrecord_start = '^(?P<date>.+) \\| (?P<kind>.+)$'\n";
        assert!(with(named).is_ok());
    }
}
