//! The SQLite file that holds the translation memory: opening, creating and
//! migrating it. Migrations are the numbered files in `schema/`, applied in
//! order and tracked with `PRAGMA user_version`.
//!
//! Two ways in: `Store::open` for commands that write (creates the TM,
//! migrates it, waits its turn to write: `WriteWait`), and
//! `Store::open_read_only` for commands that only read (never creates or
//! changes the file, works on read-only files, folders and mounts). The TM
//! always stays in WAL mode, so readers in other processes are never
//! blocked by a writer: they read the last committed state.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// The schema migrations, in order. `user_version` = how many are applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../schema/0001_init.sql")),
    (
        "0002_fuzzy_index",
        include_str!("../../schema/0002_fuzzy_index.sql"),
    ),
    (
        "0003_align_lexicon",
        include_str!("../../schema/0003_align_lexicon.sql"),
    ),
    ("0004_tokens", include_str!("../../schema/0004_tokens.sql")),
    (
        "0005_posting_places",
        include_str!("../../schema/0005_posting_places.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: the translation memory was written by a newer tarjuman (schema version {found}, this binary knows up to {known}); upgrade tarjuman to use it")]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error("{path}: not a tarjuman translation memory ({reason})")]
    NotATm { path: PathBuf, reason: String },
    #[error("{path}: cannot create the directory for the translation memory: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {}", path.display(), sqlite_text(error))]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    /// The PostgreSQL TM at `location` (its URL without the password)
    /// cannot be opened.
    #[cfg(feature = "postgres")]
    #[error("{}: {error}", location.display())]
    Postgres {
        location: PathBuf,
        error: crate::tm::pg::PgError,
    },
    /// The TM could not be created at `path` (its files, not SQLite).
    #[error("{}: cannot create the translation memory: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Another tarjuman kept creating the TM (its first import) for longer
    /// than this one would wait.
    #[error("{}: another tarjuman is still creating it (its first import); gave up after waiting {secs} s (--wait SECONDS waits longer); nothing was written", path.display())]
    GaveUpCreating { path: PathBuf, secs: u64 },
    /// A command that only reads found no TM where a first import is
    /// creating one.
    #[error("no translation memory at {} yet: an import is creating it; try again when it has finished", path.display())]
    BeingCreated { path: PathBuf },
    /// A command that only reads was given a path where no TM is.
    #[error("no translation memory at {}; import a TMX or TSV first (tarjuman import FILE), or check --db / TARJUMAN_DB", path.display())]
    Missing { path: PathBuf },
    /// A command that writes was given a TM it may not write.
    #[error("{}: the translation memory is read-only ({}); commands that only read (lookup, concord, stats, export, pretranslate) still work", path.display(), sqlite_text(error))]
    ReadOnly {
        path: PathBuf,
        error: rusqlite::Error,
    },
}

/// SQLite's own text for an error, once: the error is part of the
/// message, not a `source()`, because rusqlite's own source repeats it
/// ("database is locked: database is locked: Error code 5…").
fn sqlite_text(e: &rusqlite::Error) -> String {
    e.to_string()
}

/// Told once, with the TM's path, that a writer is waiting for another.
pub type OnWait = Box<dyn FnMut(&Path) + Send>;

/// How a writer waits for another process that is writing the same TM:
/// up to `timeout`, calling `on_wait` once after the first second.
pub struct WriteWait {
    pub timeout: Duration,
    pub on_wait: Option<OnWait>,
}

impl WriteWait {
    /// The wait when nobody set one: a minute, silently.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
}

impl Default for WriteWait {
    fn default() -> Self {
        WriteWait {
            timeout: Self::DEFAULT_TIMEOUT,
            on_wait: None,
        }
    }
}

/// An open translation memory.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
    /// How a write transaction waits for another writer (`Store::open`).
    pub write_wait: WriteWait,
}

/// The WAL is truncated to this many bytes when it is reset after a
/// checkpoint, so a big import does not leave a file of its size behind.
const JOURNAL_SIZE_LIMIT: i64 = 64 << 20;

/// Is this SQLite's "cannot write" or "cannot open" (a read-only file,
/// folder or mount)?
fn is_read_only(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen)
    )
}

