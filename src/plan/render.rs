//! Printing a plan: text for a terminal (`+` create, `~` change, `-` revoke/unset, before →
//! after per attribute, the requests, what is not planned and why, one summary line),
//! JSON for bots (`docs/formats/plan-json.md`) and markdown for a pull-request comment.
//!
//! Pure functions writing to `&mut dyn io::Write`; the same plan always prints the same
//! bytes (a plan read back from its file prints exactly as when it was made).

use std::io::{self, Write};

use super::doc::{PlanDoc, grant_mode_str};
use super::{LeftForPerson, NotPlanned, Operation, Plan, Request};

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Render `plan` in `format`.
pub fn render(plan: &Plan, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(plan, out),
        Format::Json => json(plan, out),
        Format::Markdown => markdown(plan, out),
    }
}

/// `Plan: 3 to create, 12 to change, 4 to revoke; 2 unknown not planned`, then — only when
/// there are — `; 2 carrying rule fixes; 5 rule violations left for a person`.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    let mut line = format!(
        "Plan: {} to create, {} to change, {} to revoke; {} unknown not planned",
        s.create, s.change, s.revoke, s.unknown
    );
    if s.from_rules > 0 {
        line.push_str(&format!("; {} carrying rule fixes", s.from_rules));
    }
    if s.left_for_person > 0 {
        line.push_str(&format!(
            "; {} rule violation{} left for a person",
            s.left_for_person,
            if s.left_for_person == 1 { "" } else { "s" }
        ));
    }
    line
}

/// ` (rule a)` / ` (rules a, b)`; empty for the tree's own change.
fn rules_note(rules: &[String]) -> String {
    match rules {
        [] => String::new(),
        [one] => format!(" (rule {one})"),
        many => format!(" (rules {})", many.join(", ")),
    }
}

fn left_target(l: &LeftForPerson) -> String {
    format!("{} {} {}", l.kind, l.full_name, l.field)
}

fn securable(op: &Operation) -> String {
    match &op.column {
        Some(c) => format!("{} {} (column {c})", op.kind, op.full_name),
        None => format!("{} {}", op.kind, op.full_name),
    }
}

fn request_line(r: &Request) -> String {
    match r {
        Request::Rest { method, path, body } => {
            format!("{} {path} {body}", method.as_str())
        }
        Request::Sql { statement } => format!("SQL {statement}"),
    }
}

fn not_planned_target(n: &NotPlanned) -> String {
    let kind = n.kind.map_or("metastore", |k| k.as_str());
    let name = if n.full_name.is_empty() {
        "(metastore)"
    } else {
        n.full_name.as_str()
    };
    match &n.attribute {
        Some(a) => format!("{kind} {name} {a}"),
        None => format!("{kind} {name}"),
    }
}

fn header(plan: &Plan) -> Vec<String> {
    let s = &plan.snapshot;
    vec![
        format!(
            "Snapshot: {} (taken {}), host {}, metastore {}",
            s.id,
            s.taken_at,
            s.host.as_deref().unwrap_or("-"),
            s.metastore_id.as_deref().unwrap_or("-")
        ),
        format!(
            "Grant mode: {}; declared state {}",
            grant_mode_str(plan.grant_mode),
            if plan.declared_digest.is_empty() {
                "-"
            } else {
                plan.declared_digest.as_str()
            }
        ),
    ]
}

