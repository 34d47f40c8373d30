//! The PostgreSQL builder against the SQLite one: the same operations
//! (adds over several runs, removals, a unit updated in place, a unit
//! added and removed in one transaction) must leave the same dictionary,
//! counts and postings in both. Needs a server (`TARJUMAN_TEST_PG`, see
//! tests/postgres/run.sh); says it was skipped without one.

use rusqlite::{params, Connection};

use super::super::{query, stored_unit_tokens, Indexer};
use super::PgIndexer;
use crate::text::normalize::matching_key;

const VAR: &str = "TARJUMAN_TEST_PG";

/// A scratch database with the index's tables and a `variant` table.
fn scratch() -> Option<(postgres::Client, String, String)> {
    let Ok(admin) = std::env::var(VAR) else {
        eprintln!(
            "skipped: the PostgreSQL index tests need {VAR}=postgres://… (tests/postgres/run.sh)"
        );
        return None;
    };
    let name = format!("t_pgindex_{}", std::process::id());
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let start = admin.find("://").unwrap() + 3;
    let path = admin[start..].find('/').map_or(admin.len(), |i| start + i);
    let end = admin[path..].find('?').map_or(admin.len(), |i| path + i);
    let url = format!("{}/{name}{}", &admin[..path], &admin[end..]);
    let mut db = postgres::Client::connect(&url, postgres::NoTls).expect("connect scratch");
    db.batch_execute(
        "CREATE TABLE variant (unit_id bigint, ord int, lang text, key text, PRIMARY KEY (unit_id, ord));",
    )
    .unwrap();
    db.batch_execute(include_str!(
        "../../../../schema/postgres/0002_fuzzy_index.sql"
    ))
    .unwrap();
    db.batch_execute(include_str!(
        "../../../../schema/postgres/0005_posting_places.sql"
    ))
    .unwrap();
    Some((db, admin, name))
}

fn sqlite() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE TABLE variant (unit_id INTEGER, ord INTEGER, lang TEXT, key TEXT, PRIMARY KEY (unit_id, ord));",
    )
    .unwrap();
    c.execute_batch(include_str!("../../../../schema/0002_fuzzy_index.sql"))
        .unwrap();
    c.execute_batch(include_str!("../../../../schema/0005_posting_places.sql"))
        .unwrap();
    c
}

