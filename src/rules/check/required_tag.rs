//! Required tags: a tag `key` (exact) on every securable in scope — or, with `on_columns`,
//! on every column of every table in scope — with one of the allowed values (exact) when
//! the rule lists them. Field: `tags.<key>` / `columns.<col>.tags.<key>`.

use super::{ABSENT, Hit, Subject, list};

#[derive(Debug)]
pub struct RequiredTag {
    key: String,
    allowed: Option<Vec<String>>,
    on_columns: bool,
    expected: String,
}

impl RequiredTag {
    pub fn new(key: &str, allowed: Option<&[String]>, on_columns: bool) -> RequiredTag {
        let expected = match allowed {
            Some(a) => format!("one of {}", list(a)),
            None => "present".to_string(),
        };
        RequiredTag {
            key: key.to_string(),
            allowed: allowed.map(<[String]>::to_vec),
            on_columns,
            expected,
        }
    }

    pub fn on_columns(&self) -> bool {
        self.on_columns
    }

    fn ok(&self, value: &str) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|a| a.iter().any(|x| x == value))
    }

    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        if self.on_columns {
            for col in s.columns() {
                let of_col = || {
                    s.obs
                        .tags()
                        .filter(|t| {
                            t.key == self.key
                                && t.column_name
                                    .as_deref()
                                    .is_some_and(|c| c.trim().eq_ignore_ascii_case(col.name.trim()))
                        })
                        .map(|t| t.value.as_str())
                };
                if let Some(actual) = self.judge(of_col) {
                    out.push(Hit {
                        field: format!(
                            "columns.{}.tags.{}",
                            col.name.to_ascii_lowercase(),
                            self.key
                        ),
                        expected: self.expected.clone(),
                        actual,
                    });
                }
            }
            return;
        }
        let own = || {
            s.obs
                .tags()
                .filter(|t| t.column_name.is_none() && t.key == self.key)
                .map(|t| t.value.as_str())
        };
        if let Some(actual) = self.judge(own) {
            out.push(Hit {
                field: format!("tags.{}", self.key),
                expected: self.expected.clone(),
                actual,
            });
        }
    }

    /// `None` when the values satisfy the rule, else what to report as actual.
    fn judge<'v, I: Iterator<Item = &'v str>>(&self, values: impl Fn() -> I) -> Option<String> {
        if values().any(|v| self.ok(v)) {
            return None;
        }
        let mut seen: Vec<&str> = values().collect();
        if seen.is_empty() {
            return Some(ABSENT.to_string());
        }
        seen.sort_unstable();
        seen.dedup();
        Some(list(&seen))
    }
}
