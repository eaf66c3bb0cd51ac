//! Synthetic scrapes with known truth: a seeded generator of saved result pages in the
//! archive's layouts, plus `truth.csv` mapping every record id concord will assign to the
//! document it shows.
//!
//! It owns the simulation only: documents (dates 1945-1991, titles in the archive's style,
//! distinct descriptions), hard negatives (sibling documents on one date with near-identical
//! titles; one title on many dates), overlapping result pages, and the variation an
//! appearance shows (date forms, quotes, brackets, diacritics, a one-letter typo, spacing, a
//! truncated or missing description, a page cut off). Everything comes from one ChaCha
//! stream seeded by the user, generated in a fixed order: one seed, one byte-exact output.
//!
//! Entity ids say how a document was made, so an evaluation can tell hard negatives apart:
//! `d…` an ordinary document, `s…` one of a group of same-date siblings, `r…` one of a group
//! sharing a title across dates.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Records (appearances on pages) to generate in total.
    pub records: usize,
    /// The seed: the same seed gives byte-identical output.
    pub seed: u64,
    /// Also write `records.csv` (every record as written on its page).
    pub csv: bool,
    /// Record shapes real pages show (issue 12), each a share in percent; all 0 by default.
    pub shapes: Shapes,
    /// How the scrape is saved: queries, left-out pages, HTML ([`Scrape`]).
    pub scrape: Scrape,
}

/// How the pages are saved, beyond their text. With every field at its default the output
/// is what it was before these existed, byte for byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrape {
    /// Group consecutive pages into queries of 1 to 5 pages, number their range headers as
    /// one query's (`11 - 20 of 47`), give each page an address
    /// (`https://archive.example/search?q=synth-NNNNN&page=P`) and write `manifest.csv`.
    pub queries: bool,
    /// Percent of the queries of two pages or more one of whose later pages is left out (not
    /// written; `pages.csv` says which). Needs `queries`.
    pub leave_out: u32,
    /// Write each page as a saved HTML page (`.html`, its address in a canonical link),
    /// results in `<p>` elements between a navigation bar, a cookie banner and a footer.
    pub html: bool,
}

/// Shapes of records that real result pages show, each a share in percent (0 = off). With
/// every share at 0 the generator makes exactly the draws it made before they existed, so a
/// seed's output keeps its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shapes {
    /// Pages that are title-less listings: each record is its date line and one line, its
    /// whole description (or its title when the appearance has none).
    pub titleless_pages: u32,
    /// Of the pages cut off, those cut inside the last record's title after 1 to 12
    /// characters (the record then has no description).
    pub short_cut_titles: u32,
    /// Documents with no date in the archive: "Date unknown", "Undated", "n.d." or "No date"
    /// stands where the date line does.
    pub date_unknown: u32,
    /// Appearances whose description is broken over two lines (two paragraphs, or a line
    /// that stops inside a word and goes on on the next).
    pub broken_descriptions: u32,
    /// Appearances of day-dated documents shown at month (mostly) or year precision.
    pub coarse_dates: u32,
}

impl Shapes {
    /// Every shape at the share `--realistic` uses.
    pub const REALISTIC: Shapes = Shapes {
        titleless_pages: 5,
        short_cut_titles: 40,
        date_unknown: 2,
        broken_descriptions: 5,
        coarse_dates: 10,
    };
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthSummary {
    /// Records written across all pages.
    pub records: usize,
    /// Distinct documents (true entities).
    pub entities: usize,
    /// Pages written.
    pub pages: usize,
    /// Pages cut off inside their last record.
    pub cut_pages: usize,
    /// Title-less listing pages.
    pub titleless_pages: usize,
    /// Cut-off pages whose last record's title was cut short.
    pub short_cut_titles: usize,
    /// Documents with no date.
    pub undated_documents: usize,
    /// Appearances whose description is broken over two lines.
    pub broken_descriptions: usize,
    /// Appearances of day-dated documents shown at a coarser precision.
    pub coarse_dates: usize,
    /// Pages left out of their query (not written).
    pub pages_left_out: usize,
}

use crate::normalize::date::MONTH_NAMES as MONTHS;

/// People as the archive names them (diacritics and bracketed aliases included).
const PEOPLE: &[&str] = &[
    "Mao Zedong",
    "Zhou Enlai",
    "Liu Shaoqi",
    "Deng Xiaoping",
    "Peng Dehuai",
    "Lin Biao",
    "Chen Yi",
    "Zhu De",
    "Gao Gang",
    "Kang Sheng",
    "Filippov [Stalin]",
    "Semenov [Stalin]",
    "I.V. Stalin",
    "V.M. Molotov",
    "A.Y. Vyshinsky",
    "N.S. Khrushchev",
    "A.A. Gromyko",
    "L.I. Brezhnev",
    "A.N. Kosygin",
    "Yuri Andropov",
    "Mikhail Gorbachev",
    "Anastas Mikoyan",
    "Pavel Yudin",
    "S.V. Chervonenko",
    "N.V. Roshchin",
    "T.F. Shtykov",
    "Kim Il Sung",
    "Pak Hon-yong",
    "Ho Chi Minh",
    "Lê Duẩn",
    "Phạm Văn Đồng",
    "Võ Nguyên Giáp",
    "Lê Đức Thọ",
    "Władysław Gomułka",
    "Józef Cyrankiewicz",
    "Mátyás Rákosi",
    "János Kádár",
    "Imre Nagy",
    "Walter Ulbricht",
    "Erich Honecker",
    "Antonín Novotný",
    "Alexander Dubček",
    "Todor Zhivkov",
    "Gheorghe Gheorghiu-Dej",
    "Nicolae Ceaușescu",
    "Enver Hoxha",
    "Josip Broz Tito",
    "Edvard Kardelj",
    "Fidel Castro",
    "Ernesto Guevara",
    "Jawaharlal Nehru",
    "Sukarno",
    "Gamal Abdel Nasser",
    "Kwame Nkrumah",
    "Norodom Sihanouk",
    "Säypiddin Äzizi",
    "Kakuei Tanaka",
    "Chairman Mao [Zedong]",
];

const BODIES: &[&str] = &[
    "the Central Committee of the CCP",
    "the CPSU CC Presidium",
    "the Politburo of the Korean Workers' Party",
    "the Central Military Commission",
    "the Soviet Embassy in Beijing",
    "the Chinese Foreign Ministry",
    "the Hungarian Embassy in Pyongyang",
    "the Polish Embassy in Hanoi",
    "the GDR Ministry of Foreign Affairs",
    "the Romanian Workers' Party",
    "the USSR Council of Ministers",
    "the Czechoslovak Embassy in Beijing",
];

const SUBJECTS: &[&str] = &[
    "Plans to Publicize the Confessions of Prisoners of War",
    "The Situation in Tibet",
    "Comments on the Draft Treaty of Friendship",
    "On the Question of Soviet Experts",
    "The Geneva Conference",
    "Preparations for the Bandung Conference",
    "Economic Aid for the Next Five Years",
    "The Taiwan Strait Crisis",
    "Border Incidents in Xinjiang",
    "The Hungarian Events",
    "Talks with the Japanese Socialist Party",
    "Military Supplies for Korea",
    "The Armistice Negotiations",
    "Nuclear Weapons Tests",
    "The Split in the International Communist Movement",
    "Repatriation of Overseas Chinese",
];

const TOPICS: &[&str] = &[
    "the armistice talks at Panmunjom",
    "Soviet credits for industrial projects",
    "the situation on the Sino-Indian border",
    "the repatriation of prisoners of war",
    "the delivery of aircraft and artillery",
    "the training of Korean officers",
    "the Chinese-Eastern Railway",
    "the question of Taiwan",
    "grain shipments",
    "the work of Soviet specialists",
    "the Warsaw Pact",
    "relations with Yugoslavia",
    "the Vietnamese revolution",
    "the Cultural Revolution",
    "nuclear cooperation",
    "the Berlin question",
    "trade with Japan",
    "the United Nations",
    "disarmament",
    "the border dispute on the Ussuri River",
];

const GOODS: &[&str] = &[
    "tons of ammonal",
    "rifles",
    "trucks",
    "tons of fuel",
    "artillery shells",
    "tons of steel",
    "blasting caps",
    "radio sets",
    "tons of grain",
    "machine tools",
];

const PLACES: &[&str] = &[
    "Beijing",
    "Moscow",
    "Pyongyang",
    "Hanoi",
    "Warsaw",
    "Budapest",
    "Ürümqi",
    "Lüshun",
    "Havana",
    "New Delhi",
    "Belgrade",
    "Prague",
    "Geneva",
    "Kaesong",
];

const EVENTS: &[&str] = &[
    "the Eighth Party Congress",
    "the Moscow Conference of Communist and Workers' Parties",
    "a Banquet for the North Korean Government Delegation",
    "the Supreme State Conference",
    "the Lushan Plenum",
    "a Meeting of the Warsaw Pact",
];

/// A document's true date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Date {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

/// A document: the truth.
#[derive(Debug, Clone)]
struct Doc {
    entity: String,
    date: Date,
    title: String,
    description: Option<String>,
    /// How many pages show it.
    appearances: usize,
    /// No date in the archive: every appearance shows a "Date unknown" phrase.
    undated: bool,
}

/// One record as a page writes it.
#[derive(Debug, Clone)]
struct Shown {
    date: String,
    /// Empty on a title-less page when the description stands in its place.
    title: String,
    description: Option<String>,
    /// Where the description is broken over two lines, if it is.
    brk: Option<Break>,
}

/// A description shown over two lines: `description[..first_end]`, then on the next line
/// `description[rest_start..]` (past the space at a sentence boundary; at the same byte when
/// broken inside a word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Break {
    first_end: usize,
    rest_start: usize,
}

