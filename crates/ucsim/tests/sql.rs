//! The SQL Statement Execution API of ucsim: every supported statement, exact quoting round
//! trips, information_schema SELECTs, failures as FAILED statements, async lifecycle, chunks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TOKEN, start, start_with};
use serde_json::{Value, json};
use ucsim::Config;

const UC: &str = "/api/2.1/unity-catalog";

fn s(v: &str) -> Value {
    json!(v)
}

#[test]
fn quoting_round_trip_create_describe_information_schema() {
    let sim = start();
    sim.rows(
        r"CREATE TABLE main.sales.`we``ird'na-mé` (`col with space.and'q` STRING COMMENT 'it\'s `c` \\ x', id BIGINT NOT NULL)",
    );
    sim.rows(
        r"ALTER TABLE main.sales.`we``ird'na-mé` SET TAGS ('k\'ey`x' = 'va\'l`ue', 'dot.key' = '')",
    );
    sim.rows(
        r"ALTER TABLE main.sales.`we``ird'na-mé` ALTER COLUMN `col with space.and'q` SET TAGS ('p q' = 'a.b')",
    );
    sim.rows(r"COMMENT ON TABLE main.sales.`we``ird'na-mé` IS 'say \'hi\' `x`'");
    sim.add_user("First.Last+tag@example.com");
    sim.rows(r"GRANT SELECT ON TABLE main.sales.`we``ird'na-mé` TO `first.last+tag@example.com`");
    sim.rows("GRANT SELECT ON TABLE main.sales.`we``ird'na-mé` TO `account users`");
    sim.rows("ALTER TABLE main.sales.`we``ird'na-mé` OWNER TO `Data Eng's`");

    let name = "we`ird'na-mé";
    let d = sim.rows(r"DESCRIBE TABLE EXTENDED main.sales.`we``ird'na-mé`");
    assert_eq!(
        d[0],
        vec![s("col with space.and'q"), s("string"), s("it's `c` \\ x")]
    );
    assert_eq!(d[1], vec![s("id"), s("bigint"), Value::Null]);
    assert!(d.contains(&vec![s("Table"), s(name), s("")]));
    assert!(d.contains(&vec![s("Owner"), s("Data Eng's"), s("")]));
    assert!(d.contains(&vec![s("Comment"), s("say 'hi' `x`"), s("")]));

    let t = sim.rows(&format!(
        "SELECT table_name, tag_name, tag_value FROM main.information_schema.table_tags \
         WHERE table_name = '{}' ORDER BY tag_name",
        name.replace('\'', "\\'")
    ));
    assert_eq!(
        t,
        vec![
            vec![s(name), s("dot.key"), s("")],
            vec![s(name), s("k'ey`x"), s("va'l`ue")]
        ]
    );
    let c = sim.rows(
        "SELECT column_name, tag_name, tag_value FROM main.information_schema.column_tags \
         WHERE table_name LIKE 'we%'",
    );
    assert_eq!(c, vec![vec![s("col with space.and'q"), s("p q"), s("a.b")]]);
    let g = sim.rows(&format!(
        "SELECT grantee FROM main.information_schema.table_privileges WHERE table_name = '{}' \
         AND inherited_from = 'NONE' ORDER BY grantee",
        name.replace('\'', "''")
    ));
    assert_eq!(
        g,
        vec![
            vec![s("account users")],
            vec![s("first.last+tag@example.com")]
        ]
    );
    let tb = sim.rows(&format!(
        "SELECT table_owner, comment FROM main.information_schema.tables WHERE table_name = '{}'",
        name.replace('\'', "\\'")
    ));
    assert_eq!(tb, vec![vec![s("Data Eng's"), s("say 'hi' `x`")]]);
    // and REST agrees
    let r = sim.get(&format!(
        "{UC}/tables/{}",
        common::enc(&format!("main.sales.{name}"))
    ));
    assert_eq!(r.body["name"], name);
    assert_eq!(r.body["columns"][0]["comment"], "it's `c` \\ x");
}

#[test]
fn names_uc_refuses_fail_in_sql() {
    let sim = start();
    let e = sim.sql_err("CREATE TABLE main.sales.`a.b` (x INT)");
    assert!(e.contains("period"), "{e}");
    let e = sim.sql_err("CREATE TABLE main.sales.`a b` (x INT)");
    assert!(e.contains("space"), "{e}");
}

