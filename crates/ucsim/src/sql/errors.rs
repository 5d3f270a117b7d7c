//! SQL errors as a warehouse returns them (`[ERROR_CLASS] message SQLSTATE: xxxxx`): the
//! constructors for the classes the interpreter raises itself, and the mapping from an
//! operation's [`ApiError`] code to the error class and SQLSTATE a warehouse gives. Error class
//! rules belong here; nothing here executes a statement.

use super::SqlError;
use crate::error::ApiError;

/// Backtick-quotes one identifier (doubling backticks).
pub fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// Backtick-quotes each dot-separated part of a key.
pub(crate) fn quote_parts(key: &str) -> String {
    key.split('.').map(quote).collect::<Vec<_>>().join(".")
}

/// `[TABLE_OR_VIEW_NOT_FOUND]` for a name as written.
pub fn not_found_table(name: &str) -> SqlError {
    SqlError {
        message: format!(
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view {} cannot be found. Verify the spelling \
             and correctness of the schema and catalog. SQLSTATE: 42P01",
            quote_parts(name)
        ),
        sql_state: "42P01".into(),
    }
}

/// An internal failure as an SQL error.
pub fn internal(e: ApiError) -> SqlError {
    SqlError {
        message: format!("[INTERNAL_ERROR] {} SQLSTATE: XX000", e.message),
        sql_state: "XX000".into(),
    }
}

/// Maps an operation error to the SQL error a warehouse gives.
///
/// A message that already carries its own error class and SQLSTATE (`[CLASS] ... SQLSTATE:
/// xxxxx`, as the column lookups raise `[UNRESOLVED_COLUMN.WITH_SUGGESTION]`) is passed through
/// unwrapped: a warehouse reports one error class per failure
/// (https://docs.databricks.com/error-messages/ "Error components"), never one class inside
/// another.
pub(crate) fn from_api(e: ApiError, what: &str) -> SqlError {
    if let Some(state) = own_class(&e.message) {
        return SqlError {
            sql_state: state.to_string(),
            message: e.message,
        };
    }
    let (class, state, msg) = match e.code.as_str() {
        "TABLE_DOES_NOT_EXIST" => return not_found_table(what),
        "SCHEMA_DOES_NOT_EXIST" => (
            "SCHEMA_NOT_FOUND",
            "42704",
            format!("The schema {} cannot be found.", quote_parts(what)),
        ),
        "CATALOG_DOES_NOT_EXIST" => (
            "NO_SUCH_CATALOG_EXCEPTION",
            "42704",
            format!("The catalog '{what}' was not found."),
        ),
        "TABLE_ALREADY_EXISTS" => (
            "TABLE_OR_VIEW_ALREADY_EXISTS",
            "42P07",
            format!(
                "Cannot create table or view {} because it already exists.",
                quote_parts(what)
            ),
        ),
        "SCHEMA_ALREADY_EXISTS" => (
            "SCHEMA_ALREADY_EXISTS",
            "42P06",
            format!(
                "Cannot create schema {} because it already exists.",
                quote_parts(what)
            ),
        ),
        "CATALOG_ALREADY_EXISTS" => (
            "CATALOG_ALREADY_EXISTS",
            "42P04",
            format!(
                "Cannot create catalog {} because it already exists.",
                quote_parts(what)
            ),
        ),
        "CATALOG_NOT_EMPTY" | "SCHEMA_NOT_EMPTY" => (
            "SCHEMA_NOT_EMPTY",
            "2BP01",
            format!(
                "Cannot drop {} because it contains objects. Use CASCADE.",
                quote_parts(what)
            ),
        ),
        "RESOURCE_DOES_NOT_EXIST" => ("RESOURCE_DOES_NOT_EXIST", "42704", e.message),
        "INTERNAL_ERROR" => return internal(e),
        _ => ("INVALID_PARAMETER_VALUE", "22023", e.message),
    };
    SqlError {
        message: format!("[{class}] {msg} SQLSTATE: {state}"),
        sql_state: state.into(),
    }
}

/// `[ROUTINE_NOT_FOUND]` for a function key.
pub(crate) fn routine_not_found(key: &str) -> SqlError {
    SqlError {
        message: format!(
            "[ROUTINE_NOT_FOUND] The routine {} cannot be found. Verify the spelling and \
             correctness of the schema and catalog. SQLSTATE: 42883",
            quote_parts(key)
        ),
        sql_state: "42883".into(),
    }
}

/// The SQLSTATE of a message that names its own error class (`[CLASS] ... SQLSTATE: xxxxx`).
fn own_class(message: &str) -> Option<&str> {
    if !message.starts_with('[') || !message.contains("] ") {
        return None;
    }
    let (_, state) = message.rsplit_once(" SQLSTATE: ")?;
    (state.len() == 5 && state.chars().all(|c| c.is_ascii_alphanumeric())).then_some(state)
}

/// `[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE]` (SQLSTATE 42809): an `ALTER TABLE` form that only
/// tables accept, run on a view (Databricks error-conditions `EXPECT_TABLE_NOT_VIEW`:
/// "'<operation>' expects a table but <viewName> is a view").
pub(crate) fn expect_table_not_view(operation: &str, key: &str) -> SqlError {
    SqlError {
        message: format!(
            "[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] '{operation}' expects a table but {} is a \
             view. SQLSTATE: 42809",
            quote_parts(key)
        ),
        sql_state: "42809".into(),
    }
}

/// `SET TAG ON` of a key the entity already carries. The SQL reference says only that
/// "SET TAG" fails for an existing key (use `ALTER ... SET TAGS` to overwrite); the exact error
/// class is not documented, so ucsim names it `TAG_ALREADY_EXISTS` with SQLSTATE 42710
/// (duplicate object), unwrapped.
pub(crate) fn tag_already_exists(tag_key: &str, entity: &str) -> SqlError {
    SqlError {
        message: format!(
            "[TAG_ALREADY_EXISTS] Tag {} already exists on {}. SQLSTATE: 42710",
            quote(tag_key),
            quote_parts(entity)
        ),
        sql_state: "42710".into(),
    }
}

/// `UNSET TAG ON` of a key the entity does not carry: "If the tag cannot be found an exception
/// is raised" (sql-ref-syntax-ddl-unset-tag). The class is not documented; ucsim answers the
/// class of the REST equivalent (a `DELETE` of a missing assignment is 404
/// `RESOURCE_DOES_NOT_EXIST`) with SQLSTATE 42704 (undefined object).
pub(crate) fn tag_not_found(tag_key: &str, entity: &str) -> SqlError {
    SqlError {
        message: format!(
            "[RESOURCE_DOES_NOT_EXIST] Tag {} does not exist on {}. SQLSTATE: 42704",
            quote(tag_key),
            quote_parts(entity)
        ),
        sql_state: "42704".into(),
    }
}
