//! Property manager accounts: create, edit, reset password, delete, assign to communities.

use serde_json::json;

use super::login::end_sessions_of;
use super::{blocking, require_staff};
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{
    Id, Language, PmAssignment, PmPermissions, PropertyManager, PropertyManagerInput,
};
use crate::record::{Record, RecordKey};
use crate::store::{SipSpace, Store};

/// A property manager with the password generated for it (shown once).
#[derive(Debug, Clone)]
pub struct NewPropertyManager {
    pub property_manager: PropertyManager,
    pub generated_password: String,
}

/// Property managers log in by email on the installers' login, so an email may name neither
/// another property manager nor an account's username.
fn check_email_free(dir: &Directory, email: &str) -> Result<()> {
    if dir.property_manager_by_email(email).is_some() || dir.account_by_username(email).is_some() {
        return Err(StoreError::exists(
            "email",
            format!("{} is already taken as a login", crate::rules::quote(email)),
        ));
    }
    Ok(())
}

async fn generated_password() -> Result<(String, String)> {
    let password = auth::generate_password()?;
    let pw = password.clone();
    let hash = blocking(move || auth::hash_password(&pw)).await?;
    Ok((password, hash))
}

impl Store {
    /// "New Property Manager". The login password is generated and returned once; the
    /// account email gives the property manager a link to set its own.
    pub async fn create_property_manager(
        &self,
        actor: &Actor,
        input: PropertyManagerInput,
    ) -> Result<NewPropertyManager> {
        require_staff(actor, "manage property managers")?;
        let (first_name, last_name, email) = PropertyManager::check_new(&input)?;
        let (password, hash) = generated_password().await?;
        self.write(|dir, txn| {
            check_email_free(dir, &email)?;
            let pm = PropertyManager {
                id: txn.next_id(),
                installer_id: actor.installer_id,
                first_name,
                last_name,
                email,
                language: input.language.unwrap_or(Language::English),
                monthly_password_reminder: input.monthly_password_reminder.unwrap_or(false),
                password_hash: hash,
                app_username: txn.allocate_sip_number(
                    dir,
                    actor.installer_id,
                    SipSpace::DeviceOrApp,
                )?,
                created_at_ms: txn.now_ms(),
                assignments: Vec::new(),
                password_changed_at_ms: txn.now_ms(),
                password_reminded_at_ms: 0,
                app_password_hash: None,
                two_factor: None,
            };
            txn.put(Record::PropertyManager(pm.clone()));
            super::manager_password::send_account_email(dir, txn, &pm)?;
            txn.audit(
                actor,
                "property_manager.create",
                format!("property_manager/{}", pm.id),
                json!({"name": pm.full_name(), "email": pm.email}),
            );
            Ok(NewPropertyManager {
                property_manager: pm,
                generated_password: password,
            })
        })
        .await
    }

    pub fn list_property_managers(&self, actor: &Actor) -> Vec<PropertyManager> {
        if require_staff(actor, "list property managers").is_err() {
            return Vec::new();
        }
        self.read(|d| {
            d.property_managers_of(actor.installer_id)
                .into_iter()
                .cloned()
                .collect()
        })
    }

    pub async fn update_property_manager(
        &self,
        actor: &Actor,
        id: Id,
        input: PropertyManagerInput,
    ) -> Result<PropertyManager> {
        require_staff(actor, "manage property managers")?;
        self.write(|dir, txn| {
            let pm = dir.property_manager_of(actor, id)?.edited(input)?;
            txn.put(Record::PropertyManager(pm.clone()));
            txn.audit(
                actor,
                "property_manager.update",
                format!("property_manager/{id}"),
                json!({"name": pm.full_name()}),
            );
            Ok(pm)
        })
        .await
    }