#[test]
fn tags_on_every_securable_and_unset() {
    let sim = start();
    for stmt in [
        "ALTER CATALOG main SET TAGS ('a' = '1')",
        "ALTER SCHEMA main.sales SET TAGS ('a' = '2')",
        "ALTER TABLE main.sales.orders SET TAGS ('a' = '3')",
        "ALTER VOLUME main.sales.raw SET TAGS ('a' = '4')",
        "ALTER TABLE main.sales.orders ALTER COLUMN id SET TAGS ('a' = '5')",
        "SET TAG ON TABLE main.sales.customers b = c",
        "SET TAG ON COLUMN main.sales.customers.id keyonly",
    ] {
        sim.rows(stmt);
    }
    assert_eq!(
        sim.rows("SELECT tag_value FROM main.information_schema.catalog_tags WHERE tag_name = 'a'"),
        vec![vec![s("1")]]
    );
    assert_eq!(
        sim.rows("SELECT tag_value FROM main.information_schema.schema_tags WHERE tag_name = 'a'"),
        vec![vec![s("2")]]
    );
    assert_eq!(
        sim.rows("SELECT table_name, tag_value FROM main.information_schema.table_tags WHERE tag_name IN ('a', 'b') ORDER BY table_name"),
        vec![vec![s("customers"), s("c")], vec![s("orders"), s("3")]]
    );
    assert_eq!(
        sim.rows("SELECT volume_name, tag_value FROM main.information_schema.volume_tags"),
        vec![vec![s("raw"), s("4")]]
    );
    assert_eq!(
        sim.rows("SELECT table_name, column_name, tag_value FROM main.information_schema.column_tags WHERE tag_name <> 'pii' ORDER BY table_name"),
        vec![vec![s("customers"), s("id"), s("")], vec![s("orders"), s("id"), s("5")]]
    );
    let e = sim.sql_err("SET TAG ON TABLE main.sales.customers b = d");
    assert!(e.contains("TAG_ALREADY_EXISTS"), "{e}");
    sim.rows("ALTER TABLE main.sales.orders UNSET TAGS ('a', 'tier')");
    sim.rows("UNSET TAG ON TABLE main.sales.customers b");
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN id UNSET TAGS ('a')");
    assert!(
        sim.rows("SELECT * FROM main.information_schema.table_tags")
            .is_empty()
    );
    let r = sim.get(&format!(
        "{UC}/entity-tag-assignments/columns/main.sales.orders.id/tags"
    ));
    assert_eq!(r.body, json!({}));
}

