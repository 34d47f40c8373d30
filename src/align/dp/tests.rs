//! Tests of the dynamic programme: banded against full search, the two-thread
//! cut against one piece, group evidence, posteriors.

use super::lattice::neg_log_two_tail;
use super::solve::{cut, solve_with, splice};
use super::*;

fn side(lens: &[f32], items: &[&[u32]]) -> Side {
    Side {
        len: lens.to_vec(),
        items: items.iter().map(|x| x.to_vec()).collect(),
        nums: vec![0; lens.len()],
        trans: vec![0; lens.len()],
        para_end: vec![false; lens.len()],
        lead_in: vec![false; lens.len()],
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
        lead_in: vec![false; n],
    };
    let tgt = Side {
        nums: vec![0; tl.len()],
        trans: vec![0; tl.len()],
        para_end: vec![false; tl.len()],
        lead_in: vec![false; tl.len()],
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
        s.lead_in.push(false);
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
fn a_word_two_merged_sentences_share_is_found_by_both() {
    // A short source sentence names what the next one repeats (items 1
    // and 2); the translation merges them and says it once. Both source
    // sentences met their words: the merge is not charged two misses
    // that leaving the short one out would not be.
    let big: Vec<u32> = (1..13).collect();
    let mut src = side(&[30.0, 200.0], &[&[1, 2], &big]);
    src.trans = vec![2, 12];
    let tgt = side(&[300.0], &[&big]);
    let mut m = model(13);
    m.miss_penalty = 1.2;
    let shape: Vec<(usize, usize)> = align(&src, &tgt, &m).iter().map(|s| (s.a, s.b)).collect();
    assert_eq!(shape, [(2, 1)]);
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

#[test]
fn a_run_of_omissions_is_scored_by_evidence_not_by_position() {
    // Eight Arabic sentences with no English between two sure links, and
    // one English sentence of no Arabic (too long for any of them): it may
    // sit anywhere in the run, which split the one path bead's posterior
    // into a staircase 1/9, 2/9, … Each sentence's chance of having no
    // counterpart is near 1 wherever the English one sits.
    let mut lens = vec![50.0];
    let mut items: Vec<&[u32]> = vec![&[1]];
    for _ in 0..8 {
        lens.push(40.0);
        items.push(&[]);
    }
    lens.push(50.0);
    items.push(&[2]);
    let src = side(&lens, &items);
    let tgt = side(&[65.0, 400.0, 65.0], &[&[1], &[], &[2]]);
    let mut m = model(3);
    m.weight = vec![8.0; 3];
    let steps = align(&src, &tgt, &m);
    let omissions: Vec<f64> = steps
        .iter()
        .filter(|s| s.a == 0 || s.b == 0)
        .map(|s| s.post)
        .collect();
    assert_eq!(omissions.len(), 9, "{steps:?}");
    for p in &omissions {
        assert!(*p > 0.9, "{omissions:?}");
    }
}
