//! Header values as the typed accessors parse them: URIs, name-addrs, Contact, Via, CSeq,
//! delta-seconds and digest credentials never panic; what parses prints and parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_sip::digest::Credentials;
use porter_sip::message::{CSeq, Contact, NameAddr, Uri, Via, delta_seconds};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 7 {
        0 => {
            if let Ok(u) = Uri::parse(text) {
                assert_eq!(Uri::parse(&u.to_string()).ok(), Some(u));
            }
        }
        1 => {
            if let Ok(n) = NameAddr::parse(text, "To") {
                assert_eq!(NameAddr::parse(&n.to_string(), "To").ok(), Some(n));
            }
        }
        2 => {
            let _ = Contact::parse(text);
        }
        3 => {
            if let Ok(v) = Via::parse(text) {
                assert_eq!(Via::parse(&v.to_string()).ok(), Some(v));
            }
        }
        4 => {
            if let Ok(c) = CSeq::parse(text) {
                assert_eq!(CSeq::parse(&c.to_string()).ok(), Some(c));
            }
        }
        5 => {
            let _ = delta_seconds(text, "Expires");
        }
        _ => {
            let _ = Credentials::parse(text);
        }
    }
});
