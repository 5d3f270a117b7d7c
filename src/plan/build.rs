//! Building a plan: the drift classification says *what* differs and is fixable (drifted
//! fields, missing securables); the declared securable says what the target is; the
//! classification's observed values are the preconditions. One operation per securable
//! and kind of change (one grants `PATCH`, one `SET TAGS` and at most one `UNSET TAGS` per
//! securable or column), dependencies as ids, then a stable execution order.
//!
//! Pure and deterministic: the same inputs give the same plan, operation ids included.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::declared::{DeclaredColumn, DeclaredSecurable, DeclaredState, GrantMode};
use crate::diff::normalize::lower;
use crate::diff::{DiffSet, FIELD_EXISTS, FIELD_NAME, Value};
use crate::drift::{
    self, Drift, DriftOptions, DriftReport, UnmanagedScope, attribute_covers, ignore::glob_match,
};
use crate::model::{SecurableKind, Timestamp};
use crate::state::Snapshot;

use super::request::{self, GrantChange};
use super::{
    AttributeChange, Cause, LeftForPerson, NotPlanned, OpKind, Operation, Plan, PlanOptions,
    Request, SnapshotSource,
};

/// Plan `declared` against `snapshot`, given their diff. Runs the drift classification
/// with the same ignore rules `drift detect` uses, so the two always agree.
pub fn plan(
    declared: &DeclaredState,
    snapshot: &Snapshot,
    diffs: &DiffSet,
    opts: &PlanOptions,
) -> Plan {
    let drift_opts = DriftOptions {
        timestamp: Timestamp::default(),
        unmanaged: opts.unmanaged,
        ignore: opts.ignore.clone(),
    };
    let report = drift::classify(declared, snapshot, diffs.clone(), &drift_opts);
    plan_report(declared, snapshot, diffs, &report, opts)
}

/// Plan from an already computed classification of `diffs` (made with `opts.ignore`).
pub fn plan_report(
    declared: &DeclaredState,
    snapshot: &Snapshot,
    diffs: &DiffSet,
    report: &DriftReport,
    opts: &PlanOptions,
) -> Plan {
    let m = &snapshot.manifest;
    let mut b = Builder {
        declared,
        grant_mode: declared.policy.grant_mode,
        created: HashSet::new(),
        ops: Vec::new(),
        not_planned: Vec::new(),
        pending: BTreeMap::new(),
        left: Vec::new(),
    };

    // What will be created first: every other operation may depend on it.
    for miss in &report.missing {
        match b.find(miss.kind, &miss.full_name) {
            Some(d) if d.create => {
                b.created.insert((d.kind, lower(&d.full_name).into_owned()));
            }
            _ => {}
        }
    }
    for miss in &report.missing {
        b.missing(miss.kind, &miss.full_name);
    }
    let mut i = 0;
    while i < report.drifted.len() {
        let first = &report.drifted[i];
        let mut j = i + 1;
        while j < report.drifted.len()
            && report.drifted[j].kind == first.kind
            && report.drifted[j].full_name == first.full_name
        {
            j += 1;
        }
        b.drifted(&report.drifted[i..j]);
        i = j;
    }
    // The rules' fixes join the securables' drift, then every present securable's changes
    // become operations.
    b.rule_fixes(snapshot, &report.violations);
    for ((kind, _), slot) in std::mem::take(&mut b.pending) {
        b.emit(kind, &slot.full_name, slot.decl, slot.p);
    }
    for u in &report.unknown {
        b.not_planned.push(NotPlanned {
            kind: u.kind,
            full_name: u.full_name.clone(),
            attribute: u.attribute.clone(),
            cause: Cause::Unknown,
            reason: u.reason.clone(),
        });
    }
    for u in &report.unmanaged {
        b.not_planned.push(NotPlanned {
            kind: Some(u.kind),
            full_name: u.full_name.clone(),
            attribute: None,
            cause: Cause::Undeclared,
            reason: "not declared: brickkit never drops a securable".into(),
        });
    }
    b.ignored(diffs, report, opts);

    b.after_rules();
    let Builder {
        mut ops,
        mut not_planned,
        mut left,
        ..
    } = b;
    order(&mut ops);
    not_planned.sort();
    not_planned.dedup();
    left.sort();
    left.dedup();
    Plan {
        project: declared.project.clone(),
        environment: declared.environment.clone(),
        snapshot: SnapshotSource {
            id: m.snapshot_id.clone(),
            lineage: m.lineage.clone(),
            digest: m.content_digest.clone(),
            host: m.host.clone(),
            metastore_id: m.metastore_id.clone(),
            taken_at: m.taken_at,
        },
        declared_digest: String::new(),
        grant_mode: declared.policy.grant_mode,
        brickkit_version: env!("CARGO_PKG_VERSION").to_string(),
        operations: ops,
        not_planned,
        left_for_person: left,
    }
}

