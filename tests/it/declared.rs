//! Declared model: loader diagnostics (every bad-input case of issue 2 item 9, with message
//! and location), convention violations, data-driven cases under `tests/cases/declared/`,
//! the `validate` / `declared show` CLI exit codes, and a no-panic property over arbitrary
//! input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::fs;
use std::path::{Path, PathBuf};

use brickkit::declared::json::{DeclaredJson, to_pretty};
use brickkit::declared::{self, Diagnostic, Level, LoadResult, SourceFile};
use brickkit::model::{PolicyArg, SecurableKind};
use proptest::prelude::*;

use crate::support::{brickkit, brickkit_with};

// ---------------------------------------------------------------------------------------
// In-memory trees

const PROJECT: &str = "\
project: t
default_environment: dev
environments:
  dev: {}
  prd: {}
conventions: [conv.yaml]
principals:
  analysts: {dev: grp_analysts_dev, prd: grp_analysts}
";

const CONVENTION: &str = "\
convention: t
naming:
  catalog: {suffix: \"_{env}\", pattern: \"^[a-z][a-z0-9_]*$\"}
owners:
  catalog: \"grp_platform_{env}\"
  default: grp_data_eng
tags:
  required:
    - {key: data_owner, applies_to: [table]}
    - {key: data_classification, allowed: [public, internal], applies_to: [table]}
";

fn tree(extra: &[(&str, &str)]) -> Vec<SourceFile> {
    let mut files = vec![
        SourceFile::new("brickkit.yaml", PROJECT),
        SourceFile::new("conv.yaml", CONVENTION),
    ];
    for (p, t) in extra {
        files.retain(|f| f.path != Path::new(p));
        files.push(SourceFile::new(*p, *t));
    }
    files
}

fn load(extra: &[(&str, &str)]) -> LoadResult {
    declared::load_sources(&tree(extra), None)
}

/// The only diagnostic of a result; fails with the whole list otherwise.
fn single(r: &LoadResult) -> &Diagnostic {
    assert_eq!(r.diagnostics.len(), 1, "{:#?}", r.diagnostics);
    &r.diagnostics[0]
}

fn assert_at(d: &Diagnostic, file: &str, line: usize, column: usize) {
    let o = d
        .origin
        .as_ref()
        .unwrap_or_else(|| panic!("no origin: {d}"));
    assert_eq!(
        (o.file.as_path(), o.line, o.column),
        (Path::new(file), line, column),
        "{d}"
    );
}

const GOOD_TABLE: &str = "\
catalogs:
  - name: sales
    schemas:
      - name: orders
        tables:
          - name: t
            tags: {data_owner: x, data_classification: public}
";

#[test]
fn issue_example_resolves_names_in_dev() {
    let r = load(&[(
        "sales.yaml",
        "\
catalogs:
  - name: sales
    grants:
      - {principal: analysts, privileges: [USE_CATALOG, browse]}
      - {principal: account users, privileges: [BROWSE]}
    schemas:
      - name: orders
        functions:
          - {name: region_filter, create: true, params: [{name: region, type: STRING}], returns: BOOLEAN, body: \"true\"}
        tables:
          - name: orders
            tags: {data_owner: x, data_classification: internal}
            row_filter: {function: sales.orders.region_filter, columns: [region]}
",
    )]);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    let s = r.state.as_ref().unwrap();
    let names: Vec<&str> = s.securables.iter().map(|s| s.full_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sales_dev",
            "sales_dev.orders",
            "sales_dev.orders.orders",
            "sales_dev.orders.region_filter"
        ]
    );
    let cat = &s.securables[0];
    assert_eq!(cat.owner.as_deref(), Some("grp_platform_dev"));
    let g = cat.grants.as_ref().unwrap();
    assert_eq!(
        g["grp_analysts_dev"].iter().collect::<Vec<_>>(),
        ["BROWSE", "USE_CATALOG"]
    );
    assert!(g.contains_key("account users"));
    assert_eq!(s.securables[1].owner.as_deref(), Some("grp_data_eng"));
    assert_eq!(
        s.securables[1].grants, None,
        "no `grants:` key = not governed"
    );
    assert_eq!(
        s.securables[2].row_filter.as_ref().unwrap().function,
        "sales_dev.orders.region_filter"
    );
    assert!(!s.securables[2].create, "tables are references by default");
}

#[test]
fn malformed_yaml_is_located() {
    let r = load(&[("a.yaml", "catalogs:\n  - name: [sales\n")]);
    let d = single(&r);
    assert_eq!(d.level, Level::Error);
    assert!(d.message.starts_with("invalid resource file:"), "{d}");
    assert_eq!(d.origin.as_ref().unwrap().file, Path::new("a.yaml"));
    assert_eq!(d.origin.as_ref().unwrap().line, 2, "{d}");
}

#[test]
fn unknown_key_is_located_and_named() {
    let r = load(&[("a.yaml", "catalogs:\n  - name: sales\n    comments: typo\n")]);
    let d = single(&r);
    assert_eq!(d.code, "unknown-key");
    assert!(d.message.contains("unknown field `comments`"), "{d}");
    assert_at(d, "a.yaml", 3, 5);
}

#[test]
fn several_key_and_type_problems_in_one_file_are_all_reported() {
    let r = load(&[(
        "a.yaml",
        "\
catalogs:
  - name: sales
    comments: typo
  - name: hr
    schemas:
      - name: people
        tables:
          - {name: t, create: maybe}
          - {name: u, colums: []}
  - name: ok
    grants:
      - {principal: x, privileges: USE_CATALOG}
",
    )]);
    let found: Vec<(usize, &str)> = r
        .diagnostics
        .iter()
        .map(|d| (d.origin.as_ref().unwrap().line, d.code))
        .collect();
    assert_eq!(
        found,
        [
            (3, "unknown-key"),
            (8, "type"),
            (9, "unknown-key"),
            (12, "type")
        ],
        "{:#?}",
        r.diagnostics
    );
    assert!(r.diagnostics[2].message.contains("unknown field `colums`"));
    // The rest of the file is lowered (for its semantic checks) without the blanked items;
    // nothing is guessed for them, and the tree is refused.
    let mut names: Vec<&str> = r
        .state
        .as_ref()
        .unwrap()
        .securables
        .iter()
        .map(|s| s.full_name.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["hr_dev", "hr_dev.people", "ok_dev"]);
    assert!(r.has_errors() && r.valid_state().is_none());
}

#[test]
fn wrong_type_is_located() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: sales\n    grants:\n      - {principal: x, privileges: USE_CATALOG}\n",
    )]);
    let d = single(&r);
    assert_eq!(d.code, "type");
    assert_eq!(d.origin.as_ref().unwrap().line, 4, "{d}");
}

