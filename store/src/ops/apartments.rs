//! Apartments with their resident and family members: create, edit, delete, reset.

use serde_json::json;

use super::{require_pm_right, require_staff};
use crate::auth;
use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{
    ActiveStatus, Apartment, ApartmentInput, Community, DeviceInput, DeviceScope, DeviceType,
    FamilyMember, FamilyMemberInput, FeaturePlan, Holder, Id, Resident, ResidentInput,
};
use crate::ops::credentials::{commit_credentials, drop_apartment_credentials};
use crate::ops::devices::{build_device, check_device_in_directory};
use crate::record::{Record, RecordKey};
use crate::rules::{self, email_key};
use crate::store::{SipSpace, Store, Txn};

/// An apartment as the API shows it.
#[derive(Debug, Clone)]
pub struct ApartmentView {
    pub apartment: Apartment,
    pub building_name: String,
    pub active: ActiveStatus,
}

pub(crate) fn apartment_view(dir: &Directory, a: &Apartment, now_ms: i64) -> ApartmentView {
    ApartmentView {
        building_name: dir
            .building(a.building_id)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        active: a.active_status(now_ms),
        apartment: a.clone(),
    }
}

/// End-user emails are app logins: unique across all end users. `apartment` is the new
/// state of the apartment being written.
fn check_emails(dir: &Directory, apartment: &Apartment) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let fields = apartment
        .resident
        .iter()
        .map(|r| ("resident.email", r.email.as_str()))
        .chain(
            apartment
                .family
                .iter()
                .map(|m| ("family_member.email", m.email.as_str())),
        );
    for (field, email) in fields.filter(|(_, e)| !e.is_empty()) {
        let key = email_key(email);
        let taken_elsewhere = dir
            .email_owner(&key)
            .is_some_and(|owner| owner != apartment.id);
        if taken_elsewhere || !seen.insert(key) {
            return Err(StoreError::exists(
                field,
                format!(
                    "{} is already used by another end user",
                    rules::quote(email)
                ),
            ));
        }
    }
    Ok(())
}

fn check_number_free(dir: &Directory, apartment: &Apartment) -> Result<()> {
    match dir.apartment_numbered(apartment.building_id, &apartment.number) {
        Some(other) if other != apartment.id => Err(StoreError::exists(
            "apt_number",
            format!("the building already has APT {}", apartment.number),
        )),
        _ => Ok(()),
    }
}

fn audit_detail(a: &Apartment) -> serde_json::Value {
    json!({
        "building": a.building_id,
        "apt_number": a.number,
        "apt_name": a.name,
        "resident": a.resident.as_ref().map(Resident::full_name),
        "family_members": a.family.len(),
    })
}

/// Ensures a community on the Basic plan may take another apartment, and that the
/// community's apartment count is not exceeded.
fn check_capacity(dir: &Directory, community: &Community) -> Result<()> {
    let used = dir.counts(community.id).apartments;
    if used >= community.apartment_count {
        return Err(StoreError::precondition(format!(
            "community {:?} is set up for {} apartments and has them all; raise its number of apartments first",
            community.name, community.apartment_count
        )));
    }
    Ok(())
}

