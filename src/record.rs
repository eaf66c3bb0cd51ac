//! The records that flow between stages: raw records as ingested, normalized records as
//! compared. Record ids are `FILE#POSITION`, positions 1-based on their page (or row of
//! their table), or a table's id column.

use crate::date::PartialDate;

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
}

/// A record exactly as the page wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Where it came from.
    pub provenance: Provenance,
    /// The date line as written (without list markers), if there was one.
    pub date: Option<String>,
    /// The title as written.
    pub title: String,
    /// The description as written, if there was one.
    pub description: Option<String>,
    /// The page was cut off inside this record: its text may be a prefix of the full one.
    pub partial: bool,
    /// A table row's cells, one per field of the `[table]` mapping, as written (`None`:
    /// empty or absent). Empty for a page record.
    pub fields: Vec<Option<String>>,
    /// A table row's id column, when the mapping names one.
    pub key: Option<String>,
}

impl RawRecord {
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
    /// A page record for unit tests: position and line 1 of `file`.
    pub(crate) fn for_test(file: &str, date: &str, title: &str, description: Option<&str>, partial: bool) -> RawRecord {
        RawRecord {
            provenance: Provenance {
                file: file.into(),
                position: 1,
                line: 1,
                layout: "plain".into(),
            },
            date: Some(date.into()),
            title: title.into(),
            description: description.map(str::to_string),
            partial,
            fields: Vec::new(),
            key: None,
        }
    }
}

impl Record {
    /// Its id, as outputs write it: `FILE#POSITION`, or a table's id column (made on demand
    /// rather than held: a million of them weigh 70 MB).
    pub fn id(&self) -> String {
        self.raw.id()
    }
}

/// A record prepared for blocking and comparison. The raw record travels with it so that
/// outputs keep the original text.
#[derive(Debug, Clone)]
pub struct Record {
    /// The record as ingested.
    pub raw: RawRecord,
    /// The parsed date, when the date line was a usable date.
    pub date: Option<PartialDate>,
    /// Normalized title tokens joined by spaces.
    pub title_key: String,
    /// Normalized description tokens joined by spaces (None when there is no description).
    pub description_key: Option<String>,
    /// Numbers written in the title.
    pub title_numbers: Vec<String>,
    /// Fingerprint of the normalized content (date, title, description): the same for a
    /// record wherever and on whichever page it appears.
    pub fingerprint: Fingerprint,
    /// Index of the record's page among all pages of the run (for the same-page constraint).
    /// A table row is its own "page": rows of one table may match each other.
    pub page: u32,
    /// Records of this run carry the same title with descriptions that begin differently:
    /// the title alone does not identify one document (a term-frequency signal).
    pub title_shared: bool,
    /// Typed values of a table row, one per field of the mapping (`None`: missing). For a
    /// page record scored by the Fellegi-Sunter model: its date, title and description.
    pub fields: Vec<Option<crate::schema::Value>>,
}
