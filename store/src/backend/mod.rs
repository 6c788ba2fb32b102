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
