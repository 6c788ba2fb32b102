//! BuildingService.

use porter_proto::admin::v1::{self as pb, building_service_server::BuildingService};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, status};

#[tonic::async_trait]
impl BuildingService for AdminApi {
    async fn create_building(
        &self,
        request: Request<pb::CreateBuildingRequest>,
    ) -> ApiResult<pb::Building> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let view = self
            .store
            .create_building(&actor, r.community_id, &r.name)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::building(&view)))
    }

    async fn rename_building(
        &self,
        request: Request<pb::RenameBuildingRequest>,
    ) -> ApiResult<pb::Building> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let view = self
            .store
            .rename_building(&actor, r.id, &r.name)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::building(&view)))
    }

    async fn delete_building(
        &self,
        request: Request<pb::DeleteBuildingRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        self.store
            .delete_building(&actor, r.id, r.cascade)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_buildings(
        &self,
        request: Request<pb::ListBuildingsRequest>,
    ) -> ApiResult<pb::ListBuildingsResponse> {
        let actor = self.actor(&request)?;
        let views = self
            .store
            .list_buildings(&actor, request.into_inner().community_id)
            .map_err(status)?;
        Ok(Response::new(pb::ListBuildingsResponse {
            buildings: views.iter().map(convert::building).collect(),
        }))
    }
}
