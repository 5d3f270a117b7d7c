//! Protection: a column carrying one of the listed tags (key, and the value when the rule
//! gives one; exact) must carry a column mask, and a table holding such a column must carry
//! a row filter unless its full name matches one of `allowed_tables` (case-insensitive
//! globs). Tables only. Fields: `columns.<col>.mask`, `row_filter`.

use std::collections::BTreeMap;

use super::super::glob::Glob;
use super::{ABSENT, Hit, Subject, list};

#[derive(Debug)]
pub struct Protection {
    column_tags: Vec<(String, Option<String>)>,
    require_mask: bool,
    require_row_filter: bool,
    allowed_tables: Vec<Glob>,
    /// `pii=true, phi` — how the matching tags read in `expected`.
    tags_text: String,
}

impl Protection {
    pub fn new(
        column_tags: &BTreeMap<String, Option<String>>,
        require_mask: bool,
        require_row_filter: bool,
        allowed_tables: &[String],
    ) -> Protection {
        let tags: Vec<String> = column_tags
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect();
        Protection {
            column_tags: column_tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            require_mask,
            require_row_filter,
            allowed_tables: allowed_tables.iter().map(|g| Glob::folded(g)).collect(),
            tags_text: tags.join(" or "),
        }
    }

    fn protected(&self, key: &str, value: &str) -> bool {
        self.column_tags
            .iter()
            .any(|(k, v)| k == key && v.as_deref().is_none_or(|v| v == value))
    }

    pub fn run(&self, s: &Subject<'_>, out: &mut Vec<Hit>) {
        let tagged =
            |t: &crate::state::TagRow| t.column_name.is_some() && self.protected(&t.key, &t.value);
        if !s.obs.tags().any(tagged) {
            return;
        }
        let mut cols: Vec<String> = s
            .obs
            .tags()
            .filter(|t| tagged(t))
            .filter_map(|t| t.column_name.as_deref())
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        cols.sort_unstable();
        cols.dedup();
        if self.require_mask {
            for c in &cols {
                let masked = s
                    .obs
                    .column_masks()
                    .any(|m| m.column_name.trim().eq_ignore_ascii_case(c));
                if !masked {
                    out.push(Hit {
                        field: format!("columns.{c}.mask"),
                        expected: format!(
                            "a column mask (the column is tagged {})",
                            self.tags_text
                        ),
                        actual: ABSENT.to_string(),
                    });
                }
            }
        }
        let allowed = self.allowed_tables.iter().any(|g| g.matches(s.name));
        if self.require_row_filter && !allowed && s.obs.row_filter().is_none() {
            out.push(Hit {
                field: "row_filter".into(),
                expected: format!(
                    "a row filter (column {} tagged {})",
                    list(&cols),
                    self.tags_text
                ),
                actual: ABSENT.to_string(),
            });
        }
    }
}
