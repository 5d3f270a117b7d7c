//! The `information_schema` views, computed from the same state as the REST routes: object
//! views, tag views, privilege views (with inherited rows marked `CATALOG` / `SCHEMA`), and the
//! live `row_filters` / `column_masks` column names (reference §16). Tag and privilege views
//! are rows of `TAG_VIEWS` and `PRIVILEGE_VIEWS`; every other view has its own function.
//! Which rows a view shows (inheritance included) is decided here. Read-only.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::ApiError;
use crate::kind::Kind;
use crate::ops;
use crate::privileges;
use crate::store::Store;

/// A computed view: columns (name, result type) and rows.
pub struct View {
    /// Columns with their result `type_name`.
    pub columns: Vec<(String, &'static str)>,
    /// Rows.
    pub rows: Vec<Vec<Option<String>>>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn ts(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_i64).map(ops::rfc3339)
}

fn cols(names: &[&str]) -> Vec<(String, &'static str)> {
    names
        .iter()
        .map(|n| {
            let ty = match *n {
                "ordinal_position" | "partition_ordinal_position" => "INT",
                "created" | "last_altered" => "TIMESTAMP",
                _ => "STRING",
            };
            ((*n).to_string(), ty)
        })
        .collect()
}

/// Views that exist only under `system.information_schema`.
pub const METASTORE_VIEWS: &[&str] = &[
    "metastore_privileges",
    "external_locations",
    "external_location_privileges",
    "storage_credentials",
    "storage_credential_privileges",
    "connections",
    "connection_privileges",
];

fn key_parts(key: &str) -> Vec<Option<String>> {
    key.split('.').map(|p| Some(p.to_string())).collect()
}

struct GrantIndex {
    by: HashMap<(String, String), Vec<(String, String)>>,
}

impl GrantIndex {
    fn new(store: &Store, catalog: Option<&str>) -> Result<GrantIndex, ApiError> {
        let mut by: HashMap<(String, String), Vec<(String, String)>> = HashMap::new();
        for (st, key, principal, privilege) in store.all_grants(catalog)? {
            by.entry((st, key))
                .or_default()
                .push((principal, privilege));
        }
        Ok(GrantIndex { by })
    }

