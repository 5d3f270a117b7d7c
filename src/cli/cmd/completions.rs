//! `brickkit completions <shell>`: print a completion script to stdout.

use clap::CommandFactory;

use crate::cli::args::{Cli, CompletionsArgs};
use crate::cli::{exit, term};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "brickkit", &mut buf);
    term::stdout_write(&buf)?;
    Ok(exit::OK)
}
