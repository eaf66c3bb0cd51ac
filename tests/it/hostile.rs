//! Hostile and broken input (issue "Nothing lost, nothing crashes"): each case runs the real
//! binary, checks the message names the file (and line, where there is one), that the other
//! inputs were still processed, and that the exit code says what happened (0 success; 1 outputs
//! written but some input unusable; 2 nothing done).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use concord::linkage::block;
use concord::record::{Provenance, RawRecord};
use concord::{Rules, normalize};

use crate::workdir::{Workdir, fixture, read_csv, run_args, stderr};

/// One record as a page shows it.
#[derive(Debug, Clone)]
pub struct PageRecord {
    pub date: Option<String>,
    pub title: String,
    pub description: String,
}

/// A page in the `separated` layout (records between lines holding a single `-`), closed by
/// an end marker so that its last record is complete.
pub fn separated_page(records: &[PageRecord]) -> String {
    let mut s = String::from("SEARCH RESULTS\n");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            s.push_str("-\n");
        }
        if let Some(d) = &r.date {
            s.push_str(d);
            s.push('\n');
        }
        s.push_str(&r.title);
        s.push('\n');
        s.push_str(&r.description);
        s.push('\n');
    }
    s.push_str("Pagination\n");
    s
}

/// `n` distinct records, dates spread over many days of 1940-1989.
fn many_records(n: usize, tag: &str) -> Vec<PageRecord> {
    use concord::normalize::date::MONTH_NAMES as MONTHS;
    (0..n)
        .map(|i| PageRecord {
            date: Some(format!("{} {}, {}", MONTHS[i % 12], i % 28 + 1, 1940 + (i / 336) % 50)),
            title: format!("Memorandum {tag} on talks, item {i}"),
            description: format!("Record {i} of a generated page, about the talks ({tag})."),
        })
        .collect()
}

fn files_in(rows: &[std::collections::BTreeMap<String, String>]) -> BTreeSet<String> {
    rows.iter().map(|r| r["file"].clone()).collect()
}

#[test]
fn invalid_utf8_is_reported_with_file_and_line_and_the_rest_is_read() {
    let w = Workdir::new();
    w.copy_fixtures("pages", "in");
    let mut bad = std::fs::read(fixture("edge/separated.txt")).unwrap();
    // Line 5 gets a byte that is never valid UTF-8.
    let at = bad.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(3).unwrap().0 + 1;
    bad.insert(at, 0xff);
    w.write("in/zz_bad.txt", &bad);
    let o = w.concord(run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("zz_bad.txt:5: not valid UTF-8"), "{err}");
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), 67, "the five good pages are still read");
    assert!(!files_in(&prov).contains("zz_bad.txt"));
}

/// Provenance rows without the file column, for comparing two readings of one page.
fn records_of(w: &Workdir, out: &str) -> Vec<Vec<String>> {
    w.csv(out)
        .into_iter()
        .map(|r| {
            [
                "position",
                "line",
                "layout",
                "raw_date",
                "title",
                "description",
                "partial",
            ]
            .iter()
            .map(|k| r[*k].clone())
            .collect()
        })
        .collect()
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_read_like_the_plain_page() {
    let w = Workdir::new();
    let page = std::fs::read_to_string(fixture("pages/000_254b8f254631d6fa.txt")).unwrap();
    assert!(!page.contains('\r'));
    w.write("plain/p.txt", &page);
    w.write("bom/p.txt", format!("\u{feff}{page}"));
    w.write("crlf/p.txt", page.replace('\n', "\r\n"));
    w.write("both/p.txt", format!("\u{feff}{}", page.replace('\n', "\r\n")));
    for d in ["plain", "bom", "crlf", "both"] {
        w.run_ok(&[&w.path(d)], &format!("out-{d}"), &["-q"]);
    }
    let plain = records_of(&w, "out-plain/provenance.csv");
    assert_eq!(plain.len(), 10);
    for d in ["bom", "crlf", "both"] {
        assert_eq!(records_of(&w, &format!("out-{d}/provenance.csv")), plain, "{d}");
    }
    // Nothing of the CR or the BOM leaks into a field.
    let raw = std::fs::read_to_string(w.path("out-both/provenance.csv")).unwrap();
    assert!(!raw.contains('\r') && !raw.contains('\u{feff}'));
}

#[test]
fn a_ten_megabyte_line_is_read_and_compared_without_stalling() {
    let w = Workdir::new();
    let big = |c: &str, mb: usize| format!("{}.", c.repeat(mb * 1024 * 1024 / c.len()));
    // One line of 10 MB and one of 2 MB on one date, on two pages: compared with each other.
    let (a, b) = (big("alpha beta ", 10), big("gamma delta ", 2));
    for (name, desc) in [("a.txt", &a), ("b.txt", &b)] {
        let page = separated_page(&[
            PageRecord {
                date: Some("May 1, 1950".into()),
                title: "Telegram from Moscow on the treaty".into(),
                description: desc.clone(),
            },
            PageRecord {
                date: Some("May 2, 1950".into()),
                title: format!("A small record of {name}"),
                description: "Nothing unusual.".into(),
            },
        ]);
        w.write(&format!("in/{name}"), page);
    }
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), 4);
    // The text is kept whole in the outputs; only the comparison is capped.
    assert!(prov.iter().any(|r| r["description"] == a));
    assert!(prov.iter().any(|r| r["description"] == b));
    let decisions = w.csv("out/decisions.csv");
    let big_pair = decisions.iter().find(|d| d["block_key"] == "1950-05-01").unwrap();
    assert_ne!(big_pair["decision"], "match", "different 10 MB texts do not match");
    assert_eq!(big_pair["title_similarity"], "1.0000");
}

