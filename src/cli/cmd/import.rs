//! `brickkit import`: print declared-format YAML for the securables of a snapshot through
//! `app::import` (with `--unmanaged-in`, only what that tree does not declare, under the
//! names it uses), or with `--out DIR` a new directory of one file per catalog and schema.
//! Exit codes: 0 printed or written, 2 the snapshot or the tree cannot be used, or `DIR`
//! exists or cannot be written.

use brickkit::app;

use crate::cli::args::{Globals, ImportArgs};
use crate::cli::report::workflow_error;
use crate::cli::{exit, term};

pub fn run(args: &ImportArgs, g: &Globals) -> anyhow::Result<u8> {
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
    if let Some(out) = &args.out {
        let w = app::import::import_to_dir(&args.snapshot, &args.catalogs, tree.as_ref(), out)?;
        if !g.quiet {
            term::info(&format!(
                "wrote {} file(s), {:.1} MiB of YAML",
                w.files,
                w.bytes as f64 / (1024.0 * 1024.0)
            ));
        }
        term::stdout_write(format!("{}\n", out.display()).as_bytes())?;
        return Ok(exit::OK);
    }
    let yaml = app::import::import(&args.snapshot, &args.catalogs, tree.as_ref())?;
    term::stdout_write(yaml.as_bytes())?;
    Ok(exit::OK)
}
