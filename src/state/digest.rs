//! The **content digest** of a snapshot: `sha256:<hex>` over its canonical content.
//!
//! Owns the canonical byte encoding of every row (documented in `docs/formats/snapshot.md`)
//! and the chunked, parallel hashing scheme. The manifest is *not* part of the content, so
//! the same workspace state gives the same digest whatever the id, time or file format.
//! Pure: no IO. The result never depends on the number of threads.

use std::collections::BTreeMap;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::snapshot::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot,
    TagRow,
};
use crate::model::{SecurableKind, Timestamp};

/// Rows hashed per chunk; chunk digests are combined in order.
const CHUNK_ROWS: usize = 8192;

/// Domain-separation prefix of the digest, bumped if the encoding ever changes.
const DOMAIN: &[u8] = b"brickkit-snapshot-content-v1\0";

/// `sha256:<hex>` over the canonical content of `snapshot` (its rows in canonical order;
/// the manifest is not included). An unsorted snapshot is hashed as if sorted.
pub fn content_digest(snapshot: &Snapshot) -> String {
    if snapshot.is_sorted() {
        digest_sorted(snapshot)
    } else {
        let mut s = snapshot.clone();
        s.sort();
        digest_sorted(&s)
    }
}

/// [`content_digest`] of a snapshot the caller knows is in canonical order (skips the
/// order check).
pub(crate) fn digest_sorted(s: &Snapshot) -> String {
    let tables: [(&str, Vec<[u8; 32]>); 7] = [
        ("securables", chunks(&s.securables)),
        ("columns", chunks(&s.columns)),
        ("grants", chunks(&s.grants)),
        ("tags", chunks(&s.tags)),
        ("row_filters", chunks(&s.row_filters)),
        ("column_masks", chunks(&s.column_masks)),
        ("collection_issues", chunks(&s.collection_issues)),
    ];
    let counts = [
        s.securables.len(),
        s.columns.len(),
        s.grants.len(),
        s.tags.len(),
        s.row_filters.len(),
        s.column_masks.len(),
        s.collection_issues.len(),
    ];
    let mut h = Sha256::new();
    h.update(DOMAIN);
    for ((name, digests), count) in tables.iter().zip(counts) {
        let mut enc = Enc::default();
        enc.str(name);
        enc.u64(count as u64);
        h.update(&enc.0);
        for d in digests {
            h.update(d);
        }
    }
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in h.finalize() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn chunks<R: Canonical + Sync>(rows: &[R]) -> Vec<[u8; 32]> {
    rows.par_chunks(CHUNK_ROWS)
        .map(|chunk| {
            let mut enc = Enc(Vec::with_capacity(chunk.len() * 64));
            for r in chunk {
                r.encode(&mut enc);
            }
            Sha256::digest(&enc.0).into()
        })
        .collect()
}

/// The canonical byte encoding: strings are a u64 LE length then UTF-8 bytes; options a
/// 0/1 byte then the value; integers little-endian; maps and lists a u64 count then items.
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }
    fn kind(&mut self, k: Option<SecurableKind>) {
        self.opt_str(k.map(SecurableKind::as_str));
    }
    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    fn ts(&mut self, t: Option<Timestamp>) {
        match t {
            None => self.0.push(0),
            Some(t) => {
                self.0.push(1);
                self.0.extend_from_slice(&t.0.to_le_bytes());
            }
        }
    }
    fn map(&mut self, m: &BTreeMap<String, String>) {
        self.u64(m.len() as u64);
        for (k, v) in m {
            self.str(k);
            self.str(v);
        }
    }
    fn list(&mut self, l: &[String]) {
        self.u64(l.len() as u64);
        for s in l {
            self.str(s);
        }
    }
}

trait Canonical {
    fn encode(&self, e: &mut Enc);
}

