use super::counters::*;
use super::dup::*;
use super::meta::*;
use super::prepared::*;
use super::*;
use crate::unit::{escape_text, Segment, Stamp, Variant};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("tm.db")).unwrap();
    (dir, store)
}

#[test]
fn counters_count_runs_of_same_units_as_each_unit_would() {
    let mut c = Counters::default();
    let (ar_en, ar_fr) = (["ar", "en"], ["ar", "fr-FR"]);
    c.unit(1, Some("ar"), &ar_en, Some(1));
    c.unit(1, Some("ar"), &ar_en, Some(1));
    c.unit(1, Some("ar"), &ar_fr, Some(1));
    c.unit(1, Some("ar"), &ar_en, Some(2));
    c.unit(-1, Some("ar"), &ar_en, Some(1));
    c.unit(1, None, &ar_en, Some(2));
    c.end_run();
    assert_eq!(c.units, 4);
    assert_eq!(c.langs["ar"], 4);
    assert_eq!(c.langs["en"], 3);
    assert_eq!(c.langs["fr-FR"], 1);
    assert_eq!(c.pairs["ar"]["en"], 3);
    assert_eq!(c.pairs["ar"]["fr-FR"], 1);
    assert_eq!((c.origins[&1], c.origins[&2]), (2, 2));
}

fn origin(name: &str) -> OriginInfo {
    OriginInfo {
        name: name.into(),
        kind: "tsv".into(),
        header: None,
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A five-language unit with props, notes, stamps and inline markup at
/// both levels: everything the schema has a place for.
fn rich_unit() -> Unit {
    let mut u = Unit {
        tuid: Some("tu-7".into()),
        srclang: Some("ar-SY".into()),
        stamp: Stamp {
            creation_date: Some("20211106T090503Z".into()),
            creation_id: Some("hiba".into()),
            change_date: Some("20211107T100000Z".into()),
            usage_count: Some(3),
            ..Stamp::default()
        },
        props: vec![Prop {
            kind: "x-domain".into(),
            value: "أخبار".into(),
            lang: Some("ar".into()),
            encoding: None,
        }],
        notes: vec![Note {
            text: "مراجعة «المحرر»".into(),
            lang: None,
            encoding: Some("UTF-8".into()),
        }],
        extra: vec![("datatype".into(), "plaintext".into())],
        origin: Some("alaraby.tmx".into()),
        context: crate::unit::Context {
            prev: Some("قبل".into()),
            next: None,
        },
        ..Unit::default()
    };
    for (lang, text) in [
        (
            "ar-SY",
            "أَخْلَت الميليشيات الإيرانية قاعدةً قرب البوكمال في ٦ تشرين الثاني؛",
        ),
        ("en-GB", "Iranian militias evacuated a base near Albu Kamal"),
        ("fr", "Les milices iraniennes ont évacué une base"),
        ("de", "Iranische Milizen räumten einen Stützpunkt"),
        ("fa", "شبه‌نظامیان ایرانی پایگاهی را تخلیه کردند"),
    ] {
        u.variants.push(Variant {
            lang: lang.into(),
            seg: Segment::from_plain(text),
            ..Variant::default()
        });
    }
    u.variants[1].seg = Segment {
        markup: "Iranian <bpt i=\"1\">&lt;b&gt;</bpt>militias<ept i=\"1\">&lt;/b&gt;</ept> evacuated a base near Albu Kamal".into(),
        plain: "Iranian militias evacuated a base near Albu Kamal".into(),
    };
    u.variants[1].stamp.change_id = Some("editor".into());
    u.variants[1].extra = vec![("o-tmf".into(), "Trados".into())];
    u.variants[1].notes = vec![Note {
        text: "checked".into(),
        ..Note::default()
    }];
    u.variants[4].props = vec![Prop {
        kind: "x-script".into(),
        value: "Arab".into(),
        ..Prop::default()
    }];
    u
}

#[test]
fn a_rich_five_language_unit_comes_back_unchanged() {
    let (_dir, mut store) = store();
    let unit = rich_unit();
    let mut w = store.writer(&origin("file.tmx")).unwrap();
    let Added::Inserted(id) = w.add(&unit, OnDuplicate::Skip).unwrap() else {
        panic!("not inserted")
    };
    w.commit().unwrap();
    assert_eq!(store.load_unit(id).unwrap().unwrap(), unit);
    assert_eq!(store.load_unit(id + 1).unwrap(), None);
    let mut streamed = Vec::new();
    store
        .for_each_unit(&Default::default(), |_, u| {
            streamed.push(u);
            Ok(())
        })
        .unwrap();
    assert_eq!(streamed, vec![unit]);
    // Plain segments store no markup; the tagged one does.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM variant WHERE markup IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM variant WHERE meta IS NOT NULL"
        ),
        1
    );
}

