//! Domain operations shared by the REST routes, the SQL interpreter and the seed loader:
//! create, read, update, delete of securables, grants with privilege validation and
//! inheritance, tag assignments, owners, comments, row filters and column masks. Everything
//! goes through the [`Store`]; nothing here speaks HTTP.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::kind::Kind;
use crate::names;
use crate::privileges;
use crate::store::{Store, TagRow};

/// Who acts and when (epoch milliseconds).
#[derive(Debug, Clone)]
pub struct Actor {
    /// Principal name written to `created_by`, `updated_by` and default owners.
    pub principal: String,
    /// The current time in epoch milliseconds.
    pub now_ms: i64,
}

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

/// Deterministic UUID-shaped id for a key.
pub fn uuid_for(kind: &str, key: &str) -> String {
    let mut h1: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x8422_2325_cbf2_9ce4;
    for b in kind.bytes().chain([0u8]).chain(key.bytes()) {
        h1 ^= u64::from(b);
        h1 = h1.wrapping_mul(0x0100_0000_01b3);
        h2 ^= u64::from(b).rotate_left(3);
        h2 = h2.wrapping_mul(0x0000_0100_0000_01b3 ^ 0x5bd1_e995);
    }
    let a = format!("{h1:016x}{h2:016x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &a[0..8],
        &a[8..12],
        &a[13..16],
        &a[17..20],
        &a[20..32]
    )
}

/// RFC 3339 UTC text for epoch milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The metastore id of this simulator.
pub fn metastore_id(store: &Store) -> Result<String, ApiError> {
    if let Some(id) = store.cached_metastore_id() {
        return Ok(id);
    }
    let id = match store.meta("metastore_id")? {
        Some(id) => id,
        None => {
            let id = uuid_for("metastore", "ucsim");
            store.set_meta("metastore_id", &id)?;
            id
        }
    };
    store.cache_metastore_id(&id);
    Ok(id)
}

/// The stored key of a full name (validated shape, lower case).
pub fn key_of(kind: Kind, full: &str) -> Result<String, ApiError> {
    Ok(names::split_full(kind, full)?.join("."))
}

fn not_found(kind: Kind, full: &str) -> ApiError {
    ApiError::not_found(
        kind.not_found_code(),
        format!("{} '{}' does not exist.", kind.title(), full.to_lowercase()),
    )
}

/// Reads one securable or answers the typed 404.
pub fn get(store: &Store, kind: Kind, full: &str) -> Result<Value, ApiError> {
    let key = match key_of(kind, full) {
        Ok(k) => k,
        Err(_) => return Err(not_found(kind, full)),
    };
    store.get(kind, &key)?.ok_or_else(|| not_found(kind, full))
}

