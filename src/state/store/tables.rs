//! The logical layout every store writes: the seven row tables, their columns and types,
//! described **once** per row type ([`Table::columns`]) and read by both codecs.
//!
//! Single source of truth for column names, order, types and nullability, and for how each
//! column's value is read from and written into its row struct: the Arrow codec
//! (`store::arrow`), the SQLite codec (`store::sqlite`), the Parquet and SQLite schemas
//! ([`TableDef::columns`]) all walk the same description, so adding a column is one edit
//! here (plus `docs/formats/snapshot.md`, a new format version, and the digest's encoding in
//! `state::digest`). Every table starts with `snapshot_id`, so files of many snapshots can be
//! queried together; it is not a field of the rows. Never does IO and knows no physical
//! format.

use std::collections::BTreeMap;
use std::convert::Infallible;

use crate::model::{SecurableKind, Text, Timestamp};
use crate::state::Snapshot;
use crate::state::digest::Canonical;
use crate::state::snapshot::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, TagRow,
};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// One table of the snapshot layout.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    pub name: &'static str,
    columns: fn() -> Vec<ColumnDef>,
}

impl TableDef {
    /// The table's columns in stored order, `snapshot_id` first.
    pub fn columns(&self) -> Vec<ColumnDef> {
        (self.columns)()
    }
}

/// The first column of every table: the id of the snapshot the row belongs to.
pub const SNAPSHOT_ID: ColumnDef = ColumnDef {
    name: "snapshot_id",
    ty: ColType::Utf8,
    nullable: false,
};

/// What a codec does with each column of a row type, called by [`Table::columns`] once per
/// column in stored order (after `snapshot_id`). The method says the column's logical type
/// and nullability; `get` reads the column's field of a row and `set` hands it out to be
/// overwritten. Every method is generic over the accessors, so a codec's loop over rows is
/// monomorphised and inlined per column: no dynamic dispatch per cell.
pub(crate) trait Columns<R> {
    type Error;

    /// [`ColType::Utf8`], not null.
    fn text(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &Text,
        set: impl Fn(&mut R) -> &mut Text,
    ) -> Result<(), Self::Error>;