/// A unit's variants: Arabic words from a small lexicon (so tokens
/// repeat across units), an English side, sometimes a second Arabic one.
fn unit(seed: u64) -> Vec<(&'static str, String)> {
    const AR: &[&str] = &[
        "قاعدة",
        "عسكرية",
        "في",
        "من",
        "الميادين",
        "وقف",
        "إطلاق",
        "النار",
        "حلب",
        "دمشق",
        "المدينة",
        "الجيش",
        "قوات",
        "الأمن",
        "السورية",
        "على",
        "إلى",
        "١٢",
        "2024",
        "بحلب",
    ];
    const EN: &[&str] = &[
        "base",
        "military",
        "in",
        "of",
        "ceasefire",
        "city",
        "army",
        "forces",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let len = 2 + next(9);
    let ar: Vec<&str> = (0..len).map(|_| AR[next(AR.len())]).collect();
    let en: Vec<&str> = (0..len).map(|_| EN[next(EN.len())]).collect();
    let mut v = vec![("ar-SY", ar.join(" ")), ("en", en.join(" "))];
    if next(5) == 0 {
        v.push(("ar", "نص آخر".to_string()));
    }
    v
}

struct Both {
    lite: Connection,
    pg: postgres::Client,
}

/// One transaction on both: `ops` of (unit id, Some(seed): add / None: remove).
fn transaction(b: &mut Both, ops: &[(i64, Option<u64>)], flush: usize) {
    let ltx = b.lite.transaction().unwrap();
    let mut lix = Indexer::new(&ltx).unwrap();
    lix.set_flush_postings(flush);
    let mut ptx = b.pg.transaction().unwrap();
    let mut pix = PgIndexer::new();
    pix.set_flush_postings(flush);
    for &(id, op) in ops {
        match op {
            Some(seed) => {
                let v = unit(seed);
                let keys: Vec<String> = v.iter().map(|(_, t)| matching_key(t)).collect();
                let pairs: Vec<(&str, &str)> = v
                    .iter()
                    .zip(&keys)
                    .map(|((l, _), k)| (*l, k.as_str()))
                    .collect();
                let tokens = stored_unit_tokens(&pairs);
                for (ord, (l, k)) in pairs.iter().enumerate() {
                    ltx.execute(
                        "INSERT INTO variant VALUES (?1, ?2, ?3, ?4)",
                        params![id, ord as i64, l, k],
                    )
                    .unwrap();
                    ptx.execute(
                        "INSERT INTO variant VALUES ($1, $2, $3, $4)",
                        &[&id, &(ord as i32), l, k],
                    )
                    .unwrap();
                }
                lix.add(&ltx, id, &keys, &tokens).unwrap();
                if pix.add(id, &keys, &tokens).unwrap() {
                    pix.flush_due(&mut ptx).unwrap();
                }
            }
            None => {
                lix.remove(&ltx, id).unwrap();
                pix.remove(&mut ptx, id).unwrap();
                ltx.execute("DELETE FROM variant WHERE unit_id = ?1", [id])
                    .unwrap();
                ptx.execute("DELETE FROM variant WHERE unit_id = $1", &[&id])
                    .unwrap();
            }
        }
    }
    lix.finish(&ltx).unwrap();
    ltx.commit().unwrap();
    pix.finish(&mut ptx).unwrap();
    ptx.commit().unwrap();
}

/// Every token with its df and decoded postings, and the language counts.
type Dump = (
    Vec<(String, String, i64, Vec<(u64, u32, u32)>)>,
    Vec<(String, i64)>,
);

fn dump_sqlite(c: &Connection) -> Dump {
    let toks: Vec<(String, String)> = c
        .prepare("SELECT lang, text FROM fz_token ORDER BY lang, text")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = Vec::new();
    for (l, t) in toks {
        let info = query::token(c, &l, &t).unwrap().unwrap();
        let mut p = Vec::new();
        query::postings(c, info.id, 0, u32::MAX, |u, len, place| {
            p.push((u, len, place))
        })
        .unwrap();
        p.sort_unstable();
        if info.df != 0 || !p.is_empty() {
            out.push((l, t, info.df, p));
        }
    }
    let langs = c
        .prepare("SELECT lang, variants FROM fz_lang ORDER BY lang")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (out, langs)
}

fn dump_pg(c: &mut postgres::Client) -> Dump {
    let toks = c
        .query(
            "SELECT id, lang, text, df FROM fz_token ORDER BY lang, text",
            &[],
        )
        .unwrap();
    let mut out = Vec::new();
    for r in toks {
        let (id, l, t, df): (i64, String, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let mut p = Vec::new();
        for b in c
            .query("SELECT data FROM fz_chunk WHERE token_id = $1", &[&id])
            .unwrap()
        {
            super::super::decode(b.get(0), 0, u32::MAX, |u, len, place| {
                p.push((u, len, place))
            })
            .unwrap();
        }
        p.sort_unstable();
        if df != 0 || !p.is_empty() {
            out.push((l, t, df, p));
        }
    }
    let langs = c
        .query("SELECT lang, variants FROM fz_lang ORDER BY lang", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    (out, langs)
}

#[test]
fn the_postgres_index_equals_the_sqlite_index() {
    let Some((pg, admin, name)) = scratch() else {
        return;
    };
    let mut b = Both { lite: sqlite(), pg };
    let check = |b: &mut Both, when: &str| {
        let (lite, pg) = (dump_sqlite(&b.lite), dump_pg(&mut b.pg));
        assert!(!lite.0.is_empty());
        assert_eq!(lite, pg, "after {when}");
    };
    // Into an empty index, over several runs.
    let first: Vec<(i64, Option<u64>)> = (1..=300).map(|i| (i, Some(i as u64))).collect();
    transaction(&mut b, &first, 500);
    check(&mut b, "the first import");
    // Into a full one: new units, removals, updates in place (remove, add
    // with the same id), a unit added and removed, one added twice over.
    let mut ops: Vec<(i64, Option<u64>)> = (301..=400).map(|i| (i, Some(i as u64))).collect();
    for i in (1..=300).step_by(7) {
        ops.push((i, None));
    }
    for i in (2..=300).step_by(11) {
        if i % 7 != 1 {
            ops.extend([(i, None), (i, Some(1000 + i as u64))]);
        }
    }
    ops.extend([(401, Some(401)), (401, None), (402, Some(402))]);
    ops.extend([
        (402, None),
        (402, Some(2402)),
        (402, None),
        (402, Some(3402)),
    ]);
    transaction(&mut b, &ops, 200);
    check(&mut b, "a mixed transaction");
    // Many small transactions: blobs pile up and get merged.
    for k in 0..12 {
        let ops: Vec<(i64, Option<u64>)> = (0..5)
            .map(|i| (500 + 5 * k + i, Some((500 + 5 * k + i) as u64)))
            .collect();
        transaction(&mut b, &ops, 1_000_000);
    }
    check(&mut b, "small transactions");
    let crowded: i64 =
        b.pg.query_one("SELECT coalesce(max(chunks), 0) FROM fz_token", &[])
            .unwrap()
            .get(0);
    assert!(crowded <= super::MAX_CHUNKS, "{crowded} blobs for a token");
    drop(b);
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
}
