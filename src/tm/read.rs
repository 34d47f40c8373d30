//! Units out of the TM: one by id (`load_unit`), or all of them streamed in
//! id order (`for_each_unit`) with a merge join over the unit, variant, prop
//! and note tables, so that export reads each table once, sequentially,
//! and holds one unit in memory at a time.

use anyhow::{Context as _, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::write::VariantMeta;
use super::Store;
use crate::text::lang;
use crate::unit::{Context, Note, Prop, Segment, Stamp, Unit, Variant};

/// Which units `for_each_unit` yields. Dates compare against the unit's
/// change date, else its creation date, as TMX dates (`YYYYMMDDThhmmssZ`).
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Only units from this origin (its name as `stats` shows it).
    pub origin: Option<String>,
    /// Only units dated on or after this TMX date.
    pub since: Option<String>,
    /// Only units dated on or before this TMX date.
    pub until: Option<String>,
}

const UNIT_COLUMNS: &str = "u.id, u.tuid, u.srclang, u.creation_date, u.creation_id,
    u.change_date, u.change_id, u.last_usage_date, u.usage_count, u.creation_tool,
    u.creation_tool_version, u.extra, o.name, u.context_prev, u.context_next";

fn unit_from_row(r: &Row) -> Result<(i64, Unit)> {
    let extra: Option<String> = r.get(11)?;
    let extra = match extra {
        Some(json) => serde_json::from_str(&json).context("corrupt unit attributes")?,
        None => Vec::new(),
    };
    let usage: Option<i64> = r.get(8)?;
    let unit = Unit {
        tuid: r.get(1)?,
        srclang: r.get(2)?,
        stamp: Stamp {
            creation_date: r.get(3)?,
            creation_id: r.get(4)?,
            change_date: r.get(5)?,
            change_id: r.get(6)?,
            last_usage_date: r.get(7)?,
            usage_count: usage.map(|n| n as u64),
            creation_tool: r.get(9)?,
            creation_tool_version: r.get(10)?,
        },
        extra,
        origin: r.get(12)?,
        context: Context {
            prev: r.get(13)?,
            next: r.get(14)?,
        },
        ..Unit::default()
    };
    Ok((r.get(0)?, unit))
}

/// `unit_id, ord, lang, plain, markup, meta` → a variant.
fn variant_from_row(r: &Row) -> Result<Variant> {
    let plain: String = r.get(3)?;
    let markup: Option<String> = r.get(4)?;
    let meta: Option<String> = r.get(5)?;
    let (stamp, extra) = match meta {
        Some(json) => VariantMeta::decode(&json)?,
        None => (Stamp::default(), Vec::new()),
    };
    Ok(Variant {
        lang: r.get(2)?,
        seg: match markup {
            Some(markup) => Segment { markup, plain },
            // Most text has nothing to escape: copy it whole rather than
            // char by char.
            None if memchr::memchr3(b'&', b'<', b'>', plain.as_bytes()).is_none() => Segment {
                markup: plain.clone(),
                plain,
            },
            None => Segment::from_plain(&plain),
        },
        stamp,
        extra,
        ..Variant::default()
    })
}

/// `unit_id, variant_ord, kind, value, lang, encoding` → a prop.
fn prop_from_row(r: &Row) -> rusqlite::Result<(Option<i64>, Prop)> {
    Ok((
        r.get(1)?,
        Prop {
            kind: r.get(2)?,
            value: r.get(3)?,
            lang: r.get(4)?,
            encoding: r.get(5)?,
        },
    ))
}

/// `unit_id, variant_ord, text, lang, encoding` → a note.
fn note_from_row(r: &Row) -> rusqlite::Result<(Option<i64>, Note)> {
    Ok((
        r.get(1)?,
        Note {
            text: r.get(2)?,
            lang: r.get(3)?,
            encoding: r.get(4)?,
        },
    ))
}

/// Put a prop or note at unit level or on its variant.
fn attach<T>(
    unit: &mut Unit,
    variant_ord: Option<i64>,
    item: T,
    pick: fn(&mut Unit, Option<usize>) -> Option<&mut Vec<T>>,
) {
    if let Some(list) = pick(unit, variant_ord.map(|o| o as usize)) {
        list.push(item);
    }
}

fn props_of(unit: &mut Unit, ord: Option<usize>) -> Option<&mut Vec<Prop>> {
    match ord {
        None => Some(&mut unit.props),
        Some(i) => unit.variants.get_mut(i).map(|v| &mut v.props),
    }
}

