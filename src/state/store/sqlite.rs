//! The SQLite store: one `.sqlite` file per snapshot with the same seven tables and columns
//! as the Parquet store plus a one-row `manifest` table, and indexes for the differ's
//! lookups by securable full name.
//!
//! Recognised by `PRAGMA application_id` (= [`APPLICATION_ID`], "BRKS") and
//! `PRAGMA user_version` (= the snapshot format version). Maps and lists are JSON text,
//! timestamps RFC 3339 text, booleans 0/1. Columns, their order and the row fields they
//! hold come from the tables' one description (`tables::Table::columns`); this module only
//! says how each logical type is bound and read in SQL. Never writes in place:
//! `store::write` hands it a temporary file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row, Statement, ToSql, Transaction, params};

use super::arrow::parse_kind;
use super::parts::{self, PartHasher, ReadTable};
use super::tables::{self, ColType, Columns, EachTable, Table, TableDef};
use super::{Error, manifest};
use crate::model::{SecurableKind, Text, Timestamp};
use crate::state::digest::{CHUNK_ROWS, TableChunks};
use crate::state::intern::{Interners, Pool};
use crate::state::{Manifest, SNAPSHOT_FORMAT_VERSION, Snapshot};

/// `PRAGMA application_id` of a brickkit snapshot: ASCII "BRKS".
pub const APPLICATION_ID: i32 = 0x4252_4B53;

/// The 16-byte header every SQLite database file starts with.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn sql_type(ty: ColType) -> &'static str {
    match ty {
        ColType::Utf8 | ColType::Timestamp | ColType::StringMap | ColType::StringList => "TEXT",
        ColType::Int32 | ColType::Bool => "INTEGER",
    }
}

fn create_table_sql(def: &TableDef) -> String {
    let cols: Vec<String> = def
        .columns()
        .iter()
        .map(|c| {
            let nn = if c.nullable { "" } else { " NOT NULL" };
            format!("{} {}{nn}", c.name, sql_type(c.ty))
        })
        .collect();
    format!("CREATE TABLE {} ({})", def.name, cols.join(", "))
}

fn insert_sql(def: &TableDef) -> String {
    let names: Vec<&str> = def.columns().iter().map(|c| c.name).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        def.name,
        names.join(", "),
        marks.join(", ")
    )
}

const MANIFEST_DDL: &str = "CREATE TABLE manifest (\
    format_version INTEGER NOT NULL, snapshot_id TEXT NOT NULL, lineage TEXT NOT NULL, \
    parent_id TEXT, taken_at TEXT NOT NULL, host TEXT, metastore_id TEXT, \
    scope TEXT NOT NULL, collector_mode TEXT NOT NULL, brickkit_version TEXT NOT NULL, \
    counts TEXT NOT NULL, content_digest TEXT NOT NULL)";

const MANIFEST_COLS: &str = "format_version, snapshot_id, lineage, parent_id, taken_at, host, \
    metastore_id, scope, collector_mode, brickkit_version, counts, content_digest";

fn json_map(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        "{}".to_string()
    } else {
        serde_json::to_string(m).unwrap_or_default()
    }
}

fn json_list(l: &[String]) -> String {
    serde_json::to_string(l).unwrap_or_default()
}

/// Write the snapshot into the (new, empty) file `path`; `s` must be in canonical order.
pub(crate) fn write_file(m: &Manifest, s: &Snapshot, path: &Path) -> Result<(), Error> {
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let mut conn = Connection::open(path).map_err(e)?;
    conn.execute_batch(&format!(
        "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
         PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SNAPSHOT_FORMAT_VERSION};"
    ))
    .map_err(e)?;
    let tx = conn.transaction().map_err(e)?;
    tx.execute_batch(MANIFEST_DDL).map_err(e)?;
    for def in tables::ALL {
        tx.execute_batch(&create_table_sql(def)).map_err(e)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO manifest ({MANIFEST_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            m.format_version,
            m.snapshot_id,
            m.lineage,
            m.parent_id,
            m.taken_at.to_rfc3339(),
            m.host,
            m.metastore_id,
            serde_json::to_string(&m.scope).unwrap_or_default(),
            m.collector_mode,
            m.brickkit_version,
            serde_json::to_string(&m.counts).unwrap_or_default(),
            m.content_digest,
        ],
    )
    .map_err(e)?;
    tables::each_table(&mut Insert {
        tx: &tx,
        s,
        sid: &m.snapshot_id,
        path,
    })?;
    for (table, col) in tables::SQLITE_INDEXES {
        tx.execute_batch(&format!("CREATE INDEX {table}_by_{col} ON {table} ({col})"))
            .map_err(e)?;
    }
    tx.commit().map_err(e)?;
    conn.close().map_err(|(_, err)| e(err))
}

