//! Securables: creating one from a create-request body (validating names, parents and the
//! fields each kind requires, filling the fields the server computes), updating from a PATCH
//! body (only the fields each kind lets a PATCH change), renaming with everything under it,
//! deleting (catalogs and schemas only when empty or forced), and setting one top-level field.
//! Write-only secrets are dropped here and never stored. Nothing here speaks HTTP or SQL.

use serde_json::{Map, Value, json};

use super::columns::normalize_columns;
use super::{Actor, key_of, metastore_id, not_found, req_str, uuid_for};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::names;
use crate::store::Store;

/// Connection option keys that are write-only secrets: accepted, never stored or returned.
pub const SECRET_OPTION_KEYS: &[&str] = &[
    "user",
    "password",
    "personalAccessToken",
    "access_token",
    "client_secret",
    "pem_private_key",
    "OAuthPvtKey",
    "GoogleServiceAccountKeyJson",
    "bearer_token",
];

/// Fields the server computes; dropped from dumps and ignored in seeds.
pub const COMPUTED_FIELDS: &[&str] = &[
    "full_name",
    "metastore_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "catalog_id",
    "schema_id",
    "table_id",
    "volume_id",
    "function_id",
    "connection_id",
    "credential_id",
    "id",
    "securable_type",
    "browse_only",
];

fn check_parent(store: &Store, kind: Kind, parts: &[String]) -> Result<(), ApiError> {
    if kind.depth() >= 2 && !store.exists(Kind::Catalog, &parts[0])? {
        return Err(not_found(Kind::Catalog, &parts[0]));
    }
    if kind.depth() == 3 {
        let sk = format!("{}.{}", parts[0], parts[1]);
        if !store.exists(Kind::Schema, &sk)? {
            return Err(not_found(Kind::Schema, &sk));
        }
    }
    Ok(())
}

/// Creates a securable from a create-request body; returns the stored wire body.
/// With `upsert` an existing object is replaced (seed loading).
///
/// Steps: drop computed fields, validate the name and its parents, refuse a duplicate, stamp
/// the fields every securable carries, fill the fields of its kind, store it, and give a new
/// catalog its `information_schema`.
pub fn create(
    store: &Store,
    kind: Kind,
    body: Map<String, Value>,
    actor: &Actor,
    upsert: bool,
) -> Result<Value, ApiError> {
    let mut b = body;
    for f in COMPUTED_FIELDS {
        b.remove(*f);
    }
    let (name, parts) = validated_name(kind, &b)?;
    let key = parts.join(".");
    check_parent(store, kind, &parts)?;
    if !upsert && store.exists(kind, &key)? {
        return Err(already_exists(kind, &key));
    }
    stamp_common(store, kind, &mut b, &name, &parts, actor)?;
    match kind {
        Kind::Catalog => fill_catalog(&mut b, &key),
        Kind::Schema => fill_schema(&mut b, &key),
        Kind::Table => fill_table(&mut b, &key)?,
        Kind::Volume => fill_volume(&mut b, &key)?,
        Kind::Function => fill_function(&mut b, &key, &name),
        Kind::StorageCredential => fill_storage_credential(&mut b, &key)?,
        Kind::ExternalLocation => fill_external_location(store, &mut b)?,
        Kind::Connection => fill_connection(&mut b, &key)?,
    }
    if kind == Kind::StorageCredential || kind == Kind::ExternalLocation {
        b.remove("skip_validation");
    }
    let v = Value::Object(b);
    store.put(kind, &key, &v)?;
    if kind == Kind::Catalog {
        ensure_information_schema(store, &key, actor)?;
    }
    Ok(v)
}

/// The validated, lower-case name and key parts (`[catalog, [schema,]] name`) of a create body.
fn validated_name(kind: Kind, b: &Map<String, Value>) -> Result<(String, Vec<String>), ApiError> {
    let name = req_str(b, "name")?;
    names::validate(kind, &name)?;
    let name = names::lower(&name);
    let mut parts = Vec::new();
    if kind.depth() >= 2 {
        let cat = req_str(b, "catalog_name")?;
        names::validate(Kind::Catalog, &cat)?;
        parts.push(names::lower(&cat));
    }
    if kind.depth() == 3 {
        let sch = req_str(b, "schema_name")?;
        names::validate(Kind::Schema, &sch)?;
        parts.push(names::lower(&sch));
    }
    parts.push(name.clone());
    Ok((name, parts))
}

