//! `brickkit drift detect`. (Owned by the drift work.)

use crate::cli::args::{DriftDetectArgs, Globals};

pub fn detect(args: &DriftDetectArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("drift detect {} : under construction", args.dir.display())
}