    fn get(&self, st: &str, key: &str) -> &[(String, String)] {
        self.by
            .get(&(st.to_string(), key.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Direct plus inherited rows for an object of `kind` at `key`:
    /// (grantee, privilege, inherited_from).
    fn with_inherited(&self, kind: Kind, key: &str) -> Vec<(String, String, &'static str)> {
        let mut out = Vec::new();
        let parts: Vec<&str> = key.split('.').collect();
        if kind.depth() >= 2 {
            for (p, pr) in self.get("catalog", parts[0]) {
                if privileges::is_applicable(kind, pr) && kind != Kind::Catalog {
                    out.push((p.clone(), pr.clone(), "CATALOG"));
                }
            }
        }
        if kind.depth() == 3 {
            let sk = format!("{}.{}", parts[0], parts[1]);
            for (p, pr) in self.get("schema", &sk) {
                if privileges::is_applicable(kind, pr) {
                    out.push((p.clone(), pr.clone(), "SCHEMA"));
                }
            }
        }
        for (p, pr) in self.get(kind.as_str(), key) {
            out.push((p.clone(), pr.clone(), "NONE"));
        }
        out.sort();
        out
    }
}

fn privilege_rows(
    store: &Store,
    kind: Kind,
    catalog: Option<&str>,
    routine: bool,
) -> Result<Vec<Vec<Option<String>>>, ApiError> {
    let idx = GrantIndex::new(store, catalog)?;
    let objs = if kind.depth() == 1 && kind != Kind::Catalog {
        store.all_in(kind, None)?
    } else {
        store.all_in(kind, catalog)?
    };
    let mut rows = Vec::new();
    for o in objs {
        let key = s(&o, "full_name").unwrap_or_default();
        let owner = s(&o, "owner");
        for (grantee, privilege, from) in idx.with_inherited(kind, &key) {
            let mut row = vec![owner.clone(), Some(grantee)];
            if routine {
                let kp = key_parts(&key);
                row.extend(kp.clone());
                row.extend(kp);
            } else {
                row.extend(key_parts(&key));
            }
            row.push(Some(privilege));
            row.push(Some("NO".into()));
            row.push(Some(from.into()));
            rows.push(row);
        }
    }
    Ok(rows)
}

fn tag_rows(
    store: &Store,
    etype: &str,
    catalog: Option<&str>,
) -> Result<Vec<Vec<Option<String>>>, ApiError> {
    let mut rows = Vec::new();
    for t in store.all_tags(etype, catalog)? {
        let mut row: Vec<Option<String>> = if etype == "columns" {
            let mut it = t.display.splitn(4, '.');
            (0..4).map(|_| it.next().map(str::to_string)).collect()
        } else {
            key_parts(&t.display)
        };
        row.push(Some(t.tag_key));
        row.push(Some(t.tag_value.unwrap_or_default()));
        rows.push(row);
    }
    Ok(rows)
}

/// `target_columns` / `using_columns`: the arguments joined by `,`, each column by its name
/// and each constant by its literal (`region,'US'`), NULL when there are none (reference
/// §10.2 table, §16.5: "comma list ... (may be quoted: parse like CSV)"). An item holding a
/// `,`, a `"` or a line break is CSV-quoted (RFC 4180: in `"`, with `"` doubled).
fn join_args(cols: Option<&Value>, args: Option<&Value>) -> Option<String> {
    let items: Vec<String> = match args.and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .filter_map(|x| {
                x.get("column")
                    .or_else(|| x.get("constant"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect(),
        None => cols?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    };
    if items.is_empty() {
        return None;
    }
    let csv = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    Some(items.iter().map(|v| csv(v)).collect::<Vec<_>>().join(","))
}

/// The tag views: `(view, tag entity type, columns)`.
const TAG_VIEWS: &[(&str, &str, &[&str])] = &[
    (
        "catalog_tags",
        "catalogs",
        &["catalog_name", "tag_name", "tag_value"],
    ),
    (
        "schema_tags",
        "schemas",
        &["catalog_name", "schema_name", "tag_name", "tag_value"],
    ),
    (
        "table_tags",
        "tables",
        &[
            "catalog_name",
            "schema_name",
            "table_name",
            "tag_name",
            "tag_value",
        ],
    ),
    (
        "column_tags",
        "columns",
        &[
            "catalog_name",
            "schema_name",
            "table_name",
            "column_name",
            "tag_name",
            "tag_value",
        ],
    ),
    (
        "volume_tags",
        "volumes",
        &[
            "catalog_name",
            "schema_name",
            "volume_name",
            "tag_name",
            "tag_value",
        ],
    ),
];

/// A privilege view: its objects, whether the statement's catalog scopes it, whether its rows
/// repeat the name as `specific_*` and `routine_*` (routines), and its columns.
struct PrivilegeView {
    name: &'static str,
    kind: Kind,
    scoped: bool,
    routine: bool,
    columns: &'static [&'static str],
}

/// The privilege views over securables (the metastore's own is [`metastore_privileges`]).
const PRIVILEGE_VIEWS: &[PrivilegeView] = &[
    PrivilegeView {
        name: "catalog_privileges",
        kind: Kind::Catalog,
        scoped: true,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "catalog_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "schema_privileges",
        kind: Kind::Schema,
        scoped: true,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "catalog_name",
            "schema_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "table_privileges",
        kind: Kind::Table,
        scoped: true,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "table_catalog",
            "table_schema",
            "table_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "volume_privileges",
        kind: Kind::Volume,
        scoped: true,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "volume_catalog",
            "volume_schema",
            "volume_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "routine_privileges",
        kind: Kind::Function,
        scoped: true,
        routine: true,
        columns: &[
            "grantor",
            "grantee",
            "specific_catalog",
            "specific_schema",
            "specific_name",
            "routine_catalog",
            "routine_schema",
            "routine_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "external_location_privileges",
        kind: Kind::ExternalLocation,
        scoped: false,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "external_location_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "storage_credential_privileges",
        kind: Kind::StorageCredential,
        scoped: false,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "storage_credential_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
    PrivilegeView {
        name: "connection_privileges",
        kind: Kind::Connection,
        scoped: false,
        routine: false,
        columns: &[
            "grantor",
            "grantee",
            "connection_name",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ],
    },
];

/// Computes one view; `catalog` is None for `system.information_schema`.
pub fn view(store: &Store, name: &str, catalog: Option<&str>) -> Result<Option<View>, ApiError> {
    if let Some((_, etype, names)) = TAG_VIEWS.iter().find(|(v, ..)| *v == name) {
        return Ok(Some(View {
            columns: cols(names),
            rows: tag_rows(store, etype, catalog)?,
        }));
    }
    if let Some(pv) = PRIVILEGE_VIEWS.iter().find(|pv| pv.name == name) {
        let scope = if pv.scoped { catalog } else { None };
        return Ok(Some(View {
            columns: cols(pv.columns),
            rows: privilege_rows(store, pv.kind, scope, pv.routine)?,
        }));
    }
    let v = match name {
        "catalogs" => catalogs(store, catalog)?,
        "schemata" => schemata(store, catalog)?,
        "tables" => tables(store, catalog)?,
        "columns" => columns(store, catalog)?,
        "volumes" => volumes(store, catalog)?,
        "routines" => routines(store, catalog)?,
        "metastore_privileges" => metastore_privileges(store)?,
        "external_locations" => external_locations(store)?,
        "storage_credentials" => storage_credentials(store)?,
        "connections" => connections(store)?,
        "row_filters" => row_filters(store, catalog)?,
        "column_masks" => column_masks(store, catalog)?,
        _ => return Ok(None),
    };
    Ok(Some(v))
}

fn catalogs(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "catalog_name",
            "catalog_owner",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
        ]),
        rows: store
            .all_in(Kind::Catalog, catalog)?
            .iter()
            .map(|c| {
                vec![
                    s(c, "name"),
                    s(c, "owner"),
                    s(c, "comment"),
                    ts(c, "created_at"),
                    s(c, "created_by"),
                    ts(c, "updated_at"),
                    s(c, "updated_by"),
                ]
            })
            .collect(),
    })
}

fn schemata(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "catalog_name",
            "schema_name",
            "schema_owner",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
        ]),
        rows: store
            .all_in(Kind::Schema, catalog)?
            .iter()
            .map(|c| {
                vec![
                    s(c, "catalog_name"),
                    s(c, "name"),
                    s(c, "owner"),
                    s(c, "comment"),
                    ts(c, "created_at"),
                    s(c, "created_by"),
                    ts(c, "updated_at"),
                    s(c, "updated_by"),
                ]
            })
            .collect(),
    })
}

