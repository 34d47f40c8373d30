//! The dynamic programme: the best monotone sequence of beads (1-1, 1-0,
//! 0-1, 2-1, 1-2, 2-2, 3-1, 1-3) under a cost that adds a bead-type prior,
//! a Gale–Church length term, a lexical term and a paragraph term, all in
//! nats (−ln probability). Each bead's confidence is its posterior
//! probability over *all* alignments (forward–backward), not a score
//! threshold: the chance the link is right, given the model.
//!
//! Long inputs are aligned coarse to fine (as vecalign does): adjacent
//! sentences are paired into blocks, the blocks aligned recursively, and the
//! block path, widened by a few cells, becomes the band the finer level
//! searches. Time and memory grow linearly with the text.

/// The bead types, as (source sentences, target sentences).
pub(crate) const BEADS: [(usize, usize); 8] = [
    (1, 1),
    (1, 0),
    (0, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (3, 1),
    (1, 3),
];

/// Below this many DP cells a level is searched in full.
const FULL_LIMIT: usize = 250_000;

/// How far around an earlier pass's sentence path the next pass searches
/// (the path is already at the sentence level, so less slack than around a
/// coarse block path).
const NEAR_MARGIN: usize = 4;

/// Nats above the best way into a cell past which a bead is not costed
/// in full (its share of the cell's probability is below e^-PRUNE).
const PRUNE: f64 = 25.0;

/// Items a coarse block keeps at most.
const COARSE_ITEMS: usize = 48;
/// Above this many cells a coarse level is coarsened further.
const COARSE_LIMIT: usize = 4_096;
/// How far around the projected coarse path a finer level searches.
const BAND_MARGIN: usize = 8;

/// One side of the text as the DP sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Side {
    pub len: Vec<f32>,
    /// Sorted item ids per sentence (multisets).
    pub items: Vec<Vec<u32>>,
    /// How many of the items are numbers.
    pub nums: Vec<u16>,
    /// How many words have a known translation (source side): in a right
    /// link most of them should meet their translation.
    pub trans: Vec<u16>,
    /// Does the sentence end a paragraph?
    pub para_end: Vec<bool>,
}

impl Side {
    pub fn n(&self) -> usize {
        self.len.len()
    }

    /// Pair adjacent sentences into blocks (the last may stay single).
    /// Blocks keep only informative items (numbers, and items worth at
    /// least a nat), each once, at most `COARSE_ITEMS` of the most
    /// informative: a coarse level only has to find the way, and like
    /// vecalign's averaged block embeddings a block's description must not
    /// grow with its size, or every level would cost as much as the finest.
    fn coarsen(&self, model: &Model) -> Side {
        let n = self.n();
        let mut out = Side::default();
        let mut i = 0;
        while i < n {
            let k = (i + 2).min(n);
            out.len.push(self.len[i..k].iter().sum());
            // Each sentence's items are sorted: merge, not sort.
            let mut items = if k - i == 2 {
                merge_sorted(&self.items[i], &self.items[i + 1])
            } else {
                self.items[i].clone()
            };
            items.dedup();
            let weight = |id: u32| {
                let id = id as usize;
                if model.is_number.get(id).copied().unwrap_or(false) {
                    f32::MAX
                } else {
                    model.weight.get(id).copied().unwrap_or(0.0)
                }
            };
            items.retain(|&id| weight(id) >= 1.0);
            if items.len() > COARSE_ITEMS {
                // A bottom-k sketch: numbers, then the items with the
                // smallest hash. Both sides pick by the same hash, so the
                // items they share survive on both (where picking by weight
                // would keep different ones on each side).
                let key = |id: u32| (weight(id) < f32::MAX, id.wrapping_mul(0x9E37_79B1));
                // The key is one-to-one, so selecting the k smallest
                // keeps the same set as sorting them all would.
                items.select_nth_unstable_by_key(COARSE_ITEMS, |&id| key(id));
                items.truncate(COARSE_ITEMS);
                items.sort_unstable();
            }
            let nums = items.iter().filter(|&&id| weight(id) == f32::MAX).count();
            out.nums.push(nums as u16);
            // No missed-translation charge at coarse levels: the sketch
            // drops most items on purpose.
            out.trans.push(0);
            out.items.push(items);

            out.para_end.push(self.para_end[k - 1]);
            i = k;
        }
        out
    }
}

/// The sorted union (with repeats) of two sorted lists.
fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        if a[x] <= b[y] {
            out.push(a[x]);
            x += 1;
        } else {
            out.push(b[y]);
            y += 1;
        }
    }
    out.extend_from_slice(&a[x..]);
    out.extend_from_slice(&b[y..]);
    out
}

/// The parameters of the cost.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Expected target characters per source character.
    pub ratio: f64,
    /// Variance of target length around `ratio × source length`, per character.
    pub var: f64,
    /// −ln prior of each bead type (same order as `BEADS`).
    pub prior: [f64; 8],
    /// Evidence (nats) each shared item adds, by item id.
    pub weight: Vec<f32>,
    pub is_number: Vec<bool>,
    /// Nats for a bead that ends a paragraph on both sides (and charged
    /// for a bead that runs across a paragraph end).
    pub para_bonus: f64,
    /// Nats charged per number left unmatched inside a bead.
    pub number_penalty: f64,
    /// Nats charged per source word with a known translation that finds
    /// none in the bead: −ln(1 − ρ), ρ the share of such words that do
    /// find theirs in right links.
    pub miss_penalty: f64,
}

impl Model {
    pub fn default_priors() -> [f64; 8] {
        // Arabic sentences are long: English splits them (1-2, 1-3) more
        // often than it merges them.
        let p: [f64; 8] = [0.86, 0.01, 0.01, 0.025, 0.06, 0.006, 0.004, 0.015];
        p.map(|x: f64| -x.ln())
    }
}

/// One bead of the result: source sentences [i-a, i), target [j-b, j).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Step {
    pub a: usize,
    pub b: usize,
    pub i: usize,
    pub j: usize,
    /// Posterior probability of this bead.
    pub post: f64,
}

/// The part of the (n+1)×(m+1) lattice searched: per row, a column range.
struct Band {
    lo: Vec<usize>,
    hi: Vec<usize>,
    /// Index of (row, lo[row]) in the flat cell arrays.
    start: Vec<usize>,
    cells: usize,
    /// The path the band was drawn around, at this level's scale (empty
    /// for a full band): where a long band may be cut in two.
    guide: Vec<(usize, usize)>,
}

impl Band {
    fn full(n: usize, m: usize) -> Band {
        Band::from_ranges(vec![0; n + 1], vec![m; n + 1])
    }

