//! The logical layout every store writes: the seven row tables, their columns and types.
//!
//! Single source of truth for column names and order, shared by the Parquet and SQLite
//! stores and documented in `docs/formats/snapshot.md`. Every table starts with
//! `snapshot_id`, so files of many snapshots can be queried together.

/// Logical type of a column; each store maps it to its own physical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Parquet `BYTE_ARRAY (STRING)` / Arrow `Utf8`; SQLite `TEXT`.
    Utf8,
    /// Parquet `INT32`; SQLite `INTEGER`.
    Int32,
    /// Parquet `BOOLEAN`; SQLite `INTEGER` 0/1.
    Bool,
    /// Parquet `INT64 TIMESTAMP(MILLIS, UTC)`; SQLite `TEXT` RFC 3339 (`2026-11-27T23:42:36.000Z`).
    Timestamp,
    /// Parquet `MAP<STRING, STRING>` (keys sorted); SQLite `TEXT` holding a JSON object.
    StringMap,
    /// Parquet `LIST<STRING>`; SQLite `TEXT` holding a JSON array of strings.
    StringList,
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// One table of the snapshot layout.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    pub name: &'static str,
    pub columns: &'static [ColumnDef],
}

const fn c(name: &'static str, ty: ColType, nullable: bool) -> ColumnDef {
    ColumnDef { name, ty, nullable }
}

use ColType::{Bool, Int32, StringList, StringMap, Timestamp, Utf8};

pub const SECURABLES: TableDef = TableDef {
    name: "securables",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("kind", Utf8, true),
        c("full_name", Utf8, false),
        c("parent", Utf8, true),
        c("owner", Utf8, true),
        c("comment", Utf8, true),
        c("securable_type", Utf8, true),
        c("format", Utf8, true),
        c("location", Utf8, true),
        c("properties", StringMap, false),
        c("details", StringMap, false),
        c("created_at", Timestamp, true),
        c("updated_at", Timestamp, true),
    ],
};

pub const COLUMNS: TableDef = TableDef {
    name: "columns",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("table_full_name", Utf8, false),
        c("name", Utf8, false),
        c("position", Int32, false),
        c("type_text", Utf8, false),
        c("nullable", Bool, false),
        c("comment", Utf8, true),
    ],
};

pub const GRANTS: TableDef = TableDef {
    name: "grants",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("securable_kind", Utf8, true),
        c("securable_full_name", Utf8, false),
        c("principal", Utf8, false),
        c("privilege", Utf8, false),
    ],
};

pub const TAGS: TableDef = TableDef {
    name: "tags",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("securable_kind", Utf8, true),
        c("securable_full_name", Utf8, false),
        c("column_name", Utf8, true),
        c("key", Utf8, false),
        c("value", Utf8, false),
    ],
};

pub const ROW_FILTERS: TableDef = TableDef {
    name: "row_filters",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("table_full_name", Utf8, false),
        c("function_full_name", Utf8, false),
        c("input_columns", StringList, false),
    ],
};

pub const COLUMN_MASKS: TableDef = TableDef {
    name: "column_masks",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("table_full_name", Utf8, false),
        c("column_name", Utf8, false),
        c("function_full_name", Utf8, false),
        c("using_columns", StringList, false),
    ],
};

pub const COLLECTION_ISSUES: TableDef = TableDef {
    name: "collection_issues",
    columns: &[
        c("snapshot_id", Utf8, false),
        c("securable_kind", Utf8, true),
        c("full_name", Utf8, false),
        c("attribute", Utf8, true),
        c("subtree", Bool, false),
        c("error_code", Utf8, true),
        c("message", Utf8, false),
    ],
};

/// Every table, in the order stores write them and digests hash them.
pub const ALL: [&TableDef; 7] = [
    &SECURABLES,
    &COLUMNS,
    &GRANTS,
    &TAGS,
    &ROW_FILTERS,
    &COLUMN_MASKS,
    &COLLECTION_ISSUES,
];

/// Indexes the SQLite store creates for the differ's lookups (table, column).
pub const SQLITE_INDEXES: [(&str, &str); 6] = [
    ("securables", "full_name"),
    ("columns", "table_full_name"),
    ("grants", "securable_full_name"),
    ("tags", "securable_full_name"),
    ("row_filters", "table_full_name"),
    ("column_masks", "table_full_name"),
];
