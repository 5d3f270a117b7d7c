//! `Timestamp`: a UTC instant in epoch milliseconds, formatted as RFC 3339 without any
//! time-zone database. The core never reads the clock: callers pass timestamps in.

use std::fmt;

/// A UTC instant, milliseconds since the Unix epoch (the unit the UC API uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Epoch milliseconds.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Civil date and time (year, month, day, hour, minute, second, millisecond) in UTC.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let ms = self.0.rem_euclid(1000) as u32;
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = if m <= 2 { y + 1 } else { y };
        (y, m, d, sod / 3600, (sod / 60) % 60, sod % 60, ms)
    }

    /// Build from a civil UTC date and time.
    pub fn from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32, ms: u32) -> Timestamp {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs = days * 86_400 + i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss);
        Timestamp(secs * 1000 + i64::from(ms))
    }

    /// RFC 3339 in UTC with millisecond precision: `2026-11-27T23:42:36.000Z`.
    pub fn to_rfc3339(self) -> String {
        let (y, mo, d, h, mi, s, ms) = self.to_civil();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }

    /// Parse `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or `+00:00`), or a bare date `YYYY-MM-DD`.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            return None;
        }
        if b.len() == 10 {
            return Some(Timestamp::from_civil(i64::from(y), mo, d, 0, 0, 0, 0));
        }
        if b.len() < 20 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut rest = &s[19..];
        let mut ms = 0u32;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                return None;
            }
            let mut padded = digits.clone();
            padded.truncate(3);
            while padded.len() < 3 {
                padded.push('0');
            }
            ms = padded.parse().ok()?;
            rest = &frac[digits.len()..];
        }
        if rest != "Z" && rest != "+00:00" && rest != "z" {
            return None;
        }
        Some(Timestamp::from_civil(i64::from(y), mo, d, h, mi, sec, ms))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        let t = Timestamp::from_civil(2026, 11, 27, 23, 42, 36, 123);
        assert_eq!(t.to_rfc3339(), "2026-11-27T23:42:36.123Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29"),
            Some(Timestamp::from_civil(2024, 2, 29, 0, 0, 0, 0))
        );
        assert_eq!(Timestamp::parse_rfc3339("2024-13-01"), None);
        assert_eq!(Timestamp::parse_rfc3339("nonsense"), None);
    }

    #[test]
    fn many_days_round_trip() {
        // RFC 3339 covers years 0000-9999: from 0000-01-01 (day -719_528) to 9999-12-31.
        for day in (-719_528i64..2_932_896).step_by(997) {
            let t = Timestamp(day * 86_400_000 + 12_345);
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        }
    }
}
