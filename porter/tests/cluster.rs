//! Several `porter serve` nodes on one PostgreSQL (cluster mode), each on its own loopback
//! address, driven through the admin API the way installers drive it: a write on one node
//! is read on the others, conflicting writes on two nodes have exactly one winner with the
//! refusal one node gives, and a PostgreSQL outage fails writes with UNAVAILABLE and heals
//! without a restart. Needs the test command's PostgreSQL (`PORTER_TEST_POSTGRES`).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::cluster::{OwnNats, eventually, eventually_within, start_cluster, via};
use common::{Client, Server, resident};
use porter_proto::admin::v1 as pb;
use tonic::{Code, Status};

/// The names of a community's buildings as `client`'s node has them; NOT_FOUND until it
/// has one named `want`.
async fn buildings_with(
    client: &Client,
    community_id: u64,
    want: &str,
) -> Result<Vec<String>, Status> {
    let names: Vec<String> = client
        .building()
        .list_buildings(pb::ListBuildingsRequest { community_id })
        .await?
        .into_inner()
        .buildings
        .into_iter()
        .map(|b| b.name)
        .collect();
    if names.iter().any(|n| n == want) {
        Ok(names)
    } else {
        Err(Status::not_found(format!("{want} not among {names:?}")))
    }
}

/// What a refusal says, to compare two nodes' answer with one node's.
fn refusal(status: &Status) -> (Code, String) {
    (status.code(), status.message().to_owned())
}

/// Exactly one of two results is Ok; the refusal of the other.
fn one_winner<T>(x: Result<T, Status>, y: Result<T, Status>) -> Status {
    match (x, y) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        (x, y) => panic!(
            "exactly one may win: {:?} / {:?}",
            x.err().map(|e| refusal(&e)),
            y.err().map(|e| refusal(&e))
        ),
    }
}

fn apartment_with_monitor(building_id: u64, apt: &str, mac: &str) -> pb::CreateApartmentRequest {
    pb::CreateApartmentRequest {
        building_id,
        apartment: Some(pb::ApartmentInput {
            apt_number: Some(apt.into()),
            ..Default::default()
        }),
        resident: None,
        indoor_monitor: Some(pb::DeviceInput {
            mac: Some(mac.into()),
            name: Some(format!("Monitor {apt}")),
            ..Default::default()
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_writes_and_refuse_conflicts_as_one_node_does() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let cluster = start_cluster(&store, 3, &[]).await;
    let [n1, n2, n3] = &cluster.nodes[..] else {
        unreachable!()
    };
    let operator = n1.admin().await;
    let installer = n1.other_installer(&operator, "acme").await;
    let community = installer
        .create_community("Maple Court", pb::FeaturePlan::Premium)
        .await;
    let building = installer.create_building(community.id, "North").await;

    // Read on the other nodes, with the session made on node 1.
    let on2 = via(&installer, n2).await;
    let on3 = via(&installer, n3).await;
    for (name, node) in [("node 2", &on2), ("node 3", &on3)] {
        eventually(name, || buildings_with(node, community.id, "North")).await;
    }

    // The same APT number on nodes 2 and 3 at once.
    let (x, y) = tokio::join!(
        on2.create_apartment(building.id, "101", None),
        on3.create_apartment(building.id, "101", None),
    );
    let refused = one_winner(x, y);
    let alone = installer
        .create_apartment(building.id, "101", None)
        .await
        .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));

    // The same end-user email in two apartments on nodes 2 and 3 at once.
    let (x, y) = tokio::join!(
        on2.create_apartment(
            building.id,
            "201",
            Some(resident("Lily", "Zheng", "lily@example.com"))
        ),
        on3.create_apartment(
            building.id,
            "202",
            Some(resident("Lily", "Zheng", "lily@example.com"))
        ),
    );
    let refused = one_winner(x, y);
    let alone = installer
        .create_apartment(
            building.id,
            "203",
            Some(resident("Lily", "Zheng", "lily@example.com")),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));

    // The same MAC bound to two apartments' indoor monitors on nodes 2 and 3 at once.
    let mac = "0C1105A00001";
    installer
        .macs()
        .add_mac(pb::AddMacRequest { mac: mac.into() })
        .await
        .unwrap();
    eventually("the MAC on node 3", || async {
        on3.macs()
            .add_mac(pb::AddMacRequest { mac: mac.into() })
            .await
            .map(|_| ())
            .or_else(|e| match e.code() {
                // Already in the library: node 3 has node 1's write.
                Code::AlreadyExists | Code::InvalidArgument => Ok(()),
                _ => Err(e),
            })
    })
    .await;
    let (mut api2, mut api3) = (on2.apartment(), on3.apartment());
    let (x, y) = tokio::join!(
        api2.create_apartment(apartment_with_monitor(building.id, "301", mac)),
        api3.create_apartment(apartment_with_monitor(building.id, "302", mac)),
    );
    let refused = one_winner(x, y);
    let alone = installer
        .apartment()
        .create_apartment(apartment_with_monitor(building.id, "303", mac))
        .await
        .unwrap_err();
    assert_eq!(refusal(&refused), refusal(&alone));

    // Every node ends with the same apartments.
    let mut lists = Vec::new();
    for node in [&installer, &on2, &on3] {
        let numbers = eventually("the same apartments everywhere", || async {
            let mut numbers: Vec<String> = node
                .apartment()
                .list_apartments(pb::ListApartmentsRequest {
                    building_id: building.id,
                    ..Default::default()
                })
                .await?
                .into_inner()
                .apartments
                .into_iter()
                .map(|a| a.apt_number)
                .collect();
            numbers.sort();
            if numbers.len() == 3 {
                Ok(numbers)
            } else {
                Err(Status::unavailable(format!("not yet: {numbers:?}")))
            }
        })
        .await;
        lists.push(numbers);
    }
    assert_eq!(lists[0], lists[1]);
    assert_eq!(lists[0], lists[2]);
}

