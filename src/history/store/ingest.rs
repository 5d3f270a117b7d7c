//! Appending to the history: a snapshot (its state events since the previous snapshot of
//! its lineage, written to `state_log` with their texts and securable interned into the
//! `strings` / `securables` / `kinds` dictionaries, the derived `current_digests` cache, its snapshot
//! event)
//! and a drift run (drift opened / changed / resolved, its run row; violations opened /
//! changed / resolved, their run row). Each append is one
//! IMMEDIATE transaction, checked (same id: no-op; older than the newest: refused) before
//! anything is written. Never updates or deletes an event row.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rusqlite::{OptionalExtension, Statement, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{History, IngestOptions, Ingested, SqlContext};
use crate::drift::DriftReport;
use crate::history::Error;
use crate::history::events::{
    self, DriftEventKind, Facts, Finding, RunCoverage, StateEvent, ViolationEvent,
    ViolationFinding, ViolationKey,
};
use crate::model::Timestamp;
use crate::state::{Manifest, Snapshot, store::manifest};

/// The facts of one securable: (attribute, item, sub-item) -> value.
type Group = BTreeMap<(String, String, String), String>;

/// A securable: (kind, full name).
type SecurableKey = (String, String);

/// A securable's keys in `state_log`: its name's `securables.id` and its `kinds.id`.
type Sec = (i64, i64);

/// The cached digest of a securable: its keys and digest.
type CachedDigest = (Sec, Vec<u8>);

/// Bytes of a securable's digest kept in `current_digests`: the first 16 of its SHA-256
/// (a change missed by a collision has probability 2^-128).
pub(super) const DIGEST_BYTES: usize = 16;

fn group_digest(g: &Group) -> Vec<u8> {
    let mut h = Sha256::new();
    for ((a, i, s), v) in g {
        for part in [a, i, s, v] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.update([1u8]);
    }
    h.finalize()[..DIGEST_BYTES].to_vec()
}

pub(super) fn day_of(t: Timestamp) -> String {
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
    /// Append a snapshot: its snapshot event and the state events since the previous
    /// snapshot of its lineage. Same snapshot id twice is a no-op; a snapshot older than
    /// the newest of its lineage is refused; another workspace or lineage is refused
    /// unless `opts.allow_mixed`.
    pub fn ingest_snapshot(
        &mut self,
        s: &Snapshot,
        opts: IngestOptions,
    ) -> Result<Ingested, Error> {
        let path = &self.path;
        let m = &s.manifest;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(path, "begin a transaction")?;
        if snapshot_present(&tx, path, &m.snapshot_id)? {
            return Ok(Ingested::AlreadyPresent);
        }
        let workspace = workspace_of(m);
        if !opts.allow_mixed {
            refuse_mixed(&tx, path, m, &workspace)?;
        }
        refuse_older_snapshot(&tx, path, m)?;
        let new_facts = events::facts(s);
        // Keys of this snapshot and of its first state event (state event seqs are 1, 2,
        // ... without gaps: the snapshots' counts add up to the last one).
        let (snap, first_seq): (i64, i64) = tx
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1, COALESCE(SUM(state_events), 0) + 1 FROM snapshots",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context(path, "read the next keys")?;
        let n_events = {
            let mut keys = Keys::prepare(&tx, path)?;
            let lineage = keys.string(&m.lineage)?;
            let old_digests = current_digests(&tx, path, lineage)?;
            let mut cache = FactCache::prepare(&tx, path, &m.lineage, lineage)?;
            let mut log = StateLog::prepare(&tx, path, snap, first_seq)?;
            apply_changes(&new_facts, old_digests, &mut keys, &mut cache, &mut log)?;
            log.written
        };
        append_snapshot_event(&tx, path, snap, s, &workspace, n_events)?;
        analyze(&tx, path)?;
        tx.commit().context(path, "commit")?;
        Ok(Ingested::Added { events: n_events })
    }

    /// Append a drift run: drift opened / changed / resolved since the previous run of the
    /// same environment, at the snapshot's time, and likewise its policy-rule violations
    /// ([`events::violation_events`]). The same (snapshot, environment) twice is
    /// a no-op; a run on a snapshot older than the environment's newest run is refused.
    pub fn ingest_drift(&mut self, r: &DriftReport) -> Result<Ingested, Error> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(path, "begin a transaction")?;
        if drift_run_present(&tx, path, r)? {
            return Ok(Ingested::AlreadyPresent);
        }
        refuse_older_drift_run(&tx, path, r)?;
        let open = open_drift(&tx, path, &r.environment)?;
        let now = events::findings(r);
        let evs = drift_events(r, &open, &now);
        append_drift_events(&tx, path, r, &evs)?;
        append_drift_run(&tx, path, r, &now, &evs)?;
        let open_v = open_violations(&tx, path, &r.environment)?;
        let now_v = events::violations(r);
        let cov = RunCoverage::of(r);
        let vevs = events::violation_events(&open_v, &now_v, &cov);
        append_violation_events(&tx, path, r, &vevs)?;
        append_violation_run(&tx, path, r, &cov, &open_v, &now_v, &vevs)?;
        tx.commit().context(path, "commit")?;
        Ok(Ingested::Added {
            events: evs.len() + vevs.len(),
        })
    }
}

