//! Atomic publication of a snapshot: build it under a hidden temporary name in the same
//! directory, fsync it, rename it into place, fsync the directory.
//!
//! An interrupted write leaves only a hidden `.<name>.tmp-*` entry, which never looks like a
//! snapshot (readers and `list` skip hidden names). Never overwrites an existing path.
//!
//! Removal is the mirror image ([`remove`]): rename the snapshot to a hidden
//! `.<name>.removing-*` name, fsync the directory, then delete it, so an interrupted removal
//! never leaves a half-deleted snapshot that still looks like one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::Error;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file or directory that is removed on drop unless committed.
pub(crate) struct TempPath {
    path: PathBuf,
    is_dir: bool,
    committed: bool,
}

impl TempPath {
    /// Create a fresh temporary directory (`is_dir`) or reserve a file name beside `target`.
    pub(crate) fn beside(target: &Path, is_dir: bool) -> Result<TempPath, Error> {
        let parent = parent_of(target);
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, "create directory", e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot".to_string());
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
            let made = if is_dir {
                fs::create_dir(&path)
            } else {
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map(|_| ())
            };
            match made {
                Ok(()) => {
                    return Ok(TempPath {
                        path,
                        is_dir,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(&path, "create temporary file", e)),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// fsync the temporary entry, rename it to `target`, fsync the parent directory.
    pub(crate) fn commit(mut self, target: &Path) -> Result<(), Error> {
        sync_path(&self.path)?;
        if fs::symlink_metadata(target).is_ok() {
            return Err(Error::AlreadyExists {
                path: target.to_path_buf(),
            });
        }
        fs::rename(&self.path, target).map_err(|e| Error::io(target, "rename into place", e))?;
        self.committed = true;
        sync_path(&parent_of(target))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.committed {
            let _ = if self.is_dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

/// Remove the snapshot at `target` (a Parquet directory or a SQLite file with its `-wal`,
/// `-shm` and `-journal` companions): hidden first, then deleted.
pub(crate) fn remove(target: &Path) -> Result<(), Error> {
    let meta = fs::symlink_metadata(target).map_err(|e| Error::io(target, "inspect", e))?;
    let parent = parent_of(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".to_string());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hidden = parent.join(format!(".{name}.removing-{}-{n}", std::process::id()));
    fs::rename(target, &hidden).map_err(|e| Error::io(target, "move aside for removal", e))?;
    sync_path(&parent)?;
    if meta.is_dir() {
        fs::remove_dir_all(&hidden).map_err(|e| Error::io(&hidden, "remove", e))?;
    } else {
        fs::remove_file(&hidden).map_err(|e| Error::io(&hidden, "remove", e))?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = parent.join(format!("{name}{suffix}"));
            match fs::remove_file(&side) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::io(&side, "remove", e));
                }
                _ => {}
            }
        }
    }
    sync_path(&parent)
}

/// The directory holding `p` (`.` for a bare name).
pub(crate) fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// fsync a file or a directory.
pub(crate) fn sync_path(p: &Path) -> Result<(), Error> {
    fs::File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(p, "fsync", e))
}
