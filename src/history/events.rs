//! The **event model** of the history store: a snapshot flattened into *facts* (one value
//! per securable attribute item), state events (the difference between two fact sets), and
//! drift events (opened / changed / resolved per `(environment, securable, field)`), and
//! violation events (the same per `(environment, rule, securable, field)`).
//!
//! Pure: no IO, no clock. The flattening is lossless for snapshots without duplicate rows,
//! which is what makes the event-sourcing invariant (`fold`) hold.

use std::collections::BTreeMap;

use serde_json::json;

use crate::state::Snapshot;

/// Identity of one fact: `(securable_kind, securable, attribute, item, sub_item)`.
///
/// `securable_kind` is the kind's snake_case name, or `""` when the row has none (columns,
/// row filters and masks are keyed by table name only). Attributes and items:
///
/// | attribute         | item           | sub_item    | value                          |
/// |-------------------|----------------|-------------|--------------------------------|
/// | `securable`       | `""`           | `""`        | `""` (presence)                |
/// | `parent`, `owner`, `comment`, `securable_type`, `format`, `location`, `created_at`, `updated_at` | `""` | `""` | the text (times in epoch ms) |
/// | `property`        | key            | `""`        | value                          |
/// | `detail`          | key            | `""`        | value                          |
/// | `column`          | column name    | `""`        | JSON `{position,type,nullable,comment}` |
/// | `grant`           | principal      | privilege   | the privilege                  |
/// | `tag`             | tag key        | column or `""` | tag value                   |
/// | `row_filter`      | `""`           | `""`        | JSON `{function,input_columns}` |
/// | `mask`            | column name    | `""`        | JSON `{function,using_columns}` |
/// | `collection_issue`| attribute or `""` | `""`     | JSON `{subtree,error_code,message}` |
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactKey {
    pub securable_kind: String,
    pub securable: String,
    pub attribute: String,
    pub item: String,
    pub sub_item: String,
}

impl FactKey {
    fn new(kind: &str, securable: &str, attribute: &str, item: &str, sub_item: &str) -> FactKey {
        FactKey {
            securable_kind: kind.to_string(),
            securable: securable.to_string(),
            attribute: attribute.to_string(),
            item: item.to_string(),
            sub_item: sub_item.to_string(),
        }
    }
}

/// Every fact of a snapshot, grouped by securable `(kind, name)` then keyed by
/// `(attribute, item, sub_item)`.
pub type Facts = BTreeMap<(String, String), BTreeMap<(String, String, String), String>>;

/// The scalar attributes of a securable row, in the order `fold` restores them.
pub const SCALAR_ATTRIBUTES: [&str; 8] = [
    "parent",
    "owner",
    "comment",
    "securable_type",
    "format",
    "location",
    "created_at",
    "updated_at",
];

fn kind_str(k: Option<crate::model::SecurableKind>) -> &'static str {
    k.map_or("", |k| k.as_str())
}

/// Flatten a snapshot into its facts (the manifest is not a fact: it travels with the
/// snapshot event).
pub fn facts(s: &Snapshot) -> Facts {
    let mut b = FactsBuilder::default();
    let mut put = |kind: &str, name: &str, attr: &str, item: &str, sub: &str, value: String| {
        b.put(
            kind,
            name,
            (attr.to_string(), item.to_string(), sub.to_string()),
            value,
        );
    };
    for r in &s.securables {
        let k = kind_str(r.kind);
        let n = &r.full_name;
        put(k, n, "securable", "", "", String::new());
        let scalars = [
            r.parent.clone(),
            r.owner.clone(),
            r.comment.clone(),
            r.securable_type.clone(),
            r.format.clone(),
            r.location.clone(),
            r.created_at.map(|t| t.millis().to_string().into()),
            r.updated_at.map(|t| t.millis().to_string().into()),
        ];
        for (attr, v) in SCALAR_ATTRIBUTES.iter().zip(scalars) {
            if let Some(v) = v {
                put(k, n, attr, "", "", v.to_string());
            }
        }
        for (key, v) in &r.properties {
            put(k, n, "property", key, "", v.clone());
        }
        for (key, v) in &r.details {
            put(k, n, "detail", key, "", v.clone());
        }
    }
    for c in &s.columns {
        let v = json!({
            "position": c.position,
            "type": c.type_text,
            "nullable": c.nullable,
            "comment": c.comment,
        });
        put("", &c.table_full_name, "column", &c.name, "", v.to_string());
    }
    for g in &s.grants {
        put(
            kind_str(g.securable_kind),
            &g.securable_full_name,
            "grant",
            &g.principal,
            &g.privilege,
            g.privilege.to_string(),
        );
    }
    for t in &s.tags {
        put(
            kind_str(t.securable_kind),
            &t.securable_full_name,
            "tag",
            &t.key,
            t.column_name.as_deref().unwrap_or(""),
            t.value.to_string(),
        );
    }
    for r in &s.row_filters {
        let v = json!({"function": r.function_full_name, "input_columns": r.input_arguments});
        put("", &r.table_full_name, "row_filter", "", "", v.to_string());
    }
    for m in &s.column_masks {
        let v = json!({"function": m.function_full_name, "using_columns": m.using_arguments});
        put(
            "",
            &m.table_full_name,
            "mask",
            &m.column_name,
            "",
            v.to_string(),
        );
    }
    for i in &s.collection_issues {
        let v = json!({"subtree": i.subtree, "error_code": i.error_code, "message": i.message});
        put(
            kind_str(i.securable_kind),
            &i.full_name,
            "collection_issue",
            i.attribute.as_deref().unwrap_or(""),
            "",
            v.to_string(),
        );
    }
    b.finish()
}

