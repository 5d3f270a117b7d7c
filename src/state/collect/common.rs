//! What the REST walk ([`super::rest`]), infrastructure ([`super::infra`]) and bulk mode
//! share: the Unity Catalog API prefix, keeping a read's result or recording it as a
//! collection issue, merging partial snapshots of concurrent tasks, and the per-securable
//! REST grants read. Holds no walk of its own and must never turn a failed read into an
//! absence (a non-fatal failure is an issue, a fatal one is propagated).

use tokio::task::JoinSet;

use crate::api::page::list_all;
use crate::api::transport::seg;
use crate::api::wire::{PrivilegeAssignment, TagAssignment};
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::state::Snapshot;
use crate::state::collect::{issue, rows};

/// The Unity Catalog REST API prefix.
pub(crate) const UC: &str = "/api/2.1/unity-catalog";

/// Keep a successful value; turn a non-fatal failure into an issue; propagate a fatal one.
pub(crate) fn keep<T>(
    snap: &mut Snapshot,
    r: Result<T, api::Error>,
    kind: Option<SecurableKind>,
    full: &str,
    attr: Option<&str>,
    subtree: bool,
) -> Result<Option<T>, api::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            snap.collection_issues
                .push(issue(kind, full, attr, subtree, &e));
            Ok(None)
        }
    }
}

/// Append a partial snapshot (one task's rows and issues) to `into`.
pub(crate) fn merge(into: &mut Snapshot, from: Snapshot) {
    into.securables.extend(from.securables);
    into.columns.extend(from.columns);
    into.grants.extend(from.grants);
    into.tags.extend(from.tags);
    into.row_filters.extend(from.row_filters);
    into.column_masks.extend(from.column_masks);
    into.collection_issues.extend(from.collection_issues);
}

/// Merge every task's partial snapshot into `snap` as tasks finish; the first fatal error
/// aborts the rest.
pub(crate) async fn join(
    set: &mut JoinSet<Result<Snapshot, api::Error>>,
    snap: &mut Snapshot,
) -> Result<(), api::Error> {
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(part)) => merge(snap, part),
            Ok(Err(e)) => {
                set.abort_all();
                return Err(e);
            }
            Err(e) => {
                return Err(api::Error::Transport {
                    method: "-".into(),
                    path: "-".into(),
                    message: format!("a collection task failed: {e}"),
                });
            }
        }
    }
    Ok(())
}

/// The grants of one securable, `GET .../permissions/<type>/<name>`; a failure is an issue
/// on its `grants` attribute.
///
/// Paged with `max_results=0` (the server's page size): the SDK's `GrantsAPI.get` docstring
/// (databricks-sdk-py `service/catalog.py`) says "we recommend using max_results=0 to use the
/// paginated version of this API. Unpaginated calls will be deprecated soon", and "a page may
/// contain zero results while still providing a next_page_token" — [`list_all`] follows the
/// token until it is absent, empty pages included. Assignments of deleted principals (no
/// `principal`, only `principal_id`) are not asked for and would be skipped.
pub(crate) async fn grants(
    client: &Client,
    snap: &mut Snapshot,
    kind: SecurableKind,
    full: &str,
) -> Result<(), api::Error> {
    let r = read_grants(client, kind, full).await;
    if let Some(pa) = keep(snap, r, Some(kind), full, Some("grants"), false)? {
        snap.grants.extend(rows::grants(kind, full, &pa));
    }
    Ok(())
}

/// The one permissions read of a securable (`GET .../permissions/{type}/{name}`, every
/// page), its failure not yet turned into a collection issue: callers that may treat a 404
/// as "absent" (the scoped re-read of `drift apply`) look at it first.
pub(crate) async fn read_grants(
    client: &Client,
    kind: SecurableKind,
    full: &str,
) -> Result<Vec<PrivilegeAssignment>, api::Error> {
    let path = format!(
        "{UC}/permissions/{}/{}",
        kind.api_securable_type(),
        seg(full)
    );
    list_all::<PrivilegeAssignment>(
        client,
        &path,
        &[("max_results", "0".into())],
        "privilege_assignments",
    )
    .await
}

/// The one tag read of an entity (`GET .../entity-tag-assignments/{entity}/{name}/tags`,
/// every page): `entity` is a kind's [`SecurableKind::tag_entity`] or `columns` (then `full`
/// is `table.column`). Its failure is not yet a collection issue (see [`read_grants`]).
pub(crate) async fn read_tags(
    client: &Client,
    entity: &str,
    full: &str,
) -> Result<Vec<TagAssignment>, api::Error> {
    let path = format!("{UC}/entity-tag-assignments/{entity}/{}/tags", seg(full));
    list_all::<TagAssignment>(client, &path, &[], "tag_assignments").await
}
