//! Apartments, their family master (resident) and family members.
//!
//! The resident and family members live inside the apartment record, so creating an
//! apartment with its resident, resetting it or deleting it is one record write.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};
use crate::rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallMode {
    /// All the apartment's devices are on one local network ("IP Call", the default).
    Ip,
    Sip,
}

/// The 12 languages of account emails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    English,
    SimplifiedChinese,
    Korean,
    Japanese,
    Turkish,
    Polish,
    Russian,
    Spanish,
    Bosnian,
    Danish,
    Vietnamese,
    French,
}

impl Language {
    /// Its BCP 47 tag, as mail headers and message catalogs name it.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::SimplifiedChinese => "zh-CN",
            Language::Korean => "ko",
            Language::Japanese => "ja",
            Language::Turkish => "tr",
            Language::Polish => "pl",
            Language::Russian => "ru",
            Language::Spanish => "es",
            Language::Bosnian => "bs",
            Language::Danish => "da",
            Language::Vietnamese => "vi",
            Language::French => "fr",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppStatus {
    Unregistered,
    Registered,
}

/// The "Active" column: derived from the subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActiveStatus {
    Inactivated,
    Normal,
    Expired,
}

/// The family master.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Resident {
    pub first_name: String,
    pub last_name: String,
    /// Empty when none; unique across end users (case-insensitive).
    pub email: String,
    pub language: Language,
    pub calling_code: String,
    pub mobile: String,
    pub landlines: Vec<String>,
    pub app_status: AppStatus,
    /// The app login secret (hash). Cleared by a reset, so the app must be set up again.
    pub app_credential_hash: Option<String>,
    /// Who moved the resident in, and when (the manual tells the installer's residents
    /// from those a property manager moved in); `None` for residents from before it was
    /// kept.
    #[serde(default)]
    pub moved_in: Option<MovedIn>,
}

/// Who moved a resident into the apartment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedIn {
    /// The account's login (an installer's username, a property manager's email).
    pub by: String,
    pub by_property_manager: bool,
    pub at_ms: i64,
}

#[derive(Clone, Debug, Default)]
pub struct ResidentInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub language: Option<Language>,
    pub calling_code: Option<String>,
    pub mobile: Option<String>,
    pub landlines: Option<Vec<String>>,
}

fn person_name(field: &str, v: &str) -> Result<String> {
    rules::required_name(field, v, rules::MAX_PERSON_NAME_LEN)
}

impl Resident {
    /// A new family master; first and last name are required.
    pub fn create(input: ResidentInput) -> Result<Self> {
        let blank = Resident {
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            language: Language::English,
            calling_code: String::new(),
            mobile: String::new(),
            landlines: Vec::new(),
            app_status: AppStatus::Unregistered,
            app_credential_hash: None,
            moved_in: None,
        };
        let input = ResidentInput {
            first_name: Some(input.first_name.unwrap_or_default()),
            last_name: Some(input.last_name.unwrap_or_default()),
            ..input
        };
        blank.edited(input)
    }

    pub fn edited(&self, input: ResidentInput) -> Result<Self> {
        let mut r = self.clone();
        if let Some(v) = input.first_name {
            r.first_name = person_name("first_name", &v)?;
        }
        if let Some(v) = input.last_name {
            r.last_name = person_name("last_name", &v)?;
        }
        if let Some(v) = input.email {
            r.email = rules::optional_email("email", &v)?.unwrap_or_default();
        }
        if let Some(v) = input.language {
            r.language = v;
        }
        if let Some(v) = input.calling_code {
            r.calling_code = rules::calling_code("calling_code", &v)?;
        }
        if let Some(v) = input.mobile {
            r.mobile = rules::phone("mobile", &v)?;
        }
        if let Some(v) = input.landlines {
            r.landlines = rules::landlines("landlines", &v)?;
        }
        Ok(r)
    }

    /// "Reset Apartment and Resident": contact data and the app login go; the name and
    /// language (a setting the manual keeps) stay.
    pub fn reset(&self) -> Self {
        Resident {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: String::new(),
            language: self.language,
            calling_code: String::new(),
            mobile: String::new(),
            landlines: Vec::new(),
            app_status: AppStatus::Unregistered,
            app_credential_hash: None,
            moved_in: self.moved_in.clone(),
        }
    }