/// Refresh the planner's statistics (`sqlite_stat1`, sampled: milliseconds). Without them
/// newer SQLite versions build a temporary index over all of `state_log` for a query such
/// as `grants_outside_brickkit.sql` (seconds at 100k tables); with them any client plans
/// it as a range read per securable. Not part of the record.
pub(super) fn analyze(tx: &Transaction, path: &Path) -> Result<(), Error> {
    tx.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE;")
        .context(path, "refresh the query planner's statistics")
}

/// True when the history already holds snapshot `id`.
fn snapshot_present(tx: &Transaction, path: &Path, id: &str) -> Result<bool, Error> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT seq FROM snapshots WHERE snapshot_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .context(path, "look up the snapshot")?;
    Ok(exists.is_some())
}

/// Refuse a snapshot of another workspace or lineage than one already held.
fn refuse_mixed(tx: &Transaction, path: &Path, m: &Manifest, workspace: &str) -> Result<(), Error> {
    let other: Option<(String, String, String)> = tx
        .query_row(
            "SELECT snapshot_id, lineage, workspace FROM snapshots \
             WHERE lineage <> ?1 OR workspace <> ?2 LIMIT 1",
            params![m.lineage, workspace],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .context(path, "check the workspace")?;
    match other {
        Some((other_id, lineage, ws)) => Err(Error::Mixed {
            path: path.to_path_buf(),
            id: m.snapshot_id.clone(),
            found: format!("{}/{}", workspace, m.lineage),
            expected: format!("{ws}/{lineage} (snapshot {other_id})"),
        }),
        None => Ok(()),
    }
}

/// Refuse a snapshot taken before the newest of its lineage (late snapshots are not placed).
fn refuse_older_snapshot(tx: &Transaction, path: &Path, m: &Manifest) -> Result<(), Error> {
    let newest: Option<(String, i64)> = tx
        .query_row(
            "SELECT snapshot_id, taken_at_ms FROM snapshots WHERE lineage = ?1 \
             ORDER BY taken_at_ms DESC, seq DESC LIMIT 1",
            [&m.lineage],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .context(path, "find the newest snapshot")?;
    match newest {
        Some((nid, nat)) if nat > m.taken_at.millis() => Err(Error::OutOfOrder {
            path: path.to_path_buf(),
            id: m.snapshot_id.clone(),
            taken_at: m.taken_at.to_rfc3339(),
            newest_id: nid,
            newest_at: Timestamp(nat).to_rfc3339(),
        }),
        _ => Ok(()),
    }
}

/// The cached digest of every securable of lineage `lineage` (a `strings.id`) as of its
/// newest snapshot, with the securable's id.
fn current_digests(
    tx: &Transaction,
    path: &Path,
    lineage: i64,
) -> Result<HashMap<SecurableKey, CachedDigest>, Error> {
    let what = "read the current digests";
    let mut old_digests = HashMap::new();
    let mut st = tx
        .prepare(
            "SELECT t.kind, k.name, d.sec, d.kind, d.digest FROM current_digests d \
             JOIN securables k ON k.id = d.sec JOIN kinds t ON t.id = d.kind \
             WHERE d.lineage = ?1",
        )
        .context(path, what)?;
    let rows = st
        .query_map([lineage], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                (
                    (r.get::<_, i64>(2)?, r.get::<_, i64>(3)?),
                    r.get::<_, Vec<u8>>(4)?,
                ),
            ))
        })
        .context(path, what)?;
    for row in rows {
        let (k, d) = row.context(path, what)?;
        old_digests.insert(k, d);
    }
    Ok(old_digests)
}

