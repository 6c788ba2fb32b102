//! Messages to bytes. Headers print one per line with canonical names; Content-Length is
//! always written last, from the body.

use std::fmt::Write as _;

use bytes::{BufMut, Bytes, BytesMut};

use super::headers::Headers;
use super::{Message, Request, Response, SIP_VERSION};

fn write_headers(out: &mut String, headers: &Headers, body: &Bytes) {
    for h in &headers.0 {
        let _ = write!(out, "{}: {}\r\n", h.name, h.value);
    }
    let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
}

impl Request {
    pub fn to_bytes(&self) -> Bytes {
        let mut head = String::with_capacity(512);
        let _ = write!(head, "{} {} {SIP_VERSION}\r\n", self.method, self.uri);
        write_headers(&mut head, &self.headers, &self.body);
        join(head, &self.body)
    }
}

impl Response {
    pub fn to_bytes(&self) -> Bytes {
        let mut head = String::with_capacity(512);
        let _ = write!(head, "{SIP_VERSION} {} {}\r\n", self.status, self.reason);
        write_headers(&mut head, &self.headers, &self.body);
        join(head, &self.body)
    }
}

impl Message {
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

fn join(head: String, body: &Bytes) -> Bytes {
    if body.is_empty() {
        return Bytes::from(head);
    }
    let mut out = BytesMut::with_capacity(head.len() + body.len());
    out.put_slice(head.as_bytes());
    out.put_slice(body);
    out.freeze()
}
