//! Communities and their settings, with the manual's create and edit rules.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};
use crate::rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeaturePlan {
    /// Every apartment needs an indoor monitor; property managers get fewer controls.
    Basic,
    Premium,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeFormat {
    #[default]
    H24,
    H12,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateFormat {
    #[default]
    YearMonthDay,
    MonthDayYear,
    DayMonthYear,
}

/// "Permission Of Access Control Management".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessControl {
    PublicAndPrivate,
    PublicOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PinMode {
    Pin,
    AptPin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChargeMode {
    Installer,
    PropertyManager,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub country: String,
    pub state: String,
    pub city: String,
    pub post_code: String,
    pub street: String,
}

impl Address {
    fn validated(self) -> Result<Self> {
        Ok(Address {
            country: rules::required_name("address.country", &self.country, 64)?,
            state: rules::optional_text("address.state", &self.state, 64)?,
            city: rules::optional_text("address.city", &self.city, 64)?,
            post_code: rules::post_code("address.post_code", &self.post_code)?,
            street: rules::free_text("address.street", &self.street)?,
        })
    }
}

/// What residents may use in a community: the controls a property manager has on the
/// Premium feature plan (an installer always).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResidentFeatures {
    /// Package Notification (R29 door phones).
    pub package_notification: bool,
    /// PIN codes as an access method for residents.
    pub pin_codes: bool,
    /// QR codes as an access method for residents.
    pub qr_codes: bool,
    /// Residents may create family accounts.
    pub family_accounts: bool,
    pub face_recognition: bool,
}

impl Default for ResidentFeatures {
    fn default() -> Self {
        ResidentFeatures {
            package_notification: false,
            pin_codes: true,
            qr_codes: true,
            family_accounts: true,
            face_recognition: true,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Community {
    pub id: Id,
    pub installer_id: Id,
    pub name: String,
    pub apartment_count: u32,
    pub home_automation: bool,
    pub community_calls: bool,
    pub landline_service: bool,
    pub feature_plan: FeaturePlan,
    pub address: Address,
    pub time_zone: String,
    pub time_format: TimeFormat,
    pub date_format: DateFormat,
    pub access_control: AccessControl,
    pub pin_mode: PinMode,
    pub charge_mode: ChargeMode,
    pub send_expiration_email: bool,
    pub send_renew_email: bool,
    pub created_at_ms: i64,
    #[serde(default)]
    pub resident_features: ResidentFeatures,
    /// When the feature plan's service ends; `None`: it does not. An expired Premium plan
    /// gives property managers no more than Basic.
    #[serde(default)]
    pub feature_plan_expires_at_ms: Option<i64>,
}

/// Create or edit input: `None` keeps the current value (or takes the default on create).
#[derive(Clone, Debug, Default)]
pub struct CommunitySettings {
    pub apartment_count: Option<u32>,
    pub home_automation: Option<bool>,
    pub community_calls: Option<bool>,
    pub landline_service: Option<bool>,
    pub feature_plan: Option<FeaturePlan>,
    pub name: Option<String>,
    pub address: Option<Address>,
    pub time_zone: Option<String>,
    pub time_format: Option<TimeFormat>,
    pub date_format: Option<DateFormat>,
    pub access_control: Option<AccessControl>,
    pub pin_mode: Option<PinMode>,
    pub charge_mode: Option<ChargeMode>,
    pub send_expiration_email: Option<bool>,
    pub send_renew_email: Option<bool>,
    /// `Some(None)` removes the end of the feature plan's service.
    pub feature_plan_expires_at_ms: Option<Option<i64>>,
}

/// Number of apartments when the installer gives none (the manual's default).
pub const DEFAULT_APARTMENT_COUNT: u32 = 50;

impl Community {
    /// A new community from the "New Community" form. Name, feature plan and the address'
    /// country are required.
    pub fn create(id: Id, installer_id: Id, s: CommunitySettings, now_ms: i64) -> Result<Self> {
        let feature_plan = s
            .feature_plan
            .ok_or_else(|| StoreError::invalid("feature_plan", "is required (Basic or Premium)"))?;
        let community = Community {
            id,
            installer_id,
            name: rules::required_name(
                "name",
                s.name.as_deref().unwrap_or(""),
                rules::MAX_NAME_LEN,
            )?,
            apartment_count: rules::apartment_count(
                "apartment_count",
                s.apartment_count.unwrap_or(DEFAULT_APARTMENT_COUNT),
            )?,
            home_automation: s.home_automation.unwrap_or(false),
            community_calls: s.community_calls.unwrap_or(false),
            landline_service: s.landline_service.unwrap_or(false),
            feature_plan,
            address: s.address.unwrap_or_default().validated()?,
            time_zone: rules::time_zone("time_zone", s.time_zone.as_deref().unwrap_or("UTC"))?,
            time_format: s.time_format.unwrap_or(TimeFormat::H24),
            date_format: s.date_format.unwrap_or(DateFormat::YearMonthDay),
            access_control: s.access_control.unwrap_or(AccessControl::PublicAndPrivate),
            pin_mode: s.pin_mode.unwrap_or(PinMode::Pin),
            charge_mode: s.charge_mode.unwrap_or(ChargeMode::Installer),
            send_expiration_email: s.send_expiration_email.unwrap_or(false),
            send_renew_email: s.send_renew_email.unwrap_or(false),
            created_at_ms: now_ms,
            resident_features: ResidentFeatures::default(),
            feature_plan_expires_at_ms: s.feature_plan_expires_at_ms.flatten(),
        };
        community.check_combination()?;
        Ok(community)
    }

    /// The community after an edit. Refuses what the manual fixes at creation: the feature
    /// plan, the access-control permission, and home automation once it is on.
    pub fn edited(&self, s: CommunitySettings) -> Result<Self> {
        if let Some(plan) = s.feature_plan
            && plan != self.feature_plan
        {
            return Err(StoreError::invalid(
                "feature_plan",
                "cannot be changed after the community is created",
            ));
        }
        if let Some(ac) = s.access_control
            && ac != self.access_control
        {
            return Err(StoreError::invalid(
                "access_control",
                "cannot be changed after the community is created",
            ));
        }
        if self.home_automation && s.home_automation == Some(false) {
            return Err(StoreError::invalid(
                "home_automation",
                "cannot be turned off once it is on",
            ));
        }
        let mut c = self.clone();
        if let Some(n) = s.apartment_count {
            c.apartment_count = rules::apartment_count("apartment_count", n)?;
        }
        if let Some(v) = s.home_automation {
            c.home_automation = v;
        }
        if let Some(v) = s.community_calls {
            c.community_calls = v;
        }
        if let Some(v) = s.landline_service {
            c.landline_service = v;
        }
        if let Some(name) = s.name {
            c.name = rules::required_name("name", &name, rules::MAX_NAME_LEN)?;
        }
        if let Some(address) = s.address {
            c.address = address.validated()?;
        }
        if let Some(tz) = s.time_zone {
            c.time_zone = rules::time_zone("time_zone", &tz)?;
        }
        if let Some(v) = s.time_format {
            c.time_format = v;
        }
        if let Some(v) = s.date_format {
            c.date_format = v;
        }
        if let Some(v) = s.pin_mode {
            c.pin_mode = v;
        }
        if let Some(v) = s.charge_mode {
            c.charge_mode = v;
        }
        if let Some(v) = s.send_expiration_email {
            c.send_expiration_email = v;
        }
        if let Some(v) = s.send_renew_email {
            c.send_renew_email = v;
        }
        if let Some(v) = s.feature_plan_expires_at_ms {
            c.feature_plan_expires_at_ms = v;
        }
        c.check_combination()?;
        Ok(c)
    }

    /// Whether the Premium feature plan is in force at `now_ms` (Premium, and not expired):
    /// what lets property managers control residents' features and watch public cameras.
    pub fn premium_at(&self, now_ms: i64) -> bool {
        self.feature_plan == FeaturePlan::Premium
            && self
                .feature_plan_expires_at_ms
                .is_none_or(|end| now_ms < end)
    }

    /// Rules that tie settings together.
    fn check_combination(&self) -> Result<()> {
        if self.landline_service && self.feature_plan == FeaturePlan::Basic {
            return Err(StoreError::invalid(
                "landline_service",
                "is a Premium feature: not available with the Basic feature plan",
            ));
        }
        if self.landline_service && self.home_automation {
            return Err(StoreError::invalid(
                "landline_service",
                "is not available together with the home automation service",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> CommunitySettings {
        CommunitySettings {
            name: Some("Lakeside".into()),
            feature_plan: Some(FeaturePlan::Premium),
            address: Some(Address {
                country: "Germany".into(),
                post_code: "10115".into(),
                ..Address::default()
            }),
            ..CommunitySettings::default()
        }
    }

    #[test]
    fn defaults_follow_the_manual() {
        let c = Community::create(1, 2, basic(), 0).unwrap();
        assert_eq!(c.apartment_count, 50);
        assert_eq!(c.access_control, AccessControl::PublicAndPrivate);
        assert_eq!(c.charge_mode, ChargeMode::Installer);
        assert_eq!(c.time_zone, "UTC");
        assert!(!c.home_automation && !c.landline_service);
    }

    #[test]
    fn required_fields() {
        let mut s = basic();
        s.feature_plan = None;
        assert_eq!(
            Community::create(1, 2, s, 0).unwrap_err().field(),
            Some("feature_plan")
        );
        let mut s = basic();
        s.address = None;
        assert_eq!(
            Community::create(1, 2, s, 0).unwrap_err().field(),
            Some("address.country")
        );
        let mut s = basic();
        s.address.as_mut().unwrap().post_code = "10-115".into();
        assert_eq!(
            Community::create(1, 2, s, 0).unwrap_err().field(),
            Some("address.post_code")
        );
    }

    #[test]
    fn immutable_settings() {
        let mut s = basic();
        s.home_automation = Some(true);
        let c = Community::create(1, 2, s, 0).unwrap();
        let edit = |s: CommunitySettings| c.edited(s).unwrap_err().field().map(str::to_owned);
        assert_eq!(
            edit(CommunitySettings {
                feature_plan: Some(FeaturePlan::Basic),
                ..Default::default()
            }),
            Some("feature_plan".into())
        );
        assert_eq!(
            edit(CommunitySettings {
                access_control: Some(AccessControl::PublicOnly),
                ..Default::default()
            }),
            Some("access_control".into())
        );
        assert_eq!(
            edit(CommunitySettings {
                home_automation: Some(false),
                ..Default::default()
            }),
            Some("home_automation".into())
        );
        // Restating the same values is fine.
        assert!(
            c.edited(CommunitySettings {
                feature_plan: Some(FeaturePlan::Premium),
                home_automation: Some(true),
                ..Default::default()
            })
            .is_ok()
        );
    }

    #[test]
    fn landline_rules() {
        let mut s = basic();
        s.feature_plan = Some(FeaturePlan::Basic);
        s.landline_service = Some(true);
        assert_eq!(
            Community::create(1, 2, s, 0).unwrap_err().field(),
            Some("landline_service")
        );
        let mut s = basic();
        s.home_automation = Some(true);
        s.landline_service = Some(true);
        assert_eq!(
            Community::create(1, 2, s, 0).unwrap_err().field(),
            Some("landline_service")
        );
    }
}