    fn from_ranges(lo: Vec<usize>, hi: Vec<usize>) -> Band {
        let mut start = Vec::with_capacity(lo.len());
        let mut cells = 0;
        for r in 0..lo.len() {
            start.push(cells);
            cells += hi[r] + 1 - lo[r];
        }
        Band {
            lo,
            hi,
            start,
            cells,
            guide: Vec::new(),
        }
    }

    #[inline]
    fn index(&self, i: usize, j: usize) -> Option<usize> {
        if j < self.lo[i] || j > self.hi[i] {
            None
        } else {
            Some(self.start[i] + j - self.lo[i])
        }
    }

    /// The band around a path whose nodes are `scale` times coarser than
    /// the n×m lattice (2 for the half-size level, 1 for a path already at
    /// this level).
    fn around(path: &[(usize, usize)], n: usize, m: usize, scale: usize, margin: usize) -> Band {
        let mut lo = vec![usize::MAX; n + 1];
        let mut hi = vec![0; n + 1];
        for w in path.windows(2) {
            let (i0, j0) = ((scale * w[0].0).min(n), (scale * w[0].1).min(m));
            let (i1, j1) = ((scale * w[1].0).min(n), (scale * w[1].1).min(m));
            for r in i0..=i1 {
                lo[r] = lo[r].min(j0);
                hi[r] = hi[r].max(j1);
            }
        }
        let k = margin;
        let mut wlo = vec![0; n + 1];
        let mut whi = vec![0; n + 1];
        for r in 0..=n {
            let from = r.saturating_sub(k);
            let to = (r + k).min(n);
            let l = (from..=to).map(|x| lo[x]).min().unwrap_or(0);
            let h = (from..=to).map(|x| hi[x]).max().unwrap_or(m);
            wlo[r] = l.saturating_sub(k);
            whi[r] = (h + k).min(m);
        }
        wlo[0] = 0;
        whi[n] = m;
        let mut band = Band::from_ranges(wlo, whi);
        band.guide = path
            .iter()
            .map(|&(i, j)| ((scale * i).min(n), (scale * j).min(m)))
            .collect();
        band
    }

    /// The rows `r0..=r1` and columns `c0..=c1` of the band, as the band of
    /// the sub-lattice from node (r0, c0) to node (r1, c1). The bounds are
    /// monotone (they come from a monotone path), so every row keeps a
    /// non-empty range.
    fn part(&self, (r0, c0): Node, (r1, c1): Node) -> Band {
        let mut lo = (r0..=r1)
            .map(|r| self.lo[r].clamp(c0, c1) - c0)
            .collect::<Vec<_>>();
        let mut hi = (r0..=r1)
            .map(|r| self.hi[r].clamp(c0, c1) - c0)
            .collect::<Vec<_>>();
        lo[0] = 0;
        hi[r1 - r0] = c1 - c0;
        for r in 0..lo.len() {
            hi[r] = hi[r].max(lo[r]);
        }
        Band::from_ranges(lo, hi)
    }
}

/// What two groups of sentences share: the summed weight of the shared
/// items, how many there are and how many of them are numbers.
#[derive(Debug, Clone, Copy, Default)]
struct Shared {
    weight: f32,
    count: u16,
    nums: u16,
}

/// Lexical evidence of one sentence pair.
#[inline]
fn pair_lex(a: &[u32], b: &[u32], model: &Model) -> Shared {
    let (mut x, mut y) = (0, 0);
    let mut out = Shared::default();
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                let id = a[x] as usize;
                out.weight += model.weight.get(id).copied().unwrap_or(0.0);
                out.count += 1;
                if model.is_number.get(id).copied().unwrap_or(false) {
                    out.nums += 1;
                }
                x += 1;
                y += 1;
            }
        }
    }
    out
}

/// Lexical evidence between two groups of sentences (multisets united).
fn multi_lex(a: &[Vec<u32>], b: &[Vec<u32>], model: &Model) -> Shared {
    let mut ia = [0usize; 3];
    let mut ib = [0usize; 3];
    let head = |sets: &[Vec<u32>], idx: &[usize; 3]| -> Option<u32> {
        sets.iter()
            .zip(idx)
            .filter_map(|(v, &k)| v.get(k).copied())
            .min()
    };
    // Count and consume every copy of `x` at the heads of `sets`.
    let take = |sets: &[Vec<u32>], idx: &mut [usize; 3], x: u32| -> u32 {
        let mut n = 0;
        for (v, k) in sets.iter().zip(idx.iter_mut()) {
            while v.get(*k) == Some(&x) {
                *k += 1;
                n += 1;
            }
        }
        n
    };
    let mut out = Shared::default();
    while let (Some(x), Some(y)) = (head(a, &ia), head(b, &ib)) {
        match x.cmp(&y) {
            std::cmp::Ordering::Less => {
                take(a, &mut ia, x);
            }
            std::cmp::Ordering::Greater => {
                take(b, &mut ib, y);
            }
            std::cmp::Ordering::Equal => {
                let shared = take(a, &mut ia, x).min(take(b, &mut ib, x));
                let id = x as usize;
                out.weight += shared as f32 * model.weight.get(id).copied().unwrap_or(0.0);
                out.count += shared as u16;
                if model.is_number.get(id).copied().unwrap_or(false) {
                    out.nums += shared as u16;
                }
            }
        }
    }
    out
}

/// ln n!, exact from a table for small n, Stirling's series above.
#[inline]
fn ln_factorial(n: u32) -> f64 {
    const TABLE: usize = 64;
    static LN_FACT: std::sync::OnceLock<[f64; TABLE]> = std::sync::OnceLock::new();
    let table = LN_FACT.get_or_init(|| {
        let mut t = [0.0; TABLE];
        for k in 1..TABLE {
            t[k] = t[k - 1] + (k as f64).ln();
        }
        t
    });
    if (n as usize) < TABLE {
        return table[n as usize];
    }
    let x = f64::from(n);
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
}

/// A 2-2 moves the boundary between two sentences, so its items cross it
/// and each may sit in either target sentence: ln 2 each, halved because
/// neighbouring items travel together.
const CROSS_COST: f64 = 0.5 * std::f64::consts::LN_2;

/// −ln of the two-tailed normal probability of |z| or more, computed in
/// log space (Numerical Recipes' erfc, which never underflows here).
#[inline]
fn neg_log_two_tail(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    -(t.ln() + poly)
}

