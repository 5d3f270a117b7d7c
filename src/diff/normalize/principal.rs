//! Principals compare as Unity Catalog resolves them. A user (an e-mail: the name has an `@`)
//! and a service principal (a UUID: its application id) match case-insensitively, since
//! Databricks stores and returns user names lower-cased and application ids are hexadecimal;
//! any other name is a group, and group names are case-sensitive (`Analysts` and `analysts`
//! are two groups, so a grant to one is drift against the other). The key is the trimmed name,
//! lower-cased for users and service principals; reports show the declared spelling when
//! there is one.

use std::borrow::Cow;

use super::lower;

/// How a principal name is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A user, by e-mail (case-insensitive).
    User,
    /// A service principal, by application id (case-insensitive).
    ServicePrincipal,
    /// A group, by display name (case-sensitive).
    Group,
}

/// The kind of principal a name denotes: an `@` makes a user, the 8-4-4-4-12 hexadecimal shape
/// of a UUID a service principal, anything else a group.
pub fn kind(p: &str) -> Kind {
    let p = p.trim();
    if p.contains('@') {
        Kind::User
    } else if is_uuid(p) {
        Kind::ServicePrincipal
    } else {
        Kind::Group
    }
}

fn is_uuid(s: &str) -> bool {
    let mut parts = s.split('-');
    for n in [8, 4, 4, 4, 12] {
        match parts.next() {
            Some(x) if x.len() == n && x.bytes().all(|b| b.is_ascii_hexdigit()) => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

/// Comparison key of a principal.
pub fn key(p: &str) -> Cow<'_, str> {
    let t = p.trim();
    match kind(t) {
        Kind::Group => Cow::Borrowed(t),
        Kind::User | Kind::ServicePrincipal => lower(t),
    }
}

/// True when two principals are the same.
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_emails_compare_case_insensitively() {
        assert!(same("User@X.com", "user@x.com"));
        assert_eq!(key("Alice@Example.com"), "alice@example.com");
        assert_eq!(kind("first.last+tag@example.com"), Kind::User);
        assert!(!same("alice@example.com", "alicia@example.com"));
    }

    #[test]
    fn group_names_compare_case_sensitively() {
        assert!(!same("Analysts", "analysts"));
        assert!(!same("Data-Engineers", "data-engineers"));
        assert!(!same("account users", "Account Users"));
        assert!(same("analysts", " analysts "));
        assert_eq!(kind("account users"), Kind::Group);
        assert!(matches!(key("Analysts"), Cow::Borrowed("Analysts")));
    }

    #[test]
    fn application_ids_compare_case_insensitively() {
        assert!(same(
            "6A1B2C3D-0000-4000-8000-00000000ABCD",
            "6a1b2c3d-0000-4000-8000-00000000abcd"
        ));
        assert_eq!(
            kind("6a1b2c3d-0000-4000-8000-00000000abcd"),
            Kind::ServicePrincipal
        );
        // not the UUID shape: a group, compared exactly
        assert_eq!(kind("6a1b2c3d-0000-4000-8000"), Kind::Group);
        assert_eq!(kind("zz1b2c3d-0000-4000-8000-00000000abcd"), Kind::Group);
        assert!(!same("ETL-Team", "etl-team"));
    }

    #[test]
    fn keys_borrow_when_already_canonical() {
        assert!(matches!(key("bob@example.com"), Cow::Borrowed(_)));
        assert!(matches!(key("Bob@example.com"), Cow::Owned(_)));
    }
}
