//! AutoP files for each device type and scope, compared with the files in
//! `tests/golden/`. After an intended change, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test -p porter-provisioning --test autop_golden` and review the
//! diff.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use porter_provisioning::autop::{DeviceSecrets, ServerEndpoints, render};
use porter_store::model::{
    Address, ApartmentInput, CommunitySettings, ContactDisplay, DateFormat, DeviceInput,
    FeaturePlan, Id, Language, PinMode, Relay, ResidentInput, TimeFormat, UnlockMethod,
};
use porter_store::{Actor, MaintenanceEdit, ManualClock, ScopeRequest, Store};

const NOW_MS: i64 = 1_700_000_000_000;

fn server() -> ServerEndpoints {
    ServerEndpoints {
        sip_host: "sip.example.net".into(),
        sip_port: 5060,
        sip_tls_port: 5061,
        gateway: "gw.example.net:8501".into(),
        https_base: "https://porter.example.net:8443".into(),
    }
}

struct Site {
    store: Store,
    actor: Actor,
    community: Id,
    b1: Id,
    a101: Id,
}

async fn site() -> Site {
    let store = Store::in_memory(Arc::new(ManualClock::new(NOW_MS)));
    store
        .bootstrap("admin", Some("password-1".into()))
        .await
        .unwrap();
    let token = store
        .login("admin", "password-1", 60_000)
        .await
        .unwrap()
        .token;
    let actor = store.authenticate(&token).unwrap();
    let community = store
        .create_community(
            &actor,
            CommunitySettings {
                name: Some("Lakeside".into()),
                feature_plan: Some(FeaturePlan::Premium),
                address: Some(Address {
                    country: "Germany".into(),
                    state: "Berlin".into(),
                    city: "Berlin".into(),
                    post_code: "10115".into(),
                    street: "Invalidenstr. 1".into(),
                }),
                time_zone: Some("Europe/Berlin".into()),
                time_format: Some(TimeFormat::H24),
                date_format: Some(DateFormat::DayMonthYear),
                pin_mode: Some(PinMode::AptPin),
                ..CommunitySettings::default()
            },
        )
        .await
        .unwrap()
        .community
        .id;
    let b1 = store
        .create_building(&actor, community, "B1")
        .await
        .unwrap()
        .building
        .id;
    let apartment = |number: &str, name: &str, resident: Option<ResidentInput>| {
        let store = store.clone();
        let actor = actor.clone();
        let (number, name) = (number.to_owned(), name.to_owned());
        async move {
            store
                .create_apartment(
                    &actor,
                    b1,
                    ApartmentInput {
                        number: Some(number),
                        name: Some(name),
                        ..ApartmentInput::default()
                    },
                    resident,
                    None,
                )
                .await
                .unwrap()
                .apartment
                .id
        }
    };
    let a101 = apartment(
        "101",
        "Zheng",
        Some(ResidentInput {
            first_name: Some("Lily".into()),
            last_name: Some("Zheng".into()),
            language: Some(Language::French),
            ..ResidentInput::default()
        }),
    )
    .await;
    apartment("10", "", None).await;
    apartment("2", "", None).await;
    Site {
        store,
        actor,
        community,
        b1,
        a101,
    }
}

async fn device(s: &Site, scope: ScopeRequest, input: DeviceInput) -> Id {
    let mac = input.mac.clone().unwrap();
    s.store.add_mac(&s.actor, &mac).await.unwrap();
    s.store
        .create_device(&s.actor, scope, input)
        .await
        .unwrap()
        .device
        .id
}

fn input(t: u32, mac: &str, name: &str) -> DeviceInput {
    DeviceInput {
        device_type: Some(t),
        mac: Some(mac.into()),
        name: Some(name.into()),
        ..DeviceInput::default()
    }
}

fn file(s: &Site, id: Id) -> porter_provisioning::autop::AutopFile {
    let secrets = DeviceSecrets {
        sip_password: "sip-password".into(),
        credential: "dc_credential".into(),
    };
    s.store.read(|dir| {
        let d = dir.device(id).unwrap();
        render(dir, d, &secrets, &server(), NOW_MS)
    })
}

fn golden(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.cfg"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        text,
        want,
        "{name}: the AutoP file differs from {}",
        path.display()
    );
}