impl Shown {
    /// The description as a reader joining its lines with one space sees it.
    fn description_joined(&self) -> String {
        match (&self.description, self.brk) {
            (Some(d), Some(b)) => format!("{} {}", &d[..b.first_end], &d[b.rest_start..]),
            (Some(d), None) => d.clone(),
            (None, _) => String::new(),
        }
    }
}

/// What the shapes made, counted as they are drawn.
#[derive(Debug, Default)]
struct ShapeCounts {
    broken_descriptions: usize,
    coarse_dates: usize,
}

/// The phrases a page shows where an undated document's date line stands.
const NO_DATE_PHRASES: &[&str] = &["Date unknown", "Undated", "n.d.", "No date"];

#[derive(Debug, Clone, Copy)]
enum Layout {
    Plain,
    Bulleted,
    Separated,
}

struct Gen {
    rng: ChaCha8Rng,
    /// Hashes of the descriptions made so far (a fixed-key hasher: deterministic).
    descriptions: HashSet<u64>,
}

impl Gen {
    /// Uniform in `0..n` (u32 draws: the same on every platform).
    fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n as u32) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100u32) < percent
    }

    fn date(&mut self) -> Date {
        let year = 1945 + self.below(47) as u16;
        let month = 1 + self.below(12) as u8;
        let roll = self.below(100);
        if roll < 85 {
            let day = 1 + self.below(days_in(year, month) as usize) as u8;
            Date {
                year,
                month: Some(month),
                day: Some(day),
            }
        } else if roll < 95 {
            Date {
                year,
                month: Some(month),
                day: None,
            }
        } else {
            Date {
                year,
                month: None,
                day: None,
            }
        }
    }

    fn person(&mut self) -> &'static str {
        self.pick(PEOPLE)
    }

    fn party(&mut self) -> &'static str {
        if self.chance(80) {
            self.person()
        } else {
            self.pick(BODIES)
        }
    }

    /// Two different correspondents.
    fn two(&mut self) -> (&'static str, &'static str) {
        let a = self.party();
        loop {
            let b = self.party();
            if b != a {
                return (a, b);
            }
        }
    }

    /// A title in the archive's style, from template `kind` (see `TEMPLATES`).
    fn title(&mut self, kind: usize, a: &str, b: &str) -> String {
        let number = 10000 + self.below(90000);
        let subject = self.pick(SUBJECTS);
        match kind {
            0 => format!("Cable, {a} to {b}"),
            1 => format!("Cable from {a} to {b}"),
            2 => format!("Telegram from {a} to {b}"),
            3 => format!("Ciphered Telegram No. {number}, {a} to {b}"),
            4 => format!("Letter, {a} to {b}"),
            5 => format!("Letter from {a} to {b}"),
            6 => format!("Hand-delivered letter, {a} to {b}"),
            7 => format!("Minutes of Conversation between {a} and {b}"),
            8 => format!("Record of Conversation between {a} and {b}"),
            9 => format!("Memorandum of Conversation between {a} and {b}"),
            10 => format!("Report, {a} to {b} and the Central Committee"),
            11 => format!("Cable from {a} to {b}, '{subject}'"),
            12 => format!("From the Journal of {a}: Record of Conversation with {b}"),
            13 => format!("Excerpt of {a}'s Conversation with {b}"),
            14 => format!("Note, {a} to {b}, '{subject}'"),
            15 => format!("Minutes of the Meeting of {}", self.pick(BODIES)),
            _ => format!("Speech by {a} at {}", self.pick(EVENTS)),
        }
    }

    fn sentence(&mut self, a: &str, b: &str) -> String {
        let a = strip_alias(a);
        let b = strip_alias(b);
        let topic = self.pick(TOPICS);
        let other = self.pick(TOPICS);
        let place = self.pick(PLACES);
        let qty = 2 + self.below(9998);
        let goods = self.pick(GOODS);
        let month = MONTHS[self.below(12)];
        let day = 1 + self.below(28);
        match self.below(8) {
            0 => format!("{a} informs {b} about {topic} and asks for a reply by {month} {day}."),
            1 => format!("{a} and {b} discuss {topic} and {other}."),
            2 => format!("{a} requests {qty} {goods} from {b} for delivery to {place}."),
            3 => format!("{b} is asked to send a delegation to {place} to settle {topic}."),
            4 => format!("{a} reports on {topic} in {place}, citing {qty} cases since {month}."),
            5 => format!("The document also mentions {topic}, and \"{other}\" in {place}."),
            6 => format!("{a} criticizes {b}'s position on {topic} during the meeting of {month} {day}."),
            _ => format!("A summary of {topic} prepared for {b}, with {qty} pages of annexes on {other}."),
        }
    }

    /// One to three sentences, distinct from every description made before.
    fn description(&mut self, a: &str, b: &str) -> String {
        loop {
            let n = 1 + self.below(3);
            let text = (0..n)
                .map(|_| capitalize(&self.sentence(a, b)))
                .collect::<Vec<_>>()
                .join(" ");
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&text, &mut h);
            if self.descriptions.insert(std::hash::Hasher::finish(&h)) {
                return text;
            }
        }
    }

    fn appearances(&mut self) -> usize {
        match self.below(100) {
            0..45 => 1,
            45..75 => 2,
            75..90 => 3,
            90..96 => 4,
            96..99 => 5,
            _ => 6,
        }
    }

    fn doc(&mut self, entity: String, date: Date, title: String, a: &str, b: &str) -> Doc {
        // Some documents have no description in the archive at all.
        let description = (!self.chance(8)).then(|| self.description(a, b));
        Doc {
            entity,
            date,
            title,
            description,
            appearances: self.appearances(),
            undated: false,
        }
    }
}

