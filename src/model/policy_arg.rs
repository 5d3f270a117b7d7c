//! One argument of a row filter (`ON (...)`) or column mask (`USING COLUMNS (...)`) function:
//! a column of the table or a constant literal, and its one text form, the SQL written between
//! the parentheses. Owns the parsing and printing of that text; never does IO.
//!
//! Sources: the SQL reference's "ROW FILTER clause" / "Column mask clause"
//! (`column_name | constant_literal`) and databricks-sdk-py `service/catalog.py`
//! `PolicyFunctionArgument` (`column` or `constant`, "A constant literal").

use std::fmt;

/// A row filter or column mask argument.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyArg {
    /// A column of the table, by name.
    Column(String),
    /// A constant, as its SQL literal text (`'US'`, `42`).
    Constant(String),
}

impl PolicyArg {
    /// A column argument.
    pub fn column(name: impl Into<String>) -> Self {
        PolicyArg::Column(name.into())
    }

    /// A string constant holding `value` (the literal `'value'`, `\` and `'` escaped as in
    /// Databricks SQL string literals).
    pub fn string(value: &str) -> Self {
        PolicyArg::Constant(format!(
            "'{}'",
            value.replace('\\', "\\\\").replace('\'', "\\'")
        ))
    }

    /// A constant as the API gives it: literal text is kept (`'US'`, `42`); any other text
    /// is taken for a string's value and quoted (`US` -> `'US'`), so the argument stays a
    /// constant whichever way a server spells it.
    pub fn constant(text: &str) -> Self {
        if looks_like_literal(text.trim()) {
            PolicyArg::Constant(text.trim().to_string())
        } else {
            PolicyArg::string(text)
        }
    }

    /// The SQL text: a column backtick-quoted (`` ` `` doubled), a constant as its literal.
    pub fn to_sql(&self) -> String {
        match self {
            PolicyArg::Column(c) => format!("`{}`", c.replace('`', "``")),
            PolicyArg::Constant(k) => k.clone(),
        }
    }

    /// Reads [`PolicyArg::to_sql`] back. A backtick-quoted identifier is a column; a text
    /// that looks like a literal (see [`looks_like_literal`]) a constant; any other text a
    /// column by its bare name (the form of snapshot format version 1 and of lists that hold
    /// column names only).
    pub fn from_sql(text: &str) -> Self {
        let t = text.trim();
        if let Some(inner) = t
            .strip_prefix('`')
            .and_then(|r| r.strip_suffix('`'))
            .filter(|_| t.len() >= 2)
        {
            return PolicyArg::Column(inner.replace("``", "`"));
        }
        if looks_like_literal(t) {
            PolicyArg::Constant(t.to_string())
        } else {
            PolicyArg::Column(text.to_string())
        }
    }

    /// The value of a string constant (`'it\'s'` -> `it's`); `None` for a column or a
    /// number.
    pub fn string_value(&self) -> Option<String> {
        let PolicyArg::Constant(k) = self else {
            return None;
        };
        let q = k.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let inner = k.strip_prefix(q)?.strip_suffix(q)?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.extend(chars.next());
            } else {
                out.push(c);
            }
        }
        Some(out)
    }

    /// The column name, for a column argument.
    pub fn as_column(&self) -> Option<&str> {
        match self {
            PolicyArg::Column(c) => Some(c),
            PolicyArg::Constant(_) => None,
        }
    }
}

impl fmt::Display for PolicyArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sql())
    }
}

/// An argument list for people: `region, 'US'` (a column bare unless it could be read as a
/// literal, then backtick-quoted; a constant as its literal).
pub fn display_args(args: &[PolicyArg]) -> String {
    args.iter()
        .map(|a| match a {
            PolicyArg::Column(c) if !looks_like_literal(c) => c.clone(),
            other => other.to_sql(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// True for the literal forms an argument list holds: a quoted string (`'US'`, `"US"`) or a
/// number (`42`, `-1.5`). A column must be backtick-quoted to be written like one.
pub fn looks_like_literal(t: &str) -> bool {
    let quoted = |q: char| t.len() >= 2 && t.starts_with(q) && t.ends_with(q);
    if quoted('\'') || quoted('"') {
        return true;
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && digits
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-')
        && digits.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_text_round_trips() {
        for a in [
            PolicyArg::column("region"),
            PolicyArg::column("a`b c"),
            PolicyArg::column("42"),
            PolicyArg::column("'x'"),
            PolicyArg::string("US"),
            PolicyArg::string("it's"),
            PolicyArg::Constant("42".into()),
            PolicyArg::Constant("-1.5".into()),
        ] {
            assert_eq!(PolicyArg::from_sql(&a.to_sql()), a, "{a}");
        }
    }

    #[test]
    fn bare_names_are_columns_and_literals_constants() {
        assert_eq!(PolicyArg::from_sql("region"), PolicyArg::column("region"));
        assert_eq!(
            PolicyArg::from_sql("first name"),
            PolicyArg::column("first name")
        );
        assert_eq!(PolicyArg::from_sql("c1"), PolicyArg::column("c1"));
        assert_eq!(PolicyArg::from_sql("'US'"), PolicyArg::string("US"));
        assert_eq!(PolicyArg::from_sql("42"), PolicyArg::Constant("42".into()));
        assert_eq!(PolicyArg::string("a'b").to_sql(), r"'a\'b'");
        assert_eq!(
            PolicyArg::string("a'b\\c").string_value().as_deref(),
            Some("a'b\\c")
        );
        assert_eq!(PolicyArg::Constant("42".into()).string_value(), None);
    }
}
