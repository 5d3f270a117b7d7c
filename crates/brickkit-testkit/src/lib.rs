//! brickkit's **test kit**: the scaffolding the integration tests and the benchmarks share,
//! kept out of the shipped library. A dev-dependency of `brickkit` only; nothing in
//! `brickkit` itself may depend on it (its unit tests would link a second copy of the
//! library).
//!
//! - [`example`]: the example snapshot, the source of the checked-in `snapshots/example/`.
//! - [`synth`]: the synthetic generator of declared states and matching snapshots.
//! - [`sim_seed`]: a snapshot as a `ucsim` seed document, to start a workspace in its state.
//! - [`apply_fixture`]: a declared tree and the seed of a workspace drifted from it so that
//!   its plan holds every kind of operation, with hostile names and values.
//!
//! Pure data builders: no IO, no clock, no randomness beyond explicit seeds.

pub mod apply_fixture;
pub mod example;
pub mod sim_seed;
pub mod synth;
