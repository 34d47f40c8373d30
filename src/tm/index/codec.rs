//! The postings blob format: a posting packed as (group key, unit), LEB128
//! varints, a blob's groups `[key][count][byte size][delta ids]` (in a run
//! file, also each group's id span), and the ways blobs are written, read,
//! joined and merged. Pure bytes: no database, no files.
//!
//! A group key is the variant's length and the token's *place* in it
//! (`key`): how many of the variant's distinct words come before the token
//! in the index's fixed token order (see `tm::fuzzy`, positional filter).
//! Keys sort by length first, so a lookup's length filter still skips
//! whole groups.

use super::FastSet;

/// A posting packed into a u64 that sorts as (group key, unit): the key in
/// the top 24 bits, the unit id in the low 40.
pub(super) const UNIT_BITS: u32 = 40;

/// Bits of a group key that hold the place; the length is above them.
pub(super) const PLACE_BITS: u32 = 6;

/// The largest place a key holds: a later place is written as this one,
/// which only under-states it (the filter stays sound, a little looser).
pub(super) const MAX_PLACE: u32 = (1 << PLACE_BITS) - 1;

/// The largest length a key holds exactly; a longer variant is written as
/// this long (no query of `MAX_QUERY_TOKENS` words can match it anyway).
pub(super) const MAX_KEY_LEN: u32 = (1 << (64 - UNIT_BITS - PLACE_BITS)) - 1;

/// The group key of a posting: a variant's length in content tokens and
/// the token's place in it.
pub(super) fn key(len: u32, place: u32) -> u32 {
    len.min(MAX_KEY_LEN) << PLACE_BITS | place.min(MAX_PLACE)
}

/// The (length, place) of a group key.
pub(super) fn split_key(key: u64) -> (u32, u32) {
    (
        (key >> PLACE_BITS) as u32,
        (key & u64::from(MAX_PLACE)) as u32,
    )
}

pub(super) fn pack(key: u32, unit: u64) -> u64 {
    (u64::from(key) << UNIT_BITS) | unit
}

pub(super) fn unpack(p: u64) -> (u32, u64) {
    ((p >> UNIT_BITS) as u32, p & ((1 << UNIT_BITS) - 1))
}

/// One blob of a token's postings from its blobs in the order written,
/// minus the units in `gone`, plus `add` (packed, sorted). Only merging
/// (the commit's case) joins the blobs' groups as they are (`join`),
/// without decoding and re-encoding every id.
pub(super) fn merged(
    parts: &[&[u8]],
    gone: &FastSet<u64>,
    add: &[u64],
) -> rusqlite::Result<Vec<u8>> {
    if gone.is_empty() && add.is_empty() {
        if let Some(data) = join(parts, false, &mut Joining::default()) {
            return Ok(data);
        }
    }
    let mut all: Vec<u64> = Vec::new();
    for data in parts {
        decode_keys(data, |u, key| {
            if !gone.contains(&u) {
                all.push(pack(key, u));
            }
        })?;
    }
    all.extend_from_slice(add);
    Ok(encode(&sort_runs(all)))
}

/// How many bytes `put_varint` writes for `v`.
pub(super) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// One length group of a blob: where its ids' bytes are, its first id and
/// how many bytes that takes, and its last id.
pub(super) struct Group {
    pub(super) len: u64,
    pub(super) count: u64,
    pub(super) first: u64,
    pub(super) last: u64,
    /// Which of the blobs joined, and the ids' bytes in it.
    pub(super) blob: u32,
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) first_bytes: u32,
}

