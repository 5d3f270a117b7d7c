//! The REST walk: catalogs, schemas, then tables, volumes and functions per schema,
//! concurrently (bounded by the client), with infrastructure alongside ([`super::infra`]).
//! With `per_securable` (rest mode) it also reads grants and tags of every securable and
//! tags of every column; bulk mode turns that off and reads them with SQL instead. What it
//! shares with `infra` and `bulk` (keeping results, merging tasks, REST grants) is in
//! [`super::common`].

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::api::page::list_all;
use crate::api::transport::seg;
use crate::api::wire::{CatalogInfo, FunctionInfo, SchemaInfo, TableInfo, VolumeInfo};
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::state::Snapshot;
use crate::state::collect::common::{UC, grants, join, keep, read_tags};
use crate::state::collect::{CollectOptions, Error, Progress, infra, rows};
use crate::state::intern::Interners;

/// Rest mode: the walk with per-securable grants and tags.
pub async fn collect(
    client: &Client,
    opts: &CollectOptions,
    progress: Arc<dyn Progress>,
) -> Result<Snapshot, Error> {
    walk(client, opts, progress, true).await
}

/// The walk; `per_securable` adds grants and tags per securable (rest mode).
pub async fn walk(
    client: &Client,
    opts: &CollectOptions,
    progress: Arc<dyn Progress>,
    per_securable: bool,
) -> Result<Snapshot, Error> {
    let mut snap = Snapshot::default();
    let catalogs = list_catalogs(client, opts, &mut snap)
        .await
        .map_err(Error::Fatal)?;
    let mut set = JoinSet::new();
    if opts.infrastructure {
        let grants_by = if per_securable {
            infra::Grants::Rest
        } else {
            infra::Grants::Sql(opts.warehouse_id.clone().unwrap_or_default())
        };
        set.spawn(infra::collect(client.clone(), progress.clone(), grants_by));
    }
    for c in catalogs {
        set.spawn(catalog(client.clone(), c, progress.clone(), per_securable));
    }
    join(&mut set, &mut snap).await.map_err(Error::Fatal)?;
    Ok(snap)
}

async fn list_catalogs(
    client: &Client,
    opts: &CollectOptions,
    snap: &mut Snapshot,
) -> Result<Vec<CatalogInfo>, api::Error> {
    if opts.catalogs.is_empty() {
        let r = list_all::<CatalogInfo>(
            client,
            &format!("{UC}/catalogs"),
            &[("max_results", "0".into())],
            "catalogs",
        )
        .await;
        return Ok(keep(snap, r, None, "", None, true)?.unwrap_or_default());
    }
    let mut out = Vec::new();
    for name in &opts.catalogs {
        let name = name.to_lowercase();
        let r = client
            .get(&format!("{UC}/catalogs/{}", seg(&name)), &[])
            .await
            .and_then(|v| {
                serde_json::from_value::<CatalogInfo>(v).map_err(|e| api::Error::Decode {
                    method: "GET".into(),
                    path: format!("{UC}/catalogs/{name}"),
                    message: e.to_string(),
                })
            });
        match r {
            // A catalog that does not exist is absent, not unknown.
            Err(api::Error::Api { status: 404, .. }) => {}
            r => {
                if let Some(c) = keep(snap, r, Some(SecurableKind::Catalog), &name, None, true)? {
                    out.push(c);
                }
            }
        }
    }
    Ok(out)
}

async fn tags(
    client: &Client,
    snap: &mut Snapshot,
    kind: SecurableKind,
    full: &str,
) -> Result<(), api::Error> {
    let Some(entity) = kind.tag_entity() else {
        return Ok(());
    };
    let r = read_tags(client, entity, full).await;
    if let Some(ta) = keep(snap, r, Some(kind), full, Some("tags"), false)? {
        snap.tags.extend(rows::tags(kind, full, None, &ta));
    }
    Ok(())
}

async fn column_tags(
    client: &Client,
    snap: &mut Snapshot,
    table: &str,
    column: &str,
) -> Result<(), api::Error> {
    let r = read_tags(client, "columns", &format!("{table}.{column}")).await;
    let attr = format!("tags.column.{column}");
    if let Some(ta) = keep(
        snap,
        r,
        Some(SecurableKind::Table),
        table,
        Some(&attr),
        false,
    )? {
        snap.tags
            .extend(rows::tags(SecurableKind::Table, table, Some(column), &ta));
    }
    Ok(())
}