struct Lattice<'a> {
    src: &'a Side,
    tgt: &'a Side,
    model: &'a Model,
    band: Band,
    /// Lexical evidence of sentence pair (i-1, j-1), stored at node (i, j).
    lex: Vec<Shared>,
    /// Items each source sentence shares with the next one and the one
    /// after (what a group would count twice), and the same for the target.
    src_dups: Vec<[Vec<u32>; 2]>,
    tgt_dups: Vec<[Vec<u32>; 2]>,
    /// Per sentence, how much cheaper its omission is for being short.
    src_short: Vec<f64>,
    tgt_short: Vec<f64>,
    /// Running totals over the sentences (entry k: sentences 0..k), so a
    /// group's length, numbers and paragraph ends are two lookups.
    src_sums: Vec<Sums>,
    tgt_sums: Vec<Sums>,
}

/// Running totals of a side (see `Lattice::src_sums`).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    len: f64,
    nums: u32,
    para_ends: u32,
}

fn running_sums(side: &Side) -> Vec<Sums> {
    let mut out = Vec::with_capacity(side.n() + 1);
    let mut acc = Sums::default();
    out.push(acc);
    for k in 0..side.n() {
        acc.len += f64::from(side.len[k]);
        acc.nums += u32::from(side.nums[k]);
        acc.para_ends += u32::from(side.para_end[k]);
        out.push(acc);
    }
    out
}

/// The pairwise evidence of a bead's sentence pairs, source-major
/// (a·b ≤ 4 for every bead type).
type Pairs = [Shared; 4];

/// Short lines (dates, captions, bylines, page debris) are the likeliest
/// to stand untranslated: the omission prior grows as the sentence gets
/// shorter, so that a scrap is not glued onto its neighbour as a 2-1.
fn short_bonus(side: &Side) -> Vec<f64> {
    side.len
        .iter()
        .map(|&l| (1.0 + 40.0 / (f64::from(l) + 5.0)).ln())
        .collect()
}

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut x, mut y) = (0, 0);
    let mut out = Vec::new();
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                if out.last() != Some(&a[x]) {
                    out.push(a[x]);
                }
                x += 1;
                y += 1;
            }
        }
    }
    out
}

/// The duplicate sets of `dups` between two sentences both in `group`.
fn dups_inside(
    dups: &[[Vec<u32>; 2]],
    group: std::ops::Range<usize>,
) -> impl Iterator<Item = &Vec<u32>> {
    let end = group.end;
    group.flat_map(move |s| {
        dups[s]
            .iter()
            .enumerate()
            .filter(move |(d, _)| s + d + 1 < end)
            .map(|(_, set)| set)
    })
}

fn dups(side: &Side) -> Vec<[Vec<u32>; 2]> {
    let n = side.n();
    (0..n)
        .map(|i| {
            let next = |k: usize| {
                if i + k < n {
                    intersect(&side.items[i], &side.items[i + k])
                } else {
                    Vec::new()
                }
            };
            [next(1), next(2)]
        })
        .collect()
}

