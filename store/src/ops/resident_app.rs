//! What the residents' app does for its end user beyond the account itself: the doors it
//! opens, the family (the family master's to change, when the community allows family
//! accounts), the end user's PIN and visitor keys, the apartment's door and call logs, and
//! the third-party cameras they may watch.
//!
//! Every call starts from the signed-in `EndUserRef`, never from ids the app names: an end
//! user reaches their own apartment only. What they write is audited under
//! `resident_actor`, an actor with no rights of its own.

use std::collections::BTreeMap;

use super::credentials::{CredentialInput, Prepared, issue, withdraw};
use super::end_users::end_user;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::events::{DeviceEventRecord, EventFilter};
use crate::model::{
    Apartment, Camera, Community, Credential, DeviceScope, EndUser, EndUserRef, FamilyMember,
    FamilyMemberInput, Holder, Id, Method, Role,
};
use crate::ops::cameras::{CameraView, camera_view};
use crate::store::Store;

/// The signed-in end user, their apartment and community; a user who is gone (removed,
/// moved out, apartment reset) is unauthenticated.
fn signed_in(dir: &Directory, user: EndUserRef) -> Result<(&Apartment, EndUser, &Community)> {
    let (apartment, me) = end_user(dir, user)
        .ok_or_else(|| StoreError::Unauthenticated("the account no longer exists".into()))?;
    let community = dir
        .community(apartment.community_id)
        .ok_or_else(|| StoreError::Unauthenticated("the account no longer exists".into()))?;
    Ok((apartment, me, community))
}

/// Who the audit trail and issued credentials name for an end user's own writes. It has no
/// rights: a property manager of no community, so a check that wrongly took it for staff
/// would find nothing.
pub(crate) fn resident_actor(community: &Community, me: &EndUser) -> Actor {
    Actor {
        account_id: me.user.session_owner(),
        installer_id: community.installer_id,
        username: resident_label(me),
        role: Role::PropertyManager,
        operator: false,
        managed: Some(BTreeMap::new()),
    }
}

/// "resident ann@example.com": how the credentials an end user issues name them.
fn resident_label(me: &EndUser) -> String {
    format!("resident {}", me.email)
}

fn master_only(me: &EndUser, what: &str) -> Result<()> {
    if me.user.member_id.is_some() {
        return Err(StoreError::PermissionDenied(format!(
            "only the family master may {what}"
        )));
    }
    Ok(())
}

/// The holder an end user's own PIN names.
fn own_holder(me: &EndUser) -> Holder {
    match me.user.member_id {
        None => Holder::Resident,
        Some(id) => Holder::FamilyMember(id),
    }
}

/// Whether `me` sees credential `c` of their apartment: the family master sees the
/// apartment's; a family member their own and the keys they issued.
fn sees_credential(me: &EndUser, c: &Credential) -> bool {
    c.apartment_id == Some(me.user.apartment_id)
        && (me.user.member_id.is_none()
            || c.holder == own_holder(me)
            || c.issued_by == resident_label(me))
}

/// Event kinds the app lists.
const APP_LOGS: [&str; 2] = ["door_log", "call_log"];

impl Store {
    /// The family master adds a family member (an invitation goes to their email), unless
    /// the community does not allow family accounts.
    pub async fn end_user_add_family(
        &self,
        user: EndUserRef,
        input: FamilyMemberInput,
    ) -> Result<FamilyMember> {
        self.write(|dir, txn| {
            let (apartment, me, community) = signed_in(dir, user)?;
            master_only(&me, "add family members")?;
            if !community.resident_features.family_accounts {
                return Err(StoreError::PermissionDenied(
                    "family accounts are not allowed in this community".into(),
                ));
            }
            let actor = resident_actor(community, &me);
            super::apartments::add_member(dir, txn, &actor, apartment, input)
        })
        .await
    }

    /// The family master removes a family member: their account, sessions and credentials
    /// go.
    pub async fn end_user_remove_family(&self, user: EndUserRef, member_id: Id) -> Result<()> {
        self.write(|dir, txn| {
            let (apartment, me, community) = signed_in(dir, user)?;
            master_only(&me, "remove family members")?;
            if !apartment.family.iter().any(|m| m.id == member_id) {
                return Err(StoreError::not_found(format!("family member {member_id}")));
            }
            let actor = resident_actor(community, &me);
            super::apartments::remove_member(dir, txn, &actor, apartment, member_id);
            Ok(())
        })
        .await
    }

