//! `SELECT` over the `information_schema` views: resolves the view from the `FROM` name,
//! evaluates `WHERE` (comparisons, `AND`/`OR`/`NOT`, `LIKE`/`ILIKE`, `IN`, `IS [NOT] NULL`,
//! `lower`/`upper`), projects columns or `*`, `DISTINCT`, `ORDER BY`, `LIMIT`, and `count(*)`.
//! Read-only.

use std::cmp::Ordering;

use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, InTarget,
    LimitClause, ObjectNamePart, Offset, OrderBy, OrderByKind, OrderBySort, Query, SelectItem,
    SetExpr, TableFactor, UnaryOperator, Value,
};

use super::infoschema::{self, METASTORE_VIEWS};
use super::parse::unsupported;
use super::{SqlError, SqlResult, not_found_table};
use crate::kind::Kind;
use crate::store::{Store, like};

#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Str(String),
    Bool(bool),
}

impl V {
    fn text(&self) -> Option<String> {
        match self {
            V::Null => None,
            V::Str(s) => Some(s.clone()),
            V::Bool(b) => Some(b.to_string()),
        }
    }
    fn truthy(&self) -> bool {
        matches!(self, V::Bool(true))
    }
}

fn cmp_vals(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Null, _) | (_, V::Null) => None,
        (V::Str(x), V::Str(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(p), Ok(q)) => p.partial_cmp(&q),
            _ => Some(x.cmp(y)),
        },
        (x, y) => x.text().partial_cmp(&y.text()),
    }
}

struct Ctx<'a> {
    columns: &'a [(String, &'static str)],
}

