//! `PrivilegeAssignment` of the permissions API (direct grants).

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PrivilegeAssignment {
    pub principal: Option<String>,
    pub privileges: Vec<String>,
}
