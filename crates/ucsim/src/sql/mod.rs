//! The SQL interpreter behind the Statement Execution API: parses the statements brickkit emits
//! (with `sqlparser`'s Databricks dialect) and executes them against the [`Store`]. Errors are
//! SQL errors (`[ERROR_CLASS] message`, SQLSTATE), returned as FAILED statements, never HTTP errors.

use crate::ops::Actor;
use crate::store::Store;

/// The rows of a successful statement: `(column name, type)` and rows of nullable strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlResult {
    /// Columns with their result `type_name`.
    pub columns: Vec<(String, &'static str)>,
    /// Rows; every cell a string or null.
    pub rows: Vec<Vec<Option<String>>>,
}

/// An SQL failure.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlError {
    /// `[CLASS] message` text.
    pub message: String,
    /// SQLSTATE.
    pub sql_state: String,
}

/// Executes one statement.
pub fn execute(
    _store: &mut Store,
    _actor: &Actor,
    sql: &str,
    _catalog: Option<&str>,
    _schema: Option<&str>,
) -> Result<SqlResult, SqlError> {
    Err(SqlError {
        message: format!("[PARSE_SYNTAX_ERROR] unsupported statement: {sql}"),
        sql_state: "42601".into(),
    })
}
