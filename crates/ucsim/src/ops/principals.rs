//! The principal directory: users (by e-mail), groups (by display name) and service principals
//! (by application id), the built-in groups, how a name written in a grant resolves to one of
//! them, and creating and deleting them (deleting keeps the grants that name the principal,
//! readable by its id). Rules about principal names belong here; nothing here speaks HTTP, SCIM
//! or SQL.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::store::{DELETED_PRINCIPAL, PrincipalRow, Store};

/// `ptype` of a user.
pub const USER: &str = "user";
/// `ptype` of a group.
pub const GROUP: &str = "group";
/// `ptype` of a service principal.
pub const SERVICE_PRINCIPAL: &str = "service_principal";

/// The built-in groups, always in the directory (inserted by the store schema).
pub const BUILTIN_GROUPS: &[&str] = &["account users", "users", "admins"];

/// Built-in groups that are workspace-local: present in the workspace's SCIM directory but not
/// Unity Catalog principals. Source: the SQL reference's "Principal" page (docs.databricks.com
/// sql-ref-principal: "`users` ... You cannot grant `users` privileges to securable objects in
/// the Unity Catalog because it is a workspace-local group ... The system groups `users` and
/// `admins` are workspace-local groups"), and terraform-provider-databricks issue #5413 (a grant
/// to `admins` fails with "Could not find principal with name admins.").
pub const WORKSPACE_LOCAL_GROUPS: &[&str] = &["users", "admins"];

/// The name a grant stores for a principal: users by their lower-cased e-mail, service
/// principals by their lower-cased application id, groups as written (case kept).
///
/// Users: terraform-provider-databricks issue #4043 (grants read back with the user name
/// lower-cased). Service principals are named by `applicationId` (SQL reference "Principal":
/// `<sp-application-id>`), a UUID that Databricks writes in lower case. Groups keep their case
/// (issue #12 of this project; the SCIM `displayName` is returned as created).
pub fn canonical(ptype: &str, name: &str) -> String {
    if ptype == GROUP {
        name.to_string()
    } else {
        name.to_lowercase()
    }
}

/// The error of a grant that names a principal outside the directory. Text and error code as
/// Databricks returns them: terraform-provider-databricks issues #1773, #2237, #4680 and #5413
/// ("Could not find principal with name …"); the code `PRINCIPAL_DOES_NOT_EXIST` is in the
/// SDKs' `ErrorCode` enum (databricks-sdk-py `service/apps.py` `ErrorCode`) and is what SQL
/// statements report (`[PRINCIPAL_DOES_NOT_EXIST] Could not find principal with name …`). The
/// HTTP status is 404, as for the other `*_DOES_NOT_EXIST` codes of Unity Catalog.
pub fn not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "PRINCIPAL_DOES_NOT_EXIST",
        format!("Could not find principal with name {name}."),
    )
}

/// The error of a `principal_id` that names no principal.
pub fn id_not_found(id: i64) -> ApiError {
    ApiError::not_found(
        "PRINCIPAL_DOES_NOT_EXIST",
        format!("Could not find principal with id {id}."),
    )
}

/// The live (not deleted) principal a grant names: users and service principals match
/// case-insensitively, groups exactly. Workspace-local groups are not Unity Catalog principals.
pub fn resolve(store: &Store, written: &str) -> Result<PrincipalRow, ApiError> {
    let lower = written.to_lowercase();
    let all = store.principals()?;
    let live = || all.iter().filter(|p| !p.deleted);
    let hit = live()
        .find(|p| p.ptype == USER && p.name == lower)
        .or_else(|| live().find(|p| p.ptype == GROUP && p.name == written))
        .or_else(|| live().find(|p| p.ptype == SERVICE_PRINCIPAL && p.name == lower));
    match hit {
        Some(p) if !(p.ptype == GROUP && WORKSPACE_LOCAL_GROUPS.contains(&p.name.as_str())) => {
            Ok(p.clone())
        }
        _ => Err(not_found(written)),
    }
}

/// The key of a principal in the grants table: its name, or `deleted:<id>` once deleted.
pub fn grant_key(p: &PrincipalRow) -> String {
    if p.deleted {
        format!("{DELETED_PRINCIPAL}{}", p.id)
    } else {
        p.name.clone()
    }
}

/// The principal id of a grants-table key: `deleted:<id>` or a live principal's name.
pub fn id_of_grant_key(store: &Store, key: &str) -> Result<Option<i64>, ApiError> {
    if let Some(id) = key.strip_prefix(DELETED_PRINCIPAL) {
        return Ok(id.parse().ok());
    }
    Ok(store
        .principals()?
        .into_iter()
        .find(|p| !p.deleted && p.name == key)
        .map(|p| p.id))
}

