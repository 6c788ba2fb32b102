//! What the store persists: typed records under stable keys, and the audit trail.

use serde::{Deserialize, Serialize};

use crate::model::{
    Account, AccountLink, Apartment, Building, Camera, Community, Credential, Device, Firmware, Id,
    MacEntry, PropertyManager, Session, SubscriptionOrder, Tenant, UpgradeStrategy,
};

/// Counters shared by the whole store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub next_id: Id,
    pub next_sip_prefix: u32,
    pub next_audit_seq: u64,
}

/// One persisted record. Its key is derived from its content (`Record::key`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Record {
    Meta(Meta),
    Account(Account),
    Tenant(Tenant),
    Community(Community),
    Building(Building),
    Apartment(Apartment),
    Session(Session),
    PropertyManager(PropertyManager),
    Mac(MacEntry),
    Device(Device),
    Camera(Camera),
    Firmware(Firmware),
    SubscriptionOrder(SubscriptionOrder),
    UpgradeStrategy(UpgradeStrategy),
    Credential(Credential),
    CredentialLog(CredentialLog),
    AccountLink(AccountLink),
    SitePolicy(crate::model::SitePolicy),
}

/// Per community: the version of its credentials (one more per change) and the latest
/// removals, so a device that applied version `v` is sent only what changed since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialLog {
    pub community_id: Id,
    pub version: u64,
    /// (version, credential id) of the latest removals, oldest first.
    pub removed: std::collections::VecDeque<(u64, Id)>,
    /// Removals at or below this version may have been dropped from `removed`: a device
    /// that applied an older version gets the whole list instead of a delta.
    pub forgotten_up_to: u64,
}

/// Removals a community's log keeps (older devices get the whole list).
pub const MAX_LOGGED_REMOVALS: usize = 4096;

impl CredentialLog {
    /// The next version, remembering `removed` credentials under it.
    pub fn advance(&mut self, removed: impl IntoIterator<Item = Id>) -> u64 {
        self.version += 1;
        for id in removed {
            self.removed.push_back((self.version, id));
        }
        while self.removed.len() > MAX_LOGGED_REMOVALS {
            if let Some((v, _)) = self.removed.pop_front() {
                self.forgotten_up_to = self.forgotten_up_to.max(v);
            }
        }
        self.version
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordKey {
    Meta,
    Account(Id),
    Tenant(Id),
    Community(Id),
    Building(Id),
    Apartment(Id),
    Session(String),
    PropertyManager(Id),
    Mac(String),
    Device(Id),
    Camera(Id),
    Firmware(Id),
    SubscriptionOrder(Id),
    UpgradeStrategy(Id),
    Credential(Id),
    CredentialLog(Id),
    AccountLink(String),
    SitePolicy,
}

impl Record {
    pub fn key(&self) -> RecordKey {
        match self {
            Record::Meta(_) => RecordKey::Meta,
            Record::Account(a) => RecordKey::Account(a.id),
            Record::Tenant(t) => RecordKey::Tenant(t.installer_id),
            Record::Community(c) => RecordKey::Community(c.id),
            Record::Building(b) => RecordKey::Building(b.id),
            Record::Apartment(a) => RecordKey::Apartment(a.id),
            Record::Session(s) => RecordKey::Session(s.token_hash.clone()),
            Record::PropertyManager(p) => RecordKey::PropertyManager(p.id),
            Record::Mac(m) => RecordKey::Mac(m.mac.clone()),
            Record::Device(d) => RecordKey::Device(d.id),
            Record::Camera(c) => RecordKey::Camera(c.id),
            Record::Firmware(f) => RecordKey::Firmware(f.id),
            Record::SubscriptionOrder(o) => RecordKey::SubscriptionOrder(o.id),
            Record::UpgradeStrategy(u) => RecordKey::UpgradeStrategy(u.id),
            Record::Credential(c) => RecordKey::Credential(c.id),
            Record::CredentialLog(l) => RecordKey::CredentialLog(l.community_id),
            Record::AccountLink(l) => RecordKey::AccountLink(l.token_hash.clone()),
            Record::SitePolicy(_) => RecordKey::SitePolicy,
        }
    }
}

impl RecordKey {
    /// The backend key. Fixed-width hex keeps ids in numeric order within a kind.
    pub fn encode(&self) -> String {
        match self {
            RecordKey::Meta => "meta".to_owned(),
            RecordKey::Account(id) => format!("acct/{id:016x}"),
            RecordKey::Tenant(id) => format!("tenant/{id:016x}"),
            RecordKey::Community(id) => format!("comm/{id:016x}"),
            RecordKey::Building(id) => format!("bldg/{id:016x}"),
            RecordKey::Apartment(id) => format!("apt/{id:016x}"),
            RecordKey::Session(hash) => format!("sess/{hash}"),
            RecordKey::PropertyManager(id) => format!("pm/{id:016x}"),
            RecordKey::Mac(mac) => format!("mac/{mac}"),
            RecordKey::Device(id) => format!("dev/{id:016x}"),
            RecordKey::Camera(id) => format!("cam/{id:016x}"),
            RecordKey::Firmware(id) => format!("fw/{id:016x}"),
            RecordKey::SubscriptionOrder(id) => format!("order/{id:016x}"),
            RecordKey::UpgradeStrategy(id) => format!("upg/{id:016x}"),
            RecordKey::Credential(id) => format!("cred/{id:016x}"),
            RecordKey::CredentialLog(id) => format!("credlog/{id:016x}"),
            RecordKey::AccountLink(hash) => format!("link/{hash}"),
            RecordKey::SitePolicy => "site_policy".to_owned(),
        }
    }
}

/// Prefix of audit keys; they are not loaded into memory.
pub const AUDIT_PREFIX: &str = "audit/";
/// Prefix of blobs (face photos): stored with the records they belong to, read on demand,
/// never loaded into memory.
pub const BLOB_PREFIX: &str = "blob/";

/// The key of a credential's face photo.
pub fn face_blob_key(credential_id: Id) -> String {
    format!("{BLOB_PREFIX}face/{credential_id:016x}")
}

/// Who changed what, and when. Kept when apartments are reset or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub installer_id: Id,
    pub at_ms: i64,
    pub account_id: Id,
    pub username: String,
    pub action: String,
    pub target: String,
    /// JSON object; never holds secrets.
    pub detail: String,
}

impl AuditEntry {
    pub fn key(&self) -> String {
        audit_key(self.installer_id, self.seq)
    }
}

pub fn audit_key(installer_id: Id, seq: u64) -> String {
    format!("{AUDIT_PREFIX}{installer_id:016x}/{seq:016x}")
}

/// One element of an atomic change set. Sets are short-lived and small, so the size gap
/// between variants costs nothing worth a box per record.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Change {
    Put(Record),
    Delete(RecordKey),
    Audit(AuditEntry),
    /// Bytes under a `BLOB_PREFIX` key.
    PutBlob(String, bytes::Bytes),
    DeleteBlob(String),
    /// A message into the outbox, unless its dedupe key was queued before
    /// (`crate::outbox`).
    QueueMail(crate::outbox::MailMessage),
}
