//! Persistence behind one trait: the embedded sled store, or PostgreSQL for clusters.
//!
//! The store keeps the whole directory in memory and hands each change set to a backend as
//! one atomic unit. `commit` makes the set visible to later reads of the backend (and
//! atomic: all or nothing across a crash); `sync` returns once everything committed so far
//! is durable. A backend whose commit is already durable (PostgreSQL) makes `sync` a no-op.
//! Reads that may cross a network are futures; appends of device events and Last
//! Connections are not (a networked backend buffers them and writes them in the background).

mod memory;
mod postgres;
mod sled_backend;

use std::future::Future;
use std::pin::Pin;

pub use memory::MemoryBackend;
pub use postgres::{PostgresBackend, fresh_schema_url};
pub use sled_backend::SledBackend;

use crate::error::BackendError;
use crate::events::{DeviceEventRecord, EventFilter};
use crate::model::Id;
use crate::outbox::MailMessage;
use crate::record::{AuditEntry, Change, Record};

pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// The turn to write. In cluster mode (PostgreSQL) it holds the lock that keeps every other
/// node's writes out from before the directory is read until the change set is committed,
/// and brings the change sets other nodes committed that this node has not applied yet, so
/// a write validates against current data. Dropped uncommitted, it gives the turn back.
#[derive(Default)]
pub struct WriteTurn {
    pub(crate) missed: Vec<Vec<Change>>,
    pub(crate) held: Option<postgres::Turn>,
}

impl WriteTurn {
    /// Gives the turn back without writing.
    pub(crate) async fn release(self) {
        if let Some(turn) = self.held {
            turn.release().await;
        }
    }
}

/// Bits of an event or mail id that say which node made it (`Backend::node_slot`).
pub const NODE_SLOT_BITS: u32 = 10;

/// Which events `prune_events` removes besides those past the count.
pub type EventPredicate = dyn Fn(&DeviceEventRecord) -> bool + Send + Sync;

/// A future already resolved: what a backend whose reads never wait returns.
fn ready<'a, T: Send + 'a>(value: Result<T, BackendError>) -> BackendFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

pub trait Backend: Send + Sync + 'static {
    /// Every record (audit entries excluded), for building the in-memory directory at start.
    fn load(&self) -> Result<Vec<Record>, BackendError>;

    /// This node's slot among the nodes sharing the store (cluster mode; 0 on one node):
    /// the low `NODE_SLOT_BITS` of the ids it makes, so two nodes never make the same one.
    fn node_slot(&self) -> u16 {
        0
    }

    /// Change sets other nodes committed that this node has seen in the log but not
    /// applied yet (cluster mode; `None` on one node).
    fn change_log_lag(&self) -> Option<u64> {
        None
    }

    /// Takes the turn to write (see `WriteTurn`); on one node it is empty.
    fn begin_write(&self) -> BackendFuture<'_, WriteTurn>;

    /// Applies the change set atomically, in `turn`, which it ends.
    fn commit<'a>(&'a self, changes: &'a [Change], turn: WriteTurn) -> BackendFuture<'a, ()>;

    /// Change sets other nodes committed that this node has not applied yet, oldest first
    /// (cluster mode; always empty on one node). Counted as applied on return.
    fn changes_since_applied(&self) -> BackendFuture<'_, Vec<Vec<Change>>>;

    /// Returns when other nodes may have committed (a hint: call `changes_since_applied`).
    /// Never returns on one node.
    fn changes_hint(&self) -> BackendFuture<'_, ()>;

    /// Cluster mode: copies firmware image `sha256` (at `path` on this node) where every
    /// node finds it. Nothing to do on one node.
    fn share_image<'a>(
        &'a self,
        sha256: &'a str,
        path: &'a std::path::Path,
    ) -> BackendFuture<'a, ()> {
        let _ = (sha256, path);
        ready(Ok(()))
    }

    /// Cluster mode: writes shared image `sha256` to `dest`; false when it is not shared
    /// (always on one node).
    fn fetch_image<'a>(
        &'a self,
        sha256: &'a str,
        dest: &'a std::path::Path,
    ) -> BackendFuture<'a, bool> {
        let _ = (sha256, dest);
        ready(Ok(false))
    }

    /// Cluster mode: forgets shared image `sha256`.
    fn forget_image<'a>(&'a self, sha256: &'a str) -> BackendFuture<'a, ()> {
        let _ = sha256;
        ready(Ok(()))
    }

    /// Takes or renews lease `name` for `ttl` (cluster mode: work that runs on one node at
    /// a time); whether this process holds it now. One node always does.
    fn hold_lease<'a>(
        &'a self,
        name: &'a str,
        ttl: std::time::Duration,
    ) -> BackendFuture<'a, bool> {
        let _ = (name, ttl);
        ready(Ok(true))
    }

    /// Cluster mode: deletes change sets older than `older_than` from the change log (the
    /// newest always stays); how many. Nothing to do on one node.
    fn prune_change_log(&self, older_than: std::time::Duration) -> BackendFuture<'_, u64> {
        let _ = older_than;
        ready(Ok(0))
    }

    /// Gives lease `name` up if this process holds it, so another node takes it at once.
    fn release_lease<'a>(&'a self, name: &'a str) -> BackendFuture<'a, ()> {
        let _ = name;
        ready(Ok(()))
    }

    /// The bytes of a committed blob (`Change::PutBlob`).
    fn blob<'a>(&'a self, key: &'a str) -> BackendFuture<'a, Option<Vec<u8>>>;

    /// Waits until every committed change is durable.
    fn sync(&self) -> BackendFuture<'_, ()>;

    /// Appends device events; durable within the backend's flush interval.
    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError>;

    /// Appends a captured image's event with its bytes (`capture_image_key`), together.
    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError>;

    /// Events of a community with `seq < before_seq` that match, newest first. Scans at
    /// most `scan_limit` events so a narrow filter cannot make a request unbounded.
    fn events_page<'a>(
        &'a self,
        community_id: Id,
        before_seq: u64,
        filter: &'a EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'a, Vec<DeviceEventRecord>>;

    /// Deletes the events of a community that match `remove`, and all but the newest
    /// `keep`, with the images of captures among them; returns how many went.
    fn prune_events<'a>(
        &'a self,
        community_id: Id,
        keep: usize,
        remove: &'a EventPredicate,
    ) -> BackendFuture<'a, usize>;

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
    fn mail_due(&self, now_ms: i64, limit: usize) -> BackendFuture<'_, Vec<MailMessage>>;

    /// Moves a message from the state it was read in (`before`) to `after`, durably: the
    /// mailer settles a message only after the SMTP server took it, and before the next.
    fn settle_mail<'a>(
        &'a self,
        before: &'a MailMessage,
        after: &'a MailMessage,
    ) -> BackendFuture<'a, ()>;

    /// Outbox messages with `id < before_id`, newest first, of one installer (all with
    /// `None`); scans at most `scan_limit`.
    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'_, Vec<MailMessage>>;

    /// Removes the messages `outbox::prunable` says may go, with their dedupe keys.
    fn prune_mail(&self, now_ms: i64) -> BackendFuture<'_, usize>;

    /// Audit entries of one installer with `seq < before_seq`, newest first.
    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> BackendFuture<'_, Vec<AuditEntry>>;
}

