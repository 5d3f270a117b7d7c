//! The **snapshot model**: the observed state of a workspace at one moment, as rows of the
//! tables every store writes (securables, columns, grants, tags, row_filters, column_masks,
//! collection_issues) plus a manifest.
//!
//! Pure data: no IO, no serde. Secrets (connection options marked secret, credential
//! secrets) are never part of the model. Stores map it to files; the differ reads it.

use std::collections::BTreeMap;

use crate::model::{SecurableKind, Text, Timestamp};

/// The current snapshot format version. Readers refuse any other.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 2;

/// A complete snapshot: manifest plus normalised rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub manifest: Manifest,
    pub securables: Vec<SecurableRow>,
    pub columns: Vec<ColumnRow>,
    pub grants: Vec<GrantRow>,
    pub tags: Vec<TagRow>,
    pub row_filters: Vec<RowFilterRow>,
    pub column_masks: Vec<ColumnMaskRow>,
    pub collection_issues: Vec<CollectionIssue>,
}

/// What a snapshot is: identity, provenance, scope, counts and content digest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    /// Snapshot format version (see [`SNAPSHOT_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Time-sortable unique id: `YYYYMMDDTHHMMSSmmmZ-<8 hex>`; sorting ids sorts by time.
    pub snapshot_id: String,
    /// Identifier shared by every snapshot of the same workspace and scope.
    pub lineage: String,
    /// Id of the previous snapshot of the same lineage, when known.
    pub parent_id: Option<String>,
    pub taken_at: Timestamp,
    /// Workspace host (`https://...`), never credentials.
    pub host: Option<String>,
    pub metastore_id: Option<String>,
    /// Catalogs collected (sorted), or `["*"]` for the whole metastore.
    pub scope: Vec<String>,
    /// How the snapshot was made: `rest`, `bulk`, `synthetic`, `example`, ...
    pub collector_mode: String,
    /// Version of the brickkit that wrote it.
    pub brickkit_version: String,
    /// Row count per table name (`securables`, `columns`, ...), plus `securables.<kind>`.
    pub counts: BTreeMap<String, u64>,
    /// `sha256:<hex>` over the canonical content (see `state::digest`).
    pub content_digest: String,
}

/// One securable of any kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecurableRow {
    pub kind: Option<SecurableKind>,
    /// Full dotted name, as the API returns it (lower case for UC objects).
    pub full_name: Text,
    /// Full name of the parent securable (`None` for catalogs and infrastructure).
    pub parent: Option<Text>,
    pub owner: Option<Text>,
    pub comment: Option<Text>,
    /// Subtype: catalog_type, table_type (`MANAGED`, `EXTERNAL`, `VIEW`, ...), volume_type,
    /// connection_type, credential kind.
    pub securable_type: Option<Text>,
    /// `data_source_format` for tables (`DELTA`, ...).
    pub format: Option<Text>,
    /// Storage location / URL where the kind has one.
    pub location: Option<Text>,
    /// Properties as the API returns them (server-added ones included).
    pub properties: BTreeMap<String, String>,
    /// Other non-secret kind-specific attributes (function `routine_definition`,
    /// `data_type`, `input_params`; external location `credential_name`, `read_only`;
    /// connection `options.<key>` for non-secret options; ...).
    pub details: BTreeMap<String, String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A column of a table or view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnRow {
    pub table_full_name: Text,
    pub name: Text,
    /// 0-based position.
    pub position: i32,
    /// SQL type text as the API gives it (`decimal(18,2)`).
    pub type_text: Text,
    pub nullable: bool,
    pub comment: Option<Text>,
}

/// One direct privilege of one principal on one securable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct GrantRow {
    pub securable_kind: Option<SecurableKind>,
    pub securable_full_name: Text,
    pub principal: Text,
    /// As returned by the API (canonical spelling expected, but readers normalise).
    pub privilege: Text,
}

/// One tag on a securable (`column_name` = `None`) or on a column of a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TagRow {
    pub securable_kind: Option<SecurableKind>,
    pub securable_full_name: Text,
    pub column_name: Option<Text>,
    pub key: Text,
    /// Tags may have no value (key-only tags): empty string.
    pub value: Text,
}

