//! The Databricks error body (`error_code`, `message`, `details`) and the HTTP status that goes
//! with it. Owns the mapping from simulator failures to wire errors; it never performs IO.

use serde_json::{Value, json};

/// One API failure, rendered as the Databricks error body with an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Stable `error_code` string.
    pub code: String,
    /// Free-text message.
    pub message: String,
    /// `ErrorInfo.reason` in `details` (defaults to the code).
    pub reason: Option<String>,
    /// `Retry-After` seconds, when the answer is a throttle.
    pub retry_after: Option<u64>,
    /// Rendered as a SCIM error (RFC 7644 §3.12: `schemas`, `detail`, `status`), as the
    /// `/api/2.0/preview/scim/v2` routes answer.
    pub scim: bool,
}

impl ApiError {
    /// A new error with the given status, code and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            reason: None,
            retry_after: None,
            scim: false,
        }
    }

    /// A SCIM error (`{"schemas": [...Error], "detail": ..., "status": "404"}`); the SDKs read
    /// it as `error_code` `SCIM_<status>` (databricks-sdk-py `errors/deserializer.py`, "Handle
    /// SCIM Errors").
    pub fn scim(status: u16, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(status, &format!("SCIM_{status}"), detail);
        e.scim = true;
        e
    }

    /// 400 `INVALID_PARAMETER_VALUE`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "INVALID_PARAMETER_VALUE", message)
    }

    /// 404 with the given code.
    pub fn not_found(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(404, code, message)
    }

    /// 429 `REQUEST_LIMIT_EXCEEDED` with `Retry-After`.
    pub fn throttled(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            429,
            "REQUEST_LIMIT_EXCEEDED",
            "Your request was rejected since your organization has exceeded the rate limit. \
             Please retry your request later.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 500 `INTERNAL_ERROR`.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "INTERNAL_ERROR", message)
    }

    /// The JSON body, with a request id in `details`.
    pub fn body(&self, request_id: &str) -> Value {
        if self.scim {
            return json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "detail": self.message,
                "status": self.status.to_string(),
            });
        }
        json!({
            "error_code": self.code,
            "message": self.message,
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": self.reason.clone().unwrap_or_else(|| self.code.clone()),
                    "domain": "unity-catalog.databricks.com",
                    "metadata": {}
                },
                {
                    "@type": "type.googleapis.com/google.rpc.RequestInfo",
                    "request_id": request_id,
                    "serving_data": ""
                }
            ]
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::internal(format!("state database error: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> ApiError {
        ApiError::internal(format!("state encoding error: {e}"))
    }
}
