//! Aligner speed and memory: `cargo bench --bench align`.
//!
//! Input is made from the dev sets (`tests/data/align/*`): their gold
//! links, drawn in a pseudo-random order and perturbed the way real
//! translations are (an English sentence left out, an Arabic one left out,
//! two English sentences merged, a run of five missing), so the DP meets
//! omissions, merges and drift, not a diagonal.
//!
//! Prints wall and CPU time and strict F1 against the generated gold for a 2,700 × ~2,600 article collection and a
//! 100,000-sentence book, and the peak resident memory (VmHWM).
//! `cargo bench --bench align -- articles` (or `book`) runs one of them.
//! `-- dict` times loading the dictionaries: FreeDict (when installed)
//! parsed, then read from its cache file (best of 10), and merged with the
//! built-in lexicon as `align` does.
//! `-- process` times the real binary, wall clock, as a user runs it: the
//! articles written to two files and `tarjuman align --input lines`, with
//! FreeDict (from its cache) and with `--no-freedict`, and a one-line pair
//! both ways (the difference is what loading the dictionaries costs the
//! process), alternated run by run, median and best of each. Not part of
//! the default run (it needs the binary built: `cargo bench` builds it).

use std::path::Path;
use std::time::Instant;

use tarjuman::align::{align, AlignOptions};

type Unit = (Vec<String>, Vec<String>);

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn ids(field: &str) -> Vec<usize> {
    field
        .split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Every gold link of every dev set, as (Arabic sentences, English sentences).
fn units() -> Vec<Unit> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/align");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/data/align exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("gold.tsv").exists())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let ar = lines(&dir.join("ar.txt"));
        let en = lines(&dir.join("en.txt"));
        for link in std::fs::read_to_string(dir.join("gold.tsv"))
            .unwrap_or_default()
            .lines()
        {
            let Some((a, e)) = link.split_once('\t') else {
                continue;
            };
            let a: Vec<String> = ids(a).into_iter().map(|i| ar[i].clone()).collect();
            let e: Vec<String> = ids(e).into_iter().map(|j| en[j].clone()).collect();
            if !a.is_empty() && !e.is_empty() {
                out.push((a, e));
            }
        }
    }
    out
}

/// A small deterministic generator (no dependency needed for a bench).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Gold = Vec<(Vec<usize>, Vec<usize>)>;

/// About `n` Arabic sentences with their perturbed English, and the gold
/// links of the result.
fn document(units: &[Unit], n: usize, seed: u64) -> (Vec<String>, Vec<String>, Gold) {
    let mut rng = Lcg(seed);
    let (mut ar, mut en) = (Vec::<String>::new(), Vec::<String>::new());
    let mut gold: Gold = Vec::new();
    let mut skip_run = 0;
    while ar.len() < n {
        let (a, e) = &units[rng.below(units.len() as u64) as usize];
        let src: Vec<usize> = (ar.len()..ar.len() + a.len()).collect();
        ar.extend(a.iter().cloned());
        let roll = rng.below(1000);
        let omit = |gold: &mut Gold| {
            for &i in &src {
                gold.push((vec![i], vec![]));
            }
        };
        let last_is_pair = gold
            .last()
            .is_some_and(|l| !l.0.is_empty() && !l.1.is_empty());
        if skip_run > 0 {
            skip_run -= 1;
            omit(&mut gold);
        } else if roll < 25 {
            // The translator left this out.
            omit(&mut gold);
        } else if roll < 27 {
            skip_run = 4; // A run of five missing sentences.
            omit(&mut gold);
        } else if roll < 50 && e.len() == 1 && a.len() == 1 && last_is_pair {
            // Merged with the previous English sentence.
            let last: &mut String = en.last_mut().expect("a pair came before");
            last.push(' ');
            last.push_str(&e[0]);
            let link = gold.last_mut().expect("a pair came before");
            link.0.extend(src);
        } else {
            let tgt: Vec<usize> = (en.len()..en.len() + e.len()).collect();
            en.extend(e.iter().cloned());
            gold.push((src, tgt));
        }
        if roll > 975 {
            gold.push((vec![], vec![en.len()]));
            en.push("Read more: the latest news from the region".to_string());
        }
    }
    (ar, en, gold)
}

