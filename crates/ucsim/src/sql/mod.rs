//! The SQL interpreter behind the Statement Execution API: parses the statements brickkit emits
//! ([`parse`]) and executes them against the [`Store`] through the same operations as the REST
//! routes. Errors are SQL errors (`[ERROR_CLASS] message SQLSTATE: xxxxx`), returned as FAILED
//! statements, never as HTTP errors.

pub mod describe;
pub mod infoschema;
pub mod parse;
pub mod select;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::kind::Kind;
use crate::names;
use crate::ops::{self, Actor, Change};
use crate::store::Store;
use parse::{Arg, Cmd, SqlKind, unsupported};

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

/// Backtick-quotes one identifier (doubling backticks).
pub fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn quote_parts(key: &str) -> String {
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
fn from_api(e: ApiError, what: &str) -> SqlError {
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

fn routine_not_found(key: &str) -> SqlError {
    SqlError {
        message: format!(
            "[ROUTINE_NOT_FOUND] The routine {} cannot be found. Verify the spelling and \
             correctness of the schema and catalog. SQLSTATE: 42883",
            quote_parts(key)
        ),
        sql_state: "42883".into(),
    }
}

/// Name resolution with the statement's default catalog/schema.
struct Ns<'a> {
    catalog: Option<&'a str>,
    schema: Option<&'a str>,
}

impl Ns<'_> {
    /// Full lower-case key of a name of `depth` parts.
    fn key(&self, parts: &[String], depth: usize) -> Result<String, SqlError> {
        let written = parts.join(".");
        let mut full: Vec<String> = Vec::new();
        if parts.len() < depth {
            let missing = depth - parts.len();
            let defaults: Vec<Option<&str>> = match depth {
                3 => vec![self.catalog, self.schema],
                2 => vec![self.catalog],
                _ => vec![],
            };
            let take = &defaults[defaults.len().saturating_sub(missing)..];
            if take.len() != missing || take.iter().any(Option::is_none) {
                return Err(not_found_table(&written));
            }
            full.extend(take.iter().flatten().map(|s| s.to_string()));
        } else if parts.len() > depth {
            return Err(SqlError {
                message: format!(
                    "[REQUIRES_SINGLE_PART_NAMESPACE] {} has too many name parts. SQLSTATE: 42K05",
                    quote_parts(&written)
                ),
                sql_state: "42K05".into(),
            });
        }
        full.extend(parts.iter().cloned());
        Ok(full
            .iter()
            .map(|p| names::lower(p))
            .collect::<Vec<_>>()
            .join("."))
    }
}

fn sql_kind(k: SqlKind) -> Result<Kind, SqlError> {
    Ok(match k {
        SqlKind::Catalog => Kind::Catalog,
        SqlKind::Schema => Kind::Schema,
        SqlKind::Table => Kind::Table,
        SqlKind::Volume => Kind::Volume,
        SqlKind::Function => Kind::Function,
        SqlKind::Connection => Kind::Connection,
        SqlKind::ExternalLocation => Kind::ExternalLocation,
        SqlKind::StorageCredential => Kind::StorageCredential,
        SqlKind::Column | SqlKind::Metastore => {
            return Err(unsupported("this securable type here"));
        }
    })
}

fn empty() -> SqlResult {
    SqlResult::default()
}

fn arg_json(args: &[Arg]) -> (Vec<String>, Option<Vec<Value>>) {
    let cols: Vec<String> = args
        .iter()
        .filter_map(|a| match a {
            Arg::Column(c) => Some(c.clone()),
            Arg::Constant(_) => None,
        })
        .collect();
    let has_const = args.iter().any(|a| matches!(a, Arg::Constant(_)));
    let full = has_const.then(|| {
        args.iter()
            .map(|a| match a {
                Arg::Column(c) => json!({"column": c}),
                Arg::Constant(v) => json!({"constant": v}),
            })
            .collect()
    });
    (cols, full)
}

/// Checks that every column argument exists in the table; returns the stored spellings.
fn resolve_args(table: &Value, key: &str, args: &[Arg]) -> Result<Vec<Arg>, SqlError> {
    args.iter()
        .map(|a| {
            match a {
            Arg::Column(c) => ops::column_name(table, c).map(Arg::Column).ok_or_else(|| SqlError {
                message: format!(
                    "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name {} cannot be resolved \
                     in table {}. SQLSTATE: 42703",
                    quote(c),
                    quote_parts(key)
                ),
                sql_state: "42703".into(),
            }),
            other => Ok(other.clone()),
        }
        })
        .collect()
}

