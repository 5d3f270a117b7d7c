-- brickkit history event store, history format 2 (event-store version 4; SQLite only;
-- applied by `brickkit history` to new files, and by `brickkit history migrate` to the new
-- file a format-1 store is copied into). docs/formats/history.md explains the layout.
-- Event tables are append-only: triggers refuse UPDATE and DELETE.
--
-- State events are stored compactly in `state_log`: they reference their snapshot
-- (`snapshots.seq`), their securable (`securables.id`) and every text (attribute, item,
-- sub-item, old and new value) by integer key (`strings.id`), and are clustered by
-- securable. The view `state_events` (below) joins the keys back and has exactly the
-- columns of format 1's `state_events` table: users and `queries/*.sql` never see the keys.
-- current_digests is a DERIVED CACHE (one digest of the current facts per securable and
-- lineage, kept by ingest so that ingest cost grows with changes); it may be rebuilt from
-- state_log at any time and is not part of the record.

-- Every distinct text of the state events (attribute names, items, sub-items, values) and
-- every lineage, once.
CREATE TABLE strings (
    id INTEGER PRIMARY KEY,
    s  TEXT    NOT NULL UNIQUE
);

-- Every securable name a state event names, once (a table's columns, row filter and mask
-- share the table's name and key; the kind is in `state_log.kind`).
CREATE TABLE securables (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

-- Every securable kind a state event names, once ('' for columns, row filters and masks):
-- few, so their keys fit in one byte.
CREATE TABLE kinds (
    id   INTEGER PRIMARY KEY,
    kind TEXT    NOT NULL UNIQUE
);

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

-- One row per state event. `seq` numbers the state events 1, 2, ... in the order they were
-- recorded (format 1's `state_events.seq`, kept by migration); `snap` is the snapshot's
-- `snapshots.seq`; `sec` and `kind` the securable's name and kind; `old_value` /
-- `new_value` are NULL when absent. The event is not stored: it follows from them (no old
-- value: added, no new value: removed, both: attribute_changed; `securable_added` /
-- `securable_removed` when the attribute is 'securable'), as the view spells it.
CREATE TABLE state_log (
    sec       INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    snap      INTEGER NOT NULL,
    kind      INTEGER NOT NULL,
    attribute INTEGER NOT NULL,
    item      INTEGER NOT NULL,
    sub_item  INTEGER NOT NULL,
    old_value INTEGER,
    new_value INTEGER,
    PRIMARY KEY (sec, seq)
) WITHOUT ROWID;

-- The state events as format 1 stored them (same columns, names, types and order): what
-- queries, the projection views and the Parquet export read.
-- `CROSS JOIN snapshots` keeps state_log the outer loop (SQLite does not reorder a CROSS JOIN):
-- otherwise the planner may start from snapshots and look state_log up once per (snapshot,
-- securable): grants_outside_brickkit.sql at 100 snapshots x 100k tables took 0.95 s of CPU
-- that way and 0.14 s this way, with identical answers for every queries/*.sql.
CREATE VIEW state_events AS
SELECT e.seq AS seq, s.snapshot_id AS snapshot_id, s.lineage AS lineage,
       s.taken_at_ms AS at_ms, s.taken_at AS occurred_at, s.day AS day,
       CASE WHEN e.old_value IS NULL
                 THEN CASE a.s WHEN 'securable' THEN 'securable_added' ELSE 'attribute_added' END
            WHEN e.new_value IS NULL
                 THEN CASE a.s WHEN 'securable' THEN 'securable_removed' ELSE 'attribute_removed' END
            ELSE 'attribute_changed' END AS event,
       t.kind AS securable_kind, k.name AS securable, a.s AS attribute, i.s AS item,
       u.s AS sub_item, o.s AS old_value, n.s AS new_value
FROM state_log e
CROSS JOIN snapshots s
JOIN securables k ON k.id = e.sec
JOIN kinds t ON t.id = e.kind
JOIN strings a ON a.id = e.attribute
JOIN strings i ON i.id = e.item
JOIN strings u ON u.id = e.sub_item
LEFT JOIN strings o ON o.id = e.old_value
LEFT JOIN strings n ON n.id = e.new_value
WHERE s.seq = e.snap;

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

-- Derived cache: the SHA-256 (first 16 bytes) of each securable's current facts, per lineage (a
-- `strings.id`), as of the lineage's newest snapshot; a securable is (`sec`, `kind`) as in
-- state_log. Ingest rewrites the rows of the securables whose digest changed, and reads
-- their current facts from state_log.
CREATE TABLE current_digests (
    lineage INTEGER NOT NULL,
    sec     INTEGER NOT NULL,
    kind    INTEGER NOT NULL,
    digest  BLOB    NOT NULL,
    PRIMARY KEY (lineage, sec, kind)
) WITHOUT ROWID;

CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots
BEGIN SELECT RAISE(ABORT, 'history is append-only: snapshots rows are never updated'); END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots
BEGIN SELECT RAISE(ABORT, 'history is append-only: snapshots rows are never deleted'); END;
CREATE TRIGGER state_log_no_update BEFORE UPDATE ON state_log
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_log rows are never updated'); END;
CREATE TRIGGER state_log_no_delete BEFORE DELETE ON state_log
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_log rows are never deleted'); END;
CREATE TRIGGER state_events_no_update INSTEAD OF UPDATE ON state_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_events rows are never updated'); END;
CREATE TRIGGER state_events_no_delete INSTEAD OF DELETE ON state_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: state_events rows are never deleted'); END;
CREATE TRIGGER strings_no_update BEFORE UPDATE ON strings
BEGIN SELECT RAISE(ABORT, 'history is append-only: strings rows are never updated'); END;
CREATE TRIGGER strings_no_delete BEFORE DELETE ON strings
BEGIN SELECT RAISE(ABORT, 'history is append-only: strings rows are never deleted'); END;
CREATE TRIGGER securables_no_update BEFORE UPDATE ON securables
BEGIN SELECT RAISE(ABORT, 'history is append-only: securables rows are never updated'); END;
CREATE TRIGGER securables_no_delete BEFORE DELETE ON securables
BEGIN SELECT RAISE(ABORT, 'history is append-only: securables rows are never deleted'); END;
CREATE TRIGGER kinds_no_update BEFORE UPDATE ON kinds
BEGIN SELECT RAISE(ABORT, 'history is append-only: kinds rows are never updated'); END;
CREATE TRIGGER kinds_no_delete BEFORE DELETE ON kinds
BEGIN SELECT RAISE(ABORT, 'history is append-only: kinds rows are never deleted'); END;
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
