//! What sentences share: the weight, count and numbers of the items two
//! sentences (or two groups of sentences) have in common, and the items
//! neighbouring sentences repeat (which a group must not count twice).
//! Set arithmetic on sorted item lists only; the cost built from it is in
//! `lattice`.

use super::{Model, Side};

/// What two groups of sentences share: the summed weight of the shared
/// items, how many there are and how many of them are numbers.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Shared {
    pub(super) weight: f32,
    pub(super) count: u16,
    pub(super) nums: u16,
}

/// Lexical evidence of one sentence pair.
#[inline]
pub(super) fn pair_lex(a: &[u32], b: &[u32], model: &Model) -> Shared {
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
pub(super) fn multi_lex(a: &[Vec<u32>], b: &[Vec<u32>], model: &Model) -> Shared {
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

pub(super) fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
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
pub(super) fn dups_inside(
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

pub(super) fn dups(side: &Side) -> Vec<[Vec<u32>; 2]> {
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
