//! Executes one parsed [`Cmd`] against the [`Store`]: one function per command kind (DESCRIBE,
//! tags, row filters and masks, comments, owners, grants, CREATE and DROP), each resolving
//! names with the statement's default catalog and schema and calling the same [`ops`] as the
//! REST routes. What a statement may do to which securable is decided here or in [`ops`];
//! nothing here parses SQL or speaks HTTP.

use serde_json::{Map, Value, json};

use super::errors::{
    expect_table_not_view, from_api, internal, not_found_table, quote, quote_parts,
    routine_not_found, tag_already_exists, tag_not_found,
};
use super::parse::{self, Arg, Cmd, ColDef, Param, SqlKind, unsupported};
use super::{SqlError, SqlResult, describe, select};
use crate::error::ApiError;
use crate::kind::Kind;
use crate::names;
use crate::ops::{self, Actor, Change};
use crate::store::Store;

/// Runs one parsed command with the statement's default catalog and schema.
pub(super) fn run(
    store: &mut Store,
    actor: &Actor,
    cmd: Cmd,
    catalog: Option<&str>,
    schema: Option<&str>,
) -> Result<SqlResult, SqlError> {
    let ns = Ns { catalog, schema };
    Exec {
        store,
        actor,
        ns: &ns,
    }
    .cmd(cmd)
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

/// The SQL error of `GRANT` / `REVOKE`: a principal outside the directory is
/// `[PRINCIPAL_DOES_NOT_EXIST] Could not find principal with name …` as a warehouse reports it
/// (the error class and text appear in public scripts handling it, e.g. a `GRANT USE SCHEMA ...
/// TO hr_analysts` answered `PRINCIPAL_DOES_NOT_EXIST: Could not find principal with name
/// hr_analysts`); SQLSTATE 42704 (undefined object) as for the other not-found classes.
fn grant_error(e: ApiError, full: &str) -> SqlError {
    if e.code == "PRINCIPAL_DOES_NOT_EXIST" {
        return SqlError {
            message: format!("[PRINCIPAL_DOES_NOT_EXIST] {} SQLSTATE: 42704", e.message),
            sql_state: "42704".into(),
        };
    }
    from_api(e, full)
}

fn empty() -> SqlResult {
    SqlResult::default()
}

fn arg_json(args: &[Arg]) -> (Vec<String>, Vec<Value>) {
    let cols: Vec<String> = args
        .iter()
        .filter_map(|a| match a {
            Arg::Column(c) => Some(c.clone()),
            Arg::Constant(_) => None,
        })
        .collect();
    let full = args
        .iter()
        .map(|a| match a {
            Arg::Column(c) => json!({"column": c}),
            Arg::Constant(v) => json!({"constant": v}),
        })
        .collect();
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

/// Row filters and column masks are for tables, not views: a view is refused with
/// `[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE]` (SQLSTATE 42809, Databricks error-conditions
/// `EXPECT_TABLE_NOT_VIEW`). The row-filter and column-mask pages
/// (`sql-ref-row-filter-column-mask`) apply them to tables, and `ALTER VIEW` has no such clause.
fn refuse_view(body: &Value, key: &str, operation: &str) -> Result<(), SqlError> {
    if body.get("table_type").and_then(Value::as_str) == Some("VIEW") {
        return Err(expect_table_not_view(operation, key));
    }
    Ok(())
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

/// `CREATE TABLE` as parsed.
struct TableDef {
    name: Vec<String>,
    if_not_exists: bool,
    or_replace: bool,
    columns: Vec<ColDef>,
    comment: Option<String>,
    using: Option<String>,
    location: Option<String>,
    properties: Vec<(String, String)>,
    row_filter: Option<(Vec<String>, Vec<Arg>)>,
}

/// `CREATE FUNCTION` as parsed.
struct FunctionDef {
    name: Vec<String>,
    or_replace: bool,
    if_not_exists: bool,
    params: Vec<Param>,
    returns: String,
    body: String,
    language: String,
    comment: Option<String>,
    deterministic: bool,
}

/// One statement's store, actor and name defaults.
struct Exec<'s, 'n> {
    store: &'s mut Store,
    actor: &'s Actor,
    ns: &'n Ns<'n>,
}

impl Exec<'_, '_> {
    /// Dispatches a command to the function for its kind.
    fn cmd(&mut self, cmd: Cmd) -> Result<SqlResult, SqlError> {
        match cmd {
            Cmd::Select(q) => select::run(self.store, &q, self.ns.catalog),
            Cmd::Describe {
                name,
                extended,
                as_json,
            } => self.describe(&name, extended, as_json),
            Cmd::SetTags {
                kind,
                name,
                tags,
                single,
            } => self.set_tags(kind, &name, &tags, single),
            Cmd::UnsetTags {
                kind,
                name,
                keys,
                single,
            } => self.unset_tags(kind, &name, keys, single),
            Cmd::SetRowFilter { table, func, args } => self.set_row_filter(&table, &func, &args),
            Cmd::DropRowFilter { table } => self.drop_row_filter(&table),
            Cmd::SetMask {
                table,
                column,
                func,
                using,
            } => self.set_mask(&table, &column, &func, &using),
            Cmd::DropMask { table, column } => self.drop_mask(&table, &column),
            Cmd::Comment {
                kind,
                name,
                comment,
            } => self.comment(kind, &name, comment),
            Cmd::Owner {
                kind,
                name,
                principal,
            } => self.owner(kind, &name, principal),
            Cmd::Grant {
                privileges,
                kind,
                name,
                principal,
                revoke,
            } => self.grant(privileges, kind, &name, principal, revoke),
            Cmd::ShowGrants {
                principal,
                kind,
                name,
            } => self.show_grants(principal, kind, &name),
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
            } => self.create_table(TableDef {
                name,
                if_not_exists,
                or_replace,
                columns,
                comment,
                using,
                location,
                properties,
                row_filter,
            }),
            Cmd::CreateContainer {
                kind,
                name,
                if_not_exists,
                comment,
                location,
            } => self.create_container(kind, &name, if_not_exists, comment, location),
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
            } => self.create_function(FunctionDef {
                name,
                or_replace,
                if_not_exists,
                params,
                returns,
                body,
                language,
                comment,
                deterministic,
            }),
            Cmd::Drop {
                kind,
                name,
                if_exists,
                cascade,
            } => self.drop(kind, &name, if_exists, cascade),
        }
    }

    fn describe(
        &mut self,
        name: &[String],
        extended: bool,
        as_json: bool,
    ) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(name, 3)?;
        let t = self
            .store
            .get(Kind::Table, &key)
            .map_err(internal)?
            .ok_or_else(|| not_found_table(&name.join(".")))?;
        Ok(if as_json {
            describe::as_json(&t)
        } else {
            describe::text(&t, extended)
        })
    }

    fn set_tags(
        &mut self,
        kind: SqlKind,
        name: &[String],
        tags: &[(String, Option<String>)],
        single: bool,
    ) -> Result<SqlResult, SqlError> {
        let actor = self.actor;
        let (etype, ename) = tag_target(self.store, self.ns, kind, name)?;
        let (key, _) =
            ops::sql_tag_entity(self.store, etype, &ename).map_err(|e| from_api(e, &ename))?;
        if single {
            let existing = self.store.tags(etype, &key).map_err(internal)?;
            if let Some((k, _)) = tags
                .iter()
                .find(|(k, _)| existing.iter().any(|t| t.tag_key == *k))
            {
                return Err(tag_already_exists(k, &ename));
            }
        }
        self.store
            .transaction(|s| {
                for (k, v) in tags {
                    ops::set_tag(s, etype, &ename, k, v.as_deref(), actor)?;
                }
                Ok(())
            })
            .map_err(|e| from_api(e, &ename))?;
        Ok(empty())
    }

    fn unset_tags(
        &mut self,
        kind: SqlKind,
        name: &[String],
        keys: Vec<String>,
        single: bool,
    ) -> Result<SqlResult, SqlError> {
        let (etype, ename) = tag_target(self.store, self.ns, kind, name)?;
        let (key, _) =
            ops::sql_tag_entity(self.store, etype, &ename).map_err(|e| from_api(e, &ename))?;
        if single {
            // `UNSET TAG ON`: "If the tag cannot be found an exception is raised"
            // (sql-ref-syntax-ddl-unset-tag). `ALTER ... UNSET TAGS` of an absent key is a
            // no-op ("Removing an unassigned key is a no-op", sql-ref-syntax-ddl-alter-view-
            // manage-column, which states it is equivalent to the ALTER TABLE form).
            let existing = self.store.tags(etype, &key).map_err(internal)?;
            if let Some(k) = keys
                .iter()
                .find(|k| !existing.iter().any(|t| t.tag_key == **k))
            {
                return Err(tag_not_found(k, &ename));
            }
        }
        for k in keys {
            self.store.unset_tag(etype, &key, &k).map_err(internal)?;
        }
        Ok(empty())
    }

    fn set_row_filter(
        &mut self,
        table: &[String],
        func: &[String],
        args: &[Arg],
    ) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(table, 3)?;
        let mut body = ops::table_body(self.store, &key).map_err(|_| not_found_table(&key))?;
        refuse_view(&body, &key, "ALTER TABLE ... SET ROW FILTER")?;
        let fkey = function_key(self.store, self.ns, func)?;
        let args = resolve_args(&body, &key, args)?;
        let (cols, full) = arg_json(&args);
        let mut rf = Map::new();
        rf.insert("function_name".into(), json!(fkey));
        // Both fields, as Databricks returns them: `input_arguments` (every argument, column
        // or constant) "is the replacement of the deprecated input_column_names field"
        // (databricks-sdk-py `service/catalog.py` `TableRowFilter`); the deprecated list
        // keeps the column arguments only (it has no way to say a constant).
        rf.insert("input_column_names".into(), json!(cols));
        rf.insert("input_arguments".into(), Value::Array(full));
        if let Some(o) = body.as_object_mut() {
            o.insert("row_filter".into(), Value::Object(rf));
            o.insert("updated_at".into(), json!(self.actor.now_ms));
            o.insert("updated_by".into(), json!(self.actor.principal));
        }
        self.store.put(Kind::Table, &key, &body).map_err(internal)?;
        Ok(empty())
    }

    fn drop_row_filter(&mut self, table: &[String]) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(table, 3)?;
        let body = ops::table_body(self.store, &key).map_err(|_| not_found_table(&key))?;
        refuse_view(&body, &key, "ALTER TABLE ... DROP ROW FILTER")?;
        ops::set_field(
            self.store,
            Kind::Table,
            &key,
            "row_filter",
            None,
            self.actor,
        )
        .map_err(internal)?;
        Ok(empty())
    }

    fn set_mask(
        &mut self,
        table: &[String],
        column: &str,
        func: &[String],
        using: &[Arg],
    ) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(table, 3)?;
        let body = ops::table_body(self.store, &key).map_err(|_| not_found_table(&key))?;
        refuse_view(&body, &key, "ALTER TABLE ... ALTER COLUMN ... SET MASK")?;
        let fkey = function_key(self.store, self.ns, func)?;
        let using = resolve_args(&body, &key, using)?;
        let (cols, full) = arg_json(&using);
        let mut m = Map::new();
        m.insert("function_name".into(), json!(fkey));
        // `using_arguments` supersedes the deprecated `using_column_names` (py-sdk
        // `ColumnMask`); both are returned, the old one with the column arguments only.
        m.insert("using_column_names".into(), json!(cols));
        m.insert("using_arguments".into(), Value::Array(full));
        ops::with_column(self.store, &key, column, self.actor, |c| {
            c.insert("mask".into(), Value::Object(m));
        })
        .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }

    fn drop_mask(&mut self, table: &[String], column: &str) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(table, 3)?;
        let body = ops::table_body(self.store, &key).map_err(|_| not_found_table(&key))?;
        refuse_view(&body, &key, "ALTER TABLE ... ALTER COLUMN ... DROP MASK")?;
        ops::with_column(self.store, &key, column, self.actor, |c| {
            c.remove("mask");
        })
        .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }

    fn comment(
        &mut self,
        kind: SqlKind,
        name: &[String],
        comment: Option<String>,
    ) -> Result<SqlResult, SqlError> {
        if kind == SqlKind::Column {
            return self.column_comment(name, comment);
        }
        let k = sql_kind(kind)?;
        let key = self.ns.key(name, k.depth())?;
        ops::get(self.store, k, &key).map_err(|e| from_api(e, &key))?;
        ops::set_field(
            self.store,
            k,
            &key,
            "comment",
            comment.map(Value::String),
            self.actor,
        )
        .map_err(internal)?;
        Ok(empty())
    }

    fn column_comment(
        &mut self,
        name: &[String],
        comment: Option<String>,
    ) -> Result<SqlResult, SqlError> {
        let Some((col, table)) = name.split_last() else {
            return Err(parse::syntax("Syntax error: expected a column name."));
        };
        let key = self.ns.key(table, 3)?;
        ops::table_body(self.store, &key).map_err(|_| not_found_table(&key))?;
        ops::with_column(self.store, &key, col, self.actor, |c| match &comment {
            Some(t) => {
                c.insert("comment".into(), json!(t));
            }
            None => {
                c.remove("comment");
            }
        })
        .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }

    fn owner(
        &mut self,
        kind: SqlKind,
        name: &[String],
        principal: String,
    ) -> Result<SqlResult, SqlError> {
        let k = sql_kind(kind)?;
        let key = self.ns.key(name, k.depth())?;
        if principal.is_empty() {
            return Err(from_api(ApiError::invalid("owner must not be empty"), &key));
        }
        ops::get(self.store, k, &key).map_err(|e| from_api(e, &key))?;
        ops::set_field(
            self.store,
            k,
            &key,
            "owner",
            Some(json!(principal)),
            self.actor,
        )
        .map_err(internal)?;
        Ok(empty())
    }

    /// The grants target of `GRANT`, `REVOKE` and `SHOW GRANTS`, with the full name errors cite.
    fn grant_target(
        &self,
        kind: SqlKind,
        name: &[String],
    ) -> Result<(ops::Target, String), SqlError> {
        let (stype, full) = if kind == SqlKind::Metastore {
            (
                "metastore".to_string(),
                ops::metastore_id(self.store).map_err(internal)?,
            )
        } else {
            let k = sql_kind(kind)?;
            (k.as_str().to_string(), self.ns.key(name, k.depth())?)
        };
        let t = ops::target(self.store, &stype, &full).map_err(|e| from_api(e, &full))?;
        Ok((t, full))
    }

    fn grant(
        &mut self,
        privileges: Vec<String>,
        kind: SqlKind,
        name: &[String],
        principal: String,
        revoke: bool,
    ) -> Result<SqlResult, SqlError> {
        let (t, full) = self.grant_target(kind, name)?;
        let change = if revoke {
            Change {
                principal,
                principal_id: None,
                add: Vec::new(),
                remove: privileges,
            }
        } else {
            Change {
                principal,
                principal_id: None,
                add: privileges,
                remove: Vec::new(),
            }
        };
        self.store
            .transaction(|s| ops::apply_changes(s, &t, &[change]))
            .map_err(|e| grant_error(e, &full))?;
        Ok(empty())
    }

    fn show_grants(
        &mut self,
        principal: Option<String>,
        kind: SqlKind,
        name: &[String],
    ) -> Result<SqlResult, SqlError> {
        let (t, full) = self.grant_target(kind, name)?;
        // the principal filter resolves like a grant (users case-insensitively, groups exactly)
        let principal = principal
            .map(|p| ops::principals::resolve(self.store, &p).map(|r| r.name))
            .transpose()
            .map_err(|e| grant_error(e, &full))?;
        let mut rows = Vec::new();
        for (p, privs) in self.store.grants(&t.stype, &t.key).map_err(internal)? {
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

    /// `CREATE TABLE`: the table first, then its column masks and row filter (they need the
    /// stored columns).
    fn create_table(&mut self, def: TableDef) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(&def.name, 3)?;
        names::validate(Kind::Table, &def.name[def.name.len() - 1])
            .map_err(|e| from_api(e, &key))?;
        if self.store.exists(Kind::Table, &key).map_err(internal)? {
            if def.if_not_exists {
                return Ok(empty());
            }
            if !def.or_replace {
                return Err(from_api(
                    ApiError::new(400, "TABLE_ALREADY_EXISTS", "exists"),
                    &key,
                ));
            }
        }
        let obj = table_create_body(&key, &def)?;
        // One statement, one transaction: a `MASK` or `WITH ROW FILTER` clause naming a
        // missing function or column fails the statement before anything is created, so a
        // retry does not meet a half-made table. Databricks "ACID guarantees"
        // (docs.databricks.com/aws/en/lakehouse/acid: "all transactions either succeed or fail
        // completely"); the clauses' checks are those of `set_mask` / `set_row_filter`.
        let probe = json!({"columns": obj.get("columns").cloned().unwrap_or(json!([]))});
        let policies = def
            .columns
            .iter()
            .filter_map(|c| c.mask.as_ref())
            .chain(def.row_filter.as_ref());
        for (f, args) in policies {
            function_key(self.store, self.ns, f)?;
            resolve_args(&probe, &key, args)?;
        }
        let actor = self.actor;
        self.store
            .transaction(move |s| ops::create(s, Kind::Table, obj, actor, true))
            .map_err(|e| from_api(e, &key))?;
        let table: Vec<String> = key.split('.').map(str::to_string).collect();
        for c in &def.columns {
            if let Some((f, using)) = &c.mask {
                self.set_mask(&table, &c.name, f, using)?;
            }
        }
        if let Some((f, args)) = &def.row_filter {
            self.set_row_filter(&table, f, args)?;
        }
        Ok(empty())
    }

    /// `CREATE CATALOG | SCHEMA | VOLUME`.
    fn create_container(
        &mut self,
        kind: SqlKind,
        name: &[String],
        if_not_exists: bool,
        comment: Option<String>,
        location: Option<String>,
    ) -> Result<SqlResult, SqlError> {
        let k = sql_kind(kind)?;
        let key = self.ns.key(name, k.depth())?;
        names::validate(k, &name[name.len() - 1]).map_err(|e| from_api(e, &key))?;
        if self.store.exists(k, &key).map_err(internal)? {
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
        let actor = self.actor;
        self.store
            .transaction(move |s| ops::create(s, k, body, actor, false))
            .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }

    /// `CREATE FUNCTION`.
    fn create_function(&mut self, def: FunctionDef) -> Result<SqlResult, SqlError> {
        let key = self.ns.key(&def.name, 3)?;
        names::validate(Kind::Function, &def.name[def.name.len() - 1])
            .map_err(|e| from_api(e, &key))?;
        if self.store.exists(Kind::Function, &key).map_err(internal)? {
            if def.if_not_exists {
                return Ok(empty());
            }
            if !def.or_replace {
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
        let obj = function_create_body(&key, def)?;
        let actor = self.actor;
        self.store
            .transaction(move |s| ops::create(s, Kind::Function, obj, actor, true))
            .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }

    /// `DROP <kind> [IF EXISTS] name [CASCADE]`.
    fn drop(
        &mut self,
        kind: SqlKind,
        name: &[String],
        if_exists: bool,
        cascade: bool,
    ) -> Result<SqlResult, SqlError> {
        let k = sql_kind(kind)?;
        let key = self.ns.key(name, k.depth())?;
        if !self.store.exists(k, &key).map_err(internal)? {
            if if_exists {
                return Ok(empty());
            }
            return Err(match k {
                Kind::Function => routine_not_found(&key),
                _ => from_api(ApiError::new(404, k.not_found_code(), "missing"), &key),
            });
        }
        self.store
            .transaction(|s| ops::delete(s, k, &key, cascade))
            .map_err(|e| from_api(e, &key))?;
        Ok(empty())
    }
}

/// The create-request body of a `CREATE TABLE` (columns, format, location, properties).
fn table_create_body(key: &str, def: &TableDef) -> Result<Map<String, Value>, SqlError> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut cols = Vec::new();
    for c in &def.columns {
        let mut cj = json!({"name": c.name, "type_text": c.type_text, "nullable": c.nullable});
        if let Some(cm) = &c.comment {
            cj["comment"] = json!(cm);
        }
        cols.push(cj);
    }
    let mut body = json!({
        "name": parts[2], "catalog_name": parts[0], "schema_name": parts[1],
        "table_type": if def.location.is_some() { "EXTERNAL" } else { "MANAGED" },
        "data_source_format": def.using.clone().unwrap_or_else(|| "DELTA".into()),
        "columns": cols,
    });
    if let Some(cm) = &def.comment {
        body["comment"] = json!(cm);
    }
    if let Some(l) = &def.location {
        body["storage_location"] = json!(l);
    }
    if !def.properties.is_empty() {
        let m: Map<String, Value> = def
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        body["properties"] = Value::Object(m);
    }
    let Some(obj) = body.as_object().cloned() else {
        return Err(internal(ApiError::internal("table body is not an object")));
    };
    Ok(obj)
}

/// The create-request body of a `CREATE FUNCTION` (parameters typed like columns).
fn function_create_body(key: &str, def: FunctionDef) -> Result<Map<String, Value>, SqlError> {
    let parts: Vec<&str> = key.split('.').collect();
    let ps: Vec<Value> = def
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let c = ops::normalize_column(json!({"name": p.name, "type_text": p.type_text}), i)
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
    let rtype = ops::normalize_column(json!({"name": "r", "type_text": def.returns}), 0)
        .ok()
        .and_then(|c| c.get("type_name").cloned())
        .unwrap_or(json!("STRING"));
    let mut f = json!({
        "name": parts[2], "catalog_name": parts[0], "schema_name": parts[1],
        "input_params": {"parameters": ps},
        "data_type": rtype, "full_data_type": def.returns,
        "routine_body": if def.language == "SQL" { "SQL" } else { "EXTERNAL" },
        "routine_definition": def.body,
        "is_deterministic": def.deterministic,
    });
    if def.language != "SQL" {
        f["external_language"] = json!(def.language);
    }
    if let Some(c) = def.comment {
        f["comment"] = json!(c);
    }
    let Some(obj) = f.as_object().cloned() else {
        return Err(internal(ApiError::internal(
            "function body is not an object",
        )));
    };
    Ok(obj)
}
