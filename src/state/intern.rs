//! Sharing repeated strings while decoding: one [`Interner`] per text column of a part being
//! read (a store's row group or rowid range, a collector's query result) hands out the same
//! [`Text`] for the same value, so the rows of a snapshot hold one allocation per distinct
//! value of a part instead of one per cell.
//!
//! Three levels, each cheap when it does not pay:
//! - the **previous value** of the column: tables are sorted by securable name, so a table's
//!   full name comes in runs (~5 column rows, 3 grants, 3 tags) and is compared once per row
//!   with no hashing;
//! - the **securable names** ([`Pool`]): a store reads the `securables` table first, and a run of
//!   another table's rows about a securable points at that securable's own name, so a
//!   million-table snapshot holds each name once, not once per table it appears in;
//! - a bounded **set of values** seen in the part, for vocabularies (principals, privileges,
//!   tag keys and values, column names and types).
//!
//! A column whose values the pool or the set rarely hold (comments, locations; the set for
//! a column of names) stops asking it after a probe, so it pays one comparison per cell.
//!
//! Only changes which allocation a row points at, never a value: rows compare, order, hash
//! and digest as their text. Never does IO. Used by `state::store` and `state::collect`.

use std::collections::HashMap;

use crate::model::Text;

/// Distinct values a column's set keeps per part (vocabularies are far smaller; a column
/// with more distinct values than this keeps the first ones and allocates the rest).
const SET_CAP: usize = 1 << 14;
/// Lookups after which a column's set is kept only if at least a quarter of them hit.
const PROBE: u32 = 1024;

/// The full names of a snapshot's securables, shared by the rows of the other tables.
///
/// Kept in the securables' stored order, which is the order in which the other tables
/// (sorted by kind and name, or by table name) mention them: an [`Interner`] follows along
/// with a cursor and finds the next name at or just after it, in memory it has just read,
/// and falls back to the hash index only when a part starts or a row skips ahead.
#[derive(Default)]
pub(crate) struct Pool {
    names: Vec<Text>,
    index: HashMap<Text, u32, foldhash::fast::RandomState>,
}

impl Pool {
    /// The pool of `names`, in the order given (a repeated name keeps its first place).
    pub(crate) fn of<'a>(names: impl Iterator<Item = &'a Text>) -> Self {
        let names: Vec<Text> = names.cloned().collect();
        let mut index = HashMap::with_capacity_and_hasher(names.len(), Default::default());
        for (i, n) in names.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            index.entry(n.clone()).or_insert(i);
        }
        Pool { names, index }
    }

    /// The name equal to `s` and its place, looking first at the `WINDOW` places from
    /// `cursor`.
    fn find(&self, s: &str, cursor: usize) -> Option<(usize, &Text)> {
        for (i, t) in self.names.iter().enumerate().skip(cursor).take(WINDOW) {
            if t.as_str() == s {
                return Some((i, t));
            }
        }
        let i = *self.index.get(s)? as usize;
        Some((i, self.names.get(i)?))
    }
}

/// Places after the previous hit where an interner looks for the next name before hashing.
const WINDOW: usize = 2;

/// A pool with nothing in it, for tables read before the securables.
static EMPTY: std::sync::LazyLock<Pool> = std::sync::LazyLock::new(Pool::default);

/// Shares the values of one text column of one part.
///
/// Handing out a `Text` costs one reference-count increment; the interner remembers its
/// previous value by place (in the pool or its own vocabulary) rather than by a second
/// counted reference, so a run of equal values costs one increment per cell and nothing
/// more.
pub(crate) struct Interner<'p> {
    last: Last<'p>,
    pool: &'p Pool,
    /// The place in the pool after the previous hit.
    cursor: usize,
    pool_lookups: u32,
    pool_hits: u32,
    /// Values seen in this part, and the place of each in `vocab`.
    vocab: Vec<Text>,
    index: HashMap<Text, u32, foldhash::fast::RandomState>,
    lookups: u32,
    hits: u32,
    off: bool,
}

/// The previous value handed out.
enum Last<'p> {
    None,
    Pool(&'p Text),
    Vocab(usize),
    Own(Text),
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Interner::new(&EMPTY)
    }
}

