//! Lowering: raw YAML documents → the effective [`DeclaredState`] for one environment.
//!
//! Owns environments, name resolution (catalog suffixes, principal aliases, three-part
//! function names whose catalog is declared), structural checks (duplicates, privileges,
//! columns, secrets, names) and calling the convention rules of [`super::conventions`].
//! Pure: it receives file texts and returns a model plus diagnostics. It must never read
//! files, the environment or the clock, and never stop at the first problem.
//!
//! This file is the orchestration ([`load_sources`], step by step) and the [`Lowerer`]
//! that the steps share. Map: `recover` (parse one file, reporting every YAML problem) →
//! `project` (`brickkit.yaml`: convention list, environment, principal aliases, ignore
//! rules) → `names` (first pass: names other securables refer to, placement of top-level
//! entries, environment filters) → `kinds` (catalogs, schemas, tables, volumes, functions)
//! and `infra` (storage credentials, external locations, connections), both using the
//! shared value rules of `values` (owner, principals, tags, properties, grants, function
//! references).

mod infra;
mod kinds;
mod names;
mod project;
mod recover;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::LoadResult;
use super::cache::Cache;
use super::conventions::{self, Conventions};
use super::diagnostic::Diagnostic;
use super::model::{DeclaredSecurable, DeclaredState, Origin};
use super::raw::{self, Str};
use super::walk::SourceFile;
use super::yaml::{Spanned, position};
use crate::model::SecurableKind;
use recover::{parse_file_cached, touches_blanked};

/// The project file's name at the root of a governance tree.
pub const PROJECT_FILE: &str = "brickkit.yaml";

fn at<T>(file: &Path, s: &Spanned<T>) -> Option<Origin> {
    let (line, column) = position(s);
    Some(Origin {
        file: file.to_path_buf(),
        line,
        column,
    })
}

fn file_start(file: &Path) -> Option<Origin> {
    Some(Origin {
        file: file.to_path_buf(),
        line: 1,
        column: 1,
    })
}

fn first_at(o: Option<&Origin>) -> String {
    o.map(|o| {
        format!(
            " (first declared at {}:{}:{})",
            o.file.display(),
            o.line,
            o.column
        )
    })
    .unwrap_or_default()
}

/// Load a tree given as in-memory files (paths relative to the root) for `env` (else the
/// project's `default_environment`). With a parsed-file cache (the one piece of IO lowering
/// may be handed, see `super::cache`), files parse through it: same outcome, faster.
/// The files are consumed: each text is dropped as soon as its file is parsed, and each
/// resource document as soon as it is lowered, so that texts, documents and the lowered
/// state of a large tree are never all in memory at once.
pub fn load_sources(
    files: Vec<SourceFile>,
    env: Option<&str>,
    cache: Option<&Cache>,
) -> LoadResult {
    let mut diags = Vec::new();
    let mut blanked = BTreeSet::new();
    let project = read_project(&files, &mut diags, &mut blanked, cache);
    // Items blanked from brickkit.yaml may be `conventions:` entries: then files that look
    // like convention files are read as such, not reported as bad resource files.
    let project_complete = project.is_some() && blanked.is_empty();
    let conv_paths = match &project {
        Some(p) => project::convention_paths(p, &mut diags),
        None => Vec::new(),
    };
    project::report_missing_conventions(&files, &conv_paths, &mut diags);
    let mut sources = parse_sources(files, &conv_paths, project_complete, &mut diags, cache);
    blanked.append(&mut sources.blanked);

    let Some(project) = project else {
        return LoadResult::new(None, diags);
    };
    let environments: BTreeSet<String> = project.environments.value.keys().cloned().collect();
    let Some(env_name) = project::choose_environment(&project, &environments, env, &mut diags)
    else {
        return LoadResult::new(None, diags);
    };
    project::check_principal_environments(&project, &environments, &mut diags);
    let conv = compile_conventions(&conv_paths, &sources, &env_name, &environments, &mut diags);
    let ignore = project::ignore_rules(&project, &mut diags);

    let mut l = Lowerer::new(&env_name, &environments, &project.principals, &conv, diags);
    l.blanked = blanked;
    l.register_names(&sources.resources);
    // Every name is registered: files are now independent and lowered in parallel, each
    // document dropped by the thread lowering it right after (with a per-thread allocator,
    // memory freed by the thread that allocated it is reused for the securables; freed
    // from another thread it may stay reserved). Outcomes are merged in path order.
    let parts: Vec<Lowered> = std::mem::take(&mut sources.resources)
        .into_par_iter()
        .map(|(path, doc)| {
            let mut f = l.fork();
            f.resource_file(&path, &doc);
            drop(doc);
            (f.out, f.diags, f.fn_refs)
        })
        .collect();
    l.out.reserve_exact(parts.iter().map(|p| p.0.len()).sum());
    for (out, diags, fn_refs) in parts {
        l.out.extend(out);
        l.diags.extend(diags);
        l.fn_refs.extend(fn_refs);
    }
    let securables = l.finish();
    let mut diags = l.diags;
    let state = DeclaredState {
        project: project.project.value.clone(),
        environment: env_name.clone(),
        securables,
        policy: conv.policy.clone(),
        ignore,
    };
    diags.shrink_to_fit();
    LoadResult::new(Some(state), diags)
}

