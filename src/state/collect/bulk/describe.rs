//! Parsers of `DESCRIBE TABLE EXTENDED` output for the row filter and column masks of one
//! table (API reference §10.2): the `AS JSON` document (`json_metadata`) and the text layout
//! (`Row Filter` row, `# Column Masks` section). Pure functions: no IO, no client. A layout
//! they cannot read is an error, never "no filter" or "no masks".

use serde_json::Value;

use crate::model::PolicyArg;
use crate::state::{ColumnMaskRow, RowFilterRow};

/// The row filter and column masks of one table, as the snapshot holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Controls {
    pub row_filter: Option<RowFilterRow>,
    pub masks: Vec<ColumnMaskRow>,
}

/// Why a `DESCRIBE` result could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("describe table {table} as json: {what}")]
    Json { table: String, what: String },
    #[error("describe table extended {table}: {what}")]
    Text { table: String, what: String },
}

fn json_err(table: &str, what: impl Into<String>) -> ParseError {
    ParseError::Json {
        table: table.to_string(),
        what: what.into(),
    }
}

fn text_err(table: &str, what: impl Into<String>) -> ParseError {
    ParseError::Text {
        table: table.to_string(),
        what: what.into(),
    }
}

/// `{catalog_name, schema_name, function_name}` → `cat.sch.fn` (parts as reported, the way
/// REST and `information_schema` report them).
fn function_of(v: &Value, table: &str, whose: &str) -> Result<String, ParseError> {
    let part = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| json_err(table, format!("{whose}: function_name.{k} is missing")))
    };
    Ok(format!(
        "{}.{}.{}",
        part("catalog_name")?,
        part("schema_name")?,
        part("function_name")?
    ))
}

fn names(v: Option<&Value>, table: &str, whose: &str) -> Result<Vec<String>, ParseError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_string).ok_or_else(|| {
                    json_err(table, format!("{whose}: a column name is not a string"))
                })
            })
            .collect(),
        Some(_) => Err(json_err(table, format!("{whose}: not an array"))),
    }
}

/// The arguments of a filter or mask in the AS JSON document, as SQL text: from
/// `input_arguments` / `using_arguments` (`{column}` or `{constant}` each, the REST shape)
/// when present and not empty, otherwise from the column-name list (`column_names` /
/// `using_column_names`, reference §10.2).
fn arguments(
    new: Option<&Value>,
    old: Option<&Value>,
    table: &str,
    whose: &str,
) -> Result<Vec<String>, ParseError> {
    match new {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|x| match (x.get("column"), x.get("constant")) {
                (Some(Value::String(c)), _) => Ok(PolicyArg::column(c.as_str()).to_sql()),
                (_, Some(Value::String(k))) => Ok(PolicyArg::constant(k).to_sql()),
                _ => Err(json_err(
                    table,
                    format!("{whose}: an argument is neither a column nor a constant"),
                )),
            })
            .collect(),
        _ => Ok(names(old, table, whose)?
            .iter()
            .map(|c| PolicyArg::column(c.as_str()).to_sql())
            .collect()),
    }
}

/// Reads the `json_metadata` document of `DESCRIBE TABLE EXTENDED <table> AS JSON`.
pub fn from_json(table: &str, doc: &str) -> Result<Controls, ParseError> {
    let v: Value = serde_json::from_str(doc).map_err(|e| json_err(table, e.to_string()))?;
    if !v.is_object() {
        return Err(json_err(table, "json_metadata is not an object"));
    }
    let row_filter = match v.get("row_filter") {
        None | Some(Value::Null) => None,
        Some(rf) => {
            let f = rf
                .get("function_name")
                .ok_or_else(|| json_err(table, "row_filter.function_name is missing"))?;
            Some(RowFilterRow {
                table_full_name: table.into(),
                function_full_name: function_of(f, table, "row_filter")?.into(),
                input_arguments: arguments(
                    rf.get("input_arguments"),
                    rf.get("column_names"),
                    table,
                    "row_filter",
                )?,
            })
        }
    };
    let mut masks = Vec::new();
    match v.get("column_masks") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for m in a {
                let column = m
                    .get("column_name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| json_err(table, "column_masks: column_name is missing"))?;
                let whose = format!("mask of column {column}");
                let f = m
                    .get("function_name")
                    .ok_or_else(|| json_err(table, format!("{whose}: function_name is missing")))?;
                masks.push(ColumnMaskRow {
                    table_full_name: table.into(),
                    column_name: column.into(),
                    function_full_name: function_of(f, table, &whose)?.into(),
                    using_arguments: arguments(
                        m.get("using_arguments"),
                        m.get("using_column_names"),
                        table,
                        &whose,
                    )?,
                });
            }
        }
        Some(_) => return Err(json_err(table, "column_masks is not an array")),
    }
    Ok(Controls { row_filter, masks })
}

