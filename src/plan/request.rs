//! The exact requests an operation sends: REST paths and canonical JSON bodies (API
//! reference §1–§8), and SQL statements (§9–§10) built only through `model::sql` quoting —
//! identifiers in backticks part by part, values as escaped literals — never by pasting
//! user text. Function parameter lists, return types, bodies and column types are SQL text
//! by nature and are emitted as declared.
//!
//! Row filter and column mask clauses are written in one place ([`filter_clause`],
//! [`mask_clause`]) against today's model (column arguments only).
//!
//! Pure: builds strings, sends nothing.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::declared::{ColumnMask, DeclaredSecurable, RowFilter};
use crate::model::SecurableKind;
use crate::model::sql::{dotted, ident, literal};
use crate::model::{PolicyArg, looks_like_literal};

use super::{Method, Request};

/// The Unity Catalog REST prefix.
pub const UC: &str = "/api/2.1/unity-catalog";

/// Percent-encode one path segment the way `api::transport` does (RFC 3986 unreserved
/// characters kept, `.` included, so a full name stays one segment).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The quoted name of a securable (each dotted part quoted).
pub fn sql_name(kind: SecurableKind, full_name: &str) -> String {
    dotted(full_name, kind.name_parts())
}

/// Canonical JSON text of an object: sorted keys, no whitespace.
fn canonical(obj: BTreeMap<&str, Json>) -> String {
    // A BTreeMap serialises its keys in order whatever serde_json's map type is; nested
    // objects are built from BTreeMaps too.
    serde_json::to_string(&obj).unwrap_or_default()
}

fn rest(method: Method, path: String, body: BTreeMap<&str, Json>) -> Request {
    Request::Rest {
        method,
        path,
        body: canonical(body),
    }
}

fn sql(statement: String) -> Request {
    Request::Sql { statement }
}

fn text(s: &str) -> Json {
    Json::String(s.to_string())
}

fn object(map: BTreeMap<String, Json>) -> Json {
    Json::Object(map.into_iter().collect())
}

fn put_bool(body: &mut BTreeMap<&str, Json>, key: &'static str, v: Option<&String>) {
    if let Some(v) = v {
        body.insert(key, Json::Bool(v.trim().eq_ignore_ascii_case("true")));
    }
}

fn parts(full_name: &str, n: usize) -> Vec<&str> {
    full_name.splitn(n, '.').collect()
}

