//! Scope matching: which securables a rule applies to. Kinds (an empty list: every kind the
//! check can apply to), then case-insensitive globs on the catalog (first part of the
//! name), the schema (second part) and the securable's own name (last part). A securable
//! whose name has no such part is out of scope when that list is non-empty; the
//! metastore-level kinds (storage credential, external location, connection) are therefore
//! in scope only when `catalogs` and `schemas` are empty, and a catalog only when `schemas`
//! is.
//!
//! Environments are not matched here: rules that exclude the loaded environment are not
//! compiled at all (see `declared`). Pure.

use crate::declared::RuleScope;
use crate::model::SecurableKind;

use super::glob::{Glob, any_matches};

/// The parts of a (lower-case) full name a scope looks at.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    pub catalog: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub own: &'a str,
}

impl<'a> Parts<'a> {
    /// Split `name` (a full name of a securable of `kind`).
    pub fn of(kind: SecurableKind, name: &'a str) -> Parts<'a> {
        let own = name.rsplit('.').next().unwrap_or(name);
        if !kind.in_catalog() {
            return Parts {
                catalog: None,
                schema: None,
                own,
            };
        }
        let mut it = name.splitn(3, '.');
        let catalog = it.next();
        let schema = if kind == SecurableKind::Catalog {
            None
        } else {
            it.next()
        };
        Parts {
            catalog,
            schema,
            own,
        }
    }
}

/// A compiled scope.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Bit `k as usize` set when kind `k` is in scope.
    kinds: u16,
    catalogs: Vec<Glob>,
    schemas: Vec<Glob>,
    names: Vec<Glob>,
}

fn bit(k: SecurableKind) -> u16 {
    1 << (k as u16)
}

impl Scope {
    /// Compile `scope`, restricted to the kinds the check applies to (`applicable`).
    pub fn new(scope: &RuleScope, applicable: &[SecurableKind]) -> Scope {
        let wanted = |k: &SecurableKind| scope.kinds.is_empty() || scope.kinds.contains(k);
        let kinds = applicable
            .iter()
            .filter(|k| wanted(k))
            .fold(0u16, |acc, &k| acc | bit(k));
        let globs = |v: &[String]| v.iter().map(|g| Glob::folded(g)).collect::<Vec<_>>();
        Scope {
            kinds,
            catalogs: globs(&scope.catalogs),
            schemas: globs(&scope.schemas),
            names: globs(&scope.names),
        }
    }

    /// True when securables of `kind` may be in scope.
    pub fn has_kind(&self, kind: SecurableKind) -> bool {
        self.kinds & bit(kind) != 0
    }

    /// True when no kind can be in scope (the rule checks nothing).
    pub fn is_empty(&self) -> bool {
        self.kinds == 0
    }

    /// True when the securable is in scope.
    pub fn matches(&self, kind: SecurableKind, parts: &Parts<'_>) -> bool {
        self.has_kind(kind)
            && part_matches(&self.catalogs, parts.catalog)
            && part_matches(&self.schemas, parts.schema)
            && any_matches(&self.names, parts.own)
    }

    /// True when something in scope may be the securable `kind name` (`itself`) or live
    /// under it (`below`, for a catalog or schema): used for what a collection issue hid.
    /// `kind` is `None` when the issue did not say; an empty name is the whole metastore.
    pub fn may_hold(
        &self,
        kind: Option<SecurableKind>,
        name: &str,
        itself: bool,
        below: bool,
    ) -> bool {
        if name.is_empty() {
            return !self.is_empty();
        }
        let depth = name.split('.').count();
        SecurableKind::ALL.iter().any(|&k| {
            if !self.has_kind(k) {
                return false;
            }
            if kind.is_none_or(|ik| ik == k) && k.name_parts() == depth {
                return itself && self.matches(k, &Parts::of(k, name));
            }
            let container =
                kind.is_none_or(|ik| matches!(ik, SecurableKind::Catalog | SecurableKind::Schema));
            if !(below && container && depth <= 2 && k.in_catalog() && k.name_parts() > depth) {
                return false;
            }
            let mut p = name.splitn(2, '.');
            part_matches(&self.catalogs, p.next())
                && p.next().is_none_or(|s| any_matches(&self.schemas, s))
        })
    }
}

