//! SARIF 2.1.0 for code scanning: one result per finding (drifted field, missing or
//! unmanaged securable), level from severity (critical → error, warning → warning,
//! info → note), located at the declaring YAML file and line when there is one, and
//! always with a logical location naming the securable.
//!
//! Sized for GitHub code scanning's upload limits by design: results come most severe
//! first (critical, warning, info; within a severity in the report's order) and a run
//! carries at most `RenderOptions::sarif_max_results` of them and at most
//! [`RESULT_BYTES`] of result text (so the file stays far below 10 MB gzipped whatever
//! the names hold). Findings left out are counted per rule and severity in the run's
//! `properties.omitted` and said in a `toolExecutionNotifications` entry of the run's
//! invocation, pointing at `--format json` for the full list; a run that leaves nothing
//! out carries neither.
//!
//! Streams: the results are chosen and serialised one by one (at most the cap is held, as
//! text); the rest of the document is small.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value as J, json};

use crate::drift::DriftReport;
use crate::model::Origin;
use crate::model::{SecurableKind, Severity};

use super::{Finding, RenderOptions, SEVERITIES, findings, thousands};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Most bytes of (pretty-printed) results a run carries: with the rest of the document
/// well under 1 MB, even incompressible text stays under GitHub's 10 MB gzipped limit.
pub const RESULT_BYTES: usize = 8 << 20;

/// Where the results go in the skeleton document before it is printed.
const RESULTS_MARK: &str = "brickkit:results";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
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

/// The SARIF result of one finding.
fn result(f: Finding<'_>, opts: &RenderOptions) -> J {
    match f {
        Finding::Drifted(d) => {
            let mut text = format!(
                "{} {}: {}: expected {}, actual {}",
                d.kind, d.full_name, d.field, d.expected, d.actual
            );
            if let Some(n) = &d.note {
                text.push_str(&format!(" ({n})"));
            }
            json!({
                "ruleId": f.rule(),
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
            })
        }
        Finding::Missing(m) => json!({
            "ruleId": "missing",
            "level": level(m.severity),
            "message": { "text": format!("{} {} is declared but does not exist", m.kind, m.full_name) },
            "locations": [location(m.kind, &m.full_name, m.origin.as_ref(), opts)],
            "partialFingerprints": {
                "brickkitDrift/v1": format!("{}:{}#exists", m.kind, m.full_name)
            },
            "properties": { "severity": m.severity.as_str(), "action": "add" },
        }),
        Finding::Unmanaged(u) => json!({
            "ruleId": "unmanaged",
            "level": level(u.severity),
            "message": { "text": format!("{} {} exists but is not declared", u.kind, u.full_name) },
            "locations": [location(u.kind, &u.full_name, None, opts)],
            "partialFingerprints": {
                "brickkitDrift/v1": format!("{}:{}#unmanaged", u.kind, u.full_name)
            },
            "properties": { "severity": u.severity.as_str(), "action": "remove" },
        }),
    }
}

/// Findings of one rule: all of them and those left out, per severity.
#[derive(Default)]
struct RuleCount {
    total: BTreeMap<Severity, usize>,
    omitted: BTreeMap<Severity, usize>,
}

/// The results chosen, already printed at their indentation, and what was left out.
struct Chosen {
    /// `        {…}` per result, joined by `,\n`.
    text: Vec<u8>,
    results: usize,
    rules: BTreeMap<&'static str, RuleCount>,
    omitted: usize,
    total: usize,
    /// True when the byte budget, not the count, stopped the results.
    by_bytes: bool,
}

/// Pick results most severe first up to the caps, printing each one as it is taken.
fn choose(report: &DriftReport, opts: &RenderOptions) -> io::Result<Chosen> {
    let mut c = Chosen {
        text: Vec::new(),
        results: 0,
        rules: BTreeMap::new(),
        omitted: 0,
        total: 0,
        by_bytes: false,
    };
    let mut one = Vec::new();
    let mut full = false;
    for sev in SEVERITIES {
        for f in findings(report).filter(|f| f.severity() == sev) {
            c.total += 1;
            let rule = c.rules.entry(f.rule()).or_default();
            *rule.total.entry(sev).or_default() += 1;
            if !full && c.results >= opts.sarif_max_results {
                full = true;
            }
            if !full {
                one.clear();
                serde_json::to_writer_pretty(&mut one, &result(f, opts))
                    .map_err(io::Error::other)?;
                let indented = indent(&one, 8);
                // `,\n` before every result but the first.
                let extra = indented.len() + if c.results > 0 { 2 } else { 0 };
                if c.text.len() + extra > RESULT_BYTES {
                    full = true;
                    c.by_bytes = true;
                } else {
                    if c.results > 0 {
                        c.text.extend_from_slice(b",\n");
                    }
                    c.text.extend_from_slice(&indented);
                    c.results += 1;
                    continue;
                }
            }
            c.omitted += 1;
            *rule.omitted.entry(sev).or_default() += 1;
        }
    }
    Ok(c)
}

