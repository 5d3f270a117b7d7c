//! The `DESCRIBE TABLE EXTENDED` fallback of bulk mode: when a catalog's
//! `information_schema.row_filters` or `column_masks` query fails (the views are missing on
//! older runtimes), read the row filter and column masks of every table the walk listed in
//! that catalog with one `DESCRIBE TABLE EXTENDED <t> AS JSON` each, or with the text layout
//! once `AS JSON` proved unsupported. Views (`VIEW`, `METRIC_VIEW`) are skipped: they cannot
//! carry a row filter or a column mask (dynamic views filter inline); tables, materialized
//! views, streaming tables and foreign tables are described. A table whose `DESCRIBE` fails
//! is a collection issue on that table, never "no filter"; only when the fallback cannot
//! start (its first request is rejected) does the catalog keep the catalog-level issue.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinSet;

use super::describe::{self, Controls, ParseError};
use crate::api::sql;
use crate::api::{self, Client};
use crate::model::SecurableKind;
use crate::model::sql::dotted;
use crate::state::collect::issue;
use crate::state::collect::known::ColumnSet;
use crate::state::{CollectionIssue, Snapshot};

/// Table types that can never carry a row filter or column mask.
const NOT_DESCRIBED: [&str; 2] = ["VIEW", "METRIC_VIEW"];

/// Shared by every catalog of one run: cleared once `AS JSON` proved unsupported, so later
/// tables go straight to the text layout.
#[derive(Debug)]
pub struct JsonSupport(AtomicBool);

