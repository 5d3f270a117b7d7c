//! The Parquet store: a directory per snapshot with `manifest.json` and one zstd-compressed
//! `.parquet` file per table. The brickkit version, format version, snapshot id and table
//! name are also in every file's key-value metadata.
//!
//! Reads row groups in parallel, each straight into its slice of the table's one vector
//! (see `parts`), hashing digest chunks on the way, so memory stays the size of the model. Never writes in place: `store::write` hands
//! it a temporary directory.

use std::convert::Infallible;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use super::arrow::{Cols, fill, schema, to_batch, type_matches};
use super::parts::{self, PartHasher, ReadTable};
use super::tables::{self, EachTable, Table};
use super::{Error, manifest};
use crate::state::digest::{CHUNK_ROWS, TableChunks};
use crate::state::intern::{Interners, Pool};
use crate::state::{Manifest, SNAPSHOT_FORMAT_VERSION, Snapshot};

/// Name of the manifest file inside a snapshot directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Rows per record batch when writing and reading.
const BATCH_ROWS: usize = 65_536;
/// Rows per record batch when reading: one digest chunk, hashed while it is in cache.
const READ_BATCH_ROWS: usize = CHUNK_ROWS;
/// Rows per row group (the unit of parallel reading; a multiple of `CHUNK_ROWS`).
const ROW_GROUP_ROWS: usize = 262_144;

/// Key-value metadata keys written into every Parquet file.
pub const KV_BRICKKIT_VERSION: &str = "brickkit.version";
pub const KV_FORMAT_VERSION: &str = "brickkit.format_version";
pub const KV_SNAPSHOT_ID: &str = "brickkit.snapshot_id";
pub const KV_TABLE: &str = "brickkit.table";

/// Write every table and then `manifest.json` into the (empty, temporary) directory `dir`,
/// fsyncing each file. `s` must be in canonical order; `m` is the manifest to record.
pub(crate) fn write_dir(m: &Manifest, s: &Snapshot, dir: &Path) -> Result<(), Error> {
    let mut jobs = Jobs {
        dir,
        m,
        s,
        jobs: Vec::new(),
    };
    let Ok(()) = tables::each_table(&mut jobs);
    jobs.jobs
        .par_iter()
        .map(|job| job())
        .collect::<Result<(), Error>>()?;
    let path = dir.join(MANIFEST_FILE);
    let mut f = File::create(&path).map_err(|e| Error::io(&path, "create", e))?;
    f.write_all(manifest::to_json(m).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&path, "write", e))
}

/// Writing one table file.
type Job<'a> = Box<dyn Fn() -> Result<(), Error> + Send + Sync + 'a>;

/// One job per table file, to run in parallel.
struct Jobs<'a> {
    dir: &'a Path,
    m: &'a Manifest,
    s: &'a Snapshot,
    jobs: Vec<Job<'a>>,
}

impl EachTable for Jobs<'_> {
    type Error = Infallible;

    fn table<R: Table>(&mut self, _: usize) -> Result<(), Infallible> {
        let (dir, m, rows) = (self.dir, self.m, R::rows(self.s));
        self.jobs.push(Box::new(move || write_table(dir, m, rows)));
        Ok(())
    }
}