/// Write the state events and cache updates of every securable whose digest changed: a
/// changed or new securable is diffed against its current facts (folded from its events)
/// and its digest rewritten; a securable no longer in the snapshot is diffed against
/// nothing and dropped from the cache (in sorted order, after the snapshot's securables).
fn apply_changes(
    new_facts: &Facts,
    mut old_digests: HashMap<SecurableKey, CachedDigest>,
    keys: &mut Keys<'_>,
    cache: &mut FactCache<'_>,
    log: &mut StateLog<'_>,
) -> Result<(), Error> {
    for ((k, n), g) in new_facts {
        let d = group_digest(g);
        let old = old_digests.remove(&(k.clone(), n.clone()));
        if old.as_ref().is_some_and(|o| o.1 == d) {
            continue;
        }
        let (sec, old) = match old {
            Some((sec, _)) => (sec, cache.load(sec)?),
            None => (keys.securable(k, n)?, Group::new()),
        };
        log.write(events::diff_group(k, n, &old, g), sec, keys)?;
        cache.put(sec, &d)?;
    }
    let mut gone: Vec<(SecurableKey, CachedDigest)> = old_digests.into_iter().collect();
    gone.sort();
    let empty = Group::new();
    for ((k, n), (sec, _)) in gone {
        let old = cache.load(sec)?;
        log.write(events::diff_group(&k, &n, &old, &empty), sec, keys)?;
        cache.remove(sec)?;
    }
    Ok(())
}

/// The dictionaries: `strings` (every text of a state event, and lineages) and
/// `securables` (names) and `kinds`, each text given one integer key the first time it is
/// seen.
struct Keys<'a> {
    path: &'a Path,
    get_string: Statement<'a>,
    put_string: Statement<'a>,
    get_securable: Statement<'a>,
    put_securable: Statement<'a>,
    get_kind: Statement<'a>,
    put_kind: Statement<'a>,
    strings: HashMap<String, i64>,
    kinds: HashMap<String, i64>,
}

impl<'a> Keys<'a> {
    fn prepare(tx: &'a Transaction, path: &'a Path) -> Result<Self, Error> {
        let prepare = |sql: &str| tx.prepare(sql).context(path, "prepare");
        Ok(Keys {
            path,
            get_string: prepare("SELECT id FROM strings WHERE s = ?1")?,
            put_string: prepare("INSERT INTO strings (s) VALUES (?1)")?,
            get_securable: prepare("SELECT id FROM securables WHERE name = ?1")?,
            put_securable: prepare("INSERT INTO securables (name) VALUES (?1)")?,
            get_kind: prepare("SELECT id FROM kinds WHERE kind = ?1")?,
            put_kind: prepare("INSERT INTO kinds (kind) VALUES (?1)")?,
            strings: HashMap::new(),
            kinds: HashMap::new(),
        })
    }

