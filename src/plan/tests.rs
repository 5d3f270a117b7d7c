//! Unit tests of the planner: every operation kind, every ordering rule, authoritative vs
//! additive grants, unknown / ignored / undeclared left alone, an in-sync tree planning
//! nothing, and the plan file's round trip and refusals.

use std::collections::{BTreeMap, BTreeSet};

use crate::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, GrantMode, Policy, PolicyRule,
    RowFilter, RuleCheck, RuleScope,
};
use crate::diff::{self, DiffOptions, Value};
use crate::drift::IgnoreRules;
use crate::model::SecurableKind as K;
use crate::model::{PolicyArg, Severity, Text};
use crate::state::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot,
    TagRow,
};

use super::file::{self, FileError};
use super::render::{self, Format};
use super::{Cause, Effect, LeftCause, OpKind, Operation, Plan, PlanOptions, Request, plan};

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

fn col(name: &str, ty: &str) -> DeclaredColumn {
    DeclaredColumn {
        name: name.into(),
        data_type: Some(ty.into()),
        nullable: None,
        comment: None,
        tags: BTreeMap::new(),
        mask: None,
    }
}

fn state(mut securables: Vec<DeclaredSecurable>) -> DeclaredState {
    securables.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    DeclaredState {
        project: "p".into(),
        environment: "dev".into(),
        securables,
        policy: Policy::default(),
        ignore: Vec::new(),
    }
}

fn row(kind: K, name: &str) -> SecurableRow {
    SecurableRow {
        kind: Some(kind),
        full_name: name.into(),
        parent: (name.rsplit_once('.').map(|(p, _)| p.to_string())).map(Into::into),
        ..SecurableRow::default()
    }
}

fn grant(kind: K, name: &str, p: &str, privilege: &str) -> GrantRow {
    GrantRow {
        securable_kind: Some(kind),
        securable_full_name: name.into(),
        principal: p.into(),
        privilege: privilege.into(),
    }
}

fn tag(kind: K, name: &str, column: Option<&str>, k: &str, v: &str) -> TagRow {
    TagRow {
        securable_kind: Some(kind),
        securable_full_name: name.into(),
        column_name: column.map(Text::from),
        key: k.into(),
        value: v.into(),
    }
}

fn snapshot(securables: Vec<SecurableRow>) -> Snapshot {
    let mut s = Snapshot {
        securables,
        ..Snapshot::default()
    };
    s.manifest.snapshot_id = "20261201T000000000Z-00000001".into();
    s.manifest.lineage = "lin".into();
    s.manifest.scope = vec!["*".into()];
    s
}

fn run(d: &DeclaredState, s: &Snapshot) -> Plan {
    run_with(d, s, &PlanOptions::default())
}

fn run_with(d: &DeclaredState, s: &Snapshot, opts: &PlanOptions) -> Plan {
    let mut s = s.clone();
    s.sort();
    let diffs = diff::diff(d, &s, &DiffOptions::default());
    let p = plan(d, &s, &diffs, opts);
    check_order(&p);
    p
}

/// Every dependency exists and comes earlier; ids are unique.
fn check_order(p: &Plan) {
    let mut seen = BTreeSet::new();
    for op in &p.operations {
        for d in &op.depends_on {
            assert!(seen.contains(d), "{} depends on {d}, not earlier", op.id);
        }
        assert!(seen.insert(op.id.clone()), "duplicate id {}", op.id);
    }
}

fn op<'p>(p: &'p Plan, id: &str) -> &'p Operation {
    p.operations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:#?}", ids(p)))
}

fn ids(p: &Plan) -> Vec<&str> {
    p.operations.iter().map(|o| o.id.as_str()).collect()
}

fn sql(o: &Operation) -> &str {
    match &o.requests[..] {
        [Request::Sql { statement }] => statement,
        r => panic!("not one SQL statement: {r:?}"),
    }
}

fn rest(o: &Operation) -> (&str, &str, &str) {
    match &o.requests[..] {
        [Request::Rest { method, path, body }] => (method.as_str(), path, body),
        r => panic!("not one REST call: {r:?}"),
    }
}

fn pos(p: &Plan, id: &str) -> usize {
    p.operations.iter().position(|o| o.id == id).unwrap()
}

