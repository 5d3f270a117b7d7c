//! Snapshot stores: round trips through Parquet and SQLite, atomic writes, corruption and
//! version refusal, the checked-in example snapshot, the `snapshot` commands, and a
//! proptest fuzz over the readers.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use brickkit::model::{PolicyArg, SecurableKind};
use brickkit::state::store::{self, Error};
use brickkit::state::{CollectionIssue, ColumnMaskRow, Snapshot};
use brickkit_testkit::example::example_snapshot;
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};
use proptest::prelude::*;

use crate::support::brickkit;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_dir() -> PathBuf {
    repo().join("snapshots/example")
}

/// A small synthetic snapshot with filters, masks and a collection issue.
fn small() -> Snapshot {
    let mut s = generate_snapshot(&SynthSpec {
        catalogs: 2,
        schemas_per_catalog: 2,
        tables_per_schema: 15,
        drift_fraction: 0.2,
        seed: 9,
        ..SynthSpec::default()
    });
    s.collection_issues.push(CollectionIssue {
        securable_kind: Some(SecurableKind::Schema),
        full_name: "cat_001.sch_001".into(),
        attribute: Some("grants".into()),
        subtree: false,
        error_code: Some("403".into()),
        message: "forbidden: \"quoted\" ünïcode".into(),
    });
    s.securables[0]
        .properties
        .insert("delta.appendOnly".into(), "true".into());
    s.securables[0].details.insert("k".into(), "v".into());
    // Counts and digest are recomputed by write.
    s.manifest.counts.clear();
    s.manifest.content_digest.clear();
    s
}

/// `small()` with a row filter and a mask whose arguments include constants.
fn with_constants() -> Snapshot {
    let mut s = small();
    let f = &mut s.row_filters[0];
    f.input_arguments = vec![
        PolicyArg::column("region").to_sql(),
        PolicyArg::string("U'S, \"x\"").to_sql(),
        PolicyArg::Constant("-42".into()).to_sql(),
    ];
    let table = f.table_full_name.clone();
    s.column_masks.push(ColumnMaskRow {
        table_full_name: table,
        column_name: "c".into(),
        function_full_name: "cat_001.sec.mask_c".into(),
        using_arguments: vec![
            PolicyArg::column("a`b").to_sql(),
            PolicyArg::string("US").to_sql(),
        ],
    });
    s
}

/// Filter and mask arguments with constants survive both stores unchanged (content and
/// digest), and so does a conversion between them.
#[test]
fn constant_arguments_round_trip_through_both_stores() {
    let s = with_constants();
    let want = with_filled_manifest(s.clone());
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("pq");
    let db = dir.path().join("s.sqlite");
    store::write(&s, &pq).unwrap();
    store::write(&s, &db).unwrap();
    for path in [&pq, &db] {
        let got = store::read(path).unwrap();
        assert_eq!(got.manifest.format_version, 2);
        assert_eq!(content_of(&got), content_of(&want), "{}", path.display());
        let f = got
            .row_filters
            .iter()
            .find(|f| f.input_arguments.len() == 3)
            .unwrap();
        assert_eq!(
            f.input_arguments
                .iter()
                .map(|a| PolicyArg::from_sql(a))
                .collect::<Vec<_>>(),
            vec![
                PolicyArg::column("region"),
                PolicyArg::string("U'S, \"x\""),
                PolicyArg::Constant("-42".into()),
            ]
        );
    }
}

