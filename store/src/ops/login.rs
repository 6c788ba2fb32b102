//! Logins into sessions, for the installer's accounts (by username) and for property
//! managers (by email: one namespace, so a login names exactly one of them), the actor
//! behind a bearer token, logout, and each one's own password.
//!
//! A property manager's actor sees only the communities assigned to it, re-read on every
//! request, so an unassignment takes effect at once.

use serde_json::json;

use super::blocking;
use super::two_factor::{holder_two_factor, spend_code};
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{Account, Id, PropertyManager, Role, Session};
use crate::record::{Record, RecordKey};
use crate::rules;
use crate::store::{Store, Txn};

/// Sessions one account may hold; the oldest is dropped past this.
pub const MAX_SESSIONS_PER_ACCOUNT: usize = 32;

/// Who holds a session: one of the installer's accounts, or a property manager.
#[derive(Debug, Clone)]
pub enum Principal {
    Staff(Account),
    PropertyManager(PropertyManager),
}

/// What a login returns: the bearer token (shown once), its session and who logged in.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub session: Session,
    pub principal: Principal,
    /// "Monthly Password Update Reminder": this login should ask for a new password. Said
    /// by one login a month; the next ones stay quiet until the month is over.
    pub password_reminder_due: bool,
    /// A recovery code opened this session: how many are left.
    pub recovery_codes_left: Option<usize>,
}

/// Where a two-step login stands.
#[derive(Debug, Clone)]
pub enum LoginStep {
    Session(Box<LoginOutcome>),
    /// The password is right; the account's authentication code is needed.
    CodeNeeded,
}

#[derive(Clone, Copy)]
enum Holder {
    Staff(Id),
    PropertyManager(Id),
}

fn refused() -> StoreError {
    StoreError::Unauthenticated("invalid username or password".into())
}

fn gone() -> StoreError {
    StoreError::Unauthenticated("the account no longer exists".into())
}

/// The holder a login names, with its password hash.
fn find_login(dir: &Directory, login: &str) -> Option<(Holder, String)> {
    if let Some(a) = dir.account_by_username(login) {
        return Some((Holder::Staff(a.id), a.password_hash.clone()));
    }
    dir.property_manager_by_email(login)
        .map(|p| (Holder::PropertyManager(p.id), p.password_hash.clone()))
}

impl Store {
    /// Checks a login (a username, or a property manager's email) and password, and opens
    /// a session of `ttl_ms`. An account with a second factor needs `login_two_step`.
    pub async fn login(&self, login: &str, password: &str, ttl_ms: i64) -> Result<LoginOutcome> {
        match self.login_two_step(login, password, "", ttl_ms).await? {
            LoginStep::Session(outcome) => Ok(*outcome),
            LoginStep::CodeNeeded => Err(StoreError::Unauthenticated(
                "this account needs its authentication code".into(),
            )),
        }
    }

