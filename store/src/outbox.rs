//! The outbox: email messages queued in the write that causes them, sent by the mailer
//! (`porter-mail`) with retries, listed with their state. Like events, messages are not
//! directory records: they live in the backend only, under three key spaces:
//!
//! - `mail/m/<id>`: every message with its state (the list the admin API shows);
//! - `mail/q/<next attempt ms>/<id>`: the pending ones by when they are due, so the mailer
//!   reads the next few without scanning the rest;
//! - `mail/k/<dedupe key>`: what was queued already. A message whose dedupe key (recipient,
//!   kind and day) is there is dropped when its change set commits, so a schedule that runs
//!   twice, or again after a crash, never sends the same notice twice.

use serde::{Deserialize, Serialize};

use crate::model::{Id, Language};

pub const MAIL_PREFIX: &str = "mail/";
const MESSAGE_PREFIX: &str = "mail/m/";
const DUE_PREFIX: &str = "mail/q/";
const DEDUPE_PREFIX: &str = "mail/k/";

/// One email, in the store's terms: who gets it and what it says as data. The mailer
/// renders the words from its templates in `language` when it sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Increases with time (the store's event sequence).
    pub id: u64,
    /// Recipient, kind and day: at most one message per key is ever queued.
    pub dedupe: String,
    /// Whose trail it belongs to (the installer sees its own messages).
    pub installer_id: Id,
    pub to: String,
    pub to_name: String,
    pub language: Language,
    pub content: MailContent,
    pub queued_ms: i64,
    pub state: MailState,
}

/// Who an expiration notice is for: the manual's "end user, property manager, installer".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    EndUser,
    PropertyManager,
    Installer,
}

/// An apartment as a message names it; dates are the community's local dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApartmentLine {
    pub community_id: Id,
    pub community: String,
    pub building: String,
    pub apartment: String,
    /// `YYYY-MM-DD` in the community's time zone.
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailContent {
    /// The app service of these apartments expired `days` days ago ("Send Expiration
    /// Email"). `contact` is the installer's customer service, for end users.
    ExpirationNotice {
        audience: Audience,
        days: u32,
        apartments: Vec<ApartmentLine>,
        contact: String,
    },
    /// The apartment's service was renewed until `apartment.date` ("Send Renew Email").
    Renewal { apartment: ApartmentLine },
    /// An end user was added with this email: the link sets the app password. `token` is
    /// the link's secret until the message is settled, then blank (`redacted`).
    AccountInvitation {
        token: String,
        apartment: ApartmentLine,
        family_master: bool,
    },
    /// "Forgot password" or the installer's "Reset Password": the link sets a new one.
    PasswordReset { token: String },
    /// "New Property Manager": the account's login is this email; the link sets its
    /// portal password. `installer` names who made it.
    ManagerAccount { token: String, installer: String },
    /// A property manager's "Forgot password", or the installer's "Reset Password": the
    /// link sets a new portal password.
    ManagerPasswordReset { token: String },
}

impl MailContent {
    /// The kind as the outbox list and dedupe keys name it.
    pub fn kind(&self) -> String {
        match self {
            MailContent::ExpirationNotice { days, .. } => format!("expiration-{days}d"),
            MailContent::Renewal { .. } => "renewal".to_owned(),
            MailContent::AccountInvitation { .. } => "invitation".to_owned(),
            MailContent::PasswordReset { .. } => "password-reset".to_owned(),
            MailContent::ManagerAccount { .. } => "manager-account".to_owned(),
            MailContent::ManagerPasswordReset { .. } => "manager-password-reset".to_owned(),
        }
    }

    /// Without the secrets it carries, once it needs them no more.
    pub fn redacted(&self) -> MailContent {
        let mut c = self.clone();
        if let MailContent::AccountInvitation { token, .. }
        | MailContent::PasswordReset { token }
        | MailContent::ManagerAccount { token, .. }
        | MailContent::ManagerPasswordReset { token } = &mut c
        {
            token.clear();
        }
        c
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    Pending {
        attempts: u32,
        next_attempt_ms: i64,
        last_error: String,
    },
    Sent {
        attempts: u32,
        at_ms: i64,
    },
    /// Given up: refused for good by the SMTP server, or still failing after the retry
    /// period.
    Failed {
        attempts: u32,
        at_ms: i64,
        error: String,
    },
}

impl MailState {
    pub fn name(&self) -> &'static str {
        match self {
            MailState::Pending { .. } => "pending",
            MailState::Sent { .. } => "sent",
            MailState::Failed { .. } => "failed",
        }
    }

