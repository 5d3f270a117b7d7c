-- Question: how long does drift stay open before it is resolved: mean and p90 (nearest
-- rank) in hours, per severity?
-- Run: sqlite3 snapshots/history.sqlite < queries/time_to_resolve.sql
--      brickkit query queries/time_to_resolve.sql [--history PATH] [--format table|csv|json]
SELECT severity,
       COUNT(*) AS resolved,
       ROUND(AVG(hours), 2) AS mean_hours,
       MIN(CASE WHEN rn * 10 >= n * 9 THEN hours END) AS p90_hours
FROM (
    SELECT severity, seconds_to_resolve / 3600.0 AS hours,
           ROW_NUMBER() OVER (PARTITION BY severity ORDER BY seconds_to_resolve) AS rn,
           COUNT(*) OVER (PARTITION BY severity) AS n
    FROM drift_resolutions
) t
GROUP BY severity
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END;
