//! A backend that keeps everything in memory: for unit tests and benchmarks of the
//! directory alone. Same atomicity as sled (a change set applies under one lock).

use std::collections::BTreeMap;
use std::sync::Mutex;

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

#[derive(Default)]
pub struct MemoryBackend {
    records: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic while holding this lock cannot leave a half-applied set: the map is
        // only modified after every value is encoded.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LocalBackend for MemoryBackend {
    fn load(&self) -> Result<Vec<Record>, BackendError> {
        self.records()
            .iter()
            .filter(|(k, _)| {
                !k.starts_with(AUDIT_PREFIX)
                    && !k.starts_with(BLOB_PREFIX)
                    && !k.starts_with(EVENT_PREFIX)
                    && !k.starts_with(LAST_SEEN_PREFIX)
                    && !k.starts_with(MAIL_PREFIX)
            })
            .map(|(k, v)| {
                serde_json::from_slice(v).map_err(|source| BackendError::Decode {
                    key: k.clone(),
                    source,
                })
            })
            .collect()
    }

    fn commit<'a>(&'a self, changes: &'a [Change]) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let mut encoded = Vec::with_capacity(changes.len());
            let mut records = self.records();
            for change in changes {
                encoded.push(match change {
                    Change::Put(r) => (r.key().encode(), Some(serde_json::to_vec(r)?)),
                    Change::Delete(k) => (k.encode(), None),
                    Change::Audit(e) => (e.key(), Some(serde_json::to_vec(e)?)),
                    Change::PutBlob(k, v) => (k.clone(), Some(v.to_vec())),
                    Change::DeleteBlob(k) => (k.clone(), None),
                    Change::QueueMail(m) => {
                        let key = outbox::dedupe_key(&m.dedupe);
                        let queued =
                            records.contains_key(&key) || encoded.iter().any(|(k, _)| *k == key);
                        if !queued {
                            encoded.extend(outbox::queued_entries(m)?);
                        }
                        continue;
                    }
                });
            }
            for (k, v) in encoded {
                match v {
                    Some(v) => records.insert(k, v),
                    None => records.remove(&k),
                };
            }
            Ok(())
        })
    }

    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.records().get(key).cloned())
    }

    fn sync(&self) -> BackendFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError> {
        let mut encoded = Vec::with_capacity(events.len());
        for e in events {
            encoded.push((event_key(e.community_id, e.seq), serde_json::to_vec(e)?));
        }
        self.records().extend(encoded);
        Ok(())
    }

    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError> {
        let encoded = serde_json::to_vec(event)?;
        let mut records = self.records();
        records.insert(event_key(event.community_id, event.seq), encoded);
        records.insert(
            capture_image_key(event.community_id, event.seq),
            image.to_vec(),
        );
        Ok(())
    }

    fn load_last_seen(&self) -> Result<Vec<(Id, LastSeen)>, BackendError> {
        let records = self.records();
        let mut out = Vec::new();
        for (k, v) in records.range(LAST_SEEN_PREFIX.to_owned()..) {
            let Some(n) = k.strip_prefix(LAST_SEEN_PREFIX) else {
                break;
            };
            let seen = serde_json::from_slice(v).map_err(|source| BackendError::Decode {
                key: k.clone(),
                source,
            })?;
            if let Ok(id) = n.parse() {
                out.push((id, seen));
            }
        }
        Ok(out)
    }

    fn put_last_seen(&self, entries: &[(Id, LastSeen)], gone: &[Id]) -> Result<(), BackendError> {
        let mut encoded = Vec::with_capacity(entries.len());
        for (id, seen) in entries {
            encoded.push((last_seen_key(*id), serde_json::to_vec(seen)?));
        }
        let mut records = self.records();
        records.extend(encoded);
        for id in gone {
            records.remove(&last_seen_key(*id));
        }
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
        let records = self.records();
        let mut out = Vec::new();
        for (k, v) in records
            .range(event_key(community_id, 0)..event_key(community_id, before_seq))
            .rev()
            .take(scan_limit)
        {
            let e: DeviceEventRecord =
                serde_json::from_slice(v).map_err(|source| BackendError::Decode {
                    key: k.clone(),
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
        let mut records = self.records();
        let keys: Vec<String> = records
            .range(event_key(community_id, 0)..event_key(community_id, u64::MAX))
            .rev()
            .enumerate()
            .filter(|(i, (_, v))| {
                *i >= keep
                    || serde_json::from_slice::<DeviceEventRecord>(v).map_or(true, |e| remove(&e))
            })
            .map(|(_, (k, _))| k.clone())
            .collect();
        for k in &keys {
            records.remove(k);
            let image = capture_image_key_of(k.as_bytes());
            records.remove(String::from_utf8_lossy(&image).as_ref());
        }
        Ok(keys.len())
    }

    fn mail_due(&self, now_ms: i64, limit: usize) -> Result<Vec<MailMessage>, BackendError> {
        let records = self.records();
        let (start, end) = outbox::due_range(now_ms);
        records
            .range(start..end)
            .filter_map(|(k, _)| outbox::id_of_due_key(k.as_bytes()))
            .take(limit)
            .filter_map(|id| {
                let key = outbox::message_key(id);
                records.get(&key).map(|v| decode(&key, v))
            })
            .collect()
    }

    fn settle_mail(&self, before: &MailMessage, after: &MailMessage) -> Result<(), BackendError> {
        let entries = outbox::settled_entries(before, after)?;
        let mut records = self.records();
        for (k, v) in entries {
            match v {
                Some(v) => records.insert(k, v),
                None => records.remove(&k),
            };
        }
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
        let records = self.records();
        let mut out = Vec::new();
        for (k, v) in records.range(start..end).rev().take(scan_limit) {
            let m: MailMessage = decode(k, v)?;
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
        let mut records = self.records();
        let mut gone = Vec::new();
        for (k, v) in records.range(start..end) {
            let m: MailMessage = decode(k, v)?;
            if outbox::prunable(&m, now_ms) {
                gone.push(outbox::pruned_keys(&m));
            }
        }
        for k in gone.iter().flatten() {
            records.remove(k);
        }
        Ok(gone.len())
    }

    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, BackendError> {
        let start = audit_key(installer_id, 0);
        let end = audit_key(installer_id, before_seq);
        self.records()
            .range(start..end)
            .rev()
            .take(limit)
            .map(|(k, v)| {
                serde_json::from_slice(v).map_err(|source| BackendError::Decode {
                    key: k.clone(),
                    source,
                })
            })
            .collect()
    }
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, value: &[u8]) -> Result<T, BackendError> {
    serde_json::from_slice(value).map_err(|source| BackendError::Decode {
        key: key.to_owned(),
        source,
    })
}
