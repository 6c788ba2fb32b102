//! Accounts: bootstrap, login sessions, passwords, sub-installers, installers, and the
//! installer's profile (time zone, customer service, billing, account setting).

use serde_json::json;

use super::{blocking, require_installer, require_staff};
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::account::account_contact;
use crate::model::{
    Account, BillingInfo, CustomerService, DateFormat, Id, PropertyManager, Role, Session, Tenant,
    TimeFormat,
};
use crate::record::{Record, RecordKey};
use crate::rules;
use crate::store::{Store, Txn};

/// Sessions one account may hold; the oldest is dropped past this.
pub const MAX_SESSIONS_PER_ACCOUNT: usize = 32;

/// What a login returns: the bearer token (shown once) and its session.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub session: Session,
    pub account: Account,
}

/// A created account, with its password when the server generated it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: Account,
    pub generated_password: Option<String>,
}

/// Input of a new account.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub username: String,
    pub email: String,
    pub phone: String,
    /// `None` or empty: generate one.
    pub password: Option<String>,
}

/// Partial edit of a sub-installer.
#[derive(Debug, Clone, Default)]
pub struct AccountEdit {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password: Option<String>,
}

impl Store {
    /// On an empty store, creates the first installer (also the site operator). Returns
    /// `None` when accounts exist already.
    pub async fn bootstrap(
        &self,
        username: &str,
        password: Option<String>,
    ) -> Result<Option<NewAccount>> {
        if self.read(|d| d.has_accounts()) {
            return Ok(None);
        }
        let input = AccountInput {
            username: username.to_owned(),
            password,
            ..AccountInput::default()
        };
        let (input, hash, generated) = prepare_account(input).await?;
        self.write(move |dir, txn| {
            if dir.has_accounts() {
                return Ok(None);
            }
            let account = new_installer(txn, &input, hash, true)?;
            let actor = actor_of(&account);
            txn.audit(
                &actor,
                "installer.bootstrap",
                format!("account/{}", account.id),
                json!({"username": account.username}),
            );
            Ok(Some(NewAccount {
                account,
                generated_password: generated,
            }))
        })
        .await
    }

    /// Checks a username and password and opens a session of `ttl_ms`.
    pub async fn login(&self, username: &str, password: &str, ttl_ms: i64) -> Result<LoginOutcome> {
        let account = self.read(|d| d.account_by_username(username).cloned());
        let phc = account.as_ref().map_or_else(
            || auth::decoy_hash().to_owned(),
            |a| a.password_hash.clone(),
        );
        let pw = password.to_owned();
        let matches = blocking(move || auth::verify_password(&pw, &phc)).await;
        let account = match account {
            Some(a) if matches => a,
            _ => {
                return Err(StoreError::Unauthenticated(
                    "invalid username or password".into(),
                ));
            }
        };
        let token = auth::new_token()?;
        let hash = auth::token_hash(&token);
        self.write(move |dir, txn| {
            // The account may have been deleted while the password was checked.
            let account = dir.account(account.id).cloned().ok_or_else(|| {
                StoreError::Unauthenticated("invalid username or password".into())
            })?;
            let session = open_session(dir, txn, account.id, false, hash, ttl_ms);
            Ok(LoginOutcome {
                token,
                session,
                account,
            })
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
            let actor = if session.property_manager {
                dir.property_manager(session.account_id).map(actor_of_pm)
            } else {
                dir.account(session.account_id).map(actor_of)
            };
            actor.ok_or_else(|| StoreError::Unauthenticated("the account no longer exists".into()))
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

    pub fn account_of(&self, actor: &Actor) -> Result<Account> {
        self.read(|d| d.account(actor.account_id).cloned())
            .ok_or_else(|| StoreError::Unauthenticated("the account no longer exists".into()))
    }

    /// Changes the actor's password after checking the old one. Other sessions of the
    /// account end; the current one stays.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_token: &str,
        old: &str,
        new: &str,
    ) -> Result<()> {
        rules::password("new_password", new)?;
        let account = self.account_of(actor)?;
        let (old_pw, new_pw, phc) = (
            old.to_owned(),
            new.to_owned(),
            account.password_hash.clone(),
        );
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
            let mut account = dir.account(actor.account_id).cloned().ok_or_else(|| {
                StoreError::Unauthenticated("the account no longer exists".into())
            })?;
            account.password_hash = new_hash;
            for s in dir.sessions_of(account.id).filter(|s| s.token_hash != keep) {
                txn.delete(RecordKey::Session(s.token_hash.clone()));
            }
            txn.put(Record::Account(account));
            txn.audit(
                &actor,
                "account.password",
                format!("account/{}", actor.account_id),
                json!({}),
            );
            Ok(())
        })
        .await
    }

