//! AuthService: login, logout, change password, who am I.

use porter_proto::admin::v1::{self as pb, auth_service_server::AuthService};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::auth::bearer;
use crate::convert;
use crate::error::{ApiResult, status};

#[tonic::async_trait]
impl AuthService for AdminApi {
    async fn login(&self, request: Request<pb::LoginRequest>) -> ApiResult<pb::LoginResponse> {
        let req = request.into_inner();
        self.limiter.check(&req.username)?;
        let ttl = i64::try_from(self.config.token_ttl.as_millis()).unwrap_or(i64::MAX);
        match self.store.login(&req.username, &req.password, ttl).await {
            Ok(outcome) => {
                self.limiter.succeeded(&req.username);
                tracing::info!(account = outcome.account.id, "login");
                Ok(Response::new(pb::LoginResponse {
                    token: outcome.token,
                    expires_at_ms: outcome.session.expires_at_ms,
                    account: Some(convert::account(&outcome.account)),
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

    async fn who_am_i(&self, request: Request<pb::Empty>) -> ApiResult<pb::AccountInfo> {
        let actor = self.actor(&request)?;
        let account = self.store.account_of(&actor).map_err(status)?;
        Ok(Response::new(convert::account(&account)))
    }
}
