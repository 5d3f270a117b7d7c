//! The single integration-test binary of brickkit. Each topic is a module; data-driven
//! cases live under `tests/cases/<topic>/` and are refreshed with `UPDATE_EXPECT=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod collect;
mod declared;
mod drift;
mod history;
mod snapshot;
mod tidy;
