//! Bytes to messages: the start line, the header block (folded lines joined, compact names
//! expanded, list headers split) and the body by Content-Length, for datagrams and for
//! streams (RFC 3261 §7.5, §18.3).

use std::borrow::Cow;

use bytes::{Buf, Bytes, BytesMut};
use memchr::memmem;

use super::error::ParseError;
use super::grammar::{split_top, trim_ws};
use super::headers::{Header, HeaderName, Headers};
use super::method::Method;
use super::uri::Uri;
use super::{Message, Request, Response, SIP_VERSION};

/// The end of the header block: the first empty line (CRLF CRLF, or LF LF from a sloppy
/// sender).
fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = memmem::find(buf, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = memmem::find(buf, b"\n\n").map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// A whole message in one UDP datagram (or WebSocket message). Bytes after the
/// Content-Length are ignored (RFC 3261 §18.3); a body shorter than it is an error.
pub fn parse_datagram(buf: &[u8]) -> Result<Message, ParseError> {
    let (head, body_at) = match head_end(buf) {
        Some(p) => p,
        None => return Err(ParseError::MissingHeader("end of headers (empty line)")),
    };
    let (start, headers, length) = parse_head(&buf[..head])?;
    let rest = &buf[body_at..];
    let body = match length {
        None => Bytes::copy_from_slice(rest),
        Some(n) if n <= rest.len() => Bytes::copy_from_slice(&rest[..n]),
        Some(n) => {
            return Err(ParseError::BodyTruncated {
                declared: n,
                got: rest.len(),
            });
        }
    };
    Ok(start.into_message(headers, body))
}

/// What a stream framer found.
#[derive(Debug, PartialEq)]
pub enum Framed {
    Message(Box<Message>),
    /// A CRLF CRLF keep-alive ping (RFC 5626 §4.4.1), answered with one CRLF.
    Ping,
}

/// Cuts messages out of a TCP or TLS byte stream. `next` says `Ok(None)` until a whole
/// message is buffered; no message may exceed `max` bytes, checked before its body is
/// waited for.
#[derive(Debug)]
pub struct StreamFramer {
    max: usize,
}

impl StreamFramer {
    pub fn new(max: usize) -> StreamFramer {
        StreamFramer { max }
    }

    pub fn next(&mut self, buf: &mut BytesMut) -> Result<Option<Framed>, ParseError> {
        // Keep-alives: CRLF CRLF is a ping; a lone CRLF (a pong, or padding) is skipped.
        loop {
            if buf.starts_with(b"\r\n\r\n") {
                buf.advance(4);
                return Ok(Some(Framed::Ping));
            }
            if !buf.is_empty() && b"\r\n\r\n".starts_with(buf) {
                return Ok(None);
            }
            if !buf.starts_with(b"\r\n") {
                break;
            }
            buf.advance(2);
        }
        let Some((head, body_at)) = head_end(buf) else {
            if buf.len() > self.max {
                return Err(ParseError::TooLarge(self.max));
            }
            return Ok(None);
        };
        if head > self.max {
            return Err(ParseError::TooLarge(self.max));
        }
        let (start, headers, length) = parse_head(&buf[..head])?;
        // A stream must say how long the body is (§18.3); without it there is none.
        let length = length.unwrap_or(0);
        if body_at + length > self.max {
            return Err(ParseError::TooLarge(self.max));
        }
        if buf.len() < body_at + length {
            return Ok(None);
        }
        buf.advance(body_at);
        let body = buf.split_to(length).freeze();
        Ok(Some(Framed::Message(Box::new(
            start.into_message(headers, body),
        ))))
    }
}

enum StartLine {
    Request(Method, Uri),
    Response(u16, String),
}

impl StartLine {
    fn into_message(self, headers: Headers, body: Bytes) -> Message {
        match self {
            StartLine::Request(method, uri) => Message::Request(Request {
                method,
                uri,
                headers,
                body,
            }),
            StartLine::Response(status, reason) => Message::Response(Response {
                status,
                reason,
                headers,
                body,
            }),
        }
    }
}

/// Whether `s` starts with "SIP/" in any case. On bytes: slicing the str at 4 would panic
/// when a multi-byte character straddles it (found by the parse_datagram fuzz target).
fn starts_with_sip(s: &str) -> bool {
    s.as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
}

fn check_version(v: &str) -> Result<(), ParseError> {
    if v.eq_ignore_ascii_case(SIP_VERSION) {
        return Ok(());
    }
    if v.len() > 4 && starts_with_sip(v) {
        return Err(ParseError::Version(v.to_owned()));
    }
    Err(ParseError::StartLine(format!("{v:?} is not a SIP version")))
}

fn parse_start(line: &str) -> Result<StartLine, ParseError> {
    if line.len() > 4 && starts_with_sip(line) {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let mut parts = line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        check_version(version)?;
        let code = parts.next().unwrap_or_default();
        let status = code
            .parse::<u16>()
            .ok()
            .filter(|c| code.len() == 3 && (100..700).contains(c))
            .ok_or_else(|| ParseError::StartLine(format!("status code {code:?} is not 100-699")))?;
        let reason = parts.next().unwrap_or_default().to_owned();
        return Ok(StartLine::Response(status, reason));
    }
    // Request-Line = Method SP Request-URI SP SIP-Version: single spaces, none elsewhere.
    let (method, rest) = line
        .split_once(' ')
        .ok_or_else(|| ParseError::StartLine(format!("{line:?}")))?;
    let (uri, version) = rest
        .rsplit_once(' ')
        .ok_or_else(|| ParseError::StartLine(format!("{line:?}")))?;
    if uri.is_empty() || uri.contains([' ', '\t']) || version.is_empty() {
        return Err(ParseError::StartLine(format!(
            "request line must be `METHOD URI SIP/2.0` with single spaces: {line:?}"
        )));
    }
    check_version(version)?;
    let method = Method::parse(method)?;
    let uri = Uri::parse(uri).map_err(|e| ParseError::StartLine(format!("Request-URI: {e}")))?;
    Ok(StartLine::Request(method, uri))
}

/// `text.split(byte)` for an ASCII byte, found with the memchr crate's vector search: every
/// line of every message is cut here.
pub(super) fn split_at_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    debug_assert!(byte.is_ascii());
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(byte, r.as_bytes()) {
            // An ASCII byte is a character boundary on both sides.
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Parses the header block (without its empty line): the start line, every header, and
/// the Content-Length (which is not kept among the headers: the printer writes its own).
fn parse_head(head: &[u8]) -> Result<(StartLine, Headers, Option<usize>), ParseError> {
    let text = std::str::from_utf8(head).map_err(|_| ParseError::NotUtf8)?;
    let mut lines = split_at_byte(text, b'\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start = parse_start(lines.next().unwrap_or_default())?;
    // Join folded lines first: a line starting with white space continues the last one.
    // Lines stay borrowed from the datagram unless they are folded (rare).
    let mut raw: Vec<Cow<'_, str>> = Vec::with_capacity(16);
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = raw
                .last_mut()
                .ok_or_else(|| ParseError::StartLine("folded line before any header".into()))?
                .to_mut();
            last.push(' ');
            last.push_str(trim_ws(line));
        } else {
            raw.push(Cow::Borrowed(line));
        }
    }
    let mut headers = Headers(Vec::with_capacity(raw.len() + 2));
    let mut length = None;
    for line in &raw {
        let colon = memchr::memchr(b':', line.as_bytes());
        let (name, value) = colon.map(|i| (&line[..i], &line[i + 1..])).ok_or_else(|| {
            ParseError::header(
                line.chars().take(40).collect::<String>().as_str(),
                "no colon",
            )
        })?;
        let name = trim_ws(name);
        if !HeaderName::valid(name) {
            return Err(ParseError::header(name, "not a valid header name"));
        }
        let name = HeaderName::parse(name);
        let value = trim_ws(value);
        if name == HeaderName::ContentLength {
            let n = value
                .parse::<usize>()
                .ok()
                .filter(|_| value.bytes().all(|c| c.is_ascii_digit()))
                .ok_or_else(|| ParseError::ContentLength(value.to_owned()))?;
            if length.is_some_and(|l| l != n) {
                return Err(ParseError::ContentLength("two different values".into()));
            }
            length = Some(n);
            continue;
        }
        // A list value without a comma, quote or bracket is one element: most Vias and
        // Contacts, taken without splitting.
        if name.is_list() && memchr::memchr3(b',', b'"', b'<', value.as_bytes()).is_some() {
            let parts = split_top(value, b',').map_err(|e| ParseError::header(name.as_str(), e))?;
            for p in parts {
                let p = trim_ws(p);
                // Empty list elements are allowed by the `#` rule and carry nothing.
                if !p.is_empty() {
                    headers.0.push(Header {
                        name: name.clone(),
                        value: p.to_owned(),
                    });
                }
            }
        } else if !(name.is_list() && value.is_empty()) {
            headers.0.push(Header {
                name,
                value: value.to_owned(),
            });
        }
    }
    Ok((start, headers, length))
}
