//! Text rendering of the history timeline (`brickkit history show`): snapshots, state,
//! drift and violation events (with each run's violation counts), plans, and the story of each apply (started, failed and interrupted
//! operations, finished or refused). Pure: entries in, text out.

use std::fmt::Write;

use crate::history::store::TimelineEntry;

fn val(v: Option<&String>) -> &str {
    v.map_or("(none)", |s| if s.is_empty() { "\"\"" } else { s.as_str() })
}

/// One line per event; snapshot, plan and apply events start a block.
pub fn render(entries: &[TimelineEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let _ = match e.source.as_str() {
            "snapshot" => writeln!(
                out,
                "{}  snapshot {}  ({})",
                e.at,
                e.snapshot_id,
                val(e.new.as_ref())
            ),
            "plan" => writeln!(
                out,
                "{}  plan {}  ({}; snapshot {})",
                e.at,
                e.what,
                val(e.new.as_ref()),
                e.snapshot_id
            ),
            "apply" => {
                let (verb, extra) = match e.event.as_str() {
                    "apply_started" => ("started", format!("plan {}; ", val(e.old.as_ref()))),
                    "apply_refused" => ("refused, nothing sent", String::new()),
                    "apply_unfinished" => ("not finished", String::new()),
                    _ => ("finished", String::new()),
                };
                writeln!(
                    out,
                    "{}  apply {} {verb}  ({extra}{})",
                    e.at,
                    e.what,
                    val(e.new.as_ref())
                )
            }
            "op" => {
                let tail = match (&e.old, &e.new) {
                    (Some(_), Some(_)) => {
                        format!(" {} -> {}", val(e.old.as_ref()), val(e.new.as_ref()))
                    }
                    (None, Some(n)) => format!(": {n}"),
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "{}    {:<18} {} {} {}{tail}",
                    e.at, e.event, e.securable_kind, e.securable, e.what
                )
            }
            "violations" => writeln!(
                out,
                "{}  violations {}: {}; {}",
                e.at,
                e.what,
                val(e.new.as_ref()),
                val(e.old.as_ref())
            ),
            "drift" | "violation" => writeln!(
                out,
                "{}    {:<w$} {:<8} {} {} {}: expected {}, actual {}",
                e.at,
                e.event,
                e.severity,
                e.securable_kind,
                e.securable,
                e.what,
                val(e.old.as_ref()),
                val(e.new.as_ref()),
                w = if e.source == "drift" { 16 } else { 18 }
            ),
            _ => {
                let change = match (&e.old, &e.new) {
                    (Some(_), Some(_)) => {
                        format!("{} -> {}", val(e.old.as_ref()), val(e.new.as_ref()))
                    }
                    (None, Some(n)) => format!("= {}", val(Some(n))),
                    (Some(o), None) => format!("(was {})", val(Some(o))),
                    (None, None) => String::new(),
                };
                let kind = if e.securable_kind.is_empty() {
                    String::new()
                } else {
                    format!("{} ", e.securable_kind)
                };
                writeln!(
                    out,
                    "{}    {:<18} {kind}{} {} {change}",
                    e.at, e.event, e.securable, e.what
                )
            }
        };
    }
    out
}
