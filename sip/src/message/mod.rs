//! SIP messages (RFC 3261 §7, §20, §25): our own types, parsed and printed here.
//!
//! A message keeps its headers as text, one value per entry (list headers such as Via and
//! Contact are split at their commas, folded lines are joined, compact names expanded), so
//! a proxy forwards what it does not understand untouched. The headers Porter acts on are
//! parsed on demand by the typed accessors on [`Headers`]; `Request::check` and
//! `Response::check` are the one place that decides whether a message is well formed enough
//! to act on, and say which header is wrong when it is not.

mod addr;
mod error;
pub(crate) mod grammar;
mod headers;
mod method;
mod parse;
mod print;
mod uri;
mod via;

use bytes::Bytes;

pub use addr::{Contact, NameAddr, Params};
pub use error::ParseError;
pub use headers::{CSeq, Header, HeaderName, Headers, delta_seconds};
pub use method::Method;
pub use parse::{Framed, StreamFramer, parse_datagram};
pub(crate) use print::decimal;
pub use uri::{Host, Scheme, Uri};
pub use via::{BRANCH_COOKIE, Via};

/// The SIP version Porter speaks; anything else is answered 505.
pub const SIP_VERSION: &str = "SIP/2.0";

#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Bytes,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: Bytes,
}

impl Message {
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// Checks the headers every message needs (see [`Request::check`]).
    pub fn check(&self) -> Result<(), ParseError> {
        match self {
            Message::Request(r) => r.check(),
            Message::Response(r) => r.check(),
        }
    }
}

/// The headers every request and response carries (RFC 3261 §8.1.1), parsed once to
/// prove they are well formed.
fn check_common(h: &Headers) -> Result<CSeq, ParseError> {
    h.from()?;
    h.to()?;
    h.call_id()?;
    // Every Via must parse, not only the top one: a response travels back along them.
    let mut vias = 0;
    for v in h.all(&HeaderName::Via) {
        Via::parse(v)?;
        vias += 1;
    }
    if vias == 0 {
        return Err(ParseError::MissingHeader("Via"));
    }
    h.cseq()
}

impl Request {
    /// Whether this request is well formed enough to act on: From, To, Call-ID, CSeq (with
    /// this request's method) and Via present and valid, Max-Forwards and Expires in range,
    /// every Contact valid. An error names the header; the answer to it is 400.
    pub fn check(&self) -> Result<(), ParseError> {
        let cseq = check_common(&self.headers)?;
        if cseq.method != self.method {
            return Err(ParseError::header(
                "CSeq",
                format!(
                    "method {} does not match the request's {}",
                    cseq.method, self.method
                ),
            ));
        }
        self.headers.max_forwards()?;
        self.headers.expires()?;
        self.headers.contacts()?;
        Ok(())
    }
}

impl Request {
    /// A response to this request (RFC 3261 §8.2.6): its Via headers, From, To, Call-ID and
    /// CSeq copied; a To tag added when `to_tag` is given and the To has none.
    pub fn response(&self, status: u16, reason: &str, to_tag: Option<&str>) -> Response {
        let mut headers = Headers::default();
        for h in &self.headers.0 {
            match h.name {
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                    headers.0.push(h.clone());
                }
                HeaderName::To => {
                    // Only the tag is needed, not the whole address parsed again.
                    let tagged = NameAddr::tag_of(&h.value, "To").map(|t| t.is_some());
                    let value = match (to_tag, tagged) {
                        (Some(tag), Ok(false)) => format!("{};tag={tag}", h.value),
                        _ => h.value.clone(),
                    };
                    headers.push(HeaderName::To, value);
                }
                _ => {}
            }
        }
        Response {
            status,
            reason: reason.to_owned(),
            headers,
            body: Bytes::new(),
        }
    }
}

impl Response {
    /// Whether this response is well formed enough to match to a transaction.
    pub fn check(&self) -> Result<(), ParseError> {
        check_common(&self.headers).map(|_| ())
    }

    /// The status class: 1 for provisional, 2 for success, and so on.
    pub fn class(&self) -> u16 {
        self.status / 100
    }
}

#[cfg(test)]
mod tests;
