//! Fuzzy lookup and concordance on a generated Arabic→English TM.
//! (Its data generators, in `lookup/data.rs`, are shared with `serve_load`.)
//!
//! `cargo bench --bench lookup` (release). `TARJUMAN_BENCH_UNITS` sets the
//! TM size (default 1,000,000), `TARJUMAN_BENCH_QUERIES` the timed queries
//! (default 2,000), `TARJUMAN_BENCH_TRUTH` how many of them are checked
//! against brute force (default 150), `TARJUMAN_BENCH_CONCORD` the timed
//! concordance phrases of each kind (default 200).
//!
//! Data (`TARJUMAN_BENCH_VOCAB=real`, the default): word frequencies of
//! real Arabic (`real_vocab`: the repository's Arabic texts, then a Zipf
//! tail of generated forms), so that في، من، على، و… occur in most
//! segments as they do in real text. `TARJUMAN_BENCH_KEEP=DIR` keeps the
//! TM and the queries for timing `lookup --file` processes.
//!
//! Data (`TARJUMAN_BENCH_VOCAB=heaps`, the earlier default): a lexicon sized by
//! Heaps' law for the run's token count (see `heaps_vocab`): real function
//! words, then clitic + root-and-pattern stem + suffix forms of real
//! triliteral roots, ranked by the product of their morphemes' frequencies
//! and drawn with a Zipf–Mandelbrot distribution into sentences of 8–40
//! words with some numbers (Arabic-Indic and ASCII), commas and a final
//! full stop. `TARJUMAN_BENCH_VOCAB=small` gives the earlier fixed
//! vocabulary of ~6,100 forms (Zipf s = 1), for comparison.
//! Queries: stored sentences edited (words substituted, deleted, inserted,
//! harakat added, numbers changed) and fresh sentences (usually no match).
//! Truth: a brute-force scan of every stored key on all cores; recall is
//! checked on the folded base score and on the full score with the tie
//! rule (as written, then key tokens).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tarjuman::text::normalize::matching_key;
use tarjuman::tm::fuzzy::{levenshtein, Matcher, Query};
use tarjuman::tm::index::{content_tokens, stored_unit_tokens, VariantTokens};
use tarjuman::tm::{OnDuplicate, OriginInfo, Store};
use tarjuman::unit::Unit;

#[path = "lookup/data.rs"]
mod data;

use data::*;

/// All stored keys as token ids, for the brute-force truth.
struct Truth {
    ids: HashMap<String, u32>,
    flat: Vec<u32>,
    starts: Vec<u32>,
}

impl Truth {
    fn tokens(&mut self, text: &str) -> Vec<u32> {
        let key = matching_key(text);
        content_tokens(&key)
            .into_iter()
            .map(|t| {
                let next = self.ids.len() as u32;
                *self.ids.entry(t.to_string()).or_insert(next)
            })
            .collect()
    }

    fn push(&mut self, text: &str) {
        let t = self.tokens(text);
        self.flat.extend(t);
        self.starts.push(self.flat.len() as u32);
    }

    fn unit(&self, i: usize) -> &[u32] {
        let s = if i == 0 {
            0
        } else {
            self.starts[i - 1] as usize
        };
        &self.flat[s..self.starts[i] as usize]
    }

