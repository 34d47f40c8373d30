//! The readers: a fixed set of read-only connections to the TM (SQLite or
//! PostgreSQL, `tm::open`), one lent to each request that reads, on a
//! blocking thread so that lookups run in parallel on every core. A
//! connection is not shared between threads (a store is `Send`, not
//! `Sync`), only handed from one to the next. A reader sees the last
//! committed state and is never blocked by the writer (`writer`): SQLite
//! in WAL mode, PostgreSQL by its snapshots.
//! Not here: writes, HTTP.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;
use crate::tm::{Access, StoreError, TmStore};

pub struct Readers {
    idle: Mutex<Vec<Box<dyn TmStore>>>,
    permits: Arc<Semaphore>,
}

/// A connection lent out; it goes back to the pool when dropped (also when
/// the work on it panicked).
pub struct Lease {
    store: Option<Box<dyn TmStore>>,
    pool: Arc<Readers>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    pub fn store(&self) -> &dyn TmStore {
        self.store
            .as_deref()
            .expect("a lease holds its store until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(store), Ok(mut idle)) = (self.store.take(), self.pool.idle.lock()) {
            idle.push(store);
        }
    }
}

/// One read-only connection to the TM at `path` (a file, which must
/// exist, or a PostgreSQL URL), as every command that only reads opens it.
pub fn open_read_only(path: &Path) -> Result<Box<dyn TmStore>, StoreError> {
    crate::tm::open(path, Access::Read)
}

impl Readers {
    /// `n` connections to the TM at `path`.
    pub fn open(path: &Path, n: usize) -> Result<Arc<Readers>, StoreError> {
        let n = n.max(1);
        let idle = (0..n)
            .map(|_| open_read_only(path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Readers {
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(n)),
        }))
    }

    /// Wait for a free connection.
    pub async fn lease(self: &Arc<Self>) -> Result<Lease, ApiError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
        let store = self
            .idle
            .lock()
            .map_err(|_| ApiError::internal("the reader pool is poisoned"))?
            .pop()
            .ok_or_else(|| ApiError::internal("no idle reader despite a permit"))?;
        Ok(Lease {
            store: Some(store),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }

    /// Run `f` on a lent connection, on a blocking thread.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&dyn TmStore) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let lease = self.lease().await?;
        tokio::task::spawn_blocking(move || f(lease.store()))
            .await
            .map_err(|e| ApiError::internal(format!("a reader failed: {e}")))
    }
}
