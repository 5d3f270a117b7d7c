//! A brickkit [`Snapshot`] as a `ucsim` **seed document** (`crates/ucsim/src/seed.rs`,
//! `format_version` 1): the principal directory every grant and owner needs, then the
//! securables nested catalog → schema → table/volume/function with their columns, tags,
//! grants, row filters and masks. Lets a test start a simulated workspace in the state a
//! snapshot records (the example snapshot, a synthetic one) and act on it.
//!
//! Pure data builder: no IO. What a snapshot cannot say (secret connection options, the
//! reason of a collection issue) is not reproduced; collection issues are left out.

use std::collections::{BTreeMap, BTreeSet};

use brickkit::model::{PolicyArg, SecurableKind, Text};
use brickkit::state::{SecurableRow, Snapshot};
use serde_json::{Map, Value, json};

/// The principal every Databricks account has; ucsim's directory holds it already.
const ACCOUNT_USERS: &str = "account users";

/// The seed document of `snapshot` (see the module doc). Principals: a name with `@` is a
/// user, a UUID a service principal (by application id), anything else a group, except
/// `account users`, which ucsim always knows.
pub fn sim_seed(snapshot: &Snapshot) -> Value {
    let by_kind = |k: SecurableKind| -> Vec<&SecurableRow> {
        snapshot
            .securables
            .iter()
            .filter(|r| r.kind == Some(k))
            .collect()
    };
    let children = |k: SecurableKind, parent: &str| -> Vec<Value> {
        by_kind(k)
            .into_iter()
            .filter(|r| r.parent.as_deref() == Some(parent))
            .map(|r| object(snapshot, r))
            .collect()
    };
    let top = |k: SecurableKind| -> Vec<Value> {
        by_kind(k)
            .into_iter()
            .map(|r| object(snapshot, r))
            .collect()
    };
    let catalogs: Vec<Value> = by_kind(SecurableKind::Catalog)
        .into_iter()
        .map(|c| {
            let mut cv = object(snapshot, c);
            let schemas: Vec<Value> = by_kind(SecurableKind::Schema)
                .into_iter()
                .filter(|s| s.parent.as_deref() == Some(c.full_name.as_str()))
                .map(|s| {
                    let mut sv = object(snapshot, s);
                    sv["functions"] = json!(children(SecurableKind::Function, &s.full_name));
                    sv["tables"] = json!(children(SecurableKind::Table, &s.full_name));
                    sv["volumes"] = json!(children(SecurableKind::Volume, &s.full_name));
                    sv
                })
                .collect();
            cv["schemas"] = json!(schemas);
            cv
        })
        .collect();
    json!({
        "format_version": 1,
        "metastore_id": snapshot.manifest.metastore_id,
        "principals": principals(snapshot),
        "storage_credentials": top(SecurableKind::StorageCredential),
        "external_locations": top(SecurableKind::ExternalLocation),
        "connections": top(SecurableKind::Connection),
        "catalogs": catalogs,
    })
}

/// Whether `s` is a UUID (8-4-4-4-12 hexadecimal digits): a service principal's id.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Every principal a grant or an owner of `snapshot` names, by type.
fn principals(snapshot: &Snapshot) -> Value {
    let names: BTreeSet<&str> = snapshot
        .grants
        .iter()
        .map(|g| g.principal.as_str())
        .chain(
            snapshot
                .securables
                .iter()
                .filter_map(|r| r.owner.as_deref()),
        )
        .filter(|p| *p != ACCOUNT_USERS && !p.is_empty())
        .collect();
    let (mut users, mut groups, mut sps) = (Vec::new(), Vec::new(), Vec::new());
    for p in names {
        if p.contains('@') {
            users.push(json!({"user_name": p}));
        } else if is_uuid(p) {
            sps.push(json!({"application_id": p, "display_name": p}));
        } else {
            groups.push(json!({"display_name": p}));
        }
    }
    json!({"users": users, "groups": groups, "service_principals": sps})
}

/// `v` under `k`, when there is one.
fn put(m: &mut Map<String, Value>, k: &str, v: &Option<Text>) {
    if let Some(v) = v {
        m.insert(k.into(), json!(v.as_str()));
    }
}

fn strings(m: &BTreeMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// A policy argument in the API's `{"column": ...}` / `{"constant": ...}` form.
fn argument(sql: &str) -> Value {
    match PolicyArg::from_sql(sql) {
        PolicyArg::Column(c) => json!({"column": c}),
        PolicyArg::Constant(k) => json!({"constant": k}),
    }
}

/// Tags of a securable (`column` `None`) or of one of its columns, as a seed object.
fn tags(snapshot: &Snapshot, r: &SecurableRow, column: Option<&str>) -> Option<Value> {
    let m: Map<String, Value> = snapshot
        .tags
        .iter()
        .filter(|t| {
            t.securable_kind == r.kind
                && t.securable_full_name == r.full_name
                && t.column_name.as_deref() == column
        })
        .map(|t| (t.key.to_string(), Value::String(t.value.to_string())))
        .collect();
    (!m.is_empty()).then_some(Value::Object(m))
}

fn grants(snapshot: &Snapshot, r: &SecurableRow) -> Option<Value> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in snapshot
        .grants
        .iter()
        .filter(|g| g.securable_kind == r.kind && g.securable_full_name == r.full_name)
    {
        m.entry(&g.principal).or_default().push(&g.privilege);
    }
    (!m.is_empty()).then(|| json!(m))
}

