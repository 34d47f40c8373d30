//! From the model's posterior to the score a link is reported with.
//!
//! The DP's posterior is the chance a link is right *if the model were
//! true*; on the dev sets it is not quite: a 1-1 at 0.95 is right about
//! 92 % of the time, a doubtful 1-1 at 0.3 about half the time, an
//! omission's posterior says little (omissions are right 80–95 % of the
//! time almost whatever it is), and a doubtful merge is worse than its
//! posterior. So the reported score is a monotone map of the posterior's
//! log-odds, one per kind of link (1-1, merges, omissions), fitted on the
//! dev sets (`fit`, below). Being monotone within a kind and applied after
//! the search, it never changes which links are chosen, only their score.
//! It assumes the two texts are translations (`MIN_SUPPORT`).
//!
//! `FITTED` was made by `fit` from the links of the 13 dev sets in
//! `tests/data/align/` and of four copies of each with a different quarter
//! of its 1-1 English sentences taken out (2,194 links, posteriors of
//! pass two as `align` gives them); `cargo test --release --test
//! align_eval -- --nocapture` prints the refit, its difference from these
//! constants, and how it does on sets it was not fitted on. Refit when the
//! model changes.

/// The map is applied only when at least this share of a document's pairs
/// share lexical evidence (`Alignment::lexical_support`). It was fitted on
/// translations, where a doubtful 1-1 is still right most of the time;
/// two unrelated texts are not, and there it would lift every link to 0.7
/// or more. The dev sets and their copies with sentences dropped are at
/// 0.36 or more (`align_eval` checks 0.3); unrelated texts paired from
/// them share 8–21 % (one pair 38 %: the two overlap, so this catches
/// the plainly unrelated only). Below, the score stays the model's
/// posterior (and `align` warns that the texts may not be a translation).
pub const MIN_SUPPORT: f64 = 0.3;

/// The kinds of link that get a map of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// One sentence each side.
    OneToOne,
    /// 2-1, 1-2, 2-2, 3-1, 1-3.
    Merge,
    /// 1-0 or 0-1: the chance the sentence has no counterpart.
    Omission,
}

impl LinkKind {
    /// The kind of a link with `src` Arabic and `tgt` English sentences.
    pub fn of(src: usize, tgt: usize) -> LinkKind {
        match (src, tgt) {
            (1, 1) => LinkKind::OneToOne,
            (0, _) | (_, 0) => LinkKind::Omission,
            _ => LinkKind::Merge,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where the map is given: log-odds of the posterior. Most links sit
/// between 2 and 8 (posteriors 0.88 to 0.9997), one knot a nat there;
/// the few below get a knot every two nats. Beyond the ends the map is flat.
pub const KNOTS: [f64; 9] = [-2.0, 0.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];

/// A map: per kind (`LinkKind` order), the score at each knot.
pub type Map = [[f64; KNOTS.len()]; 3];

/// The map `align` uses (see the module doc for how it was fitted).
#[rustfmt::skip]
pub const FITTED: Map = [
    [0.646, 0.646, 0.904, 0.924, 0.981, 0.997, 0.997, 1.000, 1.000],
    [0.238, 0.531, 0.758, 0.920, 0.963, 0.984, 0.984, 0.984, 0.993],
    [0.773, 0.773, 0.871, 0.936, 0.936, 0.969, 0.969, 0.969, 0.969],
];

/// Pseudo-links that pull each knot's share of right links towards its
/// kind's overall share: a knot that saw three links must not say 1.0.
const PRIOR_LINKS: f64 = 2.0;

/// The score of a link of `kind` whose posterior is `posterior`, under `map`.
pub fn score(map: &Map, kind: LinkKind, posterior: f64) -> f64 {
    let v = &map[kind.index()];
    let x = (posterior / (1.0 - posterior)).ln();
    if x.is_nan() || x <= KNOTS[0] {
        return v[0];
    }
    for k in 1..KNOTS.len() {
        if x < KNOTS[k] {
            let t = (x - KNOTS[k - 1]) / (KNOTS[k] - KNOTS[k - 1]);
            return v[k - 1] + (v[k] - v[k - 1]) * t;
        }
    }
    v[KNOTS.len() - 1]
}

/// Fit a map to links of known rightness, given as (kind, posterior,
/// right). Per kind: each link counts at the knot nearest its posterior's
/// log-odds; a knot's score is the share of its links that are right,
/// smoothed towards the kind's share by `PRIOR_LINKS`; the scores are
/// then made non-decreasing by pooling adjacent violators (weighted by
/// links), so the map keeps the posterior's order.
pub fn fit(links: &[(LinkKind, f64, bool)]) -> Map {
    let mut map = [[0.0; KNOTS.len()]; 3];
    for (k, out) in map.iter_mut().enumerate() {
        let mine: Vec<(f64, bool)> = links
            .iter()
            .filter(|l| l.0.index() == k)
            .map(|l| ((l.1 / (1.0 - l.1)).ln(), l.2))
            .collect();
        let right = mine.iter().filter(|l| l.1).count() as f64;
        let base = if mine.is_empty() {
            0.5
        } else {
            right / mine.len() as f64
        };
        let (mut n, mut r) = ([0.0; KNOTS.len()], [0.0; KNOTS.len()]);
        for &(x, ok) in &mine {
            let near = (0..KNOTS.len())
                .min_by(|&a, &b| (KNOTS[a] - x).abs().total_cmp(&(KNOTS[b] - x).abs()))
                .unwrap_or(0);
            n[near] += 1.0;
            r[near] += f64::from(u8::from(ok));
        }
        // Blocks of (value, weight, knots) pooled while out of order.
        let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
        for i in 0..KNOTS.len() {
            let w = n[i] + PRIOR_LINKS;
            blocks.push(((r[i] + PRIOR_LINKS * base) / w, w, 1));
            while blocks.len() > 1 && blocks[blocks.len() - 2].0 > blocks[blocks.len() - 1].0 {
                let (v2, w2, c2) = blocks.pop().unwrap_or_default();
                let (v1, w1, c1) = blocks.pop().unwrap_or_default();
                blocks.push(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2));
            }
        }
        let mut i = 0;
        for (v, _, c) in blocks {
            for _ in 0..c {
                out[i] = v;
                i += 1;
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_keeps_each_kinds_order_and_stays_a_probability() {
        for kind in [LinkKind::OneToOne, LinkKind::Merge, LinkKind::Omission] {
            let mut last = 0.0;
            for k in 0..=1000 {
                let s = score(&FITTED, kind, f64::from(k) / 1000.0);
                assert!((0.0..=1.0).contains(&s) && s >= last, "{kind:?} at {k}");
                last = s;
            }
        }
    }

    #[test]
    fn a_fit_follows_the_share_of_right_links_and_is_monotone() {
        // 1-1 links: at posterior 0.5 (log-odds 0) half right, at 0.98
        // (log-odds 3.9, nearest knot 4) a tenth right: out of order, so
        // the two knots are pooled.
        let mut links = Vec::new();
        for k in 0..100 {
            links.push((LinkKind::OneToOne, 0.5, k % 2 == 0));
            links.push((LinkKind::OneToOne, 0.98, k % 10 == 0));
        }
        let map = fit(&links);
        let v = map[0];
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{v:?}");
        // Pooled with the empty knots between them: 60 right of 200,
        // and pseudo-links at that same share.
        assert!(
            (v[1] - 0.3).abs() < 1e-9 && (v[4] - 0.3).abs() < 1e-9,
            "{v:?}"
        );
        // No links of a kind: a flat 0.5.
        assert!(map[1].iter().all(|&x| x == 0.5));
    }
}
