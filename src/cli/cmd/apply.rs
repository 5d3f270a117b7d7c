//! `brickkit drift apply`: apply a reviewed plan file, or a plan made on the spot from a
//! governance directory (live, or against `--snapshot`), to the live workspace through
//! `app::apply`. Prints the plan, asks for confirmation on a terminal (`--auto-approve` in
//! pipelines; without a terminal and without it nothing is sent), renders the apply report
//! (text or JSON, to stdout or `--output`), records the plan and the apply in history.
//!
//! Exit codes: 0 every operation applied or already done and nothing left drifted (a dry
//! run: nothing refused); 2 anything failed, was refused (stale plan, another workspace,
//! no confirmation) or could not start.

use brickkit::app::{self, PlanRequest, apply::ApplyRequest};
use brickkit::apply::{ApplyReport, Journal, NoJournal, Status, execute, render};
use brickkit::plan::{self, Plan};

use crate::cli::args::{DriftApplyArgs, Globals, TextOrJson};
use crate::cli::progress::ApplyBar;
use crate::cli::report::{workflow_error, workflow_error_then};
use crate::cli::source::{self, SourceArgs};
use crate::cli::{clock, env, exit, output, term};

/// The plan to apply, its digest and the tree's connection settings (directory mode).
struct Chosen {
    plan: Plan,
    digest: String,
    project: Option<brickkit::declared::connection::EnvConnection>,
    /// Planned on the spot (from a directory), so recorded as a plan too.
    planned_here: bool,
}

fn choose(args: &DriftApplyArgs, g: &Globals) -> Result<Chosen, u8> {
    if let Some(file) = &args.plan {
        let (plan, digest) = match app::apply::read_plan_with_digest(file) {
            Ok(p) => p,
            Err(e) => {
                workflow_error_then(&e, "; nothing was sent");
                return Err(exit::ERROR);
            }
        };
        if let Some(env) = &args.env
            && env != &plan.environment
        {
            term::error(&format!(
                "{}: the plan is for environment `{}`, not `{env}`; nothing was sent",
                file.display(),
                plan.environment
            ));
            return Err(exit::ERROR);
        }
        return Ok(Chosen {
            plan,
            digest,
            project: None,
            planned_here: false,
        });
    }
    let Some(dir) = &args.dir else {
        term::error("give a governance directory or --plan FILE");
        return Err(exit::ERROR);
    };
    let tree = match app::load_tree(dir, args.env.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            workflow_error_then(&e, "; nothing was planned or sent");
            return Err(exit::ERROR);
        }
    };
    let opts = PlanRequest {
        timestamp: clock::now(),
        unmanaged: Default::default(),
        ignore: args.ignore.clone(),
    };
    let source_args = SourceArgs {
        snapshot: args.snapshot.as_deref(),
        conn: &args.conn,
        mode: args.mode,
        snapshots_dir: &args.snapshots_dir,
        verb: "plan against",
    };
    let planned = match source::run(
        &tree,
        &source_args,
        g,
        |source| app::plan::plan(&tree, source, &opts),
        |r| (&r.snapshot, r.snapshot_path.as_path()),
    ) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            workflow_error(&e);
            return Err(exit::ERROR);
        }
        Err(()) => return Err(exit::ERROR),
    };
    let digest = app::apply::digest_of_plan(&planned.plan);
    Ok(Chosen {
        plan: planned.plan,
        digest,
        project: Some(tree.connection.clone()),
        planned_here: true,
    })
}

fn write_report(args: &DriftApplyArgs, report: &ApplyReport, plan: &Plan) -> anyhow::Result<()> {
    let format = match args.format {
        TextOrJson::Text => render::Format::Text,
        TextOrJson::Json => render::Format::Json,
    };
    let mut buf = Vec::new();
    render::render(report, plan, format, &mut buf)?;
    match &args.output {
        Some(path) => {
            output::write_atomic(path, &buf).map_err(|e| {
                anyhow::anyhow!("{}: cannot write the apply report: {e}", path.display())
            })?;
            term::info(&render::summary_line(report));
        }
        None => term::stdout_write(&buf)?,
    }
    Ok(())
}

pub fn run(args: &DriftApplyArgs, g: &Globals) -> anyhow::Result<u8> {
    let chosen = match choose(args, g) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let plan = &chosen.plan;
    // The plan, as reviewed (text output only: JSON output is the report alone).
    if args.format == TextOrJson::Text && args.output.is_none() && !g.quiet {
        let mut buf = Vec::new();
        plan::render::render(plan, plan::render::Format::Text, &mut buf)?;
        term::stdout_write(&buf)?;
    }
    env::init_tracing();
    let inputs = env::connection_inputs(&args.conn, chosen.project.clone());
    let conn = match app::connect(&inputs) {
        Ok(c) => c,
        Err(e) => {
            workflow_error_then(&e, "; nothing was sent");
            return Ok(exit::ERROR);
        }
    };
    if !args.dry_run && !args.auto_approve && !plan.is_empty() {
        let question = format!(
            "Apply {} operation(s) to {}?",
            plan.operations.len(),
            conn.host
        );
        if !term::can_ask() {
            term::error(
                "no terminal to confirm on: pass --auto-approve to apply without confirmation (or --dry-run to see what would be sent); nothing was sent",
            );
            return Ok(exit::ERROR);
        }
        if !term::confirm(&question)? {
            term::error("not confirmed; nothing was sent");
            return Ok(exit::ERROR);
        }
    }
    let req = ApplyRequest {
        dry_run: args.dry_run,
        jobs: args.conn.jobs.unwrap_or(0),
        secrets: env::plan_secrets(&execute::references(plan)),
        plan_digest: chosen.digest.clone(),
    };
    // The history: the plan (when made here) and the apply's story, intent before each call.
    let started = clock::now();
    let mut history_journal = None;
    if !args.no_history && !args.dry_run {
        if chosen.planned_here
            && let Err(e) = app::history::record_plan(&args.history, plan, &chosen.digest, started)
        {
            term::warn(&format!("plan not recorded in history: {e}"));
        }
        match app::history::apply_journal(&args.history, plan, &chosen.digest, started) {
            Ok(j) => history_journal = Some(j),
            Err(e) => {
                term::error(&format!(
                    "{e}; nothing was sent (pass --no-history to apply without recording it)"
                ));
                return Ok(exit::ERROR);
            }
        }
    }
    let mut no_journal = NoJournal;
    let journal: &mut dyn Journal = match history_journal.as_mut() {
        Some(j) => j,
        None => &mut no_journal,
    };
    let bar = ApplyBar::start(g.quiet);
    let result = app::apply::apply(&conn, plan, &req, journal, &bar, &clock::now);
    bar.finish();
    if let Some(e) = history_journal.as_ref().and_then(|j| j.error()) {
        term::warn(&format!(
            "the apply is not fully recorded in history ({}): {e}",
            args.history.display()
        ));
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            workflow_error_then(&e, "; see the history and run apply again to finish");
            return Ok(exit::ERROR);
        }
    };
    write_report(args, &report, plan)?;
    if let Some(r) = &report.refusal {
        term::error(&render::refusal_message(r));
    } else if report.results.iter().any(|r| r.status == Status::Failed) {
        term::error(
            "some operations failed; fix the cause and run apply again: what is done is kept and not sent again",
        );
    }
    Ok(if report.succeeded() {
        exit::OK
    } else {
        exit::ERROR
    })
}
