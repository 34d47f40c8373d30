//! The JSON API under `/api/v1`, and `/health` and `/ready`. Each handler
//! checks its parameters against the limits, then calls the same library
//! function as the CLI command of the same name, on a reader (reads) or
//! through the writer (writes), and answers the CLI's `--format json` shape.

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::api::{
    ConcordResult, ExportSpec, ImportErrorJson, ImportResult, LookupResult, PretranslateResult,
};
use crate::import::InputFormat;
use crate::import::{FileFormat, ImportError, ImportOptions};
use crate::server::error::ApiError;
use crate::server::writer::Which;
use crate::server::AppState;
use crate::text::segment::{Lang, Segmenter};
use crate::tm::concord::{concord as find_hits, Search};
use crate::tm::pretranslate::{analyse, pretranslate as pretranslate_all};
use crate::tm::read::UnitFilter;
use crate::tm::OnDuplicate;

fn d_src() -> String {
    "ar".into()
}
fn d_tgt() -> String {
    "en".into()
}
fn d_min() -> u32 {
    70
}
fn d_top() -> usize {
    5
}
fn d_limit() -> usize {
    20
}

/// A language tag parameter, normalized; 400 if it is not one.
fn lang(name: &str, value: &str) -> Result<String, ApiError> {
    crate::api::parse_lang(value)
        .map_err(|m| ApiError::bad_request("bad_language", format!("{name}: {m}")))
}

pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready when a reader can read the TM and the writer is there.
pub async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let readable = state
        .readers
        // A small read of the counters: the tables are there and readable.
        .run(|store| store.most_common_source())
        .await?;
    if let Err(e) = readable {
        return Err(ApiError::unavailable(format!("the TM cannot be read: {e}")));
    }
    if !state.writer.alive() {
        return Err(ApiError::unavailable("the writer has stopped"));
    }
    Ok(Json(json!({ "status": "ready" })))
}

/// `GET /api/v1/lookup?text=…`: one sentence.
#[derive(Debug, Deserialize)]
pub struct LookupParams {
    text: String,
    prev: Option<String>,
    #[serde(default = "d_min")]
    min: u32,
    #[serde(default = "d_top")]
    top: usize,
    #[serde(default = "d_src")]
    src_lang: String,
    #[serde(default = "d_tgt")]
    tgt_lang: String,
}

/// `POST /api/v1/lookup`: one sentence (`text`) or a batch (`texts`, each
/// the context of the next, as the CLI's `--file`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    text: Option<String>,
    texts: Option<Vec<String>>,
    prev: Option<String>,
    #[serde(default = "d_min")]
    min: u32,
    #[serde(default = "d_top")]
    top: usize,
    #[serde(default = "d_src")]
    src_lang: String,
    #[serde(default = "d_tgt")]
    tgt_lang: String,
}

struct LookupJob {
    queries: Vec<String>,
    prev: Option<String>,
    min: u8,
    top: usize,
    src: String,
    tgt: String,
}

impl LookupJob {
    fn new(
        state: &AppState,
        queries: Vec<String>,
        prev: Option<String>,
        min: u32,
        top: usize,
        src: &str,
        tgt: &str,
    ) -> Result<LookupJob, ApiError> {
        let limits = &state.limits;
        if queries.is_empty() {
            return Err(ApiError::bad_request(
                "empty_batch",
                "`texts` is empty: give at least one sentence",
            ));
        }
        limits.check_batch("queries", queries.len())?;
        for (k, q) in queries.iter().enumerate() {
            let what = if queries.len() == 1 {
                "the query".to_string()
            } else {
                format!("query {}", k + 1)
            };
            limits.check_query(&what, q)?;
        }
        if let Some(p) = &prev {
            limits.check_query("`prev`", p)?;
        }
        if !(1..=101).contains(&min) {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("min must be 1 to 101 (got {min})"),
            ));
        }
        limits.check_results("top", top)?;
        Ok(LookupJob {
            queries,
            prev,
            min: min as u8,
            top,
            src: lang("src_lang", src)?,
            tgt: lang("tgt_lang", tgt)?,
        })
    }

    async fn run(self, state: &AppState) -> Result<Vec<LookupResult>, ApiError> {
        state
            .readers
            .run_with(move |reader| -> Result<Vec<LookupResult>, ApiError> {
                let matcher = reader.matcher(&self.src, &self.tgt)?;
                let mut prev = self.prev;
                let mut out = Vec::with_capacity(self.queries.len());
                for query in self.queries {
                    let matches = matcher.lookup(&query, prev.as_deref(), self.min, self.top)?;
                    prev = Some(query.clone());
                    out.push(LookupResult { query, matches });
                }
                Ok(out)
            })
            .await?
    }
}

