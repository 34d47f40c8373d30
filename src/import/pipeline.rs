//! The two threads of an import: a reader thread parses the file and does
//! the per-unit CPU work (keys, index tokens: `tm::write::Prepared`) a batch
//! ahead, while the calling thread feeds the units to the TM's writer. It
//! moves units between threads; reading a format is `source`, storing a
//! unit is `tm`.

use std::sync::mpsc::{Receiver, SyncSender};

use super::source::{Located, Source};
use super::ImportError;
use crate::tm::write::{OnDuplicate, Prepared};
use crate::tm::TmError;
use crate::tm::TmWriter;
use crate::unit::Unit;

/// Units parsed and prepared by the reader thread, with what it saw.
struct Batch {
    units: Vec<(Unit, Prepared)>,
    warnings: Vec<Located>,
    bytes_read: u64,
}

const BATCH: usize = 256;

/// Start bringing over the units after `units[i]`, which the other thread
/// touched last, on the other core (see `Prepared::prefetch`): the arrays of
/// the one two ahead, the strings and lists of the next one.
fn prefetch_after(units: &[(Unit, Prepared)], i: usize) {
    if let Some((u, p)) = units.get(i + 2) {
        p.prefetch(u, true);
    }
    if let Some((u, p)) = units.get(i + 1) {
        p.prefetch(u, false);
    }
}

/// The reader thread: send batches until the end of the file, an input
/// error (returned), or the writer hanging up (it failed; it reports).
/// Batches the writer is done with come back on `used` and are refilled
/// in place: the TMX reader builds the next units in the old ones' strings
/// and vectors, and what is freed is freed here. Freeing memory another
/// thread allocated cost the writer, the import's critical path, about a
/// tenth of its time.
fn read_batches(
    source: &mut Source,
    sender: &SyncSender<Batch>,
    used: &Receiver<Batch>,
    with_tokens: bool,
) -> Result<(), Located> {
    let mut returned = Vec::new();
    let mut spans = Vec::new();
    loop {
        returned.extend(used.try_iter().map(|batch| batch.units));
        let mut units = returned.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
        let mut filled = 0;
        let mut end = false;
        while filled < BATCH {
            if filled == units.len() {
                units.push(Default::default());
            }
            // The next units' buffers were last used by the writer.
            prefetch_after(&units, filled);
            let (unit, prepared) = &mut units[filled];
            if !source.next_unit_into(unit)? {
                end = true;
                break;
            }
            prepared.refill(unit, with_tokens, &mut spans);
            filled += 1;
        }
        units.truncate(filled);
        let batch = Batch {
            units,
            warnings: source.take_warnings(),
            bytes_read: source.bytes_read(),
        };
        if sender.send(batch).is_err() || end {
            return Ok(());
        }
    }
}

/// Read every unit of `source` and add it to `writer` (not committed).
/// `progress` is called after each batch with the bytes read so far.
/// Returns how many units were read and the reader's warnings.
pub(super) fn write_all(
    writer: &mut dyn TmWriter,
    mut source: Source,
    on_duplicate: OnDuplicate,
    mut progress: impl FnMut(u64),
) -> Result<(u64, Vec<Located>), ImportError> {
    // The bounded channel keeps memory flat whatever the file size.
    let mut units_read = 0u64;
    let mut warnings = Vec::new();
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        // Unbounded, but never holds more than the batches in flight.
        let (give_back, used) = std::sync::mpsc::channel::<Batch>();
        let with_tokens = writer.is_fresh();
        let reader = scope.spawn(move || read_batches(&mut source, &sender, &used, with_tokens));
        let written = (|| -> Result<(), ImportError> {
            for mut batch in &batches {
                let units = &batch.units;
                for (i, (unit, prepared)) in units.iter().enumerate() {
                    prefetch_after(units, i);
                    writer
                        .add_prepared(unit, prepared, on_duplicate)
                        .map_err(TmError::from)?;
                }
                units_read += batch.units.len() as u64;
                warnings.append(&mut batch.warnings);
                progress(batch.bytes_read);
                // If the reader is gone, the batch is simply freed here.
                let _ = give_back.send(batch);
            }
            Ok(())
        })();
        // Stop the reader (its next send fails) before waiting for it.
        drop(batches);
        let read = reader.join().expect("the reader thread panicked");
        written?;
        read.map_err(ImportError::Input)
    })?;
    Ok((units_read, warnings))
}
