//! The proxy core alone: messages and time in, transmits out.

use super::*;
use crate::message::{Message, Method, parse_datagram};

const CALLER: &str = "127.0.0.1:5070";
const A: &str = "127.0.0.1:6001";
const B: &str = "127.0.0.1:6002";

fn udp(addr: &str) -> Source {
    Source {
        transport: Transport::Udp,
        addr: addr.parse().expect("addr"),
    }
}

fn proxy() -> Proxy {
    let local = LocalAddr {
        host: "127.0.0.1".into(),
        ports: vec![(Transport::Udp, 5060), (Transport::Tcp, 5060)],
    };
    Proxy::new(local, ProxyConfig::default(), 100)
}

fn hop(aor: &str, addr: &str) -> Hop {
    Hop {
        aor: aor.into(),
        uri: Uri::parse(&format!("sip:{aor}@{addr}")).expect("uri"),
        to: udp(addr),
        fallback: None,
        credentials: None,
        peer_signature: None,
    }
}

fn parse(bytes: &[u8]) -> Message {
    parse_datagram(bytes).expect("the proxy sends valid SIP")
}

fn request(bytes: &[u8]) -> Request {
    match parse(bytes) {
        Message::Request(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn status(t: &Transmit) -> u16 {
    match parse(&t.bytes) {
        Message::Response(r) => r.status,
        Message::Request(r) => panic!("expected a response, got {}", r.method),
    }
}

fn invite() -> Request {
    request(
        b"INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcaller1\r\nFrom: <sip:door@127.0.0.1>;tag=door1\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: call-1\r\nCSeq: 2 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:door@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n",
    )
}

/// A downstream response to a forwarded request: its Vias, From, Call-ID, CSeq, To (+tag).
fn answer(to: &Request, status: u16, tag: &str) -> Response {
    let mut r = to.response(status, "X", Some(tag));
    r.reason = match status {
        180 => "Ringing",
        200 => "OK",
        486 => "Busy Here",
        487 => "Request Terminated",
        _ => "Other",
    }
    .into();
    r
}

fn start(p: &mut Proxy, stages: Vec<Stage>, out: &mut Vec<Transmit>) {
    start_from(p, udp(CALLER), None, stages, out);
}

fn start_from(
    p: &mut Proxy,
    upstream: Source,
    forwarded_by: Option<std::net::SocketAddr>,
    stages: Vec<Stage>,
    out: &mut Vec<Transmit>,
) {
    let mut inv = invite();
    assert!(p.prepare(&mut inv));
    let call = NewCall {
        invite: inv,
        upstream,
        meta: CallMeta {
            caller: "door".into(),
            dialed: "101".into(),
            forwarded_by,
        },
        stages,
        initial: true,
        caller_cseq: None,
    };
    assert!(p.start_call(call, 0, out).is_ok());
}

/// A call ringing one hop, "a" at A, for 30 s.
fn ringing_a() -> (Proxy, Vec<Transmit>) {
    let mut p = proxy();
    let mut out = Vec::new();
    let stage = Stage {
        hops: vec![hop("a", A)],
        ring_ms: 30_000,
    };
    start(&mut p, vec![stage], &mut out);
    (p, out)
}

fn to(out: &[Transmit], addr: &str) -> Vec<Transmit> {
    let addr: std::net::SocketAddr = addr.parse().expect("addr");
    out.iter().filter(|t| t.to.addr == addr).cloned().collect()
}

#[test]
fn parallel_branches_fork_and_the_first_answer_cancels_the_rest() {
    let mut p = proxy();
    let mut out = Vec::new();
    let stage = Stage {
        hops: vec![hop("a", A), hop("b", B)],
        ring_ms: 30_000,
    };
    start(&mut p, vec![stage], &mut out);
    assert_eq!(status(&to(&out, CALLER)[0]), 100);
    let inv_a = request(&to(&out, A)[0].bytes);
    let inv_b = request(&to(&out, B)[0].bytes);
    assert_eq!(inv_a.uri.to_string(), format!("sip:a@{A}"));
    assert_eq!(inv_a.headers.vias().expect("vias").len(), 2);
    assert_eq!(inv_a.headers.max_forwards().expect("mf"), Some(69));
    assert!(
        inv_a
            .headers
            .get(&HeaderName::RecordRoute)
            .expect("rr")
            .contains(";lr"),
        "the proxy stays in the dialog's path"
    );
    assert_ne!(
        inv_a
            .headers
            .top_via()
            .ok()
            .flatten()
            .and_then(|v| v.branch().map(str::to_owned)),
        inv_b
            .headers
            .top_via()
            .ok()
            .flatten()
            .and_then(|v| v.branch().map(str::to_owned)),
        "each branch is its own transaction"
    );

    out.clear();
    p.on_response(answer(&inv_b, 180, "tb"), 100, &mut out);
    let up = to(&out, CALLER);
    assert_eq!(status(&up[0]), 180);
    assert_eq!(
        match parse(&up[0].bytes) {
            Message::Response(r) => r.headers.vias().expect("vias").len(),
            _ => 0,
        },
        1,
        "our Via comes off on the way up"
    );

    out.clear();
    p.on_response(answer(&inv_a, 200, "ta"), 200, &mut out);
    assert_eq!(status(&to(&out, CALLER)[0]), 200);
    let cancel = request(&to(&out, B)[0].bytes);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(
        cancel
            .headers
            .top_via()
            .ok()
            .flatten()
            .map(|v| v.to_string()),
        inv_b
            .headers
            .top_via()
            .ok()
            .flatten()
            .map(|v| v.to_string()),
        "CANCEL shares the branch of the INVITE it cancels"
    );
    assert_eq!(p.counts().1, 1, "the answered call is a dialog");
}

#[test]
fn a_stage_that_rings_out_moves_on_and_the_last_failure_goes_up() {
    let mut p = proxy();
    let mut out = Vec::new();
    let stages = vec![
        Stage {
            hops: vec![hop("a", A)],
            ring_ms: 1_000,
        },
        Stage {
            hops: vec![],
            ring_ms: 1_000,
        },
        Stage {
            hops: vec![hop("b", B)],
            ring_ms: 1_000,
        },
    ];
    start(&mut p, stages, &mut out);
    let inv_a = request(&to(&out, A)[0].bytes);
    assert!(to(&out, B).is_empty(), "the second stage waits");
    p.on_response(answer(&inv_a, 180, "ta"), 10, &mut out);

    out.clear();
    p.poll(1_000, &mut out);
    assert_eq!(request(&to(&out, A)[0].bytes).method, Method::Cancel);
    let inv_b = request(&to(&out, B)[0].bytes);
    assert_eq!(inv_b.method, Method::Invite, "the empty stage is skipped");

    // The late 487 of the first stage is acknowledged but does not end the call.
    out.clear();
    p.on_response(answer(&inv_a, 487, "ta"), 1_100, &mut out);
    assert_eq!(request(&to(&out, A)[0].bytes).method, Method::Ack);
    assert!(to(&out, CALLER).is_empty());

    out.clear();
    p.on_response(answer(&inv_b, 486, "tb"), 1_200, &mut out);
    let ack = request(&to(&out, B)[0].bytes);
    assert_eq!(ack.method, Method::Ack);
    assert!(
        ack.headers
            .get(&HeaderName::To)
            .expect("to")
            .contains("tag=tb")
    );
    assert_eq!(
        status(&to(&out, CALLER)[0]),
        486,
        "busy says more than no answer"
    );

    // Over UDP the 486 is resent until the caller's ACK.
    out.clear();
    p.poll(1_200 + 500, &mut out);
    assert_eq!(status(&to(&out, CALLER)[0]), 486);
    let mut ack = invite();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "2 ACK");
    assert!(p.absorb_ack(&ack, 1_800));
    out.clear();
    p.poll(10_000, &mut out);
    assert!(to(&out, CALLER).is_empty());
}

#[test]
fn a_silent_branch_is_retransmitted_then_given_up() {
    let (mut p, mut out) = ringing_a();
    let mut sent_at = Vec::new();
    for t in (0..=8_000).step_by(100) {
        out.clear();
        p.poll(t, &mut out);
        if !to(&out, A).is_empty() {
            sent_at.push(t);
        }
        if !to(&out, CALLER).is_empty() {
            assert_eq!(status(&to(&out, CALLER)[0]), 408, "unreachable");
            break;
        }
    }
    assert_eq!(sent_at, vec![500, 1_500, 3_500, 7_500], "Timer A doubles");
}

#[test]
fn in_dialog_requests_follow_the_dialog_and_a_bye_ends_it() {
    let (mut p, mut out) = ringing_a();
    assert!(!p.in_call("door"), "ringing is not yet a call");
    let inv_a = request(&to(&out, A)[0].bytes);
    p.on_response(answer(&inv_a, 200, "ta"), 10, &mut out);
    assert!(
        p.in_call("door") && p.in_call("a"),
        "both ends are in the call"
    );

    let bye = request(
        b"BYE sip:a@127.0.0.1:6001 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye1\r\nRoute: <sip:127.0.0.1:5060;lr>\r\nFrom: <sip:door@127.0.0.1>;tag=door1\r\nTo: <sip:101@127.0.0.1>;tag=ta\r\nCall-ID: call-1\r\nCSeq: 4 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    let mut bye_in = bye.clone();
    assert!(p.prepare(&mut bye_in));
    assert!(
        bye_in.headers.get(&HeaderName::Route).is_none(),
        "our Route is used up"
    );
    out.clear();
    let routed = p.in_dialog(&bye_in, udp(CALLER), 20, &mut out);
    assert!(matches!(routed, InDialog::Forwarded(_)));
    let fwd = request(&to(&out, A)[0].bytes);
    assert_eq!(fwd.method, Method::Bye);

    out.clear();
    let recorded = p.on_response(answer(&fwd, 200, "ta"), 30, &mut out);
    assert_eq!(status(&to(&out, CALLER)[0]), 200);
    assert!(
        recorded.is_some(),
        "the server transaction keeps the answer"
    );
    assert_eq!(p.counts().1, 0, "the dialog is over");
    assert!(!p.in_call("door") && !p.in_call("a"));

    let mut again = bye.clone();
    assert!(p.prepare(&mut again));
    assert_eq!(
        p.in_dialog(&again, udp(CALLER), 40, &mut out),
        InDialog::Unknown
    );
}

#[test]
fn a_revoked_account_s_dialogs_are_forgotten() {
    let (mut p, mut out) = ringing_a();
    let inv_a = request(&to(&out, A)[0].bytes);
    p.on_response(answer(&inv_a, 200, "ta"), 10, &mut out);
    assert_eq!(p.end_dialogs_of("someone-else"), 0);
    assert_eq!(p.counts().1, 1);
    assert_eq!(p.end_dialogs_of("a"), 1);
    assert_eq!(p.counts().1, 0);
    assert!(!p.in_call("door") && !p.in_call("a"));
    let mut bye = request(
        b"BYE sip:a@127.0.0.1:6001 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye1\r\nRoute: <sip:127.0.0.1:5060;lr>\r\nFrom: <sip:door@127.0.0.1>;tag=door1\r\nTo: <sip:101@127.0.0.1>;tag=ta\r\nCall-ID: call-1\r\nCSeq: 4 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(p.prepare(&mut bye));
    assert_eq!(
        p.in_dialog(&bye, udp(CALLER), 20, &mut out),
        InDialog::Unknown,
        "in-dialog requests of a forgotten dialog get 481"
    );
}

#[test]
fn loops_and_spent_max_forwards_are_caught() {
    let (p, out) = ringing_a();
    let forwarded = request(&to(&out, A)[0].bytes);
    assert!(p.is_loop(&forwarded), "our own Via came back");
    assert!(!p.is_loop(&invite()));
    let mut spent = invite();
    spent.headers.set(HeaderName::MaxForwards, "0");
    assert!(!p.prepare(&mut spent));
}

#[test]
fn only_routes_naming_the_proxy_are_stripped_from_the_top() {
    let p = proxy();
    let mut req = invite();
    req.headers.remove(&HeaderName::Route);
    for route in [
        "<sip:127.0.0.1;lr>",
        "<sip:127.0.0.1:5060;transport=tcp;lr>",
        "<sip:elsewhere.example.com;lr>",
        "<sip:127.0.0.1;lr>",
    ] {
        req.headers.push(HeaderName::Route, route);
    }
    assert!(p.prepare(&mut req));
    let left: Vec<_> = req.headers.all(&HeaderName::Route).collect();
    assert_eq!(
        left,
        ["<sip:elsewhere.example.com;lr>", "<sip:127.0.0.1;lr>"]
    );

    let named = |host: &str, port: &[u16]| LocalAddr {
        host: host.into(),
        ports: port.iter().map(|p| (Transport::Udp, *p)).collect(),
    };
    let uri = |u: &str| Uri::parse(u).expect(u);
    assert!(named("127.0.0.1", &[5060]).is_me(&uri("sip:127.0.0.1")));
    assert!(!named("127.0.0.1", &[5070]).is_me(&uri("sip:127.0.0.1")));
    assert!(named("127.0.0.1", &[5070]).is_me(&uri("sip:127.0.0.1:5070")));
    assert!(!named("127.0.0.2", &[5060]).is_me(&uri("sip:127.0.0.1")));
    assert!(named("Porter.Example.com", &[5060]).is_me(&uri("sip:porter.example.COM")));
    assert!(!named("porter.example.com", &[5060]).is_me(&uri("sip:127.0.0.1")));
    assert!(named("[::1]", &[5060]).is_me(&uri("sip:[::1]:5060")));
    assert!(!named("127.0.0.1", &[5060]).is_me(&uri("sip:[::1]")));
}

#[test]
fn a_full_call_table_makes_room_from_finished_calls() {
    let local = LocalAddr {
        host: "127.0.0.1".into(),
        ports: vec![(Transport::Udp, 5060)],
    };
    let config = ProxyConfig {
        max_calls: 1,
        ..ProxyConfig::default()
    };
    let mut p = Proxy::new(local, config, 10);
    let mut out = Vec::new();
    let first = invite();
    let busy = first.response(486, "Busy Here", None);
    p.reject(first, udp(CALLER), busy, 0, &mut out);
    let mut second = invite();
    second.headers.set(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcaller2",
    );
    second.headers.set(HeaderName::CallId, "call-2");
    let call = NewCall {
        invite: second.clone(),
        upstream: udp(CALLER),
        meta: CallMeta::default(),
        stages: vec![Stage {
            hops: vec![hop("a", A)],
            ring_ms: 30_000,
        }],
        initial: true,
        caller_cseq: None,
    };
    assert!(
        p.start_call(call, 10, &mut out).is_ok(),
        "the finished call made room"
    );
    let mut third = second;
    third.headers.set(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcaller3",
    );
    let call = NewCall {
        invite: third,
        upstream: udp(CALLER),
        meta: CallMeta::default(),
        stages: vec![],
        initial: true,
        caller_cseq: None,
    };
    assert!(
        p.start_call(call, 20, &mut out).is_err(),
        "a ringing call is not evicted"
    );
}

#[test]
fn a_trunk_challenge_is_answered_and_the_dialog_renumbers_the_callers_requests() {
    use crate::digest::{Algorithm, Credentials, DigestAuth, Verdict};

    let cseq = |m: &Message| m.headers().cseq().expect("cseq").seq;
    let mut p = proxy();
    let mut out = Vec::new();
    let mut trunk = hop("5551234", B);
    trunk.credentials = Some(TrunkCredentials {
        username: "porter".into(),
        password: "pw".into(),
    });
    let stage = Stage {
        hops: vec![trunk],
        ring_ms: 30_000,
    };
    start(&mut p, vec![stage], &mut out);
    let first = request(&to(&out, B)[0].bytes);

    let auth = DigestAuth::new("trunk", vec![Algorithm::Md5], 300);
    let mut challenge = answer(&first, 401, "t1");
    for c in auth.challenges(0, false) {
        challenge.headers.push(HeaderName::WwwAuthenticate, c);
    }
    out.clear();
    p.on_response(challenge, 10, &mut out);
    assert!(
        to(&out, CALLER).is_empty(),
        "the trunk's challenge stays with the proxy"
    );
    let retry = to(&out, B)
        .iter()
        .map(|t| request(&t.bytes))
        .find(|r| r.method == Method::Invite)
        .expect("the INVITE again");
    assert_eq!(cseq(&Message::Request(retry.clone())), 3);
    let creds = Credentials::parse(retry.headers.get(&HeaderName::Authorization).expect("auth"))
        .expect("credentials");
    assert_eq!(auth.verify(&creds, "INVITE", "pw", 0), Verdict::Ok);

    out.clear();
    p.on_response(answer(&retry, 200, "t1"), 20, &mut out);
    assert_eq!(
        cseq(&parse(&to(&out, CALLER)[0].bytes)),
        2,
        "the caller's own CSeq"
    );

    // A re-INVITE (CSeq 3) reaches the trunk as 4; everything back to the caller says 3.
    let reinvite = request(
        b"INVITE sip:5551234@127.0.0.1:6002 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKre1\r\nFrom: <sip:door@127.0.0.1>;tag=door1\r\nTo: <sip:101@127.0.0.1>;tag=t1\r\nCall-ID: call-1\r\nCSeq: 3 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    out.clear();
    p.in_dialog(&reinvite, udp(CALLER), 25, &mut out);
    assert_eq!(cseq(&parse(&to(&out, CALLER)[0].bytes)), 3, "100 Trying");
    let forwarded = request(&to(&out, B)[0].bytes);
    assert_eq!(cseq(&Message::Request(forwarded.clone())), 4);
    out.clear();
    p.on_response(answer(&forwarded, 200, "t1"), 26, &mut out);
    assert_eq!(
        cseq(&parse(&to(&out, CALLER)[0].bytes)),
        3,
        "the re-INVITE's 200"
    );

    let bye = request(
        b"BYE sip:5551234@127.0.0.1:6002 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye9\r\nFrom: <sip:door@127.0.0.1>;tag=door1\r\nTo: <sip:101@127.0.0.1>;tag=t1\r\nCall-ID: call-1\r\nCSeq: 4 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    out.clear();
    p.in_dialog(&bye, udp(CALLER), 30, &mut out);
    let forwarded = request(&to(&out, B)[0].bytes);
    assert_eq!(
        cseq(&Message::Request(forwarded.clone())),
        5,
        "one above what it sent"
    );
    out.clear();
    p.on_response(answer(&forwarded, 200, "t1"), 40, &mut out);
    assert_eq!(
        cseq(&parse(&to(&out, CALLER)[0].bytes)),
        4,
        "the BYE's 200 as the caller sent it"
    );
}

#[test]
fn a_cancelled_branch_is_acknowledged_after_a_caller_over_tcp_has_gone() {
    // Another node (or a door phone over TCP) cancels; its ACK for our 487 arrives before
    // the monitor's own 487, which must still get our ACK.
    let mut p = proxy();
    let mut out = Vec::new();
    let tcp_caller = Source {
        transport: Transport::Tcp,
        addr: CALLER.parse().expect("addr"),
    };
    let stage = Stage {
        hops: vec![hop("a", A)],
        ring_ms: 30_000,
    };
    start_from(&mut p, tcp_caller, None, vec![stage], &mut out);
    let inv_a = request(&to(&out, A)[0].bytes);
    p.on_response(answer(&inv_a, 180, "ta"), 10, &mut out);
    let mut cancel = invite();
    cancel.method = Method::Cancel;
    cancel.headers.set(HeaderName::CSeq, "2 CANCEL");
    out.clear();
    assert_eq!(p.cancel(&cancel, 20, &mut out).status, 200);
    assert_eq!(status(&to(&out, CALLER)[0]), 487);
    let mut ack = invite();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "2 ACK");
    assert!(p.absorb_ack(&ack, 30));
    out.clear();
    p.poll(30, &mut out);
    p.on_response(answer(&inv_a, 487, "ta"), 40, &mut out);
    let acked = to(&out, A);
    assert_eq!(acked.len(), 1, "{out:?}");
    assert_eq!(request(&acked[0].bytes).method, Method::Ack);
    // And then the call goes.
    p.poll(40 + TIMER_B_MS, &mut out);
    assert_eq!(p.counts().0, 0);
}

#[test]
fn a_call_to_another_node_is_signed_and_its_dialog_leads_back_to_the_forwarding_node() {
    let mut p = proxy();
    let mut out = Vec::new();
    let mut peer = hop("a", A);
    peer.peer_signature = Some("from=127.0.0.1:5060;at=1;sig=00".into());
    let stage = Stage {
        hops: vec![peer],
        ring_ms: 30_000,
    };
    let mut inv = invite();
    // Whatever signature the caller sent is not passed on.
    inv.headers.push(
        HeaderName::Other(crate::cluster::PEER_HEADER.into()),
        "forged",
    );
    assert!(p.prepare(&mut inv));
    let node: std::net::SocketAddr = "127.0.0.9:5060".parse().expect("addr");
    let call = NewCall {
        invite: inv,
        upstream: udp(CALLER),
        meta: CallMeta {
            caller: "door".into(),
            dialed: "101".into(),
            forwarded_by: Some(node),
        },
        stages: vec![stage],
        initial: true,
        caller_cseq: None,
    };
    assert!(p.start_call(call, 0, &mut out).is_ok());
    assert_eq!(to(&out, CALLER)[0].fallback, Some(node));
    let inv_a = request(&to(&out, A)[0].bytes);
    let header = HeaderName::Other(crate::cluster::PEER_HEADER.into());
    let signatures: Vec<&str> = inv_a.headers.all(&header).collect();
    assert_eq!(signatures, vec!["from=127.0.0.1:5060;at=1;sig=00"]);

    out.clear();
    p.on_response(answer(&inv_a, 200, "ta"), 10, &mut out);
    // The callee's BYE goes to the caller's side, by way of the node that forwarded the call
    // should its connection be gone.
    let bye = request(
        b"BYE sip:door@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:6001;branch=z9hG4bKbye1\r\nFrom: <sip:101@127.0.0.1>;tag=ta\r\nTo: <sip:door@127.0.0.1>;tag=door1\r\nCall-ID: call-1\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    out.clear();
    let routed = p.in_dialog(&bye, udp(A), 20, &mut out);
    let InDialog::Forwarded(dialog) = routed else {
        panic!("{routed:?}")
    };
    assert_eq!(dialog.meta.forwarded_by, Some(node));
    assert_eq!(to(&out, CALLER)[0].fallback, Some(node));
}

#[test]
fn an_answered_call_is_forgotten_on_an_expiry_batch_boundary() {
    let (mut p, mut out) = ringing_a();
    let inv_a = request(&to(&out, A)[0].bytes);
    p.on_response(answer(&inv_a, 200, "ta"), 1_234, &mut out);
    assert_eq!(p.counts().0, 1, "the call stays for late responses");
    // Timer B after the answer, rounded up to a whole second: a stream of ended calls
    // wakes the timer task once a second, not once for each call.
    let forget_at = crate::transaction::expiry_batch(1_234 + TIMER_B_MS);
    assert_eq!(forget_at % 1_000, 0);
    assert_eq!(p.next_deadline(), Some(forget_at));
    p.poll(forget_at - 1, &mut out);
    assert_eq!(p.counts().0, 1, "not before the batch");
    p.poll(forget_at, &mut out);
    assert_eq!(p.counts().0, 0, "gone with the batch");
}
