//! `SecurableKind`: the closed set of Unity Catalog securables brickkit governs.

use std::fmt;
use std::str::FromStr;

/// A kind of Unity Catalog securable. The order of the variants is the order in which
/// reports and files list securables (parents before children, data before infrastructure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecurableKind {
    Catalog,
    Schema,
    Table,
    Volume,
    Function,
    StorageCredential,
    ExternalLocation,
    Connection,
}

impl SecurableKind {
    /// Every kind, in listing order.
    pub const ALL: [SecurableKind; 8] = [
        SecurableKind::Catalog,
        SecurableKind::Schema,
        SecurableKind::Table,
        SecurableKind::Volume,
        SecurableKind::Function,
        SecurableKind::StorageCredential,
        SecurableKind::ExternalLocation,
        SecurableKind::Connection,
    ];

    /// The snake_case name used in YAML, files, reports and ignore patterns.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurableKind::Catalog => "catalog",
            SecurableKind::Schema => "schema",
            SecurableKind::Table => "table",
            SecurableKind::Volume => "volume",
            SecurableKind::Function => "function",
            SecurableKind::StorageCredential => "storage_credential",
            SecurableKind::ExternalLocation => "external_location",
            SecurableKind::Connection => "connection",
        }
    }

    /// The `securable_type` spelling of the permissions API (`/permissions/{type}/{name}`).
    pub fn api_securable_type(self) -> &'static str {
        match self {
            SecurableKind::Catalog => "catalog",
            SecurableKind::Schema => "schema",
            SecurableKind::Table => "table",
            SecurableKind::Volume => "volume",
            SecurableKind::Function => "function",
            SecurableKind::StorageCredential => "storage_credential",
            SecurableKind::ExternalLocation => "external_location",
            SecurableKind::Connection => "connection",
        }
    }

    /// The Unity Catalog REST collection of the kind (`/api/2.1/unity-catalog/{collection}`).
    pub fn rest_collection(self) -> &'static str {
        match self {
            SecurableKind::Catalog => "catalogs",
            SecurableKind::Schema => "schemas",
            SecurableKind::Table => "tables",
            SecurableKind::Volume => "volumes",
            SecurableKind::Function => "functions",
            SecurableKind::StorageCredential => "storage-credentials",
            SecurableKind::ExternalLocation => "external-locations",
            SecurableKind::Connection => "connections",
        }
    }

    /// The `entity_type` of the entity tag assignments API
    /// (`/entity-tag-assignments/{entity_type}/{name}/tags`); `None` for kinds that carry no
    /// governed tags (functions and metastore-level infrastructure).
    pub fn tag_entity(self) -> Option<&'static str> {
        match self {
            SecurableKind::Catalog
            | SecurableKind::Schema
            | SecurableKind::Table
            | SecurableKind::Volume => Some(self.rest_collection()),
            _ => None,
        }
    }

    /// The SQL keyword naming the securable in `GRANT ... ON <keyword> name`.
    pub fn sql_keyword(self) -> &'static str {
        match self {
            SecurableKind::Catalog => "CATALOG",
            SecurableKind::Schema => "SCHEMA",
            SecurableKind::Table => "TABLE",
            SecurableKind::Volume => "VOLUME",
            SecurableKind::Function => "FUNCTION",
            SecurableKind::StorageCredential => "STORAGE CREDENTIAL",
            SecurableKind::ExternalLocation => "EXTERNAL LOCATION",
            SecurableKind::Connection => "CONNECTION",
        }
    }

    /// How many dotted parts a full name of this kind has (catalog = 1, schema = 2,
    /// table/volume/function = 3, metastore-level infrastructure = 1).
    pub fn name_parts(self) -> usize {
        match self {
            SecurableKind::Catalog => 1,
            SecurableKind::Schema => 2,
            SecurableKind::Table | SecurableKind::Volume | SecurableKind::Function => 3,
            SecurableKind::StorageCredential
            | SecurableKind::ExternalLocation
            | SecurableKind::Connection => 1,
        }
    }

    /// The kind of the parent securable, if the kind lives inside one.
    pub fn parent_kind(self) -> Option<SecurableKind> {
        match self {
            SecurableKind::Schema => Some(SecurableKind::Catalog),
            SecurableKind::Table | SecurableKind::Volume | SecurableKind::Function => {
                Some(SecurableKind::Schema)
            }
            _ => None,
        }
    }

    /// True for kinds that live inside a catalog (schemas and their children).
    pub fn in_catalog(self) -> bool {
        matches!(
            self,
            SecurableKind::Catalog
                | SecurableKind::Schema
                | SecurableKind::Table
                | SecurableKind::Volume
                | SecurableKind::Function
        )
    }
}

impl fmt::Display for SecurableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecurableKind {
    type Err = String;

    /// Accepts the snake_case name, case-insensitively, with `-` or space for `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        SecurableKind::ALL
            .into_iter()
            .find(|k| k.as_str() == norm)
            .ok_or_else(|| {
                let names: Vec<&str> = SecurableKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown securable kind `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for k in SecurableKind::ALL {
            assert_eq!(k.as_str().parse::<SecurableKind>().unwrap(), k);
        }
        assert_eq!(
            "External-Location".parse::<SecurableKind>().unwrap(),
            SecurableKind::ExternalLocation
        );
        assert!(
            "metastore"
                .parse::<SecurableKind>()
                .unwrap_err()
                .contains("unknown")
        );
    }
}
