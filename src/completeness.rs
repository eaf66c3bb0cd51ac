//! "Is my scrape complete?": the pages of a run grouped into the queries they are pages of,
//! and for each query what its range headers ("31 - 40 of 47") say was there against what was
//! scraped: the ranges seen, the ranges missing, pages that overlap, pages whose record count
//! disagrees with their header, and totals that changed while the query was scraped.
//!
//! A page's query is, in order: the scrape manifest's `query`; its address with the paging
//! parameters (`input.paging_parameters`: `page=`, `start=`, ...) and a trailing `/page/N`
//! removed; else its folder and the total its header states (pages of one folder without
//! addresses are told apart by total: two queries rarely share one, and one query's pages
//! always do, unless the archive changed while it was scraped).

use std::collections::BTreeMap;

use crate::record::Record;

/// One page as completeness sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PageSeen {
    name: String,
    records: usize,
    range: Option<(usize, usize, usize)>,
}

/// What one query's pages say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The query: the manifest's name, the address without paging, or `FOLDER (of N)`.
    pub key: String,
    /// How its pages were grouped: `manifest`, `url` or `folder`.
    pub grouped_by: &'static str,
    /// Its pages.
    pub pages: usize,
    /// Its pages with a range header.
    pub pages_with_range: usize,
    /// The totals its headers state, in ascending order (more than one: the total changed).
    pub totals: Vec<usize>,
    /// Records read from its pages.
    pub records: usize,
    /// The result ranges its headers cover, merged, ascending.
    pub seen: Vec<(usize, usize)>,
    /// The result ranges of 1 to the largest total no header covers.
    pub missing: Vec<(usize, usize)>,
    /// Pairs of pages whose ranges overlap.
    pub overlapping: Vec<(String, String)>,
    /// Pages whose record count disagrees with their header: (page, header's count, read).
    pub mismatched: Vec<(String, usize, usize)>,
}

impl Query {
    /// The largest total stated.
    pub fn total(&self) -> Option<usize> {
        self.totals.last().copied()
    }

    /// Whether every result of the query was scraped (None: no page of it has a header).
    pub fn complete(&self) -> Option<bool> {
        (self.pages_with_range > 0).then_some(self.missing.is_empty())
    }

    /// Results not scraped.
    pub fn missing_results(&self) -> usize {
        self.missing.iter().map(|(a, b)| b - a + 1).sum()
    }

    /// `31 - 40 of 47; 45 - 47 of 47`.
    pub fn missing_text(&self) -> String {
        let total = self.total().unwrap_or(0);
        let parts: Vec<String> = self
            .missing
            .iter()
            .map(|(a, b)| format!("{a} - {b} of {total}"))
            .collect();
        parts.join("; ")
    }
}

/// `1 - 30; 41 - 47`.
pub fn ranges_text(ranges: &[(usize, usize)]) -> String {
    let parts: Vec<String> = ranges.iter().map(|(a, b)| format!("{a} - {b}")).collect();
    parts.join("; ")
}

/// The queries of page `records` (in input order), by key. `paging` names the query-string
/// parameters that page through results.
pub fn assess(records: &[Record], paging: &[String]) -> Vec<Query> {
    let mut pages: Vec<(String, &'static str, PageSeen)> = Vec::new();
    for r in records {
        let p = &r.raw.provenance;
        match pages.last_mut() {
            Some((_, _, last)) if *last.name == *p.file => last.records += 1,
            _ => {
                let meta = p.page.as_deref();
                let range = meta.and_then(|m| m.range);
                let (key, by) = query_of(&p.file, meta, range, paging);
                pages.push((
                    key,
                    by,
                    PageSeen {
                        name: p.file.to_string(),
                        records: 1,
                        range,
                    },
                ));
            }
        }
    }
    let mut groups: BTreeMap<String, (&'static str, Vec<PageSeen>)> = BTreeMap::new();
    for (key, by, page) in pages {
        groups.entry(key).or_insert((by, Vec::new())).1.push(page);
    }
    groups
        .into_iter()
        .map(|(key, (by, pages))| judge(key, by, &pages))
        .collect()
}

/// A page's query and how it was told.
fn query_of(
    file: &str,
    meta: Option<&crate::record::PageMeta>,
    range: Option<(usize, usize, usize)>,
    paging: &[String],
) -> (String, &'static str) {
    if let Some(q) = meta.and_then(|m| m.query.as_deref()) {
        return (q.to_string(), "manifest");
    }
    if let Some(url) = meta.and_then(|m| m.url.as_deref()) {
        return (without_paging(url, paging), "url");
    }
    let folder = file.rsplit_once('/').map_or(".", |(dir, _)| dir);
    let key = match range {
        Some((_, _, total)) => format!("{folder} (of {total})"),
        None => format!("{folder} (no range header)"),
    };
    (key, "folder")
}

/// `url` without its fragment, its paging parameters and a trailing `/page/N`, its other
/// parameters in sorted order (so that `?q=x&page=2` and `?page=3&q=x` are one query).
pub fn without_paging(url: &str, paging: &[String]) -> String {
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = match base.trim_end_matches('/').rsplit_once('/') {
        Some((head, n)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() && head.ends_with("/page") => {
            head.trim_end_matches("/page")
        }
        _ => base,
    };
    let mut kept: Vec<&str> = (query.split('&'))
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(k, _)| k);
            !paging.iter().any(|g| g.eq_ignore_ascii_case(name))
        })
        .collect();
    kept.sort_unstable();
    match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    }
}

