//! Tidy checks over the source tree: every module documents what it owns, the layer rules
//! and the "only X touches Y" rules of ARCHITECTURE.md hold, and the pure core stays free of
//! IO, clock and environment.
//!
//! The rules are checked on the **paths the code really names** — `use` declarations,
//! grouped imports and qualified paths in expressions — after comments and string literals
//! are removed, so a doc comment that mentions Parquet is not a dependency on `parquet`,
//! and `use std::{env, fs}` is one on `std::env` and `std::fs`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every `src/` file as (path relative to the package root, text).
fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// True for the files compiled into the binary only (the CLI), not the library.
fn is_binary_side(rel: &str) -> bool {
    rel == "src/main.rs" || rel.starts_with("src/cli/")
}

/// The module path of a `src/` file: `src/state/collect/rest.rs` -> `state::collect::rest`,
/// `src/state/mod.rs` -> `state`, `src/lib.rs` -> `` (the crate root).
fn module_path(rel: &str) -> Vec<String> {
    let rest = rel.strip_prefix("src/").unwrap().trim_end_matches(".rs");
    let mut parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

// ---------------------------------------------------------------------------------------
// A small lexer: the code of a file without comments and literals, then the paths it names.

/// `text` with comments, string, byte-string, raw-string and char literals blanked out
/// (newlines kept, so positions map to lines).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |s: &[u8], out: &mut String| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == b'/' && next == Some(b'/') {
            let end = text[i..].find('\n').map_or(b.len(), |e| i + e);
            blank(&b[i..end], &mut out);
            i = end;
        } else if c == b'/' && next == Some(b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&b[i..j], &mut out);
            i = j;
        } else if (c == b'r' || (c == b'b' && next == Some(b'r')))
            && !prev_is_ident(b, i)
            && raw_string_start(b, i).is_some()
        {
            let (hashes, body) = raw_string_start(b, i).unwrap_or((0, i));
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let mut j = body;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            let end = (j + close.len()).min(b.len());
            blank(&b[i..end], &mut out);
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            blank(&b[i..end], &mut out);
            i = end;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let end = if next == Some(b'\\') {
                text[i + 2..].find('\'').map(|e| i + 2 + e + 1)
            } else {
                let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 2 + ch_len)
            };
            match end {
                Some(e) => {
                    blank(&b[i..e], &mut out);
                    i = e;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn prev_is_ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `r"`, `r#"`, `br##"`: the number of hashes and where the body starts.
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i + if b[i] == b'b' { 2 } else { 1 };
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((hashes, j + 1))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Other,
}

/// Tokens with their line numbers (only what path extraction needs).
fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            c if c.is_alphanumeric() || c == '_' => {
                let mut id = String::from(c);
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        id.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Ident(id), line));
            }
            ':' if chars.peek().is_some_and(|&(_, d)| d == ':') => {
                chars.next();
                out.push((Tok::PathSep, line));
            }
            '{' => out.push((Tok::Open, line)),
            '}' => out.push((Tok::Close, line)),
            ',' => out.push((Tok::Comma, line)),
            _ => out.push((Tok::Other, line)),
        }
    }
    out
}