#[test]
fn an_in_sync_tree_plans_nothing() {
    let mut c = decl(K::Catalog, "c");
    c.owner = Some("o".into());
    c.tags.insert("k".into(), "v".into());
    c.grants = Some(BTreeMap::from([(
        "g".to_string(),
        BTreeSet::from(["USE_CATALOG".to_string()]),
    )]));
    let d = state(vec![c]);
    let mut s = snapshot(vec![SecurableRow {
        owner: Some("o".into()),
        ..row(K::Catalog, "c")
    }]);
    s.tags.push(tag(K::Catalog, "c", None, "k", "v"));
    s.grants.push(grant(K::Catalog, "c", "g", "USE_CATALOG"));
    let p = run(&d, &s);
    assert!(p.is_empty(), "{:#?}", p.operations);
    assert!(p.not_planned.is_empty());
    let mut out = Vec::new();
    render::text(&p, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with("Plan: 0 to create, 0 to change, 0 to revoke; 0 unknown not planned\n"));
}

#[test]
fn containers_are_created_over_rest_parents_first() {
    let mut c = decl(K::Catalog, "c");
    c.comment = Some("cat".into());
    let s1 = decl(K::Schema, "c.s");
    let mut v = decl(K::Volume, "c.s.v");
    v.details.insert("volume_type".into(), "EXTERNAL".into());
    v.details
        .insert("storage_location".into(), "s3://b/v".into());
    let d = state(vec![c, s1, v]);
    let p = run(&d, &snapshot(vec![]));
    let (m, path, body) = rest(op(&p, "catalog:c:create"));
    assert_eq!((m, path), ("POST", "/api/2.1/unity-catalog/catalogs"));
    assert_eq!(body, r#"{"comment":"cat","name":"c"}"#);
    let (_, path, body) = rest(op(&p, "schema:c.s:create"));
    assert_eq!(path, "/api/2.1/unity-catalog/schemas");
    assert_eq!(body, r#"{"catalog_name":"c","name":"s"}"#);
    let (_, path, body) = rest(op(&p, "volume:c.s.v:create"));
    assert_eq!(path, "/api/2.1/unity-catalog/volumes");
    assert_eq!(
        body,
        r#"{"catalog_name":"c","name":"v","schema_name":"s","storage_location":"s3://b/v","volume_type":"EXTERNAL"}"#
    );
    assert_eq!(op(&p, "schema:c.s:create").depends_on, ["catalog:c:create"]);
    assert_eq!(
        op(&p, "volume:c.s.v:create").depends_on,
        ["schema:c.s:create"]
    );
    assert!(pos(&p, "catalog:c:create") < pos(&p, "schema:c.s:create"));
    assert_eq!(p.summary().create, 3);
    assert!(p.operations.iter().all(|o| o.effect() == Effect::Create));
}

#[test]
fn tables_and_functions_are_created_with_sql_functions_first() {
    let mut f = decl(K::Function, "c.s.mask");
    f.details.insert("params".into(), "v STRING".into());
    f.details.insert("returns".into(), "STRING".into());
    f.details.insert("body".into(), "'***'".into());
    f.comment = Some("it's".into());
    let mut rf = decl(K::Function, "c.s.rf");
    rf.details.insert("params".into(), "r STRING".into());
    rf.details.insert("returns".into(), "BOOLEAN".into());
    rf.details.insert("body".into(), "r = 'EU'".into());
    let mut t = decl(K::Table, "c.s.t");
    let mut id = col("id", "INT");
    id.nullable = Some(false);
    id.comment = Some("the id".into());
    let mut email = col("e mail", "STRING");
    email.mask = Some(ColumnMask {
        function: "c.s.mask".into(),
        using_columns: vec![PolicyArg::column("id")],
    });
    email.tags.insert("pii".into(), "true".into());
    t.columns = vec![id, email];
    t.row_filter = Some(RowFilter {
        function: "c.s.rf".into(),
        columns: vec![PolicyArg::column("id")],
    });
    t.owner = Some("owner@x".into());
    t.tags.insert("tier".into(), "gold".into());
    let d = state(vec![
        decl(K::Catalog, "c"),
        decl(K::Schema, "c.s"),
        f,
        rf,
        t,
    ]);
    let s = snapshot(vec![row(K::Catalog, "c"), row(K::Schema, "c.s")]);
    let p = run(&d, &s);
    assert_eq!(
        sql(op(&p, "function:c.s.mask:create")),
        "CREATE FUNCTION `c`.`s`.`mask`(v STRING) RETURNS STRING COMMENT 'it\\'s' RETURN '***'"
    );
    let create = op(&p, "table:c.s.t:create");
    assert_eq!(
        sql(create),
        "CREATE TABLE `c`.`s`.`t` (`id` INT NOT NULL COMMENT 'the id', `e mail` STRING MASK `c`.`s`.`mask` USING COLUMNS (`id`)) WITH ROW FILTER `c`.`s`.`rf` ON (`id`)"
    );
    assert_eq!(
        create.depends_on,
        ["function:c.s.mask:create", "function:c.s.rf:create"]
    );
    // The table's tags, column tags and owner follow its create; the owner comes last.
    assert_eq!(
        sql(op(&p, "table:c.s.t:set_tags")),
        "ALTER TABLE `c`.`s`.`t` SET TAGS ('tier' = 'gold')"
    );
    assert_eq!(
        sql(op(&p, "table:c.s.t:set_tags:e mail")),
        "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `e mail` SET TAGS ('pii' = 'true')"
    );
    let owner = op(&p, "table:c.s.t:set_owner");
    assert_eq!(
        owner.depends_on,
        [
            "table:c.s.t:create",
            "table:c.s.t:set_tags",
            "table:c.s.t:set_tags:e mail"
        ]
    );
    assert_eq!(pos(&p, "table:c.s.t:set_owner"), p.operations.len() - 1);
}

#[test]
fn a_table_reference_is_never_created() {
    let mut t = decl(K::Table, "c.s.t");
    t.create = false;
    let d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), t]);
    let s = snapshot(vec![row(K::Catalog, "c"), row(K::Schema, "c.s")]);
    let p = run(&d, &s);
    assert!(p.is_empty());
    assert_eq!(p.not_planned.len(), 1);
    assert_eq!(p.not_planned[0].cause, Cause::Unsupported);
    assert!(p.not_planned[0].reason.contains("create: false"));
}

