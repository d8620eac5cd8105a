//! berth's listener: the accept loop in front of [`app`](super::app), bounded against hostile
//! and broken clients.
//!
//! - **Header limits.** A request head (request line and headers) must arrive within
//!   [`Limits::header_read_timeout`] and fit in [`Limits::max_header_bytes`]; hyper answers a
//!   bigger one with 431 and closes. The same timeout closes a keep-alive connection left idle.
//! - **A cap on open connections.** Beyond [`Limits::max_connections`], a new connection is
//!   answered `503` with `Retry-After` and a `{"message"}` body, then closed unread.
//! - **Write stalls.** A client that accepts no byte of its response for
//!   [`Limits::write_stall_timeout`] (an event stream nobody reads) is cut off, so what waits
//!   for it (its send queue, its place in the mirror's feed) is freed.
//! - **hyper's own answers.** The 400, 414 and 431 hyper writes for a request it cannot parse
//!   carry the security headers too ([`security::ALWAYS`]).
//!
//! Only HTTP/1.1 (and 1.0) is served: browsers speak HTTP/2 only over TLS, which berth leaves to
//! a proxy in front of it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::Router;
use berth_core::errdefs::ErrorKind;
use berth_core::wire::ErrorBody;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use super::security;

/// The bounds of the listener. [`Limits::default`] is what `berth` runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send a request's head, and how long a keep-alive
    /// connection may sit idle.
    pub header_read_timeout: Duration,
    /// The largest request head (request line and headers), in bytes.
    pub max_header_bytes: usize,
    /// How many connections may be open at once.
    pub max_connections: usize,
    /// How long a response may wait for the client to accept a byte.
    pub write_stall_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(5),
            max_header_bytes: 32 * 1024,
            max_connections: 256,
            write_stall_timeout: Duration::from_secs(30),
        }
    }
}

/// How many refusals (503s over the connection cap) may be in flight at once; beyond that a
/// connection is closed without an answer.
const MAX_REFUSALS: usize = 64;

/// How long a refusal may take to write and close.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` within `limits` until `stop` resolves, then stops accepting and
/// gives the requests in flight up to `grace` to finish (event streams, which never finish, are
/// cut then).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        // Also bounds what is buffered of a response for a client that does not read it.
        .max_buf_size(limits.max_header_bytes.max(64 * 1024));
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let graceful = GracefulShutdown::new();
    let service = TowerToHyperService::new(app);
    tokio::pin!(stop);
    let mut saturated = false;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            // Said once per spell of refusals, not once per connection of a flood.
            if !saturated {
                saturated = true;
                tracing::warn!(
                    "refusing connections (the first from {peer}): {} are open, the limit \
                     (--max-connections)",
                    limits.max_connections
                );
            }
            if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, refuse(stream, limits)).await;
                    drop(refusal);
                });
            }
            continue;
        };
        if saturated {
            saturated = false;
            tracing::info!("accepting connections again");
        }
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Guarded::new(stream, limits.write_stall_timeout));
        let connection = graceful.watch(http.serve_connection(io, service.clone()));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("cutting the connections still open after {grace:?}");
    }
}

