-- Question: which operations failed in an apply (with the error), and which were
-- interrupted (intent recorded, no result: the requests may have been sent)?
-- Run: sqlite3 snapshots/history.sqlite < queries/failed_operations.sql
--      brickkit query queries/failed_operations.sql [--history PATH] [--format table|csv|json]
SELECT o.occurred_at, o.apply_id, o.securable_kind, o.securable, o.operation,
       o.column_name, o.status, o.error_code, o.detail
FROM (
    SELECT at_ms, seq, occurred_at, apply_id, securable_kind, securable, operation,
           column_name, status, error_code, detail
    FROM op_events
    WHERE event = 'op_result' AND status = 'failed'
    UNION ALL
    SELECT i.at_ms, i.seq, i.occurred_at, i.apply_id, i.securable_kind, i.securable,
           i.operation, i.column_name, 'interrupted' AS status, i.error_code,
           'intent recorded, no result: the requests may have been sent' AS detail
    FROM op_events i
    WHERE i.event = 'op_intent'
      AND NOT EXISTS (SELECT 1 FROM op_events r
                       WHERE r.event = 'op_result' AND r.apply_id = i.apply_id
                         AND r.op_id = i.op_id)
) o
ORDER BY o.at_ms, o.seq;
