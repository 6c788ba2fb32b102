use bytes::BytesMut;

use super::*;

fn req(text: &str) -> Request {
    match parse_datagram(text.replace('\n', "\r\n").as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

const REGISTER: &str = "REGISTER sip:porter.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport
From: <sip:1001@porter.example.com>;tag=a
To: <sip:1001@porter.example.com>
Call-ID: c1
CSeq: 1 REGISTER
Contact: <sip:1001@192.0.2.1:5060>;expires=60
Max-Forwards: 70
Content-Length: 0

";

#[test]
fn register_parses_and_prints_back() {
    let r = req(REGISTER);
    assert_eq!(r.method, Method::Register);
    r.check().expect("valid");
    assert_eq!(r.headers.call_id(), Ok("c1"));
    let via = r.headers.top_via().expect("via").expect("present");
    assert_eq!(via.transport, "UDP");
    assert_eq!(via.port, Some(5060));
    assert_eq!(via.branch(), Some("z9hG4bK1"));
    assert!(via.params.has("rport"));
    let again = parse_datagram(&r.to_bytes()).expect("reparse");
    assert_eq!(again, Message::Request(r));
}

#[test]
fn cseq_method_must_match() {
    let r = req(&REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE"));
    let e = r.check().expect_err("mismatch");
    assert!(e.to_string().contains("CSeq"), "{e}");
}

#[test]
fn missing_headers_are_named() {
    for (line, name) in [
        ("Call-ID: c1\n", "Call-ID"),
        ("From: <sip:1001@porter.example.com>;tag=a\n", "From"),
        ("To: <sip:1001@porter.example.com>\n", "To"),
        ("CSeq: 1 REGISTER\n", "CSeq"),
        (
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport\n",
            "Via",
        ),
    ] {
        let r = req(&REGISTER.replace(line, ""));
        assert_eq!(r.check(), Err(ParseError::MissingHeader(name)));
    }
}

#[test]
fn max_forwards_and_expires_ranges() {
    let r = req(&REGISTER.replace("Max-Forwards: 70", "Max-Forwards: 256"));
    assert!(
        r.check()
            .expect_err("256")
            .to_string()
            .contains("Max-Forwards")
    );
    let r = req(&REGISTER.replace("Max-Forwards: 70", "Expires: 99999999999999999999"));
    assert_eq!(r.headers.expires(), Ok(Some(u32::MAX)));
    let r = req(&REGISTER.replace("Max-Forwards: 70", "Expires: soon"));
    assert!(r.check().is_err());
}

#[test]
fn uri_parts() {
    let u =
        Uri::parse("sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?subject=x").expect("uri");
    assert_eq!(u.scheme, Scheme::Sips);
    assert_eq!(u.user.as_deref(), Some("alice"));
    assert_eq!(u.password.as_deref(), Some("secret"));
    assert_eq!(u.host, Host::V6("2001:db8::1".parse().expect("ip")));
    assert_eq!(u.port, Some(5061));
    assert_eq!(u.transport().as_deref(), Some("tls"));
    assert_eq!(u.params.get("lr"), Some(None));
    assert_eq!(u.headers.as_deref(), Some("subject=x"));
    assert_eq!(
        u.to_string(),
        "sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?subject=x"
    );
    let u = Uri::parse("sip:%75se%72@Example.COM").expect("escaped");
    assert_eq!(u.user_unescaped().as_deref(), Some("user"));
    assert_eq!(u.host, Host::Name("example.com".into()));
    let t = Uri::parse("tel:+15551234567;phone-context=example.com").expect("tel");
    assert_eq!(t.to_string(), "tel:+15551234567;phone-context=example.com");
    for bad in [
        "",
        "sip:",
        "http://x",
        "sip:user@",
        "sip:a b@x",
        "sip:x:0",
        "sip:x:99999",
        "sip:[::1",
    ] {
        assert!(Uri::parse(bad).is_err(), "{bad:?} accepted");
    }
}

/// The tag read alone is the tag the full parse finds, in every form a value takes.
#[test]
fn a_tag_read_alone_is_the_tag_of_the_parsed_value() {
    for value in [
        r#""Door \"A\";tag=no" <sip:0101@x.example;tag=uri>;tag=1 ; q = 0.5"#,
        "sip:0101@x.example;tag=9",
        "<sip:0101@x.example> ; TAG = 7f ;x",
        "Lobby Door <sip:0101@x.example>",
        "<sip:0101@x.example>;tag",
        "<sip:0101@x.example>;q=\"a;tag=b\";tag=c",
    ] {
        let parsed = NameAddr::parse(value, "To").expect(value);
        assert_eq!(
            NameAddr::tag_of(value, "To").expect(value),
            parsed.tag(),
            "{value}"
        );
    }
    assert_eq!(
        NameAddr::tag_of("<sip:a@b>;tag=1;tag=2", "To").expect("two tags"),
        Some("1")
    );
}

#[test]
fn name_addr_forms() {
    let a = NameAddr::parse(
        r#""Door \"A\"" <sip:0101@x.example>;tag=1 ; q = 0.5"#,
        "From",
    )
    .expect("quoted");
    assert_eq!(a.display.as_deref(), Some(r#""Door \"A\"""#));
    assert_eq!(a.tag(), Some("1"));
    assert_eq!(a.params.get("q"), Some(Some("0.5")));
    let a = NameAddr::parse("sip:0101@x.example;tag=9", "To").expect("addr-spec");
    assert_eq!(
        a.uri.params.0.len(),
        0,
        "an addr-spec's ;params belong to the header"
    );
    assert_eq!(a.tag(), Some("9"));
    let a = NameAddr::parse("Lobby Door <sip:0101@x.example>", "From").expect("token display");
    assert_eq!(a.display.as_deref(), Some("Lobby Door"));
    for bad in [
        r#""unterminated <sip:a@b>"#,
        "Bell, Alexander <sip:a@b>",
        "<sip:a@b >",
        "<sip:a@b>;;",
        "<sip:a@b",
        "sip:a@b?x=y",
    ] {
        assert!(NameAddr::parse(bad, "To").is_err(), "{bad:?} accepted");
    }
}

#[test]
fn list_headers_split_outside_quotes_and_brackets() {
    let r = req(&REGISTER.replace(
        "Contact: <sip:1001@192.0.2.1:5060>;expires=60",
        "Contact: \"a, b\" <sip:1@h1;x=1,2>;expires=1, <sip:2@h2>\nContact: sip:3@h3",
    ));
    let c = r.headers.contacts().expect("contacts");
    assert_eq!(c.len(), 3);
}

#[test]
fn stream_framer_waits_for_whole_messages_and_answers_pings() {
    let mut f = StreamFramer::new(4096);
    let msg = REGISTER
        .replace('\n', "\r\n")
        .replace("Content-Length: 0", "Content-Length: 5")
        + "hello";
    let bytes = format!("\r\n\r\n{msg}{msg}");
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    // Feed one byte at a time: every split point must work.
    for b in bytes.as_bytes() {
        buf.extend_from_slice(&[*b]);
        while let Some(item) = f.next(&mut buf).expect("frame") {
            got.push(item);
        }
    }
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], Framed::Ping);
    let Framed::Message(m) = &got[2] else {
        panic!("message")
    };
    let Message::Request(r) = m.as_ref() else {
        panic!("request")
    };
    assert_eq!(&r.body[..], b"hello");
    assert!(buf.is_empty());
}

#[test]
fn stream_framer_refuses_oversized_messages_before_buffering_them() {
    let mut f = StreamFramer::new(256);
    let mut buf = BytesMut::from(&b"REGISTER sip:x SIP/2.0\r\n"[..]);
    buf.extend_from_slice(&[b'a'; 300]);
    assert_eq!(f.next(&mut buf), Err(ParseError::TooLarge(256)));
    let big = REGISTER
        .replace('\n', "\r\n")
        .replace("Content-Length: 0", "Content-Length: 100000");
    let mut buf = BytesMut::from(big.as_bytes());
    assert_eq!(
        StreamFramer::new(4096).next(&mut buf),
        Err(ParseError::TooLarge(4096))
    );
}

#[test]
fn response_line() {
    let text = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\n\r\n";
    let Ok(Message::Response(r)) = parse_datagram(text.as_bytes()) else {
        panic!("response")
    };
    assert_eq!(
        (r.status, r.reason.as_str(), r.class()),
        (180, "Ringing", 1)
    );
    r.check().expect("valid");
    assert!(matches!(
        parse_datagram(text.replace("180", "1800").as_bytes()),
        Err(ParseError::StartLine(_))
    ));
}

#[test]
fn a_multibyte_character_at_the_version_boundary_is_an_error_not_a_panic() {
    // Found by the parse_datagram and stream_framer fuzz targets.
    for start in ["SIPв 200 OK", "INVITE sip:a@b SIPǛ/2.0", "SIPǛ"] {
        let text = format!("{start}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n");
        assert!(super::parse_datagram(text.as_bytes()).is_err(), "{start}");
    }
}

#[test]
fn a_host_appended_by_hand_prints_as_displayed() {
    for h in [
        "0.0.0.0",
        "9.10.99.100",
        "127.0.0.1",
        "255.255.255.255",
        "[2001:db8::1]",
        "porter.example.com",
    ] {
        let host = Host::parse(h).expect(h);
        let mut out = String::from("x");
        host.push_to(&mut out);
        assert_eq!(out, format!("x{host}"), "{h}");
    }
}

#[test]
fn lists_split_only_outside_quotes_and_brackets() {
    use super::grammar::split_top;
    assert_eq!(split_top("a", b','), Ok(vec!["a"]));
    assert_eq!(split_top("", b','), Ok(vec![""]));
    assert_eq!(split_top("a,b,", b','), Ok(vec!["a", "b", ""]));
    assert_eq!(
        split_top(r#""x, \"y\"" <sip:a;b,c>;p=1, <sip:d>"#, b','),
        Ok(vec![r#""x, \"y\"" <sip:a;b,c>;p=1"#, " <sip:d>"])
    );
    assert_eq!(
        split_top(r#"<sip:a"b>;q="c;d";e"#, b';'),
        Ok(vec![r#"<sip:a"b>"#, r#"q="c;d""#, "e"])
    );
    assert_eq!(split_top("a>b,c", b','), Ok(vec!["a>b", "c"]));
    assert_eq!(split_top("<sip:a, b", b','), Err("unclosed <"));
    assert_eq!(
        split_top(r#"a, "b, c"#, b','),
        Err("unterminated quoted string")
    );
    assert_eq!(split_top(r#""a\"#, b','), Err("unterminated quoted string"));
}

#[test]
fn a_list_header_without_commas_is_one_entry_and_an_empty_one_none() {
    let r = req(&REGISTER.replace(
        "Max-Forwards: 70",
        "Max-Forwards: 70\nSupported:  \nAllow: INVITE,  ACK,,BYE\nRoute: <sip:a;lr>",
    ));
    assert_eq!(r.headers.all(&HeaderName::Supported).count(), 0);
    let allow: Vec<_> = r.headers.all(&HeaderName::Allow).collect();
    assert_eq!(allow, ["INVITE", "ACK", "BYE"]);
    let route: Vec<_> = r.headers.all(&HeaderName::Route).collect();
    assert_eq!(route, ["<sip:a;lr>"]);
}

#[test]
fn lines_are_cut_as_str_split_cuts_them() {
    for text in [
        "",
        "a",
        "a\n",
        "\n",
        "a\r\nb\n\nc",
        "é\nü\n",
        "no newline at all",
    ] {
        let ours: Vec<_> = super::parse::split_at_byte(text, b'\n').collect();
        let std: Vec<_> = text.split('\n').collect();
        assert_eq!(ours, std, "{text:?}");
    }
}