    /// Checks a login and password and, when the account has a second factor, `code` (from
    /// the authenticator app, or a recovery code, spent once). With the password right and
    /// no code given, says a code is needed and opens nothing.
    pub async fn login_two_step(
        &self,
        login: &str,
        password: &str,
        code: &str,
        ttl_ms: i64,
    ) -> Result<LoginStep> {
        let found = self.read(|d| find_login(d, login));
        // The same work whether or not the login is known.
        let phc = found
            .as_ref()
            .map_or_else(|| auth::decoy_hash().to_owned(), |(_, h)| h.clone());
        let pw = password.to_owned();
        let matches = blocking(move || auth::verify_password(&pw, &phc)).await;
        let holder = match found {
            Some((holder, _)) if matches => holder,
            _ => return Err(refused()),
        };
        let token = auth::new_token()?;
        let hash = auth::token_hash(&token);
        let sealer = self.sealer();
        self.write(move |dir, txn| {
            let (id, pm) = match holder {
                Holder::Staff(id) => (id, false),
                Holder::PropertyManager(id) => (id, true),
            };
            let mut recovery_codes_left = None;
            // The factor with this login's code spent, written with the holder's record.
            let mut spent = None;
            if let Some(tf) = holder_two_factor(dir, id, pm).filter(|t| t.active()) {
                if code.trim().is_empty() {
                    return Ok(LoginStep::CodeNeeded);
                }
                let next = spend_code(sealer, tf, code, txn.now_ms())?.ok_or_else(|| {
                    StoreError::Unauthenticated("invalid authentication code".into())
                })?;
                if next.recovery_hashes.len() < tf.recovery_hashes.len() {
                    recovery_codes_left = Some(next.recovery_hashes.len());
                }
                spent = Some(next);
            }
            // Deleted while the password was checked: `refused`, as for an unknown login.
            let (principal, password_reminder_due, session) = if pm {
                let mut pm = dir.property_manager(id).cloned().ok_or_else(refused)?;
                let due = pm.password_reminder_due(txn.now_ms());
                if due {
                    pm.password_reminded_at_ms = txn.now_ms();
                }
                if due || spent.is_some() {
                    if spent.is_some() {
                        pm.two_factor = spent;
                    }
                    txn.put(Record::PropertyManager(pm.clone()));
                }
                let session = open_session(dir, txn, id, SessionOf::PropertyManager, hash, ttl_ms);
                (Principal::PropertyManager(pm), due, session)
            } else {
                let mut account = dir.account(id).cloned().ok_or_else(refused)?;
                if spent.is_some() {
                    account.two_factor = spent;
                    txn.put(Record::Account(account.clone()));
                }
                let session = open_session(dir, txn, id, SessionOf::Staff, hash, ttl_ms);
                (Principal::Staff(account), false, session)
            };
            Ok(LoginStep::Session(Box::new(LoginOutcome {
                token,
                session,
                principal,
                password_reminder_due,
                recovery_codes_left,
            })))
        })
        .await
    }

    /// The actor behind a bearer token, if the session is live.
    pub fn authenticate(&self, token: &str) -> Result<Actor> {
        let hash = auth::token_hash(token);
        let now = self.now_ms();
        self.read(|dir| {
            let session = dir
                .session(&hash)
                .filter(|s| s.expires_at_ms > now)
                .ok_or_else(|| {
                    StoreError::Unauthenticated(
                        "the token is unknown or expired; log in again".into(),
                    )
                })?;
            if session.end_user.is_some() {
                return Err(StoreError::Unauthenticated(
                    "this is a resident's app token; it opens ResidentService only".into(),
                ));
            }
            let actor = if session.property_manager {
                dir.property_manager(session.account_id).map(actor_of_pm)
            } else {
                dir.account(session.account_id).map(actor_of)
            };
            actor.ok_or_else(gone)
        })
    }

