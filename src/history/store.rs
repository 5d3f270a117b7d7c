//! The **history store**: the only file that touches the history SQLite database.
//!
//! Schema from `queries/schema/*.sql`; `PRAGMA application_id` marks the file as a brickkit
//! history and `PRAGMA user_version` is the event-store version (unknown versions and
//! foreign files are refused before anything is written). Event tables are append-only
//! (triggers). One IMMEDIATE transaction per snapshot or drift run, with a busy timeout, so
//! concurrent ingests serialise and lose nothing. `current_facts` / `current_digests` are a
//! derived cache (the fold of the state events per lineage): ingest compares per-securable
//! digests and reads and rewrites only the securables that changed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::drift::DriftReport;
use crate::history::Error;
use crate::history::events::{self, DriftEventKind, FactKey, Finding, StateEvent};
use crate::history::fold;
use crate::model::Timestamp;
use crate::state::{Manifest, Snapshot, store::manifest};

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
/// The event-store version this brickkit reads and writes.
pub const EVENT_STORE_VERSION: i32 = 1;

const SCHEMA: &str = include_str!("../../queries/schema/001_events.sql");
/// The portable projection views (also used over exported Parquet).
pub const VIEWS: &str = include_str!("../../queries/schema/002_views.sql");

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
    /// `snapshot`, `state` or `drift`.
    pub source: String,
    pub event: String,
    pub securable_kind: String,
    pub securable: String,
    /// Attribute and item (state), field and category (drift), lineage (snapshot).
    pub what: String,
    /// Old value (state) or expected value (drift).
    pub old: Option<String>,
    /// New value (state), actual value (drift), counts (snapshot).
    pub new: Option<String>,
    pub severity: String,
    pub snapshot_id: String,
}

/// An open history file.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

type Group = BTreeMap<(String, String, String), String>;

fn group_digest(g: &Group) -> Vec<u8> {
    let mut h = Sha256::new();
    for ((a, i, s), v) in g {
        for part in [a, i, s, v] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.update([1u8]);
    }
    h.finalize().to_vec()
}

fn day_of(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    s.chars().take(10).collect()
}

