//! The matcher's tests: scores, the lossless filter against brute force,
//! and `tm`, a small TM that concord's and pretranslate's tests share.

use super::*;
use crate::tm::{OnDuplicate, OriginInfo, Store};
use crate::unit::Unit;
use proptest::prelude::*;

/// An empty TM on disk, and the origin its test units come from.
fn empty_tm() -> (tempfile::TempDir, Store, OriginInfo) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("tm.db")).unwrap();
    let origin = OriginInfo {
        name: "test.tsv".into(),
        kind: "tsv".into(),
        header: None,
    };
    (dir, store, origin)
}

/// A TM on disk holding ar→en pairs (source, target, previous sentence).
pub(crate) fn tm(units: &[(&str, &str, Option<&str>)]) -> (tempfile::TempDir, Store, Vec<i64>) {
    let (dir, mut store, origin) = empty_tm();
    let mut w = store.writer(&origin).unwrap();
    let mut ids = vec![];
    for (src, tgt, prev) in units {
        let mut u = Unit::pair("ar", src, "en", tgt);
        u.context.prev = prev.map(str::to_string);
        match w.add(&u, OnDuplicate::Keep).unwrap() {
            crate::tm::Added::Inserted(id) => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    w.commit().unwrap();
    (dir, store, ids)
}

fn scores(m: &Matcher, q: &str, prev: Option<&str>, min: u8) -> Vec<(String, u8)> {
    m.lookup(q, prev, min, 10)
        .unwrap()
        .into_iter()
        .map(|x| (x.source, x.score))
        .collect()
}

#[test]
fn scores_follow_the_documented_bands() {
    let s = "قتل ٥ أشخاص في قصف على مدينة حلب أمس";
    let (_d, store, _) = tm(&[(
        s,
        "5 people were killed in shelling on Aleppo yesterday",
        Some("بدأ القصف صباحا"),
    )]);
    let m = Matcher::new(&store, "ar", "en").unwrap();
    let one = |q: &str, prev: Option<&str>| scores(&m, q, prev, 1).first().map(|x| x.1);
    // Identical: 100; with the same previous sentence: 101.
    assert_eq!(one(s, None), Some(100));
    assert_eq!(one(&format!("  {s}\n"), Some("بدأ القصف صباحاً")), Some(101));
    assert_eq!(one(s, Some("جملة أخرى")), Some(100));
    // Harakat / hamza form / tatweel only: 99.
    assert_eq!(
        one("قُتِلَ ٥ اشخاص في قصـــف على مدينة حلب أمس", None),
        Some(99)
    );
    // A number differs: 99, and the target comes back with it replaced.
    let hit = &m
        .lookup("قتل ١٢ أشخاص في قصف على مدينة حلب أمس", None, 1, 1)
        .unwrap()[0];
    assert_eq!(hit.score, 99);
    assert_eq!(
        hit.target_fixed.as_deref(),
        Some("12 people were killed in shelling on Aleppo yesterday")
    );
    // Punctuation differs: 98; punctuation and a number: 97.
    assert_eq!(
        one("قتل ٥ أشخاص، في قصف على مدينة حلب أمس.", None),
        Some(98)
    );
    assert_eq!(
        one("قتل ٧ أشخاص، في قصف على مدينة حلب أمس.", None),
        Some(97)
    );
    // One word of nine changed: ⌊100·8/9⌋ = 88; one added: ⌊100·9/10⌋ = 90.
    assert_eq!(one("قتل ٥ أشخاص في قصف على مدينة إدلب أمس", None), Some(88));
    assert_eq!(
        one("قتل ٥ أشخاص في قصف عنيف على مدينة حلب أمس", None),
        Some(90)
    );
    // --min is honoured.
    assert!(scores(&m, "قتل ٥ أشخاص في قصف على مدينة إدلب أمس", None, 89).is_empty());
}

#[test]
fn bad_queries_give_nothing_quickly_and_wrong_pairs_are_refused() {
    let (_d, store, _) = tm(&[(
        "الميليشيات الإيرانية تخلي مقراتها",
        "Iranian militias evacuate their HQs",
        None,
    )]);
    let m = Matcher::new(&store, "ar", "en").unwrap();
    assert!(m.lookup("", None, 70, 5).unwrap().is_empty());
    assert!(m.lookup(" ،. ؟ ", None, 70, 5).unwrap().is_empty());
    // Wrong script: no shared tokens, no match.
    assert!(m
        .lookup("Iranian militias evacuate their HQs", None, 1, 5)
        .unwrap()
        .is_empty());
    // 100 KB of Arabic words.
    let huge = "الميليشيات الإيرانية ".repeat(5000);
    let t = std::time::Instant::now();
    assert!(m.lookup(&huge, None, 1, 5).unwrap().is_empty());
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    let err = Matcher::new(&store, "ar", "fr").err().unwrap().to_string();
    assert!(
        err.contains("no units in ar→fr") && err.contains("ar, en"),
        "{err}"
    );
    let err = Matcher::new(&store, "a r", "en").err().unwrap().to_string();
    assert!(err.contains("not a language tag"), "{err}");
}

#[test]
fn deleted_units_are_not_found_and_updates_are() {
    let (_d, mut store, ids) = tm(&[
        (
            "أعلنت الحكومة عن خطة جديدة",
            "The government announced a new plan",
            None,
        ),
        (
            "أعلنت الحكومة عن خطة قديمة",
            "The government announced an old plan",
            None,
        ),
    ]);
    store.delete_units(&ids[..1]).unwrap();
    let m = Matcher::new(&store, "ar", "en").unwrap();
    let got = scores(&m, "أعلنت الحكومة عن خطة جديدة", None, 50);
    assert_eq!(got, vec![("أعلنت الحكومة عن خطة قديمة".to_string(), 80)]);
}

const VOCAB: &[&str] = &[
    "قال",
    "الرئيس",
    "في",
    "حلب",
    "دمشق",
    "أمس",
    "5",
    "١٢",
    "،",
    ".",
    "الحكومة",
    "إن",
    // Other spellings of the same words: equal scores, the tie-breaker
    // as written decides.
    "قَالَ",
    "امس",
    "الحكومه",
];

fn sentence() -> impl Strategy<Value = String> {
    proptest::collection::vec(0..VOCAB.len(), 1..9)
        .prop_map(|v| v.iter().map(|&i| VOCAB[i]).collect::<Vec<_>>().join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn filter_equals_brute_force(
        units in proptest::collection::vec((sentence(), proptest::option::of(sentence())), 1..30),
        // Several queries on one matcher: its dictionary cache and bit
        // sets (made for a token asked for twice) are shared between them.
        queries in proptest::collection::vec(sentence(), 1..4),
        prev in proptest::option::of(sentence()),
        min in 1u8..=101,
        top in 1usize..6,
    ) {
        let rows: Vec<(&str, &str, Option<&str>)> =
            units.iter().map(|(s, p)| (s.as_str(), "target", p.as_deref())).collect();
        let (_d, store, _) = tm(&rows);
        let m = Matcher::new(&store, "ar", "en").unwrap();
        // Each query twice: the second time with the bit sets made.
        for query in queries.iter().chain(&queries) {
            let q = Query::new(query);
            let fast = m.best(&q, prev.as_deref(), min, top).unwrap();
            let slow = m.brute_force(&q, prev.as_deref(), min, top).unwrap();
            prop_assert_eq!(fast, slow);
        }
    }
}

/// A TM filled by several imports, each its own transaction (so words
/// get their ranks from different batches, some of a unit or two), with
/// some units deleted between them.
fn tm_in_parts(
    units: &[(String, Option<String>)],
    cuts: &[usize],
    delete_every: usize,
) -> (tempfile::TempDir, Store) {
    let (dir, mut store, origin) = empty_tm();
    let mut at = 0;
    let mut ids = vec![];
    for &cut in cuts.iter().chain(std::iter::once(&units.len())) {
        let cut = cut.clamp(at, units.len());
        let mut w = store.writer(&origin).unwrap();
        for (src, prev) in &units[at..cut] {
            let mut u = Unit::pair("ar", src, "en", "target");
            u.context.prev = prev.clone();
            if let crate::tm::Added::Inserted(id) = w.add(&u, OnDuplicate::Keep).unwrap() {
                ids.push(id);
            }
        }
        w.commit().unwrap();
        at = cut;
        if delete_every > 0 {
            let gone: Vec<i64> = ids.iter().copied().step_by(delete_every).collect();
            store.delete_units(&gone).unwrap();
            ids.retain(|id| !gone.contains(id));
        }
    }
    (dir, store)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// Places counted with ranks from several imports, and units deleted
    /// between them, keep the filter lossless.
    #[test]
    fn filter_equals_brute_force_across_imports(
        units in proptest::collection::vec((sentence(), proptest::option::of(sentence())), 1..40),
        cuts in proptest::collection::vec(0usize..40, 0..4),
        delete_every in 0usize..6,
        queries in proptest::collection::vec(sentence(), 1..4),
        min in 1u8..=101,
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (_d, store) = tm_in_parts(&units, &cuts, delete_every);
        // Everything deleted: nothing to match against.
        let Ok(m) = Matcher::new(&store, "ar", "en") else {
            prop_assume!(false);
            unreachable!()
        };
        for query in queries.iter().chain(&queries) {
            let q = Query::new(query);
            let fast = m.best(&q, None, min, 3).unwrap();
            let slow = m.brute_force(&q, None, min, 3).unwrap();
            prop_assert_eq!(fast, slow);
        }
    }
}

/// A TM written before schema 0005 (blobs keyed by length alone, no
/// ranks) is migrated on opening and gives the same matches.
/// The rows of a two-column query.
fn pairs<A: rusqlite::types::FromSql, B: rusqlite::types::FromSql>(
    conn: &rusqlite::Connection,
    sql: &str,
) -> Vec<(A, B)> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_tm_from_before_places_is_migrated_and_matches_the_same() {
    let units: Vec<(String, Option<String>)> = (0..60)
        .map(|i| {
            let words: Vec<&str> = (0..3 + i % 7)
                .map(|j| VOCAB[(i * 7 + j * 3) % VOCAB.len()])
                .collect();
            (words.join(" "), None)
        })
        .collect();
    let (dir, store) = tm_in_parts(&units, &[20, 40], 0);
    let queries: Vec<&str> = units.iter().step_by(5).map(|(s, _)| s.as_str()).collect();
    let before: Vec<_> = {
        let m = Matcher::new(&store, "ar", "en").unwrap();
        queries
            .iter()
            .map(|q| m.best(&Query::new(q), None, 40, 5).unwrap())
            .collect()
    };
    // Back to schema 4: old blobs, no rank column.
    let old: Vec<(i64, Vec<u8>)> = pairs(&store.conn, "SELECT id, data FROM fz_chunk");
    for (id, data) in old {
        let data = index::without_places(&data).unwrap();
        store
            .conn
            .execute(
                "UPDATE fz_chunk SET data = ?2 WHERE id = ?1",
                rusqlite::params![id, data],
            )
            .unwrap();
    }
    store
        .conn
        .execute_batch("ALTER TABLE fz_token DROP COLUMN rank; PRAGMA user_version = 4;")
        .unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("tm.db")).unwrap();
    let m = Matcher::new(&store, "ar", "en").unwrap();
    for (q, want) in queries.iter().zip(&before) {
        let q = Query::new(q);
        assert_eq!(&m.best(&q, None, 40, 5).unwrap(), want);
        assert_eq!(&m.brute_force(&q, None, 40, 5).unwrap(), want);
    }
    // The ranks follow the shares of units.
    let ranks: Vec<(i64, i64)> = pairs(
        &store.conn,
        "SELECT df, rank FROM fz_token WHERE lang = 'ar'",
    );
    assert!(ranks.iter().all(|&(df, rank)| rank == df * 1_000_000 / 60));
}

/// Of a vocalised and a plain copy of a sentence (equal scores, the
/// folded keys the same), the copy in the query's own spelling comes
/// first, whichever was stored first.
#[test]
fn ties_go_to_the_copy_written_as_the_query() {
    // (vocalised, plain) pairs, real text: verses, a hadith, news with
    // hamza and alef forms.
    let pairs = [
        ("بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ", "بسم الله الرحمن الرحيم"),
        ("الْحَمْدُ لِلَّهِ رَبِّ الْعَالَمِينَ", "الحمد لله رب العالمين"),
        ("إِنَّ اللَّهَ مَعَ الصَّابِرِينَ", "إن الله مع الصابرين"),
        (
            "إِنَّمَا الْأَعْمَالُ بِالنِّيَّاتِ وَإِنَّمَا لِكُلِّ امْرِئٍ مَا نَوَى",
            "إنما الأعمال بالنيات وإنما لكل امرئ ما نوى",
        ),
        (
            "أعلنت الحكومة عن خطة جديدة لإعادة الإعمار",
            "اعلنت الحكومه عن خطه جديده لاعاده الاعمار",
        ),
    ];
    let mut rows = Vec::new();
    for (i, (voc, plain)) in pairs.iter().enumerate() {
        // Alternate which copy is the newer, so "newer first" cannot pass.
        if i % 2 == 0 {
            rows.push((*voc, "vocalised", None));
            rows.push((*plain, "plain", None));
        } else {
            rows.push((*plain, "plain", None));
            rows.push((*voc, "vocalised", None));
        }
    }
    let (_d, store, _) = tm(&rows);
    let m = Matcher::new(&store, "ar", "en").unwrap();
    for (voc, plain) in pairs {
        for (extra_voc, extra_plain) in [("جَمِيعًا", "جميعا"), ("الْيَوْمَ", "اليوم")]
        {
            for (query, want) in [
                (format!("{voc} {extra_voc}"), voc),
                (format!("{plain} {extra_plain}"), plain),
                // The query's spelling, with a word edited away.
                (format!("{extra_voc} {voc}،"), voc),
                (format!("{extra_plain} {plain}،"), plain),
            ] {
                let hits = m.lookup(&query, None, 50, 5).unwrap();
                assert!(hits.len() >= 2, "{query}: {hits:?}");
                assert_eq!(hits[0].score, hits[1].score, "{query}");
                assert_eq!(hits[0].source, want, "{query}");
            }
        }
        // As written exactly: 100 before the other copy's 99.
        for want in [voc, plain] {
            let hits = m.lookup(want, None, 50, 2).unwrap();
            assert_eq!((hits[0].source.as_str(), hits[0].score), (want, 100));
            assert_eq!(hits[1].score, 99);
        }
    }
}

#[test]
fn written_tokens_keep_spelling_and_split_punctuation() {
    let t: Vec<&str> = written_tokens("  قُتِلَ ٥ أشخاص، في حلب.").collect();
    assert_eq!(t, ["قُتِلَ", "٥", "أشخاص", "،", "في", "حلب", "."]);
}

/// Identifiers and paths are one word each: a UI string one word away
/// from a stored one scores 5 of 6 words (83); another identifier is one
/// word changed, not one piece of three (which scored 7 of 8, 87).
#[test]
fn identifiers_paths_and_addresses_are_one_word() {
    let (_d, store, _) = tm(&[
        (
            "فشل pango_parse_markup في تحليل النص الوارد",
            "pango_parse_markup failed to parse the text",
            None,
        ),
        (
            "افتح الملف ‎/etc/tarjuman/config.toml للتعديل",
            "Open the file /etc/tarjuman/config.toml to edit it",
            None,
        ),
    ]);
    let m = Matcher::new(&store, "ar", "en").unwrap();
    let got = scores(&m, "فشل pango_parse_markup في تحليل النص المرسل", None, 70);
    assert_eq!(
        got,
        vec![(
            "فشل pango_parse_markup في تحليل النص الوارد".to_string(),
            83
        )]
    );
    // Another identifier is another word, not two shared pieces of three.
    let got = scores(&m, "فشل pango_parse_text في تحليل النص الوارد", None, 70);
    assert_eq!(got[0].1, 83);
    // افتح الملف etc/tarjuman/config.toml للتعديل: one of 4 words differs.
    let got = scores(&m, "افتح الملف ‎/etc/tarjuman/other.toml للتعديل", None, 1);
    assert_eq!(got[0].1, 75);
}
