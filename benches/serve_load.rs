//! `tarjuman serve` under load, on loopback only; bounded in time and in
//! requests, it stops by itself.
//!
//! `cargo bench --bench serve_load` (release). A TM of
//! `TARJUMAN_BENCH_UNITS` generated units (default 1,000,000; the lookup
//! bench's generators: Heaps-sized Arabic lexicon, Zipf–Mandelbrot draws)
//! is served by the real binary on 127.0.0.1 (a free port). Then:
//!
//! 1. `TARJUMAN_BENCH_CLIENTS` clients (default 64), each a thread with
//!    its own keep-alive HTTP/1.1 connection, look up edited TM sentences
//!    (`GET /api/v1/lookup`, the lookup bench's edits) for
//!    `TARJUMAN_BENCH_SECONDS` (default 60);
//! 2. the same while one more client uploads `TARJUMAN_BENCH_IMPORT`
//!    (default 100,000) new units as TSV to `/api/v1/import`, until the
//!    import is answered (upload, import and commit).
//!
//! The clients share the server's cores, as remote clients would not, so
//! they are lean (`serve_load/client.rs`: requests made before the clock
//! starts, answers read by hand): each answer's status and shape are
//! checked, and one in `FULL_CHECK` is parsed whole.
//!
//! Each phase reports lookups/s, p50/p99/max latency, errors (any answer
//! but a right 200, or a failed connection), the server's own p50/p99 for
//! the lookups (from its request log), and after phase 2 the units lost
//! (units in the TM − units before − units the import reported inserted;
//! must be 0), and the CPU time of the server and of the clients (this
//! process): lookups per server CPU-second say what the server alone
//! could do.
//! `TARJUMAN_BENCH_MAX_REQUESTS` (default 10,000,000) bounds the
//! requests of a phase; `TARJUMAN_BENCH_PHASES=1` runs phase 1 only, `3`
//! adds a third: the lookups alone again, on the grown TM.
//! `TARJUMAN_BENCH_TM=PATH` keeps the generated TM there and, on later
//! runs of the same size, serves a copy of it instead of generating it
//! again. The server's log goes to a file in the temp dir.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tarjuman::tm::{OnDuplicate, OriginInfo, Store};
use tarjuman::unit::Unit;

#[path = "serve_load/client.rs"]
mod client;
#[path = "lookup/data.rs"]
#[allow(dead_code)]
mod lookup_data;

use lookup_data::{
    edit, english, env, heaps_vocab, percentile, sentence, text, Rng, Vocab, ENGLISH,
};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// What one phase measured.
struct Phase {
    latencies: Vec<Duration>,
    errors: u64,
    wall: Duration,
}

impl Phase {
    /// The server's share: its CPU time in the phase, and lookups per
    /// server CPU-second (what the server could answer with the clients'
    /// CPU taken away: they run on the same cores here); and the clients'
    /// CPU time (this process), which the server's threads compete with.
    fn cpu_report(&self, cpu: f64, clients_cpu: f64) {
        println!(
            "  server CPU {cpu:.1} s in {:.1} s of wall: {:.0} lookups per server CPU-second; clients' CPU {clients_cpu:.1} s",
            self.wall.as_secs_f64(),
            self.latencies.len() as f64 / cpu.max(0.01)
        );
    }

    fn report(&mut self, name: &str) {
        self.latencies.sort();
        let n = self.latencies.len();
        println!(
            "{name}: {n} lookups in {:.1} s = {:.0} lookups/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors {}",
            self.wall.as_secs_f64(),
            n as f64 / self.wall.as_secs_f64(),
            percentile(&self.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&self.latencies, 0.99).as_secs_f64() * 1e3,
            self.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            self.errors
        );
    }
}

/// The lookups the clients make, each query with its request's bytes.
struct Lookups {
    queries: Vec<String>,
    requests: Vec<Vec<u8>>,
    addr: std::net::SocketAddr,
}

impl Lookups {
    fn new(base: &str, token: &str, queries: Vec<String>) -> Lookups {
        let host = base.trim_start_matches("http://");
        Lookups {
            requests: queries
                .iter()
                .map(|q| client::lookup_request(host, token, q))
                .collect(),
            queries,
            addr: host.parse().expect("the server's address"),
        }
    }
}

/// One answer in `FULL_CHECK` is parsed whole and checked (its query, its
/// matches' fields); the others by status and shape only, which costs the
/// shared cores next to nothing.
const FULL_CHECK: usize = 64;

