//! Upgrade strategies end to end: an image uploaded through the admin API, a strategy for
//! the model's devices, porter-sim devices that download the image by their signed link,
//! check its SHA-256 and reboot into the new version (Executed), a damaged download caught
//! by the checksum (Failed with the device's reason) halting the canary wave, and a
//! scheduled strategy that waits, can be edited and deleted.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::upgrades::upload;
use common::{Client, Server, SimDevice, assert_status, community_settings};
use porter_proto::admin::v1 as pb;
use tonic::Code;

const NEW: &str = "29.30.2.900";

/// Another door phone in the site's building.
async fn door(admin: &Client, community_id: u64, mac: &str, name: &str) -> u64 {
    let building = admin
        .building()
        .list_buildings(pb::ListBuildingsRequest { community_id })
        .await
        .unwrap()
        .into_inner()
        .buildings[0]
        .id;
    common::building_door(admin, building, mac, name).await
}

fn quick_policy() -> pb::RolloutPolicy {
    pb::RolloutPolicy {
        start_spread_secs: Some(0),
        ..Default::default()
    }
}

/// Polls the strategy until `done` holds (at most 30 s).
async fn wait_for(
    admin: &Client,
    id: u64,
    done: impl Fn(&pb::UpgradeStrategy) -> bool,
) -> pb::UpgradeStrategy {
    common::upgrades::wait_for(admin, id, Duration::from_secs(30), done).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategy_upgrades_a_connected_device_to_executed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let fw = upload(&admin, NEW, &["R29"]).await;
    let other = upload(&admin, "916.30.1.1", &["X916"]).await;
    let sim = SimDevice::connect(&server, &admin, site.door_id, "R29").await;

    let candidates = admin
        .upgrades()
        .list_upgrade_candidates(pb::ListUpgradeCandidatesRequest {
            community_id: site.community_id,
            model: "r29".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .devices;
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].firmware_version, "29.30.2.805");
    assert!(candidates[0].online);

    let request = |firmware_id, model: &str, devices: Vec<u64>| pb::UpgradeRequest {
        community_id: site.community_id,
        firmware_id,
        model: model.into(),
        device_ids: devices,
        policy: Some(quick_policy()),
        ..Default::default()
    };
    // Refusals: an image for another model; a device whose model is unknown.
    assert_status(
        admin
            .upgrades()
            .create_upgrade(request(other.id, "R29", vec![site.door_id]))
            .await,
        Code::InvalidArgument,
        "model",
    );
    let monitor = admin
        .devices()
        .list_devices(pb::ListDevicesRequest {
            community_id: site.community_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .devices
        .into_iter()
        .find(|d| d.id != site.door_id)
        .unwrap();
    assert_status(
        admin
            .upgrades()
            .create_upgrade(request(fw.id, "R29", vec![monitor.id]))
            .await,
        Code::InvalidArgument,
        "model is unknown",
    );

    let created = admin
        .upgrades()
        .create_upgrade(request(fw.id, "R29", vec![site.door_id]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.version, NEW);
    let done = wait_for(&admin, created.id, |s| {
        s.status == pb::UpgradeStatus::Executed as i32
    })
    .await;
    assert_eq!(done.devices[0].status, pb::UpgradeStatus::Executed as i32);
    assert!(done.devices[0].finished_at_ms >= done.devices[0].started_at_ms);
    // The device came back with the new version.
    assert_eq!(admin.device(site.door_id).await.firmware_version, NEW);
    // The list filters by status and version.
    let executed = admin
        .upgrades()
        .list_upgrades(pb::ListUpgradesRequest {
            community_id: site.community_id,
            status: pb::UpgradeStatus::Executed as i32,
            version: "2.900".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .upgrades;
    assert_eq!(executed.len(), 1);
    let pending = admin
        .upgrades()
        .list_upgrades(pb::ListUpgradesRequest {
            community_id: site.community_id,
            status: pb::UpgradeStatus::Pending as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .upgrades;
    assert!(pending.is_empty());
    sim.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_download_fails_the_canary_and_halts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let fw = upload(&admin, NEW, &["R29"]).await;
    let second = door(&admin, site.community_id, "0C11050B9A01", "Back door").await;
    let canary = SimDevice::connect_with(
        &server,
        &admin,
        site.door_id,
        "R29",
        porter_sim::device::Behaviour {
            corrupt_downloads: true,
            ..Default::default()
        },
    )
    .await;
    let rest = SimDevice::connect(&server, &admin, second, "R29").await;
    let created = admin
        .upgrades()
        .create_upgrade(pb::UpgradeRequest {
            community_id: site.community_id,
            firmware_id: fw.id,
            model: "R29".into(),
            device_ids: vec![site.door_id, second],
            policy: Some(pb::RolloutPolicy {
                canary: Some(1),
                halt_failure_pct: Some(50),
                ..quick_policy()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let halted = wait_for(&admin, created.id, |s| {
        s.status == pb::UpgradeStatus::Halted as i32
    })
    .await;
    let first = &halted.devices[0];
    assert_eq!(first.status, pb::UpgradeStatus::Failed as i32);
    assert!(
        first.reason.contains("SHA-256 mismatch"),
        "{}",
        first.reason
    );
    assert_eq!(
        halted.devices[1].status,
        pb::UpgradeStatus::Pending as i32,
        "the rest never started"
    );
    assert!(
        halted.halted_reason.contains("canary"),
        "{}",
        halted.halted_reason
    );
    assert_eq!(admin.device(second).await.firmware_version, "29.30.2.805");
    canary.stop().await;
    rest.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_scheduled_strategy_waits_and_can_be_edited_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let mut settings = community_settings("Lakeside", pb::FeaturePlan::Premium);
    settings.time_zone = Some("Asia/Tokyo".into());
    let site = admin.sip_site(settings, None).await;
    let fw = upload(&admin, NEW, &["R29"]).await;
    let sim = SimDevice::connect(&server, &admin, site.door_id, "R29").await;
    let tokyo = chrono::Utc::now() + chrono::Duration::hours(9) + chrono::Duration::days(1);
    let at_local = tokyo.format("%Y-%m-%d %H:%M").to_string();
    let mut request = pb::UpgradeRequest {
        community_id: site.community_id,
        firmware_id: fw.id,
        model: "R29".into(),
        device_ids: vec![site.door_id],
        at_local: at_local.clone(),
        ..Default::default()
    };
    let created = admin
        .upgrades()
        .create_upgrade(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.status, pb::UpgradeStatus::Pending as i32);
    assert_eq!(created.at_local, at_local);
    // Tokyo is 9 hours ahead of UTC, with no daylight saving.
    let expected = chrono::NaiveDateTime::parse_from_str(&at_local, "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 9 * 3600 * 1000;
    assert_eq!(created.start_at_ms, expected);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = admin
        .upgrades()
        .get_upgrade(pb::UpgradeRef { id: created.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(waiting.devices[0].status, pb::UpgradeStatus::Pending as i32);

    // A time that has passed is refused; a pending strategy can be edited and deleted.
    request.at_local = "2020-01-01 00:00".into();
    assert_status(
        admin.upgrades().create_upgrade(request.clone()).await,
        Code::InvalidArgument,
        "at_local",
    );
    request.at_local = at_local;
    request.reset_after_upgrade = true;
    let edited = admin
        .upgrades()
        .update_upgrade(pb::UpdateUpgradeRequest {
            id: created.id,
            upgrade: Some(request.clone()),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(edited.reset_after_upgrade);
    // A device is in one unfinished strategy at a time.
    assert_status(
        admin.upgrades().create_upgrade(request).await,
        Code::InvalidArgument,
        "already in upgrade strategy",
    );
    admin
        .upgrades()
        .delete_upgrade(pb::UpgradeRef { id: created.id })
        .await
        .unwrap();
    assert_status(
        admin
            .upgrades()
            .get_upgrade(pb::UpgradeRef { id: created.id })
            .await,
        Code::NotFound,
        "upgrade strategy",
    );
    sim.stop().await;
    server.stop().await;
}
