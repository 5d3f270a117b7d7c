//! clap definitions: raw values only, no side effects. Every command's `--help` carries an
//! example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Unity Catalog governance as code for Databricks.
#[derive(Debug, Parser)]
#[command(
    name = "brickkit",
    version,
    about = "Unity Catalog governance as code: declare, snapshot, diff, report drift",
    after_help = "Exit codes: 0 in sync / valid, 1 drift or convention violations, 2 error.\n\nExample:\n  brickkit drift detect examples/governance --env dev --snapshot snapshots/example"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command.
#[derive(Debug, Clone, Args)]
pub struct Globals {
    /// Print less (warnings and errors only).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Parse every declaration file instead of reusing the parsed-file cache (also
    /// `BRICKKIT_CACHE=off`; the cache lives in `BRICKKIT_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/brickkit`, else `~/.cache/brickkit`).
    #[arg(long, global = true)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a governance tree and its conventions without touching any workspace.
    #[command(
        after_help = "Exit codes: 0 valid, 1 convention violations, 2 the tree cannot be loaded.\n\nExample:\n  brickkit validate examples/governance --env prd"
    )]
    Validate(ValidateArgs),
    /// Inspect the declared state.
    Declared {
        #[command(subcommand)]
        command: DeclaredCommand,
    },
    /// Inspect and convert snapshots (observed workspace state).
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Detect drift between a declaration tree and a workspace, and plan its fixes.
    Drift {
        #[command(subcommand)]
        command: DriftCommand,
    },
    /// Keep and explore the history of snapshots and drift (an append-only event store).
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
    /// Run SQL (a `.sql` file or inline text) on the history store.
    #[command(
        after_help = "Example:\n  brickkit query queries/open_drift.sql --format csv\n  brickkit query \"SELECT count(*) FROM state_events\""
    )]
    Query(QueryArgs),
    /// Print declared-format YAML that makes snapshot securables managed.
    #[command(
        after_help = "Example:\n  brickkit import --snapshot snapshots/example --unmanaged-in examples/governance --env dev > imported.yaml"
    )]
    Import(ImportArgs),
    /// Print the JSON Schema of the declaration files (for editors).
    #[command(
        after_help = "Editors with the YAML language server read it from a first line such as\n  # yaml-language-server: $schema=../docs/schema/brickkit.schema.json\n\nExample:\n  brickkit schema all > docs/schema/brickkit.schema.json"
    )]
    Schema(SchemaArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  brickkit completions bash > /etc/bash_completion.d/brickkit"
    )]
    Completions(CompletionsArgs),
}

/// Which declaration files `brickkit schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaWhich {
    /// `brickkit.yaml`.
    Project,
    /// Convention files.
    Conventions,
    /// Resource files (catalogs, schemas, tables, infrastructure).
    Resources,
    /// Any of the three (one schema; what the examples point at).
    All,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The files to describe.
    #[arg(value_enum, default_value_t = SchemaWhich::All)]
    pub which: SchemaWhich,
}

/// Output format of `validate` and `declared show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The governance directory (holds brickkit.yaml).
    pub dir: PathBuf,
    /// Environment to resolve names for (default: `default_environment` of brickkit.yaml).
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Subcommand)]
pub enum DeclaredCommand {
    /// Print the effective declared state (after environments and conventions).
    #[command(
        after_help = "Example:\n  brickkit declared show examples/governance --env dev --format json"
    )]
    Show(DeclaredShowArgs),
}

