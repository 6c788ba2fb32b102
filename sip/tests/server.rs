//! The SIP server as one server, in process: `bind` opens UDP, TCP, TLS and WebSocket, `run`
//! answers until its token is cancelled and then returns with its tasks done.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use porter_sip::server::{SipConfig, SipListeners};
use porter_store::{Store, SystemClock};

#[tokio::test]
async fn it_answers_until_shutdown_then_returns() {
    let dir = tempfile::tempdir().unwrap();
    let identity =
        porter_edge::tls::load_or_create(&dir.path().join("cert.pem"), &dir.path().join("key.pem"))
            .unwrap();
    let loopback = "127.0.0.1:0".parse().unwrap();
    let config = SipConfig {
        listen: loopback,
        tls_listen: loopback,
        ws_listen: loopback,
        ..SipConfig::default()
    };
    let sip = SipListeners::bind(config, Store::in_memory(Arc::new(SystemClock)), &identity)
        .await
        .unwrap();
    let addr = sip.addrs().udp_tcp;
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(sip.run(shutdown.clone()));

    let client = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = client.local_addr().unwrap();
    let register = format!(
        "REGISTER sip:{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKshutdown1\r\nMax-Forwards: 70\r\nFrom: <sip:1000100001@{addr}>;tag=a\r\nTo: <sip:1000100001@{addr}>\r\nCall-ID: shutdown-test\r\nCSeq: 1 REGISTER\r\nContact: <sip:1000100001@{me}>\r\nContent-Length: 0\r\n\r\n"
    );
    client.send_to(register.as_bytes(), addr).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), client.recv_from(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(
        answer.starts_with("SIP/2.0 401")
            || answer.starts_with("SIP/2.0 403")
            || answer.starts_with("SIP/2.0 404"),
        "{answer}"
    );

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("run returned")
        .unwrap();
}
