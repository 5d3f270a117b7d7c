//! The differ's output nouns: `Value`, `Action`, `Change`, `Diff` and `DiffSet`.
//!
//! Plain data, sorted by construction. Must never know about severity, ignore rules or
//! report formats (that is `drift` and `report`).

use std::fmt;

use crate::model::SecurableKind;

/// A compared value, already normalised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// Nothing there (no owner, no tag, no filter, no grant).
    Absent,
    /// A single text value (owner, comment, tag value, filter `fn ON (cols)`, ...).
    Text(String),
    /// A set of values, sorted and deduplicated (privileges).
    Set(Vec<String>),
    /// A yes/no value (existence).
    Bool(bool),
}

impl Value {
    /// `Text` from anything string-like.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// `Set` from an iterator, sorted and deduplicated.
    pub fn set<I, S>(items: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut v: Vec<String> = items.into_iter().map(Into::into).collect();
        v.sort();
        v.dedup();
        Value::Set(v)
    }

    /// `Text(s)` for `Some(s)`, `Absent` for `None`.
    pub fn opt(s: Option<&str>) -> Value {
        s.map_or(Value::Absent, Value::text)
    }
}

impl fmt::Display for Value {
    /// The report spelling: `None`, the text as is, `{A, B}`, `true`/`false`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Absent => f.write_str("None"),
            Value::Text(s) => f.write_str(s),
            Value::Set(items) => write!(f, "{{{}}}", items.join(", ")),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// What reaching the declared state would take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Declared, absent in the snapshot: add it.
    Add,
    /// Present in the snapshot, not declared: remove it.
    Remove,
    /// Present on both sides with different values: change it.
    Modify,
}

impl Action {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Modify => "modify",
        }
    }

    /// The action that turns `actual` into `declared`.
    pub fn between(declared: &Value, actual: &Value) -> Action {
        let empty = |v: &Value| match v {
            Value::Absent => true,
            Value::Set(s) => s.is_empty(),
            Value::Text(_) | Value::Bool(_) => false,
        };
        match (empty(declared), empty(actual)) {
            (false, true) => Action::Add,
            (true, false) => Action::Remove,
            _ => Action::Modify,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Field name of the existence change.
pub const FIELD_EXISTS: &str = "exists";
/// Field name of a naming-rule violation.
pub const FIELD_NAME: &str = "name";

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Dotted path: `exists`, `name`, `owner`, `comment`, `tags.<key>`,
    /// `columns.<col>.tags.<key>`, `grants.<principal>`, `row_filter`, `columns.<col>.mask`,
    /// `properties.<key>`.
    pub field: String,
    /// Expected value (declared plus convention).
    pub declared: Value,
    /// Observed value.
    pub actual: Value,
    pub action: Action,
    /// True for grant differences that additive grant mode only reports (extra privileges
    /// or undeclared principals): never revoked, classified as info.
    pub additive: bool,
    /// Why the value is expected when it does not come from the securable's own
    /// declaration (a required tag's convention message, a naming rule).
    pub note: Option<String>,
}

impl Change {
    /// A change with `action` derived from the two values.
    pub fn new(field: impl Into<String>, declared: Value, actual: Value) -> Change {
        let action = Action::between(&declared, &actual);
        Change {
            field: field.into(),
            declared,
            actual,
            action,
            additive: false,
            note: None,
        }
    }

    /// Builder: set the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Change {
        self.note = Some(note.into());
        self
    }
}

/// Whether a declared securable was found in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Present,
    Absent,
}

/// The comparison of one declared securable with the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub kind: SecurableKind,
    /// Resolved full name (lower case).
    pub full_name: String,
    /// Index of the securable in `DeclaredState::securables`.
    pub declared_index: usize,
    pub presence: Presence,
    /// Sorted by field. Empty = in sync. An absent securable has exactly one `exists` change.
    pub changes: Vec<Change>,
}

impl Diff {
    /// True when nothing differs.
    pub fn is_in_sync(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A snapshot securable that no declaration matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Undeclared {
    pub kind: SecurableKind,
    /// Full name, lower case.
    pub full_name: String,
}

/// Everything the differ found: one `Diff` per declared securable, in declared order
/// (`(kind, full_name)`), plus the snapshot securables nobody declared, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiffSet {
    pub diffs: Vec<Diff>,
    pub undeclared: Vec<Undeclared>,
}

impl DiffSet {
    /// Total number of changes over all securables.
    pub fn change_count(&self) -> usize {
        self.diffs.iter().map(|d| d.changes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_emptiness() {
        assert_eq!(
            Action::between(&Value::text("a"), &Value::Absent),
            Action::Add
        );
        assert_eq!(
            Action::between(&Value::Set(vec![]), &Value::set(["SELECT"])),
            Action::Remove
        );
        assert_eq!(
            Action::between(&Value::text("a"), &Value::text("b")),
            Action::Modify
        );
    }

    #[test]
    fn values_display_like_the_seed() {
        assert_eq!(Value::Absent.to_string(), "None");
        assert_eq!(
            Value::set(["SELECT", "MODIFY"]).to_string(),
            "{MODIFY, SELECT}"
        );
        assert_eq!(Value::Set(vec![]).to_string(), "{}");
    }
}
