//! `brickkit validate`: load a tree, report every diagnostic, choose the exit code
//! (0 valid, 1 convention violations only, 2 the tree cannot be loaded).

use std::path::Path;

use crate::cli::args::{Globals, TextOrJson, ValidateArgs};
use crate::cli::{exit, term};
use brickkit::declared::json::{ValidateJson, to_pretty};
use brickkit::declared::{self, LoadResult};

use crate::cli::report::diagnostic_line;

pub fn run(args: &ValidateArgs, g: &Globals) -> anyhow::Result<u8> {
    let result = declared::load(&args.dir, args.env.as_deref());
    let out = match args.format {
        TextOrJson::Json => to_pretty(&ValidateJson::from_result(&result))?,
        TextOrJson::Text => render_text(&args.dir, &result, g.quiet),
    };
    term::stdout_write(out.as_bytes())?;
    Ok(exit_code(&result))
}

/// 2 on any error, 1 on violations only, 0 otherwise.
pub fn exit_code(r: &LoadResult) -> u8 {
    if r.has_errors() || r.state.is_none() {
        exit::ERROR
    } else if r.has_violations() {
        exit::DRIFT
    } else {
        exit::OK
    }
}

fn render_text(dir: &Path, r: &LoadResult, quiet: bool) -> String {
    let mut out = String::new();
    for d in &r.diagnostics {
        out.push_str(&diagnostic_line(dir, d));
        out.push('\n');
    }
    let errors = r
        .diagnostics
        .iter()
        .filter(|d| d.level == declared::Level::Error)
        .count();
    let violations = r.diagnostics.len() - errors;
    let env = r
        .state
        .as_ref()
        .map(|s| format!(" (environment {})", s.environment))
        .unwrap_or_default();
    let count = r.state.as_ref().map_or(0, |s| s.securables.len());
    if errors > 0 {
        out.push_str(&format!(
            "{}: cannot be loaded{env}: {errors} error(s), {violations} violation(s)\n",
            dir.display()
        ));
    } else if violations > 0 {
        out.push_str(&format!(
            "{}: {violations} convention violation(s){env}, {count} securables\n",
            dir.display()
        ));
    } else if !quiet {
        out.push_str(&format!(
            "{}: valid{env}, {count} securables\n",
            dir.display()
        ));
    }
    out
}
