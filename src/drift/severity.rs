//! Severity rules: which drift matters how much.
//!
//! critical: grants, owner, row filter, column masks, security-sensitive tags;
//! warning: required tags, naming, missing securables (`exists`);
//! info: comments, other tags, properties, unmanaged securables, and grant differences
//! that additive grant mode only reports. The convention's `severity_overrides`
//! (field glob → severity, first match) win over all of these.
//!
//! Pure function of the field, the kind and the policy.

use crate::declared::Policy;
use crate::model::{SecurableKind, Severity};

use super::ignore::glob_match;

/// Pseudo-field used to look up overrides for unmanaged securables.
pub const FIELD_UNMANAGED: &str = "unmanaged";

/// Severity of a drift on `field` of a securable of `kind`.
pub fn of_field(field: &str, kind: SecurableKind, additive: bool, policy: &Policy) -> Severity {
    if let Some((_, s)) = policy
        .severity_overrides
        .iter()
        .find(|(glob, _)| glob_match(glob, field))
    {
        return *s;
    }
    if additive {
        return Severity::Info;
    }
    if let Some(key) = field.strip_prefix("tags.") {
        if policy.sensitive_tags.contains(key) {
            return Severity::Critical;
        }
        if policy
            .required_tags
            .iter()
            .any(|r| r.key == key && r.applies(kind))
        {
            return Severity::Warning;
        }
        return Severity::Info;
    }
    if let Some(rest) = field.strip_prefix("columns.") {
        if rest.ends_with(".mask") {
            return Severity::Critical;
        }
        if let Some((_, key)) = rest.split_once(".tags.") {
            return if policy.sensitive_tags.contains(key) {
                Severity::Critical
            } else {
                Severity::Info
            };
        }
        return Severity::Info;
    }
    match field {
        "owner" | "row_filter" => Severity::Critical,
        f if f.starts_with("grants.") => Severity::Critical,
        "exists" | "name" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// Severity of an unmanaged securable (info unless overridden with `unmanaged`).
pub fn of_unmanaged(policy: &Policy) -> Severity {
    policy
        .severity_overrides
        .iter()
        .find(|(glob, _)| glob_match(glob, FIELD_UNMANAGED))
        .map_or(Severity::Info, |(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::RequiredTag;

    fn policy() -> Policy {
        Policy {
            required_tags: vec![RequiredTag {
                key: "data_owner".into(),
                allowed: None,
                applies_to: vec![SecurableKind::Table],
                message: None,
                origin: None,
            }],
            sensitive_tags: ["pii".to_string()].into(),
            ..Policy::default()
        }
    }

    #[test]
    fn defaults() {
        let p = policy();
        let t = SecurableKind::Table;
        assert_eq!(
            of_field("grants.analysts", t, false, &p),
            Severity::Critical
        );
        assert_eq!(of_field("owner", t, false, &p), Severity::Critical);
        assert_eq!(of_field("row_filter", t, false, &p), Severity::Critical);
        assert_eq!(
            of_field("columns.email.mask", t, false, &p),
            Severity::Critical
        );
        assert_eq!(of_field("tags.pii", t, false, &p), Severity::Critical);
        assert_eq!(
            of_field("columns.email.tags.pii", t, false, &p),
            Severity::Critical
        );
        assert_eq!(of_field("tags.data_owner", t, false, &p), Severity::Warning);
        assert_eq!(
            of_field("tags.data_owner", SecurableKind::Schema, false, &p),
            Severity::Info
        );
        assert_eq!(of_field("name", t, false, &p), Severity::Warning);
        assert_eq!(of_field("exists", t, false, &p), Severity::Warning);
        assert_eq!(of_field("comment", t, false, &p), Severity::Info);
        assert_eq!(of_field("tags.team", t, false, &p), Severity::Info);
        assert_eq!(
            of_field("columns.a.tags.team", t, false, &p),
            Severity::Info
        );
        assert_eq!(of_field("grants.analysts", t, true, &p), Severity::Info);
        assert_eq!(of_unmanaged(&p), Severity::Info);
    }

    #[test]
    fn overrides_win_first_match() {
        let mut p = policy();
        p.severity_overrides = vec![
            ("comment".into(), Severity::Warning),
            ("grants.*".into(), Severity::Warning),
            ("grants.analysts".into(), Severity::Info),
            ("unmanaged".into(), Severity::Critical),
        ];
        let t = SecurableKind::Table;
        assert_eq!(of_field("comment", t, false, &p), Severity::Warning);
        assert_eq!(of_field("grants.analysts", t, false, &p), Severity::Warning);
        assert_eq!(of_field("owner", t, false, &p), Severity::Critical);
        assert_eq!(of_unmanaged(&p), Severity::Critical);
    }
}
