//! Columns of tables and of function parameters: normalising a column body (its computed
//! `type_name`, `type_json`, `position`, `nullable`), finding a column by name the way Unity
//! Catalog does (case-insensitively, keeping the stored spelling), and editing one column of a
//! stored table. Type rules live here; nothing here decides privileges or tags.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{Actor, not_found, req_str};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::store::Store;

fn type_name_of(type_text: &str) -> &'static str {
    let t = type_text.trim().to_ascii_lowercase();
    let base: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match base.as_str() {
        "bigint" | "long" => "LONG",
        "int" | "integer" => "INT",
        "smallint" | "short" => "SHORT",
        "tinyint" | "byte" => "BYTE",
        "string" | "varchar" => "STRING",
        "char" => "CHAR",
        "boolean" | "bool" => "BOOLEAN",
        "double" => "DOUBLE",
        "float" | "real" => "FLOAT",
        "date" => "DATE",
        "timestamp" => "TIMESTAMP",
        "timestamp_ntz" => "TIMESTAMP_NTZ",
        "binary" => "BINARY",
        "decimal" | "dec" | "numeric" => "DECIMAL",
        "array" => "ARRAY",
        "map" => "MAP",
        "struct" => "STRUCT",
        "interval" => "INTERVAL",
        "variant" => "VARIANT",
        "void" => "NULL",
        _ => "USER_DEFINED_TYPE",
    }
}

fn spark_type(type_text: &str) -> String {
    let t = type_text.trim().to_ascii_lowercase();
    match t.as_str() {
        "bigint" => "long".into(),
        "int" => "integer".into(),
        "smallint" => "short".into(),
        "tinyint" => "byte".into(),
        other => other.to_string(),
    }
}

/// Fills a column's computed fields (`position`, `type_name`, `type_json`, `nullable`).
pub fn normalize_column(col: Value, position: usize) -> Result<Value, ApiError> {
    let Value::Object(mut c) = col else {
        return Err(ApiError::invalid("Each column must be an object."));
    };
    let name = req_str(&c, "name")?;
    let type_text = match c.get("type_text").and_then(Value::as_str) {
        Some(t) => t.to_string(),
        None => c
            .get("type_name")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
            .unwrap_or_else(|| "string".into()),
    };
    let nullable = c.get("nullable").and_then(Value::as_bool).unwrap_or(true);
    c.insert("type_text".into(), json!(type_text));
    if !c.contains_key("type_name") {
        c.insert("type_name".into(), json!(type_name_of(&type_text)));
    }
    if !c.contains_key("type_json") {
        let tj = format!(
            "{{\"metadata\":{{}},\"name\":{},\"nullable\":{nullable},\"type\":{}}}",
            Value::String(name.clone()),
            Value::String(spark_type(&type_text))
        );
        c.insert("type_json".into(), Value::String(tj));
    }
    c.insert("position".into(), json!(position));
    c.insert("nullable".into(), json!(nullable));
    if let Some(Value::Object(m)) = c.get_mut("mask") {
        policy_arguments(m, "using_column_names", "using_arguments");
    }
    Ok(Value::Object(c))
}

/// Completes the arguments of a row filter (`input_column_names` / `input_arguments`) or a
/// column mask (`using_column_names` / `using_arguments`) given with one field only (seeds,
/// older dumps), so both read back as Databricks returns them: the argument list (each
/// `{"column": c}` or `{"constant": literal}`) "is the replacement of the deprecated" column
/// list, which keeps the column arguments only (databricks-sdk-py `service/catalog.py`
/// `TableRowFilter`, `ColumnMask`, `PolicyFunctionArgument`).
pub fn policy_arguments(m: &mut Map<String, Value>, old: &str, new: &str) {
    match (m.get(old).cloned(), m.get(new).cloned()) {
        (_, Some(Value::Array(args))) => {
            let cols: Vec<Value> = args
                .iter()
                .filter_map(|a| a.get("column").cloned())
                .collect();
            m.insert(old.into(), Value::Array(cols));
        }
        (Some(Value::Array(cols)), _) => {
            let args: Vec<Value> = cols.iter().map(|c| json!({"column": c})).collect();
            m.insert(new.into(), Value::Array(args));
        }
        _ => {
            m.insert(old.into(), json!([]));
            m.insert(new.into(), json!([]));
        }
    }
}

/// Normalises the columns of a new table in order, refusing a duplicate name (case-insensitive).
pub fn normalize_columns(cols: Vec<Value>, table_key: &str) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::with_capacity(cols.len());
    let mut seen = BTreeSet::new();
    for (i, c) in cols.into_iter().enumerate() {
        let nc = normalize_column(c, i)?;
        let cname = nc
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        if !seen.insert(cname.clone()) {
            return Err(ApiError::invalid(format!(
                "Duplicate column name '{cname}' in table '{table_key}'."
            )));
        }
        out.push(nc);
    }
    Ok(out)
}

/// The stored spelling of a column of a table body (case-insensitive lookup).
pub fn column_name(table: &Value, col: &str) -> Option<String> {
    let lc = col.to_lowercase();
    table
        .get("columns")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .find(|n| n.to_lowercase() == lc)
        .map(str::to_string)
}

/// Reads a table body by key or fails with the SQL-style not-found error.
pub fn table_body(store: &Store, key: &str) -> Result<Value, ApiError> {
    store
        .get(Kind::Table, key)?
        .ok_or_else(|| not_found(Kind::Table, key))
}

/// Mutates one column of a table (found case-insensitively).
pub fn with_column(
    store: &Store,
    table_key: &str,
    col: &str,
    actor: &Actor,
    f: impl FnOnce(&mut Map<String, Value>),
) -> Result<(), ApiError> {
    let mut body = table_body(store, table_key)?;
    let lc = col.to_lowercase();
    let mut done = false;
    if let Some(Value::Array(cols)) = body.get_mut("columns") {
        for c in cols.iter_mut() {
            let matches = c
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.to_lowercase() == lc);
            if matches {
                if let Some(obj) = c.as_object_mut() {
                    f(obj);
                    done = true;
                }
                break;
            }
        }
    }
    if !done {
        return Err(ApiError::invalid(format!(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name `{col}` cannot be resolved \
             in table '{table_key}'. SQLSTATE: 42703"
        )));
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("updated_at".into(), json!(actor.now_ms));
        obj.insert("updated_by".into(), json!(actor.principal));
    }
    store.put(Kind::Table, table_key, &body)
}
