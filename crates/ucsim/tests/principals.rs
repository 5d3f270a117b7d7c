//! The principal directory over real HTTP: the SCIM API, grants refused for unknown principals,
//! the case rules (users case-insensitive and stored lower case, groups exact), deleted
//! principals' grants kept by id and removed by `principal_id`, and permission paging under the
//! `empty_pages` fault.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{enc, start};
use serde_json::{Value, json};

const UC: &str = "/api/2.1/unity-catalog";
const SCIM: &str = "/api/2.0/preview/scim/v2";

fn principals(v: &Value) -> Vec<String> {
    v["privilege_assignments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["principal"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn scim_create_get_list_filter_and_delete() {
    let sim = start();
    let r = sim.post(
        &format!("{SCIM}/Users"),
        json!({"userName": "New.Person@Example.com", "displayName": "New Person"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["userName"], "new.person@example.com");
    assert_eq!(r.body["displayName"], "New Person");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(id.parse::<i64>().is_ok());
    assert_eq!(
        sim.get(&format!("{SCIM}/Users/{id}")).body["userName"],
        "new.person@example.com"
    );
    // a second user with the same e-mail in another case is a conflict, in the SCIM form
    let r = sim.post(
        &format!("{SCIM}/Users"),
        json!({"userName": "new.person@example.COM"}),
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.body["status"], "409");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );

    // filter as the SDK sends it; startIndex/count paging
    let f = enc(r#"userName eq "NEW.PERSON@example.com""#);
    let r = sim.get(&format!("{SCIM}/Users?filter={f}"));
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["id"], id.as_str());
    let r = sim.get(&format!("{SCIM}/Users?startIndex=1&count=1"));
    assert_eq!(r.body["itemsPerPage"], 1);
    assert_eq!(r.body["totalResults"], 2);
    let r = sim.get(&format!("{SCIM}/Users?startIndex=3&count=1"));
    assert!(r.body.get("Resources").is_none());

    // groups keep their case; the built-in groups are always there
    let g = sim.post(
        &format!("{SCIM}/Groups"),
        json!({"displayName": "Data Stewards"}),
    );
    assert_eq!(g.body["displayName"], "Data Stewards");
    let r = sim.get(&format!("{SCIM}/Groups"));
    let names: Vec<&str> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    for b in [
        "account users",
        "users",
        "admins",
        "analysts",
        "Data Stewards",
    ] {
        assert!(names.contains(&b), "{b} in {names:?}");
    }

    // service principals by application id
    let sp = sim.post(
        &format!("{SCIM}/ServicePrincipals"),
        json!({"applicationId": "0A1B2C3D-0000-4000-8000-0000000000AA", "displayName": "etl"}),
    );
    assert_eq!(sp.status, 200);
    assert_eq!(
        sp.body["applicationId"],
        "0a1b2c3d-0000-4000-8000-0000000000aa"
    );
    let sp2 = sim.post(
        &format!("{SCIM}/ServicePrincipals"),
        json!({"displayName": "generated"}),
    );
    assert!(sp2.body["applicationId"].as_str().unwrap().len() == 36);

    // delete, then get is a SCIM 404
    assert_eq!(sim.delete(&format!("{SCIM}/Users/{id}")).status, 200);
    let r = sim.get(&format!("{SCIM}/Users/{id}"));
    assert_eq!(r.status, 404);
    assert_eq!(r.body["status"], "404");
    let admins = sim.get(&format!(
        "{SCIM}/Groups?filter={}",
        enc(r#"displayName eq "admins""#)
    ));
    let admins_id = admins.body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sim.delete(&format!("{SCIM}/Groups/{admins_id}")).status,
        400
    );
}

#[test]
fn a_grant_to_an_unknown_principal_fails_as_databricks_does() {
    let sim = start();
    let r = sim.patch(
        &format!("{UC}/permissions/catalog/main"),
        json!({"changes": [{"principal": "nobody@example.com", "add": ["USE_CATALOG"]}]}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "PRINCIPAL_DOES_NOT_EXIST");
    assert_eq!(
        r.body["message"],
        "Could not find principal with name nobody@example.com."
    );
    // workspace-local built-in groups are not Unity Catalog principals
    for local in ["users", "admins"] {
        let r = sim.patch(
            &format!("{UC}/permissions/catalog/main"),
            json!({"changes": [{"principal": local, "add": ["BROWSE"]}]}),
        );
        assert_eq!(r.body["error_code"], "PRINCIPAL_DOES_NOT_EXIST", "{local}");
    }
    // a batch with one unknown principal applies nothing
    let r = sim.patch(
        &format!("{UC}/permissions/catalog/main"),
        json!({"changes": [{"principal": "analysts", "add": ["CREATE_SCHEMA"]},
                           {"principal": "ghost", "add": ["BROWSE"]}]}),
    );
    assert_eq!(r.status, 404);
    let r = sim.get(&format!("{UC}/permissions/catalog/main?principal=analysts"));
    assert_eq!(
        r.body["privilege_assignments"][0]["privileges"],
        json!(["USE_CATALOG"])
    );
    // SQL GRANT: the same error class, unwrapped
    let e = sim.sql_err("GRANT SELECT ON TABLE main.sales.orders TO `ghost@example.com`");
    assert!(
        e.starts_with(
            "[PRINCIPAL_DOES_NOT_EXIST] Could not find principal with name ghost@example.com."
        ),
        "{e}"
    );
    // neither principal nor principal_id; both
    let r = sim.patch(
        &format!("{UC}/permissions/catalog/main"),
        json!({"changes": [{"add": ["BROWSE"]}]}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["message"],
        "at least one of 'principal' or 'principal_id' must be set"
    );
    let r = sim.patch(
        &format!("{UC}/permissions/catalog/main"),
        json!({"changes": [{"principal": "analysts", "principal_id": 1, "remove": ["BROWSE"]}]}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn users_match_any_case_and_read_back_lower_case_groups_match_exactly() {
    let sim = start();
    sim.add_user("Carol@Example.com");
    sim.add_group("Analysts");
    let r = sim.patch(
        &format!("{UC}/permissions/schema/main.sales"),
        json!({"changes": [{"principal": "CAROL@example.com", "add": ["USE_SCHEMA"]},
                           {"principal": "Analysts", "add": ["USE_SCHEMA"]}]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let got = principals(&sim.get(&format!("{UC}/permissions/schema/main.sales")).body);
    assert!(got.contains(&"carol@example.com".to_string()), "{got:?}");
    assert!(got.contains(&"Analysts".to_string()), "{got:?}");
    assert!(got.contains(&"analysts".to_string()), "{got:?}");
    // `analysts` (seeded) and `Analysts` are two groups; `ANALYSTS` is neither
    let r = sim.patch(
        &format!("{UC}/permissions/schema/main.sales"),
        json!({"changes": [{"principal": "ANALYSTS", "add": ["USE_SCHEMA"]}]}),
    );
    assert_eq!(r.body["error_code"], "PRINCIPAL_DOES_NOT_EXIST");
    // SQL follows the same rules and SHOW GRANTS reads back the stored name
    sim.rows("GRANT SELECT ON TABLE main.sales.orders TO `Carol@EXAMPLE.com`");
    let g = sim.rows("SHOW GRANTS `carol@example.com` ON TABLE main.sales.orders");
    assert_eq!(g[0][0], json!("carol@example.com"));
    // every assignment carries the principal id
    let r = sim.get(&format!("{UC}/permissions/schema/main.sales"));
    for a in r.body["privilege_assignments"].as_array().unwrap() {
        assert!(a["principal_id"].as_i64().is_some(), "{a}");
    }
}

#[test]
fn a_deleted_users_grants_stay_readable_by_id_and_are_removed_by_principal_id() {
    let sim = start();
    let id = sim.add_user("leaver@example.com");
    let path = format!("{UC}/permissions/table/main.sales.orders");
    let r = sim.patch(
        &path,
        json!({"changes": [{"principal": "leaver@example.com", "add": ["SELECT", "MODIFY"]}]}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(sim.delete(&format!("{SCIM}/Users/{id}")).status, 200);
    // hidden by default; with include_deleted_principals: no principal, only its id
    let r = sim.get(&path);
    assert!(!principals(&r.body).contains(&"leaver@example.com".to_string()));
    let r = sim.get(&format!("{path}?include_deleted_principals=true"));
    let del: Vec<&Value> = r.body["privilege_assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("principal").is_none())
        .collect();
    assert_eq!(del.len(), 1);
    assert_eq!(del[0]["principal_id"].to_string(), id);
    assert_eq!(del[0]["privileges"], json!(["MODIFY", "SELECT"]));
    // the name no longer resolves; a new user of that name is a different principal
    let r = sim.patch(
        &path,
        json!({"changes": [{"principal": "leaver@example.com", "remove": ["SELECT"]}]}),
    );
    assert_eq!(r.body["error_code"], "PRINCIPAL_DOES_NOT_EXIST");
    // add by principal_id is refused; remove by principal_id works
    let pid: i64 = id.parse().unwrap();
    let r = sim.patch(
        &path,
        json!({"changes": [{"principal_id": pid, "add": ["SELECT"]}]}),
    );
    assert_eq!(r.status, 400);
    let r = sim.patch(
        &path,
        json!({"changes": [{"principal_id": pid, "remove": ["SELECT", "MODIFY"]}]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = sim.get(&format!("{path}?include_deleted_principals=true"));
    assert!(
        r.body["privilege_assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("principal").is_some())
    );
    let r = sim.patch(
        &path,
        json!({"changes": [{"principal_id": 42, "remove": ["SELECT"]}]}),
    );
    assert_eq!(r.body["error_code"], "PRINCIPAL_DOES_NOT_EXIST");
    // information_schema does not show the deleted principal either
    let rows = sim.rows(
        "SELECT grantee FROM main.information_schema.table_privileges WHERE table_name = 'orders'",
    );
    assert!(
        rows.iter()
            .all(|r| !r[0].as_str().unwrap().starts_with("deleted:"))
    );
}

#[test]
fn seeds_must_declare_the_principals_their_grants_name() {
    let r = ucsim::Server::start(ucsim::Config {
        seed_json: Some(json!({"catalogs": [{"name": "c", "grants": {"ghost": ["USE_CATALOG"]}}]})),
        ..ucsim::Config::default()
    });
    match r {
        Err(ucsim::StartError::Seed { message, .. }) => {
            assert!(
                message.contains("Could not find principal with name ghost."),
                "{message}"
            );
        }
        other => panic!("expected a seed error, got {:?}", other.is_ok()),
    }
    let h = ucsim::Server::start(ucsim::Config {
        seed_json: Some(json!({
            "principals": {"users": [{"user_name": "Dee@Example.com"}], "groups": [{"display_name": "G"}]},
            "catalogs": [{"name": "c", "grants": {"dee@example.com": ["USE_CATALOG"], "G": ["BROWSE"]}}]})),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dump = h.dump().unwrap();
    assert_eq!(
        dump["principals"]["users"][0]["user_name"],
        "dee@example.com"
    );
    assert_eq!(dump["catalogs"][0]["grants"]["G"], json!(["BROWSE"]));
    h.stop();
}

#[test]
fn permission_pages_honour_max_results_and_the_empty_pages_fault() {
    let sim = start();
    for i in 0..200 {
        sim.add_user(&format!("u{i:03}@example.com"));
    }
    let changes: Vec<Value> = (0..200)
        .map(|i| json!({"principal": format!("u{i:03}@example.com"), "add": ["BROWSE"]}))
        .collect();
    let path = format!("{UC}/permissions/catalog/main");
    assert_eq!(sim.patch(&path, json!({ "changes": changes })).status, 200);
    // unpaginated without max_results; 150 per page with max_results=150
    let r = sim.get(&path);
    assert!(r.body.get("next_page_token").is_none());
    assert_eq!(principals(&r.body).len(), 202);
    let r = sim.get(&format!("{path}?max_results=150"));
    assert_eq!(principals(&r.body).len(), 150);
    let (all, n) = sim.list_all(&format!("{path}?max_results=0"), "privilege_assignments");
    assert_eq!(all.len(), 202);
    assert_eq!(n, 2);
    // empty first page with a token, then the rest
    sim.admin("PATCH", "/ucsim/faults", Some(json!({"empty_pages": true})));
    let r = sim.get(&format!("{path}?max_results=0"));
    assert!(r.body.get("privilege_assignments").is_none());
    assert!(r.body["next_page_token"].as_str().is_some());
    let (all, n) = sim.list_all(&format!("{path}?max_results=0"), "privilege_assignments");
    assert_eq!(all.len(), 202);
    assert_eq!(n, 3);
}
