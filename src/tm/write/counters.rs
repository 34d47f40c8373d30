//! The counters `stats` reads (`meta.units`, `lang_count`, `pair_count`,
//! `origin.units`, the date range), changed in memory as units are added
//! and removed and written once, just before the commit.

use std::collections::HashMap;

use super::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

use super::super::index::FastMap;
use super::dup::{collect_small, source_index, SMALL};
use super::meta::unit_date;
use crate::unit::Unit;

/// Add `delta` to a counter, allocating the key only the first time.
pub(crate) fn bump(map: &mut FastMap<String, i64>, key: &str, delta: i64) {
    match map.get_mut(key) {
        Some(n) => *n += delta,
        None => {
            map.insert(key.to_string(), delta);
        }
    }
}

/// Counter changes made in one transaction, written just before commit.
/// Each run of like units (see `run`) bumps a few language counters:
/// FxHash, not SipHash, for these short keys.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) units: i64,
    pub(crate) langs: FastMap<String, i64>,
    /// source → target → units.
    pub(crate) pairs: FastMap<String, FastMap<String, i64>>,
    pub(crate) origins: HashMap<i64, i64>,
    pub(crate) date_min: Option<String>,
    pub(crate) date_max: Option<String>,
    /// A removed unit sat on the date range's edge: rescan it at commit.
    pub(crate) dates_dirty: bool,
    /// Units in a row with the same languages, source and origin, not yet
    /// in the maps: they are counted once per run (a file is mostly one
    /// language pair from one origin; hashing every unit's tags into the
    /// maps was 2% of a big import's writer thread).
    pub(crate) run: Option<SameUnits>,
}

/// See `Counters::run`.
pub(crate) struct SameUnits {
    pub(crate) delta: i64,
    pub(crate) srclang: Option<String>,
    pub(crate) langs: Vec<String>,
    pub(crate) origin: Option<i64>,
    pub(crate) units: i64,
}

impl SameUnits {
    pub(crate) fn matches(
        &self,
        delta: i64,
        srclang: Option<&str>,
        langs: &[&str],
        origin: Option<i64>,
    ) -> bool {
        self.delta == delta
            && self.origin == origin
            && self.srclang.as_deref() == srclang
            && self.langs.len() == langs.len()
            && self.langs.iter().zip(langs).all(|(a, b)| a == b)
    }
}

impl Counters {
    /// Count (`delta` +1) or uncount (-1) a unit with these variant
    /// languages and source.
    pub(crate) fn unit(
        &mut self,
        delta: i64,
        srclang: Option<&str>,
        langs: &[&str],
        origin: Option<i64>,
    ) {
        if let Some(run) = &mut self.run {
            if run.matches(delta, srclang, langs, origin) {
                run.units += 1;
                return;
            }
        }
        self.end_run();
        self.run = Some(SameUnits {
            delta,
            srclang: srclang.map(str::to_string),
            langs: langs.iter().map(|l| l.to_string()).collect(),
            origin,
            units: 1,
        });
    }

    /// Move the current run of same units into the maps.
    pub(crate) fn end_run(&mut self) {
        if let Some(run) = self.run.take() {
            let langs: Vec<&str> = run.langs.iter().map(String::as_str).collect();
            self.count(
                run.delta * run.units,
                run.srclang.as_deref(),
                &langs,
                run.origin,
            );
        }
    }

    /// Add `delta` units with these variant languages and source.
    pub(crate) fn count(
        &mut self,
        delta: i64,
        srclang: Option<&str>,
        langs: &[&str],
        origin: Option<i64>,
    ) {
        self.units += delta;
        for lang in langs {
            bump(&mut self.langs, lang, delta);
        }
        if let Some(src) = langs.get(source_index(srclang, langs)) {
            let targets = match self.pairs.get_mut(*src) {
                Some(t) => t,
                None => self.pairs.entry((*src).to_string()).or_default(),
            };
            for (i, tgt) in langs.iter().enumerate() {
                // Each distinct target once.
                if tgt != src && !langs[..i].contains(tgt) {
                    bump(targets, tgt, delta);
                }
            }
        }
        if let Some(id) = origin {
            *self.origins.entry(id).or_default() += delta;
        }
    }

