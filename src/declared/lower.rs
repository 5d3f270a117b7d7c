//! Lowering: raw YAML documents → the effective [`DeclaredState`] for one environment.
//!
//! Owns environments, name resolution (catalog suffixes, principal aliases, three-part
//! function names whose catalog is declared), structural checks (duplicates, privileges,
//! columns, secrets, names) and calling the convention rules of [`super::conventions`].
//! Pure: it receives file texts and returns a model plus diagnostics. It must never read
//! files, the environment or the clock, and never stop at the first problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use super::LoadResult;
use super::conventions::{self, Conventions, subst_env, valid_name_chars};
use super::diagnostic::Diagnostic;
use super::model::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, IgnoreSpec, Origin, RowFilter,
};
use super::raw::{self, Grants, ScalarMap, Str};
use super::walk::SourceFile;
use super::yaml::{self, Spanned, position};
use crate::model::{SecurableKind, applicable_privileges, normalize_privilege, privilege_applies};

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

/// How many problems one file may report before giving up on it.
const MAX_ERRORS_PER_FILE: usize = 32;

/// Parse one file as `T`, reporting read and YAML problems. A key or type problem stops
/// serde at the first one; to report the others too, the list item holding it is blanked
/// and the file parsed again (see [`blank_item`]). A file with any problem yields `None`:
/// its securables are not lowered, so blanking can never cause follow-on diagnostics.
fn parse_file<T: serde::de::DeserializeOwned>(
    f: &SourceFile,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let text = match &f.text {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(file_start(&f.path), "io", e.clone()));
            return None;
        }
    };
    let mut err = match yaml::parse::<T>(text) {
        Ok(v) => return Some(v),
        Err(e) => e,
    };
    let mut lines: Vec<String> = Vec::new();
    for _ in 0..MAX_ERRORS_PER_FILE {
        let code = push_yaml_error(f, what, &err, diags);
        if code == "yaml" {
            break; // a syntax error: what follows cannot be trusted
        }
        if lines.is_empty() {
            lines = text.lines().map(str::to_owned).collect();
        }
        if !blank_item(&mut lines, err.line) {
            break;
        }
        match yaml::parse::<T>(&lines.join("\n")) {
            Ok(_) => break,
            Err(next) if next == err => break,
            Err(next) => err = next,
        }
    }
    None
}

/// Report one YAML problem; returns its code.
fn push_yaml_error(
    f: &SourceFile,
    what: &str,
    e: &yaml::YamlError,
    diags: &mut Vec<Diagnostic>,
) -> &'static str {
    let origin = Some(Origin {
        file: f.path.clone(),
        line: e.line,
        column: e.column,
    });
    let m = e.message.as_str();
    let code = if m.starts_with("unknown field") {
        "unknown-key"
    } else if m.starts_with("duplicate mapping key") {
        "duplicate-key"
    } else if m.starts_with("invalid type")
        || m.starts_with("invalid value")
        || m.starts_with("invalid boolean")
        || m.starts_with("invalid integer")
        || m.starts_with("invalid float")
        || m.starts_with("expected ")
    {
        "type"
    } else if m.starts_with("missing field") {
        "missing-key"
    } else {
        "yaml"
    };
    let mut message = e.message.clone();
    if what == "resource" && message.starts_with("unknown field `convention`") {
        message
            .push_str(" (a convention file must be listed under `conventions:` in brickkit.yaml)");
    } else if what == "resource" && message.starts_with("unknown field `project`") {
        message.push_str(" (only the root of the tree holds brickkit.yaml)");
    }
    diags.push(Diagnostic::error(
        origin,
        code,
        format!("invalid {what} file: {message}"),
    ));
    code
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

fn is_blank(l: &str) -> bool {
    let t = l.trim();
    t.is_empty() || t.starts_with('#')
}

fn is_item(l: &str) -> bool {
    let t = l.trim_start();
    t == "-" || t.starts_with("- ")
}

/// Blank the innermost block-sequence item (`- ...`) holding 1-based line `line`, keeping
/// line numbers; when that empties the list, its key gets `[]`. False when there is no
/// such item (the error is not inside a block list).
fn blank_item(lines: &mut [String], line: usize) -> bool {
    if lines.is_empty() {
        return false;
    }
    let idx = line.saturating_sub(1).min(lines.len() - 1);
    // Walk up to the innermost item enclosing the line.
    let mut min_indent = usize::MAX;
    let mut start = None;
    for i in (0..=idx).rev() {
        let l = &lines[i];
        if is_blank(l) {
            continue;
        }
        let ind = indent_of(l);
        if is_item(l) && ind <= min_indent {
            start = Some(i);
            break;
        }
        min_indent = min_indent.min(ind);
    }
    let Some(start) = start else {
        return false;
    };
    let item_indent = indent_of(&lines[start]);
    let mut end = start + 1;
    while end < lines.len() && (is_blank(&lines[end]) || indent_of(&lines[end]) > item_indent) {
        end += 1;
    }
    for l in &mut lines[start..end] {
        l.clear();
    }
    // Did the list become empty? Then its key needs `[]` to stay a list.
    let next = lines[end..].iter().find(|l| !is_blank(l));
    let still_has_items = next.is_some_and(|l| is_item(l) && indent_of(l) == item_indent);
    let has_earlier_items = lines[..start]
        .iter()
        .rev()
        .find(|l| !is_blank(l) && indent_of(l) <= item_indent)
        .is_some_and(|l| is_item(l) && indent_of(l) == item_indent);
    if !still_has_items && !has_earlier_items {
        let parent = lines[..start]
            .iter()
            .rposition(|l| !is_blank(l) && !is_item(l) && indent_of(l) <= item_indent);
        if let Some(p) = parent {
            let l = &mut lines[p];
            let cut = l.find(" #").unwrap_or(l.len());
            l.truncate(cut);
            l.push_str(" []");
        }
    }
    true
}

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

