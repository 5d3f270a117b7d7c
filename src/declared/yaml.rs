//! The YAML boundary: the only file that names the YAML crate (serde-saphyr).
//!
//! Owns parsing a document into a raw type, the located-value wrapper [`Spanned`], the
//! scalar-as-text type [`Scalar`] and the filter/mask [`Argument`] (a string or a
//! `{constant: ...}` mapping, told apart by YAML type only). It must never interpret what it parses: meaning belongs to
//! `lower`. Swapping the YAML crate is a change to this file only.
//!
//! Each of these types also describes itself as JSON Schema (`brickkit schema`): a located
//! value is its value's schema, a [`Scalar`] a string, number or boolean, an [`Argument`] a
//! column name or `{constant: ...}`. The schemas must accept what `Deserialize` accepts.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_saphyr::MessageFormatter;

/// A value with the location (1-based line and column) of the YAML node it came from.
/// Read through the YAML crate's own located value, so that it can describe itself as JSON
/// Schema (the schema of `T`: the location is not written in the file).
///
/// Besides YAML, it reads and writes itself in a compact binary form (`(value, line,
/// column)`, chosen when the serde format is not human readable, as MessagePack is) for
/// the parsed-file cache (`super::cache`): a cached document keeps every location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    /// Where the node is used (for an alias, the alias): 1-based line and column.
    line: u32,
    column: u32,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            let (value, line, column) = <(T, u32, u32)>::deserialize(d)?;
            return Ok(Spanned {
                value,
                line,
                column,
            });
        }
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Spanned {
            value: s.value,
            line: to_u32(s.referenced.line()),
            column: to_u32(s.referenced.column()),
        })
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return self.value.serialize(s);
        }
        (&self.value, self.line, self.column).serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        g.subschema_for::<T>()
    }
}

/// A YAML problem: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column; `(1, 1)` when the parser gave none.
    pub line: usize,
    pub column: usize,
    /// One line, without location.
    pub message: String,
}

/// Parse one YAML document into `T`. Unknown keys, wrong types, duplicate keys and malformed
/// YAML all come back as a located [`YamlError`].
/// A document holding only comments and blank lines parses as an empty mapping.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    let text = if blank { "{}" } else { text };
    if text.len() > limits::MAX_FILE_BYTES {
        return Err(YamlError {
            line: 1,
            column: 1,
            message: format!(
                "the file is {} MiB, more than brickkit's limit of {} MiB for one declaration file; split it into several files (`brickkit import --out DIR` writes one per schema)",
                text.len() / (1024 * 1024),
                limits::MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    // Comments are not needed (saves work on large trees); duplicate keys are errors. The
    // budget is set deliberately (see [`limits`]): large enough for a schema of tens of
    // thousands of tables in one file, small enough to refuse a YAML bomb.
    let budget = serde_saphyr::budget! {
        max_nodes: limits::MAX_NODES,
        max_events: limits::MAX_NODES * 2,
        max_total_scalar_bytes: limits::MAX_FILE_BYTES,
        max_reader_input_bytes: Some(limits::MAX_FILE_BYTES),
        max_depth: limits::MAX_DEPTH,
    };
    let options = serde_saphyr::options! { emit_comments: false, budget: budget };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (to_usize(l.line()), to_usize(l.column())))
            .unwrap_or((1, 1));
        let inner = e.without_snippet();
        if let serde_saphyr::Error::Budget { breach, .. } = inner {
            return YamlError {
                line: line.max(1),
                column: column.max(1),
                message: limits::breach_message(breach),
            };
        }
        let raw = serde_saphyr::DefaultMessageFormatter.format_message(inner);
        let raw = raw
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or_default();
        YamlError {
            line: line.max(1),
            column: column.max(1),
            message: one_line(raw),
        }
    })
}

/// brickkit's limits on one declaration file, set deliberately rather than left at the YAML
/// crate's defaults (whose 250,000 nodes refused a 10,000-table file that `brickkit import`
/// itself wrote). Documented in `docs/declared-format.md` ("Limits").
pub mod limits {
    use serde_saphyr::budget::BudgetBreach;

    /// Bytes of one file: 256 MiB.
    pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
    /// YAML nodes (mappings, sequences, scalars) of one file: 20 million — about 400,000
    /// tables with a few tags and grants each, or 100,000 with a dozen described columns.
    pub const MAX_NODES: usize = 20_000_000;
    /// Nesting depth of one file.
    pub const MAX_DEPTH: usize = 64;

