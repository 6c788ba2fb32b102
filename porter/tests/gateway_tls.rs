//! Devices over TLS against a real `porter serve`: hello, heartbeats, refusals, replacement,
//! malformed frames, shutdown.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use common::{Client, Server};
use porter_proto::admin::v1 as pb;
use porter_proto::device::v1::{self as d, device_frame::Body, server_frame::Body as SBody};
use porter_proto::frame;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

struct Device {
    tls: TlsStream<TcpStream>,
    buf: BytesMut,
}

impl Device {
    async fn connect(server: &Server) -> Device {
        Device {
            tls: tls_to(server, &server.gateway_addr).await,
            buf: BytesMut::new(),
        }
    }

    async fn send(&mut self, body: Body) {
        let mut out = BytesMut::new();
        frame::encode(
            &d::DeviceFrame { body: Some(body) },
            &mut out,
            frame::DEFAULT_MAX_FRAME,
        )
        .unwrap();
        self.tls.write_all(&out).await.unwrap();
    }

    /// The next frame, or None at end of stream.
    async fn recv(&mut self) -> Option<SBody> {
        loop {
            if let Some(f) =
                frame::decode::<d::ServerFrame>(&mut self.buf, frame::DEFAULT_MAX_FRAME).unwrap()
            {
                return f.body;
            }
            let n = tokio::time::timeout(Duration::from_secs(10), self.tls.read_buf(&mut self.buf))
                .await
                .expect("the gateway answers within 10 s")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
        }
    }

    async fn hello(&mut self, mac: &str, credential: &str) -> Option<SBody> {
        self.send(Body::Hello(d::Hello {
            protocol_versions: vec![1],
            mac: mac.into(),
            model: "R29".into(),
            firmware_version: "29.30.2.805".into(),
            credential: credential.into(),
            ..Default::default()
        }))
        .await;
        self.recv().await
    }
}

fn error_code(b: Option<SBody>) -> Option<d::error::Code> {
    match b {
        Some(SBody::Error(e)) => d::error::Code::try_from(e.code).ok(),
        _ => None,
    }
}

