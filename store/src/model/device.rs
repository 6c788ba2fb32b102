//! Intercom devices: door phones, indoor monitors, guard phones, access control, at one of
//! three scopes, with relays and a SIP account.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::{Result, StoreError};
use crate::rules;

/// The manual's device type codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceType {
    MultiTenantDoorPhone,
    SingleTenantDoorPhone,
    IndoorMonitor,
    GuardPhone,
    AccessControl,
}

impl DeviceType {
    pub fn code(self) -> u32 {
        match self {
            DeviceType::MultiTenantDoorPhone => 0,
            DeviceType::SingleTenantDoorPhone => 1,
            DeviceType::IndoorMonitor => 2,
            DeviceType::GuardPhone => 3,
            DeviceType::AccessControl => 50,
        }
    }

    pub fn from_code(field: &str, code: u32) -> Result<Self> {
        Ok(match code {
            0 => DeviceType::MultiTenantDoorPhone,
            1 => DeviceType::SingleTenantDoorPhone,
            2 => DeviceType::IndoorMonitor,
            3 => DeviceType::GuardPhone,
            50 => DeviceType::AccessControl,
            _ => {
                return Err(StoreError::invalid(
                    field,
                    format!(
                        "{code} is not a device type (0 multi-tenant door phone, 1 single-tenant \
                         door phone, 2 indoor monitor, 3 guard phone, 50 access control)"
                    ),
                ));
            }
        })
    }

    pub fn is_door_phone(self) -> bool {
        matches!(
            self,
            DeviceType::MultiTenantDoorPhone | DeviceType::SingleTenantDoorPhone
        )
    }
}

/// Where a device is installed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceScope {
    /// Public area; `buildings` empty means all buildings of the community.
    Public {
        buildings: Vec<Id>,
    },
    Building {
        building_id: Id,
    },
    Apartment {
        building_id: Id,
        apartment_id: Id,
    },
}

impl DeviceScope {
    /// Whether a device or camera at this scope serves apartment `a`: a public area
    /// serving its building, its building, or the apartment itself.
    pub fn serves(&self, a: &super::Apartment) -> bool {
        match self {
            DeviceScope::Public { buildings } => {
                buildings.is_empty() || buildings.contains(&a.building_id)
            }
            DeviceScope::Building { building_id } => a.building_id == *building_id,
            DeviceScope::Apartment { apartment_id, .. } => a.id == *apartment_id,
        }
    }
}

/// What a building door phone's contact screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactDisplay {
    AptNumbers,
    IndoorMonitorsAndApps,
    AptNumbersMonitorsAndApps,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum UnlockMethod {
    SmartPlusHomepage,
    SmartPlusTalkingPage,
    Pin,
    Face,
    RfCard,
    Bluetooth,
    Nfc,
}

impl UnlockMethod {
    pub const ALL: [UnlockMethod; 7] = [
        UnlockMethod::SmartPlusHomepage,
        UnlockMethod::SmartPlusTalkingPage,
        UnlockMethod::Pin,
        UnlockMethod::Face,
        UnlockMethod::RfCard,
        UnlockMethod::Bluetooth,
        UnlockMethod::Nfc,
    ];
}

/// A relay (door lock output) of a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    pub enabled: bool,
    pub name: String,
    /// What a caller keys during a call to open it (1 to 4 of 0-9, * and #).
    pub dtmf_code: String,
    pub unlock_methods: Vec<UnlockMethod>,
}

pub const MAX_RELAYS: usize = 4;
pub const MAX_NETWORK_GROUP: u32 = 10;

