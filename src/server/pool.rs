//! The readers: a fixed set of threads (one per core by default), each
//! owning one read-only connection to the TM (SQLite or PostgreSQL,
//! `tm::open`) and the matchers made on it. Requests that read send their
//! work to whichever reader is free and await its answer, so lookups run in
//! parallel on every core and never on the async threads. A reader sees the
//! last committed state and is never blocked by the writer (`writer`):
//! SQLite in WAL mode, PostgreSQL by its snapshots.
//!
//! A reader keeps its matcher for a language pair from one request to the
//! next, so the dictionary entries it has read stay cached (a lookup of a
//! fresh matcher reads each query word from the TM). The matchers are made
//! afresh after any commit to the TM (by the server's writer or another
//! process: `data_version` says, SQLite's own or PostgreSQL's `tm_change`
//! counter) and after `MATCHER_USES` requests, which bounds the cache.
//! Not here: writes, HTTP.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::error::ApiError;
use super::ServeError;
use crate::tm::fuzzy::Matcher;
use crate::tm::source::IndexRead;
use crate::tm::{Access, StoreError, TmError, TmStore};

/// Requests a matcher serves before it is made afresh (its dictionary
/// cache grows with the words it has seen).
pub const MATCHER_USES: u32 = 50_000;

type Job = Box<dyn for<'s> FnOnce(&mut Reader<'s>) + Send>;

pub struct Readers {
    jobs: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

/// What a job gets on its reader thread: the connection, and the
/// matchers kept on it.
pub struct Reader<'s> {
    store: &'s dyn TmStore,
    matchers: HashMap<(String, String), (Matcher<'s>, u32)>,
    /// The TM's `data_version` when the matchers were made.
    version: Option<i64>,
    /// Matchers made so far.
    made: u64,
}

impl<'s> Reader<'s> {
    pub fn store(&self) -> &'s dyn TmStore {
        self.store
    }

    /// How many matchers this reader has made (the first for each pair,
    /// then one after each change to the TM).
    pub fn matchers_made(&self) -> u64 {
        self.made
    }

    /// The matcher for `src` → `tgt` (normalized tags), kept from earlier
    /// requests if the TM has not changed since; 404 when the TM has no
    /// units in the pair.
    pub fn matcher(&mut self, src: &str, tgt: &str) -> Result<&Matcher<'s>, ApiError> {
        let key = (src.to_string(), tgt.to_string());
        let stale = self
            .matchers
            .get(&key)
            .map_or(true, |(_, uses)| *uses >= MATCHER_USES);
        if stale {
            let m = new_matcher(self.store, src, tgt)?;
            self.made += 1;
            self.matchers.insert(key.clone(), (m, 0));
        }
        let (m, uses) = self
            .matchers
            .get_mut(&key)
            .expect("the matcher was just made if missing");
        *uses += 1;
        Ok(m)
    }

    /// Forget the matchers if another connection committed since they
    /// were made.
    fn refresh(&mut self) {
        let version = self.store.data_version();
        if version.is_none() || version != self.version {
            self.matchers.clear();
            self.version = version;
        }
    }

    /// After a job panicked: end the read transaction it may have left
    /// open (it would pin the reader to an old snapshot) and forget the
    /// matchers.
    fn recover(&mut self) {
        self.store.end_abandoned_read();
        self.matchers.clear();
    }
}

/// A matcher for the pair; 404 when the TM has no units in it.
pub fn new_matcher<'s>(
    store: &'s dyn IndexRead,
    src: &str,
    tgt: &str,
) -> Result<Matcher<'s>, ApiError> {
    Matcher::new(store, src, tgt).map_err(|e| match e {
        TmError::Empty { .. } | TmError::NoPair { .. } | TmError::NotALanguage(_) => {
            ApiError::not_found("language_pair_not_in_tm", e.to_string())
        }
        other => ApiError::from(other),
    })
}

/// One read-only connection to the TM at `path` (a file, which must
/// exist, or a PostgreSQL URL), as every command that only reads opens it.
pub fn open_read_only(path: &Path) -> Result<Box<dyn TmStore>, StoreError> {
    crate::tm::open(path, Access::Read)
}

/// A reader thread: take jobs until the pool is dropped.
fn work(store: Box<dyn TmStore>, jobs: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut reader = Reader {
        store: &*store,
        matchers: HashMap::new(),
        version: store.data_version(),
        made: 0,
    };
    loop {
        // The lock is held only to take a job, never while running one.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        reader.refresh();
        // A panic drops the job's reply, which its request sees as an
        // internal error; the reader goes on.
        if catch_unwind(AssertUnwindSafe(|| job(&mut reader))).is_err() {
            reader.recover();
        }
    }
}