fn function_key(store: &Store, ns: &Ns<'_>, parts: &[String]) -> Result<String, SqlError> {
    let key = ns.key(parts, 3)?;
    if !store.exists(Kind::Function, &key).map_err(internal)? {
        return Err(routine_not_found(&key));
    }
    Ok(key)
}

fn tag_target(
    store: &Store,
    ns: &Ns<'_>,
    kind: SqlKind,
    name: &[String],
) -> Result<(&'static str, String), SqlError> {
    let (etype, depth) = match kind {
        SqlKind::Catalog => ("catalogs", 1),
        SqlKind::Schema => ("schemas", 2),
        SqlKind::Table => ("tables", 3),
        SqlKind::Volume => ("volumes", 3),
        SqlKind::Function => ("functions", 3),
        SqlKind::Column => {
            let Some((col, table)) = name.split_last() else {
                return Err(parse::syntax("Syntax error: expected a column name."));
            };
            let tkey = ns.key(table, 3)?;
            let body = ops::table_body(store, &tkey).map_err(|_| not_found_table(&tkey))?;
            let stored = ops::column_name(&body, col).ok_or_else(|| SqlError {
                message: format!(
                    "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name {} cannot be resolved. \
                     SQLSTATE: 42703",
                    quote(col)
                ),
                sql_state: "42703".into(),
            })?;
            return Ok(("columns", format!("{tkey}.{stored}")));
        }
        _ => return Err(unsupported("tags on this securable type")),
    };
    let key = ns.key(name, depth)?;
    Ok((etype, key))
}

