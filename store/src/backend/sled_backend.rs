//! The embedded default: one sled tree, records as JSON under `RecordKey::encode` keys.
//!
//! A change set is one `sled::Batch`, which sled applies atomically (and recovers as a unit
//! after a crash). sled flushes on a timer, so `sync` flushes before a write is acknowledged:
//! the blocking `flush` on a blocking-pool thread (one at a time, shared by every writer
//! waiting meanwhile: group commit), because sled 0.34's `flush_async` deadlocks
//! under concurrent callers in release builds (spacejam/sled#1308; a 16-writer provisioning
//! run hung here within seconds).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{BackendFuture, EventPredicate, LocalBackend};
use crate::error::BackendError;
use crate::events::{
    DeviceEventRecord, EVENT_PREFIX, EventFilter, capture_image_key, capture_image_key_of,
    event_key,
};
use crate::last_seen::{LAST_SEEN_PREFIX, LastSeen, last_seen_key};
use crate::model::Id;
use crate::outbox::{self, MAIL_PREFIX, MailMessage};
use crate::record::{AUDIT_PREFIX, AuditEntry, BLOB_PREFIX, Change, Record, audit_key};

pub struct SledBackend {
    db: sled::Db,
    tree: sled::Tree,
    /// Group commit: commits are numbered, and one flush makes every commit numbered before
    /// it started durable, so writers that arrive during a flush share the next one instead
    /// of queueing one fsync each.
    committed: AtomicU64,
    flushed: AtomicU64,
    flush_turn: tokio::sync::Mutex<()>,
}

impl SledBackend {
    /// Opens (or creates) the store in `dir`. Fails if another process holds it.
    pub fn open(dir: &Path) -> Result<Self, BackendError> {
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(Some(500))
            .open()?;
        let tree = db.open_tree("porter-v1")?;
        Ok(SledBackend {
            db,
            tree,
            committed: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
            flush_turn: tokio::sync::Mutex::new(()),
        })
    }

    fn batch(&self, changes: &[Change]) -> Result<sled::Batch, BackendError> {
        let mut batch = sled::Batch::default();
        let mut queued = std::collections::HashSet::new();
        for change in changes {
            match change {
                Change::Put(record) => {
                    let value = serde_json::to_vec(record)?;
                    batch.insert(record.key().encode().as_bytes(), value);
                }
                Change::Delete(key) => batch.remove(key.encode().as_bytes()),
                Change::Audit(entry) => {
                    batch.insert(entry.key().as_bytes(), serde_json::to_vec(entry)?);
                }
                Change::PutBlob(key, bytes) => batch.insert(key.as_bytes(), bytes.as_ref()),
                Change::DeleteBlob(key) => batch.remove(key.as_bytes()),
                Change::QueueMail(m) => {
                    let seen = self.tree.contains_key(outbox::dedupe_key(&m.dedupe))?;
                    if !seen && queued.insert(m.dedupe.as_str()) {
                        Self::write_entries(&mut batch, outbox::queued_entries(m)?);
                    }
                }
            }
        }
        Ok(batch)
    }