#[test]
fn row_filters_and_masks() {
    let sim = start();
    sim.rows("ALTER TABLE main.sales.orders DROP ROW FILTER");
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN email DROP MASK");
    assert!(
        sim.rows("SELECT * FROM main.information_schema.row_filters")
            .is_empty()
    );
    assert!(
        sim.rows("SELECT * FROM main.information_schema.column_masks")
            .is_empty()
    );
    let r = sim.get(&format!("{UC}/tables/main.sales.orders"));
    assert!(r.body.get("row_filter").is_none());
    sim.rows("ALTER TABLE `main`.`sales`.`orders` SET ROW FILTER `main`.`sales`.`region_filter` ON (`REGION`, 'US')");
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN email SET MASK main.sales.mask_email USING COLUMNS (region, 'a,b', -42)");
    let r = sim.get(&format!("{UC}/tables/main.sales.orders"));
    assert_eq!(
        r.body["row_filter"],
        json!({"function_name": "main.sales.region_filter", "input_column_names": ["region"],
            "input_arguments": [{"column": "region"}, {"constant": "'US'"}]})
    );
    assert_eq!(
        r.body["columns"][1]["mask"],
        json!({"function_name": "main.sales.mask_email", "using_column_names": ["region"],
            "using_arguments": [{"column": "region"}, {"constant": "'a,b'"}, {"constant": "-42"}]})
    );
    assert_eq!(
        sim.rows("SELECT table_name, filter_name, target_columns FROM main.information_schema.row_filters"),
        vec![vec![s("orders"), s("main.sales.region_filter"), s("region,'US'")]]
    );
    assert_eq!(
        sim.rows("SELECT column_name, mask_name, using_columns FROM system.information_schema.column_masks"),
        vec![vec![s("email"), s("main.sales.mask_email"), s("region,\"'a,b'\",-42")]]
    );
    let d = sim.rows("DESCRIBE TABLE EXTENDED main.sales.orders");
    assert!(d.contains(&vec![
        s("Row Filter"),
        s("`main`.`sales`.`region_filter` ON (`region`, 'US')"),
        s("")
    ]));
    let i = d.iter().position(|r| r[0] == "# Column Masks").unwrap();
    assert_eq!(
        d[i + 1],
        vec![
            s("email"),
            s("`main`.`sales`.`mask_email` USING COLUMNS (`region`, 'a,b', -42)"),
            s("")
        ]
    );
    let j = sim.rows("DESCRIBE TABLE EXTENDED main.sales.orders AS JSON");
    let doc: Value = serde_json::from_str(j[0][0].as_str().unwrap()).unwrap();
    assert_eq!(
        doc["row_filter"],
        json!({"function_name": {"catalog_name": "main", "schema_name": "sales",
            "function_name": "region_filter"}, "column_names": ["region"],
            "input_arguments": [{"column": "region"}, {"constant": "'US'"}]})
    );
    assert_eq!(doc["column_masks"][0]["column_name"], "email");
    assert_eq!(doc["columns"][0]["type"], json!({"name": "long"}));
    let e = sim.sql_err("ALTER TABLE main.sales.orders SET ROW FILTER main.sales.nope ON (region)");
    assert!(e.contains("ROUTINE_NOT_FOUND"), "{e}");
    let e = sim
        .sql_err("ALTER TABLE main.sales.orders ALTER COLUMN nope SET MASK main.sales.mask_email");
    assert!(e.contains("UNRESOLVED_COLUMN"), "{e}");
}

#[test]
fn create_table_with_masks_filter_and_function() {
    let sim = start();
    sim.rows(
        "CREATE FUNCTION main.sales.f(r STRING) RETURNS BOOLEAN COMMENT 'flt' RETURN r = 'US'",
    );
    sim.rows(
        "CREATE TABLE IF NOT EXISTS main.finance.t (id BIGINT NOT NULL COMMENT 'pk', \
         amount DECIMAL(10, 2), email STRING MASK main.sales.mask_email, r STRING) \
         USING delta COMMENT 'facts' TBLPROPERTIES ('a' = 'b') WITH ROW FILTER main.sales.f ON (r)",
    );
    // A CREATE TABLE whose MASK or ROW FILTER clause fails creates nothing.
    for bad in [
        "CREATE TABLE main.finance.half (c STRING MASK main.sales.nope)",
        "CREATE TABLE main.finance.half (c STRING) WITH ROW FILTER main.sales.f ON (nope)",
        "CREATE TABLE main.finance.half (c STRING MASK main.sales.mask_email USING COLUMNS (x))",
    ] {
        sim.sql_err(bad);
        assert_eq!(
            sim.get(&format!("{UC}/tables/main.finance.half")).status,
            404,
            "{bad}"
        );
    }
    // IF NOT EXISTS on an existing table is a no-op
    sim.rows("CREATE TABLE IF NOT EXISTS main.finance.t (x INT)");
    let e = sim.sql_err("CREATE TABLE main.finance.t (x INT)");
    assert!(e.contains("TABLE_OR_VIEW_ALREADY_EXISTS"), "{e}");
    let r = sim.get(&format!("{UC}/tables/main.finance.t"));
    assert_eq!(r.body["comment"], "facts");
    assert_eq!(r.body["properties"], json!({"a": "b"}));
    assert_eq!(r.body["columns"][1]["type_text"], "decimal(10,2)");
    assert_eq!(r.body["columns"][1]["type_name"], "DECIMAL");
    assert_eq!(r.body["columns"][0]["nullable"], false);
    assert_eq!(
        r.body["columns"][2]["mask"]["function_name"],
        "main.sales.mask_email"
    );
    assert_eq!(r.body["row_filter"]["function_name"], "main.sales.f");
    let f = sim.get(&format!("{UC}/functions/main.sales.f"));
    assert_eq!(f.body["routine_definition"], "r = 'US'");
    assert_eq!(f.body["data_type"], "BOOLEAN");
    assert_eq!(f.body["comment"], "flt");
    assert_eq!(f.body["input_params"]["parameters"][0]["name"], "r");
    let cols = sim.rows(
        "SELECT column_name, ordinal_position, is_nullable, full_data_type FROM \
         main.information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position DESC LIMIT 2",
    );
    assert_eq!(
        cols,
        vec![
            vec![s("r"), s("4"), s("YES"), s("STRING")],
            vec![s("email"), s("3"), s("YES"), s("STRING")]
        ]
    );
    sim.rows("CREATE SCHEMA main.extra COMMENT 'x'");
    sim.rows("CREATE VOLUME main.extra.v");
    sim.rows("DROP VOLUME main.extra.v");
    let e = sim.sql_err("DROP SCHEMA main.finance");
    assert!(e.contains("SCHEMA_NOT_EMPTY"), "{e}");
    sim.rows("DROP SCHEMA main.finance CASCADE");
    sim.rows("DROP TABLE IF EXISTS main.finance.t");
}

