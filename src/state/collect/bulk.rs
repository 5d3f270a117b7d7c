//! Bulk mode: the REST walk for securables and columns (requests grow with pages, not with
//! tables), then tags, grants, row filters and column masks from a dozen
//! `<catalog>.information_schema` queries per catalog. Rows about securables the walk did
//! not see (an unreadable schema) are dropped, so bulk never reports more than it listed.
//! A failed query is a collection issue on the catalog for that attribute, except for
//! `row_filters` / `column_masks`: those views are missing on older runtimes, so their
//! failure switches that catalog to one `DESCRIBE TABLE EXTENDED` per table ([`fallback`],
//! parsed by [`describe`]).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::api::sql::{self, SqlResult, ident, literal};
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::state::collect::rest::{keep, merge, walk};
use crate::state::collect::{CollectOptions, Error, Progress, issue};
use crate::state::{CollectionIssue, ColumnMaskRow, GrantRow, RowFilterRow, Snapshot, TagRow};

mod describe;
mod fallback;

use fallback::{JsonSupport, Wanted};

/// One information_schema query and how its rows become snapshot rows.
#[derive(Debug, Clone, Copy)]
enum Query {
    Tags(SecurableKind, &'static str),
    ColumnTags,
    Grants(SecurableKind, &'static str, &'static [&'static str]),
    RowFilters,
    ColumnMasks,
}

const QUERIES: [Query; 12] = [
    Query::Tags(SecurableKind::Catalog, "catalog_tags"),
    Query::Tags(SecurableKind::Schema, "schema_tags"),
    Query::Tags(SecurableKind::Table, "table_tags"),
    Query::Tags(SecurableKind::Volume, "volume_tags"),
    Query::ColumnTags,
    Query::Grants(
        SecurableKind::Catalog,
        "catalog_privileges",
        &["catalog_name"],
    ),
    Query::Grants(
        SecurableKind::Schema,
        "schema_privileges",
        &["catalog_name", "schema_name"],
    ),
    Query::Grants(
        SecurableKind::Table,
        "table_privileges",
        &["table_catalog", "table_schema", "table_name"],
    ),
    Query::Grants(
        SecurableKind::Volume,
        "volume_privileges",
        &["volume_catalog", "volume_schema", "volume_name"],
    ),
    Query::Grants(
        SecurableKind::Function,
        "routine_privileges",
        &["routine_catalog", "routine_schema", "routine_name"],
    ),
    Query::RowFilters,
    Query::ColumnMasks,
];

impl Query {
    fn view(self) -> &'static str {
        match self {
            Query::Tags(_, v) | Query::Grants(_, v, _) => v,
            Query::ColumnTags => "column_tags",
            Query::RowFilters => "row_filters",
            Query::ColumnMasks => "column_masks",
        }
    }
    fn catalog_column(self) -> &'static str {
        match self {
            Query::Tags(..) | Query::ColumnTags => "catalog_name",
            Query::Grants(_, _, cols) => cols.first().copied().unwrap_or("catalog_name"),
            Query::RowFilters | Query::ColumnMasks => "table_catalog",
        }
    }
    fn attribute(self) -> &'static str {
        match self {
            Query::Tags(..) | Query::ColumnTags => "tags",
            Query::Grants(..) => "grants",
            Query::RowFilters => "row_filter",
            Query::ColumnMasks => "column_masks",
        }
    }
}