/// Open an existing file read-only after checking it is a brickkit snapshot of a known
/// version.
fn open(path: &Path) -> Result<Connection, Error> {
    let mut header = [0u8; 16];
    let mut f = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let n = f
        .read(&mut header)
        .map_err(|e| Error::io(path, "read", e))?;
    if n < 16 || &header != SQLITE_MAGIC {
        return Err(Error::NotASnapshot {
            path: path.to_path_buf(),
            reason: "neither a snapshot directory nor a SQLite database file".to_string(),
        });
    }
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(e)?;
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(e)?;
    if app != APPLICATION_ID {
        return Err(Error::NotASnapshot {
            path: path.to_path_buf(),
            reason: format!(
                "a SQLite database, but not a brickkit snapshot (application_id {app:#x}, expected {APPLICATION_ID:#x})"
            ),
        });
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(e)?;
    manifest::check_version(path, u64::try_from(version).unwrap_or(u64::MAX))?;
    Ok(conn)
}

struct Get<'a> {
    path: &'a Path,
    table: &'static str,
}

impl Get<'_> {
    fn bad(&self, column: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidValue {
            path: self.path.to_path_buf(),
            table: self.table,
            column,
            reason: reason.into(),
        }
    }

    fn opt_text<'r>(
        &self,
        row: &'r Row<'_>,
        i: usize,
        col: &'static str,
    ) -> Result<Option<&'r str>, Error> {
        match row.get_ref(i).map_err(|e| Error::sqlite(self.path, e))? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| self.bad(col, "text is not valid UTF-8")),
            other => Err(self.bad(col, format!("expected text, found {:?}", other.data_type()))),
        }
    }

    fn text<'r>(&self, row: &'r Row<'_>, i: usize, col: &'static str) -> Result<&'r str, Error> {
        self.opt_text(row, i, col)?
            .ok_or_else(|| self.bad(col, "null in a column that must not be null"))
    }

    fn int(&self, row: &Row<'_>, i: usize, col: &'static str) -> Result<i64, Error> {
        match row.get_ref(i).map_err(|e| Error::sqlite(self.path, e))? {
            ValueRef::Integer(v) => Ok(v),
            other => Err(self.bad(
                col,
                format!("expected an integer, found {:?}", other.data_type()),
            )),
        }
    }

    fn i32(&self, row: &Row<'_>, i: usize, col: &'static str) -> Result<i32, Error> {
        let v = self.int(row, i, col)?;
        i32::try_from(v).map_err(|_| self.bad(col, format!("{v} does not fit in 32 bits")))
    }

    fn bool(&self, row: &Row<'_>, i: usize, col: &'static str) -> Result<bool, Error> {
        match self.int(row, i, col)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(self.bad(col, format!("{v} is not a boolean (0 or 1)"))),
        }
    }

    fn kind(
        &self,
        row: &Row<'_>,
        i: usize,
        col: &'static str,
    ) -> Result<Option<SecurableKind>, Error> {
        match self.opt_text(row, i, col)? {
            None => Ok(None),
            Some(s) => parse_kind(s)
                .map(Some)
                .ok_or_else(|| self.bad(col, format!("unknown securable kind `{s}`"))),
        }
    }

    fn ts(&self, row: &Row<'_>, i: usize, col: &'static str) -> Result<Option<Timestamp>, Error> {
        match self.opt_text(row, i, col)? {
            None => Ok(None),
            Some(s) => Timestamp::parse_rfc3339(s)
                .map(Some)
                .ok_or_else(|| self.bad(col, format!("`{s}` is not an RFC 3339 UTC time"))),
        }
    }

    fn map(
        &self,
        row: &Row<'_>,
        i: usize,
        col: &'static str,
    ) -> Result<BTreeMap<String, String>, Error> {
        let s = self.text(row, i, col)?;
        if s == "{}" {
            return Ok(BTreeMap::new());
        }
        serde_json::from_str(s)
            .map_err(|e| self.bad(col, format!("not a JSON object of strings: {e}")))
    }

    fn list(&self, row: &Row<'_>, i: usize, col: &'static str) -> Result<Vec<String>, Error> {
        let s = self.text(row, i, col)?;
        serde_json::from_str(s)
            .map_err(|e| self.bad(col, format!("not a JSON array of strings: {e}")))
    }
}