    /// The family SIP account the app registers with: its number and password (audited).
    pub async fn end_user_sip_account(&self, user: EndUserRef) -> Result<(String, String)> {
        let sealer = self.sealer();
        let fresh = crate::auth::generate_password()?;
        self.write(|dir, txn| {
            let (apartment, me, community) = signed_in(dir, user)?;
            let actor = resident_actor(community, &me);
            super::apartments::family_sip_account(txn, sealer, &actor, apartment, fresh)
        })
        .await
    }

    /// The end user's credentials (the family master: the apartment's), newest first.
    pub fn end_user_credentials(&self, user: EndUserRef) -> Result<Vec<Credential>> {
        self.read(|dir| {
            let (apartment, me, _) = signed_in(dir, user)?;
            let mut v: Vec<Credential> = dir
                .credentials()
                .of_apartment(apartment.id)
                .filter(|c| sees_credential(&me, c))
                .cloned()
                .collect();
            v.sort_by_key(|c| std::cmp::Reverse(c.id));
            Ok(v)
        })
    }

    /// An end user issues their own PIN code, or a key for a visitor or a delivery, as the
    /// community's settings allow; RF cards and faces are the installer's and the property
    /// manager's to issue.
    pub async fn end_user_create_credential(
        &self,
        user: EndUserRef,
        mut input: CredentialInput,
    ) -> Result<Credential> {
        let prepared = Prepared::new(&input)?;
        self.write(|dir, txn| {
            let (apartment, me, community) = signed_in(dir, user)?;
            match (&input.method, &input.holder) {
                (Method::Pin, h) if *h == own_holder(&me) => {}
                (Method::Pin, _) => {
                    return Err(StoreError::PermissionDenied(
                        "the app sets the PIN code of its own user only".into(),
                    ));
                }
                (Method::Key, _) => {}
                (Method::RfCard | Method::Face, _) => {
                    return Err(StoreError::PermissionDenied(
                        "RF cards and faces are issued by the installer or the property manager"
                            .into(),
                    ));
                }
            }
            input.apartment_id = Some(apartment.id);
            let actor = resident_actor(community, &me);
            issue(
                dir,
                txn,
                &actor,
                community,
                Some(apartment),
                &input,
                &prepared,
            )
        })
        .await
    }

    /// An end user withdraws a credential they see, except RF cards and faces.
    pub async fn end_user_delete_credential(&self, user: EndUserRef, id: Id) -> Result<()> {
        self.write(|dir, txn| {
            let (_, me, community) = signed_in(dir, user)?;
            let c = dir
                .credentials()
                .get(id)
                .filter(|c| sees_credential(&me, c))
                .ok_or_else(|| StoreError::not_found(format!("credential {id}")))?;
            if matches!(c.method, Method::RfCard | Method::Face) {
                return Err(StoreError::PermissionDenied(
                    "RF cards and faces are withdrawn by the installer or the property manager"
                        .into(),
                ));
            }
            withdraw(dir, txn, &resident_actor(community, &me), c);
            Ok(())
        })
        .await
    }

