//! Units out of PostgreSQL, as `tm::read` reads them out of SQLite: one by
//! id, or all of them in id order through server-side cursors (portals
//! fetched a batch at a time, never one giant result), merged over the
//! unit, variant, prop and note tables inside one read-only snapshot.

use std::collections::VecDeque;

use postgres::types::ToSql;
use postgres::{IsolationLevel, Portal, Row, Transaction};

use crate::tm::error::{Result, TmError};
use crate::tm::read::UnitFilter;
use crate::tm::write::VariantMeta;
use crate::unit::{escape_text, Note, Prop, Stamp, Unit, Variant};

/// Rows fetched from a cursor at a time.
const FETCH: i32 = 2000;

pub(super) const UNIT_COLUMNS: &str = "u.id, u.tuid, u.srclang, u.creation_date, u.creation_id,
    u.change_date, u.change_id, u.last_usage_date, u.usage_count, u.creation_tool,
    u.creation_tool_version, u.extra, o.name, u.context_prev, u.context_next";
const VARIANT_COLUMNS: &str = "unit_id, ord, lang, plain, markup, meta";
const PROP_COLUMNS: &str = "unit_id, variant_ord, kind, value, lang, encoding";
const NOTE_COLUMNS: &str = "unit_id, variant_ord, text, lang, encoding";

/// A `UNIT_COLUMNS` row as a unit (without variants, props, notes) and its id.
fn unit_from_row(r: &Row) -> Result<(i64, Unit)> {
    let mut unit = Unit {
        tuid: r.try_get(1)?,
        srclang: r.try_get(2)?,
        ..Unit::default()
    };
    unit.stamp = Stamp {
        creation_date: r.try_get(3)?,
        creation_id: r.try_get(4)?,
        change_date: r.try_get(5)?,
        change_id: r.try_get(6)?,
        last_usage_date: r.try_get(7)?,
        usage_count: r.try_get::<_, Option<i64>>(8)?.map(|n| n as u64),
        creation_tool: r.try_get(9)?,
        creation_tool_version: r.try_get(10)?,
    };
    if let Some(json) = r.try_get::<_, Option<&str>>(11)? {
        unit.extra = serde_json::from_str(json).map_err(TmError::Attributes)?;
    }
    unit.origin = r.try_get(12)?;
    unit.context.prev = r.try_get(13)?;
    unit.context.next = r.try_get(14)?;
    Ok((r.try_get(0)?, unit))
}

fn variant_from_row(r: &Row) -> Result<Variant> {
    make_variant(r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?)
}

/// A variant from its stored language, plain text, markup (`None`: the
/// escaped plain text) and metadata JSON.
fn make_variant(
    lang: String,
    plain: String,
    markup: Option<String>,
    meta: Option<&str>,
) -> Result<Variant> {
    let markup = match markup {
        Some(m) => m,
        None => escape_text(&plain),
    };
    let (stamp, extra) = match meta {
        Some(json) => VariantMeta::decode(json)?,
        None => (Stamp::default(), Vec::new()),
    };
    let mut v = Variant {
        lang,
        stamp,
        extra,
        ..Variant::default()
    };
    v.seg.plain = plain;
    v.seg.markup = markup;
    Ok(v)
}

fn prop_from_row(r: &Row) -> Result<(Option<i32>, Prop)> {
    Ok((
        r.try_get(1)?,
        Prop {
            kind: r.try_get(2)?,
            value: r.try_get(3)?,
            lang: r.try_get(4)?,
            encoding: r.try_get(5)?,
        },
    ))
}

fn note_from_row(r: &Row) -> Result<(Option<i32>, Note)> {
    Ok((
        r.try_get(1)?,
        Note {
            text: r.try_get(2)?,
            lang: r.try_get(3)?,
            encoding: r.try_get(4)?,
        },
    ))
}

fn attach_prop(unit: &mut Unit, ord: Option<i32>, p: Prop) {
    match ord {
        None => unit.props.push(p),
        Some(i) => {
            if let Some(v) = unit.variants.get_mut(i as usize) {
                v.props.push(p)
            }
        }
    }
}

fn attach_note(unit: &mut Unit, ord: Option<i32>, n: Note) {
    match ord {
        None => unit.notes.push(n),
        Some(i) => {
            if let Some(v) = unit.variants.get_mut(i as usize) {
                v.notes.push(n)
            }
        }
    }
}

