//! `brickkit history migrate`: converts a history format 1 file (event-store versions 1 to
//! 3: state events as text rows, a `current_facts` cache) to history format 2 (version 4:
//! `state_log` with integer keys into `strings`, `securables` and `kinds`, a digest-only cache).
//!
//! Atomic: under the history's writer lock, the old file's WAL is checkpointed into it (its
//! content unchanged), the new store is written to a temporary file beside it
//! (`.<name>.migrate.tmp`, same directory, so the rename stays on one file system; one
//! name is enough, as only a migrate holding the lock writes it),
//! checked (every event copied, state event numbering intact; the digests of the old cache
//! kept, shortened as format 2 keeps them), synced, and renamed over
//! the old file; the directory is then synced. A crash at any point before the rename
//! leaves the old file as it was (a leftover temporary file is removed by the next
//! migrate); after it, the new one is complete. Every event keeps its `seq`, so every query
//! answers as before. Never changes an event, never touches a format 2 file.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{
    APPLICATION_ID, BUSY_TIMEOUT, EVENT_STORE_VERSION, History, LAST_FORMAT_1_VERSION, SqlContext,
    lock::lock_writer,
};
use crate::history::Error;

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migrated {
    /// The file is already history format 2: nothing changed.
    AlreadyCurrent,
    /// Converted from event-store version `from`.
    Migrated {
        from: i32,
        snapshots: i64,
        state_events: i64,
        bytes_before: u64,
        bytes_after: u64,
    },
}

/// Event tables copied row for row (same columns in both formats), with the first
/// event-store version that has them.
const COPIED: [(&str, i32); 9] = [
    ("drift_runs", 1),
    ("drift_events", 1),
    ("operation_events", 1),
    ("plan_events", 2),
    ("apply_events", 2),
    ("op_events", 2),
    ("op_changes", 2),
    ("violation_runs", 3),
    ("violation_events", 3),
];

fn io<'a>(path: &'a Path, what: &'static str) -> impl Fn(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        path: path.to_path_buf(),
        what,
        source,
    }
}

fn refuse(path: &Path, message: String) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        what: "migrate",
        source: std::io::Error::other(message),
    }
}

/// Size of a file and its WAL.
fn store_bytes(path: &Path) -> u64 {
    let wal = wal_path(path);
    [path, wal.as_path()]
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-wal");
    PathBuf::from(name)
}

