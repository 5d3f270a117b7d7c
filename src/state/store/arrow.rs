//! The single home of the Arrow schemas and of the conversions between snapshot rows and
//! Arrow record batches (used by the Parquet store).
//!
//! Maps: `Map<Utf8, Utf8>` with entries named `key_value`/`key`/`value` (the Parquet MAP
//! convention; DuckDB reads them as `MAP(VARCHAR, VARCHAR)`). Lists: `List<Utf8>` with a
//! non-null item named `element`. Timestamps: milliseconds, UTC. Never does IO.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Int32Array, ListArray, MapArray, RecordBatch, StringArray,
    StructArray, TimestampMillisecondArray,
};
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

use super::Error;
use super::tables::{ColType, TableDef};
use crate::model::{SecurableKind, Timestamp};
use crate::state::snapshot::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, TagRow,
};

fn entries_field() -> FieldRef {
    Arc::new(Field::new(
        "key_value",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Utf8, false),
        ])),
        false,
    ))
}

fn element_field() -> FieldRef {
    Arc::new(Field::new("element", DataType::Utf8, false))
}

/// The Arrow type of a logical column type.
pub fn arrow_type(ty: ColType) -> DataType {
    match ty {
        ColType::Utf8 => DataType::Utf8,
        ColType::Int32 => DataType::Int32,
        ColType::Bool => DataType::Boolean,
        ColType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ColType::StringMap => DataType::Map(entries_field(), false),
        ColType::StringList => DataType::List(element_field()),
    }
}

/// The Arrow schema of a table.
pub fn schema(def: &TableDef) -> SchemaRef {
    Arc::new(Schema::new(
        def.columns
            .iter()
            .map(|c| Field::new(c.name, arrow_type(c.ty), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

/// True when `found` is an acceptable physical type for `ty` (field names inside maps and
/// lists and the time zone spelling are not significant).
pub fn type_matches(ty: ColType, found: &DataType) -> bool {
    match (ty, found) {
        (ColType::Utf8, DataType::Utf8)
        | (ColType::Int32, DataType::Int32)
        | (ColType::Bool, DataType::Boolean)
        | (ColType::Timestamp, DataType::Timestamp(TimeUnit::Millisecond, _)) => true,
        (ColType::StringList, DataType::List(f)) => f.data_type() == &DataType::Utf8,
        (ColType::StringMap, DataType::Map(f, _)) => match f.data_type() {
            DataType::Struct(fs) => {
                fs.len() == 2
                    && fs[0].data_type() == &DataType::Utf8
                    && fs[1].data_type() == &DataType::Utf8
            }
            _ => false,
        },
        _ => false,
    }
}

// ---------------------------------------------------------------- rows -> batches

fn utf8<'a>(it: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(it))
}

fn opt_utf8<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

fn kind_col<'a>(it: impl Iterator<Item = Option<SecurableKind>> + 'a) -> ArrayRef {
    opt_utf8(it.map(|k| k.map(SecurableKind::as_str)))
}

fn repeat(s: &str, n: usize) -> ArrayRef {
    utf8(std::iter::repeat_n(s, n))
}

fn ts_col(it: impl Iterator<Item = Option<Timestamp>>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from_iter(it.map(|t| t.map(|t| t.0))).with_timezone("UTC"))
}

fn map_col<'a>(
    it: impl Iterator<Item = &'a BTreeMap<String, String>>,
) -> Result<ArrayRef, ArrowError> {
    let mut offsets = vec![0i32];
    let mut keys: Vec<&str> = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    for m in it {
        for (k, v) in m {
            keys.push(k);
            values.push(v);
        }
        let end = i32::try_from(keys.len())
            .map_err(|_| ArrowError::InvalidArgumentError("map too large".into()))?;
        offsets.push(end);
    }
    let entries = StructArray::try_new(
        Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Utf8, false),
        ]),
        vec![
            Arc::new(StringArray::from_iter_values(keys)) as ArrayRef,
            Arc::new(StringArray::from_iter_values(values)) as ArrayRef,
        ],
        None,
    )?;
    Ok(Arc::new(MapArray::try_new(
        entries_field(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        entries,
        None,
        false,
    )?))
}

