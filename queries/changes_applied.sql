-- Question: which changes did brickkit apply, when, on what (attribute: before -> after),
-- and in which apply? One row per attribute an applied operation changed.
-- Run: sqlite3 snapshots/history.sqlite < queries/changes_applied.sql
--      brickkit query queries/changes_applied.sql [--history PATH] [--format table|csv|json]
SELECT c.occurred_at, c.securable_kind, c.securable, c.attribute, c.before_value,
       c.after_value, c.operation, c.apply_id
FROM op_changes c
ORDER BY c.at_ms, c.seq;
