//! What a bulk collection's `information_schema` rows may be about: the securables the walk
//! listed ([`Known`]) and the columns it read each table with ([`ColumnSet`]).
//!
//! Both hand back the walk's own allocation of a securable's name, so the grant, tag, filter
//! and mask rows of a million-table metastore point at one copy of each name. Lookups take
//! `&str` and allocate nothing. Pure: no IO, never decides what a failed read means.

use std::collections::HashMap;

use crate::model::{SecurableKind, Text};
use crate::state::Snapshot;

type Hasher = foldhash::fast::RandomState;

/// The securables a walk listed, by full name, with the kinds each name was listed as.
#[derive(Debug, Default)]
pub(crate) struct Known(HashMap<Text, u16, Hasher>);

fn bit(kind: SecurableKind) -> u16 {
    1 << (kind as u16)
}

impl Known {
    /// Every securable of `snap` (rows without a kind are not about anything a query names).
    pub(crate) fn of(snap: &Snapshot) -> Self {
        let mut m: HashMap<Text, u16, Hasher> =
            HashMap::with_capacity_and_hasher(snap.securables.len(), Hasher::default());
        for s in &snap.securables {
            if let Some(kind) = s.kind {
                *m.entry(s.full_name.clone()).or_default() |= bit(kind);
            }
        }
        Known(m)
    }

    /// The walk's name for the securable of `kind` called `name`, if it was listed.
    pub(crate) fn get(&self, kind: SecurableKind, name: &str) -> Option<Text> {
        let (k, kinds) = self.0.get_key_value(name)?;
        (kinds & bit(kind) != 0).then(|| k.clone())
    }
}

/// The columns each table was read with; column names compare as `str::to_lowercase` does.
#[derive(Debug, Default)]
pub(crate) struct ColumnSet(HashMap<Text, Vec<Text>, Hasher>);

impl ColumnSet {
    /// The columns of every table of `snap`.
    pub(crate) fn of(snap: &Snapshot) -> Self {
        let mut m: HashMap<Text, Vec<Text>, Hasher> = HashMap::default();
        for c in &snap.columns {
            m.entry(c.table_full_name.clone())
                .or_default()
                .push(c.name.clone());
        }
        for cols in m.values_mut() {
            cols.shrink_to_fit();
        }
        ColumnSet(m)
    }

    /// The walk's name of `table` when it was read with a column named `column`.
    pub(crate) fn get(&self, table: &str, column: &str) -> Option<Text> {
        let (t, cols) = self.0.get_key_value(table)?;
        cols.iter()
            .any(|c| same_column(c, column))
            .then(|| t.clone())
    }
}

/// Column names are matched without regard to case (the views and the REST API may spell
/// them differently).
fn same_column(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ColumnRow, SecurableRow};

    #[test]
    fn names_come_back_shared_and_kinds_and_columns_are_checked() {
        let mut snap = Snapshot::default();
        snap.securables.push(SecurableRow {
            kind: Some(SecurableKind::Table),
            full_name: "c.s.t".into(),
            ..SecurableRow::default()
        });
        snap.columns.push(ColumnRow {
            table_full_name: snap.securables[0].full_name.clone(),
            name: "Ünïcode_Col".into(),
            ..ColumnRow::default()
        });
        let known = Known::of(&snap);
        let t = known.get(SecurableKind::Table, "c.s.t").unwrap();
        assert!(Text::ptr_eq(&t, &snap.securables[0].full_name));
        assert_eq!(known.get(SecurableKind::Volume, "c.s.t"), None);
        assert_eq!(known.get(SecurableKind::Table, "c.s.other"), None);
        let cols = ColumnSet::of(&snap);
        assert!(cols.get("c.s.t", "ünïcode_col").is_some());
        assert!(cols.get("c.s.t", "ÜNÏCODE_COL").is_some());
        assert_eq!(cols.get("c.s.t", "other"), None);
        assert_eq!(cols.get("c.s.x", "ünïcode_col"), None);
    }
}