const TEMPLATES: usize = 17;

fn days_in(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A sentence begins with a capital ("the Politburo ..." -> "The Politburo ...").
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// "Filippov [Stalin]" -> "Stalin", as a description would name him.
fn strip_alias(name: &str) -> &str {
    if name.starts_with("Chairman Mao") {
        return "Mao Zedong";
    }
    match (name.find('['), name.find(']')) {
        (Some(i), Some(j)) if j > i => &name[i + 1..j],
        _ => name,
    }
}

/// Generates the documents, hard negatives included, until they fill `records` appearances.
fn documents(g: &mut Gen, records: usize) -> Vec<Doc> {
    let mut docs: Vec<Doc> = Vec::new();
    let mut total = 0;
    let mut next_id = 0usize;
    let mut id = |prefix: char| {
        next_id += 1;
        format!("{prefix}{next_id:07}")
    };
    while total < records {
        let roll = g.below(100);
        let mut made = Vec::new();
        if roll < 5 {
            // Hard negatives: siblings on one date whose titles differ in one part only.
            let date = g.date();
            let kind = g.below(TEMPLATES);
            let (a, b) = g.two();
            let mut titles: Vec<String> = Vec::new();
            for n in 0..2 + g.below(2) {
                let (a2, b2) = match n {
                    0 => (a, b),
                    1 => (b, a),
                    _ => (a, g.party()),
                };
                let title = g.title(kind, a2, b2);
                // Near-identical, not identical: a sibling whose title came out the same as
                // an earlier one's is not made.
                if titles.contains(&title) {
                    continue;
                }
                titles.push(title.clone());
                made.push(g.doc(id('s'), date, title, a2, b2));
            }
        } else if roll < 9 {
            // Hard negatives: one title on many dates, a different document each time.
            let kind = g.below(TEMPLATES);
            let (a, b) = g.two();
            let title = g.title(kind, a, b);
            for _ in 0..3 + g.below(6) {
                let date = g.date();
                made.push(g.doc(id('r'), date, title.clone(), a, b));
            }
        } else {
            let kind = g.below(TEMPLATES);
            let (a, b) = g.two();
            let date = g.date();
            let title = g.title(kind, a, b);
            made.push(g.doc(id('d'), date, title, a, b));
        }
        for mut d in made {
            d.appearances = d.appearances.min(records - total);
            if d.appearances == 0 {
                break;
            }
            total += d.appearances;
            docs.push(d);
        }
    }
    docs
}

/// Drops diacritics but keeps case: "Lê Duẩn" -> "Le Duan".
fn drop_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'Đ' => 'D',
            'đ' => 'd',
            'Ł' => 'L',
            'ł' => 'l',
            c => c,
        })
        .collect()
}

/// One letter changed, dropped or doubled inside a word of five letters or more.
fn typo(g: &mut Gen, s: &str) -> String {
    let words: Vec<(usize, &str)> = s
        .split(' ')
        .scan(0, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| w.chars().count() >= 5 && w.chars().all(char::is_alphabetic))
        .collect();
    if words.is_empty() {
        return s.to_string();
    }
    let (at, word) = words[g.below(words.len())];
    let chars: Vec<char> = word.chars().collect();
    let i = 1 + g.below(chars.len() - 2);
    let mut w: Vec<char> = chars.clone();
    match g.below(3) {
        0 => {
            w.remove(i);
        }
        1 => w.insert(i, chars[i]),
        _ => w[i] = if chars[i] == 'e' { 'a' } else { 'e' },
    }
    let new: String = w.into_iter().collect();
    format!("{}{}{}", &s[..at], new, &s[at + word.len()..])
}

fn curly_quotes(s: &str) -> String {
    // Opening quote after a space or at the start, closing otherwise.
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        out.push(match (c, prev == ' ') {
            ('\'', true) => '‘',
            ('\'', false) => '’',
            ('"', true) => '“',
            ('"', false) => '”',
            (c, _) => c,
        });
        prev = c;
    }
    out
}

/// A description cut at a character boundary, at least 30 characters kept.
fn truncate(g: &mut Gen, s: &str) -> String {
    let n = s.chars().count();
    if n < 45 {
        return s.to_string();
    }
    let keep = 30 + g.below(n - 40);
    s.chars().take(keep).collect::<String>().trim_end().to_string()
}

fn render_date(g: &mut Gen, d: Date, layout: Layout) -> String {
    match (d.month, d.day) {
        (Some(m), Some(day)) => {
            let month = MONTHS[m as usize - 1];
            if g.chance(2) {
                // A full date shown month-only.
                return format!("{month} {}", d.year);
            }
            let padded = match layout {
                Layout::Bulleted => !g.chance(10),
                _ => g.chance(10),
            };
            if padded {
                format!("{month} {day:02}, {}", d.year)
            } else {
                format!("{month} {day}, {}", d.year)
            }
        }
        (Some(m), None) => {
            let month = MONTHS[m as usize - 1];
            if g.chance(50) {
                format!("{month}, {}", d.year)
            } else {
                format!("{month} {}", d.year)
            }
        }
        _ => d.year.to_string(),
    }
}

