//! Schemas: the fields a source's records carry. Every source has one: pages a built-in
//! schema (date, title, description, see [`Schema::page`]), a CSV or JSON Lines table the
//! `[table]` section of a rules file (which column each field is read from). Records hold
//! their fields in schema order, so every stage finds a field by name or role here and never
//! by a number written in code.
//!
//! A field has a kind that says how it is read and compared: `date` (partial dates, see
//! [`crate::normalize::date`]), `text` (free text), `name` (personal names), `code` (postcodes, ids:
//! exact strings) or `number`. An empty cell is a missing value, never an empty string that
//! agrees with another empty string.
//!
//! This module describes fields only (it imports no record or normalization code): reading a
//! cell as its kind is [`crate::normalize`]'s work.

pub mod key;

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The `[table]` section: the mapping of a table's columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRules {
    /// Column holding a record id; without one a record is `FILE#ROW`.
    pub id: Option<String>,
    /// The fields read from each row, in order.
    pub fields: Vec<FieldRule>,
    /// Blocking rules: records whose keys agree on every key expression of a rule are
    /// compared. The pairs of all rules are unioned; each pair records the first rule that
    /// made it. (None for a table read as pages, which blocks as pages do.)
    #[serde(default)]
    pub blocking: Vec<TableBlockingRule>,
    /// Fields written to `canonical.csv`, in order (default: every field).
    pub canonical: Option<Vec<String>>,
    /// Which pairs are compared: within and across sources (`dedupe`, the default, and
    /// `link-and-dedupe`) or across sources only (`link`).
    #[serde(default)]
    pub link_type: LinkType,
    /// The field naming each record's source (default: the file it was read from).
    pub source: Option<String>,
    /// With `link`: a cluster holds at most one record of each source (two sources: each
    /// record matches at most one of the other).
    #[serde(default)]
    pub one_to_one: bool,
    /// Must-link rules: records whose keys agree on every key expression of a rule (a shared
    /// id) are one entity, whatever their score.
    #[serde(default)]
    pub must_link: Vec<TableBlockingRule>,
    /// Read the table's rows as page records (a catalogue to link a scrape against): which
    /// field is each record's title, date and description. The run is then a page run, and
    /// the table may be read with result pages.
    pub pages: Option<PageRoles>,
}

/// The fields a table's rows give the page schema (`[table.pages]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRoles {
    /// The field holding the title.
    pub title: String,
    /// The field holding the date, as a page writes it (`September 6, 1952`, `1952-09-06`).
    pub date: Option<String>,
    /// The field holding the description.
    pub description: Option<String>,
}

impl PageRoles {
    /// Each role's field name, in the page schema's order (date, title, description).
    pub fn fields(&self) -> [Option<&str>; 3] {
        [
            self.date.as_deref(),
            Some(self.title.as_str()),
            self.description.as_deref(),
        ]
    }
}

/// Which pairs a table run compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LinkType {
    /// Every pair the blocking rules make: duplicates within one table or across several.
    #[default]
    Dedupe,
    /// Pairs across sources only: records of one source are never compared or merged
    /// directly (each source is taken as free of duplicates).
    Link,
    /// Pairs within and across sources; each record's source is written to the outputs.
    LinkAndDedupe,
}

impl LinkType {
    /// The word of the rules.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::Dedupe => "dedupe",
            LinkType::Link => "link",
            LinkType::LinkAndDedupe => "link-and-dedupe",
        }
    }
}

