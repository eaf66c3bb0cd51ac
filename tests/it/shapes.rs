//! Matching for the record shapes of issue 12 (points 1, 2 and 6): title-less records match
//! their copies on their description alone, a title cut after a few characters links only
//! when it begins one document, and records without content get fingerprints of their own.
//! Records are built as the page reader gives them (a title-less record: an empty title and a
//! description) and linked through the library, the engine `concord run` uses.

use concord::Rules;
use concord::audit::overrides::Overrides;
use concord::linkage::compare::{MatchDecision, ScoredPair, similarity};
use concord::normalize::match_key;
use concord::pipeline::{Input, Linkage, link};
use concord::record::{Provenance, RawRecord};

/// A page record at `position` of `file`, its fields as the page wrote them.
fn record(file: &str, position: usize, date: Option<&str>, title: &str, description: Option<&str>) -> RawRecord {
    let provenance = Provenance {
        file: file.into(),
        position,
        line: position * 4,
        layout: "plain".into(),
        page: None,
    };
    RawRecord::page(
        provenance,
        date.map(str::to_string),
        title.to_string(),
        description.map(str::to_string),
    )
}

/// A record the end of its page cut off.
fn cut(mut r: RawRecord) -> RawRecord {
    r.partial = true;
    r
}

fn linked(records: Vec<RawRecord>) -> Linkage {
    link(Input::pages(records), &Rules::builtin(), &Overrides::default()).expect("link")
}

fn index(l: &Linkage, id: &str) -> u32 {
    l.records
        .iter()
        .position(|r| r.id() == id)
        .unwrap_or_else(|| panic!("no record {id}")) as u32
}

/// The scored pair of records `x` and `y` (ids), if blocking made it.
fn pair<'l>(l: &'l Linkage, x: &str, y: &str) -> Option<&'l ScoredPair> {
    let (a, b) = (index(l, x), index(l, y));
    let (a, b) = (a.min(b), a.max(b));
    l.pairs.iter().find(|s| (s.pair.a, s.pair.b) == (a, b))
}

fn decision(l: &Linkage, x: &str, y: &str) -> (MatchDecision, String) {
    let s = pair(l, x, y).unwrap_or_else(|| panic!("{x} and {y} were not compared"));
    (s.decision, s.reason().into_owned())
}

fn together(l: &Linkage, x: &str, y: &str) -> bool {
    let c = &l.clustering.cluster_of;
    c[index(l, x) as usize] == c[index(l, y) as usize]
}

const TIBET: &str = "Zhou Enlai and the Soviet ambassador discuss the delivery of machine tools to the Anshan steel works and the training of Chinese engineers in Moscow.";
/// TIBET with a misspelt letter.
const TIBET_COPY: &str = "Zhou Enlai and the Soviet ambasador discuss the delivery of machine tools to the Anshan steel works and the training of Chinese engineers in Moscow.";
/// Another document, much like it.
const OTHER: &str = "Zhou Enlai and the Polish ambassador discuss the delivery of machine tools to the Wuhan steel works and the training of Chinese engineers in Warsaw.";

#[test]
fn a_title_less_record_matches_its_titled_copy_on_its_description_alone() {
    let title = "Memorandum of Conversation between Zhou Enlai and Ambassador Yudin";
    let records = vec![
        record("untitled.txt", 1, Some("May 14, 1964"), "", Some(TIBET_COPY)),
        record("day.txt", 1, Some("May 14, 1964"), title, Some(TIBET)),
        record("month.txt", 1, Some("May 1964"), title, Some(TIBET)),
        record(
            "other.txt",
            1,
            Some("May 14, 1964"),
            "Letter from Gomulka to Khrushchev on machine tools",
            Some(OTHER),
        ),
    ];
    // The other document's description is alike, yet under the strict threshold.
    let s = similarity(&match_key(TIBET_COPY), &match_key(OTHER));
    assert!((0.8..0.95).contains(&s), "{s}");
    let l = linked(records);
    for copy in ["day.txt#1", "month.txt#1"] {
        let (d, why) = decision(&l, "untitled.txt#1", copy);
        assert_eq!(d, MatchDecision::Match, "{copy}: {why}");
        assert!(why.contains("description alone (a title is missing)"), "{why}");
        assert!(together(&l, "untitled.txt#1", copy));
    }
    let (d, why) = decision(&l, "untitled.txt#1", "other.txt#1");
    assert_ne!(d, MatchDecision::Match, "{why}");
    assert!(!together(&l, "untitled.txt#1", "other.txt#1"));
    // The canonical record takes the title a copy has.
    let untitled = index(&l, "untitled.txt#1");
    let c = l.canonical.iter().find(|c| c.members.contains(&untitled)).unwrap();
    assert_eq!(c.title(&l.records), title);
}

