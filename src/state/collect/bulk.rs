//! Bulk mode: the REST walk for securables and columns (requests grow with pages, not with
//! tables), then tags, grants, row filters and column masks from a dozen
//! `<catalog>.information_schema` queries per catalog. Rows about securables the walk did
//! not see (an unreadable schema) are dropped, so bulk never reports more than it listed.
//! A failed query is a collection issue on the catalog for that attribute, except for
//! `row_filters` / `column_masks`: those views are missing on older runtimes, so their
//! failure switches that catalog to one `DESCRIBE TABLE EXTENDED` per table ([`fallback`],
//! parsed by [`describe`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::api::sql::{self, SqlResult, ident, literal};
use crate::api::{self, Client};
use crate::model::{PolicyArg, SecurableKind};
use crate::state::collect::common::{keep, merge};
use crate::state::collect::known::{ColumnSet, Known};
use crate::state::collect::rest::walk;
use crate::state::collect::sqlrows::{at, at_opt, direct_grants, name, need, need_all};
use crate::state::collect::{CollectOptions, Error, Progress, issue};
use crate::state::intern::Interners;
use crate::state::{CollectionIssue, ColumnMaskRow, RowFilterRow, Snapshot, TagRow};

mod describe;
mod fallback;

use fallback::{JsonSupport, Wanted};

/// One information_schema query and how its rows become snapshot rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Query {
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
    pub(super) fn view(self) -> &'static str {
        match self {
            Query::Tags(_, v) | Query::Grants(_, v, _) => v,
            Query::ColumnTags => "column_tags",
            Query::RowFilters => "row_filters",
            Query::ColumnMasks => "column_masks",
        }
    }
    pub(super) fn catalog_column(self) -> &'static str {
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

/// The statement reading `q`'s view of `catalog`'s `information_schema`: the catalog is
/// quoted as an identifier and as a literal (`model::sql`), never pasted. With
/// `direct_only`, grant views keep direct grants only (inherited rows repeat a parent's
/// grant on every child).
pub(super) fn catalog_query(q: Query, catalog: &str, direct_only: bool) -> String {
    let direct = if direct_only && matches!(q, Query::Grants(..)) {
        " AND (inherited_from IS NULL OR inherited_from = 'NONE')"
    } else {
        ""
    };
    format!(
        "SELECT * FROM {}.information_schema.{} WHERE {} = {}{direct}",
        ident(catalog),
        q.view(),
        q.catalog_column(),
        literal(catalog)
    )
}

/// Every statement collection sends for `catalog` (bulk and scoped), for tests that read
/// them back with a SQL parser.
pub fn catalog_statements(catalog: &str) -> Vec<String> {
    let mut out = Vec::new();
    for q in QUERIES {
        out.push(catalog_query(q, catalog, true));
        out.push(catalog_query(q, catalog, false));
    }
    out
}

/// The statements the `DESCRIBE` fallback sends for the table `c.s.t` (`AS JSON`, text).
pub fn describe_statements(table: &str) -> Vec<String> {
    vec![
        fallback::describe_statement(table, true),
        fallback::describe_statement(table, false),
    ]
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
        .map(|s| s.full_name.to_string())
        .collect();
    let mut set = JoinSet::new();
    for c in &catalogs {
        for q in QUERIES {
            let stmt = catalog_query(q, c, true);
            let client = client.clone();
            let warehouse = warehouse.clone();
            let c = c.clone();
            set.spawn(async move {
                let r = sql::execute(&client, &warehouse, &stmt).await;
                (c, q, r)
            });
        }
    }
    let known = Known::of(&snap);
    let columns = ColumnSet::of(&snap);
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
                let i = issue(
                    Some(SecurableKind::Catalog),
                    &c,
                    Some(q.attribute()),
                    true,
                    &e,
                );
                defer(&mut deferred, &c, q, i);
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
        // Turned into rows as soon as it arrives and dropped: a 1M-table metastore's results
        // are gigabytes of cells when held until every query has answered.
        let Some(res) = kept else { continue };
        if let Err(why) = apply(&mut snap, q, &res, &known, &columns) {
            let i = CollectionIssue {
                securable_kind: Some(SecurableKind::Catalog),
                full_name: c.clone().into(),
                attribute: Some(q.attribute().into()),
                subtree: true,
                error_code: Some("decode".into()),
                message: format!("{}.information_schema.{}: {why}", ident(&c), q.view()).into(),
            };
            // A filters or masks view of an unknown shape is read with DESCRIBE instead.
            if matches!(q, Query::RowFilters | Query::ColumnMasks) {
                defer(&mut deferred, &c, q, i);
            } else {
                snap.collection_issues.push(i);
            }
        }
    }
    describe_fallback(client, &warehouse, &mut snap, deferred, columns).await?;
    Ok(snap)
}

