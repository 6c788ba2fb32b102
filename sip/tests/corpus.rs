//! The parser against RFC 4475's torture messages and messages in the shapes real clients
//! send (baresip, sipp, JsSIP over WebSocket): every valid one parses, checks, keeps what a
//! registrar and proxy need, and prints to a message that parses to the same thing; every
//! invalid one is refused, with the reason naming what is wrong.

use std::path::Path;

use porter_sip::message::{Contact, Message, ParseError, parse_datagram};

fn load(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(rel: &str) -> Message {
    let m = parse_datagram(&load(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    m.check().unwrap_or_else(|e| panic!("{rel}: {e}"));
    let again = parse_datagram(&m.to_bytes()).unwrap_or_else(|e| panic!("{rel} reprinted: {e}"));
    assert_eq!(
        again, m,
        "{rel}: printing and parsing again changed the message"
    );
    m
}

/// The facts a registrar and proxy read from each message.
struct Facts<'a> {
    file: &'a str,
    call_id: &'a str,
    branches: &'a [&'a str],
    from_tag: Option<&'a str>,
    contacts: &'a [&'a str],
}

fn contacts(m: &Message) -> Vec<String> {
    m.headers()
        .contacts()
        .expect("contacts")
        .into_iter()
        .map(|c| match c {
            Contact::Star => "*".to_owned(),
            Contact::Addr(a) => a.uri.to_string(),
        })
        .collect()
}

