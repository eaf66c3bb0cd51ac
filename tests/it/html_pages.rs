//! Saved HTML pages: read as the text a browser shows, by the same layouts as text pages,
//! with the page's address kept in provenance.

use crate::workdir::{Workdir, fixture};

/// What a record is, whatever file it came from.
fn records(w: &Workdir, out: &str) -> Vec<Vec<String>> {
    let columns = [
        "position",
        "raw_date",
        "title",
        "description",
        "partial",
        "range_first",
        "range_last",
        "range_total",
    ];
    (w.csv(&format!("{out}/provenance.csv")).iter())
        .map(|r| columns.iter().map(|c| r[*c].clone()).collect())
        .collect()
}

#[test]
fn html_pages_in_each_layout_read_to_exactly_the_records_of_their_text_versions() {
    let w = Workdir::new();
    let cases = [
        (
            "pages/000_254b8f254631d6fa.txt",
            "html/plain.html",
            "plain",
            "https://digitalarchive.example.org/search?q=Zhou+Enlai&page=1",
        ),
        (
            "pages/001_44fdf12786d4394e.txt",
            "html/bulleted.html",
            "bulleted",
            "https://digitalarchive.example.org/search?q=Stalin&page=3",
        ),
        (
            "edge/separated.txt",
            "html/separated.html",
            "separated",
            "https://digitalarchive.example.org/search?q=Liu+Shaoqi&start=0",
        ),
    ];
    for (i, (text, html, layout, url)) in cases.iter().enumerate() {
        let (t, h) = (format!("t{i}"), format!("h{i}"));
        w.run_ok(&[&fixture(text)], &t, &[]);
        w.run_ok(&[&fixture(html)], &h, &[]);
        let (from_text, from_html) = (records(&w, &t), records(&w, &h));
        assert!(from_text.len() >= 4, "{text}");
        assert_eq!(from_html, from_text, "{html}");
        let rows = w.csv(&format!("{h}/provenance.csv"));
        assert!(
            rows.iter().all(|r| r["layout"] == *layout && r["url"] == *url),
            "{html}: {:?}",
            rows[0]
        );
        // The text page carries no address.
        assert!(
            w.csv(&format!("{t}/provenance.csv"))
                .iter()
                .all(|r| r["url"].is_empty())
        );
        // Nothing of the chrome around the results became a record or a warning about one.
        let warnings = w.warnings(&h);
        assert!(
            !warnings.contains("cookie") && !warnings.contains("Privacy"),
            "{warnings}"
        );
    }
}

#[test]
fn format_html_reads_a_page_whatever_its_name_and_markup_in_titles_is_text() {
    let w = Workdir::new();
    let page = "<html><body><main><p>1 - 2 of 2</p>\
        <p>May 15, 1949</p><p>Telegram &lt;b&gt;Shtykov&lt;/b&gt; to Vyshinsky</p><p>Shtykov recounts a meeting.</p>\
        <p>June 1, 1950</p><p>Cable, Mao to Stalin</p><p>Mao asks for arms.</p>\
        </main><script>document.write('<p>May 16, 1949</p><p>Injected</p>')</script></body></html>";
    let file = w.write("saved.txt", page);
    let o = w.concord([
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        w.path("out").as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
        "-q".as_ref(),
    ]);
    assert!(o.status.success(), "{}", crate::workdir::stderr(&o));
    let rows = w.csv("out/provenance.csv");
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str()).collect();
    assert_eq!(titles, ["Telegram <b>Shtykov</b> to Vyshinsky", "Cable, Mao to Stalin"]);
    assert_eq!(rows[0]["layout"], "plain");
    assert_eq!(
        (rows[0]["range_first"].as_str(), rows[0]["range_total"].as_str()),
        ("1", "2")
    );
}