pub async fn lookup_get(
    State(state): State<AppState>,
    Query(p): Query<LookupParams>,
) -> Result<Json<LookupResult>, ApiError> {
    let job = LookupJob::new(
        &state,
        vec![p.text],
        p.prev,
        p.min,
        p.top,
        &p.src_lang,
        &p.tgt_lang,
    )?;
    let mut results = job.run(&state).await?;
    Ok(Json(results.remove(0)))
}

pub async fn lookup_post(
    State(state): State<AppState>,
    Json(b): Json<LookupBody>,
) -> Result<Response, ApiError> {
    let (queries, batch) = match (b.text, b.texts) {
        (Some(t), None) => (vec![t], false),
        (None, Some(ts)) => (ts, true),
        _ => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                "give exactly one of `text` (a sentence) or `texts` (a batch)",
            ))
        }
    };
    let job = LookupJob::new(
        &state,
        queries,
        b.prev,
        b.min,
        b.top,
        &b.src_lang,
        &b.tgt_lang,
    )?;
    let mut results = job.run(&state).await?;
    Ok(if batch {
        Json(json!({ "results": results })).into_response()
    } else {
        Json(results.remove(0)).into_response()
    })
}

#[derive(Debug, Deserialize)]
pub struct ConcordParams {
    phrase: String,
    #[serde(default)]
    target: bool,
    #[serde(default = "d_src")]
    src_lang: String,
    #[serde(default = "d_tgt")]
    tgt_lang: String,
    #[serde(default = "d_limit")]
    limit: usize,
    /// Whole words only, as `concord --exact` (default: through Arabic
    /// proclitics).
    #[serde(default)]
    exact: bool,
}

pub async fn concord(
    State(state): State<AppState>,
    Query(p): Query<ConcordParams>,
) -> Result<Json<ConcordResult>, ApiError> {
    state.limits.check_query("the phrase", &p.phrase)?;
    state.limits.check_results("limit", p.limit)?;
    let (src, tgt) = (
        lang("src_lang", &p.src_lang)?,
        lang("tgt_lang", &p.tgt_lang)?,
    );
    let hits = state
        .readers
        .run(move |store| {
            find_hits(
                store,
                &Search {
                    phrase: &p.phrase,
                    src_lang: &src,
                    tgt_lang: &tgt,
                    target: p.target,
                    limit: p.limit,
                    exact: p.exact,
                },
            )
            .map(|hits| ConcordResult {
                phrase: p.phrase.clone(),
                hits,
            })
        })
        .await??;
    Ok(Json(hits))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretranslateBody {
    /// The document's text.
    text: String,
    /// What to call it in the answer (`document`).
    name: Option<String>,
    #[serde(default = "d_src")]
    src_lang: String,
    #[serde(default = "d_tgt")]
    tgt_lang: String,
}

pub async fn pretranslate(
    State(state): State<AppState>,
    Json(b): Json<PretranslateBody>,
) -> Result<Json<PretranslateResult>, ApiError> {
    let (src, tgt) = (
        lang("src_lang", &b.src_lang)?,
        lang("tgt_lang", &b.tgt_lang)?,
    );
    let seg_lang = Lang::from_tag(&src).ok_or_else(|| {
        ApiError::bad_request(
            "bad_language",
            format!("cannot segment {src:?}: sentence segmentation knows ar and en"),
        )
    })?;
    let sentences: Vec<(usize, String)> = Segmenter::new(seg_lang)
        .split(&b.text)
        .into_iter()
        .map(|s| (s.paragraph, s.text))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    if sentences.is_empty() {
        return Err(ApiError::bad_request(
            "empty_document",
            "the document has no text to pre-translate",
        ));
    }
    state.limits.check_batch("sentences", sentences.len())?;
    for (k, (_, s)) in sentences.iter().enumerate() {
        state
            .limits
            .check_query(&format!("sentence {}", k + 1), s)?;
    }
    let document = b.name.unwrap_or_else(|| "request".into());
    let result = state
        .readers
        .run_with(move |reader| -> Result<PretranslateResult, ApiError> {
            let matcher = reader.matcher(&src, &tgt)?;
            let segments = pretranslate_all(matcher, &sentences, || {})?;
            let analysis = analyse(&segments);
            Ok(PretranslateResult {
                document,
                segments,
                analysis,
            })
        })
        .await??;
    Ok(Json(result))
}

#[derive(Debug, Deserialize)]
pub struct ImportParams {
    /// The origin name to record (as `stats` lists it); also gives the
    /// format by its extension when `format` is absent.
    name: Option<String>,
    format: Option<String>,
    src_lang: Option<String>,
    tgt_lang: Option<String>,
    on_duplicate: Option<String>,
}

fn file_format(s: &str) -> Result<FileFormat, ApiError> {
    match s {
        "tmx" => Ok(FileFormat::Tmx),
        "tsv" => Ok(FileFormat::Tsv),
        _ => Err(ApiError::bad_request(
            "bad_parameter",
            format!("format must be tmx or tsv (got {s:?})"),
        )),
    }
}

/// An origin name: printable, at most 200 characters.
fn origin_name(name: &str) -> Result<String, ApiError> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= 200
        && !name.chars().any(char::is_control);
    if ok {
        Ok(name.trim().to_string())
    } else {
        Err(ApiError::bad_request(
            "bad_parameter",
            "name must be 1 to 200 printable characters",
        ))
    }
}

