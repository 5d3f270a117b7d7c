-- Question: which securables drift most often (times drift was opened on them)?
-- Run: sqlite3 snapshots/history.sqlite < queries/most_drifting.sql
--      brickkit query queries/most_drifting.sql [--history PATH] [--format table|csv|json]
SELECT securable_kind, securable, COUNT(*) AS times_opened,
       SUM(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END) AS critical
FROM drift_events
WHERE event = 'opened'
GROUP BY securable_kind, securable
ORDER BY times_opened DESC, critical DESC, securable_kind, securable
LIMIT 10;
