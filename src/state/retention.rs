//! **Retention** of saved snapshots (`brickkit snapshot prune`): which snapshots a policy
//! keeps, and why, in the manner of restic's `forget` — the newest `last` snapshots, the
//! newest snapshot of each of the most recent `daily` UTC days, and the newest of each of the
//! most recent `weekly` ISO weeks — applied to **each lineage on its own** (the snapshots of
//! one workspace and scope), so a busy dev workspace never pushes a production workspace's
//! snapshots out.
//!
//! The newest snapshot of every lineage is always kept, whatever the policy. Pure: manifests
//! in, decisions out; it never touches a file (the store removes, the app decides when).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Timestamp;
use crate::state::Manifest;

/// How many snapshots to keep per lineage. At least one figure must be non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// The newest `last` snapshots.
    pub last: usize,
    /// The newest snapshot of each of the most recent `daily` days (UTC) that have one.
    pub daily: usize,
    /// The newest snapshot of each of the most recent `weekly` ISO weeks that have one.
    pub weekly: usize,
}

impl Policy {
    /// True when the policy names no figure: it would keep only the newest snapshot of each
    /// lineage, which is never what someone meant (the CLI refuses it).
    pub fn is_empty(&self) -> bool {
        self.last == 0 && self.daily == 0 && self.weekly == 0
    }
}

/// Why a snapshot is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The newest of its lineage (always kept).
    Newest,
    /// One of the newest `last`.
    Last,
    /// The newest of its UTC day.
    Daily,
    /// The newest of its ISO week.
    Weekly,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Newest => "newest",
            Reason::Last => "last",
            Reason::Daily => "daily",
            Reason::Weekly => "weekly",
        }
    }
}

/// The decision for one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Position of the snapshot in the caller's list.
    pub index: usize,
    /// Every reason it is kept; empty = remove.
    pub keep: BTreeSet<Reason>,
}

impl Decision {
    pub fn kept(&self) -> bool {
        !self.keep.is_empty()
    }
}

/// Decide for every manifest (in the caller's order): lineage by lineage, newest first by
/// `(taken_at, snapshot_id)`.
pub fn decide(manifests: &[&Manifest], policy: Policy) -> Vec<Decision> {
    let mut by_lineage: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, m) in manifests.iter().enumerate() {
        by_lineage.entry(m.lineage.as_str()).or_default().push(i);
    }
    let mut out: Vec<Decision> = (0..manifests.len())
        .map(|index| Decision {
            index,
            keep: BTreeSet::new(),
        })
        .collect();
    for idx in by_lineage.values_mut() {
        idx.sort_by(|&a, &b| {
            let (ma, mb) = (manifests[a], manifests[b]);
            (mb.taken_at, &mb.snapshot_id).cmp(&(ma.taken_at, &ma.snapshot_id))
        });
        if let Some(&newest) = idx.first() {
            out[newest].keep.insert(Reason::Newest);
        }
        for &i in idx.iter().take(policy.last) {
            out[i].keep.insert(Reason::Last);
        }
        keep_per_bucket(idx, manifests, policy.daily, day, Reason::Daily, &mut out);
        keep_per_bucket(
            idx,
            manifests,
            policy.weekly,
            iso_week,
            Reason::Weekly,
            &mut out,
        );
    }
    out
}

/// Walk newest first; the first snapshot of each new bucket is kept, for `n` buckets.
fn keep_per_bucket(
    newest_first: &[usize],
    manifests: &[&Manifest],
    n: usize,
    bucket: fn(Timestamp) -> (i64, u32),
    reason: Reason,
    out: &mut [Decision],
) {
    let mut seen = 0;
    let mut last = None;
    for &i in newest_first {
        if seen == n {
            break;
        }
        let b = bucket(manifests[i].taken_at);
        if last != Some(b) {
            last = Some(b);
            seen += 1;
            out[i].keep.insert(reason);
        }
    }
}

/// The UTC day of an instant, as (days since the epoch, 0).
fn day(t: Timestamp) -> (i64, u32) {
    (t.millis().div_euclid(86_400_000), 0)
}

