//! The integration-test binary: one module per topic, all sharing one build.

mod drift;