    /// A budget breach as a sentence naming the limit.
    pub(super) fn breach_message(b: &BudgetBreach) -> String {
        let what = match b {
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
                format!("more than {} YAML nodes", super::thousands(MAX_NODES))
            }
            BudgetBreach::ScalarBytes { .. } | BudgetBreach::InputBytes { .. } => {
                format!("more than {} MiB of text", MAX_FILE_BYTES / (1024 * 1024))
            }
            BudgetBreach::Depth { .. } => format!("nesting deeper than {MAX_DEPTH} levels"),
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::AliasAnchorRatio { .. }
            | BudgetBreach::MergeKeys { .. } => {
                "too many aliases for its anchors (a YAML bomb?)".to_string()
            }
            other => format!("a YAML limit ({other:?})"),
        };
        format!(
            "the file holds {what}, beyond brickkit's limit for one declaration file; split it into several files (`brickkit import --out DIR` writes one per schema)"
        )
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Line and column of a located value (`(1, 1)` when unknown).
pub fn position<T>(s: &Spanned<T>) -> (usize, usize) {
    (
        to_usize(u64::from(s.line)).max(1),
        to_usize(u64::from(s.column)).max(1),
    )
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Collapse a parser message to one printable line without a trailing period.
fn one_line(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    while out.ends_with('.') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("invalid yaml");
    }
    out
}

/// A scalar read as text whatever its YAML type: `5432`, `true` and `"x"` are all accepted
/// and kept as `"5432"`, `"true"`, `"x"`. Used for tag values, properties and options, where
/// users write numbers and booleans without quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A string, number or boolean, kept as text.",
            "type": ["string", "number", "boolean"]
        })
    }
}

/// One argument of a row filter `columns:` or mask `using:` list, as written: a string (a
/// column name) or a mapping `{constant: <string or number>}`. Anything else is kept as
/// [`Argument::Invalid`] with what was wrong, for `lower` to report at the item's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argument {
    Column(String),
    /// A string constant's value.
    Text(String),
    /// A number constant, as written.
    Number(String),
    Invalid(String),
}

impl<'de> Deserialize<'de> for Argument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            // The cache's form (see `Serialize` below): the variant's index and its text.
            let (tag, text) = <(u8, String)>::deserialize(d)?;
            return match tag {
                0 => Ok(Argument::Column(text)),
                1 => Ok(Argument::Text(text)),
                2 => Ok(Argument::Number(text)),
                3 => Ok(Argument::Invalid(text)),
                _ => Err(de::Error::custom("unknown argument form")),
            };
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Argument;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name or {constant: <string or number>}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Argument, E> {
                Ok(Argument::Column(v.to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Argument, A::Error> {
                let mut out: Option<Argument> = None;
                while let Some(k) = m.next_key::<String>()? {
                    let v: Constant = m.next_value()?;
                    out = Some(match (out, k.as_str(), v) {
                        (Some(_), _, _) => {
                            Argument::Invalid("an argument mapping has one key, `constant`".into())
                        }
                        (None, "constant", Constant(Some(a))) => a,
                        (None, "constant", Constant(None)) => {
                            Argument::Invalid("`constant` takes a string or a number".into())
                        }
                        (None, other, _) => Argument::Invalid(format!(
                            "unknown key `{other}` in an argument (a column is written as its name, a constant as {{constant: ...}})"
                        )),
                    });
                }
                Ok(out.unwrap_or_else(|| {
                    Argument::Invalid("an empty mapping is not an argument".into())
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// Only for the parsed-file cache (a binary form, never YAML): `(variant, text)`.
impl Serialize for Argument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (tag, text): (u8, &str) = match self {
            Argument::Column(t) => (0, t),
            Argument::Text(t) => (1, t),
            Argument::Number(t) => (2, t),
            Argument::Invalid(t) => (3, t),
        };
        (tag, text).serialize(s)
    }
}

impl JsonSchema for Argument {
    fn schema_name() -> Cow<'static, str> {
        "Argument".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A column name, or {constant: <string or number>}.",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {"constant": {"type": ["string", "number"]}},
                    "required": ["constant"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The value of `constant:`: a string or a number (`None` for any other YAML value).
struct Constant(Option<Argument>);

impl<'de> Deserialize<'de> for Constant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Constant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Constant, E> {
                Ok(Constant(Some(Argument::Text(v.to_owned()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Constant, E> {
                Ok(Constant(Some(Argument::Number(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Constant, E> {
                Ok(Constant(Some(Argument::Number(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Constant, E> {
                Ok(Constant(Some(Argument::Number(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Constant, E> {
                Ok(Constant(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Constant, E> {
                Ok(Constant(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Constant, E> {
                Ok(Constant(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Constant, A::Error> {
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Constant(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Constant, A::Error> {
                while m.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(Constant(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: Spanned<String>,
        #[serde(default)]
        tags: BTreeMap<String, Spanned<Scalar>>,
        #[serde(default)]
        count: Option<u32>,
    }

    #[test]
    fn keeps_locations() {
        let d: Doc = parse("# c\nname: sales\ntags: {a: 1, b: true, c: x}\ncount: 3\n").unwrap();
        assert_eq!(d.count, Some(3));
        assert_eq!(d.name.value, "sales");
        assert_eq!(position(&d.name), (2, 7));
        assert_eq!(d.tags["a"].value, Scalar("1".into()));
        assert_eq!(d.tags["b"].value, Scalar("true".into()));
        assert_eq!(position(&d.tags["c"]), (3, 26));
    }

    #[test]
    fn errors_are_located_one_liners() {
        let e = parse::<Doc>("name: x\nbogus: 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        assert!(e.message.contains("bogus"), "{e:?}");
        let e = parse::<Doc>("name: x\ncount: [1]\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        let e = parse::<Doc>("name: [x\n").unwrap_err();
        assert!(!e.message.contains('\n'), "{e:?}");
        let e = parse::<Doc>("name: x\nname: y\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
