use super::*;

struct OneDevice;

impl DeviceAuthenticator for OneDevice {
    fn authenticate(&self, mac: &str, credential: &str) -> Option<DeviceIdentity> {
        (mac == "0C11050B9814" && credential == "dc_good").then(|| DeviceIdentity {
            device_id: 7,
            community_id: 2,
            mac: mac.to_owned(),
            device_type: 0,
            binding: porter_store::DeviceBinding::new(7, mac, "sealed", ""),
        })
    }
}

fn hello(mac: &str, credential: &str, versions: Vec<u32>) -> d::DeviceFrame {
    d::DeviceFrame {
        body: Some(Body::Hello(d::Hello {
            protocol_versions: versions,
            mac: mac.into(),
            model: "R29".into(),
            firmware_version: "29.30.2.805".into(),
            credential: credential.into(),
            ..Default::default()
        })),
    }
}

fn drain(s: &mut Session) -> Vec<Output> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

fn error_code(o: &Output) -> Option<i32> {
    match o {
        Output::Send(d::ServerFrame {
            body: Some(server_frame::Body::Error(e)),
        }) => Some(e.code),
        _ => None,
    }
}

fn online(now: Instant) -> Session {
    let mut s = Session::new(SessionConfig::default(), "s1".into(), now);
    s.handle_frame(
        hello("0c:11:05:0b:98:14", "dc_good", vec![1, 2]),
        now,
        &OneDevice,
    );
    let out = drain(&mut s);
    assert!(
        matches!(&out[0], Output::Send(d::ServerFrame { body: Some(server_frame::Body::HelloAck(a)) }) if a.protocol_version == 1)
    );
    assert!(
        matches!(&out[1], Output::Report(Report::Online { identity, .. }) if identity.device_id == 7)
    );
    s
}

#[test]
fn hello_authenticates_and_heartbeats_keep_the_session() {
    let t0 = Instant::now();
    let mut s = online(t0);
    let t1 = t0 + Duration::from_secs(80);
    s.handle_frame(
        d::DeviceFrame {
            body: Some(Body::Heartbeat(d::Heartbeat { seq: 1 })),
        },
        t1,
        &OneDevice,
    );
    assert!(matches!(
        drain(&mut s)[..],
        [Output::Send(d::ServerFrame {
            body: Some(server_frame::Body::HeartbeatAck(_))
        })]
    ));
    s.handle_timeout(t0 + Duration::from_secs(100));
    assert!(!s.is_closed(), "heard from at t1");
    assert_eq!(s.poll_timeout(), Some(t1 + Duration::from_secs(90)));
    s.handle_timeout(t1 + Duration::from_secs(90));
    let out = drain(&mut s);
    assert_eq!(
        error_code(&out[0]),
        Some(d::error::Code::IdleTimeout as i32)
    );
    assert_eq!(out[1], Output::Close);
    assert_eq!(
        out[2],
        Output::Report(Report::Offline {
            reason: "idle timeout"
        })
    );
}

