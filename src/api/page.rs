//! Pagination: follow `next_page_token` until it is absent or empty. An empty page with a
//! token is not the end; a repeated token is an error (a server loop), never silent truncation.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{Client, Error};

/// GET every page of `path` and return the items under `key` (a missing key = no items).
/// `query` must not contain `page_token`.
pub async fn list_all<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    key: &str,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        let mut q: Vec<(&str, String)> = query.to_vec();
        if let Some(t) = &token {
            q.push(("page_token", t.clone()));
        }
        let page = client.get(path, &q).await?;
        if let Some(items) = page.get(key).and_then(Value::as_array) {
            for item in items {
                let t = T::deserialize(item).map_err(|e| Error::Decode {
                    method: "GET".into(),
                    path: path.to_string(),
                    message: format!("{key}: {e}"),
                })?;
                out.push(t);
            }
        }
        match page.get("next_page_token").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => {
                if !seen.insert(t.to_string()) {
                    return Err(Error::Decode {
                        method: "GET".into(),
                        path: path.to_string(),
                        message: "the server repeated a next_page_token".into(),
                    });
                }
                token = Some(t.to_string());
            }
            _ => return Ok(out),
        }
    }
}
