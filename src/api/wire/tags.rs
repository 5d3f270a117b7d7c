//! `EntityTagAssignment` of the entity tag assignments API.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TagAssignment {
    pub tag_key: String,
    pub tag_value: Option<String>,
    pub inherited: Option<bool>,
}
