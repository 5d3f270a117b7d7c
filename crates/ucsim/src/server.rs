//! The HTTP server: configuration, binding (loopback only), the axum handler that applies auth,
//! faults and the request log before dispatching to the REST routes, the Statement Execution
//! API and the `/ucsim/` admin routes, and the in-process [`Server`] / [`Handle`] API. Never
//! binds a non-loopback address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::{App, Settings, lock};
use crate::error::ApiError;
use crate::faults::{FaultConfig, FaultRule, Faults, LogEntry, StatementDecision};
use crate::names;
use crate::ops::Actor;
use crate::rest::{self, Ctx, Req};
use crate::seed;
use crate::sql::{self, SqlError};
use crate::statements::{self, Statements, StmtState};
use crate::store::Store;

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; must be loopback (`127.0.0.1:0` picks a free port).
    pub addr: String,
    /// Accepted bearer tokens, each `TOKEN` or `TOKEN=principal` (empty: no auth).
    pub tokens: Vec<String>,
    /// SQLite state file (in memory when None).
    pub state: Option<PathBuf>,
    /// JSON seed file, applied when the state is fresh.
    pub seed: Option<PathBuf>,
    /// Seed document given in memory, applied when the state is fresh (after `seed`).
    pub seed_json: Option<Value>,
    /// Initial faults (latency, rate limit, fault rate, ...).
    pub faults: FaultConfig,
    /// Server page size for `max_results=0`, and cap.
    pub page_size: usize,
    /// Valid warehouse ids (empty: any).
    pub warehouses: Vec<String>,
    /// Seed of the fault PRNG.
    pub fault_seed: u64,
    /// Principal used when a token names none.
    pub principal: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: "127.0.0.1:0".into(),
            tokens: Vec::new(),
            state: None,
            seed: None,
            seed_json: None,
            faults: FaultConfig::default(),
            page_size: 100,
            warehouses: Vec::new(),
            fault_seed: 42,
            principal: "admin@ucsim.example.com".into(),
        }
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address is not loopback or does not parse.
    #[error("refusing to bind {addr}: ucsim binds loopback addresses only (127.0.0.0/8, ::1)")]
    NotLoopback {
        /// The address given.
        addr: String,
    },
    /// Binding failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address given.
        addr: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The seed file could not be read or parsed.
    #[error("cannot use seed {path}: {message}")]
    Seed {
        /// Seed path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The state could not be opened or loaded.
    #[error("state error: {0}")]
    State(ApiError),
    /// The runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Parses the address and checks that it is loopback.
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, StartError> {
    let a = if let Some(rest) = addr.strip_prefix("localhost:") {
        format!("127.0.0.1:{rest}")
    } else {
        addr.to_string()
    };
    match a.parse::<SocketAddr>() {
        Ok(sa) if sa.ip().is_loopback() => Ok(sa),
        _ => Err(StartError::NotLoopback {
            addr: addr.to_string(),
        }),
    }
}

/// Opens the state and applies the seed when the state is fresh.
pub fn build_app(config: &Config) -> Result<Arc<App>, StartError> {
    let mut store = Store::open(config.state.as_deref()).map_err(StartError::State)?;
    let fresh = store.meta("seeded").map_err(StartError::State)?.is_none();
    let actor = Actor {
        principal: config.principal.clone(),
        now_ms: now_ms(),
    };
    if fresh {
        store.set_bulk(true).map_err(StartError::State)?;
        if let Some(p) = &config.seed {
            let text = std::fs::read_to_string(p).map_err(|e| StartError::Seed {
                path: p.display().to_string(),
                message: format!("cannot read: {e}"),
            })?;
            let v: Value = serde_json::from_str(&text).map_err(|e| StartError::Seed {
                path: p.display().to_string(),
                message: format!("not valid JSON: {e}"),
            })?;
            seed::load(&mut store, v, &actor).map_err(|e| StartError::Seed {
                path: p.display().to_string(),
                message: e.message,
            })?;
        }
        if let Some(v) = &config.seed_json {
            seed::load(&mut store, v.clone(), &actor).map_err(|e| StartError::Seed {
                path: "<in memory>".into(),
                message: e.message,
            })?;
        }
        store
            .set_meta("seeded", "true")
            .map_err(StartError::State)?;
        store.set_bulk(false).map_err(StartError::State)?;
    }
    let tokens = config
        .tokens
        .iter()
        .map(|t| match t.split_once('=') {
            Some((tok, p)) => (tok.to_string(), p.to_string()),
            None => (t.clone(), config.principal.clone()),
        })
        .collect();
    Ok(Arc::new(App {
        store: Mutex::new(store),
        faults: Mutex::new(Faults::new(config.faults.clone(), config.fault_seed)),
        statements: Mutex::new(Statements::default()),
        settings: Settings {
            tokens,
            default_principal: config.principal.clone(),
            page_size: config.page_size.max(1),
            warehouses: config.warehouses.clone(),
        },
    }))
}

/// The axum router of an app.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
        .with_state(app)
}