impl Store {
    /// "Add APT": an apartment, with its resident unless "Add Resident Later", and its
    /// indoor monitor, which the Basic feature plan requires.
    pub async fn create_apartment(
        &self,
        actor: &Actor,
        building_id: Id,
        input: ApartmentInput,
        resident: Option<ResidentInput>,
        indoor_monitor: Option<DeviceInput>,
    ) -> Result<ApartmentView> {
        require_staff(actor, "add apartments")?;
        let sealer = self.sealer();
        let resident = resident
            .map(Resident::create)
            .transpose()
            .map_err(|e| e.within("resident"))?;
        self.write(|dir, txn| {
            let (building, community) = dir.building_of(actor, building_id)?;
            check_capacity(dir, community)?;
            let id = txn.next_id();
            let sip = txn.allocate_sip_number(dir, community.installer_id, SipSpace::Family)?;
            let mut a = Apartment::create(
                id,
                community.id,
                building.id,
                sip,
                input,
                resident.map(|r| r.moved_in_by(actor, txn.now_ms())),
                txn.now_ms(),
            )?;
            a.sip_password_sealed = sealer.seal(&auth::generate_password()?)?;
            check_number_free(dir, &a)?;
            check_emails(dir, &a)?;
            let monitor = match indoor_monitor {
                Some(m) => {
                    if m.device_type
                        .is_some_and(|t| t != DeviceType::IndoorMonitor.code())
                    {
                        return Err(StoreError::invalid(
                            "indoor_monitor.device_type",
                            "must be 2 (indoor monitor)",
                        ));
                    }
                    let m = DeviceInput {
                        device_type: Some(DeviceType::IndoorMonitor.code()),
                        ..m
                    };
                    let scope = DeviceScope::Apartment {
                        building_id: building.id,
                        apartment_id: id,
                    };
                    let d = build_device(dir, txn, sealer, community, scope, m)
                        .map_err(|e| e.within("indoor_monitor"))?;
                    check_device_in_directory(dir, actor, &d)
                        .map_err(|e| e.within("indoor_monitor"))?;
                    Some(d)
                }
                None if community.feature_plan == FeaturePlan::Basic => {
                    return Err(StoreError::invalid(
                        "indoor_monitor",
                        "is required: on the Basic feature plan every apartment needs an indoor \
                         monitor (its MAC from your MAC library)",
                    ));
                }
                None => None,
            };
            txn.put(Record::Apartment(a.clone()));
            txn.audit(
                actor,
                "apartment.create",
                format!("apartment/{id}"),
                audit_detail(&a),
            );
            if let Some(d) = monitor {
                txn.audit(
                    actor,
                    "device.create",
                    format!("device/{}", d.id),
                    json!({"mac": d.mac, "name": d.name, "type": 2, "apartment": id}),
                );
                txn.put(Record::Device(d));
            }
            Ok(apartment_view(dir, &a, txn.now_ms()))
        })
        .await
    }

    pub fn apartment(&self, actor: &Actor, id: Id) -> Result<ApartmentView> {
        let now = self.now_ms();
        self.read(|dir| {
            dir.apartment_of(actor, id)
                .map(|(a, _)| apartment_view(dir, a, now))
        })
    }

    /// Edits the apartment and its resident (creating the resident if it had none).
    pub async fn update_apartment(
        &self,
        actor: &Actor,
        id: Id,
        input: ApartmentInput,
        resident: Option<ResidentInput>,
    ) -> Result<ApartmentView> {
        self.write(|dir, txn| {
            let (old, _) = dir.apartment_of(actor, id)?;
            let mut a = old.edited(input)?;
            if let Some(r) = resident {
                a.resident = Some(
                    match &old.resident {
                        Some(current) => current.edited(r),
                        None => Resident::create(r).map(|r| r.moved_in_by(actor, txn.now_ms())),
                    }
                    .map_err(|e| e.within("resident"))?,
                );
            }
            check_number_free(dir, &a)?;
            check_emails(dir, &a)?;
            txn.put(Record::Apartment(a.clone()));
            let name = |x: &Apartment| x.resident.as_ref().map(Resident::full_name);
            if a.number != old.number || name(&a) != name(old) {
                // Door phones hold the APT number and the holder's name with each one.
                let mut held: Vec<_> = dir.credentials().of_apartment(id).cloned().collect();
                commit_credentials(dir, txn, a.community_id, &mut held, &[]);
            }
            txn.audit(
                actor,
                "apartment.update",
                format!("apartment/{id}"),
                audit_detail(&a),
            );
            Ok(apartment_view(dir, &a, txn.now_ms()))
        })
        .await
    }

    /// Deletes the apartment with its resident and family members.
    pub async fn delete_apartment(&self, actor: &Actor, id: Id) -> Result<()> {
        require_staff(actor, "delete apartments")?;
        self.write(|dir, txn| {
            let (a, _) = dir.apartment_of(actor, id)?;
            for d in dir.devices_of_apartment(id) {
                txn.delete(RecordKey::Device(d.id));
            }
            for c in crate::ops::cameras::cameras_following(dir, a.community_id, |c| {
                matches!(c.scope, DeviceScope::Apartment { apartment_id, .. } if apartment_id == id)
            }) {
                txn.delete(RecordKey::Camera(c));
            }
            txn.delete(RecordKey::Apartment(id));
            drop_apartment_credentials(dir, txn, a.community_id, &[id], |_| true);
            txn.audit(
                actor,
                "apartment.delete",
                format!("apartment/{id}"),
                audit_detail(a),
            );
            Ok(())
        })
        .await
    }

