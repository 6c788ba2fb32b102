//! CommunityService.

use porter_proto::admin::v1::{self as pb, community_service_server::CommunityService};
use porter_store::CommunitySort;
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

#[tonic::async_trait]
impl CommunityService for AdminApi {
    async fn create_community(
        &self,
        request: Request<pb::CreateCommunityRequest>,
    ) -> ApiResult<pb::Community> {
        let actor = self.actor(&request)?;
        let settings = convert::community_settings(request.into_inner().settings)?;
        let view = self
            .store
            .create_community(&actor, settings)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::community(&view)))
    }

    async fn get_community(
        &self,
        request: Request<pb::GetCommunityRequest>,
    ) -> ApiResult<pb::Community> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .community(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(convert::community(&view)))
    }

    async fn update_community(
        &self,
        request: Request<pb::UpdateCommunityRequest>,
    ) -> ApiResult<pb::Community> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let settings = convert::community_settings(r.settings)?;
        let view = self
            .store
            .update_community(&actor, r.id, settings)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::community(&view)))
    }

    async fn delete_community(
        &self,
        request: Request<pb::DeleteCommunityRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_community(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_communities(
        &self,
        request: Request<pb::ListCommunitiesRequest>,
    ) -> ApiResult<pb::ListCommunitiesResponse> {
        let actor = self.actor(&request)?;
        let sort = match pb::CommunitySort::try_from(request.into_inner().sort) {
            Ok(pb::CommunitySort::Unspecified | pb::CommunitySort::NameAsc) => {
                CommunitySort::NameAsc
            }
            Ok(pb::CommunitySort::NameDesc) => CommunitySort::NameDesc,
            Ok(pb::CommunitySort::CreatedAsc) => CommunitySort::CreatedAsc,
            Ok(pb::CommunitySort::CreatedDesc) => CommunitySort::CreatedDesc,
            Err(_) => return Err(invalid("sort", "is not a known sort order")),
        };
        let views = self.store.list_communities(&actor, sort);
        Ok(Response::new(pb::ListCommunitiesResponse {
            communities: views.iter().map(convert::community).collect(),
        }))
    }
}
