//! The records that flow between stages: raw records as ingested, normalized records as
//! compared. Every source gives one shape: the fields of its schema ([`crate::schema`]), in
//! schema order, as written (raw) and as typed values (normalized). A page is a source like a
//! table, whose built-in schema is date, title and description; the page accessors
//! (`title()`, ...) find those fields by role through that schema.
//!
//! Record ids are `FILE#POSITION`, positions 1-based on their page (or row of their table),
//! or a table's id column.

use crate::normalize::date::PartialDate;
use crate::schema::{Role, page_field};

/// Positions of the page fields (resolved through the page schema at compile time).
const DATE: usize = page_field(Role::Date);
const TITLE: usize = page_field(Role::Title);
const DESCRIPTION: usize = page_field(Role::Description);

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Path relative to the input root it was found under, with `/` separators (shared by
    /// the records of one file).
    pub file: std::sync::Arc<str>,
    /// 1-based position among the records of its page.
    pub position: usize,
    /// 1-based line where the record begins.
    pub line: usize,
    /// Layout the page was read as (shared by the records of one file).
    pub layout: std::sync::Arc<str>,
    /// What the page says about itself, shared by its records (None: a table row).
    pub page: Option<std::sync::Arc<PageMeta>>,
}

/// What a page says about itself, or what a scrape manifest says of it: its address, the
/// query it is a page of, when it was taken, and its range header (first, last, total).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageMeta {
    /// The page's address.
    pub url: Option<String>,
    /// The query it is a page of (a manifest's `query`).
    pub query: Option<String>,
    /// When it was taken (a manifest's `scraped_at`, as written).
    pub scraped_at: Option<String>,
    /// Its range header: first, last and total ("11 - 20 of 47").
    pub range: Option<(usize, usize, usize)>,
}

/// A record exactly as its source wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Where it came from.
    pub provenance: Provenance,
    /// Its fields as written, one per field of its source's schema (`None`: empty or absent).
    /// A page's date line is written without list markers. A boxed slice, not a `Vec`: a
    /// record never grows, and a million of them hold 8 MB less.
    pub fields: Box<[Option<String>]>,
    /// A table row's id column, when the mapping names one.
    pub key: Option<String>,
    /// The page was cut off inside this record: its text may be a prefix of the full one.
    pub partial: bool,
    /// Which schema its fields follow. One byte in what was padding: the page accessors
    /// answer only for page records, so a table row's second field is never read as a title.
    pub source: SourceKind,
    /// What a layout of the rules read besides the page schema: the date its own
    /// `date_formats` read, and its own fields ("kind"). Boxed: most records have none.
    pub layout_fields: Option<Box<LayoutFields>>,
}

/// A page record's fields that a layout of the rules read beyond the page schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayoutFields {
    /// The date the layout's `date_formats` read from the date field (the built-in forms
    /// read it otherwise).
    pub date: Option<PartialDate>,
    /// The layout's own fields, name and value, in the order the record gave them.
    pub extra: Vec<(std::sync::Arc<str>, String)>,
}

/// Which schema a record's fields follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// The built-in page schema ([`crate::schema::Schema::page`]).
    Page,
    /// The run's `[table]` mapping.
    Table,
}

impl RawRecord {
    /// A page record: its fields in page-schema order.
    pub fn page(provenance: Provenance, date: Option<String>, title: String, description: Option<String>) -> RawRecord {
        let mut fields: [Option<String>; 3] = Default::default();
        fields[DATE] = date;
        fields[TITLE] = Some(title);
        fields[DESCRIPTION] = description;
        RawRecord {
            provenance,
            fields: Box::new(fields),
            key: None,
            partial: false,
            source: SourceKind::Page,
            layout_fields: None,
        }
    }

    /// True for a page record (its fields follow the page schema).
    pub fn is_page(&self) -> bool {
        self.source == SourceKind::Page
    }

    /// Page field `f` as written; None for a table row.
    fn page_field(&self, f: usize) -> Option<&str> {
        match self.source {
            SourceKind::Page => self.fields.get(f)?.as_deref(),
            SourceKind::Table => None,
        }
    }

    /// A page record's date line as written.
    pub fn date(&self) -> Option<&str> {
        self.page_field(DATE)
    }

    /// A page record's title as written ("" when it has none).
    pub fn title(&self) -> &str {
        self.page_field(TITLE).unwrap_or("")
    }

    /// A page record's description as written.
    pub fn description(&self) -> Option<&str> {
        self.page_field(DESCRIPTION)
    }

    /// Sets a page record's date line.
    pub fn set_date(&mut self, date: Option<String>) {
        self.fields[DATE] = date;
    }

    /// Sets a page record's title.
    pub fn set_title(&mut self, title: String) {
        self.fields[TITLE] = Some(title);
    }