#[test]
fn every_auth_failure_looks_the_same() {
    let now = Instant::now();
    for (mac, cred) in [
        ("0C11050B9814", "dc_bad"),
        ("0C11050B9815", "dc_good"),
        ("nonsense", "dc_good"),
    ] {
        let mut s = Session::new(SessionConfig::default(), "s".into(), now);
        s.handle_frame(hello(mac, cred, vec![1]), now, &OneDevice);
        let out = drain(&mut s);
        assert_eq!(out[0], Output::Report(Report::AuthFailed));
        match &out[1] {
            Output::Send(d::ServerFrame {
                body: Some(server_frame::Body::Error(e)),
            }) => {
                assert_eq!(e.code, d::error::Code::Unauthenticated as i32);
                assert_eq!(e.message, "unknown device or wrong credential");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(out[2], Output::Close);
        assert_eq!(out.len(), 3, "never reported online");
        assert!(s.is_closed());
    }
}

#[test]
fn protocol_violations_close_the_connection() {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default(), "s".into(), now);
    s.handle_frame(hello("0C11050B9814", "dc_good", vec![7]), now, &OneDevice);
    assert_eq!(
        error_code(&drain(&mut s)[0]),
        Some(d::error::Code::UnsupportedVersion as i32)
    );

    let mut s = Session::new(SessionConfig::default(), "s".into(), now);
    s.handle_frame(
        d::DeviceFrame {
            body: Some(Body::Heartbeat(d::Heartbeat { seq: 1 })),
        },
        now,
        &OneDevice,
    );
    assert_eq!(
        error_code(&drain(&mut s)[0]),
        Some(d::error::Code::Protocol as i32)
    );

    let mut s = Session::new(SessionConfig::default(), "s".into(), now);
    s.handle_timeout(now + Duration::from_secs(10));
    assert_eq!(
        error_code(&drain(&mut s)[0]),
        Some(d::error::Code::Protocol as i32),
        "slowloris"
    );

    let mut s = online(now);
    s.handle_frame_error(&FrameError::TooLarge {
        len: 1 << 20,
        max: 1 << 16,
    });
    let out = drain(&mut s);
    assert_eq!(error_code(&out[0]), Some(d::error::Code::Protocol as i32));
    assert_eq!(
        out.last(),
        Some(&Output::Report(Report::Offline {
            reason: "protocol error"
        }))
    );
    // After closing, nothing more happens.
    s.handle_frame(
        d::DeviceFrame {
            body: Some(Body::Heartbeat(d::Heartbeat { seq: 1 })),
        },
        now,
        &OneDevice,
    );
    assert!(drain(&mut s).is_empty());
}

#[test]
fn commands_carry_ids_and_results_match_them() {
    let now = Instant::now();
    let mut offline = Session::new(SessionConfig::default(), "s".into(), now);
    assert_eq!(
        offline.send_command(d::command::Action::Reboot(d::Reboot {}), 0),
        Err(CommandError::NotOnline)
    );
    let mut s = online(now);
    let id = s
        .send_command(
            d::command::Action::Unlock(d::Unlock {
                relay: 1,
                requested_by: "installer admin".into(),
            }),
            123,
        )
        .unwrap();
    let sent = drain(&mut s);
    assert!(
        matches!(&sent[0], Output::Send(d::ServerFrame { body: Some(server_frame::Body::Command(c)) }) if c.request_id == id && c.deadline_ms == 123)
    );
    // An unknown result is ignored; the real one is reported once.
    for request_id in [id + 100, id, id] {
        s.handle_frame(
            d::DeviceFrame {
                body: Some(Body::CommandResult(d::CommandResult {
                    request_id,
                    ok: true,
                    message: String::new(),
                })),
            },
            now,
            &OneDevice,
        );
    }
    let out = drain(&mut s);
    assert_eq!(out.len(), 1);
    assert!(matches!(&out[0], Output::Report(Report::CommandDone(r)) if r.request_id == id));
    // Bounded in flight.
    for _ in 0..32 {
        s.send_command(d::command::Action::Reboot(d::Reboot {}), 0)
            .unwrap();
    }
    assert_eq!(
        s.send_command(d::command::Action::Reboot(d::Reboot {}), 0),
        Err(CommandError::Busy(32))
    );
}

#[test]
fn replacement_and_go_away() {
    let now = Instant::now();
    let mut s = online(now);
    s.replace();
    let out = drain(&mut s);
    assert_eq!(error_code(&out[0]), Some(d::error::Code::Replaced as i32));
    let mut s = online(now);
    s.go_away(Duration::from_secs(5), "restart");
    let out = drain(&mut s);
    assert!(
        matches!(&out[0], Output::Send(d::ServerFrame { body: Some(server_frame::Body::GoAway(g)) }) if g.reconnect_after_ms == 5000)
    );
    assert_eq!(out[1], Output::Close);
}

#[tokio::test]
async fn the_store_authenticates_bound_devices_only() {
    use porter_store::{ManualClock, fixtures};

    let clock = std::sync::Arc::new(ManualClock::new(1_700_000_000_000));
    let (store, actor) = fixtures::operator_store(clock).await.unwrap();
    let c = fixtures::premium_community(&store, &actor, "C")
        .await
        .unwrap();
    let gate = fixtures::public_door_phone(&store, &actor, c, "0C11050B9814")
        .await
        .unwrap();
    store.add_mac(&actor, "0C11050B9815").await.unwrap();
    let credential = store.device_secrets(&actor, gate).await.unwrap().credential;

    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default(), "s".into(), now);
    s.handle_frame(
        hello("0c-11-05-0b-98-14", &credential, vec![1]),
        now,
        &store,
    );
    assert_eq!(s.identity().map(|i| i.device_id), Some(gate));
    for (mac, cred) in [
        ("0C11050B9814", "dc_wrong"),
        ("0C11050B9815", credential.as_str()),
        ("0C11050B9816", credential.as_str()),
    ] {
        let mut s = Session::new(SessionConfig::default(), "s".into(), now);
        s.handle_frame(hello(mac, cred, vec![1]), now, &store);
        assert!(s.is_closed() && s.identity().is_none(), "{mac}");
    }
    // A rotated credential replaces the old one.
    let new = store.rotate_device_credential(&actor, gate).await.unwrap();
    assert!(
        store
            .authenticate_device("0C11050B9814", &credential)
            .is_none()
    );
    assert!(store.authenticate_device("0C11050B9814", &new).is_some());
}

