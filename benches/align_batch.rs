//! A whole archive aligned and imported at once: `cargo bench --bench
//! align_batch` (`-- N` for another number of pairs than 1,000).
//!
//! Generates N article pairs of 40 Arabic sentences each, as running text
//! in paragraphs of three to five sentences, from the gold links of the
//! dev sets (`tests/data/align/*`), perturbed as translations are (an
//! English sentence left out now and then, a "Read more" line added), into
//! `ar/NNNN.txt` and `en/NNNN.txt`; then runs the release binary:
//! `tarjuman align --batch --import --no-freedict ar en` into a fresh TM, and
//! prints wall time, the process tree's CPU time, and what the TM holds.
//! Issue 18's target: 1,000 pairs in 30 s on 2 cores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

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
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Every 1-to-many gold link of the dev sets with both sides.
fn units() -> Vec<Unit> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/align");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/data/align exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("gold.tsv").exists())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let (ar, en) = (lines(&dir.join("ar.txt")), lines(&dir.join("en.txt")));
        let gold = std::fs::read_to_string(dir.join("gold.tsv")).unwrap_or_default();
        for link in gold.lines() {
            let Some((a, e)) = link.split_once('\t') else {
                continue;
            };
            let e = e.split('\t').next().unwrap_or("");
            let a: Vec<String> = ids(a)
                .into_iter()
                .filter_map(|i| ar.get(i).cloned())
                .collect();
            let e: Vec<String> = ids(e)
                .into_iter()
                .filter_map(|j| en.get(j).cloned())
                .collect();
            if !a.is_empty() && !e.is_empty() {
                out.push((a, e));
            }
        }
    }
    out
}

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// `n` in Arabic-Indic digits.
fn arabic_digits(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

/// One article pair of about 40 Arabic sentences, as running text. The
/// dev sets hold only so many links: each link drawn gets a number of its
/// own (`(رقم ١٢٣٤)` / `(no. 1234)`) before its last full stop, so that the
/// TM stores new units rather than skipping duplicates.
fn article(units: &[Unit], rng: &mut Lcg, serial: &mut usize) -> (String, String) {
    let tag = |s: &str, t: &str| match s.rfind(['.', '؟', '?', '!']) {
        Some(at) => format!("{} {t}{}", &s[..at], &s[at..]),
        None => format!("{s} {t}"),
    };
    let (mut ar, mut en) = (String::new(), String::new());
    let (mut n, mut in_para) = (0, 0);
    let para_len = 3 + rng.below(3) as usize;
    while n < 40 {
        let (a, e) = &units[rng.below(units.len() as u64) as usize];
        n += a.len();
        *serial += 1;
        let last = a.len() - 1;
        for (k, s) in a.iter().enumerate() {
            let s = if k == last {
                tag(s, &format!("(رقم {})", arabic_digits(*serial)))
            } else {
                s.clone()
            };
            ar.push_str(&s);
            ar.push(' ');
        }
        if rng.below(100) >= 3 {
            let last = e.len() - 1;
            for (k, s) in e.iter().enumerate() {
                let s = if k == last {
                    tag(s, &format!("(no. {serial})"))
                } else {
                    s.clone()
                };
                en.push_str(&s);
                en.push(' ');
            }
        }
        in_para += 1;
        if in_para == para_len {
            ar.push('\n');
            en.push('\n');
            in_para = 0;
        }
    }
    if rng.below(10) == 0 {
        en.push_str("\nRead more: the latest news from the region\n");
    }
    (ar, en)
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

fn main() {
    let pairs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000);
    let units = units();
    assert!(!units.is_empty(), "no dev sets under tests/data/align");
    let tmp = tempfile::TempDir::new().expect("a temporary folder");
    let (ar_dir, en_dir) = (tmp.path().join("ar"), tmp.path().join("en"));
    std::fs::create_dir_all(&ar_dir).unwrap();
    std::fs::create_dir_all(&en_dir).unwrap();
    let mut rng = Lcg(18);
    let (mut bytes, mut serial) = (0, 0);
    for k in 0..pairs {
        let (ar, en) = article(&units, &mut rng, &mut serial);
        bytes += ar.len() + en.len();
        std::fs::write(ar_dir.join(format!("{k:04}.txt")), ar).unwrap();
        std::fs::write(en_dir.join(format!("{k:04}.txt")), en).unwrap();
    }
    let db = tmp.path().join("tm.db");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "archive: {pairs} pairs of ~40 Arabic sentences, {:.1} MB, {} dev-set links to draw from; {cores} core(s)",
        bytes as f64 / 1e6,
        units.len()
    );
    let (start, cpu) = (Instant::now(), children_cpu());
    let out = Command::new(env!("CARGO_BIN_EXE_tarjuman"))
        .env("TARJUMAN_DB", &db)
        .args(["--quiet", "align", "--batch", "--import", "--no-freedict"])
        .arg(&ar_dir)
        .arg(&en_dir)
        .output()
        .expect("tarjuman runs");
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu() - cpu;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    println!(
        "align --batch --import: {wall:.1} s wall, {cpu:.1} s CPU; {} origins, {} units in the TM ({:.1} pairs/s)",
        count("SELECT count(*) FROM origin"),
        count("SELECT count(*) FROM unit"),
        pairs as f64 / wall
    );
}
