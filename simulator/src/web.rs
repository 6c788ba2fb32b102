//! The device's own web interface, as remote control reaches it: HTTP/1.1 requests arrive as
//! tunnel data on a stream, and each gets a small status page (or 404) back on the same
//! stream, keep-alive included.

use std::collections::HashMap;

use porter_proto::device::v1::{self as d, device_frame::Body};

use crate::device::DeviceSpec;

/// Largest request head a stream may buffer; past it the stream gets 431 and is closed.
const MAX_HEAD: usize = 16 * 1024;

pub struct WebInterface {
    page: String,
    /// Open streams and the bytes of the request being read.
    streams: HashMap<u32, Vec<u8>>,
}

impl WebInterface {
    pub fn new(spec: &DeviceSpec) -> Self {
        WebInterface {
            page: format!(
                "<!doctype html><html><head><title>{model} {mac}</title></head><body>\
                 <h1>{model}</h1><p>MAC {mac}</p><p>Firmware {fw}</p>\
                 <p>Device type {ty}</p></body></html>",
                model = spec.model,
                mac = spec.mac,
                fw = spec.firmware_version,
                ty = spec.device_type
            ),
            streams: HashMap::new(),
        }
    }

    pub fn open(&mut self, stream_id: u32, _port: u32) {
        // Bounded: a device serves a handful of browser connections at once.
        if self.streams.len() < 64 {
            self.streams.insert(stream_id, Vec::new());
        }
    }

    pub fn close(&mut self, stream_id: u32) {
        self.streams.remove(&stream_id);
    }

    /// Takes request bytes; returns the frames to send back.
    pub fn data(&mut self, stream_id: u32, data: &[u8]) -> Vec<Body> {
        let Some(buf) = self.streams.get_mut(&stream_id) else {
            return vec![Body::TunnelClose(d::TunnelClose { stream_id })];
        };
        buf.extend_from_slice(data);
        let mut out = Vec::new();
        loop {
            let Some(end) = find(buf, b"\r\n\r\n") else {
                if buf.len() > MAX_HEAD {
                    out.push(reply(
                        stream_id,
                        431,
                        "Request Header Fields Too Large",
                        "",
                        true,
                    ));
                    out.push(Body::TunnelClose(d::TunnelClose { stream_id }));
                    self.streams.remove(&stream_id);
                }
                return out;
            };
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let body_len = content_length(&head);
            if buf.len() < end + 4 + body_len {
                return out;
            }
            buf.drain(..end + 4 + body_len);
            let mut words = head.split_whitespace();
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let close = head.to_ascii_lowercase().contains("connection: close");
            let resp = match (method, path) {
                ("GET" | "HEAD", "/" | "/index.html") => {
                    let body = if method == "HEAD" { "" } else { &self.page };
                    reply(stream_id, 200, "OK", body, close)
                }
                _ => reply(stream_id, 404, "Not Found", "not found\n", close),
            };
            out.push(resp);
            if close {
                out.push(Body::TunnelClose(d::TunnelClose { stream_id }));
                self.streams.remove(&stream_id);
                return out;
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

fn reply(stream_id: u32, code: u16, reason: &str, body: &str, close: bool) -> Body {
    let content_type = if code == 200 {
        "text/html; charset=utf-8"
    } else {
        "text/plain"
    };
    let connection = if close { "close" } else { "keep-alive" };
    let data = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
        body.len()
    );
    Body::TunnelData(d::TunnelData {
        stream_id,
        data: data.into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DeviceSpec {
        DeviceSpec {
            mac: "0C110500AA01".into(),
            credential: String::new(),
            model: "R29".into(),
            firmware_version: "29.30.2.805".into(),
            device_type: 0,
        }
    }

    fn text(b: &Body) -> String {
        match b {
            Body::TunnelData(t) => String::from_utf8(t.data.clone()).unwrap_or_default(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn answers_split_and_pipelined_requests() {
        let mut w = WebInterface::new(&spec());
        w.open(7, 80);
        assert!(w.data(7, b"GET / HTTP/1.1\r\nHost: x\r\n").is_empty());
        let out = w.data(7, b"\r\nGET /nope HTTP/1.1\r\n\r\n");
        assert_eq!(out.len(), 2);
        assert!(text(&out[0]).starts_with("HTTP/1.1 200 OK"));
        assert!(text(&out[0]).contains("MAC 0C110500AA01"));
        assert!(text(&out[1]).starts_with("HTTP/1.1 404"));
        let out = w.data(7, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(matches!(out.last(), Some(Body::TunnelClose(_))));
        // The stream is gone: more data is answered with a close.
        assert!(matches!(w.data(7, b"x").as_slice(), [Body::TunnelClose(_)]));
    }
}