fn workspace_of(m: &Manifest) -> String {
    m.metastore_id
        .clone()
        .or_else(|| m.host.clone())
        .unwrap_or_default()
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
        let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::Sql {
            path: p.clone(),
            what: "open",
            source: e,
        })?;
        let corrupt = |e: rusqlite::Error| Error::Corrupt {
            path: p.clone(),
            source: e,
        };
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(corrupt)?;
        let app: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(corrupt)?;
        let version: i32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(corrupt)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(corrupt)?;
        let h = History { conn, path: p };
        if app == 0 && version == 0 && tables == 0 {
            h.init()?;
        } else if app != APPLICATION_ID {
            return Err(Error::Foreign {
                path: h.path.clone(),
                found: app,
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

    fn sql(&self, what: &'static str) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::Sql {
            path: self.path.clone(),
            what,
            source: e,
        }
    }

    fn init(&self) -> Result<(), Error> {
        let batch = format!(
            "PRAGMA journal_mode = WAL;\nBEGIN;\n{SCHEMA}\n{VIEWS}\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {EVENT_STORE_VERSION};\nCOMMIT;"
        );
        self.conn
            .execute_batch(&batch)
            .map_err(self.sql("create the schema"))
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append a snapshot: its snapshot event and the state events since the previous
    /// snapshot of its lineage. Same snapshot id twice is a no-op; a snapshot older than
    /// the newest of its lineage is refused; another workspace or lineage is refused
    /// unless `opts.allow_mixed`.
    pub fn ingest_snapshot(
        &mut self,
        s: &Snapshot,
        opts: IngestOptions,
    ) -> Result<Ingested, Error> {
        let path = self.path.clone();
        let sql = |what: &'static str| {
            let path = path.clone();
            move |e: rusqlite::Error| Error::Sql {
                path: path.clone(),
                what,
                source: e,
            }
        };
        let m = &s.manifest;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin a transaction"))?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT seq FROM snapshots WHERE snapshot_id = ?1",
                [&m.snapshot_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("look up the snapshot"))?;
        if exists.is_some() {
            return Ok(Ingested::AlreadyPresent);
        }
        let workspace = workspace_of(m);
        if !opts.allow_mixed {
            let other: Option<(String, String, String)> = tx
                .query_row(
                    "SELECT snapshot_id, lineage, workspace FROM snapshots \
                     WHERE lineage <> ?1 OR workspace <> ?2 LIMIT 1",
                    params![m.lineage, workspace],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(sql("check the workspace"))?;
            if let Some((other_id, lineage, ws)) = other {
                return Err(Error::Mixed {
                    path: self.path.clone(),
                    id: m.snapshot_id.clone(),
                    found: format!("{}/{}", workspace, m.lineage),
                    expected: format!("{ws}/{lineage} (snapshot {other_id})"),
                });
            }
        }
        let newest: Option<(String, i64)> = tx
            .query_row(
                "SELECT snapshot_id, taken_at_ms FROM snapshots WHERE lineage = ?1 \
                 ORDER BY taken_at_ms DESC, seq DESC LIMIT 1",
                [&m.lineage],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql("find the newest snapshot"))?;
        if let Some((nid, nat)) = newest
            && nat > m.taken_at.millis()
        {
            {
                return Err(Error::OutOfOrder {
                    path: self.path.clone(),
                    id: m.snapshot_id.clone(),
                    taken_at: m.taken_at.to_rfc3339(),
                    newest_id: nid,
                    newest_at: Timestamp(nat).to_rfc3339(),
                });
            }
        }

        let new_facts = events::facts(s);
        let mut old_digests: HashMap<(String, String), Vec<u8>> = HashMap::new();
        {
            let mut st = tx
                .prepare(
                    "SELECT securable_kind, securable, digest FROM current_digests WHERE lineage = ?1",
                )
                .map_err(sql("read the current digests"))?;
            let rows = st
                .query_map([&m.lineage], |r| {
                    Ok(((r.get(0)?, r.get(1)?), r.get::<_, Vec<u8>>(2)?))
                })
                .map_err(sql("read the current digests"))?;
            for row in rows {
                let (k, d) = row.map_err(sql("read the current digests"))?;
                old_digests.insert(k, d);
            }
        }
        let at_ms = m.taken_at.millis();
        let at = m.taken_at.to_rfc3339();
        let day = day_of(m.taken_at);
        let mut n_events = 0usize;
        {
            let mut read_group = tx
                .prepare(
                    "SELECT attribute, item, sub_item, value FROM current_facts \
                     WHERE lineage = ?1 AND securable_kind = ?2 AND securable = ?3",
                )
                .map_err(sql("prepare"))?;
            let mut del_group = tx
                .prepare(
                    "DELETE FROM current_facts \
                     WHERE lineage = ?1 AND securable_kind = ?2 AND securable = ?3",
                )
                .map_err(sql("prepare"))?;
            let mut ins_fact = tx
                .prepare("INSERT INTO current_facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(sql("prepare"))?;
            let mut put_digest = tx
                .prepare("INSERT OR REPLACE INTO current_digests VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql("prepare"))?;
            let mut del_digest = tx
                .prepare(
                    "DELETE FROM current_digests \
                     WHERE lineage = ?1 AND securable_kind = ?2 AND securable = ?3",
                )
                .map_err(sql("prepare"))?;
            let mut ins_event = tx
                .prepare(
                    "INSERT INTO state_events (snapshot_id, lineage, at_ms, occurred_at, day, event, \
                     securable_kind, securable, attribute, item, sub_item, old_value, new_value) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(sql("prepare"))?;
            let lineage = &m.lineage;
            let mut load = |k: &str, n: &str| -> Result<Group, Error> {
                let mut g = Group::new();
                let rows = read_group
                    .query_map(params![lineage, k, n], |r| {
                        Ok((
                            (
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                            ),
                            r.get::<_, String>(3)?,
                        ))
                    })
                    .map_err(sql("read current facts"))?;
                for row in rows {
                    let (key, v) = row.map_err(sql("read current facts"))?;
                    g.insert(key, v);
                }
                Ok(g)
            };
            let mut write_events = |evs: Vec<StateEvent>| -> Result<(), Error> {
                for e in evs {
                    ins_event
                        .execute(params![
                            m.snapshot_id,
                            lineage,
                            at_ms,
                            at,
                            day,
                            e.kind.as_str(),
                            e.key.securable_kind,
                            e.key.securable,
                            e.key.attribute,
                            e.key.item,
                            e.key.sub_item,
                            e.old_value,
                            e.new_value
                        ])
                        .map_err(sql("append a state event"))?;
                    n_events += 1;
                }
                Ok(())
            };
            let empty = Group::new();
            for ((k, n), g) in &new_facts {
                let d = group_digest(g);
                let old_d = old_digests.remove(&(k.clone(), n.clone()));
                if old_d.as_ref() == Some(&d) {
                    continue;
                }
                let old = if old_d.is_some() {
                    load(k, n)?
                } else {
                    Group::new()
                };
                write_events(events::diff_group(k, n, &old, g))?;
                del_group
                    .execute(params![lineage, k, n])
                    .map_err(sql("update current facts"))?;
                for ((a, i, si), v) in g {
                    ins_fact
                        .execute(params![lineage, k, n, a, i, si, v])
                        .map_err(sql("update current facts"))?;
                }
                put_digest
                    .execute(params![lineage, k, n, d])
                    .map_err(sql("update current digests"))?;
            }
            let mut gone: Vec<(String, String)> = old_digests.into_keys().collect();
            gone.sort();
            for (k, n) in gone {
                let old = load(&k, &n)?;
                write_events(events::diff_group(&k, &n, &old, &empty))?;
                del_group
                    .execute(params![lineage, k, n])
                    .map_err(sql("update current facts"))?;
                del_digest
                    .execute(params![lineage, k, n])
                    .map_err(sql("update current digests"))?;
            }
        }
        let counts = serde_json::to_string(&m.counts).unwrap_or_default();
        tx.execute(
            "INSERT INTO snapshots (snapshot_id, lineage, parent_id, workspace, taken_at_ms, \
             taken_at, day, scope, collector_mode, securables, counts, content_digest, \
             state_events, manifest) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                m.snapshot_id,
                m.lineage,
                m.parent_id,
                workspace,
                at_ms,
                at,
                day,
                m.scope.join(","),
                m.collector_mode,
                s.securables.len() as i64,
                counts,
                m.content_digest,
                n_events as i64,
                manifest::to_json(m),
            ],
        )
        .map_err(sql("append the snapshot event"))?;
        tx.commit().map_err(sql("commit"))?;
        Ok(Ingested::Added { events: n_events })
    }

    /// Append a drift run: drift opened / changed / resolved since the previous run of the
    /// same environment, at the snapshot's time. The same (snapshot, environment) twice is
    /// a no-op; a run on a snapshot older than the environment's newest run is refused.
    pub fn ingest_drift(&mut self, r: &DriftReport) -> Result<Ingested, Error> {
        let path = self.path.clone();
        let sql = |what: &'static str| {
            let path = path.clone();
            move |e: rusqlite::Error| Error::Sql {
                path: path.clone(),
                what,
                source: e,
            }
        };
        let env = &r.environment;
        let sid = &r.snapshot.id;
        let at_ms = r.snapshot.taken_at.millis();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("begin a transaction"))?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT seq FROM drift_runs WHERE snapshot_id = ?1 AND environment = ?2",
                params![sid, env],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql("look up the drift run"))?;
        if exists.is_some() {
            return Ok(Ingested::AlreadyPresent);
        }
        let newest: Option<(String, i64)> = tx
            .query_row(
                "SELECT snapshot_id, at_ms FROM drift_runs WHERE environment = ?1 \
                 ORDER BY at_ms DESC, seq DESC LIMIT 1",
                [env],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(sql("find the newest drift run"))?;
        if let Some((nid, nat)) = newest
            && nat > at_ms
        {
            {
                return Err(Error::OutOfOrder {
                    path: self.path.clone(),
                    id: sid.clone(),
                    taken_at: r.snapshot.taken_at.to_rfc3339(),
                    newest_id: nid,
                    newest_at: Timestamp(nat).to_rfc3339(),
                });
            }
        }
        let mut open: BTreeMap<(String, String, String), Finding> = BTreeMap::new();
        {
            let mut st = tx
                .prepare(
                    "SELECT securable_kind, securable, field, category, severity, expected, actual \
                     FROM open_drift WHERE environment = ?1",
                )
                .map_err(sql("read open drift"))?;
            let rows = st
                .query_map([env], |row| {
                    Ok(Finding {
                        securable_kind: row.get(0)?,
                        securable: row.get(1)?,
                        field: row.get(2)?,
                        category: row.get(3)?,
                        severity: row.get(4)?,
                        expected: row.get(5)?,
                        actual: row.get(6)?,
                    })
                })
                .map_err(sql("read open drift"))?;
            for f in rows {
                let f = f.map_err(sql("read open drift"))?;
                open.insert(f.key(), f);
            }
        }
        let now = events::findings(r);
        // Securables nobody could read keep their open drift: unknown is not resolved.
        let unreadable: std::collections::BTreeSet<&str> = r
            .unknown
            .iter()
            .filter(|u| u.attribute.is_none())
            .map(|u| u.full_name.as_str())
            .collect();
        let mut evs: Vec<(DriftEventKind, &Finding)> = Vec::new();
        for (k, f) in &now {
            match open.get(k) {
                None => evs.push((DriftEventKind::Opened, f)),
                Some(o) if o != f => evs.push((DriftEventKind::Changed, f)),
                Some(_) => {}
            }
        }
        for (k, o) in &open {
            if !now.contains_key(k) && !unreadable.contains(o.securable.as_str()) {
                evs.push((DriftEventKind::Resolved, o));
            }
        }
        evs.sort_by_key(|a| (a.1.key(), a.0));
        let at = r.snapshot.taken_at.to_rfc3339();
        let day = day_of(r.snapshot.taken_at);
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO drift_events (snapshot_id, environment, at_ms, occurred_at, day, event, \
                     securable_kind, securable, field, category, severity, expected, actual) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(sql("prepare"))?;
            for (kind, f) in &evs {
                ins.execute(params![
                    sid,
                    env,
                    at_ms,
                    at,
                    day,
                    kind.as_str(),
                    f.securable_kind,
                    f.securable,
                    f.field,
                    f.category,
                    f.severity,
                    f.expected,
                    f.actual
                ])
                .map_err(sql("append a drift event"))?;
            }
        }
        let count = |k: DriftEventKind| evs.iter().filter(|e| e.0 == k).count() as i64;
        let sev = |s: &str| now.values().filter(|f| f.severity == s).count() as i64;
        let summary = r.summary();
        tx.execute(
            "INSERT INTO drift_runs (snapshot_id, environment, project, at_ms, occurred_at, day, \
             open_critical, open_warning, open_info, drifted, missing, unmanaged, compliant, \
             unknown, opened, changed, resolved) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                sid,
                env,
                r.project,
                at_ms,
                at,
                day,
                sev("critical"),
                sev("warning"),
                sev("info"),
                summary.drifted as i64,
                summary.missing as i64,
                summary.unmanaged as i64,
                summary.compliant as i64,
                summary.unknown as i64,
                count(DriftEventKind::Opened),
                count(DriftEventKind::Changed),
                count(DriftEventKind::Resolved),
            ],
        )
        .map_err(sql("append the drift run"))?;
        tx.commit().map_err(sql("commit"))?;
        Ok(Ingested::Added { events: evs.len() })
    }

    /// Fold the state events of `snapshot_id`'s lineage up to and including that snapshot
    /// into snapshot content (with the snapshot's recorded manifest).
    pub fn fold_at(&self, snapshot_id: &str) -> Result<Snapshot, Error> {
        let (seq, lineage, mtext): (i64, String, String) = self
            .conn
            .query_row(
                "SELECT seq, lineage, manifest FROM snapshots WHERE snapshot_id = ?1",
                [snapshot_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.sql("look up the snapshot"))?
            .ok_or_else(|| Error::NoSuchSnapshot {
                path: self.path.clone(),
                id: snapshot_id.to_string(),
            })?;
        let m = manifest::from_json(&self.path, &mtext).map_err(|e| Error::Manifest {
            path: self.path.clone(),
            id: snapshot_id.to_string(),
            message: e.to_string(),
        })?;
        let mut st = self
            .conn
            .prepare(
                "SELECT securable_kind, securable, attribute, item, sub_item, new_value \
                 FROM state_events WHERE lineage = ?1 AND snapshot_id IN \
                 (SELECT snapshot_id FROM snapshots WHERE lineage = ?1 AND seq <= ?2) \
                 ORDER BY seq",
            )
            .map_err(self.sql("read state events"))?;
        let rows = st
            .query_map(params![lineage, seq], |r| {
                Ok((
                    FactKey {
                        securable_kind: r.get(0)?,
                        securable: r.get(1)?,
                        attribute: r.get(2)?,
                        item: r.get(3)?,
                        sub_item: r.get(4)?,
                    },
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(self.sql("read state events"))?;
        let mut state = BTreeMap::new();
        for row in rows {
            let (k, v) = row.map_err(self.sql("read state events"))?;
            fold::apply(&mut state, k, v);
        }
        Ok(fold::rebuild(&fold::group(&state), m))
    }

    /// Run one read-only SQL statement (views included) and return its rows.
    pub fn query(&self, sql_text: &str) -> Result<QueryResult, Error> {
        let err = |e: rusqlite::Error| Error::Query {
            path: self.path.clone(),
            source: e,
        };
        let mut st = self.conn.prepare(sql_text.trim()).map_err(err)?;
        if !st.readonly() {
            return Err(Error::NotReadOnly {
                path: self.path.clone(),
            });
        }
        let columns: Vec<String> = st.column_names().map(str::to_string).collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut q = st.query([]).map_err(err)?;
        while let Some(r) = q.next().map_err(err)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i).map_err(err)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(x) => Cell::Int(x),
                    ValueRef::Real(x) => Cell::Real(x),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Cell::Text(format!("<{} bytes>", b.len())),
                });
            }
            rows.push(row);
        }
        Ok(QueryResult { columns, rows })
    }

    /// Snapshot, state and drift events in time order, optionally from `since_ms` on and
    /// for one securable only. Without a securable, the state events of each lineage's
    /// first snapshot (the baseline: everything "added") are summarised by its snapshot line.
    pub fn timeline(
        &self,
        since_ms: Option<i64>,
        securable: Option<&str>,
    ) -> Result<Vec<TimelineEntry>, Error> {
        let since = since_ms.unwrap_or(i64::MIN);
        let mut st = self
            .conn
            .prepare(
                "SELECT at_ms, occurred_at, src, ord, event, securable_kind, securable, what, old, new, severity, snapshot_id FROM ( \
                 SELECT taken_at_ms AS at_ms, taken_at AS occurred_at, 'snapshot' AS src, seq AS ord, 'snapshot' AS event, '' AS securable_kind, '' AS securable, \
                        lineage AS what, NULL AS old, CAST(securables AS TEXT) || ' securables, ' || CAST(state_events AS TEXT) || ' state events' AS new, '' AS severity, snapshot_id \
                   FROM snapshots WHERE ?2 IS NULL \
                 UNION ALL \
                 SELECT at_ms, occurred_at, 'state', seq, event, securable_kind, securable, \
                        CASE WHEN item = '' AND sub_item = '' THEN attribute \
                             WHEN sub_item = '' THEN attribute || ' ' || item \
                             ELSE attribute || ' ' || item || ' ' || sub_item END, \
                        old_value, new_value, '', snapshot_id \
                   FROM state_events WHERE (?2 IS NULL AND snapshot_id NOT IN (SELECT s.snapshot_id FROM snapshots s \
                          WHERE s.seq = (SELECT MIN(x.seq) FROM snapshots x WHERE x.lineage = s.lineage))) OR securable = ?2 \
                 UNION ALL \
                 SELECT at_ms, occurred_at, 'drift', seq, 'drift_' || event, securable_kind, securable, field || ' [' || category || ']', expected, actual, severity, snapshot_id \
                   FROM drift_events WHERE ?2 IS NULL OR securable = ?2 \
                 ) t WHERE at_ms >= ?1 \
                 ORDER BY at_ms, CASE src WHEN 'snapshot' THEN 0 WHEN 'state' THEN 1 ELSE 2 END, ord",
            )
            .map_err(self.sql("read the timeline"))?;
        let rows = st
            .query_map(params![since, securable], |r| {
                Ok(TimelineEntry {
                    at_ms: r.get(0)?,
                    at: r.get(1)?,
                    source: r.get(2)?,
                    event: r.get(4)?,
                    securable_kind: r.get(5)?,
                    securable: r.get(6)?,
                    what: r.get(7)?,
                    old: r.get(8)?,
                    new: r.get(9)?,
                    severity: r.get(10)?,
                    snapshot_id: r.get(11)?,
                })
            })
            .map_err(self.sql("read the timeline"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(self.sql("read the timeline"))
    }

    /// The data of the HTML report: one point per snapshot, open drift, most drifting.
    pub fn report_data(&self) -> Result<crate::history::html::ReportData, Error> {
        use crate::history::html::{Point, ReportData};
        let err = self.sql("read the report data");
        let mut d = ReportData::default();
        let mut st = self
            .conn
            .prepare(
                "SELECT s.snapshot_id, s.taken_at, \
                 COALESCE(SUM(r.open_critical), 0), COALESCE(SUM(r.open_warning), 0), COALESCE(SUM(r.open_info), 0) \
                 FROM snapshots s LEFT JOIN drift_runs r ON r.snapshot_id = s.snapshot_id \
                 GROUP BY s.seq, s.snapshot_id, s.taken_at ORDER BY s.taken_at_ms, s.seq",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                Ok(Point {
                    snapshot_id: r.get(0)?,
                    at: r.get(1)?,
                    critical: r.get(2)?,
                    warning: r.get(3)?,
                    info: r.get(4)?,
                })
            })
            .map_err(&err)?;
        d.points = rows.collect::<Result<_, _>>().map_err(&err)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT environment, severity, securable_kind, securable, field, expected, actual, opened_at \
                 FROM open_drift ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, \
                 environment, securable_kind, securable, field",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                ])
            })
            .map_err(&err)?;
        d.open = rows.collect::<Result<_, _>>().map_err(&err)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT securable_kind, securable, COUNT(*) AS n FROM drift_events WHERE event = 'opened' \
                 GROUP BY securable_kind, securable ORDER BY n DESC, securable_kind, securable LIMIT 10",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&err)?;
        d.most = rows.collect::<Result<_, _>>().map_err(&err)?;
        Ok(d)
    }

    /// The raw connection, for tests and for the exporter in this module.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
