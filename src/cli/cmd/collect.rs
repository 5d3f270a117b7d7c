//! `brickkit snapshot collect`: resolve the connection (flags, `DATABRICKS_*` environment,
//! `~/.databrickscfg`), collect a snapshot through `state::collect`, write it atomically
//! under `--out`, print warnings for collection issues and the snapshot path last on stdout.
//! Also used by live `drift detect`. The only place that reads `DATABRICKS_*` variables.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::api::{self, AuthInputs, Client, ClientOptions, Secret};
use crate::cli::args::{CollectMode, ConnectionArgs, Globals, SnapshotCollectArgs, StoreFormat};
use crate::cli::{exit, term};
use crate::model::SecurableKind;
use crate::state::collect::{self, CollectOptions, Mode, Progress};
use crate::state::store;

pub fn run(args: &SnapshotCollectArgs, g: &Globals) -> anyhow::Result<u8> {
    let req = Request {
        catalogs: args.catalogs.clone(),
        mode: args.mode,
        format: args.format,
        out: args.out.clone(),
        infrastructure: !args.no_infrastructure,
        conn: args.conn.clone(),
        profile_default: None,
        warehouse_default: None,
    };
    match collect_to_disk(&req, g)? {
        Some((path, snapshot)) => {
            // History is a side record: failing to write it warns, never changes the exit code.
            if !args.no_history {
                let history = args
                    .history
                    .clone()
                    .unwrap_or_else(|| args.out.join("history.sqlite"));
                if let Err(e) = crate::cli::cmd::history::record_snapshot(&history, &snapshot) {
                    term::warn(&format!(
                        "snapshot not recorded in history {}: {e} (pass --no-history to skip)",
                        history.display()
                    ));
                }
            }
            term::stdout_write(format!("{}\n", path.display()).as_bytes())?;
            Ok(exit::OK)
        }
        None => Ok(exit::ERROR),
    }
}

/// A collection to run and keep.
pub struct Request {
    pub catalogs: Vec<String>,
    pub mode: CollectMode,
    pub format: StoreFormat,
    pub out: PathBuf,
    pub infrastructure: bool,
    pub conn: ConnectionArgs,
    /// Profile from `brickkit.yaml` (used when neither flag nor environment names one).
    pub profile_default: Option<String>,
    /// Warehouse from `brickkit.yaml`.
    pub warehouse_default: Option<String>,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn collected(&self, _kind: SecurableKind, n: u64) {
        self.0.inc(n);
    }
}

/// Collect and write a snapshot; `Ok(None)` when nothing could be collected (the reason is
/// already printed).
/// Collect and write one snapshot. `None` when nothing could be collected (the reason is
/// already printed); otherwise the written path and the snapshot itself.
pub fn collect_to_disk(
    req: &Request,
    g: &Globals,
) -> anyhow::Result<Option<(PathBuf, crate::state::Snapshot)>> {
    init_tracing();
    let flags = AuthInputs {
        host: req.conn.host.clone(),
        token: req.conn.token.clone().map(Secret::new),
        profile: req.conn.profile.clone(),
        warehouse_id: req.conn.warehouse_id.clone(),
        ..AuthInputs::default()
    };
    let env = AuthInputs {
        host: env_var("DATABRICKS_HOST"),
        token: env_var("DATABRICKS_TOKEN").map(Secret::new),
        client_id: env_var("DATABRICKS_CLIENT_ID"),
        client_secret: env_var("DATABRICKS_CLIENT_SECRET").map(Secret::new),
        profile: env_var("DATABRICKS_CONFIG_PROFILE").or_else(|| req.profile_default.clone()),
        warehouse_id: env_var("DATABRICKS_WAREHOUSE_ID"),
        config_file: env_var("DATABRICKS_CONFIG_FILE").map(PathBuf::from),
    };
    let home = env_var("HOME").map(PathBuf::from);
    let auth = match api::resolve(&flags, &env, home) {
        Ok(a) => a,
        Err(e) => {
            term::error(&e.to_string());
            return Ok(None);
        }
    };
    let warehouse_id = auth
        .warehouse_id
        .clone()
        .or_else(|| req.warehouse_default.clone());
    let client = Client::new(
        &auth,
        ClientOptions {
            jobs: req.conn.jobs.max(1),
            max_rps: req.conn.max_rps,
            ..ClientOptions::default()
        },
    )?;
    let now = crate::cli::clock::now();
    let entropy = crate::cli::clock::entropy();
    let opts = CollectOptions {
        catalogs: req.catalogs.clone(),
        mode: match req.mode {
            CollectMode::Rest => Mode::Rest,
            CollectMode::Bulk => Mode::Bulk,
        },
        warehouse_id,
        infrastructure: req.infrastructure,
        taken_at: now,
        entropy,
    };
    let bar = if !g.quiet && std::io::stderr().is_terminal() {
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {pos} securables collected ({per_sec}) {elapsed}",
        ) {
            pb.set_style(style);
        }
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    } else {
        ProgressBar::hidden()
    };
    let progress = Arc::new(Bar(bar.clone()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = rt.block_on(collect::collect(&client, &opts, progress));
    bar.finish_and_clear();
    let snap = match result {
        Ok(s) => s,
        Err(e) => {
            term::error(&format!("{}: {e}", auth.host));
            return Ok(None);
        }
    };
    if snap.securables.is_empty() && !snap.collection_issues.is_empty() {
        for i in &snap.collection_issues {
            term::error(&format!("{}: {}", auth.host, i.message));
        }
        term::error("nothing could be collected");
        return Ok(None);
    }
    for i in &snap.collection_issues {
        if !g.quiet {
            let what = match i.securable_kind {
                Some(k) => format!("{k} {}", i.full_name),
                None => "metastore".to_string(),
            };
            let attr = i
                .attribute
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            term::warn(&format!(
                "could not read {what}{attr}; it is unknown in this snapshot: {}",
                i.message
            ));
        }
    }
    if g.verbose > 0 && !g.quiet {
        term::info(&format!(
            "collected {} securables with {} requests ({} retries)",
            snap.securables.len(),
            client.requests_sent(),
            client.retries()
        ));
    }
    std::fs::create_dir_all(&req.out).with_context(|| {
        format!(
            "{}: cannot create the snapshot directory",
            req.out.display()
        )
    })?;
    let path = snapshot_path(&req.out, &snap.manifest.snapshot_id, req.format);
    store::write(&snap, &path)
        .with_context(|| format!("cannot write snapshot {}", path.display()))?;
    Ok(Some((path, snap)))
}

fn snapshot_path(dir: &Path, id: &str, format: StoreFormat) -> PathBuf {
    match format {
        StoreFormat::Parquet => dir.join(id),
        StoreFormat::Sqlite => dir.join(format!("{id}.sqlite")),
    }
}