/// One token of a `Row Filter` / `# Column Masks` value.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier (backticked or bare), unescaped.
    Ident(String),
    /// A literal (string, number, `TRUE`, `FALSE`, `NULL`): a constant argument, as written.
    Literal(String),
    Dot,
    Comma,
    Open,
    Close,
}

fn tokens(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            c if c.is_whitespace() => {
                it.next();
            }
            '`' => {
                it.next();
                let mut id = String::new();
                loop {
                    match it.next() {
                        Some('`') if it.peek() == Some(&'`') => {
                            it.next();
                            id.push('`');
                        }
                        Some('`') => break,
                        Some(ch) => id.push(ch),
                        None => return Err(format!("unterminated backtick in {s:?}")),
                    }
                }
                out.push(Tok::Ident(id));
            }
            '\'' | '"' => {
                let q = c;
                it.next();
                let mut lit = String::from(q);
                loop {
                    match it.next() {
                        Some('\\') => {
                            lit.push('\\');
                            lit.extend(it.next());
                        }
                        Some(ch) if ch == q => {
                            lit.push(ch);
                            if it.peek() == Some(&q) {
                                it.next();
                                lit.push(q);
                            } else {
                                break;
                            }
                        }
                        Some(ch) => lit.push(ch),
                        None => return Err(format!("unterminated literal in {s:?}")),
                    }
                }
                out.push(Tok::Literal(lit));
            }
            '.' => {
                it.next();
                out.push(Tok::Dot);
            }
            ',' => {
                it.next();
                out.push(Tok::Comma);
            }
            '(' => {
                it.next();
                out.push(Tok::Open);
            }
            ')' => {
                it.next();
                out.push(Tok::Close);
            }
            _ => {
                let mut w = String::new();
                while let Some(&ch) = it.peek() {
                    if ch.is_whitespace() || matches!(ch, '.' | ',' | '(' | ')' | '`' | '\'' | '"')
                    {
                        break;
                    }
                    w.push(ch);
                    it.next();
                }
                let numeric = w
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_digit() || ch == '-' || ch == '+');
                let keyword = ["true", "false", "null"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k));
                out.push(if numeric || keyword {
                    Tok::Literal(w)
                } else {
                    Tok::Ident(w)
                });
            }
        }
    }
    Ok(out)
}

