//! The HTTP transport: one `reqwest` client with timeouts, a `User-Agent` naming brickkit,
//! bearer or OAuth M2M auth (token cached, refreshed before expiry), retries with exponential
//! backoff and jitter on 429, 503 and connection errors (honouring `Retry-After`, bounded by
//! a total budget; other 4xx are never retried), a client-side requests-per-second limit and
//! bounded concurrency. Path segments are percent-encoded here, keeping `.` literal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

use crate::api::Error;
use crate::api::auth::{Credentials, ResolvedAuth, Secret};

/// Characters kept literal in a path segment: the RFC 3986 unreserved set.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode one path segment (a full name stays one segment; `.` is kept).
pub fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Retries of a request that got no answer at all (connection refused, timeout).
const CONNECT_ATTEMPTS: u32 = 3;

/// Transport settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Concurrent requests at most.
    pub jobs: usize,
    /// Requests per second at most (None: unlimited).
    pub max_rps: Option<f64>,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Total time one logical call may spend retrying.
    pub retry_budget: Duration,
    /// First backoff delay (doubled per attempt, capped at 10 s, with jitter).
    pub backoff_base: Duration,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            jobs: 64,
            max_rps: None,
            request_timeout: Duration::from_secs(60),
            retry_budget: Duration::from_secs(300),
            backoff_base: Duration::from_millis(100),
        }
    }
}

/// A cheap-to-clone handle on one workspace.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    host: String,
    credentials: Credentials,
    oauth: Mutex<Option<(Secret, Instant)>>,
    sem: Semaphore,
    next_slot: Mutex<Instant>,
    interval: Option<Duration>,
    opts: ClientOptions,
    sent: AtomicU64,
    retried: AtomicU64,
    jitter: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.inner.host)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(auth: &ResolvedAuth, opts: ClientOptions) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("brickkit/", env!("CARGO_PKG_VERSION")))
            .timeout(opts.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Auth(format!("cannot build the http client: {e}")))?;
        let interval = opts
            .max_rps
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                host: auth.host.clone(),
                credentials: auth.credentials.clone(),
                oauth: Mutex::new(None),
                sem: Semaphore::new(opts.jobs.max(1)),
                next_slot: Mutex::new(Instant::now()),
                interval,
                opts,
                sent: AtomicU64::new(0),
                retried: AtomicU64::new(0),
                jitter: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
            }),
        })
    }

    /// The workspace host (no credentials).
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// Requests that were retries.
    pub fn retries(&self) -> u64 {
        self.inner.retried.load(Ordering::Relaxed)
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, Error> {
        self.call(Method::GET, path, query, None).await
    }

    /// A POST that must not run twice: after a failure that may have reached the server (a
    /// timeout, a connection lost mid-request) it is not sent again.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.send(Method::POST, path, &[], Some(body), false).await
    }

    /// A PATCH, never sent again after it may have reached the server (see [`Client::post`]).
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.send(Method::PATCH, path, &[], Some(body), false).await
    }

    /// A POST that is safe to repeat (submitting a read-only statement, cancelling one): it
    /// is retried like a GET.
    pub async fn post_idempotent(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.send(Method::POST, path, &[], Some(body), true).await
    }

    /// One logical call: waits for a concurrency slot and the rate limit, retries 429, 503
    /// and connection errors within the budget, decodes JSON (an empty body is `{}`). POST
    /// and PATCH are treated as not idempotent (see [`Client::post`]).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        let idempotent = !matches!(method, Method::POST | Method::PATCH);
        self.send(method, path, query, body, idempotent).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Value, Error> {
        let _permit = self
            .inner
            .sem
            .acquire()
            .await
            .map_err(|e| transport_err(&method, path, e.to_string()))?;
        let start = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            self.pace().await;
            let mut req = self
                .inner
                .http
                .request(method.clone(), format!("{}{path}", self.inner.host))
                .header("Accept", "application/json");
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(token) = self.bearer().await? {
                req = req.bearer_auth(token.expose());
            }
            self.inner.sent.fetch_add(1, Ordering::Relaxed);
            let (retry_after, err) = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    tracing::debug!(%method, path, status = status.as_u16(), attempt, "response");
                    let ra = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map(Duration::from_secs_f64);
                    let bytes = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            let err = transport_err(&method, path, e.to_string());
                            if !self.backoff(&mut attempt, start, None).await {
                                return Err(err);
                            }
                            continue;
                        }
                    };
                    if status.is_success() {
                        if bytes.iter().all(u8::is_ascii_whitespace) {
                            return Ok(Value::Object(serde_json::Map::new()));
                        }
                        return serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
                            method: method.to_string(),
                            path: path.to_string(),
                            message: e.to_string(),
                        });
                    }
                    let err = api_err(&method, path, status, &bytes);
                    if status != StatusCode::TOO_MANY_REQUESTS
                        && status != StatusCode::SERVICE_UNAVAILABLE
                    {
                        return Err(err);
                    }
                    (ra, err)
                }
                Err(e) => {
                    // Connection errors are retried, but a host that refuses every
                    // connection is not worth the whole budget: three attempts at most.
                    let retryable = retry_after_failure(
                        idempotent,
                        e.is_connect(),
                        e.is_timeout() || e.is_request(),
                    ) && attempt < CONNECT_ATTEMPTS;
                    if !retryable {
                        return Err(transport_err(&method, path, e.to_string()));
                    }
                    (None, transport_err(&method, path, e.to_string()))
                }
            };
            tracing::debug!(%method, path, attempt, error = %err, "retrying");
            if !self.backoff(&mut attempt, start, retry_after).await {
                return Err(err);
            }
        }
    }

    /// For callers that retry a whole operation (a throttled SQL statement): sleep with the
    /// same backoff, jitter and budget as a request retry; false when the budget is spent.
    pub async fn pause_before_retry(&self, attempt: &mut u32, start: Instant) -> bool {
        self.backoff(attempt, start, None).await
    }

    /// Sleep before the next attempt; false when the budget is spent.
    async fn backoff(
        &self,
        attempt: &mut u32,
        start: Instant,
        retry_after: Option<Duration>,
    ) -> bool {
        let o = &self.inner.opts;
        let exp = o
            .backoff_base
            .saturating_mul(1u32 << (*attempt).min(10))
            .min(Duration::from_secs(10));
        // Jitter: a deterministic xorshift stream shared by all calls, 50%..100% of exp.
        let mut x = self.inner.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.inner.jitter.store(x, Ordering::Relaxed);
        let frac = 0.5 + (x % 1000) as f64 / 2000.0;
        let mut wait = exp.mul_f64(frac);
        if let Some(ra) = retry_after {
            wait = wait.max(ra);
        }
        if start.elapsed() + wait > o.retry_budget {
            return false;
        }
        *attempt += 1;
        self.inner.retried.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
        true
    }

    async fn pace(&self) {
        let Some(iv) = self.inner.interval else {
            return;
        };
        let at = {
            let mut next = self.inner.next_slot.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + iv;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// The bearer token to send: the PAT, or a cached OAuth token refreshed a minute
    /// before it expires.
    async fn bearer(&self) -> Result<Option<Secret>, Error> {
        match &self.inner.credentials {
            Credentials::None => Ok(None),
            Credentials::Token(t) => Ok(Some(t.clone())),
            Credentials::OAuthM2M {
                client_id,
                client_secret,
            } => {
                let mut cache = self.inner.oauth.lock().await;
                if let Some((tok, exp)) = &*cache
                    && Instant::now() + Duration::from_secs(60) < *exp
                {
                    return Ok(Some(tok.clone()));
                }
                let (tok, ttl) = self.fetch_oauth(client_id, client_secret).await?;
                *cache = Some((tok.clone(), Instant::now() + ttl));
                Ok(Some(tok))
            }
        }
    }

    async fn fetch_oauth(
        &self,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<(Secret, Duration), Error> {
        let path = "/oidc/v1/token";
        let body = "grant_type=client_credentials&scope=all-apis";
        self.inner.sent.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.host))
            .basic_auth(client_id, Some(client_secret.expose()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_err(&Method::POST, path, e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_err(&Method::POST, path, e.to_string()))?;
        if !status.is_success() {
            return Err(Error::Auth(format!(
                "oauth token request failed: {}",
                api_err(&Method::POST, path, status, &bytes)
            )));
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            method: "POST".into(),
            path: path.into(),
            message: e.to_string(),
        })?;
        let tok = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Auth("oauth token response has no access_token".into()))?;
        let ttl = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        Ok((Secret::new(tok), Duration::from_secs(ttl)))
    }
}