    /// Ends the session of `token`.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let hash = auth::token_hash(token);
        self.write(move |dir, txn| {
            if dir.session(&hash).is_some() {
                txn.delete(RecordKey::Session(hash));
            }
            Ok(())
        })
        .await
    }

    /// Drops sessions that have expired; run periodically so the table stays bounded.
    pub async fn purge_expired_sessions(&self) -> Result<usize> {
        self.write(|dir, txn| {
            let now = txn.now_ms();
            let mut n = 0;
            for s in dir.sessions().filter(|s| s.expires_at_ms <= now) {
                txn.delete(RecordKey::Session(s.token_hash.clone()));
                n += 1;
            }
            Ok(n)
        })
        .await
    }

    /// Who the actor is, as stored now.
    pub fn whoami(&self, actor: &Actor) -> Result<Principal> {
        self.read(|d| {
            if actor.role == Role::PropertyManager {
                d.property_manager(actor.account_id)
                    .cloned()
                    .map(Principal::PropertyManager)
            } else {
                d.account(actor.account_id).cloned().map(Principal::Staff)
            }
        })
        .ok_or_else(gone)
    }

    /// Changes the actor's own password after checking the old one. Other sessions of the
    /// account end; the current one stays.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_token: &str,
        old: &str,
        new: &str,
    ) -> Result<()> {
        rules::password("new_password", new)?;
        let phc = match self.whoami(actor)? {
            Principal::Staff(a) => a.password_hash,
            Principal::PropertyManager(p) => p.password_hash,
        };
        let (old_pw, new_pw) = (old.to_owned(), new.to_owned());
        let new_hash = blocking(move || {
            if !auth::verify_password(&old_pw, &phc) {
                return Err(StoreError::invalid(
                    "old_password",
                    "does not match the current password",
                ));
            }
            auth::hash_password(&new_pw)
        })
        .await?;
        let keep = auth::token_hash(current_token);
        let actor = actor.clone();
        self.write(move |dir, txn| {
            let id = actor.account_id;
            let (record, action, target) = if actor.role == Role::PropertyManager {
                let mut pm = dir.property_manager(id).cloned().ok_or_else(gone)?;
                pm.password_hash = new_hash;
                pm.password_changed_at_ms = txn.now_ms();
                (
                    Record::PropertyManager(pm),
                    "property_manager.password",
                    format!("property_manager/{id}"),
                )
            } else {
                let mut account = dir.account(id).cloned().ok_or_else(gone)?;
                account.password_hash = new_hash;
                (
                    Record::Account(account),
                    "account.password",
                    format!("account/{id}"),
                )
            };
            end_sessions_of(dir, txn, id, Some(&keep));
            txn.put(record);
            txn.audit(&actor, action, target, json!({}));
            Ok(())
        })
        .await
    }
}

/// Ends the sessions of `holder`, but the one whose token hash is `keep`.
pub(crate) fn end_sessions_of(dir: &Directory, txn: &mut Txn, holder: Id, keep: Option<&str>) {
    for s in dir.sessions_of(holder) {
        if keep != Some(s.token_hash.as_str()) {
            txn.delete(RecordKey::Session(s.token_hash.clone()));
        }
    }
}

/// What kind of record a session's holder is.
#[derive(Clone, Copy)]
pub(crate) enum SessionOf {
    Staff,
    PropertyManager,
    EndUser(crate::model::EndUserRef),
}

/// A new session of `holder` (an account, a property manager or an end user), keeping at
/// most `MAX_SESSIONS_PER_ACCOUNT` of its sessions and dropping its expired ones.
pub(crate) fn open_session(
    dir: &Directory,
    txn: &mut Txn,
    holder: Id,
    kind: SessionOf,
    token_hash: String,
    ttl_ms: i64,
) -> Session {
    let now = txn.now_ms();
    let mut own: Vec<&Session> = dir.sessions_of(holder).collect();
    own.sort_by_key(|s| s.created_at_ms);
    let excess = (own.len() + 1).saturating_sub(MAX_SESSIONS_PER_ACCOUNT);
    for (i, s) in own.iter().enumerate() {
        if i < excess || s.expires_at_ms <= now {
            txn.delete(RecordKey::Session(s.token_hash.clone()));
        }
    }
    let session = Session {
        token_hash,
        account_id: holder,
        property_manager: matches!(kind, SessionOf::PropertyManager),
        end_user: match kind {
            SessionOf::EndUser(user) => Some(user),
            _ => None,
        },
        created_at_ms: now,
        expires_at_ms: now.saturating_add(ttl_ms),
    };
    txn.put(Record::Session(session.clone()));
    session
}

pub(crate) fn actor_of(account: &Account) -> Actor {
    Actor {
        account_id: account.id,
        installer_id: account.installer_id,
        username: account.username.clone(),
        role: account.role,
        operator: account.operator,
        managed: None,
    }
}

pub(crate) fn actor_of_pm(pm: &PropertyManager) -> Actor {
    Actor {
        account_id: pm.id,
        installer_id: pm.installer_id,
        username: pm.email.clone(),
        role: Role::PropertyManager,
        operator: false,
        managed: Some(
            pm.assignments
                .iter()
                .map(|a| (a.community_id, a.permissions))
                .collect(),
        ),
    }
}
