use super::build::{self, *};
use super::codec::*;
use super::tokens::*;
use super::*;
use rusqlite::Connection;

use crate::text::normalize;

fn all_postings(conn: &Connection, l: &str, text: &str) -> Vec<(u64, u32)> {
    let Some(t) = token(conn, l, text).unwrap() else {
        return vec![];
    };
    let mut out = vec![];
    postings(conn, t.id, 0, u32::MAX, |u, len, _| out.push((u, len))).unwrap();
    out.sort_unstable();
    out
}

#[test]
fn blobs_round_trip_and_the_length_filter_skips_groups() {
    let postings = vec![(3, 1), (3, 7), (3, 300), (5, 2), (9, 1 << 39)];
    let packed: Vec<u64> = postings.iter().map(|&(l, u)| pack(key(l, 0), u)).collect();
    let data = encode(&packed);
    let mut all = vec![];
    decode(&data, 0, u32::MAX, |u, l, _| all.push((l, u))).unwrap();
    assert_eq!(all, postings);
    let mut mid = vec![];
    decode(&data, 4, 8, |u, l, _| mid.push((l, u))).unwrap();
    assert_eq!(mid, vec![(5, 2)]);
    // A truncated blob is an error, not a panic.
    assert!(decode(&data[..data.len() - 1], 0, u32::MAX, |_, _, _| {}).is_err());
}

proptest::proptest! {
    /// Groups decoded a group at a time (ids read eight bytes at once
    /// where the blob has them) give the postings encoded, in each length
    /// range; a group whose byte size is cut is an error, never ids read
    /// past it.
    #[test]
    fn groups_decode_as_encoded(
        raw in proptest::collection::vec((1u32..40, 0u32..70, 0u64..(1 << 40)), 1..300),
        lo in 0u32..40,
        span in 0u32..40,
    ) {
        let mut packed: Vec<u64> = raw.iter().map(|&(l, p, u)| pack(key(l, p), u)).collect();
        packed.sort_unstable();
        packed.dedup();
        let data = encode(&packed);
        let hi = lo + span;
        let mut want: Vec<(u32, u32, u64)> = packed
            .iter()
            .map(|&p| {
                let (k, u) = unpack(p);
                let (l, place) = split_key(u64::from(k));
                (l, place, u)
            })
            .filter(|&(l, _, _)| (lo..=hi).contains(&l))
            .collect();
        want.sort_unstable();
        let mut got = Vec::new();
        let mut ids = Vec::new();
        decode_groups(&data, lo, hi, &mut ids, |l, place, ids| {
            got.extend(ids.drain(..).map(|u| (l, place, u)));
        })
        .unwrap();
        got.sort_unstable();
        proptest::prop_assert_eq!(got, want);

        // The first group's size one byte short: its last id would end
        // past it.
        let mut pos = 0;
        let k = get_varint(&data, &mut pos).unwrap();
        let count = get_varint(&data, &mut pos).unwrap();
        let size_at = pos;
        let size = get_varint(&data, &mut pos).unwrap();
        if size < 0x80 && size > 1 {
            let mut cut = data.clone();
            cut[size_at] = (size - 1) as u8;
            let (l, _) = split_key(k);
            let r = decode_groups(&cut, l, l, &mut Vec::new(), |_, _, _| {});
            proptest::prop_assert!(r.is_err(), "{count} ids in {size} bytes, cut by one");
        }
    }

    #[test]
    fn inline_words_are_equal_only_when_their_bytes_are(a in "\\PC{0,6}", b in "\\PC{0,6}") {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() <= 16 && b.len() <= 16 && a.len() == b.len() {
            proptest::prop_assert_eq!(build::inline(a) == build::inline(b), a == b);
        }
    }
}

