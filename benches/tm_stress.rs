//! Many processes on one TM at once, through the release binary: a big
//! import while four reader processes loop lookups and concordances, and
//! a second import queued behind the first.
//!
//! A TM of 2,000 units is made first (so that readers have something to
//! find), then `tarjuman import` of `TARJUMAN_STRESS_UNITS` generated
//! Arabic–English units (default 300,000; the bulk path: one transaction)
//! starts, and half a second later a second import of 20,000 other units,
//! which must wait its turn (`--wait`). Four threads each run reader
//! processes one after another (`lookup` of a stored sentence with a word
//! changed, then `concord` of a word) until both imports have ended.
//!
//! Reports reader errors (must be 0: no reader is ever blocked or refused),
//! lookup latency p50/p99 while the big import runs, and units lost (must
//! be 0: every unit of both imports is in the TM at the end). Exits 1 if
//! either is not 0. Bounded in time: `TARJUMAN_STRESS_SECONDS` (default
//! 1,800) stops everything and fails. Local files only, in the target
//! directory.
//!
//! Run: `cargo bench --bench tm_stress` (or TARJUMAN_STRESS_UNITS=50000).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ARTICLE: &str = include_str!("../samples/alaraby-2021-11-06-ar.txt");

const EN: &[&str] = &[
    "the",
    "government",
    "said",
    "on",
    "Saturday",
    "that",
    "militias",
    "loyal",
    "to",
    "Iran",
    "began",
    "evacuating",
    "their",
    "positions",
    "in",
    "eastern",
    "Syria",
    "after",
    "strikes",
    "officials",
    "minister",
    "talks",
    "with",
    "council",
    "security",
    "region",
    "city",
    "forces",
    "week",
    "president",
    "people",
    "news",
    "agency",
    "reported",
    "border",
    "army",
    "local",
];

/// A small deterministic generator (xorshift), so every run imports the
/// same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn arabic_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = ARTICLE
        .split_whitespace()
        .filter(|w| w.chars().all(|c| ('\u{0621}'..='\u{064A}').contains(&c)))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The Arabic sentence of unit `i` of the file tagged `tag` (distinct for
/// every `(tag, i)`: the tag and the number end it).
fn sentence(rng: &mut Rng, ar: &[&str], tag: &str, i: usize) -> (String, String) {
    let n = 8 + rng.below(18);
    let mut a: Vec<&str> = (0..n).map(|_| ar[rng.below(ar.len())]).collect();
    let mut e: Vec<&str> = (0..n).map(|_| EN[rng.below(EN.len())]).collect();
    a.push(tag);
    e.push(tag);
    (
        format!("{} {i}.", a.join(" ")),
        format!("{} {i}.", e.join(" ")),
    )
}

/// Write a TMX of `n` units tagged `tag`; return a few of its Arabic
/// sentences (for the readers' queries).
fn generate(path: &Path, n: usize, tag: &str, seed: u64) -> Vec<String> {
    let ar = arabic_words();
    let mut rng = Rng(seed);
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header \
         creationtool=\"tm_stress\" creationtoolversion=\"1\" segtype=\"sentence\" \
         o-tmf=\"bench\" adminlang=\"en\" srclang=\"ar\" datatype=\"plaintext\"/>\n<body>"
    )
    .unwrap();
    let mut samples = Vec::new();
    for i in 0..n {
        let (a, e) = sentence(&mut rng, &ar, tag, i);
        writeln!(
            out,
            "<tu creationdate=\"20210101T101500Z\"><tuv xml:lang=\"ar\"><seg>{a}</seg></tuv>\
             <tuv xml:lang=\"en\"><seg>{e}</seg></tuv></tu>"
        )
        .unwrap();
        if i % 97 == 0 && samples.len() < 200 {
            samples.push(a);
        }
    }
    writeln!(out, "</body>\n</tmx>").unwrap();
    out.flush().unwrap();
    samples
}

fn tarjuman(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tarjuman"));
    c.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    c
}