#[test]
fn duplicate_securables_across_files() {
    let r = load(&[("a.yaml", GOOD_TABLE), ("b/b.yaml", GOOD_TABLE)]);
    // catalog, schema and table are each declared twice; the second of each is reported
    // with where the first one is.
    let dups: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        dups,
        [
            "b/b.yaml:2:11: error[duplicate]: duplicate catalog `sales_dev` (first declared at a.yaml:2:11)",
            "b/b.yaml:4:15: error[duplicate]: duplicate schema `sales_dev.orders` (first declared at a.yaml:4:15)",
            "b/b.yaml:6:19: error[duplicate]: duplicate table `sales_dev.orders.t` (first declared at a.yaml:6:19)",
        ]
    );
    // the state keeps one of each
    assert_eq!(r.state.as_ref().unwrap().securables.len(), 3);
}

#[test]
fn privilege_not_applicable_to_kind() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: sales\n    schemas:\n      - name: s\n        tables:\n          - name: t\n            tags: {data_owner: x, data_classification: public}\n            grants: [{principal: analysts, privileges: [SELECT, USE_CATALOG]}]\n",
    )]);
    let d = single(&r);
    assert_eq!(d.code, "privilege");
    assert!(
        d.message
            .starts_with("privilege `USE_CATALOG` does not apply to a table (allowed: "),
        "{d}"
    );
    assert_at(d, "a.yaml", 8, 65);
    // the valid privilege is kept, canonical
    let t = &r.state.as_ref().unwrap().securables[2];
    assert_eq!(
        t.grants.as_ref().unwrap()["grp_analysts_dev"]
            .iter()
            .collect::<Vec<_>>(),
        ["SELECT"]
    );
}