/// The execution order: creates (infrastructure, then parents before children, functions
/// before tables), then every other change, then owner transfers — so every operation
/// comes after what it depends on. Ties break on (kind, name, operation, column).
fn order(ops: &mut [Operation]) {
    fn create_rank(k: SecurableKind) -> u8 {
        match k {
            SecurableKind::StorageCredential => 0,
            SecurableKind::ExternalLocation => 1,
            SecurableKind::Connection => 2,
            SecurableKind::Catalog => 3,
            SecurableKind::Schema => 4,
            SecurableKind::Function => 5,
            SecurableKind::Table => 6,
            SecurableKind::Volume => 7,
        }
    }
    ops.sort_by(|a, b| {
        let key = |o: &Operation| {
            let phase = match o.op {
                OpKind::Create => 0u8,
                OpKind::SetOwner => 2,
                _ => 1,
            };
            (phase, create_rank(o.kind))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.full_name.cmp(&b.full_name))
            .then_with(|| a.op.cmp(&b.op))
            .then_with(|| a.column.cmp(&b.column))
    });
}

pub(super) struct Builder<'a> {
    pub(super) declared: &'a DeclaredState,
    pub(super) grant_mode: GrantMode,
    /// Securables the plan creates: (kind, lower-case name).
    created: HashSet<(SecurableKind, String)>,
    pub(super) ops: Vec<Operation>,
    pub(super) not_planned: Vec<NotPlanned>,
    /// Changes of present securables, gathered from their drift and then from the rules'
    /// fixes: (kind, lower-case name) -> securable.
    pub(super) pending: BTreeMap<(SecurableKind, String), Slot<'a>>,
    pub(super) left: Vec<LeftForPerson>,
}

/// One present securable's pending changes.
pub(super) struct Slot<'a> {
    /// As the declaration (else the snapshot's violation) spells it.
    pub(super) full_name: String,
    pub(super) decl: Option<&'a DeclaredSecurable>,
    pub(super) p: Pending<'a>,
}

/// Per-securable accumulation of drifted fields.
#[derive(Default)]
pub(super) struct Pending<'d> {
    owner: Option<(Value, String)>,
    comment: Option<(Value, String)>,
    /// Column (`None` = the securable) -> key -> (precondition, target value).
    pub(super) set_tags: BTreeMap<Option<String>, BTreeMap<String, (Value, String)>>,
    pub(super) unset_tags: BTreeMap<Option<String>, BTreeMap<String, Value>>,
    /// Principal -> its part of the permissions `PATCH`.
    pub(super) grants: BTreeMap<String, PendingGrant>,
    row_filter: Option<(Value, Value)>,
    /// Column -> (precondition, target, declared mask).
    masks: BTreeMap<String, (Value, Value, Option<&'d crate::declared::ColumnMask>)>,
    /// Attribute -> the rules whose fixes its change carries.
    pub(super) rules: BTreeMap<String, BTreeSet<String>>,
}

/// One principal's pending grant change.
pub(super) struct PendingGrant {
    /// Privileges observed (the precondition).
    pub(super) have: Vec<String>,
    /// Privileges after the change.
    pub(super) target: Vec<String>,
    pub(super) add: Vec<String>,
    pub(super) remove: Vec<String>,
}

fn set_of(v: &Value) -> Vec<String> {
    match v {
        Value::Set(s) => s.clone(),
        Value::Text(t) => vec![t.clone()],
        Value::Absent | Value::Bool(_) => Vec::new(),
    }
}

