//! The index's temporary run files beside the TM: a full postings buffer
//! grouped by token and spilled as one run, the runs read back side by
//! side and each token's blobs joined into one at commit, and the
//! background threads that do it. Not here: the `Indexer`'s dictionary
//! (`build`), the blob format itself (`codec`).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::codec::{distinct, encode_as, join, Joining, MAX_PLACE, UNIT_BITS};
use super::error::{IndexError, IndexResult};

/// Flushed postings waiting for `finish`, in an anonymous temporary file
/// beside the TM (on the disk that holds it; it vanishes when closed, even
/// if the process is killed). A run is one flush: a blob per token, tokens
/// ascending, what the flush would have inserted but for the groups' last
/// ids (`encode_as`). At commit the runs are read side by side and each
/// token's blobs joined (`join`) into one: each posting reaches SQLite
/// once, where inserting every flush's blobs and merging them back at
/// commit wrote a big import's index twice.
///
/// Removals are applied to blobs in the TM, so the first removal writes
/// the runs there (`stop_spilling`) and later flushes go to the TM as well.
pub(super) struct Runs {
    pub(super) file: BufWriter<File>,
    /// Bytes written.
    pub(super) len: u64,
    pub(super) list: Vec<Run>,
}

pub(super) struct Run {
    pub(super) start: u64,
    /// (token position, blob size), tokens ascending: 8 bytes per token
    /// per run.
    pub(super) blobs: Vec<(u32, u32)>,
}

/// What went wrong when the run file cannot be read back.
pub(super) const RUN_FILE: &str = "cannot read back the index's run file beside the TM";

/// What went wrong when it reads back other than it was written.
pub(super) const RUN_DAMAGED: &str = "the index's run file beside the TM reads back damaged";

/// A temporary file with everything written to it, to read back; `what`
/// says which when it cannot be.
pub(super) fn written(file: BufWriter<File>, what: &'static str) -> IndexResult<File> {
    file.into_inner()
        .map_err(|e| IndexError::file(what, e.into_error()))
}

/// Each (token, blob) of `file`, from its start, in the order `blobs` gives
/// them with their sizes (how runs and the joined file are read back).
pub(super) fn each_blob(
    mut file: File,
    blobs: impl IntoIterator<Item = (u32, u32)>,
    what: &'static str,
    mut f: impl FnMut(u32, &[u8]) -> IndexResult<()>,
) -> IndexResult<()> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| IndexError::file(what, e))?;
    let mut file = BufReader::with_capacity(1 << 16, file);
    let mut data = Vec::new();
    for (t, size) in blobs {
        data.resize(size as usize, 0);
        file.read_exact(&mut data)
            .map_err(|e| IndexError::file(what, e))?;
        f(t, &data)?;
    }
    Ok(())
}

/// One run being joined: its blobs in order, through its own buffer.
pub(super) struct RunReader {
    pub(super) blobs: Vec<(u32, u32)>,
    pub(super) next: usize,
    pub(super) buf: Vec<u8>,
    /// Where the next blob starts in `buf`.
    pub(super) at: usize,
    /// The part of the file not read yet.
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl RunReader {
    /// Bring the next blob into the buffer if it is token `t`'s.
    pub(super) fn load(&mut self, file: &mut File, t: u32, chunk: usize) -> io::Result<bool> {
        let size = match self.blobs.get(self.next) {
            Some(&(tok, size)) if tok == t => size as usize,
            _ => return Ok(false),
        };
        if self.buf.len() - self.at < size {
            self.buf.drain(..self.at);
            self.at = 0;
            let missing = size - self.buf.len();
            let want = missing.max(chunk).min((self.end - self.pos) as usize);
            if want < missing {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "a run ends early",
                ));
            }
            let old = self.buf.len();
            self.buf.resize(old + want, 0);
            file.seek(SeekFrom::Start(self.pos))?;
            file.read_exact(&mut self.buf[old..])?;
            self.pos += want as u64;
        }
        Ok(true)
    }

    /// The blob `load` brought in.
    pub(super) fn blob(&self) -> &[u8] {
        &self.buf[self.at..self.at + self.blobs[self.next].1 as usize]
    }

    pub(super) fn advance(&mut self) {
        self.at += self.blobs[self.next].1 as usize;
        self.next += 1;
    }
}