/// A deterministic numeric id for a new principal (15–16 digits like Databricks' SCIM ids),
/// never one already used (deleted principals keep theirs).
fn new_id(store: &Store, ptype: &str, name: &str) -> Result<i64, ApiError> {
    let mut attempt: u32 = 0;
    loop {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in ptype
            .bytes()
            .chain([0u8])
            .chain(name.bytes())
            .chain(attempt.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let id = 100_000_000_000_000 + (h % 8_900_000_000_000_000) as i64;
        if store.principal(id)?.is_none() {
            return Ok(id);
        }
        attempt += 1;
    }
}

/// Adds a principal; a live principal of the same type and name is a 409 (SCIM `uniqueness`).
/// `id` is kept when given (seeds), else a new one is made.
pub fn create(
    store: &Store,
    ptype: &str,
    name: &str,
    display_name: &str,
    id: Option<i64>,
) -> Result<PrincipalRow, ApiError> {
    let name = canonical(ptype, name.trim());
    if name.is_empty() {
        return Err(ApiError::invalid("A principal needs a non-empty name."));
    }
    if store
        .principals()?
        .iter()
        .any(|p| !p.deleted && p.ptype == ptype && p.name == name)
    {
        let what = match ptype {
            USER => format!("User with username {name} already exists."),
            GROUP => format!("Group with name {name} already exists."),
            _ => format!("Service principal with application id {name} already exists."),
        };
        return Err(ApiError::new(409, "RESOURCE_ALREADY_EXISTS", what));
    }
    let id = match id {
        Some(i) => i,
        None => new_id(store, ptype, &name)?,
    };
    let row = PrincipalRow {
        id,
        ptype: ptype.to_string(),
        display_name: if display_name.is_empty() {
            name.clone()
        } else {
            display_name.to_string()
        },
        name,
        deleted: false,
    };
    store.put_principal(&row)?;
    Ok(row)
}

/// Deletes a principal: the directory keeps it as deleted (its id is never reused) and every
/// grant naming it is kept under `deleted:<id>`. Databricks shows such grants with an empty
/// `principal` and the `principal_id` only, and only when asked (`include_deleted_principals`):
/// databricks-sdk-py `service/catalog.py` `PrivilegeAssignment.principal` ("For deleted
/// principals, `principal` is empty while `principal_id` is populated") and `GrantsAPI.get`
/// (`include_deleted_principals`).
pub fn delete(store: &Store, ptype: &str, id: i64) -> Result<(), ApiError> {
    let Some(mut p) = store
        .principal(id)?
        .filter(|p| !p.deleted && p.ptype == ptype)
    else {
        return Err(ApiError::not_found(
            "RESOURCE_DOES_NOT_EXIST",
            format!("{} with id {id} not found.", title(ptype)),
        ));
    };
    if ptype == GROUP && BUILTIN_GROUPS.contains(&p.name.as_str()) {
        return Err(ApiError::invalid(format!(
            "The built-in group {} cannot be deleted.",
            p.name
        )));
    }
    let old = p.name.clone();
    p.deleted = true;
    store.put_principal(&p)?;
    store.rename_grant_principal(&old, &grant_key(&p))
}

/// `User`, `Group` or `Service principal`.
pub fn title(ptype: &str) -> &'static str {
    match ptype {
        USER => "User",
        GROUP => "Group",
        _ => "Service principal",
    }
}

/// The seed form of the directory (built-in groups left out): `users`, `groups`,
/// `service_principals`, each with its `id`; deleted principals carry `"deleted": true`.
pub fn dump(store: &Store) -> Result<Value, ApiError> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut sps = Vec::new();
    for p in store.principals()? {
        if p.ptype == GROUP && BUILTIN_GROUPS.contains(&p.name.as_str()) {
            continue;
        }
        let mut v = match p.ptype.as_str() {
            USER => json!({"user_name": p.name, "display_name": p.display_name}),
            GROUP => json!({"display_name": p.display_name}),
            _ => json!({"application_id": p.name, "display_name": p.display_name}),
        };
        v["id"] = json!(p.id.to_string());
        if p.deleted {
            v["deleted"] = json!(true);
        }
        match p.ptype.as_str() {
            USER => users.push(v),
            GROUP => groups.push(v),
            _ => sps.push(v),
        }
    }
    Ok(json!({"users": users, "groups": groups, "service_principals": sps}))
}

