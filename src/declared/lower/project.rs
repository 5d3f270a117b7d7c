//! `brickkit.yaml` at the level of the whole tree: the listed convention files, the chosen
//! environment, the environments principal aliases name, and the ignore rules. Reports
//! problems with their location in `brickkit.yaml`; never lowers a securable.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::{PROJECT_FILE, at};
use crate::declared::conventions::valid_name_chars;
use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::{IgnoreSpec, Origin};
use crate::declared::raw;
use crate::declared::walk::SourceFile;
use crate::model::SecurableKind;

/// Normalise a relative path written in YAML (`./conventions/x.yaml`).
fn normalize_rel(p: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if out.as_os_str().is_empty() {
        None
    } else {
        Some(out)
    }
}

/// Convention files, in the order brickkit.yaml lists them, with where each is listed.
pub(super) fn convention_paths(
    project: &raw::ProjectFile,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, Option<Origin>)> {
    let project_path = Path::new(PROJECT_FILE);
    let mut conv_paths: Vec<(PathBuf, Option<Origin>)> = Vec::new();
    for c in &project.conventions {
        match normalize_rel(&c.value) {
            Some(path) if conv_paths.iter().any(|(q, _)| *q == path) => {
                diags.push(Diagnostic::error(
                    at(project_path, c),
                    "duplicate",
                    format!("convention file `{}` is listed twice", c.value),
                ));
            }
            Some(path) => conv_paths.push((path, at(project_path, c))),
            None => diags.push(Diagnostic::error(
                at(project_path, c),
                "missing-convention",
                format!(
                    "convention file `{}` must be a relative path inside the governance directory",
                    c.value
                ),
            )),
        }
    }
    conv_paths
}

/// A listed convention file that the tree does not hold.
pub(super) fn report_missing_conventions(
    files: &[SourceFile],
    conv_paths: &[(PathBuf, Option<Origin>)],
    diags: &mut Vec<Diagnostic>,
) {
    for (p, origin) in conv_paths {
        if !files.iter().any(|f| f.path == *p) {
            diags.push(Diagnostic::error(
                origin.clone(),
                "missing-convention",
                format!(
                    "convention file `{}` does not exist in the governance directory",
                    p.display()
                ),
            ));
        }
    }
}

/// Check the declared environment names and `default_environment`, and choose the
/// environment to lower: `env` when given, else the default. `None` (with a diagnostic,
/// unless the default itself is the problem and was reported) when there is none to lower.
pub(super) fn choose_environment(
    project: &raw::ProjectFile,
    environments: &BTreeSet<String>,
    env: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let project_path = Path::new(PROJECT_FILE);
    let declared_list = environments.iter().cloned().collect::<Vec<_>>().join(", ");
    for name in environments {
        if !valid_name_chars(name) || name.is_empty() {
            diags.push(Diagnostic::error(
                at(project_path, &project.environments),
                "invalid-name",
                format!("environment name `{name}` must not contain dots, slashes or spaces"),
            ));
        }
    }
    if let Some(d) = &project.default_environment
        && !environments.contains(&d.value)
    {
        diags.push(Diagnostic::error(
            at(project_path, d),
            "unknown-environment",
            format!(
                "default_environment `{}` is not declared under `environments:` (declared: {declared_list})",
                d.value
            ),
        ));
    }
    match (env, &project.default_environment) {
        (Some(e), _) => {
            if !environments.contains(e) {
                diags.push(Diagnostic::error(
                    at(project_path, &project.environments),
                    "unknown-environment",
                    format!("unknown environment `{e}` (brickkit.yaml declares: {declared_list})"),
                ));
                return None;
            }
            Some(e.to_owned())
        }
        (None, Some(d)) => {
            if !environments.contains(&d.value) {
                return None;
            }
            Some(d.value.clone())
        }
        (None, None) => {
            diags.push(Diagnostic::error(
                at(project_path, &project.project),
                "unknown-environment",
                format!(
                    "no environment chosen: pass --env (or BRICKKIT_ENV) or set default_environment (declared: {declared_list})"
                ),
            ));
            None
        }
    }
}

/// Principal aliases: the environments they name must exist.
pub(super) fn check_principal_environments(
    project: &raw::ProjectFile,
    environments: &BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let project_path = Path::new(PROJECT_FILE);
    for (alias, per_env) in &project.principals {
        for (e, name) in &per_env.value {
            if !environments.contains(e) {
                diags.push(Diagnostic::error(
                    at(project_path, name),
                    "unknown-environment",
                    format!("principal alias `{alias}` names unknown environment `{e}`"),
                ));
            }
        }
    }
}

/// The ignore rules, each checked (a bad pattern is reported and still kept).
pub(super) fn ignore_rules(
    project: &raw::ProjectFile,
    diags: &mut Vec<Diagnostic>,
) -> Vec<IgnoreSpec> {
    let project_path = Path::new(PROJECT_FILE);
    let mut ignore = Vec::new();
    for i in &project.ignore {
        if let Err(why) = check_ignore_pattern(&i.value) {
            diags.push(Diagnostic::error(at(project_path, i), "ignore", why));
        }
        ignore.push(IgnoreSpec {
            pattern: i.value.clone(),
            origin: at(project_path, i),
        });
    }
    ignore
}

/// `kind:name-glob[#field-glob]`, kind a securable kind or `*`.
fn check_ignore_pattern(p: &str) -> Result<(), String> {
    let Some((kind, rest)) = p.split_once(':') else {
        return Err(format!(
            "ignore pattern `{p}` must look like `kind:name-glob[#field-glob]` (e.g. `table:*.*.tmp_*`)"
        ));
    };
    if kind != "*" {
        kind.parse::<SecurableKind>()
            .map_err(|e| format!("ignore pattern `{p}`: {e}"))?;
    }
    let name = rest.split_once('#').map_or(rest, |(n, _)| n);
    if name.is_empty() {
        return Err(format!("ignore pattern `{p}` has an empty name glob"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_patterns() {
        assert!(check_ignore_pattern("table:*.*.tmp_*").is_ok());
        assert!(check_ignore_pattern("*:x#tags.a").is_ok());
        assert!(check_ignore_pattern("tables:*").is_err());
        assert!(check_ignore_pattern("nocolon").is_err());
        assert!(check_ignore_pattern("table:#x").is_err());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_rel("./a/b.yaml"), Some(PathBuf::from("a/b.yaml")));
        assert_eq!(normalize_rel("a/../b.yaml"), Some(PathBuf::from("b.yaml")));
        assert_eq!(normalize_rel("../b.yaml"), None);
        assert_eq!(normalize_rel("/etc/x.yaml"), None);
    }
}
