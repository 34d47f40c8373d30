//! Units out of the TM: one by id (`load_unit`), or all of them streamed in
//! id order (`for_each_unit`) with a merge join over the unit, variant, prop
//! and note tables, so that export reads each table once, sequentially;
//! `for_each_unit_piped` hands the units to a second thread in batches,
//! so memory holds a few batches, whatever the TM's size.
//!
//! Units only: writing them as TMX or TSV is the caller's (`tmx`, `tsv`),
//! through the callbacks, whose errors keep the caller's type.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::error::{Result, TmError};
use super::write::VariantMeta;
use super::Store;
use crate::text::lang;
use crate::unit::{Note, Prop, Stamp, Unit, Variant};

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

/// Column `i`'s text. Checked as UTF-8 by `simdutf8`: the standard
/// check (rusqlite's `as_str`) was a seventh of an export's reading
/// thread on Arabic text.
fn text_of(value: ValueRef<'_>, i: usize) -> Result<&str> {
    simdutf8::basic::from_utf8(value.as_bytes()?).map_err(|_| TmError::NotUtf8 { column: i })
}

/// `dst` = the text of column `i`, in its own buffer if it has one; None
/// for NULL. (An export reads millions of units into reused ones: a new
/// string per field was a sixth of its reading thread.)
fn set_opt(dst: &mut Option<String>, r: &Row, i: usize) -> Result<()> {
    match r.get_ref(i)? {
        ValueRef::Null => *dst = None,
        value => {
            let text = text_of(value, i)?;
            match dst {
                Some(s) => {
                    s.clear();
                    s.push_str(text);
                }
                None => *dst = Some(text.to_owned()),
            }
        }
    }
    Ok(())
}

/// `dst` = the text of column `i` (NOT NULL), in `dst`'s buffer.
fn set_str(dst: &mut String, r: &Row, i: usize) -> Result<()> {
    let text = text_of(r.get_ref(i)?, i)?;
    dst.clear();
    dst.push_str(text);
    Ok(())
}

/// A `UNIT_COLUMNS` row into `unit` (its variants, props and notes are
/// left for the caller). Returns the unit's id.
fn unit_from_row(r: &Row, unit: &mut Unit) -> Result<i64> {
    set_opt(&mut unit.tuid, r, 1)?;
    set_opt(&mut unit.srclang, r, 2)?;
    let s = &mut unit.stamp;
    set_opt(&mut s.creation_date, r, 3)?;
    set_opt(&mut s.creation_id, r, 4)?;
    set_opt(&mut s.change_date, r, 5)?;
    set_opt(&mut s.change_id, r, 6)?;
    set_opt(&mut s.last_usage_date, r, 7)?;
    s.usage_count = r.get::<_, Option<i64>>(8)?.map(|n| n as u64);
    set_opt(&mut s.creation_tool, r, 9)?;
    set_opt(&mut s.creation_tool_version, r, 10)?;
    unit.extra = match r.get_ref(11)? {
        ValueRef::Null => Vec::new(),
        json => serde_json::from_str(json.as_str()?).map_err(TmError::Attributes)?,
    };
    set_opt(&mut unit.origin, r, 12)?;
    set_opt(&mut unit.context.prev, r, 13)?;
    set_opt(&mut unit.context.next, r, 14)?;
    Ok(r.get(0)?)
}

/// `unit_id, ord, lang, plain, markup, meta` → `v` (its props and notes
/// emptied).
fn variant_from_row(r: &Row, v: &mut Variant) -> Result<()> {
    set_str(&mut v.lang, r, 2)?;
    set_str(&mut v.seg.plain, r, 3)?;
    match r.get_ref(4)? {
        ValueRef::Null => {
            // Most text has nothing to escape: copy it whole rather than
            // char by char.
            if memchr::memchr3(b'&', b'<', b'>', v.seg.plain.as_bytes()).is_none() {
                v.seg.markup.clear();
                v.seg.markup.push_str(&v.seg.plain);
            } else {
                v.seg.markup = crate::unit::escape_text(&v.seg.plain);
            }
        }
        markup => {
            v.seg.markup.clear();
            v.seg.markup.push_str(text_of(markup, 4)?);
        }
    }
    (v.stamp, v.extra) = match r.get_ref(5)? {
        ValueRef::Null => (Stamp::default(), Vec::new()),
        json => VariantMeta::decode(json.as_str()?)?,
    };
    v.props.clear();
    v.notes.clear();
    Ok(())
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

/// Why a scan stopped: the TM's error, or the one its caller's `f` returned.
enum Stop<E> {
    Tm(TmError),
    Caller(E),
}

impl<E> From<TmError> for Stop<E> {
    fn from(e: TmError) -> Self {
        Stop::Tm(e)
    }
}

impl<E> From<rusqlite::Error> for Stop<E> {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Tm(e.into())
    }
}

