//! `Store`: the directory in memory, a backend underneath, and the one write path.
//!
//! A write runs a closure against a read-only view of the directory and collects its
//! changes in a `Txn`. Nothing is visible until the closure succeeded and the backend
//! committed the whole set; a rejected request therefore writes nothing. Writers are
//! serialised; readers never wait for the disk. The caller gets its answer only after the
//! backend reports the set durable.

use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::backend::{Backend, MemoryBackend, PostgresBackend, SledBackend};
use crate::clock::{Clock, SystemClock};
use crate::directory::{Actor, Directory};
use crate::error::{BackendError, Result, StoreError};
use crate::model::Id;
use crate::record::{AuditEntry, Change, Meta, Record, RecordKey};

/// Highest sequence number in one SIP number space of an installer.
const MAX_SIP_SEQ: u32 = 99_999;

/// The two SIP number spaces of an installer (as in the manual: `5926000039` for a family,
/// `5926100185` for a device).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SipSpace {
    Family,
    DeviceOrApp,
}

/// First SIP prefix handed to an installer.
const FIRST_SIP_PREFIX: u32 = 1000;

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    dir: RwLock<Directory>,
    /// Counter behind event and mail ids (`next_event_seq`): milliseconds since the epoch
    /// × 1024 at start, then counting, so ids keep increasing across restarts.
    event_seq: std::sync::atomic::AtomicU64,
    /// The backend's node slot, the low bits of every id this node makes.
    node_slot: u64,
    sealer: crate::secrets::Sealer,
    /// SIP passwords opened for digest checks (`sip_account`), decrypted once each.
    sip_passwords: crate::secrets::OpenedSecrets,
    writer: tokio::sync::Mutex<()>,
    backend: Box<dyn Backend>,
    clock: Arc<dyn Clock>,
    changes: tokio::sync::broadcast::Sender<ChangedCommunities>,
    revocations: tokio::sync::broadcast::Sender<Revocations>,
    /// Communities whose access credentials changed (`subscribe_credential_changes`).
    credential_changes: tokio::sync::broadcast::Sender<ChangedCommunities>,
    /// Sessions and device events as they happen (`live`).
    live: tokio::sync::broadcast::Sender<crate::live::LiveUpdate>,
    /// Counts applied writes: what was read at one value may be stale at the next.
    generation: std::sync::atomic::AtomicU64,
    /// Cluster mode: whether the last attempt to apply other nodes' writes failed
    /// (`FOLLOW_*`).
    follow_failing: std::sync::atomic::AtomicU8,
    /// Every device's Last Connection (`last_seen`).
    last_seen: std::sync::Mutex<crate::last_seen::LastSeenBook>,
    /// Woken after a write that queued email (`ops::mail`).
    mail_queued: tokio::sync::Notify,
    /// MACs of other libraries tried, per installer (`ops::macs`).
    mac_conflicts: crate::auth_failures::AuthFailures<Id>,
}

/// How following other nodes' writes last went (`Inner::follow_failing`).
const FOLLOW_OK: u8 = 0;
const FOLLOW_UNREACHABLE: u8 = 1;
const FOLLOW_FELL_BEHIND: u8 = 2;

/// What applying one change set changed, for the feeds.
struct Applied {
    revoked: Vec<crate::revocation::Revocation>,
    touched: Vec<Id>,
    credentials: Vec<Id>,
}

/// The communities one write touched (their devices' configuration may have changed).
pub type ChangedCommunities = Arc<[Id]>;

/// The sessions one write ended (see `revocation`).
pub type Revocations = Arc<[crate::revocation::Revocation]>;

/// Writes a slow subscriber may fall behind by before it is told it lagged.
const CHANGE_FEED_DEPTH: usize = 256;
/// SIP passwords kept opened: every account of a large node (about 40 MB when full).
const SIP_PASSWORDS_KEPT: usize = 262_144;

