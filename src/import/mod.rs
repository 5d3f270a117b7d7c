//! Unmanaged discovery and reference generation: turn snapshot securables into YAML in the
//! declared format (`docs/declared-format.md`) that, added to a governance tree, makes them
//! managed with their current owner, comment, tags, grants, properties, row filter and
//! column masks. Tables and functions become references (never `create: true`). With the
//! set of declared names, only the rest is emitted: whole undeclared catalogs, undeclared
//! schemas of declared catalogs as top-level `schemas:` entries, and undeclared tables,
//! volumes and functions of declared schemas as top-level `tables:` / `volumes:` /
//! `functions:` entries (with `catalog:` and `schema:` as declared).
//!
//! Pure: takes a snapshot (and optionally the set of already-declared names) and returns
//! text. Strings are emitted as JSON double-quoted scalars, which YAML reads exactly
//! whatever they contain (quotes, backticks, non-ASCII).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::model::{PolicyArg, SecurableKind};
use crate::state::{
    ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow,
};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Catalogs to import (lower case; empty: every catalog of the snapshot).
    pub catalogs: Vec<String>,
    /// Infrastructure too (storage credentials, external locations, connections).
    pub infrastructure: bool,
    /// Effective full names already declared, per kind: those are skipped, and whole
    /// declared catalogs are left to their tree.
    pub declared: BTreeSet<(SecurableKind, String)>,
    /// Effective catalog name -> name as declared (for schemas added to a declared catalog).
    pub declared_catalog_names: BTreeMap<String, String>,
    /// Effective schema full name -> short name as declared (for tables, volumes and
    /// functions added to a declared schema); absent: the short name in the snapshot.
    pub declared_schema_names: BTreeMap<String, String>,
    /// The tree's naming suffixes per kind (lower case, environment already substituted):
    /// removed from emitted names, since loading the tree adds them back.
    pub name_suffixes: BTreeMap<SecurableKind, String>,
}

fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A filter or mask argument of the snapshot (SQL text) in the declared form: a column by
/// its name, a constant as `{constant: "value"}` (string) or `{constant: 42}` (number).
fn arg(sql: &str) -> String {
    let a = PolicyArg::from_sql(sql);
    match (&a, a.string_value()) {
        (PolicyArg::Column(c), _) => q(c),
        (_, Some(v)) => format!("{{constant: {}}}", q(&v)),
        (PolicyArg::Constant(k), None) => format!("{{constant: {k}}}"),
    }
}

