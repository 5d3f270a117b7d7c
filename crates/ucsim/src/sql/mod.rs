//! The SQL interpreter behind the Statement Execution API: parses the statements brickkit emits
//! ([`parse`]), executes each command kind against the [`Store`] through the same operations as
//! the REST routes (`exec`), and answers SELECTs over the `information_schema` views
//! ([`select`], [`infoschema`]) and DESCRIBE ([`describe`]). Errors are SQL errors
//! (`[ERROR_CLASS] message SQLSTATE: xxxxx`, built in `errors`), returned as FAILED statements,
//! never as HTTP errors.

pub mod describe;
mod errors;
mod exec;
pub mod infoschema;
pub mod parse;
pub mod select;

use crate::ops::Actor;
use crate::store::Store;

pub use errors::{internal, not_found_table, quote};

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
    store: &mut Store,
    actor: &Actor,
    sql: &str,
    catalog: Option<&str>,
    schema: Option<&str>,
) -> Result<SqlResult, SqlError> {
    let cmd = parse::parse(sql)?;
    exec::run(store, actor, cmd, catalog, schema)
}
