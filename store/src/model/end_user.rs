//! End users (the residents' app accounts): the family master and the family members of an
//! apartment, who log in by email. Their records are the apartment's (`Resident`,
//! `FamilyMember`); this names one of them, and the single-use links that set a password.

use serde::{Deserialize, Serialize};

use super::{Apartment, Id, Language};

/// One end user: the apartment's family master (`member_id: None`) or a family member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EndUserRef {
    pub apartment_id: Id,
    pub member_id: Option<Id>,
}

impl EndUserRef {
    /// The id its sessions are kept under (ids are unique across every kind of record).
    pub fn session_owner(self) -> Id {
        self.member_id.unwrap_or(self.apartment_id)
    }
}

/// What a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkPurpose {
    /// Sent when the end user was added with an email: set the first password.
    Invitation,
    /// "Forgot password" or the installer's "Reset Password": set a new one.
    PasswordReset,
}

/// Whose password a link sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LinkOwner {
    /// An end user's app password.
    EndUser(EndUserRef),
    /// A property manager's portal password.
    PropertyManager { property_manager_id: Id },
}

/// A single-use link by email; only the SHA-256 of its token is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLink {
    pub token_hash: String,
    pub purpose: LinkPurpose,
    /// Links stored before property managers had them name an end user as `user`.
    #[serde(alias = "user")]
    pub owner: LinkOwner,
    /// The address it was sent to: a link stops working when the email changes.
    pub email: String,
    pub expires_at_ms: i64,
}

/// How long links stay usable.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
pub const PASSWORD_RESET_TTL_MS: i64 = 3600 * 1000;
/// A property manager's reset link: the installer may ask for it on their behalf, so it
/// outlives a working day.
pub const MANAGER_RESET_TTL_MS: i64 = 24 * 3600 * 1000;

/// An end user as the apartment record holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndUser {
    pub user: EndUserRef,
    pub email: String,
    pub name: String,
    pub language: Language,
    /// The app password's hash, once set.
    pub password_hash: Option<String>,
}

/// The apartment's end users (the family master first).
pub fn end_users_of(a: &Apartment) -> Vec<EndUser> {
    let Some(r) = &a.resident else {
        return Vec::new();
    };
    let mut out = vec![EndUser {
        user: EndUserRef {
            apartment_id: a.id,
            member_id: None,
        },
        email: r.email.clone(),
        name: format!("{} {}", r.first_name, r.last_name),
        language: r.language,
        password_hash: r.app_credential_hash.clone(),
    }];
    for f in &a.family {
        out.push(EndUser {
            user: EndUserRef {
                apartment_id: a.id,
                member_id: Some(f.id),
            },
            email: f.email.clone(),
            name: format!("{} {}", f.first_name, f.last_name),
            // Family members have no language of their own: the family master's.
            language: r.language,
            password_hash: f.app_password_hash.clone(),
        });
    }
    out
}
