//! Fault injection and the request log: fixed latency, a token-bucket rate limit answering 429
//! with `Retry-After`, random 429/503 at a given rate, and runtime rules set through the admin
//! routes (status for a path, for a method, or for every request under a securable). Owns no
//! state of the metastore; it only decides how a request misbehaves.

use std::collections::VecDeque;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;

/// One runtime fault rule. Every given matcher must match; `times` limits how often it fires.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (`GET`, `POST`, ...); `READ` matches GET, `WRITE` anything else.
    pub method: Option<String>,
    /// Exact decoded path to match.
    pub path: Option<String>,
    /// Decoded path prefix to match.
    pub path_prefix: Option<String>,
    /// Securable full-name prefix: matches requests about this object or anything under it
    /// (path names, `catalog_name`/`schema_name` of lists, grants and tag paths).
    pub under: Option<String>,
    /// Status to answer (e.g. 403, 429, 500, 503). 0 means: do not fail, only delay.
    pub status: u16,
    /// `error_code` of the body (a default per status otherwise).
    pub error_code: Option<String>,
    /// Message of the body.
    pub message: Option<String>,
    /// Extra delay before answering, in milliseconds.
    pub delay_ms: Option<u64>,
    /// Serve the request first, then hold the answer this many milliseconds: a client that
    /// times out meanwhile has lost the answer of a request that took effect (how a write
    /// "may have reached the server"). Only with `status` 0.
    pub answer_delay_ms: Option<u64>,
    /// `Retry-After` seconds for 429/503.
    pub retry_after: Option<u64>,
    /// How many more times the rule fires (None: forever).
    pub times: Option<u64>,
    /// Makes this a statement rule: it matches SQL statements whose text contains this
    /// (case-insensitive), which then end `FAILED` (HTTP 200) with `error_code`, `message` and
    /// `sql_state`; or, when `status` is not 0, whose POST is rejected with that HTTP status.
    /// A statement rule never matches any other HTTP request; `method`, `path`, `path_prefix`
    /// and `under` are ignored for it.
    pub statement_contains: Option<String>,
    /// SQLSTATE of a failed statement (statement rules only; default `42P01`).
    pub sql_state: Option<String>,
}

/// What a statement rule does to a statement.
#[derive(Debug, Clone)]
pub enum StatementDecision {
    /// The statement is accepted and ends `FAILED`.
    Fail(StatementFault),
    /// The POST is rejected with an HTTP error.
    Reject(ApiError),
}

/// How a statement rule makes a statement fail.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementFault {
    /// `status.error.error_code`.
    pub error_code: String,
    /// `status.error.message` (`[CLASS] text SQLSTATE: x`).
    pub message: String,
    /// `status.sql_state`.
    pub sql_state: String,
}

/// All fault settings; the admin route `PUT /ucsim/faults` replaces them whole.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Latency added to every API request, in milliseconds.
    pub latency_ms: u64,
    /// Requests per second allowed by the token bucket (None: unlimited).
    pub rate_limit: Option<f64>,
    /// Probability in [0, 1] of a random 429 or 503 on any API request.
    pub fault_rate: f64,
    /// Time a SQL statement takes before it succeeds or fails, in milliseconds.
    pub statement_delay_ms: u64,
    /// When true, the first page of every list is empty but carries a `next_page_token`.
    pub empty_pages: bool,
    /// Rows per result chunk of SQL statements (0: the default, 10000).
    pub chunk_rows: usize,
    /// Runtime rules, checked in order.
    pub rules: Vec<FaultRule>,
}

/// One logged API request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Raw (percent-encoded) path.
    pub path: String,
    /// Decoded path.
    pub decoded_path: String,
    /// Raw query string, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// JSON body (a string when it is not JSON; absent when empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Status answered.
    pub status: u16,
    /// The SQL text of a statement submission (`POST /api/2.0/sql/statements`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// True for a request that may change the workspace (see [`is_write`]).
    #[serde(default)]
    pub write: bool,
}

/// SQL statements that only read: their first keyword.
const READ_ONLY_STATEMENTS: [&str; 7] = [
    "SELECT", "DESCRIBE", "DESC", "SHOW", "WITH", "EXPLAIN", "LIST",
];