/// `name TYPE, name TYPE` (the collector's `input_params` text) as the API's parameters;
/// a comma inside parentheses (`decimal(18,2)`) belongs to the type.
fn parameters(text: &str) -> Value {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    let params: Vec<Value> = items
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| {
            let (name, ty) = p.split_once(' ').unwrap_or((p, "STRING"));
            let ty = ty.trim();
            let base = ty.split(['(', '<']).next().unwrap_or(ty).to_uppercase();
            json!({"name": name, "type_text": ty.to_lowercase(), "type_name": base,
                   "position": i})
        })
        .collect();
    json!({ "parameters": params })
}

/// One securable as a seed object (children added by the caller).
fn object(snapshot: &Snapshot, r: &SecurableRow) -> Value {
    let name = r.full_name.rsplit('.').next().unwrap_or(&r.full_name);
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    put(&mut m, "owner", &r.owner);
    put(&mut m, "comment", &r.comment);
    if !r.properties.is_empty() {
        m.insert("properties".into(), strings(&r.properties));
    }
    match r.kind {
        Some(SecurableKind::Catalog) => put(&mut m, "catalog_type", &r.securable_type),
        Some(SecurableKind::Schema) => put(&mut m, "storage_root", &r.location),
        Some(SecurableKind::Table) => table(snapshot, r, &mut m),
        Some(SecurableKind::Volume) => {
            m.insert(
                "volume_type".into(),
                json!(r.securable_type.as_deref().unwrap_or("MANAGED")),
            );
            put(&mut m, "storage_location", &r.location);
        }
        Some(SecurableKind::Function) => {
            for k in ["data_type", "routine_body", "routine_definition"] {
                if let Some(v) = r.details.get(k) {
                    m.insert(k.into(), json!(v.as_str()));
                }
            }
            if let Some(v) = r.details.get("data_type") {
                m.insert("full_data_type".into(), json!(v));
            }
            let params = r.details.get("input_params").map_or("", String::as_str);
            m.insert("input_params".into(), parameters(params));
        }
        Some(SecurableKind::StorageCredential) => {
            // `block.field` details, or the collector's bare fields under the block the
            // credential type names.
            let ty = r.securable_type.as_deref().unwrap_or("AWS_IAM_ROLE");
            let mut blocks: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
            for (k, v) in &r.details {
                if k == "read_only" {
                    m.insert(k.clone(), json!(v == "true"));
                    continue;
                }
                let (block, field) = k
                    .split_once('.')
                    .map_or((ty.to_lowercase(), k.as_str()), |(b, f)| (b.to_string(), f));
                blocks
                    .entry(block)
                    .or_default()
                    .insert(field.into(), json!(v));
            }
            if blocks.is_empty() {
                blocks.insert(ty.to_lowercase(), Map::new());
            }
            for (b, f) in blocks {
                m.insert(b, Value::Object(f));
            }
        }
        Some(SecurableKind::ExternalLocation) => {
            put(&mut m, "url", &r.location);
            put(
                &mut m,
                "credential_name",
                &r.details
                    .get("credential_name")
                    .map(|s| Text::from(s.as_str())),
            );
            if let Some(ro) = r.details.get("read_only") {
                m.insert("read_only".into(), json!(ro == "true"));
            }
        }
        Some(SecurableKind::Connection) => {
            put(&mut m, "connection_type", &r.securable_type);
            let options: Map<String, Value> = r
                .details
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("options.").map(|o| (o.into(), json!(v))))
                .collect();
            m.insert("options".into(), Value::Object(options));
        }
        None => {}
    }
    if let Some(t) = tags(snapshot, r, None) {
        m.insert("tags".into(), t);
    }
    if let Some(g) = grants(snapshot, r) {
        m.insert("grants".into(), g);
    }
    Value::Object(m)
}

/// A table's type, format, location, columns (with their tags and masks) and row filter.
fn table(snapshot: &Snapshot, r: &SecurableRow, m: &mut Map<String, Value>) {
    put(m, "table_type", &r.securable_type);
    put(m, "data_source_format", &r.format);
    put(m, "storage_location", &r.location);
    put(
        m,
        "view_definition",
        &r.details
            .get("view_definition")
            .map(|s| Text::from(s.as_str())),
    );
    let mut cols: Vec<_> = snapshot
        .columns
        .iter()
        .filter(|c| c.table_full_name == r.full_name)
        .collect();
    cols.sort_by_key(|c| c.position);
    let columns: Vec<Value> = cols
        .into_iter()
        .map(|c| {
            let mut cv = json!({"name": c.name, "type_text": c.type_text, "nullable": c.nullable});
            if let Some(cm) = &c.comment {
                cv["comment"] = json!(cm);
            }
            if let Some(mask) = snapshot
                .column_masks
                .iter()
                .find(|k| k.table_full_name == r.full_name && k.column_name == c.name)
            {
                let args: Vec<Value> = mask.using_arguments.iter().map(|a| argument(a)).collect();
                cv["mask"] = json!({"function_name": mask.function_full_name,
                                    "using_arguments": args});
            }
            if let Some(t) = tags(snapshot, r, Some(&c.name)) {
                cv["tags"] = t;
            }
            cv
        })
        .collect();
    m.insert("columns".into(), json!(columns));
    if let Some(f) = snapshot
        .row_filters
        .iter()
        .find(|f| f.table_full_name == r.full_name)
    {
        let args: Vec<Value> = f.input_arguments.iter().map(|a| argument(a)).collect();
        m.insert(
            "row_filter".into(),
            json!({"function_name": f.function_full_name, "input_arguments": args}),
        );
    }
}
