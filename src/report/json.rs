//! The JSON report (`docs/formats/report-json.md`): versioned mirror types, pretty-printed
//! with two spaces and a final newline. `FORMAT_VERSION` changes whenever a field changes
//! meaning or disappears; adding a field does not.
//!
//! Streams: the mirror types borrow from the report and the finding arrays are serialised
//! element by element straight into the writer ([`Each`]); no copy of the findings and no
//! `serde_json::Value` of the document is built.

use std::io::{self, Write};

use serde::{Serialize, Serializer};

use crate::diff::Value;
use crate::drift::{Compliant, Drift, DriftReport, Missing, Summary, Unknown, Unmanaged};
use crate::model::Origin;

/// Version of the JSON report schema.
pub const FORMAT_VERSION: u32 = 1;

/// A JSON array of `f(item)` for each item of a slice, serialised as it is walked.
struct Each<'a, T, F>(&'a [T], F);

impl<'a, T, U, F> Serialize for Each<'a, T, F>
where
    F: Fn(&'a T) -> U,
    U: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(&self.1))
    }
}

type EachOf<'a, T, U> = Each<'a, T, fn(&'a T) -> U>;

#[derive(Serialize)]
struct ReportV1<'a> {
    format_version: u32,
    timestamp: String,
    project: &'a str,
    environment: &'a str,
    snapshot: SnapshotV1<'a>,
    summary: SummaryV1,
    drifted: EachOf<'a, Drift, DriftV1<'a>>,
    missing: EachOf<'a, Missing, MissingV1<'a>>,
    unmanaged: EachOf<'a, Unmanaged, UnmanagedV1<'a>>,
    compliant: EachOf<'a, Compliant, CompliantV1<'a>>,
    unknown: EachOf<'a, Unknown, UnknownV1<'a>>,
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
    expected: ValueV1<'a>,
    actual: ValueV1<'a>,
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

/// A diff value: `null`, a string, an array of strings or a boolean.
struct ValueV1<'a>(&'a Value);

impl Serialize for ValueV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Absent => s.serialize_unit(),
            Value::Text(t) => s.serialize_str(t),
            Value::Set(items) => s.collect_seq(items),
            Value::Bool(b) => s.serialize_bool(*b),
        }
    }
}

fn drift(d: &Drift) -> DriftV1<'_> {
    DriftV1 {
        resource_type: d.kind.as_str(),
        resource_name: &d.full_name,
        field: &d.field,
        expected: ValueV1(&d.expected),
        actual: ValueV1(&d.actual),
        action: d.action.as_str(),
        severity: d.severity.as_str(),
        additive: d.additive,
        note: d.note.as_deref(),
        origin: origin(&d.origin),
    }
}

fn missing(m: &Missing) -> MissingV1<'_> {
    MissingV1 {
        resource_type: m.kind.as_str(),
        resource_name: &m.full_name,
        severity: m.severity.as_str(),
        origin: origin(&m.origin),
    }
}

fn unmanaged(u: &Unmanaged) -> UnmanagedV1<'_> {
    UnmanagedV1 {
        resource_type: u.kind.as_str(),
        resource_name: &u.full_name,
        severity: u.severity.as_str(),
    }
}

fn compliant(c: &Compliant) -> CompliantV1<'_> {
    CompliantV1 {
        resource_type: c.kind.as_str(),
        resource_name: &c.full_name,
    }
}

fn unknown(u: &Unknown) -> UnknownV1<'_> {
    UnknownV1 {
        resource_type: u.kind.map(|k| k.as_str()),
        resource_name: &u.full_name,
        attribute: u.attribute.as_deref(),
        reason: &u.reason,
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
        drifted: Each(&report.drifted, drift),
        missing: Each(&report.missing, missing),
        unmanaged: Each(&report.unmanaged, unmanaged),
        compliant: Each(&report.compliant, compliant),
        unknown: Each(&report.unknown, unknown),
        ignored: report.ignored,
    };
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc).map_err(io::Error::other)?;
    writeln!(w)?;
    w.flush()
}
