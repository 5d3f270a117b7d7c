//! Collection end to end against `ucsim` on loopback: a seeded workspace collected in rest
//! and bulk modes equals the seed attribute by attribute and each other; faults and a rate
//! limit do not change the snapshot; a 403 on one schema becomes a collection issue; odd
//! names round trip; the token never appears in any output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use brickkit::model::SecurableKind;
use brickkit::state::{Snapshot, store};
use serde_json::{Value, json};

const TOKEN: &str = "dapi-sekret-0123456789";

fn seed() -> Value {
    serde_json::from_str(
        r##"{
        "format_version": 1,
        "storage_credentials": [{"name": "cred-1", "aws_iam_role": {"role_arn": "arn:aws:iam::1:role/r"},
            "grants": {"Data Eng Team": ["CREATE_EXTERNAL_LOCATION"]}}],
        "external_locations": [{"name": "loc_é", "url": "s3://b/p", "credential_name": "cred-1",
            "comment": "landing \"zone\"", "grants": {"o'neil@x.com": ["READ_FILES"]}}],
        "connections": [{"name": "pg", "connection_type": "POSTGRESQL",
            "options": {"host": "db.example", "port": "5432", "password": "hunter2"}}],
        "catalogs": [
            {
                "name": "main", "owner": "data-eng", "comment": "it's the `main` one",
                "properties": {"team": "x"},
                "tags": {"env": "prod", "key only": null, "cost.center": "it's \"q\""},
                "grants": {"analysts": ["USE_CATALOG", "BROWSE"], "Data Eng Team": ["USE_CATALOG"]},
                "schemas": [
                    {
                        "name": "sales", "owner": "sales team", "tags": {"tier": "gold"},
                        "grants": {"analysts": ["USE_SCHEMA", "SELECT"]},
                        "functions": [
                            {"name": "mask_email", "data_type": "STRING", "routine_body": "SQL",
                             "routine_definition": "CASE WHEN is_account_group_member('admins') THEN email ELSE '***' END",
                             "input_params": {"parameters": [{"name": "email", "type_text": "string", "type_name": "STRING", "position": 0}]},
                             "grants": {"account users": ["EXECUTE"]}},
                            {"name": "region_filter", "data_type": "BOOLEAN", "routine_body": "SQL",
                             "routine_definition": "region = 'EU'",
                             "input_params": {"parameters": [{"name": "region", "type_text": "string", "type_name": "STRING", "position": 0}]}}
                        ],
                        "tables": [
                            {
                                "name": "orders", "table_type": "MANAGED", "data_source_format": "DELTA",
                                "owner": "data-eng", "comment": "one row per order",
                                "properties": {"delta.appendOnly": "true"},
                                "row_filter": {"function_name": "main.sales.region_filter", "input_column_names": ["region"]},
                                "columns": [
                                    {"name": "id", "type_text": "bigint", "nullable": false},
                                    {"name": "email", "type_text": "string", "comment": "PII, it's \"sensitive\"",
                                     "mask": {"function_name": "main.sales.mask_email", "using_column_names": []},
                                     "tags": {"pii": "email", "class.level": "a`b"}},
                                    {"name": "region", "type_text": "string"},
                                    {"name": "first name", "type_text": "string", "tags": {"pii": "name"}},
                                    {"name": "a.b`c'd", "type_text": "decimal(18,2)"}
                                ],
                                "tags": {"tier": "gold"},
                                "grants": {"bob@example.com": ["SELECT"], "analysts": ["SELECT", "MODIFY"]}
                            },
                            {"name": "we`ird", "table_type": "MANAGED", "data_source_format": "DELTA",
                             "columns": [{"name": "x", "type_text": "int"}],
                             "tags": {"q'uote": "v\"al"}, "grants": {"o'neil@x.com": ["SELECT"]}},
                            {"name": "sales-eu", "table_type": "EXTERNAL", "data_source_format": "PARQUET",
                             "storage_location": "s3://b/p/eu",
                             "columns": [{"name": "Ünïcode", "type_text": "string"}]}
                        ],
                        "volumes": [{"name": "raw", "volume_type": "MANAGED", "tags": {"k": "v"},
                                     "grants": {"analysts": ["READ_VOLUME"]}}]
                    },
                    {"name": "données", "comment": "non-ascii schema",
                     "tables": [{"name": "o'brien", "table_type": "MANAGED", "data_source_format": "DELTA",
                                 "columns": [{"name": "c", "type_text": "string"}],
                                 "tags": {"x": ""}}]}
                ]
            },
            {"name": "we`ird-cat", "schemas": [{"name": "s", "tables": [
                {"name": "t", "table_type": "MANAGED", "data_source_format": "DELTA",
                 "columns": [{"name": "c", "type_text": "string", "tags": {"k": "v"}}],
                 "grants": {"analysts": ["SELECT"]}}]}]}
        ]
    }"##,
    )
    .unwrap()
}

fn start(faults: Value, page_size: usize) -> ucsim::Handle {
    ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(seed()),
        page_size,
        faults: serde_json::from_value(faults).unwrap(),
        ..ucsim::Config::default()
    })
    .unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    path: Option<PathBuf>,
}

