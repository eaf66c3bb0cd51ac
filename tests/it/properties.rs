//! Properties over generated records and pages (issue "Nothing lost, nothing crashes"):
//! conservation, determinism, blocking soundness, clustering against a naive reference and
//! under constraints, normalization idempotence, similarity symmetry and bounds.
//!
//! Case counts are modest so that `cargo test` stays quick; `PROPTEST_CASES=N` runs every
//! property N times instead (the long profile, see the README).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use concord::linkage::block;
use concord::linkage::cluster::{self, Link};
use concord::linkage::compare;
use concord::normalize::date::{PartialDate, Precision};
use concord::record::{Provenance, RawRecord, Record};
use concord::{Rules, normalize};
use proptest::prelude::*;

use crate::hostile::{PageRecord, separated_page};
use crate::workdir::{Workdir, read_csv};

/// `fast` cases, or `PROPTEST_CASES` when set.
pub(crate) fn config(fast: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(fast);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---- generators ----------------------------------------------------------------------------

/// Words that are neither dates nor page furniture, so a generated title reads as a title.
const WORDS: [&str; 10] = [
    "Letter", "Cable", "Molotov", "Stalin", "Zhou", "Mao", "treaty", "visit", "Korea", "Moscow",
];

fn date() -> impl Strategy<Value = Option<PartialDate>> {
    // Few distinct values, so that blocks collide and nest (days inside months inside years).
    let day = (1950u16..=1951, 1u8..=2, 1u8..=3).prop_map(|(year, m, d)| PartialDate {
        year,
        month: Some(m),
        day: Some(d),
    });
    let month = (1950u16..=1951, 1u8..=2).prop_map(|(year, m)| PartialDate {
        year,
        month: Some(m),
        day: None,
    });
    let year = (1950u16..=1951).prop_map(|year| PartialDate {
        year,
        month: None,
        day: None,
    });
    prop_oneof![4 => day.prop_map(Some), 2 => month.prop_map(Some), 1 => year.prop_map(Some), 1 => Just(None)]
}

fn words(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), min..=max).prop_map(|w| w.join(" "))
}

/// A document as pages may show it: date, title, description.
fn document() -> impl Strategy<Value = PageRecord> {
    (date(), words(1, 4), prop::option::of(0u8..3), words(2, 6)).prop_map(|(d, t, n, desc)| PageRecord {
        date: d.map(|d| d.to_string()),
        title: match n {
            Some(n) => format!("{} No. {n}", capitalized(&t)),
            None => capitalized(&t),
        },
        // Descriptions begin with a capital, as the archive's do: one that begins in lower
        // case goes on with the line above it (README, "Pages concord reads").
        description: format!("{}.", capitalized(&desc)),
    })
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// Pages listing documents from a shared pool, so that records repeat across pages (and now
/// and then twice on one page, which the same-page constraint must keep apart).
pub(crate) fn pages() -> impl Strategy<Value = Vec<Vec<PageRecord>>> {
    prop::collection::vec(document(), 1..8).prop_flat_map(|pool| {
        let n = pool.len();
        prop::collection::vec(prop::collection::vec(0..n, 0..7), 1..5).prop_map(move |pages| {
            pages
                .into_iter()
                .map(|idx| idx.into_iter().map(|i| pool[i].clone()).collect())
                .collect()
        })
    })
}

fn raw(page: u32, position: usize, date: Option<PartialDate>, title: &str) -> RawRecord {
    let provenance = Provenance {
        file: format!("p{page}.txt").into(),
        position,
        line: position,
        layout: "separated".into(),
        page: None,
    };
    RawRecord::page(provenance, date.map(|d| d.to_string()), title.to_string(), None)
}

/// Records straight into the library: (page, date, title) each.
fn records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec((0u32..4, date(), words(1, 3)), 0..40).prop_map(|rs| {
        let mut position = BTreeMap::new();
        rs.into_iter()
            .map(|(page, d, title)| {
                let pos = position.entry(page).or_insert(0);
                *pos += 1;
                normalize::prepare(raw(page, *pos, d, &title), page)
            })
            .collect()
    })
}

// ---- the binary on generated pages ---------------------------------------------------------

type Row = BTreeMap<String, String>;

const OUTPUTS: [&str; 5] = [
    "canonical.csv",
    "provenance.csv",
    "decisions.csv",
    "warnings.csv",
    "blocks.csv",
];

