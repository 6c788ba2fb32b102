//! AuthService's two-factor calls: set up, confirm, turn off. A wrong code or password
//! counts against the account's login budget, like a failed login.

use porter_proto::admin::v1 as pb;
use porter_store::StoreError;
use tonic::{Request, Response};

use crate::AdminApi;
use crate::error::{ApiResult, status};

/// Whether a refusal was a wrong secret (a guess), which the login budget counts.
fn is_guess(e: &StoreError) -> bool {
    match e {
        StoreError::Unauthenticated(_) => true,
        StoreError::Invalid { field, .. } => field == "code" || field == "password",
        _ => false,
    }
}

impl AdminApi {
    pub(super) async fn two_factor_begin(
        &self,
        request: &Request<pb::Empty>,
    ) -> ApiResult<pb::TwoFactorEnrolment> {
        let actor = self.actor(request)?;
        let e = self.store.begin_two_factor(&actor).await.map_err(status)?;
        Ok(Response::new(pb::TwoFactorEnrolment {
            secret: e.secret_base32,
            otpauth_url: e.otpauth_url,
        }))
    }

    pub(super) async fn two_factor_confirm(
        &self,
        request: Request<pb::ConfirmTwoFactorRequest>,
    ) -> ApiResult<pb::RecoveryCodes> {
        let actor = self.actor(&request)?;
        let code = request.into_inner().code;
        self.limiter.check(&actor.username)?;
        match self.store.confirm_two_factor(&actor, &code).await {
            Ok(codes) => {
                self.limiter.succeeded(&actor.username);
                Ok(Response::new(pb::RecoveryCodes { codes }))
            }
            Err(e) => {
                if is_guess(&e) {
                    self.limiter.failed(&actor.username);
                }
                Err(status(e))
            }
        }
    }

    pub(super) async fn two_factor_disable(
        &self,
        request: Request<pb::DisableTwoFactorRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        self.limiter.check(&actor.username)?;
        match self
            .store
            .disable_two_factor(&actor, &r.password, &r.code)
            .await
        {
            Ok(()) => {
                self.limiter.succeeded(&actor.username);
                Ok(Response::new(pb::Empty {}))
            }
            Err(e) => {
                if is_guess(&e) {
                    self.limiter.failed(&actor.username);
                }
                Err(status(e))
            }
        }
    }
}
