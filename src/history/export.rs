//! Parquet export of the history's event tables, partitioned by date:
//! `<dir>/<table>/day=<YYYY-MM-DD>/part-0.parquet` (an empty table gets one empty file
//! under `day=none/` so that readers still see its schema). The `day` column stays in the
//! files; read them without hive partitioning. Every table also gets one extra last column,
//! `at_ts` (`Timestamp(ms, "UTC")`, from `at_ms`, or `taken_at_ms` for `snapshots`), so
//! Spark and DuckDB see a real timestamp (additive: the SQLite columns come first, in their
//! order, unchanged). Written under a temporary name beside
//! `dir` and renamed into place; an existing `dir` is refused, never overwritten.
//! Never touches SQLite itself: rows come from [`History::query`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMillisecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::history::{Cell, Error, History};

/// The tables exported (the derived cache is not: it is rebuilt from `state_events`).
pub const TABLES: [&str; 11] = [
    "snapshots",
    "state_events",
    "drift_runs",
    "drift_events",
    "operation_events",
    "plan_events",
    "apply_events",
    "op_events",
    "op_changes",
    "violation_runs",
    "violation_events",
];

fn perr(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Export {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn io<'a>(path: &'a Path, what: &'static str) -> impl Fn(std::io::Error) -> Error + 'a {
    move |e| Error::Io {
        path: path.to_path_buf(),
        what,
        source: e,
    }
}

/// The extra timestamp column every exported table ends with (see the module doc).
pub const TIMESTAMP_COLUMN: &str = "at_ts";

/// Export every event table; returns the number of files written.
pub fn export(h: &History, dir: &Path) -> Result<usize, Error> {
    if fs::symlink_metadata(dir).is_ok() {
        return Err(Error::Export {
            path: dir.to_path_buf(),
            message: "already exists; remove it or choose another directory".to_string(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent, "create directory"))?;
    let name = dir
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_all(h, &tmp).and_then(|n| {
        fs::rename(&tmp, dir).map_err(io(dir, "rename the export into"))?;
        Ok(n)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn write_all(h: &History, root: &Path) -> Result<usize, Error> {
    let mut files = 0;
    for table in TABLES {
        let info = h.query(&format!(
            "SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"
        ))?;
        let cols: Vec<(String, bool)> = info
            .rows
            .iter()
            .map(|r| match (&r[0], &r[1]) {
                (Cell::Text(n), Cell::Text(t)) => (n.clone(), t.eq_ignore_ascii_case("INTEGER")),
                _ => (String::new(), false),
            })
            .collect();
        // The epoch-ms column `at_ts` is computed from (`at_ms`, else `taken_at_ms`).
        let ts_idx = cols
            .iter()
            .position(|(n, _)| n == "at_ms")
            .or_else(|| cols.iter().position(|(n, _)| n == "taken_at_ms"));
        let mut fields = cols
            .iter()
            .map(|(n, int)| {
                Field::new(
                    n,
                    if *int {
                        DataType::Int64
                    } else {
                        DataType::Utf8
                    },
                    true,
                )
            })
            .collect::<Vec<_>>();
        if ts_idx.is_some() {
            fields.push(Field::new(
                TIMESTAMP_COLUMN,
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                true,
            ));
        }
        let schema = Arc::new(Schema::new(fields));
        let day_idx = cols.iter().position(|(n, _)| n == "day");
        let data = h.query(&format!("SELECT * FROM {table} ORDER BY seq"))?;
        let mut parts: BTreeMap<String, Vec<&Vec<Cell>>> = BTreeMap::new();
        for row in &data.rows {
            let day = match day_idx.and_then(|i| row.get(i)) {
                Some(Cell::Text(d)) => d.clone(),
                _ => "none".to_string(),
            };
            parts.entry(day).or_default().push(row);
        }
        if parts.is_empty() {
            parts.insert("none".to_string(), Vec::new());
        }
        for (day, rows) in parts {
            let d = root.join(table).join(format!("day={day}"));
            fs::create_dir_all(&d).map_err(io(&d, "create directory"))?;
            let mut arrays: Vec<ArrayRef> = cols
                .iter()
                .enumerate()
                .map(|(i, (_, int))| -> ArrayRef {
                    if *int {
                        Arc::new(Int64Array::from_iter(rows.iter().map(|r| match &r[i] {
                            Cell::Int(x) => Some(*x),
                            _ => None,
                        })))
                    } else {
                        Arc::new(StringArray::from_iter(rows.iter().map(|r| match &r[i] {
                            Cell::Text(t) => Some(t.clone()),
                            Cell::Int(x) => Some(x.to_string()),
                            Cell::Real(x) => Some(x.to_string()),
                            Cell::Null => None,
                        })))
                    }
                })
                .collect();
            if let Some(i) = ts_idx {
                arrays.push(Arc::new(
                    TimestampMillisecondArray::from_iter(rows.iter().map(|r| match &r[i] {
                        Cell::Int(x) => Some(*x),
                        _ => None,
                    }))
                    .with_timezone("UTC"),
                ));
            }
            let path = d.join("part-0.parquet");
            let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| perr(&path, e))?;
            let f = fs::File::create(&path).map_err(io(&path, "create"))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let mut w =
                ArrowWriter::try_new(f, schema.clone(), Some(props)).map_err(|e| perr(&path, e))?;
            w.write(&batch).map_err(|e| perr(&path, e))?;
            let f = w.into_inner().map_err(|e| perr(&path, e))?;
            f.sync_all().map_err(io(&path, "sync"))?;
            files += 1;
        }
    }
    Ok(files)
}