#[test]
fn tunnels_open_carry_data_and_close_from_either_side() {
    let now = Instant::now();
    let mut s = online(now);
    let a = s.open_tunnel(80).unwrap();
    let b = s.open_tunnel(80).unwrap();
    assert_ne!(a, b);
    let sent = drain(&mut s);
    assert!(matches!(&sent[..], [
        Output::Send(d::ServerFrame { body: Some(server_frame::Body::TunnelOpen(o1)) }),
        Output::Send(d::ServerFrame { body: Some(server_frame::Body::TunnelOpen(o2)) }),
    ] if o1.stream_id == a && o2.stream_id == b && o1.port == 80));
    assert!(s.tunnel_data(a, b"GET / HTTP/1.1\r\n\r\n".to_vec()));
    assert_eq!(drain(&mut s).len(), 1);

    let data = |id: u32| d::DeviceFrame {
        body: Some(Body::TunnelData(d::TunnelData {
            stream_id: id,
            data: b"HTTP/1.1 200 OK\r\n".to_vec(),
        })),
    };
    s.handle_frame(data(a), now, &OneDevice);
    assert!(
        matches!(&drain(&mut s)[..], [Output::Report(Report::TunnelData(t))] if t.stream_id == a)
    );
    // A stream the gateway never opened: dropped.
    s.handle_frame(data(99), now, &OneDevice);
    assert!(drain(&mut s).is_empty());

    // The device closes a; the gateway closes b.
    s.handle_frame(
        d::DeviceFrame {
            body: Some(Body::TunnelClose(d::TunnelClose { stream_id: a })),
        },
        now,
        &OneDevice,
    );
    assert_eq!(drain(&mut s), vec![Output::Report(Report::TunnelClosed(a))]);
    assert!(!s.tunnel_data(a, vec![1]));
    s.close_tunnel(b);
    assert!(matches!(&drain(&mut s)[..], [Output::Send(d::ServerFrame {
        body: Some(server_frame::Body::TunnelClose(c)) })] if c.stream_id == b));
    s.close_tunnel(b);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn tunnels_are_bounded_and_need_a_session() {
    let now = Instant::now();
    let mut fresh = Session::new(SessionConfig::default(), "s".into(), now);
    assert_eq!(fresh.open_tunnel(80), Err(TunnelError::NotOnline));
    let mut s = online(now);
    let max = SessionConfig::default().max_tunnels;
    for _ in 0..max {
        s.open_tunnel(80).unwrap();
    }
    assert_eq!(s.open_tunnel(80), Err(TunnelError::TooMany(max)));
}