/// `fn [KEYWORD... (args)]`: the three-part function and the arguments as SQL text (a column
/// backtick-quoted, a constant as its literal: `` `main`.`sec`.`f` ON (`region`, 'US') ``,
/// reference §10.2). `keyword` is `ON` for a row filter and `USING COLUMNS` for a mask; the
/// argument list is optional for a mask.
fn function_and_columns(value: &str, keyword: &[&str]) -> Result<(String, Vec<String>), String> {
    let toks = tokens(value)?;
    let mut i = 0;
    let mut parts = Vec::new();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(p)) => parts.push(p.clone()),
            _ => return Err(format!("expected a function name in {value:?}")),
        }
        i += 1;
        if toks.get(i) == Some(&Tok::Dot) {
            i += 1;
        } else {
            break;
        }
    }
    if parts.len() != 3 {
        return Err(format!(
            "expected a three-part function name in {value:?}, found {} parts",
            parts.len()
        ));
    }
    let mut columns = Vec::new();
    if i < toks.len() {
        for k in keyword {
            match toks.get(i) {
                Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k) => i += 1,
                _ => return Err(format!("expected {} in {value:?}", keyword.join(" "))),
            }
        }
        if toks.get(i) != Some(&Tok::Open) {
            return Err(format!("expected ( in {value:?}"));
        }
        i += 1;
        let mut expect_arg = true;
        loop {
            match toks.get(i) {
                Some(Tok::Close) if i + 1 == toks.len() => break,
                Some(Tok::Ident(c)) if expect_arg => {
                    columns.push(PolicyArg::column(c.as_str()).to_sql());
                }
                Some(Tok::Literal(k)) if expect_arg => {
                    columns.push(PolicyArg::Constant(k.clone()).to_sql());
                }
                Some(Tok::Comma) if !expect_arg => {}
                _ => return Err(format!("cannot read the argument list of {value:?}")),
            }
            expect_arg = !expect_arg;
            i += 1;
        }
    }
    Ok((parts.join("."), columns))
}