fn notes_of(unit: &mut Unit, ord: Option<usize>) -> Option<&mut Vec<Note>> {
    match ord {
        None => Some(&mut unit.notes),
        Some(i) => unit.variants.get_mut(i).map(|v| &mut v.notes),
    }
}

impl Store {
    /// The unit with this id, as it was added (with its origin's name).
    pub fn load_unit(&self, id: i64) -> Result<Option<Unit>> {
        load_unit(&self.conn, id)
    }

    /// Call `f` with every unit that passes `filter`, in id order. Returns
    /// how many units were passed to `f`.
    pub fn for_each_unit(
        &self,
        filter: &UnitFilter,
        mut f: impl FnMut(i64, Unit) -> Result<()>,
    ) -> Result<u64> {
        let conn = &self.conn;
        let mut sql = format!(
            "SELECT {UNIT_COLUMNS} FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE 1"
        );
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
        if let Some(origin) = &filter.origin {
            sql.push_str(" AND o.name = ?");
            args.push(origin);
        }
        if let Some(since) = &filter.since {
            sql.push_str(" AND coalesce(u.change_date, u.creation_date) >= ?");
            args.push(since);
        }
        if let Some(until) = &filter.until {
            sql.push_str(" AND coalesce(u.change_date, u.creation_date) <= ?");
            args.push(until);
        }
        sql.push_str(" ORDER BY u.id");
        let mut units = conn.prepare(&sql)?;
        let mut units = units.query(args.as_slice())?;
        // The other three tables, read alongside in the same (unit id) order.
        let mut variants = conn.prepare(
            "SELECT unit_id, ord, lang, plain, markup, meta FROM variant ORDER BY unit_id, ord",
        )?;
        let mut variants = variants.query([])?;
        let mut props = conn.prepare(
            "SELECT unit_id, variant_ord, kind, value, lang, encoding FROM prop ORDER BY unit_id, rowid",
        )?;
        let mut props = props.query([])?;
        let mut notes = conn.prepare(
            "SELECT unit_id, variant_ord, text, lang, encoding FROM note ORDER BY unit_id, rowid",
        )?;
        let mut notes = notes.query([])?;
        let (mut v_row, mut p_row, mut n_row) = (variants.next()?, props.next()?, notes.next()?);
        let mut count = 0;
        while let Some(row) = units.next()? {
            let (id, mut unit) = unit_from_row(row)?;
            while let Some(r) = v_row {
                let uid: i64 = r.get(0)?;
                if uid > id {
                    break;
                }
                if uid == id {
                    unit.variants.push(variant_from_row(r)?);
                }
                v_row = variants.next()?;
            }
            while let Some(r) = p_row {
                let uid: i64 = r.get(0)?;
                if uid > id {
                    break;
                }
                if uid == id {
                    let (ord, p) = prop_from_row(r)?;
                    attach(&mut unit, ord, p, props_of);
                }
                p_row = props.next()?;
            }
            while let Some(r) = n_row {
                let uid: i64 = r.get(0)?;
                if uid > id {
                    break;
                }
                if uid == id {
                    let (ord, n) = note_from_row(r)?;
                    attach(&mut unit, ord, n, notes_of);
                }
                n_row = notes.next()?;
            }
            f(id, unit)?;
            count += 1;
        }
        Ok(count)
    }

    /// `for_each_unit` on two threads: this one reads the units and passes
    /// each through `pick` (which may drop it), a second one gets the kept
    /// ones in order and `write`s them (an export writes XML while SQLite
    /// reads the next rows). Batches come back to this thread to be freed,
    /// where their memory was allocated. Returns how many units were
    /// written; the first error of either side stops both.
    pub fn for_each_unit_piped(
        &self,
        filter: &UnitFilter,
        mut pick: impl FnMut(Unit) -> Option<Unit>,
        mut write: impl FnMut(&Unit) -> Result<()> + Send,
    ) -> Result<u64> {
        const BATCH: usize = 256;
        std::thread::scope(|scope| -> Result<u64> {
            let (send, batches) = std::sync::mpsc::sync_channel::<Vec<Unit>>(4);
            let (give_back, used) = std::sync::mpsc::channel::<Vec<Unit>>();
            let writer = scope.spawn(move || -> Result<u64> {
                let mut written = 0;
                for batch in batches {
                    for unit in &batch {
                        write(unit)?;
                    }
                    written += batch.len() as u64;
                    let _ = give_back.send(batch);
                }
                Ok(written)
            });
            let mut batch = Vec::with_capacity(BATCH);
            let read = self.for_each_unit(filter, |_, unit| {
                if let Some(unit) = pick(unit) {
                    batch.push(unit);
                }
                if batch.len() == BATCH {
                    // Free what the writer is done with; stop if it failed.
                    used.try_iter().for_each(drop);
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    send.send(full)
                        .map_err(|_| anyhow::anyhow!("the writer stopped"))?;
                }
                Ok(())
            });
            if read.is_ok() && !batch.is_empty() {
                let _ = send.send(batch);
            }
            drop(send);
            // The writer's error says what went wrong; "it stopped" does not.
            let written = writer.join().expect("the writer thread panicked")?;
            read?;
            Ok(written)
        })
    }

