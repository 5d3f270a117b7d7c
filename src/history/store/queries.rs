//! Reading the history: a snapshot's content folded from state events, one read-only
//! ad-hoc query, the `history show` timeline (snapshots, state, drift and violation events,
//! plans and applies), the violations open after a run (folded from their events) and the
//! HTML report's data. Never writes.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::{Cell, History, QueryResult, SqlContext, TimelineEntry};
use crate::history::Error;
use crate::history::events::{DriftEventKind, FactKey, ViolationFinding, ViolationKey};
use crate::history::fold;
use crate::model::Timestamp;
use crate::state::{Snapshot, store::manifest};

impl History {
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
            .context(&self.path, "look up the snapshot")?
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
            .context(&self.path, "read state events")?;
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
            .context(&self.path, "read state events")?;
        let mut state = BTreeMap::new();
        for row in rows {
            let (k, v) = row.context(&self.path, "read state events")?;
            fold::apply(&mut state, k, v);
        }
        Ok(fold::rebuild(&fold::group(&state), m))
    }

    /// Fold the violation events of `environment` up to and including the drift run on
    /// `snapshot_id` into the violations open after that run (the violation invariant:
    /// equal to what the run found, plus those it could not check).
    pub fn violations_at(
        &self,
        environment: &str,
        snapshot_id: &str,
    ) -> Result<BTreeMap<ViolationKey, ViolationFinding>, Error> {
        let what = "read violation events";
        let seq: i64 = self
            .conn
            .query_row(
                "SELECT seq FROM drift_runs WHERE environment = ?1 AND snapshot_id = ?2",
                [environment, snapshot_id],
                |r| r.get(0),
            )
            .optional()
            .context(&self.path, "look up the drift run")?
            .ok_or_else(|| Error::NoSuchSnapshot {
                path: self.path.clone(),
                id: snapshot_id.to_string(),
            })?;
        let mut st = self
            .conn
            .prepare(
                "SELECT event, rule_id, securable_kind, securable, field, severity, expected, actual \
                 FROM violation_events WHERE environment = ?1 AND snapshot_id IN \
                 (SELECT snapshot_id FROM drift_runs WHERE environment = ?1 AND seq <= ?2) \
                 ORDER BY seq",
            )
            .context(&self.path, what)?;
        let rows = st
            .query_map(params![environment, seq], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    ViolationFinding {
                        rule_id: r.get(1)?,
                        securable_kind: r.get(2)?,
                        securable: r.get(3)?,
                        field: r.get(4)?,
                        severity: r.get(5)?,
                        expected: r.get(6)?,
                        actual: r.get(7)?,
                    },
                ))
            })
            .context(&self.path, what)?;
        let mut open = BTreeMap::new();
        for row in rows {
            let (event, v) = row.context(&self.path, what)?;
            if let Some(kind) = DriftEventKind::parse(&event) {
                fold::apply_violation(&mut open, kind, v);
            }
        }
        Ok(open)
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

    /// Snapshot, state, drift and violation events (and each run's violation counts),
    /// plans and applies in time order, optionally from
    /// `since_ms` on and for one securable only. Without a securable, the state events of
    /// each lineage's first snapshot (the baseline: everything "added") are summarised by
    /// its snapshot line, and an apply by its start, its failed and interrupted operations
    /// and its end; for one securable, every operation result on it (an applied one with
    /// its attribute changes) and its interrupted operations.
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
                 UNION ALL \
                 SELECT at_ms, occurred_at, 'violations', seq, 'violation_run', '', '', environment, \
                        CAST(open_total AS TEXT) || ' open' || CASE WHEN kept_unknown > 0 THEN ' (' || CAST(kept_unknown AS TEXT) || ' not checked: kept open)' ELSE '' END, \
                        CAST(opened AS TEXT) || ' opened, ' || CAST(changed AS TEXT) || ' changed, ' || CAST(resolved AS TEXT) || ' resolved', '', snapshot_id \
                   FROM violation_runs WHERE ?2 IS NULL AND (rules > 0 OR open_total > 0 OR opened + changed + resolved > 0) \
                 UNION ALL \
                 SELECT at_ms, occurred_at, 'violation', seq, 'violation_' || event, securable_kind, securable, \
                        field || ' [' || rule_id || CASE WHEN reason IS NULL THEN '' ELSE ', ' || reason END || ']', expected, actual, severity, snapshot_id \
                   FROM violation_events WHERE ?2 IS NULL OR securable = ?2 \
                 ) t WHERE at_ms >= ?1 \
                 ORDER BY at_ms, CASE src WHEN 'snapshot' THEN 0 WHEN 'state' THEN 1 WHEN 'drift' THEN 2 WHEN 'violations' THEN 3 ELSE 4 END, ord",
            )
            .context(&self.path, "read the timeline")?;
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
            .context(&self.path, "read the timeline")?;
        let mut entries = rows
            .collect::<Result<Vec<_>, _>>()
            .context(&self.path, "read the timeline")?;
        entries.extend(self.apply_timeline(since, securable)?);
        // Stable: the order within one time and rank is the order read.
        entries.sort_by_key(|e| (e.at_ms, rank(e)));
        Ok(entries)
    }

    /// The data of the HTML report: one point per snapshot, open drift, most drifting,
    /// violations per run and open violations.
    pub fn report_data(&self) -> Result<crate::history::html::ReportData, Error> {
        use crate::history::html::{Point, ReportData};
        let what = "read the report data";
        let mut d = ReportData::default();
        let mut st = self
            .conn
            .prepare(
                "SELECT s.snapshot_id, s.taken_at, \
                 COALESCE(SUM(r.open_critical), 0), COALESCE(SUM(r.open_warning), 0), COALESCE(SUM(r.open_info), 0) \
                 FROM snapshots s LEFT JOIN drift_runs r ON r.snapshot_id = s.snapshot_id \
                 GROUP BY s.seq, s.snapshot_id, s.taken_at ORDER BY s.taken_at_ms, s.seq",
            )
            .context(&self.path, what)?;
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
            .context(&self.path, what)?;
        d.points = rows.collect::<Result<_, _>>().context(&self.path, what)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT environment, severity, securable_kind, securable, field, expected, actual, opened_at \
                 FROM open_drift ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, \
                 environment, securable_kind, securable, field",
            )
            .context(&self.path, what)?;
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
            .context(&self.path, what)?;
        d.open = rows.collect::<Result<_, _>>().context(&self.path, what)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT securable_kind, securable, COUNT(*) AS n FROM drift_events WHERE event = 'opened' \
                 GROUP BY securable_kind, securable ORDER BY n DESC, securable_kind, securable LIMIT 10",
            )
            .context(&self.path, what)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .context(&self.path, what)?;
        d.most = rows.collect::<Result<_, _>>().context(&self.path, what)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT occurred_at, environment, opened, resolved, open_total FROM violation_runs \
                 WHERE rules > 0 OR open_total > 0 OR opened + resolved > 0 ORDER BY at_ms, seq",
            )
            .context(&self.path, what)?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .context(&self.path, what)?;
        d.violation_runs = rows.collect::<Result<_, _>>().context(&self.path, what)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT environment, severity, rule_id, securable_kind, securable, field, actual, opened_at \
                 FROM open_violations ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, \
                 environment, rule_id, securable_kind, securable, field",
            )
            .context(&self.path, what)?;
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
            .context(&self.path, what)?;
        d.open_violations = rows.collect::<Result<_, _>>().context(&self.path, what)?;
        Ok(d)
    }
}

