//! The single home of the Arrow schemas and of the conversions between snapshot rows and
//! Arrow record batches (used by the Parquet store). Both follow the tables' one column
//! description (`tables::Table::columns`): a batch is built, and read back into
//! preallocated rows, one column at a time; this module only says how each logical type is
//! spelled in Arrow, never which columns a table has.
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
use super::tables::{ColType, Columns, Table, TableDef};
use crate::model::{SecurableKind, Text, Timestamp};
use crate::state::intern::Interners;

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
        def.columns()
            .into_iter()
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

/// The record batch of `rows` (every column of the table, `snapshot_id` = `sid` first).
pub(crate) fn to_batch<R: Table>(
    rows: &[R],
    schema: &SchemaRef,
    sid: &str,
) -> Result<RecordBatch, ArrowError> {
    let mut arrays = Vec::with_capacity(schema.fields().len());
    arrays.push(repeat(sid, rows.len()));
    let mut enc = Encode { rows, arrays };
    R::columns(&mut enc)?;
    RecordBatch::try_new(schema.clone(), enc.arrays)
}

/// Builds one array per column from the rows.
struct Encode<'a, R> {
    rows: &'a [R],
    arrays: Vec<ArrayRef>,
}

impl<R> Columns<R> for Encode<'_, R> {
    type Error = ArrowError;

    fn text(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Text,
        _: impl Fn(&mut R) -> &mut Text,
    ) -> Result<(), ArrowError> {
        self.arrays
            .push(utf8(self.rows.iter().map(|r| get(r).as_str())));
        Ok(())
    }

    fn opt_text(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<Text>,
        _: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> Result<(), ArrowError> {
        self.arrays
            .push(opt_utf8(self.rows.iter().map(|r| get(r).as_deref())));
        Ok(())
    }

    fn kind(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<SecurableKind>,
        _: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> Result<(), ArrowError> {
        self.arrays
            .push(kind_col(self.rows.iter().map(|r| *get(r))));
        Ok(())
    }

    fn int32(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &i32,
        _: impl Fn(&mut R) -> &mut i32,
    ) -> Result<(), ArrowError> {
        self.arrays.push(Arc::new(Int32Array::from_iter_values(
            self.rows.iter().map(|r| *get(r)),
        )));
        Ok(())
    }

    fn bool(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &bool,
        _: impl Fn(&mut R) -> &mut bool,
    ) -> Result<(), ArrowError> {
        self.arrays.push(Arc::new(BooleanArray::from_iter(
            self.rows.iter().map(|r| Some(*get(r))),
        )));
        Ok(())
    }

    fn timestamp(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Option<Timestamp>,
        _: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> Result<(), ArrowError> {
        self.arrays.push(ts_col(self.rows.iter().map(|r| *get(r))));
        Ok(())
    }

    fn map(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &BTreeMap<String, String>,
        _: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> Result<(), ArrowError> {
        self.arrays.push(map_col(self.rows.iter().map(get))?);
        Ok(())
    }

    fn list(
        &mut self,
        _: &'static str,
        get: impl Fn(&R) -> &Vec<String>,
        _: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> Result<(), ArrowError> {
        self.arrays
            .push(list_col(self.rows.iter().map(|r| get(r).as_slice()))?);
        Ok(())
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

    /// A map column with its keys and values (a null map reads as an empty one).
    pub fn map(
        &self,
        name: &'static str,
    ) -> Result<(&'a MapArray, &'a StringArray, &'a StringArray), Error> {
        let m = self.get::<MapArray>(name)?;
        let keys = m.keys().as_any().downcast_ref::<StringArray>();
        let values = m.values().as_any().downcast_ref::<StringArray>();
        let (Some(keys), Some(values)) = (keys, values) else {
            return Err(Error::schema(
                self.path,
                format!("column `{name}` is not a map of strings"),
            ));
        };
        Ok((m, keys, values))
    }

    /// A list column with its items (a null list reads as an empty one).
    pub fn list(&self, name: &'static str) -> Result<(&'a ListArray, &'a StringArray), Error> {
        let l = self.get::<ListArray>(name)?;
        let Some(items) = l.values().as_any().downcast_ref::<StringArray>() else {
            return Err(Error::schema(
                self.path,
                format!("column `{name}` is not a list of strings"),
            ));
        };
        Ok((l, items))
    }
}

/// Exact `as_str` spelling of a kind (what the stores write).
pub fn parse_kind(s: &str) -> Option<SecurableKind> {
    SecurableKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn opt_ts(a: &TimestampMillisecondArray, i: usize) -> Option<Timestamp> {
    if a.is_null(i) {
        None
    } else {
        Some(Timestamp(a.value(i)))
    }
}

/// Overwrite `out` (as many rows as the batch has) with the rows of the batch, one column
/// at a time. Writing into rows the caller allocated up front keeps reading free of
/// intermediate copies.
///
/// Text values are shared through `intern` (one per part being read: see `store::intern`).
pub(crate) fn fill<R: Table>(
    cols: &Cols<'_>,
    out: &mut [R],
    intern: &mut Interners<'_>,
) -> Result<(), Error> {
    // In blocks of rows that stay in cache while each column is written into them.
    let blocks = out
        .chunks_mut(FILL_ROWS)
        .enumerate()
        .try_for_each(|(b, out)| {
            let first = b * FILL_ROWS;
            R::columns(&mut Fill {
                cols,
                first,
                out,
                intern: &mut *intern,
                col: 0,
            })
        });
    if let Err(e) = blocks {
        // Report the error a pass over whole columns meets first (the first bad column in
        // order, and its first bad row), whichever block found one.
        R::columns(&mut Fill {
            cols,
            first: 0,
            out,
            intern,
            col: 0,
        })?;
        return Err(e);
    }
    Ok(())
}

/// Rows [`fill`] writes one column at a time before moving on to the next rows.
const FILL_ROWS: usize = 256;

/// Writes each column of a batch into the fields of the rows `first..` of the batch.
struct Fill<'c, 'a, 'p, R> {
    cols: &'c Cols<'a>,
    first: usize,
    out: &'c mut [R],
    intern: &'c mut Interners<'p>,
    /// Number of the next text column among the table's text columns (the interner's key).
    col: usize,
}

impl<R> Fill<'_, '_, '_, R> {
    /// The number of the next text column, moving past it.
    fn next(&mut self) -> usize {
        self.col += 1;
        self.col - 1
    }
}

impl<R> Columns<R> for Fill<'_, '_, '_, R> {
    type Error = Error;

    fn text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Text,
        set: impl Fn(&mut R) -> &mut Text,
    ) -> Result<(), Error> {
        let col = self.next();
        let a = self.cols.str(name)?;
        let intern = self.intern.column(col);
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) = intern.get(a.value(i));
        }
        Ok(())
    }

    fn opt_text(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Text>,
        set: impl Fn(&mut R) -> &mut Option<Text>,
    ) -> Result<(), Error> {
        let col = self.next();
        let a = self.cols.opt_str(name)?;
        let intern = self.intern.column(col);
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) = if a.is_null(i) {
                None
            } else {
                Some(intern.get(a.value(i)))
            };
        }
        Ok(())
    }

    fn kind(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<SecurableKind>,
        set: impl Fn(&mut R) -> &mut Option<SecurableKind>,
    ) -> Result<(), Error> {
        let cols = self.cols;
        let a = cols.opt_str(name)?;
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) =
                if a.is_null(i) {
                    None
                } else {
                    let s = a.value(i);
                    Some(parse_kind(s).ok_or_else(|| {
                        cols.invalid(name, format!("unknown securable kind `{s}`"))
                    })?)
                };
        }
        Ok(())
    }

    fn int32(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &i32,
        set: impl Fn(&mut R) -> &mut i32,
    ) -> Result<(), Error> {
        let a = self.cols.i32(name)?;
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) = a.value(i);
        }
        Ok(())
    }

    fn bool(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &bool,
        set: impl Fn(&mut R) -> &mut bool,
    ) -> Result<(), Error> {
        let a = self.cols.bool(name)?;
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) = a.value(i);
        }
        Ok(())
    }

    fn timestamp(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Option<Timestamp>,
        set: impl Fn(&mut R) -> &mut Option<Timestamp>,
    ) -> Result<(), Error> {
        let a = self.cols.ts(name)?;
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            *set(r) = opt_ts(a, i);
        }
        Ok(())
    }

    fn map(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &BTreeMap<String, String>,
        set: impl Fn(&mut R) -> &mut BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let (m, keys, values) = self.cols.map(name)?;
        let offs = m.value_offsets();
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            let mut map = BTreeMap::new();
            if m.is_valid(i) {
                for j in offs[i] as usize..offs[i + 1] as usize {
                    map.insert(keys.value(j).to_owned(), values.value(j).to_owned());
                }
            }
            *set(r) = map;
        }
        Ok(())
    }

    fn list(
        &mut self,
        name: &'static str,
        _: impl Fn(&R) -> &Vec<String>,
        set: impl Fn(&mut R) -> &mut Vec<String>,
    ) -> Result<(), Error> {
        let (l, items) = self.cols.list(name)?;
        let offs = l.value_offsets();
        for (i, r) in (self.first..).zip(self.out.iter_mut()) {
            let mut v = Vec::new();
            if l.is_valid(i) {
                for j in offs[i] as usize..offs[i + 1] as usize {
                    v.push(items.value(j).to_owned());
                }
            }
            *set(r) = v;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::GrantRow;

    /// A batch with two faults, a bad kind in a late row and a null in a later column:
    /// reading reports the first bad column in order, as a pass over whole columns would,
    /// although the null is met first when filling block by block.
    #[test]
    fn the_first_bad_column_is_reported() {
        let n = 3 * FILL_ROWS;
        let kinds = (0..n).map(|i| Some(if i == n - 1 { "bogus" } else { "table" }));
        let names = (0..n).map(|i| (i > 0).then_some("c.s.t"));
        let text = || Arc::new(StringArray::from_iter_values((0..n).map(|_| "x"))) as ArrayRef;
        let schema = Schema::new(
            [
                "securable_kind",
                "securable_full_name",
                "principal",
                "privilege",
            ]
            .map(|name| Field::new(name, DataType::Utf8, true))
            .to_vec(),
        );
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from_iter(kinds)),
                Arc::new(StringArray::from_iter(names)),
                text(),
                text(),
            ],
        )
        .unwrap();
        let mut out: Vec<GrantRow> = vec![GrantRow::default(); n];
        let err = fill(
            &Cols::new(&batch, Path::new("g.parquet"), "grants"),
            &mut out,
            &mut Interners::default(),
        );
        match err {
            Err(Error::InvalidValue { column, reason, .. }) => {
                assert_eq!(column, "securable_kind");
                assert!(reason.contains("bogus"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
