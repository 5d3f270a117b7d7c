//! State persistence, seeds, dump and generate, and the `ucsim` binary itself (address line,
//! loopback-only binding).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{seed, start_with};
use serde_json::{Value, json};
use ucsim::{Config, Server, StartError};

const UC: &str = "/api/2.1/unity-catalog";

#[test]
fn restart_on_the_same_state_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite");
    let cfg = || Config {
        state: Some(state.clone()),
        seed_json: Some(seed()),
        ..Config::default()
    };
    let sim = start_with(cfg());
    sim.post(&format!("{UC}/catalogs"), json!({"name": "added"}));
    sim.rows("ALTER TABLE main.sales.orders SET TAGS ('tier' = 'platinum')");
    sim.add_user("z@example.com");
    sim.rows("GRANT SELECT ON TABLE main.sales.orders TO `z@example.com`");
    sim.rows("ALTER TABLE main.sales.orders DROP ROW FILTER");
    sim.delete(&format!("{UC}/catalogs/sandbox?force=true"));
    let before = sim.handle.dump().unwrap();
    sim.handle.stop();

    // the seed is not re-applied to a state that already holds one
    let sim = start_with(cfg());
    assert_eq!(sim.get(&format!("{UC}/catalogs/added")).status, 200);
    assert_eq!(sim.get(&format!("{UC}/catalogs/sandbox")).status, 404);
    let t = sim.get(&format!("{UC}/tables/main.sales.orders")).body;
    assert!(t.get("row_filter").is_none());
    assert_eq!(
        sim.rows(
            "SELECT tag_value FROM main.information_schema.table_tags WHERE table_name = 'orders'"
        ),
        vec![vec![json!("platinum")]]
    );
    assert_eq!(sim.handle.dump().unwrap(), before);
}

#[test]
fn dump_then_seed_round_trips() {
    let sim = start_with(Config {
        seed_json: Some(seed()),
        ..Config::default()
    });
    sim.rows("ALTER TABLE main.sales.orders ALTER COLUMN region SET TAGS ('k' = 'v')");
    let dump = sim.handle.dump().unwrap();
    assert_eq!(dump["format_version"], 1);
    let orders = &dump["catalogs"][1]["schemas"][2]["tables"][2];
    assert_eq!(orders["name"], "orders");
    assert_eq!(orders["columns"][2]["tags"], json!({"k": "v"}));
    assert_eq!(
        orders["grants"],
        json!({"bob@example.com": ["MODIFY", "SELECT"]})
    );
    assert!(
        orders.get("created_at").is_none(),
        "computed fields are left out"
    );
    let again = start_with(Config {
        seed_json: Some(dump.clone()),
        ..Config::default()
    });
    assert_eq!(again.handle.dump().unwrap(), dump);
}

#[test]
fn seeds_with_unknown_versions_or_bad_grants_are_refused() {
    let r = Server::start(Config {
        seed_json: Some(json!({"format_version": 99})),
        ..Config::default()
    });
    assert!(matches!(r, Err(StartError::Seed { .. })));
    let r = Server::start(Config {
        seed_json: Some(json!({"catalogs": [{"name": "c", "grants": {"p": ["SELECT_NOPE"]}}]})),
        ..Config::default()
    });
    assert!(matches!(r, Err(StartError::Seed { .. })));
}

#[test]
fn non_loopback_addresses_are_refused() {
    for addr in ["0.0.0.0:0", "192.168.1.1:0", "example.com:80"] {
        let r = Server::start(Config {
            addr: addr.into(),
            ..Config::default()
        });
        assert!(matches!(r, Err(StartError::NotLoopback { .. })), "{addr}");
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ucsim")
}

#[test]
fn binary_prints_the_address_line_then_serves_and_dumps() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("seed.json");
    let state = dir.path().join("s.sqlite");
    let out = Command::new(bin())
        .args([
            "generate",
            "--catalogs",
            "2",
            "--schemas",
            "2",
            "--tables",
            "3",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&seed_path)
        .status()
        .unwrap();
    assert!(out.success());
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--token",
            "tk=bot@example.com",
            "--seed",
        ])
        .arg(&seed_path)
        .arg("--state")
        .arg(&state)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("ucsim listening on ")
        .expect("address line")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(&format!(
            "{url}{UC}/tables?catalog_name=cat001&schema_name=s001&max_results=0"
        ))
        .header("Authorization", "Bearer tk")
        .call()
        .unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["tables"].as_array().unwrap().len(), 3);
    let mut r = agent
        .post(&format!("{url}{UC}/catalogs"))
        .header("Authorization", "Bearer tk")
        .send_json(json!({"name": "by_bot"}))
        .unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["owner"], "bot@example.com");
    child.kill().unwrap();
    child.wait().unwrap();

    let out = Command::new(bin())
        .args(["dump", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success());
    let dump: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cats: Vec<&str> = dump["catalogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cats, vec!["by_bot", "cat000", "cat001"]);
    let out = Command::new(bin())
        .args(["dump", "--state"])
        .arg(dir.path().join("missing.sqlite"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn generate_json_and_sqlite_agree() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("g.json");
    let db_path = dir.path().join("g.sqlite");
    for out in [&json_path, &db_path] {
        let st = Command::new(bin())
            .args([
                "generate",
                "--catalogs",
                "2",
                "--schemas",
                "2",
                "--tables",
                "4",
                "--seed",
                "3",
                "--out",
            ])
            .arg(out)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let from_json = start_with(Config {
        seed_json: Some(
            serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap(),
        ),
        ..Config::default()
    });
    let out = Command::new(bin())
        .args(["dump", "--state"])
        .arg(&db_path)
        .output()
        .unwrap();
    let from_db: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut a = from_json.handle.dump().unwrap();
    let mut b = from_db;
    a.as_object_mut().unwrap().remove("metastore_id");
    b.as_object_mut().unwrap().remove("metastore_id");
    assert_eq!(a, b);
    let tables = a["catalogs"][0]["schemas"][0]["tables"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(tables, 4);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut child = Command::new(bin())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("ucsim listening on http://127.0.0.1:"),
        "{line}"
    );
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}
