//! The connection settings an environment of `brickkit.yaml` names (`profile`, `host`,
//! `warehouse_id`), for the commands that talk to a workspace. Reads only the project file;
//! never connects and never reads the process environment.

use std::path::Path;

use crate::declared::lower::PROJECT_FILE;
use crate::declared::raw::ProjectFile;
use crate::declared::yaml;

/// Connection settings of one environment (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvConnection {
    pub profile: Option<String>,
    pub host: Option<String>,
    pub warehouse_id: Option<String>,
}

/// The settings of environment `env` (else `default_environment`) in `dir/brickkit.yaml`.
/// `None` when the file cannot be read or parsed or names no such environment (the loader
/// reports those problems with locations).
pub fn env_connection(dir: &Path, env: Option<&str>) -> Option<EnvConnection> {
    let text = std::fs::read_to_string(dir.join(PROJECT_FILE)).ok()?;
    let p: ProjectFile = yaml::parse(&text).ok()?;
    let name = env
        .map(str::to_string)
        .or_else(|| p.default_environment.as_ref().map(|d| d.value.clone()))?;
    let e = p.environments.value.get(&name)?;
    let v = |s: &Option<raw_str::Str>| s.as_ref().map(|x| x.value.replace("{env}", &name));
    Some(EnvConnection {
        profile: v(&e.value.profile),
        host: v(&e.value.host),
        warehouse_id: v(&e.value.warehouse_id),
    })
}

mod raw_str {
    pub use crate::declared::raw::Str;
}