#[test]
fn words_with_the_same_hash_stay_two_tokens() {
    // A hash collision, forced: every word under one key. The dictionary
    // tells them apart by their text, short (in the entry) or long (in
    // `long`), and never answers for a word it was not given.
    let mut d = LangDict::default();
    let words = [
        "كتاب",
        "كتب",
        "الاستقلالية-والديمقراطية",
        "الاستقلالية-والديمقراطيه",
        "book",
    ];
    for (i, w) in words.iter().enumerate() {
        assert_eq!(d.find(7, w.as_bytes()), None, "{w}");
        d.insert(7, w, i as u32);
    }
    for (i, w) in words.iter().enumerate() {
        assert_eq!(d.find(7, w.as_bytes()), Some(i as u32), "{w}");
    }
    assert_eq!(d.find(7, "كتابة".as_bytes()), None);
    assert_eq!(d.find(8, "كتاب".as_bytes()), None);
}

fn joined(blobs: &[&[u8]]) -> Option<Vec<u8>> {
    join(blobs, false, &mut Joining::default())
}

/// What merging did before `join`: decode every blob, sort, encode.
fn merged_by_decoding(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut all = vec![];
    for b in blobs {
        decode_keys(b, |u, key| all.push(pack(key, u))).unwrap();
    }
    encode(&sort_runs(all))
}

#[test]
fn join_copies_groups_and_refuses_blobs_out_of_order() {
    let p = |len, unit| pack(len, unit);
    // Three flushes: later units, lengths shared and not, ids whose
    // re-encoded first delta changes size (200 -> 1 byte after 130).
    let blobs = [
        encode(&[p(2, 1), p(2, 130), p(7, 5)]),
        encode(&[p(2, 200), p(3, 201), p(7, 300)]),
        encode(&[p(1, 400), p(2, 100_000), p(7, 1 << 39)]),
    ];
    let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    assert_eq!(joined(&parts).unwrap(), merged_by_decoding(&blobs));
    assert_eq!(joined(&parts[..1]).unwrap(), blobs[0]);
    assert_eq!(joined(&[]).unwrap(), Vec::<u8>::new());
    // A unit updated in place (id 130 again, after 200): refused, and
    // so is a unit seen twice at one length.
    let updated = [blobs[1].clone(), encode(&[p(2, 130)])];
    let parts: Vec<&[u8]> = updated.iter().map(Vec::as_slice).collect();
    assert!(joined(&parts).is_none());
    let twice = [encode(&[p(2, 5)]), encode(&[p(2, 5)])];
    let parts: Vec<&[u8]> = twice.iter().map(Vec::as_slice).collect();
    assert!(joined(&parts).is_none());
    // Damaged: truncated, or a zero delta (a repeated id).
    let cut = &blobs[1][..blobs[1].len() - 1];
    assert!(joined(&[&blobs[0], cut]).is_none());
    assert!(joined(&[&[2, 2, 2, 1, 0]]).is_none());
    // Lengths out of order inside a blob.
    let mut swapped = encode(&[p(5, 1)]);
    swapped.extend(encode(&[p(3, 2)]));
    assert!(joined(&[&swapped]).is_none());
    // A huge segment's length (past the counting sort's table).
    let long = [
        encode(&[p(3, 1), p(5000, 2), p(70_000, 3)]),
        encode(&[p(3, 10), p(4999, 11), p(5000, 12)]),
    ];
    let parts: Vec<&[u8]> = long.iter().map(Vec::as_slice).collect();
    assert_eq!(joined(&parts).unwrap(), merged_by_decoding(&long));
}