#[derive(Debug, Args)]
pub struct DeclaredShowArgs {
    /// The governance directory (holds brickkit.yaml).
    pub dir: PathBuf,
    /// Environment to resolve names for.
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Show a snapshot's manifest, counts per kind and collection issues.
    #[command(after_help = "Example:\n  brickkit snapshot show snapshots/example")]
    Show(SnapshotShowArgs),
    /// List the snapshots in a directory, newest first.
    #[command(after_help = "Example:\n  brickkit snapshot list snapshots/")]
    List(SnapshotListArgs),
    /// Convert a snapshot between Parquet (a directory) and SQLite (a `.sqlite` file).
    #[command(
        after_help = "Example:\n  brickkit snapshot convert snapshots/example example.sqlite"
    )]
    Convert(SnapshotConvertArgs),
    /// Remove old snapshots of a directory by a retention policy, lineage by lineage.
    #[command(
        after_help = "The newest snapshot of every lineage (workspace and scope) is always kept; hidden entries (snapshots still being written), the history store and unreadable entries are never touched. The history store keeps the events of removed snapshots.\n\nExit codes: 0 pruned (or nothing to prune), 2 a removal failed, an entry could not be read, or bad arguments.\n\nExample:\n  brickkit snapshot prune snapshots/ --keep-last 7 --keep-daily 30 --keep-weekly 12 --dry-run"
    )]
    Prune(SnapshotPruneArgs),
    /// Collect a snapshot of a workspace over the REST and SQL APIs.
    #[command(
        after_help = "Exit codes: 0 written (collection issues are warnings), 2 nothing could be collected.\n\nExample:\n  brickkit snapshot collect --host http://127.0.0.1:8080 --token T --warehouse-id W --mode bulk"
    )]
    Collect(SnapshotCollectArgs),
}

/// How `snapshot collect` reads tags, grants, filters and masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CollectMode {
    /// Per-securable REST calls, concurrent.
    Rest,
    /// information_schema queries per catalog through a SQL warehouse.
    Bulk,
}

/// Storage format of a collected snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreFormat {
    Parquet,
    Sqlite,
}

/// Connection settings (Databricks unified auth); env values are read by the CLI only.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Workspace URL (else DATABRICKS_HOST, else the profile).
    #[arg(long)]
    pub host: Option<String>,
    /// Personal access token (else DATABRICKS_TOKEN, else the profile).
    #[arg(long, hide_env_values = true)]
    pub token: Option<String>,
    /// Profile of ~/.databrickscfg (else DATABRICKS_CONFIG_PROFILE, else DEFAULT).
    #[arg(long)]
    pub profile: Option<String>,
    /// SQL warehouse for statements (else DATABRICKS_WAREHOUSE_ID, else the profile).
    #[arg(long)]
    pub warehouse_id: Option<String>,
    /// Concurrent requests at most, default 64 (collection is latency-bound; a server that
    /// refuses the pace answers 429, which is retried with backoff, so --max-rps is the
    /// politeness knob). `drift apply`: operations in flight at most, default 8, and
    /// requests at most when given.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Requests per second at most (client-side limit).
    #[arg(long)]
    pub max_rps: Option<f64>,
}

