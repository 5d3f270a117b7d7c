//! Fuzzing with a fixed budget (docs/reliability.md, "Fuzzing"): every reader of a file a
//! user or a crash can damage — the YAML loader, both snapshot readers (footers included),
//! the plan file reader, the history store — gets mutated input and must answer with an
//! error naming the file, never a panic. And the SQL quoting property ("SQL quoting"): every
//! statement brickkit sends, built from hostile names and values, reads back through
//! ucsim's parser as exactly those names and values.
//!
//! Each target runs `BRICKKIT_FUZZ_CASES` cases (a modest default so `cargo test` stays
//! fast; set it to run longer, e.g. `BRICKKIT_FUZZ_CASES=20000 cargo test --test it fuzz`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use brickkit::declared::{self, SourceFile};
use brickkit::history::History;
use brickkit::state::{Snapshot, store};
use brickkit_testkit::example::example_snapshot;
use proptest::prelude::*;

/// Cases per target: `BRICKKIT_FUZZ_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("BRICKKIT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        // Shrinking re-runs cases; a failure is reported with its input either way.
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Byte mutations: flips at chosen positions, then an optional cut.
type Flips = Vec<(prop::sample::Index, u8)>;

fn flips(max: usize) -> impl Strategy<Value = Flips> {
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..max)
}

fn mutate(bytes: &[u8], flips: &Flips, cut: Option<prop::sample::Index>) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if !b.is_empty() {
        for (idx, x) in flips {
            let at = idx.index(b.len());
            b[at] ^= x | 1;
        }
    }
    if let Some(c) = cut {
        let at = c.index(b.len() + 1);
        b.truncate(at);
    }
    b
}

/// The same content (everything the content digest covers). Manifest fields outside the
/// digest (id, host, time) are not checksummed: a flipped byte there reads as a different
/// but valid manifest (docs/reliability.md, "Fuzzing").
fn same_content(a: &Snapshot, b: &Snapshot) -> bool {
    let mut a = a.clone();
    a.manifest = b.manifest.clone();
    a == *b
}

/// The error text must name the file it is about.
fn names(err: &str, path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    err.contains(name.as_ref())
}

// ------------------------------------------------------------------ the YAML loader

/// The example governance tree as in-memory sources (paths relative to its root).
fn example_tree() -> &'static Vec<(PathBuf, String)> {
    static CELL: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    CELL.get_or_init(|| {
        let root = crate::support::repo().join("examples/governance");
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    let rel = p.strip_prefix(&root).unwrap().to_path_buf();
                    out.push((rel, fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    })
}

/// Load the example tree with file `which` replaced by `text`; no panic, and the result is
/// either free of errors or has errors that say where (every error names a file, except
/// the tree-level ones a broken `brickkit.yaml` can cause).
fn load_mutated(which: usize, text: String) -> Result<(), TestCaseError> {
    let tree = example_tree();
    let which = which % tree.len();
    let mut files = Vec::new();
    for (i, (p, t)) in tree.iter().enumerate() {
        let t = if i == which { text.clone() } else { t.clone() };
        files.push(SourceFile::new(p.clone(), t));
    }
    let r = declared::load_sources(&files, Some("dev"));
    let project = tree[which].0 == Path::new("brickkit.yaml");
    for d in r
        .diagnostics
        .iter()
        .filter(|d| d.level == declared::Level::Error)
    {
        prop_assert!(!d.message.is_empty());
        if !project {
            prop_assert!(
                d.origin.is_some(),
                "error without a file: {} {}",
                d.code,
                d.message
            );
        }
    }
    Ok(())
}

/// YAML built from the raw shapes of declaration files: keys of every level, scalars,
/// flow and block collections, anchors; nested at random.
fn yaml_shape() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "catalogs",
        "schemas",
        "tables",
        "volumes",
        "functions",
        "columns",
        "grants",
        "name",
        "comment",
        "owner",
        "tags",
        "principal",
        "privileges",
        "create",
        "row_filter",
        "mask",
        "function",
        "properties",
        "connections",
        "storage_credentials",
        "external_locations",
        "params",
        "returns",
        "body",
        "type",
        "project",
        "environments",
        "principals",
        "ignore",
        "conventions",
        "rules",
        "scope",
        "check",
        "severity",
        "bogus",
    ]);
    let scalar = prop::sample::select(vec![
        "x",
        "sales",
        "a.b.c",
        "SELECT",
        "true",
        "null",
        "~",
        "1",
        "-1.5e9",
        "''",
        "\"\"",
        "[]",
        "{}",
        "*a",
        "&a x",
        "${env:A}",
        "'it''s'",
        "ALL_PRIVILEGES",
        "é",
        "\"\\u0000\"",
    ]);
    let leaf = (key.clone(), scalar).prop_map(|(k, v)| format!("{k}: {v}"));
    leaf.prop_recursive(4, 48, 6, move |inner| {
        (
            key.clone(),
            prop::collection::vec(inner, 1..5),
            any::<bool>(),
        )
            .prop_map(|(k, items, list)| {
                let mut s = format!("{k}:\n");
                for it in items {
                    for (i, line) in it.lines().enumerate() {
                        let lead = if list && i == 0 { "  - " } else { "    " };
                        s.push_str(lead);
                        s.push_str(line);
                        s.push('\n');
                    }
                }
                s
            })
    })
}