/// `SELECT <every column but snapshot_id> FROM <table>`.
fn select_sql(def: &TableDef) -> String {
    let cols: Vec<&str> = def
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|n| *n != tables::SNAPSHOT_ID.name)
        .collect();
    format!("SELECT {} FROM {}", cols.join(", "), def.name)
}

/// Rows per part when a table is read in parallel (a multiple of the digest's chunk).
const PART_ROWS: usize = 16 * CHUNK_ROWS;

/// Read one table in stored (rowid) order, plus its chunk digests when they could be
/// computed on the way (see `parts`). A table whose rowids are exactly the manifest's count
/// (`expected`) of consecutive integers (as the writer makes them) is read in parallel
/// ranges of rowids straight into the result; any other one in one sequential pass.
fn read_table<R: Table>(
    path: &Path,
    expected: Option<u64>,
    pool: &Pool,
) -> Result<parts::TableRead<R>, Error> {
    let def = &R::DEF;
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let conn = open(path)?;
    let (lo, hi): (Option<i64>, Option<i64>) = conn
        .query_row(
            &format!("SELECT min(rowid), max(rowid) FROM {}", def.name),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(e)?;
    drop(conn);
    // Every row takes several bytes of the file, so a count beyond its size is corrupt:
    // never allocate for it (the sequential pass reports the mismatch).
    let file_len = std::fs::metadata(path).map_or(0, |m| m.len());
    let n = expected.filter(|&n| n <= file_len);
    let ranged = match (lo, hi, n) {
        (None, None, Some(0)) => return Ok((Vec::new(), Some(Vec::new()))),
        (Some(lo), Some(hi), Some(n)) => {
            (hi.checked_sub(lo)).and_then(|d| d.checked_add(1)) == i64::try_from(n).ok()
        }
        _ => false,
    };
    let (Some(lo), Some(n), true) = (lo, n.and_then(|n| usize::try_from(n).ok()), ranged) else {
        return Ok((read_rows(path, expected, pool)?, None));
    };
    let sizes: Vec<usize> = (0..n)
        .step_by(PART_ROWS)
        .map(|s| PART_ROWS.min(n - s))
        .collect();
    let mut out: Vec<R> = parts::alloc(n);
    let read = parts::split(&mut out, &sizes)
        .into_par_iter()
        .map(|(start, part)| read_part(path, lo, start, part, pool))
        .collect::<Result<Option<Vec<_>>, Error>>()?;
    match read {
        Some(chunks) => {
            let chunks = parts::join(&out, &sizes, chunks);
            Ok((out, chunks))
        }
        // Fewer rows than rowids (the table changed under us or is corrupt): read it the
        // plain way, so the count check reports exactly what is there.
        None => {
            drop(out);
            Ok((read_rows(path, expected, pool)?, None))
        }
    }
}

/// Fill `part` (rows `start..` of the table, rowids from `lo + start`) on its own
/// connection. `Ok(None)` when the range holds fewer rows than `part`.
fn read_part<R: Table>(
    path: &Path,
    lo: i64,
    start: usize,
    part: &mut [R],
    pool: &Pool,
) -> Result<Option<parts::Chunks>, Error> {
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let conn = open(path)?;
    let mut st = conn
        .prepare(&format!(
            "{} WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid",
            select_sql(&R::DEF)
        ))
        .map_err(e)?;
    let first = lo.saturating_add(start as i64);
    let last = first.saturating_add(part.len() as i64 - 1);
    let get = Get {
        path,
        table: R::NAME,
    };
    let mut hasher = PartHasher::new(start);
    let mut intern = Interners::new(pool);
    let mut filled = 0;
    let mut rows = st.query(params![first, last]).map_err(e)?;
    while let Some(row) = rows.next().map_err(e)? {
        let Some(slot) = part.get_mut(filled) else {
            return Ok(None);
        };
        decode(&get, row, slot, &mut intern)?;
        filled += 1;
        if filled.is_multiple_of(CHUNK_ROWS) {
            hasher.update(part, filled);
        }
    }
    if filled != part.len() {
        return Ok(None);
    }
    Ok(Some(hasher.finish(part)))
}

/// Read one table in stored (rowid) order, in one pass.
fn read_rows<R: Table>(path: &Path, expected: Option<u64>, pool: &Pool) -> Result<Vec<R>, Error> {
    let conn = open(path)?;
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let mut st = conn
        .prepare(&format!("{} ORDER BY rowid", select_sql(&R::DEF)))
        .map_err(e)?;
    let get = Get {
        path,
        table: R::NAME,
    };
    let mut out = Vec::with_capacity(expected.unwrap_or(0).min(1 << 28) as usize);
    let mut intern = Interners::new(pool);
    let mut rows = st.query([]).map_err(e)?;
    while let Some(row) = rows.next().map_err(e)? {
        let mut r = R::default();
        decode(&get, row, &mut r, &mut intern)?;
        out.push(r);
    }
    Ok(out)
}

/// Read the one-row `manifest` table (checks application id and version first).
pub(crate) fn read_manifest(path: &Path) -> Result<Manifest, Error> {
    let conn = open(path)?;
    read_manifest_from(&conn, path)
}

fn read_manifest_from(conn: &Connection, path: &Path) -> Result<Manifest, Error> {
    let e = |err: rusqlite::Error| Error::sqlite(path, err);
    let mut st = conn
        .prepare(&format!("SELECT {MANIFEST_COLS} FROM manifest"))
        .map_err(e)?;
    let mut rows = st.query([]).map_err(e)?;
    let Some(row) = rows.next().map_err(e)? else {
        return Err(Error::BadManifest {
            path: path.to_path_buf(),
            reason: "the manifest table is empty".to_string(),
        });
    };
    let g = Get {
        path,
        table: "manifest",
    };
    let bad = |reason: String| Error::BadManifest {
        path: path.to_path_buf(),
        reason,
    };
    let version = g.int(row, 0, "format_version")?;
    manifest::check_version(path, u64::try_from(version).unwrap_or(u64::MAX))?;
    let scope: Vec<String> = serde_json::from_str(g.text(row, 7, "scope")?)
        .map_err(|err| bad(format!("scope is not a JSON array of strings: {err}")))?;
    let counts: BTreeMap<String, u64> = serde_json::from_str(g.text(row, 10, "counts")?)
        .map_err(|err| bad(format!("counts is not a JSON object of integers: {err}")))?;
    let v1 = manifest::ManifestV1 {
        format_version: u32::try_from(version).unwrap_or(u32::MAX),
        snapshot_id: g.text(row, 1, "snapshot_id")?.to_string(),
        lineage: g.text(row, 2, "lineage")?.to_string(),
        parent_id: g.opt_text(row, 3, "parent_id")?.map(str::to_string),
        taken_at: g.text(row, 4, "taken_at")?.to_string(),
        host: g.opt_text(row, 5, "host")?.map(str::to_string),
        metastore_id: g.opt_text(row, 6, "metastore_id")?.map(str::to_string),
        scope,
        collector_mode: g.text(row, 8, "collector_mode")?.to_string(),
        brickkit_version: g.text(row, 9, "brickkit_version")?.to_string(),
        counts,
        content_digest: g.text(row, 11, "content_digest")?.to_string(),
    };
    if rows.next().map_err(e)?.is_some() {
        return Err(bad("the manifest table has more than one row".to_string()));
    }
    v1.into_model(path)
}

/// Read a whole snapshot file; tables, and ranges of large tables, are read in parallel on
/// separate connections. Returns the chunk digests too when every table was in canonical
/// order (see `store::parquet::read_dir`).
pub(crate) fn read_file(path: &Path) -> Result<(Snapshot, Option<TableChunks>), Error> {
    let m = read_manifest(path)?;
    let (mut s, chunks) = parts::read_tables(&FileReader { path, m: &m })?;
    s.manifest = m;
    Ok((s, chunks))
}

/// Reads the tables of one snapshot file.
struct FileReader<'a> {
    path: &'a Path,
    m: &'a Manifest,
}