    /// The same resident, recorded as moved in by `actor` at `at_ms`.
    pub fn moved_in_by(self, actor: &crate::directory::Actor, at_ms: i64) -> Self {
        Resident {
            moved_in: Some(MovedIn {
                by: actor.username.clone(),
                by_property_manager: actor.role == crate::model::Role::PropertyManager,
                at_ms,
            }),
            ..self
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A family member account of an apartment (SmartPlus app user).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FamilyMember {
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    /// Empty when none; cannot be changed once set.
    pub email: String,
    pub calling_code: String,
    pub mobile: String,
    pub app_status: AppStatus,
    /// The app password's hash, once the member set one.
    #[serde(default)]
    pub app_password_hash: Option<String>,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, Default)]
pub struct FamilyMemberInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub calling_code: Option<String>,
    pub mobile: Option<String>,
}

impl FamilyMember {
    pub fn create(id: Id, input: FamilyMemberInput, now_ms: i64) -> Result<Self> {
        Ok(FamilyMember {
            id,
            first_name: person_name("first_name", input.first_name.as_deref().unwrap_or(""))?,
            last_name: person_name("last_name", input.last_name.as_deref().unwrap_or(""))?,
            email: rules::optional_email("email", input.email.as_deref().unwrap_or(""))?
                .unwrap_or_default(),
            calling_code: rules::calling_code(
                "calling_code",
                input.calling_code.as_deref().unwrap_or(""),
            )?,
            mobile: rules::phone("mobile", input.mobile.as_deref().unwrap_or(""))?,
            app_status: AppStatus::Unregistered,
            app_password_hash: None,
            created_at_ms: now_ms,
        })
    }

