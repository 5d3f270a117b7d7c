//! Table internals: the row filter, column masks and column tags.
//!
//! Function names are compared through `normalize::function` (three-part, backticks and
//! case ignored); column names case-insensitively.

use std::collections::BTreeMap;

use crate::declared::{ColumnMask, DeclaredSecurable, RowFilter};
use crate::model::SecurableKind;

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
    let table = decl.full_name.as_str();
    let want = decl
        .row_filter
        .as_ref()
        .map(|RowFilter { function, columns }| filter_text(function, table, columns));
    let have = obs
        .row_filter()
        .map(|r| filter_text(&r.function_full_name, table, &r.input_columns));
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
    let mut masks: BTreeMap<String, String> = obs
        .column_masks()
        .map(|m| {
            (
                lower(&m.column_name).into_owned(),
                mask_text(&m.function_full_name, table, &m.using_columns),
            )
        })
        .collect();
    let mut col_tags: BTreeMap<String, BTreeMap<&str, &str>> = BTreeMap::new();
    for t in obs.tags() {
        if let Some(c) = &t.column_name {
            col_tags
                .entry(lower(c).into_owned())
                .or_default()
                .insert(t.key.as_str(), t.value.as_str());
        }
    }
    let empty = BTreeMap::new();
    for col in &decl.columns {
        let key = lower(&col.name).into_owned();
        let want = col.mask.as_ref().map(
            |ColumnMask {
                 function,
                 using_columns,
             }| mask_text(function, table, using_columns),
        );
        let have = masks.remove(&key);
        if want != have {
            out.push(Change::new(
                format!("columns.{}.mask", col.name),
                Value::opt(want.as_deref()),
                Value::opt(have.as_deref()),
            ));
        }
        let actual = col_tags.remove(&key).unwrap_or_default();
        compare_tags(
            &col.tags,
            &actual,
            &format!("columns.{}.tags.", col.name),
            out,
            |_, _| None,
        );
    }
    for (col, have) in masks {
        out.push(Change::new(
            format!("columns.{col}.mask"),
            Value::Absent,
            Value::Text(have),
        ));
    }
    if decl.create {
        for (col, tags) in col_tags {
            compare_tags(
                &empty,
                &tags,
                &format!("columns.{col}.tags."),
                out,
                |_, _| None,
            );
        }
    }
}
