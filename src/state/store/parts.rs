//! Reading one table in parallel **parts straight into its final vector**, hashing the
//! content digest's chunks while the rows are still in cache.
//!
//! A reader allocates the whole table once ([`alloc`]), splits it into consecutive parts
//! ([`split`]), fills each part on its own thread while a [`PartHasher`] checks canonical
//! order and hashes every complete chunk of `CHUNK_ROWS` rows, and then [`join`]s the
//! parts' chunk digests in order. The result is exactly what `digest::digest_sorted` would
//! compute afterwards, or `None` when it cannot be (rows out of order, a part that does not
//! start on a chunk boundary): the caller then hashes the rows the slow way.
//!
//! [`read_tables`] runs a store's reader on the seven tables (the securables first, then the
//! others in parallel, sharing the securables' names) and assembles the snapshot: the one
//! place both stores share for that. Never does IO itself.

use std::convert::Infallible;
use std::sync::{Mutex, PoisonError};

use super::Error;
use super::tables::{self, EachTable, Table};
use crate::state::digest::{CHUNK_ROWS, Canonical, TableChunks, chunk_digest, rows_in_order};
use crate::state::intern::Pool;
use crate::state::{SecurableRow, Snapshot};

/// The chunk digests of a table or part, when they could be computed while reading.
pub(crate) type Chunks = Option<Vec<[u8; 32]>>;

/// The rows of one table as read, with their [`Chunks`].
pub(crate) type TableRead<R> = (Vec<R>, Chunks);

/// A vector of `n` default rows for the parts to overwrite (no per-part vectors to
/// concatenate, so reading needs no second copy of the table).
pub(crate) fn alloc<R: Default>(n: usize) -> Vec<R> {
    let mut out = Vec::new();
    out.resize_with(n, R::default);
    out
}

/// Split `out` into consecutive parts of `sizes` rows (which must add up to its length),
/// each with the index of its first row.
pub(crate) fn split<'a, R>(out: &'a mut [R], sizes: &[usize]) -> Vec<(usize, &'a mut [R])> {
    let mut parts = Vec::with_capacity(sizes.len());
    let mut rest = out;
    let mut start = 0;
    for &n in sizes {
        let (part, tail) = rest.split_at_mut(n.min(rest.len()));
        parts.push((start, part));
        rest = tail;
        start += n;
    }
    parts
}

/// Order check and chunk hashing for one part being filled from its start.
pub(crate) struct PartHasher {
    /// Still hashing: the part starts on a chunk boundary and its rows are in order so far.
    hashing: bool,
    checked: usize,
    hashed: usize,
    chunks: Vec<[u8; 32]>,
    buf: Vec<u8>,
}