impl Relay {
    /// A validated relay; `index` names it in errors (`relays[1].name`).
    pub fn validated(self, field: &str) -> Result<Self> {
        let name = rules::required_name(
            &format!("{field}.name"),
            &self.name,
            rules::MAX_PERSON_NAME_LEN,
        )?;
        let dtmf = self.dtmf_code.trim();
        let dtmf_field = format!("{field}.dtmf_code");
        if dtmf.is_empty()
            || dtmf.len() > 4
            || !dtmf
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(StoreError::invalid(
                dtmf_field,
                "must be 1 to 4 of the keys 0-9, * and #",
            ));
        }
        let mut methods = self.unlock_methods;
        methods.sort();
        methods.dedup();
        Ok(Relay {
            enabled: self.enabled,
            name,
            dtmf_code: dtmf.to_owned(),
            unlock_methods: methods,
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Device {
    pub id: Id,
    pub community_id: Id,
    pub scope: DeviceScope,
    pub device_type: DeviceType,
    pub mac: String,
    pub name: String,
    /// 1 to 10: devices on one local network share a group.
    pub network_group: u32,
    /// Building door phones only.
    pub contact_display: Option<ContactDisplay>,
    /// Door phones may have none: calls then go through an indoor monitor.
    pub internet_access: bool,
    /// The indoor monitor that transfers calls for a door phone without internet access.
    pub transfer_monitor_ip: Option<Ipv4Addr>,
    /// Indoor monitors: transfers calls from offline door phones (one per apartment).
    pub works_offline: bool,
    /// Indoor monitors: arming from the app.
    pub arming: bool,
    pub relays: Vec<Relay>,
    /// An SR01 security relay on a door phone.
    pub security_relay: Option<Relay>,
    pub sip_number: String,
    /// Sealed (see `secrets`); only the device itself ever gets it.
    pub sip_password_sealed: String,
    /// The gateway credential, sealed like the SIP password.
    pub credential_sealed: String,
    /// The Settings dialog: connection type and AutoP commands.
    #[serde(default)]
    pub maintenance: super::autop::Maintenance,
    pub created_at_ms: i64,
}

/// Create or edit input; `None` keeps the current value (or the default on create).
#[derive(Clone, Debug, Default)]
pub struct DeviceInput {
    pub device_type: Option<u32>,
    pub mac: Option<String>,
    pub name: Option<String>,
    pub network_group: Option<u32>,
    pub contact_display: Option<ContactDisplay>,
    pub internet_access: Option<bool>,
    pub transfer_monitor_ip: Option<String>,
    pub works_offline: Option<bool>,
    pub arming: Option<bool>,
    pub relays: Option<Vec<Relay>>,
    /// `Some(None)` removes the security relay.
    pub security_relay: Option<Option<Relay>>,
    /// Edit of a public device only: the buildings it serves (empty: all). On create the
    /// public-area scope names them.
    pub public_buildings: Option<Vec<Id>>,
}

impl Device {
    /// The device with `input` applied, checked against the rules that concern the device
    /// alone. Scope and uniqueness rules are the store's (they need the directory).
    pub fn edited(&self, input: DeviceInput) -> Result<Self> {
        let mut d = self.clone();
        if let Some(code) = input.device_type {
            d.device_type = DeviceType::from_code("device_type", code)?;
        }
        if let Some(mac) = input.mac {
            d.mac = rules::mac("mac", &mac)?;
        }
        if let Some(name) = input.name {
            d.name = rules::required_name("name", &name, rules::MAX_PERSON_NAME_LEN)?;
        }
        if let Some(g) = input.network_group {
            if !(1..=MAX_NETWORK_GROUP).contains(&g) {
                return Err(StoreError::invalid(
                    "network_group",
                    format!("must be 1 to {MAX_NETWORK_GROUP}"),
                ));
            }
            d.network_group = g;
        }
        if let Some(v) = input.contact_display {
            d.contact_display = Some(v);
        }
        if let Some(v) = input.internet_access {
            d.internet_access = v;
        }
        if let Some(ip) = input.transfer_monitor_ip {
            let ip = ip.trim();
            d.transfer_monitor_ip = if ip.is_empty() {
                None
            } else {
                Some(ip.parse::<Ipv4Addr>().map_err(|_| {
                    StoreError::invalid(
                        "transfer_monitor_ip",
                        format!("{} is not an IPv4 address", rules::quote(ip)),
                    )
                })?)
            };
        }
        if let Some(v) = input.works_offline {
            d.works_offline = v;
        }
        if let Some(v) = input.arming {
            d.arming = v;
        }
        if let Some(relays) = input.relays {
            if relays.len() > MAX_RELAYS {
                return Err(StoreError::invalid(
                    "relays",
                    format!("a device has at most {MAX_RELAYS} relays"),
                ));
            }
            d.relays = relays
                .into_iter()
                .enumerate()
                .map(|(i, r)| r.validated(&format!("relays[{i}]")))
                .collect::<Result<_>>()?;
        }
        if let Some(sr) = input.security_relay {
            d.security_relay = sr.map(|r| r.validated("security_relay")).transpose()?;
        }
        d.check()?;
        Ok(d)
    }

    /// Rules between the device's own fields.
    fn check(&self) -> Result<()> {
        let t = self.device_type;
        if self.name.is_empty() {
            return Err(StoreError::invalid("name", "is required"));
        }
        if self.mac.is_empty() {
            return Err(StoreError::invalid("mac", "is required"));
        }
        if t == DeviceType::IndoorMonitor && !matches!(self.scope, DeviceScope::Apartment { .. }) {
            return Err(StoreError::invalid(
                "device_type",
                "an indoor monitor is installed in an apartment",
            ));
        }
        if self.contact_display.is_some()
            && !(t.is_door_phone() && matches!(self.scope, DeviceScope::Building { .. }))
        {
            return Err(StoreError::invalid(
                "contact_display",
                "is a setting of building door phones",
            ));
        }
        if !self.internet_access && !t.is_door_phone() {
            return Err(StoreError::invalid(
                "internet_access",
                "only a door phone may be set up without internet access",
            ));
        }
        if !self.internet_access && self.transfer_monitor_ip.is_none() {
            return Err(StoreError::invalid(
                "transfer_monitor_ip",
                "is required when the door phone has no internet access: the static IP of the indoor monitor that transfers its calls",
            ));
        }
        if self.internet_access && self.transfer_monitor_ip.is_some() {
            return Err(StoreError::invalid(
                "transfer_monitor_ip",
                "is only for a door phone without internet access",
            ));
        }
        if (self.works_offline || self.arming) && t != DeviceType::IndoorMonitor {
            let field = if self.works_offline {
                "works_offline"
            } else {
                "arming"
            };
            return Err(StoreError::invalid(
                field,
                "is a setting of indoor monitors",
            ));
        }
        if self.security_relay.is_some() && !t.is_door_phone() {
            return Err(StoreError::invalid(
                "security_relay",
                "is connected to door phones",
            ));
        }
        Ok(())
    }

    pub fn building_id(&self) -> Option<Id> {
        match self.scope {
            DeviceScope::Public { .. } => None,
            DeviceScope::Building { building_id } | DeviceScope::Apartment { building_id, .. } => {
                Some(building_id)
            }
        }
    }

    pub fn apartment_id(&self) -> Option<Id> {
        match self.scope {
            DeviceScope::Apartment { apartment_id, .. } => Some(apartment_id),
            _ => None,
        }
    }

    /// The default relay of a new device: "Relay1", DTMF '#', every unlock method.
    pub fn default_relays() -> Vec<Relay> {
        vec![Relay {
            enabled: true,
            name: "Relay1".into(),
            dtmf_code: "#".into(),
            unlock_methods: UnlockMethod::ALL.to_vec(),
        }]
    }
}
