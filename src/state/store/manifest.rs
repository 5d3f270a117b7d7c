//! `manifest.json`: the serde mirror of [`Manifest`] (format version 1) and its checks.
//!
//! The only place where the manifest is serialisable. Reading first looks at
//! `format_version` alone and refuses versions it does not know, before anything else.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Error;
use crate::model::Timestamp;
use crate::state::id::is_valid_snapshot_id;
use crate::state::{Manifest, SNAPSHOT_FORMAT_VERSION};

/// `manifest.json`, format version 1. Field order is the order written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManifestV1 {
    pub format_version: u32,
    pub snapshot_id: String,
    pub lineage: String,
    pub parent_id: Option<String>,
    pub taken_at: String,
    pub host: Option<String>,
    pub metastore_id: Option<String>,
    pub scope: Vec<String>,
    pub collector_mode: String,
    pub brickkit_version: String,
    pub counts: BTreeMap<String, u64>,
    pub content_digest: String,
}

impl ManifestV1 {
    pub(crate) fn from_model(m: &Manifest) -> ManifestV1 {
        ManifestV1 {
            format_version: m.format_version,
            snapshot_id: m.snapshot_id.clone(),
            lineage: m.lineage.clone(),
            parent_id: m.parent_id.clone(),
            taken_at: m.taken_at.to_rfc3339(),
            host: m.host.clone(),
            metastore_id: m.metastore_id.clone(),
            scope: m.scope.clone(),
            collector_mode: m.collector_mode.clone(),
            brickkit_version: m.brickkit_version.clone(),
            counts: m.counts.clone(),
            content_digest: m.content_digest.clone(),
        }
    }

    /// Convert to the model, checking every value (`path` names the file in errors).
    pub(crate) fn into_model(self, path: &Path) -> Result<Manifest, Error> {
        let bad = |reason: String| Error::BadManifest {
            path: path.to_path_buf(),
            reason,
        };
        check_version(path, u64::from(self.format_version))?;
        if !is_valid_snapshot_id(&self.snapshot_id) {
            return Err(bad(format!(
                "snapshot_id `{}` is not a valid id (letters, digits, `-`, `_`, `.`)",
                self.snapshot_id
            )));
        }
        let taken_at = Timestamp::parse_rfc3339(&self.taken_at).ok_or_else(|| {
            bad(format!(
                "taken_at `{}` is not an RFC 3339 UTC time",
                self.taken_at
            ))
        })?;
        if !is_digest(&self.content_digest) {
            return Err(bad(format!(
                "content_digest `{}` is not `sha256:` followed by 64 hex digits",
                self.content_digest
            )));
        }
        Ok(Manifest {
            format_version: self.format_version,
            snapshot_id: self.snapshot_id,
            lineage: self.lineage,
            parent_id: self.parent_id,
            taken_at,
            host: self.host,
            metastore_id: self.metastore_id,
            scope: self.scope,
            collector_mode: self.collector_mode,
            brickkit_version: self.brickkit_version,
            counts: self.counts,
            content_digest: self.content_digest,
        })
    }
}

/// True for `sha256:` followed by 64 lower-case hex digits.
pub(crate) fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Refuse any format version but the current one and version 1 (which `store::read`
/// upgrades: see `store::upgrade_v1`).
pub(crate) fn check_version(path: &Path, found: u64) -> Result<(), Error> {
    if found == u64::from(SNAPSHOT_FORMAT_VERSION) || found == 1 {
        Ok(())
    } else {
        Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            found,
            supported: SNAPSHOT_FORMAT_VERSION,
        })
    }
}

/// The manifest as pretty JSON with a trailing newline (what `manifest.json` holds).
pub fn to_json(m: &Manifest) -> String {
    let mut s = serde_json::to_string_pretty(&ManifestV1::from_model(m)).unwrap_or_default();
    s.push('\n');
    s
}

/// The manifest as a JSON value (for commands that embed it in their own output).
pub fn to_json_value(m: &Manifest) -> serde_json::Value {
    serde_json::to_value(ManifestV1::from_model(m)).unwrap_or(serde_json::Value::Null)
}

/// Parse `manifest.json` text; `path` names the file in errors. The version is checked
/// before the rest of the document, so a newer manifest is refused as such.
pub fn from_json(path: &Path, text: &str) -> Result<Manifest, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::BadManifest {
        path: path.to_path_buf(),
        reason: format!("not valid JSON: {e}"),
    })?;
    let version = value
        .get("format_version")
        .ok_or_else(|| Error::BadManifest {
            path: path.to_path_buf(),
            reason: "no `format_version` field".to_string(),
        })?
        .as_u64()
        .ok_or_else(|| Error::BadManifest {
            path: path.to_path_buf(),
            reason: "`format_version` is not a non-negative integer".to_string(),
        })?;
    check_version(path, version)?;
    let v1: ManifestV1 = serde_json::from_value(value).map_err(|e| Error::BadManifest {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    v1.into_model(path)
}
