//! berth's API errors: every error becomes `{"message": …}` with a status, and the mapping from
//! an error's kind to its HTTP status lives here and nowhere else.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_core::errdefs::{ErrorKind, HasKind};
use berth_core::wire::ErrorBody;

use crate::engine::EngineError;

/// An API error: its kind, the status it is answered with, and the message the body carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status: the kind's ([`status_of`]), or the engine's own where it gave one.
    pub status: StatusCode,
    /// Which kind of error it is (named in the body).
    pub kind: ErrorKind,
    /// The message, verbatim from the engine or the core where they gave one.
    pub message: String,
}

/// The HTTP status of an error of `kind`: the one place kinds become statuses (the core's
/// [`ErrorKind::http_status`]).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ApiError {
    /// An error of `kind`, answered with the kind's status.
    pub fn of_kind(kind: ErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            status: status_of(kind),
            kind,
            message: message.into(),
        }
    }

    /// Any core error, with its kind and message.
    pub fn from_core<E: HasKind + std::fmt::Display>(err: &E) -> ApiError {
        ApiError::of_kind(err.kind(), err.to_string())
    }

    /// An error in what the client sent (a filter, a parameter): 400, whatever kind the
    /// engine gives it (Engine 20.10 answers some bad filter values with 500). berth keeps 5xx
    /// for its own failures and the engine's.
    pub fn client_mistake(err: &impl std::fmt::Display) -> ApiError {
        ApiError::bad_request(err.to_string())
    }

    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::of_kind(ErrorKind::InvalidParameter, message)
    }

    /// 401: no token or the wrong one.
    pub fn unauthorized() -> ApiError {
        ApiError::of_kind(
            ErrorKind::Unauthorized,
            "missing or invalid token: send Authorization: Bearer <token> (the token is in the URL berth printed at start)",
        )
    }

    /// 403 with `message`.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::of_kind(ErrorKind::Forbidden, message)
    }

    /// A rejection of axum's extractors: its status, as a client's mistake when it is a 4xx.
    fn rejected(status: StatusCode, message: String) -> ApiError {
        let kind = if status.is_client_error() {
            ErrorKind::InvalidParameter
        } else {
            ErrorKind::System
        };
        ApiError {
            status,
            kind,
            message,
        }
    }
}

impl From<EngineError> for ApiError {
    /// The engine's own status and message pass through; an unreachable engine is 502.
    fn from(err: EngineError) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(err.status()).unwrap_or_else(|_| status_of(err.kind())),
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                message: self.message,
                kind: self.kind,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_engine_statuses() {
        assert_eq!(status_of(ErrorKind::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_of(ErrorKind::Conflict), StatusCode::CONFLICT);
        assert_eq!(
            status_of(ErrorKind::InvalidParameter),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status_of(ErrorKind::System),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn engine_errors_pass_through() {
        let e = ApiError::from(EngineError::Api {
            status: 409,
            kind: ErrorKind::Conflict,
            message: "You cannot remove a running container".into(),
        });
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(e.message, "You cannot remove a running container");
        let gone = ApiError::from(EngineError::Connection("socket closed".into()));
        assert_eq!(gone.status, StatusCode::BAD_GATEWAY);
        assert_eq!(gone.kind, ErrorKind::Unreachable);
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    /// A path the router matched but could not decode (e.g. not UTF-8).
    fn from(rejection: axum::extract::rejection::PathRejection) -> ApiError {
        ApiError::rejected(rejection.status(), rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    /// A query string that does not decode.
    fn from(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::rejected(rejection.status(), rejection.body_text())
    }
}

/// `Path`, with its rejection in the API's `{"message": …}` shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query`, with its rejection in the API's `{"message": …}` shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
