-- Question: which securables (or columns) lost a sensitive tag, and when? Sensitive keys
-- are listed in the IN (...) below: keep it in step with `conventions.sensitive`.
-- Run: sqlite3 snapshots/history.sqlite < queries/lost_sensitive_tag.sql
--      brickkit query queries/lost_sensitive_tag.sql [--history PATH] [--format table|csv|json]
SELECT e.occurred_at, e.securable_kind, e.securable, e.sub_item AS column_name, e.item AS tag,
       e.old_value AS last_value
FROM state_events e
WHERE e.attribute = 'tag'
  AND e.event = 'attribute_removed'
  AND e.item IN ('pii', 'data_classification', 'sensitivity', 'phi')
ORDER BY e.at_ms, e.securable, e.sub_item, e.item;