    /// "Reset Password": a new generated login password, returned once, and a link by email
    /// with which the property manager sets one of its own. Its sessions end.
    pub async fn reset_property_manager_password(&self, actor: &Actor, id: Id) -> Result<String> {
        require_staff(actor, "manage property managers")?;
        self.read(|d| d.property_manager_of(actor, id).map(|_| ()))?;
        let (password, hash) = generated_password().await?;
        self.write(|dir, txn| {
            let mut pm = dir.property_manager_of(actor, id)?.clone();
            pm.password_hash = hash;
            pm.password_changed_at_ms = txn.now_ms();
            super::manager_password::send_reset_email(dir, txn, &pm)?;
            txn.put(Record::PropertyManager(pm));
            end_sessions_of(dir, txn, id, None);
            txn.audit(
                actor,
                "property_manager.reset_password",
                format!("property_manager/{id}"),
                json!({}),
            );
            Ok(password)
        })
        .await
    }

    /// "Reset Password" of the SmartPlus app (the Setting dialog's Enable App): a new
    /// generated app password, returned once. Refused while the app is enabled in none of
    /// its communities.
    pub async fn reset_property_manager_app_password(
        &self,
        actor: &Actor,
        id: Id,
    ) -> Result<String> {
        require_staff(actor, "manage property managers")?;
        let app_enabled =
            self.read(|d| d.property_manager_of(actor, id).map(|p| p.app_enabled()))?;
        if !app_enabled {
            return Err(StoreError::FailedPrecondition(
                "the app is not enabled for this property manager in any community; enable App first"
                    .into(),
            ));
        }
        let (password, hash) = generated_password().await?;
        self.write(|dir, txn| {
            let mut pm = dir.property_manager_of(actor, id)?.clone();
            pm.app_password_hash = Some(hash);
            txn.put(Record::PropertyManager(pm));
            txn.audit(
                actor,
                "property_manager.reset_app_password",
                format!("property_manager/{id}"),
                json!({}),
            );
            Ok(password)
        })
        .await
    }

    pub async fn delete_property_manager(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "manage property managers")?;
        self.write(|dir, txn| {
            let pm = dir.property_manager_of(actor, id)?;
            txn.delete(RecordKey::PropertyManager(id));
            end_sessions_of(dir, txn, id, None);
            crate::end_users::drop_links(
                dir,
                txn,
                crate::model::LinkOwner::PropertyManager {
                    property_manager_id: id,
                },
            );
            txn.audit(
                actor,
                "property_manager.delete",
                format!("property_manager/{id}"),
                json!({"name": pm.full_name()}),
            );
            Ok(())
        })
        .await
    }

    /// Assigns a property manager to a community with its permissions (or changes them).
    pub async fn assign_property_manager(
        &self,
        actor: &Actor,
        community_id: Id,
        pm_id: Id,
        permissions: PmPermissions,
    ) -> Result<PropertyManager> {
        require_staff(actor, "manage property managers")?;
        self.write(|dir, txn| {
            dir.community_of(actor, community_id)?;
            let mut pm = dir.property_manager_of(actor, pm_id)?.clone();
            match pm
                .assignments
                .iter_mut()
                .find(|a| a.community_id == community_id)
            {
                Some(a) => a.permissions = permissions,
                None => pm.assignments.push(PmAssignment {
                    community_id,
                    permissions,
                }),
            }
            txn.put(Record::PropertyManager(pm.clone()));
            txn.audit(
                actor,
                "property_manager.assign",
                format!("community/{community_id}/property_manager/{pm_id}"),
                json!({
                    "app": permissions.app_enabled,
                    "delete_accounts": permissions.delete_accounts,
                    "log_access": permissions.log_access,
                }),
            );
            Ok(pm)
        })
        .await
    }

    pub async fn unassign_property_manager(
        &self,
        actor: &Actor,
        community_id: Id,
        pm_id: Id,
    ) -> Result<PropertyManager> {
        require_staff(actor, "manage property managers")?;
        self.write(|dir, txn| {
            dir.community_of(actor, community_id)?;
            let mut pm = dir.property_manager_of(actor, pm_id)?.clone();
            if pm.assignment(community_id).is_none() {
                return Err(StoreError::not_found(format!(
                    "property manager {pm_id} in community {community_id}"
                )));
            }
            pm.assignments.retain(|a| a.community_id != community_id);
            txn.put(Record::PropertyManager(pm.clone()));
            txn.audit(
                actor,
                "property_manager.unassign",
                format!("community/{community_id}/property_manager/{pm_id}"),
                json!({}),
            );
            Ok(pm)
        })
        .await
    }
}
