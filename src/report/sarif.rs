//! SARIF 2.1.0 for code scanning: one result per finding (drifted field, missing or
//! unmanaged securable, policy rule violation), level from severity (critical → error,
//! warning → warning, info → note), located at the declaring YAML file and line when there
//! is one (for a violation, the line that writes the rule), and always with a logical
//! location naming the securable.
//!
//! Rule ids: the built-in drift rules (`missing`, `unmanaged`, `owner`, `tags`, `grants`,
//! ...) keep their names; a policy rule of the convention files is `policy/<id>` (a policy
//! id never holds a `/`, so no policy rule can take a built-in id). Every policy rule the
//! report evaluated is in `tool.driver.rules`, with its message, help text (its check and
//! where it is written) and its severity as `defaultConfiguration.level`. A rule that could
//! not check some securables (a collection issue) says so in a `rule-unknown` notification
//! (counted in the run's `properties.ruleUnknown`), never as results.
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
use crate::rules::RuleUnknown;

use super::{
    EXAMPLES, Finding, RenderOptions, RuleKey, SEVERITIES, checked_nothing, findings, of_rule,
    policy_rule_ids, rule_place, rule_unknown_what, thousands,
};

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

/// `tool.driver.rules` entry of one policy rule: `policy/<id>`, its message, what its check
/// is and where it is written, its severity as the default level.
fn policy_descriptor(id: &str, report: &DriftReport, opts: &RenderOptions) -> J {
    let rule = report.rule(id);
    let key = RuleKey::Policy(id).to_string();
    let Some(r) = rule else {
        return json!({
            "id": key,
            "name": id,
            "shortDescription": { "text": format!("Policy rule {id}") },
        });
    };
    let place = rule_place(rule).map(|p| match &opts.source_root {
        Some(root) if !root.is_empty() && root != "." => {
            format!("{}/{}", root.trim_end_matches('/'), p)
        }
        _ => p,
    });
    let check = check_text(r.check);
    let mut help = format!(
        "Policy rule `{id}` ({} check, severity {}): {}. It applies to every securable of the snapshot in its scope, declared or not; {check}.",
        r.check, r.severity, r.message
    );
    if let Some(p) = &place {
        help.push_str(&format!(" Declared at {p}."));
    }
    help.push_str(" Each result names the securable, the field, what the rule expects and what the snapshot holds.");
    json!({
        "id": key,
        "name": id,
        "shortDescription": { "text": r.message },
        "fullDescription": { "text": help },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "check": r.check,
            "severity": r.severity.as_str(),
            "tags": ["policy", r.check],
        },
    })
}

/// What a policy check kind looks at, for a rule's help text.
fn check_text(check: &str) -> &'static str {
    match check {
        "required_tag" => "the check requires a tag (on the securable or on its columns)",
        "naming" => "the check requires the securable's own name to match a pattern",
        "owner" => "the check constrains the owner (a pattern, a list, or not a person)",
        "forbidden_grant" => "the check forbids privileges granted to some principals",
        "protection" => {
            "the check requires masks on sensitive columns or a row filter on their tables"
        }
        _ => "see the rule's file",
    }
}

/// The notification of one policy rule that could not check some securables.
fn rule_unknown_note(id: &str, key: &str, unknown: &[RuleUnknown]) -> J {
    let nothing = unknown.iter().any(checked_nothing);
    let examples: Vec<String> = unknown
        .iter()
        .take(EXAMPLES)
        .map(|u| format!("{}: {}", rule_unknown_what(u), u.reason))
        .collect();
    let mut text = format!(
        "Policy rule {id} could not check {} securable(s){}: {}",
        thousands(unknown.len()),
        if nothing {
            " (nothing at all was checked)"
        } else {
            ""
        },
        examples.join("; ")
    );
    if unknown.len() > EXAMPLES {
        text.push_str(&format!(
            "; and {} more (`--format json` lists them in rule_unknown)",
            thousands(unknown.len() - EXAMPLES)
        ));
    }
    text.push_str(". They are neither violations nor compliant.");
    json!({
        "descriptor": { "id": "rule-unknown" },
        "associatedRule": { "id": key },
        "level": "warning",
        "message": { "text": text },
        "properties": { "count": unknown.len() },
    })
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
fn result(f: Finding<'_>, report: &DriftReport, opts: &RenderOptions) -> J {
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
                "ruleId": f.rule().to_string(),
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
        Finding::Violation(v) => {
            let rule = report.rule(&v.rule_id);
            let mut text = format!(
                "{} {}{} breaks policy rule {}",
                v.kind,
                v.full_name,
                if v.declared { "" } else { " (not declared)" },
                v.rule_id
            );
            if let Some(r) = rule.filter(|r| !r.message.is_empty()) {
                text.push_str(&format!(" ({})", r.message));
            }
            text.push_str(&format!(
                ": {}: expected {}, actual {}",
                v.field, v.expected, v.actual
            ));
            json!({
                "ruleId": f.rule().to_string(),
                "level": level(v.severity),
                "message": { "text": text },
                "locations": [location(
                    v.kind,
                    &v.full_name,
                    rule.and_then(|r| r.origin.as_ref()),
                    opts,
                )],
                "partialFingerprints": {
                    "brickkitPolicy/v1": format!("{}:{}:{}#{}", v.rule_id, v.kind, v.full_name, v.field)
                },
                "properties": {
                    "severity": v.severity.as_str(),
                    "policyRule": v.rule_id,
                    "field": v.field,
                    "declared": v.declared,
                },
            })
        }
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
struct Chosen<'a> {
    /// `        {…}` per result, joined by `,\n`.
    text: Vec<u8>,
    results: usize,
    rules: BTreeMap<RuleKey<'a>, RuleCount>,
    omitted: usize,
    total: usize,
    /// True when the byte budget, not the count, stopped the results.
    by_bytes: bool,
}

/// Pick results most severe first up to the caps, printing each one as it is taken.
fn choose<'a>(report: &'a DriftReport, opts: &RenderOptions) -> io::Result<Chosen<'a>> {
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
                serde_json::to_writer_pretty(&mut one, &result(f, report, opts))
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
    let mut rules: Vec<J> = chosen
        .rules
        .keys()
        .filter_map(|key| match key {
            RuleKey::Builtin(id) => Some(json!({
                "id": id,
                "shortDescription": { "text": rule_text(id) },
            })),
            RuleKey::Policy(_) => None,
        })
        .collect();
    let policy_ids = policy_rule_ids(report);
    rules.extend(
        policy_ids
            .iter()
            .map(|id| policy_descriptor(id, report, opts)),
    );
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
    let mut notes: Vec<J> = Vec::new();
    if chosen.omitted > 0 {
        let by_rule: serde_json::Map<String, J> = chosen
            .rules
            .iter()
            .filter(|(_, r)| !r.omitted.is_empty())
            .map(|(id, r)| {
                (
                    id.to_string(),
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
        notes.push(json!({
            "descriptor": { "id": "results-capped" },
            "level": "warning",
            "message": { "text": text },
        }));
    }
    if !report.rule_unknown.is_empty() {
        let mut counts = serde_json::Map::new();
        for id in &policy_ids {
            let unknown = of_rule(&report.rule_unknown, id, |u| &u.rule_id);
            if unknown.is_empty() {
                continue;
            }
            let key = RuleKey::Policy(id).to_string();
            counts.insert(key.clone(), json!(unknown.len()));
            notes.push(rule_unknown_note(id, &key, unknown));
        }
        properties["ruleUnknown"] = J::Object(counts);
    }
    if !notes.is_empty() {
        run["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notes,
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