/// Every path a file names, as its segments (at most the first five are kept, which is all
/// the rules look at), with the line. `use a::{b, c::d}` gives `a::b` and `a::c::d`;
/// `x.a::b` style method turbofish paths are not roots and are skipped.
fn paths(text: &str) -> Vec<(Vec<String>, usize)> {
    let toks = tokens(&code_only(text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts_path = matches!(toks[i].0, Tok::Ident(_))
            && toks.get(i + 1).is_some_and(|t| t.0 == Tok::PathSep)
            && !(i > 0 && toks[i - 1].0 == Tok::PathSep);
        if starts_path {
            let mut prefix = Vec::new();
            i = walk_path(&toks, i, &mut prefix, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Read a path starting at `i` (after `prefix`), descending into `{...}` groups; returns
/// the index after it.
fn walk_path(
    toks: &[(Tok, usize)],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let depth = prefix.len();
    let line = toks[i].1;
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(id)) => {
                prefix.push(id.clone());
                i += 1;
                if toks.get(i).map(|t| &t.0) == Some(&Tok::PathSep) {
                    i += 1;
                    continue;
                }
                out.push((prefix.iter().take(5).cloned().collect(), line));
                break;
            }
            Some(Tok::Open) => {
                // A group: each comma-separated item continues the prefix.
                i += 1;
                loop {
                    match toks.get(i).map(|t| &t.0) {
                        Some(Tok::Close) => {
                            i += 1;
                            break;
                        }
                        Some(Tok::Comma) => i += 1,
                        Some(Tok::Ident(_)) | Some(Tok::Open) => {
                            let mut p = prefix.clone();
                            i = walk_path(toks, i, &mut p, out);
                            // skip `as alias` and anything else up to `,` or `}`
                            while !matches!(
                                toks.get(i).map(|t| &t.0),
                                None | Some(Tok::Comma) | Some(Tok::Close)
                            ) {
                                i += 1;
                            }
                        }
                        None => break,
                        Some(_) => i += 1,
                    }
                }
                break;
            }
            _ => {
                if prefix.len() > depth {
                    out.push((prefix.iter().take(5).cloned().collect(), line));
                }
                break;
            }
        }
    }
    prefix.truncate(depth);
    i
}

/// A path resolved to an absolute one: `crate::x` and `super::` chains become
/// `["crate", top-level module, ...]`; `brickkit::x` (the binary naming the library) becomes
/// `["brickkit", x, ...]`; `self::x` stays in the file's module; anything else is an external
/// crate or a local name and is returned as written.
fn resolve(file_module: &[String], path: &[String]) -> Vec<String> {
    let mut segs: Vec<String> = path.to_vec();
    if segs.first().map(String::as_str) == Some("super")
        || segs.first().map(String::as_str) == Some("self")
    {
        let mut base: Vec<String> = file_module.to_vec();
        let mut k = 0;
        while k < segs.len() && (segs[k] == "super" || segs[k] == "self") {
            if segs[k] == "super" {
                base.pop();
            }
            k += 1;
        }
        let mut abs = vec!["crate".to_string()];
        abs.extend(base);
        abs.extend(segs.drain(k..));
        return abs;
    }
    segs
}

/// The top-level module of the library an absolute path points into, if any.
fn library_target(abs: &[String], binary_side: bool) -> Option<String> {
    match abs.first().map(String::as_str) {
        Some("crate") if !binary_side => abs.get(1).cloned(),
        Some("brickkit") if binary_side => abs.get(1).cloned(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_lexer_sees_real_paths_only() {
    let src = r##"
//! Mentions parquet::arrow and std::env in a comment.
use std::{env, fs::File};
use crate::{model::Kind, state::{store, Snapshot}};
/* block std::process::exit */
fn f<'a>(x: &'a str) -> char {
    let s = "std::net::TcpStream";
    let r = r#"reqwest::get"#;
    let c = '"';
    rayon::join(|| 1, || 2);
    super::super::api::Client::new();
    'x'
}
"##;
    let found: BTreeSet<String> = paths(src)
        .into_iter()
        .map(|(p, _)| resolve(&["state".into(), "collect".into()], &p).join("::"))
        .collect();
    for want in [
        "std::env",
        "std::fs::File",
        "crate::model::Kind",
        "crate::state::store",
        "crate::state::Snapshot",
        "rayon::join",
        "crate::api::Client::new",
    ] {
        assert!(found.contains(want), "missing {want} in {found:?}");
    }
    for unwanted in ["parquet", "std::process", "std::net", "reqwest"] {
        assert!(
            !found.iter().any(|p| p.starts_with(unwanted)),
            "{unwanted} was read from a comment or literal: {found:?}"
        );
    }
}

#[test]
fn the_rules_catch_what_they_forbid() {
    let file = |rel: &str, text: &str| (rel.to_string(), text.to_string());
    let bad = [
        file("src/diff/x.rs", "//! x\nuse crate::history::History;\n"),
        file(
            "src/report/y.rs",
            "//! y\nfn f() { super::super::state::store::read(); }\n",
        ),
        file("src/newthing/mod.rs", "//! z\n"),
    ];
    let layers = layer_violations(&bad);
    assert_eq!(layers.len(), 3, "{layers:?}");
    let bad = [
        file(
            "src/diff/x.rs",
            "//! x\nuse std::{env, fs};\nfn f() { parquet::x(); }\n",
        ),
        file(
            "src/app/y.rs",
            "//! mentions reqwest::Client only here\nuse tokio::runtime;\n",
        ),
    ];
    let only = only_violations(&bad);
    assert_eq!(only.len(), 3, "{only:?}");
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<String> = src_files()
        .into_iter()
        .filter(|(_, text)| {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.trim_start().starts_with("//!")
        })
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` doc: {missing:?}"
    );
}

/// Which library modules each library module may name (ARCHITECTURE.md, "Layers"). Every
/// top-level module of `src/` must have a row; the binary's `cli` may name any of them.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("api", &["model"]),
    ("declared", &["model"]),
    ("state", &["model"]),
    ("import", &["model", "state"]),
    ("diff", &["model", "declared", "state"]),
    ("rules", &["model", "declared", "state", "diff"]),
    ("drift", &["model", "declared", "state", "diff", "rules"]),
    ("report", &["model", "drift", "diff", "rules"]),
    (
        "history",
        &[
            "model", "state", "drift", "diff", "declared", "plan", "apply", "rules",
        ],
    ),
    (
        "plan",
        &["model", "declared", "state", "diff", "drift", "rules"],
    ),
    ("apply", &["model", "api", "state", "diff", "drift", "plan"]),
    (
        "app",
        &[
            "model", "api", "declared", "state", "diff", "drift", "report", "history", "import",
            "plan", "apply", "rules",
        ],
    ),
];

/// Narrower exceptions to the layer table: (file prefix, module it may also name).
const LAYER_EXCEPTIONS: &[(&str, &str)] = &[
    // The collector is the only part of `state` that talks to a workspace.
    ("src/state/collect/", "api"),
];

fn layer_violations(files: &[(String, String)]) -> Vec<String> {
    let mut violations = Vec::new();
    for (rel, text) in files {
        let (rel, text) = (rel.as_str(), text.as_str());
        if is_binary_side(rel) || rel == "src/lib.rs" {
            continue;
        }
        let module_path = module_path(rel);
        let module = module_path[0].as_str();
        let Some((_, allowed)) = LAYERS.iter().find(|(m, _)| *m == module) else {
            violations.push(format!(
                "{rel}: top-level module `{module}` has no row in LAYERS (and ARCHITECTURE.md)"
            ));
            continue;
        };
        for (path, line) in paths(text) {
            let abs = resolve(&module_path, &path);
            let Some(target) = library_target(&abs, false) else {
                continue;
            };
            let excepted = LAYER_EXCEPTIONS
                .iter()
                .any(|(prefix, m)| rel.starts_with(prefix) && *m == target);
            if target != module
                && target != "VERSION"
                && !allowed.contains(&target.as_str())
                && !excepted
            {
                violations.push(format!(
                    "{rel}:{line}: `{module}` names `{}`",
                    abs.join("::")
                ));
            }
        }
    }
    violations
}

#[test]
fn layer_rules_hold() {
    let violations = layer_violations(&src_files());
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_cli_is_the_binarys_and_no_command_uses_another() {
    let files = src_files();
    let lib = files
        .iter()
        .find(|(rel, _)| rel == "src/lib.rs")
        .map(|(_, t)| t.clone())
        .unwrap();
    let lib_toks = tokens(&code_only(&lib));
    let declares_cli = lib_toks
        .windows(2)
        .any(|w| w[0].0 == Tok::Ident("mod".into()) && w[1].0 == Tok::Ident("cli".into()));
    assert!(
        !declares_cli,
        "src/lib.rs declares `mod cli`: the CLI belongs to the binary"
    );

    let mut violations = Vec::new();
    for (rel, text) in &files {
        let Some(name) = rel
            .strip_prefix("src/cli/cmd/")
            .map(|n| n.trim_end_matches(".rs"))
        else {
            continue;
        };
        let module_path = module_path(rel);
        for (path, line) in paths(text) {
            let abs = resolve(&module_path, &path);
            // crate::cli::cmd::<other>
            if abs.len() >= 4
                && abs[0] == "crate"
                && abs[1] == "cli"
                && abs[2] == "cmd"
                && abs[3] != name
                && name != "mod"
            {
                violations.push(format!(
                    "{rel}:{line}: command `{name}` uses `{}`",
                    abs.join("::")
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "command modules must not use each other (shared code goes to cli::report or brickkit::app):\n{}",
        violations.join("\n")
    );
}

/// "Only X touches Y": a root path (an external crate, or a `std` module) and the file
/// prefixes allowed to name it. Written from ARCHITECTURE.md's cross-cutting rules.
const ONLY: &[(&str, &[&str])] = &[
    // Snapshot bytes and the history's Parquet export.
    ("arrow", &["src/state/store/", "src/history/export.rs"]),
    ("parquet", &["src/state/store/", "src/history/export.rs"]),
    // SQLite: the snapshot store and the history store.
    ("rusqlite", &["src/state/store/", "src/history/"]),
    // HTTP: the client only.
    ("reqwest", &["src/api/"]),
    ("percent_encoding", &["src/api/"]),
    // Async: the client, the collector and the workflows that run them.
    (
        "tokio",
        &["src/api/", "src/state/collect/", "src/apply/", "src/app/"],
    ),
    // Data parallelism over in-memory data: the loader, the digest and the stores, the
    // differ and the classifier.
    (
        "rayon",
        &[
            "src/declared/",
            "src/state/digest.rs",
            "src/state/store/",
            "src/diff/",
            "src/rules/",
            "src/drift/",
        ],
    ),
    // YAML: one file.
    ("serde_saphyr", &["src/declared/yaml.rs"]),
    // JSON Schema generation: the raw document types and the schema builder.
    (
        "schemars",
        &[
            "src/declared/raw.rs",
            "src/declared/yaml.rs",
            "src/declared/schema.rs",
        ],
    ),
    // MessagePack and its compression: the plan file; MessagePack also the parsed-file cache.
    ("rmp_serde", &["src/plan/file.rs", "src/declared/cache.rs"]),
    ("zstd", &["src/plan/file.rs"]),
    // The command line, the terminal, error chains for people, the allocator: the binary.
    ("clap", &["src/cli/"]),
    ("clap_complete", &["src/cli/"]),
    ("indicatif", &["src/cli/"]),
    ("tracing_subscriber", &["src/cli/"]),
    ("anyhow", &["src/cli/"]),
    ("mimalloc", &["src/main.rs"]),
    // The process environment: the CLI only (values are passed into the library).
    ("std::env", &["src/cli/"]),
    // The wall clock: the CLI's clock; monotonic timers for retry budgets in the client.
    ("std::time::SystemTime", &["src/cli/clock.rs"]),
    ("std::net", &[]),
    // Process ids for temporary file names and exit codes.
    (
        "std::process",
        &[
            "src/main.rs",
            "src/cli/",
            "src/state/store/atomic.rs",
            "src/history/export.rs",
        ],
    ),
    // Files: the tree walk and the parsed-file cache, the stores, the history, the profile
    // file, the workflows, the CLI.
    (
        "std::fs",
        &[
            "src/declared/walk.rs",
            "src/declared/cache.rs",
            "src/state/store/",
            "src/history/",
            "src/api/auth.rs",
            "src/app/",
            "src/cli/",
        ],
    ),
];

fn only_violations(files: &[(String, String)]) -> Vec<String> {
    let mut violations = Vec::new();
    for (rel, text) in files {
        let module_path = module_path(rel);
        let mut seen = BTreeSet::new();
        for (path, line) in paths(text) {
            let abs = resolve(&module_path, &path).join("::");
            for (root, allowed) in ONLY {
                let names_it = abs == *root || abs.starts_with(&format!("{root}::"));
                if names_it
                    && !allowed.iter().any(|p| rel.starts_with(p))
                    && seen.insert((root.to_string(), line))
                {
                    violations.push(format!("{rel}:{line}: `{abs}` (only {allowed:?} may)"));
                }
            }
        }
    }
    violations
}

#[test]
fn only_the_named_modules_touch_each_dependency() {
    let violations = only_violations(&src_files());
    assert!(
        violations.is_empty(),
        "dependencies used outside their owners:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_pure_core_does_no_io_and_reads_no_clock_or_environment() {
    let pure = [
        "model", "diff", "drift", "report", "import", "plan", "rules",
    ];
    let banned = [
        "std::fs",
        "std::env",
        "std::net",
        "std::process",
        "std::time::SystemTime",
        "std::time::Instant",
        "std::thread",
        "tokio",
        "reqwest",
    ];
    let mut violations = Vec::new();
    for (rel, text) in src_files() {
        if is_binary_side(&rel) || rel == "src/lib.rs" {
            continue;
        }
        let module_path = module_path(&rel);
        // Apply's decisions and nouns are pure too; only its executor and runner do IO.
        let pure_file = [
            "src/apply/check.rs",
            "src/apply/outcome.rs",
            "src/apply/render.rs",
        ]
        .contains(&rel.as_str());
        if !pure.contains(&module_path[0].as_str()) && !pure_file {
            continue;
        }
        for (path, line) in paths(&text) {
            let abs = resolve(&module_path, &path).join("::");
            // `Instant::now()` / `SystemTime::now()` after a bare import.
            let clock = abs == "Instant::now" || abs == "SystemTime::now";
            if clock
                || banned
                    .iter()
                    .any(|b| abs == *b || abs.starts_with(&format!("{b}::")))
            {
                violations.push(format!("{rel}:{line}: `{abs}`"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "IO/clock/env in the pure core:\n{}",
        violations.join("\n")
    );
}
