//! Micro-benchmarks of the hot kernels: normalization, each similarity kernel, blocking and
//! scoring, on synthetic records from `concord synth` (fixed seed). Run: `cargo bench`.

use std::hint::black_box;
use std::path::Path;

use concord::audit::overrides::Overrides;
use concord::linkage::block::Blocking;
use concord::linkage::compare;
use concord::pipeline::{Input, Normalized, Run, link};
use concord::synth::{SynthOptions, generate};
use concord::{Rules, normalize};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const TITLE: &str = "Cable from Mao Zedong to Filippov [Stalin], ‘Plans to Publicize the Confessions’";
const TITLE_TYPO: &str = "Cable from Mao Zedong to Filipov (Stalin), 'Plans to Publicize the Confessions'";
const DESCRIPTION: &str = "Mao Zedong explains to Kim Il Sung China's plan to issue a communique regarding germ \
    warfare. Säypiddin Äzizi reports on the situation in Ürümqi, citing 3,000 cases since March.";
const OTHER: &str = "Stalin agrees to send ammunitions to Mao in preparation for a US attack, and asks \
    Zhou Enlai to report on the delivery of aircraft and artillery before October 15.";

/// The pages of a synthetic scrape of `n` records (fixed seed), read by the shipped ingest
/// stage.
fn input(n: usize, dir: &Path, run: &Run) -> Input {
    let opts = SynthOptions {
        records: n,
        seed: 1,
        csv: false,
        shapes: Default::default(),
        scrape: Default::default(),
    };
    generate(&opts, dir).expect("synth");
    let pages = Rules::builtin().compile_pages().expect("rules");
    let (input, errors) = run.ingest(&[dir.join("pages")], None, &pages).expect("ingest");
    assert!(errors.is_empty(), "{errors:?}");
    input
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

/// The shipped stages on a synthetic scrape: blocking, scoring 20,000 of its pairs, and the
/// whole of `link()` (normalize to merge, nothing written).
fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = Rules::builtin();
    let overrides = Overrides::default();
    let run = Run::new(&rules, &overrides);
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10_000usize, 50_000] {
        let sub = dir.path().join(n.to_string());
        let normalized: Normalized = run.normalize(input(n, &sub, &run)).expect("normalize");
        g.bench_with_input(BenchmarkId::new("block", n), &normalized, |b, normalized| {
            b.iter(|| run.block(black_box(normalized)))
        });
        let blocking = run.block(&normalized);
        let some = Blocking {
            pairs: blocking.pairs.iter().take(20_000).copied().collect(),
            ..blocking
        };
        g.bench_with_input(BenchmarkId::new("score_20k_pairs", n), &some, |b, some| {
            b.iter(|| run.score(&normalized, black_box(some)).expect("score"))
        });
    }
    let sub = dir.path().join("link");
    let records = input(10_000, &sub, &run);
    g.bench_function(BenchmarkId::new("link", 10_000), |b| {
        b.iter_batched(
            || Input::pages(records.records.clone()),
            |input| link(input, &rules, &overrides).expect("link"),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, normalization, similarity, pipeline);
criterion_main!(benches);