/// A day-dated document shown at month precision (four times in five) or year precision.
fn coarse_date(g: &mut Gen, d: Date) -> String {
    match d.month {
        Some(m) if g.below(5) < 4 => {
            let month = MONTHS[m as usize - 1];
            if g.chance(50) {
                format!("{month}, {}", d.year)
            } else {
                format!("{month} {}", d.year)
            }
        }
        _ => d.year.to_string(),
    }
}

/// Sentence boundaries of a description: the byte of the space in ". X" where the period
/// ends a word in lower case or a number (not an initial, as in "I.V. Stalin").
fn sentence_breaks(d: &str) -> Vec<usize> {
    let b = d.as_bytes();
    (1..b.len().saturating_sub(2))
        .filter(|&i| {
            b[i] == b'.'
                && b[i + 1] == b' '
                && (b[i - 1].is_ascii_lowercase() || b[i - 1].is_ascii_digit())
                && b[i + 2].is_ascii_uppercase()
        })
        .map(|i| i + 1)
        .collect()
}

/// Words a line may stop inside, as (byte where the word starts, its length in characters):
/// lower-case words of four letters or more that start 20 bytes or more into the
/// description, so the first line reads as a line and the next goes on in lower case.
/// Descriptions under 40 characters are never broken.
fn mid_word_breaks(d: &str) -> Vec<(usize, usize)> {
    if d.chars().count() < 40 {
        return Vec::new();
    }
    let mut words = Vec::new();
    let mut at = 0;
    for w in d.split(' ') {
        let n = w.chars().count();
        if at >= 20 && n >= 4 && w.chars().all(char::is_lowercase) {
            words.push((at, n));
        }
        at += w.len() + 1;
    }
    words
}

/// Draws how a description is broken over two lines, if it is long enough to break.
fn break_description(g: &mut Gen, d: &str) -> Option<Break> {
    let sentences = sentence_breaks(d);
    let words = mid_word_breaks(d);
    if sentences.is_empty() && words.is_empty() {
        return None;
    }
    let paragraphs = g.chance(50);
    if (paragraphs || words.is_empty()) && !sentences.is_empty() {
        let at = sentences[g.below(sentences.len())];
        return Some(Break {
            first_end: at,
            rest_start: at + 1,
        });
    }
    let (start, n) = words[g.below(words.len())];
    let inside = 1 + g.below(n - 1);
    let at = start + d[start..].char_indices().nth(inside).map_or(0, |(i, _)| i);
    Some(Break {
        first_end: at,
        rest_start: at,
    })
}

/// One appearance of `doc`, with the variation a scrape shows. On a `titleless` page the
/// description (whole) stands in the title's place.
fn appearance(
    g: &mut Gen,
    doc: &Doc,
    layout: Layout,
    shapes: &Shapes,
    titleless: bool,
    counts: &mut ShapeCounts,
) -> Shown {
    let mut title = doc.title.clone();
    let mut description = doc.description.clone();
    if g.chance(15) {
        title = curly_quotes(&title);
        description = description.map(|d| curly_quotes(&d));
    }
    if g.chance(10) {
        title = title.replace('[', "(").replace(']', ")");
    }
    if g.chance(15) {
        title = drop_diacritics(&title);
        description = description.map(|d| drop_diacritics(&d));
    }
    if g.chance(4) {
        title = typo(g, &title);
    }
    if g.chance(5) {
        title = match g.below(3) {
            0 => title.replacen(' ', "  ", 1),
            1 => format!("{title} "),
            _ => title.replacen(", ", " , ", 1),
        };
    }
    let roll = g.below(100);
    if roll < 4 {
        description = None;
    } else if roll < 8 && !titleless {
        // A title-less listing shows the whole line, never the truncated form.
        description = description.map(|d| truncate(g, &d));
    }
    let mut brk = None;
    if shapes.broken_descriptions > 0
        && !titleless
        && let Some(d) = &description
        && (!sentence_breaks(d).is_empty() || !mid_word_breaks(d).is_empty())
        && g.chance(shapes.broken_descriptions)
    {
        brk = break_description(g, d);
        counts.broken_descriptions += usize::from(brk.is_some());
    }
    if titleless && description.is_some() {
        title.clear();
    }
    let date = if doc.undated {
        g.pick(NO_DATE_PHRASES).to_string()
    } else if shapes.coarse_dates > 0 && doc.date.day.is_some() && g.chance(shapes.coarse_dates) {
        counts.coarse_dates += 1;
        coarse_date(g, doc.date)
    } else {
        render_date(g, doc.date, layout)
    };
    Shown {
        date,
        title,
        description,
        brk,
    }
}

/// Deals appearances onto pages: a page never shows one document twice.
fn deal(g: &mut Gen, docs: &[Doc]) -> Vec<(Layout, Vec<u32>)> {
    let mut slots: Vec<u32> = docs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| std::iter::repeat_n(i as u32, d.appearances))
        .collect();
    for i in (1..slots.len()).rev() {
        let j = g.below(i + 1);
        slots.swap(i, j);
    }
    let mut pages = Vec::new();
    let mut waiting: Vec<u32> = Vec::new();
    let mut next = slots.into_iter();
    loop {
        let layout = match g.below(10) {
            0..5 => Layout::Plain,
            5..9 => Layout::Bulleted,
            _ => Layout::Separated,
        };
        let size = match layout {
            Layout::Bulleted => 20,
            _ => 10,
        };
        let mut page: Vec<u32> = Vec::with_capacity(size);
        // Appearances that could not go on an earlier page come first.
        let mut still = Vec::new();
        for d in waiting.drain(..) {
            if page.len() < size && !page.contains(&d) {
                page.push(d);
            } else {
                still.push(d);
            }
        }
        waiting = still;
        while page.len() < size {
            let Some(d) = next.next() else { break };
            if page.contains(&d) {
                waiting.push(d);
            } else {
                page.push(d);
            }
        }
        if page.is_empty() {
            break;
        }
        pages.push((layout, page));
    }
    pages
}

/// How a page ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Whole,
    /// Cut off inside its last record's description (the existing 3%).
    Cut,
    /// Cut off inside its last record's title, after 1 to 12 characters.
    CutInTitle,
}

/// The text between the two lines of a broken description: a line of its own in the
/// bulleted and plain layouts (indented like the first in the bulleted one), the next line
/// in the separated one.
fn line_break(layout: Layout) -> &'static str {
    match layout {
        Layout::Plain => "\n\n",
        Layout::Bulleted => "\n\n    ",
        Layout::Separated => "\n",
    }
}

/// A description as the page writes it: on one line, or over two at its break.
fn description_text(d: &str, brk: Option<Break>, layout: Layout) -> String {
    match brk {
        Some(b) if b.rest_start < d.len() => {
            format!("{}{}{}", &d[..b.first_end], line_break(layout), &d[b.rest_start..])
        }
        // Cut off before its second line: the page shows one line.
        _ => d.to_string(),
    }
}

