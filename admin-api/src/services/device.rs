//! DeviceService.

use porter_proto::admin::v1::{self as pb, device_service_server::DeviceService};
use porter_store::{DeviceFilter, DeviceSort};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

impl AdminApi {
    /// A device with its connection state, when the gateway runs in this process.
    fn device_pb(&self, view: &porter_store::DeviceView) -> pb::Device {
        let mut d = convert::device(view);
        if let Some(p) = self
            .presence
            .as_ref()
            .and_then(|p| p.presence(&view.device.mac))
        {
            d.online = p.online;
            d.last_connection_ms = p.last_connected_ms;
            d.remote_address = p.remote_address;
            d.firmware_version = p.firmware_version;
            d.model = p.model;
        }
        d
    }
}

#[tonic::async_trait]
impl DeviceService for AdminApi {
    async fn create_device(
        &self,
        request: Request<pb::CreateDeviceRequest>,
    ) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let scope = convert::scope_request(r.scope.map(Into::into))?;
        let input = convert::device_input(r.device)?;
        let view = self
            .store
            .create_device(&actor, scope, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn get_device(&self, request: Request<pb::GetDeviceRequest>) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .device(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn update_device(
        &self,
        request: Request<pb::UpdateDeviceRequest>,
    ) -> ApiResult<pb::Device> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let input = convert::device_input(r.device)?;
        let view = self
            .store
            .update_device(&actor, r.id, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.device_pb(&view)))
    }

    async fn delete_device(
        &self,
        request: Request<pb::DeleteDeviceRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_device(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_devices(
        &self,
        request: Request<pb::ListDevicesRequest>,
    ) -> ApiResult<pb::ListDevicesResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let narrowed = [r.public_only, r.building_id != 0, r.apartment_id != 0]
            .iter()
            .filter(|x| **x)
            .count();
        if narrowed > 1 {
            return Err(invalid(
                "public_only",
                "give at most one of public_only, building_id, apartment_id",
            ));
        }
        let sort = match pb::DeviceSort::try_from(r.sort) {
            Ok(pb::DeviceSort::Unspecified | pb::DeviceSort::CreatedDesc) => {
                DeviceSort::CreatedDesc
            }
            Ok(pb::DeviceSort::CreatedAsc) => DeviceSort::CreatedAsc,
            Ok(pb::DeviceSort::NameAsc) => DeviceSort::NameAsc,
            Ok(pb::DeviceSort::NameDesc) => DeviceSort::NameDesc,
            Err(_) => return Err(invalid("sort", "is not a known sort order")),
        };
        let filter = DeviceFilter {
            public_only: r.public_only,
            building_id: (r.building_id != 0).then_some(r.building_id),
            apartment_id: (r.apartment_id != 0).then_some(r.apartment_id),
            text: r.search,
        };
        let page = convert::page(r.page)?;
        let result = self
            .store
            .list_devices(&actor, r.community_id, &filter, sort, page)
            .map_err(status)?;
        Ok(Response::new(pb::ListDevicesResponse {
            devices: result.items.iter().map(|v| self.device_pb(v)).collect(),
            total: result.total,
        }))
    }

    async fn get_device_secrets(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::DeviceSecrets> {
        let actor = self.actor(&request)?;
        let s = self
            .store
            .device_secrets(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::DeviceSecrets {
            sip_number: s.sip_number,
            sip_password: s.sip_password,
            credential: s.credential,
        }))
    }

    async fn rotate_device_credential(
        &self,
        request: Request<pb::GetDeviceRequest>,
    ) -> ApiResult<pb::DeviceSecrets> {
        let actor = self.actor(&request)?;
        let id = request.into_inner().id;
        let credential = self
            .store
            .rotate_device_credential(&actor, id)
            .await
            .map_err(status)?;
        let sip_number = self
            .store
            .device(&actor, id)
            .map(|v| v.device.sip_number)
            .unwrap_or_default();
        Ok(Response::new(pb::DeviceSecrets {
            sip_number,
            sip_password: String::new(),
            credential,
        }))
    }
}
