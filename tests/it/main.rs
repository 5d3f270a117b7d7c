//! The single integration-test binary of brickkit. Each topic is a module; data-driven
//! cases live under `tests/cases/<topic>/` and are refreshed with `UPDATE_EXPECT=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod apply;
mod chaos;
mod collect;
mod crash;
mod declared;
mod declared_cache;
mod describe_fallback;
mod drift;
mod fuzz;
mod history;
mod history_apply;
mod history_migrate;
mod history_violations;
mod import;
mod live_drift;
mod plan;
mod replay;
mod rules;
mod schedule;
mod secrets;
mod snapshot;
mod support;
mod tidy;
