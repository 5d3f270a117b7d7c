//! Planning as a workflow: load the snapshot (saved, or collected live like `detect`), diff
//! and classify with the tree's and the caller's ignore rules, plan, and stamp the plan
//! with the digest of the effective declared state. Plan files are written atomically and
//! read back with every check of `plan::file`.
//!
//! Orchestration only: what is planned is `plan`'s decision, the bytes are `plan::file`'s.
//! Never reads the environment or the clock, never prints.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::app::detect::load_source;
use crate::app::{Error, Source, Tree};
use crate::declared::DeclaredState;
use crate::declared::json::DeclaredJson;
use crate::diff::{self, DiffOptions};
use crate::drift::{self, DriftOptions, DriftReport, IgnoreRules, UnmanagedScope};
use crate::model::Timestamp;
use crate::plan::{self, Plan, PlanOptions, file};
use crate::state::Snapshot;

/// How to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The drift report's time and, for a live source, the snapshot's (the caller reads
    /// the clock).
    pub timestamp: Timestamp,
    pub unmanaged: UnmanagedScope,
    /// Ignore patterns from the caller (`--ignore`), on top of the tree's.
    pub ignore: Vec<String>,
}

/// A planning's result.
#[derive(Debug)]
pub struct Planned {
    pub snapshot_path: PathBuf,
    pub snapshot: Snapshot,
    /// The drift the plan was made from (what `drift detect` would report).
    pub report: DriftReport,
    pub plan: Plan,
    /// Set for a live source: what the collection cost (requests, retries).
    pub collected: Option<(u64, u64)>,
}

/// Plan `tree` against `source`. Ignore patterns are checked before anything is collected.
pub fn plan(tree: &Tree, source: Source<'_>, opts: &PlanRequest) -> Result<Planned, Error> {
    let ignore =
        IgnoreRules::from_specs(&tree.state.ignore, &opts.ignore).map_err(Error::Ignore)?;
    let (snapshot_path, snapshot, collected) = load_source(tree, source, opts.timestamp)?;
    let diffs = diff::diff(&tree.state, &snapshot, &DiffOptions::default());
    let drift_opts = DriftOptions {
        timestamp: opts.timestamp,
        unmanaged: opts.unmanaged,
        ignore: ignore.clone(),
    };
    let report = drift::classify(&tree.state, &snapshot, diffs.clone(), &drift_opts);
    let plan_opts = PlanOptions {
        ignore,
        unmanaged: opts.unmanaged,
    };
    let mut plan = plan::plan_report(&tree.state, &snapshot, &diffs, &report, &plan_opts);
    plan.declared_digest = declared_digest(&tree.state);
    Ok(Planned {
        snapshot_path,
        snapshot,
        report,
        plan,
        collected,
    })
}

/// `sha256:<hex>` of the effective declared state (its `declared show --format json`
/// mirror): what apply compares to know a plan was made from the same declarations.
pub fn declared_digest(state: &DeclaredState) -> String {
    let bytes = serde_json::to_vec(&DeclaredJson::from_state(state)).unwrap_or_default();
    let mut s = String::from("sha256:");
    for b in Sha256::digest(&bytes) {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Write `plan` to `path` atomically (temporary file beside it, fsync, rename); returns
/// the file's digest (`sha256:<hex>`).
pub fn write_plan(path: &Path, plan: &Plan) -> Result<String, Error> {
    let bytes = file::encode(plan).map_err(|source| Error::PlanFile {
        path: path.to_path_buf(),
        source,
    })?;
    let digest = file::digest_of(&bytes);
    let io = |what: &'static str| {
        move |source: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            what,
            source,
        }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "plan".into(), |n| n.to_string_lossy().into_owned());
    // The content digest makes the temporary name unique to what is written.
    let tmp = dir.join(format!(".{name}.tmp-{}", &digest[7..23]));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(io("cannot create the plan file"))?;
        f.write_all(&bytes)
            .map_err(io("cannot write the plan file"))?;
        f.sync_all().map_err(io("cannot write the plan file"))?;
        fs::rename(&tmp, path).map_err(io("cannot write the plan file"))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| digest)
}

/// Read a plan file, refusing anything that is not an intact plan of a known version.
pub fn read_plan(path: &Path) -> Result<Plan, Error> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        what: "cannot read the plan file",
        source,
    })?;
    file::decode(&bytes).map_err(|source| Error::PlanFile {
        path: path.to_path_buf(),
        source,
    })
}
