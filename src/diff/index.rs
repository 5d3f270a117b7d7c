//! `SnapshotIndex`: the snapshot indexed once for the differ. Securables are keyed by
//! `(kind, lower-case full name)` in a sorted vector (binary search); grants, tags, row
//! filters and column masks are grouped per securable in compressed-row form, so a lookup
//! is two slices and no allocation.
//!
//! Built in parallel with rayon; never copies row contents, only positions.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::model::SecurableKind;
use crate::state::{ColumnMaskRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow};

use super::normalize::lower;

/// Rows are grouped in chunks of this size; each chunk caches its last lookup, which makes
/// canonically sorted snapshots (rows grouped by securable) nearly free to index.
const CHUNK: usize = 4096;

/// Sentinel for rows whose securable is not in the snapshot.
const NONE: u32 = u32::MAX;

/// Row positions grouped by securable id (compressed sparse rows).
#[derive(Debug, Default)]
pub struct Groups {
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

impl Groups {
    fn build(n: usize, ids: &[u32]) -> Groups {
        let mut counts = vec![0u32; n + 1];
        for &id in ids {
            if id != NONE {
                counts[id as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut rows = vec![0u32; offsets[n] as usize];
        for (row, &id) in ids.iter().enumerate() {
            if id != NONE {
                let slot = &mut next[id as usize];
                rows[*slot as usize] = row as u32;
                *slot += 1;
            }
        }
        Groups { offsets, rows }
    }

    /// Positions of the rows of securable `id` (empty when it has none).
    pub fn get(&self, id: u32) -> &[u32] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.rows[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The snapshot, indexed for lookups by securable.
#[derive(Debug)]
pub struct SnapshotIndex<'a> {
    snap: &'a Snapshot,
    /// `(kind, lower-case name, row)`, sorted; the position in this vector is the
    /// securable id.
    keys: Vec<(SecurableKind, Cow<'a, str>, u32)>,
    grants: Groups,
    tags: Groups,
    row_filters: Groups,
    column_masks: Groups,
}

/// Everything the snapshot says about one securable.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub row: &'a SecurableRow,
    pub grants: &'a [u32],
    pub tags: &'a [u32],
    pub row_filters: &'a [u32],
    pub column_masks: &'a [u32],
    pub snap: &'a Snapshot,
}

impl<'a> Observed<'a> {
    pub fn grants(&self) -> impl Iterator<Item = &'a GrantRow> + 'a {
        let s = self.snap;
        self.grants.iter().map(move |&i| &s.grants[i as usize])
    }
    pub fn tags(&self) -> impl Iterator<Item = &'a TagRow> + 'a {
        let s = self.snap;
        self.tags.iter().map(move |&i| &s.tags[i as usize])
    }
    pub fn row_filter(&self) -> Option<&'a RowFilterRow> {
        self.row_filters
            .first()
            .map(|&i| &self.snap.row_filters[i as usize])
    }
    pub fn column_masks(&self) -> impl Iterator<Item = &'a ColumnMaskRow> + 'a {
        let s = self.snap;
        self.column_masks
            .iter()
            .map(move |&i| &s.column_masks[i as usize])
    }
}

impl<'a> SnapshotIndex<'a> {
    /// Index `snap`. Securable rows without a kind are not indexed (nothing can match them).
    pub fn build(snap: &'a Snapshot) -> SnapshotIndex<'a> {
        let mut keys: Vec<(SecurableKind, Cow<'a, str>, u32)> = snap
            .securables
            .par_iter()
            .enumerate()
            .filter_map(|(i, r)| Some((r.kind?, lower(&r.full_name), i as u32)))
            .collect();
        // Snapshots are stored in canonical order, so this is usually already sorted.
        let sorted = keys
            .par_windows(2)
            .all(|w| (w[0].0, &w[0].1, w[0].2) <= (w[1].0, &w[1].1, w[1].2));
        if !sorted {
            keys.par_sort_unstable_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        }
        // Duplicate keys: the first row wins, the others are unreachable.
        keys.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        let mut idx = SnapshotIndex {
            snap,
            keys,
            grants: Groups::default(),
            tags: Groups::default(),
            row_filters: Groups::default(),
            column_masks: Groups::default(),
        };
        let n = idx.keys.len();
        let (grants, tags) = rayon::join(
            || {
                let ids = idx.ids(&snap.grants, |r| {
                    (r.securable_kind, r.securable_full_name.as_str())
                });
                Groups::build(n, &ids)
            },
            || {
                let ids = idx.ids(&snap.tags, |r| {
                    (r.securable_kind, r.securable_full_name.as_str())
                });
                Groups::build(n, &ids)
            },
        );
        let (row_filters, column_masks) = rayon::join(
            || {
                let ids = idx.ids(&snap.row_filters, |r| {
                    (Some(SecurableKind::Table), r.table_full_name.as_str())
                });
                Groups::build(n, &ids)
            },
            || {
                let ids = idx.ids(&snap.column_masks, |r| {
                    (Some(SecurableKind::Table), r.table_full_name.as_str())
                });
                Groups::build(n, &ids)
            },
        );
        idx.grants = grants;
        idx.tags = tags;
        idx.row_filters = row_filters;
        idx.column_masks = column_masks;
        idx
    }

    /// Number of indexed securables.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the snapshot has no securable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Securable id of `(kind, name)`; `name` must be lower case.
    pub fn find(&self, kind: SecurableKind, name: &str) -> Option<u32> {
        self.keys
            .binary_search_by(|(k, n, _)| (*k, n.as_ref()).cmp(&(kind, name)))
            .ok()
            .map(|p| p as u32)
    }

    /// Like [`find`](Self::find), starting from `hint` (the id found for the previous,
    /// smaller key): sorted inputs then cost a comparison or two instead of a binary
    /// search over the whole index. Returns the id, or the position where the key would be.
    pub fn find_from(&self, hint: usize, kind: SecurableKind, name: &str) -> Result<u32, usize> {
        let cmp = |i: usize| {
            let (k, n, _) = &self.keys[i];
            (*k, n.as_ref()).cmp(&(kind, name))
        };
        let len = self.keys.len();
        if hint >= len || cmp(hint) == std::cmp::Ordering::Greater {
            return self
                .keys
                .binary_search_by(|(k, n, _)| (*k, n.as_ref()).cmp(&(kind, name)))
                .map(|p| p as u32);
        }
        // Gallop forward: keys[lo] <= target.
        let mut lo = hint;
        let mut step = 1usize;
        let mut hi = loop {
            let probe = lo + step;
            if probe >= len {
                break len;
            }
            match cmp(probe) {
                std::cmp::Ordering::Greater => break probe,
                _ => {
                    lo = probe;
                    step *= 2;
                }
            }
        };
        if cmp(lo) == std::cmp::Ordering::Equal {
            return Ok(lo as u32);
        }
        // keys[lo] < target < keys[hi]
        let mut l = lo + 1;
        while l < hi {
            let mid = l + (hi - l) / 2;
            match cmp(mid) {
                std::cmp::Ordering::Less => l = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid as u32),
            }
        }
        Err(l)
    }

    /// Securable id for a row reference whose kind may be unknown: then the kinds whose
    /// names have as many parts as `name` are tried in listing order.
    fn resolve(&self, kind: Option<SecurableKind>, name: &str) -> Option<u32> {
        let name = lower(name);
        match kind {
            Some(k) => self.find(k, &name),
            None => {
                let parts = name.split('.').count();
                SecurableKind::ALL
                    .into_iter()
                    .filter(|k| k.name_parts() == parts)
                    .find_map(|k| self.find(k, &name))
            }
        }
    }

    fn ids<R: Sync>(
        &self,
        rows: &'a [R],
        key: impl Fn(&R) -> (Option<SecurableKind>, &str) + Sync,
    ) -> Vec<u32> {
        rows.par_chunks(CHUNK)
            .flat_map_iter(|chunk| {
                let mut last: Option<(Option<SecurableKind>, &str, u32)> = None;
                let mut hint = usize::MAX;
                chunk
                    .iter()
                    .map(|r| {
                        let (k, n) = key(r);
                        if let Some((lk, ln, id)) = last
                            && lk == k
                            && ln == n
                        {
                            return id;
                        }
                        let id = match k {
                            Some(kind) => match self.find_from(hint, kind, &lower(n)) {
                                Ok(id) => {
                                    hint = id as usize;
                                    id
                                }
                                Err(pos) => {
                                    hint = pos.saturating_sub(1);
                                    NONE
                                }
                            },
                            None => self.resolve(None, n).unwrap_or(NONE),
                        };
                        last = Some((k, n, id));
                        id
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Group any other per-securable rows (e.g. the snapshot's columns) by securable id, the
    /// way grants and tags are grouped: `key` gives each row's securable kind (if known)
    /// and full name.
    pub fn group<R: Sync>(
        &self,
        rows: &'a [R],
        key: impl Fn(&R) -> (Option<SecurableKind>, &str) + Sync,
    ) -> Groups {
        Groups::build(self.keys.len(), &self.ids(rows, key))
    }

    /// What the snapshot holds for securable `id`.
    pub fn observed(&self, id: u32) -> Option<Observed<'_>> {
        let (_, _, row) = self.keys.get(id as usize)?;
        Some(Observed {
            row: &self.snap.securables[*row as usize],
            grants: self.grants.get(id),
            tags: self.tags.get(id),
            row_filters: self.row_filters.get(id),
            column_masks: self.column_masks.get(id),
            snap: self.snap,
        })
    }

    /// `(kind, lower-case name)` of securable `id`.
    pub fn key(&self, id: u32) -> Option<(SecurableKind, &str)> {
        self.keys.get(id as usize).map(|(k, n, _)| (*k, n.as_ref()))
    }

    /// `(kind, lower-case name)` of every indexed securable, in id order.
    pub fn keys(&self) -> impl Iterator<Item = (SecurableKind, &str)> {
        self.keys.iter().map(|(k, n, _)| (*k, n.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SecurableRow;

    fn row(kind: Option<SecurableKind>, name: &str) -> SecurableRow {
        SecurableRow {
            kind,
            full_name: name.into(),
            ..SecurableRow::default()
        }
    }

    fn grant(kind: Option<SecurableKind>, name: &str, p: &str) -> GrantRow {
        GrantRow {
            securable_kind: kind,
            securable_full_name: name.into(),
            principal: p.into(),
            privilege: "SELECT".into(),
        }
    }

    #[test]
    fn finds_by_kind_and_lower_case_name_and_groups_rows() {
        let snap = Snapshot {
            securables: vec![
                row(Some(SecurableKind::Table), "Main.Sales.Orders"),
                row(Some(SecurableKind::Catalog), "x"),
                row(Some(SecurableKind::StorageCredential), "x"),
                row(None, "nobody.knows"),
            ],
            grants: vec![
                grant(Some(SecurableKind::Table), "main.sales.orders", "a"),
                grant(None, "MAIN.SALES.ORDERS", "b"),
                grant(Some(SecurableKind::StorageCredential), "x", "c"),
                grant(None, "x", "d"),
                grant(Some(SecurableKind::Table), "main.sales.gone", "e"),
            ],
            ..Snapshot::default()
        };
        let idx = SnapshotIndex::build(&snap);
        assert_eq!(idx.len(), 3, "rows without a kind are not indexed");
        let t = idx.find(SecurableKind::Table, "main.sales.orders").unwrap();
        let who: Vec<&str> = idx
            .observed(t)
            .unwrap()
            .grants()
            .map(|g| g.principal.as_str())
            .collect();
        assert_eq!(who, ["a", "b"]);
        let c = idx.find(SecurableKind::Catalog, "x").unwrap();
        let s = idx.find(SecurableKind::StorageCredential, "x").unwrap();
        let of = |id| -> Vec<String> {
            idx.observed(id)
                .unwrap()
                .grants()
                .map(|g| g.principal.to_string())
                .collect()
        };
        // A kind-less one-part name goes to the first kind in listing order (catalog).
        assert_eq!(of(c), ["d"]);
        assert_eq!(of(s), ["c"]);
        assert!(idx.find(SecurableKind::Table, "main.sales.gone").is_none());
    }

    #[test]
    fn find_from_agrees_with_find_from_any_hint() {
        let snap = Snapshot {
            securables: (0..200)
                .map(|i| row(Some(SecurableKind::Table), &format!("c.s.t{:03}", i * 2)))
                .collect(),
            ..Snapshot::default()
        };
        let idx = SnapshotIndex::build(&snap);
        for target in 0..402 {
            let name = format!("c.s.t{target:03}");
            let want = idx.find(SecurableKind::Table, &name);
            for hint in [0usize, 1, 7, 50, 199, 200, usize::MAX] {
                let got = idx.find_from(hint, SecurableKind::Table, &name).ok();
                assert_eq!(got, want, "target {name} hint {hint}");
            }
        }
        assert!(idx.find_from(0, SecurableKind::Catalog, "c").is_err());
    }
}