#[test]
fn comments_owners_and_grants() {
    let sim = start();
    sim.rows("COMMENT ON CATALOG main IS 'c1'");
    sim.rows("COMMENT ON SCHEMA main.sales IS 's1'");
    sim.rows("COMMENT ON VOLUME main.sales.raw IS 'v1'");
    sim.rows("COMMENT ON COLUMN main.sales.orders.region IS 'r1'");
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN id COMMENT 'i1'");
    sim.rows("COMMENT ON TABLE main.sales.orders IS NULL");
    sim.rows("ALTER SCHEMA main.sales OWNER TO `grp`");
    sim.rows("ALTER CATALOG main SET OWNER TO `someone@example.com`");
    sim.rows("ALTER VOLUME main.sales.raw OWNER TO vowner");
    assert_eq!(
        sim.get(&format!("{UC}/catalogs/main")).body["comment"],
        "c1"
    );
    assert_eq!(
        sim.get(&format!("{UC}/catalogs/main")).body["owner"],
        "someone@example.com"
    );
    assert_eq!(
        sim.get(&format!("{UC}/schemas/main.sales")).body["owner"],
        "grp"
    );
    assert_eq!(
        sim.get(&format!("{UC}/volumes/main.sales.raw")).body["comment"],
        "v1"
    );
    assert_eq!(
        sim.get(&format!("{UC}/volumes/main.sales.raw")).body["owner"],
        "vowner"
    );
    let t = sim.get(&format!("{UC}/tables/main.sales.orders")).body;
    assert!(t.get("comment").is_none());
    assert_eq!(t["columns"][0]["comment"], "i1");
    assert_eq!(t["columns"][2]["comment"], "r1");

    sim.add_user("a@b.c");
    sim.add_group("hr_admins");
    sim.rows("GRANT USE CATALOG, BROWSE ON CATALOG dev TO `account users`");
    sim.rows("GRANT ALL PRIVILEGES ON SCHEMA main.hr TO hr_admins");
    sim.rows("GRANT READ VOLUME ON VOLUME main.sales.raw TO `a@b.c`");
    sim.rows("GRANT EXECUTE ON FUNCTION main.sales.mask_email TO `a@b.c`");
    sim.rows("GRANT USE CONNECTION ON CONNECTION pg TO `a@b.c`");
    sim.rows("GRANT READ FILES ON EXTERNAL LOCATION landing TO `a@b.c`");
    sim.rows("GRANT CREATE EXTERNAL LOCATION ON STORAGE CREDENTIAL cred_main TO `a@b.c`");
    sim.rows("GRANT CREATE CATALOG ON METASTORE TO `a@b.c`");
    sim.rows("REVOKE BROWSE ON CATALOG dev FROM `account users`");
    let r = sim.get(&format!("{UC}/permissions/catalog/dev"));
    assert_eq!(
        r.body["privilege_assignments"],
        json!([{"principal": "account users", "principal_id": 1000000000000001_i64,
            "privileges": ["USE_CATALOG"]}])
    );
    let r = sim.get(&format!("{UC}/permissions/schema/main.hr"));
    assert_eq!(
        r.body["privilege_assignments"][0]["privileges"],
        json!(["ALL_PRIVILEGES"])
    );
    let e = sim.sql_err("GRANT SELECT ON VOLUME main.sales.raw TO x");
    assert!(e.contains("not applicable"), "{e}");
    let g = sim.rows("SHOW GRANTS ON CATALOG dev");
    assert_eq!(
        g,
        vec![vec![
            s("account users"),
            s("USE CATALOG"),
            s("CATALOG"),
            s("dev")
        ]]
    );
    for (view, n) in [
        ("volume_privileges", 1),
        ("routine_privileges", 1),
        ("connection_privileges", 1),
        ("external_location_privileges", 3),
        ("storage_credential_privileges", 1),
        ("metastore_privileges", 1),
        ("catalog_privileges", 3),
    ] {
        let rows = sim.rows(&format!(
            "SELECT * FROM system.information_schema.{view} WHERE inherited_from = 'NONE'"
        ));
        assert_eq!(rows.len(), n, "{view}: {rows:?}");
    }
    // inherited rows are projected only when applicable
    let rows = sim.rows(
        "SELECT grantee, privilege_type, inherited_from FROM main.information_schema.table_privileges \
         WHERE table_name = 'customers' ORDER BY grantee, privilege_type",
    );
    assert_eq!(
        rows,
        vec![vec![s("analysts"), s("SELECT"), s("SCHEMA")]],
        "USE_SCHEMA / USE_CATALOG are not projected on tables"
    );
}

