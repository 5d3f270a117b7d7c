//! The shared application state of one running server: the store, the fault state and request
//! log, the SQL statements in flight and the fixed settings. Owns locking; handlers borrow it.

use std::sync::{Mutex, MutexGuard};

use crate::faults::Faults;
use crate::statements::Statements;
use crate::store::Store;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Accepted bearer tokens with the principal each acts as (empty: no auth).
    pub tokens: Vec<(String, String)>,
    /// Principal used when no token maps to one.
    pub default_principal: String,
    /// Server page size (for `max_results=0`) and cap.
    pub page_size: usize,
    /// Valid warehouse ids (empty: any id is accepted).
    pub warehouses: Vec<String>,
}

/// Everything a request handler needs.
pub struct App {
    /// The metastore state.
    pub store: Mutex<Store>,
    /// Faults and request log.
    pub faults: Mutex<Faults>,
    /// SQL statements.
    pub statements: Mutex<Statements>,
    /// Fixed settings.
    pub settings: Settings,
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking handler must not wedge
/// the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
