//! The JSON seed format (the principal directory, then securables nested catalog → schema →
//! table/volume/function, with tags, grants, row filters, masks and columns), its loader, the dump of a state back into it, and
//! the synthetic metastore generator. Owns the format and its `format_version`; it never serves
//! HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::kind::Kind;
use crate::ops::principals;
use crate::ops::{self, Actor};
use crate::store::{DELETED_PRINCIPAL, Store};

/// The only seed format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

fn apply_tags(
    store: &Store,
    etype: &str,
    name: &str,
    tags: Option<&Value>,
    actor: &Actor,
) -> Result<(), ApiError> {
    let Some(tags) = tags else { return Ok(()) };
    let Some(m) = tags.as_object() else {
        return Err(ApiError::invalid(format!(
            "seed: tags of {etype} '{name}' must be an object"
        )));
    };
    for (k, v) in m {
        let val = match v {
            Value::Null => None,
            Value::String(s) => Some(s.as_str()),
            _ => {
                return Err(ApiError::invalid(format!(
                    "seed: tag '{k}' of {etype} '{name}' must be a string or null"
                )));
            }
        };
        ops::set_tag(store, etype, name, k, val, actor)?;
    }
    Ok(())
}

fn apply_grants(
    store: &Store,
    stype: &str,
    full: &str,
    grants: Option<&Value>,
) -> Result<(), ApiError> {
    let Some(g) = grants else { return Ok(()) };
    let Some(m) = g.as_object() else {
        return Err(ApiError::invalid(format!(
            "seed: grants of {stype} '{full}' must be an object of principal -> [privileges]"
        )));
    };
    let t = ops::target(store, stype, full)?;
    for (written, privs) in m {
        if let Some(list) = privs.as_array() {
            for p in list.iter().filter_map(Value::as_str) {
                ops::check_privilege(&t, p)?;
            }
        }
        // a grant names a principal of the directory (the seed's `principals`), or a deleted
        // one by `deleted:<id>` (as [`dump`] writes it)
        let principal = if written.starts_with(DELETED_PRINCIPAL) {
            written.clone()
        } else {
            principals::grant_key(&principals::resolve(store, written).map_err(|e| {
                ApiError::invalid(format!(
                    "seed: grant on {stype} '{full}': {} Declare it under \"principals\".",
                    e.message
                ))
            })?)
        };
        let principal = &principal;
        let Some(list) = privs.as_array() else {
            return Err(ApiError::invalid(format!(
                "seed: grants of '{principal}' on {stype} '{full}' must be an array"
            )));
        };
        for p in list {
            let p = p.as_str().ok_or_else(|| {
                ApiError::invalid(format!(
                    "seed: privileges on {stype} '{full}' must be strings"
                ))
            })?;
            let n = ops::check_privilege(&t, p)?;
            store.add_grant(&t.stype, &t.key, principal, &n)?;
        }
    }
    Ok(())
}

fn load_object(
    store: &Store,
    kind: Kind,
    mut m: Map<String, Value>,
    parents: &[&str],
    actor: &Actor,
) -> Result<String, ApiError> {
    let tags = m.remove("tags");
    let grants = m.remove("grants");
    for c in ["schemas", "tables", "volumes", "functions"] {
        m.remove(c);
    }
    if kind.depth() >= 2 {
        m.insert("catalog_name".into(), json!(parents[0]));
    }
    if kind.depth() == 3 {
        m.insert("schema_name".into(), json!(parents[1]));
    }
    let mut column_tags = Vec::new();
    if let Some(Value::Array(cols)) = m.get_mut("columns") {
        for c in cols.iter_mut() {
            if let Some(co) = c.as_object_mut()
                && let Some(t) = co.remove("tags")
            {
                let name = co.get("name").and_then(Value::as_str).unwrap_or_default();
                column_tags.push((name.to_string(), t));
            }
        }
    }
    let v = ops::create(store, kind, m, actor, true)?;
    let full = v
        .get("full_name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(et) = kind.entity_type() {
        apply_tags(store, et, &full, tags.as_ref(), actor)?;
    }
    for (col, t) in column_tags {
        apply_tags(store, "columns", &format!("{full}.{col}"), Some(&t), actor)?;
    }
    apply_grants(store, kind.as_str(), &full, grants.as_ref())?;
    Ok(full)
}

fn take_arr(m: &mut Map<String, Value>, k: &str) -> Result<Vec<Value>, ApiError> {
    match m.remove(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ApiError::invalid(format!("seed: '{k}' must be an array"))),
    }
}

