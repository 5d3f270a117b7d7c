//! Saved snapshots for a workflow: read one (refused when corrupt, never diffed), convert
//! between stores, list a directory of them (the history store kept beside them is not
//! a problem), and prune it by a retention policy (`state::retention` decides, the store
//! removes).

use std::path::{Path, PathBuf};

use crate::app::Error;
use crate::state::Manifest;
use crate::state::Snapshot;
use crate::state::{retention, store};

/// Read and verify the snapshot at `path`.
pub fn read(path: &Path) -> Result<Snapshot, Error> {
    store::read(path).map_err(|source| Error::ReadSnapshot {
        path: path.to_path_buf(),
        source,
    })
}

/// Read the snapshot at `input` and write it to `output` (format by the output's name).
pub fn convert(input: &Path, output: &Path) -> Result<Snapshot, Error> {
    let s = read(input)?;
    store::write(&s, output).map_err(|source| Error::WriteSnapshot {
        path: output.to_path_buf(),
        source,
    })?;
    Ok(s)
}

/// The snapshots of a directory, newest first, and the entries that are not readable
/// snapshots (the history store excepted).
#[derive(Debug)]
pub struct Listing {
    pub snapshots: Vec<(PathBuf, Manifest)>,
    /// Entries that look like something else (not a snapshot at all).
    pub skipped: Vec<store::Error>,
    /// Snapshots that cannot be read (corrupt, unknown version).
    pub unreadable: Vec<store::Error>,
}

/// List `dir`. A missing directory, an unreadable one or a file in its place is an error
/// naming it (never an empty listing).
pub fn list(dir: &Path) -> Result<Listing, Error> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::SnapshotDir {
                path: dir.to_path_buf(),
                problem: "snapshot directory does not exist (write one with `brickkit snapshot convert` or a collector, or pass another DIR)",
            });
        }
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                what: "could not read",
                source,
            });
        }
        Ok(m) if !m.is_dir() => {
            return Err(Error::SnapshotDir {
                path: dir.to_path_buf(),
                problem: "not a directory (snapshot list takes the directory that holds snapshots; use `snapshot show` for one snapshot)",
            });
        }
        Ok(_) => {}
    }
    let scan = store::scan(dir).map_err(|source| Error::ReadSnapshot {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut listing = Listing {
        snapshots: scan.snapshots,
        skipped: Vec::new(),
        unreadable: Vec::new(),
    };
    for p in scan.problems {
        if let store::Error::NotASnapshot { path, .. } = &p
            && crate::history::is_history_file(path)
        {
            continue; // the history store kept beside the snapshots
        }
        if p.is_not_a_snapshot() {
            listing.skipped.push(p);
        } else {
            listing.unreadable.push(p);
        }
    }
    Ok(listing)
}

/// One snapshot `prune` looked at.
#[derive(Debug)]
pub struct Pruned {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Why it is kept; empty = removed (or to be removed, in a dry run).
    pub keep: std::collections::BTreeSet<retention::Reason>,
    /// Bytes on disk.
    pub bytes: u64,
    /// Why removing it failed (it is still there).
    pub failed: Option<store::Error>,
}

/// What `prune` did (or, in a dry run, would do).
#[derive(Debug)]
pub struct PruneOutcome {
    pub dry_run: bool,
    pub policy: retention::Policy,
    /// Newest first.
    pub snapshots: Vec<Pruned>,
    /// Entries that look like snapshots but cannot be read: never removed (a snapshot that
    /// cannot be read is not known to be old).
    pub unreadable: Vec<store::Error>,
}

impl PruneOutcome {
    pub fn removed(&self) -> impl Iterator<Item = &Pruned> {
        self.snapshots
            .iter()
            .filter(|p| p.keep.is_empty() && p.failed.is_none())
    }
    pub fn failed(&self) -> impl Iterator<Item = &Pruned> {
        self.snapshots.iter().filter(|p| p.failed.is_some())
    }
}

/// Apply a retention policy to the snapshots of `dir`, lineage by lineage, oldest removal
/// first (an interrupted prune has removed the oldest). Never touches hidden entries (the
/// temporary names of snapshots still being written), the history store, or anything that
/// cannot be read as a snapshot.
pub fn prune(dir: &Path, policy: retention::Policy, dry_run: bool) -> Result<PruneOutcome, Error> {
    let listing = list(dir)?;
    let manifests: Vec<&Manifest> = listing.snapshots.iter().map(|(_, m)| m).collect();
    let decisions = retention::decide(&manifests, policy);
    let mut snapshots: Vec<Pruned> = listing
        .snapshots
        .iter()
        .zip(decisions)
        .map(|((path, manifest), d)| Pruned {
            path: path.clone(),
            manifest: manifest.clone(),
            keep: d.keep,
            bytes: store::size_on_disk(path),
            failed: None,
        })
        .collect();
    if !dry_run {
        for p in snapshots.iter_mut().rev().filter(|p| p.keep.is_empty()) {
            if let Err(e) = store::remove(&p.path) {
                p.failed = Some(e);
            }
        }
    }
    Ok(PruneOutcome {
        dry_run,
        policy,
        snapshots,
        unreadable: listing.unreadable,
    })
}
