//! What the reader took each line of a page for, and why it read the page as it did: what
//! `concord inspect` shows. The reader fills the line roles only when asked
//! ([`super::parse_traced`]); the decisions (layout, title-less figures, re-read) it makes
//! anyway and only hands them back.

use serde::{Serialize, Serializer};

/// What a line of a page was read as. New roles (a layout's own fields, say) are new
/// variants: each has one name, [`Role::as_str`], which the text and the JSON output share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An empty line.
    Blank,
    /// Site furniture skipped where furniture stands (before the records, or among the last
    /// record's lines after its title).
    Furniture,
    /// Text before the records (a collection's introduction), not a record.
    Header,
    /// A start marker before the records.
    StartMarker,
    /// The range header ("1 - 10 of 47").
    RangeHeader,
    /// A record marker with no field on its line (its record's fields follow).
    RecordMarker,
    /// A record separator: it ends one record and begins the next.
    Separator,
    /// A record's date line (or the start of a date cut off by the page's end).
    Date,
    /// A line saying the record has no date ("Date unknown"): its date line.
    NoDate,
    /// A record's title.
    Title,
    /// The first line of a record's description.
    Description,
    /// A later line of a record's description (joined to it with a space).
    DescriptionContinuation,
    /// A line of a field of the layout's own ("kind"), or a later line of one.
    Field,
    /// The end marker where the page's footer begins.
    EndMarker,
    /// A line of the page's footer, after its end marker.
    Footer,
    /// A line no step of the reader claimed.
    Other,
}

impl Role {
    /// The role's name, as `concord inspect` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Blank => "blank",
            Role::Furniture => "furniture",
            Role::Header => "header",
            Role::StartMarker => "start_marker",
            Role::RangeHeader => "range_header",
            Role::RecordMarker => "record_marker",
            Role::Separator => "separator",
            Role::Date => "date",
            Role::NoDate => "no_date",
            Role::Title => "title",
            Role::Description => "description",
            Role::DescriptionContinuation => "description_continuation",
            Role::Field => "field",
            Role::EndMarker => "end_marker",
            Role::Footer => "footer",
            Role::Other => "other",
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One line of a page and what it was read as.
#[derive(Debug, Clone, Serialize)]
pub struct LineRole {
    /// The 1-based line number.
    pub line: usize,
    /// What the line was read as.
    pub role: Role,
    /// The record (its position on the page, as in `FILE#N`) the line belongs to.
    pub record: Option<usize>,
    /// The line begins with the layout's record marker (its role is then the field after it).
    pub marker: bool,
    /// The line's text, trimmed, as the reader saw it.
    pub text: String,
}

/// Why the page was read in its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum LayoutChoice {
    /// The layout's `detect` matched a line (the first layout whose pattern matched any).
    Detected {
        /// The first line it matched.
        line: usize,
    },
    /// No layout before it matched, and it has no `detect`: it takes any page.
    NoDetect,
    /// No layout matched: the last one was used.
    Fallback,
}

/// The figures that decided whether the page is a title-less listing (`page.title_less`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TitleLessFigures {
    /// The verdict.
    pub title_less: bool,
    /// Not judged: the layout states its fields (what each line is), and the figures are 0.
    pub layout_says: bool,
    /// Records cut from the page before the verdict (chunks between delimiters).
    pub records: usize,
    /// Those whose text is one line, or one sentence broken over lines.
    pub one_line: usize,
    /// The last one-line record was left out of the judging: the page may have cut it.
    pub last_left_out: bool,
    /// One-line records judged.
    pub judged: usize,
    /// Judged lines that end like a sentence.
    pub sentences: usize,
    /// The lower median of the judged lines' words (None: no line judged).
    pub median_words: Option<usize>,
}

impl TitleLessFigures {
    /// Not judged: the page's layout states its fields (`records` cut from the page).
    pub fn layout_says(records: usize) -> TitleLessFigures {
        TitleLessFigures {
            title_less: false,
            layout_says: true,
            records,
            one_line: 0,
            last_left_out: false,
            judged: 0,
            sentences: 0,
            median_words: None,
        }
    }
}

/// Whether the page was read again to the count its range header states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Reread {
    /// Not tried: no range header, no more records than it states, or a layout that does
    /// not tell dateless records by their shape.
    NotTried,
    /// Read again, and kept: the second read gave the records stated.
    Kept {
        /// Records the range header states.
        shown: usize,
        /// Records the first read found.
        first: usize,
    },
    /// Read again, but the second read gave another count: the first read stands.
    Rejected {
        /// Records the range header states.
        shown: usize,
        /// Records the first read found.
        first: usize,
        /// Records the second read found.
        again: usize,
    },
}

/// How one page was read.
#[derive(Debug, Clone, Serialize)]
pub struct PageTrace {
    /// Every line's role, in page order (empty unless the trace was asked for).
    pub lines: Vec<LineRole>,
    /// Why the layout.
    pub layout: LayoutChoice,
    /// The title-less verdict and its figures.
    pub title_less: TitleLessFigures,
    /// The range-header re-read.
    pub reread: Reread,
}
