//! A property manager's login: by email and the password the installer was shown, into a
//! session whose actor sees only the communities assigned to the property manager (the
//! scope is re-read on every request, so an unassignment takes effect at once).
//!
//! Not offered by the admin API yet: what a property manager may do inside its communities
//! (its permissions, the feature plan's limits) comes first.

use super::accounts::{actor_of_pm, open_session};
use super::blocking;
use crate::auth;
use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::model::Session;
use crate::store::Store;

/// A property manager's new session: the bearer token (shown once) and who it is.
#[derive(Debug, Clone)]
pub struct PmLogin {
    pub token: String,
    pub session: Session,
    pub actor: Actor,
}

impl Store {
    pub async fn login_property_manager(
        &self,
        email: &str,
        password: &str,
        ttl_ms: i64,
    ) -> Result<PmLogin> {
        let refused = || StoreError::Unauthenticated("invalid email or password".into());
        let found = self.read(|d| {
            d.property_manager_by_email(email)
                .map(|p| (p.id, p.password_hash.clone()))
        });
        // The same work whether or not the email is known.
        let phc = found
            .as_ref()
            .map_or_else(|| auth::decoy_hash().to_owned(), |(_, h)| h.clone());
        let pw = password.to_owned();
        let matches = blocking(move || auth::verify_password(&pw, &phc)).await;
        let pm_id = match found {
            Some((id, _)) if matches => id,
            _ => return Err(refused()),
        };
        let token = auth::new_token()?;
        let hash = auth::token_hash(&token);
        self.write(move |dir, txn| {
            // Deleted while the password was checked.
            let pm = dir.property_manager(pm_id).ok_or_else(refused)?;
            let actor = actor_of_pm(pm);
            let session = open_session(dir, txn, pm_id, true, hash, ttl_ms);
            Ok(PmLogin {
                token,
                session,
                actor,
            })
        })
        .await
    }
}
