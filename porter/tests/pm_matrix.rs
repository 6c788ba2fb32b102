//! The tenancy and permission matrix: every RPC of the admin API (the test fails when one
//! has no probe here), called by property managers with each combination of Delete Account
//! Permission and Log Access Control, in a Premium community with "Public Area + Private
//! Area", a Basic one with "Only Public Area", and a community they are not assigned to; and
//! by a sub-installer. No call lets a property manager reach a community it is not
//! assigned to; inside its communities each call is allowed or refused as the manual says.

#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::pin::Pin;

use common::{Client, Server};
use porter_proto::admin::v1 as pb;
use tonic::{Code, Status};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// Assigned; Premium; Public Area + Private Area.
    Premium,
    /// Assigned; Basic; Only Public Area.
    BasicPublicOnly,
    /// Not assigned.
    Unassigned,
}

#[derive(Clone, Copy, Debug)]
struct Perms {
    delete_accounts: bool,
    log_access: bool,
}

/// What a call may answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Through every permission check (its own validation may still refuse it).
    Allowed,
    /// PERMISSION_DENIED naming the rule.
    Denied,
}

#[derive(Clone, Copy, Debug)]
struct Site {
    community: u64,
    building: u64,
    apartment: u64,
    device: u64,
    camera: u64,
    credential: u64,
    face: u64,
    /// A captured image's event.
    capture: u64,
}

type Outcome = Result<(), Status>;
type Call = Pin<Box<dyn Future<Output = Outcome> + Send>>;

struct Probe {
    rpc: &'static str,
    /// Scoped to the target community: on an unassigned one, never allowed.
    scoped: bool,
    expect: fn(Perms, Target) -> Expect,
    call: fn(Client, Client, Site) -> Call,
}

fn ok<T>(r: Result<tonic::Response<T>, Status>) -> Outcome {
    r.map(|_| ())
}

fn allowed(_: Perms, _: Target) -> Expect {
    Expect::Allowed
}
fn denied(_: Perms, _: Target) -> Expect {
    Expect::Denied
}
fn premium_only(_: Perms, t: Target) -> Expect {
    if t == Target::Premium {
        Expect::Allowed
    } else {
        Expect::Denied
    }
}
fn with_delete(p: Perms, _: Target) -> Expect {
    if p.delete_accounts {
        Expect::Allowed
    } else {
        Expect::Denied
    }
}
fn with_log(p: Perms, _: Target) -> Expect {
    if p.log_access {
        Expect::Allowed
    } else {
        Expect::Denied
    }
}

macro_rules! probe {
    ($rpc:literal, $scoped:expr, $expect:expr, |$pm:ident, $admin:ident, $s:ident| $body:expr) => {
        Probe {
            rpc: $rpc,
            scoped: $scoped,
            expect: $expect,
            call: |$pm, $admin, $s| {
                #[allow(unused_variables)]
                let ($pm, $admin, $s) = ($pm, $admin, $s);
                Box::pin(async move { $body })
            },
        }
    };
}

fn pin_request(s: Site, code: &str, doors: pb::DoorArea) -> pb::CreateCredentialRequest {
    pb::CreateCredentialRequest {
        community_id: s.community,
        apartment_id: s.apartment,
        holder: Some(pb::CredentialHolder {
            kind: pb::HolderKind::Resident as i32,
            ..Default::default()
        }),
        method: pb::CredentialMethod::RfCard as i32,
        value: code.into(),
        doors: Some(pb::Doors {
            area: doors as i32,
            chosen: vec![],
        }),
        ..Default::default()
    }
}

