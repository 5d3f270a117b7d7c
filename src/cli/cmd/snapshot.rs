//! `brickkit snapshot show|list|convert`. (Owned by the snapshot work.)

use crate::cli::args::{Globals, SnapshotConvertArgs, SnapshotListArgs, SnapshotShowArgs};

pub fn show(args: &SnapshotShowArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("snapshot show {} : under construction", args.path.display())
}

pub fn list(args: &SnapshotListArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("snapshot list {} : under construction", args.dir.display())
}

pub fn convert(args: &SnapshotConvertArgs, _g: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!(
        "snapshot convert {} : under construction",
        args.input.display()
    )
}
