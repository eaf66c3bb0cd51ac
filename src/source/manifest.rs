//! A scrape manifest: a CSV file (`file,url[,query][,scraped_at]`) that says, for pages that
//! carry none, where each page was taken from, which query it is a page of and when it was
//! taken. A row's `file` names a page as provenance does (its path below the input folder,
//! `/`-separated), or by a longer path that ends with that name. What a manifest says of a
//! page wins over what the page says of itself (an HTML page's own address).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Warning};
use crate::record::{PageMeta, RawRecord};

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    file: String,
    url: Option<String>,
    query: Option<String>,
    scraped_at: Option<String>,
    /// 1-based line in the manifest.
    line: usize,
}

/// A manifest as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The file, as named.
    name: String,
    entries: Vec<Entry>,
}

impl Manifest {
    /// Reads the manifest at `path`. A missing `file` or `url` column, or a row that is not
    /// CSV, is an error naming the file and line.
    pub fn load(path: &Path) -> Result<Manifest, Error> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Manifest::parse(&name, &bytes)
    }

    /// Parses the bytes of a manifest named `name`.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Manifest, Error> {
        let err = |line: u64, message: String| Error::Input {
            file: format!("{name}:{line}"),
            message,
        };
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| err(1, format!("not a CSV header: {e}")))?
            .clone();
        let column = |c: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(c));
        let (Some(file), Some(url)) = (column("file"), column("url")) else {
            return Err(err(
                1,
                "a manifest needs the columns file and url (and may have query and scraped_at)".into(),
            ));
        };
        let (query, scraped_at) = (column("query"), column("scraped_at"));
        let mut entries = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                err(line, format!("not a CSV row: {e}"))
            })?;
            let line = row.position().map_or(0, |p| p.line()) as usize;
            let cell = |i: Option<usize>| {
                i.and_then(|i| row.get(i))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let Some(file) = cell(Some(file)) else {
                return Err(err(line as u64, "a row with no file".into()));
            };
            entries.push(Entry {
                file: file.replace('\\', "/").trim_start_matches("./").to_string(),
                url: cell(Some(url)),
                query: cell(query),
                scraped_at: cell(scraped_at),
                line,
            });
        }
        Ok(Manifest {
            name: name.to_string(),
            entries,
        })
    }

    /// Lays the manifest over page `records` (in input order) of the pages named `pages`:
    /// each page's records share what it and the manifest say of it. Warns of rows naming no
    /// input, of pages named twice, and of inputs it does not name.
    pub fn apply(&self, records: &mut [RawRecord], pages: &[String]) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let mut of_page: HashMap<&str, &Entry> = HashMap::new();
        for e in &self.entries {
            let named: Vec<&String> = pages.iter().filter(|p| names(&e.file, p)).collect();
            match named.as_slice() {
                [] => warnings.push(Warning::at(
                    &self.name,
                    Some(e.line),
                    format!(
                        "the manifest names {:?}, which is not an input page; the row is unused",
                        e.file
                    ),
                )),
                found => {
                    for p in found {
                        if of_page.insert(p.as_str(), e).is_some() {
                            warnings.push(Warning::at(
                                &self.name,
                                Some(e.line),
                                format!("{p} is named by more than one row of the manifest; the last one is used"),
                            ));
                        }
                    }
                }
            }
        }
        for p in pages.iter().filter(|p| !of_page.contains_key(p.as_str())) {
            warnings.push(Warning::at(
                p,
                None,
                format!(
                    "the page is not in the manifest {}: its address and query are unknown",
                    self.name
                ),
            ));
        }
        let mut laid: HashMap<Arc<str>, Arc<PageMeta>> = HashMap::new();
        for r in records.iter_mut() {
            let file = r.provenance.file.clone();
            let Some(e) = of_page.get(&*file) else { continue };
            let meta = laid.entry(file).or_insert_with(|| {
                let own = r.provenance.page.as_deref().cloned().unwrap_or_default();
                Arc::new(PageMeta {
                    url: e.url.clone().or(own.url),
                    query: e.query.clone().or(own.query),
                    scraped_at: e.scraped_at.clone().or(own.scraped_at),
                    range: own.range,
                })
            });
            r.provenance.page = Some(meta.clone());
        }
        warnings
    }
}

/// Whether a manifest's `file` names page `page`: the same name, or a path ending in it.
fn names(file: &str, page: &str) -> bool {
    file == page || file.strip_suffix(page).is_some_and(|head| head.ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_without_a_url_column_or_with_a_bad_row_names_its_line() {
        let e = Manifest::parse("m.csv", b"file,query\na.txt,q\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.csv:1") && e.contains("file and url"), "{e}");
        let e = Manifest::parse("m.csv", b"file,url\na.txt,u\nb.txt,u,extra\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.csv:3"), "{e}");
        let m = Manifest::parse(
            "m.csv",
            b"url,file,scraped_at\nhttps://x/?page=1,./pages/a.txt,2026-12-01\n",
        )
        .unwrap();
        assert_eq!(m.entries[0].file, "pages/a.txt");
        assert!(names(&m.entries[0].file, "a.txt") && !names(&m.entries[0].file, "s/a.txt"));
    }
}