#[test]
fn filter_and_mask_columns_must_exist_on_created_tables() {
    let r = load(&[(
        "a.yaml",
        "\
catalogs:
  - name: sales
    schemas:
      - name: s
        functions:
          - {name: f, create: true, returns: BOOLEAN, body: \"true\"}
        tables:
          - name: t
            create: true
            tags: {data_owner: x, data_classification: public}
            row_filter: {function: sales.s.f, columns: [regoin]}
            columns:
              - {name: region, type: STRING}
              - {name: email, type: STRING, mask: {function: sales.s.f, using: [nope]}}
",
    )]);
    let lines: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "a.yaml:11:57: error[unknown-column]: row filter names column `regoin`, which table `sales.s.t` does not declare",
            "a.yaml:14:81: error[unknown-column]: mask `using` names column `nope`, which table `sales.s.t` does not declare",
        ]
    );
}

/// `{constant: ...}` items are constants (string -> `'US'`, number -> `42`) and name no
/// column; a malformed item is `bad-argument` at its line and column.
#[test]
fn filter_and_mask_constants() {
    let r = load(&[(
        "a.yaml",
        "\
catalogs:
  - name: sales
    schemas:
      - name: s
        functions:
          - {name: f, create: true, returns: BOOLEAN, body: \"true\"}
        tables:
          - name: t
            create: true
            tags: {data_owner: x, data_classification: public}
            row_filter: {function: sales.s.f, columns: [region, {constant: \"it's\"}, {constant: 42}]}
            columns:
              - {name: region, type: STRING}
              - {name: email, type: STRING, mask: {function: sales.s.f, using: [{column: region}, {constant: [1]}]}}
",
    )]);
    let lines: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "a.yaml:14:81: error[bad-argument]: mask `using` argument: unknown key `column` in an argument (a column is written as its name, a constant as {constant: ...})",
            "a.yaml:14:99: error[bad-argument]: mask `using` argument: `constant` takes a string or a number",
        ]
    );
    let r = load(&[(
        "a.yaml",
        "\
catalogs:
  - name: sales
    schemas:
      - name: s
        functions:
          - {name: f, create: true, returns: BOOLEAN, body: \"true\"}
        tables:
          - name: t
            create: true
            tags: {data_owner: x, data_classification: public}
            row_filter: {function: sales.s.f, columns: [region, {constant: \"it's\"}, {constant: 42}]}
            columns:
              - {name: region, type: STRING}
",
    )]);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let st = r.state.as_ref().unwrap();
    let t = st
        .securables
        .iter()
        .find(|s| s.full_name.ends_with(".t"))
        .unwrap();
    assert_eq!(
        t.row_filter.as_ref().unwrap().columns,
        [
            PolicyArg::column("region"),
            PolicyArg::Constant("'it\\'s'".into()),
            PolicyArg::Constant("42".into()),
        ]
    );
}

#[test]
fn unknown_environment() {
    let r = declared::load_sources(&tree(&[]), Some("acc"));
    let d = single(&r);
    assert_eq!(d.code, "unknown-environment");
    assert_eq!(
        d.message,
        "unknown environment `acc` (brickkit.yaml declares: dev, prd)"
    );
    assert_at(d, "brickkit.yaml", 4, 3);
    assert!(r.has_errors() && r.valid_state().is_none());
}

#[test]
fn missing_convention_file() {
    let files: Vec<SourceFile> = tree(&[])
        .into_iter()
        .filter(|f| f.path != Path::new("conv.yaml"))
        .collect();
    let r = declared::load_sources(&files, None);
    let d = single(&r);
    assert_eq!(d.code, "missing-convention");
    assert_eq!(
        d.message,
        "convention file `conv.yaml` does not exist in the governance directory"
    );
    assert_at(d, "brickkit.yaml", 6, 15);
}

#[test]
fn literal_secret_in_connection() {
    let r = load(&[(
        "c.yaml",
        "connections:\n  - name: pg\n    connection_type: postgresql\n    options: {host: h, password: hunter2, client_secret: \"${env:PG_SECRET}\"}\n",
    )]);
    let d = single(&r);
    assert_eq!(d.code, "secret");
    assert!(
        d.message.starts_with(
            "option `password` of connection `pg` looks like a literal secret: write it as `${env:VAR}`"
        ),
        "{d}"
    );
    assert_at(d, "c.yaml", 4, 34);
    let c = &r.state.as_ref().unwrap().securables[0];
    assert!(!c.details.values().any(|v| v == "hunter2"));
    assert_eq!(c.details["options.client_secret"], "${env:PG_SECRET}");
}

#[test]
fn invalid_names() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: \"sales.eu\"\n  - name: \"\"\nstorage_credentials:\n  - {name: \"a b\", aws_iam_role: {role_arn: x}}\n",
    )]);
    let lines: Vec<(usize, usize, &str)> = r
        .diagnostics
        .iter()
        .map(|d| {
            let o = d.origin.as_ref().unwrap();
            (o.line, o.column, d.code)
        })
        .collect();
    assert_eq!(
        lines,
        [
            (2, 11, "invalid-name"),
            (3, 11, "invalid-name"),
            (5, 12, "invalid-name")
        ]
    );
    assert!(
        r.diagnostics[0]
            .message
            .starts_with("invalid catalog name `sales.eu`: names must be"),
        "{}",
        r.diagnostics[0]
    );
}

#[test]
fn problems_under_an_invalid_name_are_still_reported() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: \"bad name\"\n    grants: [{principal: x, privileges: [EXECUTE_ALL]}]\n    schemas:\n      - name: s\n        tables:\n          - {name: t, create: true, columns: [{name: a}]}\n",
    )]);
    let codes: Vec<(usize, &str)> = r
        .diagnostics
        .iter()
        .map(|d| (d.origin.as_ref().unwrap().line, d.code))
        .collect();
    assert_eq!(
        codes,
        [
            (2, "invalid-name"),
            (3, "privilege"),
            (7, "required-tag"),
            (7, "required-tag"),
            (7, "column-type")
        ],
        "{:#?}",
        r.diagnostics
    );
    assert!(r.has_errors() && r.valid_state().is_none());
}

