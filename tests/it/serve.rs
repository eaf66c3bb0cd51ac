//! `concord serve`: end to end in a real headless browser (Debian's chromium, driven through
//! chromedriver by fantoccini), and its guards over plain HTTP.
//!
//! The browser test needs `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them it fails and says so; `CONCORD_SKIP_BROWSER=1` skips it on purpose, loudly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::workdir::{Workdir, read_csv, stderr};

/// A scraped title that is markup: shown, it must read as text and run nothing.
const HOSTILE_TITLE: &str = "<script>window.pwned=1</script> Letter on <b>Alert</b> & \"quotes\"";

/// A synthetic scrape (with pairs left for review) and two pages carrying the hostile title,
/// run into `out` from the work folder (so run.json's command re-runs there).
fn scrape(w: &Workdir) {
    let o = w.concord([
        "synth",
        "--records",
        "1500",
        "--seed",
        "7",
        "--realistic",
        "--out",
        "scrape",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Two pages, so that the two records may merge (one page's records never do).
    for page in ["hostile1.txt", "hostile2.txt"] {
        let text = format!(
            "1 - 1 of 1\n\nMarch 3, 1953\n\n{HOSTILE_TITLE}\n\nA description with <img src=x onerror=\"window.pwned=2\">.\n"
        );
        w.write(&format!("scrape/pages/{page}"), text);
    }
    let o = w.concord(["run", "scrape/pages", "--out", "out", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A running `concord serve`, stopped when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
}

impl Server {
    fn start(w: &Workdir, out: &str) -> Server {
        let mut child = w.spawn(&["serve", out, "--port", "0"]);
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("serve's first line");
        let base = (line.split_whitespace())
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, base }
    }

    fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request with `headers` (Host is the server's unless given); returns the
/// status, the head and the body.
fn http(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(server.address()).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {}\r\n", server.address()));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in page"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[test]
fn serve_refuses_other_hosts_foreign_forms_and_paths_outside_the_folder() {
    let w = Workdir::new();
    scrape(&w);
    w.write("secret.txt", "not an output");
    let server = Server::start(&w, "out");
    let (status, head, body) = http(&server, "GET", "/", &[], "");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert!(body.contains("records in"), "{body}");
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding).
    assert_eq!(http(&server, "GET", "/", &[("Host", "evil.example:80")], "").0, 403);
    // A form posted from another site.
    let (status, _, _) = http(
        &server,
        "POST",
        "/review/undo",
        &[("Origin", "http://evil.example")],
        "x=1",
    );
    assert_eq!(status, 403);
    for path in [
        "/files/..%2Fsecret.txt",
        "/files/%2Fetc%2Fpasswd",
        "/files/.concord.lock",
        "/files/..",
        "/files/missing.csv",
    ] {
        let (status, _, body) = http(&server, "GET", path, &[], "");
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!body.contains("not an output"), "{path}");
    }
    // A filter that is not a date says so, and is not applied.
    let (status, _, body) = http(&server, "GET", "/clusters?from=abc&size=-1&page=999999", &[], "");
    assert_eq!(status, 200);
    assert!(body.contains("from &quot;abc&quot; is not a date"), "{body}");
    let (status, _, body) = http(&server, "GET", "/files/canonical.csv", &[], "");
    assert_eq!(status, 200);
    assert!(body.starts_with("canonical_id,"), "{body}");
}

#[test]
fn serve_answers_a_kind_of_pair_at_once_after_a_preview_and_undoes_it_whole() {
    let w = Workdir::new();
    scrape(&w);
    let server = Server::start(&w, "out");
    let (_, _, kinds) = http(&server, "GET", "/review/kinds", &[], "");
    // The most frequent kind comes first; its preview link carries the kind.
    let at = kinds
        .find("/review/kind?answer=different&amp;kind=")
        .expect("a kind to answer");
    let link = &kinds[at..];
    let link = link[..link.find('"').unwrap()].replace("&amp;", "&");
    let (status, _, preview) = http(&server, "GET", &link, &[], "");
    assert_eq!(status, 200);
    let rows = preview.matches("<td class=\"num\"><a href=\"/review?rank=").count();
    assert!(rows >= 2, "a kind of at least two pairs: {rows}");
    // Nothing is written by the preview.
    let file = w.path("rules/overrides.toml");
    assert!(!file.exists());
    let body = format!(
        "kind={}&answer=different&digest={}&note=bulk",
        form_value(&hidden(&preview, "kind")),
        hidden(&preview, "digest")
    );
    // A stale digest (the pairs changed since the preview) saves nothing.
    let stale = body.replace("digest=", "digest=0");
    assert_eq!(http(&server, "POST", "/review/kind", &[], &stale).0, 409);
    // The preview was of "different": its confirmation cannot save "same".
    let other = body.replace("answer=different", "answer=same");
    assert_eq!(http(&server, "POST", "/review/kind", &[], &other).0, 409);
    assert!(!file.exists());
    let (status, head, _) = http(&server, "POST", "/review/kind", &[], &body);
    assert_eq!(status, 303, "{head}");
    let saved = concord::audit::overrides::Overrides::load(&file).expect("overrides written");
    assert_eq!(saved.entries.len(), rows);
    assert!(saved.entries.iter().all(|o| o.note.as_deref() == Some("bulk")));
    // Undo takes the whole kind back.
    assert_eq!(http(&server, "POST", "/review/undo", &[], "x=1").0, 303);
    let left = concord::audit::overrides::Overrides::load(&file).expect("overrides");
    assert!(left.entries.is_empty(), "{:?}", left.entries);
    // One answer per pair: the same answer posted twice (a key held down) is written once.
    let (_, _, page) = http(&server, "GET", "/review", &[], "");
    let answer = format!(
        "rank={}&fa={}&fb={}&answer=same&note=",
        hidden(&page, "rank"),
        hidden(&page, "fa"),
        hidden(&page, "fb")
    );
    assert_eq!(http(&server, "POST", "/review/answer", &[], &answer).0, 303);
    assert_eq!(http(&server, "POST", "/review/answer", &[], &answer).0, 409);
    let once = concord::audit::overrides::Overrides::load(&file).expect("overrides");
    assert_eq!(once.entries.len(), 1);
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Option<Driver> {
        if std::env::var_os("CONCORD_SKIP_BROWSER").is_some() {
            eprintln!("CONCORD_SKIP_BROWSER is set: the browser test of concord serve is SKIPPED");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver: {e}; install Debian's chromium and chromium-driver (bash .ci/run does), or set CONCORD_SKIP_BROWSER=1 to skip this test")
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profile: tempfile::tempdir().unwrap(),
        })
    }

    async fn client(&self) -> Client {
        let args = serde_json::json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            format!("--user-data-dir={}", self._profile.path().display()),
        ]);
        let mut options = serde_json::json!({ "args": args });
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = "/usr/bin/chromium".into();
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn text(c: &Client, css: &str) -> String {
    let e = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await;
    e.unwrap_or_else(|err| panic!("{css}: {err}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the browser is at an address holding `part` (a click's page has loaded).
async fn wait_url(c: &Client, part: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !c.current_url().await.expect("url").as_str().contains(part) {
        assert!(Instant::now() < deadline, "never reached an address with {part}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn press(c: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.expect("key press");
}

#[tokio::test(flavor = "current_thread")]
async fn serve_in_a_browser_search_open_answer_by_keyboard_rerun_and_see_the_change() {
    let Some(driver) = Driver::start() else { return };
    let w = Workdir::new();
    scrape(&w);
    let server = Server::start(&w, "out");
    let c = driver.client().await;
    let base = &server.base;

    // The overview.
    c.goto(&format!("{base}/")).await.unwrap();
    assert!(text(&c, "main").await.contains("records in"));
    assert!(
        c.find(Locator::Css("svg[aria-label='histogram of pair scores by decision']"))
            .await
            .is_ok()
    );

    // Search the hostile document by a word of its title, open it: the title reads as text.
    c.goto(&format!("{base}/clusters")).await.unwrap();
    let search = c.find(Locator::Css("input[name=q]")).await.unwrap();
    search.send_keys("alert quotes").await.unwrap();
    c.find(Locator::Css("form.filters button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "q=alert").await;
    let found = text(&c, "table#clusters").await;
    assert!(found.contains(HOSTILE_TITLE), "{found}");
    c.find(Locator::Css("table#clusters td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/cluster/").await;
    assert_eq!(text(&c, "main h1").await, HOSTILE_TITLE);
    assert!(text(&c, "table#members").await.contains("onerror"));
    let untouched = c.execute("return window.pwned === undefined && document.querySelector('main h1').children.length === 0 && document.querySelectorAll('#members script, #members img, #members b').length === 0", vec![]);
    assert_eq!(
        untouched.await.unwrap(),
        serde_json::json!(true),
        "scraped markup ran or rendered"
    );

    // Review: the first pair, answered by keyboard with the answer that moves something.
    c.goto(&format!("{base}/review")).await.unwrap();
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for e in c.find_all(Locator::Css("section.record h2 code")).await.unwrap() {
            ids.push(e.text().await.unwrap());
        }
        ids
    };
    assert_eq!(ids.len(), 2, "{ids:?}");
    let if_same = text(&c, "#if-same").await;
    let (key, decision) = match if_same.starts_with("nothing moves") {
        true => ('d', "different"),
        false => ('s', "same"),
    };
    press(&c, key).await;
    let flash = text(&c, ".flash").await;
    assert!(flash.contains(&format!("recorded: {decision}")), "{flash}");
    let provenance = read_csv(&w.path("out/provenance.csv"));
    let fingerprint = |id: &str| provenance.iter().find(|r| r["record_id"] == id).unwrap()["fingerprint"].clone();
    let saved = concord::audit::overrides::Overrides::load(&w.path("rules/overrides.toml")).expect("answer saved");
    assert_eq!(saved.entries.len(), 1);
    let o = &saved.entries[0];
    assert_eq!((o.a.clone(), o.b.clone()), (fingerprint(&ids[0]), fingerprint(&ids[1])));
    assert_eq!(o.verdict.as_str(), decision);

    // Re-run with the recorded command: the change is shown, and the outputs carry it.
    let doc_of = |id: &str| -> String {
        let rows = read_csv(&w.path("out/provenance.csv"));
        rows.iter().find(|r| r["record_id"] == id).unwrap()["canonical_id"].clone()
    };
    let together_before = doc_of(&ids[0]) == doc_of(&ids[1]);
    c.goto(&format!("{base}/rerun")).await.unwrap();
    c.find(Locator::Id("rerun")).await.unwrap().click().await.unwrap();
    let changes = text(&c, "table#changes").await;
    assert!(
        changes.contains(if decision == "same" { "merged" } else { "split" }),
        "{changes}"
    );
    assert_eq!(doc_of(&ids[0]) == doc_of(&ids[1]), !together_before);
    c.close().await.unwrap();
}
