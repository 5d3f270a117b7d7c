//! The attribute rules every kind shares: owner (explicit or the convention's default),
//! principals (aliases per environment), `{env}` substitution in texts, tags, properties,
//! grants (privileges canonical and applicable to the kind) and function references.
//! Each reports its own problems; never decides whether a securable exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Lowerer, at};
use crate::declared::conventions::{self, subst_env, valid_name_chars};
use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::Origin;
use crate::declared::raw::{Grants, ScalarMap, Str};
use crate::model::{SecurableKind, applicable_privileges, normalize_privilege, privilege_applies};

impl Lowerer<'_> {
    /// Owner: explicit (alias-resolved) or the convention's default.
    pub(super) fn owner(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        owner: &Option<Str>,
    ) -> Option<String> {
        match owner {
            Some(o) => self.principal(file, o),
            None => conventions::default_owner(self.conv, kind),
        }
    }

    /// Resolve a principal: an alias of `principals:` for this environment, else the name as
    /// written (with `{env}` replaced).
    pub(super) fn principal(&mut self, file: &Path, p: &Str) -> Option<String> {
        let name = p.value.trim();
        if name.is_empty() {
            self.diags.push(Diagnostic::error(
                at(file, p),
                "principal",
                "empty principal name",
            ));
            return None;
        }
        match self.principals.get(name) {
            Some(per_env) => match per_env.value.get(self.env) {
                Some(n) => Some(subst_env(&n.value, self.env)),
                None => {
                    self.diags.push(Diagnostic::error(
                        at(file, p),
                        "principal",
                        format!(
                            "principal alias `{name}` has no name for environment `{}` (add it under `principals:` in brickkit.yaml)",
                            self.env
                        ),
                    ));
                    None
                }
            },
            None => Some(subst_env(name, self.env)),
        }
    }

    pub(super) fn text(&self, s: &Option<Str>) -> Option<String> {
        s.as_ref().map(|s| subst_env(&s.value, self.env))
    }

    /// Tags as written (values with `{env}` replaced) and where each value was written.
    pub(super) fn tags(
        &mut self,
        file: &Path,
        tags: &ScalarMap,
        what: &str,
    ) -> (BTreeMap<String, String>, BTreeMap<String, Origin>) {
        let mut origins = BTreeMap::new();
        let out = self.tags_where(file, tags, what, Some(&mut origins));
        (out, origins)
    }

    /// [`Self::tags`] without where each value was written (column tags: nothing needs it).
    pub(super) fn tag_values(
        &mut self,
        file: &Path,
        tags: &ScalarMap,
        what: &str,
    ) -> BTreeMap<String, String> {
        self.tags_where(file, tags, what, None)
    }

    fn tags_where(
        &mut self,
        file: &Path,
        tags: &ScalarMap,
        what: &str,
        mut origins: Option<&mut BTreeMap<String, Origin>>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, v) in tags {
            if k.trim().is_empty() {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "tag",
                    format!("empty tag key on {what}"),
                ));
                continue;
            }
            out.insert(k.clone(), subst_env(&v.value.0, self.env));
            if let Some(origins) = origins.as_deref_mut()
                && let Some(o) = at(file, v)
            {
                origins.insert(k.clone(), o);
            }
        }
        out
    }

    pub(super) fn properties(&self, props: &ScalarMap) -> BTreeMap<String, String> {
        props
            .iter()
            .map(|(k, v)| (k.clone(), subst_env(&v.value.0, self.env)))
            .collect()
    }

    /// Grants: `None` when the key is absent; principals resolved, privileges canonical and
    /// checked against the kind.
    pub(super) fn grants(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        grants: &Grants,
        what: &str,
    ) -> Option<BTreeMap<String, BTreeSet<String>>> {
        let list = grants.as_ref()?;
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for g in &list.value {
            let principal = self.principal(file, &g.value.principal);
            if g.value.privileges.is_empty() {
                self.diags.push(Diagnostic::error(
                    at(file, &g.value.principal),
                    "privilege",
                    format!(
                        "grant to `{}` on {what} lists no privileges",
                        g.value.principal.value
                    ),
                ));
            }
            let mut privs = BTreeSet::new();
            for p in &g.value.privileges {
                let canon = normalize_privilege(&p.value);
                if privilege_applies(kind, &canon) {
                    privs.insert(canon);
                } else {
                    self.diags.push(Diagnostic::error(
                        at(file, p),
                        "privilege",
                        format!(
                            "privilege `{}` does not apply to a {kind} (allowed: {})",
                            p.value,
                            applicable_privileges(kind).join(", ")
                        ),
                    ));
                }
            }
            if let Some(principal) = principal {
                out.entry(principal).or_default().extend(privs);
            }
        }
        Some(out)
    }

    /// A function reference (`catalog.schema.function`): lower case, catalog resolved when
    /// it is a declared catalog.
    pub(super) fn function_ref(&mut self, file: &Path, f: &Str, use_: &str) -> Option<String> {
        let parts: Vec<&str> = f.value.trim().split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !valid_name_chars(p)) {
            self.diags.push(Diagnostic::error(
                at(file, f),
                "function",
                format!(
                    "{use_} function `{}` must be a three-part name `catalog.schema.function`",
                    f.value
                ),
            ));
            return None;
        }
        let cat = parts[0].to_lowercase();
        let rest = format!("{}.{}", parts[1].to_lowercase(), parts[2].to_lowercase());
        match self.catalogs.get(&cat) {
            Some(eff) => {
                let full = format!("{eff}.{rest}");
                self.fn_refs
                    .push((full.clone(), at(file, f), f.value.clone()));
                Some(full)
            }
            None => Some(format!("{cat}.{rest}")),
        }
    }
}
