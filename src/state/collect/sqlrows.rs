//! Reading `information_schema` results, shared by bulk mode and the infrastructure
//! grants: columns are resolved by name once per result (never per row), securable names
//! are joined from their key columns, and a result that lacks a column the rows need is an
//! error — so a view of another shape is reported, never read as "nothing there".

use crate::api::sql::SqlResult;
use crate::model::{SecurableKind, Text};
use crate::state::GrantRow;
use crate::state::intern::Interners;

/// The index of the first present column among `names` (spellings differ by runtime).
pub fn need(res: &SqlResult, names: &[&str]) -> Result<usize, String> {
    res.col(names).ok_or_else(|| {
        let want = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        format!("the result has no column {want}")
    })
}

/// Indices of several required columns, in order.
pub fn need_all(res: &SqlResult, each: &[&[&str]]) -> Result<Vec<usize>, String> {
    each.iter().map(|names| need(res, names)).collect()
}

/// The cell at `i` of `row`, when present and not NULL.
pub fn at(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i).and_then(|v| v.as_deref())
}

/// The cell at an optional column.
pub fn at_opt(row: &[Option<String>], i: Option<usize>) -> Option<&str> {
    i.and_then(|i| at(row, i))
}

/// A full name joined with `.` from the key columns `key`; `None` when one is NULL.
pub fn name(row: &[Option<String>], key: &[usize]) -> Option<String> {
    let mut out = String::new();
    for (n, &i) in key.iter().enumerate() {
        if n > 0 {
            out.push('.');
        }
        out.push_str(at(row, i)?);
    }
    Some(out)
}

/// Direct grants (`inherited_from` NONE or NULL: an inherited row repeats a parent's grant)
/// of a privilege view whose object is named by the columns `key`, kept when `wanted`
/// gives a name for the object's full name (the row holds that name: the walk's own copy).
pub fn direct_grants(
    res: &SqlResult,
    kind: SecurableKind,
    key: &[&str],
    wanted: impl Fn(&str) -> Option<Text>,
) -> Result<Vec<GrantRow>, String> {
    let key: Vec<usize> = key
        .iter()
        .map(|c| need(res, &[c]))
        .collect::<Result<_, _>>()?;
    let grantee = need(res, &["grantee"])?;
    let privilege = need(res, &["privilege_type"])?;
    let inherited = res.col(&["inherited_from"]);
    let mut intern = Interners::default();
    let mut out = Vec::new();
    for row in &res.rows {
        if !at_opt(row, inherited).is_none_or(|v| v.eq_ignore_ascii_case("NONE")) {
            continue;
        }
        let (Some(full), Some(p), Some(pr)) =
            (name(row, &key), at(row, grantee), at(row, privilege))
        else {
            continue;
        };
        let Some(full) = wanted(&full) else {
            continue;
        };
        out.push(GrantRow {
            securable_kind: Some(kind),
            securable_full_name: full,
            principal: intern.column(0).get(p),
            privilege: intern.column(1).get(pr),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(columns: &[&str], rows: &[&[Option<&str>]]) -> SqlResult {
        SqlResult {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn keeps_direct_grants_on_wanted_securables_only() {
        let r = res(
            &[
                "grantee",
                "connection_name",
                "privilege_type",
                "inherited_from",
            ],
            &[
                &[
                    Some("a b"),
                    Some("pg"),
                    Some("USE_CONNECTION"),
                    Some("NONE"),
                ],
                &[Some("c"), Some("pg"), Some("USE_CONNECTION"), None],
                &[
                    Some("d"),
                    Some("pg"),
                    Some("USE_CONNECTION"),
                    Some("METASTORE"),
                ],
                &[
                    Some("e"),
                    Some("other"),
                    Some("USE_CONNECTION"),
                    Some("NONE"),
                ],
                &[None, Some("pg"), Some("USE_CONNECTION"), Some("NONE")],
            ],
        );
        let g = direct_grants(&r, SecurableKind::Connection, &["connection_name"], |n| {
            (n == "pg").then(|| Text::from(n))
        })
        .unwrap();
        let who: Vec<&str> = g.iter().map(|g| g.principal.as_str()).collect();
        assert_eq!(who, ["a b", "c"]);
        assert!(
            g.iter()
                .all(|g| g.securable_kind == Some(SecurableKind::Connection))
        );
    }

    #[test]
    fn names_join_key_columns_and_a_missing_column_is_an_error() {
        let r = res(
            &[
                "table_catalog",
                "table_schema",
                "table_name",
                "grantee",
                "privilege_type",
            ],
            &[&[Some("c"), Some("s"), Some("t.x"), Some("g"), Some("SELECT")]],
        );
        let g = direct_grants(
            &r,
            SecurableKind::Table,
            &["table_catalog", "table_schema", "table_name"],
            |n| Some(Text::from(n)),
        )
        .unwrap();
        assert_eq!(g[0].securable_full_name, "c.s.t.x");
        let e = direct_grants(&r, SecurableKind::Connection, &["connection_name"], |n| {
            Some(Text::from(n))
        })
        .unwrap_err();
        assert!(e.contains("`connection_name`"), "{e}");
        assert_eq!(
            need(&r, &["catalog_name", "table_catalog"]),
            Ok(0),
            "the first present spelling"
        );
    }
}
