//! Creating an SQLite TM: the lock every creator takes, and a new TM built
//! beside its path and renamed into place (`NewTm`).
//!
//! Every write into an existing TM goes through its write-ahead log, so
//! that readers in other processes are never blocked; that writes each page
//! twice (into the log, then into the TM). A TM that does not exist yet has
//! no readers to protect, so a first import builds it in `PATH.building`
//! with a rollback journal, writing each page once, and publishes it by
//! renaming it to `PATH` when it commits: readers see no TM, then the whole
//! import, never a part of it.
//!
//! Creating is serialized by an exclusive `flock` on `PATH.building`, which
//! every tarjuman that creates a TM takes (`Store::open` for a brief
//! moment, a `NewTm` for its whole build), so two first imports never race
//! to one path: the second waits, then writes into the TM the first made.
//! The lock file is removed by whoever holds it, so waiters check, once
//! they hold the lock, that their file is still the one at that name.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::store::{Store, StoreError, WriteWait};

/// `path` with `suffix` appended to its file name.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// The files SQLite keeps beside a database while it is open or after a
/// crash.
const COMPANIONS: [&str; 3] = ["-journal", "-wal", "-shm"];

/// How often a waiting creator tries the lock again, and how long it waits
/// before saying so.
const RETRY: Duration = Duration::from_millis(50);
const SAY_AFTER: Duration = Duration::from_secs(1);

/// The lock on creating the TM at a path, held as an open `PATH.building`.
pub(crate) struct CreateLock {
    file: File,
    lock_path: PathBuf,
}

impl CreateLock {
    /// Take the lock on creating the TM at `path`, waiting as `wait` says.
    /// `None`: a TM is at `path` (now, or once another creator finished).
    /// Where there is no `flock` (not Unix), `None` always: a TM is then
    /// created in place, and its first import writes through the log.
    pub(crate) fn acquire(path: &Path, wait: &mut WriteWait) -> Result<Option<Self>, StoreError> {
        if !os::CAN_LOCK {
            return Ok(None);
        }
        let lock_path = with_suffix(path, ".building");
        let io = |source| StoreError::Create {
            path: path.to_path_buf(),
            source,
        };
        let started = Instant::now();
        let mut said = false;
        loop {
            if path.exists() {
                return Ok(None);
            }
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)
                .map_err(io)?;
            match os::try_lock(&file, false) {
                Ok(true) => {}
                Ok(false) => {
                    let waited = started.elapsed();
                    if waited >= wait.timeout {
                        return Err(StoreError::GaveUpCreating {
                            path: path.to_path_buf(),
                            secs: wait.timeout.as_secs(),
                        });
                    }
                    if !said && waited >= SAY_AFTER {
                        said = true;
                        if let Some(say) = wait.on_wait.as_mut() {
                            say(path);
                        }
                    }
                    std::thread::sleep(RETRY);
                    continue;
                }
                Err(e) => return Err(io(e)),
            }
            let lock = CreateLock {
                file,
                lock_path: lock_path.clone(),
            };
            // The holder before us removed the file (or renamed it to
            // `path`): ours is no longer the lock; take the one at the name.
            if !lock.is_at_its_name() {
                continue;
            }
            if path.exists() {
                return Ok(None);
            }
            // Whatever time was spent waiting comes off the writer's wait.
            wait.timeout = wait.timeout.saturating_sub(started.elapsed());
            return Ok(Some(lock));
        }
    }

    /// Is a first import building the TM at `path` right now? (What a
    /// reader tells a user who finds no TM there.)
    pub(crate) fn is_held(path: &Path) -> bool {
        let Ok(file) = File::open(with_suffix(path, ".building")) else {
            return false;
        };
        os::CAN_LOCK && matches!(os::try_lock(&file, true), Ok(false))
    }

    fn is_at_its_name(&self) -> bool {
        match (self.file.metadata(), std::fs::metadata(&self.lock_path)) {
            (Ok(ours), Ok(there)) => os::same_file(&ours, &there),
            _ => false,
        }
    }
}

