//! Declared state: the YAML governance tree, its conventions and environments, lowered to
//! the effective [`DeclaredState`].
//!
//! Loading never stops at the first problem: it returns every diagnostic with its
//! `file:line:column`. Must never touch a workspace or the network.

pub mod model;

pub use model::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, GrantMode, IgnoreSpec,
    NamingRule, Origin, Policy, RequiredTag, RowFilter,
};
