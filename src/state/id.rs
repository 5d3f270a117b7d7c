//! Snapshot ids: time-sortable, unique enough, safe as a file or directory name.
//!
//! Owns the id format `YYYYMMDDTHHMMSSmmmZ-<8 hex>`. Never reads the clock or a random
//! source itself: callers pass the time and the entropy in.

use crate::model::Timestamp;

/// Build a snapshot id from the moment it was taken and 32 bits of entropy:
/// `20261127T234236123Z-0a1b2c3d`. Ids sort by time (then by entropy).
pub fn new_snapshot_id(taken_at: Timestamp, entropy: u32) -> String {
    let (y, mo, d, h, mi, s, ms) = taken_at.to_civil();
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}{ms:03}Z-{entropy:08x}")
}

/// True when `id` is usable as a snapshot id: non-empty, at most 128 bytes, only ASCII
/// letters, digits, `-`, `_` and `.`, and not starting with `.` (so it is a safe file name).
pub fn is_valid_snapshot_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        let a = new_snapshot_id(Timestamp::from_civil(2026, 11, 27, 23, 42, 36, 123), 0xdead);
        let b = new_snapshot_id(Timestamp::from_civil(2026, 11, 28, 0, 0, 0, 0), 0x1);
        assert_eq!(a, "20261127T234236123Z-0000dead");
        assert!(a < b);
        assert!(is_valid_snapshot_id(&a));
        assert!(!is_valid_snapshot_id("../etc"));
        assert!(!is_valid_snapshot_id(""));
        assert!(!is_valid_snapshot_id(".hidden"));
    }
}