#[test]
fn keys_are_stored_beside_the_untouched_text() {
    let (_dir, mut store) = store();
    let mut w = store.writer(&origin("a.tsv")).unwrap();
    w.add(
        &Unit::pair("ar", "قالَ الرئيسُ ١٢٣", "en", "The President said 123"),
        OnDuplicate::Skip,
    )
    .unwrap();
    w.commit().unwrap();
    let (plain, key): (String, String) = store
        .conn
        .query_row(
            "SELECT plain, key FROM variant WHERE lang = 'ar'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(plain, "قالَ الرئيسُ ١٢٣");
    assert_eq!(key, "قال الرييس 123");
}

#[test]
fn skip_update_and_keep_treat_duplicates_as_documented() {
    let (_dir, mut store) = store();
    let a = Unit::pair("ar", "صباح الخير", "en", "Good morning");
    let mut w = store.writer(&origin("one.tsv")).unwrap();
    assert!(matches!(
        w.add(&a, OnDuplicate::Skip).unwrap(),
        Added::Inserted(_)
    ));
    // A duplicate inside the same transaction is seen too.
    assert_eq!(w.add(&a, OnDuplicate::Skip).unwrap(), Added::Duplicate);
    // Variant order does not matter.
    let mut swapped = a.clone();
    swapped.variants.reverse();
    swapped.srclang = Some("ar".into());
    assert_eq!(
        w.add(&swapped, OnDuplicate::Skip).unwrap(),
        Added::Duplicate
    );
    let s = w.commit().unwrap();
    assert_eq!((s.inserted, s.duplicates, s.updated), (1, 2, 0));

    // Same source, new target: skip keeps both translations.
    let b = Unit::pair("ar", "صباح الخير", "en", "Morning!");
    let mut w = store.writer(&origin("two.tsv")).unwrap();
    assert!(matches!(
        w.add(&b, OnDuplicate::Skip).unwrap(),
        Added::Inserted(_)
    ));
    w.commit().unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM unit"), 2);

    // Update replaces the target of the unit with the same source.
    let c = Unit::pair("ar", "مساء الخير", "en", "Good evening");
    let mut w = store.writer(&origin("three.tsv")).unwrap();
    let Added::Inserted(id) = w.add(&c, OnDuplicate::Update).unwrap() else {
        panic!()
    };
    let c2 = Unit::pair("ar", "مساء الخير", "en", "Good evening!");
    assert_eq!(w.add(&c2, OnDuplicate::Update).unwrap(), Added::Updated(id));
    w.commit().unwrap();
    assert_eq!(
        store.load_unit(id).unwrap().unwrap().variants[1].seg.plain,
        "Good evening!"
    );
    assert_eq!(count(&store, "SELECT count(*) FROM unit"), 3);

    // Keep stores it anyway.
    let mut w = store.writer(&origin("four.tsv")).unwrap();
    assert!(matches!(
        w.add(&a, OnDuplicate::Keep).unwrap(),
        Added::Inserted(_)
    ));
    w.commit().unwrap();
    let stats = store.stats().unwrap();
    assert_eq!(stats.units, 4);
    assert_eq!(stats.variants, 8);
    assert_eq!(stats.pairs[0].units, 4);
}

#[test]
fn dropping_the_writer_rolls_everything_back() {
    let (_dir, mut store) = store();
    {
        let mut w = store.writer(&origin("bad.tsv")).unwrap();
        w.add(&rich_unit(), OnDuplicate::Skip).unwrap();
    }
    for table in [
        "unit",
        "variant",
        "prop",
        "note",
        "origin",
        "lang_count",
        "pair_count",
    ] {
        assert_eq!(
            count(&store, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert_eq!(store.stats().unwrap().units, 0);
    // The indexes, dropped while the writer filled an empty TM, are back.
    assert_eq!(count(&store, DEFERRED_INDEXES), 4);
}

/// The indexes a writer into an empty TM drops and builds at commit.
const DEFERRED_INDEXES: &str = "SELECT count(*) FROM sqlite_master WHERE type = 'index'
     AND name IN ('unit_duplicate', 'unit_origin', 'prop_unit', 'note_unit')";

#[test]
fn the_fresh_table_finds_every_unit_with_a_source_hash_through_growth() {
    let mut fresh = FreshUnits::new(100);
    // Hashes over the whole 64-bit range, negative ones included.
    let hash = |i: i64| i.wrapping_mul(0x2545_F491_4F6C_DD1D);
    // Far more than the first capacity, every hash twice (same source,
    // two targets), ids in insertion order.
    for i in 0..20_000i64 {
        assert!(fresh.insert(hash(i), 100 + 2 * i));
        assert!(fresh.insert(hash(i), 101 + 2 * i));
    }
    for i in [0, 1, 4095, 4096, 19_999] {
        let mut got = fresh.candidates(hash(i));
        got.sort_unstable();
        assert_eq!(got, [100 + 2 * i, 101 + 2 * i]);
    }
    assert!((0..20_000).any(|i| hash(i) < 0));
    assert!(fresh.candidates(-1).is_empty());
    // An id it cannot hold is refused, not stored wrongly.
    assert!(!fresh.insert(5, 99));
    assert!(!fresh.insert(5, 100 + i64::from(u32::MAX)));
}

#[test]
fn a_first_import_checks_duplicates_and_leaves_the_index_built() {
    let (_dir, mut store) = store();
    let mut w = store.writer(&origin("first.tsv")).unwrap();
    let a = Unit::pair("ar", "قال الوزير", "en", "The minister said");
    let b = Unit::pair("ar", "قال الوزير", "en", "The minister stated");
    assert!(matches!(
        w.add(&a, OnDuplicate::Skip).unwrap(),
        Added::Inserted(_)
    ));
    assert_eq!(w.add(&a, OnDuplicate::Skip).unwrap(), Added::Duplicate);
    // Same source, other target: not a duplicate under skip.
    assert!(matches!(
        w.add(&b, OnDuplicate::Skip).unwrap(),
        Added::Inserted(_)
    ));
    // Update replaces one stored unit with that source, keeping its id.
    let c = Unit::pair("ar", "قال الوزير", "en", "The minister told");
    assert!(matches!(
        w.add(&c, OnDuplicate::Update).unwrap(),
        Added::Updated(_)
    ));
    w.commit().unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM unit"), 2);
    let plan: String = store
        .conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM unit WHERE source_hash = 1",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("unit_duplicate"), "{plan}");
    assert_eq!(count(&store, DEFERRED_INDEXES), 4);
    // A second writer on the now non-empty TM finds them through it.
    let mut w = store.writer(&origin("second.tsv")).unwrap();
    assert_eq!(w.add(&b, OnDuplicate::Skip).unwrap(), Added::Duplicate);
    assert_eq!(w.add(&c, OnDuplicate::Skip).unwrap(), Added::Duplicate);
    w.commit().unwrap();
}

#[test]
fn counters_follow_inserts_and_deletes() {
    let (_dir, mut store) = store();
    let mut w = store.writer(&origin("x.tmx")).unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut u = Unit::pair(
            "ar",
            &format!("جملة {i}"),
            "en-US",
            &format!("sentence {i}"),
        );
        u.stamp.creation_date = Some(format!("2021110{i}T000000Z"));
        if let Added::Inserted(id) = w.add(&u, OnDuplicate::Skip).unwrap() {
            ids.push(id);
        }
    }
    let mut rich = rich_unit();
    rich.origin = None;
    w.add(&rich, OnDuplicate::Skip).unwrap();
    w.commit().unwrap();
    let s = store.stats().unwrap();
    assert_eq!(s.units, 6);
    assert_eq!(s.variants, 15);
    assert_eq!(s.date_min.as_deref(), Some("20211100T000000Z"));
    assert_eq!(s.date_max.as_deref(), Some("20211107T100000Z"));
    assert_eq!(s.origins.len(), 1);
    assert_eq!(
        (s.origins[0].name.as_str(), s.origins[0].units),
        ("x.tmx", 6)
    );
    let pair = |s: &super::super::stats::Stats, a: &str, b: &str| {
        s.pairs
            .iter()
            .find(|p| p.src == a && p.tgt == b)
            .map(|p| p.units)
    };
    assert_eq!(pair(&s, "ar", "en-US"), Some(5));
    assert_eq!(pair(&s, "ar-SY", "fa"), Some(1));

    assert_eq!(store.delete_units(&[ids[0], ids[4], 999_999]).unwrap(), 2);
    let s = store.stats().unwrap();
    assert_eq!(s.units, 4);
    assert_eq!(pair(&s, "ar", "en-US"), Some(3));
    assert_eq!(s.date_min.as_deref(), Some("20211101T000000Z"));
    assert_eq!(s.origins[0].units, 4);
    assert_eq!(count(&store, "SELECT count(*) FROM variant"), 11);

    let all: Vec<i64> = store
        .conn
        .prepare("SELECT id FROM unit")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    store.delete_units(&all).unwrap();
    let s = store.stats().unwrap();
    assert_eq!((s.units, s.variants), (0, 0));
    assert!(s.languages.is_empty() && s.pairs.is_empty() && s.origins.is_empty());
    assert_eq!(s.date_min, None);
    for table in ["variant", "prop", "note"] {
        assert_eq!(
            count(&store, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
}

#[test]
fn escaped_plain_text_is_recognized_without_allocating() {
    for plain in ["", "نص عادي", "a < b & c > d", "&amp;"] {
        assert!(is_escaped(plain, &escape_text(plain)), "{plain}");
    }
    assert!(!is_escaped("a<b", "a<b"));
    assert!(!is_escaped("ab", "a<ph/>b"));
    assert!(!is_escaped("ab", "ab "));
    assert!(!is_escaped("ab", "a"));
}

#[test]
fn a_refilled_prepared_equals_a_new_one() {
    use crate::unit::{Segment, Variant};
    let mut three = Unit::pair("ar-SY", "قُتل ٥ أشخاص في «حلب».", "en", "Five killed.");
    three.variants.push(Variant {
        lang: "fr".into(),
        seg: Segment::from_plain("Cinq tués à Alep"),
        ..Variant::default()
    });
    let huge = "كلمة ".repeat(20_000);
    let units = [
        three,
        Unit::pair("en", "Two words", "ar", "كلمتان"),
        Unit::pair("ar", &huge, "ar-EG", "نص"),
        Unit::pair("EN-gb", "", "en", "the same language twice"),
        Unit::pair("ar", "الحسكة", "en", "Hasakah"),
    ];
    for with_tokens in [true, false, true] {
        let (mut p, mut spans) = (Prepared::default(), Vec::new());
        for u in &units {
            p.refill(u, with_tokens, &mut spans);
            assert_eq!(
                format!("{p:?}"),
                format!("{:?}", Prepared::new(u, with_tokens))
            );
        }
    }
}

#[test]
fn hashes_are_stable_across_builds() {
    // Pinned values: a changed hash would make every stored TM's
    // duplicate detection silently miss.
    let sig: Signature = vec![("ar", "نص"), ("en", "text")];
    assert_eq!(
        hashes(Some("ar"), &sig),
        hashes(Some("ar"), &[("en", "text"), ("ar", "نص")])
    );
    let mut f = Fnv::new();
    f.bytes(b"a");
    assert_eq!(f.finish() as u64, 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn stored_duplicate_hashes_keep_their_values() {
    // The exact values TMs made since schema 0001 hold in
    // `unit.content_hash` / `source_hash`: a different function (or a
    // different crate's FNV) would make duplicate detection miss on
    // every existing TM.
    let pair = [
        ("ar", "قال الرئيس إنَّ الحكومة"),
        ("en", "The president said"),
    ];
    assert_eq!(
        hashes(Some("ar"), &pair),
        (1_244_371_943_994_226_105, -8_790_051_636_045_833_584)
    );
    let three = [("en", "x"), ("ar-SY", "<ph/>نص"), ("fr", "y")];
    assert_eq!(
        hashes(None, &three),
        (7_535_131_579_272_081_150, 5_291_002_192_769_862_068)
    );
}

/// `hashes` as it was written first (clone, sort, `source_and_langs`):
/// the allocation-free version must give the same values, or stored
/// TMs would stop finding their duplicates.
fn hashes_as_first_written(srclang: Option<&str>, variants: &Signature) -> (i64, i64) {
    let mut sorted = variants.clone();
    sorted.sort_unstable();
    let mut content = Fnv::new();
    for (lang, markup) in &sorted {
        content.field(lang);
        content.field(markup);
    }
    let mut source = Fnv::new();
    let (src, set) = source_and_langs(srclang, variants);
    if let Some((lang, markup)) = src {
        source.field(lang);
        source.field(markup);
    }
    for lang in set {
        source.field(lang);
    }
    (content.finish(), source.finish())
}

proptest::proptest! {
    #[test]
    fn hashes_match_the_first_version_for_any_number_of_variants(
        variants in proptest::collection::vec(
            (proptest::sample::select(vec!["ar", "ar-SY", "en", "en-GB", "fr"]),
             proptest::sample::select(vec!["", "نص", "text", "<ph/>نص", "a &amp; b"])),
            0..7,
        ),
        srclang in proptest::option::of(proptest::sample::select(vec!["ar", "en", "de", "*all*"])),
    ) {
        let sig: Signature = variants.clone();
        proptest::prop_assert_eq!(hashes(srclang, &sig), hashes_as_first_written(srclang, &sig));
    }
}

/// A reader still on the snapshot from before a commit stops the
/// checkpoint SQLite runs at the commit; `settle` tries again until the
/// reader has moved on, and the whole log is then in the database file.
#[test]
fn settle_moves_the_whole_log_once_old_readers_are_gone() {
    let (dir, mut store) = store();
    let add = |store: &mut Store, from: u32, n: u32| {
        let mut w = store.writer(&origin("a.tsv")).unwrap();
        for i in from..from + n {
            let u = Unit::pair(
                "ar",
                &format!("قال مسؤول سوري رقم {i}"),
                "en",
                &format!("A Syrian official said, number {i}"),
            );
            w.add(&u, OnDuplicate::Skip).unwrap();
        }
        w.commit().unwrap();
    };
    add(&mut store, 0, 10);
    // A reader in a read transaction, on the snapshot before the next
    // commit, for 300 ms.
    let path = dir.path().join("tm.db");
    let (began, begin) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("BEGIN").unwrap();
        let _: i64 = c
            .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
            .unwrap();
        began.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        c.execute_batch("COMMIT").unwrap();
    });
    begin.recv().unwrap();
    add(&mut store, 10, 2_000);
    let left = |store: &Store| -> (i64, i64) {
        store
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })
            .unwrap()
    };
    let (log, moved) = left(&store);
    assert!(
        moved < log,
        "the reader holds the checkpoint back ({moved} of {log})"
    );
    store.settle().unwrap();
    let (log, moved) = left(&store);
    assert_eq!(moved, log, "all of the log is in the database");
    reader.join().unwrap();
}
