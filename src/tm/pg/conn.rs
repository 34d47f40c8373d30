//! The connection of a PostgreSQL write transaction, on a thread of its
//! own, so that the server stores one batch while the writer prepares the
//! next.
//!
//! The `postgres` client moves bytes only while its caller waits on it: an
//! import that prepared units and `COPY`'d them on one thread left the
//! server idle while it prepared, and itself idle while the server took a
//! batch in (of a 1M-unit import's 64 s: 34 s waiting on `COPY`, 18 s
//! preparing with the server idle). Here `send`
//! queues work (a batch's `COPY`) and returns, `call` queues work and waits
//! for its answer. Jobs run in the order sent, so a query sees every batch
//! sent before it. After a job fails, the jobs after it are skipped and the
//! next `send`, `call` or `finish` returns its error; dropped without
//! `finish`, the transaction is rolled back before `drop` returns (the
//! write lock is free again).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use postgres::Client;

use crate::tm::write::WriteError;

type Result<T, E = WriteError> = std::result::Result<T, E>;

type Job = Box<dyn FnOnce(&mut Client) -> Result<()> + Send>;

/// A connection inside its write transaction, owned by its thread.
pub(super) struct Conn {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// The first job's error, until reported.
    failure: Mutex<Option<WriteError>>,
    /// A job failed (or the writer was dropped): skip the rest.
    stopped: AtomicBool,
    /// The last job committed: nothing to roll back.
    committed: AtomicBool,
}

impl Shared {
    fn fail(&self, e: WriteError) {
        self.stopped.store(true, Ordering::SeqCst);
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(e);
    }

    /// The failure not yet reported, or `Stopped` if it was.
    fn take_failure(&self) -> WriteError {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.take().unwrap_or(WriteError::Stopped)
    }
}

impl Conn {
    /// Run `client`'s transaction (begun, the write lock held) on a new
    /// thread.
    pub fn start(mut client: Client) -> Result<Conn> {
        // One batch queued behind the one being written: the writer runs at
        // most a batch ahead of the server, memory stays bounded.
        let (jobs, queue) = sync_channel::<Job>(1);
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("tarjuman-pg-writer".into())
            .spawn(move || {
                for job in queue {
                    if state.stopped.load(Ordering::SeqCst) {
                        continue;
                    }
                    if let Err(e) = job(&mut client) {
                        state.fail(e);
                    }
                }
                if !state.committed.load(Ordering::SeqCst) {
                    // Also on the server's side when the connection closes;
                    // said here so that the lock is free when `drop` returns.
                    let _ = client.batch_execute("ROLLBACK");
                }
            })
            .map_err(|e| WriteError::Thread(e.to_string()))?;
        Ok(Conn {
            jobs: Some(jobs),
            thread: Some(thread),
            shared,
        })
    }

    /// Queue `job` and return; an earlier job's error, if there was one.
    pub fn send(
        &mut self,
        job: impl FnOnce(&mut Client) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        if self.shared.stopped.load(Ordering::SeqCst) {
            return Err(self.shared.take_failure());
        }
        let jobs = self.jobs.as_ref().expect("jobs are sent until finish");
        if jobs.send(Box::new(job)).is_err() {
            // The thread is gone: it panicked (reported by `finish`).
            return Err(WriteError::Stopped);
        }
        Ok(())
    }

    /// Run `f` after everything sent before it, and return its answer.
    pub fn call<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Client) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let (answer, answered) = sync_channel(1);
        self.send(move |client| {
            let r = f(client)?;
            let _ = answer.send(r);
            Ok(())
        })?;
        match answered.recv() {
            Ok(r) => Ok(r),
            // `f` failed, or was skipped after an earlier failure.
            Err(_) => Err(self.shared.take_failure()),
        }
    }

    /// `call` with `state` moved to the connection's thread and back (the
    /// writer's counters and index builder, for the statements that need
    /// them).
    pub fn call_with<S, R>(
        &mut self,
        state: &mut S,
        f: impl FnOnce(&mut Client, &mut S) -> Result<R> + Send + 'static,
    ) -> Result<R>
    where
        S: Default + Send + 'static,
        R: Send + 'static,
    {
        let mut moved = std::mem::take(state);
        let (back, r) = self.call(move |client| {
            let r = f(client, &mut moved);
            Ok((moved, r))
        })?;
        *state = back;
        r
    }

    /// Run `last` (which commits), then end the thread; the first error of
    /// any job.
    pub fn finish(
        mut self,
        last: impl FnOnce(&mut Client) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let state = self.shared.clone();
        self.send(move |client| {
            last(client)?;
            state.committed.store(true, Ordering::SeqCst);
            Ok(())
        })?;
        self.jobs = None;
        let thread = self.thread.take().expect("joined once");
        if let Err(panic) = thread.join() {
            std::panic::resume_unwind(panic);
        }
        if self.shared.committed.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(self.shared.take_failure())
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Abandoned (an error, or the caller gave up): skip what is queued,
        // roll back, and wait for it.
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
