//! One level's search: the cost of every bead in a band (bead prior,
//! Gale–Church length term, lexical and paragraph terms, in nats), the
//! best path (Viterbi) and each bead's posterior (forward–backward). The
//! band is given (see `band`); cutting a long band in two is `solve`'s.

use super::band::Band;
use super::lex::{dups, dups_inside, pair_lex, Shared};
use super::{Model, Side, Step, BEADS};

/// Nats above the best way into a cell past which a bead is not costed
/// in full (its share of the cell's probability is below e^-PRUNE).
pub(super) const PRUNE: f64 = 25.0;

/// ln n!, exact from a table for small n, Stirling's series above.
#[inline]
pub(super) fn ln_factorial(n: u32) -> f64 {
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
pub(super) const CROSS_COST: f64 = 0.5 * std::f64::consts::LN_2;

/// −ln of the two-tailed normal probability of |z| or more, computed in
/// log space (Numerical Recipes' erfc, which never underflows here).
#[inline]
pub(super) fn neg_log_two_tail(z: f64) -> f64 {
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

pub(super) struct Lattice<'a> {
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
pub(super) struct Sums {
    len: f64,
    nums: u32,
    para_ends: u32,
}

pub(super) fn running_sums(side: &Side) -> Vec<Sums> {
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
pub(super) type Pairs = [Shared; 4];

/// Short lines (dates, captions, bylines, page debris) are the likeliest
/// to stand untranslated: the omission prior grows as the sentence gets
/// shorter, so that a scrap is not glued onto its neighbour as a 2-1. A
/// lead-in (`Now, therefore,`) is short but no scrap: it belongs to the
/// sentence after it.
pub(super) fn short_bonus(side: &Side) -> Vec<f64> {
    side.len
        .iter()
        .zip(&side.lead_in)
        .map(|(&l, &lead_in)| {
            if lead_in {
                0.0
            } else {
                (1.0 + 40.0 / (f64::from(l) + 5.0)).ln()
            }
        })
        .collect()
}

impl<'a> Lattice<'a> {
    /// `exact`: correct group evidence for items shared inside a group
    /// (the finest level); coarse levels make do with pairwise sums.
    pub(super) fn new(
        src: &'a Side,
        tgt: &'a Side,
        model: &'a Model,
        band: Band,
        exact: bool,
    ) -> Lattice<'a> {
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
    pub(super) fn group(&self, i: usize, j: usize, a: usize, b: usize, pairs: &Pairs) -> Shared {
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
    pub(super) fn split_cost(&self, j: usize, b: usize, lt: f64, pairs: &Pairs) -> f64 {
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
    /// (a word that brought two items) do not excuse another's misses,
    /// and a word two source sentences share is found by both when the
    /// target has it (a merge often says a repeated word once).
    #[inline]
    pub(super) fn missed(
        &self,
        i: usize,
        j: usize,
        a: usize,
        b: usize,
        shared: Shared,
        pairs: &Pairs,
    ) -> u32 {
        let trans = |s: usize| u32::from(self.src.trans[s]);
        if a == 1 {
            return trans(i - 1).saturating_sub(u32::from(shared.count - shared.nums));
        }
        // Two target sentences (2-2): an item found in both is one find.
        let both: &[u32] = match (b, self.tgt_dups.get(j.wrapping_sub(2))) {
            (2, Some(d)) => &d[0],
            _ => &[],
        };
        (i - a..i)
            .zip(pairs.chunks(b))
            .map(|(s, row)| {
                let mut found: u32 = row.iter().map(|p| u32::from(p.count - p.nums)).sum();
                for &x in both {
                    let number = self
                        .model
                        .is_number
                        .get(x as usize)
                        .copied()
                        .unwrap_or(false);
                    if !number && self.src.items[s].binary_search(&x).is_ok() {
                        found -= 1;
                    }
                }
                trans(s).saturating_sub(found)
            })
            .sum()
    }

    #[inline]
    pub(super) fn pair(&self, s: usize, t: usize) -> Shared {
        match self.band.index(s + 1, t + 1) {
            Some(idx) => self.lex[idx],
            None => pair_lex(&self.src.items[s], &self.tgt.items[t], self.model),
        }
    }

    /// Is node (i, j) a paragraph boundary on both sides? The bonus goes
    /// to every bead that ends at one, omissions included, so that a
    /// paragraph-final scrap is left out rather than glued on.
    #[inline]
    pub(super) fn boundary(&self, i: usize, j: usize) -> bool {
        let at = |side: &Side, k: usize| k == 0 || k == side.n() || side.para_end[k - 1];
        at(self.src, i) && at(self.tgt, j)
    }

    /// Cost of the bead of type `k` ending at node (i, j).
    #[inline]
    pub(super) fn cost(&self, k: usize, i: usize, j: usize) -> f64 {
        self.cost_below(k, i, j, f64::INFINITY)
            .unwrap_or(f64::INFINITY)
    }

    /// `cost`, or None as soon as a lower bound of it reaches `limit`.
    #[inline]
    pub(super) fn cost_below(&self, k: usize, i: usize, j: usize, limit: f64) -> Option<f64> {
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
        cost += m.miss_penalty * f64::from(self.missed(i, j, a, b, shared, &pairs));
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
    pub(super) fn pairs(&self, i: usize, j: usize, a: usize, b: usize) -> Pairs {
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
    pub(super) fn solve(&self, posteriors: bool) -> Vec<Step> {
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
                if a == 0 || b == 0 {
                    step.post = self.unaligned(step, &alpha, &beta, &costs, z);
                } else if let (Some(from), Some(to)) = (from, to) {
                    let lp = alpha[from] - f64::from(costs[to][k]) + beta[to] - z;
                    step.post = lp.exp().clamp(0.0, 1.0);
                }
            }
        }
        steps
    }

    /// The chance that an omission's sentence has no counterpart: the
    /// posteriors of its 1-0 (or 0-1) beads summed over every position of
    /// the other side. The posterior of the one bead on the path would
    /// split that chance among the places an omission next to it could
    /// sit (a run of omissions got 1/9, 2/9, … by position).
    fn unaligned(
        &self,
        step: &Step,
        alpha: &[f64],
        beta: &[f64],
        costs: &[[f32; 8]],
        z: f64,
    ) -> f64 {
        let band = &self.band;
        let mut sum = 0.0;
        let mut add = |from: Option<usize>, to: Option<usize>, k: usize| {
            if let (Some(from), Some(to)) = (from, to) {
                let lp = alpha[from] - f64::from(costs[to][k]) + beta[to] - z;
                sum += lp.exp();
            }
        };
        if step.b == 0 {
            // Arabic sentence i-1 left out, at any English position.
            let i = step.i;
            for j in band.lo[i]..=band.hi[i] {
                add(band.index(i - 1, j), band.index(i, j), 1);
            }
        } else {
            // English sentence j-1 left out, at any Arabic position: the
            // rows whose range holds column j (contiguous: the band is
            // monotone), searched out from the step's row.
            let j = step.j;
            let holds = |r: usize| band.lo[r] <= j && j <= band.hi[r];
            let mut r = step.i;
            while r > 0 && holds(r - 1) {
                r -= 1;
            }
            while r < band.lo.len() && holds(r) {
                add(band.index(r, j - 1), band.index(r, j), 2);
                r += 1;
            }
        }
        sum.clamp(0.0, 1.0)
    }

    pub(super) fn backward(&self, costs: &[[f32; 8]]) -> Vec<f64> {
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
pub(super) fn log_sum_exp(terms: &[f64; 8], top: f64) -> f64 {
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