#[derive(Debug, Args)]
pub struct SnapshotCollectArgs {
    /// Catalog to collect (repeatable; default: every catalog).
    #[arg(long = "catalog")]
    pub catalogs: Vec<String>,
    /// Collection mode.
    #[arg(long, value_enum, default_value_t = CollectMode::Rest)]
    pub mode: CollectMode,
    /// Storage format.
    #[arg(long, value_enum, default_value_t = StoreFormat::Parquet)]
    pub format: StoreFormat,
    /// Directory that receives the snapshot.
    #[arg(long, default_value = "snapshots")]
    pub out: PathBuf,
    /// Skip storage credentials, external locations and connections.
    #[arg(long)]
    pub no_infrastructure: bool,
    /// Exit 3 when the snapshot is partial (it holds collection issues: something could not
    /// be read), so a scheduler sees an incomplete run; by default issues are warnings.
    #[arg(long)]
    pub fail_on_issues: bool,
    /// Do not record the snapshot in the history store.
    #[arg(long)]
    pub no_history: bool,
    /// History store to record into (default: `history.sqlite` in the `--out` directory).
    #[arg(long)]
    pub history: Option<PathBuf>,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct SnapshotShowArgs {
    /// A Parquet snapshot directory or a `.sqlite` snapshot file.
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct SnapshotListArgs {
    /// Directory holding snapshots.
    #[arg(default_value = "snapshots")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("keep")
        .required(true)
        .multiple(true)
        .args(["keep_last", "keep_daily", "keep_weekly"])
))]
pub struct SnapshotPruneArgs {
    /// Directory holding snapshots.
    #[arg(default_value = "snapshots")]
    pub dir: PathBuf,
    /// Keep the newest N snapshots of each lineage.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_last: Option<u32>,
    /// Keep the newest snapshot of each of the last D days (UTC) that have one.
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_daily: Option<u32>,
    /// Keep the newest snapshot of each of the last W ISO weeks that have one.
    #[arg(long, value_name = "W", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_weekly: Option<u32>,
    /// Say what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct SnapshotConvertArgs {
    /// Input snapshot (directory or `.sqlite`).
    pub input: PathBuf,
    /// Output: a path ending in `.sqlite` writes SQLite, anything else a Parquet directory.
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// Compare a declaration tree against a snapshot and report drift.
    #[command(
        after_help = "Exit codes: 0 in sync, 1 drift at or above --fail-on, 2 error.\n\nExample:\n  brickkit drift detect examples/governance --env dev --snapshot snapshots/example --format json"
    )]
    Detect(DriftDetectArgs),
    /// Plan the operations that would fix the drift (offline with --snapshot).
    #[command(
        after_help = "Exit codes: 0 nothing to do, 1 the plan has operations, 2 error.\n\nExample:\n  brickkit drift plan examples/governance --env dev --snapshot snapshots/example --out plan.bkplan"
    )]
    Plan(DriftPlanArgs),
    /// Print a saved plan file exactly as `drift plan` printed it.
    #[command(
        after_help = "Exit codes: 0 nothing to do, 1 the plan has operations, 2 the file is not a usable plan.\n\nExample:\n  brickkit drift show-plan plan.bkplan --format markdown"
    )]
    ShowPlan(ShowPlanArgs),
    /// Apply a plan to the live workspace: re-check every touched attribute, refuse a stale
    /// plan, send the operations, verify.
    #[command(
        after_help = "Exit codes: 0 every operation applied or already done (or, with --dry-run, nothing refused), 2 anything failed or was refused, or an error.\n\nExamples:\n  brickkit drift plan examples/governance --env dev --out plan.bkplan\n  brickkit drift apply --plan plan.bkplan --auto-approve\n  brickkit drift apply examples/governance --env dev --dry-run"
    )]
    Apply(DriftApplyArgs),
}

#[derive(Debug, Args)]
pub struct DriftApplyArgs {
    /// The governance directory to plan from (live, or against --snapshot) and apply.
    #[arg(required_unless_present = "plan", conflicts_with = "plan")]
    pub dir: Option<PathBuf>,
    /// A plan file written by `drift plan --out` to apply as reviewed.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Snapshot to plan against (with a directory); without it the scope is collected live.
    #[arg(long, requires = "dir")]
    pub snapshot: Option<PathBuf>,
    /// Environment to resolve names for (with --plan: must be the plan's).
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Apply without asking (pipelines). Without a terminal and without this, nothing is sent.
    #[arg(long)]
    pub auto_approve: bool,
    /// Check live and print every request that would be sent; send no mutating request.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the apply report.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Write the apply report here (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Do not record the plan and the apply in the history store.
    #[arg(long)]
    pub no_history: bool,
    /// History store to record into.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
    /// Extra ignore pattern when planning from a directory (repeatable).
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Collection mode of the live plan (with a directory and no --snapshot).
    #[arg(long, value_enum, default_value_t = CollectMode::Rest)]
    pub mode: CollectMode,
    /// Where a live collection keeps its snapshot.
    #[arg(long, default_value = "snapshots")]
    pub snapshots_dir: PathBuf,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
}