/// One field: the column it is read from and how it is compared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Field name (names the comparison and its output columns).
    pub name: String,
    /// Column header (default: the field name).
    pub column: Option<String>,
    /// How the field is read and compared.
    pub kind: FieldKind,
    /// Similarity thresholds of the fuzzy levels, highest first (default from `[model]`).
    pub levels: Option<Vec<f64>>,
    /// Adjust exact agreement by the value's frequency (a common surname agrees by chance
    /// more often than a rare one).
    #[serde(default)]
    pub term_frequency: bool,
    /// Whether the field is a comparison of the model (false: read and kept only).
    #[serde(default = "yes")]
    pub compare: bool,
    /// How the canonical value is chosen among a cluster's members.
    #[serde(default)]
    pub survivorship: Survivorship,
    /// For `most-recent`: the date or number field that says which member is the latest.
    pub survivorship_by: Option<String>,
    /// For `preferred-source`: the sources whose values win, best first.
    #[serde(default)]
    pub prefer: Vec<String>,
    /// The similarity its fuzzy levels measure (default: the kind's, see [`Similarity`]).
    pub similarity: Option<Similarity>,
    /// Distance levels after the similarity's: for a date `"3 days"`, `"1 month"`,
    /// `"2 years"`; for a number an absolute difference `"5"` or a relative one `"10%"`.
    pub within: Option<Vec<String>>,
}

/// What a comparison's fuzzy levels measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Similarity {
    /// Jaro-Winkler similarity (the default of `name`): typos near the end of short strings
    /// cost little.
    JaroWinkler,
    /// Levenshtein distance over the longer length (the default of `text`; a text's
    /// truncated copy is compared as a prefix).
    Levenshtein,
    /// Damerau-Levenshtein (a swap of two neighbours is one edit) over the longer length; a
    /// `code` compares by it at one edit when it has no `levels`.
    Damerau,
    /// Jaccard of the sets of words: order-free, for lists (authors, keywords).
    TokenSet,
    /// Exact agreement only.
    Exact,
    /// Postcodes: same sector, district or area (UK: "SW1A 1AA" is area SW, district SW1A,
    /// sector SW1A 1; a code of digits shares its first n-1, then n-2 digits).
    Postcode,
}

impl Similarity {
    /// The word of the rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Similarity::JaroWinkler => "jaro-winkler",
            Similarity::Levenshtein => "levenshtein",
            Similarity::Damerau => "damerau",
            Similarity::TokenSet => "token-set",
            Similarity::Exact => "exact",
            Similarity::Postcode => "postcode",
        }
    }

    /// True when it has thresholds (`levels`).
    pub fn has_thresholds(self) -> bool {
        matches!(
            self,
            Similarity::JaroWinkler | Similarity::Levenshtein | Similarity::Damerau | Similarity::TokenSet
        )
    }
}

/// A distance level: two values within this of each other.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Within {
    /// Dates whose spans are at most this many of the unit apart.
    Date {
        /// How many units.
        n: u32,
        /// The unit.
        unit: DateUnit,
    },
    /// Numbers at most this far apart.
    Absolute(f64),
    /// Numbers at most this percentage of the larger (in magnitude) apart.
    Relative(f64),
}

/// A unit of date distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateUnit {
    /// One day.
    Day,
    /// Seven days.
    Week,
    /// A twelfth of a Julian year (30.4375 days).
    Month,
    /// A Julian year (365.25 days).
    Year,
}

impl DateUnit {
    fn days(self) -> f64 {
        match self {
            DateUnit::Day => 1.0,
            DateUnit::Week => 7.0,
            DateUnit::Month => 365.25 / 12.0,
            DateUnit::Year => 365.25,
        }
    }
}

impl Within {
    /// Parses a `within` entry of a field of `kind`.
    pub fn parse(text: &str, kind: FieldKind) -> Result<Within, String> {
        let t = text.trim();
        match kind {
            FieldKind::Date => {
                let (n, unit) = t
                    .split_once(' ')
                    .ok_or_else(|| format!("{t:?}: write a date distance as \"3 days\", \"1 month\" or \"2 years\""))?;
                let n: u32 = n.parse().map_err(|_| format!("{t:?}: {n:?} is not a whole number"))?;
                let unit = match unit.trim().trim_end_matches('s') {
                    "day" => DateUnit::Day,
                    "week" => DateUnit::Week,
                    "month" => DateUnit::Month,
                    "year" => DateUnit::Year,
                    other => return Err(format!("{t:?}: {other:?} is not a unit (days, weeks, months, years)")),
                };
                Ok(Within::Date { n, unit })
            }
            FieldKind::Number => {
                let number = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
                match t.strip_suffix('%') {
                    Some(p) => number(p).map(Within::Relative),
                    None => number(t).map(Within::Absolute),
                }
                .ok_or_else(|| format!("{t:?}: write a number distance as \"5\" or \"10%\""))
            }
            other => Err(format!("`within` applies to date and number fields, not {other:?}")),
        }
    }

