//! `brickkit declared show`: print the effective declared state (after environments and
//! conventions), sorted and deterministic. Refuses a tree with errors (exit 2) and prints
//! them; violations are reported on stderr but do not stop the output.

use std::fmt::Write as _;

use crate::cli::args::{DeclaredShowArgs, Globals, TextOrJson};
use crate::cli::report::diagnostic_line;
use crate::cli::{exit, term};
use brickkit::declared::json::{DeclaredJson, to_pretty};
use brickkit::declared::{self, DeclaredState, Level};
use brickkit::model::display_args;

pub fn show(args: &DeclaredShowArgs, g: &Globals) -> anyhow::Result<u8> {
    let result = declared::load(&args.dir, args.env.as_deref());
    for d in &result.diagnostics {
        if d.level == Level::Error || !g.quiet {
            term::warn(&diagnostic_line(&args.dir, d));
        }
    }
    let Some(state) = result.valid_state() else {
        anyhow::bail!(
            "{} cannot be loaded: {} error(s); run `brickkit validate {}` for details",
            args.dir.display(),
            result
                .diagnostics
                .iter()
                .filter(|d| d.level == Level::Error)
                .count(),
            args.dir.display()
        );
    };
    let out = match args.format {
        TextOrJson::Json => to_pretty(&DeclaredJson::from_state(state))?,
        TextOrJson::Text => render_text(state),
    };
    term::stdout_write(out.as_bytes())?;
    Ok(exit::OK)
}

fn render_text(s: &DeclaredState) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "project {} · environment {} · {} securables",
        s.project,
        s.environment,
        s.securables.len()
    );
    for d in &s.securables {
        let create = if d.create { "" } else { " (reference)" };
        let _ = writeln!(out, "\n{} {}{create}", d.kind, d.full_name);
        if let Some(o) = &d.owner {
            let _ = writeln!(out, "  owner: {o}");
        }
        if let Some(c) = &d.comment {
            let _ = writeln!(out, "  comment: {c}");
        }
        if !d.tags.is_empty() {
            let tags: Vec<String> = d.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(out, "  tags: {}", tags.join(", "));
        }
        match &d.grants {
            None => {}
            Some(g) if g.is_empty() => {
                let _ = writeln!(out, "  grants: none");
            }
            Some(g) => {
                let _ = writeln!(out, "  grants:");
                for (p, privs) in g {
                    let privs: Vec<&str> = privs.iter().map(String::as_str).collect();
                    let _ = writeln!(out, "    {p}: {}", privs.join(", "));
                }
            }
        }
        if let Some(rf) = &d.row_filter {
            let _ = writeln!(
                out,
                "  row filter: {} on ({})",
                rf.function,
                display_args(&rf.columns)
            );
        }
        for c in &d.columns {
            let mut line = format!("  column {}", c.name);
            if let Some(t) = &c.data_type {
                let _ = write!(line, " {t}");
            }
            if c.nullable == Some(false) {
                line.push_str(" NOT NULL");
            }
            if !c.tags.is_empty() {
                let tags: Vec<String> = c.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = write!(line, " [{}]", tags.join(", "));
            }
            if let Some(m) = &c.mask {
                let _ = write!(line, " mask {}", m.function);
                if !m.using_columns.is_empty() {
                    let _ = write!(line, " using ({})", display_args(&m.using_columns));
                }
            }
            let _ = writeln!(out, "{line}");
        }
        for (k, v) in &d.properties {
            let _ = writeln!(out, "  property {k} = {v}");
        }
        for (k, v) in &d.details {
            let _ = writeln!(out, "  {k}: {v}");
        }
    }
    out
}