impl Ctx<'_> {
    fn col(&self, name: &str) -> Result<usize, SqlError> {
        let lc = name.to_lowercase();
        self.columns
            .iter()
            .position(|(c, _)| *c == lc)
            .ok_or_else(|| SqlError {
                message: format!(
                    "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter \
                 with name `{name}` cannot be resolved. Did you mean one of the following? [{}]. \
                 SQLSTATE: 42703",
                    self.columns
                        .iter()
                        .map(|(c, _)| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                sql_state: "42703".into(),
            })
    }

    fn eval(&self, e: &Expr, row: &[Option<String>]) -> Result<V, SqlError> {
        Ok(match e {
            Expr::Identifier(i) => match &row[self.col(&i.value)?] {
                Some(s) => V::Str(s.clone()),
                None => V::Null,
            },
            Expr::CompoundIdentifier(parts) => {
                let last = parts.last().map(|i| i.value.as_str()).unwrap_or_default();
                match &row[self.col(last)?] {
                    Some(s) => V::Str(s.clone()),
                    None => V::Null,
                }
            }
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => V::Str(s.clone()),
                Value::Number(n, _) => V::Str(n.clone()),
                Value::Boolean(b) => V::Bool(*b),
                Value::Null => V::Null,
                other => return Err(unsupported(&format!("literal {other}"))),
            },
            Expr::Nested(inner) => self.eval(inner, row)?,
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => match self.eval(expr, row)? {
                V::Null => V::Null,
                v => V::Bool(!v.truthy()),
            },
            Expr::IsNull(x) => V::Bool(self.eval(x, row)? == V::Null),
            Expr::IsNotNull(x) => V::Bool(self.eval(x, row)? != V::Null),
            Expr::BinaryOp { left, op, right } => self.eval_binary(left, op, right, row)?,
            Expr::Like {
                negated,
                expr,
                pattern,
                ..
            }
            | Expr::ILike {
                negated,
                expr,
                pattern,
                ..
            } => {
                let ci = matches!(e, Expr::ILike { .. });
                let (Some(t), Some(p)) = (
                    self.eval(expr, row)?.text(),
                    self.eval(pattern, row)?.text(),
                ) else {
                    return Ok(V::Null);
                };
                let m = if ci {
                    like(&p.to_lowercase(), &t.to_lowercase())
                } else {
                    like(&p, &t)
                };
                V::Bool(m != *negated)
            }
            Expr::In {
                expr,
                target: InTarget::List(list),
                negated,
                ..
            } => {
                let v = self.eval(expr, row)?;
                if v == V::Null {
                    return Ok(V::Null);
                }
                let mut found = false;
                for it in list {
                    if cmp_vals(&v, &self.eval(it, row)?) == Some(Ordering::Equal) {
                        found = true;
                        break;
                    }
                }
                V::Bool(found != *negated)
            }
            Expr::Function(f) => self.eval_function(f, row)?,
            other => return Err(unsupported(&format!("expression {other}"))),
        })
    }

    /// `AND` / `OR` with SQL's three-valued logic, or a comparison (NULL when either side is).
    fn eval_binary(
        &self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        row: &[Option<String>],
    ) -> Result<V, SqlError> {
        let l = self.eval(left, row)?;
        Ok(match op {
            BinaryOperator::And => {
                if !l.truthy() && l != V::Null {
                    return Ok(V::Bool(false));
                }
                let r = self.eval(right, row)?;
                if l == V::Null || r == V::Null {
                    if r == V::Bool(false) {
                        V::Bool(false)
                    } else {
                        V::Null
                    }
                } else {
                    V::Bool(r.truthy())
                }
            }
            BinaryOperator::Or => {
                if l.truthy() {
                    return Ok(V::Bool(true));
                }
                let r = self.eval(right, row)?;
                if r.truthy() {
                    V::Bool(true)
                } else if l == V::Null || r == V::Null {
                    V::Null
                } else {
                    V::Bool(false)
                }
            }
            _ => {
                let r = self.eval(right, row)?;
                let Some(o) = cmp_vals(&l, &r) else {
                    return Ok(V::Null);
                };
                V::Bool(match op {
                    BinaryOperator::Eq => o == Ordering::Equal,
                    BinaryOperator::NotEq => o != Ordering::Equal,
                    BinaryOperator::Lt => o == Ordering::Less,
                    BinaryOperator::LtEq => o != Ordering::Greater,
                    BinaryOperator::Gt => o == Ordering::Greater,
                    BinaryOperator::GtEq => o != Ordering::Less,
                    other => return Err(unsupported(&format!("operator {other}"))),
                })
            }
        })
    }

    /// The functions brickkit's queries use: `lower`/`lcase`, `upper`/`ucase`, `coalesce`.
    fn eval_function(&self, f: &Function, row: &[Option<String>]) -> Result<V, SqlError> {
        let name = f.name.to_string().to_lowercase();
        let args: Vec<&Expr> = match &f.args {
            FunctionArguments::List(l) => l
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(match (name.as_str(), args.as_slice()) {
            ("lower" | "lcase", [x]) => match self.eval(x, row)? {
                V::Str(s) => V::Str(s.to_lowercase()),
                v => v,
            },
            ("upper" | "ucase", [x]) => match self.eval(x, row)? {
                V::Str(s) => V::Str(s.to_uppercase()),
                v => v,
            },
            ("coalesce", xs) => {
                let mut out = V::Null;
                for x in xs {
                    let v = self.eval(x, row)?;
                    if v != V::Null {
                        out = v;
                        break;
                    }
                }
                out
            }
            _ => return Err(unsupported(&format!("function {name}"))),
        })
    }
}

fn view_target(
    q: &Query,
    default_catalog: Option<&str>,
) -> Result<(Option<String>, String, String), SqlError> {
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(unsupported("set operations"));
    };
    let [from] = sel.from.as_slice() else {
        return Err(unsupported("SELECT without exactly one FROM table"));
    };
    if !from.joins.is_empty() {
        return Err(unsupported("JOIN"));
    }
    let TableFactor::Table { name, .. } = &from.relation else {
        return Err(unsupported("FROM other than a table name"));
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect();
    let written = parts.join(".");
    let lower: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
    match lower.as_slice() {
        [c, s, v] if s == "information_schema" => Ok((Some(c.clone()), v.clone(), written)),
        [s, v] if s == "information_schema" => match default_catalog {
            Some(c) => Ok((Some(c.to_lowercase()), v.clone(), written)),
            None => Err(not_found_table(&written)),
        },
        _ => Err(unsupported(&format!(
            "SELECT from {written} (only information_schema views are served)"
        ))),
    }
}

/// Executes a SELECT over an information_schema view.
///
/// Steps: resolve the view and its catalog scope, compute it, keep the rows `WHERE` accepts,
/// order them, then project (or count), `DISTINCT` and `LIMIT`/`OFFSET`.
pub fn run(store: &Store, q: &Query, default_catalog: Option<&str>) -> Result<SqlResult, SqlError> {
    let (cat, view_name, written) = view_target(q, default_catalog)?;
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(unsupported("set operations"));
    };
    let scope = view_scope(store, cat.as_deref(), &view_name, &written)?;
    let view = infoschema::view(store, &view_name, scope.as_deref())
        .map_err(super::internal)?
        .ok_or_else(|| not_found_table(&written))?;
    let ctx = Ctx {
        columns: &view.columns,
    };
    let mut rows = filter_rows(&ctx, view.rows, sel.selection.as_ref())?;
    if let Some(ob) = &q.order_by {
        rows = order_rows(&ctx, rows, ob)?;
    }
    let plan = projection(&ctx, &sel.projection)?;
    if plan.count_star {
        if plan.exprs.len() != 1 {
            return Err(unsupported("count(*) mixed with other columns"));
        }
        return Ok(SqlResult {
            columns: plan.columns,
            rows: vec![vec![Some(rows.len().to_string())]],
        });
    }
    let mut projected = Vec::new();
    for r in &rows {
        let mut pr = Vec::new();
        for e in plan.exprs.iter().flatten() {
            pr.push(ctx.eval(e, r)?.text());
        }
        projected.push(pr);
    }
    if sel.distinct.is_some() {
        let mut seen = std::collections::HashSet::new();
        projected.retain(|r| seen.insert(r.clone()));
    }
    if let Some(LimitClause::LimitOffset {
        limit: Some(l),
        offset,
        ..
    }) = &q.limit_clause
    {
        projected = limit_rows(projected, l, offset.as_ref())?;
    }
    Ok(SqlResult {
        columns: plan.columns,
        rows: projected,
    })
}

