//! berth's security rules, secure by default: the API token (constant-time check), the Host
//! check against DNS rebinding, the cross-origin check on every request that changes anything,
//! read-only mode, and the headers every response carries.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// The CSP of every response; `index.html` adds the hashes of its inline scripts to
/// `script-src` (see [`content_security_policy`]).
pub const BASE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The headers every response carries, berth's and hyper's own error answers alike (the CSP
/// unless the response has its own), as (lower-case name, value).
pub const ALWAYS: [(&str, &str); 3] = [
    ("content-security-policy", BASE_CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// The CSP with extra `script-src` sources (e.g. `'sha256-…'` of inline scripts).
pub fn content_security_policy(extra_script_sources: &[String]) -> String {
    if extra_script_sources.is_empty() {
        return BASE_CSP.to_owned();
    }
    BASE_CSP.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!(
            "script-src 'self' 'wasm-unsafe-eval' {}",
            extra_script_sources.join(" ")
        ),
        1,
    )
}

/// The security settings of one server.
#[derive(Debug, Clone)]
pub struct Security {
    token_digest: [u8; 32],
    allowed_hosts: Vec<String>,
    read_only: bool,
}

/// Why berth refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// A non-loopback listen address without an explicit token.
    #[error("refusing to listen on {0}, which is not a loopback address, without an explicit token: anyone who can reach it could control the engine. Pass --token (or BERTH_TOKEN) with a long random secret, or listen on 127.0.0.1")]
    ExposedWithoutToken(SocketAddr),
    /// The system's random source failed.
    #[error("cannot make a random token: {0}")]
    Random(String),
    /// An empty token.
    #[error("the token must not be empty")]
    EmptyToken,
}

/// A fresh random 256-bit token, as 64 hex digits.
pub fn generate_token() -> Result<String, StartError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StartError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Refuses a listen address that is not loopback unless the token was given explicitly.
pub fn check_listen(addr: SocketAddr, explicit_token: bool) -> Result<(), StartError> {
    if addr.ip().is_loopback() || explicit_token {
        Ok(())
    } else {
        Err(StartError::ExposedWithoutToken(addr))
    }
}

impl Security {
    /// Settings with `token`, the extra Host names to accept and read-only mode.
    pub fn new(
        token: &str,
        allowed_hosts: impl IntoIterator<Item = String>,
        read_only: bool,
    ) -> Result<Security, StartError> {
        if token.is_empty() {
            return Err(StartError::EmptyToken);
        }
        Ok(Security {
            token_digest: Sha256::digest(token.as_bytes()).into(),
            // A name given with a port (`berth.example:7800`) is accepted on any port, as the
            // loopback names are.
            allowed_hosts: allowed_hosts
                .into_iter()
                .filter_map(|h| split_authority(&h, 80))
                .map(|(name, _)| name.trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            read_only,
        })
    }

    /// Whether changes are refused (`--read-only`).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Whether `candidate` is the token. Both sides are hashed first, so the comparison takes
    /// the same time whatever the candidate's length and content.
    pub fn token_matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        digest
            .iter()
            .zip(self.token_digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// Whether a request with this `Host` header value may be served: loopback names and
    /// addresses with any port, or an `--allow-host` name.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some((name, _)) = split_authority(host, 80) else {
            return false;
        };
        if is_loopback_name(&name) {
            return true;
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_hosts.contains(&name)
    }
}

/// Splits `host[:port]` / `[v6]:port` into the name (brackets removed) and the port
/// (`default_port` when absent). `None` when malformed.
fn split_authority(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let authority = authority.trim();
    if authority.is_empty() {
        return None;
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((name.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => Some((name.to_owned(), port.parse().ok()?)),
        Some(_) => None,
        None => Some((authority.to_owned(), default_port)),
    }
}

/// The origin `scheme://host[:port]` as (scheme, name, port), for comparing with the Host
/// header.
fn origin_authority(origin: &str) -> Option<(&'static str, String, u16)> {
    let (scheme, rest) = origin.split_once("://")?;
    let (scheme, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "http" => ("http", 80),
        "https" => ("https", 443),
        _ => return None,
    };
    let authority = rest.split('/').next()?;
    let (name, port) = split_authority(authority, default_port)?;
    Some((scheme, name, port))
}

/// Whether `name` (no port) is a loopback name or address.
fn is_loopback_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request that changes something comes from another origin: `Sec-Fetch-Site:
/// cross-site`; more than one `Origin`; or an `Origin` whose host and port differ from `Host`
/// (`Origin: null` included), or whose scheme is not berth's: berth serves plain HTTP, so only
/// a page reached through an `--allow-host` name (a proxy may add TLS) has an `https` origin.
fn is_cross_origin(headers: &HeaderMap, host: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if site.as_bytes().eq_ignore_ascii_case(b"cross-site") {
            return true;
        }
    }
    let mut origins = headers.get_all(header::ORIGIN).iter();
    let Some(origin) = origins.next() else {
        return false;
    };
    if origins.next().is_some() {
        return true;
    }
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    match (origin_authority(origin), split_authority(host, 80)) {
        (Some((scheme, o_name, o_port)), Some((h_name, h_port))) => {
            let scheme_ok = scheme == "http" || !is_loopback_name(&h_name);
            !(scheme_ok && o_name.eq_ignore_ascii_case(&h_name) && o_port == h_port)
        }
        _ => true,
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The `Host` of a request: the header (HTTP/1.1), or the URI's authority (HTTP/2, or an
/// absolute-form request line). Refused (the reason) when it is ambiguous: two `Host` headers,
/// or a request line whose authority is not the `Host` header's.
fn request_host(req: &Request) -> Result<String, String> {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let header = hosts.next();
    if hosts.next().is_some() {
        return Err("more than one Host header".to_owned());
    }
    let authority = req.uri().authority().map(|a| a.as_str().to_owned());
    match (header, authority) {
        (Some(h), authority) => {
            let h = h
                .to_str()
                .map_err(|_| "a Host header that is not text".to_owned())?;
            match authority {
                Some(a) if !a.eq_ignore_ascii_case(h) => Err(format!(
                    "the request line names {a:?} but the Host header {h:?}"
                )),
                _ => Ok(h.to_owned()),
            }
        }
        (None, Some(a)) => Ok(a),
        (None, None) => Err("missing Host header".to_owned()),
    }
}

/// The token a request carries: `Authorization: Bearer …`, or on `GET /api/events` only
/// (which a browser's `EventSource` opens without headers) the `token` query parameter.
fn request_token(req: &Request) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(token.trim().to_owned());
        }
        return None;
    }
    if req.method() == Method::GET && req.uri().path() == "/api/events" {
        let query = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(req.uri()).ok()?;
        return query
            .0
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v);
    }
    None
}

/// The guard in front of every route: Host check (403), cross-origin changes (403), and the
/// token on `/api` (401).
pub async fn guard(State(security): State<Arc<Security>>, req: Request, next: Next) -> Response {
    let host = match request_host(&req) {
        Ok(host) => host,
        Err(why) => return ApiError::forbidden(why).into_response(),
    };
    if !security.host_allowed(&host) {
        return ApiError::forbidden(format!(
            "Host {host:?} is not allowed: berth answers only to loopback names (localhost, 127.0.0.1, [::1]) and --allow-host names"
        ))
        .into_response();
    }
    if !is_safe_method(req.method()) && is_cross_origin(req.headers(), &host) {
        return ApiError::forbidden("cross-origin requests may not change anything")
            .into_response();
    }
    if is_api_path(req.uri().path()) {
        let authorized = request_token(&req).is_some_and(|t| security.token_matches(&t));
        if !authorized {
            return ApiError::unauthorized().into_response();
        }
    }
    next.run(req).await
}

/// Adds the headers every response carries (the CSP only where the handler set none).
pub async fn headers(req: Request, next: Next) -> Response {
    let is_api = is_api_path(req.uri().path());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    for (name, value) in ALWAYS {
        // A page's own CSP (the web app's index, with its script hashes) stays.
        if name == header::CONTENT_SECURITY_POLICY.as_str() && h.contains_key(name) {
            continue;
        }
        h.insert(name, HeaderValue::from_static(value));
    }
    // Nothing of the API is stored: not a list, not an error, not the event stream (which
    // axum marks no-cache).
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether `path` is the API's: `/api` itself or below it.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security() -> Security {
        Security::new(
            "secret",
            vec!["berth.example".to_owned(), "Proxy.Example:443".to_owned()],
            false,
        )
        .unwrap_or_else(|e| {
            panic!("{e}");
        })
    }

    #[test]
    fn loopback_hosts_with_any_port_are_allowed() {
        let s = security();
        for host in [
            "localhost",
            "localhost:7800",
            "LOCALHOST:1",
            "127.0.0.1",
            "127.0.0.1:7800",
            "[::1]",
            "[::1]:7800",
            "berth.example:7800",
            "proxy.example",
            "proxy.example:8443",
        ] {
            assert!(s.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:7800",
            "localhost.evil.example",
            "192.168.1.2:7800",
            "",
            "[::1",
            "localhost:notaport",
        ] {
            assert!(!s.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn token_comparison() {
        let s = security();
        assert!(s.token_matches("secret"));
        assert!(!s.token_matches("secreT"));
        assert!(!s.token_matches(""));
        assert!(!s.token_matches("secret "));
    }

    #[test]
    fn generated_tokens_are_256_bits_of_hex() {
        let a = generate_token().unwrap_or_default();
        let b = generate_token().unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn exposed_listen_needs_an_explicit_token() {
        let lan: SocketAddr = "0.0.0.0:7800".parse().unwrap_or_else(|e| panic!("{e}"));
        let lo: SocketAddr = "127.0.0.1:7800".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(check_listen(lo, false).is_ok());
        assert!(matches!(
            check_listen(lan, false),
            Err(StartError::ExposedWithoutToken(_))
        ));
        assert!(check_listen(lan, true).is_ok());
    }

    #[test]
    fn cross_origin_detection() {
        let mut h = HeaderMap::new();
        assert!(!is_cross_origin(&h, "localhost:7800"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:7800"),
        );
        assert!(!is_cross_origin(&h, "localhost:7800"));
        assert!(is_cross_origin(&h, "127.0.0.1:7800"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:9999"),
        );
        assert!(is_cross_origin(&h, "localhost:7800"));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(is_cross_origin(&h, "localhost:7800"));
        // berth serves plain HTTP: an https origin on loopback is another origin, but one
        // through an --allow-host name (a TLS proxy) is not.
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://127.0.0.1:7800"),
        );
        assert!(is_cross_origin(&h, "127.0.0.1:7800"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://berth.example"),
        );
        assert!(!is_cross_origin(&h, "berth.example:443"));
        // Two origins: refused, whichever comes first.
        let mut two = HeaderMap::new();
        two.append(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:7800"),
        );
        two.append(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(is_cross_origin(&two, "localhost:7800"));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_origin(&h, "localhost:7800"));
    }

    #[test]
    fn csp_with_inline_script_hashes() {
        let csp = content_security_policy(&["'sha256-abc='".to_owned()]);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='; style-src"));
        assert_eq!(content_security_policy(&[]), BASE_CSP);
    }
}