impl JsonSupport {
    pub fn new() -> JsonSupport {
        JsonSupport(AtomicBool::new(true))
    }
    fn supported(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
    fn unsupported(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// What the fallback of one catalog must read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    pub row_filter: bool,
    pub column_masks: bool,
}

impl Wanted {
    fn attributes(self) -> Vec<&'static str> {
        let mut a = Vec::new();
        if self.row_filter {
            a.push("row_filter");
        }
        if self.column_masks {
            a.push("column_masks");
        }
        a
    }
}

/// True when an `information_schema` failure may be worked around by describing tables: not
/// fatal (the caller stops the run then) and not throttling or unavailability that survived
/// the transport's retries (more requests would not help).
pub fn can_fall_back(e: &api::Error) -> bool {
    if e.is_fatal() {
        return false;
    }
    match e {
        api::Error::Api { status, .. } => !matches!(status, 429 | 503),
        api::Error::Sql { .. } => !sql::is_throttled(e),
        _ => true,
    }
}

/// True when a failed `AS JSON` statement says the syntax itself is not supported.
fn json_syntax_unsupported(e: &api::Error) -> bool {
    match e {
        api::Error::Sql {
            sql_state, message, ..
        } => {
            sql_state == "42601"
                || message.contains("PARSE_SYNTAX_ERROR")
                || message.contains("UNSUPPORTED_FEATURE")
        }
        _ => false,
    }
}

/// Why one table could not be described.
enum Failure {
    Api(api::Error),
    Parse(ParseError),
}

/// The `DESCRIBE` statement for the table `c.s.t` (`AS JSON` or the text layout), its
/// name quoted part by part (a dot inside the table's own name stays in its last part).
pub(in crate::state::collect) fn describe_statement(table: &str, json: bool) -> String {
    let quoted = dotted(table, 3);
    if json {
        format!("DESCRIBE TABLE EXTENDED {quoted} AS JSON")
    } else {
        format!("DESCRIBE TABLE EXTENDED {quoted}")
    }
}

/// `DESCRIBE` one table: `AS JSON` while supported, else (or when it fails as a statement) the
/// text layout.
async fn describe_table(
    client: &Client,
    warehouse: &str,
    table: &str,
    json: &JsonSupport,
) -> Result<Controls, Failure> {
    let mut json_failed = false;
    if json.supported() {
        let stmt = describe_statement(table, true);
        match sql::execute(client, warehouse, &stmt).await {
            Ok(res) => {
                let i = res.col(&["json_metadata"]).unwrap_or(0);
                let doc = res
                    .rows
                    .first()
                    .and_then(|r| r.get(i))
                    .and_then(|v| v.as_deref())
                    .unwrap_or("");
                return describe::from_json(table, doc).map_err(Failure::Parse);
            }
            // Throttling reported as a failed statement says nothing about AS JSON.
            Err(e @ api::Error::Sql { .. }) if !can_fall_back(&e) => return Err(Failure::Api(e)),
            Err(e @ api::Error::Sql { .. }) => {
                if json_syntax_unsupported(&e) {
                    json.unsupported();
                }
                json_failed = true;
            }
            Err(e) => return Err(Failure::Api(e)),
        }
    }
    let stmt = describe_statement(table, false);
    let res = sql::execute(client, warehouse, &stmt)
        .await
        .map_err(Failure::Api)?;
    // AS JSON failed where the text layout works: AS JSON is what this warehouse lacks.
    if json_failed {
        json.unsupported();
    }
    let name = res.col(&["col_name"]).unwrap_or(0);
    let value = res.col(&["data_type"]).unwrap_or(1);
    describe::from_text(table, &res.rows, name, value).map_err(Failure::Parse)
}

/// Adds the wanted parts of a table's controls to `snap` (masks only on columns the walk saw,
/// as the `information_schema` path does); a failure becomes issues on that table.
fn record(
    snap: &mut Snapshot,
    table: &str,
    wanted: Wanted,
    r: Result<Controls, Failure>,
    columns: &ColumnSet,
) {
    match r {
        Ok(c) => {
            if wanted.row_filter {
                snap.row_filters.extend(c.row_filter);
            }
            if wanted.column_masks {
                snap.column_masks.extend(
                    c.masks
                        .into_iter()
                        .filter(|m| columns.get(table, &m.column_name).is_some()),
                );
            }
        }
        Err(f) => {
            for a in wanted.attributes() {
                let i = match &f {
                    Failure::Api(e) => issue(Some(SecurableKind::Table), table, Some(a), false, e),
                    Failure::Parse(e) => CollectionIssue {
                        securable_kind: Some(SecurableKind::Table),
                        full_name: table.into(),
                        attribute: Some(a.into()),
                        subtree: false,
                        error_code: Some("decode".into()),
                        message: e.to_string().into(),
                    },
                };
                snap.collection_issues.push(i);
            }
        }
    }
}

/// The tables of `catalog` the walk listed that can carry filters or masks, sorted.
pub fn tables_of(snap: &Snapshot, catalog: &str) -> Vec<String> {
    let mut t: Vec<String> = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Table))
        .filter(|s| s.full_name.split('.').next() == Some(catalog))
        .filter(|s| {
            !s.securable_type
                .as_deref()
                .is_some_and(|ty| NOT_DESCRIBED.iter().any(|n| ty.eq_ignore_ascii_case(n)))
        })
        .map(|s| s.full_name.to_string())
        .collect();
    t.sort();
    t
}

