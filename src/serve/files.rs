//! The output folder's own files (report.html, the CSV and Parquet tables, run.json), and
//! nothing else: a name is one plain file name in the folder, and a file there that is a
//! link to somewhere outside it is refused too.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::html as ui;

/// `GET /files/{name}`.
pub async fn file(State(app): State<Shared>, Path(name): Path<String>) -> Response {
    let Some(path) = inside(&app.dir, &name) else {
        return ui::problem(StatusCode::FORBIDDEN, "Only the files of the output folder are served.");
    };
    // Off the server's thread: a large table takes a while to read.
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    let bytes = match read {
        Ok(Ok(b)) => b,
        _ => return ui::problem(StatusCode::NOT_FOUND, &format!("No file {name} in the output folder.")),
    };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let (kind, policy) = match extension {
        // The report is script-free and self-contained; its style sheet is inline.
        "html" => (
            "text/html; charset=utf-8",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ),
        "csv" | "toml" => ("text/plain; charset=utf-8", "default-src 'none'"),
        "json" => ("application/json", "default-src 'none'"),
        _ => ("application/octet-stream", "default-src 'none'"),
    };
    let mut response = (
        [(header::CONTENT_TYPE, kind), (header::CONTENT_SECURITY_POLICY, policy)],
        bytes,
    )
        .into_response();
    if kind == "application/octet-stream" {
        let disposition = format!("attachment; filename=\"{}\"", name.replace(['"', '\\'], "_"));
        if let Ok(v) = disposition.parse() {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}

/// The file `name` of folder `dir`, when `name` is one plain file name (no separator, not
/// `.`, `..` or hidden) and the file it resolves to (links followed) is directly in `dir`.
fn inside(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    if !plain {
        return None;
    }
    let real = std::fs::canonicalize(dir.join(name)).ok()?;
    (real.parent() == Some(dir) && real.is_file()).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_of_files_in_the_folder_pass() {
        let d = tempfile::tempdir().unwrap();
        let dir = std::fs::canonicalize(d.path()).unwrap();
        std::fs::write(dir.join("canonical.csv"), "x").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub").join("a.csv"), "x").unwrap();
        assert!(inside(&dir, "canonical.csv").is_some());
        for bad in [
            "..",
            ".",
            "",
            "sub",
            "sub/a.csv",
            "../etc/passwd",
            ".concord.lock",
            "/etc/passwd",
            "missing.csv",
        ] {
            assert!(inside(&dir, bad).is_none(), "{bad}");
        }
        #[cfg(unix)]
        {
            let outside = tempfile::NamedTempFile::new().unwrap();
            std::os::unix::fs::symlink(outside.path(), dir.join("link.csv")).unwrap();
            assert!(inside(&dir, "link.csv").is_none());
        }
    }
}
