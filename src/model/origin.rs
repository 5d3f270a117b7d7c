//! `Origin`: where something was declared (a file of the governance tree, line, column).
//! Shared by the declared model, drift reports and their renderers.

use std::path::PathBuf;

/// Where something was declared: a file relative to the tree root, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}