impl<'a> Lattice<'a> {
    /// `exact`: correct group evidence for items shared inside a group
    /// (the finest level); coarse levels make do with pairwise sums.
    fn new(src: &'a Side, tgt: &'a Side, model: &'a Model, band: Band, exact: bool) -> Lattice<'a> {
        let mut lex = vec![Shared::default(); band.cells];
        for i in 1..=src.n() {
            for j in band.lo[i].max(1)..=band.hi[i] {
                let idx = band.start[i] + j - band.lo[i];
                lex[idx] = pair_lex(&src.items[i - 1], &tgt.items[j - 1], model);
            }
        }
        Lattice {
            src,
            tgt,
            model,
            band,
            lex,
            src_short: short_bonus(src),
            tgt_short: short_bonus(tgt),
            src_sums: running_sums(src),
            tgt_sums: running_sums(tgt),
            src_dups: if exact {
                dups(src)
            } else {
                vec![Default::default(); src.n()]
            },
            tgt_dups: if exact {
                dups(tgt)
            } else {
                vec![Default::default(); tgt.n()]
            },
        }
    }

    /// What two groups share, from the cached pairwise values: their sum
    /// counts an item k·l times when k source and l target sentences of
    /// the groups have it, where it should count min(k, l) times; the
    /// items that can be over-counted are in the groups' duplicate sets.
    fn group(&self, i: usize, j: usize, a: usize, b: usize, pairs: &Pairs) -> Shared {
        let mut sh = Shared::default();
        for p in &pairs[..a * b] {
            sh.weight += p.weight;
            sh.count += p.count;
            sh.nums += p.nums;
        }
        // Candidates on the stack: groups are at most 3 sentences and
        // their duplicate sets small; past 64 the rest is ignored.
        let mut cands = [0u32; 64];
        let mut nc = 0;
        if sh.count == 0 {
            // Nothing shared pairwise: nothing to over-count.
            return sh;
        }
        // Only duplicates of two sentences both inside the group can be
        // over-counted (a group spans at most 3 sentences, so any item two
        // of its sentences share is in one of these sets).
        let dup_sets =
            dups_inside(&self.src_dups, i - a..i).chain(dups_inside(&self.tgt_dups, j - b..j));
        for set in dup_sets {
            for &x in set {
                if nc < cands.len() && !cands[..nc].contains(&x) {
                    cands[nc] = x;
                    nc += 1;
                }
            }
        }
        if nc == 0 {
            return sh;
        }
        let cands = &cands[..nc];
        let has = |v: &Vec<u32>, x: u32| v.binary_search(&x).is_ok();
        for &x in cands {
            let ka = (i - a..i).filter(|&s| has(&self.src.items[s], x)).count();
            let kb = (j - b..j).filter(|&t| has(&self.tgt.items[t], x)).count();
            let extra = (ka * kb).saturating_sub(ka.min(kb));
            // Only within the group: a duplicate set may reach outside it.
            if extra == 0 {
                continue;
            }
            let id = x as usize;
            sh.weight -= extra as f32 * self.model.weight.get(id).copied().unwrap_or(0.0);
            sh.count = sh.count.saturating_sub(extra as u16);
            if self.model.is_number.get(id).copied().unwrap_or(false) {
                sh.nums = sh.nums.saturating_sub(extra as u16);
            }
        }
        sh
    }

    /// Where the items of a split (one source sentence into the `b` target
    /// sentences ending before `j`, `lt` characters in all, `pairs` their
    /// evidence) fall. Each
    /// item's weight ln(ρ/q) is the evidence of finding it in one given
    /// sentence; the split says in which. A translator keeps the order and
    /// cuts the sentence into parts whose sizes follow their lengths, so
    /// the counts per target sentence are multinomial with the length
    /// shares as chances: a part carrying its share costs little however
    /// much evidence there is, a part carrying nothing (a "Read more" line
    /// glued on) costs ln(1/share) per item the others carry.
    #[inline]
    fn split_cost(&self, j: usize, b: usize, lt: f64, pairs: &Pairs) -> f64 {
        let mut total = 0u32;
        let mut cost = 0.0;
        for (t, p) in (j - b..j).zip(pairs) {
            let n = u32::from(p.count);
            if n == 0 {
                continue;
            }
            let share = f64::from(self.tgt.len[t]).max(1.0) / lt.max(1.0);
            cost += ln_factorial(n) - f64::from(n) * share.ln();
            total += n;
        }
        cost - ln_factorial(total)
    }

    /// Source words with a known translation that found none in the
    /// bead, counted per source sentence: one sentence's extra matches
    /// (a word that brought two items) do not excuse another's misses.
    #[inline]
    fn missed(&self, i: usize, a: usize, b: usize, shared: Shared, pairs: &Pairs) -> u32 {
        let trans = |s: usize| u32::from(self.src.trans[s]);
        let group = (i - a..i)
            .map(trans)
            .sum::<u32>()
            .saturating_sub(u32::from(shared.count - shared.nums));
        if a == 1 {
            return group;
        }
        // Pairwise sums count an item found in two target sentences twice:
        // the group's exact count bounds the misses from below too.
        let per_sentence = (i - a..i)
            .zip(pairs.chunks(b))
            .map(|(s, row)| {
                let found: u32 = row.iter().map(|p| u32::from(p.count - p.nums)).sum();
                trans(s).saturating_sub(found)
            })
            .sum();
        group.max(per_sentence)
    }

    #[inline]
    fn pair(&self, s: usize, t: usize) -> Shared {
        match self.band.index(s + 1, t + 1) {
            Some(idx) => self.lex[idx],
            None => pair_lex(&self.src.items[s], &self.tgt.items[t], self.model),
        }
    }

    /// Is node (i, j) a paragraph boundary on both sides? The bonus goes
    /// to every bead that ends at one, omissions included, so that a
    /// paragraph-final scrap is left out rather than glued on.
    #[inline]
    fn boundary(&self, i: usize, j: usize) -> bool {
        let at = |side: &Side, k: usize| k == 0 || k == side.n() || side.para_end[k - 1];
        at(self.src, i) && at(self.tgt, j)
    }

    /// Cost of the bead of type `k` ending at node (i, j).
    #[inline]
    fn cost(&self, k: usize, i: usize, j: usize) -> f64 {
        self.cost_below(k, i, j, f64::INFINITY)
            .unwrap_or(f64::INFINITY)
    }

    /// `cost`, or None as soon as a lower bound of it reaches `limit`.
    #[inline]
    fn cost_below(&self, k: usize, i: usize, j: usize, limit: f64) -> Option<f64> {
        let (a, b) = BEADS[k];
        let m = self.model;
        let mut cost = m.prior[k];
        if a == 0 || b == 0 {
            // Short lines are cheaper to leave out (see `short_bonus`).
            cost -= if a == 1 {
                self.src_short[i - 1]
            } else {
                self.tgt_short[j - 1]
            };
            if m.para_bonus > 0.0 && self.boundary(i, j) {
                cost -= m.para_bonus;
            }
            return Some(cost);
        }
        let (ss, ts) = (&self.src_sums, &self.tgt_sums);
        let ls = ss[i].len - ss[i - a].len;
        let lt = ts[j].len - ts[j - b].len;
        let pairs = self.pairs(i, j, a, b);
        // Every term but the shared items' weight (at most the pairwise
        // sum) and the paragraph bonus adds; the length term is at least
        // z²/2 (the normal tail is below e^(-z²/2)).
        let most: f32 = pairs[..a * b].iter().map(|p| p.weight).sum();
        let boundary = m.para_bonus > 0.0 && self.boundary(i, j);
        let bonus = if boundary { m.para_bonus } else { 0.0 };
        let rebate = f64::from(most) + bonus;
        let mean_len = ((ls + lt / m.ratio) / 2.0).max(1.0);
        let diff = lt - m.ratio * ls;
        if cost + 0.5 * diff * diff / (m.var * mean_len) - rebate >= limit {
            return None;
        }
        cost += neg_log_two_tail(diff / (m.var * mean_len).sqrt());
        if cost - rebate >= limit {
            return None;
        }
        let shared = if a == 1 && b == 1 {
            pairs[0]
        } else {
            // Items shared by the groups as wholes: summing the pairwise
            // evidence would count an item twice when both source
            // sentences share it with the target.
            self.group(i, j, a, b, &pairs)
        };
        cost -= f64::from(shared.weight);
        if a == 1 && b > 1 {
            cost += self.split_cost(j, b, lt, &pairs);
        } else if b > 1 {
            cost += CROSS_COST * f64::from(shared.count);
        }
        let matched_nums = u32::from(shared.nums);
        let src_nums = ss[i].nums - ss[i - a].nums;
        let tgt_nums = ts[j].nums - ts[j - b].nums;
        let unmatched =
            src_nums.saturating_sub(matched_nums) + tgt_nums.saturating_sub(matched_nums);
        cost += m.miss_penalty * f64::from(self.missed(i, a, b, shared, &pairs));
        cost += m.number_penalty * f64::from(unmatched);

        if m.para_bonus > 0.0 {
            cost -= bonus;
            // Paragraph ends inside the groups (not at their last sentence).
            let crossings = ss[i - 1].para_ends - ss[i - a].para_ends + ts[j - 1].para_ends
                - ts[j - b].para_ends;
            cost += m.para_bonus * f64::from(crossings);
        }
        Some(cost)
    }

    /// The pairwise evidence of the bead's sentence pairs.
    #[inline]
    fn pairs(&self, i: usize, j: usize, a: usize, b: usize) -> Pairs {
        let mut out = Pairs::default();
        let mut k = 0;
        for s in i - a..i {
            for t in j - b..j {
                out[k] = self.pair(s, t);
                k += 1;
            }
        }
        out
    }

    /// Viterbi path (as steps) plus, when asked, posteriors by
    /// forward–backward over the same band.
    fn solve(&self, posteriors: bool) -> Vec<Step> {
        let (n, m) = (self.src.n(), self.tgt.n());
        let band = &self.band;
        let mut best = vec![f64::INFINITY; band.cells];
        let mut back = vec![u8::MAX; band.cells];
        let mut alpha = if posteriors {
            vec![f64::NEG_INFINITY; band.cells]
        } else {
            Vec::new()
        };
        // Bead costs ending at each cell, kept for the backward pass.
        let mut costs: Vec<[f32; 8]> = if posteriors {
            vec![[f32::INFINITY; 8]; band.cells]
        } else {
            Vec::new()
        };
        best[0] = 0.0;
        if posteriors {
            alpha[0] = 0.0;
        }
        for i in 0..=n {
            for j in band.lo[i]..=band.hi[i] {
                if i == 0 && j == 0 {
                    continue;
                }
                let here = band.start[i] + j - band.lo[i];
                let (mut b_cost, mut b_k) = (f64::INFINITY, u8::MAX);
                // Log-sum-exp of the incoming paths, with one log per cell.
                let mut terms = [f64::NEG_INFINITY; 8];
                let mut top = f64::NEG_INFINITY;
                for (k, &(a, b)) in BEADS.iter().enumerate() {
                    if a > i || b > j {
                        continue;
                    }
                    let Some(prev) = band.index(i - a, j - b) else {
                        continue;
                    };
                    if best[prev] == f64::INFINITY {
                        continue;
                    }
                    // A bead whose cost is bound to exceed the best way
                    // into this cell by PRUNE nats changes neither the
                    // best path nor (by more than e^-PRUNE) the sums.
                    let mut limit = b_cost + PRUNE - best[prev];
                    if posteriors {
                        limit = limit.max(alpha[prev] - top + PRUNE);
                    }
                    let Some(c) = self.cost_below(k, i, j, limit) else {
                        continue;
                    };
                    let total = best[prev] + c;
                    if total < b_cost {
                        b_cost = total;
                        b_k = k as u8;
                    }
                    if posteriors {
                        // The backward pass reads the stored (f32) cost:
                        // the forward pass uses the same, or over a long
                        // text the two drift apart and every posterior
                        // is off.
                        let stored = c as f32;
                        terms[k] = alpha[prev] - f64::from(stored);
                        top = top.max(terms[k]);
                        costs[here][k] = stored;
                    }
                }
                best[here] = b_cost;
                back[here] = b_k;
                if posteriors {
                    alpha[here] = log_sum_exp(&terms, top);
                }
            }
        }
        // Trace back.
        let mut steps = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 || j > 0 {
            let Some(idx) = band.index(i, j) else { break };
            let k = back[idx];
            if k == u8::MAX {
                break;
            }
            let (a, b) = BEADS[k as usize];
            steps.push(Step {
                a,
                b,
                i,
                j,
                post: 1.0,
            });
            i -= a;
            j -= b;
        }
        steps.reverse();
        if posteriors && !steps.is_empty() {
            let beta = self.backward(&costs);
            let z = alpha[band.cells - 1];
            for step in &mut steps {
                let (a, b) = BEADS
                    .iter()
                    .copied()
                    .find(|&(a, b)| a == step.a && b == step.b)
                    .unwrap_or((1, 1));
                let k = BEADS.iter().position(|&x| x == (a, b)).unwrap_or(0);
                let from = band.index(step.i - a, step.j - b);
                let to = band.index(step.i, step.j);
                if let (Some(from), Some(to)) = (from, to) {
                    let lp = alpha[from] - f64::from(costs[to][k]) + beta[to] - z;
                    step.post = lp.exp().clamp(0.0, 1.0);
                }
            }
        }
        steps
    }

    fn backward(&self, costs: &[[f32; 8]]) -> Vec<f64> {
        let (n, m) = (self.src.n(), self.tgt.n());
        let band = &self.band;
        let mut beta = vec![f64::NEG_INFINITY; band.cells];
        beta[band.cells - 1] = 0.0;
        for i in (0..=n).rev() {
            for j in (band.lo[i]..=band.hi[i]).rev() {
                if i == n && j == m {
                    continue;
                }
                let here = band.start[i] + j - band.lo[i];
                let mut terms = [f64::NEG_INFINITY; 8];
                let mut top = f64::NEG_INFINITY;
                for (k, &(a, b)) in BEADS.iter().enumerate() {
                    if i + a > n || j + b > m {
                        continue;
                    }
                    let Some(next) = band.index(i + a, j + b) else {
                        continue;
                    };
                    if beta[next] == f64::NEG_INFINITY {
                        continue;
                    }
                    terms[k] = beta[next] - f64::from(costs[next][k]);
                    top = top.max(terms[k]);
                }
                beta[here] = log_sum_exp(&terms, top);
            }
        }
        beta
    }
}

/// ln Σ exp(x) over `terms`, `top` their maximum: one log per cell
/// instead of one per pair of terms.
#[inline]
fn log_sum_exp(terms: &[f64; 8], top: f64) -> f64 {
    if top == f64::NEG_INFINITY {
        return top;
    }
    let sum: f64 = terms
        .iter()
        .filter(|&&x| x > f64::NEG_INFINITY)
        .map(|&x| (x - top).exp())
        .sum();
    top + sum.ln()
}

/// Align two sides: the best bead sequence with posteriors.
pub(crate) fn align(src: &Side, tgt: &Side, model: &Model) -> Vec<Step> {
    align_scored(src, tgt, model).0
}

/// `align`, with the cost (nats) of the best path.
pub(crate) fn align_scored(src: &Side, tgt: &Side, model: &Model) -> (Vec<Step>, f64) {
    solve(src, tgt, model, band_for(src, tgt, model), true, true)
}

/// `align_scored` near a known path of the same two sides (a pass with
/// an earlier model): the search keeps to a band around it instead of
/// finding its way again coarse to fine. Small texts are still searched
/// in full.
pub(crate) fn align_near(src: &Side, tgt: &Side, model: &Model, near: &[Step]) -> (Vec<Step>, f64) {
    let (n, m) = (src.n(), tgt.n());
    let band = if (n + 1) * (m + 1) <= FULL_LIMIT || n < 16 || m < 16 {
        Band::full(n, m)
    } else {
        let mut path = vec![(0, 0)];
        path.extend(near.iter().map(|s| (s.i, s.j)));
        Band::around(&path, n, m, 1, NEAR_MARGIN)
    };
    solve(src, tgt, model, band, true, true)
}

/// The cost (nats) of the best path, without posteriors.
pub(crate) fn best_cost(src: &Side, tgt: &Side, model: &Model) -> f64 {
    solve(src, tgt, model, band_for(src, tgt, model), true, false).1
}

/// The cost (nats) of a given path (steps of these two sides).
pub(crate) fn path_cost(src: &Side, tgt: &Side, model: &Model, steps: &[Step]) -> f64 {
    // No cells cached: the few pairs the path needs are computed on demand.
    let band = Band::from_ranges(vec![0; src.n() + 1], vec![0; src.n() + 1]);
    let lattice = Lattice::new(src, tgt, model, band, true);
    steps
        .iter()
        .map(|s| lattice.cost(bead_index(s), s.i, s.j))
        .sum()
}

/// Below this many cells a band is searched in one piece: the work is
/// too little to share between threads.
const SPLIT_CELLS: usize = 20_000;
/// Rows the two halves of a cut band share on each side of the cut: the
/// forced end of one half and the forced start of the other are this far
/// from the cut, far enough for the paths to have found their way back.
const OVERLAP: usize = 48;

/// The best path in `band` (with posteriors when asked) and its cost.
///
/// A long band is cut in two halves that overlap by 2 × `OVERLAP` rows:
/// the top half ends, and the bottom half starts, at nodes of the band's
/// guide path on either side of the middle row. The two are independent
/// and are solved on two threads where there are two cores. Where both
/// paths pass through the same node near the middle, the top path up to
/// it and the bottom path after it are each the best to and from that
/// node, so together they are the best path through it (the full search's
/// path whenever that passes through it too); with no common node, the
/// band is searched in one piece. The result does not depend on the
/// number of threads.
fn solve(
    src: &Side,
    tgt: &Side,
    model: &Model,
    band: Band,
    exact: bool,
    posteriors: bool,
) -> (Vec<Step>, f64) {
    // Asked once: on Linux the answer reads the cgroup files.
    static TWO_CORES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let two =
        *TWO_CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2));
    solve_with(src, tgt, model, band, exact, posteriors, two)
}