/// The "already exists" error of a create (tables say "Table or view").
fn already_exists(kind: Kind, key: &str) -> ApiError {
    let what = if kind == Kind::Table {
        "Table or view"
    } else {
        kind.title()
    };
    ApiError::new(
        400,
        kind.exists_code(),
        format!("{what} '{key}' already exists."),
    )
}

/// Fields every securable carries: names, full name, default owner, metastore and audit stamps.
fn stamp_common(
    store: &Store,
    kind: Kind,
    b: &mut Map<String, Value>,
    name: &str,
    parts: &[String],
    actor: &Actor,
) -> Result<(), ApiError> {
    b.insert("name".into(), json!(name));
    if kind.depth() >= 2 {
        b.insert("catalog_name".into(), json!(parts[0]));
    }
    if kind.depth() == 3 {
        b.insert("schema_name".into(), json!(parts[1]));
    }
    b.insert("full_name".into(), json!(parts.join(".")));
    if !b.contains_key("owner") {
        b.insert("owner".into(), json!(actor.principal));
    }
    b.insert("metastore_id".into(), json!(metastore_id(store)?));
    b.insert("created_at".into(), json!(actor.now_ms));
    b.insert("created_by".into(), json!(actor.principal));
    b.insert("updated_at".into(), json!(actor.now_ms));
    b.insert("updated_by".into(), json!(actor.principal));
    Ok(())
}

fn fill_catalog(b: &mut Map<String, Value>, key: &str) {
    let ctype = if b.contains_key("connection_name") {
        "FOREIGN_CATALOG"
    } else if b.contains_key("share_name") {
        "DELTASHARING_CATALOG"
    } else {
        "MANAGED_CATALOG"
    };
    b.entry("catalog_type").or_insert(json!(ctype));
    b.entry("isolation_mode").or_insert(json!("OPEN"));
    b.insert("securable_type".into(), json!("CATALOG"));
    b.entry("catalog_id")
        .or_insert(json!(uuid_for("catalog", key)));
    b.insert("id".into(), json!(uuid_for("catalog", key)));
    b.remove("catalog_id");
}

fn fill_schema(b: &mut Map<String, Value>, key: &str) {
    b.insert("schema_id".into(), json!(uuid_for("schema", key)));
    b.entry("catalog_type").or_insert(json!("MANAGED_CATALOG"));
}

fn fill_table(b: &mut Map<String, Value>, key: &str) -> Result<(), ApiError> {
    let ttype = b
        .get("table_type")
        .and_then(Value::as_str)
        .unwrap_or("MANAGED")
        .to_uppercase();
    b.insert("table_type".into(), json!(ttype));
    if ttype != "VIEW" && ttype != "METRIC_VIEW" {
        b.entry("data_source_format").or_insert(json!("DELTA"));
        b.entry("storage_location").or_insert(json!(format!(
            "s3://ucsim-metastore/tables/{}",
            uuid_for("table", key)
        )));
    }
    b.insert("table_id".into(), json!(uuid_for("table", key)));
    let cols = match b.remove("columns") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let out = normalize_columns(cols, key)?;
    if let Some(Value::Object(rf)) = b.get_mut("row_filter") {
        super::columns::policy_arguments(rf, "input_column_names", "input_arguments");
    }
    if out.is_empty() {
        b.remove("columns");
    } else {
        b.insert("columns".into(), Value::Array(out));
    }
    Ok(())
}

fn fill_volume(b: &mut Map<String, Value>, key: &str) -> Result<(), ApiError> {
    let vtype = req_str(b, "volume_type")?.to_uppercase();
    if vtype != "MANAGED" && vtype != "EXTERNAL" {
        return Err(ApiError::invalid(format!(
            "Invalid volume_type '{vtype}': expected MANAGED or EXTERNAL."
        )));
    }
    if vtype == "EXTERNAL" && !b.contains_key("storage_location") {
        return Err(ApiError::invalid(
            "Missing required field: storage_location (EXTERNAL volume)",
        ));
    }
    b.insert("volume_type".into(), json!(vtype));
    b.entry("storage_location").or_insert(json!(format!(
        "s3://ucsim-metastore/volumes/{}",
        uuid_for("volume", key)
    )));
    b.insert("volume_id".into(), json!(uuid_for("volume", key)));
    Ok(())
}

