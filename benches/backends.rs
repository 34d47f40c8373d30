//! SQLite and PostgreSQL side by side, in one run on one machine: a TMX
//! import, an export, fuzzy lookups and concordance on the same generated
//! Arabic→English TM (issue 20's targets: import ≤ 3 × SQLite, lookups
//! ≥ 1,000 q/s per client process, concordance p95 ≤ 50 ms).
//!
//! `cargo bench --bench backends` (release). `TARJUMAN_BENCH_UNITS` sets
//! the TM size (default 1,000,000), `TARJUMAN_BENCH_QUERIES` the timed
//! lookups per backend (default 2,000), `TARJUMAN_BENCH_CONCORD` the timed
//! concordance phrases per backend (default 400). `TARJUMAN_BENCH_PG=URL`
//! names an empty PostgreSQL database to use; without it a throwaway
//! server is started with tests/postgres/server.sh (a Unix socket, no
//! fsync) and stopped at the end, also when the bench fails.
//!
//! Data: the lookup bench's generator (benches/lookup/data.rs: sentences of
//! 8–40 words drawn from the word frequencies of real Arabic, numbers in
//! both digit systems), written as one TMX file. Import and export run the
//! `tarjuman` binary (`import FILE`, `export -o FILE`), SQLite first then
//! PostgreSQL; their wall time is the figure, with the client's CPU time
//! beside it. Lookups (`--min 70 --top 5`, 3 in 4 queries edited stored
//! sentences, 1 in 4 fresh) and concordance (one or two words of a stored
//! sentence, through proclitics, the default limit of 20) run in this process on
//! one thread, one connection per backend, alternating the backends every
//! 50 queries (ABAB…) so that the machine's load falls on both alike; a
//! lookup is timed from the query text to the finished matches (whole
//! units loaded, diffs made), as `tarjuman lookup` and `serve` do. Every
//! answer of one backend is compared with the other's (unit, score,
//! order; concordance: units and spans) and the bench fails on a
//! difference. Then the same queries through `tarjuman lookup --file`
//! processes, as a user runs them: on every core (one thread and one
//! connection each, the default) and with `--jobs 1`; the two backends'
//! outputs must be the same bytes.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tarjuman::tm::concord::{concord, Search};
use tarjuman::tm::fuzzy::Matcher;
use tarjuman::tm::pg::PgStore;
use tarjuman::tm::Store;

#[path = "lookup/data.rs"]
#[allow(dead_code)]
mod lookup_data;

