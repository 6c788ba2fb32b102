//! A whole SIP message as it arrives over WebSocket (one message per frame) or UDP, handled
//! by the real server against an in-memory store: registrar, digest, router, proxy. Never
//! a panic (libfuzzer-sys's panic hook aborts even inside the server's per-message catch),
//! and every answer is a SIP message that parses.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use porter_sip::proxy::LocalAddr;
use porter_sip::registrar::{Source, Transport};
use porter_sip::server::{SipConfig, SipServer};
use porter_store::{Store, SystemClock};

fn server() -> &'static Arc<SipServer> {
    static SERVER: OnceLock<Arc<SipServer>> = OnceLock::new();
    SERVER.get_or_init(|| {
        let store = Store::in_memory(Arc::new(SystemClock));
        SipServer::new(
            store,
            SipConfig::default(),
            LocalAddr {
                host: "127.0.0.1".into(),
                ports: vec![
                    (Transport::Udp, 5060),
                    (Transport::Tcp, 5060),
                    (Transport::Tls, 5061),
                    (Transport::Wss, 5066),
                ],
            },
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let transport = if which & 1 == 0 {
        Transport::Wss
    } else {
        Transport::Udp
    };
    let source = Source {
        transport,
        addr: "127.0.0.9:5999".parse().unwrap(),
    };
    let (out, _valid) = server().handle_bytes_proving(bytes, source, true);
    for t in out {
        assert!(
            porter_sip::message::parse_datagram(&t.bytes).is_ok(),
            "the server sent something that is not SIP"
        );
    }
});
