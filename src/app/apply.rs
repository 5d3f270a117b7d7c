//! Apply as a workflow: read a plan file (keeping its digest), or name a plan made on the
//! spot by its encoding's digest; run `apply::run` on a small async runtime against a
//! resolved connection. The caller passes the secrets the plan references (read from the
//! environment), the clock, the journal (history or none) and the progress sink.
//!
//! Orchestration only: what is checked and sent is `apply`'s decision. Never reads the
//! environment or the clock, never prints.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::api::Secret;
use crate::app::{Connection, Error};
use crate::apply::{self, ApplyOptions, ApplyReport, Journal};
use crate::model::Timestamp;
use crate::plan::{Plan, file};

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyRequest {
    pub dry_run: bool,
    /// Operations in flight at most (`0`: [`apply::DEFAULT_JOBS`]).
    pub jobs: usize,
    /// Values of the plan's `${env:VAR}` references.
    pub secrets: BTreeMap<String, Secret>,
    /// `sha256:<hex>` naming the plan.
    pub plan_digest: String,
}

/// Read a plan file with every check of `plan::file`, and its digest (`sha256:<hex>` of the
/// file's bytes).
pub fn read_plan_with_digest(path: &Path) -> Result<(Plan, String), Error> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        what: "cannot read the plan file",
        source,
    })?;
    let plan = file::decode(&bytes).map_err(|source| Error::PlanFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((plan, file::digest_of(&bytes)))
}

/// The digest a plan would have as a file: how a plan made on the spot is named.
pub fn digest_of_plan(plan: &Plan) -> String {
    match file::encode(plan) {
        Ok(bytes) => file::digest_of(&bytes),
        Err(_) => String::from("sha256:unknown"),
    }
}

/// Apply `plan` through `conn`. `Err` when the workspace cannot be used at all (runtime,
/// credentials, host); refusals and failed operations are in the report.
pub fn apply(
    conn: &Connection,
    plan: &Plan,
    req: &ApplyRequest,
    journal: &mut dyn Journal,
    progress: &dyn apply::Progress,
    clock: &(dyn Fn() -> Timestamp + Sync),
) -> Result<ApplyReport, Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Client(format!("cannot start the async runtime: {e}")))?;
    let opts = ApplyOptions {
        dry_run: req.dry_run,
        jobs: if req.jobs == 0 {
            apply::DEFAULT_JOBS
        } else {
            req.jobs
        },
        warehouse_id: conn.warehouse_id.clone(),
        secrets: req.secrets.clone(),
        plan_digest: req.plan_digest.clone(),
    };
    rt.block_on(apply::run(
        &conn.client,
        plan,
        &opts,
        journal,
        progress,
        clock,
    ))
    .map_err(|error| Error::Apply {
        host: conn.host.clone(),
        error: Box::new(error),
    })
}