/// A backend whose reads complete without waiting on a network (sled's page cache and
/// disk, memory): it answers in place, and `Backend` comes from the blanket impl below.
pub trait LocalBackend: Send + Sync + 'static {
    fn load(&self) -> Result<Vec<Record>, BackendError>;
    fn commit<'a>(&'a self, changes: &'a [Change]) -> BackendFuture<'a, ()>;
    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError>;
    fn sync(&self) -> BackendFuture<'_, ()>;
    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError>;
    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError>;
    fn events_page(
        &self,
        community_id: Id,
        before_seq: u64,
        filter: &EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<DeviceEventRecord>, BackendError>;
    fn prune_events(
        &self,
        community_id: Id,
        keep: usize,
        remove: &EventPredicate,
    ) -> Result<usize, BackendError>;
    fn load_last_seen(&self) -> Result<Vec<(Id, crate::last_seen::LastSeen)>, BackendError>;
    fn put_last_seen(
        &self,
        entries: &[(Id, crate::last_seen::LastSeen)],
        gone: &[Id],
    ) -> Result<(), BackendError>;
    fn mail_due(&self, now_ms: i64, limit: usize) -> Result<Vec<MailMessage>, BackendError>;
    fn settle_mail(&self, before: &MailMessage, after: &MailMessage) -> Result<(), BackendError>;
    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<MailMessage>, BackendError>;
    fn prune_mail(&self, now_ms: i64) -> Result<usize, BackendError>;
    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, BackendError>;
}

impl<B: LocalBackend> Backend for B {
    fn load(&self) -> Result<Vec<Record>, BackendError> {
        LocalBackend::load(self)
    }

