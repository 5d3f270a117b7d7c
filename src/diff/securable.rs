//! Comparison of one declared securable with what the snapshot holds for it: owner,
//! comment, tags (convention-aware), grants, properties and naming. Columns, masks and the
//! row filter are in `columns.rs`.
//!
//! Pure: reads the declaration, the observed rows and the policy; allocates only for
//! changes and small per-securable maps.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use crate::declared::{DeclaredSecurable, GrantMode, Policy};
use crate::model::SecurableKind;

use super::change::{Change, FIELD_NAME, Value};
use super::index::Observed;
use super::normalize::{comment, principal, privilege, property, tag};

/// A naming rule ready to check.
#[derive(Debug)]
pub(crate) struct CompiledNaming {
    pub pattern: Option<(String, Regex)>,
    pub suffix: Option<String>,
}

/// What the differ needs besides the two sides.
#[derive(Debug)]
pub(crate) struct Context<'p> {
    pub policy: &'p Policy,
    pub naming: BTreeMap<SecurableKind, CompiledNaming>,
}

impl<'p> Context<'p> {
    pub fn new(policy: &'p Policy) -> Context<'p> {
        let naming = policy
            .naming
            .iter()
            .map(|(k, rule)| {
                let pattern = rule
                    .pattern
                    .as_ref()
                    .and_then(|p| Regex::new(p).ok().map(|r| (p.clone(), r)));
                (
                    *k,
                    CompiledNaming {
                        pattern,
                        suffix: rule.suffix.clone().filter(|s| !s.is_empty()),
                    },
                )
            })
            .collect();
        Context { policy, naming }
    }
}

pub(crate) fn owner(decl: &DeclaredSecurable, obs: &Observed<'_>, out: &mut Vec<Change>) {
    if let Some(want) = &decl.owner {
        let have = obs.row.owner.as_deref();
        if !have.is_some_and(|h| principal::same(want, h)) {
            out.push(Change::new("owner", Value::text(want), Value::opt(have)));
        }
    }
}

pub(crate) fn comment(decl: &DeclaredSecurable, obs: &Observed<'_>, out: &mut Vec<Change>) {
    if let Some(want) = &decl.comment {
        let have = obs.row.comment.as_deref();
        if !comment::same(Some(want), have) {
            out.push(Change::new(
                "comment",
                Value::opt(comment::canonical(Some(want))),
                Value::opt(comment::canonical(have)),
            ));
        }
    }
}

/// True for kinds Unity Catalog can tag (catalogs, schemas, tables and views, volumes).
pub(crate) fn taggable(kind: SecurableKind) -> bool {
    matches!(
        kind,
        SecurableKind::Catalog
            | SecurableKind::Schema
            | SecurableKind::Table
            | SecurableKind::Volume
    )
}

/// Securable-level tags, plus the convention's required tags the declaration forgot.
/// Kinds Unity Catalog cannot tag (functions, credentials, locations, connections) have no
/// governed tags: whatever a snapshot says about them is not drift.
pub(crate) fn tags(
    decl: &DeclaredSecurable,
    obs: &Observed<'_>,
    ctx: &Context<'_>,
    out: &mut Vec<Change>,
) {
    if !taggable(decl.kind) {
        return;
    }
    // Fast path: the same tags spelled the same way, in the same (sorted) order.
    let identical = {
        let mut it = obs.tags().filter(|t| t.column_name.is_none());
        decl.tags
            .iter()
            .all(|(k, v)| it.next().is_some_and(|t| t.key == *k && t.value == *v))
            && it.next().is_none()
    };
    let actual: BTreeMap<&str, &str> = if identical {
        BTreeMap::new()
    } else {
        obs.tags()
            .filter(|t| t.column_name.is_none())
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect()
    };
    if !identical {
        compare_tags(
            &decl.tags,
            &actual,
            &|k| format!("tags.{k}"),
            out,
            |key, value| {
                // An undeclared tag is fine when the convention requires that key and the value
                // is allowed: the declaration merely forgot it.
                ctx.policy
                    .required_tags
                    .iter()
                    .filter(|r| r.key == key && r.applies(decl.kind))
                    .map(|r| {
                        r.allowed
                            .as_ref()
                            .is_none_or(|a| a.iter().any(|v| tag::same_value(v, value)))
                    })
                    .next()
            },
        );
    }
    for req in &ctx.policy.required_tags {
        if !req.applies(decl.kind) || decl.tags.contains_key(&req.key) {
            continue;
        }
        if actual.contains_key(req.key.as_str()) {
            continue;
        }
        let expected = match &req.allowed {
            Some(a) if !a.is_empty() => format!("one of {}", a.join(", ")),
            _ => "any value".to_string(),
        };
        let note = req
            .message
            .clone()
            .unwrap_or_else(|| format!("tag `{}` is required by convention", req.key));
        out.push(
            Change::new(
                format!("tags.{}", req.key),
                Value::Text(expected),
                Value::Absent,
            )
            .with_note(note),
        );
    }
}

/// Compare a declared tag map with an actual one (`field(key)` names the change). `undeclared_ok(key, value)` returns
/// `Some(true)` when an undeclared actual tag is acceptable, `Some(false)` when it is
/// present with a value the convention does not allow, `None` when nothing says.
pub(crate) fn compare_tags(
    declared: &BTreeMap<String, String>,
    actual: &BTreeMap<&str, &str>,
    field: &dyn Fn(&str) -> String,
    out: &mut Vec<Change>,
    undeclared_ok: impl Fn(&str, &str) -> Option<bool>,
) {
    for (k, v) in declared {
        match actual.get(k.as_str()) {
            Some(a) if tag::same_value(v, a) => {}
            a => out.push(Change::new(
                field(k),
                Value::text(v),
                Value::opt(a.copied()),
            )),
        }
    }
    for (k, a) in actual {
        if declared.contains_key(*k) {
            continue;
        }
        match undeclared_ok(k, a) {
            Some(true) => {}
            Some(false) => out.push(
                Change::new(field(k), Value::text("an allowed value"), Value::text(*a))
                    .with_note(format!("value `{a}` is not allowed by convention")),
            ),
            None => out.push(Change::new(field(k), Value::Absent, Value::text(*a))),
        }
    }
}

/// Direct grants, principal by principal (case-insensitive), as privilege sets.
pub(crate) fn grants(
    decl: &DeclaredSecurable,
    obs: &Observed<'_>,
    ctx: &Context<'_>,
    out: &mut Vec<Change>,
) {
    let Some(declared) = &decl.grants else {
        return;
    };
    // Fast path: the same grants spelled the same way, in the same (sorted) order.
    let mut rows = obs.grants();
    let identical = declared.iter().all(|(p, privs)| {
        privs.iter().all(|v| {
            rows.next()
                .is_some_and(|g| g.principal == *p && g.privilege == *v)
        })
    }) && rows.next().is_none();
    if identical {
        return;
    }
    // key -> (display name, privileges); borrowed unless a spelling needs normalising.
    type Entry<'x> = (&'x str, BTreeSet<Cow<'x, str>>);
    let mut want: BTreeMap<Cow<'_, str>, Entry<'_>> = BTreeMap::new();
    for (p, privs) in declared {
        let e = want
            .entry(principal::key(p))
            .or_insert_with(|| (p.as_str(), BTreeSet::new()));
        e.1.extend(privs.iter().map(|x| privilege::canonical(x)));
    }
    let mut have: BTreeMap<Cow<'_, str>, Entry<'_>> = BTreeMap::new();
    for g in obs.grants() {
        let e = have
            .entry(principal::key(&g.principal))
            .or_insert_with(|| (g.principal.as_str(), BTreeSet::new()));
        e.1.insert(privilege::canonical(&g.privilege));
    }
    let additive = ctx.policy.grant_mode == GrantMode::Additive;
    let empty = BTreeSet::new();
    let mut keys: Vec<&Cow<'_, str>> = want.keys().chain(have.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let w = want.get(key);
        let h = have.get(key);
        let name = w.or(h).map_or("", |e| e.0);
        let wp = w.map_or(&empty, |e| &e.1);
        let hp = h.map_or(&empty, |e| &e.1);
        if wp == hp {
            continue;
        }
        let missing = wp.difference(hp).next().is_some();
        let mut c = Change::new(
            format!("grants.{name}"),
            Value::Set(wp.iter().map(|x| x.to_string()).collect()),
            Value::Set(hp.iter().map(|x| x.to_string()).collect()),
        );
        if additive && !missing {
            c.additive = true;
            c.note = Some("grant mode is additive: extra privileges are reported only".into());
        }
        out.push(c);
    }
}

