//! Owner: the owner must match a pattern (regex), be one of a list (compared like the differ
//! compares principals) and, with `not_user`, not be an individual user (a name with an
//! `@`). A securable without an owner breaks `pattern` and `one_of`, not `not_user`.
//! Field: `owner`; one hit per securable, naming everything the rule asks.

use regex::Regex;

use crate::diff::normalize::principal;

use super::{ABSENT, Hit, Subject, list};

#[derive(Debug)]
pub struct Owner {
    re: Option<Regex>,
    one_of: Vec<String>,
    not_user: bool,
    expected: String,
}

impl Owner {
    pub fn new(pattern: Option<&str>, one_of: &[String], not_user: bool) -> Result<Owner, String> {
        let re = pattern
            .map(Regex::new)
            .transpose()
            .map_err(|e| format!("invalid owner pattern: {e}"))?;
        let mut wants = Vec::new();
        if let Some(p) = pattern {
            wants.push(format!("matching `{p}`"));
        }
        if !one_of.is_empty() {
            wants.push(format!("one of {}", list(one_of)));
        }
        if not_user {
            wants.push("not an individual user".to_string());
        }
        Ok(Owner {
            re,
            one_of: one_of.to_vec(),
            not_user,
            expected: format!("an owner {}", wants.join(", ")),
        })
    }

    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        let owner = s
            .obs
            .row
            .owner
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty());
        let ok = match owner {
            None => self.re.is_none() && self.one_of.is_empty(),
            Some(o) => {
                self.re.as_ref().is_none_or(|re| re.is_match(o))
                    && (self.one_of.is_empty() || self.one_of.iter().any(|x| principal::same(x, o)))
                    && !(self.not_user && principal::kind(o) == principal::Kind::User)
            }
        };
        if !ok {
            out.push(Hit {
                field: "owner".into(),
                expected: self.expected.clone(),
                actual: owner.unwrap_or(ABSENT).to_string(),
            });
        }
    }
}
