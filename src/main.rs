//! The `brickkit` binary: the command-line interface (`cli`, which only this binary
//! compiles: clap, the terminal, the environment and exit codes are not the library's) over
//! the library's workflow layer, `brickkit::app`.
//!
//! It sets mimalloc as the global allocator: a snapshot in memory is millions of small
//! strings, and mimalloc allocates them faster and with less overhead than the system
//! allocator (see `docs/benchmarks.md`, snapshot stores). The library never chooses an
//! allocator; programs that embed it choose their own.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