/// Adds a device (its MAC first) and returns its id and gateway credential.
async fn add_device(
    admin: &Client,
    scope: pb::create_device_request::Scope,
    device_type: u32,
    mac: &str,
    name: &str,
) -> (u64, String) {
    admin
        .macs()
        .add_mac(pb::AddMacRequest { mac: mac.into() })
        .await
        .unwrap();
    let dev = admin
        .devices()
        .create_device(pb::CreateDeviceRequest {
            scope: Some(scope),
            device: Some(pb::DeviceInput {
                device_type: Some(device_type),
                mac: Some(mac.into()),
                name: Some(name.into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let credential = admin
        .devices()
        .get_device_secrets(pb::GetDeviceRequest { id: dev.id })
        .await
        .unwrap()
        .into_inner()
        .credential;
    (dev.id, credential)
}

/// A public-area door phone "Gate" in a new community.
async fn device_with_credential(admin: &Client, mac: &str) -> (u64, String) {
    let c = admin.create_community("C", pb::FeaturePlan::Premium).await;
    let scope = pb::create_device_request::Scope::PublicArea(pb::PublicArea {
        community_id: c.id,
        building_ids: vec![],
    });
    add_device(admin, scope, 0, mac, "Gate").await
}

#[tokio::test]
async fn devices_connect_over_tls_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (id, credential) = device_with_credential(&admin, "0C11050B9814").await;
    let before = admin.device(id).await;
    assert!(!before.online);
    assert_eq!(before.last_connection_ms, 0);

    let mut first = Device::connect(&server).await;
    match first.hello("0c:11:05:0b:98:14", &credential).await {
        Some(SBody::HelloAck(ack)) => {
            assert_eq!(ack.protocol_version, 1);
            assert!(ack.heartbeat_interval_secs > 0);
        }
        other => panic!("{other:?}"),
    }
    first.send(Body::Heartbeat(d::Heartbeat { seq: 9 })).await;
    assert!(matches!(first.recv().await, Some(SBody::HeartbeatAck(a)) if a.seq == 9));
    // Presence shows in the device details and list.
    let now = admin.device(id).await;
    assert!(now.online);
    assert_eq!(
        (now.model.as_str(), now.firmware_version.as_str()),
        ("R29", "29.30.2.805")
    );
    assert!(now.last_connection_ms > 0);
    assert!(now.remote_address.starts_with("127.0.0.1:"));

    // Wrong credential, unknown MAC, unbound MAC: the same answer, then the connection ends.
    admin
        .macs()
        .add_mac(pb::AddMacRequest {
            mac: "0C11050B9815".into(),
        })
        .await
        .unwrap();
    for (mac, cred) in [
        ("0C11050B9814", "dc_wrong"),
        ("0C11050B99FF", credential.as_str()),
        ("0C11050B9815", credential.as_str()),
    ] {
        let mut bad = Device::connect(&server).await;
        assert_eq!(
            error_code(bad.hello(mac, cred).await),
            Some(d::error::Code::Unauthenticated),
            "{mac}"
        );
        assert!(bad.recv().await.is_none());
    }

    // A frame that is not Hello, and an oversized frame: refused, connection closed.
    let mut rude = Device::connect(&server).await;
    rude.send(Body::Heartbeat(d::Heartbeat { seq: 1 })).await;
    assert_eq!(
        error_code(rude.recv().await),
        Some(d::error::Code::Protocol)
    );
    let mut huge = Device::connect(&server).await;
    let mut raw = BytesMut::new();
    raw.put_u32(10 * 1024 * 1024);
    raw.extend_from_slice(&[0u8; 64]);
    huge.tls.write_all(&raw).await.unwrap();
    assert_eq!(
        error_code(huge.recv().await),
        Some(d::error::Code::Protocol)
    );
    assert!(huge.recv().await.is_none());

    // The good session was not disturbed by any of that.
    first.send(Body::Heartbeat(d::Heartbeat { seq: 10 })).await;
    assert!(matches!(first.recv().await, Some(SBody::HeartbeatAck(a)) if a.seq == 10));

    // A second connection of the same device replaces the first.
    let mut second = Device::connect(&server).await;
    assert!(matches!(
        second.hello("0C11050B9814", &credential).await,
        Some(SBody::HelloAck(_))
    ));
    assert_eq!(
        error_code(first.recv().await),
        Some(d::error::Code::Replaced)
    );
    assert!(first.recv().await.is_none());
    second.send(Body::Heartbeat(d::Heartbeat { seq: 11 })).await;
    assert!(matches!(second.recv().await, Some(SBody::HeartbeatAck(_))));
    assert!(
        admin.device(id).await.online,
        "the replaced session's end does not mark it offline"
    );

    // A device that hangs up shows offline with its last connection.
    let mut third = Device::connect(&server).await;
    assert!(matches!(
        third.hello("0C11050B9814", &credential).await,
        Some(SBody::HelloAck(_))
    ));
    assert_eq!(
        error_code(second.recv().await),
        Some(d::error::Code::Replaced)
    );
    drop(third);
    let mut offline = admin.device(id).await;
    for _ in 0..50 {
        if !offline.online {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        offline = admin.device(id).await;
    }
    assert!(!offline.online);
    assert!(
        offline.last_connection_ms >= now.last_connection_ms,
        "{offline:?} vs {now:?}"
    );
    let mut second = Device::connect(&server).await;
    assert!(matches!(
        second.hello("0C11050B9814", &credential).await,
        Some(SBody::HelloAck(_))
    ));

    // Shutdown asks the device to come back later.
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let got = second.recv().await;
        let _ = tx.send(got);
    });
    server.stop().await;
    assert!(matches!(rx.await.unwrap(), Some(SBody::GoAway(g)) if g.reconnect_after_ms > 0));
}

#[tokio::test]
async fn stalled_handshakes_do_not_block_other_devices() {
    // Twenty TCP connections that never start TLS (the handshake timeout closes them later;
    // the session tests cover the hello timer) must not keep a real device out.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (_, credential) = device_with_credential(&admin, "0C11050B9814").await;
    let _idle_tcp: Vec<TcpStream> = open_idle(&server.gateway_addr, 20).await;
    let mut dev = Device::connect(&server).await;
    assert!(matches!(
        dev.hello("0C11050B9814", &credential).await,
        Some(SBody::HelloAck(_))
    ));
}

async fn open_idle(addr: &str, n: usize) -> Vec<TcpStream> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(TcpStream::connect(addr).await.unwrap());
    }
    v
}

#[tokio::test]
async fn commands_go_to_the_device_and_answers_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (id, credential) = device_with_credential(&admin, "0C11050B9814").await;

    // Offline: refused at once.
    let started = std::time::Instant::now();
    let offline = admin
        .devices()
        .reboot_device(pb::GetDeviceRequest { id })
        .await;
    assert_eq!(offline.unwrap_err().code(), tonic::Code::FailedPrecondition);
    assert!(started.elapsed() < Duration::from_secs(5));

    let mut dev = Device::connect(&server).await;
    assert!(matches!(
        dev.hello("0C11050B9814", &credential).await,
        Some(SBody::HelloAck(_))
    ));

    // Unlock relay 1: the device sees who asked and answers.
    let client = admin.clone();
    let call = tokio::spawn(async move {
        client
            .devices()
            .unlock_relay(pb::UnlockRelayRequest {
                device_id: id,
                relay: 1,
            })
            .await
    });
    let command = match dev.recv().await {
        Some(SBody::Command(c)) => c,
        other => panic!("{other:?}"),
    };
    match &command.action {
        Some(d::command::Action::Unlock(u)) => {
            assert_eq!(u.relay, 1);
            assert_eq!(u.requested_by, "installer admin");
        }
        other => panic!("{other:?}"),
    }
    assert!(command.deadline_ms > 0);
    dev.send(Body::CommandResult(d::CommandResult {
        request_id: command.request_id,
        ok: true,
        message: "opened".into(),
    }))
    .await;
    let reply = call.await.unwrap().unwrap().into_inner();
    assert!(reply.ok);
    assert_eq!(reply.message, "opened");
    let audit = admin
        .audit()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap()
        .into_inner();
    let entry = audit
        .entries
        .iter()
        .find(|e| e.action == "device.unlock")
        .expect("audited");
    assert!(
        entry.detail.contains("\"result\":\"ok\""),
        "{}",
        entry.detail
    );

    // A relay the device does not have.
    let bad = admin
        .devices()
        .unlock_relay(pb::UnlockRelayRequest {
            device_id: id,
            relay: 3,
        })
        .await;
    assert_eq!(bad.unwrap_err().code(), tonic::Code::InvalidArgument);

    // The device hangs up before answering: the caller hears so at once.
    let client = admin.clone();
    let call = tokio::spawn(async move {
        client
            .devices()
            .reboot_device(pb::GetDeviceRequest { id })
            .await
    });
    assert!(
        matches!(dev.recv().await, Some(SBody::Command(c)) if matches!(c.action, Some(d::command::Action::Reboot(_))))
    );
    drop(dev);
    let err = call.await.unwrap().unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unavailable, "{err:?}");
}