fn tables(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "table_catalog",
            "table_schema",
            "table_name",
            "table_type",
            "is_insertable_into",
            "commit_action",
            "table_owner",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
            "data_source_format",
            "storage_path",
            "storage_sub_directory",
        ]),
        rows: store
            .all_in(Kind::Table, catalog)?
            .iter()
            .map(|t| {
                let ttype = s(t, "table_type");
                let ins = if ttype.as_deref() == Some("VIEW") {
                    "NO"
                } else {
                    "YES"
                };
                vec![
                    s(t, "catalog_name"),
                    s(t, "schema_name"),
                    s(t, "name"),
                    ttype,
                    Some(ins.into()),
                    Some("PRESERVE".into()),
                    s(t, "owner"),
                    s(t, "comment"),
                    ts(t, "created_at"),
                    s(t, "created_by"),
                    ts(t, "updated_at"),
                    s(t, "updated_by"),
                    s(t, "data_source_format"),
                    s(t, "storage_location"),
                    None,
                ]
            })
            .collect(),
    })
}

fn columns(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    let mut rows = Vec::new();
    for t in store.all_in(Kind::Table, catalog)? {
        for c in t
            .get("columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let pos = c.get("position").and_then(Value::as_i64).unwrap_or(0) + 1;
            let nullable = c.get("nullable").and_then(Value::as_bool).unwrap_or(true);
            let tt = s(c, "type_text").unwrap_or_default();
            rows.push(vec![
                s(&t, "catalog_name"),
                s(&t, "schema_name"),
                s(&t, "name"),
                s(c, "name"),
                Some(pos.to_string()),
                None,
                Some(if nullable { "YES" } else { "NO" }.into()),
                Some(tt.to_uppercase()),
                s(c, "type_name"),
                c.get("partition_index")
                    .and_then(Value::as_i64)
                    .map(|p| (p + 1).to_string()),
                s(c, "comment"),
            ]);
        }
    }
    Ok(View {
        columns: cols(&[
            "table_catalog",
            "table_schema",
            "table_name",
            "column_name",
            "ordinal_position",
            "column_default",
            "is_nullable",
            "full_data_type",
            "data_type",
            "partition_ordinal_position",
            "comment",
        ]),
        rows,
    })
}

