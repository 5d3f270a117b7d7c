//! Table internals: the row filter, column masks and column tags.
//!
//! Function names are compared through `normalize::function` (three-part, backticks and
//! case ignored); column names case-insensitively; filter and mask arguments as lists of
//! columns and constants (a constant compared as written).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::declared::{ColumnMask, DeclaredSecurable, RowFilter};
use crate::model::{PolicyArg, SecurableKind, display_args};
use crate::state::ColumnMaskRow;

use super::change::{Change, Value};
use super::index::Observed;
use super::normalize::{function, lower};
use super::securable::compare_tags;

/// An argument list in the differ's canonical form: columns lower-cased (column names are
/// case-insensitive, backticks optional), constants as written (`'US'` and `'us'` differ).
/// `ON (region, 'US')` and `ON (region)` are different lists.
fn canonical_args<'a>(args: impl Iterator<Item = PolicyArg> + 'a) -> Vec<PolicyArg> {
    args.map(|a| match a {
        PolicyArg::Column(c) => PolicyArg::Column(function::columns(&[c]).concat()),
        k @ PolicyArg::Constant(_) => k,
    })
    .collect()
}

/// Observed arguments (SQL text, or bare names as format version 1 held them).
pub(crate) fn observed_args(args: &[String]) -> Vec<PolicyArg> {
    canonical_args(args.iter().map(|a| PolicyArg::from_sql(a)))
}

/// Declared arguments.
fn declared_args(args: &[PolicyArg]) -> Vec<PolicyArg> {
    canonical_args(args.iter().cloned())
}

/// True when the declared arguments are spelled exactly as stored (no normalisation needed).
fn same_spelling(want: &[PolicyArg], have: &[String]) -> bool {
    want.len() == have.len()
        && want.iter().zip(have).all(|(w, h)| match w {
            PolicyArg::Column(c) => {
                h.len() == c.len() + 2
                    && h.starts_with('`')
                    && h.ends_with('`')
                    && &h[1..h.len() - 1] == c.as_str()
            }
            PolicyArg::Constant(k) => k == h,
        })
}

pub(crate) fn filter_text(
    function: &str,
    table: &str,
    args: &[PolicyArg],
) -> (String, Vec<PolicyArg>) {
    let f = function::canonical(function, table);
    (format!("{f} ON ({})", display_args(args)), args.to_vec())
}

pub(crate) fn mask_text(
    function: &str,
    table: &str,
    using: &[PolicyArg],
) -> (String, Vec<PolicyArg>) {
    let f = function::canonical(function, table);
    let text = if using.is_empty() {
        f
    } else {
        format!("{f} USING COLUMNS ({})", display_args(using))
    };
    (text, using.to_vec())
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
        && same_spelling(&w.columns, &h.input_arguments)
    {
        return;
    }
    let table = decl.full_name.as_str();
    // Compared by (function text, argument list): the text alone could not tell a column
    // named like a literal from the literal.
    let want = decl
        .row_filter
        .as_ref()
        .map(|RowFilter { function, columns }| {
            filter_text(function, table, &declared_args(columns))
        });
    let have = have.map(|r| {
        filter_text(
            &r.function_full_name,
            table,
            &observed_args(&r.input_arguments),
        )
    });
    if want != have {
        out.push(Change::new(
            "row_filter",
            Value::opt(want.as_ref().map(|w| w.0.as_str())),
            Value::opt(have.as_ref().map(|h| h.0.as_str())),
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
        let same = match (&col.mask, have) {
            (Some(w), Some(h)) => {
                w.function == h.function_full_name
                    && same_spelling(&w.using_columns, &h.using_arguments)
            }
            (None, None) => true,
            _ => false,
        };
        if !same {
            let want = col.mask.as_ref().map(
                |ColumnMask {
                     function,
                     using_columns,
                 }| mask_text(function, table, &declared_args(using_columns)),
            );
            let have = have.map(|m| {
                mask_text(
                    &m.function_full_name,
                    table,
                    &observed_args(&m.using_arguments),
                )
            });
            if want != have {
                out.push(Change::new(
                    format!("columns.{}.mask", col.name),
                    Value::opt(want.as_ref().map(|w| w.0.as_str())),
                    Value::opt(have.as_ref().map(|h| h.0.as_str())),
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
            Value::Text(
                mask_text(
                    &have.function_full_name,
                    table,
                    &observed_args(&have.using_arguments),
                )
                .0,
            ),
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
