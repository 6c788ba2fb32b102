//! End users' own operations (the back end of the residents' app): set a password from an
//! emailed link, log in by email, forgot password, log out, and their home as they see it.
//! Invitations and the ending of access follow apartment writes (`crate::end_users`).
//!
//! An end user's session opens `ResidentService` only: `authenticate` refuses it for the
//! installers' API, and `authenticate_end_user` refuses every other kind.

use super::blocking;
use crate::auth;
use crate::directory::Directory;
use crate::error::{Result, StoreError};
use crate::model::end_user::PASSWORD_RESET_TTL_MS;
use crate::model::{
    Apartment, AppStatus, EndUser, EndUserRef, Id, LinkPurpose, Session, end_users_of,
};
use crate::outbox::MailContent;
use crate::record::{Record, RecordKey};
use crate::store::Store;

use super::login::{SessionOf, open_session};

/// An end user's home as the app shows it.
#[derive(Debug, Clone)]
pub struct Home {
    pub user: EndUserRef,
    pub name: String,
    pub email: String,
    pub family_master: bool,
    pub community_id: Id,
    pub community: String,
    pub building: String,
    pub apartment: Apartment,
    /// The installer's Customer Service contact.
    pub customer_service: crate::model::CustomerService,
}

use crate::end_users::link_refused;

fn login_refused() -> StoreError {
    StoreError::Unauthenticated("invalid email or password".into())
}

/// The end user with this email, wherever they live.
fn end_user_by_email<'d>(dir: &'d Directory, email: &str) -> Option<(&'d Apartment, EndUser)> {
    let apartment = dir.apartment(dir.email_owner(email)?)?;
    let user = end_users_of(apartment)
        .into_iter()
        .find(|u| u.email.eq_ignore_ascii_case(email.trim()))?;
    Some((apartment, user))
}

pub(crate) fn end_user(dir: &Directory, user: EndUserRef) -> Option<(&Apartment, EndUser)> {
    let apartment = dir.apartment(user.apartment_id)?;
    let found = end_users_of(apartment)
        .into_iter()
        .find(|u| u.user == user)?;
    Some((apartment, found))
}

/// The apartment with `user`'s password hash and App Status changed.
fn with_account(
    a: &Apartment,
    user: EndUserRef,
    hash: Option<String>,
    status: AppStatus,
) -> Apartment {
    let mut a = a.clone();
    match user.member_id {
        None => {
            if let Some(r) = a.resident.as_mut() {
                if hash.is_some() {
                    r.app_credential_hash = hash;
                }
                r.app_status = status;
            }
        }
        Some(id) => {
            if let Some(m) = a.family.iter_mut().find(|m| m.id == id) {
                if hash.is_some() {
                    m.app_password_hash = hash;
                }
                m.app_status = status;
            }
        }
    }
    a
}

fn app_status(a: &Apartment, user: EndUserRef) -> AppStatus {
    match user.member_id {
        None => a.resident.as_ref().map(|r| r.app_status),
        Some(id) => a.family.iter().find(|m| m.id == id).map(|m| m.app_status),
    }
    .unwrap_or(AppStatus::Unregistered)
}

impl Store {
    /// Sets the password of the end user a link (invitation or reset) was sent to; the
    /// link is used up. Their other app sessions end when the password changes.
    pub async fn set_end_user_password(&self, token: &str, password: &str) -> Result<()> {
        let (hash, token_hash) = crate::end_users::password_from_link(token, password).await?;
        self.write(|dir, txn| {
            let link = crate::end_users::use_link(dir, txn, &token_hash)?;
            let crate::model::LinkOwner::EndUser(owner) = link.owner else {
                return Err(link_refused());
            };
            let (apartment, user) = end_user(dir, owner)
                .filter(|(_, u)| u.email.eq_ignore_ascii_case(&link.email))
                .ok_or_else(link_refused)?;
            let status = app_status(apartment, user.user);
            txn.put(Record::Apartment(with_account(
                apartment,
                user.user,
                Some(hash),
                status,
            )));
            Ok(())
        })
        .await
    }

    /// Logs an end user in by email and password. The first login turns their App Status
    /// to Registered.
    pub async fn end_user_login(
        &self,
        email: &str,
        password: &str,
        ttl_ms: i64,
    ) -> Result<(String, Session)> {
        let found = self
            .read(|d| end_user_by_email(d, email).map(|(_, u)| (u.user, u.password_hash.clone())));
        let phc = found
            .as_ref()
            .and_then(|(_, h)| h.clone())
            .unwrap_or_else(|| auth::decoy_hash().to_owned());
        let pw = password.to_owned();
        let matches = blocking(move || auth::verify_password(&pw, &phc)).await;
        let user = match found {
            Some((user, Some(_))) if matches => user,
            _ => return Err(login_refused()),
        };
        let token = auth::new_token()?;
        let hash = auth::token_hash(&token);
        let session = self
            .write(|dir, txn| {
                let (apartment, _) = end_user(dir, user).ok_or_else(login_refused)?;
                if app_status(apartment, user) != AppStatus::Registered {
                    txn.put(Record::Apartment(with_account(
                        apartment,
                        user,
                        None,
                        AppStatus::Registered,
                    )));
                }
                Ok(open_session(
                    dir,
                    txn,
                    user.session_owner(),
                    SessionOf::EndUser(user),
                    hash,
                    ttl_ms,
                ))
            })
            .await?;
        Ok((token, session))
    }

