//! Secrets: one end-to-end run — collect, detect, plan, apply (with a connection password
//! given as `${env:VAR}`), history ingest/show/report/export and query — at `-vvv` with
//! `RUST_LOG=debug`, then every stdout/stderr line and every file written (snapshots, plan,
//! report, history SQLite, Parquet export, decoded row by row) is searched for the token, an
//! OAuth client secret set in the environment, and the connection password: none may appear.

use std::path::{Path, PathBuf};

use brickkit_testkit::apply_fixture::{self, SECRET_VALUE, SECRET_VAR};

use crate::support::brickkit_with;
use crate::support::sim::TOKEN;

const OAUTH_SECRET: &str = "dose-oauth-cl1ent-s3cret-4711";

/// The forms a secret could take in output: as is, JSON-escaped, and its tail.
fn forms() -> Vec<String> {
    let mut v = Vec::new();
    for s in [TOKEN, OAUTH_SECRET, SECRET_VALUE] {
        v.push(s.to_string());
        let j = serde_json::to_string(s).unwrap();
        v.push(j[1..j.len() - 1].to_string());
        v.push(s[s.len() / 2..].to_string());
    }
    v.sort();
    v.dedup();
    v
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The text of a file: Parquet decoded row by row (its pages are compressed), anything else
/// as bytes.
fn text_of(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    if bytes.starts_with(b"PAR1") {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let r = SerializedFileReader::new(std::fs::File::open(p).unwrap()).unwrap();
        let mut t = String::new();
        for row in r.get_row_iter(None).unwrap() {
            t.push_str(&row.unwrap().to_string());
            t.push('\n');
        }
        assert!(!t.is_empty() || r.metadata().file_metadata().num_rows() == 0);
        t
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[test]
fn no_secret_reaches_any_output_log_or_file() {
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(apply_fixture::seed()),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let snaps = d.join("snaps");
    let hist = d.join("history.sqlite");
    let tree = apply_fixture::tree();
    let (s, t, hs) = (
        snaps.to_str().unwrap(),
        tree.to_str().unwrap(),
        hist.to_str().unwrap(),
    );
    let env = [
        ("DATABRICKS_HOST", h.base_url.as_str()),
        ("DATABRICKS_TOKEN", TOKEN),
        ("DATABRICKS_CLIENT_SECRET", OAUTH_SECRET),
        ("DATABRICKS_WAREHOUSE_ID", "W"),
        (SECRET_VAR, SECRET_VALUE),
        ("RUST_LOG", "debug"),
    ];
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], ok: &[i32]| {
        let mut a = vec!["-vvv"];
        a.extend_from_slice(args);
        let r = brickkit_with(&a, &env);
        assert!(ok.contains(&r.code), "{args:?}: {}\n{}", r.stdout, r.stderr);
        outputs.push((format!("{args:?}"), r.stdout.clone(), r.stderr.clone()));
        r
    };
    let c = run(&["snapshot", "collect", "--out", s, "--history", hs], &[0]);
    let snap = c.path.unwrap();
    let sn = snap.to_str().unwrap();
    let report = d.join("report.json");
    let plan = d.join("p.bkplan");
    run(
        &[
            "drift",
            "detect",
            t,
            "--env",
            "dev",
            "--snapshot",
            sn,
            "--history",
            hs,
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
        &[0, 1],
    );
    run(
        &[
            "drift",
            "plan",
            t,
            "--env",
            "dev",
            "--snapshot",
            sn,
            "--no-history",
            "--out",
            plan.to_str().unwrap(),
        ],
        &[1],
    );
    run(
        &[
            "drift",
            "show-plan",
            plan.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[1],
    );
    run(
        &[
            "drift",
            "apply",
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--history",
            hs,
        ],
        &[0],
    );
    // A second collection after the apply, recorded; then ingest it again with drift.
    let c2 = run(&["snapshot", "collect", "--out", s, "--history", hs], &[0]);
    run(
        &[
            "history",
            "ingest",
            c2.path.unwrap().to_str().unwrap(),
            "--declared",
            t,
            "--env",
            "dev",
            "--history",
            hs,
        ],
        &[0],
    );
    run(&["history", "show", "--history", hs], &[0]);
    let html = d.join("history.html");
    run(
        &[
            "history",
            "report",
            "--html",
            html.to_str().unwrap(),
            "--history",
            hs,
        ],
        &[0],
    );
    let export = d.join("export");
    run(
        &[
            "history",
            "export",
            "--parquet",
            export.to_str().unwrap(),
            "--history",
            hs,
        ],
        &[0],
    );
    run(
        &[
            "query",
            "SELECT * FROM snapshots",
            "--history",
            hs,
            "--format",
            "json",
        ],
        &[0],
    );
    run(&["query", "queries/open_drift.sql", "--history", hs], &[0]);
    let forms = forms();
    let mut lines = 0;
    for (what, out, err) in &outputs {
        for l in out.lines().chain(err.lines()) {
            lines += 1;
            for f in &forms {
                assert!(!l.contains(f.as_str()), "{what} printed a secret: {l}");
            }
        }
    }
    let mut all = Vec::new();
    files(d, &mut all);
    let mut parquet = 0;
    for p in &all {
        let text = text_of(p);
        parquet += usize::from(p.extension().is_some_and(|e| e == "parquet"));
        for f in &forms {
            assert!(!text.contains(f.as_str()), "{} holds a secret", p.display());
        }
    }
    // The run really logged at debug level, and the files include every kind.
    assert!(outputs.iter().any(|(_, _, e)| e.contains("DEBUG")));
    assert!(parquet > 0 && all.iter().any(|p| p.ends_with("history.sqlite")));
    eprintln!(
        "secrets: {} commands, {lines} output lines, {} files ({parquet} Parquet) searched",
        outputs.len(),
        all.len()
    );
}
