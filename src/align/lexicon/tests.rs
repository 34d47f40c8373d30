//! Unit tests of the word lists: lookup, dictd parsing, learning, the cached form.

use super::*;

#[test]
fn tsv_entries_are_found_through_clitics_and_harakat() {
    let mut lex = Lexicon::new();
    let bad = lex.add_tsv("# comment\nوزير\tminister\nقاعدة عسكرية\tmilitary base\nno tab here\n");
    assert_eq!(bad, vec![4]);
    let found: Vec<&str> = lex.lookup(&fold("ووزيرُ")).collect();
    assert_eq!(found, ["minister"]);
    // A two-content-word phrase cannot be looked up word by word.
    assert_eq!(lex.lookup(&fold("قاعدة")).count(), 0);
    assert_eq!(
        lex.lookup(&fold("الوزير")).collect::<Vec<_>>(),
        ["minister"]
    );
}

#[test]
fn dictd_offsets_decode_and_entries_parse() {
    assert_eq!(dictd_b64("A"), Some(0));
    assert_eq!(dictd_b64("b"), Some(27));
    assert_eq!(dictd_b64("BA"), Some(64));
    let body = "مدينة /madiːna/\n1. City\n2. Town\nموسكو /moskuː/\nMoscow\n";
    let first = body.find("موسكو").unwrap();
    let index = format!(
        "00databaseinfo\tA\tB\nمدينة\tA\t{}\nموسكو\t{}\t{}\n",
        b64(first as u64),
        b64(first as u64),
        b64((body.len() - first) as u64)
    );
    let mut lex = Lexicon::new();
    assert_eq!(lex.add_dictd(&index, body.as_bytes()), 3);
    assert_eq!(
        lex.lookup(&fold("المدينة")).collect::<Vec<_>>(),
        [english_stem("city"), english_stem("town")]
    );
    assert_eq!(lex.lookup(&fold("موسكو")).collect::<Vec<_>>(), ["moscow"]);
}

fn b64(mut n: u64) -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 64) as usize]);
        n /= 64;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

#[test]
fn cooccurrence_learns_pairs_that_keep_appearing_together() {
    let mut co = Cooccurrence::default();
    co.add_link("قصفت الطائرات القاعدة", "Planes bombed the base");
    co.add_link("غادرت الطائرات", "The planes left");
    co.add_link("القاعدة كبيرة", "The base is big");
    let lex = co.lexicon(2, 0.6);
    assert_eq!(
        lex.lookup(&fold("الطائرات")).collect::<Vec<_>>(),
        [english_stem("planes")]
    );
    assert_eq!(
        lex.lookup(&fold("القاعدة")).collect::<Vec<_>>(),
        [english_stem("base")]
    );
    assert_eq!(lex.lookup(&fold("كبيرة")).count(), 0);
}

#[test]
fn learning_from_numbered_words_equals_the_kept_counts() {
    let links = [
        (
            "قصفت الطائرات القاعدة ليلاً",
            "Planes bombed the base at night",
        ),
        ("غادرت الطائرات القاعدة", "The planes left the base"),
        (
            "القاعدة كبيرة والطائرات كثيرة",
            "The base is big and the planes many",
        ),
        ("قصفت الطائرات المدينة", "Planes bombed the city"),
    ];
    // 100 copies: past PARALLEL_LINKS, read on two threads.
    for copies in [1, 100] {
        let many: Vec<(&str, &str)> = (0..copies).flat_map(|_| links).collect();
        let mut co = Cooccurrence::default();
        for &(a, e) in &many {
            co.add_link(a, e);
        }
        let mut kept = co.lexicon(2, 0.5).pairs();
        let mut learned = learn_lexicon(many, 2, 0.5).pairs();
        kept.sort();
        learned.sort();
        assert!(!kept.is_empty());
        assert_eq!(kept, learned, "{copies} copies");
    }
}

#[test]
fn a_frozen_lexicon_extended_looks_up_like_one_built_flat() {
    let mut flat = Lexicon::new();
    flat.add_tsv("وزير\tminister\nمدينة\tcity\nمدينة\ttown\n");
    let mut layered = flat.clone();
    layered.freeze();
    let mut learned = Lexicon::new();
    learned.add_tsv("مدينة\tmetropolis\nمدينة\tcity\nقاعدة\tbase\n");
    flat.extend(&learned);
    let clone = layered.clone();
    layered.extend(&learned);
    for word in ["الوزير", "المدينة", "القاعدة", "بيت"] {
        let a: Vec<&str> = flat.lookup(&fold(word)).collect();
        let b: Vec<&str> = layered.lookup(&fold(word)).collect();
        assert_eq!(a, b, "{word}");
    }
    assert_eq!(flat.pairs(), layered.pairs());
    assert_eq!(flat.len(), layered.len());
    // The clone taken before extending did not see the learned pairs.
    assert_eq!(clone.lookup(&fold("القاعدة")).count(), 0);
}

