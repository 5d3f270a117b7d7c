-- Question: how much drift did we carry each day, by severity (open findings at the last
-- drift detection of the day, per environment)?
-- Run: sqlite3 snapshots/history.sqlite < queries/drift_per_day.sql
--      brickkit query queries/drift_per_day.sql [--history PATH] [--format table|csv|json]
SELECT r.day, r.environment, r.open_critical AS critical, r.open_warning AS warning,
       r.open_info AS info
FROM drift_runs r
WHERE r.seq = (SELECT MAX(x.seq) FROM drift_runs x
                WHERE x.day = r.day AND x.environment = r.environment)
ORDER BY r.day, r.environment;
