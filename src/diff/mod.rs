//! The differ: declared state against a snapshot, securable by securable.
//!
//! [`diff`] indexes the snapshot once by `(kind, lower-case full name)`, then compares every
//! declared securable in parallel (rayon) and returns a [`DiffSet`] in declared order plus
//! the snapshot securables nobody declared. Every comparison goes through the rules in
//! [`normalize`], so spelling differences the platform does not care about are never
//! drift.
//!
//! Pure and synchronous: no IO, no clock, no environment; the same inputs give the same
//! `DiffSet` whatever the thread count. It knows nothing about severity, ignore rules or
//! collection issues: that is `drift`.

mod change;
mod columns;
mod index;
pub mod normalize;
pub mod observe;
mod securable;

use rayon::prelude::*;

use crate::declared::{DeclaredSecurable, DeclaredState};
use crate::state::Snapshot;

pub use change::{
    Action, Change, Diff, DiffSet, FIELD_EXISTS, FIELD_NAME, Presence, Undeclared, Value,
};
pub use index::{Groups, Observed, SnapshotIndex};

use securable::Context;

/// Declared securables per parallel work item.
const CHUNK: usize = 2048;

/// Options of the differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOptions {
    /// List snapshot securables that no declaration matches (`DiffSet::undeclared`).
    pub undeclared: bool,
    /// Check the convention's naming rules against the actual names.
    pub naming: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            undeclared: true,
            naming: true,
        }
    }
}

/// Compare `declared` with `snapshot`. Runs on the current rayon pool.
pub fn diff(declared: &DeclaredState, snapshot: &Snapshot, opts: &DiffOptions) -> DiffSet {
    let index = SnapshotIndex::build(snapshot);
    let ctx = Context::new(&declared.policy);
    // Declared securables are sorted like the index: each chunk walks the index from the
    // previous hit instead of searching it from scratch.
    let results: Vec<(Diff, Option<u32>)> = declared
        .securables
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let (index, ctx) = (&index, &ctx);
            let mut hint = usize::MAX;
            chunk.iter().enumerate().map(move |(j, d)| {
                let (diff, id, next) = diff_one(c * CHUNK + j, d, index, ctx, opts, hint);
                hint = next;
                (diff, id)
            })
        })
        .collect();
    let mut seen = vec![false; if opts.undeclared { index.len() } else { 0 }];
    let mut diffs = Vec::with_capacity(results.len());
    for (d, id) in results {
        if let Some(slot) = id.and_then(|i| seen.get_mut(i as usize)) {
            *slot = true;
        }
        diffs.push(d);
    }
    let undeclared = if opts.undeclared {
        index
            .keys()
            .zip(seen)
            .filter(|(_, s)| !s)
            .map(|((kind, name), _)| Undeclared {
                kind,
                full_name: name.to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    DiffSet { diffs, undeclared }
}

fn diff_one(
    i: usize,
    decl: &DeclaredSecurable,
    index: &SnapshotIndex<'_>,
    ctx: &Context<'_>,
    opts: &DiffOptions,
    hint: usize,
) -> (Diff, Option<u32>, usize) {
    let name = normalize::lower(&decl.full_name);
    let (id, next) = match index.find_from(hint, decl.kind, &name) {
        Ok(id) => (Some(id), id as usize),
        Err(pos) => (None, pos.saturating_sub(1)),
    };
    let mut changes = Vec::new();
    let presence = match id.and_then(|id| index.observed(id)) {
        None => {
            changes.push(Change::new(
                FIELD_EXISTS,
                Value::Bool(true),
                Value::Bool(false),
            ));
            // `Bool(false)` is not empty, so say what it is.
            if let Some(c) = changes.last_mut() {
                c.action = Action::Add;
            }
            Presence::Absent
        }
        Some(obs) => {
            securable::owner(decl, &obs, &mut changes);
            securable::comment(decl, &obs, &mut changes);
            securable::tags(decl, &obs, ctx, &mut changes);
            securable::grants(decl, &obs, ctx, &mut changes);
            securable::properties(decl, &obs, &mut changes);
            columns::row_filter(decl, &obs, &mut changes);
            columns::columns(decl, &obs, &mut changes);
            if opts.naming {
                securable::naming(decl, &obs, ctx, &mut changes);
            }
            changes.sort_by(|a, b| a.field.cmp(&b.field));
            Presence::Present
        }
    };
    (
        Diff {
            kind: decl.kind,
            full_name: decl.full_name.clone(),
            declared_index: i,
            presence,
            changes,
        },
        id,
        next,
    )
}
