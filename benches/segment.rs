//! How fast does `Segmenter::split` go? Generates a 100,000-sentence Arabic
//! book and an English one (paragraphs of 5 sentences, abbreviations,
//! numbers, quotes), splits each 5 times and prints the best time.
//!
//! Run: `cargo bench --bench segment`

use std::time::Instant;

use tarjuman::text::segment::{Lang, Segmenter};

const SENTENCES: usize = 100_000;

const ARABIC: &[&str] = &[
    "وقال د. محمد حسن إن المليشيات نقلت نحو 100 من عناصرها إلى الأراضي العراقية.",
    "وأشارت الوزارة في بيان إلى أن الطرفين تبادلا وجهات النظر بخصوص تطور الوضع في سورية؛ لأن الوضع خطير.",
    "هل ستنسحب القوات قبل نهاية عام ٢٠٢١؟",
    "وأكد أن «الحل سياسي» وأن نسبة النمو بلغت ٣٫٥ بالمئة في 2021.11.06.",
    "ولد الشاعر سنة 1950 م. وتوفي في القاهرة بعد أن نشر ج. 2 ص. 45 من ديوانه…",
];

const ENGLISH: &[&str] = &[
    "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 5 in Washington, D.C. and left.",
    "The U.S. government said growth was 2.5 percent, i.e. lower than expected.",
    "\"We will not withdraw,\" the spokesman said. \"Never.\"",
    "Why would they leave now? Nobody knows... and nobody asks.",
    "Apples, pears, etc. were sold by Acme Inc. The shop closed at No. 10 Main St. yesterday.",
];

fn book(sentences: &[&str]) -> String {
    let mut text = String::new();
    for i in 0..SENTENCES {
        text.push_str(sentences[i % sentences.len()]);
        text.push(if i % 5 == 4 { '\n' } else { ' ' });
    }
    text
}

/// Text built to hurt: 1 MB without spaces full of stops, and one
/// 1 MB sentence with a `؛` every two words.
fn hostile() -> [(&'static str, Lang, String); 3] {
    [
        ("glued stops", Lang::Arabic, "ب.".repeat(250_000)),
        ("glued stops", Lang::English, "a.".repeat(500_000)),
        ("semicolons", Lang::Arabic, "كلمة ؛ ".repeat(100_000)),
    ]
}

fn main() {
    for (lang, sentences) in [(Lang::Arabic, ARABIC), (Lang::English, ENGLISH)] {
        let text = book(sentences);
        let segmenter = Segmenter::new(lang);
        let mut best = f64::MAX;
        let mut count = 0;
        for _ in 0..5 {
            let start = Instant::now();
            count = segmenter.split(std::hint::black_box(&text)).len();
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{}: {} input sentences ({:.1} MB) -> {} sentences in {:.3} s ({:.0} MB/s, {:.0} k sentences/s)",
            lang.tag(),
            SENTENCES,
            text.len() as f64 / 1e6,
            count,
            best,
            text.len() as f64 / 1e6 / best,
            count as f64 / 1e3 / best,
        );
    }
    for (what, lang, text) in hostile() {
        let segmenter =
            Segmenter::new(lang).with_semicolon(tarjuman::text::segment::Semicolon::Long);
        let start = Instant::now();
        let count = segmenter.split(std::hint::black_box(&text)).len();
        println!(
            "{} {what}: {:.1} MB -> {count} sentences in {:.3} s",
            lang.tag(),
            text.len() as f64 / 1e6,
            start.elapsed().as_secs_f64()
        );
    }
}
