//! Sharing repeated strings while decoding: one [`Interner`] per text column of a part being
//! read hands out the same [`Text`] for the same value, so the rows of a snapshot hold one
//! allocation per distinct value of a part instead of one per cell.
//!
//! Two levels, both cheap when they do not pay:
//! - the **previous value** of the column: tables are sorted by securable name, so a table's
//!   full name comes in runs (~5 column rows, 3 grants, 3 tags) and is compared once per row
//!   with no hashing;
//! - a bounded **set of values** seen in the part, for vocabularies (principals, privileges,
//!   tag keys and values, column names and types). A column whose values rarely repeat
//!   (comments, locations) switches the set off after a probe, so it pays one comparison per
//!   cell and never a hash.
//!
//! Only changes which allocation a row points at, never a value: rows compare, order, hash
//! and digest as their text. Never does IO.

use std::collections::HashSet;

use crate::model::Text;

/// Distinct values a column's set keeps per part (vocabularies are far smaller; a column
/// with more distinct values than this keeps the first ones and allocates the rest).
const SET_CAP: usize = 1 << 14;
/// Lookups after which a column's set is kept only if at least a quarter of them hit.
const PROBE: u32 = 1024;

/// Shares the values of one text column of one part.
#[derive(Default)]
pub(crate) struct Interner {
    last: Option<Text>,
    set: HashSet<Text, foldhash::fast::RandomState>,
    lookups: u32,
    hits: u32,
    off: bool,
}

impl Interner {
    /// The shared `Text` for `s`.
    pub(crate) fn get(&mut self, s: &str) -> Text {
        if let Some(last) = &self.last
            && last.as_str() == s
        {
            return last.clone();
        }
        let t = if self.off {
            Text::from(s)
        } else {
            self.lookups += 1;
            if let Some(t) = self.set.get(s) {
                self.hits += 1;
                t.clone()
            } else {
                let t = Text::from(s);
                if self.set.len() < SET_CAP {
                    self.set.insert(t.clone());
                }
                t
            }
        };
        if self.lookups == PROBE && !self.off && self.hits < PROBE / 4 {
            self.off = true;
            self.set = HashSet::default();
        }
        self.last = Some(t.clone());
        t
    }
}

/// One [`Interner`] per column of a table, by the column's place in `Table::columns`.
#[derive(Default)]
pub(crate) struct Interners(Vec<Interner>);

impl Interners {
    /// The interner of column number `col`.
    pub(crate) fn column(&mut self, col: usize) -> &mut Interner {
        if self.0.len() <= col {
            self.0.resize_with(col + 1, Interner::default);
        }
        &mut self.0[col]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation_and_keep_their_text() {
        let mut i = Interner::default();
        let a = i.get("main.sales.orders");
        let b = i.get("main.sales.orders");
        let p1 = i.get("SELECT");
        let c = i.get("main.sales.orders");
        let p2 = i.get("SELECT");
        assert!(Text::ptr_eq(&a, &b) && Text::ptr_eq(&a, &c) && Text::ptr_eq(&p1, &p2));
        assert_eq!((a.as_str(), p1.as_str()), ("main.sales.orders", "SELECT"));
    }

    #[test]
    fn a_column_of_distinct_values_stops_looking_them_up_but_stays_right() {
        let mut i = Interner::default();
        for n in 0..PROBE + 10 {
            assert_eq!(
                i.get(&format!("comment {n}")).as_str(),
                format!("comment {n}")
            );
        }
        assert!(i.off && i.set.is_empty());
        let a = i.get("x");
        let b = i.get("x");
        assert!(Text::ptr_eq(&a, &b), "the previous value is still shared");
    }
}