    /// Sets a page record's description.
    pub fn set_description(&mut self, description: Option<String>) {
        self.fields[DESCRIPTION] = description;
    }

    /// A table row's source: its cell of the mapping's `source` field (`field`), or, when
    /// the mapping names none or the cell is empty, the file it was read from.
    pub fn source_name(&self, field: Option<usize>) -> &str {
        field
            .and_then(|f| self.fields.get(f)?.as_deref())
            .unwrap_or(&self.provenance.file)
    }

    /// The layout's own fields ("kind"), in the order the record gave them.
    pub fn extra_fields(&self) -> &[(std::sync::Arc<str>, String)] {
        self.layout_fields.as_ref().map_or(&[], |l| &l.extra)
    }

    /// The id column's value for a table row that has one; otherwise `FILE#POSITION`.
    pub fn id(&self) -> String {
        match &self.key {
            Some(k) => k.clone(),
            None => format!("{}#{}", self.provenance.file, self.provenance.position),
        }
    }
}

/// The first 8 bytes of a SHA-256 of a record's normalized content, written as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// From the first 8 bytes of a digest.
    pub fn from_digest(digest: &[u8]) -> Fingerprint {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Fingerprint(u64::from_be_bytes(bytes))
    }

    /// The fingerprint of normalized content given as its parts (see [`content_digest`]).
    pub fn of<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> Fingerprint {
        Fingerprint::from_digest(&content_digest(parts))
    }
}

/// The one recipe for hashing normalized content, shared by record fingerprints and
/// canonical ids: SHA-256 of each part followed by a unit separator (0x1f), so that no two
/// lists of parts hash alike by moving text from one part to the next.
pub fn content_digest<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_ref().as_bytes());
        hasher.update([0x1f]);
    }
    hasher.finalize().into()
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
impl RawRecord {
    /// A table row for unit tests: row 1, line 2 of `t.csv`, its cells (empty: missing).
    pub(crate) fn row_for_test(cells: &[&str]) -> RawRecord {
        RawRecord {
            provenance: Provenance {
                file: "t.csv".into(),
                position: 1,
                line: 2,
                layout: "csv".into(),
                page: None,
            },
            fields: cells.iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect(),
            key: None,
            partial: false,
            source: SourceKind::Table,
            layout_fields: None,
        }
    }

    /// A page record for unit tests: position and line 1 of `file`.
    pub(crate) fn for_test(file: &str, date: &str, title: &str, description: Option<&str>, partial: bool) -> RawRecord {
        let provenance = Provenance {
            file: file.into(),
            position: 1,
            line: 1,
            layout: "plain".into(),
            page: None,
        };
        RawRecord {
            partial,
            ..RawRecord::page(
                provenance,
                Some(date.into()),
                title.into(),
                description.map(str::to_string),
            )
        }
    }
}

/// The fingerprint of a record without content: a tag no content key can produce (it holds a
/// NUL, which normalization never keeps), its file and position, and its fields exactly as
/// written. Stable enough for an override key: the same saved page read again gives the same
/// fragment at the same place, so its override keeps applying; two fragments differ in file
/// or position, so an override names one of them. A fragment holds nothing that could be
/// found again elsewhere (that is what makes it a fragment), so nothing better than its place
/// can identify it: if the page is saved anew and the fragment moves, the override is stale
/// and no longer applies, which is the safe way to fail.
fn fragment_fingerprint(raw: &RawRecord) -> Fingerprint {
    let position = raw.provenance.position.to_string();
    let place = ["\0fragment", &raw.provenance.file, position.as_str()];
    let written = raw.fields.iter().map(|f| f.as_deref().unwrap_or(""));
    Fingerprint::of(place.into_iter().chain(written))
}

impl Record {
    /// Its id, as outputs write it: `FILE#POSITION`, or a table's id column (made on demand
    /// rather than held: a million of them weigh 70 MB).
    pub fn id(&self) -> String {
        self.raw.id()
    }
}

/// A typed, normalized value, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A date.
    Date(PartialDate),
    /// Normalized text, a name or a code.
    Text(Text),
    /// A number.
    Number(f64),
}

/// A normalized text: what comparisons, blocking and fingerprints read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Its normalized tokens joined by single spaces.
    pub key: Box<str>,
    /// The numbers written in it, sorted and unique (kept for a page's title only, whose
    /// numbers tell documents apart; None elsewhere, and when it has none). Boxed once more:
    /// a thin pointer keeps every value of every record 8 bytes smaller (24 MB at 1M
    /// records), and few titles have numbers.
    pub numbers: Option<Box<Vec<String>>>,
}

