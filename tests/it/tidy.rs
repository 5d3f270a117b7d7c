//! Tidy checks over the source tree: every module documents what it owns, the layer rules
//! of ARCHITECTURE.md hold, and the pure core stays free of IO, clock and environment.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The top-level module a `src/` file belongs to (`src/diff/compare.rs` -> `diff`).
fn module_of(rel: &str) -> &str {
    let rest = rel.strip_prefix("src/").unwrap();
    match rest.split_once('/') {
        Some((m, _)) => m,
        None => rest.trim_end_matches(".rs"),
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<String> = src_files()
        .into_iter()
        .filter(|(_, text)| {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.trim_start().starts_with("//!")
        })
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` doc: {missing:?}"
    );
}

/// Which modules each module may `use crate::...` (ARCHITECTURE.md, "Layers").
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("api", &["model"]),
    ("declared", &["model"]),
    ("state", &["model"]),
    ("synth", &["model", "declared", "state"]),
    ("import", &["model", "state"]),
    ("diff", &["model", "declared", "state"]),
    ("drift", &["model", "declared", "state", "diff"]),
    ("report", &["model", "drift", "diff"]),
    ("history", &["model", "state", "drift", "diff", "declared"]),
];

#[test]
fn layer_rules_hold() {
    let mut violations = Vec::new();
    for (rel, text) in src_files() {
        let module = module_of(&rel);
        let Some((_, allowed)) = LAYERS.iter().find(|(m, _)| *m == module) else {
            continue; // cli, lib.rs, main.rs: may use everything
        };
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                let after = &rest[i + "crate::".len()..];
                let target: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                // `state` may use `api` only in `state/collect` (the collector).
                let collector_uses_api = target == "api" && rel.starts_with("src/state/collect/");
                if !target.is_empty()
                    && target != module
                    && target != "VERSION"
                    && !allowed.contains(&target.as_str())
                    && !collector_uses_api
                {
                    violations.push(format!(
                        "{rel}:{}: `{module}` uses `crate::{target}`",
                        n + 1
                    ));
                }
                rest = after;
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_pure_core_does_no_io_and_reads_no_clock_or_environment() {
    let pure = ["model", "diff", "drift", "report"];
    let banned = [
        "std::fs",
        "std::env",
        "SystemTime",
        "Instant::now",
        "std::net",
        "std::process",
    ];
    let mut violations = Vec::new();
    for (rel, text) in src_files() {
        if !pure.contains(&module_of(&rel)) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            for b in banned {
                if line.contains(b) && !line.trim_start().starts_with("//") {
                    violations.push(format!("{rel}:{}: `{b}`", n + 1));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "IO/clock/env in the pure core:\n{}",
        violations.join("\n")
    );
}
