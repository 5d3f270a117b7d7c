-- Question: when did each policy-rule violation open, change and resolve, and who fixed it?
-- One row per violation event. `fixed_by` (resolved rows only): the brickkit apply that
-- changed the violation's attribute (`op_changes`, same securable and field) after the
-- previous drift run of the environment and no later than the resolving run; else
-- 'outside brickkit'; 'rule removed' when the rule left the tree. To follow one securable,
-- replace '%' below by its full name (lower case).
-- Run: sqlite3 snapshots/history.sqlite < queries/violations_over_time.sql
--      brickkit query queries/violations_over_time.sql [--history PATH] [--format table|csv|json]
SELECT v.environment, v.rule_id, v.securable_kind, v.securable, v.field, v.event,
       v.occurred_at, v.severity, v.expected, v.actual, v.reason,
       CASE
         WHEN v.event <> 'resolved' THEN NULL
         WHEN v.reason = 'rule_removed' THEN 'rule removed'
         WHEN f.apply_id IS NULL THEN 'outside brickkit'
         ELSE 'brickkit apply ' || f.apply_id || ' (plan ' || a.plan_digest || ')'
       END AS fixed_by
FROM violation_events v
LEFT JOIN (
    SELECT r.seq, MAX(c.apply_id) AS apply_id
    FROM violation_events r, op_changes c
    WHERE r.event = 'resolved'
      AND LOWER(c.securable) = LOWER(r.securable) AND c.attribute = r.field
      AND c.at_ms <= r.at_ms
      AND c.at_ms > (SELECT MAX(d.at_ms) FROM drift_runs d
                      WHERE d.environment = r.environment AND d.at_ms < r.at_ms)
    GROUP BY r.seq
) f ON f.seq = v.seq
LEFT JOIN apply_events a ON a.apply_id = f.apply_id AND a.event = 'apply_started'
WHERE v.securable LIKE '%'
ORDER BY v.environment, v.rule_id, v.securable_kind, v.securable, v.field, v.seq;