#[test]
fn two_missing_titles_never_agree() {
    let date = Some("June 2, 1961");
    let records = vec![
        // Different descriptions.
        record("a.txt", 1, date, "", Some(TIBET)),
        record(
            "b.txt",
            1,
            date,
            "",
            Some("Khrushchev writes to Ulbricht about the border in Berlin."),
        ),
        // One without a description: nothing to compare.
        record("c.txt", 1, date, "", None),
        // A truncated copy too short to count.
        record("d.txt", 1, date, "", Some("Zhou Enlai and the")),
    ];
    let l = linked(records);
    for (x, y) in [
        ("a.txt#1", "b.txt#1"),
        ("a.txt#1", "c.txt#1"),
        ("b.txt#1", "c.txt#1"),
        ("a.txt#1", "d.txt#1"),
        ("c.txt#1", "d.txt#1"),
    ] {
        let (d, why) = decision(&l, x, y);
        assert_eq!(d, MatchDecision::NoMatch, "{x} / {y}: {why}");
        assert!(!together(&l, x, y), "{x} / {y}");
    }
    let (_, why) = decision(&l, "a.txt#1", "c.txt#1");
    assert!(why.contains("no evidence"), "{why}");
}

/// Twenty-five documents of one day, each on its own page, their descriptions in words of
/// their own.
fn busy_day(date: Option<&str>) -> Vec<RawRecord> {
    const PEOPLE: [&str; 25] = [
        "Kosygin",
        "Brezhnev",
        "Gromyko",
        "Suslov",
        "Podgorny",
        "Mikoyan",
        "Ulbricht",
        "Gomulka",
        "Novotny",
        "Kadar",
        "Zhivkov",
        "Ceausescu",
        "Tito",
        "Hoxha",
        "Castro",
        "Sukarno",
        "Nehru",
        "Nasser",
        "Nkrumah",
        "Kekkonen",
        "Adenauer",
        "Macmillan",
        "Kennedy",
        "Pompidou",
        "Sato",
    ];
    const TOPICS: [&str; 25] = [
        "grain",
        "oil",
        "cotton",
        "timber",
        "copper",
        "railways",
        "harbours",
        "radio",
        "schools",
        "fisheries",
        "tractors",
        "aviation",
        "textiles",
        "housing",
        "hospitals",
        "uranium",
        "bridges",
        "canals",
        "tobacco",
        "cement",
        "printing",
        "shipyards",
        "electricity",
        "telephones",
        "sugar",
    ];
    (0..25)
        .map(|n| {
            let title = format!("Letter from {} on {} deliveries", PEOPLE[n], TOPICS[n]);
            let description = format!(
                "{} asks for {} credits, {} experts and a {} commission before winter.",
                PEOPLE[n],
                TOPICS[n],
                TOPICS[(n + 7) % 25],
                PEOPLE[(n + 3) % 25]
            );
            record(&format!("day{n}.txt"), 1, date, &title, Some(&description))
        })
        .collect()
}

#[test]
fn a_title_less_record_meets_its_copy_in_a_block_over_the_title_filter() {
    let mut records = busy_day(Some("October 3, 1962"));
    let description = records[7].description().unwrap().replace("asks", "aks");
    records.push(record(
        "untitled.txt",
        1,
        Some("October 3, 1962"),
        "",
        Some(&description),
    ));
    let l = linked(records);
    assert!(
        l.blocks.iter().any(|b| b.records > 20 && b.mode == "title_tokens"),
        "{:?}",
        l.blocks
    );
    let (d, why) = decision(&l, "untitled.txt#1", "day7.txt#1");
    assert_eq!(d, MatchDecision::Match, "{why}");
    // It meets its copy, not the whole block.
    let met = l
        .pairs
        .iter()
        .filter(|s| s.pair.a == index(&l, "untitled.txt#1") || s.pair.b == index(&l, "untitled.txt#1"));
    assert_eq!(met.count(), 1);
}