/// Answers a connection over the cap: 503 with the security headers and a JSON body, then
/// closes it without reading the request.
async fn refuse(mut stream: TcpStream, limits: Limits) {
    let body = serde_json::to_string(&ErrorBody {
        message: format!(
            "berth has {} connections open, its limit (--max-connections): try again in a moment",
            limits.max_connections
        ),
        kind: ErrorKind::Unavailable,
    })
    .unwrap_or_default();
    let mut head = format!(
        "HTTP/1.1 {} Service Unavailable\r\n",
        ErrorKind::Unavailable.http_status()
    );
    head.push_str(&security_lines());
    head.push_str(&format!(
        "content-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    ));
    let answer = [head.as_bytes(), body.as_bytes()].concat();
    if stream.write_all(&answer).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

/// The header lines every answer written below the router carries: the security headers and
/// `Cache-Control: no-store` (none of them is a page to keep).
fn security_lines() -> String {
    security::ALWAYS
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .chain(std::iter::once("cache-control: no-store\r\n".to_owned()))
        .collect()
}

/// A connection's socket, as hyper sees it: cut off when a write stalls too long, and with the
/// security headers added to hyper's own error answers.
struct Guarded<S> {
    inner: S,
    stall: Duration,
    /// Armed while a write waits for the client.
    stalled: Option<Pin<Box<Sleep>>>,
    /// What remains to be written of a rewritten head, before anything else.
    pending: Vec<u8>,
}

impl<S> Guarded<S> {
    fn new(inner: S, stall: Duration) -> Guarded<S> {
        Guarded {
            inner,
            stall,
            stalled: None,
            pending: Vec::new(),
        }
    }
}

impl<S: AsyncWrite + Unpin> Guarded<S> {
    /// Runs one write to the socket under the stall timer: `Pending` arms it, progress disarms
    /// it, and a stall that outlasts it is an error, which ends the connection.
    fn poll_io<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match op(Pin::new(&mut self.inner), cx) {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let stall = self.stall;
                let timer = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the client accepted nothing for {stall:?}"),
                    )));
                }
                Poll::Pending
            }
        }
    }

    /// Writes out what remains of a rewritten head.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let mut pending = std::mem::take(&mut self.pending);
            let written = self.poll_io(cx, |s, cx| s.poll_write(cx, &pending));
            match written {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    pending.drain(..n);
                    self.pending = pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.pending = pending;
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if let Some(head) = with_security_headers(buf) {
            this.pending = head;
            // The rewritten head is hyper's whole buffer, taken; it goes out before anything
            // else is written.
            let _ = this.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        this.poll_io(cx, |s, cx| s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(head) = with_security_headers(first) {
                this.pending = head;
                let _ = this.poll_pending(cx)?;
                return Poll::Ready(Ok(first.len()));
            }
        }
        this.poll_io(cx, |s, cx| s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        this.poll_io(cx, |s, cx| s.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        this.poll_io(cx, |s, cx| s.poll_shutdown(cx))
    }
}

/// hyper's own answer to a request it could not parse (400, 414 or 431, an empty body, written
/// before any response of berth's), with the security headers added after its status line.
/// `None` for anything else: every response of berth's own carries them already.
fn with_security_headers(buf: &[u8]) -> Option<Vec<u8>> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buf[..head_end];
    let status_line_end = head.windows(2).position(|w| w == b"\r\n")? + 2;
    let status_line = &head[..status_line_end];
    let hypers_own = [b"400 ", b"414 ", b"431 "]
        .iter()
        .any(|code| status_line.starts_with(b"HTTP/1.1 ") && status_line[9..].starts_with(*code));
    let lower = head.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if !hypers_own || head_end != buf.len() || has(b"\r\nx-content-type-options:") {
        return None;
    }
    let mut out = Vec::with_capacity(head.len() + 512);
    out.extend_from_slice(status_line);
    out.extend_from_slice(security_lines().as_bytes());
    out.extend_from_slice(&head[status_line_end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_own_answers_get_the_security_headers() {
        let hyper =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = with_security_headers(hyper).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{text}"
        );
        assert!(
            text.contains("\r\nx-content-type-options: nosniff\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\ncontent-security-policy: "), "{text}");
        assert!(
            text.ends_with("content-length: 0\r\ndate: x\r\n\r\n"),
            "{text}"
        );
        // berth's own answers, other statuses, a head followed by a body, or bytes that are
        // no head are left alone.
        for other in [
            &b"HTTP/1.1 400 Bad Request\r\nx-content-type-options: nosniff\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"{\"message\":\"HTTP/1.1 400 \\r\\n\\r\\n\"}",
        ] {
            assert_eq!(with_security_headers(other), None);
        }
    }
}
