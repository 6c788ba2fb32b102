//! A device's session ends the moment what it authenticated with is gone: deleting the
//! device (or its apartment), moving its MAC or rotating its credential tells the open
//! session why and closes it, on TLS, QUIC and WebSocket alike; its remote-control links
//! stop working; and a MAC given to a new device (even another installer's) never inherits
//! the old session.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Client, Server, SimDevice, connector, curl, door_phone};
use porter_proto::admin::v1 as pb;
use porter_proto::device::v1 as d;
use porter_sim::link::{Connector, Link, Transport};

async fn community(admin: &Client) -> u64 {
    admin
        .create_community("Revocation Row", pb::FeaturePlan::Premium)
        .await
        .id
}

async fn credential(client: &Client, id: u64) -> String {
    client
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id })
        .await
        .unwrap()
        .into_inner()
        .credential
}

/// A raw device session: Hello answered with HelloAck.
async fn online(connector: &Connector, mac: &str, credential: &str) -> Link {
    let mut link = connector.connect(0).await.unwrap();
    link.send(&d::DeviceFrame {
        body: Some(d::device_frame::Body::Hello(d::Hello {
            protocol_versions: vec![1],
            mac: mac.into(),
            model: "R29".into(),
            firmware_version: "29.30.2.805".into(),
            credential: credential.into(),
            ..Default::default()
        })),
    })
    .await
    .unwrap();
    let answer = link.recv().await.unwrap().and_then(|f| f.body);
    assert!(
        matches!(answer, Some(d::server_frame::Body::HelloAck(_))),
        "{answer:?}"
    );
    link
}

/// The session is told it was revoked, with `why` in the message, and then closed; a
/// heartbeat sent after that gets no HeartbeatAck.
async fn told_revoked(link: &mut Link, why: &str) {
    let answer = tokio::time::timeout(Duration::from_secs(5), link.recv())
        .await
        .expect("the revoked session is told within 5 s");
    let body = answer.unwrap().and_then(|f| f.body);
    match &body {
        Some(d::server_frame::Body::Error(e)) => {
            assert_eq!(e.code, d::error::Code::Revoked as i32, "{e:?}");
            assert!(e.message.contains(why), "{e:?}");
        }
        other => panic!("expected a Revoked error, got {other:?}"),
    }
    let _ = link
        .send(&d::DeviceFrame {
            body: Some(d::device_frame::Body::Heartbeat(d::Heartbeat { seq: 9 })),
        })
        .await;
    let after = tokio::time::timeout(Duration::from_secs(5), link.recv())
        .await
        .expect("the connection ends");
    assert!(matches!(after, Ok(None) | Err(_)), "{after:?}");
}

async fn is_online(client: &Client, id: u64) -> bool {
    client.device(id).await.online
}

