//! The `brickkit` binary: a shim over [`brickkit::cli::main`].
//!
//! It sets mimalloc as the global allocator: a snapshot in memory is millions of small
//! strings, and mimalloc allocates them faster and with less overhead than the system
//! allocator (see `docs/benchmarks.md`, snapshot stores). The library never chooses an
//! allocator; programs that embed it choose their own.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    brickkit::cli::main()
}