    /// The largest distance inside this level, in days for a date.
    pub fn limit(&self) -> f64 {
        match *self {
            Within::Date { n, unit } => f64::from(n) * unit.days(),
            Within::Absolute(x) | Within::Relative(x) => x,
        }
    }
}

impl std::fmt::Display for Within {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Within::Date { n, unit } => {
                let unit = format!("{unit:?}").to_lowercase();
                write!(f, "within {n} {unit}{}", if *n == 1 { "" } else { "s" })
            }
            Within::Absolute(x) => write!(f, "within {x}"),
            Within::Relative(x) => write!(f, "within {x}%"),
        }
    }
}

/// How a table's canonical field takes its value from a cluster's members (`survivorship`
/// of `[[table.fields]]`; see [`crate::linkage::merge`] for each policy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Survivorship {
    /// The value closest to all the others.
    #[default]
    Medoid,
    /// The value most members hold.
    MostCommon,
    /// The value of the member latest by `survivorship_by`.
    MostRecent,
    /// The value of a member from the first source of `prefer` that has one.
    PreferredSource,
    /// The longest value.
    Longest,
    /// The value of the first member in input order that has one.
    FirstNonEmpty,
}

impl Survivorship {
    /// The name written in rules and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Survivorship::Medoid => "medoid",
            Survivorship::MostCommon => "most-common",
            Survivorship::MostRecent => "most-recent",
            Survivorship::PreferredSource => "preferred-source",
            Survivorship::Longest => "longest",
            Survivorship::FirstNonEmpty => "first-non-empty",
        }
    }
}

fn yes() -> bool {
    true
}

impl FieldRule {
    /// The column this field is read from.
    pub fn column(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.name)
    }
}

/// One blocking rule of a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableBlockingRule {
    /// Name written to `decisions.csv` and `blocks.csv`.
    pub name: String,
    /// Key expressions ([`key`]: a field, or a part of one such as `prefix(surname, 3)`)
    /// that must all be present and agree.
    #[serde(alias = "keys")]
    pub fields: Vec<String>,
}

impl TableBlockingRule {
    /// The rule's key expressions, parsed (an expression that does not parse is left out:
    /// [`TableRules::problems`] names it).
    pub fn keys(&self) -> Vec<key::KeyExpr> {
        self.fields.iter().filter_map(|f| key::KeyExpr::parse(f).ok()).collect()
    }
}

/// How a field is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// A partial date.
    Date,
    /// Free text (normalized Levenshtein similarity).
    Text,
    /// A personal name (Jaro-Winkler similarity).
    Name,
    /// An exact code: postcode, id, street number.
    Code,
    /// A number.
    Number,
}

/// What a field is to the page machinery: the comparison of page pairs, the shared-title
/// signal, the merge of canonical records and the page outputs look fields up by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The date line.
    Date,
    /// The title.
    Title,
    /// The description.
    Description,
}

/// The built-in schema of page records: (name, kind, role), in record order.
const PAGE_FIELDS: [(&str, FieldKind, Role); 3] = [
    ("date", FieldKind::Date, Role::Date),
    ("title", FieldKind::Text, Role::Title),
    ("description", FieldKind::Text, Role::Description),
];

/// Position of the page field with `role`, found in [`PAGE_FIELDS`] at compile time: the
/// page accessors of records (`title()`, ...) cost an index, and no index is written by hand.
pub const fn page_field(role: Role) -> usize {
    let mut i = 0;
    while i < PAGE_FIELDS.len() {
        if PAGE_FIELDS[i].2 as u8 == role as u8 {
            return i;
        }
        i += 1;
    }
    panic!("every role is a page field")
}

