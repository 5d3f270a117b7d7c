//! The JSON report (`docs/formats/report-json.md`): versioned mirror types, pretty-printed
//! with two spaces and a final newline. `FORMAT_VERSION` changes whenever a field changes
//! meaning or disappears; adding a field does not.
//!
//! Streams: every array is serialised item by item straight from the `DriftReport` (a
//! [`Seq`] maps each entry to its borrowed mirror as it is written), so a million findings
//! never become a second in-memory document.

use std::io::{self, Write};

use serde::Serialize;

use serde::Serializer;

use crate::diff::Value;
use crate::drift::{DriftReport, RuleRef, Summary};
use crate::model::Origin;
use crate::rules::{RuleUnknown, Violation};

/// Version of the JSON report schema.
pub const FORMAT_VERSION: u32 = 1;

/// A JSON array written item by item: `items` mapped through `f` while serialising.
struct Seq<'a, T, F>(&'a [T], F);

impl<'a, T, U, F> Serialize for Seq<'a, T, F>
where
    F: Fn(&'a T) -> U,
    U: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(&self.1))
    }
}

type SeqOf<'a, T, U> = Seq<'a, T, fn(&'a T) -> U>;

#[derive(Serialize)]
struct ReportV1<'a> {
    format_version: u32,
    timestamp: String,
    project: &'a str,
    environment: &'a str,
    snapshot: SnapshotV1<'a>,
    summary: SummaryV1,
    drifted: SeqOf<'a, crate::drift::Drift, DriftV1<'a>>,
    missing: SeqOf<'a, crate::drift::Missing, MissingV1<'a>>,
    unmanaged: SeqOf<'a, crate::drift::Unmanaged, UnmanagedV1<'a>>,
    compliant: SeqOf<'a, crate::drift::Compliant, CompliantV1<'a>>,
    unknown: SeqOf<'a, crate::drift::Unknown, UnknownV1<'a>>,
    ignored: usize,
    rules: SeqOf<'a, RuleRef, RuleV1<'a>>,
    violations: Seq<'a, Violation, ViolationFn<'a>>,
    rule_unknown: SeqOf<'a, RuleUnknown, RuleUnknownV1<'a>>,
}

/// Maps a violation to its mirror, with its rule's origin looked up in the report.
struct ViolationFn<'a>(&'a DriftReport);

impl<'a> ViolationFn<'a> {
    fn call(&self, v: &'a Violation) -> ViolationV1<'a> {
        ViolationV1 {
            rule: &v.rule_id,
            resource_type: v.kind.as_str(),
            resource_name: &v.full_name,
            field: &v.field,
            expected: &v.expected,
            actual: &v.actual,
            severity: v.severity.as_str(),
            declared: v.declared,
            origin: self.0.rule(&v.rule_id).and_then(|r| origin(&r.origin)),
        }
    }
}

impl<'a> Serialize for Seq<'a, Violation, ViolationFn<'a>> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|v| self.1.call(v)))
    }
}

#[derive(Serialize)]
struct RuleV1<'a> {
    id: &'a str,
    check: &'a str,
    message: &'a str,
    severity: &'a str,
    origin: Option<OriginV1>,
}

#[derive(Serialize)]
struct ViolationV1<'a> {
    rule: &'a str,
    resource_type: &'a str,
    resource_name: &'a str,
    field: &'a str,
    expected: &'a str,
    actual: &'a str,
    severity: &'a str,
    declared: bool,
    origin: Option<OriginV1>,
}

#[derive(Serialize)]
struct RuleUnknownV1<'a> {
    rule: &'a str,
    resource_type: Option<&'a str>,
    resource_name: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct SnapshotV1<'a> {
    id: &'a str,
    taken_at: String,
}

#[derive(Serialize)]
struct SummaryV1 {
    by_severity: BySeverityV1,
    by_category: ByCategoryV1,
}

#[derive(Serialize)]
struct BySeverityV1 {
    critical: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize)]
struct ByCategoryV1 {
    drifted: usize,
    drifted_securables: usize,
    missing: usize,
    unmanaged: usize,
    compliant: usize,
    unknown: usize,
    ignored: usize,
    violations: usize,
    rule_unknown: usize,
}

