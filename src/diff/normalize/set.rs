//! Set order never matters: privilege lists, grant rows and tag rows are compared as
//! sorted, deduplicated sets.

use std::collections::BTreeSet;

use super::privilege;

/// Canonical privilege set from any spellings in any order.
pub fn privileges<'a, I>(items: I) -> BTreeSet<String>
where
    I: IntoIterator<Item = &'a str>,
{
    items
        .into_iter()
        .map(|p| privilege::canonical(p).into_owned())
        .collect()
}

/// `(missing, extra)`: what `declared` has that `actual` lacks, and the reverse.
pub fn difference<'a>(
    declared: &'a BTreeSet<String>,
    actual: &'a BTreeSet<String>,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let missing = declared.difference(actual).map(String::as_str).collect();
    let extra = actual.difference(declared).map(String::as_str).collect();
    (missing, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_duplicates_do_not_matter() {
        let a = privileges(["SELECT", "MODIFY", "select"]);
        let b = privileges(["modify", "SELECT"]);
        assert_eq!(a, b);
        let (missing, extra) = difference(&a, &b);
        assert!(missing.is_empty() && extra.is_empty());
    }

    #[test]
    fn differences_are_reported_both_ways() {
        let d = privileges(["SELECT", "USE_SCHEMA"]);
        let a = privileges(["SELECT", "MODIFY"]);
        assert_eq!(difference(&d, &a), (vec!["USE_SCHEMA"], vec!["MODIFY"]));
    }
}
