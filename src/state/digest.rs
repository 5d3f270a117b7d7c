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
pub(crate) const CHUNK_ROWS: usize = 8192;

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
    let tables: TableChunks = [
        chunks(&s.securables),
        chunks(&s.columns),
        chunks(&s.grants),
        chunks(&s.tags),
        chunks(&s.row_filters),
        chunks(&s.column_masks),
        chunks(&s.collection_issues),
    ];
    combine(&counts(s), &tables)
}

/// The chunk digests of the seven tables, in [`TABLE_NAMES`] order: chunk `i` of a table
/// is the SHA-256 of the canonical encoding of its rows `i * CHUNK_ROWS ..`, in canonical
/// order. Readers compute them while decoding (see [`digest_from_chunks`]).
pub(crate) type TableChunks = [Vec<[u8; 32]>; 7];

/// The tables in the order the digest hashes them.
const TABLE_NAMES: [&str; 7] = [
    "securables",
    "columns",
    "grants",
    "tags",
    "row_filters",
    "column_masks",
    "collection_issues",
];

fn counts(s: &Snapshot) -> [usize; 7] {
    [
        s.securables.len(),
        s.columns.len(),
        s.grants.len(),
        s.tags.len(),
        s.row_filters.len(),
        s.column_masks.len(),
        s.collection_issues.len(),
    ]
}

/// The digest of `s` from chunk digests a reader computed while decoding rows it found in
/// canonical order. `None` when the chunk counts do not fit the row counts (the caller
/// then hashes the rows with [`digest_sorted`]). Same result as [`digest_sorted`].
pub(crate) fn digest_from_chunks(s: &Snapshot, tables: &TableChunks) -> Option<String> {
    let counts = counts(s);
    let fits = counts
        .iter()
        .zip(tables)
        .all(|(n, c)| n.div_ceil(CHUNK_ROWS) == c.len());
    fits.then(|| combine(&counts, tables))
}

fn combine(counts: &[usize; 7], tables: &TableChunks) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    for ((name, digests), count) in TABLE_NAMES.iter().zip(tables).zip(counts) {
        let mut enc = Enc::default();
        enc.str(name);
        enc.u64(*count as u64);
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
        .map_init(Vec::new, |buf, chunk| chunk_digest(chunk, buf))
        .collect()
}

/// SHA-256 of the canonical encoding of `rows` (one chunk), using `buf` as scratch space.
pub(crate) fn chunk_digest<R: Canonical>(rows: &[R], buf: &mut Vec<u8>) -> [u8; 32] {
    let mut enc = Enc(std::mem::take(buf));
    enc.0.clear();
    for r in rows {
        r.encode(&mut enc);
    }
    let d = Sha256::digest(&enc.0).into();
    *buf = enc.0;
    d
}

/// True when `rows` are in the canonical order [`Snapshot::sort`] produces (the same
/// comparisons as [`Snapshot::is_sorted`]).
pub(crate) fn rows_in_order<R: Canonical>(rows: &[R]) -> bool {
    rows.is_sorted_by(R::in_order)
}

/// The canonical byte encoding: strings are a u64 LE length then UTF-8 bytes; options a
/// 0/1 byte then the value; integers little-endian; maps and lists a u64 count then items.
#[derive(Default)]
pub(crate) struct Enc(Vec<u8>);

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

/// A row of a snapshot table: its canonical encoding and canonical order.
pub(crate) trait Canonical {
    fn encode(&self, e: &mut Enc);
    /// `a` may come before `b` in canonical order (`a <= b` by the table's sort key).
    fn in_order(a: &Self, b: &Self) -> bool;
}

impl Canonical for SecurableRow {
    fn in_order(a: &Self, b: &Self) -> bool {
        (a.kind, &a.full_name) <= (b.kind, &b.full_name)
    }
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
    fn in_order(a: &Self, b: &Self) -> bool {
        (&a.table_full_name, a.position, &a.name) <= (&b.table_full_name, b.position, &b.name)
    }
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
    fn in_order(a: &Self, b: &Self) -> bool {
        a <= b
    }
    fn encode(&self, e: &mut Enc) {
        e.kind(self.securable_kind);
        e.str(&self.securable_full_name);
        e.str(&self.principal);
        e.str(&self.privilege);
    }
}

impl Canonical for TagRow {
    fn in_order(a: &Self, b: &Self) -> bool {
        a <= b
    }
    fn encode(&self, e: &mut Enc) {
        e.kind(self.securable_kind);
        e.str(&self.securable_full_name);
        e.opt_str(self.column_name.as_deref());
        e.str(&self.key);
        e.str(&self.value);
    }
}

impl Canonical for RowFilterRow {
    fn in_order(a: &Self, b: &Self) -> bool {
        a <= b
    }
    fn encode(&self, e: &mut Enc) {
        e.str(&self.table_full_name);
        e.str(&self.function_full_name);
        e.list(&self.input_arguments);
    }
}

impl Canonical for ColumnMaskRow {
    fn in_order(a: &Self, b: &Self) -> bool {
        a <= b
    }
    fn encode(&self, e: &mut Enc) {
        e.str(&self.table_full_name);
        e.str(&self.column_name);
        e.str(&self.function_full_name);
        e.list(&self.using_arguments);
    }
}

impl Canonical for CollectionIssue {
    fn in_order(a: &Self, b: &Self) -> bool {
        a <= b
    }
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
                key: format!("k{i:05}").into(),
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
