-- Question: which critical drift is open right now?
-- Run: sqlite3 snapshots/history.sqlite < queries/open_critical_drift.sql
--      brickkit query queries/open_critical_drift.sql [--history PATH] [--format table|csv|json]
SELECT environment, securable_kind, securable, field, expected, actual, opened_at
FROM open_drift
WHERE severity = 'critical'
ORDER BY environment, securable_kind, securable, field;
