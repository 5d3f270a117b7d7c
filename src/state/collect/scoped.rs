//! A **scoped read**: only the securables and attributes a plan touches, for apply's
//! precondition check, its re-read after a lost answer and its verification. Per target:
//! the securable itself (`GET` by name) when an attribute needs it, one permissions read
//! when grants are touched, and its tags — one REST read per securable and per column, or,
//! with a SQL warehouse, one `information_schema` query per catalog and tag view for all
//! targets at once.
//!
//! Same rules as the full collection: a `404` is an absent securable; any other failed read
//! is a collection issue on what it would have read, never an absence; only fatal errors
//! (bad credentials, unreachable host) stop it.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

use crate::api::sql::{self, ident};
use crate::api::transport::seg;
use crate::api::wire::{
    CatalogInfo, ConnectionInfo, ExternalLocationInfo, FunctionInfo, SchemaInfo,
    StorageCredentialInfo, TableInfo, VolumeInfo,
};
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::state::collect::bulk::{self, Query};
use crate::state::collect::common::{UC, join, keep, read_grants, read_tags};
use crate::state::collect::known::{ColumnSet, Known};
use crate::state::collect::{Error, rows};
use crate::state::intern::Interners;
use crate::state::{CollectionIssue, SecurableRow, Snapshot};

/// One securable to re-read and which of its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub kind: Option<SecurableKind>,
    pub full_name: String,
    /// Read the securable itself (existence, owner, comment, columns, filter, masks).
    pub details: bool,
    pub grants: bool,
    /// Read its securable-level tags.
    pub tags: bool,
    /// Columns whose tags are read.
    pub column_tags: BTreeSet<String>,
}

/// Read `targets` (their kinds must be set). With `warehouse_id`, tags come from
/// `information_schema`; the securable of a target whose tags are read that way is read
/// too (unless its grants read shows it exists), since "no tag rows" cannot tell an absent
/// securable from an untagged one, and column tags are kept for the columns it lists.
pub async fn scoped(
    client: &Client,
    targets: &[Target],
    warehouse_id: Option<&str>,
) -> Result<Snapshot, Error> {
    let bulk_tags = warehouse_id.is_some();
    let mut snap = Snapshot::default();
    let mut set = JoinSet::new();
    for t in targets {
        let Some(kind) = t.kind else { continue };
        let mut t = t.clone();
        if bulk_tags && (!t.column_tags.is_empty() || (t.tags && !t.grants)) {
            t.details = true;
        }
        let client = client.clone();
        set.spawn(async move { one(&client, kind, &t, !bulk_tags).await });
    }
    join(&mut set, &mut snap).await.map_err(Error::Fatal)?;
    if let Some(w) = warehouse_id {
        tags_by_sql(client, w, targets, &mut snap).await?;
    }
    snap.grants.sort();
    snap.grants.dedup();
    snap.tags.sort();
    snap.tags.dedup();
    snap.sort();
    Ok(snap)
}

/// The REST path of one securable.
fn path(kind: SecurableKind, full: &str) -> String {
    let coll = kind.rest_collection();
    format!("{UC}/{coll}/{}", seg(full))
}

fn decode<T: DeserializeOwned>(v: serde_json::Value, path: &str) -> Result<T, api::Error> {
    serde_json::from_value(v).map_err(|e| api::Error::Decode {
        method: "GET".into(),
        path: path.to_string(),
        message: e.to_string(),
    })
}

fn is_absent(e: &api::Error) -> bool {
    matches!(e, api::Error::Api { status: 404, .. })
}

