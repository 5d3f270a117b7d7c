-- LEGACY (history format 1, event-store versions 1-3): the state-event tables as brickkit up to
-- issue 16 wrote them. Not applied to new files; kept so tests can build an old-layout
-- store and `brickkit history migrate` can be tested against it (docs/formats/history.md).
-- brickkit history event store, schema version 1 (SQLite only; applied by `brickkit history`).
-- Event tables are append-only: triggers refuse UPDATE and DELETE.
-- current_facts and current_digests are a DERIVED CACHE (the fold of state_events per
-- lineage, maintained by ingest so that ingest cost grows with changes); they may be
-- rebuilt from state_events at any time and are not part of the record.

CREATE TABLE snapshots (
    seq            INTEGER PRIMARY KEY,
    snapshot_id    TEXT    NOT NULL UNIQUE,
    lineage        TEXT    NOT NULL,
    parent_id      TEXT,
    workspace      TEXT    NOT NULL,
    taken_at_ms    INTEGER NOT NULL,
    taken_at       TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    collector_mode TEXT    NOT NULL,
    securables     INTEGER NOT NULL,
    counts         TEXT    NOT NULL,
    content_digest TEXT    NOT NULL,
    state_events   INTEGER NOT NULL,
    manifest       TEXT    NOT NULL
);

CREATE TABLE state_events (
    seq            INTEGER PRIMARY KEY,
    snapshot_id    TEXT    NOT NULL,
    lineage        TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    attribute      TEXT    NOT NULL,
    item           TEXT    NOT NULL,
    sub_item       TEXT    NOT NULL,
    old_value      TEXT,
    new_value      TEXT
);
CREATE INDEX state_events_by_securable ON state_events (securable, seq);
CREATE INDEX state_events_by_snapshot ON state_events (snapshot_id);

CREATE TABLE drift_runs (
    seq           INTEGER PRIMARY KEY,
    snapshot_id   TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    project       TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL,
    occurred_at   TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    open_critical INTEGER NOT NULL,
    open_warning  INTEGER NOT NULL,
    open_info     INTEGER NOT NULL,
    drifted       INTEGER NOT NULL,
    missing       INTEGER NOT NULL,
    unmanaged     INTEGER NOT NULL,
    compliant     INTEGER NOT NULL,
    unknown       INTEGER NOT NULL,
    opened        INTEGER NOT NULL,
    changed       INTEGER NOT NULL,
    resolved      INTEGER NOT NULL,
    UNIQUE (snapshot_id, environment)
);

CREATE TABLE drift_events (
    seq            INTEGER PRIMARY KEY,
    snapshot_id    TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    severity       TEXT    NOT NULL,
    expected       TEXT    NOT NULL,
    actual         TEXT    NOT NULL
);
CREATE INDEX drift_events_by_key ON drift_events (environment, securable, field, seq);

-- Reserved in version 1 and never written: plans and applies are recorded in the tables of
-- 003_apply.sql (version 2). Kept so that new and upgraded files have the same schema.
CREATE TABLE operation_events (
    seq            INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    occurred_at    TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    securable_kind TEXT    NOT NULL,
    securable      TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    detail         TEXT
);

CREATE TABLE current_facts (
    lineage        TEXT NOT NULL,
    securable_kind TEXT NOT NULL,
    securable      TEXT NOT NULL,
    attribute      TEXT NOT NULL,
    item           TEXT NOT NULL,
    sub_item       TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (lineage, securable_kind, securable, attribute, item, sub_item)
) WITHOUT ROWID;

CREATE TABLE current_digests (
    lineage        TEXT NOT NULL,
    securable_kind TEXT NOT NULL,
    securable      TEXT NOT NULL,
    digest         BLOB NOT NULL,
    PRIMARY KEY (lineage, securable_kind, securable)
) WITHOUT ROWID;

CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots
BEGIN SELECT RAISE(ABORT, 'history is append-only: snapshots rows are never updated'); END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots
BEGIN SELECT RAISE(ABORT, 'history is append-only: snapshots rows are never deleted'); END;
CREATE TRIGGER state_events_no_update BEFORE UPDATE ON state_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_events rows are never updated'); END;
CREATE TRIGGER state_events_no_delete BEFORE DELETE ON state_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_events rows are never deleted'); END;
CREATE TRIGGER drift_runs_no_update BEFORE UPDATE ON drift_runs
BEGIN SELECT RAISE(ABORT, 'history is append-only: drift_runs rows are never updated'); END;
CREATE TRIGGER drift_runs_no_delete BEFORE DELETE ON drift_runs
BEGIN SELECT RAISE(ABORT, 'history is append-only: drift_runs rows are never deleted'); END;
CREATE TRIGGER drift_events_no_update BEFORE UPDATE ON drift_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: drift_events rows are never updated'); END;
CREATE TRIGGER drift_events_no_delete BEFORE DELETE ON drift_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: drift_events rows are never deleted'); END;
CREATE TRIGGER operation_events_no_update BEFORE UPDATE ON operation_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: operation_events rows are never updated'); END;
CREATE TRIGGER operation_events_no_delete BEFORE DELETE ON operation_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: operation_events rows are never deleted'); END;
