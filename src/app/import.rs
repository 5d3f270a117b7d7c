//! Import as a workflow: read a snapshot and, when a tree is given, skip what it already
//! declares and write the rest under the names the tree uses (without its naming suffixes,
//! children of declared catalogs and schemas as top-level entries naming their parent as
//! declared) — as one document, or as a new directory of one file per catalog and schema,
//! published atomically (built under a hidden name beside it, then renamed into place).

use std::fs;
use std::path::{Path, PathBuf};

use crate::app::{Error, Tree, snapshot};
use crate::import::{self, ImportOptions};
use crate::model::SecurableKind;

/// Declared-format YAML for the securables of the snapshot at `path` that `tree` does not
/// declare, limited to `catalogs` when any are given (infrastructure only without them).
pub fn import(path: &Path, catalogs: &[String], tree: Option<&Tree>) -> Result<String, Error> {
    let snap = snapshot::read(path)?;
    Ok(import::render(&snap, &options(catalogs, tree)))
}

/// What [`import_to_dir`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// Like [`import`], written as a new directory `out` of one file per catalog and schema
/// (`import::render_files`). `out` must not exist: an import never overwrites a tree. The
/// directory appears whole or not at all.
pub fn import_to_dir(
    path: &Path,
    catalogs: &[String],
    tree: Option<&Tree>,
    out: &Path,
) -> Result<Written, Error> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(Error::OutputExists {
            path: out.to_path_buf(),
            what: "import --out",
        });
    }
    let snap = snapshot::read(path)?;
    let files = import::render_files(&snap, &options(catalogs, tree));
    let io = |path: &Path, what: &'static str| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, what, source }
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent, "cannot create directory"))?;
    let name = out
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    // One hidden working name per output: a second import to the same directory at the same
    // time (or the leftover of an interrupted one) is refused, never clobbered.
    let tmp = parent.join(format!(".{name}.importing"));
    if let Err(source) = fs::create_dir(&tmp) {
        return Err(if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists {
                path: tmp,
                what: "another import to the same directory is running, or one was interrupted (remove it); import --out",
            }
        } else {
            Error::Io {
                path: tmp,
                what: "cannot create directory",
                source,
            }
        });
    }
    let result = (|| {
        let mut bytes = 0u64;
        for f in &files {
            let p = tmp.join(&f.path);
            if let Some(d) = p.parent() {
                fs::create_dir_all(d).map_err(io(d, "cannot create directory"))?;
            }
            fs::write(&p, &f.text).map_err(io(&p, "cannot write"))?;
            bytes += f.text.len() as u64;
        }
        fs::rename(&tmp, out).map_err(io(out, "cannot move into place"))?;
        Ok(Written {
            files: files.len(),
            bytes,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
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