impl Drop for CreateLock {
    /// Remove the lock file if it is still ours (a published `NewTm` was
    /// renamed away), then let the lock go with the file.
    fn drop(&mut self) {
        if self.is_at_its_name() {
            let _ = std::fs::remove_file(&self.lock_path);
            for suffix in COMPANIONS {
                let _ = std::fs::remove_file(with_suffix(&self.lock_path, suffix));
            }
        }
    }
}

#[cfg(unix)]
mod os {
    use std::fs::{File, Metadata};
    use std::os::unix::fs::MetadataExt;

    use rustix::fs::{flock, FlockOperation};

    pub(super) const CAN_LOCK: bool = true;

    /// `flock` without waiting, exclusive or `shared`: false when another
    /// process holds it.
    pub(super) fn try_lock(file: &File, shared: bool) -> std::io::Result<bool> {
        let op = if shared {
            FlockOperation::NonBlockingLockShared
        } else {
            FlockOperation::NonBlockingLockExclusive
        };
        match flock(file, op) {
            Ok(()) => Ok(true),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn same_file(a: &Metadata, b: &Metadata) -> bool {
        a.dev() == b.dev() && a.ino() == b.ino()
    }
}

/// No `flock` here: `CreateLock::acquire` takes no lock, so neither of
/// these is reached.
#[cfg(not(unix))]
mod os {
    use std::fs::{File, Metadata};

    pub(super) const CAN_LOCK: bool = false;

    pub(super) fn try_lock(_file: &File, _shared: bool) -> std::io::Result<bool> {
        Ok(false)
    }

    pub(super) fn same_file(_a: &Metadata, _b: &Metadata) -> bool {
        false
    }
}

/// A TM being built by its first import in `PATH.building`, published at
/// `PATH` by `publish`; dropped unpublished, it leaves nothing behind.
pub struct NewTm {
    /// Declared before the lock, so the database is closed first.
    store: Store,
    lock: CreateLock,
    path: PathBuf,
}

impl NewTm {
    /// Start building a TM at `path`, which must not exist; `None` when
    /// one is there (open it with `Store::open`), perhaps made by another
    /// creator this one waited for (`wait`; its `on_wait` says so).
    pub fn create(path: &Path, mut wait: WriteWait) -> Result<Option<NewTm>, StoreError> {
        super::store::make_parent(path)?;
        let Some(lock) = CreateLock::acquire(path, &mut wait)? else {
            return Ok(None);
        };
        let io = |source| StoreError::Create {
            path: path.to_path_buf(),
            source,
        };
        // What a build that died left: its half-written file and its hot
        // journal, which SQLite would otherwise play back into the new one.
        lock.file.set_len(0).map_err(io)?;
        for suffix in COMPANIONS {
            match std::fs::remove_file(with_suffix(&lock.lock_path, suffix)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
        let mut store = Store::open_rollback(&lock.lock_path, path)?;
        store.write_wait = wait;
        Ok(Some(NewTm {
            store,
            lock,
            path: path.to_path_buf(),
        }))
    }

    /// The TM being built, to import into.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Put the TM at its path: switched to WAL mode like every TM, written
    /// to disk, renamed into place. Readers see it from then on.
    pub fn publish(self) -> Result<(), StoreError> {
        let NewTm { store, lock, path } = self;
        let sql = |error| StoreError::Sqlite {
            path: path.clone(),
            error,
        };
        let io = |source| StoreError::Create {
            path: path.clone(),
            source,
        };
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sql)?;
        if mode != "wal" {
            return Err(io(std::io::Error::other(format!(
                "SQLite kept the {mode} journal"
            ))));
        }
        // Closing the only connection checkpoints and removes the empty log.
        store.conn.close().map_err(|(_, e)| sql(e))?;
        lock.file.sync_all().map_err(io)?;
        // Every creator holds this lock, so only another program can have
        // put a file at `path` meanwhile: refuse to replace it.
        if path.exists() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file appeared at this path during the import",
            )));
        }
        // A log or journal left by a TM deleted from this path would be
        // taken for the new TM's.
        for suffix in COMPANIONS {
            let _ = std::fs::remove_file(with_suffix(&path, suffix));
        }
        std::fs::rename(&lock.lock_path, &path).map_err(io)?;
        if let Some(dir) = path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        drop(lock);
        Ok(())
    }
}