fn looks_like_convention(f: &SourceFile) -> bool {
    f.text
        .as_ref()
        .is_ok_and(|t| t.lines().any(|l| l.starts_with("convention:")))
}

/// Load a tree given as in-memory files (paths relative to the root) for `env` (else the
/// project's `default_environment`).
pub fn load_sources(files: &[SourceFile], env: Option<&str>) -> LoadResult {
    let mut diags = Vec::new();
    let project_path = Path::new(PROJECT_FILE);
    let project: Option<raw::ProjectFile> = match files.iter().find(|f| f.path == project_path) {
        None => {
            diags.push(Diagnostic::error(
                None,
                "missing-project",
                "no brickkit.yaml at the root of the governance directory",
            ));
            None
        }
        Some(f) => parse_file(f, "project", &mut diags),
    };

    // Convention files, in the order brickkit.yaml lists them.
    let mut conv_paths: Vec<(PathBuf, Option<Origin>)> = Vec::new();
    if let Some(p) = &project {
        for c in &p.conventions {
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
    }

    // Parse every other file, in parallel (files are independent); results are gathered in
    // path order so the outcome does not depend on the thread count.
    enum Parsed {
        Skip,
        Convention(raw::ConventionFile),
        Resource(raw::ResourceFile),
    }
    let parsed: Vec<(Parsed, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|f| {
            let mut d = Vec::new();
            if f.path == project_path {
                return (Parsed::Skip, d);
            }
            let listed = conv_paths.iter().any(|(p, _)| *p == f.path);
            let doc = if listed || (project.is_none() && looks_like_convention(f)) {
                parse_file::<raw::ConventionFile>(f, "convention", &mut d)
                    .map_or(Parsed::Skip, Parsed::Convention)
            } else {
                parse_file::<raw::ResourceFile>(f, "resource", &mut d)
                    .map_or(Parsed::Skip, Parsed::Resource)
            };
            (doc, d)
        })
        .collect();
    let mut convention_docs: BTreeMap<PathBuf, raw::ConventionFile> = BTreeMap::new();
    let mut resources: Vec<(PathBuf, raw::ResourceFile)> = Vec::new();
    for (f, (doc, d)) in files.iter().zip(parsed) {
        diags.extend(d);
        match doc {
            Parsed::Skip => {}
            Parsed::Convention(c) => {
                convention_docs.insert(f.path.clone(), c);
            }
            Parsed::Resource(r) => resources.push((f.path.clone(), r)),
        }
    }
    for (p, origin) in &conv_paths {
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

    let Some(project) = project else {
        return LoadResult::new(None, diags);
    };

    // The environment.
    let environments: BTreeSet<String> = project.environments.value.keys().cloned().collect();
    let declared_list = environments.iter().cloned().collect::<Vec<_>>().join(", ");
    for name in &environments {
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
    let env_name = match (env, &project.default_environment) {
        (Some(e), _) => {
            if !environments.contains(e) {
                diags.push(Diagnostic::error(
                    at(project_path, &project.environments),
                    "unknown-environment",
                    format!("unknown environment `{e}` (brickkit.yaml declares: {declared_list})"),
                ));
                return LoadResult::new(None, diags);
            }
            e.to_owned()
        }
        (None, Some(d)) => {
            if !environments.contains(&d.value) {
                return LoadResult::new(None, diags);
            }
            d.value.clone()
        }
        (None, None) => {
            diags.push(Diagnostic::error(
                at(project_path, &project.project),
                "unknown-environment",
                format!(
                    "no environment chosen: pass --env (or BRICKKIT_ENV) or set default_environment (declared: {declared_list})"
                ),
            ));
            return LoadResult::new(None, diags);
        }
    };

    // Principal aliases: their environments must exist.
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

    // Conventions, merged in listed order.
    let mut conv = Conventions::default();
    for (p, _) in &conv_paths {
        if let Some(doc) = convention_docs.get(p) {
            conventions::compile(p, doc, &env_name, &environments, &mut conv, &mut diags);
        }
    }

    // Ignore rules.
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

    let mut l = Lowerer {
        env: &env_name,
        environments: &environments,
        principals: &project.principals,
        conv: &conv,
        catalogs: BTreeMap::new(),
        other_env_catalogs: BTreeSet::new(),
        credentials: BTreeMap::new(),
        schemas: BTreeMap::new(),
        unlowered_schemas: BTreeSet::new(),
        out: Vec::new(),
        diags,
        fn_refs: Vec::new(),
    };
    l.register_names(&resources);
    for (path, doc) in &resources {
        l.resource_file(path, doc);
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

/// `${env:VAR}` with a valid variable name.
fn is_env_reference(v: &str) -> bool {
    let Some(inner) = v.strip_prefix("${env:").and_then(|r| r.strip_suffix('}')) else {
        return false;
    };
    let mut chars = inner.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True for connection option keys that carry secrets (password, tokens, keys...).
fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "password",
        "passphrase",
        "secret",
        "token",
        "privatekey",
        "pvtkey",
        "apikey",
        "accesskey",
        "serviceaccountkey",
        "credential",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// One named securable in progress, with the context its children need.
#[derive(Debug, Clone)]
struct Scope {
    full: String,
    declared: String,
}

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
}

impl Lowerer<'_> {
    /// First pass: the names other securables may refer to (catalogs, storage credentials,
    /// then schemas, which need every catalog).
    fn register_names(&mut self, resources: &[(PathBuf, raw::ResourceFile)]) {
        for (_, doc) in resources {
            for c in &doc.catalogs {
                if !self.included(&c.value.environments) {
                    self.other_env_catalogs
                        .insert(c.value.name.value.to_lowercase());
                } else {
                    let n = &c.value.name.value;
                    self.catalogs.insert(
                        n.to_lowercase(),
                        conventions::effective_short_name(self.conv, SecurableKind::Catalog, n),
                    );
                }
            }
            for c in &doc.storage_credentials {
                if self.included(&c.value.environments) {
                    let n = &c.value.name.value;
                    self.credentials.insert(
                        n.to_lowercase(),
                        conventions::effective_short_name(
                            self.conv,
                            SecurableKind::StorageCredential,
                            n,
                        ),
                    );
                }
            }
        }
        for (_, doc) in resources {
            for c in &doc.catalogs {
                let cat = c.value.name.value.to_lowercase();
                let here = self.included(&c.value.environments);
                for s in &c.value.schemas {
                    self.register_schema(&cat, here, &s.value);
                }
            }
            for s in &doc.schemas {
                if let Some(cat) = &s.value.catalog {
                    let cat = cat.value.to_lowercase();
                    let here = self.catalogs.contains_key(&cat);
                    self.register_schema(&cat, here, &s.value);
                }
            }
        }
    }

    /// Record where the tables, volumes and functions of a schema go when they are declared
    /// at top level (`catalog:` + `schema:`).
    fn register_schema(&mut self, cat: &str, catalog_here: bool, s: &raw::Schema) {
        let key = (cat.to_owned(), s.name.value.to_lowercase());
        match self.catalogs.get(cat) {
            Some(eff) if catalog_here && self.included(&s.environments) => {
                let catalog = Scope {
                    full: eff.clone(),
                    declared: cat.to_owned(),
                };
                let scope = self.scope_of(SecurableKind::Schema, &s.name.value, Some(&catalog));
                self.schemas.insert(key, scope);
            }
            _ => {
                self.unlowered_schemas.insert(key);
            }
        }
    }

    /// The schema a top-level table, volume or function belongs to: its `catalog:` and
    /// `schema:` must name a schema the tree declares. `None` (with a diagnostic unless the
    /// schema exists only elsewhere) when it cannot be placed.
    fn top_level_parent(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        name: &Str,
        catalog: &Option<Str>,
        schema: &Option<Str>,
    ) -> Option<Scope> {
        let (Some(cat), Some(sch)) = (catalog, schema) else {
            for (key, v, what) in [
                ("catalog", catalog, "the catalog it belongs to, as declared"),
                ("schema", schema, "the schema it belongs to"),
            ] {
                if v.is_none() {
                    self.diags.push(Diagnostic::error(
                        at(file, name),
                        "missing-key",
                        format!("top-level {kind} `{}` needs `{key}:` ({what})", name.value),
                    ));
                }
            }
            return None;
        };
        let key = (cat.value.to_lowercase(), sch.value.to_lowercase());
        if let Some(scope) = self.schemas.get(&key) {
            return Some(scope.clone());
        }
        if !self.unlowered_schemas.contains(&key) {
            self.diags.push(Diagnostic::error(
                at(file, sch),
                "unknown-schema",
                format!(
                    "{kind} `{}` names schema `{}.{}`, which the tree does not declare (declare it under its catalog's `schemas:` or in a top-level `schemas:` entry)",
                    name.value, cat.value, sch.value
                ),
            ));
        }
        None
    }

    /// `catalog:` / `schema:` on a table, volume or function that already sits in a schema.
    fn nested_placement(&mut self, file: &Path, kind: SecurableKind, keys: [&Option<Str>; 2]) {
        for k in keys.into_iter().flatten() {
            self.diags.push(Diagnostic::error(
                at(file, k),
                "unknown-key",
                format!(
                    "`catalog:` and `schema:` are only for top-level `tables:`, `volumes:` and `functions:` entries; this {kind} is already inside a schema"
                ),
            ));
        }
    }

    /// True when a securable with this `environments:` list exists in the current
    /// environment (no check: see [`Self::in_env`]).
    fn included(&self, envs: &Option<Vec<Str>>) -> bool {
        envs.as_ref()
            .is_none_or(|l| l.iter().any(|e| e.value == self.env))
    }

    /// Check an `environments:` list and say whether the securable exists here.
    fn in_env(&mut self, file: &Path, envs: &Option<Vec<Str>>) -> bool {
        if let Some(list) = envs {
            for e in list {
                if !self.environments.contains(&e.value) {
                    self.diags.push(Diagnostic::error(
                        at(file, e),
                        "unknown-environment",
                        format!("unknown environment `{}` in `environments:`", e.value),
                    ));
                }
            }
        }
        self.included(envs)
    }

    fn resource_file(&mut self, file: &Path, doc: &raw::ResourceFile) {
        for c in &doc.catalogs {
            self.catalog(file, &c.value);
        }
        for s in &doc.schemas {
            match &s.value.catalog {
                None => self.diags.push(Diagnostic::error(
                    at(file, &s.value.name),
                    "missing-key",
                    format!(
                        "top-level schema `{}` needs `catalog:` (the catalog it belongs to)",
                        s.value.name.value
                    ),
                )),
                Some(cat) => {
                    let declared = cat.value.to_lowercase();
                    match self.catalogs.get(&declared).cloned() {
                        Some(full) => {
                            let scope = Scope { full, declared };
                            self.schema(file, &scope, &s.value);
                        }
                        // Its catalog exists only in other environments: so does it.
                        None if self.other_env_catalogs.contains(&declared) => {}
                        None => self.diags.push(Diagnostic::error(
                            at(file, cat),
                            "unknown-catalog",
                            format!(
                                "schema `{}` names catalog `{}`, which is not declared in this environment",
                                s.value.name.value, cat.value
                            ),
                        )),
                    }
                }
            }
        }
        for t in &doc.tables {
            let t = &t.value;
            let kind = SecurableKind::Table;
            if let Some(p) = self.top_level_parent(file, kind, &t.name, &t.catalog, &t.schema) {
                self.table(file, &p, t);
            }
        }
        for v in &doc.volumes {
            let v = &v.value;
            let kind = SecurableKind::Volume;
            if let Some(p) = self.top_level_parent(file, kind, &v.name, &v.catalog, &v.schema) {
                self.volume(file, &p, v);
            }
        }
        for f in &doc.functions {
            let f = &f.value;
            let kind = SecurableKind::Function;
            if let Some(p) = self.top_level_parent(file, kind, &f.name, &f.catalog, &f.schema) {
                self.function(file, &p, f);
            }
        }
        for c in &doc.storage_credentials {
            self.storage_credential(file, &c.value);
        }
        for e in &doc.external_locations {
            self.external_location(file, &e.value);
        }
        for c in &doc.connections {
            self.connection(file, &c.value);
        }
    }

    /// Validate a name part, check the naming rule, and build the securable skeleton.
    fn named(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        name: &Str,
        parent: Option<&Scope>,
    ) -> Option<DeclaredSecurable> {
        let origin = at(file, name);
        let n = &name.value;
        if n.trim().is_empty() || !valid_name_chars(n) || n.chars().count() > 255 {
            self.diags.push(Diagnostic::error(
                origin.clone(),
                "invalid-name",
                format!(
                    "invalid {kind} name `{}`: names must be 1 to 255 characters without dots, slashes, spaces or control characters",
                    n.escape_debug()
                ),
            ));
            // Keep lowering under the invalid name so that the problems of its children
            // are reported in the same run (the state is withheld anyway: it has errors).
        } else if let Some(d) = conventions::check_naming(self.conv, kind, n, origin.as_ref()) {
            self.diags.push(d);
        }
        let Scope {
            full: full_name,
            declared: declared_name,
        } = self.scope_of(kind, n, parent);
        Some(DeclaredSecurable {
            kind,
            full_name,
            declared_name,
            origin,
            create: true,
            owner: None,
            comment: None,
            tags: BTreeMap::new(),
            grants: None,
            row_filter: None,
            columns: Vec::new(),
            properties: BTreeMap::new(),
            details: BTreeMap::new(),
        })
    }

    /// Effective and declared full names of a securable named `name` (as written) under
    /// `parent`.
    fn scope_of(&self, kind: SecurableKind, name: &str, parent: Option<&Scope>) -> Scope {
        let short = conventions::effective_short_name(self.conv, kind, name);
        match parent {
            Some(p) => Scope {
                full: format!("{}.{short}", p.full),
                declared: format!("{}.{}", p.declared, name.to_lowercase()),
            },
            None => Scope {
                full: short,
                declared: name.to_lowercase(),
            },
        }
    }

    /// Owner: explicit (alias-resolved) or the convention's default.
    fn owner(&mut self, file: &Path, kind: SecurableKind, owner: &Option<Str>) -> Option<String> {
        match owner {
            Some(o) => self.principal(file, o),
            None => conventions::default_owner(self.conv, kind),
        }
    }

    /// Resolve a principal: an alias of `principals:` for this environment, else the name as
    /// written (with `{env}` replaced).
    fn principal(&mut self, file: &Path, p: &Str) -> Option<String> {
        let name = p.value.trim();
        if name.is_empty() {
            self.diags.push(Diagnostic::error(
                at(file, p),
                "principal",
                "empty principal name",
            ));
            return None;
        }
        match self.principals.get(name) {
            Some(per_env) => match per_env.value.get(self.env) {
                Some(n) => Some(subst_env(&n.value, self.env)),
                None => {
                    self.diags.push(Diagnostic::error(
                        at(file, p),
                        "principal",
                        format!(
                            "principal alias `{name}` has no name for environment `{}` (add it under `principals:` in brickkit.yaml)",
                            self.env
                        ),
                    ));
                    None
                }
            },
            None => Some(subst_env(name, self.env)),
        }
    }

    fn text(&self, s: &Option<Str>) -> Option<String> {
        s.as_ref().map(|s| subst_env(&s.value, self.env))
    }

    /// Tags as written (values with `{env}` replaced) and where each value was written.
    fn tags(
        &mut self,
        file: &Path,
        tags: &ScalarMap,
        what: &str,
    ) -> (BTreeMap<String, String>, BTreeMap<String, Origin>) {
        let mut out = BTreeMap::new();
        let mut origins = BTreeMap::new();
        for (k, v) in tags {
            if k.trim().is_empty() {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "tag",
                    format!("empty tag key on {what}"),
                ));
                continue;
            }
            out.insert(k.clone(), subst_env(&v.value.0, self.env));
            if let Some(o) = at(file, v) {
                origins.insert(k.clone(), o);
            }
        }
        (out, origins)
    }

    fn properties(&self, props: &ScalarMap) -> BTreeMap<String, String> {
        props
            .iter()
            .map(|(k, v)| (k.clone(), subst_env(&v.value.0, self.env)))
            .collect()
    }

    /// Grants: `None` when the key is absent; principals resolved, privileges canonical and
    /// checked against the kind.
    fn grants(
        &mut self,
        file: &Path,
        kind: SecurableKind,
        grants: &Grants,
        what: &str,
    ) -> Option<BTreeMap<String, BTreeSet<String>>> {
        let list = grants.as_ref()?;
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for g in &list.value {
            let principal = self.principal(file, &g.value.principal);
            if g.value.privileges.is_empty() {
                self.diags.push(Diagnostic::error(
                    at(file, &g.value.principal),
                    "privilege",
                    format!(
                        "grant to `{}` on {what} lists no privileges",
                        g.value.principal.value
                    ),
                ));
            }
            let mut privs = BTreeSet::new();
            for p in &g.value.privileges {
                let canon = normalize_privilege(&p.value);
                if privilege_applies(kind, &canon) {
                    privs.insert(canon);
                } else {
                    self.diags.push(Diagnostic::error(
                        at(file, p),
                        "privilege",
                        format!(
                            "privilege `{}` does not apply to a {kind} (allowed: {})",
                            p.value,
                            applicable_privileges(kind).join(", ")
                        ),
                    ));
                }
            }
            if let Some(principal) = principal {
                out.entry(principal).or_default().extend(privs);
            }
        }
        Some(out)
    }

    /// A function reference (`catalog.schema.function`): lower case, catalog resolved when
    /// it is a declared catalog.
    fn function_ref(&mut self, file: &Path, f: &Str, use_: &str) -> Option<String> {
        let parts: Vec<&str> = f.value.trim().split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !valid_name_chars(p)) {
            self.diags.push(Diagnostic::error(
                at(file, f),
                "function",
                format!(
                    "{use_} function `{}` must be a three-part name `catalog.schema.function`",
                    f.value
                ),
            ));
            return None;
        }
        let cat = parts[0].to_lowercase();
        let rest = format!("{}.{}", parts[1].to_lowercase(), parts[2].to_lowercase());
        match self.catalogs.get(&cat) {
            Some(eff) => {
                let full = format!("{eff}.{rest}");
                self.fn_refs
                    .push((full.clone(), at(file, f), f.value.clone()));
                Some(full)
            }
            None => Some(format!("{cat}.{rest}")),
        }
    }

    /// Apply default tags, check required tags, keep the securable.
    fn push(&mut self, mut sec: DeclaredSecurable, tag_origins: &BTreeMap<String, Origin>) {
        conventions::apply_default_tags(self.conv, &mut sec);
        let v = conventions::check_required_tags(&self.conv.policy, &sec, tag_origins);
        self.diags.extend(v);
        self.out.push(sec);
    }

    fn catalog(&mut self, file: &Path, c: &raw::Catalog) {
        if !self.in_env(file, &c.environments) {
            return;
        }
        let Some(mut sec) = self.named(file, SecurableKind::Catalog, &c.name, None) else {
            return;
        };
        sec.owner = self.owner(file, SecurableKind::Catalog, &c.owner);
        sec.comment = self.text(&c.comment);
        let what = format!("catalog `{}`", sec.declared_name);
        let (tags, origins) = self.tags(file, &c.tags, &what);
        sec.tags = tags;
        sec.grants = self.grants(file, SecurableKind::Catalog, &c.grants, &what);
        sec.properties = self.properties(&c.properties);
        let scope = Scope {
            full: sec.full_name.clone(),
            declared: sec.declared_name.clone(),
        };
        self.push(sec, &origins);
        for s in &c.schemas {
            if let Some(cat) = &s.value.catalog {
                self.diags.push(Diagnostic::error(
                    at(file, cat),
                    "unknown-key",
                    "`catalog:` is only for top-level `schemas:` entries; this schema is already inside a catalog",
                ));
            }
            self.schema(file, &scope, &s.value);
        }
    }

    fn schema(&mut self, file: &Path, parent: &Scope, s: &raw::Schema) {
        if !self.in_env(file, &s.environments) {
            return;
        }
        let Some(mut sec) = self.named(file, SecurableKind::Schema, &s.name, Some(parent)) else {
            return;
        };
        sec.owner = self.owner(file, SecurableKind::Schema, &s.owner);
        sec.comment = self.text(&s.comment);
        let what = format!("schema `{}`", sec.declared_name);
        let (tags, origins) = self.tags(file, &s.tags, &what);
        sec.tags = tags;
        sec.grants = self.grants(file, SecurableKind::Schema, &s.grants, &what);
        sec.properties = self.properties(&s.properties);
        let scope = Scope {
            full: sec.full_name.clone(),
            declared: sec.declared_name.clone(),
        };
        self.push(sec, &origins);
        for t in &s.tables {
            let t = &t.value;
            self.nested_placement(file, SecurableKind::Table, [&t.catalog, &t.schema]);
            self.table(file, &scope, t);
        }
        for v in &s.volumes {
            let v = &v.value;
            self.nested_placement(file, SecurableKind::Volume, [&v.catalog, &v.schema]);
            self.volume(file, &scope, v);
        }
        for f in &s.functions {
            let f = &f.value;
            self.nested_placement(file, SecurableKind::Function, [&f.catalog, &f.schema]);
            self.function(file, &scope, f);
        }
    }

    fn table(&mut self, file: &Path, parent: &Scope, t: &raw::Table) {
        if !self.in_env(file, &t.environments) {
            return;
        }
        let Some(mut sec) = self.named(file, SecurableKind::Table, &t.name, Some(parent)) else {
            return;
        };
        let create = t.create.as_ref().is_some_and(|c| c.value);
        sec.create = create;
        sec.owner = self.owner(file, SecurableKind::Table, &t.owner);
        sec.comment = self.text(&t.comment);
        let what = format!("table `{}`", sec.declared_name);
        let (tags, origins) = self.tags(file, &t.tags, &what);
        sec.tags = tags;
        sec.grants = self.grants(file, SecurableKind::Table, &t.grants, &what);
        sec.properties = self.properties(&t.properties);
        if let Some(v) = &t.table_type {
            sec.details
                .insert("table_type".into(), v.value.trim().to_ascii_uppercase());
        }
        if let Some(v) = &t.format {
            sec.details
                .insert("format".into(), v.value.trim().to_ascii_uppercase());
        }
        if let Some(v) = &t.storage_location {
            sec.details
                .insert("storage_location".into(), subst_env(&v.value, self.env));
        }

        // Columns.
        let mut seen: BTreeMap<String, Option<Origin>> = BTreeMap::new();
        for c in &t.columns {
            let c = &c.value;
            let name = c.name.value.trim();
            if name.is_empty() || name.chars().any(char::is_control) {
                self.diags.push(Diagnostic::error(
                    at(file, &c.name),
                    "invalid-name",
                    format!(
                        "invalid column name `{}` in {what}",
                        c.name.value.escape_debug()
                    ),
                ));
                continue;
            }
            let key = name.to_lowercase();
            if let Some(first) = seen.get(&key) {
                self.diags.push(Diagnostic::error(
                    at(file, &c.name),
                    "duplicate",
                    format!(
                        "duplicate column `{name}` in {what}{}",
                        first_at(first.as_ref())
                    ),
                ));
                continue;
            }
            seen.insert(key, at(file, &c.name));
            if create
                && c.data_type
                    .as_ref()
                    .is_none_or(|d| d.value.trim().is_empty())
            {
                self.diags.push(Diagnostic::error(
                    at(file, &c.name),
                    "column-type",
                    format!(
                        "column `{name}` of {what} has no `type` (every column needs one with `create: true`)"
                    ),
                ));
            }
            let col_what = format!("column `{name}` of {what}");
            let (tags, _) = self.tags(file, &c.tags, &col_what);
            let mask = c.mask.as_ref().and_then(|m| {
                let function = self.function_ref(file, &m.value.function, "mask")?;
                Some(ColumnMask {
                    function,
                    using_columns: m
                        .value
                        .using
                        .iter()
                        .map(|u| u.value.trim().to_owned())
                        .collect(),
                })
            });
            sec.columns.push(DeclaredColumn {
                name: name.to_owned(),
                data_type: c.data_type.as_ref().map(|d| d.value.trim().to_owned()),
                nullable: c.nullable,
                comment: self.text(&c.comment),
                tags,
                mask,
            });
        }
        if create && t.columns.is_empty() {
            self.diags.push(Diagnostic::error(
                at(file, &t.name),
                "column-type",
                format!("{what} has `create: true` but declares no columns"),
            ));
        }

        // Row filter.
        if let Some(rf) = &t.row_filter
            && let Some(function) = self.function_ref(file, &rf.value.function, "row filter")
        {
            sec.row_filter = Some(RowFilter {
                function,
                columns: rf
                    .value
                    .columns
                    .iter()
                    .map(|c| c.value.trim().to_owned())
                    .collect(),
            });
        }

        // Columns named by filters and masks must exist on fully declared tables.
        if create {
            let mut refs: Vec<(&Str, &str)> = Vec::new();
            if let Some(rf) = &t.row_filter {
                refs.extend(rf.value.columns.iter().map(|c| (c, "row filter")));
            }
            for c in &t.columns {
                if let Some(m) = &c.value.mask {
                    refs.extend(m.value.using.iter().map(|u| (u, "mask `using`")));
                }
            }
            for (col, use_) in refs {
                if !seen.contains_key(&col.value.trim().to_lowercase()) {
                    self.diags.push(Diagnostic::error(
                        at(file, col),
                        "unknown-column",
                        format!(
                            "{use_} names column `{}`, which {what} does not declare",
                            col.value
                        ),
                    ));
                }
            }
        }
        self.push(sec, &origins);
    }

    fn volume(&mut self, file: &Path, parent: &Scope, v: &raw::Volume) {
        if !self.in_env(file, &v.environments) {
            return;
        }
        let Some(mut sec) = self.named(file, SecurableKind::Volume, &v.name, Some(parent)) else {
            return;
        };
        sec.owner = self.owner(file, SecurableKind::Volume, &v.owner);
        sec.comment = self.text(&v.comment);
        let what = format!("volume `{}`", sec.declared_name);
        let (tags, origins) = self.tags(file, &v.tags, &what);
        sec.tags = tags;
        sec.grants = self.grants(file, SecurableKind::Volume, &v.grants, &what);
        let vtype = v.volume_type.as_ref().map_or_else(
            || "MANAGED".to_owned(),
            |t| t.value.trim().to_ascii_uppercase(),
        );
        match (vtype.as_str(), &v.storage_location) {
            ("MANAGED", Some(loc)) => self.diags.push(Diagnostic::error(
                at(file, loc),
                "volume",
                format!("{what} is MANAGED and cannot have a `storage_location` (set `volume_type: EXTERNAL`)"),
            )),
            ("EXTERNAL", None) => self.diags.push(Diagnostic::error(
                at(file, &v.name),
                "volume",
                format!("{what} is EXTERNAL and needs a `storage_location`"),
            )),
            ("MANAGED" | "EXTERNAL", _) => {}
            (other, _) => self.diags.push(Diagnostic::error(
                v.volume_type.as_ref().and_then(|t| at(file, t)),
                "volume",
                format!("unknown volume_type `{other}` (expected MANAGED or EXTERNAL)"),
            )),
        }
        sec.details.insert("volume_type".into(), vtype);
        if let Some(loc) = &v.storage_location {
            sec.details
                .insert("storage_location".into(), subst_env(&loc.value, self.env));
        }
        self.push(sec, &origins);
    }

    fn function(&mut self, file: &Path, parent: &Scope, f: &raw::Function) {
        if !self.in_env(file, &f.environments) {
            return;
        }
        let Some(mut sec) = self.named(file, SecurableKind::Function, &f.name, Some(parent)) else {
            return;
        };
        let create = f.create.as_ref().is_some_and(|c| c.value);
        sec.create = create;
        sec.owner = self.owner(file, SecurableKind::Function, &f.owner);
        sec.comment = self.text(&f.comment);
        let what = format!("function `{}`", sec.declared_name);
        sec.grants = self.grants(file, SecurableKind::Function, &f.grants, &what);
        let mut seen = BTreeSet::new();
        for p in &f.params {
            if !seen.insert(p.value.name.value.to_lowercase()) {
                self.diags.push(Diagnostic::error(
                    at(file, &p.value.name),
                    "duplicate",
                    format!("duplicate parameter `{}` in {what}", p.value.name.value),
                ));
            }
        }
        let params = f
            .params
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.value.name.value.trim(),
                    p.value.data_type.value.trim()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        if !f.params.is_empty() || create {
            sec.details.insert("params".into(), params);
        }
        if let Some(r) = &f.returns {
            sec.details
                .insert("returns".into(), r.value.trim().to_owned());
        }
        if let Some(b) = &f.body {
            sec.details.insert("body".into(), b.value.clone());
        }
        if create {
            for (key, present) in [("returns", f.returns.is_some()), ("body", f.body.is_some())] {
                if !present {
                    self.diags.push(Diagnostic::error(
                        at(file, &f.name),
                        "missing-key",
                        format!("{what} has `create: true` but no `{key}`"),
                    ));
                }
            }
        }
        self.push(sec, &BTreeMap::new());
    }

    fn storage_credential(&mut self, file: &Path, c: &raw::StorageCredential) {
        if !self.in_env(file, &c.environments) {
            return;
        }
        let kind = SecurableKind::StorageCredential;
        let Some(mut sec) = self.named(file, kind, &c.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &c.owner);
        sec.comment = self.text(&c.comment);
        let what = format!("storage credential `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &c.grants, &what);
        let mut clouds = 0;
        if let Some(a) = &c.aws_iam_role {
            clouds += 1;
            sec.details.insert(
                "aws_iam_role.role_arn".into(),
                subst_env(&a.value.role_arn.value, self.env),
            );
        }
        if let Some(a) = &c.azure_managed_identity {
            clouds += 1;
            sec.details.insert(
                "azure_managed_identity.access_connector_id".into(),
                subst_env(&a.value.access_connector_id.value, self.env),
            );
            if let Some(m) = &a.value.managed_identity_id {
                sec.details.insert(
                    "azure_managed_identity.managed_identity_id".into(),
                    subst_env(&m.value, self.env),
                );
            }
        }
        if c.databricks_gcp_service_account.is_some() {
            clouds += 1;
            sec.details
                .insert("databricks_gcp_service_account".into(), "true".into());
        }
        if clouds != 1 {
            self.diags.push(Diagnostic::error(
                at(file, &c.name),
                "storage-credential",
                format!(
                    "{what} needs exactly one of `aws_iam_role`, `azure_managed_identity`, `databricks_gcp_service_account` (found {clouds})"
                ),
            ));
        }
        if let Some(r) = c.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }

    fn external_location(&mut self, file: &Path, e: &raw::ExternalLocation) {
        if !self.in_env(file, &e.environments) {
            return;
        }
        let kind = SecurableKind::ExternalLocation;
        let Some(mut sec) = self.named(file, kind, &e.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &e.owner);
        sec.comment = self.text(&e.comment);
        let what = format!("external location `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &e.grants, &what);
        let url = subst_env(e.url.value.trim(), self.env);
        if !url.contains("://") {
            self.diags.push(Diagnostic::error(
                at(file, &e.url),
                "url",
                format!("{what} has url `{url}`, which is not a URL (e.g. `s3://bucket/path`)"),
            ));
        }
        sec.details.insert("url".into(), url);
        let cred = e.credential.value.trim().to_lowercase();
        let cred = self.credentials.get(&cred).cloned().unwrap_or(cred);
        sec.details.insert("credential_name".into(), cred);
        if let Some(r) = e.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }

    fn connection(&mut self, file: &Path, c: &raw::Connection) {
        if !self.in_env(file, &c.environments) {
            return;
        }
        let kind = SecurableKind::Connection;
        let Some(mut sec) = self.named(file, kind, &c.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &c.owner);
        sec.comment = self.text(&c.comment);
        let what = format!("connection `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &c.grants, &what);
        sec.details.insert(
            "connection_type".into(),
            c.connection_type.value.trim().to_ascii_uppercase(),
        );
        for (k, v) in &c.options {
            let value = &v.value.0;
            if is_secret_key(k) && !is_env_reference(value) {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "secret",
                    format!(
                        "option `{k}` of {what} looks like a literal secret: write it as `${{env:VAR}}` and set VAR where brickkit applies changes"
                    ),
                ));
                continue;
            }
            if value.contains("${env:") && !is_env_reference(value) {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "secret",
                    format!(
                        "option `{k}` of {what} must be exactly one `${{env:VAR}}` reference (VAR made of letters, digits and `_`)"
                    ),
                ));
                continue;
            }
            let value = if is_env_reference(value) {
                value.clone()
            } else {
                subst_env(value, self.env)
            };
            sec.details.insert(format!("options.{k}"), value);
        }
        if let Some(r) = c.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }

    /// Sort, drop and report duplicates, check function references, return the securables.
    fn finish(&mut self) -> Vec<DeclaredSecurable> {
        let mut all = std::mem::take(&mut self.out);
        all.sort_by(|a, b| {
            (a.kind, &a.full_name, &a.origin).cmp(&(b.kind, &b.full_name, &b.origin))
        });
        let mut kept: Vec<DeclaredSecurable> = Vec::with_capacity(all.len());
        for s in all {
            if let Some(prev) = kept.last()
                && prev.kind == s.kind
                && prev.full_name == s.full_name
            {
                self.diags.push(Diagnostic::error(
                    s.origin.clone(),
                    "duplicate",
                    format!(
                        "duplicate {} `{}`{}",
                        s.kind,
                        s.full_name,
                        first_at(prev.origin.as_ref())
                    ),
                ));
                continue;
            }
            kept.push(s);
        }
        let functions: BTreeSet<&str> = kept
            .iter()
            .filter(|s| s.kind == SecurableKind::Function)
            .map(|s| s.full_name.as_str())
            .collect();
        for (full, origin, written) in &self.fn_refs {
            if !functions.contains(full.as_str()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_references() {
        assert!(is_env_reference("${env:CRM_PG_PASSWORD}"));
        assert!(is_env_reference("${env:_x1}"));
        assert!(!is_env_reference("${env:}"));
        assert!(!is_env_reference("${env:1A}"));
        assert!(!is_env_reference("hunter2"));
        assert!(!is_env_reference("x ${env:A}"));
    }

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "client_secret",
            "personalAccessToken",
            "pem_private_key",
            "OAuthPvtKey",
            "GoogleServiceAccountKeyJson",
            "bearer_token",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["host", "port", "user", "database"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn ignore_patterns() {
        assert!(check_ignore_pattern("table:*.*.tmp_*").is_ok());
        assert!(check_ignore_pattern("*:x#tags.a").is_ok());
        assert!(check_ignore_pattern("tables:*").is_err());
        assert!(check_ignore_pattern("nocolon").is_err());
        assert!(check_ignore_pattern("table:#x").is_err());
    }

    #[test]
    fn blanking_items_keeps_lines_and_lists() {
        let mut l: Vec<String> =
            "catalogs:\n  - name: a\n    bogus: 1\n    schemas:\n      - name: s\n  - name: b\n"
                .lines()
                .map(str::to_owned)
                .collect();
        assert!(blank_item(&mut l, 3));
        assert_eq!(l, ["catalogs:", "", "", "", "", "  - name: b"]);
        assert!(blank_item(&mut l, 6));
        assert_eq!(l, ["catalogs: []", "", "", "", "", ""]);
        let mut l: Vec<String> = "a:\n  grants: # c\n    - {p: x}\n  name: y\n"
            .lines()
            .map(str::to_owned)
            .collect();
        assert!(blank_item(&mut l, 3));
        assert_eq!(l, ["a:", "  grants: []", "", "  name: y"]);
        let mut l: Vec<String> = vec!["x: 1".into()];
        assert!(!blank_item(&mut l, 1));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_rel("./a/b.yaml"), Some(PathBuf::from("a/b.yaml")));
        assert_eq!(normalize_rel("a/../b.yaml"), Some(PathBuf::from("b.yaml")));
        assert_eq!(normalize_rel("../b.yaml"), None);
        assert_eq!(normalize_rel("/etc/x.yaml"), None);
    }
}
