//! AuthService: login, logout, change password, who am I.

use porter_proto::admin::v1::{self as pb, auth_service_server::AuthService};
use tonic::{Request, Response};

use porter_store::Principal;
use porter_store::ops::login::LoginStep;

use crate::AdminApi;
use crate::auth::bearer;
use crate::convert;
use crate::error::{ApiResult, status};
use crate::services::property_manager::assignments_pb;

#[tonic::async_trait]
impl AuthService for AdminApi {
    async fn login(&self, request: Request<pb::LoginRequest>) -> ApiResult<pb::LoginResponse> {
        let req = request.into_inner();
        self.limiter.check(&req.username)?;
        let ttl = i64::try_from(self.config.token_ttl.as_millis()).unwrap_or(i64::MAX);
        let step = self
            .store
            .login_two_step(&req.username, &req.password, &req.code, ttl)
            .await;
        match step {
            Ok(LoginStep::CodeNeeded) => Ok(Response::new(pb::LoginResponse {
                code_required: true,
                ..Default::default()
            })),
            Ok(LoginStep::Session(outcome)) => {
                self.limiter.succeeded(&req.username);
                tracing::info!(
                    account = outcome.session.account_id,
                    property_manager = outcome.session.property_manager,
                    "login"
                );
                let mut account = self.principal_info(&outcome.principal);
                account.password_reminder_due = outcome.password_reminder_due;
                Ok(Response::new(pb::LoginResponse {
                    token: outcome.token,
                    expires_at_ms: outcome.session.expires_at_ms,
                    account: Some(account),
                    code_required: false,
                    recovery_codes_left: outcome
                        .recovery_codes_left
                        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                }))
            }
            Err(e) => {
                if matches!(e, porter_store::StoreError::Unauthenticated(_)) {
                    self.limiter.failed(&req.username);
                    tracing::info!("failed login");
                }
                Err(status(e))
            }
        }
    }

    async fn logout(&self, request: Request<pb::LogoutRequest>) -> ApiResult<pb::Empty> {
        self.actor(&request)?;
        self.store.logout(bearer(&request)?).await.map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn forgot_password(
        &self,
        request: Request<pb::ForgotPasswordRequest>,
    ) -> ApiResult<pb::Empty> {
        let email = request.into_inner().email;
        // Counted like a failed login, so an address cannot be flooded with links.
        self.limiter.check(&email)?;
        self.limiter.failed(&email);
        self.store
            .forgot_manager_password(&email)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn set_password_from_link(
        &self,
        request: Request<pb::SetPasswordFromLinkRequest>,
    ) -> ApiResult<pb::Empty> {
        let r = request.into_inner();
        self.store
            .set_manager_password(&r.token, &r.password)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        let token = bearer(&request)?.to_owned();
        let req = request.into_inner();
        // Guesses of the old password (a stolen session trying to take the account over)
        // count against the same per-account budget as failed logins.
        self.limiter.check(&actor.username)?;
        match self
            .store
            .change_password(&actor, &token, &req.old_password, &req.new_password)
            .await
        {
            Ok(()) => {
                self.limiter.succeeded(&actor.username);
                Ok(Response::new(pb::Empty {}))
            }
            Err(e) => {
                if matches!(&e, porter_store::StoreError::Invalid { field, .. } if field == "old_password")
                {
                    self.limiter.failed(&actor.username);
                    tracing::info!(account = actor.account_id, "wrong old password");
                }
                Err(status(e))
            }
        }
    }

    async fn begin_two_factor(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::TwoFactorEnrolment> {
        self.two_factor_begin(&request).await
    }

    async fn confirm_two_factor(
        &self,
        request: Request<pb::ConfirmTwoFactorRequest>,
    ) -> ApiResult<pb::RecoveryCodes> {
        self.two_factor_confirm(request).await
    }

    async fn disable_two_factor(
        &self,
        request: Request<pb::DisableTwoFactorRequest>,
    ) -> ApiResult<pb::Empty> {
        self.two_factor_disable(request).await
    }

    async fn who_am_i(&self, request: Request<pb::Empty>) -> ApiResult<pb::AccountInfo> {
        let actor = self.actor(&request)?;
        let principal = self.store.whoami(&actor).map_err(status)?;
        Ok(Response::new(self.principal_info(&principal)))
    }
}

impl AdminApi {
    /// Who holds a session, as the API shows it. A property manager has no time zone of its
    /// own: outside a community its times follow its installer's account.
    pub(crate) fn principal_info(&self, principal: &Principal) -> pb::AccountInfo {
        let mut info = match principal {
            Principal::Staff(account) => convert::account(account),
            Principal::PropertyManager(pm) => self.store.read(|dir| {
                let installer = dir.account(pm.installer_id);
                pb::AccountInfo {
                    id: pm.id,
                    username: pm.email.clone(),
                    email: pm.email.clone(),
                    role: pb::AccountRole::PropertyManager as i32,
                    installer_id: pm.installer_id,
                    time_zone: installer.map_or_else(|| "UTC".to_owned(), |a| a.time_zone.clone()),
                    time_format: convert::time_format_pb(
                        installer.map(|a| a.time_format).unwrap_or_default(),
                    ),
                    date_format: convert::date_format_pb(
                        installer.map(|a| a.date_format).unwrap_or_default(),
                    ),
                    created_at_ms: pm.created_at_ms,
                    managed_communities: assignments_pb(dir, pm),
                    name: pm.full_name(),
                    ..Default::default()
                }
            }),
        };
        let factor = match principal {
            Principal::Staff(a) => a.two_factor.as_ref(),
            Principal::PropertyManager(p) => p.two_factor.as_ref(),
        }
        .filter(|t| t.active());
        info.two_factor_enabled = factor.is_some();
        info.recovery_codes_left = factor.map_or(0, |t| {
            u32::try_from(t.recovery_hashes.len()).unwrap_or(u32::MAX)
        });
        info.two_factor_setup_required =
            factor.is_none() && self.store.site_policy().require_two_factor;
        info
    }
}