/// Loads the seed form of the directory (see [`dump`]); a principal already there is kept.
pub fn load(store: &Store, v: &Value) -> Result<(), ApiError> {
    let Some(m) = v.as_object() else {
        return Err(ApiError::invalid(
            "seed: principals must be an object of users, groups and service_principals",
        ));
    };
    for (section, ptype, name_field) in [
        ("users", USER, "user_name"),
        ("groups", GROUP, "display_name"),
        ("service_principals", SERVICE_PRINCIPAL, "application_id"),
    ] {
        let items = match m.get(section) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "seed: principals.{section} must be an array"
                )));
            }
        };
        for it in items {
            let s = |f: &str| it.get(f).and_then(Value::as_str).unwrap_or_default();
            let name = s(name_field);
            if name.is_empty() {
                return Err(ApiError::invalid(format!(
                    "seed: every principals.{section} entry needs a {name_field}"
                )));
            }
            let id = match it.get("id") {
                Some(Value::String(t)) => Some(t.parse::<i64>().map_err(|_| {
                    ApiError::invalid(format!("seed: principal id '{t}' is not a number"))
                })?),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            };
            let deleted = it.get("deleted").and_then(Value::as_bool).unwrap_or(false);
            let canon = canonical(ptype, name);
            let exists = store
                .principals()?
                .into_iter()
                .any(|p| p.ptype == ptype && p.name == canon && p.deleted == deleted);
            if exists {
                continue;
            }
            if deleted {
                let id = id.ok_or_else(|| {
                    ApiError::invalid("seed: a deleted principal needs its id".to_string())
                })?;
                store.put_principal(&PrincipalRow {
                    id,
                    ptype: ptype.to_string(),
                    name: canon,
                    display_name: s("display_name").to_string(),
                    deleted: true,
                })?;
            } else {
                create(store, ptype, name, s("display_name"), id)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::open(None).unwrap()
    }

    #[test]
    fn builtins_are_present_and_only_account_users_is_grantable() {
        let s = store();
        assert_eq!(resolve(&s, "account users").unwrap().id, 1000000000000001);
        for local in ["users", "admins"] {
            assert_eq!(
                resolve(&s, local).unwrap_err().code,
                "PRINCIPAL_DOES_NOT_EXIST"
            );
        }
    }

    #[test]
    fn users_match_case_insensitively_and_are_stored_lower_case() {
        let s = store();
        let u = create(&s, USER, "Alice@Example.com", "Alice", None).unwrap();
        assert_eq!(u.name, "alice@example.com");
        assert_eq!(resolve(&s, "ALICE@example.COM").unwrap().id, u.id);
        let e = create(&s, USER, "alice@EXAMPLE.com", "", None).unwrap_err();
        assert_eq!(e.status, 409);
    }

    #[test]
    fn groups_match_case_sensitively() {
        let s = store();
        create(&s, GROUP, "Analysts", "Analysts", None).unwrap();
        assert_eq!(resolve(&s, "Analysts").unwrap().name, "Analysts");
        let e = resolve(&s, "analysts").unwrap_err();
        assert_eq!(e.code, "PRINCIPAL_DOES_NOT_EXIST");
        assert_eq!(e.message, "Could not find principal with name analysts.");
        // another group that differs only in case is a different group
        create(&s, GROUP, "analysts", "", None).unwrap();
        assert_eq!(resolve(&s, "analysts").unwrap().name, "analysts");
    }

    #[test]
    fn service_principals_resolve_by_application_id() {
        let s = store();
        let sp = create(
            &s,
            SERVICE_PRINCIPAL,
            "6A1B2C3D-0000-4000-8000-00000000ABCD",
            "etl bot",
            None,
        )
        .unwrap();
        assert_eq!(sp.name, "6a1b2c3d-0000-4000-8000-00000000abcd");
        assert_eq!(
            resolve(&s, "6a1b2c3d-0000-4000-8000-00000000ABCD")
                .unwrap()
                .id,
            sp.id
        );
        assert!(resolve(&s, "etl bot").is_err());
    }

    #[test]
    fn deleting_keeps_grants_under_the_id_and_never_reuses_it() {
        let s = store();
        let u = create(&s, USER, "gone@example.com", "", None).unwrap();
        s.add_grant("catalog", "main", &u.name, "USE_CATALOG")
            .unwrap();
        delete(&s, USER, u.id).unwrap();
        assert!(s.grants("catalog", "main").unwrap().is_empty());
        let all = s.grants_with_deleted("catalog", "main").unwrap();
        assert!(all.contains_key(&format!("deleted:{}", u.id)));
        assert!(resolve(&s, "gone@example.com").is_err());
        let again = create(&s, USER, "gone@example.com", "", None).unwrap();
        assert_ne!(again.id, u.id);
        assert!(delete(&s, GROUP, 1000000000000001).is_err());
    }
}
