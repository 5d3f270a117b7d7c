//! The connection settings an environment of `brickkit.yaml` names (`profile`, `host`,
//! `warehouse_id`), for the workflows that talk to a workspace. Pure: it reads the project
//! file from the sources the loader already read (never the disk a second time), never
//! connects and never reads the process environment.

use crate::declared::lower::PROJECT_FILE;
use crate::declared::raw::{ProjectFile, Str};
use crate::declared::walk::SourceFile;
use crate::declared::yaml;

/// Connection settings of one environment (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvConnection {
    pub profile: Option<String>,
    pub host: Option<String>,
    pub warehouse_id: Option<String>,
}

/// The settings of environment `env` (else `default_environment`) in the tree's
/// `brickkit.yaml`. `None` when the file is absent, unreadable or unparsable, or names no
/// such environment (the loader reports those problems with locations). `{env}` in a value
/// is replaced by the environment's name.
pub fn from_sources(files: &[SourceFile], env: Option<&str>) -> Option<EnvConnection> {
    let project = files.iter().find(|f| f.path.as_os_str() == PROJECT_FILE)?;
    let text = project.text.as_ref().ok()?;
    let p: ProjectFile = yaml::parse(text).ok()?;
    let name = env
        .map(str::to_string)
        .or_else(|| p.default_environment.as_ref().map(|d| d.value.clone()))?;
    let e = p.environments.value.get(&name)?;
    let v = |s: &Option<Str>| s.as_ref().map(|x| x.value.replace("{env}", &name));
    Some(EnvConnection {
        profile: v(&e.value.profile),
        host: v(&e.value.host),
        warehouse_id: v(&e.value.warehouse_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str = "project: p\ndefault_environment: dev\nenvironments:\n  dev:\n    host: https://{env}.example\n    warehouse_id: wh-{env}\n  prd:\n    profile: prd\n";

    #[test]
    fn reads_the_default_or_named_environment() {
        let files = [SourceFile::new("brickkit.yaml", PROJECT)];
        let dev = from_sources(&files, None).unwrap();
        assert_eq!(dev.host.as_deref(), Some("https://dev.example"));
        assert_eq!(dev.warehouse_id.as_deref(), Some("wh-dev"));
        let prd = from_sources(&files, Some("prd")).unwrap();
        assert_eq!(prd.profile.as_deref(), Some("prd"));
        assert_eq!(prd.host, None);
        assert_eq!(from_sources(&files, Some("qa")), None);
    }

    #[test]
    fn only_the_root_project_file_counts() {
        let files = [SourceFile::new("sub/brickkit.yaml", PROJECT)];
        assert_eq!(from_sources(&files, None), None);
    }
}
