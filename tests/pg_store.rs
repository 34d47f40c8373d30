//! The PostgreSQL store against a real server (`TARJUMAN_TEST_PG`, see
//! tests/common/pg.rs): opening, migrations, statistics. Skipped, saying
//! why, without one.

mod common;

use tarjuman::tm::pg::{PgStore, MIGRATIONS, SCHEMA_VERSION};
use tarjuman::tm::StoreError;

#[test]
fn migrations_apply_once_and_a_newer_schema_is_refused() {
    let Some(db) = common::pg::scratch("migrations") else {
        return;
    };
    // A database without a TM is missing for a reader…
    assert!(matches!(
        PgStore::connect_read_only(&db.url),
        Err(StoreError::Missing { .. })
    ));
    // …and created by a writer, once, however often it connects.
    let store = PgStore::connect(&db.url).unwrap();
    drop(store);
    let store = PgStore::connect(&db.url).unwrap();
    let v: i32 = store
        .client()
        .query_one("SELECT version FROM tarjuman_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v as u32, SCHEMA_VERSION);
    let created: i64 = store
        .client()
        .query_one("SELECT count(*) FROM meta WHERE name = 'created_at'", &[])
        .unwrap()
        .get(0);
    assert_eq!(created, 1);
    PgStore::connect_read_only(&db.url).unwrap();
    // A later migration is applied on the next open.
    let mut more = MIGRATIONS.to_vec();
    more.push(("9999_test", "CREATE TABLE extra_test(x INTEGER)"));
    PgStore::connect_with(&db.url, &more).unwrap();
    // This binary knows one migration fewer: the TM is newer, refused.
    let err = PgStore::connect(&db.url).err().unwrap();
    assert!(err.to_string().contains("newer tarjuman"), "{err}");
    let err = PgStore::connect_read_only(&db.url).err().unwrap();
    assert!(err.to_string().contains("newer tarjuman"), "{err}");
}

#[test]
fn another_programs_database_is_not_a_tm() {
    let Some(db) = common::pg::scratch("not_a_tm") else {
        return;
    };
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    c.batch_execute("CREATE TABLE invoices(id INTEGER)")
        .unwrap();
    let err = PgStore::connect(&db.url).err().unwrap();
    assert!(
        err.to_string()
            .contains("not a tarjuman translation memory"),
        "{err}"
    );
}

#[test]
fn two_processes_creating_one_tm_at_once_apply_the_schema_once() {
    let Some(db) = common::pg::scratch("migrate_race") else {
        return;
    };
    let url = db.url.clone();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || PgStore::connect(&url).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
}

#[test]
fn a_big_import_leaves_the_planner_statistics_of_what_it_wrote() {
    use tarjuman::tm::pg::ANALYZE_AFTER;
    use tarjuman::tm::{OnDuplicate, OriginInfo, TmStore};
    use tarjuman::unit::Unit;
    let Some(db) = common::pg::scratch("analyze") else {
        return;
    };
    let mut store = PgStore::connect(&db.url).unwrap();
    // (rows the planner believes the table holds: -1 or 0 before any ANALYZE)
    let believed = |store: &PgStore| -> f32 {
        store
            .client()
            .query_one("SELECT reltuples FROM pg_class WHERE relname = 'unit'", &[])
            .unwrap()
            .get(0)
    };
    let import = |store: &mut PgStore, name: &str, units: u64, from: u64| {
        let origin = OriginInfo {
            name: name.into(),
            kind: "tsv".into(),
            header: None,
        };
        let mut w = TmStore::writer(store, &origin).unwrap();
        for i in from..from + units {
            let unit = Unit::pair(
                "ar",
                &format!("قصفت الطائرات مواقع في ريف إدلب الجنوبي رقم {i}"),
                "en",
                &format!("Aircraft struck positions in the southern Idlib countryside, number {i}"),
            );
            w.add(&unit, OnDuplicate::Skip).unwrap();
        }
        w.commit().unwrap();
    };
    import(&mut store, "small.tsv", 10, 0);
    assert!(
        believed(&store) <= 0.0,
        "a small import leaves ANALYZE to autovacuum"
    );
    import(&mut store, "big.tsv", ANALYZE_AFTER, 10);
    let rows = believed(&store);
    assert!(
        (rows - (ANALYZE_AFTER + 10) as f32).abs() < 1.0,
        "the planner believes unit holds {rows} rows"
    );
}

/// A matcher kept from one lookup to the next (as `lookup --file` and
/// `serve`'s readers keep one) keeps bit sets of the tokens it met twice;
/// once another connection commits a unit, its next lookup finds it, on
/// either store: the sets are dropped when `data_version` moves
/// (SQLite's own, PostgreSQL's `tm_change` counter).
#[test]
fn a_kept_matcher_finds_what_another_connection_commits() {
    use tarjuman::tm::fuzzy::Matcher;
    use tarjuman::tm::{Access, OnDuplicate, OriginInfo};
    use tarjuman::unit::Unit;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tm.db");
    let db = common::pg::scratch("kept_matcher");
    let mut locations = vec![file.to_str().unwrap().to_string()];
    locations.extend(db.as_ref().map(|d| d.url.clone()));
    // Common words in every unit, so that each query word gets a bit set.
    let words = [
        "قال",
        "مسؤول",
        "في",
        "وزارة",
        "الدفاع",
        "إن",
        "القوات",
        "انسحبت",
        "من",
        "المدينة",
    ];
    let query = "قال مسؤول في وزارة الدفاع إن القوات انسحبت من المدينة اليوم";
    for location in locations {
        let add = |sources: &[String]| {
            let mut store = tarjuman::tm::open(location.as_ref(), Access::Write).unwrap();
            let origin = OriginInfo {
                name: "units.tsv".into(),
                kind: "tsv".into(),
                header: None,
            };
            let mut w = store.writer(&origin).unwrap();
            for s in sources {
                w.add(
                    &Unit::pair("ar", s, "en", "An official said"),
                    OnDuplicate::Skip,
                )
                .unwrap();
            }
            w.commit().unwrap();
        };
        // 60 units, each with the ten words minus three and a word of its own.
        let first: Vec<String> = (0..60)
            .map(|i| {
                let mut w: Vec<&str> = words.to_vec();
                w.remove(i % 10);
                w.remove((i * 3 + 1) % 9);
                w.remove((i * 7 + 2) % 8);
                format!("{} كلمة{i}", w.join(" "))
            })
            .collect();
        add(&first);
        let reader = tarjuman::tm::source::open(location.as_ref()).unwrap();
        let m = Matcher::new(&*reader, "ar", "en").unwrap();
        // Units with 8 of the query's 11 words score 72: candidates past
        // the prefix, so every word's bit set is asked for (and made).
        for _ in 0..3 {
            let hits = m.lookup(query, None, 70, 5).unwrap();
            assert!(hits.iter().all(|h| h.score < 80), "{location}: {hits:?}");
        }
        add(&[query.to_string()]);
        let hits = m.lookup(query, None, 80, 5).unwrap();
        assert_eq!(hits.len(), 1, "{location}: {hits:?}");
        assert_eq!((hits[0].source.as_str(), hits[0].score), (query, 100));
    }
}

/// The PostgreSQL TM has no foreign keys (schema 0004: the writer keeps a
/// unit's rows with it, as SQLite's does): after imports, updates in place,
/// deletions and an import given up, no row is left without its unit and
/// no unit without its origin.
#[test]
fn no_row_outlives_its_unit() {
    use tarjuman::tm::{OnDuplicate, OriginInfo, TmStore};
    use tarjuman::unit::{Note, Prop, Unit};
    let Some(db) = common::pg::scratch("no_orphans") else {
        return;
    };
    let mut store = PgStore::connect(&db.url).unwrap();
    let keys: i64 = store
        .client()
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'
             AND conrelid::regclass::text IN ('unit', 'variant', 'prop', 'note')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(keys, 0, "schema 0004 drops the foreign keys");
    let unit = |i: u32, en: &str| {
        let mut u = Unit::pair(
            "ar",
            &format!("أعلنت وزارة الصحة حصيلة جديدة للضحايا رقم {i}"),
            "en",
            &format!("The health ministry announced a new toll ({en}) number {i}"),
        );
        u.props.push(Prop {
            kind: "x-desk".into(),
            value: "syria".into(),
            lang: None,
            encoding: None,
        });
        u.variants[1].notes.push(Note {
            text: format!("checked {en}"),
            lang: Some("en".into()),
            encoding: None,
        });
        u
    };
    let import = |store: &mut PgStore, name: &str, en: &str, on: OnDuplicate, commit: bool| {
        let origin = OriginInfo {
            name: name.into(),
            kind: "tmx".into(),
            header: None,
        };
        let mut w = TmStore::writer(store, &origin).unwrap();
        for i in 0..30 {
            w.add(&unit(i, en), on).unwrap();
        }
        if commit {
            w.commit().unwrap();
        }
    };
    import(&mut store, "first.tmx", "first", OnDuplicate::Skip, true);
    // The same sources with other targets, in place of the first.
    import(
        &mut store,
        "second.tmx",
        "second",
        OnDuplicate::Update,
        true,
    );
    // Given up: nothing of it stays.
    import(&mut store, "third.tmx", "third", OnDuplicate::Keep, false);
    let ids: Vec<i64> = store
        .client()
        .query("SELECT id FROM unit ORDER BY id LIMIT 10", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(TmStore::delete_units(&mut store, &ids).unwrap(), 10);
    let count = |sql: &str| -> i64 { store.client().query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(count("SELECT count(*) FROM unit"), 20);
    assert_eq!(count("SELECT count(*) FROM variant"), 40);
    assert_eq!(count("SELECT count(*) FROM prop"), 20);
    assert_eq!(
        count("SELECT count(*) FROM note WHERE text = 'checked second'"),
        20
    );
    for (child, parent) in [("variant", "unit"), ("prop", "unit"), ("note", "unit")] {
        let orphans = count(&format!(
            "SELECT count(*) FROM {child} c WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.unit_id)"
        ));
        assert_eq!(orphans, 0, "{child} rows without their unit");
    }
    assert_eq!(
        count("SELECT count(*) FROM unit u WHERE NOT EXISTS (SELECT 1 FROM origin o WHERE o.id = u.origin_id)"),
        0
    );
}

/// A batch is written on the writer's own thread while the next is
/// prepared: a failure there (PostgreSQL refuses a NUL character in text)
/// still fails the import, at the next unit or at the commit, writes
/// nothing, and leaves the write lock free for the next writer.
#[test]
fn a_batch_refused_by_the_server_fails_the_import_and_writes_nothing() {
    use tarjuman::tm::{OnDuplicate, OriginInfo, TmStore};
    use tarjuman::unit::Unit;
    let Some(db) = common::pg::scratch("refused_batch") else {
        return;
    };
    let mut store = PgStore::connect(&db.url).unwrap();
    let origin = OriginInfo {
        name: "nul.tsv".into(),
        kind: "tsv".into(),
        header: None,
    };
    let units = |bad: Option<u32>| {
        (0..12_000u32).map(move |i| {
            let nul = if Some(i) == bad { "\0" } else { "" };
            Unit::pair(
                "ar",
                &format!("قصفت الطائرات مواقع في ريف حلب رقم {i}{nul}"),
                "en",
                &format!("Aircraft struck positions near Aleppo, number {i}"),
            )
        })
    };
    let mut w = TmStore::writer(&mut store, &origin).unwrap();
    let mut failed = None;
    for u in units(Some(3)) {
        if let Err(e) = w.add(&u, OnDuplicate::Skip) {
            failed = Some(e);
            break;
        }
    }
    let err = match failed {
        Some(e) => {
            drop(w);
            e
        }
        None => w.commit().expect_err("the commit fails"),
    };
    let mut said = err.to_string();
    let mut cause: &dyn std::error::Error = &err;
    while let Some(c) = cause.source() {
        said = format!("{said}: {c}");
        cause = c;
    }
    assert!(said.contains("0x00"), "{said}");
    // Abandoned: rolled back, the lock free at once.
    store.write_wait.timeout = std::time::Duration::ZERO;
    let mut w = TmStore::writer(&mut store, &origin).unwrap();
    for u in units(None).take(10) {
        w.add(&u, OnDuplicate::Skip).unwrap();
    }
    w.commit().unwrap();
    let n: i64 = store
        .client()
        .query_one("SELECT count(*) FROM unit", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 10);
}