impl ReadTable for FileReader<'_> {
    fn read<R: Table>(&self, pool: &Pool) -> Result<parts::TableRead<R>, Error> {
        read_table(self.path, self.m.counts.get(R::NAME).copied(), pool)
    }
}

// ---------------------------------------------------------------- rows <-> SQL values

/// Inserts the rows of each table (after the tables are created).
struct Insert<'a> {
    tx: &'a Transaction<'a>,
    s: &'a Snapshot,
    sid: &'a str,
    path: &'a Path,
}

impl EachTable for Insert<'_> {
    type Error = Error;

    fn table<R: Table>(&mut self, _: usize) -> Result<(), Error> {
        let e = |err: rusqlite::Error| Error::sqlite(self.path, err);
        let mut st = self.tx.prepare(&insert_sql(&R::DEF)).map_err(e)?;
        for row in R::rows(self.s) {
            st.raw_bind_parameter(1, self.sid).map_err(e)?;
            R::columns(&mut Bind {
                st: &mut st,
                row,
                next: 2,
            })
            .map_err(e)?;
            st.raw_execute().map_err(e)?;
        }
        Ok(())
    }
}

/// Binds each column of one row to the next parameter of an insert.
struct Bind<'a, 'c, R> {
    st: &'a mut Statement<'c>,
    row: &'a R,
    /// The next parameter's (1-based) index.
    next: usize,
}