/// `solve`, on one thread or two.
fn solve_with(
    src: &Side,
    tgt: &Side,
    model: &Model,
    band: Band,
    exact: bool,
    posteriors: bool,
    two_threads: bool,
) -> (Vec<Step>, f64) {
    if let Some((start, mid, end)) = cut(&band, src.n()) {
        let origin = (0, 0);
        let last = (src.n(), tgt.n());
        let top = || solve_part(src, tgt, model, &band, origin, end, exact, posteriors);
        let bottom = || solve_part(src, tgt, model, &band, start, last, exact, posteriors);
        let (top, bottom) = if two_threads {
            std::thread::scope(|scope| {
                let top = scope.spawn(top);
                let bottom = bottom();
                (top.join().expect("the top half does not panic"), bottom)
            })
        } else {
            (top(), bottom())
        };
        if let Some(path) = splice(top, bottom, mid, start.0 + OVERLAP / 2..end.0 - OVERLAP / 2) {
            let cost = path.iter().map(|p| p.1).sum();
            return (path.into_iter().map(|p| p.0).collect(), cost);
        }
    }
    let lattice = Lattice::new(src, tgt, model, band, exact);
    let steps = lattice.solve(posteriors);
    let cost = steps
        .iter()
        .map(|s| lattice.cost(bead_index(s), s.i, s.j))
        .sum();
    (steps, cost)
}

