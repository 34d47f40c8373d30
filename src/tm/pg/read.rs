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
    let plain: String = r.try_get(3)?;
    let markup = match r.try_get::<_, Option<String>>(4)? {
        Some(m) => m,
        None => escape_text(&plain),
    };
    let (stamp, extra) = match r.try_get::<_, Option<&str>>(5)? {
        Some(json) => VariantMeta::decode(json)?,
        None => (Stamp::default(), Vec::new()),
    };
    let mut v = Variant {
        lang: r.try_get(2)?,
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

/// The unit with this id, with its variants, props and notes.
pub(super) fn load_unit(
    client: &mut impl postgres::GenericClient,
    id: i64,
) -> Result<Option<Unit>> {
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = $1"
    );
    let Some(row) = client.query_opt(&sql, &[&id])? else {
        return Ok(None);
    };
    let (_, mut unit) = unit_from_row(&row)?;
    for r in client.query(
        &format!("SELECT {VARIANT_COLUMNS} FROM variant WHERE unit_id = $1 ORDER BY ord"),
        &[&id],
    )? {
        unit.variants.push(variant_from_row(&r)?);
    }
    for r in client.query(
        &format!("SELECT {PROP_COLUMNS} FROM prop WHERE unit_id = $1 ORDER BY variant_ord NULLS LAST, ord"),
        &[&id],
    )? {
        let (ord, p) = prop_from_row(&r)?;
        attach_prop(&mut unit, ord, p);
    }
    for r in client.query(
        &format!("SELECT {NOTE_COLUMNS} FROM note WHERE unit_id = $1 ORDER BY variant_ord NULLS LAST, ord"),
        &[&id],
    )? {
        let (ord, n) = note_from_row(&r)?;
        attach_note(&mut unit, ord, n);
    }
    Ok(Some(unit))
}

/// The four statements of `units_from_rows` (units, variants, props,
/// notes of the ids in `$1`, a `bigint[]`), for a caller that prepares
/// them once per connection (`tm::source`'s batched reads).
pub(crate) fn load_units_sql() -> [String; 4] {
    [
        format!(
            "SELECT {UNIT_COLUMNS} FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = ANY($1)"
        ),
        format!("SELECT {VARIANT_COLUMNS} FROM variant WHERE unit_id = ANY($1) ORDER BY unit_id, ord"),
        format!(
            "SELECT {PROP_COLUMNS} FROM prop WHERE unit_id = ANY($1) ORDER BY unit_id, variant_ord NULLS LAST, ord"
        ),
        format!(
            "SELECT {NOTE_COLUMNS} FROM note WHERE unit_id = ANY($1) ORDER BY unit_id, variant_ord NULLS LAST, ord"
        ),
    ]
}

/// Whole units from the rows of `load_units_sql`'s statements, by id: the
/// same units `load_unit` gives one at a time.
pub(crate) fn units_from_rows(
    units: &[Row],
    variants: &[Row],
    props: &[Row],
    notes: &[Row],
) -> Result<std::collections::HashMap<i64, Unit>> {
    let mut out = std::collections::HashMap::with_capacity(units.len());
    for r in units {
        let (id, unit) = unit_from_row(r)?;
        out.insert(id, unit);
    }
    for r in variants {
        let id: i64 = r.try_get(0)?;
        if let Some(unit) = out.get_mut(&id) {
            unit.variants.push(variant_from_row(r)?);
        }
    }
    for r in props {
        let id: i64 = r.try_get(0)?;
        if let Some(unit) = out.get_mut(&id) {
            let (ord, p) = prop_from_row(r)?;
            attach_prop(unit, ord, p);
        }
    }
    for r in notes {
        let id: i64 = r.try_get(0)?;
        if let Some(unit) = out.get_mut(&id) {
            let (ord, n) = note_from_row(r)?;
            attach_note(unit, ord, n);
        }
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