#[test]
fn infrastructure_is_created_over_rest_without_secrets() {
    let mut cred = decl(K::StorageCredential, "cred");
    cred.details.insert(
        "aws_iam_role.role_arn".into(),
        "arn:aws:iam::1:role/r".into(),
    );
    let mut loc = decl(K::ExternalLocation, "loc");
    loc.details.insert("url".into(), "s3://b/".into());
    loc.details.insert("credential_name".into(), "cred".into());
    loc.details.insert("read_only".into(), "true".into());
    let mut conn = decl(K::Connection, "pg");
    conn.details
        .insert("connection_type".into(), "POSTGRESQL".into());
    conn.details.insert("options.host".into(), "db".into());
    conn.details
        .insert("options.password".into(), "${env:PG_PASSWORD}".into());
    conn.comment = Some("c".into());
    let d = state(vec![cred, loc, conn]);
    let p = run(&d, &snapshot(vec![]));
    assert_eq!(
        rest(op(&p, "storage_credential:cred:create")),
        (
            "POST",
            "/api/2.1/unity-catalog/storage-credentials",
            r#"{"aws_iam_role":{"role_arn":"arn:aws:iam::1:role/r"},"name":"cred"}"#
        )
    );
    let l = op(&p, "external_location:loc:create");
    assert_eq!(
        rest(l).2,
        r#"{"credential_name":"cred","name":"loc","read_only":true,"url":"s3://b/"}"#
    );
    assert_eq!(l.depends_on, ["storage_credential:cred:create"]);
    assert_eq!(
        rest(op(&p, "connection:pg:create")).2,
        r#"{"comment":"c","connection_type":"POSTGRESQL","name":"pg","options":{"host":"db","password":"${env:PG_PASSWORD}"}}"#
    );
    assert!(pos(&p, "storage_credential:cred:create") < pos(&p, "external_location:loc:create"));
}

