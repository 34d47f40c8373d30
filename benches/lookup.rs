//! Fuzzy lookup and concordance on a generated Arabic→English TM.
//! (Its data generators are `pub(crate)`: `serve_load` reuses them.)
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

const ARTICLE: &str = include_str!("../samples/alaraby-2021-11-06-ar.txt");

/// Real Arabic running text in the repository: the source of the word
/// frequencies of `TARJUMAN_BENCH_VOCAB=real`.
const REAL_ARABIC: &[&str] = &[
    ARTICLE,
    include_str!("../samples/new-article-ar.txt"),
    include_str!("../tests/data/align/alaraby/ar.txt"),
    include_str!("../tests/data/align/feature/ar.txt"),
    include_str!("../tests/data/align/legal/ar.txt"),
    include_str!("../tests/data/align/news2/ar.txt"),
    include_str!("../tests/data/align/press/ar.txt"),
    include_str!("../tests/data/align/report/ar.txt"),
];

const NEWS: &str = "في من على إلى عن مع بعد قبل أن إن كان قال أكد أعلن الرئيس الحكومة الوزير \
    وزارة الخارجية الداخلية الدفاع الجيش القوات الأمن الشرطة المعارضة النظام الشعب المواطنين \
    سورية العراق لبنان مصر الأردن إيران تركيا روسيا الولايات المتحدة الأمم المتحدة مجلس الأمن \
    القرار الاتفاق المفاوضات الحوار السلام الحرب القتال الهجوم القصف الغارات الضحايا القتلى \
    الجرحى المدنيين اللاجئين النازحين المساعدات الإنسانية الاقتصاد الأسعار الليرة الدولار النفط \
    الغاز الكهرباء المياه المستشفى المدرسة الجامعة الطلاب الانتخابات البرلمان النواب الحزب \
    المؤتمر الصحافي البيان المتحدث الرسمي مصادر محلية وكالة الأنباء التلفزيون الصحيفة التقرير \
    الأسبوع الماضي اليوم أمس غدا الشهر العام السنة الجاري المقبل صباح مساء يوم الأحد الاثنين \
    الثلاثاء الأربعاء الخميس الجمعة السبت مدينة محافظة ريف شمال جنوب شرق غرب وسط منطقة حدود \
    المعبر الطريق الدولي العاصمة دمشق حلب إدلب حمص دير الزور الرقة درعا بغداد بيروت القاهرة \
    عمان طهران أنقرة موسكو واشنطن باريس لندن مسؤول مسؤولون عسكري عسكرية سياسي سياسية اقتصادي \
    جديد جديدة كبير كبيرة أكبر أول آخر عدد عدة بين خلال حول ضد تحت فوق أيضا كما لكن حيث \
    التي الذي الذين هذا هذه ذلك تلك هناك هنا كل بعض جميع أكثر أقل نحو حوالي نسبة مليون ألف";

pub(crate) const ENGLISH: &str =
    "the of to and in a on for that was said government president minister \
    forces army security people city province north south east west border attack strikes \
    killed wounded civilians refugees aid talks agreement council resolution united nations \
    syria iraq lebanon iran turkey russia week year today yesterday new old first last \
    official sources agency report statement elections parliament party prices water power";

/// SplitMix64: small, seedable, good enough for test data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Words with a Zipf sampler.
pub(crate) struct Vocab {
    words: Vec<String>,
    cdf: Vec<f64>,
}

impl Vocab {
    /// Zipf (s = 1) over the ranks.
    pub(crate) fn new(words: Vec<String>) -> Vocab {
        Vocab::mandelbrot(words, 1.0, 0.0)
    }

    /// Zipf–Mandelbrot: p(r) ∝ 1 / (r + q)^s, r = 1, 2, …
    pub(crate) fn mandelbrot(words: Vec<String>, s: f64, q: f64) -> Vocab {
        let mut acc = 0.0;
        let cdf = (0..words.len())
            .map(|r| {
                acc += (r as f64 + 1.0 + q).powf(-s);
                acc
            })
            .collect();
        Vocab { words, cdf }
    }
    /// Explicit weights (need not sum to 1).
    pub(crate) fn weighted(words: Vec<String>, weights: &[f64]) -> Vocab {
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Vocab { words, cdf }
    }