/// A format-version-1 SQLite snapshot (bare column names in `input_columns` /
/// `using_columns`, its digest over them) still reads: as the version-2 snapshot of the same
/// content, names quoted, with the version-2 digest, and can be written again.
#[test]
fn version_1_sqlite_snapshots_still_read() {
    let v2 = with_filled_manifest(small());
    assert!(!v2.row_filters.is_empty() && !v2.column_masks.is_empty());
    // The same content as version 1 held it.
    let mut v1 = v2.clone();
    let bare = |v: &mut Vec<String>| {
        for a in v.iter_mut() {
            *a = PolicyArg::from_sql(a).as_column().unwrap().to_string();
        }
    };
    v1.row_filters
        .iter_mut()
        .for_each(|f| bare(&mut f.input_arguments));
    v1.column_masks
        .iter_mut()
        .for_each(|m| bare(&mut m.using_arguments));
    let v1_digest = brickkit::state::digest::content_digest(&v1);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.sqlite");
    store::write(&v2, &db).unwrap();
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let tx = c.unchecked_transaction().unwrap();
        for f in &v1.row_filters {
            tx.execute(
                "UPDATE row_filters SET input_columns = ?1 WHERE table_full_name = ?2",
                (
                    serde_json::to_string(&f.input_arguments).unwrap(),
                    f.table_full_name.as_str(),
                ),
            )
            .unwrap();
        }
        for m in &v1.column_masks {
            tx.execute(
                "UPDATE column_masks SET using_columns = ?1 \
                 WHERE table_full_name = ?2 AND column_name = ?3",
                (
                    serde_json::to_string(&m.using_arguments).unwrap(),
                    m.table_full_name.as_str(),
                    m.column_name.as_str(),
                ),
            )
            .unwrap();
        }
        tx.execute(
            "UPDATE manifest SET format_version = 1, content_digest = ?1",
            [&v1_digest],
        )
        .unwrap();
        tx.commit().unwrap();
        c.execute_batch("PRAGMA user_version = 1").unwrap();
    }
    assert_eq!(store::read_manifest(&db).unwrap().format_version, 1);
    let got = store::read(&db).unwrap();
    assert_eq!(got.manifest.format_version, 2);
    assert_eq!(content_of(&got), content_of(&v2));
    // Written again, it is a version-2 snapshot.
    let again = dir.path().join("again");
    store::write(&got, &again).unwrap();
    assert_eq!(store::read(&again).unwrap(), got);
}

/// `snapshots/example` is checked in as format version 1 (Parquet) and reads as version 2.
#[test]
fn the_checked_in_version_1_example_reads_as_version_2() {
    assert_eq!(
        store::read_manifest(&example_dir()).unwrap().format_version,
        1
    );
    let s = store::read(&example_dir()).unwrap();
    assert_eq!(s.manifest.format_version, 2);
    assert!(!s.row_filters.is_empty());
    for f in &s.row_filters {
        assert!(
            f.input_arguments.iter().all(|a| a.starts_with('`')),
            "{f:?}"
        );
    }
    assert_eq!(
        s.manifest.content_digest,
        brickkit::state::digest::content_digest(&s)
    );
}

fn with_filled_manifest(mut s: Snapshot) -> Snapshot {
    s.sort();
    s.manifest.counts = s.row_counts();
    s.manifest.content_digest = brickkit::state::digest::content_digest(&s);
    s
}

#[test]
fn round_trip_parquet_and_sqlite_give_identical_content() {
    for original in [small(), example_snapshot()] {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("snap");
        let db = dir.path().join("snap.sqlite");
        store::write(&original, &pq).unwrap();
        store::write(&original, &db).unwrap();
        let from_pq = store::read(&pq).unwrap();
        let from_db = store::read(&db).unwrap();
        let expected = with_filled_manifest(original);
        assert_eq!(from_pq, expected);
        assert_eq!(from_db, expected);
        // And through a conversion back again.
        let back = dir.path().join("back");
        store::write(&from_db, &back).unwrap();
        assert_eq!(store::read(&back).unwrap(), expected);
    }
}

#[test]
fn unsorted_input_is_written_in_canonical_order() {
    let mut s = small();
    s.grants.reverse();
    s.securables.reverse();
    let dir = tempfile::tempdir().unwrap();
    store::write(&s, &dir.path().join("s")).unwrap();
    let back = store::read(&dir.path().join("s")).unwrap();
    assert!(back.is_sorted());
    assert_eq!(back, with_filled_manifest(s));
}

