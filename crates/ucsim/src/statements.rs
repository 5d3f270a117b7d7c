//! The SQL Statement Execution API lifecycle: statements in flight (PENDING until their
//! simulated run time has passed), results split into chunks, cancel, and the response shapes
//! (`StatementResponse`, `ResultData`). Execution itself is [`crate::sql`]; this module never
//! touches HTTP types.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::sql::{SqlError, SqlResult};

/// Where a statement is in its life.
#[derive(Debug, Clone)]
pub enum StmtState {
    /// Waiting for its run time to pass.
    Pending,
    /// Done with a result.
    Succeeded(SqlResult),
    /// Done with an SQL error.
    Failed(SqlError),
    /// Canceled before it ran.
    Canceled,
}

/// One statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Statement id.
    pub id: String,
    /// SQL text.
    pub sql: String,
    /// Default catalog.
    pub catalog: Option<String>,
    /// Default schema.
    pub schema: Option<String>,
    /// When it may run.
    pub ready_at: Instant,
    /// State.
    pub state: StmtState,
    /// Rows per chunk.
    pub chunk_rows: usize,
    /// Principal that submitted it.
    pub principal: String,
    /// Whether a poll already saw it pending (then it reports RUNNING).
    pub polled: bool,
    /// A failure decided by a statement fault rule at submission: when its run time comes,
    /// the statement fails with it (`error_code`, error) instead of running.
    pub injected: Option<(String, SqlError)>,
    /// `status.error.error_code` reported when it failed.
    pub error_code: String,
}

/// All statements of a server.
#[derive(Debug, Default)]
pub struct Statements {
    map: HashMap<String, Statement>,
    counter: u64,
}

/// A validated execute request.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// SQL text.
    pub statement: String,
    /// Default catalog.
    pub catalog: Option<String>,
    /// Default schema.
    pub schema: Option<String>,
    /// How long the POST may wait.
    pub wait: Duration,
    /// Cancel instead of returning PENDING when the wait runs out.
    pub cancel_on_timeout: bool,
}

/// Parses and validates the execute body against the valid warehouses (empty: any).
pub fn parse_exec(body: &Value, warehouses: &[String]) -> Result<ExecRequest, ApiError> {
    let statement = body
        .get("statement")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: statement"))?
        .to_string();
    let wh = body
        .get("warehouse_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: warehouse_id"))?;
    if !warehouses.is_empty() && !warehouses.iter().any(|w| w == wh) {
        return Err(ApiError::not_found(
            "RESOURCE_DOES_NOT_EXIST",
            format!("SQL warehouse '{wh}' does not exist."),
        ));
    }
    let wait = match body.get("wait_timeout").and_then(Value::as_str) {
        None => Duration::from_secs(10),
        Some(w) => {
            let secs: u64 = w
                .strip_suffix('s')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ApiError::invalid(format!("Invalid wait_timeout '{w}'.")))?;
            if secs != 0 && !(5..=50).contains(&secs) {
                return Err(ApiError::invalid(format!(
                    "wait_timeout must be 0s or between 5s and 50s, got '{w}'."
                )));
            }
            Duration::from_secs(secs)
        }
    };
    if let Some(d) = body.get("disposition").and_then(Value::as_str)
        && d != "INLINE"
    {
        return Err(ApiError::invalid(format!(
            "disposition '{d}' is not supported by ucsim (only INLINE)."
        )));
    }
    if let Some(f) = body.get("format").and_then(Value::as_str)
        && f != "JSON_ARRAY"
    {
        return Err(ApiError::invalid(format!(
            "format '{f}' requires EXTERNAL_LINKS disposition."
        )));
    }
    let cancel_on_timeout = body.get("on_wait_timeout").and_then(Value::as_str) == Some("CANCEL");
    Ok(ExecRequest {
        statement,
        catalog: body
            .get("catalog")
            .and_then(Value::as_str)
            .map(str::to_string),
        schema: body
            .get("schema")
            .and_then(Value::as_str)
            .map(str::to_string),
        wait,
        cancel_on_timeout,
    })
}