#[test]
fn information_schema_object_views() {
    let sim = start();
    let n = sim
        .rows("SELECT count(*) FROM main.information_schema.tables WHERE table_schema = 'sales'");
    assert_eq!(n, vec![vec![s("5")]]);
    let c = sim.rows("SELECT catalog_name, catalog_owner FROM system.information_schema.catalogs ORDER BY catalog_name");
    assert_eq!(c.len(), 3);
    assert_eq!(c[1], vec![s("main"), s("data-eng")]);
    let sc =
        sim.rows("SELECT DISTINCT catalog_name FROM system.information_schema.schemata ORDER BY 1");
    assert!(!sc.is_empty());
    for view in ["volumes", "routines", "schemata", "columns"] {
        assert!(
            !sim.rows(&format!("SELECT * FROM main.information_schema.{view}"))
                .is_empty(),
            "{view}"
        );
    }
    for view in ["external_locations", "storage_credentials", "connections"] {
        assert_eq!(
            sim.rows(&format!("SELECT * FROM system.information_schema.{view}"))
                .len(),
            1,
            "{view}"
        );
        let e = sim.sql_err(&format!("SELECT * FROM main.information_schema.{view}"));
        assert!(e.contains("TABLE_OR_VIEW_NOT_FOUND"), "{e}");
    }
    let e = sim.sql_err("SELECT nope FROM main.information_schema.tables");
    assert!(e.contains("UNRESOLVED_COLUMN"), "{e}");
    let e = sim.sql_err("SELECT * FROM nope.information_schema.tables");
    assert!(e.contains("TABLE_OR_VIEW_NOT_FOUND"), "{e}");
    // default catalog from the request
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "SELECT table_name FROM information_schema.tables WHERE table_name = 'orders'",
            "warehouse_id": "w", "catalog": "main"}),
    );
    assert_eq!(r.body["result"]["data_array"], json!([["orders"]]));
    let m = &r.body["manifest"];
    assert_eq!(m["schema"]["columns"][0]["name"], "table_name");
    assert_eq!(m["schema"]["columns"][0]["type_name"], "STRING");
    assert_eq!(m["total_row_count"], 1);
}

#[test]
fn unsupported_and_invalid_sql_fail_with_http_200() {
    let sim = start();
    let v = sim.sql("MERGE INTO a USING b ON a.x = b.x");
    assert_eq!(v["status"]["state"], "FAILED");
    assert_eq!(v["status"]["sql_state"], "0A000");
    assert!(
        v["status"]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[UNSUPPORTED_FEATURE]")
    );
    let e = sim.sql_err("ALTER TABLE main.sales.orders SET TAGS ('a' = ");
    assert!(e.contains("PARSE_SYNTAX_ERROR"), "{e}");
    let e = sim.sql_err("DESCRIBE TABLE main.sales.nope");
    assert!(e.starts_with("[TABLE_OR_VIEW_NOT_FOUND]"), "{e}");
    let e = sim.sql_err("SELECT 'unterminated FROM x");
    assert!(e.contains("PARSE_SYNTAX_ERROR"), "{e}");
}

