//! Forbidden grants: no direct grant of a privilege matching `privileges` (globs on
//! canonical names, `ALL PRIVILEGES` = `ALL_PRIVILEGES`; empty: any) to a principal that
//! matches `principals` (globs: exact for groups, case-insensitive for users and service
//! principals) or, with `users`, to any individual user (a name with an `@`). With
//! `principals` empty and `users` unset, every principal is concerned. Field:
//! `grants.<principal>` (the principal's comparison key), one hit per principal listing the
//! forbidden privileges it holds.

use std::borrow::Cow;

use crate::diff::normalize::{principal, privilege};

use super::super::glob::{Glob, any_matches};
use super::{Hit, Subject, list};

#[derive(Debug)]
pub struct ForbiddenGrant {
    /// `(exact, folded)` compilations of each principal glob.
    principals: Vec<(Glob, Glob)>,
    privileges: Vec<Glob>,
    users: bool,
    expected: String,
}

impl ForbiddenGrant {
    pub fn new(principals: &[String], privileges: &[String], users: bool) -> ForbiddenGrant {
        let privs: Vec<String> = privileges
            .iter()
            .map(|p| privilege::canonical(p.trim()).into_owned())
            .collect();
        let what = if privs.is_empty() {
            "no privilege".to_string()
        } else {
            format!("none of {}", list(&privs))
        };
        let mut whom = Vec::new();
        if !principals.is_empty() {
            whom.push(list(principals));
        }
        if users {
            whom.push("any individual user".to_string());
        }
        if whom.is_empty() {
            whom.push("anyone".to_string());
        }
        ForbiddenGrant {
            principals: principals
                .iter()
                .map(|p| (Glob::exact(p), Glob::folded(p)))
                .collect(),
            privileges: privs.iter().map(|p| Glob::folded(p)).collect(),
            users,
            expected: format!("{what} granted directly to {}", whom.join(" or ")),
        }
    }

    fn concerns(&self, who: &str) -> bool {
        let kind = principal::kind(who);
        if self.users && kind == principal::Kind::User {
            return true;
        }
        if self.principals.is_empty() {
            return !self.users;
        }
        self.principals.iter().any(|(exact, folded)| match kind {
            principal::Kind::Group => exact.matches(who),
            _ => folded.matches(who),
        })
    }

    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        let forbidden = |g: &&crate::state::GrantRow| {
            let who = g.principal.trim();
            self.concerns(who) && any_matches(&self.privileges, &privilege::canonical(&g.privilege))
        };
        if !s.obs.grants().any(|g| forbidden(&g)) {
            return;
        }
        let mut found: Vec<(Cow<'_, str>, Cow<'_, str>)> = s
            .obs
            .grants()
            .filter(forbidden)
            .map(|g| {
                (
                    principal::key(&g.principal),
                    privilege::canonical(&g.privilege),
                )
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            let privs: Vec<&str> = group.iter().map(|(_, p)| p.as_ref()).collect();
            out.push(Hit {
                field: format!("grants.{}", group[0].0),
                expected: self.expected.clone(),
                actual: list(&privs),
            });
        }
    }
}