pub async fn collect(
    client: &Client,
    opts: &CollectOptions,
    progress: Arc<dyn Progress>,
) -> Result<Snapshot, Error> {
    let warehouse = opts.warehouse_id.clone().unwrap_or_default();
    let mut snap = walk(client, opts, progress, false).await?;
    let catalogs: Vec<String> = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Catalog))
        .map(|s| s.full_name.clone())
        .collect();
    let mut set = JoinSet::new();
    for c in &catalogs {
        for q in QUERIES {
            // Direct grants only: inherited rows repeat a parent's grant on every child.
            let direct = if matches!(q, Query::Grants(..)) {
                " AND (inherited_from IS NULL OR inherited_from = 'NONE')"
            } else {
                ""
            };
            let stmt = format!(
                "SELECT * FROM {}.information_schema.{} WHERE {} = {}{direct}",
                ident(c),
                q.view(),
                q.catalog_column(),
                literal(c)
            );
            let client = client.clone();
            let warehouse = warehouse.clone();
            let c = c.clone();
            set.spawn(async move {
                let r = sql::execute(&client, &warehouse, &stmt).await;
                (c, q, r)
            });
        }
    }
    let known: HashSet<(Option<SecurableKind>, String)> = snap
        .securables
        .iter()
        .map(|s| (s.kind, s.full_name.clone()))
        .collect();
    let columns: HashSet<(String, String)> = snap
        .columns
        .iter()
        .map(|c| (c.table_full_name.clone(), c.name.to_lowercase()))
        .collect();
    let mut results = Vec::new();
    // Catalogs whose row_filters / column_masks query failed: what the DESCRIBE fallback must
    // read, and the catalog-level issues kept if it cannot start.
    let mut deferred: BTreeMap<String, (Wanted, Vec<CollectionIssue>)> = BTreeMap::new();
    while let Some(r) = set.join_next().await {
        // A query task that did not finish (it panicked) leaves a hole no issue can name:
        // stop rather than report its rows as absent.
        let (c, q, r) = r.map_err(|e| {
            Error::Fatal(api::Error::Transport {
                method: "-".into(),
                path: "-".into(),
                message: format!("an information_schema query task failed: {e}"),
            })
        })?;
        let r: Result<SqlResult, api::Error> = match (q, r) {
            (Query::RowFilters | Query::ColumnMasks, Err(e)) if fallback::can_fall_back(&e) => {
                let d = deferred.entry(c.clone()).or_default();
                if matches!(q, Query::RowFilters) {
                    d.0.row_filter = true;
                } else {
                    d.0.column_masks = true;
                }
                d.1.push(issue(
                    Some(SecurableKind::Catalog),
                    &c,
                    Some(q.attribute()),
                    true,
                    &e,
                ));
                continue;
            }
            (_, r) => r,
        };
        let kept = keep(
            &mut snap,
            r,
            Some(SecurableKind::Catalog),
            &c,
            Some(q.attribute()),
            true,
        )
        .map_err(Error::Fatal)?;
        if let Some(res) = kept {
            results.push((q, res));
        }
    }
    for (q, res) in results {
        apply(&mut snap, q, &res, &known, &columns);
    }
    describe_fallback(client, &warehouse, &mut snap, deferred, columns).await?;
    Ok(snap)
}

/// Runs the `DESCRIBE` fallback ([`fallback`]) for every deferred catalog, concurrently;
/// a catalog whose fallback cannot start keeps its catalog-level issues.
async fn describe_fallback(
    client: &Client,
    warehouse: &str,
    snap: &mut Snapshot,
    deferred: BTreeMap<String, (Wanted, Vec<CollectionIssue>)>,
    columns: HashSet<(String, String)>,
) -> Result<(), Error> {
    if deferred.is_empty() {
        return Ok(());
    }
    let json = Arc::new(JsonSupport::new());
    let columns = Arc::new(columns);
    let mut set = JoinSet::new();
    let mut kept = BTreeMap::new();
    for (c, (wanted, issues)) in deferred {
        let tables = fallback::tables_of(snap, &c);
        let client = client.clone();
        let warehouse = warehouse.to_string();
        let json = json.clone();
        let columns = columns.clone();
        let cat = c.clone();
        set.spawn(async move {
            let r = fallback::run(&client, &warehouse, tables, wanted, json, columns).await;
            (cat, r)
        });
        kept.insert(c, issues);
    }
    while let Some(j) = set.join_next().await {
        let Ok((c, r)) = j else { continue };
        match r {
            Ok(Some(part)) => {
                kept.remove(&c);
                merge(snap, part);
            }
            Ok(None) => {}
            Err(e) => {
                set.abort_all();
                return Err(Error::Fatal(e));
            }
        }
    }
    // Catalogs whose fallback could not start (or whose task ended without an answer).
    for issues in kept.into_values() {
        snap.collection_issues.extend(issues);
    }
    Ok(())
}

fn cell<'a>(res: &SqlResult, row: &'a [Option<String>], names: &[&str]) -> Option<&'a str> {
    res.col(names)
        .and_then(|i| row.get(i))
        .and_then(|v| v.as_deref())
}

fn split_list(s: Option<&str>) -> Vec<String> {
    let Some(s) = s else { return Vec::new() };
    s.split(',')
        .map(|p| p.trim().trim_matches('`').replace("``", "`"))
        .filter(|p| !p.is_empty())
        .collect()
}

