//! brickkit: Unity Catalog governance as code for Databricks.
//!
//! Reading order: [`model`] (shared nouns) → [`declared`] (YAML → effective declared state)
//! → [`state`] (snapshots and their stores) → `diff` / `drift` / `report` → [`app`] (the
//! workflows commands and library callers run). The command-line interface is the binary's
//! (`src/main.rs` and `src/cli/`), not part of the library.
//! See `ARCHITECTURE.md` for the map and the invariants.

pub mod api;
pub mod app;
pub mod apply;
pub mod declared;
pub mod diff;
pub mod drift;
pub mod history;
pub mod import;
pub mod model;
pub mod plan;
pub mod report;
pub mod rules;
pub mod state;

/// Version of this brickkit, recorded in every file it writes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
