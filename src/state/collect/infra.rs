//! Infrastructure: storage credentials, external locations and connections, listed over
//! REST in both modes. Their grants come per securable over REST in rest mode; in bulk mode
//! from one `system.information_schema.<kind>_privileges` query per kind, falling back to
//! REST per securable for a kind whose query fails (an older runtime, a missing view), so a
//! failed query never turns into "no grants".

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::api::page::list_all;
use crate::api::sql::{self, SqlResult};
use crate::api::wire::{ConnectionInfo, ExternalLocationInfo, StorageCredentialInfo};
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::state::collect::rest::{UC, grants, join, keep};
use crate::state::collect::{Progress, rows};
use crate::state::{GrantRow, Snapshot};

/// How infrastructure grants are read.
#[derive(Debug, Clone)]
pub enum Grants {
    /// `GET .../permissions/<type>/<name>` per securable.
    Rest,
    /// `system.information_schema` privilege views through this SQL warehouse.
    Sql(String),
}

/// The privilege view of a kind and its name column.
fn view(kind: SecurableKind) -> Option<(&'static str, &'static str)> {
    match kind {
        SecurableKind::StorageCredential => {
            Some(("storage_credential_privileges", "storage_credential_name"))
        }
        SecurableKind::ExternalLocation => {
            Some(("external_location_privileges", "external_location_name"))
        }
        SecurableKind::Connection => Some(("connection_privileges", "connection_name")),
        _ => None,
    }
}

/// Direct grants (`inherited_from` NONE or NULL) on the listed securables of `kind`;
/// `None` when the result lacks a needed column (the view is not the one expected).
fn grant_rows(
    kind: SecurableKind,
    name_col: &str,
    res: &SqlResult,
    listed: &BTreeSet<String>,
) -> Option<Vec<GrantRow>> {
    let (n, g, p) = (
        res.col(&[name_col])?,
        res.col(&["grantee"])?,
        res.col(&["privilege_type"])?,
    );
    let inh = res.col(&["inherited_from"]);
    let rows = res
        .rows
        .iter()
        .filter(|r| {
            inh.and_then(|i| r.get(i).cloned().flatten())
                .is_none_or(|v| v.eq_ignore_ascii_case("NONE"))
        })
        .filter_map(|r| {
            let name = r.get(n)?.as_deref()?;
            if !listed.contains(name) {
                return None;
            }
            Some(GrantRow {
                securable_kind: Some(kind),
                securable_full_name: name.to_string(),
                principal: r.get(g)?.as_deref()?.to_string(),
                privilege: r.get(p)?.as_deref()?.to_string(),
            })
        })
        .collect();
    Some(rows)
}

/// List the three kinds and read their grants.
pub async fn collect(
    client: Client,
    progress: Arc<dyn Progress>,
    grants_by: Grants,
) -> Result<Snapshot, api::Error> {
    let mut snap = Snapshot::default();
    let mut listed: Vec<(SecurableKind, Vec<String>)> = Vec::new();

    let k = SecurableKind::StorageCredential;
    let r = list_all::<StorageCredentialInfo>(
        &client,
        &format!("{UC}/storage-credentials"),
        &[("max_results", "0".into())],
        "storage_credentials",
    )
    .await;
    if let Some(v) = keep(&mut snap, r, Some(k), "", None, true)? {
        progress.collected(k, v.len() as u64);
        snap.securables
            .extend(v.iter().map(rows::storage_credential));
        listed.push((k, v.into_iter().map(|c| c.name).collect()));
    }

    let k = SecurableKind::ExternalLocation;
    let r = list_all::<ExternalLocationInfo>(
        &client,
        &format!("{UC}/external-locations"),
        &[("max_results", "0".into())],
        "external_locations",
    )
    .await;
    if let Some(v) = keep(&mut snap, r, Some(k), "", None, true)? {
        progress.collected(k, v.len() as u64);
        snap.securables
            .extend(v.iter().map(rows::external_location));
        listed.push((k, v.into_iter().map(|c| c.name).collect()));
    }

    let k = SecurableKind::Connection;
    let r = list_all::<ConnectionInfo>(
        &client,
        &format!("{UC}/connections"),
        &[("max_results", "0".into())],
        "connections",
    )
    .await;
    if let Some(v) = keep(&mut snap, r, Some(k), "", None, true)? {
        progress.collected(k, v.len() as u64);
        snap.securables.extend(v.iter().map(rows::connection));
        listed.push((k, v.into_iter().map(|c| c.name).collect()));
    }

    // Kinds whose grants still need a REST read per securable.
    let mut per_securable: Vec<(SecurableKind, String)> = Vec::new();
    for (kind, names) in listed {
        if names.is_empty() {
            continue;
        }
        let sql_view = match &grants_by {
            Grants::Sql(w) => view(kind).map(|v| (w.clone(), v)),
            Grants::Rest => None,
        };
        let Some((warehouse, (view_name, name_col))) = sql_view else {
            per_securable.extend(names.into_iter().map(|n| (kind, n)));
            continue;
        };
        let stmt = format!("SELECT * FROM system.information_schema.{view_name}");
        match sql::execute(&client, &warehouse, &stmt).await {
            Ok(res) => {
                let set: BTreeSet<String> = names.into_iter().collect();
                match grant_rows(kind, name_col, &res, &set) {
                    Some(g) => snap.grants.extend(g),
                    None => per_securable.extend(set.into_iter().map(|n| (kind, n))),
                }
            }
            Err(e) if e.is_fatal() => return Err(e),
            // The view is missing or unreadable: read these grants over REST instead.
            Err(_) => per_securable.extend(names.into_iter().map(|n| (kind, n))),
        }
    }
    let mut set = JoinSet::new();
    for (k, n) in per_securable {
        let client = client.clone();
        set.spawn(async move {
            let mut s = Snapshot::default();
            grants(&client, &mut s, k, &n).await?;
            Ok(s)
        });
    }
    join(&mut set, &mut snap).await?;
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(rows: &[[Option<&str>; 4]]) -> SqlResult {
        SqlResult {
            columns: [
                "grantee",
                "connection_name",
                "privilege_type",
                "inherited_from",
            ]
            .map(String::from)
            .to_vec(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn keeps_direct_grants_on_listed_securables_only() {
        let r = res(&[
            [
                Some("a b"),
                Some("pg"),
                Some("USE_CONNECTION"),
                Some("NONE"),
            ],
            [Some("c"), Some("pg"), Some("USE_CONNECTION"), None],
            [
                Some("d"),
                Some("pg"),
                Some("USE_CONNECTION"),
                Some("METASTORE"),
            ],
            [
                Some("e"),
                Some("other"),
                Some("USE_CONNECTION"),
                Some("NONE"),
            ],
            [None, Some("pg"), Some("USE_CONNECTION"), Some("NONE")],
        ]);
        let listed: BTreeSet<String> = ["pg".to_string()].into();
        let g = grant_rows(SecurableKind::Connection, "connection_name", &r, &listed)
            .unwrap_or_default();
        let who: Vec<&str> = g.iter().map(|g| g.principal.as_str()).collect();
        assert_eq!(who, ["a b", "c"]);
        assert!(
            g.iter()
                .all(|g| g.securable_kind == Some(SecurableKind::Connection))
        );
    }

    #[test]
    fn a_result_without_the_name_column_is_not_an_empty_grant_list() {
        let r = res(&[[Some("a"), Some("pg"), Some("USE_CONNECTION"), Some("NONE")]]);
        let listed: BTreeSet<String> = ["pg".to_string()].into();
        assert!(grant_rows(SecurableKind::Connection, "nope", &r, &listed).is_none());
    }
}