fn into_obj(v: Value, what: &str) -> Result<Map<String, Value>, ApiError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::invalid(format!("seed: {what} must be an object"))),
    }
}

/// Loads a seed document into the store (objects are created or replaced).
pub fn load(store: &mut Store, seed: Value, actor: &Actor) -> Result<(), ApiError> {
    let mut top = into_obj(seed, "the seed document")?;
    match top.get("format_version").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) | None => {}
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "seed: unknown format_version {other} (this build reads {FORMAT_VERSION})"
            )));
        }
    }
    store.transaction(move |store| {
        if let Some(id) = top.get("metastore_id").and_then(Value::as_str) {
            store.set_meta("metastore_id", &id.to_lowercase())?;
            store.cache_metastore_id(&id.to_lowercase());
        }
        if let Some(p) = top.get("principals") {
            principals::load(store, p)?;
        }
        for (k, key) in [
            (Kind::StorageCredential, "storage_credentials"),
            (Kind::ExternalLocation, "external_locations"),
            (Kind::Connection, "connections"),
        ] {
            for o in take_arr(&mut top, key)? {
                load_object(store, k, into_obj(o, key)?, &[], actor)?;
            }
        }
        for c in take_arr(&mut top, "catalogs")? {
            let mut cm = into_obj(c, "a catalog")?;
            let schemas = take_arr(&mut cm, "schemas")?;
            let cat = load_object(store, Kind::Catalog, cm, &[], actor)?;
            for s in schemas {
                let mut sm = into_obj(s, "a schema")?;
                let mut children = Vec::new();
                for (kind, key) in [
                    (Kind::Function, "functions"),
                    (Kind::Table, "tables"),
                    (Kind::Volume, "volumes"),
                ] {
                    children.push((kind, key, take_arr(&mut sm, key)?));
                }
                let full = load_object(store, Kind::Schema, sm, &[&cat], actor)?;
                let sch = full.rsplit('.').next().unwrap_or_default().to_string();
                for (kind, key, items) in children {
                    for o in items {
                        load_object(store, kind, into_obj(o, key)?, &[&cat, &sch], actor)?;
                    }
                }
            }
        }
        if let Some(g) = top.get("metastore_grants") {
            let id = ops::metastore_id(store)?;
            apply_grants(store, "metastore", &id, Some(g))?;
        }
        store.set_meta("seeded", "true")?;
        Ok(())
    })
}

fn clean(mut v: Value, kind: Kind) -> Map<String, Value> {
    let mut m = v.as_object_mut().map(std::mem::take).unwrap_or_default();
    for f in ops::COMPUTED_FIELDS {
        m.remove(*f);
    }
    if kind.depth() >= 2 {
        m.remove("catalog_name");
    }
    if kind.depth() == 3 {
        m.remove("schema_name");
    }
    m
}

fn tags_value(store: &Store, etype: &str, key: &str) -> Result<Option<Value>, ApiError> {
    let rows = store.tags(etype, key)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut m = Map::new();
    for t in rows {
        m.insert(
            t.tag_key,
            t.tag_value.map(Value::String).unwrap_or(Value::Null),
        );
    }
    Ok(Some(Value::Object(m)))
}

fn grants_value(store: &Store, stype: &str, key: &str) -> Result<Option<Value>, ApiError> {
    let g: BTreeMap<String, BTreeSet<String>> = store.grants_with_deleted(stype, key)?;
    if g.is_empty() {
        return Ok(None);
    }
    Ok(Some(json!(g)))
}

fn dump_object(
    store: &Store,
    kind: Kind,
    key: &str,
    v: Value,
) -> Result<Map<String, Value>, ApiError> {
    let mut m = clean(v, kind);
    if kind == Kind::Table
        && let Some(Value::Array(cols)) = m.get_mut("columns")
    {
        for c in cols.iter_mut() {
            if let Some(co) = c.as_object_mut() {
                for f in ["position", "type_json", "type_name"] {
                    co.remove(f);
                }
                let name = co.get("name").and_then(Value::as_str).unwrap_or_default();
                let ckey = format!("{key}.{}", name.to_lowercase());
                if let Some(t) = tags_value(store, "columns", &ckey)? {
                    co.insert("tags".into(), t);
                }
            }
        }
    }
    if let Some(et) = kind.entity_type()
        && let Some(t) = tags_value(store, et, key)?
    {
        m.insert("tags".into(), t);
    }
    if let Some(g) = grants_value(store, kind.as_str(), key)? {
        m.insert("grants".into(), g);
    }
    Ok(m)
}

