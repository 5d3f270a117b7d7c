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

/// True for a data type that may be written into DDL as it is: words, digits, `_`, spaces,
/// `,` `:` and balanced `(...)` / `<...>` (`DECIMAL(18,2)`, `ARRAY<STRING>`,
/// `STRUCT<a: INT, b: STRING>`). Types cannot be quoted, so anything else (a quote, a
/// backtick, `;`, a comment) is refused before it can reach a statement.
pub fn is_type_text(s: &str) -> bool {
    let mut depth: Vec<char> = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '<' => depth.push(c),
            ')' if depth.pop() != Some('(') => return false,
            '>' if depth.pop() != Some('<') => return false,
            ')' | '>' => {}
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | ',' | ':') => {}
            _ => return false,
        }
    }
    depth.is_empty() && s.chars().any(|c| c.is_ascii_alphabetic())
}

/// True for a name that may stand bare in SQL: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod type_text_tests {
    use super::*;

    #[test]
    fn plain_types_pass_and_injection_does_not() {
        for ok in [
            "INT",
            "decimal(18,2)",
            "ARRAY<STRING>",
            "STRUCT<a: INT, b: MAP<STRING, INT>>",
        ] {
            assert!(is_type_text(ok), "{ok}");
        }
        for bad in [
            "",
            "STRING) ; DROP TABLE x --",
            "INT -- c",
            "STRING COMMENT 'x'",
            "ARRAY<INT",
            "INT)",
            "`t`",
            "42",
        ] {
            assert!(!is_type_text(bad), "{bad}");
        }
        assert!(is_plain_name("region_1") && !is_plain_name("a b") && !is_plain_name("1a"));
    }
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
