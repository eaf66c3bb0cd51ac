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
}

/// One record as a page writes it.
#[derive(Debug, Clone)]
struct Shown {
    date: String,
    title: String,
    description: Option<String>,
}

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

/// One appearance of `doc`, with the variation a scrape shows.
fn appearance(g: &mut Gen, doc: &Doc, layout: Layout) -> Shown {
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
    } else if roll < 8 {
        description = description.map(|d| truncate(g, &d));
    }
    Shown {
        date: render_date(g, doc.date, layout),
        title,
        description,
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

/// The text of one page; `cut` cuts it off inside its last record's description.
fn render_page(g: &mut Gen, layout: Layout, shown: &[Shown], cut: bool) -> String {
    let mut s = String::new();
    let mut last_desc_at = None;
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
            for r in shown {
                let _ = write!(s, "{}\n\n{}\n\n", r.date, r.title);
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len());
                    let _ = write!(s, "{d}\n\n");
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
            for r in shown {
                let _ = write!(s, "  • {}\n\n    {}\n\n", r.date, r.title);
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len() + 4);
                    let _ = write!(s, "    {d}\n\n");
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
                let _ = write!(s, "{}\n{}\n", r.date, r.title);
                if let Some(d) = &r.description {
                    last_desc_at = Some(s.len());
                    let _ = writeln!(s, "{d}");
                } else {
                    last_desc_at = None;
                }
            }
        }
    }
    if cut && let (Some(at), Some(d)) = (last_desc_at, shown.last().and_then(|r| r.description.as_deref())) {
        let kept = truncate(g, d);
        if kept.len() < d.len() {
            s.truncate(at);
            s.push_str(&kept);
            s.push('\n');
        }
    }
    s
}

fn io_err(path: &Path, e: std::io::Error) -> crate::Error {
    crate::Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Generates `opts.records` records into `out`: `pages/` (saved result pages, 1000 to a
/// folder), `truth.csv` (`record_id,entity_id`, ids relative to `pages/`), and with
/// `opts.csv` also `records.csv` (`record_id,date,title,description` as written).
pub fn generate(opts: &SynthOptions, out: &Path) -> Result<SynthSummary, crate::Error> {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        descriptions: HashSet::new(),
    };
    let docs = documents(&mut g, opts.records);
    let pages = deal(&mut g, &docs);
    let pages_dir = out.join("pages");
    std::fs::create_dir_all(&pages_dir).map_err(|e| io_err(&pages_dir, e))?;
    let mut truth = csv_file(&out.join("truth.csv"), &["record_id", "entity_id"])?;
    let mut records_csv = match opts.csv {
        true => Some(csv_file(
            &out.join("records.csv"),
            &["record_id", "date", "title", "description"],
        )?),
        false => None,
    };
    let mut summary = SynthSummary {
        entities: docs.len(),
        pages: pages.len(),
        ..SynthSummary::default()
    };
    for (n, (layout, members)) in pages.iter().enumerate() {
        let shown: Vec<Shown> = members
            .iter()
            .map(|&d| appearance(&mut g, &docs[d as usize], *layout))
            .collect();
        let cut = g.chance(3);
        summary.cut_pages += usize::from(cut);
        let text = render_page(&mut g, *layout, &shown, cut);
        let hash: u64 = g.rng.random();
        let rel = format!("{:04}/{n:07}_{hash:016x}.txt", n / 1000);
        let path = pages_dir.join(&rel);
        if n % 1000 == 0 {
            let dir = path.parent().unwrap_or(&pages_dir);
            std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        }
        std::fs::write(&path, text).map_err(|e| io_err(&path, e))?;
        for (pos, (&d, r)) in members.iter().zip(&shown).enumerate() {
            let id = format!("{rel}#{}", pos + 1);
            truth.write(&[&id, &docs[d as usize].entity])?;
            if let Some(c) = records_csv.as_mut() {
                c.write(&[&id, &r.date, &r.title, r.description.as_deref().unwrap_or("")])?;
            }
            summary.records += 1;
        }
    }
    truth.finish()?;
    if let Some(c) = records_csv {
        c.finish()?;
    }
    Ok(summary)
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