#[test]
fn statement_request_validation_and_warehouses() {
    let sim = start_with(Config {
        seed_json: Some(common::seed()),
        warehouses: vec!["good".into()],
        ..Config::default()
    });
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "SELECT 1", "warehouse_id": "bad"}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "RESOURCE_DOES_NOT_EXIST");
    let r = sim.post("/api/2.0/sql/statements", json!({"warehouse_id": "good"}));
    assert_eq!(r.status, 400);
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "SELECT * FROM main.information_schema.catalogs", "warehouse_id": "good",
            "wait_timeout": "3s"}),
    );
    assert_eq!(r.status, 400);
    let r = sim.get("/api/2.0/sql/warehouses");
    assert_eq!(r.body["warehouses"][0]["id"], "good");
    let _ = TOKEN;
}

#[test]
fn async_statements_poll_cancel_and_chunks() {
    let sim = start();
    sim.admin("PATCH", "/ucsim/faults", Some(json!({"chunk_rows": 2})));
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "SELECT table_name FROM main.information_schema.tables ORDER BY table_name",
            "warehouse_id": "w", "wait_timeout": "0s"}),
    );
    assert_eq!(r.body["status"]["state"], "PENDING");
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    let r = sim.get(&format!("/api/2.0/sql/statements/{id}"));
    assert_eq!(r.body["status"]["state"], "SUCCEEDED");
    assert_eq!(r.body["manifest"]["total_chunk_count"], 3);
    assert_eq!(r.body["manifest"]["total_row_count"], 5);
    assert_eq!(r.body["result"]["next_chunk_index"], 1);
    let mut all: Vec<Value> = r.body["result"]["data_array"].as_array().unwrap().clone();
    let mut link = r.body["result"]["next_chunk_internal_link"]
        .as_str()
        .map(str::to_string);
    while let Some(l) = link {
        let c = sim.get(&l);
        all.extend(c.body["data_array"].as_array().unwrap().iter().cloned());
        link = c.body["next_chunk_internal_link"]
            .as_str()
            .map(str::to_string);
    }
    assert_eq!(all.len(), 5);
    assert_eq!(
        sim.get(&format!("/api/2.0/sql/statements/{id}/result/chunks/9"))
            .status,
        404
    );
    assert_eq!(sim.get("/api/2.0/sql/statements/nope").status, 404);

    // a slow statement: PENDING, then RUNNING, cancel wins before it runs and nothing changes
    sim.admin(
        "PATCH",
        "/ucsim/faults",
        Some(json!({"statement_delay_ms": 60_000})),
    );
    let r = sim.post(
        "/api/2.0/sql/statements",
        json!({"statement": "COMMENT ON CATALOG dev IS 'never'", "warehouse_id": "w", "wait_timeout": "0s"}),
    );
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    assert_eq!(
        sim.get(&format!("/api/2.0/sql/statements/{id}")).body["status"]["state"],
        "RUNNING"
    );
    assert_eq!(
        sim.post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
            .status,
        200
    );
    assert_eq!(
        sim.get(&format!("/api/2.0/sql/statements/{id}")).body["status"]["state"],
        "CANCELED"
    );
    assert!(
        sim.get(&format!("{UC}/catalogs/dev"))
            .body
            .get("comment")
            .is_none()
    );
}

#[test]
fn slow_statements_finish_within_the_wait() {
    let sim = start();
    sim.admin(
        "PATCH",
        "/ucsim/faults",
        Some(json!({"statement_delay_ms": 300})),
    );
    let t0 = std::time::Instant::now();
    let v = sim.sql("COMMENT ON CATALOG dev IS 'later'");
    assert_eq!(v["status"]["state"], "SUCCEEDED");
    assert!(t0.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(
        sim.get(&format!("{UC}/catalogs/dev")).body["comment"],
        "later"
    );
}