/// Whole units by id in one statement (`$1` a `bigint[]`, one round
/// trip where four tables would take four): a row per unit, its
/// `UNIT_COLUMNS` then its variants', props' and notes' columns as arrays
/// (`units_from_whole_rows` reads them). Each id is looked up by index
/// (LATERAL), whatever the planner thinks of the tables. The arrays carry
/// the order columns and are put in order by the client: an aggregate's
/// own ORDER BY costs the server a sort per aggregate and unit.
pub(crate) fn whole_units_sql() -> String {
    format!(
        "SELECT {UNIT_COLUMNS},
            v.ords, v.langs, v.plains, v.markups, v.metas,
            p.vords, p.ords, p.kinds, p.vals, p.langs, p.encs,
            n.vords, n.ords, n.texts, n.langs, n.encs
         FROM unnest($1::int8[]) AS q(id)
         CROSS JOIN LATERAL (SELECT * FROM unit WHERE id = q.id) u
         LEFT JOIN LATERAL (SELECT name FROM origin WHERE id = u.origin_id) o ON true
         CROSS JOIN LATERAL (SELECT array_agg(ord) AS ords, array_agg(lang) AS langs,
                array_agg(plain) AS plains, array_agg(markup) AS markups, array_agg(meta) AS metas
            FROM variant WHERE unit_id = q.id) v
         CROSS JOIN LATERAL (SELECT array_agg(variant_ord) AS vords, array_agg(ord) AS ords,
                array_agg(kind) AS kinds, array_agg(value) AS vals, array_agg(lang) AS langs,
                array_agg(encoding) AS encs
            FROM prop WHERE unit_id = q.id) p
         CROSS JOIN LATERAL (SELECT array_agg(variant_ord) AS vords, array_agg(ord) AS ords,
                array_agg(text) AS texts, array_agg(lang) AS langs, array_agg(encoding) AS encs
            FROM note WHERE unit_id = q.id) n"
    )
}

/// Whole units from the rows of `whole_units_sql`, by id, as SQLite's
/// `load_unit` gives them.
pub(crate) fn units_from_whole_rows(rows: &[Row]) -> Result<std::collections::HashMap<i64, Unit>> {
    // An aggregate over no rows is NULL: no items.
    fn list<'a, T: postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Result<Vec<T>> {
        Ok(r.try_get::<_, Option<Vec<T>>>(i)?.unwrap_or_default())
    }
    // Positions in the order of `key`; an item's columns are taken at
    // its position in each array.
    fn order<K: Ord>(keys: impl Iterator<Item = K>) -> Vec<usize> {
        let mut keyed: Vec<(K, usize)> = keys.zip(0..).collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, i)| i).collect()
    }
    // Props and notes: unit-level (no variant) last, then by ord.
    let by_variant = |vords: &[Option<i32>], ords: &[i32]| {
        order(vords.iter().zip(ords).map(|(v, o)| (v.is_none(), *v, *o)))
    };
    let mut out = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        let (id, mut unit) = unit_from_row(r)?;
        let ords: Vec<i32> = list(r, 15)?;
        let mut langs: Vec<String> = list(r, 16)?;
        let mut plains: Vec<String> = list(r, 17)?;
        let mut markups: Vec<Option<String>> = list(r, 18)?;
        let metas: Vec<Option<&str>> = list(r, 19)?;
        for i in order(ords.iter()) {
            let (lang, plain) = (
                std::mem::take(&mut langs[i]),
                std::mem::take(&mut plains[i]),
            );
            unit.variants
                .push(make_variant(lang, plain, markups[i].take(), metas[i])?);
        }
        let vords: Vec<Option<i32>> = list(r, 20)?;
        let ords: Vec<i32> = list(r, 21)?;
        let mut kinds: Vec<String> = list(r, 22)?;
        let mut values: Vec<String> = list(r, 23)?;
        let mut langs: Vec<Option<String>> = list(r, 24)?;
        let mut encodings: Vec<Option<String>> = list(r, 25)?;
        for i in by_variant(&vords, &ords) {
            let p = Prop {
                kind: std::mem::take(&mut kinds[i]),
                value: std::mem::take(&mut values[i]),
                lang: langs[i].take(),
                encoding: encodings[i].take(),
            };
            attach_prop(&mut unit, vords[i], p);
        }
        let vords: Vec<Option<i32>> = list(r, 26)?;
        let ords: Vec<i32> = list(r, 27)?;
        let mut texts: Vec<String> = list(r, 28)?;
        let mut langs: Vec<Option<String>> = list(r, 29)?;
        let mut encodings: Vec<Option<String>> = list(r, 30)?;
        for i in by_variant(&vords, &ords) {
            let n = Note {
                text: std::mem::take(&mut texts[i]),
                lang: langs[i].take(),
                encoding: encodings[i].take(),
            };
            attach_note(&mut unit, vords[i], n);
        }
        out.insert(id, unit);
    }
    Ok(out)
}

