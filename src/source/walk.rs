//! Finding the input files. Folders are walked with `walkdir`; what the walker must not trust
//! is handled here:
//!
//! - Symlinks are followed, and each is said (a warning). A folder is walked once however many
//!   paths lead to it, and a file read once (by device and inode): a file or folder reached by
//!   several paths keeps its path without symlinks when it has one, else the first path in
//!   name order. So `latest -> 2024` neither doubles the pages of 2024 nor renames them when
//!   the link moves on. A link to a folder it is in (a loop) is reported and not followed; a
//!   link to nothing is reported and skipped.
//! - Only regular files are read: a FIFO, socket or device is an error naming it.
//! - A name that is not UTF-8 keeps its bytes apart (`\xNN`), so two such names never merge.
//! - Two different files that still share a name are both refused, each with an error; no
//!   other file is touched by that error.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use super::InputFile;
use crate::error::{Error, Warning};

/// What tells two paths to one file from two files: (device, inode) where there are inodes;
/// elsewhere the canonical path.
#[cfg(unix)]
type FileKey = (u64, u64);
#[cfg(not(unix))]
type FileKey = PathBuf;

#[cfg(unix)]
fn file_key(_path: &Path, meta: &Metadata) -> FileKey {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_key(path: &Path, _meta: &Metadata) -> FileKey {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// A file found, before duplicates and clashes are settled.
struct Candidate {
    file: InputFile,
    key: FileKey,
    /// Found through a symlink (the file is one, or a folder above it is).
    via_link: bool,
}

/// A folder still to walk: an input folder, or a symlink to a folder met inside one.
struct Pending {
    /// Path relative to the input root (empty for the root).
    name: String,
    path: PathBuf,
    /// Reached through a symlink (it is one, or lies below one).
    link: bool,
}

#[derive(Default)]
struct Walker {
    found: Vec<Candidate>,
    errors: Vec<Error>,
    warnings: Vec<Warning>,
}

/// Expands files and folders into input files, sorted by name so that the order the inputs
/// were given in cannot change any output, with the errors and warnings met on the way.
pub fn discover(inputs: &[PathBuf]) -> (Vec<InputFile>, Vec<Error>, Vec<Warning>) {
    let mut w = Walker::default();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => w.input_folder(input),
            Ok(m) => {
                let raw = input.file_name().unwrap_or_default();
                let name = component_name(raw);
                if let Some(kind) = not_regular(&m) {
                    w.errors.push(not_regular_error(&input.display().to_string(), kind));
                    continue;
                }
                if raw.to_str().is_none() {
                    w.warnings.push(not_utf8_warning(&name));
                }
                w.push(name, input.clone(), &m, false);
            }
            Err(e) => w.errors.push(Error::Io {
                path: input.clone(),
                source: e,
            }),
        }
    }
    w.finish()
}

impl Walker {
    fn push(&mut self, name: String, path: PathBuf, meta: &Metadata, via_link: bool) {
        self.found.push(Candidate {
            key: file_key(&path, meta),
            file: InputFile { name, path },
            via_link,
        });
    }

    /// Walks one input folder: its own tree first, then the folders its symlinks lead to
    /// (breadth first), each folder once.
    fn input_folder(&mut self, root: &Path) {
        let before = (self.found.len(), self.errors.len());
        let mut walked: HashMap<FileKey, String> = HashMap::new();
        let mut queue = VecDeque::from([Pending {
            name: String::new(),
            path: root.to_path_buf(),
            link: false,
        }]);
        while let Some(next) = queue.pop_front() {
            if self.enter(&next, root, &mut walked) {
                self.tree(root, &next, &mut walked, &mut queue);
            }
        }
        // An empty folder is almost always a wrong path: say so rather than succeed quietly
        // with nothing.
        if (self.found.len(), self.errors.len()) == before {
            self.errors.push(Error::Input {
                file: root.display().to_string(),
                message: "no pages found in this folder (hidden files are skipped)".to_string(),
            });
        }
    }

