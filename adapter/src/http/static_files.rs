//! Serving the web app's built files (the `dist/` Trunk writes): correct content types, long
//! caching for hashed assets, `no-cache` for `index.html` with a CSP that admits exactly its
//! inline scripts, the pages of their own in subdirectories (the lab: `dist/lab/index.html` at
//! `/lab` and `/lab/`), and the single-page-app fallback to `index.html` for unknown paths.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::security::content_security_policy;

/// Where the web app's files are.
#[derive(Debug, Clone)]
pub struct WebDist {
    dir: PathBuf,
}

const HASHED_ASSET_CACHE: &str = "public, max-age=31536000, immutable";

impl WebDist {
    /// The files in `dir` (which may not exist yet: it is looked at on every request, so a
    /// build made after berth started is served).
    pub fn new(dir: impl Into<PathBuf>) -> WebDist {
        WebDist { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.html")
    }

    /// Serves one request for anything outside `/api`.
    pub async fn serve(&self, req: Request) -> Result<Response, Infallible> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return Ok((StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response());
        }
        let Ok(index) = tokio::fs::read_to_string(self.index_path()).await else {
            return Ok(self.missing());
        };
        let path = req.uri().path().to_owned();
        if path == "/" || path == "/index.html" {
            return Ok(index_response(&index));
        }
        if let Some(page) = self.page_index(&path) {
            if let Ok(html) = tokio::fs::read_to_string(page).await {
                return Ok(index_response(&html));
            }
        }
        let response = match ServeDir::new(&self.dir)
            .append_index_html_on_directories(false)
            .oneshot(req)
            .await
        {
            Ok(r) => r.map(Body::new),
            Err(never) => match never {},
        };
        if response.status() == StatusCode::NOT_FOUND {
            // A route of the app (`/lab`, `/containers/…`): the app itself handles it.
            return Ok(index_response(&index));
        }
        let mut response = response;
        if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
            let cache = if is_hashed_asset(&path) {
                HASHED_ASSET_CACHE
            } else {
                "no-cache"
            };
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        }
        Ok(response)
    }

    /// The `index.html` of a page of its own: `/lab`, `/lab/` or `/lab/index.html` when
    /// `dist/lab/index.html` exists (always served with its CSP, never as a plain file). Only
    /// plain directory names count (no `.`, `..` or empty segments).
    fn page_index(&self, path: &str) -> Option<PathBuf> {
        let rel = path.strip_prefix('/')?;
        let rel = rel.strip_suffix("index.html").unwrap_or(rel);
        let rel = rel.strip_suffix('/').unwrap_or(rel);
        let plain = |seg: &str| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if rel.is_empty() || !rel.split('/').all(plain) {
            return None;
        }
        let index = self.dir.join(rel).join("index.html");
        index.is_file().then_some(index)
    }

    /// The plain-text page served while the app is not built.
    fn missing(&self) -> Response {
        let text = format!(
            "berth: the web app is not built.\n\n\
             No index.html in {dir}.\n\n\
             Build and serve it with `cargo xtask run` (from the berth workspace), or build it with\n\
             `cargo xtask build-web` and point berth at the result with --web DIR (or BERTH_WEB_DIST).\n\n\
             The API works meanwhile: GET /api/containers, /api/engine, /api/events with\n\
             `Authorization: Bearer <token>` (the token is in the URL berth printed at start).\n",
            dir = self.dir.display()
        );
        let mut r = (StatusCode::NOT_FOUND, text).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        r
    }
}

fn index_response(index: &str) -> Response {
    let csp = content_security_policy(&inline_script_hashes(index));
    let mut r = (StatusCode::OK, index.to_owned()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// Whether a file name carries a content hash, as Trunk names its outputs
/// (`berth-web-8e3f0c1d2b4a6978.js`, `berth-web-…_bg.wasm`, `style-….css`): such a file never
/// changes, so it may be cached for good.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        None => false,
    }
}

/// The CSP sources (`'sha256-…'`) of the inline scripts of an HTML page: every `<script>`
/// without `src`, hashed over its exact text, as browsers do.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower.get(pos..).and_then(|s| s.find("<script")) {
        let tag_start = pos + start;
        let Some(tag_len) = lower.get(tag_start..).and_then(|s| s.find('>')) else {
            break;
        };
        let body_start = tag_start + tag_len + 1;
        let Some(body_len) = lower.get(body_start..).and_then(|s| s.find("</script")) else {
            break;
        };
        let body_end = body_start + body_len;
        let tag = lower.get(tag_start..body_start).unwrap_or_default();
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attr| attr.starts_with("src="));
        if !has_src {
            if let Some(body) = html.get(body_start..body_end) {
                let digest = Sha256::digest(body.as_bytes());
                hashes.push(format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                ));
            }
        }
        pos = body_end;
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets() {
        assert!(is_hashed_asset("/berth-web-8e3f0c1d2b4a6978.js"));
        assert!(is_hashed_asset("/berth-web-8e3f0c1d2b4a6978_bg.wasm"));
        assert!(is_hashed_asset("/style-0123456789abcdef0123.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/favicon.svg"));
        assert!(!is_hashed_asset("/berth-web.js"));
        assert!(!is_hashed_asset("/my-app.js"));
    }

    #[test]
    fn inline_scripts_are_hashed_exactly() {
        let html = "<html><head><script src=\"/a.js\"></script>\
                    <SCRIPT type=\"module\">import init from '/x.js';</script></head></html>";
        let hashes = inline_script_hashes(html);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/x.js';"));
        assert_eq!(hashes, vec![format!("'sha256-{expected}'")]);
        assert!(inline_script_hashes("<p>no scripts</p>").is_empty());
        assert!(inline_script_hashes("<script>unterminated").is_empty());
    }
}