impl From<PlanFormat> for brickkit::plan::render::Format {
    fn from(f: PlanFormat) -> Self {
        match f {
            PlanFormat::Text => Self::Text,
            PlanFormat::Json => Self::Json,
            PlanFormat::Markdown => Self::Markdown,
        }
    }
}

#[derive(Debug, Args)]
pub struct DriftPlanArgs {
    /// The governance directory (holds brickkit.yaml).
    pub dir: PathBuf,
    /// Snapshot to plan against (Parquet directory or `.sqlite` file); without it, the
    /// declared scope is collected live first.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Environment to resolve names for.
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Write the plan file (`.bkplan`) here, atomically, for `drift show-plan` and apply.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format of the printed plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Extra ignore pattern `kind:name-glob[#field-glob]` (repeatable).
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Where to look for undeclared securables (listed as not planned).
    #[arg(long, value_enum, default_value_t = UnmanagedScope::Declared)]
    pub unmanaged: UnmanagedScope,
    /// Do not record the snapshot and its drift in the history store.
    #[arg(long)]
    pub no_history: bool,
    /// History store to record into.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
    /// Collection mode when no --snapshot is given (live).
    #[arg(long, value_enum, default_value_t = CollectMode::Rest)]
    pub mode: CollectMode,
    /// Where a live collection keeps its snapshot.
    #[arg(long, default_value = "snapshots")]
    pub snapshots_dir: PathBuf,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct ShowPlanArgs {
    /// A plan file written by `drift plan --out`.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// Report formats of `drift detect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
    Html,
}

/// Lowest severity that makes `drift detect` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    Warning,
    Info,
}

/// Where unmanaged securables are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnmanagedScope {
    /// Only inside declared catalogs.
    Declared,
    /// Everywhere in the snapshot, undeclared catalogs included.
    All,
}

#[derive(Debug, Args)]
pub struct DriftDetectArgs {
    /// The governance directory (holds brickkit.yaml).
    pub dir: PathBuf,
    /// Snapshot to compare against (Parquet directory or `.sqlite` file).
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Environment to resolve names for.
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file instead of stdout (atomically).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Lowest severity that counts as a failure (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Info)]
    pub fail_on: FailOn,
    /// Extra ignore pattern `kind:name-glob[#field-glob]` (repeatable).
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Where to look for unmanaged securables.
    #[arg(long, value_enum, default_value_t = UnmanagedScope::Declared)]
    pub unmanaged: UnmanagedScope,
    /// Exit 3 when the snapshot is partial (it holds collection issues: something could not
    /// be read), so a scheduler sees an incomplete run; by default issues are warnings.
    #[arg(long)]
    pub fail_on_issues: bool,
    /// Do not record the snapshot and its drift in the history store.
    #[arg(long)]
    pub no_history: bool,
    /// History store to record into.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
    /// Collection mode when no --snapshot is given (live).
    #[arg(long, value_enum, default_value_t = CollectMode::Rest)]
    pub mode: CollectMode,
    /// Where a live collection keeps its snapshot.
    #[arg(long, default_value = "snapshots")]
    pub snapshots_dir: PathBuf,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Append snapshots (and, with --declared, their drift) to the history, oldest first.
    #[command(
        after_help = "Exit codes: 0 ingested (or already there), 2 error (nothing written for the failing snapshot).\n\nExample:\n  brickkit history ingest snapshots/2026-11-01 snapshots/2026-11-02 --declared examples/governance --env dev"
    )]
    Ingest(HistoryIngestArgs),
    /// Print the timeline of state and drift events.
    #[command(
        after_help = "Example:\n  brickkit history show --since 2026-11-01 --securable main.sales.orders"
    )]
    Show(HistoryShowArgs),
    /// Write a self-contained HTML report (drift over time, open drift, most drifting).
    #[command(after_help = "Example:\n  brickkit history report --html history.html")]
    Report(HistoryReportArgs),
    /// Export the event tables as Parquet, partitioned by date.
    #[command(after_help = "Example:\n  brickkit history export --parquet history-parquet/")]
    Export(HistoryExportArgs),
    /// Convert a history of format 1 (event-store versions 1 to 3) to format 2, in place.
    #[command(
        after_help = "Atomic: the new store is written beside the old one and renamed over it; a crash leaves the old store as it was. A store already in format 2 is left unchanged.\n\nExit codes: 0 migrated (or already current), 2 error (nothing changed).\n\nExample:\n  brickkit history migrate --history snapshots/history.sqlite"
    )]
    Migrate(HistoryMigrateArgs),
}