/// The catalog a view is computed for: None for `system` (and no catalog), else a catalog that
/// exists; metastore-wide views are not found under a catalog.
fn view_scope(
    store: &Store,
    cat: Option<&str>,
    view_name: &str,
    written: &str,
) -> Result<Option<String>, SqlError> {
    Ok(match cat {
        Some("system") => None,
        Some(c) => {
            if !store.exists(Kind::Catalog, c).map_err(super::internal)? {
                return Err(not_found_table(written));
            }
            if METASTORE_VIEWS.contains(&view_name) {
                return Err(not_found_table(written));
            }
            Some(c.to_string())
        }
        None => None,
    })
}

/// The rows `WHERE` accepts (all of them without a `WHERE`).
fn filter_rows(
    ctx: &Ctx<'_>,
    all: Vec<Vec<Option<String>>>,
    selection: Option<&Expr>,
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let mut rows = Vec::new();
    for r in all {
        let keep = match selection {
            Some(w) => ctx.eval(w, &r)?.truthy(),
            None => true,
        };
        if keep {
            rows.push(r);
        }
    }
    Ok(rows)
}

/// Rows sorted by the `ORDER BY` expressions (nulls first, numbers as numbers).
fn order_rows(
    ctx: &Ctx<'_>,
    rows: Vec<Vec<Option<String>>>,
    ob: &OrderBy,
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let OrderByKind::Expressions(exprs) = &ob.kind else {
        return Err(unsupported("ORDER BY ALL"));
    };
    let mut keyed = Vec::new();
    for r in rows {
        let mut k = Vec::new();
        for e in exprs {
            k.push(ctx.eval(&e.expr, &r)?);
        }
        keyed.push((k, r));
    }
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, e) in exprs.iter().enumerate() {
            let o = match (&a[i], &b[i]) {
                (V::Null, V::Null) => Ordering::Equal,
                (V::Null, _) => Ordering::Less,
                (_, V::Null) => Ordering::Greater,
                (x, y) => cmp_vals(x, y).unwrap_or(Ordering::Equal),
            };
            let o = if matches!(e.options.sort, Some(OrderBySort::Desc)) {
                o.reverse()
            } else {
                o
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

/// The output columns and the expression of each (`None` for `count(*)`).
struct Projection {
    columns: Vec<(String, &'static str)>,
    exprs: Vec<Option<Expr>>,
    count_star: bool,
}

/// Resolves the select list against the view's columns.
fn projection(ctx: &Ctx<'_>, items: &[SelectItem]) -> Result<Projection, SqlError> {
    let mut out_cols: Vec<(String, &'static str)> = Vec::new();
    let mut exprs: Vec<Option<Expr>> = Vec::new();
    let mut count_star = false;
    for item in items {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                for c in ctx.columns {
                    out_cols.push(c.clone());
                    exprs.push(Some(Expr::Identifier(sqlparser::ast::Ident::new(
                        c.0.clone(),
                    ))));
                }
            }
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                let alias = match item {
                    SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                    _ => None,
                };
                if let Expr::Function(f) = e
                    && f.name.to_string().eq_ignore_ascii_case("count")
                {
                    count_star = true;
                    out_cols.push((alias.unwrap_or_else(|| "count(1)".into()), "LONG"));
                    exprs.push(None);
                    continue;
                }
                let (name, ty) = match e {
                    Expr::Identifier(i) => {
                        let idx = ctx.col(&i.value)?;
                        (ctx.columns[idx].0.clone(), ctx.columns[idx].1)
                    }
                    Expr::CompoundIdentifier(p) => {
                        let last = p.last().map(|i| i.value.clone()).unwrap_or_default();
                        let idx = ctx.col(&last)?;
                        (ctx.columns[idx].0.clone(), ctx.columns[idx].1)
                    }
                    other => (other.to_string(), "STRING"),
                };
                out_cols.push((alias.unwrap_or(name), ty));
                exprs.push(Some(e.clone()));
            }
            other => return Err(unsupported(&format!("select item {other}"))),
        }
    }
    Ok(Projection {
        columns: out_cols,
        exprs,
        count_star,
    })
}

/// `LIMIT n [OFFSET m]` over projected rows.
fn limit_rows(
    projected: Vec<Vec<Option<String>>>,
    l: &Expr,
    offset: Option<&Offset>,
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let n: usize = l
        .to_string()
        .parse()
        .map_err(|_| unsupported("non-numeric LIMIT"))?;
    let off: usize = match offset {
        Some(o) => o
            .value
            .to_string()
            .parse()
            .map_err(|_| unsupported("non-numeric OFFSET"))?,
        None => 0,
    };
    Ok(projected.into_iter().skip(off).take(n).collect())
}
