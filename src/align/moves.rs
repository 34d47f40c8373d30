//! Material the translation moved (only with `AlignOptions::allow_moves`):
//! re-orderings of the English tried against the in-order path (whole
//! paragraphs placed where their evidence says, runs the path left
//! unaligned moved to where their Arabic is), unaligned runs matched
//! across the text, and the check that keeps a move only as a run of
//! several links with strong evidence, marking the moved links. Not here:
//! the cost and the search (`dp`), the passes (the parent module).

use super::dp::{self, Side, Step};
use super::{link_evidence, path_links, step_link, AlignOptions, Link};

/// A new order for the English sentences (old indices in new order) when
/// some English paragraph clearly translates an Arabic paragraph that comes
/// earlier or later than the order says: each English paragraph is placed
/// at the Arabic paragraph it shares the most evidence with (when that is
/// clear), paragraphs without a clear match travel with the one before.
fn paragraph_order(
    src: &Side,
    tgt: &Side,
    opts: &AlignOptions,
    model: &dp::Model,
) -> Option<Vec<usize>> {
    let groups = |paras: &[usize], n: usize| -> Vec<std::ops::Range<usize>> {
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        if paras.len() != n {
            return out;
        }
        for (i, &p) in paras.iter().enumerate() {
            match out.last_mut() {
                Some(r) if paras[r.start] == p => r.end = i + 1,
                _ => out.push(i..i + 1),
            }
        }
        out
    };
    let sp = groups(&opts.src_paragraphs, src.n());
    let tp = groups(&opts.tgt_paragraphs, tgt.n());
    if sp.len() < 3 || tp.len() < 3 || sp.len() * tp.len() > 250_000 {
        return None;
    }
    let bag = |side: &Side, r: &std::ops::Range<usize>| -> Vec<u32> {
        let mut v: Vec<u32> = side.items[r.clone()].iter().flatten().copied().collect();
        v.sort_unstable();
        v
    };
    let sbags: Vec<Vec<u32>> = sp.iter().map(|r| bag(src, r)).collect();
    let mut keys: Vec<(usize, usize)> = Vec::with_capacity(tp.len());
    let mut last = 0;
    let mut moved = false;
    for (q, r) in tp.iter().enumerate() {
        let tb = bag(tgt, r);
        let mut scores: Vec<(f64, usize)> = sbags
            .iter()
            .enumerate()
            .map(|(p, sb)| (dp::shared_weight(sb, &tb, model), p))
            .collect();
        scores.sort_by(|x, y| y.0.total_cmp(&x.0));
        let (best, p) = scores[0];
        let second = scores.get(1).map_or(0.0, |x| x.0);
        if best >= 4.0 && best >= 2.0 * second {
            if p < last {
                moved = true;
            }
            last = p;
        }
        keys.push((last, q));
    }
    if !moved {
        return None;
    }
    keys.sort();
    let order: Vec<usize> = keys.iter().flat_map(|&(_, q)| tp[q].clone()).collect();
    (order.iter().enumerate().any(|(k, &j)| k != j)).then_some(order)
}

