-- brickkit history projections (portable SQL: SQLite, DuckDB and Spark SQL). Applied by
-- brickkit to every history file, and over the exported Parquet by
-- scripts/check_history_duckdb.py and scripts/check_spark.py (docs/spark.md).

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

-- Time to resolve: one row per resolved drift, paired with the opening it closes (the key's
-- last `opened` before it: a window, not a correlated subquery, so Spark runs it too).
CREATE VIEW drift_resolutions AS
SELECT r.environment, r.securable_kind, r.securable, r.field, r.category, r.severity,
       o.occurred_at AS opened_at, r.occurred_at AS resolved_at,
       (r.at_ms - o.at_ms) / 1000.0 AS seconds_to_resolve
FROM (
    SELECT d.*, MAX(CASE WHEN d.event = 'opened' THEN d.seq END) OVER (
        PARTITION BY environment, securable_kind, securable, field
        ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS opened_seq
    FROM drift_events d
) r
JOIN drift_events o ON o.seq = r.opened_seq
WHERE r.event = 'resolved';