    /// Count a unit just stored: its languages, source, origin and date.
    pub(crate) fn unit_added(&mut self, unit: &Unit, origin_id: i64) {
        // On the stack for the usual few variants (a Vec was an allocation
        // per unit on the import's busier thread).
        let (mut few, mut many) = ([""; SMALL], Vec::new());
        let langs = collect_small(
            &mut few,
            &mut many,
            unit.variants.iter().map(|v| v.lang.as_str()),
        );
        self.unit(1, unit.srclang.as_deref(), langs, Some(origin_id));
        self.date_added(unit_date(&unit.stamp));
    }

    pub(crate) fn date_added(&mut self, date: Option<&str>) {
        let Some(d) = date else { return };
        if self.date_min.as_deref().map_or(true, |m| d < m) {
            self.date_min = Some(d.to_string());
        }
        if self.date_max.as_deref().map_or(true, |m| d > m) {
            self.date_max = Some(d.to_string());
        }
    }

    pub(crate) fn write(mut self, conn: &Connection) -> Result<()> {
        self.end_run();
        if self.units != 0 {
            conn.execute(
                "INSERT INTO meta(name, value) VALUES ('units', ?1)
                 ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + ?1",
                [self.units],
            )?;
        }
        for (lang, n) in self.langs.iter().filter(|(_, n)| **n != 0) {
            conn.prepare_cached(
                "INSERT INTO lang_count(lang, variants) VALUES (?1, ?2)
                 ON CONFLICT(lang) DO UPDATE SET variants = variants + ?2",
            )?
            .execute(params![lang, n])?;
        }
        let pairs = self
            .pairs
            .iter()
            .flat_map(|(src, t)| t.iter().map(move |(tgt, n)| (src, tgt, n)));
        for (src, tgt, n) in pairs.filter(|(_, _, n)| **n != 0) {
            conn.prepare_cached(
                "INSERT INTO pair_count(src, tgt, units) VALUES (?1, ?2, ?3)
                 ON CONFLICT(src, tgt) DO UPDATE SET units = units + ?3",
            )?
            .execute(params![src, tgt, n])?;
        }
        for (id, n) in self.origins.iter().filter(|(_, n)| **n != 0) {
            conn.prepare_cached("UPDATE origin SET units = units + ?2 WHERE id = ?1")?
                .execute(params![id, n])?;
        }
        conn.execute("DELETE FROM lang_count WHERE variants <= 0", [])?;
        conn.execute("DELETE FROM pair_count WHERE units <= 0", [])?;
        let get = |name: &str| -> Result<Option<String>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let (mut min, mut max) = (get("date_min")?, get("date_max")?);
        if self.dates_dirty {
            (min, max) = conn.query_row(
                "SELECT min(coalesce(change_date, creation_date)),
                        max(coalesce(change_date, creation_date)) FROM unit",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        }
        if let Some(d) = self.date_min {
            if min.as_ref().map_or(true, |m| d < *m) {
                min = Some(d);
            }
        }
        if let Some(d) = self.date_max {
            if max.as_ref().map_or(true, |m| d > *m) {
                max = Some(d);
            }
        }
        for (name, value) in [("date_min", min), ("date_max", max)] {
            match value {
                Some(v) => conn.execute(
                    "INSERT INTO meta(name, value) VALUES (?1, ?2)
                     ON CONFLICT(name) DO UPDATE SET value = ?2",
                    params![name, v],
                )?,
                None => conn.execute("DELETE FROM meta WHERE name = ?1", [name])?,
            };
        }
        Ok(())
    }
}
