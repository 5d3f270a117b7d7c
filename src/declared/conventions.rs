//! Conventions: compiling convention files into rules, and one documented function per rule
//! (default tags, required tags, naming, default owners, sensitive tags, grant mode,
//! severity overrides).
//!
//! Pure: it reads raw convention documents and effective securables, and returns values and
//! diagnostics. It must never walk the tree, read files or resolve securable names itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;

use super::diagnostic::Diagnostic;
use super::model::{DeclaredSecurable, GrantMode, NamingRule, Origin, Policy, RequiredTag};
use super::raw;
use super::yaml::{Spanned, position};
use crate::model::{SecurableKind, Severity};

/// Kinds that can carry tags in Unity Catalog (columns of tables can too).
pub const TAGGABLE: [SecurableKind; 4] = [
    SecurableKind::Catalog,
    SecurableKind::Schema,
    SecurableKind::Table,
    SecurableKind::Volume,
];

/// True when securables of `kind` carry tags.
pub fn supports_tags(kind: SecurableKind) -> bool {
    TAGGABLE.contains(&kind)
}

/// Replace `{env}` with the environment name.
pub fn subst_env(s: &str, env: &str) -> String {
    // Most values hold no `{`: a byte scan is much cheaper than a substring search.
    if !s.as_bytes().contains(&b'{') {
        return s.to_owned();
    }
    s.replace("{env}", env)
}

/// A default tag, resolved for the environment.
#[derive(Debug, Clone)]
pub struct DefaultTag {
    pub key: String,
    pub value: String,
    /// Empty = every taggable kind.
    pub applies_to: Vec<SecurableKind>,
}

/// A compiled naming rule: the model rule plus its regular expression.
#[derive(Debug, Clone)]
pub struct CompiledNaming {
    pub rule: NamingRule,
    pub regex: Option<Regex>,
}

/// Every convention file that applies, merged in the order `brickkit.yaml` lists them.
#[derive(Debug, Clone, Default)]
pub struct Conventions {
    pub naming: BTreeMap<SecurableKind, CompiledNaming>,
    pub owners: BTreeMap<SecurableKind, String>,
    pub default_owner: Option<String>,
    pub default_tags: Vec<DefaultTag>,
    pub policy: Policy,
    /// Every policy rule id seen so far (environment-excluded rules included), with where.
    pub rule_ids: BTreeMap<String, Option<Origin>>,
}

fn origin_of<T>(file: &Path, s: &Spanned<T>) -> Option<Origin> {
    let (line, column) = position(s);
    Some(Origin {
        file: file.to_path_buf(),
        line,
        column,
    })
}