impl Value {
    /// A text value of `key` without numbers.
    pub fn text(key: String) -> Value {
        Value::Text(Text {
            key: key.into(),
            numbers: None,
        })
    }

    /// The value as a key for blocking, term frequencies and fingerprints.
    pub fn key(&self) -> String {
        self.key_str().into_owned()
    }

    /// [`Value::key`], borrowed for a text: fingerprinting a million records would otherwise
    /// copy every title and description once more.
    pub fn key_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Date(d) => d.to_string().into(),
            Value::Text(t) => (*t.key).into(),
            Value::Number(n) => format!("{n}").into(),
        }
    }

    /// The text, when the value is one.
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The date, when the value is one.
    pub fn as_date(&self) -> Option<PartialDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// A record prepared for blocking and comparison: its source's fields typed and normalized.
/// The raw record travels with it so that outputs keep the original text.
#[derive(Debug, Clone)]
pub struct Record {
    /// The record as ingested.
    pub raw: RawRecord,
    /// Typed values, one per field of the schema (`None`: missing or unreadable).
    pub values: Box<[Option<Value>]>,
    /// Fingerprint of the normalized content (every field's key): the same for a record
    /// wherever and on whichever page it appears.
    pub fingerprint: Fingerprint,
    /// Index of the record's page among all pages of the run (for the same-page constraint).
    /// A table row is its own "page": rows of one table may match each other.
    pub page: u32,
    /// What the run's other records say of its title (a term-frequency signal): whether the
    /// title alone identifies one document.
    pub title_signal: crate::normalize::TitleSignal,
    /// For a record cut off by its page inside a short title (shorter than
    /// `min_title_prefix_chars`): how many documents (distinct titles) on other pages, at a
    /// date compatible with its own, have a title that begins with it (at most `u16::MAX`);
    /// 0 for any other record. See [`crate::normalize::mark_cut_titles`].
    pub cut_title_documents: u16,
    /// For such a record: its beginning is common, by how many documents of its year begin
    /// so (the term-frequency estimate of the title-only rule).
    pub cut_title_common: bool,
    /// In a run holding title-less records: within the run, and within the record's year,
    /// month and day, no other document of any title begins its description with this
    /// record's description (see [`crate::normalize::mark_alike_descriptions`]). All false
    /// in any other run.
    pub description_alike: crate::normalize::Alike,
}

impl Record {
    /// A record of `values` (in schema order), fingerprinted by the one recipe: every value's
    /// key, a missing value as "". A record with no content at all (every key empty: a
    /// dateless, title-less fragment cut off by its page) is fingerprinted by where it stands
    /// instead ([`fragment_fingerprint`]): by its content alone, every such fragment of a run
    /// would share one fingerprint, and an override written for one would apply to all.
    pub fn new(raw: RawRecord, values: Box<[Option<Value>]>, page: u32) -> Record {
        let keys = || {
            values
                .iter()
                .map(|v| v.as_ref().map(Value::key_str).unwrap_or_default())
        };
        let fingerprint = if keys().all(|k| k.is_empty()) {
            fragment_fingerprint(&raw)
        } else {
            Fingerprint::of(keys())
        };
        Record {
            raw,
            values,
            fingerprint,
            page,
            title_signal: crate::normalize::TitleSignal::default(),
            cut_title_documents: 0,
            cut_title_common: false,
            description_alike: crate::normalize::Alike::default(),
        }
    }

    /// The value of field `f`, when present.
    pub fn value(&self, f: usize) -> Option<&Value> {
        self.values.get(f)?.as_ref()
    }

    /// The text of field `f`, when present and a text.
    pub fn text(&self, f: usize) -> Option<&Text> {
        self.value(f)?.as_text()
    }

    /// Page field `f`'s value; None for a table row.
    fn page_value(&self, f: usize) -> Option<&Value> {
        self.raw.is_page().then(|| self.value(f)).flatten()
    }

    /// A page record's parsed date, when its date line was a usable date (None for a table
    /// row, which has no date role).
    pub fn date(&self) -> Option<PartialDate> {
        self.page_value(DATE)?.as_date()
    }

    /// A page record's normalized title ("" when it has none, and for a table row).
    pub fn title_key(&self) -> &str {
        self.page_value(TITLE).and_then(Value::as_text).map_or("", |t| &*t.key)
    }

    /// The numbers written in a page record's title.
    pub fn title_numbers(&self) -> &[String] {
        self.page_value(TITLE)
            .and_then(Value::as_text)
            .and_then(|t| t.numbers.as_deref())
            .map_or(&[], |n| n.as_slice())
    }

    /// A page record's normalized description (None when it has none, and for a table row).
    pub fn description_key(&self) -> Option<&str> {
        self.page_value(DESCRIPTION).and_then(Value::as_text).map(|t| &*t.key)
    }
}
