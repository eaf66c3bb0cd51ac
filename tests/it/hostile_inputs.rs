//! Inputs the walker and the reader must not trust (issue "Nothing lost, for real", points 4,
//! 5, 7, 12 and 13): names that clash with a failing input, file names that are not UTF-8,
//! UTF-16 and UTF-32 pages, symlinked folders and loops, FIFOs, devices and oversized files.
//! Each case runs the real binary and checks that only the input at fault is lost, with a
//! message naming it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::workdir::{Workdir, fixture, run_args, stderr};

/// The seed page of 10 records, and one of 7.
const TEN: &str = "pages/000_254b8f254631d6fa.txt";
const SEVEN: &str = "pages/004_4916f40db4ed2831.txt";

fn page(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap()
}

fn files_of(w: &Workdir, out: &str) -> BTreeSet<String> {
    w.csv(&format!("{out}/provenance.csv"))
        .into_iter()
        .map(|r| r["file"].clone())
        .collect()
}

/// Runs `concord ARGS` in `w`, killing it (and failing the test) if it has not finished after
/// a minute: a guard so that a run that hangs (on a FIFO, say) fails instead of stalling the
/// suite. No timing is asserted.
fn concord_bounded(w: &Workdir, args: &[std::ffi::OsString]) -> Output {
    let mut child = w.spawn(args);
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!("concord hung; stderr: {}", stderr(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn error_lines(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(str::to_string)
        .collect()
}

/// The warnings of the run written to `out` (`--quiet` only counts them on stderr).
fn warning_lines(w: &Workdir, out: &str) -> Vec<String> {
    w.warnings(out).lines().map(str::to_string).collect()
}

// Point 4 -------------------------------------------------------------------------------

#[test]
fn an_empty_folder_named_like_a_page_loses_only_itself() {
    let w = Workdir::new();
    // A page called `empty` in `pages/`, and an empty folder argument also called `empty`:
    // the folder's error must not take the page with it.
    w.write("pages/empty", page(TEN));
    w.write("pages/other.txt", page(SEVEN));
    std::fs::create_dir_all(w.path("empty")).unwrap();
    let o = w.concord(["run", "empty", "pages", "--out", "out", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("empty: no pages found"), "{errors:?}");
    assert_eq!(w.csv("out/provenance.csv").len(), 17);
    assert_eq!(
        files_of(&w, "out"),
        BTreeSet::from(["empty".into(), "other.txt".into()])
    );
}

#[test]
fn two_files_sharing_a_name_are_reported_and_only_they_are_dropped() {
    let w = Workdir::new();
    let a = w.write("a/p.txt", page(TEN));
    let b = w.write("b/p.txt", page(SEVEN));
    w.write("c/p2.txt", page(SEVEN));
    let o = w.concord(run_args(&[&a, &b, &w.path("c")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.contains("p.txt: two inputs share this name")),
        "{errors:?}"
    );
    assert_eq!(files_of(&w, "out"), BTreeSet::from(["p2.txt".into()]));
}

// Point 5 -------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_stay_apart_with_escaped_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    let name = |b: &[u8]| w.path("in").join(std::ffi::OsStr::from_bytes(b));
    std::fs::write(name(b"caf\xe9.txt"), page(TEN)).unwrap();
    std::fs::write(name(b"caf\xe8.txt"), page(SEVEN)).unwrap();
    for out in ["out", "out2"] {
        let o = w.concord(run_args(&[&w.path("in")], &w.path(out), &[]));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        // Each such name is said, with the name it goes by.
        let warnings = warning_lines(&w, out);
        for n in [r"caf\xe8.txt", r"caf\xe9.txt"] {
            assert!(
                warnings.iter().any(|l| l.contains(n) && l.contains("not UTF-8")),
                "{warnings:?}"
            );
        }
    }
    assert_eq!(w.csv("out/provenance.csv").len(), 17);
    assert_eq!(
        files_of(&w, "out"),
        BTreeSet::from([r"caf\xe8.txt".into(), r"caf\xe9.txt".into()])
    );
    // The ids are stable: a second run gives the same provenance.
    assert_eq!(
        std::fs::read(w.path("out/provenance.csv")).unwrap(),
        std::fs::read(w.path("out2/provenance.csv")).unwrap()
    );
}

// Point 7 -------------------------------------------------------------------------------

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once(0xfeff)
        .chain(text.encode_utf16())
        .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() })
        .collect()
}

fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once('\u{feff}')
        .chain(text.chars())
        .flat_map(|c| {
            let c = c as u32;
            if big_endian { c.to_be_bytes() } else { c.to_le_bytes() }
        })
        .collect()
}