#[test]
fn write_refuses_bad_snapshots_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("s");

    let mut bad_id = small();
    bad_id.manifest.snapshot_id = "../escape".into();
    assert!(matches!(
        store::write(&bad_id, &target),
        Err(Error::Invalid { .. })
    ));

    let mut stale_digest = small();
    stale_digest.manifest.content_digest = format!("sha256:{}", "0".repeat(64));
    let e = store::write(&stale_digest, &target).unwrap_err();
    assert!(e.to_string().contains("does not match the content"), "{e}");

    let mut dup = small();
    let first = dup.securables[0].clone();
    dup.securables.push(first);
    let e = store::write(&dup, &target).unwrap_err();
    assert!(e.to_string().contains("appears twice"), "{e}");

    let mut future = small();
    future.manifest.format_version = 99;
    assert!(store::write(&future, &target).is_err());

    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn writes_are_atomic_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let s = small();
    for name in ["s", "s.sqlite"] {
        let target = dir.path().join(name);
        store::write(&s, &target).unwrap();
        let before = store::read(&target).unwrap();
        let mut other = small();
        other.grants.pop();
        let e = store::write(&other, &target).unwrap_err();
        assert!(matches!(e, Error::AlreadyExists { .. }), "{e}");
        assert!(e.to_string().contains(name), "{e}");
        assert_eq!(
            store::read(&target).unwrap(),
            before,
            "existing snapshot untouched"
        );
    }
    // No temporary entries remain after successful writes.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

    // An interrupted write leaves a hidden temporary entry: never listed, never a snapshot.
    let leftover = dir.path().join(".s2.tmp-123-0");
    fs::create_dir(&leftover).unwrap();
    fs::copy(
        dir.path().join("s/grants.parquet"),
        leftover.join("grants.parquet"),
    )
    .unwrap();
    let scan = store::scan(dir.path()).unwrap();
    assert_eq!(scan.snapshots.len(), 2);
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    assert!(matches!(
        store::read(&leftover),
        Err(Error::MissingManifest { .. })
    ));
}

#[test]
fn parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a/b/snap.sqlite");
    store::write(&small(), &target).unwrap();
    assert!(store::read(&target).is_ok());
}

fn write_small_parquet() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("snap");
    store::write(&small(), &p).unwrap();
    (dir, p)
}

#[test]
fn truncated_parquet_is_reported_with_its_file_name() {
    let (_d, p) = write_small_parquet();
    let f = p.join("columns.parquet");
    let bytes = fs::read(&f).unwrap();
    for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
        fs::write(&f, &bytes[..cut]).unwrap();
        let e = store::read(&p).unwrap_err();
        assert!(matches!(e, Error::Parquet { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("columns.parquet"), "{msg}");
        assert!(msg.contains("corrupt or truncated Parquet"), "{msg}");
    }
}

#[test]
fn corrupted_parquet_bytes_never_pass_unnoticed() {
    let (_d, p) = write_small_parquet();
    let f = p.join("grants.parquet");
    let bytes = fs::read(&f).unwrap();
    let mut detected = 0;
    for pos in (4..bytes.len() - 8).step_by(bytes.len() / 40) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        fs::write(&f, &b).unwrap();
        match store::read(&p) {
            Err(e) => {
                assert!(
                    e.to_string().contains("grants.parquet")
                        || matches!(e, Error::DigestMismatch { .. }),
                    "{e}"
                );
                detected += 1;
            }
            // A flip in statistics or padding may leave the content intact: then the
            // content really is what the manifest says.
            Ok(s) => assert_eq!(s, with_filled_manifest(small())),
        }
    }
    assert!(detected > 0);
}

#[test]
fn digest_mismatch_is_detected() {
    let (_d, p) = write_small_parquet();
    let mf = p.join("manifest.json");
    let text = fs::read_to_string(&mf).unwrap();
    let s = store::read(&p).unwrap();
    let forged = text.replace(
        &s.manifest.content_digest,
        &format!("sha256:{}", "ab".repeat(32)),
    );
    fs::write(&mf, forged).unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(matches!(e, Error::DigestMismatch { .. }), "{e}");
    assert!(e.to_string().contains("content digest mismatch"), "{e}");
}

#[test]
fn swapped_table_file_is_detected() {
    // A table file from another snapshot (other id) is refused.
    let (_d, p) = write_small_parquet();
    let d2 = tempfile::tempdir().unwrap();
    let mut other = small();
    other.manifest.snapshot_id = "20270101T000000000Z-00000001".into();
    store::write(&other, &d2.path().join("o")).unwrap();
    fs::copy(d2.path().join("o/tags.parquet"), p.join("tags.parquet")).unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(e.to_string().contains("tags.parquet"), "{e}");
    assert!(e.to_string().contains("belongs to snapshot"), "{e}");
}

#[test]
fn count_mismatch_is_detected() {
    let (_d, p) = write_small_parquet();
    let mf = p.join("manifest.json");
    let text = fs::read_to_string(&mf).unwrap();
    let n = store::read(&p).unwrap().grants.len();
    let forged = text.replace(
        &format!("\"grants\": {n}"),
        &format!("\"grants\": {}", n + 1),
    );
    assert_ne!(forged, text);
    fs::write(&mf, forged).unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(matches!(e, Error::CountMismatch { .. }), "{e}");
    assert!(e.to_string().contains("grants.parquet"), "{e}");
}

