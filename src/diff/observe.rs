//! One attribute of one securable, as the differ sees it: the value a snapshot holds for a
//! plan's attribute (`exists`, `owner`, `comment`, `tags.<key>`, `grants.<principal>`,
//! `row_filter`, `columns.<col>.tags.<key>`, `columns.<col>.mask`), normalised exactly as
//! the drift report spells it, and the comparison the differ would make ([`same`]).
//!
//! Apply re-reads the attributes a plan touches and asks these two questions of the live
//! state, so a precondition recorded from a drift report and a value read back live are
//! compared through the same rules (`normalize`): never a false "stale" over spelling.
//!
//! Pure: reads the index, allocates only the returned value.

use std::collections::BTreeSet;

use crate::model::SecurableKind;

use super::change::{FIELD_EXISTS, Value};
use super::columns::{filter_text, mask_text, observed_args};
use super::index::SnapshotIndex;
use super::normalize::{comment, lower, principal, privilege, tag};

/// Which attribute of a securable (or of one of its columns) a field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute<'a> {
    Exists,
    Owner,
    Comment,
    RowFilter,
    Tag(&'a str),
    Grants(&'a str),
    ColumnTag(&'a str, &'a str),
    ColumnMask(&'a str),
}

impl<'a> Attribute<'a> {
    /// Parse a drift field; `column` is the operation's column (column names may hold
    /// dots, so the column is not guessed from the field). `None` for a field apply never
    /// touches (properties, names).
    pub fn parse(field: &'a str, column: Option<&'a str>) -> Option<Attribute<'a>> {
        match field {
            FIELD_EXISTS => return Some(Attribute::Exists),
            "owner" => return Some(Attribute::Owner),
            "comment" => return Some(Attribute::Comment),
            "row_filter" => return Some(Attribute::RowFilter),
            _ => {}
        }
        if let Some(col) = column
            && let Some(rest) = field.strip_prefix("columns.")
            && rest.len() > col.len()
            && rest.is_char_boundary(col.len())
            && rest[..col.len()].eq_ignore_ascii_case(col)
        {
            let rest = &rest[col.len()..];
            if rest == ".mask" {
                return Some(Attribute::ColumnMask(col));
            }
            if let Some(key) = rest.strip_prefix(".tags.") {
                return Some(Attribute::ColumnTag(col, key));
            }
            return None;
        }
        if let Some(k) = field.strip_prefix("tags.") {
            return Some(Attribute::Tag(k));
        }
        if let Some(p) = field.strip_prefix("grants.") {
            return Some(Attribute::Grants(p));
        }
        None
    }
}

/// The value `index` holds for `attr` of securable `(kind, full_name)`. A securable the
/// snapshot does not hold has `exists = false` and every other attribute absent (grants:
/// the empty set).
pub fn value(
    index: &SnapshotIndex<'_>,
    kind: SecurableKind,
    full_name: &str,
    attr: Attribute<'_>,
) -> Value {
    let obs = index
        .find(kind, &lower(full_name))
        .and_then(|id| index.observed(id));
    let Some(obs) = obs else {
        return match attr {
            Attribute::Exists => Value::Bool(false),
            Attribute::Grants(_) => Value::Set(Vec::new()),
            _ => Value::Absent,
        };
    };
    match attr {
        Attribute::Exists => Value::Bool(true),
        Attribute::Owner => Value::opt(obs.row.owner.as_deref()),
        Attribute::Comment => Value::opt(comment::canonical(obs.row.comment.as_deref())),
        Attribute::Tag(key) => Value::opt(
            obs.tags()
                .find(|t| t.column_name.is_none() && t.key == key)
                .map(|t| t.value.as_str()),
        ),
        Attribute::ColumnTag(col, key) => Value::opt(
            obs.tags()
                .find(|t| {
                    t.key == key
                        && t.column_name
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(col))
                })
                .map(|t| t.value.as_str()),
        ),
        Attribute::Grants(p) => {
            let key = principal::key(p);
            let privs: BTreeSet<String> = obs
                .grants()
                .filter(|g| principal::key(&g.principal) == key)
                .map(|g| privilege::canonical(&g.privilege).into_owned())
                .collect();
            Value::Set(privs.into_iter().collect())
        }
        Attribute::RowFilter => Value::opt(
            obs.row_filter()
                .map(|r| {
                    filter_text(
                        &r.function_full_name,
                        full_name,
                        &observed_args(&r.input_arguments),
                    )
                    .0
                })
                .as_deref(),
        ),
        Attribute::ColumnMask(col) => Value::opt(
            obs.column_masks()
                .find(|m| m.column_name.eq_ignore_ascii_case(col))
                .map(|m| {
                    mask_text(
                        &m.function_full_name,
                        full_name,
                        &observed_args(&m.using_arguments),
                    )
                    .0
                })
                .as_deref(),
        ),
    }
}