#[test]
fn owner_and_comment_use_patch_or_sql_and_the_owner_goes_last() {
    let mut c = decl(K::Catalog, "c");
    c.owner = Some("new".into());
    c.comment = Some("new comment".into());
    c.tags.insert("k".into(), "v".into());
    let mut t = decl(K::Table, "c.s.t");
    t.comment = Some("it's new".into());
    let mut conn = decl(K::Connection, "pg");
    conn.owner = Some("grp".into());
    conn.comment = Some("x".into());
    let mut f = decl(K::Function, "c.s.f");
    f.comment = Some("fn".into());
    let d = state(vec![c, decl(K::Schema, "c.s"), t, f, conn]);
    let s = snapshot(vec![
        SecurableRow {
            owner: Some("old".into()),
            comment: Some("old".into()),
            ..row(K::Catalog, "c")
        },
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t"),
        row(K::Function, "c.s.f"),
        SecurableRow {
            owner: Some("someone".into()),
            ..row(K::Connection, "pg")
        },
    ]);
    let p = run(&d, &s);
    let o = op(&p, "catalog:c:set_owner");
    assert_eq!(
        rest(o),
        (
            "PATCH",
            "/api/2.1/unity-catalog/catalogs/c",
            r#"{"owner":"new"}"#
        )
    );
    assert_eq!(o.changes[0].precondition, Value::text("old"));
    assert_eq!(o.changes[0].target, Value::text("new"));
    assert_eq!(
        o.depends_on,
        ["catalog:c:set_comment", "catalog:c:set_tags"]
    );
    assert!(pos(&p, "catalog:c:set_tags") < pos(&p, "catalog:c:set_owner"));
    assert_eq!(
        rest(op(&p, "catalog:c:set_comment")).2,
        r#"{"comment":"new comment"}"#
    );
    assert_eq!(
        sql(op(&p, "table:c.s.t:set_comment")),
        "COMMENT ON TABLE `c`.`s`.`t` IS 'it\\'s new'"
    );
    assert_eq!(
        sql(op(&p, "connection:pg:set_owner")),
        "ALTER CONNECTION `pg` OWNER TO `grp`"
    );
    assert_eq!(
        sql(op(&p, "connection:pg:set_comment")),
        "COMMENT ON CONNECTION `pg` IS 'x'"
    );
    // A function's comment has no write path short of re-creating it.
    assert!(p.not_planned.iter().any(|n| n.full_name == "c.s.f"
        && n.attribute.as_deref() == Some("comment")
        && n.cause == Cause::Unsupported));
}

fn grants_case(mode: GrantMode) -> Plan {
    let mut t = decl(K::Table, "c.s.t");
    t.create = false;
    t.grants = Some(BTreeMap::from([
        (
            "analysts".to_string(),
            BTreeSet::from(["SELECT".to_string()]),
        ),
        (
            "etl".to_string(),
            BTreeSet::from(["MODIFY".to_string(), "SELECT".to_string()]),
        ),
    ]));
    let mut d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), t]);
    d.policy.grant_mode = mode;
    let mut s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t"),
    ]);
    s.grants.push(grant(K::Table, "c.s.t", "etl", "SELECT"));
    s.grants
        .push(grant(K::Table, "c.s.t", "etl", "ALL_PRIVILEGES"));
    s.grants.push(grant(K::Table, "c.s.t", "intern", "SELECT"));
    run(&d, &s)
}

#[test]
fn authoritative_grants_are_one_patch_with_adds_and_revokes() {
    let p = grants_case(GrantMode::Authoritative);
    assert_eq!(p.operations.len(), 1, "{:#?}", p.operations);
    let g = op(&p, "table:c.s.t:update_grants");
    assert_eq!(
        rest(g),
        (
            "PATCH",
            "/api/2.1/unity-catalog/permissions/table/c.s.t",
            r#"{"changes":[{"add":["SELECT"],"principal":"analysts"},{"add":["MODIFY"],"principal":"etl","remove":["ALL_PRIVILEGES"]},{"principal":"intern","remove":["SELECT"]}]}"#
        )
    );
    let intern = g
        .changes
        .iter()
        .find(|c| c.attribute == "grants.intern")
        .unwrap();
    assert_eq!(intern.precondition, Value::set(["SELECT"]));
    assert_eq!(intern.target, Value::Set(vec![]));
    assert_eq!(g.effect(), Effect::Change);
}

#[test]
fn additive_grants_never_revoke() {
    let p = grants_case(GrantMode::Additive);
    let g = op(&p, "table:c.s.t:update_grants");
    assert_eq!(
        rest(g).2,
        r#"{"changes":[{"add":["SELECT"],"principal":"analysts"},{"add":["MODIFY"],"principal":"etl"}]}"#
    );
    let etl = g
        .changes
        .iter()
        .find(|c| c.attribute == "grants.etl")
        .unwrap();
    assert_eq!(
        etl.target,
        Value::set(["ALL_PRIVILEGES", "MODIFY", "SELECT"])
    );
    let additive: Vec<_> = p
        .not_planned
        .iter()
        .filter(|n| n.cause == Cause::Additive)
        .map(|n| n.attribute.clone().unwrap())
        .collect();
    assert_eq!(additive, ["grants.etl", "grants.intern"]);
}