/// Leave a catalog's row filters or column masks to the `DESCRIBE` fallback, keeping the
/// catalog-level issue in case the fallback cannot start.
fn defer(
    deferred: &mut BTreeMap<String, (Wanted, Vec<CollectionIssue>)>,
    catalog: &str,
    q: Query,
    issue: CollectionIssue,
) {
    let d = deferred.entry(catalog.to_string()).or_default();
    if matches!(q, Query::RowFilters) {
        d.0.row_filter = true;
    } else {
        d.0.column_masks = true;
    }
    d.1.push(issue);
}

/// Runs the `DESCRIBE` fallback ([`fallback`]) for every deferred catalog, concurrently;
/// a catalog whose fallback cannot start keeps its catalog-level issues.
async fn describe_fallback(
    client: &Client,
    warehouse: &str,
    snap: &mut Snapshot,
    deferred: BTreeMap<String, (Wanted, Vec<CollectionIssue>)>,
    columns: ColumnSet,
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

/// `target_columns` / `using_columns`: a comma list of arguments that "may be quoted: parse
/// like CSV" (reference §16.5): an item in `"` holds `,` and `""` for `"`. Each item is a
/// column (bare or backtick-quoted) or a constant literal (`'US'`, `42`), returned as SQL
/// text ([`PolicyArg::to_sql`]).
fn split_list(s: Option<&str>) -> Vec<String> {
    let Some(s) = s else { return Vec::new() };
    csv_items(s)
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| PolicyArg::from_sql(p).to_sql())
        .collect()
}