proptest::proptest! {
    /// Eight bytes at a time, varints read as byte by byte: values of
    /// every size, followed by anything, or damaged (no end in sight).
    #[test]
    fn varints_read_eight_bytes_at_once_as_byte_by_byte(
        values in proptest::collection::vec(proptest::num::u64::ANY, 0..20),
        shift in 0u32..64,
        tail in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
    ) {
        let mut data = vec![];
        for v in &values {
            put_varint(&mut data, v >> shift);
        }
        data.extend_from_slice(&tail);
        let (mut fast, mut slow) = (0, 0);
        for v in &values {
            proptest::prop_assert_eq!(get_varint(&data, &mut fast), Some(v >> shift));
            proptest::prop_assert_eq!(get_varint_bytewise(&data, &mut slow), Some(v >> shift));
            proptest::prop_assert_eq!(fast, slow);
        }
        while slow < data.len() {
            let want = get_varint_bytewise(&data, &mut slow);
            proptest::prop_assert_eq!(get_varint(&data, &mut fast), want);
            if want.is_none() {
                break;
            }
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    /// The indexer's pair buckets, from each word's hash, are the
    /// format's `bigram` buckets (which concordance looks up).
    #[test]
    fn pair_buckets_from_word_hashes_are_the_bigram_buckets(a in "\\PC{0,20}", b in "\\PC{0,20}") {
        let from_hash = bigram_bucket_after((word_hash(&a) >> 64) as u64, &b);
        proptest::prop_assert_eq!(bigram_text(from_hash), bigram(&a, &b));
    }

    /// Whatever blobs come, `join` either refuses or gives what the
    /// decoding merge gives; for flushes of ascending units it never
    /// refuses.
    #[test]
    fn join_equals_the_decoding_merge(
        flushes in proptest::collection::vec(
            proptest::collection::vec((1u32..6, 1u64..50), 0..30), 1..6),
        ascending in proptest::bool::ANY,
    ) {
        let mut base = 0;
        let flushes_packed: Vec<Vec<u64>> = flushes
            .iter()
            .map(|f| {
                let mut packed: Vec<u64> = f
                    .iter()
                    .map(|&(len, u)| pack(len, if ascending { base + u } else { u }))
                    .collect();
                base += 50;
                packed.sort_unstable();
                packed
            })
            .collect();
        let blobs: Vec<Vec<u8>> = flushes_packed.iter().map(|f| encode(f)).collect();
        let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        let plain = joined(&parts);
        match &plain {
            Some(joined) => proptest::prop_assert_eq!(joined, &merged_by_decoding(&blobs)),
            None => proptest::prop_assert!(!ascending),
        }
        // The same postings in a run file's form join the same.
        let runs: Vec<Vec<u8>> = flushes_packed.iter().map(|f| encode_as(f, true)).collect();
        let parts: Vec<&[u8]> = runs.iter().map(Vec::as_slice).collect();
        proptest::prop_assert_eq!(join(&parts, true, &mut Joining::default()), plain);
    }
}

#[test]
fn content_tokens_drop_punctuation_and_fold_numbers() {
    let key = normalize::matching_key("قُتل ٥ أشخاص، في «حلب» عام 2021.");
    assert_eq!(
        content_tokens(&key),
        ["قتل", "#", "اشخاص", "في", "حلب", "عام", "#"]
    );
    assert_eq!(index_lang("ar-SY"), "ar");
    // The first variant of each language is indexed, under its primary subtag.
    let firsts = stored_unit_tokens(&[("ar-SY", "a"), ("en", "b b 2"), ("ar", "c")]);
    let seen: Vec<(&str, usize, u32)> = firsts
        .iter()
        .map(|v| (v.lang.as_str(), v.key, v.len))
        .collect();
    assert_eq!(seen, [("ar", 0, 1), ("en", 1, 3)]);
    // Distinct words (a repeated word once), the number as `#`.
    let words: Vec<&str> = firsts[1].words.iter().map(|w| w.text("b b 2")).collect();
    assert_eq!(words.len(), 2);
    assert!(words.contains(&"b") && words.contains(&NUMBER));
    assert_eq!(firsts[1].pairs.len(), 2);
}

#[test]
fn sort_runs_groups_by_length_and_sorts_groups_out_of_order() {
    let p = |len, unit| pack(len, unit);
    // Two blobs in write order, then `add`: already ascending per length.
    let runs = vec![
        p(2, 1),
        p(2, 4),
        p(5, 3),
        p(2, 7),
        p(3, 8),
        p(3, 9),
        p(3, 9),
    ];
    let mut want = runs.clone();
    want.sort_unstable();
    want.dedup();
    assert_eq!(sort_runs(runs), want);
    // A unit updated in place: its old id comes after later ones.
    let runs = vec![p(4, 10), p(4, 20), p(4, 3), p(1, 30)];
    assert_eq!(sort_runs(runs), vec![p(1, 30), p(4, 3), p(4, 10), p(4, 20)]);
    // Lengths beyond the counting table take the comparison sort.
    let runs = vec![p(9000, 2), p(1, 5), p(9000, 1)];
    assert_eq!(sort_runs(runs), vec![p(1, 5), p(9000, 1), p(9000, 2)]);
    assert_eq!(sort_runs(vec![]), Vec::<u64>::new());
}

/// Every token's (lang, text, df, postings), in dictionary order.
type IndexDump = Vec<(String, String, i64, Vec<(u64, u32, u32)>)>;

fn dump_index(conn: &Connection) -> IndexDump {
    let toks: Vec<(i64, String, String, i64)> = conn
        .prepare("SELECT id, lang, text, df FROM fz_token ORDER BY lang, text")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    toks.into_iter()
        .map(|(id, l, t, df)| {
            let mut p = vec![];
            postings(conn, id, 0, u32::MAX, |u, len, place| {
                p.push((u, len, place))
            })
            .unwrap();
            p.sort_unstable();
            (l, t, df, p)
        })
        .collect()
}

#[test]
fn tail_word_is_the_zero_padded_little_endian_tail() {
    let bytes = "قُتل 7 people".as_bytes();
    for n in 1..8 {
        for start in 0..bytes.len() - n {
            let rest = &bytes[start..start + n];
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(rest);
            assert_eq!(tail_word(rest), u64::from_le_bytes(padded), "{rest:?}");
        }
    }
}

#[test]
fn spilled_runs_give_the_index_a_straight_write_gives() {
    use crate::tm::{OnDuplicate, OriginInfo};
    use crate::unit::Unit;
    let origin = OriginInfo {
        name: "t.tsv".into(),
        kind: "tsv".into(),
        header: None,
    };
    let pair = |i: usize, target: &str| {
        Unit::pair(
            "ar-SY",
            &format!("قُتل {} أشخاص في حلب يوم {}", i % 7, i),
            "en",
            target,
        )
    };
    // Imports `units` with a flush every `flush` postings; returns the
    // index and how many blobs and tokens it has.
    let import = |flush: usize, units: &[Unit]| -> (IndexDump, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
        let mut w = store.writer(&origin).unwrap();
        w.set_index_flush(flush);
        for u in units {
            w.add(u, OnDuplicate::Update).unwrap();
        }
        w.commit().unwrap();
        let count = |sql: &str| store.conn.query_row(sql, [], |r| r.get(0)).unwrap();
        let blobs = count("SELECT count(*) FROM fz_chunk");
        let tokens = count("SELECT count(*) FROM fz_token");
        (dump_index(&store.conn), blobs, tokens)
    };
    let units: Vec<Unit> = (0..60)
        .map(|i| pair(i, &format!("{} people killed in Aleppo on day {i}", i % 7)))
        .collect();
    let (straight, ..) = import(usize::MAX, &units);
    // A flush every unit or so: dozens of runs, joined at the commit
    // into one blob per token.
    let (spilled, blobs, tokens) = import(5, &units);
    assert!(straight.len() > 20);
    assert_eq!(spilled, straight);
    assert_eq!(blobs, tokens);

    // A unit updated after runs were spilled: they go into the TM
    // first, and the removal finds its postings there.
    let mut updated = units.clone();
    updated.push(pair(7, "a new target"));
    updated.extend((60..70).map(|i| pair(i, "more")));
    let (straight, ..) = import(usize::MAX, &updated);
    let (spilled, ..) = import(5, &updated);
    assert_eq!(spilled, straight);
    let day7: Vec<_> = straight.iter().filter(|t| t.1 == "target").collect();
    let units_lens: Vec<(u64, u32)> = day7[0].3.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(units_lens, vec![(8, 3)]);

    // Into a TM that already holds units (nothing deferred to the
    // commit, so the runs are joined beside the blob inserts, not
    // ahead of them): the same index as one straight import.
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
    let mut w = store.writer(&origin).unwrap();
    w.add(&units[0], OnDuplicate::Update).unwrap();
    w.commit().unwrap();
    let mut w = store.writer(&origin).unwrap();
    assert!(!w.is_fresh());
    w.set_index_flush(5);
    for u in &units[1..] {
        w.add(u, OnDuplicate::Update).unwrap();
    }
    w.commit().unwrap();
    let blobs: i64 = store
        .conn
        .query_row("SELECT count(*) FROM fz_chunk", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dump_index(&store.conn), import(usize::MAX, &units).0);
    assert!(blobs > tokens, "the first unit's blobs and the joined ones");
}

#[test]
fn add_remove_and_merge_keep_postings_and_counts_exact() {
    use crate::tm::{Added, OnDuplicate, OriginInfo};
    use crate::unit::Unit;
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
    let origin = OriginInfo {
        name: "t.tsv".into(),
        kind: "tsv".into(),
        header: None,
    };
    let add = |store: &mut crate::tm::Store, units: &[(&str, &str)]| -> Vec<i64> {
        let mut w = store.writer(&origin).unwrap();
        let ids = units
            .iter()
            .map(|(s, t)| {
                match w
                    .add(&Unit::pair("ar-SY", s, "en", t), OnDuplicate::Update)
                    .unwrap()
                {
                    Added::Inserted(id) | Added::Updated(id) => id,
                    Added::Duplicate => panic!("duplicate"),
                }
            })
            .collect();
        w.commit().unwrap();
        ids
    };
    // More transactions than MAX_CHUNKS, to force merges.
    let mut ids = vec![];
    for round in 0..(MAX_CHUNKS as usize + 3) {
        let src = format!("الميليشيات الإيرانية تخلي القاعدة {round}");
        ids.extend(add(&mut store, &[(&src, "The militias leave")]));
    }
    let conn = &store.conn;
    let chunks: i64 = conn
        .query_row(
            "SELECT chunks FROM fz_token WHERE lang='ar' AND text='القاعده'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        chunks <= MAX_CHUNKS,
        "{chunks} blobs: merging did not happen"
    );
    let want: Vec<(u64, u32)> = ids.iter().map(|&i| (i as u64, 5)).collect();
    assert_eq!(all_postings(conn, "ar", "القاعده"), want);

    // Added, then updated (removed and re-added) in one transaction.
    let again = add(
        &mut store,
        &[
            ("القاعدة الجوية", "the air base"),
            ("القاعدة الجوية", "the airbase"),
        ],
    );
    assert_eq!(again[0], again[1]);
    store.delete_units(&ids[2..3]).unwrap();
    let conn = &store.conn;
    let left = all_postings(conn, "ar", "القاعده");
    assert_eq!(left.len(), ids.len());
    assert!(left.contains(&(again[0] as u64, 2)));
    assert!(!left.iter().any(|&(u, _)| u == ids[2] as u64));
    let t = token(conn, "ar", "القاعده").unwrap().unwrap();
    assert_eq!(t.df, ids.len() as i64);
    assert_eq!(
        token(conn, "ar", "#").unwrap().unwrap().df,
        ids.len() as i64 - 1
    );
    assert_eq!(indexed_variants(conn, "ar").unwrap(), ids.len() as i64);
    assert_eq!(indexed_variants(conn, "fr").unwrap(), 0);
    assert_eq!(languages(conn).unwrap(), ["ar", "en"]);
    store.delete_units(&again).unwrap();
    assert_eq!(all_postings(&store.conn, "ar", "الجويه"), vec![]);
}