/// True when `a` and `b` are the same value of `attr` for the differ: users and service principals
/// case-insensitive, groups exact, privileges case-insensitive (`ALL PRIVILEGES` = `ALL_PRIVILEGES`), an empty comment the
/// same as none, tag values exact, filters and masks as normalised text.
pub fn same(attr: Attribute<'_>, a: &Value, b: &Value) -> bool {
    match (attr, a, b) {
        (Attribute::Owner, Value::Text(x), Value::Text(y)) => principal::same(x, y),
        (Attribute::Comment, _, _) => comment::same(text_of(a), text_of(b)),
        (Attribute::Tag(_) | Attribute::ColumnTag(..), Value::Text(x), Value::Text(y)) => {
            tag::same_value(x, y)
        }
        (Attribute::Grants(_), _, _) => privileges(a) == privileges(b),
        _ => a == b,
    }
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn privileges(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Set(s) => s
            .iter()
            .map(|p| privilege::canonical(p).into_owned())
            .collect(),
        Value::Text(t) => std::iter::once(privilege::canonical(t).into_owned()).collect(),
        Value::Absent | Value::Bool(_) => BTreeSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ColumnMaskRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow};

    fn snap() -> Snapshot {
        let t = "Main.Sales.Orders";
        let mut s = Snapshot::default();
        s.securables.push(SecurableRow {
            kind: Some(SecurableKind::Table),
            full_name: t.into(),
            owner: Some("Data-Eng".into()),
            comment: Some(String::new().into()),
            ..SecurableRow::default()
        });
        s.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.into(),
            principal: "Ann@X.com".into(),
            privilege: "select".into(),
        });
        s.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.into(),
            principal: "ann@x.com".into(),
            privilege: "ALL PRIVILEGES".into(),
        });
        s.tags.push(TagRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.into(),
            column_name: Some("E.mail".into()),
            key: "pii".into(),
            value: "it's".into(),
        });
        s.row_filters.push(RowFilterRow {
            table_full_name: t.into(),
            function_full_name: "`main`.`sales`.`Region_Filter`".into(),
            input_arguments: vec!["`Region`".into()],
        });
        s.column_masks.push(ColumnMaskRow {
            table_full_name: t.into(),
            column_name: "E.mail".into(),
            function_full_name: "main.sales.mask_email".into(),
            using_arguments: Vec::new(),
        });
        s.sort();
        s
    }

    #[test]
    fn values_are_spelled_as_the_drift_report_spells_them() {
        let s = snap();
        let idx = SnapshotIndex::build(&s);
        let v = |f: &str, c: Option<&str>| {
            value(
                &idx,
                SecurableKind::Table,
                "main.sales.orders",
                Attribute::parse(f, c).unwrap(),
            )
        };
        assert_eq!(v("exists", None), Value::Bool(true));
        assert_eq!(v("owner", None), Value::text("Data-Eng"));
        assert_eq!(v("comment", None), Value::Absent);
        assert_eq!(
            v("grants.ANN@x.com", None),
            Value::set(["ALL_PRIVILEGES", "SELECT"])
        );
        assert_eq!(v("grants.nobody", None), Value::Set(vec![]));
        assert_eq!(
            v("columns.e.mail.tags.pii", Some("e.mail")),
            Value::text("it's")
        );
        assert_eq!(
            v("row_filter", None),
            Value::text("main.sales.region_filter ON (region)")
        );
        assert_eq!(
            v("columns.E.mail.mask", Some("E.mail")),
            Value::text("main.sales.mask_email")
        );
        assert_eq!(v("tags.pii", None), Value::Absent);
        let absent = value(
            &idx,
            SecurableKind::Table,
            "main.sales.gone",
            Attribute::Grants("x"),
        );
        assert_eq!(absent, Value::Set(vec![]));
        assert_eq!(
            value(
                &idx,
                SecurableKind::Table,
                "main.sales.gone",
                Attribute::Exists
            ),
            Value::Bool(false)
        );
    }

    #[test]
    fn comparison_follows_the_differs_rules() {
        let g = Attribute::Grants("x");
        assert!(same(g, &Value::set(["select"]), &Value::set(["SELECT"])));
        assert!(same(g, &Value::Set(vec![]), &Value::Absent));
        assert!(!same(
            g,
            &Value::set(["SELECT"]),
            &Value::set(["SELECT", "MODIFY"])
        ));
        assert!(same(
            Attribute::Owner,
            &Value::text("Al@X.com"),
            &Value::text("al@x.com")
        ));
        assert!(!same(
            Attribute::Owner,
            &Value::text("Eng"),
            &Value::text("eng")
        ));
        assert!(same(Attribute::Comment, &Value::text(""), &Value::Absent));
        assert!(!same(
            Attribute::Tag("k"),
            &Value::text("A"),
            &Value::text("a")
        ));
        assert_eq!(Attribute::parse("properties.x", None), None);
    }
}