#[derive(Debug, Args)]
pub struct HistoryIngestArgs {
    /// Snapshots (Parquet directories or `.sqlite` files), ingested in `taken_at` order.
    #[arg(required = true)]
    pub snapshots: Vec<PathBuf>,
    /// Also detect drift against this declaration tree and record drift events.
    #[arg(long)]
    pub declared: Option<PathBuf>,
    /// Environment of the declaration tree.
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
    /// Accept snapshots of another workspace or lineage than the ones already recorded.
    #[arg(long)]
    pub allow_mixed: bool,
}

#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// Only events on or after this date (`YYYY-MM-DD` or RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only events of this securable (full name).
    #[arg(long)]
    pub securable: Option<String>,
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
}

#[derive(Debug, Args)]
pub struct HistoryReportArgs {
    /// HTML file to write (atomically).
    #[arg(long)]
    pub html: PathBuf,
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
}

#[derive(Debug, Args)]
pub struct HistoryExportArgs {
    /// Directory to write `<table>/day=<YYYY-MM-DD>/part-0.parquet` files into.
    #[arg(long)]
    pub parquet: PathBuf,
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
}

#[derive(Debug, Args)]
pub struct HistoryMigrateArgs {
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
}

/// Output format of `brickkit query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A `.sql` file, or SQL text.
    pub sql: String,
    /// History store.
    #[arg(long, default_value = "snapshots/history.sqlite")]
    pub history: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Snapshot to import from (Parquet directory or `.sqlite` file).
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Catalog to import (repeatable; default: every catalog and the infrastructure).
    #[arg(long = "catalog")]
    pub catalogs: Vec<String>,
    /// Only what this governance tree does not declare yet.
    #[arg(long)]
    pub unmanaged_in: Option<PathBuf>,
    /// Environment of the tree given to --unmanaged-in.
    #[arg(long, env = "BRICKKIT_ENV")]
    pub env: Option<String>,
    /// Write a new directory of one file per catalog and schema (and
    /// `infrastructure.yaml`) instead of one document on stdout; it must not exist.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

// Flags resolved into the library's values (the `LowArgs → HiArgs` step for enums).

impl From<CollectMode> for brickkit::state::collect::Mode {
    fn from(m: CollectMode) -> Self {
        match m {
            CollectMode::Rest => Self::Rest,
            CollectMode::Bulk => Self::Bulk,
        }
    }
}

impl From<StoreFormat> for brickkit::state::store::Format {
    fn from(f: StoreFormat) -> Self {
        match f {
            StoreFormat::Parquet => Self::Parquet,
            StoreFormat::Sqlite => Self::Sqlite,
        }
    }
}

impl From<ReportFormat> for brickkit::report::Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Text => Self::Text,
            ReportFormat::Json => Self::Json,
            ReportFormat::Markdown => Self::Markdown,
            ReportFormat::Sarif => Self::Sarif,
            ReportFormat::Junit => Self::Junit,
            ReportFormat::Html => Self::Html,
        }
    }
}

impl From<FailOn> for brickkit::model::Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Critical => Self::Critical,
            FailOn::Warning => Self::Warning,
            FailOn::Info => Self::Info,
        }
    }
}

impl From<UnmanagedScope> for brickkit::drift::UnmanagedScope {
    fn from(u: UnmanagedScope) -> Self {
        match u {
            UnmanagedScope::Declared => Self::Declared,
            UnmanagedScope::All => Self::All,
        }
    }
}