impl Statements {
    /// Registers a statement that may run after `delay`; returns its id.
    pub fn submit(
        &mut self,
        req: &ExecRequest,
        delay: Duration,
        chunk_rows: usize,
        principal: &str,
    ) -> String {
        self.counter += 1;
        let id = format!("01f0ucsim-0000-0000-0000-{:012x}", self.counter);
        // Keep memory bounded: drop finished statements beyond 10,000.
        if self.map.len() >= 10_000 {
            let done: Vec<String> = self
                .map
                .iter()
                .filter(|(_, s)| !matches!(s.state, StmtState::Pending))
                .map(|(k, _)| k.clone())
                .take(5_000)
                .collect();
            for k in done {
                self.map.remove(&k);
            }
        }
        self.map.insert(
            id.clone(),
            Statement {
                id: id.clone(),
                sql: req.statement.clone(),
                catalog: req.catalog.clone(),
                schema: req.schema.clone(),
                ready_at: Instant::now() + delay,
                state: StmtState::Pending,
                chunk_rows: if chunk_rows == 0 { 10_000 } else { chunk_rows },
                principal: principal.to_string(),
                polled: false,
                injected: None,
                error_code: "BAD_REQUEST".into(),
            },
        );
        id
    }

    /// The statement, if known.
    pub fn get(&self, id: &str) -> Option<&Statement> {
        self.map.get(id)
    }

    /// Mutable access.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Statement> {
        self.map.get_mut(id)
    }
}

/// 404 for an unknown statement id.
pub fn unknown(id: &str) -> ApiError {
    ApiError::not_found(
        "NOT_FOUND",
        format!("Statement '{id}' does not exist or has expired."),
    )
}

fn chunk_json(st: &Statement, r: &SqlResult, idx: usize) -> Value {
    let size = st.chunk_rows.max(1);
    let start = idx * size;
    let end = (start + size).min(r.rows.len());
    let rows = &r.rows[start.min(end)..end];
    let mut m = Map::new();
    m.insert("chunk_index".into(), json!(idx));
    m.insert("row_offset".into(), json!(start));
    m.insert("row_count".into(), json!(rows.len()));
    if !rows.is_empty() {
        m.insert("data_array".into(), json!(rows));
    }
    if end < r.rows.len() {
        m.insert("next_chunk_index".into(), json!(idx + 1));
        m.insert(
            "next_chunk_internal_link".into(),
            json!(format!(
                "/api/2.0/sql/statements/{}/result/chunks/{}",
                st.id,
                idx + 1
            )),
        );
    }
    Value::Object(m)
}

fn chunk_count(st: &Statement, r: &SqlResult) -> usize {
    r.rows.len().div_ceil(st.chunk_rows.max(1)).max(1)
}

/// The `StatementResponse` of a statement in its current state.
pub fn response(st: &Statement) -> Value {
    match &st.state {
        StmtState::Pending => {
            let state = if st.polled { "RUNNING" } else { "PENDING" };
            json!({"statement_id": st.id, "status": {"state": state}})
        }
        StmtState::Canceled => json!({"statement_id": st.id, "status": {"state": "CANCELED"}}),
        StmtState::Failed(e) => json!({
            "statement_id": st.id,
            "status": {"state": "FAILED", "sql_state": e.sql_state,
                "error": {"error_code": st.error_code, "message": e.message}}
        }),
        StmtState::Succeeded(r) => {
            let n = chunk_count(st, r);
            let size = st.chunk_rows.max(1);
            let chunks: Vec<Value> = (0..n)
                .map(|i| {
                    let start = i * size;
                    let cnt = r.rows.len().saturating_sub(start).min(size);
                    json!({"chunk_index": i, "row_offset": start, "row_count": cnt})
                })
                .collect();
            let cols: Vec<Value> = r
                .columns
                .iter()
                .enumerate()
                .map(|(i, (name, ty))| {
                    json!({"name": name, "position": i, "type_name": ty,
                        "type_text": ty})
                })
                .collect();
            json!({
                "statement_id": st.id,
                "status": {"state": "SUCCEEDED"},
                "manifest": {
                    "format": "JSON_ARRAY",
                    "schema": {"column_count": cols.len(), "columns": cols},
                    "total_chunk_count": n,
                    "total_row_count": r.rows.len(),
                    "chunks": chunks,
                    "truncated": false
                },
                "result": chunk_json(st, r, 0)
            })
        }
    }
}

/// One result chunk of a succeeded statement.
pub fn chunk(st: &Statement, idx: usize) -> Result<Value, ApiError> {
    match &st.state {
        StmtState::Succeeded(r) if idx < chunk_count(st, r) => Ok(chunk_json(st, r, idx)),
        StmtState::Succeeded(_) => Err(ApiError::not_found(
            "NOT_FOUND",
            format!("Chunk {idx} of statement '{}' does not exist.", st.id),
        )),
        _ => Err(ApiError::new(
            400,
            "BAD_REQUEST",
            format!("Statement '{}' has no result.", st.id),
        )),
    }
}
