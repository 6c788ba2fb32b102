//! The device session (what the gateway does with every frame a device sends), fed any
//! sequence of decoded frames, commands, tunnel calls and clock ticks: it never panics, its
//! output queue stays bounded, and nothing is reported online without a right Hello.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use porter_gateway::session::{
    DeviceAuthenticator, DeviceIdentity, Output, Report, Session, SessionConfig,
};
use porter_proto::device::v1 as d;
use prost::Message;

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

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let mut now = t0;
    let mut s = Session::new(SessionConfig::default(), "fuzz".into(), now);
    let mut rest = data;
    let mut online = false;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 8 {
            // A frame: the next length byte says how many bytes it takes.
            0..=3 => {
                let Some((&len, tail)) = rest.split_first() else {
                    break;
                };
                let take = usize::from(len).min(tail.len());
                let (body, tail) = tail.split_at(take);
                rest = tail;
                match d::DeviceFrame::decode(body) {
                    Ok(f) => s.handle_frame(f, now, &OneDevice),
                    Err(_) => s.handle_frame_error(&porter_proto::frame::FrameError::Decode(
                        "fuzz".into(),
                    )),
                }
            }
            4 => {
                now += Duration::from_secs(u64::from(op));
                s.handle_timeout(now);
            }
            5 => {
                let _ = s.send_command(d::command::Action::Reboot(d::Reboot {}), i64::from(op));
            }
            6 => {
                if let Ok(id) = s.open_tunnel(80) {
                    let _ = s.tunnel_data(id, vec![op; 3]);
                    if op & 1 == 0 {
                        s.close_tunnel(id);
                    }
                }
            }
            _ => match op % 3 {
                0 => s.revoke(porter_store::RevokeReason::CredentialRotated),
                1 => s.replace(),
                _ => s.handle_disconnect(),
            },
        }
        let mut queued = 0;
        while let Some(out) = s.poll_output() {
            queued += 1;
            assert!(queued < 1000, "the output queue grows without bound");
            if let Output::Report(Report::Online { identity, .. }) = out {
                assert_eq!(identity.mac, "0C11050B9814");
                online = true;
            }
        }
        if s.is_closed() {
            assert!(s.poll_timeout().is_none());
        }
    }
    let _ = online;
});