    /// The account's Time Zone, and how it shows times outside a community (each format
    /// kept when not given).
    pub async fn set_time_zone(
        &self,
        actor: &Actor,
        tz: &str,
        time_format: Option<TimeFormat>,
        date_format: Option<DateFormat>,
    ) -> Result<Account> {
        let tz = rules::time_zone("time_zone", tz)?;
        let actor = actor.clone();
        self.write(move |dir, txn| {
            let mut account = dir.account(actor.account_id).cloned().ok_or_else(|| {
                StoreError::Unauthenticated("the account no longer exists".into())
            })?;
            account.time_zone = tz.clone();
            account.time_format = time_format.unwrap_or(account.time_format);
            account.date_format = date_format.unwrap_or(account.date_format);
            txn.put(Record::Account(account.clone()));
            txn.audit(
                &actor,
                "account.time_zone",
                format!("account/{}", actor.account_id),
                json!({"time_zone": tz, "time_format": format!("{:?}", account.time_format),
                       "date_format": format!("{:?}", account.date_format)}),
            );
            Ok(account)
        })
        .await
    }

    pub fn tenant_of(&self, actor: &Actor) -> Result<Tenant> {
        require_staff(actor, "see the installer's profile")?;
        self.read(|d| d.tenant(actor.installer_id).cloned())
            .ok_or_else(|| StoreError::not_found("installer"))
    }

    pub async fn set_customer_service(
        &self,
        actor: &Actor,
        cs: CustomerService,
    ) -> Result<CustomerService> {
        require_staff(actor, "change the customer service contact")?;
        let cs = cs.validated()?;
        self.update_tenant(actor, "account.customer_service", move |t| {
            t.customer_service = cs.clone();
            json!({"phone": cs.phone, "email": cs.email, "receive_feedback": cs.receive_feedback})
        })
        .await
        .map(|t| t.customer_service)
    }

    pub async fn set_billing(&self, actor: &Actor, billing: BillingInfo) -> Result<BillingInfo> {
        require_staff(actor, "change the billing information")?;
        let billing = billing.validated()?;
        self.update_tenant(actor, "account.billing", move |t| {
            t.billing = billing.clone();
            json!({"company": billing.company})
        })
        .await
        .map(|t| t.billing)
    }

    /// "Account Setting": distributor access without password. Main installer only.
    pub async fn set_distributor_access(&self, actor: &Actor, on: bool) -> Result<bool> {
        require_staff(actor, "change the account setting")?;
        require_installer(actor, "change the account setting")?;
        self.update_tenant(actor, "account.setting", move |t| {
            t.distributor_access = on;
            json!({"distributor_access": on})
        })
        .await
        .map(|t| t.distributor_access)
    }

    async fn update_tenant(
        &self,
        actor: &Actor,
        action: &'static str,
        edit: impl FnOnce(&mut Tenant) -> serde_json::Value,
    ) -> Result<Tenant> {
        self.write(|dir, txn| {
            let mut tenant = dir
                .tenant(actor.installer_id)
                .cloned()
                .ok_or_else(|| StoreError::not_found("installer"))?;
            let detail = edit(&mut tenant);
            txn.put(Record::Tenant(tenant.clone()));
            txn.audit(
                actor,
                action,
                format!("installer/{}", actor.installer_id),
                detail,
            );
            Ok(tenant)
        })
        .await
    }

    /// "New Sub-account": logs in separately and sees the installer's data.
    pub async fn create_sub_installer(
        &self,
        actor: &Actor,
        input: AccountInput,
    ) -> Result<NewAccount> {
        require_staff(actor, "manage sub-accounts")?;
        require_installer(actor, "manage sub-accounts")?;
        let (input, hash, generated) = prepare_account(input).await?;
        self.write(|dir, txn| {
            check_username_free(dir, &input.username)?;
            let account = Account {
                id: txn.next_id(),
                username: input.username.clone(),
                email: input.email.clone(),
                phone: input.phone.clone(),
                role: Role::SubInstaller,
                installer_id: actor.installer_id,
                password_hash: hash,
                time_zone: dir
                    .account(actor.account_id)
                    .map_or_else(|| "UTC".to_owned(), |a| a.time_zone.clone()),
                time_format: Default::default(),
                date_format: Default::default(),
                operator: false,
                created_at_ms: txn.now_ms(),
            };
            txn.put(Record::Account(account.clone()));
            txn.audit(
                actor,
                "sub_installer.create",
                format!("account/{}", account.id),
                json!({"username": account.username, "email": account.email, "phone": account.phone}),
            );
            Ok(NewAccount {
                account,
                generated_password: generated,
            })
        })
        .await
    }

    pub fn list_sub_installers(&self, actor: &Actor) -> Vec<Account> {
        if require_staff(actor, "see sub-accounts").is_err() {
            return Vec::new();
        }
        self.read(|d| {
            d.accounts_of(actor.installer_id)
                .filter(|a| a.role == Role::SubInstaller)
                .cloned()
                .collect()
        })
    }

