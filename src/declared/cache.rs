//! The parsed-file cache: the outcome of parsing one declaration file (the raw document,
//! its YAML diagnostics with their lines and columns, the names error recovery blanked),
//! stored as MessagePack under a key made of the file's content hash, so that a repeated
//! load of a large tree skips the YAML parser.
//!
//! Owns the key, the entry format and the entry files (read, atomic write, prune). It must
//! never change a load's outcome: an entry is used only when its key, its format and its
//! checksum all match; anything else (missing, truncated, corrupt, from another build) is
//! a miss, re-parsed and rewritten. A cache that cannot be read or written is never an
//! error: the load goes on without it and the failure is counted ([`CacheStats`]) for the
//! caller to mention at `-v`. It must never read the process environment or the clock:
//! the caller chooses the directory ([`default_dir`] turns the variables it read into one)
//! and names the build.
//!
//! Key: SHA-256 of the cache format, the brickkit version, the build identity the caller
//! gives (the CLI: its executable's size and modification time, so a rebuilt binary starts
//! cold and an entry written by other code is never read as valid), what the file was
//! parsed as (project, convention, resource) and the file's bytes. Not its path or mtime:
//! a file is re-parsed exactly when its content changes. Diagnostics are stored without the
//! path and get the file's path back when read. Entry: `MAGIC`, the key, the SHA-256 of
//! the payload, the payload. Bounded: after a load that wrote entries, the least recently
//! read (access time, else modification time) are removed while the folder is over
//! [`DEFAULT_MAX_BYTES`].

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::diagnostic::{Diagnostic, Level};
use super::model::Origin;

/// Bump when the entry payload or the raw types' binary form changes.
const FORMAT: u32 = 1;
/// First bytes of every entry file.
const MAGIC: &[u8; 8] = b"BKPARSE1";
/// Name of the cache's folder under the base directory (holds the format version).
const SUBDIR: &str = "parsed-v1";
/// Files smaller than this are parsed every time: the parser is as fast as a cache read.
pub const DEFAULT_MIN_FILE_BYTES: usize = 64 * 1024;
/// When the cache outgrows this, the least recently used entries are removed down to 3/4.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Temporary files of interrupted writes older than this are removed when pruning.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// Diagnostic codes a parse can produce (a cached code is turned back into one of these).
const CODES: [&str; 5] = [
    "yaml",
    "unknown-key",
    "duplicate-key",
    "type",
    "missing-key",
];

/// What a load did with the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose parse came from the cache.
    pub hits: u64,
    /// Files parsed (no entry, or an entry that did not verify).
    pub misses: u64,
    /// Entries written.
    pub writes: u64,
    /// Entries that could not be written (read-only or full disk, ...).
    pub write_errors: u64,
    /// The first write error, for the warning.
    pub first_error: Option<String>,
}

/// A parsed-file cache in one directory. Shared by the parallel parse (`Sync`).
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    /// The build's part of every key.
    build: [u8; 32],
    min_file_bytes: usize,
    max_bytes: u64,
    hits: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    write_errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// The cache directory to use, from the variables the caller read: `BRICKKIT_CACHE_DIR`
/// as given, else `$XDG_CACHE_HOME/brickkit`, else `$HOME/.cache/brickkit`.
pub fn default_dir(
    brickkit_cache_dir: Option<PathBuf>,
    xdg_cache_home: Option<PathBuf>,
    home: Option<PathBuf>,
) -> Option<PathBuf> {
    brickkit_cache_dir
        .or_else(|| xdg_cache_home.map(|x| x.join("brickkit")))
        .or_else(|| home.map(|h| h.join(".cache").join("brickkit")))
}