    /// The key of text `s`, added to `strings` when new.
    fn string(&mut self, s: &str) -> Result<i64, Error> {
        if let Some(id) = self.strings.get(s) {
            return Ok(*id);
        }
        let what = "intern a text";
        let id = match self
            .get_string
            .query_row([s], |r| r.get(0))
            .optional()
            .context(self.path, what)?
        {
            Some(id) => id,
            None => self.put_string.insert([s]).context(self.path, what)?,
        };
        self.strings.insert(s.to_string(), id);
        Ok(id)
    }

    /// The keys of securable (`kind`, `name`), added to `securables` / `kinds` when new.
    fn securable(&mut self, kind: &str, name: &str) -> Result<Sec, Error> {
        let what = "intern a securable";
        let sec = match self
            .get_securable
            .query_row([name], |r| r.get(0))
            .optional()
            .context(self.path, what)?
        {
            Some(id) => id,
            None => self.put_securable.insert([name]).context(self.path, what)?,
        };
        let kind_id = match self.kinds.get(kind) {
            Some(id) => *id,
            None => {
                let id = match self
                    .get_kind
                    .query_row([kind], |r| r.get(0))
                    .optional()
                    .context(self.path, what)?
                {
                    Some(id) => id,
                    None => self.put_kind.insert([kind]).context(self.path, what)?,
                };
                self.kinds.insert(kind.to_string(), id);
                id
            }
        };
        Ok((sec, kind_id))
    }
}

/// Reads a securable's current facts (the fold of its state events in one lineage) and
/// keeps the derived `current_digests` cache of that lineage.
struct FactCache<'a> {
    path: &'a Path,
    lineage: &'a str,
    lineage_id: i64,
    read_group: Statement<'a>,
    put_digest: Statement<'a>,
    del_digest: Statement<'a>,
}

impl<'a> FactCache<'a> {
    fn prepare(
        tx: &'a Transaction,
        path: &'a Path,
        lineage: &'a str,
        lineage_id: i64,
    ) -> Result<Self, Error> {
        let prepare = |sql: &str| tx.prepare(sql).context(path, "prepare");
        Ok(FactCache {
            path,
            lineage,
            lineage_id,
            read_group: prepare(
                "SELECT a.s, i.s, u.s, n.s FROM state_log e \
                 JOIN snapshots p ON p.seq = e.snap \
                 JOIN strings a ON a.id = e.attribute \
                 JOIN strings i ON i.id = e.item \
                 JOIN strings u ON u.id = e.sub_item \
                 LEFT JOIN strings n ON n.id = e.new_value \
                 WHERE e.sec = ?1 AND e.kind = ?2 AND p.lineage = ?3 ORDER BY e.seq",
            )?,
            put_digest: prepare(
                "INSERT OR REPLACE INTO current_digests (lineage, sec, kind, digest) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?,
            del_digest: prepare(
                "DELETE FROM current_digests WHERE lineage = ?1 AND sec = ?2 AND kind = ?3",
            )?,
        })
    }

    /// The current facts of securable `sec`: its state events folded in order.
    fn load(&mut self, sec: Sec) -> Result<Group, Error> {
        let (path, what) = (self.path, "read current facts");
        let mut g = Group::new();
        let rows = self
            .read_group
            .query_map(params![sec.0, sec.1, self.lineage], |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ),
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .context(path, what)?;
        for row in rows {
            match row.context(path, what)? {
                (key, Some(v)) => {
                    g.insert(key, v);
                }
                (key, None) => {
                    g.remove(&key);
                }
            }
        }
        Ok(g)
    }

    /// Set the cached digest of a securable.
    fn put(&mut self, sec: Sec, digest: &[u8]) -> Result<(), Error> {
        self.put_digest
            .execute(params![self.lineage_id, sec.0, sec.1, digest])
            .context(self.path, "update current digests")?;
        Ok(())
    }

    /// Drop a securable from the cache.
    fn remove(&mut self, sec: Sec) -> Result<(), Error> {
        self.del_digest
            .execute(params![self.lineage_id, sec.0, sec.1])
            .context(self.path, "update current digests")?;
        Ok(())
    }
}

/// Appends the state events of one snapshot (`snap`, its `snapshots.seq`), numbering them
/// from `next`, counting them.
struct StateLog<'a> {
    path: &'a Path,
    snap: i64,
    next: i64,
    insert: Statement<'a>,
    written: usize,
}