    /// The source language most units have, from the counters (no scan).
    pub fn most_common_source(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT src FROM pair_count GROUP BY src ORDER BY sum(units) DESC, src LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The language pair most units have among those matching the given
    /// languages (either may be absent), from the counters (no scan). A
    /// language given is returned as given (`ar` keeps matching `ar-SY`).
    pub fn most_common_pair_matching(
        &self,
        src: Option<&str>,
        tgt: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT src, tgt, units FROM pair_count ORDER BY units DESC, src, tgt")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (s, t): (String, String) = (r.get(0)?, r.get(1)?);
            if src.map_or(true, |x| lang::matches(x, &s))
                && tgt.map_or(true, |x| lang::matches(x, &t))
            {
                return Ok(Some((
                    src.map_or(s, str::to_string),
                    tgt.map_or(t, str::to_string),
                )));
            }
        }
        Ok(None)
    }
}

fn load_unit(conn: &Connection, id: i64) -> Result<Option<Unit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let (_, mut unit) = unit_from_row(row)?;
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, ord, lang, plain, markup, meta FROM variant WHERE unit_id = ?1 ORDER BY ord",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        unit.variants.push(variant_from_row(r)?);
    }
    let props: Vec<_> = conn
        .prepare_cached(
            "SELECT unit_id, variant_ord, kind, value, lang, encoding FROM prop WHERE unit_id = ?1 ORDER BY rowid",
        )?
        .query_map(params![id], prop_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    for (ord, p) in props {
        attach(&mut unit, ord, p, props_of);
    }
    let notes: Vec<_> = conn
        .prepare_cached(
            "SELECT unit_id, variant_ord, text, lang, encoding FROM note WHERE unit_id = ?1 ORDER BY rowid",
        )?
        .query_map(params![id], note_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    for (ord, n) in notes {
        attach(&mut unit, ord, n, notes_of);
    }
    Ok(Some(unit))
}

/// What export writes of a unit, given the language filter: `None` to
/// leave it out. With a source language the unit must have it; with a
/// target language it must have a non-empty target in it, and then only
/// the source and target variants are kept (a bilingual export). Without
/// a target language, a unit needs at least one non-empty variant besides
/// its source.
pub fn select_languages(mut unit: Unit, src: Option<&str>, tgt: Option<&str>) -> Option<Unit> {
    let langs: Vec<&str> = unit.variants.iter().map(|v| v.lang.as_str()).collect();
    let src_i = match src {
        Some(s) => unit
            .variants
            .iter()
            .position(|v| lang::matches(s, &v.lang))?,
        None => super::write::source_index(unit.srclang.as_deref(), &langs),
    };
    let nonempty = |v: &Variant| !v.seg.plain.trim().is_empty() || v.seg.has_tags();
    match tgt {
        Some(t) => {
            let tgt_i = unit
                .variants
                .iter()
                .enumerate()
                .position(|(i, v)| i != src_i && lang::matches(t, &v.lang) && nonempty(v))?;
            let mut i = 0;
            unit.variants.retain(|_| {
                let keep = i == src_i || i == tgt_i;
                i += 1;
                keep
            });
            Some(unit)
        }
        None => unit
            .variants
            .iter()
            .enumerate()
            .any(|(i, v)| i != src_i && nonempty(v))
            .then_some(unit),
    }
}

/// Units by origin name → ids, for `delete --origin` and tests.
pub fn unit_ids_of_origin(store: &Store, origin: &str) -> Result<Vec<i64>> {
    let mut stmt = store.conn.prepare(
        "SELECT u.id FROM unit u JOIN origin o ON o.id = u.origin_id WHERE o.name = ?1 ORDER BY u.id",
    )?;
    let ids = stmt
        .query_map([origin], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}
