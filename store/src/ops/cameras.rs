//! Third-party cameras: add at a scope, edit, delete, list. Passwords are sealed and never
//! returned.

use serde_json::json;

use super::require_staff;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::camera::{camera_fields, camera_password};
use crate::model::{Camera, CameraInput, DeviceScope, Id};
use crate::ops::scope::{ScopeRequest, resolve_scope};
use crate::record::{Record, RecordKey};
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct CameraView {
    pub camera: Camera,
    pub building_name: String,
    pub apartment_number: String,
    pub linked_device_name: String,
}

pub(crate) fn camera_view(dir: &Directory, c: &Camera) -> CameraView {
    let (building, apartment) = match &c.scope {
        DeviceScope::Public { .. } => (None, None),
        DeviceScope::Building { building_id } => (Some(*building_id), None),
        DeviceScope::Apartment {
            building_id,
            apartment_id,
        } => (Some(*building_id), Some(*apartment_id)),
    };
    CameraView {
        building_name: building
            .and_then(|b| dir.building(b))
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        apartment_number: apartment
            .and_then(|a| dir.apartment(a))
            .map(|a| a.number.clone())
            .unwrap_or_default(),
        linked_device_name: c
            .linked_device
            .and_then(|d| dir.device(d))
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        camera: c.clone(),
    }
}

/// The linked device must be a door phone of the camera's own scope.
fn check_link(dir: &Directory, actor: &Actor, cam: &Camera) -> Result<()> {
    let Some(id) = cam.linked_device else {
        return Ok(());
    };
    let (d, _) = dir.device_of(actor, id).map_err(|_| {
        StoreError::invalid("linked_device_id", format!("device {id} does not exist"))
    })?;
    let same_scope = match (&cam.scope, &d.scope) {
        (DeviceScope::Public { .. }, DeviceScope::Public { .. }) => {
            d.community_id == cam.community_id
        }
        (a, b) => a == b,
    };
    if !d.device_type.is_door_phone() || !same_scope {
        return Err(StoreError::invalid(
            "linked_device_id",
            format!("{:?} is not a door phone of the camera's own area", d.name),
        ));
    }
    Ok(())
}

impl Store {
    pub async fn create_camera(
        &self,
        actor: &Actor,
        scope: ScopeRequest,
        input: CameraInput,
    ) -> Result<CameraView> {
        require_staff(actor, "manage cameras")?;
        let (name, url, username) = camera_fields(
            input.name.as_deref().unwrap_or(""),
            input.rtsp_url.as_deref().unwrap_or(""),
            input.username.as_deref().unwrap_or(""),
        )?;
        let password = self
            .sealer()
            .seal(&camera_password(input.password.as_deref().unwrap_or(""))?)?;
        self.write(|dir, txn| {
            let (community, scope) = resolve_scope(dir, actor, &scope)?;
            let cam = Camera {
                id: txn.next_id(),
                community_id: community.id,
                scope,
                name,
                rtsp_url: url,
                username,
                password_sealed: password,
                linked_device: input.linked_device.flatten(),
                created_at_ms: txn.now_ms(),
            };
            check_link(dir, actor, &cam)?;
            txn.put(Record::Camera(cam.clone()));
            txn.audit(
                actor,
                "camera.create",
                format!("camera/{}", cam.id),
                json!({"name": cam.name, "rtsp_url": cam.rtsp_url}),
            );
            Ok(camera_view(dir, &cam))
        })
        .await
    }

    pub fn camera(&self, actor: &Actor, id: Id) -> Result<CameraView> {
        let now = self.now_ms();
        self.read(|dir| {
            let (c, community) = dir.camera_of(actor, id)?;
            if !may_watch(actor, community, c, now) {
                return Err(StoreError::PermissionDenied(
                    "the community's feature plan is Basic (or has expired): a property manager may not watch third-party cameras in the public area".into(),
                ));
            }
            Ok(camera_view(dir, c))
        })
    }

