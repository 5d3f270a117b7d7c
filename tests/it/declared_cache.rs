//! The parsed-file cache (issue #16 item 4): a load through the cache gives the same model
//! and the same diagnostics (file, line, column, message) as parsing every file; editing
//! one file re-parses exactly that file; a corrupt or foreign entry is ignored and
//! rewritten; a cache that cannot be written never fails a load; the CLI's switches.

use std::fs;
use std::path::{Path, PathBuf};

use brickkit::declared::cache::Cache;
use brickkit::declared::{self, LoadResult};

use crate::support::{brickkit_with, repo};

/// The example tree plus a large generated resource file (with convention violations)
/// and a file with key and type problems in list items (recovered, with diagnostics).
fn make_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    copy_dir(&repo().join("examples/governance"), &tree);
    let mut bulk =
        String::from("catalogs:\n  - name: bulk\n    schemas:\n      - name: s\n        tables:\n");
    for i in 0..600 {
        bulk.push_str(&format!(
            "          - name: t{i}\n            comment: table number {i}\n            tags: {{data_owner: team{}, data_classification: internal}}\n            grants:\n              - {{principal: sales_analysts, privileges: [SELECT]}}\n            columns:\n              - {{name: id, type: BIGINT}}\n              - {{name: email, tags: {{pii: \"true\"}}}}\n",
            i % 7
        ));
    }
    // A table without its required tags: a violation from the conventions.
    bulk.push_str("          - name: untagged\n");
    fs::write(tree.join("catalogs/bulk.yaml"), bulk).unwrap();
    fs::write(
        tree.join("catalogs/broken.yaml"),
        "catalogs:\n  - name: broken\n    schemas:\n      - name: s\n        tables:\n          - name: a\n            bogus: 1\n          - name: b\n            tags: [x]\n          - name: c\n            tags: {data_owner: x, data_classification: internal}\n",
    )
    .unwrap();
    tree
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn yaml_files(tree: &Path) -> u64 {
    let mut n = 0;
    let mut stack = vec![tree.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                n += 1;
            }
        }
    }
    n
}

/// Every entry file of a cache folder, sorted.
fn entries(cache: &Cache) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in fs::read_dir(cache.dir()).unwrap() {
        for f in fs::read_dir(d.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out.sort();
    out
}

fn cache_at(base: &Path) -> Cache {
    Cache::new(base, b"test build").with_min_file_bytes(0)
}

fn uncached(tree: &Path, env: &str) -> LoadResult {
    declared::load_with(tree, Some(env), None)
}

#[test]
fn cached_and_uncached_loads_give_the_same_model_and_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    let files = yaml_files(&tree);
    let plain = uncached(&tree, "dev");
    // The tree has located errors from recovery and convention violations, and a model.
    let state = plain.state.as_ref().unwrap();
    assert!(state.securables.len() > 600, "{}", state.securables.len());
    let lines: Vec<String> = plain.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        lines.iter().any(|l| l.contains("broken.yaml:7:")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("broken.yaml:9:")),
        "{lines:#?}"
    );
    assert!(plain.has_violations(), "{lines:#?}");

    let cold = cache_at(&dir.path().join("cache"));
    let first = declared::load_with(&tree, Some("dev"), Some(&cold));
    let s = cold.stats();
    assert_eq!((s.hits, s.misses, s.writes), (0, files, files), "{s:?}");
    assert_eq!(first, plain);

    let warm = cache_at(&dir.path().join("cache"));
    let second = declared::load_with(&tree, Some("dev"), Some(&warm));
    let s = warm.stats();
    assert_eq!((s.hits, s.misses, s.writes), (files, 0, 0), "{s:?}");
    assert_eq!(second, plain);
    let rendered: Vec<String> = second.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(rendered, lines);

    // Entries do not depend on the environment: another one loads from them too.
    let prd = declared::load_with(&tree, Some("prd"), Some(&warm));
    assert_eq!(prd, uncached(&tree, "prd"));
    assert_eq!(warm.stats().hits, 2 * files);
}

#[test]
fn editing_one_file_reparses_exactly_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    let files = yaml_files(&tree);
    let base = dir.path().join("cache");
    declared::load_with(&tree, Some("dev"), Some(&cache_at(&base)));
    let sales = tree.join("catalogs/sales.yaml");
    let text = fs::read_to_string(&sales).unwrap();
    fs::write(
        &sales,
        text.replace("One row per order\n", "One row per order, edited\n"),
    )
    .unwrap();

    let c = cache_at(&base);
    let got = declared::load_with(&tree, Some("dev"), Some(&c));
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.writes), (files - 1, 1, 1), "{s:?}");
    assert_eq!(got, uncached(&tree, "dev"));
    let orders = got
        .state
        .as_ref()
        .unwrap()
        .securables
        .iter()
        .find(|s| s.full_name == "sales_dev.orders.orders")
        .unwrap();
    assert_eq!(orders.comment.as_deref(), Some("One row per order, edited"));

    // Touching a file without changing it re-parses nothing (content, not mtime).
    fs::write(&sales, fs::read(&sales).unwrap()).unwrap();
    let c = cache_at(&base);
    declared::load_with(&tree, Some("dev"), Some(&c));
    assert_eq!(c.stats().misses, 0);
}

