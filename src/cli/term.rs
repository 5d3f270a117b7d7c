//! Terminal concerns: colour choice (`--color`, `NO_COLOR`, tty detection), writing to
//! stdout/stderr, broken pipes.

use std::io::{self, IsTerminal, Write};

use crate::cli::args::ColorChoice;

/// Print an error line to stderr as `error: <message>`.
pub fn error(msg: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {msg}");
}

/// Print a warning line to stderr as `warning: <message>`.
pub fn warn(msg: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "warning: {msg}");
}

/// Print an informational line to stderr (progress notes, `-v` details).
pub fn info(msg: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

/// True when the error chain holds an `io::Error` of kind `BrokenPipe` (e.g. `| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Decide whether to colour output written to stdout.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

/// Write `bytes` to stdout and flush.
pub fn stdout_write(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Stream to stdout with `write` (the writer is the locked stdout; callers buffer), then
/// flush.
pub fn stdout_stream(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    write(&mut out)?;
    out.flush()
}

/// Write `bytes` to stderr (several lines at once, e.g. diagnostics).
pub fn stderr_write(bytes: &[u8]) -> io::Result<()> {
    let mut err = io::stderr().lock();
    err.write_all(bytes)?;
    err.flush()
}

/// True when a person can answer a question: stdin and stderr are terminals.
pub fn can_ask() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Ask `question [y/N]` on stderr and read the answer from stdin: only `y` or `yes` agree.
pub fn confirm(question: &str) -> io::Result<bool> {
    {
        let mut err = io::stderr().lock();
        write!(err, "{question} [y/N] ")?;
        err.flush()?;
    }
    let mut line = String::new();
    io::stdin().read_line(&mut line)?;
    let a = line.trim().to_ascii_lowercase();
    Ok(a == "y" || a == "yes")
}
