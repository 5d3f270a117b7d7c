//! The workspace SCIM API an administrator uses to fill the principal directory
//! (`/api/2.0/preview/scim/v2/Users`, `Groups`, `ServicePrincipals`, and `Me`): create, get,
//! list with `filter` and `startIndex`/`count` paging, delete. Bodies and list envelopes as the
//! SDK's `UsersAPI`, `GroupsAPI` and `ServicePrincipalsAPI` send and read them
//! (databricks-sdk-py `service/iam.py`); errors in the SCIM form. The directory rules live in
//! [`crate::ops::principals`]; this module only translates. Never touches HTTP types.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ops::principals::{self, GROUP, SERVICE_PRINCIPAL, USER, WORKSPACE_LOCAL_GROUPS};
use crate::ops::{self, Actor};
use crate::rest::Req;
use crate::store::{PrincipalRow, Store};

const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The SCIM resource type of a collection segment.
fn ptype_of(collection: &str) -> Option<&'static str> {
    match collection {
        "Users" => Some(USER),
        "Groups" => Some(GROUP),
        "ServicePrincipals" => Some(SERVICE_PRINCIPAL),
        _ => None,
    }
}

/// The SCIM JSON of one principal (`User`, `Group`, `ServicePrincipal` of `service/iam.py`).
pub fn resource(p: &PrincipalRow) -> Value {
    let id = p.id.to_string();
    match p.ptype.as_str() {
        USER => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": id,
            "userName": p.name,
            "displayName": p.display_name,
            "active": true,
            "emails": [{"value": p.name, "type": "work", "primary": true}],
        }),
        GROUP => {
            // `ResourceMeta.resourceType`: `Group` for account groups, `WorkspaceGroup` for the
            // workspace-local ones (see `principals::WORKSPACE_LOCAL_GROUPS`).
            let rt = if WORKSPACE_LOCAL_GROUPS.contains(&p.name.as_str()) {
                "WorkspaceGroup"
            } else {
                "Group"
            };
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": id,
                "displayName": p.display_name,
                "meta": {"resourceType": rt},
            })
        }
        _ => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"],
            "id": id,
            "applicationId": p.name,
            "displayName": p.display_name,
            "active": true,
        }),
    }
}

/// An operation error in the SCIM form (same status and text).
fn scim_err(e: ApiError) -> ApiError {
    if e.scim {
        e
    } else {
        ApiError::scim(e.status, e.message)
    }
}

/// Serves one SCIM route; `Ok(None)` when no route matches. `segs` are the segments after
/// `/api/2.0/preview/scim/v2`.
pub fn dispatch(
    store: &mut Store,
    actor: &Actor,
    req: &Req<'_>,
    segs: &[&str],
) -> Result<Option<Value>, ApiError> {
    let v = match (req.method, segs) {
        ("GET", ["Me"]) => me(store, actor)?,
        ("POST", [coll]) => match ptype_of(coll) {
            Some(t) => store.transaction(|s| create(s, t, &req.body).map_err(scim_err))?,
            None => return Ok(None),
        },
        ("GET", [coll]) => match ptype_of(coll) {
            Some(t) => list(store, t, req)?,
            None => return Ok(None),
        },
        ("GET", [coll, id]) => match ptype_of(coll) {
            Some(t) => resource(&get(store, t, id)?),
            None => return Ok(None),
        },
        ("DELETE", [coll, id]) => match ptype_of(coll) {
            Some(t) => {
                let p = get(store, t, id)?;
                store
                    .transaction(|s| principals::delete(s, t, p.id))
                    .map_err(scim_err)?;
                json!({})
            }
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// `GET Me`: the calling principal (from the directory when it is there).
fn me(store: &Store, actor: &Actor) -> Result<Value, ApiError> {
    let lower = actor.principal.to_lowercase();
    let found = store
        .principals()?
        .into_iter()
        .find(|p| !p.deleted && p.ptype == USER && p.name == lower);
    Ok(match found {
        Some(p) => resource(&p),
        None => json!({"id": "1", "userName": actor.principal,
            "displayName": actor.principal, "active": true}),
    })
}

/// A live principal of the type by SCIM id, or the SCIM 404.
fn get(store: &Store, ptype: &str, id: &str) -> Result<PrincipalRow, ApiError> {
    id.parse::<i64>()
        .ok()
        .map(|n| store.principal(n))
        .transpose()?
        .flatten()
        .filter(|p| !p.deleted && p.ptype == ptype)
        .ok_or_else(|| {
            ApiError::scim(
                404,
                format!("{} with id {id} not found.", principals::title(ptype)),
            )
        })
}

fn body_str<'a>(body: &'a Value, field: &str) -> &'a str {
    body.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// `POST Users | Groups | ServicePrincipals`: the body `users.create`, `groups.create` and
/// `service_principals.create` send (`userName`, `displayName`, `applicationId`); answers the
/// created resource with its `id`.
fn create(store: &Store, ptype: &str, body: &Value) -> Result<Value, ApiError> {
    let display = body_str(body, "displayName");
    let name = match ptype {
        USER => body_str(body, "userName").to_string(),
        GROUP => display.to_string(),
        _ => match body_str(body, "applicationId") {
            // AWS and GCP workspaces generate the application id; Azure ones take it from Entra
            // ID (`ServicePrincipal.application_id` in `service/iam.py`).
            "" => ops::uuid_for(
                "service_principal",
                &format!("{display}#{}", store.principals()?.len()),
            ),
            a => a.to_string(),
        },
    };
    if name.is_empty() {
        let field = if ptype == USER {
            "userName"
        } else {
            "displayName"
        };
        return Err(ApiError::scim(
            400,
            format!("Request is missing required field: {field}."),
        ));
    }
    let p = principals::create(store, ptype, &name, display, None)?;
    Ok(resource(&p))
}

/// `GET Users | Groups | ServicePrincipals`: `filter`, then `startIndex` (from 1) and `count`;
/// the envelope of `ListUsersResponse` (`totalResults`, `startIndex`, `itemsPerPage`,
/// `Resources`). The SDK pages with `startIndex` and stops at a page without `Resources`.
fn list(store: &Store, ptype: &str, req: &Req<'_>) -> Result<Value, ApiError> {
    let filter = match req.q("filter") {
        Some(f) if !f.trim().is_empty() => Some(Filter::parse(f)?),
        _ => None,
    };
    let all: Vec<Value> = store
        .principals()?
        .iter()
        .filter(|p| !p.deleted && p.ptype == ptype)
        .map(resource)
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r)))
        .collect();
    let num = |k: &str, d: usize| -> Result<usize, ApiError> {
        match req.q(k) {
            None | Some("") => Ok(d),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| ApiError::scim(400, format!("Invalid {k} '{v}'."))),
        }
    };
    let start = num("startIndex", 1)?.max(1);
    let count = num("count", 10_000)?.min(10_000);
    let total = all.len();
    let page: Vec<Value> = all.into_iter().skip(start - 1).take(count).collect();
    let mut out = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
    });
    if !page.is_empty() {
        out["Resources"] = Value::Array(page);
    }
    Ok(out)
}

