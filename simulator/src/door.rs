//! A simulated door phone's own access control: the credential list it keeps (applied from
//! the gateway's updates, kept across reconnects) and the check of a PIN, card, face or QR
//! code presented at the door, which works with or without the cloud. A face opens only once
//! its photo is enrolled (fetched by `crate::faces` and matching the list's SHA-256), as a
//! recognition terminal knows nobody it has no photo of.

use std::collections::HashMap;

use chrono::{Datelike, TimeZone, Timelike};
use porter_proto::device::v1 as d;

/// What the device holds.
#[derive(Debug, Default)]
pub struct DoorList {
    pub list: u64,
    pub version: u64,
    time_zone: String,
    credentials: HashMap<u64, d::DoorCredential>,
    /// A whole list arriving in several frames, until its last.
    incoming: Option<(u64, u64, HashMap<u64, d::DoorCredential>)>,
    /// Opens by each key at this door (the cloud's count arrives later).
    local_uses: HashMap<u64, u32>,
    /// Face credentials whose photo is enrolled: id → the photo's SHA-256.
    enrolled: HashMap<u64, String>,
}

/// How someone presents themselves at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub method: d::UnlockMethod,
    pub value: String,
    /// Typed before a PIN with PIN Mode APT+PIN.
    pub apartment: String,
}

/// What the door did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub opened: bool,
    pub credential_id: u64,
    pub holder: String,
    pub relays: Vec<u32>,
}

impl DoorList {
    pub fn len(&self) -> usize {
        self.credentials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }

    /// Applies an update; the answer says what the device now holds (after a delta or the
    /// last frame of a whole list, or when it cannot apply a delta).
    pub fn apply(&mut self, u: d::CredentialUpdate) -> Option<d::CredentialsApplied> {
        if u.full {
            let (list, version, mut whole) = match self.incoming.take() {
                Some((l, v, w)) if l == u.list && v == u.version => (l, v, w),
                _ => (u.list, u.version, HashMap::new()),
            };
            whole.extend(u.upserts.into_iter().map(|c| (c.id, c)));
            if u.more {
                self.incoming = Some((list, version, whole));
                return None;
            }
            self.credentials = whole;
            self.list = list;
            self.version = version;
            self.time_zone = u.time_zone;
        } else if u.list == self.list && u.from_version == self.version {
            for id in u.removed {
                self.credentials.remove(&id);
            }
            for c in u.upserts {
                if let Some(k) = &c.key {
                    let local = self.local_uses.entry(c.id).or_default();
                    *local = (*local).max(k.uses);
                }
                self.credentials.insert(c.id, c);
            }
            self.version = u.version;
            self.time_zone = u.time_zone;
        }
        let held = &self.credentials;
        self.enrolled
            .retain(|id, sha| held.get(id).is_some_and(|c| c.value == *sha));
        Some(d::CredentialsApplied {
            list: self.list,
            version: self.version,
        })
    }

    /// Face credentials held whose photo is not enrolled yet: (id, SHA-256).
    pub fn faces_to_enrol(&self) -> Vec<(u64, String)> {
        let mut wanted: Vec<(u64, String)> = self
            .credentials
            .values()
            .filter(|c| c.method == d::UnlockMethod::Face as i32)
            .filter(|c| self.enrolled.get(&c.id) != Some(&c.value))
            .map(|c| (c.id, c.value.clone()))
            .collect();
        wanted.sort_unstable();
        wanted
    }

    /// Records a photo enrolled for credential `id`, if the list still names it.
    pub fn enrol(&mut self, id: u64, sha256: &str) -> bool {
        let named = self.credentials.get(&id).is_some_and(|c| c.value == sha256);
        if named {
            self.enrolled.insert(id, sha256.to_owned());
        }
        named
    }

    /// Checks what was presented at `now_ms`; an opening key counts a use here.
    pub fn check(&mut self, p: &Presented, now_ms: i64) -> Outcome {
        let refused = Outcome {
            opened: false,
            credential_id: 0,
            holder: String::new(),
            relays: Vec::new(),
        };
        let tz: chrono_tz::Tz = self.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let keypad = matches!(p.method, d::UnlockMethod::Pin | d::UnlockMethod::QrCode);
        let found = self.credentials.values().find(|c| {
            let method = d::UnlockMethod::try_from(c.method).unwrap_or_default();
            let method_fits = method == p.method
                // A key's code is typed on the keypad as well as scanned.
                || (keypad && method == d::UnlockMethod::QrCode);
            let recognised =
                method != d::UnlockMethod::Face || self.enrolled.get(&c.id) == Some(&c.value);
            method_fits
                && recognised
                && c.value == p.value
                && (!c.after_apartment || c.apartment == p.apartment)
        });
        let Some(c) = found else {
            return refused;
        };
        let uses = self.local_uses.get(&c.id).copied().unwrap_or(0);
        if let Some(k) = &c.key
            && !key_allows(k, now_ms, uses, tz)
        {
            return Outcome {
                credential_id: c.id,
                holder: c.holder.clone(),
                ..refused
            };
        }
        let outcome = Outcome {
            opened: true,
            credential_id: c.id,
            holder: c.holder.clone(),
            relays: c.relays.clone(),
        };
        if c.key.is_some() {
            *self.local_uses.entry(c.id).or_default() += 1;
        }
        outcome
    }
}

