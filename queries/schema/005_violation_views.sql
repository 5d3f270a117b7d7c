-- brickkit history projections of policy-rule violations (version 3; portable SQL: SQLite,
-- DuckDB and Spark SQL). Applied by brickkit to every history file of version 3, and over
-- the exported Parquet by scripts/check_history_duckdb.py and scripts/check_spark.py.

-- Violation timeline: every opened / changed / resolved event, in order.
CREATE VIEW violation_timeline AS
SELECT seq, environment, rule_id, securable_kind, securable, field, event, severity,
       expected, actual, reason, snapshot_id, occurred_at, at_ms, day
FROM violation_events;

-- Open violations: the keys whose last event is not `resolved`, with when they opened.
CREATE VIEW open_violations AS
SELECT t.environment, t.rule_id, t.securable_kind, t.securable, t.field, t.severity,
       t.expected, t.actual,
       (SELECT MAX(o.occurred_at) FROM violation_events o
         WHERE o.environment = t.environment AND o.rule_id = t.rule_id
           AND o.securable_kind = t.securable_kind AND o.securable = t.securable
           AND o.field = t.field AND o.event = 'opened') AS opened_at,
       t.occurred_at AS last_seen_change
FROM (
    SELECT v.*, ROW_NUMBER() OVER (
        PARTITION BY environment, rule_id, securable_kind, securable, field
        ORDER BY seq DESC) AS rn
    FROM violation_events v
) t
WHERE t.rn = 1 AND t.event <> 'resolved';

-- Resolutions: one row per resolved violation, paired with the opening it closes (the
-- key's last `opened` before it: a window, not a correlated subquery, so Spark runs it too).
CREATE VIEW violation_resolutions AS
SELECT r.environment, r.rule_id, r.securable_kind, r.securable, r.field, r.severity,
       r.reason, o.occurred_at AS opened_at, r.occurred_at AS resolved_at,
       o.at_ms AS opened_at_ms, r.at_ms AS resolved_at_ms,
       (r.at_ms - o.at_ms) / 1000.0 AS seconds_to_resolve
FROM (
    SELECT v.*, MAX(CASE WHEN v.event = 'opened' THEN v.seq END) OVER (
        PARTITION BY environment, rule_id, securable_kind, securable, field
        ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS opened_seq
    FROM violation_events v
) r
JOIN violation_events o ON o.seq = r.opened_seq
WHERE r.event = 'resolved';
