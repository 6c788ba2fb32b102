//! Header names (with RFC 3261's compact forms) and the header list with typed accessors.

use std::fmt;

use super::addr::{Contact, NameAddr};
use super::error::ParseError;
use super::grammar::{is_token_str, trim_ws};
use super::method::Method;
use super::via::Via;

macro_rules! header_names {
    ($( $variant:ident = $name:literal $(, $compact:literal)? ; )*) => {
        /// A header's name. Known names print in their canonical spelling; any other keeps
        /// the spelling it arrived with and compares case-insensitively.
        #[derive(Clone, Debug, Eq)]
        pub enum HeaderName {
            $( $variant, )*
            Other(String),
        }

        impl HeaderName {
            pub fn parse(s: &str) -> HeaderName {
                $(
                    if s.eq_ignore_ascii_case($name) $(|| s.eq_ignore_ascii_case($compact))? {
                        return HeaderName::$variant;
                    }
                )*
                HeaderName::Other(s.to_owned())
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $( HeaderName::$variant => $name, )*
                    HeaderName::Other(s) => s,
                }
            }
        }
    };
}

header_names! {
    Via = "Via", "v";
    From = "From", "f";
    To = "To", "t";
    CallId = "Call-ID", "i";
    CSeq = "CSeq";
    Contact = "Contact", "m";
    MaxForwards = "Max-Forwards";
    Route = "Route";
    RecordRoute = "Record-Route";
    Expires = "Expires";
    MinExpires = "Min-Expires";
    ContentType = "Content-Type", "c";
    ContentLength = "Content-Length", "l";
    ContentEncoding = "Content-Encoding", "e";
    Authorization = "Authorization";
    WwwAuthenticate = "WWW-Authenticate";
    ProxyAuthorization = "Proxy-Authorization";
    ProxyAuthenticate = "Proxy-Authenticate";
    AuthenticationInfo = "Authentication-Info";
    Allow = "Allow";
    Supported = "Supported", "k";
    Require = "Require";
    ProxyRequire = "Proxy-Require";
    Unsupported = "Unsupported";
    Accept = "Accept";
    Path = "Path";
    Subject = "Subject", "s";
    UserAgent = "User-Agent";
    Server = "Server";
    Event = "Event", "o";
    AllowEvents = "Allow-Events", "u";
    ReferTo = "Refer-To", "r";
    ReferredBy = "Referred-By", "b";
    SessionExpires = "Session-Expires", "x";
    Reason = "Reason";
    Warning = "Warning";
    RetryAfter = "Retry-After";
    Date = "Date";
    Timestamp = "Timestamp";
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &HeaderName) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

impl HeaderName {
    /// Headers whose value is a comma-separated list (RFC 3261 `#` rules): split into one
    /// entry per element when parsed, so that the n-th Via is the n-th entry.
    pub(crate) fn is_list(&self) -> bool {
        matches!(
            self,
            HeaderName::Via
                | HeaderName::Contact
                | HeaderName::Route
                | HeaderName::RecordRoute
                | HeaderName::Path
                | HeaderName::Allow
                | HeaderName::Supported
                | HeaderName::Require
                | HeaderName::ProxyRequire
                | HeaderName::Unsupported
                | HeaderName::Accept
                | HeaderName::AllowEvents
        )
    }