#[test]
fn missing_manifest_and_non_snapshot_directories_are_refused() {
    let (_d, p) = write_small_parquet();
    fs::remove_file(p.join("manifest.json")).unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(matches!(e, Error::MissingManifest { .. }), "{e}");
    assert!(e.to_string().contains("missing manifest.json"), "{e}");

    let empty = tempfile::tempdir().unwrap();
    let e = store::read(empty.path()).unwrap_err();
    assert!(e.to_string().contains("not a brickkit snapshot"), "{e}");

    let e = store::read(&empty.path().join("nope")).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("no such file or directory"), "{e}");
}

#[test]
fn a_missing_table_file_is_named() {
    let (_d, p) = write_small_parquet();
    fs::remove_file(p.join("column_masks.parquet")).unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(e.to_string().contains("column_masks.parquet"), "{e}");
}

#[test]
fn unknown_format_versions_are_refused() {
    // manifest.json
    let (_d, p) = write_small_parquet();
    let mf = p.join("manifest.json");
    let text = fs::read_to_string(&mf).unwrap();
    fs::write(
        &mf,
        text.replace("\"format_version\": 2", "\"format_version\": 3"),
    )
    .unwrap();
    let e = store::read(&p).unwrap_err();
    assert!(
        matches!(e, Error::UnsupportedVersion { found: 3, .. }),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("unsupported snapshot format version 3"),
        "{e}"
    );
    assert!(e.to_string().contains("manifest.json"), "{e}");

    // SQLite user_version
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    store::write(&small(), &db).unwrap();
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA user_version = 7").unwrap();
    }
    let e = store::read(&db).unwrap_err();
    assert!(
        matches!(e, Error::UnsupportedVersion { found: 7, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("s.sqlite"), "{e}");
}

#[test]
fn sqlite_files_that_are_not_snapshots_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let e = store::read(&other).unwrap_err();
    assert!(matches!(e, Error::NotASnapshot { .. }), "{e}");
    assert!(e.to_string().contains("other.sqlite"), "{e}");
    assert!(e.to_string().contains("application_id"), "{e}");

    let text = dir.path().join("notes.txt");
    fs::write(&text, "hello").unwrap();
    let e = store::read(&text).unwrap_err();
    assert!(matches!(e, Error::NotASnapshot { .. }), "{e}");
    assert!(e.to_string().contains("notes.txt"), "{e}");

    // A truncated snapshot database.
    let db = dir.path().join("s.sqlite");
    store::write(&small(), &db).unwrap();
    let bytes = fs::read(&db).unwrap();
    fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    let e = store::read(&db).unwrap_err();
    assert!(e.to_string().contains("s.sqlite"), "{e}");
}

#[test]
fn list_is_newest_first_and_reports_unreadable_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut old = small();
    old.manifest.snapshot_id = "20260101T000000000Z-00000001".into();
    old.manifest.taken_at = brickkit::model::Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0);
    let mut new = small();
    new.manifest.snapshot_id = "20260601T000000000Z-00000002".into();
    new.manifest.taken_at = brickkit::model::Timestamp::from_civil(2026, 6, 1, 0, 0, 0, 0);
    store::write(&old, &dir.path().join("a-old")).unwrap();
    store::write(&new, &dir.path().join("b-new.sqlite")).unwrap();
    fs::write(dir.path().join("README.md"), "not a candidate").unwrap();
    let listed = store::list(dir.path()).unwrap();
    let ids: Vec<&str> = listed.iter().map(|(_, m)| m.snapshot_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "20260601T000000000Z-00000002",
            "20260101T000000000Z-00000001"
        ]
    );

    fs::create_dir(dir.path().join("junk")).unwrap();
    let scan = store::scan(dir.path()).unwrap();
    assert_eq!(scan.snapshots.len(), 2);
    assert_eq!(scan.problems.len(), 1);
    assert!(scan.problems[0].to_string().contains("junk"));
}

// ------------------------------------------------------------------ example snapshot

fn normalise_version(mut s: Snapshot) -> Snapshot {
    s.manifest.brickkit_version = String::new();
    s
}

