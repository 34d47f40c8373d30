//! The route table: every route the server answers, what it needs (no
//! token, read or write scope) and whether it is a long one (upload,
//! download) with the longer timeout. The router is built from this table
//! and nothing else, and `docs/openapi.json` is checked against it
//! (`tests::openapi_describes_every_route_and_no_other`).

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use super::auth::{self, Need, Scope};
use super::{error, log, AppState};

pub mod api;
pub mod compat;

/// One entry of the table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// In axum's syntax (`{name}`, `{*rest}` for a rest that may hold `/`).
    pub path: &'static str,
    pub need: Need,
    /// Uploads and downloads: the import timeout and (import) no body limit
    /// but the import size limit.
    pub slow: bool,
}

const fn route(method: &'static str, path: &'static str, need: Need, slow: bool) -> Route {
    Route {
        method,
        path,
        need,
        slow,
    }
}

const READ: Need = Need::Scope(Scope::Read);
const WRITE: Need = Need::Scope(Scope::Write);

/// Every route with its handler.
pub fn table() -> Vec<(Route, MethodRouter<AppState>)> {
    vec![
        (
            route("GET", "/health", Need::Nothing, false),
            get(api::health),
        ),
        (
            route("GET", "/ready", Need::Nothing, false),
            get(api::ready),
        ),
        (
            route("GET", "/api/v1/lookup", READ, false),
            get(api::lookup_get),
        ),
        (
            route("POST", "/api/v1/lookup", READ, false),
            post(api::lookup_post),
        ),
        (
            route("GET", "/api/v1/concord", READ, false),
            get(api::concord),
        ),
        (
            route("POST", "/api/v1/pretranslate", READ, false),
            post(api::pretranslate),
        ),
        (
            route("POST", "/api/v1/import", WRITE, true),
            post(api::import),
        ),
        (route("GET", "/api/v1/export", READ, true), get(api::export)),
        (route("GET", "/api/v1/stats", READ, false), get(api::stats)),
        (
            route("POST", "/api/v1/delete", WRITE, false),
            post(api::delete),
        ),
        (
            route(
                "GET",
                "/tmserver/{source_lang}/{target_lang}/unit/{*text}",
                READ,
                false,
            ),
            get(compat::unit_in_path),
        ),
        (
            route(
                "GET",
                "/api/v1/{source_lang}/{target_lang}/unit/{*text}",
                READ,
                false,
            ),
            get(compat::unit_in_path),
        ),
        (
            route(
                "GET",
                "/api/v1/{source_lang}/{target_lang}/unit/",
                READ,
                false,
            ),
            get(compat::unit_in_query),
        ),
        (
            route("GET", "/api/v1/languages/", READ, false),
            get(compat::languages),
        ),
        (
            route("GET", "/tmserver/languages/", READ, false),
            get(compat::languages),
        ),
    ]
}

/// The router: the table's routes, each behind its token check and
/// timeout; body limits; JSON errors; CORS for the origins given (none:
/// no CORS headers at all); a log line per request.
pub fn router(state: AppState, cors_origins: &[String]) -> Result<Router, String> {
    let limits = state.limits.clone();
    let mut router: Router<AppState> = Router::new();
    for (r, handler) in table() {
        let timeout = if r.slow {
            limits.import_timeout
        } else {
            limits.timeout
        };
        let mut handler = handler
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                timeout,
            ))
            .layer(from_fn_with_state((state.clone(), r.need), auth::authorize));
        if r.slow && r.method == "POST" {
            // The upload is counted against --max-import-bytes as it streams.
            handler = handler.layer(DefaultBodyLimit::disable());
        }
        router = router.route(r.path, handler);
    }
    let mut router = router
        .layer(DefaultBodyLimit::max(limits.max_body))
        .layer(from_fn(error::json_errors));
    if !cors_origins.is_empty() {
        let origins = cors_origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o).map_err(|_| format!("{o:?} is not a valid CORS origin"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                ]),
        );
    }
    Ok(router.layer(from_fn(log::log_request)).with_state(state))
}

#[cfg(test)]
mod tests;
