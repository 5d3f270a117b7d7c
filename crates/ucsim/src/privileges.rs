//! Privilege spelling and applicability: which privileges may be granted on which securable kind
//! (the table of the reference, section 8.4), and normalisation of SQL spellings (`USE CATALOG`)
//! to REST tokens (`USE_CATALOG`). Pure functions; no IO.

use crate::kind::Kind;

const CATALOG_INHERITABLE: &[&str] = &[
    "USE_SCHEMA",
    "CREATE_TABLE",
    "CREATE_VOLUME",
    "CREATE_FUNCTION",
    "CREATE_MODEL",
    "CREATE_MATERIALIZED_VIEW",
    "EXECUTE",
    "MODIFY",
    "REFRESH",
    "SELECT",
    "READ_VOLUME",
    "WRITE_VOLUME",
    "EXTERNAL_USE_SCHEMA",
];

/// Privileges that may be granted on a securable of `kind`.
pub fn applicable(kind: Kind) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = match kind {
        Kind::Catalog => {
            let mut v = vec![
                "ALL_PRIVILEGES",
                "APPLY_TAG",
                "BROWSE",
                "CREATE_SCHEMA",
                "USE_CATALOG",
                "MANAGE",
                "CREATE_CONNECTION",
            ];
            v.extend_from_slice(CATALOG_INHERITABLE);
            v
        }
        Kind::Schema => vec![
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "USE_SCHEMA",
            "CREATE_TABLE",
            "CREATE_VOLUME",
            "CREATE_FUNCTION",
            "CREATE_MODEL",
            "CREATE_MATERIALIZED_VIEW",
            "MANAGE",
            "EXTERNAL_USE_SCHEMA",
            "EXECUTE",
            "MODIFY",
            "REFRESH",
            "SELECT",
            "READ_VOLUME",
            "WRITE_VOLUME",
        ],
        Kind::Table => vec![
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "MANAGE",
            "SELECT",
            "MODIFY",
            "REFRESH",
        ],
        Kind::Volume => vec![
            "ALL_PRIVILEGES",
            "APPLY_TAG",
            "MANAGE",
            "READ_VOLUME",
            "WRITE_VOLUME",
        ],
        Kind::Function => vec!["ALL_PRIVILEGES", "APPLY_TAG", "EXECUTE", "MANAGE"],
        Kind::StorageCredential => vec![
            "ALL_PRIVILEGES",
            "CREATE_EXTERNAL_LOCATION",
            "CREATE_EXTERNAL_TABLE",
            "MANAGE",
            "READ_FILES",
            "WRITE_FILES",
        ],
        Kind::ExternalLocation => vec![
            "ALL_PRIVILEGES",
            "BROWSE",
            "CREATE_EXTERNAL_TABLE",
            "CREATE_EXTERNAL_VOLUME",
            "CREATE_MANAGED_STORAGE",
            "MANAGE",
            "READ_FILES",
            "WRITE_FILES",
            "EXTERNAL_USE_LOCATION",
        ],
        Kind::Connection => vec![
            "ALL_PRIVILEGES",
            "CREATE_FOREIGN_CATALOG",
            "MANAGE",
            "USE_CONNECTION",
        ],
    };
    v.sort_unstable();
    v.dedup();
    v
}

/// Privileges that may be granted on a table-kind securable of `table_type` (`MANAGED`,
/// `EXTERNAL`, `VIEW`, `MATERIALIZED_VIEW`, `STREAMING_TABLE`, ...).
///
/// Source: the project's API reference §8.4 (from the Databricks privileges reference,
/// `manage-privileges/privileges`, and tf `docs/resources/grants.md`): a view takes `SELECT`,
/// `APPLY_TAG`, `MANAGE` and `ALL_PRIVILEGES` only (no `MODIFY`: a view is not written to);
/// `REFRESH` applies to materialized views and streaming tables only, which take no `MODIFY`;
/// other tables take `MODIFY` but not `REFRESH`.
pub fn applicable_table(table_type: &str) -> Vec<&'static str> {
    let mut v = vec!["ALL_PRIVILEGES", "APPLY_TAG", "MANAGE", "SELECT"];
    match table_type {
        "VIEW" | "METRIC_VIEW" => {}
        "MATERIALIZED_VIEW" | "STREAMING_TABLE" => v.push("REFRESH"),
        _ => v.push("MODIFY"),
    }
    v.sort_unstable();
    v
}

/// Privileges that may be granted on the metastore.
pub const METASTORE: &[&str] = &[
    "CREATE_CATALOG",
    "CREATE_CONNECTION",
    "CREATE_EXTERNAL_LOCATION",
    "CREATE_STORAGE_CREDENTIAL",
    "CREATE_SERVICE_CREDENTIAL",
    "CREATE_SHARE",
    "CREATE_RECIPIENT",
    "CREATE_PROVIDER",
    "CREATE_CLEAN_ROOM",
    "SET_SHARE_PERMISSION",
    "USE_SHARE",
    "USE_RECIPIENT",
    "USE_PROVIDER",
    "USE_MARKETPLACE_ASSETS",
];

/// Upper-cases and turns spaces into underscores (`all privileges` -> `ALL_PRIVILEGES`).
pub fn normalize(p: &str) -> String {
    p.split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_uppercase()
}

/// True when `privilege` (normalised) may be granted on `kind`.
pub fn is_applicable(kind: Kind, privilege: &str) -> bool {
    applicable(kind).contains(&privilege)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_spellings() {
        assert_eq!(normalize("use  catalog"), "USE_CATALOG");
        assert_eq!(normalize("ALL PRIVILEGES"), "ALL_PRIVILEGES");
        assert_eq!(normalize("select"), "SELECT");
    }

    #[test]
    fn applicability_per_kind() {
        assert!(is_applicable(Kind::Catalog, "USE_CATALOG"));
        assert!(is_applicable(Kind::Catalog, "SELECT"));
        assert!(!is_applicable(Kind::Table, "USE_CATALOG"));
        assert!(is_applicable(Kind::Volume, "READ_VOLUME"));
        assert!(!is_applicable(Kind::Volume, "SELECT"));
        assert!(is_applicable(Kind::Connection, "USE_CONNECTION"));
    }
}
