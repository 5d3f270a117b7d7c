//! Names and placement: the first pass that registers the names other securables refer to
//! (catalogs, storage credentials, schemas), where a top-level table, volume or function
//! goes, which securables exist in the chosen environment, and the validated name and
//! full names of each securable. Never fills in a securable's attributes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Lowerer, Scope, at};
use crate::declared::conventions::{self, valid_name_chars};
use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::DeclaredSecurable;
use crate::declared::raw::{self, Str};
use crate::model::SecurableKind;

impl Lowerer<'_> {
    /// First pass: the names other securables may refer to (catalogs, storage credentials,
    /// then schemas, which need every catalog).
    pub(super) fn register_names(&mut self, resources: &[(PathBuf, raw::ResourceFile)]) {
        for (_, doc) in resources {
            for c in &doc.catalogs {
                if !self.included(&c.value.environments) {
                    self.other_env_catalogs
                        .insert(c.value.name.value.to_lowercase());
                } else {
                    let n = &c.value.name.value;
                    self.catalogs.insert(
                        n.to_lowercase(),
                        conventions::effective_short_name(self.conv, SecurableKind::Catalog, n),
                    );
                }
            }
            for c in &doc.storage_credentials {
                if self.included(&c.value.environments) {
                    let n = &c.value.name.value;
                    self.credentials.insert(
                        n.to_lowercase(),
                        conventions::effective_short_name(
                            self.conv,
                            SecurableKind::StorageCredential,
                            n,
                        ),
                    );
                }
            }
        }
        for (_, doc) in resources {
            for c in &doc.catalogs {
                let cat = c.value.name.value.to_lowercase();
                let here = self.included(&c.value.environments);
                for s in &c.value.schemas {
                    self.register_schema(&cat, here, &s.value);
                }
            }
            for s in &doc.schemas {
                if let Some(cat) = &s.value.catalog {
                    let cat = cat.value.to_lowercase();
                    let here = self.catalogs.contains_key(&cat);
                    self.register_schema(&cat, here, &s.value);
                }
            }
        }
    }

    /// Record where the tables, volumes and functions of a schema go when they are declared
    /// at top level (`catalog:` + `schema:`).
    pub(super) fn register_schema(&mut self, cat: &str, catalog_here: bool, s: &raw::Schema) {
        let key = (cat.to_owned(), s.name.value.to_lowercase());
        match self.catalogs.get(cat) {
            Some(eff) if catalog_here && self.included(&s.environments) => {
                let catalog = Scope {
                    full: eff.clone(),
                    declared: cat.to_owned(),
                };
                let scope = self.scope_of(SecurableKind::Schema, &s.name.value, Some(&catalog));
                self.schemas.insert(key, scope);
            }
            _ => {
                self.unlowered_schemas.insert(key);
            }
        }
    }

    /// The schema a top-level table, volume or function belongs to: its `catalog:` and
    /// `schema:` must name a schema the tree declares. `None` (with a diagnostic unless the
    /// schema exists only elsewhere) when it cannot be placed.
    pub(super) fn top_level_parent(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        name: &Str,
        catalog: &Option<Str>,
        schema: &Option<Str>,
    ) -> Option<Scope> {
        let (Some(cat), Some(sch)) = (catalog, schema) else {
            for (key, v, what) in [
                ("catalog", catalog, "the catalog it belongs to, as declared"),
                ("schema", schema, "the schema it belongs to"),
            ] {
                if v.is_none() {
                    self.diags.push(Diagnostic::error(
                        at(file, name),
                        "missing-key",
                        format!("top-level {kind} `{}` needs `{key}:` ({what})", name.value),
                    ));
                }
            }
            return None;
        };
        let key = (cat.value.to_lowercase(), sch.value.to_lowercase());
        if let Some(scope) = self.schemas.get(&key) {
            return Some(scope.clone());
        }
        if !self.unlowered_schemas.contains(&key) && !self.blanked(&format!("{}.{}", key.0, key.1))
        {
            self.diags.push(Diagnostic::error(
                at(file, sch),
                "unknown-schema",
                format!(
                    "{kind} `{}` names schema `{}.{}`, which the tree does not declare (declare it under its catalog's `schemas:` or in a top-level `schemas:` entry)",
                    name.value, cat.value, sch.value
                ),
            ));
        }
        None
    }

    /// `catalog:` / `schema:` on a table, volume or function that already sits in a schema.
    pub(super) fn nested_placement(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        keys: [&Option<Str>; 2],
    ) {
        for k in keys.into_iter().flatten() {
            self.diags.push(Diagnostic::error(
                at(file, k),
                "unknown-key",
                format!(
                    "`catalog:` and `schema:` are only for top-level `tables:`, `volumes:` and `functions:` entries; this {kind} is already inside a schema"
                ),
            ));
        }
    }

    /// True when a securable with this `environments:` list exists in the current
    /// environment (no check: see [`Self::in_env`]).
    pub(super) fn included(&self, envs: &Option<Vec<Str>>) -> bool {
        envs.as_ref()
            .is_none_or(|l| l.iter().any(|e| e.value == self.env))
    }

    /// Check an `environments:` list and say whether the securable exists here.
    pub(super) fn in_env(&mut self, file: &Path, envs: &Option<Vec<Str>>) -> bool {
        if let Some(list) = envs {
            for e in list {
                if !self.environments.contains(&e.value) {
                    self.diags.push(Diagnostic::error(
                        at(file, e),
                        "unknown-environment",
                        format!("unknown environment `{}` in `environments:`", e.value),
                    ));
                }
            }
        }
        self.included(envs)
    }

    /// Validate a name part, check the naming rule, and build the securable skeleton.
    pub(super) fn named(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        name: &Str,
        parent: Option<&Scope>,
    ) -> Option<DeclaredSecurable> {
        let origin = at(file, name);
        let n = &name.value;
        if n.trim().is_empty() || !valid_name_chars(n) || n.chars().count() > 255 {
            self.diags.push(Diagnostic::error(
                origin.clone(),
                "invalid-name",
                format!(
                    "invalid {kind} name `{}`: names must be 1 to 255 characters without dots, slashes, spaces or control characters",
                    n.escape_debug()
                ),
            ));
            // Keep lowering under the invalid name so that the problems of its children
            // are reported in the same run (the state is withheld anyway: it has errors).
        } else if let Some(d) = conventions::check_naming(self.conv, kind, n, origin.as_ref()) {
            self.diags.push(d);
        }
        let Scope {
            full: full_name,
            declared: declared_name,
        } = self.scope_of(kind, n, parent);
        Some(DeclaredSecurable {
            kind,
            full_name,
            declared_name,
            origin,
            create: true,
            owner: None,
            comment: None,
            tags: BTreeMap::new(),
            grants: None,
            row_filter: None,
            columns: Vec::new(),
            properties: BTreeMap::new(),
            details: BTreeMap::new(),
        })
    }

    /// Effective and declared full names of a securable named `name` (as written) under
    /// `parent`.
    pub(super) fn scope_of(
        &self,
        kind: SecurableKind,
        name: &str,
        parent: Option<&Scope>,
    ) -> Scope {
        let short = conventions::effective_short_name(self.conv, kind, name);
        match parent {
            Some(p) => Scope {
                full: format!("{}.{short}", p.full),
                declared: format!("{}.{}", p.declared, name.to_lowercase()),
            },
            None => Scope {
                full: short,
                declared: name.to_lowercase(),
            },
        }
    }
}
