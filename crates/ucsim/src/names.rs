//! Name rules: the characters UC refuses in securable names, lower-casing, full-name splitting,
//! and percent-decoding of path segments and query strings. Pure functions; no IO.

use crate::error::ApiError;
use crate::kind::Kind;

/// Refuses names UC refuses: empty, longer than 255 characters, or holding a period, a space,
/// a forward slash or a control character.
pub fn validate(kind: Kind, name: &str) -> Result<(), ApiError> {
    if name.is_empty() {
        return Err(ApiError::invalid(format!(
            "{} name must not be empty.",
            kind.title()
        )));
    }
    if name.chars().count() > 255 {
        return Err(ApiError::invalid(format!(
            "{} name '{name}' is longer than 255 characters.",
            kind.title()
        )));
    }
    if name
        .chars()
        .any(|c| c == '.' || c == ' ' || c == '/' || c.is_control())
    {
        return Err(ApiError::invalid(format!(
            "Invalid {} name '{name}': names cannot contain a period, a space, a forward slash \
             or control characters.",
            kind.title().to_lowercase()
        )));
    }
    Ok(())
}

/// The stored (lower-case) spelling of a name.
pub fn lower(name: &str) -> String {
    name.to_lowercase()
}

/// Splits a full name into exactly `depth` parts (securable names hold no periods), lower-cased.
pub fn split_full(kind: Kind, full: &str) -> Result<Vec<String>, ApiError> {
    let parts: Vec<String> = full.split('.').map(lower).collect();
    if parts.len() != kind.depth() || parts.iter().any(String::is_empty) {
        return Err(ApiError::invalid(format!(
            "Invalid {} full name '{full}': expected {} dot-separated parts.",
            kind.title().to_lowercase(),
            kind.depth()
        )));
    }
    Ok(parts)
}

/// Percent-decodes one path segment or query component (`+` kept as is when `plus` is false).
pub fn pct_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hi = (bytes[i + 1] as char).to_digit(16);
            let lo = (bytes[i + 2] as char).to_digit(16);
            if let (Some(h), Some(l)) = (hi, lo) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        if b == b'+' && plus_is_space {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a string for use as one path segment (keeps unreserved characters and `.`).
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses a query string into decoded key/value pairs (repeated keys kept in order).
pub fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = q else { return Vec::new() };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (pct_decode(k, true), pct_decode(v, true)),
            None => (pct_decode(p, true), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_handles_escapes_and_plus() {
        assert_eq!(pct_decode("a%2Fb%20c+d", true), "a/b c d");
        assert_eq!(pct_decode("a+b%", false), "a+b%");
        assert_eq!(pct_decode("%C3%A9", false), "é");
    }

    #[test]
    fn encode_roundtrips() {
        let s = "we`ird'na-me é/x";
        assert_eq!(pct_decode(&pct_encode(s), false), s);
    }

    #[test]
    fn validate_refuses_uc_forbidden_characters() {
        assert!(validate(Kind::Table, "a.b").is_err());
        assert!(validate(Kind::Table, "a b").is_err());
        assert!(validate(Kind::Table, "a/b").is_err());
        assert!(validate(Kind::Table, "a\tb").is_err());
        assert!(validate(Kind::Table, "").is_err());
        assert!(validate(Kind::Table, "we`ird'na-mé").is_ok());
    }
}
