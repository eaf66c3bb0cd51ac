//! `concord serve`: the audit of one output folder as a local web application, for the
//! person who will not live in a terminal: the run's overview, its documents riskiest first
//! with search and filters, each document with its members, links and near misses, the review
//! queue answered by keyboard (into the same overrides file as `concord review`), and a
//! re-run that applies the answers and shows what changed.
//!
//! It is a local tool, and guarded as one: bound to 127.0.0.1 unless told otherwise; every
//! page is built with `maud`, which escapes every scraped string; a Content-Security-Policy
//! lets a page load nothing but this server's own style sheet and script (no request leaves
//! the machine); a request naming another host (DNS rebinding) or a form posted from another
//! origin is refused; and files are served from the output folder alone.

mod clusters;
mod files;
mod html;
mod index;
mod overview;
mod rerun;
mod review;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::error::Error;
pub use index::Index;

/// What `concord serve` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output folder of a run.
    pub out: PathBuf,
    /// The address to listen on (127.0.0.1: this machine only).
    pub host: IpAddr,
    /// The port (0: any free one; the address is printed).
    pub port: u16,
    /// The overrides file answers go to (default: the one the run read, else
    /// `rules/overrides.toml` in the folder the run was started in).
    pub overrides: Option<PathBuf>,
}

/// The server's state: the run as read, and what this session did.
pub struct App {
    /// The output folder, as an absolute path.
    dir: PathBuf,
    /// `--overrides`, when given.
    overrides: Option<PathBuf>,
    /// The run as read; replaced whole after a re-run.
    index: RwLock<Arc<Index>>,
    /// What this session did (undo stack, messages, the last re-run).
    session: Mutex<Session>,
}

/// What a session did, for undo and for the messages shown after a redirect.
#[derive(Default)]
struct Session {
    /// Answers written, most recent last: the review rank to return to and the file's length
    /// before and after (`None`: a skip).
    undo: Vec<(u64, Option<(u64, u64)>)>,
    /// A message for the next page shown (then dropped).
    flash: Option<html::Flash>,
    /// The last re-run's outcome.
    rerun: Option<rerun::Outcome>,
    /// A re-run is under way.
    running: bool,
}

impl App {
    /// Reads the output folder.
    pub fn open(out: &std::path::Path, overrides: Option<PathBuf>) -> Result<App, Error> {
        let dir = std::fs::canonicalize(out).map_err(|e| Error::Io {
            path: out.to_path_buf(),
            source: e,
        })?;
        let index = Index::open(&dir)?;
        Ok(App {
            dir,
            overrides,
            index: RwLock::new(Arc::new(index)),
            session: Mutex::new(Session::default()),
        })
    }

    /// The run as read now.
    fn index(&self) -> Arc<Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The overrides file answers are written to.
    fn overrides_file(&self) -> PathBuf {
        self.index().overrides_file(self.overrides.as_deref())
    }

    /// Takes the message left for this page.
    fn flash(&self) -> Option<html::Flash> {
        self.session().flash.take()
    }

    fn say(&self, flash: html::Flash) {
        self.session().flash = Some(flash);
    }
}

/// Shared state of the handlers.
type Shared = Arc<App>;

/// The application's routes over `app`.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(overview::page))
        .route("/clusters", get(clusters::list))
        .route("/cluster/{id}", get(clusters::one))
        .route("/review", get(review::page))
        .route("/review/answer", post(review::answer))
        .route("/review/undo", post(review::undo))
        .route("/review/kinds", get(review::kinds))
        .route("/review/kind", get(review::preview).post(review::answer_kind))
        .route("/rerun", get(rerun::page).post(rerun::start))
        .route("/files/{name}", get(files::file))
        .route("/static/style.css", get(html::style))
        .route("/static/app.js", get(html::script))
        .fallback(|| async { html::problem(StatusCode::NOT_FOUND, "No such page.") })
        .layer(middleware::from_fn(guard))
        .with_state(app)
}

/// Refuses a request naming another host (a DNS-rebinding page would) or a form posted from
/// another origin, and sets the headers that keep every page to this server.
async fn guard(request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(is_local_host) {
        return html::problem(StatusCode::FORBIDDEN, "This server answers only to its own address.");
    }
    if request.method() == Method::POST {
        let origin = request.headers().get(header::ORIGIN).and_then(|h| h.to_str().ok());
        let same = origin.is_none_or(|o| o.strip_prefix("http://").is_some_and(|rest| Some(rest) == host));
        if !same {
            return html::problem(
                StatusCode::FORBIDDEN,
                "A form from another site may not change this run.",
            );
        }
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // A handler may set a stricter or different policy (the report's inline style sheet).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Not `no-referrer`: under it a browser posts its own forms with `Origin: null`, which
    // the origin check above would refuse.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// `127.0.0.1:8484`, `localhost:8484`, `[::1]:8484`: a name of this machine.
fn is_local_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Serves `opts.out` until the process is stopped. `ready` is told the address listened on.
pub fn serve(opts: &Options, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    let app = Arc::new(App::open(&opts.out, opts.overrides.clone())?);
    let io = |e: std::io::Error| Error::Io {
        path: opts.out.clone(),
        source: e,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(io)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((opts.host, opts.port))
            .await
            .map_err(|e| Error::Input {
                file: format!("{}:{}", opts.host, opts.port),
                message: format!("cannot listen: {e}"),
            })?;
        ready(listener.local_addr().map_err(io)?);
        axum::serve(listener, router(app)).await.map_err(io)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_machine_are_local() {
        for ok in ["127.0.0.1:8484", "localhost:1", "LOCALHOST", "[::1]:80", "127.0.0.2"] {
            assert!(is_local_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8484",
            "10.0.0.1:80",
            "127.0.0.1.evil.example",
            "",
            "[::2]:80",
        ] {
            assert!(!is_local_host(bad), "{bad}");
        }
    }
}
