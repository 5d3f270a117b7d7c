//! Running brickkit on a schedule: `examples/ci/nightly.sh` executed as written against a
//! `ucsim` workspace holding the shipped example's drift — collect, detect, record, prune —
//! three nights in a row; and the partial-snapshot exit code the script passes on.

use std::path::Path;
use std::process::Command;

use crate::apply::example_workspace;
use crate::support::repo;
use crate::support::sim::TOKEN;

/// One run of the nightly script with `dir` as its working area.
fn nightly(h: &ucsim::Handle, dir: &Path) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg(repo().join("examples/ci/nightly.sh"))
        .current_dir(dir)
        .env("BRICKKIT", env!("CARGO_BIN_EXE_brickkit"))
        .env("BRICKKIT_TREE", repo().join("examples/governance"))
        .env("BRICKKIT_ENV", "dev")
        .env("KEEP_LAST", "2")
        .env("KEEP_DAILY", "1")
        .env("KEEP_WEEKLY", "1")
        .env("DATABRICKS_HOST", &h.base_url)
        .env("DATABRICKS_TOKEN", TOKEN)
        .env("DATABRICKS_WAREHOUSE_ID", "W")
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
        .env("NO_COLOR", "1")
        .env_remove("DATABRICKS_CONFIG_PROFILE")
        .env_remove("DATABRICKS_CLIENT_ID")
        .env_remove("DATABRICKS_CLIENT_SECRET")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_nightly_example_collects_detects_records_and_prunes() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    for night in 1..=3 {
        let (code, out, err) = nightly(&h, dir.path());
        // The example workspace drifts from the tree, and nothing in it is unreadable.
        assert_eq!(code, 1, "night {night}\n{out}\n{err}");
        assert!(out.contains("nightly: collected "), "{out}");
        assert!(err.contains("0 collection issue(s)"), "{err}");
    }
    let snaps = dir.path().join("snapshots");
    let listed: Vec<String> = entries(&snaps)
        .into_iter()
        .filter(|n| !n.starts_with('.') && !n.starts_with("history.sqlite"))
        .collect();
    // Keep the last 2 (one day, one week): the third night removed the first snapshot.
    assert_eq!(listed.len(), 2, "{listed:?}");
    let reports = entries(&dir.path().join("reports"));
    assert_eq!(reports.len(), 3, "{reports:?}");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports").join(&reports[2])).unwrap(),
    )
    .unwrap();
    assert!(
        report["summary"]["by_category"]["drifted"]
            .as_u64()
            .unwrap()
            > 0
    );

    // The history holds all three nights' snapshots and drift runs, pruned ones included.
    let q = crate::support::brickkit_with(
        &[
            "query",
            "SELECT COUNT(*) AS n FROM snapshots",
            "--history",
            snaps.join("history.sqlite").to_str().unwrap(),
            "--format",
            "csv",
        ],
        &[],
    );
    assert_eq!(q.code, 0, "{}", q.stderr);
    assert_eq!(q.stdout.lines().nth(1), Some("3"), "{}", q.stdout);
}

#[test]
fn the_nightly_example_passes_on_a_partial_snapshot_as_exit_3() {
    let snapshot = brickkit::state::store::read(&repo().join("snapshots/example")).unwrap();
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(brickkit_testkit::sim_seed::sim_seed(&snapshot)),
        faults: serde_json::from_value(serde_json::json!({
            "rules": [{"method": "READ", "under": "sales_dev.orders", "status": 403}]
        }))
        .unwrap(),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = nightly(&h, dir.path());
    assert_eq!(code, 3, "{out}\n{err}");
    // Every step still ran: the report and the snapshot are there.
    assert_eq!(entries(&dir.path().join("reports")).len(), 1);
    assert!(err.contains("(partial"), "{err}");
}

/// Two scheduled runs sharing one new history store (dev and prd, started together) are
/// both recorded: the store's creation and every ingest are serialised, never lost. Before,
/// one run warned "cannot create the schema: table snapshots already exists" and its drift
/// run was not recorded.
#[test]
fn concurrent_runs_on_one_new_history_are_all_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_brickkit");
    for round in 0..6 {
        let history = dir.path().join(format!("h{round}.sqlite"));
        let spawn = |env: &str| {
            Command::new(bin)
                .args([
                    "drift",
                    "detect",
                    "examples/governance",
                    "--env",
                    env,
                    "--snapshot",
                    "snapshots/example",
                    "--history",
                    history.to_str().unwrap(),
                    "--format",
                    "json",
                ])
                .current_dir(repo())
                .env("NO_COLOR", "1")
                .env_remove("BRICKKIT_ENV")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        // (A second run of one environment against the same snapshot is recorded once: an
        // ingest of the same drift run is a no-op, so two environments.)
        let children = [spawn("dev"), spawn("prd")];
        for c in children {
            let out = c.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "round {round}: {err}");
            assert!(!err.contains("not recorded"), "round {round}: {err}");
        }
        let q = crate::support::brickkit_with(
            &[
                "query",
                "SELECT COUNT(*) AS n FROM drift_runs",
                "--history",
                history.to_str().unwrap(),
                "--format",
                "csv",
            ],
            &[],
        );
        assert_eq!(q.code, 0, "{}", q.stderr);
        assert_eq!(
            q.stdout.lines().nth(1),
            Some("2"),
            "round {round}: {}",
            q.stdout
        );
    }
}

/// Three collections into one `--out` (and so one new history store), started together:
/// every snapshot is written whole and listed, and every one is recorded — the history's
/// writer lock makes them reach it in `taken_at` order (without it, one that started later
/// but finished first made the other's record be refused as a late snapshot).
#[test]
fn concurrent_collections_into_one_directory_are_both_kept_and_recorded() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshots");
    let bin = env!("CARGO_BIN_EXE_brickkit");
    let spawn = || {
        Command::new(bin)
            .args([
                "snapshot",
                "collect",
                "--host",
                &h.base_url,
                "--token",
                TOKEN,
                "--out",
                out.to_str().unwrap(),
            ])
            .env("NO_COLOR", "1")
            .env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
            .env_remove("DATABRICKS_HOST")
            .env_remove("DATABRICKS_TOKEN")
            .env_remove("DATABRICKS_WAREHOUSE_ID")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = [spawn(), spawn(), spawn()];
    let mut paths = Vec::new();
    for c in children {
        let o = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(!err.contains("not recorded"), "{err}");
        paths.push(String::from_utf8_lossy(&o.stdout).trim().to_string());
    }
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 3);
    for p in &paths {
        brickkit::state::store::read(Path::new(p)).unwrap();
    }
    let listed = crate::support::brickkit_with(&["snapshot", "list", out.to_str().unwrap()], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(listed.stdout.lines().count(), 4, "{}", listed.stdout);
    let q = crate::support::brickkit_with(
        &[
            "query",
            "SELECT COUNT(*) AS n FROM snapshots",
            "--history",
            out.join("history.sqlite").to_str().unwrap(),
            "--format",
            "csv",
        ],
        &[],
    );
    assert_eq!(
        q.stdout.lines().nth(1),
        Some("3"),
        "{}{}",
        q.stdout,
        q.stderr
    );
}
