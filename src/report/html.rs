//! The HTML report, for people in a browser: one self-contained page (inline CSS and a few
//! lines of inline JS, nothing fetched: no CDN, fonts or images). A header, the findings
//! per severity, the rules and the schemas with the most findings (top [`TOP`] with
//! counts), a filter box that hides the rows and groups that do not match, then the same
//! sections as the markdown report: drifted fields per severity, missing, unmanaged,
//! violations by policy rule, unknown, rule unknown, compliant (folded), the summary line.
//!
//! A category — or one rule's violations or unknowns — of more than `COLLAPSE_OVER`
//! entries becomes a list of groups with counts and a few examples (`group::walk`, as text
//! and markdown), unless `--verbose`, so a million unmanaged tables make a page of a few
//! kilobytes. Every name, value and message is escaped (`<`, `&`, quotes, backticks).
//! Never reads the clock or the environment; byte-for-byte deterministic.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use crate::drift::{Drift, DriftReport, RuleRef};
use crate::model::{SecurableKind, Severity};

use super::group::{Group, Style, walk};
use super::text::{unknown_line, violation_group_line};
use super::{
    Finding, RenderOptions, RuleKey, SEVERITIES, drift_rule, field_shape, findings, human_time,
    per_rule, rule_place, rule_unknown_what, summary_line, thousands,
};

/// Rows of the "most findings" rankings (rules, schemas).
pub const TOP: usize = 10;

/// The page's style: readable from 320 px up (wide tables scroll inside their box, long
/// names wrap), no web fonts.
pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:1em auto;padding:0 1em;max-width:72em;color:#222;line-height:1.4}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}h3{font-size:1.05em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px;vertical-align:top;overflow-wrap:anywhere}\
th{background:#f4f4f4}td.n,th.n{text-align:right}.scroll{overflow-x:auto;max-width:100%}\
code{font-size:12px;overflow-wrap:anywhere;word-break:break-word}\
.critical{color:#c0392b;font-weight:bold}.warning{color:#b9770e;font-weight:bold}.info{color:#2874a6}\
.hint,.muted{color:#666;font-size:13px}#filter{width:100%;max-width:30em;box-sizing:border-box;padding:6px;font-size:15px}\
svg{max-width:100%;height:auto}ul{padding-left:1.2em}li{overflow-wrap:anywhere}\n";

/// The filter box's script: hides every `.f` element (a row, a group) whose text does not
/// contain the query, case-insensitively, and says how many are shown.
pub(crate) const FILTER_JS: &str = "(function(){var i=document.getElementById('filter'),n=document.getElementById('shown'),r=document.querySelectorAll('.f');\
function go(){var q=i.value.toLowerCase(),k=0;for(var j=0;j<r.length;j++){var h=q!==''&&r[j].textContent.toLowerCase().indexOf(q)<0;r[j].hidden=h;if(!h)k++;}\
n.textContent=k+' of '+r.length+' rows and groups shown';}i.addEventListener('input',go);go();})();\n";

/// Escape text for element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '`' => o.push_str("&#96;"),
            _ => o.push(c),
        }
    }
    o
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn sev(s: Severity) -> String {
    format!("<span class=\"{0}\">{0}</span>", s.as_str())
}

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_report(report, opts, &mut w)?;
    w.flush()
}

/// HTML's collapsed lines: a list of groups (each filterable), then the hint.
#[derive(Default)]
struct Items {
    open: Cell<bool>,
}

impl Style for Items {
    fn group(&self, out: &mut dyn Write, line: &str) -> io::Result<()> {
        if !self.open.replace(true) {
            writeln!(out, "<ul>")?;
        }
        writeln!(out, "<li class=\"f\">{line}</li>")
    }
    fn hint(&self, out: &mut dyn Write, hint: &str) -> io::Result<()> {
        if self.open.replace(false) {
            writeln!(out, "</ul>")?;
        }
        writeln!(out, "<p class=\"hint\">{}</p>", esc(hint))
    }
}

fn securables_item(kind: Option<SecurableKind>, g: &Group<'_>) -> String {
    format!(
        "{}{}",
        esc(&g.securables_phrase(kind)),
        g.examples_phrase(code)
    )
}

/// Open a table with a header row once, the first time a row is written.
fn header(out: &mut dyn Write, open: &mut bool, cols: &[&str]) -> io::Result<()> {
    if !*open {
        write!(out, "<div class=\"scroll\"><table><tr>")?;
        for c in cols {
            write!(out, "<th>{c}</th>")?;
        }
        writeln!(out, "</tr>")?;
        *open = true;
    }
    Ok(())
}