#[test]
fn principal_alias_without_name_for_environment() {
    let project = PROJECT.replace(
        "analysts: {dev: grp_analysts_dev, prd: grp_analysts}",
        "analysts: {prd: grp_analysts}",
    );
    let r = load(&[
        ("brickkit.yaml", &project),
        (
            "a.yaml",
            "catalogs:\n  - name: sales\n    owner: analysts\n",
        ),
    ]);
    let d = single(&r);
    assert_eq!(d.code, "principal");
    assert!(
        d.message
            .starts_with("principal alias `analysts` has no name for environment `dev`"),
        "{d}"
    );
    assert_at(d, "a.yaml", 3, 12);
}

#[test]
fn undeclared_function_in_declared_catalog() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: sales\n    schemas:\n      - name: s\n        tables:\n          - name: t\n            tags: {data_owner: x, data_classification: public}\n            row_filter: {function: sales.s.nope}\n            columns: [{name: c, mask: {function: other.s.m}}]\n",
    )]);
    let d = single(&r);
    assert_eq!(d.code, "function");
    assert!(
        d.message
            .starts_with("function `sales.s.nope` is not declared"),
        "{d}"
    );
    assert_at(d, "a.yaml", 8, 36);
    // a function in an undeclared catalog is kept as written
    let t = &r.state.as_ref().unwrap().securables[2];
    assert_eq!(t.columns[0].mask.as_ref().unwrap().function, "other.s.m");
}

#[test]
fn created_table_columns_need_types() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: sales\n    schemas:\n      - name: s\n        tables:\n          - name: t\n            create: true\n            tags: {data_owner: x, data_classification: public}\n            columns: [{name: a, type: INT}, {name: b}, {name: A, type: INT}]\n",
    )]);
    let lines: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "a.yaml:9:52: error[column-type]: column `b` of table `sales.s.t` has no `type` (every column needs one with `create: true`)",
            "a.yaml:9:63: error[duplicate]: duplicate column `A` in table `sales.s.t` (first declared at a.yaml:9:30)",
        ]
    );
}

#[test]
fn convention_violations_are_violations_not_errors() {
    let r = load(&[(
        "a.yaml",
        "catalogs:\n  - name: Sales\n    schemas:\n      - name: s\n        tables:\n          - name: t1\n            tags: {data_classification: secret}\n",
    )]);
    assert!(!r.has_errors(), "{:#?}", r.diagnostics);
    assert!(r.has_violations());
    let lines: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "a.yaml:2:11: violation[naming]: catalog name `Sales` does not match the naming pattern `^[a-z][a-z0-9_]*$`",
            "a.yaml:6:19: violation[required-tag]: table `sales.s.t1` lacks required tag `data_owner`",
            "a.yaml:7:41: violation[required-tag]: tag `data_classification` of table `sales.s.t1` is `secret`, not one of: public, internal",
        ]
    );
    // full names are lower case
    assert_eq!(
        r.state.as_ref().unwrap().securables[0].full_name,
        "sales_dev"
    );
}

