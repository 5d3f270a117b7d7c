//! SQL quoting: identifiers in backticks (a backtick inside doubled), string literals in
//! single quotes with backslash escapes (Spark / Databricks SQL), and dotted names quoted
//! part by part. The collector's queries and the planner's statements are built only through
//! these functions, never by pasting user text into SQL.
//!
//! Pure string functions: no IO, no knowledge of statements or of the remote.

/// Quote an identifier with backticks (doubling backticks inside).
pub fn ident(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('`');
    for c in s.chars() {
        if c == '`' {
            out.push('`');
        }
        out.push(c);
    }
    out.push('`');
    out
}

/// Quote a string literal with single quotes and backslash escapes.
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Quote every part of a multi-part name: `` `cat`.`sch`.`tbl` ``.
pub fn name<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| ident(p.as_ref()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Split a dotted full name into at most `parts` parts (the last one keeps any further
/// dots) and quote each: `dotted("c.s.t", 3)` is `` `c`.`s`.`t` ``.
pub fn dotted(full_name: &str, parts: usize) -> String {
    let split: Vec<&str> = full_name.splitn(parts.max(1), '.').collect();
    name(&split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_double_backticks() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(ident("plain"), "`plain`");
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(literal(r"it's a \ test"), r"'it\'s a \\ test'");
        assert_eq!(literal("two\nlines"), "'two\nlines'");
    }

    #[test]
    fn dotted_names_quote_each_part() {
        assert_eq!(dotted("c.s.t", 3), "`c`.`s`.`t`");
        assert_eq!(dotted("c.s.t.x", 3), "`c`.`s`.`t.x`");
        assert_eq!(dotted("cat", 1), "`cat`");
        assert_eq!(name(&["a b", "c`d"]), "`a b`.`c``d`");
    }
}