#[test]
fn utf16_and_utf32_pages_with_a_byte_order_mark_read_like_the_utf8_page() {
    let w = Workdir::new();
    // A character outside the BMP (a surrogate pair in UTF-16) and accents, to be sure the
    // decoding is exact.
    let text = page(TEN).replacen("Telegram", "Telegram 𝔄 café", 1);
    w.write("utf8/p.txt", &text);
    w.write("utf16le/p.txt", utf16(&text, false));
    w.write("utf16be/p.txt", utf16(&text, true));
    w.write("utf32le/p.txt", utf32(&text, false));
    w.write("utf32be/p.txt", utf32(&text, true));
    w.run_ok(&[&w.path("utf8")], "out-utf8", &["-q"]);
    let want = std::fs::read(w.path("out-utf8/provenance.csv")).unwrap();
    assert_eq!(w.csv("out-utf8/provenance.csv").len(), 10);
    assert!(String::from_utf8_lossy(&want).contains("Telegram 𝔄 café"));
    for d in ["utf16le", "utf16be", "utf32le", "utf32be"] {
        w.run_ok(&[&w.path(d)], &format!("out-{d}"), &["-q"]);
        let got = std::fs::read(w.path(&format!("out-{d}/provenance.csv"))).unwrap();
        assert!(got == want, "{d} reads differently from the UTF-8 page");
    }
}

#[test]
fn broken_or_unmarked_utf16_is_a_clear_error_and_the_rest_is_read() {
    let w = Workdir::new();
    w.write("in/good.txt", page(SEVEN));
    // An unpaired surrogate on line 3 of a UTF-16LE file.
    let mut bad = utf16("one\ntwo\nthree", false);
    bad.extend(0xd800u16.to_le_bytes());
    w.write("in/bad16.txt", &bad);
    // UTF-16 without a byte-order mark cannot be told from binary data: today's error stays.
    w.write("in/nobom.txt", &utf16("SEARCH RESULTS\n", false)[2..]);
    let o = w.concord(run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad16.txt: line 3: not valid UTF-16LE")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("nobom.txt: line 1: binary data")),
        "{errors:?}"
    );
    assert_eq!(files_of(&w, "out"), BTreeSet::from(["good.txt".into()]));
}