    fn begin_write(&self) -> BackendFuture<'_, WriteTurn> {
        ready(Ok(WriteTurn::default()))
    }

    fn commit<'a>(&'a self, changes: &'a [Change], _turn: WriteTurn) -> BackendFuture<'a, ()> {
        LocalBackend::commit(self, changes)
    }

    fn changes_since_applied(&self) -> BackendFuture<'_, Vec<Vec<Change>>> {
        ready(Ok(Vec::new()))
    }

    fn changes_hint(&self) -> BackendFuture<'_, ()> {
        Box::pin(std::future::pending())
    }

    fn blob<'a>(&'a self, key: &'a str) -> BackendFuture<'a, Option<Vec<u8>>> {
        ready(LocalBackend::blob(self, key))
    }

    fn sync(&self) -> BackendFuture<'_, ()> {
        LocalBackend::sync(self)
    }

    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError> {
        LocalBackend::append_events(self, events)
    }

    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError> {
        LocalBackend::append_capture(self, event, image)
    }

    fn events_page<'a>(
        &'a self,
        community_id: Id,
        before_seq: u64,
        filter: &'a EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'a, Vec<DeviceEventRecord>> {
        ready(LocalBackend::events_page(
            self,
            community_id,
            before_seq,
            filter,
            limit,
            scan_limit,
        ))
    }

    fn prune_events<'a>(
        &'a self,
        community_id: Id,
        keep: usize,
        remove: &'a EventPredicate,
    ) -> BackendFuture<'a, usize> {
        ready(LocalBackend::prune_events(self, community_id, keep, remove))
    }

    fn load_last_seen(&self) -> Result<Vec<(Id, crate::last_seen::LastSeen)>, BackendError> {
        LocalBackend::load_last_seen(self)
    }

    fn put_last_seen(
        &self,
        entries: &[(Id, crate::last_seen::LastSeen)],
        gone: &[Id],
    ) -> Result<(), BackendError> {
        LocalBackend::put_last_seen(self, entries, gone)
    }

    fn mail_due(&self, now_ms: i64, limit: usize) -> BackendFuture<'_, Vec<MailMessage>> {
        ready(LocalBackend::mail_due(self, now_ms, limit))
    }

    fn settle_mail<'a>(
        &'a self,
        before: &'a MailMessage,
        after: &'a MailMessage,
    ) -> BackendFuture<'a, ()> {
        ready(LocalBackend::settle_mail(self, before, after))
    }

    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'_, Vec<MailMessage>> {
        ready(LocalBackend::mail_page(
            self,
            installer_id,
            before_id,
            limit,
            scan_limit,
        ))
    }

    fn prune_mail(&self, now_ms: i64) -> BackendFuture<'_, usize> {
        ready(LocalBackend::prune_mail(self, now_ms))
    }

    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> BackendFuture<'_, Vec<AuditEntry>> {
        ready(LocalBackend::audit_page(
            self,
            installer_id,
            before_seq,
            limit,
        ))
    }
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
    async fn captures_go_with_their_events(b: &dyn Backend) {
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
        assert_eq!(
            b.blob(&capture_image_key(7, 2)).await.unwrap(),
            Some(vec![2; 3])
        );
        let only = EventFilter {
            kind: "capture".into(),
            ..EventFilter::default()
        };
        let listed = b.events_page(7, u64::MAX, &only, 10, 100).await.unwrap();
        assert_eq!(listed.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2, 1]);
        // Three may stay: capture 2 goes by the filter, capture 1 by the count.
        let removed = b.prune_events(7, 3, &|e| e.seq == 2).await.unwrap();
        assert_eq!(removed, 2);
        assert_eq!(b.blob(&capture_image_key(7, 1)).await.unwrap(), None);
        assert_eq!(b.blob(&capture_image_key(7, 2)).await.unwrap(), None);
        assert_eq!(
            b.blob(&capture_image_key(7, 3)).await.unwrap(),
            Some(vec![3; 3])
        );
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
        let first = [
            Change::QueueMail(mail(1, "k1")),
            Change::QueueMail(mail(2, "k1")),
        ];
        b.commit(&first, WriteTurn::default()).await.unwrap();
        let due = b.mail_due(10, 10).await.unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [1]);
        let mut sent = due[0].clone();
        sent.state = crate::outbox::MailState::Sent {
            attempts: 1,
            at_ms: 10,
        };
        b.settle_mail(&due[0], &sent).await.unwrap();
        let second = [
            Change::QueueMail(mail(3, "k1")),
            Change::QueueMail(mail(4, "k2")),
        ];
        b.commit(&second, WriteTurn::default()).await.unwrap();
        assert_eq!(
            b.mail_due(4, 10).await.unwrap(),
            [],
            "not due before its time"
        );
        let due = b.mail_due(10, 10).await.unwrap();
        assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [4]);
        let all = b.mail_page(None, u64::MAX, 10, 100).await.unwrap();
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

    /// A PostgreSQL backend in a schema of its own when the test command gives a server
    /// (`PORTER_TEST_POSTGRES`); `None` leaves the PostgreSQL cases to that run.
    async fn postgres() -> Option<PostgresBackend> {
        let server = std::env::var("PORTER_TEST_POSTGRES").ok()?;
        let url = fresh_schema_url(&server).await.unwrap();
        Some(PostgresBackend::connect(&url, "test").await.unwrap())
    }

    #[tokio::test]
    async fn postgres_queues_mail_once() {
        if let Some(b) = postgres().await {
            mail_is_queued_once_per_dedupe_key(&b).await;
        }
    }

    #[tokio::test]
    async fn postgres_keeps_captures_with_their_events() {
        if let Some(b) = postgres().await {
            captures_go_with_their_events(&b).await;
        }
    }

    #[tokio::test]
    async fn memory_keeps_captures_with_their_events() {
        captures_go_with_their_events(&MemoryBackend::new()).await;
    }

    #[tokio::test]
    async fn sled_keeps_captures_with_their_events() {
        let dir = tempfile::tempdir().unwrap();
        captures_go_with_their_events(&SledBackend::open(dir.path()).unwrap()).await;
    }
}
