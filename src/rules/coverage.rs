//! What the snapshot could not see: collection issues and the manifest's scope. Shared by
//! the drift classifier and the policy rules (both decide "unknown" the same way); lives
//! here because `drift` depends on `rules`, not the other way round.
//!
//! Architecture invariant: **unknown is not missing**. A securable at or under a
//! whole-securable collection issue (or outside the snapshot's scope) is unknown, never
//! missing or compliant; an attribute-level issue makes that attribute unknown.
//!
//! Pure; the issues are few, so a linear scan per securable is enough.

use crate::diff::normalize::lower;
use crate::model::SecurableKind;
use crate::state::{CollectionIssue, Snapshot};

/// Why something is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub text: String,
}

impl Reason {
    fn of(issue: &CollectionIssue) -> Reason {
        let text = match &issue.error_code {
            Some(code) if !code.is_empty() => format!("{code}: {}", issue.message),
            _ => issue.message.to_string(),
        };
        Reason { text }
    }
}

/// The snapshot's blind spots, ready for lookups.
#[derive(Debug)]
pub struct Coverage<'a> {
    issues: Vec<(&'a CollectionIssue, String)>,
    /// Catalogs in scope (lower case); `None` = everything.
    scope: Option<Vec<String>>,
}

impl<'a> Coverage<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Coverage<'a> {
        // Sorted, so the first issue covering something (its reason) does not depend on
        // the snapshot's row order.
        let mut issues: Vec<(&CollectionIssue, String)> = snapshot
            .collection_issues
            .iter()
            .map(|i| (i, lower(i.full_name.trim()).into_owned()))
            .collect();
        issues.sort();
        let scope = &snapshot.manifest.scope;
        let scope = if scope.is_empty() || scope.iter().any(|s| s == "*") {
            None
        } else {
            Some(scope.iter().map(|s| lower(s).into_owned()).collect())
        };
        Coverage { issues, scope }
    }

    /// True when the snapshot saw everything: no collection issue, no scope restriction.
    pub fn is_complete(&self) -> bool {
        self.issues.is_empty() && self.scope.is_none()
    }

    /// True when some issue is attribute-level.
    pub fn has_attribute_issues(&self) -> bool {
        self.issues.iter().any(|(i, _)| i.attribute.is_some())
    }

    /// The issue index and whether it covers the securable (self, or under a subtree).
    fn covers(issue: &CollectionIssue, iname: &str, kind: SecurableKind, name: &str) -> bool {
        if iname.is_empty() {
            // Metastore level: an unreadable metastore hides everything.
            return issue.subtree || issue.attribute.is_none();
        }
        let same_kind = issue.securable_kind.is_none_or(|k| k == kind);
        if same_kind && name == iname {
            return true;
        }
        let container = issue
            .securable_kind
            .is_none_or(|k| matches!(k, SecurableKind::Catalog | SecurableKind::Schema));
        issue.subtree
            && container
            && kind.in_catalog()
            && name.len() > iname.len()
            && name.starts_with(iname)
            && name.as_bytes()[iname.len()] == b'.'
    }

    /// Why the whole securable is unknown, if it is. `name` must be lower case; `present`
    /// says whether the snapshot holds the securable's own row. A subtree issue on a
    /// securable whose row was read ("listing its tables failed") leaves the securable
    /// itself known and hides only what is under it.
    pub fn securable(&self, kind: SecurableKind, name: &str, present: bool) -> Option<Reason> {
        if let Some(scope) = &self.scope
            && kind.in_catalog()
        {
            let cat = name.split('.').next().unwrap_or(name);
            if !scope.iter().any(|s| s == cat) {
                return Some(Reason {
                    text: format!("catalog `{cat}` is outside the snapshot's scope"),
                });
            }
        }
        self.issues
            .iter()
            .find(|(i, n)| {
                i.attribute.is_none()
                    && Self::covers(i, n, kind, name)
                    && !(present && i.subtree && Self::is_self(i, n, kind, name))
            })
            .map(|(i, _)| Reason::of(i))
    }

    fn is_self(issue: &CollectionIssue, iname: &str, kind: SecurableKind, name: &str) -> bool {
        !iname.is_empty() && issue.securable_kind.is_none_or(|k| k == kind) && name == iname
    }

    /// Attribute-level issues covering the securable: `(attribute, reason)`.
    pub fn attributes(&self, kind: SecurableKind, name: &str) -> Vec<(String, Reason)> {
        self.issues
            .iter()
            .filter_map(|(i, n)| {
                let attr = i.attribute.as_ref()?;
                Self::covers(i, n, kind, name).then(|| (attr.to_string(), Reason::of(i)))
            })
            .collect()
    }

    /// Every issue with its position and reason.
    pub fn issues(&self) -> impl Iterator<Item = (usize, &'a CollectionIssue, Reason)> + '_ {
        self.issues
            .iter()
            .enumerate()
            .map(|(n, (i, _))| (n, *i, Reason::of(i)))
    }

    /// True when issue number `n` covers the securable. `name` must be lower case.
    pub fn issue_covers(&self, n: usize, kind: SecurableKind, name: &str) -> bool {
        self.issues
            .get(n)
            .is_some_and(|(i, iname)| Self::covers(i, iname, kind, name))
    }
}