#[test]
fn tags_are_one_set_and_one_unset_per_securable_and_column() {
    let mut t = decl(K::Table, "c.s.t");
    t.create = false;
    t.tags.insert("a".into(), "1".into());
    t.tags.insert("b".into(), "2".into());
    let mut email = col("email", "STRING");
    email.tags.insert("pii".into(), "yes".into());
    t.columns = vec![email];
    let d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), t]);
    let mut s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t"),
    ]);
    s.tags.push(tag(K::Table, "c.s.t", None, "a", "0"));
    s.tags.push(tag(K::Table, "c.s.t", None, "x", "old"));
    s.tags.push(tag(K::Table, "c.s.t", None, "y", "old"));
    s.tags
        .push(tag(K::Table, "c.s.t", Some("email"), "gone", "1"));
    let p = run(&d, &s);
    assert_eq!(
        sql(op(&p, "table:c.s.t:set_tags")),
        "ALTER TABLE `c`.`s`.`t` SET TAGS ('a' = '1', 'b' = '2')"
    );
    let unset = op(&p, "table:c.s.t:unset_tags");
    assert_eq!(sql(unset), "ALTER TABLE `c`.`s`.`t` UNSET TAGS ('x', 'y')");
    assert_eq!(unset.effect(), Effect::Revoke);
    assert_eq!(
        sql(op(&p, "table:c.s.t:set_tags:email")),
        "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `email` SET TAGS ('pii' = 'yes')"
    );
    assert_eq!(
        sql(op(&p, "table:c.s.t:unset_tags:email")),
        "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `email` UNSET TAGS ('gone')"
    );
    let a = &op(&p, "table:c.s.t:set_tags").changes[0];
    assert_eq!(
        (a.attribute.as_str(), &a.precondition, &a.target),
        ("tags.a", &Value::text("0"), &Value::text("1"))
    );
    assert_eq!(p.operations.len(), 4);
}

fn filter_case(declared: Option<&str>, actual: Option<&str>) -> Plan {
    let mut t = decl(K::Table, "c.s.t");
    t.create = false;
    t.row_filter = declared.map(|f| RowFilter {
        function: f.into(),
        columns: vec![PolicyArg::column("region")],
    });
    let mut ssn = col("ssn", "STRING");
    ssn.mask = declared.map(|f| ColumnMask {
        function: f.into(),
        using_columns: vec![],
    });
    t.columns = vec![ssn];
    let d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), t]);
    let mut s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t"),
    ]);
    s.columns.push(ColumnRow {
        table_full_name: "c.s.t".into(),
        name: "ssn".into(),
        type_text: "string".into(),
        nullable: true,
        ..ColumnRow::default()
    });
    if let Some(a) = actual {
        s.row_filters.push(RowFilterRow {
            table_full_name: "c.s.t".into(),
            function_full_name: a.into(),
            input_arguments: vec!["`region`".into()],
        });
        s.column_masks.push(ColumnMaskRow {
            table_full_name: "c.s.t".into(),
            column_name: "ssn".into(),
            function_full_name: a.into(),
            using_arguments: vec![],
        });
    }
    run(&d, &s)
}

#[test]
fn row_filters_and_masks_are_set_replaced_and_dropped() {
    let set = filter_case(Some("c.s.f"), None);
    assert_eq!(
        sql(op(&set, "table:c.s.t:set_row_filter")),
        "ALTER TABLE `c`.`s`.`t` SET ROW FILTER `c`.`s`.`f` ON (`region`)"
    );
    assert_eq!(
        sql(op(&set, "table:c.s.t:set_mask:ssn")),
        "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `ssn` SET MASK `c`.`s`.`f`"
    );
    let replace = filter_case(Some("c.s.f"), Some("c.s.old"));
    let r = op(&replace, "table:c.s.t:set_row_filter");
    assert_eq!(
        r.changes[0].precondition,
        Value::text("c.s.old ON (region)")
    );
    assert_eq!(r.changes[0].target, Value::text("c.s.f ON (region)"));
    assert_eq!(r.effect(), Effect::Change);
    let drop = filter_case(None, Some("c.s.old"));
    assert_eq!(
        sql(op(&drop, "table:c.s.t:drop_row_filter")),
        "ALTER TABLE `c`.`s`.`t` DROP ROW FILTER"
    );
    assert_eq!(
        sql(op(&drop, "table:c.s.t:drop_mask:ssn")),
        "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `ssn` DROP MASK"
    );
    assert_eq!(drop.summary().revoke, 2);
}

#[test]
fn filters_and_masks_wait_for_the_functions_they_call() {
    let mut f = decl(K::Function, "c.s.f");
    f.details.insert("params".into(), "r STRING".into());
    f.details.insert("returns".into(), "BOOLEAN".into());
    f.details.insert("body".into(), "true".into());
    let mut t = decl(K::Table, "c.s.t");
    t.create = false;
    t.row_filter = Some(RowFilter {
        function: "c.s.f".into(),
        columns: vec![PolicyArg::column("r")],
    });
    let d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), t, f]);
    let s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t"),
    ]);
    let p = run(&d, &s);
    assert_eq!(
        op(&p, "table:c.s.t:set_row_filter").depends_on,
        ["function:c.s.f:create"]
    );
    assert!(pos(&p, "function:c.s.f:create") < pos(&p, "table:c.s.t:set_row_filter"));
}

