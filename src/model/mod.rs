//! Shared vocabulary of brickkit: securable kinds, privileges, severities, timestamps and
//! row filter / column mask arguments, SQL quoting, and the shared string of the snapshot
//! rows ([`Text`]).
//!
//! Owns the nouns every other module speaks. It must never do IO, never depend on another
//! module of this crate, and never derive `Serialize`: persisted formats keep their own
//! mirror types.

mod kind;
mod origin;
mod policy_arg;
mod privilege;
mod severity;
pub mod sql;
mod text;
mod time;

pub use kind::SecurableKind;
pub use origin::Origin;
pub use policy_arg::{PolicyArg, display_args, looks_like_literal};
pub use privilege::{applicable_privileges, normalize_privilege, privilege_applies};
pub use severity::Severity;
pub use text::Text;
pub use time::Timestamp;
