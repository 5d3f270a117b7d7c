//! The **history store**: the only file that touches the history SQLite database.
//!
//! Schema from `queries/schema/*.sql`; `PRAGMA application_id` marks the file as a brickkit
//! history and `PRAGMA user_version` is the event-store version (unknown versions and
//! foreign files are refused before anything is written). Version 4 is **history format 2**:
//! state events reference snapshots, securables and texts by integer keys behind the view
//! `state_events`. A format-1 file (versions 1 to 3) is refused by every open with a message
//! naming `brickkit history migrate`, which copies it into a new file and renames it over
//! the old one (`migrate`). Event tables are append-only
//! (triggers). One IMMEDIATE transaction per snapshot or drift run, with a busy timeout, so
//! concurrent ingests serialise and lose nothing. `current_digests` is a derived cache (a
//! digest of each securable's current facts per lineage): ingest compares per-securable
//! digests and reads (folded from `state_log`) and rewrites only the securables that changed.
//!
//! This file opens the database (schema, version checks) and maps SQLite errors to
//! [`Error`] with what was being done (`SqlContext`); `ingest` appends snapshots and drift
//! runs (with their rule violations); `apply` records plans and the apply journal; `queries` reads (fold, ad-hoc
//! queries, timeline, report data); `migrate` converts a format-1 file.

mod apply;
mod ingest;
mod lock;
mod migrate;
mod queries;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::history::Error;

pub use apply::{ApplyJournal, apply_id};
pub use lock::{WriterLock, lock_path, lock_writer};
pub use migrate::{Migrated, migrate};

/// `PRAGMA application_id` of a brickkit history ("BKHS").
pub const APPLICATION_ID: i32 = 0x424B_4853;

/// True when `path` is a history store, judged from the SQLite header alone (the
/// `application_id` at byte 68) without opening the database. Lets `snapshot list` pass
/// over the history file that lives beside the snapshots.
pub fn is_history_file(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 72];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)) {
        Ok(()) => {
            header.starts_with(b"SQLite format 3\0")
                && i32::from_be_bytes([header[68], header[69], header[70], header[71]])
                    == APPLICATION_ID
        }
        Err(_) => false,
    }
}
/// The event-store version this brickkit writes: 4, history format 2. Versions 1 to 3
/// (format 1: state events as text rows) are refused until `brickkit history migrate`
/// converts them; newer versions are refused.
pub const EVENT_STORE_VERSION: i32 = 4;

/// The newest event-store version of history format 1 (the layout `migrate` reads).
pub const LAST_FORMAT_1_VERSION: i32 = 3;

const SCHEMA: &str = include_str!("../../../queries/schema/001_events.sql");
/// The version 2 tables: plans and applies.
const APPLY_SCHEMA: &str = include_str!("../../../queries/schema/003_apply.sql");
/// The portable projection views (also used over exported Parquet).
pub const VIEWS: &str = include_str!("../../../queries/schema/002_views.sql");
/// The version 3 tables: policy-rule violations.
const VIOLATION_SCHEMA: &str = include_str!("../../../queries/schema/004_violations.sql");
/// The portable projection views of violations (also used over exported Parquet).
pub const VIOLATION_VIEWS: &str = include_str!("../../../queries/schema/005_violation_views.sql");

/// Options of a snapshot ingest.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions {
    /// Accept a snapshot of another workspace or lineage than the ones already held.
    pub allow_mixed: bool,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Appended, with this many events.
    Added { events: usize },
    /// Already in the history: nothing written.
    AlreadyPresent,
}

/// One cell of a query result.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A query result: column names and rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One line of `history show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at_ms: i64,
    pub at: String,
    /// `snapshot`, `state`, `drift`, `violation`, `violations` (a run's violation counts),
    /// `plan`, `apply` or `op`.
    pub source: String,
    /// The event (`apply` also has `apply_refused` and `apply_unfinished`; `op` has
    /// `op_<status>` and `op_interrupted`, an intent without a result).
    pub event: String,
    pub securable_kind: String,
    pub securable: String,
    /// Attribute and item (state), field and category (drift), field, rule and resolve
    /// reason (violation), environment (violations), lineage (snapshot), plan
    /// digest (plan), apply id (apply), operation [column] and attribute (op).
    pub what: String,
    /// Old value (state), expected value (drift, violation), open count (violations), plan
    /// digest (apply), value before (op).
    pub old: Option<String>,
    /// New value (state), actual value (drift, violation), counts (snapshot, violations),
    /// summary (plan, apply),
    /// value after or the error (op).
    pub new: Option<String>,
    pub severity: String,
    /// The snapshot (snapshot, state, drift, plan) or the apply id (apply, op).
    pub snapshot_id: String,
}