fn part_matches(globs: &[Glob], part: Option<&str>) -> bool {
    match part {
        Some(p) => any_matches(globs, p),
        None => globs.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SecurableKind::*;

    fn scope(kinds: &[SecurableKind], cats: &[&str], schemas: &[&str], names: &[&str]) -> Scope {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        Scope::new(
            &RuleScope {
                kinds: kinds.to_vec(),
                catalogs: s(cats),
                schemas: s(schemas),
                names: s(names),
                environments: Vec::new(),
            },
            &SecurableKind::ALL,
        )
    }

    fn m(s: &Scope, kind: SecurableKind, name: &str) -> bool {
        s.matches(kind, &Parts::of(kind, name))
    }

    #[test]
    fn globs_on_parts() {
        let s = scope(&[Table], &["*_PRD"], &["sales*"], &["*"]);
        assert!(m(&s, Table, "main_prd.sales.orders"));
        assert!(!m(&s, Table, "main_dev.sales.orders"));
        assert!(!m(&s, Table, "main_prd.hr.people"));
        assert!(!m(&s, Volume, "main_prd.sales.files"), "kind not listed");
        let s = scope(&[], &[], &[], &["tmp_?"]);
        assert!(m(&s, Table, "a.b.tmp_1"));
        assert!(!m(&s, Table, "a.b.tmp_12"));
        assert!(m(&s, Catalog, "tmp_x"));
        assert!(m(&s, StorageCredential, "tmp_c"));
    }

    #[test]
    fn infrastructure_and_catalogs_need_empty_part_globs() {
        let s = scope(&[], &["main"], &[], &[]);
        assert!(m(&s, Catalog, "main"));
        assert!(m(&s, Schema, "main.x"));
        assert!(!m(&s, ExternalLocation, "main"));
        let s = scope(&[], &[], &["x"], &[]);
        assert!(!m(&s, Catalog, "main"));
        assert!(m(&s, Schema, "main.x"));
        assert!(!m(&s, Connection, "x"));
        let s = scope(&[], &[], &[], &[]);
        assert!(m(&s, Connection, "pg"));
    }

    #[test]
    fn applicable_kinds_restrict() {
        let s = Scope::new(&RuleScope::default(), &[Table, Volume]);
        assert!(s.has_kind(Table) && !s.has_kind(Catalog));
        let s = Scope::new(
            &RuleScope {
                kinds: vec![Catalog],
                ..RuleScope::default()
            },
            &[Table],
        );
        assert!(s.is_empty());
    }

    #[test]
    fn what_a_blind_spot_may_hold() {
        let s = scope(&[Table], &["sales_*"], &[], &[]);
        assert!(s.may_hold(Some(Schema), "sales_prd.orders", true, true));
        assert!(!s.may_hold(Some(Schema), "sales_prd.orders", true, false));
        assert!(!s.may_hold(Some(Schema), "hr_prd.people", true, true));
        assert!(s.may_hold(Some(Table), "sales_prd.orders.x", true, false));
        assert!(!s.may_hold(Some(Table), "sales_prd.orders.x", false, true));
        assert!(s.may_hold(None, "", false, false));
        assert!(s.may_hold(None, "sales_prd.orders", false, true));
        let s = scope(&[Schema], &[], &["orders"], &[]);
        assert!(s.may_hold(Some(Catalog), "sales_prd", true, true));
        assert!(!s.may_hold(Some(Catalog), "sales_prd", true, false));
        assert!(s.may_hold(Some(Schema), "sales_prd.orders", true, false));
        assert!(!s.may_hold(Some(Schema), "sales_prd.orders", false, true));
    }
}