fn req_str(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ApiError::invalid(format!(
            "Missing required field: {field}"
        ))),
    }
}

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
    Ok(Value::Object(c))
}

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
    let name = req_str(&b, "name")?;
    names::validate(kind, &name)?;
    let name = names::lower(&name);
    let mut parts = Vec::new();
    if kind.depth() >= 2 {
        let cat = req_str(&b, "catalog_name")?;
        names::validate(Kind::Catalog, &cat)?;
        parts.push(names::lower(&cat));
    }
    if kind.depth() == 3 {
        let sch = req_str(&b, "schema_name")?;
        names::validate(Kind::Schema, &sch)?;
        parts.push(names::lower(&sch));
    }
    parts.push(name.clone());
    let key = parts.join(".");
    check_parent(store, kind, &parts)?;
    if !upsert && store.exists(kind, &key)? {
        let what = if kind == Kind::Table {
            "Table or view"
        } else {
            kind.title()
        };
        return Err(ApiError::new(
            400,
            kind.exists_code(),
            format!("{what} '{key}' already exists."),
        ));
    }
    b.insert("name".into(), json!(name));
    if kind.depth() >= 2 {
        b.insert("catalog_name".into(), json!(parts[0]));
    }
    if kind.depth() == 3 {
        b.insert("schema_name".into(), json!(parts[1]));
    }
    b.insert("full_name".into(), json!(key));
    if !b.contains_key("owner") {
        b.insert("owner".into(), json!(actor.principal));
    }
    b.insert("metastore_id".into(), json!(metastore_id(store)?));
    b.insert("created_at".into(), json!(actor.now_ms));
    b.insert("created_by".into(), json!(actor.principal));
    b.insert("updated_at".into(), json!(actor.now_ms));
    b.insert("updated_by".into(), json!(actor.principal));
    match kind {
        Kind::Catalog => {
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
                .or_insert(json!(uuid_for("catalog", &key)));
            b.insert("id".into(), json!(uuid_for("catalog", &key)));
            b.remove("catalog_id");
        }
        Kind::Schema => {
            b.insert("schema_id".into(), json!(uuid_for("schema", &key)));
            b.entry("catalog_type").or_insert(json!("MANAGED_CATALOG"));
        }
        Kind::Table => {
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
                    uuid_for("table", &key)
                )));
            }
            b.insert("table_id".into(), json!(uuid_for("table", &key)));
            let cols = match b.remove("columns") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
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
                        "Duplicate column name '{cname}' in table '{key}'."
                    )));
                }
                out.push(nc);
            }
            if out.is_empty() {
                b.remove("columns");
            } else {
                b.insert("columns".into(), Value::Array(out));
            }
        }
        Kind::Volume => {
            let vtype = req_str(&b, "volume_type")?.to_uppercase();
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
                uuid_for("volume", &key)
            )));
            b.insert("volume_id".into(), json!(uuid_for("volume", &key)));
        }
        Kind::Function => {
            b.insert("function_id".into(), json!(uuid_for("function", &key)));
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
        Kind::StorageCredential => {
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
            strip_credential_secrets(&mut b);
            b.insert("id".into(), json!(uuid_for("storage_credential", &key)));
            b.entry("read_only").or_insert(json!(false));
            b.entry("isolation_mode")
                .or_insert(json!("ISOLATION_MODE_OPEN"));
            b.entry("used_for_managed_storage").or_insert(json!(false));
            if let Some(Value::Object(role)) = b.get_mut("aws_iam_role") {
                role.entry("external_id")
                    .or_insert(json!(uuid_for("external_id", &key)));
                role.entry("unity_catalog_iam_arn")
                    .or_insert(json!("arn:aws:iam::000000000000:role/ucsim-unity-catalog"));
            }
        }
        Kind::ExternalLocation => {
            req_str(&b, "url")?;
            let cred = names::lower(&req_str(&b, "credential_name")?);
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
        }
        Kind::Connection => {
            req_str(&b, "connection_type")?;
            if !matches!(b.get("options"), Some(Value::Object(_))) {
                return Err(ApiError::invalid("Missing required field: options"));
            }
            strip_connection_secrets(&mut b);
            b.insert("connection_id".into(), json!(uuid_for("connection", &key)));
            b.insert("securable_type".into(), json!("CONNECTION"));
            b.entry("credential_type")
                .or_insert(json!("USERNAME_PASSWORD"));
            b.entry("read_only").or_insert(json!(true));
            derive_connection_url(&mut b);
        }
    }
    if kind == Kind::StorageCredential || kind == Kind::ExternalLocation {
        b.remove("skip_validation");
    }
    let v = Value::Object(b);
    store.put(kind, &key, &v)?;
    if kind == Kind::Catalog && !store.exists(Kind::Schema, &format!("{key}.information_schema"))? {
        let mut s = Map::new();
        s.insert("name".into(), json!("information_schema"));
        s.insert("catalog_name".into(), json!(key));
        s.insert("owner".into(), json!("System user"));
        s.insert("comment".into(), json!("Information schema (auto-created)"));
        create(store, Kind::Schema, s, actor, true)?;
    }
    Ok(v)
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
        Kind::Connection => &["owner", "comment", "options", "environment_settings"],
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

// ---------------------------------------------------------------- grants

/// A resolved grants target: store type and key.
#[derive(Debug, Clone)]
pub struct Target {
    /// The kind, or None for the metastore.
    pub kind: Option<Kind>,
    /// Store type (`catalog`, ..., `metastore`).
    pub stype: String,
    /// Lower-case key.
    pub key: String,
}

/// Resolves `securable_type` + full name, checking the object exists.
pub fn target(store: &Store, securable_type: &str, full: &str) -> Result<Target, ApiError> {
    let st = securable_type.trim().to_ascii_lowercase();
    if st == "metastore" {
        let id = metastore_id(store)?;
        if full.to_lowercase() != id {
            return Err(ApiError::not_found(
                "METASTORE_DOES_NOT_EXIST",
                format!("Metastore '{full}' does not exist."),
            ));
        }
        return Ok(Target {
            kind: None,
            stype: "metastore".into(),
            key: id,
        });
    }
    let Some(kind) = Kind::from_securable_type(&st) else {
        return Err(ApiError::invalid(format!(
            "Invalid securable type '{securable_type}'."
        )));
    };
    let key = key_of(kind, full).map_err(|_| not_found(kind, full))?;
    if !store.exists(kind, &key)? {
        return Err(not_found(kind, full));
    }
    Ok(Target {
        kind: Some(kind),
        stype: kind.as_str().into(),
        key,
    })
}

