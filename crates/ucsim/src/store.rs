//! The simulator's state in SQLite: securables (wire JSON bodies keyed by kind and lower-case
//! full name), direct grants, tag assignments and the principal directory (users, groups,
//! service principals). In memory unless a file is given, so a server
//! restarted on the same file keeps everything. Owns the schema; it never speaks HTTP or SQL
//! statements of the Databricks dialect.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::error::ApiError;
use crate::kind::Kind;

const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS securables (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  catalog TEXT NOT NULL,
  parent TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS securables_key ON securables (kind, key);
CREATE INDEX IF NOT EXISTS securables_parent ON securables (kind, parent, key);
CREATE INDEX IF NOT EXISTS securables_catalog ON securables (kind, catalog, key);
CREATE TABLE IF NOT EXISTS grants (
  stype TEXT NOT NULL,
  key TEXT NOT NULL,
  principal TEXT NOT NULL,
  privilege TEXT NOT NULL,
  PRIMARY KEY (stype, key, principal, privilege)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (
  etype TEXT NOT NULL,
  key TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT,
  display TEXT NOT NULL,
  update_time TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (etype, key, tag_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS principals (
  id INTEGER PRIMARY KEY,
  ptype TEXT NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS principals_name ON principals (name);
INSERT OR IGNORE INTO principals (id, ptype, name, display_name) VALUES
  (1000000000000001, 'group', 'account users', 'account users'),
  (1000000000000002, 'group', 'users', 'users'),
  (1000000000000003, 'group', 'admins', 'admins');
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
INSERT OR IGNORE INTO meta (k, v) VALUES ('format_version', '1');
";

/// One tag assignment row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    /// Plural entity type (`tables`, `columns`, ...).
    pub etype: String,
    /// Lower-case entity key.
    pub key: String,
    /// Entity name as displayed (column names keep their case).
    pub display: String,
    /// Tag key.
    pub tag_key: String,
    /// Tag value (`None` for key-only tags).
    pub tag_value: Option<String>,
    /// RFC 3339 time of the last change.
    pub update_time: String,
    /// Who changed it last.
    pub updated_by: String,
}

/// One principal of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRow {
    /// Numeric id (the SCIM `id` and the permissions API's `principal_id`).
    pub id: i64,
    /// `user`, `group` or `service_principal`.
    pub ptype: String,
    /// The name grants use: the lower-cased `userName`, the group `displayName`, or the
    /// lower-cased `applicationId`.
    pub name: String,
    /// `displayName`.
    pub display_name: String,
    /// Deleted (kept so that its id is never reused and its grants stay readable).
    pub deleted: bool,
}

/// Prefix of the grants `principal` column for a grant whose principal was deleted
/// (followed by the principal id).
pub const DELETED_PRINCIPAL: &str = "deleted:";

/// The SQLite-backed state.
pub struct Store {
    conn: Connection,
    metastore_id: std::cell::RefCell<Option<String>>,
}

/// Lower-case catalog and parent keys of a full key of the given kind.
pub fn parent_of(kind: Kind, key: &str) -> (String, String) {
    match kind.depth() {
        1 if kind == Kind::Catalog => (key.to_string(), String::new()),
        1 => (String::new(), String::new()),
        _ => {
            let catalog = key.split('.').next().unwrap_or_default().to_string();
            let parent = key
                .rsplit_once('.')
                .map(|p| p.0)
                .unwrap_or_default()
                .to_string();
            (catalog, parent)
        }
    }
}

impl Store {
    /// Opens (creating when needed) the state at `path`, or an in-memory state.
    pub fn open(path: Option<&Path>) -> Result<Store, ApiError> {
        let conn = match path {
            Some(p) => Connection::open(p).map_err(|e| {
                ApiError::internal(format!("cannot open state file {}: {e}", p.display()))
            })?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; \
             PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;",
        )?;
        conn.execute_batch(SCHEMA_SQL)?;
        let version: String =
            conn.query_row("SELECT v FROM meta WHERE k = 'format_version'", [], |r| {
                r.get(0)
            })?;
        if version != "1" {
            return Err(ApiError::internal(format!(
                "state file has unknown format_version {version}"
            )));
        }
        Ok(Store {
            conn,
            metastore_id: std::cell::RefCell::new(None),
        })
    }

    /// Bulk mode for loading a fresh state: no fsync and an in-memory rollback journal; off
    /// restores WAL with normal sync. Never call it inside a transaction.
    pub fn set_bulk(&mut self, on: bool) -> Result<(), ApiError> {
        if on {
            self.conn
                .execute_batch("PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;")?;
        } else {
            self.conn
                .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        }
        Ok(())
    }

    /// Runs `f` inside one transaction (committed when it returns Ok).
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.conn.execute_batch("BEGIN")?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The cached metastore id, if already read.
    pub fn cached_metastore_id(&self) -> Option<String> {
        self.metastore_id.borrow().clone()
    }

    /// Caches the metastore id.
    pub fn cache_metastore_id(&self, id: &str) {
        *self.metastore_id.borrow_mut() = Some(id.to_string());
    }

    /// Reads a metadata value.
    pub fn meta(&self, k: &str) -> Result<Option<String>, ApiError> {
        Ok(self
            .conn
            .query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
            .optional()?)
    }

    /// Writes a metadata value.
    pub fn set_meta(&self, k: &str, v: &str) -> Result<(), ApiError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (k, v) VALUES (?1, ?2)",
            params![k, v],
        )?;
        Ok(())
    }

    /// The body of one securable.
    pub fn get(&self, kind: Kind, key: &str) -> Result<Option<Value>, ApiError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT body FROM securables WHERE kind = ?1 AND key = ?2")?;
        let body: Option<String> = st
            .query_row(params![kind.as_str(), key], |r| r.get(0))
            .optional()?;
        match body {
            Some(b) => Ok(Some(serde_json::from_str(&b)?)),
            None => Ok(None),
        }
    }

    /// True when the securable exists.
    pub fn exists(&self, kind: Kind, key: &str) -> Result<bool, ApiError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT 1 FROM securables WHERE kind = ?1 AND key = ?2")?;
        Ok(st
            .query_row(params![kind.as_str(), key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Inserts or replaces a securable.
    pub fn put(&self, kind: Kind, key: &str, body: &Value) -> Result<(), ApiError> {
        let (catalog, parent) = parent_of(kind, key);
        let text = serde_json::to_string(body)?;
        let mut st = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO securables (kind, key, catalog, parent, body) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        st.execute(params![kind.as_str(), key, catalog, parent, text])?;
        Ok(())
    }

    /// Deletes one securable with its grants and tags (and column tags for tables).
    pub fn delete(&self, kind: Kind, key: &str) -> Result<(), ApiError> {
        self.conn.execute(
            "DELETE FROM securables WHERE kind = ?1 AND key = ?2",
            params![kind.as_str(), key],
        )?;
        self.conn.execute(
            "DELETE FROM grants WHERE stype = ?1 AND key = ?2",
            params![kind.as_str(), key],
        )?;
        if let Some(et) = kind.entity_type() {
            self.conn.execute(
                "DELETE FROM tags WHERE etype = ?1 AND key = ?2",
                params![et, key],
            )?;
        }
        if kind == Kind::Table {
            let prefix = format!("{key}.");
            self.conn.execute(
                "DELETE FROM tags WHERE etype = 'columns' AND substr(key, 1, length(?1)) = ?1",
                params![prefix],
            )?;
        }
        Ok(())
    }

    /// Children of `parent` of the given kind, keys strictly after `after`, at most `limit`.
    pub fn list(
        &self,
        kind: Kind,
        parent: &str,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<(String, Value)>, ApiError> {
        let lim = limit.map(|l| l as i64).unwrap_or(-1);
        let mut st = self.conn.prepare_cached(
            "SELECT key, body FROM securables WHERE kind = ?1 AND parent = ?2 AND key > ?3 \
             ORDER BY key LIMIT ?4",
        )?;
        let rows = st.query_map(
            params![kind.as_str(), parent, after.unwrap_or(""), lim],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (k, b) = row?;
            out.push((k, serde_json::from_str(&b)?));
        }
        Ok(out)
    }

    /// Like [`Store::list`] but returns the stored JSON text unparsed.
    pub fn list_raw(
        &self,
        kind: Kind,
        parent: &str,
        after: &str,
        limit: Option<usize>,
    ) -> Result<Vec<(String, String)>, ApiError> {
        let lim = limit.map(|l| l as i64).unwrap_or(-1);
        let mut st = self.conn.prepare_cached(
            "SELECT key, body FROM securables WHERE kind = ?1 AND parent = ?2 AND key > ?3 \
             ORDER BY key LIMIT ?4",
        )?;
        let rows = st.query_map(params![kind.as_str(), parent, after, lim], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?);
        }
        Ok(out)
    }

    /// Every securable of a kind in one catalog (or all when `catalog` is None), sorted by key.
    pub fn all_in(&self, kind: Kind, catalog: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        let mut push = |b: String| -> Result<(), ApiError> {
            out.push(serde_json::from_str(&b)?);
            Ok(())
        };
        match catalog {
            Some(c) => {
                let mut st = self.conn.prepare_cached(
                    "SELECT body FROM securables WHERE kind = ?1 AND catalog = ?2 ORDER BY key",
                )?;
                let rows = st.query_map(params![kind.as_str(), c], |r| r.get::<_, String>(0))?;
                for r in rows {
                    push(r?)?;
                }
            }
            None => {
                let mut st = self
                    .conn
                    .prepare_cached("SELECT body FROM securables WHERE kind = ?1 ORDER BY key")?;
                let rows = st.query_map(params![kind.as_str()], |r| r.get::<_, String>(0))?;
                for r in rows {
                    push(r?)?;
                }
            }
        }
        Ok(out)
    }

    /// Number of direct children of the kind under `parent`.
    pub fn count_children(&self, kind: Kind, parent: &str) -> Result<usize, ApiError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT count(*) FROM securables WHERE kind = ?1 AND parent = ?2")?;
        let n: i64 = st.query_row(params![kind.as_str(), parent], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Keys of every securable at or under `prefix` (a catalog or schema key).
    pub fn keys_under(&self, prefix: &str) -> Result<Vec<(Kind, String)>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT kind, key FROM securables WHERE key = ?1 OR substr(key, 1, length(?2)) = ?2 \
             ORDER BY key",
        )?;
        let dotted = format!("{prefix}.");
        let rows = st.query_map(params![prefix, dotted], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (k, key) = r?;
            if let Some(kind) = Kind::from_securable_type(&k)
                && (kind.depth() > 1 || kind == Kind::Catalog)
            {
                out.push((kind, key));
            }
        }
        Ok(out)
    }

    /// Direct grants of principals in the directory: principal -> privileges.
    pub fn grants(
        &self,
        stype: &str,
        key: &str,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, ApiError> {
        let mut g = self.grants_with_deleted(stype, key)?;
        g.retain(|p, _| !p.starts_with(DELETED_PRINCIPAL));
        Ok(g)
    }

    /// Direct grants including those of deleted principals (keyed `deleted:<id>`).
    pub fn grants_with_deleted(
        &self,
        stype: &str,
        key: &str,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT principal, privilege FROM grants WHERE stype = ?1 AND key = ?2",
        )?;
        let rows = st.query_map(params![stype, key], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            let (p, v) = r?;
            out.entry(p).or_default().insert(v);
        }
        Ok(out)
    }

    /// Every grant row `(stype, key, principal, privilege)` whose key is in `catalog` (all when None).
    pub fn all_grants(
        &self,
        catalog: Option<&str>,
    ) -> Result<Vec<(String, String, String, String)>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT stype, key, principal, privilege FROM grants ORDER BY stype, key, principal, privilege",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let row = r?;
            if row.2.starts_with(DELETED_PRINCIPAL) {
                continue;
            }
            if let Some(c) = catalog {
                let cat = row.1.split('.').next().unwrap_or_default();
                let metastore_level = matches!(
                    row.0.as_str(),
                    "storage_credential" | "external_location" | "connection" | "metastore"
                );
                if metastore_level || cat != c {
                    continue;
                }
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Adds one grant.
    pub fn add_grant(
        &self,
        stype: &str,
        key: &str,
        principal: &str,
        privilege: &str,
    ) -> Result<(), ApiError> {
        let mut st = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO grants (stype, key, principal, privilege) VALUES (?1, ?2, ?3, ?4)",
        )?;
        st.execute(params![stype, key, principal, privilege])?;
        Ok(())
    }

    /// Removes one grant.
    pub fn remove_grant(
        &self,
        stype: &str,
        key: &str,
        principal: &str,
        privilege: &str,
    ) -> Result<(), ApiError> {
        let mut st = self.conn.prepare_cached(
            "DELETE FROM grants WHERE stype = ?1 AND key = ?2 AND principal = ?3 AND privilege = ?4",
        )?;
        st.execute(params![stype, key, principal, privilege])?;
        Ok(())
    }

    /// Renames the principal of every grant row (`old` -> `new`).
    pub fn rename_grant_principal(&self, old: &str, new: &str) -> Result<(), ApiError> {
        self.conn.execute(
            "UPDATE OR REPLACE grants SET principal = ?2 WHERE principal = ?1",
            params![old, new],
        )?;
        Ok(())
    }

    /// One principal by id (deleted ones included).
    pub fn principal(&self, id: i64) -> Result<Option<PrincipalRow>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, ptype, name, display_name, deleted FROM principals WHERE id = ?1",
        )?;
        Ok(st.query_row(params![id], principal_row).optional()?)
    }

    /// Every principal, ordered by id (deleted ones included).
    pub fn principals(&self) -> Result<Vec<PrincipalRow>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, ptype, name, display_name, deleted FROM principals ORDER BY id",
        )?;
        let rows = st.query_map([], principal_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?);
        }
        Ok(out)
    }

    /// Inserts or replaces one principal.
    pub fn put_principal(&self, p: &PrincipalRow) -> Result<(), ApiError> {
        let mut st = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO principals (id, ptype, name, display_name, deleted) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        st.execute(params![
            p.id,
            p.ptype,
            p.name,
            p.display_name,
            i64::from(p.deleted)
        ])?;
        Ok(())
    }

    /// Tags of one entity, sorted by key.
    pub fn tags(&self, etype: &str, key: &str) -> Result<Vec<TagRow>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT etype, key, display, tag_key, tag_value, update_time, updated_by FROM tags \
             WHERE etype = ?1 AND key = ?2 ORDER BY tag_key",
        )?;
        collect_tags(st.query_map(params![etype, key], tag_row)?)
    }

    /// Every tag of one entity type, optionally restricted to a catalog, sorted.
    pub fn all_tags(&self, etype: &str, catalog: Option<&str>) -> Result<Vec<TagRow>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT etype, key, display, tag_key, tag_value, update_time, updated_by FROM tags \
             WHERE etype = ?1 ORDER BY key, tag_key",
        )?;
        let rows = collect_tags(st.query_map(params![etype], tag_row)?)?;
        Ok(match catalog {
            Some(c) => rows
                .into_iter()
                .filter(|t| t.key.split('.').next() == Some(c))
                .collect(),
            None => rows,
        })
    }

    /// Sets (inserts or overwrites) one tag.
    pub fn set_tag(&self, t: &TagRow) -> Result<(), ApiError> {
        let mut st = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO tags (etype, key, tag_key, tag_value, display, update_time, \
             updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        st.execute(params![
            t.etype,
            t.key,
            t.tag_key,
            t.tag_value,
            t.display,
            t.update_time,
            t.updated_by
        ])?;
        Ok(())
    }

    /// Removes one tag; returns whether it existed.
    pub fn unset_tag(&self, etype: &str, key: &str, tag_key: &str) -> Result<bool, ApiError> {
        let n = self.conn.execute(
            "DELETE FROM tags WHERE etype = ?1 AND key = ?2 AND tag_key = ?3",
            params![etype, key, tag_key],
        )?;
        Ok(n > 0)
    }

    /// Renames keys in grants and tags: every row of the given grant types / tag entity types
    /// whose key is `old` or starts with `old.` gets `new` instead.
    pub fn rename_prefix(
        &self,
        stypes: &[&str],
        etypes: &[&str],
        old: &str,
        new: &str,
    ) -> Result<(), ApiError> {
        let dotted = format!("{old}.");
        for (table, col, types) in [("grants", "stype", stypes), ("tags", "etype", etypes)] {
            for t in types {
                self.conn.execute(
                    &format!(
                        "UPDATE {table} SET key = ?2 || substr(key, length(?1) + 1) \
                         WHERE {col} = ?4 AND (key = ?1 OR substr(key, 1, length(?3)) = ?3)"
                    ),
                    params![old, new, dotted, t],
                )?;
            }
        }
        Ok(())
    }

    /// Moves one securable row to a new key (body given), keeping nothing at the old key.
    pub fn rekey(&self, kind: Kind, old: &str, new: &str, body: &Value) -> Result<(), ApiError> {
        self.conn.execute(
            "DELETE FROM securables WHERE kind = ?1 AND key = ?2",
            params![kind.as_str(), old],
        )?;
        self.put(kind, new, body)
    }

    /// Raw connection for bulk seeding.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn principal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrincipalRow> {
    Ok(PrincipalRow {
        id: r.get(0)?,
        ptype: r.get(1)?,
        name: r.get(2)?,
        display_name: r.get(3)?,
        deleted: r.get::<_, i64>(4)? != 0,
    })
}

