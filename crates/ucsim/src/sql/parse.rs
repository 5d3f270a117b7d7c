//! Parsing of the Databricks statements the interpreter supports. Tokens always come from
//! `sqlparser`'s tokenizer (Databricks dialect plus Spark's backslash escapes in string
//! literals), so backticked identifiers with doubled backticks and quoted literals with escapes
//! are read exactly as Databricks reads them. `SELECT` is parsed by `sqlparser`'s parser; the
//! Databricks DDL/DCL forms that `sqlparser` does not model (`SET TAGS`, `SET ROW FILTER`,
//! `SET MASK`, `GRANT ... ON CATALOG`, `COMMENT ON VOLUME`, ...) are parsed here by a small
//! recursive-descent reader over those tokens. Pure; no state access.

use std::any::TypeId;

use sqlparser::dialect::{DatabricksDialect, Dialect};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::SqlError;

/// Databricks dialect with Spark's backslash escapes in string literals.
#[derive(Debug, Default)]
pub struct UcDialect;

impl Dialect for UcDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<DatabricksDialect>()
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect.is_delimited_identifier_start(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        DatabricksDialect.identifier_quote_style(identifier)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        DatabricksDialect.is_identifier_part(ch)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn supports_numeric_prefix(&self) -> bool {
        true
    }
    fn supports_nested_comments(&self) -> bool {
        true
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
}

/// A securable kind as written in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlKind {
    /// `CATALOG`.
    Catalog,
    /// `SCHEMA` / `DATABASE`.
    Schema,
    /// `TABLE`, `VIEW`, `MATERIALIZED VIEW`, `STREAMING TABLE`.
    Table,
    /// `VOLUME`.
    Volume,
    /// `FUNCTION`.
    Function,
    /// `COLUMN` (in `SET TAG ON COLUMN`, `COMMENT ON COLUMN`).
    Column,
    /// `CONNECTION`.
    Connection,
    /// `EXTERNAL LOCATION`.
    ExternalLocation,
    /// `STORAGE CREDENTIAL`.
    StorageCredential,
    /// `METASTORE`.
    Metastore,
}

/// A row-filter or mask argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A column reference.
    Column(String),
    /// A constant literal (its text).
    Constant(String),
}

/// The SQL text of a string literal holding `s`: single quotes, `\\` and `\'` escaped as
/// Databricks SQL string literals escape them (SQL reference "STRING type", literals).
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A column definition of `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColDef {
    /// Column name as written.
    pub name: String,
    /// Type text (lower-case catalog string).
    pub type_text: String,
    /// `NOT NULL` absent.
    pub nullable: bool,
    /// `COMMENT`.
    pub comment: Option<String>,
    /// `MASK f [USING COLUMNS (...)]`.
    pub mask: Option<(Vec<String>, Vec<Arg>)>,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Type text.
    pub type_text: String,
    /// Comment.
    pub comment: Option<String>,
}

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// `DESCRIBE [TABLE] [EXTENDED] t [AS JSON]`.
    Describe {
        /// Table name parts.
        name: Vec<String>,
        /// `EXTENDED`.
        extended: bool,
        /// `AS JSON`.
        as_json: bool,
    },
    /// `ALTER ... SET TAGS` / `SET TAG ON`.
    SetTags {
        /// Kind.
        kind: SqlKind,
        /// Name parts (for columns: table parts + column).
        name: Vec<String>,
        /// Pairs.
        tags: Vec<(String, Option<String>)>,
        /// `SET TAG ON` (fails when the key exists).
        single: bool,
    },
    /// `ALTER ... UNSET TAGS` / `UNSET TAG ON`.
    UnsetTags {
        /// Kind.
        kind: SqlKind,
        /// Name parts.
        name: Vec<String>,
        /// Keys.
        keys: Vec<String>,
        /// `UNSET TAG ON` (fails when the key is absent; `UNSET TAGS` does not).
        single: bool,
    },
    /// `ALTER TABLE t SET ROW FILTER f ON (...)`.
    SetRowFilter {
        /// Table.
        table: Vec<String>,
        /// Function.
        func: Vec<String>,
        /// Arguments.
        args: Vec<Arg>,
    },
    /// `ALTER TABLE t DROP ROW FILTER`.
    DropRowFilter {
        /// Table.
        table: Vec<String>,
    },
    /// `ALTER TABLE t ALTER COLUMN c SET MASK f [USING COLUMNS (...)]`.
    SetMask {
        /// Table.
        table: Vec<String>,
        /// Column.
        column: String,
        /// Function.
        func: Vec<String>,
        /// Extra arguments.
        using: Vec<Arg>,
    },
    /// `ALTER TABLE t ALTER COLUMN c DROP MASK`.
    DropMask {
        /// Table.
        table: Vec<String>,
        /// Column.
        column: String,
    },
    /// `COMMENT ON ... IS ...` and `ALTER TABLE t ALTER COLUMN c COMMENT '...'`.
    Comment {
        /// Kind.
        kind: SqlKind,
        /// Name parts (for columns: table parts + column).
        name: Vec<String>,
        /// New comment (None for `IS NULL`).
        comment: Option<String>,
    },
    /// `ALTER ... [SET] OWNER TO p`.
    Owner {
        /// Kind.
        kind: SqlKind,
        /// Name parts.
        name: Vec<String>,
        /// New owner.
        principal: String,
    },
    /// `GRANT` / `REVOKE`.
    Grant {
        /// Privileges as written (normalised later).
        privileges: Vec<String>,
        /// Kind.
        kind: SqlKind,
        /// Name parts (empty for the metastore).
        name: Vec<String>,
        /// Principal.
        principal: String,
        /// `REVOKE`.
        revoke: bool,
    },
    /// `CREATE TABLE`.
    CreateTable {
        /// Name.
        name: Vec<String>,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// `OR REPLACE`.
        or_replace: bool,
        /// Columns.
        columns: Vec<ColDef>,
        /// `COMMENT`.
        comment: Option<String>,
        /// `USING fmt`.
        using: Option<String>,
        /// `LOCATION`.
        location: Option<String>,
        /// `TBLPROPERTIES`.
        properties: Vec<(String, String)>,
        /// `WITH ROW FILTER f ON (...)`.
        row_filter: Option<(Vec<String>, Vec<Arg>)>,
    },
    /// `CREATE CATALOG | SCHEMA | VOLUME`.
    CreateContainer {
        /// Kind.
        kind: SqlKind,
        /// Name.
        name: Vec<String>,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// `COMMENT`.
        comment: Option<String>,
        /// `LOCATION` (external volumes).
        location: Option<String>,
    },
    /// `CREATE FUNCTION`.
    CreateFunction {
        /// Name.
        name: Vec<String>,
        /// `OR REPLACE`.
        or_replace: bool,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// Parameters.
        params: Vec<Param>,
        /// Return type text.
        returns: String,
        /// Body text.
        body: String,
        /// Language (`SQL`, `PYTHON`).
        language: String,
        /// `COMMENT`.
        comment: Option<String>,
        /// `DETERMINISTIC`.
        deterministic: bool,
    },
    /// `DROP <kind> [IF EXISTS] name [CASCADE]`.
    Drop {
        /// Kind.
        kind: SqlKind,
        /// Name.
        name: Vec<String>,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`.
        cascade: bool,
    },
    /// `SHOW GRANTS [principal] ON <kind> name`.
    ShowGrants {
        /// Principal filter.
        principal: Option<String>,
        /// Kind.
        kind: SqlKind,
        /// Name.
        name: Vec<String>,
    },
    /// A `SELECT` (parsed by sqlparser).
    Select(Box<sqlparser::ast::Query>),
}