    /// An edit; the email is not editable ("The email information in the family member
    /// account can not be edited"), so restating the same email is the only email allowed.
    pub fn edited(&self, input: FamilyMemberInput) -> Result<Self> {
        let mut m = self.clone();
        if let Some(email) = input.email
            && rules::email_key(&email) != rules::email_key(&self.email)
        {
            return Err(StoreError::invalid(
                "email",
                "a family member's email cannot be changed",
            ));
        }
        if let Some(v) = input.first_name {
            m.first_name = person_name("first_name", &v)?;
        }
        if let Some(v) = input.last_name {
            m.last_name = person_name("last_name", &v)?;
        }
        if let Some(v) = input.calling_code {
            m.calling_code = rules::calling_code("calling_code", &v)?;
        }
        if let Some(v) = input.mobile {
            m.mobile = rules::phone("mobile", &v)?;
        }
        Ok(m)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Apartment {
    pub id: Id,
    pub community_id: Id,
    pub building_id: Id,
    /// 0 when not set.
    pub floor: u32,
    pub number: String,
    pub name: String,
    pub web_relay_id: u32,
    /// 0-5.
    pub call_type: u8,
    pub call_mode: CallMode,
    pub accessible_floors: Vec<u32>,
    /// Allocated once, never changed or reused.
    pub family_sip_number: String,
    /// The family SIP account's password (sealed, see `secrets`): the SmartPlus apps of the
    /// family register with it. Empty for apartments made before Porter kept one; a new
    /// one is made when the installer first asks for it, and by a reset.
    #[serde(default)]
    pub sip_password_sealed: String,
    /// Subscription state (kept by a reset).
    pub activated: bool,
    pub expires_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub resident: Option<Resident>,
    pub family: Vec<FamilyMember>,
}

#[derive(Clone, Debug, Default)]
pub struct ApartmentInput {
    pub floor: Option<u32>,
    pub number: Option<String>,
    pub name: Option<String>,
    pub web_relay_id: Option<u32>,
    pub call_type: Option<u32>,
    pub call_mode: Option<CallMode>,
    pub accessible_floors: Option<Vec<u32>>,
}

impl Apartment {
    /// A new apartment; the APT number is required.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        id: Id,
        community_id: Id,
        building_id: Id,
        family_sip_number: String,
        input: ApartmentInput,
        resident: Option<Resident>,
        now_ms: i64,
    ) -> Result<Self> {
        let blank = Apartment {
            id,
            community_id,
            building_id,
            floor: 0,
            number: String::new(),
            name: String::new(),
            web_relay_id: 0,
            call_type: 0,
            call_mode: CallMode::Ip,
            accessible_floors: Vec::new(),
            family_sip_number,
            sip_password_sealed: String::new(),
            activated: false,
            expires_at_ms: None,
            created_at_ms: now_ms,
            resident,
            family: Vec::new(),
        };
        let input = ApartmentInput {
            number: Some(input.number.clone().unwrap_or_default()),
            ..input
        };
        blank.edited(input)
    }

    pub fn edited(&self, input: ApartmentInput) -> Result<Self> {
        let mut a = self.clone();
        if let Some(v) = input.floor {
            a.floor = rules::floor("floor", v)?;
        }
        if let Some(v) = input.number {
            a.number = rules::apt_number("apt_number", &v)?;
        }
        if let Some(v) = input.name {
            a.name = rules::optional_text("apt_name", &v, rules::MAX_APT_NAME_LEN)?;
        }
        if let Some(v) = input.web_relay_id {
            a.web_relay_id = rules::web_relay_id("web_relay_id", v)?;
        }
        if let Some(v) = input.call_type {
            a.call_type = rules::call_type("call_type", v)?;
        }
        if let Some(v) = input.call_mode {
            a.call_mode = v;
        }
        if let Some(v) = input.accessible_floors {
            a.accessible_floors = rules::floors("accessible_floors", &v)?;
        }
        Ok(a)
    }

    /// "Reset Apartment and Resident": family members, contact data, app logins and access
    /// settings go; subscription, settings and the family SIP number stay.
    pub fn reset(&self) -> Self {
        let mut a = self.clone();
        a.family.clear();
        a.resident = a.resident.as_ref().map(Resident::reset);
        a
    }

    pub fn active_status(&self, now_ms: i64) -> ActiveStatus {
        Self::status_of(self.activated, self.expires_at_ms, now_ms)
    }

    /// The "Active" column from the subscription fields.
    pub fn status_of(activated: bool, expires_at_ms: Option<i64>, now_ms: i64) -> ActiveStatus {
        match (activated, expires_at_ms) {
            (false, _) => ActiveStatus::Inactivated,
            (true, Some(at)) if at <= now_ms => ActiveStatus::Expired,
            (true, _) => ActiveStatus::Normal,
        }
    }

    /// Family master plus family members.
    pub fn end_user_count(&self) -> usize {
        usize::from(self.resident.is_some()) + self.family.len()
    }

    /// Every non-empty end-user email of the apartment.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.resident
            .iter()
            .map(|r| r.email.as_str())
            .chain(self.family.iter().map(|m| m.email.as_str()))
            .filter(|e| !e.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apt() -> Apartment {
        let resident = Resident::create(ResidentInput {
            first_name: Some("Lily".into()),
            last_name: Some("Zheng".into()),
            email: Some("lily@example.com".into()),
            mobile: Some("+1 555 0100".into()),
            landlines: Some(vec!["555 0101".into()]),
            calling_code: Some("1".into()),
            ..Default::default()
        })
        .unwrap();
        let mut a = Apartment::create(
            1,
            2,
            3,
            "5926000001".into(),
            ApartmentInput {
                number: Some("2#123".into()),
                call_type: Some(5),
                ..Default::default()
            },
            Some(resident),
            100,
        )
        .unwrap();
        a.family.push(
            FamilyMember::create(
                9,
                FamilyMemberInput {
                    first_name: Some("Jim".into()),
                    last_name: Some("Wang".into()),
                    ..Default::default()
                },
                100,
            )
            .unwrap(),
        );
        a.activated = true;
        a.expires_at_ms = Some(1_000);
        a
    }

    #[test]
    fn reset_keeps_and_removes_what_the_manual_says() {
        let a = apt();
        let r = a.reset();
        assert!(r.family.is_empty());
        let res = r.resident.as_ref().unwrap();
        assert_eq!(res.email, "");
        assert_eq!(res.mobile, "");
        assert_eq!(res.calling_code, "");
        assert!(res.landlines.is_empty());
        assert_eq!(res.app_status, AppStatus::Unregistered);
        // kept
        assert_eq!(r.family_sip_number, a.family_sip_number);
        assert_eq!(r.call_mode, a.call_mode);
        assert_eq!((r.activated, r.expires_at_ms), (true, Some(1_000)));
        assert_eq!(res.language, Language::English);
    }

    #[test]
    fn resident_names_required_and_bounded() {
        let err = Resident::create(ResidentInput {
            first_name: Some("A".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.field(), Some("last_name"));
        let err = Resident::create(ResidentInput {
            first_name: Some("A".repeat(65)),
            last_name: Some("B".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.field(), Some("first_name"));
    }

    #[test]
    fn family_email_is_fixed() {
        let m = FamilyMember::create(
            1,
            FamilyMemberInput {
                first_name: Some("A".into()),
                last_name: Some("B".into()),
                email: Some("a@b.co".into()),
                ..Default::default()
            },
            0,
        )
        .unwrap();
        assert!(
            m.edited(FamilyMemberInput {
                email: Some("A@B.co".into()),
                ..Default::default()
            })
            .is_ok()
        );
        assert_eq!(
            m.edited(FamilyMemberInput {
                email: Some("c@d.co".into()),
                ..Default::default()
            })
            .unwrap_err()
            .field(),
            Some("email")
        );
    }

    #[test]
    fn active_status() {
        let a = apt();
        assert_eq!(a.active_status(999), ActiveStatus::Normal);
        assert_eq!(a.active_status(1_000), ActiveStatus::Expired);
        let mut b = a.clone();
        b.activated = false;
        assert_eq!(b.active_status(0), ActiveStatus::Inactivated);
    }
}
