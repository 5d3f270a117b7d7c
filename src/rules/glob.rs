//! The rules' glob matcher: `*` (any run of characters, dots included) and `?` (exactly one
//! character), case-insensitive or exact. Compiled once per rule; matching allocates
//! nothing (names are ASCII almost always, so it works on bytes and falls back to chars
//! only for non-ASCII input).
//!
//! Pure; knows nothing of what the names mean.

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// The pattern, lower-cased when `fold` is set.
    pattern: String,
    fold: bool,
    /// `*` alone: matches everything.
    any: bool,
}

impl Glob {
    /// A case-insensitive glob (securable names, privilege names).
    pub fn folded(pattern: &str) -> Glob {
        Glob::new(pattern.trim().to_lowercase(), true)
    }

    /// A case-sensitive glob (group names).
    pub fn exact(pattern: &str) -> Glob {
        Glob::new(pattern.trim().to_string(), false)
    }

    fn new(pattern: String, fold: bool) -> Glob {
        let any = !pattern.is_empty() && pattern.bytes().all(|b| b == b'*');
        Glob { pattern, fold, any }
    }

    /// The pattern as compiled.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// True when `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        if self.any {
            return true;
        }
        if self.pattern.is_ascii() && text.is_ascii() {
            let fold = self.fold;
            return glob_bytes(self.pattern.as_bytes(), text.as_bytes(), |p, t| {
                p == b'?' || p == t || (fold && p == t.to_ascii_lowercase())
            });
        }
        let p: Vec<char> = self.pattern.chars().collect();
        let t: Vec<char> = if self.fold {
            text.chars().flat_map(char::to_lowercase).collect()
        } else {
            text.chars().collect()
        };
        glob_generic(&p, &t)
    }
}

/// True when any of `globs` matches `text`; an empty list matches everything.
pub fn any_matches(globs: &[Glob], text: &str) -> bool {
    globs.is_empty() || globs.iter().any(|g| g.matches(text))
}

fn glob_bytes(p: &[u8], t: &[u8], eq: impl Fn(u8, u8) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && eq(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn glob_generic(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_exact() {
        assert!(Glob::folded("*").matches(""));
        assert!(Glob::folded("SALES_*").matches("sales_prd"));
        assert!(Glob::folded("sales_*").matches("Sales_Prd"));
        assert!(!Glob::folded("sales_*").matches("marketing"));
        assert!(Glob::folded("t?l_*").matches("tbl_1"));
        assert!(!Glob::folded("t?l").matches("tl"));
        assert!(Glob::folded("*a*b*").matches("xxAxxbxx"));
        assert!(!Glob::folded("*a*b").matches("xxaxxbxxc"));
        assert!(Glob::exact("account users").matches("account users"));
        assert!(!Glob::exact("account users").matches("Account Users"));
        assert!(Glob::exact("data-*").matches("data-eng"));
        assert!(!Glob::exact("Data-*").matches("data-eng"));
        assert!(Glob::folded("zürich_*").matches("ZÜRICH_x"));
        assert!(!Glob::exact("zürich_*").matches("ZÜRICH_x"));
        assert!(any_matches(&[], "x"));
        assert!(!any_matches(&[Glob::folded("a")], "x"));
    }
}