    /// Whether to walk `dir`: not when it is a folder already walked, or (for a symlink) a
    /// folder the link itself is in.
    fn enter(&mut self, dir: &Pending, root: &Path, walked: &mut HashMap<FileKey, String>) -> bool {
        let meta = match std::fs::metadata(&dir.path) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(Error::Io {
                    path: dir.path.clone(),
                    source: e,
                });
                return false;
            }
        };
        if dir.link && is_loop(&dir.path) {
            self.warnings.push(Warning::at(
                &dir.name,
                None,
                format!(
                    "symlink loop: it leads to {}, a folder it is in; not followed",
                    target_of(&dir.path)
                ),
            ));
            return false;
        }
        let key = file_key(&dir.path, &meta);
        if let Some(first) = walked.get(&key) {
            let what = if dir.link {
                format!("symlink to a folder ({})", target_of(&dir.path))
            } else {
                "folder".to_string()
            };
            self.warnings.push(Warning::at(
                &dir.name,
                None,
                format!(
                    "{what} already read as {}; not read again (each file is read once)",
                    shown(root, first)
                ),
            ));
            return false;
        }
        walked.insert(key, dir.name.clone());
        if dir.link {
            self.warnings.push(Warning::at(
                &dir.name,
                None,
                format!("symlink followed, to the folder {}", target_of(&dir.path)),
            ));
        }
        true
    }

    /// Walks the tree at `dir` without following symlinks: files are taken (a symlink to a
    /// file is followed at once), folders reached by a symlink are queued.
    fn tree(
        &mut self,
        root: &Path,
        dir: &Pending,
        walked: &mut HashMap<FileKey, String>,
        queue: &mut VecDeque<Pending>,
    ) {
        let mut it = walkdir::WalkDir::new(&dir.path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) if e.depth() == 0 => continue,
                Ok(e) => e,
                Err(e) => {
                    self.io_error(e);
                    continue;
                }
            };
            let path = entry.path().to_path_buf();
            let name = relative_name(root, &path);
            if entry.path_is_symlink() {
                self.symlink(root, name, path, queue);
                continue;
            }
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    self.io_error(e);
                    continue;
                }
            };
            if meta.is_dir() {
                // A folder met twice without a symlink (a bind mount): walked once.
                if let Some(first) = walked.get(&file_key(&path, &meta)) {
                    self.warnings.push(Warning::at(
                        &name,
                        None,
                        format!(
                            "the same folder as {}; not read again (each file is read once)",
                            shown(root, first)
                        ),
                    ));
                    it.skip_current_dir();
                } else {
                    walked.insert(file_key(&path, &meta), name);
                }
                continue;
            }
            // Below a symlink every path goes through it.
            self.file(root, name, path, &meta, dir.link);
        }
    }

    /// A symlink met in a tree: a folder is queued, a file taken, a link to nothing said.
    fn symlink(&mut self, root: &Path, name: String, path: PathBuf, queue: &mut VecDeque<Pending>) {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => queue.push_back(Pending { name, path, link: true }),
            Ok(m) => {
                self.warnings.push(Warning::at(
                    &name,
                    None,
                    format!("symlink followed, to {}", target_of(&path)),
                ));
                self.file(root, name, path, &m, true);
            }
            // Nothing there to read: said, not an error.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.warnings.push(Warning::at(
                &name,
                None,
                format!("symlink skipped: its target {} does not exist", target_of(&path)),
            )),
            Err(e) => self.errors.push(Error::Io { path, source: e }),
        }
    }

    /// A file met in a tree: taken when it is a regular file.
    fn file(&mut self, root: &Path, name: String, path: PathBuf, meta: &Metadata, via_link: bool) {
        if let Some(kind) = not_regular(meta) {
            self.errors.push(not_regular_error(&name, kind));
            return;
        }
        if path.strip_prefix(root).is_ok_and(|r| r.to_str().is_none()) {
            self.warnings.push(not_utf8_warning(&name));
        }
        self.push(name, path, meta, via_link);
    }

    fn io_error(&mut self, e: walkdir::Error) {
        let path = e.path().map(Path::to_path_buf).unwrap_or_default();
        let source = e
            .into_io_error()
            .unwrap_or_else(|| std::io::Error::other("cannot walk this folder"));
        self.errors.push(Error::Io { path, source });
    }

    /// Each file once (by device and inode), then names made sure to be unique.
    fn finish(mut self) -> (Vec<InputFile>, Vec<Error>, Vec<Warning>) {
        // A path without symlinks first, then name order: the path a file is read under.
        self.found
            .sort_by(|a, b| (a.via_link, &a.file).cmp(&(b.via_link, &b.file)));
        let mut first: HashMap<FileKey, String> = HashMap::new();
        let mut files = Vec::new();
        for c in self.found {
            match first.get(&c.key) {
                // The same file named twice (directly and through its folder, say).
                Some(kept) if *kept == c.file.name => {}
                Some(kept) => self.warnings.push(Warning::at(
                    &c.file.name,
                    None,
                    format!("the same file as {kept} (a symlink or a hard link); read once, as {kept}"),
                )),
                None => {
                    first.insert(c.key, c.file.name.clone());
                    files.push(c.file);
                }
            }
        }
        files.sort();
        let files = refuse_shared_names(files, &mut self.errors);
        // An input given twice says its links twice: once is enough.
        self.warnings.sort();
        self.warnings.dedup();
        (files, self.errors, self.warnings)
    }
}

