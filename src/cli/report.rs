//! Shared rendering of workflow outcomes on the terminal: diagnostics as
//! `file:line:column` lines under the directory the user named, workflow errors with their
//! details (every diagnostic of a refused tree, every message of a failed collection), and
//! warnings for what a snapshot could not read. Commands call these instead of each other.

use std::fmt::Write as _;
use std::path::Path;

use brickkit::app::Error;
use brickkit::declared::Diagnostic;
use brickkit::state::{CollectionIssue, Snapshot};

use crate::cli::term;

/// One diagnostic as a line, its file shown under the directory given on the command line.
pub fn diagnostic_line(dir: &Path, d: &Diagnostic) -> String {
    match &d.origin {
        Some(o) => format!(
            "{}:{}:{}: {}[{}]: {}",
            dir.join(&o.file).display(),
            o.line,
            o.column,
            d.level,
            d.code,
            d.message
        ),
        None => d.to_string(),
    }
}

/// Print the details a workflow error carries beyond its message (diagnostics of a refused
/// tree, the reads of a collection that read nothing), then the error itself.
pub fn workflow_error(e: &Error) {
    workflow_error_then(e, "");
}

/// [`workflow_error`] with `then` (e.g. `"; nothing was compared"`) after the message.
pub fn workflow_error_then(e: &Error, then: &str) {
    match e {
        Error::TreeRefused {
            dir, diagnostics, ..
        } => {
            let mut text = String::new();
            for d in diagnostics {
                let _ = writeln!(text, "{}", diagnostic_line(dir, d));
            }
            let _ = term::stderr_write(text.as_bytes());
        }
        Error::NothingCollected { host, issues } => {
            for i in issues {
                term::error(&format!("{host}: {i}"));
            }
        }
        Error::Ignore(errors) => {
            // One line per bad pattern, each naming where it was written.
            for i in errors {
                term::error(&i.to_string());
            }
            return;
        }
        _ => {}
    }
    term::error(&format!("{}{then}", error_chain(e)));
}

/// An error and its sources as one line (`a: b: c`).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let _ = write!(s, ": {c}");
        cur = c.source();
    }
    s
}

/// One collection issue as `kind name (attribute)`.
pub fn issue_subject(i: &CollectionIssue) -> String {
    let what = match i.securable_kind {
        Some(k) => format!("{k} {}", i.full_name),
        None => "metastore".to_string(),
    };
    let attr = i
        .attribute
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    format!("{what}{attr}")
}

/// Warn once per collection issue of a freshly collected snapshot.
pub fn warn_collection_issues(snap: &Snapshot, quiet: bool) {
    if quiet {
        return;
    }
    for i in &snap.collection_issues {
        term::warn(&format!(
            "could not read {}; it is unknown in this snapshot: {}",
            issue_subject(i),
            i.message
        ));
    }
}

/// The history's writer lock for a collect-and-record run; `None` (with a warning) when it
/// cannot be taken — recording is a side record, so the run goes on without it.
pub fn writer_lock(
    history: &std::path::Path,
    quiet: bool,
) -> Option<brickkit::history::WriterLock> {
    let waiting = || {
        if !quiet {
            term::info(&format!(
                "another run is collecting into history {}; waiting for it to finish",
                history.display()
            ));
        }
    };
    match brickkit::app::history::lock_for_collection(history, waiting) {
        Ok(l) => Some(l),
        Err(e) => {
            term::warn(&format!(
                "cannot lock history {}: {e}; collecting without the lock",
                history.display()
            ));
            None
        }
    }
}
