//! Errors of the client: every variant names the request (method and path, never the
//! token) and what went wrong. Owns the mapping of an error to a short code for
//! `collection_issues`.

/// Something the client could not do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error status.
    #[error("{method} {path}: http {status} {error_code}: {message}")]
    Api {
        method: String,
        path: String,
        status: u16,
        error_code: String,
        message: String,
    },
    /// No answer: connection refused, timeout, TLS, body read.
    #[error("{method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
    },
    /// An answer that is not the JSON expected.
    #[error("{method} {path}: cannot decode the response: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// Configuration or credentials are missing or unusable.
    #[error("authentication: {0}")]
    Auth(String),
    /// A SQL statement ended in `FAILED` (or `CANCELED` / `CLOSED`).
    #[error("sql statement {state}: {sql_state}: {message}")]
    Sql {
        state: String,
        sql_state: String,
        message: String,
    },
}

impl Error {
    /// A short code for a `collection_issues` row: the HTTP status, the SQL state, or a word.
    pub fn code(&self) -> String {
        match self {
            Error::Api { status, .. } => status.to_string(),
            Error::Transport { .. } => "transport".to_string(),
            Error::Decode { .. } => "decode".to_string(),
            Error::Auth(_) => "auth".to_string(),
            Error::Sql { sql_state, .. } => sql_state.clone(),
        }
    }

    /// True when no later request can succeed either: bad credentials, unreachable host.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status == 401,
            Error::Transport { .. } | Error::Auth(_) => true,
            _ => false,
        }
    }
}