/// The text of one page, ending as `ending` says. A record with an empty title (a
/// title-less page) shows its description on the title's line. A title cut short is written
/// back into `shown` (the record then has no description), so records.csv shows it.
fn render_page(g: &mut Gen, layout: Layout, shown: &mut [Shown], ending: Ending) -> String {
    let mut s = String::new();
    let mut last_desc_at = None;
    let mut last_title_at = 0;
    match layout {
        Layout::Plain => {
            let page_no = g.below(5);
            let first = page_no * 10 + 1;
            let last = first + shown.len() - 1;
            let total = last + g.below(300);
            if g.chance(50) {
                let _ = write!(s, "Skip to content\n\n\n{first} - {last} of {total}\n\n\n");
            } else {
                let _ = write!(
                    s,
                    "Skip to content\n\nResults:\n\n{first} - {last} of {total}\n\nDocuments\n\n"
                );
            }
            for r in shown.iter() {
                let _ = write!(s, "{}\n\n", r.date);
                last_title_at = s.len();
                if !r.title.is_empty() {
                    let _ = write!(s, "{}\n\n", r.title);
                }
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len());
                    let _ = write!(s, "{}\n\n", description_text(d, r.brk, layout));
                } else {
                    last_desc_at = None;
                }
            }
        }
        Layout::Bulleted => {
            s.push_str("Search in\n\n");
            if g.chance(30) {
                s.push_str("ADD SEARCH FILTER CANCEL SEARCH FILTER\n\n");
            }
            s.push_str("Digital Archive International History Declassified\n\n");
            s.push_str(if g.chance(40) { "SEARCH RESULTS\n\n" } else { "\n" });
            for r in shown.iter() {
                let _ = write!(s, "  • {}\n\n", r.date);
                last_title_at = s.len() + 4;
                if !r.title.is_empty() {
                    let _ = write!(s, "    {}\n\n", r.title);
                }
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len() + 4);
                    let _ = write!(s, "    {}\n\n", description_text(d, r.brk, layout));
                } else {
                    last_desc_at = None;
                }
            }
        }
        Layout::Separated => {
            s.push_str("Search in\n\nDigital Archive International History Declassified\n\nSEARCH RESULTS\n");
            for (i, r) in shown.iter().enumerate() {
                if i > 0 {
                    s.push_str("-\n");
                }
                let _ = writeln!(s, "{}", r.date);
                last_title_at = s.len();
                if !r.title.is_empty() {
                    let _ = writeln!(s, "{}", r.title);
                }
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len());
                    let _ = writeln!(s, "{}", description_text(d, r.brk, layout));
                } else {
                    last_desc_at = None;
                }
            }
        }
    }
    match ending {
        Ending::Whole => {}
        Ending::Cut => {
            if let (Some(at), Some(r)) = (last_desc_at, shown.last())
                && let Some(d) = r.description.as_deref()
            {
                let kept = truncate(g, d);
                if kept.len() < d.len() {
                    s.truncate(at);
                    s.push_str(&description_text(&kept, r.brk, layout));
                    s.push('\n');
                }
            }
        }
        Ending::CutInTitle => {
            if let Some(r) = shown.last_mut() {
                let cut = cut_title(g, &r.title);
                s.truncate(last_title_at);
                s.push_str(&cut);
                s.push('\n');
                r.title = cut;
                r.description = None;
                r.brk = None;
            }
        }
    }
    s
}

/// The first 1 to 12 characters of a title ("The", "Polish M", "Report o"), never the whole
/// title, with no space at the end.
fn cut_title(g: &mut Gen, title: &str) -> String {
    let n = title.trim_end().chars().count();
    let keep = 1 + g.below(n.saturating_sub(1).clamp(1, 12));
    let cut: String = title.chars().take(keep).collect();
    cut.trim_end().to_string()
}

fn io_err(path: &Path, e: std::io::Error) -> crate::Error {
    crate::Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// One generated page, handed to the sink of [`produce`].
struct Page<'a> {
    /// How it ends (whole, or cut off inside its last record).
    ending: Ending,
    /// Its path under `pages/`.
    rel: String,
    text: String,
    /// Each record in page order: the document it shows and how it shows it.
    records: Vec<(&'a Doc, Shown)>,
}

/// Generates the scrape `opts` describes, page by page, into `sink`. Every draw comes from
/// one ChaCha stream in a fixed order; a shape whose share is 0 draws nothing.
fn produce(
    opts: &SynthOptions,
    mut sink: impl FnMut(&Page) -> Result<(), crate::Error>,
) -> Result<SynthSummary, crate::Error> {
    let shapes = &opts.shapes;
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        descriptions: HashSet::new(),
    };
    let mut docs = documents(&mut g, opts.records);
    let pages = deal(&mut g, &docs);
    if shapes.date_unknown > 0 {
        for d in &mut docs {
            d.undated = g.chance(shapes.date_unknown);
        }
    }
    let mut summary = SynthSummary {
        entities: docs.len(),
        pages: pages.len(),
        undated_documents: docs.iter().filter(|d| d.undated).count(),
        ..SynthSummary::default()
    };
    let mut counts = ShapeCounts::default();
    for (n, (layout, members)) in pages.iter().enumerate() {
        let titleless = shapes.titleless_pages > 0 && g.chance(shapes.titleless_pages);
        summary.titleless_pages += usize::from(titleless);
        let mut shown: Vec<Shown> = members
            .iter()
            .map(|&d| appearance(&mut g, &docs[d as usize], *layout, shapes, titleless, &mut counts))
            .collect();
        let cut = g.chance(3);
        summary.cut_pages += usize::from(cut);
        // A title-less page has no title to cut short.
        let ending = match cut {
            false => Ending::Whole,
            true if shapes.short_cut_titles > 0 && !titleless && g.chance(shapes.short_cut_titles) => {
                summary.short_cut_titles += 1;
                Ending::CutInTitle
            }
            true => Ending::Cut,
        };
        let text = render_page(&mut g, *layout, &mut shown, ending);
        let hash: u64 = g.rng.random();
        let page = Page {
            ending,
            rel: format!("{:04}/{n:07}_{hash:016x}.txt", n / 1000),
            text,
            records: members.iter().map(|&d| &docs[d as usize]).zip(shown).collect(),
        };
        summary.records += page.records.len();
        sink(&page)?;
    }
    summary.broken_descriptions = counts.broken_descriptions;
    summary.coarse_dates = counts.coarse_dates;
    Ok(summary)
}