fn transport_err(method: &Method, path: &str, message: String) -> Error {
    Error::Transport {
        method: method.to_string(),
        path: path.to_string(),
        message,
    }
}

fn api_err(method: &Method, path: &str, status: StatusCode, bytes: &[u8]) -> Error {
    let v: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut message = s("message")
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned());
    message.truncate(500);
    Error::Api {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        error_code: s("error_code").unwrap_or_else(|| "UNKNOWN".to_string()),
        message,
    }
}

/// Whether a request that got no answer may be sent again: always when the connection was
/// never made (nothing reached the server); after a timeout or a connection lost
/// mid-request only when repeating it is harmless.
fn retry_after_failure(idempotent: bool, never_connected: bool, maybe_sent: bool) -> bool {
    never_connected || (maybe_sent && idempotent)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_request_that_may_have_reached_the_server_is_repeated_only_if_idempotent() {
        assert!(super::retry_after_failure(false, true, false));
        assert!(super::retry_after_failure(true, false, true));
        assert!(!super::retry_after_failure(false, false, true));
        assert!(!super::retry_after_failure(true, false, false));
    }

    use super::*;

    #[test]
    fn segments_keep_dots_and_encode_the_rest() {
        assert_eq!(seg("main.sales.orders"), "main.sales.orders");
        assert_eq!(seg("a b/c#d?%"), "a%20b%2Fc%23d%3F%25");
        assert_eq!(seg("a`b'c\"-é"), "a%60b%27c%22-%C3%A9");
    }
}
