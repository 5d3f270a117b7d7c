//! The Databricks client: the only module that knows HTTP, reqwest and the remote JSON.
//!
//! Owns authentication ([`auth`]), the transport with retries, rate limit and bounded
//! concurrency ([`transport`]), pagination ([`page`]), SQL statement execution ([`sql`]) and
//! lenient serde mirrors of the wire objects ([`wire`]). It never reads the process
//! environment (the CLI passes `DATABRICKS_*` values in), never prints, and never lets a
//! token or secret into an error, a log line or a `Debug` string.

pub mod auth;
mod error;
pub mod page;
pub mod sql;
pub mod transport;
pub mod wire;

pub use auth::{AuthInputs, Credentials, ResolvedAuth, Secret, resolve};
pub use error::Error;
pub use transport::{Client, ClientOptions};
