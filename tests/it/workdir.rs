//! A temporary folder per test, the `concord` binary, and readers for its CSV outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `fixtures/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path below `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// A temporary folder that holds a test's inputs and outputs.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Copies every file of a fixture folder into `rel`.
    pub fn copy_fixtures(&self, from: &str, rel: &str) -> PathBuf {
        let dest = self.path(rel);
        std::fs::create_dir_all(&dest).unwrap();
        for e in std::fs::read_dir(fixture(from)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dest.join(e.file_name())).unwrap();
        }
        dest
    }

    /// Runs `concord ARGS` in this folder.
    pub fn concord<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run concord")
    }

    /// Starts `concord ARGS` in this folder with stdout and stderr piped, stdin closed.
    pub fn spawn(&self, args: &[impl AsRef<std::ffi::OsStr>]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run concord")
    }

    /// Runs `concord run INPUTS --out OUT -q` and insists that it succeeded.
    pub fn run_ok(&self, inputs: &[&Path], out: &str, extra: &[&str]) -> Output {
        let mut args: Vec<std::ffi::OsString> = vec!["run".into()];
        args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
        args.extend(["--out".into(), self.path(out).into_os_string()]);
        args.extend(extra.iter().map(|s| s.into()));
        let o = self.concord(&args);
        assert!(
            o.status.success(),
            "concord failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    /// Every warning of the run written to `out`, one `warning: FILE:LINE: message` line each,
    /// as `run` words them on stderr (where `--quiet` only counts them), from `warnings.csv`.
    pub fn warnings(&self, out: &str) -> String {
        self.csv(&format!("{out}/warnings.csv"))
            .iter()
            .map(|w| {
                let place = match (w["file"].as_str(), w["line"].as_str()) {
                    ("", _) => String::new(),
                    (file, "") => format!("{file}: "),
                    (file, line) => format!("{file}:{line}: "),
                };
                format!("warning: {place}{}\n", w["message"])
            })
            .collect()
    }

    /// Rows of an output CSV as header -> value maps.
    pub fn csv(&self, rel: &str) -> Vec<BTreeMap<String, String>> {
        read_csv(&self.path(rel))
    }
}

pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The arguments of `concord run INPUTS --out OUT -q EXTRA...`.
pub fn run_args(inputs: &[&Path], out: &Path, extra: &[&str]) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = vec!["run".into()];
    a.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    a.extend(["--out".into(), out.as_os_str().to_owned(), "-q".into()]);
    a.extend(extra.iter().map(|s| s.into()));
    a
}

/// The rows of the CSV table at `path` (named `name` in outputs), read by the rules' `[table]`
/// mapping into an engine input, as `concord run` reads them.
pub fn table_input(name: &str, path: &Path, rules: &concord::Rules) -> concord::Input {
    use concord::source::{self, InputFile, table::Format};
    let file = InputFile {
        name: name.into(),
        path: path.to_path_buf(),
    };
    let compiled = rules.compile_pages().unwrap();
    let outcome = source::read_as(
        &file,
        Format::Csv,
        &compiled,
        rules.table.as_ref(),
        rules.input.max_file_bytes,
    );
    let mut input = concord::Input {
        table: true,
        ..concord::Input::default()
    };
    assert!(input.add(outcome).is_none());
    input
}

/// The result pages under `dir`, read into an engine input as `concord run` reads them (every
/// file must read).
pub fn page_input(dir: &Path, rules: &concord::Rules) -> concord::Input {
    use concord::source;
    let compiled = rules.compile_pages().unwrap();
    let (files, errors, _) = source::discover(&[dir.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut input = concord::Input::default();
    for f in &files {
        let outcome = source::read(f, &compiled, rules.input.max_file_bytes);
        assert!(input.add(outcome).is_none());
    }
    input
}
