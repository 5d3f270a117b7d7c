//! Function names (row filters, column masks) compare as resolved three-part names, with
//! or without backticks, case-insensitively: `` `Main`.`sec`.`f` `` = `main.sec.f`. A name
//! with fewer parts is qualified by the table's catalog and schema.

/// Split a possibly backticked dotted name into its parts (backticks removed, doubled
/// backticks inside a quoted part unescaped).
pub fn parts(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = name.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if quoted && chars.peek() == Some(&'`') => {
                chars.next();
                cur.push('`');
            }
            '`' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Canonical three-part name: parts lower-cased and joined by `.`; names with one or two
/// parts are qualified from `table` (`cat.sch.tbl`).
pub fn canonical(name: &str, table: &str) -> String {
    let mut p: Vec<String> = parts(name).into_iter().map(|s| s.to_lowercase()).collect();
    if p.len() < 3 {
        let t = parts(table);
        let missing = 3 - p.len();
        if t.len() >= missing {
            let mut q: Vec<String> = t[..missing].iter().map(|s| s.to_lowercase()).collect();
            q.append(&mut p);
            p = q;
        }
    }
    p.join(".")
}

/// Canonical column list (column names are case-insensitive, backticks optional).
pub fn columns<S: AsRef<str>>(cols: &[S]) -> Vec<String> {
    cols.iter()
        .map(|c| parts(c.as_ref()).join(".").to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_and_case_do_not_matter() {
        let t = "main.sales.orders";
        assert_eq!(
            canonical("`Main`.`sec`.`region_filter`", t),
            "main.sec.region_filter"
        );
        assert_eq!(
            canonical("main.sec.region_filter", t),
            "main.sec.region_filter"
        );
        assert_eq!(
            canonical("MAIN.SEC.REGION_FILTER", t),
            "main.sec.region_filter"
        );
    }

    #[test]
    fn short_names_are_qualified_from_the_table() {
        assert_eq!(canonical("pii_filter", "ml.recs.emb"), "ml.recs.pii_filter");
        assert_eq!(
            canonical("sec.pii_filter", "ml.recs.emb"),
            "ml.sec.pii_filter"
        );
    }

    #[test]
    fn quoted_dots_and_escaped_backticks() {
        assert_eq!(parts("`a.b`.c.`d``e`"), vec!["a.b", "c", "d`e"]);
        assert_ne!(
            canonical("main.sec.f", "x.y.z"),
            canonical("main.sec.g", "x.y.z")
        );
    }

    #[test]
    fn column_lists() {
        assert_eq!(columns(&["`Region`", "dept"]), vec!["region", "dept"]);
    }
}