fn brickkit(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brickkit"));
    cmd.args(args);
    for v in [
        "DATABRICKS_HOST",
        "DATABRICKS_TOKEN",
        "DATABRICKS_CONFIG_PROFILE",
        "DATABRICKS_WAREHOUSE_ID",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_CLIENT_SECRET",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let path = stdout.lines().last().map(PathBuf::from);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        path,
    }
}

fn collect(h: &ucsim::Handle, out: &Path, extra: &[&str]) -> (Run, Snapshot) {
    let mut args = vec![
        "snapshot",
        "collect",
        "--host",
        &h.base_url,
        "--token",
        TOKEN,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = brickkit(&args, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = store::read(run.path.as_ref().unwrap()).unwrap();
    (run, snap)
}

/// The content of a snapshot without its manifest and server timestamps.
fn content(s: &Snapshot) -> Snapshot {
    let mut c = s.clone();
    c.manifest = Default::default();
    for r in &mut c.securables {
        r.created_at = None;
        r.updated_at = None;
    }
    c
}

fn set<T: Ord>(v: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    v.into_iter().collect()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

/// Every attribute of the seed, checked against the snapshot.
fn assert_matches_seed(snap: &Snapshot) {
    use SecurableKind::*;
    assert!(
        snap.collection_issues.is_empty(),
        "{:?}",
        snap.collection_issues
    );
    let seed = seed();
    let mut kinds = BTreeSet::new();
    let mut grants = BTreeSet::new();
    let mut tags = BTreeSet::new();
    let mut columns = BTreeSet::new();
    let mut masks = BTreeSet::new();
    let mut filters = BTreeSet::new();
    let mut col_tags = BTreeSet::new();
    let find = |kind, name: &str| {
        snap.securables
            .iter()
            .find(|r| r.kind == Some(kind) && r.full_name == name)
            .unwrap_or_else(|| panic!("{kind} {name} not collected"))
    };
    let mut obj = |kind: SecurableKind, name: String, o: &Value| {
        kinds.insert((kind, name.clone()));
        let r = find(kind, &name);
        if let Some(owner) = o.get("owner") {
            assert_eq!(r.owner.as_deref(), owner.as_str(), "{name} owner");
        } else {
            assert!(r.owner.is_some(), "{name} owner");
        }
        assert_eq!(
            r.comment.as_deref(),
            o.get("comment").and_then(Value::as_str),
            "{name}"
        );
        if let Some(p) = o.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                assert_eq!(r.properties.get(k), Some(&s(v)), "{name} property {k}");
            }
        }
        for (p, privs) in o
            .get("grants")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for pr in privs.as_array().unwrap() {
                grants.insert((kind, name.clone(), p.clone(), s(pr)));
            }
        }
        for (k, v) in o
            .get("tags")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            tags.insert((
                kind,
                name.clone(),
                None,
                k.clone(),
                v.as_str().unwrap_or("").to_string(),
            ));
        }
    };
    for c in seed["storage_credentials"].as_array().unwrap() {
        obj(StorageCredential, s(&c["name"]), c);
    }
    for c in seed["external_locations"].as_array().unwrap() {
        obj(ExternalLocation, s(&c["name"]), c);
        assert_eq!(
            find(ExternalLocation, &s(&c["name"])).location.as_deref(),
            Some("s3://b/p")
        );
    }
    for c in seed["connections"].as_array().unwrap() {
        obj(Connection, s(&c["name"]), c);
        let r = find(Connection, &s(&c["name"]));
        assert_eq!(
            r.details.get("options.host").map(String::as_str),
            Some("db.example")
        );
        assert!(!r.details.contains_key("options.password"));
    }
    for c in seed["catalogs"].as_array().unwrap() {
        let cn = s(&c["name"]);
        obj(Catalog, cn.clone(), c);
        for sc in c["schemas"].as_array().unwrap() {
            let sn = format!("{cn}.{}", s(&sc["name"]));
            obj(Schema, sn.clone(), sc);
            for f in sc
                .get("functions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let fname = format!("{sn}.{}", s(&f["name"]));
                obj(Function, fname.clone(), f);
                let r = find(Function, &fname);
                assert_eq!(
                    r.details.get("routine_definition"),
                    Some(&s(&f["routine_definition"]))
                );
                assert_eq!(r.details.get("data_type"), Some(&s(&f["data_type"])));
            }
            for v in sc
                .get("volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                obj(Volume, format!("{sn}.{}", s(&v["name"])), v);
            }
            for t in sc
                .get("tables")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let tn = format!("{sn}.{}", s(&t["name"]));
                obj(Table, tn.clone(), t);
                let r = find(Table, &tn);
                assert_eq!(r.securable_type.as_deref(), t["table_type"].as_str());
                assert_eq!(r.format.as_deref(), t["data_source_format"].as_str());
                if let Some(f) = t.get("row_filter") {
                    filters.insert((
                        tn.clone(),
                        s(&f["function_name"]),
                        f["input_column_names"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(s)
                            .collect::<Vec<_>>(),
                    ));
                }
                for (i, col) in t["columns"].as_array().unwrap().iter().enumerate() {
                    let name = s(&col["name"]);
                    columns.insert((
                        tn.clone(),
                        name.clone(),
                        i32::try_from(i).unwrap(),
                        s(&col["type_text"]),
                        col.get("nullable").and_then(Value::as_bool).unwrap_or(true),
                        col.get("comment")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ));
                    if let Some(m) = col.get("mask") {
                        masks.insert((tn.clone(), name.clone(), s(&m["function_name"])));
                    }
                    for (k, v) in col
                        .get("tags")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        col_tags.insert((Table, tn.clone(), Some(name.clone()), k.clone(), s(v)));
                    }
                }
            }
        }
    }
    tags.extend(col_tags);
    let got_kinds = set(snap
        .securables
        .iter()
        .map(|r| (r.kind.unwrap(), r.full_name.clone())));
    assert_eq!(got_kinds, kinds);
    let got_grants = set(snap.grants.iter().map(|g| {
        (
            g.securable_kind.unwrap(),
            g.securable_full_name.clone(),
            g.principal.clone(),
            g.privilege.clone(),
        )
    }));
    assert_eq!(got_grants, grants);
    let got_tags = set(snap.tags.iter().map(|t| {
        (
            t.securable_kind.unwrap(),
            t.securable_full_name.clone(),
            t.column_name.clone(),
            t.key.clone(),
            t.value.clone(),
        )
    }));
    assert_eq!(got_tags, tags);
    let got_columns = set(snap.columns.iter().map(|c| {
        (
            c.table_full_name.clone(),
            c.name.clone(),
            c.position,
            c.type_text.clone(),
            c.nullable,
            c.comment.clone(),
        )
    }));
    assert_eq!(got_columns, columns);
    let got_masks = set(snap.column_masks.iter().map(|m| {
        (
            m.table_full_name.clone(),
            m.column_name.clone(),
            m.function_full_name.clone(),
        )
    }));
    assert_eq!(got_masks, masks);
    let got_filters = set(snap.row_filters.iter().map(|f| {
        (
            f.table_full_name.clone(),
            f.function_full_name.clone(),
            f.input_columns.clone(),
        )
    }));
    assert_eq!(got_filters, filters);
}