/// Does the English order `candidate` explain the stretch of text where it
/// differs from `order` (aligned as `steps`) better, by the same 2 nats a
/// move must win by? The stretch runs between two nodes of the current
/// path a few sentences outside the changed positions; both orders are
/// aligned there between the same end points, so a gain here is a gain
/// of at least as much for the whole text.
fn local_gain(
    steps: &[Step],
    src: &Side,
    tgt: &Side,
    order: &[usize],
    candidate: &[usize],
    model: &dp::Model,
) -> bool {
    let changed = |k: &usize| order[*k] != candidate[*k];
    let (Some(k0), Some(k1)) = (
        (0..order.len()).find(changed),
        (0..order.len()).rev().find(changed),
    ) else {
        return false;
    };
    const MARGIN: usize = 8;
    // Path nodes: node p is where step p-1 ends ((0, 0) before the first).
    let node = |p: usize| {
        if p == 0 {
            (0, 0)
        } else {
            (steps[p - 1].i, steps[p - 1].j)
        }
    };
    let first = (0..=steps.len())
        .rev()
        .find(|&p| node(p).1 + MARGIN <= k0)
        .unwrap_or(0);
    let last = (first..=steps.len())
        .find(|&p| node(p).1 > k1 + MARGIN)
        .unwrap_or(steps.len());
    let (start, end) = (node(first), node(last));
    let sub_src = dp::slice(src, start.0..end.0);
    let stretch = |o: &[usize]| dp::permute(tgt, &o[start.1..end.1]);
    // The current path between the two nodes, shifted to the stretch.
    let path: Vec<Step> = steps[first..last]
        .iter()
        .map(|s| Step {
            i: s.i - start.0,
            j: s.j - start.1,
            ..*s
        })
        .collect();
    let before = dp::path_cost(&sub_src, &stretch(order), model, &path);
    let after = dp::best_cost(&sub_src, &stretch(candidate), model);
    after + 2.0 < before
}

/// How many re-orderings of the English are tried (each costs a DP run).
const MAX_REORDER_TRIALS: usize = 4;

