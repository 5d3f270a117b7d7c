//! YAML error recovery: parse one file and report every key and type problem it has, not
//! only serde's first one, by blanking the list item holding a problem and parsing again.
//! Line numbers are kept, so every diagnostic points at the file as written.
//!
//! When blanking leads to a document that parses, that document (the file minus the
//! blanked items) is returned and lowered like any other, so the rest of the file gets its
//! semantic checks (privileges, columns, duplicates across files) in the same run; the
//! diagnostics already pushed make the tree refused. It must never guess a value for what
//! it blanked: a blanked item is absent, not repaired.
//!
//! Absence can cause follow-on diagnostics elsewhere: a top-level schema naming a blanked
//! catalog, a mask naming a blanked column, a reference to a blanked function. To avoid
//! them, every `name:` written inside a blanked item, and the `name:` of every item that
//! encloses one (a table whose column was blanked is incomplete too), goes into a set of
//! *blanked names*; `lower` suppresses its reference diagnostics (unknown catalog, schema,
//! column, function) when a part of the referenced name is in that set. This errs toward
//! silence, never toward a false error: a real dangling reference to a name that happens to
//! be blanked shows up on the next run, once the key and type problems are fixed. A
//! syntax error, or a problem outside any list item, still yields no document.

use std::collections::BTreeSet;

use crate::declared::cache::{Cache, Parsed};
use crate::declared::diagnostic::Diagnostic;
use crate::declared::model::Origin;
use crate::declared::walk::SourceFile;
use crate::declared::yaml;

use super::file_start;

/// [`parse_file`] through the parsed-file cache, when there is one: a valid entry for the
/// file's content gives the same document, diagnostics and blanked names that parsing it
/// would; otherwise the file is parsed and the outcome stored. Unreadable files are never
/// cached.
pub(super) fn parse_file_cached<T: serde::de::DeserializeOwned + serde::Serialize>(
    f: &SourceFile,
    what: &str,
    diags: &mut Vec<Diagnostic>,
    blanked: &mut BTreeSet<String>,
    cache: Option<&Cache>,
) -> Option<T> {
    let (Some(cache), Ok(text)) = (cache, &f.text) else {
        return parse_file(f, what, diags, blanked);
    };
    if let Some(mut hit) = cache.get::<T>(&f.path, what, text) {
        diags.append(&mut hit.diags);
        blanked.append(&mut hit.blanked);
        return hit.doc;
    }
    let mut parsed = Parsed {
        doc: None,
        diags: Vec::new(),
        blanked: BTreeSet::new(),
    };
    parsed.doc = parse_file(f, what, &mut parsed.diags, &mut parsed.blanked);
    cache.put(what, text, &parsed);
    diags.append(&mut parsed.diags);
    blanked.append(&mut parsed.blanked);
    parsed.doc
}

/// How many problems one file may report before giving up on it.
const MAX_ERRORS_PER_FILE: usize = 32;

/// Parse one file as `T`, reporting read and YAML problems. A key or type problem stops
/// serde at the first one; to report the others too, the list item holding it is blanked
/// and the file parsed again (see [`blank_item`]). When that ends in a document, it is
/// returned (its problems are already reported as errors) and the names it lost are added
/// to `blanked`; a syntax error or an unblankable problem yields `None`.
pub(super) fn parse_file<T: serde::de::DeserializeOwned>(
    f: &SourceFile,
    what: &str,
    diags: &mut Vec<Diagnostic>,
    blanked: &mut BTreeSet<String>,
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
    let original: Vec<&str> = text.lines().collect();
    let mut lines: Vec<String> = Vec::new();
    let mut names = BTreeSet::new();
    for _ in 0..MAX_ERRORS_PER_FILE {
        let code = push_yaml_error(f, what, &err, diags);
        if code == "yaml" {
            break; // a syntax error: what follows cannot be trusted
        }
        if lines.is_empty() {
            lines = text.lines().map(str::to_owned).collect();
        }
        let Some((start, end)) = blank_item(&mut lines, err.line) else {
            break;
        };
        item_names(&original, start, end, &mut names);
        match yaml::parse::<T>(&lines.join("\n")) {
            Ok(doc) => {
                blanked.append(&mut names);
                return Some(doc);
            }
            Err(next) if next == err => break,
            Err(next) => err = next,
        }
    }
    None
}