/// `POST /api/v1/import`: the body is the file (TMX or TSV, gzipped or
/// not), spooled to a temporary file as it arrives, then imported in one
/// transaction after the writes queued before it.
pub async fn import(
    State(state): State<AppState>,
    Query(p): Query<ImportParams>,
    body: Body,
) -> Result<Response, ApiError> {
    let format = p.format.as_deref().map(file_format).transpose()?;
    let name = match &p.name {
        Some(n) => origin_name(n)?,
        None => format!(
            "upload-{}.{}",
            crate::tm::now_tmx(),
            match format {
                Some(FileFormat::Tsv) => "tsv",
                _ => "tmx",
            }
        ),
    };
    let on_duplicate = match p.on_duplicate.as_deref() {
        None | Some("skip") => OnDuplicate::Skip,
        Some("update") => OnDuplicate::Update,
        Some("keep") => OnDuplicate::Keep,
        Some(o) => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("on_duplicate must be skip, update or keep (got {o:?})"),
            ))
        }
    };
    let src_lang = p
        .src_lang
        .as_deref()
        .map(|l| lang("src_lang", l))
        .transpose()?;
    let tgt_lang = p
        .tgt_lang
        .as_deref()
        .map(|l| lang("tgt_lang", l))
        .transpose()?;

    // The spooled file keeps the name's extension (format detection).
    let spool = tempfile::Builder::new()
        .prefix("tarjuman-upload-")
        .tempdir_in(&state.spool)
        .map_err(|e| {
            ApiError::internal(format!(
                "{}: cannot spool the upload: {e}",
                state.spool.display()
            ))
        })?;
    let base: String = name
        .rsplit('/')
        .next()
        .unwrap_or("upload")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never `.` or `..` (or hidden): the file stays inside its folder.
    let path = spool
        .path()
        .join(if base.trim_start_matches('.').is_empty() {
            "upload".into()
        } else {
            format!("upload-{base}")
        });
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| ApiError::internal(format!("cannot spool the upload: {e}")))?;
    let max = state.limits.max_import_bytes;
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                "upload_failed",
                format!("the upload broke off: {e}; nothing was imported"),
            )
        })?;
        size += chunk.len() as u64;
        if size > max {
            return Err(ApiError::too_large(
                "body_too_large",
                format!("the upload is over the server's limit of {max} bytes (--max-import-bytes); nothing was imported"),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(format!("cannot spool the upload: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(format!("cannot spool the upload: {e}")))?;
    drop(file);
    if size == 0 {
        return Err(ApiError::bad_request(
            "empty_upload",
            "the request body is empty: send the TMX or TSV file as the body",
        ));
    }
    let opts = ImportOptions {
        format: format.map(InputFormat::from),
        src_lang,
        tgt_lang,
        on_duplicate,
        origin: Some(name.clone()),
    };
    let result = state.writer.import(path, opts, spool).await?;
    let answer = ImportResult::new(&name, &result);
    let mut body = serde_json::to_value(&answer).map_err(ApiError::internal)?;
    let status = match &result {
        Ok(_) => return Ok(Json(body).into_response()),
        Err(ImportError::Input(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    // The CLI's per-file shape, and the server's error shape beside it.
    let err = result.as_ref().err().map(ImportErrorJson::from);
    if let (Some(obj), Some(err)) = (body.as_object_mut(), err) {
        let place = match (err.line, err.column) {
            (Some(l), Some(c)) => format!("{name}:{l}:{c}: "),
            _ => format!("{name}: "),
        };
        obj.insert(
            "error".into(),
            json!({
                "code": if status == StatusCode::UNPROCESSABLE_ENTITY { "invalid_input" } else { "import_failed" },
                "message": format!("{place}{}; nothing from this file was imported", err.message),
                "line": err.line,
                "column": err.column,
            }),
        );
    }
    Ok((status, Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ExportParams {
    format: Option<String>,
    src_lang: Option<String>,
    tgt_lang: Option<String>,
    origin: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

/// Hands the export's output to the response body, 64 KiB at a time; a
/// client that went away makes the next write fail, which stops the export.
struct ChannelWriter {
    buf: Vec<u8>,
    send: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

const CHUNK: usize = 64 << 10;

impl ChannelWriter {
    fn send_buf(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.send.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buf()
    }
}

/// `GET /api/v1/export`: the TM (or the units the filters keep) as TMX
/// 1.4b or TSV, streamed as it is read.
pub async fn export(
    State(state): State<AppState>,
    Query(p): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let format = file_format(p.format.as_deref().unwrap_or("tmx"))?;
    let date = |v: &Option<String>, end: bool| -> Result<Option<String>, ApiError> {
        v.as_deref()
            .map(|d| crate::api::parse_date(d, end))
            .transpose()
            .map_err(|m| ApiError::bad_request("bad_date", m))
    };
    let mut spec = ExportSpec {
        format,
        src_lang: p
            .src_lang
            .as_deref()
            .map(|l| lang("src_lang", l))
            .transpose()?,
        tgt_lang: p
            .tgt_lang
            .as_deref()
            .map(|l| lang("tgt_lang", l))
            .transpose()?,
        filter: UnitFilter {
            origin: p.origin.clone(),
            since: date(&p.since, false)?,
            until: date(&p.until, true)?,
        },
    };
    if let Some(name) = p.origin {
        let stored = state
            .readers
            .run(move |store| crate::api::resolve_origin(store, &name))
            .await??;
        spec.filter.origin = Some(stored);
    }
    // An export reads for as long as the client downloads: it gets a
    // connection of its own, not one of the readers the lookups share, and
    // only a few run at once.
    let slot = Arc::clone(&state.exports)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    let db = state.db.clone();
    let store = tokio::task::spawn_blocking(move || crate::server::pool::open_read_only(&db))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let (send, recv) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let mut out = ChannelWriter {
            buf: Vec::with_capacity(CHUNK),
            send,
        };
        if let Err(e) = crate::api::export(&*store, &spec, &mut out, |_| {}) {
            // The status is sent already: breaking the body off is how the
            // client learns that the export failed.
            eprintln!("tarjuman: export failed: {e:#}");
            let _ = out
                .send
                .blocking_send(Err(std::io::Error::other(format!("{e:#}"))));
        }
    });
    let stream = futures_util::stream::unfold(recv, |mut recv| async move {
        recv.recv().await.map(|item| (item, recv))
    });
    let (mime, file) = match format {
        FileFormat::Tmx => (
            "application/x-tmx+xml; charset=utf-8",
            "tarjuman-export.tmx",
        ),
        FileFormat::Tsv => (
            "text/tab-separated-values; charset=utf-8",
            "tarjuman-export.tsv",
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

pub async fn stats(State(state): State<AppState>) -> Result<Response, ApiError> {
    let stats = state.readers.run(|store| store.stats()).await??;
    Ok(Json(stats).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    #[serde(default)]
    ids: Vec<i64>,
    origin: Option<String>,
    query: Option<String>,
    #[serde(default = "d_src")]
    src_lang: String,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/delete`: exactly one of `ids`, `origin`, `query`, as
/// `tarjuman delete`.
pub async fn delete(
    State(state): State<AppState>,
    Json(b): Json<DeleteBody>,
) -> Result<Response, ApiError> {
    let which = match (b.ids.is_empty(), b.origin, b.query) {
        (false, None, None) => {
            state.limits.check_batch("ids", b.ids.len())?;
            Which::Ids(b.ids)
        }
        (true, Some(o), None) => Which::Origin(o),
        (true, None, Some(q)) => {
            state.limits.check_query("the query", &q)?;
            Which::Source {
                src_lang: lang("src_lang", &b.src_lang)?,
                text: q,
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                "give exactly one of `ids`, `origin` or `query`",
            ))
        }
    };
    let result = state.writer.delete(which, b.dry_run).await?;
    Ok(Json(result).into_response())
}
