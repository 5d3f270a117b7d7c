//! `ucsim`: the Unity Catalog workspace simulator binary (`serve`, `generate`, `dump`); see the
//! crate README. Only parses arguments and calls the library; prints the address line on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mimalloc::MiMalloc;
use ucsim::faults::FaultConfig;
use ucsim::ops::Actor;
use ucsim::seed::{self, GenSpec};
use ucsim::server::{self, Config};
use ucsim::store::Store;

/// The simulator allocates one small object per JSON value of a million-table metastore;
/// mimalloc cuts the 1M-table `generate` time (figures in `docs/benchmarks.md`).
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

#[derive(Parser)]
#[command(
    name = "ucsim",
    version,
    about = "A Unity Catalog workspace simulator on loopback"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the simulated workspace until SIGINT/SIGTERM.
    Serve {
        /// Loopback address to bind (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
        /// Accepted bearer token (`TOKEN` or `TOKEN=principal`); repeat for several. None: no auth.
        #[arg(long = "token")]
        tokens: Vec<String>,
        /// SQLite state file (in memory when absent); a restart on the same file keeps everything.
        #[arg(long)]
        state: Option<PathBuf>,
        /// JSON seed file, applied when the state is fresh.
        #[arg(long)]
        seed: Option<PathBuf>,
        /// Latency added to every API request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Token-bucket limit in requests per second (429 with Retry-After beyond it).
        #[arg(long)]
        rate_limit: Option<f64>,
        /// Probability in [0, 1] of a random 429 or 503.
        #[arg(long, default_value_t = 0.0)]
        fault_rate: f64,
        /// Server page size (for max_results=0) and cap.
        #[arg(long, default_value_t = 100)]
        page_size: usize,
        /// Valid SQL warehouse id; repeat for several (none: any id is accepted).
        #[arg(long = "warehouse")]
        warehouses: Vec<String>,
        /// Time every SQL statement takes, in milliseconds.
        #[arg(long, default_value_t = 0)]
        statement_delay_ms: u64,
        /// Principal used for tokens that name none.
        #[arg(long, default_value = "admin@ucsim.example.com")]
        principal: String,
    },
    /// Generate a synthetic metastore (JSON seed, or a state database when FILE ends in .sqlite/.db).
    Generate {
        /// Catalogs.
        #[arg(long)]
        catalogs: usize,
        /// Schemas per catalog.
        #[arg(long)]
        schemas: usize,
        /// Tables per schema.
        #[arg(long)]
        tables: usize,
        /// PRNG seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a state file in the seed format.
    Dump {
        /// SQLite state file.
        #[arg(long)]
        state: PathBuf,
    },
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.cmd {
        Cmd::Serve {
            addr,
            tokens,
            state,
            seed,
            latency_ms,
            rate_limit,
            fault_rate,
            page_size,
            warehouses,
            statement_delay_ms,
            principal,
        } => {
            if !(0.0..=1.0).contains(&fault_rate) {
                return Err(format!("--fault-rate must be within [0, 1], got {fault_rate}").into());
            }
            let config = Config {
                addr,
                tokens,
                state,
                seed,
                seed_json: None,
                faults: FaultConfig {
                    latency_ms,
                    rate_limit,
                    fault_rate,
                    statement_delay_ms,
                    ..FaultConfig::default()
                },
                page_size,
                warehouses,
                fault_seed: 42,
                principal,
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let (listener, app) = server::bind(&config).await?;
                let local = listener.local_addr()?;
                let stop = shutdown_signal()?;
                let mut out = std::io::stdout().lock();
                writeln!(out, "ucsim listening on http://{local}")?;
                out.flush()?;
                drop(out);
                axum::serve(listener, server::router(app))
                    .with_graceful_shutdown(stop)
                    .await?;
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
            Ok(())
        }
        Cmd::Generate {
            catalogs,
            schemas,
            tables,
            seed: s,
            out,
        } => {
            let spec = GenSpec {
                catalogs,
                schemas,
                tables,
                seed: s,
            };
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "sqlite" || ext == "db" {
                if out.exists() {
                    return Err(format!("refusing to overwrite {}", out.display()).into());
                }
                let mut store = Store::open(Some(&out))?;
                let actor = Actor {
                    principal: "admin@ucsim.example.com".into(),
                    now_ms: 1_700_000_000_000,
                };
                seed::generate_into(&mut store, spec, &actor)?;
            } else {
                let tmp = out.with_extension("json.tmp");
                let f = std::fs::File::create(&tmp)
                    .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
                let mut w = std::io::BufWriter::new(f);
                seed::generate_json(spec, &mut w)?;
                let f = w.into_inner().map_err(|e| e.into_error())?;
                f.sync_all()?;
                std::fs::rename(&tmp, &out)
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            }
            Ok(())
        }
        Cmd::Dump { state } => {
            if !state.exists() {
                return Err(format!("state file {} does not exist", state.display()).into());
            }
            let store = Store::open(Some(&state))?;
            let v = seed::dump(&store)?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before the
/// address line is printed), so a signal sent right after that line stops the server cleanly.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ucsim: error: {e}");
            ExitCode::from(2)
        }
    }
}