#[derive(Serialize)]
struct OriginV1 {
    file: String,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct DriftV1<'a> {
    resource_type: &'a str,
    resource_name: &'a str,
    field: &'a str,
    expected: serde_json::Value,
    actual: serde_json::Value,
    action: &'a str,
    severity: &'a str,
    additive: bool,
    note: Option<&'a str>,
    origin: Option<OriginV1>,
}

#[derive(Serialize)]
struct MissingV1<'a> {
    resource_type: &'a str,
    resource_name: &'a str,
    severity: &'a str,
    origin: Option<OriginV1>,
}

#[derive(Serialize)]
struct UnmanagedV1<'a> {
    resource_type: &'a str,
    resource_name: &'a str,
    severity: &'a str,
}

#[derive(Serialize)]
struct CompliantV1<'a> {
    resource_type: &'a str,
    resource_name: &'a str,
}

#[derive(Serialize)]
struct UnknownV1<'a> {
    resource_type: Option<&'a str>,
    resource_name: &'a str,
    attribute: Option<&'a str>,
    reason: &'a str,
}

fn value(v: &Value) -> serde_json::Value {
    match v {
        Value::Absent => serde_json::Value::Null,
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Set(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|s| serde_json::Value::String(s.clone()))
                .collect(),
        ),
        Value::Bool(b) => serde_json::Value::Bool(*b),
    }
}

fn origin(o: &Option<Origin>) -> Option<OriginV1> {
    o.as_ref().map(|o| OriginV1 {
        file: o.file.to_string_lossy().replace('\\', "/"),
        line: o.line,
        column: o.column,
    })
}

fn summary(s: Summary) -> SummaryV1 {
    SummaryV1 {
        by_severity: BySeverityV1 {
            critical: s.critical,
            warning: s.warning,
            info: s.info,
        },
        by_category: ByCategoryV1 {
            drifted: s.drifted,
            drifted_securables: s.drifted_securables,
            missing: s.missing,
            unmanaged: s.unmanaged,
            compliant: s.compliant,
            unknown: s.unknown,
            ignored: s.ignored,
            violations: s.violations,
            rule_unknown: s.rule_unknown,
        },
    }
}

pub fn render(
    report: &DriftReport,
    _opts: &super::RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = ReportV1 {
        format_version: FORMAT_VERSION,
        timestamp: report.timestamp.to_rfc3339(),
        project: &report.project,
        environment: &report.environment,
        snapshot: SnapshotV1 {
            id: &report.snapshot.id,
            taken_at: report.snapshot.taken_at.to_rfc3339(),
        },
        summary: summary(report.summary()),
        drifted: Seq(&report.drifted, |d| DriftV1 {
            resource_type: d.kind.as_str(),
            resource_name: &d.full_name,
            field: &d.field,
            expected: value(&d.expected),
            actual: value(&d.actual),
            action: d.action.as_str(),
            severity: d.severity.as_str(),
            additive: d.additive,
            note: d.note.as_deref(),
            origin: origin(&d.origin),
        }),
        missing: Seq(&report.missing, |m| MissingV1 {
            resource_type: m.kind.as_str(),
            resource_name: &m.full_name,
            severity: m.severity.as_str(),
            origin: origin(&m.origin),
        }),
        unmanaged: Seq(&report.unmanaged, |u| UnmanagedV1 {
            resource_type: u.kind.as_str(),
            resource_name: &u.full_name,
            severity: u.severity.as_str(),
        }),
        compliant: Seq(&report.compliant, |c| CompliantV1 {
            resource_type: c.kind.as_str(),
            resource_name: &c.full_name,
        }),
        unknown: Seq(&report.unknown, |u| UnknownV1 {
            resource_type: u.kind.map(|k| k.as_str()),
            resource_name: &u.full_name,
            attribute: u.attribute.as_deref(),
            reason: &u.reason,
        }),
        ignored: report.ignored,
        rules: Seq(&report.rules, |r| RuleV1 {
            id: &r.id,
            check: r.check,
            message: &r.message,
            severity: r.severity.as_str(),
            origin: origin(&r.origin),
        }),
        violations: Seq(&report.violations, ViolationFn(report)),
        rule_unknown: Seq(&report.rule_unknown, |u| RuleUnknownV1 {
            rule: &u.rule_id,
            resource_type: u.kind.map(|k| k.as_str()),
            resource_name: &u.full_name,
            reason: &u.reason,
        }),
    };
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc).map_err(io::Error::other)?;
    writeln!(w)?;
    w.flush()
}
