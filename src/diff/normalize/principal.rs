//! Principals (users, groups, service principals by application id) are compared
//! case-insensitively: `Data-Engineers` and `data-engineers` are one principal. The key is
//! the trimmed ASCII lower case; reports show the declared spelling when there is one.

use std::borrow::Cow;

use super::lower;

/// Comparison key of a principal.
pub fn key(p: &str) -> Cow<'_, str> {
    lower(p.trim())
}

/// True when two principals are the same.
pub fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_does_not_matter() {
        assert!(same("Data-Engineers", "data-engineers"));
        assert!(same("account users", "Account Users"));
        assert_eq!(key("Alice@Example.com"), "alice@example.com");
        assert!(!same("analysts", "analyst"));
    }

    #[test]
    fn application_ids_compare_as_text() {
        assert!(same(
            "6A1B2C3D-0000-4000-8000-00000000ABCD",
            "6a1b2c3d-0000-4000-8000-00000000abcd"
        ));
    }
}
