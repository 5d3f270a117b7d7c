-- Question: what is the full timeline of one securable (state changes and drift)? Edit
-- the name in both WHERE clauses.
-- Run: sqlite3 snapshots/history.sqlite < queries/securable_timeline.sql
--      brickkit query queries/securable_timeline.sql [--history PATH] [--format table|csv|json]
SELECT occurred_at, source, event, what, old_value, new_value FROM (
    SELECT at_ms, seq, occurred_at, 'state' AS source, event,
           attribute || CASE WHEN item = '' THEN '' ELSE ' ' || item END
                     || CASE WHEN sub_item = '' THEN '' ELSE ' ' || sub_item END AS what,
           old_value, new_value
    FROM state_events
    WHERE securable = 'sales_dev.customers.customers'
    UNION ALL
    SELECT at_ms, seq, occurred_at, 'drift' AS source, event, field || ' (' || severity || ')' AS what,
           expected AS old_value, actual AS new_value
    FROM drift_events
    WHERE securable = 'sales_dev.customers.customers'
) t
ORDER BY at_ms, source DESC, seq;
