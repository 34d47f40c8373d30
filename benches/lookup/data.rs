//! The generated data of the lookup bench (`benches/lookup.rs`): words
//! with the frequencies of real Arabic or a Heaps'-law lexicon, sentences,
//! edited queries. `serve_load` uses them too.

use std::collections::HashMap;
use std::time::Duration;

pub(crate) const ARTICLE: &str = include_str!("../../samples/alaraby-2021-11-06-ar.txt");

/// Real Arabic running text in the repository: the source of the word
/// frequencies of `TARJUMAN_BENCH_VOCAB=real`.
pub(crate) const REAL_ARABIC: &[&str] = &[
    ARTICLE,
    include_str!("../../samples/new-article-ar.txt"),
    include_str!("../../tests/data/align/alaraby/ar.txt"),
    include_str!("../../tests/data/align/feature/ar.txt"),
    include_str!("../../tests/data/align/legal/ar.txt"),
    include_str!("../../tests/data/align/news2/ar.txt"),
    include_str!("../../tests/data/align/press/ar.txt"),
    include_str!("../../tests/data/align/report/ar.txt"),
];

pub(crate) const NEWS: &str =
    "في من على إلى عن مع بعد قبل أن إن كان قال أكد أعلن الرئيس الحكومة الوزير \
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
    pub(crate) words: Vec<String>,
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
pub(crate) fn apply_pattern(pattern: &str, root: &[char]) -> String {
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
pub(crate) fn arabic_vocab() -> Vec<String> {
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
pub(crate) const HEAPS_K: f64 = 44.0;
pub(crate) const HEAPS_BETA: f64 = 0.49;
/// Arabic newswire has 76 % more word types than English newswire of the
/// same size (Alotaiby, Foda & Alkharashi, "Arabic vs. English: Comparative
/// Statistical Study", Arabian J. Sci. Eng. 39 (2014) 809–820: Arabic and
/// English Gigaword, 600M words each), clitics being written attached.
pub(crate) const ARABIC_TYPES_FACTOR: f64 = 1.76;

/// Real triliteral roots common in news text.
pub(crate) const ROOTS: &str = "كتب قتل حرب سلم حكم قول عمل علم خرج دخل نقل قصف هجم جرح شرك \
    عرب سكن صحف نشر قرر وقف نفذ طلب رفض قبل وصل عود رجع فتح غلق سلح قود جيش حمل \
    دفع نزح لجأ بني هدم درس كشف حفظ نظم جمع فرق قسم حدد سير مرر قدم خدم صدر وجه \
    رسل بلغ شرح حضر غيب ظهر نصر هزم خسر ربح زيد نقص رفع خفض سقط طرد منع سمح ضرب \
    قبض سجن حرر خطف فجر دمر سيطر حصر عزل وفد زور لقي بحث فوض عقد صرح نفي اكد \
    علن سلط وزر نوب رشح نخب صوت شعب دول قوم وطن امن حمي دعم سعد نجد غوث صلح \
    قصد مال نفط غزو سعر صنع زرع تجر سوق بيع شري نتج صرف حول جلس ترك عبر";

/// Stem patterns (ف ع ل stand for the root letters).
pub(crate) const PATTERNS: [(&str, f64); 24] = [
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
pub(crate) const PREFIXES: [(&str, f64); 12] = [
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
pub(crate) const SUFFIXES: [(&str, f64); 14] = [
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

pub(crate) fn arabic_digits(n: u64) -> String {
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

/// The bench setting `name` from the environment, else `default`.
pub(crate) fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0–1) of ascending `sorted` times; zero for none.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}