fn json_response(status: u16, body: &Value, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(s) = retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

fn text_response(status: u16, body: String) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn error_response(e: &ApiError, seq: u64) -> Response {
    json_response(e.status, &e.body(&format!("ucsim-{seq:08}")), e.retry_after)
}

async fn handle(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_path = uri.path().to_string();
    let segs: Vec<String> = raw_path
        .split('/')
        .skip(1)
        .map(|s| names::pct_decode(s, false))
        .collect();
    let decoded_path = format!("/{}", segs.join("/"));
    let query = names::parse_query(uri.query());
    let m = method.as_str().to_string();

    if segs.first().map(String::as_str) == Some("ucsim") {
        return admin(&app, &m, &segs, &query, &body);
    }
    if raw_path == "/.well-known/databricks-config" {
        let e = ApiError::not_found(
            "NOT_FOUND",
            "No API found for '/.well-known/databricks-config'",
        );
        return error_response(&e, 0);
    }

    if segs.first().map(String::as_str) == Some("oidc") {
        return oidc(&app, &m, &decoded_path, &headers, &body);
    }

    let body_json = body_json(&body);
    let subject = rest::subject(&segs, &query);
    let (seq, decision) = {
        let mut f = lock(&app.faults);
        let statement = (m == "POST" && decoded_path == "/api/2.0/sql/statements")
            .then(|| {
                body_json
                    .as_ref()
                    .and_then(|b| b.get("statement"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .flatten();
        let write = crate::faults::is_write(&m, &decoded_path, statement.as_deref());
        let seq = f.log_request(LogEntry {
            seq: 0,
            method: m.clone(),
            path: raw_path.clone(),
            decoded_path: decoded_path.clone(),
            query: uri.query().map(str::to_string),
            body: body_json.clone(),
            status: 0,
            statement,
            write,
        });
        let d = f.decide(&m, &decoded_path, subject.as_deref());
        (seq, d)
    };

    // Authentication first: a wrong token is a 401 whatever the faults say.
    let Some(principal) = authenticate(&app, &headers) else {
        let e = ApiError::new(
            401,
            "UNAUTHENTICATED",
            "Invalid access token. Authentication is required.",
        );
        lock(&app.faults).set_status(seq, 401);
        return error_response(&e, seq);
    };

    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    if let Some(e) = decision.error {
        lock(&app.faults).set_status(seq, e.status);
        return error_response(&e, seq);
    }

    let parsed_body = match &body_json {
        None => json!({}),
        Some(Value::String(_)) => {
            let e = ApiError::new(400, "MALFORMED_REQUEST", "Request body is not valid JSON.");
            lock(&app.faults).set_status(seq, 400);
            return error_response(&e, seq);
        }
        Some(v) => v.clone(),
    };
    let actor = Actor {
        principal,
        now_ms: now_ms(),
    };
    let req = Req {
        method: &m,
        segs,
        query,
        body: parsed_body,
    };
    let result = if req.segs.len() >= 4 && req.segs[..4] == ["api", "2.0", "sql", "statements"] {
        sql_route(&app, &req, &actor).await
    } else if req.segs.len() == 4 && req.segs[..4] == ["api", "2.0", "sql", "warehouses"] {
        Ok(Some(warehouses(&app)))
    } else {
        let empty_pages = lock(&app.faults).config.empty_pages;
        let mut store = lock(&app.store);
        let mut ctx = Ctx {
            store: &mut store,
            actor,
            page_size: app.settings.page_size,
            empty_pages,
        };
        if let Some(raw) = rest::fast_list(&mut ctx, &req) {
            drop(store);
            let (status, resp) = match raw {
                Ok(text) => (200, text_response(200, text)),
                Err(e) => (e.status, error_response(&e, seq)),
            };
            lock(&app.faults).set_status(seq, status);
            return resp;
        }
        rest::dispatch(&mut ctx, &req)
    };
    let (status, resp) = match result {
        Ok(Some(v)) => (200, json_response(200, &v, None)),
        Ok(None) => {
            let e = rest::no_api(&m, &raw_path);
            (e.status, error_response(&e, seq))
        }
        Err(e) => (e.status, error_response(&e, seq)),
    };
    lock(&app.faults).set_status(seq, status);
    if decision.answer_delay_ms > 0 {
        // Served; the answer is held back (a client that gives up meanwhile loses it).
        tokio::time::sleep(Duration::from_millis(decision.answer_delay_ms)).await;
    }
    resp
}

/// The request body as JSON; a body that is not JSON is kept as a string (refused later, after
/// authentication and faults).
fn body_json(body: &Bytes) -> Option<Value> {
    if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
        )
    }
}

/// The principal a request acts as: the default without configured tokens, else the one whose
/// bearer token was sent; None for a missing or unknown token.
fn authenticate(app: &App, headers: &HeaderMap) -> Option<String> {
    if app.settings.tokens.is_empty() {
        return Some(app.settings.default_principal.clone());
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    given
        .and_then(|g| app.settings.tokens.iter().find(|(t, _)| t == g))
        .map(|(_, p)| p.clone())
}

/// `GET /api/2.0/sql/warehouses`: the configured warehouses, all running.
fn warehouses(app: &App) -> Value {
    let ids = if app.settings.warehouses.is_empty() {
        vec!["ucsim-warehouse".to_string()]
    } else {
        app.settings.warehouses.clone()
    };
    let list: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "name": id, "state": "RUNNING"}))
        .collect();
    json!({"warehouses": list})
}

/// OAuth M2M discovery and token endpoints: any client id/secret sent with HTTP Basic gets the
/// first configured bearer token (so the following API calls authenticate).
fn oidc(app: &App, method: &str, path: &str, headers: &HeaderMap, body: &Bytes) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    match (method, path) {
        ("GET", "/oidc/.well-known/oauth-authorization-server") => json_response(
            200,
            &json!({
                "issuer": format!("http://{host}/oidc"),
                "authorization_endpoint": format!("http://{host}/oidc/v1/authorize"),
                "token_endpoint": format!("http://{host}/oidc/v1/token"),
            }),
            None,
        ),
        ("POST", "/oidc/v1/token") => {
            let basic = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Basic "));
            if !basic {
                return json_response(401, &json!({"error": "invalid_client"}), None);
            }
            let form = names::parse_query(Some(&String::from_utf8_lossy(body)));
            let grant = form
                .iter()
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v.as_str());
            if grant != Some("client_credentials") {
                return json_response(400, &json!({"error": "unsupported_grant_type"}), None);
            }
            let token = app
                .settings
                .tokens
                .first()
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| "ucsim-oauth-token".into());
            json_response(
                200,
                &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                    "scope": "all-apis"}),
                None,
            )
        }
        _ => error_response(&rest::no_api(method, path), 0),
    }
}

