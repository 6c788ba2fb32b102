//! Intercom devices: add at a scope, edit, delete, details, secrets, community search.

use serde_json::json;

use super::require_staff;
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{Community, Device, DeviceInput, DeviceScope, DeviceType, FeaturePlan, Id};
use crate::ops::listing::{Page, PageRequest, page_of};
use crate::ops::scope::{ScopeRequest, resolve_scope, served_buildings};
use crate::record::{Record, RecordKey};
use crate::secrets::Sealer;
use crate::store::{SipSpace, Store, Txn};

/// A device as the API shows it, with where it is.
#[derive(Debug, Clone)]
pub struct DeviceView {
    pub device: Device,
    pub building_name: String,
    pub apartment_number: String,
    pub resident_name: String,
    /// "Public Device", the building, or "Building-APT".
    pub owner: String,
}

/// A SIP account as the registrar sees it. The password is in the clear: keep it out of
/// logs and drop it after the digest check.
#[derive(Clone)]
pub struct SipAccount {
    pub number: String,
    pub password: String,
    pub community_id: Id,
    pub owner: SipAccountOwner,
}

impl std::fmt::Debug for SipAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipAccount")
            .field("number", &self.number)
            .field("community_id", &self.community_id)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// Whose SIP account it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SipAccountOwner {
    Device {
        id: Id,
        device_type: DeviceType,
    },
    /// An apartment's family SIP number, which its SmartPlus apps register with.
    Apartment {
        id: Id,
    },
}

/// A device's secrets, for the installer who asks for them explicitly.
#[derive(Debug, Clone)]
pub struct DeviceSecrets {
    pub sip_number: String,
    pub sip_password: String,
    pub credential: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeviceSort {
    #[default]
    CreatedDesc,
    CreatedAsc,
    NameAsc,
    NameDesc,
}

/// Which devices a community list shows.
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    /// Only the public area's devices.
    pub public_only: bool,
    pub building_id: Option<Id>,
    pub apartment_id: Option<Id>,
    /// Any part of the MAC or the device name.
    pub text: String,
}

pub(crate) fn device_view(dir: &Directory, d: &Device) -> DeviceView {
    let apartment = d.apartment_id().and_then(|a| dir.apartment(a));
    DeviceView {
        building_name: d
            .building_id()
            .and_then(|b| dir.building(b))
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        apartment_number: apartment.map(|a| a.number.clone()).unwrap_or_default(),
        resident_name: apartment
            .and_then(|a| a.resident.as_ref())
            .map(|r| r.full_name())
            .unwrap_or_default(),
        owner: dir.device_owner_label(d),
        device: d.clone(),
    }
}

fn new_credential() -> Result<String> {
    Ok(auth::new_token()?.replacen("pt_", "dc_", 1))
}

/// Rules that need the directory: the MAC is in the actor's library and free, at most one
/// offline-transfer indoor monitor per apartment.
pub(crate) fn check_device_in_directory(dir: &Directory, actor: &Actor, d: &Device) -> Result<()> {
    match dir.mac(&d.mac) {
        Some(e) if e.installer_id == actor.installer_id => {}
        _ => {
            return Err(StoreError::invalid(
                "mac",
                format!("{} is not in your MAC library; add it there first", d.mac),
            ));
        }
    }
    if let Some(holder) = dir.device_by_mac(&d.mac).filter(|other| other.id != d.id) {
        return Err(StoreError::exists(
            "mac",
            format!("{} is already used by device {:?}", d.mac, holder.name),
        ));
    }
    if d.works_offline
        && let Some(apt) = d.apartment_id()
    {
        let taken = dir
            .devices_of_apartment(apt)
            .any(|o| o.id != d.id && o.works_offline);
        if taken {
            return Err(StoreError::invalid(
                "works_offline",
                "an apartment has one indoor monitor that transfers calls for offline door phones",
            ));
        }
    }
    Ok(())
}

/// Builds a new device (ids, SIP account, sealed secrets) in `txn`; validates what concerns
/// the device alone.
pub(crate) fn build_device(
    dir: &Directory,
    txn: &mut Txn,
    sealer: &Sealer,
    community: &Community,
    scope: DeviceScope,
    input: DeviceInput,
) -> Result<Device> {
    let device_type = DeviceType::from_code(
        "device_type",
        input
            .device_type
            .ok_or_else(|| StoreError::invalid("device_type", "is required"))?,
    )?;
    let blank = Device {
        id: 0,
        community_id: community.id,
        contact_display: (device_type.is_door_phone()
            && matches!(scope, DeviceScope::Building { .. }))
        .then_some(crate::model::ContactDisplay::AptNumbers),
        scope,
        device_type,
        mac: String::new(),
        name: String::new(),
        network_group: 1,
        internet_access: true,
        transfer_monitor_ip: None,
        works_offline: false,
        arming: false,
        relays: Device::default_relays(),
        security_relay: None,
        sip_number: String::new(),
        sip_password_sealed: String::new(),
        credential_sealed: String::new(),
        maintenance: Default::default(),
        created_at_ms: txn.now_ms(),
    };
    if input.public_buildings.is_some() {
        return Err(StoreError::invalid(
            "public_buildings",
            "a new device's buildings come with its public-area scope",
        ));
    }
    let mut d = blank.edited(DeviceInput {
        mac: Some(input.mac.clone().unwrap_or_default()),
        name: Some(input.name.clone().unwrap_or_default()),
        ..input
    })?;
    d.id = txn.next_id();
    d.sip_number = txn.allocate_sip_number(dir, community.installer_id, SipSpace::DeviceOrApp)?;
    d.sip_password_sealed = sealer.seal(&auth::generate_password()?)?;
    d.credential_sealed = sealer.seal(&new_credential()?)?;
    Ok(d)
}

