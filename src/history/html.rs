//! The self-contained HTML history report: a drift-over-time chart per severity (inline
//! SVG, one point per snapshot), the open drift table, the most-drifting securables, and
//! policy-rule violations (opened / resolved per run, open now).
//! Pure: data in, one HTML string out; no scripts, fonts or images fetched from anywhere.

use std::fmt::Write;

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
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>brickkit drift history</title>\
         <style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}\
         .legend span{margin-right:1em}</style></head><body>\n<h1>Drift over time</h1>\n",
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
    let _ = writeln!(s, "<h2>Open drift ({})</h2>", d.open.len());
    s.push_str("<table><tr><th>environment</th><th>severity</th><th>kind</th><th>securable</th><th>field</th><th>expected</th><th>actual</th><th>open since</th></tr>\n");
    for row in &d.open {
        s.push_str("<tr>");
        for c in row {
            let _ = write!(s, "<td>{}</td>", esc(c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n<h2>Most drifting securables</h2>\n<table><tr><th>kind</th><th>securable</th><th>times drift opened</th></tr>\n");
    for (k, n, c) in &d.most {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{c}</td></tr>",
            esc(k),
            esc(n)
        );
    }
    s.push_str("</table>\n");
    violations(&mut s, d);
    s.push_str("</body></html>\n");
    s
}

/// The violations section: one row per run with rules, then the violations open now.
fn violations(s: &mut String, d: &ReportData) {
    let _ = writeln!(
        s,
        "<h2>Policy-rule violations</h2>\n<table><tr><th>run</th><th>environment</th><th>opened</th><th>resolved</th><th>open after</th></tr>"
    );
    for (at, env, opened, resolved, open) in &d.violation_runs {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{opened}</td><td>{resolved}</td><td>{open}</td></tr>",
            esc(at),
            esc(env)
        );
    }
    let _ = writeln!(
        s,
        "</table>\n<h2>Open violations ({})</h2>",
        d.open_violations.len()
    );
    s.push_str("<table><tr><th>environment</th><th>severity</th><th>rule</th><th>kind</th><th>securable</th><th>field</th><th>actual</th><th>open since</th></tr>\n");
    for row in &d.open_violations {
        s.push_str("<tr>");
        for c in row {
            let _ = write!(s, "<td>{}</td>", esc(c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
}