fn write_pages(w: &Workdir, dir: &str, pages: &[Vec<PageRecord>], order: &[usize]) {
    std::fs::create_dir_all(w.path(dir)).unwrap();
    for &i in order {
        w.write(&format!("{dir}/page{i}.txt"), separated_page(&pages[i]));
    }
}

/// Runs concord; a run that reads no record at all writes nothing and says so with exit 2.
fn run(w: &Workdir, inputs: &[std::path::PathBuf], out: &str, threads: usize, records: usize) {
    let mut args: Vec<std::ffi::OsString> = vec!["run".into()];
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    args.extend(["--out".into(), w.path(out).into(), "-q".into(), "--threads".into()]);
    args.push(threads.to_string().into());
    let o = w.concord(&args);
    // Pages with no records give warnings, never errors, unless no page has one.
    let expected = if records == 0 { 2 } else { 0 };
    assert_eq!(
        o.status.code(),
        Some(expected),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn check_conservation(pages: &[Vec<PageRecord>], prov: &[Row], canon: &[Row]) -> Result<(), TestCaseError> {
    let total: usize = pages.iter().map(Vec::len).sum();
    // Parsing loses nothing: one provenance row per generated record, ids unique.
    prop_assert_eq!(prov.len(), total);
    let ids: BTreeSet<&str> = prov.iter().map(|r| r["record_id"].as_str()).collect();
    prop_assert_eq!(ids.len(), total);
    for (p, recs) in pages.iter().enumerate() {
        for (i, r) in recs.iter().enumerate() {
            let id = format!("page{p}.txt#{}", i + 1);
            let row = prov.iter().find(|x| x["record_id"] == id);
            prop_assert!(row.is_some(), "{} missing", id);
            prop_assert_eq!(&row.unwrap()["title"], &r.title);
        }
    }
    // Every record in exactly one canonical record, and that one is the one provenance names.
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let canon_ids: BTreeSet<&str> = canon.iter().map(|c| c["canonical_id"].as_str()).collect();
    prop_assert_eq!(canon_ids.len(), canon.len(), "canonical ids are unique");
    for c in canon {
        let members: Vec<&str> = c["record_ids"].split(';').collect();
        prop_assert_eq!(members.len().to_string(), c["source_count"].clone());
        let files: HashSet<&str> = members.iter().map(|m| m.split('#').next().unwrap()).collect();
        prop_assert_eq!(
            files.len(),
            members.len(),
            "two records of one page merged: {:?}",
            members
        );
        for m in members {
            prop_assert!(seen.insert(m, &c["canonical_id"]).is_none(), "{} in two clusters", m);
        }
    }
    prop_assert_eq!(seen.len(), total);
    for r in prov {
        prop_assert_eq!(seen[r["record_id"].as_str()], r["canonical_id"].as_str());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(16))]

    /// Every record lands in exactly one cluster and once in provenance.csv, whatever the
    /// thread count or the order files are given in, and the outputs are byte-identical.
    #[test]
    fn nothing_lost_and_same_outputs_for_any_order_or_thread_count(pages in pages(), seed in any::<u64>()) {
        let w = Workdir::new();
        let n = pages.len();
        let forward: Vec<usize> = (0..n).collect();
        let mut shuffled = forward.clone();
        shuffled.sort_by_key(|i| (*i as u64 + 1).wrapping_mul(seed | 1).rotate_left(17));
        // One copy written in page order and given as a folder; another written in a shuffled
        // order and given file by file in that order.
        write_pages(&w, "a", &pages, &forward);
        write_pages(&w, "b", &pages, &shuffled);
        let records: usize = pages.iter().map(Vec::len).sum();
        run(&w, &[w.path("a")], "out1", 1, records);
        let files: Vec<_> = shuffled.iter().map(|i| w.path(&format!("b/page{i}.txt"))).collect();
        run(&w, &files, "out2", 3, records);
        if records == 0 {
            prop_assert!(!w.path("out1/canonical.csv").exists() && !w.path("out2/canonical.csv").exists(), "a run of no record wrote outputs");
            return Ok(());
        }

        let prov = read_csv(&w.path("out1/provenance.csv"));
        let canon = read_csv(&w.path("out1/canonical.csv"));
        check_conservation(&pages, &prov, &canon)?;
        for f in OUTPUTS {
            let one = std::fs::read(w.path(&format!("out1/{f}"))).unwrap();
            let two = std::fs::read(w.path(&format!("out2/{f}"))).unwrap();
            prop_assert!(one == two, "{} differs between orders / thread counts", f);
        }
    }
}

// ---- blocking --------------------------------------------------------------------------------

fn check_blocking(records: &[Record], rules: &concord::rules::BlockingRules) -> Result<(), TestCaseError> {
    let b = block::block(records, rules);
    let mut made = HashSet::new();
    for p in &b.pairs {
        let (x, y) = (&records[p.a as usize], &records[p.b as usize]);
        prop_assert!(p.a < p.b);
        prop_assert!(made.insert((p.a, p.b)), "pair {:?} compared twice", (p.a, p.b));
        prop_assert_ne!(x.page, y.page, "same-page pair {:?}", (p.a, p.b));
        let stat = &b.stats[p.block as usize];
        prop_assert!(stat.records >= 2);
        let key = &stat.key;
        match stat.rule.as_str() {
            "date" => {
                let (dx, dy) = (x.date().unwrap(), y.date().unwrap());
                prop_assert!(dx.compatible(&dy), "{} / {}", dx, dy);
                let coarser = dx.precision().min(dy.precision());
                prop_assert_eq!(&dx.truncate(coarser).to_string(), key);
            }
            "title_token" => {
                prop_assert!(
                    x.date().is_none() || y.date().is_none(),
                    "title_token pair of two dated records"
                );
                for r in [x, y] {
                    prop_assert!(
                        r.title_key().split(' ').any(|t| t == key),
                        "{} lacks {}",
                        r.title_key(),
                        key
                    );
                }
            }
            other => prop_assert!(false, "rule {other:?} on page records"),
        }
    }
    // Without an oversized block, blocking is also complete for dates: every pair of records
    // from different pages with compatible dates is compared.
    if b.stats.iter().all(|s| !s.windowed) {
        for (i, x) in records.iter().enumerate() {
            for (j, y) in records.iter().enumerate().skip(i + 1) {
                if let (Some(dx), Some(dy)) = (x.date(), y.date())
                    && x.page != y.page
                    && dx.compatible(&dy)
                {
                    prop_assert!(
                        made.contains(&(i as u32, j as u32)),
                        "compatible pair {} {} not compared",
                        i,
                        j
                    );
                }
            }
        }
    } else {
        // The guard: an oversized block gives at most `window` pairs per record.
        let windowed: usize = b.stats.iter().filter(|s| s.mode == "window").map(|s| s.pairs).sum();
        let records_in: usize = b.stats.iter().filter(|s| s.mode == "window").map(|s| s.records).sum();
        prop_assert!(windowed <= records_in * rules.window);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    /// Every compared pair shares a compatible block, no pair is compared twice, no pair is of
    /// one page; all-pairs blocks miss no compatible pair.
    #[test]
    fn blocking_is_sound(records in records()) {
        check_blocking(&records, &Rules::builtin().blocking)?;
    }

    /// The same with the giant-block guard engaged (tiny blocks, small window).
    #[test]
    fn blocking_is_sound_with_the_giant_block_guard(records in records(), max in 2usize..6, window in 1usize..4) {
        let mut rules = Rules::builtin().blocking;
        rules.max_block_size = max;
        rules.window = window;
        check_blocking(&records, &rules)?;
    }
}

// ---- clustering -----------------------------------------------------------------------------

/// Connected components by breadth-first search over all links: the naive reference.
fn components(n: usize, links: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in links {
        adj[a as usize].push(b);
        adj[b as usize].push(a);
    }
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut comp = vec![s as u32];
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(x) = queue.pop_front() {
            for &y in &adj[x] {
                if !seen[y as usize] {
                    seen[y as usize] = true;
                    comp.push(y);
                    queue.push_back(y as usize);
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}

/// A random clustering problem: pages, dates, match links (some must-links), cannot-links
/// (some of them overrides "different").
#[derive(Debug, Clone)]
struct Problem {
    pages: Vec<u32>,
    dates: Vec<Option<PartialDate>>,
    links: Vec<Link>,
    cannot: BTreeMap<(u32, u32), String>,
    overridden: BTreeSet<(u32, u32)>,
}

impl Problem {
    fn solve(&self, links: &[Link]) -> cluster::Clustering {
        let page_name = |p: u32| format!("p{p}");
        let record_name = |r: u32| format!("r{r}");
        // Each record its own fingerprint class; an override "different" makes two enemies.
        let mut apart = cluster::Apart {
            class_of: (0..self.pages.len() as u32).collect(),
            ..Default::default()
        };
        for &(a, b) in &self.overridden {
            apart.add(a, b, "override different".into());
        }
        let c = cluster::Constraints {
            page_of: &self.pages,
            date_of: &self.dates,
            cannot_link: &self.cannot.keys().copied().collect(),
            why_cannot: &|a, b| self.cannot[&(a, b)].clone(),
            apart: &apart,
            page_name: &page_name,
            record_name: &record_name,
        };
        cluster::cluster(&c, links, Rules::builtin().clustering.ambiguity_margin)
    }
}

fn pairs_of(n: usize, max: usize) -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((0..n as u32, 0..n as u32), 0..=max).prop_map(|ps| {
        let mut seen = BTreeSet::new();
        ps.into_iter()
            .filter(|(a, b)| a != b)
            .map(|(a, b)| (a.min(b), a.max(b)))
            .filter(|p| seen.insert(*p))
            .collect()
    })
}

/// `constrained`: pages shared by several records, dates, cannot-links and must-links; else
/// every record on its own page with no date and no constraint at all.
fn problem(constrained: bool) -> impl Strategy<Value = Problem> {
    (1usize..30).prop_flat_map(move |n| {
        let pages = prop::collection::vec(0u32..4, n);
        let dates = prop::collection::vec(date(), n);
        // Few distinct scores, so that ties (broken by index) are common.
        let links = (
            pairs_of(n, 2 * n),
            prop::collection::vec((0u32..5, any::<bool>()), 2 * n),
        );
        let cannot = (pairs_of(n, n / 2), prop::collection::vec(any::<bool>(), n / 2 + 1));
        (pages, dates, links, cannot).prop_map(move |(pages, dates, (ls, attrs), (cs, over))| {
            let links = ls
                .into_iter()
                .zip(attrs)
                .map(|((a, b), (s, must))| Link {
                    a,
                    b,
                    score: 0.9 + f64::from(s) * 0.02,
                    must: constrained && must && s == 0,
                })
                .collect();
            if !constrained {
                return Problem {
                    pages: (0..n as u32).collect(),
                    dates: vec![None; n],
                    links,
                    cannot: BTreeMap::new(),
                    overridden: BTreeSet::new(),
                };
            }
            let overridden = cs.iter().zip(&over).filter(|(_, o)| **o).map(|(p, _)| *p).collect();
            let cannot = cs.into_iter().map(|p| (p, "different".to_string())).collect();
            Problem {
                pages,
                dates,
                links,
                cannot,
                overridden,
            }
        })
    })
}

proptest! {
    #![proptest_config(config(256))]

    /// Without constraints (every record on its own page, no dates, no cannot-links), clusters
    /// are exactly the connected components of the match links.
    #[test]
    fn clustering_agrees_with_a_naive_search(p in problem(false)) {
        let c = p.solve(&p.links);
        let pairs: Vec<(u32, u32)> = p.links.iter().map(|l| (l.a, l.b)).collect();
        prop_assert_eq!(&c.clusters, &components(p.pages.len(), &pairs));
        prop_assert!(c.cut.is_empty() && c.ambiguous.is_empty());
    }

    /// With constraints: no cluster holds two records of one page or a pair an override said
    /// are different, whatever the must-links; without must-links, no cluster holds a
    /// cannot-link pair or two incompatible dates either. Every link is accounted for (taken,
    /// already joined, cut or ambiguous); the clusters are the components of the links taken;
    /// the order of the links does not matter.
    #[test]
    fn clustering_never_violates_a_constraint(p in problem(true), seed in any::<u64>()) {
        let c = p.solve(&p.links);
        let any_must = p.links.iter().any(|l| l.must);
        for members in &c.clusters {
            let on: HashSet<u32> = members.iter().map(|&m| p.pages[m as usize]).collect();
            prop_assert_eq!(on.len(), members.len(), "cluster {:?} holds two records of one page", members);
            for (i, &x) in members.iter().enumerate() {
                for &y in &members[i + 1..] {
                    prop_assert!(!p.overridden.contains(&(x, y)), "override different broken by {:?}", members);
                    if !any_must {
                        prop_assert!(!p.cannot.contains_key(&(x, y)), "cannot-link broken by {:?}", members);
                        if let (Some(dx), Some(dy)) = (p.dates[x as usize], p.dates[y as usize]) {
                            prop_assert!(dx.compatible(&dy), "dates {} / {} in {:?}", dx, dy, members);
                        }
                    }
                }
            }
        }
        let considered: HashSet<(u32, u32)> = c
            .log
            .iter()
            .map(|(l, _)| (l.a, l.b))
            .chain(c.ambiguous.iter().map(|x| (x.link.a, x.link.b)))
            .collect();
        prop_assert_eq!(considered.len(), p.links.len());
        let taken: Vec<(u32, u32)> = c
            .log
            .iter()
            .filter(|(_, o)| *o == cluster::Outcome::Joined)
            .map(|(l, _)| (l.a, l.b))
            .collect();
        prop_assert_eq!(&c.clusters, &components(p.pages.len(), &taken));

        let mut shuffled = p.links.clone();
        shuffled.sort_by_key(|l| (u64::from(l.a) * 31 + u64::from(l.b)).wrapping_mul(seed | 1));
        prop_assert_eq!(&p.solve(&shuffled).clusters, &c.clusters);
    }
}

// ---- normalization and similarity ---------------------------------------------------------------

/// Text with the characters normalization has to handle: Latin with diacritics, ligatures,
/// combining marks, full-width forms, quotes, brackets, odd spaces and control characters,
/// besides anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-ZäöüÄÖÜßæœøłđðþıİǄﬁＡＢ０１\u{301}\u{308}\u{327} \t\u{a0}\u{2028}‘’“”«»\\[\\](){}–—0-9.,;'\"]{0,24}",
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn normalization_is_idempotent(s in text()) {
        let f = normalize::fold(&s);
        prop_assert_eq!(normalize::fold(&f), f.clone(), "fold of {:?}", s);
        let k = normalize::match_key(&s);
        prop_assert_eq!(normalize::match_key(&k), k.clone(), "match_key of {:?}", s);
        prop_assert!(!k.starts_with(' ') && !k.ends_with(' ') && !k.contains("  "));
        prop_assert!(k.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{:?}", k);
    }

    #[test]
    fn similarity_is_symmetric_bounded_and_reflexive(a in text(), b in text()) {
        let s = compare::similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s), "{}", s);
        prop_assert_eq!(s, compare::similarity(&b, &a));
        prop_assert_eq!(compare::similarity(&a, &a), 1.0);
    }

    /// The whole comparison, prefix mode included: the score is symmetric and in [0, 1].
    #[test]
    fn comparison_scores_are_symmetric_and_bounded(
        t1 in text(), t2 in text(), d1 in prop::option::of(text()), d2 in prop::option::of(text()), partial in any::<bool>()
    ) {
        let rules = Rules::builtin().comparison;
        let mk = |page, title: &str, desc: &Option<String>| {
            let mut r = raw(page, 1, None, title);
            r.set_description(desc.clone());
            r.partial = partial && page == 0;
            normalize::prepare(r, page)
        };
        let (x, y) = (mk(0, &t1, &d1), mk(1, &t2, &d2));
        let pair = block::CandidatePair { a: 0, b: 1, block: block::NO_BLOCK };
        let xy = compare::compare(&pair, &x, &y, &rules);
        let yx = compare::compare(&pair, &y, &x, &rules);
        for s in [&xy, &yx] {
            prop_assert!((0.0..=1.0).contains(&s.score) && (0.0..=1.0).contains(&s.title));
            prop_assert!(s.description.is_none_or(|d| (0.0..=1.0).contains(&d)));
        }
        prop_assert_eq!(xy.score, yx.score);
        prop_assert_eq!(xy.decision, yx.decision);
    }

    /// A parsed date prints in ISO form and parses back to itself.
    #[test]
    fn dates_round_trip_through_iso(d in date()) {
        if let Some(d) = d {
            prop_assert_eq!(concord::normalize::date::parse(&d.to_string()), Some(d));
            prop_assert_eq!(d.truncate(Precision::Day), d);
        }
    }
}

// ---- pages round trip ----------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    /// Records drawn to look like furniture, markers, dates, range headers and footers, in
    /// every layout and line ending, come back from the page parser exactly (the fuzz target
    /// `roundtrip` runs the same check, steered by coverage).
    #[test]
    fn pages_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let rules = Rules::builtin().compile_pages().expect("built-in rules compile");
        let page = crate::roundtrip_model::draw(&mut crate::roundtrip_model::Choices::new(&bytes), &rules);
        if let Err(why) = crate::roundtrip_model::check(&page, &rules) {
            return Err(TestCaseError::fail(why));
        }
    }
}