// Point 12 ------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_folder_is_read_once_under_its_first_name_and_said() {
    use std::os::unix::fs::symlink;
    let w = Workdir::new();
    w.write("in/2024/p.txt", page(TEN));
    w.write("in/2023/q.txt", page(SEVEN));
    symlink("2024", w.path("in/latest")).unwrap();
    // A symlinked file, and a hard link: each the same file as one already read.
    symlink("2023/q.txt", w.path("in/current.txt")).unwrap();
    std::fs::hard_link(w.path("in/2024/p.txt"), w.path("in/zz-copy.txt")).unwrap();
    let o = w.concord(run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(w.csv("out/provenance.csv").len(), 17);
    // The name that sorts first is kept.
    assert_eq!(
        files_of(&w, "out"),
        BTreeSet::from(["2023/q.txt".into(), "2024/p.txt".into()])
    );
    let warnings = warning_lines(&w, "out");
    for (name, says) in [
        ("latest", "symlink"),
        ("latest", "2024"),
        ("current.txt", "2023/q.txt"),
        ("zz-copy.txt", "2024/p.txt"),
    ] {
        assert!(
            warnings.iter().any(|l| l.contains(name) && l.contains(says)),
            "no warning on {name} saying {says}: {warnings:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_and_each_page_read_once() {
    use std::os::unix::fs::symlink;
    let w = Workdir::new();
    w.write("in/p.txt", page(TEN));
    w.write("in/sub/q.txt", page(SEVEN));
    symlink("..", w.path("in/sub/up")).unwrap();
    symlink("../..", w.path("in/sub/top")).unwrap();
    // A link to nowhere: skipped, and said.
    symlink("missing.txt", w.path("in/dangling.txt")).unwrap();
    let o = concord_bounded(&w, &run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(w.csv("out/provenance.csv").len(), 17);
    assert_eq!(
        files_of(&w, "out"),
        BTreeSet::from(["p.txt".into(), "sub/q.txt".into()])
    );
    let warnings = warning_lines(&w, "out");
    assert!(
        warnings.iter().any(|l| l.contains("sub/up") && l.contains("loop")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("dangling.txt") && l.contains("symlink") && l.contains("skipped")),
        "{warnings:?}"
    );
}

#[cfg(unix)]
#[test]
fn folders_linked_many_ways_are_walked_once_each() {
    use std::os::unix::fs::symlink;
    // d0 holds two links to d1, d1 two to d2, ...: 2^depth paths reach the last folder.
    // Walking every path would take exponential time; each folder must be walked once.
    let w = Workdir::new();
    let depth = 24;
    for i in 0..depth {
        std::fs::create_dir_all(w.path(&format!("in/d{i}"))).unwrap();
        for l in ["a", "b"] {
            symlink(format!("../d{}", i + 1), w.path(&format!("in/d{i}/{l}"))).unwrap();
        }
    }
    w.write(&format!("in/d{depth}/p.txt"), page(TEN));
    let o = concord_bounded(&w, &run_args(&[&w.path("in")], &w.path("out"), &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(w.csv("out/provenance.csv").len(), 10);
    assert_eq!(files_of(&w, "out"), BTreeSet::from([format!("d{depth}/p.txt")]));
}

// Point 13 ------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_an_error_naming_it_and_the_rest_is_read() {
    let w = Workdir::new();
    w.write("in/good.txt", page(TEN));
    let made = Command::new("mkfifo").arg(w.path("in/pipe.txt")).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo is not available; skipping");
        return;
    }
    // Inside a folder, and a device named on the command line.
    let o = concord_bounded(
        &w,
        &run_args(&[&w.path("in"), Path::new("/dev/zero")], &w.path("out"), &[]),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    for name in ["pipe.txt", "/dev/zero"] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(name) && e.contains("not a regular file")),
            "{errors:?}"
        );
    }
    assert_eq!(files_of(&w, "out"), BTreeSet::from(["good.txt".into()]));
}

#[test]
fn a_file_above_max_file_bytes_is_an_error_naming_it_and_the_limit() {
    let w = Workdir::new();
    let small = page(SEVEN);
    let big = page(TEN);
    assert!(small.len() < 2300 && big.len() > 2300);
    w.write("in/small.txt", &small);
    w.write("in/big.txt", &big);
    let rules = w.write("rules.toml", "[input]\nmax_file_bytes = 2300\n");
    let o = w.concord(run_args(
        &[&w.path("in")],
        &w.path("out"),
        &["--rules", rules.to_str().unwrap()],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("big.txt") && e.contains("max_file_bytes") && e.contains("2300")),
        "{errors:?}"
    );
    assert_eq!(files_of(&w, "out"), BTreeSet::from(["small.txt".into()]));

    // A limit of nothing is refused with the key and the file.
    let bad = w.write("bad.toml", "[input]\nmax_file_bytes = 0\n");
    let o = w.concord(run_args(
        &[&w.path("in")],
        &w.path("out2"),
        &["--rules", bad.to_str().unwrap()],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad.toml") && stderr(&o).contains("max_file_bytes"),
        "{}",
        stderr(&o)
    );
}

/// A file whose size the system gives as 0 but that reads longer, as a file still being
/// written does: the limit holds while reading, not only by the size asked beforehand.
#[cfg(target_os = "linux")]
#[test]
fn the_size_limit_holds_while_reading_a_file_that_grows() {
    let w = Workdir::new();
    let small = "SEARCH RESULTS\nMay 1, 1950\nTelegram on the talks\nA short description.\n";
    w.write("in/good.txt", small);
    // /proc/self/status (of the concord process reading it) is a regular file of size 0 that
    // reads about a kilobyte.
    assert_eq!(std::fs::metadata("/proc/self/status").unwrap().len(), 0);
    assert!(std::fs::read("/proc/self/status").unwrap().len() > 500);
    std::os::unix::fs::symlink("/proc/self/status", w.path("in/growing.txt")).unwrap();
    let rules = w.write("rules.toml", "[input]\nmax_file_bytes = 500\n");
    let o = w.concord(run_args(
        &[&w.path("in")],
        &w.path("out"),
        &["--rules", rules.to_str().unwrap()],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("growing.txt") && e.contains("max_file_bytes") && e.contains("500")),
        "{errors:?}"
    );
    assert_eq!(files_of(&w, "out"), BTreeSet::from(["good.txt".into()]));
}
