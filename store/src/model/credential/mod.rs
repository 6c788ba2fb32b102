//! Access credentials: how residents, family members, visitors and deliveries open doors
//! with a PIN code, an RF card, their face, or a visitor/delivery key (a code typed on the
//! keypad or shown as a QR code), and which doors each one opens.
//!
//! Door phones and access-control terminals check credentials themselves (they keep
//! working offline), so each credential carries what the device needs: its value, the
//! doors and relays it opens, and a key's validity. Which device a credential reaches is
//! decided in one place, `crate::access`.

pub(crate) mod face;
mod validity;

use serde::{Deserialize, Serialize};

pub use face::{
    FacePhoto, MAX_FACE_PHOTO_BYTES, MAX_FACE_SIDE, MIN_FACE_SIDE, PhotoFormat, image_info,
};
pub use validity::{MAX_KEY_USES, MAX_KEY_WINDOW_MS, Repeat, Validity};

use super::{Id, MAX_RELAYS, UnlockMethod};
use crate::error::{Result, StoreError};
use crate::rules;

/// PIN codes: 4 to 8 digits.
pub const PIN_LEN: std::ops::RangeInclusive<usize> = 4..=8;
/// Generated visitor and delivery key codes.
pub const KEY_CODE_LEN: usize = 8;
/// What one person may hold: one PIN, one face, a few cards.
pub const MAX_CARDS_PER_PERSON: usize = 5;
/// Keys of one apartment that can still open.
pub const MAX_LIVE_KEYS_PER_APARTMENT: usize = 100;
/// Credentials of one community.
pub const MAX_CREDENTIALS_PER_COMMUNITY: usize = 200_000;
/// Doors a credential may name one by one.
pub const MAX_CHOSEN_DOORS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Method {
    Pin,
    RfCard,
    Face,
    /// A visitor or delivery key: typed like a PIN, or scanned as a QR code.
    Key,
}

impl Method {
    /// The relay unlock method a credential of this kind needs ("Unlock Method" of a relay).
    /// A key's code is entered on the keypad or read as QR: the PIN method covers both.
    pub fn unlock_method(self) -> UnlockMethod {
        match self {
            Method::Pin | Method::Key => UnlockMethod::Pin,
            Method::RfCard => UnlockMethod::RfCard,
            Method::Face => UnlockMethod::Face,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Pin => "PIN code",
            Method::RfCard => "RF card",
            Method::Face => "face",
            Method::Key => "key",
        }
    }
}

/// Whom a credential belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// The apartment's resident (the family master).
    Resident,
    FamilyMember(Id),
    /// A visitor given a key, by name.
    Visitor(String),
    /// A delivery (courier, company) given a key, by name.
    Delivery(String),
}

impl Holder {
    pub fn is_person(&self) -> bool {
        matches!(self, Holder::Resident | Holder::FamilyMember(_))
    }
}

/// How a key is handed over; both open with the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyFormat {
    Pin,
    Qr,
}

/// A door a credential names: a device, and its relays (1-based; empty: every relay that
/// accepts the credential's method).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorChoice {
    pub device_id: Id,
    pub relays: Vec<u8>,
}

/// Which doors a credential opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Doors {
    /// Every door its apartment reaches: public door phones serving the apartment's
    /// building, the building's, the apartment's own ("Public Area + Private Area"). Without
    /// an apartment: every door of the community.
    All,
    /// Public-area doors only (serving the apartment's building, when it has one).
    PublicArea,
    /// These doors only.
    Chosen(Vec<DoorChoice>),
}

/// A visitor or delivery key's own facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTerms {
    pub format: KeyFormat,
    pub validity: Validity,
    /// Door openings so far, from the door log.
    pub uses: u32,
    /// Floors the lift takes the holder to; empty: none beyond the lobby.
    pub floors: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub id: Id,
    pub community_id: Id,
    /// The apartment it belongs to; `None` for a community key (a delivery company's).
    pub apartment_id: Option<Id>,
    pub holder: Holder,
    pub method: Method,
    /// The PIN or key code, the card number as devices read it, or the face photo's
    /// SHA-256. Sent to the devices that check it; never written to the audit trail.
    pub value: String,
    pub face: Option<FacePhoto>,
    pub key: Option<KeyTerms>,
    pub doors: Doors,
    /// Who issued it (account username or property manager email).
    pub issued_by: String,
    pub created_at_ms: i64,
    /// The community's credential version when it last changed (see `CredentialLog`).
    pub version: u64,
}

