//! Messages to bytes. Headers print one per line with canonical names; Content-Length is
//! always written last, from the body.
//!
//! Every message the server sends passes through here, so a message is written into one
//! buffer sized for it up front, headers copied as they are rather than through the
//! formatting machinery.

use std::io::Write as _;

use bytes::Bytes;

use super::headers::Headers;
use super::{Message, Request, Response, SIP_VERSION};

/// Room for a start line: longer ones (a long Request-URI) grow the buffer once.
const START_LINE: usize = 128;
/// `Content-Length: ` with up to 20 digits and the blank line.
const CONTENT_LENGTH: usize = 40;

fn buffer(headers: &Headers, body: &Bytes) -> Vec<u8> {
    let headers_len: usize = headers
        .0
        .iter()
        .map(|h| h.name.as_str().len() + 2 + h.value.len() + 2)
        .sum();
    Vec::with_capacity(START_LINE + headers_len + CONTENT_LENGTH + body.len())
}

fn finish(mut out: Vec<u8>, headers: &Headers, body: &Bytes) -> Bytes {
    for h in &headers.0 {
        out.extend_from_slice(h.name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Length: ");
    push_decimal(&mut out, body.len());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    Bytes::from(out)
}

fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0; 20];
    out.extend_from_slice(decimal(n as u64, &mut digits));
}

/// `n` in decimal digits, written into the end of `digits` without the formatting machinery
/// (every message's Content-Length, every transaction key's port).
pub(crate) fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        // n % 10 < 10, so the cast keeps the value.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &digits[at..]
}

impl Request {
    pub fn to_bytes(&self) -> Bytes {
        let mut out = buffer(&self.headers, &self.body);
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{}", self.uri);
        out.push(b' ');
        out.extend_from_slice(SIP_VERSION.as_bytes());
        out.extend_from_slice(b"\r\n");
        finish(out, &self.headers, &self.body)
    }
}

impl Response {
    pub fn to_bytes(&self) -> Bytes {
        let mut out = buffer(&self.headers, &self.body);
        out.extend_from_slice(SIP_VERSION.as_bytes());
        out.push(b' ');
        push_decimal(&mut out, usize::from(self.status));
        out.push(b' ');
        out.extend_from_slice(self.reason.as_bytes());
        out.extend_from_slice(b"\r\n");
        finish(out, &self.headers, &self.body)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_as_numbers() {
        for n in [0usize, 7, 10, 180, 65_535, usize::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