/// Token `t`'s blobs from every run that has one, joined into one blob;
/// None when no run has postings of `t`. `with` and `joining` are scratch.
pub(super) fn join_token(
    readers: &mut [RunReader],
    file: &mut File,
    t: u32,
    chunk: usize,
    (with, joining): (&mut Vec<usize>, &mut Joining),
) -> IndexResult<Option<Vec<u8>>> {
    with.clear();
    for (i, r) in readers.iter_mut().enumerate() {
        if r.load(file, t, chunk)
            .map_err(|e| IndexError::file(RUN_FILE, e))?
        {
            with.push(i);
        }
    }
    if with.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&[u8]> = with.iter().map(|&i| readers[i].blob()).collect();
    // Later runs hold later units, so the join cannot fail unless the
    // file was damaged.
    let data = join(&parts, true, joining).ok_or(IndexError::Damaged(RUN_DAMAGED))?;
    for &i in with.iter() {
        readers[i].advance();
    }
    Ok(Some(data))
}

/// Join the runs' blobs token by token, for tokens `0..tokens`: the runs
/// are read side by side, front to back, each through its own buffer, and
/// each token's blobs joined into one (`join`), handed to `sink` (which
/// says whether to go on).
pub(super) fn join_runs(
    runs: Runs,
    tokens: u32,
    mut sink: impl FnMut(u32, Vec<u8>) -> IndexResult<bool>,
) -> IndexResult<()> {
    let mut file = written(runs.file, RUN_FILE)?;
    // 1 MiB of buffers in all, 4 to 64 KiB each: small enough to stay in
    // the core's cache (with 8 MiB, reading each run's next blob was a
    // cache miss, most of the join's time).
    let chunk = ((1 << 20) / runs.list.len().max(1)).clamp(4 << 10, 64 << 10);
    let ends: Vec<u64> = runs
        .list
        .iter()
        .skip(1)
        .map(|r| r.start)
        .chain([runs.len])
        .collect();
    let mut readers: Vec<RunReader> = runs
        .list
        .into_iter()
        .zip(ends)
        .map(|(run, end)| RunReader {
            blobs: run.blobs,
            next: 0,
            buf: Vec::new(),
            at: 0,
            pos: run.start,
            end,
        })
        .collect();
    let (mut with, mut joining) = Default::default();
    for t in 0..tokens {
        let scratch = (&mut with, &mut joining);
        if let Some(data) = join_token(&mut readers, &mut file, t, chunk, scratch)? {
            if !sink(t, data)? {
                break;
            }
        }
    }
    Ok(())
}

/// What `Indexer::join_ahead` gives back: the joined blobs, one per token,
/// in a file, and (token, size) for each in order.
pub(super) struct Joined {
    pub(super) file: File,
    pub(super) blobs: Vec<(u32, u32)>,
}

/// What went wrong when the joined blobs cannot be written or read back.
pub(super) const JOINED_FILE: &str =
    "cannot write or read back the index's joined file beside the TM";

/// Work on a thread of its own (a flush to the run file, the commit's
/// join), if any is at work.
pub(super) struct Background<T>(pub(super) Option<std::thread::JoinHandle<IndexResult<T>>>);

impl<T> Default for Background<T> {
    fn default() -> Self {
        Background(None)
    }
}

impl<T> Drop for Background<T> {
    /// Work still at it (a flush to the run file, the join into the joined
    /// file) is waited for when a writer is dropped without committing: no
    /// thread outlives its indexer.
    fn drop(&mut self) {
        if let Some(work) = self.0.take() {
            let _ = work.join();
        }
    }
}

/// What a flush to the run file gives back: the file, each token's count of
/// distinct units, and its emptied buffers for the next flush.
pub(super) struct Spilled {
    pub(super) runs: Runs,
    pub(super) counts: Vec<(u32, u32)>,
    pub(super) toks: Vec<u32>,
    pub(super) variants: Vec<Pending>,
    pub(super) grouping: Grouping,
}