fn strict_f1(gold: &Gold, links: &[tarjuman::align::Link]) -> f64 {
    let g: std::collections::HashSet<_> = gold.iter().collect();
    let right = links
        .iter()
        .filter(|l| g.contains(&(l.src.clone(), l.tgt.clone())))
        .count() as f64;
    let (p, r) = (
        right / links.len().max(1) as f64,
        right / gold.len().max(1) as f64,
    );
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// CPU seconds this process has used (user + system), from /proc: on a
/// shared machine wall time depends on the neighbours, this does not.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |k: usize| f.get(k).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 here.
    (ticks(11) + ticks(12)) / 100.0
}

fn vm_hwm_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Align one generated document and print its size, time and strict F1.
fn run(name: &str, units: &[Unit], sentences: usize, seed: u64, opts: &AlignOptions) {
    let (ar, en, gold) = document(units, sentences, seed);
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let links = align(&ar, &en, opts);
    let t = start.elapsed();
    println!(
        "{name}: {} ar x {} en sentences -> {} links in {:.3} s wall, {:.2} s CPU; strict F1 {:.3}",
        ar.len(),
        en.len(),
        links.len(),
        t.as_secs_f64(),
        cpu_seconds() - cpu,
        strict_f1(&gold, &links)
    );
}

/// Load times of the dictionaries, as `align` loads them.
fn dictionaries() {
    use tarjuman::align::lexicon::cache::{load_freedict, FREEDICT};
    use tarjuman::align::Lexicon;
    // This thread's time on a CPU, in ms (wall time on a shared machine
    // measures the neighbours): the first field of schedstat, in ns.
    let on_cpu = || {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |ns| ns / 1e6)
    };
    let best = |f: &mut dyn FnMut()| {
        (0..10)
            .map(|_| {
                let t = on_cpu();
                f();
                on_cpu() - t
            })
            .fold(f64::INFINITY, f64::min)
    };
    let core = best(&mut || {
        std::hint::black_box(Lexicon::core());
    });
    println!("dict: built-in lexicon {core:.1} ms CPU");
    let base = Path::new(FREEDICT);
    let cache = tempfile::TempDir::new().expect("a temporary folder");
    let start = Instant::now();
    let Some(parsed) = load_freedict(base, Some(cache.path())).expect("FreeDict reads") else {
        println!("dict: FreeDict not installed ({FREEDICT}.index): apt-get install dict-freedict-ara-eng");
        return;
    };
    println!(
        "dict: FreeDict parsed and cached in {:.0} ms ({} senses, {:?})",
        start.elapsed().as_secs_f64() * 1000.0,
        parsed.senses,
        parsed.origin
    );
    let cached = best(&mut || {
        let loaded = load_freedict(base, Some(cache.path())).unwrap().unwrap();
        assert_eq!(loaded.senses, parsed.senses);
        std::hint::black_box(loaded);
    });
    // The built-in lexicon with FreeDict merged in, as `align` starts.
    let merged = || {
        let mut lex = Lexicon::core();
        lex.extend(
            &load_freedict(base, Some(cache.path()))
                .unwrap()
                .unwrap()
                .lexicon,
        );
        lex.freeze();
        std::hint::black_box(lex);
    };
    let whole = best(&mut || merged());
    let whole_wall = (0..10)
        .map(|_| {
            let start = Instant::now();
            merged();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min);
    println!("dict: FreeDict from its cache {cached:.1} ms; built-in + FreeDict merged {whole:.1} ms (CPU time of this thread, best of 10); {whole_wall:.1} ms wall (best of 10)");
}

/// CPU seconds of this process's waited-for children (user + system).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |k: usize| f.get(k).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // cutime and cstime are fields 16 and 17 of stat, 14 and 15 here.
    (ticks(13) + ticks(14)) / 100.0
}

