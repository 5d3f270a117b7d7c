//! Tags: keys and values compare exactly (`PII` is not `pii`; `true` is not `True`). A
//! key-only tag has the empty string as value, on both sides.

/// True when the declared value and the actual value are the same tag value.
pub fn same_value(declared: &str, actual: &str) -> bool {
    declared == actual
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_exact() {
        assert!(same_value("ml-team", "ml-team"));
        assert!(!same_value("true", "True"));
        assert!(!same_value("ml-team", "ml-team "));
        assert!(same_value("", ""));
    }
}