/// A node of the lattice: (source sentences, target sentences) so far.
type Node = (usize, usize);

fn bead_index(s: &Step) -> usize {
    BEADS.iter().position(|&x| x == (s.a, s.b)).unwrap_or(0)
}

/// Where to cut a long band: the bottom half's start node, the middle
/// row and the top half's end node (nodes of the guide path), or None
/// when the band is short or has no guide.
fn cut(band: &Band, n: usize) -> Option<(Node, usize, Node)> {
    if band.cells < SPLIT_CELLS || n < 8 * OVERLAP || band.guide.is_empty() {
        return None;
    }
    let mid = n / 2;
    let start = *band.guide.iter().rev().find(|g| g.0 + OVERLAP <= mid)?;
    let end = *band.guide.iter().find(|g| g.0 >= mid + OVERLAP)?;
    (start.0 > 0 && end.0 < n && start.1 <= end.1).then_some((start, mid, end))
}

/// The best path of the sub-lattice from node `from` to node `to`, in the
/// whole lattice's coordinates, with each step's cost.
#[allow(clippy::too_many_arguments)]
fn solve_part(
    src: &Side,
    tgt: &Side,
    model: &Model,
    band: &Band,
    from: Node,
    to: Node,
    exact: bool,
    posteriors: bool,
) -> Vec<(Step, f64)> {
    let sub_src = slice(src, from.0..to.0);
    let sub_tgt = slice(tgt, from.1..to.1);
    let lattice = Lattice::new(&sub_src, &sub_tgt, model, band.part(from, to), exact);
    let steps = lattice.solve(posteriors);
    // A path that does not run from corner to corner (the band cut off
    // its way) is no path: the caller then searches in one piece.
    let corner_to_corner = steps.first().is_some_and(|s| s.i == s.a && s.j == s.b)
        && steps
            .last()
            .is_some_and(|s| (s.i, s.j) == (sub_src.n(), sub_tgt.n()));
    if !corner_to_corner {
        return Vec::new();
    }
    steps
        .into_iter()
        .map(|s| {
            let cost = lattice.cost(bead_index(&s), s.i, s.j);
            let step = Step {
                i: s.i + from.0,
                j: s.j + from.1,
                ..s
            };
            (step, cost)
        })
        .collect()
}

/// The top path up to, and the bottom path after, the node both pass
/// through in rows `rows` closest to row `mid`.
fn splice(
    top: Vec<(Step, f64)>,
    bottom: Vec<(Step, f64)>,
    mid: usize,
    rows: std::ops::Range<usize>,
) -> Option<Vec<(Step, f64)>> {
    let ends = |path: &[(Step, f64)]| -> Vec<(usize, usize)> {
        path.iter().map(|(s, _)| (s.i, s.j)).collect()
    };
    let (top_nodes, bottom_nodes) = (ends(&top), ends(&bottom));
    let node = top_nodes
        .iter()
        .filter(|n| rows.contains(&n.0) && bottom_nodes.binary_search(n).is_ok())
        .min_by_key(|n| n.0.abs_diff(mid))?;
    let p = top_nodes.binary_search(node).ok()?;
    let q = bottom_nodes.binary_search(node).ok()?;
    let mut path = top;
    path.truncate(p + 1);
    path.extend(bottom.into_iter().skip(q + 1));
    Some(path)
}

/// The weight of the items two bags share (any sizes).
pub(crate) fn shared_weight(a: &[u32], b: &[u32], model: &Model) -> f64 {
    f64::from(pair_lex(a, b, model).weight)
}

/// The sentences of a side in another order (`order[k]` = the old index
/// of the new k-th sentence).
pub(crate) fn permute(side: &Side, order: &[usize]) -> Side {
    Side {
        len: order.iter().map(|&i| side.len[i]).collect(),
        items: order.iter().map(|&i| side.items[i].clone()).collect(),
        nums: order.iter().map(|&i| side.nums[i]).collect(),
        trans: order.iter().map(|&i| side.trans[i]).collect(),
        para_end: order.iter().map(|&i| side.para_end[i]).collect(),
    }
}