    /// [`ColType::Utf8`], nullable.
    fn opt_text(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &Option<Text>,
        set: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> Result<(), Self::Error>;

    /// [`ColType::Utf8`], nullable, holding [`SecurableKind::as_str`] exactly.
    fn kind(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &Option<SecurableKind>,
        set: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> Result<(), Self::Error>;

    /// [`ColType::Int32`], not null.
    fn int32(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &i32,
        set: impl Fn(&mut R) -> &mut i32,
    ) -> Result<(), Self::Error>;

    /// [`ColType::Bool`], not null.
    fn bool(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &bool,
        set: impl Fn(&mut R) -> &mut bool,
    ) -> Result<(), Self::Error>;

    /// [`ColType::Timestamp`], nullable.
    fn timestamp(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &Option<Timestamp>,
        set: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> Result<(), Self::Error>;

    /// [`ColType::StringMap`], not null (an empty map when there is nothing).
    fn map(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &BTreeMap<String, String>,
        set: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> Result<(), Self::Error>;

    /// [`ColType::StringList`], not null (an empty list when there is nothing).
    fn list(
        &mut self,
        name: &'static str,
        get: impl Fn(&R) -> &Vec<String>,
        set: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> Result<(), Self::Error>;
}

/// A row type stored as one table of a snapshot.
pub(crate) trait Table: Canonical + Default + Send + Sync + 'static {
    /// The table's name (file name in Parquet, table name in SQLite, key of the counts).
    const NAME: &'static str;
    /// The table's schema, derived from [`Table::columns`].
    const DEF: TableDef = TableDef {
        name: Self::NAME,
        columns: column_defs::<Self>,
    };

    /// The snapshot's rows of this table.
    fn rows(s: &Snapshot) -> &[Self];
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self>;

    /// Call `c` once per column after `snapshot_id`, in stored order: the one description
    /// of the table's columns.
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error>;
}

/// Something done to each of the seven tables, generic over the row type.
pub(crate) trait EachTable {
    type Error;
    /// Called for table number `index` (its place in [`ALL`] and in the digest's tables).
    fn table<R: Table>(&mut self, index: usize) -> Result<(), Self::Error>;
}

/// Call `e` for every table, in the order of [`ALL`] (the order stores write them and
/// digests hash them); stops at the first error.
pub(crate) fn each_table<E: EachTable>(e: &mut E) -> Result<(), E::Error> {
    e.table::<SecurableRow>(0)?;
    e.table::<ColumnRow>(1)?;
    e.table::<GrantRow>(2)?;
    e.table::<TagRow>(3)?;
    e.table::<RowFilterRow>(4)?;
    e.table::<ColumnMaskRow>(5)?;
    e.table::<CollectionIssue>(6)
}

pub const SECURABLES: TableDef = SecurableRow::DEF;
pub const COLUMNS: TableDef = ColumnRow::DEF;
pub const GRANTS: TableDef = GrantRow::DEF;
pub const TAGS: TableDef = TagRow::DEF;
pub const ROW_FILTERS: TableDef = RowFilterRow::DEF;
pub const COLUMN_MASKS: TableDef = ColumnMaskRow::DEF;
pub const COLLECTION_ISSUES: TableDef = CollectionIssue::DEF;

/// Every table, in the order stores write them and digests hash them (that of [`each_table`]).
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

// ---------------------------------------------------------------- the seven tables

/// `column!(c.text(full_name))` describes the column `full_name` of type `text` held in the
/// row field of the same name: `c.text("full_name", |r| &r.full_name, |r| &mut r.full_name)`.
/// (A column named unlike its field would be written out that way.)
macro_rules! column {
    ($c:ident . $ty:ident ( $field:ident )) => {
        $c.$ty(stringify!($field), |r| &r.$field, |r| &mut r.$field)
    };
}

impl Table for SecurableRow {
    const NAME: &'static str = "securables";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.securables
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.securables
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.kind(kind))?;
        column!(c.text(full_name))?;
        column!(c.opt_text(parent))?;
        column!(c.opt_text(owner))?;
        column!(c.opt_text(comment))?;
        column!(c.opt_text(securable_type))?;
        column!(c.opt_text(format))?;
        column!(c.opt_text(location))?;
        column!(c.map(properties))?;
        column!(c.map(details))?;
        column!(c.timestamp(created_at))?;
        column!(c.timestamp(updated_at))
    }
}

impl Table for ColumnRow {
    const NAME: &'static str = "columns";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.columns
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.columns
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.text(table_full_name))?;
        column!(c.text(name))?;
        column!(c.int32(position))?;
        column!(c.text(type_text))?;
        column!(c.bool(nullable))?;
        column!(c.opt_text(comment))
    }
}

impl Table for GrantRow {
    const NAME: &'static str = "grants";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.grants
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.grants
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.kind(securable_kind))?;
        column!(c.text(securable_full_name))?;
        column!(c.text(principal))?;
        column!(c.text(privilege))
    }
}

impl Table for TagRow {
    const NAME: &'static str = "tags";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.tags
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.tags
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.kind(securable_kind))?;
        column!(c.text(securable_full_name))?;
        column!(c.opt_text(column_name))?;
        column!(c.text(key))?;
        column!(c.text(value))
    }
}

impl Table for RowFilterRow {
    const NAME: &'static str = "row_filters";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.row_filters
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.row_filters
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.text(table_full_name))?;
        column!(c.text(function_full_name))?;
        // Version 2: the list holds arguments as SQL text (columns or constants); version 1
        // held bare column names (see `store::upgrade_v1`).
        c.list(
            "input_columns",
            |r| &r.input_arguments,
            |r| &mut r.input_arguments,
        )
    }
}

impl Table for ColumnMaskRow {
    const NAME: &'static str = "column_masks";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.column_masks
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.column_masks
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.text(table_full_name))?;
        column!(c.text(column_name))?;
        column!(c.text(function_full_name))?;
        c.list(
            "using_columns",
            |r| &r.using_arguments,
            |r| &mut r.using_arguments,
        )
    }
}

impl Table for CollectionIssue {
    const NAME: &'static str = "collection_issues";
    fn rows(s: &Snapshot) -> &[Self] {
        &s.collection_issues
    }
    fn rows_mut(s: &mut Snapshot) -> &mut Vec<Self> {
        &mut s.collection_issues
    }
    fn columns<C: Columns<Self>>(c: &mut C) -> Result<(), C::Error> {
        column!(c.kind(securable_kind))?;
        column!(c.text(full_name))?;
        column!(c.opt_text(attribute))?;
        column!(c.bool(subtree))?;
        column!(c.opt_text(error_code))?;
        column!(c.text(message))
    }
}

