//! berth's HTTP API from the browser: the access token, the engine status, the actions and the
//! wait.
//!
//! The token comes once from the start-up URL (`?token=…`, removed from the address bar at
//! once) or from the sign-in field, and is kept in `localStorage`: every tab of this browser on
//! berth's origin (scheme, host *and port*) is signed in, a bookmark or a Ctrl-click included,
//! and none of another origin is. A cookie would not do: browsers send a cookie for `localhost`
//! to every port of it, so any other local server the user visits would receive berth's key.

use berth_core::actions::Action;
use berth_core::errdefs::ErrorKind;
use berth_core::ops::Op;
use berth_core::wait::WaitCondition;
use berth_core::wire::{EngineStatus, ErrorBody, WaitResponse};
use gloo_net::http::{Request, RequestBuilder};

const TOKEN_KEY: &str = "berth-token";

/// An API call that failed: the HTTP status (0 when berth could not be reached) and the
/// engine's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, 0 for a network error.
    pub status: u16,
    /// Which kind of error: what berth's body names, else read from the status. It decides
    /// whether to offer the sign-in.
    pub kind: ErrorKind,
    /// The message to show.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// This browser's token for berth, if any.
pub fn token() -> Option<String> {
    storage()?
        .get_item(TOKEN_KEY)
        .ok()?
        .filter(|t| !t.is_empty())
}

fn keep_token(token: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

/// Takes `?token=` from the address bar into storage and removes it from the URL (and so from
/// history), keeping the path and the other parameters.
pub fn capture_token() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    let params = url.search_params();
    let Some(t) = params.get("token") else {
        return;
    };
    keep_token(&t);
    params.delete("token");
    let search = params.to_string().as_string().unwrap_or_default();
    let clean = if search.is_empty() {
        format!("{}{}", url.pathname(), url.hash())
    } else {
        format!("{}?{search}{}", url.pathname(), url.hash())
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
}

/// The token in what a user pasted: the token itself, or the whole address berth printed.
pub fn token_in(pasted: &str) -> String {
    let pasted = pasted.trim();
    let from_url = web_sys::Url::new(pasted)
        .ok()
        .and_then(|url| url.search_params().get("token"));
    from_url.unwrap_or_else(|| pasted.to_owned())
}

/// Signs this browser in with `token` if berth accepts it: every tab of it then uses it.
pub async fn sign_in(token: &str) -> Result<(), ApiError> {
    if token.is_empty() {
        return Err(ApiError {
            status: 401,
            kind: ErrorKind::Unauthorized,
            message: "paste the token first".to_owned(),
        });
    }
    let builder = Request::get("/api/engine").header("Authorization", &format!("Bearer {token}"));
    let response = builder.send().await.map_err(unreachable)?;
    match response.status() {
        200 => {
            keep_token(token);
            Ok(())
        }
        401 => Err(ApiError {
            status: 401,
            kind: ErrorKind::Unauthorized,
            message: "berth refused this token: it changes each time berth starts, unless \
                      started with --token"
                .to_owned(),
        }),
        status => Err(ApiError {
            status,
            kind: ErrorKind::of_status(status),
            message: format!("berth answered HTTP {status}"),
        }),
    }
}

fn authorized(builder: RequestBuilder) -> RequestBuilder {
    match token() {
        Some(t) => builder.header("Authorization", &format!("Bearer {t}")),
        None => builder,
    }
}

fn unreachable(e: impl std::fmt::Display) -> ApiError {
    ApiError {
        status: 0,
        kind: ErrorKind::Unreachable,
        message: format!("berth is not reachable ({e})"),
    }
}

/// Sends `builder` and returns the body of a 2xx or 304 answer, else the error.
async fn send(builder: RequestBuilder) -> Result<String, ApiError> {
    send_status(builder).await.map(|(_, body)| body)
}

/// [`send`], with the status of the answer (200, 204 or 304).
async fn send_status(builder: RequestBuilder) -> Result<(u16, String), ApiError> {
    let response = authorized(builder).send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if response.ok() || status == 304 {
        return Ok((status, body));
    }
    let message = match status {
        401 => "berth refused the token: open the address berth printed at start (with \
                ?token=…), or paste the token"
            .to_owned(),
        _ => {
            let m = ErrorBody::message_of(&body);
            if m.is_empty() {
                format!("HTTP {status}")
            } else {
                m
            }
        }
    };
    let kind = ErrorBody::kind_of(&body).unwrap_or_else(|| ErrorKind::of_status(status));
    Err(ApiError {
        status,
        kind,
        message,
    })
}

/// `GET /api/engine`.
pub async fn engine() -> Result<EngineStatus, ApiError> {
    let body = send(Request::get("/api/engine")).await?;
    serde_json::from_str(&body).map_err(|e| ApiError {
        status: 200,
        kind: ErrorKind::System,
        message: format!("unreadable engine status: {e}"),
    })
}

/// Sends `op` to berth's API, which takes the Engine API's paths under `/api`
/// ([`Op::request`]). The operations the web app sends carry no body.
async fn ask(op: &Op) -> Result<String, ApiError> {
    ask_status(op).await.map(|(_, body)| body)
}

/// [`ask`], with the status of the answer.
async fn ask_status(op: &Op) -> Result<(u16, String), ApiError> {
    let request = op.request();
    let url = format!("/api{}", request.uri());
    let builder = match request.method {
        "DELETE" => Request::delete(&url),
        "GET" => Request::get(&url),
        _ => Request::post(&url),
    };
    send_status(builder).await
}

/// What the engine did with an action it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acted {
    /// It carried the action out.
    Done,
    /// It answered 304 Not Modified: the container already was as asked (a start of a running
    /// container, a stop of a stopped one).
    Unchanged,
}

/// Carries out `action` on container `id`.
pub async fn act(id: &str, action: Action) -> Result<Acted, ApiError> {
    let (status, _) = ask_status(&Op::of_action(action, id)).await?;
    Ok(if status == 304 {
        Acted::Unchanged
    } else {
        Acted::Done
    })
}

/// `POST /api/containers/{id}/wait?condition=…`: resolves when the engine answers.
pub async fn wait(id: &str, condition: WaitCondition) -> Result<WaitResponse, ApiError> {
    let body = ask(&Op::Wait {
        target: id.to_owned(),
        condition,
        timeout_ms: None,
    })
    .await?;
    serde_json::from_str(&body).map_err(|e| ApiError {
        status: 200,
        kind: ErrorKind::System,
        message: format!("unreadable wait answer: {e}"),
    })
}

/// The URL of the event stream, resuming after `since` when given. EventSource cannot send
/// headers, so the token goes in the query (berth accepts it there for this one endpoint).
pub fn events_url(since: Option<u64>) -> String {
    let mut url = String::from("/api/events");
    let mut sep = '?';
    if let Some(t) = token() {
        url.push_str(&format!("{sep}token={}", encode(&t)));
        sep = '&';
    }
    if let Some(r) = since {
        url.push_str(&format!("{sep}since={r}"));
    }
    url
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}
