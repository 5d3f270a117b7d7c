//! Lowering the data securables, kind by kind: one resource file's entries (placing
//! top-level schemas, tables, volumes and functions), catalogs, schemas (and what they
//! nest), tables (columns, masks, row filter), volumes and functions. Infrastructure is
//! in `infra`. Never registers names (see `names`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Lowerer, Scope, at, first_at};
use crate::declared::conventions::subst_env;
use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::{ColumnMask, DeclaredColumn, Origin, RowFilter};
use crate::declared::raw;
use crate::declared::yaml::{Argument, Spanned};
use crate::model::sql::{is_plain_name, is_type_text};
use crate::model::{PolicyArg, SecurableKind};

impl Lowerer<'_> {
    pub(super) fn resource_file(&mut self, file: &Path, doc: &raw::ResourceFile) {
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
                        // Its catalog was blanked by error recovery (already reported).
                        None if self.blanked(&declared) => {}
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

    pub(super) fn catalog(&mut self, file: &Path, c: &raw::Catalog) {
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

    pub(super) fn schema(&mut self, file: &Path, parent: &Scope, s: &raw::Schema) {
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

    pub(super) fn table(&mut self, file: &Path, parent: &Scope, t: &raw::Table) {
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

        let (columns, declared) = self.table_columns(file, t, create, &what);
        sec.columns = columns;
        sec.row_filter = self.row_filter(file, t);
        if create {
            self.check_column_references(file, t, &declared, &what);
        }
        self.push(sec, &origins);
    }

    /// The columns of a table, each checked (name, duplicates, a type when the table is
    /// created, mask function), and the declared column names (lower case) with where each
    /// was first declared.
    fn table_columns(
        &mut self,
        file: &Path,
        t: &raw::Table,
        create: bool,
        what: &str,
    ) -> (Vec<DeclaredColumn>, BTreeMap<String, Option<Origin>>) {
        let mut columns = Vec::new();
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
            if let Some(d) = c.data_type.as_ref().filter(|d| !d.value.trim().is_empty())
                && !is_type_text(d.value.trim())
            {
                self.diags.push(Diagnostic::error(
                    at(file, d),
                    "column-type",
                    format!(
                        "column `{name}` of {what}: `{}` is not a data type (words, digits, `_`, `,`, `:` and balanced `()` / `<>` only)",
                        d.value.trim()
                    ),
                ));
            }
            let col_what = format!("column `{name}` of {what}");
            let tags = self.tag_values(file, &c.tags, &col_what);
            let mask = c.mask.as_ref().and_then(|m| {
                let function = self.function_ref(file, &m.value.function, "mask")?;
                let using_columns = self.arguments(file, &m.value.using, "mask `using`");
                Some(ColumnMask {
                    function,
                    using_columns,
                })
            });
            columns.push(DeclaredColumn {
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
        (columns, seen)
    }

    /// The row filter, when declared and its function is a valid reference.
    fn row_filter(&mut self, file: &Path, t: &raw::Table) -> Option<RowFilter> {
        let rf = t.row_filter.as_ref()?;
        let function = self.function_ref(file, &rf.value.function, "row filter")?;
        let columns = self.arguments(file, &rf.value.columns, "row filter");
        Some(RowFilter { function, columns })
    }

    /// Filter or mask arguments: a string is a column (trimmed), `{constant: "US"}` the
    /// string literal `'US'`, `{constant: 42}` the number `42`. A malformed item is reported
    /// at its location (`bad-argument`) and left out.
    fn arguments(
        &mut self,
        file: &Path,
        items: &[Spanned<Argument>],
        use_: &str,
    ) -> Vec<PolicyArg> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Argument::Column(c) => out.push(PolicyArg::column(c.trim())),
                Argument::Text(v) => out.push(PolicyArg::string(v)),
                Argument::Number(n) => out.push(PolicyArg::Constant(n.clone())),
                Argument::Invalid(why) => self.diags.push(Diagnostic::error(
                    at(file, item),
                    "bad-argument",
                    format!("{use_} argument: {why}"),
                )),
            }
        }
        out
    }

    /// Columns named by filters and masks must exist on fully declared tables.
    fn check_column_references(
        &mut self,
        file: &Path,
        t: &raw::Table,
        declared: &BTreeMap<String, Option<Origin>>,
        what: &str,
    ) {
        let mut refs: Vec<(&Spanned<Argument>, &str)> = Vec::new();
        if let Some(rf) = &t.row_filter {
            refs.extend(rf.value.columns.iter().map(|c| (c, "row filter")));
        }
        for c in &t.columns {
            if let Some(m) = &c.value.mask {
                refs.extend(m.value.using.iter().map(|u| (u, "mask `using`")));
            }
        }
        for (item, use_) in refs {
            // Constants name no column.
            let Argument::Column(col) = &item.value else {
                continue;
            };
            if !declared.contains_key(&col.trim().to_lowercase()) && !self.blanked(col) {
                self.diags.push(Diagnostic::error(
                    at(file, item),
                    "unknown-column",
                    format!("{use_} names column `{col}`, which {what} does not declare"),
                ));
            }
        }
    }

    pub(super) fn volume(&mut self, file: &Path, parent: &Scope, v: &raw::Volume) {
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

    pub(super) fn function(&mut self, file: &Path, parent: &Scope, f: &raw::Function) {
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
        // Parameters, their types and the return type are written into `CREATE FUNCTION`
        // as they are (they cannot be quoted): refuse anything that is not plain.
        for p in &f.params {
            if !is_plain_name(p.value.name.value.trim()) {
                self.diags.push(Diagnostic::error(
                    at(file, &p.value.name),
                    "function-signature",
                    format!(
                        "parameter `{}` of {what}: a parameter name is a plain identifier ([A-Za-z_][A-Za-z0-9_]*)",
                        p.value.name.value
                    ),
                ));
            }
            if !is_type_text(p.value.data_type.value.trim()) {
                self.diags.push(Diagnostic::error(
                    at(file, &p.value.data_type),
                    "function-signature",
                    format!(
                        "parameter `{}` of {what}: `{}` is not a data type",
                        p.value.name.value,
                        p.value.data_type.value.trim()
                    ),
                ));
            }
        }
        if let Some(r) = f.returns.as_ref().filter(|r| !is_type_text(r.value.trim())) {
            self.diags.push(Diagnostic::error(
                at(file, r),
                "function-signature",
                format!(
                    "{what} returns `{}`, which is not a data type",
                    r.value.trim()
                ),
            ));
        }
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
}
