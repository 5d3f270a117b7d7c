//! Tag strictness (absent and existing keys, which entity types the API tags, key-only values,
//! inherited tags) and what each securable type accepts (privileges per `table_type`, no row
//! filter or mask on a view, `COMMENT ON` kinds, `ALTER VIEW` clauses), with SQL errors carrying
//! one unwrapped error class and its SQLSTATE.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::start;
use serde_json::json;

const UC: &str = "/api/2.1/unity-catalog";

/// Runs a statement that must fail; returns (message, sql_state).
fn fails(sim: &common::Sim, statement: &str) -> (String, String) {
    let v = sim.sql(statement);
    assert_eq!(v["status"]["state"], "FAILED", "{statement}: {v}");
    (
        v["status"]["error"]["message"]
            .as_str()
            .unwrap()
            .to_string(),
        v["status"]["sql_state"].as_str().unwrap().to_string(),
    )
}

/// Every assignment of a list (through all pages): (key, value, inherited).
fn assignments(sim: &common::Sim, path: &str) -> Vec<(String, String, bool)> {
    sim.list_all(path, "tag_assignments")
        .0
        .iter()
        .map(|t| {
            (
                t["tag_key"].as_str().unwrap().to_string(),
                t["tag_value"].as_str().unwrap().to_string(),
                t["inherited"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn unset_tag_on_an_absent_key_fails_but_unset_tags_is_a_no_op() {
    let sim = start();
    let (msg, state) = fails(&sim, "UNSET TAG ON TABLE main.sales.orders nope");
    assert!(msg.starts_with("[RESOURCE_DOES_NOT_EXIST] "), "{msg}");
    assert_eq!(state, "42704");
    let (msg, _) = fails(&sim, "UNSET TAG ON COLUMN main.sales.orders.email nope");
    assert!(msg.starts_with("[RESOURCE_DOES_NOT_EXIST] "), "{msg}");
    // the documented no-op of the ALTER form
    sim.rows("ALTER TABLE main.sales.orders UNSET TAGS ('nope')");
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN email UNSET TAGS ('nope')");
    // an existing key is removed
    sim.rows("UNSET TAG ON TABLE main.sales.orders tier");
    assert!(
        sim.rows(
            "SELECT tag_name FROM main.information_schema.table_tags WHERE table_name = 'orders'"
        )
        .is_empty()
    );
}

#[test]
fn set_tag_on_an_existing_key_fails_unwrapped() {
    let sim = start();
    let (msg, state) = fails(&sim, "SET TAG ON TABLE main.sales.orders tier = silver");
    assert!(msg.starts_with("[TAG_ALREADY_EXISTS] "), "{msg}");
    assert!(!msg.contains("INVALID_PARAMETER_VALUE"), "{msg}");
    assert_eq!(state, "42710");
    // SET TAGS overwrites
    sim.rows("ALTER TABLE main.sales.orders SET TAGS ('tier' = 'silver')");
}

#[test]
fn the_tag_api_refuses_functions_and_sql_tags_them() {
    let sim = start();
    let r = sim.post(
        &format!("{UC}/entity-tag-assignments"),
        json!({"entity_type": "functions", "entity_name": "main.sales.mask_email", "tag_key": "k"}),
    );
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
    let r = sim.get(&format!(
        "{UC}/entity-tag-assignments/functions/main.sales.mask_email/tags"
    ));
    assert_eq!(r.status, 400);
    sim.rows("SET TAG ON FUNCTION main.sales.mask_email team = sec");
    sim.rows("UNSET TAG ON FUNCTION main.sales.mask_email team");
}

#[test]
fn a_key_only_tag_reads_back_with_an_empty_value() {
    let sim = start();
    sim.rows("SET TAG ON TABLE main.sales.orders pii");
    let r = sim.get(&format!(
        "{UC}/entity-tag-assignments/tables/main.sales.orders/tags/pii"
    ));
    assert_eq!(r.body["tag_value"], "");
    assert_eq!(
        sim.rows("SELECT tag_value FROM main.information_schema.table_tags WHERE tag_name = 'pii'"),
        vec![vec![json!("")]]
    );
}

#[test]
fn inherited_tags_are_listed_only_when_asked_and_never_in_information_schema() {
    let sim = start();
    sim.rows("ALTER SCHEMA main.sales SET TAGS ('env' = 'schema-level', 'domain' = 'sales')");
    let base = format!("{UC}/entity-tag-assignments/tables/main.sales.orders/tags");
    assert_eq!(
        assignments(&sim, &base),
        vec![("tier".into(), "gold".into(), false)]
    );
    // with include_inherited: the schema's tags (nearest first: its `env` hides the
    // catalog's) as inherited, the table's own not
    let r = sim.get(&format!("{base}?include_inherited=true"));
    assert_eq!(
        assignments(&sim, &format!("{base}?include_inherited=true")),
        vec![
            ("domain".into(), "sales".into(), true),
            ("env".into(), "schema-level".into(), true),
            ("tier".into(), "gold".into(), false),
        ]
    );
    assert_eq!(
        r.body["tag_assignments"][0]["entity_name"],
        "main.sales.orders"
    );
    // a key the table carries itself wins over an inherited one
    sim.rows("ALTER TABLE main.sales.orders SET TAGS ('env' = 'own')");
    assert!(
        assignments(&sim, &format!("{base}?include_inherited=true")).contains(&(
            "env".into(),
            "own".into(),
            false
        ))
    );
    // GET of an inherited key only with include_inherited
    let one = format!("{UC}/entity-tag-assignments/columns/main.sales.orders.email/tags/domain");
    assert_eq!(sim.get(&one).status, 404);
    let r = sim.get(&format!("{one}?include_inherited=true"));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["inherited"], true);
    // information_schema lists the tags made on each object only
    assert_eq!(
        sim.rows(
            "SELECT tag_name, tag_value FROM main.information_schema.table_tags \
             WHERE table_name = 'orders' ORDER BY tag_name"
        ),
        vec![
            vec![json!("env"), json!("own")],
            vec![json!("tier"), json!("gold")]
        ]
    );
    assert!(
        sim.rows(
            "SELECT tag_name FROM main.information_schema.column_tags WHERE tag_name = 'domain'"
        )
        .is_empty()
    );
}

#[test]
fn privileges_depend_on_the_table_type() {
    let sim = start();
    let patch = |full: &str, p: &str| {
        sim.patch(
            &format!("{UC}/permissions/table/{full}"),
            json!({"changes": [{"principal": "analysts", "add": [p]}]}),
        )
        .status
    };
    for p in ["SELECT", "APPLY_TAG", "MANAGE", "ALL_PRIVILEGES"] {
        assert_eq!(patch("sandbox.views.v", p), 200, "{p} on a view");
    }
    for p in ["MODIFY", "REFRESH"] {
        assert_eq!(patch("sandbox.views.v", p), 400, "{p} on a view");
    }
    assert_eq!(patch("sandbox.views.mv", "REFRESH"), 200);
    assert_eq!(patch("sandbox.views.mv", "MODIFY"), 400);
    assert_eq!(patch("main.sales.orders", "MODIFY"), 200);
    assert_eq!(patch("main.sales.orders", "REFRESH"), 400);
    let (msg, _) = fails(&sim, "GRANT MODIFY ON VIEW sandbox.views.v TO analysts");
    assert!(msg.contains("MODIFY"), "{msg}");
    sim.rows("GRANT SELECT ON VIEW sandbox.views.v TO analysts");
    sim.rows("GRANT REFRESH ON MATERIALIZED VIEW sandbox.views.mv TO analysts");
}

#[test]
fn views_refuse_row_filters_and_masks() {
    let sim = start();
    for stmt in [
        "ALTER TABLE sandbox.views.v SET ROW FILTER main.sales.region_filter ON (email)",
        "ALTER TABLE sandbox.views.v DROP ROW FILTER",
        "ALTER TABLE sandbox.views.v ALTER COLUMN email SET MASK main.sales.mask_email",
        "ALTER TABLE sandbox.views.v ALTER COLUMN email DROP MASK",
    ] {
        let (msg, state) = fails(&sim, stmt);
        assert!(
            msg.starts_with("[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] "),
            "{stmt}: {msg}"
        );
        assert_eq!(state, "42809");
    }
    for stmt in [
        "ALTER VIEW sandbox.views.v SET ROW FILTER main.sales.region_filter ON (email)",
        "ALTER VIEW sandbox.views.v ALTER COLUMN email SET MASK main.sales.mask_email",
        "ALTER VIEW sandbox.views.v ALTER COLUMN email COMMENT 'x'",
        "ALTER VIEW sandbox.views.v CHANGE COLUMN email SET TAGS ('k' = 'v')",
        "ALTER VIEW sandbox.views.v COMMENT 'x'",
    ] {
        let (msg, state) = fails(&sim, stmt);
        assert!(msg.starts_with("[PARSE_SYNTAX_ERROR] "), "{stmt}: {msg}");
        assert_eq!(state, "42601");
    }
}

#[test]
fn view_column_tags_through_alter_view_or_alter_table() {
    let sim = start();
    sim.rows("ALTER VIEW sandbox.views.v ALTER COLUMN email SET TAGS ('pii' = 'email')");
    sim.rows("ALTER TABLE sandbox.views.v ALTER COLUMN id SET TAGS ('k' = 'v')");
    sim.rows("ALTER VIEW sandbox.views.v SET TAGS ('tier' = 'gold')");
    assert_eq!(
        sim.rows(
            "SELECT column_name, tag_name FROM sandbox.information_schema.column_tags \
             WHERE table_name = 'v' ORDER BY column_name"
        ),
        vec![
            vec![json!("email"), json!("pii")],
            vec![json!("id"), json!("k")]
        ]
    );
    sim.rows("ALTER VIEW sandbox.views.v ALTER COLUMN email UNSET TAGS ('pii')");
}

#[test]
fn comment_on_only_for_the_listed_kinds() {
    let sim = start();
    sim.rows("COMMENT ON TABLE sandbox.views.v IS 'a view'");
    sim.rows("COMMENT ON COLUMN main.sales.orders.email IS 'mail'");
    sim.rows("COMMENT ON CATALOG main IS 'c'");
    sim.rows("COMMENT ON VOLUME main.sales.raw IS 'v'");
    sim.rows("COMMENT ON CONNECTION pg IS 'p'");
    for stmt in [
        "COMMENT ON FUNCTION main.sales.mask_email IS 'x'",
        "COMMENT ON VIEW sandbox.views.v IS 'x'",
        "COMMENT ON EXTERNAL LOCATION landing IS 'x'",
        "COMMENT ON STORAGE CREDENTIAL cred_main IS 'x'",
    ] {
        let (msg, state) = fails(&sim, stmt);
        assert!(msg.starts_with("[PARSE_SYNTAX_ERROR] "), "{stmt}: {msg}");
        assert_eq!(state, "42601");
    }
}

#[test]
fn sql_errors_carry_one_error_class() {
    let sim = start();
    let (msg, state) = fails(
        &sim,
        "ALTER TABLE main.sales.orders ALTER COLUMN nope SET MASK main.sales.mask_email",
    );
    assert!(
        msg.starts_with("[UNRESOLVED_COLUMN.WITH_SUGGESTION] "),
        "{msg}"
    );
    assert!(!msg.contains("INVALID_PARAMETER_VALUE"), "{msg}");
    assert_eq!(state, "42703");
    let (msg, state) = fails(
        &sim,
        "ALTER TABLE main.sales.orders ALTER COLUMN nope COMMENT 'x'",
    );
    assert!(
        msg.starts_with("[UNRESOLVED_COLUMN.WITH_SUGGESTION] "),
        "{msg}"
    );
    assert_eq!(state, "42703");
}