/// A PostgreSQL of this test's own, which it stops and starts again.
struct OwnPostgres {
    dir: PathBuf,
    url: String,
}

impl OwnPostgres {
    fn script() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres-for-tests.sh")
    }

    fn run(args: &[&str]) -> String {
        let out = std::process::Command::new("bash")
            .arg(Self::script())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "postgres-for-tests.sh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn start(dir: PathBuf) -> OwnPostgres {
        let url = Self::run(&["start", dir.to_str().unwrap()]);
        OwnPostgres { dir, url }
    }

    fn halt(&self) {
        Self::run(&["halt", self.dir.to_str().unwrap()]);
    }

    fn resume(&self) {
        Self::run(&["resume", self.dir.to_str().unwrap()]);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(Self::script())
            .args(["stop", self.dir.to_str().unwrap()])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_fails_writes_with_unavailable_and_heals_without_a_restart() {
    if std::env::var("PORTER_TEST_POSTGRES").is_err() {
        eprintln!("PORTER_TEST_POSTGRES is not set: skipped (scripts/test.sh sets it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let postgres = OwnPostgres::start(dir.path().join("pg"));
    let sealing_key = dir.path().join("sealing.key");
    std::fs::write(&sealing_key, [7u8; 32]).unwrap();
    let url_signing_key = dir.path().join("url-signing.key");
    std::fs::write(&url_signing_key, [8u8; 32]).unwrap();
    let store = common::postgres::Store {
        url: postgres.url.clone(),
        sealing_key,
        url_signing_key,
    };
    let cluster = start_cluster(&store, 2, &[]).await;
    let [n1, n2] = &cluster.nodes[..] else {
        unreachable!()
    };
    let installer = n1.admin().await;
    let community = installer
        .create_community("Birch Row", pb::FeaturePlan::Premium)
        .await;
    let on2 = via(&installer, n2).await;
    // A call set up before the outage: the door phone talks to the monitor for 6 s, and
    // hangs up while the database is away.
    let site = installer.lakeside().await;
    let monitor_port = common::sipp::free_port();
    let registered =
        common::sipp::register(&n1.sip_addr, dir.path(), &site.monitor, monitor_port, "u1").await;
    assert!(registered, "the monitor registers");
    let monitor = common::sipp::uas("monitor_answer.xml", monitor_port).spawn(dir.path());
    let row = common::sipp::account_row(&site.door.0, &site.door.1, &["101"]);
    let door = common::sipp::Sipp {
        scenario: "door_call_held.xml",
        transport: "u1",
        local_port: common::sipp::free_port(),
        remote: Some(&n1.sip_addr),
        users: Some(&row),
        timeout_secs: 30,
    }
    .spawn(dir.path());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    postgres.halt();
    let down = installer
        .building()
        .create_building(pb::CreateBuildingRequest {
            community_id: community.id,
            name: "During".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    assert!(down.message().contains("database"), "{down:?}");
    // Reads are served from each node's directory meanwhile.
    let read = on2
        .community()
        .get_community(pb::GetCommunityRequest { id: community.id })
        .await
        .unwrap();
    assert_eq!(read.into_inner().id, community.id);
    // And each node says it may be stale: its load balancer can send readers elsewhere.
    for node in [n1, n2] {
        eventually("not ready while the database is away", || async {
            let ready = common::admin_get(node, "/ready").await;
            if ready.starts_with("HTTP/1.1 503") && ready.contains("database is unreachable") {
                Ok(())
            } else {
                Err(Status::unavailable(ready))
            }
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    // The call went on and ended normally while the database was away.
    assert!(
        door.passed().await,
        "the door phone's call, BYE in the outage"
    );
    assert!(monitor.passed().await, "the monitor got ACK and BYE");
    postgres.resume();

    // Both nodes write again, and see each other's writes, with no restart.
    eventually("a write after the outage", || async {
        installer
            .building()
            .create_building(pb::CreateBuildingRequest {
                community_id: community.id,
                name: "After".into(),
            })
            .await
    })
    .await;
    eventually("node 2 reads node 1's write after the outage", || {
        buildings_with(&on2, community.id, "After")
    })
    .await;
    eventually("a write on node 2 after the outage", || async {
        on2.building()
            .create_building(pb::CreateBuildingRequest {
                community_id: community.id,
                name: "After 2".into(),
            })
            .await
    })
    .await;
    let names = eventually("node 1 reads node 2's write", || {
        buildings_with(&installer, community.id, "After 2")
    })
    .await;
    for node in [n1, n2] {
        eventually("ready again", || async {
            let ready = common::admin_get(node, "/ready").await;
            if ready.starts_with("HTTP/1.1 200") {
                Ok(())
            } else {
                Err(Status::unavailable(ready))
            }
        })
        .await;
    }
    // Nothing written during the outage.
    assert!(!names.contains(&"During".to_owned()), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_out_once_from_a_cluster_and_moves_when_its_sender_dies() {
    use common::smtp::{SmtpServer, free_port, wait_for_mail};
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let port = free_port();
    let smtp = SmtpServer::start(port, &dir.path().join("maildir")).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let mut cluster = start_cluster(
        &store,
        2,
        &[
            "--smtp-url",
            &smtp_url,
            "--portal-url",
            "https://portal.example",
        ],
    )
    .await;
    let installer = cluster.nodes[0].admin().await;
    let community = installer
        .create_community("Cedar Yard", pb::FeaturePlan::Premium)
        .await;
    let building = installer.create_building(community.id, "East").await;
    let on2 = via(&installer, &cluster.nodes[1]).await;
    eventually("node 2 has the building", || {
        buildings_with(&on2, community.id, "East")
    })
    .await;

    // Invitations queued on both nodes: one node sends, each exactly once.
    for i in 0..6 {
        let by = if i % 2 == 0 { &installer } else { &on2 };
        let email = format!("r{i}@example.com");
        by.create_apartment(
            building.id,
            &format!("{}", 100 + i),
            Some(resident("R", "N", &email)),
        )
        .await
        .unwrap();
    }
    for i in 0..6 {
        wait_for_mail(&smtp, &format!("r{i}@example.com"), 1).await;
    }
    // Time for a second sender, were there one, to send again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 6, "each invitation once");

    // Node 1 started first and holds the mail lease: killed, node 2 takes the sending over
    // once the lease runs out.
    cluster.nodes.remove(0).kill().await;
    on2.create_apartment(
        building.id,
        "200",
        Some(resident("R", "N", "late@example.com")),
    )
    .await
    .unwrap();
    wait_for_mail(&smtp, "late@example.com", 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 7, "the late invitation once");
}

/// A nats-server with JetStream of the test's own, on a free loopback port.
fn unlock(device_id: u64) -> pb::UnlockRelayRequest {
    pb::UnlockRelayRequest {
        device_id,
        relay: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_on_one_node_is_seen_and_unlocked_from_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let mut nats = OwnNats::start(&dir.path().join("nats")).await;
    let cluster = start_cluster(&store, 3, &["--cluster-nats", &nats.url]).await;
    let [n1, n2, n3] = &cluster.nodes[..] else {
        unreachable!()
    };
    let admin = n1.admin().await;
    let community = admin
        .create_community("Aspen Hall", pb::FeaturePlan::Premium)
        .await;
    let building = admin.create_building(community.id, "West").await;
    let door = common::building_door(&admin, building.id, "0C1105B00001", "West Lobby").await;
    // The generated certificate names "porter", localhost and 127.0.0.1, not 127.0.0.2.
    let sim = common::sim_door::Door::start_with(n1, door, &["--server-name", "porter"]).await;
    let clients = [admin.clone(), via(&admin, n2).await, via(&admin, n3).await];

    // Each node's gauges: the three nodes seen, NATS connected, caught up, and ready.
    for node in [n1, n2, n3] {
        // The lag is 1 for a moment whenever another node commits: wait for a quiet view.
        eventually("three nodes seen, NATS connected, caught up", || async {
            let text = common::metrics(node).await;
            let gauges = [
                "porter_cluster_nodes_seen 3\n",
                "porter_cluster_nats_connected 1\n",
                "porter_store_change_log_lag 0\n",
                "porter_cluster_nats_rtt_seconds ",
            ];
            match gauges.iter().find(|g| !text.contains(*g)) {
                None => Ok(()),
                Some(missing) => Err(Status::unavailable(format!("{missing} not in {text}"))),
            }
        })
        .await;
        eventually("ready", || async {
            let ready = common::admin_get(node, "/ready").await;
            if ready.starts_with("HTTP/1.1 200") && ready.ends_with("\r\n\r\nready\n") {
                Ok(())
            } else {
                Err(Status::unavailable(ready))
            }
        })
        .await;
    }

    for (i, client) in clients.iter().enumerate() {
        eventually(&format!("node {} shows the door online", i + 1), || async {
            let device = client
                .devices()
                .get_device(pb::GetDeviceRequest { id: door })
                .await?
                .into_inner();
            if device.online {
                Ok(())
            } else {
                Err(Status::unavailable("offline"))
            }
        })
        .await;
        let reply = client
            .devices()
            .unlock_relay(unlock(door))
            .await
            .unwrap_or_else(|e| panic!("unlock from node {}: {e}", i + 1))
            .into_inner();
        assert!(reply.ok, "node {}: {reply:?}", i + 1);
    }

    // Remote control whichever node the installer and the browser reach: a link asked of
    // node 2 opens the web page of the door held by node 1 through node 3 (as a load
    // balancer might send the browser), and through node 1 itself.
    let grant = clients[1]
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: door })
        .await
        .unwrap()
        .into_inner();
    let path = grant
        .url
        .strip_prefix(&format!("https://{}", n2.https_addr))
        .unwrap_or_else(|| panic!("{}", grant.url))
        .to_owned();
    let ca = n1.data_dir.join("gateway-cert.pem");
    let jar = dir.path().join("cookies.txt");
    for node in [n3, n1] {
        // The shared certificate names "porter", not the nodes' own addresses.
        let port = node.https_addr.rsplit_once(':').unwrap().1;
        let ip = node.https_addr.rsplit_once(':').unwrap().0;
        let resolve = format!("porter:{port}:{ip}");
        let url = format!("https://porter:{port}{path}");
        let (code, body) = common::curl(&[
            "--cacert",
            ca.to_str().unwrap(),
            "--resolve",
            &resolve,
            "-c",
            jar.to_str().unwrap(),
            "-D",
            "-",
            &url,
        ])
        .await;
        assert_eq!(code, "200", "{url}: {body}");
        assert!(body.contains("MAC 0C1105B00001"), "{body}");
        let cookies = body.matches("set-cookie: porter_remote=").count();
        assert_eq!(cookies, 1, "one grant cookie: {body}");
    }
    // A made-up token is refused on every node.
    // The token's last 12 hex digits are its HMAC's: changed, it is no longer the grant.
    let tag_at = path.len() - 13;
    let forged = format!("{}000000000000/", &path[..tag_at]);
    assert_ne!(forged, path);
    let port = n3.https_addr.rsplit_once(':').unwrap().1;
    let (code, _) = common::curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "--resolve",
        &format!("porter:{port}:127.0.0.4"),
        &format!("https://porter:{port}{forged}"),
    ])
    .await;
    assert_eq!(code, "404");

    // NATS gone: a command across nodes fails at once and says why; node 1 still reaches
    // its own device.
    nats.stop().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = tokio::time::Instant::now();
    let refused = clients[1]
        .devices()
        .unlock_relay(unlock(door))
        .await
        .unwrap_err();
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(refused.message().contains("cluster"), "{refused:?}");
    let local = clients[0]
        .devices()
        .unlock_relay(unlock(door))
        .await
        .unwrap()
        .into_inner();
    assert!(local.ok, "{local:?}");
    sim.stop().await;
}

/// porter-sim running `devices` (made through node 1) over every node's gateway.
async fn sim_over(nodes: &[Server], devices: &[u64]) -> tokio::process::Child {
    let gateways: Vec<&str> = nodes.iter().map(|n| n.gateway_addr.as_str()).collect();
    let mut command = tokio::process::Command::new(common::sim_door::porter_sim());
    command.args([
        "--admin",
        &nodes[0].url(),
        "--user",
        common::ADMIN_USER,
        "--password",
        common::ADMIN_PASSWORD,
        "--gateway",
        &gateways.join(","),
        "--ca",
        nodes[0].data_dir.join("gateway-cert.pem").to_str().unwrap(),
        "--server-name",
        "porter",
        "--hold-secs",
        "300",
    ]);
    for id in devices {
        command.args(["--device", &id.to_string()]);
    }
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A community `name` with six door phones (MACs `mac_prefix` 0–5) in one building, run by
/// porter-sim over every node's gateway.
async fn six_doors_over(
    admin: &Client,
    nodes: &[Server],
    name: &str,
    mac_prefix: &str,
) -> (pb::Community, Vec<u64>, tokio::process::Child) {
    let community = admin.create_community(name, pb::FeaturePlan::Premium).await;
    let building = admin.create_building(community.id, "Main").await;
    let mut doors = Vec::new();
    for i in 0..6 {
        let mac = format!("{mac_prefix}{i}");
        doors.push(common::building_door(admin, building.id, &mac, &format!("Door {i}")).await);
    }
    let sim = sim_over(nodes, &doors).await;
    (community, doors, sim)
}

/// Unlocks `device` through `client`: Ok once the device itself answered yes.
async fn unlocked(client: &Client, device: u64) -> Result<(), Status> {
    let reply = client
        .devices()
        .unlock_relay(unlock(device))
        .await?
        .into_inner();
    if reply.ok {
        Ok(())
    } else {
        Err(Status::unknown(format!("the device said no: {reply:?}")))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_devices_are_back_on_the_others_within_30_s() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let nats = OwnNats::start(&dir.path().join("nats")).await;
    let mut cluster = start_cluster(&store, 3, &["--cluster-nats", &nats.url]).await;
    let admin = cluster.nodes[0].admin().await;
    let (community, doors, _sim) =
        six_doors_over(&admin, &cluster.nodes, "Larch Gardens", "0C1105C0000").await;
    let on3 = via(&admin, &cluster.nodes[2]).await;
    for &door in &doors {
        eventually_within(
            Duration::from_secs(30),
            "every door reachable from node 3",
            || unlocked(&on3, door),
        )
        .await;
    }

    // A write acknowledged by node 1 just before it dies.
    admin
        .building()
        .create_building(pb::CreateBuildingRequest {
            community_id: community.id,
            name: "Acknowledged".into(),
        })
        .await
        .unwrap();
    cluster.nodes.remove(0).kill().await;
    let killed = tokio::time::Instant::now();
    for &door in &doors {
        eventually_within(
            Duration::from_secs(30),
            "every door back after the kill",
            || unlocked(&on3, door),
        )
        .await;
    }
    let back = killed.elapsed();
    eprintln!("every door answered again {back:?} after node 1 was killed");
    assert!(back < Duration::from_secs(30), "{back:?}");
    let on2 = via(&admin, &cluster.nodes[0]).await;
    eventually("the acknowledged write on node 2", || {
        buildings_with(&on2, community.id, "Acknowledged")
    })
    .await;
    // Status agrees: every door Online on node 2 once node 1's sessions have expired.
    tokio::time::sleep(porter_cluster_expiry()).await;
    for &door in &doors {
        let d = on2.device(door).await;
        assert!(d.online, "door {door} offline on node 2");
    }

    // Node 1 comes back on its data directory and catches up with what was written while
    // it was away; it is ready, and reaches every door through the others.
    on2.building()
        .create_building(pb::CreateBuildingRequest {
            community_id: community.id,
            name: "While node 1 was away".into(),
        })
        .await
        .unwrap();
    cluster
        .restart(&store, 0, &["--cluster-nats", &nats.url], 0)
        .await;
    let on1 = via(&on2, &cluster.nodes[0]).await;
    let names = eventually("node 1 reads what was written while it was away", || {
        buildings_with(&on1, community.id, "While node 1 was away")
    })
    .await;
    assert!(names.contains(&"Acknowledged".to_owned()), "{names:?}");
    eventually("node 1 ready again", || async {
        let ready = common::admin_get(&cluster.nodes[0], "/ready").await;
        if ready.starts_with("HTTP/1.1 200") {
            Ok(())
        } else {
            Err(Status::unavailable(ready))
        }
    })
    .await;
    for &door in &doors {
        eventually("every door reachable from the restarted node 1", || {
            unlocked(&on1, door)
        })
        .await;
    }
}

/// How long a dead node's sessions still count (`porter_cluster::NODE_EXPIRY`), with margin.
fn porter_cluster_expiry() -> Duration {
    Duration::from_secs(11)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firmware_uploaded_on_one_node_downloads_from_another() {
    use porter_proto::admin::v1::upload_firmware_request::Part;
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let cluster = start_cluster(&store, 2, &[]).await;
    let [n1, n2] = &cluster.nodes[..] else {
        unreachable!()
    };
    let admin = n1.admin().await;
    let community = admin
        .create_community("Rowan Court", pb::FeaturePlan::Premium)
        .await;
    let building = admin.create_building(community.id, "North").await;
    let door = common::building_door(&admin, building.id, "0C1105D00001", "Gate").await;
    let on2 = via(&admin, n2).await;

    // Uploaded through node 2: 3 MiB and a bit, so it spans several chunks.
    let mut image = vec![0u8; 3 * 1024 * 1024 + 17];
    getrandom::fill(&mut image).unwrap();
    let mut messages = vec![pb::UploadFirmwareRequest {
        part: Some(Part::Header(pb::FirmwareHeader {
            version: "29.30.9.1".into(),
            models: vec!["R29".into()],
            change_log: "fixes".into(),
            ..Default::default()
        })),
    }];
    messages.extend(image.chunks(64 * 1024).map(|c| pb::UploadFirmwareRequest {
        part: Some(Part::Chunk(c.to_vec())),
    }));
    let fw = on2
        .firmware()
        .upload_firmware(futures_util::stream::iter(messages))
        .await
        .unwrap()
        .into_inner();
    let link = eventually("node 2 has the door for a link", || async {
        on2.firmware()
            .get_download_url(pb::GetDownloadUrlRequest {
                firmware_id: fw.id,
                device_id: door,
                valid_secs: 600,
            })
            .await
    })
    .await
    .into_inner();

    // The same link, through node 1, which never saw the upload. Both nodes present the
    // certificate made for "porter".
    let path = link.url.splitn(4, '/').nth(3).unwrap();
    let port = n1.https_addr.rsplit(':').next().unwrap();
    let via_node1 = format!("https://porter:{port}/{path}");
    let resolve = format!("porter:{port}:127.0.0.2");
    let ca = n1.data_dir.join("gateway-cert.pem");
    let out = dir.path().join("download.bin");
    let (code, _) = common::curl(&[
        "--resolve",
        &resolve,
        "--cacert",
        ca.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        &via_node1,
    ])
    .await;
    assert_eq!(code, "200");
    let got = std::fs::read(&out).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&got)), fw.sha256);
    assert_eq!(got.len(), image.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_rollout_led_by_a_killed_node_goes_on_from_another() {
    use common::upgrades::{upload, wait_for};
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::postgres::Store::fresh(dir.path()).await else {
        return;
    };
    let nats = OwnNats::start(&dir.path().join("nats")).await;
    // Node 1 starts first, so it takes the "upgrades" lease and leads the rollouts.
    let mut cluster = start_cluster(&store, 3, &["--cluster-nats", &nats.url]).await;
    let admin = cluster.nodes[0].admin().await;
    let (community, doors, _sim) =
        six_doors_over(&admin, &cluster.nodes, "Aspen Yard", "0C1105E0000").await;
    let on3 = via(&admin, &cluster.nodes[2]).await;
    for &door in &doors {
        eventually_within(Duration::from_secs(30), "every door online", || {
            unlocked(&on3, door)
        })
        .await;
    }
    let fw = upload(&admin, "29.30.2.901", &["R29"]).await;
    // One door at a time, so the rollout is under way when its leader dies. No halting: a
    // door whose download the killed node was serving may fail.
    let strategy = admin
        .upgrades()
        .create_upgrade(pb::UpgradeRequest {
            community_id: community.id,
            firmware_id: fw.id,
            model: "R29".into(),
            device_ids: doors.clone(),
            policy: Some(pb::RolloutPolicy {
                max_concurrent: Some(1),
                start_spread_secs: Some(0),
                halt_failure_pct: Some(100),
                device_timeout_secs: Some(60),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let executed = |s: &pb::UpgradeStrategy| {
        s.devices
            .iter()
            .filter(|d| d.status == pb::UpgradeStatus::Executed as i32)
            .count()
    };
    let at_kill = wait_for(&admin, strategy.id, Duration::from_secs(60), |s| {
        executed(s) >= 2
    })
    .await;
    cluster.nodes.remove(0).kill().await;
    let waiting: Vec<u64> = at_kill
        .devices
        .iter()
        .filter(|d| d.status == pb::UpgradeStatus::Pending as i32)
        .map(|d| d.device_id)
        .collect();
    assert!(
        waiting.len() >= 2,
        "doors left for another node: {at_kill:#?}"
    );

    // Another node takes the lease once node 1's has run out, and upgrades the rest.
    let on2 = via(&admin, &cluster.nodes[0]).await;
    let done = wait_for(&on2, strategy.id, Duration::from_secs(150), |s| {
        s.devices.iter().all(|d| {
            d.status == pb::UpgradeStatus::Executed as i32
                || d.status == pb::UpgradeStatus::Failed as i32
        })
    })
    .await;
    for d in &done.devices {
        if waiting.contains(&d.device_id) || at_kill_executed(&at_kill, d.device_id) {
            assert_eq!(
                d.status,
                pb::UpgradeStatus::Executed as i32,
                "door {} (waiting or done when node 1 died): {done:#?}",
                d.device_id
            );
        }
    }
    for &door in &waiting {
        let device = on2.device(door).await;
        assert_eq!(device.firmware_version, "29.30.2.901", "door {door}");
    }
}

fn at_kill_executed(at_kill: &pb::UpgradeStrategy, device_id: u64) -> bool {
    at_kill
        .devices
        .iter()
        .any(|d| d.device_id == device_id && d.status == pb::UpgradeStatus::Executed as i32)
}
