//! PropertyManagerService.

use porter_proto::admin::v1::{
    self as pb, property_manager_service_server::PropertyManagerService,
};
use porter_store::model::{PmPermissions, PropertyManager, PropertyManagerInput};
use porter_store::{Directory, Store};
use tonic::{Request, Response};

use crate::AdminApi;
use crate::convert;
use crate::error::{ApiResult, status};

fn pm_pb(store: &Store, pm: &PropertyManager) -> pb::PropertyManager {
    store.read(|dir| pb::PropertyManager {
        id: pm.id,
        first_name: pm.first_name.clone(),
        last_name: pm.last_name.clone(),
        email: pm.email.clone(),
        language: convert::language_pb(pm.language),
        monthly_password_reminder: pm.monthly_password_reminder,
        app_username: pm.app_username.clone(),
        created_at_ms: pm.created_at_ms,
        assignments: assignments_pb(dir, pm),
        app_password_set: pm.app_password_hash.is_some(),
    })
}

/// A property manager's communities (named) and its permissions in each.
pub(crate) fn assignments_pb(
    dir: &Directory,
    pm: &PropertyManager,
) -> Vec<pb::PropertyManagerAssignment> {
    pm.assignments
        .iter()
        .map(|a| pb::PropertyManagerAssignment {
            community_id: a.community_id,
            community_name: dir.community_name(a.community_id).unwrap_or_default(),
            permissions: Some(pb::PropertyManagerPermissions {
                app_enabled: a.permissions.app_enabled,
                delete_accounts: a.permissions.delete_accounts,
                log_access: a.permissions.log_access,
            }),
        })
        .collect()
}

#[tonic::async_trait]
impl PropertyManagerService for AdminApi {
    async fn create_property_manager(
        &self,
        request: Request<pb::CreatePropertyManagerRequest>,
    ) -> ApiResult<pb::CreatePropertyManagerResponse> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let created = self
            .store
            .create_property_manager(
                &actor,
                PropertyManagerInput {
                    first_name: Some(r.first_name),
                    last_name: Some(r.last_name),
                    email: Some(r.email),
                    language: convert::language("language", r.language)?,
                    monthly_password_reminder: Some(r.monthly_password_reminder),
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreatePropertyManagerResponse {
            property_manager: Some(pm_pb(&self.store, &created.property_manager)),
            generated_password: created.generated_password,
        }))
    }

    async fn list_property_managers(
        &self,
        request: Request<pb::Empty>,
    ) -> ApiResult<pb::ListPropertyManagersResponse> {
        let actor = self.actor(&request)?;
        let pms = self.store.list_property_managers(&actor);
        Ok(Response::new(pb::ListPropertyManagersResponse {
            property_managers: pms.iter().map(|p| pm_pb(&self.store, p)).collect(),
        }))
    }

    async fn update_property_manager(
        &self,
        request: Request<pb::UpdatePropertyManagerRequest>,
    ) -> ApiResult<pb::PropertyManager> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let language = match r.language {
            Some(v) => convert::language("language", v)?,
            None => None,
        };
        let pm = self
            .store
            .update_property_manager(
                &actor,
                r.id,
                PropertyManagerInput {
                    first_name: r.first_name,
                    last_name: r.last_name,
                    email: None,
                    language,
                    monthly_password_reminder: r.monthly_password_reminder,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pm_pb(&self.store, &pm)))
    }

    async fn reset_property_manager_password(
        &self,
        request: Request<pb::PropertyManagerRef>,
    ) -> ApiResult<pb::ResetPropertyManagerPasswordResponse> {
        let actor = self.actor(&request)?;
        let password = self
            .store
            .reset_property_manager_password(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ResetPropertyManagerPasswordResponse {
            generated_password: password,
        }))
    }

    async fn reset_property_manager_app_password(
        &self,
        request: Request<pb::PropertyManagerRef>,
    ) -> ApiResult<pb::ResetPropertyManagerPasswordResponse> {
        let actor = self.actor(&request)?;
        let password = self
            .store
            .reset_property_manager_app_password(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ResetPropertyManagerPasswordResponse {
            generated_password: password,
        }))
    }

    async fn delete_property_manager(
        &self,
        request: Request<pb::PropertyManagerRef>,
    ) -> ApiResult<pb::Empty> {
        let actor = self.actor(&request)?;
        self.store
            .delete_property_manager(&actor, request.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn assign_property_manager(
        &self,
        request: Request<pb::AssignPropertyManagerRequest>,
    ) -> ApiResult<pb::PropertyManager> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let p = r.permissions.unwrap_or_default();
        let pm = self
            .store
            .assign_property_manager(
                &actor,
                r.community_id,
                r.property_manager_id,
                PmPermissions {
                    app_enabled: p.app_enabled,
                    delete_accounts: p.delete_accounts,
                    log_access: p.log_access,
                },
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pm_pb(&self.store, &pm)))
    }

    async fn unassign_property_manager(
        &self,
        request: Request<pb::UnassignPropertyManagerRequest>,
    ) -> ApiResult<pb::PropertyManager> {
        let actor = self.actor(&request)?;
        let r = request.into_inner();
        let pm = self
            .store
            .unassign_property_manager(&actor, r.community_id, r.property_manager_id)
            .await
            .map_err(status)?;
        Ok(Response::new(pm_pb(&self.store, &pm)))
    }
}