/// The figures of one query from its pages.
fn judge(key: String, grouped_by: &'static str, pages: &[PageSeen]) -> Query {
    let ranged: Vec<&PageSeen> = pages.iter().filter(|p| p.range.is_some()).collect();
    let mut totals: Vec<usize> = ranged.iter().filter_map(|p| p.range.map(|r| r.2)).collect();
    totals.sort_unstable();
    totals.dedup();
    let total = totals.last().copied().unwrap_or(0);
    let mut spans: Vec<(usize, usize, &str)> = (ranged.iter())
        .filter_map(|p| p.range.map(|(a, b, _)| (a.min(b), a.max(b), p.name.as_str())))
        .collect();
    spans.sort_unstable();
    let mut overlapping = Vec::new();
    for (i, x) in spans.iter().enumerate() {
        for y in spans[i + 1..].iter().take_while(|y| y.0 <= x.1) {
            overlapping.push((x.2.to_string(), y.2.to_string()));
        }
    }
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for &(a, b, _) in &spans {
        match seen.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => seen.push((a, b)),
        }
    }
    let mut missing = Vec::new();
    let mut next = 1;
    for &(a, b) in &seen {
        if a > next {
            missing.push((next, (a - 1).min(total)));
        }
        next = next.max(b + 1);
    }
    if total >= next && !ranged.is_empty() {
        missing.push((next, total));
    }
    missing.retain(|(a, b)| a <= b);
    let mismatched = (ranged.iter())
        .filter_map(|p| {
            let (a, b, _) = p.range?;
            let stated = b.max(a) - b.min(a) + 1;
            (stated != p.records).then(|| (p.name.clone(), stated, p.records))
        })
        .collect();
    Query {
        key,
        grouped_by,
        pages: pages.len(),
        pages_with_range: ranged.len(),
        totals,
        records: pages.iter().map(|p| p.records).sum(),
        seen,
        missing,
        overlapping,
        mismatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str, records: usize, range: Option<(usize, usize, usize)>) -> PageSeen {
        PageSeen {
            name: name.into(),
            records,
            range,
        }
    }

    #[test]
    fn a_query_of_47_results_missing_its_pages_31_to_40_says_so() {
        let pages: Vec<PageSeen> = [(1, 10), (11, 20), (21, 30), (41, 47)]
            .iter()
            .map(|&(a, b)| page(&format!("p{a}.txt"), b - a + 1, Some((a, b, 47))))
            .collect();
        let q = judge("q".into(), "url", &pages);
        assert_eq!(q.missing, [(31, 40)]);
        assert_eq!(q.missing_text(), "31 - 40 of 47");
        assert_eq!(q.seen, [(1, 30), (41, 47)]);
        assert_eq!(q.complete(), Some(false));
        assert!(q.overlapping.is_empty() && q.mismatched.is_empty());
    }

    #[test]
    fn overlaps_short_pages_changed_totals_and_first_pages_only_are_told() {
        let pages = [
            page("a.txt", 10, Some((1, 10, 30))),
            page("b.txt", 9, Some((6, 15, 31))),
            page("c.txt", 10, Some((16, 25, 31))),
        ];
        let q = judge("q".into(), "url", &pages);
        assert_eq!(q.overlapping, [("a.txt".to_string(), "b.txt".to_string())]);
        assert_eq!(q.mismatched, [("b.txt".to_string(), 10, 9)]);
        assert_eq!(q.totals, [30, 31]);
        assert_eq!(q.missing, [(26, 31)]);
        let first_only = judge("q".into(), "folder", &[page("a.txt", 10, Some((1, 10, 47)))]);
        assert_eq!(first_only.missing_text(), "11 - 47 of 47");
        let none = judge("q".into(), "folder", &[page("a.txt", 3, None)]);
        assert_eq!(none.complete(), None);
    }

    #[test]
    fn paging_parameters_and_page_paths_are_not_part_of_the_query() {
        let paging: Vec<String> = ["page", "start"].map(String::from).to_vec();
        let q = |u| without_paging(u, &paging);
        assert_eq!(
            q("https://a.org/s?q=Zhou&page=2"),
            q("https://a.org/s?Page=7&q=Zhou#top")
        );
        assert_eq!(
            q("https://a.org/s?start=10&q=x&sort=date"),
            "https://a.org/s?q=x&sort=date"
        );
        assert_eq!(q("https://a.org/search/page/3"), "https://a.org/search");
        assert_ne!(q("https://a.org/s?q=Zhou"), q("https://a.org/s?q=Mao"));
    }
}
