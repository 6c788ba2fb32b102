//! Installer and sub-installer accounts, the installer's profile (tenant), login sessions.

use serde::{Deserialize, Serialize};

use super::{DateFormat, Id, TimeFormat};
use crate::error::Result;
use crate::rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// A main installer account: owns a tenant.
    Installer,
    /// "New Sub-account": logs in separately, sees the same data as its installer.
    SubInstaller,
    /// A property manager, logged in: sees only the communities assigned to it. Never the
    /// role of an `Account` record (property managers are `PropertyManager` records).
    PropertyManager,
}

/// A login account. `installer_id` is the tenant whose data it sees.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    pub id: Id,
    pub username: String,
    pub email: String,
    pub phone: String,
    pub role: Role,
    pub installer_id: Id,
    /// argon2 PHC string; never leaves the store.
    pub password_hash: String,
    pub time_zone: String,
    /// How times outside a community are shown to this account (a community's own
    /// settings rule inside it).
    #[serde(default)]
    pub time_format: TimeFormat,
    #[serde(default)]
    pub date_format: DateFormat,
    /// The site operator (the first installer) may create other installers.
    pub operator: bool,
    pub created_at_ms: i64,
    /// The second factor of its login, once set up.
    #[serde(default)]
    pub two_factor: Option<crate::two_factor::TwoFactor>,
}

/// The site operator's rules for every installer, sub-installer and property manager.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SitePolicy {
    /// Every login needs a second factor: an account without one may only set it up.
    pub require_two_factor: bool,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Installer => "installer",
            Role::SubInstaller => "sub-installer",
            Role::PropertyManager => "property manager",
        })
    }
}

/// Validated contact fields of an account.
pub fn account_contact(email: &str, phone: &str) -> Result<(String, String)> {
    let email = rules::optional_email("email", email)?.unwrap_or_default();
    let phone = rules::phone("phone", phone)?;
    Ok((email, phone))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerService {
    pub phone: String,
    pub email: String,
    pub receive_feedback: bool,
}

impl CustomerService {
    /// The form marks phone and email as required.
    pub fn validated(self) -> Result<Self> {
        let phone = rules::phone("phone", &self.phone)?;
        if phone.is_empty() {
            return Err(crate::StoreError::invalid("phone", "is required"));
        }
        let email = rules::email("email", &self.email)?;
        Ok(CustomerService {
            phone,
            email,
            receive_feedback: self.receive_feedback,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingInfo {
    pub company: String,
    pub attn: String,
    pub street: String,
    pub city: String,
    pub post_code: String,
    pub country: String,
    pub tel: String,
    pub fax: String,
    pub email: String,
}

impl BillingInfo {
    /// Company, ATTN, address (street), TEL and email are required by the form.
    pub fn validated(self) -> Result<Self> {
        let tel = rules::phone("tel", &self.tel)?;
        if tel.is_empty() {
            return Err(crate::StoreError::invalid("tel", "is required"));
        }
        Ok(BillingInfo {
            company: rules::required_name("company", &self.company, rules::MAX_NAME_LEN)?,
            attn: rules::required_name("attn", &self.attn, rules::MAX_NAME_LEN)?,
            street: rules::required_name("street", &self.street, 256)?,
            city: rules::free_text("city", &self.city)?,
            post_code: rules::post_code("post_code", &self.post_code)?,
            country: rules::free_text("country", &self.country)?,
            tel,
            fax: rules::phone("fax", &self.fax)?,
            email: rules::email("email", &self.email)?,
        })
    }
}

/// What belongs to an installer as a whole (shared with its sub-installers).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tenant {
    pub installer_id: Id,
    pub customer_service: CustomerService,
    pub billing: BillingInfo,
    /// "Permission Granted" for distributor access; off by default.
    pub distributor_access: bool,
    /// Four-digit prefix of this installer's SIP numbers.
    pub sip_prefix: u32,
    /// Next family (apartment) SIP sequence number: `{prefix}0{seq:05}`.
    pub next_family_seq: u32,
    /// Next device SIP sequence number: `{prefix}1{seq:05}`.
    pub next_device_seq: u32,
}

/// A login session. Only the SHA-256 of the bearer token is stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: String,
    /// The `Account`, or the `PropertyManager` when `property_manager` is set.
    pub account_id: Id,
    #[serde(default)]
    pub property_manager: bool,
    /// Set for an end user's app session (`account_id` is then `EndUserRef::session_owner`).
    #[serde(default)]
    pub end_user: Option<super::EndUserRef>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}