/// What a reader must never get wrong even on corrupted input: the rows, their counts and
/// their digest. (Descriptive manifest fields such as `host` or `lineage` are not covered
/// by the content digest.)
fn content_of(s: &Snapshot) -> (Snapshot, String, std::collections::BTreeMap<String, u64>) {
    let mut rows = s.clone();
    rows.manifest = Default::default();
    (
        rows,
        s.manifest.content_digest.clone(),
        s.manifest.counts.clone(),
    )
}

/// `snapshots/example/` is rebuilt from `brickkit_testkit::example::example_snapshot()`; with
/// `UPDATE_EXPECT=1` the checked-in files are rewritten.
#[test]
fn example_snapshot_matches_the_checked_in_files() {
    let dir = example_dir();
    let expected = example_snapshot();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        if dir.exists() {
            fs::remove_dir_all(&dir).unwrap();
        }
        store::write(&expected, &dir).unwrap();
    }
    let on_disk = store::read(&dir).unwrap_or_else(|e| {
        panic!("{e}\n(run `UPDATE_EXPECT=1 cargo test --test it snapshot::example` to rebuild)")
    });
    assert_eq!(
        normalise_version(on_disk),
        normalise_version(expected),
        "snapshots/example is stale: run `UPDATE_EXPECT=1 cargo test --test it snapshot::example`"
    );
}

#[test]
fn example_snapshot_plants_every_kind_of_drift() {
    let s = example_snapshot();
    let has_table = |n: &str| s.securables.iter().any(|r| r.full_name == n);
    assert!(!has_table("finance_dev.ledger.accounts"), "missing table");
    assert!(
        has_table("sales_dev.orders.orders_backup"),
        "unmanaged table"
    );
    assert!(
        !s.row_filters
            .iter()
            .any(|f| f.table_full_name == "sales_dev.orders.returns")
    );
    assert!(
        !s.column_masks
            .iter()
            .any(|m| m.table_full_name == "sales_dev.orders.orders")
    );
    assert!(
        s.grants
            .iter()
            .any(|g| g.principal == "grp_marketing_interns")
    );
    assert!(
        !s.grants
            .iter()
            .any(|g| g.securable_full_name == "finance_dev.ledger.fx_rates")
    );
    assert_eq!(s.collection_issues.len(), 1);
    assert!(s.collection_issues[0].subtree);
    assert!(
        !s.securables
            .iter()
            .any(|r| r.full_name.starts_with("finance_dev.reporting."))
    );
}

// ------------------------------------------------------------------ commands

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn show_prints_manifest_counts_and_collection_issues() {
    let ex = example_dir();
    let (code, out, err) = brickkit(&["snapshot", "show", p(&ex)]);
    assert_eq!(code, 0, "{err}");
    let s = example_snapshot();
    assert!(out.contains(&s.manifest.snapshot_id), "{out}");
    assert!(out.contains(&s.manifest.content_digest), "{out}");
    assert!(out.contains("collector mode  example"), "{out}");
    assert!(out.contains("collection issues (1)"), "{out}");
    assert!(
        out.contains("schema finance_dev.reporting [subtree unknown]"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  {:<20}{:>10}",
            "table",
            s.row_counts()["securables.table"]
        )),
        "{out}"
    );

    let (code, json, err) = brickkit(&["snapshot", "show", p(&ex), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["storage"], "parquet");
    assert_eq!(
        v["manifest"]["snapshot_id"],
        s.manifest.snapshot_id.as_str()
    );
    assert_eq!(v["rows_by_table"]["grants"], s.grants.len() as u64);
    assert_eq!(
        v["collection_issues"][0]["full_name"],
        "finance_dev.reporting"
    );
}

