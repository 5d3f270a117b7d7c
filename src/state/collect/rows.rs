//! Mapping of wire objects to snapshot rows. Pure: no IO. Secret connection options never
//! become rows.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::wire::{
    CatalogInfo, ConnectionInfo, ExternalLocationInfo, FunctionInfo, PolicyFunctionArgument,
    PrivilegeAssignment, SchemaInfo, StorageCredentialInfo, TableInfo, TagAssignment, VolumeInfo,
};
use crate::model::{PolicyArg, SecurableKind, Text, Timestamp};
use crate::state::intern::Interners;
use crate::state::{ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, TagRow};

/// Connection option keys that hold secrets (never collected).
const SECRET_OPTIONS: [&str; 10] = [
    "user",
    "password",
    "personalaccesstoken",
    "access_token",
    "client_secret",
    "pem_private_key",
    "oauthpvtkey",
    "googleserviceaccountkeyjson",
    "bearer_token",
    "secret_access_key",
];

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

/// An optional wire string as a row's text.
fn text(v: &Option<String>) -> Option<Text> {
    v.as_deref().map(Text::from)
}

fn base(kind: SecurableKind, full_name: Text, parent: Option<Text>) -> SecurableRow {
    SecurableRow {
        kind: Some(kind),
        full_name,
        parent,
        ..SecurableRow::default()
    }
}

pub fn catalog(c: &CatalogInfo) -> SecurableRow {
    let mut r = base(SecurableKind::Catalog, c.name.as_str().into(), None);
    r.owner = text(&c.owner);
    r.comment = text(&c.comment);
    r.securable_type = text(&c.catalog_type);
    r.location = text(&c.storage_root);
    r.properties.clone_from(&c.properties);
    r.created_at = ts(c.created_at);
    r.updated_at = ts(c.updated_at);
    r
}

pub fn schema_name(s: &SchemaInfo) -> String {
    s.full_name
        .clone()
        .unwrap_or_else(|| format!("{}.{}", s.catalog_name, s.name))
}

pub fn schema(s: &SchemaInfo) -> SecurableRow {
    let mut r = base(
        SecurableKind::Schema,
        schema_name(s).into(),
        Some(s.catalog_name.as_str().into()),
    );
    r.owner = text(&s.owner);
    r.comment = text(&s.comment);
    r.location = text(&s.storage_root);
    r.properties.clone_from(&s.properties);
    r.created_at = ts(s.created_at);
    r.updated_at = ts(s.updated_at);
    r
}

fn three(full: &Option<String>, c: &str, s: &str, n: &str) -> String {
    full.clone().unwrap_or_else(|| format!("{c}.{s}.{n}"))
}

/// A table: its row, columns, row filter and column masks.
pub struct TableRows {
    pub securable: SecurableRow,
    pub columns: Vec<ColumnRow>,
    pub row_filter: Option<RowFilterRow>,
    pub masks: Vec<ColumnMaskRow>,
}

/// Filter or mask arguments as SQL text: from `input_arguments` / `using_arguments` when the
/// server sends them (a column or a constant each; an argument with neither is skipped),
/// otherwise from the deprecated column-name list. Both forms of the same filter give the
/// same text. Source: databricks-sdk-py `service/catalog.py` `TableRowFilter`, `ColumnMask`,
/// `PolicyFunctionArgument`.
pub fn policy_args(new: &[PolicyFunctionArgument], old: &[String]) -> Vec<String> {
    if new.is_empty() {
        return old
            .iter()
            .map(|c| PolicyArg::column(c.as_str()).to_sql())
            .collect();
    }
    new.iter()
        .filter_map(|a| match (&a.column, &a.constant) {
            (Some(c), _) => Some(PolicyArg::column(c.as_str())),
            (None, Some(k)) => Some(PolicyArg::constant(k)),
            (None, None) => None,
        })
        .map(|a| a.to_sql())
        .collect()
}

