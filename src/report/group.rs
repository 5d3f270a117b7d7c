//! Collapsing a long list of the same finding into groups, for the formats people read
//! (text, markdown, JUnit): "998,992 tables in 100 schemas, e.g. a, b, c".
//!
//! A group counts its entries, the distinct securables among them, the distinct parents
//! (schemas of tables, catalogs of schemas) and keeps the first few names as examples. It
//! borrows every name from the report and never copies one, so grouping a million entries
//! costs a pass and a small set per group. [`walk`] is the one place a category is either
//! listed entry by entry or collapsed into groups (text and markdown share it); the
//! renderers phrase and place the lines through a [`Style`].

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use crate::model::{SecurableKind, Severity};

use super::{COLLAPSE_OVER, EXAMPLES, RenderOptions, thousands};

/// True when a category of `len` entries is shown as groups.
pub(crate) fn collapse(len: usize, opts: &RenderOptions) -> bool {
    !opts.verbose && len > COLLAPSE_OVER
}

/// Entries of the same finding, counted.
#[derive(Debug, Default)]
pub(crate) struct Group<'a> {
    /// Entries (drifted fields, securables, unknown attributes).
    pub count: usize,
    /// Distinct securables (entries of one securable come one after another).
    pub securables: usize,
    parents: HashSet<&'a str>,
    /// The first [`EXAMPLES`] distinct securable names.
    pub examples: Vec<&'a str>,
    /// The most serious severity among the entries, when they have one.
    pub worst: Option<Severity>,
    last: Option<&'a str>,
}

impl<'a> Group<'a> {
    fn add(&mut self, name: &'a str, severity: Option<Severity>) {
        self.count += 1;
        self.worst = self.worst.max(severity);
        if self.last == Some(name) {
            return;
        }
        self.last = Some(name);
        self.securables += 1;
        if let Some((parent, _)) = name.rsplit_once('.') {
            self.parents.insert(parent);
        }
        if self.examples.len() < EXAMPLES {
            self.examples.push(name);
        }
    }

    /// `998,992 tables in 100 schemas`, or `1 catalog` (no parent clause for securables
    /// that sit at the top).
    pub(crate) fn securables_phrase(&self, kind: Option<SecurableKind>) -> String {
        let mut s = format!(
            "{} {}",
            thousands(self.securables),
            noun(kind, self.securables)
        );
        if !self.parents.is_empty() {
            let parent_noun = match kind {
                Some(SecurableKind::Schema) => "catalog",
                Some(k) if k.in_catalog() => "schema",
                _ => "parent",
            };
            let n = self.parents.len();
            s.push_str(&format!(
                " in {} {parent_noun}{}",
                thousands(n),
                if n == 1 { "" } else { "s" }
            ));
        }
        s
    }

    /// `, e.g. a, b, c` with each name through `show`, and `, …` when there are more.
    pub(crate) fn examples_phrase(&self, show: impl Fn(&str) -> String) -> String {
        let mut s = String::from(", e.g. ");
        let names: Vec<String> = self.examples.iter().map(|n| show(n)).collect();
        s.push_str(&names.join(", "));
        if self.securables > self.examples.len() {
            s.push_str(", …");
        }
        s
    }
}

/// `table` / `tables`, `storage credential` / `storage credentials`; `securable(s)` when
/// the kind is not known (a metastore-level issue).
pub(crate) fn noun(kind: Option<SecurableKind>, n: usize) -> String {
    let base = kind.map_or("securable", |k| k.as_str()).replace('_', " ");
    if n == 1 { base } else { format!("{base}s") }
}

/// Groups by key, in key order.
#[derive(Debug)]
pub(crate) struct Groups<'a, K: Ord> {
    map: BTreeMap<K, Group<'a>>,
    /// Entries over all groups.
    pub total: usize,
}

impl<K: Ord> Default for Groups<'_, K> {
    fn default() -> Self {
        Groups {
            map: BTreeMap::new(),
            total: 0,
        }
    }
}