async fn catalog(
    client: Client,
    c: CatalogInfo,
    progress: Arc<dyn Progress>,
    per_securable: bool,
) -> Result<Snapshot, api::Error> {
    let mut snap = Snapshot::default();
    let name = c.name.clone();
    snap.securables.push(rows::catalog(&c));
    progress.collected(SecurableKind::Catalog, 1);
    if per_securable {
        grants(&client, &mut snap, SecurableKind::Catalog, &name).await?;
        tags(&client, &mut snap, SecurableKind::Catalog, &name).await?;
    }
    let r = list_all::<SchemaInfo>(
        &client,
        &format!("{UC}/schemas"),
        &[("catalog_name", name.clone()), ("max_results", "0".into())],
        "schemas",
    )
    .await;
    let schemas = keep(
        &mut snap,
        r,
        Some(SecurableKind::Catalog),
        &name,
        None,
        true,
    )?
    .unwrap_or_default();
    let mut set = JoinSet::new();
    for s in schemas {
        if s.name.eq_ignore_ascii_case("information_schema") {
            continue;
        }
        set.spawn(schema(client.clone(), s, progress.clone(), per_securable));
    }
    join(&mut set, &mut snap).await?;
    Ok(snap)
}

async fn schema(
    client: Client,
    s: SchemaInfo,
    progress: Arc<dyn Progress>,
    per_securable: bool,
) -> Result<Snapshot, api::Error> {
    let mut snap = Snapshot::default();
    let full = rows::schema_name(&s);
    snap.securables.push(rows::schema(&s));
    progress.collected(SecurableKind::Schema, 1);
    if per_securable {
        grants(&client, &mut snap, SecurableKind::Schema, &full).await?;
        tags(&client, &mut snap, SecurableKind::Schema, &full).await?;
    }
    let q = |extra: bool| {
        let mut q = vec![
            ("catalog_name", s.catalog_name.clone()),
            ("schema_name", s.name.clone()),
        ];
        if extra {
            q.push(("max_results", "0".to_string()));
        }
        q
    };
    // Tables.
    let r = list_all::<TableInfo>(&client, &format!("{UC}/tables"), &q(true), "tables").await;
    let tables =
        keep(&mut snap, r, Some(SecurableKind::Schema), &full, None, true)?.unwrap_or_default();
    progress.collected(SecurableKind::Table, tables.len() as u64);
    let mut set = JoinSet::new();
    let mut intern = Interners::default();
    for t in &tables {
        let tr = rows::table(t, &mut intern);
        let tname = tr.securable.full_name.clone();
        let cols: Vec<String> = tr.columns.iter().map(|c| c.name.to_string()).collect();
        snap.securables.push(tr.securable);
        snap.columns.extend(tr.columns);
        if per_securable {
            snap.row_filters.extend(tr.row_filter);
            snap.column_masks.extend(tr.masks);
            let client = client.clone();
            set.spawn(async move {
                let mut s = Snapshot::default();
                grants(&client, &mut s, SecurableKind::Table, &tname).await?;
                tags(&client, &mut s, SecurableKind::Table, &tname).await?;
                for c in cols {
                    column_tags(&client, &mut s, &tname, &c).await?;
                }
                Ok(s)
            });
        }
    }
    // Volumes (paginated by default).
    let r = list_all::<VolumeInfo>(&client, &format!("{UC}/volumes"), &q(false), "volumes").await;
    let volumes =
        keep(&mut snap, r, Some(SecurableKind::Schema), &full, None, true)?.unwrap_or_default();
    progress.collected(SecurableKind::Volume, volumes.len() as u64);
    for v in &volumes {
        let row = rows::volume(v);
        let vname = row.full_name.clone();
        snap.securables.push(row);
        if per_securable {
            let client = client.clone();
            set.spawn(async move {
                let mut s = Snapshot::default();
                grants(&client, &mut s, SecurableKind::Volume, &vname).await?;
                tags(&client, &mut s, SecurableKind::Volume, &vname).await?;
                Ok(s)
            });
        }
    }
    // Functions.
    let r =
        list_all::<FunctionInfo>(&client, &format!("{UC}/functions"), &q(true), "functions").await;
    let functions =
        keep(&mut snap, r, Some(SecurableKind::Schema), &full, None, true)?.unwrap_or_default();
    progress.collected(SecurableKind::Function, functions.len() as u64);
    for f in &functions {
        let row = rows::function(f);
        let fname = row.full_name.clone();
        snap.securables.push(row);
        if per_securable {
            let client = client.clone();
            set.spawn(async move {
                let mut s = Snapshot::default();
                grants(&client, &mut s, SecurableKind::Function, &fname).await?;
                Ok(s)
            });
        }
    }
    join(&mut set, &mut snap).await?;
    Ok(snap)
}
