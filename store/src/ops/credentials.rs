//! Access credentials: issue, list, read and withdraw PIN codes, RF cards, faces and
//! visitor/delivery keys, under the community's settings and the issuer's permissions.
//!
//! Every change to a community's credentials goes through `commit_credentials`, which
//! moves the community's credential version on: what door phones follow.

use bytes::Bytes;
use serde_json::json;

use super::listing::{Page, PageRequest, page_of};
use crate::access;
use crate::credential_index::ValueSpace;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::credential::{
    self, KEY_CODE_LEN, MAX_CARDS_PER_PERSON, MAX_CREDENTIALS_PER_COMMUNITY,
    MAX_LIVE_KEYS_PER_APARTMENT,
};
use crate::model::{
    AccessControl, Apartment, Community, Credential, Doors, FacePhoto, Holder, Id, KeyFormat,
    KeyTerms, Method, PhotoFormat, PinMode, Role, Validity,
};
use crate::record::{CredentialLog, Record, RecordKey, face_blob_key};
use crate::store::{Store, Txn};

/// A new credential.
#[derive(Clone, Debug)]
pub struct CredentialInput {
    /// `None`: a community key (visitor or delivery keys only).
    pub apartment_id: Option<Id>,
    pub holder: Holder,
    pub method: Method,
    /// The PIN code or card number; empty for faces and keys (a key's code is generated).
    pub value: String,
    /// A face credential's photo.
    pub face_photo: Option<Bytes>,
    /// A key's format, validity and floors.
    pub key: Option<KeyInput>,
    pub doors: Doors,
}

#[derive(Clone, Debug)]
pub struct KeyInput {
    pub format: KeyFormat,
    pub validity: Validity,
    pub floors: Vec<u32>,
}

/// Which credentials of a community to list.
#[derive(Clone, Debug, Default)]
pub struct CredentialFilter {
    pub apartment_id: Option<Id>,
    pub method: Option<Method>,
    /// Keys past their window or out of uses are left out unless asked for.
    pub include_spent: bool,
}

impl Store {
    /// Issues a credential in `community_id`.
    pub async fn create_credential(
        &self,
        actor: &Actor,
        community_id: Id,
        input: CredentialInput,
    ) -> Result<Credential> {
        let prepared = Prepared::new(&input)?;
        self.write(|dir, txn| {
            let community = dir.community_of(actor, community_id)?;
            let apartment = match input.apartment_id {
                Some(id) => {
                    let (a, c) = dir.apartment_of(actor, id)?;
                    if c.id != community_id {
                        return Err(StoreError::not_found(format!(
                            "apartment {id} in community {community_id}"
                        )));
                    }
                    Some(a)
                }
                None => None,
            };
            check_issuer(actor, community, &input)?;
            issue(dir, txn, actor, community, apartment, &input, &prepared)
        })
        .await
    }

    /// One credential the actor may see.
    pub fn credential(&self, actor: &Actor, id: Id) -> Result<Credential> {
        self.read(|dir| credential_of(dir, actor, id).cloned())
    }

    /// Credentials of a community, newest first.
    pub fn list_credentials(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &CredentialFilter,
        page: PageRequest,
    ) -> Result<Page<Credential>> {
        let now = self.now_ms();
        self.read(|dir| {
            dir.community_of(actor, community_id)?;
            if let Some(a) = filter.apartment_id {
                dir.apartment_of(actor, a)?;
            }
            let mut all: Vec<&Credential> = match filter.apartment_id {
                Some(a) => dir.credentials().of_apartment(a).collect(),
                None => dir.credentials().of_community(community_id).collect(),
            };
            all.retain(|c| {
                filter.method.is_none_or(|m| c.method == m)
                    && (filter.include_spent || !is_spent(c, now))
            });
            all.sort_by_key(|c| std::cmp::Reverse(c.id));
            let (items, total) = page_of(all.into_iter().cloned(), page);
            Ok(Page { items, total })
        })
    }

