//! Intercom devices through the admin API: scopes, rules, MAC binding, SIP accounts,
//! secrets, the Basic plan's indoor monitor.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Client, Server, assert_status, resident};
use pb::create_device_request::Scope;
use porter_proto::admin::v1 as pb;
use tonic::{Code, Status};

async fn create(
    client: &Client,
    scope: Scope,
    device: pb::DeviceInput,
) -> Result<pb::Device, Status> {
    client
        .devices()
        .create_device(pb::CreateDeviceRequest {
            scope: Some(scope),
            device: Some(device),
        })
        .await
        .map(|r| r.into_inner())
}

fn input(device_type: u32, mac: &str, name: &str) -> pb::DeviceInput {
    pb::DeviceInput {
        device_type: Some(device_type),
        mac: Some(mac.into()),
        name: Some(name.into()),
        ..Default::default()
    }
}

async fn add_macs(client: &Client, macs: &[&str]) {
    for mac in macs {
        client
            .macs()
            .add_mac(pb::AddMacRequest { mac: (*mac).into() })
            .await
            .unwrap();
    }
}

async fn mac_owner(client: &Client, mac: &str) -> String {
    let list = client
        .macs()
        .list_macs(pb::ListMacsRequest {
            search: mac.into(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    list.entries[0].owner.clone()
}

#[tokio::test]
async fn devices_at_three_scopes_with_their_rules() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin
        .create_community("Premium", pb::FeaturePlan::Premium)
        .await;
    let other = admin
        .create_community("Other", pb::FeaturePlan::Premium)
        .await;
    let b1 = admin.create_building(c.id, "B1").await;
    let b2 = admin.create_building(c.id, "B2").await;
    let foreign_building = admin.create_building(other.id, "X").await;
    let apt = admin
        .create_apartment(b1.id, "101", Some(resident("Lily", "Zheng", "")))
        .await
        .unwrap();
    add_macs(
        &admin,
        &[
            "0C1100000001",
            "0C1100000002",
            "0C1100000003",
            "0C1100000004",
            "0C1100000005",
            "0C1100000006",
        ],
    )
    .await;

    // Public area, all buildings, then a chosen set.
    let gate = create(
        &admin,
        Scope::PublicArea(pb::PublicArea {
            community_id: c.id,
            building_ids: vec![],
        }),
        input(0, "0c:11:00:00:00:01", "Gate"),
    )
    .await
    .unwrap();
    assert_eq!(gate.scope, pb::DeviceScopeKind::Public as i32);
    assert_eq!(gate.mac, "0C1100000001");
    assert_eq!(gate.owner, "Public Device");
    assert_eq!(gate.relays.len(), 1, "default Relay1");
    assert_eq!(gate.relays[0].dtmf_code, "#");
    assert_eq!(gate.relays[0].unlock_methods.len(), 7);
    assert_eq!(gate.sip_number.len(), 10);
    assert_status(
        create(
            &admin,
            Scope::PublicArea(pb::PublicArea {
                community_id: c.id,
                building_ids: vec![foreign_building.id],
            }),
            input(0, "0C1100000002", "Side"),
        )
        .await,
        Code::InvalidArgument,
        "buildings",
    );
    let side = create(
        &admin,
        Scope::PublicArea(pb::PublicArea {
            community_id: c.id,
            building_ids: vec![b2.id, b1.id, b2.id],
        }),
        input(3, "0C1100000002", "Guard"),
    )
    .await
    .unwrap();
    assert_eq!(side.public_building_ids, [b1.id, b2.id]);

    // Building door phone: contact display defaults to APT numbers; relays as given.
    let door = create(
        &admin,
        Scope::BuildingId(b1.id),
        pb::DeviceInput {
            network_group: Some(2),
            relays: Some(pb::Relays {
                relays: vec![
                    pb::Relay {
                        enabled: true,
                        name: "Front Door".into(),
                        dtmf_code: "1".into(),
                        unlock_methods: vec![
                            pb::UnlockMethod::Pin as i32,
                            pb::UnlockMethod::RfCard as i32,
                        ],
                    },
                    pb::Relay {
                        enabled: false,
                        name: "Garage".into(),
                        dtmf_code: "*2#".into(),
                        unlock_methods: vec![],
                    },
                ],
            }),
            security_relay: Some(pb::SecurityRelaySetting {
                relay: Some(pb::Relay {
                    enabled: true,
                    name: "SR01".into(),
                    dtmf_code: "9".into(),
                    unlock_methods: vec![],
                }),
            }),
            ..input(0, "0C1100000003", "Lobby")
        },
    )
    .await
    .unwrap();
    assert_eq!(door.contact_display, pb::ContactDisplay::AptNumbers as i32);
    assert_eq!(door.owner, "B1");
    assert_eq!(door.relays.len(), 2);
    assert!(door.security_relay.is_some());
    assert_ne!(door.sip_number, gate.sip_number);

    // Apartment indoor monitor with arming and offline transfer.
    let monitor = create(
        &admin,
        Scope::ApartmentId(apt.id),
        pb::DeviceInput {
            arming: Some(true),
            works_offline: Some(true),
            ..input(2, "0C1100000004", "Living Room")
        },
    )
    .await
    .unwrap();
    assert_eq!(monitor.owner, "B1-101");
    assert_eq!(monitor.resident_name, "Lily Zheng");
    assert_eq!(mac_owner(&admin, "0C1100000004").await, "B1-101");

    // Rules.
    let apt_scope = || Scope::ApartmentId(apt.id);
    let cases: Vec<(Scope, pb::DeviceInput, Code, &str)> = vec![
        (
            apt_scope(),
            input(2, "0C11000000FF", "M"),
            Code::InvalidArgument,
            "not in your MAC library",
        ),
        (
            apt_scope(),
            input(2, "0C1100000003", "M"),
            Code::AlreadyExists,
            "Lobby",
        ),
        (
            apt_scope(),
            input(7, "0C1100000005", "M"),
            Code::InvalidArgument,
            "device_type",
        ),
        (
            apt_scope(),
            input(2, "0C1100000005", ""),
            Code::InvalidArgument,
            "name",
        ),
        (
            apt_scope(),
            input(2, "bad", "M"),
            Code::InvalidArgument,
            "mac",
        ),
        (
            apt_scope(),
            pb::DeviceInput {
                works_offline: Some(true),
                ..input(2, "0C1100000005", "M2")
            },
            Code::InvalidArgument,
            "works_offline",
        ),
        (
            apt_scope(),
            pb::DeviceInput {
                arming: Some(true),
                ..input(1, "0C1100000005", "Villa")
            },
            Code::InvalidArgument,
            "arming",
        ),
        (
            apt_scope(),
            pb::DeviceInput {
                contact_display: Some(1),
                ..input(1, "0C1100000005", "Villa")
            },
            Code::InvalidArgument,
            "contact_display",
        ),
        (
            apt_scope(),
            pb::DeviceInput {
                network_group: Some(11),
                ..input(1, "0C1100000005", "Villa")
            },
            Code::InvalidArgument,
            "network_group",
        ),
        (
            Scope::BuildingId(b1.id),
            input(2, "0C1100000005", "M"),
            Code::InvalidArgument,
            "device_type",
        ),
        (
            Scope::BuildingId(b1.id),
            pb::DeviceInput {
                internet_access: Some(false),
                ..input(0, "0C1100000005", "D")
            },
            Code::InvalidArgument,
            "transfer_monitor_ip",
        ),
        (
            Scope::BuildingId(b1.id),
            pb::DeviceInput {
                internet_access: Some(false),
                transfer_monitor_ip: Some("10.0.0.300".into()),
                ..input(0, "0C1100000005", "D")
            },
            Code::InvalidArgument,
            "transfer_monitor_ip",
        ),
        (
            Scope::BuildingId(b1.id),
            pb::DeviceInput {
                security_relay: Some(pb::SecurityRelaySetting {
                    relay: Some(pb::Relay {
                        enabled: true,
                        name: "SR".into(),
                        dtmf_code: "1".into(),
                        unlock_methods: vec![],
                    }),
                }),
                ..input(3, "0C1100000005", "G")
            },
            Code::InvalidArgument,
            "security_relay",
        ),
        (
            Scope::BuildingId(b1.id),
            pb::DeviceInput {
                relays: Some(pb::Relays {
                    relays: (0..5)
                        .map(|i| pb::Relay {
                            enabled: true,
                            name: format!("R{i}"),
                            dtmf_code: "#".into(),
                            unlock_methods: vec![],
                        })
                        .collect(),
                }),
                ..input(0, "0C1100000005", "D")
            },
            Code::InvalidArgument,
            "relays",
        ),
        (
            Scope::BuildingId(b1.id),
            pb::DeviceInput {
                relays: Some(pb::Relays {
                    relays: vec![pb::Relay {
                        enabled: true,
                        name: "R".into(),
                        dtmf_code: "12345".into(),
                        unlock_methods: vec![],
                    }],
                }),
                ..input(0, "0C1100000005", "D")
            },
            Code::InvalidArgument,
            "relays[0].dtmf_code",
        ),
    ];
    for (scope, device, code, what) in cases {
        assert_status(create(&admin, scope, device).await, code, what);
    }
    // A door phone without internet access, with the monitor's static IP.
    let offline = create(
        &admin,
        Scope::BuildingId(b1.id),
        pb::DeviceInput {
            internet_access: Some(false),
            transfer_monitor_ip: Some("192.168.1.20".into()),
            ..input(0, "0C1100000005", "Back Door")
        },
    )
    .await
    .unwrap();
    assert_eq!(offline.transfer_monitor_ip, "192.168.1.20");

    // Another installer's MAC cannot be used, nor its devices seen.
    let bob = server.other_installer(&admin, "bob").await;
    let bc = bob
        .create_community("Bob's", pb::FeaturePlan::Premium)
        .await;
    assert_status(
        create(
            &bob,
            Scope::PublicArea(pb::PublicArea {
                community_id: bc.id,
                building_ids: vec![],
            }),
            input(0, "0C1100000006", "G"),
        )
        .await,
        Code::InvalidArgument,
        "MAC library",
    );
    assert_status(
        bob.devices()
            .get_device(pb::GetDeviceRequest { id: gate.id })
            .await,
        Code::NotFound,
        "device",
    );
    assert_status(
        bob.devices()
            .get_device_secrets(pb::GetDeviceRequest { id: gate.id })
            .await,
        Code::NotFound,
        "device",
    );
    assert_status(
        create(
            &bob,
            Scope::BuildingId(b1.id),
            input(0, "0C1100000006", "G"),
        )
        .await,
        Code::NotFound,
        "building",
    );

    // Lists: scope filters, search by MAC or name, sort.
    let list = |req: pb::ListDevicesRequest| {
        let admin = admin.clone();
        async move {
            admin
                .devices()
                .list_devices(req)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let all = list(pb::ListDevicesRequest {
        community_id: c.id,
        sort: pb::DeviceSort::NameAsc as i32,
        ..Default::default()
    })
    .await;
    assert_eq!(all.total, 5);
    let names: Vec<_> = all.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["Back Door", "Gate", "Guard", "Living Room", "Lobby"]
    );
    let public = list(pb::ListDevicesRequest {
        community_id: c.id,
        public_only: true,
        ..Default::default()
    })
    .await;
    assert_eq!(public.total, 2);
    let building = list(pb::ListDevicesRequest {
        community_id: c.id,
        building_id: b1.id,
        ..Default::default()
    })
    .await;
    assert_eq!(
        building.total, 2,
        "building scope only: Lobby and Back Door"
    );
    let in_apt = list(pb::ListDevicesRequest {
        community_id: c.id,
        apartment_id: apt.id,
        ..Default::default()
    })
    .await;
    assert_eq!(
        in_apt.devices.iter().map(|d| d.id).collect::<Vec<_>>(),
        [monitor.id]
    );
    let by_mac = list(pb::ListDevicesRequest {
        community_id: c.id,
        search: "00:00:03".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_mac.devices[0].name, "Lobby");
    let by_name = list(pb::ListDevicesRequest {
        community_id: c.id,
        search: "living".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_name.total, 1);
    let counts = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.device_count, 5);

    // Edit: fields change, scope and SIP number stay; rules apply on edit too.
    let edited = admin
        .devices()
        .update_device(pb::UpdateDeviceRequest {
            id: door.id,
            device: Some(pb::DeviceInput {
                name: Some("Main Lobby".into()),
                contact_display: Some(3),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (edited.name.as_str(), edited.sip_number.as_str()),
        ("Main Lobby", door.sip_number.as_str())
    );
    assert_eq!(
        edited.contact_display,
        pb::ContactDisplay::AptNumbersMonitorsAndApps as i32
    );
    assert_status(
        admin
            .devices()
            .update_device(pb::UpdateDeviceRequest {
                id: door.id,
                device: Some(pb::DeviceInput {
                    mac: Some("0C1100000001".into()),
                    ..Default::default()
                }),
            })
            .await,
        Code::AlreadyExists,
        "Gate",
    );

    // The MAC library shows owners and refuses to drop a bound MAC.
    assert_eq!(mac_owner(&admin, "0C1100000001").await, "Public Device");
    assert_eq!(mac_owner(&admin, "0C1100000003").await, "B1");
    assert_status(
        admin
            .macs()
            .delete_mac(pb::DeleteMacRequest {
                mac: "0C1100000003".into(),
            })
            .await,
        Code::FailedPrecondition,
        "Main Lobby",
    );
    admin
        .devices()
        .delete_device(pb::DeleteDeviceRequest { id: door.id })
        .await
        .unwrap();
    assert_eq!(mac_owner(&admin, "0C1100000003").await, "");
    admin
        .macs()
        .delete_mac(pb::DeleteMacRequest {
            mac: "0C1100000003".into(),
        })
        .await
        .unwrap();

    // A building with devices is not deleted without a cascade; with one, its devices go
    // and their MACs are free again.
    assert_status(
        admin
            .building()
            .delete_building(pb::DeleteBuildingRequest {
                id: b1.id,
                cascade: false,
            })
            .await,
        Code::FailedPrecondition,
        "device",
    );
    admin
        .building()
        .delete_building(pb::DeleteBuildingRequest {
            id: b1.id,
            cascade: true,
        })
        .await
        .unwrap();
    assert_eq!(mac_owner(&admin, "0C1100000004").await, "");
    assert_status(
        admin
            .devices()
            .get_device(pb::GetDeviceRequest { id: monitor.id })
            .await,
        Code::NotFound,
        "device",
    );
    let counts = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.device_count, 2, "the public devices remain");
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_shown_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    add_macs(&admin, &["0C1100000001"]).await;
    let gate = create(
        &admin,
        Scope::PublicArea(pb::PublicArea {
            community_id: c.id,
            building_ids: vec![],
        }),
        input(0, "0C1100000001", "Gate"),
    )
    .await
    .unwrap();
    let secrets = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: gate.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(secrets.sip_number, gate.sip_number);
    assert_eq!(secrets.sip_password.len(), 16);
    assert!(secrets.credential.starts_with("dc_"));
    let audit = admin
        .audit()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(audit.entries[0].action, "device.secrets_viewed");
    assert!(
        audit
            .entries
            .iter()
            .all(|e| !e.detail.contains(&secrets.sip_password))
    );

    let rotated = admin
        .devices()
        .rotate_device_credential(pb::GetDeviceRequest { id: gate.id })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(rotated.credential, secrets.credential);
    let again = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: gate.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.credential, rotated.credential);
    assert_eq!(again.sip_password, secrets.sip_password);

    // Nothing on disk holds a secret in clear.
    server.stop().await;
    let scanned = common::assert_no_file_contains(
        &dir.path().join("data"),
        &[
            &secrets.sip_password,
            &rotated.credential,
            &secrets.credential,
        ],
    );
    assert!(scanned > 0);
    // Sealed secrets open again after a restart (the key is kept beside the data).
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let after = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: gate.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.sip_password, secrets.sip_password);
    // Indexes rebuilt from disk: the count and the MAC binding are back.
    let community = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(community.device_count, 1);
    assert_eq!(mac_owner(&admin, "0C1100000001").await, "Public Device");
}

#[tokio::test]
async fn basic_plan_apartments_need_an_indoor_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = admin
        .create_community("Basic", pb::FeaturePlan::Basic)
        .await;
    let b = admin.create_building(c.id, "B1").await;
    assert_status(
        admin.create_apartment(b.id, "101", None).await,
        Code::InvalidArgument,
        "indoor_monitor",
    );
    // A door phone is not an indoor monitor.
    add_macs(&admin, &["0C1100000009"]).await;
    let req = |mac: &str, device_type: Option<u32>| pb::CreateApartmentRequest {
        building_id: b.id,
        apartment: Some(pb::ApartmentInput {
            apt_number: Some("101".into()),
            ..Default::default()
        }),
        resident: Some(resident("A", "B", "")),
        indoor_monitor: Some(pb::DeviceInput {
            device_type,
            mac: Some(mac.into()),
            name: Some("Monitor".into()),
            ..Default::default()
        }),
    };
    assert_status(
        admin
            .apartment()
            .create_apartment(req("0C1100000009", Some(0)))
            .await,
        Code::InvalidArgument,
        "indoor_monitor.device_type",
    );
    assert_status(
        admin
            .apartment()
            .create_apartment(req("0C11000000AA", None))
            .await,
        Code::InvalidArgument,
        "indoor_monitor.mac",
    );
    let c_before = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (c_before.apartments_used, c_before.device_count),
        (0, 0),
        "refused requests wrote nothing"
    );

    let apt = admin
        .apartment()
        .create_apartment(req("0C1100000009", None))
        .await
        .unwrap()
        .into_inner();
    let devices = admin
        .devices()
        .list_devices(pb::ListDevicesRequest {
            community_id: c.id,
            apartment_id: apt.id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(devices.devices.len(), 1);
    let monitor = &devices.devices[0];
    assert_eq!((monitor.device_type, monitor.owner.as_str()), (2, "B1-101"));
    assert_ne!(monitor.sip_number, apt.family_sip_number);

    // The last indoor monitor stays.
    assert_status(
        admin
            .devices()
            .delete_device(pb::DeleteDeviceRequest { id: monitor.id })
            .await,
        Code::FailedPrecondition,
        "Basic",
    );
    assert_status(
        admin
            .devices()
            .update_device(pb::UpdateDeviceRequest {
                id: monitor.id,
                device: Some(pb::DeviceInput {
                    device_type: Some(1),
                    ..Default::default()
                }),
            })
            .await,
        Code::FailedPrecondition,
        "Basic",
    );
    // Deleting the apartment takes its monitor and frees the MAC.
    admin
        .apartment()
        .delete_apartment(pb::DeleteApartmentRequest { id: apt.id })
        .await
        .unwrap();
    assert_eq!(mac_owner(&admin, "0C1100000009").await, "");
    let c_after = admin
        .community()
        .get_community(pb::GetCommunityRequest { id: c.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c_after.device_count, 0);
}
