//! `brickkit import`: read a snapshot, optionally load a governance tree to skip what it
//! already declares, print declared-format YAML for the rest on stdout (undeclared children
//! of declared catalogs and schemas as top-level entries naming their parent as declared).

use anyhow::Context as _;

use crate::cli::args::{Globals, ImportArgs};
use crate::cli::cmd::validate::diagnostic_line;
use crate::cli::{exit, term};
use crate::declared::{self, Level};
use crate::import::{self, ImportOptions};
use crate::model::SecurableKind;
use crate::state::store;

pub fn run(args: &ImportArgs, _g: &Globals) -> anyhow::Result<u8> {
    let snap = store::read(&args.snapshot)
        .with_context(|| format!("cannot use snapshot {}", args.snapshot.display()))?;
    let mut opts = ImportOptions {
        catalogs: args.catalogs.iter().map(|c| c.to_lowercase()).collect(),
        infrastructure: args.catalogs.is_empty(),
        ..ImportOptions::default()
    };
    if let Some(dir) = &args.unmanaged_in {
        let loaded = declared::load(dir, args.env.as_deref());
        let errors = loaded
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count();
        let Some(state) = loaded.state.as_ref().filter(|_| errors == 0) else {
            for d in &loaded.diagnostics {
                term::error(&diagnostic_line(dir, d));
            }
            term::error(&format!(
                "{}: the declaration tree cannot be loaded ({errors} error(s))",
                dir.display()
            ));
            return Ok(exit::ERROR);
        };
        for (kind, rule) in &state.policy.naming {
            if let Some(suffix) = rule.suffix.as_ref().filter(|x| !x.is_empty()) {
                opts.name_suffixes.insert(*kind, suffix.to_lowercase());
            }
        }
        for s in &state.securables {
            opts.declared.insert((s.kind, s.full_name.clone()));
            match s.kind {
                SecurableKind::Catalog => {
                    opts.declared_catalog_names
                        .insert(s.full_name.clone(), s.declared_name.clone());
                }
                SecurableKind::Schema => {
                    // `catalog.schema` as declared; UC names hold no dots.
                    let short = s.declared_name.rsplit('.').next();
                    let short = short.unwrap_or(&s.declared_name).to_owned();
                    opts.declared_schema_names
                        .insert(s.full_name.clone(), short);
                }
                _ => {}
            }
        }
    }
    let yaml = import::render(&snap, &opts);
    term::stdout_write(yaml.as_bytes())?;
    Ok(exit::OK)
}