/// Buffered postings grouped by token, with a counting sort: linear,
/// where sorting the pairs cost a third of a big import. The variants are
/// taken in (length, unit) order, so each token's list comes out nearly in
/// the order its blob wants (see `encode`): only a token met at different
/// places among variants of one length needs its list sorted. Kept from
/// one flush to the next: allocating its 8 MB afresh each time, on the
/// flush's own thread, let the heap keep ~15 MB more at a big import's
/// peak.
#[derive(Default)]
pub(super) struct Grouping {
    /// Token `t`'s list is `grouped[start[t]..start[t + 1]]`.
    pub(super) start: Vec<usize>,
    pub(super) next: Vec<usize>,
    /// The variants in (length, unit) order, with where their tokens
    /// start in the buffer.
    pub(super) ordered: Vec<(Pending, u32)>,
    pub(super) grouped: Vec<u64>,
    /// A variant's words as (order key, token), to find their places.
    words: Vec<(u64, u32)>,
}

/// A variant waiting in the buffer: its posting packed with place 0
/// (`codec::pack`), where its tokens end in the buffer of tokens, and how
/// many of them are words (the rest are pair buckets, at place 0).
#[derive(Clone, Copy)]
pub(super) struct Pending {
    pub(super) packed: u64,
    pub(super) end: u32,
    pub(super) words: u32,
}

impl Grouping {
    /// Group the buffer's postings by token. `keys[t]` is token `t`'s key
    /// in the fixed order (`order::order_key`): a word's place in a
    /// variant is how many of the variant's words come before it.
    pub(super) fn group(&mut self, toks: &[u32], variants: &[Pending], keys: &[u64]) {
        let start = &mut self.start;
        start.clear();
        start.resize(keys.len() + 1, 0);
        for &t in toks {
            start[t as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        self.ordered.clear();
        // Exactly: grown by doubling, its discarded blocks kept the heap
        // from shrinking after a flush.
        self.ordered.reserve_exact(variants.len());
        let mut from = 0;
        for &v in variants {
            self.ordered.push((v, from));
            from = v.end;
        }
        self.ordered.sort_unstable_by_key(|(v, _)| v.packed);
        // Every slot is written below: only a longer list than last time's
        // needs new ones (zeroing 8 MB a flush was a sixteenth of it).
        self.grouped.resize(toks.len(), 0);
        self.next.clone_from(start);
        for &(v, from) in &self.ordered {
            let tokens = &toks[from as usize..v.end as usize];
            let (words, pairs) = tokens.split_at((v.words as usize).min(tokens.len()));
            self.words.clear();
            self.words
                .extend(words.iter().map(|&t| (keys[t as usize], t)));
            self.words.sort_unstable();
            for (place, &(_, t)) in self.words.iter().enumerate() {
                let t = t as usize;
                let place = (place as u64).min(u64::from(MAX_PLACE));
                self.grouped[self.next[t]] = v.packed + (place << UNIT_BITS);
                self.next[t] += 1;
            }
            for &t in pairs {
                self.grouped[self.next[t as usize]] = v.packed;
                self.next[t as usize] += 1;
            }
        }
        for t in 0..keys.len() {
            let list = &mut self.grouped[self.start[t]..self.start[t + 1]];
            if !list.windows(2).all(|w| w[0] <= w[1]) {
                list.sort_unstable();
            }
        }
    }

    /// Token `t`'s postings, in blob order.
    pub(super) fn list(&self, t: usize) -> &[u64] {
        &self.grouped[self.start[t]..self.start[t + 1]]
    }
}

/// Write buffered postings to the run file as one more run (a blob per
/// token, tokens ascending); returns each token's count of distinct units.
pub(super) fn spill(
    runs: &mut Runs,
    grouping: &mut Grouping,
    toks: &[u32],
    variants: &[Pending],
    keys: &[u64],
) -> IndexResult<Vec<(u32, u32)>> {
    grouping.group(toks, variants, keys);
    let ntoks = keys.len();
    let blobs = grouping.start.windows(2).filter(|w| w[0] < w[1]).count();
    let mut run = Run {
        start: runs.len,
        blobs: Vec::with_capacity(blobs),
    };
    let mut counts = Vec::with_capacity(blobs);
    for t in 0..ntoks {
        let list = grouping.list(t);
        if list.is_empty() {
            continue;
        }
        let data = encode_as(list, true);
        let size = u32::try_from(data.len()).map_err(IndexError::BlobTooBig)?;
        runs.file
            .write_all(&data)
            .map_err(|e| IndexError::file("cannot write the index's run file beside the TM", e))?;
        runs.len += u64::from(size);
        run.blobs.push((t as u32, size));
        counts.push((t as u32, distinct(list) as u32));
    }
    runs.list.push(run);
    Ok(counts)
}
