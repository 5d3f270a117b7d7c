//! Serde mirror of the YAML documents: `brickkit.yaml`, convention files and resource files.
//!
//! Owns the file format only, key for key (`docs/declared-format.md`). Every value that a
//! later check may point at is wrapped in [`Spanned`]. It must never hold meaning: no
//! defaults from conventions, no name resolution, no validation beyond types. No
//! `untagged` enums and no `flatten` here: both lose locations. The same types derive the
//! JSON Schema of the files (`super::schema`), so the serde attributes are its source too.
//! `Serialize` is derived for the parsed-file cache only (`super::cache`, MessagePack):
//! nothing writes these types as YAML.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::yaml::{Argument, Scalar, Spanned};

/// A located string.
pub type Str = Spanned<String>;
/// A located key -> scalar map (tags, properties, options).
pub type ScalarMap = BTreeMap<String, Spanned<Scalar>>;

/// `brickkit.yaml`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub project: Str,
    #[serde(default)]
    pub default_environment: Option<Str>,
    pub environments: Spanned<BTreeMap<String, Spanned<Environment>>>,
    #[serde(default)]
    pub conventions: Vec<Str>,
    /// alias -> environment -> principal name.
    #[serde(default)]
    pub principals: BTreeMap<String, Spanned<BTreeMap<String, Str>>>,
    #[serde(default)]
    pub ignore: Vec<Str>,
}

/// One entry of `environments:`. Connection settings are for the commands that talk to a
/// workspace; the loader only checks their shape.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(default)]
    pub profile: Option<Str>,
    #[serde(default)]
    pub host: Option<Str>,
    #[serde(default)]
    pub warehouse_id: Option<Str>,
}

/// A convention file. `convention:` names it for people; the loader only requires it.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConventionFile {
    /// Required so that a file without it is refused (`missing-key`) and kept for its type
    /// check, but read nowhere: it names the convention set for people, and diagnostics
    /// point at the file path instead. Removing the field would turn the key into an
    /// unknown one under `deny_unknown_fields`.
    // (The parsed-file cache stores it with the rest: `Serialize` reads it.)
    pub convention: Str,
    /// kind -> naming rule.
    #[serde(default)]
    pub naming: BTreeMap<String, Spanned<Naming>>,
    /// kind (or `default`) -> owner.
    #[serde(default)]
    pub owners: BTreeMap<String, Str>,
    #[serde(default)]
    pub tags: Option<ConventionTags>,
    #[serde(default)]
    pub grants: Option<ConventionGrants>,
    #[serde(default)]
    pub severity: Vec<Spanned<SeverityOverride>>,
    /// Policy rules over every securable in scope (declared or not).
    #[serde(default)]
    pub rules: Vec<Spanned<Rule>>,
}

/// One policy rule: an id, a message, a severity, a scope and exactly one check.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: Str,
    pub message: Str,
    #[serde(default)]
    pub severity: Option<Str>,
    #[serde(default)]
    pub scope: Option<Spanned<RuleScope>>,
    #[serde(default)]
    pub required_tag: Option<Spanned<RuleRequiredTag>>,
    #[serde(default)]
    pub naming: Option<Spanned<RuleNaming>>,
    #[serde(default)]
    pub owner: Option<Spanned<RuleOwner>>,
    #[serde(default)]
    pub forbidden_grant: Option<Spanned<RuleForbiddenGrant>>,
    #[serde(default)]
    pub protection: Option<Spanned<RuleProtection>>,
}