#[test]
fn unknown_ignored_and_undeclared_are_left_alone_with_a_reason() {
    let mut a = decl(K::Table, "c.s.a");
    a.create = false;
    a.owner = Some("o".into());
    let mut b = decl(K::Table, "c.s.b");
    b.create = false;
    b.owner = Some("o".into());
    b.tags.insert("k".into(), "v".into());
    let mut g = decl(K::Table, "c.s.g");
    g.create = false;
    g.grants = Some(BTreeMap::new());
    let d = state(vec![decl(K::Catalog, "c"), decl(K::Schema, "c.s"), a, b, g]);
    let mut s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        SecurableRow {
            owner: Some("x".into()),
            ..row(K::Table, "c.s.a")
        },
        SecurableRow {
            owner: Some("x".into()),
            ..row(K::Table, "c.s.b")
        },
        row(K::Table, "c.s.g"),
        row(K::Table, "c.s.extra"),
    ]);
    s.grants.push(grant(K::Table, "c.s.g", "someone", "SELECT"));
    // The grants of c.s.g could not be read: their drift is unknown.
    s.collection_issues.push(CollectionIssue {
        securable_kind: Some(K::Table),
        full_name: "c.s.g".into(),
        attribute: Some("grants".into()),
        subtree: false,
        error_code: Some("403".into()),
        message: "no".into(),
    });
    // The whole of c.s.a is unknown.
    s.collection_issues.push(CollectionIssue {
        securable_kind: Some(K::Table),
        full_name: "c.s.a".into(),
        attribute: None,
        subtree: false,
        error_code: None,
        message: "gone dark".into(),
    });
    let opts = PlanOptions {
        ignore: IgnoreRules {
            rules: vec![crate::drift::IgnoreRule::parse("table:c.s.b#owner").unwrap()],
        },
        ..PlanOptions::default()
    };
    let p = run_with(&d, &s, &opts);
    assert_eq!(ids(&p), ["table:c.s.b:set_tags"]);
    let np: Vec<(String, Option<String>, Cause)> = p
        .not_planned
        .iter()
        .map(|n| (n.full_name.clone(), n.attribute.clone(), n.cause))
        .collect();
    assert_eq!(
        np,
        [
            ("c.s.a".to_string(), None, Cause::Unknown),
            (
                "c.s.b".to_string(),
                Some("owner".to_string()),
                Cause::Ignored
            ),
            ("c.s.extra".to_string(), None, Cause::Undeclared),
            (
                "c.s.g".to_string(),
                Some("grants".to_string()),
                Cause::Unknown
            ),
        ]
    );
    assert_eq!(p.summary().unknown, 2);
    assert!(p.not_planned[1].reason.contains("table:c.s.b#owner"));
}

#[test]
fn ids_are_stable_and_the_order_does_not_depend_on_declaration_order() {
    let mut t1 = decl(K::Table, "c.s.t1");
    t1.create = false;
    t1.owner = Some("o".into());
    let mut t2 = decl(K::Table, "c.s.t2");
    t2.create = false;
    t2.owner = Some("o".into());
    let s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.t1"),
        row(K::Table, "c.s.t2"),
    ]);
    let a = run(
        &state(vec![
            decl(K::Catalog, "c"),
            decl(K::Schema, "c.s"),
            t1.clone(),
            t2.clone(),
        ]),
        &s,
    );
    let b = run(
        &state(vec![t2, t1, decl(K::Schema, "c.s"), decl(K::Catalog, "c")]),
        &s,
    );
    assert_eq!(a, b);
    assert_eq!(
        ids(&a),
        ["table:c.s.t1:set_owner", "table:c.s.t2:set_owner"]
    );
    assert_eq!(OpKind::parse("set_owner"), Some(OpKind::SetOwner));
}