/// The band a level searches: everything when small, else the widened
/// projection of the path found on the half-size texts.
fn band_for(src: &Side, tgt: &Side, model: &Model) -> Band {
    band_at(src, tgt, model, 0)
}

fn band_at(src: &Side, tgt: &Side, model: &Model, depth: usize) -> Band {
    let (n, m) = (src.n(), tgt.n());
    // The sentence level is searched in full up to FULL_LIMIT cells; a
    // coarse level's blocks carry many items each, so coarsening goes on
    // until the full search is small.
    let limit = if depth == 0 { FULL_LIMIT } else { COARSE_LIMIT };
    if (n + 1) * (m + 1) <= limit || n < 16 || m < 16 {
        return Band::full(n, m);
    }
    let (cs, ct) = (src.coarsen(model), tgt.coarsen(model));
    let coarse_band = band_at(&cs, &ct, model, depth + 1);
    let (steps, _) = solve(&cs, &ct, model, coarse_band, false, false);
    let mut path = vec![(0, 0)];
    path.extend(steps.iter().map(|s| (s.i, s.j)));
    Band::around(&path, n, m, 2, BAND_MARGIN)
}

/// The sentences `range` of a side, as a side of their own.
pub(crate) fn slice(side: &Side, range: std::ops::Range<usize>) -> Side {
    Side {
        len: side.len[range.clone()].to_vec(),
        items: side.items[range.clone()].to_vec(),
        nums: side.nums[range.clone()].to_vec(),
        trans: side.trans[range.clone()].to_vec(),
        para_end: side.para_end[range].to_vec(),
    }
}

/// How many non-number items the sides of one bead share.
pub(crate) fn matched_words(src: &Side, tgt: &Side, model: &Model, step: &Step) -> u32 {
    let a = &src.items[step.i - step.a..step.i];
    let b = &tgt.items[step.j - step.b..step.j];
    let shared = multi_lex(a, b, model);
    u32::from(shared.count - shared.nums)
}

