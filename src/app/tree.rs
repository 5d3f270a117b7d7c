//! Loading a declaration tree for a workflow: read it once, keep every diagnostic, and hand
//! out the effective state only when it has no error. The connection settings of the
//! chosen environment (`brickkit.yaml`) come from the same read.

use std::path::{Path, PathBuf};

use crate::app::Error;
use crate::declared::connection::EnvConnection;
use crate::declared::{self, DeclaredState, Diagnostic, Level, LoadResult};

/// A tree that loaded without errors (convention violations allowed).
#[derive(Debug, Clone)]
pub struct Tree {
    /// The directory as the caller named it (diagnostics are shown under it).
    pub dir: PathBuf,
    pub state: DeclaredState,
    /// Convention violations (never errors: a tree with errors is refused).
    pub violations: Vec<Diagnostic>,
    /// Connection settings of the environment in `brickkit.yaml` (all optional).
    pub connection: EnvConnection,
}

/// Load the tree at `dir` for `env` (else `BRICKKIT_ENV` as the caller resolved it, else
/// `default_environment`). A tree with errors is [`Error::TreeRefused`], which carries every
/// diagnostic so the caller can show them.
pub fn load_tree(dir: &Path, env: Option<&str>) -> Result<Tree, Error> {
    accept(dir, declared::load(dir, env))
}

/// Turn a load result into a [`Tree`], or refuse it.
pub fn accept(dir: &Path, result: LoadResult) -> Result<Tree, Error> {
    let errors = result
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    match result.state {
        Some(state) if errors == 0 => Ok(Tree {
            dir: dir.to_path_buf(),
            state,
            violations: result.diagnostics,
            connection: result.connection,
        }),
        _ => Err(Error::TreeRefused {
            dir: dir.to_path_buf(),
            errors,
            diagnostics: result.diagnostics,
        }),
    }
}