/// The whole state in the seed format (server-computed fields left out), sorted by name.
pub fn dump(store: &Store) -> Result<Value, ApiError> {
    let mut top = Map::new();
    top.insert("format_version".into(), json!(FORMAT_VERSION));
    top.insert("metastore_id".into(), json!(ops::metastore_id(store)?));
    top.insert("principals".into(), principals::dump(store)?);
    for (k, key) in [
        (Kind::StorageCredential, "storage_credentials"),
        (Kind::ExternalLocation, "external_locations"),
        (Kind::Connection, "connections"),
    ] {
        let mut items = Vec::new();
        for (kk, v) in store.list(k, "", None, None)? {
            items.push(Value::Object(dump_object(store, k, &kk, v)?));
        }
        top.insert(key.into(), Value::Array(items));
    }
    let mut cats = Vec::new();
    for (ck, cv) in store.list(Kind::Catalog, "", None, None)? {
        let mut cm = dump_object(store, Kind::Catalog, &ck, cv)?;
        let mut schemas = Vec::new();
        for (sk, sv) in store.list(Kind::Schema, &ck, None, None)? {
            if sk.ends_with(".information_schema")
                && sv.get("owner").and_then(Value::as_str) == Some("System user")
            {
                continue;
            }
            let mut sm = dump_object(store, Kind::Schema, &sk, sv)?;
            for (kind, key) in [
                (Kind::Table, "tables"),
                (Kind::Volume, "volumes"),
                (Kind::Function, "functions"),
            ] {
                let mut items = Vec::new();
                for (lk, lv) in store.list(kind, &sk, None, None)? {
                    items.push(Value::Object(dump_object(store, kind, &lk, lv)?));
                }
                sm.insert(key.into(), Value::Array(items));
            }
            schemas.push(Value::Object(sm));
        }
        cm.insert("schemas".into(), Value::Array(schemas));
        cats.push(Value::Object(cm));
    }
    top.insert("catalogs".into(), Value::Array(cats));
    let id = ops::metastore_id(store)?;
    if let Some(g) = grants_value(store, "metastore", &id)? {
        top.insert("metastore_grants".into(), g);
    }
    Ok(Value::Object(top))
}