fn err(class: &str, sql_state: &str, msg: impl Into<String>) -> SqlError {
    SqlError {
        message: format!("[{class}] {} SQLSTATE: {sql_state}", msg.into()),
        sql_state: sql_state.into(),
    }
}

/// A syntax error.
pub fn syntax(msg: impl Into<String>) -> SqlError {
    err("PARSE_SYNTAX_ERROR", "42601", msg)
}

/// Tokenizes with the simulator's dialect, dropping whitespace and comments.
pub fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>, SqlError> {
    let toks = Tokenizer::new(&UcDialect, sql)
        .with_unescape(true)
        .tokenize_with_location()
        .map_err(|e| syntax(format!("Syntax error: {e}.")))?;
    Ok(toks
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect())
}

/// Byte offset of a 1-based (line, column) location in `sql`.
fn offset_of(sql: &str, line: u64, column: u64) -> usize {
    let mut cur_line = 1u64;
    let mut cur_col = 1u64;
    for (i, ch) in sql.char_indices() {
        if cur_line == line && cur_col == column {
            return i;
        }
        if ch == '\n' {
            cur_line += 1;
            cur_col = 1;
        } else {
            cur_col += 1;
        }
    }
    sql.len()
}

struct P<'a> {
    sql: &'a str,
    toks: Vec<TokenWithSpan>,
    pos: usize,
}

