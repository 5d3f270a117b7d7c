//! Comments: an empty comment and an absent comment are the same thing (the API drops
//! empty comments). Anything else compares exactly.

/// The comment as compared: `None` for absent or empty.
pub fn canonical(c: Option<&str>) -> Option<&str> {
    c.filter(|s| !s.is_empty())
}

/// True when two comments are the same.
pub fn same(declared: Option<&str>, actual: Option<&str>) -> bool {
    canonical(declared) == canonical(actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_equals_absent() {
        assert!(same(Some(""), None));
        assert!(same(None, Some("")));
        assert!(same(Some("Orders"), Some("Orders")));
    }

    #[test]
    fn other_differences_count() {
        assert!(!same(Some("Orders"), Some("orders")));
        assert!(!same(Some("Orders"), None));
        assert!(!same(Some(" "), None));
    }
}