/// Repeated values (column names and types, owners, table types and formats) are shared
/// through `intern`: one per listing of a schema's tables, so a million tables of a few
/// column shapes hold a few strings, not ten million.
pub fn table(t: &TableInfo, intern: &mut Interners) -> TableRows {
    // One allocation of the table's name, shared by its columns, filter and masks.
    let full = Text::from(three(
        &t.full_name,
        &t.catalog_name,
        &t.schema_name,
        &t.name,
    ));
    let mut r = base(
        SecurableKind::Table,
        full.clone(),
        Some(format!("{}.{}", t.catalog_name, t.schema_name).into()),
    );
    r.owner = t.owner.as_deref().map(|v| intern.column(0).get(v));
    r.comment = text(&t.comment);
    r.securable_type = t.table_type.as_deref().map(|v| intern.column(1).get(v));
    r.format = t
        .data_source_format
        .as_deref()
        .map(|v| intern.column(2).get(v));
    r.location = text(&t.storage_location);
    r.properties.clone_from(&t.properties);
    if let Some(v) = &t.view_definition {
        r.details.insert("view_definition".into(), v.clone());
    }
    r.created_at = ts(t.created_at);
    r.updated_at = ts(t.updated_at);
    let mut columns = Vec::new();
    let mut masks = Vec::new();
    for (i, c) in t.columns.iter().enumerate() {
        columns.push(ColumnRow {
            table_full_name: full.clone(),
            name: intern.column(3).get(&c.name),
            position: c.position.unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
            type_text: intern.column(4).get(&c.type_text),
            nullable: c.nullable.unwrap_or(true),
            comment: c.comment.as_deref().map(|v| intern.column(5).get(v)),
        });
        if let Some(m) = &c.mask
            && let Some(f) = &m.function_name
        {
            masks.push(ColumnMaskRow {
                table_full_name: full.clone(),
                column_name: c.name.clone().into(),
                function_full_name: f.clone().into(),
                using_arguments: policy_args(&m.using_arguments, &m.using_column_names),
            });
        }
    }
    let row_filter = t.row_filter.as_ref().map(|f| RowFilterRow {
        table_full_name: full.clone(),
        function_full_name: f.function_name.clone().into(),
        input_arguments: policy_args(&f.input_arguments, &f.input_column_names),
    });
    TableRows {
        securable: r,
        columns,
        row_filter,
        masks,
    }
}

pub fn volume(v: &VolumeInfo) -> SecurableRow {
    let mut r = base(
        SecurableKind::Volume,
        three(&v.full_name, &v.catalog_name, &v.schema_name, &v.name).into(),
        Some(format!("{}.{}", v.catalog_name, v.schema_name).into()),
    );
    r.owner = text(&v.owner);
    r.comment = text(&v.comment);
    r.securable_type = text(&v.volume_type);
    r.location = text(&v.storage_location);
    r.created_at = ts(v.created_at);
    r.updated_at = ts(v.updated_at);
    r
}

pub fn function(f: &FunctionInfo) -> SecurableRow {
    let mut r = base(
        SecurableKind::Function,
        three(&f.full_name, &f.catalog_name, &f.schema_name, &f.name).into(),
        Some(format!("{}.{}", f.catalog_name, f.schema_name).into()),
    );
    r.owner = text(&f.owner);
    r.comment = text(&f.comment);
    let mut d = BTreeMap::new();
    if let Some(v) = &f.data_type {
        d.insert("data_type".to_string(), v.clone());
    }
    if let Some(v) = &f.routine_body {
        d.insert("routine_body".to_string(), v.clone());
    }
    if let Some(v) = &f.routine_definition {
        d.insert("routine_definition".to_string(), v.clone());
    }
    let mut params = f.input_params.parameters.clone();
    params.sort_by_key(|p| p.position.unwrap_or(0));
    let p: Vec<String> = params
        .iter()
        .map(|p| format!("{} {}", p.name, p.type_text.to_uppercase()))
        .collect();
    d.insert("input_params".to_string(), p.join(", "));
    r.details = d;
    r.created_at = ts(f.created_at);
    r.updated_at = ts(f.updated_at);
    r
}

