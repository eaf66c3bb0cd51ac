//! What `concord run` says while it works and when it ends: every stage names itself (in a
//! terminal), warnings come counted by kind, `--quiet` says one line about them, and the run
//! ends with the next step.

use crate::workdir::{Workdir, fixture, stderr, stdout};

/// The seed pages, and five pages with no record on them (five warnings of one kind).
fn pages_with_empty_ones(w: &Workdir) -> std::path::PathBuf {
    let dir = w.copy_fixtures("pages", "p");
    let empty = std::fs::read_to_string(fixture("edge/no_records.txt")).unwrap();
    for i in 1..=5 {
        w.write(&format!("p/empty{i}.txt"), &empty);
    }
    dir
}

#[test]
fn every_stage_names_itself_in_a_terminal_and_the_run_ends_with_the_next_step() {
    let w = Workdir::new();
    w.copy_fixtures("pages", "p");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.args(["run", "p", "--out", "out"]).current_dir(w.path(""));
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let shown = p.exp_eof().unwrap();
    let stages = [
        "ingest",
        "normalize",
        "titles tf",
        "block",
        "compare",
        "cluster",
        "merge",
        "identify",
        "write",
        "commit",
    ];
    for stage in stages {
        assert!(
            shown.contains(&format!("{stage} done in ")),
            "{stage} not named:\n{shown}"
        );
    }
    let next = "next: open out/report.html, or browse the run: concord serve out";
    assert!(shown.contains(next), "{shown}");
}

#[test]
fn a_run_with_previous_names_its_reading_of_the_previous_run() {
    let w = Workdir::new();
    let p = w.copy_fixtures("pages", "p");
    w.run_ok(&[&p], "out", &["-q"]);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.args(["run", "p", "--out", "out", "--previous", "out"])
        .current_dir(w.path(""));
    let mut session = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let shown = session.exp_eof().unwrap();
    for stage in ["read previous", "union", "identify"] {
        assert!(
            shown.contains(&format!("{stage} done in ")),
            "{stage} not named:\n{shown}"
        );
    }
}

#[test]
fn quiet_prints_one_line_for_the_warnings_and_no_warning_itself() {
    let w = Workdir::new();
    let p = pages_with_empty_ones(&w);
    let o = w.run_ok(&[&p], "out", &["-q"]);
    let err = stderr(&o);
    assert!(!err.contains("warning:"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let out = w.path("out").join("warnings.csv");
    assert_eq!(
        lines,
        [format!("5 warning(s) in all, every one in {}", out.display())],
        "{err}"
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(w.csv("out/warnings.csv").len(), 5);
}

#[test]
fn warnings_of_one_kind_show_their_first_three_and_a_count_of_the_rest() {
    let w = Workdir::new();
    let p = pages_with_empty_ones(&w);
    let o = w.run_ok(&[&p], "out", &[]);
    let err = stderr(&o);
    let shown: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(
        shown,
        [
            "warning: empty1.txt: no records found on this page",
            "warning: empty2.txt: no records found on this page",
            "warning: empty3.txt: no records found on this page",
            "warning: ... and 2 more of this kind (5 in all)",
        ],
        "{err}"
    );
    assert!(err.contains("5 warning(s) in all, every one in "), "{err}");
    let next = format!("next: open {}/report.html", w.path("out").display());
    assert!(stdout(&o).contains(&next), "{}", stdout(&o));
}

#[test]
fn a_few_warnings_are_shown_whole_without_a_count() {
    let w = Workdir::new();
    let p = w.copy_fixtures("pages", "p");
    w.write("p/empty.txt", std::fs::read(fixture("edge/no_records.txt")).unwrap());
    let o = w.run_ok(&[&p], "out", &[]);
    let err = stderr(&o);
    assert!(
        err.contains("warning: empty.txt: no records found on this page"),
        "{err}"
    );
    assert!(!err.contains("more of this kind") && !err.contains("in all"), "{err}");
}