impl<'a> StateLog<'a> {
    fn prepare(tx: &'a Transaction, path: &'a Path, snap: i64, next: i64) -> Result<Self, Error> {
        let insert = tx
            .prepare(
                "INSERT INTO state_log (sec, seq, snap, kind, attribute, item, sub_item, \
                 old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .context(path, "prepare")?;
        Ok(StateLog {
            path,
            snap,
            next,
            insert,
            written: 0,
        })
    }

    /// Append the events of securable `sec` (its event kind is not stored: the view
    /// `state_events` derives it from the values and attribute).
    fn write(&mut self, evs: Vec<StateEvent>, sec: Sec, keys: &mut Keys<'_>) -> Result<(), Error> {
        for e in evs {
            let old = e.old_value.as_deref().map(|v| keys.string(v)).transpose()?;
            let new = e.new_value.as_deref().map(|v| keys.string(v)).transpose()?;
            self.insert
                .execute(params![
                    sec.0,
                    self.next,
                    self.snap,
                    sec.1,
                    keys.string(&e.key.attribute)?,
                    keys.string(&e.key.item)?,
                    keys.string(&e.key.sub_item)?,
                    old,
                    new
                ])
                .context(self.path, "append a state event")?;
            self.next += 1;
            self.written += 1;
        }
        Ok(())
    }
}

/// The snapshot event: the snapshot's row, with its manifest and its count of state events.
fn append_snapshot_event(
    tx: &Transaction,
    path: &Path,
    snap: i64,
    s: &Snapshot,
    workspace: &str,
    n_events: usize,
) -> Result<(), Error> {
    let m = &s.manifest;
    let counts = serde_json::to_string(&m.counts).unwrap_or_default();
    tx.execute(
        "INSERT INTO snapshots (snapshot_id, lineage, parent_id, workspace, taken_at_ms, \
         taken_at, day, scope, collector_mode, securables, counts, content_digest, \
         state_events, manifest, seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            m.snapshot_id,
            m.lineage,
            m.parent_id,
            workspace,
            m.taken_at.millis(),
            m.taken_at.to_rfc3339(),
            day_of(m.taken_at),
            m.scope.join(","),
            m.collector_mode,
            s.securables.len() as i64,
            counts,
            m.content_digest,
            n_events as i64,
            manifest::to_json(m),
            snap,
        ],
    )
    .context(path, "append the snapshot event")?;
    Ok(())
}

/// True when the history already holds the drift run of this (snapshot, environment).
fn drift_run_present(tx: &Transaction, path: &Path, r: &DriftReport) -> Result<bool, Error> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT seq FROM drift_runs WHERE snapshot_id = ?1 AND environment = ?2",
            params![r.snapshot.id, r.environment],
            |row| row.get(0),
        )
        .optional()
        .context(path, "look up the drift run")?;
    Ok(exists.is_some())
}

