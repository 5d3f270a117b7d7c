-- Question: how many violations of each policy rule were open at the end of each day (per
-- environment)? Open = opened and not resolved by the day's last drift run, including those
-- a collection issue hid from their rule (never counted as compliant). Days with no drift
-- run, and rules with nothing open that day, have no row.
-- Run: sqlite3 snapshots/history.sqlite < queries/open_violations.sql
--      brickkit query queries/open_violations.sql [--history PATH] [--format table|csv|json]
SELECT d.day, d.environment, e.rule_id, COUNT(*) AS open_violations,
       SUM(CASE WHEN e.severity = 'critical' THEN 1 ELSE 0 END) AS critical
FROM (SELECT environment, day, MAX(at_ms) AS at_ms FROM drift_runs
      GROUP BY environment, day) d
JOIN violation_events e
  ON e.environment = d.environment AND e.at_ms <= d.at_ms
WHERE e.event <> 'resolved'
  AND e.seq = (SELECT MAX(x.seq) FROM violation_events x
                WHERE x.environment = e.environment AND x.rule_id = e.rule_id
                  AND x.securable_kind = e.securable_kind AND x.securable = e.securable
                  AND x.field = e.field AND x.at_ms <= d.at_ms)
GROUP BY d.day, d.environment, e.rule_id
ORDER BY d.day, d.environment, e.rule_id;
