//! The single integration-test binary: one module per topic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

mod tidy;