#[test]
fn valid_messages_parse_with_their_facts() {
    let table = [
        Facts {
            file: "valid/rfc4475-wsinv.sip",
            call_id: "wsinv.ndaksdj@192.0.2.1",
            branches: &["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"],
            from_tag: Some("98asjd8"),
            contacts: &["sip:jdrosen@example.com"],
        },
        Facts {
            file: "valid/rfc4475-intmeth.sip",
            call_id: "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
            branches: &["z9hG4bK-.!%66*_+`'~"],
            from_tag: Some("_token~1'+`*%!-."),
            contacts: &[],
        },
        Facts {
            file: "valid/rfc4475-esc01.sip",
            call_id: "esc01.239409asdfakjkn23onasd0-3234",
            branches: &["z9hG4bKkdjuw"],
            from_tag: Some("938"),
            contacts: &["sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31"],
        },
        Facts {
            file: "valid/rfc4475-esc02.sip",
            call_id: "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
            branches: &["z9hG4bK209180"],
            from_tag: Some("f232jadfj23"),
            contacts: &[
                "sip:alias1@host1.example.com",
                "sip:alias3@host3.example.com",
            ],
        },
        Facts {
            file: "valid/rfc4475-lwsdisp.sip",
            call_id: "lwsdisp.1234abcd@funky.example.com",
            branches: &["z9hG4bKkdjuw"],
            from_tag: Some("323"),
            contacts: &[],
        },
        Facts {
            file: "valid/rfc4475-semiuri.sip",
            call_id: "semiuri.0ha0isndaksdj",
            branches: &["z9hG4bKkdjuw"],
            from_tag: Some("33242"),
            contacts: &[],
        },
        Facts {
            file: "valid/rfc4475-transports.sip",
            call_id: "transports.kijh4akdnaqjkwendsasfdj",
            branches: &[
                "z9hG4bKkdjuw",
                "z9hG4bKklasjdhf",
                "z9hG4bK2980unddj",
                "z9hG4bKasd0f3en",
                "z9hG4bK0a9idfnee",
            ],
            from_tag: Some("323"),
            contacts: &[],
        },
        Facts {
            file: "valid/rfc4475-noreason.sip",
            call_id: "noreason.asndj203insdf99223ndf",
            branches: &["z9hG4bK2398ndaoe"],
            from_tag: Some("39ansfi3"),
            contacts: &["sip:user@host105.example.com"],
        },
        Facts {
            file: "valid/rfc4475-unreason.sip",
            call_id: "unreason.1234ksdfak3j2erwedfsASdf",
            branches: &["z9hG4bK1324923"],
            from_tag: Some("11141343"),
            contacts: &["sip:user@192.0.2.198"],
        },
        Facts {
            file: "valid/rfc4475-dblreq.sip",
            call_id: "dblreq.0ha0isndaksdj99sdfafnl3lk233412",
            branches: &["z9hG4bKkdjuw23492"],
            from_tag: Some("43251j3j324"),
            contacts: &["sip:j.user@host.example.com"],
        },
        Facts {
            file: "valid/baresip-register.sip",
            call_id: "2a1e0c7f5d5b9a43",
            branches: &["z9hG4bKc1b4b2f3a0d46c38"],
            from_tag: Some("b3a8e52c1a7f6a3d"),
            contacts: &["sip:1001-0x55d3c0a8@127.0.0.1:41234;transport=tcp"],
        },
        Facts {
            file: "valid/baresip-register-auth.sip",
            call_id: "2a1e0c7f5d5b9a43",
            branches: &["z9hG4bK7d1e0f31a2b4c5d6"],
            from_tag: Some("b3a8e52c1a7f6a3d"),
            contacts: &["sip:1001-0x55d3c0a8@127.0.0.1:41236;transport=tls"],
        },
        Facts {
            file: "valid/sipp-register.sip",
            call_id: "1-2891@127.0.0.1",
            branches: &["z9hG4bK-2891-1-0"],
            from_tag: Some("2891SIPpTag001"),
            contacts: &["sip:1001@127.0.0.1:5061"],
        },
        Facts {
            file: "valid/sipp-invite.sip",
            call_id: "1-2891@127.0.0.1",
            branches: &["z9hG4bK-2891-1-0"],
            from_tag: Some("2891SIPpTag001"),
            contacts: &["sip:sipp@127.0.0.1:5061"],
        },
        Facts {
            file: "valid/jssip-register-ws.sip",
            call_id: "8g2ms0ulmt7s1jcdddm8uq",
            branches: &["z9hG4bK2618339"],
            from_tag: Some("d8tgbk1e3u"),
            contacts: &["sip:q2u9f1ks@7bq3k9m2lh0d.invalid;transport=ws"],
        },
        Facts {
            file: "valid/compact-multi-contact.sip",
            call_id: "multi-contact.1@192.0.2.20",
            branches: &["z9hG4bKmc1"],
            from_tag: Some("a1"),
            contacts: &[
                "sip:0101@192.0.2.20:5060",
                "sip:0101@192.0.2.21:5060;transport=tcp",
                "sip:0101@[2001:db8::21]:5062",
            ],
        },
        Facts {
            file: "valid/info-dtmf-relay.sip",
            call_id: "call-dtmf.1@192.0.2.30",
            branches: &["z9hG4bKinfo1"],
            from_tag: Some("ans1"),
            contacts: &[],
        },
    ];
    for f in table {
        let m = parse(f.file);
        let h = m.headers();
        assert_eq!(h.call_id(), Ok(f.call_id), "{}", f.file);
        let branches: Vec<String> = h
            .vias()
            .expect("vias")
            .iter()
            .map(|v| v.branch().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(branches, f.branches, "{}", f.file);
        assert_eq!(h.from().expect("from").tag(), f.from_tag, "{}", f.file);
        assert_eq!(contacts(&m), f.contacts, "{}", f.file);
    }
}

#[test]
fn every_valid_file_is_in_the_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/valid");
    let n = std::fs::read_dir(dir).expect("dir").count();
    assert_eq!(
        n, 17,
        "a new corpus file needs its row in valid_messages_parse_with_their_facts"
    );
}