    /// Best base score (word-level, before the 96–100 refinements) of any
    /// stored unit, scanning all of them on all cores, and the units that
    /// have it (for the tie rule).
    fn best(&self, q: &[u32]) -> (u8, Vec<usize>) {
        let n = q.len();
        let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
        let units = self.starts.len();
        let mut qcount: HashMap<u32, u32> = HashMap::new();
        for &x in q {
            *qcount.entry(x).or_default() += 1;
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let qcount = &qcount;
                    s.spawn(move || {
                        let mut best = 0u8;
                        let mut at: Vec<usize> = Vec::new();
                        let mut used: HashMap<u32, u32> = HashMap::new();
                        for i in (t..units).step_by(threads) {
                            let c = self.unit(i);
                            let l = n.max(c.len());
                            // Overlap bound first (M ≤ multiset overlap), then the DP.
                            used.clear();
                            let mut overlap = 0;
                            for x in c {
                                if let Some(&k) = qcount.get(x) {
                                    let u = used.entry(*x).or_default();
                                    if *u < k {
                                        *u += 1;
                                        overlap += 1;
                                    }
                                }
                            }
                            if ((100 * overlap / l) as u8) < best.max(50) {
                                continue;
                            }
                            let d = levenshtein(q, c) as usize;
                            let score = (100 * (l - d.min(l)) / l) as u8;
                            if score > best {
                                best = score;
                                at.clear();
                            }
                            if score == best {
                                at.push(i);
                            }
                        }
                        (best, at)
                    })
                })
                .collect();
            let mut best = (0u8, Vec::new());
            for h in handles {
                let (b, at) = h.join().unwrap();
                if b > best.0 {
                    best = (b, at);
                } else if b == best.0 {
                    best.1.extend(at);
                }
            }
            best
        })
    }
}

/// The index's own share of an import (its writer-thread part): the same
/// units' keys and tokens through an `Indexer` alone (no unit rows), in one transaction, with peak memory.
fn index_only(dir: &tempfile::TempDir, ar: &Vocab, en: &Vocab, units: usize) {
    let mut store = Store::open(&dir.path().join("index-only.db")).unwrap();
    let tx = store.conn.transaction().unwrap();
    let mut indexer = tarjuman::tm::index::Indexer::new(&tx).unwrap();
    let mut spent = Duration::ZERO;
    let mut spent_cpu = Duration::ZERO;
    let before = peak_rss_mb();
    // Keys and their index tokens (an import's reader-thread work) are
    // made in batches outside the timed part.
    for start in (0..units).step_by(BATCH) {
        let keys: Vec<([String; 2], Vec<VariantTokens>)> = (start..(start + BATCH).min(units))
            .map(|i| {
                let mut rng = Rng(i as u64);
                let words = sentence(ar, &mut rng);
                let (src, tgt) = (text(&words), english(en, &mut rng, words.len()));
                let keys = [matching_key(&src), matching_key(&tgt)];
                let tokens = stored_unit_tokens(&[("ar", &keys[0]), ("en", &keys[1])]);
                (keys, tokens)
            })
            .collect();
        let (t, c) = (Instant::now(), cpu_time());
        for (k, (keys, tokens)) in keys.iter().enumerate() {
            indexer
                .add(&tx, (start + k) as i64 + 1, keys, tokens)
                .unwrap();
        }
        spent += t.elapsed();
        spent_cpu += cpu_time().saturating_sub(c);
    }
    let (t, c) = (Instant::now(), cpu_time());
    indexer.finish(&tx).unwrap();
    tx.commit().unwrap();
    spent += t.elapsed();
    spent_cpu += cpu_time().saturating_sub(c);
    println!(
        "index only (Indexer::add + finish + commit, keys given): wall {:.1} s, CPU {:.1} s for {units} units; peak RSS {:.0} MB → {:.0} MB",
        spent.as_secs_f64(),
        spent_cpu.as_secs_f64(),
        before,
        peak_rss_mb()
    );
}

/// Units generated ahead of each timed stretch.
const BATCH: usize = 10_000;