    /// "Reset Apartment and Resident" (see `Apartment::reset` for what goes and stays).
    pub async fn reset_apartment(&self, actor: &Actor, id: Id) -> Result<ApartmentView> {
        require_staff(actor, "reset apartments")?;
        let sealer = self.sealer();
        // The family SIP password goes with the apps: they must be set up again.
        let sip_password = sealer.seal(&auth::generate_password()?)?;
        let view = self
            .write(|dir, txn| {
                let (old, _) = dir.apartment_of(actor, id)?;
                let mut a = old.reset();
                a.sip_password_sealed = sip_password;
                txn.put(Record::Apartment(a.clone()));
                let credentials =
                    drop_apartment_credentials(dir, txn, a.community_id, &[id], |_| true);
                txn.audit(
                    actor,
                    "apartment.reset",
                    format!("apartment/{id}"),
                    json!({"apt_number": a.number, "family_members_removed": old.family.len(),
                           "credentials_removed": credentials}),
                );
                Ok(apartment_view(dir, &a, txn.now_ms()))
            })
            .await?;
        // Logs and histories go too (the audit log stays). They are a separate stream, so
        // this follows the committed reset.
        self.forget_apartment_events(view.apartment.community_id, id)
            .await?;
        Ok(view)
    }

    /// The family SIP account (number, password) that the apartment's SmartPlus apps
    /// register with, for the installer who asks for it (audited). An apartment made
    /// before Porter kept one gets its password now.
    pub async fn apartment_sip_account(&self, actor: &Actor, id: Id) -> Result<(String, String)> {
        require_staff(actor, "read an apartment's SIP account")?;
        let sealer = self.sealer();
        let fresh = auth::generate_password()?;
        self.write(|dir, txn| {
            let (a, _) = dir.apartment_of(actor, id)?;
            family_sip_account(txn, sealer, actor, a, fresh)
        })
        .await
    }

    /// Adds a family member account; the apartment needs its family master first.
    pub async fn add_family_member(
        &self,
        actor: &Actor,
        apartment_id: Id,
        input: FamilyMemberInput,
    ) -> Result<FamilyMember> {
        self.write(|dir, txn| {
            let (old, _) = dir.apartment_of(actor, apartment_id)?;
            add_member(dir, txn, actor, old, input)
        })
        .await
    }

    pub async fn update_family_member(
        &self,
        actor: &Actor,
        member_id: Id,
        input: FamilyMemberInput,
    ) -> Result<FamilyMember> {
        self.write(|dir, txn| {
            let mut a = dir.family_member_of(actor, member_id)?.clone();
            let slot = a
                .family
                .iter_mut()
                .find(|m| m.id == member_id)
                .ok_or_else(|| StoreError::not_found(format!("family member {member_id}")))?;
            let before = (slot.first_name.clone(), slot.last_name.clone());
            *slot = slot.edited(input)?;
            let member = slot.clone();
            txn.put(Record::Apartment(a.clone()));
            if before != (member.first_name.clone(), member.last_name.clone()) {
                // Door phones hold the holder's name with each of the member's credentials.
                let mut held: Vec<_> = dir
                    .credentials()
                    .of_apartment(a.id)
                    .filter(|c| c.holder == Holder::FamilyMember(member_id))
                    .cloned()
                    .collect();
                commit_credentials(dir, txn, a.community_id, &mut held, &[]);
            }
            txn.audit(
                actor,
                "family_member.update",
                format!("apartment/{}/member/{member_id}", a.id),
                json!({"name": format!("{} {}", member.first_name, member.last_name)}),
            );
            Ok(member)
        })
        .await
    }

