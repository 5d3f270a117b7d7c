//! Diagnostics of the loader: one problem, its level, a stable code and where it was found.
//!
//! Owns how a problem is described and rendered (`file:line:column: error[code]: message`).
//! It must never decide what is a problem: that is the job of `lower` and `conventions`.

use std::fmt;

use super::model::Origin;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The tree is wrong (bad YAML, unknown key, duplicate, bad privilege, ...): it cannot be
    /// trusted and `validate` exits 2.
    Error,
    /// The tree loads but breaks a convention (required tag, naming rule): `validate` exits 1.
    Violation,
}

impl Level {
    /// Lower-case name used in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Violation => "violation",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found while loading a governance tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// Where the problem is; `None` when it is about the tree as a whole (no `brickkit.yaml`,
    /// unknown `--env`).
    pub origin: Option<Origin>,
    /// Stable, kebab-case identifier of the kind of problem (`duplicate`, `privilege`, ...).
    pub code: &'static str,
    /// One-line reason, lower case, no trailing period.
    pub message: String,
}

impl Diagnostic {
    /// An error at `origin`.
    pub fn error(origin: Option<Origin>, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            origin,
            code,
            message: message.into(),
        }
    }

    /// A convention violation at `origin`.
    pub fn violation(
        origin: Option<Origin>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Violation,
            origin,
            code,
            message: message.into(),
        }
    }

    /// Order used for output: by location (tree-wide problems first), then level, code, message.
    pub(crate) fn sort_key(&self) -> (Option<&Origin>, Level, &'static str, &str) {
        (self.origin.as_ref(), self.level, self.code, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error[code]: message`, or `error[code]: message` without a location.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{}:{}:{}: ", o.file.display(), o.line, o.column)?;
        }
        write!(f, "{}[{}]: {}", self.level, self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn renders_with_and_without_location() {
        let d = Diagnostic::error(
            Some(Origin {
                file: PathBuf::from("sales.yaml"),
                line: 3,
                column: 7,
            }),
            "duplicate",
            "duplicate catalog `sales`",
        );
        assert_eq!(
            d.to_string(),
            "sales.yaml:3:7: error[duplicate]: duplicate catalog `sales`"
        );
        let v = Diagnostic::violation(None, "naming", "bad");
        assert_eq!(v.to_string(), "violation[naming]: bad");
    }
}