#[test]
fn rest_and_bulk_collect_the_seed_exactly() {
    let h = start(json!({}), 2);
    let dir = tempfile::tempdir().unwrap();
    let (_, rest) = collect(&h, dir.path(), &["--mode", "rest"]);
    assert_eq!(rest.manifest.collector_mode, "rest");
    assert_matches_seed(&rest);
    let (_, bulk) = collect(
        &h,
        dir.path(),
        &[
            "--mode",
            "bulk",
            "--warehouse-id",
            "W",
            "--format",
            "sqlite",
        ],
    );
    assert_eq!(bulk.manifest.collector_mode, "bulk");
    assert_matches_seed(&bulk);
    assert_eq!(content(&rest), content(&bulk));
}

#[test]
fn faults_and_rate_limit_give_the_same_snapshot() {
    let clean = start(json!({}), 3);
    let dir = tempfile::tempdir().unwrap();
    let (_, want) = collect(&clean, dir.path(), &[]);
    let faulty = start(json!({"fault_rate": 0.2, "rate_limit": 50.0}), 3);
    let (_, got) = collect(&faulty, dir.path(), &["--jobs", "8", "--max-rps", "200"]);
    assert_eq!(content(&got), content(&want));
    let (_, got) = collect(
        &faulty,
        dir.path(),
        &["--mode", "bulk", "--warehouse-id", "W"],
    );
    assert_eq!(content(&got), content(&want));
}

#[test]
fn a_forbidden_schema_is_a_collection_issue_and_the_rest_completes() {
    let h = start(
        json!({"rules": [{"method": "READ", "under": "main.sales", "status": 403}]}),
        100,
    );
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = collect(&h, dir.path(), &[]);
    assert!(run.stderr.contains("main.sales"), "{}", run.stderr);
    let issue = snap
        .collection_issues
        .iter()
        .find(|i| i.full_name == "main.sales" && i.subtree)
        .expect("a subtree issue on main.sales");
    assert_eq!(issue.error_code.as_deref(), Some("403"));
    assert!(
        !snap
            .securables
            .iter()
            .any(|r| r.full_name.starts_with("main.sales."))
    );
    assert!(
        snap.securables
            .iter()
            .any(|r| r.full_name == "main.données.o'brien")
    );
    assert!(
        snap.securables
            .iter()
            .any(|r| r.full_name == "we`ird-cat.s.t")
    );
}