use lookup_data::{
    edit, english, env, percentile, real_vocab, sentence, text, Rng, Vocab, ENGLISH,
};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A throwaway server started by tests/postgres/server.sh, stopped when
/// dropped (also on a panic).
struct Server {
    state: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> (Server, String) {
        let state = dir.join("pg.state");
        let out = Command::new("tests/postgres/server.sh")
            .arg("start")
            .arg(&state)
            .stderr(Stdio::inherit())
            .output()
            .expect("run tests/postgres/server.sh");
        assert!(
            out.status.success(),
            "tests/postgres/server.sh start failed"
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        (Server { state }, url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("tests/postgres/server.sh")
            .arg("stop")
            .arg(&self.state)
            .status();
    }
}

/// The user + system CPU seconds of the children waited for so far
/// (`cutime` + `cstime` of /proc/self/stat, in USER_HZ = 100 ticks).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(13) + tick(14)) / 100.0
}

/// CPU time this thread has run (Linux schedstat).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// The CPU seconds process `pid` has used (the PostgreSQL backend serving
/// this bench's connection: the server runs on this machine).
fn process_cpu(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Run `tarjuman --db DB ARGS… --quiet`; its wall time and CPU seconds.
fn tarjuman(db: &str, args: &[&str]) -> (Duration, f64) {
    let cpu = children_cpu();
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_tarjuman"))
        .env_remove("TARJUMAN_DB")
        .args(["--db", db, "--quiet"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("run tarjuman");
    assert!(status.success(), "tarjuman --db {db} {args:?}: {status}");
    (t.elapsed(), children_cpu() - cpu)
}

/// Write the TM as TMX: unit `i` is the lookup bench's sentence `i`.
fn write_tmx(path: &Path, ar: &Vocab, en: &Vocab, units: usize) -> u64 {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n  <header creationtool=\"backends bench\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"bench\" adminlang=\"en\" srclang=\"ar\" datatype=\"plaintext\"/>\n  <body>\n",
    )
    .unwrap();
    for i in 0..units {
        let mut rng = Rng(i as u64);
        let words = sentence(ar, &mut rng);
        let (src, tgt) = (text(&words), english(en, &mut rng, words.len()));
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        writeln!(
            out,
            "    <tu tuid=\"{i}\" creationdate=\"2021{month:02}{day:02}T101500Z\">\n      <tuv xml:lang=\"ar\"><seg>{src}</seg></tuv>\n      <tuv xml:lang=\"en\"><seg>{tgt}</seg></tuv>\n    </tu>"
        )
        .unwrap();
    }
    out.write_all(b"  </body>\n</tmx>\n").unwrap();
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// A concordance answer: units and where the phrase is in each.
type Hits = Vec<(i64, Vec<std::ops::Range<usize>>)>;

/// Timings of one backend.
#[derive(Default)]
struct Times {
    each: Vec<Duration>,
    total: Duration,
    /// This thread's CPU time.
    cpu: Duration,
    /// The PostgreSQL backend's CPU seconds.
    server_cpu: f64,
}

impl Times {
    fn add(&mut self, d: Duration) {
        self.each.push(d);
        self.total += d;
    }

    fn report(&mut self, what: &str, backend: &str) {
        self.each.sort();
        let n = self.each.len() as f64;
        println!(
            "  {what} {backend:>10}: {:6.0} q/s, p50 {:6.2} ms, p95 {:6.2} ms, p99 {:6.2} ms, max {:7.1} ms; client CPU {:.2} ms/q, server CPU {:.2} ms/q",
            n / self.total.as_secs_f64(),
            ms(percentile(&self.each, 0.5)),
            ms(percentile(&self.each, 0.95)),
            ms(percentile(&self.each, 0.99)),
            ms(*self.each.last().unwrap()),
            ms(self.cpu) / n,
            self.server_cpu * 1e3 / n,
        );
    }
}

fn main() {
    let units = env("TARJUMAN_BENCH_UNITS", 1_000_000);
    let nq = env("TARJUMAN_BENCH_QUERIES", 2_000);
    let nconc = env("TARJUMAN_BENCH_CONCORD", 400);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "backends bench: {units} units, {nq} lookups, {nconc} concordance phrases; {cores} cores, load average {}",
        load.trim()
    );

    let dir = tempfile::tempdir().unwrap();
    let (_server, pg) = match std::env::var("TARJUMAN_BENCH_PG") {
        Ok(url) => (None, url),
        Err(_) => {
            let (server, url) = Server::start(dir.path());
            (Some(server), url)
        }
    };
    let lite = dir.path().join("tm.db");
    let lite = lite.to_str().unwrap().to_string();

    let running_words = units as f64 * 24.0 * 0.96;
    let (words, weights) = real_vocab(running_words);
    let ar = Vocab::weighted(words, &weights);
    let en = Vocab::new(ENGLISH.split_whitespace().map(str::to_string).collect());
    let tmx = dir.path().join("tm.tmx");
    let t = Instant::now();
    let bytes = write_tmx(&tmx, &ar, &en, units);
    println!(
        "TMX written: {:.0} MB in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let tmx = tmx.to_str().unwrap();

    // Import, SQLite then PostgreSQL.
    let mut import = Vec::new();
    for db in [lite.as_str(), pg.as_str()] {
        let (wall, cpu) = tarjuman(db, &["import", tmx]);
        import.push(wall);
        println!(
            "import {units} units {:>10}: wall {:6.1} s ({:.0} units/s), client CPU {:.1} s",
            if db == pg { "PostgreSQL" } else { "SQLite" },
            wall.as_secs_f64(),
            units as f64 / wall.as_secs_f64(),
            cpu
        );
    }
    println!(
        "import PostgreSQL / SQLite: {:.2} (target ≤ 3)",
        import[1].as_secs_f64() / import[0].as_secs_f64()
    );

    // Export, SQLite then PostgreSQL.
    let mut exported = Vec::new();
    for (db, name) in [(lite.as_str(), "SQLite"), (pg.as_str(), "PostgreSQL")] {
        let out = dir.path().join(format!("export-{name}.tmx"));
        let (wall, cpu) = tarjuman(db, &["export", "-o", out.to_str().unwrap()]);
        println!(
            "export {units} units {name:>10}: wall {:6.1} s ({:.0} units/s), client CPU {:.1} s",
            wall.as_secs_f64(),
            units as f64 / wall.as_secs_f64(),
            cpu
        );
        exported.push(out);
    }
    let body = |p: &Path| -> Vec<u8> {
        // Apart from the header's date, the two exports are the same file.
        let all = std::fs::read(p).unwrap();
        let at = all
            .windows(7)
            .position(|w| w == b"<body>\n")
            .expect("a TMX body");
        all[at..].to_vec()
    };
    assert!(
        body(&exported[0]) == body(&exported[1]),
        "the two exports differ"
    );
    for p in &exported {
        std::fs::remove_file(p).unwrap();
    }
    std::fs::remove_file(tmx).unwrap();

    let lite_store = Store::open_read_only(Path::new(&lite)).unwrap();
    let pg_store = PgStore::connect_read_only(&pg).unwrap();
    let backend_pid: i32 = pg_store
        .client()
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    // SQLite runs in this process: its share is in the client's CPU.
    let server_cpu = |b: usize| {
        if b == 1 {
            process_cpu(backend_pid)
        } else {
            0.0
        }
    };
    let backends: [(&str, &dyn tarjuman::tm::source::IndexRead); 2] =
        [("SQLite", &lite_store), ("PostgreSQL", &pg_store)];

    // Lookups: 3 in 4 edited stored sentences, 1 in 4 fresh.
    let mut rng = Rng(0xF00D);
    let queries: Vec<String> = (0..nq)
        .map(|k| {
            if k % 4 == 3 {
                text(&sentence(&ar, &mut Rng(1 << 40 | k as u64)))
            } else {
                let i = rng.below(units);
                let words = sentence(&ar, &mut Rng(i as u64));
                text(&edit(&words, &ar, &mut rng))
            }
        })
        .collect();
    let matchers: Vec<Matcher> = backends
        .iter()
        .map(|(_, s)| Matcher::new(*s, "ar", "en").unwrap())
        .collect();
    // Warm both caches (SQLite's pages, PostgreSQL's shared buffers).
    for q in queries.iter().take(50) {
        for m in &matchers {
            m.lookup(q, None, 70, 5).unwrap();
        }
    }
    let mut times: [Times; 2] = Default::default();
    let mut matched = 0;
    for block in queries.chunks(50) {
        let mut answers: [Vec<Vec<(i64, u8)>>; 2] = Default::default();
        for (b, m) in matchers.iter().enumerate() {
            let (cpu, server) = (thread_cpu(), server_cpu(b));
            for q in block {
                let t = Instant::now();
                let found = m.lookup(q, None, 70, 5).unwrap();
                times[b].add(t.elapsed());
                answers[b].push(found.iter().map(|f| (f.unit_id, f.score)).collect());
            }
            times[b].cpu += thread_cpu().saturating_sub(cpu);
            times[b].server_cpu += server_cpu(b) - server;
        }
        assert_eq!(answers[0], answers[1], "lookups differ between backends");
        matched += answers[0].iter().filter(|a| !a.is_empty()).count();
    }
    println!("lookup --min 70 --top 5, one thread, one connection ({matched}/{nq} queries matched; answers identical):");
    for (b, (name, _)) in backends.iter().enumerate() {
        times[b].report("lookup", name);
    }
    drop(matchers);

    // The same lookups as a user runs them: one `tarjuman lookup --file`
    // process, its threads (--jobs: one per core by default, each with its
    // own connection) and the one-thread run; backends alternated.
    let qfile = dir.path().join("queries.txt");
    std::fs::write(&qfile, queries.join("\n") + "\n").unwrap();
    let qfile = qfile.to_str().unwrap();
    println!("`tarjuman lookup --file` ({nq} queries, --input lines --min 70 --format json), median of 3 runs:");
    for jobs in [None, Some("1")] {
        let mut walls: [Vec<Duration>; 2] = Default::default();
        let mut outputs: [Vec<u8>; 2] = Default::default();
        for _ in 0..3 {
            for (b, (_, db)) in [(0, lite.as_str()), (1, pg.as_str())].iter().enumerate() {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_tarjuman"));
                cmd.env_remove("TARJUMAN_DB").args([
                    "--db", db, "--quiet", "lookup", "--file", qfile, "--input", "lines",
                    "--format", "json",
                ]);
                if let Some(j) = jobs {
                    cmd.args(["--jobs", j]);
                }
                let t = Instant::now();
                let out = cmd.output().expect("run tarjuman lookup");
                walls[b].push(t.elapsed());
                assert!(
                    out.status.success(),
                    "tarjuman lookup --db {db}: {}",
                    out.status
                );
                outputs[b] = out.stdout;
            }
        }
        assert!(
            outputs[0] == outputs[1],
            "lookup --file answers differ between backends"
        );
        for (b, name) in ["SQLite", "PostgreSQL"].iter().enumerate() {
            walls[b].sort();
            let wall = walls[b][1];
            println!(
                "  lookup --file, {:>13} {name:>10}: {:6.0} q/s ({:.2} s)",
                jobs.map_or("one per core".to_string(), |j| format!("--jobs {j}")),
                nq as f64 / wall.as_secs_f64(),
                wall.as_secs_f64()
            );
        }
    }

    // Concordance: one word or two adjacent words of a stored sentence.
    let phrases: Vec<String> = (0..nconc)
        .map(|k| {
            let words = sentence(&ar, &mut Rng((k * 7919 % units) as u64));
            let n = 1 + k % 2;
            let at = k % (words.len() - 1);
            words[at..at + n].join(" ")
        })
        .collect();
    let mut times: [Times; 2] = Default::default();
    let mut hits = 0;
    for block in phrases.chunks(50) {
        let mut answers: [Vec<Hits>; 2] = Default::default();
        for (b, (_, store)) in backends.iter().enumerate() {
            let (cpu, server) = (thread_cpu(), server_cpu(b));
            for p in block {
                let s = Search {
                    phrase: p,
                    src_lang: "ar",
                    tgt_lang: "en",
                    target: false,
                    exact: false,
                    limit: 20,
                };
                let t = Instant::now();
                let found = concord(*store, &s).unwrap();
                times[b].add(t.elapsed());
                answers[b].push(found.into_iter().map(|h| (h.unit_id, h.spans)).collect());
            }
            times[b].cpu += thread_cpu().saturating_sub(cpu);
            times[b].server_cpu += server_cpu(b) - server;
        }
        assert_eq!(
            answers[0], answers[1],
            "concordance differs between backends"
        );
        hits += answers[0].iter().map(Vec::len).sum::<usize>();
    }
    println!(
        "concordance, 1–2 words through proclitics, limit 20 ({hits} hits; answers identical):"
    );
    for (b, (name, _)) in backends.iter().enumerate() {
        times[b].report("concord", name);
    }
}