fn write_table<R: Table>(dir: &Path, m: &Manifest, rows: &[R]) -> Result<(), Error> {
    let def = &R::DEF;
    let path = dir.join(format!("{}.parquet", def.name));
    let schema = schema(def);
    let kv = vec![
        KeyValue::new(KV_BRICKKIT_VERSION.to_string(), m.brickkit_version.clone()),
        KeyValue::new(
            KV_FORMAT_VERSION.to_string(),
            SNAPSHOT_FORMAT_VERSION.to_string(),
        ),
        KeyValue::new(KV_SNAPSHOT_ID.to_string(), m.snapshot_id.clone()),
        KeyValue::new(KV_TABLE.to_string(), def.name.to_string()),
    ];
    let level = ZstdLevel::try_new(1).map_err(|e| Error::parquet(&path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("brickkit {}", crate::VERSION))
        .set_key_value_metadata(Some(kv))
        .build();
    let file = File::create(&path).map_err(|e| Error::io(&path, "create", e))?;
    let mut w = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema.clone(),
        Some(props),
    )
    .map_err(|e| Error::parquet(&path, e))?;
    for chunk in rows.chunks(BATCH_ROWS) {
        let batch =
            to_batch(chunk, &schema, &m.snapshot_id).map_err(|e| Error::parquet(&path, e))?;
        w.write(&batch).map_err(|e| Error::parquet(&path, e))?;
    }
    let buf = w.into_inner().map_err(|e| Error::parquet(&path, e))?;
    let file = buf
        .into_inner()
        .map_err(|e| Error::io(&path, "write", e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&path, "fsync", e))
}

/// Read only `manifest.json` of a snapshot directory (checks its version).
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, Error> {
    let path = dir.join(MANIFEST_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingManifest {
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => return Err(Error::io(&path, "read", e)),
    };
    manifest::from_json(&path, &text)
}

/// Read a whole snapshot directory. Rows come back as stored (the caller checks order,
/// counts and digest). The chunk digests come back too when every table was found in
/// canonical order while decoding (see `digest::digest_from_chunks`); `None` otherwise.
pub(crate) fn read_dir(dir: &Path) -> Result<(Snapshot, Option<TableChunks>), Error> {
    let m = read_manifest(dir)?;
    let (mut s, chunks) = parts::read_tables(&DirReader { dir, m: &m })?;
    s.manifest = m;
    Ok((s, chunks))
}

/// Reads the table files of one snapshot directory.
struct DirReader<'a> {
    dir: &'a Path,
    m: &'a Manifest,
}

impl ReadTable for DirReader<'_> {
    fn read<R: Table>(&self, pool: &Pool) -> Result<parts::TableRead<R>, Error> {
        read_table(self.dir, self.m, pool)
    }
}

fn kv<'a>(meta: &'a ArrowReaderMetadata, key: &str) -> Option<&'a str> {
    meta.metadata()
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|k| k.key == key)
        .and_then(|k| k.value.as_deref())
}

/// Read one table file. Everything that parses the file — footer, Thrift metadata, schema,
/// row groups — runs inside the panic guard: the parquet crate can panic on some corrupt
/// footers and pages instead of returning an error, and a corrupt snapshot must be a clear
/// error naming the file, never a crash.
fn read_table<R: Table>(
    dir: &Path,
    m: &Manifest,
    pool: &Pool,
) -> Result<parts::TableRead<R>, Error> {
    let path = dir.join(format!("{}.parquet", R::DEF.name));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_table_unguarded(&path, m, pool)
    }))
    .unwrap_or_else(|_| {
        Err(Error::parquet(
            &path,
            "the file is corrupt (the Parquet reader failed on its footer or metadata)",
        ))
    })
}