/// Refuse a run on a snapshot older than the environment's newest run.
fn refuse_older_drift_run(tx: &Transaction, path: &Path, r: &DriftReport) -> Result<(), Error> {
    let newest: Option<(String, i64)> = tx
        .query_row(
            "SELECT snapshot_id, at_ms FROM drift_runs WHERE environment = ?1 \
             ORDER BY at_ms DESC, seq DESC LIMIT 1",
            [&r.environment],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .context(path, "find the newest drift run")?;
    match newest {
        Some((nid, nat)) if nat > r.snapshot.taken_at.millis() => Err(Error::OutOfOrder {
            path: path.to_path_buf(),
            id: r.snapshot.id.clone(),
            taken_at: r.snapshot.taken_at.to_rfc3339(),
            newest_id: nid,
            newest_at: Timestamp(nat).to_rfc3339(),
        }),
        _ => Ok(()),
    }
}

/// The drift open in environment `env`, by finding key.
fn open_drift(
    tx: &Transaction,
    path: &Path,
    env: &str,
) -> Result<BTreeMap<(String, String, String), Finding>, Error> {
    let what = "read open drift";
    let mut open = BTreeMap::new();
    let mut st = tx
        .prepare(
            "SELECT securable_kind, securable, field, category, severity, expected, actual \
             FROM open_drift WHERE environment = ?1",
        )
        .context(path, what)?;
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
        .context(path, what)?;
    for f in rows {
        let f = f.context(path, what)?;
        open.insert(f.key(), f);
    }
    Ok(open)
}

/// Drift opened, changed and resolved between the open drift and this run's findings,
/// sorted by finding key. Securables nobody could read keep their open drift: unknown is
/// not resolved.
fn drift_events<'f>(
    r: &DriftReport,
    open: &'f BTreeMap<(String, String, String), Finding>,
    now: &'f BTreeMap<(String, String, String), Finding>,
) -> Vec<(DriftEventKind, &'f Finding)> {
    let unreadable: BTreeSet<&str> = r
        .unknown
        .iter()
        .filter(|u| u.attribute.is_none())
        .map(|u| u.full_name.as_str())
        .collect();
    let mut evs: Vec<(DriftEventKind, &Finding)> = Vec::new();
    for (k, f) in now {
        match open.get(k) {
            None => evs.push((DriftEventKind::Opened, f)),
            Some(o) if o != f => evs.push((DriftEventKind::Changed, f)),
            Some(_) => {}
        }
    }
    for (k, o) in open {
        if !now.contains_key(k) && !unreadable.contains(o.securable.as_str()) {
            evs.push((DriftEventKind::Resolved, o));
        }
    }
    evs.sort_by_key(|a| (a.1.key(), a.0));
    evs
}