    fn write_entries(batch: &mut sled::Batch, entries: Vec<outbox::KeyWrite>) {
        for (key, value) in entries {
            match value {
                Some(v) => batch.insert(key.as_bytes(), v),
                None => batch.remove(key.as_bytes()),
            }
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T, BackendError> {
        serde_json::from_slice(value).map_err(|source| BackendError::Decode {
            key: String::from_utf8_lossy(key).into_owned(),
            source,
        })
    }
}

impl LocalBackend for SledBackend {
    fn load(&self) -> Result<Vec<Record>, BackendError> {
        let mut out = Vec::new();
        for item in self.tree.iter() {
            let (key, value) = item?;
            if key.starts_with(AUDIT_PREFIX.as_bytes())
                || key.starts_with(BLOB_PREFIX.as_bytes())
                || key.starts_with(EVENT_PREFIX.as_bytes())
                || key.starts_with(LAST_SEEN_PREFIX.as_bytes())
                || key.starts_with(MAIL_PREFIX.as_bytes())
            {
                continue;
            }
            let record = serde_json::from_slice(&value).map_err(|source| BackendError::Decode {
                key: String::from_utf8_lossy(&key).into_owned(),
                source,
            })?;
            out.push(record);
        }
        Ok(out)
    }

    fn commit<'a>(&'a self, changes: &'a [Change]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let batch = self.batch(changes)?;
            self.tree.apply_batch(batch)?;
            self.committed.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }

    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.tree.get(key.as_bytes())?.map(|v| v.to_vec()))
    }

    fn sync(&self) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            // Everything this caller committed is numbered at most `mine`.
            let mine = self.committed.load(Ordering::SeqCst);
            let _turn = self.flush_turn.lock().await;
            if self.flushed.load(Ordering::SeqCst) >= mine {
                // A flush that started after our commit has finished.
                return Ok(());
            }
            let upto = self.committed.load(Ordering::SeqCst);
            let db = self.db.clone();
            tokio::task::spawn_blocking(move || db.flush())
                .await
                .map_err(|e| BackendError::FlushTask(e.to_string()))??;
            self.flushed.store(upto, Ordering::SeqCst);
            Ok(())
        })
    }

    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError> {
        let mut batch = sled::Batch::default();
        for e in events {
            batch.insert(
                event_key(e.community_id, e.seq).as_bytes(),
                serde_json::to_vec(e)?,
            );
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError> {
        let mut batch = sled::Batch::default();
        batch.insert(
            event_key(event.community_id, event.seq).as_bytes(),
            serde_json::to_vec(event)?,
        );
        batch.insert(
            capture_image_key(event.community_id, event.seq).as_bytes(),
            image,
        );
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    fn events_page(
        &self,
        community_id: Id,
        before_seq: u64,
        filter: &EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<DeviceEventRecord>, BackendError> {
        let start = event_key(community_id, 0);
        let end = event_key(community_id, before_seq);
        let mut out = Vec::with_capacity(limit.min(512));
        for item in self
            .tree
            .range(start.as_bytes()..end.as_bytes())
            .rev()
            .take(scan_limit)
        {
            let (key, value) = item?;
            let e: DeviceEventRecord =
                serde_json::from_slice(&value).map_err(|source| BackendError::Decode {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    source,
                })?;
            if filter.matches(&e) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn prune_events(
        &self,
        community_id: Id,
        keep: usize,
        remove: &EventPredicate,
    ) -> Result<usize, BackendError> {
        let start = event_key(community_id, 0);
        let end = event_key(community_id, u64::MAX);
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for (i, item) in self
            .tree
            .range(start.as_bytes()..end.as_bytes())
            .rev()
            .enumerate()
        {
            let (key, value) = item?;
            let drop_it = i >= keep
                || serde_json::from_slice::<DeviceEventRecord>(&value).map_or(true, |e| remove(&e));
            if drop_it {
                // Only a capture has an image; removing an absent key costs nothing.
                batch.remove(capture_image_key_of(&key));
                batch.remove(key);
                removed += 1;
            }
        }
        self.tree.apply_batch(batch)?;
        Ok(removed)
    }

    fn load_last_seen(&self) -> Result<Vec<(Id, LastSeen)>, BackendError> {
        let mut out = Vec::new();
        for item in self.tree.scan_prefix(LAST_SEEN_PREFIX.as_bytes()) {
            let (key, value) = item?;
            let text = String::from_utf8_lossy(&key).into_owned();
            let id = text
                .strip_prefix(LAST_SEEN_PREFIX)
                .and_then(|n| n.parse().ok());
            let seen = serde_json::from_slice(&value).map_err(|source| BackendError::Decode {
                key: text.clone(),
                source,
            })?;
            if let Some(id) = id {
                out.push((id, seen));
            }
        }
        Ok(out)
    }

    fn put_last_seen(&self, entries: &[(Id, LastSeen)], gone: &[Id]) -> Result<(), BackendError> {
        let mut batch = sled::Batch::default();
        for (id, seen) in entries {
            batch.insert(last_seen_key(*id).as_bytes(), serde_json::to_vec(seen)?);
        }
        for id in gone {
            batch.remove(last_seen_key(*id).as_bytes());
        }
        self.tree.apply_batch(batch)?;
        // Counted like a commit, so a later `sync` flushes it too.
        self.committed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn mail_due(&self, now_ms: i64, limit: usize) -> Result<Vec<MailMessage>, BackendError> {
        let (start, end) = outbox::due_range(now_ms);
        let mut out = Vec::with_capacity(limit.min(256));
        for item in self.tree.range(start.as_bytes()..end.as_bytes()) {
            if out.len() >= limit {
                break;
            }
            let (key, _) = item?;
            let Some(id) = outbox::id_of_due_key(&key) else {
                continue;
            };
            let message_key = outbox::message_key(id);
            if let Some(value) = self.tree.get(message_key.as_bytes())? {
                out.push(Self::decode(message_key.as_bytes(), &value)?);
            }
        }
        Ok(out)
    }

    fn settle_mail(&self, before: &MailMessage, after: &MailMessage) -> Result<(), BackendError> {
        let mut batch = sled::Batch::default();
        Self::write_entries(&mut batch, outbox::settled_entries(before, after)?);
        self.tree.apply_batch(batch)?;
        self.committed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<MailMessage>, BackendError> {
        let (start, end) = outbox::message_range(before_id);
        let mut out = Vec::with_capacity(limit.min(512));
        for item in self
            .tree
            .range(start.as_bytes()..end.as_bytes())
            .rev()
            .take(scan_limit)
        {
            let (key, value) = item?;
            let m: MailMessage = Self::decode(&key, &value)?;
            if installer_id.is_none_or(|i| i == m.installer_id) {
                out.push(m);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn prune_mail(&self, now_ms: i64) -> Result<usize, BackendError> {
        let (start, end) = outbox::message_range(u64::MAX);
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for item in self.tree.range(start.as_bytes()..end.as_bytes()) {
            let (key, value) = item?;
            let m: MailMessage = Self::decode(&key, &value)?;
            if outbox::prunable(&m, now_ms) {
                for k in outbox::pruned_keys(&m) {
                    batch.remove(k.as_bytes());
                }
                removed += 1;
            }
        }
        self.tree.apply_batch(batch)?;
        Ok(removed)
    }

    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, BackendError> {
        let start = audit_key(installer_id, 0);
        let end = audit_key(installer_id, before_seq);
        let mut out = Vec::with_capacity(limit.min(512));
        for item in self.tree.range(start.as_bytes()..end.as_bytes()).rev() {
            if out.len() >= limit {
                break;
            }
            let (key, value) = item?;
            let entry = serde_json::from_slice(&value).map_err(|source| BackendError::Decode {
                key: String::from_utf8_lossy(&key).into_owned(),
                source,
            })?;
            out.push(entry);
        }
        Ok(out)
    }
}
