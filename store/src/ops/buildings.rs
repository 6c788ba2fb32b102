//! Buildings: create, rename, delete (refused while not empty unless cascading), list.

use serde_json::json;

use super::require_staff;
use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::model::{Building, Id};
use crate::ops::listing::natural_cmp;
use crate::record::{Record, RecordKey};
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct BuildingView {
    pub building: Building,
    pub apartment_count: u32,
    pub device_count: u32,
}

fn name_taken(
    dir: &crate::Directory,
    community_id: Id,
    name: &str,
    except: Option<Id>,
) -> Result<()> {
    match dir.building_named(community_id, name) {
        Some(b) if Some(b.id) != except => Err(StoreError::exists(
            "name",
            format!(
                "the community already has a building named {}",
                crate::rules::quote(name)
            ),
        )),
        _ => Ok(()),
    }
}

impl Store {
    pub async fn create_building(
        &self,
        actor: &Actor,
        community_id: Id,
        name: &str,
    ) -> Result<BuildingView> {
        require_staff(actor, "add buildings")?;
        let name = Building::name(name)?;
        self.write(|dir, txn| {
            dir.community_of(actor, community_id)?;
            name_taken(dir, community_id, &name, None)?;
            let b = Building {
                id: txn.next_id(),
                community_id,
                name: name.clone(),
                created_at_ms: txn.now_ms(),
            };
            txn.put(Record::Building(b.clone()));
            txn.audit(
                actor,
                "building.create",
                format!("building/{}", b.id),
                json!({"community": community_id, "name": name}),
            );
            Ok(BuildingView {
                building: b,
                apartment_count: 0,
                device_count: 0,
            })
        })
        .await
    }

    pub async fn rename_building(&self, actor: &Actor, id: Id, name: &str) -> Result<BuildingView> {
        require_staff(actor, "rename buildings")?;
        let name = Building::name(name)?;
        self.write(|dir, txn| {
            let (b, _) = dir.building_of(actor, id)?;
            name_taken(dir, b.community_id, &name, Some(id))?;
            let renamed = Building {
                name: name.clone(),
                ..b.clone()
            };
            txn.put(Record::Building(renamed.clone()));
            txn.audit(
                actor,
                "building.rename",
                format!("building/{id}"),
                json!({"from": b.name, "to": name}),
            );
            Ok(BuildingView {
                building: renamed,
                apartment_count: dir.building_apartment_count(id) as u32,
                device_count: dir.devices_of_building(id).count() as u32,
            })
        })
        .await
    }

    /// Deletes a building. Refused while it holds apartments unless `cascade`, which
    /// deletes them (and their residents) in the same atomic change.
    pub async fn delete_building(&self, actor: &Actor, id: Id, cascade: bool) -> Result<()> {
        require_staff(actor, "delete buildings")?;
        self.write(|dir, txn| {
            let (b, _) = dir.building_of(actor, id)?;
            let apartments: Vec<Id> = dir.apartments_in(id).map(|a| a.id).collect();
            let devices: Vec<Id> = dir.devices_of_building(id).map(|d| d.id).collect();
            if (!apartments.is_empty() || !devices.is_empty()) && !cascade {
                return Err(StoreError::precondition(format!(
                    "building {:?} still holds {} apartment(s) and {} device(s); delete them first or ask for a cascade",
                    b.name,
                    apartments.len(),
                    devices.len()
                )));
            }
            for d in &devices {
                txn.delete(RecordKey::Device(*d));
            }
            for c in crate::ops::cameras::cameras_following(dir, b.community_id, |c| {
                matches!(c.scope, crate::model::DeviceScope::Building { building_id } | crate::model::DeviceScope::Apartment { building_id, .. } if building_id == id)
            }) {
                txn.delete(RecordKey::Camera(c));
            }
            for a in &apartments {
                txn.delete(RecordKey::Apartment(*a));
            }
            crate::ops::credentials::drop_apartment_credentials(
                dir,
                txn,
                b.community_id,
                &apartments,
                |_| true,
            );
            txn.delete(RecordKey::Building(id));
            txn.audit(
                actor,
                "building.delete",
                format!("building/{id}"),
                json!({"name": b.name, "cascade": cascade, "apartments": apartments.len(), "devices": devices.len()}),
            );
            Ok(())
        })
        .await
    }

    pub fn list_buildings(&self, actor: &Actor, community_id: Id) -> Result<Vec<BuildingView>> {
        self.read(|dir| {
            dir.community_of(actor, community_id)?;
            let mut v: Vec<BuildingView> = dir
                .buildings_in(community_id)
                .map(|b| BuildingView {
                    building: b.clone(),
                    apartment_count: dir.building_apartment_count(b.id) as u32,
                    device_count: dir.devices_of_building(b.id).count() as u32,
                })
                .collect();
            v.sort_by(|a, b| natural_cmp(&a.building.name, &b.building.name));
            Ok(v)
        })
    }
}
