//! What the TM holds, from the counters the writer keeps (`lang_count`,
//! `pair_count`, `origin.units`, `meta`): no table scans, so it stays
//! instant however large the TM grows.
//!
//! Figures only; formatting them for people or scripts is the caller's.

use rusqlite::OptionalExtension;

use super::error::Result;
use super::Store;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LangCount {
    pub lang: String,
    pub variants: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PairCount {
    pub src: String,
    pub tgt: String,
    pub units: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OriginStats {
    pub name: String,
    pub kind: String,
    pub units: u64,
    pub imported_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub path: String,
    pub schema_version: u32,
    pub created_at: Option<String>,
    pub units: u64,
    pub variants: u64,
    pub languages: Vec<LangCount>,
    pub pairs: Vec<PairCount>,
    pub origins: Vec<OriginStats>,
    /// Oldest and newest unit date (change date, else creation date).
    pub date_min: Option<String>,
    pub date_max: Option<String>,
    /// The database file plus its write-ahead log, in bytes.
    pub size_bytes: u64,
}

impl Store {
    pub fn stats(&self) -> Result<Stats> {
        let conn = &self.conn;
        let meta = |name: &str| -> Result<Option<String>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                    r.get::<_, Option<String>>(0)
                })
                .optional()?
                .flatten())
        };
        let units = meta("units")?.and_then(|n| n.parse().ok()).unwrap_or(0);
        let languages = conn
            .prepare("SELECT lang, variants FROM lang_count ORDER BY variants DESC, lang")?
            .query_map([], |r| {
                Ok(LangCount {
                    lang: r.get(0)?,
                    variants: r.get::<_, i64>(1)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let pairs = conn
            .prepare("SELECT src, tgt, units FROM pair_count ORDER BY units DESC, src, tgt")?
            .query_map([], |r| {
                Ok(PairCount {
                    src: r.get(0)?,
                    tgt: r.get(1)?,
                    units: r.get::<_, i64>(2)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let origins = conn
            .prepare(
                "SELECT name, kind, units, imported_at FROM origin WHERE units > 0
                 ORDER BY imported_at, name",
            )?
            .query_map([], |r| {
                Ok(OriginStats {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    units: r.get::<_, i64>(2)? as u64,
                    imported_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let schema_version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let file_size = |suffix: &str| {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        Ok(Stats {
            path: self.path.display().to_string(),
            schema_version,
            created_at: meta("created_at")?,
            units,
            variants: languages.iter().map(|l| l.variants).sum(),
            languages,
            pairs,
            origins,
            date_min: meta("date_min")?,
            date_max: meta("date_max")?,
            size_bytes: file_size("") + file_size("-wal"),
        })
    }
}