/// The row filter of a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct RowFilterRow {
    pub table_full_name: Text,
    /// Three-part function name as reported.
    pub function_full_name: Text,
    /// The `ON (...)` arguments, each as SQL text ([`crate::model::PolicyArg::to_sql`]: a
    /// column backtick-quoted, a constant as its literal). Stored as `input_columns`.
    pub input_arguments: Vec<String>,
}

/// The mask of one column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ColumnMaskRow {
    pub table_full_name: Text,
    pub column_name: Text,
    pub function_full_name: Text,
    /// The `USING COLUMNS (...)` arguments, as [`RowFilterRow::input_arguments`]. Stored as
    /// `using_columns`.
    pub using_arguments: Vec<String>,
}

/// Something the collector could not read. Securables at or under it are *unknown*.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct CollectionIssue {
    /// Kind of the securable the failed read was about (`None` = metastore level).
    pub securable_kind: Option<SecurableKind>,
    /// Full name of that securable (empty for the metastore).
    pub full_name: Text,
    /// Which attribute could not be read (`grants`, `tags`, `columns`, ...), or `None` when
    /// the securable itself (and, with `subtree`, everything under it) could not be read.
    pub attribute: Option<Text>,
    /// True when everything under the securable is unknown (e.g. listing tables failed).
    pub subtree: bool,
    /// HTTP status or SQL state, when there was one (`403`, `PERMISSION_DENIED`, ...).
    pub error_code: Option<Text>,
    /// Human-readable reason, free of secrets.
    pub message: Text,
}

impl Snapshot {
    /// Sort every table into canonical order (stores write and digests hash this order).
    pub fn sort(&mut self) {
        self.securables
            .sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
        self.columns.sort_by(|a, b| {
            (&a.table_full_name, a.position, &a.name).cmp(&(
                &b.table_full_name,
                b.position,
                &b.name,
            ))
        });
        self.grants.sort();
        self.tags.sort();
        self.row_filters.sort();
        self.column_masks.sort();
        self.collection_issues.sort();
    }

    /// True when every table is already in the canonical order [`Snapshot::sort`] produces.
    pub fn is_sorted(&self) -> bool {
        self.securables
            .is_sorted_by(|a, b| (a.kind, &a.full_name) <= (b.kind, &b.full_name))
            && self.columns.is_sorted_by(|a, b| {
                (&a.table_full_name, a.position, &a.name)
                    <= (&b.table_full_name, b.position, &b.name)
            })
            && self.grants.is_sorted()
            && self.tags.is_sorted()
            && self.row_filters.is_sorted()
            && self.column_masks.is_sorted()
            && self.collection_issues.is_sorted()
    }

    /// Row count of every table, plus `securables.<kind>` per kind present: the counts a
    /// manifest records.
    pub fn row_counts(&self) -> BTreeMap<String, u64> {
        let mut c = BTreeMap::new();
        c.insert("securables".to_string(), self.securables.len() as u64);
        c.insert("columns".to_string(), self.columns.len() as u64);
        c.insert("grants".to_string(), self.grants.len() as u64);
        c.insert("tags".to_string(), self.tags.len() as u64);
        c.insert("row_filters".to_string(), self.row_filters.len() as u64);
        c.insert("column_masks".to_string(), self.column_masks.len() as u64);
        c.insert(
            "collection_issues".to_string(),
            self.collection_issues.len() as u64,
        );
        // Count per kind first (index 8 = no kind), then name the keys once.
        let mut per_kind = [0u64; SecurableKind::ALL.len() + 1];
        for s in &self.securables {
            let i = s
                .kind
                .and_then(|k| SecurableKind::ALL.iter().position(|x| *x == k))
                .unwrap_or(SecurableKind::ALL.len());
            per_kind[i] += 1;
        }
        for (i, n) in per_kind.into_iter().enumerate() {
            if n > 0 {
                let kind = SecurableKind::ALL.get(i).map_or("unknown", |k| k.as_str());
                c.insert(format!("securables.{kind}"), n);
            }
        }
        c
    }
}