/// Candidate re-orderings of the English (as orders of the original
/// indices, best last): for a run of Arabic sentences the path leaves
/// unaligned, the English sentences elsewhere that match them clearly are
/// moved to where the run is.
fn block_moves(
    steps: &[Step],
    src: &Side,
    tgt: &Side,
    order: &[usize],
    model: &dp::Model,
) -> Vec<Vec<usize>> {
    let m = tgt.n();
    if m > 20_000 {
        return Vec::new();
    }
    // The evidence each English sentence's current link already has: an
    // English sentence linked at least as well as an unaligned Arabic one
    // would link it (a repeated sentence, a formula) is not moved material.
    let mut held = vec![0.0; m];
    for s in steps.iter().filter(|s| s.a > 0 && s.b > 0) {
        let evidence = dp::evidence(src, tgt, model, s);
        held[s.j - s.b..s.j].fill(evidence);
    }
    // Unaligned Arabic runs, with the English position the path is at.
    let mut runs: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    for s in steps.iter().filter(|s| s.b == 0) {
        match runs.last_mut() {
            Some((r, _)) if r.end == s.i - 1 => r.end = s.i,
            _ => runs.push((s.i - 1..s.i, s.j)),
        }
    }
    let mut out: Vec<(f64, Vec<usize>)> = Vec::new();
    for (run, at) in runs.into_iter().take(32) {
        let mut hits: Vec<usize> = Vec::new();
        let mut total = 0.0;
        for s in run.clone() {
            let best = (0..m)
                .map(|t| (dp::shared_weight(&src.items[s], &tgt.items[t], model), t))
                .max_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((w, t)) = best.filter(|b| b.0 >= 4.0 && b.0 > held[b.1]) {
                hits.push(t);
                total += w;
            }
        }
        let (Some(&lo), Some(&hi)) = (hits.iter().min(), hits.iter().max()) else {
            continue;
        };
        let window = lo..hi + 1;
        if window.contains(&at) || window.len() > 2 * run.len() + 2 || (lo == at) {
            continue;
        }
        let mut seq: Vec<usize> = (0..m).filter(|t| !window.contains(t)).collect();
        let insert_at = if window.end <= at {
            at - window.len()
        } else {
            at
        };
        let tail = seq.split_off(insert_at.min(seq.len()));
        seq.extend(window);
        seq.extend(tail);
        out.push((total, seq.iter().map(|&k| order[k]).collect()));
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.into_iter().map(|(_, o)| o).collect()
}

/// A run of consecutive omission steps: the source and target sentences
/// left unaligned there.
struct Gap {
    src: std::ops::Range<usize>,
    tgt: std::ops::Range<usize>,
}

/// Links for unaligned source runs matched with unaligned target runs
/// elsewhere (material moved or swapped), when the sub-alignment has
/// lexical support: candidates to replace their omissions.
fn find_crossings(steps: &[Step], src: &Side, tgt: &Side, model: &dp::Model) -> Vec<Link> {
    let mut gaps: Vec<Gap> = Vec::new();
    let mut in_gap = false;
    for s in steps {
        if s.a > 0 && s.b > 0 {
            in_gap = false;
            continue;
        }
        if !in_gap {
            gaps.push(Gap {
                src: s.i - s.a..s.i - s.a,
                tgt: s.j - s.b..s.j - s.b,
            });
            in_gap = true;
        }
        let g = gaps.last_mut().expect("a gap was just pushed");
        if s.a > 0 {
            if g.src.is_empty() {
                g.src = s.i - 1..s.i;
            } else {
                g.src.end = s.i;
            }
        }
        if s.b > 0 {
            if g.tgt.is_empty() {
                g.tgt = s.j - 1..s.j;
            } else {
                g.tgt.end = s.j;
            }
        }
    }
    let mut recovered: Vec<Link> = Vec::new();
    let mut used_src = vec![false; src.n()];
    let mut used_tgt = vec![false; tgt.n()];
    let small = |r: &std::ops::Range<usize>| !r.is_empty() && r.len() <= 300;
    if gaps.len() > 60 {
        return recovered;
    }
    for (x, gs) in gaps.iter().enumerate() {
        for (y, gt) in gaps.iter().enumerate() {
            if x == y || !small(&gs.src) || !small(&gt.tgt) {
                continue;
            }
            if gs.src.clone().any(|i| used_src[i]) || gt.tgt.clone().any(|j| used_tgt[j]) {
                continue;
            }
            let sub_src = dp::slice(src, gs.src.clone());
            let sub_tgt = dp::slice(tgt, gt.tgt.clone());
            for s in dp::align(&sub_src, &sub_tgt, model) {
                if s.a == 0 || s.b == 0 || s.post < 0.5 {
                    continue;
                }
                let evidence = dp::evidence(&sub_src, &sub_tgt, model, &s);
                if evidence < 3.0 {
                    continue;
                }
                let link = Link {
                    src: (gs.src.start + s.i - s.a..gs.src.start + s.i).collect(),
                    tgt: (gt.tgt.start + s.j - s.b..gt.tgt.start + s.j).collect(),
                    score: s.post,
                    moved: false,
                };
                link.src.iter().for_each(|&i| used_src[i] = true);
                link.tgt.iter().for_each(|&j| used_tgt[j] = true);
                recovered.push(link);
            }
        }
    }
    recovered
}

/// The path's links with the `recovered` ones in place of the omissions
/// they replace, each recovered link at its first source sentence; the
/// flag says which links were recovered.
fn assemble(steps: &[Step], recovered: &[Link], n: usize, m: usize) -> Vec<(Link, bool)> {
    let mut used_src = vec![false; n];
    let mut used_tgt = vec![false; m];
    for l in recovered {
        l.src.iter().for_each(|&i| used_src[i] = true);
        l.tgt.iter().for_each(|&j| used_tgt[j] = true);
    }
    let mut pending: Vec<&Link> = recovered.iter().collect();
    pending.sort_by_key(|l| std::cmp::Reverse(l.src[0]));
    let mut links = Vec::with_capacity(steps.len());
    for s in steps {
        if s.b == 0 && used_src[s.i - 1] {
            // Replaced by a recovered link, emitted at its first sentence.
            while pending.last().is_some_and(|r| r.src[0] < s.i) {
                let r = pending.pop().expect("checked");
                if r.src[0] == s.i - 1 {
                    links.push((r.clone(), true));
                }
            }
            continue;
        }
        if s.a == 0 && used_tgt[s.j - 1] {
            continue;
        }
        links.push((step_link(s), false));
    }
    links
}

/// Mark as `moved` the fewest links whose removal leaves the others in
/// order on the English side (the complement of a longest increasing
/// run of first English ids, links in Arabic order): a paragraph moved
/// ten paragraphs up marks its own links, not the ten it passed.
fn mark_moved(links: &mut [Link]) {
    let with_tgt: Vec<usize> = (0..links.len())
        .filter(|&k| !links[k].tgt.is_empty())
        .collect();
    // Patience sorting: tails[len-1] = index (into with_tgt) of the
    // smallest last element of an increasing run of that length.
    let key = |k: usize| links[with_tgt[k]].tgt[0];
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; with_tgt.len()];
    for (k, before) in prev.iter_mut().enumerate() {
        let pos = tails.partition_point(|&t| key(t) < key(k));
        if pos > 0 {
            *before = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut keep = vec![false; with_tgt.len()];
    let mut k = tails.last().copied().unwrap_or(usize::MAX);
    while k != usize::MAX {
        keep[k] = true;
        k = prev[k];
    }
    for (k, &at) in with_tgt.iter().enumerate() {
        links[at].moved = !keep[k];
    }
}

/// The runs of moved links (indices into `links`): moved links next to
/// each other in Arabic order, omissions of the Arabic between them
/// allowed.
fn moved_runs(links: &[Link]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut open = false;
    for (k, l) in links.iter().enumerate() {
        if l.moved {
            if open {
                runs.last_mut().expect("open run").push(k);
            } else {
                runs.push(vec![k]);
                open = true;
            }
        } else if !l.tgt.is_empty() {
            open = false;
        }
    }
    runs
}

/// Is a run of moved links worth keeping: several links, each with
/// strong lexical evidence?
fn strong_run(run: &[usize], links: &[Link], src: &Side, tgt: &Side, model: &dp::Model) -> bool {
    let total: f64 = run
        .iter()
        .map(|&k| link_evidence(&links[k], src, tgt, model))
        .sum();
    run.len() >= MIN_MOVED_RUN
        && total >= MIN_MOVED_EVIDENCE * run.len() as f64
        && run
            .iter()
            .all(|&k| link_evidence(&links[k], src, tgt, model) >= MIN_MOVED_EVIDENCE / 2.0)
}

/// A moved run has at least this many links.
const MIN_MOVED_RUN: usize = 2;
/// Nats of shared evidence a moved link has on average (at least half of
/// it each).
const MIN_MOVED_EVIDENCE: f64 = 4.0;

/// The links of the path `steps` through the English in `order`, with
/// recovered crossings, in original English ids, moved ones marked; None
/// when a moved run is too short or too weak to trust and is not one
/// that can simply be left unaligned.
fn checked_moves(
    steps: &[Step],
    order: &[usize],
    src: &Side,
    tgt: &Side,
    model: &dp::Model,
) -> Option<Vec<Link>> {
    let permuted = dp::permute(tgt, order);
    let mut recovered = find_crossings(steps, src, &permuted, model);
    loop {
        let assembled = assemble(steps, &recovered, src.n(), tgt.n());
        let mut links: Vec<Link> = assembled.iter().map(|(l, _)| l.clone()).collect();
        for link in &mut links {
            for j in &mut link.tgt {
                *j = order[*j];
            }
        }
        mark_moved(&mut links);
        let weak: Vec<Vec<usize>> = moved_runs(&links)
            .into_iter()
            .filter(|run| !strong_run(run, &links, src, tgt, model))
            .collect();
        if weak.is_empty() {
            return Some(links);
        }
        // Weak runs of recovered links go back to being omissions; a weak
        // run the re-ordering made condemns the re-ordering.
        let mut dropped = Vec::new();
        for run in &weak {
            if !run.iter().all(|&k| assembled[k].1) {
                return None;
            }
            dropped.extend(run.iter().map(|&k| assembled[k].0.src[0]));
        }
        recovered.retain(|l| !dropped.contains(&l.src[0]));
    }
}

/// Alignment allowing moved material: the English re-ordered (whole
/// paragraphs, then runs the path left unaligned) when that explains the
/// texts better, and unaligned runs matched across the text; moved runs
/// kept only when several links with strong evidence.
pub(super) fn with_moves(
    steps: Vec<Step>,
    cost: f64,
    src_side: &Side,
    tgt_side: &Side,
    opts: &AlignOptions,
    model: &dp::Model,
) -> Vec<Link> {
    let in_order = steps.clone();
    let (mut steps, mut cost) = (steps, cost);
    let identity: Vec<usize> = (0..tgt_side.n()).collect();
    let mut order = identity.clone();
    let mut candidates: Vec<Vec<usize>> = Vec::new();
    if let Some(perm) = paragraph_order(src_side, tgt_side, opts, model) {
        candidates.push(perm);
    }
    let mut trials = 0;
    // Each trial is a full alignment: fewer on long texts.
    let max_trials = if src_side.n() + tgt_side.n() <= 4_000 {
        MAX_REORDER_TRIALS
    } else {
        1
    };
    while trials < max_trials {
        let Some(candidate) = candidates.pop() else {
            let moved = dp::permute(tgt_side, &order);
            candidates = block_moves(&steps, src_side, &moved, &order, model);
            if candidates.is_empty() {
                break;
            }
            continue;
        };
        trials += 1;
        let moved = dp::permute(tgt_side, &candidate);
        // Most candidates lose: first compare the stretch they change.
        if !local_gain(&steps, src_side, tgt_side, &order, &candidate, model) {
            continue;
        }
        let (moved_steps, moved_cost) = dp::align_scored(src_side, &moved, model);
        if moved_cost + 2.0 < cost {
            steps = moved_steps;
            cost = moved_cost;
            order = candidate;
            candidates.clear();
        }
    }
    checked_moves(&steps, &order, src_side, tgt_side, model)
        .or_else(|| checked_moves(&in_order, &identity, src_side, tgt_side, model))
        .unwrap_or_else(|| path_links(&in_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(items: &[&[u32]]) -> dp::Side {
        let n = items.len();
        dp::Side {
            len: vec![40.0; n],
            items: items.iter().map(|x| x.to_vec()).collect(),
            nums: vec![0; n],
            trans: vec![0; n],
            para_end: vec![false; n],
            lead_in: vec![false; n],
        }
    }

    fn model() -> dp::Model {
        dp::Model {
            ratio: 1.0,
            var: 10.0,
            prior: dp::Model::default_priors(),
            weight: vec![4.0; 8],
            is_number: vec![false; 8],
            para_bonus: 0.0,
            number_penalty: 1.0,
            miss_penalty: 0.0,
        }
    }

    fn step(a: usize, b: usize, i: usize, j: usize) -> Step {
        Step {
            a,
            b,
            i,
            j,
            post: 1.0,
        }
    }

    #[test]
    fn an_unaligned_sentence_moves_its_unaligned_english_match_to_it() {
        // Arabic 2 = English 1, which the path left out before English 2.
        let src = side(&[&[1], &[4], &[2, 3]]);
        let tgt = side(&[&[1], &[2, 3], &[4]]);
        let steps = [
            step(1, 1, 1, 1),
            step(0, 1, 1, 2),
            step(1, 1, 2, 3),
            step(1, 0, 3, 3),
        ];
        let moves = block_moves(&steps, &src, &tgt, &[0, 1, 2], &model());
        assert_eq!(moves, [vec![0, 2, 1]]);
    }

    #[test]
    fn a_repeated_sentence_does_not_take_an_english_sentence_linked_as_well() {
        // Arabic 3 repeats Arabic 1, whose link already holds English 1.
        let src = side(&[&[1], &[2, 3], &[4], &[2, 3], &[5]]);
        let tgt = side(&[&[1], &[2, 3], &[4], &[5]]);
        let steps = [
            step(1, 1, 1, 1),
            step(1, 1, 2, 2),
            step(1, 1, 3, 3),
            step(1, 0, 4, 3),
            step(1, 1, 5, 4),
        ];
        let moves = block_moves(&steps, &src, &tgt, &[0, 1, 2, 3], &model());
        assert!(moves.is_empty(), "{moves:?}");
    }
}