fn list_col<'a>(it: impl Iterator<Item = &'a [String]>) -> Result<ArrayRef, ArrowError> {
    let mut offsets = vec![0i32];
    let mut items: Vec<&str> = Vec::new();
    for l in it {
        items.extend(l.iter().map(String::as_str));
        let end = i32::try_from(items.len())
            .map_err(|_| ArrowError::InvalidArgumentError("list too large".into()))?;
        offsets.push(end);
    }
    Ok(Arc::new(ListArray::try_new(
        element_field(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Arc::new(StringArray::from_iter_values(items)),
        None,
    )?))
}

/// Rows of one table that can become a record batch.
pub trait ToBatch: Sized {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError>;
}

impl ToBatch for SecurableRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                kind_col(rows.iter().map(|r| r.kind)),
                utf8(rows.iter().map(|r| r.full_name.as_str())),
                opt_utf8(rows.iter().map(|r| r.parent.as_deref())),
                opt_utf8(rows.iter().map(|r| r.owner.as_deref())),
                opt_utf8(rows.iter().map(|r| r.comment.as_deref())),
                opt_utf8(rows.iter().map(|r| r.securable_type.as_deref())),
                opt_utf8(rows.iter().map(|r| r.format.as_deref())),
                opt_utf8(rows.iter().map(|r| r.location.as_deref())),
                map_col(rows.iter().map(|r| &r.properties))?,
                map_col(rows.iter().map(|r| &r.details))?,
                ts_col(rows.iter().map(|r| r.created_at)),
                ts_col(rows.iter().map(|r| r.updated_at)),
            ],
        )
    }
}

impl ToBatch for ColumnRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                utf8(rows.iter().map(|r| r.table_full_name.as_str())),
                utf8(rows.iter().map(|r| r.name.as_str())),
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.position),
                )),
                utf8(rows.iter().map(|r| r.type_text.as_str())),
                Arc::new(BooleanArray::from_iter(
                    rows.iter().map(|r| Some(r.nullable)),
                )),
                opt_utf8(rows.iter().map(|r| r.comment.as_deref())),
            ],
        )
    }
}

impl ToBatch for GrantRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                kind_col(rows.iter().map(|r| r.securable_kind)),
                utf8(rows.iter().map(|r| r.securable_full_name.as_str())),
                utf8(rows.iter().map(|r| r.principal.as_str())),
                utf8(rows.iter().map(|r| r.privilege.as_str())),
            ],
        )
    }
}

impl ToBatch for TagRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                kind_col(rows.iter().map(|r| r.securable_kind)),
                utf8(rows.iter().map(|r| r.securable_full_name.as_str())),
                opt_utf8(rows.iter().map(|r| r.column_name.as_deref())),
                utf8(rows.iter().map(|r| r.key.as_str())),
                utf8(rows.iter().map(|r| r.value.as_str())),
            ],
        )
    }
}

impl ToBatch for RowFilterRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                utf8(rows.iter().map(|r| r.table_full_name.as_str())),
                utf8(rows.iter().map(|r| r.function_full_name.as_str())),
                list_col(rows.iter().map(|r| r.input_columns.as_slice()))?,
            ],
        )
    }
}

impl ToBatch for ColumnMaskRow {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                utf8(rows.iter().map(|r| r.table_full_name.as_str())),
                utf8(rows.iter().map(|r| r.column_name.as_str())),
                utf8(rows.iter().map(|r| r.function_full_name.as_str())),
                list_col(rows.iter().map(|r| r.using_columns.as_slice()))?,
            ],
        )
    }
}

impl ToBatch for CollectionIssue {
    fn to_batch(rows: &[Self], schema: &SchemaRef, sid: &str) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                repeat(sid, rows.len()),
                kind_col(rows.iter().map(|r| r.securable_kind)),
                utf8(rows.iter().map(|r| r.full_name.as_str())),
                opt_utf8(rows.iter().map(|r| r.attribute.as_deref())),
                Arc::new(BooleanArray::from_iter(
                    rows.iter().map(|r| Some(r.subtree)),
                )),
                opt_utf8(rows.iter().map(|r| r.error_code.as_deref())),
                utf8(rows.iter().map(|r| r.message.as_str())),
            ],
        )
    }
}

// ---------------------------------------------------------------- batches -> rows

/// Typed access to the columns of one batch, with errors that name the file.
pub struct Cols<'a> {
    batch: &'a RecordBatch,
    path: &'a Path,
    table: &'static str,
}

impl<'a> Cols<'a> {
    pub fn new(batch: &'a RecordBatch, path: &'a Path, table: &'static str) -> Self {
        Cols { batch, path, table }
    }