/// Wall and CPU seconds of one `tarjuman align` run (output discarded).
fn align_process(ar: &Path, en: &Path, cache: &Path, extra: &[&str]) -> (f64, f64) {
    let (start, cpu) = (Instant::now(), children_cpu());
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tarjuman"))
        .env("XDG_CACHE_HOME", cache)
        .env("HOME", cache)
        .args(["--quiet", "align", "--input", "lines"])
        .args(extra)
        .arg(ar)
        .arg(en)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("tarjuman runs");
    let wall = start.elapsed().as_secs_f64();
    assert!(status.success(), "tarjuman align failed");
    (wall, children_cpu() - cpu)
}

/// The whole process's wall time (see the module comment).
fn process(units: &[Unit]) {
    const ROUNDS: usize = 9;
    let (ar, en, _) = document(units, 2_700, 7);
    let tmp = tempfile::TempDir::new().expect("a temporary folder");
    let write = |name: &str, lines: &[String]| {
        let path = tmp.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };
    let (ar_path, en_path) = (write("ar.txt", &ar), write("en.txt", &en));
    let (ar1, en1) = (write("ar1.txt", &ar[..1]), write("en1.txt", &en[..1]));
    let cache = tmp.path().join("cache");
    let freedict = Path::new(tarjuman::align::lexicon::cache::FREEDICT)
        .with_extension("index")
        .exists();
    // The first run parses FreeDict and writes its cache, as a user's
    // first `align` does; it is not counted.
    align_process(&ar1, &en1, &cache, &[]);
    let mut times: [Vec<f64>; 4] = Default::default();
    let mut cpu = [0.0; 4];
    for _ in 0..ROUNDS {
        let runs = [
            align_process(&ar_path, &en_path, &cache, &[]),
            align_process(&ar_path, &en_path, &cache, &["--no-freedict"]),
            align_process(&ar1, &en1, &cache, &[]),
            align_process(&ar1, &en1, &cache, &["--no-freedict"]),
        ];
        for (k, (wall, c)) in runs.into_iter().enumerate() {
            times[k].push(wall);
            cpu[k] += c / ROUNDS as f64;
        }
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0])
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "process: tarjuman align, wall clock, median and best of {ROUNDS} alternated runs (load average {}); FreeDict {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        if freedict { "installed, read from its cache" } else { "not installed" }
    );
    let labels = [
        format!("{} x {} lines", ar.len(), en.len()),
        format!("{} x {} lines, --no-freedict", ar.len(), en.len()),
        "1 x 1 line".to_string(),
        "1 x 1 line, --no-freedict".to_string(),
    ];
    let mut medians = [0.0; 4];
    let mut bests = [0.0; 4];
    for (k, v) in times.iter_mut().enumerate() {
        (medians[k], bests[k]) = stats(v);
        println!(
            "process: {:<32} {:.3} s median, {:.3} s best wall; {:.2} s CPU (mean, 10 ms ticks)",
            labels[k], medians[k], bests[k], cpu[k]
        );
    }
    println!(
        "process: dictionaries' cost to the process (1-line pair, with minus without): {:.0} ms median, {:.0} ms best",
        (medians[2] - medians[3]) * 1000.0,
        (bests[2] - bests[3]) * 1000.0
    );
}

fn main() {
    let units = units();
    assert!(!units.is_empty(), "no dev sets under tests/data/align");
    let opts = AlignOptions::default();
    // `cargo bench --bench align -- articles` runs only the parts named
    // (for a profiler); cargo's own `--bench` flag is not a name.
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| names.is_empty() || names.iter().any(|n| n == name);
    if wanted("articles") {
        run("articles", &units, 2_700, 7, &opts);
    }
    if wanted("book") {
        run("book", &units, 100_000, 11, &opts);
    }
    if wanted("dict") {
        dictionaries();
    }
    if names.iter().any(|n| n == "process") {
        process(&units);
    }
    if let Some(mb) = vm_hwm_mb() {
        println!("peak memory (VmHWM): {mb:.0} MB");
    }
}
