//! The **writer lock** of a history store: an exclusive advisory lock (`flock`) on
//! `<history>.lock`, held by a run that takes a snapshot and records it — from before the
//! snapshot's time is read until it is ingested. Two collections recording into one history
//! then run one after the other, so their snapshots reach the history in `taken_at` order;
//! without it the later-started one could finish first and the other be refused as a late
//! snapshot, its record lost.
//!
//! The operating system releases the lock when the process ends, however it ends (`kill -9`
//! included), so a crashed run never blocks the next one. Only this file takes the lock;
//! readers and offline runs never need it (their ingests are serialised by SQLite).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::super::Error;

/// Held while a run collects and records; released on drop (or when the process ends).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
    path: PathBuf,
}

impl WriterLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock file of the history at `history`.
pub fn lock_path(history: &Path) -> PathBuf {
    let mut name = history
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "history.sqlite".into());
    name.push(".lock");
    history.with_file_name(name)
}

/// Take the writer lock of the history at `history` (creating its directory and lock file
/// when needed). When another run holds it, `waiting` is called once and this waits.
pub fn lock_writer(history: &Path, waiting: impl FnOnce()) -> Result<WriterLock, Error> {
    let path = lock_path(history);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            what: "create directory",
            source,
        })?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Io {
            path: path.clone(),
            what: "open the lock file",
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(|source| Error::Io {
                path: path.clone(),
                what: "lock",
                source,
            })?;
        }
        Err(TryLockError::Error(source)) => {
            return Err(Error::Io {
                path,
                what: "lock",
                source,
            });
        }
    }
    Ok(WriterLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let h = dir.path().join("sub/history.sqlite");
        let a = lock_writer(&h, || panic!("nobody holds it yet")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.path(), dir.path().join("sub/history.sqlite.lock"));
        // A second open file description of the same lock file cannot take it meanwhile.
        let f = OpenOptions::new()
            .write(true)
            .open(a.path())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(f.try_lock(), Err(TryLockError::WouldBlock)));
        drop(a);
        assert!(f.try_lock().is_ok());
    }
}
