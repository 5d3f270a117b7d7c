//! `ucsim`: a Unity Catalog workspace simulator — a real HTTP server on loopback that speaks the
//! subset of the Databricks REST API and SQL Statement Execution API that brickkit uses, keeps
//! state in SQLite, and misbehaves on request. It must never depend on brickkit: it is an
//! independent model of the remote, so a wire mistake in brickkit shows up as a failing test.
//!
//! Start a server in-process with [`Server::start`]; see the crate README for the binary.

pub mod app;
pub mod error;
pub mod faults;
pub mod kind;
pub mod names;
pub mod ops;
pub mod privileges;
pub mod rest;
pub mod scim;
pub mod seed;
pub mod server;
pub mod sql;
pub mod statements;
pub mod store;

pub use server::{Config, Handle, Server, StartError};