/// The snapshot's rows grouped by the securable (or column) they belong to, built once:
/// rendering looks each securable up instead of scanning every tag, grant and column row
/// for it (which made importing 20,000 tables take minutes). Rows keep the snapshot's order
/// within a group, so the output is what the scans gave.
struct Index<'a> {
    snap: &'a Snapshot,
    children: HashMap<&'a str, Vec<&'a SecurableRow>>,
    suffixes: &'a BTreeMap<SecurableKind, String>,
    /// Securable-level tags by (kind, full name).
    tags: HashMap<(Option<SecurableKind>, &'a str), Vec<&'a TagRow>>,
    /// Column tags by (table, column).
    column_tags: HashMap<(&'a str, &'a str), Vec<&'a TagRow>>,
    grants: HashMap<(Option<SecurableKind>, &'a str), Vec<&'a GrantRow>>,
    columns: HashMap<&'a str, Vec<&'a ColumnRow>>,
    /// The first row filter of each table.
    filters: HashMap<&'a str, &'a RowFilterRow>,
    /// The first mask of each (table, column).
    masks: HashMap<(&'a str, &'a str), &'a ColumnMaskRow>,
}

impl<'a> Index<'a> {
    fn new(snap: &'a Snapshot, suffixes: &'a BTreeMap<SecurableKind, String>) -> Index<'a> {
        let mut ix = Index {
            snap,
            children: HashMap::new(),
            suffixes,
            tags: HashMap::new(),
            column_tags: HashMap::new(),
            grants: HashMap::new(),
            columns: HashMap::new(),
            filters: HashMap::new(),
            masks: HashMap::new(),
        };
        for s in &snap.securables {
            if let Some(p) = &s.parent {
                ix.children.entry(p.as_str()).or_default().push(s);
            }
        }
        for t in &snap.tags {
            match &t.column_name {
                None => ix
                    .tags
                    .entry((t.securable_kind, t.securable_full_name.as_str()))
                    .or_default()
                    .push(t),
                Some(c) => ix
                    .column_tags
                    .entry((t.securable_full_name.as_str(), c.as_str()))
                    .or_default()
                    .push(t),
            }
        }
        for g in &snap.grants {
            ix.grants
                .entry((g.securable_kind, g.securable_full_name.as_str()))
                .or_default()
                .push(g);
        }
        for c in &snap.columns {
            ix.columns
                .entry(c.table_full_name.as_str())
                .or_default()
                .push(c);
        }
        for f in &snap.row_filters {
            ix.filters.entry(f.table_full_name.as_str()).or_insert(f);
        }
        for m in &snap.column_masks {
            ix.masks
                .entry((m.table_full_name.as_str(), m.column_name.as_str()))
                .or_insert(m);
        }
        ix
    }

    /// The `name:` of a securable as the tree would declare it: its short name without the
    /// kind's naming suffix (kept when the name does not end with it).
    fn name(&self, s: &SecurableRow) -> String {
        let short = short(&s.full_name);
        let suffix = s.kind.and_then(|k| self.suffixes.get(&k));
        let stripped = suffix.and_then(|x| {
            let cut = short.len().checked_sub(x.len())?;
            let (head, tail) = (short.get(..cut)?, short.get(cut..)?);
            (!head.is_empty() && tail.eq_ignore_ascii_case(x)).then_some(head)
        });
        q(stripped.unwrap_or(short))
    }

    fn kids(&self, parent: &str, kind: SecurableKind) -> Vec<&'a SecurableRow> {
        self.children
            .get(parent)
            .map(|v| v.iter().copied().filter(|s| s.kind == Some(kind)).collect())
            .unwrap_or_default()
    }

    /// owner, comment, tags, grants, properties lines at `ind`.
    fn common(&self, o: &mut String, ind: &str, s: &SecurableRow, props: bool) {
        let kind = s.kind;
        if let Some(v) = &s.owner {
            let _ = writeln!(o, "{ind}owner: {}", q(v));
        }
        if let Some(v) = &s.comment {
            let _ = writeln!(o, "{ind}comment: {}", q(v));
        }
        let tags: Vec<String> = self
            .tags
            .get(&(kind, s.full_name.as_str()))
            .into_iter()
            .flatten()
            .map(|t| format!("{}: {}", q(&t.key), q(&t.value)))
            .collect();
        if !tags.is_empty() && kind != Some(SecurableKind::Function) && !is_infra(kind) {
            let _ = writeln!(o, "{ind}tags: {{{}}}", tags.join(", "));
        }
        let mut grants: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for g in self
            .grants
            .get(&(kind, s.full_name.as_str()))
            .into_iter()
            .flatten()
        {
            grants.entry(&g.principal).or_default().push(&g.privilege);
        }
        if grants.is_empty() {
            let _ = writeln!(o, "{ind}grants: []");
        } else {
            let _ = writeln!(o, "{ind}grants:");
            for (p, privs) in grants {
                let privs: Vec<String> = privs.iter().map(|p| q(p)).collect();
                let _ = writeln!(
                    o,
                    "{ind}  - {{principal: {}, privileges: [{}]}}",
                    q(p),
                    privs.join(", ")
                );
            }
        }
        if props && !s.properties.is_empty() {
            let p: Vec<String> = s
                .properties
                .iter()
                .map(|(k, v)| format!("{}: {}", q(k), q(v)))
                .collect();
            let _ = writeln!(o, "{ind}properties: {{{}}}", p.join(", "));
        }
    }

    /// The `functions:`, `tables:` and `volumes:` lists of a schema entry at `ind`.
    fn schema_body(&self, o: &mut String, ind: &str, schema: &str) {
        for kind in SCHEMA_CHILDREN {
            let rows = self.kids(schema, kind);
            if !rows.is_empty() {
                let _ = writeln!(o, "{ind}{}:", list_key(kind));
                for r in rows {
                    self.entry(o, ind, r, None);
                }
            }
        }
    }

    /// One function, table or volume as an item of a list whose key is at `ind`; `place`
    /// (catalog as declared, schema) is written for top-level entries.
    fn entry(&self, o: &mut String, ind: &str, s: &SecurableRow, place: Option<(&str, &str)>) {
        let body = format!("{ind}    ");
        let _ = writeln!(o, "{ind}  - name: {}", self.name(s));
        if let Some((catalog, schema)) = place {
            let _ = writeln!(o, "{body}catalog: {}", q(catalog));
            let _ = writeln!(o, "{body}schema: {}", q(schema));
        }
        match s.kind {
            Some(SecurableKind::Table) => self.table(o, &body, s),
            Some(SecurableKind::Volume) => {
                if s.securable_type.as_deref() == Some("EXTERNAL") {
                    let _ = writeln!(o, "{body}volume_type: EXTERNAL");
                    if let Some(l) = &s.location {
                        let _ = writeln!(o, "{body}storage_location: {}", q(l));
                    }
                }
                self.common(o, &body, s, false);
            }
            _ => self.common(o, &body, s, false),
        }
    }

    /// The body of a table entry (everything after `name:`) at `ind`.
    fn table(&self, o: &mut String, ind: &str, t: &SecurableRow) {
        let name = &t.full_name;
        self.common(o, ind, t, true);
        if let Some(f) = self.filters.get(name.as_str()) {
            let cols: Vec<String> = f.input_arguments.iter().map(|a| arg(a)).collect();
            let _ = writeln!(
                o,
                "{ind}row_filter: {{function: {}, columns: [{}]}}",
                q(&f.function_full_name),
                cols.join(", ")
            );
        }
        let mut lines = Vec::new();
        for c in self.columns.get(name.as_str()).into_iter().flatten() {
            let mut parts = vec![format!("name: {}", q(&c.name))];
            if let Some(cm) = &c.comment {
                parts.push(format!("comment: {}", q(cm)));
            }
            let tags: Vec<String> = self
                .column_tags
                .get(&(name.as_str(), c.name.as_str()))
                .into_iter()
                .flatten()
                .map(|x| format!("{}: {}", q(&x.key), q(&x.value)))
                .collect();
            if !tags.is_empty() {
                parts.push(format!("tags: {{{}}}", tags.join(", ")));
            }
            if let Some(m) = self.masks.get(&(name.as_str(), c.name.as_str())) {
                let mut mask = format!("function: {}", q(&m.function_full_name));
                if !m.using_arguments.is_empty() {
                    let u: Vec<String> = m.using_arguments.iter().map(|a| arg(a)).collect();
                    let _ = write!(mask, ", using: [{}]", u.join(", "));
                }
                parts.push(format!("mask: {{{mask}}}"));
            }
            if parts.len() > 1 {
                lines.push(format!("{ind}  - {{{}}}", parts.join(", ")));
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(o, "{ind}columns:");
            for l in lines {
                let _ = writeln!(o, "{l}");
            }
        }
    }
}