/// Order of events recorded at the same time.
fn rank(e: &TimelineEntry) -> u8 {
    match (e.source.as_str(), e.event.as_str()) {
        ("snapshot", _) => 0,
        ("state", _) => 1,
        ("drift" | "violations" | "violation", _) => 2,
        ("plan", _) => 3,
        ("apply", "apply_started") => 4,
        ("op", _) => 5,
        ("apply", "apply_unfinished") => 7,
        _ => 6,
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3 applied, 1 already done, 1 failed` (zero counts left out).
fn counts_text(c: &[(i64, &str)]) -> String {
    let parts: Vec<String> = c
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if parts.is_empty() {
        "nothing to do".to_string()
    } else {
        parts.join(", ")
    }
}

/// An empty entry of `source` and `event` at `at_ms`.
fn entry(at_ms: i64, at: String, source: &str, event: &str) -> TimelineEntry {
    TimelineEntry {
        at_ms,
        at,
        source: source.to_string(),
        event: event.to_string(),
        securable_kind: String::new(),
        securable: String::new(),
        what: String::new(),
        old: None,
        new: None,
        severity: String::new(),
        snapshot_id: String::new(),
    }
}

fn op_what(operation: String, column: Option<String>) -> String {
    match column {
        Some(c) => format!("{operation} [{c}]"),
        None => operation,
    }
}

impl History {
    /// The plan and apply lines of the timeline (see [`History::timeline`]).
    fn apply_timeline(
        &self,
        since: i64,
        securable: Option<&str>,
    ) -> Result<Vec<TimelineEntry>, Error> {
        let what = "read the apply timeline";
        let path = &self.path;
        let mut out = Vec::new();
        if securable.is_none() {
            let mut st = self
                .conn
                .prepare(
                    "SELECT at_ms, occurred_at, plan_digest, project, environment, snapshot_id, \
                     creates, changes, revokes, not_planned FROM plan_events \
                     WHERE at_ms >= ?1 ORDER BY seq",
                )
                .context(path, what)?;
            let rows = st
                .query_map([since], |r| {
                    let mut e = entry(r.get(0)?, r.get(1)?, "plan", "plan_created");
                    e.what = r.get(2)?;
                    let (project, env): (String, String) = (r.get(3)?, r.get(4)?);
                    e.snapshot_id = r.get(5)?;
                    let c: [i64; 4] = [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?];
                    e.new = Some(format!(
                        "{project}/{env}: {} to create, {} to change, {} to revoke, {} not planned",
                        c[0], c[1], c[2], c[3]
                    ));
                    Ok(e)
                })
                .context(path, what)?;
            for r in rows {
                out.push(r.context(path, what)?);
            }
            self.apply_lines(since, &mut out)?;
        }
        self.op_lines(since, securable, &mut out)?;
        Ok(out)
    }

    /// Apply started / finished / refused lines, and one `apply_unfinished` line per apply
    /// that has events but no `apply_finished` (interrupted, or still running).
    fn apply_lines(&self, since: i64, out: &mut Vec<TimelineEntry>) -> Result<(), Error> {
        let what = "read the apply events";
        let path = &self.path;
        let mut st = self
            .conn
            .prepare(
                "SELECT at_ms, occurred_at, event, apply_id, plan_digest, host, dry_run, \
                 operations, applied, already_done, failed, skipped, would_apply, refusal, \
                 refusal_detail, residual, mutating_requests, duration_ms \
                 FROM apply_events WHERE at_ms >= ?1 ORDER BY seq",
            )
            .context(path, what)?;
        let rows = st
            .query_map([since], |r| {
                let event: String = r.get(2)?;
                let refusal: Option<String> = r.get(13)?;
                let shown = match (event.as_str(), &refusal) {
                    ("apply_finished", Some(_)) => "apply_refused",
                    _ => event.as_str(),
                };
                let mut e = entry(r.get(0)?, r.get(1)?, "apply", shown);
                e.what = r.get(3)?;
                e.snapshot_id = e.what.clone();
                e.old = Some(r.get(4)?);
                let host: String = r.get(5)?;
                let dry = r.get::<_, i64>(6)? != 0;
                let dry = if dry { ", dry run" } else { "" };
                let ops: i64 = r.get(7)?;
                let n = |i: usize| -> rusqlite::Result<i64> {
                    Ok(r.get::<_, Option<i64>>(i)?.unwrap_or(0))
                };
                e.new = Some(if event == "apply_started" {
                    format!("{host}{dry}: {}", plural(ops, "operation", "operations"))
                } else if let Some(kind) = refusal {
                    let detail: Option<String> = r.get(14)?;
                    format!("{host}{dry}: {kind}: {}", detail.unwrap_or_default())
                } else {
                    let counts = counts_text(&[
                        (n(8)?, "applied"),
                        (n(9)?, "already done"),
                        (n(10)?, "failed"),
                        (n(11)?, "skipped"),
                        (n(12)?, "would apply"),
                    ]);
                    let residual = match r.get::<_, Option<i64>>(15)? {
                        Some(x) => format!("; residual drift {x}"),
                        None => String::new(),
                    };
                    format!(
                        "{host}{dry}: {counts}{residual}; {}; {} ms",
                        plural(n(16)?, "mutating request", "mutating requests"),
                        n(17)?
                    )
                });
                Ok(e)
            })
            .context(path, what)?;
        for r in rows {
            out.push(r.context(path, what)?);
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT apply_id, MAX(at_ms), \
                 (SELECT COUNT(*) FROM op_events i WHERE i.apply_id = t.apply_id \
                   AND i.event = 'op_intent' AND NOT EXISTS (SELECT 1 FROM op_events r \
                   WHERE r.apply_id = i.apply_id AND r.op_id = i.op_id AND r.event = 'op_result')) \
                 FROM (SELECT apply_id, at_ms FROM apply_events \
                       UNION ALL SELECT apply_id, at_ms FROM op_events) t \
                 WHERE apply_id NOT IN (SELECT apply_id FROM apply_events WHERE event = 'apply_finished') \
                 GROUP BY apply_id HAVING MAX(at_ms) >= ?1 ORDER BY MAX(at_ms), apply_id",
            )
            .context(path, what)?;
        let rows = st
            .query_map([since], |r| {
                let at_ms: i64 = r.get(1)?;
                let mut e = entry(
                    at_ms,
                    Timestamp(at_ms).to_rfc3339(),
                    "apply",
                    "apply_unfinished",
                );
                e.what = r.get(0)?;
                e.snapshot_id = e.what.clone();
                let open: i64 = r.get(2)?;
                e.new = Some(format!(
                    "no apply_finished recorded (interrupted, or still running); {} sent without a recorded result",
                    plural(open, "operation", "operations")
                ));
                Ok(e)
            })
            .context(path, what)?;
        for r in rows {
            out.push(r.context(path, what)?);
        }
        Ok(())
    }

    /// Failed and interrupted operations; for one securable, every result on it.
    fn op_lines(
        &self,
        since: i64,
        securable: Option<&str>,
        out: &mut Vec<TimelineEntry>,
    ) -> Result<(), Error> {
        let what = "read the operation events";
        let path = &self.path;
        let mut st = self
            .conn
            .prepare(
                "SELECT o.at_ms, o.occurred_at, o.apply_id, o.op_id, o.event, o.status, \
                 o.securable_kind, o.securable, o.operation, o.column_name, o.detail, o.error_code \
                 FROM op_events o WHERE o.at_ms >= ?1 AND (?2 IS NULL OR o.securable = ?2) AND ( \
                   (o.event = 'op_result' AND (o.status = 'failed' OR ?2 IS NOT NULL)) \
                   OR (o.event = 'op_intent' AND NOT EXISTS (SELECT 1 FROM op_events r \
                       WHERE r.apply_id = o.apply_id AND r.op_id = o.op_id AND r.event = 'op_result'))) \
                 ORDER BY o.seq",
            )
            .context(path, what)?;
        let rows = st
            .query_map(params![since, securable], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    [
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                    ],
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                ))
            })
            .context(path, what)?;
        let mut results = Vec::new();
        for r in rows {
            results.push(r.context(path, what)?);
        }
        let mut changes = self
            .conn
            .prepare(
                "SELECT attribute, before_value, after_value FROM op_changes \
                 WHERE apply_id = ?1 AND op_id = ?2 ORDER BY seq",
            )
            .context(path, what)?;
        for (
            at_ms,
            at,
            apply_id,
            op_id,
            event,
            status,
            [kind, name, operation],
            column,
            detail,
            code,
        ) in results
        {
            let base = |ev: &str| {
                let mut e = entry(at_ms, at.clone(), "op", ev);
                e.securable_kind = kind.clone();
                e.securable = name.clone();
                e.what = op_what(operation.clone(), column.clone());
                e.snapshot_id = apply_id.clone();
                e
            };
            let status = status.unwrap_or_default();
            if event == "op_intent" {
                let mut e = base("op_interrupted");
                e.new =
                    Some("intent recorded, no result: the requests may have been sent".to_string());
                out.push(e);
            } else if status == "applied" {
                let rows = changes
                    .query_map(params![apply_id, op_id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    })
                    .context(path, what)?;
                let mut any = false;
                for c in rows {
                    let (attribute, before, after) = c.context(path, what)?;
                    let mut e = base("op_applied");
                    e.what = format!("{} {attribute}", e.what);
                    e.old = Some(before);
                    e.new = Some(after);
                    out.push(e);
                    any = true;
                }
                if !any {
                    out.push(base("op_applied"));
                }
            } else {
                let mut e = base(&format!("op_{status}"));
                e.new = match (code, detail) {
                    (Some(c), Some(d)) => Some(format!("{c}: {d}")),
                    (c, d) => c.or(d),
                };
                out.push(e);
            }
        }
        Ok(())
    }
}
