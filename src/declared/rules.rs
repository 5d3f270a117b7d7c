//! Policy rules: compiling the `rules:` of a convention file into
//! [`PolicyRule`](super::model::PolicyRule)s, with every problem reported at its
//! `file:line:column` — a rule without an id or a check, two checks in one rule, a duplicate
//! id, an unknown kind, severity or environment, a pattern that is not a regular
//! expression, a check that cannot apply to its scope's kinds, a required tag's `default`
//! that is not one of its `allowed` values.
//!
//! `{env}` in globs, patterns and owner names is replaced with the loaded environment; a
//! rule whose `scope.environments` excludes it is validated and then left out.
//!
//! Pure: raw documents in, rules and diagnostics out. Evaluation is `crate::rules`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;

use super::conventions::{Conventions, TAGGABLE, subst_env};
use super::diagnostic::Diagnostic;
use super::model::{Origin, PolicyRule, RuleCheck, RuleScope};
use super::raw;
use super::yaml::{Spanned, position};
use crate::model::{SecurableKind, Severity, normalize_privilege};

fn origin<T>(file: &Path, s: &Spanned<T>) -> Option<Origin> {
    let (line, column) = position(s);
    Some(Origin {
        file: file.to_path_buf(),
        line,
        column,
    })
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

fn regex(
    file: &Path,
    p: &Spanned<String>,
    env: &str,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let text = subst_env(&p.value, env);
    match Regex::new(&text) {
        Ok(_) => Some(text),
        Err(e) => {
            let msg = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            diags.push(Diagnostic::error(
                origin(file, p),
                "pattern",
                format!("{what} is not a valid regular expression: {msg}"),
            ));
            None
        }
    }
}

/// Compile every rule of one convention file into `into.policy.rules`.
pub fn compile(
    file: &Path,
    rules: &[Spanned<raw::Rule>],
    env: &str,
    environments: &BTreeSet<String>,
    into: &mut Conventions,
    diags: &mut Vec<Diagnostic>,
) {
    for r in rules {
        if let Some(rule) = compile_one(file, r, env, environments, &mut into.rule_ids, diags) {
            into.policy.rules.push(rule);
        }
    }
}

fn compile_one(
    file: &Path,
    r: &Spanned<raw::Rule>,
    env: &str,
    environments: &BTreeSet<String>,
    seen: &mut BTreeMap<String, Option<Origin>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<PolicyRule> {
    let raw = &r.value;
    let id = raw.id.value.trim().to_string();
    let mut ok = true;
    if !valid_id(&id) {
        diags.push(Diagnostic::error(
            origin(file, &raw.id),
            "rule-id",
            format!("rule id `{id}` must be lower case letters, digits, `_`, `.` or `-`, starting with a letter or digit"),
        ));
        ok = false;
    }
    match seen.get(&id) {
        Some(first) => {
            let at = first.as_ref().map_or_else(String::new, |o| {
                format!(" (first at {}:{}:{})", o.file.display(), o.line, o.column)
            });
            diags.push(Diagnostic::error(
                origin(file, &raw.id),
                "rule-id",
                format!("rule id `{id}` is used twice{at}"),
            ));
            ok = false;
        }
        None => {
            seen.insert(id.clone(), origin(file, &raw.id));
        }
    }
    if raw.message.value.trim().is_empty() {
        diags.push(Diagnostic::error(
            origin(file, &raw.message),
            "rule",
            format!("rule `{id}` has an empty message"),
        ));
        ok = false;
    }
    let severity = match &raw.severity {
        None => Severity::Warning,
        Some(s) => match s.value.parse::<Severity>() {
            Ok(v) => v,
            Err(e) => {
                diags.push(Diagnostic::error(origin(file, s), "severity", e));
                ok = false;
                Severity::Warning
            }
        },
    };
    // The scope.
    let mut scope = RuleScope::default();
    if let Some(sc) = &raw.scope {
        for k in &sc.value.kinds {
            match k.value.parse::<SecurableKind>() {
                Ok(kind) => scope.kinds.push(kind),
                Err(e) => {
                    diags.push(Diagnostic::error(origin(file, k), "unknown-kind", e));
                    ok = false;
                }
            }
        }
        let globs = |v: &[Spanned<String>]| {
            v.iter()
                .map(|g| subst_env(&g.value, env))
                .collect::<Vec<_>>()
        };
        scope.catalogs = globs(&sc.value.catalogs);
        scope.schemas = globs(&sc.value.schemas);
        scope.names = globs(&sc.value.names);
        for e in &sc.value.environments {
            if !environments.contains(&e.value) {
                diags.push(Diagnostic::error(
                    origin(file, e),
                    "unknown-environment",
                    format!("rule `{id}` names unknown environment `{}`", e.value),
                ));
                ok = false;
            }
            scope.environments.push(e.value.clone());
        }
    }
    // Exactly one check.
    let present: Vec<&str> = [
        raw.required_tag.is_some().then_some("required_tag"),
        raw.naming.is_some().then_some("naming"),
        raw.owner.is_some().then_some("owner"),
        raw.forbidden_grant.is_some().then_some("forbidden_grant"),
        raw.protection.is_some().then_some("protection"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if present.len() != 1 {
        let what = if present.is_empty() {
            "has no check".to_string()
        } else {
            format!("has {} checks ({})", present.len(), present.join(", "))
        };
        diags.push(Diagnostic::error(
            origin(file, &raw.id),
            "rule",
            format!("rule `{id}` {what}: give exactly one of required_tag, naming, owner, forbidden_grant, protection"),
        ));
        return None;
    }
    let kinds_only = |allowed: &[SecurableKind], what: &str, diags: &mut Vec<Diagnostic>| -> bool {
        let bad: Vec<String> = scope
            .kinds
            .iter()
            .filter(|k| !allowed.contains(k))
            .map(|k| k.to_string())
            .collect();
        if bad.is_empty() {
            return true;
        }
        let at = raw
            .scope
            .as_ref()
            .map_or_else(|| origin(file, &raw.id), |s| origin(file, s));
        diags.push(Diagnostic::error(
            at,
            "rule",
            format!("rule `{id}`: {what} cannot apply to {}", bad.join(", ")),
        ));
        false
    };
    let check = if let Some(t) = &raw.required_tag {
        let t = &t.value;
        if t.key.value.trim().is_empty() {
            diags.push(Diagnostic::error(
                origin(file, &t.key),
                "rule",
                format!("rule `{id}`: the required tag has an empty key"),
            ));
            ok = false;
        }
        let allowed_kinds: &[SecurableKind] = if t.columns {
            &[SecurableKind::Table]
        } else {
            &TAGGABLE
        };
        let what = if t.columns {
            "a column tag (tables only)"
        } else {
            "a tag (catalogs, schemas, tables and volumes only)"
        };
        ok &= kinds_only(allowed_kinds, what, diags);
        let allowed: Option<Vec<String>> = t
            .allowed
            .as_ref()
            .map(|a| a.iter().map(|v| subst_env(&v.value.0, env)).collect());
        let default = t.default.as_ref().map(|d| subst_env(&d.value.0, env));
        if let (Some(d), Some(a), Some(at)) = (&default, &allowed, &t.default)
            && !a.contains(d)
        {
            diags.push(Diagnostic::error(
                origin(file, at),
                "rule",
                format!(
                    "rule `{id}`: the default `{d}` is not one of the allowed values ({})",
                    a.join(", ")
                ),
            ));
            ok = false;
        }
        RuleCheck::RequiredTag {
            key: t.key.value.clone(),
            allowed,
            default,
            on_columns: t.columns,
        }
    } else if let Some(n) = &raw.naming {
        let pattern = regex(
            file,
            &n.value.pattern,
            env,
            &format!("rule `{id}`'s naming pattern"),
            diags,
        );
        ok &= pattern.is_some();
        RuleCheck::Naming {
            pattern: pattern.unwrap_or_default(),
        }
    } else if let Some(o) = &raw.owner {
        let o_raw = &o.value;
        let pattern = match &o_raw.pattern {
            Some(p) => {
                let r = regex(file, p, env, &format!("rule `{id}`'s owner pattern"), diags);
                ok &= r.is_some();
                r
            }
            None => None,
        };
        if pattern.is_none()
            && o_raw.pattern.is_none()
            && o_raw.one_of.is_empty()
            && !o_raw.not_user
        {
            diags.push(Diagnostic::error(
                origin(file, o),
                "rule",
                format!("rule `{id}`: an owner rule needs pattern, one_of or not_user"),
            ));
            ok = false;
        }
        RuleCheck::Owner {
            pattern,
            one_of: o_raw
                .one_of
                .iter()
                .map(|v| subst_env(&v.value, env))
                .collect(),
            not_user: o_raw.not_user,
        }
    } else if let Some(g) = &raw.forbidden_grant {
        let g_raw = &g.value;
        if g_raw.principals.is_empty() && g_raw.privileges.is_empty() && !g_raw.users {
            diags.push(Diagnostic::error(
                origin(file, g),
                "rule",
                format!(
                    "rule `{id}`: a forbidden grant needs principals, privileges or users: true"
                ),
            ));
            ok = false;
        }
        RuleCheck::ForbiddenGrant {
            principals: g_raw
                .principals
                .iter()
                .map(|v| subst_env(&v.value, env))
                .collect(),
            // Canonical spelling, `*` and `?` kept: `ALL PRIVILEGES` = `ALL_PRIVILEGES`.
            privileges: g_raw
                .privileges
                .iter()
                .map(|v| normalize_privilege(&v.value))
                .collect(),
            users: g_raw.users,
        }
    } else if let Some(p) = &raw.protection {
        let p_raw = &p.value;
        ok &= kinds_only(
            &[SecurableKind::Table],
            "a protection rule (tables only)",
            diags,
        );
        if p_raw.column_tags.is_empty() {
            diags.push(Diagnostic::error(
                origin(file, p),
                "rule",
                format!("rule `{id}`: column_tags is empty: which columns are protected?"),
            ));
            ok = false;
        }
        if !p_raw.require_mask && !p_raw.require_row_filter {
            diags.push(Diagnostic::error(
                origin(file, p),
                "rule",
                format!("rule `{id}`: require_mask or require_row_filter must be true"),
            ));
            ok = false;
        }
        RuleCheck::Protection {
            column_tags: p_raw
                .column_tags
                .iter()
                .map(|(k, v)| (k.clone(), v.as_ref().map(|v| v.value.0.clone())))
                .collect(),
            require_mask: p_raw.require_mask,
            require_row_filter: p_raw.require_row_filter,
            allowed_tables: p_raw
                .allowed_tables
                .iter()
                .map(|v| subst_env(&v.value, env))
                .collect(),
        }
    } else {
        return None;
    };
    if !ok {
        return None;
    }
    if !scope.environments.is_empty() && !scope.environments.iter().any(|e| e == env) {
        return None;
    }
    Some(PolicyRule {
        id,
        message: raw.message.value.trim().to_string(),
        severity,
        scope,
        check,
        origin: origin(file, &raw.id),
    })
}