// ---------------------------------------------------------------- schemas

/// The columns of `R`'s table: `snapshot_id`, then what [`Table::columns`] describes.
fn column_defs<R: Table>() -> Vec<ColumnDef> {
    let mut defs = Defs(vec![SNAPSHOT_ID]);
    let Ok(()) = R::columns(&mut defs);
    defs.0
}

/// Records each column's name, type and nullability.
struct Defs(Vec<ColumnDef>);

impl Defs {
    fn push(&mut self, name: &'static str, ty: ColType, nullable: bool) -> Result<(), Infallible> {
        self.0.push(ColumnDef { name, ty, nullable });
        Ok(())
    }
}

impl<R> Columns<R> for Defs {
    type Error = Infallible;

    fn text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Text,
        _: impl Fn(&mut R) -> &mut Text,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Utf8, false)
    }

    fn opt_text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Text>,
        _: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Utf8, true)
    }

    fn kind(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<SecurableKind>,
        _: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Utf8, true)
    }

    fn int32(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &i32,
        _: impl Fn(&mut R) -> &mut i32,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Int32, false)
    }

    fn bool(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &bool,
        _: impl Fn(&mut R) -> &mut bool,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Bool, false)
    }

    fn timestamp(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Timestamp>,
        _: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::Timestamp, true)
    }

    fn map(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &BTreeMap<String, String>,
        _: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::StringMap, false)
    }

    fn list(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Vec<String>,
        _: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> Result<(), Infallible> {
        self.push(name, ColType::StringList, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColType::{Bool, Int32, StringList, StringMap, Timestamp, Utf8};

    fn c(name: &'static str, ty: ColType, nullable: bool) -> ColumnDef {
        ColumnDef { name, ty, nullable }
    }

    /// The layout of format versions 1 and 2 (the same columns; version 2 changed what the
    /// items of `input_columns` / `using_columns` mean), spelled out: the descriptions must
    /// keep producing exactly these columns (a change here is a new format version).
    #[test]
    fn the_layout_is_format_version_2() {
        let want: [(&str, Vec<ColumnDef>); 7] = [
            (
                "securables",
                vec![
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
            ),
            (
                "columns",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("table_full_name", Utf8, false),
                    c("name", Utf8, false),
                    c("position", Int32, false),
                    c("type_text", Utf8, false),
                    c("nullable", Bool, false),
                    c("comment", Utf8, true),
                ],
            ),
            (
                "grants",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("securable_kind", Utf8, true),
                    c("securable_full_name", Utf8, false),
                    c("principal", Utf8, false),
                    c("privilege", Utf8, false),
                ],
            ),
            (
                "tags",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("securable_kind", Utf8, true),
                    c("securable_full_name", Utf8, false),
                    c("column_name", Utf8, true),
                    c("key", Utf8, false),
                    c("value", Utf8, false),
                ],
            ),
            (
                "row_filters",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("table_full_name", Utf8, false),
                    c("function_full_name", Utf8, false),
                    c("input_columns", StringList, false),
                ],
            ),
            (
                "column_masks",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("table_full_name", Utf8, false),
                    c("column_name", Utf8, false),
                    c("function_full_name", Utf8, false),
                    c("using_columns", StringList, false),
                ],
            ),
            (
                "collection_issues",
                vec![
                    c("snapshot_id", Utf8, false),
                    c("securable_kind", Utf8, true),
                    c("full_name", Utf8, false),
                    c("attribute", Utf8, true),
                    c("subtree", Bool, false),
                    c("error_code", Utf8, true),
                    c("message", Utf8, false),
                ],
            ),
        ];
        for (def, (name, columns)) in ALL.iter().zip(want) {
            assert_eq!(def.name, name);
            assert_eq!(def.columns(), columns, "{name}");
        }
    }

    /// `each_table` visits the tables of `ALL`, in its order, with their indexes.
    #[test]
    fn each_table_follows_all() {
        struct Names(Vec<(usize, &'static str)>);
        impl EachTable for Names {
            type Error = Infallible;
            fn table<R: Table>(&mut self, index: usize) -> Result<(), Infallible> {
                self.0.push((index, R::NAME));
                Ok(())
            }
        }
        let mut names = Names(Vec::new());
        let Ok(()) = each_table(&mut names);
        let want: Vec<(usize, &str)> = ALL.iter().map(|d| d.name).enumerate().collect();
        assert_eq!(names.0, want);
    }
}