    /// The end user behind an app token.
    pub fn authenticate_end_user(&self, token: &str) -> Result<EndUserRef> {
        let hash = auth::token_hash(token);
        let now = self.now_ms();
        self.read(|dir| {
            dir.session(&hash)
                .filter(|s| s.expires_at_ms > now)
                .and_then(|s| s.end_user)
                .filter(|u| end_user(dir, *u).is_some())
                .ok_or_else(|| {
                    StoreError::Unauthenticated(
                        "the app token is unknown or expired; log in again".into(),
                    )
                })
        })
    }

    /// Ends the session of an app token.
    pub async fn end_user_logout(&self, token: &str) -> Result<()> {
        let hash = auth::token_hash(token);
        self.write(|dir, txn| {
            if dir.session(&hash).is_some_and(|s| s.end_user.is_some()) {
                txn.delete(RecordKey::Session(hash.clone()));
            }
            Ok(())
        })
        .await
    }

    /// "Forgot password": a reset link to the address, if an end user has it. Says nothing
    /// either way, so it cannot tell who has an account.
    pub async fn forgot_end_user_password(&self, email: &str) -> Result<()> {
        self.write(|dir, txn| {
            let Some((apartment, user)) = end_user_by_email(dir, email) else {
                return Ok(());
            };
            send_reset(dir, txn, apartment, &user)
        })
        .await
    }

    /// The Edit APT form's "Reset Password": the family master gets a reset link.
    pub async fn reset_resident_password(
        &self,
        actor: &crate::directory::Actor,
        apartment_id: Id,
    ) -> Result<()> {
        self.write(|dir, txn| {
            let (apartment, _) = dir.apartment_of(actor, apartment_id)?;
            let user = end_users_of(apartment)
                .into_iter()
                .next()
                .filter(|u| !u.email.is_empty())
                .ok_or_else(|| {
                    StoreError::precondition(format!(
                        "apartment {} has no family master with an email",
                        apartment.number
                    ))
                })?;
            send_reset(dir, txn, apartment, &user)?;
            txn.audit(
                actor,
                "resident.password_reset",
                format!("apartment/{apartment_id}"),
                serde_json::json!({"email": user.email}),
            );
            Ok(())
        })
        .await
    }

    /// What the app shows its end user: who they are and their apartment.
    pub fn end_user_home(&self, user: EndUserRef) -> Result<Home> {
        self.read(|dir| {
            let (apartment, me) = end_user(dir, user).ok_or_else(|| {
                StoreError::Unauthenticated("the account no longer exists".into())
            })?;
            let community = dir
                .community(apartment.community_id)
                .ok_or_else(|| StoreError::not_found("community"))?;
            Ok(Home {
                user,
                name: me.name,
                email: me.email,
                family_master: user.member_id.is_none(),
                community_id: community.id,
                community: community.name.clone(),
                building: dir
                    .building(apartment.building_id)
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                apartment: apartment.clone(),
                customer_service: dir
                    .tenant(community.installer_id)
                    .map(|t| t.customer_service.clone())
                    .unwrap_or_default(),
            })
        })
    }

    /// Drops password links past their time.
    pub async fn prune_account_links(&self) -> Result<usize> {
        self.write(|dir, txn| {
            let now = txn.now_ms();
            let expired: Vec<String> = dir
                .account_links()
                .filter(|l| l.expires_at_ms <= now)
                .map(|l| l.token_hash.clone())
                .collect();
            for hash in &expired {
                txn.delete(RecordKey::AccountLink(hash.clone()));
            }
            Ok(expired.len())
        })
        .await
    }
}

fn send_reset(
    dir: &Directory,
    txn: &mut crate::store::Txn,
    apartment: &Apartment,
    user: &EndUser,
) -> Result<()> {
    let Some(community) = dir.community(apartment.community_id) else {
        return Ok(());
    };
    let token = crate::end_users::new_link(
        dir,
        txn,
        crate::model::LinkOwner::EndUser(user.user),
        &user.email,
        LinkPurpose::PasswordReset,
        PASSWORD_RESET_TTL_MS,
    )?;
    txn.queue_mail(super::mail::new_message(
        format!(
            "{}|password-reset|{}",
            user.email.to_lowercase(),
            auth::token_hash(&token)
        ),
        community.installer_id,
        (&user.email, user.name.clone()),
        user.language,
        MailContent::PasswordReset { token },
    ));
    Ok(())
}
