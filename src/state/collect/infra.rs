//! Infrastructure: storage credentials, external locations and connections, listed over
//! REST in both modes. Their grants come per securable over REST in rest mode; in bulk mode
//! from one `system.information_schema.<kind>_privileges` query per kind, falling back to
//! REST per securable for a kind whose query fails (an older runtime, a missing view), so a
//! failed query never turns into "no grants".

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::api::page::list_all;
use crate::api::sql;
use crate::api::wire::{ConnectionInfo, ExternalLocationInfo, StorageCredentialInfo};
use crate::api::{self, Client};
use crate::model::{SecurableKind, Text};
use crate::state::collect::common::{UC, grants, join, keep};
use crate::state::collect::sqlrows::direct_grants;
use crate::state::collect::{Progress, rows};
use crate::state::{SecurableRow, Snapshot};

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

/// List one kind into `snap` (a failed list is a subtree issue); returns its names.
#[allow(clippy::too_many_arguments)]
async fn list<T: serde::de::DeserializeOwned>(
    client: &Client,
    snap: &mut Snapshot,
    progress: &dyn Progress,
    kind: SecurableKind,
    path: &str,
    items: &str,
    row: fn(&T) -> SecurableRow,
    name: fn(T) -> String,
) -> Result<(SecurableKind, Vec<String>), api::Error> {
    let r = list_all::<T>(
        client,
        &format!("{UC}/{path}"),
        &[("max_results", "0".into())],
        items,
    )
    .await;
    let found = keep(snap, r, Some(kind), "", None, true)?.unwrap_or_default();
    progress.collected(kind, found.len() as u64);
    snap.securables.extend(found.iter().map(row));
    Ok((kind, found.into_iter().map(name).collect()))
}

/// List the three kinds and read their grants.
pub async fn collect(
    client: Client,
    progress: Arc<dyn Progress>,
    grants_by: Grants,
) -> Result<Snapshot, api::Error> {
    let mut snap = Snapshot::default();
    let listed = [
        list(
            &client,
            &mut snap,
            &*progress,
            SecurableKind::StorageCredential,
            "storage-credentials",
            "storage_credentials",
            rows::storage_credential,
            |c: StorageCredentialInfo| c.name,
        )
        .await?,
        list(
            &client,
            &mut snap,
            &*progress,
            SecurableKind::ExternalLocation,
            "external-locations",
            "external_locations",
            rows::external_location,
            |c: ExternalLocationInfo| c.name,
        )
        .await?,
        list(
            &client,
            &mut snap,
            &*progress,
            SecurableKind::Connection,
            "connections",
            "connections",
            rows::connection,
            |c: ConnectionInfo| c.name,
        )
        .await?,
    ];

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
                match direct_grants(&res, kind, &[name_col], |n| {
                    set.contains(n).then(|| Text::from(n))
                }) {
                    Ok(g) => snap.grants.extend(g),
                    // Not the view expected: read these grants over REST instead.
                    Err(_) => per_securable.extend(set.into_iter().map(|n| (kind, n))),
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
