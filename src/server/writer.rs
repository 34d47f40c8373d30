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

/// How much lower than the readers the writer runs (a `nice` value).
/// Lookups are a translator waiting in a CAT tool; an import is a batch
/// job. At equal priority an import took a core of two from the readers
/// (lookups during a 100,000-unit import fell to about half); at this one
/// the scheduler gives the readers the cores they ask for and the import
/// the rest, so an import under full lookup load takes longer instead.
#[cfg(target_os = "linux")]
const WRITER_NICE: i32 = 10;

/// Lower this thread's CPU priority (and that of the threads it starts:
/// an import's reader thread inherits it) to `WRITER_NICE` above the
/// process's. Where that is refused, writes run at the readers' priority.
fn yield_to_readers() {
    #[cfg(target_os = "linux")]
    {
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
                        }
                        Job::Delete {
                            which,
                            dry_run,
                            reply,
                        } => {
                            let _ = reply.send(delete(&mut *store, &which, dry_run));
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
