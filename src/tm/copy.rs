//! A whole TM into another, empty one, whichever databases hold them
//! (`tarjuman migrate`: SQLite to PostgreSQL and back): every unit in id
//! order with all it holds, the origins as recorded (kind, import time,
//! header), the aligner's word counts and `serve`'s tokens, all in one
//! write transaction (all or nothing), the units with duplicates kept, so the two
//! TMs export the same file; the destination's own index and counters are
//! built as it is written. Unit ids are the destination's (1, 2, … in the
//! source's order): they match the source's unless units were deleted
//! there.
//!
//! The source is read on a thread of its own (moved there: a store is
//! `Send`, not `Sync`) and its units handed over in batches.

use std::sync::mpsc;

use super::backend::TmStore;
use super::read::UnitFilter;
use super::write::{OnDuplicate, OriginInfo, WriteError};
use super::TmError;
use crate::unit::Unit;

/// What was copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Copied {
    pub units: u64,
    pub origins: usize,
    pub word_pairs: usize,
    pub tokens: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Tm(#[from] TmError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The destination already holds units: a copy would mix two TMs.
    #[error("{to}: the destination already holds {units} units; migrate into an empty translation memory")]
    NotEmpty { to: String, units: u64 },
    /// The thread reading the source panicked.
    #[error("reading the source failed unexpectedly")]
    ReaderPanicked,
}

/// Units handed from the reading thread at a time.
const BATCH: usize = 512;

/// Copy all of `from` into `to`, which must hold no units; `progress`
/// hears how many units are written so far.
pub fn copy_tm(
    from: Box<dyn TmStore>,
    to: &mut dyn TmStore,
    mut progress: impl FnMut(u64),
) -> Result<Copied, CopyError> {
    let held = to.stats()?.units;
    if held > 0 {
        return Err(CopyError::NotEmpty {
            to: super::backend::shown(to.location()),
            units: held,
        });
    }
    let origins = from.origins()?;
    let counts = from.word_counts()?;
    let tokens = from.tokens()?;
    // The writer's own origin is one the units name (it is overwritten by
    // `restore_origin` like the others).
    let own = OriginInfo {
        name: origins.first().map_or_else(String::new, |o| o.name.clone()),
        kind: origins.first().map_or_else(String::new, |o| o.kind.clone()),
        header: None,
    };
    let mut copied = Copied::default();
    std::thread::scope(|scope| -> Result<(), CopyError> {
        let (send, batches) = mpsc::sync_channel::<Vec<Unit>>(4);
        let reader = scope.spawn(move || -> Result<u64, TmError> {
            let mut batch = Vec::with_capacity(BATCH);
            let mut write = |unit: &Unit| -> Result<(), TmError> {
                batch.push(unit.clone());
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    send.send(full).map_err(|_| TmError::WriterStopped)?;
                }
                Ok(())
            };
            let n = from.each_unit(&UnitFilter::default(), &mut Some, &mut write)?;
            if !batch.is_empty() {
                send.send(batch).map_err(|_| TmError::WriterStopped)?;
            }
            Ok(n)
        });
        let written = (|| -> Result<_, CopyError> {
            let mut writer = to.bulk_writer(&own)?;
            let mut n = 0;
            for batch in batches {
                for unit in &batch {
                    writer.add(unit, OnDuplicate::Keep)?;
                }
                n += batch.len() as u64;
                progress(n);
            }
            Ok((writer, n))
        })();
        // A failed write drops the channel: the reader stops too. The
        // channel also ends when reading fails, so the copy is committed
        // only once the reader has said it read everything (a writer
        // dropped uncommitted rolls back).
        let read = reader.join().map_err(|_| CopyError::ReaderPanicked)?;
        let (mut writer, n) = written?;
        read?;
        for origin in &origins {
            writer.restore_origin(origin)?;
        }
        (copied.word_pairs, copied.tokens) = writer.restore_extras(counts, tokens)?;
        writer.commit()?;
        copied.units = n;
        Ok(())
    })?;
    copied.origins = origins.len();
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tm::Store;

    /// A source TM at `path` holding `n` units.
    fn source(path: &std::path::Path, n: usize) -> Store {
        let mut source = Store::open(path).unwrap();
        let origin = OriginInfo {
            name: "idlib.tsv".into(),
            kind: "tsv".into(),
            header: None,
        };
        let mut w = source.writer(&origin).unwrap();
        for i in 0..n {
            let unit = Unit::pair(
                "ar",
                &format!("قصفت الطائرات مواقع في ريف إدلب رقم {i}"),
                "en",
                &format!("Aircraft struck positions in rural Idlib, number {i}"),
            );
            w.add(&unit, OnDuplicate::Keep).unwrap();
        }
        w.commit().unwrap();
        source
    }

    #[test]
    fn a_source_that_fails_half_way_leaves_the_destination_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("from.db"), dir.path().join("to.db"));
        let n = 3 * BATCH;
        let source = source(&from, n);
        // The last unit unreadable: its text is not text.
        source
            .conn
            .execute(
                "UPDATE variant SET plain = X'FF' WHERE unit_id = ?1",
                [n as i64],
            )
            .unwrap();
        drop(source);
        let from = crate::tm::open(&from, crate::tm::Access::Read).unwrap();
        let mut dest = crate::tm::open(&to, crate::tm::Access::Write).unwrap();
        let mut seen = 0;
        let result = copy_tm(from, &mut *dest, |k| seen = k);
        assert!(matches!(result, Err(CopyError::Tm(_))), "{result:?}");
        assert!(
            seen >= BATCH as u64,
            "batches were written before the failure"
        );
        assert_eq!(dest.stats().unwrap().units, 0);
    }

    /// The word counts and tokens go in the units' transaction: when
    /// storing a token fails, the destination is left without units too,
    /// so the migration can simply be run again.
    #[test]
    fn a_failure_after_the_units_leaves_the_destination_empty() {
        use crate::tm::backend::StoredToken;
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("from.db"), dir.path().join("to.db"));
        let mut source = source(&from, 10);
        source
            .add_word_pairs(&[("إدلب", 3)], &[("Idlib", 3)], &[("إدلب", "Idlib", 3)])
            .unwrap();
        let token = StoredToken {
            name: "desk".into(),
            scope: "read".into(),
            sha256: "00".repeat(32),
            created_at: "20261207T120000Z".into(),
        };
        source.add_token(&token).unwrap();
        drop(source);
        // A destination that refuses tokens (as a full disk or a lost
        // connection would refuse the last writes).
        let dest = Store::open(&to).unwrap();
        dest.conn
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON api_token
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        drop(dest);
        let from = crate::tm::open(&from, crate::tm::Access::Read).unwrap();
        let mut dest = crate::tm::open(&to, crate::tm::Access::Write).unwrap();
        let result = copy_tm(from, &mut *dest, |_| {});
        assert!(matches!(result, Err(CopyError::Write(_))), "{result:?}");
        assert_eq!(dest.stats().unwrap().units, 0);
        assert!(dest.word_counts().unwrap().pairs.is_empty());
        assert!(dest.origins().unwrap().is_empty());
    }
}