#[test]
fn a_dateless_title_less_record_meets_its_copy() {
    let mut records = busy_day(Some("October 3, 1962"));
    let description = records[12].description().unwrap().to_string();
    records.push(record("untitled.txt", 1, None, "", Some(&description)));
    let l = linked(records);
    let (d, why) = decision(&l, "untitled.txt#1", "day12.txt#1");
    assert_eq!(d, MatchDecision::Match, "{why}");
    assert!(together(&l, "untitled.txt#1", "day12.txt#1"));
}

#[test]
fn a_title_cut_after_a_few_characters_links_when_one_document_begins_so() {
    let date = Some("March 10, 1959");
    let documents = || {
        vec![
            record("a.txt", 1, date, "Polish Memorandum on the Rapacki Plan", Some(TIBET)),
            record("a.txt", 2, date, "The Situation in Tibet", Some(OTHER)),
            record("a.txt", 3, date, "Cable from Peng Dehuai to Mao Zedong", None),
        ]
    };
    let probes = || {
        vec![
            cut(record("cut1.txt", 1, date, "Polish M", None)),
            cut(record("cut2.txt", 1, date, "The Situ", None)),
        ]
    };
    let mut records = documents();
    records.extend(probes());
    let l = linked(records);
    for (probe, document) in [("cut1.txt#1", "a.txt#1"), ("cut2.txt#1", "a.txt#2")] {
        let (d, why) = decision(&l, probe, document);
        assert_eq!(d, MatchDecision::Match, "{probe}: {why}");
        assert!(together(&l, probe, document));
    }
    // A second document of the date begins so: review, and the reason says why.
    let mut records = documents();
    records.push(record(
        "b.txt",
        1,
        date,
        "Polish Ministry of Foreign Affairs Note",
        None,
    ));
    records.push(record("b.txt", 2, date, "The Situation in Hungary", None));
    records.extend(probes());
    let l = linked(records);
    for (probe, document, n) in [
        ("cut1.txt#1", "a.txt#1", 8),
        ("cut1.txt#1", "b.txt#1", 8),
        ("cut2.txt#1", "a.txt#2", 8),
        ("cut2.txt#1", "b.txt#2", 8),
    ] {
        let (d, why) = decision(&l, probe, document);
        assert_eq!(d, MatchDecision::Review, "{probe} / {document}: {why}");
        let words =
            format!("on a title cut to {n} characters that 2 documents of a compatible date on other pages begin with");
        assert!(why.contains(&words), "{why}");
        assert!(!together(&l, probe, document));
    }
}

#[test]
fn a_common_beginning_goes_to_review_though_one_document_of_the_date_has_it() {
    // One document of the day begins "The", and so do five others of the year.
    let mut records = vec![
        record(
            "a.txt",
            1,
            Some("March 10, 1959"),
            "The Situation in Tibet",
            Some(OTHER),
        ),
        cut(record("cut.txt", 1, Some("March 10, 1959"), "The", None)),
    ];
    for (n, date) in [
        "April 2, 1959",
        "May 5, 1959",
        "June 9, 1959",
        "July 1, 1959",
        "August 8, 1959",
    ]
    .into_iter()
    .enumerate()
    {
        let title = format!("The Question of Laos, part {}", n + 1);
        records.push(record("b.txt", n + 1, Some(date), &title, None));
    }
    let l = linked(records);
    let (d, why) = decision(&l, "cut.txt#1", "a.txt#1");
    assert_eq!(d, MatchDecision::Review, "{why}");
    assert!(why.contains("another is expected within the date"), "{why}");
}

#[test]
fn records_without_content_have_fingerprints_of_their_own() {
    // Two dateless, title-less fragments cut off by their pages ("Septem" is no date), and a
    // record with content on two pages.
    let records = vec![
        cut(record("p1.txt", 3, Some("Septem"), "", None)),
        cut(record("p2.txt", 3, Some("Septem"), "", None)),
        record("p1.txt", 1, Some("May 14, 1964"), "Cable from Gromyko", Some(TIBET)),
        record("p2.txt", 1, Some("May 14, 1964"), "Cable from Gromyko", Some(TIBET)),
    ];
    let l = linked(records);
    let fp = |id: &str| l.records[index(&l, id) as usize].fingerprint;
    assert_ne!(fp("p1.txt#3"), fp("p2.txt#3"));
    // Content keeps one fingerprint wherever it appears.
    assert_eq!(fp("p1.txt#1"), fp("p2.txt#1"));
    // The same fragment read again keeps its fingerprint (an override key).
    let again = linked(vec![cut(record("p1.txt", 3, Some("Septem"), "", None))]);
    assert_eq!(again.records[0].fingerprint, fp("p1.txt#3"));
}
