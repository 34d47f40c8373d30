//! The fixed token order that places count in (`codec::key`) and that a
//! lookup reads its prefix in (`tm::fuzzy`): rarer first. It must never
//! change for a token once a posting's place was counted with it, so it
//! cannot be the document frequency, which grows with every import.
//! Instead each token gets a *rank* when its first postings are written,
//! kept in `fz_token.rank`: an estimate of how many units in a million
//! hold it, from how many of the units written with it did. The estimate
//! leans high when there is little to go on (a word first met in a
//! ten-unit import ranks as common), because taking a common word for a
//! rare one costs a lookup dearly (its postings read in every prefix) and
//! the reverse costs little. Ties go to the higher id (met later: rarer,
//! by Zipf's law).

/// The rank of a token held by `count` of the `units` written in its
/// first flush: the upper end of a confidence interval on its share of
/// units (Wilson's score bound, z = 2), per million.
pub(super) fn first_rank(count: u64, units: u64) -> i64 {
    let (c, n) = (count as f64, units.max(count).max(1) as f64);
    let z2 = 4.0;
    let p = c / n;
    let upper = (p + z2 / (2.0 * n) + (z2 * (p * (1.0 - p) / n + z2 / (4.0 * n * n))).sqrt())
        / (1.0 + z2 / n);
    (upper.min(1.0) * 1e6).ceil() as i64
}

/// The order key of a token: smaller comes first.
pub(super) fn order_key(rank: i64, id: i64) -> u64 {
    const ID_BITS: u32 = 40;
    let rank = rank.clamp(0, (1 << (64 - ID_BITS)) - 1) as u64;
    let id = id.clamp(0, (1 << ID_BITS) - 1) as u64;
    rank << ID_BITS | ((1 << ID_BITS) - 1 - id)
}

/// The ranks of the tokens a flush writes first: `unranked(t)` says
/// whether token `t` has none yet; `pending` holds the flush's postings
/// (a token position each) from `units` units.
pub(super) fn new_ranks(
    pending: &[u32],
    ntoks: usize,
    unranked: impl Fn(u32) -> bool,
    units: u64,
) -> Vec<(u32, i64)> {
    let mut counts = vec![0u32; ntoks];
    for &t in pending {
        counts[t as usize] += 1;
    }
    counts
        .iter()
        .enumerate()
        .filter(|&(t, &c)| c > 0 && unranked(t as u32))
        .map(|(t, &c)| (t as u32, first_rank(u64::from(c), units)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_lean_common_on_little_evidence() {
        // One unit in five: as common as can be told, not rare.
        assert!(first_rank(1, 5) > 200_000);
        // One in 12,500: rare; 6,000 in 12,500: common.
        assert!(first_rank(1, 12_500) < 1_000);
        assert!(first_rank(6_000, 12_500) > 480_000);
        // More evidence of the same share: lower, toward the share.
        assert!(first_rank(100, 10_000) < first_rank(1, 100));
        assert!(first_rank(100, 10_000) >= 10_000);
        assert_eq!(first_rank(7, 7), 1_000_000);
    }

    #[test]
    fn order_keys_put_rare_then_late_tokens_first() {
        assert!(order_key(10, 5) < order_key(11, 900));
        assert!(order_key(10, 900) < order_key(10, 5));
    }
}