fn read_table_unguarded<R: Table>(
    path: &Path,
    m: &Manifest,
    pool: &Pool,
) -> Result<parts::TableRead<R>, Error> {
    let def = &R::DEF;
    let path = path.to_path_buf();
    let file = File::open(&path).map_err(|e| Error::io(&path, "open", e))?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| Error::parquet(&path, e))?;

    // Version and identity from the key-value metadata.
    match kv(&meta, KV_FORMAT_VERSION) {
        None => {
            return Err(Error::schema(
                &path,
                format!("no `{KV_FORMAT_VERSION}` key-value metadata (not written by brickkit)"),
            ));
        }
        Some(v) => {
            let found = v.trim().parse::<u64>().map_err(|_| {
                Error::schema(
                    &path,
                    format!("`{KV_FORMAT_VERSION}` is `{v}`, not a number"),
                )
            })?;
            manifest::check_version(&path, found)?;
        }
    }
    if let Some(id) = kv(&meta, KV_SNAPSHOT_ID)
        && id != m.snapshot_id
    {
        return Err(Error::schema(
            &path,
            format!(
                "file belongs to snapshot `{id}` but the manifest is for `{}`",
                m.snapshot_id
            ),
        ));
    }

    // Schema: every documented column present with its type; snapshot_id is not decoded.
    let arrow_schema = meta.schema().clone();
    let mut roots = Vec::new();
    for col in def.columns() {
        let Some((idx, field)) = arrow_schema.column_with_name(col.name) else {
            return Err(Error::schema(&path, format!("no column `{}`", col.name)));
        };
        if !type_matches(col.ty, field.data_type()) {
            return Err(Error::schema(
                &path,
                format!("column `{}` has type {}", col.name, field.data_type()),
            ));
        }
        if col.name != "snapshot_id" {
            roots.push(idx);
        }
    }
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);

    // Row count against the manifest before decoding anything.
    let total: i64 = meta.metadata().file_metadata().num_rows();
    let expected = m.counts.get(def.name).copied();
    if expected != Some(total as u64) {
        return Err(Error::CountMismatch {
            path: path.clone(),
            reason: format!(
                "the file holds {total} rows, the manifest records {}",
                expected.map_or("none".to_string(), |n| n.to_string())
            ),
        });
    }

    // Allocate the whole table once and let each row group fill its own slice in
    // parallel: no per-group vectors to concatenate, so peak memory is the result itself.
    let sizes: Vec<usize> = meta
        .metadata()
        .row_groups()
        .iter()
        .map(|rg| rg.num_rows().max(0) as usize)
        .collect();
    let sum = sizes.iter().try_fold(0usize, |a, &n| a.checked_add(n));
    let Some(sum) = sum.filter(|&n| i64::try_from(n).is_ok_and(|n| n == total)) else {
        return Err(Error::parquet(
            &path,
            format!("the row groups do not add up to the {total} rows the footer says"),
        ));
    };
    let mut out: Vec<R> = parts::alloc(sum);
    let chunks = parts::split(&mut out, &sizes)
        .into_par_iter()
        .enumerate()
        .map(|(g, (start, part))| {
            // The arrow/parquet decoder can panic on some corrupt files instead of returning
            // an error; a corrupt snapshot must be a clear error naming the file, never a crash.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                decode_group::<R>(&path, &meta, &mask, g, start, part, pool)
            }))
            .unwrap_or_else(|_| {
                Err(Error::parquet(
                    &path,
                    format!("row group {g} is corrupt (the Parquet decoder failed)"),
                ))
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let chunks = parts::join(&out, &sizes, chunks);
    Ok((out, chunks))
}

/// Decode row group `g` of a table file into `out` (exactly its rows; `start` is the index
/// of its first row in the table), hashing each chunk of rows while it is still in cache;
/// returns the group's chunk digests (see `parts::PartHasher`).
fn decode_group<R: Table>(
    path: &Path,
    meta: &ArrowReaderMetadata,
    mask: &ProjectionMask,
    g: usize,
    start: usize,
    out: &mut [R],
    pool: &Pool,
) -> Result<Option<Vec<[u8; 32]>>, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
        .with_row_groups(vec![g])
        .with_projection(mask.clone())
        .with_batch_size(READ_BATCH_ROWS)
        .build()
        .map_err(|e| Error::parquet(path, e))?;
    let mut hasher = PartHasher::new(start);
    let mut intern = Interners::new(pool);
    let mut filled = 0;
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        let n = batch.num_rows();
        let Some(dst) = out.get_mut(filled..filled + n) else {
            return Err(Error::parquet(
                path,
                format!("row group {g} holds more rows than its footer says"),
            ));
        };
        fill(&Cols::new(&batch, path, R::NAME), dst, &mut intern)?;
        filled += n;
        hasher.update(out, filled);
    }
    if filled != out.len() {
        return Err(Error::parquet(
            path,
            format!(
                "row group {g}: decoded {filled} rows, the footer says {}",
                out.len()
            ),
        ));
    }
    Ok(hasher.finish(out))
}