fn fill_function(b: &mut Map<String, Value>, key: &str, name: &str) {
    b.insert("function_id".into(), json!(uuid_for("function", key)));
    b.entry("data_type").or_insert(json!("STRING"));
    b.entry("full_data_type").or_insert(json!("STRING"));
    b.entry("routine_body").or_insert(json!("SQL"));
    b.entry("routine_definition").or_insert(json!(""));
    b.entry("parameter_style").or_insert(json!("S"));
    b.entry("is_deterministic").or_insert(json!(true));
    b.entry("sql_data_access").or_insert(json!("CONTAINS_SQL"));
    b.entry("is_null_call").or_insert(json!(false));
    b.entry("security_type").or_insert(json!("DEFINER"));
    b.entry("specific_name").or_insert(json!(name));
}

fn fill_storage_credential(b: &mut Map<String, Value>, key: &str) -> Result<(), ApiError> {
    let blocks = [
        "aws_iam_role",
        "azure_managed_identity",
        "azure_service_principal",
        "databricks_gcp_service_account",
        "cloudflare_api_token",
    ];
    let n = blocks.iter().filter(|k| b.contains_key(**k)).count();
    if n != 1 {
        return Err(ApiError::invalid(
            "Exactly one credential type must be given (aws_iam_role, \
             azure_managed_identity, azure_service_principal, \
             databricks_gcp_service_account or cloudflare_api_token).",
        ));
    }
    strip_credential_secrets(b);
    b.insert("id".into(), json!(uuid_for("storage_credential", key)));
    b.entry("read_only").or_insert(json!(false));
    b.entry("isolation_mode")
        .or_insert(json!("ISOLATION_MODE_OPEN"));
    b.entry("used_for_managed_storage").or_insert(json!(false));
    if let Some(Value::Object(role)) = b.get_mut("aws_iam_role") {
        role.entry("external_id")
            .or_insert(json!(uuid_for("external_id", key)));
        role.entry("unity_catalog_iam_arn")
            .or_insert(json!("arn:aws:iam::000000000000:role/ucsim-unity-catalog"));
    }
    Ok(())
}

fn fill_external_location(store: &Store, b: &mut Map<String, Value>) -> Result<(), ApiError> {
    req_str(b, "url")?;
    let cred = names::lower(&req_str(b, "credential_name")?);
    if !store.exists(Kind::StorageCredential, &cred)? {
        return Err(not_found(Kind::StorageCredential, &cred));
    }
    b.insert("credential_name".into(), json!(cred));
    b.insert(
        "credential_id".into(),
        json!(uuid_for("storage_credential", &cred)),
    );
    b.entry("read_only").or_insert(json!(false));
    b.entry("isolation_mode")
        .or_insert(json!("ISOLATION_MODE_OPEN"));
    Ok(())
}

fn fill_connection(b: &mut Map<String, Value>, key: &str) -> Result<(), ApiError> {
    req_str(b, "connection_type")?;
    if !matches!(b.get("options"), Some(Value::Object(_))) {
        return Err(ApiError::invalid("Missing required field: options"));
    }
    strip_connection_secrets(b);
    b.insert("connection_id".into(), json!(uuid_for("connection", key)));
    b.insert("securable_type".into(), json!("CONNECTION"));
    b.entry("credential_type")
        .or_insert(json!("USERNAME_PASSWORD"));
    b.entry("read_only").or_insert(json!(true));
    derive_connection_url(b);
    Ok(())
}

/// A new catalog gets its `information_schema` schema, owned by `System user`.
fn ensure_information_schema(store: &Store, key: &str, actor: &Actor) -> Result<(), ApiError> {
    if !store.exists(Kind::Schema, &format!("{key}.information_schema"))? {
        let mut s = Map::new();
        s.insert("name".into(), json!("information_schema"));
        s.insert("catalog_name".into(), json!(key));
        s.insert("owner".into(), json!("System user"));
        s.insert("comment".into(), json!("Information schema (auto-created)"));
        create(store, Kind::Schema, s, actor, true)?;
    }
    Ok(())
}

fn strip_credential_secrets(b: &mut Map<String, Value>) {
    if let Some(Value::Object(sp)) = b.get_mut("azure_service_principal") {
        sp.remove("client_secret");
    }
    if let Some(Value::Object(cf)) = b.get_mut("cloudflare_api_token") {
        cf.remove("secret_access_key");
    }
}