proptest! {
    #![proptest_config(config(96))]

    /// A file of the example tree with bytes flipped and cut off (read lossily, as the
    /// loader would refuse non-UTF-8 before parsing).
    #[test]
    fn loader_survives_mutated_example_files(
        which in 0usize..16,
        f in flips(6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (_, text) = &example_tree()[which % example_tree().len()];
        let b = mutate(text.as_bytes(), &f, cut);
        load_mutated(which, String::from_utf8_lossy(&b).into_owned())?;
    }

    /// A file of the example tree replaced by random YAML of the raw shapes.
    #[test]
    fn loader_survives_random_yaml_of_the_raw_shapes(which in 0usize..16, doc in yaml_shape()) {
        load_mutated(which, doc)?;
    }

    /// A line of an example file deleted, duplicated or swapped with the next.
    #[test]
    fn loader_survives_line_edits(which in 0usize..16, at in any::<prop::sample::Index>(), op in 0u8..3) {
        let (_, text) = &example_tree()[which % example_tree().len()];
        let mut lines: Vec<&str> = text.lines().collect();
        let i = at.index(lines.len());
        match op {
            0 => { lines.remove(i); }
            1 => lines.insert(i, lines[i]),
            _ => if i + 1 < lines.len() { lines.swap(i, i + 1) },
        }
        load_mutated(which, lines.join("\n"))?;
    }
}

// ------------------------------------------------------------------ snapshot readers

/// A kept directory with a valid Parquet snapshot `p` and a valid SQLite one `s.sqlite`,
/// the table files of `p` and the bytes of `s.sqlite`.
type Valid = (tempfile::TempDir, Vec<(String, Vec<u8>)>, Vec<u8>);

fn snapshots() -> &'static Valid {
    static CELL: OnceLock<Valid> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let s = example_snapshot();
        store::write(&s, &dir.path().join("p")).unwrap();
        store::write(&s, &dir.path().join("s.sqlite")).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir.path().join("p"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, fs::read(e.path()).unwrap())
            })
            .filter(|(n, _)| n.ends_with(".parquet"))
            .collect();
        files.sort();
        let db = fs::read(dir.path().join("s.sqlite")).unwrap();
        (dir, files, db)
    })
}

/// A Parquet file's footer: `<metadata> <u32 length> PAR1`.
#[derive(Debug, Clone)]
enum Footer {
    /// Bytes flipped inside the Thrift metadata (the last `len + 8` bytes).
    Metadata(Flips),
    /// The metadata length field set to this value.
    Length(u32),
    /// The trailing magic replaced.
    Magic([u8; 4]),
    /// The metadata replaced by garbage of its length.
    Garbage(Vec<u8>),
    /// Metadata bytes of another table's file (right magic, wrong content).
    Swapped(usize),
}

fn footer() -> impl Strategy<Value = Footer> {
    prop_oneof![
        4 => flips(8).prop_map(Footer::Metadata),
        1 => any::<u32>().prop_map(Footer::Length),
        1 => any::<[u8; 4]>().prop_map(Footer::Magic),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Footer::Garbage),
        1 => (0usize..16).prop_map(Footer::Swapped),
    ]
}

