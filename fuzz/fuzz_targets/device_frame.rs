//! The device protocol's framing: any bytes, split anywhere, never panic; the buffer never
//! holds more than one frame's worth past the limit; a frame that decodes encodes again.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use porter_proto::device::v1 as d;
use porter_proto::frame;

const MAX: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let mut buf = BytesMut::new();
    for piece in bytes.chunks(usize::from(split).max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match frame::decode::<d::DeviceFrame>(&mut buf, MAX) {
                Ok(Some(f)) => {
                    let mut again = BytesMut::new();
                    if frame::encode(&f, &mut again, MAX).is_ok() {
                        let back = frame::decode::<d::DeviceFrame>(&mut again, MAX)
                            .expect("a frame we encoded decodes")
                            .expect("whole");
                        assert_eq!(back, f);
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() < MAX + 4 + usize::from(split).max(1));
    }
    let _ = frame::decode_message::<d::DeviceFrame>(bytes, MAX);
});
