//! Table properties: only declared keys are compared. Servers add many properties of their
//! own (`delta.minReaderVersion`, `delta.lastCommitTimestamp`, ...); an undeclared key is
//! never drift. Keys compare exactly, values compare exactly.

use std::collections::BTreeMap;

/// Declared keys whose actual value differs: `(key, declared, actual)`.
pub fn differences<'a>(
    declared: &'a BTreeMap<String, String>,
    actual: &'a BTreeMap<String, String>,
) -> Vec<(&'a str, &'a str, Option<&'a str>)> {
    declared
        .iter()
        .filter_map(|(k, v)| {
            let a = actual.get(k).map(String::as_str);
            (a != Some(v.as_str())).then_some((k.as_str(), v.as_str(), a))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn server_added_properties_are_ignored() {
        let d = map(&[("delta.enableChangeDataFeed", "true")]);
        let a = map(&[
            ("delta.enableChangeDataFeed", "true"),
            ("delta.minReaderVersion", "3"),
        ]);
        assert!(differences(&d, &a).is_empty());
    }

    #[test]
    fn declared_properties_are_compared() {
        let d = map(&[("quality", "gold"), ("owner_team", "x")]);
        let a = map(&[("quality", "silver")]);
        assert_eq!(
            differences(&d, &a),
            vec![
                ("owner_team", "x", None),
                ("quality", "gold", Some("silver"))
            ]
        );
    }
}