#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleScope {
    #[serde(default)]
    pub kinds: Vec<Str>,
    #[serde(default)]
    pub catalogs: Vec<Str>,
    #[serde(default)]
    pub schemas: Vec<Str>,
    #[serde(default)]
    pub names: Vec<Str>,
    #[serde(default)]
    pub environments: Vec<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRequiredTag {
    pub key: Str,
    #[serde(default)]
    pub allowed: Option<Vec<Spanned<Scalar>>>,
    /// The value `drift plan` sets where the tag is missing or not allowed.
    #[serde(default)]
    pub default: Option<Spanned<Scalar>>,
    /// On every column of the tables in scope instead of on the securable.
    #[serde(default)]
    pub columns: bool,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleNaming {
    pub pattern: Str,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOwner {
    #[serde(default)]
    pub pattern: Option<Str>,
    #[serde(default)]
    pub one_of: Vec<Str>,
    #[serde(default)]
    pub not_user: bool,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleForbiddenGrant {
    #[serde(default)]
    pub principals: Vec<Str>,
    #[serde(default)]
    pub privileges: Vec<Str>,
    #[serde(default)]
    pub users: bool,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleProtection {
    /// Tag key -> required value (`null` or absent value: any value).
    pub column_tags: BTreeMap<String, Option<Spanned<Scalar>>>,
    #[serde(default)]
    pub require_mask: bool,
    #[serde(default)]
    pub require_row_filter: bool,
    #[serde(default)]
    pub allowed_tables: Vec<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    #[serde(default)]
    pub suffix: Option<Str>,
    #[serde(default)]
    pub pattern: Option<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConventionTags {
    #[serde(default)]
    pub defaults: Vec<Spanned<DefaultTag>>,
    #[serde(default)]
    pub required: Vec<Spanned<RequiredTag>>,
    #[serde(default)]
    pub sensitive: Vec<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultTag {
    pub key: Str,
    #[serde(default)]
    pub value: Option<Spanned<Scalar>>,
    /// environment -> value.
    #[serde(default)]
    pub per_env: BTreeMap<String, Spanned<Scalar>>,
    #[serde(default)]
    pub applies_to: Vec<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredTag {
    pub key: Str,
    #[serde(default)]
    pub allowed: Option<Vec<Spanned<Scalar>>>,
    #[serde(default)]
    pub applies_to: Vec<Str>,
    #[serde(default)]
    pub message: Option<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConventionGrants {
    pub mode: Str,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityOverride {
    pub field: Str,
    pub level: Str,
}

/// A resource file: any `*.yaml` / `*.yml` of the tree that is neither `brickkit.yaml` nor
/// a convention file.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceFile {
    #[serde(default)]
    pub catalogs: Vec<Spanned<Catalog>>,
    /// Schemas declared outside their catalog's file (`catalog:` names the catalog).
    #[serde(default)]
    pub schemas: Vec<Spanned<Schema>>,
    /// Tables declared outside their schema (`catalog:` and `schema:` name the schema).
    #[serde(default)]
    pub tables: Vec<Spanned<Table>>,
    /// Volumes declared outside their schema (`catalog:` and `schema:` name the schema).
    #[serde(default)]
    pub volumes: Vec<Spanned<Volume>>,
    /// Functions declared outside their schema (`catalog:` and `schema:` name the schema).
    #[serde(default)]
    pub functions: Vec<Spanned<Function>>,
    #[serde(default)]
    pub storage_credentials: Vec<Spanned<StorageCredential>>,
    #[serde(default)]
    pub external_locations: Vec<Spanned<ExternalLocation>>,
    #[serde(default)]
    pub connections: Vec<Spanned<Connection>>,
}

/// One `{principal, privileges}` entry of a `grants:` list.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub principal: Str,
    pub privileges: Vec<Str>,
}

/// `grants:` of a securable; `None` when the key is absent (grants not governed).
pub type Grants = Option<Spanned<Vec<Spanned<Grant>>>>;

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub name: Str,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub tags: ScalarMap,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub properties: ScalarMap,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub schemas: Vec<Spanned<Schema>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: Str,
    /// Only for top-level `schemas:` entries: the catalog (as declared) they belong to.
    #[serde(default)]
    pub catalog: Option<Str>,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub tags: ScalarMap,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub properties: ScalarMap,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub tables: Vec<Spanned<Table>>,
    #[serde(default)]
    pub volumes: Vec<Spanned<Volume>>,
    #[serde(default)]
    pub functions: Vec<Spanned<Function>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: Str,
    /// Only for top-level entries: the catalog (as declared) and the schema they belong to.
    #[serde(default)]
    pub catalog: Option<Str>,
    #[serde(default)]
    pub schema: Option<Str>,
    #[serde(default)]
    pub create: Option<Spanned<bool>>,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub tags: ScalarMap,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub properties: ScalarMap,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub table_type: Option<Str>,
    #[serde(default)]
    pub format: Option<Str>,
    #[serde(default)]
    pub storage_location: Option<Str>,
    #[serde(default)]
    pub row_filter: Option<Spanned<RowFilter>>,
    #[serde(default)]
    pub columns: Vec<Spanned<Column>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowFilter {
    pub function: Str,
    /// Arguments: column names, or `{constant: ...}`.
    #[serde(default)]
    pub columns: Vec<Spanned<Argument>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: Str,
    #[serde(default, rename = "type")]
    pub data_type: Option<Str>,
    #[serde(default)]
    pub nullable: Option<bool>,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub tags: ScalarMap,
    #[serde(default)]
    pub mask: Option<Spanned<Mask>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mask {
    pub function: Str,
    /// Arguments: column names, or `{constant: ...}`.
    #[serde(default)]
    pub using: Vec<Spanned<Argument>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub name: Str,
    /// Only for top-level entries: the catalog (as declared) and the schema they belong to.
    #[serde(default)]
    pub catalog: Option<Str>,
    #[serde(default)]
    pub schema: Option<Str>,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub tags: ScalarMap,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub volume_type: Option<Str>,
    #[serde(default)]
    pub storage_location: Option<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: Str,
    /// Only for top-level entries: the catalog (as declared) and the schema they belong to.
    #[serde(default)]
    pub catalog: Option<Str>,
    #[serde(default)]
    pub schema: Option<Str>,
    #[serde(default)]
    pub create: Option<Spanned<bool>>,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub params: Vec<Spanned<Param>>,
    #[serde(default)]
    pub returns: Option<Str>,
    #[serde(default)]
    pub body: Option<Str>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: Str,
    #[serde(rename = "type")]
    pub data_type: Str,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageCredential {
    pub name: Str,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub read_only: Option<bool>,
    #[serde(default)]
    pub aws_iam_role: Option<Spanned<AwsIamRole>>,
    #[serde(default)]
    pub azure_managed_identity: Option<Spanned<AzureManagedIdentity>>,
    #[serde(default)]
    pub databricks_gcp_service_account: Option<Spanned<GcpServiceAccount>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsIamRole {
    pub role_arn: Str,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureManagedIdentity {
    pub access_connector_id: Str,
    #[serde(default)]
    pub managed_identity_id: Option<Str>,
}

/// `databricks_gcp_service_account: {}`: Databricks creates the account, nothing to set.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcpServiceAccount {}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalLocation {
    pub name: Str,
    pub url: Str,
    /// Storage credential name, as declared (resolved like other names) or as it exists.
    pub credential: Str,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub read_only: Option<bool>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub name: Str,
    pub connection_type: Str,
    #[serde(default)]
    pub comment: Option<Str>,
    #[serde(default)]
    pub owner: Option<Str>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub environments: Option<Vec<Str>>,
    #[serde(default)]
    pub read_only: Option<bool>,
    /// Connection options; secret ones only as `${env:VAR}`.
    #[serde(default)]
    pub options: ScalarMap,
}