/// The group of a blob at `pos`, as `encode` (or in a run, `encode_as`)
/// writes it (ids strictly ascending), moving `pos` past it; None if the
/// blob is damaged or not in that form.
pub(super) fn group_at(data: &[u8], pos: &mut usize, in_run: bool, blob: u32) -> Option<Group> {
    let len = get_varint(data, pos)?;
    let count = get_varint(data, pos)?;
    let size = usize::try_from(get_varint(data, pos)?).ok()?;
    let span = if in_run {
        Some(get_varint(data, pos)?)
    } else {
        None
    };
    let end = pos.checked_add(size).filter(|&e| e <= data.len())?;
    let ids = &data[*pos..end];
    let mut first_bytes = 0;
    let first = get_varint(ids, &mut first_bytes)?;
    let mut group = Group {
        len,
        count,
        first,
        last: first,
        blob,
        start: u32::try_from(*pos).ok()?,
        end: u32::try_from(end).ok()?,
        first_bytes: first_bytes as u32,
    };
    *pos = end;
    if let Some(span) = span {
        // Written by this import moments ago: trusted as to its ids (the
        // count and bounds are still checked).
        group.last = first.checked_add(span)?;
        return (count > 0).then_some(group);
    }
    // The rest summed in one tight pass over the bytes (most groups hold
    // a few ids).
    let (mut seen, mut delta, mut shift) = (1u64, 0u64, 0u32);
    for &b in &ids[first_bytes..] {
        delta |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            if delta == 0 {
                return None;
            }
            group.last = group.last.checked_add(delta)?;
            (seen, delta, shift) = (seen + 1, 0, 0);
        } else {
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
    (seen == count && shift == 0).then_some(group)
}

/// Scratch for `join`, kept from token to token by the commit's join
/// (growing it afresh for each token was a tenth of the join).
#[derive(Default)]
pub(super) struct Joining {
    pub(super) groups: Vec<Group>,
    /// `groups` positions in length order.
    pub(super) order: Vec<u32>,
    /// Counting sort: where each length's positions go next.
    pub(super) at: Vec<u32>,
}

/// Merge blobs written in order, each holding later units than the one
/// before in every length they share (what the flushes of one import
/// write), by joining their groups: each group's bytes are copied and only
/// the first id of a joined piece is re-encoded, as a delta from the last
/// id before it. The result is byte for byte what decoding, `sort_runs`
/// and `encode` would give. None when the blobs are not in that order (a
/// unit updated in place keeps its old id) or are damaged: the caller then
/// takes the decoding way. `in_run`: the blobs are in a run file's form.
pub(super) fn join(blobs: &[&[u8]], in_run: bool, scratch: &mut Joining) -> Option<Vec<u8>> {
    // Every blob's groups, blob by blob, then put in length order by a
    // stable sort (`in_length_order`), so that each length's pieces stay in
    // blob order. (Walking the blobs side by side, one length at a time,
    // visited every blob at every length: at 1M units a token's blobs from
    // ~110 runs made that most of the commit's join.)
    let Joining { groups, order, at } = scratch;
    groups.clear();
    for (b, data) in blobs.iter().enumerate() {
        let b = u32::try_from(b).ok()?;
        let mut pos = 0;
        let mut prev = None;
        while pos < data.len() {
            let group = group_at(data, &mut pos, in_run, b)?;
            // Lengths ascend within a blob (`encode`).
            if prev.is_some_and(|len| group.len <= len) {
                return None;
            }
            prev = Some(group.len);
            groups.push(group);
        }
    }
    in_length_order(groups, order, at);
    let mut out = Vec::with_capacity(blobs.iter().map(|b| b.len()).sum());
    for same in order.chunk_by(|&a, &b| groups[a as usize].len == groups[b as usize].len) {
        let pieces = || same.iter().map(|&i| &groups[i as usize]);
        let (mut count, mut size, mut last) = (0, 0, None);
        for g in pieces() {
            count += g.count;
            size += (g.end - g.start) as usize;
            if let Some(last) = last {
                if g.first <= last {
                    return None;
                }
                size = size - g.first_bytes as usize + varint_len(g.first - last);
            }
            last = Some(g.last);
        }
        put_varint(&mut out, groups[same[0] as usize].len);
        put_varint(&mut out, count);
        put_varint(&mut out, size as u64);
        let mut last = None;
        for g in pieces() {
            let ids = &blobs[g.blob as usize][g.start as usize..g.end as usize];
            match last {
                None => out.extend_from_slice(ids),
                Some(last) => {
                    put_varint(&mut out, g.first - last);
                    out.extend_from_slice(&ids[g.first_bytes as usize..]);
                }
            }
            last = Some(g.last);
        }
    }
    Some(out)
}

/// Group keys below this are put in order by a counting sort (variants
/// of up to 255 words, every place); a larger one, by comparison.
const MAX_COUNTED_KEY: u64 = 1 << 14;

/// `order`: the positions of `groups` in length order, each length's in
/// the order given. A counting sort on the length, which is a segment's
/// word count and small (a comparison sort was a third of the commit's
/// join); a stable sort for the rare huge one.
pub(super) fn in_length_order(groups: &[Group], order: &mut Vec<u32>, at: &mut Vec<u32>) {
    order.clear();
    let longest = groups.iter().map(|g| g.len).max().unwrap_or(0);
    if longest >= MAX_COUNTED_KEY {
        order.extend(0..groups.len() as u32);
        order.sort_by_key(|&i| groups[i as usize].len);
        return;
    }
    // Where each length's positions start, then where the next one goes.
    at.clear();
    at.resize(longest as usize + 2, 0);
    for g in groups {
        at[g.len as usize + 1] += 1;
    }
    for i in 1..at.len() {
        at[i] += at[i - 1];
    }
    order.resize(groups.len(), 0);
    for (i, g) in groups.iter().enumerate() {
        let slot = &mut at[g.len as usize];
        order[*slot as usize] = i as u32;
        *slot += 1;
    }
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline(always)]
pub(super) fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    // Most are one to three bytes (the id deltas of a common token's
    // postings are mostly two, a rare token's three): those cases inline,
    // where each call site's branches learn their own field.
    match data.get(*pos) {
        Some(&b) if b < 0x80 => {
            *pos += 1;
            Some(u64::from(b))
        }
        Some(&b) => match data.get(*pos + 1) {
            Some(&c) if c < 0x80 => {
                *pos += 2;
                Some(u64::from(b & 0x7f) | u64::from(c) << 7)
            }
            // Three bytes: a delta of 16,384 or more, as between the units
            // of a rare token's group.
            Some(&c) => match data.get(*pos + 2) {
                Some(&d) if d < 0x80 => {
                    *pos += 3;
                    Some(u64::from(b & 0x7f) | u64::from(c & 0x7f) << 7 | u64::from(d) << 14)
                }
                _ => get_long_varint(data, pos),
            },
            None => None,
        },
        None => None,
    }
}