/// The ISO 8601 week of an instant: (ISO year, week 1..=53). Weeks start on Monday; week 1
/// holds the year's first Thursday.
fn iso_week(t: Timestamp) -> (i64, u32) {
    let days = t.millis().div_euclid(86_400_000);
    // 1970-01-01 was a Thursday: weekday 0 = Monday.
    let weekday = (days + 3).rem_euclid(7);
    // The Thursday of this week decides the ISO year.
    let thursday = days - weekday + 3;
    let (year, ..) = Timestamp(thursday * 86_400_000).to_civil();
    let jan1 = Timestamp::from_civil(year, 1, 1, 0, 0, 0, 0).millis() / 86_400_000;
    let week = (thursday - jan1) / 7 + 1;
    (year, week as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(lineage: &str, y: i64, mo: u32, d: u32, h: u32) -> Manifest {
        let t = Timestamp::from_civil(y, mo, d, h, 0, 0, 0);
        Manifest {
            snapshot_id: format!(
                "{y:04}{mo:02}{d:02}T{h:02}0000000Z-0000000{}",
                lineage.len()
            ),
            lineage: lineage.into(),
            taken_at: t,
            ..Manifest::default()
        }
    }

    fn kept(ms: &[Manifest], p: Policy) -> Vec<(String, Vec<&'static str>)> {
        let refs: Vec<&Manifest> = ms.iter().collect();
        decide(&refs, p)
            .into_iter()
            .filter(|d| d.kept())
            .map(|d| {
                (
                    ms[d.index].snapshot_id[..11].to_string(),
                    d.keep.iter().map(|r| r.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn iso_weeks_match_the_calendar() {
        let w = |y, mo, d| iso_week(Timestamp::from_civil(y, mo, d, 12, 0, 0, 0));
        assert_eq!(w(2026, 12, 2), (2026, 49));
        assert_eq!(w(2021, 1, 3), (2020, 53)); // a Sunday still in 2020's last week
        assert_eq!(w(2021, 1, 4), (2021, 1));
        assert_eq!(w(2024, 12, 30), (2025, 1)); // a Monday already in 2025's first week
        assert_eq!(w(1970, 1, 1), (1970, 1));
    }

    #[test]
    fn newest_is_kept_whatever_the_policy() {
        let ms = vec![m("a", 2026, 1, 1, 0), m("a", 2026, 1, 2, 0)];
        assert_eq!(
            kept(&ms, Policy::default()),
            vec![("20260102T00".into(), vec!["newest"])]
        );
    }

    #[test]
    fn last_daily_and_weekly_combine_per_lineage() {
        // Lineage a: two snapshots a day for 10 days (Nov 23 .. Dec 2, 2026); lineage b: one,
        // older than all of them.
        let mut ms = Vec::new();
        for d in 0..10 {
            let (mo, day) = if d < 8 { (11, 23 + d) } else { (12, d - 7) };
            ms.push(m("a", 2026, mo, day, 6));
            ms.push(m("a", 2026, mo, day, 18));
        }
        ms.push(m("b", 2026, 1, 1, 0));
        let p = Policy {
            last: 3,
            daily: 4,
            weekly: 2,
        };
        let mut got = kept(&ms, p);
        got.sort();
        // Dec 2 2026 is a Wednesday: ISO week 49 runs Nov 30 .. Dec 6, week 48 Nov 23 .. 29.
        let want: Vec<(String, Vec<&str>)> = vec![
            // Lineage b's only snapshot is the newest of its lineage, day and week.
            (
                "20260101T00".into(),
                vec!["newest", "last", "daily", "weekly"],
            ),
            ("20261129T18".into(), vec!["daily", "weekly"]),
            ("20261130T18".into(), vec!["daily"]),
            ("20261201T18".into(), vec!["last", "daily"]),
            ("20261202T06".into(), vec!["last"]),
            (
                "20261202T18".into(),
                vec!["newest", "last", "daily", "weekly"],
            ),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn order_of_the_input_does_not_matter() {
        let mut ms = Vec::new();
        for d in 1..=20u32 {
            ms.push(m("a", 2026, 11, d, (d * 7) % 24));
        }
        let p = Policy {
            last: 2,
            daily: 3,
            weekly: 2,
        };
        let a = kept(&ms, p);
        ms.reverse();
        let mut b = kept(&ms, p);
        b.reverse();
        let mut a2 = a.clone();
        a2.sort();
        b.sort();
        assert_eq!(a2, b);
    }
}
