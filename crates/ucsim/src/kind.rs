//! The securable kinds the simulator models, with their wire spellings (collection path, list
//! key, grants `securable_type`, tag `entity_type`). Pure data; no IO.

/// A securable kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A catalog.
    Catalog,
    /// A schema (`cat.sch`).
    Schema,
    /// A table or view (`cat.sch.t`).
    Table,
    /// A volume (`cat.sch.v`).
    Volume,
    /// A function (`cat.sch.f`).
    Function,
    /// A storage credential (metastore level).
    StorageCredential,
    /// An external location (metastore level).
    ExternalLocation,
    /// A connection (metastore level).
    Connection,
}

impl Kind {
    /// Every kind, parents before children.
    pub const ALL: [Kind; 8] = [
        Kind::Catalog,
        Kind::Schema,
        Kind::Table,
        Kind::Volume,
        Kind::Function,
        Kind::StorageCredential,
        Kind::ExternalLocation,
        Kind::Connection,
    ];

    /// The store's name for the kind (also the grants `securable_type`, lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Catalog => "catalog",
            Kind::Schema => "schema",
            Kind::Table => "table",
            Kind::Volume => "volume",
            Kind::Function => "function",
            Kind::StorageCredential => "storage_credential",
            Kind::ExternalLocation => "external_location",
            Kind::Connection => "connection",
        }
    }

    /// Upper-case `SecurableType` value.
    pub fn securable_type(self) -> String {
        self.as_str().to_uppercase()
    }

    /// The REST collection path segment.
    pub fn collection(self) -> &'static str {
        match self {
            Kind::Catalog => "catalogs",
            Kind::Schema => "schemas",
            Kind::Table => "tables",
            Kind::Volume => "volumes",
            Kind::Function => "functions",
            Kind::StorageCredential => "storage-credentials",
            Kind::ExternalLocation => "external-locations",
            Kind::Connection => "connections",
        }
    }

    /// The key of the item array in list responses.
    pub fn list_key(self) -> &'static str {
        match self {
            Kind::StorageCredential => "storage_credentials",
            Kind::ExternalLocation => "external_locations",
            other => other.collection(),
        }
    }

    /// Human name used in messages.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Catalog => "Catalog",
            Kind::Schema => "Schema",
            Kind::Table => "Table",
            Kind::Volume => "Volume",
            Kind::Function => "Function",
            Kind::StorageCredential => "Storage Credential",
            Kind::ExternalLocation => "External Location",
            Kind::Connection => "Connection",
        }
    }

    /// Number of dotted parts in the full name.
    pub fn depth(self) -> usize {
        match self {
            Kind::Schema => 2,
            Kind::Table | Kind::Volume | Kind::Function => 3,
            _ => 1,
        }
    }

    /// The typed `*_DOES_NOT_EXIST` code.
    pub fn not_found_code(self) -> &'static str {
        match self {
            Kind::Catalog => "CATALOG_DOES_NOT_EXIST",
            Kind::Schema => "SCHEMA_DOES_NOT_EXIST",
            Kind::Table => "TABLE_DOES_NOT_EXIST",
            Kind::StorageCredential => "STORAGE_CREDENTIAL_DOES_NOT_EXIST",
            Kind::ExternalLocation => "EXTERNAL_LOCATION_DOES_NOT_EXIST",
            _ => "RESOURCE_DOES_NOT_EXIST",
        }
    }

    /// The typed `*_ALREADY_EXISTS` code.
    pub fn exists_code(self) -> &'static str {
        match self {
            Kind::Catalog => "CATALOG_ALREADY_EXISTS",
            Kind::Schema => "SCHEMA_ALREADY_EXISTS",
            Kind::Table => "TABLE_ALREADY_EXISTS",
            _ => "RESOURCE_ALREADY_EXISTS",
        }
    }

    /// Kind from a REST collection segment.
    pub fn from_collection(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.collection() == s)
    }

    /// Kind from a grants `securable_type` (case-insensitive, `-` or `_`, spaces accepted).
    pub fn from_securable_type(s: &str) -> Option<Kind> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match norm.as_str() {
            "database" => Some(Kind::Schema),
            "view" | "materialized_view" | "streaming_table" => Some(Kind::Table),
            other => Kind::ALL.into_iter().find(|k| k.as_str() == other),
        }
    }

    /// Tag `entity_type` (plural) for kinds that carry tags.
    pub fn entity_type(self) -> Option<&'static str> {
        match self {
            Kind::Catalog => Some("catalogs"),
            Kind::Schema => Some("schemas"),
            Kind::Table => Some("tables"),
            Kind::Volume => Some("volumes"),
            Kind::Function => Some("functions"),
            _ => None,
        }
    }

    /// True for kinds whose parent is a schema.
    pub fn is_leaf(self) -> bool {
        self.depth() == 3
    }
}