impl PartHasher {
    /// For a part whose first row is row `start` of the table.
    pub(crate) fn new(start: usize) -> Self {
        PartHasher {
            hashing: start.is_multiple_of(CHUNK_ROWS),
            checked: 0,
            hashed: 0,
            chunks: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// `part[..filled]` now holds decoded rows: check their order and hash every complete
    /// chunk. Call it as rows arrive (every chunk or batch) so they are hashed while hot.
    pub(crate) fn update<R: Canonical>(&mut self, part: &[R], filled: usize) {
        let filled = filled.min(part.len());
        if !self.hashing || filled <= self.checked {
            return;
        }
        let from = self.checked.saturating_sub(1);
        self.hashing = rows_in_order(&part[from..filled]);
        self.checked = filled;
        while self.hashing && filled - self.hashed >= CHUNK_ROWS {
            let chunk = &part[self.hashed..self.hashed + CHUNK_ROWS];
            self.chunks.push(chunk_digest(chunk, &mut self.buf));
            self.hashed += CHUNK_ROWS;
        }
    }

    /// The part is complete: its chunk digests (the last one may be short), or `None`.
    pub(crate) fn finish<R: Canonical>(mut self, part: &[R]) -> Option<Vec<[u8; 32]>> {
        self.update(part, part.len());
        if self.hashing && self.hashed < part.len() {
            // A shorter last chunk: right for the table's last part. A later part then
            // starts off a chunk boundary and gives up, so the table falls back.
            self.chunks
                .push(chunk_digest(&part[self.hashed..], &mut self.buf));
        }
        self.hashing.then_some(self.chunks)
    }
}

/// The chunk digests of the whole table `out` from those of its parts (`sizes` rows each,
/// in order), or `None` when a part gave none or two parts meet out of order.
pub(crate) fn join<R: Canonical>(
    out: &[R],
    sizes: &[usize],
    parts: Vec<Option<Vec<[u8; 32]>>>,
) -> Option<Vec<[u8; 32]>> {
    let mut all = Vec::with_capacity(out.len().div_ceil(CHUNK_ROWS));
    let mut start = 0;
    for (chunks, &n) in parts.into_iter().zip(sizes) {
        if start > 0 && n > 0 && !out.get(start - 1..=start).is_some_and(rows_in_order) {
            return None;
        }
        all.extend(chunks?);
        start += n;
    }
    Some(all)
}

/// The chunk digests of the seven tables when every table has them.
pub(crate) fn all_tables(chunks: [Option<Vec<[u8; 32]>>; 7]) -> Option<TableChunks> {
    if chunks.iter().all(Option::is_some) {
        Some(chunks.map(Option::unwrap_or_default))
    } else {
        None
    }
}

/// How a store reads one of its tables (with [`alloc`], [`split`], [`PartHasher`] and
/// [`join`]), generic over the row type.
pub(crate) trait ReadTable: Sync {
    /// Read table `R`, sharing the names in `pool` (see `store::intern`).
    fn read<R: Table>(&self, pool: &Pool) -> Result<TableRead<R>, Error>;
}

/// Read the seven tables with `reader` into a snapshot whose manifest is left for the caller
/// to set, plus the chunk digests when every table has them: first the securables (each
/// table's parts are read in parallel), then the six others in parallel, sharing the
/// securables' names ([`Pool`]). When tables fail, the error is that of the first of them in
/// the order of `tables::ALL`.
pub(crate) fn read_tables(
    reader: &impl ReadTable,
) -> Result<(Snapshot, Option<TableChunks>), Error> {
    let mut first = Done::default();
    match reader.read::<SecurableRow>(&Pool::default()) {
        Ok((rows, chunks)) => {
            first.snapshot.securables = rows;
            first.chunks[0] = chunks;
        }
        Err(e) => first.errors[0] = Some(e),
    }
    let pool = Pool::of(first.snapshot.securables.iter().map(|s| &s.full_name));
    let done = Mutex::new(first);
    rayon::scope_fifo(|scope| {
        let Ok(()) = tables::each_table(&mut Spawn {
            scope,
            reader,
            pool: &pool,
            done: &done,
        });
    });
    let done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = done.errors.into_iter().flatten().next() {
        return Err(e);
    }
    Ok((done.snapshot, all_tables(done.chunks)))
}

/// What [`read_tables`] has read so far.
#[derive(Default)]
struct Done {
    snapshot: Snapshot,
    chunks: [Chunks; 7],
    errors: [Option<Error>; 7],
}

/// Spawns the reading of each table and puts its result in place.
struct Spawn<'a, 's, T> {
    scope: &'a rayon::ScopeFifo<'s>,
    reader: &'s T,
    pool: &'s Pool,
    done: &'s Mutex<Done>,
}

impl<T: ReadTable> EachTable for Spawn<'_, '_, T> {
    type Error = Infallible;

    fn table<R: Table>(&mut self, index: usize) -> Result<(), Infallible> {
        if R::NAME == SecurableRow::NAME {
            return Ok(()); // read first, by `read_tables`
        }
        let (reader, pool, done) = (self.reader, self.pool, self.done);
        self.scope.spawn_fifo(move |_| {
            let read = reader.read::<R>(pool);
            let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
            match read {
                Ok((rows, chunks)) => {
                    *R::rows_mut(&mut done.snapshot) = rows;
                    done.chunks[index] = chunks;
                }
                Err(e) => done.errors[index] = Some(e),
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::digest::digest_from_chunks;
    use crate::state::{Snapshot, TagRow};

    fn tag(i: usize) -> TagRow {
        TagRow {
            securable_full_name: format!("t{i:06}").into(),
            key: "k".into(),
            ..Default::default()
        }
    }

    /// Read `rows` as parts of `sizes` and compare with hashing the whole snapshot.
    fn via_parts(rows: &[TagRow], sizes: &[usize]) -> Option<String> {
        let mut out: Vec<TagRow> = alloc(rows.len());
        let parts: Vec<_> = split(&mut out, sizes)
            .into_iter()
            .map(|(start, part)| {
                let mut h = PartHasher::new(start);
                for i in 0..part.len() {
                    part[i] = rows[start + i].clone();
                    if (i + 1) % 1000 == 0 {
                        h.update(part, i + 1);
                    }
                }
                h.finish(part)
            })
            .collect();
        let chunks = join(&out, sizes, parts)?;
        let s = Snapshot {
            tags: out,
            ..Default::default()
        };
        let tables = [vec![], vec![], vec![], chunks, vec![], vec![], vec![]];
        digest_from_chunks(&s, &tables)
    }

    #[test]
    fn parts_give_the_digest_of_the_whole_table_or_nothing() {
        let rows: Vec<TagRow> = (0..3 * CHUNK_ROWS + 5).map(tag).collect();
        let whole = crate::state::digest::content_digest(&Snapshot {
            tags: rows.clone(),
            ..Default::default()
        });
        let n = rows.len();
        // Aligned parts, including an empty one: the same digest as hashing afterwards.
        let aligned = [CHUNK_ROWS, 0, 2 * CHUNK_ROWS, n - 3 * CHUNK_ROWS];
        assert_eq!(via_parts(&rows, &aligned), Some(whole.clone()));
        assert_eq!(via_parts(&rows, &[n]), Some(whole));
        // A part off a chunk boundary: no digest (the caller hashes the rows itself).
        assert_eq!(via_parts(&rows, &[100, n - 100]), None);
        // Rows out of order, inside a part or across two parts: no digest.
        let mut swapped = rows.clone();
        swapped.swap(10, 11);
        assert_eq!(via_parts(&swapped, &[n]), None);
        let mut across = rows.clone();
        across.swap(CHUNK_ROWS - 1, CHUNK_ROWS);
        assert_eq!(via_parts(&across, &[CHUNK_ROWS, n - CHUNK_ROWS]), None);
    }
}
