//! What a door phone must hold to check credentials itself: its list, as a delta from the
//! version it holds or whole in pages. Nothing is kept per device: a device's list is
//! derived from the directory each time, named by a list id and the community's version.
//!
//! The list id covers everything besides the credentials that decides what the device
//! holds (its community, scope and relays, the PIN Mode, the time zone): when one changes,
//! the device gets its whole list again.

use std::hash::{Hash, Hasher};

use crate::access::{checks_credentials, relays_opened};
use crate::directory::Directory;
use crate::error::Result;
use crate::model::{Credential, Device, Id, KeyTerms, Method, PhotoFormat, PinMode};
use crate::ops::credentials::{holder_name, is_spent};
use crate::record::face_blob_key;
use crate::store::Store;

/// One credential as a door phone holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoorCredential {
    pub id: Id,
    pub method: Method,
    pub value: String,
    /// The apartment number; empty for a community key.
    pub apartment: String,
    pub holder: String,
    pub relays: Vec<u8>,
    pub key: Option<KeyTerms>,
    /// With PIN Mode "APT+PIN" a PIN follows the apartment number.
    pub after_apartment: bool,
}

/// An update for one device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialSync {
    pub list: u64,
    pub version: u64,
    pub full: bool,
    /// Deltas: the version they apply on.
    pub from_version: u64,
    /// A page of a whole list with more to come: continue after `next_after`.
    pub next_after: Option<Id>,
    pub upserts: Vec<DoorCredential>,
    pub removed: Vec<Id>,
    pub time_zone: String,
}

/// What a device holding `held` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncNeed {
    /// Nothing: it holds the current list.
    Current,
    /// This delta.
    Delta(CredentialSync),
    /// Its whole list, from the first page.
    Full,
}

fn list_id(dir: &Directory, device: &Device) -> u64 {
    let community = dir.community(device.community_id);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    device.community_id.hash(&mut h);
    format!("{:?}", device.scope).hash(&mut h);
    format!("{:?}", device.relays).hash(&mut h);
    device.device_type.code().hash(&mut h);
    if let Some(c) = community {
        (c.pin_mode == PinMode::AptPin).hash(&mut h);
        c.time_zone.hash(&mut h);
    }
    // 0 means "none held".
    h.finish().max(1)
}

fn door_credential(dir: &Directory, c: &Credential, device: &Device) -> Option<DoorCredential> {
    let relays = relays_opened(dir, c, device);
    if relays.is_empty() {
        return None;
    }
    let apartment = c
        .apartment_id
        .and_then(|a| dir.apartment(a))
        .map(|a| a.number.clone())
        .unwrap_or_default();
    let apt_pin = dir
        .community(c.community_id)
        .is_some_and(|x| x.pin_mode == PinMode::AptPin);
    Some(DoorCredential {
        id: c.id,
        method: c.method,
        value: c.value.clone(),
        after_apartment: apt_pin && c.method == Method::Pin && !apartment.is_empty(),
        apartment,
        holder: holder_name(dir, c),
        relays,
        key: c.key.clone(),
    })
}

impl Store {
    /// What device `device_id` needs, holding version `held.1` of list `held.0`; `None`
    /// when it checks no credentials. A delta of more than `limit` changes is a whole list.
    pub fn credential_need(
        &self,
        device_id: Id,
        held: (u64, u64),
        limit: usize,
    ) -> Option<SyncNeed> {
        let now = self.now_ms();
        self.read(|dir| {
            let device = dir.device(device_id)?;
            if !checks_credentials(device.device_type) {
                return None;
            }
            let index = dir.credentials();
            let version = index.version(device.community_id);
            let list = list_id(dir, device);
            let (held_list, held_version) = held;
            if held_list != list || held_version > version {
                return Some(SyncNeed::Full);
            }
            if held_version == version {
                return Some(SyncNeed::Current);
            }
            let log = index.log(device.community_id);
            if log.is_none_or(|l| held_version < l.forgotten_up_to) {
                return Some(SyncNeed::Full);
            }
            let mut sync = CredentialSync {
                list,
                version,
                from_version: held_version,
                time_zone: time_zone(dir, device),
                ..CredentialSync::default()
            };
            for c in index.changed_since(device.community_id, held_version) {
                match door_credential(dir, c, device).filter(|_| !is_spent(c, now)) {
                    Some(dc) => sync.upserts.push(dc),
                    None => sync.removed.push(c.id),
                }
                if sync.upserts.len() + sync.removed.len() > limit {
                    return Some(SyncNeed::Full);
                }
            }
            sync.removed.extend(
                log.iter()
                    .flat_map(|l| l.removed.iter())
                    .filter(|(v, _)| *v > held_version)
                    .map(|(_, id)| *id),
            );
            if sync.upserts.len() + sync.removed.len() > limit {
                return Some(SyncNeed::Full);
            }
            Some(SyncNeed::Delta(sync))
        })
    }

    /// A page of device `device_id`'s whole list: at most `limit` credentials with ids after
    /// `after`, as of the version now. Pages read at different times may include later
    /// changes; the delta from the first page's version, sent after the last page, covers
    /// them (applying a credential twice is harmless).
    pub fn credential_page(
        &self,
        device_id: Id,
        after: Id,
        limit: usize,
    ) -> Option<CredentialSync> {
        let now = self.now_ms();
        self.read(|dir| {
            let device = dir.device(device_id)?;
            if !checks_credentials(device.device_type) {
                return None;
            }
            let index = dir.credentials();
            let mut sync = CredentialSync {
                list: list_id(dir, device),
                version: index.version(device.community_id),
                full: true,
                time_zone: time_zone(dir, device),
                ..CredentialSync::default()
            };
            for c in index.of_community_after(device.community_id, after) {
                if sync.upserts.len() == limit {
                    sync.next_after = sync.upserts.last().map(|d| d.id);
                    break;
                }
                if is_spent(c, now) {
                    continue;
                }
                if let Some(dc) = door_credential(dir, c, device) {
                    sync.upserts.push(dc);
                }
            }
            Some(sync)
        })
    }
}

impl Store {
    /// The photo of face credential `credential_id` for device `device_id`, which enrols it
    /// from the `sha256` its list names. `None` unless the device holds that credential now:
    /// another community's, one opening none of its relays, a withdrawn or spent one, or a
    /// photo since replaced are all the same answer, so a device learns nothing of the rest.
    pub async fn door_face_photo(
        &self,
        device_id: Id,
        credential_id: Id,
        sha256: &str,
    ) -> Result<Option<(PhotoFormat, Vec<u8>)>> {
        let now = self.now_ms();
        let format = self.read(|dir| {
            let device = dir.device(device_id)?;
            let c = dir.credentials().get(credential_id)?;
            let face = c.face.as_ref()?;
            let held = checks_credentials(device.device_type)
                && c.community_id == device.community_id
                && face.sha256 == sha256
                && !is_spent(c, now)
                && door_credential(dir, c, device).is_some();
            held.then_some(face.format)
        });
        let Some(format) = format else {
            return Ok(None);
        };
        Ok(self
            .backend()
            .blob(&face_blob_key(credential_id))
            .await?
            .map(|bytes| (format, bytes)))
    }
}

fn time_zone(dir: &Directory, device: &Device) -> String {
    dir.community(device.community_id)
        .map(|c| c.time_zone.clone())
        .unwrap_or_else(|| "UTC".to_owned())
}
