//! REST routes of ucsim over real HTTP: CRUD of every securable kind, pagination edges, error
//! bodies, auth, name rules and percent-decoding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sim, TOKEN, enc, names, start};
use serde_json::{Value, json};

const UC: &str = "/api/2.1/unity-catalog";

fn assert_error_shape(v: &Value, code: &str) {
    assert_eq!(v["error_code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    let details = v["details"].as_array().unwrap();
    assert_eq!(
        details[0]["@type"],
        "type.googleapis.com/google.rpc.ErrorInfo"
    );
    assert_eq!(
        details[1]["@type"],
        "type.googleapis.com/google.rpc.RequestInfo"
    );
    assert!(details[1]["request_id"].as_str().is_some());
}

#[test]
fn auth_is_required_and_wrong_tokens_get_401() {
    let sim = start();
    let r = sim.req("GET", &format!("{UC}/catalogs"), None, None);
    assert_eq!(r.status, 401);
    assert_error_shape(&r.body, "UNAUTHENTICATED");
    let r = sim.req("GET", &format!("{UC}/catalogs"), None, Some("nope"));
    assert_eq!(r.status, 401);
    assert_eq!(sim.get(&format!("{UC}/catalogs")).status, 200);
}

#[test]
fn well_known_config_is_404_and_unknown_routes_are_no_api_found() {
    let sim = start();
    let r = sim.req("GET", "/.well-known/databricks-config", None, None);
    assert_eq!(r.status, 404);
    let r = sim.get("/api/2.1/unity-catalog/nothing-here/x/y");
    assert_eq!(r.status, 404);
    assert_error_shape(&r.body, "ENDPOINT_NOT_FOUND");
    assert!(r.body["message"].as_str().unwrap().contains("No API found"));
}

#[test]
fn catalogs_crud() {
    let sim = start();
    let r = sim.post(
        &format!("{UC}/catalogs"),
        json!({"name": "Fresh", "comment": "c"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "fresh");
    assert_eq!(r.body["full_name"], "fresh");
    assert_eq!(r.body["catalog_type"], "MANAGED_CATALOG");
    assert!(r.body["created_at"].as_i64().is_some());
    // duplicate -> 400 CATALOG_ALREADY_EXISTS
    let r = sim.post(&format!("{UC}/catalogs"), json!({"name": "fresh"}));
    assert_eq!(r.status, 400);
    assert_error_shape(&r.body, "CATALOG_ALREADY_EXISTS");
    // case-insensitive get
    assert_eq!(
        sim.get(&format!("{UC}/catalogs/FRESH")).body["comment"],
        "c"
    );
    let r = sim.patch(
        &format!("{UC}/catalogs/fresh"),
        json!({"owner": "grp", "comment": "d", "properties": {"a": "b"}}),
    );
    assert_eq!(r.body["owner"], "grp");
    assert_eq!(r.body["properties"]["a"], "b");
    // rename
    let r = sim.patch(
        &format!("{UC}/catalogs/fresh"),
        json!({"new_name": "renamed"}),
    );
    assert_eq!(r.body["name"], "renamed");
    assert_eq!(sim.get(&format!("{UC}/catalogs/fresh")).status, 404);
    assert_eq!(
        sim.get(&format!("{UC}/schemas/renamed.information_schema"))
            .status,
        200
    );
    assert_eq!(sim.delete(&format!("{UC}/catalogs/renamed")).status, 200);
    let r = sim.get(&format!("{UC}/catalogs/renamed"));
    assert_eq!(r.status, 404);
    assert_error_shape(&r.body, "CATALOG_DOES_NOT_EXIST");
    assert_eq!(r.body["message"], "Catalog 'renamed' does not exist.");
}

#[test]
fn non_empty_catalog_needs_force() {
    let sim = start();
    let r = sim.delete(&format!("{UC}/catalogs/main"));
    assert_eq!(r.status, 400);
    assert_error_shape(&r.body, "CATALOG_NOT_EMPTY");
    assert_eq!(
        sim.delete(&format!("{UC}/catalogs/main?force=true")).status,
        200
    );
    assert_eq!(
        sim.get(&format!("{UC}/tables/main.sales.orders")).status,
        404
    );
    assert_eq!(sim.get(&format!("{UC}/schemas/main.sales")).status, 404);
}

#[test]
fn schemas_tables_volumes_functions_crud() {
    let sim = start();
    let r = sim.post(
        &format!("{UC}/schemas"),
        json!({"name": "s1", "catalog_name": "dev"}),
    );
    assert_eq!(r.body["full_name"], "dev.s1");
    let r = sim.post(
        &format!("{UC}/schemas"),
        json!({"name": "s1", "catalog_name": "nope"}),
    );
    assert_eq!(r.status, 404);
    assert_error_shape(&r.body, "CATALOG_DOES_NOT_EXIST");
    let r = sim.post(
        &format!("{UC}/tables"),
        json!({"name": "t1", "catalog_name": "dev", "schema_name": "s1", "table_type": "EXTERNAL",
            "data_source_format": "DELTA", "storage_location": "s3://b/t1",
            "columns": [{"name": "A", "type_text": "decimal(10,2)", "type_name": "DECIMAL"}]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["columns"][0]["position"], 0);
    assert_eq!(r.body["columns"][0]["name"], "A");
    let r = sim.get(&format!("{UC}/tables/dev.s1.t1/exists"));
    assert_eq!(r.body["table_exists"], true);
    let r = sim.patch(
        &format!("{UC}/tables/dev.s1.t1"),
        json!({"owner": "o2", "comment": "ignored"}),
    );
    // Empty body, as `TablesAPI.update` (returns None) expects; read the table back.
    assert_eq!((r.status, r.body.clone()), (200, json!({})));
    let r = sim.get(&format!("{UC}/tables/dev.s1.t1"));
    assert_eq!(r.body["owner"], "o2");
    assert!(r.body.get("comment").is_none());
    let r = sim.get(&format!(
        "{UC}/tables/dev.s1.t1?omit_columns=true&omit_username=true"
    ));
    assert!(r.body.get("columns").is_none() && r.body.get("owner").is_none());
    let r = sim.post(
        &format!("{UC}/volumes"),
        json!({"name": "v1", "catalog_name": "dev", "schema_name": "s1", "volume_type": "MANAGED"}),
    );
    assert_eq!(r.body["full_name"], "dev.s1.v1");
    let r = sim.post(
        &format!("{UC}/volumes"),
        json!({"name": "v2", "catalog_name": "dev", "schema_name": "s1", "volume_type": "EXTERNAL"}),
    );
    assert_eq!(r.status, 400);
    let r = sim.patch(
        &format!("{UC}/volumes/dev.s1.v1"),
        json!({"comment": "vc", "new_name": "v9"}),
    );
    assert_eq!(r.body["full_name"], "dev.s1.v9");
    assert_eq!(r.body["comment"], "vc");
    let r = sim.post(&format!("{UC}/functions"), json!({"name": "f"}));
    assert_eq!(r.status, 400);
    let r = sim.post(
        &format!("{UC}/functions"),
        json!({"function_info": {"name": "f", "catalog_name": "dev", "schema_name": "s1",
            "data_type": "BOOLEAN", "full_data_type": "BOOLEAN", "routine_definition": "true"}}),
    );
    assert_eq!(r.body["full_name"], "dev.s1.f");
    assert_eq!(sim.delete(&format!("{UC}/functions/dev.s1.f")).status, 200);
    assert_eq!(sim.delete(&format!("{UC}/volumes/dev.s1.v9")).status, 200);
    assert_eq!(sim.delete(&format!("{UC}/tables/dev.s1.t1")).status, 200);
    assert_eq!(sim.delete(&format!("{UC}/schemas/dev.s1")).status, 200);
    let r = sim.get(&format!("{UC}/schemas/dev.s1"));
    assert_error_shape(&r.body, "SCHEMA_DOES_NOT_EXIST");
    let r = sim.get(&format!("{UC}/tables/dev.s1.t1"));
    assert_error_shape(&r.body, "TABLE_DOES_NOT_EXIST");
}

#[test]
fn metastore_level_securables_crud_and_secrets() {
    let sim = start();
    let r = sim.post(
        &format!("{UC}/storage-credentials"),
        json!({"name": "sp", "azure_service_principal": {"directory_id": "d", "application_id": "a",
            "client_secret": "SECRET"}}),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.body["azure_service_principal"]
            .get("client_secret")
            .is_none()
    );
    let r = sim.post(
        &format!("{UC}/storage-credentials"),
        json!({"name": "none"}),
    );
    assert_eq!(r.status, 400);
    let r = sim.post(
        &format!("{UC}/external-locations"),
        json!({"name": "el", "url": "s3://x", "credential_name": "missing"}),
    );
    assert_eq!(r.status, 404);
    assert_error_shape(&r.body, "STORAGE_CREDENTIAL_DOES_NOT_EXIST");
    let r = sim.post(
        &format!("{UC}/external-locations"),
        json!({"name": "el", "url": "s3://x", "credential_name": "sp"}),
    );
    assert_eq!(r.body["credential_name"], "sp");
    let r = sim.patch(
        &format!("{UC}/external-locations/el"),
        json!({"url": "s3://y", "read_only": true}),
    );
    assert_eq!(r.body["url"], "s3://y");
    assert_eq!(r.body["read_only"], true);
    let r = sim.post(
        &format!("{UC}/connections"),
        json!({"name": "sf", "connection_type": "SNOWFLAKE",
            "options": {"host": "h", "port": "1", "user": "u", "password": "p", "sfWarehouse": "w"}}),
    );
    assert_eq!(r.status, 200);
    let opts = r.body["options"].as_object().unwrap();
    assert!(!opts.contains_key("password") && !opts.contains_key("user"));
    assert_eq!(opts["sfWarehouse"], "w");
    let r = sim.patch(
        &format!("{UC}/connections/sf"),
        json!({"options": {"host": "h2", "password": "p2"}}),
    );
    assert_eq!(r.body["options"], json!({"host": "h2"}));
    // `options` is required by a connection update, and `comment` is not one of its fields
    // (py-sdk `ConnectionsAPI.update`): an owner-only PATCH is refused, a comment ignored.
    let r = sim.patch(
        &format!("{UC}/connections/sf"),
        json!({"owner": "bob@example.com"}),
    );
    assert_eq!(
        (r.status, r.body["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let r = sim.patch(
        &format!("{UC}/connections/sf"),
        json!({"options": {"host": "h2"}, "comment": "c", "owner": "bob@example.com"}),
    );
    assert_eq!(
        (r.status, &r.body["owner"]),
        (200, &json!("bob@example.com"))
    );
    assert!(r.body.get("comment").is_none(), "{}", r.body);
    let dump = sim.admin("GET", "/ucsim/dump", None).body.to_string();
    assert!(!dump.contains("SECRET") && !dump.contains("p2"));
    for p in [
        "connections/sf",
        "external-locations/el",
        "storage-credentials/sp",
    ] {
        assert_eq!(sim.delete(&format!("{UC}/{p}")).status, 200, "{p}");
        assert_eq!(sim.get(&format!("{UC}/{p}")).status, 404, "{p}");
    }
}

#[test]
fn names_uc_refuses_are_refused() {
    let sim = start();
    for bad in ["a.b", "a b", "a/b", "a\tb"] {
        let r = sim.post(&format!("{UC}/catalogs"), json!({ "name": bad }));
        assert_eq!(r.status, 400, "{bad}");
        assert_error_shape(&r.body, "INVALID_PARAMETER_VALUE");
    }
}

#[test]
fn percent_encoded_names_are_decoded() {
    let sim = start();
    let odd = "we`ird'na-mé#?%";
    let r = sim.post(&format!("{UC}/catalogs"), json!({ "name": odd }));
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = sim.get(&format!("{UC}/catalogs/{}", enc(odd)));
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], odd);
    let (items, _) = sim.list_all(&format!("{UC}/catalogs?max_results=0"), "catalogs");
    assert!(names(&items).contains(&odd.to_string()));
}

fn seed_tables(sim: &Sim, n: usize) {
    sim.post(
        &format!("{UC}/schemas"),
        json!({"name": "many", "catalog_name": "dev"}),
    );
    for i in 0..n {
        let r = sim.post(
            &format!("{UC}/tables"),
            json!({"name": format!("t{i:02}"), "catalog_name": "dev", "schema_name": "many",
                "table_type": "MANAGED", "data_source_format": "DELTA"}),
        );
        assert_eq!(r.status, 200);
    }
}

#[test]
fn pagination_exact_boundary_and_ends_without_token() {
    let sim = start();
    seed_tables(&sim, 4);
    let q = format!("{UC}/tables?catalog_name=dev&schema_name=many");
    // page size 2 (server), 4 items: exactly two pages, the second without next_page_token
    let (items, n) = sim.list_all(&format!("{q}&max_results=0"), "tables");
    assert_eq!(names(&items), vec!["t00", "t01", "t02", "t03"]);
    assert_eq!(n, 2);
    // max_results larger than the server cap is capped
    let r = sim.get(&format!("{q}&max_results=50"));
    assert_eq!(r.body["tables"].as_array().unwrap().len(), 2);
    // max_results=1: four pages
    let (items, n) = sim.list_all(&format!("{q}&max_results=1"), "tables");
    assert_eq!(items.len(), 4);
    assert_eq!(n, 4);
    // unset: legacy unpaginated
    let r = sim.get(&q);
    assert_eq!(r.body["tables"].as_array().unwrap().len(), 4);
    assert!(r.body.get("next_page_token").is_none());
    // odd count
    sim.post(
        &format!("{UC}/tables"),
        json!({"name": "t04", "catalog_name": "dev", "schema_name": "many"}),
    );
    let (items, n) = sim.list_all(&format!("{q}&max_results=0"), "tables");
    assert_eq!(items.len(), 5);
    assert_eq!(n, 3);
}

#[test]
fn pagination_errors_and_empty_lists() {
    let sim = start();
    let r = sim.get(&format!("{UC}/catalogs?max_results=-1"));
    assert_eq!(r.status, 400);
    assert_error_shape(&r.body, "INVALID_PARAMETER_VALUE");
    let r = sim.get(&format!("{UC}/catalogs?max_results=0&page_token=garbage"));
    assert_eq!(r.status, 400);
    let r = sim.get(&format!("{UC}/schemas"));
    assert_eq!(r.status, 400, "catalog_name is required");
    let r = sim.get(&format!("{UC}/tables?catalog_name=main&schema_name=nope"));
    assert_eq!(r.status, 404);
    // empty schema: no array key, no token
    let r = sim.get(&format!(
        "{UC}/tables?catalog_name=main&schema_name=hr&max_results=0"
    ));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({}));
    // volumes are paginated by default
    let r = sim.get(&format!("{UC}/volumes?catalog_name=main&schema_name=sales"));
    assert_eq!(r.body["volumes"].as_array().unwrap().len(), 1);
}

#[test]
fn empty_pages_with_a_token_are_followed() {
    let sim = start();
    sim.admin("PATCH", "/ucsim/faults", Some(json!({"empty_pages": true})));
    let r = sim.get(&format!("{UC}/catalogs?max_results=0"));
    assert!(r.body.get("catalogs").is_none());
    assert!(r.body["next_page_token"].as_str().is_some());
    let (items, n) = sim.list_all(&format!("{UC}/catalogs?max_results=0"), "catalogs");
    assert_eq!(names(&items), vec!["dev", "main", "sandbox"]);
    assert_eq!(n, 3);
}

#[test]
fn table_summaries_and_lists_of_every_kind() {
    let sim = start();
    let (items, _) = sim.list_all(
        &format!("{UC}/table-summaries?catalog_name=main&table_name_pattern=%25nt_"),
        "tables",
    );
    let full: Vec<&str> = items
        .iter()
        .map(|v| v["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(full, vec!["main.sales.payments"]);
    for (path, key, n) in [
        (
            "storage-credentials?max_results=0",
            "storage_credentials",
            1,
        ),
        ("external-locations?max_results=0", "external_locations", 1),
        ("connections?max_results=0", "connections", 1),
        (
            "functions?catalog_name=main&schema_name=sales&max_results=0",
            "functions",
            2,
        ),
        ("schemas?catalog_name=main&max_results=0", "schemas", 4),
    ] {
        let (items, _) = sim.list_all(&format!("{UC}/{path}"), key);
        assert_eq!(items.len(), n, "{path}");
    }
}

#[test]
fn metastore_summary_and_me() {
    let sim = start();
    let r = sim.get(&format!("{UC}/metastore_summary"));
    assert!(r.body["metastore_id"].as_str().is_some());
    let r = sim.get("/api/2.0/preview/scim/v2/Me");
    assert_eq!(r.body["userName"], "admin@ucsim.example.com");
    let _ = TOKEN;
}

#[test]
fn malformed_json_is_400() {
    let sim = start();
    let r = sim
        .agent
        .post(&sim.url(&format!("{UC}/catalogs")))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .send("{not json")
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
