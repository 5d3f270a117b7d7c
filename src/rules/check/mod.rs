//! The five checks a policy rule can make, one file each, behind one compiled [`Check`]:
//! what a securable in scope must look like, and what it reads (so a collection issue on
//! that attribute makes the securable unknown for the rule rather than compliant).
//!
//! Every check compares with the differ's normalisation (`diff::normalize`): principals
//! (users and service principals case-insensitive, groups exact), canonical privilege
//! names, exact tag keys and values. Pure; a check sees one securable and writes its
//! [`Hit`]s, allocating only when something is wrong.

mod forbidden_grant;
mod naming;
mod owner;
mod protection;
mod required_tag;

use crate::declared::RuleCheck;
use crate::diff::Observed;
use crate::model::SecurableKind;
use crate::state::ColumnRow;

/// What the snapshot shows of one securable, as the checks read it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Lower-case full name.
    pub name: &'a str,
    pub obs: Observed<'a>,
    /// Positions of the securable's rows in `snapshot.columns` (tables; empty unless a
    /// rule reads columns).
    pub columns: &'a [u32],
}

impl<'a> Subject<'a> {
    pub fn columns(&self) -> impl Iterator<Item = &'a ColumnRow> + 'a {
        let s = self.obs.snap;
        self.columns.iter().map(move |&i| &s.columns[i as usize])
    }
}

/// One thing wrong with one securable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub field: String,
    pub expected: String,
    pub actual: String,
}

/// How "nothing there" reads in `actual`.
pub const ABSENT: &str = "(none)";

/// A compiled check.
#[derive(Debug)]
pub enum Check {
    RequiredTag(required_tag::RequiredTag),
    Naming(naming::Naming),
    Owner(owner::Owner),
    ForbiddenGrant(forbidden_grant::ForbiddenGrant),
    Protection(protection::Protection),
}

/// Kinds that carry tags.
const TAGGABLE: &[SecurableKind] = &[
    SecurableKind::Catalog,
    SecurableKind::Schema,
    SecurableKind::Table,
    SecurableKind::Volume,
];

impl Check {
    /// Compile a rule's check; an unusable pattern is an error (the loader validates rules,
    /// so this is only reached by rules built by hand).
    pub fn compile(check: &RuleCheck) -> Result<Check, String> {
        Ok(match check {
            RuleCheck::RequiredTag {
                key,
                allowed,
                on_columns,
                ..
            } => Check::RequiredTag(required_tag::RequiredTag::new(
                key,
                allowed.as_deref(),
                *on_columns,
            )),
            RuleCheck::Naming { pattern } => Check::Naming(naming::Naming::new(pattern)?),
            RuleCheck::Owner {
                pattern,
                one_of,
                not_user,
            } => Check::Owner(owner::Owner::new(pattern.as_deref(), one_of, *not_user)?),
            RuleCheck::ForbiddenGrant {
                principals,
                privileges,
                users,
            } => Check::ForbiddenGrant(forbidden_grant::ForbiddenGrant::new(
                principals, privileges, *users,
            )),
            RuleCheck::Protection {
                column_tags,
                require_mask,
                require_row_filter,
                allowed_tables,
            } => Check::Protection(protection::Protection::new(
                column_tags,
                *require_mask,
                *require_row_filter,
                allowed_tables,
            )),
        })
    }

    /// The kinds the check can apply to.
    pub fn applicable(&self) -> &'static [SecurableKind] {
        match self {
            Check::RequiredTag(r) if r.on_columns() => &[SecurableKind::Table],
            Check::RequiredTag(_) => TAGGABLE,
            Check::Protection(_) => &[SecurableKind::Table],
            Check::Naming(_) | Check::Owner(_) | Check::ForbiddenGrant(_) => &SecurableKind::ALL,
        }
    }

    /// Drift fields standing for what the check reads (matched against attribute-level
    /// collection issues with `attribute_covers`).
    pub fn reads(&self) -> &'static [&'static str] {
        match self {
            Check::RequiredTag(r) if r.on_columns() => &["columns._.tags._"],
            Check::RequiredTag(_) => &["tags._"],
            Check::Naming(_) => &["name"],
            Check::Owner(_) => &["owner"],
            Check::ForbiddenGrant(_) => &["grants._"],
            Check::Protection(_) => &["columns._.tags._", "columns._.mask", "row_filter"],
        }
    }

    /// True when the check needs the table's column list.
    pub fn needs_columns(&self) -> bool {
        matches!(self, Check::RequiredTag(r) if r.on_columns())
    }

    /// Check one securable in scope.
    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        match self {
            Check::RequiredTag(c) => c.run(s, out),
            Check::Naming(c) => c.run(s, out),
            Check::Owner(c) => c.run(s, out),
            Check::ForbiddenGrant(c) => c.run(s, out),
            Check::Protection(c) => c.run(s, out),
        }
    }
}

/// `a, b, c`.
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}