    pub fn attempts(&self) -> u32 {
        match self {
            MailState::Pending { attempts, .. }
            | MailState::Sent { attempts, .. }
            | MailState::Failed { attempts, .. } => *attempts,
        }
    }

    /// When a pending message is due; `None` once settled.
    pub fn due_ms(&self) -> Option<i64> {
        match self {
            MailState::Pending {
                next_attempt_ms, ..
            } => Some(*next_attempt_ms),
            _ => None,
        }
    }

    /// When it was sent or given up.
    pub fn settled_ms(&self) -> Option<i64> {
        match self {
            MailState::Pending { .. } => None,
            MailState::Sent { at_ms, .. } | MailState::Failed { at_ms, .. } => Some(*at_ms),
        }
    }
}

pub fn message_key(id: u64) -> String {
    format!("{MESSAGE_PREFIX}{id:016x}")
}

pub fn message_range(before_id: u64) -> (String, String) {
    (message_key(0), message_key(before_id))
}

/// The pending index entry of a message due at `due_ms` (times before 1970 sort first).
pub fn due_key(due_ms: i64, id: u64) -> String {
    format!("{DUE_PREFIX}{:016x}/{id:016x}", due_ms.max(0))
}

/// Every pending index entry due at or before `now_ms`.
pub fn due_range(now_ms: i64) -> (String, String) {
    (
        DUE_PREFIX.to_owned(),
        format!("{DUE_PREFIX}{:016x}/~", now_ms.max(0)),
    )
}

pub fn dedupe_key(dedupe: &str) -> String {
    format!("{DEDUPE_PREFIX}{dedupe}")
}

/// A key set to a value, or removed (`None`).
pub type KeyWrite = (String, Option<Vec<u8>>);

/// The backend writes of a message entering the outbox (its dedupe key is checked before).
pub fn queued_entries(m: &MailMessage) -> Result<Vec<KeyWrite>, serde_json::Error> {
    let mut out = vec![
        (message_key(m.id), Some(serde_json::to_vec(m)?)),
        (dedupe_key(&m.dedupe), Some(m.id.to_be_bytes().to_vec())),
    ];
    if let Some(due) = m.state.due_ms() {
        out.push((due_key(due, m.id), Some(Vec::new())));
    }
    Ok(out)
}

/// The backend writes of a message moving from `before` to `after` (same id).
pub fn settled_entries(
    before: &MailMessage,
    after: &MailMessage,
) -> Result<Vec<KeyWrite>, serde_json::Error> {
    let mut out = Vec::with_capacity(3);
    if let Some(due) = before.state.due_ms() {
        out.push((due_key(due, before.id), None));
    }
    if let Some(due) = after.state.due_ms() {
        out.push((due_key(due, after.id), Some(Vec::new())));
    }
    out.push((message_key(after.id), Some(serde_json::to_vec(after)?)));
    Ok(out)
}

/// The id in a pending index key.
pub fn id_of_due_key(key: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(key).ok()?;
    u64::from_str_radix(text.rsplit('/').next()?, 16).ok()
}

/// Messages settled this long ago are pruned, with their dedupe keys.
pub const MAIL_RETENTION_MS: i64 = 60 * 24 * 3600 * 1000;

/// Whether pruning at `now_ms` removes this message: settled before the retention period,
/// or still pending that long after it was queued (a server without SMTP never sends).
pub fn prunable(m: &MailMessage, now_ms: i64) -> bool {
    now_ms - m.state.settled_ms().unwrap_or(m.queued_ms) > MAIL_RETENTION_MS
}

/// The keys a pruned message leaves behind besides its own: its dedupe key and, while
/// pending, its place in the due list.
pub fn pruned_keys(m: &MailMessage) -> Vec<String> {
    let mut keys = vec![message_key(m.id), dedupe_key(&m.dedupe)];
    if let Some(due) = m.state.due_ms() {
        keys.push(due_key(due, m.id));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_keys_sort_by_time_then_id() {
        let a = due_key(1_000, 9);
        let b = due_key(2_000, 1);
        assert!(a < b);
        let (start, end) = due_range(1_000);
        assert!(start.as_str() <= a.as_str() && a.as_str() < end.as_str());
        assert!(b.as_str() >= end.as_str());
        assert_eq!(id_of_due_key(a.as_bytes()), Some(9));
    }
}