#[test]
fn a_binary_file_is_skipped_with_its_name_and_line_and_the_rest_is_read() {
    let w = Workdir::new();
    w.copy_fixtures("pages", "in");
    let mut png = b"\x89PNG\r\n\x1a\nIHDR\n".to_vec();
    png.extend([0u8, 0, 1, 2, 255, 0, 7]);
    w.write("in/image.png", &png);
    let o = w.concord(run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("image.png: line 4: binary data"), "{err}");
    assert_eq!(w.csv("out/provenance.csv").len(), 67);
}

#[test]
fn a_page_with_100000_records_keeps_every_record_in_order() {
    let w = Workdir::new();
    let n = 100_000;
    w.write("in/huge.txt", separated_page(&many_records(n, "huge")));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), n);
    for (i, r) in prov.iter().enumerate() {
        assert_eq!(r["position"], (i + 1).to_string());
    }
    assert_eq!(
        prov[n - 1]["title"],
        format!("Memorandum huge on talks, item {}", n - 1)
    );
    // One page: every pair is a same-page pair, so nothing is merged.
    assert_eq!(w.csv("out/canonical.csv").len(), n);
}

fn raw(file: &str, position: usize, date: &str, title: String) -> RawRecord {
    let provenance = Provenance {
        file: file.into(),
        position,
        line: position,
        layout: "separated".into(),
        page: None,
    };
    RawRecord::page(provenance, Some(date.to_string()), title, None)
}

#[test]
fn two_hundred_thousand_records_on_one_date_make_about_n_times_window_pairs() {
    let rules = Rules::builtin().blocking;
    let n = 200_000usize;
    let per_page = 100;
    let records: Vec<_> = (0..n)
        .map(|i| {
            let page = (i / per_page) as u32;
            let r = raw(
                &format!("p{page}"),
                i % per_page + 1,
                "1950-05-01",
                format!("Cable number {}", i * 7919 % n),
            );
            normalize::prepare(r, page)
        })
        .collect();
    let b = block::block(&records, &rules);
    assert_eq!(b.largest_block, n);
    assert!(b.stats.iter().any(|s| s.windowed && s.records == n));
    // The guard: each record meets at most `window` neighbours, not all n - 1 others.
    assert!(b.pairs.len() <= n * rules.window, "{} pairs", b.pairs.len());
    assert!(b.pairs.len() >= n * rules.window * 9 / 10, "{} pairs", b.pairs.len());
    assert!(b.warnings.iter().any(|w| w.message.contains("holds 200000 records")));
    for p in &b.pairs {
        assert_ne!(records[p.a as usize].page, records[p.b as usize].page);
    }
}