#[test]
fn the_plan_file_round_trips_and_refuses_damage() {
    let p = grants_case(GrantMode::Authoritative);
    let bytes = file::encode(&p).unwrap();
    assert_eq!(file::decode(&bytes).unwrap(), p);
    assert!(matches!(
        file::decode(&bytes[..bytes.len() - 1]),
        Err(FileError::Truncated { .. })
    ));
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    assert!(matches!(file::decode(&bad), Err(FileError::Digest)));
    let mut future = bytes.clone();
    future[8] = 9;
    assert!(matches!(file::decode(&future), Err(FileError::Version(9))));
    assert!(matches!(file::decode(b"hello"), Err(FileError::NotAPlan)));
    for f in [Format::Text, Format::Json, Format::Markdown] {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        render::render(&p, f, &mut x).unwrap();
        render::render(&file::decode(&bytes).unwrap(), f, &mut y).unwrap();
        assert_eq!(x, y);
    }
}

fn rule(id: &str, kinds: &[K], check: RuleCheck) -> PolicyRule {
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

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A tree and a snapshot where policy rules have fixes, conflicts with the tree, and
/// violations with no fix.
fn rules_case() -> (DeclaredState, Snapshot) {
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
    let mut d = state(vec![decl(K::Catalog, "c"), schema, t]);
    d.policy.rules = vec![
        rule(
            "col-class",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "class".into(),
                allowed: Some(strings(&["internal"])),
                default: None,
                on_columns: true,
            },
        ),
        rule(
            "env",
            &[K::Schema],
            RuleCheck::RequiredTag {
                key: "env".into(),
                allowed: Some(strings(&["dev"])),
                default: None,
                on_columns: false,
            },
        ),
        rule(
            "no-modify",
            &[],
            RuleCheck::ForbiddenGrant {
                principals: strings(&["account users"]),
                privileges: strings(&["MODIFY", "ALL_PRIVILEGES"]),
                users: false,
            },
        ),
        rule(
            "owner-team",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "owner_team".into(),
                allowed: None,
                default: None,
                on_columns: false,
            },
        ),
        rule(
            "pii-masked",
            &[K::Table],
            RuleCheck::Protection {
                column_tags: BTreeMap::from([("pii".to_string(), Some("true".to_string()))]),
                require_mask: true,
                require_row_filter: false,
                allowed_tables: Vec::new(),
            },
        ),
        rule(
            "tier",
            &[K::Table],
            RuleCheck::RequiredTag {
                key: "tier".into(),
                allowed: Some(strings(&["bronze", "gold"])),
                default: Some("bronze".into()),
                on_columns: false,
            },
        ),
    ];
    let mut s = snapshot(vec![
        row(K::Catalog, "c"),
        row(K::Schema, "c.s"),
        row(K::Table, "c.s.decl"),
        row(K::Table, "c.s.und"),
    ]);
    s.tags.push(tag(K::Schema, "c.s", None, "x", "0"));
    s.tags
        .push(tag(K::Table, "c.s.decl", None, "tier", "platinum"));
    s.tags
        .push(tag(K::Table, "c.s.decl", None, "owner_team", "t1"));
    s.tags
        .push(tag(K::Table, "c.s.und", None, "tier", "platinum"));
    s.tags
        .push(tag(K::Table, "c.s.und", Some("email"), "pii", "true"));
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
            s.grants.push(grant(K::Table, "c.s.und", p, x));
        }
    }
    for x in ["MODIFY", "SELECT"] {
        s.grants
            .push(grant(K::Table, "c.s.decl", "account users", x));
    }
    (d, s)
}

