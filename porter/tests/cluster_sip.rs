//! Calls across the nodes of a cluster, between real sipp peers: a door phone registered
//! on node 1 calls an apartment whose indoor monitor is registered on node 2 and whose
//! SmartPlus app is registered on node 3. Both ring together (call type 0), the app
//! answers, the monitor is cancelled, and the app's DTMF unlocks the door (a porter-sim
//! door phone on node 1's gateway) exactly once. The monitor (UDP, no NAT) is rung straight
//! from node 1; the app (TCP) through node 3. An upgrade waits for a call on another node. Needs the test command's PostgreSQL
//! (`PORTER_TEST_POSTGRES`) and nats-server.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::Server;
use common::cluster::{OwnNats, eventually, start_cluster, via};
use common::sipp::{free_port, uas};
use porter_proto::admin::v1 as pb;
use tonic::Status;

async fn register(
    node: &Server,
    dir: &Path,
    account: &(String, String),
    port: u16,
    transport: &str,
) {
    let registered = common::sipp::register(&node.sip_addr, dir, account, port, transport).await;
    assert!(registered, "{} registers on {}", account.0, node.sip_addr);
}

/// Waits until `node` knows `count` accounts registered on the other nodes.
async fn accounts_elsewhere(node: &Server, count: usize) {
    let gauge = format!("porter_cluster_sip_accounts_elsewhere {count}\n");
    eventually("the other nodes' registrations", || async {
        let text = common::metrics(node).await;
        if text.contains(&gauge) {
            Ok(())
        } else {
            Err(Status::unavailable(format!("{gauge} not in {text}")))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_door_on_node_1_rings_a_monitor_on_node_2_and_an_app_on_node_3() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let nats = OwnNats::start(&dir.path().join("nats")).await;
    let cluster = start_cluster(&store, 3, &["--cluster-nats", &nats.url]).await;
    let [n1, n2, n3] = &cluster.nodes[..] else {
        unreachable!()
    };
    let admin = n1.admin().await;
    let resident = common::resident("Ada", "Lovelace", "ada@example.com");
    let site = admin
        .sip_site(
            common::community_settings("Cedar Court", pb::FeaturePlan::Premium),
            Some(resident),
        )
        .await;
    admin.pay_subscription(site.apartment_id).await;
    admin.set_call_type(site.apartment_id, 0).await;
    let family = admin.family_sip_account(site.apartment_id).await;
    // The accounts reach nodes 2 and 3 through the change log before they register there.
    for node in [n2, n3] {
        let client = via(&admin, node).await;
        eventually("the apartment's accounts on every node", || async {
            let account = client
                .apartment()
                .get_apartment_sip_account(pb::GetApartmentRequest {
                    id: site.apartment_id,
                })
                .await?
                .into_inner();
            if account.sip_number == family.0 && account.sip_password == family.1 {
                Ok(())
            } else {
                Err(Status::unavailable("not yet"))
            }
        })
        .await;
    }

    // The door phone online on node 1's gateway, for the DTMF unlock.
    let sim =
        common::sim_door::Door::start_with(n1, site.door_id, &["--server-name", "porter"]).await;
    let (monitor_port, app_port) = (free_port(), free_port());
    // The monitor over UDP, from the address its Contact names: node 1 rings it straight.
    // The app over TCP: only node 3 reaches it, so node 1 forwards the call there.
    register(n2, dir.path(), &site.monitor, monitor_port, "u1").await;
    register(n3, dir.path(), &family, app_port, "t1").await;
    accounts_elsewhere(n1, 2).await;

    let monitor = uas("monitor_ring.xml", monitor_port).spawn(dir.path());
    let mut app = uas("monitor_dtmf.xml", app_port);
    app.transport = "t1";
    let app = app.spawn(dir.path());
    let door = common::sipp::call(
        &n1.sip_addr,
        dir.path(),
        &site.door,
        "101",
        "door_call_dtmf.xml",
        "u1",
    )
    .await;
    assert!(
        door,
        "the door phone on node 1 gets the app's INFO and hangs up"
    );
    assert!(
        app.passed().await,
        "the app on node 3 answered, its INFO was answered, and it got the BYE"
    );
    assert!(
        monitor.passed().await,
        "the monitor on node 2 rang and was cancelled"
    );

    let entries = eventually("a DTMF door-log entry", || async {
        let entries = admin.dtmf_door_log(site.community_id, site.door_id).await;
        if entries.is_empty() {
            Err(Status::unavailable("none yet"))
        } else {
            Ok(entries)
        }
    })
    .await;
    // A node that only rang its own app for node 1 leaves the unlock to node 1.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let entries_later = admin.dtmf_door_log(site.community_id, site.door_id).await;
    assert_eq!(entries_later.len(), 1, "one unlock: {entries_later:?}");
    let entry = &entries[0];
    assert_eq!(entry.relay, 1);
    assert!(entry.success, "the door phone opened relay 1: {entry:?}");
    assert_eq!(entry.who, format!("DTMF from {}", family.0));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_waits_for_a_call_kept_on_other_nodes() {
    use common::upgrades::{upload, wait_for};
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let nats = OwnNats::start(&dir.path().join("nats")).await;
    // Node 1 leads the rollouts (it started first and holds the "upgrades" lease); the
    // call passes only node 2, which rings the monitor (UDP, no NAT) straight.
    let cluster = start_cluster(&store, 3, &["--cluster-nats", &nats.url]).await;
    let [n1, n2, n3] = &cluster.nodes[..] else {
        unreachable!()
    };
    let admin = n1.admin().await;
    let site = admin
        .sip_site(
            common::community_settings("Elm Court", pb::FeaturePlan::Premium),
            None,
        )
        .await;
    let on3 = via(&admin, n3).await;
    eventually("node 3 has the monitor", || async {
        on3.devices()
            .get_device(pb::GetDeviceRequest {
                id: site.monitor_id,
            })
            .await
    })
    .await;
    // The indoor monitor: online on node 3's gateway (porter-sim, a C317) and registered
    // on node 3's SIP (sipp).
    let monitor_device =
        common::sim_door::Door::start_with(n3, site.monitor_id, &["--server-name", "porter"]).await;
    eventually("node 1 sees the monitor online", || async {
        if admin.device(site.monitor_id).await.online {
            Ok(())
        } else {
            Err(Status::unavailable("offline"))
        }
    })
    .await;
    let monitor_port = free_port();
    register(n3, dir.path(), &site.monitor, monitor_port, "u1").await;
    accounts_elsewhere(n2, 1).await;
    let monitor = uas("monitor_answer.xml", monitor_port).spawn(dir.path());
    // The door phone calls through node 2 and talks for 6 s.
    let row = common::sipp::account_row(&site.door.0, &site.door.1, &["101"]);
    let door = common::sipp::Sipp {
        scenario: "door_call_held.xml",
        transport: "u1",
        local_port: free_port(),
        remote: Some(&n2.sip_addr),
        users: Some(&row),
        timeout_secs: 30,
    }
    .spawn(dir.path());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let fw = upload(&admin, "317.30.1.2", &["C317"]).await;
    let strategy = admin
        .upgrades()
        .create_upgrade(pb::UpgradeRequest {
            community_id: site.community_id,
            firmware_id: fw.id,
            model: "C317".into(),
            device_ids: vec![site.monitor_id],
            policy: Some(pb::RolloutPolicy {
                start_spread_secs: Some(0),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // Rounds run every second: three of them see the call and leave the monitor alone.
    for _ in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = admin
            .upgrades()
            .get_upgrade(pb::UpgradeRef { id: strategy.id })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            now.devices[0].status,
            pb::UpgradeStatus::Pending as i32,
            "the monitor is in a call through node 2: {now:#?}"
        );
    }
    assert!(door.passed().await, "the call went on to its BYE");
    assert!(monitor.passed().await, "the monitor got ACK and BYE");
    // Once the call is over, the monitor upgrades.
    let done = wait_for(
        &admin,
        strategy.id,
        std::time::Duration::from_secs(60),
        |s| s.status == pb::UpgradeStatus::Executed as i32,
    )
    .await;
    assert_eq!(done.devices[0].status, pb::UpgradeStatus::Executed as i32);
    monitor_device.stop().await;
}
