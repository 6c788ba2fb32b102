//! AccountService: the installer's profile and its sub-accounts; installers (operator).

use porter_proto::admin::v1::{self as pb, account_service_server::AccountService};
use porter_store::model::{BillingInfo, CustomerService};
use porter_store::{AccountEdit, AccountInput, NewAccount};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, status};

fn billing_pb(b: BillingInfo) -> pb::BillingInfo {
    pb::BillingInfo {
        company: b.company,
        attn: b.attn,
        street: b.street,
        city: b.city,
        post_code: b.post_code,
        country: b.country,
        tel: b.tel,
        fax: b.fax,
        email: b.email,
    }
}

fn customer_service_pb(c: CustomerService) -> pb::CustomerService {
    pb::CustomerService {
        phone: c.phone,
        email: c.email,
        receive_feedback: c.receive_feedback,
    }
}

#[tonic::async_trait]
impl AccountService for AdminApi {
    async fn set_time_zone(
        &self,
        request: Request<pb::SetTimeZoneRequest>,
    ) -> ApiResult<pb::AccountInfo> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let account = self
            .store
            .set_time_zone(
                &actor,
                &r.time_zone,
                convert::time_format("time_format", r.time_format)?,
                convert::date_format("date_format", r.date_format)?,
            )
            .await
            .map_err(status)?;
        Ok(Response::new(convert::account(&account)))
    }

    async fn get_customer_service(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::CustomerService> {
        let actor = self.actor(&request)?;
        let tenant = self.store.tenant_of(&actor).map_err(status)?;
        Ok(Response::new(customer_service_pb(tenant.customer_service)))
    }

    async fn set_customer_service(
        &self,
        request: Request<pb::CustomerService>,
    ) -> ApiResult<pb::CustomerService> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let cs = self
            .store
            .set_customer_service(
                &actor,
                CustomerService {
                    phone: r.phone,
                    email: r.email,
                    receive_feedback: r.receive_feedback,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(customer_service_pb(cs)))
    }

    async fn get_billing_info(&self, request: Request<pb::Empty>) -> ApiResult<pb::BillingInfo> {
        let actor = self.actor(&request)?;
        let tenant = self.store.tenant_of(&actor).map_err(status)?;
        Ok(Response::new(billing_pb(tenant.billing)))
    }

    async fn set_billing_info(
        &self,
        request: Request<pb::BillingInfo>,
    ) -> ApiResult<pb::BillingInfo> {
        let actor = self.actor(&request)?;
        let b = request.into_inner();
        let billing = self
            .store
            .set_billing(
                &actor,
                BillingInfo {
                    company: b.company,
                    attn: b.attn,
                    street: b.street,
                    city: b.city,
                    post_code: b.post_code,
                    country: b.country,
                    tel: b.tel,
                    fax: b.fax,
                    email: b.email,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(billing_pb(billing)))
    }

    async fn get_account_setting(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::AccountSetting> {
        let actor = self.actor(&request)?;
        let tenant = self.store.tenant_of(&actor).map_err(status)?;
        Ok(Response::new(pb::AccountSetting {
            distributor_access: tenant.distributor_access,
        }))
    }

    async fn set_account_setting(
        &self,
        request: Request<pb::AccountSetting>,
    ) -> ApiResult<pb::AccountSetting> {
        let actor = self.actor(&request)?;
        let on = self
            .store
            .set_distributor_access(&actor, request.into_inner().distributor_access)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::AccountSetting {
            distributor_access: on,
        }))
    }

    async fn create_sub_installer(
        &self,
        request: Request<pb::CreateSubInstallerRequest>,
    ) -> ApiResult<pb::CreateSubInstallerResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let NewAccount {
            account,
            generated_password,
        } = self
            .store
            .create_sub_installer(
                &actor,
                AccountInput {
                    username: r.username,
                    email: r.email,
                    phone: r.phone,
                    password: Some(r.password),
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreateSubInstallerResponse {
            account: Some(convert::account(&account)),
            generated_password: generated_password.unwrap_or_default(),
        }))
    }

    async fn list_sub_installers(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::ListSubInstallersResponse> {
        let actor = self.actor(&request)?;
        let accounts = self.store.list_sub_installers(&actor);
        Ok(Response::new(pb::ListSubInstallersResponse {
            accounts: accounts.iter().map(convert::account).collect(),
        }))
    }

    async fn update_sub_installer(
        &self,
        request: Request<pb::UpdateSubInstallerRequest>,
    ) -> ApiResult<pb::AccountInfo> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let account = self
            .store
            .update_sub_installer(
                &actor,
                r.id,
                AccountEdit {
                    email: r.email,
                    phone: r.phone,
                    password: r.password,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(convert::account(&account)))
    }

    async fn delete_sub_installer(
        &self,
        request: Request<pb::DeleteSubInstallerRequest>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_sub_installer(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn get_site_policy(&self, request: Request<pb::Empty>) -> ApiResult<pb::SitePolicy> {
        self.actor(&request)?;
        let p = self.store.site_policy();
        Ok(Response::new(pb::SitePolicy {
            require_two_factor: p.require_two_factor,
        }))
    }

    async fn set_site_policy(&self, request: Request<pb::SitePolicy>) -> ApiResult<pb::SitePolicy> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let p = self
            .store
            .set_site_policy(
                &actor,
                porter_store::model::SitePolicy {
                    require_two_factor: r.require_two_factor,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::SitePolicy {
            require_two_factor: p.require_two_factor,
        }))
    }

    async fn create_installer(
        &self,
        request: Request<pb::CreateInstallerRequest>,
    ) -> ApiResult<pb::CreateInstallerResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let NewAccount {
            account,
            generated_password,
        } = self
            .store
            .create_installer(
                &actor,
                AccountInput {
                    username: r.username,
                    email: r.email,
                    phone: r.phone,
                    password: Some(r.password),
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreateInstallerResponse {
            account: Some(convert::account(&account)),
            generated_password: generated_password.unwrap_or_default(),
        }))
    }
}