#[tokio::test]
async fn device_events_are_stored_listed_and_cleared_by_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (gate_id, gate_cred) = device_with_credential(&admin, "0C11050B9814").await;
    let community = admin
        .devices()
        .get_device(pb::GetDeviceRequest { id: gate_id })
        .await
        .unwrap()
        .into_inner()
        .community_id;
    let b = admin.create_building(community, "B1").await;
    let apt = admin.create_apartment(b.id, "101", None).await.unwrap();
    let (_, monitor_cred) = add_device(
        &admin,
        pb::create_device_request::Scope::ApartmentId(apt.id),
        2,
        "0C11050B9820",
        "Monitor",
    )
    .await;

    let mut gate = Device::connect(&server).await;
    assert!(matches!(
        gate.hello("0C11050B9814", &gate_cred).await,
        Some(SBody::HelloAck(_))
    ));
    let mut mon = Device::connect(&server).await;
    assert!(matches!(
        mon.hello("0C11050B9820", &monitor_cred).await,
        Some(SBody::HelloAck(_))
    ));
    gate.send(Body::Event(d::Event {
        at_ms: 1_700_000_000_000,
        kind: Some(d::event::Kind::DoorLog(d::DoorLog {
            relay: 1,
            method: d::UnlockMethod::RfCard as i32,
            success: true,
            who: "card 0042".into(),
            ..Default::default()
        })),
    }))
    .await;
    mon.send(Body::Event(d::Event {
        at_ms: 0,
        kind: Some(d::event::Kind::Alarm(d::Alarm {
            kind: "smoke".into(),
            zone: "kitchen".into(),
            message: "".into(),
        })),
    }))
    .await;
    mon.send(Body::Event(d::Event {
        at_ms: 0,
        kind: Some(d::event::Kind::ArmingState(d::ArmingState {
            mode: "away".into(),
        })),
    }))
    .await;
    // A heartbeat round trip on each connection means the events before it were handled.
    for dev in [&mut gate, &mut mon] {
        dev.send(Body::Heartbeat(d::Heartbeat { seq: 1 })).await;
        assert!(matches!(dev.recv().await, Some(SBody::HeartbeatAck(_))));
    }

    let list = |req: pb::ListEventsRequest| {
        let admin = admin.clone();
        async move {
            admin
                .events()
                .list_events(req)
                .await
                .map(|r| r.into_inner().events)
        }
    };
    let all = list(pb::ListEventsRequest {
        community_id: community,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let doors = list(pb::ListEventsRequest {
        community_id: community,
        kind: "door_log".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(doors.len(), 1);
    assert_eq!(doors[0].device_name, "Gate");
    assert_eq!(doors[0].at_ms, 1_700_000_000_000);
    match &doors[0].detail {
        Some(pb::device_event::Detail::DoorLog(l)) => {
            assert_eq!(
                (l.relay, l.who.as_str(), l.method),
                (1, "card 0042", d::UnlockMethod::RfCard as i32)
            );
        }
        other => panic!("{other:?}"),
    }
    let in_apt = list(pb::ListEventsRequest {
        community_id: community,
        apartment_id: apt.id,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(in_apt.len(), 2);
    let paged = list(pb::ListEventsRequest {
        community_id: community,
        limit: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let next = list(pb::ListEventsRequest {
        community_id: community,
        before_seq: paged[0].seq,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(next.len(), 2);
    assert_eq!(
        list(pb::ListEventsRequest {
            community_id: community,
            kind: "gossip".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .code(),
        tonic::Code::InvalidArgument
    );
    let bob = server.other_installer(&admin, "bob").await;
    assert_eq!(
        bob.events()
            .list_events(pb::ListEventsRequest {
                community_id: community,
                ..Default::default()
            })
            .await
            .unwrap_err()
            .code(),
        tonic::Code::NotFound
    );

    // Reset Apartment removes the apartment's logs; the public gate's stay.
    admin
        .apartment()
        .reset_apartment(pb::ResetApartmentRequest { id: apt.id })
        .await
        .unwrap();
    let left = list(pb::ListEventsRequest {
        community_id: community,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        left.iter()
            .map(|e| e.device_name.as_str())
            .collect::<Vec<_>>(),
        ["Gate"]
    );
}

async fn tls_to(server: &Server, addr: &str) -> TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(server.data_dir.join("gateway-cert.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test]
async fn websocket_devices_speak_the_same_protocol() {
    use futures_util::{SinkExt, StreamExt};
    use prost::Message as _;
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (id, credential) = device_with_credential(&admin, "0C11050B9814").await;

    // The wrong path is refused during the upgrade.
    let tls = tls_to(&server, &server.gateway_ws_addr).await;
    let url = format!(
        "wss://localhost:{}/elsewhere",
        server.gateway_ws_addr.rsplit(':').next().unwrap()
    );
    assert!(
        tokio_tungstenite::client_async(url.as_str(), tls)
            .await
            .is_err()
    );

    let tls = tls_to(&server, &server.gateway_ws_addr).await;
    let url = format!(
        "wss://localhost:{}/device/v1",
        server.gateway_ws_addr.rsplit(':').next().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), tls)
        .await
        .unwrap();
    let hello = d::DeviceFrame {
        body: Some(Body::Hello(d::Hello {
            protocol_versions: vec![1],
            mac: "0C11050B9814".into(),
            model: "X916".into(),
            firmware_version: "916.30.1".into(),
            credential,
            ..Default::default()
        })),
    };
    ws.send(Message::Binary(hello.encode_to_vec().into()))
        .await
        .unwrap();
    let reply = match ws.next().await.unwrap().unwrap() {
        Message::Binary(b) => d::ServerFrame::decode(&b[..]).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(reply.body, Some(SBody::HelloAck(_))));
    assert!(admin.device(id).await.online);

    // Commands travel the same way.
    let client = admin.clone();
    let call = tokio::spawn(async move {
        client
            .devices()
            .reboot_device(pb::GetDeviceRequest { id })
            .await
    });
    let command = match ws.next().await.unwrap().unwrap() {
        Message::Binary(b) => d::ServerFrame::decode(&b[..]).unwrap(),
        other => panic!("{other:?}"),
    };
    let Some(SBody::Command(c)) = command.body else {
        panic!("{command:?}")
    };
    let result = d::DeviceFrame {
        body: Some(Body::CommandResult(d::CommandResult {
            request_id: c.request_id,
            ok: true,
            message: "rebooting".into(),
        })),
    };
    ws.send(Message::Binary(result.encode_to_vec().into()))
        .await
        .unwrap();
    assert_eq!(
        call.await.unwrap().unwrap().into_inner().message,
        "rebooting"
    );

    // A text message is a protocol error; the connection ends.
    ws.send(Message::Text("hello?".into())).await.unwrap();
    let err = match ws.next().await.unwrap().unwrap() {
        Message::Binary(b) => d::ServerFrame::decode(&b[..]).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(err.body, Some(SBody::Error(e)) if e.code == d::error::Code::Protocol as i32));
}

#[tokio::test]
async fn an_address_that_keeps_failing_is_refused_for_a_while() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let admin = server.admin().await;
    let (_, credential) = device_with_credential(&admin, "0C11050B9814").await;
    for _ in 0..10 {
        let mut bad = Device::connect(&server).await;
        assert_eq!(
            error_code(bad.hello("0C11050B9814", "dc_guess").await),
            Some(d::error::Code::Unauthenticated)
        );
    }
    // Even the right credential waits now, and is told how long.
    let mut good = Device::connect(&server).await;
    match good.hello("0C11050B9814", &credential).await {
        Some(SBody::Error(e)) => {
            assert_eq!(e.code, d::error::Code::RateLimited as i32);
            assert!(e.retry_after_ms > 0 && e.retry_after_ms <= 60_000, "{e:?}");
        }
        other => panic!("{other:?}"),
    }
}
