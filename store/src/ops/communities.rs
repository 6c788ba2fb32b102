//! Communities: create, read, edit, delete (with everything in it), list.

use serde_json::json;

use super::require_staff;
use crate::directory::{Actor, CommunityCounts, Directory};
use crate::error::{Result, StoreError};
use crate::model::{
    Community, CommunitySettings, FeaturePlan, Id, PinMode, ResidentFeatures, Role,
};
use crate::record::{Record, RecordKey};
use crate::store::Store;

/// A community with the figures its list row shows.
#[derive(Debug, Clone)]
pub struct CommunityView {
    pub community: Community,
    pub counts: CommunityCounts,
    /// Devices arrive with the devices issue; counted here so the list is right then.
    pub device_count: u32,
    /// Names of the property managers assigned to the community.
    pub property_managers: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommunitySort {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

pub(crate) fn view(dir: &Directory, c: &Community) -> CommunityView {
    CommunityView {
        community: c.clone(),
        counts: dir.counts(c.id),
        device_count: dir.counts(c.id).devices,
        property_managers: dir.community_managers(c),
    }
}

impl Store {
    pub async fn create_community(
        &self,
        actor: &Actor,
        settings: CommunitySettings,
    ) -> Result<CommunityView> {
        require_staff(actor, "create communities")?;
        self.write(|_dir, txn| {
            let c = Community::create(txn.next_id(), actor.installer_id, settings, txn.now_ms())?;
            txn.put(Record::Community(c.clone()));
            txn.audit(
                actor,
                "community.create",
                format!("community/{}", c.id),
                json!({"name": c.name, "feature_plan": format!("{:?}", c.feature_plan)}),
            );
            Ok(CommunityView {
                community: c,
                counts: CommunityCounts::default(),
                device_count: 0,
                property_managers: Vec::new(),
            })
        })
        .await
    }

    pub fn community(&self, actor: &Actor, id: Id) -> Result<CommunityView> {
        self.read(|dir| dir.community_of(actor, id).map(|c| view(dir, c)))
    }

    pub async fn update_community(
        &self,
        actor: &Actor,
        id: Id,
        settings: CommunitySettings,
    ) -> Result<CommunityView> {
        require_staff(actor, "change a community's settings")?;
        self.write(|dir, txn| {
            let old = dir.community_of(actor, id)?;
            let new = old.edited(settings)?;
            if new.pin_mode == PinMode::Pin && old.pin_mode == PinMode::AptPin {
                crate::ops::credentials::check_pins_unique(dir, id)?;
            }
            let used = dir.counts(id).apartments;
            if new.apartment_count < used {
                return Err(StoreError::invalid(
                    "apartment_count",
                    format!("cannot be less than the {used} apartments the community already has"),
                ));
            }
            txn.put(Record::Community(new.clone()));
            txn.audit(
                actor,
                "community.update",
                format!("community/{id}"),
                json!({"name": new.name}),
            );
            Ok(CommunityView {
                community: new,
                ..view(dir, old)
            })
        })
        .await
    }

    /// What residents may use: Package Notification, PIN and QR codes, family accounts,
    /// face recognition. A property manager may change them only while the Premium feature
    /// plan is in force; an installer always.
    pub async fn set_resident_features(
        &self,
        actor: &Actor,
        id: Id,
        features: ResidentFeatures,
    ) -> Result<CommunityView> {
        self.write(|dir, txn| {
            let old = dir.community_of(actor, id)?;
            if actor.role == Role::PropertyManager && !old.premium_at(txn.now_ms()) {
                let why = if old.feature_plan == FeaturePlan::Basic {
                    "the community's feature plan is Basic"
                } else {
                    "the community's Premium feature plan has expired"
                };
                return Err(StoreError::PermissionDenied(format!(
                    "{why}: a property manager may not change Package Notification, PIN and QR codes, family accounts or face recognition"
                )));
            }
            let mut new = old.clone();
            new.resident_features = features;
            txn.put(Record::Community(new.clone()));
            txn.audit(
                actor,
                "community.resident_features",
                format!("community/{id}"),
                json!({
                    "package_notification": features.package_notification,
                    "pin_codes": features.pin_codes,
                    "qr_codes": features.qr_codes,
                    "family_accounts": features.family_accounts,
                    "face_recognition": features.face_recognition,
                }),
            );
            Ok(CommunityView {
                community: new,
                ..view(dir, old)
            })
        })
        .await
    }

    /// Deletes the community with all its buildings, apartments and residents, atomically.
    pub async fn delete_community(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "delete communities")?;
        self.write(|dir, txn| {
            let c = dir.community_of(actor, id)?;
            let mut devices = 0;
            for d in dir.devices_of_community(id) {
                txn.delete(RecordKey::Device(d.id));
                devices += 1;
            }
            for cam in dir.cameras_of_community(id) {
                txn.delete(RecordKey::Camera(cam.id));
            }
            let mut apartments = 0;
            let mut buildings = 0;
            for b in dir.buildings_in(id) {
                for a in dir.apartments_in(b.id) {
                    txn.delete(RecordKey::Apartment(a.id));
                    apartments += 1;
                }
                txn.delete(RecordKey::Building(b.id));
                buildings += 1;
            }
            for pm in dir.property_managers_of(c.installer_id) {
                if pm.assignment(id).is_some() {
                    let mut pm = pm.clone();
                    pm.assignments.retain(|a| a.community_id != id);
                    txn.put(Record::PropertyManager(pm));
                }
            }
            crate::ops::credentials::drop_community_credentials(dir, txn, id);
            txn.delete(RecordKey::Community(id));
            txn.audit(
                actor,
                "community.delete",
                format!("community/{id}"),
                json!({"name": c.name, "buildings": buildings, "apartments": apartments, "devices": devices}),
            );
            Ok(())
        })
        .await
    }

    pub fn list_communities(&self, actor: &Actor, sort: CommunitySort) -> Vec<CommunityView> {
        self.read(|dir| {
            let mut v: Vec<CommunityView> = dir
                .communities_seen_by(actor)
                .into_iter()
                .map(|c| view(dir, c))
                .collect();
            let name = |c: &CommunityView| (c.community.name.to_lowercase(), c.community.id);
            match sort {
                CommunitySort::NameAsc => v.sort_by_key(name),
                CommunitySort::NameDesc => {
                    v.sort_by_key(name);
                    v.reverse();
                }
                CommunitySort::CreatedAsc => {
                    v.sort_by_key(|c| (c.community.created_at_ms, c.community.id))
                }
                CommunitySort::CreatedDesc => {
                    v.sort_by_key(|c| (c.community.created_at_ms, c.community.id));
                    v.reverse();
                }
            }
            v
        })
    }
}
