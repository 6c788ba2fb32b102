//! Last Connection: when each device last connected, from where, with which firmware and
//! model, kept across restarts. It changes with every session, so it lives beside the
//! directory (no generation, no change feed) under `seen/<device id>`, and is written at
//! most once a minute per device: a fleet reconnecting after an outage updates memory at
//! once and the disk in one batch a minute later, not one write per connection.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::model::Id;

pub const LAST_SEEN_PREFIX: &str = "seen/";

/// How often one device's Last Connection is written at most.
pub const LAST_SEEN_WRITE_INTERVAL: Duration = Duration::from_secs(60);

pub fn last_seen_key(device_id: Id) -> String {
    format!("{LAST_SEEN_PREFIX}{device_id:020}")
}

/// A device's last session as the gateway saw it start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSeen {
    pub at_ms: i64,
    pub remote_address: String,
    pub firmware_version: String,
    pub model: String,
}

struct Entry {
    seen: LastSeen,
    written: Option<Instant>,
    dirty: bool,
}

/// Every device's Last Connection in memory, and which ones the disk is behind on.
#[derive(Default)]
pub(crate) struct LastSeenBook {
    entries: HashMap<Id, Entry>,
}

impl LastSeenBook {
    pub(crate) fn loaded(stored: Vec<(Id, LastSeen)>) -> Self {
        LastSeenBook {
            entries: stored
                .into_iter()
                .map(|(id, seen)| {
                    (
                        id,
                        Entry {
                            seen,
                            written: None,
                            dirty: false,
                        },
                    )
                })
                .collect(),
        }
    }

    pub(crate) fn get(&self, device_id: Id) -> Option<&LastSeen> {
        self.entries.get(&device_id).map(|e| &e.seen)
    }

    /// Records a new session; says whether it should be written now (the device's last
    /// write is a minute old or more), else it waits for `take_due`.
    pub(crate) fn seen(&mut self, device_id: Id, seen: LastSeen, now: Instant) -> bool {
        let entry = self.entries.entry(device_id).or_insert(Entry {
            seen: seen.clone(),
            written: None,
            dirty: true,
        });
        entry.seen = seen;
        let due = entry
            .written
            .is_none_or(|at| now.saturating_duration_since(at) >= LAST_SEEN_WRITE_INTERVAL);
        if due {
            entry.written = Some(now);
            entry.dirty = false;
        } else {
            entry.dirty = true;
        }
        due
    }

    /// The entries the disk is behind on whose minute is over (all of them when `all`),
    /// marked written.
    pub(crate) fn take_due(&mut self, now: Instant, all: bool) -> Vec<(Id, LastSeen)> {
        let mut due = Vec::new();
        for (id, e) in &mut self.entries {
            let ready = all
                || e.written
                    .is_none_or(|at| now.saturating_duration_since(at) >= LAST_SEEN_WRITE_INTERVAL);
            if e.dirty && ready {
                e.dirty = false;
                e.written = Some(now);
                due.push((*id, e.seen.clone()));
            }
        }
        due
    }

    /// Forgets devices that no longer exist; their ids.
    pub(crate) fn retain(&mut self, exists: impl Fn(Id) -> bool) -> Vec<Id> {
        let gone: Vec<Id> = self
            .entries
            .keys()
            .copied()
            .filter(|id| !exists(*id))
            .collect();
        for id in &gone {
            self.entries.remove(id);
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(at_ms: i64) -> LastSeen {
        LastSeen {
            at_ms,
            remote_address: "192.0.2.1:4000".into(),
            firmware_version: "1".into(),
            model: "R29".into(),
        }
    }

    #[test]
    fn a_reconnect_storm_writes_each_device_once_a_minute() {
        let mut book = LastSeenBook::default();
        let t = Instant::now();
        assert!(
            book.seen(7, seen(1), t),
            "the first session is written at once"
        );
        for i in 0..100 {
            assert!(!book.seen(7, seen(2 + i), t + Duration::from_secs(1)));
        }
        assert_eq!(book.get(7), Some(&seen(101)), "memory is always current");
        assert!(book.take_due(t + Duration::from_secs(30), false).is_empty());
        assert_eq!(
            book.take_due(t + Duration::from_secs(60), false),
            vec![(7, seen(101))]
        );
        assert!(book.take_due(t + Duration::from_secs(61), false).is_empty());
        assert!(book.seen(7, seen(200), t + Duration::from_secs(200)));
        assert!(!book.seen(7, seen(201), t + Duration::from_secs(201)));
        assert_eq!(
            book.take_due(t + Duration::from_secs(202), true),
            vec![(7, seen(201))],
            "at shutdown everything pending goes"
        );
        assert_eq!(book.retain(|id| id != 7), vec![7]);
        assert_eq!(book.get(7), None);
    }
}
