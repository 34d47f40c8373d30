//! Bearer tokens: made and kept by `tarjuman token` (in the TM's
//! `api_token` table, as SHA-256 hashes only), checked by the server on
//! every request that needs one.
//!
//! A token is `tj_` and 64 hex digits (32 random bytes from the operating
//! system). It is printed once; the TM keeps its hash, so a copied TM file
//! gives no one a token. Scopes: `read` (lookups, concordance,
//! pretranslate, export, stats) and `write` (also import and delete).
//! Not here: routes or HTTP answers (see `routes`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::log::TokenSlot;
use super::AppState;
use crate::tm::{StoredToken, TmStore};

/// What a token may do; also what a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A stored token, as `token list` shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token named {0:?} exists already (tarjuman token remove {0} first)")]
    Exists(String),
    #[error("a token name is 1 to 64 letters, digits, '.', '-', '_' or '@' (got {0:?})")]
    BadName(String),
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    #[error(transparent)]
    Tm(#[from] crate::tm::TmError),
}

/// The hex SHA-256 of a token, as stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token.
pub fn generate() -> Result<String, TokenError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(format!("tj_{}", hex::encode(bytes)))
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok {
        Ok(())
    } else {
        Err(TokenError::BadName(name.to_string()))
    }
}

/// Make a token named `name`, store its hash, and return the token (the
/// only time it is seen).
pub fn add(store: &mut dyn TmStore, name: &str, scope: Scope) -> Result<String, TokenError> {
    check_name(name)?;
    let token = generate()?;
    let added = store.add_token(&StoredToken {
        name: name.to_string(),
        scope: scope.as_str().to_string(),
        sha256: hash(&token),
        created_at: crate::tm::now_tmx(),
    })?;
    if !added {
        return Err(TokenError::Exists(name.to_string()));
    }
    Ok(token)
}

/// The stored tokens, by name.
pub fn list(store: &dyn TmStore) -> Result<Vec<TokenInfo>, TokenError> {
    Ok(store
        .tokens()?
        .into_iter()
        .map(|t| TokenInfo {
            scope: Scope::parse(&t.scope).unwrap_or(Scope::Read),
            name: t.name,
            created_at: t.created_at,
        })
        .collect())
}

/// Remove the token named `name`; false if there was none.
pub fn remove(store: &mut dyn TmStore, name: &str) -> Result<bool, TokenError> {
    Ok(store.remove_token(name)?)
}

/// Hash → (name, scope), for the server.
fn load(store: &dyn TmStore) -> Result<TokenMap, crate::tm::TmError> {
    Ok(store
        .tokens()?
        .into_iter()
        .map(|t| {
            let scope = Scope::parse(&t.scope).unwrap_or(Scope::Read);
            (t.sha256, (t.name, scope))
        })
        .collect())
}

/// How long the server trusts its copy of the token table: a token
/// removed with `tarjuman token remove` stops working within this time.
pub const REFRESH: Duration = Duration::from_secs(2);
/// From this age on, a request that finds its token in the copy starts a
/// re-read of the table behind it and goes on with the copy. Under load
/// the copy is so renewed before it expires, and no request waits for
/// the re-read, which queues behind every lookup waiting for a reader
/// (at 64 clients and 5,000 lookups/s a dozen milliseconds, which every
/// request that came meanwhile would wait on top of its own lookup).
const RENEW: Duration = Duration::from_secs(1);
/// An unknown token makes the server re-read the table, at most this often
/// (a token just added works at once).
const MISS_REFRESH: Duration = Duration::from_millis(250);

/// Token hash → (name, scope).
type TokenMap = HashMap<String, (String, Scope)>;

/// The server's copy of the token table, and when it was read.
#[derive(Default)]
pub struct Tokens {
    cache: RwLock<Option<(Instant, Arc<TokenMap>)>>,
    /// Held while the table is re-read for a request that waits: when the
    /// copy expires, one request re-reads it and the others wait for that
    /// copy, instead of each taking a reader to read the same table.
    reloading: tokio::sync::Mutex<()>,
    /// A re-read behind the requests (`RENEW`) is under way.
    renewing: AtomicBool,
}

impl Tokens {
    /// The name and scope of `token`, re-reading the table when the copy
    /// is older than `REFRESH` (or `MISS_REFRESH` for an unknown token),
    /// and behind the request when it is older than `RENEW`.
    async fn find(
        &self,
        state: &AppState,
        token: &str,
    ) -> Result<Option<(String, Scope)>, ApiError> {
        let h = hash(token);
        if let Some((answer, age)) = self.cached(&h, REFRESH) {
            if answer.is_some() && age >= RENEW {
                self.renew(state);
            }
            return Ok(answer);
        }
        let _reloading = self.reloading.lock().await;
        // Re-read while this request waited: that copy is new enough.
        if let Some((answer, _)) = self.cached(&h, MISS_REFRESH) {
            return Ok(answer);
        }
        let map = self.read(state).await?;
        Ok(map.get(&h).cloned())
    }