/// Whether a request may change the workspace: any method but `GET`/`HEAD` on an API route,
/// except the Statement Execution API, where only a submission whose statement does not start
/// (after blanks and comments) with a read-only keyword (`SELECT`, `DESCRIBE`, `SHOW`, ...) is
/// a write; polls, result chunks and cancels never are.
pub fn is_write(method: &str, decoded_path: &str, statement: Option<&str>) -> bool {
    if method == "GET" || method == "HEAD" {
        return false;
    }
    if decoded_path == "/api/2.0/sql/statements" {
        return statement.is_some_and(|s| {
            let word: String = first_word(s).to_ascii_uppercase();
            !READ_ONLY_STATEMENTS.contains(&word.as_str())
        });
    }
    !decoded_path.starts_with("/api/2.0/sql/")
}

/// The first word of a statement, after blanks, `--` line comments and `/* */` comments.
fn first_word(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    let end = s
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(s.len());
    &s[..end]
}

/// Mutable fault state: config, token bucket, PRNG and the request log.
pub struct Faults {
    /// Current configuration.
    pub config: FaultConfig,
    tokens: f64,
    last: Instant,
    rng: u64,
    /// Request log (bounded).
    pub log: VecDeque<LogEntry>,
    /// Next sequence number.
    pub seq: u64,
}

/// Most log entries kept.
pub const LOG_CAP: usize = 200_000;

/// What the fault layer decided for one request.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Delay before answering (ms).
    pub delay_ms: u64,
    /// Delay after serving, before the answer is sent (ms).
    pub answer_delay_ms: u64,
    /// Error to answer instead of serving, if any.
    pub error: Option<ApiError>,
}

fn method_matches(rule: &str, method: &str) -> bool {
    match rule.to_ascii_uppercase().as_str() {
        "READ" => method == "GET",
        "WRITE" => method != "GET",
        other => other == method,
    }
}

fn default_code(status: u16) -> &'static str {
    match status {
        400 => "INVALID_PARAMETER_VALUE",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "RESOURCE_DOES_NOT_EXIST",
        409 => "RESOURCE_CONFLICT",
        429 => "REQUEST_LIMIT_EXCEEDED",
        501 => "NOT_IMPLEMENTED",
        503 => "TEMPORARILY_UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL_ERROR",
    }
}

/// The HTTP error a rule with a non-zero `status` answers.
fn rule_error(r: &FaultRule) -> ApiError {
    let code = r
        .error_code
        .clone()
        .unwrap_or_else(|| default_code(r.status).to_string());
    let msg = r
        .message
        .clone()
        .unwrap_or_else(|| format!("Injected fault ({} {code}).", r.status));
    let mut e = ApiError::new(r.status, &code, msg);
    if r.status == 429 || r.status == 503 {
        e.retry_after = Some(r.retry_after.unwrap_or(1));
    }
    e
}

/// True when `subject` (a lower-case full name) is `under` or below it.
pub fn is_under(subject: &str, under: &str) -> bool {
    let u = under.to_lowercase();
    subject == u || subject.starts_with(&format!("{u}."))
}

impl Faults {
    /// New fault state with a PRNG seed.
    pub fn new(config: FaultConfig, seed: u64) -> Faults {
        Faults {
            tokens: config.rate_limit.unwrap_or(0.0).max(1.0),
            config,
            last: Instant::now(),
            rng: seed | 1,
            log: VecDeque::new(),
            seq: 0,
        }
    }

    /// Replaces the configuration (refilling the bucket).
    pub fn set_config(&mut self, config: FaultConfig) {
        self.tokens = config.rate_limit.unwrap_or(0.0).max(1.0);
        self.last = Instant::now();
        self.config = config;
    }