    pub(crate) fn pick(&self, rng: &mut Rng) -> &str {
        let total = *self.cdf.last().unwrap();
        let x = (rng.next() as f64 / u64::MAX as f64) * total;
        let i = self
            .cdf
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

/// A pattern (ف ع ل standing for the root's three letters) filled with a root.
fn apply_pattern(pattern: &str, root: &[char]) -> String {
    pattern
        .chars()
        .map(|c| match c {
            'ف' => root[0],
            'ع' => root[1],
            'ل' => root[2],
            other => other,
        })
        .collect()
}
fn arabic_vocab() -> Vec<String> {
    let mut base: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for w in NEWS
        .split_whitespace()
        .chain(ARTICLE.split(|c: char| !c.is_alphabetic()))
    {
        if w.chars().count() >= 2
            && w.chars().all(|c| ('\u{0621}'..='\u{064A}').contains(&c))
            && seen.insert(w.to_string())
        {
            base.push(w.to_string());
        }
    }
    let mut words = base.clone();
    // Clitic and suffix variants of the real words.
    for w in &base {
        for p in ["و", "ب", "ل", "ف"] {
            words.push(format!("{p}{w}"));
        }
        if !w.starts_with("ال") {
            words.push(format!("ال{w}"));
            for s in ["ها", "هم", "ات", "ين"] {
                words.push(format!("{w}{s}"));
            }
        }
    }
    // Root-and-pattern forms of generated roots (ف ع ل → the root letters).
    let letters: Vec<char> = "بتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
    let patterns = [
        "فعل",
        "فاعل",
        "مفعول",
        "تفعيل",
        "استفعال",
        "مفعل",
        "فعيل",
        "فعال",
        "افتعال",
        "تفاعل",
    ];
    let mut rng = Rng(7);
    for _ in 0..300 {
        let root = [
            letters[rng.below(letters.len())],
            letters[rng.below(letters.len())],
            letters[rng.below(letters.len())],
        ];
        for p in patterns {
            words.push(apply_pattern(p, &root));
        }
    }
    // Frequent words first, the rest shuffled into the tail.
    let head = base.len().min(120);
    let mut tail = words.split_off(head);
    for i in (1..tail.len()).rev() {
        tail.swap(i, rng.below(i + 1));
    }
    words.extend(tail);
    words.dedup();
    words
}

/// Heaps' law V = K·T^β for English newswire: K = 44, β = 0.49 on
/// Reuters-RCV1 (Manning, Raghavan & Schütze, *Introduction to Information
/// Retrieval*, 2008, §5.1.1).
const HEAPS_K: f64 = 44.0;
const HEAPS_BETA: f64 = 0.49;
/// Arabic newswire has 76 % more word types than English newswire of the
/// same size (Alotaiby, Foda & Alkharashi, "Arabic vs. English: Comparative
/// Statistical Study", Arabian J. Sci. Eng. 39 (2014) 809–820: Arabic and
/// English Gigaword, 600M words each), clitics being written attached.
const ARABIC_TYPES_FACTOR: f64 = 1.76;

/// Real triliteral roots common in news text.
const ROOTS: &str = "كتب قتل حرب سلم حكم قول عمل علم خرج دخل نقل قصف هجم جرح شرك \
    عرب سكن صحف نشر قرر وقف نفذ طلب رفض قبل وصل عود رجع فتح غلق سلح قود جيش حمل \
    دفع نزح لجأ بني هدم درس كشف حفظ نظم جمع فرق قسم حدد سير مرر قدم خدم صدر وجه \
    رسل بلغ شرح حضر غيب ظهر نصر هزم خسر ربح زيد نقص رفع خفض سقط طرد منع سمح ضرب \
    قبض سجن حرر خطف فجر دمر سيطر حصر عزل وفد زور لقي بحث فوض عقد صرح نفي اكد \
    علن سلط وزر نوب رشح نخب صوت شعب دول قوم وطن امن حمي دعم سعد نجد غوث صلح \
    قصد مال نفط غزو سعر صنع زرع تجر سوق بيع شري نتج صرف حول جلس ترك عبر";

/// Stem patterns (ف ع ل stand for the root letters).
const PATTERNS: [(&str, f64); 24] = [
    ("فعل", 10.0),
    ("فاعل", 5.0),
    ("مفعول", 3.0),
    ("تفعيل", 3.0),
    ("استفعال", 2.0),
    ("مفعل", 3.0),
    ("فعيل", 3.0),
    ("فعال", 3.0),
    ("افتعال", 2.0),
    ("تفاعل", 2.0),
    ("انفعال", 1.0),
    ("مفاعل", 2.0),
    ("فعالة", 2.0),
    ("يفعل", 5.0),
    ("تفعل", 3.0),
    ("نفعل", 1.0),
    ("أفعل", 2.0),
    ("فعلت", 3.0),
    ("فعلوا", 2.0),
    ("يفعلون", 2.0),
    ("مفعلة", 2.0),
    ("فعول", 1.0),
    ("أفعال", 2.0),
    ("فواعل", 1.0),
];

/// Proclitics (conjunction, preposition, article) with rough weights.
const PREFIXES: [(&str, f64); 12] = [
    ("", 50.0),
    ("ال", 20.0),
    ("وال", 6.0),
    ("بال", 5.0),
    ("و", 6.0),
    ("لل", 3.0),
    ("ب", 3.0),
    ("ل", 2.0),
    ("ف", 1.0),
    ("فال", 1.0),
    ("كال", 0.5),
    ("س", 0.5),
];

/// Gender/number endings and pronoun enclitics with rough weights.
const SUFFIXES: [(&str, f64); 14] = [
    ("", 45.0),
    ("ة", 12.0),
    ("ات", 6.0),
    ("ين", 4.0),
    ("ون", 3.0),
    ("ه", 4.0),
    ("ها", 4.0),
    ("هم", 3.0),
    ("هما", 0.5),
    ("نا", 2.0),
    ("كم", 0.5),
    ("ي", 3.0),
    ("يه", 1.0),
    ("ان", 2.0),
];

/// Word forms for a TM of `tokens` running words, sized by Heaps' law
/// (types = 1.76 · 44 · T^0.49: ~300,000 forms for the ~23M words of 1M
/// units, ~100,000 for 100k units). The 184 real function words and news
/// words come first; then every prefix + root-pattern stem + suffix form of
/// the real roots, ranked by the product of their morphemes' weights
/// (roots Zipf-distributed) with a little noise, cut at the Heaps size.
/// Sampled with Zipf–Mandelbrot (s = 1, q = 2.7) over these ranks, nearly
/// every form of the lexicon occurs, so the observed types follow Heaps'
/// law as the TM grows (the bench prints the observed count).
pub(crate) fn heaps_vocab(tokens: f64) -> Vec<String> {
    let target = (ARABIC_TYPES_FACTOR * HEAPS_K * tokens.powf(HEAPS_BETA)) as usize;
    let mut words: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for w in NEWS.split_whitespace() {
        if seen.insert(w.to_string()) {
            words.push(w.to_string());
        }
    }
    let roots: Vec<Vec<char>> = ROOTS
        .split_whitespace()
        .map(|r| r.chars().collect())
        .filter(|r: &Vec<char>| r.len() == 3)
        .collect();
    let mut rng = Rng(11);
    let mut forms: Vec<(f64, String)> = Vec::new();
    for (ri, root) in roots.iter().enumerate() {
        let root_w = 1.0 / (ri as f64 + 1.0);
        for (p, pw) in PATTERNS {
            let stem = apply_pattern(p, root);
            for (pre, prew) in PREFIXES {
                for (suf, sufw) in SUFFIXES {
                    // Noise in [0.5, 1.5) so equal products do not tie.
                    let noise = 0.5 + (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                    forms.push((
                        root_w * pw * prew * sufw * noise,
                        format!("{pre}{stem}{suf}"),
                    ));
                }
            }
        }
    }
    forms.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, w) in forms {
        if words.len() >= target {
            break;
        }
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

/// `TARJUMAN_BENCH_VOCAB=real`: word frequencies as in real Arabic. The
/// words of the repository's Arabic texts (`REAL_ARABIC`) seen at least
/// twice keep their observed share of the running words (في، من، على، أن،
/// و… then occur in most segments, as in real text); after them comes a
/// Zipf tail (p ∝ 1/r past the last observed rank) over the words seen
/// once and then generated forms (`heaps_vocab`), as long as Heaps' law
/// asks for the run's token count, carrying together the share of the
/// running words that the words seen once carry in the texts. Returns the words and their
/// weights, most frequent first.
pub(crate) fn real_vocab(tokens: f64) -> (Vec<String>, Vec<f64>) {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut total = 0u64;
    for text in REAL_ARABIC {
        for raw in text.split_whitespace() {
            let w: String = raw
                .chars()
                .filter(|c| ('\u{0621}'..='\u{0652}').contains(c) || *c == '\u{0670}')
                .collect();
            if w.is_empty() || w.chars().all(|c| !('\u{0621}'..='\u{064A}').contains(&c)) {
                continue;
            }
            total += 1;
            let c = counts.entry(w.clone()).or_default();
            if *c == 0 {
                order.push(w);
            }
            *c += 1;
        }
    }
    // Most frequent first; first seen first among equals (deterministic).
    let mut ranked: Vec<(u64, usize, String)> = order
        .into_iter()
        .enumerate()
        .map(|(i, w)| (counts[&w], i, w))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut words = Vec::new();
    let mut weights = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (c, _, w) in &ranked {
        if *c >= 2 {
            seen.insert(w.clone());
            words.push(w.clone());
            weights.push(*c as f64 / total as f64);
        }
    }
    // The tail carries what the texts' words seen once carry of the
    // running words (p ∝ 1/r past the last observed rank, scaled to it).
    let once = ranked.iter().filter(|x| x.0 < 2).count() as f64 / total as f64;
    let r0 = words.len();
    let tail = ranked
        .iter()
        .filter(|x| x.0 < 2)
        .map(|x| x.2.clone())
        .chain(heaps_vocab(tokens));
    let target = (ARABIC_TYPES_FACTOR * HEAPS_K * tokens.powf(HEAPS_BETA)) as usize;
    for w in tail {
        if words.len() >= target.max(ranked.len()) {
            break;
        }
        if seen.insert(w.clone()) {
            words.push(w);
            weights.push(1.0 / (words.len() as f64));
        }
    }
    let tail_sum: f64 = weights[r0..].iter().sum();
    for w in &mut weights[r0..] {
        *w *= once / tail_sum;
    }
    (words, weights)
}

fn arabic_digits(n: u64) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap()).unwrap())
        .collect()
}

/// Sentence `i` of the TM: the same text for the same `i`.
pub(crate) fn sentence(vocab: &Vocab, rng: &mut Rng) -> Vec<String> {
    let len = 8 + rng.below(33);
    let mut words = Vec::with_capacity(len + 2);
    for k in 0..len {
        if rng.chance(4) {
            let n = 1 + rng.next() % 3000;
            words.push(if rng.chance(50) {
                arabic_digits(n)
            } else {
                n.to_string()
            });
        } else {
            let mut w = vocab.pick(rng).to_string();
            if k > 2 && rng.chance(6) {
                w.push('،');
            }
            words.push(w);
        }
    }
    words
}

pub(crate) fn english(vocab: &Vocab, rng: &mut Rng, len: usize) -> String {
    let mut s: Vec<&str> = (0..len).map(|_| vocab.pick(rng)).collect();
    s[0] = "The";
    s.join(" ") + "."
}

pub(crate) fn text(words: &[String]) -> String {
    words.join(" ") + "."
}

/// Edit a stored sentence: substitutions, deletions, insertions, harakat,
/// changed numbers.
pub(crate) fn edit(words: &[String], vocab: &Vocab, rng: &mut Rng) -> Vec<String> {
    let mut w = words.to_vec();
    let edits = match rng.below(4) {
        0 => 0,
        1 => 1 + rng.below(2),
        _ => 1 + rng.below((w.len() / 2).max(1)),
    };
    if edits == 0 {
        // Nearly exact: harakat on a word, or a number changed.
        let k = rng.below(w.len());
        if w[k].chars().next().is_some_and(|c| c.is_ascii_digit()) {
            w[k] = (1 + rng.next() % 3000).to_string();
        } else {
            w[k].push('َ');
        }
        return w;
    }
    for _ in 0..edits {
        let k = rng.below(w.len());
        match rng.below(3) {
            0 => w[k] = vocab.pick(rng).to_string(),
            1 if w.len() > 2 => {
                w.remove(k);
            }
            _ => w.insert(k, vocab.pick(rng).to_string()),
        }
    }
    w
}

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

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
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
