//! Fault injection and the admin routes of ucsim: latency, token-bucket 429 with Retry-After,
//! random 429/503, runtime rules (403 under a schema, 500 for a path, `times`), request log,
//! reset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{start, start_with};
use serde_json::json;
use ucsim::Config;
use ucsim::faults::FaultConfig;

const UC: &str = "/api/2.1/unity-catalog";

#[test]
fn latency_is_added() {
    let sim = start_with(Config {
        faults: FaultConfig {
            latency_ms: 150,
            ..FaultConfig::default()
        },
        ..Config::default()
    });
    let t0 = Instant::now();
    assert_eq!(sim.get(&format!("{UC}/catalogs")).status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(150));
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let sim = start_with(Config {
        faults: FaultConfig {
            rate_limit: Some(3.0),
            ..FaultConfig::default()
        },
        ..Config::default()
    });
    assert_eq!(sim.get(&format!("{UC}/catalogs")).status, 200);
    let throttled = (0..50)
        .map(|_| sim.get(&format!("{UC}/catalogs")))
        .find(|r| r.status == 429)
        .expect("a burst beyond the bucket is throttled");
    assert_eq!(throttled.body["error_code"], "REQUEST_LIMIT_EXCEEDED");
    let ra: u64 = throttled
        .retry_after
        .expect("Retry-After header")
        .parse()
        .unwrap();
    assert!(ra >= 1);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(sim.get(&format!("{UC}/catalogs")).status, 200);
}

#[test]
fn fault_rate_gives_429_and_503_only() {
    let sim = start_with(Config {
        faults: FaultConfig {
            fault_rate: 0.5,
            ..FaultConfig::default()
        },
        ..Config::default()
    });
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..80 {
        let r = sim.get(&format!("{UC}/catalogs"));
        if r.status != 200 {
            assert!(r.retry_after.is_some());
        }
        *seen.entry(r.status).or_insert(0) += 1;
    }
    assert!(seen.keys().all(|s| [200, 429, 503].contains(s)), "{seen:?}");
    assert!(
        seen.len() == 3,
        "all three outcomes occur at rate 0.5: {seen:?}"
    );
}

#[test]
fn forbidden_reads_under_one_schema() {
    let sim = start();
    let r = sim.admin(
        "POST",
        "/ucsim/faults/rules",
        Some(json!({"method": "READ", "under": "main.sales", "status": 403})),
    );
    assert_eq!(r.status, 200);
    for p in [
        "tables/main.sales.orders",
        "tables?catalog_name=main&schema_name=sales",
        "schemas/main.sales",
        "permissions/table/main.sales.orders",
        "entity-tag-assignments/tables/main.sales.orders/tags",
        "functions?catalog_name=main&schema_name=sales",
    ] {
        let r = sim.get(&format!("{UC}/{p}"));
        assert_eq!(r.status, 403, "{p}");
        assert_eq!(r.body["error_code"], "PERMISSION_DENIED");
    }
    assert_eq!(sim.get(&format!("{UC}/schemas/main.hr")).status, 200);
    assert_eq!(sim.get(&format!("{UC}/schemas/main.salesx")).status, 404);
    // writes are not reads
    let r = sim.patch(
        &format!("{UC}/tables/main.sales.orders"),
        json!({"owner": "o"}),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn statement_rule_fails_matching_statements_as_sql_errors() {
    let sim = start();
    let r = sim.admin(
        "POST",
        "/ucsim/faults/rules",
        Some(json!({"statement_contains": "INFORMATION_SCHEMA.row_filters",
            "error_code": "NOT_FOUND", "times": 1,
            "message": "[TABLE_OR_VIEW_NOT_FOUND] The table or view `row_filters` cannot be found. SQLSTATE: 42P01"})),
    );
    assert_eq!(r.status, 200);
    // HTTP 200 with state FAILED, like the Statement Execution API reports SQL errors.
    let v = sim.sql("SELECT * FROM main.information_schema.row_filters");
    assert_eq!(v["status"]["state"], "FAILED", "{v}");
    assert_eq!(v["status"]["sql_state"], "42P01");
    assert_eq!(v["status"]["error"]["error_code"], "NOT_FOUND");
    assert!(
        v["status"]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[TABLE_OR_VIEW_NOT_FOUND]")
    );
    // Polling the failed statement keeps reporting the failure.
    let id = v["statement_id"].as_str().unwrap();
    let again = sim.get(&format!("/api/2.0/sql/statements/{id}")).body;
    assert_eq!(again["status"]["error"]["error_code"], "NOT_FOUND");
    // `times` is spent: the same statement now runs.
    sim.rows("SELECT * FROM main.information_schema.row_filters");
    // Other statements and plain REST requests never match a statement rule.
    sim.admin(
        "PUT",
        "/ucsim/faults",
        Some(json!({"rules": [{"statement_contains": " as json", "sql_state": "42601"}]})),
    );
    assert_eq!(sim.get(&format!("{UC}/catalogs")).status, 200);
    sim.rows("DESCRIBE TABLE EXTENDED main.sales.orders");
    let e = sim.sql_err("DESCRIBE TABLE EXTENDED main.sales.orders AS JSON");
    assert!(e.starts_with("[PARSE_SYNTAX_ERROR]"), "{e}");
    let v = sim.sql("describe table extended main.sales.orders as json");
    assert_eq!(v["status"]["error"]["error_code"], "BAD_REQUEST");
    assert_eq!(v["status"]["sql_state"], "42601");
    // With a status, the POST itself is rejected (e.g. no permission on the warehouse).
    sim.admin(
        "PUT",
        "/ucsim/faults",
        Some(json!({"rules": [{"statement_contains": "describe", "status": 403, "times": 1}]})),
    );
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "DESCRIBE TABLE main.sales.orders", "warehouse_id": "w"}),
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error_code"], "PERMISSION_DENIED");
    sim.rows("DESCRIBE TABLE main.sales.orders");
}