/// Builds [`Facts`] from puts that arrive in runs of the same securable (the snapshot's
/// tables are sorted by securable): a run goes into its own map and meets the outer map
/// once, instead of one outer lookup (string compares down a tree of every securable) per
/// fact. The result is the same as inserting every fact in order.
#[derive(Default)]
struct FactsBuilder {
    facts: Facts,
    run: Option<(String, String)>,
    current: BTreeMap<(String, String, String), String>,
}

impl FactsBuilder {
    fn put(&mut self, kind: &str, name: &str, key: (String, String, String), value: String) {
        let same = self
            .run
            .as_ref()
            .is_some_and(|(k, n)| k == kind && n == name);
        if !same {
            self.flush();
            self.run = Some((kind.to_string(), name.to_string()));
        }
        self.current.insert(key, value);
    }

    fn flush(&mut self) {
        let Some(key) = self.run.take() else { return };
        let run = std::mem::take(&mut self.current);
        let slot = self.facts.entry(key).or_default();
        if slot.is_empty() {
            *slot = run;
        } else {
            slot.extend(run);
        }
    }

    fn finish(mut self) -> Facts {
        self.flush();
        self.facts
    }
}

/// What happened to one fact between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StateEventKind {
    SecurableAdded,
    SecurableRemoved,
    AttributeAdded,
    AttributeRemoved,
    AttributeChanged,
}

impl StateEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateEventKind::SecurableAdded => "securable_added",
            StateEventKind::SecurableRemoved => "securable_removed",
            StateEventKind::AttributeAdded => "attribute_added",
            StateEventKind::AttributeRemoved => "attribute_removed",
            StateEventKind::AttributeChanged => "attribute_changed",
        }
    }
}

/// One state event: a fact appeared, disappeared or changed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEvent {
    pub kind: StateEventKind,
    pub key: FactKey,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

fn event(key: FactKey, old: Option<&String>, new: Option<&String>) -> Option<StateEvent> {
    let is_sec = key.attribute == "securable";
    let kind = match (old, new) {
        (None, Some(_)) if is_sec => StateEventKind::SecurableAdded,
        (Some(_), None) if is_sec => StateEventKind::SecurableRemoved,
        (None, Some(_)) => StateEventKind::AttributeAdded,
        (Some(_), None) => StateEventKind::AttributeRemoved,
        (Some(a), Some(b)) if a != b => StateEventKind::AttributeChanged,
        _ => return None,
    };
    Some(StateEvent {
        kind,
        key,
        old_value: old.cloned(),
        new_value: new.cloned(),
    })
}