/// Generates `opts.records` records into `out`: `pages/` (saved result pages, 1000 to a
/// folder), `truth.csv` (`record_id,entity_id`, ids relative to `pages/`), `pages.csv` (every
/// page: its query and place in it, its range, whether it was written and how it ends), with
/// `opts.csv` also `records.csv` (`record_id,date,title,description` as written, a
/// description broken over two lines joined with one space), and with `opts.scrape.queries`
/// `manifest.csv` (`file,url,query,scraped_at` of every page written).
pub fn generate(opts: &SynthOptions, out: &Path) -> Result<SynthSummary, crate::Error> {
    let pages_dir = out.join("pages");
    std::fs::create_dir_all(&pages_dir).map_err(|e| io_err(&pages_dir, e))?;
    let mut w = Writers {
        pages_dir: pages_dir.clone(),
        truth: csv_file(&out.join("truth.csv"), &["record_id", "entity_id"])?,
        records: match opts.csv {
            true => Some(csv_file(
                &out.join("records.csv"),
                &["record_id", "date", "title", "description"],
            )?),
            false => None,
        },
        pages: csv_file(
            &out.join("pages.csv"),
            &[
                "file", "query", "page", "first", "last", "total", "records", "written", "cut",
            ],
        )?,
        manifest: match opts.scrape.queries {
            true => Some(csv_file(
                &out.join("manifest.csv"),
                &["file", "url", "query", "scraped_at"],
            )?),
            false => None,
        },
        html: opts.scrape.html,
        folders: HashSet::new(),
    };
    // The queries' shape comes from a stream of its own: the pages' draws stay as they were.
    let mut queries = Queries {
        rng: ChaCha8Rng::seed_from_u64(opts.seed ^ 0x7175_6572_6965_7321),
        on: opts.scrape.queries,
        leave_out: opts.scrape.leave_out,
        pending: Vec::new(),
        size: 0,
        number: 0,
        left_out: 0,
    };
    let mut summary = produce(opts, |page| queries.take(owned(page), &mut w))?;
    queries.flush(&mut w)?;
    summary.pages_left_out = queries.left_out;
    w.truth.finish()?;
    w.pages.finish()?;
    for c in [w.records, w.manifest].into_iter().flatten() {
        c.finish()?;
    }
    Ok(summary)
}

/// A page as written: its path, text, how it ends, and each record's entity and fields.
struct OwnedPage {
    rel: String,
    text: String,
    ending: Ending,
    records: Vec<[String; 4]>,
}

fn owned(page: &Page) -> OwnedPage {
    OwnedPage {
        rel: page.rel.clone(),
        text: page.text.clone(),
        ending: page.ending,
        records: (page.records.iter())
            .map(|(doc, r)| {
                [
                    doc.entity.clone(),
                    r.date.clone(),
                    r.title.clone(),
                    r.description_joined(),
                ]
            })
            .collect(),
    }
}

/// The files `generate` writes.
struct Writers {
    pages_dir: PathBuf,
    truth: CsvFile,
    records: Option<CsvFile>,
    pages: CsvFile,
    manifest: Option<CsvFile>,
    html: bool,
    folders: HashSet<PathBuf>,
}

/// Where a page stands in its query.
struct Place<'q> {
    query: &'q str,
    url: &'q str,
    page: usize,
    range: Option<(usize, usize, usize)>,
}

impl Writers {
    /// Writes `page` (or, when `written` is false, only its row of pages.csv).
    fn page(&mut self, mut page: OwnedPage, at: Place, written: bool) -> Result<(), crate::Error> {
        if self.html {
            page.rel = format!("{}.html", page.rel.trim_end_matches(".txt"));
        }
        let (first, last, total) = at
            .range
            .map_or((String::new(), String::new(), String::new()), |(a, b, t)| {
                (a.to_string(), b.to_string(), t.to_string())
            });
        let cut = match page.ending {
            Ending::Whole => "",
            Ending::Cut => "description",
            Ending::CutInTitle => "title",
        };
        let n = page.records.len().to_string();
        let page_no = if at.query.is_empty() {
            String::new()
        } else {
            at.page.to_string()
        };
        let row: [&str; 9] = [
            &page.rel,
            at.query,
            &page_no,
            &first,
            &last,
            &total,
            &n,
            if written { "true" } else { "false" },
            cut,
        ];
        self.pages.write(&row)?;
        if !written {
            return Ok(());
        }
        if let Some(m) = self.manifest.as_mut() {
            m.write(&[&page.rel, at.url, at.query, "2026-12-01"])?;
        }
        let path = self.pages_dir.join(&page.rel);
        let dir = path.parent().unwrap_or(&self.pages_dir).to_path_buf();
        if self.folders.insert(dir.clone()) {
            std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        }
        let text = match self.html {
            true => as_html(&page.text, at.url),
            false => page.text,
        };
        std::fs::write(&path, text).map_err(|e| io_err(&path, e))?;
        for (pos, [entity, date, title, description]) in page.records.iter().enumerate() {
            let id = format!("{}#{}", page.rel, pos + 1);
            self.truth.write(&[&id, entity])?;
            if let Some(c) = self.records.as_mut() {
                c.write(&[&id, date, title, description])?;
            }
        }
        Ok(())
    }
}

/// The pages grouped into queries as they come.
struct Queries {
    rng: ChaCha8Rng,
    on: bool,
    leave_out: u32,
    /// The current query's pages so far.
    pending: Vec<OwnedPage>,
    /// Its size.
    size: usize,
    number: usize,
    left_out: usize,
}

impl Queries {
    fn take(&mut self, page: OwnedPage, w: &mut Writers) -> Result<(), crate::Error> {
        // A page without a range header (a layout that shows none) is a query of its own: the
        // pages of one query share a layout on a real site.
        if !self.on || range_header(&page.text).is_none() {
            let at = Place {
                query: "",
                url: "",
                page: 0,
                range: range_header(&page.text),
            };
            return w.page(page, at, true);
        }
        if self.pending.is_empty() {
            self.size = self.rng.random_range(1..=5usize);
        }
        self.pending.push(page);
        if self.pending.len() == self.size {
            self.flush(w)?;
        }
        Ok(())
    }

    /// Writes the current query: its headers numbered as one query's, one later page left
    /// out when drawn.
    fn flush(&mut self, w: &mut Writers) -> Result<(), crate::Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.number += 1;
        let query = format!("synth-{:05}", self.number);
        let total: usize = self.pending.iter().map(|p| p.records.len()).sum();
        let pages = std::mem::take(&mut self.pending);
        let left_out = match pages.len() >= 2 && self.rng.random_range(0..100u32) < self.leave_out {
            true => Some(self.rng.random_range(1..pages.len())),
            false => None,
        };
        self.left_out += usize::from(left_out.is_some());
        let mut first = 1;
        for (i, mut page) in pages.into_iter().enumerate() {
            let last = first + page.records.len() - 1;
            let has_header = range_header(&page.text).is_some();
            if has_header {
                page.text = with_range(&page.text, first, last, total);
            }
            let url = format!("https://archive.example/search?q={query}&page={}", i + 1);
            let at = Place {
                query: &query,
                url: &url,
                page: i + 1,
                range: has_header.then_some((first, last, total)),
            };
            w.page(page, at, left_out != Some(i))?;
            first = last + 1;
        }
        Ok(())
    }
}