/// Convert the history at `path` to history format 2 in place (see the module doc).
/// `waiting` is called once when another run holds the writer lock.
pub fn migrate(path: &Path, waiting: impl FnOnce()) -> Result<Migrated, Error> {
    match std::fs::metadata(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io(path, "read metadata of")(e)),
    }
    let _lock = lock_writer(path, waiting)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let old = Connection::open_with_flags(path, flags).context(path, "open")?;
    let corrupt = |e: rusqlite::Error| Error::Corrupt {
        path: path.to_path_buf(),
        source: e,
    };
    old.busy_timeout(BUSY_TIMEOUT).map_err(corrupt)?;
    let (app, version): (i32, i32) = old
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), \
                    (SELECT user_version FROM pragma_user_version)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(corrupt)?;
    if app != APPLICATION_ID {
        return Err(Error::Foreign {
            path: path.to_path_buf(),
            found: app,
        });
    }
    if version == EVENT_STORE_VERSION {
        return Ok(Migrated::AlreadyCurrent);
    }
    if !(1..=LAST_FORMAT_1_VERSION).contains(&version) {
        return Err(Error::Version {
            path: path.to_path_buf(),
            found: version,
            supported: EVENT_STORE_VERSION,
        });
    }
    let bytes_before = store_bytes(path);
    // The rename replaces the main file only: fold the WAL into it first (content as is).
    let busy: i64 = old
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .context(path, "checkpoint the old store")?;
    if busy != 0 {
        return Err(refuse(
            path,
            "another process is using the history; stop it and run `brickkit history migrate` again (nothing was changed)".to_string(),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(
        || "history.sqlite".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.migrate.tmp"));
    remove_leftovers(&tmp);
    let copied = write_new(path, &tmp, version).and_then(|counts| {
        let f = std::fs::File::open(&tmp).map_err(io(&tmp, "open"))?;
        f.sync_all().map_err(io(&tmp, "sync"))?;
        Ok(counts)
    });
    drop(old);
    let wal_left = std::fs::metadata(wal_path(path)).map_or(0, |m| m.len());
    let done = copied.and_then(|counts| {
        if wal_left > 0 {
            return Err(refuse(
                path,
                "another process wrote to the history during the migration; stop it and run `brickkit history migrate` again (nothing was changed)".to_string(),
            ));
        }
        std::fs::rename(&tmp, path).map_err(io(path, "rename the migrated history into"))?;
        Ok(counts)
    });
    let (snapshots, state_events) = match done {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        d.sync_all().map_err(io(&dir, "sync"))?;
    }
    Ok(Migrated::Migrated {
        from: version,
        snapshots,
        state_events,
        bytes_before,
        bytes_after: store_bytes(path),
    })
}

/// Remove the temporary file (and its journal) of a migration that did not finish (killed
/// before its rename; only `migrate`, under the writer lock, creates it).
fn remove_leftovers(tmp: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = tmp.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Write the format 2 store at `tmp` from the format 1 store at `old` (event-store
/// `version`); returns (snapshots, state events).
fn write_new(old: &Path, tmp: &Path, version: i32) -> Result<(i64, i64), Error> {
    let c = Connection::open(tmp).context(tmp, "create")?;
    // A temporary file: no rollback journal needed (it is removed if anything fails).
    c.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .context(tmp, "configure")?;
    c.execute_batch(&History::schema_batch())
        .context(tmp, "create the schema")?;
    c.execute("ATTACH DATABASE ?1 AS old", [old.to_string_lossy()])
        .context(old, "attach the old store")?;
    c.execute_batch("BEGIN")
        .context(tmp, "begin the migration")?;
    let counts = copy_all(&c, old, version)?;
    c.execute_batch("COMMIT; DETACH DATABASE old; PRAGMA analysis_limit = 1000; ANALYZE;")
        .context(tmp, "commit the migration")?;
    let mode: String = c
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .context(tmp, "set the journal mode")?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(refuse(tmp, format!("SQLite kept journal mode `{mode}`")));
    }
    c.close().map_err(|(_, e)| e).context(tmp, "close")?;
    Ok(counts)
}

fn count(c: &Connection, path: &Path, sql: &str) -> Result<i64, Error> {
    c.query_row(sql, [], |r| r.get(0))
        .context(path, "count the migrated rows")
}

fn copy_all(c: &Connection, old: &Path, version: i32) -> Result<(i64, i64), Error> {
    // Format 2 reads an event's time and lineage from its snapshot, and derives the event
    // from its values and attribute: refuse a store whose events disagree with their
    // snapshot or with that derivation (none that brickkit wrote), rather than lose them.
    let odd = count(
        c,
        old,
        "SELECT count(*) FROM old.state_events e LEFT JOIN old.snapshots s \
         ON s.snapshot_id = e.snapshot_id \
         WHERE s.seq IS NULL OR s.lineage <> e.lineage OR s.taken_at_ms <> e.at_ms \
            OR s.taken_at <> e.occurred_at OR s.day <> e.day \
            OR e.event IS NOT CASE \
                 WHEN e.old_value IS NULL AND e.new_value IS NULL THEN NULL \
                 WHEN e.old_value IS NULL THEN CASE e.attribute WHEN 'securable' \
                      THEN 'securable_added' ELSE 'attribute_added' END \
                 WHEN e.new_value IS NULL THEN CASE e.attribute WHEN 'securable' \
                      THEN 'securable_removed' ELSE 'attribute_removed' END \
                 ELSE 'attribute_changed' END",
    )?;
    if odd > 0 {
        return Err(refuse(
            old,
            format!(
                "{odd} state event(s) do not match their snapshot's time or lineage, or their values; not migrated (nothing was changed)"
            ),
        ));
    }
    let cols = "seq, snapshot_id, lineage, parent_id, workspace, taken_at_ms, taken_at, day, \
                scope, collector_mode, securables, counts, content_digest, state_events, manifest";
    let sql = format!(
        "INSERT INTO main.snapshots ({cols}) SELECT {cols} FROM old.snapshots ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT lineage FROM old.snapshots ORDER BY seq;\n\
         INSERT OR IGNORE INTO securables (name) SELECT securable FROM old.state_events ORDER BY seq;\n\
         INSERT OR IGNORE INTO kinds (kind) SELECT securable_kind FROM old.state_events ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT attribute FROM old.state_events ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT item FROM old.state_events ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT sub_item FROM old.state_events ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT old_value FROM old.state_events \
           WHERE old_value IS NOT NULL ORDER BY seq;\n\
         INSERT OR IGNORE INTO strings (s) SELECT new_value FROM old.state_events \
           WHERE new_value IS NOT NULL ORDER BY seq;\n\
         INSERT INTO state_log (sec, seq, snap, kind, attribute, item, sub_item, old_value, new_value) \
           SELECT k.id, e.seq, s.seq, t.id, a.id, i.id, u.id, o.id, n.id \
           FROM old.state_events e \
           JOIN main.snapshots s ON s.snapshot_id = e.snapshot_id \
           JOIN securables k ON k.name = e.securable \
           JOIN kinds t ON t.kind = e.securable_kind \
           JOIN strings a ON a.s = e.attribute \
           JOIN strings i ON i.s = e.item \
           JOIN strings u ON u.s = e.sub_item \
           LEFT JOIN strings o ON o.s = e.old_value \
           LEFT JOIN strings n ON n.s = e.new_value \
           ORDER BY k.id, e.seq;\n\
         INSERT INTO current_digests (lineage, sec, kind, digest) \
           SELECT l.id, k.id, t.id, substr(d.digest, 1, {digest}) FROM old.current_digests d \
           JOIN strings l ON l.s = d.lineage \
           JOIN securables k ON k.name = d.securable \
           JOIN kinds t ON t.kind = d.securable_kind;",
        digest = super::ingest::DIGEST_BYTES
    );
    c.execute_batch(&sql)
        .context(old, "copy the snapshots and state events")?;
    for (table, since) in COPIED {
        if version < since {
            continue;
        }
        let mut st = c
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .context(old, "read the schema")?;
        let names: Vec<String> = st
            .query_map([], |r| r.get(0))
            .context(old, "read the schema")?
            .collect::<Result<_, _>>()
            .context(old, "read the schema")?;
        let cols = names.join(", ");
        c.execute_batch(&format!(
            "INSERT INTO main.{table} ({cols}) SELECT {cols} FROM old.{table} ORDER BY seq;"
        ))
        .context(old, "copy an event table")?;
    }
    // Every event is there, with the numbering ingest continues from.
    let mut checks = vec![
        (
            "snapshots",
            "SELECT count(*) FROM old.snapshots",
            "SELECT count(*) FROM main.snapshots",
        ),
        (
            "state events",
            "SELECT count(*) FROM old.state_events",
            "SELECT count(*) FROM state_log",
        ),
        (
            "state event numbering",
            "SELECT count(*) FROM old.state_events",
            "SELECT COALESCE(MAX(seq), 0) FROM state_log",
        ),
        (
            "state event counts",
            "SELECT count(*) FROM old.state_events",
            "SELECT COALESCE(SUM(state_events), 0) FROM main.snapshots",
        ),
        (
            "current digests",
            "SELECT count(*) FROM old.current_digests",
            "SELECT count(*) FROM current_digests",
        ),
    ];
    let table_checks: Vec<(String, String, String)> = COPIED
        .iter()
        .filter(|(_, since)| version >= *since)
        .map(|(t, _)| {
            (
                (*t).to_string(),
                format!("SELECT count(*) FROM old.{t}"),
                format!("SELECT count(*) FROM main.{t}"),
            )
        })
        .collect();
    checks.extend(
        table_checks
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
    );
    for (what, before, after) in checks {
        let (b, a) = (count(c, old, before)?, count(c, old, after)?);
        if a != b {
            return Err(refuse(
                old,
                format!(
                    "{what}: {b} in the old store, {a} after conversion; not migrated (nothing was changed)"
                ),
            ));
        }
    }
    Ok((
        count(c, old, "SELECT count(*) FROM main.snapshots")?,
        count(c, old, "SELECT count(*) FROM state_log")?,
    ))
}
