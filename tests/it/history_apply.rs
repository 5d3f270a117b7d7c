//! Plans and applies in the history store: every event round-trips; an intent is committed
//! before its result; an interrupted apply (journal dropped after an intent) shows as such
//! in `queries/failed_operations.sql` and `history show`; a refused apply keeps its reason;
//! no request body (and so no connection option) is stored; version 1 files are migrated,
//! foreign and newer ones refused; the `history show` apply story (golden file).
//!
//! The journal is driven by hand in the order `brickkit::apply::Journal` documents
//! (started → intent/result per operation → finished), as the apply engine does.

use std::path::Path;

use brickkit::apply::{ApplyReport, Journal, Moved, OpResult, Refusal, Requests, Residual, Status};
use brickkit::declared::GrantMode;
use brickkit::diff::Value;
use brickkit::history::{ApplyJournal, Cell, History, Ingested, apply_id};
use brickkit::model::{SecurableKind, Timestamp};
use brickkit::plan::{AttributeChange, Method, OpKind, Operation, Plan, Request, SnapshotSource};

pub const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// An operation on `name` with these attribute changes and one REST request whose body
/// carries `body`.
pub fn op(
    kind: SecurableKind,
    name: &str,
    what: OpKind,
    column: Option<&str>,
    changes: Vec<(&str, Value, Value)>,
    body: &str,
) -> Operation {
    Operation {
        id: Operation::id_of(kind, name, what, column),
        kind,
        full_name: name.to_string(),
        op: what,
        column: column.map(str::to_string),
        changes: changes
            .into_iter()
            .map(|(a, p, t)| AttributeChange {
                attribute: a.to_string(),
                precondition: p,
                target: t,
                from_rules: Vec::new(),
            })
            .collect(),
        depends_on: Vec::new(),
        requests: vec![Request::Rest {
            method: Method::Patch,
            path: format!("/api/2.1/unity-catalog/x/{name}"),
            body: body.to_string(),
        }],
    }
}

/// One permissions change on table `name`: `principal` from `before` to `after`.
pub fn grants_op(name: &str, principal: &str, before: &[&str], after: &[&str]) -> Operation {
    op(
        SecurableKind::Table,
        name,
        OpKind::UpdateGrants,
        None,
        vec![(
            &format!("grants.{principal}"),
            Value::set(before.iter().copied()),
            Value::set(after.iter().copied()),
        )],
        "{\"changes\":[]}",
    )
}

pub fn plan(ops: Vec<Operation>) -> Plan {
    Plan {
        project: "p".into(),
        environment: "dev".into(),
        snapshot: SnapshotSource {
            id: "20260101T000000000Z-00000000".into(),
            lineage: "l".into(),
            digest: "sha256:snap".into(),
            host: Some("https://example.cloud.databricks.com".into()),
            metastore_id: Some("ms-1".into()),
            taken_at: Timestamp(0),
        },
        declared_digest: "sha256:decl".into(),
        grant_mode: GrantMode::Authoritative,
        brickkit_version: "0.1.0".into(),
        operations: ops,
        not_planned: Vec::new(),
        left_for_person: Vec::new(),
    }
}

/// The outcome of `op`; `error` is (code, detail) of a failure or a skip's reason.
pub fn result(op: &Operation, status: Status, error: Option<(&str, &str)>) -> OpResult {
    OpResult {
        id: op.id.clone(),
        kind: op.kind,
        full_name: op.full_name.clone(),
        op: op.op,
        column: op.column.clone(),
        status,
        detail: error.map(|e| e.1.to_string()),
        error_code: error.map(|e| e.0.to_string()).filter(|c| !c.is_empty()),
        requests: u32::from(matches!(status, Status::Applied | Status::Failed)),
        duration_ms: 40,
    }
}

pub fn report(
    plan: &Plan,
    started: Timestamp,
    results: Vec<OpResult>,
    refusal: Option<Refusal>,
    residual: Option<Vec<Residual>>,
) -> ApplyReport {
    let n = results.len() as i64;
    ApplyReport {
        host: "https://example.cloud.databricks.com".into(),
        metastore_id: Some("ms-1".into()),
        plan_digest: DIGEST.into(),
        project: plan.project.clone(),
        environment: plan.environment.clone(),
        dry_run: false,
        started_at: started,
        finished_at: Timestamp(started.millis() + 1000 * (n + 1)),
        refusal,
        results,
        residual,
        requests: Requests {
            check: 4,
            mutating: 2,
            verify: 3,
            retries: 0,
        },
        duration_ms: 1000 * (n as u64 + 1),
    }
}