/// The create request of a securable brickkit owns, or `None` for a table reference.
pub fn create(decl: &DeclaredSecurable) -> Option<Request> {
    let mut body: BTreeMap<&str, Json> = BTreeMap::new();
    if let Some(c) = &decl.comment {
        body.insert("comment", text(c));
    }
    let path = format!("{UC}/{}", decl.kind.rest_collection());
    match decl.kind {
        SecurableKind::Catalog => {
            body.insert("name", text(&decl.full_name));
            if !decl.properties.is_empty() {
                body.insert("properties", string_map(&decl.properties));
            }
            if let Some(r) = decl.details.get("storage_root") {
                body.insert("storage_root", text(r));
            }
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::Schema => {
            let p = parts(&decl.full_name, 2);
            body.insert("catalog_name", text(p.first().copied().unwrap_or_default()));
            body.insert("name", text(p.get(1).copied().unwrap_or_default()));
            if !decl.properties.is_empty() {
                body.insert("properties", string_map(&decl.properties));
            }
            if let Some(r) = decl.details.get("storage_root") {
                body.insert("storage_root", text(r));
            }
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::Volume => {
            let p = parts(&decl.full_name, 3);
            body.insert("catalog_name", text(p.first().copied().unwrap_or_default()));
            body.insert("schema_name", text(p.get(1).copied().unwrap_or_default()));
            body.insert("name", text(p.get(2).copied().unwrap_or_default()));
            let vtype = decl
                .details
                .get("volume_type")
                .map_or("MANAGED", String::as_str);
            body.insert("volume_type", text(vtype));
            if let Some(loc) = decl.details.get("storage_location") {
                body.insert("storage_location", text(loc));
            }
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::StorageCredential => {
            body.insert("name", text(&decl.full_name));
            put_bool(&mut body, "read_only", decl.details.get("read_only"));
            // Cloud blocks: `aws_iam_role.role_arn` -> {"aws_iam_role": {"role_arn": ...}};
            // a bare key set to `true` is an empty block.
            let mut blocks: BTreeMap<&str, BTreeMap<String, Json>> = BTreeMap::new();
            for (k, v) in &decl.details {
                if k == "read_only" {
                    continue;
                }
                match k.split_once('.') {
                    Some((block, field)) => {
                        blocks
                            .entry(block)
                            .or_default()
                            .insert(field.to_string(), text(v));
                    }
                    None => {
                        blocks.entry(k.as_str()).or_default();
                    }
                }
            }
            for (block, fields) in blocks {
                body.insert(block, object(fields));
            }
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::ExternalLocation => {
            body.insert("name", text(&decl.full_name));
            for key in ["url", "credential_name"] {
                if let Some(v) = decl.details.get(key) {
                    body.insert(key, text(v));
                }
            }
            put_bool(&mut body, "read_only", decl.details.get("read_only"));
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::Connection => {
            body.insert("name", text(&decl.full_name));
            if let Some(t) = decl.details.get("connection_type") {
                body.insert("connection_type", text(t));
            }
            // Secret options stay `${env:VAR}` references: apply resolves them.
            let options: BTreeMap<String, Json> = decl
                .details
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("options.").map(|o| (o.to_string(), text(v))))
                .collect();
            body.insert("options", object(options));
            put_bool(&mut body, "read_only", decl.details.get("read_only"));
            if !decl.properties.is_empty() {
                body.insert("properties", string_map(&decl.properties));
            }
            Some(rest(Method::Post, path, body))
        }
        SecurableKind::Function => Some(sql(create_function(decl))),
        SecurableKind::Table => decl.create.then(|| sql(create_table(decl))),
    }
}

fn string_map(m: &BTreeMap<String, String>) -> Json {
    object(m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
}

/// `CREATE FUNCTION` from the declared parameters, return type and body.
fn create_function(decl: &DeclaredSecurable) -> String {
    let d = |k: &str| decl.details.get(k).map_or("", String::as_str);
    let mut s = format!(
        "CREATE FUNCTION {}({}) RETURNS {}",
        sql_name(decl.kind, &decl.full_name),
        d("params"),
        d("returns")
    );
    if let Some(c) = &decl.comment {
        s.push_str(&format!(" COMMENT {}", literal(c)));
    }
    s.push_str(&format!(" RETURN {}", d("body")));
    s
}

/// A format or type keyword: bare when it is a plain word, else quoted.
fn keyword(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        s.to_string()
    } else {
        ident(s)
    }
}

/// `CREATE TABLE` with typed columns, nullability, comments, masks and the row filter.
fn create_table(decl: &DeclaredSecurable) -> String {
    let cols: Vec<String> = decl
        .columns
        .iter()
        .map(|c| {
            let mut s = format!(
                "{} {}",
                ident(&c.name),
                c.data_type.as_deref().unwrap_or("STRING")
            );
            if c.nullable == Some(false) {
                s.push_str(" NOT NULL");
            }
            if let Some(cm) = &c.comment {
                s.push_str(&format!(" COMMENT {}", literal(cm)));
            }
            if let Some(m) = &c.mask {
                s.push_str(&format!(" MASK {}", mask_clause(m)));
            }
            s
        })
        .collect();
    let mut s = format!(
        "CREATE TABLE {} ({})",
        sql_name(decl.kind, &decl.full_name),
        cols.join(", ")
    );
    if let Some(f) = decl.details.get("format") {
        s.push_str(&format!(" USING {}", keyword(f)));
    }
    if let Some(c) = &decl.comment {
        s.push_str(&format!(" COMMENT {}", literal(c)));
    }
    if let Some(loc) = decl.details.get("storage_location") {
        s.push_str(&format!(" LOCATION {}", literal(loc)));
    }
    if !decl.properties.is_empty() {
        let props: Vec<String> = decl
            .properties
            .iter()
            .map(|(k, v)| format!("{} = {}", literal(k), literal(v)))
            .collect();
        s.push_str(&format!(" TBLPROPERTIES ({})", props.join(", ")));
    }
    if let Some(f) = &decl.row_filter {
        s.push_str(&format!(" WITH ROW FILTER {}", filter_clause(f)));
    }
    s
}

/// A filter or mask argument list: columns through [`ident`], string constants re-quoted
/// through [`literal`] from their value, numbers as their (checked) literal text — never the
/// declared text pasted as is.
fn args_list(args: &[PolicyArg]) -> String {
    args.iter()
        .map(|a| match a {
            PolicyArg::Column(c) => ident(c),
            PolicyArg::Constant(k) => match a.string_value() {
                Some(v) => literal(&v),
                None if looks_like_literal(k) && !k.contains(['\'', '"']) => k.clone(),
                None => literal(k),
            },
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `fn ON (cols)`: the row filter clause (after `SET ROW FILTER` / `WITH ROW FILTER`).
pub fn filter_clause(f: &RowFilter) -> String {
    format!("{} ON ({})", dotted(&f.function, 3), args_list(&f.columns))
}

/// `fn [USING COLUMNS (cols)]`: the mask clause (after `MASK` / `SET MASK`).
pub fn mask_clause(m: &ColumnMask) -> String {
    let f = dotted(&m.function, 3);
    if m.using_columns.is_empty() {
        f
    } else {
        format!("{f} USING COLUMNS ({})", args_list(&m.using_columns))
    }
}

/// Owner transfer: REST `PATCH {"owner": ...}`; SQL for connections, whose `PATCH` needs
/// the (secret) options.
pub fn owner(kind: SecurableKind, full_name: &str, owner: &str) -> Request {
    if kind == SecurableKind::Connection {
        return sql(format!(
            "ALTER CONNECTION {} OWNER TO {}",
            sql_name(kind, full_name),
            ident(owner)
        ));
    }
    let mut body = BTreeMap::new();
    body.insert("owner", text(owner));
    rest(
        Method::Patch,
        format!("{UC}/{}/{}", kind.rest_collection(), segment(full_name)),
        body,
    )
}

/// Comment: REST `PATCH` where the update takes it, `COMMENT ON` for tables and
/// connections; `None` for functions (their comment changes only by re-creating them).
pub fn comment(kind: SecurableKind, full_name: &str, comment: &str) -> Option<Request> {
    match kind {
        SecurableKind::Table | SecurableKind::Connection => Some(sql(format!(
            "COMMENT ON {} {} IS {}",
            kind.sql_keyword(),
            sql_name(kind, full_name),
            literal(comment)
        ))),
        SecurableKind::Function => None,
        _ => {
            let mut body = BTreeMap::new();
            body.insert("comment", text(comment));
            Some(rest(
                Method::Patch,
                format!("{UC}/{}/{}", kind.rest_collection(), segment(full_name)),
                body,
            ))
        }
    }
}

/// One principal's part of a permissions `PATCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantChange {
    pub principal: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// The one permissions `PATCH` of a securable, principals sorted.
pub fn grants(kind: SecurableKind, full_name: &str, changes: &[GrantChange]) -> Request {
    let list: Vec<Json> = changes
        .iter()
        .map(|c| {
            let mut m: BTreeMap<String, Json> = BTreeMap::new();
            m.insert("principal".into(), text(&c.principal));
            if !c.add.is_empty() {
                m.insert(
                    "add".into(),
                    Json::Array(c.add.iter().map(|p| text(p)).collect()),
                );
            }
            if !c.remove.is_empty() {
                m.insert(
                    "remove".into(),
                    Json::Array(c.remove.iter().map(|p| text(p)).collect()),
                );
            }
            object(m)
        })
        .collect();
    let mut body = BTreeMap::new();
    body.insert("changes", Json::Array(list));
    rest(
        Method::Patch,
        format!(
            "{UC}/permissions/{}/{}",
            kind.api_securable_type(),
            segment(full_name)
        ),
        body,
    )
}

/// `ALTER <KIND> name` or `ALTER TABLE t ALTER COLUMN c`.
fn alter_target(kind: SecurableKind, full_name: &str, column: Option<&str>) -> String {
    match column {
        Some(c) => format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            sql_name(kind, full_name),
            ident(c)
        ),
        None => format!("ALTER {} {}", kind.sql_keyword(), sql_name(kind, full_name)),
    }
}

/// One `SET TAGS ('k' = 'v', ...)` on a securable or a column.
pub fn set_tags(
    kind: SecurableKind,
    full_name: &str,
    column: Option<&str>,
    tags: &[(String, String)],
) -> Request {
    let pairs: Vec<String> = tags
        .iter()
        .map(|(k, v)| format!("{} = {}", literal(k), literal(v)))
        .collect();
    sql(format!(
        "{} SET TAGS ({})",
        alter_target(kind, full_name, column),
        pairs.join(", ")
    ))
}

/// One `UNSET TAGS ('k', ...)` on a securable or a column.
pub fn unset_tags(
    kind: SecurableKind,
    full_name: &str,
    column: Option<&str>,
    keys: &[String],
) -> Request {
    let keys: Vec<String> = keys.iter().map(|k| literal(k)).collect();
    sql(format!(
        "{} UNSET TAGS ({})",
        alter_target(kind, full_name, column),
        keys.join(", ")
    ))
}

/// `ALTER TABLE t SET ROW FILTER f ON (cols)` (replaces any filter in place).
pub fn set_row_filter(table: &str, f: &RowFilter) -> Request {
    sql(format!(
        "ALTER TABLE {} SET ROW FILTER {}",
        sql_name(SecurableKind::Table, table),
        filter_clause(f)
    ))
}

/// `ALTER TABLE t DROP ROW FILTER`.
pub fn drop_row_filter(table: &str) -> Request {
    sql(format!(
        "ALTER TABLE {} DROP ROW FILTER",
        sql_name(SecurableKind::Table, table)
    ))
}

/// `ALTER TABLE t ALTER COLUMN c SET MASK f [USING COLUMNS (...)]`.
pub fn set_mask(table: &str, column: &str, m: &ColumnMask) -> Request {
    sql(format!(
        "{} SET MASK {}",
        alter_target(SecurableKind::Table, table, Some(column)),
        mask_clause(m)
    ))
}

/// `ALTER TABLE t ALTER COLUMN c DROP MASK`.
pub fn drop_mask(table: &str, column: &str) -> Request {
    sql(format!(
        "{} DROP MASK",
        alter_target(SecurableKind::Table, table, Some(column))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_dots_and_encode_the_rest() {
        assert_eq!(segment("a.b c/d%"), "a.b%20c%2Fd%25");
        assert_eq!(segment("é"), "%C3%A9");
    }

    #[test]
    fn bodies_are_canonical_json() {
        let r = owner(SecurableKind::Catalog, "main", "o\"wner");
        assert_eq!(
            r,
            Request::Rest {
                method: Method::Patch,
                path: "/api/2.1/unity-catalog/catalogs/main".into(),
                body: r#"{"owner":"o\"wner"}"#.into()
            }
        );
        let g = grants(
            SecurableKind::Table,
            "c.s.t",
            &[GrantChange {
                principal: "b".into(),
                add: vec!["SELECT".into()],
                remove: vec!["MODIFY".into()],
            }],
        );
        let Request::Rest { path, body, .. } = g else {
            panic!("rest")
        };
        assert_eq!(path, "/api/2.1/unity-catalog/permissions/table/c.s.t");
        assert_eq!(
            body,
            r#"{"changes":[{"add":["SELECT"],"principal":"b","remove":["MODIFY"]}]}"#
        );
    }

    #[test]
    fn statements_quote_every_name_part() {
        let r = set_tags(
            SecurableKind::Table,
            "c.s.t",
            Some("e`mail"),
            &[("k".into(), "it's".into())],
        );
        assert_eq!(
            r,
            Request::Sql {
                statement:
                    "ALTER TABLE `c`.`s`.`t` ALTER COLUMN `e``mail` SET TAGS ('k' = 'it\\'s')"
                        .into()
            }
        );
    }
}
