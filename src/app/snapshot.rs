//! Saved snapshots for a workflow: read one (refused when corrupt, never diffed), convert
//! between stores, and list a directory of them (the history store kept beside them is not
//! a problem).

use std::path::{Path, PathBuf};

use crate::app::Error;
use crate::state::Manifest;
use crate::state::Snapshot;
use crate::state::store;

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
