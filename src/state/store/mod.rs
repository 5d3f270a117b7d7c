//! Snapshot **stores**: the Parquet directory and the SQLite file, with identical content.
//!
//! Owns every byte of snapshot files: layout ([`tables`]), Arrow conversion ([`arrow`]),
//! Parquet ([`parquet`]) and SQLite ([`sqlite`]) IO, the `manifest.json` mirror
//! ([`manifest`]) and atomic publication. Readers refuse unknown format versions and check
//! row counts and the content digest, so corruption is reported, never diffed. The only
//! module that touches Arrow, Parquet or SQLite files; it never interprets declarations.

pub mod arrow;
mod atomic;
mod error;
pub mod manifest;
pub mod parquet;
mod parts;
pub mod sqlite;
pub mod tables;

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

pub use error::Error;

use crate::model::PolicyArg;
use crate::state::digest::{digest_from_chunks, digest_sorted};
use crate::state::id::is_valid_snapshot_id;
use crate::state::{Manifest, SNAPSHOT_FORMAT_VERSION, Snapshot};

/// The two physical formats of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A directory with `manifest.json` and one `.parquet` file per table.
    Parquet,
    /// One `.sqlite` file.
    Sqlite,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Sqlite => "sqlite",
        }
    }

    /// The format `write` uses for `path`: SQLite for a `.sqlite` suffix, else Parquet.
    pub fn for_output(path: &Path) -> Format {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sqlite"))
        {
            Format::Sqlite
        } else {
            Format::Parquet
        }
    }

    /// The format of an existing snapshot: a directory is Parquet, a file SQLite. Does not
    /// check that the content is a valid snapshot.
    pub fn detect(path: &Path) -> Result<Format, Error> {
        let meta = fs::metadata(path).map_err(|e| Error::io(path, "read metadata of", e))?;
        Ok(if meta.is_dir() {
            Format::Parquet
        } else {
            Format::Sqlite
        })
    }
}

/// Read a snapshot (a directory = Parquet, a file = SQLite), checking the format version,
/// the row counts and the content digest. The rows come back in canonical order.
pub fn read(path: &Path) -> Result<Snapshot, Error> {
    let (mut s, chunks) = match Format::detect(path)? {
        Format::Parquet => parquet::read_dir(path)?,
        Format::Sqlite => sqlite::read_file(path)?,
    };
    let counts = s.row_counts();
    if counts != s.manifest.counts {
        let keys: std::collections::BTreeSet<&String> =
            counts.keys().chain(s.manifest.counts.keys()).collect();
        let diffs: Vec<String> = keys
            .into_iter()
            .filter(|k| counts.get(*k) != s.manifest.counts.get(*k))
            .map(|k| {
                let show = |v: Option<&u64>| v.map_or("none".to_string(), |n| n.to_string());
                format!(
                    "{k}: content has {}, manifest records {}",
                    show(counts.get(k)),
                    show(s.manifest.counts.get(k))
                )
            })
            .collect();
        return Err(Error::CountMismatch {
            path: path.to_path_buf(),
            reason: diffs.join("; "),
        });
    }
    // Readers hash rows while decoding when they find them in canonical order; otherwise
    // (or if that did not add up) sort and hash here. Same digest either way.
    let actual = match chunks.and_then(|c| digest_from_chunks(&s, &c)) {
        Some(d) => d,
        None => {
            if !s.is_sorted() {
                s.sort();
            }
            digest_sorted(&s)
        }
    };
    if actual != s.manifest.content_digest {
        return Err(Error::DigestMismatch {
            path: path.to_path_buf(),
            expected: s.manifest.content_digest.clone(),
            actual,
        });
    }
    if s.manifest.format_version == 1 {
        upgrade_v1(&mut s);
    }
    Ok(s)
}

/// Format version 1 held bare column names in `row_filters.input_columns` and
/// `column_masks.using_columns`; version 2 holds arguments as SQL text (a column
/// backtick-quoted, a constant as its literal). A version-1 snapshot, once its digest checked
/// out, is read as the version-2 snapshot of the same content: names quoted, version 2, and
/// the digest of the version-2 encoding (so it can be written again as version 2).
fn upgrade_v1(s: &mut Snapshot) {
    let quote = |v: &mut Vec<String>| {
        for a in v.iter_mut() {
            *a = PolicyArg::column(a.as_str()).to_sql();
        }
    };
    for f in &mut s.row_filters {
        quote(&mut f.input_arguments);
    }
    for m in &mut s.column_masks {
        quote(&mut m.using_arguments);
    }
    s.manifest.format_version = SNAPSHOT_FORMAT_VERSION;
    if !s.is_sorted() {
        s.sort();
    }
    s.manifest.content_digest = digest_sorted(s);
}