/// What one target's reads found: `Ok(None)` absent.
async fn read_details(
    client: &Client,
    snap: &mut Snapshot,
    kind: SecurableKind,
    full: &str,
) -> Result<Option<bool>, api::Error> {
    let p = path(kind, full);
    let r = client.get(&p, &[]).await;
    let v = match r {
        Err(e) if is_absent(&e) => return Ok(Some(false)),
        r => match keep(snap, r, Some(kind), full, None, false)? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let row: Result<(), api::Error> =
        (|| {
            match kind {
                SecurableKind::Catalog => {
                    snap.securables
                        .push(rows::catalog(&decode::<CatalogInfo>(v, &p)?))
                }
                SecurableKind::Schema => snap
                    .securables
                    .push(rows::schema(&decode::<SchemaInfo>(v, &p)?)),
                SecurableKind::Table => {
                    let t = rows::table(&decode::<TableInfo>(v, &p)?, &mut Interners::default());
                    snap.securables.push(t.securable);
                    snap.columns.extend(t.columns);
                    snap.row_filters.extend(t.row_filter);
                    snap.column_masks.extend(t.masks);
                }
                SecurableKind::Volume => snap
                    .securables
                    .push(rows::volume(&decode::<VolumeInfo>(v, &p)?)),
                SecurableKind::Function => {
                    snap.securables
                        .push(rows::function(&decode::<FunctionInfo>(v, &p)?));
                }
                SecurableKind::StorageCredential => snap.securables.push(rows::storage_credential(
                    &decode::<StorageCredentialInfo>(v, &p)?,
                )),
                SecurableKind::ExternalLocation => {
                    snap.securables
                        .push(rows::external_location(&decode::<ExternalLocationInfo>(
                            v, &p,
                        )?))
                }
                SecurableKind::Connection => {
                    snap.securables
                        .push(rows::connection(&decode::<ConnectionInfo>(v, &p)?))
                }
            }
            Ok(())
        })();
    match keep(snap, row, Some(kind), full, None, false)? {
        Some(()) => Ok(Some(true)),
        None => Ok(None),
    }
}

/// Every read of one target. `rest_tags`: read tags over REST here.
async fn one(
    client: &Client,
    kind: SecurableKind,
    t: &Target,
    rest_tags: bool,
) -> Result<Snapshot, api::Error> {
    let mut snap = Snapshot::default();
    let full = t.full_name.as_str();
    let mut proven = false;
    if t.details {
        match read_details(client, &mut snap, kind, full).await? {
            Some(true) => proven = true,
            Some(false) => return Ok(snap),
            // Unreadable: the issue covers every attribute.
            None => return Ok(snap),
        }
    }
    if t.grants {
        match read_grants(client, kind, full).await {
            Err(e) if is_absent(&e) && !proven => return Ok(snap),
            r => {
                if let Some(pa) = keep(&mut snap, r, Some(kind), full, Some("grants"), false)? {
                    snap.grants.extend(rows::grants(kind, full, &pa));
                    proven = true;
                }
            }
        }
    }
    if rest_tags && let Some(entity) = kind.tag_entity() {
        if t.tags {
            match read_tags(client, entity, full).await {
                Err(e) if is_absent(&e) && !proven => return Ok(snap),
                r => {
                    if let Some(ta) = keep(&mut snap, r, Some(kind), full, Some("tags"), false)? {
                        snap.tags.extend(rows::tags(kind, full, None, &ta));
                        proven = true;
                    }
                }
            }
        }
        for col in &t.column_tags {
            match read_tags(client, "columns", &format!("{full}.{col}")).await {
                Err(e) if is_absent(&e) && !proven => return Ok(snap),
                r => {
                    let attr = format!("tags.column.{col}");
                    if let Some(ta) = keep(&mut snap, r, Some(kind), full, Some(&attr), false)? {
                        snap.tags.extend(rows::tags(kind, full, Some(col), &ta));
                        proven = true;
                    }
                }
            }
        }
    }
    if proven && !snap.securables.iter().any(|s| s.full_name == full) {
        // Existence shown by a read of its grants or tags: a row with nothing else known.
        snap.securables.push(SecurableRow {
            kind: Some(kind),
            full_name: full.into(),
            ..SecurableRow::default()
        });
    }
    Ok(snap)
}

/// Tags of every target from `information_schema`: one query per catalog and view.
async fn tags_by_sql(
    client: &Client,
    warehouse: &str,
    targets: &[Target],
    snap: &mut Snapshot,
) -> Result<(), Error> {
    // (catalog, query) -> needed
    let mut wanted: BTreeMap<(String, &'static str), Query> = BTreeMap::new();
    for t in targets {
        let Some(kind) = t.kind else { continue };
        if kind.tag_entity().is_none() {
            continue;
        }
        let catalog = t
            .full_name
            .split('.')
            .next()
            .unwrap_or_default()
            .to_lowercase();
        if t.tags {
            let q = match kind {
                SecurableKind::Catalog => Query::Tags(kind, "catalog_tags"),
                SecurableKind::Schema => Query::Tags(kind, "schema_tags"),
                SecurableKind::Volume => Query::Tags(kind, "volume_tags"),
                _ => Query::Tags(SecurableKind::Table, "table_tags"),
            };
            wanted.insert((catalog.clone(), q.view()), q);
        }
        if !t.column_tags.is_empty() {
            wanted.insert((catalog, "column_tags"), Query::ColumnTags);
        }
    }
    // Only rows about targets found present, and their read columns.
    let known = Known::of(snap);
    let columns = ColumnSet::of(snap);
    let mut set = JoinSet::new();
    for ((catalog, _), q) in wanted {
        let stmt = bulk::catalog_query(q, &catalog, false);
        let client = client.clone();
        let warehouse = warehouse.to_string();
        set.spawn(async move {
            let r = sql::execute(&client, &warehouse, &stmt).await;
            (catalog, q, r)
        });
    }
    let mut found = Snapshot::default();
    while let Some(r) = set.join_next().await {
        let (catalog, q, r) = r.map_err(|e| {
            Error::Fatal(api::Error::Transport {
                method: "-".into(),
                path: "-".into(),
                message: format!("an information_schema query task failed: {e}"),
            })
        })?;
        let Some(res) = keep(
            snap,
            r,
            Some(SecurableKind::Catalog),
            &catalog,
            Some("tags"),
            true,
        )
        .map_err(Error::Fatal)?
        else {
            continue;
        };
        if let Err(why) = bulk::apply(&mut found, q, &res, &known, &columns) {
            snap.collection_issues.push(CollectionIssue {
                securable_kind: Some(SecurableKind::Catalog),
                full_name: catalog.clone().into(),
                attribute: Some("tags".into()),
                subtree: true,
                error_code: Some("decode".into()),
                message: format!("{}.information_schema.{}: {why}", ident(&catalog), q.view())
                    .into(),
            });
        }
    }
    snap.tags.extend(found.tags);
    Ok(())
}