#[test]
fn no_project_file() {
    let r = declared::load_sources(&[SourceFile::new("a.yaml", GOOD_TABLE)], None);
    let d = single(&r);
    assert_eq!(d.code, "missing-project");
    assert!(d.origin.is_none());
    assert!(r.has_errors() && r.valid_state().is_none());
}

#[test]
fn unlisted_convention_file_gets_a_hint() {
    let r = load(&[("other.yaml", "convention: x\n")]);
    let d = single(&r);
    assert_eq!(d.code, "unknown-key");
    assert!(
        d.message.contains("must be listed under `conventions:`"),
        "{d}"
    );
    assert_at(d, "other.yaml", 1, 1);
}

#[test]
fn environments_filter_and_per_env_defaults() {
    let conv = format!(
        "{CONVENTION}  defaults:\n    - {{key: env_tag, value: development, per_env: {{prd: production}}, applies_to: [catalog]}}\n"
    );
    let files = [
        ("conv.yaml", conv.as_str()),
        (
            "a.yaml",
            "catalogs:\n  - name: sales\n  - name: scratch\n    environments: [dev]\n",
        ),
        // a schema of a dev-only catalog, in another file: absent in prd, not an error
        ("b.yaml", "schemas:\n  - {name: tmp, catalog: scratch}\n"),
    ];
    let dev = load(&files);
    let prd = declared::load_sources(&tree(&files), Some("prd"));
    assert!(dev.diagnostics.is_empty() && prd.diagnostics.is_empty());
    let names = |r: &LoadResult| -> Vec<(String, String)> {
        r.state
            .as_ref()
            .unwrap()
            .securables
            .iter()
            .filter(|s| s.kind == SecurableKind::Catalog)
            .map(|s| (s.full_name.clone(), s.tags["env_tag"].clone()))
            .collect()
    };
    assert_eq!(
        names(&dev),
        [
            ("sales_dev".into(), "development".into()),
            ("scratch_dev".into(), "development".into())
        ]
    );
    assert_eq!(names(&prd), [("sales_prd".into(), "production".into())]);
    let all = |r: &LoadResult| r.state.as_ref().unwrap().securables.len();
    assert_eq!((all(&dev), all(&prd)), (3, 1));
}

// ---------------------------------------------------------------------------------------
// A tree with several mistakes across several files: every one is reported.

#[test]
fn every_mistake_of_a_broken_tree_is_reported() {
    let r = declared::load(
        &repo().join("tests/cases/declared/many-mistakes/tree"),
        None,
    );
    let codes: Vec<(&str, String)> = r
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                d.origin
                    .as_ref()
                    .map(|o| o.file.display().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let files: std::collections::BTreeSet<&str> = codes.iter().map(|(_, f)| f.as_str()).collect();
    assert!(files.len() >= 3, "{codes:?}");
    for code in [
        "duplicate",
        "privilege",
        "secret",
        "unknown-key",
        "unknown-column",
    ] {
        assert!(
            codes.iter().any(|(c, _)| *c == code),
            "{code} missing: {codes:?}"
        );
    }
    assert!(r.diagnostics.iter().all(|d| d.origin.is_some()));
}

// ---------------------------------------------------------------------------------------
// Data-driven cases: tests/cases/declared/<case>/{tree/ | source, env?, expected.txt,
// expected.json?}. `expected.txt` lists the diagnostics (paths relative to the tree);
// `expected.json` is the effective state when it loads without errors.

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_golden(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        fs::write(path, actual).unwrap();
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs (UPDATE_EXPECT=1 to refresh)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(e) => failures.push(format!("{}: {e} (UPDATE_EXPECT=1 to create)", path.display())),
    }
}