fn close(out: &mut dyn Write, open: bool) -> io::Result<()> {
    if open {
        writeln!(out, "</table></div>")?;
    }
    Ok(())
}

/// The catalog or schema a finding counts under in the ranking: `c.s` for a table, volume
/// or function `c.s.x`, the name itself for a schema or a catalog; none for metastore-level
/// securables (credentials, locations, connections).
fn schema_of(kind: SecurableKind, name: &str) -> Option<&str> {
    match kind {
        SecurableKind::Catalog | SecurableKind::Schema => Some(name),
        k if k.in_catalog() => match name.match_indices('.').nth(1) {
            Some((i, _)) => Some(&name[..i]),
            None => Some(name),
        },
        _ => None,
    }
}

fn finding_place(f: Finding<'_>) -> (SecurableKind, &str) {
    match f {
        Finding::Drifted(d) => (d.kind, &d.full_name),
        Finding::Missing(m) => (m.kind, &m.full_name),
        Finding::Unmanaged(u) => (u.kind, &u.full_name),
        Finding::Violation(v) => (v.kind, &v.full_name),
    }
}

/// `(key, count, worst)` sorted by count (most first), then key.
fn ranked<K: Ord + Clone>(
    counts: impl Iterator<Item = (K, (usize, Severity))>,
) -> Vec<(K, usize, Severity)> {
    let mut v: Vec<(K, usize, Severity)> = counts.map(|(k, (n, s))| (k, n, s)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The rankings: findings per rule and per catalog/schema, top [`TOP`] each.
fn write_rankings(report: &DriftReport, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: BTreeMap<RuleKey<'_>, (usize, Severity)> = BTreeMap::new();
    let mut schemas: HashMap<&str, (usize, Severity)> = HashMap::new();
    let mut total = 0usize;
    for f in findings(report) {
        total += 1;
        let s = f.severity();
        let e = rules.entry(f.rule()).or_insert((0, s));
        e.0 += 1;
        e.1 = e.1.max(s);
        let (kind, name) = finding_place(f);
        if let Some(schema) = schema_of(kind, name) {
            let e = schemas.entry(schema).or_insert((0, s));
            e.0 += 1;
            e.1 = e.1.max(s);
        }
    }
    if total == 0 {
        return Ok(());
    }
    let rules = ranked(rules.into_iter());
    let schemas = ranked(schemas.into_iter());
    writeln!(out, "<h2>Most findings</h2>")?;
    for (title, what, rows) in [
        (
            "By rule",
            "rule",
            rules
                .iter()
                .map(|(k, n, s)| (k.to_string(), *n, *s))
                .collect::<Vec<_>>(),
        ),
        (
            "By catalog or schema",
            "catalog or schema",
            schemas
                .iter()
                .map(|(k, n, s)| (k.to_string(), *n, *s))
                .collect::<Vec<_>>(),
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "<h3>{title} ({})</h3>", thousands(rows.len()))?;
        writeln!(
            out,
            "<div class=\"scroll\"><table><tr><th>{what}</th><th>worst</th><th class=\"n\">findings</th></tr>"
        )?;
        for (k, n, s) in rows.iter().take(TOP) {
            writeln!(
                out,
                "<tr class=\"f\"><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                code(k),
                sev(*s),
                thousands(*n)
            )?;
        }
        writeln!(out, "</table></div>")?;
        if rows.len() > TOP {
            let rest: usize = rows.iter().skip(TOP).map(|r| r.1).sum();
            writeln!(
                out,
                "<p class=\"hint\">and {} more with {} finding(s)</p>",
                thousands(rows.len() - TOP),
                thousands(rest)
            )?;
        }
    }
    Ok(())
}

fn write_report(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(
        out,
        "<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>brickkit drift report: {}</title>",
        esc(&report.environment)
    )?;
    writeln!(out, "<style>{CSS}</style></head><body>")?;
    writeln!(
        out,
        "<h1>brickkit drift report: {}</h1>",
        code(&report.environment)
    )?;
    writeln!(
        out,
        "<p>Report time {} UTC, snapshot {} taken {} UTC.</p>",
        human_time(report.timestamp),
        code(if report.snapshot.id.is_empty() {
            "-"
        } else {
            &report.snapshot.id
        }),
        human_time(report.snapshot.taken_at)
    )?;
    writeln!(
        out,
        "<table><tr><th>severity</th><th class=\"n\">findings</th></tr>"
    )?;
    for sv in SEVERITIES {
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            sev(sv),
            thousands(s.at(sv))
        )?;
    }
    writeln!(out, "</table>")?;
    writeln!(out, "<p class=\"muted\">{}</p>", esc(&summary_line(report)))?;
    write_rankings(report, out)?;
    writeln!(
        out,
        "<p><label for=\"filter\">Filter</label><br><input id=\"filter\" type=\"search\" placeholder=\"name, field, rule…\" autocomplete=\"off\"> <span id=\"shown\" class=\"muted\"></span></p>"
    )?;
    for sv in SEVERITIES {
        let items = report.drifted.iter().filter(move |d| d.severity == sv);
        let count = items.clone().count();
        if count == 0 {
            continue;
        }
        writeln!(
            out,
            "<h2 class=\"{}\">{} ({})</h2>",
            sv.as_str(),
            sv.as_str().to_ascii_uppercase(),
            thousands(count)
        )?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            items,
            |d| ((drift_rule(&d.field), d.kind), d.full_name.as_str()),
            |(rule, kind), g| {
                format!(
                    "{}: {} drifted field(s) on {}{}",
                    code(rule),
                    thousands(g.count),
                    esc(&g.securables_phrase(Some(*kind))),
                    g.examples_phrase(code)
                )
            },
            |out, d| {
                header(
                    out,
                    &mut open,
                    &["resource", "type", "field", "expected", "actual", "action"],
                )?;
                drift_row(out, d)
            },
        )?;
        close(out, open)?;
    }
    if !report.missing.is_empty() {
        writeln!(
            out,
            "<h2>MISSING ({})</h2>",
            thousands(report.missing.len())
        )?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            report.missing.iter(),
            |m| (m.kind, m.full_name.as_str()),
            |k, g| securables_item(Some(*k), g),
            |out, m| {
                header(out, &mut open, &["resource", "type", "declared at"])?;
                let at = m
                    .origin
                    .as_ref()
                    .map(|o| code(&format!("{}:{}", o.file.display(), o.line)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "<tr class=\"f\"><td>{}</td><td>{}</td><td>{at}</td></tr>",
                    code(&m.full_name),
                    m.kind
                )
            },
        )?;
        close(out, open)?;
    }
    if !report.unmanaged.is_empty() {
        writeln!(
            out,
            "<h2>UNMANAGED ({})</h2>",
            thousands(report.unmanaged.len())
        )?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            report.unmanaged.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |k, g| securables_item(Some(*k), g),
            |out, u| {
                header(out, &mut open, &["resource", "type", "severity"])?;
                writeln!(
                    out,
                    "<tr class=\"f\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                    code(&u.full_name),
                    u.kind,
                    sev(u.severity)
                )
            },
        )?;
        close(out, open)?;
    }
    write_violations(report, opts, out)?;
    if !report.unknown.is_empty() {
        writeln!(
            out,
            "<h2>UNKNOWN ({})</h2>",
            thousands(report.unknown.len())
        )?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            report.unknown.iter(),
            |u| ((u.kind, u.attribute.as_deref()), u.full_name.as_str()),
            |(kind, attr), g| {
                let what = attr.map_or(String::new(), |a| format!("{} unknown on ", code(a)));
                format!("{what}{}", securables_item(*kind, g))
            },
            |out, u| {
                if !open {
                    writeln!(out, "<ul>")?;
                    open = true;
                }
                writeln!(out, "<li class=\"f\">{}</li>", esc(&unknown_line(u)))
            },
        )?;
        if open {
            writeln!(out, "</ul>")?;
        }
    }
    write_rule_unknown(report, opts, out)?;
    writeln!(
        out,
        "<details><summary><h2 style=\"display:inline\">COMPLIANT ({})</h2></summary>",
        thousands(report.compliant.len())
    )?;
    let mut open = false;
    walk(
        out,
        opts,
        &Items::default(),
        report.compliant.iter(),
        |c| (c.kind, c.full_name.as_str()),
        |k, g| securables_item(Some(*k), g),
        |out, c| {
            if !open {
                writeln!(out, "<ul>")?;
                open = true;
            }
            writeln!(
                out,
                "<li class=\"f\">{} {}</li>",
                c.kind,
                code(&c.full_name)
            )
        },
    )?;
    if open {
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</details>")?;
    writeln!(out, "<p>{}</p>", esc(&summary_line(report)))?;
    writeln!(out, "<script>{FILTER_JS}</script>")?;
    writeln!(out, "</body></html>")?;
    Ok(())
}