fn run_statement(app: &App, id: &str) -> Result<Value, ApiError> {
    let mut sts = lock(&app.statements);
    let st = sts.get_mut(id).ok_or_else(|| statements::unknown(id))?;
    if matches!(st.state, StmtState::Pending) && std::time::Instant::now() >= st.ready_at {
        let actor = Actor {
            principal: st.principal.clone(),
            now_ms: now_ms(),
        };
        let mut store = lock(&app.store);
        st.state = if let Some((code, e)) = st.injected.take() {
            st.error_code = code;
            StmtState::Failed(e)
        } else {
            match sql::execute(
                &mut store,
                &actor,
                &st.sql,
                st.catalog.as_deref(),
                st.schema.as_deref(),
            ) {
                Ok(r) => StmtState::Succeeded(r),
                Err(e) => StmtState::Failed(e),
            }
        };
    }
    let v = statements::response(st);
    if matches!(st.state, StmtState::Pending) {
        st.polled = true;
    }
    Ok(v)
}

async fn sql_route(app: &App, req: &Req<'_>, actor: &Actor) -> Result<Option<Value>, ApiError> {
    let s: Vec<&str> = req.segs.iter().map(String::as_str).collect();
    match (req.method, &s[4..]) {
        ("POST", []) => {
            let er = statements::parse_exec(&req.body, &app.settings.warehouses)?;
            let (delay, chunk_rows) = {
                let f = lock(&app.faults);
                (
                    Duration::from_millis(f.config.statement_delay_ms),
                    f.config.chunk_rows,
                )
            };
            let injected = match lock(&app.faults).decide_statement(&er.statement) {
                Some(StatementDecision::Reject(e)) => return Err(e),
                Some(StatementDecision::Fail(f)) => Some(f),
                None => None,
            };
            let id = {
                let mut sts = lock(&app.statements);
                let id = sts.submit(&er, delay, chunk_rows, &actor.principal);
                if let (Some(f), Some(st)) = (injected, sts.get_mut(&id)) {
                    st.injected = Some((
                        f.error_code,
                        SqlError {
                            message: f.message,
                            sql_state: f.sql_state,
                        },
                    ));
                }
                id
            };
            if er.wait.is_zero() {
                let mut sts = lock(&app.statements);
                let st = sts.get_mut(&id).ok_or_else(|| statements::unknown(&id))?;
                let v = statements::response(st);
                // The warehouse has picked it up: later polls report RUNNING.
                st.polled = true;
                return Ok(Some(v));
            }
            if delay > Duration::ZERO {
                tokio::time::sleep(delay.min(er.wait)).await;
            }
            let v = run_statement(app, &id)?;
            let pending = matches!(
                lock(&app.statements).get(&id).map(|s| &s.state),
                Some(StmtState::Pending)
            );
            if pending && er.cancel_on_timeout {
                let mut sts = lock(&app.statements);
                if let Some(st) = sts.get_mut(&id) {
                    st.state = StmtState::Canceled;
                    return Ok(Some(statements::response(st)));
                }
            }
            Ok(Some(v))
        }
        ("GET", [id]) => run_statement(app, id).map(Some),
        ("POST", [id, "cancel"]) => {
            let mut sts = lock(&app.statements);
            let st = sts.get_mut(id).ok_or_else(|| statements::unknown(id))?;
            if matches!(st.state, StmtState::Pending) {
                st.state = StmtState::Canceled;
            }
            Ok(Some(json!({})))
        }
        ("GET", [id, "result", "chunks", n]) => {
            let idx: usize = n
                .parse()
                .map_err(|_| ApiError::invalid(format!("Invalid chunk index '{n}'.")))?;
            run_statement(app, id)?;
            let sts = lock(&app.statements);
            let st = sts.get(id).ok_or_else(|| statements::unknown(id))?;
            statements::chunk(st, idx).map(Some)
        }
        _ => Ok(None),
    }
}