/// `brickkit.yaml`, parsed; `None` (with a diagnostic) when it is missing or invalid.
fn read_project(
    files: &[SourceFile],
    diags: &mut Vec<Diagnostic>,
    blanked: &mut BTreeSet<String>,
    cache: Option<&Cache>,
) -> Option<raw::ProjectFile> {
    match files.iter().find(|f| f.path == Path::new(PROJECT_FILE)) {
        None => {
            diags.push(Diagnostic::error(
                None,
                "missing-project",
                "no brickkit.yaml at the root of the governance directory",
            ));
            None
        }
        Some(f) => parse_file_cached(f, "project", diags, blanked, cache),
    }
}

/// Every file of the tree but `brickkit.yaml`, parsed: convention files by path, resource
/// files in path order.
struct Sources {
    conventions: BTreeMap<PathBuf, raw::ConventionFile>,
    resources: Vec<(PathBuf, raw::ResourceFile)>,
    /// Names that error recovery blanked out of some file (see [`recover`]).
    blanked: BTreeSet<String>,
}

/// Parse every other file, in parallel (files are independent); results are gathered in
/// path order so the outcome does not depend on the thread count. A file is a convention
/// file when `brickkit.yaml` lists it or, without a usable `brickkit.yaml`, when it looks
/// like one; otherwise a resource file. A file with key or type problems contributes its
/// diagnostics and, when recovery could blank them, the rest of its document.
fn parse_sources(
    files: Vec<SourceFile>,
    conv_paths: &[(PathBuf, Option<Origin>)],
    have_project: bool,
    diags: &mut Vec<Diagnostic>,
    cache: Option<&Cache>,
) -> Sources {
    enum Parsed {
        Skip,
        Convention(raw::ConventionFile),
        Resource(raw::ResourceFile),
    }
    let project_path = Path::new(PROJECT_FILE);
    // Each file is moved into its task and its text dropped once parsed.
    type Outcome = (PathBuf, Parsed, Vec<Diagnostic>, BTreeSet<String>);
    let parsed: Vec<Outcome> = files
        .into_par_iter()
        .map(|f| {
            let mut d = Vec::new();
            let mut b = BTreeSet::new();
            if f.path == project_path {
                return (f.path, Parsed::Skip, d, b);
            }
            let listed = conv_paths.iter().any(|(p, _)| *p == f.path);
            let doc = if listed || (!have_project && looks_like_convention(&f)) {
                parse_file_cached::<raw::ConventionFile>(&f, "convention", &mut d, &mut b, cache)
                    .map_or(Parsed::Skip, Parsed::Convention)
            } else {
                parse_file_cached::<raw::ResourceFile>(&f, "resource", &mut d, &mut b, cache)
                    .map_or(Parsed::Skip, Parsed::Resource)
            };
            (f.path, doc, d, b)
        })
        .collect();
    let mut sources = Sources {
        conventions: BTreeMap::new(),
        resources: Vec::new(),
        blanked: BTreeSet::new(),
    };
    for (path, doc, d, mut b) in parsed {
        diags.extend(d);
        sources.blanked.append(&mut b);
        match doc {
            Parsed::Skip => {}
            Parsed::Convention(c) => {
                sources.conventions.insert(path, c);
            }
            Parsed::Resource(r) => sources.resources.push((path, r)),
        }
    }
    sources
}

fn looks_like_convention(f: &SourceFile) -> bool {
    f.text
        .as_ref()
        .is_ok_and(|t| t.lines().any(|l| l.starts_with("convention:")))
}

