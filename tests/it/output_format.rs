//! `--output-format parquet`: every tabular output as NAME.parquet with the CSV's columns and
//! values (read back through the library's typed rows and, independently, through the parquet
//! crate), and `explain`, `review`, `eval` answering the same on both formats.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use concord::audit::overrides::Overrides;
use concord::audit::read::OutputDir;
use concord::output::Format;
use concord::output::read_all;
use concord::output::rows::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::workdir::{Workdir, fixture, read_csv, root, stderr, stdout};

const TABLES: [&str; 11] = [
    "provenance",
    "record_fields",
    "ids",
    "changes",
    "canonical",
    "decisions",
    "review",
    "links",
    "blocks",
    "warnings",
    "summary",
];

type Rows = Vec<BTreeMap<String, String>>;

/// A Parquet file read with the parquet crate alone: its column types and each row as
/// header -> the text the CSV holds (null empty, doubles with four decimals).
fn parquet_rows(path: &Path) -> (BTreeMap<String, DataType>, Rows) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let mut types = BTreeMap::new();
    let mut rows = Vec::new();
    for batch in reader {
        let batch: RecordBatch = batch.unwrap();
        for f in batch.schema().fields() {
            types.insert(f.name().clone(), f.data_type().clone());
        }
        for i in 0..batch.num_rows() {
            let mut row = BTreeMap::new();
            for (f, col) in batch.schema().fields().iter().zip(batch.columns()) {
                let cell = if col.is_null(i) {
                    String::new()
                } else {
                    match col.data_type() {
                        DataType::Utf8 => col.as_string::<i32>().value(i).to_string(),
                        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
                        DataType::Float64 => format!("{:.4}", col.as_primitive::<Float64Type>().value(i)),
                        DataType::Boolean => col.as_boolean().value(i).to_string(),
                        t => panic!("unexpected column type {t}"),
                    }
                };
                row.insert(f.name().clone(), cell);
            }
            rows.push(row);
        }
    }
    (types, rows)
}

/// The column names of a CSV file, in order, and of a Parquet file.
fn csv_header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(String::from).collect()
}

fn parquet_header(path: &Path) -> Vec<String> {
    let b = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    b.schema().fields().iter().map(|f| f.name().clone()).collect()
}

/// Runs `inputs` twice, CSV and Parquet; returns both folders.
fn both_runs(w: &Workdir, inputs: &[&Path], extra: &[&str]) -> (PathBuf, PathBuf) {
    w.run_ok(inputs, "csv", &[&["-q"], extra].concat());
    w.run_ok(inputs, "pq", &[&["-q", "--output-format", "parquet"], extra].concat());
    (w.path("csv"), w.path("pq"))
}

/// Every table is in both folders in its own format only, with the same columns and cells.
fn assert_same_tables(csv_dir: &Path, pq_dir: &Path) {
    for t in TABLES {
        let (c, p) = (csv_dir.join(format!("{t}.csv")), pq_dir.join(format!("{t}.parquet")));
        assert!(
            !pq_dir.join(format!("{t}.csv")).exists(),
            "{t}.csv written by a parquet run"
        );
        assert!(!csv_dir.join(format!("{t}.parquet")).exists());
        assert_eq!(csv_header(&c), parquet_header(&p), "{t}: columns");
        let (_, prows) = parquet_rows(&p);
        assert_eq!(read_csv(&c), prows, "{t}: cells");
    }
    assert!(pq_dir.join("report.html").is_file());
}