/// Two different files under one name would give their records the same ids: each is
/// refused with an error, and only they are. `files` is sorted by name.
fn refuse_shared_names(files: Vec<InputFile>, errors: &mut Vec<Error>) -> Vec<InputFile> {
    let mut kept = Vec::with_capacity(files.len());
    for group in files.chunk_by(|a, b| a.name == b.name) {
        if let [only] = group {
            kept.push(only.clone());
            continue;
        }
        for pair in group.windows(2) {
            errors.push(Error::Input {
                file: pair[1].name.clone(),
                message: format!(
                    "two inputs share this name ({} and {}); give their parent directory instead so that names stay unique",
                    pair[0].path.display(),
                    pair[1].path.display()
                ),
            });
        }
    }
    kept
}

/// What a file that is not a regular file is, or None for a regular file.
fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        } else if t.is_socket() {
            return Some("a socket");
        } else if t.is_char_device() {
            return Some("a character device");
        } else if t.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a file")
}

fn not_regular_error(name: &str, kind: &str) -> Error {
    Error::Input {
        file: name.to_string(),
        message: format!("not a regular file ({kind}); skipped: only regular files are read"),
    }
}

fn not_utf8_warning(name: &str) -> Warning {
    Warning::at(
        name,
        None,
        "the file name is not UTF-8; it goes by this name, each byte that is not UTF-8 written as \\xNN",
    )
}

/// A link that leads to a folder it is in: following it would walk that folder again, inside
/// itself.
fn is_loop(link: &Path) -> bool {
    match (link.canonicalize(), link.parent().map(Path::canonicalize)) {
        (Ok(target), Some(Ok(parent))) => parent.starts_with(target),
        _ => false,
    }
}

/// A walked folder's name in a message (the input folder itself has none).
fn shown(root: &Path, name: &str) -> String {
    if name.is_empty() {
        format!("the input folder {}", root.display())
    } else {
        name.to_string()
    }
}

/// Where a symlink points, as it is written.
fn target_of(link: &Path) -> String {
    std::fs::read_link(link).map_or_else(|_| "?".to_string(), |t| t.display().to_string())
}

fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// `path` relative to `root`, `/`-separated, each part as [`component_name`] writes it.
fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| component_name(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name as text: UTF-8 as it is, each byte that is not UTF-8 as `\xNN` (lowercase
/// hex, as Python's `backslashreplace` writes it). Escaping keeps two names that differ only
/// in such bytes apart (a lossy conversion would make both `caf\u{fffd}.txt`), and gives
/// the same name, so the same record ids, on every run. A UTF-8 name is never changed, so
/// existing ids stay; should an escaped name equal another file's literal name, the two are
/// refused as sharing a name, not merged.
#[cfg(unix)]
fn component_name(s: &OsStr) -> String {
    use std::fmt::Write;
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in s.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Elsewhere names are Unicode already (Windows: UTF-16, where only an unpaired surrogate is
/// replaced; two names that then clash are refused as sharing a name, not merged).
#[cfg(not(unix))]
fn component_name(s: &OsStr) -> String {
    s.to_string_lossy().into_owned()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_that_are_not_utf8_are_escaped_and_stay_apart() {
        let name = |b: &[u8]| component_name(OsStr::from_bytes(b));
        assert_eq!(name(b"caf\xc3\xa9.txt"), "café.txt");
        assert_eq!(name(b"caf\xe9.txt"), r"caf\xe9.txt");
        assert_ne!(name(b"caf\xe9.txt"), name(b"caf\xe8.txt"));
    }
}
