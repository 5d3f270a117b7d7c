//! Grants: resolving a permissions target (`securable_type` + full name, or the metastore),
//! checking that a privilege applies to it, parsing and applying permission changes (all
//! validated before any is written, each principal resolved in the directory), and effective privileges inherited from the catalog and
//! schema above. Rules about which privilege a securable accepts belong here (with the lists in
//! [`crate::privileges`]); nothing here speaks HTTP or SQL.

use std::collections::BTreeMap;

use serde_json::Value;

use super::principals;
use super::{key_of, metastore_id, not_found};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::privileges;
use crate::store::Store;

/// A resolved grants target: store type and key.
#[derive(Debug, Clone)]
pub struct Target {
    /// The kind, or None for the metastore.
    pub kind: Option<Kind>,
    /// Store type (`catalog`, ..., `metastore`).
    pub stype: String,
    /// Lower-case key.
    pub key: String,
    /// `table_type` of a table-kind target (privileges depend on it), else None.
    pub table_type: Option<String>,
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
            table_type: None,
        });
    }
    let Some(kind) = Kind::from_securable_type(&st) else {
        return Err(ApiError::invalid(format!(
            "Invalid securable type '{securable_type}'."
        )));
    };
    let key = key_of(kind, full).map_err(|_| not_found(kind, full))?;
    let table_type = if kind == Kind::Table {
        let body = store
            .get(kind, &key)?
            .ok_or_else(|| not_found(kind, full))?;
        Some(
            body.get("table_type")
                .and_then(Value::as_str)
                .unwrap_or("MANAGED")
                .to_string(),
        )
    } else {
        if !store.exists(kind, &key)? {
            return Err(not_found(kind, full));
        }
        None
    };
    Ok(Target {
        kind: Some(kind),
        stype: kind.as_str().into(),
        key,
        table_type,
    })
}

/// Validates a privilege for a target; returns the normalised token.
pub fn check_privilege(t: &Target, p: &str) -> Result<String, ApiError> {
    let n = privileges::normalize(p);
    let ok = match (t.kind, &t.table_type) {
        (Some(_), Some(tt)) => privileges::applicable_table(tt).contains(&n.as_str()),
        (Some(k), None) => privileges::is_applicable(k, &n),
        (None, _) => privileges::METASTORE.contains(&n.as_str()),
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
    /// Principal as written (empty when `principal_id` names it).
    pub principal: String,
    /// The principal's id (remove only, e.g. for a deleted user).
    pub principal_id: Option<i64>,
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
        // databricks-sdk-py `service/catalog.py` `PermissionsChange`: `principal` or
        // `principal_id` ("Only one of principal or principal_id should be specified, never
        // both"); `principal_id` is for removing a deleted user's privileges ("any entries in
        // the add field will be rejected"). The message for neither is the one the API gives
        // (databricks/cli pull request #6041: "400 INVALID_PARAMETER_VALUE — at least one of
        // 'principal' or 'principal_id' must be set").
        let principal_id = match it.get("principal_id") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
                    .ok_or_else(|| ApiError::invalid("principal_id must be an integer"))?,
            ),
        };
        match (principal.is_empty(), principal_id) {
            (true, None) => {
                return Err(ApiError::invalid(
                    "at least one of 'principal' or 'principal_id' must be set",
                ));
            }
            (false, Some(_)) => {
                return Err(ApiError::invalid(
                    "only one of 'principal' or 'principal_id' may be set",
                ));
            }
            _ => {}
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
        let add = list("add")?;
        if principal_id.is_some() && !add.is_empty() {
            return Err(ApiError::invalid(
                "privileges cannot be added by principal_id; name the principal",
            ));
        }
        out.push(Change {
            principal,
            principal_id,
            add,
            remove: list("remove")?,
        });
    }
    Ok(out)
}

/// The grants-table key a change is about: a named principal must be in the directory (users
/// case-insensitively, groups exactly; see [`principals::resolve`]); a `principal_id` may name a
/// deleted principal.
fn change_key(store: &Store, c: &Change) -> Result<String, ApiError> {
    match c.principal_id {
        Some(id) => store
            .principal(id)?
            .map(|p| principals::grant_key(&p))
            .ok_or_else(|| principals::id_not_found(id)),
        None => principals::resolve(store, &c.principal).map(|p| principals::grant_key(&p)),
    }
}

/// Applies changes (all validated before any is applied).
pub fn apply_changes(store: &Store, t: &Target, changes: &[Change]) -> Result<(), ApiError> {
    let mut ops = Vec::new();
    for c in changes {
        let add: Vec<String> = c
            .add
            .iter()
            .map(|p| check_privilege(t, p))
            .collect::<Result<_, _>>()?;
        let remove: Vec<String> = c
            .remove
            .iter()
            .map(|p| check_privilege(t, p))
            .collect::<Result<_, _>>()?;
        let key = change_key(store, c)?;
        ops.extend(add.into_iter().map(|p| (true, key.clone(), p)));
        ops.extend(remove.into_iter().map(|p| (false, key.clone(), p)));
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
