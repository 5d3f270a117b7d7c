//! One file per subcommand; each only orchestrates library calls and chooses the exit code.

pub mod apply;
pub mod collect;
pub mod completions;
pub mod declared;
pub mod drift;
pub mod history;
pub mod import;
pub mod plan;
pub mod query;
pub mod schema;
pub mod snapshot;
pub mod validate;