    /// A face credential's photo.
    pub async fn face_photo(&self, actor: &Actor, id: Id) -> Result<(PhotoFormat, Vec<u8>)> {
        let format = self.read(|dir| {
            let c = credential_of(dir, actor, id)?;
            c.face
                .as_ref()
                .map(|f| f.format)
                .ok_or_else(|| StoreError::not_found(format!("face photo of credential {id}")))
        })?;
        let bytes = self
            .backend()
            .blob(&face_blob_key(id))
            .await?
            .ok_or_else(|| StoreError::not_found(format!("face photo of credential {id}")))?;
        Ok((format, bytes))
    }

    /// Withdraws a credential: the door phones holding it drop it.
    pub async fn delete_credential(&self, actor: &Actor, id: Id) -> Result<()> {
        self.write(|dir, txn| {
            let c = credential_of(dir, actor, id)?;
            let community = dir.community_of(actor, c.community_id)?;
            if actor.role == Role::PropertyManager
                && community.access_control == AccessControl::PublicOnly
                && !opens_public_only(dir, c)
            {
                return Err(only_public_area());
            }
            withdraw(dir, txn, actor, c);
            Ok(())
        })
        .await
    }
}

/// Withdraws `c` in the write of whoever `actor` is, once they may.
pub(crate) fn withdraw(dir: &Directory, txn: &mut Txn, actor: &Actor, c: &Credential) {
    commit_credentials(dir, txn, c.community_id, &mut [], &[c.id]);
    txn.audit(
        actor,
        "credential.delete",
        format!("credential/{}", c.id),
        audit_detail(dir, c),
    );
}

/// What a new credential needs before the write: its face photo checked, a key's code.
pub(crate) struct Prepared {
    face: Option<FacePhoto>,
    code: Option<String>,
}

impl Prepared {
    pub(crate) fn new(input: &CredentialInput) -> Result<Prepared> {
        let face = match (&input.method, &input.face_photo) {
            (Method::Face, Some(bytes)) => Some(FacePhoto::check("face_photo", bytes)?),
            (Method::Face, None) => {
                return Err(StoreError::invalid(
                    "face_photo",
                    "a face credential needs a photo",
                ));
            }
            _ => None,
        };
        let code = if input.method == Method::Key {
            Some(crate::auth::random_digits(KEY_CODE_LEN)?)
        } else {
            None
        };
        Ok(Prepared { face, code })
    }
}

/// Issues `input` in `community` (for `apartment`) once the community's settings, the
/// holder, the doors, the limits and the value's uniqueness allow it; `issuer` is who the
/// credential and the audit entry name. Whether the issuer may issue it at all is the
/// caller's check.
pub(crate) fn issue(
    dir: &Directory,
    txn: &mut Txn,
    issuer: &Actor,
    community: &Community,
    apartment: Option<&Apartment>,
    input: &CredentialInput,
    prepared: &Prepared,
) -> Result<Credential> {
    check_features(community, apartment, input)?;
    check_holder(apartment, input)?;
    let doors = check_doors(dir, apartment, input.doors.clone())?;
    let now = txn.now_ms();
    let (value, key) = match input.method {
        Method::Pin => (credential::pin_code("value", &input.value)?, None),
        Method::RfCard => (credential::card_number("value", &input.value)?, None),
        Method::Face => (
            prepared
                .face
                .as_ref()
                .map(|f| f.sha256.clone())
                .unwrap_or_default(),
            None,
        ),
        Method::Key => {
            let k = input
                .key
                .clone()
                .ok_or_else(|| StoreError::invalid("key", "a key needs its validity"))?;
            let terms = KeyTerms {
                format: k.format,
                validity: k.validity.checked(now)?,
                uses: 0,
                floors: credential::key_floors("key.floors", k.floors)?,
            };
            (prepared.code.clone().unwrap_or_default(), Some(terms))
        }
    };
    check_limits(dir, community, apartment, &input.holder, input.method, now)?;
    check_value_free(dir, community, apartment, input.method, &value)?;
    let c = Credential {
        id: txn.next_id(),
        community_id: community.id,
        apartment_id: apartment.map(|a| a.id),
        holder: input.holder.clone(),
        method: input.method,
        value,
        face: prepared.face.clone(),
        key,
        doors,
        issued_by: issuer.username.clone(),
        created_at_ms: now,
        version: 0,
    };
    if let Some(bytes) = &input.face_photo {
        txn.put_blob(face_blob_key(c.id), bytes.clone());
    }
    let mut written = [c];
    commit_credentials(dir, txn, community.id, &mut written, &[]);
    let [c] = written;
    txn.audit(
        issuer,
        "credential.create",
        format!("credential/{}", c.id),
        audit_detail(dir, &c),
    );
    Ok(c)
}