/// The terminal format.
pub fn text(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "PLAN - Project: {} - Environment: {}",
        plan.project, plan.environment
    )?;
    for l in header(plan) {
        writeln!(out, "{l}")?;
    }
    writeln!(out)?;
    if plan.operations.is_empty() {
        writeln!(out, "No changes: the workspace matches the declarations.")?;
        writeln!(out)?;
    }
    for op in &plan.operations {
        writeln!(
            out,
            "{} {} [{}]",
            op.effect().symbol(),
            securable(op),
            op.op
        )?;
        for c in &op.changes {
            writeln!(
                out,
                "    {}: {} → {}{}",
                c.attribute,
                c.precondition,
                c.target,
                rules_note(&c.from_rules)
            )?;
        }
        for r in &op.requests {
            writeln!(out, "    > {}", request_line(r))?;
        }
        if !op.depends_on.is_empty() {
            writeln!(out, "    after {}", op.depends_on.join(", "))?;
        }
    }
    if !plan.operations.is_empty() {
        writeln!(out)?;
    }
    if !plan.not_planned.is_empty() {
        writeln!(out, "NOT PLANNED ({}):", plan.not_planned.len())?;
        for n in &plan.not_planned {
            writeln!(
                out,
                "  {}: {}: {}",
                not_planned_target(n),
                n.cause.as_str(),
                n.reason
            )?;
        }
        writeln!(out)?;
    }
    if !plan.left_for_person.is_empty() {
        writeln!(
            out,
            "LEFT FOR A PERSON ({}): rule violations no operation fixes",
            plan.left_for_person.len()
        )?;
        for l in &plan.left_for_person {
            writeln!(
                out,
                "  {}: rule {}: {}: {}",
                left_target(l),
                l.rule_id,
                l.cause.as_str(),
                l.reason
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(plan))
}

/// The JSON format (`docs/formats/plan-json.md`).
pub fn json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let doc = PlanDoc::from_plan(plan, true);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// A markdown table cell: pipes escaped, line breaks as `<br>`.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\r', "")
        .replace('\n', "<br>")
}

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = s.replace('|', "\\|").replace('\r', "").replace('\n', " ");
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// The markdown format, for a pull-request comment.
pub fn markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### brickkit plan: `{}` / `{}`",
        cell(&plan.project),
        cell(&plan.environment)
    )?;
    writeln!(out)?;
    for l in header(plan) {
        writeln!(out, "{}  ", cell(&l))?;
    }
    writeln!(out)?;
    writeln!(out, "**{}**", summary_line(plan))?;
    writeln!(out)?;
    if !plan.operations.is_empty() {
        writeln!(out, "| | Securable | Operation | Change (before → after) |")?;
        writeln!(out, "|---|---|---|---|")?;
        for op in &plan.operations {
            let changes: Vec<String> = op
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}{}",
                        code(&c.attribute),
                        code(&c.precondition.to_string()),
                        code(&c.target.to_string()),
                        cell(&rules_note(&c.from_rules))
                    )
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                op.effect().symbol(),
                code(&securable(op)),
                op.op,
                changes.join("<br>")
            )?;
        }
        writeln!(out)?;
        writeln!(out, "<details><summary>Requests</summary>")?;
        writeln!(out)?;
        writeln!(out, "```text")?;
        for op in &plan.operations {
            for r in &op.requests {
                // A fence cannot be closed from inside: no line of a request starts a fence.
                let line = request_line(r).replace("```", "` ` `");
                writeln!(out, "{}", line)?;
            }
        }
        writeln!(out, "```")?;
        writeln!(out)?;
        writeln!(out, "</details>")?;
        writeln!(out)?;
    }
    if !plan.not_planned.is_empty() {
        writeln!(out, "#### Not planned ({})", plan.not_planned.len())?;
        writeln!(out)?;
        writeln!(out, "| Securable | Cause | Reason |")?;
        writeln!(out, "|---|---|---|")?;
        for n in &plan.not_planned {
            writeln!(
                out,
                "| {} | {} | {} |",
                code(&not_planned_target(n)),
                n.cause.as_str(),
                cell(&n.reason)
            )?;
        }
    }
    if !plan.left_for_person.is_empty() {
        if !plan.not_planned.is_empty() {
            writeln!(out)?;
        }
        writeln!(
            out,
            "#### Left for a person ({})",
            plan.left_for_person.len()
        )?;
        writeln!(out)?;
        writeln!(out, "| Rule | Securable | Cause | Reason |")?;
        writeln!(out, "|---|---|---|---|")?;
        for l in &plan.left_for_person {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&l.rule_id),
                code(&left_target(l)),
                l.cause.as_str(),
                cell(&l.reason)
            )?;
        }
    }
    Ok(())
}
