//! YAML error recovery: parse one file and report every key and type problem it has, not
//! only serde's first one, by blanking the list item holding a problem and parsing again.
//! Line numbers are kept, so every diagnostic points at the file as written. A file with
//! any problem yields no document; must never guess a value for what it blanked.

use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::Origin;
use crate::declared::walk::SourceFile;
use crate::declared::yaml;

use super::file_start;

/// How many problems one file may report before giving up on it.
const MAX_ERRORS_PER_FILE: usize = 32;

/// Parse one file as `T`, reporting read and YAML problems. A key or type problem stops
/// serde at the first one; to report the others too, the list item holding it is blanked
/// and the file parsed again (see [`blank_item`]). A file with any problem yields `None`:
/// its securables are not lowered, so blanking can never cause follow-on diagnostics.
pub(super) fn parse_file<T: serde::de::DeserializeOwned>(
    f: &SourceFile,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let text = match &f.text {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(file_start(&f.path), "io", e.clone()));
            return None;
        }
    };
    let mut err = match yaml::parse::<T>(text) {
        Ok(v) => return Some(v),
        Err(e) => e,
    };
    let mut lines: Vec<String> = Vec::new();
    for _ in 0..MAX_ERRORS_PER_FILE {
        let code = push_yaml_error(f, what, &err, diags);
        if code == "yaml" {
            break; // a syntax error: what follows cannot be trusted
        }
        if lines.is_empty() {
            lines = text.lines().map(str::to_owned).collect();
        }
        if !blank_item(&mut lines, err.line) {
            break;
        }
        match yaml::parse::<T>(&lines.join("\n")) {
            Ok(_) => break,
            Err(next) if next == err => break,
            Err(next) => err = next,
        }
    }
    None
}

/// Report one YAML problem; returns its code.
fn push_yaml_error(
    f: &SourceFile,
    what: &str,
    e: &yaml::YamlError,
    diags: &mut Vec<Diagnostic>,
) -> &'static str {
    let origin = Some(Origin {
        file: f.path.clone(),
        line: e.line,
        column: e.column,
    });
    let m = e.message.as_str();
    let code = if m.starts_with("unknown field") {
        "unknown-key"
    } else if m.starts_with("duplicate mapping key") {
        "duplicate-key"
    } else if m.starts_with("invalid type")
        || m.starts_with("invalid value")
        || m.starts_with("invalid boolean")
        || m.starts_with("invalid integer")
        || m.starts_with("invalid float")
        || m.starts_with("expected ")
    {
        "type"
    } else if m.starts_with("missing field") {
        "missing-key"
    } else {
        "yaml"
    };
    let mut message = e.message.clone();
    if what == "resource" && message.starts_with("unknown field `convention`") {
        message
            .push_str(" (a convention file must be listed under `conventions:` in brickkit.yaml)");
    } else if what == "resource" && message.starts_with("unknown field `project`") {
        message.push_str(" (only the root of the tree holds brickkit.yaml)");
    }
    diags.push(Diagnostic::error(
        origin,
        code,
        format!("invalid {what} file: {message}"),
    ));
    code
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

fn is_blank(l: &str) -> bool {
    let t = l.trim();
    t.is_empty() || t.starts_with('#')
}

fn is_item(l: &str) -> bool {
    let t = l.trim_start();
    t == "-" || t.starts_with("- ")
}

/// Blank the innermost block-sequence item (`- ...`) holding 1-based line `line`, keeping
/// line numbers; when that empties the list, its key gets `[]`. False when there is no
/// such item (the error is not inside a block list).
fn blank_item(lines: &mut [String], line: usize) -> bool {
    if lines.is_empty() {
        return false;
    }
    let idx = line.saturating_sub(1).min(lines.len() - 1);
    // Walk up to the innermost item enclosing the line.
    let mut min_indent = usize::MAX;
    let mut start = None;
    for i in (0..=idx).rev() {
        let l = &lines[i];
        if is_blank(l) {
            continue;
        }
        let ind = indent_of(l);
        if is_item(l) && ind <= min_indent {
            start = Some(i);
            break;
        }
        min_indent = min_indent.min(ind);
    }
    let Some(start) = start else {
        return false;
    };
    let item_indent = indent_of(&lines[start]);
    let mut end = start + 1;
    while end < lines.len() && (is_blank(&lines[end]) || indent_of(&lines[end]) > item_indent) {
        end += 1;
    }
    for l in &mut lines[start..end] {
        l.clear();
    }
    // Did the list become empty? Then its key needs `[]` to stay a list.
    let next = lines[end..].iter().find(|l| !is_blank(l));
    let still_has_items = next.is_some_and(|l| is_item(l) && indent_of(l) == item_indent);
    let has_earlier_items = lines[..start]
        .iter()
        .rev()
        .find(|l| !is_blank(l) && indent_of(l) <= item_indent)
        .is_some_and(|l| is_item(l) && indent_of(l) == item_indent);
    if !still_has_items && !has_earlier_items {
        let parent = lines[..start]
            .iter()
            .rposition(|l| !is_blank(l) && !is_item(l) && indent_of(l) <= item_indent);
        if let Some(p) = parent {
            let l = &mut lines[p];
            let cut = l.find(" #").unwrap_or(l.len());
            l.truncate(cut);
            l.push_str(" []");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_items_keeps_lines_and_lists() {
        let mut l: Vec<String> =
            "catalogs:\n  - name: a\n    bogus: 1\n    schemas:\n      - name: s\n  - name: b\n"
                .lines()
                .map(str::to_owned)
                .collect();
        assert!(blank_item(&mut l, 3));
        assert_eq!(l, ["catalogs:", "", "", "", "", "  - name: b"]);
        assert!(blank_item(&mut l, 6));
        assert_eq!(l, ["catalogs: []", "", "", "", "", ""]);
        let mut l: Vec<String> = "a:\n  grants: # c\n    - {p: x}\n  name: y\n"
            .lines()
            .map(str::to_owned)
            .collect();
        assert!(blank_item(&mut l, 3));
        assert_eq!(l, ["a:", "  grants: []", "", "  name: y"]);
        let mut l: Vec<String> = vec!["x: 1".into()];
        assert!(!blank_item(&mut l, 1));
    }
}
