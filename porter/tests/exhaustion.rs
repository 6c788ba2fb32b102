//! One client cannot exhaust the server's descriptors: a flood of connections that never
//! finish a TLS handshake on the device gateway, and of TCP connections to SIP that never
//! send a request, come from one address while real devices connect, are unlocked, register
//! over SIP and fetch their AutoP file. Run under `ulimit -n 1024` and at the machine's
//! default.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::sipp::{Sipp, account_row, free_port};
use common::{ADMIN_PASSWORD, ADMIN_USER, Server, connector, curl, metrics};
use porter_proto::admin::v1 as pb;
use porter_sim::device::{self, Behaviour, Controls, Counters};
use porter_sim::link::Transport;
use porter_sim::provision::{self, Admin, Plan};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// Opens up to `count` TCP connections from `from` to `to` that never send anything;
/// those the server refuses at once are not kept.
async fn silent_connections(from: &str, to: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut kept = Vec::new();
    for _ in 0..count {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{from}:0").parse::<SocketAddr>().unwrap())
            .unwrap();
        if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(2), socket.connect(to)).await {
            kept.push(s);
        }
    }
    kept
}

/// How many of `conns` the server has closed (a read returns at once with end of stream).
async fn closed_by_server(conns: &mut [TcpStream]) -> usize {
    let mut closed = 0;
    let mut byte = [0u8; 1];
    for c in conns.iter_mut() {
        match tokio::time::timeout(Duration::from_millis(20), c.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
            _ => {}
        }
    }
    closed
}

async fn flood_while_devices_work(open_files: Option<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let server = match open_files {
        Some(n) => Server::start_with_open_files(dir.path(), n).await,
        None => Server::start(dir.path()).await,
    };
    let admin = server.admin().await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(
        &sim_admin,
        &Plan {
            door_phones: 20,
            indoor_monitors: 0,
            mac_tag: 0x5E00,
            model_door: "R29".into(),
            model_monitor: "C317".into(),
            firmware_version: "29.30.2.805".into(),
        },
    )
    .await
    .unwrap();

    // The flood, from addresses of its own on the loopback network.
    let gateway: SocketAddr = server.gateway_addr.parse().unwrap();
    let sip: SocketAddr = server.sip_addr.parse().unwrap();
    let _gateway_flood = silent_connections("127.0.0.2", gateway, 2000).await;
    let mut sip_flood = silent_connections("127.0.0.3", sip, 1100).await;

    // Real devices connect from 127.0.0.1 while the flood holds.
    let connector = connector(&server, Transport::Tls);
    let counters = Arc::new(Counters::default());
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (_storm, storm_rx) = tokio::sync::watch::channel(0);
    let mut fleet = tokio::task::JoinSet::new();
    for (i, p) in devices.iter().enumerate() {
        fleet.spawn(device::run(
            p.spec.clone(),
            connector.clone(),
            i,
            Behaviour::default(),
            counters.clone(),
            Controls {
                stop: stop_rx.clone(),
                storm: storm_rx.clone(),
                instructions: None,
            },
            None,
        ));
    }
    let mut all_online = false;
    for _ in 0..300 {
        let mut online = 0;
        for p in &devices {
            online += usize::from(admin.device(p.id).await.online);
        }
        if online == devices.len() {
            all_online = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(all_online, "every real device got in despite the flood");
    for p in &devices {
        let reply = admin
            .devices()
            .unlock_relay(pb::UnlockRelayRequest {
                device_id: p.id,
                relay: 1,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(reply.ok, "{reply:?}");
    }
    // A door phone registers over SIP TCP.
    let row = account_row(&devices[0].sip_number, &devices[0].sip_password, &[]);
    let registered = Sipp {
        scenario: "register_auth.xml",
        transport: "t1",
        local_port: free_port(),
        remote: Some(&server.sip_addr),
        users: Some(&row),
        timeout_secs: 10,
    }
    .run(dir.path())
    .await;
    assert!(registered, "SIP over TCP registers despite the flood");
    // And a device fetches its AutoP file over HTTPS.
    let ca = server.data_dir.join("gateway-cert.pem");
    let (code, body) = curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "-u",
        &format!("{}:{}", devices[0].spec.mac, devices[0].spec.credential),
        &format!(
            "https://{}/autop/{}.cfg",
            server.https_addr, devices[0].spec.mac
        ),
    ])
    .await;
    assert_eq!(code, "200", "AutoP over HTTPS despite the flood: {body}");

    let text = metrics(&server).await;
    assert!(
        text.lines().any(|l| l
            .strip_prefix("porter_gateway_refused_connections_total{reason=\"unauthenticated\"} ")
            .is_some_and(|n| n.parse::<u64>().unwrap_or(0) > 0)),
        "the flood was refused past its address's share"
    );
    // Connections that never said anything are closed soon (10 s), not after an hour.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let closed = closed_by_server(&mut sip_flood).await;
    assert_eq!(
        closed,
        sip_flood.len(),
        "every silent SIP connection was closed"
    );

    let _ = stop.send(true);
    while fleet.join_next().await.is_some() {}
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_silent_connections_under_ulimit_1024_keeps_nobody_out() {
    flood_while_devices_work(Some(1024)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_silent_connections_at_the_default_limit_keeps_nobody_out() {
    flood_while_devices_work(None).await;
}
