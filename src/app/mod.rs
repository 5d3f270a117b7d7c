//! The **workflow layer**: the steps every command and every library caller strings together
//! — load a tree, resolve a connection, collect and store a snapshot, read a saved one,
//! detect drift (live or saved), plan the fixes, record history, import — written once.
//!
//! Commands in the binary (`src/cli/cmd/*`) parse their flags, call one or two functions
//! here, render the result and choose the exit code; library callers call the same
//! functions. Planning is [`plan`]; applying a plan is [`apply`].
//!
//! Owns orchestration only: it decides nothing a lower module decides (naming, diffing,
//! severities, formats). It must never read the process environment or the clock, never
//! print, and never know clap or the terminal: the caller passes the environment values,
//! the time and a progress sink in. Errors are values ([`Error`]) with the path or host
//! they concern, never "not found" for "could not read".

pub mod apply;
pub mod collect;
pub mod connect;
pub mod detect;
mod error;
pub mod history;
pub mod import;
pub mod plan;
pub mod snapshot;
pub mod tree;

pub use collect::{CollectRequest, Collected, collect_to_disk};
pub use connect::{Connection, ConnectionInputs, connect};
pub use detect::{DetectOptions, Detected, Source, detect};
pub use error::Error;
pub use plan::{PlanRequest, Planned, read_plan, write_plan};
pub use tree::{Tree, load_tree};