/// A cursor read a batch at a time.
struct Cursor {
    portal: Portal,
    rows: VecDeque<Row>,
    done: bool,
}

impl Cursor {
    fn open(tx: &mut Transaction<'_>, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Cursor> {
        Ok(Cursor {
            portal: tx.bind(sql, params)?,
            rows: VecDeque::new(),
            done: false,
        })
    }

    /// The next row's unit id, without taking it.
    fn peek(&mut self, tx: &mut Transaction<'_>) -> Result<Option<i64>> {
        if self.rows.is_empty() && !self.done {
            let rows = tx.query_portal(&self.portal, FETCH)?;
            self.done = rows.len() < FETCH as usize;
            self.rows.extend(rows);
        }
        Ok(match self.rows.front() {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Skip rows before unit `id`, then take those of `id`.
    fn take_for(
        &mut self,
        tx: &mut Transaction<'_>,
        id: i64,
        mut f: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        while let Some(uid) = self.peek(tx)? {
            if uid > id {
                break;
            }
            let row = self.rows.pop_front().expect("peeked");
            if uid == id {
                f(&row)?;
            }
        }
        Ok(())
    }
}

/// Every unit passing `filter`, in id order, in one read-only snapshot.
pub(super) fn each_unit(
    client: &mut postgres::Client,
    filter: &UnitFilter,
    pick: &mut dyn FnMut(Unit) -> Option<Unit>,
    write: &mut (dyn FnMut(&Unit) -> Result<()> + Send),
) -> Result<u64> {
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let mut sql = format!(
        "SELECT {UNIT_COLUMNS} FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE true"
    );
    let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(origin) = &filter.origin {
        args.push(origin);
        sql.push_str(&format!(" AND o.name = ${}", args.len()));
    }
    let date = "coalesce(u.change_date, u.creation_date) COLLATE \"C\"";
    if let Some(since) = &filter.since {
        args.push(since);
        sql.push_str(&format!(" AND {date} >= ${}", args.len()));
    }
    if let Some(until) = &filter.until {
        args.push(until);
        sql.push_str(&format!(" AND {date} <= ${}", args.len()));
    }
    sql.push_str(" ORDER BY u.id");
    let mut units = Cursor::open(&mut tx, &sql, &args)?;
    let mut variants = Cursor::open(
        &mut tx,
        &format!("SELECT {VARIANT_COLUMNS} FROM variant ORDER BY unit_id, ord"),
        &[],
    )?;
    let mut props = Cursor::open(
        &mut tx,
        &format!("SELECT {PROP_COLUMNS} FROM prop ORDER BY unit_id, variant_ord NULLS LAST, ord"),
        &[],
    )?;
    let mut notes = Cursor::open(
        &mut tx,
        &format!("SELECT {NOTE_COLUMNS} FROM note ORDER BY unit_id, variant_ord NULLS LAST, ord"),
        &[],
    )?;
    let mut written = 0;
    while units.peek(&mut tx)?.is_some() {
        let row = units.rows.pop_front().expect("peeked");
        let (id, mut unit) = unit_from_row(&row)?;
        variants.take_for(&mut tx, id, |r| {
            unit.variants.push(variant_from_row(r)?);
            Ok(())
        })?;
        props.take_for(&mut tx, id, |r| {
            let (ord, p) = prop_from_row(r)?;
            attach_prop(&mut unit, ord, p);
            Ok(())
        })?;
        notes.take_for(&mut tx, id, |r| {
            let (ord, n) = note_from_row(r)?;
            attach_note(&mut unit, ord, n);
            Ok(())
        })?;
        if let Some(unit) = pick(unit) {
            write(&unit)?;
            written += 1;
        }
    }
    tx.commit()?;
    Ok(written)
}