fn apply_footer(b: &[u8], f: &Footer, others: &[(String, Vec<u8>)]) -> Vec<u8> {
    let n = b.len();
    let meta_len = u32::from_le_bytes(b[n - 8..n - 4].try_into().unwrap()) as usize;
    let start = n - 8 - meta_len;
    let mut out = b.to_vec();
    match f {
        Footer::Metadata(fl) => {
            let m = mutate(&b[start..n - 8], fl, None);
            out[start..n - 8].copy_from_slice(&m);
        }
        Footer::Length(l) => out[n - 8..n - 4].copy_from_slice(&l.to_le_bytes()),
        Footer::Magic(m) => out[n - 4..].copy_from_slice(m),
        Footer::Garbage(g) => {
            out.truncate(start);
            out.extend_from_slice(g);
            out.extend_from_slice(&(g.len() as u32).to_le_bytes());
            out.extend_from_slice(b"PAR1");
        }
        Footer::Swapped(i) => {
            let o = &others[i % others.len()].1;
            let on = o.len();
            let olen = u32::from_le_bytes(o[on - 8..on - 4].try_into().unwrap()) as usize;
            out.truncate(start);
            out.extend_from_slice(&o[on - 8 - olen..]);
        }
    }
    out
}

proptest! {
    #![proptest_config(config(64))]

    /// Wrong footers and metadata in one table file: an error naming that file, or (a
    /// mutation the reader cannot see, e.g. in unused statistics) the unchanged content.
    #[test]
    fn parquet_reader_refuses_wrong_footers_naming_the_file(which in 0usize..16, f in footer()) {
        let (keep_dir, files, _) = snapshots();
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("p");
        fs::create_dir(&snap).unwrap();
        fs::copy(keep_dir.path().join("p/manifest.json"), snap.join("manifest.json")).unwrap();
        let which = which % files.len();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let b = if i == which { apply_footer(bytes, &f, files) } else { bytes.clone() };
            fs::write(snap.join(name), b).unwrap();
        }
        match store::read(&snap) {
            Ok(s) => prop_assert!(same_content(&s, &store::read(&keep_dir.path().join("p")).unwrap())),
            Err(e) => {
                let e = e.to_string();
                let whole = e.starts_with(&format!("{}: content digest mismatch", snap.display()));
                prop_assert!(e.contains(&files[which].0) || whole, "{e}");
            }
        }
    }

    /// Bytes flipped anywhere in a table file and the file cut: the error names the file.
    #[test]
    fn parquet_reader_errors_name_the_file(
        which in 0usize..16,
        f in flips(6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (keep_dir, files, _) = snapshots();
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("p");
        fs::create_dir(&snap).unwrap();
        fs::copy(keep_dir.path().join("p/manifest.json"), snap.join("manifest.json")).unwrap();
        let which = which % files.len();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let b = if i == which { mutate(bytes, &f, cut) } else { bytes.clone() };
            fs::write(snap.join(name), b).unwrap();
        }
        match store::read(&snap) {
            Ok(s) => prop_assert!(same_content(&s, &store::read(&keep_dir.path().join("p")).unwrap())),
            // A page that decodes to other values fails the snapshot's content digest,
            // which names the snapshot directory.
            Err(e) => {
                let e = e.to_string();
                let whole = e.starts_with(&format!("{}: content digest mismatch", snap.display()));
                prop_assert!(e.contains(&files[which].0) || whole, "{e}");
            }
        }
    }

    /// A mutated SQLite snapshot: an error naming the file, or the unchanged content.
    #[test]
    fn sqlite_reader_errors_name_the_file(
        f in flips(8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (keep_dir, _, db) = snapshots();
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("mutated.sqlite");
        fs::write(&m, mutate(db, &f, cut)).unwrap();
        match store::read(&m) {
            Ok(s) => prop_assert!(same_content(&s, &store::read(&keep_dir.path().join("s.sqlite")).unwrap())),
            Err(e) => prop_assert!(names(&e.to_string(), &m), "{e}"),
        }
    }
}

// ------------------------------------------------------------------ the plan file reader

/// A plan file of the example (made once with the binary).
fn plan_bytes() -> &'static Vec<u8> {
    static CELL: OnceLock<Vec<u8>> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("plan.bkplan");
        let (code, _, err) = crate::support::brickkit(&[
            "drift",
            "plan",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            "snapshots/example",
            "--no-history",
            "--out",
            f.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{err}");
        fs::read(&f).unwrap()
    })
}