/// The events that turn the facts `old` of one securable into `new` (either may be empty):
/// `securable_added` first, then attribute events in key order, `securable_removed` last.
pub fn diff_group(
    kind: &str,
    securable: &str,
    old: &BTreeMap<(String, String, String), String>,
    new: &BTreeMap<(String, String, String), String>,
) -> Vec<StateEvent> {
    let mut out = Vec::new();
    let mut a = old.iter().peekable();
    let mut b = new.iter().peekable();
    loop {
        let (key, o, n) = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some((ka, va)), None) => {
                let r = ((*ka).clone(), Some(*va), None);
                a.next();
                r
            }
            (None, Some((kb, vb))) => {
                let r = ((*kb).clone(), None, Some(*vb));
                b.next();
                r
            }
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                std::cmp::Ordering::Less => {
                    let r = ((*ka).clone(), Some(*va), None);
                    a.next();
                    r
                }
                std::cmp::Ordering::Greater => {
                    let r = ((*kb).clone(), None, Some(*vb));
                    b.next();
                    r
                }
                std::cmp::Ordering::Equal => {
                    let r = ((*ka).clone(), Some(*va), Some(*vb));
                    a.next();
                    b.next();
                    r
                }
            },
        };
        let fk = FactKey::new(kind, securable, &key.0, &key.1, &key.2);
        out.extend(event(fk, o, n));
    }
    // A securable appears before its attributes and disappears after them.
    out.sort_by_key(|e| match e.kind {
        StateEventKind::SecurableAdded => 0,
        StateEventKind::SecurableRemoved => 2,
        _ => 1,
    });
    out
}

/// What happened to one drift finding at one detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftEventKind {
    Opened,
    Changed,
    Resolved,
}

impl DriftEventKind {
    /// The kind spelled `s` (`opened`, `changed`, `resolved`).
    pub fn parse(s: &str) -> Option<DriftEventKind> {
        match s {
            "opened" => Some(DriftEventKind::Opened),
            "changed" => Some(DriftEventKind::Changed),
            "resolved" => Some(DriftEventKind::Resolved),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DriftEventKind::Opened => "opened",
            DriftEventKind::Changed => "changed",
            DriftEventKind::Resolved => "resolved",
        }
    }
}

/// One open finding of a drift detection, flattened: `category` is `drifted`, `missing`
/// or `unmanaged`; missing and unmanaged use the field `exists`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub securable_kind: String,
    pub securable: String,
    pub field: String,
    pub category: String,
    pub severity: String,
    pub expected: String,
    pub actual: String,
}

impl Finding {
    /// The drift key within one environment.
    pub fn key(&self) -> (String, String, String) {
        (
            self.securable_kind.clone(),
            self.securable.clone(),
            self.field.clone(),
        )
    }
}

/// Flatten a drift report into its findings, keyed by `(kind, securable, field)`.
pub fn findings(r: &crate::drift::DriftReport) -> BTreeMap<(String, String, String), Finding> {
    let mut out = BTreeMap::new();
    let mut add = |f: Finding| {
        out.insert(f.key(), f);
    };
    for d in &r.drifted {
        add(Finding {
            securable_kind: d.kind.as_str().to_string(),
            securable: d.full_name.clone(),
            field: d.field.clone(),
            category: "drifted".to_string(),
            severity: d.severity.as_str().to_string(),
            expected: d.expected.to_string(),
            actual: d.actual.to_string(),
        });
    }
    for m in &r.missing {
        add(Finding {
            securable_kind: m.kind.as_str().to_string(),
            securable: m.full_name.clone(),
            field: "exists".to_string(),
            category: "missing".to_string(),
            severity: m.severity.as_str().to_string(),
            expected: "true".to_string(),
            actual: "false".to_string(),
        });
    }
    for u in &r.unmanaged {
        add(Finding {
            securable_kind: u.kind.as_str().to_string(),
            securable: u.full_name.clone(),
            field: "exists".to_string(),
            category: "unmanaged".to_string(),
            severity: u.severity.as_str().to_string(),
            expected: "false".to_string(),
            actual: "true".to_string(),
        });
    }
    out
}

/// Identity of a violation within one environment: `(rule_id, kind, securable, field)`.
pub type ViolationKey = (String, String, String, String);

/// One open policy-rule violation, flattened (as recorded in `violation_events`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ViolationFinding {
    pub rule_id: String,
    pub securable_kind: String,
    pub securable: String,
    pub field: String,
    pub severity: String,
    pub expected: String,
    pub actual: String,
}

impl ViolationFinding {
    pub fn key(&self) -> ViolationKey {
        (
            self.rule_id.clone(),
            self.securable_kind.clone(),
            self.securable.clone(),
            self.field.clone(),
        )
    }
}

/// Why an open violation was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResolvedBecause {
    /// The rule ran and did not find it (fixed, or the securable is gone).
    NotFound,
    /// The rule is no longer in the tree.
    RuleRemoved,
}