fn volumes(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "volume_catalog",
            "volume_schema",
            "volume_name",
            "volume_type",
            "volume_owner",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
            "storage_location",
        ]),
        rows: store
            .all_in(Kind::Volume, catalog)?
            .iter()
            .map(|t| {
                vec![
                    s(t, "catalog_name"),
                    s(t, "schema_name"),
                    s(t, "name"),
                    s(t, "volume_type"),
                    s(t, "owner"),
                    s(t, "comment"),
                    ts(t, "created_at"),
                    s(t, "created_by"),
                    ts(t, "updated_at"),
                    s(t, "updated_by"),
                    s(t, "storage_location"),
                ]
            })
            .collect(),
    })
}

fn routines(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "specific_catalog",
            "specific_schema",
            "specific_name",
            "routine_catalog",
            "routine_schema",
            "routine_name",
            "routine_type",
            "data_type",
            "full_data_type",
            "routine_body",
            "routine_definition",
            "external_language",
            "is_deterministic",
            "sql_data_access",
            "security_type",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
        ]),
        rows: store
            .all_in(Kind::Function, catalog)?
            .iter()
            .map(|f| {
                vec![
                    s(f, "catalog_name"),
                    s(f, "schema_name"),
                    s(f, "name"),
                    s(f, "catalog_name"),
                    s(f, "schema_name"),
                    s(f, "name"),
                    Some("FUNCTION".into()),
                    s(f, "data_type"),
                    s(f, "full_data_type"),
                    s(f, "routine_body"),
                    s(f, "routine_definition"),
                    s(f, "external_language"),
                    Some(
                        if f.get("is_deterministic")
                            .and_then(Value::as_bool)
                            .unwrap_or(true)
                        {
                            "YES"
                        } else {
                            "NO"
                        }
                        .into(),
                    ),
                    s(f, "sql_data_access"),
                    s(f, "security_type"),
                    s(f, "comment"),
                    ts(f, "created_at"),
                    s(f, "created_by"),
                    ts(f, "updated_at"),
                    s(f, "updated_by"),
                ]
            })
            .collect(),
    })
}

fn metastore_privileges(store: &Store) -> Result<View, ApiError> {
    let id = ops::metastore_id(store)?;
    let rows = store
        .grants("metastore", &id)?
        .into_iter()
        .flat_map(|(p, privs)| {
            let id = id.clone();
            privs.into_iter().map(move |pr| {
                vec![
                    Some("System user".into()),
                    Some(p.clone()),
                    Some(id.clone()),
                    Some(pr),
                    Some("NO".into()),
                    Some("NONE".into()),
                ]
            })
        })
        .collect();
    Ok(View {
        columns: cols(&[
            "grantor",
            "grantee",
            "metastore_id",
            "privilege_type",
            "is_grantable",
            "inherited_from",
        ]),
        rows,
    })
}