fn strip_connection_secrets(b: &mut Map<String, Value>) {
    if let Some(Value::Object(opts)) = b.get_mut("options") {
        for k in SECRET_OPTION_KEYS {
            opts.remove(*k);
        }
    }
}

fn derive_connection_url(b: &mut Map<String, Value>) {
    let host = b
        .get("options")
        .and_then(|o| o.get("host"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let port = b
        .get("options")
        .and_then(|o| o.get("port"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(h) = host {
        let url = match port {
            Some(p) => format!("{h}:{p}"),
            None => h,
        };
        b.insert("url".into(), json!(url));
    }
}

fn patch_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Catalog => &[
            "owner",
            "comment",
            "properties",
            "isolation_mode",
            "enable_predictive_optimization",
            "options",
            "custom_max_retention_hours",
        ],
        Kind::Schema => &[
            "owner",
            "comment",
            "properties",
            "enable_predictive_optimization",
            "custom_max_retention_hours",
        ],
        Kind::Table | Kind::Function => &["owner"],
        Kind::Volume => &["owner", "comment"],
        Kind::StorageCredential => &[
            "owner",
            "comment",
            "read_only",
            "isolation_mode",
            "aws_iam_role",
            "azure_managed_identity",
            "azure_service_principal",
            "databricks_gcp_service_account",
            "cloudflare_api_token",
        ],
        Kind::ExternalLocation => &[
            "owner",
            "comment",
            "url",
            "credential_name",
            "read_only",
            "isolation_mode",
            "fallback",
            "enable_file_events",
            "file_event_queue",
            "encryption_details",
        ],
        // `UpdateConnection` has no `comment` (databricks-sdk-py `service/catalog.py`
        // `ConnectionsAPI.update`: options, environment_settings, new_name, owner, secrets):
        // a comment changes through `COMMENT ON CONNECTION`, a sent one is ignored.
        Kind::Connection => &["owner", "options", "environment_settings"],
    }
}

/// Applies a PATCH body; returns the updated wire body.
pub fn update(
    store: &Store,
    kind: Kind,
    full: &str,
    patch: &Map<String, Value>,
    actor: &Actor,
) -> Result<Value, ApiError> {
    let key = key_of(kind, full).map_err(|_| not_found(kind, full))?;
    // `options` is a required argument of a connection update (databricks-sdk-py
    // `service/catalog.py` `ConnectionsAPI.update(name, options, *, ...)`): an owner-only
    // PATCH of a connection is refused, which is why owners move by `ALTER CONNECTION`.
    if kind == Kind::Connection && !matches!(patch.get("options"), Some(Value::Object(_))) {
        return Err(ApiError::invalid("Missing required field: options"));
    }
    let mut body = store
        .get(kind, &key)?
        .ok_or_else(|| not_found(kind, full))?;
    let Some(obj) = body.as_object_mut() else {
        return Err(ApiError::internal(format!("stored {key} is not an object")));
    };
    for f in patch_fields(kind) {
        if let Some(v) = patch.get(*f) {
            if v.is_null() {
                obj.remove(*f);
            } else if *f == "owner" && v.as_str().is_none_or(str::is_empty) {
                return Err(ApiError::invalid("owner must be a non-empty string."));
            } else {
                obj.insert((*f).to_string(), v.clone());
            }
        }
    }
    match kind {
        Kind::Connection => {
            strip_connection_secrets(obj);
            derive_connection_url(obj);
        }
        Kind::StorageCredential => strip_credential_secrets(obj),
        Kind::ExternalLocation => {
            if let Some(c) = patch.get("credential_name").and_then(Value::as_str) {
                let c = names::lower(c);
                if !store.exists(Kind::StorageCredential, &c)? {
                    return Err(not_found(Kind::StorageCredential, &c));
                }
                obj.insert("credential_name".into(), json!(c));
                obj.insert(
                    "credential_id".into(),
                    json!(uuid_for("storage_credential", &c)),
                );
            }
        }
        _ => {}
    }
    obj.insert("updated_at".into(), json!(actor.now_ms));
    obj.insert("updated_by".into(), json!(actor.principal));
    let new_name = match kind {
        Kind::Table | Kind::Function => None,
        _ => patch.get("new_name").and_then(Value::as_str),
    };
    match new_name {
        Some(nn) if names::lower(nn) != *obj.get("name").and_then(Value::as_str).unwrap_or("") => {
            names::validate(kind, nn)?;
            let body = body.clone();
            rename(store, kind, &key, &names::lower(nn), body)
        }
        _ => {
            store.put(kind, &key, &body)?;
            Ok(body)
        }
    }
}

fn rename_body(kind: Kind, body: &mut Value, new_key: &str) {
    let parts: Vec<&str> = new_key.split('.').collect();
    if let Some(obj) = body.as_object_mut() {
        obj.insert("full_name".into(), json!(new_key));
        obj.insert(
            "name".into(),
            json!(parts.last().copied().unwrap_or_default()),
        );
        if kind.depth() >= 2 {
            obj.insert("catalog_name".into(), json!(parts[0]));
        }
        if kind.depth() == 3 {
            obj.insert("schema_name".into(), json!(parts[1]));
        }
    }
}

fn rename(
    store: &Store,
    kind: Kind,
    old_key: &str,
    new_name: &str,
    mut body: Value,
) -> Result<Value, ApiError> {
    let new_key = match old_key.rsplit_once('.') {
        Some((p, _)) => format!("{p}.{new_name}"),
        None => new_name.to_string(),
    };
    if store.exists(kind, &new_key)? {
        return Err(ApiError::new(
            400,
            kind.exists_code(),
            format!("{} '{new_key}' already exists.", kind.title()),
        ));
    }
    rename_body(kind, &mut body, &new_key);
    store.rekey(kind, old_key, &new_key, &body)?;
    if matches!(kind, Kind::Catalog | Kind::Schema) {
        for (k, key) in store.keys_under(old_key)? {
            if key == old_key {
                continue;
            }
            if let Some(mut child) = store.get(k, &key)? {
                let nk = format!("{new_key}{}", &key[old_key.len()..]);
                rename_body(k, &mut child, &nk);
                store.rekey(k, &key, &nk, &child)?;
            }
        }
        store.rename_prefix(
            &["catalog", "schema", "table", "volume", "function"],
            &[
                "catalogs",
                "schemas",
                "tables",
                "volumes",
                "functions",
                "columns",
            ],
            old_key,
            &new_key,
        )?;
    } else {
        let stype = kind.as_str();
        let etypes: Vec<&str> = kind.entity_type().into_iter().collect();
        store.rename_prefix(&[stype], &etypes, old_key, &new_key)?;
        if kind == Kind::Table {
            store.rename_prefix(&[], &["columns"], old_key, &new_key)?;
        }
    }
    Ok(body)
}

/// Deletes a securable (catalogs and schemas refuse when not empty unless `force`).
pub fn delete(store: &Store, kind: Kind, full: &str, force: bool) -> Result<(), ApiError> {
    let key = key_of(kind, full).map_err(|_| not_found(kind, full))?;
    if !store.exists(kind, &key)? {
        return Err(not_found(kind, full));
    }
    if matches!(kind, Kind::Catalog | Kind::Schema) {
        let under: Vec<(Kind, String)> = store
            .keys_under(&key)?
            .into_iter()
            .filter(|(k, kk)| {
                let itself = *k == kind && *kk == key;
                let info = *k == Kind::Schema && kk.ends_with(".information_schema");
                !(itself || info)
            })
            .collect();
        if !under.is_empty() && !force {
            let code = if kind == Kind::Catalog {
                "CATALOG_NOT_EMPTY"
            } else {
                "SCHEMA_NOT_EMPTY"
            };
            return Err(ApiError::new(
                400,
                code,
                format!(
                    "Cannot delete {} '{key}': it is not empty (use force).",
                    kind.title().to_lowercase()
                ),
            ));
        }
        for (k, kk) in store.keys_under(&key)?.into_iter().rev() {
            if k != kind || kk != key {
                store.delete(k, &kk)?;
            }
        }
    }
    store.delete(kind, &key)
}

/// Sets a top-level field of a securable (None removes it) and touches `updated_*`.
pub fn set_field(
    store: &Store,
    kind: Kind,
    key: &str,
    field: &str,
    value: Option<Value>,
    actor: &Actor,
) -> Result<(), ApiError> {
    let mut body = store.get(kind, key)?.ok_or_else(|| not_found(kind, key))?;
    if let Some(obj) = body.as_object_mut() {
        match value {
            Some(v) => obj.insert(field.to_string(), v),
            None => obj.remove(field),
        };
        obj.insert("updated_at".into(), json!(actor.now_ms));
        obj.insert("updated_by".into(), json!(actor.principal));
    }
    store.put(kind, key, &body)
}
