//! Device protocol framing, free of IO: a 4-byte big-endian length, then that many bytes of
//! one protobuf message (`DeviceFrame` from a device, `ServerFrame` from the gateway). Used
//! on TLS/TCP and on QUIC streams; WebSocket carries one message per binary frame and needs
//! no length prefix (`decode_message` alone).
//!
//! As in mini-redis, `check` answers "incomplete" until a whole frame is buffered, and the
//! length is checked against the limit before anything is allocated for it.

use bytes::{Buf, BufMut, BytesMut};
use prost::Message;

/// Bytes of the length prefix.
pub const HEADER_LEN: usize = 4;
/// Default largest frame body: commands, events and tunnel chunks fit well within it.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {len} bytes is larger than the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("empty frame")]
    Empty,
    #[error("frame is not a valid message: {0}")]
    Decode(String),
}

/// What `check` found in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// At least this many more bytes are needed.
    Incomplete(usize),
    /// A whole frame of this many bytes (header included) is buffered.
    Ready(usize),
}

/// Looks at the start of `buf` without consuming it.
pub fn check(buf: &[u8], max: usize) -> Result<Check, FrameError> {
    if buf.len() < HEADER_LEN {
        return Ok(Check::Incomplete(HEADER_LEN - buf.len()));
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let total = HEADER_LEN + len;
    Ok(if buf.len() < total {
        Check::Incomplete(total - buf.len())
    } else {
        Check::Ready(total)
    })
}

/// Takes one whole frame off the front of `buf`, if one is there.
pub fn decode<M: Message + Default>(
    buf: &mut BytesMut,
    max: usize,
) -> Result<Option<M>, FrameError> {
    match check(buf, max)? {
        Check::Incomplete(_) => Ok(None),
        Check::Ready(total) => {
            buf.advance(HEADER_LEN);
            let body = buf.split_to(total - HEADER_LEN);
            decode_message(&body, max).map(Some)
        }
    }
}

/// One message without a length prefix (a WebSocket binary frame).
pub fn decode_message<M: Message + Default>(body: &[u8], max: usize) -> Result<M, FrameError> {
    if body.is_empty() {
        return Err(FrameError::Empty);
    }
    if body.len() > max {
        return Err(FrameError::TooLarge {
            len: body.len(),
            max,
        });
    }
    M::decode(body).map_err(|e| FrameError::Decode(e.to_string()))
}

/// Appends `msg` as one frame.
pub fn encode<M: Message>(msg: &M, dst: &mut BytesMut, max: usize) -> Result<(), FrameError> {
    let len = msg.encoded_len();
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    dst.reserve(HEADER_LEN + len);
    dst.put_u32(len as u32);
    msg.encode(dst)
        .map_err(|e| FrameError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::v1::{self as d, device_frame::Body};

    fn hello() -> d::DeviceFrame {
        d::DeviceFrame {
            body: Some(Body::Hello(d::Hello {
                protocol_versions: vec![1],
                mac: "0C11050B9814".into(),
                model: "R29".into(),
                firmware_version: "29.30.2.805".into(),
                credential: "dc_x".into(),
                ..Default::default()
            })),
        }
    }

    #[test]
    fn round_trip_byte_by_byte() {
        let mut wire = BytesMut::new();
        encode(&hello(), &mut wire, DEFAULT_MAX_FRAME).unwrap();
        encode(
            &d::DeviceFrame {
                body: Some(Body::Heartbeat(d::Heartbeat { seq: 7 })),
            },
            &mut wire,
            DEFAULT_MAX_FRAME,
        )
        .unwrap();
        // Fed one byte at a time, frames appear exactly when complete.
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in wire.iter() {
            buf.put_u8(*b);
            while let Some(f) = decode::<d::DeviceFrame>(&mut buf, DEFAULT_MAX_FRAME).unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], hello());
        assert!(buf.is_empty());
    }

    #[test]
    fn limits_are_checked_before_buffering() {
        let mut buf = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff][..]);
        assert_eq!(
            decode::<d::DeviceFrame>(&mut buf, DEFAULT_MAX_FRAME),
            Err(FrameError::TooLarge {
                len: 0x7fff_ffff,
                max: DEFAULT_MAX_FRAME
            })
        );
        let mut empty = BytesMut::from(&[0, 0, 0, 0][..]);
        assert_eq!(
            decode::<d::DeviceFrame>(&mut empty, DEFAULT_MAX_FRAME),
            Err(FrameError::Empty)
        );
        assert_eq!(check(&[0, 0], 10), Ok(Check::Incomplete(2)));
        assert_eq!(check(&[0, 0, 0, 5, 1], 10), Ok(Check::Incomplete(4)));
        let big = d::DeviceFrame {
            body: Some(Body::TunnelData(d::TunnelData {
                stream_id: 1,
                data: vec![0; 100],
            })),
        };
        assert!(matches!(
            encode(&big, &mut BytesMut::new(), 50),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        // Deterministic pseudo-random bodies: every one either decodes or errors.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 1..300usize {
            let mut body = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                body.push(x as u8);
            }
            let mut buf = BytesMut::new();
            buf.put_u32(len as u32);
            buf.extend_from_slice(&body);
            let _ = decode::<d::DeviceFrame>(&mut buf, DEFAULT_MAX_FRAME);
            let _ = decode_message::<d::ServerFrame>(&body, DEFAULT_MAX_FRAME);
        }
        let mut bad = BytesMut::new();
        bad.put_u32(2);
        bad.extend_from_slice(&[0xff, 0xff]);
        assert!(matches!(
            decode::<d::DeviceFrame>(&mut bad, DEFAULT_MAX_FRAME),
            Err(FrameError::Decode(_))
        ));
    }
}
