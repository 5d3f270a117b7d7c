//! Naming: the securable's own name (the last part, as the snapshot spells it) must match a
//! regular expression. Field: `name`.

use regex::Regex;

use super::{Hit, Subject};

#[derive(Debug)]
pub struct Naming {
    re: Regex,
    expected: String,
}

impl Naming {
    pub fn new(pattern: &str) -> Result<Naming, String> {
        let re = Regex::new(pattern).map_err(|e| format!("invalid naming pattern: {e}"))?;
        Ok(Naming {
            re,
            expected: format!("a name matching `{pattern}`"),
        })
    }

    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        let full = s.obs.row.full_name.trim();
        let own = full.rsplit('.').next().unwrap_or(full);
        if !self.re.is_match(own) {
            out.push(Hit {
                field: "name".into(),
                expected: self.expected.clone(),
                actual: own.to_string(),
            });
        }
    }
}