/// `get_varint` past its first byte's case.
#[inline(never)]
pub(super) fn get_long_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    // Eight bytes at once where the data has them (byte by byte, a branch
    // per byte went either way).
    if let Some((v, size)) = data.get(*pos..*pos + 8).and_then(varint_in_word) {
        *pos += size;
        return Some(v);
    }
    get_varint_bytewise(data, pos)
}

/// The varint at the start of eight bytes and its size, without a branch
/// on its length: its end found by the first byte without its high bit,
/// its 7-bit groups gathered by shifts. None if it is longer than eight
/// bytes.
#[inline(always)]
fn varint_in_word(bytes: &[u8]) -> Option<(u64, usize)> {
    let word = u64::from_le_bytes(bytes.try_into().ok()?);
    let ends = !word & 0x8080_8080_8080_8080;
    if ends == 0 {
        return None;
    }
    // The varint's bytes (up to and including its last), high bits dropped.
    let x = word & (ends ^ (ends - 1)) & 0x7f7f_7f7f_7f7f_7f7f;
    let v = x & 0x7f
        | (x >> 1) & 0x7f << 7
        | (x >> 2) & 0x7f << 14
        | (x >> 3) & 0x7f << 21
        | (x >> 4) & 0x7f << 28
        | (x >> 5) & 0x7f << 35
        | (x >> 6) & 0x7f << 42
        | (x >> 7) & 0x7f << 49;
    Some((v, ends.trailing_zeros() as usize / 8 + 1))
}

/// `get_varint` a byte at a time: near the end of the data, and for the
/// longest varints.
pub(super) fn get_varint_bytewise(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*pos)?;
        *pos += 1;
        if shift > 63 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

/// Sort and dedup packed postings that arrive as ascending runs (each
/// blob, then `add`). The blobs come in the order they were written and a
/// later flush holds later units, so grouping the postings by length with
/// one counting pass nearly always leaves each group's units ascending
/// already: linear, where merging the runs by comparison took a 1M-unit
/// import's commit about a second. A group that is not ascending (a unit
/// updated in place keeps its old id) is sorted.
pub(super) fn sort_runs(all: Vec<u64>) -> Vec<u64> {
    let Some(max_len) = all.iter().map(|&p| p >> UNIT_BITS).max() else {
        return all;
    };
    if max_len >= MAX_COUNTED_KEY {
        let mut all = all;
        all.sort_unstable();
        all.dedup();
        return all;
    }
    let mut start = vec![0usize; max_len as usize + 2];
    for &p in &all {
        start[(p >> UNIT_BITS) as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut out = vec![0u64; all.len()];
    let mut next = start.clone();
    for &p in &all {
        let g = (p >> UNIT_BITS) as usize;
        out[next[g]] = p;
        next[g] += 1;
    }
    for g in start.windows(2) {
        let group = &mut out[g[0]..g[1]];
        if !group.windows(2).all(|w| w[0] <= w[1]) {
            group.sort_unstable();
        }
    }
    out.dedup();
    out
}

/// How many distinct values a sorted slice holds.
pub(super) fn distinct(sorted: &[u64]) -> usize {
    sorted.chunk_by(|a, b| a == b).count()
}

/// Encode packed postings, ascending; repeats are written once. (A flush
/// encodes a blob per token; reusing one buffer for all of them kept the
/// heap from shrinking after each flush: +5 MB of peak memory.)
pub(super) fn encode(postings: &[u64]) -> Vec<u8> {
    encode_as(postings, false)
}

/// `encode`; `in_run`: the form of a run file, where each group's header
/// also gives its last id (as the span from its first), so that joining
/// runs at commit copies groups without summing their deltas.
pub(super) fn encode_as(postings: &[u64], in_run: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(postings.len() * 3 + 16);
    let mut ids = Vec::new();
    for group in postings.chunk_by(|a, b| a >> UNIT_BITS == b >> UNIT_BITS) {
        ids.clear();
        let mut prev = 0;
        let mut count = 0u64;
        for &p in group {
            let (_, u) = unpack(p);
            if count > 0 && u == prev {
                continue;
            }
            put_varint(&mut ids, u - prev);
            prev = u;
            count += 1;
        }
        put_varint(&mut out, u64::from(unpack(group[0]).0));
        put_varint(&mut out, count);
        put_varint(&mut out, ids.len() as u64);
        if in_run {
            put_varint(&mut out, prev - unpack(group[0]).1);
        }
        out.extend_from_slice(&ids);
    }
    out
}

pub(super) fn corrupt() -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Blob,
        "the fuzzy index holds a damaged posting blob; re-import the TM".into(),
    )
}

