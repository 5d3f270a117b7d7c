//! JSON Schema of the declaration files, for editors (`brickkit schema`): generated from the
//! raw types the loader parses (`raw`), so that keys, types, renames and
//! `deny_unknown_fields` are the loader's own. Draft-07, because that is the newest draft
//! the YAML language server (VS Code's YAML extension and most other editors) documents.
//!
//! `all` is one schema whose root is an `anyOf` of the three file kinds, with every type in
//! `definitions`: editors (the YAML language server) then need one `$schema` line for every file
//! of a tree. The kinds are disjoint (a project file requires `project:` and
//! `environments:`, a convention file `convention:`, and none allows another's keys), so
//! `anyOf` accepts exactly what `oneOf` would, without asking a validator to prove that
//! only one alternative matches. Must never read files or describe what the loader
//! refuses: a schema wider than the loader is a bug, and a narrower one one too.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::raw;

/// Which declaration files a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// `brickkit.yaml`.
    Project,
    /// A convention file listed under `conventions:`.
    Conventions,
    /// Any other `*.yaml` / `*.yml` file of the tree.
    Resources,
    /// Any file of a tree (the three above, told apart by their keys).
    All,
}

/// Any declaration file; its schema is the `anyOf` of the three kinds.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[expect(
    dead_code,
    reason = "only describes itself as JSON Schema; never built"
)]
enum AnyFile {
    Project(raw::ProjectFile),
    Convention(raw::ConventionFile),
    Resource(raw::ResourceFile),
}

/// The title of the schema of `kind`.
fn title(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Project => "brickkit project file (brickkit.yaml)",
        SchemaKind::Conventions => "brickkit convention file",
        SchemaKind::Resources => "brickkit resource file",
        SchemaKind::All => "brickkit declaration file (project, convention or resource file)",
    }
}

/// The JSON Schema of `kind`, as a JSON value (keys sorted: stable output).
pub fn json_schema(kind: SchemaKind) -> serde_json::Value {
    let g = SchemaSettings::draft07().into_generator();
    let mut schema = match kind {
        SchemaKind::Project => root::<raw::ProjectFile>(g),
        SchemaKind::Conventions => root::<raw::ConventionFile>(g),
        SchemaKind::Resources => root::<raw::ResourceFile>(g),
        SchemaKind::All => root::<AnyFile>(g),
    };
    schema.insert("title".into(), title(kind).into());
    sorted(schema.to_value())
}

fn root<T: JsonSchema>(g: SchemaGenerator) -> Schema {
    g.into_root_schema_for::<T>()
}

/// The same value with every object's keys in sorted order.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(sorted).collect())
        }
        other => other,
    }
}
