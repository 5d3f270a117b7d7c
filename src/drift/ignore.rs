//! Ignore rules: `kind:name-glob[#field-glob]`, from `brickkit.yaml` (`ignore:`) and from
//! `--ignore`. `kind` is a securable kind (`table`, `storage_credential`, ...) or `*`; the
//! globs know `*` (any run of characters, dots included) and `?` (one character) and
//! compare case-insensitively. Without `#field-glob` the rule silences everything about the
//! matching securables (drift, missing, unmanaged); with it, only matching fields
//! (`tags.*`, `grants.*`, `exists` for missing/unmanaged).
//!
//! Owns its own small glob matcher; never touches the file system.

use crate::declared::IgnoreSpec;
use crate::model::SecurableKind;

/// An ignore pattern that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ignore pattern `{pattern}` ({source_label}): {reason}")]
pub struct Error {
    pub pattern: String,
    /// Where it came from: `brickkit.yaml:12:5` or `--ignore`.
    pub source_label: String,
    pub reason: String,
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// `None` = any kind (`*`).
    pub kind: Option<SecurableKind>,
    pub name: String,
    pub field: Option<String>,
    /// The pattern as written.
    pub pattern: String,
}

impl IgnoreRule {
    /// Parse `kind:name-glob[#field-glob]`.
    pub fn parse(pattern: &str) -> Result<IgnoreRule, String> {
        let p = pattern.trim();
        let (kind, rest) = p
            .split_once(':')
            .ok_or_else(|| "expected `kind:name-glob[#field-glob]`".to_string())?;
        let kind = match kind.trim() {
            "*" => None,
            k => Some(k.parse::<SecurableKind>()?),
        };
        let (name, field) = match rest.split_once('#') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (rest.trim(), None),
        };
        if name.is_empty() {
            return Err("the name glob is empty (use `*` for every name)".into());
        }
        if field.is_some_and(str::is_empty) {
            return Err("the field glob after `#` is empty".into());
        }
        Ok(IgnoreRule {
            kind,
            name: name.to_string(),
            field: field.map(str::to_string),
            pattern: p.to_string(),
        })
    }

    fn matches_securable(&self, kind: SecurableKind, name: &str) -> bool {
        self.kind.is_none_or(|k| k == kind) && glob_match(&self.name, name)
    }
}

/// A set of rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IgnoreRules {
    pub rules: Vec<IgnoreRule>,
}

impl IgnoreRules {
    /// Parse the tree's specs and the command line's patterns; every bad pattern is an
    /// error naming where it was written.
    pub fn from_specs(specs: &[IgnoreSpec], cli: &[String]) -> Result<IgnoreRules, Vec<Error>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let labelled = specs
            .iter()
            .map(|s| {
                let label = s.origin.as_ref().map_or_else(
                    || "brickkit.yaml".to_string(),
                    |o| format!("{}:{}:{}", o.file.display(), o.line, o.column),
                );
                (s.pattern.as_str(), label)
            })
            .chain(cli.iter().map(|p| (p.as_str(), "--ignore".to_string())));
        for (pattern, label) in labelled {
            match IgnoreRule::parse(pattern) {
                Ok(r) => rules.push(r),
                Err(reason) => errors.push(Error {
                    pattern: pattern.to_string(),
                    source_label: label,
                    reason,
                }),
            }
        }
        if errors.is_empty() {
            Ok(IgnoreRules { rules })
        } else {
            Err(errors)
        }
    }

    /// True when no rule is present.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// True when a rule without a field glob matches the securable.
    pub fn securable(&self, kind: SecurableKind, name: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.field.is_none() && r.matches_securable(kind, name))
    }

    /// True when a rule silences `field` of the securable (a securable-wide rule does).
    pub fn field(&self, kind: SecurableKind, name: &str, field: &str) -> bool {
        self.rules.iter().any(|r| {
            r.matches_securable(kind, name)
                && r.field.as_deref().is_none_or(|f| glob_match(f, field))
        })
    }
}

/// Case-insensitive glob match: `*` matches any run of characters (dots included), `?`
/// exactly one character, anything else itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` in the pattern and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "a.b.c"));
        assert!(glob_match("sales_*.*.tmp_*", "sales_dev.orders.tmp_x"));
        assert!(!glob_match("sales_*.*.tmp_*", "sales_dev.orders.orders"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("A*C", "abbbc"));
        assert!(glob_match("tags.*", "tags.cost_center"));
        assert!(!glob_match("tags.*", "columns.email.tags.pii"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
        assert!(glob_match("grants.*", "grants.Data Engineers"));
    }

    #[test]
    fn parses_patterns() {
        let r = IgnoreRule::parse("table:sales_*.tmp_*#tags.*").unwrap();
        assert_eq!(r.kind, Some(SecurableKind::Table));
        assert_eq!(r.name, "sales_*.tmp_*");
        assert_eq!(r.field.as_deref(), Some("tags.*"));
        let r = IgnoreRule::parse("*:scratch").unwrap();
        assert_eq!((r.kind, r.field), (None, None));
        assert!(
            IgnoreRule::parse("tables")
                .unwrap_err()
                .contains("expected")
        );
        assert!(
            IgnoreRule::parse("blob:x")
                .unwrap_err()
                .contains("unknown securable kind")
        );
        assert!(IgnoreRule::parse("table:").is_err());
        assert!(IgnoreRule::parse("table:x#").is_err());
    }

    #[test]
    fn rules_match_securables_and_fields() {
        let rules = IgnoreRules::from_specs(
            &[IgnoreSpec {
                pattern: "table:*.staging.*".into(),
                origin: None,
            }],
            &["schema:sales_dev.*#comment".to_string()],
        )
        .unwrap();
        assert!(rules.securable(SecurableKind::Table, "sales_dev.staging.x"));
        assert!(rules.field(SecurableKind::Table, "sales_dev.staging.x", "owner"));
        assert!(!rules.securable(SecurableKind::Schema, "sales_dev.orders"));
        assert!(rules.field(SecurableKind::Schema, "sales_dev.orders", "comment"));
        assert!(!rules.field(SecurableKind::Schema, "sales_dev.orders", "owner"));
        assert!(!rules.field(SecurableKind::Volume, "sales_dev.staging.x", "owner"));
    }

    #[test]
    fn bad_patterns_name_their_source() {
        let errs = IgnoreRules::from_specs(&[], &["nonsense".to_string()]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].to_string().contains("--ignore"));
    }
}