/// `text` (a pretty-printed JSON value) with every line indented by `n` spaces. JSON
/// strings never hold a raw newline, so every newline is a line break of the layout.
fn indent(text: &[u8], n: usize) -> Vec<u8> {
    let pad = vec![b' '; n];
    let mut out = Vec::with_capacity(text.len() + text.len() / 8 + n);
    out.extend_from_slice(&pad);
    for &b in text {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(&pad);
        }
    }
    out
}

fn severity_counts(m: &BTreeMap<Severity, usize>) -> J {
    let mut o = serde_json::Map::new();
    for sev in SEVERITIES {
        if let Some(n) = m.get(&sev) {
            o.insert(sev.as_str().into(), json!(n));
        }
    }
    J::Object(o)
}

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let chosen = choose(report, opts)?;
    let rules: Vec<J> = chosen
        .rules
        .keys()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": rule_text(id) },
            })
        })
        .collect();
    let mut properties = json!({
        "environment": report.environment,
        "snapshotId": report.snapshot.id,
        "timestamp": report.timestamp.to_rfc3339(),
    });
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "brickkit",
                "version": opts.tool_version,
                "rules": rules,
            }
        },
        "automationDetails": { "id": format!("brickkit/drift/{}/", report.environment) },
        "results": RESULTS_MARK,
    });
    if chosen.omitted > 0 {
        let by_rule: serde_json::Map<String, J> = chosen
            .rules
            .iter()
            .filter(|(_, r)| !r.omitted.is_empty())
            .map(|(id, r)| {
                (
                    (*id).to_string(),
                    json!({ "total": severity_counts(&r.total), "omitted": severity_counts(&r.omitted) }),
                )
            })
            .collect();
        properties["omitted"] = json!({
            "findings": chosen.total,
            "results": chosen.results,
            "omitted": chosen.omitted,
            "byRule": by_rule,
        });
        let why = if chosen.by_bytes {
            format!("{} bytes of results", thousands(RESULT_BYTES))
        } else {
            format!("{} results", thousands(opts.sarif_max_results))
        };
        let per_rule: Vec<String> = chosen
            .rules
            .iter()
            .filter(|(_, r)| !r.omitted.is_empty())
            .map(|(id, r)| {
                let parts: Vec<String> = SEVERITIES
                    .iter()
                    .filter_map(|s| r.omitted.get(s).map(|n| format!("{} {s}", thousands(*n))))
                    .collect();
                format!("{id} {}", parts.join(" + "))
            })
            .collect();
        let text = format!(
            "{} of {} findings are not listed as results: this run keeps the {} most severe ({} at most, for GitHub code scanning's upload limits). Left out: {}. `brickkit drift detect --format json` lists every finding.",
            thousands(chosen.omitted),
            thousands(chosen.total),
            thousands(chosen.results),
            why,
            per_rule.join(", ")
        );
        run["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [{
                "descriptor": { "id": "results-capped" },
                "level": "warning",
                "message": { "text": text },
            }],
        }]);
    }
    run["properties"] = properties;
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let skeleton = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
    let mark = format!("\"results\": \"{RESULTS_MARK}\"");
    let (before, after) = skeleton
        .split_once(&mark)
        .ok_or_else(|| io::Error::other("SARIF skeleton lost its results mark"))?;
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    w.write_all(before.as_bytes())?;
    if chosen.results == 0 {
        w.write_all(b"\"results\": []")?;
    } else {
        w.write_all(b"\"results\": [\n")?;
        w.write_all(&chosen.text)?;
        w.write_all(b"\n      ]")?;
    }
    w.write_all(after.as_bytes())?;
    writeln!(w)?;
    w.flush()
}
