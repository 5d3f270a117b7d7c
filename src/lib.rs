//! brickkit: Unity Catalog governance as code for Databricks.
//!
//! Reading order: [`model`] (shared nouns) → [`declared`] (YAML → effective declared state)
//! → [`state`] (snapshots and their stores) → `diff` / `drift` / `report` → [`cli`].
//! See `ARCHITECTURE.md` for the map and the invariants.

pub mod api;
pub mod declared;
pub mod diff;
pub mod drift;
pub mod history;
pub mod import;
pub mod model;
pub mod report;
pub mod state;

#[doc(hidden)]
pub mod cli;

/// Version of this brickkit, recorded in every file it writes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
