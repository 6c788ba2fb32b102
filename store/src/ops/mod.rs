//! Store operations, one file per area. Each write validates against the directory, then
//! hands its changes and an audit entry to `Store::write`.

pub mod accounts;
pub mod apartments;
pub mod buildings;
pub mod calls;
pub mod cameras;
pub mod captures;
pub mod communities;
pub mod credential_sync;
pub mod credentials;
pub mod devices;
pub mod end_users;
pub mod events;
pub mod firmware;
pub mod import;
pub mod listing;
pub mod login;
pub mod macs;
pub mod mail;
pub mod maintenance;
pub mod manager_password;
pub mod order_candidates;
pub mod overview;
pub mod property_managers;
pub mod resident_app;
pub mod scope;
pub mod search;
pub mod subscriptions;
pub mod two_factor;
pub mod upgrades;

use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::model::Role;

/// Refuses sub-installers where only the main installer account may act.
pub(crate) fn require_installer(actor: &Actor, what: &str) -> Result<()> {
    if actor.role == Role::Installer {
        Ok(())
    } else {
        Err(StoreError::PermissionDenied(format!(
            "only the main installer account may {what}"
        )))
    }
}

/// Refuses property managers where only the installer's own accounts (installer and
/// sub-installers) may act: the community's settings, property managers, … What a property
/// manager may do inside its communities is granted operation by operation.
pub(crate) fn require_staff(actor: &Actor, what: &str) -> Result<()> {
    if actor.role == Role::PropertyManager {
        Err(StoreError::PermissionDenied(format!(
            "a property manager may not {what}"
        )))
    } else {
        Ok(())
    }
}

impl crate::store::Store {
    /// Refuses property managers (naming `what`): for the admin API to check before it
    /// reads a request that only the installer's accounts may make.
    pub fn require_staff(&self, actor: &Actor, what: &str) -> Result<()> {
        require_staff(actor, what)
    }

    /// The community's logs (door and call logs, live events) for `actor`: a property
    /// manager needs Log Access Control there.
    pub fn require_log_access(&self, actor: &Actor, community_id: crate::model::Id) -> Result<()> {
        self.read(|d| d.community_of(actor, community_id).map(|_| ()))?;
        require_pm_right(actor, community_id, |p| p.log_access, "Log Access Control")
    }
}

/// A property manager needs `right` in `community_id` (named by `rule` in the refusal);
/// installer accounts always pass.
pub(crate) fn require_pm_right(
    actor: &Actor,
    community_id: crate::model::Id,
    right: fn(&crate::model::PmPermissions) -> bool,
    rule: &str,
) -> Result<()> {
    match &actor.managed {
        Some(m) if !m.get(&community_id).is_some_and(right) => Err(StoreError::PermissionDenied(
            format!("{rule} is off for this property manager in this community"),
        )),
        _ => Ok(()),
    }
}

/// Runs a CPU-heavy closure (password hashing) off the async executor.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
