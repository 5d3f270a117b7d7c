//! Planning end to end: every SQL statement the planner emits parses with ucsim's SQL
//! parser back to the same identifiers and values whatever the names (property test);
//! `drift plan` / `drift show-plan` on the shipped example (golden text, JSON and markdown
//! files under `tests/golden/plan/`, refreshed with `UPDATE_EXPECT=1`); the plan file's
//! refusals and its freedom from secrets.

use std::collections::{BTreeMap, BTreeSet};

use brickkit::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, Policy, PolicyRule, RowFilter,
    RuleCheck, RuleScope,
};
use brickkit::diff::{self, DiffOptions};
use brickkit::model::SecurableKind as K;
use brickkit::model::{PolicyArg, Severity, Text};
use brickkit::plan::{self, OpKind, Operation, PlanOptions, Request};
use brickkit::state::{
    ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow,
};
use proptest::prelude::*;
use ucsim::sql::parse::{Arg, Cmd, SqlKind, parse, string_literal};

// ------------------------------------------------------------------ property: SQL parses back

fn decl(kind: K, name: &str) -> DeclaredSecurable {
    DeclaredSecurable {
        kind,
        full_name: name.into(),
        declared_name: name.into(),
        origin: None,
        create: true,
        owner: None,
        comment: None,
        tags: BTreeMap::new(),
        grants: None,
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    }
}

fn col(name: &str) -> DeclaredColumn {
    DeclaredColumn {
        name: name.into(),
        data_type: Some("STRING".into()),
        nullable: None,
        comment: None,
        tags: BTreeMap::new(),
        mask: None,
    }
}

fn row(kind: K, name: &str) -> SecurableRow {
    SecurableRow {
        kind: Some(kind),
        full_name: name.into(),
        ..SecurableRow::default()
    }
}

/// Names of the hostile world: lower-case securable name parts (Unity Catalog stores them
/// so), columns and tag keys in any case, literals with anything in them.
#[derive(Debug, Clone)]
struct World {
    cat: String,
    sch: String,
    tbl: String,
    new_tbl: String,
    func: String,
    conn: String,
    col_a: String,
    col_b: String,
    key: String,
    value: String,
    old_key: String,
    comment: String,
    owner: String,
}

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("select".to_string()),
        Just("table".to_string()),
        Just("from".to_string()),
        Just("order by".to_string()),
        "[a-zA-Z0-9_ `'\"\\\\éü中ß$-]{1,10}",
    ]
}

fn part() -> impl Strategy<Value = String> {
    ident().prop_map(|s| s.to_lowercase().replace('.', "_"))
}

fn literal() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 '\"\\\\\n\t`é;-]{0,16}"
}

fn world() -> impl Strategy<Value = World> {
    (
        (part(), part(), part(), part(), part(), part()),
        (
            ident(),
            ident(),
            ident(),
            literal(),
            ident(),
            literal(),
            ident(),
        ),
    )
        .prop_filter(
            "distinct names",
            |((_, _, t, nt, f, _), (a, b, k, _, ok, _, _))| {
                t != nt
                    && t != f
                    && nt != f
                    && a.to_lowercase() != b.to_lowercase()
                    && k.to_lowercase() != ok.to_lowercase()
            },
        )
        .prop_map(
            |(
                (cat, sch, tbl, new_tbl, func, conn),
                (col_a, col_b, key, value, old_key, comment, owner),
            )| {
                World {
                    cat,
                    sch,
                    tbl,
                    new_tbl,
                    func,
                    conn,
                    col_a,
                    col_b,
                    key,
                    value,
                    old_key,
                    // Never empty: an empty comment is no comment.
                    comment: format!("c{comment}"),
                    owner,
                }
            },
        )
}

