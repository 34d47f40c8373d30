//! One structured line on stderr per request: time, method, route (the
//! route's pattern, never the query text in the path), status, duration
//! and the token's name (never the token). JSON, so that journald or a log
//! shipper can read it as it is.

use std::io::Write;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// Where `auth` leaves the name of the token a request came with.
#[derive(Clone, Default)]
pub struct TokenSlot(Arc<OnceLock<String>>);

impl TokenSlot {
    pub fn set(&self, name: &str) {
        let _ = self.0.set(name.to_string());
    }
}

/// One log line, in this key order.
#[derive(serde::Serialize)]
struct Line<'a> {
    time: String,
    method: &'a str,
    route: &'a str,
    status: u16,
    duration_ms: f64,
    token: Option<&'a str>,
}

/// Middleware: time the request and log it when its answer is ready.
pub async fn log_request(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let slot = TokenSlot::default();
    req.extensions_mut().insert(slot.clone());
    let response = next.run(req).await;
    let line = Line {
        time: crate::tm::now_tmx(),
        method: method.as_str(),
        route: route.as_ref().map_or("(no route)", |p| p.as_str()),
        status: response.status().as_u16(),
        duration_ms: (start.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        token: slot.0.get().map(String::as_str),
    };
    // One write call a line (`eprintln!` makes two: the text, then the
    // newline), so that lines of parallel requests never interleave and a
    // busy server spends half the system calls on its log.
    let mut text = Vec::with_capacity(160);
    if serde_json::to_writer(&mut text, &line).is_ok() {
        text.push(b'\n');
        let _ = std::io::stderr().lock().write_all(&text);
    }
    response
}