    pub(crate) fn valid(s: &str) -> bool {
        is_token_str(s)
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: HeaderName,
    pub value: String,
}

/// `CSeq: 4711 INVITE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    pub fn parse(value: &str) -> Result<CSeq, ParseError> {
        let bad = |r: String| ParseError::header("CSeq", r);
        let v = trim_ws(value);
        let (n, m) = v
            .split_once([' ', '\t'])
            .ok_or_else(|| bad(format!("{v:?} is not `number METHOD`")))?;
        // RFC 3261 §8.1.1.5: the number is below 2**31.
        let seq = n
            .parse::<u32>()
            .ok()
            .filter(|s| *s < 1 << 31)
            .ok_or_else(|| bad(format!("sequence number {n:?} is not a number below 2^31")))?;
        let method = Method::parse(trim_ws(m)).map_err(|_| bad(format!("bad method {m:?}")))?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// The largest Expires value taken as is (RFC 3261 §20.19: larger values mean 2**32-1).
const MAX_DELTA_SECONDS: u64 = u32::MAX as u64;

/// Parses `delta-seconds`: digits only; values past 2**32-1 are 2**32-1.
pub fn delta_seconds(v: &str, header: &str) -> Result<u32, ParseError> {
    let v = trim_ws(v);
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::header(
            header,
            format!("{v:?} is not a number of seconds"),
        ));
    }
    Ok(v.parse::<u64>()
        .map_or(u32::MAX, |n| n.min(MAX_DELTA_SECONDS) as u32))
}

/// The headers of a message in order, one value per entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Adds a header before all the others (a proxy's Via, Record-Route).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| h.name == *name)
            .map(|h| h.value.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| h.name == *name)
            .map(|h| h.value.as_str())
    }

    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| h.name != *name);
    }

    /// Removes the first header of that name (the top Via of a response going back).
    pub fn remove_first(&mut self, name: &HeaderName) -> Option<String> {
        let i = self.0.iter().position(|h| h.name == *name)?;
        Some(self.0.remove(i).value)
    }

    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|h| h.name == name) {
            Some(h) => h.value = value,
            None => self.0.push(Header { name, value }),
        }
    }

    fn required(&self, name: HeaderName, label: &'static str) -> Result<&str, ParseError> {
        self.get(&name).ok_or(ParseError::MissingHeader(label))
    }

    pub fn call_id(&self) -> Result<&str, ParseError> {
        let v = trim_ws(self.required(HeaderName::CallId, "Call-ID")?);
        if v.is_empty() || v.bytes().any(|c| c.is_ascii_whitespace()) {
            return Err(ParseError::header(
                "Call-ID",
                "empty or contains white space",
            ));
        }
        Ok(v)
    }

    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        CSeq::parse(self.required(HeaderName::CSeq, "CSeq")?)
    }

    pub fn from(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse(self.required(HeaderName::From, "From")?, "From")
    }

    pub fn to(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse(self.required(HeaderName::To, "To")?, "To")
    }

    /// The From tag alone, for a message that passed `Request::check` (`NameAddr::tag_of`).
    pub fn from_tag(&self) -> Result<Option<&str>, ParseError> {
        NameAddr::tag_of(self.required(HeaderName::From, "From")?, "From")
    }

    /// The To tag alone, for a message that passed `Request::check` (`NameAddr::tag_of`).
    pub fn to_tag(&self) -> Result<Option<&str>, ParseError> {
        NameAddr::tag_of(self.required(HeaderName::To, "To")?, "To")
    }

    pub fn top_via(&self) -> Result<Option<Via>, ParseError> {
        self.get(&HeaderName::Via).map(Via::parse).transpose()
    }

    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        self.all(&HeaderName::Via).map(Via::parse).collect()
    }

    pub fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
        self.all(&HeaderName::Contact).map(Contact::parse).collect()
    }

    pub fn routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.all(&HeaderName::Route)
            .map(|v| NameAddr::parse(v, "Route"))
            .collect()
    }

    pub fn record_routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.all(&HeaderName::RecordRoute)
            .map(|v| NameAddr::parse(v, "Record-Route"))
            .collect()
    }

    /// Max-Forwards, 0–255 (RFC 3261 §20.22); None when absent.
    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        let Some(v) = self.get(&HeaderName::MaxForwards) else {
            return Ok(None);
        };
        let v = trim_ws(v);
        let n = if v.bytes().all(|c| c.is_ascii_digit()) {
            v.parse::<u8>().ok()
        } else {
            None
        };
        n.map(Some)
            .ok_or_else(|| ParseError::header("Max-Forwards", format!("{v:?} is not 0-255")))
    }

    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.get(&HeaderName::Expires)
            .map(|v| delta_seconds(v, "Expires"))
            .transpose()
    }
}
