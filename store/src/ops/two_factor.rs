//! Two-factor login for installers, sub-installers and property managers: set it up
//! (a secret, then the first code confirms it and gives the recovery codes), check a code
//! or recovery code at login, turn it off with the password and a code, and the site
//! operator's "require it for every account". The TOTP rules are `crate::two_factor`'s.

use serde_json::json;

use super::blocking;
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{Role, SitePolicy};
use crate::record::Record;
use crate::secrets::Sealer;
use crate::store::{Store, Txn};
use crate::two_factor::{self, TwoFactor};

/// What the account page shows of an account's second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: usize,
    /// The site requires a second factor and this account has none yet.
    pub setup_required: bool,
}

/// What setting up shows: the secret for typing and the otpauth:// URL for the QR code.
#[derive(Clone, Debug)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

fn refused_code() -> StoreError {
    StoreError::Unauthenticated("invalid authentication code".into())
}

/// The second factor of a login holder (an account or a property manager).
pub(crate) fn holder_two_factor(
    dir: &Directory,
    id: crate::model::Id,
    pm: bool,
) -> Option<&TwoFactor> {
    if pm {
        dir.property_manager(id)?.two_factor.as_ref()
    } else {
        dir.account(id)?.two_factor.as_ref()
    }
}

/// Writes `two_factor` to the holder's record.
pub(crate) fn put_two_factor(
    dir: &Directory,
    txn: &mut Txn,
    id: crate::model::Id,
    pm: bool,
    two_factor: Option<TwoFactor>,
) -> Result<()> {
    let gone = || StoreError::Unauthenticated("the account no longer exists".into());
    if pm {
        let mut p = dir.property_manager(id).cloned().ok_or_else(gone)?;
        p.two_factor = two_factor;
        txn.put(Record::PropertyManager(p));
    } else {
        let mut a = dir.account(id).cloned().ok_or_else(gone)?;
        a.two_factor = two_factor;
        txn.put(Record::Account(a));
    }
    Ok(())
}

/// Checks `code` (a TOTP code or a recovery code) against `tf` at `now_ms` and returns
/// the factor with the code spent; `None` when it does not match.
pub(crate) fn spend_code(
    sealer: &Sealer,
    tf: &TwoFactor,
    code: &str,
    now_ms: i64,
) -> Result<Option<TwoFactor>> {
    let mut next = tf.clone();
    if two_factor::is_recovery_code(code) {
        let hash = two_factor::recovery_hash(code);
        let before = next.recovery_hashes.len();
        next.recovery_hashes
            .retain(|h| !auth::constant_time_eq(h.as_bytes(), hash.as_bytes()));
        return Ok((next.recovery_hashes.len() < before).then_some(next));
    }
    let secret = secret_bytes(sealer, tf)?;
    let now_secs = u64::try_from(now_ms / 1000).unwrap_or(0);
    Ok(
        two_factor::check(&secret, code, now_secs, tf.last_step).map(|step| {
            next.last_step = step;
            next
        }),
    )
}

fn secret_bytes(sealer: &Sealer, tf: &TwoFactor) -> Result<Vec<u8>> {
    let base32 = sealer.open(&tf.secret_sealed)?;
    totp_rs::Secret::Encoded(base32)
        .to_bytes()
        .map_err(|e| StoreError::precondition(format!("the two-factor secret is unusable: {e:?}")))
}

fn is_pm(actor: &Actor) -> bool {
    actor.role == Role::PropertyManager
}

impl Store {
    /// The actor's second factor as its account page shows it.
    pub fn two_factor_status(&self, actor: &Actor) -> TwoFactorStatus {
        self.read(|dir| {
            let tf = holder_two_factor(dir, actor.account_id, is_pm(actor)).filter(|t| t.active());
            TwoFactorStatus {
                enabled: tf.is_some(),
                recovery_codes_left: tf.map_or(0, |t| t.recovery_hashes.len()),
                setup_required: dir.site_policy().require_two_factor && tf.is_none(),
            }
        })
    }

