//! Tag assignments: resolving a tag entity (`entity_type` plural + full name, columns as
//! `catalog.schema.table.column`), which entity types the entity-tag-assignments API accepts,
//! setting one tag with Unity Catalog's size and count limits, the tags a child inherits from
//! its catalog and schema, and the wire form of an assignment. Rules about which entities
//! accept tags and how keys and values are checked belong here; nothing here speaks HTTP or SQL.

use serde_json::{Map, Value, json};

use super::{Actor, column_name, key_of, not_found, rfc3339};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::store::{Store, TagRow};

/// Resolves an entity of the entity-tag-assignments API (`entity_type` plural, full name) to
/// `(key, display)`.
///
/// The API tags catalogs, schemas, tables (views included), columns and volumes only: py-sdk
/// `service/catalog.py` `EntityTagAssignmentsAPI` ("Entity tagging is supported on catalogs,
/// schemas, tables (including views), columns, and volumes"), the same list on
/// https://docs.databricks.com/api/workspace/entitytagassignments. Any other `entity_type`
/// (`functions` included) is a 400 `INVALID_PARAMETER_VALUE`.
pub fn tag_entity(store: &Store, etype: &str, name: &str) -> Result<(String, String), ApiError> {
    if etype == "functions" {
        return Err(invalid_entity_type(etype));
    }
    resolve_entity(store, etype, name)
}

fn invalid_entity_type(etype: &str) -> ApiError {
    ApiError::invalid(format!(
        "Invalid entity_type '{etype}': expected one of catalogs, schemas, tables, columns, \
         volumes."
    ))
}

/// Resolves a tag entity of SQL `SET TAG ON` / `UNSET TAG ON`, which also tag functions
/// (SQL reference `sql-ref-syntax-ddl-set-tag` / `-unset-tag`: `{ FUNCTION | PROCEDURE }`,
/// "Function and procedure tagging requires Databricks Runtime 18.1 or above").
pub fn sql_tag_entity(
    store: &Store,
    etype: &str,
    name: &str,
) -> Result<(String, String), ApiError> {
    resolve_entity(store, etype, name)
}

fn resolve_entity(store: &Store, etype: &str, name: &str) -> Result<(String, String), ApiError> {
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
        other => return Err(invalid_entity_type(other)),
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
    let (key, display) = resolve_entity(store, etype, name)?;
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

/// The tags an entity inherits from the catalog and schema above it, nearest ancestor first,
/// each key once and none the entity carries itself; every row keeps the ancestor's
/// `etype`/`display`, so callers can tell where it came from.
///
/// Source: py-sdk `service/catalog.py` `EntityTagAssignmentsAPI.list` / `.get`
/// (`include_inherited`) and `EntityTagAssignment.inherited` ("Boolean which indicates whether
/// this tag is inherited"); the API docs name no other inheritance, so ucsim inherits catalog
/// and schema tags by schemas, tables, volumes and columns (not table tags by columns).
pub fn inherited_tags(store: &Store, etype: &str, key: &str) -> Result<Vec<TagRow>, ApiError> {
    let parts: Vec<&str> = key.split('.').collect();
    let ancestors: Vec<(&str, String)> = match etype {
        "schemas" if parts.len() >= 2 => vec![("catalogs", parts[0].to_string())],
        "tables" | "volumes" | "functions" | "columns" if parts.len() >= 3 => vec![
            ("schemas", format!("{}.{}", parts[0], parts[1])),
            ("catalogs", parts[0].to_string()),
        ],
        _ => Vec::new(),
    };
    let own: Vec<String> = store
        .tags(etype, key)?
        .into_iter()
        .map(|t| t.tag_key)
        .collect();
    let mut seen = own;
    let mut out = Vec::new();
    for (et, k) in ancestors {
        for t in store.tags(et, &k)? {
            if !seen.contains(&t.tag_key) {
                seen.push(t.tag_key.clone());
                out.push(t);
            }
        }
    }
    out.sort_by(|a, b| a.tag_key.cmp(&b.tag_key));
    Ok(out)
}

/// Wire form of a tag assignment made on the entity itself.
pub fn tag_json(t: &TagRow) -> Value {
    assignment_json(t, &t.etype, &t.display, false)
}

/// Wire form of a tag `t` as seen on entity (`etype`, `display`), `inherited` when it was
/// made on an ancestor.
///
/// `tag_value` is always present: a key-only tag reads back as `""` (the information_schema tag
/// views document `TAG_VALUE` as non-nullable, and the REST read mirrors them).
pub fn assignment_json(t: &TagRow, etype: &str, display: &str, inherited: bool) -> Value {
    let mut m = Map::new();
    m.insert("entity_type".into(), json!(etype));
    m.insert("entity_name".into(), json!(display));
    m.insert("tag_key".into(), json!(t.tag_key));
    m.insert(
        "tag_value".into(),
        json!(t.tag_value.clone().unwrap_or_default()),
    );
    m.insert("inherited".into(), json!(inherited));
    m.insert("update_time".into(), json!(t.update_time));
    m.insert("updated_by".into(), json!(t.updated_by));
    Value::Object(m)
}