/// A tree and a snapshot whose drift needs every SQL operation kind.
fn drifted(w: &World) -> (DeclaredState, Snapshot) {
    let schema = format!("{}.{}", w.cat, w.sch);
    let table = format!("{schema}.{}", w.tbl);
    let new_table = format!("{schema}.{}", w.new_tbl);
    let func = format!("{schema}.{}", w.func);

    let mut f = decl(K::Function, &func);
    f.details.insert("params".into(), "v STRING".into());
    f.details.insert("returns".into(), "STRING".into());
    f.details.insert("body".into(), "v".into());
    f.comment = Some(w.comment.clone());

    let mut t = decl(K::Table, &table);
    t.create = false;
    t.comment = Some(w.comment.clone());
    t.tags.insert(w.key.clone(), w.value.clone());
    let mut a = col(&w.col_a);
    a.tags.insert(w.key.clone(), w.value.clone());
    a.mask = Some(ColumnMask {
        function: func.clone(),
        using_columns: vec![
            PolicyArg::column(&w.col_b),
            PolicyArg::Constant("-42".into()),
        ],
    });
    t.columns = vec![a, col(&w.col_b)];
    // A hostile string constant among the arguments: it must reach the server as the same
    // value (checked against ucsim's tokenizer, which decodes the literal).
    t.row_filter = Some(RowFilter {
        function: func.clone(),
        columns: vec![
            PolicyArg::column(&w.col_a),
            PolicyArg::column(&w.col_b),
            PolicyArg::string(&w.value),
        ],
    });

    let mut nt = decl(K::Table, &new_table);
    let mut na = col(&w.col_a);
    na.comment = Some(w.comment.clone());
    na.nullable = Some(false);
    na.mask = Some(ColumnMask {
        function: func.clone(),
        using_columns: vec![],
    });
    nt.columns = vec![na, col(&w.col_b)];
    nt.comment = Some(w.comment.clone());
    nt.row_filter = Some(RowFilter {
        function: func.clone(),
        columns: vec![PolicyArg::column(&w.col_b)],
    });

    let mut conn = decl(K::Connection, &w.conn);
    conn.owner = Some(w.owner.clone());
    conn.comment = Some(w.comment.clone());

    let mut securables = vec![
        decl(K::Catalog, &w.cat),
        decl(K::Schema, &schema),
        t,
        nt,
        f,
        conn,
    ];
    securables.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    let declared = DeclaredState {
        project: "p".into(),
        environment: "dev".into(),
        securables,
        policy: Policy::default(),
        ignore: Vec::new(),
    };

    let mut s = Snapshot {
        securables: vec![
            row(K::Catalog, &w.cat),
            row(K::Schema, &schema),
            row(K::Table, &table),
            SecurableRow {
                owner: Some("someone else".into()),
                ..row(K::Connection, &w.conn)
            },
        ],
        ..Snapshot::default()
    };
    s.manifest.scope = vec!["*".into()];
    for (i, c) in [&w.col_a, &w.col_b].into_iter().enumerate() {
        s.columns.push(ColumnRow {
            table_full_name: table.clone().into(),
            name: c.clone().into(),
            position: i as i32,
            type_text: "string".into(),
            nullable: true,
            comment: None,
        });
    }
    // A tag to unset, on the table and on a column; a mask to drop on the other column; a
    // filter to replace.
    s.tags.push(TagRow {
        securable_kind: Some(K::Table),
        securable_full_name: table.clone().into(),
        column_name: None,
        key: w.old_key.clone().into(),
        value: w.value.clone().into(),
    });
    s.tags.push(TagRow {
        securable_kind: Some(K::Table),
        securable_full_name: table.clone().into(),
        column_name: Some(w.col_b.clone().into()),
        key: w.old_key.clone().into(),
        value: "x".into(),
    });
    s.column_masks.push(ColumnMaskRow {
        table_full_name: table.clone().into(),
        column_name: w.col_b.clone().into(),
        function_full_name: "other.fn.old".into(),
        using_arguments: vec![],
    });
    s.row_filters.push(RowFilterRow {
        table_full_name: table.clone().into(),
        function_full_name: "other.fn.old".into(),
        input_arguments: vec![],
    });
    s.sort();
    (declared, s)
}

fn parts(full: &str) -> Vec<String> {
    full.split('.').map(str::to_string).collect()
}