fn external_locations(store: &Store) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "external_location_name",
            "external_location_owner",
            "url",
            "storage_credential_id",
            "storage_credential_name",
            "read_only",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
        ]),
        rows: store
            .all_in(Kind::ExternalLocation, None)?
            .iter()
            .map(|e| {
                vec![
                    s(e, "name"),
                    s(e, "owner"),
                    s(e, "url"),
                    s(e, "credential_id"),
                    s(e, "credential_name"),
                    e.get("read_only")
                        .and_then(Value::as_bool)
                        .map(|b| b.to_string()),
                    s(e, "comment"),
                    ts(e, "created_at"),
                    s(e, "created_by"),
                    ts(e, "updated_at"),
                    s(e, "updated_by"),
                ]
            })
            .collect(),
    })
}

fn storage_credentials(store: &Store) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "storage_credential_id",
            "storage_credential_name",
            "storage_credential_owner",
            "credential_type",
            "credential",
            "used_for_managed_storage",
            "comment",
            "created",
            "created_by",
            "last_altered",
            "last_altered_by",
        ]),
        rows: store
            .all_in(Kind::StorageCredential, None)?
            .iter()
            .map(|e| {
                let ctype = [
                    "aws_iam_role",
                    "azure_managed_identity",
                    "azure_service_principal",
                    "databricks_gcp_service_account",
                    "cloudflare_api_token",
                ]
                .into_iter()
                .find(|k| e.get(*k).is_some())
                .map(|k| k.to_uppercase());
                vec![
                    s(e, "id"),
                    s(e, "name"),
                    s(e, "owner"),
                    ctype,
                    Some("<redacted>".into()),
                    e.get("used_for_managed_storage")
                        .and_then(Value::as_bool)
                        .map(|b| b.to_string()),
                    s(e, "comment"),
                    ts(e, "created_at"),
                    s(e, "created_by"),
                    ts(e, "updated_at"),
                    s(e, "updated_by"),
                ]
            })
            .collect(),
    })
}

fn connections(store: &Store) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "connection_name",
            "connection_type",
            "connection_owner",
            "comment",
            "created",
            "created_by",
            "credential_type",
            "last_altered",
            "last_altered_by",
            "connection_options",
            "url",
        ]),
        rows: store
            .all_in(Kind::Connection, None)?
            .iter()
            .map(|e| {
                vec![
                    s(e, "name"),
                    s(e, "connection_type"),
                    s(e, "owner"),
                    s(e, "comment"),
                    ts(e, "created_at"),
                    s(e, "created_by"),
                    s(e, "credential_type"),
                    ts(e, "updated_at"),
                    s(e, "updated_by"),
                    e.get("options").map(Value::to_string),
                    s(e, "url"),
                ]
            })
            .collect(),
    })
}

fn row_filters(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    Ok(View {
        columns: cols(&[
            "table_catalog",
            "table_schema",
            "table_name",
            "filter_name",
            "target_columns",
        ]),
        rows: store
            .all_in(Kind::Table, catalog)?
            .iter()
            .filter_map(|t| {
                let rf = t.get("row_filter")?;
                Some(vec![
                    s(t, "catalog_name"),
                    s(t, "schema_name"),
                    s(t, "name"),
                    s(rf, "function_name"),
                    Some(
                        join_args(rf.get("input_column_names"), rf.get("input_arguments"))
                            .unwrap_or_default(),
                    ),
                ])
            })
            .collect(),
    })
}

fn column_masks(store: &Store, catalog: Option<&str>) -> Result<View, ApiError> {
    let mut rows = Vec::new();
    for t in store.all_in(Kind::Table, catalog)? {
        for c in t
            .get("columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(m) = c.get("mask") {
                rows.push(vec![
                    s(&t, "catalog_name"),
                    s(&t, "schema_name"),
                    s(&t, "name"),
                    s(c, "name"),
                    s(m, "function_name"),
                    join_args(m.get("using_column_names"), m.get("using_arguments")),
                ]);
            }
        }
    }
    Ok(View {
        columns: cols(&[
            "table_catalog",
            "table_schema",
            "table_name",
            "column_name",
            "mask_name",
            "using_columns",
        ]),
        rows,
    })
}