fn admin(
    app: &App,
    method: &str,
    segs: &[String],
    query: &[(String, String)],
    body: &Bytes,
) -> Response {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let parse = |b: &Bytes| -> Result<Value, ApiError> {
        if b.is_empty() {
            Ok(json!({}))
        } else {
            serde_json::from_slice(b)
                .map_err(|e| ApiError::invalid(format!("admin body is not valid JSON: {e}")))
        }
    };
    let result: Result<Value, ApiError> = (|| match (method, &s[1..]) {
        ("GET", ["health"]) => Ok(json!({"ok": true})),
        ("GET", ["faults"]) => Ok(serde_json::to_value(&lock(&app.faults).config)?),
        ("PUT", ["faults"]) => {
            let cfg: FaultConfig = serde_json::from_value(parse(body)?)
                .map_err(|e| ApiError::invalid(format!("invalid fault config: {e}")))?;
            lock(&app.faults).set_config(cfg.clone());
            Ok(serde_json::to_value(&cfg)?)
        }
        ("PATCH", ["faults"]) => {
            let mut f = lock(&app.faults);
            let mut cur = serde_json::to_value(&f.config)?;
            if let (Some(c), Value::Object(p)) = (cur.as_object_mut(), parse(body)?) {
                for (k, v) in p {
                    c.insert(k, v);
                }
            }
            let cfg: FaultConfig = serde_json::from_value(cur)
                .map_err(|e| ApiError::invalid(format!("invalid fault config: {e}")))?;
            f.set_config(cfg.clone());
            Ok(serde_json::to_value(&cfg)?)
        }
        ("POST", ["faults", "rules"]) => {
            let rule: FaultRule = serde_json::from_value(parse(body)?)
                .map_err(|e| ApiError::invalid(format!("invalid fault rule: {e}")))?;
            let mut f = lock(&app.faults);
            f.config.rules.push(rule);
            Ok(serde_json::to_value(&f.config)?)
        }
        ("DELETE", ["faults"]) => {
            lock(&app.faults).set_config(FaultConfig::default());
            Ok(json!({}))
        }
        ("GET", ["requests"]) => {
            let f = lock(&app.faults);
            let since: u64 = query
                .iter()
                .find(|(k, _)| k == "since")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let writes = query.iter().any(|(k, v)| k == "writes" && v == "true");
            let list: Vec<&LogEntry> = f
                .log
                .iter()
                .filter(|e| e.seq > since && (!writes || e.write))
                .collect();
            Ok(json!({"requests": list, "last_seq": f.seq}))
        }
        ("DELETE", ["requests"]) => {
            lock(&app.faults).log.clear();
            Ok(json!({}))
        }
        ("POST", ["reset"]) => {
            let mut f = lock(&app.faults);
            f.set_config(FaultConfig::default());
            f.log.clear();
            Ok(json!({}))
        }
        ("GET", ["dump"]) => seed::dump(&lock(&app.store)),
        _ => Err(rest::no_api(method, &format!("/{}", s.join("/")))),
    })();
    match result {
        Ok(v) => json_response(200, &v, None),
        Err(e) => error_response(&e, 0),
    }
}

/// Binds the configured loopback address and builds the app (not yet serving).
pub async fn bind(config: &Config) -> Result<(tokio::net::TcpListener, Arc<App>), StartError> {
    let addr = loopback_addr(&config.addr)?;
    let app = build_app(config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr.clone(),
            source,
        })?;
    Ok((listener, app))
}

/// A running in-process server; dropping it stops the server.
pub struct Handle {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The shared state (for direct inspection in tests).
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The state in the seed format.
    pub fn dump(&self) -> Result<Value, ApiError> {
        seed::dump(&lock(&self.app.store))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Entry point of the library API.
pub struct Server;

impl Server {
    /// Starts a server on its own thread and runtime; returns once it accepts connections.
    pub fn start(config: Config) -> Result<Handle, StartError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let (listener, app) = rt.block_on(bind(&config))?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr.clone(),
            source,
        })?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = router(app.clone());
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        Ok(Handle {
            base_url: format!("http://{addr}"),
            addr,
            app,
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}
