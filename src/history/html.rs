//! The self-contained HTML history report: a drift-over-time chart per severity (inline
//! SVG, one point per snapshot), open drift counted per severity, rule and schema (top
//! [`TOP`] each), grouped (environment, severity, kind, rule: counts and examples) and its
//! first [`ROWS`] rows, the most-drifting securables, and policy-rule violations (opened /
//! resolved per run, open now, grouped the same way), with a filter box (inline JS) over
//! every row and group. At metastore scale (100,000s of open findings) the page stays a
//! few hundred kilobytes: only the groups and the first rows are written.
//! Pure: data in, one HTML string out; nothing fetched from anywhere (no CDN, fonts,
//! images), never reads the clock.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Rows of each ranking (rules, schemas).
pub const TOP: usize = 10;

/// Rows of open drift (and of open violations) listed one by one; the rest are in the
/// groups, `history show` and the Parquet export.
pub const ROWS: usize = 200;

/// Examples named per group.
const EXAMPLES: usize = 3;

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:1em auto;padding:0 1em;max-width:72em;color:#222;line-height:1.4}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}h3{font-size:1.05em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px;vertical-align:top;overflow-wrap:anywhere}\
th{background:#f4f4f4}td.n,th.n{text-align:right}.scroll{overflow-x:auto;max-width:100%}\
.hint{color:#666;font-size:13px}#filter{width:100%;max-width:30em;box-sizing:border-box;padding:6px;font-size:15px}\
svg{max-width:100%;height:auto}.legend span{margin-right:1em}";

/// Hides every `.f` row whose text does not contain the query (case-insensitive).
const FILTER_JS: &str = "(function(){var i=document.getElementById('filter'),n=document.getElementById('shown'),r=document.querySelectorAll('.f');\
function go(){var q=i.value.toLowerCase(),k=0;for(var j=0;j<r.length;j++){var h=q!==''&&r[j].textContent.toLowerCase().indexOf(q)<0;r[j].hidden=h;if(!h)k++;}\
n.textContent=k+' of '+r.length+' rows shown';}i.addEventListener('input',go);go();})();";

/// Open findings per severity at one snapshot (summed over environments; 0 when no
/// detection ran on that snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub snapshot_id: String,
    pub at: String,
    pub critical: i64,
    pub warning: i64,
    pub info: i64,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportData {
    pub points: Vec<Point>,
    /// `environment, severity, kind, securable, field, expected, actual, opened_at`.
    pub open: Vec<[String; 8]>,
    /// `kind, securable, times opened`.
    pub most: Vec<(String, String, i64)>,
    /// Violations per run: `occurred_at, environment, opened, resolved, open after`.
    pub violation_runs: Vec<(String, String, i64, i64, i64)>,
    /// `environment, severity, rule, kind, securable, field, actual, opened_at`.
    pub open_violations: Vec<[String; 8]>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '`' => o.push_str("&#96;"),
            _ => o.push(c),
        }
    }
    o
}

/// `998992` → `998,992`.
fn thousands(n: usize) -> String {
    let d = n.to_string();
    let mut o = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "warning" => 1,
        _ => 2,
    }
}

/// The rule a drifted field counts under: its first part (`owner`, `tags`, `grants`,
/// `columns`, `exists`, ...).
fn field_rule(field: &str) -> &str {
    field.split('.').next().unwrap_or(field)
}

/// The catalog or schema a securable counts under: `c.s` of `c.s.t`, the name itself for
/// a catalog or schema, none for metastore-level kinds.
fn schema_of<'a>(kind: &str, name: &'a str) -> Option<&'a str> {
    match kind {
        "catalog" | "schema" => Some(name),
        "table" | "volume" | "function" => match name.match_indices('.').nth(1) {
            Some((i, _)) => Some(&name[..i]),
            None => Some(name),
        },
        _ => None,
    }
}

/// One group of rows: how many, distinct securables, the first few names.
#[derive(Default)]
struct Group<'a> {
    count: usize,
    securables: usize,
    last: Option<&'a str>,
    examples: Vec<&'a str>,
}

impl<'a> Group<'a> {
    fn add(&mut self, name: &'a str) {
        self.count += 1;
        if self.last != Some(name) {
            self.last = Some(name);
            self.securables += 1;
            if self.examples.len() < EXAMPLES && !self.examples.contains(&name) {
                self.examples.push(name);
            }
        }
    }
}

