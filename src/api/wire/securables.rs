//! Info objects of the Unity Catalog list/get routes: catalogs, schemas, tables (with
//! columns, row filter and masks), volumes, functions, storage credentials, external
//! locations, connections.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CatalogInfo {
    pub name: String,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub catalog_type: Option<String>,
    pub storage_root: Option<String>,
    pub properties: BTreeMap<String, String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SchemaInfo {
    pub name: String,
    pub catalog_name: String,
    pub full_name: Option<String>,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub storage_root: Option<String>,
    pub properties: BTreeMap<String, String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

/// `TableRowFilter` (databricks-sdk-py `service/catalog.py`): `input_arguments` (columns
/// or constants) "is the replacement of the deprecated input_column_names field".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RowFilter {
    pub function_name: String,
    pub input_arguments: Vec<PolicyFunctionArgument>,
    /// Deprecated: the column arguments only.
    pub input_column_names: Vec<String>,
}

/// `ColumnMask`: `using_arguments` supersedes the deprecated `using_column_names`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ColumnMask {
    pub function_name: Option<String>,
    pub using_arguments: Vec<PolicyFunctionArgument>,
    /// Deprecated: the column arguments only.
    pub using_column_names: Vec<String>,
}

/// `PolicyFunctionArgument`: "A column reference" or "A constant literal".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PolicyFunctionArgument {
    pub column: Option<String>,
    pub constant: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ColumnInfo {
    pub name: String,
    pub type_text: String,
    pub position: Option<i32>,
    pub nullable: Option<bool>,
    pub comment: Option<String>,
    pub mask: Option<ColumnMask>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TableInfo {
    pub name: String,
    pub catalog_name: String,
    pub schema_name: String,
    pub full_name: Option<String>,
    pub table_type: Option<String>,
    pub data_source_format: Option<String>,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub storage_location: Option<String>,
    pub view_definition: Option<String>,
    pub properties: BTreeMap<String, String>,
    pub columns: Vec<ColumnInfo>,
    pub row_filter: Option<RowFilter>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VolumeInfo {
    pub name: String,
    pub catalog_name: String,
    pub schema_name: String,
    pub full_name: Option<String>,
    pub volume_type: Option<String>,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub storage_location: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FunctionParameter {
    pub name: String,
    pub type_text: String,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FunctionParameters {
    pub parameters: Vec<FunctionParameter>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FunctionInfo {
    pub name: String,
    pub catalog_name: String,
    pub schema_name: String,
    pub full_name: Option<String>,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub data_type: Option<String>,
    pub full_data_type: Option<String>,
    pub routine_body: Option<String>,
    pub routine_definition: Option<String>,
    pub input_params: FunctionParameters,
    pub properties: Option<Value>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StorageCredentialInfo {
    pub name: String,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub read_only: Option<bool>,
    pub aws_iam_role: Option<Value>,
    pub azure_managed_identity: Option<Value>,
    pub azure_service_principal: Option<Value>,
    pub databricks_gcp_service_account: Option<Value>,
    pub cloudflare_api_token: Option<Value>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExternalLocationInfo {
    pub name: String,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub url: Option<String>,
    pub credential_name: Option<String>,
    pub read_only: Option<bool>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConnectionInfo {
    pub name: String,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub connection_type: Option<String>,
    pub options: BTreeMap<String, Value>,
    pub read_only: Option<bool>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}
