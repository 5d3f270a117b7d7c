//! Declared state: the YAML governance tree, its conventions and environments, lowered to
//! the effective [`DeclaredState`].
//!
//! Loading never stops at the first problem: it returns every diagnostic with its
//! `file:line:column`. Must never touch a workspace or the network. [`load`] reads the
//! tree (the only IO, in `walk`); [`load_sources`] does everything else, purely.
//!
//! Map: `walk` (find and read files) → `yaml` (the only file naming the YAML crate) →
//! `raw` (serde mirror of the documents) → `lower` (environments, names, checks) with
//! `conventions` (one function per rule) → `model` (the effective state). `json` holds the
//! printed mirrors used by `brickkit declared show` and `brickkit validate --format json`;
//! `schema` the JSON Schema of the files, derived from `raw`, for `brickkit schema`.
//! `cache` keeps parsed files by content hash (MessagePack) so a repeated load of a large
//! tree skips the YAML parser; it never changes a load's outcome.

pub mod cache;
pub mod connection;
mod conventions;
pub mod diagnostic;
pub mod json;
mod lower;
pub mod model;
mod raw;
mod rules;
pub mod schema;
mod walk;
mod yaml;

use std::path::Path;
use std::sync::OnceLock;

use cache::Cache;

pub use conventions::{glob_match, is_sensitive, severity_override};
pub use diagnostic::{Diagnostic, Level};
pub use lower::PROJECT_FILE;
pub use model::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, GrantMode, IgnoreSpec,
    NamingRule, Origin, Policy, PolicyRule, RequiredTag, RowFilter, RuleCheck, RuleScope,
};
pub use walk::SourceFile;

/// What loading a tree produced: the effective state (when it could be built) and every
/// diagnostic, sorted by location.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadResult {
    /// `None` only when errors prevent building the model (no or unreadable `brickkit.yaml`,
    /// unknown environment). With errors it may still be `Some` but must not be trusted.
    pub state: Option<DeclaredState>,
    pub diagnostics: Vec<Diagnostic>,
    /// Connection settings of the chosen environment in `brickkit.yaml` (all optional;
    /// empty when the project file cannot be read or names no such environment — the
    /// diagnostics say why).
    pub connection: connection::EnvConnection,
}

impl LoadResult {
    pub(crate) fn new(state: Option<DeclaredState>, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diagnostics.dedup();
        LoadResult {
            state,
            diagnostics,
            connection: connection::EnvConnection::default(),
        }
    }

    /// True when at least one diagnostic is an error (the tree cannot be trusted).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }

    /// True when at least one diagnostic is a convention violation.
    pub fn has_violations(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Violation)
    }

    /// The state, only when there is no error (violations allowed).
    pub fn valid_state(&self) -> Option<&DeclaredState> {
        if self.has_errors() {
            None
        } else {
            self.state.as_ref()
        }
    }
}

/// The process's parsed-file cache, when the program installed one ([`install_cache`]).
static CACHE: OnceLock<Cache> = OnceLock::new();

/// Make `cache` the one [`load`] uses for the rest of the process (the CLI does this once,
/// from `--no-cache` and the environment). Without it, [`load`] parses every file. Returns
/// `false` when a cache was already installed (the first one stays).
pub fn install_cache(cache: Cache) -> bool {
    CACHE.set(cache).is_ok()
}

/// The cache [`load`] uses, when one is installed (for its statistics).
pub fn installed_cache() -> Option<&'static Cache> {
    CACHE.get()
}

/// Load the governance tree at `dir` for `env` (else the project's `default_environment`).
/// Reads every `*.yaml` / `*.yml` under `dir`; never writes (but for the installed
/// parsed-file cache, when there is one), never touches a workspace.
pub fn load(dir: &Path, env: Option<&str>) -> LoadResult {
    load_with(dir, env, CACHE.get())
}

/// [`load`] with an explicit parsed-file cache (`None`: parse every file). Entries the load
/// wrote may push the cache over its size limit: it is pruned then.
pub fn load_with(dir: &Path, env: Option<&str>, cache: Option<&Cache>) -> LoadResult {
    let (files, problems) = walk::read_tree(dir);
    if !problems.is_empty() && files.is_empty() {
        return LoadResult::new(None, problems);
    }
    let writes_before = cache.map(|c| c.stats().writes);
    // The files are handed over: each text is dropped as soon as it is parsed, so the
    // texts and the parsed documents of a large tree are never all held at once.
    let mut result = load_owned(files, env, cache);
    if let (Some(c), Some(before)) = (cache, writes_before)
        && c.stats().writes > before
    {
        c.prune();
    }
    if !problems.is_empty() {
        result.diagnostics.extend(problems);
        let connection = result.connection;
        result = LoadResult::new(result.state, result.diagnostics);
        result.connection = connection;
    }
    result
}

/// Load a tree given as in-memory files (paths relative to the root, `brickkit.yaml` at the
/// root). Pure: used by [`load`], by tests and by the fuzz target.
pub fn load_sources(files: &[SourceFile], env: Option<&str>) -> LoadResult {
    load_sources_with(files, env, None)
}

/// [`load_sources`] through a parsed-file cache (same outcome; the cache's IO only).
/// Lowering consumes its files, so this copies them (in-memory trees are small; [`load`]
/// hands over the files it read instead).
pub fn load_sources_with(
    files: &[SourceFile],
    env: Option<&str>,
    cache: Option<&Cache>,
) -> LoadResult {
    load_owned(files.to_vec(), env, cache)
}

/// [`load_sources_with`] on files it may consume (each text is dropped once parsed).
fn load_owned(files: Vec<SourceFile>, env: Option<&str>, cache: Option<&Cache>) -> LoadResult {
    let connection = connection::from_sources(&files, env).unwrap_or_default();
    let mut result = lower::load_sources(files, env, cache);
    result.connection = connection;
    result
}