/// A credential of a community the actor sees.
pub(crate) fn credential_of<'a>(
    dir: &'a Directory,
    actor: &Actor,
    id: Id,
) -> Result<&'a Credential> {
    let missing = || StoreError::not_found(format!("credential {id}"));
    let c = dir.credentials().get(id).ok_or_else(missing)?;
    dir.community_of(actor, c.community_id)
        .map_err(|_| missing())?;
    Ok(c)
}

/// Writes `upserts` and removes `removed` (with their photos) as the community's next
/// credential version, which `upserts` then carry.
pub(crate) fn commit_credentials(
    dir: &Directory,
    txn: &mut Txn,
    community_id: Id,
    upserts: &mut [Credential],
    removed: &[Id],
) {
    if upserts.is_empty() && removed.is_empty() {
        return;
    }
    let mut log = dir
        .credentials()
        .log(community_id)
        .cloned()
        .unwrap_or_else(|| CredentialLog {
            community_id,
            ..CredentialLog::default()
        });
    let version = log.advance(removed.iter().copied());
    for id in removed {
        if dir.credentials().get(*id).is_some_and(|c| c.face.is_some()) {
            txn.delete_blob(face_blob_key(*id));
        }
        txn.delete(RecordKey::Credential(*id));
    }
    for c in upserts {
        c.version = version;
        txn.put(Record::Credential(c.clone()));
    }
    txn.put(Record::CredentialLog(log));
}

/// Removes the credentials of a community's `apartments` that `goes` selects (a reset, a
/// resident moving out, a family member or an apartment deleted), in the same write: one
/// call per write, so the community's version moves once.
pub(crate) fn drop_apartment_credentials(
    dir: &Directory,
    txn: &mut Txn,
    community_id: Id,
    apartments: &[Id],
    goes: impl Fn(&Credential) -> bool,
) -> usize {
    let ids: Vec<Id> = apartments
        .iter()
        .flat_map(|a| dir.credentials().of_apartment(*a))
        .filter(|c| goes(c))
        .map(|c| c.id)
        .collect();
    commit_credentials(dir, txn, community_id, &mut [], &ids);
    ids.len()
}

/// Removes every credential of a community and its log (the community goes).
pub(crate) fn drop_community_credentials(dir: &Directory, txn: &mut Txn, community_id: Id) {
    for c in dir.credentials().of_community(community_id) {
        if c.face.is_some() {
            txn.delete_blob(face_blob_key(c.id));
        }
        txn.delete(RecordKey::Credential(c.id));
    }
    if dir.credentials().log(community_id).is_some() {
        txn.delete(RecordKey::CredentialLog(community_id));
    }
}

/// A key that can no longer open: past its window or out of uses.
pub fn is_spent(c: &Credential, now_ms: i64) -> bool {
    c.key
        .as_ref()
        .is_some_and(|k| k.validity.spent(now_ms, k.uses))
}

fn only_public_area() -> StoreError {
    StoreError::PermissionDenied(
        "Permission of Access Control Management is Only Public Area: a property manager may manage credentials for public doors only"
            .into(),
    )
}

/// Whether a credential opens public doors only (what "Only Public Area" leaves to
/// property managers).
fn opens_public_only(dir: &Directory, c: &Credential) -> bool {
    match &c.doors {
        Doors::PublicArea => true,
        Doors::All => false,
        Doors::Chosen(list) => list
            .iter()
            .all(|d| dir.device(d.device_id).is_none_or(access::is_public)),
    }
}

