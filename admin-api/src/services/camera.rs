//! CameraService.

use porter_proto::admin::v1::{self as pb, camera_service_server::CameraService};
use porter_store::model::{CameraInput, DeviceScope};
use porter_store::{CameraView, ScopeRequest};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

fn camera_input(c: Option<pb::CameraInput>) -> CameraInput {
    let c = c.unwrap_or_default();
    CameraInput {
        name: c.name,
        rtsp_url: c.rtsp_url,
        username: c.username,
        password: c.password,
        linked_device: c.linked_device_id.map(|id| (id != 0).then_some(id)),
    }
}

pub(crate) fn camera_pb(v: &CameraView) -> pb::Camera {
    let c = &v.camera;
    let (scope, building_id, apartment_id) = match c.scope {
        DeviceScope::Public { .. } => (pb::DeviceScopeKind::Public, 0, 0),
        DeviceScope::Building { building_id } => (pb::DeviceScopeKind::Building, building_id, 0),
        DeviceScope::Apartment {
            building_id,
            apartment_id,
        } => (pb::DeviceScopeKind::Apartment, building_id, apartment_id),
    };
    pb::Camera {
        id: c.id,
        community_id: c.community_id,
        scope: scope as i32,
        building_id,
        building_name: v.building_name.clone(),
        apartment_id,
        apt_number: v.apartment_number.clone(),
        name: c.name.clone(),
        rtsp_url: c.rtsp_url.clone(),
        username: c.username.clone(),
        has_password: !c.password_sealed.is_empty(),
        linked_device_id: c.linked_device.unwrap_or(0),
        linked_device_name: v.linked_device_name.clone(),
        created_at_ms: c.created_at_ms,
    }
}

#[tonic::async_trait]
impl CameraService for AdminApi {
    async fn create_camera(
        &self,
        request: Request<pb::CreateCameraRequest>,
    ) -> ApiResult<pb::Camera> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let scope = convert::scope_request(r.scope.map(Into::into))?;
        let view = self
            .store
            .create_camera(&actor, scope, camera_input(r.camera))
            .await
            .map_err(status)?;
        Ok(Response::new(camera_pb(&view)))
    }

    async fn get_camera(&self, request: Request<pb::GetCameraRequest>) -> ApiResult<pb::Camera> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .camera(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(camera_pb(&view)))
    }

    async fn update_camera(
        &self,
        request: Request<pb::UpdateCameraRequest>,
    ) -> ApiResult<pb::Camera> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let view = self
            .store
            .update_camera(&actor, r.id, camera_input(r.camera))
            .await
            .map_err(status)?;
        Ok(Response::new(camera_pb(&view)))
    }

    async fn delete_camera(&self, request: Request<pb::GetCameraRequest>) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_camera(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_cameras(
        &self,
        request: Request<pb::ListCamerasRequest>,
    ) -> ApiResult<pb::ListCamerasResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let area = match (r.public_only, r.building_id, r.apartment_id) {
            (false, 0, 0) => None,
            (true, 0, 0) => Some(ScopeRequest::Public {
                community_id: r.community_id,
                buildings: Vec::new(),
            }),
            (false, b, 0) => Some(ScopeRequest::Building { building_id: b }),
            (false, 0, a) => Some(ScopeRequest::Apartment { apartment_id: a }),
            _ => {
                return Err(invalid(
                    "public_only",
                    "give at most one of public_only, building_id, apartment_id",
                ));
            }
        };
        let views = self
            .store
            .list_cameras(&actor, r.community_id, area.as_ref(), &r.search)
            .map_err(status)?;
        Ok(Response::new(pb::ListCamerasResponse {
            cameras: views.iter().map(camera_pb).collect(),
        }))
    }
}