    /// Moves the resident out: the resident's and the family's accounts and credentials go,
    /// the apartment, its devices and its service stay for the next resident. A property
    /// manager needs Delete Account Permission.
    pub async fn move_out_resident(&self, actor: &Actor, id: Id) -> Result<ApartmentView> {
        self.write(|dir, txn| {
            let (old, _) = dir.apartment_of(actor, id)?;
            require_pm_right(
                actor,
                old.community_id,
                |p| p.delete_accounts,
                "Delete Account Permission",
            )?;
            let Some(resident) = &old.resident else {
                return Err(StoreError::precondition(format!(
                    "apartment {} has no resident to move out",
                    old.number
                )));
            };
            let mut a = old.clone();
            a.resident = None;
            a.family.clear();
            txn.put(Record::Apartment(a.clone()));
            let credentials = drop_apartment_credentials(dir, txn, a.community_id, &[id], |_| true);
            txn.audit(
                actor,
                "resident.move_out",
                format!("apartment/{id}"),
                json!({"apt_number": a.number, "resident": resident.full_name(),
                       "family_members_removed": old.family.len(),
                       "credentials_removed": credentials}),
            );
            Ok(apartment_view(dir, &a, txn.now_ms()))
        })
        .await
    }

    pub async fn delete_family_member(&self, actor: &Actor, member_id: Id) -> Result<()> {
        self.write(|dir, txn| {
            let a = dir.family_member_of(actor, member_id)?;
            require_pm_right(
                actor,
                a.community_id,
                |p| p.delete_accounts,
                "Delete Account Permission",
            )?;
            remove_member(dir, txn, actor, a, member_id);
            Ok(())
        })
        .await
    }
}

/// The family SIP account of `a` with its password (`fresh` becomes it when the apartment
/// has none yet), read by `actor` (audited).
pub(crate) fn family_sip_account(
    txn: &mut Txn,
    sealer: &crate::secrets::Sealer,
    actor: &Actor,
    a: &Apartment,
    fresh: String,
) -> Result<(String, String)> {
    let password = if a.sip_password_sealed.is_empty() {
        let mut updated = a.clone();
        updated.sip_password_sealed = sealer.seal(&fresh)?;
        txn.put(Record::Apartment(updated));
        fresh
    } else {
        sealer.open(&a.sip_password_sealed)?
    };
    txn.audit(
        actor,
        "apartment.sip_account_viewed",
        format!("apartment/{}", a.id),
        json!({"apt_number": a.number}),
    );
    Ok((a.family_sip_number.clone(), password))
}

/// Adds a family member to `old` (in the write of whoever `actor` is: staff, or the family
/// master from the app).
pub(crate) fn add_member(
    dir: &Directory,
    txn: &mut Txn,
    actor: &Actor,
    old: &Apartment,
    input: FamilyMemberInput,
) -> Result<FamilyMember> {
    if old.resident.is_none() {
        return Err(StoreError::precondition(format!(
            "apartment {} has no family master yet; add the resident first",
            old.number
        )));
    }
    if old.family.len() >= rules::MAX_FAMILY_MEMBERS {
        return Err(StoreError::ResourceExhausted(format!(
            "an apartment has at most {} family members",
            rules::MAX_FAMILY_MEMBERS
        )));
    }
    let member = FamilyMember::create(txn.next_id(), input, txn.now_ms())?;
    let mut a = old.clone();
    a.family.push(member.clone());
    check_emails(dir, &a)?;
    txn.put(Record::Apartment(a));
    txn.audit(
        actor,
        "family_member.add",
        format!("apartment/{}/member/{}", old.id, member.id),
        json!({"name": format!("{} {}", member.first_name, member.last_name), "email": member.email}),
    );
    Ok(member)
}

/// Removes family member `member_id` of `a` with their credentials.
pub(crate) fn remove_member(
    dir: &Directory,
    txn: &mut Txn,
    actor: &Actor,
    a: &Apartment,
    member_id: Id,
) {
    let mut a = a.clone();
    a.family.retain(|m| m.id != member_id);
    txn.put(Record::Apartment(a.clone()));
    drop_apartment_credentials(dir, txn, a.community_id, &[a.id], |c| {
        c.holder == Holder::FamilyMember(member_id)
    });
    txn.audit(
        actor,
        "family_member.delete",
        format!("apartment/{}/member/{member_id}", a.id),
        json!({}),
    );
}
