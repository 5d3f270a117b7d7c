-- brickkit history event store, version 3: policy-rule violations (SQLite only; applied by
-- brickkit to new files after 003_apply.sql, and to a version 1 or 2 file when it is
-- opened, which upgrades it in place to version 3 in one transaction; the portable views
-- over these tables are in 005_violation_views.sql).
-- Event tables are append-only: triggers refuse UPDATE and DELETE.

-- One row per drift run recorded (the run's drift_runs row has the same snapshot and
-- environment): the rules evaluated and the violations open AFTER the run (found by it,
-- or kept open because the rule could not check the securable), and this run's events.
CREATE TABLE violation_runs (
    seq           INTEGER PRIMARY KEY,
    snapshot_id   TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL,
    occurred_at   TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    rules         INTEGER NOT NULL,
    found         INTEGER NOT NULL,
    unknown       INTEGER NOT NULL,
    kept_unknown  INTEGER NOT NULL,
    open_total    INTEGER NOT NULL,
    open_critical INTEGER NOT NULL,
    open_warning  INTEGER NOT NULL,
    open_info     INTEGER NOT NULL,
    opened        INTEGER NOT NULL,
    changed       INTEGER NOT NULL,
    resolved      INTEGER NOT NULL,
    UNIQUE (snapshot_id, environment)
);

-- Change of a violation keyed by (environment, rule_id, securable_kind, securable, field):
-- `event` opened / changed / resolved; `reason` on resolved only: `not_found` (the rule
-- checked the securable and found nothing, or the securable is gone) or `rule_removed`
-- (the rule is no longer in the tree). A violation the rule could not check (a collection
-- issue hid the securable) is never resolved.
CREATE TABLE violation_events (
    seq            INTEGER PRIMARY KEY,
    snapshot_id    TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    rule_id        TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    severity       TEXT    NOT NULL,
    expected       TEXT    NOT NULL,
    actual         TEXT    NOT NULL,
    reason         TEXT
);
CREATE INDEX violation_events_by_key
    ON violation_events (environment, rule_id, securable_kind, securable, field, seq);
CREATE INDEX violation_events_by_securable ON violation_events (securable, seq);

CREATE TRIGGER violation_runs_no_update BEFORE UPDATE ON violation_runs
BEGIN SELECT RAISE(ABORT, 'history is append-only: violation_runs rows are never updated'); END;
CREATE TRIGGER violation_runs_no_delete BEFORE DELETE ON violation_runs
BEGIN SELECT RAISE(ABORT, 'history is append-only: violation_runs rows are never deleted'); END;
CREATE TRIGGER violation_events_no_update BEFORE UPDATE ON violation_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: violation_events rows are never updated'); END;
CREATE TRIGGER violation_events_no_delete BEFORE DELETE ON violation_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: violation_events rows are never deleted'); END;
