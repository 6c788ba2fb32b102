//! Who a SIP call reaches: the directory's side of the router. The SIP crate asks what a
//! caller's dialed string means; the answer is a SIP account or an apartment with the
//! accounts and phones it rings, and the call type that orders them. The scope rules live
//! here because they are the directory's: a public device reaches the apartments of its
//! buildings, a building device those of its building, and residents reach other residents
//! only when the community allows community calls.

use crate::Store;
use crate::directory::Directory;
use crate::model::{ActiveStatus, Apartment, Community, Device, DeviceScope, DeviceType, Id};
use crate::ops::devices::{SipAccount, SipAccountOwner};

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
    /// The SIP account `number` (a device's, or an apartment's family account) with its
    /// password, for the digest check. None when no account has that number.
    pub fn sip_account(&self, number: &str) -> Option<SipAccount> {
        // Only the account's fields leave the lock: this runs on every REGISTER and INVITE.
        let (sealed, community_id, owner) = self.read(|dir| {
            if let Some(d) = dir.device_by_sip_number(number) {
                let owner = SipAccountOwner::Device {
                    id: d.id,
                    device_type: d.device_type,
                };
                return Some((d.sip_password_sealed.clone(), d.community_id, owner));
            }
            let a = dir.apartment_by_sip_number(number)?;
            let owner = SipAccountOwner::Apartment { id: a.id };
            // Apartments made before family passwords were kept have none yet.
            (!a.sip_password_sealed.is_empty())
                .then(|| (a.sip_password_sealed.clone(), a.community_id, owner))
        })?;
        Some(SipAccount {
            password: self.open_sip_password(&sealed).ok()?,
            number: number.to_owned(),
            community_id,
            owner,
        })
    }

    /// What `dialed` reaches when the SIP account `caller` (a device, or an apartment's
    /// family account: its SmartPlus apps) dials it.
    pub fn call_destination(
        &self,
        caller: &str,
        dialed: &str,
    ) -> Result<CallDestination, CallRefusal> {
        let now = self.now_ms();
        self.read(|dir| {
            let caller = Caller::find(dir, caller, now).ok_or(CallRefusal::UnknownCaller)?;
            if caller.app_inactive {
                return Err(CallRefusal::NotAllowed(
                    "the apartment's SmartPlus subscription is not active",
                ));
            }
            let community = dir
                .community(caller.community_id)
                .ok_or(CallRefusal::UnknownCaller)?;
            resolve(dir, community, &caller, dialed, now)
        })
    }
}

/// Who is calling, as far as routing cares.
struct Caller {
    number: String,
    community_id: Id,
    /// The caller's own apartment (an indoor monitor's, or the family account's).
    apartment: Option<Id>,
    /// Where apartment numbers are looked up.
    buildings: Vec<Id>,
    /// A family account (the SmartPlus apps) of an apartment without an active subscription.
    app_inactive: bool,
}

/// Whether the apartment's SmartPlus service is paid for (activated and not expired).
fn subscription_active(a: &Apartment, now_ms: i64) -> bool {
    a.active_status(now_ms) == ActiveStatus::Normal
}

impl Caller {
    fn find(dir: &Directory, number: &str, now_ms: i64) -> Option<Caller> {
        if let Some(d) = dir.device_by_sip_number(number) {
            return Some(Caller {
                app_inactive: false,
                number: d.sip_number.clone(),
                community_id: d.community_id,
                apartment: d.apartment_id(),
                buildings: reachable_buildings(dir, d),
            });
        }
        let a = dir.apartment_by_sip_number(number)?;
        Some(Caller {
            app_inactive: !subscription_active(a, now_ms),
            number: a.family_sip_number.clone(),
            community_id: a.community_id,
            apartment: Some(a.id),
            buildings: vec![a.building_id],
        })
    }
}

fn resolve(
    dir: &Directory,
    community: &Community,
    caller: &Caller,
    dialed: &str,
    now_ms: i64,
) -> Result<CallDestination, CallRefusal> {
    // Residents calling another apartment is a community call.
    let community_call = |apartment: Option<Id>| {
        let crosses =
            caller.apartment.is_some() && apartment.is_some() && caller.apartment != apartment;
        if crosses && !community.community_calls {
            Err(CallRefusal::NotAllowed(
                "community calls are off in this community",
            ))
        } else {
            Ok(())
        }
    };
    let account = dir
        .device_by_sip_number(dialed)
        .map(|d| (d.community_id, d.apartment_id(), d.sip_number.clone(), true))
        .or_else(|| {
            dir.apartment_by_sip_number(dialed).map(|a| {
                let paid = subscription_active(a, now_ms);
                (
                    a.community_id,
                    Some(a.id),
                    a.family_sip_number.clone(),
                    paid,
                )
            })
        });
    if let Some((community_id, apartment, number, paid)) = account {
        if community_id != caller.community_id || number == caller.number {
            return Err(CallRefusal::NotFound);
        }
        if !paid {
            return Err(CallRefusal::NotAllowed(
                "the apartment's SmartPlus subscription is not active",
            ));
        }
        community_call(apartment)?;
        return Ok(CallDestination::Account { number });
    }
    let mut found = caller
        .buildings
        .iter()
        .filter_map(|b| dir.apartment_numbered(*b, dialed))
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
    let active = subscription_active(apartment, now_ms);
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