pub fn storage_credential(c: &StorageCredentialInfo) -> SecurableRow {
    let mut r = base(
        SecurableKind::StorageCredential,
        c.name.as_str().into(),
        None,
    );
    r.owner = text(&c.owner);
    r.comment = text(&c.comment);
    let ty = [
        ("AWS_IAM_ROLE", &c.aws_iam_role),
        ("AZURE_MANAGED_IDENTITY", &c.azure_managed_identity),
        ("AZURE_SERVICE_PRINCIPAL", &c.azure_service_principal),
        (
            "DATABRICKS_GCP_SERVICE_ACCOUNT",
            &c.databricks_gcp_service_account,
        ),
        ("CLOUDFLARE_API_TOKEN", &c.cloudflare_api_token),
    ]
    .into_iter()
    .find(|(_, v)| v.is_some());
    if let Some((name, Some(Value::Object(m)))) = ty {
        r.securable_type = Some(name.into());
        for key in [
            "role_arn",
            "access_connector_id",
            "managed_identity_id",
            "email",
        ] {
            if let Some(Value::String(v)) = m.get(key) {
                r.details.insert(key.to_string(), v.clone());
            }
        }
    }
    if let Some(ro) = c.read_only {
        r.details.insert("read_only".into(), ro.to_string());
    }
    r.created_at = ts(c.created_at);
    r.updated_at = ts(c.updated_at);
    r
}

pub fn external_location(l: &ExternalLocationInfo) -> SecurableRow {
    let mut r = base(
        SecurableKind::ExternalLocation,
        l.name.as_str().into(),
        None,
    );
    r.owner = text(&l.owner);
    r.comment = text(&l.comment);
    r.location = text(&l.url);
    if let Some(c) = &l.credential_name {
        r.details.insert("credential_name".into(), c.clone());
    }
    if let Some(ro) = l.read_only {
        r.details.insert("read_only".into(), ro.to_string());
    }
    r.created_at = ts(l.created_at);
    r.updated_at = ts(l.updated_at);
    r
}

pub fn connection(c: &ConnectionInfo) -> SecurableRow {
    let mut r = base(SecurableKind::Connection, c.name.as_str().into(), None);
    r.owner = text(&c.owner);
    r.comment = text(&c.comment);
    r.securable_type = text(&c.connection_type);
    for (k, v) in &c.options {
        if SECRET_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) {
            continue;
        }
        let v = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        r.details.insert(format!("options.{k}"), v);
    }
    r.created_at = ts(c.created_at);
    r.updated_at = ts(c.updated_at);
    r
}

pub fn grants(kind: SecurableKind, full: &str, pa: &[PrivilegeAssignment]) -> Vec<GrantRow> {
    let mut out = Vec::new();
    let full = Text::from(full);
    for a in pa {
        let Some(p) = &a.principal else { continue };
        let p = Text::from(p.as_str());
        for priv_ in &a.privileges {
            out.push(GrantRow {
                securable_kind: Some(kind),
                securable_full_name: full.clone(),
                principal: p.clone(),
                privilege: priv_.clone().into(),
            });
        }
    }
    out
}

pub fn tags(
    kind: SecurableKind,
    full: &str,
    column: Option<&str>,
    ta: &[TagAssignment],
) -> Vec<TagRow> {
    let full = Text::from(full);
    let column = column.map(Text::from);
    ta.iter()
        .filter(|t| t.inherited != Some(true))
        .map(|t| TagRow {
            securable_kind: Some(kind),
            securable_full_name: full.clone(),
            column_name: column.clone(),
            key: t.tag_key.clone().into(),
            value: t.tag_value.as_deref().unwrap_or_default().into(),
        })
        .collect()
}