impl Store {
    /// Of `ids` (sorted, repeats dropped): those the TM holds, and those
    /// it does not.
    pub fn split_existing(&self, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let (mut found, mut missing) = (Vec::with_capacity(ids.len()), Vec::new());
        let mut exists = self
            .conn
            .prepare_cached("SELECT 1 FROM unit WHERE id = ?1")?;
        for id in ids {
            if exists.exists([id])? {
                found.push(id);
            } else {
                missing.push(id);
            }
        }
        Ok((found, missing))
    }

    /// The unit with this id, as it was added (with its origin's name).
    pub fn load_unit(&self, id: i64) -> Result<Option<Unit>> {
        load_unit(&self.conn, id)
    }

    /// Call `f` with every unit that passes `filter`, in id order. Returns
    /// how many units were passed to `f`.
    pub fn for_each_unit(
        &self,
        filter: &UnitFilter,
        f: impl FnMut(i64, Unit) -> Result<()>,
    ) -> Result<u64> {
        self.scan_units(filter, Unit::default, f)
    }

    /// `for_each_unit`, each unit read into one `spare` gives (a unit done
    /// with, whose strings and vectors are reused, or a new one); `f`'s
    /// errors are its caller's type.
    fn scan_units<E: From<TmError>>(
        &self,
        filter: &UnitFilter,
        spare: impl FnMut() -> Unit,
        mut f: impl FnMut(i64, Unit) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.scan(filter, spare, |id, unit| f(id, unit).map_err(Stop::Caller))
            .map_err(|stop| match stop {
                Stop::Tm(e) => E::from(e),
                Stop::Caller(e) => e,
            })
    }

