//! **Folding** state events back into snapshot content: the event-sourcing invariant says
//! that applying the state events of a lineage up to snapshot K, in order, to an empty fact
//! set and rebuilding rows from the facts gives snapshot K's content exactly. Likewise the
//! violation events of an environment up to a run fold into the violations open after it.
//!
//! Pure: no IO. Rebuilt rows come back in canonical order ([`Snapshot::sort`]).

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::Value as Json;

use crate::history::events::{
    DriftEventKind, FactKey, Facts, SCALAR_ATTRIBUTES, ViolationFinding, ViolationKey,
};
use crate::model::{PolicyArg, SecurableKind, Text, Timestamp};
use crate::state::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow, SecurableRow,
    Snapshot, TagRow,
};

/// Apply one event (`new_value` `None` = the fact is gone) to a flat fact map.
pub fn apply(state: &mut BTreeMap<FactKey, String>, key: FactKey, new_value: Option<String>) {
    match new_value {
        Some(v) => {
            state.insert(key, v);
        }
        None => {
            state.remove(&key);
        }
    }
}

/// Apply one violation event to the open violations: opened or changed sets it, resolved
/// removes it.
pub fn apply_violation(
    open: &mut BTreeMap<ViolationKey, ViolationFinding>,
    kind: DriftEventKind,
    v: ViolationFinding,
) {
    match kind {
        DriftEventKind::Opened | DriftEventKind::Changed => {
            open.insert(v.key(), v);
        }
        DriftEventKind::Resolved => {
            open.remove(&v.key());
        }
    }
}

/// Group a flat fact map by securable (the shape [`crate::history::events::facts`] returns).
pub fn group(flat: &BTreeMap<FactKey, String>) -> Facts {
    let mut f: Facts = BTreeMap::new();
    for (k, v) in flat {
        f.entry((k.securable_kind.clone(), k.securable.clone()))
            .or_default()
            .insert(
                (k.attribute.clone(), k.item.clone(), k.sub_item.clone()),
                v.clone(),
            );
    }
    f
}

fn kind(s: &str) -> Option<SecurableKind> {
    if s.is_empty() {
        None
    } else {
        SecurableKind::from_str(s).ok()
    }
}

fn opt_str(j: &Json) -> Option<String> {
    j.as_str().map(str::to_string)
}

fn str_list(j: &Json) -> Vec<String> {
    j.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Filter or mask arguments of a fact, in the snapshot's form (SQL text). Facts recorded
/// from format-version-1 snapshots hold bare column names: they are quoted here, so they
/// meet the facts of later snapshots without a false change.
fn args(j: &Json) -> Vec<String> {
    str_list(j)
        .iter()
        .map(|a| PolicyArg::from_sql(a).to_sql())
        .collect()
}

/// Rebuild snapshot content from facts, with the given manifest.
pub fn rebuild(facts: &Facts, manifest: Manifest) -> Snapshot {
    let mut s = Snapshot {
        manifest,
        ..Snapshot::default()
    };
    for ((k, name), items) in facts {
        let kind_v = kind(k);
        if items.contains_key(&("securable".to_string(), String::new(), String::new())) {
            let mut row = SecurableRow {
                kind: kind_v,
                full_name: name.clone().into(),
                ..SecurableRow::default()
            };
            for attr in SCALAR_ATTRIBUTES {
                let v = items
                    .get(&(attr.to_string(), String::new(), String::new()))
                    .cloned();
                match attr {
                    "parent" => row.parent = v.map(Text::from),
                    "owner" => row.owner = v.map(Text::from),
                    "comment" => row.comment = v.map(Text::from),
                    "securable_type" => row.securable_type = v.map(Text::from),
                    "format" => row.format = v.map(Text::from),
                    "location" => row.location = v.map(Text::from),
                    "created_at" => row.created_at = v.and_then(|x| x.parse().ok()).map(Timestamp),
                    _ => row.updated_at = v.and_then(|x| x.parse().ok()).map(Timestamp),
                }
            }
            for ((attr, item, _), v) in items {
                match attr.as_str() {
                    "property" => {
                        row.properties.insert(item.clone(), v.clone());
                    }
                    "detail" => {
                        row.details.insert(item.clone(), v.clone());
                    }
                    _ => {}
                }
            }
            s.securables.push(row);
        }
        for ((attr, item, sub), v) in items {
            let j = || serde_json::from_str::<Json>(v).unwrap_or(Json::Null);
            match attr.as_str() {
                "column" => {
                    let j = j();
                    s.columns.push(ColumnRow {
                        table_full_name: name.clone().into(),
                        name: item.clone().into(),
                        position: j["position"]
                            .as_i64()
                            .and_then(|p| i32::try_from(p).ok())
                            .unwrap_or(0),
                        type_text: j["type"].as_str().unwrap_or("").into(),
                        nullable: j["nullable"].as_bool().unwrap_or(false),
                        comment: opt_str(&j["comment"]).map(Text::from),
                    });
                }
                "grant" => s.grants.push(GrantRow {
                    securable_kind: kind_v,
                    securable_full_name: name.clone().into(),
                    principal: item.clone().into(),
                    privilege: sub.clone().into(),
                }),
                "tag" => s.tags.push(TagRow {
                    securable_kind: kind_v,
                    securable_full_name: name.clone().into(),
                    column_name: (!sub.is_empty()).then(|| sub.as_str().into()),
                    key: item.clone().into(),
                    value: v.clone().into(),
                }),
                "row_filter" => {
                    let j = j();
                    s.row_filters.push(RowFilterRow {
                        table_full_name: name.clone().into(),
                        function_full_name: j["function"].as_str().unwrap_or("").into(),
                        input_arguments: args(&j["input_columns"]),
                    });
                }
                "mask" => {
                    let j = j();
                    s.column_masks.push(ColumnMaskRow {
                        table_full_name: name.clone().into(),
                        column_name: item.clone().into(),
                        function_full_name: j["function"].as_str().unwrap_or("").into(),
                        using_arguments: args(&j["using_columns"]),
                    });
                }
                "collection_issue" => {
                    let j = j();
                    s.collection_issues.push(CollectionIssue {
                        securable_kind: kind_v,
                        full_name: name.clone().into(),
                        attribute: (!item.is_empty()).then(|| item.as_str().into()),
                        subtree: j["subtree"].as_bool().unwrap_or(false),
                        error_code: opt_str(&j["error_code"]).map(Text::from),
                        message: j["message"].as_str().unwrap_or("").into(),
                    });
                }
                _ => {}
            }
        }
    }
    s.sort();
    s
}