/// Open findings (drift or violations): `(environment, severity, kind, securable, rule)`
/// per row. Writes the counts per severity, the top rules and schemas, the groups and the
/// first [`ROWS`] rows (`row` writes one).
fn findings<'a>(
    s: &mut String,
    title: &str,
    keys: &[(&'a str, &'a str, &'a str, &'a str, &'a str)],
    head: &str,
    mut row: impl FnMut(&mut String, usize),
) {
    let _ = writeln!(s, "<h2>{title} ({})</h2>", thousands(keys.len()));
    if keys.is_empty() {
        return;
    }
    let mut sev: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut schemas: HashMap<&str, usize> = HashMap::new();
    let mut groups: BTreeMap<(u8, &str, &str, &str, &str), Group<'a>> = BTreeMap::new();
    for &(env, severity, kind, name, rule) in keys {
        *sev.entry((sev_rank(severity), severity)).or_default() += 1;
        *rules.entry(rule).or_default() += 1;
        if let Some(sc) = schema_of(kind, name) {
            *schemas.entry(sc).or_default() += 1;
        }
        groups
            .entry((sev_rank(severity), severity, env, rule, kind))
            .or_default()
            .add(name);
    }
    s.push_str("<div class=\"scroll\"><table><tr><th>severity</th><th class=\"n\">open</th></tr>");
    for ((_, name), n) in &sev {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(name),
            thousands(*n)
        );
    }
    s.push_str("</table></div>\n");
    for (what, counts) in [
        ("rule", rules.into_iter().collect::<Vec<_>>()),
        ("catalog or schema", schemas.into_iter().collect::<Vec<_>>()),
    ] {
        let mut counts = counts;
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        if counts.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "<h3>Most open by {what} ({})</h3><div class=\"scroll\"><table><tr><th>{what}</th><th class=\"n\">open</th></tr>",
            thousands(counts.len())
        );
        for (k, n) in counts.iter().take(TOP) {
            let _ = writeln!(
                s,
                "<tr class=\"f\"><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(k),
                thousands(*n)
            );
        }
        s.push_str("</table></div>\n");
        if counts.len() > TOP {
            let rest: usize = counts.iter().skip(TOP).map(|c| c.1).sum();
            let _ = writeln!(
                s,
                "<p class=\"hint\">and {} more with {} open</p>",
                thousands(counts.len() - TOP),
                thousands(rest)
            );
        }
    }
    let _ = writeln!(
        s,
        "<h3>Groups ({})</h3><div class=\"scroll\"><table><tr><th>environment</th><th>severity</th><th>rule</th><th>kind</th><th class=\"n\">open</th><th class=\"n\">securables</th><th>e.g.</th></tr>",
        thousands(groups.len())
    );
    for ((_, sev, env, rule, kind), g) in &groups {
        let mut eg: Vec<String> = g.examples.iter().map(|e| esc(e)).collect();
        if g.securables > g.examples.len() {
            eg.push("…".to_string());
        }
        let _ = writeln!(
            s,
            "<tr class=\"f\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(env),
            esc(sev),
            esc(rule),
            esc(kind),
            thousands(g.count),
            thousands(g.securables),
            eg.join(", ")
        );
    }
    s.push_str("</table></div>\n");
    let shown = keys.len().min(ROWS);
    if keys.len() > ROWS {
        let _ = writeln!(
            s,
            "<h3>The first {ROWS} of {}</h3><p class=\"hint\">The groups above count every one; <code>brickkit history show</code> and <code>brickkit history export</code> list them all.</p>",
            thousands(keys.len())
        );
    }
    let _ = writeln!(s, "<div class=\"scroll\"><table><tr>{head}</tr>");
    for i in 0..shown {
        row(s, i);
    }
    s.push_str("</table></div>\n");
}

fn cells(s: &mut String, row: &[String]) {
    s.push_str("<tr class=\"f\">");
    for c in row {
        let _ = write!(s, "<td>{}</td>", esc(c));
    }
    s.push_str("</tr>\n");
}

const SEVERITIES: [(&str, &str); 3] = [
    ("critical", "#c0392b"),
    ("warning", "#d68910"),
    ("info", "#2874a6"),
];

fn chart(points: &[Point]) -> String {
    let (w, h, pad) = (720.0_f64, 240.0_f64, 40.0_f64);
    let max = points
        .iter()
        .map(|p| p.critical.max(p.warning).max(p.info))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = points.len();
    let x = |i: usize| {
        if n <= 1 {
            pad + (w - 2.0 * pad) / 2.0
        } else {
            pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| h - pad - (h - 2.0 * pad) * v as f64 / max;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"open drift per snapshot by severity\">"
    );
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#888\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{0}\" stroke=\"#888\"/>",
        h - pad,
        w - pad
    );
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{pad}\" font-size=\"11\">{max}</text><text x=\"4\" y=\"{}\" font-size=\"11\">0</text>",
        h - pad
    );
    for (sev, colour) in SEVERITIES {
        let v = |p: &Point| match sev {
            "critical" => p.critical,
            "warning" => p.warning,
            _ => p.info,
        };
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(v(p))))
            .collect();
        let _ = write!(
            s,
            "<polyline class=\"series\" data-severity=\"{sev}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for (i, p) in points.iter().enumerate() {
            let _ = write!(
                s,
                "<circle class=\"point\" data-severity=\"{sev}\" data-snapshot=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} {sev}: {}</title></circle>",
                esc(&p.snapshot_id),
                x(i),
                y(v(p)),
                esc(&p.at),
                v(p)
            );
        }
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x(i),
            h - pad + 14.0,
            esc(p.at.get(..10).unwrap_or(&p.at))
        );
    }
    s.push_str("</svg>");
    s
}