/// A plan file around `payload` (MessagePack), compressed and with a correct digest, so a
/// mutation reaches the decoder and the plan's own checks.
fn repack(payload: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let orig = plan_bytes();
    let z = zstd::bulk::compress(payload, 3).unwrap();
    let mut out = orig[..12].to_vec();
    out.extend_from_slice(&(z.len() as u64).to_le_bytes());
    out.extend_from_slice(&z);
    let d = sha2::Sha256::digest(&out);
    out.extend_from_slice(&d);
    out
}

fn read_plan_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mutated.bkplan");
    fs::write(&f, bytes).unwrap();
    match brickkit::app::read_plan(&f) {
        Ok(p) => {
            // Only an intact file, or a payload whose change the plan cannot see, reads.
            let again = brickkit::plan::file::encode(&p).unwrap();
            prop_assert!(brickkit::plan::file::decode(&again).is_ok());
        }
        Err(e) => prop_assert!(names(&e.to_string(), &f), "{e}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    /// The file's bytes flipped and cut: refused (digest, length, magic), naming the file.
    #[test]
    fn plan_reader_survives_mutated_files(
        f in flips(4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        tail in prop::collection::vec(any::<u8>(), 0..3),
    ) {
        let mut b = mutate(plan_bytes(), &f, cut);
        b.extend_from_slice(&tail);
        let intact = b == *plan_bytes();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mutated.bkplan");
        fs::write(&p, &b).unwrap();
        match brickkit::app::read_plan(&p) {
            Ok(_) => prop_assert!(intact),
            Err(e) => prop_assert!(names(&e.to_string(), &p), "{e}"),
        }
    }

    /// The MessagePack payload mutated under a correct digest: the decoder and the plan's
    /// own checks refuse it (or read a plan that encodes again), never panic.
    #[test]
    fn plan_reader_survives_mutated_payloads(
        f in flips(6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let payload = brickkit::plan::file::unpack(plan_bytes()).unwrap();
        read_plan_bytes(&repack(&mutate(&payload, &f, cut)))?;
    }

    /// Arbitrary bytes as the payload.
    #[test]
    fn plan_reader_survives_garbage_payloads(g in prop::collection::vec(any::<u8>(), 0..256)) {
        read_plan_bytes(&repack(&g))?;
    }
}

// ------------------------------------------------------------------ the history store

/// The bytes of the known history of `history::queries` (snapshots, drift, plans, applies).
fn history_bytes() -> &'static Vec<u8> {
    static CELL: OnceLock<Vec<u8>> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (h, _) = crate::history::queries::known_history(dir.path());
        let path = h.path().to_path_buf();
        drop(h);
        for side in ["-wal", "-shm"] {
            let mut s = path.clone().into_os_string();
            s.push(side);
            assert!(!Path::new(&s).exists(), "history left a {side} file");
        }
        fs::read(&path).unwrap()
    })
}

