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

    async fn set_resident_features(
        &self,
        request: Request<pb::SetResidentFeaturesRequest>,
    ) -> ApiResult<pb::Community> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let view = self
            .store
            .set_resident_features(
                &actor,
                r.community_id,
                convert::resident_features_in(r.features.unwrap_or_default()),
            )
            .await
            .map_err(status)?;
        Ok(Response::new(convert::community(&view)))
    }

    async fn get_community_overview(
        &self,
        request: Request<pb::GetCommunityRequest>,
    ) -> ApiResult<pb::CommunityOverview> {
        let actor = self.actor(&request)?;
        let o = self
            .store
            .community_overview(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        let mut by_type = std::collections::BTreeMap::<u32, (u32, u32)>::new();
        for d in &o.devices {
            let online = self
                .presence
                .as_ref()
                .and_then(|p| p.presence(d.id, &d.mac))
                .is_some_and(|p| p.online);
            let count = by_type.entry(d.device_type.code()).or_default();
            if online {
                count.0 += 1;
            } else {
                count.1 += 1;
            }
        }
        Ok(Response::new(pb::CommunityOverview {
            devices: by_type
                .into_iter()
                .map(|(device_type, (online, offline))| pb::DeviceTypeCount {
                    device_type,
                    online,
                    offline,
                })
                .collect(),
            upgrades_pending: o.upgrades_pending,
            upgrades_processing: o.upgrades_processing,
            apartments: o.apartments,
            apartments_inactivated: o.apartments_inactivated,
            apartments_expired: o.apartments_expired,
            apartments_expiring: o.apartments_expiring,
            door_days: o
                .door_days
                .into_iter()
                .map(|d| pb::DoorDay {
                    day: d.day,
                    opened: d.opened,
                    refused: d.refused,
                })
                .collect(),
            door_days_complete: o.door_days_complete,
        }))
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