/// Runs one apply of `plan` through a journal on `path` in the documented order: started;
/// per result an intent first when it sends requests (applied, failed), then the result;
/// finished. Operation `i` happens `i + 1` seconds after `started`. Returns the apply id.
pub fn run_apply(
    path: &Path,
    plan: &Plan,
    started: Timestamp,
    results: Vec<OpResult>,
    residual: Option<Vec<Residual>>,
) -> String {
    let id = apply_id(DIGEST, started);
    let mut j = ApplyJournal::open(path, plan, DIGEST, &id).unwrap();
    let r = report(plan, started, results, None, residual);
    j.started(&r);
    for (i, res) in r.results.iter().enumerate() {
        let at = Timestamp(started.millis() + 1000 * (i as i64 + 1));
        if matches!(res.status, Status::Applied | Status::Failed) {
            j.intent(&res.id, at);
        }
        j.result(res, Timestamp(at.millis() + 40));
    }
    j.finished(&r);
    j.into_result().unwrap();
    id
}

/// Rows of `sql` on the history at `path`, cells joined by `|`.
pub fn rows(path: &Path, sql: &str) -> Vec<String> {
    let h = History::open(path).unwrap();
    h.query(sql)
        .unwrap()
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Cell::Null => "NULL".to_string(),
                    Cell::Int(i) => i.to_string(),
                    Cell::Real(x) => x.to_string(),
                    Cell::Text(t) => t.clone(),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn query_file(path: &Path, file: &str) -> Vec<String> {
    rows(
        path,
        &std::fs::read_to_string(crate::support::repo().join("queries").join(file)).unwrap(),
    )
}

const T0: Timestamp = Timestamp(1_767_268_800_000); // 2026-01-01T12:00:00Z

fn four_ops() -> Plan {
    plan(vec![
        grants_op("c.s.t", "alice", &[], &["SELECT"]),
        op(
            SecurableKind::Table,
            "c.s.t",
            OpKind::SetTags,
            Some("email"),
            vec![("columns.email.tags.pii", Value::Absent, Value::text("true"))],
            "",
        ),
        grants_op("c.s.u", "bob", &["MODIFY", "SELECT"], &["SELECT"]),
        op(
            SecurableKind::Table,
            "c.s.u",
            OpKind::SetOwner,
            None,
            vec![("owner", Value::text("bob"), Value::text("data_eng"))],
            "{\"owner\":\"data_eng\"}",
        ),
    ])
}

fn four_results(p: &Plan) -> Vec<OpResult> {
    let o = &p.operations;
    vec![
        result(&o[0], Status::Applied, None),
        result(&o[1], Status::AlreadyDone, None),
        result(
            &o[2],
            Status::Failed,
            Some((
                "403",
                "PERMISSION_DENIED: User does not have MANAGE on Table 'c.s.u'",
            )),
        ),
        result(
            &o[3],
            Status::Skipped,
            Some(("", "depends on table:c.s.u:update_grants, which failed")),
        ),
    ]
}

#[test]
fn every_plan_and_apply_event_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let p = four_ops();
    let mut h = History::open_or_create(&path).unwrap();
    assert_eq!(
        h.record_plan(&p, DIGEST, Timestamp(T0.millis() - 60_000))
            .unwrap(),
        Ingested::Added { events: 1 }
    );
    assert_eq!(
        h.record_plan(&p, DIGEST, T0).unwrap(),
        Ingested::AlreadyPresent
    );
    drop(h);
    assert_eq!(
        rows(
            &path,
            "SELECT occurred_at, event, plan_digest, project, environment, host, metastore_id, \
             snapshot_id, snapshot_digest, operations, creates, changes, revokes FROM plan_events"
        ),
        [format!(
            "2026-01-01T11:59:00.000Z|plan_created|{DIGEST}|p|dev|https://example.cloud.databricks.com|ms-1|20260101T000000000Z-00000000|sha256:snap|4|0|3|1"
        )]
    );

    let residual = vec![Residual {
        op_id: p.operations[2].id.clone(),
        kind: SecurableKind::Table,
        full_name: "c.s.u".into(),
        attribute: "grants.bob".into(),
        target: Value::set(["SELECT"]),
        now: Some(Value::set(["MODIFY", "SELECT"])),
    }];
    let id = run_apply(&path, &p, T0, four_results(&p), Some(residual));
    assert_eq!(id, apply_id(DIGEST, T0));
    assert!(id.starts_with("apply-20260101T120000.000Z-"), "{id}");
    assert_ne!(id, apply_id(DIGEST, Timestamp(T0.millis() + 1)));

    assert_eq!(
        rows(
            &path,
            "SELECT event, apply_id = (SELECT MIN(apply_id) FROM apply_events), occurred_at, \
             plan_digest, host, metastore_id, dry_run, operations, applied, already_done, \
             skipped, failed, would_apply, refusal, residual, mutating_requests, duration_ms \
             FROM apply_events ORDER BY seq"
        ),
        [
            format!(
                "apply_started|1|2026-01-01T12:00:00.000Z|{DIGEST}|https://example.cloud.databricks.com|ms-1|0|4|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL"
            ),
            format!(
                "apply_finished|1|2026-01-01T12:00:05.000Z|{DIGEST}|https://example.cloud.databricks.com|ms-1|0|4|1|1|1|1|0|NULL|1|2|5000"
            ),
        ]
    );
    // Intent before result; operations that send nothing have a result only.
    assert_eq!(
        rows(
            &path,
            "SELECT occurred_at, event, op_id, securable_kind, securable, operation, \
             COALESCE(column_name, '-'), COALESCE(status, '-'), COALESCE(error_code, '-'), \
             COALESCE(detail, '-'), COALESCE(requests, -1) FROM op_events ORDER BY seq"
        ),
        [
            "2026-01-01T12:00:01.000Z|op_intent|table:c.s.t:update_grants|table|c.s.t|update_grants|-|-|-|-|-1",
            "2026-01-01T12:00:01.040Z|op_result|table:c.s.t:update_grants|table|c.s.t|update_grants|-|applied|-|-|1",
            "2026-01-01T12:00:02.040Z|op_result|table:c.s.t:set_tags:email|table|c.s.t|set_tags|email|already_done|-|-|0",
            "2026-01-01T12:00:03.000Z|op_intent|table:c.s.u:update_grants|table|c.s.u|update_grants|-|-|-|-|-1",
            "2026-01-01T12:00:03.040Z|op_result|table:c.s.u:update_grants|table|c.s.u|update_grants|-|failed|403|PERMISSION_DENIED: User does not have MANAGE on Table 'c.s.u'|1",
            "2026-01-01T12:00:04.040Z|op_result|table:c.s.u:set_owner|table|c.s.u|set_owner|-|skipped|-|depends on table:c.s.u:update_grants, which failed|0",
        ]
    );
    // Only the applied operation's changes, from the plan, as `diff::Value` text.
    assert_eq!(
        query_file(&path, "changes_applied.sql"),
        [format!(
            "2026-01-01T12:00:01.040Z|table|c.s.t|grants.alice|{{}}|{{SELECT}}|update_grants|{id}"
        )]
    );
    assert_eq!(
        query_file(&path, "failed_operations.sql"),
        [format!(
            "2026-01-01T12:00:03.040Z|{id}|table|c.s.u|update_grants|NULL|failed|403|PERMISSION_DENIED: User does not have MANAGE on Table 'c.s.u'"
        )]
    );
    // Append-only, like every event table.
    let h = History::open(&path).unwrap();
    for table in ["plan_events", "apply_events", "op_events", "op_changes"] {
        let c = h.connection();
        let e = c
            .execute(&format!("UPDATE {table} SET seq = seq + 1000"), [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{table}: {e}");
        let e = c
            .execute(&format!("DELETE FROM {table}"), [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{table}: {e}");
    }
}

#[test]
fn an_intent_is_committed_before_the_result_and_an_interrupted_apply_shows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let p = four_ops();
    let id = apply_id(DIGEST, T0);
    {
        let mut j = ApplyJournal::open(&path, &p, DIGEST, &id).unwrap();
        let r = report(&p, T0, Vec::new(), None, None);
        j.started(&r);
        j.intent(&p.operations[0].id, Timestamp(T0.millis() + 1000));
        // Another reader sees the intent, committed, before any result exists: the state a
        // crash during the request would leave.
        assert_eq!(
            rows(&path, "SELECT event, op_id FROM op_events ORDER BY seq"),
            ["op_intent|table:c.s.t:update_grants"]
        );
        assert!(j.error().is_none());
        // The process dies: no result, no finish.
    }
    assert_eq!(
        query_file(&path, "failed_operations.sql"),
        [format!(
            "2026-01-01T12:00:01.000Z|{id}|table|c.s.t|update_grants|NULL|interrupted|NULL|intent recorded, no result: the requests may have been sent"
        )]
    );
    assert!(query_file(&path, "changes_applied.sql").is_empty());
    let (code, out, err) =
        crate::support::brickkit(&["history", "show", "--history", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "op_interrupted     table c.s.t update_grants: intent recorded, no result: the requests may have been sent"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "apply {id} not finished  (no apply_finished recorded (interrupted, or still running); 1 operation sent without a recorded result)"
        )),
        "{out}"
    );
    // A re-run (another apply id) that finishes the job closes nothing of the first: its
    // intent stays unanswered, and stays visible.
    let later = Timestamp(T0.millis() + 3_600_000);
    let id2 = run_apply(
        &path,
        &p,
        later,
        vec![result(&p.operations[0], Status::AlreadyDone, None)],
        None,
    );
    assert_ne!(id, id2);
    assert_eq!(query_file(&path, "failed_operations.sql").len(), 1);
}

#[test]
fn a_refused_apply_records_its_reason_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let p = four_ops();
    let id = apply_id(DIGEST, T0);
    let mut j = ApplyJournal::open(&path, &p, DIGEST, &id).unwrap();
    let stale = Refusal::Stale(vec![
        Moved {
            op_id: p.operations[0].id.clone(),
            kind: SecurableKind::Table,
            full_name: "c.s.t".into(),
            attribute: "grants.alice".into(),
            planned_from: Value::set::<[&str; 0], &str>([]),
            now: Some(Value::set(["MODIFY"])),
            target: Value::set(["SELECT"]),
            unreadable: None,
        },
        Moved {
            op_id: p.operations[3].id.clone(),
            kind: SecurableKind::Table,
            full_name: "c.s.u".into(),
            attribute: "owner".into(),
            planned_from: Value::text("bob"),
            now: None,
            target: Value::text("data_eng"),
            unreadable: Some("403 PERMISSION_DENIED".into()),
        },
    ]);
    let skipped = p
        .operations
        .iter()
        .map(|o| result(o, Status::Skipped, Some(("", "the apply was refused"))))
        .collect();
    // A refusal comes before `started`: only `finished` is called.
    j.finished(&report(&p, T0, skipped, Some(stale), None));
    j.into_result().unwrap();
    assert_eq!(
        rows(
            &path,
            "SELECT event, refusal, refusal_detail, applied, skipped FROM apply_events"
        ),
        [
            "apply_finished|stale|table c.s.t grants.alice: planned from {}, now {MODIFY}, target {SELECT}; table c.s.u owner: planned from bob, now unreadable (403 PERMISSION_DENIED), target data_eng|0|4"
        ]
    );
    let (code, out, err) =
        crate::support::brickkit(&["history", "show", "--history", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "apply {id} refused, nothing sent  (https://example.cloud.databricks.com: stale: table c.s.t grants.alice: planned from {{}}"
        )),
        "{out}"
    );
    assert!(!out.contains("not finished"), "{out}");
}

