//! What the integration tests share: the one way to run the `brickkit` binary
//! ([`brickkit_with`], and [`brickkit`] for the common case) and, in [`sim`], `ucsim`
//! workspaces to collect from.
//!
//! Every run is hermetic: it starts in the repository root, without `BRICKKIT_ENV`, with
//! `NO_COLOR=1`, and without any Databricks setting from the environment or
//! `~/.databrickscfg`, its parsed-file cache under the target directory; a test adds what
//! it needs through `env`.

pub mod sim;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where `examples/` and `snapshots/` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The last line of stdout as a path (where `snapshot collect` names the snapshot).
    pub path: Option<PathBuf>,
}

/// Run `brickkit args` hermetically (see the module doc), with `env` set on top.
pub fn brickkit_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brickkit"));
    cmd.args(args).current_dir(repo());
    for v in [
        "BRICKKIT_ENV",
        "DATABRICKS_HOST",
        "DATABRICKS_TOKEN",
        "DATABRICKS_CONFIG_PROFILE",
        "DATABRICKS_WAREHOUSE_ID",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_CLIENT_SECRET",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("NO_COLOR", "1");
    // The parsed-file cache goes under the target directory, never to the user's.
    cmd.env(
        "BRICKKIT_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("parsed-file-cache"),
    );
    cmd.env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let path = stdout.lines().last().map(PathBuf::from);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        path,
    }
}

/// [`brickkit_with`] without extra environment, as `(exit code, stdout, stderr)`.
pub fn brickkit(args: &[&str]) -> (i32, String, String) {
    let r = brickkit_with(args, &[]);
    (r.code, r.stdout, r.stderr)
}