impl Store {
    /// Opens the embedded sled store in `dir` (created if missing).
    pub fn open_sled(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::error::BackendError::Sled(sled::Error::Io(e)))?;
        let sealer = crate::secrets::Sealer::load_or_create(&dir.join("secret.key"))?;
        Self::with_backend(
            Box::new(SledBackend::open(dir)?),
            Arc::new(SystemClock),
            sealer,
        )
    }

    /// Opens the store on PostgreSQL at `url` (migrating its schema). `sealer` must be the
    /// same on every node that opens this database.
    /// `node` names this node in the change log.
    pub async fn open_postgres(
        url: &str,
        node: &str,
        clock: Arc<dyn Clock>,
        sealer: crate::secrets::Sealer,
    ) -> Result<Self> {
        let backend = PostgresBackend::connect(url, node).await?;
        Self::with_backend(Box::new(backend), clock, sealer)
    }

    /// A store that lives in memory only (tests, benchmarks).
    pub fn in_memory(clock: Arc<dyn Clock>) -> Self {
        // An empty memory backend always loads.
        let sealer = match crate::secrets::Sealer::ephemeral() {
            Ok(s) => s,
            Err(e) => panic!("no randomness for a secret key: {e}"),
        };
        match Self::with_backend(Box::new(MemoryBackend::new()), clock, sealer) {
            Ok(store) => store,
            Err(_) => unreachable!("an empty memory backend has nothing to decode"),
        }
    }

    pub fn with_backend(
        backend: Box<dyn Backend>,
        clock: Arc<dyn Clock>,
        sealer: crate::secrets::Sealer,
    ) -> Result<Self> {
        let mut dir = Directory::from_records(backend.load()?);
        let mut last_seen = crate::last_seen::LastSeenBook::loaded(backend.load_last_seen()?);
        let gone = last_seen.retain(|id| dir.device(id).is_some());
        if !gone.is_empty() {
            backend.put_last_seen(&[], &gone)?;
        }
        if dir.meta == Meta::default() {
            dir.meta = Meta {
                next_id: 1,
                next_sip_prefix: FIRST_SIP_PREFIX,
                next_audit_seq: 1,
            };
        }
        Ok(Store {
            inner: Arc::new(Inner {
                event_seq: std::sync::atomic::AtomicU64::new((clock.now_ms().max(0) as u64) << 10),
                node_slot: u64::from(backend.node_slot()),
                dir: RwLock::new(dir),
                sealer,
                sip_passwords: crate::secrets::OpenedSecrets::new(SIP_PASSWORDS_KEPT),
                writer: tokio::sync::Mutex::new(()),
                backend,
                clock,
                changes: tokio::sync::broadcast::channel(CHANGE_FEED_DEPTH).0,
                revocations: tokio::sync::broadcast::channel(CHANGE_FEED_DEPTH).0,
                credential_changes: tokio::sync::broadcast::channel(CHANGE_FEED_DEPTH).0,
                live: tokio::sync::broadcast::channel(crate::live::LIVE_FEED_DEPTH).0,
                generation: std::sync::atomic::AtomicU64::new(0),
                follow_failing: std::sync::atomic::AtomicU8::new(FOLLOW_OK),
                last_seen: std::sync::Mutex::new(last_seen),
                mail_queued: tokio::sync::Notify::new(),
                mac_conflicts: crate::auth_failures::AuthFailures::new(
                    crate::auth_failures::AuthFailureLimits {
                        max_failures: crate::ops::macs::MAX_MAC_CONFLICTS,
                        window: crate::ops::macs::MAC_CONFLICT_WINDOW,
                        max_tracked: 10_000,
                    },
                ),
            }),
        })
    }

    /// Changes with every applied write; a value read from the directory together with a
    /// generation is current while the generation is.
    pub fn generation(&self) -> u64 {
        self.inner
            .generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// After every write, the communities it touched. A receiver that lagged behind should
    /// treat every community as changed.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<ChangedCommunities> {
        self.inner.changes.subscribe()
    }

    /// After every write that changed access credentials, the communities whose
    /// credential version moved on. A receiver that lagged behind should treat every
    /// community as changed.
    pub fn subscribe_credential_changes(
        &self,
    ) -> tokio::sync::broadcast::Receiver<ChangedCommunities> {
        self.inner.credential_changes.subscribe()
    }

    /// After every write that ended sessions, which (see `revocation`). Sent before the
    /// writer is answered. A receiver that lagged behind must check every session it holds
    /// (`binding_revoked`).
    pub fn subscribe_revocations(&self) -> tokio::sync::broadcast::Receiver<Revocations> {
        self.inner.revocations.subscribe()
    }

    /// Why a session bound as `binding` may no longer act for its device, judged against
    /// the directory now; `None` while it may.
    pub fn binding_revoked(
        &self,
        binding: &crate::revocation::DeviceBinding,
    ) -> Option<crate::revocation::RevokeReason> {
        self.read(|dir| binding.revoked_by(dir.device(binding.device_id)))
    }

    pub(crate) fn live_feed(&self) -> &tokio::sync::broadcast::Sender<crate::live::LiveUpdate> {
        &self.inner.live
    }

    fn last_seen_book(&self) -> std::sync::MutexGuard<'_, crate::last_seen::LastSeenBook> {
        self.inner
            .last_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// A device started a session: its Last Connection, in memory now and on disk within a
    /// minute (at once when the device's last write is older).
    pub fn device_seen(&self, device_id: Id, seen: crate::last_seen::LastSeen) -> Result<()> {
        let write = self
            .last_seen_book()
            .seen(device_id, seen.clone(), std::time::Instant::now());
        self.publish_live(|| {
            let community_id = self.read(|d| d.device(device_id).map(|dev| dev.community_id))?;
            Some(crate::live::LiveUpdate::DeviceStatus(
                crate::live::DeviceStatus {
                    community_id,
                    device_id,
                    online: true,
                    at_ms: seen.at_ms,
                    remote_address: seen.remote_address.clone(),
                    firmware_version: seen.firmware_version.clone(),
                    model: seen.model.clone(),
                },
            ))
        });
        if write {
            self.inner
                .backend
                .put_last_seen(&[(device_id, seen)], &[])?;
        }
        Ok(())
    }

    /// A device's last session, if it ever connected (and still exists).
    pub fn last_seen(&self, device_id: Id) -> Option<crate::last_seen::LastSeen> {
        let seen = self.last_seen_book().get(device_id).cloned()?;
        self.read(|dir| dir.device(device_id).is_some())
            .then_some(seen)
    }

    /// Writes the Last Connections whose minute is over (every pending one when `all`, at
    /// shutdown, and then waits until they are durable); how many were written. Deleted
    /// devices' entries are not shown (`last_seen`) and are dropped at the next start, so
    /// this periodic call never scans the whole book against the directory.
    pub async fn flush_last_seen(&self, all: bool) -> Result<usize> {
        let due = self
            .last_seen_book()
            .take_due(std::time::Instant::now(), all);
        if !due.is_empty() {
            self.inner.backend.put_last_seen(&due, &[])?;
        }
        if all {
            self.inner.backend.sync().await?;
        }
        Ok(due.len())
    }

    /// Seals and opens secrets at rest (SIP and camera passwords).
    pub fn sealer(&self) -> &crate::secrets::Sealer {
        &self.inner.sealer
    }

    /// A sealed SIP password, opened (once while it is kept: this runs on every REGISTER
    /// and INVITE).
    pub(crate) fn open_sip_password(&self, sealed: &str) -> Result<String> {
        self.inner.sip_passwords.open(&self.inner.sealer, sealed)
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn mac_conflicts(&self) -> &crate::auth_failures::AuthFailures<Id> {
        &self.inner.mac_conflicts
    }

    pub(crate) fn backend(&self) -> &dyn Backend {
        self.inner.backend.as_ref()
    }

    /// A new event or mail id: increasing on this node, and never one another node makes
    /// (its low bits are the node's slot).
    pub(crate) fn next_event_seq(&self) -> u64 {
        let count = self
            .inner
            .event_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (count << crate::backend::NODE_SLOT_BITS) | self.inner.node_slot
    }

    /// A consistent read of the directory. Keep the closure short: writers wait for it.
    pub fn read<T>(&self, f: impl FnOnce(&Directory) -> T) -> T {
        f(&self.dir())
    }

    fn dir(&self) -> RwLockReadGuard<'_, Directory> {
        // The directory is only mutated by `apply`, which cannot panic half-way through a
        // record, so a poisoned lock still holds a consistent directory.
        self.inner.dir.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The one write path (see the module docs).
    pub(crate) async fn write<T>(
        &self,
        f: impl FnOnce(&Directory, &mut Txn) -> Result<T>,
    ) -> Result<T> {
        let writer = self.inner.writer.lock().await;
        // Cluster mode: no other node writes until this set is committed, and what other
        // nodes committed before is applied first, so the closure validates against
        // current data. A single node's turn is empty.
        let mut turn = self.inner.backend.begin_write().await?;
        for set in std::mem::take(&mut turn.missed) {
            let applied = self.apply_to_directory(&set);
            self.announce(applied);
        }
        let built = {
            let dir = self.dir();
            let mut txn = Txn::new(dir.meta.clone(), self.now_ms());
            f(&dir, &mut txn)
                .and_then(|value| crate::end_users::follow(&dir, &mut txn).map(|()| value))
                .map(|value| (value, txn.finish()))
        };
        let (value, mut changes) = match built {
            Ok((value, changes)) if !changes.is_empty() => (value, changes),
            other => {
                turn.release().await;
                return other.map(|(value, _)| value);
            }
        };
        for change in &mut changes {
            if let Change::QueueMail(m) = change {
                // The event sequence: increasing across restarts, without a Meta write.
                m.id = self.next_event_seq();
            }
        }
        self.inner.backend.commit(&changes, turn).await?;
        let applied = self.apply_to_directory(&changes);
        drop(writer);
        self.announce(applied);
        self.inner.backend.sync().await?;
        if changes.iter().any(|c| matches!(c, Change::QueueMail(_))) {
            self.inner.mail_queued.notify_one();
        }
        Ok(value)
    }

    /// Change sets other nodes committed (cluster mode), applied as this node's own are;
    /// how many. The caller follows the backend's change log.
    pub async fn apply_remote_changes(&self) -> Result<usize> {
        let writer = self.inner.writer.lock().await;
        let sets = self.inner.backend.changes_since_applied().await?;
        let mut announced = Vec::with_capacity(sets.len());
        for set in &sets {
            announced.push(self.apply_to_directory(set));
        }
        drop(writer);
        for applied in announced {
            self.announce(applied);
        }
        Ok(sets.len())
    }

    /// Cluster mode: deletes change sets committed more than `older_than` ago (every node
    /// applies a set within about a second; one that stayed behind longer, cut off from the
    /// database, must restart); how many went. Nothing on one node.
    pub async fn prune_change_log(&self, older_than: std::time::Duration) -> Result<u64> {
        Ok(self.inner.backend.prune_change_log(older_than).await?)
    }

    /// Cluster mode: change sets other nodes committed that this node has seen but not
    /// applied yet; `None` on one node.
    pub fn change_log_lag(&self) -> Option<u64> {
        self.inner.backend.change_log_lag()
    }

    /// Cluster mode: why this node may be serving stale data (behind the change log, or
    /// unable to read it); `None` when it is current, and always on one node.
    pub fn not_current(&self) -> Option<String> {
        match self
            .inner
            .follow_failing
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            FOLLOW_OK => {}
            FOLLOW_FELL_BEHIND => {
                return Some(
                    "other nodes' writes were pruned from the change log before this node applied them: restart it".into(),
                );
            }
            _ => {
                return Some(
                    "other nodes' writes cannot be read: the database is unreachable".into(),
                );
            }
        }
        match self.change_log_lag() {
            Some(behind) if behind > 0 => Some(format!(
                "catching up with other nodes' writes: {behind} change set(s) behind"
            )),
            _ => None,
        }
    }

    /// Cluster mode: applies what other nodes commit soon after they commit it (woken by the
    /// backend, at least every second), until `shutdown`. On one node it only waits.
    pub async fn follow_changes(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        // Said once when it starts failing and once when it works again, not every second
        // of an outage.
        let mut failing = false;
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = self.inner.backend.changes_hint() => {}
            }
            let result = self.apply_remote_changes().await;
            let state = match &result {
                Ok(_) => FOLLOW_OK,
                Err(StoreError::Backend(BackendError::FellBehind { .. })) => FOLLOW_FELL_BEHIND,
                Err(_) => FOLLOW_UNREACHABLE,
            };
            self.inner
                .follow_failing
                .store(state, std::sync::atomic::Ordering::Relaxed);
            match result {
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "applying other nodes' changes failed; trying every second");
                }
                Ok(_) if failing => {
                    failing = false;
                    tracing::info!("applying other nodes' changes again");
                }
                _ => {}
            }
        }
    }

    /// Applies a committed change set to the directory; what the feeds are to say of it.
    fn apply_to_directory(&self, changes: &[Change]) -> Applied {
        let mut revoked = Vec::new();
        let mut dir = self.inner.dir.write().unwrap_or_else(|p| p.into_inner());
        // Before applying: a deleted record's community, and what a changed record was,
        // are only known now.
        let mut touched: Vec<Id> = changes
            .iter()
            .filter_map(|c| dir.community_touched(c))
            .collect();
        for change in changes {
            crate::revocation::revocations(&dir, change, &mut revoked);
            dir.apply(change);
        }
        self.inner
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        touched.sort_unstable();
        touched.dedup();
        let credentials = changes
            .iter()
            .filter_map(|c| match c {
                Change::Put(Record::CredentialLog(l)) => Some(l.community_id),
                _ => None,
            })
            .collect();
        Applied {
            revoked,
            touched,
            credentials,
        }
    }

    /// Tells the subscribers what an applied change set changed. No subscriber is no error.
    fn announce(&self, applied: Applied) {
        if !applied.credentials.is_empty() {
            let _ = self
                .inner
                .credential_changes
                .send(applied.credentials.into());
        }
        if !applied.revoked.is_empty() {
            let _ = self.inner.revocations.send(applied.revoked.into());
        }
        if !applied.touched.is_empty() {
            let _ = self.inner.changes.send(applied.touched.into());
        }
    }

    pub(crate) fn mail_queued(&self) -> &tokio::sync::Notify {
        &self.inner.mail_queued
    }

    /// Audit entries of the actor's installer, newest first.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>> {
        crate::ops::require_staff(actor, "read the audit log")?;
        let before = if before_seq == 0 {
            u64::MAX
        } else {
            before_seq
        };
        Ok(self
            .inner
            .backend
            .audit_page(actor.installer_id, before, limit)
            .await?)
    }
}