/// Read only the manifest of a snapshot (cheap; checks the version, not the content).
pub fn read_manifest(path: &Path) -> Result<Manifest, Error> {
    match Format::detect(path)? {
        Format::Parquet => parquet::read_manifest(path),
        Format::Sqlite => sqlite::read_manifest(path),
    }
}

/// Write `snapshot` to `path`: a `.sqlite` suffix writes SQLite, anything else a Parquet
/// directory. Atomic (temporary name beside `path`, fsync, rename); refuses to replace an
/// existing path. The manifest's `format_version` (0 = current), `counts` and
/// `content_digest` (empty = fill in) are filled in or checked against the content.
pub fn write(snapshot: &Snapshot, path: &Path) -> Result<(), Error> {
    let invalid = |reason: String| Error::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let m = &snapshot.manifest;
    if !is_valid_snapshot_id(&m.snapshot_id) {
        return Err(invalid(format!(
            "snapshot_id `{}` is not a valid id (letters, digits, `-`, `_`, `.`; see state::id)",
            m.snapshot_id
        )));
    }
    if m.format_version != 0 && m.format_version != SNAPSHOT_FORMAT_VERSION {
        return Err(invalid(format!(
            "manifest says format version {}, this brickkit writes version {SNAPSHOT_FORMAT_VERSION}",
            m.format_version
        )));
    }
    if fs::symlink_metadata(path).is_ok() {
        return Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let s: Cow<'_, Snapshot> = if snapshot.is_sorted() {
        Cow::Borrowed(snapshot)
    } else {
        let mut c = snapshot.clone();
        c.sort();
        Cow::Owned(c)
    };
    check_unique(&s).map_err(invalid)?;

    let mut manifest = m.clone();
    manifest.format_version = SNAPSHOT_FORMAT_VERSION;
    let counts = s.row_counts();
    if manifest.counts.is_empty() {
        manifest.counts = counts;
    } else if manifest.counts != counts {
        return Err(invalid(format!(
            "manifest counts {:?} do not match the content {counts:?}",
            manifest.counts
        )));
    }
    let digest = digest_sorted(&s);
    if manifest.content_digest.is_empty() {
        manifest.content_digest = digest;
    } else if manifest.content_digest != digest {
        return Err(invalid(format!(
            "manifest content_digest {} does not match the content ({digest})",
            manifest.content_digest
        )));
    }

    match Format::for_output(path) {
        Format::Parquet => {
            let tmp = atomic::TempPath::beside(path, true)?;
            parquet::write_dir(&manifest, &s, tmp.path())?;
            tmp.commit(path)
        }
        Format::Sqlite => {
            let tmp = atomic::TempPath::beside(path, false)?;
            sqlite::write_file(&manifest, &s, tmp.path())?;
            tmp.commit(path)
        }
    }
}

/// Duplicate securables or columns make a snapshot ambiguous: refuse them.
fn check_unique(s: &Snapshot) -> Result<(), String> {
    if let Some(w) = s
        .securables
        .windows(2)
        .find(|w| (w[0].kind, &w[0].full_name) == (w[1].kind, &w[1].full_name))
    {
        return Err(format!(
            "securable {} `{}` appears twice",
            w[0].kind.map_or("(unknown kind)", |k| k.as_str()),
            w[0].full_name
        ));
    }
    if let Some(w) = s.columns.windows(2).find(|w| {
        (&w[0].table_full_name, w[0].position, &w[0].name)
            == (&w[1].table_full_name, w[1].position, &w[1].name)
    }) {
        return Err(format!(
            "column `{}` of `{}` appears twice",
            w[0].name, w[0].table_full_name
        ));
    }
    Ok(())
}

/// The result of scanning a directory for snapshots.
#[derive(Debug, Default)]
pub struct Scan {
    /// Readable snapshots with their manifests, newest first.
    pub snapshots: Vec<(PathBuf, Manifest)>,
    /// Entries that look like snapshots but could not be read (or are not snapshots),
    /// in name order.
    pub problems: Vec<Error>,
}

