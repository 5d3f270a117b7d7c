//! `brickkit declared show`. (Owned by the declared work.)

use crate::cli::args::{DeclaredShowArgs, Globals};

pub fn show(args: &DeclaredShowArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("declared show {} : under construction", args.dir.display())
}
