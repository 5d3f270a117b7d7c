//! The process environment: the only place brickkit reads `DATABRICKS_*`, `HOME`,
//! `BRICKKIT_CACHE*`, `XDG_CACHE_HOME` and `RUST_LOG`. What it reads becomes plain values for the workflow layer
//! (`brickkit::app::ConnectionInputs`), which merges them with the flags and the
//! `brickkit.yaml` environment.

use std::path::PathBuf;

use brickkit::api::{AuthInputs, Secret};
use brickkit::app::ConnectionInputs;
use brickkit::declared::connection::EnvConnection;

use crate::cli::args::ConnectionArgs;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The connection layers of a command: its flags, the `DATABRICKS_*` environment, the home
/// directory, and the tree's environment settings when a tree is involved.
pub fn connection_inputs(
    args: &ConnectionArgs,
    project: Option<EnvConnection>,
) -> ConnectionInputs {
    ConnectionInputs {
        flags: AuthInputs {
            host: args.host.clone(),
            token: args.token.clone().map(Secret::new),
            profile: args.profile.clone(),
            warehouse_id: args.warehouse_id.clone(),
            ..AuthInputs::default()
        },
        env: AuthInputs {
            host: var("DATABRICKS_HOST"),
            token: var("DATABRICKS_TOKEN").map(Secret::new),
            client_id: var("DATABRICKS_CLIENT_ID"),
            client_secret: var("DATABRICKS_CLIENT_SECRET").map(Secret::new),
            profile: var("DATABRICKS_CONFIG_PROFILE"),
            warehouse_id: var("DATABRICKS_WAREHOUSE_ID"),
            config_file: var("DATABRICKS_CONFIG_FILE").map(PathBuf::from),
        },
        home: var("HOME").map(PathBuf::from),
        project,
        jobs: args.jobs.unwrap_or(64).max(1),
        max_rps: args.max_rps,
    }
}

/// Log to stderr when `RUST_LOG` is set (request retries, collector decisions).
/// The parsed-file cache the command line asks for: none with `--no-cache` or
/// `BRICKKIT_CACHE=off` (also `0`, `false`, `no`), else one in `BRICKKIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/brickkit`, else `$HOME/.cache/brickkit` (none without any of them).
pub fn parsed_file_cache(no_cache: bool) -> Option<brickkit::declared::cache::Cache> {
    let off = var("BRICKKIT_CACHE").is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    });
    if no_cache || off {
        return None;
    }
    let dir = brickkit::declared::cache::default_dir(
        var("BRICKKIT_CACHE_DIR").map(PathBuf::from),
        var("XDG_CACHE_HOME").map(PathBuf::from),
        var("HOME").map(PathBuf::from),
    )?;
    Some(brickkit::declared::cache::Cache::new(
        &dir,
        &build_identity(),
    ))
}

/// What names this build for the parsed-file cache: the running executable's size and
/// modification time (a rebuilt or upgraded binary never reads an older one's entries).
fn build_identity() -> Vec<u8> {
    let mut id = Vec::new();
    match std::env::current_exe().and_then(std::fs::metadata) {
        Ok(m) => {
            id.extend_from_slice(&m.len().to_le_bytes());
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default();
            id.extend_from_slice(&t.as_nanos().to_le_bytes());
        }
        Err(_) => id.extend_from_slice(b"unknown executable"),
    }
    id
}

pub fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// The values of the environment variables a plan references as `${env:NAME}` (connection
/// secret options), for the names that are set. They become [`Secret`]s at once: never
/// printed, never logged.
pub fn plan_secrets(names: &[String]) -> std::collections::BTreeMap<String, Secret> {
    names
        .iter()
        .filter_map(|n| var(n).map(|v| (n.clone(), Secret::new(v))))
        .collect()
}