/// Runs the fallback for one catalog into a fresh snapshot part. `Ok(None)`: it could not
/// start (the first `DESCRIBE` was rejected as a request, not as a statement about that
/// table), so the caller keeps the catalog-level issue. `Err`: a fatal error.
pub async fn run(
    client: &Client,
    warehouse: &str,
    tables: Vec<String>,
    wanted: Wanted,
    json: Arc<JsonSupport>,
    columns: Arc<ColumnSet>,
) -> Result<Option<Snapshot>, api::Error> {
    let mut part = Snapshot::default();
    let mut rest = tables.into_iter();
    // The first table alone: it tells whether AS JSON works and whether DESCRIBE can run at
    // all before the others are sent.
    let Some(first) = rest.next() else {
        return Ok(Some(part));
    };
    match describe_table(client, warehouse, &first, &json).await {
        Err(Failure::Api(e)) if e.is_fatal() => return Err(e),
        Err(Failure::Api(e)) if !matches!(e, api::Error::Sql { .. }) => return Ok(None),
        r => record(&mut part, &first, wanted, r, &columns),
    }
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let mut set = JoinSet::new();
    for t in rest {
        pending.insert(t.clone());
        let client = client.clone();
        let warehouse = warehouse.to_string();
        let json = json.clone();
        set.spawn(async move {
            let r = describe_table(&client, &warehouse, &t, &json).await;
            (t, r)
        });
    }
    while let Some(j) = set.join_next().await {
        let Ok((t, r)) = j else { continue };
        pending.remove(&t);
        match r {
            Err(Failure::Api(e)) if e.is_fatal() => {
                set.abort_all();
                return Err(e);
            }
            r => record(&mut part, &t, wanted, r, &columns),
        }
    }
    // A task that ended without an answer (it cannot panic; this is the safety net): its
    // table is unknown, not unfiltered.
    for t in pending {
        let e = api::Error::Transport {
            method: "-".into(),
            path: "-".into(),
            message: format!("the describe task of {t} failed"),
        };
        record(&mut part, &t, wanted, Err(Failure::Api(e)), &columns);
    }
    Ok(Some(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_err(sql_state: &str, message: &str) -> api::Error {
        api::Error::Sql {
            state: "FAILED".into(),
            sql_state: sql_state.into(),
            message: message.into(),
        }
    }

    fn http(status: u16) -> api::Error {
        api::Error::Api {
            method: "POST".into(),
            path: "/api/2.0/sql/statements".into(),
            status,
            error_code: "X".into(),
            message: "m".into(),
        }
    }

    #[test]
    fn which_failures_fall_back() {
        assert!(can_fall_back(&sql_err(
            "42P01",
            "[TABLE_OR_VIEW_NOT_FOUND] row_filters"
        )));
        assert!(can_fall_back(&sql_err(
            "42703",
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] table_catalog"
        )));
        assert!(can_fall_back(&http(400)));
        assert!(can_fall_back(&http(403)));
        assert!(!can_fall_back(&sql_err(
            "",
            "[REQUEST_LIMIT_EXCEEDED] Your request was rejected"
        )));
        assert!(!can_fall_back(&http(429)));
        assert!(!can_fall_back(&http(503)));
        assert!(!can_fall_back(&http(401)));
        assert!(!can_fall_back(&api::Error::Transport {
            method: "POST".into(),
            path: "/".into(),
            message: "refused".into(),
        }));
    }

    #[test]
    fn as_json_syntax_errors_mean_unsupported() {
        assert!(json_syntax_unsupported(&sql_err("42601", "whatever")));
        assert!(json_syntax_unsupported(&sql_err(
            "",
            "[PARSE_SYNTAX_ERROR] Syntax error at or near 'AS'"
        )));
        assert!(!json_syntax_unsupported(&sql_err(
            "42P01",
            "[TABLE_OR_VIEW_NOT_FOUND] t"
        )));
        assert!(!json_syntax_unsupported(&http(400)));
    }

    #[test]
    fn views_are_not_described() {
        use crate::state::SecurableRow;
        let t = |name: &str, ty: &str| SecurableRow {
            kind: Some(SecurableKind::Table),
            full_name: name.into(),
            securable_type: Some(ty.into()),
            ..SecurableRow::default()
        };
        let snap = Snapshot {
            securables: vec![
                t("c.s.v", "VIEW"),
                t("c.s.b", "MANAGED"),
                t("c.s.mv", "MATERIALIZED_VIEW"),
                t("c.s.m", "metric_view"),
                t("cx.s.a", "MANAGED"),
                t("c.s.f", "FOREIGN"),
            ],
            ..Snapshot::default()
        };
        assert_eq!(tables_of(&snap, "c"), ["c.s.b", "c.s.f", "c.s.mv"]);
    }
}