/// Whether a lookup's answer (a 200's body) is right: a JSON object
/// `{"query": …, "matches": [ … ]}` (the fields in that order); when
/// `full`, parsed, the query the one asked and each match with a score
/// and both texts.
fn answer_ok(body: &[u8], query: &str, full: bool) -> bool {
    if !(body.starts_with(b"{\"query\":") && body.ends_with(b"]}")) {
        return false;
    }
    if !full {
        return true;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    v["query"] == query
        && v["matches"].as_array().is_some_and(|ms| {
            ms.iter().all(|m| {
                m["score"].as_u64().is_some_and(|s| s <= 101)
                    && m["source"].is_string()
                    && m["target"].is_string()
            })
        })
}

/// `clients` threads looking `lookups` up until `done` is set (after at
/// least `min_time`), `max_time` has passed or `max_requests` were made.
/// Errors: any answer but a right 200 (`answer_ok`), or a failed
/// connection.
fn hammer(
    lookups: &Arc<Lookups>,
    clients: usize,
    min_time: Duration,
    max_time: Duration,
    done: &Arc<AtomicBool>,
    max_requests: u64,
) -> Phase {
    let made = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (lookups, done, made) = (Arc::clone(lookups), Arc::clone(done), Arc::clone(&made));
            std::thread::spawn(move || {
                let mut conn = client::Conn::new(lookups.addr);
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let n = lookups.queries.len();
                let mut k = c * 7919;
                loop {
                    let elapsed = start.elapsed();
                    if (elapsed >= min_time && done.load(Ordering::Relaxed))
                        || made.fetch_add(1, Ordering::Relaxed) >= max_requests
                        || elapsed > max_time
                    {
                        break;
                    }
                    let full = latencies.len() % FULL_CHECK == 0;
                    let t = Instant::now();
                    let ok = match conn.call(&lookups.requests[k % n]) {
                        Ok((200, body)) => answer_ok(body, &lookups.queries[k % n], full),
                        _ => false,
                    };
                    latencies.push(t.elapsed());
                    errors += u64::from(!ok);
                    k += clients;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut phase = Phase {
        latencies: Vec::new(),
        errors: 0,
        wall: Duration::ZERO,
    };
    for w in workers {
        let (l, e) = w.join().unwrap();
        phase.latencies.extend(l);
        phase.errors += e;
    }
    phase.wall = start.elapsed();
    phase
}

/// The server's own time for each lookup it logged since byte `from` of
/// its log (the line's `duration_ms`: from the request read to the answer
/// ready, the wait for a reader included), to tell the server's queue
/// from the clients' wait for a core. Its last lines may trail the
/// answers by a moment: wait for them briefly.
fn server_report(log_path: &std::path::Path, from: u64) {
    std::thread::sleep(Duration::from_millis(500));
    let log = std::fs::read(log_path).unwrap_or_default();
    let mut t: Vec<f64> = String::from_utf8_lossy(&log[(from as usize).min(log.len())..])
        .lines()
        .filter(|line| line.contains("\"route\":\"/api/v1/lookup\""))
        .filter_map(|line| {
            line.split_once("\"duration_ms\":")
                .and_then(|(_, rest)| rest.split([',', '}']).next())
                .and_then(|n| n.parse().ok())
        })
        .collect();
    if env("TARJUMAN_BENCH_TIMELINE", 0) == 1 {
        timeline(&log[(from as usize).min(log.len())..]);
    }
    t.sort_by(f64::total_cmp);
    let at = |p: f64| t.get(((t.len() as f64 * p) as usize).min(t.len().saturating_sub(1)));
    println!(
        "  the server's own time for them (its log): p50 {:.1} ms, p99 {:.1} ms ({} lines)",
        at(0.50).copied().unwrap_or(0.0),
        at(0.99).copied().unwrap_or(0.0),
        t.len()
    );
}

/// `TARJUMAN_BENCH_TIMELINE=1`: the server's lookups second by second
/// (its log's `time`), with the other requests (the import) where they
/// end, to see when in a phase the tail happens.
fn timeline(log: &[u8]) {
    let mut seconds: Vec<(String, Vec<f64>, Vec<String>)> = Vec::new();
    for line in String::from_utf8_lossy(log).lines() {
        let field = |key: &str| {
            line.split_once(key)
                .and_then(|(_, rest)| rest.split([',', '}']).next())
                .map(|v| v.trim_matches('"').to_string())
        };
        let (Some(time), Some(route), Some(ms)) = (
            field("\"time\":"),
            field("\"route\":"),
            field("\"duration_ms\":"),
        ) else {
            continue;
        };
        if seconds.last().map_or(true, |s| s.0 != time) {
            seconds.push((time.clone(), Vec::new(), Vec::new()));
        }
        let second = seconds.last_mut().expect("pushed above");
        match (route.as_str(), ms.parse::<f64>()) {
            ("/api/v1/lookup", Ok(ms)) => second.1.push(ms),
            _ => second.2.push(format!("{route} {ms} ms")),
        }
    }
    for (time, mut t, other) in seconds {
        t.sort_by(f64::total_cmp);
        let at = |p: f64| {
            t.get(((t.len() as f64 * p) as usize).min(t.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        println!(
            "    {time}: {:5} lookups, p50 {:5.1} ms, p99 {:5.1} ms, max {:6.1} ms {}",
            t.len(),
            at(0.5),
            at(0.99),
            t.last().copied().unwrap_or(0.0),
            other.join("; ")
        );
    }
}

fn log_len(log_path: &std::path::Path) -> u64 {
    std::fs::metadata(log_path).map_or(0, |m| m.len())
}

/// The address the server says it listens on, from its log.
fn listening(log_path: &std::path::Path, server: &mut std::process::Child) -> String {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        // The whole line: it may be read while being written.
        let line = log
            .find("on http://")
            .and_then(|at| log[at + 3..].split_once('\n'));
        if let Some((line, _)) = line {
            return line.split(' ').next().unwrap().to_string();
        }
        assert!(
            server.try_wait().unwrap().is_none(),
            "the server stopped: {log}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no server: {log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A process's CPU time so far, in seconds (Linux; 0 elsewhere).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime: the 12th and 13th fields after the name, in ticks.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

fn units_in(base: &str, token: &str) -> u64 {
    let mut r = agent()
        .get(&format!("{base}/api/v1/stats"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    v["units"].as_u64().unwrap()
}

fn main() {
    let units = env("TARJUMAN_BENCH_UNITS", 1_000_000);
    let clients = env("TARJUMAN_BENCH_CLIENTS", 64);
    let seconds = env("TARJUMAN_BENCH_SECONDS", 60) as u64;
    let import_units = env("TARJUMAN_BENCH_IMPORT", 100_000);
    let max_requests = env("TARJUMAN_BENCH_MAX_REQUESTS", 10_000_000) as u64;
    let phases = env("TARJUMAN_BENCH_PHASES", 2);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "serve_load: {units} units, {clients} clients, {seconds} s a phase, import of {import_units}; load average {}",
        load.trim()
    );

    let running_words = (units + import_units) as f64 * 24.0 * 0.96;
    let ar = Vocab::mandelbrot(heaps_vocab(running_words), 1.0, 2.7);
    let en = Vocab::new(ENGLISH.split_whitespace().map(str::to_string).collect());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve-bench.db");

    // The TM, written in-process as the lookup bench does; or a copy of the
    // one kept at TARJUMAN_BENCH_TM by an earlier run of the same size (the
    // vocabulary, hence the TM and the queries, depends on both sizes).
    let t = Instant::now();
    let kept = std::env::var_os("TARJUMAN_BENCH_TM").map(std::path::PathBuf::from);
    let params = format!("units {units}, import {import_units}\n");
    let params_file = kept.as_ref().map(|k| {
        let mut p = k.clone().into_os_string();
        p.push(".params");
        std::path::PathBuf::from(p)
    });
    let reuse = kept.as_ref().is_some_and(|k| {
        k.exists()
            && params_file
                .as_ref()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .is_some_and(|p| p == params)
            && Store::open_read_only(k)
                .ok()
                .and_then(|s| s.stats().ok())
                .is_some_and(|s| s.units == units as u64)
    });
    if reuse {
        std::fs::copy(kept.as_ref().unwrap(), &db).unwrap();
    } else {
        let mut store = Store::open(&db).unwrap();
        let origin = OriginInfo {
            name: "bench".into(),
            kind: "tsv".into(),
            header: None,
        };
        let mut w = store.writer(&origin).unwrap();
        for i in 0..units {
            let mut rng = Rng(i as u64);
            let words = sentence(&ar, &mut rng);
            let unit = Unit::pair(
                "ar",
                &text(&words),
                "en",
                &english(&en, &mut rng, words.len()),
            );
            w.add(&unit, OnDuplicate::Skip).unwrap();
        }
        w.commit().unwrap();
        drop(store);
        if let (Some(k), Some(p)) = (&kept, &params_file) {
            std::fs::copy(&db, k).unwrap();
            std::fs::write(p, &params).unwrap();
        }
    }
    let token = {
        let mut store = Store::open(&db).unwrap();
        let _ = tarjuman::server::auth::remove(&mut store, "bench");
        tarjuman::server::auth::add(&mut store, "bench", tarjuman::server::auth::Scope::Write)
            .unwrap()
    };
    println!(
        "TM of {units} units {} in {:.1} s",
        if reuse { "copied" } else { "built" },
        t.elapsed().as_secs_f64()
    );

    // The units to import: new sentences (seeds past the TM's).
    let tsv = dir.path().join("import.tsv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tsv).unwrap());
        writeln!(f, "ar\ten").unwrap();
        for i in 0..import_units {
            let mut rng = Rng((1 << 41) | i as u64);
            let words = sentence(&ar, &mut rng);
            let target = english(&en, &mut rng, words.len());
            writeln!(f, "{} {i}\t{target} {i}", text(&words)).unwrap();
        }
    }

    // Queries: edited stored sentences, made before the clock starts.
    let mut rng = Rng(0x5E4E);
    let queries: Vec<String> = (0..20_000)
        .map(|_| {
            let i = rng.below(units);
            text(&edit(&sentence(&ar, &mut Rng(i as u64)), &ar, &mut rng))
        })
        .collect();

    let bin =
        std::env::var("TARJUMAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tarjuman").into());
    let log_path = dir.path().join("serve.log");
    let mut server = Command::new(&bin)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("TMPDIR", dir.path())
        .stdout(Stdio::null())
        // Into a file, as a deployment's log would go: a pipe read by
        // this process would wake it for every line, on the same cores.
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .unwrap();
    let base = listening(&log_path, &mut server);
    println!("server {bin} at {base}");
    let lookups = Arc::new(Lookups::new(&base, &token, queries));
    let before = units_in(&base, &token);
    assert_eq!(before, units as u64);

    // Warm the page cache once, as a working day would have.
    let two = Duration::from_secs(2);
    let yes = Arc::new(AtomicBool::new(true));
    hammer(&lookups, 4, two, two, &yes, 2_000);

    let time = Duration::from_secs(seconds);
    // Lookups alone for `time`, reported under `name`.
    let alone = |name: &str| {
        let (cpu, mine) = (cpu_seconds(server.id()), cpu_seconds(std::process::id()));
        let from = log_len(&log_path);
        let mut phase = hammer(&lookups, clients, time, time, &yes, max_requests);
        phase.report(name);
        server_report(&log_path, from);
        phase.cpu_report(
            cpu_seconds(server.id()) - cpu,
            cpu_seconds(std::process::id()) - mine,
        );
    };
    alone("lookups alone");
    if phases == 1 {
        stop(&mut server, &log_path);
        return;
    }

    let import_done = Arc::new(AtomicBool::new(false));
    let importer = {
        let (base, token, tsv, done) = (
            base.clone(),
            token.clone(),
            tsv.clone(),
            Arc::clone(&import_done),
        );
        std::thread::spawn(move || {
            let t = Instant::now();
            let body = std::fs::read(&tsv).unwrap();
            let mut r = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent()
                .post(&format!("{base}/api/v1/import?name=bench-import.tsv"))
                .header("Authorization", &format!("Bearer {token}"))
                .send(&body[..])
                .unwrap();
            let status = r.status().as_u16();
            let report: serde_json::Value = r.body_mut().read_json().unwrap();
            done.store(true, Ordering::Relaxed);
            (status, report, t.elapsed())
        })
    };
    // Until the import is answered (bounded all the same).
    let (cpu, mine) = (cpu_seconds(server.id()), cpu_seconds(std::process::id()));
    let from = log_len(&log_path);
    let mut during = hammer(
        &lookups,
        clients,
        Duration::ZERO,
        time * 20,
        &import_done,
        max_requests,
    );
    let (status, report, took) = importer.join().unwrap();
    during.report("lookups during the import");
    server_report(&log_path, from);
    during.cpu_report(
        cpu_seconds(server.id()) - cpu,
        cpu_seconds(std::process::id()) - mine,
    );
    let inserted = report["inserted"].as_u64().unwrap_or(0);
    println!(
        "import of {import_units} units over HTTP: status {status}, {inserted} inserted, {:.1} s",
        took.as_secs_f64()
    );
    let after = units_in(&base, &token);
    let lost = (before + inserted) as i64 - after as i64;
    println!("units: {before} before, {after} after, {lost} lost");

    if phases >= 3 {
        // Alone again on the grown TM: does a server that took an import
        // look up as fast as before it?
        alone("lookups after the import");
    }

    stop(&mut server, &log_path);
    assert_eq!(lost, 0, "units lost");
}

/// SIGTERM the server; it must exit 0.
fn stop(server: &mut std::process::Child, log_path: &std::path::Path) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().unwrap();
    println!(
        "server stopped on SIGTERM: {status}; its log: {} lines",
        std::fs::read_to_string(log_path)
            .map(|l| l.lines().count())
            .unwrap_or(0)
    );
    assert_eq!(status.code(), Some(0));
}