#[test]
fn data_driven_cases() {
    let root = repo().join("tests/cases/declared");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "cases: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let tree = match fs::read_to_string(case.join("source")) {
            Ok(s) => repo().join(s.trim()),
            Err(_) => case.join("tree"),
        };
        let env = fs::read_to_string(case.join("env")).ok();
        let r = declared::load(&tree, env.as_deref().map(str::trim));
        let mut text = String::new();
        for d in &r.diagnostics {
            text.push_str(&d.to_string());
            text.push('\n');
        }
        text.push_str(&format!(
            "state: {}; errors: {}; violations: {}\n",
            if r.state.is_some() { "built" } else { "none" },
            r.has_errors(),
            r.has_violations()
        ));
        check_golden(&case.join("expected.txt"), &text, &mut failures);
        if let Some(s) = r.valid_state() {
            let json = to_pretty(&DeclaredJson::from_state(s)).unwrap();
            check_golden(&case.join("expected.json"), &json, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------
// CLI: exit codes and formats.

#[test]
fn cli_validate_example_is_valid_in_dev_and_prd() {
    for env in ["dev", "prd"] {
        let (code, out, err) = brickkit(&["validate", "examples/governance", "--env", env]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(&format!("valid (environment {env})")), "{out}");
    }
}

#[test]
fn cli_validate_env_comes_from_brickkit_env() {
    let out = brickkit_with(
        &["validate", "examples/governance", "--format", "json"],
        &[("BRICKKIT_ENV", "prd")],
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["environment"], "prd");
}

#[test]
fn cli_validate_violations_exit_1() {
    let (code, out, _) = brickkit(&["validate", "tests/cases/declared/violations-only/tree"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("violation[required-tag]"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .contains("convention violation(s)"),
        "{out}"
    );
}

#[test]
fn cli_validate_errors_exit_2_with_every_problem() {
    let (code, out, _) = brickkit(&["validate", "tests/cases/declared/many-mistakes/tree"]);
    assert_eq!(code, 2, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 6, "{out}");
    // every diagnostic line is `path:line:column: level[code]: message`
    for l in &lines[..lines.len() - 1] {
        assert!(
            l.starts_with("tests/cases/declared/many-mistakes/tree/"),
            "{l}"
        );
        let rest = l.splitn(4, ':').collect::<Vec<_>>();
        assert!(
            rest[1].parse::<usize>().is_ok() && rest[2].parse::<usize>().is_ok(),
            "{l}"
        );
    }
    assert!(lines.last().unwrap().contains("cannot be loaded"), "{out}");
}

#[test]
fn cli_validate_json_is_versioned() {
    let (code, out, _) = brickkit(&[
        "validate",
        "tests/cases/declared/many-mistakes/tree",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["outcome"], "errors");
    let d = &v["diagnostics"][0];
    for key in ["level", "code", "file", "line", "column", "message"] {
        assert!(d.get(key).is_some(), "{key} in {d}");
    }
}

#[test]
fn cli_missing_dir_and_unknown_env_exit_2() {
    let (code, out, _) = brickkit(&["validate", "does/not/exist"]);
    assert_eq!(code, 2);
    assert!(out.contains("does not exist"), "{out}");
    let (code, out, _) = brickkit(&["validate", "examples/governance", "--env", "acc"]);
    assert_eq!(code, 2);
    assert!(out.contains("unknown environment `acc`"), "{out}");
}

#[test]
fn cli_declared_show_json_has_resolved_names() {
    let (code, out, err) = brickkit(&[
        "declared",
        "show",
        "examples/governance",
        "--env",
        "dev",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["project"], "acme");
    assert_eq!(v["environment"], "dev");
    let secs = v["securables"].as_array().unwrap();
    let find = |kind: &str, name: &str| {
        secs.iter()
            .find(|s| s["kind"] == kind && s["full_name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} not in output"))
    };
    assert_eq!(find("catalog", "sales_dev")["owner"], "grp_platform_dev");
    assert_eq!(find("schema", "sales_dev.orders")["owner"], "grp_data_eng");
    let orders = find("table", "sales_dev.orders.orders");
    assert_eq!(
        orders["row_filter"]["function"],
        "sales_dev.orders.region_filter"
    );
    assert_eq!(
        find("catalog", "sales_dev")["grants"]["grp_sales_analysts_dev"],
        serde_json::json!(["BROWSE", "USE_CATALOG"])
    );
    for s in secs {
        for key in [
            "kind",
            "full_name",
            "owner",
            "comment",
            "tags",
            "grants",
            "row_filter",
            "column_masks",
            "columns",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    // deterministic
    let (_, again, _) = brickkit(&[
        "declared",
        "show",
        "examples/governance",
        "--env",
        "dev",
        "--format",
        "json",
    ]);
    assert_eq!(out, again);
}

#[test]
fn cli_declared_show_refuses_broken_tree() {
    let (code, out, err) = brickkit(&[
        "declared",
        "show",
        "tests/cases/declared/many-mistakes/tree",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("error[duplicate]"), "{err}");
}

// ---------------------------------------------------------------------------------------
// No input makes the loader panic.

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_resource_text_never_panics(text in "\\PC{0,300}") {
        let _ = load(&[("a.yaml", text.as_str())]);
    }

    #[test]
    fn arbitrary_bytes_as_project_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = declared::load_sources(&[SourceFile::new("brickkit.yaml", text)], Some("dev"));
    }

    #[test]
    fn yaml_shaped_noise_never_panics(
        keys in proptest::collection::vec(
            prop::sample::select(vec![
                "catalogs:", "- name:", "schemas:", "tables:", "grants:", "principal:",
                "privileges:", "[", "]", "{", "}", "create: true", "columns:", "row_filter:",
                "function:", "mask:", "tags:", "connections:", "options:", "&a", "*a", "<<:",
                "\"", "'", "#", ",", ":", "-", "sales", "x.y.z", "${env:A}", "\n", "  ", "\t",
            ]),
            0..60,
        )
    ) {
        let text = keys.join(" ");
        let r = load(&[("a.yaml", text.as_str())]);
        for d in &r.diagnostics {
            prop_assert!(!d.message.contains('\n'));
        }
    }
}

/// Data types, parameter names and return types go into DDL unquoted (they cannot be
/// quoted), so anything that is not plain is refused where it is written.
#[test]
fn types_and_signatures_that_would_paste_sql_are_refused() {
    let r = load(&[(
        "a.yaml",
        "\
catalogs:
  - name: sales
    schemas:
      - name: s
        functions:
          - name: f
            create: true
            params: [{name: \"v) RETURN 1; --\", type: STRING}, {name: w, type: \"INT; DROP\"}]
            returns: \"BOOLEAN --\"
            body: \"true\"
        tables:
          - name: t
            create: true
            tags: {data_owner: x, data_classification: public}
            columns:
              - {name: ok, type: \"STRUCT<a: INT, b: DECIMAL(18,2)>\"}
              - {name: bad, type: \"STRING) ; DROP TABLE x --\"}
",
    )]);
    let codes: Vec<(&str, usize)> = r
        .diagnostics
        .iter()
        .map(|d| (d.code, d.origin.as_ref().map_or(0, |o| o.line)))
        .collect();
    assert_eq!(
        codes,
        [
            ("function-signature", 8),
            ("function-signature", 8),
            ("function-signature", 9),
            ("column-type", 17),
        ],
        "{:#?}",
        r.diagnostics
    );
}

// ---------------------------------------------------------------------------------------
// Editors: the JSON Schema of the declaration files.

#[test]
fn checked_in_schema_is_what_brickkit_schema_prints() {
    let (code, out, err) = brickkit(&["schema"]);
    assert_eq!(code, 0, "{err}");
    let mut failures = Vec::new();
    check_golden(
        &repo().join("docs/schema/brickkit.schema.json"),
        &out,
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let all: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all["anyOf"].as_array().map(Vec::len), Some(3), "{out}");
    // Each kind on its own: closed objects (unknown keys refused, as the loader does).
    for (kind, required) in [
        ("project", "project"),
        ("conventions", "convention"),
        ("resources", ""),
    ] {
        let (code, out, err) = brickkit(&["schema", kind]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["additionalProperties"], false, "{kind}: {out}");
        let req: Vec<&str> = v["required"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            req.contains(&required),
            !required.is_empty(),
            "{kind}: {req:?}"
        );
    }
}

#[test]
fn every_example_file_names_the_schema() {
    let mut files = Vec::new();
    let mut dirs = vec![repo().join("examples/governance")];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 5, "{files:?}");
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("# yaml-language-server: $schema="))
            .unwrap_or_else(|| panic!("{} has no $schema line", f.display()));
        let target = f.parent().unwrap().join(line.trim());
        assert!(
            target.ends_with("docs/schema/brickkit.schema.json") && target.is_file(),
            "{}: {line}",
            f.display()
        );
    }
}
