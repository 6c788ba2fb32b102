//! The SIP server as one server, in process: `bind` opens UDP, TCP, TLS and WebSocket, `run`
//! answers until its token is cancelled and then returns with its tasks done.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use porter_sip::server::{SipConfig, SipListeners};
use porter_store::{Store, SystemClock};

/// The SIP server on loopback ports, on an empty in-memory store.
async fn bind(dir: &std::path::Path) -> SipListeners {
    bind_with(dir, SipConfig::default()).await
}

async fn bind_with(dir: &std::path::Path, config: SipConfig) -> SipListeners {
    let identity =
        porter_edge::tls::load_or_create(&dir.join("cert.pem"), &dir.join("key.pem")).unwrap();
    let loopback = "127.0.0.1:0".parse().unwrap();
    let config = SipConfig {
        listen: loopback,
        tls_listen: loopback,
        ws_listen: loopback,
        ..config
    };
    SipListeners::bind(config, Store::in_memory(Arc::new(SystemClock)), &identity)
        .await
        .unwrap()
}

#[tokio::test]
async fn it_answers_until_shutdown_then_returns() {
    let dir = tempfile::tempdir().unwrap();
    let sip = bind(dir.path()).await;
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

/// The first answer the server makes to `text` from a TCP peer (another node).
fn answer(server: &porter_sip::server::SipServer, text: &str) -> String {
    let source = porter_sip::registrar::Source {
        transport: porter_sip::registrar::Transport::Tcp,
        addr: "127.0.0.9:40000".parse().unwrap(),
    };
    let out = server.handle_bytes(text.as_bytes(), source);
    let last = out.last().expect("an answer");
    String::from_utf8_lossy(&last.bytes).into_owned()
}

struct NoPeers;

impl porter_sip::cluster::SipPeers for NoPeers {
    fn holders(&self, _account: &str) -> Vec<porter_sip::cluster::PeerBindings> {
        Vec::new()
    }
}

#[tokio::test]
async fn a_call_forwarded_by_another_node_is_taken_only_with_the_clusters_signature() {
    let dir = tempfile::tempdir().unwrap();
    let sip = bind(dir.path()).await;
    let server = sip.server();
    let node: std::net::SocketAddr = "127.0.0.9:5060".parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let invite = |call: &str, signature: &str| {
        format!(
            "INVITE sip:1000100001@127.0.0.1;transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.9:5060;branch=z9hG4bK{call}\r\nMax-Forwards: 70\r\nFrom: <sip:1000100002@127.0.0.9>;tag=a\r\nTo: <sip:1000100001@127.0.0.1>\r\nCall-ID: {call}\r\nCSeq: 1 INVITE\r\nContact: <sip:1000100002@127.0.0.9:5060;transport=tcp>\r\nX-Porter-Peer: {signature}\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let key = [5u8; 32];
    let signed =
        |call: &str| porter_sip::cluster::PeerSigner::new(key).sign(call, "1000100001", node, now);

    // A node on its own takes no forwarded calls, however signed.
    let alone = answer(&server, &invite("c1", &signed("c1")));
    assert!(
        alone.starts_with("SIP/2.0 403 Forbidden (cluster peer: this node is not in a cluster)"),
        "{alone}"
    );

    server.join_cluster(Arc::new(NoPeers), key, "127.0.0.1:5060".parse().unwrap());
    // Signed for another call, or under another key: refused, never challenged.
    let replayed = answer(&server, &invite("c2", &signed("c1")));
    assert!(
        replayed.starts_with("SIP/2.0 403 Forbidden (cluster peer: wrong signature)"),
        "{replayed}"
    );
    let stranger =
        porter_sip::cluster::PeerSigner::new([6; 32]).sign("c3", "1000100001", node, now);
    let forged = answer(&server, &invite("c3", &stranger));
    assert!(forged.starts_with("SIP/2.0 403"), "{forged}");
    // The right signature skips the digest: nobody is registered here, so 480 at once.
    let taken = answer(&server, &invite("c4", &signed("c4")));
    assert!(taken.starts_with("SIP/2.0 480"), "{taken}");
}

#[tokio::test]
async fn a_register_without_credentials_is_challenged_statelessly() {
    let dir = tempfile::tempdir().unwrap();
    let sip = bind(dir.path()).await;
    let server = sip.server();
    let source = porter_sip::registrar::Source {
        transport: porter_sip::registrar::Transport::Udp,
        addr: "127.0.0.9:5062".parse().unwrap(),
    };
    let register = "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5062;branch=z9hG4bKstateless\r\nMax-Forwards: 70\r\nFrom: <sip:1000100001@127.0.0.1>;tag=a\r\nTo: <sip:1000100001@127.0.0.1>\r\nCall-ID: stateless-challenge\r\nCSeq: 1 REGISTER\r\nContact: <sip:1000100001@127.0.0.9:5062>\r\nContent-Length: 0\r\n\r\n";
    let challenge = |out: Vec<porter_sip::proxy::Transmit>| {
        let text = String::from_utf8_lossy(&out.last().expect("an answer").bytes).into_owned();
        assert!(text.starts_with("SIP/2.0 401"), "{text}");
        let nonce = text.split("nonce=\"").nth(1).expect("a nonce");
        nonce.split('"').next().unwrap().to_owned()
    };
    // The same request again (a retransmission) is challenged afresh, not answered from a
    // transaction kept for Timer J.
    let first = challenge(server.handle_bytes(register.as_bytes(), source));
    let again = challenge(server.handle_bytes(register.as_bytes(), source));
    assert_ne!(first, again, "a fresh challenge each time");
}

/// A burst read by two threads at once is answered in full, every datagram of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_udp_burst_read_by_two_threads_is_answered_in_full() {
    const BURST: usize = 400;
    let dir = tempfile::tempdir().unwrap();
    let config = SipConfig {
        udp_workers: 2,
        ..SipConfig::default()
    };
    let sip = bind_with(dir.path(), config).await;
    let addr = sip.addrs().udp_tcp;
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(sip.run(shutdown.clone()));

    // Answers are read as they come, on a thread of their own: the machine's cores are
    // busy with the server, and the client's buffer would overflow while they are.
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let me = client.local_addr().unwrap();
    let reader = client.try_clone().unwrap();
    let answers = tokio::task::spawn_blocking(move || {
        let mut answered = std::collections::HashSet::new();
        let mut buf = vec![0u8; 4096];
        while answered.len() < BURST {
            let Ok((n, _)) = reader.recv_from(&mut buf) else {
                break;
            };
            let answer = String::from_utf8_lossy(&buf[..n]);
            let call = answer.lines().find_map(|l| l.strip_prefix("Call-ID: "));
            answered.insert(call.expect("a Call-ID").to_owned());
        }
        answered.len()
    });
    for i in 0..BURST {
        let register = format!(
            "REGISTER sip:{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKburst{i}\r\nMax-Forwards: 70\r\nFrom: <sip:1000100001@{addr}>;tag=a\r\nTo: <sip:1000100001@{addr}>\r\nCall-ID: burst-{i}\r\nCSeq: 1 REGISTER\r\nContact: <sip:1000100001@{me}>\r\nContent-Length: 0\r\n\r\n"
        );
        client.send_to(register.as_bytes(), addr).unwrap();
    }
    assert_eq!(answers.await.unwrap(), BURST, "every REGISTER answered");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("run returned")
        .unwrap();
}
