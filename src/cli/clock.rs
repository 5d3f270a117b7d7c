//! The clock: the only place brickkit reads the wall-clock time. The library never does;
//! commands pass the time in (report timestamps, snapshot `taken_at`).

use std::time::{SystemTime, UNIX_EPOCH};

use brickkit::model::Timestamp;

/// Now, in epoch milliseconds (0 if the system clock is before 1970).
pub fn now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// A few bits of entropy for snapshot ids: sub-second nanoseconds mixed with the process id.
pub fn entropy() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id().rotate_left(16)
}