/// Open and query a history file: every failure names it.
fn use_history(path: &Path) -> Result<(), String> {
    let h = History::open(path).map_err(|e| e.to_string())?;
    let ids: Vec<String> = h
        .connection()
        .prepare("SELECT snapshot_id FROM snapshots ORDER BY seq")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    for id in ids.iter().take(4) {
        h.fold_at(id).map_err(|e| e.to_string())?;
    }
    h.timeline(None, None).map_err(|e| e.to_string())?;
    h.report_data().map_err(|e| e.to_string())?;
    for q in [
        "SELECT count(*) FROM drift_events",
        "SELECT * FROM open_drift",
        "SELECT * FROM current_state",
    ] {
        h.query(q).map_err(|e| e.to_string())?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    /// A history file with bytes flipped (header, schema pages, event pages) and cut.
    #[test]
    fn history_store_survives_mutated_files(
        f in flips(6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mutated-history.sqlite");
        fs::write(&p, mutate(history_bytes(), &f, cut)).unwrap();
        if let Err(e) = use_history(&p) {
            prop_assert!(names(&e, &p), "{e}");
        }
    }
}

// ------------------------------------------------------------------ SQL quoting

mod sql_quoting {
    //! Every statement brickkit sends reads back through ucsim's parser as exactly the
    //! names and values it was built from.

    use brickkit::declared::{ColumnMask, RowFilter};
    use brickkit::model::sql::literal;
    use brickkit::model::{PolicyArg, SecurableKind};
    use brickkit::plan::Request;
    use brickkit::plan::request;
    use proptest::prelude::*;
    use sqlparser::ast::{Expr, ObjectNamePart, SetExpr, TableFactor, Value};
    use ucsim::sql::parse::{Arg, Cmd, parse, string_literal};

    /// Names and values made of what breaks naive quoting.
    fn hostile(dots: bool) -> impl Strategy<Value = String> {
        let mut pieces = vec![
            "a",
            "Z",
            "_",
            "0",
            "`",
            "``",
            "'",
            "''",
            "\"",
            "\\",
            "\\'",
            "\\`",
            " ",
            ";",
            "--",
            "/*",
            "*/",
            "é",
            "数据",
            "🦀",
            "\t",
            "%",
            "$",
            "{",
            "}",
            "(",
            ")",
            ",",
            "=",
            " OR 1=1",
            "'; DROP TABLE t; --",
            "\u{200b}",
            "NULL",
        ];
        if dots {
            pieces.push(".");
        }
        prop::collection::vec(prop::sample::select(pieces), 1..8).prop_map(|v| v.concat())
    }

    fn stmt(r: Request) -> String {
        match r {
            Request::Sql { statement } => statement,
            Request::Rest { .. } => panic!("expected SQL"),
        }
    }

    fn parsed(sql: &str) -> Result<Cmd, TestCaseError> {
        parse(sql).map_err(|e| TestCaseError::fail(format!("{sql}\n{}", e.message)))
    }

    /// Identifiers and literals of a WHERE clause, in order.
    fn leaves(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::BinaryOp { left, right, .. } => {
                leaves(left, out);
                leaves(right, out);
            }
            Expr::Nested(e) | Expr::IsNull(e) => leaves(e, out),
            Expr::Identifier(i) => out.push(format!("ident:{}", i.value)),
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => out.push(format!("str:{s}")),
                other => out.push(format!("other:{other}")),
            },
            other => out.push(format!("expr:{other}")),
        }
    }

    proptest! {
        #![proptest_config(super::config(256))]

        /// Collection: each `information_schema` query of a catalog names exactly that
        /// catalog, as the table's first part and as the compared literal.
        #[test]
        fn collection_queries_read_back(c in hostile(true)) {
            for sql in brickkit::state::collect::catalog_statements(&c) {
                let Cmd::Select(q) = parsed(&sql)? else {
                    return Err(TestCaseError::fail(format!("not a SELECT: {sql}")));
                };
                let SetExpr::Select(sel) = q.body.as_ref() else {
                    return Err(TestCaseError::fail(sql));
                };
                prop_assert_eq!(sel.from.len(), 1);
                let TableFactor::Table { name, .. } = &sel.from[0].relation else {
                    return Err(TestCaseError::fail(sql));
                };
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(i) => i.value.clone(),
                        other => format!("{other}"),
                    })
                    .collect();
                prop_assert_eq!(parts.len(), 3, "{}", sql);
                prop_assert_eq!(&parts[0], &c);
                prop_assert_eq!(&parts[1], "information_schema");
                let mut got = Vec::new();
                leaves(sel.selection.as_ref().unwrap(), &mut got);
                prop_assert_eq!(&got[1], &format!("str:{c}"), "{}", sql);
                for l in &got[2..] {
                    prop_assert!(l == "ident:inherited_from" || l == "str:NONE", "{l} in {sql}");
                }
            }
        }

        /// Collection: the `DESCRIBE` fallback names exactly the table.
        #[test]
        fn describe_reads_back(c in hostile(false), s in hostile(false), t in hostile(true)) {
            let full = format!("{c}.{s}.{t}");
            for sql in brickkit::state::collect::describe_statements(&full) {
                let Cmd::Describe { name, .. } = parsed(&sql)? else {
                    return Err(TestCaseError::fail(sql));
                };
                prop_assert_eq!(name, vec![c.clone(), s.clone(), t.clone()]);
            }
        }

        /// Planning: comments, owners, tags, filters and masks.
        #[test]
        fn planning_statements_read_back(
            c in hostile(false),
            s in hostile(false),
            t in hostile(true),
            col in hostile(true),
            value in hostile(true),
            key in hostile(true),
            principal in hostile(true),
            func in hostile(true),
        ) {
            let full = format!("{c}.{s}.{t}");
            let table = vec![c.clone(), s.clone(), t.clone()];
            let fname = format!("{c}.{s}.{func}");
            let fparts = vec![c.clone(), s.clone(), func.clone()];

            let Some(r) = request::comment(SecurableKind::Table, &full, &value) else {
                return Err(TestCaseError::fail("no comment request"));
            };
            match parsed(&stmt(r))? {
                Cmd::Comment { name, comment, .. } => {
                    prop_assert_eq!(&name, &table);
                    prop_assert_eq!(comment, Some(value.clone()));
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }

            // Connections: a one-part name; the owner is an identifier.
            match parsed(&stmt(request::owner(SecurableKind::Connection, &t, &principal)))? {
                Cmd::Owner { name, principal: p, .. } => {
                    prop_assert_eq!(name, vec![t.clone()]);
                    prop_assert_eq!(&p, &principal);
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            let Some(r) = request::comment(SecurableKind::Connection, &t, &value) else {
                return Err(TestCaseError::fail("no comment request"));
            };
            match parsed(&stmt(r))? {
                Cmd::Comment { name, comment, .. } => {
                    prop_assert_eq!(name, vec![t.clone()]);
                    prop_assert_eq!(comment, Some(value.clone()));
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }

            // Tags on the table, on a schema and on a column.
            let tags = vec![(key.clone(), value.clone()), (value.clone(), key.clone())];
            for (kind, target, column, want) in [
                (SecurableKind::Table, full.clone(), None, table.clone()),
                (SecurableKind::Schema, format!("{c}.{s}"), None, vec![c.clone(), s.clone()]),
                (SecurableKind::Table, full.clone(), Some(col.as_str()), {
                    let mut v = table.clone();
                    v.push(col.clone());
                    v
                }),
            ] {
                match parsed(&stmt(request::set_tags(kind, &target, column, &tags)))? {
                    Cmd::SetTags { name, tags: got, .. } => {
                        prop_assert_eq!(&name, &want);
                        let want_tags: Vec<(String, Option<String>)> =
                            tags.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
                        prop_assert_eq!(got, want_tags);
                    }
                    other => return Err(TestCaseError::fail(format!("{other:?}"))),
                }
                let keys = vec![key.clone(), value.clone()];
                match parsed(&stmt(request::unset_tags(kind, &target, column, &keys)))? {
                    Cmd::UnsetTags { name, keys: got, .. } => {
                        prop_assert_eq!(&name, &want);
                        prop_assert_eq!(got, keys);
                    }
                    other => return Err(TestCaseError::fail(format!("{other:?}"))),
                }
            }

            // Row filter and mask: function name, column and constant arguments.
            let args = vec![PolicyArg::Column(col.clone()), PolicyArg::Constant(literal(&value))];
            let want_args = vec![Arg::Column(col.clone()), Arg::Constant(string_literal(&value))];
            let f = RowFilter { function: fname.clone(), columns: args.clone() };
            match parsed(&stmt(request::set_row_filter(&full, &f)))? {
                Cmd::SetRowFilter { table: tb, func: fu, args: got } => {
                    prop_assert_eq!(&tb, &table);
                    prop_assert_eq!(&fu, &fparts);
                    prop_assert_eq!(&got, &want_args);
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            match parsed(&stmt(request::drop_row_filter(&full)))? {
                Cmd::DropRowFilter { table: tb } => prop_assert_eq!(&tb, &table),
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            let m = ColumnMask { function: fname.clone(), using_columns: args.clone() };
            match parsed(&stmt(request::set_mask(&full, &col, &m)))? {
                Cmd::SetMask { table: tb, column, func: fu, using } => {
                    prop_assert_eq!(&tb, &table);
                    prop_assert_eq!(&column, &col);
                    prop_assert_eq!(&fu, &fparts);
                    prop_assert_eq!(&using, &want_args);
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            match parsed(&stmt(request::drop_mask(&full, &col)))? {
                Cmd::DropMask { table: tb, column } => {
                    prop_assert_eq!(&tb, &table);
                    prop_assert_eq!(&column, &col);
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
        }
    }
}