/// The group header at `pos` (moved past it): its key, its count of ids
/// and where its ids' bytes end.
#[inline]
fn group_header(data: &[u8], pos: &mut usize) -> rusqlite::Result<(u64, u64, usize)> {
    let key = get_varint(data, pos).ok_or_else(corrupt)?;
    let count = get_varint(data, pos).ok_or_else(corrupt)?;
    let size = get_varint(data, pos).ok_or_else(corrupt)? as usize;
    let end = pos
        .checked_add(size)
        .filter(|&e| e <= data.len())
        .ok_or_else(corrupt)?;
    Ok((key, count, end))
}

/// Call `f(unit, len, place)` for every posting of a blob with
/// `lo <= len <= hi`.
pub fn decode(
    data: &[u8],
    lo: u32,
    hi: u32,
    mut f: impl FnMut(u64, u32, u32),
) -> rusqlite::Result<()> {
    let mut ids = Vec::new();
    decode_groups(data, lo, hi, &mut ids, |len, place, ids| {
        for u in ids.drain(..) {
            f(u, len, place);
        }
    })
}

/// Append the units of each group of a blob with `lo <= len <= hi` to
/// `ids`, calling `group(len, place, ids)` after each group's. Where the
/// caller decides per group what its postings mean (the lookup: add or
/// count), a group's units are a plain list of ids, not a call each.
pub fn decode_groups(
    data: &[u8],
    lo: u32,
    hi: u32,
    ids: &mut Vec<u64>,
    mut group: impl FnMut(u32, u32, &mut Vec<u64>),
) -> rusqlite::Result<()> {
    let mut pos = 0;
    while pos < data.len() {
        let (key, count, end) = group_header(data, &mut pos)?;
        let (len, place) = split_key(key);
        if len > hi {
            break;
        }
        if len >= lo {
            // The count is checked against the bytes: a damaged blob
            // cannot make the reservation huge.
            if count > (end - pos) as u64 {
                return Err(corrupt());
            }
            ids.reserve(count as usize);
            let mut u = 0u64;
            for _ in 0..count {
                // The ids' varints are two bytes or three about equally
                // often: read without a branch on their length (one that
                // went either way), but from the group's bytes only.
                let delta = match data.get(pos..pos + 8).and_then(varint_in_word) {
                    Some((v, size)) if pos + size <= end => {
                        pos += size;
                        v
                    }
                    _ => get_varint(&data[..end], &mut pos).ok_or_else(corrupt)?,
                };
                u = u.wrapping_add(delta);
                ids.push(u);
            }
            group(len, place, ids);
        }
        pos = end;
    }
    Ok(())
}

/// Call `f(unit, group key)` for every posting of a blob.
pub(super) fn decode_keys(data: &[u8], mut f: impl FnMut(u64, u32)) -> rusqlite::Result<()> {
    decode(data, 0, u32::MAX, |u, len, place| f(u, key(len, place)))
}

/// A blob written before places were kept (schema 0005), whose group keys
/// are bare lengths, in today's form: each length with place 0, which
/// under-states every place (sound, as `MAX_PLACE` is). Only the keys
/// change; the ids' bytes are copied.
pub(super) fn with_places(data: &[u8]) -> rusqlite::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let mut pos = 0;
    while pos < data.len() {
        let (len, count, end) = group_header(data, &mut pos)?;
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        put_varint(&mut out, u64::from(key(len, 0)));
        put_varint(&mut out, count);
        put_varint(&mut out, (end - pos) as u64);
        out.extend_from_slice(&data[pos..end]);
        pos = end;
    }
    Ok(out)
}

/// A blob as it was written before schema 0005 (group keys bare lengths,
/// places dropped): what the migration's tests start from.
#[cfg(test)]
pub(crate) fn without_places(data: &[u8]) -> rusqlite::Result<Vec<u8>> {
    let mut all = Vec::new();
    decode(data, 0, u32::MAX, |u, len, _| all.push(pack(len, u)))?;
    all.sort_unstable();
    Ok(encode(&all))
}