/// A PIN code: 4 to 8 digits.
pub fn pin_code(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if !PIN_LEN.contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::invalid(
            field,
            format!(
                "a PIN code is {} to {} digits",
                PIN_LEN.start(),
                PIN_LEN.end()
            ),
        ));
    }
    Ok(v.to_owned())
}

/// An RF card number as a reader reports it: decimal digits (Wiegand readers) or the
/// card's UID in hex (4, 7 or 10 bytes), with spaces, colons and dashes dropped and hex in
/// upper case, so one card is one value however it was typed.
pub fn card_number(field: &str, value: &str) -> Result<String> {
    let v: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let decimal = !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit());
    let hex_uid = matches!(v.len(), 8 | 14 | 20) && v.bytes().all(|b| b.is_ascii_hexdigit());
    if !(decimal || hex_uid) {
        return Err(StoreError::invalid(
            field,
            "a card number is up to 20 digits, or the card's UID in hex (8, 14 or 20 characters)",
        ));
    }
    Ok(v)
}

/// A visitor's or delivery's name.
pub fn key_holder_name(field: &str, value: &str) -> Result<String> {
    rules::required_name(field, value, rules::MAX_PERSON_NAME_LEN)
}

/// Doors named one by one: relays in range, no device twice, a bounded list.
pub fn chosen_doors(field: &str, mut doors: Vec<DoorChoice>) -> Result<Vec<DoorChoice>> {
    if doors.is_empty() {
        return Err(StoreError::invalid(field, "choose at least one door"));
    }
    if doors.len() > MAX_CHOSEN_DOORS {
        return Err(StoreError::invalid(
            field,
            format!("at most {MAX_CHOSEN_DOORS} doors"),
        ));
    }
    doors.sort_by_key(|d| d.device_id);
    if doors.windows(2).any(|w| w[0].device_id == w[1].device_id) {
        return Err(StoreError::invalid(field, "a door is named twice"));
    }
    for d in &mut doors {
        d.relays.sort_unstable();
        d.relays.dedup();
        if d.relays
            .iter()
            .any(|r| *r == 0 || usize::from(*r) > MAX_RELAYS)
        {
            return Err(StoreError::invalid(
                field,
                format!("relays are numbered 1 to {MAX_RELAYS}"),
            ));
        }
    }
    Ok(doors)
}

/// Floors a key opens on the lift: 1 to 128, each once.
pub fn key_floors(field: &str, mut floors: Vec<u32>) -> Result<Vec<u32>> {
    floors.sort_unstable();
    floors.dedup();
    if floors.iter().any(|f| !(1..=128).contains(f)) {
        return Err(StoreError::invalid(field, "floors are 1 to 128"));
    }
    Ok(floors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_codes_are_four_to_eight_digits() {
        assert_eq!(pin_code("pin", " 2580 ").unwrap(), "2580");
        assert_eq!(pin_code("pin", "12345678").unwrap(), "12345678");
        for bad in ["123", "123456789", "12a4", "", "１２３４"] {
            assert!(pin_code("pin", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn card_numbers_take_one_form() {
        assert_eq!(card_number("card", "04:a2:3b:c1").unwrap(), "04A23BC1");
        assert_eq!(
            card_number("card", "04 A2 3B C1 5E 6F 80").unwrap(),
            "04A23BC15E6F80"
        );
        assert_eq!(card_number("card", "0012345678").unwrap(), "0012345678");
        for bad in ["", "04A23B", "XYZ", "123456789012345678901", "04A23BC1G"] {
            assert!(card_number("card", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chosen_doors_are_sorted_and_checked() {
        let d = chosen_doors(
            "doors",
            vec![
                DoorChoice {
                    device_id: 9,
                    relays: vec![2, 1, 2],
                },
                DoorChoice {
                    device_id: 3,
                    relays: vec![],
                },
            ],
        )
        .unwrap();
        assert_eq!(d[0].device_id, 3);
        assert_eq!(d[1].relays, [1, 2]);
        let twice = vec![
            DoorChoice {
                device_id: 3,
                relays: vec![],
            };
            2
        ];
        assert!(chosen_doors("doors", twice).is_err());
        let relay5 = vec![DoorChoice {
            device_id: 3,
            relays: vec![5],
        }];
        assert!(chosen_doors("doors", relay5).is_err());
        assert!(chosen_doors("doors", Vec::new()).is_err());
    }
}