/// Reads the text layout of `DESCRIBE TABLE EXTENDED <table>` (columns `col_name`,
/// `data_type`, `comment`; `name_col` and `value_col` are the indexes of the first two). Only
/// rows after the column list (ended by the first blank row) are looked at, so a column
/// named `Row Filter` is not mistaken for the filter.
pub fn from_text(
    table: &str,
    rows: &[Vec<Option<String>>],
    name_col: usize,
    value_col: usize,
) -> Result<Controls, ParseError> {
    let cell = |r: &[Option<String>], i: usize| -> String {
        r.get(i)
            .and_then(|v| v.as_deref())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let blank = |r: &[Option<String>]| r.iter().all(|v| v.as_deref().unwrap_or("").is_empty());
    let Some(start) = rows.iter().position(|r| blank(r)) else {
        return Err(text_err(
            table,
            "no blank row after the column list: not the extended layout",
        ));
    };
    let mut out = Controls::default();
    let mut in_masks = false;
    for r in &rows[start..] {
        let name = cell(r, name_col);
        let value = cell(r, value_col);
        if in_masks {
            if blank(r) || name.starts_with('#') || !value.starts_with('`') {
                in_masks = false;
            } else {
                let (f, using) = function_and_columns(&value, &["USING", "COLUMNS"])
                    .map_err(|e| text_err(table, format!("mask of column {name}: {e}")))?;
                out.masks.push(ColumnMaskRow {
                    table_full_name: table.into(),
                    column_name: name.clone().into(),
                    function_full_name: f.into(),
                    using_arguments: using,
                });
                continue;
            }
        }
        if name.eq_ignore_ascii_case("# Column Masks") {
            in_masks = true;
        } else if name.eq_ignore_ascii_case("Row Filter") {
            if out.row_filter.is_some() {
                return Err(text_err(table, "two Row Filter rows"));
            }
            let (f, cols) = function_and_columns(&value, &["ON"])
                .map_err(|e| text_err(table, format!("row filter: {e}")))?;
            out.row_filter = Some(RowFilterRow {
                table_full_name: table.into(),
                function_full_name: f.into(),
                input_arguments: cols,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "main.sales.orders";

    fn row(a: &str, b: &str, c: Option<&str>) -> Vec<Option<String>> {
        vec![
            Some(a.to_string()),
            Some(b.to_string()),
            c.map(str::to_string),
        ]
    }

    fn filter(f: &str, cols: &[&str]) -> Option<RowFilterRow> {
        Some(RowFilterRow {
            table_full_name: T.into(),
            function_full_name: f.into(),
            input_arguments: cols
                .iter()
                .map(|c| PolicyArg::from_sql(c).to_sql())
                .collect(),
        })
    }

    fn mask(col: &str, f: &str, using: &[&str]) -> ColumnMaskRow {
        ColumnMaskRow {
            table_full_name: T.into(),
            column_name: col.into(),
            function_full_name: f.into(),
            using_arguments: using
                .iter()
                .map(|c| PolicyArg::from_sql(c).to_sql())
                .collect(),
        }
    }

    /// The text layout of reference §10.2, with the given trailing rows.
    fn layout(tail: &[Vec<Option<String>>]) -> Vec<Vec<Option<String>>> {
        let mut rows = vec![
            row("id", "bigint", None),
            row("email", "string", Some("PII")),
            row("Row Filter", "string", None),
            row("", "", Some("")),
            row("# Detailed Table Information", "", Some("")),
            row("Catalog", "main", Some("")),
            row("Database", "sales", Some("")),
            row("Table", "orders", Some("")),
            row("Type", "MANAGED", Some("")),
            row("Owner", "data-eng", Some("")),
            row("Table Properties", "[delta.appendOnly=true]", Some("")),
        ];
        rows.extend_from_slice(tail);
        rows
    }

    #[test]
    fn json_reference_document() {
        let doc = r#"{"table_name": "orders", "catalog_name": "main", "schema_name": "sales",
            "namespace": ["sales"], "type": "MANAGED",
            "columns": [{"name": "id", "type": {"name": "long"}, "nullable": false}],
            "row_filter": {"function_name": {"catalog_name": "main", "schema_name": "sec",
                "function_name": "region_filter"}, "column_names": ["region"]},
            "column_masks": [{"column_name": "email", "using_column_names": [],
              "function_name": {"catalog_name": "main", "schema_name": "sec", "function_name": "mask_email"}},
              {"column_name": "ssn", "using_column_names": ["region", "a`b c"],
              "function_name": {"catalog_name": "main", "schema_name": "sec", "function_name": "mask_ssn"}}],
            "table_constraints": "[(orders_pk,PRIMARY KEY (`id`))]"}"#;
        let c = from_json(T, doc).unwrap();
        assert_eq!(c.row_filter, filter("main.sec.region_filter", &["region"]));
        assert_eq!(
            c.masks,
            vec![
                mask("email", "main.sec.mask_email", &[]),
                mask("ssn", "main.sec.mask_ssn", &["region", "a`b c"])
            ]
        );
    }

    #[test]
    fn json_without_filter_or_masks() {
        let c = from_json(T, r#"{"table_name": "orders", "columns": []}"#).unwrap();
        assert_eq!(c, Controls::default());
        let c = from_json(T, r#"{"row_filter": null, "column_masks": []}"#).unwrap();
        assert_eq!(c, Controls::default());
        // A zero-argument filter.
        let c = from_json(
            T,
            r#"{"row_filter": {"function_name": {"catalog_name": "m", "schema_name": "s",
                "function_name": "always"}}}"#,
        )
        .unwrap();
        assert_eq!(c.row_filter, filter("m.s.always", &[]));
    }

    #[test]
    fn json_that_cannot_be_read_is_an_error() {
        for doc in [
            "not json",
            "[]",
            r#"{"row_filter": {"column_names": ["a"]}}"#,
            r#"{"row_filter": {"function_name": {"catalog_name": "m", "function_name": "f"}}}"#,
            r#"{"column_masks": {"column_name": "a"}}"#,
            r#"{"column_masks": [{"function_name": {"catalog_name": "m", "schema_name": "s", "function_name": "f"}}]}"#,
            r#"{"column_masks": [{"column_name": "a", "using_column_names": [1],
                "function_name": {"catalog_name": "m", "schema_name": "s", "function_name": "f"}}]}"#,
        ] {
            let e = from_json(T, doc).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("describe table main.sales.orders as json: "),
                "{e}"
            );
        }
    }

    #[test]
    fn text_filter_and_masks_on_several_columns() {
        let rows = layout(&[
            row("", "", Some("")),
            row(
                "Row Filter",
                "`main`.`sec`.`region_filter` ON (`region`, 'US', `dept`)",
                Some(""),
            ),
            row("", "", Some("")),
            row("# Column Masks", "", Some("")),
            row("email", "`main`.`sec`.`mask_email`", Some("")),
            row(
                "ssn",
                "`main`.`sec`.`mask_ssn` USING COLUMNS (`region`, 'US', 42)",
                Some(""),
            ),
            row("", "", Some("")),
            row("Created By", "Spark", Some("")),
        ]);
        let c = from_text(T, &rows, 0, 1).unwrap();
        assert_eq!(
            c.row_filter,
            filter("main.sec.region_filter", &["region", "'US'", "dept"])
        );
        assert_eq!(
            c.masks,
            vec![
                mask("email", "main.sec.mask_email", &[]),
                mask("ssn", "main.sec.mask_ssn", &["region", "'US'", "42"])
            ]
        );
    }

    #[test]
    fn text_backticked_names_with_escaped_backticks() {
        let rows = layout(&[
            row(
                "Row Filter",
                "`we``ird-cat`.`sé c`.`f``x` ON (`a.b``c'd`, `first name`)",
                Some(""),
            ),
            row("# Column Masks", "", Some("")),
            row(
                "a.b`c'd",
                "`we``ird-cat`.`s`.`m` USING COLUMNS (`first name`, 'it\\'s ,)')",
                Some(""),
            ),
        ]);
        let c = from_text(T, &rows, 0, 1).unwrap();
        assert_eq!(
            c.row_filter,
            filter("we`ird-cat.sé c.f`x", &["a.b`c'd", "first name"])
        );
        assert_eq!(
            c.masks,
            vec![mask(
                "a.b`c'd",
                "we`ird-cat.s.m",
                &["first name", "'it\\'s ,)'"]
            )]
        );
    }

    #[test]
    fn text_no_filter_no_masks_and_zero_argument_filter() {
        let c = from_text(T, &layout(&[]), 0, 1).unwrap();
        assert_eq!(c, Controls::default());
        let c = from_text(
            T,
            &layout(&[row("Row Filter", "`m`.`s`.`always` ON ()", Some(""))]),
            0,
            1,
        )
        .unwrap();
        assert_eq!(c.row_filter, filter("m.s.always", &[]));
    }

    #[test]
    fn text_mask_section_ends_at_admin_row_or_header() {
        // Materialized view: an administrative row follows the masks with no separator.
        let rows = layout(&[
            row("# Column Masks", "", Some("")),
            row("email", "`m`.`s`.`mask_email`", Some("")),
            row("Total Size (bytes)", "1024", Some("")),
            row("# Partition Information", "", Some("")),
        ]);
        let c = from_text(T, &rows, 0, 1).unwrap();
        assert_eq!(c.masks, vec![mask("email", "m.s.mask_email", &[])]);
        let rows = layout(&[
            row("# Column Masks", "", Some("")),
            row("email", "`m`.`s`.`mask_email`", Some("")),
            row("# Constraints", "", Some("")),
            row("pk", "`x`.`y`.`z`", Some("")),
        ]);
        let c = from_text(T, &rows, 0, 1).unwrap();
        assert_eq!(c.masks.len(), 1);
    }

    #[test]
    fn text_column_named_like_a_section_is_not_a_filter() {
        // The third column of `layout` is literally named "Row Filter".
        let c = from_text(T, &layout(&[]), 0, 1).unwrap();
        assert_eq!(c.row_filter, None);
    }

    #[test]
    fn text_that_cannot_be_read_is_an_error() {
        for value in [
            "`m`.`s` ON (`a`)",
            "`m`.`s`.`f` (`a`)",
            "`m`.`s`.`f` ON (`a` `b`)",
            "`m`.`s`.`f` ON (`a`",
            "`m`.`s.`f",
        ] {
            let rows = layout(&[row("Row Filter", value, Some(""))]);
            assert!(from_text(T, &rows, 0, 1).is_err(), "{value}");
        }
        let rows = layout(&[
            row("# Column Masks", "", Some("")),
            row("email", "`m`.`s`.`f` USING (`a`)", Some("")),
        ]);
        assert!(from_text(T, &rows, 0, 1).is_err());
        // Not the extended layout at all.
        let rows = vec![row("id", "bigint", None)];
        assert!(from_text(T, &rows, 0, 1).is_err());
    }
}