fn tag_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TagRow> {
    Ok(TagRow {
        etype: r.get(0)?,
        key: r.get(1)?,
        display: r.get(2)?,
        tag_key: r.get(3)?,
        tag_value: r.get(4)?,
        update_time: r.get(5)?,
        updated_by: r.get(6)?,
    })
}

fn collect_tags(
    rows: impl Iterator<Item = rusqlite::Result<TagRow>>,
) -> Result<Vec<TagRow>, ApiError> {
    let mut out = Vec::new();
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

impl Store {
    /// Securables of a kind anywhere in one catalog, keys strictly after `after`, at most `limit`.
    pub fn list_in_catalog(
        &self,
        kind: Kind,
        catalog: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, Value)>, ApiError> {
        let mut st = self.conn.prepare_cached(
            "SELECT key, body FROM securables WHERE kind = ?1 AND catalog = ?2 AND key > ?3 \
             ORDER BY key LIMIT ?4",
        )?;
        let rows = st.query_map(params![kind.as_str(), catalog, after, limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (k, b) = row?;
            out.push((k, serde_json::from_str(&b)?));
        }
        Ok(out)
    }
}

/// SQL `LIKE` matching with `%` and `_` (case-sensitive; callers lower-case when needed).
pub fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) && p[pi] != '%' {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_sql_semantics() {
        assert!(like("ab%", "abc"));
        assert!(like("a_c", "abc"));
        assert!(like("%", ""));
        assert!(!like("a_c", "ac"));
        assert!(like("%b%", "abc"));
        assert!(!like("abc", "abcd"));
    }
}