    pub async fn update_sub_installer(
        &self,
        actor: &Actor,
        id: Id,
        edit: AccountEdit,
    ) -> Result<Account> {
        require_staff(actor, "manage sub-accounts")?;
        require_installer(actor, "manage sub-accounts")?;
        let (email, phone) = account_contact(
            edit.email.as_deref().unwrap_or(""),
            edit.phone.as_deref().unwrap_or(""),
        )?;
        let hash = match edit.password.filter(|p| !p.is_empty()) {
            Some(pw) => {
                rules::password("password", &pw)?;
                Some(blocking(move || auth::hash_password(&pw)).await?)
            }
            None => None,
        };
        self.write(|dir, txn| {
            let mut account = sub_installer_of(dir, actor, id)?.clone();
            if edit.email.is_some() {
                account.email = email;
            }
            if edit.phone.is_some() {
                account.phone = phone;
            }
            let password_changed = hash.is_some();
            if let Some(h) = hash {
                account.password_hash = h;
                for s in dir.sessions_of(id) {
                    txn.delete(RecordKey::Session(s.token_hash.clone()));
                }
            }
            txn.put(Record::Account(account.clone()));
            txn.audit(
                actor,
                "sub_installer.update",
                format!("account/{id}"),
                json!({"email": account.email, "phone": account.phone, "password_changed": password_changed}),
            );
            Ok(account)
        })
        .await
    }

    /// Deletes a sub-installer and ends its sessions.
    pub async fn delete_sub_installer(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "manage sub-accounts")?;
        require_installer(actor, "manage sub-accounts")?;
        self.write(|dir, txn| {
            let account = sub_installer_of(dir, actor, id)?;
            for s in dir.sessions_of(id) {
                txn.delete(RecordKey::Session(s.token_hash.clone()));
            }
            txn.delete(RecordKey::Account(id));
            txn.audit(
                actor,
                "sub_installer.delete",
                format!("account/{id}"),
                json!({"username": account.username}),
            );
            Ok(())
        })
        .await
    }

    /// A new installer (tenant). Only the site operator may do this; the operator still
    /// cannot see the new installer's data.
    pub async fn create_installer(&self, actor: &Actor, input: AccountInput) -> Result<NewAccount> {
        if !actor.operator {
            return Err(StoreError::PermissionDenied(
                "only the site operator may create installer accounts".into(),
            ));
        }
        let (input, hash, generated) = prepare_account(input).await?;
        self.write(|dir, txn| {
            check_username_free(dir, &input.username)?;
            let account = new_installer(txn, &input, hash, false)?;
            txn.audit(
                actor,
                "installer.create",
                format!("account/{}", account.id),
                json!({"username": account.username, "email": account.email}),
            );
            Ok(NewAccount {
                account,
                generated_password: generated,
            })
        })
        .await
    }
}

/// A new session of `holder` (an account, or a property manager), keeping at most
/// `MAX_SESSIONS_PER_ACCOUNT` of its sessions and dropping its expired ones.
pub(crate) fn open_session(
    dir: &Directory,
    txn: &mut Txn,
    holder: Id,
    property_manager: bool,
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
        property_manager,
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

/// Validates a new account's fields and hashes (or generates) its password.
async fn prepare_account(input: AccountInput) -> Result<(AccountInput, String, Option<String>)> {
    let username = rules::username("username", &input.username)?;
    let (email, phone) = account_contact(&input.email, &input.phone)?;
    let (password, generated) = match input.password.filter(|p| !p.is_empty()) {
        Some(pw) => {
            rules::password("password", &pw)?;
            (pw, None)
        }
        None => {
            let pw = auth::generate_password()?;
            (pw.clone(), Some(pw))
        }
    };
    let hash = blocking(move || auth::hash_password(&password)).await?;
    Ok((
        AccountInput {
            username,
            email,
            phone,
            password: None,
        },
        hash,
        generated,
    ))
}

fn check_username_free(dir: &crate::Directory, username: &str) -> Result<()> {
    if dir.account_by_username(username).is_some() {
        return Err(StoreError::exists(
            "username",
            format!("{} is taken", rules::quote(username)),
        ));
    }
    Ok(())
}

fn sub_installer_of<'a>(dir: &'a crate::Directory, actor: &Actor, id: Id) -> Result<&'a Account> {
    dir.account(id)
        .filter(|a| a.installer_id == actor.installer_id && a.role == Role::SubInstaller)
        .ok_or_else(|| StoreError::not_found(format!("sub-account {id}")))
}

fn new_installer(
    txn: &mut Txn,
    input: &AccountInput,
    hash: String,
    operator: bool,
) -> Result<Account> {
    let id = txn.next_id();
    let account = Account {
        id,
        username: input.username.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        role: Role::Installer,
        installer_id: id,
        password_hash: hash,
        time_zone: "UTC".to_owned(),
        time_format: Default::default(),
        date_format: Default::default(),
        operator,
        created_at_ms: txn.now_ms(),
    };
    let tenant = Tenant {
        installer_id: id,
        customer_service: CustomerService::default(),
        billing: BillingInfo::default(),
        distributor_access: false,
        sip_prefix: txn.next_sip_prefix()?,
        next_family_seq: 1,
        next_device_seq: 1,
    };
    txn.put(Record::Account(account.clone()));
    txn.put(Record::Tenant(tenant));
    Ok(account)
}