    fn get<T: Array + 'static>(&self, name: &'static str) -> Result<&'a T, Error> {
        self.batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<T>())
            .ok_or_else(|| {
                Error::schema(
                    self.path,
                    format!("column `{name}` is missing or has an unexpected type"),
                )
            })
    }

    fn invalid(&self, column: &'static str, reason: String) -> Error {
        Error::InvalidValue {
            path: self.path.to_path_buf(),
            table: self.table,
            column,
            reason,
        }
    }

    /// A non-null string column.
    pub fn str(&self, name: &'static str) -> Result<&'a StringArray, Error> {
        let a = self.get::<StringArray>(name)?;
        if a.null_count() > 0 {
            return Err(self.invalid(name, "null in a column that must not be null".into()));
        }
        Ok(a)
    }

    pub fn opt_str(&self, name: &'static str) -> Result<&'a StringArray, Error> {
        self.get::<StringArray>(name)
    }

    pub fn i32(&self, name: &'static str) -> Result<&'a Int32Array, Error> {
        let a = self.get::<Int32Array>(name)?;
        if a.null_count() > 0 {
            return Err(self.invalid(name, "null in a column that must not be null".into()));
        }
        Ok(a)
    }

    pub fn bool(&self, name: &'static str) -> Result<&'a BooleanArray, Error> {
        let a = self.get::<BooleanArray>(name)?;
        if a.null_count() > 0 {
            return Err(self.invalid(name, "null in a column that must not be null".into()));
        }
        Ok(a)
    }

    pub fn ts(&self, name: &'static str) -> Result<&'a TimestampMillisecondArray, Error> {
        self.get::<TimestampMillisecondArray>(name)
    }

    pub fn kinds(&self, name: &'static str) -> Result<Vec<Option<SecurableKind>>, Error> {
        let a = self.opt_str(name)?;
        let mut out = Vec::with_capacity(a.len());
        for i in 0..a.len() {
            out.push(if a.is_null(i) {
                None
            } else {
                let s = a.value(i);
                Some(
                    parse_kind(s).ok_or_else(|| {
                        self.invalid(name, format!("unknown securable kind `{s}`"))
                    })?,
                )
            });
        }
        Ok(out)
    }

    pub fn maps(&self, name: &'static str) -> Result<Vec<BTreeMap<String, String>>, Error> {
        let m = self.get::<MapArray>(name)?;
        let keys = m.keys().as_any().downcast_ref::<StringArray>();
        let values = m.values().as_any().downcast_ref::<StringArray>();
        let (Some(keys), Some(values)) = (keys, values) else {
            return Err(Error::schema(
                self.path,
                format!("column `{name}` is not a map of strings"),
            ));
        };
        let offs = m.value_offsets();
        let mut out = Vec::with_capacity(m.len());
        for i in 0..m.len() {
            let mut map = BTreeMap::new();
            if m.is_valid(i) {
                for j in offs[i] as usize..offs[i + 1] as usize {
                    map.insert(keys.value(j).to_owned(), values.value(j).to_owned());
                }
            }
            out.push(map);
        }
        Ok(out)
    }

    pub fn lists(&self, name: &'static str) -> Result<Vec<Vec<String>>, Error> {
        let l = self.get::<ListArray>(name)?;
        let Some(items) = l.values().as_any().downcast_ref::<StringArray>() else {
            return Err(Error::schema(
                self.path,
                format!("column `{name}` is not a list of strings"),
            ));
        };
        let offs = l.value_offsets();
        let mut out = Vec::with_capacity(l.len());
        for i in 0..l.len() {
            let mut v = Vec::new();
            if l.is_valid(i) {
                for j in offs[i] as usize..offs[i + 1] as usize {
                    v.push(items.value(j).to_owned());
                }
            }
            out.push(v);
        }
        Ok(out)
    }
}

/// Exact `as_str` spelling of a kind (what the stores write).
pub fn parse_kind(s: &str) -> Option<SecurableKind> {
    SecurableKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn opt(a: &StringArray, i: usize) -> Option<String> {
    if a.is_null(i) {
        None
    } else {
        Some(a.value(i).to_owned())
    }
}

fn opt_ts(a: &TimestampMillisecondArray, i: usize) -> Option<Timestamp> {
    if a.is_null(i) {
        None
    } else {
        Some(Timestamp(a.value(i)))
    }
}

/// Rows of one table that can be read back from a record batch.
pub trait FromBatch: Sized {
    /// Overwrite `out` (as many rows as the batch has) with the rows of the batch. Writing
    /// into rows the caller allocated up front keeps reading free of intermediate copies.
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error>;
}

impl FromBatch for SecurableRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let kind = cols.kinds("kind")?;
        let full_name = cols.str("full_name")?;
        let parent = cols.opt_str("parent")?;
        let owner = cols.opt_str("owner")?;
        let comment = cols.opt_str("comment")?;
        let securable_type = cols.opt_str("securable_type")?;
        let format = cols.opt_str("format")?;
        let location = cols.opt_str("location")?;
        let properties = cols.maps("properties")?;
        let details = cols.maps("details")?;
        let created_at = cols.ts("created_at")?;
        let updated_at = cols.ts("updated_at")?;
        let rows = out
            .iter_mut()
            .zip(kind)
            .zip(properties.into_iter().zip(details));
        for (i, ((r, kind), (properties, details))) in rows.enumerate() {
            *r = SecurableRow {
                kind,
                full_name: full_name.value(i).to_owned(),
                parent: opt(parent, i),
                owner: opt(owner, i),
                comment: opt(comment, i),
                securable_type: opt(securable_type, i),
                format: opt(format, i),
                location: opt(location, i),
                properties,
                details,
                created_at: opt_ts(created_at, i),
                updated_at: opt_ts(updated_at, i),
            };
        }
        Ok(())
    }
}

impl FromBatch for ColumnRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let table = cols.str("table_full_name")?;
        let name = cols.str("name")?;
        let position = cols.i32("position")?;
        let type_text = cols.str("type_text")?;
        let nullable = cols.bool("nullable")?;
        let comment = cols.opt_str("comment")?;
        for (i, r) in out.iter_mut().enumerate() {
            *r = ColumnRow {
                table_full_name: table.value(i).to_owned(),
                name: name.value(i).to_owned(),
                position: position.value(i),
                type_text: type_text.value(i).to_owned(),
                nullable: nullable.value(i),
                comment: opt(comment, i),
            };
        }
        Ok(())
    }
}

impl FromBatch for GrantRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let kind = cols.kinds("securable_kind")?;
        let name = cols.str("securable_full_name")?;
        let principal = cols.str("principal")?;
        let privilege = cols.str("privilege")?;
        for (i, (r, securable_kind)) in out.iter_mut().zip(kind).enumerate() {
            *r = GrantRow {
                securable_kind,
                securable_full_name: name.value(i).to_owned(),
                principal: principal.value(i).to_owned(),
                privilege: privilege.value(i).to_owned(),
            };
        }
        Ok(())
    }
}