#[test]
fn an_oversized_block_through_the_binary_is_compared_by_window() {
    let w = Workdir::new();
    let n = 3000;
    for part in 0..3 {
        let recs: Vec<PageRecord> = (0..n / 3)
            .map(|i| PageRecord {
                date: Some("June 25, 1950".into()),
                title: format!("Report {part} on the front, sheet {i}"),
                description: format!("Sheet {i} of part {part}."),
            })
            .collect();
        w.write(&format!("in/part{part}.txt"), separated_page(&recs));
    }
    w.write("small.toml", "[blocking]\nmax_block_size = 100\nwindow = 4\n");
    let o = w.concord(run_args(
        &[&w.path("in")],
        &w.path("out"),
        &["--rules", w.path("small.toml").to_str().unwrap()],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(w.warnings("out").contains("holds 3000 records (limit 100)"));
    let decisions = w.csv("out/decisions.csv");
    assert!(!decisions.is_empty() && decisions.len() <= n * 4, "{}", decisions.len());
    let blocks = w.csv("out/blocks.csv");
    assert_eq!(blocks.len(), 1);
    assert_eq!(
        (blocks[0]["records"].as_str(), blocks[0]["mode"].as_str()),
        ("3000", "window")
    );
    assert_eq!(w.csv("out/provenance.csv").len(), n);
}

#[test]
fn a_folder_with_no_pages_is_an_input_error_and_other_inputs_are_read() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("empty")).unwrap();
    w.write("hidden-only/.notes.txt", "not a page");
    let o = w.concord(run_args(
        &[&w.path("empty"), &w.path("hidden-only"), &fixture("pages")],
        &w.path("out"),
        &[],
    ));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for d in ["empty", "hidden-only"] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("{d}: no pages found")))
            .unwrap_or_else(|| panic!("{err}"));
        assert!(line.starts_with("error: "), "{line}");
    }
    assert_eq!(w.csv("out/provenance.csv").len(), 67);

    // Nothing but an empty folder: no record read, so nothing is written (exit 2), and the
    // run says why.
    let o = w.concord(run_args(&[&w.path("empty")], &w.path("out2"), &[]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no pages found"), "{}", stderr(&o));
    assert!(!w.path("out2/provenance.csv").exists());
}

#[test]
fn an_unreadable_file_is_reported_and_the_rest_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    w.copy_fixtures("pages", "in");
    let locked = w.write("in/locked.txt", std::fs::read(fixture("edge/separated.txt")).unwrap());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop reads. A file
        // that no one can read is still needed, so use one the kernel refuses to read at
        // offset 0 (EIO) whoever asks.
        eprintln!("note: mode 000 does not stop this user reading; using /proc/self/mem instead");
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("/proc/self/mem", &locked).unwrap();
        assert!(
            std::fs::read(&locked).is_err(),
            "/proc/self/mem should not be readable at offset 0"
        );
    }
    let o = w.concord(run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: ") && l.contains("locked.txt")),
        "{err}"
    );
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), 67);
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644));
}

#[test]
fn an_output_folder_that_cannot_be_written_stops_the_run_with_exit_2() {
    let w = Workdir::new();
    w.write("plainfile", "I am a file, not a folder");
    // Under a regular file no folder can be made, whoever the user is (root included).
    for out in [w.path("plainfile/out"), w.path("plainfile")] {
        let o = w.concord(run_args(&[&fixture("pages")], &out, &[]));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("concord: ") && err.contains(&*out.to_string_lossy()),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(w.path("plainfile")).unwrap(),
        "I am a file, not a folder"
    );
}