/// The kinds a schema holds, in the order their lists are written.
const SCHEMA_CHILDREN: [SecurableKind; 3] = [
    SecurableKind::Function,
    SecurableKind::Table,
    SecurableKind::Volume,
];

/// The resource-file key of a list of `kind` (nested in a schema or at top level).
fn list_key(kind: SecurableKind) -> &'static str {
    match kind {
        SecurableKind::Function => "functions",
        SecurableKind::Volume => "volumes",
        _ => "tables",
    }
}

fn is_infra(kind: Option<SecurableKind>) -> bool {
    matches!(
        kind,
        Some(
            SecurableKind::StorageCredential
                | SecurableKind::ExternalLocation
                | SecurableKind::Connection
        )
    )
}

fn short(full: &str) -> &str {
    // Names are split on the last dot: UC names never contain dots.
    full.rsplit('.').next().unwrap_or(full)
}

/// Render the YAML resource file for the securables of `snap` selected by `opts`.
pub fn render(snap: &Snapshot, opts: &ImportOptions) -> String {
    let ix = Index::new(snap, &opts.name_suffixes);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Generated by `brickkit import` from snapshot {} ({}).",
        snap.manifest.snapshot_id, snap.manifest.taken_at
    );
    let wanted = |c: &str| opts.catalogs.is_empty() || opts.catalogs.iter().any(|w| w == c);
    let declared = |k: SecurableKind, n: &str| opts.declared.contains(&(k, n.to_string()));
    let catalogs: Vec<&SecurableRow> = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Catalog) && wanted(&s.full_name))
        .collect();
    let new_catalogs: Vec<&&SecurableRow> = catalogs
        .iter()
        .filter(|c| !declared(SecurableKind::Catalog, &c.full_name))
        .collect();
    if !new_catalogs.is_empty() {
        let _ = writeln!(o, "catalogs:");
        for c in new_catalogs {
            let _ = writeln!(o, "  - name: {}", ix.name(c));
            ix.common(&mut o, "    ", c, true);
            let schemas = ix.kids(&c.full_name, SecurableKind::Schema);
            if !schemas.is_empty() {
                let _ = writeln!(o, "    schemas:");
                for s in schemas {
                    let _ = writeln!(o, "      - name: {}", ix.name(s));
                    ix.common(&mut o, "        ", s, true);
                    ix.schema_body(&mut o, "        ", &s.full_name);
                }
            }
        }
    }
    // Undeclared schemas of declared catalogs.
    let mut extra = Vec::new();
    for c in catalogs
        .iter()
        .filter(|c| declared(SecurableKind::Catalog, &c.full_name))
    {
        for s in ix.kids(&c.full_name, SecurableKind::Schema) {
            if !declared(SecurableKind::Schema, &s.full_name) {
                extra.push((c, s));
            }
        }
    }
    let catalog_name = |c: &'_ str| -> String {
        opts.declared_catalog_names
            .get(c)
            .map_or(c, String::as_str)
            .to_owned()
    };
    if !extra.is_empty() {
        let _ = writeln!(o, "schemas:");
        for (c, s) in extra {
            let _ = writeln!(o, "  - name: {}", ix.name(s));
            let _ = writeln!(o, "    catalog: {}", q(&catalog_name(&c.full_name)));
            ix.common(&mut o, "    ", s, true);
            ix.schema_body(&mut o, "    ", &s.full_name);
        }
    }
    // Undeclared functions, tables and volumes of declared schemas, at top level.
    for kind in SCHEMA_CHILDREN {
        let mut rows: Vec<(&SecurableRow, String, &str)> = Vec::new();
        for c in catalogs
            .iter()
            .filter(|c| declared(SecurableKind::Catalog, &c.full_name))
        {
            for s in ix.kids(&c.full_name, SecurableKind::Schema) {
                if !declared(SecurableKind::Schema, &s.full_name) {
                    continue;
                }
                let schema = opts
                    .declared_schema_names
                    .get(s.full_name.as_str())
                    .map_or(short(&s.full_name), String::as_str);
                for r in ix.kids(&s.full_name, kind) {
                    if !declared(kind, &r.full_name) {
                        rows.push((r, catalog_name(&c.full_name), schema));
                    }
                }
            }
        }
        rows.sort_by(|a, b| a.0.full_name.cmp(&b.0.full_name));
        if !rows.is_empty() {
            let _ = writeln!(o, "{}:", list_key(kind));
            for (r, catalog, schema) in rows {
                ix.entry(&mut o, "", r, Some((&catalog, schema)));
            }
        }
    }
    if opts.infrastructure {
        infrastructure(&ix, &mut o, &declared);
    }
    o
}