/// The line `first - last of total` of a page, if it has one, as numbers.
fn range_header(text: &str) -> Option<(usize, usize, usize)> {
    text.lines().find_map(|l| {
        let (a, rest) = l.split_once(" - ")?;
        let (b, t) = rest.split_once(" of ")?;
        Some((a.parse().ok()?, b.parse().ok()?, t.parse().ok()?))
    })
}

/// `text` with its range header's numbers replaced.
fn with_range(text: &str, first: usize, last: usize, total: usize) -> String {
    let mut done = false;
    let lines: Vec<String> = (text.split('\n'))
        .map(|l| match !done && range_header(l).is_some() {
            true => {
                done = true;
                format!("{first} - {last} of {total}")
            }
            false => l.to_string(),
        })
        .collect();
    lines.join("\n")
}

/// A page's text as a saved HTML page: each line a paragraph (a bulleted line a list item),
/// its address in a canonical link, chrome around the results.
fn as_html(text: &str, url: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut body = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let _ = match line.strip_prefix("• ") {
            Some(item) => writeln!(body, "<ul><li>{}</li></ul>", esc(item)),
            None => writeln!(body, "<p>{}</p>", esc(line)),
        };
    }
    let head = match url.is_empty() {
        true => String::new(),
        false => format!("<link rel=\"canonical\" href=\"{}\">", esc(url)),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Search results</title>{head}\n\
         <script>window.dataLayer = [];</script></head><body>\n\
         <nav><a href=\"/\">Home</a> <a href=\"/collections\">Collections</a></nav>\n\
         <div role=\"dialog\" class=\"cookies\"><p>We use cookies.</p><button>Accept</button></div>\n\
         <main>\n{body}</main>\n<footer><p>&copy; 2026 Digital Archive</p></footer>\n</body></html>\n"
    )
}

/// A CSV file written row by row, with errors that name it.
struct CsvFile {
    path: PathBuf,
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
}

fn csv_file(path: &Path, header: &[&str]) -> Result<CsvFile, crate::Error> {
    let f = std::fs::File::create(path).map_err(|e| io_err(path, e))?;
    let mut c = CsvFile {
        path: path.to_path_buf(),
        w: csv::Writer::from_writer(std::io::BufWriter::new(f)),
    };
    c.write(header)?;
    Ok(c)
}

impl CsvFile {
    fn write(&mut self, row: &[&str]) -> Result<(), crate::Error> {
        self.w
            .write_record(row)
            .map_err(|e| io_err(&self.path, std::io::Error::other(e)))
    }