/// The convention files' rules for `env`, merged in the order `brickkit.yaml` lists them.
fn compile_conventions(
    conv_paths: &[(PathBuf, Option<Origin>)],
    sources: &Sources,
    env: &str,
    environments: &BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Conventions {
    let mut conv = Conventions::default();
    for (p, _) in conv_paths {
        if let Some(doc) = sources.conventions.get(p) {
            conventions::compile(p, doc, env, environments, &mut conv, diags);
        }
    }
    conv
}

/// One named securable in progress, with the context its children need.
#[derive(Debug, Clone)]
struct Scope {
    full: String,
    declared: String,
}

/// What lowering one file produced: securables, diagnostics, function references.
type Lowered = (
    Vec<DeclaredSecurable>,
    Vec<Diagnostic>,
    Vec<(String, Option<Origin>, String)>,
);

struct Lowerer<'a> {
    env: &'a str,
    environments: &'a BTreeSet<String>,
    principals: &'a BTreeMap<String, Spanned<BTreeMap<String, Str>>>,
    conv: &'a Conventions,
    /// Declared catalog name (lower case) -> effective name.
    catalogs: BTreeMap<String, String>,
    /// Declared catalogs (lower case) that exist only in other environments.
    other_env_catalogs: BTreeSet<String>,
    /// Declared storage credential name (lower case) -> effective name.
    credentials: BTreeMap<String, String>,
    /// Schemas lowered in this environment, by (catalog, schema) as declared (lower case).
    schemas: BTreeMap<(String, String), Scope>,
    /// Schemas declared in the tree but not lowered here: they (or their catalog) exist only
    /// in other environments, or their catalog is unknown (reported on the schema itself).
    unlowered_schemas: BTreeSet<(String, String)>,
    out: Vec<DeclaredSecurable>,
    diags: Vec<Diagnostic>,
    /// Function references into declared catalogs: (resolved name, where, as written).
    fn_refs: Vec<(String, Option<Origin>, String)>,
    /// Names error recovery blanked out (lower case): a reference touching one of them is
    /// not reported as dangling (see [`recover`]).
    blanked: BTreeSet<String>,
}

impl<'a> Lowerer<'a> {
    fn new(
        env: &'a str,
        environments: &'a BTreeSet<String>,
        principals: &'a BTreeMap<String, Spanned<BTreeMap<String, Str>>>,
        conv: &'a Conventions,
        diags: Vec<Diagnostic>,
    ) -> Self {
        Lowerer {
            env,
            environments,
            principals,
            conv,
            catalogs: BTreeMap::new(),
            other_env_catalogs: BTreeSet::new(),
            credentials: BTreeMap::new(),
            schemas: BTreeMap::new(),
            unlowered_schemas: BTreeSet::new(),
            out: Vec::new(),
            diags,
            fn_refs: Vec::new(),
            blanked: BTreeSet::new(),
        }
    }

    /// A lowerer for one more file: the same registered names, no output yet.
    fn fork(&self) -> Lowerer<'a> {
        Lowerer {
            env: self.env,
            environments: self.environments,
            principals: self.principals,
            conv: self.conv,
            catalogs: self.catalogs.clone(),
            other_env_catalogs: self.other_env_catalogs.clone(),
            credentials: self.credentials.clone(),
            schemas: self.schemas.clone(),
            unlowered_schemas: self.unlowered_schemas.clone(),
            out: Vec::new(),
            diags: Vec::new(),
            fn_refs: Vec::new(),
            blanked: self.blanked.clone(),
        }
    }

    /// True when `reference` may point at something error recovery blanked.
    fn blanked(&self, reference: &str) -> bool {
        touches_blanked(&self.blanked, reference)
    }

    /// Apply default tags, check required tags, keep the securable.
    fn push(&mut self, mut sec: DeclaredSecurable, tag_origins: &BTreeMap<String, Origin>) {
        conventions::apply_default_tags(self.conv, &mut sec);
        let v = conventions::check_required_tags(&self.conv.policy, &sec, tag_origins);
        self.diags.extend(v);
        self.out.push(sec);
    }

    /// Sort, drop and report duplicates, check function references, return the securables.
    fn finish(&mut self) -> Vec<DeclaredSecurable> {
        let mut kept = std::mem::take(&mut self.out);
        // In place (no second vector of securables): unstable is safe, no two securables
        // share kind, name and origin (one YAML node declares one securable).
        kept.sort_unstable_by(|a, b| {
            (a.kind, &a.full_name, &a.origin).cmp(&(b.kind, &b.full_name, &b.origin))
        });
        let diags = &mut self.diags;
        // `dedup_by` hands (later, earlier kept): the later one is dropped and reported.
        kept.dedup_by(|s, prev| {
            let dup = prev.kind == s.kind && prev.full_name == s.full_name;
            if dup {
                diags.push(Diagnostic::error(
                    s.origin.clone(),
                    "duplicate",
                    format!(
                        "duplicate {} `{}`{}",
                        s.kind,
                        s.full_name,
                        first_at(prev.origin.as_ref())
                    ),
                ));
            }
            dup
        });
        kept.shrink_to_fit();
        let functions: BTreeSet<&str> = kept
            .iter()
            .filter(|s| s.kind == SecurableKind::Function)
            .map(|s| s.full_name.as_str())
            .collect();
        for (full, origin, written) in &self.fn_refs {
            if !functions.contains(full.as_str()) && !touches_blanked(&self.blanked, written) {
                self.diags.push(Diagnostic::error(
                    origin.clone(),
                    "function",
                    format!(
                        "function `{written}` is not declared, but its catalog is: declare it under its schema's `functions:` (with `create: false` if something else creates it)"
                    ),
                ));
            }
        }
        kept
    }
}
