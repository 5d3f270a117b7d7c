//! Discovery of the files of a governance tree: every `*.yaml` / `*.yml` under the root,
//! recursively, sorted by relative path. Hidden files and directories (`.git`, `.venv`) are
//! skipped; symbolic links to directories are not followed (no cycles).
//!
//! The only IO of the loader. It must never parse or interpret what it reads.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;

/// One YAML file of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the tree root, with `/` separators on every platform.
    pub path: PathBuf,
    /// The text, or why it could not be read.
    pub text: Result<String, String>,
}

impl SourceFile {
    /// A file whose text is known (tests, fuzzing, in-memory trees).
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: Ok(text.into()),
        }
    }
}

/// Read every YAML file under `root`. Problems (unreadable directories) come back as
/// diagnostics; unreadable files come back as files with an `Err` text.
pub fn read_tree(root: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => walk(root, Path::new(""), &mut files, &mut problems),
        Ok(_) => problems.push(Diagnostic::error(
            None,
            "io",
            format!(
                "`{}` is not a directory: give the governance directory that holds brickkit.yaml",
                root.display()
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => problems.push(Diagnostic::error(
            None,
            "io",
            format!("governance directory `{}` does not exist", root.display()),
        )),
        Err(e) => problems.push(Diagnostic::error(
            None,
            "io",
            format!("could not read `{}`: {e}", root.display()),
        )),
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

fn walk(root: &Path, rel: &Path, files: &mut Vec<SourceFile>, problems: &mut Vec<Diagnostic>) {
    let dir = root.join(rel);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Diagnostic::error(
                None,
                "io",
                format!("could not read directory `{}`: {e}", dir.display()),
            ));
            return;
        }
    };
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.starts_with('.') {
                    names.push((name, e.path()));
                }
            }
            Err(e) => problems.push(Diagnostic::error(
                None,
                "io",
                format!("could not read directory `{}`: {e}", dir.display()),
            )),
        }
    }
    names.sort();
    for (name, path) in names {
        let child = rel.join(&name);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                problems.push(Diagnostic::error(
                    None,
                    "io",
                    format!("could not read `{}`: {e}", path.display()),
                ));
                continue;
            }
        };
        if meta.is_dir() {
            walk(root, &child, files, problems);
        } else if is_yaml(&name) {
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("could not read `{}`: {e}", path.display()));
            files.push(SourceFile { path: child, text });
        }
    }
}

fn is_yaml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_yaml_recursively_sorted_skipping_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join("brickkit.yaml"), "x").unwrap();
        fs::write(root.join("b/c/z.yml"), "x").unwrap();
        fs::write(root.join("b/a.yaml"), "x").unwrap();
        fs::write(root.join("b/notes.md"), "x").unwrap();
        fs::write(root.join(".git/config.yaml"), "x").unwrap();
        let (files, problems) = read_tree(root);
        assert!(problems.is_empty());
        let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::from("b/a.yaml"),
                PathBuf::from("b/c/z.yml"),
                PathBuf::from("brickkit.yaml")
            ]
        );
    }

    #[test]
    fn missing_root_is_reported_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let (files, problems) = read_tree(&dir.path().join("nope"));
        assert!(files.is_empty());
        assert!(problems[0].message.contains("does not exist"));
    }
}
