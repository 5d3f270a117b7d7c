//! The JSON report (`docs/formats/report-json.md`): versioned mirror types, pretty-printed
//! with two spaces and a final newline. `FORMAT_VERSION` changes whenever a field changes
//! meaning or disappears; adding a field does not.

use std::io::{self, Write};

use serde::Serialize;

use crate::diff::Value;
use crate::drift::{DriftReport, Summary};
use crate::model::Origin;

/// Version of the JSON report schema.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct ReportV1<'a> {
    format_version: u32,
    timestamp: String,
    project: &'a str,
    environment: &'a str,
    snapshot: SnapshotV1<'a>,
    summary: SummaryV1,
    drifted: Vec<DriftV1<'a>>,
    missing: Vec<MissingV1<'a>>,
    unmanaged: Vec<UnmanagedV1<'a>>,
    compliant: Vec<CompliantV1<'a>>,
    unknown: Vec<UnknownV1<'a>>,
    ignored: usize,
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
        drifted: report
            .drifted
            .iter()
            .map(|d| DriftV1 {
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
            })
            .collect(),
        missing: report
            .missing
            .iter()
            .map(|m| MissingV1 {
                resource_type: m.kind.as_str(),
                resource_name: &m.full_name,
                severity: m.severity.as_str(),
                origin: origin(&m.origin),
            })
            .collect(),
        unmanaged: report
            .unmanaged
            .iter()
            .map(|u| UnmanagedV1 {
                resource_type: u.kind.as_str(),
                resource_name: &u.full_name,
                severity: u.severity.as_str(),
            })
            .collect(),
        compliant: report
            .compliant
            .iter()
            .map(|c| CompliantV1 {
                resource_type: c.kind.as_str(),
                resource_name: &c.full_name,
            })
            .collect(),
        unknown: report
            .unknown
            .iter()
            .map(|u| UnknownV1 {
                resource_type: u.kind.map(|k| k.as_str()),
                resource_name: &u.full_name,
                attribute: u.attribute.as_deref(),
                reason: &u.reason,
            })
            .collect(),
        ignored: report.ignored,
    };
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc).map_err(io::Error::other)?;
    writeln!(w)?;
    w.flush()
}