/// Scan `dir`: every non-hidden sub-directory and every `*.sqlite` file is a candidate;
/// hidden entries (temporary files of interrupted writes) and other files are skipped.
pub fn scan(dir: &Path) -> Result<Scan, Error> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, "list directory", e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, "list directory", e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_dir = fs::metadata(&path).map(|m| m.is_dir()).unwrap_or(false);
        if is_dir || Format::for_output(&path) == Format::Sqlite {
            paths.push(path);
        }
    }
    paths.sort();
    let mut scan = Scan::default();
    for p in paths {
        match read_manifest(&p) {
            Ok(m) => scan.snapshots.push((p, m)),
            Err(e) => scan.problems.push(e),
        }
    }
    scan.snapshots.sort_by(|(pa, a), (pb, b)| {
        (b.taken_at, &b.snapshot_id, pb).cmp(&(a.taken_at, &a.snapshot_id, pa))
    });
    Ok(scan)
}

/// Remove the snapshot at `path` (moved to a hidden name first, so an interrupted removal
/// leaves nothing that looks like a snapshot). The caller decides what to remove: this
/// removes whatever `path` names.
pub fn remove(path: &Path) -> Result<(), Error> {
    atomic::remove(path)
}

/// Bytes a snapshot takes on disk (a Parquet directory's files, or a SQLite file); 0 for
/// what cannot be measured (a size is for people, never a decision).
pub fn size_on_disk(path: &Path) -> u64 {
    let Ok(meta) = fs::metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The readable snapshots in `dir`, newest first (by `taken_at`, then id). Entries that
/// cannot be read are left out here; use [`scan`] to see them.
pub fn list(dir: &Path) -> Result<Vec<(PathBuf, Manifest)>, Error> {
    Ok(scan(dir)?.snapshots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SecurableKind;
    use crate::state::digest::digest_from_chunks;
    use crate::state::{ColumnRow, SecurableRow, TagRow};

    /// 4,000 tables with 5 columns and 3 tags each: several digest chunks per large table.
    fn snapshot() -> Snapshot {
        let mut s = Snapshot::default();
        s.manifest.snapshot_id = "20261128T000000000Z-00000001".into();
        for t in 0..4_000 {
            let name = format!("c.s.t{t:05}");
            s.securables.push(SecurableRow {
                kind: Some(SecurableKind::Table),
                full_name: name.clone().into(),
                parent: Some("c.s".into()),
                ..Default::default()
            });
            for k in 0..5 {
                s.columns.push(ColumnRow {
                    table_full_name: name.clone().into(),
                    name: format!("col_{k}").into(),
                    position: k,
                    type_text: "int".into(),
                    ..Default::default()
                });
            }
            for j in 0..3 {
                s.tags.push(TagRow {
                    securable_kind: Some(SecurableKind::Table),
                    securable_full_name: name.clone().into(),
                    key: format!("tag_{j}").into(),
                    value: format!("v{}", (t + j) % 5).into(),
                    ..Default::default()
                });
            }
        }
        s
    }

    /// Both readers hash while decoding (more than one chunk per large table) and get the
    /// digest the writer recorded; rows stored out of order fall back to sort-then-hash.
    #[test]
    fn readers_hash_while_decoding_and_fall_back_on_disorder() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot();
        let pq = dir.path().join("snap");
        let db = dir.path().join("snap.sqlite");
        write(&s, &pq).unwrap();
        write(&s, &db).unwrap();
        let want = read_manifest(&pq).unwrap().content_digest;
        assert!(s.columns.len() > 2 * crate::state::digest::CHUNK_ROWS);
        for (read_back, chunks) in [
            parquet::read_dir(&pq).unwrap(),
            sqlite::read_file(&db).unwrap(),
        ] {
            let chunks = chunks.expect("rows in canonical order are hashed while decoding");
            let got = digest_from_chunks(&read_back, &chunks);
            assert_eq!(got.as_deref(), Some(want.as_str()));
        }
        assert_eq!(read(&db).unwrap().manifest.content_digest, want);

        // Store the rows out of canonical order (bypassing `write`, which sorts).
        let mut m = read_manifest(&pq).unwrap();
        m.snapshot_id = "20261128T000000000Z-0000000a".into();
        let mut shuffled = s.clone();
        shuffled.tags.reverse();
        shuffled.manifest = m.clone();
        let raw = dir.path().join("raw");
        fs::create_dir(&raw).unwrap();
        parquet::write_dir(&m, &shuffled, &raw).unwrap();
        assert!(parquet::read_dir(&raw).unwrap().1.is_none());
        let back = read(&raw).unwrap();
        assert_eq!(back.manifest.content_digest, want);
        assert_eq!(back.tags, s.tags);
    }
}
