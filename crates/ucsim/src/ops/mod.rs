//! Domain operations shared by the REST routes, the SQL interpreter and the seed loader, split
//! by topic: [`securables`] (create, update, rename, delete, field edits), [`grants`]
//! (permission targets, privilege checks, changes, inheritance), [`principals`] (the user,
//! group and service principal directory), [`tags`] (tag entities and assignments) and
//! [`columns`] (column normalisation, lookup and edits). This module owns what
//! they share: the [`Actor`], deterministic ids, timestamps, the metastore id, name keys and the
//! typed not-found error. Everything goes through the [`Store`]; nothing here speaks HTTP or SQL.

pub mod columns;
pub mod grants;
pub mod principals;
pub mod securables;
pub mod tags;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::kind::Kind;
use crate::names;
use crate::store::Store;

pub use columns::{column_name, normalize_column, table_body, with_column};
pub use grants::{
    Change, Effective, Target, ancestors, apply_changes, check_privilege, effective, parse_changes,
    target,
};
pub use securables::{COMPUTED_FIELDS, SECRET_OPTION_KEYS, create, delete, set_field, update};
pub use tags::{assignment_json, inherited_tags, set_tag, sql_tag_entity, tag_entity, tag_json};

/// Who acts and when (epoch milliseconds).
#[derive(Debug, Clone)]
pub struct Actor {
    /// Principal name written to `created_by`, `updated_by` and default owners.
    pub principal: String,
    /// The current time in epoch milliseconds.
    pub now_ms: i64,
}

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

pub(crate) fn not_found(kind: Kind, full: &str) -> ApiError {
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

/// A required non-empty string field of a request body, or the "Missing required field" error.
pub(crate) fn req_str(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ApiError::invalid(format!(
            "Missing required field: {field}"
        ))),
    }
}
