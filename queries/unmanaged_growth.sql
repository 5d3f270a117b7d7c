-- Question: how is the number of unmanaged securables (present, not declared) growing,
-- detection after detection?
-- Run: sqlite3 snapshots/history.sqlite < queries/unmanaged_growth.sql
--      brickkit query queries/unmanaged_growth.sql [--history PATH] [--format table|csv|json]
SELECT r.occurred_at, r.environment, r.unmanaged,
       r.unmanaged - COALESCE(LAG(r.unmanaged) OVER (
           PARTITION BY r.environment ORDER BY r.seq), 0) AS change
FROM drift_runs r
ORDER BY r.environment, r.seq;
