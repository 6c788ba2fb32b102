//! Property manager accounts an installer creates and assigns to communities.

use serde::{Deserialize, Serialize};

use super::{Id, Language};
use crate::error::Result;
use crate::rules;

/// A property manager's rights in one community ("Property Manager" window of the
/// community, and its Setting dialog).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PmPermissions {
    /// May use the SmartPlus app for property managers.
    pub app_enabled: bool,
    /// "Delete Account Permission": may delete resident accounts.
    pub delete_accounts: bool,
    /// "Log Access Control": may see door logs, call history, captured images.
    pub log_access: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PmAssignment {
    pub community_id: Id,
    pub permissions: PmPermissions,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PropertyManager {
    pub id: Id,
    pub installer_id: Id,
    pub first_name: String,
    pub last_name: String,
    /// The property manager's login; unique among property managers.
    pub email: String,
    pub language: Language,
    /// "Monthly Password Update Reminder".
    pub monthly_password_reminder: bool,
    /// Platform login (argon2). Only ever generated; shown once to the installer.
    pub password_hash: String,
    /// App login name, allocated from the installer's SIP number space.
    pub app_username: String,
    pub created_at_ms: i64,
    pub assignments: Vec<PmAssignment>,
    /// When the login password last changed (by the property manager, or the installer's
    /// reset); 0 for records older than this field: their creation time counts.
    #[serde(default)]
    pub password_changed_at_ms: i64,
    /// When a login last carried the monthly password reminder.
    #[serde(default)]
    pub password_reminded_at_ms: i64,
    /// The SmartPlus app's login password (argon2), once the installer has reset it.
    #[serde(default)]
    pub app_password_hash: Option<String>,
    /// The second factor of its portal login, once set up.
    #[serde(default)]
    pub two_factor: Option<crate::two_factor::TwoFactor>,
}

/// "Monthly Password Update Reminder": how long a password may stay unchanged, and how often
/// the reminder comes back when it is put off.
pub const PASSWORD_REMINDER_INTERVAL_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Clone, Debug, Default)]
pub struct PropertyManagerInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub language: Option<Language>,
    pub monthly_password_reminder: Option<bool>,
}

impl PropertyManager {
    /// Validated fields of a new property manager: first name, last name and email are
    /// required.
    pub fn check_new(input: &PropertyManagerInput) -> Result<(String, String, String)> {
        Ok((
            rules::required_name(
                "first_name",
                input.first_name.as_deref().unwrap_or(""),
                rules::MAX_PERSON_NAME_LEN,
            )?,
            rules::required_name(
                "last_name",
                input.last_name.as_deref().unwrap_or(""),
                rules::MAX_PERSON_NAME_LEN,
            )?,
            rules::email("email", input.email.as_deref().unwrap_or(""))?,
        ))
    }

    /// An edit ("Edit Property Manager": names and the reminder; the email is the login and
    /// stays).
    pub fn edited(&self, input: PropertyManagerInput) -> Result<Self> {
        let mut pm = self.clone();
        if let Some(email) = input.email
            && rules::email_key(&email) != rules::email_key(&self.email)
        {
            return Err(crate::StoreError::invalid(
                "email",
                "a property manager's email is the login and cannot be changed",
            ));
        }
        if let Some(v) = input.first_name {
            pm.first_name = rules::required_name("first_name", &v, rules::MAX_PERSON_NAME_LEN)?;
        }
        if let Some(v) = input.last_name {
            pm.last_name = rules::required_name("last_name", &v, rules::MAX_PERSON_NAME_LEN)?;
        }
        if let Some(v) = input.language {
            pm.language = v;
        }
        if let Some(v) = input.monthly_password_reminder {
            pm.monthly_password_reminder = v;
        }
        Ok(pm)
    }

    /// Whether a login now should remind the property manager to change its password: the
    /// reminder is on, the password is a month old, and no login carried the reminder within
    /// the last month.
    pub fn password_reminder_due(&self, now_ms: i64) -> bool {
        let changed = self.password_changed_at_ms.max(self.created_at_ms);
        let since = changed.max(self.password_reminded_at_ms);
        self.monthly_password_reminder
            && now_ms.saturating_sub(since) >= PASSWORD_REMINDER_INTERVAL_MS
    }

    /// Whether the SmartPlus app is enabled for it in any community.
    pub fn app_enabled(&self) -> bool {
        self.assignments.iter().any(|a| a.permissions.app_enabled)
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn assignment(&self, community_id: Id) -> Option<&PmAssignment> {
        self.assignments
            .iter()
            .find(|a| a.community_id == community_id)
    }
}
