//! The single integration-test binary of brickkit. Each topic is a module; data-driven
//! cases live under `tests/cases/<topic>/` and are refreshed with `UPDATE_EXPECT=1`.

mod declared;
mod drift;
mod snapshot;
