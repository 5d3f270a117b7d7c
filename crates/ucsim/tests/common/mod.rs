//! Shared helpers for the ucsim integration tests: start an in-process server on 127.0.0.1:0
//! and speak HTTP to it with a small blocking client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use ucsim::{Config, Handle, Server};

pub const TOKEN: &str = "t0ken";

pub struct Sim {
    pub handle: Handle,
    pub agent: ureq::Agent,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

pub fn seed() -> Value {
    serde_json::from_str(include_str!("../../ci/sdk_seed.json")).unwrap()
}

pub fn start_with(mut config: Config) -> Sim {
    if config.tokens.is_empty() {
        config.tokens = vec![TOKEN.to_string()];
    }
    let handle = Server::start(config).expect("server starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    Sim { handle, agent }
}

pub fn start() -> Sim {
    start_with(Config {
        seed_json: Some(seed()),
        page_size: 2,
        ..Config::default()
    })
}

pub fn enc(s: &str) -> String {
    ucsim::names::pct_encode(s)
}

impl Sim {
    /// Adds a user to the directory over SCIM (as an administrator would); returns its id.
    pub fn add_user(&self, user_name: &str) -> String {
        let r = self.post(
            "/api/2.0/preview/scim/v2/Users",
            json!({"userName": user_name, "displayName": user_name}),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Adds a group to the directory over SCIM; returns its id.
    pub fn add_group(&self, name: &str) -> String {
        let r = self.post(
            "/api/2.0/preview/scim/v2/Groups",
            json!({"displayName": name}),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.base_url, path)
    }

    pub fn req(&self, method: &str, path: &str, body: Option<Value>, token: Option<&str>) -> Resp {
        let url = self.url(path);
        let auth = token.map(|t| format!("Bearer {t}"));
        let res = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            ("DELETE", _) => {
                let mut r = self.agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (m, b) => {
                let mut r = match m {
                    "POST" => self.agent.post(&url),
                    "PATCH" => self.agent.patch(&url),
                    "PUT" => self.agent.put(&url),
                    other => panic!("method {other}"),
                };
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                match b {
                    Some(v) => r.send_json(&v),
                    None => r.send_empty(),
                }
            }
        };
        let mut resp = res.expect("http request");
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let text = resp.body_mut().read_to_string().unwrap();
        let body = if text.is_empty() {
            json!(null)
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            body,
            retry_after,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.req("GET", path, None, Some(TOKEN))
    }
    pub fn post(&self, path: &str, body: Value) -> Resp {
        self.req("POST", path, Some(body), Some(TOKEN))
    }
    pub fn patch(&self, path: &str, body: Value) -> Resp {
        self.req("PATCH", path, Some(body), Some(TOKEN))
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.req("DELETE", path, None, Some(TOKEN))
    }
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.req(method, path, body, None)
    }

    /// Runs one SQL statement synchronously; returns the whole StatementResponse.
    pub fn sql(&self, statement: &str) -> Value {
        let r = self.post(
            "/api/2.0/sql/statements",
            json!({"statement": statement, "warehouse_id": "w", "wait_timeout": "10s"}),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body
    }

    /// Runs a statement that must succeed; returns its rows.
    pub fn rows(&self, statement: &str) -> Vec<Vec<Value>> {
        let v = self.sql(statement);
        assert_eq!(v["status"]["state"], "SUCCEEDED", "{statement}: {v}");
        v["result"]["data_array"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_array().unwrap().clone()).collect())
            .unwrap_or_default()
    }

    /// Runs a statement that must fail; returns the error message.
    pub fn sql_err(&self, statement: &str) -> String {
        let v = self.sql(statement);
        assert_eq!(v["status"]["state"], "FAILED", "{statement}: {v}");
        v["status"]["error"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Lists a collection through every page; returns (items, number of requests).
    pub fn list_all(&self, path_and_query: &str, key: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut n = 0;
        loop {
            let sep = if path_and_query.contains('?') {
                '&'
            } else {
                '?'
            };
            let url = match &token {
                Some(t) => format!("{path_and_query}{sep}page_token={}", enc(t)),
                None => path_and_query.to_string(),
            };
            let r = self.get(&url);
            assert_eq!(r.status, 200, "{:?}", r.body);
            n += 1;
            if let Some(a) = r.body.get(key).and_then(Value::as_array) {
                items.extend(a.iter().cloned());
            }
            match r.body.get("next_page_token").and_then(Value::as_str) {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
            assert!(n < 10_000, "pagination does not end");
        }
        (items, n)
    }
}

pub fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}