#[test]
fn senses_stay_capped_across_the_two_layers() {
    let mut lex = Lexicon::new();
    for sense in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"] {
        lex.add("كلمة", sense);
    }
    lex.freeze();
    for sense in ["eta", "theta", "iota", "kappa", "alpha"] {
        lex.add("كلمة", sense);
    }
    let senses: Vec<&str> = lex.lookup(&fold("كلمة")).collect();
    assert_eq!(senses.len(), MAX_SENSES);
    assert_eq!(senses[..2], [english_stem("alpha"), english_stem("beta")]);
}

mod cached {
    use super::super::cache::{from_compact, load_freedict, to_compact, Origin};
    use super::*;
    use std::io::Write;

    /// A dictd database in `dir` (`base.index`, gzipped `base.dict.dz`).
    fn write_dictd(dir: &std::path::Path, entries: &[(&str, &str)]) -> std::path::PathBuf {
        let mut body = String::new();
        let mut index = String::from("00databaseinfo\tA\tB\n");
        for (head, senses) in entries {
            let start = body.len();
            body.push_str(&format!("{head} /x/\n{senses}\n"));
            index.push_str(&format!(
                "{head}\t{}\t{}\n",
                b64(start as u64),
                b64((body.len() - start) as u64)
            ));
        }
        let base = dir.join("freedict-ara-eng");
        std::fs::write(base.with_extension("index"), index).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(body.as_bytes()).unwrap();
        std::fs::write(base.with_extension("dict.dz"), gz.finish().unwrap()).unwrap();
        base
    }

    #[test]
    fn the_compact_form_reads_back_only_under_its_own_key_and_whole() {
        let mut lex = Lexicon::new();
        lex.add_tsv("وزير\tminister\nمدينة\tcity\nمدينة\ttown\nموسكو\tMoscow\n");
        let bytes = to_compact(&lex, 4, "key one");
        let (back, senses) = from_compact(&bytes, "key one").unwrap();
        assert_eq!(senses, 4);
        assert_eq!(back.pairs(), lex.pairs());
        assert_eq!(to_compact(&back, 4, "key one"), bytes);
        assert!(from_compact(&bytes, "key two").is_none());
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(from_compact(&bytes[..cut], "key one").is_none(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(from_compact(&longer, "key one").is_none());
    }

    #[test]
    fn freedict_is_parsed_once_then_read_from_the_cache_until_it_changes() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache = dir.path().join("cache");
        let base = write_dictd(
            dir.path(),
            &[("مدينة", "1. City\n2. Town"), ("موسكو", "Moscow")],
        );
        let first = load_freedict(&base, Some(&cache)).unwrap().unwrap();
        assert_eq!(first.origin, Origin::Parsed);
        assert_eq!(first.senses, 3);
        let second = load_freedict(&base, Some(&cache)).unwrap().unwrap();
        assert_eq!(second.origin, Origin::Cache);
        assert_eq!(second.senses, 3);
        assert_eq!(second.lexicon.pairs(), first.lexicon.pairs());
        assert_eq!(
            second.lexicon.lookup(&fold("بالمدينة")).collect::<Vec<_>>(),
            [english_stem("city"), english_stem("town")]
        );
        // A new dictionary (another size) is parsed again.
        write_dictd(dir.path(), &[("مدينة", "City"), ("لندن", "London")]);
        let third = load_freedict(&base, Some(&cache)).unwrap().unwrap();
        assert_eq!(third.origin, Origin::Parsed);
        assert_eq!(third.lexicon.lookup(&fold("لندن")).count(), 1);
        // A damaged cache is rebuilt, not an error.
        std::fs::write(
            cache.join("freedict-ara-eng.lex"),
            b"tarjuman lexicon 1\n\xFF",
        )
        .unwrap();
        let fourth = load_freedict(&base, Some(&cache)).unwrap().unwrap();
        assert_eq!(fourth.origin, Origin::Parsed);
        assert_eq!(fourth.lexicon.pairs(), third.lexicon.pairs());
        // Not installed: nothing, and no error.
        assert!(load_freedict(&dir.path().join("absent"), Some(&cache))
            .unwrap()
            .is_none());
    }
}
