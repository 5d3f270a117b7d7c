//! `brickkit import`: print declared-format YAML for the securables of a snapshot through
//! `app::import` (with `--unmanaged-in`, only what that tree does not declare, under the
//! names it uses). Exit codes: 0 printed, 2 the snapshot or the tree cannot be used.

use brickkit::app;

use crate::cli::args::{Globals, ImportArgs};
use crate::cli::report::workflow_error;
use crate::cli::{exit, term};

pub fn run(args: &ImportArgs, _g: &Globals) -> anyhow::Result<u8> {
    let tree = match &args.unmanaged_in {
        None => None,
        Some(dir) => match app::load_tree(dir, args.env.as_deref()) {
            Ok(t) => Some(t),
            Err(e) => {
                workflow_error(&e);
                return Ok(exit::ERROR);
            }
        },
    };
    let yaml = app::import::import(&args.snapshot, &args.catalogs, tree.as_ref())?;
    term::stdout_write(yaml.as_bytes())?;
    Ok(exit::OK)
}
