//! SARIF 2.1.0 for code scanning: one result per finding (drifted field, missing or
//! unmanaged securable), level from severity (critical → error, warning → warning,
//! info → note), located at the declaring YAML file and line when there is one, and
//! always with a logical location naming the securable.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value as J, json};

use crate::drift::DriftReport;
use crate::model::Origin;
use crate::model::{SecurableKind, Severity};

use super::RenderOptions;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Rule id of a drifted field.
fn rule_of(field: &str) -> &'static str {
    if field == "exists" {
        "missing"
    } else if field == "owner" {
        "owner"
    } else if field == "comment" {
        "comment"
    } else if field == "name" {
        "naming"
    } else if field == "row_filter" {
        "row-filter"
    } else if field.starts_with("tags.") {
        "tags"
    } else if field.starts_with("grants.") {
        "grants"
    } else if field.starts_with("properties.") {
        "properties"
    } else if field.starts_with("columns.") && field.ends_with(".mask") {
        "column-mask"
    } else if field.starts_with("columns.") {
        "column-tags"
    } else {
        "other"
    }
}

fn rule_text(id: &str) -> &'static str {
    match id {
        "missing" => "A declared securable does not exist",
        "unmanaged" => "A securable exists but is not declared",
        "owner" => "Owner differs from the declaration",
        "comment" => "Comment differs from the declaration",
        "naming" => "Name breaks the convention's naming rule",
        "row-filter" => "Row filter differs from the declaration",
        "tags" => "Tags differ from the declaration or convention",
        "grants" => "Grants differ from the declaration",
        "properties" => "Declared properties differ",
        "column-mask" => "Column mask differs from the declaration",
        "column-tags" => "Column tags differ from the declaration",
        _ => "Other drift",
    }
}

fn location(kind: SecurableKind, name: &str, origin: Option<&Origin>, opts: &RenderOptions) -> J {
    let logical = json!([{ "fullyQualifiedName": name, "kind": kind.as_str() }]);
    match origin {
        Some(o) => {
            let file = o.file.to_string_lossy().replace('\\', "/");
            let uri = match &opts.source_root {
                Some(root) if !root.is_empty() && root != "." => {
                    format!("{}/{}", root.trim_end_matches('/'), file)
                }
                _ => file,
            };
            let mut region = serde_json::Map::new();
            region.insert("startLine".into(), json!(o.line.max(1)));
            if o.column > 0 {
                region.insert("startColumn".into(), json!(o.column));
            }
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": J::Object(region),
                },
                "logicalLocations": logical,
            })
        }
        None => json!({ "logicalLocations": logical }),
    }
}

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut results = Vec::new();
    let mut used: BTreeMap<&'static str, ()> = BTreeMap::new();
    for d in &report.drifted {
        let rule = rule_of(&d.field);
        used.insert(rule, ());
        let mut text = format!(
            "{} {}: {}: expected {}, actual {}",
            d.kind, d.full_name, d.field, d.expected, d.actual
        );
        if let Some(n) = &d.note {
            text.push_str(&format!(" ({n})"));
        }
        results.push(json!({
            "ruleId": rule,
            "level": level(d.severity),
            "message": { "text": text },
            "locations": [location(d.kind, &d.full_name, d.origin.as_ref(), opts)],
            "partialFingerprints": {
                "brickkitDrift/v1": format!("{}:{}#{}", d.kind, d.full_name, d.field)
            },
            "properties": {
                "severity": d.severity.as_str(),
                "action": d.action.as_str(),
                "additive": d.additive,
            },
        }));
    }
    for m in &report.missing {
        used.insert("missing", ());
        results.push(json!({
            "ruleId": "missing",
            "level": level(m.severity),
            "message": { "text": format!("{} {} is declared but does not exist", m.kind, m.full_name) },
            "locations": [location(m.kind, &m.full_name, m.origin.as_ref(), opts)],
            "partialFingerprints": {
                "brickkitDrift/v1": format!("{}:{}#exists", m.kind, m.full_name)
            },
            "properties": { "severity": m.severity.as_str(), "action": "add" },
        }));
    }
    for u in &report.unmanaged {
        used.insert("unmanaged", ());
        results.push(json!({
            "ruleId": "unmanaged",
            "level": level(u.severity),
            "message": { "text": format!("{} {} exists but is not declared", u.kind, u.full_name) },
            "locations": [location(u.kind, &u.full_name, None, opts)],
            "partialFingerprints": {
                "brickkitDrift/v1": format!("{}:{}#unmanaged", u.kind, u.full_name)
            },
            "properties": { "severity": u.severity.as_str(), "action": "remove" },
        }));
    }
    let rules: Vec<J> = used
        .keys()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": rule_text(id) },
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "brickkit",
                    "version": opts.tool_version,
                    "rules": rules,
                }
            },
            "automationDetails": { "id": format!("brickkit/drift/{}/", report.environment) },
            "properties": {
                "environment": report.environment,
                "snapshotId": report.snapshot.id,
                "timestamp": report.timestamp.to_rfc3339(),
            },
            "results": results,
        }]
    });
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc).map_err(io::Error::other)?;
    writeln!(w)?;
    w.flush()
}
