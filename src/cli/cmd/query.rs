//! `brickkit query <FILE.sql | SQL>`: run one read-only statement on the history store and
//! print the rows as a table, CSV or JSON. Exit codes: 0 done, 2 error.

use std::path::Path;

use crate::cli::args::{Globals, QueryArgs, QueryFormat};
use crate::cli::exit;
use crate::cli::term;
use brickkit::history::{Cell, History, QueryResult};

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Text(t) => t.clone(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Render a result in the chosen format.
pub fn render(r: &QueryResult, format: QueryFormat) -> String {
    match format {
        QueryFormat::Csv => {
            let mut out = r
                .columns
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(",");
            out.push('\n');
            for row in &r.rows {
                out.push_str(
                    &row.iter()
                        .map(|c| csv_field(&cell_text(c)))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push('\n');
            }
            out
        }
        QueryFormat::Json => {
            let rows: Vec<serde_json::Value> = r
                .rows
                .iter()
                .map(|row| {
                    let obj: serde_json::Map<String, serde_json::Value> = r
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(k, c)| {
                            let v = match c {
                                Cell::Null => serde_json::Value::Null,
                                Cell::Int(i) => serde_json::Value::from(*i),
                                Cell::Real(x) => serde_json::Value::from(*x),
                                Cell::Text(t) => serde_json::Value::from(t.clone()),
                            };
                            (k.clone(), v)
                        })
                        .collect();
                    serde_json::Value::Object(obj)
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "format_version": 1,
                "columns": r.columns,
                "rows": rows,
            }))
            .unwrap_or_default();
            s.push('\n');
            s
        }
        QueryFormat::Table => {
            let cells: Vec<Vec<String>> = r
                .rows
                .iter()
                .map(|row| row.iter().map(cell_text).collect())
                .collect();
            let mut w: Vec<usize> = r.columns.iter().map(|c| c.chars().count()).collect();
            for row in &cells {
                for (i, c) in row.iter().enumerate() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
            let line = |vals: &[String]| {
                let mut l = vals
                    .iter()
                    .zip(&w)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ");
                l.truncate(l.trim_end().len());
                l.push('\n');
                l
            };
            let mut out = line(&r.columns);
            out.push_str(&line(&w.iter().map(|n| "-".repeat(*n)).collect::<Vec<_>>()));
            for row in &cells {
                out.push_str(&line(row));
            }
            out.push_str(&format!("({} row(s))\n", cells.len()));
            out
        }
    }
}

pub fn run(args: &QueryArgs, _g: &Globals) -> anyhow::Result<u8> {
    let p = Path::new(&args.sql);
    let sql = if args.sql.ends_with(".sql") || (p.is_file() && !args.sql.contains(' ')) {
        match std::fs::read_to_string(p) {
            Ok(s) => s,
            Err(e) => {
                term::error(&format!("{}: cannot read query file: {e}", p.display()));
                return Ok(exit::ERROR);
            }
        }
    } else {
        args.sql.clone()
    };
    let h = History::open(&args.history)?;
    let r = h.query(&sql)?;
    term::stdout_write(render(&r, args.format).as_bytes())?;
    Ok(exit::OK)
}