/// Declared properties only; server-added ones are never drift.
pub(crate) fn properties(decl: &DeclaredSecurable, obs: &Observed<'_>, out: &mut Vec<Change>) {
    for (k, d, a) in property::differences(&decl.properties, &obs.row.properties) {
        out.push(Change::new(
            format!("properties.{k}"),
            Value::text(d),
            Value::opt(a),
        ));
    }
}

/// The convention's naming rule, checked against the actual name of the securable.
pub(crate) fn naming(
    decl: &DeclaredSecurable,
    obs: &Observed<'_>,
    ctx: &Context<'_>,
    out: &mut Vec<Change>,
) {
    let Some(rule) = ctx.naming.get(&decl.kind) else {
        return;
    };
    let full = obs.row.full_name.as_str();
    let short = full.rsplit('.').next().unwrap_or(full);
    let mut problems = Vec::new();
    let base = match &rule.suffix {
        Some(sfx) => match short.strip_suffix(sfx.as_str()) {
            Some(b) => b,
            None => {
                problems.push(format!("ends with `{sfx}`"));
                short
            }
        },
        None => short,
    };
    if let Some((pat, re)) = &rule.pattern
        && !re.is_match(base)
    {
        problems.push(format!("matches `{pat}`"));
    }
    if !problems.is_empty() {
        out.push(
            Change::new(
                FIELD_NAME,
                Value::Text(format!("a name that {}", problems.join(" and "))),
                Value::text(short),
            )
            .with_note(format!("naming rule for {}", decl.kind)),
        );
    }
}