impl FromBatch for TagRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let kind = cols.kinds("securable_kind")?;
        let name = cols.str("securable_full_name")?;
        let column = cols.opt_str("column_name")?;
        let key = cols.str("key")?;
        let value = cols.str("value")?;
        for (i, (r, securable_kind)) in out.iter_mut().zip(kind).enumerate() {
            *r = TagRow {
                securable_kind,
                securable_full_name: name.value(i).to_owned(),
                column_name: opt(column, i),
                key: key.value(i).to_owned(),
                value: value.value(i).to_owned(),
            };
        }
        Ok(())
    }
}

impl FromBatch for RowFilterRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let table = cols.str("table_full_name")?;
        let function = cols.str("function_full_name")?;
        let input = cols.lists("input_columns")?;
        for (i, (r, input_columns)) in out.iter_mut().zip(input).enumerate() {
            *r = RowFilterRow {
                table_full_name: table.value(i).to_owned(),
                function_full_name: function.value(i).to_owned(),
                input_columns,
            };
        }
        Ok(())
    }
}

impl FromBatch for ColumnMaskRow {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let table = cols.str("table_full_name")?;
        let column = cols.str("column_name")?;
        let function = cols.str("function_full_name")?;
        let using = cols.lists("using_columns")?;
        for (i, (r, using_columns)) in out.iter_mut().zip(using).enumerate() {
            *r = ColumnMaskRow {
                table_full_name: table.value(i).to_owned(),
                column_name: column.value(i).to_owned(),
                function_full_name: function.value(i).to_owned(),
                using_columns,
            };
        }
        Ok(())
    }
}

impl FromBatch for CollectionIssue {
    fn fill(cols: &Cols<'_>, out: &mut [Self]) -> Result<(), Error> {
        let kind = cols.kinds("securable_kind")?;
        let name = cols.str("full_name")?;
        let attribute = cols.opt_str("attribute")?;
        let subtree = cols.bool("subtree")?;
        let code = cols.opt_str("error_code")?;
        let message = cols.str("message")?;
        for (i, (r, securable_kind)) in out.iter_mut().zip(kind).enumerate() {
            *r = CollectionIssue {
                securable_kind,
                full_name: name.value(i).to_owned(),
                attribute: opt(attribute, i),
                subtree: subtree.value(i),
                error_code: opt(code, i),
                message: message.value(i).to_owned(),
            };
        }
        Ok(())
    }
}