#[test]
fn convert_to_sqlite_keeps_counts_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("example.sqlite");
    let (code, out, err) = brickkit(&["snapshot", "convert", p(&example_dir()), p(&db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sqlite"), "{out}");
    let show = |path: &Path| {
        let (code, json, err) = brickkit(&["snapshot", "show", p(path), "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&json).unwrap()
    };
    let a = show(&example_dir());
    let b = show(&db);
    assert_eq!(b["storage"], "sqlite");
    assert_eq!(a["rows_by_table"], b["rows_by_table"]);
    assert_eq!(a["securables_by_kind"], b["securables_by_kind"]);
    assert_eq!(
        a["manifest"]["content_digest"],
        b["manifest"]["content_digest"]
    );

    // And back to Parquet.
    let back = dir.path().join("back");
    let (code, _, err) = brickkit(&["snapshot", "convert", p(&db), p(&back)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(show(&back)["manifest"], a["manifest"]);

    // Refuses to overwrite.
    let (code, _, err) = brickkit(&["snapshot", "convert", p(&example_dir()), p(&db)]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn list_command_orders_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = brickkit(&["snapshot", "list", p(&dir.path().join("missing"))]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");

    store::write(&example_snapshot(), &dir.path().join("ex")).unwrap();
    store::write(&small(), &dir.path().join("small.sqlite")).unwrap();
    let (code, out, err) = brickkit(&["snapshot", "list", p(dir.path())]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    // small (2026-11-27T00:00) is older than the example (06:00).
    assert!(
        lines[1].contains(&example_snapshot().manifest.snapshot_id),
        "{out}"
    );
    assert!(lines[2].contains("small.sqlite"), "{out}");

    // A broken snapshot is reported and makes the command fail; a non-snapshot dir warns.
    fs::create_dir(dir.path().join("not-a-snapshot")).unwrap();
    fs::create_dir(dir.path().join("broken")).unwrap();
    fs::write(dir.path().join("broken/manifest.json"), "{").unwrap();
    let (code, out, err) = brickkit(&["snapshot", "list", p(dir.path())]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("broken"), "{err}");
    assert!(err.contains("not-a-snapshot"), "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn show_bad_input_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = brickkit(&["snapshot", "show", p(&dir.path().join("nope"))]);
    assert_eq!(code, 2);
    assert!(err.contains("nope: no such file or directory"), "{err}");
    let (code, _, err) = brickkit(&["snapshot", "show", p(dir.path())]);
    assert_eq!(code, 2);
    assert!(err.contains("missing manifest.json"), "{err}");
}

// ------------------------------------------------------------------ fuzz

/// A kept temporary directory, the files of a valid Parquet snapshot, a valid SQLite file.
type ValidFiles = (tempfile::TempDir, Vec<(String, Vec<u8>)>, Vec<u8>);

fn valid_files() -> &'static ValidFiles {
    use std::sync::OnceLock;
    static CELL: OnceLock<ValidFiles> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let s = example_snapshot();
        store::write(&s, &dir.path().join("p")).unwrap();
        store::write(&s, &dir.path().join("s.sqlite")).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir.path().join("p"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        let db = fs::read(dir.path().join("s.sqlite")).unwrap();
        (dir, files, db)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Mutating any file of a valid Parquet snapshot (bit flips, truncation, garbage)
    /// yields an error or the unchanged content, never a panic or different content.
    #[test]
    fn parquet_reader_survives_mutations(
        which in 0usize..8,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (_keep, files, _) = valid_files();
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("p");
        fs::create_dir(&snap).unwrap();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let mut b = bytes.clone();
            if i == which % files.len() {
                for (idx, x) in &flips {
                    let at = idx.index(b.len());
                    b[at] ^= x | 1;
                }
                if let Some(c) = cut {
                    let at = c.index(b.len());
                    b.truncate(at);
                }
            }
            fs::write(snap.join(name), b).unwrap();
        }
        match store::read(&snap) {
            Ok(s) => prop_assert_eq!(content_of(&s), content_of(&example_snapshot())),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Arbitrary bytes as a SQLite snapshot, or a mutated valid one, never panic.
    #[test]
    fn sqlite_reader_survives_mutations(
        garbage in proptest::collection::vec(any::<u8>(), 0..512),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let (_keep, _, db) = valid_files();
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("g.sqlite");
        fs::write(&g, &garbage).unwrap();
        prop_assert!(store::read(&g).is_err());
        let m = dir.path().join("m.sqlite");
        let mut b = db.clone();
        for (idx, x) in &flips {
            let at = idx.index(b.len());
            b[at] ^= x | 1;
        }
        fs::write(&m, &b).unwrap();
        if let Ok(s) = store::read(&m) {
            prop_assert_eq!(content_of(&s), content_of(&example_snapshot()));
        }
    }

    /// Arbitrary text as manifest.json never panics and is refused.
    #[test]
    fn manifest_reader_survives_garbage(text in ".{0,300}") {
        let (_keep, files, _) = valid_files();
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("p");
        fs::create_dir(&snap).unwrap();
        for (name, bytes) in files {
            fs::write(snap.join(name), bytes).unwrap();
        }
        fs::write(snap.join("manifest.json"), &text).unwrap();
        prop_assert!(store::read(&snap).is_err());
    }
}

/// `snapshot prune`: the policy applies per lineage, the newest of each lineage stays,
/// dry runs remove nothing, and hidden entries (snapshots still being written), the history
/// store and unreadable entries are never touched.
#[test]
fn prune_keeps_the_policy_per_lineage_and_touches_nothing_else() {
    use brickkit::model::Timestamp;
    let dir = tempfile::tempdir().unwrap();
    let base = small();
    let write = |name: &str, lineage: &str, day: u32, hour: u32| {
        let mut s = base.clone();
        s.manifest.lineage = lineage.into();
        s.manifest.taken_at = Timestamp::from_civil(2026, 11, day, hour, 0, 0, 0);
        s.manifest.snapshot_id = format!("202611{day:02}T{hour:02}0000000Z-0000{day:02}{hour:02}");
        store::write(&s, &dir.path().join(name)).unwrap();
    };
    // Lineage a: Nov 26 .. 30, one a day, and a second one on Nov 30.
    for day in 26..=30 {
        write(&format!("a-{day}"), "lineage-a", day, 6);
    }
    write("a-30-late", "lineage-a", 30, 18);
    // Lineage b: one old snapshot, as SQLite.
    write("b.sqlite", "lineage-b", 1, 0);
    // A snapshot still being written, a history store, a corrupt snapshot.
    fs::create_dir(dir.path().join(".a-31.tmp-1-1")).unwrap();
    fs::write(dir.path().join(".a-31.tmp-1-1/manifest.json"), "{").unwrap();
    fs::create_dir(dir.path().join("broken")).unwrap();
    fs::write(dir.path().join("broken/manifest.json"), "{").unwrap();
    let d = p(dir.path());
    let names = || {
        let mut v: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = names();

    // No policy: refused by the argument parser, nothing touched.
    let (code, _, err) = brickkit(&["snapshot", "prune", d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--keep-last"), "{err}");
    let (code, _, _) = brickkit(&["snapshot", "prune", d, "--keep-last", "0"]);
    assert_eq!(code, 2);
    assert_eq!(names(), before);

    // Dry run: says what would go, removes nothing; the corrupt entry makes it exit 2.
    let (code, out, err) = brickkit(&["snapshot", "prune", d, "--keep-last", "2", "--dry-run"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Would remove 4 snapshot(s)"), "{out}");
    assert!(err.contains("broken"), "{err}");
    assert_eq!(names(), before);

    // Keep the last 2 and the newest of 3 days: a-30-late (newest, last, daily), a-30 (last),
    // a-29, a-28 (daily) stay; a-27, a-26 go; lineage b keeps its only snapshot.
    let (code, out, err) = brickkit(&[
        "snapshot",
        "prune",
        d,
        "--keep-last",
        "2",
        "--keep-daily",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["format_version"], 1);
    let ids = |k: &str| -> Vec<String> {
        doc[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids("removed"), vec!["a-27", "a-26"], "{out}");
    assert_eq!(
        ids("kept"),
        vec!["a-30-late", "a-30", "a-29", "a-28", "b.sqlite"]
    );
    assert_eq!(
        doc["kept"][0]["reasons"],
        serde_json::json!(["newest", "last", "daily"])
    );
    assert_eq!(doc["unreadable"].as_array().unwrap().len(), 1);
    let after = names();
    assert!(!after.contains(&"a-26".to_string()) && !after.contains(&"a-27".to_string()));
    for kept in [".a-31.tmp-1-1", "broken", "a-28", "a-30-late", "b.sqlite"] {
        assert!(
            after.contains(&kept.to_string()),
            "{kept} removed: {after:?}"
        );
    }
    // Nothing hidden is left behind by the removals themselves.
    assert_eq!(after.iter().filter(|n| n.contains(".removing-")).count(), 0);
    // What is left still lists and reads.
    store::read(&dir.path().join("a-28")).unwrap();

    // Without the corrupt entry a second run has nothing to do and exits 0.
    fs::remove_dir_all(dir.path().join("broken")).unwrap();
    let (code, out, err) = brickkit(&[
        "snapshot",
        "prune",
        d,
        "--keep-last",
        "2",
        "--keep-daily",
        "3",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Removed 0 snapshot(s)"), "{out}");
    assert!(out.contains("lineage lineage-a"), "{out}");
}
