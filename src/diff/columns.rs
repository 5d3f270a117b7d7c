//! Table internals: the row filter, column masks and column tags.
//!
//! Function names are compared through `normalize::function` (three-part, backticks and
//! case ignored); column names case-insensitively.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::declared::{ColumnMask, DeclaredSecurable, RowFilter};
use crate::model::SecurableKind;
use crate::state::ColumnMaskRow;

use super::change::{Change, Value};
use super::index::Observed;
use super::normalize::{function, lower};
use super::securable::compare_tags;

fn filter_text(function: &str, table: &str, cols: &[String]) -> String {
    format!(
        "{} ON ({})",
        function::canonical(function, table),
        function::columns(cols).join(", ")
    )
}

fn mask_text(function: &str, table: &str, using: &[String]) -> String {
    let f = function::canonical(function, table);
    if using.is_empty() {
        f
    } else {
        format!(
            "{f} USING COLUMNS ({})",
            function::columns(using).join(", ")
        )
    }
}

/// The row filter (tables only). A declared `None` means the table must have none.
pub(crate) fn row_filter(decl: &DeclaredSecurable, obs: &Observed<'_>, out: &mut Vec<Change>) {
    if decl.kind != SecurableKind::Table {
        return;
    }
    let have = obs.row_filter();
    // Fast path: identical spelling on both sides needs no normalisation.
    if let (Some(w), Some(h)) = (&decl.row_filter, have)
        && w.function == h.function_full_name
        && w.columns == h.input_columns
    {
        return;
    }
    let table = decl.full_name.as_str();
    let want = decl
        .row_filter
        .as_ref()
        .map(|RowFilter { function, columns }| filter_text(function, table, columns));
    let have = have.map(|r| filter_text(&r.function_full_name, table, &r.input_columns));
    if want != have {
        out.push(Change::new(
            "row_filter",
            Value::opt(want.as_deref()),
            Value::opt(have.as_deref()),
        ));
    }
}

/// Column masks and column tags (tables only). A mask on a column that declares none, or
/// on an undeclared column, is drift; tags on undeclared columns are drift only for fully
/// declared (`create: true`) tables.
pub(crate) fn columns(decl: &DeclaredSecurable, obs: &Observed<'_>, out: &mut Vec<Change>) {
    if decl.kind != SecurableKind::Table {
        return;
    }
    let table = decl.full_name.as_str();
    let mut masks: BTreeMap<Cow<'_, str>, &ColumnMaskRow> = obs
        .column_masks()
        .map(|m| (lower(&m.column_name), m))
        .collect();
    let mut col_tags: BTreeMap<Cow<'_, str>, BTreeMap<&str, &str>> = BTreeMap::new();
    for t in obs.tags() {
        if let Some(c) = &t.column_name {
            col_tags
                .entry(lower(c))
                .or_default()
                .insert(t.key.as_str(), t.value.as_str());
        }
    }
    let empty = BTreeMap::new();
    for col in &decl.columns {
        let key = lower(&col.name);
        let have = masks.remove(key.as_ref());
        let same_spelling = match (&col.mask, have) {
            (Some(w), Some(h)) => {
                w.function == h.function_full_name && w.using_columns == h.using_columns
            }
            (None, None) => true,
            _ => false,
        };
        if !same_spelling {
            let want = col.mask.as_ref().map(
                |ColumnMask {
                     function,
                     using_columns,
                 }| mask_text(function, table, using_columns),
            );
            let have = have.map(|m| mask_text(&m.function_full_name, table, &m.using_columns));
            if want != have {
                out.push(Change::new(
                    format!("columns.{}.mask", col.name),
                    Value::opt(want.as_deref()),
                    Value::opt(have.as_deref()),
                ));
            }
        }
        let actual = col_tags.remove(key.as_ref()).unwrap_or_default();
        if col.tags.is_empty() && actual.is_empty() {
            continue;
        }
        compare_tags(
            &col.tags,
            &actual,
            &|k| format!("columns.{}.tags.{k}", col.name),
            out,
            |_, _| None,
        );
    }
    for (col, have) in masks {
        out.push(Change::new(
            format!("columns.{col}.mask"),
            Value::Absent,
            Value::Text(mask_text(
                &have.function_full_name,
                table,
                &have.using_columns,
            )),
        ));
    }
    if decl.create {
        for (col, tags) in col_tags {
            compare_tags(
                &empty,
                &tags,
                &|k| format!("columns.{col}.tags.{k}"),
                out,
                |_, _| None,
            );
        }
    }
}
