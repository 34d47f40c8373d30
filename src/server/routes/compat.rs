//! The unit lookup of amaGama and translate-toolkit's tmserver, which
//! Weblate's and Virtaal's TM backends call:
//! `GET /tmserver/{source_lang}/{target_lang}/unit/{text}`, amaGama's
//! `GET /api/v1/{source_lang}/{target_lang}/unit/{text}` (and `…/unit/?source=`),
//! and amaGama's `GET /api/v1/languages/` (also under `/tmserver/`).
//!
//! The answer is their list, best first:
//! `[{"source": str, "target": str, "quality": float, "rank": float}]`.
//! `quality` is the match score as a percentage (a context match, 101,
//! counts as 100); `rank` is the score itself, ties kept in the matcher's
//! order. Query parameters as amaGama takes them: `min_similarity` (default
//! 70, at least 30), `max_candidates` (default 5); a value that is not a
//! number is ignored, as amaGama does. Language codes in either form
//! (`en_GB`, `en-GB`). A pair the TM does not hold answers `[]` (tmserver's
//! behaviour), so a client shows no suggestion rather than an error.
//! No JSONP (`callback`): a script-injection vector with no modern user.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;

use crate::server::error::ApiError;
use crate::server::AppState;

#[derive(Debug, Serialize)]
pub struct Suggestion {
    pub source: String,
    pub target: String,
    pub quality: f64,
    pub rank: f64,
}

fn int_param(q: &HashMap<String, String>, name: &str) -> Option<u32> {
    q.get(name).and_then(|v| v.trim().parse().ok())
}

async fn suggest(
    state: AppState,
    slang: String,
    tlang: String,
    text: String,
    q: HashMap<String, String>,
) -> Result<Json<Vec<Suggestion>>, ApiError> {
    state.limits.check_query("the unit text", &text)?;
    let bad = |l: &str| {
        ApiError::not_found(
            "bad_language",
            format!("{l:?} is not a language code (try ar, en, en_GB)"),
        )
    };
    let src = crate::api::parse_lang(&slang).map_err(|_| bad(&slang))?;
    let tgt = crate::api::parse_lang(&tlang).map_err(|_| bad(&tlang))?;
    let min = int_param(&q, "min_similarity").unwrap_or(70).clamp(30, 100) as u8;
    let top =
        (int_param(&q, "max_candidates").unwrap_or(5) as usize).clamp(1, state.limits.max_results);
    let found = state
        .readers
        .run_with(move |reader| -> Result<Vec<Suggestion>, ApiError> {
            let matcher = match reader.matcher(&src, &tgt) {
                Ok(m) => m,
                Err(e) if e.code == "language_pair_not_in_tm" => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            Ok(matcher
                .lookup(&text, None, min, top)?
                .into_iter()
                .map(|m| Suggestion {
                    source: m.source,
                    target: m.target_fixed.unwrap_or(m.target),
                    quality: f64::from(m.score.min(100)),
                    rank: f64::from(m.score),
                })
                .collect())
        })
        .await??;
    Ok(Json(found))
}

/// `…/unit/{text}`: the text in the path (percent-encoded, may hold `/`).
pub async fn unit_in_path(
    State(state): State<AppState>,
    Path((slang, tlang, text)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Suggestion>>, ApiError> {
    suggest(state, slang, tlang, text, q).await
}

/// amaGama's `…/unit/?source={text}`.
pub async fn unit_in_query(
    State(state): State<AppState>,
    Path((slang, tlang)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Suggestion>>, ApiError> {
    let text = q.get("source").cloned().unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::not_found(
            "missing_source",
            "give the text as ?source=TEXT",
        ));
    }
    suggest(state, slang, tlang, text, q).await
}

/// amaGama's language list (`/api/v1/languages/`, and `/tmserver/languages/`
/// where Weblate's tmserver backend asks): every language the TM holds,
/// as stored (`en-GB`), by its primary subtag (`en`), and in the form
/// Weblate compares with its own codes (`en_gb`: lowercase, underscore).
pub async fn languages(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let stats = state.readers.run(|store| store.stats()).await??;
    let mut langs = std::collections::BTreeSet::new();
    for l in &stats.languages {
        langs.insert(l.lang.clone());
        langs.insert(crate::text::lang::primary(&l.lang).to_string());
        langs.insert(l.lang.to_lowercase().replace('-', "_"));
    }
    let langs: Vec<String> = langs.into_iter().collect();
    Ok(Json(
        serde_json::json!({ "sourceLanguages": langs, "targetLanguages": langs }),
    ))
}
