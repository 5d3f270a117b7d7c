//! Live drift detection end to end: `drift detect` collecting from `ucsim` itself, with a
//! forbidden schema whose tables are unknown (not missing), and the live snapshot kept.

use serde_json::{Value, json};

use crate::support::brickkit_with;
use crate::support::sim::{TOKEN, start};

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
    let history = dir.path().join("history.sqlite");
    let run = brickkit_with(
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
            "--history",
            history.to_str().unwrap(),
        ],
        &[],
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    // The live run is recorded in the history it was given (never in the repository's).
    assert!(history.is_file(), "{}", run.stderr);
    assert!(!run.stderr.contains("not recorded"), "{}", run.stderr);
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

/// A catalog's and a schema's tags are not the child table's: neither collection mode puts them
/// on the table (the REST list is read without `include_inherited` and keeps `inherited: false`
/// rows only; the information_schema tag views list each object's own tags), so a table that
/// declares none of them shows no tag drift.
#[test]
fn inherited_tags_are_never_drift_on_the_child() {
    use brickkit::model::SecurableKind;

    let h = start(json!({}), 100);
    let dir = tempfile::tempdir().unwrap();
    for (i, extra) in [&[][..], &["--mode", "bulk", "--warehouse-id", "W"][..]]
        .iter()
        .enumerate()
    {
        let (_, snap) = crate::support::sim::collect(&h, &dir.path().join(format!("s{i}")), extra);
        let keys: Vec<&str> = snap
            .tags
            .iter()
            .filter(|t| {
                t.securable_kind == Some(SecurableKind::Table)
                    && t.securable_full_name == "main.sales.orders"
                    && t.column_name.is_none()
            })
            .map(|t| t.key.as_str())
            .collect();
        // the table's own tag only: not the catalog's `env` nor the schema's `tier` twice
        assert_eq!(keys, vec!["tier"], "mode {extra:?}");
    }

    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("main.yaml"),
        "catalogs:\n  - name: main\n    tags: {env: prod}\n    schemas:\n      - name: sales\n        tags: {tier: gold}\n        tables:\n          - name: orders\n            tags: {tier: gold}\n",
    )
    .unwrap();
    for mode in [&[][..], &["--mode", "bulk", "--warehouse-id", "W"][..]] {
        let mut args = vec![
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
            dir.path()
                .join("snaps")
                .to_str()
                .unwrap()
                .to_string()
                .leak(),
            "--history",
            dir.path()
                .join("h.sqlite")
                .to_str()
                .unwrap()
                .to_string()
                .leak(),
        ];
        args.extend_from_slice(mode);
        let run = brickkit_with(&args, &[]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        let tag_drift: Vec<&Value> = v["drifted"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["resource_name"] == "main.sales.orders"
                    && e["field"].as_str().unwrap_or("").starts_with("tags.")
            })
            .collect();
        assert!(tag_drift.is_empty(), "mode {mode:?}: {tag_drift:?}");
    }
}
