//! Collection end to end against `ucsim` on loopback: a seeded workspace collected in rest
//! and bulk modes equals the seed attribute by attribute and each other; faults and a rate
//! limit do not change the snapshot; a 403 on one schema becomes a collection issue; odd
//! names round trip; the token never appears in any output. Import, live drift, history
//! and the DESCRIBE fallback have their own files; the seed is in `support::sim`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use brickkit::model::SecurableKind;
use brickkit::state::Snapshot;
use serde_json::{Value, json};

use crate::support::brickkit_with;
use crate::support::sim::{
    TOKEN, bulk, collect, content, s, seed, set, start, start_controls, statements, ureq_get,
};

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
                            .map(|c| format!("`{}`", s(c)))
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
        .map(|r| (r.kind.unwrap(), r.full_name.to_string())));
    assert_eq!(got_kinds, kinds);
    let got_grants = set(snap.grants.iter().map(|g| {
        (
            g.securable_kind.unwrap(),
            g.securable_full_name.to_string(),
            g.principal.to_string(),
            g.privilege.to_string(),
        )
    }));
    assert_eq!(got_grants, grants);
    let got_tags = set(snap.tags.iter().map(|t| {
        (
            t.securable_kind.unwrap(),
            t.securable_full_name.to_string(),
            t.column_name.as_deref().map(str::to_string),
            t.key.to_string(),
            t.value.to_string(),
        )
    }));
    assert_eq!(got_tags, tags);
    let got_columns = set(snap.columns.iter().map(|c| {
        (
            c.table_full_name.to_string(),
            c.name.to_string(),
            c.position,
            c.type_text.to_string(),
            c.nullable,
            c.comment.as_deref().map(str::to_string),
        )
    }));
    assert_eq!(got_columns, columns);
    let got_masks = set(snap.column_masks.iter().map(|m| {
        (
            m.table_full_name.to_string(),
            m.column_name.to_string(),
            m.function_full_name.to_string(),
        )
    }));
    assert_eq!(got_masks, masks);
    let got_filters = set(snap.row_filters.iter().map(|f| {
        (
            f.table_full_name.to_string(),
            f.function_full_name.to_string(),
            f.input_arguments.clone(),
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
    // The summary line counts the issues; by default a partial snapshot exits 0.
    let n = snap.collection_issues.len();
    assert!(
        run.stderr
            .contains(&format!("{n} collection issue(s) (partial")),
        "{}",
        run.stderr
    );
    // A scheduler that wants to see a partial run asks for exit 3; the snapshot is written.
    let dir2 = tempfile::tempdir().unwrap();
    let partial = brickkit_with(
        &[
            "snapshot",
            "collect",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--out",
            dir2.path().to_str().unwrap(),
            "--fail-on-issues",
        ],
        &[],
    );
    assert_eq!(partial.code, 3, "{}", partial.stderr);
    assert!(brickkit::state::store::read(partial.path.as_ref().unwrap()).is_ok());
}

#[test]
fn bad_token_or_host_exits_2_and_the_token_never_leaks() {
    let h = start(json!({"fault_rate": 0.1}), 2);
    let dir = tempfile::tempdir().unwrap();
    let run = brickkit_with(
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
    let run = brickkit_with(
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
    let run = brickkit_with(
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
    let show = brickkit_with(
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

#[test]
fn permissions_are_read_paged_with_max_results_0_through_empty_pages() {
    let clean = start(json!({}), 2);
    let dir = tempfile::tempdir().unwrap();
    let (_, want) = collect(&clean, dir.path(), &[]);
    let h = start(json!({"empty_pages": true}), 2);
    let (_, got) = collect(&h, dir.path(), &[]);
    // the grants read through an empty first page equal the clean read, and are not empty
    assert!(got.grants.iter().any(|g| g.securable_full_name == "main"));
    assert_eq!(content(&got), content(&want));
    let log: Value = ureq_get(&format!("{}/ucsim/requests", h.base_url));
    let queries: Vec<String> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["decoded_path"] == "/api/2.1/unity-catalog/permissions/catalog/main")
        .map(|r| r["query"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(
        queries.iter().all(|q| q.contains("max_results=0")),
        "{queries:?}"
    );
    assert!(queries[1].contains("page_token="), "{queries:?}");
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