fn exec_cmd(
    store: &mut Store,
    actor: &Actor,
    cmd: Cmd,
    ns: &Ns<'_>,
) -> Result<SqlResult, SqlError> {
    match cmd {
        Cmd::Select(q) => select::run(store, &q, ns.catalog),
        Cmd::Describe {
            name,
            extended,
            as_json,
        } => {
            let key = ns.key(&name, 3)?;
            let t = store
                .get(Kind::Table, &key)
                .map_err(internal)?
                .ok_or_else(|| not_found_table(&name.join(".")))?;
            Ok(if as_json {
                describe::as_json(&t)
            } else {
                describe::text(&t, extended)
            })
        }
        Cmd::SetTags {
            kind,
            name,
            tags,
            single,
        } => {
            let (etype, ename) = tag_target(store, ns, kind, &name)?;
            store
                .transaction(|s| {
                    let (key, _) = ops::tag_entity(s, etype, &ename)?;
                    let existing = s.tags(etype, &key)?;
                    for (k, v) in &tags {
                        if single && existing.iter().any(|t| t.tag_key == *k) {
                            return Err(ApiError::invalid(format!(
                                "[TAG_ALREADY_EXISTS] Tag '{k}' already exists on '{ename}'."
                            )));
                        }
                        ops::set_tag(s, etype, &ename, k, v.as_deref(), actor)?;
                    }
                    Ok(())
                })
                .map_err(|e| from_api(e, &ename))?;
            Ok(empty())
        }
        Cmd::UnsetTags { kind, name, keys } => {
            let (etype, ename) = tag_target(store, ns, kind, &name)?;
            let (key, _) =
                ops::tag_entity(store, etype, &ename).map_err(|e| from_api(e, &ename))?;
            for k in keys {
                store.unset_tag(etype, &key, &k).map_err(internal)?;
            }
            Ok(empty())
        }
        Cmd::SetRowFilter { table, func, args } => {
            let key = ns.key(&table, 3)?;
            let mut body = ops::table_body(store, &key).map_err(|_| not_found_table(&key))?;
            let fkey = function_key(store, ns, &func)?;
            let args = resolve_args(&body, &key, &args)?;
            let (cols, full) = arg_json(&args);
            let mut rf = Map::new();
            rf.insert("function_name".into(), json!(fkey));
            rf.insert("input_column_names".into(), json!(cols));
            if let Some(f) = full {
                rf.insert("input_arguments".into(), Value::Array(f));
            }
            if let Some(o) = body.as_object_mut() {
                o.insert("row_filter".into(), Value::Object(rf));
                o.insert("updated_at".into(), json!(actor.now_ms));
                o.insert("updated_by".into(), json!(actor.principal));
            }
            store.put(Kind::Table, &key, &body).map_err(internal)?;
            Ok(empty())
        }
        Cmd::DropRowFilter { table } => {
            let key = ns.key(&table, 3)?;
            ops::table_body(store, &key).map_err(|_| not_found_table(&key))?;
            ops::set_field(store, Kind::Table, &key, "row_filter", None, actor)
                .map_err(internal)?;
            Ok(empty())
        }
        Cmd::SetMask {
            table,
            column,
            func,
            using,
        } => {
            let key = ns.key(&table, 3)?;
            let body = ops::table_body(store, &key).map_err(|_| not_found_table(&key))?;
            let fkey = function_key(store, ns, &func)?;
            let using = resolve_args(&body, &key, &using)?;
            let (cols, full) = arg_json(&using);
            let mut m = Map::new();
            m.insert("function_name".into(), json!(fkey));
            m.insert("using_column_names".into(), json!(cols));
            if let Some(f) = full {
                m.insert("using_arguments".into(), Value::Array(f));
            }
            ops::with_column(store, &key, &column, actor, |c| {
                c.insert("mask".into(), Value::Object(m));
            })
            .map_err(|e| from_api(e, &key))?;
            Ok(empty())
        }
        Cmd::DropMask { table, column } => {
            let key = ns.key(&table, 3)?;
            ops::table_body(store, &key).map_err(|_| not_found_table(&key))?;
            ops::with_column(store, &key, &column, actor, |c| {
                c.remove("mask");
            })
            .map_err(|e| from_api(e, &key))?;
            Ok(empty())
        }
        Cmd::Comment {
            kind,
            name,
            comment,
        } => {
            if kind == SqlKind::Column {
                let Some((col, table)) = name.split_last() else {
                    return Err(parse::syntax("Syntax error: expected a column name."));
                };
                let key = ns.key(table, 3)?;
                ops::table_body(store, &key).map_err(|_| not_found_table(&key))?;
                ops::with_column(store, &key, col, actor, |c| match &comment {
                    Some(t) => {
                        c.insert("comment".into(), json!(t));
                    }
                    None => {
                        c.remove("comment");
                    }
                })
                .map_err(|e| from_api(e, &key))?;
                return Ok(empty());
            }
            let k = sql_kind(kind)?;
            let key = ns.key(&name, k.depth())?;
            ops::get(store, k, &key).map_err(|e| from_api(e, &key))?;
            ops::set_field(store, k, &key, "comment", comment.map(Value::String), actor)
                .map_err(internal)?;
            Ok(empty())
        }
        Cmd::Owner {
            kind,
            name,
            principal,
        } => {
            let k = sql_kind(kind)?;
            let key = ns.key(&name, k.depth())?;
            if principal.is_empty() {
                return Err(from_api(ApiError::invalid("owner must not be empty"), &key));
            }
            ops::get(store, k, &key).map_err(|e| from_api(e, &key))?;
            ops::set_field(store, k, &key, "owner", Some(json!(principal)), actor)
                .map_err(internal)?;
            Ok(empty())
        }
        Cmd::Grant {
            privileges,
            kind,
            name,
            principal,
            revoke,
        } => {
            let (stype, full) = if kind == SqlKind::Metastore {
                (
                    "metastore".to_string(),
                    ops::metastore_id(store).map_err(internal)?,
                )
            } else {
                let k = sql_kind(kind)?;
                (k.as_str().to_string(), ns.key(&name, k.depth())?)
            };
            let t = ops::target(store, &stype, &full).map_err(|e| from_api(e, &full))?;
            let change = if revoke {
                Change {
                    principal,
                    add: Vec::new(),
                    remove: privileges,
                }
            } else {
                Change {
                    principal,
                    add: privileges,
                    remove: Vec::new(),
                }
            };
            store
                .transaction(|s| ops::apply_changes(s, &t, &[change]))
                .map_err(|e| from_api(e, &full))?;
            Ok(empty())
        }
        Cmd::ShowGrants {
            principal,
            kind,
            name,
        } => {
            let (stype, full) = if kind == SqlKind::Metastore {
                (
                    "metastore".to_string(),
                    ops::metastore_id(store).map_err(internal)?,
                )
            } else {
                let k = sql_kind(kind)?;
                (k.as_str().to_string(), ns.key(&name, k.depth())?)
            };
            let t = ops::target(store, &stype, &full).map_err(|e| from_api(e, &full))?;
            let mut rows = Vec::new();
            for (p, privs) in store.grants(&t.stype, &t.key).map_err(internal)? {
                if principal.as_ref().is_some_and(|f| *f != p) {
                    continue;
                }
                for pr in privs {
                    rows.push(vec![
                        Some(p.clone()),
                        Some(pr.replace('_', " ")),
                        Some(t.stype.to_uppercase()),
                        Some(t.key.clone()),
                    ]);
                }
            }
            Ok(SqlResult {
                columns: ["principal", "action_type", "object_type", "object_key"]
                    .iter()
                    .map(|c| ((*c).to_string(), "STRING"))
                    .collect(),
                rows,
            })
        }
        Cmd::CreateTable {
            name,
            if_not_exists,
            or_replace,
            columns,
            comment,
            using,
            location,
            properties,
            row_filter,
        } => {
            let key = ns.key(&name, 3)?;
            let parts: Vec<&str> = key.split('.').collect();
            names::validate(Kind::Table, &name[name.len() - 1]).map_err(|e| from_api(e, &key))?;
            if store.exists(Kind::Table, &key).map_err(internal)? {
                if if_not_exists {
                    return Ok(empty());
                }
                if !or_replace {
                    return Err(from_api(
                        ApiError::new(400, "TABLE_ALREADY_EXISTS", "exists"),
                        &key,
                    ));
                }
            }
            let mut cols = Vec::new();
            for c in &columns {
                let mut cj =
                    json!({"name": c.name, "type_text": c.type_text, "nullable": c.nullable});
                if let Some(cm) = &c.comment {
                    cj["comment"] = json!(cm);
                }
                cols.push(cj);
            }
            let mut body = json!({
                "name": parts[2], "catalog_name": parts[0], "schema_name": parts[1],
                "table_type": if location.is_some() { "EXTERNAL" } else { "MANAGED" },
                "data_source_format": using.unwrap_or_else(|| "DELTA".into()),
                "columns": cols,
            });
            if let Some(cm) = comment {
                body["comment"] = json!(cm);
            }
            if let Some(l) = location {
                body["storage_location"] = json!(l);
            }
            if !properties.is_empty() {
                let m: Map<String, Value> = properties
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                body["properties"] = Value::Object(m);
            }
            let Some(obj) = body.as_object().cloned() else {
                return Err(internal(ApiError::internal("table body is not an object")));
            };
            let created = store
                .transaction(move |s| ops::create(s, Kind::Table, obj, actor, true))
                .map_err(|e| from_api(e, &key))?;
            // Masks and row filter after creation (they need the stored columns).
            for c in &columns {
                if let Some((f, using)) = &c.mask {
                    exec_cmd(
                        store,
                        actor,
                        Cmd::SetMask {
                            table: key.split('.').map(str::to_string).collect(),
                            column: c.name.clone(),
                            func: f.clone(),
                            using: using.clone(),
                        },
                        ns,
                    )?;
                }
            }
            if let Some((f, args)) = row_filter {
                exec_cmd(
                    store,
                    actor,
                    Cmd::SetRowFilter {
                        table: key.split('.').map(str::to_string).collect(),
                        func: f,
                        args,
                    },
                    ns,
                )?;
            }
            let _ = created;
            Ok(empty())
        }
        Cmd::CreateContainer {
            kind,
            name,
            if_not_exists,
            comment,
            location,
        } => {
            let k = sql_kind(kind)?;
            let key = ns.key(&name, k.depth())?;
            names::validate(k, &name[name.len() - 1]).map_err(|e| from_api(e, &key))?;
            if store.exists(k, &key).map_err(internal)? {
                if if_not_exists {
                    return Ok(empty());
                }
                return Err(from_api(
                    ApiError::new(400, k.exists_code(), "exists"),
                    &key,
                ));
            }
            let parts: Vec<&str> = key.split('.').collect();
            let mut body = Map::new();
            body.insert("name".into(), json!(parts[parts.len() - 1]));
            if k.depth() >= 2 {
                body.insert("catalog_name".into(), json!(parts[0]));
            }
            if k.depth() == 3 {
                body.insert("schema_name".into(), json!(parts[1]));
                body.insert(
                    "volume_type".into(),
                    json!(if location.is_some() {
                        "EXTERNAL"
                    } else {
                        "MANAGED"
                    }),
                );
                if let Some(l) = &location {
                    body.insert("storage_location".into(), json!(l));
                }
            } else if let Some(l) = &location {
                body.insert("storage_root".into(), json!(l));
            }
            if let Some(c) = comment {
                body.insert("comment".into(), json!(c));
            }
            store
                .transaction(move |s| ops::create(s, k, body, actor, false))
                .map_err(|e| from_api(e, &key))?;
            Ok(empty())
        }
        Cmd::CreateFunction {
            name,
            or_replace,
            if_not_exists,
            params,
            returns,
            body,
            language,
            comment,
            deterministic,
        } => {
            let key = ns.key(&name, 3)?;
            names::validate(Kind::Function, &name[name.len() - 1])
                .map_err(|e| from_api(e, &key))?;
            if store.exists(Kind::Function, &key).map_err(internal)? {
                if if_not_exists {
                    return Ok(empty());
                }
                if !or_replace {
                    return Err(SqlError {
                        message: format!(
                            "[ROUTINE_ALREADY_EXISTS] Cannot create the routine {} because it \
                             already exists. SQLSTATE: 42723",
                            quote_parts(&key)
                        ),
                        sql_state: "42723".into(),
                    });
                }
            }
            let parts: Vec<&str> = key.split('.').collect();
            let ps: Vec<Value> = params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let c =
                        ops::normalize_column(json!({"name": p.name, "type_text": p.type_text}), i)
                            .unwrap_or_else(|_| json!({}));
                    let mut v = json!({"name": p.name, "type_text": p.type_text,
                        "type_name": c.get("type_name"), "type_json": c.get("type_json"),
                        "position": i, "parameter_mode": "IN", "parameter_type": "PARAM"});
                    if let Some(cm) = &p.comment {
                        v["comment"] = json!(cm);
                    }
                    v
                })
                .collect();
            let rtype = ops::normalize_column(json!({"name": "r", "type_text": returns}), 0)
                .ok()
                .and_then(|c| c.get("type_name").cloned())
                .unwrap_or(json!("STRING"));
            let mut f = json!({
                "name": parts[2], "catalog_name": parts[0], "schema_name": parts[1],
                "input_params": {"parameters": ps},
                "data_type": rtype, "full_data_type": returns,
                "routine_body": if language == "SQL" { "SQL" } else { "EXTERNAL" },
                "routine_definition": body,
                "is_deterministic": deterministic,
            });
            if language != "SQL" {
                f["external_language"] = json!(language);
            }
            if let Some(c) = comment {
                f["comment"] = json!(c);
            }
            let Some(obj) = f.as_object().cloned() else {
                return Err(internal(ApiError::internal(
                    "function body is not an object",
                )));
            };
            store
                .transaction(move |s| ops::create(s, Kind::Function, obj, actor, true))
                .map_err(|e| from_api(e, &key))?;
            Ok(empty())
        }
        Cmd::Drop {
            kind,
            name,
            if_exists,
            cascade,
        } => {
            let k = sql_kind(kind)?;
            let key = ns.key(&name, k.depth())?;
            if !store.exists(k, &key).map_err(internal)? {
                if if_exists {
                    return Ok(empty());
                }
                return Err(match k {
                    Kind::Function => routine_not_found(&key),
                    _ => from_api(ApiError::new(404, k.not_found_code(), "missing"), &key),
                });
            }
            store
                .transaction(|s| ops::delete(s, k, &key, cascade))
                .map_err(|e| from_api(e, &key))?;
            Ok(empty())
        }
    }
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
    let ns = Ns { catalog, schema };
    exec_cmd(store, actor, cmd, &ns)
}
