//! [`Text`]: the shared string of the snapshot row model.
//!
//! A snapshot repeats the same few strings millions of times (a table's full name in ~12
//! rows; principals, privileges, tag keys, column names and types from small vocabularies).
//! `Text` is an immutable, reference-counted string one pointer wide (8 bytes; `Option<Text>`
//! too): cloning it shares the one allocation, and readers hand the same `Text` to every row
//! that holds the value (see `state::store::intern`). It derefs to `str`, compares, orders
//! and hashes as its text, so rows sort and digest exactly as they did with `String`.
//!
//! Owns only the alias: which values are shared is the readers' business, never the
//! model's, and nothing may depend on two equal `Text`s being the same allocation.

/// An immutable shared string: `arcstr::ArcStr` (one thin pointer; literals need no
/// allocation; clone is a reference count increment).
pub type Text = arcstr::ArcStr;