/// Parse a kind name written in a convention (`catalog`, `external_location`, ...).
fn parse_kind(
    file: &Path,
    s: &Spanned<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<SecurableKind> {
    match s.value.parse::<SecurableKind>() {
        Ok(k) => Some(k),
        Err(e) => {
            diags.push(Diagnostic::error(origin_of(file, s), "unknown-kind", e));
            None
        }
    }
}

/// Compile one convention file into `into` (later files override per-kind naming and owner
/// entries and the grant mode; tag rules and severity overrides accumulate).
pub fn compile(
    file: &Path,
    doc: &raw::ConventionFile,
    env: &str,
    environments: &BTreeSet<String>,
    into: &mut Conventions,
    diags: &mut Vec<Diagnostic>,
) {
    for (kind_name, rule) in &doc.naming {
        let Some(kind) = kind_from_key(file, kind_name, rule, diags) else {
            continue;
        };
        let mut regex = None;
        if let Some(p) = &rule.value.pattern {
            match Regex::new(&p.value) {
                Ok(r) => regex = Some(r),
                Err(e) => diags.push(Diagnostic::error(
                    origin_of(file, p),
                    "pattern",
                    format!(
                        "naming pattern for {kind} is not a valid regular expression: {}",
                        one_line(&e.to_string())
                    ),
                )),
            }
        }
        let suffix = rule.value.suffix.as_ref().map(|s| subst_env(&s.value, env));
        if let Some(s) = &rule.value.suffix
            && !valid_name_chars(&subst_env(&s.value, env))
        {
            diags.push(Diagnostic::error(
                origin_of(file, s),
                "invalid-name",
                format!(
                    "naming suffix `{}` for {kind} would make invalid names",
                    s.value
                ),
            ));
        }
        let model_rule = NamingRule {
            pattern: rule.value.pattern.as_ref().map(|p| p.value.clone()),
            suffix: suffix.clone(),
        };
        into.policy.naming.insert(kind, model_rule);
        into.naming.insert(
            kind,
            CompiledNaming {
                rule: NamingRule {
                    pattern: rule.value.pattern.as_ref().map(|p| p.value.clone()),
                    suffix,
                },
                regex,
            },
        );
    }
    for (key, owner) in &doc.owners {
        let value = subst_env(&owner.value, env);
        if key == "default" {
            into.default_owner = Some(value);
        } else if let Some(kind) = kind_from_key(file, key, owner, diags) {
            into.owners.insert(kind, value);
        }
    }
    if let Some(tags) = &doc.tags {
        for d in &tags.defaults {
            compile_default_tag(file, &d.value, env, environments, into, diags);
        }
        for r in &tags.required {
            compile_required_tag(file, r, into, diags);
        }
        for s in &tags.sensitive {
            into.policy.sensitive_tags.insert(s.value.clone());
        }
    }
    if let Some(g) = &doc.grants {
        match g.mode.value.trim().to_ascii_lowercase().as_str() {
            "authoritative" => into.policy.grant_mode = GrantMode::Authoritative,
            "additive" => into.policy.grant_mode = GrantMode::Additive,
            other => diags.push(Diagnostic::error(
                origin_of(file, &g.mode),
                "grant-mode",
                format!("unknown grant mode `{other}` (expected authoritative or additive)"),
            )),
        }
    }
    super::rules::compile(file, &doc.rules, env, environments, into, diags);
    for o in &doc.severity {
        match o.value.level.value.parse::<Severity>() {
            Ok(sev) => into
                .policy
                .severity_overrides
                .push((o.value.field.value.clone(), sev)),
            Err(e) => diags.push(Diagnostic::error(
                origin_of(file, &o.value.level),
                "severity",
                e,
            )),
        }
    }
}

/// A kind used as a map key: the error points at the value (keys carry no location).
fn kind_from_key<T>(
    file: &Path,
    key: &str,
    at: &Spanned<T>,
    diags: &mut Vec<Diagnostic>,
) -> Option<SecurableKind> {
    match key.parse::<SecurableKind>() {
        Ok(k) => Some(k),
        Err(e) => {
            diags.push(Diagnostic::error(origin_of(file, at), "unknown-kind", e));
            None
        }
    }
}

fn compile_default_tag(
    file: &Path,
    d: &raw::DefaultTag,
    env: &str,
    environments: &BTreeSet<String>,
    into: &mut Conventions,
    diags: &mut Vec<Diagnostic>,
) {
    for (e, v) in &d.per_env {
        if !environments.contains(e) {
            diags.push(Diagnostic::error(
                origin_of(file, v),
                "unknown-environment",
                format!(
                    "default tag `{}` has a value for unknown environment `{e}`",
                    d.key.value
                ),
            ));
        }
    }
    let value = d
        .per_env
        .get(env)
        .or(d.value.as_ref())
        .map(|v| subst_env(&v.value.0, env));
    let Some(value) = value else {
        if d.per_env.is_empty() {
            diags.push(Diagnostic::error(
                origin_of(file, &d.key),
                "default-tag",
                format!("default tag `{}` has no `value`", d.key.value),
            ));
        }
        // No value for this environment: the default does not apply here.
        return;
    };
    let mut applies_to = Vec::new();
    for k in &d.applies_to {
        if let Some(kind) = parse_kind(file, k, diags) {
            if supports_tags(kind) {
                applies_to.push(kind);
            } else {
                diags.push(Diagnostic::error(
                    origin_of(file, k),
                    "unknown-kind",
                    format!(
                        "default tag `{}` applies to {kind}, which cannot carry tags",
                        d.key.value
                    ),
                ));
            }
        }
    }
    into.default_tags.push(DefaultTag {
        key: d.key.value.clone(),
        value,
        applies_to,
    });
}

fn compile_required_tag(
    file: &Path,
    r: &Spanned<raw::RequiredTag>,
    into: &mut Conventions,
    diags: &mut Vec<Diagnostic>,
) {
    let mut applies_to = Vec::new();
    for k in &r.value.applies_to {
        if let Some(kind) = parse_kind(file, k, diags) {
            if supports_tags(kind) {
                applies_to.push(kind);
            } else {
                diags.push(Diagnostic::error(
                    origin_of(file, k),
                    "unknown-kind",
                    format!(
                        "required tag `{}` applies to {kind}, which cannot carry tags",
                        r.value.key.value
                    ),
                ));
            }
        }
    }
    if r.value.applies_to.is_empty() {
        applies_to = TAGGABLE.to_vec();
    }
    into.policy.required_tags.push(RequiredTag {
        key: r.value.key.value.clone(),
        allowed: r
            .value
            .allowed
            .as_ref()
            .map(|a| a.iter().map(|v| v.value.0.clone()).collect()),
        applies_to,
        message: r.value.message.as_ref().map(|m| m.value.clone()),
        origin: origin_of(file, &r.value.key),
    });
}

/// Rule **naming (suffix)**: the effective short name of a securable: lower case, plus the
/// environment suffix the convention gives its kind (`sales` → `sales_dev`).
pub fn effective_short_name(conv: &Conventions, kind: SecurableKind, name: &str) -> String {
    let mut out = name.to_lowercase();
    if let Some(s) = conv
        .naming
        .get(&kind)
        .and_then(|n| n.rule.suffix.as_deref())
    {
        out.push_str(&s.to_lowercase());
    }
    out
}

/// Rule **naming (pattern)**: the name as written must match the kind's pattern; a mismatch
/// is a violation at the name.
pub fn check_naming(
    conv: &Conventions,
    kind: SecurableKind,
    name: &str,
    origin: Option<&Origin>,
) -> Option<Diagnostic> {
    let n = conv.naming.get(&kind)?;
    let re = n.regex.as_ref()?;
    if re.is_match(name) {
        return None;
    }
    Some(Diagnostic::violation(
        origin.cloned(),
        "naming",
        format!(
            "{kind} name `{name}` does not match the naming pattern `{}`",
            n.rule.pattern.as_deref().unwrap_or_default()
        ),
    ))
}

/// Rule **default owners**: the owner a securable gets when it declares none: the owner
/// for its kind, else `default`, else none (owner not governed).
pub fn default_owner(conv: &Conventions, kind: SecurableKind) -> Option<String> {
    conv.owners
        .get(&kind)
        .or(conv.default_owner.as_ref())
        .cloned()
}

/// Rule **default tags**: add every default tag that applies to the securable's kind and
/// that the securable does not set itself (explicit values win).
pub fn apply_default_tags(conv: &Conventions, sec: &mut DeclaredSecurable) {
    if !supports_tags(sec.kind) {
        return;
    }
    for d in &conv.default_tags {
        if d.applies_to.is_empty() || d.applies_to.contains(&sec.kind) {
            sec.tags
                .entry(d.key.clone())
                .or_insert_with(|| d.value.clone());
        }
    }
}

/// Rule **required tags**: every required tag that applies to the securable's kind must be
/// present (after defaults) with an allowed value. Missing tags are reported at the
/// securable, values not allowed at the value (`tag_origins` maps keys to where the value
/// was written).
pub fn check_required_tags(
    policy: &Policy,
    sec: &DeclaredSecurable,
    tag_origins: &BTreeMap<String, Origin>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in &policy.required_tags {
        if !r.applies(sec.kind) {
            continue;
        }
        let extra = r
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        match sec.tags.get(&r.key) {
            None => out.push(Diagnostic::violation(
                sec.origin.clone(),
                "required-tag",
                format!(
                    "{} `{}` lacks required tag `{}`{extra}",
                    sec.kind, sec.declared_name, r.key
                ),
            )),
            Some(v) => {
                if let Some(allowed) = &r.allowed
                    && !allowed.iter().any(|a| a == v)
                {
                    out.push(Diagnostic::violation(
                        tag_origins
                            .get(&r.key)
                            .cloned()
                            .or_else(|| sec.origin.clone()),
                        "required-tag",
                        format!(
                            "tag `{}` of {} `{}` is `{v}`, not one of: {}{extra}",
                            r.key,
                            sec.kind,
                            sec.declared_name,
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Rule **sensitive tags**: true when drift on this tag key is critical.
pub fn is_sensitive(policy: &Policy, key: &str) -> bool {
    policy.sensitive_tags.contains(key)
}

/// Rule **grant mode** and **severity overrides** are carried as data in [`Policy`]
/// (`grant_mode`, `severity_overrides`) for the differ and the classifier; this returns the
/// override for a field path, first match wins (`*` matches any run of characters).
pub fn severity_override(policy: &Policy, field: &str) -> Option<Severity> {
    policy
        .severity_overrides
        .iter()
        .find(|(glob, _)| glob_match(glob, field))
        .map(|(_, s)| *s)
}

/// Minimal glob: `*` matches any run of characters (dots included), everything else is
/// literal.
pub fn glob_match(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == text;
    }
    let mut rest = text;
    let first = parts[0];
    let Some(r) = rest.strip_prefix(first) else {
        return false;
    };
    rest = r;
    let last = parts[parts.len() - 1];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Characters allowed in a securable name part: anything printable except `.`, `/`,
/// whitespace and control characters.
pub fn valid_name_chars(name: &str) -> bool {
    !name
        .chars()
        .any(|c| c == '.' || c == '/' || c.is_whitespace() || c.is_control())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("tags.*", "tags.cost_center"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("comment", "comment"));
        assert!(!glob_match("comment", "comments"));
        assert!(glob_match("*.tmp_*", "x.tmp_1"));
        assert!(!glob_match("ab*ba", "aba"));
    }

    fn securable(kind: SecurableKind) -> DeclaredSecurable {
        DeclaredSecurable {
            kind,
            full_name: "c".into(),
            declared_name: "c".into(),
            origin: None,
            create: true,
            owner: None,
            comment: None,
            tags: BTreeMap::from([("env".to_owned(), "mine".to_owned())]),
            grants: None,
            row_filter: None,
            columns: Vec::new(),
            properties: BTreeMap::new(),
            details: BTreeMap::new(),
        }
    }

    #[test]
    fn default_tags_never_override_and_skip_untaggable_kinds() {
        let conv = Conventions {
            default_tags: vec![
                DefaultTag {
                    key: "env".into(),
                    value: "dev".into(),
                    applies_to: vec![],
                },
                DefaultTag {
                    key: "managed_by".into(),
                    value: "brickkit".into(),
                    applies_to: vec![SecurableKind::Catalog],
                },
            ],
            ..Conventions::default()
        };
        let mut cat = securable(SecurableKind::Catalog);
        apply_default_tags(&conv, &mut cat);
        assert_eq!(cat.tags["env"], "mine");
        assert_eq!(cat.tags["managed_by"], "brickkit");
        let mut schema = securable(SecurableKind::Schema);
        apply_default_tags(&conv, &mut schema);
        assert!(!schema.tags.contains_key("managed_by"));
        let mut conn = securable(SecurableKind::Connection);
        conn.tags.clear();
        apply_default_tags(&conv, &mut conn);
        assert!(conn.tags.is_empty(), "connections carry no tags");
    }

    #[test]
    fn owners_fall_back_to_default() {
        let mut conv = Conventions::default();
        assert_eq!(default_owner(&conv, SecurableKind::Table), None);
        conv.default_owner = Some("d".into());
        conv.owners.insert(SecurableKind::Catalog, "c".into());
        assert_eq!(
            default_owner(&conv, SecurableKind::Catalog).as_deref(),
            Some("c")
        );
        assert_eq!(
            default_owner(&conv, SecurableKind::Table).as_deref(),
            Some("d")
        );
    }

    #[test]
    fn severity_overrides_first_match_wins() {
        let policy = Policy {
            severity_overrides: vec![
                ("tags.cost_*".into(), Severity::Info),
                ("tags.*".into(), Severity::Critical),
            ],
            ..Policy::default()
        };
        assert_eq!(
            severity_override(&policy, "tags.cost_center"),
            Some(Severity::Info)
        );
        assert_eq!(
            severity_override(&policy, "tags.pii"),
            Some(Severity::Critical)
        );
        assert_eq!(severity_override(&policy, "comment"), None);
    }

    #[test]
    fn suffix_and_pattern() {
        let mut conv = Conventions::default();
        conv.naming.insert(
            SecurableKind::Catalog,
            CompiledNaming {
                rule: NamingRule {
                    pattern: Some("^[a-z]+$".into()),
                    suffix: Some("_dev".into()),
                },
                regex: Regex::new("^[a-z]+$").ok(),
            },
        );
        assert_eq!(
            effective_short_name(&conv, SecurableKind::Catalog, "Sales"),
            "sales_dev"
        );
        assert_eq!(
            effective_short_name(&conv, SecurableKind::Schema, "Orders"),
            "orders"
        );
        assert!(check_naming(&conv, SecurableKind::Catalog, "sales", None).is_none());
        let v = check_naming(&conv, SecurableKind::Catalog, "Sales", None).unwrap();
        assert_eq!(v.code, "naming");
    }

    #[test]
    fn names() {
        assert!(valid_name_chars("sales_dev"));
        assert!(!valid_name_chars("sa les"));
        assert!(!valid_name_chars("a.b"));
    }
}
