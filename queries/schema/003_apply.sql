-- brickkit history event store, version 2: plans and applies (SQLite only; applied by
-- brickkit to new files after 001_events.sql and 002_views.sql, and to a version 1 file
-- when it is opened, which upgrades it in place to version 2 in one transaction).
-- Event tables are append-only: triggers refuse UPDATE and DELETE.
-- Values are text (`diff::Value` spelling: `None`, `{A, B}`, `true`); request bodies are
-- never stored (a plan holds connection secrets as `${env:VAR}` references only).

-- plan_created: one row per plan recorded (the same plan digest again is a no-op).
CREATE TABLE plan_events (
    seq              INTEGER PRIMARY KEY,
    at_ms            INTEGER NOT NULL,
    occurred_at      TEXT    NOT NULL,
    day              TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    plan_digest      TEXT    NOT NULL UNIQUE,
    project          TEXT    NOT NULL,
    environment      TEXT    NOT NULL,
    host             TEXT,
    metastore_id     TEXT,
    snapshot_id      TEXT    NOT NULL,
    snapshot_digest  TEXT    NOT NULL,
    declared_digest  TEXT    NOT NULL,
    operations       INTEGER NOT NULL,
    creates          INTEGER NOT NULL,
    changes          INTEGER NOT NULL,
    revokes          INTEGER NOT NULL,
    not_planned      INTEGER NOT NULL,
    brickkit_version TEXT    NOT NULL
);

-- apply_started (before the first request) and apply_finished (the outcome; a refused
-- apply has only this row). Counts, refusal and residual are set on apply_finished only.
CREATE TABLE apply_events (
    seq               INTEGER PRIMARY KEY,
    apply_id          TEXT    NOT NULL,
    at_ms             INTEGER NOT NULL,
    occurred_at       TEXT    NOT NULL,
    day               TEXT    NOT NULL,
    event             TEXT    NOT NULL,
    plan_digest       TEXT    NOT NULL,
    project           TEXT    NOT NULL,
    environment       TEXT    NOT NULL,
    host              TEXT    NOT NULL,
    metastore_id      TEXT,
    dry_run           INTEGER NOT NULL,
    operations        INTEGER NOT NULL,
    applied           INTEGER,
    already_done      INTEGER,
    skipped           INTEGER,
    failed            INTEGER,
    would_apply       INTEGER,
    refusal           TEXT,
    refusal_detail    TEXT,
    residual          INTEGER,
    check_requests    INTEGER,
    mutating_requests INTEGER,
    verify_requests   INTEGER,
    retries           INTEGER,
    duration_ms       INTEGER,
    UNIQUE (apply_id, event)
);

-- op_intent (committed BEFORE the operation's requests are sent) and op_result (after).
-- An op_intent without an op_result of the same (apply_id, op_id): the requests may have
-- been sent, the outcome is unknown (the apply was interrupted).
CREATE TABLE op_events (
    seq            INTEGER PRIMARY KEY,
    apply_id       TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    op_id          TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    operation      TEXT    NOT NULL,
    column_name    TEXT,
    status         TEXT,
    detail         TEXT,
    error_code     TEXT,
    requests       INTEGER,
    duration_ms    INTEGER
);
CREATE INDEX op_events_by_apply ON op_events (apply_id, op_id, seq);
CREATE INDEX op_events_by_securable ON op_events (securable, seq);

-- The attribute changes an `applied` op_result made (from the plan: precondition ->
-- target), written in the op_result's transaction.
CREATE TABLE op_changes (
    seq            INTEGER PRIMARY KEY,
    apply_id       TEXT    NOT NULL,
    op_id          TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    operation      TEXT    NOT NULL,
    column_name    TEXT,
    attribute      TEXT    NOT NULL,
    before_value   TEXT    NOT NULL,
    after_value    TEXT    NOT NULL
);
CREATE INDEX op_changes_by_securable ON op_changes (securable, attribute, seq);

CREATE TRIGGER plan_events_no_update BEFORE UPDATE ON plan_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: plan_events rows are never updated'); END;
CREATE TRIGGER plan_events_no_delete BEFORE DELETE ON plan_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: plan_events rows are never deleted'); END;
CREATE TRIGGER apply_events_no_update BEFORE UPDATE ON apply_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: apply_events rows are never updated'); END;
CREATE TRIGGER apply_events_no_delete BEFORE DELETE ON apply_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: apply_events rows are never deleted'); END;
CREATE TRIGGER op_events_no_update BEFORE UPDATE ON op_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: op_events rows are never updated'); END;
CREATE TRIGGER op_events_no_delete BEFORE DELETE ON op_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: op_events rows are never deleted'); END;
CREATE TRIGGER op_changes_no_update BEFORE UPDATE ON op_changes
BEGIN SELECT RAISE(ABORT, 'history is append-only: op_changes rows are never updated'); END;
CREATE TRIGGER op_changes_no_delete BEFORE DELETE ON op_changes
BEGIN SELECT RAISE(ABORT, 'history is append-only: op_changes rows are never deleted'); END;