impl Readers {
    /// `n` reader threads on the TM at `path`.
    pub fn open(path: &Path, n: usize) -> Result<Arc<Readers>, ServeError> {
        let stores = (0..n.max(1))
            .map(|_| open_read_only(path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| ServeError::Readers {
                path: path.to_path_buf(),
                source,
            })?;
        let (send, recv) = mpsc::channel::<Job>();
        let recv = Arc::new(Mutex::new(recv));
        let threads = stores
            .into_iter()
            .enumerate()
            .map(|(i, store)| {
                let recv = Arc::clone(&recv);
                std::thread::Builder::new()
                    .name(format!("tarjuman-reader-{i}"))
                    .spawn(move || work(store, recv))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Readers {
            jobs: Some(send),
            threads,
        }))
    }

    /// Run `f` on the next free reader's connection.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn TmStore) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.run_with(move |reader| f(reader.store())).await
    }

    /// Run `f` on the next free reader (its connection and matchers).
    pub async fn run_with<T: Send + 'static>(
        &self,
        f: impl for<'s> FnOnce(&mut Reader<'s>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |reader| {
            // The request may have gone (timeout, client away): no one to tell.
            let _ = reply.send(f(reader));
        });
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(|| ApiError::unavailable("the server is shutting down"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a reader failed while answering"))
    }
}

impl Drop for Readers {
    /// Let the readers finish the jobs queued and stop.
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tm::{OnDuplicate, OriginInfo, Store};
    use crate::unit::Unit;

    const SRC: &str = "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية";
    const TGT: &str = "Iranian militias evacuate their largest military base in eastern Syria";
    const EDITED: &str = "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية شرقي سورية";
    const NEW_SRC: &str = "وفد المعارضة السورية يلتقي لافروف في موسكو";
    const NEW_TGT: &str = "Syrian opposition delegation meets Lavrov in Moscow";

    fn add(path: &Path, name: &str, src: &str, tgt: &str) {
        let mut store = Store::open(path).unwrap();
        let origin = OriginInfo {
            name: name.into(),
            kind: "tsv".into(),
            header: None,
        };
        let mut w = store.writer(&origin).unwrap();
        w.add(&Unit::pair("ar", src, "en", tgt), OnDuplicate::Skip)
            .unwrap();
        w.commit().unwrap();
    }

    /// (best source, its score, matchers the reader has made) for `query`.
    async fn look(readers: &Readers, query: &'static str) -> (String, u8, u64) {
        readers
            .run_with(move |r| {
                let best = r
                    .matcher("ar", "en")
                    .unwrap()
                    .lookup(query, None, 50, 1)
                    .unwrap()
                    .into_iter()
                    .next()
                    .map(|m| (m.source, m.score))
                    .unwrap_or_default();
                (best.0, best.1, r.matchers_made())
            })
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_reader_keeps_its_matcher_until_the_tm_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tm.db");
        add(&path, "first.tsv", SRC, TGT);
        let readers = Readers::open(&path, 1).unwrap();
        let (best, score, made) = look(&readers, EDITED).await;
        assert_eq!((best.as_str(), made), (SRC, 1));
        assert!((70..100).contains(&score), "{score}");
        // The same TM: the same matcher.
        assert_eq!(look(&readers, SRC).await, (SRC.to_string(), 100, 1));
        // A commit by another connection: a new matcher, which finds
        // the new unit.
        add(&path, "second.tsv", NEW_SRC, NEW_TGT);
        assert_eq!(look(&readers, NEW_SRC).await, (NEW_SRC.to_string(), 100, 2));
        assert_eq!(look(&readers, SRC).await, (SRC.to_string(), 100, 2));
        // A pair the TM lacks is a 404, and makes no matcher.
        let missing = readers
            .run_with(|r| r.matcher("ar", "de").err().map(|e| e.code))
            .await
            .unwrap();
        assert_eq!(missing, Some("language_pair_not_in_tm"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_job_that_panics_fails_its_request_and_the_reader_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tm.db");
        add(&path, "first.tsv", SRC, TGT);
        let readers = Readers::open(&path, 1).unwrap();
        let failed = readers
            .run(|store| {
                // In the middle of a read transaction.
                let _ = store.in_snapshot(&mut || {
                    store.stats()?;
                    panic!("a bug in a handler");
                });
            })
            .await;
        assert_eq!(failed.err().map(|e| e.code), Some("internal"));
        // The transaction was ended: the reader sees a later commit.
        add(&path, "second.tsv", NEW_SRC, NEW_TGT);
        let (best, score, _) = look(&readers, NEW_SRC).await;
        // (An open transaction would have kept the old snapshot.)
        assert_eq!((best.as_str(), score), (NEW_SRC, 100));
    }
}