    fn finish(self) -> Result<(), crate::Error> {
        let path = self.path;
        let mut inner = self
            .w
            .into_inner()
            .map_err(|e| io_err(&path, std::io::Error::other(e.to_string())))?;
        inner.flush().map_err(|e| io_err(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_for(seed: u64) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            descriptions: HashSet::new(),
        }
    }

    /// A generated scrape in memory: each page's text and its records.
    struct Scrape {
        summary: SynthSummary,
        pages: Vec<(String, Vec<(Doc, Shown)>)>,
    }

    fn scrape(records: usize, seed: u64, shapes: Shapes) -> Scrape {
        let opts = SynthOptions {
            records,
            seed,
            csv: false,
            shapes,
            scrape: Default::default(),
        };
        let mut pages = Vec::new();
        let summary = produce(&opts, |p| {
            let records = p.records.iter().map(|(d, r)| ((*d).clone(), r.clone()));
            pages.push((p.text.clone(), records.collect()));
            Ok(())
        })
        .expect("generate");
        Scrape { summary, pages }
    }

    /// The lines of a page that belong to records: not blank, not a header line, not a
    /// separator, trimmed.
    fn record_lines(text: &str) -> Vec<&str> {
        const HEADERS: &[&str] = &[
            "Skip to content",
            "Results:",
            "Documents",
            "Search in",
            "ADD SEARCH FILTER CANCEL SEARCH FILTER",
            "Digital Archive International History Declassified",
            "SEARCH RESULTS",
            "-",
        ];
        text.lines()
            .map(|l| l.trim().trim_start_matches("• "))
            .filter(|l| !l.is_empty() && !HEADERS.contains(l))
            .filter(|l| !(l.contains(" - ") && l.contains(" of ") && l.starts_with(|c: char| c.is_ascii_digit())))
            .collect()
    }

    /// A title as compared for the cut-short test: no quotes, brackets, diacritics or spaces.
    fn bare(s: &str) -> String {
        drop_diacritics(s).chars().filter(|c| c.is_alphanumeric()).collect()
    }

    #[test]
    fn shares_of_zero_give_the_pages_of_no_shapes() {
        let zero = Shapes {
            titleless_pages: 0,
            short_cut_titles: 0,
            date_unknown: 0,
            broken_descriptions: 0,
            coarse_dates: 0,
        };
        let a = scrape(1500, 5, zero);
        let b = scrape(1500, 5, Shapes::default());
        assert_eq!(a.summary, b.summary);
        let texts = |s: &Scrape| s.pages.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&a), texts(&b));
        // And a shape that is on changes the pages: the comparison can tell.
        let c = scrape(1500, 5, Shapes::REALISTIC);
        assert_ne!(texts(&a), texts(&c));
    }

    #[test]
    fn shapes_never_add_or_remove_a_record() {
        let all = Shapes {
            titleless_pages: 30,
            short_cut_titles: 100,
            date_unknown: 20,
            broken_descriptions: 50,
            coarse_dates: 50,
        };
        let members = |s: &Scrape| {
            s.pages
                .iter()
                .map(|p| p.1.iter().map(|(d, _)| d.entity.clone()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        let plain = scrape(3000, 9, Shapes::default());
        let shaped = scrape(3000, 9, all);
        assert_eq!(members(&plain), members(&shaped));
        assert_eq!(plain.summary.records, shaped.summary.records);
    }

    #[test]
    fn titleless_pages_show_each_record_as_a_date_and_one_whole_line() {
        let s = scrape(
            2000,
            3,
            Shapes {
                titleless_pages: 100,
                ..Shapes::default()
            },
        );
        assert_eq!(s.summary.titleless_pages, s.summary.pages);
        let mut described = 0;
        for (text, records) in &s.pages {
            assert_eq!(record_lines(text).len(), 2 * records.len(), "{text}");
            for (doc, r) in records {
                match &r.description {
                    Some(d) => {
                        described += 1;
                        assert!(r.title.is_empty());
                        // Whole: never the truncated form.
                        let full = doc.description.as_deref().expect("a description");
                        assert_eq!(d.chars().count(), full.chars().count(), "{d}");
                        assert!(r.brk.is_none());
                    }
                    None => assert!(!r.title.is_empty()),
                }
            }
        }
        assert!(described > 1500, "{described}");
    }

    #[test]
    fn short_cut_titles_end_a_page_after_one_to_twelve_characters_of_a_real_title() {
        let s = scrape(
            6000,
            4,
            Shapes {
                short_cut_titles: 100,
                ..Shapes::default()
            },
        );
        assert!(s.summary.cut_pages > 3, "{:?}", s.summary);
        assert_eq!(s.summary.short_cut_titles, s.summary.cut_pages);
        let mut short = 0;
        for (text, records) in &s.pages {
            let (doc, last) = records.last().expect("a record");
            let line = text.lines().last().expect("a line").trim();
            // Every title the generator makes is longer than 12 characters.
            if last.title.chars().count() > 12 {
                continue;
            }
            short += 1;
            assert_eq!(line, last.title);
            assert!((1..=12).contains(&line.chars().count()), "{line:?}");
            assert!(last.description.is_none());
            // A prefix of the title the document has (a typo may change one letter).
            let cut = bare(line);
            let title: String = bare(&doc.title).chars().take(cut.chars().count()).collect();
            assert!(strsim::levenshtein(&cut, &title) <= 1, "{line:?} of {:?}", doc.title);
        }
        assert_eq!(short, s.summary.short_cut_titles);
    }

    #[test]
    fn undated_documents_show_a_no_date_phrase_on_every_page() {
        let s = scrape(
            3000,
            6,
            Shapes {
                date_unknown: 20,
                ..Shapes::default()
            },
        );
        assert!(s.summary.undated_documents > 100, "{:?}", s.summary);
        let mut phrases = HashSet::new();
        for (text, records) in &s.pages {
            let lines = record_lines(text);
            for (doc, r) in records {
                let date = r.date.as_str();
                assert_eq!(doc.undated, NO_DATE_PHRASES.contains(&date), "{date}");
                if doc.undated {
                    phrases.insert(date);
                    assert!(lines.contains(&date));
                    assert!(!r.title.is_empty());
                }
            }
        }
        assert_eq!(phrases.len(), NO_DATE_PHRASES.len());
    }

    #[test]
    fn broken_descriptions_go_on_on_the_next_line() {
        let s = scrape(
            2000,
            8,
            Shapes {
                broken_descriptions: 100,
                ..Shapes::default()
            },
        );
        let (mut paragraphs, mut mid_word, mut broken) = (0, 0, 0);
        for (text, records) in &s.pages {
            let lines = record_lines(text);
            broken += records.iter().filter(|(_, r)| r.brk.is_some()).count();
            for (pos, (_, r)) in records.iter().enumerate() {
                let (Some(d), Some(b)) = (&r.description, r.brk) else {
                    continue;
                };
                let (first, rest) = (&d[..b.first_end], &d[b.rest_start..]);
                if pos + 1 == records.len() && !text.trim_end().ends_with(rest) {
                    // The page is cut off inside this description.
                    continue;
                }
                // The first line may also be a sentence of another record: find the pair.
                let i = (0..lines.len() - 1)
                    .find(|&i| lines[i] == first && lines[i + 1] == rest)
                    .expect("the two lines, one after the other");
                if b.first_end == b.rest_start {
                    mid_word += 1;
                    assert!(lines[i + 1].starts_with(char::is_lowercase), "{:?}", lines[i + 1]);
                    assert!(first.ends_with(char::is_alphabetic));
                    assert_eq!(format!("{}{}", lines[i], lines[i + 1]), *d);
                } else {
                    paragraphs += 1;
                    assert!(first.ends_with('.'));
                    assert_eq!(format!("{} {}", lines[i], lines[i + 1]), *d);
                }
                assert_eq!(lines[i + 1], rest);
                // records.csv joins the two lines with one space.
                assert_eq!(r.description_joined(), format!("{first} {rest}"));
            }
        }
        assert!(paragraphs > 100 && mid_word > 100, "{paragraphs} {mid_word}");
        assert_eq!(s.summary.broken_descriptions, broken);
        assert!(broken - paragraphs - mid_word <= s.summary.cut_pages);
    }

    #[test]
    fn coarse_dates_are_day_dated_documents_shown_as_month_or_year() {
        let s = scrape(
            2000,
            2,
            Shapes {
                coarse_dates: 100,
                ..Shapes::default()
            },
        );
        let (mut month, mut year, mut day_dated) = (0, 0, 0);
        for (text, records) in &s.pages {
            let lines = record_lines(text);
            for (doc, r) in records {
                assert!(lines.contains(&r.date.as_str()));
                if doc.date.day.is_none() {
                    continue;
                }
                day_dated += 1;
                // No day: "May 1964", "May, 1964" or "1964".
                let words: Vec<&str> = r.date.split(' ').collect();
                match words.as_slice() {
                    [y] => {
                        year += 1;
                        assert_eq!(*y, doc.date.year.to_string());
                    }
                    [m, y] => {
                        month += 1;
                        assert!(MONTHS.contains(&m.trim_end_matches(',')), "{}", r.date);
                        assert_eq!(*y, doc.date.year.to_string());
                    }
                    _ => panic!("{} still shows a day", r.date),
                }
            }
        }
        assert_eq!(s.summary.coarse_dates, day_dated);
        assert!(month > 2 * year && year > 0, "{month} {year}");
    }

    #[test]
    fn pages_never_show_a_document_twice_and_keep_every_appearance() {
        let mut g = gen_for(7);
        let docs = documents(&mut g, 3000);
        assert_eq!(docs.iter().map(|d| d.appearances).sum::<usize>(), 3000);
        let pages = deal(&mut g, &docs);
        let mut seen = vec![0usize; docs.len()];
        for (_, p) in &pages {
            let unique: HashSet<&u32> = p.iter().collect();
            assert_eq!(unique.len(), p.len());
            for &d in p {
                seen[d as usize] += 1;
            }
        }
        assert!(docs.iter().zip(&seen).all(|(d, &n)| d.appearances == n));
    }

    #[test]
    fn variations_keep_the_text_recognisable() {
        let mut g = gen_for(1);
        assert_eq!(
            drop_diacritics("Lê Duẩn and Władysław Gomułka"),
            "Le Duan and Wladyslaw Gomulka"
        );
        assert_eq!(curly_quotes("Cable, 'Plans' and Mao's"), "Cable, ‘Plans’ and Mao’s");
        for _ in 0..50 {
            let t = typo(&mut g, "Telegram from Mao Zedong to Filippov");
            assert_ne!(t, "Telegram from Mao Zedong to Filippov");
            assert!(
                strsim::levenshtein(&t, "Telegram from Mao Zedong to Filippov") == 1,
                "{t}"
            );
        }
    }

    #[test]
    fn dates_stay_in_the_cold_war() {
        let mut g = gen_for(3);
        for _ in 0..2000 {
            let d = g.date();
            assert!((1945..=1991).contains(&d.year));
            if let (Some(m), Some(day)) = (d.month, d.day) {
                assert!(day >= 1 && day <= days_in(d.year, m));
            }
        }
    }
}
