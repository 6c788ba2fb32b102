//! SIP against real peers: sipp (Debian's sip-tester, installed by scripts/test.sh) registers
//! a device's SIP account over UDP and TCP with digest authentication; a wrong password is
//! refused; malformed messages get 400 and the server keeps serving.

mod common;

use std::time::Duration;

use common::Server;
use common::sipp::{Sipp, account_row, free_port};
use porter_proto::admin::v1 as pb;

/// A device's SIP account, made through the admin API: an apartment with its monitor.
async fn sip_account(server: &Server) -> (String, String) {
    let settings = common::community_settings("SIP Court", pb::FeaturePlan::Premium);
    server.admin().await.sip_site(settings, None).await.monitor
}

/// Runs one sipp scenario from `sip/tests/sipp/` as one call; true when sipp says it passed.
async fn sipp(server: &Server, scenario: &str, transport: &str, users: &str) -> bool {
    let dir = tempfile::tempdir().expect("tmp");
    Sipp {
        scenario,
        transport,
        local_port: free_port(),
        remote: Some(&server.sip_addr),
        users: Some(users),
        timeout_secs: 20,
    }
    .run(dir.path())
    .await
}

#[tokio::test]
async fn sipp_registers_with_digest_over_udp_and_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let (number, password) = sip_account(&server).await;
    let row = |user: &str, pw: &str| account_row(user, pw, &[]);
    let good = row(&number, &password);
    assert!(
        sipp(&server, "register_auth.xml", "u1", &good).await,
        "REGISTER over UDP"
    );
    assert!(
        sipp(&server, "register_auth.xml", "t1", &good).await,
        "REGISTER over TCP"
    );
    let wrong = row(&number, &format!("not-{password}"));
    assert!(
        sipp(&server, "register_denied.xml", "u1", &wrong).await,
        "wrong password refused"
    );
    let unknown = row("1999999999", &password);
    assert!(
        sipp(&server, "register_denied.xml", "t1", &unknown).await,
        "unknown account refused"
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_messages_get_400_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.connect(&server.sip_addr).await.unwrap();
    let ask = |text: &'static str| {
        let socket = &socket;
        async move {
            socket
                .send(text.replace('\n', "\r\n").as_bytes())
                .await
                .unwrap();
            let mut buf = vec![0u8; 4096];
            match tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf)).await {
                Ok(Ok(n)) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
                _ => None,
            }
        }
    };
    let bad_cseq = "OPTIONS sip:porter SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbad1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: bad1\nCSeq: 1 INVITE\nMax-Forwards: 70\n\n";
    let reply = ask(bad_cseq).await.expect("an answer");
    assert!(
        reply.starts_with("SIP/2.0 400 Bad Request (bad CSeq header"),
        "{reply}"
    );
    // Bytes that are not SIP at all are dropped without an answer.
    assert_eq!(ask("\u{1}\u{2}garbage\n\n").await, None);
    let options = "OPTIONS sip:porter SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKok1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: ok1\nCSeq: 1 OPTIONS\nMax-Forwards: 70\n\n";
    let reply = ask(options).await.expect("an answer");
    assert!(reply.starts_with("SIP/2.0 200 OK"), "{reply}");
    assert!(reply.contains("Allow: REGISTER"), "{reply}");
    server.stop().await;
}

/// Wrong answers for an account from one address are refused for a while (403), but the
/// device proving the right password from that same address still registers: ten spoofed
/// REGISTERs cannot lock a door phone out.
#[tokio::test]
async fn wrong_answers_are_refused_for_a_while_but_the_right_password_gets_through() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let (number, password) = sip_account(&server).await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.connect(&server.sip_addr).await.unwrap();
    let mut replies = Vec::new();
    for i in 0..11 {
        let register = format!(
            "REGISTER sip:porter SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKguess{i}\r\nFrom: <sip:{number}@porter>;tag=g{i}\r\nTo: <sip:{number}@porter>\r\nCall-ID: guess{i}\r\nCSeq: 1 REGISTER\r\nContact: <sip:{number}@127.0.0.1:9>\r\nAuthorization: Digest username=\"{number}\", realm=\"porter\", nonce=\"guessed\", uri=\"sip:porter\", response=\"00000000000000000000000000000000\"\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        socket.send(register.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
        replies.push(reply.lines().next().unwrap_or_default().to_owned());
    }
    assert!(
        replies[..10].iter().all(|r| r.starts_with("SIP/2.0 401")),
        "{replies:?}"
    );
    assert!(
        replies[10].starts_with("SIP/2.0 403 Forbidden (too many failed authentications"),
        "{replies:?}"
    );
    let genuine = account_row(&number, &password, &[]);
    assert!(
        sipp(&server, "register_auth.xml", "u1", &genuine).await,
        "the device with its password registers from the same address"
    );
    server.stop().await;
}

/// REGISTER has no server transaction: a retransmitted request (same Call-ID and CSeq) is
/// known to the registrar and answered as the first time, without being applied twice.
#[tokio::test]
async fn a_retransmitted_register_is_answered_as_the_first_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let (number, password) = sip_account(&server).await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.connect(&server.sip_addr).await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let ask = |text: String| {
        let socket = &socket;
        async move {
            socket.send(text.as_bytes()).await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf))
                .await
                .expect("an answer")
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        }
    };
    let register = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:porter SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKre{cseq}\r\nFrom: <sip:{number}@porter>;tag=r\r\nTo: <sip:{number}@porter>\r\nCall-ID: retransmitted-register\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{number}@127.0.0.1:{port}>;expires=600\r\n{auth}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let challenged = ask(register(1, "")).await;
    assert!(challenged.starts_with("SIP/2.0 401"), "{challenged}");
    let header = challenged
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .expect("a challenge");
    let challenge = porter_sip::digest::Challenge::parse(header).unwrap();
    let authorization = challenge.answer(&number, &password, "REGISTER", "sip:porter", "c0ffee");
    let authed = register(2, &format!("Authorization: {authorization}\r\n"));
    let first = ask(authed.clone()).await;
    assert!(first.starts_with("SIP/2.0 200 OK"), "{first}");
    let again = ask(authed).await;
    assert!(again.starts_with("SIP/2.0 200 OK"), "{again}");
    let to = |r: &str| r.lines().find(|l| l.starts_with("To:")).map(str::to_owned);
    assert_eq!(to(&first), to(&again), "the same To tag");
    let contacts = |r: &str| r.lines().filter(|l| l.starts_with("Contact:")).count();
    assert_eq!((contacts(&first), contacts(&again)), (1, 1), "{again}");
    server.stop().await;
}