    fn next_f64(&mut self) -> f64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decides delay and failure for an API request about `subject` (if known).
    pub fn decide(&mut self, method: &str, path: &str, subject: Option<&str>) -> Decision {
        let mut delay = self.config.latency_ms;
        if let Some(rps) = self.config.rate_limit {
            let now = Instant::now();
            let cap = rps.max(1.0);
            self.tokens =
                (self.tokens + now.duration_since(self.last).as_secs_f64() * rps).min(cap);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
            } else {
                let wait = ((1.0 - self.tokens) / rps.max(1e-9)).ceil().max(1.0) as u64;
                return Decision {
                    delay_ms: delay,
                    answer_delay_ms: 0,
                    error: Some(ApiError::throttled(wait)),
                };
            }
        }
        if self.config.fault_rate > 0.0 && self.next_f64() < self.config.fault_rate {
            let error = if self.next_f64() < 0.5 {
                ApiError::throttled(1)
            } else {
                let mut e = ApiError::new(
                    503,
                    "TEMPORARILY_UNAVAILABLE",
                    "The service is temporarily unavailable. Please try again later.",
                );
                e.retry_after = Some(1);
                e
            };
            return Decision {
                delay_ms: delay,
                answer_delay_ms: 0,
                error: Some(error),
            };
        }
        let mut fired = None;
        for (i, r) in self.config.rules.iter().enumerate() {
            if r.times == Some(0) || r.statement_contains.is_some() {
                continue;
            }
            if r.method
                .as_deref()
                .is_some_and(|m| !method_matches(m, method))
            {
                continue;
            }
            if r.path.as_deref().is_some_and(|p| p != path) {
                continue;
            }
            if r.path_prefix
                .as_deref()
                .is_some_and(|p| !path.starts_with(p))
            {
                continue;
            }
            if let Some(u) = &r.under {
                match subject {
                    Some(s) if is_under(s, u) => {}
                    _ => continue,
                }
            }
            fired = Some(i);
            break;
        }
        let mut error = None;
        let mut answer_delay_ms = 0;
        if let Some(i) = fired {
            let r = &mut self.config.rules[i];
            if let Some(t) = r.times.as_mut() {
                *t -= 1;
            }
            delay += r.delay_ms.unwrap_or(0);
            if r.status != 0 {
                error = Some(rule_error(r));
            } else {
                answer_delay_ms = r.answer_delay_ms.unwrap_or(0);
            }
        }
        Decision {
            delay_ms: delay,
            answer_delay_ms,
            error,
        }
    }

    /// Decides whether the SQL statement `sql` fails because of a statement rule (the first
    /// matching one, whose `times` it consumes).
    pub fn decide_statement(&mut self, sql: &str) -> Option<StatementDecision> {
        let text = sql.to_lowercase();
        let rule = self.config.rules.iter_mut().find(|r| {
            r.times != Some(0)
                && r.statement_contains
                    .as_deref()
                    .is_some_and(|c| text.contains(&c.to_lowercase()))
        })?;
        if let Some(t) = rule.times.as_mut() {
            *t -= 1;
        }
        if rule.status != 0 {
            return Some(StatementDecision::Reject(rule_error(rule)));
        }
        let sql_state = rule.sql_state.clone().unwrap_or_else(|| "42P01".into());
        let message = rule.message.clone().unwrap_or_else(|| {
            let class = if sql_state == "42601" {
                "[PARSE_SYNTAX_ERROR] Injected statement fault: syntax error."
            } else {
                "[TABLE_OR_VIEW_NOT_FOUND] Injected statement fault: the table or view cannot \
                 be found."
            };
            format!("{class} SQLSTATE: {sql_state}")
        });
        Some(StatementDecision::Fail(StatementFault {
            error_code: rule
                .error_code
                .clone()
                .unwrap_or_else(|| "BAD_REQUEST".into()),
            message,
            sql_state,
        }))
    }

    /// Appends a log entry (dropping the oldest beyond the cap); returns its sequence number.
    pub fn log_request(&mut self, mut e: LogEntry) -> u64 {
        self.seq += 1;
        e.seq = self.seq;
        if self.log.len() >= LOG_CAP {
            self.log.pop_front();
        }
        self.log.push_back(e);
        self.seq
    }

    /// Records the status of a logged request.
    pub fn set_status(&mut self, seq: u64, status: u16) {
        if let Some(e) = self.log.iter_mut().rev().find(|e| e.seq == seq) {
            e.status = status;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_under_schema_fires_for_reads_only() {
        let cfg = FaultConfig {
            rules: vec![FaultRule {
                method: Some("READ".into()),
                under: Some("Main.Sales".into()),
                status: 403,
                ..FaultRule::default()
            }],
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 7);
        let d = f.decide("GET", "/x", Some("main.sales.orders"));
        assert_eq!(d.error.map(|e| e.status), Some(403));
        assert!(
            f.decide("POST", "/x", Some("main.sales.orders"))
                .error
                .is_none()
        );
        assert!(f.decide("GET", "/x", Some("main.salesx")).error.is_none());
    }

    #[test]
    fn bucket_throttles_with_retry_after() {
        let cfg = FaultConfig {
            rate_limit: Some(2.0),
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 7);
        assert!(f.decide("GET", "/a", None).error.is_none());
        assert!(f.decide("GET", "/a", None).error.is_none());
        let e = f.decide("GET", "/a", None).error;
        assert_eq!(e.as_ref().map(|e| e.status), Some(429));
        assert!(e.and_then(|e| e.retry_after).is_some());
    }

    fn fail(d: Option<StatementDecision>) -> Option<StatementFault> {
        match d {
            Some(StatementDecision::Fail(f)) => Some(f),
            Some(StatementDecision::Reject(e)) => panic!("unexpected rejection {e:?}"),
            None => None,
        }
    }

    #[test]
    fn statement_rule_matches_statement_text_only() {
        let cfg = FaultConfig {
            rules: vec![FaultRule {
                statement_contains: Some("Information_Schema.ROW_FILTERS".into()),
                error_code: Some("NOT_FOUND".into()),
                message: Some("[TABLE_OR_VIEW_NOT_FOUND] gone. SQLSTATE: 42P01".into()),
                times: Some(2),
                ..FaultRule::default()
            }],
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 3);
        // Never an HTTP-level fault, whatever the request.
        assert!(
            f.decide("POST", "/api/2.0/sql/statements", None)
                .error
                .is_none()
        );
        assert_eq!(
            fail(f.decide_statement("SELECT * FROM `main`.information_schema.tables")),
            None
        );
        let hit = fail(f.decide_statement("select * from `main`.information_schema.row_filters"));
        assert_eq!(
            hit,
            Some(StatementFault {
                error_code: "NOT_FOUND".into(),
                message: "[TABLE_OR_VIEW_NOT_FOUND] gone. SQLSTATE: 42P01".into(),
                sql_state: "42P01".into(),
            })
        );
        assert!(
            fail(f.decide_statement("SELECT * FROM x.INFORMATION_SCHEMA.ROW_FILTERS")).is_some()
        );
        assert_eq!(
            fail(f.decide_statement("SELECT * FROM x.information_schema.row_filters")),
            None
        );
    }

    #[test]
    fn statement_rule_defaults() {
        let cfg = FaultConfig {
            rules: vec![FaultRule {
                statement_contains: Some("as json".into()),
                sql_state: Some("42601".into()),
                ..FaultRule::default()
            }],
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 3);
        let hit = fail(f.decide_statement("DESCRIBE TABLE EXTENDED `a`.`b`.`c` AS JSON"));
        let hit = hit.map(|h| {
            (
                h.error_code,
                h.sql_state,
                h.message.starts_with("[PARSE_SYNTAX_ERROR]"),
            )
        });
        assert_eq!(hit, Some(("BAD_REQUEST".into(), "42601".into(), true)));
        assert!(fail(f.decide_statement("DESCRIBE TABLE EXTENDED `a`.`b`.`c`")).is_none());
    }

    #[test]
    fn statement_rule_with_a_status_rejects_the_post() {
        let cfg = FaultConfig {
            rules: vec![FaultRule {
                statement_contains: Some("describe".into()),
                status: 403,
                times: Some(1),
                ..FaultRule::default()
            }],
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 3);
        match f.decide_statement("DESCRIBE TABLE EXTENDED t") {
            Some(StatementDecision::Reject(e)) => {
                assert_eq!((e.status, e.code.as_str()), (403, "PERMISSION_DENIED"));
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert!(f.decide_statement("DESCRIBE TABLE EXTENDED t").is_none());
    }

    #[test]
    fn writes_are_mutations_and_non_reading_statements() {
        let st = "/api/2.0/sql/statements";
        assert!(is_write(
            "PATCH",
            "/api/2.1/unity-catalog/permissions/table/a.b.c",
            None
        ));
        assert!(is_write("POST", "/api/2.1/unity-catalog/catalogs", None));
        assert!(is_write(
            "DELETE",
            "/api/2.1/unity-catalog/catalogs/x",
            None
        ));
        assert!(!is_write("GET", "/api/2.1/unity-catalog/catalogs", None));
        assert!(is_write(
            "POST",
            st,
            Some("ALTER TABLE t SET TAGS ('a' = 'b')")
        ));
        assert!(is_write(
            "POST",
            st,
            Some("  -- c\n/* x */ COMMENT ON TABLE t IS 'x'")
        ));
        assert!(!is_write("POST", st, Some("select 1")));
        assert!(!is_write(
            "POST",
            st,
            Some("/* q */ DESCRIBE TABLE EXTENDED t AS JSON")
        ));
        assert!(!is_write("POST", st, Some("SHOW GRANTS ON TABLE t")));
        assert!(!is_write("POST", "/api/2.0/sql/statements/1/cancel", None));
        assert!(!is_write("GET", "/api/2.0/sql/statements/1", None));
    }

    #[test]
    fn times_limits_a_rule() {
        let cfg = FaultConfig {
            rules: vec![FaultRule {
                path: Some("/p".into()),
                status: 500,
                times: Some(1),
                ..FaultRule::default()
            }],
            ..FaultConfig::default()
        };
        let mut f = Faults::new(cfg, 1);
        assert_eq!(
            f.decide("GET", "/p", None).error.map(|e| e.status),
            Some(500)
        );
        assert!(f.decide("GET", "/p", None).error.is_none());
    }
}