#[test]
fn path_rule_with_times_and_custom_code() {
    let sim = start();
    sim.admin(
        "PUT",
        "/ucsim/faults",
        Some(
            json!({"rules": [{"path": "/api/2.1/unity-catalog/catalogs/main", "status": 500,
            "times": 2, "error_code": "INTERNAL_ERROR", "message": "boom"}]}),
        ),
    );
    let r = sim.get(&format!("{UC}/catalogs/main"));
    assert_eq!(r.status, 500);
    assert_eq!(r.body["message"], "boom");
    assert_eq!(sim.get(&format!("{UC}/catalogs/main")).status, 500);
    assert_eq!(sim.get(&format!("{UC}/catalogs/main")).status, 200);
    let cfg = sim.admin("GET", "/ucsim/faults", None).body;
    assert_eq!(cfg["rules"][0]["times"], 0);
    let r = sim.admin("PUT", "/ucsim/faults", Some(json!({"bogus": 1})));
    assert_eq!(r.status, 400);
}

#[test]
fn delay_rule_and_slow_path() {
    let sim = start();
    sim.admin(
        "POST",
        "/ucsim/faults/rules",
        Some(json!({"path_prefix": "/api/2.1/unity-catalog/tables", "status": 0, "delay_ms": 200})),
    );
    let t0 = Instant::now();
    assert_eq!(
        sim.get(&format!("{UC}/tables/main.sales.orders")).status,
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(200));
}

#[test]
fn request_log_records_method_path_body_and_status_then_resets() {
    let sim = start();
    sim.admin("DELETE", "/ucsim/requests", None);
    sim.patch(
        &format!("{UC}/permissions/table/main.sales.orders"),
        json!({"changes": [{"principal": "account users", "add": ["SELECT"]}]}),
    );
    sim.get(&format!("{UC}/tables/main.sales.we%60ird"));
    let log = sim.admin("GET", "/ucsim/requests", None).body;
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0]["method"], "PATCH");
    assert_eq!(
        reqs[0]["path"],
        "/api/2.1/unity-catalog/permissions/table/main.sales.orders"
    );
    assert_eq!(reqs[0]["body"]["changes"][0]["principal"], "account users");
    assert_eq!(reqs[0]["status"], 200);
    assert_eq!(
        reqs[1]["decoded_path"],
        "/api/2.1/unity-catalog/tables/main.sales.we`ird"
    );
    assert_eq!(reqs[1]["status"], 404);
    let since = reqs[0]["seq"].as_u64().unwrap();
    let later = sim
        .admin("GET", &format!("/ucsim/requests?since={since}"), None)
        .body;
    assert_eq!(later["requests"].as_array().unwrap().len(), 1);
    sim.admin("PATCH", "/ucsim/faults", Some(json!({"latency_ms": 5})));
    sim.admin("POST", "/ucsim/reset", None);
    assert_eq!(
        sim.admin("GET", "/ucsim/requests", None).body["requests"],
        json!([])
    );
    assert_eq!(
        sim.admin("GET", "/ucsim/faults", None).body["latency_ms"],
        0
    );
    assert_eq!(sim.admin("GET", "/ucsim/health", None).body["ok"], true);
}