fn audit_detail(d: &Device) -> serde_json::Value {
    json!({"mac": d.mac, "name": d.name, "type": d.device_type.code(), "sip": d.sip_number})
}

/// On the Basic plan every apartment keeps an indoor monitor.
fn check_basic_keeps_monitor(
    dir: &Directory,
    community: &Community,
    removed: &Device,
) -> Result<()> {
    let Some(apt) = removed.apartment_id() else {
        return Ok(());
    };
    if community.feature_plan != FeaturePlan::Basic
        || removed.device_type != DeviceType::IndoorMonitor
    {
        return Ok(());
    }
    let others = dir
        .devices_of_apartment(apt)
        .filter(|d| d.id != removed.id && d.device_type == DeviceType::IndoorMonitor)
        .count();
    if others == 0 {
        return Err(StoreError::precondition(
            "on the Basic feature plan every apartment needs an indoor monitor: add another one before removing this one",
        ));
    }
    Ok(())
}

impl Store {
    /// "Add Device" at a scope.
    pub async fn create_device(
        &self,
        actor: &Actor,
        scope: ScopeRequest,
        input: DeviceInput,
    ) -> Result<DeviceView> {
        require_staff(actor, "manage devices")?;
        let sealer = self.sealer();
        self.write(|dir, txn| {
            let (community, scope) = resolve_scope(dir, actor, &scope)?;
            let d = build_device(dir, txn, sealer, community, scope, input)?;
            check_device_in_directory(dir, actor, &d)?;
            txn.put(Record::Device(d.clone()));
            txn.audit(
                actor,
                "device.create",
                format!("device/{}", d.id),
                audit_detail(&d),
            );
            Ok(device_view(dir, &d))
        })
        .await
    }

    pub fn device(&self, actor: &Actor, id: Id) -> Result<DeviceView> {
        self.read(|dir| dir.device_of(actor, id).map(|(d, _)| device_view(dir, d)))
    }

    /// A device the actor may send `action` (an audit action such as "device.unlock") to:
    /// a property manager opens doors, and leaves rebooting, resetting, SIP transports
    /// and remote control to the installer.
    pub fn device_to_command(&self, actor: &Actor, id: Id, action: &str) -> Result<DeviceView> {
        let view = self.device(actor, id)?;
        if action != "device.unlock" {
            require_staff(
                actor,
                "reboot, reset, reconfigure or remotely control devices",
            )?;
        }
        Ok(view)
    }

    /// Edits a device; its scope stays (delete and add it elsewhere to move it).
    pub async fn update_device(
        &self,
        actor: &Actor,
        id: Id,
        input: DeviceInput,
    ) -> Result<DeviceView> {
        require_staff(actor, "manage devices")?;
        self.write(|dir, txn| {
            let (old, community) = dir.device_of(actor, id)?;
            let mut input = input.clone();
            let buildings = input.public_buildings.take();
            let mut d = old.edited(input)?;
            if let Some(buildings) = buildings {
                let DeviceScope::Public { .. } = d.scope else {
                    return Err(StoreError::invalid(
                        "public_buildings",
                        "only a public-area device serves chosen buildings",
                    ));
                };
                d.scope = DeviceScope::Public {
                    buildings: served_buildings(dir, community, &buildings, "public_buildings")?,
                };
            }
            check_device_in_directory(dir, actor, &d)?;
            if old.device_type != d.device_type {
                check_basic_keeps_monitor(dir, community, old)?;
            }
            if !d.device_type.is_door_phone() {
                // Cameras link to door phones only.
                for cam in dir
                    .cameras_of_community(d.community_id)
                    .filter(|c| c.linked_device == Some(id))
                {
                    let mut cam = cam.clone();
                    cam.linked_device = None;
                    txn.put(Record::Camera(cam));
                }
            }
            txn.put(Record::Device(d.clone()));
            txn.audit(
                actor,
                "device.update",
                format!("device/{id}"),
                audit_detail(&d),
            );
            Ok(device_view(dir, &d))
        })
        .await
    }