/// "Permission of Access Control Management": with "Only Public Area" a property manager
/// issues credentials for public doors only, and no personal authentication (a face).
fn check_issuer(actor: &Actor, community: &Community, input: &CredentialInput) -> Result<()> {
    if actor.role != Role::PropertyManager || community.access_control != AccessControl::PublicOnly
    {
        return Ok(());
    }
    if input.method == Method::Face {
        return Err(StoreError::PermissionDenied(
            "Permission of Access Control Management is Only Public Area: a property manager may not set personal authentications (face)"
                .into(),
        ));
    }
    match &input.doors {
        Doors::PublicArea | Doors::Chosen(_) => Ok(()),
        Doors::All => Err(only_public_area()),
    }
}

/// What the community lets residents use: PIN and QR codes, face recognition.
fn check_features(
    community: &Community,
    apartment: Option<&Apartment>,
    input: &CredentialInput,
) -> Result<()> {
    let f = community.resident_features;
    let off = |what: &str| {
        Err(StoreError::FailedPrecondition(format!(
            "{what} are switched off for residents in this community"
        )))
    };
    if input.method == Method::Face && !f.face_recognition {
        return Err(StoreError::FailedPrecondition(
            "face recognition is switched off in this community".into(),
        ));
    }
    if apartment.is_none() {
        return Ok(());
    }
    let format = input.key.as_ref().map(|k| k.format);
    match (input.method, format) {
        (Method::Pin, _) | (Method::Key, Some(KeyFormat::Pin)) if !f.pin_codes => off("PIN codes"),
        (Method::Key, Some(KeyFormat::Qr)) if !f.qr_codes => off("QR codes"),
        _ => Ok(()),
    }
}

/// Persons hold PINs, cards and faces in their apartment; visitors and deliveries hold
/// keys.
fn check_holder(apartment: Option<&Apartment>, input: &CredentialInput) -> Result<()> {
    let invalid = |rule: &str| Err(StoreError::invalid("holder", rule));
    match (&input.holder, input.method) {
        (Holder::Visitor(_) | Holder::Delivery(_), Method::Key) => {}
        (Holder::Visitor(_) | Holder::Delivery(_), _) => {
            return invalid("visitors and deliveries are given keys, not PINs, cards or faces");
        }
        (_, Method::Key) => {
            return invalid("a key is for a visitor or a delivery; residents have PIN codes");
        }
        _ => {}
    }
    match &input.holder {
        Holder::Visitor(name) | Holder::Delivery(name) => {
            credential::key_holder_name("holder.name", name).map(|_| ())
        }
        Holder::Resident => match apartment {
            Some(a) if a.resident.is_some() => Ok(()),
            Some(_) => invalid("the apartment has no resident"),
            None => invalid("a resident's credential belongs to an apartment"),
        },
        Holder::FamilyMember(id) => match apartment {
            Some(a) if a.family.iter().any(|m| m.id == *id) => Ok(()),
            _ => Err(StoreError::not_found(format!(
                "family member {id} in this apartment"
            ))),
        },
    }
}

/// Chosen doors exist, check credentials and lie in the apartment's area.
fn check_doors(dir: &Directory, apartment: Option<&Apartment>, doors: Doors) -> Result<Doors> {
    let Doors::Chosen(list) = doors else {
        return Ok(doors);
    };
    let list = credential::chosen_doors("doors", list)?;
    for d in &list {
        let device = dir
            .device(d.device_id)
            .filter(|dev| access::may_choose(dev, apartment))
            .ok_or_else(|| {
                StoreError::invalid(
                    "doors",
                    format!(
                        "device {} is not a door this credential may open",
                        d.device_id
                    ),
                )
            })?;
        if let Some(r) = d
            .relays
            .iter()
            .find(|r| usize::from(**r) > device.relays.len())
        {
            return Err(StoreError::invalid(
                "doors",
                format!("{} has no relay {r}", device.name),
            ));
        }
    }
    Ok(Doors::Chosen(list))
}

