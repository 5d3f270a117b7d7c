-- brickkit history projections (portable SQL: SQLite and DuckDB). Applied by brickkit to
-- every history file, and by scripts/check_history_duckdb.py over the exported Parquet.

-- Current state: the last value of every fact, per lineage (the fold of state_events).
CREATE VIEW current_state AS
SELECT lineage, securable_kind, securable, attribute, item, sub_item,
       new_value AS value, occurred_at AS since
FROM (
    SELECT e.*, ROW_NUMBER() OVER (
        PARTITION BY lineage, securable_kind, securable, attribute, item, sub_item
        ORDER BY seq DESC) AS rn
    FROM state_events e
) t
WHERE rn = 1 AND new_value IS NOT NULL;

-- Drift timeline: every opened / changed / resolved event, in order.
CREATE VIEW drift_timeline AS
SELECT seq, environment, securable_kind, securable, field, event, category, severity,
       expected, actual, snapshot_id, occurred_at, at_ms, day
FROM drift_events;

-- Open drift: the keys whose last event is not `resolved`, with when they were opened.
CREATE VIEW open_drift AS
SELECT t.environment, t.securable_kind, t.securable, t.field, t.category, t.severity,
       t.expected, t.actual,
       (SELECT MAX(o.occurred_at) FROM drift_events o
         WHERE o.environment = t.environment AND o.securable_kind = t.securable_kind
           AND o.securable = t.securable AND o.field = t.field
           AND o.event = 'opened') AS opened_at,
       t.occurred_at AS last_seen_change
FROM (
    SELECT d.*, ROW_NUMBER() OVER (
        PARTITION BY environment, securable_kind, securable, field
        ORDER BY seq DESC) AS rn
    FROM drift_events d
) t
WHERE t.rn = 1 AND t.event <> 'resolved';

-- Time to resolve: one row per resolved drift, paired with the opening it closes.
CREATE VIEW drift_resolutions AS
SELECT r.environment, r.securable_kind, r.securable, r.field, r.category, r.severity,
       o.occurred_at AS opened_at, r.occurred_at AS resolved_at,
       (r.at_ms - o.at_ms) / 1000.0 AS seconds_to_resolve
FROM drift_events r
JOIN drift_events o
  ON o.environment = r.environment AND o.securable_kind = r.securable_kind
 AND o.securable = r.securable AND o.field = r.field
 AND o.seq = (SELECT MAX(x.seq) FROM drift_events x
               WHERE x.environment = r.environment AND x.securable_kind = r.securable_kind
                 AND x.securable = r.securable AND x.field = r.field
                 AND x.event = 'opened' AND x.seq < r.seq)
WHERE r.event = 'resolved';
