//! `tarjuman serve`: one translation memory shared by a team over HTTP.
//!
//! A JSON API under `/api/v1` (lookup, concordance, pretranslate, import,
//! export, stats, delete), the amaGama / translate-toolkit tmserver unit
//! lookup that Weblate's and Virtaal's TM backends call, and `/health` and
//! `/ready`. The answers are the CLI's `--format json` shapes (`crate::api`)
//! from the same library calls, so scores are the same.
//!
//! Files: `routes/` (the route table, the API and the compatible routes),
//! `auth` (bearer tokens), `pool` (the reader threads, each with its
//! read-only connection and matchers), `writer` (the one thread that writes, in arrival order),
//! `limits` and `error` (refusals as JSON), `log` (one line a request).
//! `docs/openapi.json` describes every route; a test holds it to the table.
//! Not here: argument parsing (the binary's `cli/serve.rs`), matching or
//! storage (`tm`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub mod auth;
pub mod error;
pub mod limits;
pub mod log;
pub mod pool;
pub mod routes;
pub mod writer;

pub use limits::Limits;

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// The TM file (created if missing).
    pub db: PathBuf,
    pub bind: SocketAddr,
    /// Reads without a token.
    pub public_read: bool,
    /// Origins allowed to call from a browser (CORS); none: CORS off.
    pub cors_origins: Vec<String>,
    pub limits: Limits,
    /// Read-only connections (parallel reads); 0: one per core.
    pub readers: usize,
    /// Where uploads are spooled before import (default: the system's).
    pub spool_dir: Option<PathBuf>,
}

impl Config {
    /// Serve `db` on loopback port 8765 with the default limits.
    pub fn new(db: PathBuf) -> Config {
        Config {
            db,
            bind: SocketAddr::from(([127, 0, 0, 1], 8765)),
            public_read: false,
            cors_origins: Vec::new(),
            limits: Limits::default(),
            readers: 0,
            spool_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] crate::tm::StoreError),
    #[error("{path}: cannot open for reading: {source}")]
    Readers {
        path: PathBuf,
        source: crate::tm::StoreError,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Exports that may run at once; more wait their turn.
pub const EXPORTS_AT_ONCE: usize = 2;

/// What every handler shares.
pub struct Shared {
    pub readers: Arc<pool::Readers>,
    pub writer: writer::Writer,
    pub tokens: auth::Tokens,
    pub limits: Limits,
    pub public_read: bool,
    pub spool: PathBuf,
    /// The TM file (exports open their own connection to it).
    pub db: PathBuf,
    /// Exports at once.
    pub exports: Arc<tokio::sync::Semaphore>,
}

pub type AppState = Arc<Shared>;

/// Open the TM (creating and migrating it), the readers and the writer.
pub fn open_state(config: &Config) -> Result<AppState, ServeError> {
    let store = crate::tm::open(&config.db, crate::tm::Access::Write)?;
    // As given (a URL keeps its password: the readers and exports connect
    // with it); messages show `store.location()`.
    let path = config.db.clone();
    let n = if config.readers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.readers
    };
    let readers = pool::Readers::open(&path, n)?;
    let spool = config.spool_dir.clone().unwrap_or_else(std::env::temp_dir);
    Ok(Arc::new(Shared {
        readers,
        writer: writer::Writer::start(store),
        tokens: auth::Tokens::default(),
        limits: config.limits.clone(),
        public_read: config.public_read,
        spool,
        db: path,
        exports: Arc::new(tokio::sync::Semaphore::new(EXPORTS_AT_ONCE)),
    }))
}

/// Serve until SIGTERM or SIGINT, then stop accepting, finish the requests
/// in flight and the queued writes, and return. `on_listening` is told the
/// address actually bound (port 0 picks a free one).
pub fn serve(config: Config, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tarjuman-serve")
        .build()?;
    // Opened and dropped outside the runtime: a PostgreSQL connection is a
    // synchronous client running a runtime of its own, which may not start
    // (or close) on a thread driving this one. Requests use it on
    // blocking threads.
    let state = open_state(&config)?;
    let kept = Arc::clone(&state);
    let served = runtime.block_on(async move {
        let app =
            routes::router(Arc::clone(&state), &config.cors_origins).map_err(ServeError::Config)?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.bind,
                source,
            })?;
        on_listening(listener.local_addr()?);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        // Every request has been answered; let queued writes finish.
        let closing = Arc::clone(&state);
        tokio::task::spawn_blocking(move || closing.writer.close())
            .await
            .map_err(|e| ServeError::Io(std::io::Error::other(e)))?;
        Ok(())
    });
    drop(runtime);
    drop(kept);
    served
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("tarjuman: shutting down: finishing the requests in flight");
}
