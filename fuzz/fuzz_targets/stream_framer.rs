//! A TCP or TLS stream cut into arbitrary reads: the framer never panics, never holds more
//! than its limit, and stops at the first error.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use porter_sip::message::StreamFramer;

const MAX: usize = 4096;

fuzz_target!(|data: &[u8]| {
    // The first byte says how long each read is.
    let Some((&step, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut framer = StreamFramer::new(MAX);
    let mut buf = BytesMut::new();
    for chunk in rest.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            match framer.next(&mut buf) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() <= MAX + step, "the framer bounds what it buffers");
    }
});