fn append_drift_events(
    tx: &Transaction,
    path: &Path,
    r: &DriftReport,
    evs: &[(DriftEventKind, &Finding)],
) -> Result<(), Error> {
    let at = r.snapshot.taken_at.to_rfc3339();
    let day = day_of(r.snapshot.taken_at);
    let mut ins = tx
        .prepare(
            "INSERT INTO drift_events (snapshot_id, environment, at_ms, occurred_at, day, event, \
             securable_kind, securable, field, category, severity, expected, actual) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .context(path, "prepare")?;
    for (kind, f) in evs {
        ins.execute(params![
            r.snapshot.id,
            r.environment,
            r.snapshot.taken_at.millis(),
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
        .context(path, "append a drift event")?;
    }
    Ok(())
}

/// The drift run's row: open drift by severity, the report's summary, and the counts of
/// this run's drift events.
fn append_drift_run(
    tx: &Transaction,
    path: &Path,
    r: &DriftReport,
    now: &BTreeMap<(String, String, String), Finding>,
    evs: &[(DriftEventKind, &Finding)],
) -> Result<(), Error> {
    let count = |k: DriftEventKind| evs.iter().filter(|e| e.0 == k).count() as i64;
    let sev = |s: &str| now.values().filter(|f| f.severity == s).count() as i64;
    let summary = r.summary();
    tx.execute(
        "INSERT INTO drift_runs (snapshot_id, environment, project, at_ms, occurred_at, day, \
         open_critical, open_warning, open_info, drifted, missing, unmanaged, compliant, \
         unknown, opened, changed, resolved) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            r.snapshot.id,
            r.environment,
            r.project,
            r.snapshot.taken_at.millis(),
            r.snapshot.taken_at.to_rfc3339(),
            day_of(r.snapshot.taken_at),
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
    .context(path, "append the drift run")?;
    Ok(())
}

/// The violations open in environment `env`, by key.
fn open_violations(
    tx: &Transaction,
    path: &Path,
    env: &str,
) -> Result<BTreeMap<ViolationKey, ViolationFinding>, Error> {
    let what = "read open violations";
    let mut open = BTreeMap::new();
    let mut st = tx
        .prepare(
            "SELECT rule_id, securable_kind, securable, field, severity, expected, actual \
             FROM open_violations WHERE environment = ?1",
        )
        .context(path, what)?;
    let rows = st
        .query_map([env], |row| {
            Ok(ViolationFinding {
                rule_id: row.get(0)?,
                securable_kind: row.get(1)?,
                securable: row.get(2)?,
                field: row.get(3)?,
                severity: row.get(4)?,
                expected: row.get(5)?,
                actual: row.get(6)?,
            })
        })
        .context(path, what)?;
    for f in rows {
        let f = f.context(path, what)?;
        open.insert(f.key(), f);
    }
    Ok(open)
}

fn append_violation_events(
    tx: &Transaction,
    path: &Path,
    r: &DriftReport,
    evs: &[ViolationEvent],
) -> Result<(), Error> {
    if evs.is_empty() {
        return Ok(());
    }
    let at = r.snapshot.taken_at.to_rfc3339();
    let day = day_of(r.snapshot.taken_at);
    let mut ins = tx
        .prepare(
            "INSERT INTO violation_events (snapshot_id, environment, at_ms, occurred_at, day, \
             event, rule_id, securable_kind, securable, field, severity, expected, actual, reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .context(path, "prepare")?;
    for e in evs {
        let v = e.violation;
        ins.execute(params![
            r.snapshot.id,
            r.environment,
            r.snapshot.taken_at.millis(),
            at,
            day,
            e.kind.as_str(),
            v.rule_id,
            v.securable_kind,
            v.securable,
            v.field,
            v.severity,
            v.expected,
            v.actual,
            e.reason.map(|x| x.as_str()),
        ])
        .context(path, "append a violation event")?;
    }
    Ok(())
}

/// The run's violation row: rules evaluated, violations found, rule unknowns, the open
/// violations after the run (by severity; `kept_unknown` of them not found but hidden from
/// their rule) and the counts of this run's events.
fn append_violation_run(
    tx: &Transaction,
    path: &Path,
    r: &DriftReport,
    cov: &RunCoverage,
    open: &BTreeMap<ViolationKey, ViolationFinding>,
    now: &BTreeMap<ViolationKey, ViolationFinding>,
    evs: &[ViolationEvent],
) -> Result<(), Error> {
    let mut after = open.clone();
    for e in evs {
        crate::history::fold::apply_violation(&mut after, e.kind, e.violation.clone());
    }
    let kept = after.keys().filter(|k| !now.contains_key(*k)).count() as i64;
    let sev = |s: &str| after.values().filter(|v| v.severity == s).count() as i64;
    let count = |k: DriftEventKind| evs.iter().filter(|e| e.kind == k).count() as i64;
    tx.execute(
        "INSERT INTO violation_runs (snapshot_id, environment, at_ms, occurred_at, day, rules, \
         found, unknown, kept_unknown, open_total, open_critical, open_warning, open_info, \
         opened, changed, resolved) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            r.snapshot.id,
            r.environment,
            r.snapshot.taken_at.millis(),
            r.snapshot.taken_at.to_rfc3339(),
            day_of(r.snapshot.taken_at),
            cov.rules.len() as i64,
            now.len() as i64,
            r.rule_unknown.len() as i64,
            kept,
            after.len() as i64,
            sev("critical"),
            sev("warning"),
            sev("info"),
            count(DriftEventKind::Opened),
            count(DriftEventKind::Changed),
            count(DriftEventKind::Resolved),
        ],
    )
    .context(path, "append the violation run")?;
    Ok(())
}
