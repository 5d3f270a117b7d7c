//! The `brickkit` binary: a shim over [`brickkit::cli::main`].
fn main() -> std::process::ExitCode {
    brickkit::cli::main()
}
