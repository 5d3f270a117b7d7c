//! Bulk mode's DESCRIBE TABLE EXTENDED fallback for row filters and column masks, against
//! `ucsim` with the information_schema views failing: the `AS JSON` layout, the text layout
//! when `AS JSON` is unsupported, a table whose DESCRIBE fails, a fallback that cannot start.

use std::collections::BTreeSet;

use brickkit::model::{SecurableKind, Text};
use serde_json::{Value, json};

use crate::support::sim::{bulk, content, set, start_controls, statements};

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
            .any(|m| m.using_arguments == ["`first name`", "`region`"])
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
    let issues: BTreeSet<(Text, Option<Text>, bool)> = got
        .collection_issues
        .iter()
        .map(|i| (i.full_name.clone(), i.attribute.clone(), i.subtree))
        .collect();
    assert_eq!(
        issues,
        set([
            (Text::from(orders), Some(Text::from("column_masks")), false),
            (Text::from(orders), Some(Text::from("row_filter")), false),
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
    let issues: BTreeSet<(Option<SecurableKind>, Text, Option<Text>, bool)> = got
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
            Text::from(c),
            Some(Text::from(a)),
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

/// Constant arguments (`ON (region, 'US')`, `USING COLUMNS (region, 42)`) reach the snapshot
/// the same way through REST (`input_arguments` / `using_arguments`), the information_schema
/// views and the DESCRIBE fallback, and survive the SQLite store.
#[test]
fn constant_arguments_are_collected_alike_by_rest_bulk_and_describe() {
    let mut seed = crate::support::sim::controls_seed();
    let orders = &mut seed["catalogs"][0]["schemas"][0]["tables"][0];
    assert_eq!(orders["name"], "orders");
    orders["row_filter"] = json!({"function_name": "main.sales.region_filter",
        "input_arguments": [{"column": "region"}, {"constant": "'US'"}]});
    assert_eq!(orders["columns"][1]["name"], "email");
    orders["columns"][1]["mask"] = json!({"function_name": "main.sales.mask_email",
        "using_arguments": [{"column": "region"}, {"constant": "42"}]});
    let start = |faults: Value| {
        ucsim::Server::start(ucsim::Config {
            tokens: vec![crate::support::sim::TOKEN.into()],
            seed_json: Some(seed.clone()),
            page_size: 3,
            faults: serde_json::from_value(faults).unwrap(),
            ..ucsim::Config::default()
        })
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, rest) =
        crate::support::sim::collect(&start(json!({})), dir.path(), &["--mode", "rest"]);
    let filter = rest
        .row_filters
        .iter()
        .find(|f| f.table_full_name == "main.sales.orders")
        .unwrap();
    assert_eq!(filter.input_arguments, ["`region`", "'US'"]);
    let mask = rest
        .column_masks
        .iter()
        .find(|m| m.table_full_name == "main.sales.orders" && m.column_name == "email")
        .unwrap();
    assert_eq!(mask.using_arguments, ["`region`", "42"]);

    let (_, bulk_views) = crate::support::sim::collect(
        &start(json!({})),
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
    assert_eq!(content(&bulk_views), content(&rest));
    let rules: Value = serde_json::from_str(INFO_SCHEMA_FAULTS).unwrap();
    let described = bulk(&start(json!({ "rules": rules })), dir.path());
    assert_eq!(content(&described), content(&rest));
}