    /// Deletes a device; its MAC stays in the library, unbound.
    pub async fn delete_device(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "manage devices")?;
        self.write(|dir, txn| {
            let (d, community) = dir.device_of(actor, id)?;
            check_basic_keeps_monitor(dir, community, d)?;
            for cam in dir
                .cameras_of_community(d.community_id)
                .filter(|c| c.linked_device == Some(id))
            {
                let mut cam = cam.clone();
                cam.linked_device = None;
                txn.put(Record::Camera(cam));
            }
            txn.delete(RecordKey::Device(id));
            txn.audit(
                actor,
                "device.delete",
                format!("device/{id}"),
                audit_detail(d),
            );
            Ok(())
        })
        .await
    }

    /// The device's SIP password and gateway credential. Audited; never in lists or logs.
    pub async fn device_secrets(&self, actor: &Actor, id: Id) -> Result<DeviceSecrets> {
        require_staff(actor, "read device credentials")?;
        let sealer = self.sealer();
        self.write(|dir, txn| {
            let (d, _) = dir.device_of(actor, id)?;
            let secrets = DeviceSecrets {
                sip_number: d.sip_number.clone(),
                sip_password: sealer.open(&d.sip_password_sealed)?,
                credential: sealer.open(&d.credential_sealed)?,
            };
            txn.audit(
                actor,
                "device.secrets_viewed",
                format!("device/{id}"),
                json!({"mac": d.mac}),
            );
            Ok(secrets)
        })
        .await
    }

    /// A new gateway credential (the old one stops working); returned once.
    pub async fn rotate_device_credential(&self, actor: &Actor, id: Id) -> Result<String> {
        require_staff(actor, "manage devices")?;
        let sealer = self.sealer();
        let credential = new_credential()?;
        self.write(|dir, txn| {
            let (d, _) = dir.device_of(actor, id)?;
            let mut d = d.clone();
            d.credential_sealed = sealer.seal(&credential)?;
            txn.put(Record::Device(d));
            txn.audit(
                actor,
                "device.credential_rotated",
                format!("device/{id}"),
                json!({}),
            );
            Ok(credential.clone())
        })
        .await
    }

    /// The device a gateway connection proves to be: its MAC (normalised) is bound and the
    /// credential matches. Any failure is `None`, whatever the reason.
    pub fn authenticate_device(&self, mac: &str, credential: &str) -> Option<Device> {
        let device = self.read(|dir| dir.device_by_mac(mac).cloned())?;
        let expected = self.sealer().open(&device.credential_sealed).ok()?;
        auth::constant_time_eq(expected.as_bytes(), credential.as_bytes()).then_some(device)
    }

    /// Records a command sent to a device (who, what, the answer) in the audit log.
    pub async fn audit_device_command(
        &self,
        actor: &Actor,
        id: Id,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.write(|dir, txn| {
            dir.device_of(actor, id)?;
            txn.audit(actor, action, format!("device/{id}"), detail);
            Ok(())
        })
        .await
    }

    /// The community's devices (or one area's), searched by MAC or name, sorted, paged.
    pub fn list_devices(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &DeviceFilter,
        sort: DeviceSort,
        page: PageRequest,
    ) -> Result<Page<DeviceView>> {
        let needle = filter.text.trim().to_lowercase();
        let mac_needle: String = needle
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        self.read(|dir| {
            dir.community_of(actor, community_id)?;
            let mut all: Vec<&Device> = match (filter.apartment_id, filter.building_id) {
                (Some(a), _) => {
                    dir.apartment_of(actor, a)?;
                    dir.devices_of_apartment(a).collect()
                }
                (None, Some(b)) => {
                    dir.building_of(actor, b)?;
                    dir.devices_of_building(b)
                        .filter(|d| matches!(d.scope, DeviceScope::Building { .. }))
                        .collect()
                }
                (None, None) => dir
                    .devices_of_community(community_id)
                    .filter(|d| {
                        !filter.public_only || matches!(d.scope, DeviceScope::Public { .. })
                    })
                    .collect(),
            };
            all.retain(|d| {
                needle.is_empty()
                    || d.name.to_lowercase().contains(&needle)
                    || (!mac_needle.is_empty() && d.mac.contains(&mac_needle))
            });
            match sort {
                DeviceSort::CreatedAsc | DeviceSort::CreatedDesc => {
                    all.sort_by_key(|d| (d.created_at_ms, d.id))
                }
                DeviceSort::NameAsc | DeviceSort::NameDesc => {
                    all.sort_by(|a, b| {
                        a.name
                            .to_lowercase()
                            .cmp(&b.name.to_lowercase())
                            .then(a.id.cmp(&b.id))
                    });
                }
            }
            if matches!(sort, DeviceSort::CreatedDesc | DeviceSort::NameDesc) {
                all.reverse();
            }
            let (items, total) = page_of(all.into_iter(), page);
            let items = items.into_iter().map(|d| device_view(dir, d)).collect();
            Ok(Page { items, total })
        })
    }
}