impl<'a, K: Ord> Groups<'a, K> {
    pub(crate) fn add(&mut self, key: K, name: &'a str, severity: Option<Severity>) {
        self.total += 1;
        self.map.entry(key).or_default().add(name, severity);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &Group<'a>)> {
        self.map.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// The line that closes a collapsed category: how many entries the groups stand for and
/// how to see every one.
pub(crate) fn hint(total: usize, groups: usize) -> String {
    format!(
        "({} entries in {} group{}; --verbose, or --format json, lists every one)",
        thousands(total),
        thousands(groups),
        if groups == 1 { "" } else { "s" }
    )
}

/// How a format writes the lines of a collapsed category.
pub(crate) trait Style {
    /// One group's line.
    fn group(&self, out: &mut dyn Write, line: &str) -> io::Result<()>;
    /// The line that closes the groups ([`hint`]).
    fn hint(&self, out: &mut dyn Write, hint: &str) -> io::Result<()>;
}

/// Write one category: every entry through `each` (in order) while the category is short
/// or `--verbose`; otherwise the groups of the same `key` (each the key and the securable
/// name an entry counts under) through `line`, one line per group in key order, then the
/// hint. Streams: a listed category is written as it is walked; a collapsed one keeps only
/// its groups.
pub(crate) fn walk<'a, T: 'a, K: Ord, I>(
    out: &mut dyn Write,
    opts: &RenderOptions,
    style: &dyn Style,
    items: I,
    key: impl Fn(&'a T) -> (K, &'a str),
    line: impl Fn(&K, &Group<'a>) -> String,
    mut each: impl FnMut(&mut dyn Write, &'a T) -> io::Result<()>,
) -> io::Result<()>
where
    I: Iterator<Item = &'a T> + Clone,
{
    if collapse(items.clone().count(), opts) {
        let mut groups = Groups::default();
        for t in items {
            let (k, name) = key(t);
            groups.add(k, name, None);
        }
        for (k, g) in groups.iter() {
            style.group(out, &line(k, g))?;
        }
        style.hint(out, &hint(groups.total, groups.len()))
    } else {
        for t in items {
            each(out, t)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_count_securables_parents_and_keep_examples() {
        let names = [
            "c.s1.t1", "c.s1.t1", "c.s1.t2", "c.s2.t3", "c.s2.t4", "d.s1.t5",
        ];
        let mut g: Groups<'_, SecurableKind> = Groups::default();
        for n in names {
            g.add(SecurableKind::Table, n, Some(Severity::Info));
        }
        let (_, grp) = g.iter().next().unwrap();
        assert_eq!((grp.count, grp.securables, g.total), (6, 5, 6));
        assert_eq!(
            grp.securables_phrase(Some(SecurableKind::Table)),
            "5 tables in 3 schemas"
        );
        assert_eq!(
            grp.examples_phrase(str::to_string),
            ", e.g. c.s1.t1, c.s1.t2, c.s2.t3, …"
        );
        assert_eq!(grp.worst, Some(Severity::Info));
        let mut one: Groups<'_, ()> = Groups::default();
        one.add((), "sales", None);
        let (_, grp) = one.iter().next().unwrap();
        assert_eq!(
            grp.securables_phrase(Some(SecurableKind::Catalog)),
            "1 catalog"
        );
        assert_eq!(
            noun(Some(SecurableKind::StorageCredential), 2),
            "storage credentials"
        );
    }

    #[test]
    fn only_long_categories_collapse_and_verbose_never() {
        let opts = RenderOptions::default();
        assert!(!collapse(COLLAPSE_OVER, &opts));
        assert!(collapse(COLLAPSE_OVER + 1, &opts));
        let verbose = RenderOptions {
            verbose: true,
            ..RenderOptions::default()
        };
        assert!(!collapse(1_000_000, &verbose));
    }
}
