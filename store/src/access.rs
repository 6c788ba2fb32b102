//! Which doors a credential opens: the one place that decides, for the store's checks, the
//! lists sent to door phones, and the door log.

use crate::directory::Directory;
use crate::model::{Apartment, Credential, Device, DeviceScope, DeviceType, Doors};

/// Devices that check credentials themselves: door phones and access-control terminals.
pub fn checks_credentials(t: DeviceType) -> bool {
    t.is_door_phone() || t == DeviceType::AccessControl
}

/// Whether a device is in the public area.
pub fn is_public(device: &Device) -> bool {
    matches!(device.scope, DeviceScope::Public { .. })
}

/// Whether `device` is a door of the area `doors` names for `apartment` (chosen doors
/// aside): a public door serving the apartment's building; with `Doors::All`, also the
/// building's doors and the apartment's own. Without an apartment, `All` is every public
/// and building door (never an apartment's own).
fn in_area(doors: &Doors, device: &Device, apartment: Option<&Apartment>) -> bool {
    let whole_area = matches!(device.scope, DeviceScope::Public { .. }) || *doors == Doors::All;
    match apartment {
        Some(a) => whole_area && device.scope.serves(a),
        None => whole_area && !matches!(device.scope, DeviceScope::Apartment { .. }),
    }
}

/// Whether a door may be chosen for a credential of `apartment`: a door of its area.
pub fn may_choose(device: &Device, apartment: Option<&Apartment>) -> bool {
    checks_credentials(device.device_type) && in_area(&Doors::All, device, apartment)
}

/// The relays (1-based) of `device` that `credential` opens: the enabled relays whose
/// unlock methods accept the credential's method, limited to the chosen ones. Empty when
/// the device is not one of its doors.
pub fn relays_opened(dir: &Directory, credential: &Credential, device: &Device) -> Vec<u8> {
    if device.community_id != credential.community_id || !checks_credentials(device.device_type) {
        return Vec::new();
    }
    let apartment = credential.apartment_id.and_then(|id| dir.apartment(id));
    let chosen: Option<&[u8]> = match &credential.doors {
        Doors::Chosen(list) => match list.iter().find(|d| d.device_id == device.id) {
            Some(d) => Some(&d.relays),
            None => return Vec::new(),
        },
        area => {
            if !in_area(area, device, apartment) {
                return Vec::new();
            }
            None
        }
    };
    let method = credential.method.unlock_method();
    device
        .relays
        .iter()
        .zip(1u8..)
        .filter(|(r, n)| {
            r.enabled
                && r.unlock_methods.contains(&method)
                && chosen.is_none_or(|c| c.is_empty() || c.contains(n))
        })
        .map(|(_, n)| n)
        .collect()
}