impl P<'_> {
    fn peek(&self) -> &Token {
        self.toks
            .get(self.pos)
            .map(|t| &t.token)
            .unwrap_or(&Token::EOF)
    }

    fn peek_at(&self, n: usize) -> &Token {
        self.toks
            .get(self.pos + n)
            .map(|t| &t.token)
            .unwrap_or(&Token::EOF)
    }

    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }

    /// Consumes a sequence of keywords if all match.
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws.iter().enumerate().all(|(i, k)| self.is_kw_at(i, k)) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        self.eat_kws(&[kw])
    }

    fn describe_here(&self) -> String {
        match self.peek() {
            Token::EOF => "end of input".into(),
            t => format!("'{t}'"),
        }
    }

    fn expect_kws(&mut self, kws: &[&str]) -> Result<(), SqlError> {
        if self.eat_kws(kws) {
            Ok(())
        } else {
            Err(syntax(format!(
                "Syntax error at or near {}: expected {}.",
                self.describe_here(),
                kws.join(" ")
            )))
        }
    }

    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == t {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Token) -> Result<(), SqlError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(syntax(format!(
                "Syntax error at or near {}: expected '{t}'.",
                self.describe_here()
            )))
        }
    }

    fn ident(&mut self) -> Result<String, SqlError> {
        match self.peek().clone() {
            Token::Word(w) => {
                self.pos += 1;
                Ok(w.value)
            }
            _ => Err(syntax(format!(
                "Syntax error at or near {}: expected an identifier.",
                self.describe_here()
            ))),
        }
    }

    fn name(&mut self) -> Result<Vec<String>, SqlError> {
        let mut parts = vec![self.ident()?];
        while self.eat(&Token::Period) {
            parts.push(self.ident()?);
        }
        Ok(parts)
    }

    fn string(&mut self) -> Result<String, SqlError> {
        match self.peek().clone() {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.pos += 1;
                let mut out = s;
                // Adjacent literals concatenate, as in Spark.
                while let Token::SingleQuotedString(n) | Token::DoubleQuotedString(n) =
                    self.peek().clone()
                {
                    self.pos += 1;
                    out.push_str(&n);
                }
                Ok(out)
            }
            _ => Err(syntax(format!(
                "Syntax error at or near {}: expected a string literal.",
                self.describe_here()
            ))),
        }
    }

    /// A principal: backticked identifier, bare word(s) or string literal.
    fn principal(&mut self) -> Result<String, SqlError> {
        match self.peek().clone() {
            Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) => self.string(),
            Token::Word(w) if w.quote_style.is_some() => {
                self.pos += 1;
                Ok(w.value)
            }
            Token::Word(_) => {
                // `account users` written bare: collect adjacent words.
                let mut words = vec![self.ident()?];
                while let Token::Word(w) = self.peek().clone() {
                    if w.quote_style.is_some() {
                        break;
                    }
                    self.pos += 1;
                    words.push(w.value);
                }
                Ok(words.join(" "))
            }
            _ => Err(syntax(format!(
                "Syntax error at or near {}: expected a principal.",
                self.describe_here()
            ))),
        }
    }

    fn at_end(&mut self) -> bool {
        while self.eat(&Token::SemiColon) {}
        matches!(self.peek(), Token::EOF)
    }

    fn expect_end(&mut self) -> Result<(), SqlError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(syntax(format!(
                "Syntax error at or near {}: unexpected trailing input.",
                self.describe_here()
            )))
        }
    }

    fn kind(&mut self) -> Result<SqlKind, SqlError> {
        let k = if self.eat_kw("CATALOG") {
            SqlKind::Catalog
        } else if self.eat_kw("SCHEMA") || self.eat_kw("DATABASE") {
            SqlKind::Schema
        } else if self.eat_kw("TABLE")
            || self.eat_kw("VIEW")
            || self.eat_kws(&["MATERIALIZED", "VIEW"])
            || self.eat_kws(&["STREAMING", "TABLE"])
        {
            SqlKind::Table
        } else if self.eat_kw("VOLUME") {
            SqlKind::Volume
        } else if self.eat_kw("FUNCTION") {
            SqlKind::Function
        } else if self.eat_kw("COLUMN") {
            SqlKind::Column
        } else if self.eat_kw("CONNECTION") {
            SqlKind::Connection
        } else if self.eat_kws(&["EXTERNAL", "LOCATION"]) {
            SqlKind::ExternalLocation
        } else if self.eat_kws(&["STORAGE", "CREDENTIAL"]) {
            SqlKind::StorageCredential
        } else if self.eat_kw("METASTORE") {
            SqlKind::Metastore
        } else {
            return Err(syntax(format!(
                "Syntax error at or near {}: expected a securable type.",
                self.describe_here()
            )));
        };
        Ok(k)
    }

    /// `( 'k' = 'v', ... )`; keys may be identifiers; values optional.
    fn tag_pairs(&mut self) -> Result<Vec<(String, Option<String>)>, SqlError> {
        self.expect(&Token::LParen)?;
        let mut out = Vec::new();
        loop {
            let k = match self.peek() {
                Token::Word(_) => self.ident()?,
                _ => self.string()?,
            };
            let v = if self.eat(&Token::Eq) {
                Some(self.string()?)
            } else {
                None
            };
            out.push((k, v));
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(out)
    }

    fn tag_keys(&mut self) -> Result<Vec<String>, SqlError> {
        self.expect(&Token::LParen)?;
        let mut out = Vec::new();
        loop {
            out.push(match self.peek() {
                Token::Word(_) => self.ident()?,
                _ => self.string()?,
            });
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(out)
    }

    /// `( arg, ... )` where args are columns or literals; `()` allowed.
    fn args(&mut self) -> Result<Vec<Arg>, SqlError> {
        self.expect(&Token::LParen)?;
        let mut out = Vec::new();
        if self.eat(&Token::RParen) {
            return Ok(out);
        }
        loop {
            match self.peek().clone() {
                Token::Word(w) => {
                    self.pos += 1;
                    out.push(Arg::Column(w.value));
                }
                // A constant keeps its SQL literal text (`'US'`, `42`, `-1`): the argument
                // grammar is `column_name | constant_literal` (SQL reference "ROW FILTER
                // clause" / "Column mask clause"), and the API's `constant` is "A constant
                // literal" (databricks-sdk-py `service/catalog.py` `PolicyFunctionArgument`).
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                    self.pos += 1;
                    out.push(Arg::Constant(string_literal(&s)));
                }
                Token::Number(n, _) => {
                    self.pos += 1;
                    out.push(Arg::Constant(n));
                }
                Token::Minus
                    if matches!(
                        self.toks.get(self.pos + 1).map(|t| &t.token),
                        Some(Token::Number(..))
                    ) =>
                {
                    self.pos += 1;
                    if let Token::Number(n, _) = self.peek().clone() {
                        self.pos += 1;
                        out.push(Arg::Constant(format!("-{n}")));
                    }
                }
                _ => {
                    return Err(syntax(format!(
                        "Syntax error at or near {}: expected a column or a literal.",
                        self.describe_here()
                    )));
                }
            }
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(out)
    }

    /// A type: tokens up to a top-level `,` / `)` or a column-option keyword.
    fn type_text(&mut self) -> Result<String, SqlError> {
        let mut out = String::new();
        let mut depth: i32 = 0;
        let mut prev_word = false;
        loop {
            let t = self.peek().clone();
            if depth == 0 {
                let stop_kw = [
                    "NOT",
                    "COMMENT",
                    "MASK",
                    "DEFAULT",
                    "GENERATED",
                    "NULL",
                    "CONSTRAINT",
                    "PRIMARY",
                    "RETURN",
                    "RETURNS",
                    "LANGUAGE",
                    "DETERMINISTIC",
                    "CONTAINS",
                    "READS",
                    "SQL",
                    "AS",
                    "COLLATE",
                ]
                .iter()
                .any(|k| self.is_kw(k));
                if stop_kw && !out.is_empty()
                    || matches!(
                        t,
                        Token::Comma | Token::RParen | Token::EOF | Token::SemiColon
                    )
                {
                    break;
                }
            }
            self.pos += 1;
            match t {
                Token::Word(w) => {
                    if prev_word {
                        out.push(if depth > 0 { ':' } else { ' ' });
                    }
                    out.push_str(&w.value.to_lowercase());
                    prev_word = true;
                    continue;
                }
                Token::Lt => depth += 1,
                Token::Gt => depth -= 1,
                Token::ShiftRight => depth -= 2,
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            prev_word = false;
            out.push_str(&t.to_string());
        }
        if out.is_empty() {
            return Err(syntax(format!(
                "Syntax error at or near {}: expected a data type.",
                self.describe_here()
            )));
        }
        Ok(out)
    }

    fn rest_text(&self) -> String {
        let Some(t) = self.toks.get(self.pos) else {
            return String::new();
        };
        let start = offset_of(self.sql, t.span.start.line, t.span.start.column);
        self.sql[start..]
            .trim()
            .trim_end_matches(';')
            .trim()
            .to_string()
    }
}

fn parse_alter(p: &mut P<'_>) -> Result<Cmd, SqlError> {
    if p.is_kw("VIEW") {
        return parse_alter_view(p);
    }
    let kind = p.kind()?;
    let name = p.name()?;
    if p.eat_kws(&["SET", "TAGS"]) {
        let tags = p.tag_pairs()?;
        p.expect_end()?;
        return Ok(Cmd::SetTags {
            kind,
            name,
            tags,
            single: false,
        });
    }
    if p.eat_kws(&["UNSET", "TAGS"]) {
        let keys = p.tag_keys()?;
        p.expect_end()?;
        return Ok(Cmd::UnsetTags {
            kind,
            name,
            keys,
            single: false,
        });
    }
    if p.eat_kws(&["SET", "OWNER", "TO"]) || p.eat_kws(&["OWNER", "TO"]) {
        let principal = p.principal()?;
        p.expect_end()?;
        return Ok(Cmd::Owner {
            kind,
            name,
            principal,
        });
    }
    if kind == SqlKind::Table {
        if p.eat_kws(&["SET", "ROW", "FILTER"]) {
            let func = p.name()?;
            p.expect_kws(&["ON"])?;
            let args = p.args()?;
            p.expect_end()?;
            return Ok(Cmd::SetRowFilter {
                table: name,
                func,
                args,
            });
        }
        if p.eat_kws(&["DROP", "ROW", "FILTER"]) {
            p.expect_end()?;
            return Ok(Cmd::DropRowFilter { table: name });
        }
        if p.eat_kw("ALTER") || p.eat_kw("CHANGE") {
            p.eat_kw("COLUMN");
            let column = p.ident()?;
            if p.eat_kws(&["SET", "TAGS"]) {
                let tags = p.tag_pairs()?;
                p.expect_end()?;
                let mut n = name;
                n.push(column);
                return Ok(Cmd::SetTags {
                    kind: SqlKind::Column,
                    name: n,
                    tags,
                    single: false,
                });
            }
            if p.eat_kws(&["UNSET", "TAGS"]) {
                let keys = p.tag_keys()?;
                p.expect_end()?;
                let mut n = name;
                n.push(column);
                return Ok(Cmd::UnsetTags {
                    kind: SqlKind::Column,
                    name: n,
                    keys,
                    single: false,
                });
            }
            if p.eat_kws(&["SET", "MASK"]) || p.eat_kw("MASK") {
                let func = p.name()?;
                let using = if p.eat_kws(&["USING", "COLUMNS"]) {
                    p.args()?
                } else {
                    Vec::new()
                };
                p.expect_end()?;
                return Ok(Cmd::SetMask {
                    table: name,
                    column,
                    func,
                    using,
                });
            }
            if p.eat_kws(&["DROP", "MASK"]) {
                p.expect_end()?;
                return Ok(Cmd::DropMask {
                    table: name,
                    column,
                });
            }
            if p.eat_kw("COMMENT") {
                let comment = if p.eat_kw("NULL") {
                    None
                } else {
                    Some(p.string()?)
                };
                p.expect_end()?;
                let mut n = name;
                n.push(column);
                return Ok(Cmd::Comment {
                    kind: SqlKind::Column,
                    name: n,
                    comment,
                });
            }
        }
    }
    if p.eat_kw("COMMENT") || p.eat_kws(&["SET", "COMMENT"]) {
        let comment = if p.eat_kw("NULL") {
            None
        } else {
            Some(p.string()?)
        };
        p.expect_end()?;
        return Ok(Cmd::Comment {
            kind,
            name,
            comment,
        });
    }
    Err(unsupported(&format!("ALTER ... {}", p.describe_here())))
}

/// `ALTER VIEW`: only the clauses the SQL reference lists for views that ucsim models.
///
/// `sql-ref-syntax-ddl-alter-view`: `{ rename | SET TBLPROPERTIES | UNSET TBLPROPERTIES |
/// alter_body | schema_binding | owner_to | SET TAGS | UNSET TAGS }` ("To add or alter a comment
/// on a view, use COMMENT ON"), plus `sql-ref-syntax-ddl-alter-view-manage-column`:
/// `ALTER COLUMN column_identifier { SET TAGS | UNSET TAGS }` ("The COLUMN keyword is required,
/// and CHANGE is not supported in place of ALTER"). There is no row filter, mask or comment
/// clause, so those are syntax errors, as is anything else ucsim does not model.
fn parse_alter_view(p: &mut P<'_>) -> Result<Cmd, SqlError> {
    p.expect_kws(&["VIEW"])?;
    let name = p.name()?;
    let kind = SqlKind::Table;
    if p.eat_kws(&["SET", "TAGS"]) {
        let tags = p.tag_pairs()?;
        p.expect_end()?;
        return Ok(Cmd::SetTags {
            kind,
            name,
            tags,
            single: false,
        });
    }
    if p.eat_kws(&["UNSET", "TAGS"]) {
        let keys = p.tag_keys()?;
        p.expect_end()?;
        return Ok(Cmd::UnsetTags {
            kind,
            name,
            keys,
            single: false,
        });
    }
    if p.eat_kws(&["SET", "OWNER", "TO"]) || p.eat_kws(&["OWNER", "TO"]) {
        let principal = p.principal()?;
        p.expect_end()?;
        return Ok(Cmd::Owner {
            kind,
            name,
            principal,
        });
    }
    if p.eat_kws(&["ALTER", "COLUMN"]) {
        let column = p.ident()?;
        let mut n = name;
        n.push(column);
        if p.eat_kws(&["SET", "TAGS"]) {
            let tags = p.tag_pairs()?;
            p.expect_end()?;
            return Ok(Cmd::SetTags {
                kind: SqlKind::Column,
                name: n,
                tags,
                single: false,
            });
        }
        if p.eat_kws(&["UNSET", "TAGS"]) {
            let keys = p.tag_keys()?;
            p.expect_end()?;
            return Ok(Cmd::UnsetTags {
                kind: SqlKind::Column,
                name: n,
                keys,
                single: false,
            });
        }
    }
    Err(syntax(format!(
        "Syntax error at or near {}: ALTER VIEW supports no such clause.",
        p.describe_here()
    )))
}

/// The error for statements the simulator does not execute.
pub fn unsupported(what: &str) -> SqlError {
    err(
        "UNSUPPORTED_FEATURE",
        "0A000",
        format!("ucsim does not support this statement: {what}."),
    )
}

fn parse_tag_on(p: &mut P<'_>, unset: bool) -> Result<Cmd, SqlError> {
    p.expect_kws(&["TAG", "ON"])?;
    let kind = p.kind()?;
    let name = p.name()?;
    let key = p.ident()?;
    if unset {
        p.expect_end()?;
        return Ok(Cmd::UnsetTags {
            kind,
            name,
            keys: vec![key],
            single: true,
        });
    }
    let value = if p.eat(&Token::Eq) {
        Some(match p.peek() {
            Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) => p.string()?,
            _ => p.ident()?,
        })
    } else {
        None
    };
    p.expect_end()?;
    Ok(Cmd::SetTags {
        kind,
        name,
        tags: vec![(key, value)],
        single: true,
    })
}

fn parse_grant(p: &mut P<'_>, revoke: bool) -> Result<Cmd, SqlError> {
    let mut privileges = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    loop {
        if p.is_kw("ON") {
            break;
        }
        match p.peek().clone() {
            Token::Word(w) => {
                p.pos += 1;
                cur.push(w.value);
            }
            Token::Comma => {
                p.pos += 1;
                privileges.push(cur.join(" "));
                cur.clear();
            }
            _ => {
                return Err(syntax(format!(
                    "Syntax error at or near {}: expected a privilege or ON.",
                    p.describe_here()
                )));
            }
        }
    }
    if !cur.is_empty() {
        privileges.push(cur.join(" "));
    }
    if privileges.is_empty() {
        return Err(syntax("Syntax error: expected at least one privilege."));
    }
    p.expect_kws(&["ON"])?;
    let kind = p.kind()?;
    let name = if kind == SqlKind::Metastore {
        Vec::new()
    } else {
        p.name()?
    };
    p.expect_kws(&[if revoke { "FROM" } else { "TO" }])?;
    let principal = p.principal()?;
    p.expect_end()?;
    Ok(Cmd::Grant {
        privileges,
        kind,
        name,
        principal,
        revoke,
    })
}

fn parse_create_table(p: &mut P<'_>, or_replace: bool) -> Result<Cmd, SqlError> {
    let if_not_exists = p.eat_kws(&["IF", "NOT", "EXISTS"]);
    let name = p.name()?;
    let mut columns = Vec::new();
    if p.eat(&Token::LParen) {
        loop {
            let cname = p.ident()?;
            let type_text = p.type_text()?;
            let mut col = ColDef {
                name: cname,
                type_text,
                nullable: true,
                comment: None,
                mask: None,
            };
            loop {
                if p.eat_kws(&["NOT", "NULL"]) {
                    col.nullable = false;
                } else if p.eat_kw("NULL") {
                } else if p.eat_kw("COMMENT") {
                    col.comment = Some(p.string()?);
                } else if p.eat_kw("MASK") {
                    let f = p.name()?;
                    let using = if p.eat_kws(&["USING", "COLUMNS"]) {
                        p.args()?
                    } else {
                        Vec::new()
                    };
                    col.mask = Some((f, using));
                } else {
                    break;
                }
            }
            columns.push(col);
            if !p.eat(&Token::Comma) {
                break;
            }
        }
        p.expect(&Token::RParen)?;
    }
    let mut comment = None;
    let mut using = None;
    let mut location = None;
    let mut properties = Vec::new();
    let mut row_filter = None;
    loop {
        if p.eat_kw("USING") {
            using = Some(p.ident()?.to_uppercase());
        } else if p.eat_kw("COMMENT") {
            comment = Some(p.string()?);
        } else if p.eat_kw("LOCATION") {
            location = Some(p.string()?);
        } else if p.eat_kw("TBLPROPERTIES") {
            for (k, v) in p.tag_pairs()? {
                properties.push((k, v.unwrap_or_default()));
            }
        } else if p.eat_kws(&["WITH", "ROW", "FILTER"]) {
            let f = p.name()?;
            p.expect_kws(&["ON"])?;
            row_filter = Some((f, p.args()?));
        } else {
            break;
        }
    }
    if p.is_kw("AS") {
        return Err(unsupported("CREATE TABLE ... AS SELECT"));
    }
    p.expect_end()?;
    Ok(Cmd::CreateTable {
        name,
        if_not_exists,
        or_replace,
        columns,
        comment,
        using,
        location,
        properties,
        row_filter,
    })
}

fn parse_create_function(p: &mut P<'_>, or_replace: bool) -> Result<Cmd, SqlError> {
    let if_not_exists = p.eat_kws(&["IF", "NOT", "EXISTS"]);
    let name = p.name()?;
    p.expect(&Token::LParen)?;
    let mut params = Vec::new();
    if !p.eat(&Token::RParen) {
        loop {
            let pname = p.ident()?;
            let type_text = p.type_text()?;
            let mut comment = None;
            loop {
                if p.eat_kw("COMMENT") {
                    comment = Some(p.string()?);
                } else if p.eat_kw("DEFAULT") {
                    // skip a simple default literal
                    p.pos += 1;
                } else {
                    break;
                }
            }
            params.push(Param {
                name: pname,
                type_text,
                comment,
            });
            if !p.eat(&Token::Comma) {
                break;
            }
        }
        p.expect(&Token::RParen)?;
    }
    p.expect_kws(&["RETURNS"])?;
    if p.is_kw("TABLE") {
        return Err(unsupported("CREATE FUNCTION ... RETURNS TABLE"));
    }
    let returns = p.type_text()?;
    let mut language = "SQL".to_string();
    let mut comment = None;
    let mut deterministic = true;
    loop {
        if p.eat_kw("LANGUAGE") {
            language = p.ident()?.to_uppercase();
        } else if p.eat_kw("COMMENT") {
            comment = Some(p.string()?);
        } else if p.eat_kws(&["NOT", "DETERMINISTIC"]) {
            deterministic = false;
        } else if p.eat_kw("DETERMINISTIC") {
            deterministic = true;
        } else if p.eat_kws(&["CONTAINS", "SQL"])
            || p.eat_kws(&["READS", "SQL", "DATA"])
            || p.eat_kws(&["NO", "SQL"])
            || p.eat_kws(&["SQL", "SECURITY", "DEFINER"])
        {
        } else {
            break;
        }
    }
    let body = if p.eat_kw("RETURN") {
        let b = p.rest_text();
        p.pos = p.toks.len();
        b
    } else if p.eat_kw("AS") {
        match p.peek().clone() {
            Token::DollarQuotedString(d) => {
                p.pos += 1;
                d.value
            }
            _ => p.string()?,
        }
    } else {
        return Err(syntax(format!(
            "Syntax error at or near {}: expected RETURN or AS.",
            p.describe_here()
        )));
    };
    while p.eat_kw("LANGUAGE") {
        language = p.ident()?.to_uppercase();
    }
    p.expect_end()?;
    Ok(Cmd::CreateFunction {
        name,
        or_replace,
        if_not_exists,
        params,
        returns: returns.to_uppercase(),
        body,
        language,
        comment,
        deterministic,
    })
}

/// Parses one statement.
pub fn parse(sql: &str) -> Result<Cmd, SqlError> {
    let toks = tokenize(sql)?;
    let mut p = P { sql, toks, pos: 0 };
    if p.is_kw("SELECT") || p.is_kw("WITH") || matches!(p.peek(), Token::LParen) {
        let toks = std::mem::take(&mut p.toks);
        let mut parser =
            sqlparser::parser::Parser::new(&UcDialect).with_tokens_with_locations(toks);
        let q = parser.parse_query().map_err(|e| syntax(format!("{e}.")))?;
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token().token != Token::EOF {
            return Err(syntax("Syntax error: unexpected input after the query."));
        }
        return Ok(Cmd::Select(q));
    }
    if p.eat_kw("DESCRIBE") || p.eat_kw("DESC") {
        p.eat_kw("TABLE");
        let extended = p.eat_kw("EXTENDED") || p.eat_kw("FORMATTED");
        let name = p.name()?;
        let as_json = p.eat_kws(&["AS", "JSON"]);
        p.expect_end()?;
        return Ok(Cmd::Describe {
            name,
            extended,
            as_json,
        });
    }
    if p.eat_kw("ALTER") {
        return parse_alter(&mut p);
    }
    if p.is_kw("SET") && p.is_kw_at(1, "TAG") {
        p.pos += 1;
        return parse_tag_on(&mut p, false);
    }
    if p.is_kw("UNSET") && p.is_kw_at(1, "TAG") {
        p.pos += 1;
        return parse_tag_on(&mut p, true);
    }
    if p.eat_kws(&["COMMENT", "ON"]) {
        // `sql-ref-syntax-ddl-comment`: COMMENT ON { CATALOG | COLUMN | CONNECTION | PROVIDER |
        // RECIPIENT | { SCHEMA | DATABASE } | SHARE | TABLE | VOLUME } (views through TABLE).
        // Functions, locations, credentials and the `VIEW` keyword are not in the list: their
        // comments go through the REST `PATCH` of the object, so here they are syntax errors.
        if ![
            "CATALOG",
            "COLUMN",
            "CONNECTION",
            "SCHEMA",
            "DATABASE",
            "TABLE",
            "VOLUME",
        ]
        .iter()
        .any(|k| p.is_kw(k))
        {
            return Err(syntax(format!(
                "Syntax error at or near {}: COMMENT ON supports CATALOG, COLUMN, CONNECTION, \
                 SCHEMA, TABLE and VOLUME.",
                p.describe_here()
            )));
        }
        let kind = p.kind()?;
        let name = p.name()?;
        p.expect_kws(&["IS"])?;
        let comment = if p.eat_kw("NULL") {
            None
        } else {
            Some(p.string()?)
        };
        p.expect_end()?;
        return Ok(Cmd::Comment {
            kind,
            name,
            comment,
        });
    }
    if p.eat_kw("GRANT") {
        return parse_grant(&mut p, false);
    }
    if p.eat_kw("REVOKE") {
        return parse_grant(&mut p, true);
    }
    if p.eat_kws(&["SHOW", "GRANTS"]) {
        let principal = if p.is_kw("ON") {
            None
        } else {
            Some(p.principal()?)
        };
        p.expect_kws(&["ON"])?;
        let kind = p.kind()?;
        let name = if kind == SqlKind::Metastore {
            Vec::new()
        } else {
            p.name()?
        };
        p.expect_end()?;
        return Ok(Cmd::ShowGrants {
            principal,
            kind,
            name,
        });
    }
    if p.eat_kw("CREATE") {
        let or_replace = p.eat_kws(&["OR", "REPLACE"]);
        p.eat_kw("EXTERNAL");
        if p.eat_kw("TABLE") {
            return parse_create_table(&mut p, or_replace);
        }
        p.eat_kw("TEMPORARY");
        if p.eat_kw("FUNCTION") {
            return parse_create_function(&mut p, or_replace);
        }
        let kind = if p.eat_kw("CATALOG") {
            SqlKind::Catalog
        } else if p.eat_kw("SCHEMA") || p.eat_kw("DATABASE") {
            SqlKind::Schema
        } else if p.eat_kw("VOLUME") {
            SqlKind::Volume
        } else {
            return Err(unsupported(&format!("CREATE {}", p.describe_here())));
        };
        let if_not_exists = p.eat_kws(&["IF", "NOT", "EXISTS"]);
        let name = p.name()?;
        let mut comment = None;
        let mut location = None;
        loop {
            if p.eat_kw("COMMENT") {
                comment = Some(p.string()?);
            } else if p.eat_kw("LOCATION") || p.eat_kws(&["MANAGED", "LOCATION"]) {
                location = Some(p.string()?);
            } else {
                break;
            }
        }
        p.expect_end()?;
        return Ok(Cmd::CreateContainer {
            kind,
            name,
            if_not_exists,
            comment,
            location,
        });
    }
    if p.eat_kw("DROP") {
        let kind = p.kind()?;
        let if_exists = p.eat_kws(&["IF", "EXISTS"]);
        let name = p.name()?;
        let cascade = p.eat_kw("CASCADE");
        p.eat_kw("RESTRICT");
        p.expect_end()?;
        return Ok(Cmd::Drop {
            kind,
            name,
            if_exists,
            cascade,
        });
    }
    Err(unsupported(&format!(
        "statement starting with {}",
        p.describe_here()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_and_escapes_roundtrip() {
        let c = parse(
            r"ALTER TABLE `m`.`s`.`we``ird'na-mé` SET TAGS ('k\'ey' = 'va\\l`ue', 'x' = 'it''s')",
        )
        .unwrap();
        assert_eq!(
            c,
            Cmd::SetTags {
                kind: SqlKind::Table,
                name: vec!["m".into(), "s".into(), "we`ird'na-mé".into()],
                tags: vec![
                    ("k'ey".into(), Some("va\\l`ue".into())),
                    ("x".into(), Some("it's".into()))
                ],
                single: false
            }
        );
    }

    #[test]
    fn grant_with_spaced_privileges_and_principal() {
        let c = parse("GRANT USE CATALOG, SELECT ON CATALOG main TO `account users`").unwrap();
        assert_eq!(
            c,
            Cmd::Grant {
                privileges: vec!["USE CATALOG".into(), "SELECT".into()],
                kind: SqlKind::Catalog,
                name: vec!["main".into()],
                principal: "account users".into(),
                revoke: false
            }
        );
    }

    #[test]
    fn create_table_types_and_masks() {
        let c = parse(
            "CREATE TABLE a.b.c (id BIGINT NOT NULL COMMENT 'k', d DECIMAL(10, 2), \
             s STRUCT<x: INT, y ARRAY<STRING>>, e STRING MASK a.b.m USING COLUMNS (id, 'US')) \
             WITH ROW FILTER a.b.f ON (id)",
        )
        .unwrap();
        let Cmd::CreateTable {
            columns,
            row_filter,
            ..
        } = c
        else {
            panic!("not a create")
        };
        assert_eq!(columns[0].type_text, "bigint");
        assert!(!columns[0].nullable);
        assert_eq!(columns[1].type_text, "decimal(10,2)");
        assert_eq!(columns[2].type_text, "struct<x:int,y:array<string>>");
        assert_eq!(
            columns[3].mask,
            Some((
                vec!["a".into(), "b".into(), "m".into()],
                vec![Arg::Column("id".into()), Arg::Constant("'US'".into())]
            ))
        );
        assert_eq!(
            row_filter.map(|r| r.1),
            Some(vec![Arg::Column("id".into())])
        );
    }

    #[test]
    fn create_function_keeps_body_text() {
        let c = parse(
            "CREATE OR REPLACE FUNCTION a.b.f(region STRING) RETURNS BOOLEAN \
             RETURN IF(is_account_group_member('admin'), true, region = 'US');",
        )
        .unwrap();
        let Cmd::CreateFunction {
            body,
            returns,
            params,
            ..
        } = c
        else {
            panic!("not a fn")
        };
        assert_eq!(
            body,
            "IF(is_account_group_member('admin'), true, region = 'US')"
        );
        assert_eq!(returns, "BOOLEAN");
        assert_eq!(params[0].type_text, "string");
    }

    #[test]
    fn unsupported_is_reported() {
        let e = parse("MERGE INTO t USING s ON t.a = s.a").unwrap_err();
        assert!(e.message.contains("UNSUPPORTED_FEATURE"));
    }
}
