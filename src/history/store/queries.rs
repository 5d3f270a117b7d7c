//! Reading the history: a snapshot's content folded from state events, one read-only
//! ad-hoc query, the `history show` timeline and the HTML report's data. Never writes.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::{Cell, History, QueryResult, SqlContext, TimelineEntry};
use crate::history::Error;
use crate::history::events::FactKey;
use crate::history::fold;
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
        rows.collect::<Result<Vec<_>, _>>()
            .context(&self.path, "read the timeline")
    }

    /// The data of the HTML report: one point per snapshot, open drift, most drifting.
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
        Ok(d)
    }
}