#[test]
fn csv_fields_survive_quotes_commas_carriage_returns_and_formulas() {
    let w = Workdir::new();
    let nasty = [
        PageRecord {
            date: Some("March 5, 1953".into()),
            title: "Letter, \"Comrade\" Stalin, to Mao; \"quoted\", twice".into(),
            description: "He said \"no\", then, \"yes\"; a comma, a quote \" and a CR\rinside.".into(),
        },
        PageRecord {
            date: Some("March 6, 1953".into()),
            title: "=HYPERLINK(\"http://example.invalid\",\"click\")".into(),
            description: "+1 -1 @SUM(A1:A2) all look like formulas.".into(),
        },
        PageRecord {
            date: Some("March 7, 1953".into()),
            title: "-Minus first".into(),
            description: "@at first.".into(),
        },
    ];
    w.write("in/nasty.txt", separated_page(&nasty));
    w.run_ok(&[&w.path("in")], "out", &["-q"]);
    let prov = w.csv("out/provenance.csv");
    assert_eq!(prov.len(), 3);
    for (r, want) in prov.iter().zip(&nasty) {
        assert_eq!(r["title"], want.title);
        assert_eq!(r["description"], want.description);
        assert_eq!(Some(&r["raw_date"]), want.date.as_ref());
    }
    let canon = w.csv("out/canonical.csv");
    assert!(canon.iter().any(|r| r["title"] == nasty[1].title));

    // --safe-csv: every cell a spreadsheet would run gets a leading quote; nothing else changes.
    // A second page shows the formula-titled record with another description: the pair goes
    // to review, so review.csv holds the titles too.
    let mut other = nasty[1].clone();
    other.description = "+1 -1 @SUM(B1:B9) all looked quite like formulae.".into();
    w.write("in2/nasty2.txt", separated_page(&[other]));
    w.run_ok(&[&w.path("in"), &w.path("in2")], "safe", &["-q", "--safe-csv"]);
    let review = w.csv("safe/review.csv");
    assert!(
        review
            .iter()
            .any(|r| r.values().any(|v| *v == format!("'{}", nasty[1].title))),
        "{review:?}"
    );
    let safe = w.csv("safe/provenance.csv");
    for (r, want) in safe.iter().zip(&nasty) {
        let expect = |s: &str| {
            if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.to_string()
            }
        };
        assert_eq!(r["title"], expect(&want.title));
        assert_eq!(r["description"], expect(&want.description));
    }
    assert_eq!(safe[0]["title"], nasty[0].title);
    let canon = w.csv("safe/canonical.csv");
    assert!(canon.iter().any(|r| r["title"] == format!("'{}", nasty[1].title)));
    // No cell of any CSV written (the audit's too) can start a formula.
    for e in std::fs::read_dir(w.path("safe")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(&p).unwrap();
            for rec in r.records() {
                for cell in rec.unwrap().iter() {
                    assert!(!cell.starts_with(['=', '+', '-', '@']), "{}: {cell:?}", p.display());
                }
            }
        }
    }
}

/// The bytes of every output file in `dir`.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "canonical.csv",
        "provenance.csv",
        "decisions.csv",
        "warnings.csv",
        "blocks.csv",
        "record_fields.csv",
        "ids.csv",
        "changes.csv",
        "review.csv",
        "links.csv",
        "summary.csv",
        "report.html",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap_or_default()))
    .collect()
}