/// The key's window, repeat and uses, as the store's own rule (`Validity::allows`) says.
fn key_allows(k: &d::KeyWindow, at_ms: i64, uses: u32, tz: chrono_tz::Tz) -> bool {
    if at_ms < k.from_ms || at_ms >= k.until_ms {
        return false;
    }
    if k.max_uses != 0 && uses.max(k.uses) >= k.max_uses {
        return false;
    }
    let Some(local) = tz.timestamp_millis_opt(at_ms).single() else {
        return false;
    };
    let minute = local.hour() * 60 + local.minute();
    let weekday = local.weekday().num_days_from_monday();
    let (start, end) = (k.day_start_minute, k.day_end_minute);
    let (in_span, started) = if start < end {
        (minute >= start && minute < end, weekday)
    } else if minute >= start {
        (true, weekday)
    } else {
        (minute < end, (weekday + 6) % 7)
    };
    match k.repeat {
        0 => true,
        1 => in_span,
        _ => in_span && k.weekdays & (1 << started) != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(id: u64, value: &str) -> d::DoorCredential {
        d::DoorCredential {
            id,
            method: d::UnlockMethod::Pin as i32,
            value: value.into(),
            holder: format!("holder {id}"),
            relays: vec![1],
            ..Default::default()
        }
    }

    fn presented(method: d::UnlockMethod, value: &str) -> Presented {
        Presented {
            method,
            value: value.into(),
            apartment: String::new(),
        }
    }

    #[test]
    fn whole_lists_in_pages_then_deltas() {
        let mut door = DoorList::default();
        let page = |more, upserts| d::CredentialUpdate {
            list: 7,
            version: 3,
            full: true,
            more,
            upserts,
            time_zone: "UTC".into(),
            ..Default::default()
        };
        assert!(door.apply(page(true, vec![pin(1, "1111")])).is_none());
        assert!(door.is_empty(), "nothing replaced before the last page");
        let applied = door.apply(page(false, vec![pin(2, "2222")])).unwrap();
        assert_eq!((applied.list, applied.version, door.len()), (7, 3, 2));
        // A delta on another version is not applied; the answer says what is held.
        let stale = d::CredentialUpdate {
            list: 7,
            version: 9,
            from_version: 8,
            removed: vec![1],
            ..Default::default()
        };
        assert_eq!(door.apply(stale).unwrap().version, 3);
        assert_eq!(door.len(), 2);
        let delta = d::CredentialUpdate {
            list: 7,
            version: 4,
            from_version: 3,
            removed: vec![1],
            upserts: vec![pin(3, "3333")],
            ..Default::default()
        };
        assert_eq!(door.apply(delta).unwrap().version, 4);
        let now = 0;
        assert!(
            !door
                .check(&presented(d::UnlockMethod::Pin, "1111"), now)
                .opened
        );
        let ok = door.check(&presented(d::UnlockMethod::Pin, "3333"), now);
        assert!(ok.opened && ok.credential_id == 3 && ok.relays == [1]);
    }

    #[test]
    fn a_face_opens_once_its_photo_is_enrolled() {
        let mut door = DoorList::default();
        let face = d::DoorCredential {
            id: 9,
            method: d::UnlockMethod::Face as i32,
            value: "ab".repeat(32),
            relays: vec![1],
            ..Default::default()
        };
        let whole = |upserts| d::CredentialUpdate {
            list: 1,
            version: 1,
            full: true,
            upserts,
            ..Default::default()
        };
        door.apply(whole(vec![face.clone()]));
        let at_door = presented(d::UnlockMethod::Face, &"ab".repeat(32));
        assert!(!door.check(&at_door, 0).opened, "no photo yet");
        assert_eq!(door.faces_to_enrol(), vec![(9, "ab".repeat(32))]);
        assert!(
            !door.enrol(9, &"cd".repeat(32)),
            "not the photo the list names"
        );
        assert!(door.enrol(9, &"ab".repeat(32)));
        assert!(door.faces_to_enrol().is_empty());
        assert!(door.check(&at_door, 0).opened);
        // A new photo replaces the enrolled one only once fetched.
        let replaced = d::DoorCredential {
            value: "cd".repeat(32),
            ..face
        };
        door.apply(whole(vec![replaced]));
        assert_eq!(door.faces_to_enrol(), vec![(9, "cd".repeat(32))]);
        let new_face = presented(d::UnlockMethod::Face, &"cd".repeat(32));
        assert!(!door.check(&new_face, 0).opened);
    }

    #[test]
    fn keys_open_within_their_window_and_uses() {
        let mut door = DoorList::default();
        let key = d::DoorCredential {
            id: 5,
            method: d::UnlockMethod::QrCode as i32,
            value: "12345678".into(),
            relays: vec![1],
            key: Some(d::KeyWindow {
                from_ms: 1000,
                until_ms: 2000,
                max_uses: 2,
                ..Default::default()
            }),
            ..Default::default()
        };
        door.apply(d::CredentialUpdate {
            list: 1,
            version: 1,
            full: true,
            upserts: vec![key],
            ..Default::default()
        });
        let qr = presented(d::UnlockMethod::QrCode, "12345678");
        assert!(!door.check(&qr, 999).opened, "before its window");
        assert!(door.check(&qr, 1000).opened);
        // Typed on the keypad, the same code.
        assert!(
            door.check(&presented(d::UnlockMethod::Pin, "12345678"), 1500)
                .opened
        );
        let third = door.check(&qr, 1600);
        assert!(!third.opened && third.credential_id == 5, "two uses spent");
    }
}
