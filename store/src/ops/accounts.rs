//! Accounts: bootstrap, sub-installers, installers, and the installer's profile (time zone, customer service, billing, account setting).

use serde_json::json;

use super::login::actor_of;
use super::{blocking, require_installer, require_staff};
use crate::auth;
use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::model::account::account_contact;
use crate::model::{
    Account, BillingInfo, CustomerService, DateFormat, Id, Role, Tenant, TimeFormat,
};
use crate::record::{Record, RecordKey};
use crate::rules;
use crate::store::{Store, Txn};

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

    /// The account's Time Zone, and how it shows times outside a community (each format
    /// kept when not given).
    pub async fn set_time_zone(
        &self,
        actor: &Actor,
        tz: &str,
        time_format: Option<TimeFormat>,
        date_format: Option<DateFormat>,
    ) -> Result<Account> {
        require_staff(actor, "set an installer account's time zone")?;
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
                two_factor: None,
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

/// A username may name neither another account nor a property manager's email (both log in
/// on the same form).
fn check_username_free(dir: &crate::Directory, username: &str) -> Result<()> {
    if dir.account_by_username(username).is_some()
        || dir.property_manager_by_email(username).is_some()
    {
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
        two_factor: None,
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
