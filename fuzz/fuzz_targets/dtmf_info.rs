//! An INFO body and its Content-Type: reading DTMF keys never panics and yields only keys a
//! phone can send.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_sip::dtmf;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let content_type = match which % 3 {
        0 => "application/dtmf-relay",
        1 => "application/dtmf",
        _ => "application/sdp",
    };
    for key in dtmf::keys(Some(content_type), body) {
        assert!(key.is_ascii_digit() || matches!(key, '*' | '#' | 'A'..='D'));
    }
});