    /// Refuses an actor the site requires a second factor of while it has none: it may
    /// only set one up (the admin API lets `AuthService` through for that).
    pub fn enforce_two_factor(&self, actor: &Actor) -> Result<()> {
        if self.two_factor_status(actor).setup_required {
            return Err(StoreError::PermissionDenied(
                "this site requires two-factor authentication: set it up on your account page first"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Starts setting up a second factor: a new secret, not asked for at login until a
    /// code confirms it. Refused while one is on.
    pub async fn begin_two_factor(&self, actor: &Actor) -> Result<Enrolment> {
        let secret = two_factor::new_secret()?;
        let (secret_base32, otpauth_url) = two_factor::enrolment(&secret, &actor.username)?;
        let sealed = self.sealer().seal(&secret_base32)?;
        self.write(|dir, txn| {
            if holder_two_factor(dir, actor.account_id, is_pm(actor)).is_some_and(TwoFactor::active) {
                return Err(StoreError::precondition(
                    "two-factor authentication is already on; turn it off first to set up a new one",
                ));
            }
            let pending = TwoFactor {
                secret_sealed: sealed.clone(),
                ..TwoFactor::default()
            };
            put_two_factor(dir, txn, actor.account_id, is_pm(actor), Some(pending))
        })
        .await?;
        Ok(Enrolment {
            secret_base32,
            otpauth_url,
        })
    }

    /// Confirms the set-up with a code from the app; returns the ten recovery codes, shown
    /// this once.
    pub async fn confirm_two_factor(&self, actor: &Actor, code: &str) -> Result<Vec<String>> {
        let (codes, hashes) = two_factor::new_recovery_codes()?;
        let sealer = self.sealer();
        self.write(|dir, txn| {
            let pending = holder_two_factor(dir, actor.account_id, is_pm(actor))
                .filter(|t| !t.active())
                .ok_or_else(|| {
                    StoreError::precondition(
                        "there is no two-factor set-up to confirm; start one first",
                    )
                })?;
            if two_factor::is_recovery_code(code) {
                return Err(StoreError::invalid(
                    "code",
                    "is the 6-digit code the app shows",
                ));
            }
            let mut on = spend_code(sealer, pending, code, txn.now_ms())?.ok_or_else(|| {
                StoreError::invalid(
                    "code",
                    "does not match; check the app's clock and try the next code",
                )
            })?;
            on.confirmed = true;
            on.confirmed_at_ms = txn.now_ms();
            on.recovery_hashes = hashes.clone();
            put_two_factor(dir, txn, actor.account_id, is_pm(actor), Some(on))?;
            txn.audit(
                actor,
                "two_factor.enable",
                format!("login/{}", actor.account_id),
                json!({}),
            );
            Ok(())
        })
        .await?;
        Ok(codes)
    }

    /// Turns the second factor off: needs the password and a code (or a recovery code).
    /// Refused while the site requires it.
    pub async fn disable_two_factor(
        &self,
        actor: &Actor,
        password: &str,
        code: &str,
    ) -> Result<()> {
        let (phc, required) = self.read(|dir| {
            let phc = if is_pm(actor) {
                dir.property_manager(actor.account_id)
                    .map(|p| p.password_hash.clone())
            } else {
                dir.account(actor.account_id)
                    .map(|a| a.password_hash.clone())
            };
            (
                phc.unwrap_or_else(|| auth::decoy_hash().to_owned()),
                dir.site_policy().require_two_factor,
            )
        });
        if required {
            return Err(StoreError::PermissionDenied(
                "this site requires two-factor authentication; it cannot be turned off".into(),
            ));
        }
        let pw = password.to_owned();
        if !blocking(move || auth::verify_password(&pw, &phc)).await {
            return Err(StoreError::invalid(
                "password",
                "does not match the current password",
            ));
        }
        let sealer = self.sealer();
        self.write(|dir, txn| {
            let tf = holder_two_factor(dir, actor.account_id, is_pm(actor))
                .filter(|t| t.active())
                .ok_or_else(|| StoreError::precondition("two-factor authentication is not on"))?;
            spend_code(sealer, tf, code, txn.now_ms())?.ok_or_else(refused_code)?;
            put_two_factor(dir, txn, actor.account_id, is_pm(actor), None)?;
            txn.audit(
                actor,
                "two_factor.disable",
                format!("login/{}", actor.account_id),
                json!({}),
            );
            Ok(())
        })
        .await
    }

    /// The site operator's rules.
    pub fn site_policy(&self) -> SitePolicy {
        self.read(|dir| dir.site_policy().clone())
    }

    /// The site operator sets the rules for every account.
    pub async fn set_site_policy(&self, actor: &Actor, policy: SitePolicy) -> Result<SitePolicy> {
        if !actor.operator {
            return Err(StoreError::PermissionDenied(
                "only the site operator sets the site's security policy".into(),
            ));
        }
        self.write(|_, txn| {
            txn.put(Record::SitePolicy(policy.clone()));
            txn.audit(
                actor,
                "site.policy",
                "site".into(),
                json!({"require_two_factor": policy.require_two_factor}),
            );
            Ok(policy.clone())
        })
        .await
    }
}
