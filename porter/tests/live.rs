//! `EventService.WatchCommunity`: a page's live view of a community. A door phone coming
//! online, the door log of an unlock and the door phone going offline arrive as they
//! happen; other communities' updates do not; another installer cannot watch.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Server, SimDevice, assert_status, door_phone};
use porter_proto::admin::v1::{self as pb, community_update::Update};
use tonic::{Code, Streaming};

/// The next update `wanted` picks, within 10 s (others are skipped).
async fn next_matching(
    updates: &mut Streaming<pb::CommunityUpdate>,
    wanted: impl Fn(&Update) -> bool,
) -> Update {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let u = updates.message().await.unwrap().expect("the stream ended");
            let u = u.update.expect("an update");
            if wanted(&u) {
                return u;
            }
        }
    })
    .await
    .expect("the update did not come within 10 s")
}

#[tokio::test]
async fn a_watch_sees_a_door_phone_come_online_open_a_door_and_go_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let lane = admin
        .create_community("Live Lane", pb::FeaturePlan::Premium)
        .await
        .id;
    let other = admin
        .create_community("Quiet Close", pb::FeaturePlan::Premium)
        .await
        .id;
    let gate = door_phone(&admin, lane, "0C11050B9814").await;
    let elsewhere = door_phone(&admin, other, "0C11050B9815").await;

    let mut updates = admin
        .events()
        .watch_community(pb::WatchCommunityRequest { community_id: lane })
        .await
        .unwrap()
        .into_inner();
    // A property manager without Log Access Control watches the devices, not the logs.
    let made = admin
        .pm()
        .create_property_manager(pb::CreatePropertyManagerRequest {
            first_name: "Ola".into(),
            last_name: "Berg".into(),
            email: "ola@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    admin
        .pm()
        .assign_property_manager(pb::AssignPropertyManagerRequest {
            community_id: lane,
            property_manager_id: made.property_manager.as_ref().unwrap().id,
            permissions: Some(pb::PropertyManagerPermissions::default()),
        })
        .await
        .unwrap();
    let pm = server
        .login("ola@example.com", &made.generated_password)
        .await;
    let mut pm_updates = pm
        .events()
        .watch_community(pb::WatchCommunityRequest { community_id: lane })
        .await
        .unwrap()
        .into_inner();
    // A device of another community comes and goes first: none of it may arrive.
    SimDevice::connect(&server, &admin, elsewhere, "R29")
        .await
        .stop()
        .await;
    let sim = SimDevice::connect(&server, &admin, gate, "R29").await;
    match next_matching(&mut updates, |_| true).await {
        Update::DeviceStatus(s) => {
            assert_eq!((s.device_id, s.online), (gate, true), "{s:?}");
            assert_eq!(s.model, "R29");
            assert!(s.at_ms > 0 && !s.remote_address.is_empty(), "{s:?}");
        }
        other => panic!("the first update is the gate coming online, not {other:?}"),
    }

    admin
        .devices()
        .unlock_relay(pb::UnlockRelayRequest {
            device_id: gate,
            relay: 1,
        })
        .await
        .unwrap();
    let door_log = next_matching(
        &mut updates,
        |u| matches!(u, Update::Event(e) if e.kind == "door_log"),
    )
    .await;
    let Update::Event(e) = door_log else {
        unreachable!()
    };
    assert_eq!(e.device_id, gate);

    sim.stop().await;
    let gone = next_matching(&mut updates, |u| matches!(u, Update::DeviceStatus(_))).await;
    let Update::DeviceStatus(s) = gone else {
        unreachable!()
    };
    assert_eq!((s.device_id, s.online), (gate, false));
    // The property manager saw the gate come and go, and no door log between.
    let mut seen = Vec::new();
    loop {
        let u = next_matching(&mut pm_updates, |_| true).await;
        let gone = matches!(&u, Update::DeviceStatus(s) if !s.online);
        seen.push(u);
        if gone {
            break;
        }
    }
    assert!(
        seen.iter()
            .all(|u| matches!(u, Update::DeviceStatus(s) if s.device_id == gate)),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 2, "online, then offline: {seen:?}");

    // Another installer's watch of this community is NOT_FOUND, as every other read.
    let stranger = server.other_installer(&admin, "stranger").await;
    assert_status(
        stranger
            .events()
            .watch_community(pb::WatchCommunityRequest { community_id: lane })
            .await,
        Code::NotFound,
        "",
    );
    server.stop().await;
}

#[tokio::test]
async fn porter_admin_event_watch_prints_updates_as_they_come() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let lane = admin
        .create_community("Watch Walk", pb::FeaturePlan::Premium)
        .await
        .id;
    let gate = door_phone(&admin, lane, "0C11050B9816").await;
    let token_file = dir.path().join("token");
    let cli = |args: &[&str]| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_porter"));
        c.arg("admin")
            .args(args)
            .env("PORTER_SERVER", server.url())
            .env("PORTER_TOKEN_FILE", &token_file)
            .env_remove("PORTER_TOKEN")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        c
    };
    let login = cli(&[
        "login",
        "--username",
        common::ADMIN_USER,
        "--password",
        common::ADMIN_PASSWORD,
    ])
    .output()
    .await
    .unwrap();
    assert!(login.status.success(), "{login:?}");
    let community = lane.to_string();
    let watch = cli(&[
        "--json",
        "event",
        "watch",
        "--community",
        &community,
        "--for-secs",
        "8",
    ])
    .spawn()
    .unwrap();
    // Give the stream a moment to open before the door phone connects.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sim = SimDevice::connect(&server, &admin, gate, "R29").await;
    let out = tokio::time::timeout(Duration::from_secs(30), watch.wait_with_output())
        .await
        .expect("event watch stops after --for-secs")
        .unwrap();
    sim.stop().await;
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("device_status")
            && printed.contains("\"online\": true")
            && printed.contains(&gate.to_string()),
        "the door phone coming online is printed: {printed}"
    );
    server.stop().await;
}
