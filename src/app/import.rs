//! Import as a workflow: read a snapshot and, when a tree is given, skip what it already
//! declares and write the rest under the names the tree uses (without its naming suffixes,
//! children of declared catalogs and schemas as top-level entries naming their parent as
//! declared).

use std::path::Path;

use crate::app::{Error, Tree, snapshot};
use crate::import::{self, ImportOptions};
use crate::model::SecurableKind;

/// Declared-format YAML for the securables of the snapshot at `path` that `tree` does not
/// declare, limited to `catalogs` when any are given (infrastructure only without them).
pub fn import(path: &Path, catalogs: &[String], tree: Option<&Tree>) -> Result<String, Error> {
    let snap = snapshot::read(path)?;
    Ok(import::render(&snap, &options(catalogs, tree)))
}

/// The import options for a catalog filter and an optional tree.
pub fn options(catalogs: &[String], tree: Option<&Tree>) -> ImportOptions {
    let mut opts = ImportOptions {
        catalogs: catalogs.iter().map(|c| c.to_lowercase()).collect(),
        infrastructure: catalogs.is_empty(),
        ..ImportOptions::default()
    };
    let Some(tree) = tree else {
        return opts;
    };
    let state = &tree.state;
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
    opts
}