impl Canonical for SecurableRow {
    fn encode(&self, e: &mut Enc) {
        e.kind(self.kind);
        e.str(&self.full_name);
        e.opt_str(self.parent.as_deref());
        e.opt_str(self.owner.as_deref());
        e.opt_str(self.comment.as_deref());
        e.opt_str(self.securable_type.as_deref());
        e.opt_str(self.format.as_deref());
        e.opt_str(self.location.as_deref());
        e.map(&self.properties);
        e.map(&self.details);
        e.ts(self.created_at);
        e.ts(self.updated_at);
    }
}

impl Canonical for ColumnRow {
    fn encode(&self, e: &mut Enc) {
        e.str(&self.table_full_name);
        e.str(&self.name);
        e.0.extend_from_slice(&self.position.to_le_bytes());
        e.str(&self.type_text);
        e.bool(self.nullable);
        e.opt_str(self.comment.as_deref());
    }
}

impl Canonical for GrantRow {
    fn encode(&self, e: &mut Enc) {
        e.kind(self.securable_kind);
        e.str(&self.securable_full_name);
        e.str(&self.principal);
        e.str(&self.privilege);
    }
}

impl Canonical for TagRow {
    fn encode(&self, e: &mut Enc) {
        e.kind(self.securable_kind);
        e.str(&self.securable_full_name);
        e.opt_str(self.column_name.as_deref());
        e.str(&self.key);
        e.str(&self.value);
    }
}

impl Canonical for RowFilterRow {
    fn encode(&self, e: &mut Enc) {
        e.str(&self.table_full_name);
        e.str(&self.function_full_name);
        e.list(&self.input_columns);
    }
}

impl Canonical for ColumnMaskRow {
    fn encode(&self, e: &mut Enc) {
        e.str(&self.table_full_name);
        e.str(&self.column_name);
        e.str(&self.function_full_name);
        e.list(&self.using_columns);
    }
}

impl Canonical for CollectionIssue {
    fn encode(&self, e: &mut Enc) {
        e.kind(self.securable_kind);
        e.str(&self.full_name);
        e.opt_str(self.attribute.as_deref());
        e.bool(self.subtree);
        e.opt_str(self.error_code.as_deref());
        e.str(&self.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Manifest;

    fn sample() -> Snapshot {
        Snapshot {
            manifest: Manifest::default(),
            securables: vec![
                SecurableRow {
                    kind: Some(SecurableKind::Schema),
                    full_name: "c.s".into(),
                    parent: Some("c".into()),
                    ..Default::default()
                },
                SecurableRow {
                    kind: Some(SecurableKind::Catalog),
                    full_name: "c".into(),
                    ..Default::default()
                },
            ],
            grants: vec![GrantRow {
                securable_kind: Some(SecurableKind::Catalog),
                securable_full_name: "c".into(),
                principal: "p".into(),
                privilege: "USE_CATALOG".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn digest_ignores_order_and_manifest_but_not_content() {
        let a = sample();
        let mut b = sample();
        b.sort();
        b.manifest.snapshot_id = "other".into();
        assert_eq!(content_digest(&a), content_digest(&b));
        assert!(content_digest(&a).starts_with("sha256:"));
        assert_eq!(content_digest(&a).len(), 7 + 64);
        let mut c = sample();
        c.grants[0].privilege = "BROWSE".into();
        assert_ne!(content_digest(&a), content_digest(&c));
        // Moving a value between fields changes the digest (fields are delimited).
        let mut d = sample();
        d.securables[0].owner = Some("x".into());
        let mut e = sample();
        e.securables[0].comment = Some("x".into());
        assert_ne!(content_digest(&d), content_digest(&e));
    }

    #[test]
    fn digest_is_the_same_whatever_the_thread_count() {
        let mut s = sample();
        for i in 0..20_000 {
            s.tags.push(TagRow {
                securable_kind: Some(SecurableKind::Catalog),
                securable_full_name: "c".into(),
                column_name: None,
                key: format!("k{i:05}"),
                value: "v".into(),
            });
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| content_digest(&s));
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| content_digest(&s));
        assert_eq!(one, three);
    }
}