/// Size and randomness of a synthetic metastore.
#[derive(Debug, Clone, Copy)]
pub struct GenSpec {
    /// Catalogs.
    pub catalogs: usize,
    /// Schemas per catalog.
    pub schemas: usize,
    /// Tables per schema.
    pub tables: usize,
    /// PRNG seed.
    pub seed: u64,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const OWNERS: &[&str] = &[
    "data-eng",
    "analysts",
    "alice@example.com",
    "bob@example.com",
    "6a1b2c3d-0000-4e5f-9a8b-123456789abc",
];
/// The directory the synthetic grants need: every principal [`OWNERS`] names.
fn gen_principals() -> Value {
    json!({
        "users": [
            {"user_name": "alice@example.com", "display_name": "Alice"},
            {"user_name": "bob@example.com", "display_name": "Bob"}
        ],
        "groups": [{"display_name": "data-eng"}, {"display_name": "analysts"}],
        "service_principals": [
            {"application_id": "6a1b2c3d-0000-4e5f-9a8b-123456789abc", "display_name": "synthetic etl"}
        ]
    })
}

const TYPES: &[&str] = &[
    "string",
    "bigint",
    "int",
    "double",
    "date",
    "timestamp",
    "decimal(10,2)",
];

fn gen_table(rng: &mut Rng, cat: &str, sch: &str, i: usize) -> Value {
    let mut cols = vec![json!({"name": "id", "type_text": "bigint", "nullable": false})];
    let extra = 1 + (rng.next() % 3) as usize;
    for c in 0..extra {
        cols.push(json!({"name": format!("c{c}"), "type_text": rng.pick(TYPES)}));
    }
    let mut email = json!({"name": "email", "type_text": "string"});
    if rng.chance(5) {
        email["mask"] = json!({"function_name": format!("{cat}.{sch}.mask_email"),
            "using_column_names": []});
    }
    if rng.chance(5) {
        email["tags"] = json!({"pii": "email"});
    }
    cols.push(email);
    let mut t = json!({
        "name": format!("t{i:05}"),
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "owner": rng.pick(OWNERS),
        "columns": cols,
    });
    if rng.chance(20) {
        t["comment"] = json!(format!("synthetic table {i}"));
    }
    if rng.chance(10) {
        t["tags"] = json!({"tier": rng.pick(&["gold", "silver", "bronze"])});
    }
    if rng.chance(10) {
        t["grants"] = json!({rng.pick(OWNERS): ["SELECT"]});
    }
    if rng.chance(2) {
        t["row_filter"] = json!({"function_name": format!("{cat}.{sch}.region_filter"),
            "input_column_names": ["id"]});
    }
    t
}

fn gen_schema_head(rng: &mut Rng, cat: &str, s: usize) -> Value {
    let name = format!("s{s:03}");
    json!({
        "name": name,
        "owner": rng.pick(OWNERS),
        "grants": {"analysts": ["USE_SCHEMA"]},
        "functions": [
            {"name": "mask_email", "data_type": "STRING", "full_data_type": "STRING",
             "routine_definition": "CASE WHEN is_account_group_member('admins') THEN email ELSE '***' END",
             "input_params": {"parameters": [{"name": "email", "type_text": "string", "type_name": "STRING", "position": 0}]}},
            {"name": "region_filter", "data_type": "BOOLEAN", "full_data_type": "BOOLEAN",
             "routine_definition": "true",
             "input_params": {"parameters": [{"name": "id", "type_text": "bigint", "type_name": "LONG", "position": 0}]}}
        ],
        "tags": {"domain": format!("{cat}-{s}")},
    })
}

fn gen_catalog_head(rng: &mut Rng, c: usize) -> Value {
    json!({
        "name": format!("cat{c:03}"),
        "owner": rng.pick(OWNERS),
        "comment": format!("synthetic catalog {c}"),
        "grants": {"analysts": ["USE_CATALOG"], "data-eng": ["ALL_PRIVILEGES"]},
        "tags": {"env": "dev"},
    })
}

/// Writes a synthetic seed document as JSON, streaming (memory stays small at any size).
pub fn generate_json(spec: GenSpec, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = Rng(spec.seed);
    write!(
        out,
        "{{\"format_version\":{FORMAT_VERSION},\"principals\":{},\"catalogs\":[",
        gen_principals()
    )?;
    for c in 0..spec.catalogs {
        if c > 0 {
            write!(out, ",")?;
        }
        let head = gen_catalog_head(&mut rng, c);
        let cat = format!("cat{c:03}");
        let text = serde_json::to_string(&head)?;
        write!(out, "{},\"schemas\":[", &text[..text.len() - 1])?;
        for s in 0..spec.schemas {
            if s > 0 {
                write!(out, ",")?;
            }
            let sh = gen_schema_head(&mut rng, &cat, s);
            let sch = format!("s{s:03}");
            let text = serde_json::to_string(&sh)?;
            write!(out, "{},\"tables\":[", &text[..text.len() - 1])?;
            for t in 0..spec.tables {
                if t > 0 {
                    write!(out, ",")?;
                }
                serde_json::to_writer(&mut *out, &gen_table(&mut rng, &cat, &sch, t))?;
            }
            write!(out, "]}}")?;
        }
        write!(out, "]}}")?;
    }
    writeln!(out, "]}}")?;
    Ok(())
}

/// Loads a synthetic metastore straight into a store (same content as [`generate_json`]).
pub fn generate_into(store: &mut Store, spec: GenSpec, actor: &Actor) -> Result<(), ApiError> {
    store.set_bulk(true)?;
    let r = generate_catalogs(store, spec, actor);
    store.set_bulk(false)?;
    r
}

fn generate_catalogs(store: &mut Store, spec: GenSpec, actor: &Actor) -> Result<(), ApiError> {
    let doc = json!({"format_version": FORMAT_VERSION, "principals": gen_principals()});
    load(store, doc, actor)?;
    let mut rng = Rng(spec.seed);
    for c in 0..spec.catalogs {
        let head = gen_catalog_head(&mut rng, c);
        let cat = format!("cat{c:03}");
        let mut schemas = Vec::new();
        for s in 0..spec.schemas {
            let mut sh = gen_schema_head(&mut rng, &cat, s);
            let sch = format!("s{s:03}");
            let tables: Vec<Value> = (0..spec.tables)
                .map(|t| gen_table(&mut rng, &cat, &sch, t))
                .collect();
            sh["tables"] = Value::Array(tables);
            schemas.push(sh);
        }
        let mut cv = head;
        cv["schemas"] = Value::Array(schemas);
        let doc = json!({"format_version": FORMAT_VERSION, "catalogs": [cv]});
        load(store, doc, actor)?;
    }
    Ok(())
}
