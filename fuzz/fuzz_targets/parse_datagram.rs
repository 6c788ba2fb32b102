//! A datagram (or WebSocket message): parsing never panics, and whatever parses and passes
//! its check prints to bytes that parse again to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_sip::message::{Message, parse_datagram};

fuzz_target!(|data: &[u8]| {
    let Ok(m) = parse_datagram(data) else { return };
    if m.check().is_err() {
        return;
    }
    let printed = match &m {
        Message::Request(r) => r.to_bytes(),
        Message::Response(r) => r.to_bytes(),
    };
    let again = parse_datagram(&printed).expect("what Porter prints, Porter parses");
    assert_eq!(again, m, "printing and parsing again changes nothing");
});
