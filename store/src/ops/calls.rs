//! Who a SIP call reaches: the directory's side of the router. The SIP crate asks what a
//! caller's dialed string means; the answer is a SIP account or an apartment with the
//! accounts and phones it rings, and the call type that orders them. The scope rules live
//! here because they are the directory's: a public device reaches the apartments of its
//! buildings, a building device those of its building, and residents reach other residents
//! only when the community allows community calls.

use crate::Store;
use crate::directory::Directory;
use crate::model::{Apartment, Community, Device, DeviceScope, DeviceType, Id};

/// What a dialed string reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallDestination {
    /// One SIP account: a device (door phone, monitor, guard phone) by its SIP number.
    Account {
        number: String,
    },
    Apartment(ApartmentCall),
}

/// An apartment's answering points, for the call type to order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApartmentCall {
    pub apartment_id: Id,
    /// The manual's call type code, 0 to 5.
    pub call_type: u8,
    /// SIP numbers of the apartment's indoor monitors.
    pub monitors: Vec<String>,
    /// The family SIP number the SmartPlus apps register under; None while the apartment's
    /// subscription is not active (the app service is what it pays for).
    pub app: Option<String>,
    /// The resident's phone numbers to ring through the landline trunk; empty unless the
    /// community has landline service.
    pub phones: Vec<String>,
}

/// Why a call is refused, each with the SIP status it is answered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallRefusal {
    /// The caller is not a SIP account of this directory (403).
    UnknownCaller,
    /// Nothing in the caller's reach has that number (404).
    NotFound,
    /// The number names apartments in several of the caller's buildings (485).
    Ambiguous,
    /// The community's settings forbid this call (403), with the reason.
    NotAllowed(&'static str),
}

impl Store {
    /// What `dialed` reaches when the SIP account `caller` dials it.
    pub fn call_destination(
        &self,
        caller: &str,
        dialed: &str,
    ) -> Result<CallDestination, CallRefusal> {
        let now = self.now_ms();
        self.read(|dir| {
            let caller = dir
                .device_by_sip_number(caller)
                .ok_or(CallRefusal::UnknownCaller)?;
            let community = dir
                .community(caller.community_id)
                .ok_or(CallRefusal::UnknownCaller)?;
            resolve(dir, community, caller, dialed, now)
        })
    }
}

fn resolve(
    dir: &Directory,
    community: &Community,
    caller: &Device,
    dialed: &str,
    now_ms: i64,
) -> Result<CallDestination, CallRefusal> {
    let caller_apartment = match caller.scope {
        DeviceScope::Apartment { apartment_id, .. } => Some(apartment_id),
        _ => None,
    };
    // Residents calling another apartment is a community call.
    let community_call = |apartment: Option<Id>| {
        let crosses =
            caller_apartment.is_some() && apartment.is_some() && caller_apartment != apartment;
        if crosses && !community.community_calls {
            Err(CallRefusal::NotAllowed(
                "community calls are off in this community",
            ))
        } else {
            Ok(())
        }
    };
    if let Some(device) = dir.device_by_sip_number(dialed) {
        if device.community_id != caller.community_id || device.id == caller.id {
            return Err(CallRefusal::NotFound);
        }
        let apartment = match device.scope {
            DeviceScope::Apartment { apartment_id, .. } => Some(apartment_id),
            _ => None,
        };
        community_call(apartment)?;
        return Ok(CallDestination::Account {
            number: device.sip_number.clone(),
        });
    }
    let mut found = reachable_buildings(dir, caller)
        .into_iter()
        .filter_map(|b| dir.apartment_numbered(b, dialed))
        .filter_map(|id| dir.apartment(id));
    let apartment = found.next().ok_or(CallRefusal::NotFound)?;
    if found.next().is_some() {
        return Err(CallRefusal::Ambiguous);
    }
    community_call(Some(apartment.id))?;
    Ok(CallDestination::Apartment(apartment_call(
        dir, community, apartment, now_ms,
    )))
}

/// The buildings whose apartments a device dials by number.
fn reachable_buildings(dir: &Directory, device: &Device) -> Vec<Id> {
    match &device.scope {
        DeviceScope::Public { buildings } if buildings.is_empty() => dir
            .buildings_in(device.community_id)
            .map(|b| b.id)
            .collect(),
        DeviceScope::Public { buildings } => buildings.clone(),
        DeviceScope::Building { building_id } | DeviceScope::Apartment { building_id, .. } => {
            vec![*building_id]
        }
    }
}

fn apartment_call(
    dir: &Directory,
    community: &Community,
    apartment: &Apartment,
    now_ms: i64,
) -> ApartmentCall {
    let monitors = dir
        .devices_of_apartment(apartment.id)
        .filter(|d| d.device_type == DeviceType::IndoorMonitor)
        .map(|d| d.sip_number.clone())
        .collect();
    let active = apartment.activated
        && apartment
            .expires_at_ms
            .is_none_or(|expires| expires > now_ms);
    let phones = match (&apartment.resident, community.landline_service) {
        (Some(r), true) => {
            let mut phones = r.landlines.clone();
            if !r.mobile.is_empty() {
                phones.push(format!("{}{}", r.calling_code, r.mobile));
            }
            phones
        }
        _ => Vec::new(),
    };
    ApartmentCall {
        apartment_id: apartment.id,
        call_type: apartment.call_type,
        monitors,
        app: active.then(|| apartment.family_sip_number.clone()),
        phones,
    }
}

/// A door phone's relays as a DTMF unlock needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoorRelays {
    pub device_id: Id,
    pub mac: String,
    /// (relay number 1–4, DTMF code) of the enabled relays.
    pub codes: Vec<(u32, String)>,
}

impl Store {
    /// The relays of the door phone whose SIP account is `number`; None for any other account.
    pub fn door_relays(&self, number: &str) -> Option<DoorRelays> {
        self.read(|dir| {
            let d = dir.device_by_sip_number(number)?;
            if !d.device_type.is_door_phone() {
                return None;
            }
            let codes = d
                .relays
                .iter()
                .zip(1u32..)
                .filter(|(r, _)| r.enabled)
                .map(|(r, i)| (i, r.dtmf_code.clone()))
                .collect();
            Some(DoorRelays {
                device_id: d.id,
                mac: d.mac.clone(),
                codes,
            })
        })
    }
}
