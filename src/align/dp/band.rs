//! Which cells of the (n+1)×(m+1) lattice a level searches: all of them
//! when the texts are small, else a band around the path found on
//! half-size texts (sentences paired into blocks, recursively), or around
//! an earlier pass's path. It draws bands; it does not cost beads.

use super::solve::{solve, Node};
use super::{Model, Side};

/// Below this many DP cells a level is searched in full.
pub(super) const FULL_LIMIT: usize = 250_000;

/// How far around an earlier pass's sentence path the next pass searches
/// (the path is already at the sentence level, so less slack than around a
/// coarse block path).
pub(super) const NEAR_MARGIN: usize = 4;

/// Above this many cells a coarse level is coarsened further.
pub(super) const COARSE_LIMIT: usize = 4_096;
/// How far around the projected coarse path a finer level searches.
pub(super) const BAND_MARGIN: usize = 8;

/// The part of the (n+1)×(m+1) lattice searched: per row, a column range.
pub(super) struct Band {
    pub(super) lo: Vec<usize>,
    pub(super) hi: Vec<usize>,
    /// Index of (row, lo[row]) in the flat cell arrays.
    pub(super) start: Vec<usize>,
    pub(super) cells: usize,
    /// The path the band was drawn around, at this level's scale (empty
    /// for a full band): where a long band may be cut in two.
    pub(super) guide: Vec<(usize, usize)>,
}

impl Band {
    pub(super) fn full(n: usize, m: usize) -> Band {
        Band::from_ranges(vec![0; n + 1], vec![m; n + 1])
    }

    pub(super) fn from_ranges(lo: Vec<usize>, hi: Vec<usize>) -> Band {
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
    pub(super) fn index(&self, i: usize, j: usize) -> Option<usize> {
        if j < self.lo[i] || j > self.hi[i] {
            None
        } else {
            Some(self.start[i] + j - self.lo[i])
        }
    }

    /// The band around a path whose nodes are `scale` times coarser than
    /// the n×m lattice (2 for the half-size level, 1 for a path already at
    /// this level).
    pub(super) fn around(
        path: &[(usize, usize)],
        n: usize,
        m: usize,
        scale: usize,
        margin: usize,
    ) -> Band {
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
    pub(super) fn part(&self, (r0, c0): Node, (r1, c1): Node) -> Band {
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

/// The band a level searches: everything when small, else the widened
/// projection of the path found on the half-size texts.
pub(super) fn band_for(src: &Side, tgt: &Side, model: &Model) -> Band {
    band_at(src, tgt, model, 0)
}

pub(super) fn band_at(src: &Side, tgt: &Side, model: &Model, depth: usize) -> Band {
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