/// One file of a multi-file import: a path relative to the output directory (`/`
/// separators) and its YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFile {
    pub path: String,
    pub text: String,
}

/// A securable name as a file name: lower-case ASCII letters, digits, `_` and `-` as they
/// are; any other byte as `%XX` (UC names may hold spaces, quotes, non-ASCII letters).
fn file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The same securables as [`render`], as the files a team would keep in a repository: one
/// per catalog (`catalogs/<catalog>.yaml`, its own attributes), one per schema
/// (`catalogs/<catalog>/<schema>.yaml`: the schema as a top-level entry naming its catalog,
/// with its functions, tables and volumes; for a schema the tree already declares, only its
/// undeclared children, as top-level entries), and `infrastructure.yaml`. No file grows with
/// the metastore beyond one schema, so every file stays within the loader's limits. Sorted
/// by path.
pub fn render_files(snap: &Snapshot, opts: &ImportOptions) -> Vec<ImportFile> {
    let ix = Index::new(snap, &opts.name_suffixes);
    let header = format!(
        "# Generated by `brickkit import` from snapshot {} ({}).\n",
        snap.manifest.snapshot_id, snap.manifest.taken_at
    );
    let wanted = |c: &str| opts.catalogs.is_empty() || opts.catalogs.iter().any(|w| w == c);
    let declared = |k: SecurableKind, n: &str| opts.declared.contains(&(k, n.to_string()));
    let mut files = Vec::new();
    for c in snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Catalog) && wanted(&s.full_name))
    {
        let catalog_declared = declared(SecurableKind::Catalog, &c.full_name);
        // The catalog as the tree names it (`catalog:` of its schemas' entries).
        let catalog_ref = if catalog_declared {
            q(opts
                .declared_catalog_names
                .get(c.full_name.as_str())
                .map_or(c.full_name.as_str(), String::as_str))
        } else {
            ix.name(c)
        };
        let dir = format!("catalogs/{}", file_name(&c.full_name));
        if !catalog_declared {
            let mut o = header.clone();
            let _ = writeln!(o, "catalogs:");
            let _ = writeln!(o, "  - name: {}", ix.name(c));
            ix.common(&mut o, "    ", c, true);
            files.push(ImportFile {
                path: format!("{dir}.yaml"),
                text: o,
            });
        }
        for s in ix.kids(&c.full_name, SecurableKind::Schema) {
            let mut o = header.clone();
            if !declared(SecurableKind::Schema, &s.full_name) {
                let _ = writeln!(o, "schemas:");
                let _ = writeln!(o, "  - name: {}", ix.name(s));
                let _ = writeln!(o, "    catalog: {catalog_ref}");
                ix.common(&mut o, "    ", s, true);
                ix.schema_body(&mut o, "    ", &s.full_name);
            } else {
                let schema = opts
                    .declared_schema_names
                    .get(s.full_name.as_str())
                    .map_or(short(&s.full_name), String::as_str);
                let catalog = opts
                    .declared_catalog_names
                    .get(c.full_name.as_str())
                    .map_or(c.full_name.as_str(), String::as_str);
                let mut any = false;
                for kind in SCHEMA_CHILDREN {
                    let rows: Vec<&SecurableRow> = ix
                        .kids(&s.full_name, kind)
                        .into_iter()
                        .filter(|r| !declared(kind, &r.full_name))
                        .collect();
                    if rows.is_empty() {
                        continue;
                    }
                    any = true;
                    let _ = writeln!(o, "{}:", list_key(kind));
                    for r in rows {
                        ix.entry(&mut o, "", r, Some((catalog, schema)));
                    }
                }
                if !any {
                    continue;
                }
            }
            files.push(ImportFile {
                path: format!("{dir}/{}.yaml", file_name(short(&s.full_name))),
                text: o,
            });
        }
    }
    if opts.infrastructure {
        let mut o = String::new();
        infrastructure(&ix, &mut o, &declared);
        if !o.is_empty() {
            files.push(ImportFile {
                path: "infrastructure.yaml".into(),
                text: header + &o,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn infrastructure(ix: &Index<'_>, o: &mut String, declared: &dyn Fn(SecurableKind, &str) -> bool) {
    let of = |k: SecurableKind| -> Vec<&SecurableRow> {
        ix.snap
            .securables
            .iter()
            .filter(|s| s.kind == Some(k) && !declared(k, &s.full_name))
            .collect()
    };
    let creds = of(SecurableKind::StorageCredential);
    if !creds.is_empty() {
        let _ = writeln!(o, "storage_credentials:");
        for c in creds {
            let _ = writeln!(o, "  - name: {}", ix.name(c));
            match c.securable_type.as_deref() {
                Some("AWS_IAM_ROLE") => {
                    let arn = c.details.get("role_arn").map_or("", String::as_str);
                    let _ = writeln!(o, "    aws_iam_role: {{role_arn: {}}}", q(arn));
                }
                Some("AZURE_MANAGED_IDENTITY") => {
                    let g = |k: &str| q(c.details.get(k).map_or("", String::as_str));
                    let _ = writeln!(
                        o,
                        "    azure_managed_identity: {{access_connector_id: {}, managed_identity_id: {}}}",
                        g("access_connector_id"),
                        g("managed_identity_id")
                    );
                }
                _ => {
                    let _ = writeln!(o, "    databricks_gcp_service_account: {{}}");
                }
            }
            ix.common(o, "    ", c, false);
        }
    }
    let locs = of(SecurableKind::ExternalLocation);
    if !locs.is_empty() {
        let _ = writeln!(o, "external_locations:");
        for l in locs {
            let _ = writeln!(o, "  - name: {}", ix.name(l));
            if let Some(u) = &l.location {
                let _ = writeln!(o, "    url: {}", q(u));
            }
            if let Some(c) = l.details.get("credential_name") {
                let _ = writeln!(o, "    credential: {}", q(c));
            }
            ix.common(o, "    ", l, false);
        }
    }
    let conns = of(SecurableKind::Connection);
    if !conns.is_empty() {
        let _ = writeln!(o, "connections:");
        for c in conns {
            let _ = writeln!(o, "  - name: {}", ix.name(c));
            if let Some(t) = &c.securable_type {
                let _ = writeln!(o, "    connection_type: {}", q(t));
            }
            let opts: Vec<String> = c
                .details
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("options.")
                        .map(|k| format!("{}: {}", q(k), q(v)))
                })
                .collect();
            if !opts.is_empty() {
                let _ = writeln!(o, "    options: {{{}}}", opts.join(", "));
            }
            ix.common(o, "    ", c, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ColumnMaskRow, GrantRow, RowFilterRow, TagRow};

    fn row(kind: SecurableKind, full: &str, parent: Option<&str>) -> SecurableRow {
        SecurableRow {
            kind: Some(kind),
            full_name: full.into(),
            parent: parent.map(Into::into),
            ..SecurableRow::default()
        }
    }

    /// `lake_dev` (declared `lake`) with schema `raw_x` (declared `raw`, suffix `_x`) holding
    /// a declared table, an undeclared one with a filter, a mask and a column tag, and an
    /// undeclared volume; a second catalog outside `--catalog`.
    fn snapshot() -> Snapshot {
        use SecurableKind::*;
        let t = "lake_dev.raw_x.b`t";
        Snapshot {
            securables: vec![
                row(Catalog, "lake_dev", None),
                row(Catalog, "other", None),
                row(Schema, "lake_dev.raw_x", Some("lake_dev")),
                row(Schema, "other.s", Some("other")),
                row(Table, "lake_dev.raw_x.a", Some("lake_dev.raw_x")),
                row(Table, t, Some("lake_dev.raw_x")),
                row(Table, "other.s.z", Some("other.s")),
                SecurableRow {
                    securable_type: Some("EXTERNAL".into()),
                    location: Some("s3://b/v".into()),
                    ..row(Volume, "lake_dev.raw_x.v", Some("lake_dev.raw_x"))
                },
            ],
            grants: vec![GrantRow {
                securable_kind: Some(Table),
                securable_full_name: t.into(),
                principal: "o'neil".into(),
                privilege: "SELECT".into(),
            }],
            tags: vec![TagRow {
                securable_kind: Some(Table),
                securable_full_name: t.into(),
                column_name: Some("é".into()),
                key: "pii".into(),
                value: "x".into(),
            }],
            row_filters: vec![RowFilterRow {
                table_full_name: t.into(),
                function_full_name: "lake_dev.raw_x.f".into(),
                input_arguments: vec!["`r`".into()],
            }],
            column_masks: vec![ColumnMaskRow {
                table_full_name: t.into(),
                column_name: "é".into(),
                function_full_name: "lake_dev.raw_x.m".into(),
                using_arguments: vec![],
            }],
            columns: vec![crate::state::ColumnRow {
                table_full_name: t.into(),
                name: "é".into(),
                ..Default::default()
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn undeclared_children_of_declared_schemas_are_top_level_entries() {
        use SecurableKind::*;
        let opts = ImportOptions {
            catalogs: vec!["lake_dev".into()],
            declared: [
                (Catalog, "lake_dev"),
                (Schema, "lake_dev.raw_x"),
                (Table, "lake_dev.raw_x.a"),
            ]
            .into_iter()
            .map(|(k, n)| (k, n.to_string()))
            .collect(),
            declared_catalog_names: [("lake_dev".into(), "lake".into())].into(),
            declared_schema_names: [("lake_dev.raw_x".into(), "raw".into())].into(),
            ..ImportOptions::default()
        };
        let out = render(&snapshot(), &opts);
        let body: String = out.lines().skip(1).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            body,
            r#"tables:
  - name: "b`t"
    catalog: "lake"
    schema: "raw"
    grants:
      - {principal: "o'neil", privileges: ["SELECT"]}
    row_filter: {function: "lake_dev.raw_x.f", columns: ["r"]}
    columns:
      - {name: "é", tags: {"pii": "x"}, mask: {function: "lake_dev.raw_x.m"}}
volumes:
  - name: "v"
    catalog: "lake"
    schema: "raw"
    volume_type: EXTERNAL
    storage_location: "s3://b/v"
    grants: []
"#
        );
    }

    #[test]
    fn naming_suffixes_are_removed_from_emitted_names() {
        use SecurableKind::*;
        let snap = Snapshot::default();
        let suffixes = [(Table, "_t".to_string())].into();
        let ix = Index::new(&snap, &suffixes);
        let name = |kind, full: &str| ix.name(&row(kind, full, None));
        assert_eq!(name(Table, "c.s.orders_t"), "\"orders\"");
        assert_eq!(name(Table, "c.s.ORDERS_T"), "\"ORDERS\"");
        // Not ending with the suffix, or nothing left: kept as it is.
        assert_eq!(name(Table, "c.s.orders"), "\"orders\"");
        assert_eq!(name(Table, "c.s._t"), "\"_t\"");
        assert_eq!(name(Table, "c.s.é_t"), "\"é\"");
        assert_eq!(name(Schema, "c.s_t"), "\"s_t\"");
    }

    #[test]
    fn undeclared_schemas_keep_their_children_nested() {
        use SecurableKind::*;
        let opts = ImportOptions {
            catalogs: vec!["lake_dev".into()],
            declared: [(Catalog, "lake_dev".to_string())].into(),
            ..ImportOptions::default()
        };
        let out = render(&snapshot(), &opts);
        assert!(out.contains("schemas:\n  - name: \"raw_x\"\n    catalog: \"lake_dev\"\n"));
        assert!(out.contains("    tables:\n      - name: \"a\"\n"), "{out}");
        assert!(!out.contains("\ntables:"), "{out}");
        assert!(!out.contains("other"), "{out}");
    }
}