/// Render the report.
pub fn render(d: &ReportData) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>brickkit drift history</title>\
         <style>{CSS}</style></head><body>\n<h1>Drift over time</h1>\n"
    );
    s.push_str("<p class=\"legend\">");
    for (sev, colour) in SEVERITIES {
        let _ = write!(s, "<span style=\"color:{colour}\">&#9632; {sev}</span>");
    }
    let _ = writeln!(
        s,
        "</p>\n{}\n<p>{} snapshot(s).</p>",
        chart(&d.points),
        d.points.len()
    );
    s.push_str("<p><label for=\"filter\">Filter</label><br><input id=\"filter\" type=\"search\" placeholder=\"name, field, rule…\" autocomplete=\"off\"> <span id=\"shown\" class=\"hint\"></span></p>\n");
    let keys: Vec<_> = d
        .open
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[1].as_str(),
                r[2].as_str(),
                r[3].as_str(),
                field_rule(&r[4]),
            )
        })
        .collect();
    findings(
        &mut s,
        "Open drift",
        &keys,
        "<th>environment</th><th>severity</th><th>kind</th><th>securable</th><th>field</th><th>expected</th><th>actual</th><th>open since</th>",
        |s, i| cells(s, &d.open[i]),
    );
    s.push_str("<h2>Most drifting securables</h2>\n<div class=\"scroll\"><table><tr><th>kind</th><th>securable</th><th>times drift opened</th></tr>\n");
    for (k, n, c) in &d.most {
        let _ = writeln!(
            s,
            "<tr class=\"f\"><td>{}</td><td>{}</td><td>{c}</td></tr>",
            esc(k),
            esc(n)
        );
    }
    s.push_str("</table></div>\n");
    violations(&mut s, d);
    let _ = writeln!(s, "<script>{FILTER_JS}</script>");
    s.push_str("</body></html>\n");
    s
}

/// The violations section: one row per run with rules, then the violations open now.
fn violations(s: &mut String, d: &ReportData) {
    let _ = writeln!(
        s,
        "<h2>Policy-rule violations</h2>\n<div class=\"scroll\"><table><tr><th>run</th><th>environment</th><th>opened</th><th>resolved</th><th>open after</th></tr>"
    );
    for (at, env, opened, resolved, open) in &d.violation_runs {
        let _ = writeln!(
            s,
            "<tr class=\"f\"><td>{}</td><td>{}</td><td>{opened}</td><td>{resolved}</td><td>{open}</td></tr>",
            esc(at),
            esc(env)
        );
    }
    s.push_str("</table></div>\n");
    let keys: Vec<_> = d
        .open_violations
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[1].as_str(),
                r[3].as_str(),
                r[4].as_str(),
                r[2].as_str(),
            )
        })
        .collect();
    findings(
        s,
        "Open violations",
        &keys,
        "<th>environment</th><th>severity</th><th>rule</th><th>kind</th><th>securable</th><th>field</th><th>actual</th><th>open since</th>",
        |s, i| cells(s, &d.open_violations[i]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize) -> [String; 8] {
        [
            "dev".into(),
            if i.is_multiple_of(10) {
                "warning"
            } else {
                "info"
            }
            .into(),
            "table".into(),
            format!("raw_{}.s{:03}.t{i:06}", i % 3, i % 400),
            if i.is_multiple_of(10) {
                "owner"
            } else {
                "exists"
            }
            .into(),
            "<absent>".into(),
            "present".into(),
            "2026-01-01T00:00:00Z".into(),
        ]
    }

    #[test]
    fn a_hundred_thousand_open_findings_make_a_small_page() {
        let d = ReportData {
            points: vec![Point {
                snapshot_id: "s1".into(),
                at: "2026-01-01T00:00:00Z".into(),
                critical: 0,
                warning: 10_013,
                info: 90_116,
            }],
            open: (0..100_129).map(row).collect(),
            ..ReportData::default()
        };
        let html = render(&d);
        assert!(html.len() < 256 * 1024, "{} bytes", html.len());
        assert_eq!(
            html.matches("<tr class=\"f\"><td>dev</td>").count(),
            ROWS + 2
        );
        assert!(html.contains("<h2>Open drift (100,129)</h2>"), "{html}");
        assert!(html.contains("and 1,190 more with"), "{html}");
        assert!(!html.contains("<absent>"), "escaped");
        assert_eq!(html.matches("class=\"point\"").count(), 3);
    }

    #[test]
    fn escapes_quotes_and_backticks() {
        assert_eq!(
            esc("<a b='`'>&\""),
            "&lt;a b=&#39;&#96;&#39;&gt;&amp;&quot;"
        );
        assert_eq!(thousands(100_129), "100,129");
        assert_eq!(schema_of("table", "c.s.t"), Some("c.s"));
        assert_eq!(schema_of("connection", "x"), None);
    }
}