/// Every text cell of every table of the history at `path`.
fn all_text(path: &Path) -> String {
    let h = History::open(path).unwrap();
    let tables = h
        .query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let mut out = String::new();
    for t in tables.rows {
        let Cell::Text(t) = &t[0] else { continue };
        for row in h.query(&format!("SELECT * FROM {t}")).unwrap().rows {
            for c in row {
                if let Cell::Text(s) = c {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn no_request_body_or_secret_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let conn = op(
        SecurableKind::Connection,
        "pg",
        OpKind::Create,
        None,
        vec![
            ("comment", Value::Absent, Value::text("postgres")),
            ("exists", Value::Bool(false), Value::Bool(true)),
        ],
        "{\"name\":\"pg\",\"options\":{\"host\":\"db.internal\",\"password\":\"${env:TOKEN}\",\"user\":\"svc\"}}",
    );
    let p = plan(vec![conn]);
    History::open_or_create(&path)
        .unwrap()
        .record_plan(&p, DIGEST, T0)
        .unwrap();
    let r = result(&p.operations[0], Status::Applied, None);
    run_apply(&path, &p, T0, vec![r], Some(Vec::new()));
    let text = all_text(&path);
    assert!(text.contains("connection"), "the apply was recorded");
    for needle in [
        "${env:",
        "TOKEN",
        "password",
        "db.internal",
        "svc",
        "options",
    ] {
        assert!(!text.contains(needle), "{needle} stored:\n{text}");
    }
    assert_eq!(
        query_file(&path, "changes_applied.sql")
            .iter()
            .map(|r| r.split('|').skip(3).take(3).collect::<Vec<_>>().join("|"))
            .collect::<Vec<_>>(),
        ["comment|None|postgres", "exists|false|true"]
    );
}

/// A version 1 history, as the previous brickkit wrote it.
fn v1_history(path: &Path) {
    let schema = |f: &str| {
        std::fs::read_to_string(crate::support::repo().join("queries/schema").join(f)).unwrap()
    };
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; BEGIN; {} {} PRAGMA application_id = {}; PRAGMA user_version = 1; COMMIT;",
        schema("legacy/001_events_v3.sql"),
        schema("002_views.sql"),
        brickkit::history::store::APPLICATION_ID
    ))
    .unwrap();
}

#[test]
fn a_version_1_history_is_refused_then_migrated_and_takes_plans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    v1_history(&path);
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    // Format 1 is refused, with the command that converts it, and left as it was.
    let e = match History::open(&path) {
        Ok(_) => panic!("version 1 accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("brickkit history migrate"), "{e}");
    assert_eq!(version(&path), 1);
    let done = brickkit::history::store::migrate(&path, || {}).unwrap();
    assert!(
        matches!(done, brickkit::history::Migrated::Migrated { from: 1, .. }),
        "{done:?}"
    );
    assert_eq!(version(&path), 4, "migrated");
    let mut s = crate::history::base(2);
    crate::history::stamp(&mut s, 0);
    History::open(&path)
        .unwrap()
        .ingest_snapshot(&s, brickkit::history::IngestOptions::default())
        .unwrap();
    let p = four_ops();
    run_apply(&path, &p, T0, four_results(&p), None);
    assert_eq!(query_file(&path, "changes_applied.sql").len(), 1);
    assert_eq!(
        History::open(&path)
            .unwrap()
            .fold_at(&s.manifest.snapshot_id)
            .unwrap(),
        s
    );

    // Opening again changes nothing; a fresh file has the same tables.
    let fresh = dir.path().join("fresh.sqlite");
    History::open_or_create(&fresh).unwrap();
    let schema_of = |p: &Path| -> Vec<String> {
        rows(
            p,
            "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
    };
    assert_eq!(schema_of(&path), schema_of(&fresh));
}

#[test]
fn the_journal_refuses_foreign_and_newer_files_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let future = dir.path().join("future.sqlite");
    History::open_or_create(&future)
        .unwrap()
        .connection()
        .execute_batch("PRAGMA user_version = 5;")
        .unwrap();
    let p = four_ops();
    for (f, needle) in [
        (&foreign, "not a brickkit history"),
        (&future, "event-store version 5 is not supported"),
    ] {
        let before = std::fs::read(f).unwrap();
        let e = match ApplyJournal::open(f, &p, DIGEST, "a") {
            Ok(_) => panic!("{} accepted", f.display()),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(needle), "{e}");
        let e = History::open(f)
            .and_then(|mut h| h.record_plan(&p, DIGEST, T0))
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{e}");
        assert_eq!(std::fs::read(f).unwrap(), before);
    }
}

/// The apply story of `history show`: a plan, an apply with one failure and a skip, a
/// refused apply and an interrupted one, among the known history's snapshots and drift.
#[test]
fn history_show_tells_the_apply_story() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _) = crate::history::queries::known_history(dir.path());
    let path = h.path().to_path_buf();
    drop(h);
    let (code, out, err) =
        crate::support::brickkit(&["history", "show", "--history", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    crate::drift::check_golden(
        &crate::support::repo().join("tests/golden/history/apply_story.txt"),
        &out,
    );
    // For one securable: every result on it, an applied one with its changes.
    let t = crate::history::queries::applied_table();
    let (code, out, err) = crate::support::brickkit(&[
        "history",
        "show",
        "--history",
        path.to_str().unwrap(),
        "--securable",
        &t,
        "--since",
        "2026-01-01T06:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    crate::drift::check_golden(
        &crate::support::repo().join("tests/golden/history/apply_story_securable.txt"),
        &out,
    );
    assert!(out.lines().all(|l| l.contains(&t)), "{out}");
}
