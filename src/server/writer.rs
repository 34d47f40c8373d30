//! The writer: one thread that owns the TM's only read-write connection
//! and does every write (imports, deletes) one at a time, in the order the
//! requests arrived. Each write is one transaction, so a write the server
//! is stopped in the middle of is rolled back, never half there. Closing
//! the writer lets the queued writes finish first.
//! Not here: reads (`pool`), HTTP.

use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::error::ApiError;
use crate::api::{DeleteResult, DeletedUnit};
use crate::import::{import_file, FileReport, ImportError, ImportOptions};
use crate::tm::TmStore;

/// Which units a delete takes (exactly one).
#[derive(Debug, Clone)]
pub enum Which {
    Ids(Vec<i64>),
    Origin(String),
    Source { src_lang: String, text: String },
}

type Reply<T> = oneshot::Sender<T>;

enum Job {
    Import {
        path: PathBuf,
        opts: ImportOptions,
        /// The upload's folder, removed once the import is over (also
        /// when the client went away before).
        spool: tempfile::TempDir,
        reply: Reply<Result<FileReport, ImportError>>,
    },
    Delete {
        which: Which,
        dry_run: bool,
        reply: Reply<Result<DeleteResult, ApiError>>,
    },
}

/// How much lower than the readers the writer runs (a `nice` value),
/// where the idle class below is refused.
#[cfg(target_os = "linux")]
const WRITER_NICE: i32 = 10;

/// Put this thread (and the threads it starts: an import's reader thread
/// inherits it) in Linux's idle scheduling class, else `WRITER_NICE`
/// above the process's priority; where both are refused, writes run at
/// the readers' priority. Lookups are a translator waiting in a CAT tool;
/// an import is a batch job, which gets the CPU time nothing else wants
/// and gives it back at once when a reader wakes. Measured on 2 cores
/// under 64 clients (BENCHMARKS.md, Serving): at equal priority an import
/// took a core from the readers (lookups fell to about half); at nice +10
/// the lookups' p99 was 20–24 ms during a 100,000-unit import (25–29 s);
/// in the idle class 18–19 ms, the import under that full load taking
/// 60–63 s. A machine whose cores other programs keep busy
/// leaves an import little time: it takes longer, never fails for that.
fn yield_to_readers() {
    #[cfg(target_os = "linux")]
    {
        let idle = libc::sched_param { sched_priority: 0 };
        // SAFETY: a system call on this thread (0) with a valid parameter.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &idle) } == 0 {
            return;
        }
        use rustix::process::{getpriority_process, setpriority_process};
        let tid = Some(rustix::thread::gettid());
        if let Ok(now) = getpriority_process(tid) {
            let _ = setpriority_process(tid, (now + WRITER_NICE).min(19));
        }
    }
}

pub struct Writer {
    jobs: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Start the writer thread on `store`.
    pub fn start(mut store: Box<dyn TmStore>) -> Writer {
        let (send, jobs) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("tarjuman-writer".into())
            .spawn(move || {
                yield_to_readers();
                for job in jobs {
                    match job {
                        Job::Import {
                            path,
                            opts,
                            spool,
                            reply,
                        } => {
                            let result = import_file(&mut *store, &path, &opts, |_| {});
                            drop(spool);
                            let _ = reply.send(result);
                            // After the answer: the units are committed and
                            // seen; this only speeds the reads up again.
                            let _ = store.settle();
                        }
                        Job::Delete {
                            which,
                            dry_run,
                            reply,
                        } => {
                            let _ = reply.send(delete(&mut *store, &which, dry_run));
                            let _ = store.settle();
                        }
                    }
                }
            })
            .expect("cannot start the writer thread");
        Writer {
            jobs: Mutex::new(Some(send)),
            thread: Mutex::new(Some(thread)),
        }
    }

    fn submit(&self, job: Job) -> Result<(), ApiError> {
        let gone = || ApiError::unavailable("the server is shutting down; nothing was written");
        let jobs = self.jobs.lock().map_err(|_| gone())?;
        jobs.as_ref()
            .ok_or_else(gone)?
            .send(job)
            .map_err(|_| gone())
    }

    /// Import the file at `path` in one transaction, after the writes queued before it.
    pub async fn import(
        &self,
        path: PathBuf,
        opts: ImportOptions,
        spool: tempfile::TempDir,
    ) -> Result<Result<FileReport, ImportError>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Import {
            path,
            opts,
            spool,
            reply,
        })?;
        answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped during the import"))
    }

    /// Delete (or, dry run, list) the units `which` selects.
    pub async fn delete(&self, which: Which, dry_run: bool) -> Result<DeleteResult, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Delete {
            which,
            dry_run,
            reply,
        })?;
        answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped during the delete"))?
    }

    /// Is the writer thread still there to take writes?
    pub fn alive(&self) -> bool {
        self.thread
            .lock()
            .ok()
            .and_then(|t| t.as_ref().map(|t| !t.is_finished()))
            .unwrap_or(false)
    }

    /// Take no more writes, finish the queued ones, and wait for the thread.
    pub fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// `tarjuman delete`'s selection and deletion, on the writer's connection.
fn delete(store: &mut dyn TmStore, which: &Which, dry_run: bool) -> Result<DeleteResult, ApiError> {
    let ids: Vec<i64> = match which {
        Which::Origin(origin) => {
            let origin = crate::api::resolve_origin(store, origin)?;
            store.unit_ids_of_origin(&origin)?
        }
        Which::Source { src_lang, text } => {
            crate::tm::fuzzy::units_with_source(store, src_lang, text)?
        }
        Which::Ids(ids) => store.split_existing(ids)?.0,
    };
    if dry_run {
        let mut units = Vec::with_capacity(ids.len());
        for &id in &ids {
            if let Some(unit) = store.load_unit(id)? {
                let texts = unit.variants.iter().map(|v| v.seg.plain.clone()).collect();
                units.push(DeletedUnit { unit_id: id, texts });
            }
        }
        return Ok(DeleteResult::DryRun {
            dry_run: true,
            would_delete: ids.len(),
            units,
        });
    }
    let deleted = store.delete_units(&ids)?;
    Ok(DeleteResult::Deleted {
        dry_run: false,
        deleted,
        ids,
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_writer_yields_to_the_readers() {
        // SAFETY: queries about this thread.
        let before = unsafe { libc::sched_getscheduler(0) };
        let policy = std::thread::spawn(|| {
            super::yield_to_readers();
            // SAFETY: a query about this thread.
            unsafe { libc::sched_getscheduler(0) }
        })
        .join()
        .unwrap();
        assert_eq!(policy, libc::SCHED_IDLE);
        // Only the thread that called it: this one is left as it was.
        assert_eq!(unsafe { libc::sched_getscheduler(0) }, before);
    }
}
