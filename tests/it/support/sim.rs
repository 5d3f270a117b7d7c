//! `ucsim` workspaces for the collection tests: the seed (every kind of securable, odd
//! names, filters and masks), servers started with faults, a collection through the binary,
//! and the request log ([`statements`], and [`log_seq`] / [`mutating_requests`] to count
//! what a run changed).

use std::collections::BTreeSet;
use std::path::Path;

use brickkit::state::{Snapshot, store};
use serde_json::{Value, json};

use super::{Run, brickkit_with};

/// The only token the simulated workspaces accept.
pub const TOKEN: &str = "dapi-sekret-0123456789";

/// The seed: the principals its grants name, a storage credential, an external location, a
/// connection, and two catalogs with schemas, functions, tables and columns of odd names, a
/// volume, grants, tags, a row filter and a mask.
pub fn seed() -> Value {
    serde_json::from_str(
        r##"{
        "format_version": 1,
        "principals": {
            "users": [{"user_name": "bob@example.com"}, {"user_name": "o'neil@x.com"}],
            "groups": [{"display_name": "analysts"}, {"display_name": "Data Eng Team"}]
        },
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

/// A workspace of [`seed`] with `faults` and `page_size` items per page.
pub fn start(faults: Value, page_size: usize) -> ucsim::Handle {
    ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(seed()),
        page_size,
        faults: serde_json::from_value(faults).unwrap(),
        ..ucsim::Config::default()
    })
    .unwrap()
}

/// `snapshot collect` from `h` into `out` (exit 0 asserted) and the snapshot it wrote.
pub fn collect(h: &ucsim::Handle, out: &Path, extra: &[&str]) -> (Run, Snapshot) {
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
    let run = brickkit_with(&args, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = store::read(run.path.as_ref().unwrap()).unwrap();
    (run, snap)
}

/// The content of a snapshot without its manifest and server timestamps.
pub fn content(s: &Snapshot) -> Snapshot {
    let mut c = s.clone();
    c.manifest = Default::default();
    for r in &mut c.securables {
        r.created_at = None;
        r.updated_at = None;
    }
    c
}

/// The items as a set.
pub fn set<T: Ord>(v: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    v.into_iter().collect()
}

/// A JSON string as a `String`.
pub fn s(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

/// GET a JSON document (ucsim's request log) from a test.
pub fn ureq_get(url: &str) -> Value {
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

/// The seed with more filters and masks (on odd names too) and a view (never described).
pub fn controls_seed() -> Value {
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

/// A workspace of [`controls_seed`], 3 items per page.
pub fn start_controls(faults: Value) -> ucsim::Handle {
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
pub fn statements(h: &ucsim::Handle) -> Vec<String> {
    let log = ureq_get(&format!("{}/ucsim/requests", h.base_url));
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["decoded_path"] == "/api/2.0/sql/statements")
        .map(|r| s(&r["body"]["statement"]))
        .collect()
}

/// A bulk-mode collection of `h` into `out`.
pub fn bulk(h: &ucsim::Handle, out: &Path) -> Snapshot {
    collect(h, out, &["--mode", "bulk", "--warehouse-id", "W"]).1
}

/// The sequence number of the last request `h` logged: pass it to [`mutating_requests`].
pub fn log_seq(base: &str) -> u64 {
    ureq_get(&format!("{base}/ucsim/requests?since={}", u64::MAX))["last_seq"]
        .as_u64()
        .unwrap()
}

/// The requests logged after `since` that may have changed the workspace: every REST
/// `POST`/`PATCH`/`PUT`/`DELETE`, and every SQL statement submission that is not read-only
/// (`write` in ucsim's request log), in order, failed ones included (see `status`).
pub fn mutating_requests(base: &str, since: u64) -> Vec<ucsim::faults::LogEntry> {
    let log = ureq_get(&format!("{base}/ucsim/requests?since={since}&writes=true"));
    serde_json::from_value(log["requests"].clone()).unwrap()
}
