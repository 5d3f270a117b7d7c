//! `import` end to end: a collected workspace imported into a tree that validates and has
//! no drift; a partial tree (only some tables declared) whose undeclared children drift
//! detection reports as unmanaged and `import --unmanaged-in` adopts; imported names that
//! resolve back through the tree's naming suffixes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use brickkit::state::store;
use serde_json::{Value, json};

use crate::support::sim::{collect, s, set, start};
use crate::support::{Run, brickkit_with};

#[test]
fn import_round_trips_to_a_compliant_tree() {
    let h = start(json!({}), 100);
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = collect(&h, &dir.path().join("snaps"), &[]);
    let snap_path = run.path.unwrap();
    let imported = brickkit_with(&["import", "--snapshot", snap_path.to_str().unwrap()], &[]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(tree.join("imported.yaml"), &imported.stdout).unwrap();
    let v = brickkit_with(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{}", v.stdout, v.stderr, imported.stdout);
    let d = brickkit_with(
        &[
            "drift",
            "detect",
            tree.to_str().unwrap(),
            "--snapshot",
            snap_path.to_str().unwrap(),
            "--format",
            "json",
            "--unmanaged",
            "all",
            "--no-history",
        ],
        &[],
    );
    assert_eq!(d.code, 0, "{}{}\n{}", d.stdout, d.stderr, imported.stdout);
    let r: Value = serde_json::from_str(&d.stdout).unwrap();
    for key in ["drifted", "missing", "unmanaged", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    assert_eq!(
        r["compliant"].as_array().unwrap().len(),
        store::read(&snap_path).unwrap().securables.len()
    );
    // Nothing left to import once the tree declares everything.
    let again = brickkit_with(
        &[
            "import",
            "--snapshot",
            snap_path.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

/// Remove the list items `- name: "<name>"` (with everything indented under them) from
/// generated YAML, then list keys left without items. Fails when a name is not found.
fn drop_items(yaml: &str, names: &[&str]) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines: Vec<&str> = yaml.lines().collect();
    for name in names {
        let item = format!("- name: {}", serde_json::to_string(name).unwrap());
        let start = lines
            .iter()
            .position(|l| l.trim_start() == item)
            .unwrap_or_else(|| panic!("no item {item} in\n{yaml}"));
        let ind = indent(lines[start]);
        let mut end = start + 1;
        while end < lines.len() && indent(lines[end]) > ind {
            end += 1;
        }
        lines.drain(start..end);
    }
    let mut out: Vec<&str> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let empty_list = l.trim_end().ends_with(':')
            && lines
                .get(i + 1)
                .is_none_or(|n| indent(n) < indent(l) || !n.trim_start().starts_with("- "));
        if !empty_list {
            out.push(l);
        }
    }
    out.join("\n") + "\n"
}

/// What the partial tree leaves undeclared, inside schemas it declares.
const UNDECLARED: [(&str, &str, &str); 7] = [
    ("function", "main.sales.mask_email", "mask_email"),
    ("function", "main.sales.region_filter", "region_filter"),
    ("table", "main.sales.orders", "orders"),
    ("table", "main.sales.we`ird", "we`ird"),
    ("table", "main.données.o'brien", "o'brien"),
    ("table", "we`ird-cat.s.t", "t"),
    ("volume", "main.sales.raw", "raw"),
];

/// A collected snapshot and a tree declaring every catalog and schema of it but only some
/// of the tables (`main.sales.sales-eu`): the rest of [`UNDECLARED`] is left out.
fn partial_tree(dir: &Path) -> (PathBuf, PathBuf) {
    let h = start(json!({}), 100);
    let (run, _) = collect(&h, &dir.join("snaps"), &[]);
    let snap_path = run.path.unwrap();
    let full = brickkit_with(&["import", "--snapshot", snap_path.to_str().unwrap()], &[]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let names: Vec<&str> = UNDECLARED.iter().map(|u| u.2).collect();
    let partial = drop_items(&full.stdout, &names);
    assert!(partial.contains("- name: \"sales-eu\""), "{partial}");
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    std::fs::write(tree.join("declared.yaml"), &partial).unwrap();
    let v = brickkit_with(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{partial}", v.stdout, v.stderr);
    (tree, snap_path)
}

fn drift_json(tree: &Path, snap: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec![
        "drift",
        "detect",
        tree.to_str().unwrap(),
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
        "--no-history",
    ];
    args.extend_from_slice(extra);
    let d = brickkit_with(&args, &[]);
    assert_ne!(d.code, 2, "{}{}", d.stdout, d.stderr);
    let r: Value = serde_json::from_str(&d.stdout).unwrap();
    (d, r)
}

#[test]
fn drift_reports_undeclared_children_of_declared_schemas_as_unmanaged() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, snap) = partial_tree(dir.path());
    let (_, r) = drift_json(&tree, &snap, &[]);
    let unmanaged: BTreeSet<(String, String)> = r["unmanaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (s(&u["resource_type"]), s(&u["resource_name"])))
        .collect();
    let expected = set(UNDECLARED
        .iter()
        .map(|u| (u.0.to_string(), u.1.to_string())));
    assert_eq!(unmanaged, expected, "{r:#}");
    for key in ["drifted", "missing", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
}

#[test]
fn import_adopts_undeclared_children_of_declared_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, snap) = partial_tree(dir.path());
    let imported = brickkit_with(
        &[
            "import",
            "--snapshot",
            snap.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let out = &imported.stdout;
    // Only top-level additions to declared schemas, each naming its catalog and schema.
    let top: Vec<&str> = out.lines().filter(|l| !l.starts_with([' ', '#'])).collect();
    assert_eq!(top, ["functions:", "tables:", "volumes:"], "{out}");
    for (_, full, name) in UNDECLARED {
        let (catalog, rest) = full.split_once('.').unwrap();
        let schema = rest.split_once('.').unwrap().0;
        let entry = format!(
            "  - name: {}\n    catalog: {}\n    schema: {}\n",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(catalog).unwrap(),
            serde_json::to_string(schema).unwrap(),
        );
        assert!(out.contains(&entry), "{entry}\nnot in\n{out}");
    }
    // The current state comes along: tags, grants, filter, mask, column tags.
    for want in [
        "row_filter: {function: \"main.sales.region_filter\", columns: [\"region\"]}",
        "mask: {function: \"main.sales.mask_email\"}",
        "\"class.level\": \"a`b\"",
        "{principal: \"o'neil@x.com\", privileges: [\"SELECT\"]}",
        "tags: {\"q'uote\": \"v\\\"al\"}",
        "{principal: \"account users\", privileges: [\"EXECUTE\"]}",
    ] {
        assert!(out.contains(want), "{want}\nnot in\n{out}");
    }
    std::fs::write(tree.join("adopted.yaml"), out).unwrap();
    let v = brickkit_with(&["validate", tree.to_str().unwrap()], &[]);
    assert_eq!(v.code, 0, "{}{}\n{out}", v.stdout, v.stderr);
    let (d, r) = drift_json(&tree, &snap, &["--unmanaged", "all"]);
    assert_eq!(d.code, 0, "{}{}\n{out}", d.stdout, d.stderr);
    for key in ["drifted", "missing", "unmanaged", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    let compliant: BTreeSet<String> = r["compliant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["resource_name"]))
        .collect();
    for (_, full, _) in UNDECLARED {
        assert!(compliant.contains(full), "{full} not compliant: {r:#}");
    }
    assert_eq!(
        r["compliant"].as_array().unwrap().len(),
        store::read(&snap).unwrap().securables.len()
    );
    // Nothing left to add.
    let again = brickkit_with(
        &[
            "import",
            "--snapshot",
            snap.to_str().unwrap(),
            "--unmanaged-in",
            tree.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

/// Copy a directory tree (the example governance tree into a temporary one).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn import_names_resolve_back_through_the_trees_naming_suffixes() {
    // The example tree suffixes catalogs with `_{env}`: the snapshot's `finance_dev` must
    // be imported as `finance`, or the tree would declare `finance_dev_dev`.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    copy_dir(&repo.join("examples/governance"), &tree);
    std::fs::remove_file(tree.join("catalogs/finance.yaml")).unwrap();
    let snap = repo.join("snapshots/example");
    let args = [
        "import",
        "--snapshot",
        snap.to_str().unwrap(),
        "--unmanaged-in",
        tree.to_str().unwrap(),
        "--env",
        "dev",
    ];
    let imported = brickkit_with(&args, &[]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported
            .stdout
            .contains("catalogs:\n  - name: \"finance\"\n"),
        "{}",
        imported.stdout
    );
    std::fs::write(tree.join("imported.yaml"), &imported.stdout).unwrap();
    let v = brickkit_with(&["validate", tree.to_str().unwrap(), "--env", "dev"], &[]);
    assert_ne!(v.code, 2, "{}{}\n{}", v.stdout, v.stderr, imported.stdout);
    let (_, r) = drift_json(&tree, &snap, &["--env", "dev", "--unmanaged", "all"]);
    for key in ["missing", "unmanaged"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    let again = brickkit_with(&args, &[]);
    assert_eq!(
        again.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        0,
        "{}",
        again.stdout
    );
}

/// `import --out DIR` at scale: a synthetic metastore imported as one file per catalog and
/// schema loads back (every file within the loader's limits) and shows no drift; the
/// directory is refused when it exists.
#[test]
fn import_out_dir_round_trips_a_large_metastore() {
    use brickkit_testkit::synth::{SynthSpec, generate_snapshot};
    let tables: usize = std::env::var("BRICKKIT_IMPORT_ROUND_TRIP_TABLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let snap_path = dir.path().join("snap");
    let snap = generate_snapshot(&SynthSpec::with_tables(tables, 0.01, 11));
    store::write(&snap, &snap_path).unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("brickkit.yaml"),
        "project: t\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    let out = tree.join("imported");
    let run = |out: &Path| {
        brickkit_with(
            &[
                "import",
                "--snapshot",
                snap_path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        )
    };
    let imported = run(&out);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert_eq!(imported.path.as_deref(), Some(out.as_path()));
    // One file per catalog and schema, plus the infrastructure.
    let catalogs = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(brickkit::model::SecurableKind::Catalog))
        .count();
    let schemas = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(brickkit::model::SecurableKind::Schema))
        .count();
    let mut files = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let infrastructure = snap
        .securables
        .iter()
        .any(|s| s.kind.is_some_and(|k| !k.in_catalog()));
    assert_eq!(
        files.len(),
        catalogs + schemas + usize::from(infrastructure),
        "{files:?}"
    );
    // An existing directory is refused, and left as it was.
    let again = run(&out);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let d = brickkit_with(
        &[
            "drift",
            "detect",
            tree.to_str().unwrap(),
            "--snapshot",
            snap_path.to_str().unwrap(),
            "--format",
            "json",
            "--unmanaged",
            "all",
            "--no-history",
        ],
        &[],
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    let r: Value = serde_json::from_str(&d.stdout).unwrap();
    for key in ["drifted", "missing", "unmanaged", "unknown"] {
        assert!(r[key].as_array().unwrap().is_empty(), "{key}: {}", r[key]);
    }
    assert_eq!(
        r["compliant"].as_array().unwrap().len(),
        snap.securables.len()
    );
}