/// Splits one CSV record (RFC 4180 quoting) into its items.
fn csv_items(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Key columns naming the catalog, schema and object of a row (spellings differ by view).
const TABLE_KEY: [&[&str]; 3] = [
    &["catalog_name", "table_catalog"],
    &["schema_name", "table_schema"],
    &["table_name"],
];

/// Turns one query's rows into snapshot rows about securables and columns the walk saw.
/// `Err` names a column the rows need and the result lacks: the view is not the one
/// expected, and its attribute is unknown rather than empty.
pub(super) fn apply(
    snap: &mut Snapshot,
    q: Query,
    res: &SqlResult,
    known: &Known,
    columns: &ColumnSet,
) -> Result<(), String> {
    // One interner per text column of this result (tag keys and values, function names).
    let mut intern = Interners::default();
    match q {
        Query::Tags(kind, _) => {
            let key: &[&[&str]] = match kind {
                SecurableKind::Catalog => &[&["catalog_name"]],
                SecurableKind::Schema => &[&["catalog_name"], &["schema_name"]],
                SecurableKind::Volume => &[
                    &["catalog_name", "volume_catalog"],
                    &["schema_name", "volume_schema"],
                    &["volume_name"],
                ],
                _ => &TABLE_KEY,
            };
            let key = need_all(res, key)?;
            let tag = need(res, &["tag_name"])?;
            let value = res.col(&["tag_value"]);
            for row in &res.rows {
                let (Some(name), Some(k)) = (name(row, &key), at(row, tag)) else {
                    continue;
                };
                let Some(name) = known.get(kind, &name) else {
                    continue;
                };
                snap.tags.push(TagRow {
                    securable_kind: Some(kind),
                    securable_full_name: name,
                    column_name: None,
                    key: intern.column(0).get(k),
                    value: intern.column(1).get(at_opt(row, value).unwrap_or("")),
                });
            }
        }
        Query::ColumnTags => {
            let key = need_all(res, &TABLE_KEY)?;
            let (col, tag) = (need(res, &["column_name"])?, need(res, &["tag_name"])?);
            let value = res.col(&["tag_value"]);
            for row in &res.rows {
                let (Some(name), Some(c), Some(k)) = (name(row, &key), at(row, col), at(row, tag))
                else {
                    continue;
                };
                let Some(name) = columns.get(&name, c) else {
                    continue;
                };
                snap.tags.push(TagRow {
                    securable_kind: Some(SecurableKind::Table),
                    securable_full_name: name,
                    column_name: Some(intern.column(2).get(c)),
                    key: intern.column(0).get(k),
                    value: intern.column(1).get(at_opt(row, value).unwrap_or("")),
                });
            }
        }
        Query::Grants(kind, _, key) => {
            let rows = direct_grants(res, kind, key, |n| known.get(kind, n))?;
            snap.grants.extend(rows);
        }
        Query::RowFilters => {
            let key = need_all(res, &TABLE_KEY)?;
            let filter = need(res, &["filter_name"])?;
            let cols = res.col(&["target_columns", "filter_col_usage"]);
            for row in &res.rows {
                let (Some(t), Some(f)) = (name(row, &key), at(row, filter)) else {
                    continue;
                };
                let Some(t) = known.get(SecurableKind::Table, &t) else {
                    continue;
                };
                snap.row_filters.push(RowFilterRow {
                    table_full_name: t,
                    function_full_name: f.into(),
                    input_arguments: split_list(at_opt(row, cols)),
                });
            }
        }
        Query::ColumnMasks => {
            let key = need_all(res, &TABLE_KEY)?;
            let (col, mask) = (need(res, &["column_name"])?, need(res, &["mask_name"])?);
            let using = res.col(&["using_columns", "mask_col_usage"]);
            for row in &res.rows {
                let (Some(t), Some(c), Some(m)) = (name(row, &key), at(row, col), at(row, mask))
                else {
                    continue;
                };
                let Some(t) = columns.get(&t, c) else {
                    continue;
                };
                snap.column_masks.push(ColumnMaskRow {
                    table_full_name: t,
                    column_name: c.into(),
                    function_full_name: m.into(),
                    using_arguments: split_list(at_opt(row, using)),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SecurableRow;

    fn res(columns: &[&str], rows: &[&[&str]]) -> SqlResult {
        SqlResult {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| Some(c.to_string())).collect())
                .collect(),
        }
    }

    #[test]
    fn a_view_without_the_expected_columns_is_an_error_not_an_empty_attribute() {
        let mut snap = Snapshot::default();
        snap.securables.push(SecurableRow {
            kind: Some(SecurableKind::Table),
            full_name: "c.s.t".into(),
            ..SecurableRow::default()
        });
        let known = Known::of(&snap);
        let q = Query::Tags(SecurableKind::Table, "table_tags");
        let odd = res(&["catalog_name", "schema_name", "table_name", "tag"], &[]);
        let e = apply(&mut snap, q, &odd, &known, &ColumnSet::default()).unwrap_err();
        assert!(e.contains("`tag_name`"), "{e}");

        let live = res(
            &[
                "table_catalog",
                "table_schema",
                "table_name",
                "tag_name",
                "tag_value",
            ],
            &[
                &["c", "s", "t", "k", "v"],
                &["c", "s", "unlisted", "k", "v"],
            ],
        );
        apply(&mut snap, q, &live, &known, &ColumnSet::default()).unwrap();
        assert_eq!(snap.tags.len(), 1, "only securables the walk listed");
        assert_eq!(snap.tags[0].securable_full_name, "c.s.t");
    }
}