/// The lexical evidence (nats) inside one bead.
pub(crate) fn evidence(src: &Side, tgt: &Side, model: &Model, step: &Step) -> f64 {
    let a = &src.items[step.i - step.a..step.i];
    let b = &tgt.items[step.j - step.b..step.j];
    f64::from(multi_lex(a, b, model).weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(lens: &[f32], items: &[&[u32]]) -> Side {
        Side {
            len: lens.to_vec(),
            items: items.iter().map(|x| x.to_vec()).collect(),
            nums: vec![0; lens.len()],
            trans: vec![0; lens.len()],
            para_end: vec![false; lens.len()],
        }
    }

    fn model(ids: usize) -> Model {
        Model {
            ratio: 1.3,
            var: 10.0,
            prior: Model::default_priors(),
            weight: vec![2.0; ids],
            is_number: vec![false; ids],
            para_bonus: 0.0,
            number_penalty: 1.0,
            miss_penalty: 0.0,
        }
    }

    #[test]
    fn two_tail_cost_is_small_near_zero_and_grows_quadratically() {
        assert!(neg_log_two_tail(0.0) < 1e-6);
        assert!((neg_log_two_tail(1.96) - (0.05f64).ln().abs()).abs() < 0.01);
        let far = neg_log_two_tail(40.0);
        assert!(far.is_finite() && far > 700.0);
    }

    #[test]
    fn a_merge_and_an_omission_are_found_with_posteriors() {
        // src: 100, 50+60 (one English sentence), 80, junk 40; tgt: 130, 143, 104.
        let src = side(
            &[100.0, 50.0, 60.0, 80.0, 40.0],
            &[&[1], &[2], &[3], &[4], &[]],
        );
        let tgt = side(&[130.0, 143.0, 104.0], &[&[1], &[2, 3], &[4]]);
        let steps = align(&src, &tgt, &model(5));
        let shape: Vec<(usize, usize)> = steps.iter().map(|s| (s.a, s.b)).collect();
        assert_eq!(shape, [(1, 1), (2, 1), (1, 1), (1, 0)]);
        for s in &steps {
            assert!(s.post > 0.5 && s.post <= 1.0, "{s:?}");
        }
    }

    #[test]
    fn the_banded_search_finds_the_same_path_as_the_full_one() {
        // 600 sentences each, with a 5-sentence omission in the middle.
        let n = 600;
        let mut sl = Vec::new();
        let mut si: Vec<Vec<u32>> = Vec::new();
        let mut tl = Vec::new();
        let mut ti: Vec<Vec<u32>> = Vec::new();
        for k in 0..n {
            let len = 40.0 + ((k * 37) % 90) as f32;
            sl.push(len);
            si.push(vec![k as u32]);
            if !(300..305).contains(&k) {
                tl.push(len * 1.3);
                ti.push(vec![k as u32]);
            }
        }
        let src = Side {
            len: sl,
            items: si,
            nums: vec![0; n],
            trans: vec![0; n],
            para_end: vec![false; n],
        };
        let tgt = Side {
            nums: vec![0; tl.len()],
            trans: vec![0; tl.len()],
            para_end: vec![false; tl.len()],
            len: tl,
            items: ti,
        };
        let m = model(n);
        let banded = align(&src, &tgt, &m);
        let full = Lattice::new(&src, &tgt, &m, Band::full(src.n(), tgt.n()), true).solve(false);
        let b: Vec<(usize, usize)> = banded.iter().map(|s| (s.i, s.j)).collect();
        let f: Vec<(usize, usize)> = full.iter().map(|s| (s.i, s.j)).collect();
        assert_eq!(b, f);
        assert_eq!(banded.iter().filter(|s| s.b == 0).count(), 5);
        // A second pass near the first one's path, with a changed model,
        // still finds the full search's path.
        let mut m2 = m.clone();
        m2.ratio = 1.25;
        let near = align_near(&src, &tgt, &m2, &banded).0;
        let full2 = Lattice::new(&src, &tgt, &m2, Band::full(src.n(), tgt.n()), true).solve(false);
        let n2: Vec<(usize, usize)> = near.iter().map(|s| (s.i, s.j)).collect();
        let f2: Vec<(usize, usize)> = full2.iter().map(|s| (s.i, s.j)).collect();
        assert_eq!(n2, f2);
    }

    /// A long text: 2,000 source sentences, the target scaled by 1.3 with
    /// some sentences left out and some merged; only every third sentence
    /// has an item, so posteriors are not all 1.
    fn long_text() -> (Side, Side) {
        let (mut src, mut tgt) = (side(&[], &[]), side(&[], &[]));
        let push = |s: &mut Side, len: f32, items: Vec<u32>| {
            s.len.push(len);
            s.items.push(items);
            s.nums.push(0);
            s.trans.push(0);
            s.para_end.push(false);
        };
        for k in 0..2_000u32 {
            let len = 30.0 + ((k * 37) % 90) as f32;
            let items = if k % 3 == 0 { vec![k] } else { Vec::new() };
            push(&mut src, len, items.clone());
            match k % 50 {
                7 => {}
                19 => {
                    let last = tgt.len.len() - 1;
                    tgt.len[last] += len * 1.3;
                    tgt.items[last].extend(items);
                }
                _ => push(&mut tgt, len * 1.3, items),
            }
        }
        (src, tgt)
    }

    #[test]
    fn a_long_band_cut_in_two_gives_the_one_piece_result_on_any_thread_count() {
        let (src, tgt) = long_text();
        let m = model(2_000);
        let band = || band_for(&src, &tgt, &m);
        assert!(
            cut(&band(), src.n()).is_some(),
            "the band is long enough to cut"
        );
        let two = solve_with(&src, &tgt, &m, band(), true, true, true);
        let one = solve_with(&src, &tgt, &m, band(), true, true, false);
        assert_eq!(two, one);
        // The same path, and the same posteriors to 1e-9: the halves only
        // lose the far tail of the paths through the other half (and the
        // forward and backward passes use the same stored costs, without
        // which the posteriors of a long text drift by far more).
        let whole = Lattice::new(&src, &tgt, &m, band(), true).solve(true);
        assert_eq!(whole.len(), two.0.len());
        for (w, t) in whole.iter().zip(&two.0) {
            assert_eq!((w.a, w.b, w.i, w.j), (t.a, t.b, t.i, t.j));
            assert!((w.post - t.post).abs() < 1e-9, "{w:?} {t:?}");
        }
    }

    #[test]
    fn halves_are_joined_only_at_a_node_both_paths_pass() {
        let path = |nodes: &[(usize, usize, usize, usize)]| -> Vec<(Step, f64)> {
            nodes
                .iter()
                .map(|&(a, b, i, j)| {
                    (
                        Step {
                            a,
                            b,
                            i,
                            j,
                            post: 1.0,
                        },
                        1.0,
                    )
                })
                .collect()
        };
        let top = path(&[(1, 1, 1, 1), (1, 1, 2, 2), (1, 1, 3, 3), (1, 1, 4, 4)]);
        // The bottom half starts at (1, 1) and passes (3, 3), not (2, 2).
        let bottom = path(&[(2, 2, 3, 3), (1, 1, 4, 4), (1, 1, 5, 5)]);
        let joined = splice(top.clone(), bottom.clone(), 2, 2..4).expect("(3, 3) is shared");
        let ends: Vec<(usize, usize)> = joined.iter().map(|(s, _)| (s.i, s.j)).collect();
        assert_eq!(ends, [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]);
        // No shared node in the rows allowed: no join.
        assert!(splice(top, bottom, 2, 1..3).is_none());
        assert!(splice(Vec::new(), path(&[(1, 1, 5, 5)]), 2, 1..4).is_none());
    }

    #[test]
    fn group_evidence_from_pairs_equals_the_exact_union() {
        // Sentences share items with their neighbours on both sides.
        let src = side(
            &[50.0; 5],
            &[&[1, 2, 3], &[2, 3, 4], &[3, 5], &[1, 5, 6], &[7]],
        );
        let tgt = side(&[60.0; 4], &[&[2, 3], &[3, 4, 5], &[1, 3, 5, 6], &[3, 7]]);
        let mut m = model(8);
        m.weight = vec![0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];
        let lattice = Lattice::new(&src, &tgt, &m, Band::full(5, 4), true);
        for &(a, b) in &BEADS[3..] {
            for i in a..=5 {
                for j in b..=4 {
                    let pairs = lattice.pairs(i, j, a, b);
                    let fast = lattice.group(i, j, a, b, &pairs);
                    let exact = multi_lex(&src.items[i - a..i], &tgt.items[j - b..j], &m);
                    assert!(
                        (fast.weight - exact.weight).abs() < 1e-4,
                        "{a}-{b} at {i},{j}"
                    );
                    assert_eq!(fast.count, exact.count);
                }
            }
        }
    }

    #[test]
    fn a_long_sentence_split_in_three_stays_one_link() {
        // Source 1 (items 10..34) becomes three target sentences; source 2,
        // a short restatement, shares two of its words with the third and
        // is left out. The evidence of the split grows with its items, its
        // cost of placing them only with the log of their count.
        let big: Vec<u32> = (10..34).collect();
        let src = side(&[60.0, 250.0, 90.0], &[&[1], &big, &[30, 31, 40]]);
        let tgt = side(
            &[78.0, 150.0, 130.0, 120.0],
            &[&[1], &big[..8], &big[8..16], &big[16..]],
        );
        let mut m = model(41);
        m.var = 4.0;
        let shape: Vec<(usize, usize)> = align(&src, &tgt, &m).iter().map(|s| (s.a, s.b)).collect();
        assert_eq!(shape, [(1, 1), (1, 3), (1, 0)]);
    }

    #[test]
    fn one_sentences_extra_matches_do_not_excuse_anothers_misses() {
        // Source 1 brings two items per translatable word (a name and its
        // skeleton, say) and meets them all in target 1; source 2 has
        // three translatable words, meets one in target 2 and one, by
        // chance, in target 1. Two 1-1 links: a 2-2 would pool the counts
        // and let source 1's surplus pay for source 2's miss.
        let mut src = side(&[60.0, 40.0], &[&[1, 2, 3, 4, 5, 6], &[7, 8, 9]]);
        src.trans = vec![3, 3];
        let tgt = side(&[78.0, 52.0], &[&[1, 2, 3, 4, 5, 6, 9], &[7]]);
        let mut m = model(10);
        m.weight = vec![3.0; 10];
        m.weight[9] = 4.0;
        m.miss_penalty = 2.0;
        let shape: Vec<(usize, usize)> = align(&src, &tgt, &m).iter().map(|s| (s.a, s.b)).collect();
        assert_eq!(shape, [(1, 1), (1, 1)]);
    }

    #[test]
    fn empty_sides_give_only_omissions() {
        let src = side(&[10.0, 20.0], &[&[], &[]]);
        let tgt = side(&[], &[]);
        let steps = align(&src, &tgt, &model(0));
        assert_eq!(steps.len(), 2);
        assert!(steps.iter().all(|s| s.a == 1 && s.b == 0));
        let none = align(&tgt, &tgt, &model(0));
        assert!(none.is_empty());
    }
}