impl<R> Bind<'_, '_, R> {
    fn bind(&mut self, value: impl ToSql) -> rusqlite::Result<()> {
        self.st.raw_bind_parameter(self.next, value)?;
        self.next += 1;
        Ok(())
    }
}

impl<R> Columns<R> for Bind<'_, '_, R> {
    type Error = rusqlite::Error;

    fn text(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Text,
        _: impl Fn(&mut R) -> &mut Text,
    ) -> rusqlite::Result<()> {
        self.bind(get(self.row).as_str())
    }

    fn opt_text(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<Text>,
        _: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> rusqlite::Result<()> {
        self.bind(get(self.row).as_deref())
    }

    fn kind(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<SecurableKind>,
        _: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> rusqlite::Result<()> {
        self.bind(get(self.row).map(SecurableKind::as_str))
    }

    fn int32(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &i32,
        _: impl Fn(&mut R) -> &mut i32,
    ) -> rusqlite::Result<()> {
        self.bind(*get(self.row))
    }

    fn bool(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &bool,
        _: impl Fn(&mut R) -> &mut bool,
    ) -> rusqlite::Result<()> {
        self.bind(*get(self.row))
    }

    fn timestamp(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<Timestamp>,
        _: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> rusqlite::Result<()> {
        self.bind(get(self.row).map(Timestamp::to_rfc3339))
    }

    fn map(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &BTreeMap<String, String>,
        _: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> rusqlite::Result<()> {
        self.bind(json_map(get(self.row)))
    }

    fn list(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Vec<String>,
        _: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> rusqlite::Result<()> {
        self.bind(json_list(get(self.row)))
    }
}

/// Overwrite `out` with the row `row` of a `select_sql` query.
/// Text values are shared through `intern` (one per part being read: see `store::intern`).
fn decode<R: Table>(
    get: &Get<'_>,
    row: &Row<'_>,
    out: &mut R,
    intern: &mut Interners<'_>,
) -> Result<(), Error> {
    R::columns(&mut Decode {
        get,
        row,
        out,
        intern,
        next: 0,
    })
}

/// Reads each column of one result row into the fields of a row.
struct Decode<'a, 'r, 'p, R> {
    get: &'a Get<'a>,
    row: &'a Row<'r>,
    out: &'a mut R,
    intern: &'a mut Interners<'p>,
    /// The next column's (0-based) index in the result.
    next: usize,
}

impl<R> Decode<'_, '_, '_, R> {
    /// The index of the next column, moving past it.
    fn next(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }
}

impl<R> Columns<R> for Decode<'_, '_, '_, R> {
    type Error = Error;

    fn text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Text,
        set: impl Fn(&mut R) -> &mut Text,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.intern.column(i).get(self.get.text(self.row, i, name)?);
        Ok(())
    }

    fn opt_text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Text>,
        set: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self
            .get
            .opt_text(self.row, i, name)?
            .map(|s| self.intern.column(i).get(s));
        Ok(())
    }

    fn kind(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<SecurableKind>,
        set: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.kind(self.row, i, name)?;
        Ok(())
    }

    fn int32(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &i32,
        set: impl Fn(&mut R) -> &mut i32,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.i32(self.row, i, name)?;
        Ok(())
    }

    fn bool(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &bool,
        set: impl Fn(&mut R) -> &mut bool,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.bool(self.row, i, name)?;
        Ok(())
    }

    fn timestamp(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Timestamp>,
        set: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.ts(self.row, i, name)?;
        Ok(())
    }

    fn map(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &BTreeMap<String, String>,
        set: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.map(self.row, i, name)?;
        Ok(())
    }

    fn list(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Vec<String>,
        set: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> Result<(), Error> {
        let i = self.next();
        *set(self.out) = self.get.list(self.row, i, name)?;
        Ok(())
    }
}
