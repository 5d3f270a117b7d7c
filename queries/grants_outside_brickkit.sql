-- Question: which grants appeared in a snapshot in the last 30 days (counted back from the
-- newest snapshot) that brickkit did not apply? A grant counts as brickkit's when an
-- applied `update_grants` operation changed the same securable's grants for the same
-- principal after the lineage's previous snapshot and no later than this one.
-- Edit 30 to change the window.
-- Run: sqlite3 snapshots/history.sqlite < queries/grants_outside_brickkit.sql
--      brickkit query queries/grants_outside_brickkit.sql [--history PATH] [--format table|csv|json]
SELECT e.occurred_at, e.securable_kind, e.securable, e.item AS principal, e.sub_item AS privilege
FROM (
    SELECT g.*, (SELECT MAX(p.taken_at_ms) FROM snapshots p
                  WHERE p.lineage = g.lineage AND p.taken_at_ms < g.at_ms) AS previous_ms
    FROM state_events g
    WHERE g.attribute = 'grant' AND g.event = 'attribute_added'
) e
JOIN (SELECT lineage, MIN(seq) AS seq FROM snapshots GROUP BY lineage) f
  ON f.lineage = e.lineage
JOIN snapshots first_snapshot ON first_snapshot.seq = f.seq
WHERE e.snapshot_id <> first_snapshot.snapshot_id
  AND e.at_ms >= (SELECT MAX(taken_at_ms) FROM snapshots) - CAST(30 AS BIGINT) * 86400000
  AND NOT EXISTS (SELECT 1 FROM op_changes c
                   WHERE c.operation = 'update_grants'
                     AND c.securable_kind = e.securable_kind
                     AND c.securable = e.securable
                     AND lower(c.attribute) = lower('grants.' || e.item)
                     AND c.at_ms <= e.at_ms
                     AND c.at_ms > e.previous_ms)
ORDER BY e.at_ms, e.securable, e.item, e.sub_item;