    /// Edits a camera; an unset password keeps the current one.
    pub async fn update_camera(
        &self,
        actor: &Actor,
        id: Id,
        input: CameraInput,
    ) -> Result<CameraView> {
        require_staff(actor, "manage cameras")?;
        let password = match input.password.as_deref() {
            Some(p) => Some(self.sealer().seal(&camera_password(p)?)?),
            None => None,
        };
        self.write(|dir, txn| {
            let (old, _) = dir.camera_of(actor, id)?;
            let (name, url, username) = camera_fields(
                input.name.as_deref().unwrap_or(&old.name),
                input.rtsp_url.as_deref().unwrap_or(&old.rtsp_url),
                input.username.as_deref().unwrap_or(&old.username),
            )?;
            let cam = Camera {
                name,
                rtsp_url: url,
                username,
                password_sealed: password.unwrap_or_else(|| old.password_sealed.clone()),
                linked_device: input.linked_device.unwrap_or(old.linked_device),
                ..old.clone()
            };
            check_link(dir, actor, &cam)?;
            txn.put(Record::Camera(cam.clone()));
            txn.audit(
                actor,
                "camera.update",
                format!("camera/{id}"),
                json!({"name": cam.name, "rtsp_url": cam.rtsp_url}),
            );
            Ok(camera_view(dir, &cam))
        })
        .await
    }

    pub async fn delete_camera(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "manage cameras")?;
        self.write(|dir, txn| {
            let (c, _) = dir.camera_of(actor, id)?;
            txn.delete(RecordKey::Camera(id));
            txn.audit(
                actor,
                "camera.delete",
                format!("camera/{id}"),
                json!({"name": c.name}),
            );
            Ok(())
        })
        .await
    }

    /// A community's cameras; `area` narrows to the public area, a building's own, or an
    /// apartment's.
    pub fn list_cameras(
        &self,
        actor: &Actor,
        community_id: Id,
        area: Option<&ScopeRequest>,
        text: &str,
    ) -> Result<Vec<CameraView>> {
        let needle = text.trim().to_lowercase();
        let now = self.now_ms();
        self.read(|dir| {
            let community = dir.community_of(actor, community_id)?;
            let mut v: Vec<CameraView> = dir
                .cameras_of_community(community_id)
                .filter(|c| may_watch(actor, community, c, now))
                .filter(|c| match area {
                    None => true,
                    Some(ScopeRequest::Public { .. }) => matches!(c.scope, DeviceScope::Public { .. }),
                    Some(ScopeRequest::Building { building_id }) => {
                        c.scope == DeviceScope::Building { building_id: *building_id }
                    }
                    Some(ScopeRequest::Apartment { apartment_id }) => {
                        matches!(c.scope, DeviceScope::Apartment { apartment_id: a, .. } if a == *apartment_id)
                    }
                })
                .filter(|c| needle.is_empty() || c.name.to_lowercase().contains(&needle))
                .map(|c| camera_view(dir, c))
                .collect();
            v.sort_by_key(|c| std::cmp::Reverse((c.camera.created_at_ms, c.camera.id)));
            Ok(v)
        })
    }
}

/// Cameras that go with a deleted area, and links to a deleted device, in one change.
pub(crate) fn cameras_following(
    dir: &Directory,
    community_id: Id,
    gone: impl Fn(&Camera) -> bool,
) -> Vec<Id> {
    dir.cameras_of_community(community_id)
        .filter(|c| gone(c))
        .map(|c| c.id)
        .collect()
}

/// "Monitor third party camera in public area" is a Premium control: with a Basic (or
/// expired) plan a property manager does not see the public area's cameras.
fn may_watch(actor: &Actor, community: &crate::model::Community, c: &Camera, now_ms: i64) -> bool {
    actor.role != crate::model::Role::PropertyManager
        || !matches!(c.scope, DeviceScope::Public { .. })
        || community.premium_at(now_ms)
}
