-- Question: which drift is open right now, worst first, and since when?
-- Run: sqlite3 snapshots/history.sqlite < queries/open_drift.sql
--      brickkit query queries/open_drift.sql [--history PATH] [--format table|csv|json]
SELECT environment, severity, securable_kind, securable, field, category, expected, actual,
       opened_at
FROM open_drift
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         environment, securable_kind, securable, field;
