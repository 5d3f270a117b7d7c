//! Permissions, effective permissions and entity tag assignments over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{enc, start};
use serde_json::{Value, json};

const UC: &str = "/api/2.1/unity-catalog";

fn direct(v: &Value) -> Vec<(String, Vec<String>)> {
    v["privilege_assignments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["principal"].as_str().unwrap().to_string(),
                        p["privileges"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_str().unwrap().to_string())
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn permissions_get_patch_and_case_insensitive_type() {
    let sim = start();
    let r = sim.get(&format!("{UC}/permissions/catalog/main"));
    assert_eq!(
        direct(&r.body),
        vec![
            ("account users".to_string(), vec!["BROWSE".to_string()]),
            ("analysts".to_string(), vec!["USE_CATALOG".to_string()])
        ]
    );
    // the grantee must be in the directory: an administrator adds it over SCIM first
    let r = sim.post(
        "/api/2.0/preview/scim/v2/Users",
        json!({"userName": "eng@example.com", "displayName": "Eng"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = sim.patch(
        &format!("{UC}/permissions/CATALOG/main"),
        json!({"changes": [
            {"principal": "eng@example.com", "add": ["use catalog", "CREATE_SCHEMA"]},
            {"principal": "analysts", "remove": ["USE_CATALOG"]}
        ]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        direct(&r.body),
        vec![
            ("account users".to_string(), vec!["BROWSE".to_string()]),
            (
                "eng@example.com".to_string(),
                vec!["CREATE_SCHEMA".to_string(), "USE_CATALOG".to_string()]
            )
        ]
    );
    let r = sim.get(&format!(
        "{UC}/permissions/catalog/main?principal=eng%40example.com"
    ));
    assert_eq!(direct(&r.body).len(), 1);
    let r = sim.patch(
        &format!("{UC}/permissions/catalog/main"),
        json!({"changes": [{"principal": "data-eng", "add": ["BROWSE"]}], "omit_permissions_in_response": true}),
    );
    assert_eq!(r.body, json!({}));
}

#[test]
fn privileges_are_validated_per_securable_type() {
    let sim = start();
    for (ty, name, bad) in [
        ("table", "main.sales.orders", "USE_CATALOG"),
        ("volume", "main.sales.raw", "SELECT"),
        ("function", "main.sales.mask_email", "SELECT"),
        ("schema", "main.sales", "USE_CATALOG"),
        ("external_location", "landing", "USE_CONNECTION"),
        ("connection", "pg", "READ_FILES"),
        ("storage_credential", "cred_main", "USE_SCHEMA"),
        ("catalog", "main", "NOT_A_PRIVILEGE"),
    ] {
        let r = sim.patch(
            &format!("{UC}/permissions/{ty}/{name}"),
            json!({"changes": [{"principal": "data-eng", "add": [bad]}]}),
        );
        assert_eq!(r.status, 400, "{ty} {bad}");
        assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
    }
    // nothing was applied by a failing batch
    let r = sim.patch(
        &format!("{UC}/permissions/table/main.sales.orders"),
        json!({"changes": [{"principal": "data-eng", "add": ["SELECT"]}, {"principal": "data-eng", "add": ["USE_CATALOG"]}]}),
    );
    assert_eq!(r.status, 400);
    let r = sim.get(&format!(
        "{UC}/permissions/table/main.sales.orders?principal=data-eng"
    ));
    assert!(direct(&r.body).is_empty());
    for (ty, name, good) in [
        ("volume", "main.sales.raw", "READ_VOLUME"),
        ("function", "main.sales.mask_email", "EXECUTE"),
        ("external_location", "landing", "CREATE_EXTERNAL_TABLE"),
        ("connection", "pg", "USE_CONNECTION"),
        (
            "storage_credential",
            "cred_main",
            "CREATE_EXTERNAL_LOCATION",
        ),
    ] {
        let r = sim.patch(
            &format!("{UC}/permissions/{ty}/{name}"),
            json!({"changes": [{"principal": "data-eng", "add": [good]}]}),
        );
        assert_eq!(r.status, 200, "{ty} {good}: {:?}", r.body);
    }
    let r = sim.get(&format!("{UC}/permissions/table/main.sales.nope"));
    assert_eq!(r.status, 404);
    let r = sim.get(&format!("{UC}/permissions/bogus/main"));
    assert_eq!(r.status, 400);
}

#[test]
fn permissions_pagination_rules() {
    let sim = start();
    let r = sim.get(&format!("{UC}/permissions/catalog/main?max_results=10"));
    assert_eq!(r.status, 400);
    let r = sim.get(&format!("{UC}/permissions/catalog/main?max_results=150"));
    assert_eq!(r.status, 200);
    assert_eq!(direct(&r.body).len(), 2);
    let r = sim.get(&format!(
        "{UC}/privilege-assignments/catalog/main?page_size=0"
    ));
    assert_eq!(direct(&r.body).len(), 2);
}

#[test]
fn effective_permissions_inherit_catalog_then_schema() {
    let sim = start();
    let r = sim.get(&format!(
        "{UC}/effective-permissions/table/main.sales.orders"
    ));
    let rows = r.body["privilege_assignments"].as_array().unwrap();
    let analysts = rows.iter().find(|p| p["principal"] == "analysts").unwrap();
    let privs = analysts["privileges"].as_array().unwrap();
    assert!(privs.contains(&json!({"privilege": "USE_CATALOG",
        "inherited_from_type": "CATALOG", "inherited_from_name": "main"})));
    assert!(privs.contains(&json!({"privilege": "SELECT",
        "inherited_from_type": "SCHEMA", "inherited_from_name": "main.sales"})));
    let bob = rows
        .iter()
        .find(|p| p["principal"] == "bob@example.com")
        .unwrap();
    assert!(
        bob["privileges"]
            .as_array()
            .unwrap()
            .contains(&json!({"privilege": "SELECT"}))
    );
    let r = sim.get(&format!(
        "{UC}/effective-privilege-assignments/schema/main.sales"
    ));
    assert!(
        r.body["effective_privilege_assignments"]
            .as_array()
            .is_some()
    );
}

#[test]
fn entity_tag_assignments_crud() {
    let sim = start();
    let r = sim.get(&format!(
        "{UC}/entity-tag-assignments/tables/main.sales.orders/tags"
    ));
    assert_eq!(r.body["tag_assignments"][0]["tag_key"], "tier");
    let body = json!({"entity_type": "catalogs", "entity_name": "dev", "tag_key": "Cost Center.x",
        "tag_value": "it's `q`"});
    let r = sim.post(&format!("{UC}/entity-tag-assignments"), body.clone());
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tag_value"], "it's `q`");
    assert!(r.body["update_time"].as_str().unwrap().ends_with('Z'));
    let r = sim.post(&format!("{UC}/entity-tag-assignments"), body);
    assert_eq!(r.status, 409);
    let path = format!(
        "{UC}/entity-tag-assignments/catalogs/dev/tags/{}",
        enc("Cost Center.x")
    );
    let r = sim.get(&path);
    assert_eq!(r.body["tag_value"], "it's `q`");
    let r = sim.patch(
        &format!("{path}?update_mask=tag_value"),
        json!({"entity_type": "catalogs", "entity_name": "dev", "tag_key": "Cost Center.x",
            "tag_value": "v2"}),
    );
    assert_eq!(r.body["tag_value"], "v2");
    let r = sim.patch(&path, json!({"tag_value": "v3"}));
    assert_eq!(r.status, 400, "update_mask is required");
    assert_eq!(sim.delete(&path).status, 200);
    assert_eq!(sim.get(&path).status, 404);
    // column entity: case-insensitive column lookup, stored spelling returned
    let r = sim.post(
        &format!("{UC}/entity-tag-assignments"),
        json!({"tag_assignment": {"entity_type": "columns", "entity_name": "main.sales.orders.REGION",
            "tag_key": "k"}}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["entity_name"], "main.sales.orders.region");
    // a key-only tag reads back with an empty value (TAG_VALUE is non-nullable)
    assert_eq!(r.body["tag_value"], "");
    let r = sim.post(
        &format!("{UC}/entity-tag-assignments"),
        json!({"entity_type": "columns", "entity_name": "main.sales.orders.nope", "tag_key": "k"}),
    );
    assert_eq!(r.status, 404);
    let r = sim.post(
        &format!("{UC}/entity-tag-assignments"),
        json!({"entity_type": "bogus", "entity_name": "main", "tag_key": "k"}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn tag_list_paginates() {
    let sim = start();
    for i in 0..5 {
        sim.post(
            &format!("{UC}/entity-tag-assignments"),
            json!({"entity_type": "schemas", "entity_name": "main.hr", "tag_key": format!("k{i}"),
                "tag_value": "v"}),
        );
    }
    let (items, n) = sim.list_all(
        &format!("{UC}/entity-tag-assignments/schemas/main.hr/tags?max_results=2"),
        "tag_assignments",
    );
    assert_eq!(items.len(), 5);
    assert_eq!(n, 3);
}
