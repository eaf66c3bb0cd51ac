//! Micro-benchmarks of the hot kernels: normalization, each similarity kernel, blocking and
//! scoring, on synthetic records from `concord synth` (fixed seed). Run: `cargo bench`.

use std::hint::black_box;
use std::path::Path;

use concord::block::{self, CandidatePair};
use concord::record::Record;
use concord::synth::{SynthOptions, generate};
use concord::{Rules, compare, ingest, normalize};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const TITLE: &str = "Cable from Mao Zedong to Filippov [Stalin], ‘Plans to Publicize the Confessions’";
const TITLE_TYPO: &str = "Cable from Mao Zedong to Filipov (Stalin), 'Plans to Publicize the Confessions'";
const DESCRIPTION: &str = "Mao Zedong explains to Kim Il Sung China's plan to issue a communique regarding germ \
    warfare. Säypiddin Äzizi reports on the situation in Ürümqi, citing 3,000 cases since March.";
const OTHER: &str = "Stalin agrees to send ammunitions to Mao in preparation for a US attack, and asks \
    Zhou Enlai to report on the delivery of aircraft and artillery before October 15.";

/// Records of a synthetic scrape of `n` records, normalized as a run does.
fn records(n: usize, dir: &Path) -> Vec<Record> {
    let opts = SynthOptions {
        records: n,
        seed: 1,
        csv: false,
    };
    generate(&opts, dir).expect("synth");
    let rules = Rules::builtin();
    let pages = rules.compile_pages().expect("rules");
    let (files, _, _) = ingest::discover(&[dir.join("pages")]);
    let mut all = ingest::Ingested::default();
    let mut page_of = Vec::new();
    for (p, f) in files.iter().enumerate() {
        let before = all.records.len();
        all.push(ingest::read(f, &pages, rules.input.max_file_bytes));
        page_of.extend(std::iter::repeat_n(p as u32, all.records.len() - before));
    }
    all.records
        .into_iter()
        .zip(page_of)
        .map(|(r, p)| normalize::prepare(r, p))
        .collect()
}

fn normalization(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalize");
    g.bench_function("fold/title_unicode", |b| b.iter(|| normalize::fold(black_box(TITLE))));
    g.bench_function("fold/title_ascii", |b| {
        b.iter(|| normalize::fold(black_box(TITLE_TYPO)))
    });
    g.bench_function("match_key/description", |b| {
        b.iter(|| normalize::match_key(black_box(DESCRIPTION)))
    });
    g.finish();
}

fn similarity(c: &mut Criterion) {
    let (t1, t2) = (normalize::match_key(TITLE), normalize::match_key(TITLE_TYPO));
    let (d1, d2) = (normalize::match_key(DESCRIPTION), normalize::match_key(OTHER));
    let mut g = c.benchmark_group("similarity");
    g.bench_function("levenshtein/title_typo", |b| {
        b.iter(|| compare::similarity(black_box(&t1), black_box(&t2)))
    });
    g.bench_function("levenshtein/description_different", |b| {
        b.iter(|| compare::similarity(black_box(&d1), black_box(&d2)))
    });
    g.bench_function("levenshtein/description_equal", |b| {
        b.iter(|| compare::similarity(black_box(&d1), black_box(&d1.clone())))
    });
    g.bench_function("strsim_reference/description_different", |b| {
        b.iter(|| strsim::normalized_levenshtein(black_box(&d1), black_box(&d2)))
    });
    g.finish();
}

fn blocking_and_scoring(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = Rules::builtin();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10_000usize, 50_000] {
        let sub = dir.path().join(n.to_string());
        let recs = records(n, &sub);
        g.bench_with_input(BenchmarkId::new("block", n), &recs, |b, recs| {
            b.iter(|| block::block(black_box(recs), &rules.blocking))
        });
        let pairs: Vec<CandidatePair> = block::block(&recs, &rules.blocking)
            .pairs
            .into_iter()
            .take(20_000)
            .collect();
        g.bench_with_input(BenchmarkId::new("compare_20k_pairs", n), &pairs, |b, pairs| {
            b.iter(|| compare::compare_all(black_box(pairs), &recs, &rules.comparison, None))
        });
    }
    g.finish();
}

criterion_group!(benches, normalization, similarity, blocking_and_scoring);
criterion_main!(benches);