/// How long a write waits for another process's transaction (and for a new file's WAL
/// switch) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open history file.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// Open an existing history, or create it (and its directory) when `path` does not
    /// exist. A foreign, corrupt or newer file is refused before anything is written.
    pub fn open_or_create(path: &Path) -> Result<History, Error> {
        if !path.exists()
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            {
                std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                    path: dir.to_path_buf(),
                    what: "create directory",
                    source: e,
                })?;
            }
        }
        Self::open_with(path, true)
    }

    /// Open an existing history read-write; refuses a missing file.
    pub fn open(path: &Path) -> Result<History, Error> {
        match std::fs::metadata(path) {
            Ok(_) => Self::open_with(path, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing {
                path: path.to_path_buf(),
            }),
            Err(e) => Err(Error::Io {
                path: path.to_path_buf(),
                what: "read metadata of",
                source: e,
            }),
        }
    }

    fn open_with(path: &Path, create: bool) -> Result<History, Error> {
        let p = path.to_path_buf();
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).context(&p, "open")?;
        let corrupt = |e: rusqlite::Error| Error::Corrupt {
            path: p.clone(),
            source: e,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(corrupt)?;
        // One statement, so one read snapshot: read one by one, the three could straddle
        // another process's schema creation (no id yet, but tables) and a new history
        // would be refused as foreign.
        let (app, version, tables): (i32, i32, i64) = conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id), \
                        (SELECT user_version FROM pragma_user_version), \
                        (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(corrupt)?;
        let mut h = History { conn, path: p };
        let (app, version) = if app == 0 && version == 0 && tables == 0 {
            h.init()?;
            // Made by this process or, meanwhile, by another: read what the file now is.
            let app: i32 = h
                .conn
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .context(&h.path, "read the application id")?;
            let version: i32 = h
                .conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .context(&h.path, "read the event-store version")?;
            (app, version)
        } else {
            (app, version)
        };
        if app != APPLICATION_ID {
            return Err(Error::Foreign {
                path: h.path.clone(),
                found: app,
            });
        } else if (1..=LAST_FORMAT_1_VERSION).contains(&version) {
            return Err(Error::NeedsMigration {
                path: h.path.clone(),
                found: version,
            });
        } else if version != EVENT_STORE_VERSION {
            return Err(Error::Version {
                path: h.path.clone(),
                found: version,
                supported: EVENT_STORE_VERSION,
            });
        }
        Ok(h)
    }

    /// Put the file in WAL mode (not allowed inside a transaction; idempotent). Switching
    /// needs an exclusive lock and SQLite does not wait for it with the busy timeout: when
    /// another process opens the same new file at the same moment, the switch fails with
    /// "database is locked". So: look first (the other process may have switched it), and
    /// retry a busy switch for up to the busy timeout.
    fn set_wal(&self) -> Result<(), Error> {
        let path = &self.path;
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            let mode: String = self
                .conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .context(path, "read the journal mode")?;
            if mode.eq_ignore_ascii_case("wal") {
                return Ok(());
            }
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(m) if m.eq_ignore_ascii_case("wal") => return Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Ok(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Ok(m) => {
                    return Err(Error::Io {
                        path: path.clone(),
                        what: "switch to WAL journal mode",
                        source: std::io::Error::other(format!("SQLite kept journal mode `{m}`")),
                    });
                }
                Err(e) => return Err(e).context(path, "set the journal mode"),
            }
        }
    }

    /// The schema of a new file, ending with its application id and version.
    fn schema_batch() -> String {
        format!(
            "{SCHEMA}\n{VIEWS}\n{APPLY_SCHEMA}\n{VIOLATION_SCHEMA}\n{VIOLATION_VIEWS}\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {EVENT_STORE_VERSION};"
        )
    }

    /// Create the schema of a new, empty file. Two processes may open the same new file at
    /// once (two scheduled runs sharing a history): the schema is created in an IMMEDIATE
    /// transaction that looks again whether the file is still empty, so the second waits
    /// for the first (busy timeout) and then finds the schema made — instead of failing
    /// with "table snapshots already exists" and losing its run.
    fn init(&mut self) -> Result<(), Error> {
        self.set_wal()?;
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context(path, "begin creating the schema")?;
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .context(path, "read the schema")?;
        if tables == 0 {
            tx.execute_batch(&Self::schema_batch())
                .context(path, "create the schema")?;
        }
        tx.commit().context(path, "create the schema")
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for tests and for the exporter in this module.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Maps a failed SQLite call to [`Error::Sql`]: the history file and what was being done.
trait SqlContext<T> {
    fn context(self, path: &Path, what: &'static str) -> Result<T, Error>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn context(self, path: &Path, what: &'static str) -> Result<T, Error> {
        self.map_err(|source| Error::Sql {
            path: path.to_path_buf(),
            what,
            source,
        })
    }
}
