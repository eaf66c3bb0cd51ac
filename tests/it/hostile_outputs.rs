//! Outputs whole or untouched (issue 10, points 8-11): one run at a time per output folder,
//! temporary files no one else can share or redirect, a commit that is all or nothing, a
//! mistyped input that writes nothing, and an overrides file a full disk cannot damage.

use std::path::Path;
use std::process::Command;

use concord::output::Batch;
use concord::rules::OutputRules;

use crate::workdir::{Workdir, fixture, run_args, stderr};

/// The output files of a page run, in name order.
const OUTPUTS: [&str; 14] = [
    "blocks.csv",
    "completeness.csv",
    "canonical.csv",
    "changes.csv",
    "decisions.csv",
    "ids.csv",
    "links.csv",
    "provenance.csv",
    "record_fields.csv",
    "report.html",
    "review.csv",
    "run.json",
    "summary.csv",
    "warnings.csv",
];

/// The bytes of every output file in `dir` (None: missing).
fn snapshot(dir: &Path) -> Vec<(&'static str, Option<Vec<u8>>)> {
    OUTPUTS.iter().map(|n| (*n, std::fs::read(dir.join(n)).ok())).collect()
}

/// The outputs of `dir` that are no longer as in `before`.
fn changed(dir: &Path, before: &[(&'static str, Option<Vec<u8>>)]) -> Vec<&'static str> {
    let now = snapshot(dir);
    before
        .iter()
        .zip(&now)
        .filter(|(b, n)| b != n)
        .map(|(b, _)| b.0)
        .collect()
}

/// Names in `dir` that are not outputs of a run (temporaries, backups), the lock file aside.
fn strays(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !OUTPUTS.contains(&n.as_str()) && n != ".concord.lock")
        .collect();
    v.sort();
    v
}

/// A first, good run of the seed pages into `out`; returns its outputs.
fn first_run(w: &Workdir) -> Vec<(&'static str, Option<Vec<u8>>)> {
    w.run_ok(&[&fixture("pages")], "out", &["-q"]);
    let before = snapshot(&w.path("out"));
    assert!(before.iter().all(|(_, b)| b.is_some()));
    before
}

/// Two seed pages only: a run whose outputs differ from the first run's.
fn other_inputs(w: &Workdir) -> std::path::PathBuf {
    let dir = w.path("other");
    std::fs::create_dir_all(&dir).unwrap();
    let mut pages: Vec<_> = std::fs::read_dir(fixture("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    for p in &pages[..2] {
        std::fs::copy(p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// `concord ARGS` in `w` under a file-size limit of `blocks` 512-byte blocks, with SIGXFSZ
/// ignored: a write past the limit fails with EFBIG as one on a full disk fails with ENOSPC.
fn limited(w: &Workdir, blocks: u32, args: &[std::ffi::OsString]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .current_dir(w.path(""));
    c
}

// ---- point 8: one run at a time; temporary files no one shares ----

#[test]
fn a_run_into_a_folder_another_run_is_writing_fails_with_exit_2_and_writes_nothing() {
    let w = Workdir::new();
    let before = first_run(&w);
    // The test holds the lock as a running `concord run` would.
    let lock = std::fs::File::create(w.path("out/.concord.lock")).unwrap();
    lock.lock().unwrap();
    let o = w.concord(run_args(&[&other_inputs(&w)], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("another concord run is writing to") && err.contains(".concord.lock"),
        "{err}"
    );
    assert_eq!(changed(&w.path("out"), &before), Vec::<&str>::new());
    assert_eq!(strays(&w.path("out")), Vec::<String>::new());
    // Once the other run is done, the folder is free again.
    drop(lock);
    w.run_ok(&[&other_inputs(&w)], "out", &["-q"]);
    assert_ne!(snapshot(&w.path("out")), before);
}

#[test]
fn two_batches_of_one_process_id_never_share_a_temporary_file() {
    // Two runs in two containers can have one process id; two batches of one process are the
    // same case: temporary names must not be derived from the process id.
    let w = Workdir::new();
    let dir = w.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let rules = OutputRules::default();
    let (a, b) = (Batch::new(&dir, &rules), Batch::new(&dir, &rules));
    a.stage("x.csv", |f| f.write_all(b"from a\n")).unwrap();
    b.stage("x.csv", |f| f.write_all(b"from b\n")).unwrap();
    a.commit().unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("x.csv")).unwrap(), "from a\n");
    b.commit().unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("x.csv")).unwrap(), "from b\n");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn a_symlink_planted_at_a_temporary_name_is_never_followed() {
    let w = Workdir::new();
    let dir = w.path("out");
    let victim = w.write("victim.txt", "precious\n");
    std::fs::create_dir_all(&dir).unwrap();
    // The names today's code would use, for this process.
    for name in [
        format!(".x.csv.tmp-{}", std::process::id()),
        format!(".x.csv.tmp-{}.neutral", std::process::id()),
    ] {
        std::os::unix::fs::symlink(&victim, dir.join(name)).unwrap();
    }
    let rules = OutputRules {
        neutralise_formulas: true,
        ..Default::default()
    };
    let batch = Batch::new(&dir, &rules);
    batch.stage("x.csv", |f| f.write_all(b"=1+1\n")).unwrap();
    batch.commit().unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(dir.join("x.csv")).unwrap(), "'=1+1\n");
}

// ---- point 9: commit all or nothing ----

#[test]
fn a_commit_that_fails_halfway_leaves_the_previous_outputs_intact() {
    let w = Workdir::new();
    let mut before = first_run(&w);
    // An output name taken by a folder (not empty: no rename can replace it), late in name
    // order so that other outputs would already be in place when its rename fails.
    std::fs::remove_file(w.path("out/summary.csv")).unwrap();
    w.write("out/summary.csv/keep.txt", "mine");
    before.iter_mut().find(|(n, _)| *n == "summary.csv").unwrap().1 = None;
    let o = w.concord(run_args(&[&other_inputs(&w)], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("summary.csv"), "{}", stderr(&o));
    assert_eq!(changed(&w.path("out"), &before), Vec::<&str>::new());
    assert_eq!(
        std::fs::read_to_string(w.path("out/summary.csv/keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(strays(&w.path("out")), Vec::<String>::new());
}

#[test]
fn a_rename_failing_after_others_succeeded_puts_the_previous_files_back() {
    let w = Workdir::new();
    let dir = w.path("out");
    for n in ["a.csv", "b.csv", "c.csv"] {
        w.write(&format!("out/{n}"), format!("old {n}\n"));
    }
    let batch = Batch::new(&dir, &OutputRules::default());
    for n in ["a.csv", "b.csv", "c.csv", "new.csv"] {
        batch
            .stage(n, |f| f.write_all(format!("new {n}\n").as_bytes()))
            .unwrap();
    }
    // b.csv's temporary file vanishes (someone cleaned the folder): its rename fails after
    // a.csv's has been done.
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with(".b.csv.tmp-") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let err = batch.commit().unwrap_err().to_string();
    assert!(err.contains("b.csv"), "{err}");
    for n in ["a.csv", "b.csv", "c.csv"] {
        assert_eq!(std::fs::read_to_string(dir.join(n)).unwrap(), format!("old {n}\n"));
    }
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["a.csv", "b.csv", "c.csv"]);
}

#[test]
fn a_failed_safe_csv_pass_leaves_no_temporary_file() {
    let w = Workdir::new();
    let dir = w.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let rules = OutputRules {
        neutralise_formulas: true,
        ..Default::default()
    };
    let batch = Batch::new(&dir, &rules);
    // Not UTF-8: the neutralising pass cannot read it back and fails.
    assert!(batch.stage("x.csv", |f| f.write_all(b"a,\xff\n")).is_err());
    drop(batch);
    assert_eq!(strays(&dir), Vec::<String>::new());
}

#[test]
fn a_full_disk_while_writing_leaves_the_previous_outputs_intact() {
    let w = Workdir::new();
    let before = first_run(&w);
    // 8 KiB per file: the small outputs fit, decisions.csv and report.html do not.
    let o = limited(&w, 16, &run_args(&[&fixture("pages")], &w.path("out"), &[]))
        .arg("--safe-csv")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("File too large"), "{}", stderr(&o));
    assert_eq!(changed(&w.path("out"), &before), Vec::<&str>::new());
    assert_eq!(strays(&w.path("out")), Vec::<String>::new());
}

// ---- point 10: a mistyped or missing input writes nothing ----

#[test]
fn a_missing_input_writes_nothing_and_exits_2() {
    let w = Workdir::new();
    let before = first_run(&w);
    for inputs in [vec![w.path("pagess")], vec![fixture("pages"), w.path("pagess")]] {
        let inputs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
        let o = w.concord(run_args(&inputs, &w.path("out"), &[]));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("pagess") && err.contains("nothing was written"), "{err}");
        assert_eq!(changed(&w.path("out"), &before), Vec::<&str>::new());
    }
    // A missing input does not even create the output folder.
    let o = w.concord(run_args(&[&w.path("pagess")], &w.path("new-out"), &[]));
    assert_eq!(o.status.code(), Some(2));
    assert!(!w.path("new-out").exists());
}

#[test]
fn a_run_that_reads_no_record_writes_nothing_and_exits_2() {
    let w = Workdir::new();
    let before = first_run(&w);
    std::fs::create_dir_all(w.path("empty")).unwrap();
    w.write("bad/broken.txt", b"SEARCH RESULTS\nLetter \xff to Molotov\n");
    for input in ["empty", "bad"] {
        let o = w.concord(run_args(&[&w.path(input)], &w.path("out"), &[]));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("no record was read") && err.contains("nothing was written"),
            "{err}"
        );
        // The reason each input gave nothing is still said.
        assert!(err.contains(input), "{err}");
        assert_eq!(changed(&w.path("out"), &before), Vec::<&str>::new());
    }
    // One bad file among good ones: outputs written, exit 1, as before.
    w.copy_fixtures("pages", "bad");
    let o = w.concord(run_args(&[&w.path("bad")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("broken.txt"), "{}", stderr(&o));
    assert_eq!(w.csv("out/provenance.csv").len(), 67);
}

// ---- point 11: overrides a full disk cannot damage ----

/// Fingerprints of two records of the seed pages, from a first run's provenance.
fn fingerprints(w: &Workdir, ids: [&str; 2]) -> [String; 2] {
    let prov = w.csv("out/provenance.csv");
    ids.map(|id| {
        prov.iter()
            .find(|r| r["record_id"] == id)
            .unwrap_or_else(|| panic!("no record {id}"))["fingerprint"]
            .clone()
    })
}

const MOLOTOV_A: &str = "000_254b8f254631d6fa.txt#1";
const MOLOTOV_B: &str = "003_2fa1fff422d2efeb.txt#9";
const WANG_ZHEN: &str = "000_254b8f254631d6fa.txt#2";
const STALIN_ZHOU: &str = "004_4916f40db4ed2831.txt#3";

#[test]
fn a_damaged_last_override_is_reported_with_its_line_and_the_rest_apply() {
    let w = Workdir::new();
    first_run(&w);
    let [a, b] = fingerprints(&w, [MOLOTOV_A, MOLOTOV_B]);
    let [c, d] = fingerprints(&w, [WANG_ZHEN, STALIN_ZHOU]);
    let whole = format!("# mine\n\n[[override]]\na = \"{a}\"\nb = \"{b}\"\ndecision = \"different\"\n");
    // A write cut short: the last entry stops inside its `b`.
    let cut = format!("\n[[override]]\na = \"{c}\"\nb = \"{}", &d[..7]);
    w.write("ov.toml", format!("{whole}{cut}"));
    let pages = fixture("pages");
    let args = |out: &str| -> Vec<std::ffi::OsString> {
        let mut a = run_args(&[&pages], &w.path(out), &[]);
        a.extend(["--overrides".into(), "ov.toml".into()]);
        a
    };
    let o = w.concord(args("again"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = w.warnings("again");
    assert!(
        err.lines()
            .any(|l| l.starts_with("warning: ov.toml:8: ") && l.contains("damaged")),
        "{err}"
    );
    let decisions = w.csv("again/decisions.csv");
    let row = decisions
        .iter()
        .find(|r| [&r["record_a"], &r["record_b"]] == [MOLOTOV_A, MOLOTOV_B])
        .expect("the Molotov pair");
    assert_eq!(row["override"], "different");
    let warnings = w.csv("again/warnings.csv");
    assert!(
        warnings.iter().any(|r| r["file"] == "ov.toml" && r["line"] == "8"),
        "{warnings:?}"
    );

    // Damage anywhere but the last entry is still an error naming the file and line.
    w.write("ov.toml", format!("{cut}\n{whole}"));
    let o = w.concord(args("again"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ov.toml") && stderr(&o).contains("line 4"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn review_on_a_full_disk_rolls_its_answer_back() {
    let w = Workdir::new();
    crate::audit::review_pages(&w);
    w.run_ok(&[&w.path("rev")], "out", &["-q"]);
    // An overrides file just under the limit (2 blocks, 1024 bytes): the answer cannot fit.
    let mut text = String::from("# answers so far\n");
    while text.len() < 950 {
        text.push_str("# padding padding padding padding padding\n");
    }
    w.write("rules/overrides.toml", &text);
    let args = ["review".into(), "out".into()];
    let mut cmd = limited(&w, 2, &args);
    cmd.env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    p.exp_string("[s/d/k/u/q]> ").unwrap();
    p.send_line("d").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("File too large"), "{rest}");
    assert_eq!(std::fs::read_to_string(w.path("rules/overrides.toml")).unwrap(), text);
    // The next run reads the file as it was.
    w.run_ok(&[&w.path("rev")], "again", &["-q"]);
}

#[test]
fn review_will_not_append_after_a_damaged_last_entry() {
    let w = Workdir::new();
    crate::audit::review_pages(&w);
    w.run_ok(&[&w.path("rev")], "out", &["-q"]);
    let text = "# mine\n\n[[override]]\na = \"0123";
    w.write("rules/overrides.toml", text);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.args(["review", "out"]).current_dir(w.path("")).env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    let said = p.exp_eof().unwrap();
    assert!(
        said.contains("rules/overrides.toml:3: the last override is damaged")
            && said.contains("fix it before reviewing"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(w.path("rules/overrides.toml")).unwrap(), text);
}

#[test]
fn an_overrides_file_cut_anywhere_in_its_last_entry_keeps_the_entries_before() {
    use concord::audit::overrides::Overrides;
    let whole = "# mine\n\n[[override]]\na = \"0123456789abcdef\"\nb = \"0123456789abcdee\"\ndecision = \"same\"\n";
    let last = "\n[[override]]\na = \"0123456789abcde0\"\nb = \"0123456789abcde1\"\ndecision = \"different\"\nnote = \"two drafts\"\n";
    // Every cut of the last entry, from just after its header's newline to its last byte: a
    // write stopped at any byte. (A cut that leaves a readable entry is no damage.)
    for cut in 1..last.len() {
        let text = format!("{whole}{}", &last[..cut]);
        let o = Overrides::parse("ov.toml", &text).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        match &o.damaged_tail {
            Some(w) => {
                assert_eq!(o.entries.len(), 1, "cut at {cut}");
                assert_eq!(
                    (w.file.as_deref(), w.line),
                    (Some("ov.toml"), Some(8)),
                    "cut at {cut}: {w}"
                );
            }
            // Only the blank line before the header: nothing of the entry written yet.
            None if cut == 1 => assert_eq!(o.entries.len(), 1),
            None => assert_eq!(o.entries.len(), 2, "cut at {cut}"),
        }
    }
    // A bad fingerprint is the reviewer's mistake, not a cut: an error, even in the last entry.
    let text = format!("{whole}{}", last.replace("0123456789abcde1", "0123"));
    let e = Overrides::parse("ov.toml", &text).unwrap_err().to_string();
    assert!(e.contains("ov.toml") && e.contains("line 9"), "{e}");
}
