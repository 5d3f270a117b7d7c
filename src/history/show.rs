//! Text rendering of the history timeline (`brickkit history show`). Pure: entries in,
//! text out.

use std::fmt::Write;

use crate::history::store::TimelineEntry;

fn val(v: Option<&String>) -> &str {
    v.map_or("(none)", |s| if s.is_empty() { "\"\"" } else { s.as_str() })
}

/// One line per event; snapshot events start a block.
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
            "drift" => writeln!(
                out,
                "{}    {:<16} {:<8} {} {} {}: expected {}, actual {}",
                e.at,
                e.event,
                e.severity,
                e.securable_kind,
                e.securable,
                e.what,
                val(e.old.as_ref()),
                val(e.new.as_ref())
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