fn apply(
    snap: &mut Snapshot,
    q: Query,
    res: &SqlResult,
    known: &HashSet<(Option<SecurableKind>, String)>,
    columns: &HashSet<(String, String)>,
) {
    let table_of = |row: &[Option<String>]| -> Option<String> {
        Some(format!(
            "{}.{}.{}",
            cell(res, row, &["table_catalog", "catalog_name"])?,
            cell(res, row, &["table_schema", "schema_name"])?,
            cell(res, row, &["table_name"])?
        ))
    };
    for row in &res.rows {
        match q {
            Query::Tags(kind, _) => {
                let name = match kind {
                    SecurableKind::Catalog => cell(res, row, &["catalog_name"]).map(str::to_string),
                    SecurableKind::Schema => cell(res, row, &["catalog_name"])
                        .zip(cell(res, row, &["schema_name"]))
                        .map(|(c, s)| format!("{c}.{s}")),
                    SecurableKind::Volume => (|| {
                        Some(format!(
                            "{}.{}.{}",
                            cell(res, row, &["catalog_name", "volume_catalog"])?,
                            cell(res, row, &["schema_name", "volume_schema"])?,
                            cell(res, row, &["volume_name"])?
                        ))
                    })(),
                    _ => (|| {
                        Some(format!(
                            "{}.{}.{}",
                            cell(res, row, &["catalog_name", "table_catalog"])?,
                            cell(res, row, &["schema_name", "table_schema"])?,
                            cell(res, row, &["table_name"])?
                        ))
                    })(),
                };
                let Some(name) = name else { continue };
                if !known.contains(&(Some(kind), name.clone())) {
                    continue;
                }
                let Some(key) = cell(res, row, &["tag_name"]) else {
                    continue;
                };
                snap.tags.push(TagRow {
                    securable_kind: Some(kind),
                    securable_full_name: name,
                    column_name: None,
                    key: key.to_string(),
                    value: cell(res, row, &["tag_value"]).unwrap_or("").to_string(),
                });
            }
            Query::ColumnTags => {
                let name = (|| {
                    Some(format!(
                        "{}.{}.{}",
                        cell(res, row, &["catalog_name", "table_catalog"])?,
                        cell(res, row, &["schema_name", "table_schema"])?,
                        cell(res, row, &["table_name"])?
                    ))
                })();
                let (Some(name), Some(col), Some(key)) = (
                    name,
                    cell(res, row, &["column_name"]),
                    cell(res, row, &["tag_name"]),
                ) else {
                    continue;
                };
                if !columns.contains(&(name.clone(), col.to_lowercase())) {
                    continue;
                }
                snap.tags.push(TagRow {
                    securable_kind: Some(SecurableKind::Table),
                    securable_full_name: name,
                    column_name: Some(col.to_string()),
                    key: key.to_string(),
                    value: cell(res, row, &["tag_value"]).unwrap_or("").to_string(),
                });
            }
            Query::Grants(kind, _, cols) => {
                let inherited = cell(res, row, &["inherited_from"]).unwrap_or("NONE");
                if !inherited.eq_ignore_ascii_case("NONE") {
                    continue;
                }
                let parts: Option<Vec<&str>> = cols.iter().map(|c| cell(res, row, &[c])).collect();
                let Some(parts) = parts else { continue };
                let name = parts.join(".");
                if !known.contains(&(Some(kind), name.clone())) {
                    continue;
                }
                let (Some(p), Some(priv_)) = (
                    cell(res, row, &["grantee"]),
                    cell(res, row, &["privilege_type"]),
                ) else {
                    continue;
                };
                snap.grants.push(GrantRow {
                    securable_kind: Some(kind),
                    securable_full_name: name,
                    principal: p.to_string(),
                    privilege: priv_.to_string(),
                });
            }
            Query::RowFilters => {
                let Some(t) = table_of(row) else { continue };
                if !known.contains(&(Some(SecurableKind::Table), t.clone())) {
                    continue;
                }
                let Some(f) = cell(res, row, &["filter_name"]) else {
                    continue;
                };
                snap.row_filters.push(RowFilterRow {
                    table_full_name: t,
                    function_full_name: f.to_string(),
                    input_columns: split_list(cell(
                        res,
                        row,
                        &["target_columns", "filter_col_usage"],
                    )),
                });
            }
            Query::ColumnMasks => {
                let Some(t) = table_of(row) else { continue };
                let (Some(col), Some(m)) = (
                    cell(res, row, &["column_name"]),
                    cell(res, row, &["mask_name"]),
                ) else {
                    continue;
                };
                if !columns.contains(&(t.clone(), col.to_lowercase())) {
                    continue;
                }
                snap.column_masks.push(ColumnMaskRow {
                    table_full_name: t,
                    column_name: col.to_string(),
                    function_full_name: m.to_string(),
                    using_columns: split_list(cell(res, row, &["using_columns", "mask_col_usage"])),
                });
            }
        }
    }
}