#[tokio::test]
async fn each_device_type_and_scope_matches_its_golden_file() {
    let s = site().await;
    let gate = device(
        &s,
        ScopeRequest::Public {
            community_id: s.community,
            buildings: vec![],
        },
        DeviceInput {
            relays: Some(vec![
                Relay {
                    enabled: true,
                    name: "Gate".into(),
                    dtmf_code: "#".into(),
                    unlock_methods: vec![UnlockMethod::Pin, UnlockMethod::RfCard],
                },
                Relay {
                    enabled: false,
                    name: "Garage".into(),
                    dtmf_code: "*2".into(),
                    unlock_methods: vec![UnlockMethod::SmartPlusHomepage],
                },
            ]),
            ..input(0, "0C1100000001", "Gate")
        },
    )
    .await;
    golden("public_door_phone", &file(&s, gate).text);

    let lobby = device(
        &s,
        ScopeRequest::Building { building_id: s.b1 },
        input(0, "0C1100000002", "Lobby"),
    )
    .await;
    let monitor = device(
        &s,
        ScopeRequest::Apartment {
            apartment_id: s.a101,
        },
        DeviceInput {
            arming: Some(true),
            ..input(2, "0C1100000003", "Kitchen")
        },
    )
    .await;
    golden("indoor_monitor", &file(&s, monitor).text);
    golden("building_door_phone_apt_numbers", &file(&s, lobby).text);
    for (display, name) in [
        (
            ContactDisplay::IndoorMonitorsAndApps,
            "building_door_phone_monitors_and_apps",
        ),
        (
            ContactDisplay::AptNumbersMonitorsAndApps,
            "building_door_phone_both",
        ),
    ] {
        s.store
            .update_device(
                &s.actor,
                lobby,
                DeviceInput {
                    contact_display: Some(display),
                    ..DeviceInput::default()
                },
            )
            .await
            .unwrap();
        golden(name, &file(&s, lobby).text);
    }

    let villa = device(
        &s,
        ScopeRequest::Apartment {
            apartment_id: s.a101,
        },
        DeviceInput {
            internet_access: Some(false),
            transfer_monitor_ip: Some("192.168.1.20".into()),
            ..input(1, "0C1100000004", "Villa door")
        },
    )
    .await;
    golden("single_tenant_door_phone", &file(&s, villa).text);
    let guard = device(
        &s,
        ScopeRequest::Public {
            community_id: s.community,
            buildings: vec![],
        },
        input(3, "0C1100000005", "Guard"),
    )
    .await;
    golden("guard_phone", &file(&s, guard).text);
    let reader = device(
        &s,
        ScopeRequest::Building { building_id: s.b1 },
        input(50, "0C1100000006", "Garage reader"),
    )
    .await;
    golden("access_control", &file(&s, reader).text);
}

#[tokio::test]
async fn installer_commands_override_and_one_time_commands_go_once() {
    let s = site().await;
    let gate = device(
        &s,
        ScopeRequest::Public {
            community_id: s.community,
            buildings: vec![],
        },
        input(0, "0C1100000001", "Gate"),
    )
    .await;
    let before = file(&s, gate);
    s.store
        .update_device_maintenance(
            &s.actor,
            gate,
            MaintenanceEdit {
                sip_transport: Some(porter_store::model::SipTransportKind::Tls),
                autop_commands: Some(
                    "Config.Settings.LCD.Brightness = 40\n\
                     Config.DoorSetting.RELAY.RelayNameA = Main entrance\n\
                     Config.Settings.LCD.Brightness = 70\n"
                        .into(),
                ),
                client_cert_sha256: None,
            },
        )
        .await
        .unwrap();
    s.store
        .add_one_time_autop(&s.actor, gate, "Config.Settings.Reboot.Now = 1")
        .await
        .unwrap();
    let after = file(&s, gate);
    assert_ne!(before.etag, after.etag, "a change gives a new ETag");
    let lines: Vec<&str> = after.text.lines().collect();
    assert!(lines.contains(&"Config.Account1.SIP.TransType = 2"));
    assert!(lines.contains(&"Config.Account1.SIP.Port = 5061"));
    // The installer's value replaces Porter's, in Porter's place; one line per key.
    assert!(lines.contains(&"Config.DoorSetting.RELAY.RelayNameA = Main entrance"));
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("Config.DoorSetting.RELAY.RelayNameA"))
            .count(),
        1
    );
    assert!(lines.contains(&"Config.Settings.LCD.Brightness = 70"));
    assert!(!lines.contains(&"Config.Settings.LCD.Brightness = 40"));
    assert_eq!(lines.last(), Some(&"Config.Settings.Reboot.Now = 1"));
    golden("with_installer_commands", &after.text);

    // Served once: the next file no longer carries the one-time command.
    s.store
        .one_time_autop_served(gate, &after.one_time)
        .await
        .unwrap();
    let next = file(&s, gate);
    assert!(!next.text.contains("Reboot.Now"));
    assert!(next.one_time.is_empty());
    assert_eq!(file(&s, gate).etag, next.etag, "same content, same ETag");
}