/// Hidden temporary files a run left in `dir` (it was killed while writing).
fn temp_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_run_killed_halfway_leaves_the_previous_outputs_intact() {
    let w = Workdir::new();
    // First run: the seed pages. Its outputs are the ones that must survive.
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let before = snapshot(&w.path("out"));
    // A run long enough to be killed in any of its stages: records duplicated across two
    // pages, so that blocks, comparisons and clusters are all busy.
    let recs = many_records(8000, "big");
    w.write("big/a.txt", separated_page(&recs));
    w.write("big/b.txt", separated_page(&recs));
    let (complete, full_run) = {
        let w2 = Workdir::new();
        let started = std::time::Instant::now();
        w2.run_ok(&[&w.path("big")], "out", &["-q", "--threads", "1"]);
        (snapshot(&w2.path("out")), started.elapsed())
    };
    assert_ne!(before, complete);
    let spawn = || {
        // In the test's folder, as the complete run above: the overrides file a run finds by
        // default (and records in run.json and the report) is the folder's.
        Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(run_args(&[&w.path("big")], &w.path("out"), &["--threads", "1"]))
            .current_dir(w.path(""))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Checks the outputs after a kill, then puts the old ones back for the next round.
    let check = |finished: bool| {
        let now = snapshot(&w.path("out"));
        if finished {
            assert_eq!(now, complete);
        } else {
            // Each file is whole: the earlier run's or, if the kill came inside the final
            // renames, the new run's; and it parses.
            for ((name, bytes), ((_, old), (_, new))) in now.iter().zip(before.iter().zip(&complete)) {
                assert!(
                    bytes == old || bytes == new,
                    "{name} is neither the old nor the new output"
                );
                read_csv(&w.path("out").join(name));
            }
        }
        for (name, bytes) in &before {
            std::fs::write(w.path("out").join(name), bytes).unwrap();
        }
    };

    // Kills spread over the run (the delays are fractions of a full run's duration, measured
    // above: the test asserts no timing, it only aims).
    let mut killed = 0;
    for f in [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95] {
        let mut child = spawn();
        std::thread::sleep(full_run.mul_f64(f));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        killed += usize::from(!finished);
        check(finished);
    }
    assert!(killed >= 3, "the run was too quick to be killed: {killed} of 7");

    // Kills while the outputs are being written: watch for the first temporary file and kill
    // at once. A run that finishes between two looks is tried again.
    let mut killed_while_writing = 0;
    for _ in 0..10 {
        let temps_before = temp_files(&w.path("out"));
        let mut child = spawn();
        let finished = loop {
            if let Some(_status) = child.try_wait().unwrap() {
                break true;
            }
            if temp_files(&w.path("out")) > temps_before {
                child.kill().unwrap();
                child.wait().unwrap();
                break false;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        check(finished);
        if !finished {
            killed_while_writing += 1;
            if killed_while_writing == 2 {
                break;
            }
        }
    }
    assert!(
        killed_while_writing >= 1,
        "never caught the run while it wrote its outputs"
    );
}

/// The checks of the `page` and `pipeline` fuzz targets, on one input.
fn check_page_like_the_fuzzers(name: &str, data: &[u8]) {
    if data.contains(&0) {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules = Rules::builtin();
    let parsed = concord::source::page::parse(name, text, &rules.compile_pages().unwrap());
    // Lines as the parser counts them: by LF, or by CR in a file that has no LF.
    let separator = if !text.contains('\n') && text.contains('\r') {
        '\r'
    } else {
        '\n'
    };
    let lines = text.split(separator).count();
    let mut last_line = 0;
    for (i, r) in parsed.records.iter().enumerate() {
        assert_eq!(r.provenance.position, i + 1, "{name}");
        assert!(
            (1..=lines).contains(&r.provenance.line) && r.provenance.line >= last_line,
            "{name}"
        );
        last_line = r.provenance.line;
        for field in [Some(r.title()), r.date(), r.description()].into_iter().flatten() {
            assert!(!field.contains('\n'), "{name}: {field:?}");
        }
        assert!(!r.partial || i + 1 == parsed.records.len(), "{name}");
    }
    // Two copies of the page as two pages, through every later stage.
    let records: Vec<_> = (0..2u32)
        .flat_map(|p| {
            parsed.records.iter().map(move |raw| {
                let mut raw = raw.clone();
                raw.provenance.file = format!("copy{p}").into();
                normalize::prepare(raw, p)
            })
        })
        .collect();
    let b = block::block(&records, &rules.blocking);
    let links: Vec<concord::linkage::cluster::Link> = b
        .pairs
        .iter()
        .map(|p| {
            concord::linkage::compare::compare(p, &records[p.a as usize], &records[p.b as usize], &rules.comparison)
        })
        .filter(|s| s.decision == concord::linkage::compare::MatchDecision::Match)
        .map(|s| concord::linkage::cluster::Link {
            a: s.pair.a,
            b: s.pair.b,
            score: s.score,
            must: false,
        })
        .collect();
    let pages: Vec<u32> = records.iter().map(|r| r.page).collect();
    let dates: Vec<_> = records.iter().map(|r| r.date()).collect();
    let label = |p: u32| p.to_string();
    let constraints = concord::linkage::cluster::Constraints {
        page_of: &pages,
        date_of: &dates,
        cannot_link: &Default::default(),
        why_cannot: &|_, _| String::new(),
        apart: &Default::default(),
        page_name: &label,
        record_name: &label,
    };
    let c = concord::linkage::cluster::cluster(&constraints, &links, rules.clustering.ambiguity_margin);
    let canon = concord::linkage::merge::merge(&records, &c.clusters);
    let mut members: Vec<u32> = canon.iter().flat_map(|c| c.members.clone()).collect();
    members.sort_unstable();
    assert_eq!(members, (0..records.len() as u32).collect::<Vec<_>>(), "{name}");
}

#[test]
fn fuzz_regressions_replay() {
    let dir = |t: &str| fixture(&format!("fuzz-regressions/{t}"));
    let files = |t: &str| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir(t)).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let pages = files("page");
    assert!(!pages.is_empty());
    for p in &pages {
        check_page_like_the_fuzzers(&p.display().to_string(), &std::fs::read(p).unwrap());
    }
    for p in files("date") {
        let Ok(text) = String::from_utf8(std::fs::read(&p).unwrap()) else {
            continue;
        };
        let _ = concord::normalize::date::looks_like_cut_date(&text);
        if let Some(d) = concord::normalize::date::parse(&text) {
            assert_eq!(
                concord::normalize::date::parse(&d.to_string()),
                Some(d),
                "{}",
                p.display()
            );
        }
    }
    // And the whole folder through the binary: every page is read (none is an error).
    let w = Workdir::new();
    let o = w.concord(run_args(&[&dir("page")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