impl<'p> Interner<'p> {
    /// An interner that looks values up in `pool` too.
    pub(crate) fn new(pool: &'p Pool) -> Self {
        Interner {
            last: Last::None,
            pool,
            cursor: 0,
            pool_lookups: 0,
            pool_hits: 0,
            vocab: Vec::new(),
            index: HashMap::default(),
            lookups: 0,
            hits: 0,
            off: false,
        }
    }

    fn last(&self) -> Option<&Text> {
        match &self.last {
            Last::None => None,
            Last::Pool(t) => Some(t),
            Last::Vocab(i) => self.vocab.get(*i),
            Last::Own(t) => Some(t),
        }
    }

    /// The shared `Text` for `s`.
    pub(crate) fn get(&mut self, s: &str) -> Text {
        if let Some(last) = self.last()
            && last.as_str() == s
        {
            return last.clone();
        }
        if self.pool_lookups < PROBE || self.pool_hits >= PROBE / 4 {
            self.pool_lookups = self.pool_lookups.saturating_add(1);
            let pool = self.pool;
            if let Some((i, t)) = pool.find(s, self.cursor) {
                self.pool_hits = self.pool_hits.saturating_add(1);
                self.cursor = i + 1;
                self.last = Last::Pool(t);
                return t.clone();
            }
        }
        if self.off {
            let t = Text::from(s);
            self.last = Last::Own(t.clone());
            return t;
        }
        self.lookups += 1;
        if let Some(&i) = self.index.get(s) {
            self.hits += 1;
            self.last = Last::Vocab(i as usize);
            return self
                .vocab
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| Text::from(s));
        }
        let t = Text::from(s);
        if self.vocab.len() < SET_CAP {
            self.index.insert(t.clone(), self.vocab.len() as u32);
            self.last = Last::Vocab(self.vocab.len());
            self.vocab.push(t.clone());
        } else {
            self.last = Last::Own(t.clone());
        }
        if self.lookups >= PROBE && self.hits < PROBE / 4 {
            // Values rarely repeat here: stop hashing them (`Last::Own` from now on).
            self.off = true;
            if let Last::Vocab(i) = self.last {
                self.last = self.vocab.get(i).cloned().map_or(Last::None, Last::Own);
            }
            self.vocab = Vec::new();
            self.index = HashMap::default();
        }
        t
    }
}

/// One [`Interner`] per text column of a table (by its number among the text columns),
/// all looking up the same [`Pool`].
pub(crate) struct Interners<'p> {
    pool: &'p Pool,
    columns: Vec<Interner<'p>>,
}

impl Default for Interners<'_> {
    fn default() -> Self {
        Interners::new(&EMPTY)
    }
}

impl<'p> Interners<'p> {
    pub(crate) fn new(pool: &'p Pool) -> Self {
        Interners {
            pool,
            columns: Vec::new(),
        }
    }

    /// The interner of text column number `col`.
    pub(crate) fn column(&mut self, col: usize) -> &mut Interner<'p> {
        while self.columns.len() <= col {
            self.columns.push(Interner::new(self.pool));
        }
        &mut self.columns[col]
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
    fn names_of_securables_are_shared_from_the_pool() {
        let names = [
            Text::from("main.sales.orders"),
            Text::from("main.sales.items"),
        ];
        let pool = Pool::of(names.iter());
        let mut i = Interner::new(&pool);
        let a = i.get("main.sales.orders");
        let b = i.get("main.sales.items");
        let c = i.get("main.sales.orders");
        let d = i.get("main.sales.items");
        assert!(Text::ptr_eq(&a, &names[0]) && Text::ptr_eq(&b, &names[1]));
        assert!(Text::ptr_eq(&c, &names[0]) && Text::ptr_eq(&d, &names[1]));
        assert_eq!(i.get("not.in.pool").as_str(), "not.in.pool");
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
        assert!(i.off && i.vocab.is_empty() && i.index.is_empty());
        let a = i.get("x");
        let b = i.get("x");
        assert!(Text::ptr_eq(&a, &b), "the previous value is still shared");
    }
}