fn columns_of(args: &[Arg]) -> Vec<String> {
    args.iter()
        .map(|a| match a {
            Arg::Column(c) => c.clone(),
            Arg::Constant(c) => panic!("constant {c}"),
        })
        .collect()
}

/// Parse one statement and check it says what the operation means.
fn check(w: &World, op: &Operation, statement: &str) -> Result<(), TestCaseError> {
    let cmd = parse(statement)
        .map_err(|e| TestCaseError::fail(format!("{statement}\n  does not parse: {e:?}")))?;
    let table = parts(&op.full_name);
    let mut on_column = table.clone();
    on_column.extend(op.column.clone());
    let func = parts(&format!("{}.{}.{}", w.cat, w.sch, w.func));
    let ctx = format!("{} -> {cmd:?}", statement);
    match (op.op, &cmd) {
        (
            OpKind::SetTags,
            Cmd::SetTags {
                kind, name, tags, ..
            },
        ) => {
            prop_assert_eq!(
                *kind,
                if op.column.is_some() {
                    SqlKind::Column
                } else {
                    SqlKind::Table
                },
                "{}",
                ctx
            );
            prop_assert_eq!(name, &on_column, "{}", ctx);
            prop_assert_eq!(
                tags,
                &vec![(w.key.clone(), Some(w.value.clone()))],
                "{}",
                ctx
            );
        }
        (OpKind::UnsetTags, Cmd::UnsetTags { name, keys, .. }) => {
            prop_assert_eq!(name, &on_column, "{}", ctx);
            prop_assert_eq!(keys, &vec![w.old_key.clone()], "{}", ctx);
        }
        (OpKind::SetComment, Cmd::Comment { name, comment, .. }) => {
            prop_assert_eq!(name, &table, "{}", ctx);
            prop_assert_eq!(comment.as_deref(), Some(w.comment.as_str()), "{}", ctx);
        }
        (
            OpKind::SetOwner,
            Cmd::Owner {
                kind,
                name,
                principal,
            },
        ) => {
            prop_assert_eq!(*kind, SqlKind::Connection, "{}", ctx);
            prop_assert_eq!(name, &table, "{}", ctx);
            prop_assert_eq!(principal, &w.owner, "{}", ctx);
        }
        (
            OpKind::SetRowFilter,
            Cmd::SetRowFilter {
                table: t,
                func: f,
                args,
            },
        ) => {
            prop_assert_eq!(t, &table, "{}", ctx);
            prop_assert_eq!(f, &func, "{}", ctx);
            prop_assert_eq!(
                args,
                &vec![
                    Arg::Column(w.col_a.clone()),
                    Arg::Column(w.col_b.clone()),
                    Arg::Constant(string_literal(&w.value)),
                ],
                "{}",
                ctx
            );
        }
        (
            OpKind::SetMask,
            Cmd::SetMask {
                table: t,
                column,
                func: f,
                using,
            },
        ) => {
            prop_assert_eq!(t, &table, "{}", ctx);
            prop_assert_eq!(Some(column), op.column.as_ref(), "{}", ctx);
            prop_assert_eq!(column, &w.col_a, "{}", ctx);
            prop_assert_eq!(f, &func, "{}", ctx);
            prop_assert_eq!(
                using,
                &vec![Arg::Column(w.col_b.clone()), Arg::Constant("-42".into())],
                "{}",
                ctx
            );
        }
        (OpKind::DropMask, Cmd::DropMask { table: t, column }) => {
            prop_assert_eq!(t, &table, "{}", ctx);
            prop_assert_eq!(column.to_lowercase(), w.col_b.to_lowercase(), "{}", ctx);
        }
        (OpKind::Create, Cmd::CreateFunction { name, comment, .. }) => {
            prop_assert_eq!(name, &func, "{}", ctx);
            prop_assert_eq!(comment.as_deref(), Some(w.comment.as_str()), "{}", ctx);
        }
        (
            OpKind::Create,
            Cmd::CreateTable {
                name,
                columns,
                comment,
                row_filter,
                ..
            },
        ) => {
            prop_assert_eq!(name, &table, "{}", ctx);
            prop_assert_eq!(comment.as_deref(), Some(w.comment.as_str()), "{}", ctx);
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            prop_assert_eq!(names, vec![w.col_a.as_str(), w.col_b.as_str()], "{}", ctx);
            prop_assert_eq!(
                columns[0].comment.as_deref(),
                Some(w.comment.as_str()),
                "{}",
                ctx
            );
            prop_assert!(!columns[0].nullable, "{}", ctx);
            prop_assert_eq!(
                columns[0].mask.as_ref().map(|(f, _)| f),
                Some(&func),
                "{}",
                ctx
            );
            let (f, args) = row_filter.as_ref().unwrap();
            prop_assert_eq!(f, &func, "{}", ctx);
            prop_assert_eq!(columns_of(args), vec![w.col_b.clone()], "{}", ctx);
        }
        _ => {
            return Err(TestCaseError::fail(format!(
                "{}: unexpected statement {ctx}",
                op.id
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_statement_parses_back_to_the_same_names_and_values(w in world()) {
        let (declared, snapshot) = drifted(&w);
        let diffs = diff::diff(&declared, &snapshot, &DiffOptions::default());
        let plan = plan::plan(&declared, &snapshot, &diffs, &PlanOptions::default());
        let mut kinds = BTreeSet::new();
        for op in &plan.operations {
            for r in &op.requests {
                if let Request::Sql { statement } = r {
                    check(&w, op, statement)?;
                    kinds.insert(op.op);
                }
            }
        }
        // Every SQL operation kind was exercised (the drop of a row filter has no names
        // to check beyond the table: covered by the unit tests).
        for k in [
            OpKind::Create,
            OpKind::SetComment,
            OpKind::SetTags,
            OpKind::UnsetTags,
            OpKind::SetRowFilter,
            OpKind::SetMask,
            OpKind::DropMask,
            OpKind::SetOwner,
        ] {
            prop_assert!(kinds.contains(&k), "{:?} missing from {:?}", k, kinds);
        }
    }
}

// ------------------------------------------------------------------ the command on the example

const EXAMPLE: [&str; 8] = [
    "drift",
    "plan",
    "examples/governance",
    "--env",
    "dev",
    "--snapshot",
    "snapshots/example",
    "--no-history",
];

fn golden(name: &str) -> std::path::PathBuf {
    crate::support::repo().join("tests/golden/plan").join(name)
}

#[test]
fn the_example_plan_matches_its_goldens_in_every_format() {
    for (format, file) in [
        ("text", "example.txt"),
        ("json", "example.json"),
        ("markdown", "example.md"),
    ] {
        let mut args = EXAMPLE.to_vec();
        args.extend(["--format", format]);
        let (code, out, err) = crate::support::brickkit(&args);
        assert_eq!(code, 1, "{format}: {err}");
        crate::drift::check_golden(&golden(file), &out);
    }
}

#[test]
fn the_example_plan_covers_every_fixable_drift_and_says_what_it_leaves_alone() {
    let (code, out, err) = crate::support::brickkit(&EXAMPLE);
    assert_eq!(code, 1, "{err}");
    for op in [
        "[create]",
        "[set_tags]",
        "[update_grants]",
        "[set_comment]",
        "[set_mask]",
        "[set_row_filter]",
        "[set_owner]",
    ] {
        assert!(out.contains(op), "no {op} in\n{out}");
    }
    for cause in [": unknown: ", ": ignored: ", ": undeclared: "] {
        assert!(out.contains(cause), "no {cause} in\n{out}");
    }
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("Plan: 1 to create, 10 to change, 1 to revoke; 3 unknown not planned")
    );
}

#[test]
fn show_plan_prints_a_saved_plan_exactly_as_it_was_planned() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.bkplan");
    let f = file.to_str().unwrap();
    for format in ["text", "json", "markdown"] {
        let mut args = EXAMPLE.to_vec();
        args.extend(["--format", format, "--out", f]);
        let (code, planned, err) = crate::support::brickkit(&args);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("plan written to"), "{err}");
        let (code, shown, err) =
            crate::support::brickkit(&["drift", "show-plan", f, "--format", format]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(planned, shown, "{format}");
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"\x89BKPLAN\n"));
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_damaged_plan_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.bkplan");
    let f = file.to_str().unwrap();
    let mut args = EXAMPLE.to_vec();
    args.extend(["--out", f]);
    assert_eq!(crate::support::brickkit(&args).0, 1);
    let bytes = std::fs::read(&file).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", bytes[..bytes.len() - 10].to_vec(), "truncated"),
        (
            "corrupt",
            {
                let mut b = bytes.clone();
                let i = b.len() / 2;
                b[i] ^= 0x20;
                b
            },
            "SHA-256 does not match",
        ),
        (
            "future",
            {
                let mut b = bytes.clone();
                b[8] = 99;
                b
            },
            "format version 99 is not supported",
        ),
        (
            "not a plan",
            b"{\"plan\": true}".to_vec(),
            "not a brickkit plan file",
        ),
    ];
    for (what, content, message) in cases {
        let p = dir.path().join(format!("{what}.bkplan"));
        std::fs::write(&p, content).unwrap();
        let (code, out, err) =
            crate::support::brickkit(&["drift", "show-plan", p.to_str().unwrap()]);
        assert_eq!(code, 2, "{what}: {out}{err}");
        assert!(out.is_empty(), "{what}: {out}");
        assert!(err.contains(message), "{what}: {err}");
    }
    let (code, _, err) = crate::support::brickkit(&["drift", "show-plan", "/nonexistent/p.bkplan"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the plan file"), "{err}");
}

#[test]
fn no_secret_reaches_the_plan_file_or_the_output() {
    // In `prd` the infrastructure (a connection with secret options, a storage credential)
    // is missing from the example snapshot, so the plan creates it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.bkplan");
    let f = file.to_str().unwrap();
    let secrets = [
        ("CRM_PG_PASSWORD", "pw-5ecret-value-1"),
        ("CRM_PG_USER", "user-5ecret-value-2"),
        ("DATABRICKS_TOKEN", "dapi-5ecret-value-3"),
    ];
    let args = [
        "drift",
        "plan",
        "examples/governance",
        "--env",
        "prd",
        "--snapshot",
        "snapshots/example",
        "--no-history",
        "--format",
        "json",
        "--out",
        f,
    ];
    let run = crate::support::brickkit_with(&args, &secrets);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("connection:crm_postgres_prd:create"));
    assert!(
        run.stdout
            .contains("storage_credential:finance_s3_prd:create")
    );
    assert!(run.stdout.contains("${env:CRM_PG_PASSWORD}"));
    let bytes = std::fs::read(&file).unwrap();
    // The file's bytes, and its payload decompressed (what a reader sees).
    let payload = plan::file::unpack(&bytes).unwrap();
    let needle = |hay: &[u8], s: &str| hay.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(
        needle(&payload, "${env:CRM_PG_PASSWORD}"),
        "the reference is kept"
    );
    for (_, secret) in secrets {
        assert!(!needle(&bytes, secret), "secret in the plan file");
        assert!(!needle(&payload, secret), "secret in the plan's payload");
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
}

#[test]
fn nothing_to_do_exits_0() {
    let mut args = EXAMPLE.to_vec();
    args.extend(["--ignore", "*:*"]);
    let (code, out, err) = crate::support::brickkit(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes"), "{out}");
    assert!(out.contains("Plan: 0 to create, 0 to change, 0 to revoke; 3 unknown not planned"));
}

#[test]
fn the_plan_json_is_documented_by_its_structure() {
    let mut args = EXAMPLE.to_vec();
    args.extend(["--format", "json"]);
    let (_, out, _) = crate::support::brickkit(&args);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 2);
    assert!(v["left_for_person"].is_array());
    assert!(v["summary"]["left_for_person"].is_u64());
    let ops = v["operations"].as_array().unwrap();
    assert_eq!(
        v["summary"]["operations"].as_u64().unwrap() as usize,
        ops.len()
    );
    for op in ops {
        for key in [
            "id",
            "kind",
            "full_name",
            "operation",
            "effect",
            "changes",
            "depends_on",
            "requests",
        ] {
            assert!(op.get(key).is_some(), "{key} missing in {op}");
        }
        for r in op["requests"].as_array().unwrap() {
            if r["type"] == "rest" {
                let body: serde_json::Value =
                    serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
                assert!(body.is_object());
            } else {
                assert_eq!(r["type"], "sql");
            }
        }
    }
}

#[test]
fn live_plan_collects_the_declared_scope_first_and_leaves_the_unknown_alone() {
    use crate::support::sim::{TOKEN, start};
    let h = start(
        serde_json::json!({"rules": [{"method": "READ", "under": "main.sales", "status": 403}]}),
        100,
    );
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("main.yaml"),
        "catalogs:\n  - name: main\n    schemas:\n      - name: sales\n        tables:\n          - name: orders\n      - name: absent\n        comment: \"it's new\"\n",
    )
    .unwrap();
    let snaps = dir.path().join("snaps");
    let out = dir.path().join("live.bkplan");
    let run = crate::support::brickkit_with(
        &[
            "drift",
            "plan",
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--snapshots-dir",
            snaps.to_str().unwrap(),
            "--no-history",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = v["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"schema:main.absent:create"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i.contains("main.sales")),
        "nothing under the unreadable schema is planned: {ids:?}"
    );
    let unknown = v["not_planned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["cause"] == "unknown")
        .count();
    assert!(unknown > 0, "{}", run.stdout);
    assert_eq!(v["snapshot"]["host"].as_str(), Some(h.base_url.as_str()));
    assert!(
        !std::fs::read(&out)
            .unwrap()
            .windows(TOKEN.len())
            .any(|w| w == TOKEN.as_bytes())
    );
    assert_eq!(std::fs::read_dir(&snaps).unwrap().count(), 1);
}

// ------------------------------------------------------------------ policy rule fixes (golden)

fn rc_state(mut securables: Vec<DeclaredSecurable>) -> DeclaredState {
    securables.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    DeclaredState {
        project: "p".into(),
        environment: "dev".into(),
        securables,
        policy: Policy::default(),
        ignore: Vec::new(),
    }
}

fn rc_snapshot(securables: Vec<SecurableRow>) -> Snapshot {
    let mut s = Snapshot {
        securables,
        ..Snapshot::default()
    };
    s.manifest.snapshot_id = "20261201T000000000Z-00000001".into();
    s.manifest.lineage = "lin".into();
    s.manifest.scope = vec!["*".into()];
    s
}

fn rc_tag(kind: K, name: &str, column: Option<&str>, k: &str, v: &str) -> TagRow {
    TagRow {
        securable_kind: Some(kind),
        securable_full_name: name.into(),
        column_name: column.map(Text::from),
        key: k.into(),
        value: v.into(),
    }
}

fn rc_grant(kind: K, name: &str, p: &str, privilege: &str) -> GrantRow {
    GrantRow {
        securable_kind: Some(kind),
        securable_full_name: name.into(),
        principal: p.into(),
        privilege: privilege.into(),
    }
}

/// The same case as the planner's unit test `rule_fixes_are_planned_marked_with_their_rule_...`:
/// rule fixes on declared and undeclared securables, conflicts with the tree, no-fix violations.
fn rc_rule(id: &str, kinds: &[K], check: RuleCheck) -> PolicyRule {
    PolicyRule {
        id: id.into(),
        message: format!("the {id} rule"),
        severity: Severity::Warning,
        scope: RuleScope {
            kinds: kinds.to_vec(),
            ..RuleScope::default()
        },
        check,
        origin: None,
    }
}

fn rc_strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A tree and a snapshot where policy rules have fixes, conflicts with the tree, and
/// violations with no fix.
fn rc_case() -> (DeclaredState, Snapshot) {
    let mut schema = decl(K::Schema, "c.s");
    schema.create = false;
    schema.tags.insert("x".into(), "1".into());
    let mut t = decl(K::Table, "c.s.decl");
    t.create = false;
    t.tags.insert("tier".into(), "platinum".into());
    t.tags.insert("owner_team".into(), "t1".into());
    t.grants = Some(BTreeMap::from([(
        "account users".to_string(),
        BTreeSet::from(["MODIFY".to_string()]),
    )]));
    let mut d = rc_state(vec![decl(K::Catalog, "c"), schema, t]);
    d.policy.rules = vec![
        rc_rule(
            "col-class",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "class".into(),
                allowed: Some(rc_strings(&["internal"])),
                default: None,
                on_columns: true,
            },
        ),
        rc_rule(
            "env",
            &[K::Schema],
            RuleCheck::RequiredTag {
                key: "env".into(),
                allowed: Some(rc_strings(&["dev"])),
                default: None,
                on_columns: false,
            },
        ),
        rc_rule(
            "no-modify",
            &[],
            RuleCheck::ForbiddenGrant {
                principals: rc_strings(&["account users"]),
                privileges: rc_strings(&["MODIFY", "ALL_PRIVILEGES"]),
                users: false,
            },
        ),
        rc_rule(
            "owner-team",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "owner_team".into(),
                allowed: None,
                default: None,
                on_columns: false,
            },
        ),
        rc_rule(
            "pii-masked",
            &[K::Table],
            RuleCheck::Protection {
                column_tags: BTreeMap::from([("pii".to_string(), Some("true".to_string()))]),
                require_mask: true,
                require_row_filter: false,
                allowed_tables: Vec::new(),
            },
        ),
        rc_rule(
            "tier",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "tier".into(),
                allowed: Some(rc_strings(&["bronze", "gold"])),
                default: Some("bronze".into()),
                on_columns: false,
            },
        ),
    ];
    let mut s = rc_snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.decl"),
        row(K::Table, "c.s.und"),
    ]);
    s.tags.push(rc_tag(K::Schema, "c.s", None, "x", "0"));
    s.tags
        .push(rc_tag(K::Table, "c.s.decl", None, "tier", "platinum"));
    s.tags
        .push(rc_tag(K::Table, "c.s.decl", None, "owner_team", "t1"));
    s.tags
        .push(rc_tag(K::Table, "c.s.und", None, "tier", "platinum"));
    s.tags
        .push(rc_tag(K::Table, "c.s.und", Some("email"), "pii", "true"));
    for (i, c) in ["email", "id"].into_iter().enumerate() {
        s.columns.push(ColumnRow {
            table_full_name: "c.s.und".into(),
            name: c.into(),
            position: i as i32,
            type_text: "string".into(),
            nullable: true,
            ..ColumnRow::default()
        });
    }
    for (p, privs) in [
        ("account users", &["SELECT", "MODIFY", "ALL PRIVILEGES"][..]),
        ("analysts", &["MODIFY"][..]),
    ] {
        for x in privs {
            s.grants.push(rc_grant(K::Table, "c.s.und", p, x));
        }
    }
    for x in ["MODIFY", "SELECT"] {
        s.grants
            .push(rc_grant(K::Table, "c.s.decl", "account users", x));
    }
    (d, s)
}

#[test]
fn a_plan_with_rule_fixes_matches_its_goldens_in_every_format() {
    let (d, mut s) = rc_case();
    s.sort();
    let diffs = diff::diff(&d, &s, &DiffOptions::default());
    let p = plan::plan(&d, &s, &diffs, &PlanOptions::default());
    for (f, name) in [
        (plan::render::Format::Text, "rules.txt"),
        (plan::render::Format::Json, "rules.json"),
        (plan::render::Format::Markdown, "rules.md"),
    ] {
        let mut out = Vec::new();
        plan::render::render(&p, f, &mut out).unwrap();
        crate::drift::check_golden(&golden(name), &String::from_utf8(out).unwrap());
    }
}
