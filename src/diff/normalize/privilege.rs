//! Privilege names: case-insensitive, and `ALL PRIVILEGES` = `ALL_PRIVILEGES`
//! (spaces, `-` and `_` are one separator). Canonical form: upper case joined by `_`.

use std::borrow::Cow;

use crate::model::normalize_privilege;

/// Canonical privilege spelling, borrowing when `p` is already canonical.
pub fn canonical(p: &str) -> Cow<'_, str> {
    let already = !p.is_empty()
        && p.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        && !p.starts_with('_')
        && !p.ends_with('_')
        && !p.contains("__");
    if already {
        Cow::Borrowed(p)
    } else {
        Cow::Owned(normalize_privilege(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_spaces_do_not_matter() {
        assert_eq!(canonical("select"), "SELECT");
        assert_eq!(canonical("ALL PRIVILEGES"), "ALL_PRIVILEGES");
        assert_eq!(canonical("all_privileges"), "ALL_PRIVILEGES");
        assert_eq!(canonical("Use Catalog"), "USE_CATALOG");
        assert!(matches!(canonical("USE_SCHEMA"), Cow::Borrowed(_)));
        assert_eq!(canonical("_SELECT"), "SELECT");
    }

    #[test]
    fn different_privileges_stay_different() {
        assert_ne!(canonical("SELECT"), canonical("MODIFY"));
        assert_ne!(canonical("USE CATALOG"), canonical("USE SCHEMA"));
    }
}