#[test]
fn rule_fixes_are_planned_marked_with_their_rule_and_the_rest_left_for_a_person() {
    let (d, s) = rules_case();
    let p = run(&d, &s);
    let from = |id: &str, attr: &str| -> Vec<String> {
        op(&p, id)
            .changes
            .iter()
            .find(|c| c.attribute == attr)
            .unwrap_or_else(|| panic!("{attr} not in {id}"))
            .from_rules
            .clone()
    };

    // A forbidden grant: exactly the matching privileges are revoked, the others kept; a
    // principal the rule does not name is left alone.
    let g = op(&p, "table:c.s.und:update_grants");
    assert_eq!(g.changes.len(), 1);
    assert_eq!(
        (&g.changes[0].precondition, &g.changes[0].target),
        (
            &Value::Set(strings(&["ALL_PRIVILEGES", "MODIFY", "SELECT"])),
            &Value::Set(strings(&["SELECT"]))
        )
    );
    assert_eq!(
        from("table:c.s.und:update_grants", "grants.account users"),
        ["no-modify"]
    );
    assert_eq!(
        rest(g),
        (
            "PATCH",
            "/api/2.1/unity-catalog/permissions/table/c.s.und",
            r#"{"changes":[{"principal":"account users","remove":["ALL_PRIVILEGES","MODIFY"]}]}"#
        )
    );
    assert_eq!(g.effect(), Effect::Revoke);

    // A required tag's default replaces a value it does not allow, on an undeclared table.
    let t = op(&p, "table:c.s.und:set_tags");
    assert_eq!(
        sql(t),
        "ALTER TABLE `c`.`s`.`und` SET TAGS ('tier' = 'bronze')"
    );
    assert_eq!(t.changes[0].precondition, Value::text("platinum"));
    assert_eq!(from("table:c.s.und:set_tags", "tags.tier"), ["tier"]);

    // A single allowed value, on every column.
    for c in ["email", "id"] {
        let id = format!("table:c.s.und:set_tags:{c}");
        assert_eq!(
            sql(op(&p, &id)),
            format!("ALTER TABLE `c`.`s`.`und` ALTER COLUMN `{c}` SET TAGS ('class' = 'internal')")
        );
        assert_eq!(from(&id, &format!("columns.{c}.tags.class")), ["col-class"]);
    }

    // A rule's fix joins the tree's change on the same securable: one SET TAGS.
    let st = op(&p, "schema:c.s:set_tags");
    assert_eq!(
        sql(st),
        "ALTER SCHEMA `c`.`s` SET TAGS ('env' = 'dev', 'x' = '1')"
    );
    assert_eq!(from("schema:c.s:set_tags", "tags.env"), ["env"]);
    assert!(from("schema:c.s:set_tags", "tags.x").is_empty());

    // The tree wins: it declares MODIFY for account users and tier = platinum on `decl`;
    // its own change (revoking SELECT) carries no rule.
    let dg = op(&p, "table:c.s.decl:update_grants");
    assert_eq!(dg.changes[0].target, Value::Set(strings(&["MODIFY"])));
    assert!(dg.changes[0].from_rules.is_empty());
    assert!(!ids(&p).contains(&"table:c.s.decl:set_tags"));

    let left: Vec<(&str, &str, &str, LeftCause)> = p
        .left_for_person
        .iter()
        .map(|l| {
            (
                l.rule_id.as_str(),
                l.full_name.as_str(),
                l.field.as_str(),
                l.cause,
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            (
                "no-modify",
                "c.s.decl",
                "grants.account users",
                LeftCause::Conflict
            ),
            ("owner-team", "c.s.und", "tags.owner_team", LeftCause::NoFix),
            (
                "pii-masked",
                "c.s.und",
                "columns.email.mask",
                LeftCause::NoFix
            ),
            ("tier", "c.s.decl", "tags.tier", LeftCause::Conflict),
        ]
    );
    assert!(
        p.left_for_person[0].reason.contains("the tree wins"),
        "{:?}",
        p.left_for_person[0]
    );
    assert!(p.left_for_person[2].reason.contains("mask"));

    // No attribute is touched by two operations.
    let mut seen = BTreeSet::new();
    for o in &p.operations {
        for c in &o.changes {
            assert!(
                seen.insert((o.full_name.clone(), c.attribute.clone())),
                "{} twice",
                c.attribute
            );
        }
    }
    let sum = p.summary();
    assert_eq!((sum.from_rules, sum.left_for_person), (5, 4));
    assert!(render_text(&p).ends_with(
        "Plan: 0 to create, 4 to change, 2 to revoke; 0 unknown not planned; 5 carrying rule fixes; 4 rule violations left for a person\n"
    ), "{}", render_text(&p));

    // The plan file keeps all of it; rendering a read-back plan prints the same bytes.
    let bytes = file::encode(&p).unwrap();
    let back = file::decode(&bytes).unwrap();
    assert_eq!(back, p);
    for f in [Format::Text, Format::Json, Format::Markdown] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        render::render(&p, f, &mut a).unwrap();
        render::render(&back, f, &mut b).unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(
        file::encode(&back).unwrap(),
        bytes,
        "the digest is deterministic"
    );
}

#[test]
fn an_undeclared_securables_rule_fix_follows_ignore_rules() {
    let (d, s) = rules_case();
    let opts = PlanOptions {
        ignore: IgnoreRules::from_specs(&[], &["table:c.s.und".to_string()]).unwrap(),
        ..PlanOptions::default()
    };
    let p = run_with(&d, &s, &opts);
    assert!(
        p.operations.iter().all(|o| o.full_name != "c.s.und"),
        "{:?}",
        ids(&p)
    );
    assert!(p.left_for_person.iter().all(|l| l.full_name != "c.s.und"));
}

fn render_text(p: &Plan) -> String {
    let mut out = Vec::new();
    render::render(p, Format::Text, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}
