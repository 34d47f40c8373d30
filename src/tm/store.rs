//! The SQLite file that holds the translation memory: opening, creating and
//! migrating it. Migrations are the numbered files in `schema/`, applied in
//! order and tracked with `PRAGMA user_version`.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

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
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An open translation memory.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
}

impl Store {
    /// Open the TM at `path`, creating it (and its directory) if needed, and
    /// bring its schema up to date. Refuses a database newer than this binary.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        // A file that is not SQLite fails here, on the first read.
        let version: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| StoreError::NotATm {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
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
                .map_err(sql)?;
            if tables > 0 {
                return Err(StoreError::NotATm {
                    path: path.to_path_buf(),
                    reason: "it is an SQLite database with other tables".into(),
                });
            }
        }
        if version == 0 {
            // Must precede the first write; see the bench figures in README.
            conn.execute_batch("PRAGMA page_size = 16384")
                .map_err(sql)?;
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )
        .map_err(sql)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate(version).map_err(sql)?;
        Ok(store)
    }

    /// Apply the migrations after `from`, all in one transaction.
    fn migrate(&mut self, from: u32) -> rusqlite::Result<()> {
        if from == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for (_, sql) in &MIGRATIONS[from as usize..] {
            tx.execute_batch(sql)?;
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
