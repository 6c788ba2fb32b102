//! Persistence behind one trait: the embedded sled store now, PostgreSQL later.
//!
//! The store keeps the whole directory in memory and hands each change set to a backend as
//! one atomic unit. `commit` makes the set visible to later reads of the backend (and
//! atomic: all or nothing across a crash); `sync` returns once everything committed so far
//! is durable. A backend whose commit is already durable (PostgreSQL) makes `sync` a no-op.

mod memory;
mod sled_backend;

use std::future::Future;
use std::pin::Pin;

pub use memory::MemoryBackend;
pub use sled_backend::SledBackend;

use crate::error::BackendError;
use crate::events::{DeviceEventRecord, EventFilter};
use crate::model::Id;
use crate::record::{AuditEntry, Change, Record};

pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

pub trait Backend: Send + Sync + 'static {
    /// Every record (audit entries excluded), for building the in-memory directory at start.
    fn load(&self) -> Result<Vec<Record>, BackendError>;

    /// Applies the change set atomically.
    fn commit<'a>(&'a self, changes: &'a [Change]) -> BackendFuture<'a, ()>;

    /// The bytes of a committed blob (`Change::PutBlob`).
    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError>;

    /// Waits until every committed change is durable.
    fn sync(&self) -> BackendFuture<'_, ()>;

    /// Appends device events; durable within the backend's flush interval.
    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError>;

    /// Appends a captured image's event with its bytes (`capture_image_key`), together.
    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError>;

    /// Events of a community with `seq < before_seq` that match, newest first. Scans at
    /// most `scan_limit` events so a narrow filter cannot make a request unbounded.
    fn events_page(
        &self,
        community_id: Id,
        before_seq: u64,
        filter: &EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<DeviceEventRecord>, BackendError>;

    /// Deletes the events of a community that match `remove`, and all but the newest
    /// `keep`, with the images of captures among them; returns how many went.
    fn prune_events(
        &self,
        community_id: Id,
        keep: usize,
        remove: &dyn Fn(&DeviceEventRecord) -> bool,
    ) -> Result<usize, BackendError>;

    /// Every device's stored Last Connection (`last_seen`).
    fn load_last_seen(&self) -> Result<Vec<(Id, crate::last_seen::LastSeen)>, BackendError>;

    /// Writes these Last Connections and removes those of `gone` devices; durable within
    /// the backend's flush interval.
    fn put_last_seen(
        &self,
        entries: &[(Id, crate::last_seen::LastSeen)],
        gone: &[Id],
    ) -> Result<(), BackendError>;

    /// Audit entries of one installer with `seq < before_seq`, newest first.
    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, BackendError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventKind, capture_image_key};

    fn event(seq: u64, kind: EventKind) -> DeviceEventRecord {
        DeviceEventRecord {
            seq,
            community_id: 7,
            device_id: 1,
            device_name: "Gate".into(),
            mac: "0C1100000001".into(),
            apartment_id: None,
            at_ms: seq as i64,
            received_ms: seq as i64,
            kind,
        }
    }

    fn capture(seq: u64) -> DeviceEventRecord {
        event(
            seq,
            EventKind::Capture {
                reason: "motion".into(),
                content_type: "image/png".into(),
                width: 1,
                height: 1,
                size: 3,
            },
        )
    }

    /// Both backends keep a capture's bytes with its event and drop them together.
    fn captures_go_with_their_events(b: &dyn Backend) {
        for seq in 1..=3 {
            b.append_capture(&capture(seq), &[seq as u8; 3]).unwrap();
        }
        b.append_events(&[event(
            4,
            EventKind::ArmingState {
                mode: "home".into(),
            },
        )])
        .unwrap();
        assert_eq!(b.blob(&capture_image_key(7, 2)).unwrap(), Some(vec![2; 3]));
        let only = EventFilter {
            kind: "capture".into(),
            ..EventFilter::default()
        };
        let listed = b.events_page(7, u64::MAX, &only, 10, 100).unwrap();
        assert_eq!(listed.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2, 1]);
        // Three may stay: capture 2 goes by the filter, capture 1 by the count.
        let removed = b.prune_events(7, 3, &|e| e.seq == 2).unwrap();
        assert_eq!(removed, 2);
        assert_eq!(b.blob(&capture_image_key(7, 1)).unwrap(), None);
        assert_eq!(b.blob(&capture_image_key(7, 2)).unwrap(), None);
        assert_eq!(b.blob(&capture_image_key(7, 3)).unwrap(), Some(vec![3; 3]));
        assert!(b.load().unwrap().is_empty(), "images are not records");
    }

    #[test]
    fn memory_keeps_captures_with_their_events() {
        captures_go_with_their_events(&MemoryBackend::new());
    }

    #[test]
    fn sled_keeps_captures_with_their_events() {
        let dir = tempfile::tempdir().unwrap();
        captures_go_with_their_events(&SledBackend::open(dir.path()).unwrap());
    }
}
