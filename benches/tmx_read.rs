//! TMX parse throughput and memory: generates Arabic–English TMX files of
//! 100k and 1M units (~300 bytes per unit) in a temp dir with the writer,
//! then reads them back with the reader (parse only, no SQLite).
//!
//! Run: `cargo bench --bench tmx_read` (or `-- 100000` for one size).
//! Prints write and read MB/s, units/s and the peak RSS during the read.

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use tarjuman::tmx::{TmxReader, TmxWriter};
use tarjuman::unit::{Header, Segment, Unit};

/// Sentences from the seed article and their translations.
const PAIRS: &[(&str, &str)] = &[
    ("المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية", "Iranian militias evacuate their largest military base in eastern Syria"),
    ("بدأت مليشيات تابعة لإيران، يوم الجمعة، بإخلاء عدد من مواقعها جنوب شرقي مدينة البوكمال", "On Friday, militias affiliated with Iran began evacuating several of their positions south-east of Albu Kamal"),
    ("وذكر موقع \"الشرق نيوز\" السوري المحلي أن المليشيات نقلت نحو 100 من ضباطها", "The local Syrian site \"Al-Sharq News\" reported that the militias moved about 100 of their officers"),
    ("وأوضح أن العناصر والضباط المنسحبين خرجوا من المنطقة على شكل أرتال", "It explained that the withdrawing fighters and officers left the area in convoys"),
    ("وتلقت تلك المليشيات أخيراً عشرات الضربات من طائرات أميركية وإسرائيلية", "These militias have recently been hit by dozens of American and Israeli air strikes"),
    ("أعلنت وزارة الخارجية الروسية أن الوزير سيرغي لافروف استقبل وفداً من المعارضة", "The Russian Foreign Ministry announced that Minister Sergei Lavrov received an opposition delegation"),
];

fn unit(i: usize) -> Unit {
    let (ar, en) = PAIRS[i % PAIRS.len()];
    let mut u = Unit::pair("ar", &format!("{ar} ({i})"), "en", &format!("{en} ({i})."));
    u.tuid = Some(i.to_string());
    u.stamp.creation_date = Some("20211106T090503Z".into());
    if i % 10 == 0 {
        // Every tenth unit carries inline codes and an escaped ampersand.
        u.variants[1].seg = Segment {
            markup: format!("<bpt i=\"1\" x=\"1\">&lt;b&gt;</bpt>{en}<ept i=\"1\">&lt;/b&gt;</ept> &amp; more ({i})."),
            plain: format!("{en} & more ({i})."),
        };
    }
    u
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time this thread has run, in seconds: the machine is shared, so
/// wall time alone says more about the neighbours than about the parser.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn reset_peak_rss() -> bool {
    // Linux ≥ 4.0: writing 5 resets VmHWM to the current RSS.
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn run(units: usize, dir: &std::path::Path) {
    let path = dir.join(format!("bench-{units}.tmx"));
    let t = Instant::now();
    let file = File::create(&path).unwrap();
    let mut w = TmxWriter::new(file, &Header::default()).unwrap();
    for i in 0..units {
        w.write_unit(&unit(i)).unwrap();
    }
    w.finish().unwrap().sync_all().unwrap();
    let write_s = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mb = bytes as f64 / 1e6;

    let reset = reset_peak_rss();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut r = TmxReader::new(BufReader::new(File::open(&path).unwrap())).unwrap();
    let mut n = 0usize;
    let mut chars = 0usize;
    while let Some(u) = r.next_unit().unwrap() {
        n += 1;
        chars += u.variants[0].seg.plain.len();
    }
    let read_s = t.elapsed().as_secs_f64();
    let read_cpu = cpu_seconds() - cpu;
    assert_eq!(n, units);
    assert!(chars > 0);
    println!(
        "{units:>8} units, {mb:7.1} MB ({:.0} B/unit): write {:6.2} s ({:6.1} MB/s); \
         read {:6.2} s wall ({:6.1} MB/s), {:6.2} s CPU ({:6.1} MB/s, {:>9.0} units/s); \
         peak RSS during read {} MB{}",
        bytes as f64 / units as f64,
        write_s,
        mb / write_s,
        read_s,
        mb / read_s,
        read_cpu,
        mb / read_cpu,
        units as f64 / read_cpu,
        peak_rss_kb() / 1024,
        if reset {
            ""
        } else {
            " (process peak: VmHWM reset unavailable)"
        },
    );
    std::fs::remove_file(&path).unwrap();
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let dir = tempfile::tempdir().unwrap();
    for units in sizes {
        run(units, dir.path());
    }
}
