//! The command-line interface, compiled into the binary only (never part of the library):
//! the only module that knows clap, the process environment (`env`), the terminal (`term`,
//! `progress`), the clock (`clock`) and exit codes. Each subcommand lives in `cmd/<name>.rs`:
//! it parses, calls the workflow layer (`brickkit::app`), renders and chooses the exit code;
//! no command module uses another (shared rendering is in `report`). `anyhow` is allowed
//! here and nowhere else.

pub mod args;
pub mod clock;
pub mod cmd;
pub mod env;
pub mod exit;
pub mod output;
pub mod progress;
pub mod report;
pub mod source;
pub mod term;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, DeclaredCommand, DriftCommand, HistoryCommand, SnapshotCommand};

/// Parse the process arguments, run the command, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr.
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run(cli))
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let globals = cli.globals.clone();
    if let Some(cache) = env::parsed_file_cache(globals.no_cache) {
        brickkit::declared::install_cache(cache);
    }
    let result = run_command(cli.command, &globals);
    report_cache(&globals);
    match result {
        Ok(code) => code,
        Err(e) => {
            if term::is_broken_pipe(&e) {
                return exit::OK;
            }
            term::error(&format!("{e:#}"));
            exit::ERROR
        }
    }
}

/// At `-v`: what the parsed-file cache did, and a warning when entries could not be written
/// (the run itself is never affected).
fn report_cache(g: &args::Globals) {
    let Some(cache) = brickkit::declared::installed_cache() else {
        return;
    };
    if g.verbose == 0 || g.quiet {
        return;
    }
    let s = cache.stats();
    if s.hits + s.misses > 0 {
        term::info(&format!(
            "parsed-file cache {}: {} hit, {} parsed, {} written",
            cache.dir().display(),
            s.hits,
            s.misses,
            s.writes
        ));
    }
    if s.write_errors > 0 {
        term::warn(&format!(
            "the parsed-file cache could not store {} file(s) (first: {}); loading was not affected (--no-cache or BRICKKIT_CACHE=off turns it off)",
            s.write_errors,
            s.first_error.as_deref().unwrap_or("unknown error")
        ));
    }
}

fn run_command(command: Command, globals: &args::Globals) -> anyhow::Result<u8> {
    let globals = globals.clone();
    match command {
        Command::Validate(a) => cmd::validate::run(&a, &globals),
        Command::Declared {
            command: DeclaredCommand::Show(a),
        } => cmd::declared::show(&a, &globals),
        Command::Snapshot { command } => match command {
            SnapshotCommand::Show(a) => cmd::snapshot::show(&a, &globals),
            SnapshotCommand::List(a) => cmd::snapshot::list(&a, &globals),
            SnapshotCommand::Convert(a) => cmd::snapshot::convert(&a, &globals),
            SnapshotCommand::Prune(a) => cmd::snapshot::prune(&a, &globals),
            SnapshotCommand::Collect(a) => cmd::collect::run(&a, &globals),
        },
        Command::Drift { command } => match command {
            DriftCommand::Detect(a) => cmd::drift::detect(&a, &globals),
            DriftCommand::Plan(a) => cmd::plan::plan(&a, &globals),
            DriftCommand::ShowPlan(a) => cmd::plan::show(&a, &globals),
            DriftCommand::Apply(a) => cmd::apply::run(&a, &globals),
        },
        Command::History { command } => match command {
            HistoryCommand::Ingest(a) => cmd::history::ingest(&a, &globals),
            HistoryCommand::Show(a) => cmd::history::show(&a, &globals),
            HistoryCommand::Report(a) => cmd::history::report(&a, &globals),
            HistoryCommand::Export(a) => cmd::history::export(&a, &globals),
            HistoryCommand::Migrate(a) => cmd::history::migrate(&a, &globals),
        },
        Command::Query(a) => cmd::query::run(&a, &globals),
        Command::Import(a) => cmd::import::run(&a, &globals),
        Command::Schema(a) => cmd::schema::run(&a),
        Command::Completions(a) => cmd::completions::run(&a),
    }
}