#[test]
fn details_of_the_tortuous_messages() {
    let Message::Request(r) = parse("valid/rfc4475-wsinv.sip") else {
        panic!("request")
    };
    assert_eq!(
        r.uri.to_string(),
        "sip:vivekg@chair-dnrc.example.com;unknownparam"
    );
    assert_eq!(r.headers.to().expect("to").tag(), Some("1918181833n"));
    assert_eq!(r.headers.max_forwards(), Ok(Some(68)));
    assert_eq!(r.headers.cseq().expect("cseq").seq, 9);
    assert_eq!(r.body.len(), 150);
    let unknown = r
        .headers
        .0
        .iter()
        .find(|h| h.name.as_str() == "NewFangledHeader")
        .expect("kept");
    assert_eq!(unknown.value, "newfangled value continued newfangled value");
    let vias = r.headers.vias().expect("vias");
    assert_eq!(
        (vias[1].transport.as_str(), vias[1].host.to_string()),
        ("TCP", "spindle.example.com".into())
    );

    let Message::Request(r) = parse("valid/rfc4475-intmeth.sip") else {
        panic!("request")
    };
    assert_eq!(
        r.method.as_str(),
        "!interesting-Method0123456789_*+`.%indeed'~"
    );
    assert_eq!(
        r.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        r.uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(r.headers.max_forwards(), Ok(Some(255)));

    let Message::Request(r) = parse("valid/rfc4475-esc02.sip") else {
        panic!("request")
    };
    assert_eq!(
        r.method.as_str(),
        "RE%47IST%45R",
        "escapes in a method are not decoded"
    );
    let Message::Request(r) = parse("valid/rfc4475-semiuri.sip") else {
        panic!("request")
    };
    assert_eq!(
        r.uri.user_unescaped().as_deref(),
        Some("user;par=u@example.net")
    );
    assert_eq!(r.uri.host.to_string(), "example.com");

    let Message::Request(r) = parse("valid/rfc4475-dblreq.sip") else {
        panic!("request")
    };
    assert!(
        r.body.is_empty(),
        "the second request in the datagram is ignored"
    );

    let Message::Request(r) = parse("valid/jssip-register-ws.sip") else {
        panic!("request")
    };
    let Contact::Addr(c) = &r.headers.contacts().expect("contacts")[0] else {
        panic!("addr")
    };
    assert_eq!(
        c.params.get("+sip.instance"),
        Some(Some("\"<urn:uuid:4f5e7a9c-1d2b-4c3e-9f8a-0b1c2d3e4f5a>\""))
    );
    assert_eq!(c.params.get("reg-id"), Some(Some("1")));
    assert_eq!(c.params.get("expires"), Some(Some("600")));
    assert_eq!(
        r.headers.top_via().expect("via").expect("top").transport,
        "WSS"
    );
}

#[test]
fn invalid_messages_are_refused_naming_the_problem() {
    let table: [(&str, &str); 14] = [
        ("invalid/rfc4475-badinv01.sip", "Via"),
        ("invalid/rfc4475-clerr.sip", "Content-Length"),
        ("invalid/rfc4475-ncl.sip", "Content-Length"),
        ("invalid/rfc4475-scalar02.sip", "CSeq"),
        ("invalid/rfc4475-quotbal.sip", "To"),
        ("invalid/rfc4475-ltgtruri.sip", "Request-URI"),
        ("invalid/rfc4475-lwsruri.sip", "single spaces"),
        ("invalid/rfc4475-lwsstart.sip", "single spaces"),
        ("invalid/rfc4475-badvers.sip", "SIP/7.0"),
        ("invalid/rfc4475-mismatch01.sip", "CSeq"),
        ("invalid/rfc4475-bigcode.sip", "status code"),
        ("invalid/rfc4475-insuf.sip", "From"),
        ("invalid/bad-cseq-number.sip", "CSeq"),
        ("invalid/truncated-headers.sip", "end of headers"),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/invalid");
    assert_eq!(std::fs::read_dir(dir).expect("dir").count(), table.len());
    for (file, needle) in table {
        let err: ParseError = match parse_datagram(&load(file)) {
            Err(e) => e,
            Ok(m) => m.check().expect_err(file),
        };
        assert!(err.to_string().contains(needle), "{file}: {err}");
    }
}
