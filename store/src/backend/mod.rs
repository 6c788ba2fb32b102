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
use crate::outbox::MailMessage;
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

    /// Pending outbox messages due at `now_ms`, earliest first.
    fn mail_due(&self, now_ms: i64, limit: usize) -> Result<Vec<MailMessage>, BackendError>;

    /// Moves a message from the state it was read in (`before`) to `after`, durably: the
    /// mailer settles a message only after the SMTP server took it, and before the next.
    fn settle_mail(&self, before: &MailMessage, after: &MailMessage) -> Result<(), BackendError>;

    /// Outbox messages with `id < before_id`, newest first, of one installer (all with
    /// `None`); scans at most `scan_limit`.
    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<MailMessage>, BackendError>;

    /// Removes the messages `outbox::prunable` says may go, with their dedupe keys.
    fn prune_mail(&self, now_ms: i64) -> Result<usize, BackendError>;

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

    fn mail(id: u64, dedupe: &str) -> MailMessage {
        MailMessage {
            id,
            dedupe: dedupe.into(),
            installer_id: 1,
            to: "a@example.com".into(),
            to_name: "A".into(),
            language: crate::model::Language::English,
            content: crate::outbox::MailContent::Renewal {
                apartment: crate::outbox::ApartmentLine {
                    community_id: 1,
                    community: "C".into(),
                    building: "B".into(),
                    apartment: "101".into(),
                    date: "2027-01-01".into(),
                },
            },
            queued_ms: 0,
            state: crate::outbox::MailState::Pending {
                attempts: 0,
                next_attempt_ms: 5,
                last_error: String::new(),
            },
        }
    }

    /// Both backends queue a dedupe key once, in one set or across sets, even after the
    /// message was sent.
    async fn mail_is_queued_once_per_dedupe_key(b: &dyn Backend) {
        b.commit(&[
            Change::QueueMail(mail(1, "k1")),
            Change::QueueMail(mail(2, "k1")),
        ])
        .await
        .unwrap();
        let due = b.mail_due(10, 10).unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [1]);
        let mut sent = due[0].clone();
        sent.state = crate::outbox::MailState::Sent {
            attempts: 1,
            at_ms: 10,
        };
        b.settle_mail(&due[0], &sent).unwrap();
        b.commit(&[
            Change::QueueMail(mail(3, "k1")),
            Change::QueueMail(mail(4, "k2")),
        ])
        .await
        .unwrap();
        assert_eq!(b.mail_due(4, 10).unwrap(), [], "not due before its time");
        let due = b.mail_due(10, 10).unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [4]);
        let all = b.mail_page(None, u64::MAX, 10, 100).unwrap();
        assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), [4, 1]);
        assert!(b.load().unwrap().is_empty(), "mail is not a record");
    }

    #[tokio::test]
    async fn memory_queues_mail_once() {
        mail_is_queued_once_per_dedupe_key(&MemoryBackend::new()).await;
    }

    #[tokio::test]
    async fn sled_queues_mail_once() {
        let dir = tempfile::tempdir().unwrap();
        mail_is_queued_once_per_dedupe_key(&SledBackend::open(dir.path()).unwrap()).await;
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
