//! `brickkit validate`: load a tree, report every diagnostic. (Owned by the declared work.)

use crate::cli::args::{Globals, ValidateArgs};

pub fn run(args: &ValidateArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("validate {} : under construction", args.dir.display())
}