/// The changes one write collects. Ids and audit sequence numbers come from the copy of
/// `Meta` it carries, which is written back with the set.
pub(crate) struct Txn {
    meta: Meta,
    meta_dirty: bool,
    /// Tenants whose SIP counters this transaction advanced (written back at the end, so
    /// several allocations in one transaction never hand out the same number).
    tenants: std::collections::BTreeMap<Id, crate::model::Tenant>,
    changes: Vec<Change>,
    now_ms: i64,
}

impl Txn {
    fn new(meta: Meta, now_ms: i64) -> Self {
        Txn {
            meta,
            meta_dirty: false,
            tenants: std::collections::BTreeMap::new(),
            changes: Vec::new(),
            now_ms,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn next_id(&mut self) -> Id {
        let id = self.meta.next_id;
        self.meta.next_id += 1;
        self.meta_dirty = true;
        id
    }

    pub fn next_sip_prefix(&mut self) -> Result<u32> {
        let p = self.meta.next_sip_prefix;
        if p > 9999 {
            return Err(crate::StoreError::ResourceExhausted(
                "no SIP number prefixes left for new installers".into(),
            ));
        }
        self.meta.next_sip_prefix += 1;
        self.meta_dirty = true;
        Ok(p)
    }

    /// What this transaction changes so far.
    pub(crate) fn changes(&self) -> &[Change] {
        &self.changes
    }

    pub fn put(&mut self, record: Record) {
        self.changes.push(Change::Put(record));
    }

    pub fn delete(&mut self, key: RecordKey) {
        self.changes.push(Change::Delete(key));
    }

    pub fn put_blob(&mut self, key: String, bytes: bytes::Bytes) {
        self.changes.push(Change::PutBlob(key, bytes));
    }

    pub fn delete_blob(&mut self, key: String) {
        self.changes.push(Change::DeleteBlob(key));
    }

    /// Puts a message into the outbox with this write (dropped at commit if its dedupe key
    /// was queued before); it is numbered at commit, and queued and due at the
    /// transaction's time.
    pub fn queue_mail(&mut self, mut message: crate::outbox::MailMessage) {
        message.queued_ms = self.now_ms;
        if let crate::outbox::MailState::Pending {
            next_attempt_ms, ..
        } = &mut message.state
        {
            *next_attempt_ms = self.now_ms;
        }
        self.changes.push(Change::QueueMail(message));
    }

    /// Records who did what. `detail` must not hold secrets.
    pub fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        target: String,
        detail: serde_json::Value,
    ) {
        self.audit_for(actor.installer_id, actor, action, target, detail);
    }

    /// Records in `installer_id`'s trail something `actor` (maybe of another installer)
    /// did that concerns it.
    pub fn audit_for(
        &mut self,
        installer_id: Id,
        actor: &Actor,
        action: &str,
        target: String,
        detail: serde_json::Value,
    ) {
        let seq = self.meta.next_audit_seq;
        self.meta.next_audit_seq += 1;
        self.meta_dirty = true;
        self.changes.push(Change::Audit(AuditEntry {
            seq,
            installer_id,
            at_ms: self.now_ms,
            account_id: actor.account_id,
            username: actor.username.clone(),
            action: action.to_owned(),
            target,
            detail: detail.to_string(),
        }));
    }

    /// The next SIP number of an installer in `space`: `{prefix}{space digit}{seq:05}`.
    /// Numbers are never reused: the sequence only grows.
    pub fn allocate_sip_number(
        &mut self,
        dir: &crate::Directory,
        installer_id: Id,
        space: SipSpace,
    ) -> Result<String> {
        let tenant = match self.tenants.entry(installer_id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(
                dir.tenant(installer_id)
                    .cloned()
                    .ok_or_else(|| crate::StoreError::not_found("installer"))?,
            ),
        };
        let (digit, seq, what) = match space {
            SipSpace::Family => (0, &mut tenant.next_family_seq, "family"),
            SipSpace::DeviceOrApp => (1, &mut tenant.next_device_seq, "device and app"),
        };
        if *seq > MAX_SIP_SEQ {
            return Err(crate::StoreError::ResourceExhausted(format!(
                "this installer has used all of its {what} SIP numbers"
            )));
        }
        let number = format!("{}{digit}{:05}", tenant.sip_prefix, *seq);
        *seq += 1;
        Ok(number)
    }

    fn finish(mut self) -> Vec<Change> {
        for (_, tenant) in std::mem::take(&mut self.tenants) {
            self.changes.push(Change::Put(Record::Tenant(tenant)));
        }
        if self.meta_dirty {
            self.changes.push(Change::Put(Record::Meta(self.meta)));
        }
        self.changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BillingInfo, CustomerService, Tenant};

    #[test]
    fn sip_numbers_in_one_transaction_never_repeat() {
        let mut dir = Directory::default();
        dir.apply(&Change::Put(Record::Tenant(Tenant {
            installer_id: 7,
            customer_service: CustomerService::default(),
            billing: BillingInfo::default(),
            distributor_access: false,
            sip_prefix: 5926,
            next_family_seq: 39,
            next_device_seq: 185,
        })));
        let mut txn = Txn::new(Meta::default(), 0);
        let a = txn.allocate_sip_number(&dir, 7, SipSpace::Family).unwrap();
        let b = txn.allocate_sip_number(&dir, 7, SipSpace::Family).unwrap();
        let d = txn
            .allocate_sip_number(&dir, 7, SipSpace::DeviceOrApp)
            .unwrap();
        assert_eq!(
            (a.as_str(), b.as_str(), d.as_str()),
            ("5926000039", "5926000040", "5926100185")
        );
        assert!(txn.allocate_sip_number(&dir, 8, SipSpace::Family).is_err());
        let changes = txn.finish();
        for c in &changes {
            dir.apply(c);
        }
        let t = dir.tenant(7).unwrap();
        assert_eq!((t.next_family_seq, t.next_device_seq), (41, 186));
    }
}
