//! The single integration-test binary of brickkit: one module per topic.

mod snapshot;
