//! ResidentService: the residents' app back end (set a password from an emailed link, log
//! in by email, forgot password, log out, the end user's home, the doors; the rest in
//! `app`). Not behind `TokenGuard`:
//! its login and link calls come before any token, and its other calls take an end user's
//! app token, which the installers' services refuse.

use porter_proto::admin::v1::{self as pb, resident_service_server::ResidentService};
use porter_store::EndUserHome;
use porter_store::presence::DeviceCommand;
use tonic::{Request, Response, Status};

use crate::AdminApi;
use crate::auth::bearer;
use crate::convert;
use crate::error::{ApiResult, status};
use crate::services::device::{COMMAND_TIMEOUT, command_reply};

mod app;

#[tonic::async_trait]
impl ResidentService for AdminApi {
    async fn set_resident_password(
        &self,
        request: Request<pb::SetResidentPasswordRequest>,
    ) -> ApiResult<pb::Empty> {
        let r = request.into_inner();
        self.store
            .set_end_user_password(&r.token, &r.password)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn resident_login(
        &self,
        request: Request<pb::ResidentLoginRequest>,
    ) -> ApiResult<pb::ResidentLoginResponse> {
        let r = request.into_inner();
        self.limiter.check(&r.email)?;
        let ttl = i64::try_from(self.config.token_ttl.as_millis()).unwrap_or(i64::MAX);
        match self.store.end_user_login(&r.email, &r.password, ttl).await {
            Ok((token, session)) => {
                self.limiter.succeeded(&r.email);
                Ok(Response::new(pb::ResidentLoginResponse {
                    token,
                    expires_at_ms: session.expires_at_ms,
                }))
            }
            Err(e) => {
                if matches!(e, porter_store::StoreError::Unauthenticated(_)) {
                    self.limiter.failed(&r.email);
                }
                Err(status(e))
            }
        }
    }

    async fn forgot_resident_password(
        &self,
        request: Request<pb::ForgotResidentPasswordRequest>,
    ) -> ApiResult<pb::Empty> {
        let email = request.into_inner().email;
        // Throttled like logins, so the address cannot be flooded with links.
        self.limiter.check(&email)?;
        self.limiter.failed(&email);
        self.store
            .forgot_end_user_password(&email)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn resident_logout(&self, request: Request<pb::Empty>) -> ApiResult<pb::Empty> {
        let token = bearer(&request)?;
        self.store.authenticate_end_user(token).map_err(status)?;
        self.store.end_user_logout(token).await.map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn list_doors(&self, request: Request<pb::Empty>) -> ApiResult<pb::ListDoorsResponse> {
        let user = self.end_user(&request)?;
        let doors = self.store.end_user_doors(user).map_err(status)?;
        Ok(Response::new(pb::ListDoorsResponse {
            doors: doors
                .into_iter()
                .map(|d| pb::AppDoor {
                    device_id: d.device.id,
                    online: self
                        .presence
                        .as_ref()
                        .and_then(|p| p.presence(d.device.id, &d.device.mac))
                        .is_some_and(|p| p.online),
                    relays: d
                        .relays
                        .iter()
                        .map(|n| pb::AppRelay {
                            number: u32::from(*n),
                            name: d
                                .device
                                .relays
                                .get(usize::from(*n) - 1)
                                .map(|r| r.name.clone())
                                .unwrap_or_default(),
                        })
                        .collect(),
                    name: d.device.name,
                })
                .collect(),
        }))
    }

    async fn unlock_door(
        &self,
        request: Request<pb::UnlockDoorRequest>,
    ) -> ApiResult<pb::CommandReply> {
        let user = self.end_user(&request)?;
        let r = request.into_inner();
        let device = self
            .store
            .end_user_unlock_target(user, r.device_id, r.relay)
            .map_err(status)?;
        let home = self.store.end_user_home(user).map_err(status)?;
        let commands = self.commands.as_ref().ok_or_else(|| {
            Status::unavailable("the device gateway is not running in this server")
        })?;
        let who = format!(
            "resident {} (apartment {})",
            home.email, home.apartment.number
        );
        let started = std::time::Instant::now();
        let result = commands
            .send(
                &device.mac,
                DeviceCommand::Unlock {
                    relay: r.relay,
                    requested_by: who.clone(),
                },
                COMMAND_TIMEOUT,
            )
            .await;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        self.door_log_remote_unlock(device.id, r.relay, &who, Some(user.apartment_id), &result);
        command_reply(result, &device.name, latency_ms)
    }

    async fn get_home(&self, request: Request<pb::Empty>) -> ApiResult<pb::Home> {
        let user = self.end_user(&request)?;
        let home = self.store.end_user_home(user).map_err(status)?;
        Ok(Response::new(home_pb(home, self.store.now_ms())))
    }

    async fn get_sip_account(&self, request: Request<pb::Empty>) -> ApiResult<pb::SipAccount> {
        self.app_sip_account(request).await
    }

    async fn add_family(
        &self,
        request: Request<pb::AddFamilyRequest>,
    ) -> ApiResult<pb::AppFamilyMember> {
        self.app_add_family(request).await
    }

    async fn remove_family(
        &self,
        request: Request<pb::RemoveFamilyRequest>,
    ) -> ApiResult<pb::Empty> {
        self.app_remove_family(request).await
    }

    async fn list_my_credentials(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::ListCredentialsResponse> {
        self.app_credentials(&request)
    }

    async fn create_my_credential(
        &self,
        request: Request<pb::CreateCredentialRequest>,
    ) -> ApiResult<pb::Credential> {
        self.app_create_credential(request).await
    }

    async fn delete_my_credential(
        &self,
        request: Request<pb::CredentialRef>,
    ) -> ApiResult<pb::Empty> {
        self.app_delete_credential(request).await
    }

    async fn list_my_events(
        &self,
        request: Request<pb::ListMyEventsRequest>,
    ) -> ApiResult<pb::ListEventsResponse> {
        self.app_events(request).await
    }

    async fn list_my_cameras(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::ListCamerasResponse> {
        self.app_cameras(&request)
    }

    async fn get_camera_stream(
        &self,
        request: Request<pb::GetCameraRequest>,
    ) -> ApiResult<pb::CameraStream> {
        self.app_camera_stream(request)
    }
}

fn home_pb(h: EndUserHome, now_ms: i64) -> pb::Home {
    let family = app::family_pb(&h);
    let a = h.apartment;
    pb::Home {
        name: h.name,
        email: h.email,
        family_master: h.family_master,
        community_id: h.community_id,
        community: h.community,
        building: h.building,
        apartment_id: a.id,
        apt_number: a.number.clone(),
        apt_name: a.name.clone(),
        family,
        family_sip_number: a.family_sip_number.clone(),
        active: convert::active_status_pb(a.active_status(now_ms)),
        expires_at_ms: a.expires_at_ms.unwrap_or(0),
        customer_service_phone: h.customer_service.phone,
        customer_service_email: h.customer_service.email,
    }
}
