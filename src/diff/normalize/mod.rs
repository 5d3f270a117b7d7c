//! Normalisation rules that keep false drift out of the diff: one file per concern, each
//! with its own tests. Every comparison in the differ goes through these functions.
//!
//! Pure string functions: no IO, no allocation when the input is already canonical.

pub mod comment;
pub mod function;
pub mod principal;
pub mod privilege;
pub mod property;
pub mod set;
pub mod tag;

use std::borrow::Cow;

/// ASCII lower case, borrowing when the input is already lower case.
pub fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_borrows_when_it_can() {
        assert!(matches!(lower("abc.def"), Cow::Borrowed(_)));
        assert_eq!(lower("Sales_DEV.x"), "sales_dev.x");
    }
}