/// True when an unreadable `attribute` makes `field` unknown.
pub fn attribute_covers(attribute: &str, field: &str) -> bool {
    let a = attribute.trim().to_ascii_lowercase();
    let prefix = |p: &str| field == p || field.starts_with(&format!("{p}."));
    let column_field = field.starts_with("columns.");
    match a.as_str() {
        "tags" => prefix("tags") || (column_field && field.contains(".tags.")),
        "column_tags" => column_field && field.contains(".tags."),
        "column_masks" | "masks" | "mask" => column_field && field.ends_with(".mask"),
        "row_filter" | "row_filters" => field == "row_filter",
        "grants" | "permissions" | "privileges" => prefix("grants"),
        "columns" => column_field,
        "properties" => prefix("properties"),
        other => prefix(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Text;

    fn snap(issues: Vec<CollectionIssue>, scope: &[&str]) -> Snapshot {
        let mut s = Snapshot {
            collection_issues: issues,
            ..Snapshot::default()
        };
        s.manifest.scope = scope.iter().map(|x| x.to_string()).collect();
        s
    }

    fn issue(
        kind: SecurableKind,
        name: &str,
        attr: Option<&str>,
        subtree: bool,
    ) -> CollectionIssue {
        CollectionIssue {
            securable_kind: Some(kind),
            full_name: name.into(),
            attribute: attr.map(Text::from),
            subtree,
            error_code: Some("403".into()),
            message: "permission denied".into(),
        }
    }

    #[test]
    fn subtree_issue_hides_children_not_siblings() {
        let s = snap(
            vec![issue(SecurableKind::Schema, "c.s", None, true)],
            &["*"],
        );
        let c = Coverage::new(&s);
        assert!(c.securable(SecurableKind::Schema, "c.s", false).is_some());
        assert!(
            c.securable(SecurableKind::Schema, "c.s", true).is_none(),
            "the schema's own row was read"
        );
        assert!(c.securable(SecurableKind::Table, "c.s.t", true).is_some());
        assert!(c.securable(SecurableKind::Table, "c.s.t", false).is_some());
        assert!(c.securable(SecurableKind::Table, "c.s2.t", false).is_none());
        assert!(c.securable(SecurableKind::Table, "c.sx.t", false).is_none());
        assert!(c.securable(SecurableKind::Catalog, "c", false).is_none());
        let r = c.securable(SecurableKind::Table, "c.s.t", false).unwrap();
        assert_eq!(r.text, "403: permission denied");
    }

    #[test]
    fn self_issue_without_subtree_hides_only_itself() {
        let s = snap(vec![issue(SecurableKind::Schema, "c.s", None, false)], &[]);
        let c = Coverage::new(&s);
        assert!(c.securable(SecurableKind::Schema, "c.s", true).is_some());
        assert!(c.securable(SecurableKind::Table, "c.s.t", false).is_none());
    }

    #[test]
    fn attribute_issues_and_scope() {
        let s = snap(
            vec![issue(SecurableKind::Catalog, "c", Some("grants"), true)],
            &["c"],
        );
        let c = Coverage::new(&s);
        assert!(c.securable(SecurableKind::Table, "c.s.t", true).is_none());
        assert_eq!(c.attributes(SecurableKind::Table, "c.s.t").len(), 1);
        assert!(
            c.securable(SecurableKind::Table, "other.s.t", true)
                .is_some()
        );
        assert!(
            c.securable(SecurableKind::StorageCredential, "cred", false)
                .is_none()
        );
    }

    #[test]
    fn attributes_cover_fields() {
        assert!(attribute_covers("grants", "grants.analysts"));
        assert!(attribute_covers("tags", "tags.pii"));
        assert!(attribute_covers("tags", "columns.email.tags.pii"));
        assert!(attribute_covers("column_masks", "columns.email.mask"));
        assert!(attribute_covers("row_filters", "row_filter"));
        assert!(attribute_covers("owner", "owner"));
        assert!(!attribute_covers("grants", "owner"));
        assert!(!attribute_covers("tags", "comment"));
    }
}
