//! SQL Statement Execution: submit with `wait_timeout`, poll while `PENDING`/`RUNNING`, read
//! every result chunk, map `FAILED` to an error carrying the SQL state and message, cancel on
//! interrupt or when polling gives up. Identifier and literal quoting are `model::sql`'s,
//! re-exported here so collection code keeps naming them `api::sql::{ident, literal}`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::api::transport::seg;
use crate::api::{Client, Error};

/// A statement's result: column names (lower case) and rows of nullable strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl SqlResult {
    /// Index of the first column named one of `names`.
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.columns.iter().position(|c| c == n))
    }
}

pub use crate::model::sql::{ident, literal};

/// Error classes of a statement that failed because the service was busy, not because of
/// the statement (reference 16.6: information_schema queries count against UC limits).
const THROTTLED: [&str; 3] = [
    "REQUEST_LIMIT_EXCEEDED",
    "TEMPORARILY_UNAVAILABLE",
    "WORKSPACE_TEMPORARILY_UNAVAILABLE",
];

/// True for a statement that `FAILED` because of throttling: worth running again later.
pub fn is_throttled(e: &Error) -> bool {
    match e {
        Error::Sql {
            sql_state, message, ..
        } => THROTTLED
            .iter()
            .any(|c| message.contains(c) || sql_state == c),
        _ => false,
    }
}

/// Run one **read-only** statement on `warehouse_id`; the whole result comes back. Its
/// submission is repeated after a lost connection, and a statement that failed because of
/// throttling is submitted again with the transport's backoff and budget — both harmless
/// only because the statement changes nothing. Statements that write need a submit path
/// that never repeats them.
pub async fn execute(
    client: &Client,
    warehouse_id: &str,
    statement: &str,
) -> Result<SqlResult, Error> {
    let start = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        match execute_once(client, warehouse_id, statement, true).await {
            Err(e) if is_throttled(&e) && client.pause_before_retry(&mut attempt, start).await => {
                tracing::debug!(attempt, "statement throttled; submitting again");
            }
            r => return r,
        }
    }
}

/// Run one statement that **changes** something (DDL, `GRANT`, `SET TAGS`). Its submission
/// is never repeated after it may have reached the server (a timeout, a lost connection):
/// the caller finds out by reading back what it changes. A statement that `FAILED` because
/// of throttling did not run and is submitted again, with the transport's backoff and budget.
pub async fn execute_write(
    client: &Client,
    warehouse_id: &str,
    statement: &str,
) -> Result<SqlResult, Error> {
    let start = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        match execute_once(client, warehouse_id, statement, false).await {
            Err(e) if is_throttled(&e) && client.pause_before_retry(&mut attempt, start).await => {
                tracing::debug!(attempt, "write statement throttled; submitting again");
            }
            r => return r,
        }
    }
}

async fn execute_once(
    client: &Client,
    warehouse_id: &str,
    statement: &str,
    read_only: bool,
) -> Result<SqlResult, Error> {
    let body = json!({
        "warehouse_id": warehouse_id,
        "statement": statement,
        "wait_timeout": "30s",
        "on_wait_timeout": "CONTINUE",
        "disposition": "INLINE",
        "format": "JSON_ARRAY",
    });
    // A read-only statement (SELECT, DESCRIBE) submitted twice is harmless; a write is not.
    let mut resp = if read_only {
        client
            .post_idempotent("/api/2.0/sql/statements", &body)
            .await?
    } else {
        client.post("/api/2.0/sql/statements", &body).await?
    };
    let id = resp
        .get("statement_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut delay = Duration::from_millis(50);
    loop {
        let state = resp
            .pointer("/status/state")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match state.as_str() {
            "PENDING" | "RUNNING" => {
                let poll = async {
                    tokio::time::sleep(delay).await;
                    client
                        .get(&format!("/api/2.0/sql/statements/{}", seg(&id)), &[])
                        .await
                };
                tokio::select! {
                    r = poll => resp = r?,
                    _ = tokio::signal::ctrl_c() => {
                        let _ = cancel(client, &id).await;
                        return Err(Error::Sql { state: "CANCELED".into(), sql_state: "interrupted".into(), message: "interrupted; the statement was cancelled".into() });
                    }
                }
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            "SUCCEEDED" => return read_result(client, &id, &resp).await,
            _ => {
                let s = |p: &str| {
                    resp.pointer(p)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                return Err(Error::Sql {
                    state: if state.is_empty() {
                        "UNKNOWN".into()
                    } else {
                        state
                    },
                    sql_state: s("/status/sql_state"),
                    message: s("/status/error/message"),
                });
            }
        }
    }
}

/// Ask the server to cancel a statement (best effort).
pub async fn cancel(client: &Client, id: &str) -> Result<(), Error> {
    client
        .post_idempotent(
            &format!("/api/2.0/sql/statements/{}/cancel", seg(id)),
            &json!({}),
        )
        .await
        .map(|_| ())
}

async fn read_result(client: &Client, id: &str, resp: &Value) -> Result<SqlResult, Error> {
    let columns = resp
        .pointer("/manifest/schema/columns")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    c.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = SqlResult {
        columns,
        rows: Vec::new(),
    };
    let mut chunk = resp.get("result").cloned().unwrap_or(Value::Null);
    loop {
        if let Some(rows) = chunk.get("data_array").and_then(Value::as_array) {
            for r in rows {
                let row = r
                    .as_array()
                    .map(|cells| {
                        cells
                            .iter()
                            .map(|c| match c {
                                Value::Null => None,
                                Value::String(s) => Some(s.clone()),
                                other => Some(other.to_string()),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.rows.push(row);
            }
        }
        match chunk.get("next_chunk_index").and_then(Value::as_u64) {
            Some(n) => {
                chunk = client
                    .get(
                        &format!("/api/2.0/sql/statements/{}/result/chunks/{n}", seg(id)),
                        &[],
                    )
                    .await?;
            }
            None => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttled_statements_are_recognised_by_class_or_state() {
        let sql = |state: &str, msg: &str| Error::Sql {
            state: "FAILED".into(),
            sql_state: state.into(),
            message: msg.into(),
        };
        assert!(is_throttled(&sql(
            "",
            "[REQUEST_LIMIT_EXCEEDED] Your request was rejected"
        )));
        assert!(is_throttled(&sql("TEMPORARILY_UNAVAILABLE", "busy")));
        assert!(!is_throttled(&sql("42P01", "[TABLE_OR_VIEW_NOT_FOUND] x")));
    }

    #[test]
    fn quoting() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(literal("it's \\ ok"), "'it\\'s \\\\ ok'");
    }
}