#[test]
fn bad_token_or_host_exits_2_and_the_token_never_leaks() {
    let h = start(json!({"fault_rate": 0.1}), 2);
    let dir = tempfile::tempdir().unwrap();
    let run = brickkit(
        &[
            "snapshot",
            "collect",
            "--host",
            &h.base_url,
            "--token",
            "wrong-token-42",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("wrong-token-42"));
    let run = brickkit(
        &[
            "snapshot",
            "collect",
            "--host",
            "http://127.0.0.1:9",
            "--token",
            TOKEN,
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains(TOKEN));
    // Token from the environment, verbose and traced: no output and no snapshot byte has it.
    let run = brickkit(
        &[
            "snapshot",
            "collect",
            "-vv",
            "--mode",
            "bulk",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[
            ("DATABRICKS_HOST", &h.base_url),
            ("DATABRICKS_TOKEN", TOKEN),
            ("DATABRICKS_WAREHOUSE_ID", "W"),
            ("RUST_LOG", "trace"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "{} contains the token",
            entry.display()
        );
    }
    let show = brickkit(
        &["snapshot", "show", run.path.unwrap().to_str().unwrap()],
        &[],
    );
    assert_eq!(show.code, 0);
    assert!(show.stdout.contains("collector mode  bulk"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn live_drift_detect_reports_a_forbidden_schemas_tables_as_unknown() {
    let h = start(
        json!({"rules": [{"method": "READ", "under": "main.sales", "status": 403}]}),
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
        "catalogs:\n  - name: main\n    schemas:\n      - name: sales\n        tables:\n          - name: orders\n      - name: absent\n",
    )
    .unwrap();
    let snaps = dir.path().join("snaps");
    let run = brickkit(
        &[
            "drift",
            "detect",
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--snapshots-dir",
            snaps.to_str().unwrap(),
        ],
        &[],
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let names = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource_name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let unknown = names("unknown");
    assert!(
        unknown
            .iter()
            .any(|n| n == "main.sales.orders" || n == "main.sales"),
        "{unknown:?}"
    );
    let missing = names("missing");
    assert!(
        !missing.iter().any(|n| n.starts_with("main.sales")),
        "{missing:?}"
    );
    assert!(missing.iter().any(|n| n == "main.absent"), "{missing:?}");
    // The live snapshot was kept.
    assert_eq!(std::fs::read_dir(&snaps).unwrap().count(), 1);
}

#[test]
fn import_round_trips_to_a_compliant_tree() {
    let h = start(json!({}), 100);
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = collect(&h, &dir.path().join("snaps"), &[]);
    let snap_path = run.path.unwrap();
    let imported = brickkit(&["import", "--snapshot", snap_path.to_str().unwrap()], &[]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(tree.join("imported.yaml"), &imported.stdout).unwrap();
    let v = brickkit(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{}", v.stdout, v.stderr, imported.stdout);
    let d = brickkit(
        &[
            "drift",
            "detect",
            tree.to_str().unwrap(),
            "--snapshot",
            snap_path.to_str().unwrap(),
            "--format",
            "json",
            "--unmanaged",
            "all",
            "--no-history",
        ],
        &[],
    );
    assert_eq!(d.code, 0, "{}{}\n{}", d.stdout, d.stderr, imported.stdout);
    let r: Value = serde_json::from_str(&d.stdout).unwrap();
    for key in ["drifted", "missing", "unmanaged", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    assert_eq!(
        r["compliant"].as_array().unwrap().len(),
        store::read(&snap_path).unwrap().securables.len()
    );
    // Nothing left to import once the tree declares everything.
    let again = brickkit(
        &[
            "import",
            "--snapshot",
            snap_path.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

/// Remove the list items `- name: "<name>"` (with everything indented under them) from
/// generated YAML, then list keys left without items. Fails when a name is not found.
fn drop_items(yaml: &str, names: &[&str]) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines: Vec<&str> = yaml.lines().collect();
    for name in names {
        let item = format!("- name: {}", serde_json::to_string(name).unwrap());
        let start = lines
            .iter()
            .position(|l| l.trim_start() == item)
            .unwrap_or_else(|| panic!("no item {item} in\n{yaml}"));
        let ind = indent(lines[start]);
        let mut end = start + 1;
        while end < lines.len() && indent(lines[end]) > ind {
            end += 1;
        }
        lines.drain(start..end);
    }
    let mut out: Vec<&str> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let empty_list = l.trim_end().ends_with(':')
            && lines
                .get(i + 1)
                .is_none_or(|n| indent(n) < indent(l) || !n.trim_start().starts_with("- "));
        if !empty_list {
            out.push(l);
        }
    }
    out.join("\n") + "\n"
}

/// What the partial tree leaves undeclared, inside schemas it declares.
const UNDECLARED: [(&str, &str, &str); 7] = [
    ("function", "main.sales.mask_email", "mask_email"),
    ("function", "main.sales.region_filter", "region_filter"),
    ("table", "main.sales.orders", "orders"),
    ("table", "main.sales.we`ird", "we`ird"),
    ("table", "main.données.o'brien", "o'brien"),
    ("table", "we`ird-cat.s.t", "t"),
    ("volume", "main.sales.raw", "raw"),
];

/// A collected snapshot and a tree declaring every catalog and schema of it but only some
/// of the tables (`main.sales.sales-eu`): the rest of [`UNDECLARED`] is left out.
fn partial_tree(dir: &Path) -> (PathBuf, PathBuf) {
    let h = start(json!({}), 100);
    let (run, _) = collect(&h, &dir.join("snaps"), &[]);
    let snap_path = run.path.unwrap();
    let full = brickkit(&["import", "--snapshot", snap_path.to_str().unwrap()], &[]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let names: Vec<&str> = UNDECLARED.iter().map(|u| u.2).collect();
    let partial = drop_items(&full.stdout, &names);
    assert!(partial.contains("- name: \"sales-eu\""), "{partial}");
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(tree.join("declared.yaml"), &partial).unwrap();
    let v = brickkit(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{partial}", v.stdout, v.stderr);
    (tree, snap_path)
}

fn drift_json(tree: &Path, snap: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec![
        "drift",
        "detect",
        tree.to_str().unwrap(),
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
        "--no-history",
    ];
    args.extend_from_slice(extra);
    let d = brickkit(&args, &[]);
    assert_ne!(d.code, 2, "{}{}", d.stdout, d.stderr);
    let r: Value = serde_json::from_str(&d.stdout).unwrap();
    (d, r)
}

#[test]
fn drift_reports_undeclared_children_of_declared_schemas_as_unmanaged() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, snap) = partial_tree(dir.path());
    let (_, r) = drift_json(&tree, &snap, &[]);
    let unmanaged: BTreeSet<(String, String)> = r["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (s(&u["resource_type"]), s(&u["resource_name"])))
        .collect();
    let expected = set(UNDECLARED
        .iter()
        .map(|u| (u.0.to_string(), u.1.to_string())));
    assert_eq!(unmanaged, expected, "{r:#}");
    for key in ["drifted", "missing", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
}

#[test]
fn import_adopts_undeclared_children_of_declared_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, snap) = partial_tree(dir.path());
    let imported = brickkit(
        &[
            "import",
            "--snapshot",
            snap.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let out = &imported.stdout;
    // Only top-level additions to declared schemas, each naming its catalog and schema.
    let top: Vec<&str> = out.lines().filter(|l| !l.starts_with([' ', '#'])).collect();
    assert_eq!(top, ["functions:", "tables:", "volumes:"], "{out}");
    for (_, full, name) in UNDECLARED {
        let (catalog, rest) = full.split_once('.').unwrap();
        let schema = rest.split_once('.').unwrap().0;
        let entry = format!(
            "  - name: {}\n    catalog: {}\n    schema: {}\n",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(catalog).unwrap(),
            serde_json::to_string(schema).unwrap(),
        );
        assert!(out.contains(&entry), "{entry}\nnot in\n{out}");
    }
    // The current state comes along: tags, grants, filter, mask, column tags.
    for want in [
        "row_filter: {function: \"main.sales.region_filter\", columns: [\"region\"]}",
        "mask: {function: \"main.sales.mask_email\"}",
        "\"class.level\": \"a`b\"",
        "{principal: \"o'neil@x.com\", privileges: [\"SELECT\"]}",
        "tags: {\"q'uote\": \"v\\\"al\"}",
        "{principal: \"account users\", privileges: [\"EXECUTE\"]}",
    ] {
        assert!(out.contains(want), "{want}\nnot in\n{out}");
    }
    std::fs::write(tree.join("adopted.yaml"), out).unwrap();
    let v = brickkit(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{out}", v.stdout, v.stderr);
    let (d, r) = drift_json(&tree, &snap, &["--unmanaged", "all"]);
    assert_eq!(d.code, 0, "{}{}\n{out}", d.stdout, d.stderr);
    for key in ["drifted", "missing", "unmanaged", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    let compliant: BTreeSet<String> = r["compliant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["resource_name"]))
        .collect();
    for (_, full, _) in UNDECLARED {
        assert!(compliant.contains(full), "{full} not compliant: {r:#}");
    }
    assert_eq!(
        r["compliant"].as_array().unwrap().len(),
        store::read(&snap).unwrap().securables.len()
    );
    // Nothing left to add.
    let again = brickkit(
        &[
            "import",
            "--snapshot",
            snap.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

/// Copy a directory tree (the example governance tree into a temporary one).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn import_names_resolve_back_through_the_trees_naming_suffixes() {
    // The example tree suffixes catalogs with `_{env}`: the snapshot's `finance_dev` must
    // be imported as `finance`, or the tree would declare `finance_dev_dev`.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    copy_dir(&repo.join("examples/governance"), &tree);
    std::fs::remove_file(tree.join("catalogs/finance.yaml")).unwrap();
    let snap = repo.join("snapshots/example");
    let args = [
        "import",
        "--snapshot",
        snap.to_str().unwrap(),
        "--unmanaged-in",
        tree.to_str().unwrap(),
        "--env",
        "dev",
    ];
    let imported = brickkit(&args, &[]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported
            .stdout
            .contains("catalogs:\n  - name: \"finance\"\n"),
        "{}",
        imported.stdout
    );
    std::fs::write(tree.join("imported.yaml"), &imported.stdout).unwrap();
    let v = brickkit(&["validate", tree.to_str().unwrap(), "--env", "dev"], &[]);
    assert_ne!(v.code, 2, "{}{}\n{}", v.stdout, v.stderr, imported.stdout);
    let (_, r) = drift_json(&tree, &snap, &["--env", "dev", "--unmanaged", "all"]);
    for key in ["missing", "unmanaged"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    let again = brickkit(&args, &[]);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

#[test]
fn empty_pages_are_followed_and_other_4xx_are_not_retried() {
    let clean = start(json!({}), 2);
    let dir = tempfile::tempdir().unwrap();
    let (_, want) = collect(&clean, dir.path(), &[]);
    let h = start(json!({"empty_pages": true}), 2);
    let (_, got) = collect(&h, dir.path(), &[]);
    assert_eq!(content(&got), content(&want));

    let path = "/api/2.1/unity-catalog/permissions/catalog/main";
    let h = start(json!({"rules": [{"path": path, "status": 400}]}), 100);
    let (_, snap) = collect(&h, dir.path(), &[]);
    let issue = snap
        .collection_issues
        .iter()
        .find(|i| i.full_name == "main" && i.attribute.as_deref() == Some("grants"))
        .expect("a grants issue on main");
    assert_eq!(issue.error_code.as_deref(), Some("400"));
    assert!(!issue.subtree);
    let log: Value = ureq_get(&format!("{}/ucsim/requests", h.base_url));
    let hits = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["decoded_path"] == path)
        .count();
    assert_eq!(hits, 1, "a 400 is never retried");
}

fn ureq_get(url: &str) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::get(url)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
}

#[test]
fn collect_records_history_beside_the_snapshots_unless_told_not_to() {
    let h = start(json!({}), 50);
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = collect(&h, dir.path(), &[]);
    let history = dir.path().join("history.sqlite");
    assert!(history.is_file(), "no history written: {}", first.stderr);
    let (second, _) = collect(&h, dir.path(), &[]);
    let shown = brickkit(
        &["history", "show", "--history", history.to_str().unwrap()],
        &[],
    );
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    for run in [&first, &second] {
        let path = run.path.as_ref().unwrap();
        let id = path.file_name().unwrap().to_str().unwrap();
        assert!(shown.stdout.contains(id), "{id} not in:\n{}", shown.stdout);
    }
    // The history file beside the snapshots is not reported as a stray file.
    let listed = brickkit(&["snapshot", "list", dir.path().to_str().unwrap()], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        !listed.stderr.contains("history.sqlite"),
        "{}",
        listed.stderr
    );

    let other = tempfile::tempdir().unwrap();
    collect(&h, other.path(), &["--no-history"]);
    assert!(!other.path().join("history.sqlite").exists());
}

/// REST paths of a collection, from ucsim's request log.
fn logged_paths(h: &ucsim::Handle) -> Vec<String> {
    let log: Value = ureq_get(&format!("{}/ucsim/requests", h.base_url));
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["decoded_path"]))
        .collect()
}

#[test]
fn bulk_reads_infrastructure_grants_with_sql_and_the_manifest_names_the_metastore() {
    let h = start(json!({}), 100);
    let summary: Value = {
        let url = format!("{}/api/2.1/unity-catalog/metastore_summary", h.base_url);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let c = reqwest::Client::new();
            let r = c.get(url).bearer_auth(TOKEN).send().await.unwrap();
            r.json().await.unwrap()
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, rest) = collect(&h, dir.path(), &[]);
    let id = summary["metastore_id"].as_str().unwrap();
    assert!(!id.is_empty());
    assert_eq!(rest.manifest.metastore_id.as_deref(), Some(id));
    let infra_grants = |p: &String| {
        p.contains("/permissions/storage_credential/")
            || p.contains("/permissions/external_location/")
            || p.contains("/permissions/connection/")
    };
    assert!(logged_paths(&h).iter().any(infra_grants));

    let h = start(json!({}), 100);
    let (_, bulk) = collect(&h, dir.path(), &["--mode", "bulk", "--warehouse-id", "W"]);
    assert_eq!(content(&rest), content(&bulk));
    assert_eq!(bulk.manifest.metastore_id, rest.manifest.metastore_id);
    let paths = logged_paths(&h);
    assert!(
        !paths.iter().any(infra_grants),
        "bulk mode read infrastructure grants over REST: {paths:?}"
    );
}

#[test]
fn an_unreadable_metastore_summary_is_an_issue_not_a_failure() {
    let path = "/api/2.1/unity-catalog/metastore_summary";
    let h = start(json!({"rules": [{"path": path, "status": 403}]}), 100);
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = collect(&h, dir.path(), &[]);
    assert_eq!(snap.manifest.metastore_id, None);
    let issue = snap
        .collection_issues
        .iter()
        .find(|i| i.attribute.as_deref() == Some("metastore_id"))
        .unwrap_or_else(|| panic!("no metastore_id issue; stderr: {}", run.stderr));
    assert_eq!(issue.error_code.as_deref(), Some("403"));
    assert!(!issue.subtree);
    // The securables are all there: the snapshot equals a clean one but for that issue.
    let clean = start(json!({}), 100);
    let (_, want) = collect(&clean, dir.path(), &[]);
    let mut got = content(&snap);
    got.collection_issues.clear();
    assert_eq!(got, content(&want));
}

// ---- bulk mode: the DESCRIBE TABLE EXTENDED fallback for row filters and column masks ----

/// The seed with more filters and masks (on odd names too) and a view (never described).
fn controls_seed() -> Value {
    let mut seed = seed();
    let sales = &mut seed["catalogs"][0]["schemas"][0];
    let orders = &mut sales["tables"][0];
    assert_eq!(orders["name"], "orders");
    orders["columns"][4]["mask"] = json!({"function_name": "main.sales.mask_email",
        "using_column_names": ["first name", "region"]});
    sales["tables"].as_array_mut().unwrap().push(json!({
        "name": "orders_v", "table_type": "VIEW", "view_definition": "SELECT * FROM orders",
        "columns": [{"name": "id", "type_text": "bigint"}]}));
    // A materialized view: described (it can carry masks); its text layout ends with
    // administrative rows right after the masks.
    sales["tables"].as_array_mut().unwrap().push(json!({
        "name": "orders_mv", "table_type": "MATERIALIZED_VIEW",
        "view_definition": "SELECT email FROM orders",
        "columns": [{"name": "email", "type_text": "string",
            "mask": {"function_name": "main.sales.mask_email", "using_column_names": []}}]}));
    let weird = &mut seed["catalogs"][1]["schemas"][0];
    weird["functions"] = json!([
        {"name": "m`ask", "data_type": "STRING", "routine_body": "SQL", "routine_definition": "'x'",
         "input_params": {"parameters": [{"name": "c", "type_text": "string", "type_name": "STRING", "position": 0}]}},
        {"name": "f`ilter", "data_type": "BOOLEAN", "routine_body": "SQL", "routine_definition": "true",
         "input_params": {"parameters": [{"name": "c", "type_text": "string", "type_name": "STRING", "position": 0}]}}]);
    let t = &mut weird["tables"][0];
    t["row_filter"] = json!({"function_name": "we`ird-cat.s.f`ilter", "input_column_names": ["c"]});
    t["columns"][0]["mask"] =
        json!({"function_name": "we`ird-cat.s.m`ask", "using_column_names": []});
    seed
}

fn start_controls(faults: Value) -> ucsim::Handle {
    ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(controls_seed()),
        page_size: 3,
        faults: serde_json::from_value(faults).unwrap(),
        ..ucsim::Config::default()
    })
    .unwrap()
}

/// Statements the collector sent, in order.
fn statements(h: &ucsim::Handle) -> Vec<String> {
    let log = ureq_get(&format!("{}/ucsim/requests", h.base_url));
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["decoded_path"] == "/api/2.0/sql/statements")
        .map(|r| s(&r["body"]["statement"]))
        .collect()
}

fn bulk(h: &ucsim::Handle, out: &Path) -> Snapshot {
    collect(h, out, &["--mode", "bulk", "--warehouse-id", "W"]).1
}

const INFO_SCHEMA_FAULTS: &str = r#"[
    {"statement_contains": "information_schema.row_filters", "error_code": "BAD_REQUEST",
     "message": "[TABLE_OR_VIEW_NOT_FOUND] The table or view `row_filters` cannot be found. SQLSTATE: 42P01"},
    {"statement_contains": "INFORMATION_SCHEMA.COLUMN_MASKS"}]"#;

/// Non-view tables of the controls seed: the fallback describes each once.
const DESCRIBED_TABLES: usize = 6;

#[test]
fn bulk_falls_back_to_describe_as_json_when_the_views_fail() {
    let dir = tempfile::tempdir().unwrap();
    let want = bulk(&start_controls(json!({})), dir.path());
    assert!(
        want.collection_issues.is_empty(),
        "{:?}",
        want.collection_issues
    );
    assert_eq!(want.row_filters.len(), 2, "{:?}", want.row_filters);
    assert_eq!(want.column_masks.len(), 4, "{:?}", want.column_masks);
    assert!(
        want.column_masks
            .iter()
            .any(|m| m.using_columns == ["first name", "region"])
    );
    let rules: Value = serde_json::from_str(INFO_SCHEMA_FAULTS).unwrap();
    let h = start_controls(json!({ "rules": rules }));
    let got = bulk(&h, dir.path());
    assert_eq!(content(&got), content(&want));
    let sent = statements(&h);
    let json_describes: Vec<&String> = sent
        .iter()
        .filter(|s| s.starts_with("DESCRIBE TABLE EXTENDED") && s.ends_with(" AS JSON"))
        .collect();
    assert_eq!(json_describes.len(), DESCRIBED_TABLES, "{sent:#?}");
    assert!(
        json_describes
            .iter()
            .any(|s| s.as_str() == "DESCRIBE TABLE EXTENDED `we``ird-cat`.`s`.`t` AS JSON"),
        "{json_describes:#?}"
    );
    assert!(
        !sent.iter().any(|s| s.contains("orders_v")),
        "a view is never described"
    );
    assert_eq!(
        sent.iter().filter(|s| s.starts_with("DESCRIBE")).count(),
        DESCRIBED_TABLES,
        "no text layout while AS JSON works"
    );
}

#[test]
fn bulk_falls_back_to_the_text_layout_when_as_json_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let want = bulk(&start_controls(json!({})), dir.path());
    let mut rules: Value = serde_json::from_str(INFO_SCHEMA_FAULTS).unwrap();
    rules
        .as_array_mut()
        .unwrap()
        .push(json!({"statement_contains": " as json",
        "sql_state": "42601",
        "message": "[PARSE_SYNTAX_ERROR] Syntax error at or near 'AS'. SQLSTATE: 42601"}));
    let h = start_controls(json!({ "rules": rules }));
    let got = bulk(&h, dir.path());
    assert_eq!(content(&got), content(&want));
    let sent = statements(&h);
    let as_json = sent.iter().filter(|s| s.ends_with(" AS JSON")).count();
    let text = sent
        .iter()
        .filter(|s| s.starts_with("DESCRIBE TABLE EXTENDED") && !s.ends_with(" AS JSON"))
        .count();
    // Each falling-back catalog (two) probes AS JSON at most once; then the run remembers.
    assert!((1..=2).contains(&as_json), "{sent:#?}");
    assert_eq!(text, DESCRIBED_TABLES, "{sent:#?}");
}

#[test]
fn a_table_whose_describe_fails_is_an_issue_on_that_table_only() {
    let dir = tempfile::tempdir().unwrap();
    let want = bulk(&start_controls(json!({})), dir.path());
    let mut rules: Value = serde_json::from_str(INFO_SCHEMA_FAULTS).unwrap();
    rules
        .as_array_mut()
        .unwrap()
        .push(json!({"statement_contains": "`main`.`sales`.`orders`"}));
    let h = start_controls(json!({ "rules": rules }));
    let got = bulk(&h, dir.path());
    let orders = "main.sales.orders";
    let issues: BTreeSet<(String, Option<String>, bool)> = got
        .collection_issues
        .iter()
        .map(|i| (i.full_name.clone(), i.attribute.clone(), i.subtree))
        .collect();
    assert_eq!(
        issues,
        set([
            (orders.to_string(), Some("column_masks".to_string()), false),
            (orders.to_string(), Some("row_filter".to_string()), false),
        ])
    );
    assert!(
        got.collection_issues
            .iter()
            .all(|i| i.securable_kind == Some(SecurableKind::Table)
                && i.error_code.as_deref() == Some("42P01"))
    );
    // Every other filter and mask is there; the table's own are unknown, not absent.
    let mut expected = content(&want);
    expected.row_filters.retain(|f| f.table_full_name != orders);
    expected
        .column_masks
        .retain(|m| m.table_full_name != orders);
    assert!(!expected.row_filters.is_empty() && !expected.column_masks.is_empty());
    let mut got = content(&got);
    got.collection_issues.clear();
    assert_eq!(got, expected);
    // Both layouts were tried for that table.
    let sent = statements(&h);
    let tried: Vec<&String> = sent.iter().filter(|s| s.contains("`orders`")).collect();
    assert_eq!(tried.len(), 2, "{tried:#?}");
}

#[test]
fn a_fallback_that_cannot_start_keeps_the_catalog_issue() {
    let dir = tempfile::tempdir().unwrap();
    let mut rules: Value = serde_json::from_str(INFO_SCHEMA_FAULTS).unwrap();
    // DESCRIBE requests are refused outright (not a statement failing about one table).
    rules
        .as_array_mut()
        .unwrap()
        .push(json!({"statement_contains": "DESCRIBE", "status": 403}));
    let h = start_controls(json!({ "rules": rules }));
    let got = bulk(&h, dir.path());
    let issues: BTreeSet<(Option<SecurableKind>, String, Option<String>, bool)> = got
        .collection_issues
        .iter()
        .map(|i| {
            (
                i.securable_kind,
                i.full_name.clone(),
                i.attribute.clone(),
                i.subtree,
            )
        })
        .collect();
    let cat = |c: &str, a: &str| {
        (
            Some(SecurableKind::Catalog),
            c.to_string(),
            Some(a.to_string()),
            true,
        )
    };
    assert_eq!(
        issues,
        set([
            cat("main", "column_masks"),
            cat("main", "row_filter"),
            cat("we`ird-cat", "column_masks"),
            cat("we`ird-cat", "row_filter"),
        ])
    );
    assert!(got.row_filters.is_empty() && got.column_masks.is_empty());
    // One refused probe per catalog, then nothing more (a 403 is not retried).
    let describes = statements(&h)
        .iter()
        .filter(|s| s.starts_with("DESCRIBE"))
        .count();
    assert_eq!(describes, 2);
}

#[test]
fn a_throttled_statement_is_submitted_again_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let want = bulk(&start_controls(json!({})), dir.path());
    let h = start_controls(json!({"rules": [
        {"statement_contains": "information_schema.table_tags", "times": 2,
         "message": "[REQUEST_LIMIT_EXCEEDED] Your request was rejected since your organization has exceeded the rate limit."}
    ]}));
    let got = bulk(&h, dir.path());
    assert_eq!(content(&got), content(&want));
    let sent = statements(&h);
    let catalogs = want
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Catalog))
        .count();
    let tag_queries = sent
        .iter()
        .filter(|s| s.contains("information_schema.table_tags"))
        .count();
    assert_eq!(tag_queries, catalogs + 2, "{sent:#?}");
}