/// Validates a privilege for a target; returns the normalised token.
pub fn check_privilege(t: &Target, p: &str) -> Result<String, ApiError> {
    let n = privileges::normalize(p);
    let ok = match t.kind {
        Some(k) => privileges::is_applicable(k, &n),
        None => privileges::METASTORE.contains(&n.as_str()),
    };
    if ok {
        Ok(n)
    } else {
        Err(ApiError::invalid(format!(
            "Privilege {n} is not applicable to this entity [{}:{}]. If you are using a \
             privilege that is not supported, please check the privilege name.",
            t.stype, t.key
        )))
    }
}

/// One permissions change.
#[derive(Debug, Clone)]
pub struct Change {
    /// Principal.
    pub principal: String,
    /// Privileges to add.
    pub add: Vec<String>,
    /// Privileges to remove.
    pub remove: Vec<String>,
}

/// Parses the `changes` array of a PATCH body.
pub fn parse_changes(v: Option<&Value>) -> Result<Vec<Change>, ApiError> {
    let Some(Value::Array(items)) = v else {
        return Err(ApiError::invalid("Missing required field: changes"));
    };
    let mut out = Vec::new();
    for it in items {
        let principal = it
            .get("principal")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if principal.is_empty() {
            return Err(ApiError::invalid(
                "Each change needs a non-empty principal.",
            ));
        }
        let list = |f: &str| -> Result<Vec<String>, ApiError> {
            match it.get(f) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|p| {
                        p.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| ApiError::invalid(format!("{f} must hold strings")))
                    })
                    .collect(),
                _ => Err(ApiError::invalid(format!("{f} must be an array"))),
            }
        };
        out.push(Change {
            principal,
            add: list("add")?,
            remove: list("remove")?,
        });
    }
    Ok(out)
}

/// Applies changes (all validated before any is applied).
pub fn apply_changes(store: &Store, t: &Target, changes: &[Change]) -> Result<(), ApiError> {
    let mut ops = Vec::new();
    for c in changes {
        for p in &c.add {
            ops.push((true, c.principal.clone(), check_privilege(t, p)?));
        }
        for p in &c.remove {
            ops.push((false, c.principal.clone(), check_privilege(t, p)?));
        }
    }
    for (add, principal, p) in ops {
        if add {
            store.add_grant(&t.stype, &t.key, &principal, &p)?;
        } else {
            store.remove_grant(&t.stype, &t.key, &principal, &p)?;
        }
    }
    Ok(())
}

/// Ancestors of a target, nearest last: `(stype, key)`.
pub fn ancestors(t: &Target) -> Vec<(Kind, String)> {
    let Some(kind) = t.kind else {
        return Vec::new();
    };
    let parts: Vec<&str> = t.key.split('.').collect();
    let mut out = Vec::new();
    if kind.depth() >= 2 {
        out.push((Kind::Catalog, parts[0].to_string()));
    }
    if kind.depth() == 3 {
        out.push((Kind::Schema, format!("{}.{}", parts[0], parts[1])));
    }
    out
}

/// Effective privileges: principal -> [(privilege, inherited from (TYPE, name))].
pub type Effective = BTreeMap<String, Vec<(String, Option<(String, String)>)>>;

/// Effective privileges of a target: direct grants plus every grant on its ancestors.
pub fn effective(store: &Store, t: &Target) -> Result<Effective, ApiError> {
    let mut out: Effective = BTreeMap::new();
    for (k, key) in ancestors(t) {
        for (p, privs) in store.grants(k.as_str(), &key)? {
            for pr in privs {
                out.entry(p.clone())
                    .or_default()
                    .push((pr, Some((k.securable_type(), key.clone()))));
            }
        }
    }
    for (p, privs) in store.grants(&t.stype, &t.key)? {
        for pr in privs {
            out.entry(p.clone()).or_default().push((pr, None));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- tags

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

// ---------------------------------------------------------------- table governance

/// Reads a table body by key or fails with the SQL-style not-found error.
pub fn table_body(store: &Store, key: &str) -> Result<Value, ApiError> {
    store
        .get(Kind::Table, key)?
        .ok_or_else(|| not_found(Kind::Table, key))
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
             in table '{table_key}'."
        )));
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("updated_at".into(), json!(actor.now_ms));
        obj.insert("updated_by".into(), json!(actor.principal));
    }
    store.put(Kind::Table, table_key, &body)
}
