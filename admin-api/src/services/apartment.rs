//! ApartmentService: apartments, residents, family members, searches.

use porter_proto::admin::v1::{self as pb, apartment_service_server::ApartmentService};
use porter_store::model::FamilyMemberInput;
use porter_store::{ApartmentSort, ResidentSort};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, invalid, status};

#[tonic::async_trait]
impl ApartmentService for AdminApi {
    async fn create_apartment(
        &self,
        request: Request<pb::CreateApartmentRequest>,
    ) -> ApiResult<pb::Apartment> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let input = convert::apartment_input(r.apartment)?;
        let resident = r.resident.map(convert::resident_input).transpose()?;
        let monitor = r
            .indoor_monitor
            .map(|m| convert::device_input(Some(m)))
            .transpose()?;
        let view = self
            .store
            .create_apartment(&actor, r.building_id, input, resident, monitor)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::apartment(&view)))
    }

    async fn get_apartment(
        &self,
        request: Request<pb::GetApartmentRequest>,
    ) -> ApiResult<pb::Apartment> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .apartment(&actor, request.into_inner().id)
            .map_err(status)?;
        Ok(Response::new(convert::apartment(&view)))
    }

    async fn update_apartment(
        &self,
        request: Request<pb::UpdateApartmentRequest>,
    ) -> ApiResult<pb::Apartment> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let input = convert::apartment_input(r.apartment)?;
        let resident = r.resident.map(convert::resident_input).transpose()?;
        let view = self
            .store
            .update_apartment(&actor, r.id, input, resident)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::apartment(&view)))
    }

    async fn delete_apartment(
        &self,
        request: Request<pb::DeleteApartmentRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_apartment(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn reset_apartment(
        &self,
        request: Request<pb::ResetApartmentRequest>,
    ) -> ApiResult<pb::Apartment> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .reset_apartment(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::apartment(&view)))
    }

    async fn reset_resident_password(
        &self,
        request: Request<pb::GetApartmentRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .reset_resident_password(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn move_out_resident(
        &self,
        request: Request<pb::MoveOutResidentRequest>,
    ) -> ApiResult<pb::Apartment> {
        let actor = self.actor(&request)?;
        let view = self
            .store
            .move_out_resident(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::apartment(&view)))
    }

    async fn get_apartment_sip_account(
        &self,
        request: Request<pb::GetApartmentRequest>,
    ) -> ApiResult<pb::SipAccount> {
        let actor = self.actor(&request)?;
        let (sip_number, sip_password) = self
            .store
            .apartment_sip_account(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::SipAccount {
            sip_number,
            sip_password,
        }))
    }

    async fn list_apartments(
        &self,
        request: Request<pb::ListApartmentsRequest>,
    ) -> ApiResult<pb::ListApartmentsResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let sort = match pb::ApartmentSort::try_from(r.sort) {
            Ok(pb::ApartmentSort::Unspecified | pb::ApartmentSort::AptAsc) => {
                ApartmentSort::NumberAsc
            }
            Ok(pb::ApartmentSort::AptDesc) => ApartmentSort::NumberDesc,
            Ok(pb::ApartmentSort::AptNameAsc) => ApartmentSort::NameAsc,
            Ok(pb::ApartmentSort::AptNameDesc) => ApartmentSort::NameDesc,
            Ok(pb::ApartmentSort::CreatedAsc) => ApartmentSort::CreatedAsc,
            Ok(pb::ApartmentSort::CreatedDesc) => ApartmentSort::CreatedDesc,
            Err(_) => return Err(invalid("sort", "is not a known sort order")),
        };
        let filter = convert::resident_filter(r.filter)?;
        let page = convert::page(r.page)?;
        let result = self
            .store
            .list_apartments(&actor, r.building_id, &filter, sort, page)
            .map_err(status)?;
        Ok(Response::new(pb::ListApartmentsResponse {
            apartments: result.items.iter().map(convert::apartment).collect(),
            total: result.total,
        }))
    }

    async fn search_residents(
        &self,
        request: Request<pb::SearchResidentsRequest>,
    ) -> ApiResult<pb::SearchResidentsResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let sort = match pb::ResidentSort::try_from(r.sort) {
            Ok(pb::ResidentSort::Unspecified | pb::ResidentSort::NameAsc) => ResidentSort::NameAsc,
            Ok(pb::ResidentSort::NameDesc) => ResidentSort::NameDesc,
            Ok(pb::ResidentSort::CreatedAsc) => ResidentSort::CreatedAsc,
            Ok(pb::ResidentSort::CreatedDesc) => ResidentSort::CreatedDesc,
            Err(_) => return Err(invalid("sort", "is not a known sort order")),
        };
        let filter = convert::resident_filter(r.filter)?;
        let page = convert::page(r.page)?;
        let result = self
            .store
            .search_residents(&actor, r.community_id, &filter, sort, page)
            .map_err(status)?;
        Ok(Response::new(pb::SearchResidentsResponse {
            residents: result.items.iter().map(convert::resident_row).collect(),
            total: result.total,
        }))
    }

    async fn add_family_member(
        &self,
        request: Request<pb::AddFamilyMemberRequest>,
    ) -> ApiResult<pb::FamilyMember> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let member = self
            .store
            .add_family_member(
                &actor,
                r.apartment_id,
                FamilyMemberInput {
                    first_name: Some(r.first_name),
                    last_name: Some(r.last_name),
                    email: Some(r.email),
                    calling_code: Some(r.calling_code),
                    mobile: Some(r.mobile),
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(convert::family_member(
            r.apartment_id,
            &member,
        )))
    }

    async fn update_family_member(
        &self,
        request: Request<pb::UpdateFamilyMemberRequest>,
    ) -> ApiResult<pb::FamilyMember> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let member = self
            .store
            .update_family_member(
                &actor,
                r.id,
                FamilyMemberInput {
                    first_name: r.first_name,
                    last_name: r.last_name,
                    email: r.email,
                    calling_code: r.calling_code,
                    mobile: r.mobile,
                },
            )
            .await
            .map_err(status)?;
        let apartment_id = self
            .store
            .read(|d| d.family_member_of(&actor, member.id).map(|a| a.id))
            .unwrap_or_default();
        Ok(Response::new(convert::family_member(apartment_id, &member)))
    }

    async fn delete_family_member(
        &self,
        request: Request<pb::DeleteFamilyMemberRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_family_member(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }
}