impl ResolvedBecause {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolvedBecause::NotFound => "not_found",
            ResolvedBecause::RuleRemoved => "rule_removed",
        }
    }
}

/// One violation event: what happened, to which violation (for `resolved`, the violation
/// as it was last recorded) and, when resolved, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationEvent<'f> {
    pub kind: DriftEventKind,
    pub violation: &'f ViolationFinding,
    pub reason: Option<ResolvedBecause>,
}

/// Flatten a drift report's violations, keyed by [`ViolationKey`].
pub fn violations(r: &crate::drift::DriftReport) -> BTreeMap<ViolationKey, ViolationFinding> {
    r.violations
        .iter()
        .map(|v| {
            let f = ViolationFinding {
                rule_id: v.rule_id.clone(),
                securable_kind: v.kind.as_str().to_string(),
                securable: v.full_name.clone(),
                field: v.field.clone(),
                severity: v.severity.as_str().to_string(),
                expected: v.expected.clone(),
                actual: v.actual.clone(),
            };
            (f.key(), f)
        })
        .collect()
}

/// What a run could not check, for deciding which open violations it may resolve: the
/// rules evaluated, each rule's unknown securables (a rule unknown names the securable, a
/// container whose subtree was hidden, or `""` for the whole metastore) and the securables
/// nobody could read at all (drift's unknowns without an attribute).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCoverage {
    pub rules: std::collections::BTreeSet<String>,
    /// `(rule_id, lower-case name)`.
    pub rule_unknown: std::collections::BTreeSet<(String, String)>,
    /// Lower-case names.
    pub unreadable: std::collections::BTreeSet<String>,
}

impl RunCoverage {
    /// The coverage of a drift report.
    pub fn of(r: &crate::drift::DriftReport) -> RunCoverage {
        RunCoverage {
            rules: r.rules.iter().map(|x| x.id.clone()).collect(),
            rule_unknown: r
                .rule_unknown
                .iter()
                .map(|u| (u.rule_id.clone(), u.full_name.to_lowercase()))
                .collect(),
            unreadable: r
                .unknown
                .iter()
                .filter(|u| u.attribute.is_none())
                .map(|u| u.full_name.to_lowercase())
                .collect(),
        }
    }

    /// True when this run could not check `v`: its securable (or a container of it, or
    /// the metastore) is unknown to its rule, or nobody could read the securable. Unknown
    /// is never compliant, so such a violation stays open.
    pub fn hides(&self, v: &ViolationFinding) -> bool {
        let name = v.securable.to_lowercase();
        if self.unreadable.contains(&name) {
            return true;
        }
        let mut container = name.as_str();
        loop {
            if self
                .rule_unknown
                .contains(&(v.rule_id.clone(), container.to_string()))
            {
                return true;
            }
            if container.is_empty() {
                return false;
            }
            container = container.rsplit_once('.').map_or("", |(head, _)| head);
        }
    }
}

/// Violations opened, changed and resolved between the violations open before a run and
/// the ones it found, sorted by key: new ones open; a different severity, expected or
/// actual is a change; an open one not found is resolved, `rule_removed` when its rule was
/// not evaluated, `not_found` otherwise, unless the run could not check it
/// ([`RunCoverage::hides`]): then it stays open, as drift on an unreadable securable does.
pub fn violation_events<'f>(
    open: &'f BTreeMap<ViolationKey, ViolationFinding>,
    now: &'f BTreeMap<ViolationKey, ViolationFinding>,
    cov: &RunCoverage,
) -> Vec<ViolationEvent<'f>> {
    let mut evs = Vec::new();
    for (k, f) in now {
        let kind = match open.get(k) {
            None => DriftEventKind::Opened,
            Some(o) if o != f => DriftEventKind::Changed,
            Some(_) => continue,
        };
        evs.push(ViolationEvent {
            kind,
            violation: f,
            reason: None,
        });
    }
    for (k, o) in open {
        if now.contains_key(k) {
            continue;
        }
        let reason = if !cov.rules.contains(&o.rule_id) {
            ResolvedBecause::RuleRemoved
        } else if cov.hides(o) {
            continue;
        } else {
            ResolvedBecause::NotFound
        };
        evs.push(ViolationEvent {
            kind: DriftEventKind::Resolved,
            violation: o,
            reason: Some(reason),
        });
    }
    evs.sort_by_key(|e| (e.violation.key(), e.kind));
    evs
}