    /// The apartment's door log or call log (`kind`), newest first.
    pub async fn end_user_events(
        &self,
        user: EndUserRef,
        kind: &str,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<DeviceEventRecord>> {
        if !APP_LOGS.contains(&kind) {
            return Err(StoreError::invalid("kind", "must be door_log or call_log"));
        }
        let (community_id, apartment_id) =
            self.read(|dir| signed_in(dir, user).map(|(a, _, _)| (a.community_id, a.id)))?;
        let filter = EventFilter {
            kind: kind.to_owned(),
            apartment_id: Some(apartment_id),
            ..EventFilter::default()
        };
        self.events_page(community_id, &filter, before_seq, limit)
            .await
    }

    /// The third-party cameras the end user may watch: those of the public area serving
    /// their building (with the Premium feature plan in force), their building's, and their
    /// apartment's. Without passwords: `end_user_camera_view` gives one.
    pub fn end_user_cameras(&self, user: EndUserRef) -> Result<Vec<CameraView>> {
        let now = self.now_ms();
        self.read(|dir| {
            let (apartment, _, community) = signed_in(dir, user)?;
            let mut v: Vec<CameraView> = dir
                .cameras_of_community(community.id)
                .filter(|c| may_watch(community, apartment, c, now))
                .map(|c| camera_view(dir, c))
                .collect();
            v.sort_by(|a, b| a.camera.name.cmp(&b.camera.name));
            Ok(v)
        })
    }

    /// A camera the end user may watch, with its password in clear: what the app needs to
    /// open the stream, handed to that end user only.
    pub fn end_user_camera_view(&self, user: EndUserRef, id: Id) -> Result<(CameraView, String)> {
        let now = self.now_ms();
        let view = self.read(|dir| {
            let (apartment, _, community) = signed_in(dir, user)?;
            let missing = || StoreError::not_found(format!("camera {id}"));
            let c = dir
                .cameras_of_community(community.id)
                .find(|c| c.id == id)
                .ok_or_else(missing)?;
            if !may_watch(community, apartment, c, now) {
                return Err(StoreError::PermissionDenied(format!(
                    "camera {:?} is not one apartment {} may watch",
                    c.name, apartment.number
                )));
            }
            Ok(camera_view(dir, c))
        })?;
        let password = self.sealer().open(&view.camera.password_sealed)?;
        Ok((view, password))
    }
}

/// Public cameras are a Premium feature ("end users cannot monitor third party camera
/// either" on Basic); building and apartment cameras serve their own.
fn may_watch(community: &Community, apartment: &Apartment, c: &Camera, now_ms: i64) -> bool {
    let public = matches!(c.scope, DeviceScope::Public { .. });
    c.scope.serves(apartment) && (!public || community.premium_at(now_ms))
}
/// A door an end user may open from the app, with the relays it opens that way.
#[derive(Debug, Clone)]
pub struct AppDoor {
    pub device: crate::model::Device,
    /// 1-based relay numbers whose unlock methods include the app's homepage.
    pub relays: Vec<u8>,
}

/// The relays of `device` the app opens: enabled, with the SmartPlus homepage among their
/// unlock methods.
fn app_relays(device: &crate::model::Device) -> Vec<u8> {
    device
        .relays
        .iter()
        .zip(1u8..)
        .filter(|(r, _)| {
            r.enabled
                && r.unlock_methods
                    .contains(&crate::model::UnlockMethod::SmartPlusHomepage)
        })
        .map(|(_, n)| n)
        .collect()
}

impl Store {
    /// The doors of the end user's area (public doors serving their building, their
    /// building's doors, their apartment's own) with a relay the app opens.
    pub fn end_user_doors(&self, user: EndUserRef) -> Result<Vec<AppDoor>> {
        self.read(|dir| {
            let (apartment, _) = end_user(dir, user).ok_or_else(|| {
                StoreError::Unauthenticated("the account no longer exists".into())
            })?;
            let mut doors: Vec<AppDoor> = dir
                .devices_of_community(apartment.community_id)
                .filter(|d| crate::access::may_choose(d, Some(apartment)))
                .map(|d| AppDoor {
                    device: d.clone(),
                    relays: app_relays(d),
                })
                .filter(|d| !d.relays.is_empty())
                .collect();
            doors.sort_by(|a, b| a.device.name.cmp(&b.device.name));
            Ok(doors)
        })
    }

    /// The device an end user's unlock of `relay` goes to, once it is theirs to open:
    /// another community's device is not found; a door outside their area, or a relay the
    /// app does not open, is refused naming why.
    pub fn end_user_unlock_target(
        &self,
        user: EndUserRef,
        device_id: Id,
        relay: u32,
    ) -> Result<crate::model::Device> {
        self.read(|dir| {
            let (apartment, _) = end_user(dir, user)
                .ok_or_else(|| StoreError::Unauthenticated("the account no longer exists".into()))?;
            let device = dir
                .device(device_id)
                .filter(|d| d.community_id == apartment.community_id)
                .ok_or_else(|| StoreError::not_found(format!("device {device_id}")))?;
            if !crate::access::may_choose(device, Some(apartment)) {
                return Err(StoreError::PermissionDenied(format!(
                    "{:?} is not a door of apartment {}'s building or of the public area serving it",
                    device.name, apartment.number
                )));
            }
            let allowed = u8::try_from(relay).is_ok_and(|r| app_relays(device).contains(&r));
            if !allowed {
                return Err(StoreError::PermissionDenied(format!(
                    "relay {relay} of {:?} does not open from the app (its unlock methods \
                     lack the SmartPlus homepage, or it is off)",
                    device.name
                )));
            }
            Ok(device.clone())
        })
    }
}
