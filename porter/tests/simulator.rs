//! porter-sim's devices against a real `porter serve`, over each transport: provisioning
//! through the admin API, presence, every command with its result, the door log of an API
//! unlock, reboot and reconnect, device events, and the Prometheus counters.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{ADMIN_PASSWORD, ADMIN_USER, Server, connector, curl, metrics};
use porter_proto::admin::v1 as pb;
use porter_proto::device::v1 as d;
use porter_sim::device::{self, Behaviour, Controls, Counters};
use porter_sim::link::{Connector, Transport};
use porter_sim::provision::{self, Admin, Plan, Provisioned};
use tokio::sync::watch;

struct Fleet {
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Fleet {
    fn start(connector: Arc<Connector>, devices: &[Provisioned], behaviour: Behaviour) -> Fleet {
        let counters = Arc::new(Counters::default());
        let (stop, stop_rx) = watch::channel(false);
        let (_storm, storm_rx) = watch::channel(0);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, p) in devices.iter().enumerate() {
            let controls = Controls {
                stop: stop_rx.clone(),
                storm: storm_rx.clone(),
                instructions: None,
            };
            tasks.spawn(device::run(
                p.spec.clone(),
                connector.clone(),
                i,
                behaviour.clone(),
                counters.clone(),
                controls,
                None,
            ));
        }
        Fleet {
            counters,
            stop,
            tasks,
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

fn plan(door_phones: usize, indoor_monitors: usize, tag: u16) -> Plan {
    Plan {
        door_phones,
        indoor_monitors,
        mac_tag: tag,
        model_door: "R29".into(),
        model_monitor: "C317".into(),
        firmware_version: "29.30.2.805".into(),
    }
}

/// Polls until `check` holds (10 s at most).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

async fn fleet_over(transport: Transport) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--gateway-plain-listen", "127.0.0.1:0"]).await;
    let admin = server.login(ADMIN_USER, ADMIN_PASSWORD).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(1, 2, 0x5100))
        .await
        .unwrap();
    assert_eq!(devices.len(), 3);
    let door = devices[0].id;
    let community = admin.device(door).await.community_id;
    let fleet = Fleet::start(
        connector(&server, transport),
        &devices,
        Behaviour {
            door_events_every: Some(Duration::from_millis(300)),
            reboot_time: Duration::from_millis(200),
            ..Behaviour::default()
        },
    );
    for p in &devices {
        eventually("device online", || async {
            admin.device(p.id).await.online
        })
        .await;
    }
    let shown = admin.device(door).await;
    assert_eq!(
        (shown.model.as_str(), shown.firmware_version.as_str()),
        ("R29", "29.30.2.805")
    );
    assert!(shown.remote_address.starts_with("127.0.0.1:"));

    // Unlock: the device's answer comes back, and the door log names who asked.
    let reply = admin
        .devices()
        .unlock_relay(pb::UnlockRelayRequest {
            device_id: door,
            relay: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(reply.ok, "{reply:?}");
    assert_eq!(reply.message, "relay 1 opened");
    let log = admin
        .events()
        .list_events(pb::ListEventsRequest {
            community_id: community,
            kind: "door_log".into(),
            device_id: door,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(
        log.iter().any(|e| matches!(&e.detail,
            Some(pb::device_event::Detail::DoorLog(l))
                if l.method == d::UnlockMethod::Remote as i32
                    && l.who == format!("installer {ADMIN_USER}")
                    && l.success && l.relay == 1)),
        "{log:?}"
    );

    // The other commands.
    let transport_reply = admin
        .devices()
        .set_device_sip_transport(pb::SetDeviceSipTransportRequest {
            device_id: door,
            transport: pb::SipTransportType::Tls as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(transport_reply.ok);
    // Saved with the device's settings, so its next AutoP file does not undo it.
    let settings = admin
        .device_settings()
        .get_device_settings(pb::GetDeviceRequest { id: door })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        settings.connection_type,
        pb::SipTransportType::Tls as i32,
        "{settings:?}"
    );
    let reset = admin
        .devices()
        .factory_reset_device(pb::GetDeviceRequest { id: devices[1].id })
        .await
        .unwrap()
        .into_inner();
    assert!(reset.ok);

    // Reboot: the device answers, goes away, and comes back on a new session.
    let before = fleet.counters.reconnects.load(Ordering::Relaxed);
    let reboot = admin
        .devices()
        .reboot_device(pb::GetDeviceRequest { id: devices[2].id })
        .await
        .unwrap()
        .into_inner();
    assert!(reboot.ok);
    eventually("rebooted device back", || async {
        fleet.counters.reconnects.load(Ordering::Relaxed) > before
            && admin.device(devices[2].id).await.online
    })
    .await;

    // Random door events from the devices reach the community's event list.
    eventually("device-reported door events", || async {
        admin
            .events()
            .list_events(pb::ListEventsRequest {
                community_id: community,
                kind: "door_log".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .events
            .iter()
            .any(|e| {
                matches!(&e.detail,
                Some(pb::device_event::Detail::DoorLog(l)) if l.who.starts_with("card "))
            })
    })
    .await;

    // The operator's view agrees.
    let label = match transport {
        Transport::Tls => "tls",
        Transport::Quic => "quic",
        Transport::Ws => "websocket",
        Transport::Tcp => "tcp",
    };
    let text = metrics(&server).await;
    let online = |ty: &str| {
        metric(
            &text,
            &format!("porter_gateway_devices_online{{transport=\"{label}\",device_type=\"{ty}\"}}"),
        )
    };
    assert_eq!(online("multi_tenant_door_phone"), 1.0);
    assert_eq!(online("indoor_monitor"), 2.0);
    assert!(
        metric(
            &text,
            &format!("porter_gateway_handshakes_total{{transport=\"{label}\",result=\"ok\"}}")
        ) >= 4.0
    );
    assert_eq!(
        metric(
            &text,
            "porter_gateway_commands_total{kind=\"unlock\",outcome=\"ok\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(&text, "porter_gateway_command_duration_seconds_count"),
        4.0
    );
    assert!(metric(&text, "porter_gateway_events_total{kind=\"door_log\"}") >= 1.0);

    // Devices gone: presence says offline, with the last connection kept.
    fleet.stop().await;
    for p in &devices {
        eventually("device offline", || async {
            !admin.device(p.id).await.online
        })
        .await;
    }
    let gone = admin.device(door).await;
    assert!(gone.last_connection_ms > 0);
    let text = metrics(&server).await;
    assert_eq!(
        metric(
            &text,
            &format!("porter_gateway_connections{{transport=\"{label}\"}}")
        ),
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_over_tls() {
    fleet_over(Transport::Tls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_over_quic() {
    fleet_over(Transport::Quic).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_over_websocket() {
    fleet_over(Transport::Ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_over_plain_tcp() {
    fleet_over(Transport::Tcp).await;
}

#[tokio::test]
async fn plain_tcp_is_off_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    assert_eq!(server.gateway_plain_addr, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quic_refuses_bad_credentials_and_survives_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(2, 0, 0x5200))
        .await
        .unwrap();
    let quic = connector(&server, Transport::Quic);

    // A wrong credential: one clear error, then the connection ends.
    let mut link = quic.connect(0).await.unwrap();
    link.send(&hello(&devices[0].spec.mac, "dc_wrong"))
        .await
        .unwrap();
    let answer = link.recv().await.unwrap().and_then(|f| f.body);
    assert!(
        matches!(&answer, Some(d::server_frame::Body::Error(e))
            if e.code == d::error::Code::Unauthenticated as i32),
        "{answer:?}"
    );
    assert!(matches!(link.recv().await, Ok(None) | Err(_)));

    // A frame that claims to be larger than the limit: PROTOCOL error, closed.
    let mut link = quic.connect(0).await.unwrap();
    link.send_raw(&[0x7f, 0xff, 0xff, 0xff]).await.unwrap();
    let answer = link.recv().await.unwrap().and_then(|f| f.body);
    assert!(
        matches!(&answer, Some(d::server_frame::Body::Error(e))
            if e.code == d::error::Code::Protocol as i32),
        "{answer:?}"
    );

    // Everyone else is still served.
    let mut link = quic.connect(0).await.unwrap();
    link.send(&hello(&devices[1].spec.mac, &devices[1].spec.credential))
        .await
        .unwrap();
    let answer = link.recv().await.unwrap().and_then(|f| f.body);
    assert!(
        matches!(answer, Some(d::server_frame::Body::HelloAck(_))),
        "{answer:?}"
    );
    let text = metrics(&server).await;
    assert_eq!(metric(&text, "porter_gateway_auth_failures_total"), 1.0);
    assert_eq!(metric(&text, "porter_gateway_frame_errors_total"), 1.0);
}

fn hello(mac: &str, credential: &str) -> d::DeviceFrame {
    d::DeviceFrame {
        body: Some(d::device_frame::Body::Hello(d::Hello {
            protocol_versions: vec![1],
            mac: mac.into(),
            model: "R29".into(),
            firmware_version: "29.30.2.805".into(),
            credential: credential.into(),
            ..Default::default()
        })),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_control_opens_the_device_web_interface_in_a_real_client() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.login(ADMIN_USER, ADMIN_PASSWORD).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(1, 1, 0x5300))
        .await
        .unwrap();
    let (door, monitor) = (&devices[0], &devices[1]);
    let fleet = Fleet::start(
        connector(&server, Transport::Tls),
        &devices[..1],
        Behaviour::default(),
    );
    eventually("door phone online", || async {
        admin.device(door.id).await.online
    })
    .await;

    // An offline device has no web interface to reach.
    let offline = admin
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: monitor.id })
        .await
        .unwrap_err();
    assert_eq!(offline.code(), tonic::Code::FailedPrecondition);
    // Another installer cannot open it.
    let other = server.other_installer(&admin, "other").await;
    let denied = other
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: door.id })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::NotFound);

    let grant = admin
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: door.id })
        .await
        .unwrap()
        .into_inner();
    assert!(
        grant
            .url
            .starts_with(&format!("https://{}/remote/", server.https_addr)),
        "{}",
        grant.url
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(grant.expires_at_ms > now + 60_000 && grant.expires_at_ms <= now + 31 * 60_000);

    let ca = server.data_dir.join("gateway-cert.pem");
    let ca = ca.to_str().unwrap();
    let jar = dir.path().join("cookies.txt");
    let jar = jar.to_str().unwrap();
    // The device's page, through the tunnel, in curl (TLS verified against the gateway's
    // certificate).
    let (code, body) = curl(&["--cacert", ca, "-c", jar, &grant.url]).await;
    assert_eq!(code, "200", "{body}");
    assert!(body.contains(&format!("MAC {}", door.spec.mac)), "{body}");
    // Paths below the grant reach the device's own paths (its 404 here).
    let (code, _) = curl(&["--cacert", ca, &format!("{}missing", grant.url)]).await;
    assert_eq!(code, "404");
    // Absolute links on the device's pages: the grant's cookie carries them.
    let root = format!("https://{}/index.html", server.https_addr);
    let (code, body) = curl(&["--cacert", ca, "-b", jar, &root]).await;
    assert_eq!(code, "200", "{body}");
    assert!(body.contains(&door.spec.mac));
    let (code, _) = curl(&["--cacert", ca, &root]).await;
    assert_eq!(code, "404", "no cookie, no device");
    // Several requests at once, each on its own tunnel stream.
    let mut many = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (ca, url) = (ca.to_owned(), grant.url.clone());
        many.spawn(async move { curl(&["--cacert", &ca, &url]).await });
    }
    while let Some(r) = many.join_next().await {
        let (code, body) = r.unwrap();
        assert_eq!(code, "200", "{body}");
    }
    // A made-up token learns nothing.
    let forged = format!("https://{}/remote/{}/", server.https_addr, "0".repeat(64));
    let (code, body) = curl(&["--cacert", ca, &forged]).await;
    assert_eq!(code, "404");
    assert!(body.contains("expired"), "{body}");

    // The device goes away: the link says so instead of hanging.
    fleet.stop().await;
    eventually("door phone offline", || async {
        !admin.device(door.id).await.online
    })
    .await;
    let (code, body) = curl(&["--cacert", ca, &grant.url]).await;
    assert_eq!(code, "502", "{body}");
    assert!(body.contains("offline"));
}

fn connector_with_timeout(server: &Server, transport: Transport, timeout: Duration) -> Connector {
    let mut c = Arc::into_inner(connector(server, transport)).unwrap();
    c.timeout = timeout;
    c
}

async fn says_hello(link: &mut porter_sim::link::Link, p: &Provisioned) -> bool {
    link.send(&hello(&p.spec.mac, &p.spec.credential))
        .await
        .is_ok()
        && matches!(
            link.recv().await,
            Ok(Some(d::ServerFrame {
                body: Some(d::server_frame::Body::HelloAck(_))
            }))
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_past_its_accept_budget_is_refused_before_tls() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &["--gateway-accept-burst", "3", "--gateway-accept-rate", "1"],
    )
    .await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(3, 0, 0x5400))
        .await
        .unwrap();
    let tls = connector_with_timeout(&server, Transport::Tls, Duration::from_secs(5));
    let mut links = Vec::new();
    for p in &devices {
        let mut link = tls.connect(0).await.unwrap();
        assert!(says_hello(&mut link, p).await);
        links.push(link);
    }
    // The fourth within the same second: closed before any TLS work.
    assert!(tls.connect(0).await.is_err());
    let text = metrics(&server).await;
    assert_eq!(
        metric(
            &text,
            "porter_gateway_refused_connections_total{reason=\"accept_rate\"}"
        ),
        1.0
    );
    // The budget refills (1 a second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut link = tls.connect(0).await.unwrap();
    assert!(says_hello(&mut link, &devices[0]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_limit_holds_newcomers_until_a_place_frees() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--gateway-max-connections", "2"]).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(3, 0, 0x5500))
        .await
        .unwrap();
    let tls = Arc::new(connector_with_timeout(
        &server,
        Transport::Tls,
        Duration::from_secs(10),
    ));
    let mut first = tls.connect(0).await.unwrap();
    assert!(says_hello(&mut first, &devices[0]).await);
    let mut second = tls.connect(0).await.unwrap();
    assert!(says_hello(&mut second, &devices[1]).await);
    // The third waits in the backlog: no TLS handshake while both places are taken.
    let waiting = {
        let tls = tls.clone();
        tokio::spawn(async move { tls.connect(0).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished());
    // QUIC shares the limit, and is refused at once rather than queued.
    let quic = connector_with_timeout(&server, Transport::Quic, Duration::from_secs(5));
    assert!(quic.connect(0).await.is_err());
    first.close().await;
    let mut third = waiting.await.unwrap().unwrap();
    assert!(says_hello(&mut third, &devices[2]).await);
    let text = metrics(&server).await;
    assert_eq!(
        metric(
            &text,
            "porter_gateway_refused_connections_total{reason=\"connection_limit\"}"
        ),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_and_ramps_bring_every_device_back() {
    use porter_sim::run::{Mode, RunConfig, run};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(3, 3, 0x5600))
        .await
        .unwrap();
    let specs: Vec<_> = devices.iter().map(|p| p.spec.clone()).collect();
    let ids: Vec<_> = devices.iter().map(|p| p.id).collect();
    let config = |mode| RunConfig {
        mode,
        instructions: None,
        hold: Duration::from_millis(500),
        rate: 20,
        connect_window: 4,
        storms: 2,
        settle_timeout: Duration::from_secs(20),
        unlock_rate: 10,
        behaviour: Behaviour::default(),
    };
    for transport in [Transport::Quic, Transport::Ws] {
        let summary = run(
            specs.clone(),
            ids.clone(),
            connector(&server, transport),
            Some(sim_admin.clone()),
            config(Mode::Storm),
        )
        .await;
        assert_eq!(summary.connected, 6, "{summary:?}");
        assert_eq!(summary.reconnects, 12, "{summary:?}");
        assert!(
            summary.storm_recovery_ms.iter().all(Option::is_some),
            "{summary:?}"
        );
        let unlock = summary.unlock.unwrap();
        assert_eq!((unlock.count, unlock.failed), (5, 0));
    }
    let ramp = run(
        specs,
        ids,
        connector(&server, Transport::Tls),
        None,
        config(Mode::Ramp),
    )
    .await;
    assert_eq!((ramp.connected, ramp.failed), (6, 0), "{ramp:?}");
    assert!(
        ramp.time_to_all_online_ms.is_some_and(|t| t >= 200),
        "{ramp:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_control_links_use_the_configured_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &["--public-url", "https://intercom.example:9443/"],
    )
    .await;
    let admin = server.login(ADMIN_USER, ADMIN_PASSWORD).await;
    let sim_admin = Admin::login(&server.url(), ADMIN_USER, ADMIN_PASSWORD)
        .await
        .unwrap();
    let devices = provision::provision(&sim_admin, &plan(1, 0, 0x5700))
        .await
        .unwrap();
    let fleet = Fleet::start(
        connector(&server, Transport::Tls),
        &devices,
        Behaviour::default(),
    );
    eventually("door phone online", || async {
        admin.device(devices[0].id).await.online
    })
    .await;
    let grant = admin
        .devices()
        .open_remote_control(pb::GetDeviceRequest { id: devices[0].id })
        .await
        .unwrap()
        .into_inner();
    assert!(
        grant
            .url
            .starts_with("https://intercom.example:9443/remote/"),
        "{}",
        grant.url
    );
    // The token is hex (the device, its MAC and the expiry under a 128-bit HMAC) and the
    // link ends with a slash (relative links work).
    let token = grant
        .url
        .trim_start_matches("https://intercom.example:9443/remote/")
        .trim_end_matches('/');
    assert!(token.len() == 92 && token.chars().all(|c| c.is_ascii_hexdigit()));
    fleet.stop().await;
}
