//! `DESCRIBE TABLE [EXTENDED] t [AS JSON]` output: the text layout (columns, blank row,
//! `# Detailed Table Information` key/value rows, `Row Filter`, `# Column Masks`, then the
//! administrative rows of materialized views with no separator) and the JSON
//! document of `AS JSON` (reference §10.2). Pure functions of a stored table body.

use serde_json::{Map, Value, json};

use super::{SqlResult, quote};
use crate::ops;

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn row(a: &str, b: &str, c: Option<&str>) -> Vec<Option<String>> {
    vec![
        Some(a.to_string()),
        Some(b.to_string()),
        c.map(str::to_string),
    ]
}

fn fq(name: &str) -> String {
    name.split('.').map(quote).collect::<Vec<_>>().join(".")
}

fn args_text(cols: Option<&Value>, args: Option<&Value>) -> String {
    // Each argument as SQL: a column backtick-quoted, a constant as its literal (which the
    // API's `constant` holds as written, see `sql::parse::Parser::args`); reference §10.2:
    // `` `main`.`sec`.`f` ON (`region`) ``.
    if let Some(Value::Array(a)) = args {
        return a
            .iter()
            .map(|x| match (x.get("column"), x.get("constant")) {
                (Some(Value::String(c)), _) => quote(c),
                (_, Some(Value::String(k))) => k.clone(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    cols.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(quote)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn columns(t: &Value) -> Vec<Value> {
    t.get("columns")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The text layout (three STRING columns `col_name`, `data_type`, `comment`).
pub fn text(t: &Value, extended: bool) -> SqlResult {
    let mut rows = Vec::new();
    let cols = columns(t);
    for c in &cols {
        rows.push(vec![s(c, "name"), s(c, "type_text"), s(c, "comment")]);
    }
    if extended {
        rows.push(row("", "", Some("")));
        rows.push(row("# Detailed Table Information", "", Some("")));
        let mut kv = vec![
            ("Catalog", s(t, "catalog_name")),
            ("Database", s(t, "schema_name")),
            ("Table", s(t, "name")),
            (
                "Created Time",
                t.get("created_at")
                    .and_then(Value::as_i64)
                    .map(ops::rfc3339),
            ),
            ("Last Access", Some("UNKNOWN".into())),
            ("Created By", Some("Spark".into())),
            ("Type", s(t, "table_type")),
            ("Comment", s(t, "comment")),
            ("Location", s(t, "storage_location")),
            (
                "Provider",
                s(t, "data_source_format").map(|f| f.to_lowercase()),
            ),
            ("Owner", s(t, "owner")),
        ];
        if let Some(Value::Object(p)) = t.get("properties") {
            let items: Vec<String> = p
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            kv.push(("Table Properties", Some(format!("[{}]", items.join(", ")))));
        }
        for (k, v) in kv {
            if let Some(v) = v {
                rows.push(row(k, &v, Some("")));
            }
        }
        if let Some(rf) = t.get("row_filter") {
            let f = s(rf, "function_name").unwrap_or_default();
            rows.push(row("", "", Some("")));
            rows.push(row(
                "Row Filter",
                &format!(
                    "{} ON ({})",
                    fq(&f),
                    args_text(rf.get("input_column_names"), rf.get("input_arguments"))
                ),
                Some(""),
            ));
        }
        let masked: Vec<&Value> = cols.iter().filter(|c| c.get("mask").is_some()).collect();
        if !masked.is_empty() {
            rows.push(row("", "", Some("")));
            rows.push(row("# Column Masks", "", Some("")));
            for c in masked {
                let Some(m) = c.get("mask") else { continue };
                let f = s(m, "function_name").unwrap_or_default();
                let using = args_text(m.get("using_column_names"), m.get("using_arguments"));
                let val = if using.is_empty() {
                    fq(&f)
                } else {
                    format!("{} USING COLUMNS ({using})", fq(&f))
                };
                rows.push(row(&s(c, "name").unwrap_or_default(), &val, Some("")));
            }
        }
        // Materialized views end with administrative rows that follow the masks directly,
        // with no separator (reference §10.2).
        if s(t, "table_type").is_some_and(|ty| ty.eq_ignore_ascii_case("MATERIALIZED_VIEW")) {
            rows.push(row("Total Size (bytes)", "0", Some("")));
            rows.push(row("Last Refreshed", "UNKNOWN", Some("")));
        }
    }
    SqlResult {
        columns: vec![
            ("col_name".into(), "STRING"),
            ("data_type".into(), "STRING"),
            ("comment".into(), "STRING"),
        ],
        rows,
    }
}

/// Parses a catalog type string into the `AS JSON` type object.
pub fn type_json(tt: &str) -> Value {
    let t = tt.trim();
    let lower = t.to_ascii_lowercase();
    let split_top = |inner: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut depth = 0i32;
        let mut cur = String::new();
        for ch in inner.chars() {
            match ch {
                '<' | '(' => depth += 1,
                '>' | ')' => depth -= 1,
                _ => {}
            }
            if ch == ',' && depth == 0 {
                out.push(cur.trim().to_string());
                cur.clear();
            } else {
                cur.push(ch);
            }
        }
        if !cur.trim().is_empty() {
            out.push(cur.trim().to_string());
        }
        out
    };
    if let Some(inner) = lower
        .strip_prefix("array<")
        .and_then(|r| r.strip_suffix('>'))
    {
        let start = t.len() - inner.len() - 1;
        return json!({"name": "array", "element_type": type_json(&t[start..t.len() - 1])});
    }
    if lower.starts_with("map<") && lower.ends_with('>') {
        let parts = split_top(&t[4..t.len() - 1]);
        return json!({"name": "map",
            "key_type": type_json(parts.first().map(String::as_str).unwrap_or("string")),
            "value_type": type_json(parts.get(1).map(String::as_str).unwrap_or("string"))});
    }
    if lower.starts_with("struct<") && lower.ends_with('>') {
        let fields: Vec<Value> = split_top(&t[7..t.len() - 1])
            .iter()
            .map(|f| {
                let (n, ty) = f.split_once(':').unwrap_or((f.as_str(), "string"));
                json!({"name": n.trim(), "type": type_json(ty), "nullable": true})
            })
            .collect();
        return json!({"name": "struct", "fields": fields});
    }
    if let Some((base, rest)) = lower.split_once('(') {
        let nums: Vec<i64> = rest
            .trim_end_matches(')')
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        return match base.trim() {
            "decimal" | "dec" | "numeric" => json!({"name": "decimal",
                "precision": nums.first().copied().unwrap_or(10),
                "scale": nums.get(1).copied().unwrap_or(0)}),
            b => json!({"name": b, "length": nums.first().copied().unwrap_or(0)}),
        };
    }
    let name = match lower.as_str() {
        "bigint" => "long",
        "integer" => "int",
        other => other,
    };
    json!({"name": name})
}

fn fn_obj(full: &str) -> Value {
    let mut p = full.split('.');
    json!({"catalog_name": p.next(), "schema_name": p.next(), "function_name": p.next()})
}

/// `AS JSON`: one row, one STRING column `json_metadata`.
pub fn as_json(t: &Value) -> SqlResult {
    let mut m = Map::new();
    m.insert("table_name".into(), json!(s(t, "name")));
    m.insert("catalog_name".into(), json!(s(t, "catalog_name")));
    m.insert("schema_name".into(), json!(s(t, "schema_name")));
    m.insert("namespace".into(), json!([s(t, "schema_name")]));
    m.insert("type".into(), json!(s(t, "table_type")));
    if let Some(p) = s(t, "data_source_format") {
        m.insert("provider".into(), json!(p.to_lowercase()));
    }
    for (k, f) in [
        ("owner", "owner"),
        ("comment", "comment"),
        ("location", "storage_location"),
    ] {
        if let Some(v) = s(t, f) {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(ms) = t.get("created_at").and_then(Value::as_i64) {
        m.insert("created_time".into(), json!(ops::rfc3339(ms)));
    }
    if let Some(p) = t.get("properties") {
        m.insert("table_properties".into(), p.clone());
    }
    let cols = columns(t);
    let cj: Vec<Value> = cols
        .iter()
        .map(|c| {
            let mut o = Map::new();
            o.insert("name".into(), json!(s(c, "name")));
            o.insert(
                "type".into(),
                type_json(&s(c, "type_text").unwrap_or_default()),
            );
            if let Some(cm) = s(c, "comment") {
                o.insert("comment".into(), json!(cm));
            }
            o.insert(
                "nullable".into(),
                json!(c.get("nullable").and_then(Value::as_bool).unwrap_or(true)),
            );
            Value::Object(o)
        })
        .collect();
    m.insert("columns".into(), Value::Array(cj));
    if let Some(rf) = t.get("row_filter") {
        m.insert(
            "row_filter".into(),
            // `column_names` (reference §10.2, dbt's parser) holds the column arguments;
            // `input_arguments` (columns and constants, the REST shape) is ucsim's stand-in
            // for how AS JSON shows a constant, which no public source shows.
            json!({"function_name": fn_obj(&s(rf, "function_name").unwrap_or_default()),
                "column_names": rf.get("input_column_names").cloned().unwrap_or(json!([])),
                "input_arguments": rf.get("input_arguments").cloned().unwrap_or(json!([]))}),
        );
    }
    let masks: Vec<Value> = cols
        .iter()
        .filter_map(|c| {
            let mk = c.get("mask")?;
            Some(json!({"column_name": s(c, "name"),
                "function_name": fn_obj(&s(mk, "function_name").unwrap_or_default()),
                "using_column_names": mk.get("using_column_names").cloned().unwrap_or(json!([])),
                "using_arguments": mk.get("using_arguments").cloned().unwrap_or(json!([]))}))
        })
        .collect();
    if !masks.is_empty() {
        m.insert("column_masks".into(), Value::Array(masks));
    }
    SqlResult {
        columns: vec![("json_metadata".into(), "STRING")],
        rows: vec![vec![Some(Value::Object(m).to_string())]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(r: &SqlResult) -> Vec<(String, String)> {
        r.rows
            .iter()
            .map(|r| {
                (
                    r[0].clone().unwrap_or_default(),
                    r[1].clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn materialized_view_admin_rows_follow_the_masks_directly() {
        let t = json!({"name": "mv", "catalog_name": "c", "schema_name": "s",
            "table_type": "MATERIALIZED_VIEW",
            "columns": [{"name": "e", "type_text": "string",
                "mask": {"function_name": "c.s.m", "using_column_names": ["x"]}},
                {"name": "x", "type_text": "string"}]});
        let rows = cells(&text(&t, true));
        let i = rows.iter().position(|r| r.0 == "# Column Masks");
        let tail: Vec<(String, String)> = i.map(|i| rows[i + 1..].to_vec()).unwrap_or_default();
        assert_eq!(
            tail,
            vec![
                ("e".into(), "`c`.`s`.`m` USING COLUMNS (`x`)".into()),
                ("Total Size (bytes)".into(), "0".into()),
                ("Last Refreshed".into(), "UNKNOWN".into()),
            ]
        );
        let mut managed = t.clone();
        managed["table_type"] = json!("MANAGED");
        let rows = cells(&text(&managed, true));
        assert_eq!(rows.last().map(|r| r.0.as_str()), Some("e"));
    }
}