fn units(db: &Path) -> u64 {
    let out = tarjuman(db)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["units"].as_u64().unwrap()
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// What the reader threads saw.
#[derive(Default)]
struct Seen {
    /// Lookup latencies (ms) while the big import ran.
    during: Vec<f64>,
    errors: Vec<String>,
    lookups: u64,
    concords: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let n: usize = std::env::var("TARJUMAN_STRESS_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let limit = Duration::from_secs(
        std::env::var("TARJUMAN_STRESS_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1800),
    );
    let deadline = Instant::now() + limit;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tm_stress");
    std::fs::create_dir_all(&dir).unwrap();
    let seed_tmx = dir.join("seed.tmx");
    let big_tmx = dir.join(format!("big-{n}.tmx"));
    let second_tmx = dir.join("second.tmx");
    let queries = generate(&seed_tmx, 2_000, "بذرة", 1);
    if !big_tmx.exists() {
        generate(&big_tmx, n, "كبير", 2);
    }
    generate(&second_tmx, 20_000, "ثان", 3);
    let db = dir.join("stress.db");
    remove_db(&db);
    let ok = tarjuman(&db)
        .arg("-q")
        .arg("import")
        .arg(&seed_tmx)
        .status()
        .unwrap();
    assert!(ok.success());
    let before = units(&db);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "TM of {before} units; importing {n} units ({:.0} MB) and then 20000 more; load average {}",
        std::fs::metadata(&big_tmx).unwrap().len() as f64 / 1e6,
        load.trim()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let importing = Arc::new(AtomicBool::new(true));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let started = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (db, stop, importing, seen, started) = (
                db.clone(),
                stop.clone(),
                importing.clone(),
                seen.clone(),
                started.clone(),
            );
            let queries = queries.clone();
            std::thread::spawn(move || {
                let mut i = r;
                while !stop.load(Ordering::Relaxed) {
                    // A stored sentence with its last word changed: a
                    // fuzzy match, not an exact one.
                    let q = &queries[i % queries.len()];
                    let q = match q.rsplit_once(' ') {
                        Some((head, _)) => format!("{head} مختلف"),
                        None => q.clone(),
                    };
                    let word = q.split(' ').nth(1).unwrap_or("في").to_string();
                    i += 4;
                    let during = importing.load(Ordering::Relaxed);
                    let t = Instant::now();
                    let out = tarjuman(&db).args(["lookup", &q]).output().unwrap();
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    let out2 = tarjuman(&db)
                        .args(["concord", "--limit", "5", &word])
                        .output()
                        .unwrap();
                    started.fetch_add(1, Ordering::Relaxed);
                    let mut s = seen.lock().unwrap();
                    s.lookups += 1;
                    s.concords += 1;
                    if during && importing.load(Ordering::Relaxed) {
                        s.during.push(ms);
                    }
                    for (what, o) in [("lookup", &out), ("concord", &out2)] {
                        if !o.status.success() {
                            s.errors.push(format!(
                                "{what}: {}",
                                String::from_utf8_lossy(&o.stderr).trim()
                            ));
                        }
                    }
                }
            })
        })
        .collect();
    // Readers running before the import starts.
    while started.load(Ordering::Relaxed) < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let t0 = Instant::now();
    let mut big = tarjuman(&db)
        .args(["-q", "import"])
        .arg(&big_tmx)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut second = tarjuman(&db)
        .args(["-q", "--wait", &limit.as_secs().to_string(), "import"])
        .arg(&second_tmx)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both watched at once, so each one's end is its own.
    let (mut big_status, mut second_status) = (None, None);
    let (mut big_time, mut second_time) = (Duration::ZERO, Duration::ZERO);
    while big_status.is_none() || second_status.is_none() {
        if big_status.is_none() {
            if let Some(s) = big.try_wait().unwrap() {
                big_status = Some(s);
                big_time = t0.elapsed();
                importing.store(false, Ordering::Relaxed);
            }
        }
        if second_status.is_none() {
            if let Some(s) = second.try_wait().unwrap() {
                second_status = Some(s);
                second_time = t0.elapsed();
            }
        }
        if Instant::now() > deadline {
            for c in [&mut big, &mut second] {
                let _ = c.kill();
                let _ = c.wait();
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    importing.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    let mut failed = false;
    for (what, status, child) in [("big", big_status, big), ("second", second_status, second)] {
        match status {
            Some(s) if s.success() => {}
            other => {
                failed = true;
                let mut err = String::new();
                if let Some(mut e) = child.stderr {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                println!("{what} import failed ({other:?}): {}", err.trim());
            }
        }
    }
    let after = units(&db);
    let expected = before + n as u64 + 20_000;
    let lost = expected.saturating_sub(after);
    let s = seen.lock().unwrap();
    let mut during = s.during.clone();
    during.sort_by(f64::total_cmp);
    println!(
        "big import {:.1} s; the second (queued) import ended {:.1} s after the big one began",
        big_time.as_secs_f64(),
        second_time.as_secs_f64()
    );
    println!(
        "readers: {} lookups, {} concordances, {} errors",
        s.lookups,
        s.concords,
        s.errors.len()
    );
    for e in s.errors.iter().take(5) {
        println!("  reader error: {e}");
    }
    println!(
        "lookup latency during the import (process start to exit, {} lookups): p50 {:.0} ms, p99 {:.0} ms",
        during.len(),
        percentile(&during, 0.5),
        percentile(&during, 0.99)
    );
    println!("units: {after} in the TM, {expected} expected, {lost} lost");
    if failed || lost > 0 || !s.errors.is_empty() {
        std::process::exit(1);
    }
}
