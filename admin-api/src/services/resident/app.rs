//! ResidentService calls past the account: the family, the end user's credentials, the
//! apartment's logs, the cameras and the family SIP account. Each starts from the end
//! user the bearer token names; the store decides what that end user reaches.

use porter_proto::admin::v1 as pb;
use porter_store::EndUserHome;
use porter_store::model::{EndUserRef, FamilyMemberInput};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::auth::bearer;
use crate::convert;
use crate::error::{ApiResult, invalid, status};
use crate::services::camera::camera_pb;
use crate::services::credential::{credential_pb, input};
use crate::services::event::event_message;

impl AdminApi {
    pub(super) fn end_user<T>(&self, request: &Request<T>) -> Result<EndUserRef, tonic::Status> {
        self.store
            .authenticate_end_user(bearer(request)?)
            .map_err(status)
    }

    pub(super) async fn app_sip_account(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::SipAccount> {
        let user = self.end_user(&request)?;
        let (sip_number, sip_password) = self
            .store
            .end_user_sip_account(user)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::SipAccount {
            sip_number,
            sip_password,
        }))
    }

    pub(super) async fn app_add_family(
        &self,
        request: Request<pb::AddFamilyRequest>,
    ) -> ApiResult<pb::AppFamilyMember> {
        let user = self.end_user(&request)?;
        let r = request.into_inner();
        let m = self
            .store
            .end_user_add_family(
                user,
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
        Ok(Response::new(family_member_pb(&m)))
    }

    pub(super) async fn app_remove_family(
        &self,
        request: Request<pb::RemoveFamilyRequest>,
    ) -> ApiResult<pb::Empty> {
        let user = self.end_user(&request)?;
        let id = request.into_inner().id;
        self.store
            .end_user_remove_family(user, id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    pub(super) fn app_credentials(
        &self,
        request: &Request<pb::Empty>,
    ) -> ApiResult<pb::ListCredentialsResponse> {
        let user = self.end_user(request)?;
        let list = self.store.end_user_credentials(user).map_err(status)?;
        let now = self.store.now_ms();
        let credentials: Vec<pb::Credential> = self
            .store
            .read(|dir| list.iter().map(|c| credential_pb(dir, c, now)).collect());
        Ok(Response::new(pb::ListCredentialsResponse {
            total: u32::try_from(credentials.len()).unwrap_or(u32::MAX),
            credentials,
        }))
    }

    pub(super) async fn app_create_credential(
        &self,
        request: Request<pb::CreateCredentialRequest>,
    ) -> ApiResult<pb::Credential> {
        let user = self.end_user(&request)?;
        let home = self.store.end_user_home(user).map_err(status)?;
        let r = request.into_inner();
        if r.community_id != 0 && r.community_id != home.community_id {
            return Err(invalid(
                "community_id",
                "must be 0 or the end user's own community",
            ));
        }
        if r.apartment_id != 0 && r.apartment_id != home.apartment.id {
            return Err(invalid(
                "apartment_id",
                "must be 0 or the end user's own apartment",
            ));
        }
        let c = self
            .store
            .end_user_create_credential(user, input(r)?)
            .await
            .map_err(status)?;
        let now = self.store.now_ms();
        Ok(Response::new(
            self.store.read(|dir| credential_pb(dir, &c, now)),
        ))
    }

    pub(super) async fn app_delete_credential(
        &self,
        request: Request<pb::CredentialRef>,
    ) -> ApiResult<pb::Empty> {
        let user = self.end_user(&request)?;
        let id = request.into_inner().id;
        self.store
            .end_user_delete_credential(user, id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    pub(super) async fn app_events(
        &self,
        request: Request<pb::ListMyEventsRequest>,
    ) -> ApiResult<pb::ListEventsResponse> {
        let user = self.end_user(&request)?;
        let r = request.into_inner();
        let limit = if r.limit == 0 { 50 } else { r.limit as usize };
        let events = self
            .store
            .end_user_events(user, &r.kind, r.before_seq, limit)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListEventsResponse {
            events: events.into_iter().map(event_message).collect(),
        }))
    }

    pub(super) fn app_cameras(
        &self,
        request: &Request<pb::Empty>,
    ) -> ApiResult<pb::ListCamerasResponse> {
        let user = self.end_user(request)?;
        let views = self.store.end_user_cameras(user).map_err(status)?;
        Ok(Response::new(pb::ListCamerasResponse {
            cameras: views.iter().map(camera_pb).collect(),
        }))
    }

    pub(super) fn app_camera_stream(
        &self,
        request: Request<pb::GetCameraRequest>,
    ) -> ApiResult<pb::CameraStream> {
        let user = self.end_user(&request)?;
        let id = request.into_inner().id;
        let (view, password) = self.store.end_user_camera_view(user, id).map_err(status)?;
        let c = &view.camera;
        Ok(Response::new(pb::CameraStream {
            url: porter_store::model::camera::stream_url(&c.rtsp_url, &c.username, &password),
            camera: Some(camera_pb(&view)),
            password,
        }))
    }
}

fn family_member_pb(m: &porter_store::model::FamilyMember) -> pb::AppFamilyMember {
    pb::AppFamilyMember {
        id: m.id,
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        email: m.email.clone(),
        calling_code: m.calling_code.clone(),
        mobile: m.mobile.clone(),
        app_status: convert::app_status_pb(m.app_status),
    }
}

/// The family as the app lists it: the master first, as id 0.
pub(super) fn family_pb(h: &EndUserHome) -> Vec<pb::AppFamilyMember> {
    let a = &h.apartment;
    a.resident
        .iter()
        .map(|r| pb::AppFamilyMember {
            id: 0,
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            email: r.email.clone(),
            calling_code: r.calling_code.clone(),
            mobile: r.mobile.clone(),
            app_status: convert::app_status_pb(r.app_status),
        })
        .chain(a.family.iter().map(family_member_pb))
        .collect()
}
