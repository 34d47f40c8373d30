//! Every refusal and failure the server answers, as one JSON shape:
//! `{"error": {"code": "...", "message": "..."}}` with a 4xx or 5xx status.
//! `json_errors` also rewrites the plain-text errors that axum and tower-http
//! answer themselves (unknown route, wrong method, body too large, timeout)
//! into that shape, so that a client parses one form whatever went wrong.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer: status, a stable machine-readable code, a message for
/// people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: a parameter is missing, malformed or out of range.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404: the TM has nothing by that name (language pair, origin).
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 413: over one of the server's limits.
    pub fn too_large(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    /// 500: the TM could not be read or written.
    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            message.to_string(),
        )
    }

    /// 503: shutting down, or the writer is gone.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// The error's JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// A library error as a 500, with its whole chain of causes (as the CLI
/// prints them: "outer: inner: …").
fn internal_chain(e: &dyn std::error::Error) -> ApiError {
    ApiError::internal(crate::api::causes(e))
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                internal_chain(&e)
            }
        }
    )*};
}

/// An origin the TM does not hold is a 404; a failed read is a 500.
impl From<crate::api::OriginError> for ApiError {
    fn from(e: crate::api::OriginError) -> ApiError {
        match e {
            crate::api::OriginError::Tm(e) => internal_chain(&e),
            e => ApiError::not_found("unknown_origin", e.to_string()),
        }
    }
}

internal_from!(
    crate::tm::TmError,
    crate::tm::StoreError,
    crate::tm::write::WriteError,
    crate::api::ExportError,
    std::io::Error
);

/// The code for a status that axum or tower-http answered by itself.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_json",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Longest plain-text error body rewritten into JSON (axum's are one line).
const MAX_PLAIN_ERROR: usize = 4096;

/// Middleware: a 4xx/5xx answer that is not JSON becomes the JSON shape,
/// its text (if any) the message.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_PLAIN_ERROR)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        match status {
            StatusCode::NOT_FOUND => "no such route (see docs/openapi.json)".to_string(),
            StatusCode::REQUEST_TIMEOUT => {
                "the request took longer than the server's timeout".to_string()
            }
            _ => status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_string(),
        }
    } else {
        text
    };
    let body = json!({ "error": { "code": code_of(status), "message": message } });
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}
