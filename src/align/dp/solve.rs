//! Solving a band: in one piece, or, when it is long, as two halves that
//! overlap around the middle, each on its own thread, joined at a node
//! both halves' paths pass through. The result is the same on one thread
//! or two. The cost model is `lattice`'s; the band is `band`'s.

use super::band::Band;
use super::lattice::Lattice;
use super::{slice, Model, Side, Step, BEADS};

/// Below this many cells a band is searched in one piece: the work is
/// too little to share between threads.
pub(super) const SPLIT_CELLS: usize = 20_000;
/// Rows the two halves of a cut band share on each side of the cut: the
/// forced end of one half and the forced start of the other are this far
/// from the cut, far enough for the paths to have found their way back.
pub(super) const OVERLAP: usize = 48;

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
pub(super) fn solve(
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
pub(super) fn solve_with(
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
pub(super) type Node = (usize, usize);

pub(super) fn bead_index(s: &Step) -> usize {
    BEADS.iter().position(|&x| x == (s.a, s.b)).unwrap_or(0)
}

/// Where to cut a long band: the bottom half's start node, the middle
/// row and the top half's end node (nodes of the guide path), or None
/// when the band is short or has no guide.
pub(super) fn cut(band: &Band, n: usize) -> Option<(Node, usize, Node)> {
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
pub(super) fn solve_part(
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
pub(super) fn splice(
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