/// The fields of a source, in the order its records hold them.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The fields (a page field's `column` is unused).
    pub fields: Vec<FieldRule>,
    /// Position of the field of each role (date, title, description), for pages.
    roles: [Option<usize>; 3],
}

static PAGE_SCHEMA: LazyLock<Schema> = LazyLock::new(|| Schema {
    fields: PAGE_FIELDS
        .iter()
        .map(|&(name, kind, _)| FieldRule {
            name: name.to_string(),
            column: None,
            kind,
            levels: None,
            term_frequency: false,
            compare: true,
            similarity: None,
            within: None,
            survivorship: Survivorship::default(),
            survivorship_by: None,
            prefer: Vec::new(),
        })
        .collect(),
    roles: [Role::Date, Role::Title, Role::Description].map(|r| Some(page_field(r))),
});

impl Schema {
    /// The built-in schema of page records.
    pub fn page() -> &'static Schema {
        &PAGE_SCHEMA
    }

    /// The schema of a table's rows: its mapped fields, none with a page role.
    pub fn of_table(table: &TableRules) -> Schema {
        Schema {
            fields: table.fields.clone(),
            roles: [None; 3],
        }
    }

    /// Position of the field called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Position of the field with `role` (None for a table).
    pub fn role(&self, role: Role) -> Option<usize> {
        self.roles[role as usize]
    }

    /// The field names, comma separated (for messages).
    pub fn names(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The fixed columns of a table run's `provenance.csv`, before the mapped fields.
/// `source_dataset` (the record's source: its file, or its `source` field) came last:
/// outputs of earlier versions end at `format`.
pub const PROVENANCE_COLUMNS: [&str; 8] = [
    "canonical_id",
    "record_id",
    "fingerprint",
    "file",
    "row",
    "line",
    "format",
    "source_dataset",
];

/// The fixed columns of a table run's `canonical.csv` after the canonical fields.
pub const CANONICAL_TAIL_COLUMNS: [&str; 2] = ["source_count", "record_ids"];

/// True when a field name would collide with a fixed output column.
fn reserved(name: &str) -> bool {
    PROVENANCE_COLUMNS.contains(&name) || CANONICAL_TAIL_COLUMNS.contains(&name)
}

impl TableRules {
    /// Index of the field called `name`.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Index of the field naming each record's source (None: its file).
    pub fn source_field(&self) -> Option<usize> {
        self.source.as_deref().and_then(|s| self.field_index(s))
    }

    /// Indices of the canonical fields.
    pub fn canonical_fields(&self) -> Vec<usize> {
        match &self.canonical {
            Some(names) => names.iter().filter_map(|n| self.field_index(n)).collect(),
            None => (0..self.fields.len()).collect(),
        }
    }

    /// Problems with the mapping, in words (empty when it is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for f in &self.fields {
            if reserved(&f.name) {
                problems.push(format!(
                    "table.fields: {:?} is an output column of its own; name the field otherwise (column = {:?} keeps the header)",
                    f.name, f.name
                ));
            }
            if !seen.insert(f.name.as_str()) {
                problems.push(format!("table.fields: {:?} is named twice", f.name));
            }
            if f.levels.is_some() && f.similarity.is_none() && matches!(f.kind, FieldKind::Date | FieldKind::Code) {
                problems.push(format!(
                    "table.fields {:?}: a {:?} field has fixed levels; `levels` applies to name, text and number fields",
                    f.name, f.kind
                ));
            }
            problems.extend(similarity_problems(f));
            problems.extend(self.survivorship_problems(f));
            if let Some(levels) = &f.levels
                && (levels.windows(2).any(|w| w[0] <= w[1]) || levels.iter().any(|l| !(0.0..=1.0).contains(l)))
            {
                problems.push(format!(
                    "table.fields {:?}: levels must be decreasing thresholds in [0, 1]",
                    f.name
                ));
            }
        }
        // Rows read as pages are compared and blocked as pages are.
        if self.fields.iter().all(|f| !f.compare) && self.pages.is_none() {
            problems.push("table.fields: at least one field must be compared".into());
        }
        if self.blocking.is_empty() && self.pages.is_none() {
            problems.push("table.blocking: at least one blocking rule is needed".into());
        }
        for name in self.pages.iter().flat_map(|p| p.fields()).flatten() {
            if self.field_index(name).is_none() {
                problems.push(format!("table.pages: {name:?} is not a field of table.fields"));
            }
        }
        // Training keeps the rules a pair satisfies as the bits of a u64.
        if self.blocking.len() > 64 {
            problems.push("table.blocking: at most 64 blocking rules".into());
        }
        problems.extend(
            self.blocking
                .iter()
                .chain(&self.must_link)
                .flat_map(|b| self.key_problems(b)),
        );
        if let Some(source) = &self.source
            && self.field_index(source).is_none()
        {
            problems.push(format!("table.source: {source:?} is not a field of table.fields"));
        }
        if self.one_to_one && self.link_type != LinkType::Link {
            problems.push("table.one_to_one applies to link_type = \"link\"".into());
        }
        for name in self.canonical.iter().flatten() {
            if self.field_index(name).is_none() {
                problems.push(format!("table: {name:?} is not a field of table.fields"));
            }
        }
        problems
    }

    /// Problems with a blocking rule's key expressions.
    fn key_problems(&self, rule: &TableBlockingRule) -> Vec<String> {
        let mut problems = Vec::new();
        if rule.fields.is_empty() {
            problems.push(format!("table rule {:?}: no key expression", rule.name));
        }
        for text in &rule.fields {
            let expr = match key::KeyExpr::parse(text) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("table rule {:?}: {e}", rule.name));
                    continue;
                }
            };
            match self.fields.iter().find(|f| f.name == expr.field) {
                None => problems.push(format!("table: {:?} is not a field of table.fields", expr.field)),
                Some(f) if expr.needs_date() && f.kind != FieldKind::Date => problems.push(format!(
                    "table rule {:?}: {text} needs a date field; {:?} is a {:?} field",
                    rule.name, f.name, f.kind
                )),
                Some(_) => {}
            }
        }
        problems
    }

    /// Problems with a field's survivorship: each policy's own key, and only its own.
    fn survivorship_problems(&self, f: &FieldRule) -> Vec<String> {
        let mut problems = Vec::new();
        let say = |what: String| format!("table.fields {:?}: {what}", f.name);
        let policy = f.survivorship;
        match (&f.survivorship_by, policy) {
            (None, Survivorship::MostRecent) => problems.push(say(
                "survivorship = \"most-recent\" needs survivorship_by = \"FIELD\" (a date or number field)".into(),
            )),
            (Some(_), p) if p != Survivorship::MostRecent => problems.push(say(format!(
                "survivorship_by applies to survivorship = \"most-recent\", not {:?}",
                p.as_str()
            ))),
            (Some(by), _) => match self.fields.iter().find(|g| g.name == *by) {
                None => problems.push(say(format!("survivorship_by {by:?} is not a field of table.fields"))),
                Some(g) if !matches!(g.kind, FieldKind::Date | FieldKind::Number) => problems.push(say(format!(
                    "survivorship_by {by:?} is a {:?} field; it must be a date or a number",
                    g.kind
                ))),
                Some(_) => {}
            },
            (None, _) => {}
        }
        match (f.prefer.is_empty(), policy) {
            (true, Survivorship::PreferredSource) => problems.push(say(
                "survivorship = \"preferred-source\" needs prefer = [\"SOURCE\", ...] (input file names)".into(),
            )),
            (false, p) if p != Survivorship::PreferredSource => problems.push(say(format!(
                "prefer applies to survivorship = \"preferred-source\", not {:?}",
                p.as_str()
            ))),
            _ => {}
        }
        problems
    }
}