/// A SCIM filter as the workspace API accepts it (`service/iam.py` `UsersAPI.list`: `eq`, `co`,
/// `sw`, `ne`, joined by `and` / `or`, "we currently only support simple expressions"): a list of
/// `or` branches, each a list of `and` terms. String comparisons ignore case (RFC 7643 §2.2,
/// `caseExact` defaults to false).
#[derive(Debug)]
struct Filter(Vec<Vec<Term>>);

#[derive(Debug)]
struct Term {
    attr: String,
    op: String,
    value: String,
}

impl Filter {
    fn parse(text: &str) -> Result<Filter, ApiError> {
        let bad = || ApiError::scim(400, format!("Invalid filter '{text}'."));
        let toks = tokens(text).ok_or_else(bad)?;
        let mut branches = vec![Vec::new()];
        let mut i = 0;
        while i < toks.len() {
            if i > 0 {
                match toks[i].to_ascii_lowercase().as_str() {
                    "and" => {}
                    "or" => branches.push(Vec::new()),
                    _ => return Err(bad()),
                }
                i += 1;
            }
            let attr = toks.get(i).ok_or_else(bad)?.clone();
            let op = toks.get(i + 1).ok_or_else(bad)?.to_ascii_lowercase();
            let (value, used) = if op == "pr" {
                (String::new(), 2)
            } else {
                (toks.get(i + 2).ok_or_else(bad)?.clone(), 3)
            };
            if !["eq", "ne", "co", "sw", "ew", "pr"].contains(&op.as_str()) {
                return Err(bad());
            }
            if let Some(b) = branches.last_mut() {
                b.push(Term { attr, op, value });
            }
            i += used;
        }
        Ok(Filter(branches))
    }

    fn matches(&self, r: &Value) -> bool {
        self.0
            .iter()
            .any(|terms| terms.iter().all(|t| t.matches(r)))
    }
}

impl Term {
    fn matches(&self, r: &Value) -> bool {
        let vals = attr_values(r, &self.attr);
        if self.op == "pr" {
            return !vals.is_empty();
        }
        let want = self.value.to_lowercase();
        let hit = |v: &String| {
            let v = v.to_lowercase();
            match self.op.as_str() {
                "eq" | "ne" => v == want,
                "co" => v.contains(&want),
                "sw" => v.starts_with(&want),
                _ => v.ends_with(&want),
            }
        };
        let any = vals.iter().any(hit);
        if self.op == "ne" { !any } else { any }
    }
}

/// Splits a filter into words and quoted strings (`"..."` with `\"` escapes).
fn tokens(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next()? {
                    '\\' => s.push(chars.next()?),
                    '"' => break,
                    o => s.push(o),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(s);
        }
    }
    Some(out)
}

/// The values of an attribute path (`userName`, `emails.value`, ...), names case-insensitive.
fn attr_values(r: &Value, path: &str) -> Vec<String> {
    let mut cur = vec![r.clone()];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in cur {
            let items = match v {
                Value::Array(a) => a,
                o => vec![o],
            };
            for it in items {
                if let Some(o) = it.as_object()
                    && let Some((_, x)) = o.iter().find(|(k, _)| k.eq_ignore_ascii_case(part))
                {
                    next.push(x.clone());
                }
            }
        }
        cur = next;
    }
    let mut out = Vec::new();
    for v in cur {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string))),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Number(n) => out.push(n.to_string()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_as_the_sdk_sends_them() {
        let u = json!({"userName": "bob@example.com", "displayName": "Bob B",
            "emails": [{"value": "bob@example.com"}]});
        let f = |s: &str| Filter::parse(s).unwrap().matches(&u);
        assert!(f(r#"userName eq "Bob@Example.com""#));
        assert!(f(r#"displayName co "b b""#));
        assert!(f(r#"emails.value sw "bob""#));
        assert!(!f(r#"userName ne "bob@example.com""#));
        assert!(f(r#"userName eq "x" or displayName eq "bob b""#));
        assert!(!f(
            r#"userName eq "bob@example.com" and displayName eq "x""#
        ));
        assert!(Filter::parse(r#"userName eq"#).is_err());
        assert!(Filter::parse(r#"userName eq "unterminated"#).is_err());
    }
}
