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

#[test]
fn a_layout_of_css_selectors_reads_an_archive_whose_html_says_more_than_its_text() {
    let w = Workdir::new();
    // One line of text per hit, all fields run together: only the markup tells them apart.
    let hit = |date: &str, title: &str, summary: &str| {
        format!(
            "<article class=\"hit\"><span class=\"meta\">Document <time>{date}</time></span> <a class=\"t\" href=\"#\">{title}</a> <span class=\"abstract\">{summary}</span></article>"
        )
    };
    let page = format!(
        "<html><body><nav>Home</nav><main><p>1 - 2 of 2</p>{}{}</main></body></html>",
        hit(
            "12 March 1953",
            "Telegram from Molotov to Zhou Enlai",
            "Molotov reports on the funeral."
        ),
        hit("14 March 1953", "Letter, Mao Zedong to Malenkov", "")
    );
    w.write("p/hits.html", page);
    w.write(
        "p/plain.txt",
        std::fs::read(fixture("pages/000_254b8f254631d6fa.txt")).unwrap(),
    );
    w.write(
        "rules.toml",
        "[[layouts]]\nname = \"hits\"\nhtml = { record = \"article.hit\", date = \"time\", title = \"a.t\", description = \".abstract\" }\n",
    );
    w.run_ok(
        &[&w.path("p")],
        "out",
        &["--rules", w.path("rules.toml").to_str().unwrap(), "-q"],
    );
    let rows = w.csv("out/provenance.csv");
    let hits: Vec<_> = rows.iter().filter(|r| r["file"] == "hits.html").collect();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        (
            hits[0]["layout"].as_str(),
            hits[0]["raw_date"].as_str(),
            hits[0]["date"].as_str()
        ),
        ("hits", "12 March 1953", "1953-03-12")
    );
    assert_eq!(hits[0]["title"], "Telegram from Molotov to Zhou Enlai");
    assert_eq!(hits[0]["description"], "Molotov reports on the funeral.");
    assert_eq!(
        (hits[1]["description"].as_str(), hits[0]["range_total"].as_str()),
        ("", "2")
    );
    // The text page is still read by the built-in layouts.
    assert!(
        rows.iter()
            .filter(|r| r["file"] == "plain.txt")
            .all(|r| r["layout"] == "plain")
    );
    // A selector that is not CSS is an error naming the rules file and the key.
    w.write(
        "bad.toml",
        "[[layouts]]\nname = \"hits\"\nhtml = { record = \"article[\" }\n",
    );
    let o = w.concord(["run", "p", "--out", "out2", "--rules", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = crate::workdir::stderr(&o);
    assert!(
        err.contains("bad.toml") && err.contains("html.record") && err.contains("invalid CSS selector"),
        "{err}"
    );
}