/// One PIN and one face per person, a few cards; a bounded number of live keys per
/// apartment and of credentials per community.
fn check_limits(
    dir: &Directory,
    community: &Community,
    apartment: Option<&Apartment>,
    holder: &Holder,
    method: Method,
    now: i64,
) -> Result<()> {
    if dir.credentials().count_in_community(community.id) >= MAX_CREDENTIALS_PER_COMMUNITY {
        return Err(StoreError::ResourceExhausted(format!(
            "a community holds at most {MAX_CREDENTIALS_PER_COMMUNITY} credentials"
        )));
    }
    let Some(a) = apartment else {
        return Ok(());
    };
    let same: Vec<&Credential> = dir
        .credentials()
        .of_apartment(a.id)
        .filter(|c| c.method == method && (!holder.is_person() || c.holder == *holder))
        .collect();
    let (max, what) = match method {
        Method::Pin => (1, "one PIN code per person"),
        Method::Face => (1, "one face per person"),
        Method::RfCard => (MAX_CARDS_PER_PERSON, "at most 5 cards per person"),
        Method::Key => (
            MAX_LIVE_KEYS_PER_APARTMENT,
            "at most 100 live keys per apartment",
        ),
    };
    let count = same.iter().filter(|c| !is_spent(c, now)).count();
    if count >= max {
        return Err(StoreError::exists(
            "method",
            format!("{what}: withdraw one before adding another"),
        ));
    }
    Ok(())
}

/// A door phone must tell credentials apart: a card is one holder's in the community; a
/// code typed alone (PIN Mode "PIN", and every key) is one in the community, and with
/// "APT+PIN" a PIN is one in its apartment.
fn check_value_free(
    dir: &Directory,
    community: &Community,
    apartment: Option<&Apartment>,
    method: Method,
    value: &str,
) -> Result<()> {
    let Some(space) = ValueSpace::of(method) else {
        return Ok(());
    };
    let apt_pin = community.pin_mode == PinMode::AptPin && method == Method::Pin;
    let clash = dir
        .credentials()
        .with_value(community.id, space, value)
        .any(|other| {
            !apt_pin || other.method == Method::Key || other.apartment_id == apartment.map(|a| a.id)
        });
    if !clash {
        return Ok(());
    }
    let message = match (method, apt_pin) {
        (Method::RfCard, _) => "this card is already in use in this community",
        (_, true) => "this PIN code is already in use in this apartment; choose another",
        (Method::Key, _) => "a generated key code collided; try again",
        _ => "this PIN code is already in use in this community; choose another",
    };
    Err(StoreError::exists("value", message))
}

/// Before PIN Mode becomes "PIN": no two PIN codes of the community may be the same (with
/// "APT+PIN" they only differed by apartment).
pub(crate) fn check_pins_unique(dir: &Directory, community_id: Id) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let clashes = dir
        .credentials()
        .of_community(community_id)
        .filter(|c| c.method == Method::Pin)
        .filter(|c| !seen.insert(c.value.as_str()))
        .count();
    if clashes == 0 {
        return Ok(());
    }
    Err(StoreError::invalid(
        "pin_mode",
        format!(
            "cannot become PIN: {clashes} PIN code(s) are used in more than one apartment, and a door phone could not tell them apart; change them first"
        ),
    ))
}

/// What the audit trail keeps of a credential: never its value.
fn audit_detail(dir: &Directory, c: &Credential) -> serde_json::Value {
    json!({
        "method": c.method.label(),
        "holder": holder_name(dir, c),
        "apartment": c.apartment_id.and_then(|a| dir.apartment(a)).map(|a| a.number.clone()),
    })
}

/// The holder's name as the portal and the door log show it.
pub fn holder_name(dir: &Directory, c: &Credential) -> String {
    let apartment = c.apartment_id.and_then(|a| dir.apartment(a));
    match &c.holder {
        Holder::Resident => apartment
            .and_then(|a| a.resident.as_ref())
            .map(|r| r.full_name())
            .unwrap_or_default(),
        Holder::FamilyMember(id) => apartment
            .and_then(|a| a.family.iter().find(|m| m.id == *id))
            .map(|m| format!("{} {}", m.first_name, m.last_name))
            .unwrap_or_default(),
        Holder::Visitor(name) | Holder::Delivery(name) => name.clone(),
    }
}