/// Kinds Unity Catalog can tag (the differ's rule: catalogs, schemas, tables, volumes).
fn taggable(kind: SecurableKind) -> bool {
    matches!(
        kind,
        SecurableKind::Catalog
            | SecurableKind::Schema
            | SecurableKind::Table
            | SecurableKind::Volume
    )
}

impl<'a> Builder<'a> {
    pub(super) fn find(
        &self,
        kind: SecurableKind,
        full_name: &str,
    ) -> Option<&'a DeclaredSecurable> {
        let s = &self.declared.securables;
        s.binary_search_by(|d| (d.kind, d.full_name.as_str()).cmp(&(kind, full_name)))
            .ok()
            .and_then(|i| s.get(i))
            .or_else(|| {
                s.iter()
                    .find(|d| d.kind == kind && d.full_name.eq_ignore_ascii_case(full_name))
            })
    }

    fn is_created(&self, kind: SecurableKind, full_name: &str) -> bool {
        self.created
            .contains(&(kind, lower(full_name).into_owned()))
    }

    fn unsupported(&mut self, kind: SecurableKind, full_name: &str, attr: &str, why: &str) {
        self.not_planned.push(NotPlanned {
            kind: Some(kind),
            full_name: full_name.to_string(),
            attribute: Some(attr.to_string()),
            cause: Cause::Unsupported,
            reason: why.to_string(),
        });
    }

    /// Ids of the creates an operation on `decl` needs first: the securable's own create,
    /// and the functions its filter and masks call when those are created too.
    fn base_deps(&self, kind: SecurableKind, full_name: &str) -> Vec<String> {
        let mut deps = Vec::new();
        if self.is_created(kind, full_name) {
            deps.push(Operation::id_of(kind, full_name, OpKind::Create, None));
        }
        deps
    }

    fn function_dep(&self, function: &str) -> Option<String> {
        // Declared references are dotted names in which a backtick is a character of the
        // name (`model::sql::dotted` quotes them so); a reference written with backtick
        // quoting around plain parts is matched without them.
        let exact = lower(function).into_owned();
        let f = if self.is_created(SecurableKind::Function, &exact) {
            exact
        } else {
            exact.replace('`', "")
        };
        self.is_created(SecurableKind::Function, &f).then(|| {
            let name = self
                .find(SecurableKind::Function, &f)
                .map_or(f.clone(), |d| d.full_name.clone());
            Operation::id_of(SecurableKind::Function, &name, OpKind::Create, None)
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: SecurableKind,
        full_name: &str,
        op: OpKind,
        column: Option<&str>,
        mut changes: Vec<AttributeChange>,
        mut depends_on: Vec<String>,
        request: Request,
    ) {
        changes.sort_by(|a, b| a.attribute.cmp(&b.attribute));
        depends_on.sort();
        depends_on.dedup();
        self.ops.push(Operation {
            id: Operation::id_of(kind, full_name, op, column),
            kind,
            full_name: full_name.to_string(),
            op,
            column: column.map(str::to_string),
            changes,
            depends_on,
            requests: vec![request],
        });
    }

    /// A declared securable the snapshot does not hold: create it with everything it
    /// declares, or say why not.
    fn missing(&mut self, kind: SecurableKind, full_name: &str) {
        let Some(decl) = self.find(kind, full_name) else {
            return;
        };
        if !decl.create {
            self.not_planned.push(NotPlanned {
                kind: Some(kind),
                full_name: full_name.to_string(),
                attribute: Some(FIELD_EXISTS.to_string()),
                cause: Cause::Unsupported,
                reason: "declared as a reference (create: false): brickkit never creates it".into(),
            });
            return;
        }
        let Some(create) = request::create(decl) else {
            return;
        };
        let mut deps = Vec::new();
        if let (Some(pk), Some(parent)) = (kind.parent_kind(), decl.parent_name())
            && self.is_created(pk, parent)
        {
            let name = self.find(pk, parent).map_or(parent, |d| &d.full_name);
            deps.push(Operation::id_of(pk, name, OpKind::Create, None));
        }
        if kind == SecurableKind::ExternalLocation
            && let Some(cred) = decl.details.get("credential_name")
            && self.is_created(SecurableKind::StorageCredential, cred)
        {
            deps.push(Operation::id_of(
                SecurableKind::StorageCredential,
                cred,
                OpKind::Create,
                None,
            ));
        }
        if kind == SecurableKind::Table {
            let fns = decl.row_filter.iter().map(|f| f.function.as_str()).chain(
                decl.columns
                    .iter()
                    .filter_map(|c| c.mask.as_ref().map(|m| m.function.as_str())),
            );
            let fdeps: Vec<String> = fns.filter_map(|f| self.function_dep(f)).collect();
            deps.extend(fdeps);
        }
        let mut changes = vec![AttributeChange {
            attribute: FIELD_EXISTS.into(),
            precondition: Value::Bool(false),
            target: Value::Bool(true),
            from_rules: Vec::new(),
        }];
        if let Some(c) = &decl.comment {
            changes.push(AttributeChange {
                attribute: "comment".into(),
                precondition: Value::Absent,
                target: Value::text(c),
                from_rules: Vec::new(),
            });
        }
        self.push(
            kind,
            &decl.full_name,
            OpKind::Create,
            None,
            changes,
            deps,
            create,
        );

        // Everything the create request does not carry.
        let mut p = Pending::default();
        if let Some(o) = &decl.owner {
            p.owner = Some((Value::Absent, o.clone()));
        }
        if taggable(kind) {
            for (k, v) in &decl.tags {
                p.set_tags
                    .entry(None)
                    .or_default()
                    .insert(k.clone(), (Value::Absent, v.clone()));
            }
        }
        if kind == SecurableKind::Table {
            for c in &decl.columns {
                for (k, v) in &c.tags {
                    p.set_tags
                        .entry(Some(c.name.clone()))
                        .or_default()
                        .insert(k.clone(), (Value::Absent, v.clone()));
                }
            }
        }
        if let Some(g) = &decl.grants {
            for (principal, privs) in g {
                if privs.is_empty() {
                    continue;
                }
                let privs: Vec<String> = privs.iter().cloned().collect();
                p.grants.insert(
                    principal.clone(),
                    PendingGrant {
                        have: Vec::new(),
                        target: privs.clone(),
                        add: privs,
                        remove: Vec::new(),
                    },
                );
            }
        }
        self.emit(kind, &decl.full_name, Some(decl), p);
    }

    /// The drifted fields of one present securable.
    fn drifted(&mut self, items: &[Drift]) {
        let Some(first) = items.first() else {
            return;
        };
        let (kind, full_name) = (first.kind, first.full_name.as_str());
        let Some(decl) = self.find(kind, full_name) else {
            return;
        };
        let additive_mode = self.grant_mode == GrantMode::Additive;
        let mut p = Pending::default();
        for d in items {
            let field = d.field.as_str();
            if d.additive {
                self.not_planned.push(NotPlanned {
                    kind: Some(kind),
                    full_name: full_name.to_string(),
                    attribute: Some(d.field.clone()),
                    cause: Cause::Additive,
                    reason: format!("grant mode is additive: {} kept, never revoked", d.actual),
                });
                continue;
            }
            if field == "owner" {
                if let Some(o) = &decl.owner {
                    p.owner = Some((d.actual.clone(), o.clone()));
                }
            } else if field == "comment" {
                match &decl.comment {
                    Some(_) if kind == SecurableKind::Function => self.unsupported(
                        kind,
                        full_name,
                        field,
                        "a function's comment changes only by re-creating the function",
                    ),
                    Some(c) => p.comment = Some((d.actual.clone(), c.clone())),
                    None => {}
                }
            } else if field == FIELD_NAME {
                self.unsupported(kind, full_name, field, "brickkit never renames a securable");
            } else if field == "row_filter" {
                p.row_filter = Some((d.actual.clone(), d.expected.clone()));
            } else if let Some(key) = field.strip_prefix("tags.") {
                self.tag(&mut p, decl, None, &decl.tags, key, d);
            } else if let Some(principal) = field.strip_prefix("grants.") {
                let have = set_of(&d.actual);
                let want = set_of(&d.expected);
                let add: Vec<String> = want.iter().filter(|x| !have.contains(x)).cloned().collect();
                let extra: Vec<String> =
                    have.iter().filter(|x| !want.contains(x)).cloned().collect();
                let (remove, target) = if additive_mode {
                    let mut t: BTreeSet<String> = have.iter().cloned().collect();
                    t.extend(want.iter().cloned());
                    if !extra.is_empty() {
                        self.not_planned.push(NotPlanned {
                            kind: Some(kind),
                            full_name: full_name.to_string(),
                            attribute: Some(d.field.clone()),
                            cause: Cause::Additive,
                            reason: format!(
                                "grant mode is additive: {{{}}} kept, never revoked",
                                extra.join(", ")
                            ),
                        });
                    }
                    (Vec::new(), t.into_iter().collect())
                } else {
                    (extra, want.clone())
                };
                if add.is_empty() && remove.is_empty() {
                    continue;
                }
                p.grants.insert(
                    principal.to_string(),
                    PendingGrant {
                        have,
                        target,
                        add,
                        remove,
                    },
                );
            } else if field.starts_with("properties.") {
                self.unsupported(
                    kind,
                    full_name,
                    field,
                    "properties are not reconciled yet: change them in the workspace or the declaration",
                );
            } else if let Some((col, rest)) = split_column(field, &decl.columns) {
                let dcol = decl
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&col));
                let col_name = dcol.map_or(col.clone(), |c| c.name.clone());
                if rest == "mask" {
                    p.masks.insert(
                        col_name,
                        (
                            d.actual.clone(),
                            d.expected.clone(),
                            dcol.and_then(|c| c.mask.as_ref()),
                        ),
                    );
                } else if let Some(key) = rest.strip_prefix("tags.") {
                    let empty = BTreeMap::new();
                    let tags = dcol.map_or(&empty, |c| &c.tags);
                    self.tag(&mut p, decl, Some(&col_name), tags, key, d);
                } else {
                    self.unsupported(
                        kind,
                        full_name,
                        field,
                        "brickkit does not change this attribute",
                    );
                }
            } else {
                self.unsupported(
                    kind,
                    full_name,
                    field,
                    "brickkit does not change this attribute",
                );
            }
        }
        self.pending.insert(
            (kind, lower(&decl.full_name).into_owned()),
            Slot {
                full_name: decl.full_name.clone(),
                decl: Some(decl),
                p,
            },
        );
    }

    /// A drifted tag: set it to its declared value, unset an undeclared one, or say why a
    /// convention's requirement cannot be met without a declared value.
    fn tag(
        &mut self,
        p: &mut Pending<'_>,
        decl: &DeclaredSecurable,
        column: Option<&str>,
        declared: &BTreeMap<String, String>,
        key: &str,
        d: &Drift,
    ) {
        let col = column.map(str::to_string);
        if let Some(v) = declared.get(key) {
            p.set_tags
                .entry(col)
                .or_default()
                .insert(key.to_string(), (d.actual.clone(), v.clone()));
        } else if d.expected == Value::Absent {
            p.unset_tags
                .entry(col)
                .or_default()
                .insert(key.to_string(), d.actual.clone());
        } else {
            let why = match &d.note {
                Some(n) => format!("{n}; declare a value for it"),
                None => "no declared value to set: declare one".to_string(),
            };
            self.unsupported(decl.kind, &decl.full_name, &d.field, &why);
        }
    }

    /// Turn one securable's pending changes into operations.
    pub(super) fn emit(
        &mut self,
        kind: SecurableKind,
        name: &str,
        decl: Option<&'a DeclaredSecurable>,
        mut p: Pending<'_>,
    ) {
        let start = self.ops.len();
        let rules = std::mem::take(&mut p.rules);
        let base = self.base_deps(kind, name);
        let mut own_ids = Vec::new();

        if let Some((pre, target)) = p.comment
            && let Some(req) = request::comment(kind, name, &target)
        {
            let ch = vec![AttributeChange {
                attribute: "comment".into(),
                precondition: pre,
                target: Value::Text(target),
                from_rules: Vec::new(),
            }];
            self.push(kind, name, OpKind::SetComment, None, ch, base.clone(), req);
            own_ids.push(self.last_id());
        }

        if !p.grants.is_empty() {
            let mut changes = Vec::new();
            let mut req = Vec::new();
            for (principal, g) in p.grants {
                changes.push(AttributeChange {
                    attribute: format!("grants.{principal}"),
                    precondition: Value::Set(g.have),
                    target: Value::Set(g.target),
                    from_rules: Vec::new(),
                });
                req.push(GrantChange {
                    principal,
                    add: g.add,
                    remove: g.remove,
                });
            }
            let r = request::grants(kind, name, &req);
            self.push(
                kind,
                name,
                OpKind::UpdateGrants,
                None,
                changes,
                base.clone(),
                r,
            );
            own_ids.push(self.last_id());
        }

        let prefix = |col: &Option<String>, key: &str| match col {
            Some(c) => format!("columns.{c}.tags.{key}"),
            None => format!("tags.{key}"),
        };
        for (col, tags) in p.set_tags {
            let changes = tags
                .iter()
                .map(|(k, (pre, v))| AttributeChange {
                    attribute: prefix(&col, k),
                    precondition: pre.clone(),
                    target: Value::text(v),
                    from_rules: Vec::new(),
                })
                .collect();
            let pairs: Vec<(String, String)> = tags.into_iter().map(|(k, (_, v))| (k, v)).collect();
            let r = request::set_tags(kind, name, col.as_deref(), &pairs);
            self.push(
                kind,
                name,
                OpKind::SetTags,
                col.as_deref(),
                changes,
                base.clone(),
                r,
            );
            own_ids.push(self.last_id());
        }
        for (col, keys) in p.unset_tags {
            let changes = keys
                .iter()
                .map(|(k, pre)| AttributeChange {
                    attribute: prefix(&col, k),
                    precondition: pre.clone(),
                    target: Value::Absent,
                    from_rules: Vec::new(),
                })
                .collect();
            let keys: Vec<String> = keys.into_keys().collect();
            let r = request::unset_tags(kind, name, col.as_deref(), &keys);
            self.push(
                kind,
                name,
                OpKind::UnsetTags,
                col.as_deref(),
                changes,
                base.clone(),
                r,
            );
            own_ids.push(self.last_id());
        }

        if let Some((pre, target)) = p.row_filter {
            let ch = vec![AttributeChange {
                attribute: "row_filter".into(),
                precondition: pre,
                target,
                from_rules: Vec::new(),
            }];
            match decl.and_then(|d| d.row_filter.as_ref()) {
                Some(f) => {
                    let mut deps = base.clone();
                    deps.extend(self.function_dep(&f.function));
                    let r = request::set_row_filter(name, f);
                    self.push(kind, name, OpKind::SetRowFilter, None, ch, deps, r);
                }
                None => {
                    let r = request::drop_row_filter(name);
                    self.push(kind, name, OpKind::DropRowFilter, None, ch, base.clone(), r);
                }
            }
            own_ids.push(self.last_id());
        }

        for (col, (pre, target, mask)) in p.masks {
            let ch = vec![AttributeChange {
                attribute: format!("columns.{col}.mask"),
                precondition: pre,
                target,
                from_rules: Vec::new(),
            }];
            match mask {
                Some(m) => {
                    let mut deps = base.clone();
                    deps.extend(self.function_dep(&m.function));
                    let r = request::set_mask(name, &col, m);
                    self.push(kind, name, OpKind::SetMask, Some(&col), ch, deps, r);
                }
                None => {
                    let r = request::drop_mask(name, &col);
                    self.push(
                        kind,
                        name,
                        OpKind::DropMask,
                        Some(&col),
                        ch,
                        base.clone(),
                        r,
                    );
                }
            }
            own_ids.push(self.last_id());
        }

        // Last: the new owner may not grant us back.
        if let Some((pre, target)) = p.owner {
            let ch = vec![AttributeChange {
                attribute: "owner".into(),
                precondition: pre,
                target: Value::text(&target),
                from_rules: Vec::new(),
            }];
            let mut deps = base;
            deps.extend(own_ids);
            let r = request::owner(kind, name, &target);
            self.push(kind, name, OpKind::SetOwner, None, ch, deps, r);
        }

        if !rules.is_empty() {
            for op in &mut self.ops[start..] {
                for c in &mut op.changes {
                    if let Some(r) = rules.get(&c.attribute) {
                        c.from_rules = r.iter().cloned().collect();
                    }
                }
            }
        }
    }

    fn last_id(&self) -> String {
        self.ops.last().map(|o| o.id.clone()).unwrap_or_default()
    }

    /// Drift an ignore rule silenced (fields of declared securables, and undeclared
    /// securables in the unmanaged scope): listed with the rule, never planned.
    fn ignored(&mut self, diffs: &DiffSet, report: &DriftReport, opts: &PlanOptions) {
        if opts.ignore.is_empty() {
            return;
        }
        let rule_for = |kind: SecurableKind, name: &str, field: &str| {
            opts.ignore
                .rules
                .iter()
                .find(|r| {
                    r.kind.is_none_or(|k| k == kind)
                        && glob_match(&r.name, name)
                        && r.field.as_deref().is_none_or(|f| glob_match(f, field))
                })
                .map(|r| format!("ignored by `{}`", r.pattern))
        };
        let catalogs: HashSet<String> = self
            .declared
            .securables
            .iter()
            .filter(|s| s.kind == SecurableKind::Catalog)
            .map(|s| lower(&s.full_name).into_owned())
            .collect();
        let infra: HashSet<SecurableKind> = self
            .declared
            .securables
            .iter()
            .filter(|s| !s.kind.in_catalog())
            .map(|s| s.kind)
            .collect();
        for u in &diffs.undeclared {
            // The classifier's unmanaged scope: inside declared catalogs, or an
            // infrastructure kind the tree declares.
            let in_scope = opts.unmanaged == UnmanagedScope::All
                || if u.kind.in_catalog() {
                    u.kind != SecurableKind::Catalog
                        && u.full_name
                            .split('.')
                            .next()
                            .is_some_and(|c| catalogs.contains(c))
                } else {
                    infra.contains(&u.kind)
                };
            if !in_scope {
                continue;
            }
            if let Some(reason) = rule_for(u.kind, &u.full_name, FIELD_EXISTS) {
                self.not_planned.push(NotPlanned {
                    kind: Some(u.kind),
                    full_name: u.full_name.clone(),
                    attribute: None,
                    cause: Cause::Ignored,
                    reason,
                });
            }
        }
        let mut unknown: HashMap<(SecurableKind, String), Vec<Option<&str>>> = HashMap::new();
        for u in &report.unknown {
            if let Some(k) = u.kind {
                unknown
                    .entry((k, lower(&u.full_name).into_owned()))
                    .or_default()
                    .push(u.attribute.as_deref());
            }
        }
        for d in &diffs.diffs {
            if d.changes.is_empty() {
                continue;
            }
            let name = lower(&d.full_name).into_owned();
            let blind = unknown.get(&(d.kind, name.clone()));
            if blind.is_some_and(|v| v.iter().any(Option::is_none)) {
                continue;
            }
            for c in &d.changes {
                if blind.is_some_and(|v| v.iter().flatten().any(|a| attribute_covers(a, &c.field)))
                {
                    continue;
                }
                if let Some(reason) = rule_for(d.kind, &name, &c.field) {
                    self.not_planned.push(NotPlanned {
                        kind: Some(d.kind),
                        full_name: d.full_name.clone(),
                        attribute: Some(c.field.clone()),
                        cause: Cause::Ignored,
                        reason,
                    });
                }
            }
        }
    }
}

/// Split `columns.<col>.<rest>` into the column and the rest, preferring the longest
/// declared column name (names may hold dots); otherwise the column ends before `.mask` or
/// the first `.tags.`.
fn split_column(field: &str, declared: &[DeclaredColumn]) -> Option<(String, String)> {
    let rest = field.strip_prefix("columns.")?;
    let mut best: Option<&str> = None;
    for c in declared {
        if rest.len() > c.name.len()
            && rest.is_char_boundary(c.name.len())
            && rest[..c.name.len()].eq_ignore_ascii_case(&c.name)
            && rest.as_bytes()[c.name.len()] == b'.'
            && best.is_none_or(|b| c.name.len() > b.len())
        {
            best = Some(&c.name);
        }
    }
    if let Some(b) = best {
        return Some((rest[..b.len()].to_string(), rest[b.len() + 1..].to_string()));
    }
    if let Some(col) = rest.strip_suffix(".mask") {
        return Some((col.to_string(), "mask".into()));
    }
    let i = rest.find(".tags.")?;
    Some((rest[..i].to_string(), rest[i + 1..].to_string()))
}
