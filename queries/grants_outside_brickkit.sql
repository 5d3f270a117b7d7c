-- Question: which grants appeared in a snapshot in the last 30 days (counted back from the
-- newest snapshot) without a matching brickkit apply? Edit 30 to change the window.
-- Run: sqlite3 snapshots/history.sqlite < queries/grants_outside_brickkit.sql
--      brickkit query queries/grants_outside_brickkit.sql [--history PATH] [--format table|csv|json]
SELECT e.occurred_at, e.securable_kind, e.securable, e.item AS principal, e.sub_item AS privilege
FROM state_events e
WHERE e.attribute = 'grant'
  AND e.event = 'attribute_added'
  AND e.snapshot_id <> (SELECT s.snapshot_id FROM snapshots s
                         WHERE s.lineage = e.lineage
                         ORDER BY s.seq LIMIT 1)
  AND e.at_ms >= (SELECT MAX(taken_at_ms) FROM snapshots) - CAST(30 AS BIGINT) * 86400000
  AND NOT EXISTS (SELECT 1 FROM operation_events o
                   WHERE o.event = 'apply' AND o.securable = e.securable
                     AND o.field = 'grant.' || e.item || '.' || e.sub_item
                     AND o.at_ms <= e.at_ms)
ORDER BY e.at_ms, e.securable, e.item, e.sub_item;