#[test]
fn oauth_m2m_discovery_and_token() {
    let sim = start();
    let r = sim.admin("GET", "/oidc/.well-known/oauth-authorization-server", None);
    assert_eq!(r.status, 200);
    let token_url = r.body["token_endpoint"].as_str().unwrap().to_string();
    assert!(token_url.ends_with("/oidc/v1/token"));
    let mut resp = sim
        .agent
        .post(&token_url)
        .header("Authorization", "Basic Y2xpZW50OnNlY3JldA==")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("grant_type=client_credentials&scope=all-apis")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: serde_json::Value =
        serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    let tok = v["access_token"].as_str().unwrap();
    let r = sim.req("GET", &format!("{UC}/catalogs"), None, Some(tok));
    assert_eq!(r.status, 200);
    let resp = sim
        .agent
        .post(&token_url)
        .send("grant_type=client_credentials")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

/// A rule can fail one securable's writes only: the permissions `PATCH` of one table (by
/// method and exact decoded path), and the statements about it (by statement substring),
/// while its reads and every other table's writes go through.
#[test]
fn a_rule_targets_one_securables_writes() {
    let sim = start();
    let orders = format!("{UC}/permissions/table/main.sales.orders");
    let customers = format!("{UC}/permissions/table/main.sales.customers");
    let rule = json!({"method": "PATCH", "path": orders, "status": 403});
    assert_eq!(
        sim.admin("POST", "/ucsim/faults/rules", Some(rule)).status,
        200
    );
    let rule = json!({"statement_contains": "ALTER TABLE `main`.`sales`.`orders`",
        "error_code": "PERMISSION_DENIED", "sql_state": "42501",
        "message": "[INSUFFICIENT_PERMISSIONS] Insufficient privileges. SQLSTATE: 42501"});
    assert_eq!(
        sim.admin("POST", "/ucsim/faults/rules", Some(rule)).status,
        200
    );

    let change = json!({"changes": [{"principal": "analysts", "add": ["SELECT"]}]});
    let r = sim.patch(&orders, change.clone());
    assert_eq!(
        (r.status, r.body["error_code"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    assert_eq!(sim.get(&orders).status, 200);
    assert_eq!(sim.patch(&customers, change).status, 200);

    let err = sim.sql_err("ALTER TABLE `main`.`sales`.`orders` SET TAGS ('k' = 'v')");
    assert!(err.starts_with("[INSUFFICIENT_PERMISSIONS]"), "{err}");
    sim.rows("ALTER TABLE `main`.`sales`.`customers` SET TAGS ('k' = 'v')");
    sim.rows("DESCRIBE TABLE `main`.`sales`.`orders`");
}

/// The request log says which requests may have changed the workspace (`write`), carries
/// each statement's text, filters to writes with `writes=true`, and gives the last sequence
/// number so a test can count the writes made after a point.
#[test]
fn the_log_counts_writes_since_a_point() {
    let sim = start();
    let log = sim.admin("GET", "/ucsim/requests", None).body;
    let start_seq = log["last_seq"].as_u64().unwrap();
    assert!(sim.get(&format!("{UC}/catalogs")).status == 200);
    sim.rows("SELECT catalog_name FROM system.information_schema.catalogs");
    sim.rows("COMMENT ON TABLE `main`.`sales`.`orders` IS 'x'");
    let r = sim.patch(&format!("{UC}/catalogs/main"), json!({"comment": "c"}));
    assert_eq!(r.status, 200);

    let all = sim
        .admin("GET", &format!("/ucsim/requests?since={start_seq}"), None)
        .body;
    let entries = all["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let writes: Vec<bool> = entries
        .iter()
        .map(|e| e["write"].as_bool().unwrap())
        .collect();
    assert_eq!(writes, [false, false, true, true]);
    assert_eq!(
        entries[2]["statement"],
        "COMMENT ON TABLE `main`.`sales`.`orders` IS 'x'"
    );
    let only = sim
        .admin(
            "GET",
            &format!("/ucsim/requests?since={start_seq}&writes=true"),
            None,
        )
        .body;
    let only: Vec<ucsim::faults::LogEntry> =
        serde_json::from_value(only["requests"].clone()).unwrap();
    let what: Vec<(String, Option<String>)> = only
        .iter()
        .map(|e| (e.method.clone(), e.statement.clone()))
        .collect();
    assert_eq!(
        what,
        [
            (
                "POST".to_string(),
                Some("COMMENT ON TABLE `main`.`sales`.`orders` IS 'x'".to_string())
            ),
            ("PATCH".to_string(), None)
        ]
    );
    assert_eq!(all["last_seq"].as_u64(), Some(start_seq + 4));
}