async fn lifecycle_over(transport: Transport) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = community(&admin).await;
    let connector = connector(&server, transport);

    // Deleted: told, closed, offline.
    let gate = door_phone(&admin, c, "0C1105A00001").await;
    let mut link = online(&connector, "0C1105A00001", &credential(&admin, gate).await).await;
    admin
        .devices()
        .delete_device(pb::DeleteDeviceRequest { id: gate })
        .await
        .unwrap();
    told_revoked(&mut link, "deleted").await;

    // The same MAC as a new device: offline until it proves the new credential.
    let renewed = admin
        .devices()
        .create_device(pb::CreateDeviceRequest {
            scope: Some(pb::create_device_request::Scope::PublicArea(
                pb::PublicArea {
                    community_id: c,
                    building_ids: vec![],
                },
            )),
            device: Some(pb::DeviceInput {
                device_type: Some(0),
                mac: Some("0C1105A00001".into()),
                name: Some("Renewed".into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    assert!(!is_online(&admin, renewed).await);

    // Rotated: the session that used the old credential ends; the new one gets in.
    let old = credential(&admin, renewed).await;
    let mut link = online(&connector, "0C1105A00001", &old).await;
    let rotated = admin
        .devices()
        .rotate_device_credential(pb::GetDeviceRequest { id: renewed })
        .await
        .unwrap()
        .into_inner()
        .credential;
    told_revoked(&mut link, "rotated").await;
    assert!(!is_online(&admin, renewed).await);
    let refused = admin
        .devices()
        .reboot_device(pb::GetDeviceRequest { id: renewed })
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    let mut link = online(&connector, "0C1105A00001", &rotated).await;
    assert!(is_online(&admin, renewed).await);

    // Moved to another MAC: the session of the old MAC ends.
    admin
        .macs()
        .add_mac(pb::AddMacRequest {
            mac: "0C1105A00002".into(),
        })
        .await
        .unwrap();
    admin
        .devices()
        .update_device(pb::UpdateDeviceRequest {
            id: renewed,
            device: Some(pb::DeviceInput {
                mac: Some("0C1105A00002".into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    told_revoked(&mut link, "MAC").await;

    // Deleting the apartment deletes its monitor: its session ends too.
    let b = admin.create_building(c, "B1").await;
    let apt = admin
        .create_apartment_with_monitor(b.id, "101", None, "0C1105A00003")
        .await
        .unwrap();
    let monitor = admin
        .devices()
        .list_devices(pb::ListDevicesRequest {
            community_id: c,
            search: "0C1105A00003".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .devices[0]
        .id;
    let mut link = online(
        &connector,
        "0C1105A00003",
        &credential(&admin, monitor).await,
    )
    .await;
    admin
        .apartment()
        .delete_apartment(pb::DeleteApartmentRequest { id: apt.id })
        .await
        .unwrap();
    told_revoked(&mut link, "deleted").await;

    let text = common::metrics(&server).await;
    assert!(
        text.lines()
            .any(|l| l == "porter_gateway_sessions_revoked_total 4"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_their_device_is_deleted_moved_or_rekeyed_over_tls() {
    lifecycle_over(Transport::Tls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_their_device_is_deleted_moved_or_rekeyed_over_quic() {
    lifecycle_over(Transport::Quic).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_their_device_is_deleted_moved_or_rekeyed_over_websocket() {
    lifecycle_over(Transport::Ws).await;
}

/// Installer A deletes a connected door phone and frees its MAC; installer B adds that MAC
/// and creates a device with it. B's device is offline, B's unlock and remote control
/// reach nothing, and A's remote-control link opened before the delete is dead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freed_mac_does_not_hand_another_installer_the_connected_door() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let a = server.admin().await;
    let b = server.other_installer(&a, "installer-b").await;
    let community_a = community(&a).await;
    let community_b = b
        .create_community("B's Court", pb::FeaturePlan::Premium)
        .await
        .id;
    const MAC: &str = "0C1105A0000B";
    let door_a = door_phone(&a, community_a, MAC).await;
    let sim = SimDevice::connect(&server, &a, door_a, "R29").await;

    let grant = a
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: door_a })
        .await
        .unwrap()
        .into_inner();
    let ca = server.data_dir.join("gateway-cert.pem");
    let ca = ca.to_str().unwrap();
    let (code, body) = curl(&["--cacert", ca, &grant.url]).await;
    assert_eq!(code, "200", "{body}");

    a.devices()
        .delete_device(pb::DeleteDeviceRequest { id: door_a })
        .await
        .unwrap();
    a.macs()
        .delete_mac(pb::DeleteMacRequest { mac: MAC.into() })
        .await
        .unwrap();
    let (code, body) = curl(&["--cacert", ca, &grant.url]).await;
    assert_eq!(code, "404", "the link died with the device: {body}");

    let door_b = door_phone(&b, community_b, MAC).await;
    let commands_before = sim.counters.commands.load(Ordering::Relaxed);
    // Give a stale session every chance to show up as B's.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!is_online(&b, door_b).await, "B's device is not online");
    let unlock = b
        .devices()
        .unlock_relay(pb::UnlockRelayRequest {
            device_id: door_b,
            relay: 1,
        })
        .await;
    assert_eq!(
        unlock.as_ref().map_err(|s| s.code()).err(),
        Some(tonic::Code::FailedPrecondition),
        "{unlock:?}"
    );
    let remote = b
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: door_b })
        .await;
    assert_eq!(
        remote.as_ref().map_err(|s| s.code()).err(),
        Some(tonic::Code::FailedPrecondition),
        "{remote:?}"
    );
    assert_eq!(
        sim.counters.commands.load(Ordering::Relaxed),
        commands_before,
        "A's door got no command"
    );
    assert_eq!(sim.counters.refused.load(Ordering::Relaxed), 1);
    sim.stop().await;
    server.stop().await;
}

/// Last Connection (time, address, firmware, model) outlives a restart, and a reconnect
/// storm does not rewrite it per connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_connection_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let c = community(&admin).await;
    let gate = door_phone(&admin, c, "0C1105A00010").await;
    let credential = credential(&admin, gate).await;
    let tls = connector(&server, Transport::Tls);
    for _ in 0..5 {
        let link = online(&tls, "0C1105A00010", &credential).await;
        drop(link);
    }
    let _link = online(&tls, "0C1105A00010", &credential).await;
    let before = admin.device(gate).await;
    assert!(before.online && before.last_connection_ms > 0, "{before:?}");
    assert_eq!(
        (before.model.as_str(), before.firmware_version.as_str()),
        ("R29", "29.30.2.805")
    );
    server.stop().await;

    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let after = admin.device(gate).await;
    assert!(!after.online);
    assert_eq!(
        after.last_connection_ms, before.last_connection_ms,
        "{after:?}"
    );
    assert_eq!(after.remote_address, before.remote_address);
    assert_eq!(
        (after.model.as_str(), after.firmware_version.as_str()),
        ("R29", "29.30.2.805")
    );
    server.stop().await;
}