/// The names a blanked item (lines `start..end`, 0-based) takes away: every `name:` value
/// written inside it, and the `name:` of every item enclosing it. Lower case, unquoted.
fn item_names(lines: &[&str], start: usize, end: usize, out: &mut BTreeSet<String>) {
    for l in &lines[start..end.min(lines.len())] {
        name_values(l, out);
    }
    // Enclosing items: walk up, each time to a line indented less than the last one seen.
    let mut indent = lines.get(start).map_or(0, |l| indent_of(l));
    for i in (0..start).rev() {
        let l = lines[i];
        if is_blank(l) || indent_of(l) >= indent {
            continue;
        }
        indent = indent_of(l);
        if is_item(l) {
            // The item's own keys sit at its indent + 2, until the next line at <= indent.
            name_values(l, out);
            let key_indent = indent + 2;
            for k in &lines[i + 1..start] {
                if is_blank(k) {
                    continue;
                }
                if indent_of(k) < key_indent {
                    break;
                }
                if indent_of(k) == key_indent && k.trim_start().starts_with("name:") {
                    name_values(k, out);
                    break;
                }
            }
        }
        if indent == 0 {
            break;
        }
    }
}

/// Every `name: value` on one line (block or flow style), added to `out`.
fn name_values(line: &str, out: &mut BTreeSet<String>) {
    let mut rest = line;
    while let Some(i) = rest.find("name:") {
        let before = rest[..i].chars().last();
        let after = &rest[i + "name:".len()..];
        rest = after;
        // `name:` as a key: at the start of the line, after `- `, `{` or `, `.
        if before.is_some_and(|c| !matches!(c, ' ' | '{' | ',' | '-')) {
            continue;
        }
        let v: String = after
            .trim_start()
            .chars()
            .take_while(|c| !matches!(c, ',' | '}' | '#'))
            .collect();
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        if !v.is_empty() {
            out.insert(v.to_lowercase());
        }
    }
}

/// True when a reference (a dotted name as written) may point at something blanked.
pub(super) fn touches_blanked(blanked: &BTreeSet<String>, reference: &str) -> bool {
    !blanked.is_empty()
        && reference
            .split('.')
            .any(|p| blanked.contains(&p.trim().to_lowercase()))
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
/// line numbers; when that empties the list, its key gets `[]`. Returns the blanked lines
/// (0-based, end exclusive); `None` when there is no such item (the error is not inside a
/// block list).
fn blank_item(lines: &mut [String], line: usize) -> Option<(usize, usize)> {
    if lines.is_empty() {
        return None;
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
    let start = start?;
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
    Some((start, end))
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
        assert_eq!(blank_item(&mut l, 3), Some((1, 5)));
        assert_eq!(l, ["catalogs:", "", "", "", "", "  - name: b"]);
        assert!(blank_item(&mut l, 6).is_some());
        assert_eq!(l, ["catalogs: []", "", "", "", "", ""]);
        let mut l: Vec<String> = "a:\n  grants: # c\n    - {p: x}\n  name: y\n"
            .lines()
            .map(str::to_owned)
            .collect();
        assert!(blank_item(&mut l, 3).is_some());
        assert_eq!(l, ["a:", "  grants: []", "", "  name: y"]);
        let mut l: Vec<String> = vec!["x: 1".into()];
        assert!(blank_item(&mut l, 1).is_none());
    }

    #[test]
    fn blanked_names_cover_the_item_and_what_encloses_it() {
        let text = "catalogs:\n  - name: Sales\n    schemas:\n      - name: core\n        tables:\n          - name: orders\n            columns:\n              - {name: \"id\", type: [1]}\n      - name: other\n";
        let lines: Vec<&str> = text.lines().collect();
        let mut out = BTreeSet::new();
        item_names(&lines, 7, 8, &mut out);
        let got: Vec<&str> = out.iter().map(String::as_str).collect();
        assert_eq!(got, ["core", "id", "orders", "sales"]);
        assert!(touches_blanked(&out, "sales.core.f"));
        assert!(!touches_blanked(&out, "x.y.z"));
        let mut out = BTreeSet::new();
        name_values("  - username: a, rename: b", &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