/// CPU time this thread has run (Linux schedstat), zero elsewhere.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// The process's peak resident memory (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let units = env("TARJUMAN_BENCH_UNITS", 1_000_000);
    let nq = env("TARJUMAN_BENCH_QUERIES", 2_000);
    let ntruth = env("TARJUMAN_BENCH_TRUTH", 150).min(nq);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "lookup bench: {units} units, {nq} queries, load average {}",
        load.trim()
    );

    // Mean sentence: 24 slots, 96 % of them words.
    let running_words = units as f64 * 24.0 * 0.96;
    let vocab = std::env::var("TARJUMAN_BENCH_VOCAB").unwrap_or_else(|_| "real".into());
    let ar = match vocab.as_str() {
        "small" => Vocab::new(arabic_vocab()),
        "heaps" => Vocab::mandelbrot(heaps_vocab(running_words), 1.0, 2.7),
        "real" => {
            let (words, weights) = real_vocab(running_words);
            let total: f64 = weights.iter().sum();
            let share: Vec<String> = words
                .iter()
                .zip(&weights)
                .take(8)
                .map(|(w, p)| {
                    // Chance a 23-word segment holds the word.
                    let seg = 1.0 - (1.0 - p / total).powf(23.0);
                    format!(
                        "{w} {:.1}% ({:.0}% of segments)",
                        100.0 * p / total,
                        100.0 * seg
                    )
                })
                .collect();
            println!("most frequent words: {}", share.join(", "));
            Vocab::weighted(words, &weights)
        }
        other => panic!("TARJUMAN_BENCH_VOCAB={other}: use real, heaps or small"),
    };
    let en = Vocab::new(ENGLISH.split_whitespace().map(str::to_string).collect());
    println!(
        "vocabulary ({vocab}): {} Arabic forms in the lexicon for ~{:.1}M running words",
        ar.words.len(),
        running_words / 1e6
    );

    let dir = tempfile::tempdir().unwrap();
    // TARJUMAN_BENCH_INDEX_ONLY=0 skips this (faster development runs).
    if env("TARJUMAN_BENCH_INDEX_ONLY", 1) != 0 {
        index_only(&dir, &ar, &en, units);
    }

    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).unwrap();
    let mut truth = Truth {
        ids: HashMap::new(),
        flat: Vec::new(),
        starts: Vec::new(),
    };
    let mut text_bytes = 0u64;
    let origin = OriginInfo {
        name: "bench".into(),
        kind: "tsv".into(),
        header: None,
    };
    let mut import = Duration::ZERO;
    let mut import_cpu = Duration::ZERO;
    {
        let (t, c) = (Instant::now(), cpu_time());
        let mut w = store.writer(&origin).unwrap();
        import += t.elapsed();
        import_cpu += cpu_time().saturating_sub(c);
        for start in (0..units).step_by(BATCH) {
            let batch: Vec<Unit> = (start..(start + BATCH).min(units))
                .map(|i| {
                    let mut rng = Rng(i as u64);
                    let words = sentence(&ar, &mut rng);
                    let src = text(&words);
                    let tgt = english(&en, &mut rng, words.len());
                    truth.push(&src);
                    text_bytes += (src.len() + tgt.len()) as u64;
                    Unit::pair("ar", &src, "en", &tgt)
                })
                .collect();
            let (t, c) = (Instant::now(), cpu_time());
            for u in &batch {
                w.add(u, OnDuplicate::Skip).unwrap();
            }
            import += t.elapsed();
            import_cpu += cpu_time().saturating_sub(c);
        }
        let (t, c) = (Instant::now(), cpu_time());
        w.commit().unwrap();
        import += t.elapsed();
        import_cpu += cpu_time().saturating_sub(c);
    }
    println!(
        "stored sources: {} content tokens, {} distinct (folded, numbers as one token)",
        truth.flat.len(),
        truth.ids.len()
    );
    println!(
        "import through UnitWriter (with index): wall {:.1} s ({:.0} units/s), CPU {:.1} s (data generation excluded)",
        import.as_secs_f64(),
        units as f64 / import.as_secs_f64(),
        import_cpu.as_secs_f64(),
    );

    let sizes: Vec<(String, i64)> = store
        .conn
        .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let index_bytes: i64 = sizes
        .iter()
        .filter(|(n, _)| n.starts_with("fz_"))
        .map(|s| s.1)
        .sum();
    let all_bytes: i64 = sizes.iter().map(|s| s.1).sum();
    println!(
        "index: {:.1} MB for {:.1} MB of text (source + target plain): {:.2}×; whole file {:.1} MB",
        index_bytes as f64 / 1e6,
        text_bytes as f64 / 1e6,
        index_bytes as f64 / text_bytes as f64,
        all_bytes as f64 / 1e6
    );
    for (name, bytes) in sizes.iter().filter(|(n, _)| n.starts_with("fz_")) {
        println!("  {name}: {:.1} MB", *bytes as f64 / 1e6);
    }

    // Queries: 3 in 4 edited stored sentences, 1 in 4 fresh.
    let mut rng = Rng(0xF00D);
    let queries: Vec<String> = (0..nq)
        .map(|k| {
            if k % 4 == 3 {
                let mut r = Rng(1 << 40 | k as u64);
                text(&sentence(&ar, &mut r))
            } else {
                let i = rng.below(units);
                let words = sentence(&ar, &mut Rng(i as u64));
                text(&edit(&words, &ar, &mut rng))
            }
        })
        .collect();

    // TARJUMAN_BENCH_KEEP=DIR: keep the TM and the queries there, for
    // timing `lookup --file` processes (old and new binaries alternately).
    if let Ok(keep) = std::env::var("TARJUMAN_BENCH_KEEP") {
        let keep = std::path::Path::new(&keep);
        std::fs::create_dir_all(keep).unwrap();
        std::fs::write(keep.join("queries.txt"), queries.join("\n") + "\n").unwrap();
        store
            .conn
            .execute("VACUUM INTO ?1", [keep.join("bench.db").to_str().unwrap()])
            .unwrap();
    }

    let matcher = Matcher::new(&store, "ar", "en").unwrap();
    // Warm the page cache once, as a CAT session would be.
    for q in queries.iter().take(50) {
        matcher.lookup(q, None, 70, 5).unwrap();
    }
    // Wall time suffers from the other processes on a loaded machine; the
    // thread's own CPU time (schedstat) is reported beside it.
    for min in [50u8, 70, 90] {
        let mut times = Vec::with_capacity(nq);
        let mut cpu = Vec::with_capacity(nq);
        let all = Instant::now();
        let all_cpu = cpu_time();
        for q in &queries {
            let (t, c) = (Instant::now(), cpu_time());
            matcher.lookup(q, None, min, 5).unwrap();
            times.push(t.elapsed());
            cpu.push(cpu_time().saturating_sub(c));
        }
        let total = all.elapsed();
        let total_cpu = cpu_time().saturating_sub(all_cpu);
        times.sort();
        cpu.sort();
        println!(
            "lookup --min {min} --top 5, one core: wall {:.0} q/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.1} ms; CPU {:.0} q/s, p50 {:.2} ms, p95 {:.2} ms",
            nq as f64 / total.as_secs_f64(),
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3,
            nq as f64 / total_cpu.as_secs_f64().max(1e-9),
            percentile(&cpu, 0.5).as_secs_f64() * 1e3,
            percentile(&cpu, 0.95).as_secs_f64() * 1e3,
        );
    }

    // Recall of the true best match against brute force.
    let mut found = [0usize; 3];
    let mut found_written = [0usize; 3];
    let mut expected = [0usize; 3];
    let mut truth_time = Duration::ZERO;
    for q in queries.iter().take(ntruth) {
        let t = Instant::now();
        let qt = truth.tokens(q);
        let (best, at) = truth.best(&qt);
        // The true first as written: the full score and tie rule over
        // every unit with the best base score (texts regenerated).
        let query = Query::new(q);
        let first = at
            .iter()
            .map(|&i| {
                let src = text(&sentence(&ar, &mut Rng(i as u64)));
                let key = matching_key(&src);
                let stored = tarjuman::tm::fuzzy::Stored {
                    key: &key,
                    plain: &src,
                    has_tags: false,
                };
                let s = tarjuman::tm::fuzzy::score(&query, &stored, || false);
                (std::cmp::Reverse(s.score), s.written, s.detail)
            })
            .min();
        truth_time += t.elapsed();
        for (k, min) in [50u8, 70, 90].into_iter().enumerate() {
            if best < min {
                continue;
            }
            expected[k] += 1;
            let got = matcher.best(&Query::new(q), None, min, 1).unwrap();
            // The matcher refines d = 0 scores to 96–101; the base is 100 then.
            let got_base = got.first().map(|(_, s)| {
                if s.score >= 96 && best == 100 {
                    100
                } else {
                    s.score
                }
            });
            let got_rank = got
                .first()
                .map(|(_, s)| (std::cmp::Reverse(s.score), s.written, s.detail));
            if got_base == Some(best) {
                found[k] += 1;
            }
            if got_rank.is_some() && got_rank == first.filter(|f| f.0 .0 >= min) {
                found_written[k] += 1;
            }
            if got_base != Some(best) || got_rank != first.filter(|f| f.0 .0 >= min) {
                println!("  MISSED at {min}: truth {best}, got {got:?} for {q}");
            }
        }
    }
    for (k, min) in [50, 70, 90].into_iter().enumerate() {
        println!(
            "recall of the true best match at --min {min}: folded {}/{} = {:.1}%, as written with the tie rule {}/{} = {:.1}%",
            found[k],
            expected[k],
            100.0 * found[k] as f64 / expected[k].max(1) as f64,
            found_written[k],
            expected[k],
            100.0 * found_written[k] as f64 / expected[k].max(1) as f64
        );
    }
    println!(
        "(truth: brute force over {units} keys for {ntruth} queries, {:.1} s)",
        truth_time.as_secs_f64()
    );
    drop(matcher);

    // Concordance: one word, or two adjacent words, of a stored sentence,
    // default limit; whole words (--exact) and through proclitics (the
    // default: each word is the union of up to 24 written forms).
    let nconc = env("TARJUMAN_BENCH_CONCORD", 200);
    for words_in_phrase in [1usize, 2] {
        for exact in [true, false] {
            let mut times = Vec::new();
            let mut ccpu = Vec::new();
            let mut hits = 0;
            for k in 0..nconc {
                let words = sentence(&ar, &mut Rng((k * 7919 % units) as u64));
                let at = k % (words.len() - 1);
                let phrase = words[at..at + words_in_phrase].join(" ");
                let (t, c) = (Instant::now(), cpu_time());
                let found = tarjuman::tm::concord::concord(
                    &store,
                    &tarjuman::tm::concord::Search {
                        phrase: &phrase,
                        src_lang: "ar",
                        tgt_lang: "en",
                        target: false,
                        exact,
                        limit: 20,
                    },
                )
                .unwrap();
                times.push(t.elapsed());
                ccpu.push(cpu_time().saturating_sub(c));
                hits += found.len();
            }
            times.sort();
            ccpu.sort();
            println!(
                "concord, {words_in_phrase}-word phrases from stored sentences ({}, --limit 20): wall p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; CPU p50 {:.2} ms, p95 {:.2} ms ({hits} hits for {nconc} phrases)",
                if exact { "--exact" } else { "through proclitics" },
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.95).as_secs_f64() * 1e3,
                times.last().unwrap().as_secs_f64() * 1e3,
                percentile(&ccpu, 0.5).as_secs_f64() * 1e3,
                percentile(&ccpu, 0.95).as_secs_f64() * 1e3,
            );
        }
    }
    drop(store);

    // One `tarjuman lookup` process, cold start to exit.
    let exe = env!("CARGO_BIN_EXE_tarjuman");
    let mut runs = Vec::new();
    for q in queries.iter().take(5) {
        let t = Instant::now();
        let out = std::process::Command::new(exe)
            .args(["--db", path.to_str().unwrap(), "lookup", q])
            .output()
            .unwrap();
        runs.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    runs.sort();
    println!(
        "one `tarjuman lookup` process on the TM: median {:.1} ms (of 5)",
        runs[2].as_secs_f64() * 1e3
    );
}