/// A policy rule's heading: id, severity, `declared at file:line`, how many, its message.
fn rule_heading(
    out: &mut dyn Write,
    id: &str,
    rule: Option<&RuleRef>,
    what: &str,
) -> io::Result<()> {
    let mut paren: Vec<String> = Vec::new();
    if let Some(r) = rule {
        paren.push(sev(r.severity));
    }
    if let Some(place) = rule_place(rule) {
        paren.push(format!("declared at {}", code(&place)));
    }
    paren.push(esc(what));
    writeln!(out, "<h3>{} ({})</h3>", code(id), paren.join(", "))?;
    if let Some(r) = rule.filter(|r| !r.message.is_empty()) {
        writeln!(out, "<p>{}</p>", esc(&r.message))?;
    }
    Ok(())
}

/// VIOLATIONS: a heading per policy rule, then a table of its violations (or groups).
fn write_violations(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.violations.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<h2>VIOLATIONS ({})</h2>",
        thousands(report.violations.len())
    )?;
    for (rule_id, rule, chunk) in per_rule(report, &report.violations, |v| &v.rule_id) {
        let what = format!("{} violation(s)", thousands(chunk.len()));
        rule_heading(out, rule_id, rule, &what)?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            chunk.iter(),
            |v| ((field_shape(&v.field), v.kind), v.full_name.as_str()),
            |(field, kind), g| {
                // The phrase's parts are escaped by `code`; the numbers and nouns need none.
                violation_group_line(field, *kind, g, code)
            },
            |out, v| {
                header(
                    out,
                    &mut open,
                    &["resource", "type", "field", "expected", "actual"],
                )?;
                writeln!(
                    out,
                    "<tr class=\"f\"><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    code(&v.full_name),
                    if v.declared { "" } else { " (not declared)" },
                    v.kind,
                    code(&v.field),
                    esc(&v.expected),
                    esc(&v.actual)
                )
            },
        )?;
        close(out, open)?;
    }
    Ok(())
}

