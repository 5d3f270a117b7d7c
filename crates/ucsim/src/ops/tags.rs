//! Tag assignments: resolving a tag entity (`entity_type` plural + full name, columns as
//! `catalog.schema.table.column`), setting one tag with Unity Catalog's size and count limits,
//! and the wire form of an assignment. Rules about which entities accept tags and how keys and
//! values are checked belong here; nothing here speaks HTTP or SQL.

use serde_json::{Map, Value, json};

use super::{Actor, column_name, key_of, not_found, rfc3339};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::store::{Store, TagRow};

/// Resolves a tag entity (`entity_type` plural, full name) to `(key, display)`.
pub fn tag_entity(store: &Store, etype: &str, name: &str) -> Result<(String, String), ApiError> {
    let kind = match etype {
        "catalogs" => Kind::Catalog,
        "schemas" => Kind::Schema,
        "tables" => Kind::Table,
        "volumes" => Kind::Volume,
        "functions" => Kind::Function,
        "columns" => {
            let mut it = name.splitn(4, '.');
            let (Some(c), Some(s), Some(t), Some(col)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                return Err(ApiError::invalid(format!(
                    "Invalid column entity name '{name}': expected catalog.schema.table.column."
                )));
            };
            let tkey = format!("{}.{}.{}", c, s, t).to_lowercase();
            let table = store
                .get(Kind::Table, &tkey)?
                .ok_or_else(|| not_found(Kind::Table, &tkey))?;
            let found = column_name(&table, col).ok_or_else(|| {
                ApiError::not_found(
                    "RESOURCE_DOES_NOT_EXIST",
                    format!("Column '{col}' does not exist in table '{tkey}'."),
                )
            })?;
            let display = format!("{tkey}.{found}");
            return Ok((display.to_lowercase(), display));
        }
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid entity_type '{other}': expected one of catalogs, schemas, tables, \
                 columns, volumes, functions."
            )));
        }
    };
    let key = key_of(kind, name).map_err(|_| not_found(kind, name))?;
    if !store.exists(kind, &key)? {
        return Err(not_found(kind, name));
    }
    Ok((key.clone(), key))
}

/// Sets one tag (validating key/value sizes and the 50-tags cap).
pub fn set_tag(
    store: &Store,
    etype: &str,
    name: &str,
    tag_key: &str,
    tag_value: Option<&str>,
    actor: &Actor,
) -> Result<TagRow, ApiError> {
    let (key, display) = tag_entity(store, etype, name)?;
    if tag_key.is_empty() || tag_key.chars().count() > 255 {
        return Err(ApiError::invalid(
            "Tag key must be between 1 and 255 characters.",
        ));
    }
    if tag_value.is_some_and(|v| v.chars().count() > 1000) {
        return Err(ApiError::invalid(
            "Tag value must be at most 1000 characters.",
        ));
    }
    let existing = store.tags(etype, &key)?;
    if existing.len() >= 50 && !existing.iter().any(|t| t.tag_key == tag_key) {
        return Err(ApiError::invalid(format!(
            "Too many tags on '{display}': at most 50 are allowed."
        )));
    }
    let row = TagRow {
        etype: etype.to_string(),
        key,
        display,
        tag_key: tag_key.to_string(),
        tag_value: tag_value.map(str::to_string),
        update_time: rfc3339(actor.now_ms),
        updated_by: actor.principal.clone(),
    };
    store.set_tag(&row)?;
    Ok(row)
}

/// Wire form of a tag assignment.
pub fn tag_json(t: &TagRow) -> Value {
    let mut m = Map::new();
    m.insert("entity_type".into(), json!(t.etype));
    m.insert("entity_name".into(), json!(t.display));
    m.insert("tag_key".into(), json!(t.tag_key));
    if let Some(v) = &t.tag_value {
        m.insert("tag_value".into(), json!(v));
    }
    m.insert("inherited".into(), json!(false));
    m.insert("update_time".into(), json!(t.update_time));
    m.insert("updated_by".into(), json!(t.updated_by));
    Value::Object(m)
}