/// A visitor key for the site's apartment, opening every door it reaches.
fn key_request(s: Site) -> pb::CreateCredentialRequest {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    pb::CreateCredentialRequest {
        community_id: s.community,
        apartment_id: s.apartment,
        holder: Some(pb::CredentialHolder {
            kind: pb::HolderKind::Visitor as i32,
            name: "Probe".into(),
            ..Default::default()
        }),
        method: pb::CredentialMethod::Key as i32,
        key_format: pb::KeyFormat::Qr as i32,
        validity: Some(pb::KeyValidity {
            from_ms: now,
            until_ms: now + 3_600_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn probes() -> Vec<Probe> {
    vec![
        // Auth: Login and Logout are exercised by pm_login.rs (Logout would end the probe's
        // session here).
        probe!("AuthService.Login", false, allowed, |pm, a, s| Ok(())),
        probe!("AuthService.Logout", false, allowed, |pm, a, s| Ok(())),
        probe!("AuthService.ChangePassword", false, allowed, |pm, a, s| ok(
            pm.auth()
                .change_password(pb::ChangePasswordRequest {
                    old_password: "not-it".into(),
                    new_password: "whatever-1234".into()
                })
                .await
        )),
        // Token-free, like Login: tests/mail.rs follows both through real email.
        probe!("AuthService.ForgotPassword", false, allowed, |pm, a, s| Ok(
            ()
        )),
        probe!(
            "AuthService.SetPasswordFromLink",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        // A property manager sets up its own second factor like any account (confirming
        // and turning it off take codes: tests/two_factor.rs).
        probe!("AuthService.BeginTwoFactor", false, allowed, |pm, a, s| ok(
            pm.auth().begin_two_factor(pb::Empty {}).await
        )),
        probe!(
            "AuthService.ConfirmTwoFactor",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "AuthService.DisableTwoFactor",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "AccountService.GetSitePolicy",
            false,
            allowed,
            |pm, a, s| ok(pm.account().get_site_policy(pb::Empty {}).await)
        ),
        probe!(
            "AccountService.SetSitePolicy",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .set_site_policy(pb::SitePolicy {
                    require_two_factor: true
                })
                .await)
        ),
        probe!("AuthService.WhoAmI", false, allowed, |pm, a, s| ok(pm
            .auth()
            .who_am_i(pb::Empty {})
            .await)),
        // The installer's account.
        probe!("AccountService.SetTimeZone", false, denied, |pm, a, s| ok(
            pm.account()
                .set_time_zone(pb::SetTimeZoneRequest {
                    time_zone: "Europe/Berlin".into(),
                    ..Default::default()
                })
                .await
        )),
        probe!(
            "AccountService.GetCustomerService",
            false,
            denied,
            |pm, a, s| ok(pm.account().get_customer_service(pb::Empty {}).await)
        ),
        probe!(
            "AccountService.SetCustomerService",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .set_customer_service(pb::CustomerService::default())
                .await)
        ),
        probe!(
            "AccountService.GetBillingInfo",
            false,
            denied,
            |pm, a, s| ok(pm.account().get_billing_info(pb::Empty {}).await)
        ),
        probe!(
            "AccountService.SetBillingInfo",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .set_billing_info(pb::BillingInfo::default())
                .await)
        ),
        probe!(
            "AccountService.GetAccountSetting",
            false,
            denied,
            |pm, a, s| ok(pm.account().get_account_setting(pb::Empty {}).await)
        ),
        probe!(
            "AccountService.SetAccountSetting",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .set_account_setting(pb::AccountSetting::default())
                .await)
        ),
        probe!(
            "AccountService.CreateSubInstaller",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .create_sub_installer(pb::CreateSubInstallerRequest {
                    username: "sneaky".into(),
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "AccountService.ListSubInstallers",
            false,
            allowed,
            |pm, a, s| {
                let list = pm
                    .account()
                    .list_sub_installers(pb::Empty {})
                    .await?
                    .into_inner();
                assert!(
                    list.accounts.is_empty(),
                    "a property manager sees no sub-accounts"
                );
                Ok(())
            }
        ),
        probe!(
            "AccountService.UpdateSubInstaller",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .update_sub_installer(pb::UpdateSubInstallerRequest {
                    id: 1,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "AccountService.DeleteSubInstaller",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .delete_sub_installer(pb::DeleteSubInstallerRequest { id: 1 })
                .await)
        ),
        probe!(
            "AccountService.CreateInstaller",
            false,
            denied,
            |pm, a, s| ok(pm
                .account()
                .create_installer(pb::CreateInstallerRequest {
                    username: "sneaky2".into(),
                    ..Default::default()
                })
                .await)
        ),
        // Communities.
        probe!(
            "CommunityService.CreateCommunity",
            false,
            denied,
            |pm, a, s| ok(pm
                .community()
                .create_community(pb::CreateCommunityRequest {
                    settings: Some(common::community_settings(
                        "Sneaky",
                        pb::FeaturePlan::Premium
                    ))
                })
                .await)
        ),
        probe!(
            "CommunityService.GetCommunity",
            true,
            allowed,
            |pm, a, s| ok(pm
                .community()
                .get_community(pb::GetCommunityRequest { id: s.community })
                .await)
        ),
        probe!(
            "CommunityService.UpdateCommunity",
            true,
            denied,
            |pm, a, s| ok(pm
                .community()
                .update_community(pb::UpdateCommunityRequest {
                    id: s.community,
                    settings: Some(pb::CommunitySettings::default())
                })
                .await)
        ),
        probe!(
            "CommunityService.DeleteCommunity",
            true,
            denied,
            |pm, a, s| ok(pm
                .community()
                .delete_community(pb::DeleteCommunityRequest { id: s.community })
                .await)
        ),
        probe!(
            "CommunityService.ListCommunities",
            false,
            allowed,
            |pm, a, s| ok(pm
                .community()
                .list_communities(pb::ListCommunitiesRequest::default())
                .await)
        ),
        probe!(
            "CommunityService.GetCommunityOverview",
            true,
            allowed,
            |pm, a, s| ok(pm
                .community()
                .get_community_overview(pb::GetCommunityRequest { id: s.community })
                .await)
        ),
        probe!(
            "CommunityService.SetResidentFeatures",
            true,
            premium_only,
            |pm, a, s| ok(pm
                .community()
                .set_resident_features(pb::SetResidentFeaturesRequest {
                    community_id: s.community,
                    features: Some(pb::ResidentFeatures {
                        pin_codes: true,
                        qr_codes: true,
                        family_accounts: true,
                        face_recognition: true,
                        package_notification: false
                    })
                })
                .await)
        ),
        // Buildings.
        probe!(
            "BuildingService.CreateBuilding",
            true,
            denied,
            |pm, a, s| ok(pm
                .building()
                .create_building(pb::CreateBuildingRequest {
                    community_id: s.community,
                    name: "Z".into()
                })
                .await)
        ),
        probe!(
            "BuildingService.RenameBuilding",
            true,
            denied,
            |pm, a, s| ok(pm
                .building()
                .rename_building(pb::RenameBuildingRequest {
                    id: s.building,
                    name: "Z".into()
                })
                .await)
        ),
        probe!(
            "BuildingService.DeleteBuilding",
            true,
            denied,
            |pm, a, s| ok(pm
                .building()
                .delete_building(pb::DeleteBuildingRequest {
                    id: s.building,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "BuildingService.ListBuildings",
            true,
            allowed,
            |pm, a, s| ok(pm
                .building()
                .list_buildings(pb::ListBuildingsRequest {
                    community_id: s.community
                })
                .await)
        ),
        // Apartments and residents.
        probe!(
            "ApartmentService.CreateApartment",
            true,
            denied,
            |pm, a, s| ok(pm
                .create_apartment(s.building, "999", None)
                .await
                .map(tonic::Response::new))
        ),
        probe!(
            "ApartmentService.GetApartment",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .get_apartment(pb::GetApartmentRequest { id: s.apartment })
                .await)
        ),
        probe!(
            "ApartmentService.UpdateApartment",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .update_apartment(pb::UpdateApartmentRequest {
                    id: s.apartment,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "ApartmentService.DeleteApartment",
            true,
            denied,
            |pm, a, s| ok(pm
                .apartment()
                .delete_apartment(pb::DeleteApartmentRequest { id: s.apartment })
                .await)
        ),
        probe!(
            "ApartmentService.ResetApartment",
            true,
            denied,
            |pm, a, s| ok(pm
                .apartment()
                .reset_apartment(pb::ResetApartmentRequest { id: s.apartment })
                .await)
        ),
        probe!(
            "ApartmentService.GetApartmentSipAccount",
            true,
            denied,
            |pm, a, s| ok(pm
                .apartment()
                .get_apartment_sip_account(pb::GetApartmentRequest { id: s.apartment })
                .await)
        ),
        probe!(
            "ApartmentService.ListApartments",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .list_apartments(pb::ListApartmentsRequest {
                    building_id: s.building,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "ApartmentService.SearchResidents",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .search_residents(pb::SearchResidentsRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "ApartmentService.AddFamilyMember",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .add_family_member(pb::AddFamilyMemberRequest {
                    apartment_id: s.apartment,
                    first_name: "Kid".into(),
                    last_name: "Probe".into(),
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "ApartmentService.UpdateFamilyMember",
            true,
            allowed,
            |pm, a, s| {
                let m = a
                    .apartment()
                    .add_family_member(pb::AddFamilyMemberRequest {
                        apartment_id: s.apartment,
                        first_name: "Kim".into(),
                        last_name: "Probe".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                ok(pm
                    .apartment()
                    .update_family_member(pb::UpdateFamilyMemberRequest {
                        id: m.id,
                        first_name: Some("Kimi".into()),
                        ..Default::default()
                    })
                    .await)
            }
        ),
        probe!(
            "ApartmentService.DeleteFamilyMember",
            true,
            with_delete,
            |pm, a, s| {
                let m = a
                    .apartment()
                    .add_family_member(pb::AddFamilyMemberRequest {
                        apartment_id: s.apartment,
                        first_name: "Lee".into(),
                        last_name: "Probe".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                ok(pm
                    .apartment()
                    .delete_family_member(pb::DeleteFamilyMemberRequest { id: m.id })
                    .await)
            }
        ),
        probe!(
            "ApartmentService.MoveOutResident",
            true,
            with_delete,
            |pm, a, s| {
                // A fresh apartment each time, so the next caller still finds a resident.
                let n = rand_id();
                let apt = a
                    .create_apartment_with_monitor(
                        s.building,
                        &format!("{}", 500 + n % 400),
                        Some(pb::ResidentInput {
                            first_name: Some("Mo".into()),
                            last_name: Some("Ving".into()),
                            ..Default::default()
                        }),
                        &format!("0C12{n:08X}"),
                    )
                    .await
                    .unwrap();
                ok(pm
                    .apartment()
                    .move_out_resident(pb::MoveOutResidentRequest { id: apt.id })
                    .await)
            }
        ),
        probe!(
            "ApartmentService.ResetResidentPassword",
            true,
            allowed,
            |pm, a, s| ok(pm
                .apartment()
                .reset_resident_password(pb::GetApartmentRequest { id: s.apartment })
                .await)
        ),
        // The residents' app: its own tokens, which the installers' services refuse and
        // which theirs do not open (tests/resident_matrix.rs drives every call both ways).
        probe!(
            "ResidentService.SetResidentPassword",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ResidentLogin",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ForgotResidentPassword",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ResidentLogout",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!("ResidentService.GetHome", false, allowed, |pm, a, s| Ok(())),
        probe!("ResidentService.ListDoors", false, allowed, |pm, a, s| Ok(
            ()
        )),
        probe!("ResidentService.UnlockDoor", false, allowed, |pm, a, s| Ok(
            ()
        )),
        probe!(
            "ResidentService.GetSipAccount",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!("ResidentService.AddFamily", false, allowed, |pm, a, s| Ok(
            ()
        )),
        probe!(
            "ResidentService.RemoveFamily",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ListMyCredentials",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.CreateMyCredential",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.DeleteMyCredential",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ListMyEvents",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.ListMyCameras",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!(
            "ResidentService.GetCameraStream",
            false,
            allowed,
            |pm, a, s| Ok(())
        ),
        probe!("AuditService.ListAudit", false, denied, |pm, a, s| ok(pm
            .audit()
            .list_audit(pb::ListAuditRequest::default())
            .await)),
        probe!("MailService.ListOutbox", false, denied, |pm, a, s| ok(pm
            .mail()
            .list_outbox(pb::ListOutboxRequest::default())
            .await)),
        // Property managers.
        probe!(
            "PropertyManagerService.CreatePropertyManager",
            false,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .create_property_manager(pb::CreatePropertyManagerRequest {
                    first_name: "A".into(),
                    last_name: "B".into(),
                    email: "x@pm.example".into(),
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "PropertyManagerService.ListPropertyManagers",
            false,
            allowed,
            |pm, a, s| {
                let list = pm
                    .pm()
                    .list_property_managers(pb::Empty {})
                    .await?
                    .into_inner();
                assert!(
                    list.property_managers.is_empty(),
                    "a property manager sees no property managers"
                );
                Ok(())
            }
        ),
        probe!(
            "PropertyManagerService.UpdatePropertyManager",
            false,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .update_property_manager(pb::UpdatePropertyManagerRequest {
                    id: pm.account.id,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "PropertyManagerService.ResetPropertyManagerPassword",
            false,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .reset_property_manager_password(pb::PropertyManagerRef { id: pm.account.id })
                .await)
        ),
        probe!(
            "PropertyManagerService.ResetPropertyManagerAppPassword",
            false,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .reset_property_manager_app_password(pb::PropertyManagerRef { id: pm.account.id })
                .await)
        ),
        probe!(
            "PropertyManagerService.DeletePropertyManager",
            false,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .delete_property_manager(pb::PropertyManagerRef { id: pm.account.id })
                .await)
        ),
        probe!(
            "PropertyManagerService.AssignPropertyManager",
            true,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .assign_property_manager(pb::AssignPropertyManagerRequest {
                    community_id: s.community,
                    property_manager_id: pm.account.id,
                    permissions: None
                })
                .await)
        ),
        probe!(
            "PropertyManagerService.UnassignPropertyManager",
            true,
            denied,
            |pm, a, s| ok(pm
                .pm()
                .unassign_property_manager(pb::UnassignPropertyManagerRequest {
                    community_id: s.community,
                    property_manager_id: pm.account.id
                })
                .await)
        ),
        // MAC library.
        probe!("MacLibraryService.AddMac", false, denied, |pm, a, s| ok(pm
            .macs()
            .add_mac(pb::AddMacRequest {
                mac: "0C1199999999".into()
            })
            .await)),
        probe!(
            "MacLibraryService.ImportMacs",
            false,
            denied,
            |pm, a, s| ok(pm
                .macs()
                .import_macs(pb::ImportMacsRequest {
                    file: b"MAC\n0C1199999998\n".to_vec(),
                })
                .await)
        ),
        probe!("MacLibraryService.ListMacs", false, allowed, |pm, a, s| {
            let list = pm
                .macs()
                .list_macs(pb::ListMacsRequest::default())
                .await?
                .into_inner();
            assert!(
                list.entries.is_empty(),
                "a property manager sees no MAC library"
            );
            Ok(())
        }),
        probe!("MacLibraryService.DeleteMac", false, denied, |pm, a, s| ok(
            pm.macs()
                .delete_mac(pb::DeleteMacRequest {
                    mac: "0C1100000101".into()
                })
                .await
        )),
        // Devices: seen, and doors opened; the rest is the installer's.
        probe!("DeviceService.CreateDevice", true, denied, |pm, a, s| ok(
            pm.devices()
                .create_device(pb::CreateDeviceRequest {
                    scope: Some(pb::create_device_request::Scope::BuildingId(s.building)),
                    device: Some(pb::DeviceInput {
                        device_type: Some(0),
                        mac: Some("0C1199999997".into()),
                        name: Some("X".into()),
                        ..Default::default()
                    })
                })
                .await
        )),
        probe!("DeviceService.GetDevice", true, allowed, |pm, a, s| ok(pm
            .devices()
            .get_device(pb::GetDeviceRequest { id: s.device })
            .await)),
        probe!("DeviceService.UpdateDevice", true, denied, |pm, a, s| ok(
            pm.devices()
                .update_device(pb::UpdateDeviceRequest {
                    id: s.device,
                    device: Some(pb::DeviceInput::default())
                })
                .await
        )),
        probe!("DeviceService.DeleteDevice", true, denied, |pm, a, s| ok(
            pm.devices()
                .delete_device(pb::DeleteDeviceRequest { id: s.device })
                .await
        )),
        probe!("DeviceService.ListDevices", true, allowed, |pm, a, s| ok(
            pm.devices()
                .list_devices(pb::ListDevicesRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await
        )),
        probe!(
            "DeviceService.GetDeviceSecrets",
            true,
            denied,
            |pm, a, s| ok(pm
                .devices()
                .get_device_secrets(pb::GetDeviceRequest { id: s.device })
                .await)
        ),
        probe!(
            "DeviceService.RotateDeviceCredential",
            true,
            denied,
            |pm, a, s| ok(pm
                .devices()
                .rotate_device_credential(pb::GetDeviceRequest { id: s.device })
                .await)
        ),
        probe!("DeviceService.UnlockRelay", true, allowed, |pm, a, s| ok(
            pm.devices()
                .unlock_relay(pb::UnlockRelayRequest {
                    device_id: s.device,
                    relay: 1
                })
                .await
        )),
        probe!("DeviceService.RebootDevice", true, denied, |pm, a, s| ok(
            pm.devices()
                .reboot_device(pb::GetDeviceRequest { id: s.device })
                .await
        )),
        probe!(
            "DeviceService.SetDeviceSipTransport",
            true,
            denied,
            |pm, a, s| ok(pm
                .devices()
                .set_device_sip_transport(pb::SetDeviceSipTransportRequest {
                    device_id: s.device,
                    transport: pb::SipTransportType::Tcp as i32
                })
                .await)
        ),
        probe!(
            "DeviceService.FactoryResetDevice",
            true,
            denied,
            |pm, a, s| ok(pm
                .devices()
                .factory_reset_device(pb::GetDeviceRequest { id: s.device })
                .await)
        ),
        probe!(
            "DeviceService.OpenRemoteControl",
            true,
            denied,
            |pm, a, s| ok(pm
                .devices()
                .open_remote_control(pb::GetDeviceRequest { id: s.device })
                .await)
        ),
        // Credentials: "Only Public Area" leaves public doors only.
        probe!(
            "CredentialService.CreateCredential",
            true,
            premium_only,
            |pm, a, s| ok(pm.credentials().create_credential(key_request(s)).await)
        ),
        probe!(
            "CredentialService.GetCredential",
            true,
            allowed,
            |pm, a, s| ok(pm
                .credentials()
                .get_credential(pb::CredentialRef { id: s.credential })
                .await)
        ),
        probe!(
            "CredentialService.ListCredentials",
            true,
            allowed,
            |pm, a, s| ok(pm
                .credentials()
                .list_credentials(pb::ListCredentialsRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "CredentialService.DeleteCredential",
            true,
            premium_only,
            |pm, a, s| {
                let c = a
                    .credentials()
                    .create_credential(key_request(s))
                    .await
                    .unwrap()
                    .into_inner();
                ok(pm
                    .credentials()
                    .delete_credential(pb::CredentialRef { id: c.id })
                    .await)
            }
        ),
        probe!(
            "CredentialService.GetFacePhoto",
            true,
            allowed,
            |pm, a, s| ok(pm
                .credentials()
                .get_face_photo(pb::CredentialRef { id: s.face })
                .await)
        ),
        // Cameras: watched (the public area's on Premium only), managed by the installer.
        probe!("CameraService.CreateCamera", true, denied, |pm, a, s| ok(
            pm.cameras()
                .create_camera(pb::CreateCameraRequest {
                    scope: Some(pb::create_camera_request::Scope::BuildingId(s.building)),
                    camera: Some(pb::CameraInput {
                        name: Some("X".into()),
                        rtsp_url: Some("rtsp://10.0.0.9:554".into()),
                        ..Default::default()
                    })
                })
                .await
        )),
        probe!(
            "CameraService.GetCamera",
            true,
            premium_only,
            |pm, a, s| ok(pm
                .cameras()
                .get_camera(pb::GetCameraRequest { id: s.camera })
                .await)
        ),
        probe!("CameraService.UpdateCamera", true, denied, |pm, a, s| ok(
            pm.cameras()
                .update_camera(pb::UpdateCameraRequest {
                    id: s.camera,
                    camera: Some(pb::CameraInput::default())
                })
                .await
        )),
        probe!("CameraService.DeleteCamera", true, denied, |pm, a, s| ok(
            pm.cameras()
                .delete_camera(pb::GetCameraRequest { id: s.camera })
                .await
        )),
        probe!("CameraService.ListCameras", true, allowed, |pm, a, s| {
            let list = pm
                .cameras()
                .list_cameras(pb::ListCamerasRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await?
                .into_inner();
            let community = a
                .community()
                .get_community(pb::GetCommunityRequest { id: s.community })
                .await
                .unwrap()
                .into_inner();
            let premium = community.feature_plan == pb::FeaturePlan::Premium as i32;
            assert_eq!(
                list.cameras.len(),
                usize::from(premium),
                "public cameras only on Premium"
            );
            Ok(())
        }),
        // Templates.
        probe!(
            "TemplateService.DownloadTemplate",
            false,
            allowed,
            |pm, a, s| ok(pm
                .templates()
                .download_template(pb::DownloadTemplateRequest::default())
                .await)
        ),
        probe!(
            "TemplateService.ImportTemplate",
            true,
            denied,
            |pm, a, s| ok(pm
                .templates()
                .import_template(pb::ImportTemplateRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await)
        ),
        // Logs: Log Access Control.
        probe!("EventService.ListEvents", true, with_log, |pm, a, s| ok(pm
            .events()
            .list_events(pb::ListEventsRequest {
                community_id: s.community,
                ..Default::default()
            })
            .await)),
        probe!(
            "EventService.GetCapturedImage",
            true,
            with_log,
            |pm, a, s| ok(pm
                .events()
                .get_captured_image(pb::CapturedImageRef {
                    community_id: s.community,
                    seq: s.capture,
                })
                .await)
        ),
        probe!("EventService.WatchCommunity", true, allowed, |pm, a, s| {
            let mut stream = pm
                .events()
                .watch_community(pb::WatchCommunityRequest {
                    community_id: s.community,
                })
                .await?
                .into_inner();
            match tokio::time::timeout(std::time::Duration::from_millis(300), stream.message())
                .await
            {
                Ok(Err(e)) => Err(e),
                _ => Ok(()),
            }
        }),
        // Subscriptions are the installer's (who pays is a setting; ordering is not a
        // property manager's page here).
        probe!(
            "SubscriptionService.CreateOrder",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .create_order(pb::CreateOrderRequest {
                    kind: pb::OrderKind::Activation as i32,
                    apartment_ids: vec![s.apartment],
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "SubscriptionService.ListOrders",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .list_orders(pb::ListOrdersRequest::default())
                .await)
        ),
        probe!(
            "SubscriptionService.GetOrder",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .get_order(pb::OrderRef { order_id: 1 })
                .await)
        ),
        probe!(
            "SubscriptionService.CancelOrder",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .cancel_order(pb::OrderRef { order_id: 1 })
                .await)
        ),
        probe!(
            "SubscriptionService.DeleteOrder",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .delete_order(pb::OrderRef { order_id: 1 })
                .await)
        ),
        probe!(
            "SubscriptionService.ConfirmPayment",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .confirm_payment(pb::ConfirmPaymentRequest {
                    order_id: 1,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "SubscriptionService.ListOrderCandidates",
            false,
            denied,
            |pm, a, s| ok(pm
                .subscriptions()
                .list_order_candidates(pb::ListOrderCandidatesRequest::default())
                .await)
        ),
        // Firmware and upgrades are the installer's.
        probe!(
            "FirmwareService.UploadFirmware",
            false,
            denied,
            |pm, a, s| {
                let parts = vec![pb::UploadFirmwareRequest {
                    part: Some(pb::upload_firmware_request::Part::Header(
                        pb::FirmwareHeader {
                            version: "1.2.3".into(),
                            models: vec!["R29".into()],
                            ..Default::default()
                        },
                    )),
                }];
                ok(pm
                    .firmware()
                    .upload_firmware(futures_util::stream::iter(parts))
                    .await)
            }
        ),
        probe!(
            "FirmwareService.ListFirmware",
            false,
            allowed,
            |pm, a, s| {
                let list = pm
                    .firmware()
                    .list_firmware(pb::ListFirmwareRequest::default())
                    .await?
                    .into_inner();
                assert!(
                    list.firmware.is_empty(),
                    "a property manager sees no firmware"
                );
                Ok(())
            }
        ),
        probe!("FirmwareService.GetFirmware", false, denied, |pm, a, s| ok(
            pm.firmware()
                .get_firmware(pb::FirmwareRef { firmware_id: 1 })
                .await
        )),
        probe!(
            "FirmwareService.DeleteFirmware",
            false,
            denied,
            |pm, a, s| ok(pm
                .firmware()
                .delete_firmware(pb::FirmwareRef { firmware_id: 1 })
                .await)
        ),
        probe!(
            "FirmwareService.GetDownloadUrl",
            false,
            denied,
            |pm, a, s| ok(pm
                .firmware()
                .get_download_url(pb::GetDownloadUrlRequest {
                    firmware_id: 1,
                    device_id: s.device,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "DeviceSettingsService.GetDeviceSettings",
            true,
            denied,
            |pm, a, s| ok(pm
                .device_settings()
                .get_device_settings(pb::GetDeviceRequest { id: s.device })
                .await)
        ),
        probe!(
            "DeviceSettingsService.UpdateDeviceSettings",
            true,
            denied,
            |pm, a, s| ok(pm
                .device_settings()
                .update_device_settings(pb::UpdateDeviceSettingsRequest {
                    device_id: s.device,
                    ..Default::default()
                })
                .await)
        ),
        probe!(
            "DeviceSettingsService.AddOneTimeAutop",
            true,
            denied,
            |pm, a, s| ok(pm
                .device_settings()
                .add_one_time_autop(pb::AddOneTimeAutopRequest {
                    device_id: s.device,
                    commands: "Config.X = 1".into()
                })
                .await)
        ),
        probe!(
            "UpgradeService.ListUpgradeCandidates",
            true,
            denied,
            |pm, a, s| ok(pm
                .upgrades()
                .list_upgrade_candidates(pb::ListUpgradeCandidatesRequest {
                    community_id: s.community,
                    model: "R29".into()
                })
                .await)
        ),
        probe!("UpgradeService.CreateUpgrade", true, denied, |pm, a, s| ok(
            pm.upgrades()
                .create_upgrade(pb::UpgradeRequest {
                    community_id: s.community,
                    firmware_id: 1,
                    model: "R29".into(),
                    device_ids: vec![s.device],
                    ..Default::default()
                })
                .await
        )),
        probe!(
            "UpgradeService.UpdateUpgrade",
            false,
            denied,
            |pm, a, s| ok(pm
                .upgrades()
                .update_upgrade(pb::UpdateUpgradeRequest {
                    id: 1,
                    upgrade: None
                })
                .await)
        ),
        probe!("UpgradeService.GetUpgrade", false, denied, |pm, a, s| ok(
            pm.upgrades().get_upgrade(pb::UpgradeRef { id: 1 }).await
        )),
        probe!("UpgradeService.ListUpgrades", true, denied, |pm, a, s| ok(
            pm.upgrades()
                .list_upgrades(pb::ListUpgradesRequest {
                    community_id: s.community,
                    ..Default::default()
                })
                .await
        )),
        probe!(
            "UpgradeService.DeleteUpgrade",
            false,
            denied,
            |pm, a, s| ok(pm.upgrades().delete_upgrade(pb::UpgradeRef { id: 1 }).await)
        ),
    ]
}

/// A number unlikely to repeat within one run (card numbers, apartment numbers).
fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Every RPC the admin API declares, as "Service.Method".
fn declared_rpcs() -> Vec<String> {
    let proto = include_str!("../../proto/porter/admin/v1/admin.proto");
    let mut service = "";
    let mut out = Vec::new();
    for line in proto.lines() {
        if let Some(rest) = line.strip_prefix("service ") {
            service = rest.split_whitespace().next().unwrap_or("");
        } else if let Some(rest) = line.trim_start().strip_prefix("rpc ") {
            let name = rest.split('(').next().unwrap_or("").trim();
            out.push(format!("{service}.{name}"));
        }
    }
    out
}

async fn site(
    server: &Server,
    admin: &Client,
    name: &str,
    plan: pb::FeaturePlan,
    access: pb::AccessControlPermission,
    n: u32,
) -> Site {
    let mut settings = common::community_settings(name, plan);
    settings.access_control = Some(access as i32);
    let community = admin
        .community()
        .create_community(pb::CreateCommunityRequest {
            settings: Some(settings),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let building = admin.create_building(community, "A").await.id;
    let resident = Some(pb::ResidentInput {
        first_name: Some("Res".into()),
        last_name: Some(name.into()),
        ..Default::default()
    });
    let apartment = admin
        .create_apartment_with_monitor(building, "101", resident, &format!("0C11000{n}0001"))
        .await
        .unwrap()
        .id;
    let device = common::door_phone(admin, community, &format!("0C11000{n}0002")).await;
    let camera = admin
        .cameras()
        .create_camera(pb::CreateCameraRequest {
            scope: Some(pb::create_camera_request::Scope::PublicArea(
                pb::PublicArea {
                    community_id: community,
                    building_ids: vec![],
                },
            )),
            camera: Some(pb::CameraInput {
                name: Some("Gate camera".into()),
                rtsp_url: Some("rtsp://10.0.0.8:554".into()),
                username: Some("viewer".into()),
                password: Some("viewer-password".into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let s = Site {
        community,
        building,
        apartment,
        device,
        camera,
        credential: 0,
        face: 0,
        capture: 0,
    };
    let credential = admin
        .credentials()
        .create_credential(pin_request(s, &format!("{n}00001"), Public))
        .await
        .unwrap()
        .into_inner()
        .id;
    let face = admin
        .credentials()
        .create_credential(pb::CreateCredentialRequest {
            method: pb::CredentialMethod::Face as i32,
            face_photo: common::face_png(0),
            doors: Some(pb::Doors {
                area: pb::DoorArea::Public as i32,
                chosen: vec![],
            }),
            ..pin_request(s, "", Public)
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    let secret = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: device })
        .await
        .unwrap()
        .into_inner()
        .credential;
    let mac = format!("0C11000{n}0002");
    let (code, answer) =
        common::upload_capture(server, &mac, &secret, "reason=motion", &common::face_png(1)).await;
    assert_eq!(code, "201", "{answer}");
    let capture = answer
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|seq| seq.parse().ok())
        .expect("the answer names the event");
    Site {
        credential,
        face,
        capture,
        ..s
    }
}

use pb::DoorArea::Public;

#[tokio::test]
async fn every_rpc_against_every_kind_of_property_manager_and_community() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let premium = site(
        &server,
        &admin,
        "Premium",
        pb::FeaturePlan::Premium,
        pb::AccessControlPermission::PublicAndPrivate,
        1,
    )
    .await;
    let basic = site(
        &server,
        &admin,
        "Basic",
        pb::FeaturePlan::Basic,
        pb::AccessControlPermission::PublicOnly,
        2,
    )
    .await;
    let other = site(
        &server,
        &admin,
        "Other",
        pb::FeaturePlan::Premium,
        pb::AccessControlPermission::PublicAndPrivate,
        3,
    )
    .await;

    let probes = probes();
    let mut missing: Vec<String> = declared_rpcs()
        .into_iter()
        .filter(|rpc| !probes.iter().any(|p| p.rpc == rpc))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "RPCs without a probe in the matrix: {missing:?}"
    );

    let mut failures = Vec::new();
    for (n, perms) in [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .map(|(d, l)| Perms {
            delete_accounts: d,
            log_access: l,
        })
        .enumerate()
    {
        let email = format!("pm{n}@pm.example");
        let created = admin
            .pm()
            .create_property_manager(pb::CreatePropertyManagerRequest {
                first_name: "Pat".into(),
                last_name: format!("{n}"),
                email: email.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let id = created.property_manager.unwrap().id;
        for c in [premium.community, basic.community] {
            admin
                .pm()
                .assign_property_manager(pb::AssignPropertyManagerRequest {
                    community_id: c,
                    property_manager_id: id,
                    permissions: Some(pb::PropertyManagerPermissions {
                        app_enabled: false,
                        delete_accounts: perms.delete_accounts,
                        log_access: perms.log_access,
                    }),
                })
                .await
                .unwrap();
        }
        let pm = server.login(&email, &created.generated_password).await;
        for probe in &probes {
            let targets: &[(Target, Site)] = if probe.scoped {
                &[
                    (Target::Premium, premium),
                    (Target::BasicPublicOnly, basic),
                    (Target::Unassigned, other),
                ]
            } else {
                &[(Target::Premium, premium)]
            };
            for (target, s) in targets {
                let got = (probe.call)(pm.clone(), admin.clone(), *s).await;
                let code = got.as_ref().err().map(Status::code);
                let fine = if *target == Target::Unassigned {
                    matches!(code, Some(Code::NotFound | Code::PermissionDenied))
                } else {
                    match (probe.expect)(perms, *target) {
                        Expect::Denied => {
                            code == Some(Code::PermissionDenied)
                                && got.as_ref().err().is_some_and(|e| !e.message().is_empty())
                        }
                        Expect::Allowed => !matches!(
                            code,
                            Some(Code::NotFound | Code::PermissionDenied | Code::Unauthenticated)
                        ),
                    }
                };
                if !fine {
                    failures.push(format!("{} {perms:?} {target:?}: {got:?}", probe.rpc));
                }
            }
        }
    }

    // A sub-installer sees the whole tenant, the unassigned community included.
    let sub = admin
        .account()
        .create_sub_installer(pb::CreateSubInstallerRequest {
            username: "helper".into(),
            password: "helper-password-1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let helper = server
        .login(&sub.account.unwrap().username, "helper-password-1")
        .await;
    let reads = ["Get", "List", "Search"];
    for probe in probes.iter().filter(|p| {
        p.scoped
            && reads
                .iter()
                .any(|r| p.rpc.split('.').nth(1).is_some_and(|m| m.starts_with(r)))
    }) {
        let got = (probe.call)(helper.clone(), admin.clone(), other).await;
        if matches!(
            got.as_ref().err().map(Status::code),
            Some(Code::NotFound | Code::PermissionDenied)
        ) {
            failures.push(format!(
                "sub-installer {} on its tenant's community: {got:?}",
                probe.rpc
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} unexpected answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    server.stop().await;
}