    /// Read the table on a reader and keep it, dated when it was read.
    async fn read(&self, state: &AppState) -> Result<Arc<TokenMap>, ApiError> {
        let (at, map) = state
            .readers
            .run(|store| (Instant::now(), load(store)))
            .await?;
        let map = Arc::new(map.map_err(ApiError::internal)?);
        if let Ok(mut c) = self.cache.write() {
            // A re-read that finished later may have read later.
            if !matches!(c.as_ref(), Some((kept, _)) if *kept >= at) {
                *c = Some((at, Arc::clone(&map)));
            }
        }
        Ok(map)
    }

    /// Start a re-read that no request waits for, unless one is under way.
    fn renew(&self, state: &AppState) {
        if self.renewing.swap(true, Ordering::AcqRel) {
            return;
        }
        let state = Arc::clone(state);
        tokio::spawn(async move {
            // A failure leaves the copy as it was: it expires at `REFRESH`,
            // and the request that finds it so re-reads and says why.
            let _ = state.tokens.read(&state).await;
            state.tokens.renewing.store(false, Ordering::Release);
        });
    }

    /// The answer for the token hashed `h` from the copy, and the copy's
    /// age, if the copy is younger than `fresh` (a token found) or
    /// `MISS_REFRESH` (one not found).
    fn cached(&self, h: &str, fresh: Duration) -> Option<(Option<(String, Scope)>, Duration)> {
        let cache = self.cache.read().ok()?;
        let (at, map) = cache.as_ref()?;
        let age = at.elapsed();
        match map.get(h) {
            Some(found) if age < fresh => Some((Some(found.clone()), age)),
            None if age < MISS_REFRESH => Some((None, age)),
            _ => None,
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing (health and readiness probes).
    Nothing,
    Scope(Scope),
}

fn refuse(status: StatusCode, code: &'static str, message: &str) -> Response {
    let mut r = ApiError::new(status, code, message).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"tarjuman\""),
        );
    }
    r
}

/// Middleware on each route: let the request through if its bearer token
/// (or `--public-read`, for reads) allows what the route needs, and put
/// the token's name where the request log finds it.
pub async fn authorize(
    State((state, need)): State<(AppState, Need)>,
    req: Request,
    next: Next,
) -> Response {
    let Need::Scope(need) = need else {
        return next.run(req).await;
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").trim().to_string());
    let token = match presented.as_deref() {
        None => None,
        Some(v) => match v.split_once(' ') {
            Some((kind, t)) if kind.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
                Some(t.trim().to_string())
            }
            _ => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "bad_authorization",
                    "the Authorization header must be `Bearer TOKEN`",
                )
            }
        },
    };
    let Some(token) = token else {
        if need == Scope::Read && state.public_read {
            return next.run(req).await;
        }
        let what = if need == Scope::Write {
            "this route needs a token with write scope"
        } else {
            "this route needs a token (Authorization: Bearer TOKEN; tarjuman token add makes one)"
        };
        return refuse(StatusCode::UNAUTHORIZED, "missing_token", what);
    };
    let found = match state.tokens.find(&state, &token).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let Some((name, scope)) = found else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the token is not known to this server (tarjuman token list shows the valid ones)",
        );
    };
    if let Some(slot) = req.extensions().get::<TokenSlot>() {
        slot.set(&name);
    }
    if scope < need {
        return refuse(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            &format!("the token {name:?} has read scope; this route needs write scope"),
        );
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_hashes_and_found_by_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
        let token = add(&mut store, "desk-ar", Scope::Write).unwrap();
        assert!(token.starts_with("tj_") && token.len() == 67, "{token}");
        let stored: String = store
            .conn
            .query_row("SELECT sha256 FROM api_token", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, hash(&token));
        assert_ne!(stored, token);
        assert!(matches!(
            add(&mut store, "desk-ar", Scope::Read),
            Err(TokenError::Exists(_))
        ));
        assert!(matches!(
            add(&mut store, "bad name", Scope::Read),
            Err(TokenError::BadName(_))
        ));
        let map = load(&store).unwrap();
        assert_eq!(map[&hash(&token)], ("desk-ar".to_string(), Scope::Write));
        assert_eq!(list(&store).unwrap()[0].name, "desk-ar");
        assert!(remove(&mut store, "desk-ar").unwrap());
        assert!(!remove(&mut store, "desk-ar").unwrap());
        assert!(list(&store).unwrap().is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_old_copy_is_read_again_behind_the_requests_that_use_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tm.db");
        let mut store = crate::tm::Store::open(&path).unwrap();
        let token = add(&mut store, "desk-ar", Scope::Read).unwrap();
        let state = crate::server::open_state(&crate::server::Config::new(path)).unwrap();
        let tokens = &state.tokens;
        let found = Some(("desk-ar".to_string(), Scope::Read));
        assert_eq!(tokens.find(&state, &token).await.unwrap(), found);
        // The token removed, and the copy made older than RENEW (but
        // younger than REFRESH): the copy answers, and is read again.
        assert!(remove(&mut store, "desk-ar").unwrap());
        if let Ok(mut c) = tokens.cache.write() {
            let (at, _) = c.as_mut().unwrap();
            *at = Instant::now().checked_sub(RENEW).unwrap();
        }
        assert_eq!(tokens.find(&state, &token).await.unwrap(), found);
        for _ in 0..1000 {
            if !tokens.renewing.load(Ordering::Acquire) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The new copy knows the token is gone.
        assert_eq!(tokens.find(&state, &token).await.unwrap(), None);
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
