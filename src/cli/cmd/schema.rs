//! `brickkit schema [project|conventions|resources|all]`: print the JSON Schema of the
//! declaration files to stdout. Reads nothing, touches no workspace.

use crate::cli::args::{SchemaArgs, SchemaWhich};
use crate::cli::{exit, term};
use brickkit::declared::schema::{SchemaKind, json_schema};

pub fn run(args: &SchemaArgs) -> anyhow::Result<u8> {
    let kind = match args.which {
        SchemaWhich::Project => SchemaKind::Project,
        SchemaWhich::Conventions => SchemaKind::Conventions,
        SchemaWhich::Resources => SchemaKind::Resources,
        SchemaWhich::All => SchemaKind::All,
    };
    let mut out = serde_json::to_string_pretty(&json_schema(kind))?;
    out.push('\n');
    term::stdout_write(out.as_bytes())?;
    Ok(exit::OK)
}