impl Store {
    /// Open the TM at `path` to write, creating it (and its directory) if
    /// needed, and bring its schema up to date. Refuses a database newer
    /// than this binary. A TM this call created is removed again if it
    /// cannot be set up (a full disk leaves no empty file behind).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_waiting(path, WriteWait::default())
    }

    /// `open`, with how to wait for another writer (`write_wait`), which
    /// is also how long to wait when another tarjuman is creating the TM
    /// (see `create`).
    pub fn open_waiting(path: &Path, mut wait: WriteWait) -> Result<Store, StoreError> {
        let existed = path.exists();
        // Held while the new TM is set up, so no first import builds one
        // beside it meanwhile.
        let _creating = if existed {
            None
        } else {
            make_parent(path)?;
            super::create::CreateLock::acquire(path, &mut wait)?
        };
        let opened = Self::open_rw(path, path, true);
        if opened.is_err() && !existed {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(super::create::with_suffix(path, suffix));
            }
        }
        let mut store = opened?;
        store.write_wait = wait;
        Ok(store)
    }

    /// A new TM in `file`, with a rollback journal rather than the log:
    /// a first import's build (`create::NewTm`); messages name `shown`.
    pub(crate) fn open_rollback(file: &Path, shown: &Path) -> Result<Store, StoreError> {
        Self::open_rw(file, shown, false)
    }

    /// Open (creating if need be) the database `file`, in WAL mode or
    /// with a rollback journal; messages name `path`. Its folder exists
    /// (`open_waiting` and `NewTm::create` make it).
    fn open_rw(file: &Path, path: &Path, wal: bool) -> Result<Store, StoreError> {
        let sql = |error| {
            if is_read_only(&error) {
                StoreError::ReadOnly {
                    path: path.to_path_buf(),
                    error,
                }
            } else {
                StoreError::Sqlite {
                    path: path.to_path_buf(),
                    error,
                }
            }
        };
        let conn = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        // SQLite opens a file it may not write read-only, silently.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(sql)? {
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                error: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                    Some("the file may not be written".into()),
                ),
            });
        }
        // Wait for a writer that holds the TM while we set it up.
        conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        let version = check_version(&conn, path)?;
        if version == 0 {
            // Must precede the first write; see the bench figures in README.
            conn.execute_batch("PRAGMA page_size = 16384")
                .map_err(sql)?;
        }
        let journal = if wal { "WAL" } else { "DELETE" };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = {journal};
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};"
        ))
        .map_err(sql)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            write_wait: WriteWait::default(),
        };
        store.migrate(version).map_err(sql)?;
        Ok(store)
    }

    /// Open the TM at `path` for reading only: never creates it (a missing
    /// path is `StoreError::Missing`), never changes it, and works where
    /// the file, its folder or its mount is read-only. A TM of an older
    /// schema is brought up to date first when it can be written.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            let path = path.to_path_buf();
            return Err(if super::create::CreateLock::is_held(&path) {
                StoreError::BeingCreated { path }
            } else {
                StoreError::Missing { path }
            });
        }
        let sql = |error| StoreError::Sqlite {
            path: path.to_path_buf(),
            error,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open = |uri: &str| -> rusqlite::Result<(Connection, Result<u32, StoreError>)> {
            let conn = Connection::open_with_flags(uri, flags)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            let version = check_version(&conn, path);
            Ok((conn, version))
        };
        let uri = file_uri(path);
        // A read-only connection to a WAL database needs its -shm file: it
        // is created if the folder allows. Where it does not (a read-only
        // folder or mount, and no writer about), the file cannot be
        // changing: read it as immutable.
        let (conn, version) = match open(&uri) {
            Ok((_, Err(StoreError::NotATm { reason, .. })))
                if reason.contains("unable to open") || reason.contains("readonly") =>
            {
                open(&format!("{uri}&immutable=1")).map_err(sql)?
            }
            Err(e) if is_read_only(&e) => open(&format!("{uri}&immutable=1")).map_err(sql)?,
            other => other.map_err(sql)?,
        };
        let version = version?;
        if version == 0 {
            return Err(StoreError::NotATm {
                path: path.to_path_buf(),
                reason: "it holds no translation memory tables".into(),
            });
        }
        if version < SCHEMA_VERSION {
            drop(conn);
            drop(Store::open(path)?);
            return Store::open_read_only(path);
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            write_wait: WriteWait::default(),
        })
    }

    /// Apply the migrations after `from`, all in one transaction.
    fn migrate(&mut self, from: u32) -> rusqlite::Result<()> {
        if from == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for (name, sql) in &MIGRATIONS[from as usize..] {
            tx.execute_batch(sql)?;
            if *name == "0005_posting_places" {
                crate::tm::index::add_places(&tx)?;
            }
        }
        if from == 0 {
            tx.execute(
                "INSERT INTO meta(name, value) VALUES ('created_at', ?1)",
                [crate::tm::now_tmx()],
            )?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()
    }
}

/// Create the folder `path` is to be in.
pub(crate) fn make_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// The schema version of the database `conn` has open, refusing one that is
/// not SQLite, is newer than this binary, or is another program's.
fn check_version(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    // A file that is not SQLite fails here, on the first read.
    let not_a_tm = |e: rusqlite::Error| StoreError::NotATm {
        path: path.to_path_buf(),
        reason: sqlite_text(&e),
    };
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_a_tm)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(not_a_tm)?;
        if tables > 0 {
            return Err(StoreError::NotATm {
                path: path.to_path_buf(),
                reason: "it is an SQLite database with other tables".into(),
            });
        }
    }
    Ok(version)
}

/// `path` as an SQLite `file:` URI (with a query part to append to).
fn file_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'%' | b'?' | b'#' | 0x80.. => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(b as char),
        }
    }
    uri.push_str("?mode=ro");
    uri
}

/// Where the TM lives when neither `--db` nor `TARJUMAN_DB` says:
/// the platform data directory (`~/.local/share/tarjuman/memory.db` on Linux).
pub fn default_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "tarjuman")
        .map(|d| d.data_dir().join("memory.db"))
        .unwrap_or_else(|| PathBuf::from("tarjuman-memory.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/tm.db");
        let store = Store::open(&path).unwrap();
        let v: u32 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        drop(store);
        Store::open(&path).unwrap();
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tm.db");
        let store = Store::open(&path).unwrap();
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(store);
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer tarjuman"));
    }

    #[test]
    fn refuses_files_that_are_not_a_tm() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "this is not a database, it is a text file of some length",
        )
        .unwrap();
        assert!(matches!(Store::open(&text), Err(StoreError::NotATm { .. })));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        assert!(matches!(
            Store::open(&other),
            Err(StoreError::NotATm { .. })
        ));
    }
}