#[test]
fn corrupt_truncated_and_foreign_entries_are_ignored_and_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    let files = yaml_files(&tree);
    let base = dir.path().join("cache");
    let c = cache_at(&base);
    declared::load_with(&tree, Some("dev"), Some(&c));
    let all = entries(&c);
    assert_eq!(all.len() as u64, files);
    let mut bytes: Vec<Vec<u8>> = all.iter().map(|p| fs::read(p).unwrap()).collect();
    // Truncated, one payload byte flipped, garbage, another file's entry.
    fs::write(&all[0], &bytes[0][..bytes[0].len() / 2]).unwrap();
    let last = bytes[1].len() - 1;
    bytes[1][last] ^= 0x20;
    fs::write(&all[1], &bytes[1]).unwrap();
    fs::write(&all[2], b"not an entry").unwrap();
    fs::write(&all[3], &bytes[4]).unwrap();

    let c = cache_at(&base);
    let got = declared::load_with(&tree, Some("dev"), Some(&c));
    assert_eq!(got, uncached(&tree, "dev"));
    let s = c.stats();
    assert_eq!((s.hits, s.misses, s.writes), (files - 4, 4, 4), "{s:?}");
    // Rewritten: the next load hits every file.
    let c = cache_at(&base);
    declared::load_with(&tree, Some("dev"), Some(&c));
    assert_eq!(c.stats().hits, files);

    // Another build never reads these entries.
    let other = Cache::new(&base, b"another build").with_min_file_bytes(0);
    assert_eq!(declared::load_with(&tree, Some("dev"), Some(&other)), got);
    assert_eq!(other.stats().hits, 0);
}

#[test]
fn a_cache_that_cannot_be_written_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    // A file where the cache folder should be: nothing can be created under it (as root
    // too, unlike a folder without write permission).
    let blocked = dir.path().join("blocked");
    fs::write(&blocked, "a file").unwrap();
    let c = cache_at(&blocked);
    let got = declared::load_with(&tree, Some("dev"), Some(&c));
    assert_eq!(got, uncached(&tree, "dev"));
    let s = c.stats();
    assert_eq!(s.writes, 0);
    assert_eq!(s.write_errors, yaml_files(&tree), "{s:?}");
    assert!(s.first_error.is_some());
}

#[test]
fn the_cache_is_pruned_to_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    let base = dir.path().join("cache");
    let c = cache_at(&base);
    declared::load_with(&tree, Some("dev"), Some(&c));
    let size = |c: &Cache| -> u64 {
        entries(c)
            .iter()
            .map(|p| fs::metadata(p).unwrap().len())
            .sum()
    };
    let full = size(&c);
    // A limit of half: the next load that writes prunes to 3/4 of it.
    let small = cache_at(&base).with_max_bytes(full / 2);
    fs::write(tree.join("catalogs/extra.yaml"), "catalogs: []\n").unwrap();
    let got = declared::load_with(&tree, Some("dev"), Some(&small));
    assert_eq!(got, uncached(&tree, "dev"));
    assert!(
        size(&small) <= full / 2 / 4 * 3,
        "{} > {}",
        size(&small),
        full
    );
}

#[test]
fn cli_cache_switches_and_unwritable_warning() {
    let dir = tempfile::tempdir().unwrap();
    let tree = make_tree(dir.path());
    let tree_s = tree.to_str().unwrap();
    let cache_dir = dir.path().join("cli-cache");
    let cache_s = cache_dir.to_str().unwrap();
    let plain = brickkit_with(&["validate", tree_s, "--no-cache"], &[]);
    assert_eq!(plain.code, 2, "{}", plain.stderr);

    // bulk.yaml is over the CLI's 64 KiB threshold: the only file cached.
    let cold = brickkit_with(
        &["validate", tree_s, "-v"],
        &[("BRICKKIT_CACHE_DIR", cache_s)],
    );
    let warm = brickkit_with(
        &["validate", tree_s, "-v"],
        &[("BRICKKIT_CACHE_DIR", cache_s)],
    );
    assert_eq!((cold.code, &cold.stdout), (plain.code, &plain.stdout));
    assert_eq!((warm.code, &warm.stdout), (plain.code, &plain.stdout));
    assert!(cold.stderr.contains("1 written"), "{}", cold.stderr);
    assert!(warm.stderr.contains("1 hit"), "{}", warm.stderr);

    // Off: no cache line at -v.
    for (args, env) in [
        (vec!["validate", tree_s, "-v", "--no-cache"], vec![]),
        (
            vec!["validate", tree_s, "-v"],
            vec![("BRICKKIT_CACHE", "off")],
        ),
    ] {
        let mut env = env;
        env.push(("BRICKKIT_CACHE_DIR", cache_s));
        let r = brickkit_with(&args, &env);
        assert_eq!((r.code, &r.stdout), (plain.code, &plain.stdout));
        assert!(!r.stderr.contains("parsed-file cache"), "{}", r.stderr);
    }

    // Unwritable: same result; a warning at -v only.
    let blocked = dir.path().join("blocked");
    fs::write(&blocked, "a file").unwrap();
    let env = [("BRICKKIT_CACHE_DIR", blocked.to_str().unwrap())];
    let quiet = brickkit_with(&["validate", tree_s], &env);
    assert_eq!((quiet.code, &quiet.stdout), (plain.code, &plain.stdout));
    assert!(
        !quiet.stderr.contains("could not store"),
        "{}",
        quiet.stderr
    );
    let loud = brickkit_with(&["validate", tree_s, "-v"], &env);
    assert_eq!((loud.code, &loud.stdout), (plain.code, &plain.stdout));
    assert!(
        loud.stderr.contains("could not store 1 file"),
        "{}",
        loud.stderr
    );
}
