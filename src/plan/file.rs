//! The plan file (`.bkplan`): bytes in, bytes out (`docs/formats/plan.md`).
//!
//! Layout: the 8 magic bytes `\x89BKPLAN\n`, the format version (u32 little-endian), the
//! payload length (u64 little-endian), the payload — the plan's [`PlanDoc`] as MessagePack
//! with named fields (`rmp_serde::to_vec_named`) in one zstd frame (a plan repeats names
//! and paths; compressed, an operation costs tens of bytes) — and the SHA-256 of everything
//! before it (32 bytes). Readers refuse a file that is not a plan, an unknown version, a
//! truncated file and a wrong digest, each with its own message, before decompressing
//! anything.
//!
//! Pure (in-memory encoding only): the workflow layer does the atomic write and the read.
//! The only module that names `rmp_serde` and `zstd`.

use sha2::{Digest, Sha256};

use super::Plan;
use super::doc::{DocError, PLAN_FORMAT_VERSION, PlanDoc};

/// The first bytes of every plan file.
pub const MAGIC: &[u8; 8] = b"\x89BKPLAN\n";

const HEADER: usize = 8 + 4 + 8;
const DIGEST: usize = 32;
/// zstd level: fast, and plans compress well at any level.
const LEVEL: i32 = 3;

/// Why a plan file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("not a brickkit plan file (the magic bytes are missing)")]
    NotAPlan,
    #[error(
        "plan file format version {0} is not supported (this brickkit reads version {PLAN_FORMAT_VERSION}); make the plan again with this brickkit"
    )]
    Version(u32),
    #[error("the plan file is truncated ({have} bytes, expected {want})")]
    Truncated { have: usize, want: usize },
    #[error("the plan file is corrupt: its SHA-256 does not match its content")]
    Digest,
    #[error("the plan file's content cannot be decoded: {0}")]
    Decode(String),
    #[error("the plan file's content is invalid: {0}")]
    Doc(#[from] DocError),
    #[error("the plan cannot be encoded: {0}")]
    Encode(String),
}

/// The bytes of a plan file for `plan`.
pub fn encode(plan: &Plan) -> Result<Vec<u8>, FileError> {
    let doc = PlanDoc::from_plan(plan, false);
    let packed = rmp_serde::to_vec_named(&doc).map_err(|e| FileError::Encode(e.to_string()))?;
    let payload =
        zstd::bulk::compress(&packed, LEVEL).map_err(|e| FileError::Encode(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + payload.len() + DIGEST);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&PLAN_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// Read a plan file's bytes back into the plan, checking magic, version, length and
/// digest before decoding anything.
pub fn decode(bytes: &[u8]) -> Result<Plan, FileError> {
    let packed = unpack(bytes)?;
    let doc: PlanDoc =
        rmp_serde::from_slice(&packed).map_err(|e| FileError::Decode(e.to_string()))?;
    Ok(doc.into_plan()?)
}

/// The checked, decompressed MessagePack payload of a plan file (what [`decode`] reads;
/// tests search it for secrets).
pub fn unpack(bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(FileError::NotAPlan);
    }
    if bytes.len() < HEADER {
        return Err(FileError::Truncated {
            have: bytes.len(),
            want: HEADER + DIGEST,
        });
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(&bytes[8..12]);
    let version = u32::from_le_bytes(v);
    if version != PLAN_FORMAT_VERSION {
        return Err(FileError::Version(version));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&bytes[12..20]);
    let len = usize::try_from(u64::from_le_bytes(n)).unwrap_or(usize::MAX);
    let want = HEADER.saturating_add(len).saturating_add(DIGEST);
    if bytes.len() < want {
        return Err(FileError::Truncated {
            have: bytes.len(),
            want,
        });
    }
    if bytes.len() > want {
        return Err(FileError::Digest);
    }
    let (body, digest) = bytes.split_at(HEADER + len);
    if Sha256::digest(body).as_slice() != digest {
        return Err(FileError::Digest);
    }
    zstd::stream::decode_all(&body[HEADER..])
        .map_err(|e| FileError::Decode(format!("decompression: {e}")))
}

/// `sha256:<hex>` of a plan file's bytes (how history and apply name a plan).
pub fn digest_of(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