/// The library's typed rows are the same from both folders.
fn assert_same_typed_rows(csv_dir: &Path, pq_dir: &Path) {
    fn same<R: Row + PartialEq + std::fmt::Debug>(c: &Path, p: &Path) {
        let (x, y): (Vec<R>, Vec<R>) = (read_all(c, Format::Csv).unwrap(), read_all(p, Format::Parquet).unwrap());
        let always = ["provenance", "canonical", "decisions", "links", "summary"];
        assert!(!x.is_empty() || !always.contains(&R::FILE), "{} is empty", R::FILE);
        assert_eq!(x, y, "{}", R::FILE);
    }
    same::<ProvenanceRow>(csv_dir, pq_dir);
    same::<CanonicalRow>(csv_dir, pq_dir);
    same::<DecisionRow>(csv_dir, pq_dir);
    same::<ReviewRow>(csv_dir, pq_dir);
    same::<LinkRow>(csv_dir, pq_dir);
    same::<BlockRow>(csv_dir, pq_dir);
    same::<WarningRow>(csv_dir, pq_dir);
    same::<SummaryRow>(csv_dir, pq_dir);
}

fn explain(w: &Workdir, dir: &Path, ids: &[&str]) -> String {
    let mut args = vec!["explain".to_string(), dir.display().to_string()];
    args.extend(ids.iter().map(|s| s.to_string()));
    let o = w.concord(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// `explain` of every canonical record with two members or more, and of its first two members,
/// is the same text on both folders (the folder's path aside).
fn assert_same_explain(w: &Workdir, csv_dir: &Path, pq_dir: &Path) {
    let canon: Vec<CanonicalRow> = read_all(csv_dir, Format::Csv).unwrap();
    let merged: Vec<&CanonicalRow> = canon.iter().filter(|c| c.source_count > 1).take(5).collect();
    assert!(!merged.is_empty());
    for c in merged {
        let members: Vec<&str> = c.record_ids.split(';').collect();
        for ids in [vec![c.canonical_id.as_str()], members[..2].to_vec()] {
            let (x, y) = (explain(w, csv_dir, &ids), explain(w, pq_dir, &ids));
            assert_eq!(x, y, "explain {ids:?}");
        }
    }
}

/// `review`'s queue (the library's `pending`) is the same on both folders; returns its
/// length.
fn assert_same_review(csv_dir: &Path, pq_dir: &Path) -> usize {
    let (c, p) = (OutputDir::open(csv_dir).unwrap(), OutputDir::open(pq_dir).unwrap());
    assert_eq!((c.format, p.format), (Format::Csv, Format::Parquet));
    let none = Overrides::default();
    let (x, y) = (
        concord::audit::review::pending(&c, &none),
        concord::audit::review::pending(&p, &none),
    );
    assert_eq!(x.len(), y.len());
    for (a, b) in x.iter().zip(&y) {
        assert_eq!((a.row, a.a, a.b), (b.row, b.a, b.b));
    }
    x.len()
}

fn eval(w: &Workdir, dir: &Path, truth: &Path) -> String {
    let o = w.concord([
        "eval".as_ref(),
        dir.as_os_str(),
        "--truth".as_ref(),
        truth.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn a_parquet_page_run_holds_the_csv_runs_rows() {
    let w = Workdir::new();
    let (c, p) = both_runs(&w, &[&fixture("pages")], &[]);
    assert_same_tables(&c, &p);
    assert_same_typed_rows(&c, &p);
    // Numbers are stored as numbers.
    let (types, _) = parquet_rows(&p.join("decisions.parquet"));
    assert_eq!(types["score"], DataType::Float64);
    assert_eq!(types["record_a"], DataType::Utf8);
    let (types, _) = parquet_rows(&p.join("provenance.parquet"));
    assert_eq!(
        (&types["line"], &types["partial"]),
        (&DataType::Int64, &DataType::Boolean)
    );
    assert_same_explain(&w, &c, &p);
    assert_same_review(&c, &p);
    let truth = fixture("eval/pages_truth.csv");
    assert_eq!(eval(&w, &c, &truth), eval(&w, &p, &truth));
}

#[test]
fn a_parquet_table_run_holds_the_csv_runs_rows_and_the_models_columns() {
    let w = Workdir::new();
    let rules = root().join("rules/person.toml");
    let (c, p) = both_runs(
        &w,
        &[&fixture("febrl/febrl1_sample.csv")],
        &["--rules", rules.to_str().unwrap()],
    );
    assert_same_tables(&c, &p);
    assert_same_typed_rows(&c, &p);
    // canonical_sources, written by table runs only.
    let (cs, ps) = (c.join("canonical_sources.csv"), p.join("canonical_sources.parquet"));
    assert_eq!(csv_header(&cs), parquet_header(&ps));
    assert_eq!(read_csv(&cs), parquet_rows(&ps).1);
    let sources: Vec<CanonicalSourceRow> = read_all(&c, Format::Csv).unwrap();
    assert!(!sources.is_empty());
    assert_eq!(sources, read_all::<CanonicalSourceRow>(&p, Format::Parquet).unwrap());
    assert!(p.join("model.json").is_file());
    // The table's fields and the model's waterfall come back from Parquet.
    let prov: Vec<ProvenanceRow> = read_all(&p, Format::Parquet).unwrap();
    assert!(prov.iter().all(|r| !r.fields.is_empty() && r.title.is_none()));
    let dec: Vec<DecisionRow> = read_all(&p, Format::Parquet).unwrap();
    let scored = dec.iter().find_map(DecisionRow::waterfall).expect("a scored pair");
    assert!(!scored.steps.is_empty() && scored.steps.iter().all(|s| !s.comparison.is_empty()));
    assert_same_explain(&w, &c, &p);
    assert_same_review(&c, &p);
    let truth = fixture("febrl/febrl1_sample_truth.csv");
    assert_eq!(eval(&w, &c, &truth), eval(&w, &p, &truth));
}

#[test]
fn a_parquet_review_queue_reads_back_the_pairs_the_csv_queue_holds() {
    // fixtures/edge leaves a pair for review (the seed pages leave none): the queue read
    // from review.parquet must hold it, in the same order, as review.csv does.
    let w = Workdir::new();
    let (c, p) = both_runs(&w, &[&fixture("edge")], &[]);
    assert_same_typed_rows(&c, &p);
    assert!(
        assert_same_review(&c, &p) > 0,
        "fixtures/edge should leave a pair for review"
    );
}

#[test]
fn a_folder_with_both_formats_or_neither_is_refused_clearly() {
    let w = Workdir::new();
    let (c, p) = both_runs(&w, &[&fixture("pages")], &[]);
    std::fs::copy(p.join("provenance.parquet"), c.join("provenance.parquet")).unwrap();
    for args in [vec!["explain", "csv", "x"], vec!["eval", "csv", "--truth", "t.csv"]] {
        let o = w.concord(&args);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("both provenance.csv and provenance.parquet"),
            "{}",
            stderr(&o)
        );
    }
    std::fs::create_dir_all(w.path("empty")).unwrap();
    let o = w.concord(["explain", "empty", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no provenance.csv or provenance.parquet"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn decisions_linked_keeps_the_pairs_not_decided_no_match_and_changes_nothing_else() {
    let w = Workdir::new();
    let pages = fixture("pages");
    w.run_ok(&[&pages], "all", &[]);
    w.run_ok(&[&pages], "linked", &["--decisions", "linked"]);
    let all = read_csv(&w.path("all/decisions.csv"));
    let linked = read_csv(&w.path("linked/decisions.csv"));
    let expected: Rows = (all.iter())
        .filter(|r| r["decision"] != "no-match" || !r["override"].is_empty())
        .cloned()
        .collect();
    assert!(linked.len() < all.len(), "the seeds compare pairs that do not match");
    assert!(linked.iter().any(|r| r["decision"] == "match"));
    assert_eq!(linked, expected);
    assert_eq!(
        csv_header(&w.path("linked/decisions.csv")),
        csv_header(&w.path("all/decisions.csv"))
    );
    for t in TABLES.iter().filter(|&&t| t != "decisions") {
        let file = format!("{t}.csv");
        assert_eq!(
            read_csv(&w.path("linked").join(&file)),
            read_csv(&w.path("all").join(&file)),
            "{file}"
        );
    }
}
