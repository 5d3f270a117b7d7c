//! Privilege names: canonical spelling and which privileges apply to which securable kind
//! (Databricks docs privileges reference, API reference §8.4).

use super::SecurableKind;

/// Canonical spelling of a privilege: upper case, words joined by `_`.
/// `all privileges`, `ALL PRIVILEGES` and `ALL_PRIVILEGES` all become `ALL_PRIVILEGES`.
pub fn normalize_privilege(p: &str) -> String {
    p.split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Privileges that may be granted on a securable of `kind` (canonical spelling). Catalogs and
/// schemas include the privileges they pass down to their children.
pub fn applicable_privileges(kind: SecurableKind) -> &'static [&'static str] {
    match kind {
        SecurableKind::Catalog => &[
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "BROWSE",
            "CREATE_CONNECTION",
            "CREATE_FUNCTION",
            "CREATE_MATERIALIZED_VIEW",
            "CREATE_MODEL",
            "CREATE_SCHEMA",
            "CREATE_TABLE",
            "CREATE_VOLUME",
            "EXECUTE",
            "EXTERNAL_USE_SCHEMA",
            "MANAGE",
            "MODIFY",
            "READ_VOLUME",
            "REFRESH",
            "SELECT",
            "USE_CATALOG",
            "USE_SCHEMA",
            "WRITE_VOLUME",
        ],
        SecurableKind::Schema => &[
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "CREATE_FUNCTION",
            "CREATE_MATERIALIZED_VIEW",
            "CREATE_MODEL",
            "CREATE_TABLE",
            "CREATE_VOLUME",
            "EXECUTE",
            "EXTERNAL_USE_SCHEMA",
            "MANAGE",
            "MODIFY",
            "READ_VOLUME",
            "REFRESH",
            "SELECT",
            "USE_SCHEMA",
            "WRITE_VOLUME",
        ],
        SecurableKind::Table => &[
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "MANAGE",
            "MODIFY",
            "REFRESH",
            "SELECT",
        ],
        SecurableKind::Volume => &[
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "MANAGE",
            "READ_VOLUME",
            "WRITE_VOLUME",
        ],
        SecurableKind::Function => &["ALL_PRIVILEGES", "EXECUTE", "MANAGE"],
        SecurableKind::StorageCredential => &[
            "ALL_PRIVILEGES",
            "CREATE_EXTERNAL_LOCATION",
            "CREATE_EXTERNAL_TABLE",
            "MANAGE",
            "READ_FILES",
            "WRITE_FILES",
        ],
        SecurableKind::ExternalLocation => &[
            "ALL_PRIVILEGES",
            "BROWSE",
            "CREATE_EXTERNAL_TABLE",
            "CREATE_EXTERNAL_VOLUME",
            "CREATE_MANAGED_STORAGE",
            "EXTERNAL_USE_LOCATION",
            "MANAGE",
            "READ_FILES",
            "WRITE_FILES",
        ],
        SecurableKind::Connection => &[
            "ALL_PRIVILEGES",
            "CREATE_FOREIGN_CATALOG",
            "MANAGE",
            "USE_CONNECTION",
        ],
    }
}

/// True when `privilege` (any spelling) may be granted on a securable of `kind`.
pub fn privilege_applies(kind: SecurableKind, privilege: &str) -> bool {
    let p = normalize_privilege(privilege);
    applicable_privileges(kind).contains(&p.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_one_privilege() {
        assert_eq!(normalize_privilege("ALL PRIVILEGES"), "ALL_PRIVILEGES");
        assert_eq!(normalize_privilege("all_privileges"), "ALL_PRIVILEGES");
        assert_eq!(normalize_privilege(" use  catalog "), "USE_CATALOG");
    }

    #[test]
    fn applicability() {
        assert!(privilege_applies(SecurableKind::Catalog, "use catalog"));
        assert!(!privilege_applies(SecurableKind::Table, "USE_CATALOG"));
        assert!(privilege_applies(SecurableKind::Volume, "READ_VOLUME"));
        assert!(!privilege_applies(SecurableKind::Function, "SELECT"));
    }
}
