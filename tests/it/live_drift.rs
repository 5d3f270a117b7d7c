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