    /// `scan_units`, its errors and `f`'s apart.
    fn scan<E>(
        &self,
        filter: &UnitFilter,
        mut spare: impl FnMut() -> Unit,
        mut f: impl FnMut(i64, Unit) -> Result<(), Stop<E>>,
    ) -> Result<u64, Stop<E>> {
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
            let mut unit = spare();
            let id = unit_from_row(row, &mut unit)?;
            unit.props.clear();
            unit.notes.clear();
            let mut n = 0;
            while let Some(r) = v_row {
                let uid: i64 = r.get(0)?;
                if uid > id {
                    break;
                }
                if uid == id {
                    if n == unit.variants.len() {
                        unit.variants.push(Variant::default());
                    }
                    variant_from_row(r, &mut unit.variants[n])?;
                    n += 1;
                }
                v_row = variants.next()?;
            }
            unit.variants.truncate(n);
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
    /// reads the next rows). Batches come back to this thread, whose next
    /// units are read into them: allocating and freeing each unit's
    /// strings (on two threads) was a sixth of the reading. Returns how
    /// many units were written; the first error of either side stops both
    /// (`write`'s errors are its caller's type, the TM's convert into it).
    pub fn for_each_unit_piped<E: From<TmError> + Send>(
        &self,
        filter: &UnitFilter,
        mut pick: impl FnMut(Unit) -> Option<Unit>,
        mut write: impl FnMut(&Unit) -> Result<(), E> + Send,
    ) -> Result<u64, E> {
        const BATCH: usize = 256;
        std::thread::scope(|scope| -> Result<u64, E> {
            let (send, batches) = std::sync::mpsc::sync_channel::<Vec<Unit>>(4);
            let (give_back, used) = std::sync::mpsc::channel::<Vec<Unit>>();
            let writer = scope.spawn(move || -> Result<u64, E> {
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
            // Units the writer is done with, to read the next ones into.
            let mut spares: Vec<Unit> = Vec::new();
            let spare = || {
                if spares.is_empty() {
                    spares.extend(used.try_iter().flatten());
                }
                spares.pop().unwrap_or_default()
            };
            let read = self.scan_units(filter, spare, |_, unit| {
                if let Some(unit) = pick(unit) {
                    batch.push(unit);
                }
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // Stop if the writer failed.
                    send.send(full).map_err(|_| TmError::WriterStopped)?;
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
    let mut unit = Unit::default();
    unit_from_row(row, &mut unit)?;
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, ord, lang, plain, markup, meta FROM variant WHERE unit_id = ?1 ORDER BY ord",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let mut v = Variant::default();
        variant_from_row(r, &mut v)?;
        unit.variants.push(v);
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
/// the source and target variants are kept, in that order (a bilingual
/// export). Without
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
            // Source first, target second, whatever order the unit stored
            // them in (a unit whose srclang is the target language
            // included): a two-column writer takes them by position.
            let mut variants: Vec<Option<Variant>> = std::mem::take(&mut unit.variants)
                .into_iter()
                .map(Some)
                .collect();
            let src_v = variants[src_i].take()?;
            let tgt_v = variants[tgt_i].take()?;
            unit.variants = vec![src_v, tgt_v];
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

/// The form an origin is stored in: the file's name without its folders
/// (`samples/sample.tmx` → `sample.tmx`), which users can type back
/// whatever folder they imported from. A name without a file name part
/// (`-`, `..`) is kept as given.
pub fn origin_name(path: &std::path::Path) -> String {
    match path.file_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => path.display().to_string(),
    }
}

/// What an `--origin NAME` option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The stored origin of that name.
    Found(String),
    /// No stored origin answers to it; `known` lists them all.
    Unknown { known: Vec<String> },
    /// Several stored origins (full paths from before origins were stored
    /// as file names) have that file name.
    Ambiguous(Vec<String>),
}

/// Find the stored origin `name` refers to: the origin of exactly that
/// name, else the one whose file name (see [`origin_name`]) equals
/// `name`'s file name, so `samples/sample.tmx`, `./sample.tmx` and a TM
/// whose rows still hold full paths all work.
pub fn find_origin(store: &(impl super::TmStore + ?Sized), name: &str) -> Result<Origin> {
    let known = store.origin_names()?;
    if known.iter().any(|k| k == name) {
        return Ok(Origin::Found(name.to_string()));
    }
    let want = origin_name(std::path::Path::new(name));
    let mut same: Vec<String> = known
        .iter()
        .filter(|k| origin_name(std::path::Path::new(k.as_str())) == want)
        .cloned()
        .collect();
    Ok(match same.len() {
        0 => Origin::Unknown { known },
        1 => Origin::Found(same.remove(0)),
        _ => Origin::Ambiguous(same),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tm::{OnDuplicate, OriginInfo};
    use crate::unit::Segment;

    /// Units of changing shape: two or three variants, with and without
    /// ids, dates, props, notes, variant metadata, extra attributes,
    /// escaped text, context.
    fn varied_unit(i: usize) -> Unit {
        let mut u = Unit::pair(
            "ar-SY",
            &format!("قُتل {i} أشخاص في «حلب»"),
            "en",
            &format!(
                "{i} killed in Aleppo{}",
                if i % 13 == 0 { " & Idlib" } else { "" }
            ),
        );
        if i % 3 == 0 {
            u.variants.push(Variant {
                lang: "fr".into(),
                seg: Segment::from_plain(&format!("{i} tués à Alep")),
                ..Variant::default()
            });
        }
        if i % 7 == 0 {
            u.tuid = Some(format!("tu{i}"));
            u.stamp.change_date = Some("20211106T120000Z".into());
            u.stamp.usage_count = Some(i as u64);
        }
        if i % 5 == 0 {
            u.props.push(Prop {
                kind: "x-domain".into(),
                value: "news".into(),
                lang: None,
                encoding: None,
            });
            u.notes.push(Note {
                text: format!("note {i}"),
                lang: Some("en".into()),
                encoding: None,
            });
            u.variants[1].props.push(Prop {
                kind: "x-reviewed".into(),
                value: "yes".into(),
                lang: None,
                encoding: None,
            });
        }
        if i % 4 == 0 {
            u.variants[0].stamp.creation_id = Some(format!("translator{i}"));
        }
        if i % 11 == 0 {
            u.extra.push(("x-batch".into(), i.to_string()));
            u.context.prev = Some("السابق".into());
        }
        u
    }

    /// A TM of `n` `varied_unit`s.
    fn varied_tm(n: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("tm.db")).unwrap();
        let origin = OriginInfo {
            name: "varied.tmx".into(),
            kind: "tmx".into(),
            header: None,
        };
        let mut w = store.writer(&origin).unwrap();
        for i in 0..n {
            w.add(&varied_unit(i), OnDuplicate::Keep).unwrap();
        }
        w.commit().unwrap();
        (dir, store)
    }

    #[test]
    fn piped_units_read_into_reused_ones_equal_fresh_ones() {
        // Several batches' worth, so that units come back and are reused.
        let (_dir, store) = varied_tm(1500);
        let mut fresh = Vec::new();
        store
            .for_each_unit(&UnitFilter::default(), |_, u| {
                fresh.push(u);
                Ok(())
            })
            .unwrap();
        let mut piped = Vec::new();
        // Units with an id and three variants dropped by `pick`, as a
        // language filter drops some.
        let written = store
            .for_each_unit_piped(
                &UnitFilter::default(),
                |u| (u.tuid.is_none() || u.variants.len() == 2).then_some(u),
                |u| {
                    piped.push(u.clone());
                    Ok::<_, TmError>(())
                },
            )
            .unwrap();
        let kept: Vec<Unit> = fresh
            .into_iter()
            .filter(|u| u.tuid.is_none() || u.variants.len() == 2)
            .collect();
        assert_eq!(written as usize, kept.len());
        assert!(kept.len() > 1200);
        assert_eq!(piped, kept);
        // The shapes really vary from one unit to the next.
        let with_meta = piped
            .iter()
            .filter(|u| u.variants[0].stamp.creation_id.is_some());
        assert!((300..500).contains(&with_meta.count()));
    }

    #[test]
    fn a_failing_writer_stops_the_reading_with_its_error() {
        let (_dir, store) = varied_tm(2000);
        let mut seen = 0;
        let err = store
            .for_each_unit_piped(&UnitFilter::default(), Some, |_| {
                seen += 1;
                if seen == 300 {
                    anyhow::bail!("disk full");
                }
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(seen, 300);
    }
}