/// Problems with a field's `similarity` and `within`.
fn similarity_problems(f: &FieldRule) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &f.name;
    if let Some(s) = f.similarity {
        if f.levels.is_some() && !s.has_thresholds() {
            problems.push(format!(
                "table.fields {name:?}: similarity {:?} has fixed levels; `levels` applies to jaro-winkler, levenshtein, damerau and token-set",
                s.as_str()
            ));
        }
        if matches!(f.kind, FieldKind::Date | FieldKind::Number) && s != Similarity::Exact {
            problems.push(format!(
                "table.fields {name:?}: a {:?} field compares as a {0:?} (or similarity = \"exact\"); use `within` for distance levels",
                f.kind
            ));
        }
    }
    for w in f.within.iter().flatten() {
        if let Err(e) = Within::parse(w, f.kind) {
            problems.push(format!("table.fields {name:?}: within {e}"));
        }
    }
    let limits: Vec<f64> = (f.within.iter().flatten())
        .filter_map(|w| Within::parse(w, f.kind).ok())
        .map(|w| w.limit())
        .collect();
    if limits.windows(2).any(|w| w[0] >= w[1]) {
        problems.push(format!("table.fields {name:?}: within must list increasing distances"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_roles_are_found_by_name_in_the_page_schema() {
        let page = Schema::page();
        for (role, name) in [
            (Role::Date, "date"),
            (Role::Title, "title"),
            (Role::Description, "description"),
        ] {
            assert_eq!(page.role(role), page.index(name));
            assert_eq!(Some(page_field(role)), page.index(name));
        }
    }

    #[test]
    fn a_mapping_with_mistakes_is_refused_with_every_problem_named() {
        let rules: TableRules = toml::from_str(
            r#"
            canonical = ["nope"]
            blocking = [{ name = "b", fields = ["born", "missing"] }]
            [[fields]]
            name = "born"
            kind = "date"
            levels = [0.9]
            [[fields]]
            name = "file"
            kind = "name"
            levels = [0.8, 0.9]
            "#,
        )
        .unwrap();
        let problems = rules.problems().join("\n");
        for needle in [
            "fixed levels",
            "\"file\" is an output column",
            "decreasing",
            "\"missing\"",
            "\"nope\"",
        ] {
            assert!(problems.contains(needle), "{needle}: {problems}");
        }
    }

    #[test]
    fn survivorship_keys_are_checked_against_their_policy_and_the_fields() {
        let rules = |fields: &str| -> TableRules {
            toml::from_str(&format!(
                "blocking = [{{ name = \"b\", fields = [\"a\"] }}]\n\
                 [[fields]]\nname = \"a\"\nkind = \"name\"\n\
                 [[fields]]\nname = \"seen\"\nkind = \"date\"\n{fields}"
            ))
            .unwrap()
        };
        let field = |keys: &str| rules(&format!("[[fields]]\nname = \"f\"\nkind = \"text\"\n{keys}"));
        for (keys, needle) in [
            ("survivorship = \"most-recent\"", "needs survivorship_by"),
            (
                "survivorship = \"most-recent\"\nsurvivorship_by = \"gone\"",
                "\"gone\" is not a field",
            ),
            (
                "survivorship = \"most-recent\"\nsurvivorship_by = \"a\"",
                "must be a date or a number",
            ),
            (
                "survivorship_by = \"seen\"",
                "applies to survivorship = \"most-recent\", not \"medoid\"",
            ),
            ("survivorship = \"preferred-source\"", "needs prefer"),
            ("prefer = [\"a.csv\"]", "applies to survivorship = \"preferred-source\""),
        ] {
            let problems = field(keys).problems().join("\n");
            assert!(problems.contains(needle), "{keys}: {problems}");
        }
        for keys in [
            "",
            "survivorship = \"most-recent\"\nsurvivorship_by = \"seen\"",
            "survivorship = \"preferred-source\"\nprefer = [\"a.csv\"]",
            "survivorship = \"first-non-empty\"",
        ] {
            assert_eq!(field(keys).problems(), Vec::<String>::new(), "{keys}");
        }
        assert!(
            toml::from_str::<TableRules>(
                "blocking = []\nfields = [{ name = \"a\", kind = \"text\", survivorship = \"newest\" }]"
            )
            .is_err()
        );
    }
}