/// RULE UNKNOWN: a heading per policy rule, then what it could not check and why.
fn write_rule_unknown(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.rule_unknown.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<h2>RULE UNKNOWN ({})</h2>",
        thousands(report.rule_unknown.len())
    )?;
    for (rule_id, rule, chunk) in per_rule(report, &report.rule_unknown, |u| &u.rule_id) {
        let what = format!("{} not checked", thousands(chunk.len()));
        rule_heading(out, rule_id, rule, &what)?;
        let mut open = false;
        walk(
            out,
            opts,
            &Items::default(),
            chunk.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |kind, g| securables_item(*kind, g),
            |out, u| {
                if !open {
                    writeln!(out, "<ul>")?;
                    open = true;
                }
                writeln!(
                    out,
                    "<li class=\"f\">{}: {}</li>",
                    code(&rule_unknown_what(u)),
                    esc(&u.reason)
                )
            },
        )?;
        if open {
            writeln!(out, "</ul>")?;
        }
    }
    Ok(())
}

fn drift_row(out: &mut dyn Write, d: &Drift) -> io::Result<()> {
    let action = if d.additive {
        format!("{} (additive)", d.action)
    } else {
        d.action.to_string()
    };
    let note = d
        .note
        .as_ref()
        .map(|n| format!("<br><span class=\"muted\">{}</span>", esc(n)))
        .unwrap_or_default();
    writeln!(
        out,
        "<tr class=\"f\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{note}</td><td>{}</td></tr>",
        code(&d.full_name),
        d.kind,
        code(&d.field),
        esc(&d.expected.to_string()),
        esc(&d.actual.to_string()),
        esc(&action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_backticks() {
        assert_eq!(
            esc("<b a=\"x\" b='y'>`&`"),
            "&lt;b a=&quot;x&quot; b=&#39;y&#39;&gt;&#96;&amp;&#96;"
        );
    }

    #[test]
    fn schema_of_a_finding() {
        assert_eq!(schema_of(SecurableKind::Table, "c.s.t.x"), Some("c.s"));
        assert_eq!(schema_of(SecurableKind::Schema, "c.s"), Some("c.s"));
        assert_eq!(schema_of(SecurableKind::Catalog, "c"), Some("c"));
        assert_eq!(schema_of(SecurableKind::Connection, "x"), None);
    }
}