impl Cache {
    /// A cache under `base` (entries go to `base/parsed-v1/`) for the build named by
    /// `build` (any bytes that change whenever the code that parses could have changed).
    /// Nothing is created until an entry is written.
    pub fn new(base: &Path, build: &[u8]) -> Cache {
        let mut h = Sha256::new();
        h.update(FORMAT.to_le_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update([0]);
        h.update(build);
        Cache {
            root: base.join(SUBDIR),
            build: h.finalize().into(),
            min_file_bytes: DEFAULT_MIN_FILE_BYTES,
            max_bytes: DEFAULT_MAX_BYTES,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// Cache files of at least `n` bytes only (tests use 0).
    pub fn with_min_file_bytes(mut self, n: usize) -> Cache {
        self.min_file_bytes = n;
        self
    }

    /// Keep the cache under `n` bytes (pruned after a load that wrote entries).
    pub fn with_max_bytes(mut self, n: u64) -> Cache {
        self.max_bytes = n;
        self
    }

    /// The folder holding the entries.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// What the loads so far did with the cache.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            write_errors: self.write_errors.load(Ordering::Relaxed),
            first_error: self.first_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    /// The key of `text` parsed as `what`; `None` when the file is too small to cache.
    fn key(&self, what: &str, text: &str) -> Option<[u8; 32]> {
        if text.len() < self.min_file_bytes {
            return None;
        }
        let mut h = Sha256::new();
        h.update(self.build);
        h.update(what.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        Some(h.finalize().into())
    }

    fn entry_path(&self, key: &[u8; 32]) -> PathBuf {
        let hex = hex(key);
        self.root.join(&hex[..2]).join(hex)
    }

    /// The cached parse of `text` as `what` for the file at `path`, when a valid entry
    /// exists. Counts a hit or a miss.
    pub(super) fn get<T: DeserializeOwned>(
        &self,
        path: &Path,
        what: &str,
        text: &str,
    ) -> Option<Parsed<T>> {
        let key = self.key(what, text)?;
        let entry = self.entry_path(&key);
        let got = fs::read(&entry)
            .ok()
            .and_then(|bytes| decode::<T>(&bytes, &key, path));
        match got {
            Some(p) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(p)
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Store the parse of `text` as `what`. Never fails: a problem is counted.
    pub(super) fn put<T: Serialize>(&self, what: &str, text: &str, parsed: &Parsed<T>) {
        let Some(key) = self.key(what, text) else {
            return;
        };
        let Some(bytes) = encode(&key, parsed) else {
            return; // a diagnostic that cannot be stored: that file stays uncached
        };
        match write_atomic(&self.entry_path(&key), &bytes) {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.write_errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = self.first_error.lock()
                    && first.is_none()
                {
                    *first = Some(e);
                }
            }
        }
    }

    /// Remove the least recently used entries while the cache is over its size limit (down
    /// to 3/4 of it), and temporary files left by interrupted writes. Best effort; returns
    /// how many files were removed.
    pub fn prune(&self) -> usize {
        let mut entries = Vec::new();
        let mut removed = 0;
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return 0;
        };
        for d in dirs.flatten() {
            let Ok(files) = fs::read_dir(d.path()) else {
                continue;
            };
            for f in files.flatten() {
                let Ok(m) = f.metadata() else { continue };
                if f.file_name().to_string_lossy().ends_with(".tmp") {
                    let stale = m
                        .modified()
                        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_TMP));
                    if stale && fs::remove_file(f.path()).is_ok() {
                        removed += 1;
                    }
                    continue;
                }
                // Last read: the access time where the file system keeps one (relatime
                // updates it at most daily), else the time it was written.
                let used = m.accessed().or_else(|_| m.modified()).ok();
                entries.push((used, m.len(), f.path()));
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if total <= self.max_bytes {
            return removed;
        }
        entries.sort();
        let goal = self.max_bytes / 4 * 3;
        for (_, len, path) in entries {
            if total <= goal {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
                removed += 1;
            }
        }
        removed
    }
}

/// One file's parse as the loader uses it: the document (when one could be built), its
/// diagnostics, and the names error recovery blanked.
pub(super) struct Parsed<T> {
    pub doc: Option<T>,
    pub diags: Vec<Diagnostic>,
    pub blanked: BTreeSet<String>,
}

/// The stored form of a parse: diagnostics without their path (they are all errors in the
/// parsed file) as `(line, column, code, message)`.
#[derive(Serialize, Deserialize)]
struct Stored<T> {
    doc: Option<T>,
    diags: Vec<(u32, u32, String, String)>,
    blanked: BTreeSet<String>,
}

fn encode<T: Serialize>(key: &[u8; 32], p: &Parsed<T>) -> Option<Vec<u8>> {
    let mut diags = Vec::with_capacity(p.diags.len());
    for d in &p.diags {
        let o = d.origin.as_ref()?;
        if d.level != Level::Error || !CODES.contains(&d.code) {
            return None;
        }
        let line = u32::try_from(o.line).ok()?;
        let column = u32::try_from(o.column).ok()?;
        diags.push((line, column, d.code.to_string(), d.message.clone()));
    }
    let stored = Stored {
        doc: p.doc.as_ref(),
        diags,
        blanked: p.blanked.clone(),
    };
    let payload = rmp_serde::to_vec(&stored).ok()?;
    let mut out = Vec::with_capacity(MAGIC.len() + 64 + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Some(out)
}

fn decode<T: DeserializeOwned>(bytes: &[u8], key: &[u8; 32], path: &Path) -> Option<Parsed<T>> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (stored_key, rest) = rest.split_at_checked(32)?;
    let (sum, payload) = rest.split_at_checked(32)?;
    if stored_key != key || Sha256::digest(payload).as_slice() != sum {
        return None;
    }
    let stored: Stored<T> = rmp_serde::from_slice(payload).ok()?;
    let mut diags = Vec::with_capacity(stored.diags.len());
    for (line, column, code, message) in stored.diags {
        let code: &'static str = CODES.iter().copied().find(|c| *c == code)?;
        diags.push(Diagnostic::error(
            Some(Origin {
                file: path.to_path_buf(),
                line: line as usize,
                column: column as usize,
            }),
            code,
            message,
        ));
    }
    Some(Parsed {
        doc: stored.doc,
        diags,
        blanked: stored.blanked,
    })
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader sees the whole entry or none. Returns a one-line reason on failure.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // A name no other writer holds (another process may be writing the same entry):
    // `create_new` refuses an existing file, so try the next number.
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{n}.tmp"));
        match fs::File::create_new(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 64 => n += 1,
            Err(e) => return Err(format!("{}: {e}", tmp.display())),
        }
    };
    let result = file.write_all(bytes).and_then(|()| fs::rename(&tmp, path));
    drop(file);
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("{}: {e}", tmp.display())
    })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
